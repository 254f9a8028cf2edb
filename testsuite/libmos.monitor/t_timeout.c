/*
 * t_timeout.c -- idle flows end after tcp_timeout seconds (mos.conf(5)).
 *
 *   t_timeout
 *
 * Writes a small capture with libpcap: a handshake at t = 0, an
 * unrelated UDP datagram 5 s later, and one more ACK of the flow at 6 s.
 * With tcp_timeout = 1 the flow ends (CONN_END, side CLI first) once the
 * clock has passed its idle time, before that late ACK, which is then an
 * orphan.  With tcp_timeout = -1 the late ACK belongs to the flow and
 * CONN_END only comes when the capture ends.  burst = 1 makes flow
 * expiry run after each frame.
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

#define CLI_IP "192.0.2.10"
#define SVR_IP "198.51.100.20"

/* Ethernet + IPv4 + TCP (proto 6, 20-byte header) or UDP (17, 8 bytes),
 * no payload; returns the frame length. */
static int frame(uint8_t *f, int proto, const char *src, const char *dst,
		 uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
		 uint8_t flags)
{
	int l4 = proto == 6 ? 20 : 8;
	uint8_t *ip = f + 14, *th = ip + 20;
	uint32_t sum;

	memset(f, 0, 14 + 20 + (size_t)l4);
	memcpy(f, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", 14);
	ip[0] = 0x45;
	mon_put16(ip + 2, (uint16_t)(20 + l4));
	ip[8] = 64;
	ip[9] = (uint8_t)proto;
	inet_pton(AF_INET, src, ip + 12);
	inet_pton(AF_INET, dst, ip + 16);
	mon_put16(ip + 10, mon_csum(0, ip, 20));
	mon_put16(th, sport);
	mon_put16(th + 2, dport);
	if (proto == 6) {
		mon_put32(th + 4, seq);
		mon_put32(th + 8, ack);
		th[12] = 5 << 4;
		th[13] = flags;
		mon_put16(th + 14, 65535);
	} else {
		mon_put16(th + 4, 8);
	}
	/* pseudo-header: addresses, protocol, L4 length */
	sum = (uint32_t)(ip[12] << 8 | ip[13]) + (uint32_t)(ip[14] << 8 | ip[15]) +
	      (uint32_t)(ip[16] << 8 | ip[17]) + (uint32_t)(ip[18] << 8 | ip[19]) +
	      (uint32_t)proto + (uint32_t)l4;
	mon_put16(th + (proto == 6 ? 16 : 6), mon_csum(sum, th, (size_t)l4));
	return 14 + 20 + l4;
}

static int write_capture(const char *path)
{
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d = dead ? pcap_dump_open(dead, path) : NULL;
	static const struct {
		long usec;
		int proto;
		int dir;	/* 0 client to server */
		uint32_t seq, ack;
		uint8_t flags;
	} pk[] = {
		{ 0, 6, 0, 1000, 0, 0x02 },		/* SYN */
		{ 100, 6, 1, 5000, 1001, 0x12 },	/* SYN/ACK */
		{ 200, 6, 0, 1001, 5001, 0x10 },	/* ACK */
		{ 5000000, 17, 0, 0, 0, 0 },		/* unrelated UDP */
		{ 6000000, 6, 0, 1001, 5001, 0x10 },	/* late ACK */
	};
	uint8_t f[64];
	size_t i;

	if (!d) {
		if (dead)
			pcap_close(dead);
		return -1;
	}
	for (i = 0; i < sizeof(pk) / sizeof(pk[0]); i++) {
		struct pcap_pkthdr h = { 0 };
		int n;

		if (pk[i].proto == 17)
			n = frame(f, 17, "192.0.2.99", "198.51.100.99", 5353,
				  5353, 0, 0, 0);
		else if (pk[i].dir == 0)
			n = frame(f, 6, CLI_IP, SVR_IP, 40200, 80, pk[i].seq,
				  pk[i].ack, pk[i].flags);
		else
			n = frame(f, 6, SVR_IP, CLI_IP, 80, 40200, pk[i].seq,
				  pk[i].ack, pk[i].flags);
		h.ts.tv_sec = 1700000000 + pk[i].usec / 1000000;
		h.ts.tv_usec = pk[i].usec % 1000000;
		h.caplen = h.len = (bpf_u_int32)n;
		pcap_dump((u_char *)d, &h, f);
	}
	pcap_dump_close(d);
	pcap_close(dead);
	return 0;
}

static int raw_sock;

static int setup(mctx_t mctx)
{
	int sock = mtcp_socket(mctx, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);

	raw_sock = mtcp_socket(mctx, AF_INET, MOS_SOCK_MONITOR_RAW, 0);
	if (sock < 0 || raw_sock < 0 || mon_register_all(mctx, sock, 0) < 0)
		return -1;
	return mtcp_register_callback(mctx, raw_sock, MOS_ON_PKT_IN, MOS_NULL,
				      mon_cb_null);
}

/* Index of the raw PKT_IN of the i-th frame. */
static int raw_frame(int i)
{
	int k;

	for (k = 0; k < mon_nlog; k++)
		if (mon_log[k].sock == raw_sock &&
		    mon_log[k].ev == MOS_ON_PKT_IN && i-- == 0)
			return k;
	return -1;
}

static void check_end_order(const char *name)
{
	int e0 = mon_find(0, 0, MOS_ON_CONN_END, -1, 0);
	int n = mon_count(0, 0, MOS_ON_CONN_END, -1);
	int cli = mon_count(0, 0, MOS_ON_CONN_END, MOS_SIDE_CLI);
	int last_cli = mon_find(0, 0, MOS_ON_CONN_END, MOS_SIDE_CLI, 1);
	int first_svr = mon_find(0, 0, MOS_ON_CONN_END, MOS_SIDE_SVR, 0);

	ok(n == 4 && cli == 2, "%s: CONN_END once per side at SND and RCV "
	   "(%d)", name, n);
	ok(e0 >= 0 && mon_log[e0].side == MOS_SIDE_CLI && last_cli >= 0 &&
	   first_svr > last_cli, "%s: CONN_END side CLI first", name);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	char *pcap = NULL, *conf;
	int fd, k3, k4, e0, o;

	if (asprintf(&pcap, "%s/mon-idle-XXXXXX.pcap",
		     tmp && *tmp ? tmp : "/tmp") < 0)
		return 1;
	fd = mkstemps(pcap, 5);
	if (!ok(fd >= 0 && write_capture(pcap) == 0, "capture written")) {
		free(pcap);
		return tap_done();
	}
	close(fd);

	conf = mon_conf(pcap, "tcp_timeout = 1; burst = 1;");
	ok(conf && mon_run(conf, setup) == 0, "tcp_timeout = 1: run");
	mon_dump();
	k3 = raw_frame(3);
	k4 = raw_frame(4);
	e0 = mon_find(0, 0, MOS_ON_CONN_END, -1, 0);
	ok(mon_nflows == 1 && k3 >= 0 && k4 >= 0,
	   "tcp_timeout = 1: one flow, five frames");
	ok(e0 > k3 && e0 < k4,
	   "tcp_timeout = 1: CONN_END after the clock passed the idle time, "
	   "before the next frame");
	check_end_order("tcp_timeout = 1");
	o = mon_find(-1, MOS_NULL, MOS_ON_ORPHAN, -1, 0);
	ok(o > k4 && mon_count(-1, 0, MOS_ON_ORPHAN, -1) == 1 &&
	   mon_count(0, 0, MOS_ON_PKT_IN, -1) == 6,
	   "tcp_timeout = 1: the late ACK is an orphan");
	ok(mon_count(-1, 0, MOS_ON_TIMEOUT, -1) == 0,
	   "MOS_ON_TIMEOUT is never raised");
	if (conf) {
		unlink(conf);
		free(conf);
	}

	mon_reset();
	conf = mon_conf(pcap, "tcp_timeout = -1; burst = 1;");
	ok(conf && mon_run(conf, setup) == 0, "tcp_timeout = -1: run");
	mon_dump();
	k4 = raw_frame(4);
	e0 = mon_find(0, 0, MOS_ON_CONN_END, -1, 0);
	ok(mon_count(-1, 0, MOS_ON_ORPHAN, -1) == 0 &&
	   mon_count(0, 0, MOS_ON_PKT_IN, -1) == 8,
	   "tcp_timeout = -1: the late ACK belongs to the flow");
	ok(k4 >= 0 && e0 > k4, "tcp_timeout = -1: CONN_END at the end of the "
	   "capture");
	check_end_order("tcp_timeout = -1");
	if (conf) {
		unlink(conf);
		free(conf);
	}
	unlink(pcap);
	free(pcap);
	mon_free();
	return tap_done();
}
