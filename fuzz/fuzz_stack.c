/*
 * fuzz_stack.c -- the whole monitoring stack on segment sequences between
 * two endpoints, through the pcap backend and the public API.
 *
 * Input:
 *   byte 0   set-up: bit 0 configuration (small or large rings, tables);
 *            bit 1 a second listener; bit 2 MOS_ON_ERROR switches the
 *            side's buffer off and on again; bit 3 callbacks may rewrite
 *            packets at MOS_HK_SND; bits 4-5 overlap policy CLI/SVR;
 *            bit 6 sequence numbers start just below 2^32.  (Bit 3
 *            also covers rewrites in MOS_ON_REXMIT, which runs before
 *            the receiver stores the payload, and MOS_ON_ERROR, raised
 *            while it is stored.)
 *   16 bytes the callbacks' script: each callback does the next action.
 *   then 12 bytes per segment, up to 256:
 *     0     bit 0 direction (0 client to server); bit 1 flow (0 IPv4,
 *           1 IPv6); bit 2 the other version of the bytes (an overlap
 *           with different data); bits 3-6 options MSS, window scale,
 *           SACK-permitted, timestamps; bit 7 a jumbo payload (the frame
 *           above 64 KiB)
 *     1     TCP flags
 *     2-3   sequence number: signed offset from the sender's next one
 *     4-5   ack number: signed offset from the peer's next one
 *     6-7   window
 *     8-9   payload length (mod 1461)
 *     10    clock step: signed milliseconds; 0x7f +100 s, 0x80 -100 s
 *     11    window scale / timestamp step
 *
 * The payload byte at sequence number s of direction d is a function of
 * (d, s) and the version bit, so each byte mtcp_peek or mtcp_ppeek hands
 * out can be checked against what was sent at its sequence number
 * (tcpbi_init_seq + offset), unless a MOS_HK_SND, MOS_ON_REXMIT or
 * MOS_ON_ERROR callback rewrote packets.  Checked inside: the bytes delivered never
 * exceed the payload bytes sent that way; at the flow's end, after
 * reading everything, the bytes delivered plus those reported lost equal
 * the stream length (MOS_INFO_*BUF next byte expected); MOS_CLIBUF/
 * MOS_SVRBUF above 2147482624 are EINVAL; every field of
 * mtcp_getlastpkt's copy lies inside the copy.
 *
 * To read a crash: fuzz/decode_stack.py INPUT lists its segments, and
 * FUZZ_TRACE=1 bin/fuzz_stack INPUT prints each callback's action, each
 * read and each wrong byte.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include <mos_api.h>
#include "fuzz.h"

#define MAXSEG 256
#define MAXSOCK 4096
#define JUMBO_V4 (65535 - 20 - 20)

static char pcap_path[256], conf_path[2][256];

static uint8_t setup_bits;
static uint8_t script[16];
static unsigned script_i;
static bool tainted;		/* a rewrite before the store (act()) */
static uint64_t sent_bytes[2][2];	/* [flow][direction] payload sent */

struct sockstate {
	bool seen;
	int flow;		/* 0 IPv4, 1 IPv6 (by address family) */
	int cli_dir;		/* direction of the monitor's client: the
				 * sender of the first SYN, either one */
	bool known;		/* flow and cli_dir learnt */
	uint64_t pos[2], delivered[2], lost[2];
};
static struct sockstate states[MAXSOCK];
static int nstates;

/* ------------------------------------------------------------ the bytes */

static uint8_t content(int dir, uint32_t seq)
{
	uint32_t x = seq * 2654435761u ^ (uint32_t)dir * 0x9e3779b9u;

	return (uint8_t)(x >> 24);
}

/* ------------------------------------------------------ the capture file */

struct endpoint {
	uint32_t nxt;
	uint32_t ts;
};

