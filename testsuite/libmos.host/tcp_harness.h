/*
 * tcp_harness.h -- an in-process scripted peer for the TCP engine: an env
 * that keeps every frame the engine sends in a queue, a clock the test
 * advances, and a builder for the peer's segments.
 *
 * The peer is 10.0.0.2, the engine 10.0.0.1.  Every frame the engine sends
 * is parsed with checksum verification, so a wrong checksum fails the
 * test that looks at the segment.
 */
#ifndef TCP_HARNESS_H
#define TCP_HARNESS_H

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "pkt_parse.h"
#include "host/tcp.h"
#include "tap.h"

#define H_MAXQ 4096
#define H_ROOM 2048

struct h_seg {			/* a captured segment, parsed */
	struct mos_frame *f;
	struct mos_pkt p;
	int kind;
	int nsack;
	uint32_t sack[4][2];
	uint8_t opt_kinds[20];	/* option kinds in order (NOP, EOL too) */
	int nopt;
};

struct harness {
	struct mos_tcp *eng;
	uint64_t now;		/* microseconds */
	struct h_seg q[H_MAXQ];
	int qhead, qlen;
	int fail_alloc;		/* alloc returns NULL while > 0 */
	unsigned events[64];	/* notify masks seen, in order */
	struct mos_tcb *ev_tcb[64];
	int nev;
	unsigned ev_all;
	uint32_t ip_local, ip_peer;
};

static struct mos_frame *h_alloc(void *arg)
{
	struct harness *h = arg;
	struct mos_frame *f;

	if (h->fail_alloc > 0) {
		h->fail_alloc--;
		return NULL;
	}
	f = calloc(1, sizeof(*f) + H_ROOM);
	if (!f)
		return NULL;
	f->data = (uint8_t *)(f + 1);
	f->room = H_ROOM;
	return f;
}

static void h_parse_opts(struct h_seg *s)
{
	const uint8_t *o = s->p.frame + s->p.l4_off + 20;
	int n = ((s->p.frame[s->p.l4_off + 12] >> 4) * 4) - 20;

	for (int i = 0; i < n;) {
		if (s->nopt < 20)
			s->opt_kinds[s->nopt++] = o[i];
		if (o[i] == 0)
			break;
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= n || o[i + 1] < 2)
			break;
		if (o[i] == 5) {
			for (int k = 0; k + 8 <= o[i + 1] - 2 && s->nsack < 4;
			     k += 8) {
				const uint8_t *b = o + i + 2 + k;

				s->sack[s->nsack][0] = (uint32_t)b[0] << 24 |
					(uint32_t)b[1] << 16 | b[2] << 8 | b[3];
				s->sack[s->nsack][1] = (uint32_t)b[4] << 24 |
					(uint32_t)b[5] << 16 | b[6] << 8 | b[7];
				s->nsack++;
			}
		}
		i += o[i + 1];
	}
}

static void h_xmit(void *arg, struct mos_frame *f, uint32_t saddr,
		   uint32_t daddr)
{
	struct harness *h = arg;
	struct h_seg *s;

	(void)saddr;
	(void)daddr;
	if (h->qlen == H_MAXQ) {
		printf("# harness queue full, frame dropped\n");
		free(f);
		return;
	}
	/* fake an Ethernet header so the parser takes it */
	memset(f->data, 0, 12);
	f->data[12] = 0x08;
	f->data[13] = 0x00;
	s = &h->q[(h->qhead + h->qlen++) % H_MAXQ];
	memset(s, 0, sizeof(*s));
	s->f = f;
	s->kind = mos_pkt_parse(&s->p, f->data, f->len, true);
	if (s->kind == MOS_PKT_TCP)
		h_parse_opts(s);
}

static void h_notify(void *arg, struct mos_tcb *t, unsigned ev)
{
	struct harness *h = arg;

	if (h->nev < 64) {
		h->events[h->nev] = ev;
		h->ev_tcb[h->nev++] = t;
	}
	h->ev_all |= ev;
}

static struct mos_tcp_conf h_conf(void)
{
	struct mos_tcp_conf c;

