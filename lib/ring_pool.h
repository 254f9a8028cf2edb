/*
 * ring_pool.h -- the storage behind a context's receive rings (private to
 * ring_buf.c and ring_pool.c).
 *
 * Chunks, fragment and gap nodes, ring descriptors and slot arrays are
 * carved from malloc'd slabs; what a ring gives back is kept on free
 * lists and reused, and slabs are freed only with the pool, so a warm
 * context does no malloc per packet.  The pool also keeps the list of
 * rings holding storage of bytes every reader has read ("drained"), oldest
 * first, from which ring_buf.c takes storage back before the pool grows.
 * Not thread-safe: one pool per context.
 */
#ifndef MOS_RING_POOL_H
#define MOS_RING_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "ring_buf.h"

#define CHUNK ((uint64_t)MOS_RING_CHUNK_SIZE)
#define NODE sizeof(struct mos_ring_frag)
#define SLOT_CLASSES 8          /* slot array sizes the pool recycles */

_Static_assert((MOS_RING_CHUNK_SIZE & (MOS_RING_CHUNK_SIZE - 1)) == 0,
	       "chunk size must be a power of two");

/* A malloc'd block carved into chunks or nodes; freed only on destroy. */
struct pool_slab {
	struct pool_slab *next;
	max_align_t mem[];
};

struct free_chunk {
	struct free_chunk *next;
};

/* Free slot arrays of one size: a context's rings mostly share one or two
 * capacities, so a few classes keep malloc off the packet path. */
struct slot_class {
	uint32_t nslots;                /* 0 = class unused */
	void *free;                     /* linked through element 0 */
};

struct mos_ring_pool {
	size_t max_bytes;               /* 0 = no limit */
	size_t used;                    /* bytes handed out */
	size_t chunks_made;             /* chunks carved from slabs */
	size_t nfree_chunks, nfree_nodes;
	struct free_chunk *free_chunks;
	struct mos_ring_frag *free_nodes;
	struct mos_ring *free_rings;    /* linked through dnext */
	struct slot_class slot_class[SLOT_CLASSES];
	struct pool_slab *slabs;        /* large slabs, malloc'd */
	struct pool_slab *regions;      /* 2 MiB regions small slabs come from */
	size_t region_used;             /* bytes carved from the newest */
	/* rings holding storage of bytes every reader has read, in the
	 * order they were drained */
	struct mos_ring *drained_head, *drained_tail;
};

/* Make sure at least `need` chunks are on the free list; -1 if malloc
 * fails.  The limit (max_bytes) is the caller's to check. */
int mos_pool_reserve_chunks(struct mos_ring_pool *p, size_t need);
/* Make sure a node is on the free list; -1 if malloc fails. */
int mos_pool_reserve_node(struct mos_ring_pool *p);
/* Take what was reserved: these never fail. */
uint8_t *mos_pool_take_chunk(struct mos_ring_pool *p);
struct mos_ring_frag *mos_pool_take_node(struct mos_ring_pool *p);
void mos_pool_put_chunk(struct mos_ring_pool *p, uint8_t *mem);
void mos_pool_put_node(struct mos_ring_pool *p, struct mos_ring_frag *n);
/* A zeroed array of n slot pointers, NULL when out of memory. */
uint8_t **mos_pool_take_slots(struct mos_ring_pool *p, uint32_t n);
void mos_pool_put_slots(struct mos_ring_pool *p, uint8_t **a, uint32_t n);
/* Storage for one ring descriptor (uninitialised), NULL when out of
 * memory. */
struct mos_ring *mos_pool_take_ring(struct mos_ring_pool *p);
void mos_pool_put_ring(struct mos_ring_pool *p, struct mos_ring *r);
/* The drained list: append, remove (if on it). */
void mos_pool_drained_push(struct mos_ring_pool *p, struct mos_ring *r);
void mos_pool_drained_remove(struct mos_ring_pool *p, struct mos_ring *r);

#endif
