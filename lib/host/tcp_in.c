/*
 * tcp_in.c -- segment arrival (RFC 9293 3.10.7): checksum, lookup, then
 * the steps of the RFC for the state the connection is in.  Each function
 * below is one step, named in its comment.
 */
#include <errno.h>
#include <string.h>

#include "../io.h"
#include "../pkt_parse.h"
#include "../tcp_seq.h"
#include "tcb.h"
#include "tcp_cc.h"
#include "tcp_in.h"
#include "tcp_out.h"
#include "tcp_sack.h"
#include "tcp_timer.h"

#define DEFAULT_MSS 536u	/* RFC 9293 3.7.1 */

/* One arriving segment. */
struct seg {
	const struct mos_pkt *p;
	const uint8_t *data;	/* payload, possibly trimmed */
	uint32_t seq, ack, len;	/* len: payload bytes */
	uint8_t flags;
	uint32_t wnd;		/* the raw window field */
};

static uint32_t seg_space(const struct seg *g)
{
	return g->len + ((g->flags & MOS_TH_SYN) ? 1 : 0) +
	       ((g->flags & MOS_TH_FIN) ? 1 : 0);
}

void mos_tcp_init_send(struct mos_tcb *t)
{
	struct mos_tcp *s = t->eng;

	t->snd_una = t->iss;
	t->snd_nxt = t->iss;
	t->snd_max = t->iss;
	t->rto_us = s->conf.rto_init_ms * 1000u;
	t->srtt_us = 0;
	t->rttvar_us = 0;
	t->backoff = 0;
	t->ts_off = mos_tcb_ts_off(s, t->laddr, t->lport, t->raddr, t->rport);
	mos_sack_clear(t);
	if (!t->seg_max)
		t->seg_max = s->conf.mss;
	mos_cc_init(t);
}

/* The options of a SYN decide MSS, scaling, timestamps and SACK for the
 * connection (RFC 7323 2.2, 3.2; RFC 2018 2; RFC 9293 3.7.1). */
static void negotiate(struct mos_tcb *t, const struct mos_pkt *p)
{
	struct mos_tcp *s = t->eng;
	uint32_t mss = p->mss > 0 ? (uint32_t)p->mss : DEFAULT_MSS;

	if (mss > s->conf.mss)
		mss = s->conf.mss;
	if (mss < 64)
		mss = 64;	/* a tiny MSS would be an amplifier */
	t->mss = (uint16_t)mss;
	if (p->wscale >= 0) {
		t->flags |= MOS_TF_WS;
		t->snd_ws = (uint8_t)p->wscale;
		t->rcv_ws = mos_tcp_wscale_for(s->rmem);
	} else {
		t->flags &= ~MOS_TF_WS;
		t->snd_ws = 0;
		t->rcv_ws = 0;
	}
	if (p->has_ts) {
		t->flags |= MOS_TF_TS;
		t->ts_recent = p->tsval;
	} else {
		t->flags &= ~MOS_TF_TS;
	}
	if (p->sack_perm)
		t->flags |= MOS_TF_SACK;
	else
		t->flags &= ~MOS_TF_SACK;
	t->seg_max = (uint16_t)(mss - ((t->flags & MOS_TF_TS) ? 12 : 0));
	mos_cc_init(t);
}

/* A SYN to a listener (RFC 9293 3.10.7.2, third check). */
static void listen_syn(struct mos_tcp *s, struct mos_tcb *l,
		       const struct seg *g)
{
	const struct mos_pkt *p = g->p;
	struct mos_tcb *t;

	if (l->nhalf + l->nqueued >= l->backlog) {
		s->st.listen_overflow++;
		return;
	}
	t = mos_tcb_alloc(s, false);
	if (!t) {
		s->st.tcb_full++;
		return;
	}
	t->laddr = p->daddr.v4;
	t->lport = p->dport;
	t->raddr = p->saddr.v4;
	t->rport = p->sport;
	mos_tcb_hash_insert(s, t);
	mos_tcb_child_add(l, t);
	s->st.conn_passive++;
	t->irs = g->seq;
	mos_rcvbuf_init(&t->rb, t->rb.data, t->rb.size, g->seq + 1);
	t->iss = mos_tcb_iss(s, t->laddr, t->lport, t->raddr, t->rport);
	mos_tcp_init_send(t);
	negotiate(t, p);
	t->snd_wnd = g->wnd;		/* a SYN's window is not scaled */
	t->max_sndwnd = t->snd_wnd;
	t->snd_wl1 = g->seq;
	t->snd_wl2 = t->iss;
	t->state = MOS_TCPS_SYN_RECEIVED;
	t->open_us = s->now_us;
	mos_tcp_send_syn(t);
	mos_tcp_arm_rexmt(s, t, MOS_TMR_SYN, s->conf.rto_init_ms);
}

