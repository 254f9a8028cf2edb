/*
 * t_parse.c -- frame parser and checksums (lib/pkt_parse.h).
 *
 * Without arguments: frames built here (with this file's own checksum code)
 * for every layer, option and malformed class.  With a directory argument
 * (the crafted corpus captures): every frame of every *.pcap is parsed,
 * malformed.pcap must give the malformed kinds its .json describes, and
 * every prefix of every frame is parsed (run under ASan to catch overreads).
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "pkt_parse.h"
#include "tap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- reference checksum (RFC 1071 over one contiguous buffer) ---- */

static uint16_t ref_csum(const uint8_t *b, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < len; i++)
		sum += (i & 1) ? b[i] : (uint32_t)b[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* The library's "value to store", turned back into a host number. */
static uint16_t field_of(uint16_t stored)
{
	uint8_t b[2];

	memcpy(b, &stored, 2);
	return get16(b);
}

/* ---- frame builder ---- */

struct spec {
	int ntags;
	uint16_t tpid[3];
	uint16_t ethertype;          /* 0: from ipver */
	int ipver;                   /* 4 or 6 */
	const uint8_t *ip4opt;       /* multiple of 4 bytes */
	size_t ip4optlen;
	uint16_t frag;               /* IPv4 flags + fragment offset field */
	uint8_t proto;               /* 0 = TCP */
	const uint8_t *ext;          /* IPv6 extension chain, raw */
	size_t extlen;
	uint8_t ext_nh;              /* next header of the fixed IPv6 header */
	const uint8_t *ph_dst;       /* pseudo-header destination, or NULL */
	const uint8_t *tcpopt;       /* multiple of 4 bytes */
	size_t tcpoptlen;
	uint8_t flags;
	const uint8_t *payload;
	size_t paylen;
	size_t pad;                  /* Ethernet trailer bytes (0xab) */
};

static const uint8_t SRC4[4] = { 192, 0, 2, 10 };
static const uint8_t DST4[4] = { 198, 51, 100, 20 };
static const uint8_t SRC6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x10 };
static const uint8_t DST6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x20 };

struct built {
	uint8_t b[2048];
	size_t len, l3, l4, end;     /* end: IP packet end */
};

static void fix_ip4_csum(uint8_t *ip)
{
	size_t ihl = (ip[0] & 15u) * 4;

	put16(ip + 10, 0);
	put16(ip + 10, ref_csum(ip, ihl));
}

/* TCP checksum over pseudo-header + segment, written into the segment. */
static void fix_tcp_csum(struct built *f, int ipver, const uint8_t *dst)
{
	uint8_t tmp[2048 + 40];
	size_t seg = f->end - f->l4, n;
	const uint8_t *ip = f->b + f->l3;

	put16(f->b + f->l4 + 16, 0);
	memset(tmp, 0, 40);
	if (ipver == 4) {
		memcpy(tmp, ip + 12, 4);
		memcpy(tmp + 4, dst ? dst : ip + 16, 4);
		tmp[9] = 6;
		put16(tmp + 10, (uint16_t)seg);
		n = 12;
	} else {
		memcpy(tmp, ip + 8, 16);
		memcpy(tmp + 16, dst ? dst : ip + 24, 16);
		put32(tmp + 32, (uint32_t)seg);
		tmp[39] = 6;
		n = 40;
	}
	memcpy(tmp + n, f->b + f->l4, seg);
	put16(f->b + f->l4 + 16, ref_csum(tmp, n + seg));
}