struct gen {
	FILE *f;
	uint64_t t_us;
	struct endpoint ep[2][2];	/* [flow][dir] */
	uint8_t frame[65600 + 64];
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t sum16(uint32_t s, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void write_rec(struct gen *g, uint32_t len)
{
	uint32_t h[4] = { (uint32_t)(g->t_us / 1000000u),
			  (uint32_t)(g->t_us % 1000000u), len, len };

	fwrite(h, sizeof(h), 1, g->f);
	fwrite(g->frame, len, 1, g->f);
}

static size_t put_options(uint8_t *o, uint8_t sel, uint8_t aux,
			  struct endpoint *me, const struct endpoint *peer)
{
	size_t n = 0;

	if (sel & 1) {
		o[n++] = 2, o[n++] = 4;
		put16(o + n, (uint16_t)(536 + aux * 4));
		n += 2;
	}
	if (sel & 2) {
		o[n++] = 1, o[n++] = 3, o[n++] = 3, o[n++] = aux % 16;
	}
	if (sel & 4) {
		o[n++] = 1, o[n++] = 1, o[n++] = 4, o[n++] = 2;
	}
	if (sel & 8) {
		/* aux >= 0x80: the clock goes backwards (RFC 7323 5.3) */
		me->ts += (uint32_t)(int8_t)aux;
		o[n++] = 1, o[n++] = 1, o[n++] = 8, o[n++] = 10;
		put32(o + n, me->ts);
		put32(o + n + 4, peer->ts);
		n += 8;
	}
	return n;
}

/* One segment from 12 input bytes. */
static void segment(struct gen *g, const uint8_t *b)
{
	int dir = b[0] & 1, flow = (b[0] >> 1) & 1, ver = (b[0] >> 2) & 1;
	bool jumbo = b[0] & 0x80;
	uint8_t flags = b[1];
	struct endpoint *me = &g->ep[flow][dir], *peer = &g->ep[flow][!dir];
	uint32_t seq = me->nxt + (uint32_t)(int16_t)(b[2] << 8 | b[3]);
	uint32_t ack = peer->nxt + (uint32_t)(int16_t)(b[4] << 8 | b[5]);
	uint32_t plen = (uint32_t)(b[8] << 8 | b[9]) % 1461u, i, tcplen;
	uint8_t *f = g->frame, *ip = f + 14, *th, opt[40];
	size_t olen = put_options(opt, (b[0] >> 3) & 15, b[11], me, peer);
	size_t iphl = flow ? 40 : 20, doff = 20 + (olen + 3) / 4 * 4;
	uint32_t s, end;
	int8_t step = (int8_t)b[10];

	if (jumbo)
		plen = (uint32_t)(flow ? 65535 - doff : JUMBO_V4 - (doff - 20)) -
		       (b[9] & 0x3f);
	tcplen = (uint32_t)doff + plen;
	memset(f, 0, 14 + iphl + doff);
	f[0] = 2, f[5] = (uint8_t)(1 + !dir);
	f[6] = 2, f[11] = (uint8_t)(1 + dir);
	put16(f + 12, flow ? 0x86dd : 0x0800);
	if (!flow) {
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + tcplen));
		ip[6] = 0x40;
		ip[8] = 64;
		ip[9] = 6;
		ip[12] = 10, ip[15] = (uint8_t)(1 + dir);
		ip[16] = 10, ip[19] = (uint8_t)(1 + !dir);
		put16(ip + 10, fold(sum16(0, ip, 20)));
	} else {
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)tcplen);
		ip[6] = 6;
		ip[7] = 64;
		ip[8] = 0xfd, ip[23] = (uint8_t)(1 + dir);
		ip[24] = 0xfd, ip[39] = (uint8_t)(1 + !dir);
	}
	th = ip + iphl;
	put16(th, dir ? 80 : 40000);
	put16(th + 2, dir ? 40000 : 80);
	put32(th + 4, seq);
	put32(th + 8, ack);
	th[12] = (uint8_t)(doff / 4 << 4);
	th[13] = flags;
	put16(th + 14, (uint16_t)(b[6] << 8 | b[7]));
	memcpy(th + 20, opt, olen);
	if (olen < doff - 20)
		memset(th + 20 + olen, 0, doff - 20 - olen);
	s = seq + ((flags & 0x02) ? 1u : 0u);
	for (i = 0; i < plen; i++)
		th[doff + i] = content(dir, s + i) ^ (ver ? 0xa5 : 0);
	/* TCP checksum over the pseudo-header (RFC 793, RFC 8200 8.1) */
	{
		uint32_t ps = 6 + tcplen;

		ps = flow ? sum16(sum16(ps, ip + 8, 16), ip + 24, 16)
			  : sum16(ps, ip + 12, 8);
		put16(th + 16, fold(sum16(ps, th, tcplen)));
	}
	sent_bytes[flow][dir] += plen;
	end = s + plen + ((flags & 0x01) ? 1u : 0u);
	if ((int32_t)(end - me->nxt) > 0)
		me->nxt = end;
	if (step == 0x7f)
		g->t_us += 100000000u;
	else if (step == -0x80)
		g->t_us -= 100000000u;
	else
		g->t_us += (uint64_t)(int64_t)step * 1000u;
	write_rec(g, (uint32_t)(14 + iphl + tcplen));
}

