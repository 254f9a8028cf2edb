/*
 * tcp_timer.c -- the timer wheel and what each connection timer does when
 * it fires (tcp_timer.h); the RTO computation of RFC 6298.
 */
#include <errno.h>
#include <stdint.h>

#include "tcb.h"
#include "tcp_cc.h"
#include "tcp_out.h"
#include "tcp_timer.h"

#define SLOT_MASK (MOS_TW_SLOTS - 1)
#define RTO_MAX_MS 60000u	/* RFC 6298 2.5: at least 60 s */
#define FIN_WAIT_2_MS 60000u	/* an orphan FIN_WAIT_2 waits this long */

void mos_wheel_init(struct mos_wheel *w, uint64_t now_ms)
{
	for (unsigned i = 0; i < MOS_TW_SLOTS; i++)
		w->slot[i].next = w->slot[i].prev = &w->slot[i];
	for (unsigned i = 0; i < MOS_TW_SLOTS / 64; i++)
		w->bits[i] = 0;
	w->cur_ms = now_ms;
	w->armed = 0;
}

static void slot_link(struct mos_wheel *w, struct mos_tmr *t)
{
	unsigned i = (unsigned)(t->due_ms & SLOT_MASK);
	struct mos_tmr *h = &w->slot[i];

	t->next = h;
	t->prev = h->prev;
	h->prev->next = t;
	h->prev = t;
	w->bits[i / 64] |= 1ull << (i % 64);
}

static void slot_unlink(struct mos_wheel *w, struct mos_tmr *t)
{
	unsigned i = (unsigned)(t->due_ms & SLOT_MASK);

	t->prev->next = t->next;
	t->next->prev = t->prev;
	t->next = t->prev = NULL;
	if (w->slot[i].next == &w->slot[i])
		w->bits[i / 64] &= ~(1ull << (i % 64));
}

void mos_tmr_arm(struct mos_wheel *w, struct mos_tmr *t, int kind,
		 uint64_t due_ms)
{
	if (mos_tmr_armed(t))
		slot_unlink(w, t);
	else
		w->armed++;
	/* a tick already processed would wait a whole turn */
	if (due_ms < w->cur_ms)
		due_ms = w->cur_ms;
	t->due_ms = due_ms;
	t->kind = (uint8_t)kind;
	slot_link(w, t);
}

void mos_tmr_stop(struct mos_wheel *w, struct mos_tmr *t)
{
	if (!mos_tmr_armed(t))
		return;
	slot_unlink(w, t);
	w->armed--;
	t->kind = MOS_TMR_NONE;
}

uint64_t mos_wheel_next_ms(const struct mos_wheel *w)
{
	unsigned start = (unsigned)(w->cur_ms & SLOT_MASK);

	if (!w->armed)
		return UINT64_MAX;
	/* the first non-empty slot at or after the current tick, wrapping */
	for (unsigned k = 0; k <= MOS_TW_SLOTS / 64; k++) {
		unsigned word = (start / 64 + k) % (MOS_TW_SLOTS / 64);
		uint64_t b = w->bits[word];

		if (k == 0)
			b &= ~0ull << (start % 64);
		else if (k == MOS_TW_SLOTS / 64)
			b &= (start % 64) ? ~(~0ull << (start % 64)) : 0;
		if (b) {
			unsigned i = word * 64 + (unsigned)__builtin_ctzll(b);
			unsigned d = (i - start) & SLOT_MASK;

			return w->cur_ms + d;
		}
	}
	return w->cur_ms;
}

/* RFC 6298 2: the estimator, in microseconds.  G = 1 ms (the ticks). */
void mos_tcp_rtt_sample(struct mos_tcb *t, uint32_t r_us)
{
	struct mos_tcp *s = t->eng;
	uint32_t k, rto;

	if (!t->srtt_us) {
		t->srtt_us = r_us ? r_us : 1;
		t->rttvar_us = r_us / 2;
	} else {
		uint32_t d = t->srtt_us > r_us ? t->srtt_us - r_us :
			     r_us - t->srtt_us;

		t->rttvar_us = t->rttvar_us - t->rttvar_us / 4 + d / 4;
		t->srtt_us = t->srtt_us - t->srtt_us / 8 + r_us / 8;
		if (!t->srtt_us)
			t->srtt_us = 1;
	}
	k = 4 * t->rttvar_us;
	rto = t->srtt_us + (k > 1000 ? k : 1000);
	if (rto < s->conf.rto_min_ms * 1000u)
		rto = s->conf.rto_min_ms * 1000u;
	if (rto > RTO_MAX_MS * 1000u)
		rto = RTO_MAX_MS * 1000u;
	t->rto_us = rto;
}

