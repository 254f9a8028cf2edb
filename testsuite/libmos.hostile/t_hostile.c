/*
 * t_hostile.c -- hostile traffic through the monitor, one crafted capture
 * per scenario (libmos(3), mtcp_peek(3)):
 *
 *   synflood   SYNs from 5000 ports past max_concurrency = 64, while two
 *              flows already open keep sending: the SYNs beyond the table
 *              are refused and counted, the open flows deliver every
 *              byte, the process's peak memory grows no more than with a
 *              flood ten times smaller
 *   rst        1000 RSTs outside the window leave the flow alone (all
 *              counted as ignored), then one at the expected sequence
 *              number ends it at once
 *   onebyte    a stream in 3000 one-byte segments
 *   overlap    retransmissions over a hole with other bytes: the first
 *              copy wins under MOS_OVERLAP_POLICY_FIRST, the last under
 *              MOS_OVERLAP_POLICY_LAST
 *   tsback     timestamps going backwards (RFC 7323 5: PAWS is the
 *              endpoint's business; the monitor keeps every byte)
 *   wscale     window scale 14 and an out-of-range 255 (clamped to 14,
 *              RFC 7323 2.3) with ACKs far ahead inside the window
 *   wrap       sequence numbers wrapping through 2^32 with segments
 *              reordered in groups
 *   fragflood  10000 IPv4 fragments of datagrams that never complete,
 *              around a flow that is not fragmented; with ip_defrag on,
 *              also a flow in fragments: the table stays bounded, the
 *              refused fragments are counted and that flow's bytes are
 *              delivered or reported lost
 *   clock      a capture whose clock goes back by an hour and stands
 *              still: no flow times out, every byte is delivered
 *
 *   t_hostile     (writes its captures under $TMPDIR)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cap.h"
#include "tap.h"

#define PORT0 40000
#define NFLOW 8
#define MSS 1000u

/* ------------------------------------------------- what the monitor saw */

struct side_rec {
	uint64_t pos, delivered, lost, wrong;
};

static struct {
	struct side_rec s[2];	/* by ring: [SVR] = the client's bytes */
	int ends;
	uint8_t version[2];	/* expected: cap_pat ^ 0x55 * version */
} fl[NFLOW];
static int ends_other, errors;
static int policy = -1;		/* MOS_*OVERLAP for both rings, -1 default */
static bool read_each_packet = true;
/* overlap: the expected version of each client byte by offset */
static const uint8_t *expect_ver;

static int flow_of(mctx_t m, int sock)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int port;

	if (mtcp_getpeername(m, sock, (struct sockaddr *)&sa, &len,
			     MOS_SIDE_CLI) < 0 || sa.sin_family != AF_INET)
		return -1;
	port = ntohs(sa.sin_port) - PORT0;
	return port >= 0 && port < NFLOW ? port : -1;
}

static uint8_t expected(int flow, int dir, uint64_t off)
{
	uint8_t v = expect_ver && dir == 0 ? expect_ver[off]
					   : fl[flow].version[dir];

	return cap_pat(dir, off) ^ (uint8_t)(0x55 * v);
}

static void drain(mctx_t m, int sock, int side)
{
	static char buf[8192];
	int f = flow_of(m, sock), dir = side == MOS_SIDE_SVR ? 0 : 1;
	struct side_rec *r;
	ssize_t n, i;

	if (f < 0)
		return;
	r = &fl[f].s[side];
	for (;;) {
		n = mtcp_peek(m, sock, side, buf, sizeof(buf));
		if (n < 0 && errno == ENODATA) {
			r->lost += (uint64_t)-n;
			r->pos += (uint64_t)-n;
			continue;
		}
		if (n <= 0)
			break;
		for (i = 0; i < n; i++)
			r->wrong += (uint8_t)buf[i] !=
				    expected(f, dir, r->pos + (uint64_t)i);
		r->pos += (uint64_t)n;
		r->delivered += (uint64_t)n;
	}
}

static void cb_data(mctx_t m, int s, int side, event_t ev, filter_arg_t *a)
{
	(void)ev, (void)a;
	drain(m, s, side);
}

