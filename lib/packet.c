/*
 * packet.c -- one frame through the stack (libmos(3), Dispatch order):
 * parse, raw sockets, flow lookup or creation, sender half and MOS_HK_SND
 * callbacks, receiver half with reassembly and MOS_HK_RCV callbacks,
 * flow end, then forward or drop.
 */
#include "internal.h"

#include <errno.h>
#include <string.h>

#include "context.h"
#include "event.h"
#include "filter.h"
#include "host/host.h"
#include "ip_defrag.h"
#include "reassembly.h"
#include "route.h"
#include "tcp_seq.h"
#include "tcp_track.h"

enum { HK_SND = 0, HK_RCV = 1, HK_NULL = 2 };

static bool raw_wants(struct mos_ctx *c, struct mos_sock *s)
{
	return !s->lis->raw_filter.set ||
	       mos_filter_match(&s->lis->raw_filter, c->cur.frame);
}

static void raw_deliver(struct mos_ctx *c, uint32_t ev)
{
	int i;

	for (i = 0; i < c->nraws; i++) {
		struct mos_sock *s = mos_sock_get(&c->socks, c->raws[i]);

		if (s && !s->closing && raw_wants(c, s))
			mos_dispatch(c, c->raws[i], HK_NULL, MOS_SIDE_BOTH, ev);
	}
}

static void orphan(struct mos_ctx *c)
{
	int i;

	c->stats.orphans++;
	for (i = 0; i < c->nlisteners; i++) {
		int id = c->listeners[i];
		struct mos_sock *s = mos_sock_get(&c->socks, id);

		if (!s || s->closing)
			continue;
		if (s->lis->orphan_filter.set &&
		    !mos_filter_match(&s->lis->orphan_filter, c->cur.frame))
			continue;
		mos_dispatch(c, id, HK_NULL, MOS_SIDE_BOTH, MOS_ON_ORPHAN);
	}
	if (c->cur.pkt->ipver == 4)
		raw_deliver(c, MOS_ON_ORPHAN);
}

/* Per-flow sockets for every listener whose SYN filter takes the flow. */
static int attach_sockets(struct mos_ctx *c, struct mos_flow *f)
{
	int i;

	for (i = 0; i < c->nlisteners; i++) {
		int lid = c->listeners[i];
		struct mos_sock *l = mos_sock_get(&c->socks, lid);
		struct mos_sock *s;
		int id, side;

		if (!l || l->closing)
			continue;
		if (l->lis->syn_filter.set &&
		    !mos_filter_match(&l->lis->syn_filter, c->cur.frame))
			continue;
		id = mos_sock_alloc(&c->socks, MOS_SOCK_MONITOR_STREAM_ACTIVE);
		if (id < 0)
			return -1;
		s = &c->socks.s[id];
		l = &c->socks.s[lid];
		s->flow = f;
		s->listener = lid;
		s->cbs = mos_cbtab_get(l->cbs);
		for (side = 0; side < 2; side++) {
			struct mos_half *h = &f->half[side];

			/* one ring per side, shared: on if any socket
			 * wants it, as large as the largest asks */
			if (!l->buf_off[side])
				h->buf_off = false;
			if (l->lis->buf_size[side] > h->ring_cap)
				h->ring_cap = l->lis->buf_size[side];
		}
		s->fprev = f->sock_last;
		if (f->sock_last >= 0)
			c->socks.s[f->sock_last].fnext = id;
		else
			f->sock_first = id;
		f->sock_last = id;
	}
	return f->sock_first >= 0 ? 0 : 1;
}

static struct mos_flow *flow_create(struct mos_ctx *c, struct mos_pkt *p)
{
	struct mos_flow *f;
	int side, rc;

	if (!c->nlisteners)
		return NULL;
	f = mos_flow_insert(&c->flows, p);
	if (!f) {
		c->stats.flows_refused++;
		return NULL;
	}
	for (side = 0; side < 2; side++) {
		mos_tcp_half_init(&f->half[side]);
		f->half[side].buf_off = true;
		f->half[side].ring_cap = 0;
	}
	rc = attach_sockets(c, f);
	if (rc != 0) {
		if (rc < 0)
			c->stats.flows_refused++;
		mos_flow_drop_silent(c, f);
		return NULL;
	}
	for (side = 0; side < 2; side++) {
		struct mos_half *h = &f->half[side];

		if (c->cfg->no_ring_buffers)
			h->buf_off = true;
		if (!h->ring_cap)
			h->ring_cap = (uint32_t)c->cfg->rmem_size;
	}
	f->start_us = c->now_us;
	c->stats.flows_created++;
	if (c->flows.used > c->stats.peak_flows)
		c->stats.peak_flows = c->flows.used;
	return f;
}

