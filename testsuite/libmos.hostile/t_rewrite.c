/*
 * t_rewrite.c -- regression tests for two classes the fuzzers reach
 * (fuzz/fuzz_stack.c): a CHOMP/INSERT that would move the IPv4 total
 * length (the payload length was then re-read from the shifted bytes,
 * unbounded by the frame: a heap over-read), and frames above 64 KiB,
 * whose lengths in struct pkt_info wrapped to their low 16 bits
 * (mtcp_setlastpkt(3), mtcp_getlastpkt(3)); and a CHOMP from inside
 * MOS_ON_REXMIT, which runs before the receiver stores the payload, or
 * MOS_ON_ERROR, raised while it is stored (the ring must move over
 * unread bytes): the payload stored must be the chomped one (a stale
 * pointer and length stored the bytes left behind the frame's new end).
 *
 *   t_rewrite     (writes its captures under $TMPDIR)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cap.h"
#include "tap.h"

#define ISN_C 1000u
#define ISN_S 5000u
#define SMALL 300u
#define JUMBO_V4 (65535u - 40u)		/* IPv4 total length 65535 */
#define JUMBO_V6 (65535u - 20u)		/* IPv6 payload length 65535 */

static bool v6;
static uint32_t jumbo;

/* what the callback saw */
static int bad_rc[3], bad_errno[3], good_rc = -1;
static int after_plen = -1, after_iplen = -1, shifted_tcph = -1;
static long j_eth = -1, j_ip = -1, j_plen = -1, j_inside = -1;
static uint64_t delivered, wrong;

static void write_capture(const char *path)
{
	static uint8_t data[70000];
	struct cap c;
	struct seg s = { .cport = 40000, .sport = 80, .win = 65535 };
	uint32_t i, cseq = ISN_C + 1;

	for (i = 0; i < sizeof(data); i++)
		data[i] = cap_pat(0, i);
	if (cap_open(&c, path, v6) < 0)
		exit(1);
	s.dir = 0, s.seq = ISN_C, s.flags = 0x02;
	cap_seg(&c, &s);
	s.dir = 1, s.seq = ISN_S, s.ack = ISN_C + 1, s.flags = 0x12;
	cap_seg(&c, &s);
	s.dir = 0, s.seq = cseq, s.ack = ISN_S + 1, s.flags = 0x10;
	cap_seg(&c, &s);
	s.flags = 0x18, s.data = data, s.len = SMALL;
	cap_seg(&c, &s);
	cseq += SMALL;
	s.seq = cseq, s.data = data + SMALL, s.len = jumbo;
	cap_seg(&c, &s);
	cseq += jumbo;
	s.dir = 1, s.seq = ISN_S + 1, s.ack = cseq, s.flags = 0x10;
	s.data = NULL, s.len = 0;
	cap_seg(&c, &s);
	s.dir = 0, s.seq = cseq, s.ack = ISN_S + 1, s.flags = 0x11;
	cap_seg(&c, &s);
	s.dir = 1, s.seq = ISN_S + 1, s.ack = cseq + 1, s.flags = 0x11;
	cap_seg(&c, &s);
	s.dir = 0, s.seq = cseq + 1, s.ack = ISN_S + 2, s.flags = 0x10;
	cap_seg(&c, &s);
	if (cap_close(&c) < 0)
		exit(1);
}

static int set_totlen(mctx_t m, int s, unsigned v)
{
	uint16_t tl = htons((uint16_t)v);

	return mtcp_setlastpkt(m, s, 0, 2, (byte *)&tl, 2,
			       MOS_IP_HDR | MOS_OVERWRITE);
}

/* The three edits that must be refused, each with the total length
 * rewritten first as the API asks, and put back afterwards. */
static void refused(mctx_t m, int s, unsigned iplen)
{
	static const uint8_t four[4] = { 1, 1, 1, 1 };
	int i;

	set_totlen(m, s, iplen - 4);
	bad_rc[0] = mtcp_setlastpkt(m, s, 0, 0, NULL, 4,
				    MOS_IP_HDR | MOS_CHOMP);
	bad_errno[0] = errno;
	set_totlen(m, s, iplen + 4);
	bad_rc[1] = mtcp_setlastpkt(m, s, 0, 2, (byte *)four, 4,
				    MOS_IP_HDR | MOS_INSERT);
	bad_errno[1] = errno;
	set_totlen(m, s, iplen - 20);
	bad_rc[2] = mtcp_setlastpkt(m, s, 0, 0, NULL, 20,
				    MOS_TCP_HDR | MOS_CHOMP);
	bad_errno[2] = errno;
	for (i = 0; i < 3; i++)
		if (bad_rc[i] == 0)
			return;	/* accepted: the packet is what it made */
	set_totlen(m, s, iplen);
}

