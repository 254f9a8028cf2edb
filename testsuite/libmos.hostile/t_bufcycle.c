/*
 * t_bufcycle.c -- a side's buffer switched off and on again mid-flow
 * (mtcp_setsockopt(3) MOS_CLIBUF/MOS_SVRBUF 0, then a size), from a
 * packet callback and from inside MOS_ON_ERROR.
 *
 *   t_bufcycle     (writes its capture under $TMPDIR)
 *
 * The client sends NSEG segments of SEG bytes in order.  The new ring
 * must start at the flow's in-order end when it was switched on (not at
 * offset 0, behind the reader): mtcp_peek then reports the bytes missed
 * as lost and delivers the following ones, each the byte sent at its
 * offset; delivered + lost = the stream length, which MOS_INFO_SVRBUF
 * reports too.  Storage freed with the old ring is checked by the
 * suite's AddressSanitizer run (leak detection on).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cap.h"
#include "tap.h"

#define SEG 1000u
#define NSEG 40u
#define ISN_C 0xffffd000u	/* the client's sequence numbers wrap */
#define ISN_S 9000u

enum mode { AT_PACKET, EVERY_PACKET, IN_ERROR };

static enum mode mode;
static uint64_t delivered, lost, pos, wrong, first_after_loss;
static uint64_t next_expected;
static int errors, cycles, cycle_fail, info_rc;
static bool lost_seen;

static void write_capture(const char *path)
{
	static uint8_t data[SEG];
	struct cap c;
	struct seg s = { .cport = 40001, .sport = 80, .win = 65535 };
	uint32_t i, k;

	if (cap_open(&c, path, false) < 0)
		exit(1);
	s.dir = 0, s.seq = ISN_C, s.flags = 0x02;
	cap_seg(&c, &s);
	s.dir = 1, s.seq = ISN_S, s.ack = ISN_C + 1, s.flags = 0x12;
	cap_seg(&c, &s);
	s.dir = 0, s.seq = ISN_C + 1, s.ack = ISN_S + 1, s.flags = 0x10;
	cap_seg(&c, &s);
	for (k = 0; k < NSEG; k++) {
		for (i = 0; i < SEG; i++)
			data[i] = cap_pat(0, (uint64_t)k * SEG + i);
		s.dir = 0, s.seq = ISN_C + 1 + k * SEG, s.ack = ISN_S + 1;
		s.flags = 0x18, s.data = data, s.len = SEG;
		cap_seg(&c, &s);
		s.dir = 1, s.seq = ISN_S + 1, s.ack = ISN_C + 1 + (k + 1) * SEG;
		s.flags = 0x10, s.data = NULL, s.len = 0;
		cap_seg(&c, &s);
		c.t_us += 1000;
	}
	s.dir = 0, s.seq = ISN_C + 1 + NSEG * SEG, s.flags = 0x11;
	cap_seg(&c, &s);
	s.dir = 1, s.seq = ISN_S + 1, s.ack = ISN_C + 2 + NSEG * SEG;
	cap_seg(&c, &s);
	s.dir = 0, s.seq = ISN_C + 2 + NSEG * SEG, s.ack = ISN_S + 2;
	s.flags = 0x10;
	cap_seg(&c, &s);
	if (cap_close(&c) < 0)
		exit(1);
}

static void drain(mctx_t m, int s)
{
	static char buf[4096];
	ssize_t n, i;

	for (;;) {
		n = mtcp_peek(m, s, MOS_SIDE_SVR, buf, sizeof(buf));
		if (n < 0 && errno == ENODATA) {
			lost += (uint64_t)-n;
			pos += (uint64_t)-n;
			lost_seen = true;
			continue;
		}
		if (n <= 0)
			break;
		if (lost_seen && !first_after_loss)
			first_after_loss = pos;
		for (i = 0; i < n; i++)
			wrong += (uint8_t)buf[i] != cap_pat(0, pos + i);
		pos += (uint64_t)n;
		delivered += (uint64_t)n;
	}
}

static void cycle(mctx_t m, int s, int size)
{
	int off = 0;

	cycles++;
	if (mtcp_setsockopt(m, s, SOL_MONSOCKET, MOS_SVRBUF, &off,
			    sizeof(off)) < 0 ||
	    mtcp_setsockopt(m, s, SOL_MONSOCKET, MOS_SVRBUF, &size,
			    sizeof(size)) < 0)
		cycle_fail++;
}

