/*
 * tcp_cc.c -- congestion control (tcp_cc.h).
 *
 * Slow start and congestion avoidance follow RFC 5681 (byte counting,
 * RFC 3465).  Loss recovery has two forms: with SACK in use, the
 * conservative SACK-based recovery of RFC 6675 (cwnd = ssthresh, and the
 * holes resent while the estimated pipe leaves room); without, NewReno
 * (RFC 6582: cwnd inflated by each duplicate ACK, one hole resent per
 * partial ACK).  Limited transmit (RFC 3042) and early retransmit (RFC
 * 5827) keep small windows out of the retransmission timer.
 */
#include "../tcp_seq.h"
#include "tcb.h"
#include "tcp_cc.h"
#include "tcp_out.h"
#include "tcp_sack.h"

#define CWND_MAX (1u << 30)

static uint32_t flight(const struct mos_tcb *t)
{
	return t->snd_max - t->snd_una;
}

static bool sack_on(const struct mos_tcb *t)
{
	return (t->flags & MOS_TF_SACK) != 0;
}

/* RFC 5681 (4): ssthresh = max(FlightSize / 2, 2 * SMSS) */
static uint32_t half_flight(const struct mos_tcb *t)
{
	uint32_t h = flight(t) / 2, two = 2u * t->seg_max;

	return h > two ? h : two;
}

/*
 * Duplicate ACKs that start recovery: 3 (RFC 5681); fewer when the
 * peer SACKed more than 2 SMSS above SND.UNA (RFC 6675 IsLost), or when
 * under four segments are outstanding and nothing new can be sent
 * (early retransmit, RFC 5827 3.1).
 */
static unsigned dup_thresh(const struct mos_tcb *t)
{
	uint32_t oseg = (flight(t) + t->seg_max - 1) / t->seg_max;
	bool unsent = t->sb.len > t->snd_nxt - t->snd_una &&
		      t->snd_wnd > flight(t);

	if (sack_on(t) && mos_sack_bytes(t) > 2u * t->seg_max)
		return 1;
	if (!unsent && oseg >= 2 && oseg < 4)
		return oseg - 1;
	return 3;
}

/* Resend the next hole not resent yet in this recovery (RFC 6675
 * NextSeg () rule 1); false when there is none. */
static bool resend_hole(struct mos_tcb *t)
{
	uint32_t start, len, sent;

	if (!mos_sack_next_hole(t, t->sack.rxt_next, &start, &len))
		return false;
	sent = mos_tcp_retransmit_at(t, start, len);
	if (!sent)
		return false;
	t->sack.rxt_next = start + sent;
	return true;
}

/* RFC 6675 5 (C): send while the pipe leaves a segment of cwnd; new
 * data follows from mos_tcp_output, which also counts the pipe. */
static void sack_fill(struct mos_tcb *t)
{
	while (mos_sack_pipe(t) + t->seg_max <= t->cwnd)
		if (!resend_hole(t))
			break;
}

void mos_cc_init(struct mos_tcb *t)
{
	uint32_t iw = 10u * t->seg_max;

	/* RFC 6928's initial window: 10 segments within 14600 bytes */
	if (iw > 14600u)
		iw = 14600u > 2u * t->seg_max ? 14600u : 2u * t->seg_max;
	t->cwnd = iw;
	t->ssthresh = CWND_MAX;	/* RFC 5681 3.1: arbitrarily high */
	t->recover = t->iss;
	t->dupacks = 0;
	t->lt_extra = 0;
	t->bytes_acked = 0;
}