	memset(&c, 0, sizeof(c));
	c.rmem = 65536;
	c.wmem = 65536;
	c.max_tcbs = 64;
	c.tw_sec = 2;
	c.mss = 1460;
	c.iss_secret = 12345;
	return c;
}

static void h_init_conf(struct harness *h, const struct mos_tcp_conf *c)
{
	struct mos_tcp_env env = { h, h_alloc, h_xmit, h_notify };

	memset(h, 0, sizeof(*h));
	h->now = 1000000;
	h->ip_local = htonl(0x0a000001);
	h->ip_peer = htonl(0x0a000002);
	h->eng = mos_tcp_new(c, &env, h->now);
	if (!h->eng) {
		perror("mos_tcp_new");
		exit(1);
	}
}

static void h_init(struct harness *h)
{
	struct mos_tcp_conf c = h_conf();

	h_init_conf(h, &c);
}

static void h_drain(struct harness *h)
{
	while (h->qlen) {
		free(h->q[h->qhead].f);
		h->qhead = (h->qhead + 1) % H_MAXQ;
		h->qlen--;
	}
}

static void h_fini(struct harness *h)
{
	h_drain(h);
	mos_tcp_free(h->eng);
}

/* The next segment the engine sent (copied), or kind -1 when none. */
static struct h_seg h_pop(struct harness *h)
{
	static uint8_t keep[8][H_ROOM];
	static int ki;
	struct h_seg s;

	if (!h->qlen) {
		memset(&s, 0, sizeof(s));
		s.kind = -1;
		return s;
	}
	s = h->q[h->qhead];
	h->qhead = (h->qhead + 1) % H_MAXQ;
	h->qlen--;
	/* keep the bytes alive a little while (payload checks) */
	ki = (ki + 1) % 8;
	memcpy(keep[ki], s.f->data, s.f->len);
	s.p.frame = keep[ki];
	free(s.f);
	s.f = NULL;
	return s;
}

/* Advance the clock by ms, running the timers every millisecond. */
static void h_advance(struct harness *h, uint64_t ms)
{
	for (uint64_t i = 0; i < ms; i++) {
		h->now += 1000;
		mos_tcp_timers(h->eng, h->now);
	}
}

/* Advance until the engine sends something or ms pass; returns the ms
 * waited (or ms + 1 when nothing came). */
static uint64_t h_wait_output(struct harness *h, uint64_t ms)
{
	for (uint64_t i = 1; i <= ms; i++) {
		h->now += 1000;
		mos_tcp_timers(h->eng, h->now);
		if (h->qlen)
			return i;
	}
	return ms + 1;
}

