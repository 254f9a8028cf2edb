/*
 * dispatch.c -- see dispatch.h.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>

#include "dispatch.h"
#include "flow.h"
#include "pkt_parse.h"

int mos_xq_init(struct mos_xq *q, uint32_t cap)
{
	q->slots = calloc(cap, sizeof(*q->slots));
	if (!q->slots) {
		errno = ENOMEM;
		return -1;
	}
	pthread_mutex_init(&q->lock, NULL);
	q->head = q->count = 0;
	q->cap = cap;
	return 0;
}

void mos_xq_fini(struct mos_xq *q)
{
	if (q->slots)
		pthread_mutex_destroy(&q->lock);
	free(q->slots);
	q->slots = NULL;
}

bool mos_xq_push(struct mos_xq *q, struct mos_frame *f)
{
	bool ok = false;

	pthread_mutex_lock(&q->lock);
	if (q->count < q->cap) {
		q->slots[(q->head + q->count) % q->cap] = f;
		q->count++;
		ok = true;
	}
	pthread_mutex_unlock(&q->lock);
	return ok;
}

int mos_xq_pop(struct mos_xq *q, struct mos_frame **out, int max)
{
	int n = 0;

	pthread_mutex_lock(&q->lock);
	while (n < max && q->count) {
		out[n++] = q->slots[q->head];
		q->head = (q->head + 1) % q->cap;
		q->count--;
	}
	pthread_mutex_unlock(&q->lock);
	return n;
}

uint32_t mos_xq_count(struct mos_xq *q)
{
	uint32_t n;

	pthread_mutex_lock(&q->lock);
	n = q->count;
	pthread_mutex_unlock(&q->lock);
	return n;
}

int mos_dispatch_pick(const struct mos_port_spread *s, struct mos_frame *f)
{
	struct mos_pkt p;
	int kind = mos_pkt_parse(&p, f->data, f->len, false);

	if (kind != MOS_PKT_TCP)
		return s->ctx[0];
	return s->ctx[mos_flow_hash(&p) % (uint32_t)s->n];
}