static bool write_capture(const uint8_t *segs, size_t n, bool high_isn)
{
	static struct gen g;
	uint32_t hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 262144, 1 };
	size_t i;

	g.f = fopen(pcap_path, "w");
	if (!g.f)
		return false;
	fwrite(hdr, sizeof(hdr), 1, g.f);
	g.t_us = 1700000000000000ull;
	for (i = 0; i < 2; i++) {
		uint32_t base = high_isn ? 0xfffff000u : 1000u;

		g.ep[i][0] = (struct endpoint){ base, 100 };
		g.ep[i][1] = (struct endpoint){ base * 7 + 5000000u, 9000 };
	}
	for (i = 0; i < n; i++)
		segment(&g, segs + 12 * i);
	return fclose(g.f) == 0;
}

/* --------------------------------------------------------- the callbacks */

/* A socket's record, found through its user context (mtcp_set_uctx(3)):
 * a socket id the library hands out again for a new flow reads NULL
 * there and gets a fresh record. */
static struct sockstate *state_of(mctx_t m, int sock)
{
	struct sockstate *st = mtcp_get_uctx(m, sock);

	if (st || nstates == MAXSOCK)
		return st;
	st = &states[nstates++];
	*st = (struct sockstate){ .seen = true };
	mtcp_set_uctx(m, sock, st);
	return st;
}

/* The ring of `side` holds what the other side sent. */
static int dir_of_ring(const struct sockstate *st, int side)
{
	return side == MOS_SIDE_SVR ? st->cli_dir : !st->cli_dir;
}

static bool init_seq(mctx_t m, int sock, int side, uint32_t *iseq)
{
	struct tcp_buf_info bi;
	socklen_t len = sizeof(bi);

	if (mtcp_getsockopt(m, sock, SOL_MONSOCKET,
			    side ? MOS_INFO_SVRBUF : MOS_INFO_CLIBUF, &bi,
			    &len) < 0)
		return false;
	*iseq = bi.tcpbi_init_seq;
	return true;
}

/* Bytes handed out at stream offset off of `side`'s ring: what was sent
 * at those sequence numbers, in either version. */
static void check_content(mctx_t m, int sock, int side, uint64_t off,
			  const uint8_t *b, size_t n)
{
	int dir = dir_of_ring(state_of(m, sock), side);
	uint32_t iseq;
	size_t i;

	if (tainted || !init_seq(m, sock, side, &iseq))
		return;
	if (getenv("FUZZ_TRACE"))
		fprintf(stderr, "check sock %d side %d at %llu+%zu: init %u\n",
			sock, side, (unsigned long long)off, n, iseq);
	for (i = 0; getenv("FUZZ_TRACE") && i < n; i++) {
		uint8_t want = content(dir, iseq + (uint32_t)(off + i));

		if (b[i] != want && b[i] != (want ^ 0xa5))
			fprintf(stderr, "  offset %llu: %02x, sent %02x\n",
				(unsigned long long)(off + i), b[i], want);
	}
	for (i = 0; i < n; i++) {
		uint8_t want = content(dir, iseq + (uint32_t)(off + i));

		FUZZ_CHECK(b[i] == want || b[i] == (want ^ 0xa5),
			   "side %d offset %llu: byte %02x, sent %02x", side,
			   (unsigned long long)(off + i), b[i], want);
	}
}

