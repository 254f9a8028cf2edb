/*
 * dispatch.c -- see dispatch.h.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>

#include "dispatch.h"
#include "flow.h"
#include "host/rss.h"
#include "pkt_parse.h"

int mos_xq_add_feeder(struct mos_xq *q, int producer)
{
	struct mos_spsc *r;

	if (producer < 0 || producer >= MOS_XQ_FEEDERS) {
		errno = EINVAL;
		return -1;
	}
	if (q->from[producer])
		return 0;
	r = aligned_alloc(64, sizeof(*r));
	if (!r) {
		errno = ENOMEM;
		return -1;
	}
	r->head = r->tail = 0;
	r->mask = MOS_XQ_SIZE - 1;
	r->slots = calloc(MOS_XQ_SIZE, sizeof(*r->slots));
	if (!r->slots) {
		free(r);
		errno = ENOMEM;
		return -1;
	}
	q->from[producer] = r;
	q->feeders[q->nfeeders++] = producer;
	return 0;
}

void mos_xq_fini(struct mos_xq *q)
{
	int i;

	for (i = 0; i < MOS_XQ_FEEDERS; i++) {
		if (!q->from[i])
			continue;
		free(q->from[i]->slots);
		free(q->from[i]);
		q->from[i] = NULL;
	}
	q->nfeeders = 0;
}

int mos_xq_push_bulk(struct mos_xq *q, int producer,
		     struct mos_frame **f, int n)
{
	struct mos_spsc *r = producer >= 0 && producer < MOS_XQ_FEEDERS
			     ? q->from[producer] : NULL;
	uint32_t h, t, room;
	int i;

	if (!r)
		return 0;
	h = r->head;
	/* acquire: the consumer has finished reading the slots it freed */
	t = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
	room = r->mask + 1 - (h - t);
	if ((uint32_t)n > room)
		n = (int)room;
	for (i = 0; i < n; i++)
		r->slots[(h + (uint32_t)i) & r->mask] = f[i];
	/* release: the slots are written before the consumer sees them */
	__atomic_store_n(&r->head, h + (uint32_t)n, __ATOMIC_RELEASE);
	return n;
}

static int ring_pop(struct mos_spsc *r, struct mos_frame **out, int max)
{
	uint32_t t = r->tail;
	uint32_t h = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
	uint32_t avail = h - t;
	int i, n = (uint32_t)max < avail ? max : (int)avail;

	for (i = 0; i < n; i++)
		out[i] = r->slots[(t + (uint32_t)i) & r->mask];
	__atomic_store_n(&r->tail, t + (uint32_t)n, __ATOMIC_RELEASE);
	return n;
}

int mos_xq_pop(struct mos_xq *q, struct mos_frame **out, int max)
{
	int i, n = 0;

	for (i = 0; i < q->nfeeders && n < max; i++) {
		int k = (q->next + i) % q->nfeeders;

		n += ring_pop(q->from[q->feeders[k]], out + n, max - n);
	}
	if (q->nfeeders)
		q->next = (q->next + 1) % q->nfeeders;
	return n;
}

int mos_dispatch_pick(const struct mos_port_spread *s, struct mos_frame *f)
{
	/* the frame was parsed and hashed by the reader (mos_frame_parse);
	 * a segment whose TCP checksum failed still belongs to its flow */
	if (f->kind != MOS_PKT_TCP && f->kind != MOS_MAL_TCP_CSUM)
		return s->ctx[0];
	/* the RSS rule (host/rss.h), so that GetRSSCPUCore and the end
	 * host's source ports agree with where frames go */
	return s->ctx[mos_rss_index(mos_rss_hash_pkt(&f->pkt), s->n)];
}