/* RFC 9293 3.10.7.2: LISTEN. */
static void input_listen(struct mos_tcp *s, struct mos_tcb *l,
			 const struct seg *g)
{
	if (g->flags & MOS_TH_RST)
		return;
	if (g->flags & MOS_TH_ACK) {
		mos_tcp_reply_rst(s, g->p);
		return;
	}
	if (g->flags & MOS_TH_SYN)
		listen_syn(s, l, g);
}

/* An RTT sample from an ACK that moved SND.UNA (RFC 7323 4.1, RFC 6298
 * 3 with Karn's rule when there are no timestamps). */
static void rtt_from_ack(struct mos_tcb *t, const struct seg *g)
{
	struct mos_tcp *s = t->eng;

	if ((t->flags & MOS_TF_TS) && g->p->has_ts && g->p->tsecr) {
		uint32_t d = mos_tcp_now_ms(s) + t->ts_off - g->p->tsecr;

		if (d < 60000u)
			mos_tcp_rtt_sample(t, d * 1000u);
	} else if ((t->flags & MOS_TF_RTT) && SEQ_GT(g->ack, t->rtt_seq)) {
		t->flags &= ~MOS_TF_RTT;
		mos_tcp_rtt_sample(t, (uint32_t)(s->now_us - t->rtt_start_us));
	}
}

/* Our SYN acknowledged: ESTABLISHED (RFC 9293 3.10.7.3 fourth check,
 * 3.10.7.4 fifth check for SYN-RECEIVED). */
static void established(struct mos_tcb *t, const struct seg *g)
{
	struct mos_tcp *s = t->eng;

	mos_tcp_stop_rexmt(s, t);
	if (!t->retransmits)
		rtt_from_ack(t, g);
	t->backoff = 0;
	t->snd_una = g->ack;
	if (SEQ_LT(t->snd_nxt, t->snd_una))
		t->snd_nxt = t->snd_una;
	t->snd_wnd = g->wnd << t->snd_ws;
	if ((g->flags & MOS_TH_SYN))
		t->snd_wnd = g->wnd;	/* SYN-ACK: never scaled */
	t->max_sndwnd = t->snd_wnd;
	t->snd_wl1 = g->seq;
	t->snd_wl2 = g->ack;
	mos_tcb_set_state(t, MOS_TCPS_ESTABLISHED);
	if (t->parent) {
		mos_tcb_child_queue(t);
	} else {
		mos_tcb_event(t, MOS_TCP_EV_CONNECTED | MOS_TCP_EV_WRITABLE);
	}
}

