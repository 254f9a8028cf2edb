/*
 * tcp_rcvbuf.c -- the receive buffer ring with out-of-order ranges
 * (tcp_rcvbuf.h).
 */
#include <string.h>

#include "../tcp_seq.h"
#include "tcp_rcvbuf.h"

void mos_rcvbuf_init(struct mos_rcvbuf *b, uint8_t *mem, uint32_t size,
		     uint32_t rcv_nxt)
{
	b->data = mem;
	b->size = size;
	b->head = 0;
	b->ready = 0;
	b->nxt = rcv_nxt;
	b->nranges = 0;
	b->last = -1;
}

/* Write n bytes for sequence seq (nxt <= seq, within the buffer). */
static void store(struct mos_rcvbuf *b, uint32_t seq, const void *src,
		  uint32_t n)
{
	uint32_t mask = b->size - 1;
	uint32_t at = (b->head + b->ready + (seq - b->nxt)) & mask;
	uint32_t first = b->size - at < n ? b->size - at : n;

	memcpy(b->data + at, src, first);
	memcpy(b->data, (const uint8_t *)src + first, n - first);
}

static void range_remove(struct mos_rcvbuf *b, int i)
{
	memmove(&b->r[i], &b->r[i + 1],
		(size_t)(b->nranges - i - 1) * sizeof(b->r[0]));
	b->nranges--;
	if (b->last == i)
		b->last = -1;
	else if (b->last > i)
		b->last--;
}

/* Record [s, e) among the sorted ranges, merging what it touches.
 * false when a new range has no slot. */
static bool range_add(struct mos_rcvbuf *b, uint32_t s, uint32_t e)
{
	int i = 0;

	while (i < b->nranges && SEQ_LT(b->r[i].end, s))
		i++;
	if (i < b->nranges && SEQ_LEQ(b->r[i].start, e)) {
		/* overlaps or touches range i: grow it, absorb followers */
		if (SEQ_LT(s, b->r[i].start))
			b->r[i].start = s;
		if (SEQ_GT(e, b->r[i].end))
			b->r[i].end = e;
		while (i + 1 < b->nranges &&
		       SEQ_LEQ(b->r[i + 1].start, b->r[i].end)) {
			if (SEQ_GT(b->r[i + 1].end, b->r[i].end))
				b->r[i].end = b->r[i + 1].end;
			range_remove(b, i + 1);
		}
		b->last = i;
		return true;
	}
	if (b->nranges == MOS_RCV_RANGES)
		return false;
	memmove(&b->r[i + 1], &b->r[i],
		(size_t)(b->nranges - i) * sizeof(b->r[0]));
	b->nranges++;
	if (b->last >= i)
		b->last++;
	b->r[i].start = s;
	b->r[i].end = e;
	b->last = i;
	return true;
}

uint32_t mos_rcvbuf_put(struct mos_rcvbuf *b, uint32_t seq, const void *src,
			uint32_t n, uint32_t *stored)
{
	uint32_t room = mos_rcvbuf_space(b), off = seq - b->nxt, adv = 0;

	*stored = 0;
	if (off >= room)
		return 0;
	if (n > room - off)
		n = room - off;
	if (n == 0)
		return 0;
	if (off == 0) {
		store(b, seq, src, n);
		*stored = n;
		b->ready += n;
		b->nxt += n;
		adv = n;
		/* pull in the ranges reached; drop the ones overtaken */
		while (b->nranges && SEQ_LEQ(b->r[0].start, b->nxt)) {
			if (SEQ_GT(b->r[0].end, b->nxt)) {
				uint32_t more = b->r[0].end - b->nxt;

				b->ready += more;
				b->nxt += more;
				adv += more;
			}
			range_remove(b, 0);
		}
		return adv;
	}
	if (!range_add(b, seq, seq + n))
		return 0;
	store(b, seq, src, n);
	*stored = n;
	return 0;
}

uint32_t mos_rcvbuf_read(struct mos_rcvbuf *b, void *dst, uint32_t n,
			 bool peek)
{
	uint32_t mask = b->size - 1, first;

	if (n > b->ready)
		n = b->ready;
	first = b->size - b->head < n ? b->size - b->head : n;
	if (dst) {
		memcpy(dst, b->data + b->head, first);
		memcpy((uint8_t *)dst + first, b->data, n - first);
	}
	if (!peek) {
		b->head = (b->head + n) & mask;
		b->ready -= n;
	}
	return n;
}

int mos_rcvbuf_sack(const struct mos_rcvbuf *b, struct mos_rcv_range *out,
		    int max)
{
	int n = 0;

	/* RFC 2018 4: the first block holds the most recently received
	 * segment; then the others (here, highest first). */
	if (b->last >= 0 && n < max)
		out[n++] = b->r[b->last];
	for (int i = b->nranges - 1; i >= 0 && n < max; i--)
		if (i != b->last)
			out[n++] = b->r[i];
	return n;
}
