/*
 * t_gap.c -- holes that never fill become gaps (mtcp_peek(3), Gaps).
 *
 *   t_gap
 *
 * Writes its own captures with libpcap: a client sends a stream in
 * segments, possibly reordered; the server receives every segment and
 * acknowledges cumulatively, but the capture misses some data segments,
 * as a lossy mirror port does.  Checked, through the public API only:
 * MOS_ON_ERROR comes first, then mtcp_peek returns minus the bytes of
 * the gap with errno ENODATA, then the bytes after it; gaps at the start
 * and at the end of a stream and several in a row; ppeek and
 * MOS_FRAGINFO see a gap as no data; and for bulk streams through rings
 * of 1 to 16 KiB, bytes delivered + bytes reported lost = the stream's
 * length, with every delivered byte the one sent at that offset.
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

#define SEG 1000
#define ISN_C 0xfffff000u	/* the client's sequence space wraps */
#define ISN_S 7000u
#define MAX_LOG 8192

/* ---- the capture -------------------------------------------------- */

static uint8_t pat(uint64_t off)
{
	return (uint8_t)(off * 7u + (off >> 8) * 13u + 1u);
}

struct cap {
	pcap_dumper_t *d;
	pcap_t *dead;
	bool v6;
	long usec;
	uint16_t port;		/* the client's */
};

/* One TCP segment; dir 0 = client to server. */
static void emit(struct cap *c, int dir, uint32_t seq, uint32_t ack,
		 uint8_t flags, uint64_t off, uint32_t len)
{
	static uint8_t f[14 + 40 + 20 + 2 * SEG];
	uint8_t ip[2][16] = { { 0 } };
	int alen = c->v6 ? 16 : 4, l3 = c->v6 ? 40 : 20;
	uint8_t *iph = f + 14, *th = iph + l3;
	struct pcap_pkthdr h = { 0 };
	uint32_t i, sum, tlen = 20 + len;

	if (c->v6) {
		inet_pton(AF_INET6, "2001:db8:1::10", ip[0]);
		inet_pton(AF_INET6, "2001:db8:2::20", ip[1]);
	} else {
		inet_pton(AF_INET, "192.0.2.10", ip[0]);
		inet_pton(AF_INET, "198.51.100.20", ip[1]);
	}
	memset(f, 0, sizeof(f));
	memcpy(f, dir ? "\x02\0\0\0\0\x01\x02\0\0\0\0\x02"
		      : "\x02\0\0\0\0\x02\x02\0\0\0\0\x01", 12);
	mon_put16(f + 12, c->v6 ? 0x86dd : 0x0800);
	if (c->v6) {
		iph[0] = 0x60;
		mon_put16(iph + 4, (uint16_t)tlen);
		iph[6] = 6;
		iph[7] = 64;
		memcpy(iph + 8, ip[dir], 16);
		memcpy(iph + 24, ip[!dir], 16);
	} else {
		iph[0] = 0x45;
		mon_put16(iph + 2, (uint16_t)(20 + tlen));
		iph[8] = 64;
		iph[9] = 6;
		memcpy(iph + 12, ip[dir], 4);
		memcpy(iph + 16, ip[!dir], 4);
		mon_put16(iph + 10, mon_csum(0, iph, 20));
	}
	mon_put16(th, dir ? 80 : c->port);
	mon_put16(th + 2, dir ? c->port : 80);
	mon_put32(th + 4, seq);
	mon_put32(th + 8, ack);
	th[12] = 5 << 4;
	th[13] = flags;
	mon_put16(th + 14, 65535);
	for (i = 0; i < len; i++)
		th[20 + i] = pat(off + i);
	/* pseudo-header: both addresses, protocol 6 and the TCP length */
	sum = 6u + tlen;
	for (i = 0; i < (uint32_t)alen; i += 2)
		sum += (uint32_t)(ip[0][i] << 8 | ip[0][i + 1]) +
		       (uint32_t)(ip[1][i] << 8 | ip[1][i + 1]);
	mon_put16(th + 16, mon_csum(sum, th, tlen));
	c->usec += 100;
	h.ts.tv_sec = 1700000000 + c->usec / 1000000;
	h.ts.tv_usec = c->usec % 1000000;
	h.caplen = h.len = (bpf_u_int32)(14 + l3 + (int)tlen);
	pcap_dump((u_char *)c->d, &h, f);
}

