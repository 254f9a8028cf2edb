/*
 * context.h -- one packet-processing context: its thread, tables, timers,
 * the packet being dispatched, and its counters.
 *
 * Run to completion and shared-nothing: only the context's own thread
 * touches the packet path.  Calls from other threads take `lock`, which
 * the packet thread holds while it processes an iteration of its loop, so
 * they take effect between bursts.
 */
#ifndef MOS_CONTEXT_H
#define MOS_CONTEXT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <mos_api.h>

#include "config.h"
#include "dispatch.h"
#include "flow.h"
#include "io.h"
#include "pkt_parse.h"
#include "ring_buf.h"
#include "sock.h"
#include "stats.h"

#define MOS_MAX_CONTEXTS 64
#define MOS_MAX_BURST 1024
#define MOS_RAISE_MAX 32

struct mos_host;

struct mos_timer {
	uint64_t due_us;
	uint64_t seq;		/* keeps equal deadlines in arming order */
	int id;
	callback_t cb;
};

/* Events raised (mtcp_raise_event) during one dispatch.  It lives on the
 * stack of mos_dispatch and is reached through mos_cur.raise, so that
 * resetting or saving struct mos_cur per frame never touches its arrays. */
struct mos_raise {
	int nraised, ndone;
	event_t raised[MOS_RAISE_MAX];
	event_t done[MOS_RAISE_MAX];
};

/* What the current dispatch is about (for the callback-only calls).
 * Kept to one cache line: it is reset for every frame and saved around
 * nested dispatches. */
struct mos_cur {
	struct mos_frame *frame;	/* NULL: no packet (NEW_DATA, END, timer) */
	struct mos_pkt *pkt;
	struct mos_flow *flow;
	uint64_t offset;		/* stream offset of the payload */
	struct mos_raise *raise;	/* NULL outside a dispatch */
	int kind;			/* parse result of the frame */
	int recv_side;			/* half receiving the packet, -1 */
	int sock;			/* the dispatch in progress */
	int8_t hook, side;
	uint16_t depth;			/* dispatch nesting */
	bool drop;			/* MOS_DROP asked by a callback */
};

struct mos_ctx {
	struct mtcp_context pub;	/* mctx_t points here */
	int core;
	const struct mos_config *cfg;
	struct mos_io *io;

	pthread_t thread;
	bool thread_running;
	bool joined;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool ready;			/* thread set up */
	bool created;			/* mtcp_create_context returned */
	bool go;			/* offline input may start */
	bool ended;			/* thread loop finished */
	volatile int stop;		/* asked to stop */
	bool free_on_join;		/* destroy_context asked from a handler */
	int waiters;			/* other threads wanting the lock */
	unsigned long served;		/* other threads that got the lock */

	uint64_t now_us;
	unsigned idle_polls;		/* empty polls in a row (live) */
	int nports;
	int ports[MOS_MAX_PORTS];
	bool port_ended[MOS_MAX_PORTS];
	struct mos_frame **rx;
	/* software dispatch (dispatch.h) */
	bool spreads[MOS_MAX_PORTS];	/* this context reads and spreads */
	struct mos_port_spread spread[MOS_MAX_PORTS];
	struct mos_xq inq;		/* frames handed to this context */
	int nfeed;			/* ports that feed inq */
	int feeds_ended;
	struct mos_frame **tx[MOS_MAX_PORTS];
	int ntx[MOS_MAX_PORTS];
	int burst;

	struct mos_flow_table flows;
	struct mos_sock_table socks;
	struct mos_ring_pool *pool;
	int *listeners, nlisteners, caplisteners;	/* creation order */
	int *raws, nraws, capraws;

	struct mos_flow *pend_head, *pend_tail;

	struct mos_timer *timers;	/* binary heap on due_us */
	int ntimers, captimers;
	uint64_t timer_seq;

