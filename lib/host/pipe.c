/*
 * pipe.c -- in-context pipes (see pipe.h).
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/pipe.h"

struct mos_pipe *mos_pipe_new(void)
{
	struct mos_pipe *p = malloc(sizeof(*p));

	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	p->head = p->len = 0;
	p->open[0] = p->open[1] = true;
	p->id[0] = p->id[1] = -1;
	return p;
}

bool mos_pipe_close(struct mos_pipe *p, int end)
{
	p->open[end] = false;
	if (p->open[!end])
		return false;
	free(p);
	return true;
}

size_t mos_pipe_read(struct mos_pipe *p, void *buf, size_t len)
{
	size_t n = len < p->len ? len : p->len;
	size_t first = MOS_PIPE_SIZE - p->head;

	if (first > n)
		first = n;
	memcpy(buf, p->buf + p->head, first);
	memcpy((unsigned char *)buf + first, p->buf, n - first);
	p->head = (p->head + n) % MOS_PIPE_SIZE;
	p->len -= n;
	if (!p->len)
		p->head = 0;	/* keeps later writes in one piece */
	return n;
}

size_t mos_pipe_write(struct mos_pipe *p, const void *buf, size_t len)
{
	size_t room = mos_pipe_space(p);
	size_t n = len < room ? len : room;
	size_t tail = (p->head + p->len) % MOS_PIPE_SIZE;
	size_t first = MOS_PIPE_SIZE - tail;

	if (first > n)
		first = n;
	memcpy(p->buf + tail, buf, first);
	memcpy(p->buf, (const unsigned char *)buf + first, n - first);
	p->len += n;
	return n;
}
