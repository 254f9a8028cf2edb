/*
 * t_flows.c -- connection lifecycle events of a crafted capture.
 *
 *   t_flows CAPTURE.pcap
 *
 * Every built-in event is registered at every hook the API accepts; the
 * recorded sequence is checked against libmos(3) (Sides, Hook points, Events,
 * Dispatch order) and the
 * capture's .json facts (flows, byte counts, final states); the TCP
 * state sequence of each half is checked against the packets of the case
 * (tshark listings in the comments, relative sequence numbers).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mon.h"
#include "tap.h"

struct expect {
	const char *cli_port;		/* client port, to find the flow */
	const char *states[2];		/* per half, in order */
	int first_end_side;		/* half that receives the last packet */
	int rexmit;			/* MOS_ON_REXMIT expected at RCV */
};

/*
 * basic_fin: 1 S, 2 SA, 3 A, data, 17 client FIN, 18 A, 19 server FIN,
 * 20 last ACK (received by the server).
 */
static const struct expect basic_fin[] = {
	{ "40001",
	  { "SYN_SENT ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT",
	    "SYN_RCVD ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED" },
	  MOS_SIDE_SVR, 0 },
	{ NULL, { NULL, NULL }, 0, 0 }
};

/*
 * half_close: 40011 client FIN (5) right after its request, the server
 * sends 5000 bytes after it, then FIN (13), last ACK 14 to the server.
 * 40012 server FIN first (22), the client sends 3000 bytes in CLOSE_WAIT,
 * FIN (29), last ACK (30) to the client.
 */
static const struct expect half_close[] = {
	{ "40011",
	  { "SYN_SENT ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT",
	    "SYN_RCVD ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED" },
	  MOS_SIDE_SVR, 0 },
	{ "40012",
	  { "SYN_SENT ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED",
	    "SYN_RCVD ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT" },
	  MOS_SIDE_CLI, 0 },
	{ NULL, { NULL, NULL }, 0, 0 }
};

/*
 * rst_close: 40021 bare RST from the server (10); 40022 RST|ACK from the
 * client (17); 40023 SYN (18) refused with RST|ACK (19); 40024 RST with
 * seq ISN+2^30 (25) must be ignored: data both ways follows, then a FIN
 * close (30-33).
 */
static const struct expect rst_close[] = {
	{ "40021",
	  { "SYN_SENT ESTABLISHED CLOSED", "SYN_RCVD ESTABLISHED CLOSED" },
	  MOS_SIDE_CLI, 0 },
	{ "40022",
	  { "SYN_SENT ESTABLISHED CLOSED", "SYN_RCVD ESTABLISHED CLOSED" },
	  MOS_SIDE_SVR, 0 },
	{ "40023", { "SYN_SENT CLOSED", "SYN_RCVD CLOSED" }, MOS_SIDE_CLI, 0 },
	{ "40024",
	  { "SYN_SENT ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT",
	    "SYN_RCVD ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED" },
	  MOS_SIDE_SVR, 0 },
	{ NULL, { NULL, NULL }, 0, 0 }
};

/*
 * simultaneous_open: 1 S (5001), 2 S (5002), 3 SA, 4 SA, data, 11 FIN
 * from 5001, 12 FIN from 5002 not acking 11 (both closing at once),
 * 13 and 14 the ACKs of the FINs.  The monitor sees 5001's SYN first, so
 * 5001 is the client and the server half is in SYN_RCVD when it sends
 * its own SYN.  When the server's FIN arrives it had not seen the
 * client's FIN: simultaneous close, CLOSING then TIME_WAIT on both.
 * No segment is retransmitted.
 */
static const struct expect simultaneous_open[] = {
	{ "5001",
	  { "SYN_SENT SYN_RCVD ESTABLISHED FIN_WAIT_1 CLOSING TIME_WAIT",
	    "SYN_RCVD ESTABLISHED CLOSE_WAIT CLOSING TIME_WAIT" },
	  MOS_SIDE_CLI, 0 },
	{ NULL, { NULL, NULL }, 0, 0 }
};

