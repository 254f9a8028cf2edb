/*
 * t_orphan.c -- MOS_ON_ORPHAN and raw sockets.
 *
 *   t_orphan orphan_midstream.pcap
 *
 * The capture has no pure SYN, so no flow is ever created: every TCP
 * segment is an orphan (libmos(3), Events), delivered at MOS_NULL with
 * side MOS_SIDE_BOTH to every listener whose orphan filter matches and
 * to raw sockets whose raw filter matches.  Raw sockets also get
 * MOS_ON_PKT_IN for every IPv4 frame passing their filter, before the
 * flow path (1.6 step 1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mon.h"
#include "tap.h"

/* Counts by hand:
 *   tshark -r orphan_midstream.pcap | wc -l                         -> 17
 *   tshark -r orphan_midstream.pcap -Y 'tcp.flags.syn == 1 &&
 *          tcp.flags.ack == 0' | wc -l                               -> 0
 *   tshark -r orphan_midstream.pcap -Y 'tcp.port == 443' | wc -l    -> 6
 *   tshark -r orphan_midstream.pcap -Y 'tcp.port == 80' | wc -l     -> 10
 * (the json's four flows: 9 + 6 + 1 + 1 packets, none starts with a SYN) */
#define N_FRAMES 17
#define N_443 6
#define N_80 10

static int listeners[2], raws[2];

static int setup(mctx_t mctx)
{
	union monitor_filter orph = { .stream_syn_filter = NULL };
	union monitor_filter raw = { .raw_pkt_filter = "tcp port 80" };
	int i;

	orph.stream_orphan_filter = "tcp port 443";
	for (i = 0; i < 2; i++) {
		listeners[i] = mtcp_socket(mctx, AF_INET,
					   MOS_SOCK_MONITOR_STREAM, 0);
		raws[i] = mtcp_socket(mctx, AF_INET, MOS_SOCK_MONITOR_RAW, 0);
		if (listeners[i] < 0 || raws[i] < 0 ||
		    mon_register_all(mctx, listeners[i], i) < 0)
			return -1;
		if (mtcp_register_callback(mctx, raws[i], MOS_ON_PKT_IN,
					   MOS_NULL,
					   i ? mon_cb_null1 : mon_cb_null) < 0 ||
		    mtcp_register_callback(mctx, raws[i], MOS_ON_ORPHAN,
					   MOS_NULL,
					   i ? mon_cb_null1 : mon_cb_null) < 0)
			return -1;
	}
	ok(mtcp_register_callback(mctx, raws[0], MOS_ON_PKT_IN, MOS_HK_SND,
				  mon_cb_snd) == -1 && errno == EINVAL,
	   "raw socket refuses MOS_HK_SND: EINVAL");
	/* listener 1 sees only port 443 orphans, raw 1 only port 80 */
	if (mtcp_bind_monitor_filter(mctx, listeners[1], &orph) < 0 ||
	    mtcp_bind_monitor_filter(mctx, raws[1], &raw) < 0)
		return -1;
	return 0;
}

static int count_sock(int sock, event_t ev, int *bad)
{
	int k, n = 0;

	for (k = 0; k < mon_nlog; k++) {
		const struct mon_ev *e = &mon_log[k];

		if (e->sock != sock || e->ev != ev)
			continue;
		n++;
		if (e->hook != MOS_NULL || e->side != MOS_SIDE_BOTH ||
		    e->pkt_rc != 0 || e->flow != -1)
			(*bad)++;
	}
	return n;
}

int main(int argc, char **argv)
{
	char *conf;
	int bad = 0, n, k, order = 0, pairs = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: t_orphan orphan_midstream.pcap\n");
		return 2;
	}
	conf = mon_conf(argv[1], "");
	ok(conf && mon_run(conf, setup) == 0, "capture run");
	if (conf) {
		unlink(conf);
		free(conf);
	}
	mon_dump();
	ok(mon_nflows == 0 && mon_count(-1, 0, MOS_ON_CONN_START, -1) == 0 &&
	   mon_count(-1, MOS_HK_SND, 0, -1) == 0 &&
	   mon_count(-1, MOS_HK_RCV, 0, -1) == 0,
	   "no flow, no CONN_START, nothing at SND/RCV");
	n = count_sock(listeners[0], MOS_ON_ORPHAN, &bad);
	ok(n == N_FRAMES, "listener: ORPHAN for each of the %d segments: %d",
	   N_FRAMES, n);
	n = count_sock(listeners[1], MOS_ON_ORPHAN, &bad);
	ok(n == N_443, "listener with orphan filter 'tcp port 443': %d (%d)",
	   n, N_443);
	n = count_sock(raws[0], MOS_ON_PKT_IN, &bad);
	ok(n == N_FRAMES, "raw socket: PKT_IN for every IPv4 frame: %d", n);
	n = count_sock(raws[0], MOS_ON_ORPHAN, &bad);
	ok(n == N_FRAMES, "raw socket: ORPHAN for every orphan: %d", n);
	n = count_sock(raws[1], MOS_ON_PKT_IN, &bad);
	ok(n == N_80, "raw socket 'tcp port 80': PKT_IN %d (tshark: %d)", n,
	   N_80);
	n = count_sock(raws[1], MOS_ON_ORPHAN, &bad);
	ok(n == N_80, "raw socket 'tcp port 80': ORPHAN %d (tshark: %d)", n,
	   N_80);
	ok(!bad, "all at MOS_NULL, side BOTH, with the packet (%d bad)", bad);
	/* per frame (its callbacks start with raw 0's PKT_IN): raw PKT_IN
	 * (step 1) before any ORPHAN callback (step 3) */
	for (k = 0; k < mon_nlog; k++) {
		bool orphan = false, late = false;

		if (mon_log[k].sock != raws[0] ||
		    mon_log[k].ev != MOS_ON_PKT_IN)
			continue;
		pairs++;
		for (n = k + 1; n < mon_nlog &&
		     !(mon_log[n].sock == raws[0] &&
		       mon_log[n].ev == MOS_ON_PKT_IN); n++) {
			if (mon_log[n].ev == MOS_ON_ORPHAN)
				orphan = true;
			else if (orphan)
				late = true;
		}
		if (orphan && !late)
			order++;
	}
	ok(pairs == N_FRAMES && order == N_FRAMES,
	   "raw PKT_IN comes before the ORPHAN callbacks (%d/%d)", order,
	   pairs);
	/* the 10th frame is the SYN/ACK that starts the capture of 40112 */
	for (k = 0, n = 0; k < mon_nlog; k++)
		if (mon_log[k].sock == listeners[0] &&
		    mon_log[k].ev == MOS_ON_ORPHAN && ++n == 10)
			break;
	ok(k < mon_nlog && mon_log[k].flags == 0x12,
	   "a SYN/ACK with no SYN is an orphan too");
	mon_free();
	return tap_done();
}
