/*
 * t_rss.c -- the RSS hash of lib/host/rss.h: Toeplitz checked against
 * the verification values of Microsoft's RSS specification (key
 * 6d5a...fa), the table form used per frame equal to the bit-by-bit form
 * for the 0x05 key, symmetry for IPv4 and IPv6, and the software
 * dispatch (dispatch.h) sending a flow where GetRSSCPUCore says.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mtcp_util.h>

#include "dispatch.h"
#include "host/rss.h"
#include "io.h"
#include "pkt_parse.h"
#include "tap.h"

static const uint8_t ms_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* The specification's IPv4 examples: source, destination, ports, hash
 * with ports, hash of the addresses only. */
static const struct {
	const char *src, *dst;
	uint16_t sp, dp;
	uint32_t with_ports, addrs_only;
} vec[] = {
	{ "66.9.149.187", "161.142.100.80", 2794, 1766, 0x51ccc178, 0x323e8fc2 },
	{ "199.92.111.2", "65.69.140.83", 14230, 4739, 0xc626b0ea, 0xd718262a },
	{ "24.19.198.95", "12.22.207.184", 12898, 38024, 0x5c2b394a, 0xd2d0a5de },
	{ "38.27.205.30", "209.142.163.6", 48228, 2217, 0xafc7327f, 0x82989176 },
	{ "153.39.163.191", "202.188.127.2", 44251, 1303, 0x10e828a2, 0x5d1809c5 },
};

static void put_tuple(uint8_t *in, uint32_t s, uint32_t d, uint16_t sp,
		      uint16_t dp)
{
	memcpy(in, &s, 4);
	memcpy(in + 4, &d, 4);
	memcpy(in + 8, &sp, 2);
	memcpy(in + 10, &dp, 2);
}

int main(void)
{
	uint8_t key5[40], in[12];
	unsigned i, bad = 0, asym = 0, wrong = 0;

	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		uint32_t s = inet_addr(vec[i].src), d = inet_addr(vec[i].dst);

		put_tuple(in, s, d, htons(vec[i].sp), htons(vec[i].dp));
		ok(mos_toeplitz(ms_key, in, 12) == vec[i].with_ports &&
		   mos_toeplitz(ms_key, in, 8) == vec[i].addrs_only,
		   "Toeplitz, specification vector %u (%s:%u)", i + 1,
		   vec[i].src, vec[i].sp);
	}
	memset(key5, 0x05, sizeof(key5));
	srand(7);
	for (i = 0; i < 10000; i++) {
		uint32_t s = (uint32_t)rand(), d = (uint32_t)rand();
		uint16_t sp = (uint16_t)rand(), dp = (uint16_t)rand();
		uint32_t h;

		put_tuple(in, s, d, sp, dp);
		h = mos_toeplitz(key5, in, 12);
		bad += h != mos_rss_hash4(s, d, sp, dp);
		asym += h != mos_rss_hash4(d, s, dp, sp);
		wrong += GetRSSCPUCore(s, d, sp, dp, 3) !=
			 (int)((h & 127u) % 3u);
	}
	ok(bad == 0, "table hash = bit-by-bit Toeplitz, 0x05 key (%u of "
	   "10000 differ)", bad);
	ok(asym == 0, "symmetric for both directions (%u of 10000 not)", asym);
	ok(wrong == 0, "GetRSSCPUCore = (hash & 127) %% 3 (%u of 10000 not)",
	   wrong);
	/* the software spread picks the context GetRSSCPUCore names */
	{
		struct mos_port_spread sp = { .n = 3, .ctx = { 0, 1, 2 } };
		struct mos_frame f;
		unsigned miss = 0, miss6 = 0;

		memset(&f, 0, sizeof(f));
		f.kind = MOS_PKT_TCP;
		for (i = 0; i < 5000; i++) {
			uint32_t s = (uint32_t)rand(), d = (uint32_t)rand();

			f.pkt.ipver = 4;
			f.pkt.saddr.v4 = s;
			f.pkt.daddr.v4 = d;
			f.pkt.sport = (uint16_t)rand();
			f.pkt.dport = (uint16_t)rand();
			miss += mos_dispatch_pick(&sp, &f) !=
				GetRSSCPUCore(s, d, htons(f.pkt.sport),
					      htons(f.pkt.dport), 3);
		}
		ok(miss == 0, "software dispatch = GetRSSCPUCore for 5000 "
		   "IPv4 flows (%u differ)", miss);
		for (i = 0; i < 1000; i++) {
			struct mos_pkt a, b;
			int k;

			memset(&a, 0, sizeof(a));
			a.ipver = 6;
			for (k = 0; k < 16; k++) {
				a.saddr.v6[k] = (uint8_t)rand();
				a.daddr.v6[k] = (uint8_t)rand();
			}
			a.sport = (uint16_t)rand();
			a.dport = (uint16_t)rand();
			b = a;
			memcpy(b.saddr.v6, a.daddr.v6, 16);
			memcpy(b.daddr.v6, a.saddr.v6, 16);
			b.sport = a.dport;
			b.dport = a.sport;
			miss6 += mos_rss_hash_pkt(&a) != mos_rss_hash_pkt(&b);
		}
		ok(miss6 == 0, "IPv6 flows hash alike both ways (%u of 1000 "
		   "not)", miss6);
	}
	return tap_done();
}
