/*
 * tcp_sndbuf.h -- a connection's send buffer: the bytes written by the
 * application and not yet acknowledged, in a ring of a power-of-two size.
 *
 *      snd_una                    snd_nxt                 end
 *   ----|==========================|=======================|------ free
 *        sent, waiting for an ACK   written, not sent yet
 *       ^ head (ring index)          len = end - snd_una
 *
 * The buffer knows nothing of sequence numbers: byte `off` is the one at
 * snd_una + off.
 */
#ifndef MOS_HOST_TCP_SNDBUF_H
#define MOS_HOST_TCP_SNDBUF_H

#include <stddef.h>
#include <stdint.h>

struct mos_sndbuf {
	uint8_t *data;
	uint32_t size;		/* power of two */
	uint32_t head;		/* ring index of the byte at snd_una */
	uint32_t len;		/* bytes held */
};

void mos_sndbuf_init(struct mos_sndbuf *b, uint8_t *mem, uint32_t size);
static inline uint32_t mos_sndbuf_free(const struct mos_sndbuf *b)
{
	return b->size - b->len;
}
/* Append up to n bytes; returns how many were taken. */
uint32_t mos_sndbuf_write(struct mos_sndbuf *b, const void *src, uint32_t n);
/* Copy n bytes starting off bytes past the head (off + n <= len). */
void mos_sndbuf_copy(const struct mos_sndbuf *b, uint32_t off, void *dst,
		     uint32_t n);
/* Drop n acknowledged bytes from the head. */
void mos_sndbuf_drop(struct mos_sndbuf *b, uint32_t n);

#endif