static void flow_segment(struct mos_ctx *c, struct mos_flow *f, int s,
			 struct mos_pkt *p)
{
	struct mos_half *S = &f->half[s], *R = &f->half[!s];
	uint8_t s_old = S->state, r_old = R->state;
	uint32_t ev = MOS_ON_PKT_IN;
	/* asked only of a RST: nothing else reads it */
	bool rst_ok = (p->flags & MOS_TH_RST) &&
		      mos_tcp_rst_acceptable(f, s, p);
	bool rexmit;
	int nomem = 0;

	c->cur.flow = f;
	c->cur.recv_side = !s;
	c->cur.offset = 0;
	mos_flow_touch(&c->flows, f, c->now_us);
	S->pkts++;
	S->ip_bytes += p->ip_len;
	S->tcp_flags |= p->flags;
	if ((p->flags & MOS_TH_RST) && !rst_ok)
		c->stats.rst_ignored++;

	rexmit = mos_tcp_sender_update(f, s, p, rst_ok);
	if (s == MOS_SIDE_CLI && S->state == TCP_SYN_SENT && !S->started) {
		S->started = true;
		ev |= MOS_ON_CONN_START;
	}
	if (S->state != s_old)
		ev |= MOS_ON_TCP_STATE_CHANGE;
	(void)mos_tcp_payload_offset(f, !s, p, &c->cur.offset,
				     &(uint32_t){ 0 });
	mos_flow_dispatch(c, f, HK_SND, s, ev);
	if (c->cur.drop)
		goto out;	/* the receiver never sees it (1.6 step 5) */

	/* mos_reasm_payload computes the offset again: a MOS_HK_SND callback
	 * may have rewritten the sequence number (mtcp_setlastpkt) */
	nomem = mos_reasm_payload(c, f, !s, p);
	nomem |= mos_reasm_ack(c, f, s, p);
	mos_tcp_receiver_update(f, !s, p, rst_ok);
	ev = MOS_ON_PKT_IN;
	if (s == MOS_SIDE_CLI && R->state == TCP_SYN_RCVD && !R->started) {
		R->started = true;
		ev |= MOS_ON_CONN_START;
	}
	if (R->state != r_old)
		ev |= MOS_ON_TCP_STATE_CHANGE;
	if (rexmit) {
		c->stats.rexmit_ctl++;
		ev |= MOS_ON_REXMIT;
	}
	mos_flow_dispatch(c, f, HK_RCV, !s, ev);
out:
	if (nomem || mos_tcp_finished(f, c->cfg->tcp_tw_interval))
		mos_flow_end(c, f, !s);
	else
		mos_flow_tw_check(c, f);
}

static bool port_reuse(const struct mos_flow *f, int side,
		       const struct mos_pkt *p)
{
	const struct mos_half *cl = &f->half[MOS_SIDE_CLI];
	uint8_t st = cl->state;

	return side == MOS_SIDE_CLI && cl->isn_known && p->seq != cl->isn &&
	       (st == TCP_TIME_WAIT || st == TCP_CLOSED ||
		f->half[MOS_SIDE_SVR].state == TCP_TIME_WAIT ||
		f->half[MOS_SIDE_SVR].state == TCP_CLOSED);
}

static bool watched(struct mos_ctx *c, struct mos_flow *f)
{
	return mos_side_watched(c, f, 0) || mos_side_watched(c, f, 1);
}

static void tcp_input(struct mos_ctx *c, struct mos_pkt *p)
{
	bool pure_syn = (p->flags & (MOS_TH_SYN | MOS_TH_ACK | MOS_TH_RST)) ==
			MOS_TH_SYN;
	int side = 0;
	struct mos_flow *f = mos_flow_lookup(&c->flows, p, &side);

	if (f && !watched(c, f)) {
		mos_flow_drop_silent(c, f);	/* MOS_STOP_MON everywhere */
		f = NULL;
	}
	if (f && pure_syn && port_reuse(f, side, p)) {
		mos_flow_end(c, f, MOS_SIDE_CLI);
		f = NULL;
	}
	if (!f) {
		if (pure_syn)
			f = flow_create(c, p);
		if (!f) {
			orphan(c);
			return;
		}
		side = MOS_SIDE_CLI;
	}
	flow_segment(c, f, side, p);
}