/* The reader keeps up: it reads at every packet (but in overlap). */
static void cb_pkt(mctx_t m, int s, int side, event_t ev, filter_arg_t *a)
{
	(void)side, (void)ev, (void)a;
	if (!read_each_packet)
		return;
	drain(m, s, MOS_SIDE_CLI);
	drain(m, s, MOS_SIDE_SVR);
}

/* Delivered once per side (libmos(3)): counted at the first. */
static void cb_end(mctx_t m, int s, int side, event_t ev, filter_arg_t *a)
{
	int f = flow_of(m, s);

	(void)ev, (void)a;
	drain(m, s, MOS_SIDE_CLI);
	drain(m, s, MOS_SIDE_SVR);
	if (side != MOS_SIDE_CLI)
		return;
	if (f >= 0)
		fl[f].ends++;
	else
		ends_other++;
}

/* The overlap policy is a per-flow socket's option. */
static void cb_start(mctx_t m, int s, int side, event_t ev,
		     filter_arg_t *a)
{
	(void)side, (void)ev, (void)a;
	if (policy >= 0 &&
	    (mtcp_setsockopt(m, s, SOL_MONSOCKET, MOS_CLIOVERLAP, &policy,
			     sizeof(policy)) < 0 ||
	     mtcp_setsockopt(m, s, SOL_MONSOCKET, MOS_SVROVERLAP, &policy,
			     sizeof(policy)) < 0))
		errors += 1000;
}

static void cb_error(mctx_t m, int s, int side, event_t ev, filter_arg_t *a)
{
	(void)m, (void)s, (void)side, (void)ev, (void)a;
	errors++;
}

static int setup(mctx_t m)
{
	int s = mtcp_socket(m, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);

	if (s < 0 ||
	    mtcp_register_callback(m, s, MOS_ON_CONN_NEW_DATA, MOS_NULL,
				   cb_data) ||
	    mtcp_register_callback(m, s, MOS_ON_CONN_END, MOS_HK_RCV, cb_end) ||
	    mtcp_register_callback(m, s, MOS_ON_ERROR, MOS_NULL, cb_error) ||
	    mtcp_register_callback(m, s, MOS_ON_PKT_IN, MOS_HK_RCV, cb_pkt) ||
	    mtcp_register_callback(m, s, MOS_ON_CONN_START, MOS_HK_SND,
				   cb_start))
		return -1;
	return 0;
}

static void reset(void)
{
	memset(fl, 0, sizeof(fl));
	ends_other = errors = 0;
	expect_ver = NULL;
	policy = -1;
	read_each_packet = true;
}

static bool run(const char *name, const char *extra)
{
	char path[512], *conf;
	bool rc;

	snprintf(path, sizeof(path), "%s", cap_tmp(name));
	conf = cap_conf(path, extra);
	rc = conf && cap_run(conf, setup) == 0;
	ok(rc, "%s: run", name);
	free(conf);
	return rc;
}

/* ---------------------------------------------------- writing the flows */

struct conv {
	struct cap *c;
	struct seg s;
	uint32_t isn[2];
	uint8_t ver;
};

static void conv_init(struct conv *v, struct cap *c, int flow, uint32_t ic,
		      uint32_t is)
{
	memset(v, 0, sizeof(*v));
	v->c = c;
	v->s.cport = (uint16_t)(PORT0 + flow);
	v->s.sport = 80;
	v->s.win = 65535;
	v->isn[0] = ic;
	v->isn[1] = is;
}

/* A segment of direction dir: flags, stream offset off of its own bytes,
 * acking ack bytes of the peer's, len payload bytes (cap_pat ^ ver). */
static void conv_seg(struct conv *v, int dir, uint8_t flags, uint64_t off,
		     uint64_t ack, uint32_t len)
{
	static uint8_t data[65536];
	uint32_t i;

	for (i = 0; i < len; i++)
		data[i] = cap_pat(dir, off + i) ^ (uint8_t)(0x55 * v->ver);
	v->s.dir = dir;
	v->s.flags = flags;
	v->s.seq = v->isn[dir] + 1 + (uint32_t)off;
	v->s.ack = v->isn[!dir] + 1 + (uint32_t)ack;
	v->s.data = data;
	v->s.len = len;
	cap_seg(v->c, &v->s);
	v->s.opts = NULL, v->s.olen = 0;
}