static void drain(mctx_t m, int sock, int side, size_t max)
{
	struct sockstate *st = state_of(m, sock);
	static uint8_t buf[70000];
	int guard;

	if (!st)
		return;
	for (guard = 0; guard < 100000 && max; guard++) {
		size_t want = max < sizeof(buf) ? max : sizeof(buf);
		ssize_t n = mtcp_peek(m, sock, side, (char *)buf, want);

		if (n == 0 || (n < 0 && errno != ENODATA))
			break;
		if (n < 0) {
			st->lost[side] += (uint64_t)-n;
			st->pos[side] += (uint64_t)-n;
			continue;
		}
		if (getenv("FUZZ_TRACE"))
			fprintf(stderr, "peek sock %d side %d at %llu: %zd\n",
				sock, side, (unsigned long long)st->pos[side],
				n);
		check_content(m, sock, side, st->pos[side], buf, (size_t)n);
		st->pos[side] += (uint64_t)n;
		st->delivered[side] += (uint64_t)n;
		max -= (size_t)n;
	}
	/* each flow (IPv4, IPv6) has its own 4-tuple; every socket of it
	 * counts the same bytes, so each may see at most what was sent */
	FUZZ_CHECK(st->delivered[side] <=
			   sent_bytes[st->flow][dir_of_ring(st, side)],
		   "side %d delivered %llu, %llu sent", side,
		   (unsigned long long)st->delivered[side],
		   (unsigned long long)
			   sent_bytes[st->flow][dir_of_ring(st, side)]);
}

static void check_pkt(mctx_t m, int sock, int side)
{
	struct pkt_info pi;
	volatile uint8_t s = 0;
	const uint8_t *base;
	size_t i;

	if (mtcp_getlastpkt(m, sock, side, &pi) < 0)
		return;
	base = (const uint8_t *)pi.ethh;
	/* every byte the fields describe is inside the copy: ASan sees a
	 * read past it */
	for (i = 0; i < pi.eth_len; i++)
		s ^= base[i];
	if (pi.iph) {
		FUZZ_CHECK((const uint8_t *)pi.iph >= base &&
				   (const uint8_t *)pi.iph + 20 <=
					   base + pi.eth_len,
			   "iph outside a %u-byte frame", pi.eth_len);
		for (i = 0; i < pi.ip_len; i++)
			s ^= ((const uint8_t *)pi.iph)[i];
	}
	if (pi.tcph) {
		/* eth_len 65535: a longer frame (its copy is whole, and
		 * AddressSanitizer checks the reads below) */
		FUZZ_CHECK(pi.payload >= (const uint8_t *)pi.tcph &&
				   (pi.payload + pi.payloadlen <=
					    base + pi.eth_len ||
				    pi.eth_len == UINT16_MAX),
			   "payload %td+%u outside a %u-byte frame",
			   pi.payload - base, pi.payloadlen, pi.eth_len);
		for (i = 0; i < pi.payloadlen; i++)
			s ^= pi.payload[i];
	}
	(void)s;
}

static void set_buf(mctx_t m, int sock, int side, int v)
{
	int rc = mtcp_setsockopt(m, sock, SOL_MONSOCKET,
				 side ? MOS_SVRBUF : MOS_CLIBUF, &v, sizeof(v));

	if (v < 0 || v > 2147482624)
		FUZZ_CHECK(rc < 0 && errno == EINVAL,
			   "MOS_*BUF %d: rc %d errno %d", v, rc, errno);
}

/* CHOMP or INSERT of k bytes in a region, total length first
 * (mtcp_setlastpkt(3): the caller rewrites it, then resizes). */