/*
 * syn_retrans: SYN 1-3 (same ISN), SYN/ACK 4 and 5 (duplicate: one
 * REXMIT at the client's RCV hook), ACK 6 and 7, data, server FIN 12,
 * client FIN 14, last ACK 15 to the client.
 */
static const struct expect syn_retrans[] = {
	{ "40061",
	  { "SYN_SENT ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED",
	    "SYN_RCVD ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT" },
	  MOS_SIDE_CLI, 1 },
	{ NULL, { NULL, NULL }, 0, 0 }
};

static const struct {
	const char *name;
	const struct expect *flows;
} cases[] = {
	{ "basic_fin", basic_fin },
	{ "half_close", half_close },
	{ "rst_close", rst_close },
	{ "simultaneous_open", simultaneous_open },
	{ "syn_retrans", syn_retrans },
};

static int peek_calls, peek_bad;

/* In CONN_END both rings stay readable (1.10): mtcp_peek answers (0,
 * everything was read) and mtcp_ppeek returns the last byte read. */
static void after(mctx_t mctx, struct mon_ev *e)
{
	int s;

	if (e->ev != MOS_ON_CONN_END || e->flow < 0)
		return;
	for (s = 0; s < 2; s++) {
		const struct mon_flow *f = &mon_flows[e->flow];
		char c;

		peek_calls++;
		if (mtcp_peek(mctx, e->sock, s, &c, 1) != 0)
			peek_bad++;
		if (f->len[s] &&
		    (mtcp_ppeek(mctx, e->sock, s, &c, 1, f->len[s] - 1) != 1 ||
		     (uint8_t)c != f->data[s][f->len[s] - 1]))
			peek_bad++;
	}
}

static int setup(mctx_t mctx)
{
	int sock = mtcp_socket(mctx, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);

	if (sock < 0)
		return -1;
	return mon_register_all(mctx, sock, 0);
}

/* Teardown callbacks carry no packet (1.5: ENODATA). */
static bool teardown(const struct mon_ev *e)
{
	return e->pkt_rc < 0;
}

/* The states a half went through, as STATE_CHANGE callbacks reported. */
static void state_seq(int flow, int half, char *out, size_t n)
{
	int k, last = -1;

	out[0] = '\0';
	for (k = 0; k < mon_nlog; k++) {
		const struct mon_ev *e = &mon_log[k];

		if (e->flow != flow || e->ev != MOS_ON_TCP_STATE_CHANGE ||
		    e->side != half || teardown(e))
			continue;
		if (e->st[half] == last)
			continue;	/* the same change seen at another hook */
		last = e->st[half];
		snprintf(out + strlen(out), n - strlen(out), "%s%s",
			 *out ? " " : "", mon_state_name(last));
	}
}

/* The states a half was in at each packet's RCV hook (after both
 * updates), duplicates folded: every change must have been announced. */
static void state_walk(int flow, int half, char *out, size_t n)
{
	int k, last = -1;

	out[0] = '\0';
	for (k = 0; k < mon_nlog; k++) {
		const struct mon_ev *e = &mon_log[k];

		if (e->flow != flow || e->ev != MOS_ON_PKT_IN ||
		    e->st[half] == last)
			continue;
		last = e->st[half];
		if (last == TCP_CLOSED && !*out)
			continue;	/* the server half before the SYN */
		snprintf(out + strlen(out), n - strlen(out), "%s%s",
			 *out ? " " : "", mon_state_name(last));
	}
}

static bool stream_matches(const char *capture, const struct mon_fact *ft,
			   const struct mon_flow *f, int ring, bool a_to_b)
{
	char path[PATH_MAX];
	size_t n = strlen(capture) - 5, len;
	uint8_t *exp;
	bool same;

	snprintf(path, sizeof(path), "%.*s.expected/streams/%s-%s", (int)n,
		 capture, a_to_b ? ft->a : ft->b, a_to_b ? ft->b : ft->a);
	exp = mon_slurp(path, &len);
	if (!exp)
		return false;
	same = len == f->len[ring] && (!len || !memcmp(exp, f->data[ring], len));
	free(exp);
	return same;
}