/* A flow of `nseg` client segments of SEG bytes (the last one `last`
 * bytes), sent in the order `order` (NULL: in order).  The server gets
 * every one and acknowledges the in-order end after each; the capture
 * misses those with miss[i] set.  `fin`: client FIN (captured) and the
 * server's ACK of it; else the capture just ends. */
struct flow_spec {
	int nseg;
	uint32_t last;
	const int *order;
	const bool *miss;
	bool fin;
	bool v6;
	int nflows;		/* the same flow on that many ports; 0 = 1 */
	bool fin_lost;		/* with fin: the capture misses the client's
				 * FIN, not the server's ACK of it */
};

static uint64_t spec_len(const struct flow_spec *s)
{
	return (uint64_t)(s->nseg - 1) * SEG + s->last;
}

static void write_flow(struct cap *cp, const struct flow_spec *s, bool *got)
{
	struct cap c = *cp;
	uint64_t len = spec_len(s), in_order = 0;
	int i, k;

	memset(got, 0, (size_t)s->nseg);
	emit(&c, 0, ISN_C, 0, 0x02, 0, 0);
	emit(&c, 1, ISN_S, ISN_C + 1, 0x12, 0, 0);
	emit(&c, 0, ISN_C + 1, ISN_S + 1, 0x10, 0, 0);
	for (k = 0; k < s->nseg; k++) {
		i = s->order ? s->order[k] : k;
		uint64_t off = (uint64_t)i * SEG;
		uint32_t n = i == s->nseg - 1 ? s->last : SEG;

		if (!s->miss || !s->miss[i])
			emit(&c, 0, ISN_C + 1 + (uint32_t)off, ISN_S + 1,
			     0x18, off, n);
		got[i] = true;
		while (in_order < len && got[in_order / SEG])
			in_order += in_order / SEG == (uint64_t)s->nseg - 1
					    ? s->last : SEG;
		emit(&c, 1, ISN_S + 1, ISN_C + 1 + (uint32_t)in_order, 0x10,
		     0, 0);
	}
	if (s->fin) {
		if (!s->fin_lost)
			emit(&c, 0, ISN_C + 1 + (uint32_t)len, ISN_S + 1,
			     0x11, 0, 0);
		emit(&c, 1, ISN_S + 1, ISN_C + 2 + (uint32_t)len, 0x11, 0, 0);
		emit(&c, 0, ISN_C + 2 + (uint32_t)len, ISN_S + 2, 0x10, 0, 0);
	}
	cp->usec = c.usec;
}

static int write_capture(const char *path, const struct flow_spec *s)
{
	struct cap c = { .v6 = s->v6 };
	bool *got = calloc((size_t)s->nseg, 1);
	int k;

	c.dead = pcap_open_dead(DLT_EN10MB, 65535);
	c.d = c.dead ? pcap_dump_open(c.dead, path) : NULL;
	if (!c.d || !got) {
		free(got);
		if (c.dead)
			pcap_close(c.dead);
		return -1;
	}
	for (k = 0; k < (s->nflows ? s->nflows : 1); k++) {
		c.port = (uint16_t)(40300 + k);
		write_flow(&c, s, got);
	}
	pcap_dump_close(c.d);
	pcap_close(c.dead);
	free(got);
	return 0;
}

/* ---- the monitor -------------------------------------------------- */

/* One step seen by the application: an ERROR notice, or a peek result. */
struct step {
	char what;		/* 'E' error, 'D' data, 'L' loss, 'N' new data */
	uint64_t off;		/* our offset before the step */
	int64_t n;
};

static struct step steps[MAX_LOG];
static int nsteps;
static uint64_t off_svr;	/* our peek offset on side SVR */
static uint64_t delivered, lost;
static int content_bad, other_errno, ppeek_bad, frag_bad;
static bool peek_in_error, use_last;
static bool count_only;		/* many flows: count CONN_END, read nothing */
static int nends;
static int ring_size;
static const char *conf_extra = "burst = 1;";

static void step(char what, int64_t n)
{
	if (nsteps < MAX_LOG)
		steps[nsteps++] = (struct step){ what, off_svr, n };
}