static void build(struct built *f, const struct spec *s)
{
	uint8_t *b = f->b, *ip, *th;
	size_t off = 12, ihl, doff;
	int i;

	memset(f, 0, sizeof(*f));
	memcpy(b, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01", 12);
	for (i = 0; i < s->ntags; i++, off += 4) {
		put16(b + off, s->tpid[i]);
		put16(b + off + 2, (uint16_t)(100 + i));   /* VLAN id */
	}
	put16(b + off, s->ethertype ? s->ethertype :
	      s->ipver == 6 ? 0x86dd : 0x0800);
	f->l3 = off + 2;
	ip = b + f->l3;
	if (s->ipver == 4) {
		ihl = 20 + s->ip4optlen;
		ip[0] = (uint8_t)(0x40 | ihl / 4);
		put16(ip + 4, 0x1234);
		put16(ip + 6, s->frag);
		ip[8] = 64;
		ip[9] = s->proto ? s->proto : 6;
		memcpy(ip + 12, SRC4, 4);
		memcpy(ip + 16, DST4, 4);
		if (s->ip4optlen)
			memcpy(ip + 20, s->ip4opt, s->ip4optlen);
	} else {
		ihl = 40 + s->extlen;
		ip[0] = 0x60;
		ip[6] = s->extlen ? s->ext_nh : s->proto ? s->proto : 6;
		ip[7] = 64;
		memcpy(ip + 8, SRC6, 16);
		memcpy(ip + 24, DST6, 16);
		if (s->extlen)
			memcpy(ip + 40, s->ext, s->extlen);
	}
	f->l4 = f->l3 + ihl;
	th = b + f->l4;
	doff = 20 + s->tcpoptlen;
	put16(th, 40000);
	put16(th + 2, 80);
	put32(th + 4, 0xfffffff0u);
	put32(th + 8, 0x01020304u);
	th[12] = (uint8_t)(doff / 4 << 4);
	th[13] = s->flags ? s->flags : 0x18;
	put16(th + 14, 29200);
	if (s->tcpoptlen)
		memcpy(th + 20, s->tcpopt, s->tcpoptlen);
	if (s->paylen)
		memcpy(th + doff, s->payload, s->paylen);
	f->end = f->l4 + doff + s->paylen;
	if (s->ipver == 4) {
		put16(ip + 2, (uint16_t)(f->end - f->l3));
		fix_ip4_csum(ip);
	} else {
		put16(ip + 4, (uint16_t)(f->end - f->l3 - 40));
	}
	fix_tcp_csum(f, s->ipver, s->ph_dst);
	memset(b + f->end, 0xab, s->pad);
	f->len = f->end + s->pad;
}

/* ---- parsing from an exact-size heap copy, so ASan sees any overread ---- */

static uint8_t *exact;

static int parse_exact(struct mos_pkt *p, const uint8_t *frame, size_t len,
		       bool verify)
{
	free(exact);
	exact = malloc(len ? len : 1);
	if (!exact) {
		perror("malloc");
		exit(2);
	}
	if (len)
		memcpy(exact, frame, len);
	return mos_pkt_parse(p, len ? exact : NULL, (uint32_t)len, verify);
}

static int parse_built(struct mos_pkt *p, const struct built *f, bool verify)
{
	return parse_exact(p, f->b, f->len, verify);
}

/*
 * Every prefix of a frame whose whole parse gave kind k (IP end at e): a
 * prefix shorter than the IP packet must be malformed, a longer one must
 * give k again with the same payload.  Returns the number of violations.
 */
static int check_prefixes(const uint8_t *frame, size_t len, char *why,
			  size_t whylen)
{
	struct mos_pkt p;
	int k = parse_exact(&p, frame, len, true), kk, bad = 0;
	size_t end = p.ipver ? (size_t)p.l3_off + p.ip_len : 0;
	uint32_t plen = p.payload_len;
	size_t n;

	for (n = 0; n <= len; n++) {
		kk = parse_exact(&p, frame, n, true);
		if (kk < 0 || kk >= MOS_PKT_KIND_COUNT)
			bad++;
		else if (kk == MOS_PKT_TCP &&
			 (p.payload_off + (size_t)p.payload_len > n ||
			  p.l3_off + (size_t)p.ip_len > n))
			bad++;
		else if (end && n < end && !mos_pkt_is_malformed(kk))
			bad++;
		else if (end && n >= end && (kk != k ||
			 (k == MOS_PKT_TCP && p.payload_len != plen)))
			bad++;
		else
			continue;
		if (bad == 1)
			snprintf(why, whylen,
				 " (first: prefix %zu of %zu -> %s)",
				 n, len, mos_pkt_kind_name(kk));
	}
	return bad;
}

/* ---- unit tests on built frames ---- */

static const uint8_t ALLOPT[40] = {
	2, 4, 0x05, 0xb4,                     /* MSS 1460 */
	1, 3, 3, 7,                           /* NOP, WS 7 */
	4, 2,                                 /* SACK permitted */
	8, 10, 0, 0, 0, 1, 0x80, 0, 0, 2,     /* TS 1, 0x80000002 */
	1, 1,                                 /* NOP NOP */
	5, 10, 0, 0, 0, 10, 0, 0, 0, 20,      /* SACK 10-20 */
	30, 4, 0xaa, 0xbb,                    /* unknown kind 30 */
	0, 0, 0, 0                            /* EOL, padding */
};
static const uint8_t PAYLOAD[] = "hello, world";  /* 13 bytes with NUL */

static void test_ipv4_all_options(void)
{
	struct spec s = { .ipver = 4, .tcpopt = ALLOPT, .tcpoptlen = 40,
			  .payload = PAYLOAD, .paylen = 11, .flags = 0x12 };
	struct built f;
	struct mos_pkt p;
	int k;

	build(&f, &s);
	k = parse_built(&p, &f, true);
	ok(k == MOS_PKT_TCP, "ipv4 all options: kind tcp (got %s)",
	   mos_pkt_kind_name(k));
	ok(p.ethertype == 0x0800 && p.nvlan == 0 && p.l3_off == 14 &&
	   p.ipver == 4 && p.ip_len == 20 + 60 + 11 && p.l4_off == 34 &&
	   p.l4proto == 6, "ipv4 all options: layer offsets");
	ok(!memcmp(&p.saddr.v4, SRC4, 4) && !memcmp(&p.daddr.v4, DST4, 4),
	   "ipv4 all options: addresses in network order");
	ok(p.sport == 40000 && p.dport == 80 && p.seq == 0xfffffff0u &&
	   p.ack == 0x01020304u && p.win == 29200 &&
	   p.flags == (MOS_TH_SYN | MOS_TH_ACK),
	   "ipv4 all options: ports, seq, ack, window, flags in host order");
	ok(p.payload_off == 94 && p.payload_len == 11 &&
	   !memcmp(p.frame + p.payload_off, "hello, worl", 11),
	   "ipv4 all options: payload");
	ok(p.mss == 1460 && p.wscale == 7 && p.sack_perm && p.has_ts &&
	   p.tsval == 1 && p.tsecr == 0x80000002u,
	   "ipv4 all options: MSS, WS, SACK-permitted, TS (mss %d ws %d)",
	   p.mss, p.wscale);
	ok(field_of(mos_csum_tcp(&p)) == get16(f.b + f.l4 + 16) &&
	   field_of(mos_csum_ipv4_hdr(f.b + 14, 20)) == get16(f.b + 24),
	   "ipv4 all options: computed checksums equal the reference");

	s.tcpopt = NULL;
	s.tcpoptlen = 0;
	build(&f, &s);
	k = parse_built(&p, &f, true);
	ok(k == MOS_PKT_TCP && p.mss == -1 && p.wscale == -1 &&
	   !p.sack_perm && !p.has_ts && p.payload_off == 54,
	   "no options: absent options read -1/false");
}

static void test_vlan(void)
{
	struct spec s = { .ipver = 4, .payload = PAYLOAD, .paylen = 5 };
	struct built f;
	struct mos_pkt p;
	int k;

	s.ntags = 1;
	s.tpid[0] = 0x8100;
	build(&f, &s);
	k = parse_built(&p, &f, true);
	ok(k == MOS_PKT_TCP && p.nvlan == 1 && p.l3_off == 18 &&
	   p.ethertype == 0x0800 && p.payload_len == 5 && p.payload_off == 58,
	   "802.1Q: tcp, one tag, IP at 18 (got %s)", mos_pkt_kind_name(k));

	s.ntags = 2;
	s.tpid[0] = 0x88a8;
	s.tpid[1] = 0x8100;
	build(&f, &s);
	k = parse_built(&p, &f, true);
	ok(k == MOS_PKT_TCP && p.nvlan == 2 && p.l3_off == 22 &&
	   p.payload_len == 5, "QinQ 802.1ad+802.1Q: tcp, two tags, IP at 22");

	s.ipver = 6;
	s.ntags = 1;
	build(&f, &s);
	k = parse_built(&p, &f, true);
	ok(k == MOS_PKT_TCP && p.nvlan == 1 && p.ipver == 6 &&
	   p.ethertype == 0x86dd && p.l4_off == 18 + 40,
	   "802.1ad tag + IPv6: tcp");

	s.ipver = 4;
	s.ntags = 3;
	s.tpid[2] = 0x8100;
	build(&f, &s);
	k = parse_built(&p, &f, true);
	ok(k == MOS_PKT_OTHER && p.nvlan == 2 && p.ethertype == 0x8100,
	   "three VLAN tags: other, third TPID as ethertype (got %s)",
	   mos_pkt_kind_name(k));
}

static void test_ipv6_ext(void)
{
	/* HBH (-> DstOpts) with PadN, then DstOpts (-> TCP), 16 bytes */
	static const uint8_t hbh_dst[24] = {
		60, 0, 1, 4, 0, 0, 0, 0,
		6, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
	};
	/* Routing type 2 (home address), segments left 1 -> TCP */
	static const uint8_t rt2[24] = {
		6, 2, 2, 1, 0, 0, 0, 0,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x99
	};
	/* Routing type 3 (RPL), segments left 1: final hop unknown */
	static const uint8_t rt3[8] = { 6, 0, 3, 1, 0, 0, 0, 0 };
	/* AH, payload length 4 -> (4 + 2) * 4 = 24 bytes -> TCP */
	static const uint8_t ah[24] = { 6, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1 };
	static const uint8_t frag_first[8] = { 6, 0, 0x00, 0x01, 0, 0, 0, 7 };
	static const uint8_t frag_later[8] = { 6, 0, 0x05, 0x00, 0, 0, 0, 7 };
	static const uint8_t frag_atomic[8] = { 6, 0, 0, 0, 0, 0, 0, 7 };
	static const uint8_t hbh_nonext[8] = { 59, 0, 1, 4, 0, 0, 0, 0 };
	struct spec s = { .ipver = 6, .payload = PAYLOAD, .paylen = 7,
			  .ext = hbh_dst, .extlen = 24, .ext_nh = 0 };
	struct built f;
	struct mos_pkt p;
	int k;

	build(&f, &s);
	k = parse_built(&p, &f, true);
	ok(k == MOS_PKT_TCP && p.ipver == 6 && p.l4_off == 14 + 40 + 24 &&
	   p.ip_len == 40 + 24 + 20 + 7 && p.payload_len == 7 &&
	   p.l4proto == 6 && !memcmp(p.saddr.v6, SRC6, 16) &&
	   !memcmp(p.daddr.v6, DST6, 16),
	   "ipv6 HBH + DstOpts: tcp after 24 bytes of extensions (got %s)",
	   mos_pkt_kind_name(k));
	ok(field_of(mos_csum_tcp(&p)) == get16(f.b + f.l4 + 16),
	   "ipv6: computed TCP checksum equals the reference");

	s.ext = rt2;
	s.extlen = 24;
	s.ext_nh = 43;
	s.ph_dst = rt2 + 8;
	build(&f, &s);
	k = parse_built(&p, &f, true);
	ok(k == MOS_PKT_TCP && !memcmp(p.daddr.v6, DST6, 16),
	   "ipv6 routing type 2: pseudo-header uses the final destination (got %s)",
	   mos_pkt_kind_name(k));
	s.ph_dst = NULL;
	build(&f, &s);
	k = parse_built(&p, &f, true);
	ok(k == MOS_MAL_TCP_CSUM,
	   "ipv6 routing type 2: checksum over the header destination rejected");

	s.ext = rt3;
	s.extlen = 8;
	build(&f, &s);
	f.b[f.l4 + 16] ^= 0x40;
	k = parse_built(&p, &f, true);
	ok(k == MOS_PKT_TCP,
	   "ipv6 routing type 3 with segments left: checksum not verifiable, accepted");

	s.ext = ah;
	s.extlen = 24;
	s.ext_nh = 51;
	build(&f, &s);
	k = parse_built(&p, &f, true);
	ok(k == MOS_PKT_TCP && p.l4_off == 14 + 40 + 24,
	   "ipv6 AH: skipped by (len + 2) * 4 (got %s)", mos_pkt_kind_name(k));

	s.ext = frag_first;
	s.extlen = 8;
	s.ext_nh = 44;
	build(&f, &s);
	k = parse_built(&p, &f, true);
	ok(k == MOS_PKT_FRAGMENT && p.l4proto == 6,
	   "ipv6 first fragment (M set): fragment");
	s.ext = frag_later;
	build(&f, &s);
	k = parse_built(&p, &f, true);
	ok(k == MOS_PKT_FRAGMENT,
	   "ipv6 later fragment (offset field 160): fragment");
	s.ext = frag_atomic;
	build(&f, &s);
	k = parse_built(&p, &f, true);
	ok(k == MOS_PKT_TCP && p.l4_off == 14 + 48,
	   "ipv6 atomic fragment (RFC 6946): parsed as a whole packet");

	s.ext = hbh_nonext;
	s.ext_nh = 0;
	build(&f, &s);
	k = parse_built(&p, &f, true);
	ok(k == MOS_PKT_OTHER && p.l4proto == 59,
	   "ipv6 HBH -> No Next Header: other");

	s.ext = NULL;
	s.extlen = 0;
	s.proto = 17;
	build(&f, &s);
	ok(parse_built(&p, &f, true) == MOS_PKT_OTHER && p.l4proto == 17,
	   "ipv6 UDP: other");
}

static void test_ipv4_options(void)
{
	/* IHL 9: Router Alert, NOP x4, Timestamp-ish unknown option, EOL */
	static const uint8_t opt16[16] = {
		0x94, 4, 0, 0, 1, 1, 1, 1, 0x44, 4, 5, 0, 0, 0, 0, 0
	};
	/* LSRR, pointer 4 (unexhausted), two hops; then NOP */
	static const uint8_t lsrr[12] = {
		131, 11, 4, 203, 0, 113, 1, 198, 51, 100, 77, 1
	};
	struct spec s = { .ipver = 4, .ip4opt = opt16, .ip4optlen = 16,
			  .tcpopt = ALLOPT, .tcpoptlen = 8,
			  .payload = PAYLOAD, .paylen = 3 };
	struct built f;
	struct mos_pkt p;
	int k;

	build(&f, &s);
	k = parse_built(&p, &f, true);
	ok(k == MOS_PKT_TCP && p.l4_off == 14 + 36 && p.ip_len == 36 + 28 + 3 &&
	   p.payload_len == 3 && p.mss == 1460 && p.wscale == 7,
	   "ipv4 IHL 9 (router alert): options skipped (got %s)",
	   mos_pkt_kind_name(k));

	s.ip4opt = lsrr;
	s.ip4optlen = 12;
	s.ph_dst = lsrr + 7;
	build(&f, &s);
	k = parse_built(&p, &f, true);
	ok(k == MOS_PKT_TCP && !memcmp(&p.daddr.v4, DST4, 4),
	   "ipv4 LSRR: pseudo-header uses the last hop (got %s)",
	   mos_pkt_kind_name(k));
	s.ph_dst = NULL;
	build(&f, &s);
	ok(parse_built(&p, &f, true) == MOS_MAL_TCP_CSUM,
	   "ipv4 LSRR: checksum over the header destination rejected");
}

static void test_padding(void)
{
	struct spec s = { .ipver = 4, .pad = 6 };
	struct built f;
	struct mos_pkt p;
	int k;

	build(&f, &s);
	k = parse_built(&p, &f, true);
	ok(f.len == 60 && k == MOS_PKT_TCP && p.payload_len == 0 &&
	   p.ip_len == 40,
	   "ethernet padding to 60 bytes: no payload, checksum ok (got %s)",
	   mos_pkt_kind_name(k));
	s.payload = PAYLOAD;
	s.paylen = 3;
	s.pad = 3;
	build(&f, &s);
	k = parse_built(&p, &f, true);
	ok(k == MOS_PKT_TCP && p.payload_len == 3 && p.frame_len == 60,
	   "ethernet padding after a 3-byte payload: trailer excluded");
	s.ipver = 6;
	s.pad = 20;
	build(&f, &s);
	k = parse_built(&p, &f, true);
	ok(k == MOS_PKT_TCP && p.payload_len == 3,
	   "ipv6 with a 20-byte trailer: trailer excluded");
}

static void test_fragments_and_other(void)
{
	struct spec s = { .ipver = 4, .payload = PAYLOAD, .paylen = 8 };
	struct built f;
	struct mos_pkt p;
	int k;

	s.frag = 0x2000;		/* MF */
	build(&f, &s);
	k = parse_built(&p, &f, true);
	ok(k == MOS_PKT_FRAGMENT && p.ipver == 4 && p.l4proto == 6,
	   "ipv4 MF set: fragment (got %s)", mos_pkt_kind_name(k));
	s.frag = 0x0003;		/* offset 24 bytes, last */
	build(&f, &s);
	ok(parse_built(&p, &f, true) == MOS_PKT_FRAGMENT,
	   "ipv4 offset != 0: fragment");
	s.frag = 0x4000;		/* DF only */
	build(&f, &s);
	ok(parse_built(&p, &f, true) == MOS_PKT_TCP, "ipv4 DF only: tcp");
	s.frag = 0x2000;
	build(&f, &s);
	f.b[14 + 8]--;			/* TTL, checksum now wrong */
	ok(parse_built(&p, &f, true) == MOS_MAL_IP_CSUM,
	   "ipv4 fragment with bad header checksum: ip_csum first");

	s.frag = 0;
	s.proto = 17;
	build(&f, &s);
	ok(parse_built(&p, &f, true) == MOS_PKT_OTHER && p.l4proto == 17,
	   "ipv4 UDP: other");
	s.proto = 0;
	s.ethertype = 0x0806;
	build(&f, &s);
	ok(parse_built(&p, &f, true) == MOS_PKT_OTHER &&
	   p.ethertype == 0x0806 && p.ipver == 0, "ARP: other");
}

static void expect(const struct built *f, size_t len, bool verify,
		   int want, const char *what)
{
	struct mos_pkt p;
	int k = parse_exact(&p, f->b, len, verify);

	ok(k == want, "%s: %s (got %s)", what, mos_pkt_kind_name(want),
	   mos_pkt_kind_name(k));
}

static void test_malformed(void)
{
	static const uint8_t hbh_long[8] = { 6, 9, 1, 4, 0, 0, 0, 0 };
	static const uint8_t ah_long[8] = { 6, 30, 0, 0, 0, 0, 0, 0 };
	static const uint8_t frag_cut[8] = { 44, 0, 1, 4, 0, 0, 0, 0 };
	struct spec s4 = { .ipver = 4, .payload = PAYLOAD, .paylen = 12 };
	struct spec s6 = { .ipver = 6, .payload = PAYLOAD, .paylen = 12 };
	struct built f;
	uint8_t *ip;

	build(&f, &s4);
	expect(&f, 0, true, MOS_MAL_ETH_SHORT, "empty frame");
	expect(&f, 13, true, MOS_MAL_ETH_SHORT, "13-byte frame");
	s4.ntags = 1;
	s4.tpid[0] = 0x8100;
	build(&f, &s4);
	expect(&f, 16, true, MOS_MAL_VLAN_SHORT, "VLAN tag cut after 2 bytes");
	s4.ntags = 0;
	build(&f, &s4);
	expect(&f, 14 + 19, true, MOS_MAL_IP_SHORT, "19 bytes of IPv4");
	ip = f.b + 14;

	build(&f, &s4);
	ip[0] = 0x55;
	fix_ip4_csum(ip);
	expect(&f, f.len, true, MOS_MAL_IP_VERSION,
	       "version 5 in IPv4 ethertype");
	build(&f, &s4);
	ip[0] = 0x44;
	expect(&f, f.len, true, MOS_MAL_IP_IHL, "IHL 4");
	build(&f, &s4);
	ip[0] = 0x4f;
	put16(ip + 2, 52);
	expect(&f, 14 + 52, true, MOS_MAL_IP_IHL, "IHL 15, total length 52");
	build(&f, &s4);
	put16(ip + 2, 1400);
	fix_ip4_csum(ip);
	expect(&f, f.len, true, MOS_MAL_IP_TOTLEN, "total length 1400 > frame");
	build(&f, &s4);
	put16(ip + 2, 19);
	fix_ip4_csum(ip);
	expect(&f, f.len, true, MOS_MAL_IP_TOTLEN, "total length 19");
	build(&f, &s4);
	ip[1] = 0x10;			/* TOS changed, checksum stale */
	expect(&f, f.len, false, MOS_MAL_IP_CSUM,
	       "bad IPv4 header checksum (verify_tcp_csum off)");
	build(&f, &s4);
	put16(ip + 2, 30);
	fix_ip4_csum(ip);
	expect(&f, f.len, true, MOS_MAL_TCP_SHORT, "total length 30: TCP cut");
	build(&f, &s4);
	put16(ip + 2, 28);
	fix_ip4_csum(ip);
	expect(&f, 14 + 28, true, MOS_MAL_TCP_SHORT,
	       "total length 28, frame ends there");
	build(&f, &s4);
	f.b[f.l4 + 12] = 3 << 4;
	expect(&f, f.len, false, MOS_MAL_TCP_DOFF, "data offset 3");
	s4.paylen = 0;
	s4.tcpopt = ALLOPT;
	s4.tcpoptlen = 16;
	build(&f, &s4);
	f.b[f.l4 + 12] = 15 << 4;
	expect(&f, f.len, false, MOS_MAL_TCP_DOFF,
	       "data offset 15 in a 36-byte segment");
	s4.paylen = 12;
	s4.tcpoptlen = 0;
	build(&f, &s4);
	f.b[f.end - 1] ^= 0x20;
	expect(&f, f.len, true, MOS_MAL_TCP_CSUM, "flipped payload bit");
	expect(&f, f.len, false, MOS_PKT_TCP,
	       "flipped payload bit, verify_tcp_csum off");

	build(&f, &s6);
	expect(&f, 14 + 39, true, MOS_MAL_IP6_SHORT, "39 bytes of IPv6");
	f.b[14] = 0x40;
	expect(&f, f.len, true, MOS_MAL_IP_VERSION,
	       "version 4 in IPv6 ethertype");
	build(&f, &s6);
	put16(f.b + 14 + 4, (uint16_t)(get16(f.b + 14 + 4) + 1));
	expect(&f, f.len, true, MOS_MAL_IP6_PAYLEN,
	       "IPv6 payload length one past the frame");
	build(&f, &s6);
	put16(f.b + 14 + 4, 10);
	expect(&f, f.len, true, MOS_MAL_TCP_SHORT, "IPv6 payload length 10");
	build(&f, &s6);
	f.b[f.end - 3] ^= 1;
	expect(&f, f.len, true, MOS_MAL_TCP_CSUM, "IPv6 flipped payload bit");

	s6.ext = hbh_long;
	s6.extlen = 8;
	s6.ext_nh = 0;
	s6.paylen = 0;
	build(&f, &s6);
	expect(&f, f.len, true, MOS_MAL_IP6_EXT,
	       "IPv6 HBH of 80 bytes in a 28-byte payload");
	s6.ext = ah_long;
	s6.ext_nh = 51;
	build(&f, &s6);
	expect(&f, f.len, true, MOS_MAL_IP6_EXT, "IPv6 AH past the payload");
	s6.ext = frag_cut;
	s6.ext_nh = 0;
	build(&f, &s6);
	put16(f.b + 14 + 4, 12);	/* HBH + 4 bytes: fragment header cut */
	expect(&f, f.len, true, MOS_MAL_IP6_EXT, "IPv6 fragment header cut");
}

static void test_option_garbage(void)
{
	static const uint8_t zero_len[8] = { 2, 4, 0x05, 0xb4, 30, 0, 3, 3 };
	static const uint8_t past[8] = { 2, 4, 0x02, 0x18, 1, 8, 10, 0 };
	static const uint8_t odd[12] = {
		2, 3, 0x05, 3, 3, 20, 4, 2, 0, 3, 3, 9
	};
	struct spec s = { .ipver = 4, .tcpopt = zero_len, .tcpoptlen = 8,
			  .payload = PAYLOAD, .paylen = 4 };
	struct built f;
	struct mos_pkt p;
	int k;

	build(&f, &s);
	k = parse_built(&p, &f, true);
	ok(k == MOS_PKT_TCP && p.mss == 1460 && p.wscale == -1 &&
	   p.payload_len == 4,
	   "option length 0: parsing stops, earlier MSS kept, segment kept");
	s.tcpopt = past;
	build(&f, &s);
	k = parse_built(&p, &f, true);
	ok(k == MOS_PKT_TCP && p.mss == 536 && !p.has_ts,
	   "option running past the header: parsing stops, segment kept");
	s.tcpopt = odd;
	s.tcpoptlen = 12;
	build(&f, &s);
	k = parse_built(&p, &f, true);
	ok(k == MOS_PKT_TCP && p.mss == -1 && p.wscale == 14 && p.sack_perm,
	   "MSS of length 3 ignored, WS 20 clamped to 14, EOL ends (ws %d)",
	   p.wscale);
	s.tcpopt = ALLOPT + 20;		/* NOP NOP SACK ... */
	s.tcpoptlen = 20;
	build(&f, &s);
	k = parse_built(&p, &f, true);
	ok(k == MOS_PKT_TCP && !p.sack_perm && p.mss == -1,
	   "SACK blocks and an unknown kind skipped by length");
}

/* Frames made by scapy 2.5 (Ether/IP/TCP, options MSS 1460, NOP, WS 7,
 * payload "hello"; and Ether/IPv6/TCP payload "abc"): known-good sums. */
static const char SCAPY4[] =
	"0200000000020200000000010800450000350007000040068e85c0000201c633"
	"64029c400050000003e8000007d070180200a9ab0000020405b4010303076865"
	"6c6c6f";
static const char SCAPY6[] =
	"02000000000202000000000186dd600000000017064020010db8000000000000"
	"00000000000120010db80000000000000000000000029c4101bbfffffff00000"
	"0005501003e8ee1f0000616263";

static size_t unhex(uint8_t *out, const char *hex)
{
	size_t n = 0;
	unsigned v;

	while (hex[0] && hex[1] && sscanf(hex, "%2x", &v) == 1) {
		out[n++] = (uint8_t)v;
		hex += 2;
	}
	return n;
}

static void test_checksums(void)
{
	/* A commonly quoted example header (checksum b8 61); the field\n\t * holds ff ff, which must be ignored. */
	static const uint8_t hdr[20] = {
		0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
		0xff, 0xff, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7
	};
	uint8_t fr[128];
	struct mos_pkt p;
	uint16_t v;
	size_t n, i;
	int k, bad = 0;

	v = mos_csum_ipv4_hdr(hdr, 20);
	ok(!memcmp(&v, "\xb8\x61", 2),
	   "ipv4 header checksum of a known header: bytes b8 61, field ignored");

	n = unhex(fr, SCAPY4);
	k = parse_exact(&p, fr, n, true);
	ok(n == 67 && k == MOS_PKT_TCP && p.payload_len == 5,
	   "scapy IPv4 frame (odd payload): tcp with verify (got %s)",
	   mos_pkt_kind_name(k));
	v = mos_csum_tcp(&p);
	ok(!memcmp(&v, "\xa9\xab", 2), "scapy IPv4 frame: TCP checksum a9 ab");
	v = mos_csum_ipv4_hdr(fr + 14, 20);
	ok(!memcmp(&v, "\x8e\x85", 2), "scapy IPv4 frame: IP checksum 8e 85");
	for (i = 14; i < n; i++) {
		fr[i] ^= 0x04;
		k = parse_exact(&p, fr, n, true);
		if (k == MOS_PKT_TCP)
			bad++;
		fr[i] ^= 0x04;
	}
	ok(bad == 0, "scapy IPv4 frame: every single-bit flip past Ethernet rejected (%d accepted)",
	   bad);

	n = unhex(fr, SCAPY6);
	k = parse_exact(&p, fr, n, true);
	ok(n == 77 && k == MOS_PKT_TCP && p.payload_len == 3,
	   "scapy IPv6 frame (odd payload): tcp with verify (got %s)",
	   mos_pkt_kind_name(k));
	v = mos_csum_tcp(&p);
	ok(!memcmp(&v, "\xee\x1f", 2), "scapy IPv6 frame: TCP checksum ee 1f");
	bad = 0;
	for (i = 14 + 8; i < n; i++) {	/* from the source address on */
		fr[i] ^= 0x80;
		k = parse_exact(&p, fr, n, true);
		if (k == MOS_PKT_TCP)
			bad++;
		fr[i] ^= 0x80;
	}
	ok(bad == 0, "scapy IPv6 frame: every flip of addresses or segment rejected (%d accepted)",
	   bad);
}

static void test_names(void)
{
	int i, j, dup = 0, bad = 0;

	for (i = 0; i < MOS_PKT_KIND_COUNT; i++) {
		const char *a = mos_pkt_kind_name(i);

		if (!a || !strcmp(a, "invalid"))
			bad++;
		for (j = 0; a && j < i; j++)
			if (!strcmp(a, mos_pkt_kind_name(j)))
				dup++;
	}
	ok(bad == 0 && dup == 0, "kind names: all set and distinct");
	ok(!strcmp(mos_pkt_kind_name(MOS_MAL_IP_IHL), "ip_ihl") &&
	   !strcmp(mos_pkt_kind_name(MOS_PKT_KIND_COUNT), "invalid") &&
	   !strcmp(mos_pkt_kind_name(-1), "invalid"),
	   "kind names: ip_ihl; out of range is invalid");
	ok(!mos_pkt_is_malformed(MOS_PKT_FRAGMENT) &&
	   mos_pkt_is_malformed(MOS_MAL_ETH_SHORT) &&
	   mos_pkt_is_malformed(MOS_MAL_TCP_CSUM) &&
	   !mos_pkt_is_malformed(MOS_PKT_KIND_COUNT),
	   "is_malformed: from eth_short to tcp_csum");
}

static void test_truncation(void)
{
	static const uint8_t hbh_dst[16] = {
		60, 0, 1, 4, 0, 0, 0, 0, 6, 0, 1, 4, 0, 0, 0, 0
	};
	struct spec specs[] = {
		{ .ipver = 4, .tcpopt = ALLOPT, .tcpoptlen = 40,
		  .payload = PAYLOAD, .paylen = 9, .pad = 4 },
		{ .ipver = 6, .ntags = 2, .tpid = { 0x88a8, 0x8100 },
		  .ext = hbh_dst, .extlen = 16, .ext_nh = 0,
		  .tcpopt = ALLOPT, .tcpoptlen = 12,
		  .payload = PAYLOAD, .paylen = 2 },
	};
	char why[128] = "";
	struct built f;
	size_t i;
	int bad = 0;

	for (i = 0; i < ARRAY_SIZE(specs); i++) {
		build(&f, &specs[i]);
		bad += check_prefixes(f.b, f.len, why, sizeof(why));
	}
	ok(bad == 0, "built frames: every prefix malformed until the IP end, same result after%s",
	   why);
}

/* ---- the crafted corpus ---- */

/* malformed.pcap's bogus packets, in capture order: malformed.json "notes"
 * ("ip header cut short; IHL 4; IHL 15 with total length 52; IP version 5;
 * IP total length 1400 > frame; IP total length 30: TCP header does not
 * fit; TCP header cut short, total length 28; TCP data offset 3; TCP data
 * offset 15 in a 36-byte segment") and its 36 packets, 9 of them bogus. */
static const int MALFORMED_ORDER[] = {
	MOS_MAL_IP_SHORT, MOS_MAL_IP_IHL, MOS_MAL_IP_IHL, MOS_MAL_IP_VERSION,
	MOS_MAL_IP_TOTLEN, MOS_MAL_TCP_SHORT, MOS_MAL_TCP_SHORT,
	MOS_MAL_TCP_DOFF, MOS_MAL_TCP_DOFF
};
#define MALFORMED_PACKETS 36

/* ip_fragments.pcap: tshark without defragmentation shows frames 6, 7, 8,
 * 23, 24 (IPv4: MF or offset) and 37, 38 (IPv6 Fragment header). */
#define FRAGMENTS_V4 5
#define FRAGMENTS_V6 2

struct tally {
	int frames, kinds[MOS_PKT_KIND_COUNT], v4frag, v6frag;
	int mal_seq[32], nmal;
	int vlan1, vlan2, v6, ihl9, mss, ws, sackok, ts, trailer;
	int prefix_bad;
	char why[160];
};

static int json_packets(const char *dir, const char *base)
{
	char path[4096], buf[8192];
	const char *q;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%.*s.json", dir,
		 (int)(strlen(base) - 5), base);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	q = strstr(buf, "\"packets\":");
	return q ? atoi(q + 10) : -1;
}

