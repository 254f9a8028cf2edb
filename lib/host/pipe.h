/*
 * pipe.h -- an in-context pipe (mtcp_pipe(3)): a 10240-byte byte
 * ring with a read end and a write end, each a socket of the context.
 *
 * No locking here: every call is made with the context's lock held.  The
 * socket layer (lib/api_host.c) does the blocking and the epoll events.
 */
#ifndef MOS_HOST_PIPE_H
#define MOS_HOST_PIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define MOS_PIPE_SIZE 10240	/* [0.3] */

struct mos_pipe {
	size_t head, len;		/* oldest byte, bytes held */
	bool open[2];			/* [0] read end, [1] write end */
	int id[2];			/* socket ids of the two ends */
	unsigned char buf[MOS_PIPE_SIZE];
};

struct mos_pipe *mos_pipe_new(void);	/* NULL: ENOMEM */
/* Close one end (0 read, 1 write); true when both are now closed and the
 * pipe was freed. */
bool mos_pipe_close(struct mos_pipe *p, int end);

/* Up to len bytes out; 0 when empty (EOF if the writer is closed). */
size_t mos_pipe_read(struct mos_pipe *p, void *buf, size_t len);
/* Up to len bytes in; 0 when full. */
size_t mos_pipe_write(struct mos_pipe *p, const void *buf, size_t len);

static inline size_t mos_pipe_space(const struct mos_pipe *p)
{
	return MOS_PIPE_SIZE - p->len;
}

#endif