/* A gap is no data for ppeek and never a fragment. */
static void check_gap_views(mctx_t m, int sock, uint64_t from, uint64_t n)
{
	struct tcp_ring_fragment fr[64];
	socklen_t cnt = 64;
	char b[8];
	socklen_t i;

	errno = 0;
	if (mtcp_ppeek(m, sock, MOS_SIDE_SVR, b, 1, from) != -1 ||
	    errno != ENODATA ||
	    mtcp_ppeek(m, sock, MOS_SIDE_SVR, b, 1, from + n - 1) != -1)
		ppeek_bad++;
	if (mtcp_getsockopt(m, sock, SOL_MONSOCKET, MOS_FRAGINFO_SVRBUF, fr,
			    &cnt) < 0)
		return;
	for (i = 0; i < cnt; i++)
		if (fr[i].offset < from + n &&
		    fr[i].offset + fr[i].len > from)
			frag_bad++;
}

static void drain(mctx_t m, int sock)
{
	char buf[3000];
	ssize_t n;
	uint64_t i;

	while ((n = mtcp_peek(m, sock, MOS_SIDE_SVR, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno != ENODATA) {
				other_errno++;
				return;
			}
			step('L', n);
			check_gap_views(m, sock, off_svr, (uint64_t)-n);
			lost += (uint64_t)-n;
			off_svr += (uint64_t)-n;
			continue;
		}
		step('D', n);
		for (i = 0; i < (uint64_t)n; i++)
			if ((uint8_t)buf[i] != pat(off_svr + i))
				content_bad++;
		delivered += (uint64_t)n;
		off_svr += (uint64_t)n;
	}
}

static void on_null(mctx_t m, int sock, int side, event_t ev,
		    filter_arg_t *a)
{
	(void)a;
	if (side != MOS_SIDE_SVR)
		return;
	step(ev == MOS_ON_ERROR ? 'E' : 'N', 0);
	if (ev == MOS_ON_CONN_NEW_DATA || peek_in_error)
		drain(m, sock);
}

static void on_end(mctx_t m, int sock, int side, event_t ev,
		   filter_arg_t *a)
{
	(void)side;
	(void)ev;
	(void)a;
	nends++;
	if (!count_only)
		drain(m, sock);
}

static void on_start(mctx_t m, int sock, int side, event_t ev,
		     filter_arg_t *a)
{
	int v = MOS_OVERLAP_POLICY_LAST;

	(void)side;
	(void)ev;
	(void)a;
	if (use_last)
		mtcp_setsockopt(m, sock, SOL_MONSOCKET, MOS_SVROVERLAP, &v,
				sizeof(v));
}

static int setup(mctx_t m)
{
	int s = mtcp_socket(m, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);

	if (s < 0 || (ring_size &&
		      mtcp_setsockopt(m, s, SOL_MONSOCKET, MOS_SVRBUF,
				      &ring_size, sizeof(ring_size)) < 0))
		return -1;
	return mtcp_register_callback(m, s, MOS_ON_ERROR, MOS_NULL, on_null) |
	       mtcp_register_callback(m, s, MOS_ON_CONN_NEW_DATA, MOS_NULL,
				      on_null) |
	       mtcp_register_callback(m, s, MOS_ON_CONN_END, MOS_HK_RCV,
				      on_end) |
	       mtcp_register_callback(m, s, MOS_ON_CONN_START, MOS_HK_SND,
				      on_start);
}

static int run(const struct flow_spec *spec)
{
	const char *tmp = getenv("TMPDIR");
	char *pcap = NULL, *conf;
	int fd, rc;

	nsteps = 0;
	nends = 0;
	off_svr = delivered = lost = 0;
	content_bad = other_errno = ppeek_bad = frag_bad = 0;
	if (asprintf(&pcap, "%s/gap-XXXXXX.pcap", tmp && *tmp ? tmp : "/tmp") < 0)
		return -1;
	fd = mkstemps(pcap, 5);
	if (fd < 0 || write_capture(pcap, spec) < 0) {
		free(pcap);
		return -1;
	}
	close(fd);
	conf = mon_conf(pcap, conf_extra);
	rc = conf ? mon_run(conf, setup) : -1;
	if (conf)
		unlink(conf);
	free(conf);
	unlink(pcap);
	free(pcap);
	return rc;
}

/* The application's steps, as a string such as "NDD E L D" without
 * spaces: what a test compares its expectation with. */
static const char *trace(void)
{
	static char s[MAX_LOG + 1];
	int i;

	for (i = 0; i < nsteps; i++)
		s[i] = steps[i].what;
	s[i] = 0;
	return s;
}