static uint64_t backed_off(const struct mos_tcb *t, uint32_t base_ms)
{
	uint64_t ms = (uint64_t)base_ms << (t->backoff < 16 ? t->backoff : 16);

	return ms > RTO_MAX_MS ? RTO_MAX_MS : ms;
}

void mos_tcp_arm_rexmt(struct mos_tcp *s, struct mos_tcb *t, int kind,
		       uint64_t after_ms)
{
	mos_tmr_arm(&s->wheel, &t->rexmt, kind, s->now_us / 1000u + after_ms);
}

void mos_tcp_stop_rexmt(struct mos_tcp *s, struct mos_tcb *t)
{
	mos_tmr_stop(&s->wheel, &t->rexmt);
}

void mos_tcp_arm_delack(struct mos_tcp *s, struct mos_tcb *t, int kind,
			uint64_t after_ms)
{
	/* a pending retry is never postponed by a delayed ACK */
	if (mos_tmr_armed(&t->delack) && t->delack.kind == MOS_TMR_RETRY &&
	    kind == MOS_TMR_DELACK)
		return;
	mos_tmr_arm(&s->wheel, &t->delack, kind, s->now_us / 1000u + after_ms);
}

void mos_tcp_stop_delack(struct mos_tcp *s, struct mos_tcb *t)
{
	mos_tmr_stop(&s->wheel, &t->delack);
}

/* RFC 6298 5.4-5.7: back off, go back to SND.UNA, slow start again. */
static void fire_rto(struct mos_tcb *t)
{
	struct mos_tcp *s = t->eng;

	if (t->snd_una == t->snd_max)
		return;
	if (++t->backoff > s->conf.data_retries) {
		mos_tcb_drop(t, ETIMEDOUT);
		return;
	}
	s->st.rto_fires++;
	t->flags &= ~MOS_TF_TLP;
	mos_cc_on_rto(t);
	t->rto_us = t->rto_us * 2 > RTO_MAX_MS * 1000u ? RTO_MAX_MS * 1000u :
		    t->rto_us * 2;
	t->flags &= ~(MOS_TF_RTT | MOS_TF_PERSIST);
	t->snd_nxt = t->snd_una;
	mos_tcp_output(t, true);
	if (!mos_tmr_armed(&t->rexmt))
		mos_tcp_arm_rexmt(s, t, MOS_TMR_RTO, t->rto_us / 1000u);
}

void mos_tcp_arm_loss(struct mos_tcp *s, struct mos_tcb *t, bool restart)
{
	uint64_t pto, rto = t->rto_us / 1000u;

	bool rto_on = mos_tmr_armed(&t->rexmt) && t->rexmt.kind == MOS_TMR_RTO;

	/* no probe before an RTT sample, in recovery, after a backoff or
	 * while one is out (RFC 8985 7.2); a running RTO is not restarted
	 * by new data (RFC 6298 5.1) */
	if (!t->srtt_us || t->backoff || (t->flags & (MOS_TF_RECOVERY |
						    MOS_TF_TLP))) {
		if (restart || !rto_on)
			mos_tcp_arm_rexmt(s, t, MOS_TMR_RTO, rto);
		return;
	}
	pto = 2u * t->srtt_us / 1000u;
	if (pto < 10)
		pto = 10;
	if (t->snd_max - t->snd_una <= t->seg_max)
		pto += 200;	/* WCDelAckT: a lone segment's ACK may wait */
	if (pto >= rto) {
		if (restart || !rto_on)
			mos_tcp_arm_rexmt(s, t, MOS_TMR_RTO, rto);
	} else
		mos_tcp_arm_rexmt(s, t, MOS_TMR_TLP, pto);
}

static void fire_tlp(struct mos_tcb *t)
{
	struct mos_tcp *s = t->eng;

	if (t->snd_una == t->snd_max)
		return;
	s->st.tlp_probes++;
	t->flags |= MOS_TF_TLP;
	mos_tcp_send_tlp(t);
	mos_tcp_arm_rexmt(s, t, MOS_TMR_RTO, t->rto_us / 1000u);
}

static void fire_syn(struct mos_tcb *t)
{
	struct mos_tcp *s = t->eng;

	if (t->state != MOS_TCPS_SYN_SENT && t->state != MOS_TCPS_SYN_RECEIVED)
		return;
	uint64_t after, left = UINT64_MAX;

	if (s->conf.syn_timeout_ms) {
		uint64_t lim = (uint64_t)s->conf.syn_timeout_ms * 1000u;

		left = s->now_us - t->open_us >= lim ? 0 :
		       (lim - (s->now_us - t->open_us) + 999) / 1000u;
	}
	if (++t->backoff > s->conf.syn_retries || left == 0) {
		mos_tcb_drop(t, ETIMEDOUT);
		return;
	}
	s->st.syn_retrans++;
	t->retransmits++;
	mos_tcp_send_syn(t);
	after = backed_off(t, s->conf.rto_init_ms);
	/* the last wait ends at the open's deadline */
	mos_tcp_arm_rexmt(s, t, MOS_TMR_SYN, after < left ? after : left);
}