/* RFC 9293 3.10.7.3: SYN-SENT. */
static void input_syn_sent(struct mos_tcb *t, const struct seg *g)
{
	struct mos_tcp *s = t->eng;
	bool ack_ok = false;

	if (g->flags & MOS_TH_ACK) {
		if (SEQ_LEQ(g->ack, t->iss) || SEQ_GT(g->ack, t->snd_max)) {
			if (!(g->flags & MOS_TH_RST))
				mos_tcp_reply_rst(s, g->p);
			s->st.drop_bad_ack++;
			return;
		}
		ack_ok = true;
	}
	if (g->flags & MOS_TH_RST) {
		if (ack_ok) {
			s->st.rst_in++;
			mos_tcb_drop(t, ECONNREFUSED);
		} else {
			s->st.drop_rst++;
		}
		return;
	}
	if (!(g->flags & MOS_TH_SYN))
		return;
	t->irs = g->seq;
	mos_rcvbuf_init(&t->rb, t->rb.data, t->rb.size, g->seq + 1);
	/* the window our SYN offered, now relative to the peer's ISN */
	t->rcv_adv = t->rb.nxt + (t->rb.size > 65535u ? 65535u : t->rb.size);
	negotiate(t, g->p);
	if (ack_ok) {
		established(t, g);
		t->flags |= MOS_TF_ACKNOW;
		mos_tcp_output(t, false);
		return;
	}
	/* simultaneous open: SYN-RECEIVED, SYN-ACK with our ISS */
	t->state = MOS_TCPS_SYN_RECEIVED;
	t->snd_wnd = g->wnd;
	t->max_sndwnd = t->snd_wnd;
	t->snd_wl1 = g->seq;
	t->snd_wl2 = t->iss;
	mos_tcp_send_syn(t);
}

/* RFC 9293 3.10.7.4 first check, with PAWS (RFC 7323 5.3) before it:
 * is the segment acceptable?  Trims it to the window when it is. */
static bool acceptable(struct mos_tcb *t, struct seg *g)
{
	uint32_t nxt = t->rb.nxt;
	uint32_t wnd = SEQ_GT(t->rcv_adv, nxt) ? t->rcv_adv - nxt : 0;
	uint32_t slen = seg_space(g);
	const struct mos_pkt *p = g->p;
	bool ok;

	if ((t->flags & MOS_TF_TS) && p->has_ts && !(g->flags & MOS_TH_RST) &&
	    SEQ_LT(p->tsval, t->ts_recent))
		return false;
	/* the peer's FIN was taken: treat it as part of what is received */
	if (slen == 0)
		ok = wnd == 0 ? g->seq == nxt :
		     SEQ_GEQ(g->seq, nxt) && SEQ_LT(g->seq, nxt + wnd);
	else if (wnd == 0)
		ok = false;
	else
		ok = (SEQ_GEQ(g->seq, nxt) && SEQ_LT(g->seq, nxt + wnd)) ||
		     (SEQ_GEQ(g->seq + slen - 1, nxt) &&
		      SEQ_LT(g->seq + slen - 1, nxt + wnd));
	if (!ok)
		return false;
	/* trim the front: a SYN or bytes already received */
	if (SEQ_LT(g->seq, nxt)) {
		uint32_t cut = nxt - g->seq;

		if (g->flags & MOS_TH_SYN) {
			g->flags &= (uint8_t)~MOS_TH_SYN;
			g->seq++;
			cut--;
		}
		if (cut > g->len) {
			/* only a FIN already received remains */
			g->flags &= (uint8_t)~MOS_TH_FIN;
			cut = g->len;
		}
		g->data += cut;
		g->len -= cut;
		g->seq += cut;
	}
	/* and the back: what lies beyond the window, a FIN with it */
	if (SEQ_GT(g->seq + g->len, nxt + wnd)) {
		g->len = nxt + wnd - g->seq;
		g->flags &= (uint8_t)~MOS_TH_FIN;
	}
	return true;
}

#define CHALLENGE_ACK_LIMIT 1000	/* per second and engine (RFC 5961 7) */

static void challenge_ack(struct mos_tcb *t)
{
	struct mos_tcp *s = t->eng;
	uint64_t sec = s->now_us / 1000000u;

	if (sec != s->chal_sec) {
		s->chal_sec = sec;
		s->chal_count = 0;
	}
	if (s->chal_count >= CHALLENGE_ACK_LIMIT)
		return;
	s->chal_count++;
	s->st.challenge_acks++;
	mos_tcp_send_ack(t);
}

/* RFC 9293 3.10.7.4 second check, as RFC 5961 3.2 narrows it.  true when
 * the connection is gone. */
