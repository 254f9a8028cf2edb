/*
 * t_defrag: the IP reassembly table (lib/ip_defrag.c) on fragments made
 * here from known TCP segments: IPv4 and IPv6, in order and reversed,
 * overlaps under both policies, duplicates, missing fragments and the
 * timeout, tiny fragments (RFC 1858, RFC 7112), bad lengths, and the
 * limits (byte budget, datagram table, fragments per datagram), each drop
 * counted under its reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "ip_defrag.h"
#include "pkt_parse.h"
#include "tap.h"

#define ETH 14
#define SEC 1000000ull
#define MAXF 70000

static const uint8_t mac_hdr[ETH] = {
	0, 1, 2, 3, 4, 5, 0, 6, 7, 8, 9, 10, 0x08, 0x00
};

/* A whole datagram: link + IP header (hlen bytes) + L4 bytes. */
struct dgram {
	uint8_t b[MAXF];
	uint32_t hlen;		/* link + IP header */
	uint32_t len;		/* all of it */
	int ipver;
};

struct frag {
	uint8_t b[MAXF];
	struct mos_frame f;
};

static uint64_t counts[MOS_DF_COUNT];

static void wr16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void payload(uint8_t *p, uint32_t n, unsigned seed)
{
	for (uint32_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 8));
}

/* TCP header (doff 5, ACK|PSH) and N payload bytes at T, checksum set. */
static void tcp_segment(struct dgram *d, uint32_t n, unsigned seed)
{
	uint8_t *t = d->b + d->hlen;
	struct mos_pkt p;

	memset(t, 0, 20);
	wr16(t, 40000);
	wr16(t + 2, 80);
	t[7] = 1;		/* seq 1 */
	t[11] = 1;		/* ack 1 */
	t[12] = 5 << 4;
	t[13] = MOS_TH_ACK | MOS_TH_PSH;
	wr16(t + 14, 65535);
	payload(t + 20, n, seed);
	d->len = d->hlen + 20 + n;
	/* the parse fills what the checksum needs, good or not */
	mos_pkt_parse(&p, d->b, d->len, false);
	{
		uint16_t sum = mos_csum_tcp(&p);

		memcpy(t + 16, &sum, 2);
	}
}

static void make4(struct dgram *d, uint32_t n, unsigned seed, uint8_t proto)
{
	uint8_t *ip = d->b + ETH;

	memset(d, 0, sizeof(*d));
	d->ipver = 4;
	memcpy(d->b, mac_hdr, ETH);
	ip[0] = 0x45;
	ip[8] = 64;
	ip[9] = proto;
	ip[12] = 192, ip[13] = 0, ip[14] = 2, ip[15] = 1;
	ip[16] = 198, ip[17] = 51, ip[18] = 100, ip[19] = 2;
	d->hlen = ETH + 20;
	wr16(ip + 2, 20 + 20 + n);
	{
		/* first: the TCP checksum needs a parse past the IP header */
		uint16_t sum = mos_csum_ipv4_hdr(ip, 20);

		memcpy(ip + 10, &sum, 2);
	}
	if (proto == 6) {
		tcp_segment(d, n, seed);
	} else {
		payload(d->b + d->hlen, 20 + n, seed);
		d->len = d->hlen + 20 + n;
	}
}

static void make6(struct dgram *d, uint32_t n, unsigned seed)
{
	uint8_t *ip = d->b + ETH;

	memset(d, 0, sizeof(*d));
	d->ipver = 6;
	memcpy(d->b, mac_hdr, ETH);
	d->b[12] = 0x86, d->b[13] = 0xdd;
	ip[0] = 0x60;
	wr16(ip + 4, 20 + n);
	ip[6] = 6;
	ip[7] = 64;
	ip[8] = 0x20, ip[9] = 0x01, ip[10] = 0x0d, ip[11] = 0xb8, ip[23] = 1;
	ip[24] = 0x20, ip[25] = 0x01, ip[26] = 0x0d, ip[27] = 0xb8, ip[39] = 2;
	d->hlen = ETH + 40;
	tcp_segment(d, n, seed);
}

/*
 * Fragment of D's fragmentable part [off, off + n), MORE set or not, with
 * identification ID; XOR (if not 0) flips every byte of the part (an
 * overlap carrying other bytes).
 */
