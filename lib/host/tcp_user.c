/*
 * tcp_user.c -- the user calls of RFC 9293 3.10.1-3.10.6 as tcp.h offers
 * them to the socket layer: listen, accept, connect, send, receive,
 * close, abort, and what the socket layer reads.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "../tcp_seq.h"
#include "tcb.h"
#include "tcp_in.h"
#include "tcp_out.h"
#include "tcp_timer.h"

static const char *const state_names[] = {
	"CLOSED", "LISTEN", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED",
	"FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK",
	"TIME_WAIT",
};

const char *mos_tcp_state_name(enum mos_tcp_state st)
{
	if ((unsigned)st >= sizeof(state_names) / sizeof(state_names[0]))
		return "?";
	return state_names[st];
}

struct mos_tcb *mos_tcp_listen(struct mos_tcp *s, uint32_t addr,
			       uint16_t port, int backlog, void *owner)
{
	uint16_t hport = ntohs(port);
	struct mos_tcb *l;

	if (backlog < 1 || hport == 0) {
		errno = EINVAL;
		return NULL;
	}
	for (l = s->listeners; l; l = l->lnext)
		if (l->lport == hport && l->laddr == addr) {
			errno = EADDRINUSE;
			return NULL;
		}
	l = mos_tcb_alloc(s, true);
	if (!l)
		return NULL;
	l->laddr = addr;
	l->lport = hport;
	l->backlog = backlog;
	l->owner = owner;
	l->state = MOS_TCPS_LISTEN;
	l->lnext = s->listeners;
	s->listeners = l;
	return l;
}

struct mos_tcb *mos_tcp_accept(struct mos_tcb *l, void *owner)
{
	struct mos_tcb *c;

	if (!(l->flags & MOS_TF_LISTENER)) {
		errno = EINVAL;
		return NULL;
	}
	c = l->q_head;
	if (!c) {
		errno = EAGAIN;
		return NULL;
	}
	mos_tcb_child_unlink(c);
	c->owner = owner;
	return c;
}

int mos_tcp_accept_queued(const struct mos_tcb *l)
{
	return (l->flags & MOS_TF_LISTENER) ? l->nqueued : 0;
}

static uint64_t first_syn_wait(const struct mos_tcp *s)
{
	uint64_t w = s->conf.rto_init_ms;

	if (s->conf.syn_timeout_ms && s->conf.syn_timeout_ms < w)
		w = s->conf.syn_timeout_ms;
	return w;
}

struct mos_tcb *mos_tcp_connect(struct mos_tcp *s, uint32_t saddr,
				uint16_t sport, uint32_t daddr,
				uint16_t dport, void *owner, uint64_t now_us)
{
	struct mos_tcb *t;

	s->now_us = now_us;
	if (!saddr || !sport || !daddr || !dport || !owner) {
		errno = EINVAL;
		return NULL;
	}
	if (mos_tcp_tuple_in_use(s, saddr, sport, daddr, dport)) {
		errno = EADDRINUSE;
		return NULL;
	}
	t = mos_tcb_alloc(s, false);
	if (!t) {
		if (errno == ENFILE)
			s->st.tcb_full++;
		return NULL;
	}
	t->laddr = saddr;
	t->lport = ntohs(sport);
	t->raddr = daddr;
	t->rport = ntohs(dport);
	t->owner = owner;
	t->flags |= MOS_TF_ACTIVE;
	mos_tcb_hash_insert(s, t);
	s->st.conn_active++;
	t->iss = mos_tcb_iss(s, t->laddr, t->lport, t->raddr, t->rport);
	t->mss = s->conf.mss;
	t->seg_max = s->conf.mss;
	t->rcv_ws = mos_tcp_wscale_for(s->rmem);
	mos_tcp_init_send(t);
	t->state = MOS_TCPS_SYN_SENT;
	t->open_us = now_us;
	mos_tcp_send_syn(t);
	mos_tcp_arm_rexmt(s, t, MOS_TMR_SYN, first_syn_wait(s));
	return t;
}

bool mos_tcp_tuple_in_use(struct mos_tcp *s, uint32_t saddr, uint16_t sport,
			  uint32_t daddr, uint16_t dport)
{
	return mos_tcb_lookup(s, saddr, ntohs(sport), daddr,
			      ntohs(dport)) != NULL;
}

/* After a read: a window update when the right edge can move by a full
 * segment or half the buffer, the receiver's SWS rule (RFC 9293
 * 3.8.6.2.2, RFC 1122 4.2.3.3); smaller openings wait for the next ACK. */
