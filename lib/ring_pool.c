/*
 * ring_pool.c -- slabs, free lists and the drained list behind the
 * receive rings (ring_pool.h).
 */
#include "ring_pool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define SLAB_CHUNKS 16          /* chunks per slab (64 KiB) */
#define SLAB_NODES 128          /* fragment nodes per slab */
#define SLAB_RINGS 64           /* ring descriptors per slab */
#define SLAB_ARRAYS 16          /* slot arrays per slab */

struct mos_ring_pool *mos_ring_pool_create(size_t max_bytes)
{
	struct mos_ring_pool *p = calloc(1, sizeof(*p));

	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	p->max_bytes = max_bytes;
	return p;
}

#define REGION_BYTES ((size_t)2 << 20)   /* one x86-64 huge page */

/* Under AddressSanitizer every slab is malloc'd, so that it sees each
 * slab's bounds (it does not look inside mmap'd regions). */
#if defined(__SANITIZE_ADDRESS__)
#define USE_REGIONS 0
#else
#define USE_REGIONS 1
#endif

void mos_ring_pool_destroy(struct mos_ring_pool *p)
{
	struct pool_slab *s, *next;

	if (!p)
		return;
	for (s = p->slabs; s; s = next) {
		next = s->next;
		free(s);
	}
	for (s = p->regions; s; s = next) {
		next = s->next;
		munmap(s, REGION_BYTES);
	}
	free(p);
}

size_t mos_ring_pool_bytes(const struct mos_ring_pool *p)
{
	return p ? p->used : 0;
}

size_t mos_ring_pool_size(const struct mos_ring_pool *p)
{
	return p ? p->chunks_made * CHUNK : 0;
}

/*
 * A 2 MiB region, aligned so that the kernel can back it with one
 * transparent huge page (madvise(2) MADV_HUGEPAGE): a context's rings,
 * spread over tens of MiB, then cost a few TLB entries rather than one
 * per 4 KiB page touched on every packet.
 */
static struct pool_slab *new_region(void)
{
	size_t span = 2 * REGION_BYTES;
	uint8_t *m = mmap(NULL, span, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t a;
	size_t head;

	if (m == MAP_FAILED)
		return NULL;
	a = ((uintptr_t)m + REGION_BYTES - 1) & ~(uintptr_t)(REGION_BYTES - 1);
	head = a - (uintptr_t)m;
	if (head)
		munmap(m, head);
	munmap((uint8_t *)a + REGION_BYTES, span - head - REGION_BYTES);
	/* only a hint: without huge pages the region works all the same */
	(void)madvise((void *)a, REGION_BYTES, MADV_HUGEPAGE);
	return (struct pool_slab *)a;
}

/* Small slabs are carved from regions, large ones malloc'd. */
static void *pool_new_slab(struct mos_ring_pool *p, size_t bytes)
{
	size_t at = (p->region_used + 63) & ~(size_t)63;
	struct pool_slab *s;

	if (!USE_REGIONS || bytes > REGION_BYTES / 4) {
		s = malloc(sizeof(*s) + bytes);
		if (!s)
			return NULL;
		s->next = p->slabs;
		p->slabs = s;
		return s->mem;
	}
	if (!p->regions || at + bytes > REGION_BYTES) {
		s = new_region();
		if (!s)
			return NULL;
		s->next = p->regions;
		p->regions = s;
		at = 64;	/* the region's link sits in its first line */
	}
	p->region_used = at + bytes;
	return (uint8_t *)p->regions + at;
}

/* Make sure at least `need` chunks are on the free list. */
int mos_pool_reserve_chunks(struct mos_ring_pool *p, size_t need)
{
	size_t want, room, i;
	uint8_t *mem;

	if (p->nfree_chunks >= need)
		return 0;
	need -= p->nfree_chunks;
	want = need > SLAB_CHUNKS ? need : SLAB_CHUNKS;
	if (p->max_bytes) {
		/* do not carve chunks the limit would never hand out */
		room = p->max_bytes / CHUNK;
		room = room > p->chunks_made ? room - p->chunks_made : 0;
		if (want > room)
			want = room > need ? room : need;
	}
	mem = pool_new_slab(p, want * CHUNK);
	if (!mem)
		return -1;
	for (i = 0; i < want; i++) {
		struct free_chunk *c = (struct free_chunk *)(mem + i * CHUNK);

		c->next = p->free_chunks;
		p->free_chunks = c;
	}
	p->nfree_chunks += want;
	p->chunks_made += want;
	return 0;
}

int mos_pool_reserve_node(struct mos_ring_pool *p)
{
	struct mos_ring_frag *n;
	size_t i;

	if (p->nfree_nodes)
		return 0;
	n = pool_new_slab(p, SLAB_NODES * NODE);
	if (!n)
		return -1;
	for (i = 0; i < SLAB_NODES; i++) {
		n[i].next = p->free_nodes;
		p->free_nodes = &n[i];
	}
	p->nfree_nodes = SLAB_NODES;
	return 0;
}

/* Callers reserved first: these never fail. */
uint8_t *mos_pool_take_chunk(struct mos_ring_pool *p)
{
	struct free_chunk *c = p->free_chunks;

	p->free_chunks = c->next;
	p->nfree_chunks--;
	p->used += CHUNK;
	return (uint8_t *)c;
}

void mos_pool_put_chunk(struct mos_ring_pool *p, uint8_t *mem)
{
	struct free_chunk *c = (struct free_chunk *)mem;

	c->next = p->free_chunks;
	p->free_chunks = c;
	p->nfree_chunks++;
	p->used -= CHUNK;
}

struct mos_ring_frag *mos_pool_take_node(struct mos_ring_pool *p)
{
	struct mos_ring_frag *n = p->free_nodes;