static struct mos_frame *frag(struct frag *fr, const struct dgram *d,
			      uint32_t off, uint32_t n, bool more,
			      uint32_t id, uint8_t xor)
{
	uint8_t *b = fr->b, *ip = b + ETH;
	uint32_t at;

	memcpy(b, d->b, d->hlen);
	if (d->ipver == 4) {
		wr16(ip + 2, 20 + n);
		wr16(ip + 4, id);
		wr16(ip + 6, (more ? 0x2000u : 0) | off / 8);
		ip[10] = ip[11] = 0;
		{
			uint16_t sum = mos_csum_ipv4_hdr(ip, 20);

			memcpy(ip + 10, &sum, 2);
		}
		at = d->hlen;
	} else {
		uint8_t *fh = ip + 40;

		ip[6] = 44;
		wr16(ip + 4, 8 + n);
		fh[0] = 6;
		fh[1] = 0;
		wr16(fh + 2, off | (more ? 1u : 0));
		fh[4] = (uint8_t)(id >> 24), fh[5] = (uint8_t)(id >> 16);
		fh[6] = (uint8_t)(id >> 8), fh[7] = (uint8_t)id;
		at = d->hlen + 8;
	}
	memcpy(b + at, d->b + d->hlen + off, n);
	for (uint32_t i = 0; xor && i < n; i++)
		b[at + i] ^= xor;
	memset(&fr->f, 0, sizeof(fr->f));
	fr->f.data = b;
	fr->f.len = at + n;
	fr->f.room = MAXF;
	fr->f.kind = mos_pkt_parse(&fr->f.pkt, b, fr->f.len, true);
	return &fr->f;
}

static struct frag F;
static struct mos_frame whole;

static int feed(struct mos_defrag *t, const struct dgram *d, uint32_t off,
		uint32_t n, bool more, uint32_t id, uint64_t now)
{
	struct mos_frame *f = frag(&F, d, off, n, more, id, 0);

	if (f->kind != MOS_PKT_FRAGMENT) {
		printf("# fragment parsed as %s\n", mos_pkt_kind_name(f->kind));
		return -1;
	}
	return mos_defrag_input(t, f, now, &whole, counts);
}

/* WHOLE parses as TCP with a good checksum and holds D's bytes. */
static bool whole_is(const struct dgram *d)
{
	struct mos_pkt p;
	int kind = mos_pkt_parse(&p, whole.data, whole.len, true);

	if (kind != MOS_PKT_TCP || whole.len != d->len) {
		printf("# whole: %s, %u bytes (want %u)\n",
		       mos_pkt_kind_name(kind), whole.len, d->len);
		return false;
	}
	return memcmp(whole.data + d->hlen, d->b + d->hlen,
		      d->len - d->hlen) == 0 &&
	       memcmp(whole.data, d->b, ETH) == 0;
}

static struct mos_defrag *table(bool last_wins, size_t memory, int dgrams)
{
	struct mos_defrag_conf c = {
		.last_wins = last_wins, .timeout_us = 30 * SEC,
		.memory = memory, .max_datagrams = dgrams,
	};

	memset(counts, 0, sizeof(counts));
	return mos_defrag_create(&c);
}

static bool usage_is(const struct mos_defrag *t, int dgrams, size_t bytes)
{
	int n;
	size_t b;

	mos_defrag_usage(t, &n, &b);
	if (n != dgrams || b != bytes)
		printf("# usage: %d datagrams %zu bytes\n", n, b);
	return n == dgrams && b == bytes;
}

/* ------------------------------------------------------------ cases */

static struct dgram D, E;

static void test_order(int ipver, bool reversed)
{
	const char *v = ipver == 4 ? "IPv4" : "IPv6";
	const char *o = reversed ? "reversed" : "in order";
	struct mos_defrag *t = table(false, 1 << 20, 64);
	int r[3];

	if (ipver == 4)
		make4(&D, 3980, 1, 6);	/* 4000 bytes of TCP */
	else
		make6(&D, 3980, 1);
	if (!reversed) {
		r[0] = feed(t, &D, 0, 1480, true, 7, 0);
		r[1] = feed(t, &D, 1480, 1480, true, 7, 1);
		r[2] = feed(t, &D, 2960, 1040, false, 7, 2);
	} else {
		r[0] = feed(t, &D, 2960, 1040, false, 7, 0);
		r[1] = feed(t, &D, 1480, 1480, true, 7, 1);
		r[2] = feed(t, &D, 0, 1480, true, 7, 2);
	}
	ok(r[0] == MOS_DEFRAG_HELD && r[1] == MOS_DEFRAG_HELD &&
	   r[2] == MOS_DEFRAG_DONE, "%s %s: held, held, done", v, o);
	ok(whole_is(&D), "%s %s: the datagram as sent, TCP checksum good",
	   v, o);
	ok(counts[MOS_DF_FRAGMENTS] == 3 && counts[MOS_DF_REASSEMBLED] == 1,
	   "%s %s: 3 fragments, 1 reassembled", v, o);
	ok(usage_is(t, 0, 0), "%s %s: nothing held after", v, o);
	mos_defrag_destroy(t);
}