static void handshake(struct conv *v, const uint8_t *opts, size_t olen)
{
	v->s.opts = opts, v->s.olen = olen;
	v->s.dir = 0, v->s.flags = 0x02, v->s.seq = v->isn[0], v->s.ack = 0;
	v->s.len = 0;
	cap_seg(v->c, &v->s);
	v->s.opts = opts, v->s.olen = olen;
	v->s.dir = 1, v->s.flags = 0x12, v->s.seq = v->isn[1];
	v->s.ack = v->isn[0] + 1;
	cap_seg(v->c, &v->s);
	v->s.opts = NULL, v->s.olen = 0;
	conv_seg(v, 0, 0x10, 0, 0, 0);
}

/* The client sends [from, to) in MSS segments, each acknowledged. */
static void send_range(struct conv *v, uint64_t from, uint64_t to,
		       uint64_t srv)
{
	while (from < to) {
		uint32_t n = to - from < MSS ? (uint32_t)(to - from) : MSS;

		conv_seg(v, 0, 0x18, from, srv, n);
		conv_seg(v, 1, 0x10, srv, from + n, 0);
		from += n;
	}
}

static void close_both(struct conv *v, uint64_t cli, uint64_t srv)
{
	conv_seg(v, 0, 0x11, cli, srv, 0);
	conv_seg(v, 1, 0x11, srv, cli + 1, 0);
	conv_seg(v, 0, 0x10, cli + 1, srv + 1, 0);
}

static bool open_cap(struct cap *c, const char *name)
{
	if (cap_open(c, cap_tmp(name), false) < 0)
		return false;
	return true;
}

static void check_flow(const char *name, int f, uint64_t cli, uint64_t srv)
{
	ok(fl[f].s[MOS_SIDE_SVR].delivered == cli &&
	   fl[f].s[MOS_SIDE_SVR].wrong == 0 &&
	   fl[f].s[MOS_SIDE_CLI].delivered == srv &&
	   fl[f].s[MOS_SIDE_CLI].wrong == 0 && fl[f].ends == 1 &&
	   errors < 1000,
	   "%s: flow %d delivered %llu/%llu and %llu/%llu bytes (%llu, %llu "
	   "wrong; %llu, %llu lost), %d CONN_END", name, f,
	   (unsigned long long)fl[f].s[MOS_SIDE_SVR].delivered,
	   (unsigned long long)cli,
	   (unsigned long long)fl[f].s[MOS_SIDE_CLI].delivered,
	   (unsigned long long)srv,
	   (unsigned long long)fl[f].s[MOS_SIDE_SVR].wrong,
	   (unsigned long long)fl[f].s[MOS_SIDE_CLI].wrong,
	   (unsigned long long)fl[f].s[MOS_SIDE_SVR].lost,
	   (unsigned long long)fl[f].s[MOS_SIDE_CLI].lost, fl[f].ends);
}

/* ------------------------------------------------------------ scenarios */

