/*
 * t_listeners.c -- several monitor listeners on one context.
 *
 *   t_listeners basic_fin.pcap rst_close.pcap
 *
 * basic_fin: two listeners without filter, every event registered on
 * both.  libmos(3), Dispatch order: when data moves client to server (SND side CLI, RCV
 * side SVR, NULL side SVR) the flow's sockets are visited in listener
 * creation order, otherwise in reverse.
 *
 * rst_close: listener 0 has stream_syn_filter "dst port 80", listener 1
 * none; only the flows whose SYN matches get a socket of listener 0
 * (40021, 40022, 40024, not 40023 to port 81).  Stream filters accept
 * only the words of mtcp_bind_monitor_filter.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mon.h"
#include "tap.h"

static int lst[2];
static bool with_filter;

static void check_words(mctx_t mctx, int sock)
{
	static const char *const bad[] = {
		"udp", "not tcp", "!tcp", "tcp and udp", "ip", "ether host 1:2:3:4:5:6",
		"tcp port", "tcp port 80 and", "dst port http_bogus_name",
	};
	static const char *const good[] = {
		"tcp", "dst port 80", "src host 192.0.2.10 and tcp",
		"(tcp port 80) || not src net 10.0.0.0/8",
		"tcp portrange 80-90 && dst net 198.51.100.0 mask 255.255.255.0",
	};
	size_t i;
	int raw;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		union monitor_filter f = { .stream_syn_filter = NULL };

		f.stream_syn_filter = (char *)bad[i];
		ok(mtcp_bind_monitor_filter(mctx, sock, &f) == -1 &&
		   errno == EINVAL, "syn filter '%s': EINVAL", bad[i]);
		f.stream_syn_filter = NULL;
		f.stream_orphan_filter = (char *)bad[i];
		ok(mtcp_bind_monitor_filter(mctx, sock, &f) == -1 &&
		   errno == EINVAL, "orphan filter '%s': EINVAL", bad[i]);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		union monitor_filter f = { .stream_syn_filter = NULL };

		f.stream_syn_filter = (char *)good[i];
		ok(mtcp_bind_monitor_filter(mctx, sock, &f) == 0,
		   "syn filter '%s' accepted", good[i]);
	}
	ok(mtcp_bind_monitor_filter(mctx, sock, NULL) == 0,
	   "NULL filter: 0, nothing changed");
	raw = mtcp_socket(mctx, AF_INET, MOS_SOCK_MONITOR_RAW, 0);
	{
		union monitor_filter f = { .raw_pkt_filter = "udp or icmp" };

		ok(raw >= 0 && mtcp_bind_monitor_filter(mctx, raw, &f) == 0,
		   "a raw socket takes any expression");
	}
	if (raw >= 0)
		mtcp_close(mctx, raw);
}

static int setup(mctx_t mctx)
{
	int i;

	for (i = 0; i < 2; i++) {
		lst[i] = mtcp_socket(mctx, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);
		if (lst[i] < 0 || mon_register_all(mctx, lst[i], i) < 0)
			return -1;
	}
	if (with_filter) {
		union monitor_filter f = { .stream_syn_filter = NULL };

		check_words(mctx, lst[0]);
		f.stream_syn_filter = "dst port 80";
		if (mtcp_bind_monitor_filter(mctx, lst[0], &f) < 0)
			return -1;
	}
	return 0;
}

static bool forward(const struct mon_ev *e)
{
	return (e->hook == MOS_HK_SND && e->side == MOS_SIDE_CLI) ||
	       (e->hook != MOS_HK_SND && e->side == MOS_SIDE_SVR);
}

/* The log in runs of callbacks for one packet at one hook and side (or
 * one NULL notice, one teardown step): within a run the two listeners'
 * sockets come one after the other, the first as the direction says. */
static void check_order(void)
{
	int k = 0, fwd = 0, rev = 0, bad = 0, ends = 0, single = 0;

	while (k < mon_nlog) {
		const struct mon_ev *a = &mon_log[k];
		int j = k + 1, switches = 0, first = a->tag;
		bool end = a->ev == MOS_ON_CONN_END;

		while (j < mon_nlog && mon_log[j].hook == a->hook &&
		       mon_log[j].side == a->side &&
		       mon_log[j].pkt_rc == a->pkt_rc &&
		       mon_log[j].seq == a->seq) {
			if (mon_log[j].tag != mon_log[j - 1].tag)
				switches++;
			end = end || mon_log[j].ev == MOS_ON_CONN_END;
			j++;
		}
		if (switches == 0)
			single++;
		else if (switches > 1 || first != (forward(a) ? 0 : 1))
			bad++;
		else if (forward(a))
			fwd++;
		else
			rev++;
		ends += end && switches == 1;
		k = j;
	}
	ok(fwd > 0 && rev > 0 && !bad && !single,
	   "basic_fin: client-to-server in creation order (%d), "
	   "server-to-client reversed (%d), %d wrong, %d alone", fwd, rev,
	   bad, single);
	ok(ends == 4, "basic_fin: CONN_END steps follow the rule too (%d)",
	   ends);
	ok(mon_nflows == 1 && mon_flows[0].sock[0] >= 0 &&
	   mon_flows[0].sock[1] >= 0 &&
	   mon_flows[0].sock[0] != mon_flows[0].sock[1],
	   "basic_fin: one per-flow socket per listener");
}

static void check_syn_filter(void)
{
	static const char *const ports[] = { "40021", "40022", "40023",
					     "40024" };
	char cli[MON_EP_LEN];
	int i;

	for (i = 0; i < 4; i++) {
		int f;

		snprintf(cli, sizeof(cli), "192.0.2.10.%s", ports[i]);
		f = mon_flow_find(cli, NULL);
		ok(f >= 0 && mon_flows[f].sock[1] >= 0,
		   "rst_close %s: socket of the unfiltered listener", ports[i]);
		ok(f >= 0 && (mon_flows[f].sock[0] >= 0) == (i != 2),
		   "rst_close %s: socket of the 'dst port 80' listener: %s",
		   ports[i], i != 2 ? "yes" : "no");
	}
	ok(mon_count(-1, 0, MOS_ON_ORPHAN, -1) == 0,
	   "rst_close: filtered-out flow is still tracked, no orphan");
}

static int run(const char *capture)
{
	char *conf = mon_conf(capture, "");
	int rc = conf ? mon_run(conf, setup) : -1;

	if (conf) {
		unlink(conf);
		free(conf);
	}
	mon_dump();
	return rc;
}

int main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		char *dup = strdup(argv[i]);
		const char *b = basename(dup);

		mon_reset();
		if (strcmp(b, "basic_fin.pcap") == 0) {
			with_filter = false;
			ok(run(argv[i]) == 0, "basic_fin: capture run");
			check_order();
		} else if (strcmp(b, "rst_close.pcap") == 0) {
			with_filter = true;
			ok(run(argv[i]) == 0, "rst_close: capture run");
			check_syn_filter();
		} else {
			ok(0, "%s: unknown capture", b);
		}
		free(dup);
	}
	mon_free();
	return tap_done();
}
