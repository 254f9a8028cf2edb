/*
 * tcp_rcvbuf.h -- a connection's receive buffer: in-order bytes not yet
 * read by the application, and out-of-order bytes kept in place beyond
 * them, in one ring of a power-of-two size.
 *
 *      read point        rcv_nxt                       read point + size
 *   ----|=================|.....[ooo]....[ooo]..........|
 *        ready (in order)   holes and out-of-order ranges
 *
 * Out-of-order data is written where it belongs; up to MOS_RCV_RANGES
 * disjoint ranges (absolute sequence numbers, sorted, merged when they
 * touch) remember what is there.  When rcv_nxt reaches a range, its bytes
 * become ready without being copied.  The ranges also give the SACK blocks
 * (RFC 2018), the most recently changed range first.
 */
#ifndef MOS_HOST_TCP_RCVBUF_H
#define MOS_HOST_TCP_RCVBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MOS_RCV_RANGES 16

struct mos_rcv_range {
	uint32_t start, end;	/* sequence numbers, [start, end) */
};

struct mos_rcvbuf {
	uint8_t *data;
	uint32_t size;		/* power of two */
	uint32_t head;		/* ring index of the first unread byte */
	uint32_t ready;		/* in-order unread bytes */
	uint32_t nxt;		/* sequence number of the byte after them:
				 * the connection's RCV.NXT */
	int nranges;
	int last;		/* index of the range changed last, -1 */
	struct mos_rcv_range r[MOS_RCV_RANGES];
};

void mos_rcvbuf_init(struct mos_rcvbuf *b, uint8_t *mem, uint32_t size,
		     uint32_t rcv_nxt);
/* Bytes the window may offer beyond rcv_nxt. */
static inline uint32_t mos_rcvbuf_space(const struct mos_rcvbuf *b)
{
	return b->size - b->ready;
}
/* Store a segment's payload starting at sequence seq, already trimmed to
 * begin at or after nxt.  In-order data advances nxt (and pulls in ranges
 * it reaches); data past nxt is kept as a range.  Bytes beyond the buffer
 * are cut off.  Returns the bytes nxt advanced by; *stored the bytes kept
 * (0 when the ranges were full: the caller counts the drop). */
uint32_t mos_rcvbuf_put(struct mos_rcvbuf *b, uint32_t seq, const void *src,
			uint32_t n, uint32_t *stored);
/* Copy up to n ready bytes; consume them unless peek. */
uint32_t mos_rcvbuf_read(struct mos_rcvbuf *b, void *dst, uint32_t n,
			 bool peek);
/* Up to max SACK blocks, most recent first; returns the count. */
int mos_rcvbuf_sack(const struct mos_rcvbuf *b, struct mos_rcv_range *out,
		    int max);
static inline bool mos_rcvbuf_has_ooo(const struct mos_rcvbuf *b)
{
	return b->nranges > 0;
}

#endif