static bool do_rst(struct mos_tcb *t, const struct seg *g)
{
	struct mos_tcp *s = t->eng;

	if (g->seq != t->rb.nxt) {
		/* in the window but not exact: challenge ACK */
		s->st.drop_rst++;
		challenge_ack(t);
		return false;
	}
	s->st.rst_in++;
	switch (t->state) {
	case MOS_TCPS_SYN_RECEIVED:
		if (t->parent) {	/* back to LISTEN: just forget it */
			s->st.conn_reset++;
			mos_tcb_free(t);
			return true;
		}
		mos_tcb_drop(t, ECONNREFUSED);
		return true;
	case MOS_TCPS_ESTABLISHED:
	case MOS_TCPS_FIN_WAIT_1:
	case MOS_TCPS_FIN_WAIT_2:
	case MOS_TCPS_CLOSE_WAIT:
		mos_tcb_drop(t, ECONNRESET);
		return true;
	default:		/* CLOSING, LAST_ACK, TIME_WAIT */
		if (t->owner)
			mos_tcb_drop(t, ECONNRESET);
		else
			mos_tcb_free(t);
		return true;
	}
}

/* New data acknowledged (RFC 9293 3.10.7.4 fifth check, ESTABLISHED). */
static void ack_new(struct mos_tcb *t, const struct seg *g)
{
	struct mos_tcp *s = t->eng;
	uint32_t acked = g->ack - t->snd_una;
	uint32_t data = acked > t->sb.len ? t->sb.len : acked;

	rtt_from_ack(t, g);
	mos_sndbuf_drop(&t->sb, data);
	t->snd_una = g->ack;
	if (SEQ_LT(t->snd_nxt, t->snd_una))
		t->snd_nxt = t->snd_una;
	mos_sack_prune(t);
	t->backoff = 0;
	mos_cc_on_ack(t, acked);
	/* RFC 6298 5.2, 5.3 */
	t->flags &= ~MOS_TF_TLP;
	if (t->snd_una == t->snd_max) {
		if (t->rexmt.kind == MOS_TMR_RTO || t->rexmt.kind == MOS_TMR_TLP)
			mos_tcp_stop_rexmt(s, t);
	} else if (!(t->flags & MOS_TF_PERSIST)) {
		mos_tcp_arm_loss(s, t, true);
	}
	if (data && t->owner)
		mos_tcb_event(t, MOS_TCP_EV_WRITABLE);
}

/* Is our FIN acknowledged? */
static bool fin_acked(const struct mos_tcb *t)
{
	return (t->flags & MOS_TF_FIN_SENT) && t->snd_una == t->snd_max &&
	       t->sb.len == 0;
}

/* RFC 9293 3.10.7.4 fifth check.  false when the segment is done with
 * (dropped, or the connection gone: *gone). */