static void check_conn_end(const char *name, int fl, int first_side)
{
	int k, end_pos[2][2] = { { -1, -1 }, { -1, -1 } }, nend = 0;
	int last_other = -1, bad_pkt = 0, after_end = 0, with_state = 0;
	int first_end = -1;

	for (k = 0; k < mon_nlog; k++) {
		const struct mon_ev *e = &mon_log[k];

		if (e->flow != fl)
			continue;
		if (e->ev != MOS_ON_CONN_END) {
			if (first_end >= 0 && e->ev != MOS_ON_TCP_STATE_CHANGE)
				after_end++;
			continue;
		}
		if (first_end < 0)
			first_end = k;
		nend++;
		if (e->side == 0 || e->side == 1)
			end_pos[e->hook == MOS_HK_SND ? 0 : 1][e->side] = k;
		if (e->pkt_rc != -1 || e->pkt_errno != ENODATA)
			bad_pkt++;
		if (e->side != first_side)
			last_other = k;
		/* STATE_CHANGE comes with it, just before (ascending bits) */
		if (k > 0 && mon_log[k - 1].ev == MOS_ON_TCP_STATE_CHANGE &&
		    mon_log[k - 1].hook == e->hook &&
		    mon_log[k - 1].side == e->side && teardown(&mon_log[k - 1]))
			with_state++;
	}
	ok(nend == 4, "%s: CONN_END 4 times (2 hooks x 2 sides): %d", name,
	   nend);
	ok(end_pos[0][0] >= 0 && end_pos[0][1] >= 0 && end_pos[1][0] >= 0 &&
	   end_pos[1][1] >= 0, "%s: CONN_END once per side at each hook",
	   name);
	ok(end_pos[0][first_side] >= 0 && end_pos[1][first_side] >= 0 &&
	   end_pos[0][first_side] < last_other &&
	   end_pos[1][first_side] < last_other &&
	   end_pos[0][!first_side] > end_pos[0][first_side] &&
	   end_pos[1][!first_side] > end_pos[1][first_side],
	   "%s: CONN_END first for side %d (received the last packet)", name,
	   first_side);
	ok(!bad_pkt, "%s: mtcp_getlastpkt in CONN_END: ENODATA", name);
	ok(with_state == nend,
	   "%s: each CONN_END comes with a TCP_STATE_CHANGE (%d/%d)", name,
	   with_state, nend);
	ok(!after_end, "%s: nothing but teardown callbacks after CONN_END",
	   name);
}

static void check_start(const char *name, int fl)
{
	int snd = mon_count(fl, MOS_HK_SND, MOS_ON_CONN_START, -1);
	int rcv = mon_count(fl, MOS_HK_RCV, MOS_ON_CONN_START, -1);
	int ks = mon_find(fl, MOS_HK_SND, MOS_ON_CONN_START, -1, 0);
	int kr = mon_find(fl, MOS_HK_RCV, MOS_ON_CONN_START, -1, 0);
	int k0 = mon_find(fl, 0, 0, -1, 0);

	ok(snd == 1 && rcv == 1, "%s: CONN_START once at SND, once at RCV "
	   "(%d, %d)", name, snd, rcv);
	if (ks < 0 || kr < 0)
		return;
	ok(mon_log[ks].side == MOS_SIDE_CLI &&
	   mon_log[ks].st[MOS_SIDE_CLI] == TCP_SYN_SENT,
	   "%s: CONN_START at SND: side CLI, client in SYN_SENT", name);
	ok(mon_log[kr].side == MOS_SIDE_SVR &&
	   mon_log[kr].st[MOS_SIDE_SVR] == TCP_SYN_RCVD,
	   "%s: CONN_START at RCV: side SVR, server in SYN_RCVD", name);
	ok(ks < kr && (mon_log[ks].flags & 0x12) == 0x02 &&
	   mon_log[kr].seq == mon_log[ks].seq,
	   "%s: both on the first SYN, SND first", name);
	ok(k0 >= 0 && mon_log[k0].ev == MOS_ON_PKT_IN &&
	   mon_log[k0].hook == MOS_HK_SND && k0 + 1 == ks,
	   "%s: the flow's first callbacks: PKT_IN then CONN_START at SND",
	   name);
}