	p->free_nodes = n->next;
	p->nfree_nodes--;
	p->used += NODE;
	return n;
}

void mos_pool_put_node(struct mos_ring_pool *p, struct mos_ring_frag *n)
{
	n->next = p->free_nodes;
	p->free_nodes = n;
	p->nfree_nodes++;
	p->used -= NODE;
}

/* The recycling class for arrays of n slots; NULL when all are taken by
 * other sizes. */
static struct slot_class *slot_class_of(struct mos_ring_pool *p, uint32_t n,
				       bool claim)
{
	int i;

	for (i = 0; i < SLOT_CLASSES; i++)
		if (p->slot_class[i].nslots == n)
			return &p->slot_class[i];
	for (i = 0; claim && i < SLOT_CLASSES; i++)
		if (!p->slot_class[i].nslots) {
			p->slot_class[i].nslots = n;
			return &p->slot_class[i];
		}
	return NULL;
}

/* A zeroed array of n slot pointers; NULL when out of memory. */
uint8_t **mos_pool_take_slots(struct mos_ring_pool *p, uint32_t n)
{
	struct slot_class *k = slot_class_of(p, n, true);
	uint8_t **a;
	size_t i;

	if (!k)
		return calloc(n, sizeof(*a));
	if (!k->free) {
		uint8_t *mem = pool_new_slab(p, SLAB_ARRAYS * n * sizeof(*a));

		if (!mem)
			return NULL;
		for (i = 0; i < SLAB_ARRAYS; i++) {
			a = (uint8_t **)(mem + i * n * sizeof(*a));
			a[0] = k->free;
			k->free = a;
		}
	}
	a = k->free;
	k->free = a[0];
	memset(a, 0, n * sizeof(*a));
	return a;
}

void mos_pool_put_slots(struct mos_ring_pool *p, uint8_t **a, uint32_t n)
{
	struct slot_class *k;

	if (!a)
		return;
	k = slot_class_of(p, n, false);
	if (!k) {
		free(a);
		return;
	}
	a[0] = k->free;
	k->free = a;
}


void mos_pool_drained_push(struct mos_ring_pool *p, struct mos_ring *r)
{
	r->dnext = NULL;
	r->dprev = p->drained_tail;
	if (p->drained_tail)
		p->drained_tail->dnext = r;
	else
		p->drained_head = r;
	p->drained_tail = r;
	r->drained = true;
}

void mos_pool_drained_remove(struct mos_ring_pool *p, struct mos_ring *r)
{
	if (!r->drained)
		return;
	if (r->dprev)
		r->dprev->dnext = r->dnext;
	else
		p->drained_head = r->dnext;
	if (r->dnext)
		r->dnext->dprev = r->dprev;
	else
		p->drained_tail = r->dprev;
	r->dprev = r->dnext = NULL;
	r->drained = false;
}

struct mos_ring *mos_pool_take_ring(struct mos_ring_pool *p)
{
	struct mos_ring *r;
	size_t i;

	if (!p->free_rings) {
		r = pool_new_slab(p, SLAB_RINGS * sizeof(*r));
		if (!r)
			return NULL;
		for (i = 0; i < SLAB_RINGS; i++) {
			r[i].dnext = p->free_rings;
			p->free_rings = &r[i];
		}
	}
	r = p->free_rings;
	p->free_rings = r->dnext;
	return r;
}

void mos_pool_put_ring(struct mos_ring_pool *p, struct mos_ring *r)
{
	r->dnext = p->free_rings;
	p->free_rings = r;
}
