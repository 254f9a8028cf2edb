/*
 * rss.c -- the RSS hash and source-port choice (see rss.h).
 */
#include "internal.h"

#include <arpa/inet.h>
#include <string.h>

#include "context.h"
#include "host/host.h"
#include "host/rss.h"
#include "host/tcp.h"
#include "pkt_parse.h"

/* Toeplitz (the RSS specification): for every set bit of the input, in
 * order from the most significant bit of the first byte, XOR in the 32
 * key bits starting at that bit's position. */
uint32_t mos_toeplitz(const uint8_t *key, const uint8_t *in, size_t len)
{
	uint32_t hash = 0, window;
	size_t i;
	int b;

	window = (uint32_t)key[0] << 24 | (uint32_t)key[1] << 16 |
		 (uint32_t)key[2] << 8 | key[3];
	for (i = 0; i < len; i++) {
		uint8_t next = key[i + 4];

		for (b = 7; b >= 0; b--) {
			if (in[i] & (1u << b))
				hash ^= window;
			window = window << 1 | ((next >> b) & 1u);
		}
	}
	return hash;
}

/*
 * With every key byte equal, the 32-bit window at input bit 8i + b is the
 * same for every byte i, and Toeplitz is linear over XOR: the hash of the
 * input is the hash of one byte, the XOR of all its bytes.  So no table
 * and no per-call set-up: fold, then at most 8 XORs.
 */
static uint32_t hash_byte(uint8_t x)
{
	uint32_t window = MOS_RSS_KEY_BYTE * 0x01010101u, h = 0;
	int b;

	for (b = 7; b >= 0; b--) {
		h ^= window & (0u - ((x >> b) & 1u));
		/* the next key bit is the one leaving the top: a rotation */
		window = window << 1 | window >> 31;
	}
	return h;
}

static uint8_t fold32(uint32_t v)
{
	v ^= v >> 16;
	v ^= v >> 8;
	return (uint8_t)v;
}

uint32_t mos_rss_hash4(uint32_t saddr, uint32_t daddr, uint16_t sport,
		       uint16_t dport)
{
	return hash_byte(fold32(saddr ^ daddr ^ sport ^
				(uint32_t)dport << 16));
}

uint32_t mos_rss_hash_pkt(const struct mos_pkt *p)
{
	uint32_t v = (uint32_t)p->sport ^ (uint32_t)p->dport << 16, w[4];
	int i;

	/* byte order does not matter to an XOR of all bytes */
	if (p->ipver == 4)
		return hash_byte(fold32(v ^ p->saddr.v4 ^ p->daddr.v4));
	for (i = 0; i < 2; i++) {
		memcpy(w, i ? p->daddr.v6 : p->saddr.v6, 16);
		v ^= w[0] ^ w[1] ^ w[2] ^ w[3];
	}
	return hash_byte(fold32(v));
}

/* This context's rank among the contexts polling port, and their number
 * (1 when only this one, or the port is not polled by it). */
static int rank_of(struct mos_ctx *c, int port, int *n)
{
	const struct mos_port_spread *s = &c->spread[port];
	int i;

	*n = 1;
	for (i = 0; i < s->n; i++)
		if (s->ctx[i] == c->pub.cpu) {
			*n = s->n;
			return i;
		}
	return 0;
}

bool mos_rss_mine(struct mos_ctx *c, int port, uint32_t saddr,
		  uint16_t sport, uint32_t daddr, uint16_t dport)
{
	int n, me = rank_of(c, port, &n);

	return n <= 1 ||
	       mos_rss_index(mos_rss_hash4(saddr, daddr, sport, dport), n) ==
		       me;
}

#define PORT_LO 1024
#define PORT_HI 65535

uint16_t mos_rss_pick_port(struct mos_ctx *c, int port, uint32_t saddr,
			   uint32_t daddr, uint16_t dport)
{
	struct mos_host *h = c->host;
	int tries;

	for (tries = 0; tries <= PORT_HI - PORT_LO; tries++) {
		uint16_t p = h->next_port;

		h->next_port = p >= PORT_HI || p < PORT_LO ? PORT_LO
							  : (uint16_t)(p + 1);
		if (p < PORT_LO)
			continue;
		if (!mos_rss_mine(c, port, saddr, htons(p), daddr, dport))
			continue;
		if (mos_tcp_tuple_in_use(h->tcp, saddr, htons(p), daddr,
					 dport))
			continue;
		return htons(p);
	}
	return 0;
}