static void maybe_window_update(struct mos_tcb *t)
{
	uint32_t edge = t->rb.nxt + mos_rcvbuf_space(&t->rb);
	uint32_t mss = t->mss, half = t->rb.size / 2;

	if (!SEQ_GT(edge, t->rcv_adv))
		return;
	if (edge - t->rcv_adv >= (mss < half ? mss : half))
		mos_tcp_send_ack(t);
}

size_t mos_tcp_recv(struct mos_tcb *t, void *buf, size_t len, bool peek,
		    uint64_t now_us)
{
	uint32_t n;

	if (t->flags & MOS_TF_LISTENER)
		return 0;
	t->eng->now_us = now_us;
	n = mos_rcvbuf_read(&t->rb, buf, len > UINT32_MAX ? UINT32_MAX :
			    (uint32_t)len, peek);
	if (n && !peek && t->state >= MOS_TCPS_ESTABLISHED &&
	    t->state != MOS_TCPS_TIME_WAIT && !(t->flags & MOS_TF_FIN_RCVD))
		maybe_window_update(t);
	return n;
}

static bool send_state(const struct mos_tcb *t)
{
	if (t->flags & (MOS_TF_LISTENER | MOS_TF_FIN_Q))
		return false;
	switch (t->state) {
	case MOS_TCPS_SYN_SENT:
	case MOS_TCPS_SYN_RECEIVED:
	case MOS_TCPS_ESTABLISHED:
	case MOS_TCPS_CLOSE_WAIT:
		return true;
	default:
		return false;
	}
}

size_t mos_tcp_send(struct mos_tcb *t, const void *buf, size_t len,
		    uint64_t now_us)
{
	uint32_t n;

	if (!send_state(t))
		return 0;
	t->eng->now_us = now_us;
	n = mos_sndbuf_write(&t->sb, buf, len > UINT32_MAX ? UINT32_MAX :
			     (uint32_t)len);
	if (n)
		mos_tcp_output(t, false);
	return n;
}

static void close_listener(struct mos_tcb *l)
{
	struct mos_tcb *c;

	/* queued and half-open connections are reset */
	while ((c = l->q_head) || (c = l->half_head)) {
		mos_tcb_child_unlink(c);
		mos_tcp_send_rst(c);
		mos_tcb_free(c);
	}
	mos_tcb_free(l);
}

void mos_tcp_close(struct mos_tcb *t, uint64_t now_us)
{
	t->eng->now_us = now_us;
	if (t->flags & MOS_TF_LISTENER) {
		close_listener(t);
		return;
	}
	t->owner = NULL;
	switch (t->state) {
	case MOS_TCPS_CLOSED:
	case MOS_TCPS_SYN_SENT:
		mos_tcb_free(t);
		return;
	case MOS_TCPS_SYN_RECEIVED:
	case MOS_TCPS_ESTABLISHED:
	case MOS_TCPS_CLOSE_WAIT:
		if (t->rb.ready) {
			/* data the application will never read: reset
			 * rather than pretend it was delivered (RFC 2525
			 * 2.17) */
			mos_tcp_send_rst(t);
			mos_tcb_free(t);
			return;
		}
		t->flags |= MOS_TF_FIN_Q;
		t->state = t->state == MOS_TCPS_CLOSE_WAIT ?
			   MOS_TCPS_LAST_ACK : MOS_TCPS_FIN_WAIT_1;
		mos_tcp_output(t, false);
		return;
	case MOS_TCPS_FIN_WAIT_2:
		/* its FIN is acknowledged: it only waits for the peer's */
		mos_tcp_arm_rexmt(t->eng, t, MOS_TMR_TW, 60000u);
		return;
	default:
		return;
	}
}

