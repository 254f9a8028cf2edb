/*
 * tcp_track.c -- the state machine of each emulated endpoint (RFC 9293
 * section 3.3.2), driven by what the monitor sees on the wire.
 *
 * A half's transitions come from segments it sends (SYN, FIN, RST) and
 * from segments it receives (SYN, SYN/ACK, the ACK of its own SYN or FIN,
 * the peer's FIN, RST).  Sequence numbers of the peer's data become 64-bit
 * stream offsets unwrapped around the receiver's in-order end, so the ring
 * never sees the 2^32 wrap.
 */
#include "internal.h"

#include <mos_api.h>

#include "tcp_seq.h"
#include "tcp_track.h"

#define MIN_RST_WINDOW 65535u

void mos_tcp_half_init(struct mos_half *h)
{
	h->state = TCP_CLOSED;
	h->wscale = -1;
	h->policy = MOS_OVERLAP_POLICY_FIRST;
}

uint64_t mos_tcp_rcv_end(const struct mos_half *h)
{
	return h->ring ? mos_ring_contig_end(h->ring) : h->rcv_end;
}

static void ring_emptied(void *owner, struct mos_ring *r)
{
	struct mos_half *h = owner;

	h->rcv_end = mos_ring_contig_end(r);
	h->ring = NULL;
	h->ring_gone = true;
	mos_ring_free(r);
}

void mos_tcp_ring_adopt(struct mos_half *h, struct mos_ring *r)
{
	h->ring = r;
	h->ring_gone = false;
	mos_ring_set_owner(r, ring_emptied, h);
}

bool mos_tcp_received(const struct mos_half *h, uint64_t off, uint32_t len)
{
	if (h->ring)
		return mos_ring_overlaps(h->ring, off, len);
	return h->ring_gone && len && off < h->rcv_end;
}

bool mos_tcp_rst_acceptable(const struct mos_flow *f, int sender,
			    const struct mos_pkt *p)
{
	const struct mos_half *S = &f->half[sender];
	const struct mos_half *R = &f->half[!sender];
	uint32_t expected, wnd;

	if (!S->isn_known) {
		/* a refused SYN: the RST must acknowledge it */
		return (p->flags & MOS_TH_ACK) && R->isn_known &&
		       p->ack == R->snd_nxt;
	}
	expected = S->isn + 1 + (uint32_t)mos_tcp_rcv_end(R);
	wnd = R->rcv_wnd > MIN_RST_WINDOW ? R->rcv_wnd : MIN_RST_WINDOW;
	/* RFC 9293 3.10.7.x: acceptable inside the receive window; also at
	 * the sender's own next sequence, which may lie past a hole */
	if (SEQ_GEQ(p->seq, expected) && SEQ_LT(p->seq, expected + wnd))
		return true;
	return p->seq == S->snd_nxt;
}

static void sender_syn(struct mos_half *S, const struct mos_pkt *p,
		       bool *rexmit)
{
	if (!S->isn_known) {
		S->isn = p->seq;
		S->isn_known = true;
		S->snd_nxt = p->seq + 1;
	} else if (p->seq == S->isn && (p->flags & MOS_TH_ACK) &&
		   S->synack_sent) {
		/* only a repeated SYN/ACK: after crossed SYNs the first
		 * SYN/ACK reuses the ISN of the half's own pure SYN */
		*rexmit = true;
	}
	if (p->flags & MOS_TH_ACK)
		S->synack_sent = true;
	if (!(p->flags & MOS_TH_ACK)) {
		if (S->state == TCP_CLOSED || S->state == TCP_LISTEN)
			S->state = TCP_SYN_SENT;
	} else if (S->state == TCP_CLOSED || S->state == TCP_LISTEN) {
		S->state = TCP_SYN_RCVD;
	}
	if (p->wscale >= 0)
		S->wscale = p->wscale;
}

static void sender_fin(struct mos_half *S, const struct mos_half *R,
		       const struct mos_pkt *p, bool *rexmit)
{
	uint32_t fseq = p->seq + p->payload_len +
			((p->flags & MOS_TH_SYN) ? 1 : 0);

	if (S->fin_sent) {
		if (fseq == S->fin_seq)
			*rexmit = true;
		return;
	}
	S->fin_sent = true;
	S->fin_seq = fseq;
	switch (S->state) {
	case TCP_SYN_SENT:
	case TCP_SYN_RCVD:
	case TCP_ESTABLISHED:
		S->state = TCP_FIN_WAIT_1;
		break;
	case TCP_CLOSE_WAIT:
		/* it had not yet seen the peer's FIN if it does not ack it:
		 * a simultaneous close */
		if ((p->flags & MOS_TH_ACK) && R->fin_sent &&
		    SEQ_GEQ(p->ack, R->fin_seq + 1))
			S->state = TCP_LAST_ACK;
		else
			S->state = TCP_CLOSING;
		break;
	default:
		break;
	}
}

bool mos_tcp_sender_update(struct mos_flow *f, int sender,
			   const struct mos_pkt *p, bool rst_ok)
{
	struct mos_half *S = &f->half[sender];
	const struct mos_half *R = &f->half[!sender];
	bool rexmit = false;
	uint32_t end;

	if (p->flags & MOS_TH_RST) {
		if (rst_ok)
			S->state = TCP_CLOSED;
		return false;
	}
	if (p->flags & MOS_TH_SYN)
		sender_syn(S, p, &rexmit);
	if (S->isn_known) {
		end = p->seq + p->payload_len +
		      ((p->flags & MOS_TH_SYN) ? 1 : 0) +
		      ((p->flags & MOS_TH_FIN) ? 1 : 0);
		if (SEQ_GT(end, S->snd_nxt))
			S->snd_nxt = end;
	}
	if (p->flags & MOS_TH_FIN)
		sender_fin(S, R, p, &rexmit);
	/* window scaling applies only once both SYNs carried the option */
	S->rcv_wnd = (uint32_t)p->win
		     << ((S->wscale >= 0 && R->wscale >= 0 &&
			  !(p->flags & MOS_TH_SYN)) ? S->wscale : 0);
	return rexmit;
}