static void cb_snd(mctx_t m, int s, int side, event_t ev, filter_arg_t *a)
{
	static const uint8_t nops[4] = { 1, 1, 1, 1 };
	struct pkt_info pi;

	(void)ev, (void)a;
	if (mtcp_getlastpkt(m, s, side, &pi) < 0 || !pi.tcph)
		return;
	if (pi.payloadlen == SMALL && !v6) {
		unsigned iplen = pi.ip_len;

		refused(m, s, iplen);
		/* an edit behind the fixed header is fine: 4 option bytes */
		if (set_totlen(m, s, iplen + 4) == 0)
			good_rc = mtcp_setlastpkt(m, s, 0, 20, (byte *)nops, 4,
						  MOS_IP_HDR | MOS_INSERT);
		if (mtcp_getlastpkt(m, s, side, &pi) == 0) {
			after_plen = pi.payloadlen;
			after_iplen = pi.ip_len;
			shifted_tcph = (int)((uint8_t *)pi.tcph -
					     (uint8_t *)pi.iph);
		}
	} else if (pi.payloadlen > SMALL) {
		const uint8_t *base = (const uint8_t *)pi.ethh;

		j_eth = pi.eth_len;
		j_ip = pi.ip_len;
		j_plen = pi.payloadlen;
		j_inside = pi.payload + pi.payloadlen <= base + pi.eth_len ||
			   pi.eth_len == 65535;
	}
}