	struct mos_cur cur;
	uint8_t *pktcopy;
	size_t pktcopy_room;

	uint64_t next_stats_us;
	struct mos_stats stats;
	FILE *log;

	struct mos_host *host;		/* end host: lib/host/host.h */
	struct mos_defrag *defrag;	/* mos.ip_defrag: ip_defrag.h */
};

extern _Thread_local struct mos_ctx *mos_self;

/* No frame, flow or dispatch: one cache line of stores. */
static inline void mos_cur_reset(struct mos_cur *cur)
{
	*cur = (struct mos_cur){ .recv_side = -1 };
}

/* Parse and hash a received frame once, wherever it is first looked at:
 * the burst loop, the context that spreads a port, or packet input. */
static inline void mos_frame_parse(const struct mos_config *cfg,
				   struct mos_frame *f)
{
	if (f->kind != MOS_FRAME_UNPARSED)
		return;
	f->kind = mos_pkt_parse_hw(&f->pkt, f->data, f->len,
				   cfg->verify_checksums, f->csum_hw);
	if (f->kind == MOS_PKT_TCP || f->kind == MOS_MAL_TCP_CSUM)
		f->pkt.hash = mos_flow_hash(&f->pkt);
}

void mos_ctx_register(int idx, struct mos_ctx *c);
struct mos_ctx *mos_ctx_registered(int idx);
/* The context behind mctx if it is a live context of this process. */
struct mos_ctx *mos_ctx_lookup(mctx_t mctx);
/* As mos_ctx_lookup, and also reject contexts whose thread ended. */
struct mos_ctx *mos_ctx_check(mctx_t mctx);
/* The socket for a callback-only call: context, calling thread and id
 * checked in that order; NULL with errno set (api_monitor.c). */
struct mos_sock *mos_cb_sock(mctx_t mctx, int sock, struct mos_ctx **cp);
/* Serialise a call from another thread with the packet thread. */
void mos_ctx_enter(struct mos_ctx *c);
void mos_ctx_leave(struct mos_ctx *c);

struct mos_ctx *mos_ctx_create(int idx, const struct mos_config *cfg,
			       struct mos_io *io);
void mos_ctx_request_stop(struct mos_ctx *c);
void mos_ctx_start_input(struct mos_ctx *c);
void mos_ctx_join(struct mos_ctx *c);
void mos_ctx_free(struct mos_ctx *c);

void mos_ctx_flush_port(struct mos_ctx *c, int port);
int mos_timer_add(struct mos_ctx *c, uint64_t due_us, int id, callback_t cb);

/* packet.c: one received frame through the stack; the frame is queued
 * for transmission or freed. */
void mos_packet_input(struct mos_ctx *c, struct mos_frame *f);
/* A frame the end host sends, shown to the monitor before it leaves
 * (libmos(3)): true when a callback dropped it.  Not freed or sent. */
bool mos_packet_observe(struct mos_ctx *c, struct mos_frame *f);
/* flow_life.c */
void mos_flow_end(struct mos_ctx *c, struct mos_flow *f, int first_side);
void mos_flow_drop_silent(struct mos_ctx *c, struct mos_flow *f);
void mos_flows_expire(struct mos_ctx *c);
/* Start the TIME_WAIT clock once both halves are done talking. */
void mos_flow_tw_check(struct mos_ctx *c, struct mos_flow *f);
void mos_flows_end_all(struct mos_ctx *c);
void mos_newdata_mark(struct mos_ctx *c, struct mos_flow *f, int side);
void mos_newdata_deliver(struct mos_ctx *c);
void mos_newdata_deliver_flow(struct mos_ctx *c, struct mos_flow *f);
/* Visit the flow's sockets in the order of 1.6: listener creation order
 * when data moves client to server, reverse otherwise. */
void mos_flow_dispatch(struct mos_ctx *c, struct mos_flow *f, int hook,
		       int side, uint32_t mask);

#endif