static void check_data(const char *name, const char *capture,
		       const struct mon_fact *ft, int fl)
{
	const struct mon_flow *f = &mon_flows[fl];
	int k, wrong = 0, empty = 0, n = 0;

	/* ring SVR holds what the client (a) sent */
	ok(f->len[MOS_SIDE_SVR] == ft->bytes_a_to_b &&
	   f->len[MOS_SIDE_CLI] == ft->bytes_b_to_a,
	   "%s: bytes read: SVR ring %zu (client sent %llu), CLI ring %zu "
	   "(server sent %llu)", name, f->len[MOS_SIDE_SVR],
	   (unsigned long long)ft->bytes_a_to_b, f->len[MOS_SIDE_CLI],
	   (unsigned long long)ft->bytes_b_to_a);
	ok(stream_matches(capture, ft, f, MOS_SIDE_SVR, true) &&
	   stream_matches(capture, ft, f, MOS_SIDE_CLI, false),
	   "%s: peeked bytes equal the expected streams", name);
	for (k = 0; k < mon_nlog; k++) {
		const struct mon_ev *e = &mon_log[k];

		if (e->flow != fl || e->ev != MOS_ON_CONN_NEW_DATA)
			continue;
		n++;
		if (e->hook != MOS_NULL || e->pkt_rc != -1 ||
		    e->pkt_errno != ENODATA ||
		    (e->side != MOS_SIDE_CLI && e->side != MOS_SIDE_SVR))
			wrong++;
		else if (!e->drained)
			empty++;
	}
	ok(!wrong, "%s: NEW_DATA at MOS_NULL, side CLI or SVR, no packet",
	   name);
	ok(!empty, "%s: every NEW_DATA had new bytes on its side", name);
	ok((mon_count(fl, 0, MOS_ON_CONN_NEW_DATA, MOS_SIDE_SVR) > 0) ==
	   (ft->bytes_a_to_b > 0) &&
	   (mon_count(fl, 0, MOS_ON_CONN_NEW_DATA, MOS_SIDE_CLI) > 0) ==
	   (ft->bytes_b_to_a > 0),
	   "%s: NEW_DATA on SVR iff the client sent, on CLI iff the server "
	   "did (%d events)", name, n);
}

/* States at the flow's last packet, as the .json leaves each end. */
static void check_final(const char *name, const struct mon_fact *ft,
			int fl)
{
	int k, last = -1;
	int fa = ft->client == 'b' ? ft->final_b : ft->final_a;
	int fb = ft->client == 'b' ? ft->final_a : ft->final_b;

	for (k = 0; k < mon_nlog; k++)
		if (mon_log[k].flow == fl && mon_log[k].ev == MOS_ON_PKT_IN)
			last = k;
	if (fa < 0 || fb < 0 || last < 0)
		return;
	ok(mon_log[last].st[MOS_SIDE_CLI] == fa &&
	   mon_log[last].st[MOS_SIDE_SVR] == fb,
	   "%s: final states %s/%s (json: %s/%s)", name,
	   mon_state_name(mon_log[last].st[0]),
	   mon_state_name(mon_log[last].st[1]), mon_state_name(fa),
	   mon_state_name(fb));
}

static void check_flow(const char *cname, const char *capture,
		       const struct mon_fact *ft, const struct expect *x)
{
	char name[128], seq[256];
	int fl = mon_flow_find(ft->client == 'b' ? ft->b : ft->a, NULL);
	int h, n;

	snprintf(name, sizeof(name), "%.60s %.60s", cname, ft->a);
	if (!ok(fl >= 0, "%s: monitored", name))
		return;
	check_start(name, fl);
	for (h = 0; h < 2; h++) {
		state_seq(fl, h, seq, sizeof(seq));
		ok(strcmp(seq, x->states[h]) == 0,
		   "%s: %s half: STATE_CHANGE %s (expected %s)", name,
		   h ? "server" : "client", seq, x->states[h]);
		state_walk(fl, h, seq, sizeof(seq));
		ok(strcmp(seq, x->states[h]) == 0,
		   "%s: %s half: states seen in PKT_IN %s", name,
		   h ? "server" : "client", seq);
	}
	ok(ft->established ==
	   (strstr(x->states[0], "ESTABLISHED") != NULL),
	   "%s: established as the json says", name);
	check_final(name, ft, fl);
	check_data(name, capture, ft, fl);
	n = mon_count(fl, MOS_HK_RCV, MOS_ON_REXMIT, -1);
	ok(n == x->rexmit, "%s: REXMIT at RCV %d times (expected %d)", name,
	   n, x->rexmit);
	ok(mon_count(fl, MOS_HK_SND, MOS_ON_REXMIT, -1) == 0,
	   "%s: no REXMIT at SND", name);
	check_conn_end(name, fl, x->first_end_side);
}