/* [0,48) as sent, [40,88) with other bytes, [88,end) last. */
static void test_overlap4(bool last_wins)
{
	const char *pol = last_wins ? "last" : "first";
	struct mos_defrag *t = table(last_wins, 1 << 20, 64);
	struct mos_frame *f;
	int r[3];

	make4(&D, 180, 2, 6);	/* 200 bytes of TCP */
	r[0] = feed(t, &D, 0, 48, true, 9, 0);
	f = frag(&F, &D, 40, 48, true, 9, 0xff);
	r[1] = mos_defrag_input(t, f, 0, &whole, counts);
	r[2] = feed(t, &D, 88, 112, false, 9, 0);
	ok(r[0] == MOS_DEFRAG_HELD && r[1] == MOS_DEFRAG_HELD &&
	   r[2] == MOS_DEFRAG_DONE, "IPv4 overlap, policy %s: reassembled",
	   pol);
	ok(counts[MOS_DF_OVERLAP4] == 1, "IPv4 overlap, policy %s: counted",
	   pol);
	/* the second fragment's bytes are all other bytes; where both
	 * fragments have [40,48), the policy picks */
	{
		const uint8_t *l4 = whole.data + D.hlen;
		uint32_t from = last_wins ? 40 : 48;
		bool good = whole.len == D.len;

		for (uint32_t i = 0; good && i < D.len - D.hlen; i++) {
			unsigned want = D.b[D.hlen + i];

			if (i >= from && i < 88)
				want = (want ^ 0xffu) & 0xffu;
			good = l4[i] == want;
		}
		ok(good, "IPv4 overlap, policy %s: [40,48) from the %s "
		   "fragment, the rest from the one that had it", pol,
		   last_wins ? "later" : "earlier");
	}
	mos_defrag_destroy(t);
}

static void test_duplicate(int ipver)
{
	const char *v = ipver == 4 ? "IPv4" : "IPv6";
	struct mos_defrag *t = table(false, 1 << 20, 64);
	int r[4];

	if (ipver == 4)
		make4(&D, 980, 3, 6);
	else
		make6(&D, 980, 3);
	r[0] = feed(t, &D, 0, 504, true, 11, 0);
	r[1] = feed(t, &D, 0, 504, true, 11, 0);
	r[2] = feed(t, &D, 504, 496, false, 11, 0);
	r[3] = feed(t, &D, 504, 496, false, 11, 0);
	ok(r[0] == MOS_DEFRAG_HELD && r[1] == MOS_DEFRAG_DROPPED &&
	   r[2] == MOS_DEFRAG_DONE && counts[MOS_DF_DUPLICATE] == 1 &&
	   whole_is(&D), "%s duplicate: dropped and counted, the datagram "
	   "whole", v);
	/* a copy coming after the datagram was done starts a new one,
	 * which never completes: the timeout takes it */
	ok(r[3] == MOS_DEFRAG_HELD && usage_is(t, 1, 512),
	   "%s duplicate after the end: held as a new datagram", v);
	mos_defrag_expire(t, 30 * SEC, counts);
	ok(counts[MOS_DF_TIMEOUT] == 1 && usage_is(t, 0, 0),
	   "%s duplicate after the end: expires, counted", v);
	mos_defrag_destroy(t);
}

static void test_missing_timeout(void)
{
	struct mos_defrag *t = table(false, 1 << 20, 64);
	int r[3];

	make4(&D, 2980, 4, 6);
	r[0] = feed(t, &D, 0, 1000, true, 13, 5 * SEC);
	r[1] = feed(t, &D, 2000, 1000, false, 13, 6 * SEC);
	ok(r[0] == MOS_DEFRAG_HELD && r[1] == MOS_DEFRAG_HELD,
	   "missing fragment: the others held");
	mos_defrag_expire(t, 35 * SEC - 1, counts);
	ok(counts[MOS_DF_TIMEOUT] == 0 && usage_is(t, 1, 2048),
	   "missing fragment: kept until 30 s after the first");
	/* the clock is the caller's (the capture's offline) */
	r[2] = feed(t, &D, 1000, 1000, true, 13, 35 * SEC);
	ok(r[2] == MOS_DEFRAG_HELD && counts[MOS_DF_TIMEOUT] == 1 &&
	   counts[MOS_DF_REASSEMBLED] == 0,
	   "missing fragment: at 30 s the datagram expires, counted; the "
	   "late fragment starts anew");
	mos_defrag_flush(t, counts);
	ok(counts[MOS_DF_PENDING] == 1 && usage_is(t, 0, 0),
	   "end of input: the incomplete datagram counted as pending");
	mos_defrag_destroy(t);
}

