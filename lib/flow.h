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

struct mos_flow_key {
	uint8_t ipver;			/* 4 or 6 */
	uint16_t port[2];		/* host order, [CLI], [SVR] */
	union mos_addr addr[2];
};

struct mos_half {
	uint8_t state;			/* enum tcpstate */
	bool isn_known;			/* this half's SYN was seen */
	bool fin_sent;
	bool synack_sent;		/* it sent a SYN/ACK (REXMIT on the next) */
	bool started;			/* CONN_START delivered for this side */
	bool buf_off;			/* no ring for this side */
	bool has_ring;			/* ring initialised (first payload) */
	uint8_t policy;
	int8_t wscale;			/* -1 until both SYNs agree */
	uint32_t isn;			/* sequence number of its SYN */
	uint32_t snd_nxt;		/* highest sequence sent + 1 */
	uint32_t fin_seq;		/* sequence number of its FIN */
	uint32_t rcv_wnd;		/* last window it advertised, scaled */
	uint32_t ring_cap;		/* capacity to use for the ring */
	uint64_t rcv_end;		/* in-order end when there is no ring */
	struct mos_ring ring;		/* bytes this half receives */
};

struct mos_flow {
	struct mos_flow_key key;
	struct mos_flow *hnext;		/* hash chain */
	struct mos_flow *lprev, *lnext;	/* idle list, oldest first */
	struct mos_flow *pnext;		/* NEW_DATA pending list */
	struct mos_flow *twnext;	/* TIME_WAIT list, by deadline */
	bool on_tw;
	uint64_t id;			/* creation order in the context */
	uint64_t last_us;		/* time of the last packet */
	uint64_t tw_deadline_us;	/* 0 = not in TIME_WAIT */
	uint8_t pending;		/* bit per side: NEW_DATA due */
	bool on_pending;
	bool in_use;
	bool ending;			/* CONN_END being delivered */
	int sock_first, sock_last;	/* per-flow sockets, listener order */
	struct mos_half half[2];
};

struct mos_flow_table {
	struct mos_flow *entries;	/* max_concurrency, touched on demand */
	uint32_t cap, used, high;	/* high: entries ever handed out */
	struct mos_flow *free;
	struct mos_flow **buckets;
	uint32_t mask;
	struct mos_flow *idle_head, *idle_tail;
	struct mos_flow *tw_head, *tw_tail;
	uint64_t next_id;
};

/* The same for both directions of a flow: spreads flows over contexts. */
uint32_t mos_flow_hash(const struct mos_pkt *p);
int mos_flow_table_init(struct mos_flow_table *t, uint32_t cap);
void mos_flow_table_fini(struct mos_flow_table *t);
/* The flow of this segment and, in *side, the half that sent it. */
struct mos_flow *mos_flow_lookup(struct mos_flow_table *t,
				 const struct mos_pkt *p, int *side);
/* A new flow whose client is the sender of p; NULL when the table is full. */
struct mos_flow *mos_flow_insert(struct mos_flow_table *t,
				 const struct mos_pkt *p);
void mos_flow_remove(struct mos_flow_table *t, struct mos_flow *f);
/* Mark f as just seen: it moves to the young end of the idle list. */
void mos_flow_touch(struct mos_flow_table *t, struct mos_flow *f,
		    uint64_t now_us);

#endif
