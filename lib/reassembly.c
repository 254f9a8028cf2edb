/*
 * reassembly.c -- payload into the receiving half's ring; outrun and gaps
 * (mtcp_peek(3)).
 *
 * A monitor can miss bytes the endpoints did exchange: a capture or a
 * mirror port dropped them, or they could not be stored.  Waiting for
 * them would stall the stream at the hole forever, so a hole is given up
 * as a gap once its receiver acknowledges past it (it has the bytes, they
 * will not be sent again) or the flow ends.  Every byte is then either
 * read through mtcp_peek or reported lost by it.
 */
#include "internal.h"

#include "context.h"
#include "event.h"
#include "reassembly.h"
#include "tcp_track.h"

enum { HK_SND = 0, HK_RCV = 1, HK_NULL = 2 };

bool mos_side_watched(struct mos_ctx *c, struct mos_flow *f, int side)
{
	int id;

	for (id = f->sock_first; id >= 0; id = c->socks.s[id].fnext)
		if (!(c->socks.s[id].stopped & (1u << side)))
			return true;
	return false;
}

/* MOS_ON_ERROR for the sockets of `side` whose peek offset is below
 * `below` (all of them with `all`), in the order of 1.6. */
static void raise_error(struct mos_ctx *c, struct mos_flow *f, int side,
			uint64_t below, bool all)
{
	int id = side == MOS_SIDE_SVR ? f->sock_first : f->sock_last;

	while (id >= 0) {
		struct mos_sock *s = &c->socks.s[id];
		int next = side == MOS_SIDE_SVR ? s->fnext : s->fprev;

		if (all || s->peek_off[side] < below)
			mos_dispatch(c, id, HK_NULL, side, MOS_ON_ERROR);
		id = next;
	}
}

/* The side's ring, made at its first byte; NULL when the pool is out of
 * memory. */
static struct mos_ring *ring_of(struct mos_ctx *c, struct mos_flow *f,
				int side)
{
	struct mos_half *h = &f->half[side];
	struct mos_ring *r;
	int policy = h->policy;
	int id;

	if (h->ring)
		return h->ring;
	for (id = f->sock_first; id >= 0; id = c->socks.s[id].fnext)
		if (c->socks.s[id].policy_req[side] >= 0)
			policy = c->socks.s[id].policy_req[side];
	/* bytes that went by while the side had no ring are not in it (nor
	 * those of a drained ring the pool took back) */
	r = mos_ring_new(c->pool, h->ring_cap, policy, h->rcv_end);
	if (!r) {
		c->stats.ring_nomem++;
		return NULL;
	}
	mos_tcp_ring_adopt(h, r);
	h->policy = (uint8_t)policy;
	return r;
}

/* Give up the holes of `side` below upto (mtcp_peek(3) "Gaps"); -1 when
 * no ring can be had to record them (the flow must end). */
static int give_up(struct mos_ctx *c, struct mos_flow *f, int side,
		   uint64_t upto)
{
	struct mos_half *h = &f->half[side];
	uint64_t lost = 0, grown;
	struct mos_ring *r;

	if (h->buf_off || !mos_side_watched(c, f, side)) {
		if (upto > h->rcv_end)
			h->rcv_end = upto;
		return 0;
	}
	r = ring_of(c, f, side);
	if (!r)
		return -1;
	grown = mos_ring_give_up(r, upto, &lost, NULL);
	if (!lost)
		return 0;
	c->stats.gaps++;
	c->stats.gap_bytes += lost;
	h->gap_bytes += lost;
	if (grown)
		mos_newdata_mark(c, f, side);
	raise_error(c, f, side, 0, true);
	return 0;
}

/*
 * A receiver cannot acknowledge what was never sent, so holes are given up
 * only below what the monitor saw the peer send: a forged ACK cannot make
 * it skip bytes still to come.  An ACK past that (the capture missed the
 * stream's last segments) is remembered for the flow's end, when bytes
 * acknowledged count as seen, if it lies within one window of what was
 * sent; one further off is implausible and counted.
 */
int mos_reasm_ack(struct mos_ctx *c, struct mos_flow *f, int s,
		  const struct mos_pkt *p)
{
	struct mos_half *h = &f->half[s];
	uint64_t off, sent;
	uint32_t wnd = h->rcv_wnd > 65535 ? h->rcv_wnd : 65535;

	if (!mos_tcp_ack_offset(f, s, p, &off))
		return 0;
	sent = mos_tcp_sent_end(f, s);
	if (off > sent + wnd) {
		c->stats.ack_implausible++;
		return 0;
	}
	if (off > h->ack_end)
		h->ack_end = off;
	return give_up(c, f, s, off < sent ? off : sent);
}

/*
 * A FIN takes one sequence number (RFC 9293 3.4), so when the capture
 * missed the sender's FIN, the receiver's ACK of it and the sender's later
 * segments reach one past the data.  That last number is taken to be the
 * FIN, not a lost byte, when the flow closed the way a lost FIN leaves it:
 * the receiver sent its own FIN and the sender sent no RST.  (Otherwise a
 * one-byte gap is reported: an over-report is better than a silent loss.)
 */