void mos_tcp_abort(struct mos_tcb *t, uint64_t now_us)
{
	t->eng->now_us = now_us;
	if (t->flags & MOS_TF_LISTENER) {
		close_listener(t);
		return;
	}
	switch (t->state) {
	case MOS_TCPS_SYN_RECEIVED:
	case MOS_TCPS_ESTABLISHED:
	case MOS_TCPS_FIN_WAIT_1:
	case MOS_TCPS_FIN_WAIT_2:
	case MOS_TCPS_CLOSE_WAIT:
		mos_tcp_send_rst(t);
		break;
	default:
		break;
	}
	mos_tcb_free(t);
}

enum mos_tcp_state mos_tcp_state(const struct mos_tcb *t)
{
	return t->state;
}

bool mos_tcp_is_listener(const struct mos_tcb *t)
{
	return (t->flags & MOS_TF_LISTENER) != 0;
}

size_t mos_tcp_readable(const struct mos_tcb *t)
{
	return (t->flags & MOS_TF_LISTENER) ? 0 : t->rb.ready;
}

size_t mos_tcp_writable(const struct mos_tcb *t)
{
	return send_state(t) ? mos_sndbuf_free(&t->sb) : 0;
}

bool mos_tcp_eof(const struct mos_tcb *t)
{
	return !(t->flags & MOS_TF_LISTENER) &&
	       (t->flags & MOS_TF_FIN_RCVD) && t->rb.ready == 0;
}

int mos_tcp_so_error(const struct mos_tcb *t)
{
	return t->so_error;
}

void *mos_tcp_owner(const struct mos_tcb *t)
{
	return t->owner;
}

void mos_tcp_set_owner(struct mos_tcb *t, void *owner)
{
	t->owner = owner;
}

void mos_tcp_addrs(const struct mos_tcb *t, uint32_t *saddr, uint16_t *sport,
		   uint32_t *daddr, uint16_t *dport)
{
	if (saddr)
		*saddr = t->laddr;
	if (sport)
		*sport = htons(t->lport);
	if (daddr)
		*daddr = t->raddr;
	if (dport)
		*dport = htons(t->rport);
}

void mos_tcp_get_info(const struct mos_tcb *t, struct mos_tcp_info *in)
{
	bool syn = t->state == MOS_TCPS_SYN_SENT ||
		   t->state == MOS_TCPS_SYN_RECEIVED;

	memset(in, 0, sizeof(*in));
	in->state = t->state;
	if (t->flags & MOS_TF_LISTENER)
		return;
	in->snd_una = t->snd_una;
	in->snd_nxt = t->snd_nxt;
	in->snd_wnd = t->snd_wnd;
	in->rcv_nxt = t->rb.nxt;
	in->rcv_wnd = SEQ_GT(t->rcv_adv, t->rb.nxt) ? t->rcv_adv - t->rb.nxt : 0;
	in->cwnd = t->cwnd;
	in->ssthresh = t->ssthresh;
	in->srtt_us = t->srtt_us;
	in->rttvar_us = t->rttvar_us;
	in->rto_us = t->rto_us;
	in->mss = t->seg_max;
	in->snd_wscale = (t->flags & MOS_TF_WS) && !syn ? (int8_t)t->snd_ws : -1;
	in->rcv_wscale = (t->flags & MOS_TF_WS) && !syn ? (int8_t)t->rcv_ws : -1;
	in->ts_ok = (t->flags & MOS_TF_TS) != 0;
	in->sack_ok = (t->flags & MOS_TF_SACK) != 0;
	in->retransmits = t->retransmits;
}

const struct mos_tcp_stats *mos_tcp_stats(const struct mos_tcp *s)
{
	return &s->st;
}