static void test_overlap6(void)
{
	struct mos_defrag *t = table(true, 1 << 20, 64);
	int r[4];

	make6(&D, 180, 5);
	r[0] = feed(t, &D, 0, 48, true, 15, 0);
	r[1] = feed(t, &D, 40, 48, true, 15, 0);
	r[2] = feed(t, &D, 88, 112, false, 15, 0);
	r[3] = feed(t, &D, 48, 40, true, 15, 0);
	ok(r[0] == MOS_DEFRAG_HELD && r[1] == MOS_DEFRAG_DROPPED &&
	   counts[MOS_DF_OVERLAP6] == 1, "IPv6 overlap: the datagram "
	   "abandoned (RFC 5722), counted");
	ok(r[2] == MOS_DEFRAG_DROPPED && r[3] == MOS_DEFRAG_DROPPED &&
	   counts[MOS_DF_ABANDONED] == 2 && counts[MOS_DF_REASSEMBLED] == 0,
	   "IPv6 overlap: its later fragments dropped too, counted");
	ok(usage_is(t, 1, 0), "IPv6 overlap: no bytes held, the entry kept "
	   "until the timeout");
	mos_defrag_expire(t, 30 * SEC, counts);
	ok(usage_is(t, 0, 0) && counts[MOS_DF_TIMEOUT] == 0,
	   "IPv6 overlap: the entry goes at the timeout, not counted twice");
	mos_defrag_destroy(t);
}

static void test_tiny(void)
{
	struct mos_defrag *t = table(false, 1 << 20, 64);
	struct mos_frame *f;

	make4(&D, 180, 6, 6);
	ok(feed(t, &D, 8, 40, true, 17, 0) == MOS_DEFRAG_DROPPED &&
	   counts[MOS_DF_TINY] == 1, "tiny: IPv4 TCP at fragment offset 1 "
	   "dropped (RFC 1858)");
	ok(feed(t, &D, 0, 16, true, 18, 0) == MOS_DEFRAG_DROPPED &&
	   counts[MOS_DF_TINY] == 2, "tiny: a first fragment shorter than "
	   "the TCP header dropped");
	/* a first fragment of 24 bytes whose header says 32 */
	D.b[D.hlen + 12] = 8 << 4;
	f = frag(&F, &D, 0, 24, true, 19, 0);
	ok(mos_defrag_input(t, f, 0, &whole, counts) == MOS_DEFRAG_DROPPED &&
	   counts[MOS_DF_TINY] == 3, "tiny: a first fragment cutting the TCP "
	   "options dropped");
	make6(&D, 180, 6);
	ok(feed(t, &D, 0, 16, true, 20, 0) == MOS_DEFRAG_DROPPED &&
	   counts[MOS_DF_TINY] == 4, "tiny: IPv6 first fragment without the "
	   "whole TCP header dropped (RFC 7112)");
	make4(&E, 180, 6, 17);
	ok(feed(t, &E, 8, 40, true, 21, 0) == MOS_DEFRAG_HELD,
	   "tiny: offset 1 of UDP is not TCP's business, held");
	ok(usage_is(t, 1, 512), "tiny: nothing else held");
	mos_defrag_destroy(t);
}

static void test_badlen(void)
{
	struct mos_defrag *t = table(false, 1 << 20, 64);

	make4(&D, 980, 7, 6);
	ok(feed(t, &D, 0, 500, true, 23, 0) == MOS_DEFRAG_DROPPED &&
	   counts[MOS_DF_BADLEN] == 1, "bad length: a non-last fragment not "
	   "a multiple of 8");
	ok(feed(t, &D, 0, 504, true, 24, 0) == MOS_DEFRAG_HELD &&
	   feed(t, &D, 504, 496, false, 24, 0) == MOS_DEFRAG_DONE,
	   "bad length: the same datagram cut right reassembles");
	ok(feed(t, &D, 504, 496, false, 25, 0) == MOS_DEFRAG_HELD &&
	   feed(t, &D, 504, 400, false, 25, 0) == MOS_DEFRAG_DROPPED &&
	   counts[MOS_DF_BADLEN] == 2, "bad length: a second end that "
	   "disagrees");
	ok(feed(t, &D, 0, 504, true, 25, 0) == MOS_DEFRAG_DONE &&
	   whole_is(&D), "bad length: the datagram completes with its "
	   "first end");
	make4(&E, 180, 7, 17);
	/* 8184 * 8 = 65472: 65472 + 20 + 200 > 65535 */
	ok(feed(t, &E, 65472, 200, false, 26, 0) == MOS_DEFRAG_DROPPED &&
	   counts[MOS_DF_BADLEN] == 3, "bad length: past 64 KiB");
	mos_defrag_destroy(t);
}