static int out_port(struct mos_ctx *c, struct mos_frame *fr)
{
	const struct mos_port_conf *pc = &c->cfg->ports[fr->port];

	if (pc->fwd_peer >= 0)
		return pc->fwd_peer;
	return mos_route_frame(c, fr);
}

static void finish(struct mos_ctx *c, struct mos_frame *fr, bool drop)
{
	int port = drop || !c->cfg->forward ? -1 : out_port(c, fr);

	if (port < 0) {
		if (drop)
			c->stats.drop_frames++;
		c->io->ops->free_frames(c->io, c->pub.cpu, &fr, 1);
		return;
	}
	c->stats.fwd_frames++;
	c->tx[port][c->ntx[port]++] = fr;
	if (c->ntx[port] == c->burst)
		mos_ctx_flush_port(c, port);
}

/*
 * mos.ip_defrag (ip_defrag.h): a fragment goes to the reassembly table;
 * the one that completes a datagram has the datagram go through the flows
 * in its place, so callbacks see it whole (what they rewrite in it is not
 * forwarded).  Fragments are forwarded as they came, except those the
 * table refused (counted by reason) and the completing one when the
 * datagram is dropped (by a callback or the malformed policy): the
 * receiver then never has it whole either.  True: drop FR.
 */
static bool defrag_monitor(struct mos_ctx *c, struct mos_frame *fr)
{
	struct mos_frame whole;
	bool drop;

	switch (mos_defrag_input(c->defrag, fr, c->now_us, &whole,
				 c->stats.defrag)) {
	case MOS_DEFRAG_HELD:
		return false;
	case MOS_DEFRAG_DROPPED:
		return true;
	}
	mos_frame_parse(c->cfg, &whole);
	if (whole.kind != MOS_PKT_TCP)
		return mos_pkt_is_malformed(whole.kind) &&
		       whole.kind != MOS_MAL_TCP_CSUM &&
		       c->cfg->malformed == MOS_MALFORMED_DROP;
	mos_cur_reset(&c->cur);
	c->cur.frame = &whole;
	c->cur.pkt = &whole.pkt;
	c->cur.kind = whole.kind;
	tcp_input(c, &whole.pkt);
	drop = c->cur.drop;
	mos_cur_reset(&c->cur);
	return drop;
}

/* Raw sockets and flows: what every frame goes through; true when a
 * callback (or the malformed policy) drops it. */
static bool monitor(struct mos_ctx *c, struct mos_frame *fr)
{
	struct mos_pkt *pkt = &fr->pkt;
	int kind = fr->kind;
	bool drop = false;

	mos_cur_reset(&c->cur);
	c->cur.frame = fr;
	c->cur.pkt = pkt;
	c->cur.kind = kind;

	if (pkt->ipver == 4 && c->nraws &&
	    (kind == MOS_PKT_TCP || kind == MOS_PKT_OTHER ||
	     kind == MOS_PKT_FRAGMENT || kind == MOS_MAL_TCP_CSUM))
		raw_deliver(c, MOS_ON_PKT_IN);
	if (kind == MOS_PKT_TCP)
		tcp_input(c, pkt);
	else if (mos_pkt_is_malformed(kind) && kind != MOS_MAL_TCP_CSUM)
		drop = c->cfg->malformed == MOS_MALFORMED_DROP;
	drop = drop || c->cur.drop;
	mos_cur_reset(&c->cur);
	if (kind == MOS_PKT_FRAGMENT && c->defrag && !drop)
		drop = defrag_monitor(c, fr);
	return drop;
}

void mos_packet_input(struct mos_ctx *c, struct mos_frame *fr)
{
	bool drop;

	/* parsed already when it came through a burst or another context */
	mos_frame_parse(c->cfg, fr);
	c->stats.rx_frames++;
	c->stats.rx_bytes += fr->len;
	c->stats.kind[fr->kind]++;
	drop = monitor(c, fr);
	/* end host (lib/host): ARP for, and IPv4 to, a port's own address is
	 * taken after the monitor saw it (libmos(3)), not forwarded */
	if (mos_host_wants(c->host, fr)) {
		if (drop) {
			c->stats.drop_frames++;
			c->io->ops->free_frames(c->io, c->pub.cpu, &fr, 1);
		} else {
			mos_host_input(c, fr);
		}
		return;
	}
	finish(c, fr, drop);
}

bool mos_packet_observe(struct mos_ctx *c, struct mos_frame *fr)
{
	mos_frame_parse(c->cfg, fr);
	return monitor(c, fr);
}