static bool do_ack(struct mos_tcb *t, const struct seg *g, bool *gone)
{
	struct mos_tcp *s = t->eng;
	uint32_t wnd = g->wnd << t->snd_ws;
	bool sacked = false, newack = SEQ_GT(g->ack, t->snd_una);

	*gone = false;
	if (t->state == MOS_TCPS_SYN_RECEIVED) {
		if (SEQ_LEQ(g->ack, t->snd_una) || SEQ_GT(g->ack, t->snd_max)) {
			mos_tcp_reply_rst(s, g->p);
			s->st.drop_bad_ack++;
			return false;
		}
		established(t, g);
		/* the SYN took one of the acked numbers: no data yet */
		t->snd_wnd = wnd;
		t->max_sndwnd = wnd;
	}
	/* RFC 5961 5.2: SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.NXT, else
	 * an ACK (rate-limited like the other challenge ACKs) and drop */
	if (SEQ_GT(g->ack, t->snd_max) ||
	    SEQ_LT(g->ack, t->snd_una - t->max_sndwnd)) {
		s->st.drop_bad_ack++;
		challenge_ack(t);
		return false;
	}
	/* the SACK blocks first: recovery's decisions on this ACK use them */
	if ((t->flags & MOS_TF_SACK) && mos_sack_input(t, g->p))
		sacked = true;
	if (newack)
		ack_new(t, g);
	if (g->ack == t->snd_una && !newack && g->len == 0 &&
	    !(g->flags & (MOS_TH_SYN | MOS_TH_FIN)) &&
	    t->snd_max != t->snd_una && (wnd == t->snd_wnd || sacked) &&
	    !(t->flags & MOS_TF_PERSIST)) {
		/* a duplicate ACK, RFC 5681 2; or one whose SACK blocks
		 * tell of more data held (RFC 6675 2): receivers change
		 * the window in their duplicate ACKs */
		s->st.dup_acks++;
		mos_cc_on_dupack(t);
	}
	/* window update (RFC 9293 3.10.7.4) */
	if (SEQ_LT(t->snd_wl1, g->seq) ||
	    (t->snd_wl1 == g->seq && SEQ_LEQ(t->snd_wl2, g->ack))) {
		t->snd_wnd = wnd;
		if (wnd > t->max_sndwnd)
			t->max_sndwnd = wnd;
		t->snd_wl1 = g->seq;
		t->snd_wl2 = g->ack;
		if (wnd && (t->flags & MOS_TF_PERSIST)) {
			/* the window opened: send from SND.UNA again */
			t->flags &= ~MOS_TF_PERSIST;
			t->backoff = 0;
			t->snd_nxt = t->snd_una;
			if (t->rexmt.kind == MOS_TMR_PERSIST)
				mos_tcp_stop_rexmt(s, t);
		}
	}
	switch (t->state) {
	case MOS_TCPS_FIN_WAIT_1:
		if (fin_acked(t)) {
			t->state = MOS_TCPS_FIN_WAIT_2;
			mos_tcp_stop_rexmt(s, t);
			if (!t->owner)	/* no one will read: do not wait forever */
				mos_tcp_arm_rexmt(s, t, MOS_TMR_TW, 60000u);
		}
		break;
	case MOS_TCPS_CLOSING:
		if (fin_acked(t)) {
			*gone = mos_tcb_time_wait(t);
			return false;
		}
		break;
	case MOS_TCPS_LAST_ACK:
		if (fin_acked(t)) {
			if (t->owner)
				mos_tcb_drop(t, 0);
			else
				mos_tcb_free(t);
			*gone = true;
			return false;
		}
		break;
	default:
		break;
	}
	return true;
}

/* RFC 7323 4.3: TS.Recent from the segment that covers Last.ACK.sent. */
static void update_ts_recent(struct mos_tcb *t, const struct seg *g)
{
	if (!(t->flags & MOS_TF_TS) || !g->p->has_ts)
		return;
	if (SEQ_LEQ(g->seq, t->last_ack_sent) &&
	    SEQ_LEQ(t->last_ack_sent, g->seq + seg_space(g)))
		t->ts_recent = g->p->tsval;
}

/* RFC 9293 3.10.7.4 seventh check: segment text. */
static void do_data(struct mos_tcb *t, const struct seg *g)
{
	struct mos_tcp *s = t->eng;
	bool had_ooo = mos_rcvbuf_has_ooo(&t->rb);
	uint32_t adv, stored;

	switch (t->state) {
	case MOS_TCPS_ESTABLISHED:
	case MOS_TCPS_FIN_WAIT_1:
	case MOS_TCPS_FIN_WAIT_2:
		break;
	default:
		return;		/* the peer's FIN came before: ignore */
	}
	if (g->len == 0)
		return;
	adv = mos_rcvbuf_put(&t->rb, g->seq, g->data, g->len, &stored);
	if (g->seq != t->rb.nxt - adv) {
		/* out of order: ACK at once, the peer's dup ACK clock
		 * (RFC 5681 4.2) */
		s->st.ooo_segs++;
		if (!stored)
			s->st.drop_ooo_full++;
		t->flags |= MOS_TF_ACKNOW;
		return;
	}
	s->st.bytes_in += adv;
	if (adv < g->len) {
		/* in order but past the buffer (a rounded-up window):
		 * the peer sends it again */
		s->st.drop_ooo_full++;
		t->flags |= MOS_TF_ACKNOW;
	}
	if (!t->owner && (t->flags & MOS_TF_FIN_Q)) {
		/* closed by its owner: nobody reads, keep the window open */
		mos_rcvbuf_read(&t->rb, NULL, t->rb.ready, false);
	}
	if (adv)
		mos_tcb_event(t, MOS_TCP_EV_READABLE);
	/* RFC 9293 3.8.6.3, RFC 1122 4.2.3.2: ACK at least every second
	 * full-sized segment, else within delack_ms; a short segment (the
	 * end of what the peer had to send) and a filled hole (RFC 5681
	 * 4.2) are ACKed at once: delaying those stalled Linux peers' tail
	 * ends in the TAP interop test (probes, timeouts) */
	if (had_ooo || g->len < adv)
		t->flags |= MOS_TF_ACKNOW;
	if (g->len >= t->mss - ((t->flags & MOS_TF_TS) ? 12u : 0u))
		t->unacked_segs++;
	else
		t->unacked_segs += 2;
	if (t->unacked_segs >= 2)
		t->flags |= MOS_TF_ACKNOW;
	else
		mos_tcp_arm_delack(s, t, MOS_TMR_DELACK, s->conf.delack_ms);
}

