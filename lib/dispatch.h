/*
 * dispatch.h -- software dispatch: frames handed between contexts when a
 * port has fewer receive queues than contexts polling it (a capture, a
 * virtual device without RSS).  The lowest context of the port reads it
 * and sends each frame to the context that owns its flow, chosen by a
 * hash that is the same for both directions.
 */
#ifndef MOS_DISPATCH_H
#define MOS_DISPATCH_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "io.h"

#define MOS_XQ_SIZE 4096

/* A bounded queue of frames into one context, from any other. */
struct mos_xq {
	pthread_mutex_t lock;
	struct mos_frame **slots;
	uint32_t head, count, cap;
};

int mos_xq_init(struct mos_xq *q, uint32_t cap);
void mos_xq_fini(struct mos_xq *q);
bool mos_xq_push(struct mos_xq *q, struct mos_frame *f);
int mos_xq_pop(struct mos_xq *q, struct mos_frame **out, int max);
uint32_t mos_xq_count(struct mos_xq *q);

/* The contexts a port's frames are spread over (in context order). */
struct mos_port_spread {
	int n;
	int ctx[64];
};

struct mos_ctx;
/* The context (index) of this frame among the port's spread; the reader
 * itself for frames with no flow (non-IP, malformed). */
int mos_dispatch_pick(const struct mos_port_spread *s, struct mos_frame *f);

#endif