static void cb_rcv(mctx_t m, int s, int side, event_t ev, filter_arg_t *a)
{
	struct pkt_info pi;

	(void)side, (void)ev, (void)a;
	if (mtcp_getlastpkt(m, s, side, &pi) < 0 || pi.payloadlen != SEG)
		return;
	/* at the 6th segment offsets 5000-6000 are in the ring and unread
	 * (the reader keeps up with every other segment): switched off,
	 * exactly they are lost, and the new ring starts at 6000 */
	if ((mode == AT_PACKET && pi.offset == 5 * SEG) ||
	    mode == EVERY_PACKET)
		cycle(m, s, 8192);
	if (mode == AT_PACKET)
		drain(m, s);
}

static void cb_data(mctx_t m, int s, int side, event_t ev, filter_arg_t *a)
{
	(void)ev, (void)a;
	if (side == MOS_SIDE_SVR)
		drain(m, s);
}

static void cb_error(mctx_t m, int s, int side, event_t ev, filter_arg_t *a)
{
	(void)ev, (void)a;
	if (side != MOS_SIDE_SVR)
		return;
	errors++;
	if (mode == IN_ERROR)
		cycle(m, s, 4096);
}

static void cb_end(mctx_t m, int s, int side, event_t ev, filter_arg_t *a)
{
	struct tcp_buf_info bi;
	socklen_t len = sizeof(bi);

	(void)side, (void)ev, (void)a;
	drain(m, s);
	info_rc = mtcp_getsockopt(m, s, SOL_MONSOCKET, MOS_INFO_SVRBUF, &bi,
				  &len);
	if (info_rc == 0)
		next_expected = bi.tcpbi_next_byte_expected;
}

static int setup(mctx_t m)
{
	int s = mtcp_socket(m, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);

	if (s < 0 ||
	    mtcp_register_callback(m, s, MOS_ON_PKT_IN, MOS_HK_RCV, cb_rcv) ||
	    mtcp_register_callback(m, s, MOS_ON_CONN_NEW_DATA, MOS_NULL,
				   cb_data) ||
	    mtcp_register_callback(m, s, MOS_ON_ERROR, MOS_NULL, cb_error) ||
	    mtcp_register_callback(m, s, MOS_ON_CONN_END, MOS_HK_RCV, cb_end))
		return -1;
	return 0;
}

static void run(enum mode md, const char *name, const char *extra)
{
	const char *path = cap_tmp("bufcycle.pcap");
	char *conf;
	uint64_t total = (uint64_t)NSEG * SEG;

	mode = md;
	delivered = lost = pos = wrong = first_after_loss = next_expected = 0;
	errors = cycles = cycle_fail = 0;
	info_rc = -1;
	lost_seen = false;
	write_capture(path);
	conf = cap_conf(path, extra);
	ok(conf && cap_run(conf, setup) == 0, "%s: run", name);
	free(conf);
	ok(cycles > 0 && cycle_fail == 0, "%s: %d off/on cycles, %d refused",
	   name, cycles, cycle_fail);
	ok(delivered + lost == total && wrong == 0,
	   "%s: delivered %llu + lost %llu = %llu, %llu bytes wrong", name,
	   (unsigned long long)delivered, (unsigned long long)lost,
	   (unsigned long long)total, (unsigned long long)wrong);
	if (md == AT_PACKET)
		ok(info_rc == 0 && next_expected == total,
		   "%s: MOS_INFO_SVRBUF next byte expected %llu (rc %d)",
		   name, (unsigned long long)next_expected, info_rc);
	if (md == AT_PACKET)
		ok(lost == SEG && first_after_loss == 6 * SEG,
		   "%s: %llu bytes missed while off (1000); the new ring "
		   "starts at offset %llu, the in-order end (6000)", name,
		   (unsigned long long)lost,
		   (unsigned long long)first_after_loss);
	if (md == IN_ERROR)
		ok(errors > 0 && delivered > 0,
		   "%s: %d MOS_ON_ERROR, %llu bytes delivered after", name,
		   errors, (unsigned long long)delivered);
}

int main(void)
{
	run(AT_PACKET, "off/on at a packet", "rmem_size = 65536;");
	run(EVERY_PACKET, "off/on at every packet", "rmem_size = 8192;");
	run(IN_ERROR, "off/on in MOS_ON_ERROR", "rmem_size = 4096;");
	return tap_done();
}