static void tally_frame(struct tally *t, const uint8_t *data, size_t len)
{
	struct mos_pkt p;
	int k = parse_exact(&p, data, len, true);
	char why[160] = "";

	t->frames++;
	if (k < 0 || k >= MOS_PKT_KIND_COUNT)
		return;
	t->kinds[k]++;
	if (mos_pkt_is_malformed(k) && t->nmal < 32)
		t->mal_seq[t->nmal++] = k;
	if (k == MOS_PKT_FRAGMENT)
		*(p.ipver == 4 ? &t->v4frag : &t->v6frag) += 1;
	if (k == MOS_PKT_TCP) {
		t->vlan1 += p.nvlan == 1;
		t->vlan2 += p.nvlan == 2;
		t->v6 += p.ipver == 6;
		t->ihl9 += p.ipver == 4 && p.l4_off - p.l3_off == 36;
		t->mss += p.mss >= 0;
		t->ws += p.wscale >= 0;
		t->sackok += p.sack_perm;
		t->ts += p.has_ts;
		t->trailer += p.l3_off + p.ip_len < p.frame_len;
	}
	t->prefix_bad += check_prefixes(data, len, why, sizeof(why));
	if (!t->why[0])
		snprintf(t->why, sizeof(t->why), "%s", why);
}