static int find_step(char what, int from)
{
	int i;

	for (i = from; i < nsteps; i++)
		if (steps[i].what == what)
			return i;
	return -1;
}

static bool identity(const struct flow_spec *s)
{
	return delivered + lost == spec_len(s) && !content_bad &&
	       !other_errno;
}

/* ---- cases -------------------------------------------------------- */

static void case_middle(bool v6, bool in_error, bool last)
{
	bool miss[10] = { [3] = true };
	struct flow_spec s = { 10, SEG, NULL, miss, true, v6, 1, false };
	const char *name = v6 ? "IPv6" : "IPv4";
	int e, l;

	peek_in_error = in_error;
	use_last = last;
	if (!ok(run(&s) == 0, "middle gap %s%s%s: run", name,
		in_error ? ", peek in ERROR" : "", last ? ", last-wins" : ""))
		return;
	e = find_step('E', 0);
	l = find_step('L', 0);
	ok(e >= 0 && l > e && steps[l].n == -SEG && steps[l].off == 3 * SEG &&
	   l + 1 < nsteps && steps[l + 1].what == 'D' &&
	   steps[l + 1].off == 4 * SEG,
	   "middle gap %s%s%s: ERROR, then -%d/ENODATA at offset %d, then the "
	   "bytes after it (%s)", name, in_error ? ", peek in ERROR" : "",
	   last ? ", last-wins" : "", SEG, 3 * SEG, trace());
	ok(identity(&s) && lost == SEG,
	   "middle gap %s%s: delivered %llu + lost %llu = %llu, bytes right",
	   name, last ? ", last-wins" : "", (unsigned long long)delivered,
	   (unsigned long long)lost, (unsigned long long)spec_len(&s));
	ok(!ppeek_bad && !frag_bad,
	   "middle gap %s: ppeek finds no data in it, FRAGINFO no fragment",
	   name);
}

static void case_start(void)
{
	bool miss[6] = { [0] = true };
	struct flow_spec s = { 6, SEG, NULL, miss, true, false, 1, false };
	int l;

	peek_in_error = false;
	use_last = false;
	if (!ok(run(&s) == 0, "gap at the start: run"))
		return;
	l = find_step('L', 0);
	ok(l >= 0 && steps[l].off == 0 && steps[l].n == -SEG &&
	   find_step('D', 0) > l && find_step('E', 0) < l &&
	   find_step('E', 0) >= 0,
	   "gap at the start: ERROR, then -%d at offset 0 before any byte (%s)",
	   SEG, trace());
	ok(identity(&s) && lost == SEG, "gap at the start: delivered %llu + "
	   "lost %llu = %llu", (unsigned long long)delivered,
	   (unsigned long long)lost, (unsigned long long)spec_len(&s));
}

static void case_end(bool fin)
{
	bool miss[6] = { [5] = true };
	struct flow_spec s = { 6, 700, NULL, miss, fin, false, 1, false };
	const char *how = fin ? "acknowledged FIN" : "end of capture";
	int l;

	peek_in_error = false;
	use_last = false;
	if (!ok(run(&s) == 0, "gap at the end (%s): run", how))
		return;
	l = find_step('L', 0);
	ok(l >= 0 && steps[l].off == 5 * SEG && steps[l].n == -700 &&
	   find_step('L', l + 1) < 0 && find_step('D', l + 1) < 0,
	   "gap at the end (%s): the last segment is reported lost (%s)",
	   how, trace());
	ok(identity(&s) && lost == 700, "gap at the end (%s): delivered %llu "
	   "+ lost %llu = %llu", how, (unsigned long long)delivered,
	   (unsigned long long)lost, (unsigned long long)spec_len(&s));
}

/* The FIN's sequence number is not a byte: when only the FIN is missing,
 * nothing is lost. */
static void case_fin_lost(bool data_gap)
{
	bool miss[6] = { [2] = data_gap };
	struct flow_spec s = { 6, 700, NULL, miss, true, false, 1, true };
	const char *how = data_gap ? " and a segment" : "";

	peek_in_error = false;
	use_last = false;
	if (!ok(run(&s) == 0, "lost FIN%s: run", how))
		return;
	ok(identity(&s) && lost == (data_gap ? SEG : 0),
	   "lost FIN%s: delivered %llu + lost %llu = %llu, the FIN is no gap "
	   "(%s)", how, (unsigned long long)delivered,
	   (unsigned long long)lost, (unsigned long long)spec_len(&s),
	   trace());
}

