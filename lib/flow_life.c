/*
 * flow_life.c -- the end of flows (1.10) and the notices that follow a
 * burst: MOS_ON_CONN_NEW_DATA, TIME_WAIT and idle expiry, shutdown.
 */
#include "internal.h"

#include <string.h>

#include "context.h"
#include "event.h"
#include "reassembly.h"
#include "tcp_track.h"

enum { HK_SND = 0, HK_RCV = 1, HK_NULL = 2 };

void mos_flow_dispatch(struct mos_ctx *c, struct mos_flow *f, int hook,
		       int side, uint32_t mask)
{
	/* client-to-server movement visits listeners in creation order,
	 * the other direction in reverse: a chain of boxes on the wire */
	bool forward = (hook == HK_SND && side == MOS_SIDE_CLI) ||
		       (hook != HK_SND && side == MOS_SIDE_SVR);
	int id = forward ? f->sock_first : f->sock_last;

	while (id >= 0) {
		struct mos_sock *s = &c->socks.s[id];
		int next = forward ? s->fnext : s->fprev;

		/* most segments concern no callback: mos_dispatch would
		 * return at once, so it is not called */
		if (s->cbs && (s->cbs->want[hook] & mask))
			mos_dispatch(c, id, hook, side, mask);
		id = next;
	}
}

static void pending_unlink(struct mos_ctx *c, struct mos_flow *f)
{
	const struct mos_flow_table *t = &c->flows;
	struct mos_flow *q = c->pend_head, *prev = NULL;

	if (!f->on_pending)
		return;
	while (q && q != f) {
		prev = q;
		q = mos_flow_at(t, q->pnext);
	}
	if (q) {
		if (prev)
			prev->pnext = f->pnext;
		else
			c->pend_head = mos_flow_at(t, f->pnext);
	}
	if (c->pend_tail == f)
		c->pend_tail = prev;
	f->pnext = MOS_FLOW_NIL;
	f->on_pending = false;
}

static void tw_unlink(struct mos_ctx *c, struct mos_flow *f)
{
	struct mos_flow_table *t = &c->flows;
	struct mos_flow *q = t->tw_head, *prev = NULL;

	if (!f->on_tw)
		return;
	while (q && q != f) {
		prev = q;
		q = mos_flow_at(t, q->twnext);
	}
	if (q) {
		if (prev)
			prev->twnext = f->twnext;
		else
			t->tw_head = mos_flow_at(t, f->twnext);
	}
	if (t->tw_tail == f)
		t->tw_tail = prev;
	f->twnext = MOS_FLOW_NIL;
	f->on_tw = false;
}

static void release(struct mos_ctx *c, struct mos_flow *f)
{
	int id = f->sock_first, side;

	while (id >= 0) {
		int next = c->socks.s[id].fnext;

		mos_sock_free(&c->socks, id);
		id = next;
	}
	f->sock_first = f->sock_last = -1;
	for (side = 0; side < 2; side++)
		if (f->half[side].ring) {
			mos_ring_free(f->half[side].ring);
			f->half[side].ring = NULL;
		}
	pending_unlink(c, f);
	tw_unlink(c, f);
	mos_flow_remove(&c->flows, f);
}

void mos_flow_drop_silent(struct mos_ctx *c, struct mos_flow *f)
{
	c->stats.flows_stopped++;
	release(c, f);
}

void mos_flow_end(struct mos_ctx *c, struct mos_flow *f, int first_side)
{
	struct mos_cur saved = c->cur;
	int i, side;

	if (f->ending)
		return;
	f->ending = true;
	mos_cur_reset(&c->cur);
	c->cur.flow = f;
	/* holes left now will never fill: gaps, then the data behind them */
	mos_reasm_flow_end(c, f);
	if (f->on_pending)
		mos_newdata_deliver_flow(c, f);
	for (i = 0; i < 2; i++) {
		side = i == 0 ? first_side : !first_side;
		mos_flow_dispatch(c, f, HK_SND, side,
				  MOS_ON_TCP_STATE_CHANGE | MOS_ON_CONN_END);
		mos_flow_dispatch(c, f, HK_RCV, side,
				  MOS_ON_TCP_STATE_CHANGE | MOS_ON_CONN_END);
	}
	c->stats.flows_ended++;
	release(c, f);
	saved.flow = saved.flow == f ? NULL : saved.flow;
	c->cur = saved;
}

void mos_flow_tw_check(struct mos_ctx *c, struct mos_flow *f)
{
	uint8_t a = f->half[0].state, b = f->half[1].state;

	if (f->on_tw || c->cfg->tcp_tw_interval <= 0)
		return;
	if ((a == TCP_TIME_WAIT || a == TCP_CLOSED) &&
	    (b == TCP_TIME_WAIT || b == TCP_CLOSED) &&
	    (a == TCP_TIME_WAIT || b == TCP_TIME_WAIT)) {
		f->tw_deadline_us = c->now_us +
				    (uint64_t)c->cfg->tcp_tw_interval * 1000000u;
		f->on_tw = true;
		f->twnext = MOS_FLOW_NIL;
		if (c->flows.tw_tail)
			c->flows.tw_tail->twnext = mos_flow_idx(&c->flows, f);
		else
			c->flows.tw_head = f;
		c->flows.tw_tail = f;
	}
}

void mos_flows_expire(struct mos_ctx *c)
{
	struct mos_flow_table *t = &c->flows;
	int timeout = c->cfg->tcp_timeout;

	while (t->tw_head && t->tw_head->tw_deadline_us <= c->now_us)
		mos_flow_end(c, t->tw_head, MOS_SIDE_CLI);
	if (timeout <= 0)
		return;
	while (t->idle_head &&
	       t->idle_head->last_us + (uint64_t)timeout * 1000000u <=
		       c->now_us) {
		c->stats.flows_timeout++;
		mos_flow_end(c, t->idle_head, MOS_SIDE_CLI);
	}
}

void mos_flows_end_all(struct mos_ctx *c)
{
	mos_newdata_deliver(c);
	while (c->flows.idle_head)
		mos_flow_end(c, c->flows.idle_head, MOS_SIDE_CLI);
}

void mos_newdata_mark(struct mos_ctx *c, struct mos_flow *f, int side)
{
	f->pending |= (uint8_t)(1u << side);
	if (f->on_pending)
		return;
	f->on_pending = true;
	f->pnext = MOS_FLOW_NIL;
	if (c->pend_tail)
		c->pend_tail->pnext = mos_flow_idx(&c->flows, f);
	else
		c->pend_head = f;
	c->pend_tail = f;
}

void mos_newdata_deliver_flow(struct mos_ctx *c, struct mos_flow *f)
{
	struct mos_cur saved = c->cur;
	uint8_t pending = f->pending;
	int side;

	pending_unlink(c, f);
	f->pending = 0;
	mos_cur_reset(&c->cur);
	c->cur.flow = f;
	for (side = 0; side < 2; side++)
		if (pending & (1u << side))
			mos_flow_dispatch(c, f, HK_NULL, side,
					  MOS_ON_CONN_NEW_DATA);
	c->cur = saved;
}

void mos_newdata_deliver(struct mos_ctx *c)
{
	while (c->pend_head)
		mos_newdata_deliver_flow(c, c->pend_head);
}