static void resize(mctx_t m, int sock, int side, uint8_t a, bool insert,
		   bool taints)
{
	static const int regions[] = { MOS_IP_HDR, MOS_TCP_HDR,
				       MOS_TCP_PAYLOAD, MOS_IP_HDR };
	static uint8_t ins[16] = "0123456789abcdef";
	int region = regions[(a >> 4) & 3];
	uint16_t k = (uint16_t)(((a >> 6) & 3) * 4 + 1);
	off_t at = (a >> 4) & 3 ? 0 : (a >> 6);	/* IP: offsets 0-3 */
	struct pkt_info pi;
	uint16_t tl;

	if (mtcp_getlastpkt(m, sock, side, &pi) < 0 || !pi.iph)
		return;
	tl = htons((uint16_t)(insert ? pi.ip_len + k : pi.ip_len - k));
	if (mtcp_setlastpkt(m, sock, side, 2, (byte *)&tl, 2,
			    MOS_IP_HDR | MOS_OVERWRITE) < 0)
		return;
	if (taints)
		tainted = true;
	if (mtcp_setlastpkt(m, sock, side, at, insert ? ins : NULL, k,
			    region | (insert ? MOS_INSERT : MOS_CHOMP) |
				    MOS_UPDATE_IP_CHKSUM |
				    MOS_UPDATE_TCP_CHKSUM) == 0 &&
	    insert && taints && state_of(m, sock)) {
		/* bytes added before the receiver sees the packet: the
		 * stream grows by them (either way, to stay an upper bound) */
		sent_bytes[state_of(m, sock)->flow][0] += k;
		sent_bytes[state_of(m, sock)->flow][1] += k;
	}
	check_pkt(m, sock, side);
}

/* At the first callback of a socket: the flow's key, as the monitor
 * keeps it (not the packet, which another socket's callback may have
 * rewritten already), says IPv4 or IPv6 and, by the client's port, which
 * endpoint the monitor takes as its client (the sender of the first SYN
 * it saw). */
static void learn_flow(mctx_t m, int sock, struct sockstate *st)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);
	uint16_t port;

	if (mtcp_getpeername(m, sock, (struct sockaddr *)&sa, &len,
			     MOS_SIDE_CLI) < 0)
		return;
	if (sa.ss_family == AF_INET6)
		port = ntohs(((struct sockaddr_in6 *)&sa)->sin6_port);
	else
		port = ntohs(((struct sockaddr_in *)&sa)->sin_port);
	st->flow = sa.ss_family == AF_INET6;
	st->cli_dir = port != 40000;
	st->known = true;
	if (getenv("FUZZ_TRACE"))
		fprintf(stderr, "sock %d: flow %d, client direction %d\n",
			sock, st->flow, st->cli_dir);
}

/* taints: a rewrite now changes what the receiving ring stores (at
 * MOS_HK_SND; at MOS_ON_REXMIT, raised before the payload is stored; at
 * MOS_ON_ERROR, raised while it is), so the bytes delivered are no
 * longer those sent. */
static void act(mctx_t m, int sock, int side, int hook, bool taints)
{
	static const int bufs[] = { 0, 1, 1024, 4096, 65536, 2147482624,
				    2147482625, INT_MAX };
	uint8_t a = script[script_i++ % 16];
	struct sockstate *st = state_of(m, sock);
	int s = side == MOS_SIDE_BOTH ? (a >> 4) & 1 : side, v;
	char buf[512];
	ssize_t n;

	if (!st)
		return;
	if (!st->known)
		learn_flow(m, sock, st);
	if (getenv("FUZZ_TRACE"))
		fprintf(stderr, "act sock %d side %d hook %#x: %#04x\n", sock,
			side, (unsigned)hook, a);
	switch (a & 15) {
	case 0:
		drain(m, sock, s, SIZE_MAX);
		break;
	case 1:
		drain(m, sock, s, (a >> 4) + 1u);
		break;
	case 2: {
		uint64_t off = st->pos[s] + (a >> 4) * 100u;

		off = off > 300 ? off - 300 : 0;
		n = mtcp_ppeek(m, sock, s, buf, sizeof(buf), off);
		if (n > 0)
			check_content(m, sock, s, off, (uint8_t *)buf,
				      (size_t)n);
		break;
	}
	case 3:
		set_buf(m, sock, (a >> 4) & 1, bufs[a >> 5]);
		break;
	case 4:
		if ((a >> 4) >= 12) {
			v = (a >> 4) - 12;
			(void)mtcp_setsockopt(m, sock, SOL_MONSOCKET,
					      MOS_STOP_MON, &v, sizeof(v));
		}
		break;
	case 5: {
		uint8_t x = a;

		if (mtcp_setlastpkt(m, sock, side, a >> 4, &x, 1,
				    MOS_TCP_PAYLOAD | MOS_OVERWRITE |
					    MOS_UPDATE_TCP_CHKSUM) == 0 &&
		    taints)
			tainted = true;
		break;
	}
	case 6:
	case 7:
		if (taints && !(setup_bits & 8))
			break;
		resize(m, sock, side, a, (a & 15) == 7, taints);
		break;
	case 8: {
		uint16_t tl = (uint16_t)(a * 257u);

		if (taints && !(setup_bits & 8))
			break;
		if (mtcp_setlastpkt(m, sock, side, 2, (byte *)&tl, 2,
				    MOS_IP_HDR | MOS_OVERWRITE) == 0 &&
		    taints)
			tainted = true;
		check_pkt(m, sock, side);
		break;
	}
	case 9:
		check_pkt(m, sock, side);
		break;
	case 10: {
		struct tcp_ring_fragment fr[8];
		socklen_t len = 8;

		(void)mtcp_getsockopt(m, sock, SOL_MONSOCKET,
				      s ? MOS_FRAGINFO_SVRBUF
					: MOS_FRAGINFO_CLIBUF, fr, &len);
		FUZZ_CHECK(len <= 8, "fraginfo wrote %u", (unsigned)len);
		break;
	}
	case 11:
		v = (a >> 4) & 1;
		(void)mtcp_setsockopt(m, sock, SOL_MONSOCKET,
				      (a >> 5) & 1 ? MOS_SVROVERLAP
						   : MOS_CLIOVERLAP,
				      &v, sizeof(v));
		break;
	case 12:
		/* off and on again mid-flow: the ring restarts at the
		 * flow's in-order end, the reader is told what it missed */
		set_buf(m, sock, s, 0);
		set_buf(m, sock, s, 1024 << ((a >> 5) & 7));
		break;
	case 13:
		if ((a >> 4) == 15)
			(void)mtcp_setlastpkt(m, sock, side, 0, NULL, 0,
					      MOS_DROP);
		break;
	default:
		break;
	}
}