static long peak_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmHWM:", 6))
			v = strtol(line + 6, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

static void synflood_once(int nsyn, long long *refused, long long *peak)
{
	struct cap c;
	struct conv a, b;
	int i;

	reset();
	if (!open_cap(&c, "synflood.pcap"))
		return;
	conv_init(&a, &c, 0, 1000, 50000);
	conv_init(&b, &c, 1, 2000, 60000);
	handshake(&a, NULL, 0);
	handshake(&b, NULL, 0);
	send_range(&a, 0, 5000, 0);
	send_range(&b, 0, 3000, 0);
	for (i = 0; i < nsyn; i++) {
		struct seg s = { .dir = 0, .cport = (uint16_t)(1024 + i),
				 .sport = 80, .seq = (uint32_t)i * 7919u,
				 .flags = 0x02, .win = 65535 };

		cap_seg(&c, &s);
		c.t_us += 10;
	}
	send_range(&a, 5000, 12000, 0);
	send_range(&b, 3000, 9000, 0);
	close_both(&a, 12000, 0);
	close_both(&b, 9000, 0);
	cap_close(&c);
	run("synflood.pcap", "max_concurrency = 64;");
	*refused = cap_stat("refused");
	*peak = cap_stat("peak");
}

static void synflood(void)
{
	long long refused, peak, refused_small, peak_small;
	long hwm_small, hwm;

	synflood_once(500, &refused_small, &peak_small);
	hwm_small = peak_kib();
	synflood_once(5000, &refused, &peak);
	hwm = peak_kib();
	check_flow("synflood", 0, 12000, 0);
	check_flow("synflood", 1, 9000, 0);
	/* 64 entries: the two open flows and 62 of the flood */
	ok(refused == 5000 - 62 && peak == 64 && refused_small == 500 - 62,
	   "synflood: SYNs refused %lld (4938) of 5000, %lld (438) of 500, "
	   "peak flows %lld (64)", refused, refused_small, peak);
	ok(hwm >= 0 && hwm - hwm_small < 16384,
	   "synflood: peak memory %ld KiB after 500 SYNs, %ld KiB after "
	   "5000 (flat: under 16 MiB more)", hwm_small, hwm);
}

static void rst(void)
{
	struct cap c;
	struct conv a;
	int i;

	reset();
	if (!open_cap(&c, "rst.pcap"))
		return;
	conv_init(&a, &c, 0, 7000, 90000);
	handshake(&a, NULL, 0);
	send_range(&a, 0, 4000, 0);
	for (i = 0; i < 1000; i++) {
		/* far outside the window, both ways */
		conv_seg(&a, i & 1, 0x04, 4000u + 3000000u + (uint64_t)i * 977,
			 0, 0);
	}
	send_range(&a, 4000, 8000, 0);
	conv_seg(&a, 1, 0x04, 0, 8000, 0);	/* in window: the end */
	send_range(&a, 8000, 9000, 0);		/* nobody to see it */
	cap_close(&c);
	run("rst.pcap", "");
	check_flow("rst", 0, 8000, 0);
	ok(cap_stat("rst ignored") == 1000,
	   "rst: %lld of 1000 out-of-window RSTs ignored",
	   cap_stat("rst ignored"));
	ok(cap_stat("ended") == 1 && cap_stat("orphans") >= 2,
	   "rst: the in-window RST ended the flow (%lld ended, %lld "
	   "orphan frames after it)", cap_stat("ended"),
	   cap_stat("orphans"));
}

static void onebyte(void)
{
	struct cap c;
	struct conv a;
	uint64_t off;

	reset();
	if (!open_cap(&c, "onebyte.pcap"))
		return;
	conv_init(&a, &c, 0, 1u << 31, 3);
	handshake(&a, NULL, 0);
	for (off = 0; off < 3000; off++) {
		conv_seg(&a, 0, 0x18, off, 0, 1);
		if (off % 2)
			conv_seg(&a, 1, 0x10, 0, off + 1, 0);
	}
	close_both(&a, 3000, 0);
	cap_close(&c);
	run("onebyte.pcap", "rmem_size = 1024;");
	check_flow("onebyte", 0, 3000, 0);
}

/* [0, 1000) and [2000, 3000) arrive as version 0; the hole [1000, 2000)
 * and overlaps come as 1, then everything [500, 2500) again as 2, all
 * before anyone reads (one burst).  Under FIRST the bytes first
 * received stay; under LAST the last copy wins. */
static void overlap_policy(int pol)
{
	static uint8_t ver[3000];
	const char *pname = pol ? "LAST" : "FIRST";
	char name[64];
	struct cap c;
	struct conv a;
	int i;

	reset();
	policy = pol;
	read_each_packet = false;	/* all copies in before a read */
	snprintf(name, sizeof(name), "overlap %s", pname);
	if (!open_cap(&c, "overlap.pcap"))
		return;
	conv_init(&a, &c, 0, 3333, 4444);
	handshake(&a, NULL, 0);
	a.ver = 0;
	conv_seg(&a, 0, 0x18, 0, 0, 1000);
	conv_seg(&a, 0, 0x18, 2000, 0, 1000);
	a.ver = 1;
	conv_seg(&a, 0, 0x18, 800, 0, 1400);
	a.ver = 2;
	conv_seg(&a, 0, 0x18, 500, 0, 2000);
	a.ver = 0;
	conv_seg(&a, 1, 0x10, 0, 3000, 0);
	close_both(&a, 3000, 0);
	cap_close(&c);
	for (i = 0; i < 3000; i++)
		ver[i] = pol ? (i < 500 ? 0 : i < 2500 ? 2 : 0)
			     : (i < 1000 || i >= 2000 ? 0 : 1);
	expect_ver = ver;
	run("overlap.pcap", "");
	check_flow(name, 0, 3000, 0);
}

static void tsback(void)
{
	uint8_t ts[12] = { 1, 1, 8, 10 };
	struct cap c;
	struct conv a;
	uint32_t k;

	reset();
	if (!open_cap(&c, "tsback.pcap"))
		return;
	conv_init(&a, &c, 0, 100, 200);
	cap_put32(ts + 4, 1000000);
	handshake(&a, ts, 12);
	for (k = 0; k < 20; k++) {
		/* tsval 1000000, 999000, ... going back */
		cap_put32(ts + 4, 1000000u - k * 1000u);
		cap_put32(ts + 8, 77);
		a.s.opts = ts, a.s.olen = 12;
		conv_seg(&a, 0, 0x18, (uint64_t)k * MSS, 0, MSS);
		conv_seg(&a, 1, 0x10, 0, (uint64_t)(k + 1) * MSS, 0);
	}
	close_both(&a, 20 * MSS, 0);
	cap_close(&c);
	run("tsback.pcap", "");
	check_flow("tsback", 0, 20 * MSS, 0);
}

static void wscale_run(uint8_t shift, const char *name)
{
	uint8_t ws[4] = { 1, 3, 3, shift };
	struct cap c;
	struct conv a;
	uint64_t off;

	reset();
	if (!open_cap(&c, "wscale.pcap"))
		return;
	conv_init(&a, &c, 0, 0xfffff000u, 0x7ffffff0u);
	handshake(&a, ws, 4);
	/* windows of 65535 << 14: a gigabyte; the server's data far ahead
	 * of the client's ACKs, inside it */
	for (off = 0; off < 30000; off += MSS) {
		conv_seg(&a, 1, 0x18, off, 0, MSS);
		conv_seg(&a, 0, 0x18, off, off + MSS, MSS);
	}
	conv_seg(&a, 1, 0x10, 30000, 30000, 0);
	close_both(&a, 30000, 30000);
	cap_close(&c);
	run("wscale.pcap", "rmem_size = 65536;");
	check_flow(name, 0, 30000, 30000);
}

static void wrap(void)
{
	struct cap c;
	struct conv a;
	int g, k;

	reset();
	if (!open_cap(&c, "wrap.pcap"))
		return;
	/* the stream crosses 2^32 after 9000 bytes */
	conv_init(&a, &c, 0, 0xffffffffu - 9000u, 0xfffffff0u);
	handshake(&a, NULL, 0);
	for (g = 0; g < 5; g++) {
		/* a group of four segments, last first */
		for (k = 3; k >= 0; k--)
			conv_seg(&a, 0, 0x18, (uint64_t)(g * 4 + k) * MSS, 0,
				 MSS);
		conv_seg(&a, 1, 0x10, 0, (uint64_t)(g + 1) * 4 * MSS, 0);
	}
	close_both(&a, 20 * MSS, 0);
	cap_close(&c);
	run("wrap.pcap", "rmem_size = 8192;");
	check_flow("wrap", 0, 20 * MSS, 0);
	ok(errors == 0, "wrap: no MOS_ON_ERROR (%d)", errors);
}

/* With ip_defrag on, a second flow's segments come in fragments too and
 * must be reassembled; the flood must stay within the datagram table. */
static void fragflood(bool defrag)
{
	static uint8_t payload[1480];
	const char *name = defrag ? "fragflood defrag" : "fragflood";
	long long frags, table, pending;
	struct cap c;
	struct conv a, b;
	uint64_t off;
	int i;

	reset();
	if (!open_cap(&c, "fragflood.pcap"))
		return;
	conv_init(&a, &c, 0, 5, 6);
	conv_init(&b, &c, 1, 50, 60);
	handshake(&a, NULL, 0);
	handshake(&b, NULL, 0);
	send_range(&a, 0, 4000, 0);
	for (i = 0; i < 10000; i++) {
		/* the first part of a datagram whose rest never comes */
		struct seg s = { .dir = i & 1, .cport = (uint16_t)(2000 + i),
				 .sport = 443, .seq = (uint32_t)i,
				 .flags = 0x18, .win = 1, .data = payload,
				 .len = 1000 };

		c.ip_id = (uint16_t)i;
		cap_frags(&c, &s, 512, 1);
		c.t_us += 5;
		if (i % 1000 == 0 && defrag) {
			/* flow 1: a whole segment in three fragments */
			off = (uint64_t)(i / 1000) * MSS;
			for (uint32_t k = 0; k < MSS; k++)
				payload[k] = cap_pat(0, off + k);
			b.s.dir = 0, b.s.flags = 0x18;
			b.s.seq = b.isn[0] + 1 + (uint32_t)off;
			b.s.ack = b.isn[1] + 1;
			b.s.data = payload, b.s.len = MSS;
			cap_frags(&c, &b.s, 400, 0);
			memset(payload, 0, sizeof(payload));
		}
	}
	send_range(&a, 4000, 9000, 0);
	close_both(&a, 9000, 0);
	if (defrag) {
		conv_seg(&b, 1, 0x10, 0, 10 * MSS, 0);
		close_both(&b, 10 * MSS, 0);
	}
	cap_close(&c);
	run("fragflood.pcap", defrag ? "ip_defrag = true;" : "");
	check_flow(name, 0, 9000, 0);
	if (!defrag) {
		ok(cap_stat("fragment") == 10000,
		   "%s: %lld frames counted as fragments (10000)", name,
		   cap_stat("fragment"));
		return;
	}
	/* once 1024 incomplete datagrams fill the table, flow 1's fragments
	 * are refused too: its bytes before that are delivered, the rest
	 * reported lost, none wrong */
	ok(fl[1].s[MOS_SIDE_SVR].delivered >= 2 * MSS &&
	   fl[1].s[MOS_SIDE_SVR].delivered + fl[1].s[MOS_SIDE_SVR].lost ==
		   10 * MSS &&
	   fl[1].s[MOS_SIDE_SVR].wrong == 0 && fl[1].ends == 1,
	   "%s: fragmented flow: %llu delivered + %llu lost = 10000, %llu "
	   "wrong, %d CONN_END", name,
	   (unsigned long long)fl[1].s[MOS_SIDE_SVR].delivered,
	   (unsigned long long)fl[1].s[MOS_SIDE_SVR].lost,
	   (unsigned long long)fl[1].s[MOS_SIDE_SVR].wrong, fl[1].ends);
	frags = cap_stat("fragments");
	table = cap_stat("table");
	pending = cap_stat("pending");
	ok(frags == 10000 + 30 && table > 0 && pending >= 0 &&
	   pending <= 1024,
	   "%s: %lld fragments taken in (10030), %lld refused with the "
	   "table full, %lld pending at the end (at most 1024)", name,
	   frags, table, pending);
}

static void clock_run(void)
{
	struct cap c;
	struct conv a;
	uint64_t off;

	reset();
	if (!open_cap(&c, "clock.pcap"))
		return;
	conv_init(&a, &c, 0, 10, 20);
	handshake(&a, NULL, 0);
	for (off = 0; off < 20000; off += MSS) {
		/* an hour back every 5th segment, standing still otherwise */
		if (off % (5 * MSS) == 0)
			c.t_us -= 3600000000ull;
		conv_seg(&a, 0, 0x18, off, 0, MSS);
		conv_seg(&a, 1, 0x10, 0, off + MSS, 0);
	}
	close_both(&a, 20000, 0);
	cap_close(&c);
	run("clock.pcap", "tcp_timeout = 30;");
	check_flow("clock", 0, 20000, 0);
	ok(cap_stat("timeout") == 0, "clock: %lld flows timed out (0)",
	   cap_stat("timeout"));
}

int main(void)
{
	synflood();
	rst();
	onebyte();
	overlap_policy(MOS_OVERLAP_POLICY_FIRST);
	overlap_policy(MOS_OVERLAP_POLICY_LAST);
	tsback();
	wscale_run(14, "wscale 14");
	wscale_run(255, "wscale 255");
	wrap();
	fragflood(false);
	fragflood(true);
	clock_run();
	return tap_done();
}
