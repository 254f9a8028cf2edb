/*
 * t_drained.c -- a drained ring handed back to the pool (memory
 * follows unread data) leaves no trace a monitor can see.
 *
 *   t_drained
 *
 * Writes captures of N flows, all opened first, each client then sending
 * 100 bytes; flow 0's client then retransmits those 100 bytes and sends
 * 50 new ones.  The monitor reads every byte at MOS_ON_CONN_NEW_DATA, so
 * every ring is drained.  With N = 1 nothing ever needs room; with N = 64
 * the later flows' first bytes need the pool's chunks, which it takes
 * back from the rings drained longest ago, flow 0's first, and flow 0's
 * ring then goes back to the pool whole.  Flow 0 must look the same in
 * both runs: the retransmission is a MOS_ON_REXMIT, MOS_INFO_SVRBUF at
 * that point says 100 bytes in order, MOS_FRAGINFO_SVRBUF answers (with
 * the read bytes while they are still stored, N = 1, with no fragment
 * once the pool took them back, as from a ring it kept), and the 50 new
 * bytes are read with nothing lost.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mon.h"
#include "tap.h"

#define MAX_FLOWS 64
#define CLI_ISN 1000u
#define SVR_ISN 5000u

/* Ethernet + IPv4 + TCP with len payload bytes (all `fill`); returns the
 * frame length. */
static int frame(uint8_t *f, int flow, int dir, uint32_t seq, uint32_t ack,
		 uint8_t flags, int len, uint8_t fill)
{
	uint8_t *ip = f + 14, *th = ip + 20;
	uint8_t cli[4] = { 192, 0, 2, (uint8_t)(10 + flow) };
	uint8_t svr[4] = { 198, 51, 100, 20 };
	uint16_t cport = (uint16_t)(40000 + flow), sport = 80;
	uint32_t sum;

	memset(f, 0, 54);
	memcpy(f, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", 14);
	ip[0] = 0x45;
	mon_put16(ip + 2, (uint16_t)(40 + len));
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, dir ? svr : cli, 4);
	memcpy(ip + 16, dir ? cli : svr, 4);
	mon_put16(ip + 10, mon_csum(0, ip, 20));
	mon_put16(th, dir ? sport : cport);
	mon_put16(th + 2, dir ? cport : sport);
	mon_put32(th + 4, seq);
	mon_put32(th + 8, ack);
	th[12] = 5 << 4;
	th[13] = flags;
	mon_put16(th + 14, 65535);
	memset(th + 20, fill, (size_t)len);
	sum = (uint32_t)(ip[12] << 8 | ip[13]) + (uint32_t)(ip[14] << 8 | ip[15]) +
	      (uint32_t)(ip[16] << 8 | ip[17]) + (uint32_t)(ip[18] << 8 | ip[19]) +
	      6u + 20u + (uint32_t)len;
	mon_put16(th + 16, mon_csum(sum, th, 20 + (size_t)len));
	return 54 + len;
}

static void put(pcap_dumper_t *d, long *usec, const uint8_t *f, int n)
{
	struct pcap_pkthdr h = { 0 };

	*usec += 10;
	h.ts.tv_sec = 1700000000 + *usec / 1000000;
	h.ts.tv_usec = *usec % 1000000;
	h.caplen = h.len = (bpf_u_int32)n;
	pcap_dump((u_char *)d, &h, f);
}

static int write_capture(const char *path, int nflows)
{
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d = dead ? pcap_dump_open(dead, path) : NULL;
	uint8_t f[256];
	long usec = 0;
	int i;

	if (!d) {
		if (dead)
			pcap_close(dead);
		return -1;
	}
	for (i = 0; i < nflows; i++) {
		put(d, &usec, f, frame(f, i, 0, CLI_ISN, 0, 0x02, 0, 0));
		put(d, &usec, f, frame(f, i, 1, SVR_ISN, CLI_ISN + 1, 0x12,
				       0, 0));
		put(d, &usec, f, frame(f, i, 0, CLI_ISN + 1, SVR_ISN + 1, 0x10,
				       0, 0));
	}
	for (i = 0; i < nflows; i++) {
		put(d, &usec, f, frame(f, i, 0, CLI_ISN + 1, SVR_ISN + 1, 0x18,
				       100, 'a'));
		put(d, &usec, f, frame(f, i, 1, SVR_ISN + 1, CLI_ISN + 101,
				       0x10, 0, 0));
	}
	/* flow 0: the same 100 bytes again, then 50 new ones */
	put(d, &usec, f, frame(f, 0, 0, CLI_ISN + 1, SVR_ISN + 1, 0x18, 100,
			       'a'));
	put(d, &usec, f, frame(f, 0, 0, CLI_ISN + 101, SVR_ISN + 1, 0x18, 50,
			       'b'));
	pcap_dump_close(d);
	pcap_close(dead);
	return 0;
}

/* What flow 0 showed. */
static struct {
	int sock;
	int rexmits;
	int bufinfo_rc, bufinfo_errno;
	uint32_t next_expected, last_received;
	int frag_rc;
	socklen_t frag_n;
	uint64_t got, lost;
	int bad;		/* bytes other than the ones sent */
} f0;
static uint64_t got_all;