static void cb_snd(mctx_t m, int sock, int side, event_t ev,
		   filter_arg_t *arg)
{
	(void)ev, (void)arg;
	act(m, sock, side, MOS_HK_SND, true);
}

static void cb_rcv(mctx_t m, int sock, int side, event_t ev,
		   filter_arg_t *arg)
{
	(void)arg;
	act(m, sock, side, MOS_HK_RCV, ev & MOS_ON_REXMIT);
}

static void cb_data(mctx_t m, int sock, int side, event_t ev,
		    filter_arg_t *arg)
{
	(void)ev, (void)arg;
	act(m, sock, side, MOS_NULL, false);
	drain(m, sock, side, SIZE_MAX);
}

static void cb_error(mctx_t m, int sock, int side, event_t ev,
		     filter_arg_t *arg)
{
	(void)ev, (void)arg;
	if (setup_bits & 4) {
		set_buf(m, sock, side, 0);
		set_buf(m, sock, side, 4096);
	}
	/* raised while a payload is being stored: a rewrite changes it */
	act(m, sock, side, MOS_NULL, true);
}

/* At the end everything is read: delivered + lost = the stream length. */
static void cb_end(mctx_t m, int sock, int side, event_t ev,
		   filter_arg_t *arg)
{
	struct sockstate *st = state_of(m, sock);
	int s;

	(void)side, (void)ev, (void)arg;
	if (!st)
		return;
	for (s = 0; s < 2; s++) {
		struct tcp_buf_info bi;
		socklen_t len = sizeof(bi);

		drain(m, sock, s, SIZE_MAX);
		if (mtcp_getsockopt(m, sock, SOL_MONSOCKET,
				    s ? MOS_INFO_SVRBUF : MOS_INFO_CLIBUF,
				    &bi, &len) < 0)
			continue;	/* buffer off or no byte ever */
		FUZZ_CHECK((uint32_t)st->pos[s] == bi.tcpbi_next_byte_expected,
			   "side %d: delivered %llu + lost %llu, stream %u",
			   s, (unsigned long long)st->delivered[s],
			   (unsigned long long)st->lost[s],
			   bi.tcpbi_next_byte_expected);
	}
}

