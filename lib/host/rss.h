/*
 * rss.h -- which context receives a flow, and source ports that come back
 * to the context that opened the connection.
 *
 * The hash is Toeplitz (Microsoft RSS) with a 40-byte key of repeated
 * 0x05 (GetRSSCPUCore(3)): with a key that repeats every byte, swapping the two
 * addresses and the two ports leaves the hash alone, so both directions
 * of a flow land on one context.  A port's frames go to the contexts that
 * poll it (in context order) by the hash's low 7 bits modulo their count
 * -- the same rule for a NIC's RSS and for the software spread of
 * lib/dispatch.c, so GetRSSCPUCore (include/mtcp_util.h) tells both.
 */
#ifndef MOS_HOST_RSS_H
#define MOS_HOST_RSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MOS_RSS_KEY_LEN 40
#define MOS_RSS_KEY_BYTE 0x05
#define MOS_RSS_BITS 7		/* the redirection table's 128 entries */

struct mos_pkt;
struct mos_ctx;

/* Toeplitz over len bytes of input with a key of MOS_RSS_KEY_LEN bytes
 * (len <= MOS_RSS_KEY_LEN - 4), done bit by bit as the definition says. */
uint32_t mos_toeplitz(const uint8_t *key, const uint8_t *in, size_t len);
/* The same hash with the 0x05 key, by table: what the per-frame spread
 * uses. */
uint32_t mos_rss_hash_pkt(const struct mos_pkt *p);
/* IPv4 4-tuple, network order. */
uint32_t mos_rss_hash4(uint32_t saddr, uint32_t daddr, uint16_t sport,
		       uint16_t dport);
/* Index among n receivers. */
static inline int mos_rss_index(uint32_t hash, int n)
{
	return n > 1 ? (int)((hash & ((1u << MOS_RSS_BITS) - 1)) %
			     (uint32_t)n) : 0;
}

/* mtcp_init_rss: the source addresses connect draws from for one
 * destination. */
struct mos_rss_pool {
	bool set;
	uint32_t saddr_base;	/* host order, first address */
	int num_addr;
	uint32_t daddr;		/* network order */
	uint16_t dport;		/* network order, 0 = any */
	uint32_t cursor;	/* next (address, port) candidate */
};

/*
 * A source port (network order) for saddr -> daddr:dport whose replies
 * this context receives and whose 4-tuple is free; 0 when none is left.
 * `port` is the output port (whose polling contexts the hash spreads
 * over).
 */
uint16_t mos_rss_pick_port(struct mos_ctx *c, int port, uint32_t saddr,
			   uint32_t daddr, uint16_t dport);
/* Does saddr:sport -> daddr:dport come back to this context? */
bool mos_rss_mine(struct mos_ctx *c, int port, uint32_t saddr,
		  uint16_t sport, uint32_t daddr, uint16_t dport);

#endif