/* RFC 9293 3.10.7.4 eighth check: FIN.  true when the connection went. */
static bool do_fin(struct mos_tcb *t, const struct seg *g)
{
	if (g->flags & MOS_TH_FIN) {
		if (!(t->flags & MOS_TF_FIN_RCVD) &&
		    SEQ_GT(g->seq + g->len, t->rb.nxt)) {
			/* FIN beyond a hole: remember where it is */
			t->fin_seq = g->seq + g->len;
			t->flags |= MOS_TF_ACKNOW | MOS_TF_FIN_OOO;
		}
	}
	if (!(t->flags & MOS_TF_FIN_RCVD)) {
		bool now = (g->flags & MOS_TH_FIN) &&
			   g->seq + g->len == t->rb.nxt;

		if (!now && (t->flags & MOS_TF_FIN_OOO) &&
		    t->fin_seq == t->rb.nxt)
			now = true;
		if (!now)
			return false;
		if (t->state != MOS_TCPS_ESTABLISHED &&
		    t->state != MOS_TCPS_FIN_WAIT_1 &&
		    t->state != MOS_TCPS_FIN_WAIT_2 &&
		    t->state != MOS_TCPS_SYN_RECEIVED)
			return false;
		t->flags &= ~MOS_TF_FIN_OOO;
		t->fin_seq = t->rb.nxt;
		t->rb.nxt++;
		t->flags |= MOS_TF_FIN_RCVD | MOS_TF_ACKNOW;
		mos_tcb_event(t, MOS_TCP_EV_READABLE);
		switch (t->state) {
		case MOS_TCPS_SYN_RECEIVED:
		case MOS_TCPS_ESTABLISHED:
			t->state = MOS_TCPS_CLOSE_WAIT;
			return false;
		case MOS_TCPS_FIN_WAIT_1:
			if (!fin_acked(t)) {
				t->state = MOS_TCPS_CLOSING;
				return false;
			}
			/* fall through */
		case MOS_TCPS_FIN_WAIT_2:
			mos_tcp_send_ack(t);
			return mos_tcb_time_wait(t);
		default:
			return false;
		}
	}
	return false;
}