static void fire_persist(struct mos_tcb *t)
{
	struct mos_tcp *s = t->eng;

	if (t->snd_wnd == 0) {
		/* RFC 9293 3.8.6.1: probe, back off, never give up */
		t->flags |= MOS_TF_PERSIST;
		mos_tcp_send_probe(t);
		if (t->backoff < 16)
			t->backoff++;
		mos_tcp_arm_rexmt(s, t, MOS_TMR_PERSIST,
				  backed_off(t, t->rto_us / 1000u));
	} else {
		/* the SWS override timeout (RFC 9293 3.8.6.2.1) */
		mos_tcp_output(t, true);
	}
}

static void fire(struct mos_tcp *s, struct mos_tcb *t, int kind)
{
	switch (kind) {
	case MOS_TMR_RTO:
		fire_rto(t);
		break;
	case MOS_TMR_TLP:
		fire_tlp(t);
		break;
	case MOS_TMR_SYN:
		fire_syn(t);
		break;
	case MOS_TMR_PERSIST:
		fire_persist(t);
		break;
	case MOS_TMR_TW:
		if (t->state == MOS_TCPS_TIME_WAIT)
			s->st.tw_expired++;
		if (t->owner)
			mos_tcb_drop(t, ETIMEDOUT);
		else
			mos_tcb_free(t);
		break;
	case MOS_TMR_DELACK:
		if (t->unacked_segs || (t->flags & MOS_TF_ACKNOW)) {
			s->st.delayed_acks++;
			mos_tcp_send_ack(t);
		}
		break;
	case MOS_TMR_RETRY:
		mos_tcp_output(t, false);
		break;
	default:
		break;
	}
}

static struct mos_tcb *tcb_of(struct mos_tmr *m, bool *is_rexmt)
{
	/* both nodes sit inside struct mos_tcb */
	if (m->kind == MOS_TMR_DELACK || m->kind == MOS_TMR_RETRY) {
		*is_rexmt = false;
		return (struct mos_tcb *)((char *)m -
					  offsetof(struct mos_tcb, delack));
	}
	*is_rexmt = true;
	return (struct mos_tcb *)((char *)m - offsetof(struct mos_tcb, rexmt));
}

/* Fire everything due in one slot (those a turn or more away stay). */
static void run_slot(struct mos_tcp *s, unsigned i, uint64_t now_ms)
{
	struct mos_wheel *w = &s->wheel;
	struct mos_tmr *h = &w->slot[i], *m;
	struct mos_tmr due = { &due, &due, 0, 0 };

	/* move the due ones to a private list first: firing may arm
	 * timers into this very slot */
	for (m = h->next; m != h;) {
		struct mos_tmr *n = m->next;

		if (m->due_ms <= now_ms) {
			m->prev->next = m->next;
			m->next->prev = m->prev;
			m->next = &due;
			m->prev = due.prev;
			due.prev->next = m;
			due.prev = m;
		}
		m = n;
	}
	if (h->next == h)
		w->bits[i / 64] &= ~(1ull << (i % 64));
	while (due.next != &due) {
		bool rx;
		int kind;
		struct mos_tcb *t;

		m = due.next;
		m->prev->next = m->next;
		m->next->prev = m->prev;
		m->next = m->prev = NULL;
		w->armed--;
		kind = m->kind;
		t = tcb_of(m, &rx);
		m->kind = MOS_TMR_NONE;
		fire(s, t, kind);
	}
}

void mos_tcp_run_timers(struct mos_tcp *s, uint64_t now_ms)
{
	struct mos_wheel *w = &s->wheel;
	uint64_t n = 0;

	while (w->cur_ms <= now_ms && w->armed) {
		uint64_t next = mos_wheel_next_ms(w);

		if (next > now_ms)
			break;
		if (next > w->cur_ms)
			w->cur_ms = next;
		run_slot(s, (unsigned)(w->cur_ms & SLOT_MASK), now_ms);
		/* a slot holding only far timers is passed once per turn */
		w->cur_ms++;
		if (++n > MOS_TW_SLOTS)
			break;
	}
	if (w->cur_ms <= now_ms)
		w->cur_ms = now_ms + 1;
}

uint64_t mos_tcp_timers(struct mos_tcp *s, uint64_t now_us)
{
	s->now_us = now_us;
	mos_tcp_run_timers(s, now_us / 1000u);
	return mos_tcp_next_due(s);
}

uint64_t mos_tcp_next_due(const struct mos_tcp *s)
{
	uint64_t ms = mos_wheel_next_ms(&s->wheel);

	return ms == UINT64_MAX ? UINT64_MAX : ms * 1000u;
}
