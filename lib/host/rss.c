/*
 * rss.c -- the RSS hash and source-port choice (see rss.h).
 */
#include "internal.h"

#include <arpa/inet.h>
#include <pthread.h>
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

/* With every key byte equal, the 32-bit window at bit 8i + b is the same
 * for every i: the hash is the XOR of one table entry per input byte. */
static uint32_t table[256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void table_init(void)
{
	uint8_t key[MOS_RSS_KEY_LEN];
	int v;

	memset(key, MOS_RSS_KEY_BYTE, sizeof(key));
	for (v = 0; v < 256; v++) {
		uint8_t in = (uint8_t)v;

		table[v] = mos_toeplitz(key, &in, 1);
	}
}

static uint32_t hash_bytes(const uint8_t *b, size_t len)
{
	uint32_t h = 0;
	size_t i;

	pthread_once(&table_once, table_init);
	for (i = 0; i < len; i++)
		h ^= table[b[i]];
	return h;
}

uint32_t mos_rss_hash4(uint32_t saddr, uint32_t daddr, uint16_t sport,
		       uint16_t dport)
{
	uint8_t in[12];

	memcpy(in, &saddr, 4);
	memcpy(in + 4, &daddr, 4);
	memcpy(in + 8, &sport, 2);
	memcpy(in + 10, &dport, 2);
	return hash_bytes(in, sizeof(in));
}

uint32_t mos_rss_hash_pkt(const struct mos_pkt *p)
{
	uint16_t sp = htons(p->sport), dp = htons(p->dport);
	uint8_t in[36];

	if (p->ipver == 4)
		return mos_rss_hash4(p->saddr.v4, p->daddr.v4, sp, dp);
	memcpy(in, p->saddr.v6, 16);
	memcpy(in + 16, p->daddr.v6, 16);
	memcpy(in + 32, &sp, 2);
	memcpy(in + 34, &dp, 2);
	return hash_bytes(in, sizeof(in));
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
