/*
 * t_rexmit.c -- MOS_ON_REXMIT for payload that overlaps bytes already
 * held, and the overlap policies.
 *
 *   t_rexmit CAPTURE.pcap      (retrans_identical or overlap_conflict)
 *
 * libmos(3), Events and Dispatch order: REXMIT from payload overlap is delivered alone at the
 * receiver's RCV hook, before the receiver update; getlastpkt in it
 * describes the retransmitted segment.  overlap_conflict is read twice,
 * with MOS_OVERLAP_POLICY_FIRST and _LAST set at CONN_START, and the
 * bytes read at the end must be the .expected and .expected.last-wins
 * trees.
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

static int policy = -1;		/* set at CONN_START when >= 0 */
static int policy_rc = 1, policy_errno;

/* aux[0]/aux[1]: next_byte_expected / last_byte_received of the ring the
 * event concerns (RCV: the receiver), aux[2]: getsockopt result. */
static void buf_info(mctx_t mctx, struct mon_ev *e, int side)
{
	struct tcp_buf_info bi;
	socklen_t len = sizeof(bi);
	int opt = side == MOS_SIDE_CLI ? MOS_INFO_CLIBUF : MOS_INFO_SVRBUF;

	e->aux[2] = mtcp_getsockopt(mctx, e->sock, SOL_MONSOCKET, opt, &bi,
				    &len);
	if (e->aux[2] == 0) {
		e->aux[0] = bi.tcpbi_next_byte_expected;
		e->aux[1] = bi.tcpbi_last_byte_received;
	}
}

static void after(mctx_t mctx, struct mon_ev *e)
{
	if (e->flow < 0)
		return;
	if (e->ev == MOS_ON_CONN_START && e->hook == MOS_HK_SND &&
	    policy >= 0) {
		policy_rc = mtcp_setsockopt(mctx, e->sock, SOL_MONSOCKET,
					    MOS_CLIOVERLAP, &policy,
					    sizeof(policy));
		if (!policy_rc)
			policy_rc = mtcp_setsockopt(mctx, e->sock,
						    SOL_MONSOCKET,
						    MOS_SVROVERLAP, &policy,
						    sizeof(policy));
		policy_errno = policy_rc ? errno : 0;
	}
	if (e->hook == MOS_HK_RCV &&
	    (e->ev == MOS_ON_REXMIT || e->ev == MOS_ON_PKT_IN))
		buf_info(mctx, e, e->side);
	/* the application reads only at the end (the last-wins tree) */
	if (!mon_drain && e->ev == MOS_ON_CONN_END && e->hook == MOS_HK_SND) {
		mon_drain_side(mctx, e->sock, MOS_SIDE_CLI, e->flow);
		mon_drain_side(mctx, e->sock, MOS_SIDE_SVR, e->flow);
	}
}

static int setup(mctx_t mctx)
{
	int sock = mtcp_socket(mctx, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);

	if (sock < 0)
		return -1;
	return mon_register_all(mctx, sock, 0);
}

static bool same_file(const char *path, const uint8_t *data, size_t len)
{
	size_t n;
	uint8_t *exp = mon_slurp(path, &n);
	bool same = exp && n == len && (!n || memcmp(exp, data, n) == 0);

	free(exp);
	return same;
}

/* The flow's bytes against TREE/streams/ (one flow, client a). */
static bool matches_tree(const char *capture, const char *variant)
{
	const struct mon_flow *f = &mon_flows[0];
	char path[PATH_MAX];
	int n = (int)(strlen(capture) - 5);

	if (mon_nflows != 1)
		return false;
	snprintf(path, sizeof(path), "%.*s.expected%s/streams/%s-%s", n,
		 capture, variant, f->cli, f->svr);
	if (!same_file(path, f->data[MOS_SIDE_SVR], f->len[MOS_SIDE_SVR]))
		return false;
	snprintf(path, sizeof(path), "%.*s.expected%s/streams/%s-%s", n,
		 capture, variant, f->svr, f->cli);
	return same_file(path, f->data[MOS_SIDE_CLI], f->len[MOS_SIDE_CLI]);
}

static int run(const char *capture, int pol, bool drain)
{
	char *conf = mon_conf(capture, "");
	int rc;

	mon_reset();
	mon_drain = drain;
	mon_after = after;
	policy = pol;
	policy_rc = 1;
	rc = conf ? mon_run(conf, setup) : -1;
	if (conf) {
		unlink(conf);
		free(conf);
	}
	mon_dump();
	return rc;
}

/* Each payload REXMIT: alone (RCV PKT_IN of the same segment comes right
 * after it, so it was not part of that dispatch), receiver not yet
 * updated, packet described by getlastpkt. */
struct rx {
	int side;
	uint64_t off;
	unsigned len;
};

/* The last RCV PKT_IN on `side` before log entry k. */
static const struct mon_ev *prev_rcv(int k, int side)
{
	while (--k >= 0)
		if (mon_log[k].ev == MOS_ON_PKT_IN &&
		    mon_log[k].hook == MOS_HK_RCV && mon_log[k].side == side)
			return &mon_log[k];
	return NULL;
}