/* RFC 9293 3.10.7.4: the synchronized states and SYN-RECEIVED. */
static void input_sync(struct mos_tcb *t, struct seg *g)
{
	struct mos_tcp *s = t->eng;
	bool gone;

	/* a repeated SYN while we wait for the handshake's ACK: our SYN-ACK
	 * was lost, send it again */
	if (t->state == MOS_TCPS_SYN_RECEIVED && (g->flags & MOS_TH_SYN) &&
	    !(g->flags & (MOS_TH_ACK | MOS_TH_RST)) && g->seq == t->irs) {
		mos_tcp_send_syn(t);
		return;
	}
	/* TIME-WAIT: the only thing that can arrive is a retransmission of
	 * the FIN: acknowledge it, restart the 2 MSL timeout (RFC 9293
	 * 3.10.7.4 eighth check) */
	if (t->state == MOS_TCPS_TIME_WAIT &&
	    (g->flags & (MOS_TH_FIN | MOS_TH_RST | MOS_TH_SYN)) == MOS_TH_FIN &&
	    g->seq + g->len == t->fin_seq) {
		mos_tcp_send_ack(t);
		mos_tcb_time_wait(t);
		return;
	}
	/* simultaneous open (RFC 9293 figure 7, step 4): the peer's SYN-ACK
	 * repeats the SYN already taken; its ACK is what matters */
	if (t->state == MOS_TCPS_SYN_RECEIVED && (g->flags & MOS_TH_SYN) &&
	    (g->flags & MOS_TH_ACK) && g->seq == t->irs) {
		g->flags &= (uint8_t)~MOS_TH_SYN;
		g->seq++;
	}
	if (!acceptable(t, g)) {
		if (g->flags & MOS_TH_RST) {
			s->st.drop_rst++;
			return;
		}
		s->st.drop_unacceptable++;
		mos_tcp_send_ack(t);
		return;
	}
	if (g->flags & MOS_TH_RST) {
		do_rst(t, g);
		return;
	}
	if (g->flags & MOS_TH_SYN) {
		/* RFC 5961 4.2: a SYN in the window gets a challenge ACK */
		challenge_ack(t);
		return;
	}
	if (!(g->flags & MOS_TH_ACK)) {
		s->st.drop_bad_ack++;
		return;
	}
	update_ts_recent(t, g);
	if (!do_ack(t, g, &gone))
		return;
	do_data(t, g);
	if (do_fin(t, g))
		return;
	mos_tcp_output(t, false);
}

/* RFC 9293 3.10.7.1: CLOSED, no tcb at all. */
static void input_closed(struct mos_tcp *s, const struct seg *g)
{
	s->st.drop_no_tcb++;
	if (!(g->flags & MOS_TH_RST))
		mos_tcp_reply_rst(s, g->p);
}

static bool checksum_ok(const struct mos_frame *f)
{
	const struct mos_pkt *p = &f->pkt;
	uint16_t stored, c;

	if (f->kind == MOS_MAL_TCP_CSUM || (f->csum_hw & MOS_CSUM_HW_L4_BAD))
		return false;
	if (f->csum_hw & MOS_CSUM_HW_L4_GOOD)
		return true;
	memcpy(&stored, p->frame + p->l4_off + 16, 2);
	c = mos_csum_tcp(p);
	return c == stored;
}

void mos_tcp_input(struct mos_tcp *s, const struct mos_frame *f,
		   uint64_t now_us)
{
	const struct mos_pkt *p = &f->pkt;
	struct mos_tcb *t;
	struct seg g;

	s->now_us = now_us;
	s->st.seg_in++;
	if ((f->kind != MOS_PKT_TCP && f->kind != MOS_MAL_TCP_CSUM) ||
	    p->ipver != 4 || !p->frame) {
		s->st.drop_other++;
		return;
	}
	if (!checksum_ok(f)) {
		s->st.drop_csum++;
		return;
	}
	g.p = p;
	g.data = p->frame + p->payload_off;
	g.seq = p->seq;
	g.ack = p->ack;
	g.len = p->payload_len;
	g.flags = p->flags;
	g.wnd = p->win;
	t = mos_tcb_lookup(s, p->daddr.v4, p->dport, p->saddr.v4, p->sport);
	if (t && t->state == MOS_TCPS_TIME_WAIT &&
	    (g.flags & (MOS_TH_SYN | MOS_TH_ACK | MOS_TH_RST)) == MOS_TH_SYN &&
	    SEQ_GT(g.seq, t->rb.nxt) &&
	    mos_tcb_listener(s, p->daddr.v4, p->dport)) {
		/* RFC 9293 3.10.7.4 (TIME-WAIT, RFC 6191): a new incarnation
		 * with a higher sequence number ends the old one */
		mos_tcb_free(t);
		t = NULL;
	}
	if (!t) {
		struct mos_tcb *l = mos_tcb_listener(s, p->daddr.v4, p->dport);

		if (l)
			input_listen(s, l, &g);
		else
			input_closed(s, &g);
		return;
	}
	switch (t->state) {
	case MOS_TCPS_SYN_SENT:
		input_syn_sent(t, &g);
		break;
	default:
		input_sync(t, &g);
		break;
	}
}
