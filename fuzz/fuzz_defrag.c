/*
 * fuzz_defrag.c -- IP reassembly (lib/ip_defrag.h) on fragment sequences.
 *
 * Input: one byte of set-up (bit 0 the later bytes win IPv4 overlaps;
 * bit 1 a small byte budget; bit 2 a small datagram table), then 8 bytes
 * per fragment:
 *   0     bit 0 IPv6; bits 1-2 which of 4 datagrams; bit 3 more
 *         fragments; bit 4 UDP, not TCP; bits 5-6 the version of the
 *         bytes (an overlap with other data); bit 7 the clock jumps by
 *         half the timeout
 *   1-2   fragment offset, 8-byte units
 *   3-4   length (mod 1500)
 *   5     bit 0 keep an odd length (else rounded to 8 bytes)
 *   6-7   clock step, ms
 * Each fragment is parsed and handed over in a heap block of exactly its
 * size (AddressSanitizer sees any read past it).  Checked: the table
 * never holds more datagrams or bytes than its budget; a datagram made
 * whole parses (from an exact-size copy) as no fragment, its IP length
 * matches its size, and each of its bytes is one some fragment carried
 * at that offset.
 */
#include <string.h>

#include "io.h"
#include "ip_defrag.h"
#include "pkt_parse.h"
#include "fuzz.h"

#define TIMEOUT_US 30000000ull

static uint8_t pat(unsigned id, uint32_t off)
{
	return (uint8_t)((off * 2654435761u >> 11) ^ (id * 0x3bu));
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* One fragment frame into f; its length. */
static uint32_t build(uint8_t *f, const uint8_t *b)
{
	bool v6 = b[0] & 1, more = b[0] & 8;
	unsigned id = (b[0] >> 1) & 3, ver = (b[0] >> 5) & 3;
	uint8_t proto = (b[0] & 16) ? 17 : 6;
	uint32_t off = (uint32_t)(b[1] << 8 | b[2]) & 0x1fff;
	uint32_t len = (uint32_t)(b[3] << 8 | b[4]) % 1500u, i, hl;
	uint8_t *ip = f + 14, *pl;

	if (!(b[5] & 1))
		len &= ~7u;
	memset(f, 0, 14 + 48);
	f[0] = 2, f[6] = 2, f[11] = (uint8_t)(1 + (id & 1));
	put16(f + 12, v6 ? 0x86dd : 0x0800);
	if (v6) {
		hl = 48;
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)(8 + len));
		ip[6] = 44;
		ip[7] = 64;
		/* the whole datagram loses the fragment header: its source
		 * address tells the four datagrams apart */
		ip[8] = 0xfd, ip[23] = (uint8_t)(1 + id);
		ip[24] = 0xfd, ip[39] = 9;
		ip[40] = proto;
		put16(ip + 42, (uint16_t)(off << 3 | (more ? 1 : 0)));
		ip[47] = (uint8_t)id;
	} else {
		hl = 20;
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + len));
		put16(ip + 4, (uint16_t)(0x1000 + id));
		put16(ip + 6, (uint16_t)((more ? 0x2000 : 0) | off));
		ip[8] = 64;
		ip[9] = proto;
		ip[12] = 10, ip[15] = (uint8_t)(1 + (id & 1));
		ip[16] = 10, ip[19] = 9;
		put16(ip + 10, csum(ip, 20));
	}
	pl = ip + hl;
	for (i = 0; i < len; i++)
		pl[i] = pat(id, off * 8 + i) ^ (uint8_t)(0x55 * ver);
	return 14 + hl + len;
}

static void check_whole(const struct mos_frame *w)
{
	struct mos_pkt p;
	uint8_t *copy = malloc(w->len ? w->len : 1);
	uint32_t l3, start, i, n;
	unsigned id;
	int kind;

	FUZZ_CHECK(w->len > 14 + 20, "whole datagram of %u bytes", w->len);
	memcpy(copy, w->data, w->len);
	kind = mos_pkt_parse(&p, copy, w->len, false);
	FUZZ_CHECK(kind != MOS_PKT_FRAGMENT, "reassembled is a fragment");
	l3 = 14;
	if (copy[12] == 0x86) {
		start = l3 + 40;
		FUZZ_CHECK((uint32_t)(copy[l3 + 4] << 8 | copy[l3 + 5]) + 40 ==
				   w->len - l3,
			   "IPv6 payload length against %u bytes", w->len);
		id = copy[l3 + 23] - 1u;	/* from the source address */
	} else {
		start = l3 + (copy[l3] & 0x0fu) * 4u;
		FUZZ_CHECK((uint32_t)(copy[l3 + 2] << 8 | copy[l3 + 3]) ==
				   w->len - l3,
			   "IPv4 total length against %u bytes", w->len);
		FUZZ_CHECK((copy[l3 + 6] & 0x3f) == 0 && copy[l3 + 7] == 0,
			   "offset or MF left set");
		id = (uint32_t)(copy[l3 + 4] << 8 | copy[l3 + 5]) - 0x1000u;
	}
	n = w->len - start;
	for (i = 0; id < 4 && i < n; i++) {
		uint8_t b = copy[start + i] ^ pat(id, i);

		FUZZ_CHECK(b == 0 || b == 0x55 || b == 0xaa || b == 0xff,
			   "byte %u of datagram %u was never sent there", i,
			   id);
	}
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t f[14 + 48 + 1500];
	struct fuzz_in in = { data, size };
	uint8_t setup = fuzz_u8(&in);
	struct mos_defrag_conf conf = {
		.last_wins = setup & 1,
		.timeout_us = TIMEOUT_US,
		.memory = (setup & 2) ? 8192 : 1u << 20,
		.max_datagrams = (setup & 4) ? 2 : 64,
	};
	uint64_t counts[MOS_DF_COUNT] = { 0 }, now = 1000000;
	struct mos_defrag *d = mos_defrag_create(&conf);

	if (!d)
		return 0;
	while (in.n >= 8) {
		uint8_t b[8];
		struct mos_frame fr = { 0 }, whole = { 0 };
		uint32_t len;
		int kind, dg;
		size_t bytes;

		for (int i = 0; i < 8; i++)
			b[i] = fuzz_u8(&in);
		now += (uint64_t)(b[6] << 8 | b[7]) * 1000u;
		if (b[0] & 0x80)
			now += TIMEOUT_US / 2;
		len = build(f, b);
		fr.data = malloc(len);
		memcpy(fr.data, f, len);
		fr.len = fr.room = len;
		kind = mos_pkt_parse(&fr.pkt, fr.data, len, false);
		fr.kind = kind;
		if (kind == MOS_PKT_FRAGMENT &&
		    mos_defrag_input(d, &fr, now, &whole, counts) ==
			    MOS_DEFRAG_DONE)
			check_whole(&whole);
		free(fr.data);
		mos_defrag_usage(d, &dg, &bytes);
		FUZZ_CHECK(dg <= conf.max_datagrams && bytes <= conf.memory,
			   "%d datagrams, %zu bytes held (budget %d, %zu)", dg,
			   bytes, conf.max_datagrams, conf.memory);
	}
	mos_defrag_flush(d, counts);
	FUZZ_CHECK(counts[MOS_DF_REASSEMBLED] <= counts[MOS_DF_FRAGMENTS],
		   "%llu reassembled of %llu fragments",
		   (unsigned long long)counts[MOS_DF_REASSEMBLED],
		   (unsigned long long)counts[MOS_DF_FRAGMENTS]);
	mos_defrag_destroy(d);
	return 0;
}