static void check_rexmits(const char *name, const struct rx *want, int n)
{
	int k, i = 0, alone = 0, before = 0, changed = 0, pkt = 0, other = 0;

	for (k = 0; k < mon_nlog; k++) {
		const struct mon_ev *e = &mon_log[k];
		const struct mon_ev *nx = k + 1 < mon_nlog ? &mon_log[k + 1]
							   : NULL;
		const struct mon_ev *pv;

		if (e->ev != MOS_ON_REXMIT)
			continue;
		if (e->hook != MOS_HK_RCV || !e->payloadlen) {
			other++;
			continue;
		}
		if (i < n && e->side == want[i].side &&
		    e->offset == want[i].off && e->payloadlen == want[i].len)
			pkt++;
		i++;
		if (nx && nx->ev == MOS_ON_PKT_IN && nx->hook == MOS_HK_RCV &&
		    nx->seq == e->seq && nx->side == e->side &&
		    (k == 0 || mon_log[k - 1].hook == MOS_HK_SND))
			alone++;
		/* the ring as the previous segment left it ... */
		pv = prev_rcv(k, e->side);
		if (pv && e->aux[2] == 0 && pv->aux[2] == 0 &&
		    e->aux[0] == pv->aux[0] && e->aux[1] == pv->aux[1])
			before++;
		/* ... and the segment's bytes visible only afterwards */
		if (nx && e->aux[2] == 0 && nx->aux[2] == 0 &&
		    (e->aux[0] != nx->aux[0] || e->aux[1] != nx->aux[1]))
			changed++;
	}
	ok(i == n, "%s: %d payload REXMIT at RCV (expected %d)", name, i, n);
	ok(pkt == n, "%s: REXMIT side/offset/payloadlen from getlastpkt "
	   "(%d/%d)", name, pkt, n);
	ok(alone == n, "%s: REXMIT alone, before RCV PKT_IN (%d/%d)", name,
	   alone, n);
	ok(before == n, "%s: REXMIT sees the ring before the receiver "
	   "update (%d/%d)", name, before, n);
	ok(changed > 0, "%s: the update after a REXMIT extended the ring "
	   "(%d)", name, changed);
	ok(!other, "%s: no other REXMIT (%d)", name, other);
}

/*
 * retrans_identical (tshark, relative seq): 6 dup of 5 [601,+800);
 * 10 dup of 8 [1401,+700); 14 [2101,+1400) fills the hole before 12's
 * [3001,+500) and overlaps it; 19 dup of 16 [3501,+650); server 26
 * [501,+2000) over 23-25.  Offsets are seq - 1.
 */
static const struct rx retrans_identical[] = {
	{ MOS_SIDE_SVR, 600, 800 }, { MOS_SIDE_SVR, 1400, 700 },
	{ MOS_SIDE_SVR, 2100, 1400 }, { MOS_SIDE_SVR, 3500, 650 },
	{ MOS_SIDE_CLI, 500, 2000 },
};

/*
 * overlap_conflict (offsets = relative seq - 1): client 4 [0,100);
 * 5 [50,150) over 4; 7 [160,210) ahead of a hole; 9 [180,230) over 7;
 * 11 [150,160) fills the hole, overlaps nothing; 13 [140,240) over
 * in-order bytes; 15 [240,300) new.  Server 17 [0,200); 18 [0,200)
 * again; 19 [200,300) new.
 */
static const struct rx overlap_conflict[] = {
	{ MOS_SIDE_SVR, 50, 100 }, { MOS_SIDE_SVR, 180, 50 },
	{ MOS_SIDE_SVR, 140, 100 }, { MOS_SIDE_CLI, 0, 200 },
};

int main(int argc, char **argv)
{
	char *base, name[64];
	int nrx;

	if (argc != 2) {
		fprintf(stderr, "usage: t_rexmit CAPTURE.pcap\n");
		return 2;
	}
	base = strdup(argv[1]);
	snprintf(name, sizeof(name), "%s", basename(base));
	free(base);
	if (strlen(name) > 5)
		name[strlen(name) - 5] = '\0';

	if (strcmp(name, "retrans_identical") == 0) {
		nrx = sizeof(retrans_identical) / sizeof(retrans_identical[0]);
		ok(run(argv[1], -1, true) == 0, "%s: capture run", name);
		check_rexmits(name, retrans_identical, nrx);
		ok(matches_tree(argv[1], ""),
		   "%s: NEW_DATA/peek bytes unaffected by the duplicates",
		   name);
		ok(mon_nflows == 1 &&
		   mon_flows[0].len[MOS_SIDE_SVR] == 5300 &&
		   mon_flows[0].len[MOS_SIDE_CLI] == 3000,
		   "%s: 5300/3000 bytes (json)", name);
	} else if (strcmp(name, "overlap_conflict") == 0) {
		nrx = sizeof(overlap_conflict) / sizeof(overlap_conflict[0]);
		ok(run(argv[1], MOS_OVERLAP_POLICY_FIRST, false) == 0,
		   "%s first: capture run", name);
		ok(policy_rc == 0, "%s first: MOS_CLI/SVROVERLAP at CONN_START "
		   "(errno %d)", name, policy_errno);
		check_rexmits("overlap_conflict first", overlap_conflict, nrx);
		ok(matches_tree(argv[1], ""),
		   "%s first: bytes read = .expected", name);
		ok(!matches_tree(argv[1], ".last-wins"),
		   "%s first: bytes read != .expected.last-wins", name);

		ok(run(argv[1], MOS_OVERLAP_POLICY_LAST, false) == 0,
		   "%s last: capture run", name);
		ok(policy_rc == 0, "%s last: MOS_CLI/SVROVERLAP at CONN_START "
		   "(errno %d)", name, policy_errno);
		check_rexmits("overlap_conflict last", overlap_conflict, nrx);
		ok(matches_tree(argv[1], ".last-wins"),
		   "%s last: bytes read = .expected.last-wins", name);
	} else {
		ok(0, "%s: unknown case", name);
	}
	mon_free();
	return tap_done();
}
