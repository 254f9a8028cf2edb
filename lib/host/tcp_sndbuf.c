/*
 * tcp_sndbuf.c -- the send buffer ring (tcp_sndbuf.h).
 */
#include <string.h>

#include "tcp_sndbuf.h"

void mos_sndbuf_init(struct mos_sndbuf *b, uint8_t *mem, uint32_t size)
{
	b->data = mem;
	b->size = size;
	b->head = 0;
	b->len = 0;
}

uint32_t mos_sndbuf_write(struct mos_sndbuf *b, const void *src, uint32_t n)
{
	uint32_t mask = b->size - 1, at, first;

	if (n > mos_sndbuf_free(b))
		n = mos_sndbuf_free(b);
	at = (b->head + b->len) & mask;
	first = b->size - at < n ? b->size - at : n;
	memcpy(b->data + at, src, first);
	memcpy(b->data, (const uint8_t *)src + first, n - first);
	b->len += n;
	return n;
}

void mos_sndbuf_copy(const struct mos_sndbuf *b, uint32_t off, void *dst,
		     uint32_t n)
{
	uint32_t mask = b->size - 1, at = (b->head + off) & mask;
	uint32_t first = b->size - at < n ? b->size - at : n;

	memcpy(dst, b->data + at, first);
	memcpy((uint8_t *)dst + first, b->data, n - first);
}

void mos_sndbuf_drop(struct mos_sndbuf *b, uint32_t n)
{
	if (n > b->len)
		n = b->len;
	b->head = (b->head + n) & (b->size - 1);
	b->len -= n;
	if (b->len == 0)
		b->head = 0;
}