/* What the peer sends. */
struct h_out {
	uint16_t sport, dport;		/* host order */
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	int mss, ws;			/* -1: absent */
	int sackok;
	int ts;				/* 1: timestamps present */
	uint32_t tsval, tsecr;
	int nsack;
	uint32_t sack[4][2];
	const void *data;
	uint32_t len;
	int bad_csum;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static struct h_out h_seg(uint16_t sport, uint16_t dport, uint32_t seq,
			  uint32_t ack, uint8_t flags, uint16_t win)
{
	struct h_out o;

	memset(&o, 0, sizeof(o));
	o.sport = sport;
	o.dport = dport;
	o.seq = seq;
	o.ack = ack;
	o.flags = flags;
	o.win = win;
	o.mss = -1;
	o.ws = -1;
	return o;
}

/* Build the peer's frame and give it to the engine. */
static void h_send(struct harness *h, const struct h_out *o)
{
	static uint8_t fr[H_ROOM + 9000];
	uint8_t opt[40], *ip = fr + 14, *th = fr + 34;
	unsigned ol = 0, thl, iplen;
	struct mos_frame f;
	uint16_t c;

	if (o->mss >= 0) {
		opt[ol++] = 2; opt[ol++] = 4;
		put16(opt + ol, (uint16_t)o->mss); ol += 2;
	}
	if (o->sackok) {
		opt[ol++] = 1; opt[ol++] = 1; opt[ol++] = 4; opt[ol++] = 2;
	}
	if (o->ts) {
		opt[ol++] = 1; opt[ol++] = 1; opt[ol++] = 8; opt[ol++] = 10;
		put32(opt + ol, o->tsval); ol += 4;
		put32(opt + ol, o->tsecr); ol += 4;
	}
	if (o->ws >= 0) {
		opt[ol++] = 1; opt[ol++] = 3; opt[ol++] = 3;
		opt[ol++] = (uint8_t)o->ws;
	}
	if (o->nsack) {
		opt[ol++] = 1; opt[ol++] = 1; opt[ol++] = 5;
		opt[ol++] = (uint8_t)(2 + 8 * o->nsack);
		for (int i = 0; i < o->nsack; i++) {
			put32(opt + ol, o->sack[i][0]); ol += 4;
			put32(opt + ol, o->sack[i][1]); ol += 4;
		}
	}
	thl = 20 + ol;
	iplen = 20 + thl + o->len;
	memset(fr, 0, 34 + thl);
	fr[12] = 0x08;
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)iplen);
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, &h->ip_peer, 4);
	memcpy(ip + 16, &h->ip_local, 4);
	c = mos_csum_ipv4_hdr(ip, 20);
	memcpy(ip + 10, &c, 2);
	put16(th, o->sport);
	put16(th + 2, o->dport);
	put32(th + 4, o->seq);
	put32(th + 8, o->ack);
	th[12] = (uint8_t)((thl / 4) << 4);
	th[13] = o->flags;
	put16(th + 14, o->win);
	memcpy(th + 20, opt, ol);
	if (o->len)
		memcpy(th + thl, o->data, o->len);
	memset(&f, 0, sizeof(f));
	f.data = fr;
	f.len = 14 + iplen;
	f.room = sizeof(fr);
	f.kind = mos_pkt_parse(&f.pkt, fr, f.len, false);
	c = mos_csum_tcp(&f.pkt);
	if (o->bad_csum)
		c ^= 0x5a5a;
	memcpy(th + 16, &c, 2);
	mos_tcp_input(h->eng, &f, h->now);
}

static const char *h_flags(uint8_t fl)
{
	static char b[4][16];
	static int i;
	char *p = b[i = (i + 1) % 4];

	p[0] = 0;
	if (fl & MOS_TH_SYN) strcat(p, "S");
	if (fl & MOS_TH_ACK) strcat(p, "A");
	if (fl & MOS_TH_FIN) strcat(p, "F");
	if (fl & MOS_TH_RST) strcat(p, "R");
	if (fl & MOS_TH_PSH) strcat(p, "P");
	if (!p[0]) strcat(p, "-");
	return p;
}

static void h_show(const char *what, const struct h_seg *s)
{
	if (s->kind != MOS_PKT_TCP) {
		printf("# %s: %s\n", what, s->kind == -1 ? "no segment" :
		       mos_pkt_kind_name(s->kind));
		return;
	}
	printf("# %s: %s seq %u ack %u win %u len %u mss %d ws %d sackok %d "
	       "ts %d nsack %d\n", what, h_flags(s->p.flags), s->p.seq,
	       s->p.ack, s->p.win, s->p.payload_len, s->p.mss, s->p.wscale,
	       s->p.sack_perm, s->p.has_ts, s->nsack);
}

/* Pop one segment and check flags, seq, ack (ack checked only with ACK
 * set) and payload length; win < 0 skips the window. */
static struct h_seg h_expect(struct harness *h, const char *what,
			     uint8_t flags, uint32_t seq, uint32_t ack,
			     int win, uint32_t len)
{
	struct h_seg s = h_pop(h);
	int good = s.kind == MOS_PKT_TCP && s.p.flags == flags &&
		   s.p.seq == seq && s.p.payload_len == len &&
		   (!(flags & MOS_TH_ACK) || s.p.ack == ack) &&
		   (win < 0 || s.p.win == win);

	if (!ok(good, "%s: %s seq %u ack %u len %u", what, h_flags(flags),
		seq, ack, len))
		h_show("got", &s);
	return s;
}

static void h_expect_none(struct harness *h, const char *what)
{
	struct h_seg s;

	if (!ok(h->qlen == 0, "%s: nothing sent", what)) {
		s = h_pop(h);
		h_show("got", &s);
		h_drain(h);
	}
}

#endif