static void test_budget(void)
{
	struct mos_defrag *t = table(false, 64 * 1024, 1000);
	int held = 0, dropped = 0;
	size_t bytes;
	int n;

	make4(&D, 3000, 8, 6);
	/* first fragments of 200 datagrams, 1480 bytes (3 chunks) each */
	for (uint32_t id = 0; id < 200; id++) {
		int r = feed(t, &D, 0, 1480, true, 1000 + id, 0);

		held += r == MOS_DEFRAG_HELD;
		dropped += r == MOS_DEFRAG_DROPPED;
	}
	mos_defrag_usage(t, &n, &bytes);
	ok(held == 42 && dropped == 158 && counts[MOS_DF_MEMORY] == 158,
	   "byte budget: 64 KiB hold 42 fragments, the rest refused and "
	   "counted (held %d, dropped %d)", held, dropped);
	ok(bytes <= 64 * 1024 && n == 42, "byte budget: never more held "
	   "(%zu bytes, %d datagrams)", bytes, n);
	mos_defrag_expire(t, 30 * SEC, counts);
	ok(usage_is(t, 0, 0) && counts[MOS_DF_TIMEOUT] == 42,
	   "byte budget: all of it back at the timeout");
	ok(feed(t, &D, 0, 1480, true, 5000, 30 * SEC) == MOS_DEFRAG_HELD,
	   "byte budget: room again afterwards");
	mos_defrag_destroy(t);

	t = table(false, 1 << 20, 4);
	for (uint32_t id = 0; id < 5; id++)
		feed(t, &D, 0, 1480, true, 2000 + id, 0);
	ok(counts[MOS_DF_TABLE] == 1 && usage_is(t, 4, 4 * 1536),
	   "datagram table: the fifth datagram refused and counted");
	mos_defrag_destroy(t);
}

static void test_toomany(void)
{
	struct mos_defrag *t = table(false, 1 << 20, 64);
	int r = MOS_DEFRAG_HELD;
	uint32_t i;

	make4(&E, 2000, 9, 17);
	for (i = 0; i < 129 && r == MOS_DEFRAG_HELD; i++)
		r = feed(t, &E, i * 8, 8, true, 31, 0);
	ok(i == 129 && r == MOS_DEFRAG_DROPPED &&
	   counts[MOS_DF_TOOMANY] == 1, "too many fragments: the 129th "
	   "abandons the datagram, counted");
	ok(usage_is(t, 1, 0), "too many fragments: its bytes given back");
	mos_defrag_destroy(t);
}

/* Several datagrams interleaved, keys apart by address family and id. */
static void test_interleaved(void)
{
	struct mos_defrag *t = table(false, 1 << 20, 64);
	int r[4];

	make4(&D, 980, 10, 6);
	make6(&E, 980, 11);
	r[0] = feed(t, &D, 0, 504, true, 40, 0);
	r[1] = feed(t, &E, 504, 496, false, 40, 0);
	r[2] = feed(t, &D, 504, 496, false, 40, 0);
	ok(r[0] == MOS_DEFRAG_HELD && r[1] == MOS_DEFRAG_HELD &&
	   r[2] == MOS_DEFRAG_DONE && whole_is(&D),
	   "interleaved: IPv4 and IPv6 with the same id kept apart");
	r[3] = feed(t, &E, 0, 504, true, 40, 0);
	ok(r[3] == MOS_DEFRAG_DONE && whole_is(&E),
	   "interleaved: the IPv6 one completes too");
	mos_defrag_destroy(t);
}

int main(void)
{
	test_order(4, false);
	test_order(4, true);
	test_order(6, false);
	test_order(6, true);
	test_overlap4(false);
	test_overlap4(true);
	test_duplicate(4);
	test_duplicate(6);
	test_missing_timeout();
	test_overlap6();
	test_tiny();
	test_badlen();
	test_budget();
	test_toomany();
	test_interleaved();
	return tap_done();
}