static uint64_t lost_fin_trim(const struct mos_flow *f, int side,
			      uint64_t upto)
{
	const struct mos_half *S = &f->half[!side];
	const struct mos_half *R = &f->half[side];

	if (S->fin_sent || !R->fin_sent || (S->tcp_flags & MOS_TH_RST) ||
	    upto == 0 || upto <= mos_tcp_rcv_end(R))
		return upto;
	return upto - 1;
}

void mos_reasm_flow_end(struct mos_ctx *c, struct mos_flow *f)
{
	int side;

	for (side = 0; side < 2; side++) {
		struct mos_half *h = &f->half[side];
		uint64_t upto = mos_tcp_sent_end(f, side);

		if (h->ack_end > upto)
			upto = h->ack_end;
		upto = lost_fin_trim(f, side, upto);
		if (h->ring && mos_ring_high_end(h->ring) > upto)
			upto = mos_ring_high_end(h->ring);
		/* without memory for a ring, nothing more can be reported */
		if (upto > mos_tcp_rcv_end(h))
			(void)give_up(c, f, side, upto);
	}
}

/* Where p's payload goes in half r's stream, and the bytes of it not
 * below the in-order start; false if there is none. */
static bool payload_of(const struct mos_flow *f, int r,
		       const struct mos_pkt *p, uint64_t *off, uint32_t *len,
		       const uint8_t **data)
{
	uint32_t skip;

	if (!p->payload_len || !mos_tcp_payload_offset(f, r, p, off, &skip))
		return false;
	*len = p->payload_len - skip;
	*data = p->frame + p->payload_off + skip;
	return true;
}

/* Store payload in the receiving half's ring (1.12): bytes about to be
 * overwritten raise MOS_ON_ERROR for each socket that has not read them;
 * bytes that cannot be stored at all raise it for every socket and are
 * left to become a gap.  p is the packet, which a callback may rewrite. */
static int store_payload(struct mos_ctx *c, struct mos_flow *f, int side,
			 const struct mos_pkt *p, uint64_t off,
			 const uint8_t *data, uint32_t len)
{
	struct mos_half *h = &f->half[side];
	struct mos_ring *r = ring_of(c, f, side);
	uint64_t new_head = 0;
	ssize_t grown;
	int plan;

	if (!r)
		return -1;
	plan = mos_ring_plan(r, off, len, &new_head);
	if (plan == MOS_RING_ADVANCE) {
		c->stats.ring_outrun++;
		raise_error(c, f, side, new_head, false);
		if (h->buf_off || h->ring != r)
			return 0;	/* a callback switched buffering off (and
					 * maybe on again: a new ring) */
		/* a callback may have enlarged the ring, or rewritten the
		 * packet (mtcp_setlastpkt CHOMP/INSERT move the payload):
		 * the payload is taken again (see mos_reasm_payload) */
		if (!payload_of(f, side, p, &off, &len, &data))
			return 0;
		c->cur.offset = off;
		plan = mos_ring_plan(r, off, len, &new_head);
	}
	if (plan == MOS_RING_BEYOND) {
		c->stats.ring_beyond++;
		raise_error(c, f, side, 0, true);
		return 0;
	}
	if (plan == MOS_RING_OLD)
		return 0;
	grown = mos_ring_write(r, off, data, len);
	if (grown < 0) {
		c->stats.ring_nomem++;
		return -1;
	}
	if (grown > 0)
		mos_newdata_mark(c, f, side);
	return 0;
}

int mos_reasm_payload(struct mos_ctx *c, struct mos_flow *f, int r,
		      struct mos_pkt *p)
{
	struct mos_half *h = &f->half[r];
	uint64_t off;
	uint32_t len;
	const uint8_t *data;

	if (!payload_of(f, r, p, &off, &len, &data))
		return 0;
	c->cur.offset = off;
	if (h->buf_off || !mos_side_watched(c, f, r)) {
		if (off <= h->rcv_end && off + len > h->rcv_end)
			h->rcv_end = off + len;
		return 0;
	}
	if (mos_tcp_received(h, off, len)) {
		c->stats.rexmit_payload++;
		mos_flow_dispatch(c, f, HK_RCV, r, MOS_ON_REXMIT);
		if (c->cur.drop || h->buf_off)
			return 0;
		/* a MOS_ON_REXMIT callback may have rewritten the packet
		 * (mtcp_setlastpkt CHOMP/INSERT move the payload and change
		 * its length) or switched the buffer off and on (a new ring,
		 * another in-order end): the payload is taken again, else the
		 * stale pointer and length stored shifted bytes, or bytes
		 * past a chomped frame (found by fuzz/fuzz_stack.c) */
		if (!payload_of(f, r, p, &off, &len, &data))
			return 0;
		c->cur.offset = off;
	}
	return store_payload(c, f, r, p, off, data, len);
}
