/*
 * flow.h -- a tracked TCP connection: two emulated endpoints ("halves")
 * and the per-context table that finds a flow from either direction.
 *
 * half[MOS_SIDE_CLI] is the host that sent the first SYN.  Each half
 * keeps the state of the endpoint it models and the ring of the bytes that
 * endpoint *receives*: half[MOS_SIDE_SVR].ring holds what the client sent.
 */
#ifndef MOS_FLOW_H
#define MOS_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "pkt_parse.h"
#include "ring_buf.h"

/* addr first: no hole, and a 3-byte tail the flow does not need */
struct mos_flow_key {
	union mos_addr addr[2];
	uint16_t port[2];		/* host order, [CLI], [SVR] */
	uint8_t ipver;			/* 4 or 6 */
};

/*
 * 72 bytes: the flags as bit-fields in the first bytes, then the 32-bit
 * sequence state, then the 64-bit offsets and counters.
 */
struct mos_half {
	uint8_t state : 4;		/* enum tcpstate (0 .. 10) */
	uint8_t policy : 2;		/* MOS_OVERLAP_POLICY_* */
	bool isn_known : 1;		/* this half's SYN was seen */
	bool fin_sent : 1;
	int8_t wscale;			/* -1 until both SYNs agree */
	uint8_t tcp_flags;		/* OR of the flags it sent */
	bool synack_sent : 1;		/* it sent a SYN/ACK (REXMIT on the next) */
	bool started : 1;		/* CONN_START delivered for this side */
	bool buf_off : 1;		/* no ring for this side */
	bool ring_gone : 1;		/* its ring, drained, went back to
					 * the pool (mos_tcp_ring_adopt) */
	uint32_t isn;			/* sequence number of its SYN */
	uint32_t snd_nxt;		/* highest sequence sent + 1 */
	uint32_t fin_seq;		/* sequence number of its FIN */
	uint32_t rcv_wnd;		/* last window it advertised, scaled */
	uint32_t ring_cap;		/* capacity to use for the ring */
	uint64_t rcv_end;		/* in-order end when there is no ring */
	uint64_t ack_end;		/* highest offset it acknowledged */
	/* for MOS_INFO_FLOW: what it sent (and tcp_flags above), and what
	 * its ring lost */
	uint64_t pkts, ip_bytes;	/* segments, their IP total lengths */
	uint64_t gap_bytes;		/* holes given up in its ring (1.12) */
	/* bytes this half receives; from the pool at the first byte stored
	 * or given up, so a flow that carried none holds no ring */
	struct mos_ring *ring;
};

/*
 * The first cache line holds what every packet of the flow reads: the key
 * a lookup compares (after the bucket matched the hash), the hash itself
 * (so removal never recomputes it), the socket list and the idle stamp.
 * The list links of the idle list live in the table, not here, so that
 * moving a flow to the young end writes no other flow's lines.  232 bytes
 * in all (pahole).
 */
struct mos_flow {
	struct mos_flow_key key;
	uint32_t hash;			/* mos_flow_hash of the key */
	int sock_first, sock_last;	/* per-flow sockets, listener order */
	uint8_t pending;		/* bit per side: NEW_DATA due */
	bool on_pending : 1;
	bool in_use : 1;
	bool ending : 1;		/* CONN_END being delivered */
	bool on_tw : 1;
	uint64_t last_us;		/* time of the last packet */
	/* cold: end of flow and the per-burst notices; the lists' links
	 * are entry indexes (mos_flow_at), MOS_FLOW_NIL ends them */
	uint32_t pnext;			/* NEW_DATA pending list */
	uint32_t twnext;		/* TIME_WAIT list, by deadline */
	uint64_t tw_deadline_us;	/* 0 = not in TIME_WAIT */
	uint64_t start_us;		/* time of its first packet */
	struct mos_half half[2];
};

/*
 * One cache line of the hash table: the full hashes of up to seven flows
 * and their entry indexes, so a lookup reads this line and then only the
 * flow whose hash matched.  A bucket that fills chains to a spare bucket.
 * Chains are kept packed (every bucket but the last of a chain is full),
 * so max_concurrency / 7 + 1 spares can never run out.
 */
#define MOS_FLOW_BUCKET_SLOTS 7

struct mos_flow_bucket {
	_Alignas(64) uint32_t hash[MOS_FLOW_BUCKET_SLOTS];
	uint32_t idx[MOS_FLOW_BUCKET_SLOTS];
	uint32_t n;			/* slots in use */
	uint32_t next;			/* spare + 1, 0 = end of chain */
};

/* Idle list and free list links by entry index; MOS_FLOW_NIL ends them. */
#define MOS_FLOW_NIL UINT32_MAX

struct mos_flow_link {
	uint32_t prev, next;
};

struct mos_flow_table {
	struct mos_flow *entries;	/* max_concurrency, touched on demand */
	uint32_t cap, used, high;	/* high: entries ever handed out */
	uint32_t free;			/* free entries, through link[].next */
	struct mos_flow_bucket *buckets;
	uint32_t mask;
	struct mos_flow_bucket *spare;	/* overflow buckets */
	uint32_t nspare, spare_high, spare_free;
	struct mos_flow_link *link;	/* per entry */
	/* the idle list, oldest first, kept as pointers for its readers */
	struct mos_flow *idle_head, *idle_tail;
	struct mos_flow *tw_head, *tw_tail;
	void *mem[2];			/* entries, buckets: for fini */
};

/* Entry index of f (MOS_FLOW_NIL for NULL), and back. */
static inline uint32_t mos_flow_idx(const struct mos_flow_table *t,
				    const struct mos_flow *f)
{
	return f ? (uint32_t)(f - t->entries) : MOS_FLOW_NIL;
}

static inline struct mos_flow *mos_flow_at(const struct mos_flow_table *t,
					   uint32_t i)
{
	return i == MOS_FLOW_NIL ? NULL : &t->entries[i];
}

/* The same for both directions of a flow: spreads flows over contexts.
 * Computed once per frame, into p->hash, before the table is asked. */
uint32_t mos_flow_hash(const struct mos_pkt *p);
int mos_flow_table_init(struct mos_flow_table *t, uint32_t cap);
void mos_flow_table_fini(struct mos_flow_table *t);
/* The flow of this segment (by p->hash) and, in *side, the half that
 * sent it. */
struct mos_flow *mos_flow_lookup(struct mos_flow_table *t,
				 const struct mos_pkt *p, int *side);
/* Ask for p's bucket now, so that its lookup later does not wait. */
static inline void mos_flow_prefetch(const struct mos_flow_table *t,
				     uint32_t hash)
{
	__builtin_prefetch(&t->buckets[hash & t->mask]);
}
/* The flow p probably belongs to, fetched ahead of its lookup: a hint
 * only, the table may change before p is processed. */
const struct mos_flow *mos_flow_prefetch_flow(const struct mos_flow_table *t,
					      uint32_t hash);
/* Then, for that guess, what moving it on the idle list will write. */
void mos_flow_prefetch_links(const struct mos_flow_table *t,
			     const struct mos_flow *f);
/* A new flow whose client is the sender of p; NULL when the table is full
 * (it never grows). */
struct mos_flow *mos_flow_insert(struct mos_flow_table *t,
				 const struct mos_pkt *p);
void mos_flow_remove(struct mos_flow_table *t, struct mos_flow *f);
/* Mark f as just seen: it moves to the young end of the idle list. */
void mos_flow_touch(struct mos_flow_table *t, struct mos_flow *f,
		    uint64_t now_us);

#endif