static void case_several(void)
{
	bool row[12] = { [3] = true, [4] = true, [5] = true };
	bool apart[12] = { [2] = true, [6] = true, [9] = true };
	struct flow_spec s = { 12, SEG, NULL, row, true, false, 1, false };
	int l, l2, l3;

	peek_in_error = false;
	use_last = false;
	if (ok(run(&s) == 0, "three missing segments in a row: run")) {
		l = find_step('L', 0);
		ok(l >= 0 && steps[l].off == 3 * SEG && steps[l].n == -3 * SEG &&
		   find_step('L', l + 1) < 0 && identity(&s),
		   "three missing segments in a row: one gap of %d (%s)",
		   3 * SEG, trace());
	}
	s.miss = apart;
	if (ok(run(&s) == 0, "three gaps apart: run")) {
		l = find_step('L', 0);
		l2 = l >= 0 ? find_step('L', l + 1) : -1;
		l3 = l2 >= 0 ? find_step('L', l2 + 1) : -1;
		ok(l3 >= 0 && steps[l].off == 2 * SEG &&
		   steps[l2].off == 6 * SEG && steps[l3].off == 9 * SEG &&
		   find_step('L', l3 + 1) < 0 && lost == 3 * SEG &&
		   identity(&s), "three gaps apart: three reports of -%d (%s)",
		   SEG, trace());
	}
}

/* Bulk through small rings, read in whole bursts of frames and on every
 * ERROR (before bytes are overwritten): reordered (pairs swapped, every
 * 7th segment held back 5 places, about 7 KB), with a share of segments
 * missed.  With nothing missed, a ring that holds the reordering loses
 * nothing. */
static void case_bulk(int rmem, int miss_every)
{
	enum { N = 300 };
	static int order[N];
	static bool miss[N];
	struct flow_spec s = { N, 321, order, miss, true, false, 1, false };
	int i, held = -1, k = 0;

	for (i = 0; i < N; i++)
		miss[i] = miss_every && i % miss_every == miss_every / 2;
	for (i = 0; i < N; i += 2) {
		if (i + 1 < N) {
			order[k++] = i + 1;
			order[k++] = i;
		} else {
			order[k++] = i;
		}
	}
	for (i = 0; i + 5 < N; i += 7) {	/* hold back */
		held = order[i];
		memmove(&order[i], &order[i + 1], 5 * sizeof(int));
		order[i + 5] = held;
	}
	peek_in_error = true;
	use_last = false;
	ring_size = rmem;
	conf_extra = "";
	if (ok(run(&s) == 0, "bulk rmem %d, every %dth missed: run", rmem,
	       miss_every))
		ok(identity(&s) && (miss_every ? lost > 0
				     : rmem < 8192 || lost == 0),
		   "bulk rmem %d, every %dth missed: delivered %llu + lost %llu"
		   " = %llu, every delivered byte the one sent", rmem,
		   miss_every, (unsigned long long)delivered,
		   (unsigned long long)lost, (unsigned long long)spec_len(&s));
	ring_size = 0;
	conf_extra = "burst = 1;";
}

/* Flows still open when the capture ends each get MOS_ON_CONN_END, once
 * per side, and so a last chance to read (and learn of) their bytes. */
static void case_open_at_end(void)
{
	struct flow_spec s = { 3, SEG, NULL, NULL, false, false, 100, false };

	count_only = true;
	conf_extra = "";
	if (ok(run(&s) == 0, "100 flows open at the end: run"))
		ok(nends == 200, "100 flows open at the end: CONN_END at "
		   "MOS_HK_RCV for both sides of each (%d)", nends);
	count_only = false;
	conf_extra = "burst = 1;";
}

int main(void)
{
	static const int rings[] = { 1024, 2048, 4096, 8192, 16384 };
	size_t i;

	case_middle(false, false, false);
	case_middle(false, true, false);
	case_middle(true, false, false);
	case_middle(false, false, true);
	case_start();
	case_end(true);
	case_end(false);
	case_fin_lost(false);
	case_fin_lost(true);
	case_several();
	case_open_at_end();
	for (i = 0; i < sizeof(rings) / sizeof(rings[0]); i++) {
		case_bulk(rings[i], 0);
		case_bulk(rings[i], 17);
	}
	mon_free();
	return tap_done();
}