static int listener(mctx_t m, int policy_bits)
{
	int s = mtcp_socket(m, AF_INET, MOS_SOCK_MONITOR_STREAM, 0), v;

	if (s < 0)
		return -1;
	if (mtcp_register_callback(m, s, MOS_ON_PKT_IN, MOS_HK_SND, cb_snd) ||
	    mtcp_register_callback(m, s, MOS_ON_PKT_IN, MOS_HK_RCV, cb_rcv) ||
	    mtcp_register_callback(m, s, MOS_ON_CONN_START, MOS_HK_SND,
				   cb_snd) ||
	    mtcp_register_callback(m, s, MOS_ON_REXMIT, MOS_HK_RCV, cb_rcv) ||
	    mtcp_register_callback(m, s, MOS_ON_TCP_STATE_CHANGE, MOS_HK_RCV,
				   cb_rcv) ||
	    mtcp_register_callback(m, s, MOS_ON_CONN_NEW_DATA, MOS_NULL,
				   cb_data) ||
	    mtcp_register_callback(m, s, MOS_ON_ERROR, MOS_NULL, cb_error) ||
	    mtcp_register_callback(m, s, MOS_ON_CONN_END, MOS_HK_RCV, cb_end))
		return -1;
	v = policy_bits & 1;
	(void)mtcp_setsockopt(m, s, SOL_MONSOCKET, MOS_CLIOVERLAP, &v,
			      sizeof(v));
	v = (policy_bits >> 1) & 1;
	(void)mtcp_setsockopt(m, s, SOL_MONSOCKET, MOS_SVROVERLAP, &v,
			      sizeof(v));
	return s;
}

/* ------------------------------------------------------------ the driver */

static void write_conf(const char *path, int rmem, int maxconc)
{
	FILE *f = fopen(path, "w");

	if (!f)
		abort();
	fprintf(f,
		"mos = {\n  io = \"pcap\";\n  forward = false;\n"
		"  mos_log = \"\";\n  rmem_size = %d;\n"
		"  max_concurrency = %d;\n"
		"  ports = ( { name = \"capture\"; core_mask = 0x1;\n"
		"              pcap_file = \"%s\"; } );\n};\n",
		rmem, maxconc, pcap_path);
	if (fclose(f) != 0)
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	(void)argc, (void)argv;
	snprintf(pcap_path, sizeof(pcap_path), "%s/libmos-fuzz-%d.pcap", dir,
		 (int)getpid());
	snprintf(conf_path[0], sizeof(conf_path[0]),
		 "%s/libmos-fuzz-%d-a.conf", dir, (int)getpid());
	snprintf(conf_path[1], sizeof(conf_path[1]),
		 "%s/libmos-fuzz-%d-b.conf", dir, (int)getpid());
	write_conf(conf_path[0], 4096, 8);
	write_conf(conf_path[1], 65536, 64);
	return 0;
}

static void cleanup(void) __attribute__((destructor));
static void cleanup(void)
{
	if (*pcap_path) {
		unlink(pcap_path);
		unlink(conf_path[0]);
		unlink(conf_path[1]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t nseg;
	mctx_t m;

	if (size < 17)
		return 0;
	setup_bits = data[0];
	memcpy(script, data + 1, 16);
	script_i = 0;
	tainted = false;
	memset(sent_bytes, 0, sizeof(sent_bytes));
	nstates = 0;
	nseg = (size - 17) / 12;
	if (nseg > MAXSEG)
		nseg = MAXSEG;
	if (!write_capture(data + 17, nseg, setup_bits & 0x40))
		return 0;
	FUZZ_CHECK(mtcp_init(conf_path[setup_bits & 1]) == 0, "mtcp_init: %s",
		   strerror(errno));
	m = mtcp_create_context(0);
	FUZZ_CHECK(m, "mtcp_create_context: %s", strerror(errno));
	FUZZ_CHECK(listener(m, (setup_bits >> 4) & 3) >= 0, "listener");
	if (setup_bits & 2)
		FUZZ_CHECK(listener(m, ~(setup_bits >> 4) & 3) >= 0,
			   "listener");
	mtcp_app_join(m);
	FUZZ_CHECK(mtcp_destroy_context(m) == 0, "destroy_context");
	FUZZ_CHECK(mtcp_destroy() == 0, "mtcp_destroy");
	return 0;
}