static void receiver_syn(struct mos_half *R, const struct mos_pkt *p)
{
	if (!(p->flags & MOS_TH_ACK)) {
		/* the server hears the SYN, or both sent one (simultaneous) */
		if (R->state == TCP_CLOSED || R->state == TCP_LISTEN ||
		    R->state == TCP_SYN_SENT)
			R->state = TCP_SYN_RCVD;
		return;
	}
	if ((R->state == TCP_SYN_SENT || R->state == TCP_SYN_RCVD) &&
	    R->isn_known && p->ack == R->isn + 1)
		R->state = TCP_ESTABLISHED;
}

static void receiver_ack(struct mos_half *R, const struct mos_pkt *p)
{
	if (R->state == TCP_SYN_RCVD && R->isn_known &&
	    SEQ_GEQ(p->ack, R->isn + 1))
		R->state = TCP_ESTABLISHED;
	if (!R->fin_sent || SEQ_LT(p->ack, R->fin_seq + 1))
		return;
	switch (R->state) {
	case TCP_FIN_WAIT_1:
		R->state = TCP_FIN_WAIT_2;
		break;
	case TCP_CLOSING:
		R->state = TCP_TIME_WAIT;
		break;
	case TCP_LAST_ACK:
		R->state = TCP_CLOSED;
		break;
	default:
		break;
	}
}

static void receiver_fin(struct mos_half *R)
{
	switch (R->state) {
	case TCP_SYN_SENT:
	case TCP_SYN_RCVD:
	case TCP_ESTABLISHED:
		R->state = TCP_CLOSE_WAIT;
		break;
	case TCP_FIN_WAIT_1:
		R->state = TCP_CLOSING;
		break;
	case TCP_FIN_WAIT_2:
		R->state = TCP_TIME_WAIT;
		break;
	default:
		break;
	}
}

void mos_tcp_receiver_update(struct mos_flow *f, int receiver,
			     const struct mos_pkt *p, bool rst_ok)
{
	struct mos_half *R = &f->half[receiver];

	if (p->flags & MOS_TH_RST) {
		if (rst_ok)
			R->state = TCP_CLOSED;
		return;
	}
	if (p->flags & MOS_TH_SYN)
		receiver_syn(R, p);
	else if (p->flags & MOS_TH_ACK)
		receiver_ack(R, p);
	if (p->flags & MOS_TH_FIN)
		receiver_fin(R);
}

bool mos_tcp_payload_offset(const struct mos_flow *f, int receiver,
			    const struct mos_pkt *p, uint64_t *off,
			    uint32_t *skip)
{
	const struct mos_half *S = &f->half[!receiver];
	const struct mos_half *R = &f->half[receiver];
	uint32_t dseq = p->seq + ((p->flags & MOS_TH_SYN) ? 1 : 0);
	uint64_t end = mos_tcp_rcv_end(R);
	uint32_t end_seq;
	int64_t o;

	if (!S->isn_known)
		return false;
	end_seq = S->isn + 1 + (uint32_t)end;
	o = (int64_t)end + (int32_t)(dseq - end_seq);
	*skip = 0;
	if (o < 0) {
		if ((uint64_t)-o >= p->payload_len)
			return false;
		*skip = (uint32_t)-o;
		o = 0;
	}
	*off = (uint64_t)o;
	return true;
}

/* Offset of sequence number seq of S, the peer of a half whose in-order
 * end is `end`, unwrapped around that end; never below it. */
static uint64_t seq_offset(const struct mos_half *S, uint64_t end,
			   uint32_t seq)
{
	int32_t d = (int32_t)(seq - (S->isn + 1 + (uint32_t)end));

	return d > 0 ? end + (uint64_t)d : end;
}

uint64_t mos_tcp_sent_end(const struct mos_flow *f, int r)
{
	const struct mos_half *S = &f->half[!r];
	uint64_t end = mos_tcp_rcv_end(&f->half[r]), e, fin;

	if (!S->isn_known)
		return end;
	e = seq_offset(S, end, S->snd_nxt);
	if (S->fin_sent) {
		fin = seq_offset(S, end, S->fin_seq);
		if (fin < e)
			e = fin;
	}
	return e;
}

bool mos_tcp_ack_offset(const struct mos_flow *f, int s,
			const struct mos_pkt *p, uint64_t *off)
{
	const struct mos_half *S = &f->half[!s];
	uint64_t end, fin;

	if (!(p->flags & MOS_TH_ACK) || (p->flags & MOS_TH_RST) ||
	    !S->isn_known)
		return false;
	/* the receiver's in-order end once: the ring's line is read once */
	end = mos_tcp_rcv_end(&f->half[s]);
	*off = seq_offset(S, end, p->ack);
	if (S->fin_sent) {
		fin = seq_offset(S, end, S->fin_seq);
		if (*off > fin)
			*off = fin;
	}
	return *off > end;
}

static bool done(uint8_t st, int tw_interval)
{
	return st == TCP_CLOSED || (st == TCP_TIME_WAIT && tw_interval == 0);
}

bool mos_tcp_finished(const struct mos_flow *f, int tw_interval)
{
	return done(f->half[0].state, tw_interval) &&
	       done(f->half[1].state, tw_interval) &&
	       (f->half[0].isn_known || f->half[1].isn_known);
}