/* rst_close's flow 40024: the out-of-window RST changes nothing. */
static void check_ignored_rst(void)
{
	int fl = mon_flow_find("192.0.2.10.40024", NULL), k, seen = 0;

	for (k = 0; fl >= 0 && k < mon_nlog; k++) {
		const struct mon_ev *e = &mon_log[k];

		if (e->flow != fl || !(e->flags & 0x04))
			continue;
		seen++;
		ok(e->ev == MOS_ON_PKT_IN && e->st[0] == TCP_ESTABLISHED &&
		   e->st[1] == TCP_ESTABLISHED,
		   "rst_close 40024: %s %s at the ignored RST, both "
		   "ESTABLISHED", mon_hook_name(e->hook), mon_ev_name(e->ev));
	}
	ok(seen == 2, "rst_close 40024: the RST reached both hooks (%d)",
	   seen);
}

int main(int argc, char **argv)
{
	struct mon_fact facts[MON_MAX_FLOWS];
	const struct expect *flows = NULL;
	char *conf, *base, cname[64];
	int nf, i, nsyn = 0, n;
	size_t ci;

	if (argc != 2) {
		fprintf(stderr, "usage: t_flows CAPTURE.pcap\n");
		return 2;
	}
	base = strdup(argv[1]);
	snprintf(cname, sizeof(cname), "%s", basename(base));
	free(base);
	if (strlen(cname) > 5)
		cname[strlen(cname) - 5] = '\0';
	for (ci = 0; ci < sizeof(cases) / sizeof(cases[0]); ci++)
		if (strcmp(cases[ci].name, cname) == 0)
			flows = cases[ci].flows;
	nf = mon_facts(argv[1], facts, MON_MAX_FLOWS);
	if (!ok(flows && nf > 0, "%s: known case with facts", cname))
		return tap_done();
	conf = mon_conf(argv[1], "");
	mon_after = after;
	ok(conf && mon_run(conf, setup) == 0, "%s: capture run", cname);
	if (conf) {
		unlink(conf);
		free(conf);
	}
	mon_dump();
	for (i = 0; i < nf; i++)
		nsyn += facts[i].syn_seen;
	ok(mon_nflows == nsyn, "%s: %d flows monitored (json: %d with SYN)",
	   cname, mon_nflows, nsyn);
	ok(mon_count(-1, 0, MOS_ON_ORPHAN, -1) == 0 &&
	   mon_count(-1, 0, MOS_ON_ERROR, -1) == 0 &&
	   mon_count(-1, 0, MOS_ON_TIMEOUT, -1) == 0,
	   "%s: no ORPHAN, ERROR or TIMEOUT", cname);
	for (i = 0; i < nf; i++) {
		const struct expect *x;
		const char *a = facts[i].client == 'b' ? facts[i].b
						       : facts[i].a;

		for (x = flows; x->cli_port; x++) {
			const char *dot = strrchr(a, '.');

			if (dot && strcmp(dot + 1, x->cli_port) == 0)
				break;
		}
		if (!ok(x->cli_port != NULL, "%s %s: expectation exists",
			cname, a))
			continue;
		check_flow(cname, argv[1], &facts[i], x);
	}
	n = peek_calls;
	ok(n > 0 && !peek_bad,
	   "%s: peek/ppeek work in CONN_END (%d calls, %d bad)", cname, n,
	   peek_bad);
	if (strcmp(cname, "rst_close") == 0)
		check_ignored_rst();
	mon_free();
	return tap_done();
}