static void cb_data(mctx_t m, int s, int side, event_t ev, filter_arg_t *a)
{
	static char buf[70000];
	ssize_t n, i;

	(void)ev, (void)a;
	if (side != MOS_SIDE_SVR)
		return;
	while ((n = mtcp_peek(m, s, side, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++)
			wrong += (uint8_t)buf[i] != cap_pat(0, delivered + i);
		delivered += (uint64_t)n;
	}
}

static int setup(mctx_t m)
{
	int s = mtcp_socket(m, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);

	if (s < 0 ||
	    mtcp_register_callback(m, s, MOS_ON_PKT_IN, MOS_HK_SND, cb_snd) ||
	    mtcp_register_callback(m, s, MOS_ON_CONN_NEW_DATA, MOS_NULL,
				   cb_data))
		return -1;
	return 0;
}

static void run(bool ipv6)
{
	const char *path = cap_tmp(ipv6 ? "rewrite6.pcap" : "rewrite4.pcap");
	char *conf;

	v6 = ipv6;
	jumbo = ipv6 ? JUMBO_V6 : JUMBO_V4;
	delivered = wrong = 0;
	j_eth = j_ip = j_plen = j_inside = -1;
	write_capture(path);
	conf = cap_conf(path, "rmem_size = 131072;");
	ok(conf && cap_run(conf, setup) == 0, "%s: run", ipv6 ? "v6" : "v4");
	free(conf);
}

/* ---- a CHOMP inside MOS_ON_REXMIT ---------------------------------- */

#define RX_A 100u		/* offsets [0, 100) */
#define RX_B_OFF 50u		/* then [50, 200): overlaps, MOS_ON_REXMIT */
#define RX_B_LEN 150u
#define RX_CHOMP 10u
/* or [0, 600), then [600, 1200) past a 1024-byte ring nobody reads:
 * MOS_ON_ERROR */
#define ER_LEN 600u

static bool in_error;

static int rx_rc = -1, rx_calls;
static long rx_end_after_b = -1;

static void write_rexmit(const char *path)
{
	static uint8_t data[2 * ER_LEN];
	struct cap c;
	struct seg s = { .cport = 40002, .sport = 80, .win = 65535 };
	uint32_t i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = cap_pat(0, i);
	if (cap_open(&c, path, false) < 0)
		exit(1);
	s.dir = 0, s.seq = ISN_C, s.flags = 0x02;
	cap_seg(&c, &s);
	s.dir = 1, s.seq = ISN_S, s.ack = ISN_C + 1, s.flags = 0x12;
	cap_seg(&c, &s);
	s.dir = 0, s.seq = ISN_C + 1, s.ack = ISN_S + 1, s.flags = 0x18;
	s.data = data, s.len = in_error ? ER_LEN : RX_A;
	cap_seg(&c, &s);
	s.seq = ISN_C + 1 + (in_error ? ER_LEN : RX_B_OFF);
	s.data = data + (in_error ? ER_LEN : RX_B_OFF);
	s.len = in_error ? ER_LEN : RX_B_LEN;
	cap_seg(&c, &s);
	s.dir = 1, s.seq = ISN_S + 1, s.ack = ISN_C + 1 + 200, s.flags = 0x10;
	s.data = NULL, s.len = 0;
	cap_seg(&c, &s);
	if (cap_close(&c) < 0)
		exit(1);
}

static void rx_cb(mctx_t m, int s, int side, event_t ev, filter_arg_t *a)
{
	struct pkt_info pi;

	(void)ev, (void)a;
	if (rx_calls++ || mtcp_getlastpkt(m, s, side, &pi) < 0)
		return;
	rx_rc = set_totlen(m, s, pi.ip_len - RX_CHOMP) ||
		mtcp_setlastpkt(m, s, side, 0, NULL, RX_CHOMP,
				MOS_TCP_PAYLOAD | MOS_CHOMP);
}

static void rx_rcv(mctx_t m, int s, int side, event_t ev, filter_arg_t *a)
{
	struct tcp_buf_info bi;
	socklen_t len = sizeof(bi);
	struct pkt_info pi;

	(void)ev, (void)a;
	if (side == MOS_SIDE_SVR && mtcp_getlastpkt(m, s, side, &pi) == 0 &&
	    ntohl(((struct tcphdr *)pi.tcph)->seq) ==
		    ISN_C + 1 + (in_error ? ER_LEN : RX_B_OFF) &&
	    mtcp_getsockopt(m, s, SOL_MONSOCKET, MOS_INFO_SVRBUF, &bi,
			    &len) == 0)
		rx_end_after_b = bi.tcpbi_next_byte_expected;
}

static int rx_setup(mctx_t m)
{
	int s = mtcp_socket(m, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);

	if (s < 0 ||
	    (in_error ? mtcp_register_callback(m, s, MOS_ON_ERROR, MOS_NULL,
					       rx_cb)
		      : mtcp_register_callback(m, s, MOS_ON_REXMIT,
					       MOS_HK_RCV, rx_cb)) ||
	    mtcp_register_callback(m, s, MOS_ON_PKT_IN, MOS_HK_RCV, rx_rcv))
		return -1;
	return 0;
}

static void run_rexmit(bool error)
{
	const char *path = cap_tmp("rewrite-rexmit.pcap");
	const char *ev = error ? "MOS_ON_ERROR" : "MOS_ON_REXMIT";
	long want = error ? 2 * ER_LEN - RX_CHOMP
			  : RX_B_OFF + RX_B_LEN - RX_CHOMP;
	char *conf;

	in_error = error;
	rx_rc = -1, rx_calls = 0, rx_end_after_b = -1;
	write_rexmit(path);
	conf = cap_conf(path, error ? "rmem_size = 1024;" : "");
	ok(conf && cap_run(conf, rx_setup) == 0, "%s: run", ev);
	free(conf);
	ok(rx_rc == 0 && rx_end_after_b == want,
	   "CHOMP of %u bytes in %s: the ring stores the chomped payload, "
	   "in-order end %ld (%ld; rc %d)", RX_CHOMP, ev, rx_end_after_b,
	   want, rx_rc);
}

int main(void)
{
	static const char *what[3] = {
		"CHOMP at IPv4 offset 0 (cuts the total length)",
		"INSERT at IPv4 offset 2 (moves the total length)",
		"CHOMP of the whole fixed TCP header",
	};
	int i;

	run(false);
	for (i = 0; i < 3; i++)
		ok(bad_rc[i] == -1 && bad_errno[i] == EINVAL,
		   "refused with EINVAL: %s (rc %d, errno %d)", what[i],
		   bad_rc[i], bad_errno[i]);
	ok(good_rc == 0 && after_plen == (int)SMALL &&
	   after_iplen == 20 + 4 + 20 + (int)SMALL && shifted_tcph == 24,
	   "INSERT of 4 option bytes behind the IPv4 header: rc %d, "
	   "payload %d, ip_len %d, TCP header at +%d", good_rc, after_plen,
	   after_iplen, shifted_tcph);
	ok(j_eth == 65535 && j_ip == 65535 && j_plen == (long)JUMBO_V4 &&
	   j_inside == 1,
	   "v4 frame of 65549 bytes: eth_len %ld ip_len %ld payloadlen %ld "
	   "(65535 65535 %u: not wrapped)", j_eth, j_ip, j_plen, JUMBO_V4);
	ok(delivered == SMALL + JUMBO_V4 && wrong == 0,
	   "v4: the server's ring got %llu bytes (%u), %llu wrong",
	   (unsigned long long)delivered, SMALL + JUMBO_V4,
	   (unsigned long long)wrong);

	run(true);
	ok(j_eth == 65535 && j_ip == 65535 && j_plen == (long)JUMBO_V6,
	   "v6 frame of 65589 bytes: eth_len %ld ip_len %ld payloadlen %ld "
	   "(65535 65535 %u: not wrapped)", j_eth, j_ip, j_plen, JUMBO_V6);
	ok(delivered == SMALL + JUMBO_V6 && wrong == 0,
	   "v6: the server's ring got %llu bytes (%u), %llu wrong",
	   (unsigned long long)delivered, SMALL + JUMBO_V6,
	   (unsigned long long)wrong);
	run_rexmit(false);
	run_rexmit(true);
	return tap_done();
}