static void report_file(const char *dir, const char *name,
			const struct tally *t)
{
	int want = json_packets(dir, name), nmal = 0, i;
	char kinds[512] = "";
	size_t o = 0;

	for (i = 0; i < MOS_PKT_KIND_COUNT; i++) {
		if (!t->kinds[i])
			continue;
		if (mos_pkt_is_malformed(i))
			nmal += t->kinds[i];
		o += (size_t)snprintf(kinds + o, sizeof(kinds) - o, " %s=%d",
				      mos_pkt_kind_name(i), t->kinds[i]);
		if (o >= sizeof(kinds))
			break;
	}
	ok(want < 0 || t->frames == want, "%s: %d frames read (json: %d):%s",
	   name, t->frames, want, kinds);
	ok(t->prefix_bad == 0,
	   "%s: every prefix of every frame parses consistently%s",
	   name, t->why);

	if (!strcmp(name, "malformed.pcap")) {
		int n = (int)ARRAY_SIZE(MALFORMED_ORDER);

		ok(t->frames == MALFORMED_PACKETS && nmal == n &&
		   t->kinds[MOS_PKT_TCP] == MALFORMED_PACKETS - n,
		   "malformed.pcap: %d malformed and %d tcp (want %d and %d)",
		   nmal, t->kinds[MOS_PKT_TCP], n, MALFORMED_PACKETS - n);
		ok(t->nmal == n && !memcmp(t->mal_seq, MALFORMED_ORDER,
					   sizeof(MALFORMED_ORDER)),
		   "malformed.pcap: reasons in order ip_short, ip_ihl x2, ip_version, ip_totlen, tcp_short x2, tcp_doff x2");
		ok(t->kinds[MOS_MAL_IP_SHORT] == 1 &&
		   t->kinds[MOS_MAL_IP_IHL] == 2 &&
		   t->kinds[MOS_MAL_IP_VERSION] == 1 &&
		   t->kinds[MOS_MAL_IP_TOTLEN] == 1 &&
		   t->kinds[MOS_MAL_TCP_SHORT] == 2 &&
		   t->kinds[MOS_MAL_TCP_DOFF] == 2,
		   "malformed.pcap: counts by reason");
		return;
	}
	ok(nmal == 0, "%s: no frame malformed", name);
	if (!strcmp(name, "ip_fragments.pcap"))
		ok(t->v4frag == FRAGMENTS_V4 && t->v6frag == FRAGMENTS_V6 &&
		   t->kinds[MOS_PKT_TCP] == t->frames - 7,
		   "ip_fragments.pcap: %d IPv4 and %d IPv6 fragments (want %d, %d), rest tcp",
		   t->v4frag, t->v6frag, FRAGMENTS_V4, FRAGMENTS_V6);
	else
		ok(t->kinds[MOS_PKT_TCP] == t->frames,
		   "%s: every frame is tcp", name);
	if (!strcmp(name, "vlan.pcap"))
		ok(t->vlan1 && t->vlan2 && t->v6,
		   "vlan.pcap: single-tagged, QinQ and tagged IPv6 seen (%d, %d, %d)",
		   t->vlan1, t->vlan2, t->v6);
	if (!strcmp(name, "ipv6.pcap"))
		ok(t->v6 == t->frames, "ipv6.pcap: every frame IPv6");
	if (!strcmp(name, "options.pcap"))
		ok(t->ihl9 && t->mss && t->ws && t->sackok && t->ts,
		   "options.pcap: IHL 9, MSS, WS, SACK-permitted, TS seen (%d %d %d %d %d)",
		   t->ihl9, t->mss, t->ws, t->sackok, t->ts);
	if (!strcmp(name, "eth_padding.pcap"))
		ok(t->trailer > 0, "eth_padding.pcap: %d frames with a trailer",
		   t->trailer);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_corpus(const char *dir)
{
	char *names[256], path[4096], err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	struct dirent *de;
	int n = 0, i, r;
	DIR *d = opendir(dir);

	if (!d) {
		ok(0, "opendir %s", dir);
		return tap_done();
	}
	while ((de = readdir(d)) && n < 256) {
		size_t l = strlen(de->d_name);

		if (l > 5 && !strcmp(de->d_name + l - 5, ".pcap"))
			names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), by_name);
	ok(n > 0, "%d captures in %s", n, dir);
	for (i = 0; i < n; i++) {
		struct tally t;
		pcap_t *pc;

		memset(&t, 0, sizeof(t));
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		pc = pcap_open_offline(path, err);
		if (!ok(pc != NULL, "%s: opened", names[i]) ||
		    !ok(pcap_datalink(pc) == DLT_EN10MB, "%s: Ethernet",
			names[i])) {
			if (pc)
				pcap_close(pc);
			free(names[i]);
			continue;
		}
		while ((r = pcap_next_ex(pc, &h, &data)) == 1)
			tally_frame(&t, data, h->caplen);
		ok(r == PCAP_ERROR_BREAK, "%s: read to the end", names[i]);
		pcap_close(pc);
		report_file(dir, names[i], &t);
		free(names[i]);
	}
	free(exact);
	return tap_done();
}

int main(int argc, char **argv)
{
	if (argc > 1)
		return run_corpus(argv[1]);
	test_ipv4_all_options();
	test_vlan();
	test_ipv6_ext();
	test_ipv4_options();
	test_padding();
	test_fragments_and_other();
	test_malformed();
	test_option_garbage();
	test_checksums();
	test_names();
	test_truncation();
	free(exact);
	return tap_done();
}
