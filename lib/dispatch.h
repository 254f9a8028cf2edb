/*
 * dispatch.h -- software dispatch: frames handed between contexts when a
 * port has fewer receive queues than contexts polling it (a capture, a
 * virtual device without RSS).  The lowest context of the port reads it
 * and sends each frame to the context that owns its flow, chosen by a
 * hash that is the same for both directions.
 *
 * Each pair of contexts has its own single-producer/single-consumer ring
 * (DPDK's rte_ring shape: power-of-two size, free-running indexes, bulk
 * enqueue and dequeue, no lock): the reader is the only producer, the
 * owner the only consumer, so a frame costs two atomic loads and stores
 * per burst, not a mutex.
 */
#ifndef MOS_DISPATCH_H
#define MOS_DISPATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "io.h"

#define MOS_XQ_SIZE 4096	/* a power of two */
#define MOS_XQ_FEEDERS 64	/* MOS_MAX_CONTEXTS */

struct mos_spsc {
	/* each index on its own line: only its writer dirties it */
	_Alignas(64) uint32_t head;	/* written by the producer */
	_Alignas(64) uint32_t tail;	/* written by the consumer */
	_Alignas(64) uint32_t mask;
	struct mos_frame **slots;
};

/* Frames into one context: a ring from each context that feeds it. */
struct mos_xq {
	struct mos_spsc *from[MOS_XQ_FEEDERS];	/* by producer context */
	int feeders[MOS_XQ_FEEDERS];		/* the non-NULL ones */
	int nfeeders;
	int next;		/* feeder to read first: fairness */
};

/* A ring from context `producer`, if there is none yet; -1 ENOMEM. */
int mos_xq_add_feeder(struct mos_xq *q, int producer);
void mos_xq_fini(struct mos_xq *q);
/* Producer side: as many of the n frames as fit, in order. */
int mos_xq_push_bulk(struct mos_xq *q, int producer,
		     struct mos_frame **f, int n);
/* Consumer side: up to max frames, from every feeder. */
int mos_xq_pop(struct mos_xq *q, struct mos_frame **out, int max);

/* The contexts a port's frames are spread over (in context order). */
struct mos_port_spread {
	int n;
	int ctx[64];
};

struct mos_ctx;
/* The context (index) of this frame among the port's spread; the reader
 * itself for frames with no flow (non-IP, malformed).  The frame must
 * have been through mos_frame_parse (context.h). */
int mos_dispatch_pick(const struct mos_port_spread *s, struct mos_frame *f);

#endif