static void recovery_ack(struct mos_tcb *t, uint32_t acked)
{
	if (SEQ_GEQ(t->snd_una, t->recover)) {
		/* full ACK: RFC 6675 4.2 cwnd = ssthresh; RFC 6582 3.2 (3)
		 * option 1, min(ssthresh, FlightSize + SMSS) */
		uint32_t f = flight(t) + t->seg_max;

		t->cwnd = sack_on(t) || t->ssthresh < f ? t->ssthresh : f;
		t->flags &= ~MOS_TF_RECOVERY;
		t->dupacks = 0;
		return;
	}
	if (sack_on(t)) {
		/* RFC 6675 5 (C): the partial ACK freed pipe */
		if (SEQ_GEQ(t->snd_una, t->sack.rxt_next)) {
			uint32_t sent = mos_tcp_retransmit_first(t);

			if (sent)
				t->sack.rxt_next = t->snd_una + sent;
		}
		sack_fill(t);
		return;
	}
	/* partial ACK, RFC 6582 3.2 (5): resend the next hole, deflate by
	 * what was acked, add back one SMSS */
	mos_tcp_retransmit_first(t);
	t->cwnd = t->cwnd > acked ? t->cwnd - acked : 0;
	if (acked >= t->seg_max)
		t->cwnd += t->seg_max;
	if (t->cwnd < t->seg_max)
		t->cwnd = t->seg_max;
}

void mos_cc_on_ack(struct mos_tcb *t, uint32_t acked)
{
	if (t->flags & MOS_TF_RECOVERY) {
		recovery_ack(t, acked);
		return;
	}
	t->dupacks = 0;
	t->lt_extra = 0;
	if (t->cwnd < t->ssthresh) {
		/* slow start with byte counting, L = 2 SMSS (RFC 3465) */
		uint32_t l = 2u * t->seg_max;

		t->cwnd += acked < l ? acked : l;
	} else {
		/* congestion avoidance: one SMSS per cwnd acked (RFC 5681
		 * 3.1, the byte-counting form) */
		t->bytes_acked += acked;
		if (t->bytes_acked >= t->cwnd) {
			t->bytes_acked -= t->cwnd;
			t->cwnd += t->seg_max;
		}
	}
	if (t->cwnd > CWND_MAX)
		t->cwnd = CWND_MAX;
}

static void enter_recovery(struct mos_tcb *t)
{
	uint32_t sent;

	t->ssthresh = half_flight(t);
	t->recover = t->snd_max;
	t->eng->st.fast_retrans++;
	t->flags |= MOS_TF_RECOVERY;
	t->lt_extra = 0;
	sent = mos_tcp_retransmit_first(t);
	t->sack.rxt_next = t->snd_una + sent;
	if (sack_on(t)) {
		t->cwnd = t->ssthresh;	/* RFC 6675 5 (4.2) */
		sack_fill(t);
	} else {
		t->cwnd = t->ssthresh + 3u * t->seg_max;  /* RFC 6582 (2) */
	}
}

void mos_cc_on_dupack(struct mos_tcb *t)
{
	if (t->flags & MOS_TF_RECOVERY) {
		if (sack_on(t))
			sack_fill(t);	/* the pipe shrank */
		else
			t->cwnd += t->seg_max;	/* RFC 6582 3.2 (4) */
		return;
	}
	if (++t->dupacks < dup_thresh(t)) {
		/* RFC 3042: a new segment for each of the first two */
		t->lt_extra = t->dupacks;
		return;
	}
	/* RFC 6582 3.2 (1): only when the ACK covers more than recover
	 * (the highest sequence number sent, recover - 1 here), so a loss
	 * already handled does not halve cwnd twice */
	if (!SEQ_GEQ(t->snd_una, t->recover))
		return;
	enter_recovery(t);
}

void mos_cc_on_rto(struct mos_tcb *t)
{
	/* RFC 5681 3.1: held constant when the segment was already
	 * retransmitted by the timer (backoff counts the expirations) */
	if (t->backoff <= 1)
		t->ssthresh = half_flight(t);
	t->cwnd = t->seg_max;	/* loss window, RFC 5681 3.1 */
	mos_sack_clear(t);	/* RFC 6675 5.1 */
	t->recover = t->snd_max;
	t->flags &= ~MOS_TF_RECOVERY;
	t->dupacks = 0;
	t->lt_extra = 0;
	t->bytes_acked = 0;
}