static void drain(mctx_t m, int sock, int side)
{
	char buf[4096];
	ssize_t n;
	ssize_t i;

	while ((n = mtcp_peek(m, sock, side, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == ENODATA) {
			if (sock == f0.sock)
				f0.lost += (uint64_t)-n;
			continue;
		}
		if (n < 0)
			return;
		got_all += (uint64_t)n;
		if (sock != f0.sock)
			continue;
		for (i = 0; i < n; i++)
			if (buf[i] != (f0.got + (uint64_t)i < 100 ? 'a' : 'b'))
				f0.bad++;
		f0.got += (uint64_t)n;
	}
}

static void on_data(mctx_t m, int sock, int side, event_t ev,
		    filter_arg_t *arg)
{
	(void)side;
	(void)ev;
	(void)arg;
	drain(m, sock, MOS_SIDE_CLI);
	drain(m, sock, MOS_SIDE_SVR);
}

static void on_start(mctx_t m, int sock, int side, event_t ev,
		     filter_arg_t *arg)
{
	struct sockaddr_in a[2];
	socklen_t len = sizeof(a);

	(void)side;
	(void)ev;
	(void)arg;
	if (mtcp_getpeername(m, sock, (struct sockaddr *)a, &len,
			     MOS_SIDE_BOTH) == 0 &&
	    ntohs(a[0].sin_port) == 40000)
		f0.sock = sock;
}

static void on_rexmit(mctx_t m, int sock, int side, event_t ev,
		      filter_arg_t *arg)
{
	struct tcp_buf_info bi;
	struct tcp_ring_fragment fr[4];
	socklen_t len = sizeof(bi);

	(void)ev;
	(void)arg;
	if (sock != f0.sock || side != MOS_SIDE_SVR)
		return;
	f0.rexmits++;
	errno = 0;
	f0.bufinfo_rc = mtcp_getsockopt(m, sock, SOL_MONSOCKET,
					MOS_INFO_SVRBUF, &bi, &len);
	f0.bufinfo_errno = errno;
	if (f0.bufinfo_rc == 0) {
		f0.next_expected = bi.tcpbi_next_byte_expected;
		f0.last_received = bi.tcpbi_last_byte_received;
	}
	f0.frag_n = 4;
	f0.frag_rc = mtcp_getsockopt(m, sock, SOL_MONSOCKET,
				     MOS_FRAGINFO_SVRBUF, fr, &f0.frag_n);
}

static int setup(mctx_t mctx)
{
	int s = mtcp_socket(mctx, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);

	if (s < 0 ||
	    mtcp_register_callback(mctx, s, MOS_ON_CONN_START, MOS_HK_SND,
				   on_start) < 0 ||
	    mtcp_register_callback(mctx, s, MOS_ON_CONN_NEW_DATA, MOS_NULL,
				   on_data) < 0 ||
	    mtcp_register_callback(mctx, s, MOS_ON_REXMIT, MOS_HK_RCV,
				   on_rexmit) < 0)
		return -1;
	return 0;
}

static void run(int nflows)
{
	char path[4096], *conf;
	const char *tmp = getenv("TMPDIR");
	int rc;

	snprintf(path, sizeof(path), "%s/drained-%d.pcap",
		 tmp && *tmp ? tmp : "/tmp", nflows);
	memset(&f0, 0, sizeof(f0));
	f0.sock = -1;
	got_all = 0;
	if (write_capture(path, nflows) < 0) {
		ok(0, "%d flows: capture written to %s", nflows, path);
		return;
	}
	conf = mon_conf(path, "rmem_size = 8192;");
	rc = conf ? mon_run(conf, setup) : -1;
	ok(rc == 0, "%d flows: run", nflows);
	ok(f0.rexmits == 1, "%d flows: flow 0's retransmission is one "
	   "MOS_ON_REXMIT (%d)", nflows, f0.rexmits);
	ok(f0.bufinfo_rc == 0 && f0.next_expected == 100 &&
	   f0.last_received == 100,
	   "%d flows: MOS_INFO_SVRBUF then: 100 bytes in order, none past "
	   "(rc %d errno %d, %u %u)", nflows, f0.bufinfo_rc,
	   f0.bufinfo_errno, f0.next_expected, f0.last_received);
	/* read bytes stay stored until their room is needed: then they
	 * are gone, as from any ring the pool took them back from */
	ok(f0.frag_rc == 0 && f0.frag_n == (nflows == 1 ? 1u : 0u),
	   "%d flows: MOS_FRAGINFO_SVRBUF then: %s (rc %d, %u)", nflows,
	   nflows == 1 ? "the 100 read bytes, still stored"
		       : "no fragment, the read bytes taken back",
	   f0.frag_rc, (unsigned)f0.frag_n);
	ok(f0.got == 150 && f0.lost == 0 && f0.bad == 0,
	   "%d flows: flow 0 read 150 bytes as sent, none lost (%llu, %llu "
	   "lost, %d wrong)", nflows, (unsigned long long)f0.got,
	   (unsigned long long)f0.lost, f0.bad);
	ok(got_all == 100u * (uint64_t)nflows + 50,
	   "%d flows: every byte of every flow read (%llu)", nflows,
	   (unsigned long long)got_all);
	if (conf) {
		unlink(conf);
		free(conf);
	}
	unlink(path);
}

int main(void)
{
	run(1);
	run(MAX_FLOWS);
	return tap_done();
}
