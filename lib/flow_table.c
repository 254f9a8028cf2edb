/*
 * flow_table.c -- flows keyed by their 5-tuple, found from either direction.
 *
 * Entries, buckets and spare buckets are preallocated for max_concurrency
 * with calloc, so the memory of entries never used stays untouched;
 * entries are handed out from a high-water mark first and then from the
 * free list, and a full table refuses instead of growing.  The hash is
 * symmetric (it combines the two endpoints order-independently) so that
 * both directions land in one bucket; it is computed once per frame by
 * the caller and kept in the flow.
 */
#include "internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "flow.h"

static uint32_t mix(uint32_t h, uint32_t v)
{
	h ^= v;
	h *= 0x9e3779b1u;
	return h ^ (h >> 15);
}

static uint32_t endpoint_hash(uint8_t ipver, const union mos_addr *a,
			      uint16_t port)
{
	uint32_t h = 0x811c9dc5u ^ port, w;
	int i;

	/* IPv4 first and without a loop: every frame hashes twice */
	if (ipver != 6) {
		memcpy(&w, &a->v4, 4);
		return mix(mix(h, w), port);
	}
	for (i = 0; i < 4; i++) {
		memcpy(&w, a->v6 + 4 * i, 4);
		h = mix(h, w);
	}
	return mix(h, port);
}

uint32_t mos_flow_hash(const struct mos_pkt *p)
{
	uint32_t a = endpoint_hash(p->ipver, &p->saddr, p->sport);
	uint32_t b = endpoint_hash(p->ipver, &p->daddr, p->dport);

	/* symmetric: the same for both directions */
	return mix(a + b, a ^ b) ^ p->ipver;
}

static bool addr_eq(uint8_t ipver, const union mos_addr *a,
		    const union mos_addr *b)
{
	return ipver == 6 ? memcmp(a->v6, b->v6, 16) == 0 : a->v4 == b->v4;
}

#define HUGE_PAGE ((uintptr_t)2 << 20)

/* Ask for transparent huge pages over the whole 2 MiB pages inside
 * [m, m + n) (madvise(2) MADV_HUGEPAGE): a lookup then costs no TLB miss
 * on top of its cache miss.  Only a hint. */
static void advise_huge(void *m, size_t n)
{
	uintptr_t a = ((uintptr_t)m + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	uintptr_t e = ((uintptr_t)m + n) & ~(HUGE_PAGE - 1);

	if (e > a)
		(void)madvise((void *)a, e - a, MADV_HUGEPAGE);
}

/* calloc'd (so untouched pages stay unbacked) and cache-line aligned */
static void *table_alloc(struct mos_flow_table *t, int slot, size_t n,
			 size_t size)
{
	uint8_t *m = n ? calloc(1, n * size + 64) : NULL;

	t->mem[slot] = m;
	if (!m)
		return NULL;
	advise_huge(m, n * size + 64);
	return m + (64 - (uintptr_t)m % 64) % 64;
}

int mos_flow_table_init(struct mos_flow_table *t, uint32_t cap)
{
	uint32_t nb = 1;

	memset(t, 0, sizeof(*t));
	/* about four flows per seven-slot bucket when the table is full */
	while (nb < cap / 4 && nb < (1u << 28))
		nb <<= 1;
	t->nspare = cap / MOS_FLOW_BUCKET_SLOTS + 1;
	t->entries = table_alloc(t, 0, cap, sizeof(*t->entries));
	t->buckets = table_alloc(t, 1, (size_t)nb + t->nspare,
				 sizeof(*t->buckets));
	t->link = calloc(cap, sizeof(*t->link));
	if (!t->entries || !t->buckets || !t->link) {
		mos_flow_table_fini(t);
		errno = ENOMEM;
		return -1;
	}
	t->spare = t->buckets + nb;
	t->cap = cap;
	t->mask = nb - 1;
	t->free = t->spare_free = MOS_FLOW_NIL;
	return 0;
}

void mos_flow_table_fini(struct mos_flow_table *t)
{
	free(t->mem[0]);
	free(t->mem[1]);
	free(t->link);
	memset(t, 0, sizeof(*t));
}

static struct mos_flow_bucket *chain_next(const struct mos_flow_table *t,
					  const struct mos_flow_bucket *b)
{
	return b->next ? &t->spare[b->next - 1] : NULL;
}

struct mos_flow *mos_flow_lookup(struct mos_flow_table *t,
				 const struct mos_pkt *p, int *side)
{
	uint32_t h = p->hash, i;
	const struct mos_flow_bucket *b = &t->buckets[h & t->mask];

	do {
		for (i = 0; i < b->n; i++) {
			struct mos_flow *f;
			const struct mos_flow_key *k;

			if (b->hash[i] != h)
				continue;
			f = &t->entries[b->idx[i]];
			k = &f->key;
			if (k->ipver != p->ipver)
				continue;
			if (k->port[0] == p->sport && k->port[1] == p->dport &&
			    addr_eq(k->ipver, &k->addr[0], &p->saddr) &&
			    addr_eq(k->ipver, &k->addr[1], &p->daddr)) {
				*side = 0;
				return f;
			}
			if (k->port[1] == p->sport && k->port[0] == p->dport &&
			    addr_eq(k->ipver, &k->addr[1], &p->saddr) &&
			    addr_eq(k->ipver, &k->addr[0], &p->daddr)) {
				*side = 1;
				return f;
			}
		}
	} while ((b = chain_next(t, b)));
	return NULL;
}

const struct mos_flow *mos_flow_prefetch_flow(const struct mos_flow_table *t,
					      uint32_t hash)
{
	const struct mos_flow_bucket *b = &t->buckets[hash & t->mask];
	const struct mos_flow *f;
	uint32_t i;

	/* the first bucket only: a chain is rare and this is a hint */
	for (i = 0; i < b->n; i++)
		if (b->hash[i] == hash) {
			const char *l;

			f = &t->entries[b->idx[i]];
			/* the halves too: both are read for every segment;
			 * entries are not line-aligned (that would cost 48
			 * bytes a flow), so the last line is asked for by
			 * the flow's last byte */
			for (l = (const char *)f; l < (const char *)(f + 1);
			     l += 64)
				__builtin_prefetch(l);
			__builtin_prefetch((const char *)(f + 1) - 1);
			__builtin_prefetch(&t->link[b->idx[i]]);
			return f;
		}
	return NULL;
}

void mos_flow_prefetch_links(const struct mos_flow_table *t,
			     const struct mos_flow *f)
{
	const struct mos_flow_link *l = &t->link[f - t->entries];

	/* the neighbours mos_flow_touch will write */
	if (l->prev != MOS_FLOW_NIL)
		__builtin_prefetch(&t->link[l->prev], 1);
	if (l->next != MOS_FLOW_NIL)
		__builtin_prefetch(&t->link[l->next], 1);
}

/* A flow joins the idle list at its first touch: before it, both links
 * are NIL and it is not the head. */
static bool idle_linked(const struct mos_flow_table *t, uint32_t fi)
{
	const struct mos_flow_link *l = &t->link[fi];

	return l->prev != MOS_FLOW_NIL || l->next != MOS_FLOW_NIL ||
	       t->idle_head == &t->entries[fi];
}

static void idle_unlink(struct mos_flow_table *t, uint32_t fi)
{
	struct mos_flow_link *l = &t->link[fi];

	if (!idle_linked(t, fi))
		return;
	if (l->prev != MOS_FLOW_NIL)
		t->link[l->prev].next = l->next;
	else
		t->idle_head = l->next != MOS_FLOW_NIL ? &t->entries[l->next]
						       : NULL;
	if (l->next != MOS_FLOW_NIL)
		t->link[l->next].prev = l->prev;
	else
		t->idle_tail = l->prev != MOS_FLOW_NIL ? &t->entries[l->prev]
						       : NULL;
	l->prev = l->next = MOS_FLOW_NIL;
}

static void idle_append(struct mos_flow_table *t, uint32_t fi)
{
	struct mos_flow_link *l = &t->link[fi];

	l->next = MOS_FLOW_NIL;
	if (t->idle_tail) {
		uint32_t ti = (uint32_t)(t->idle_tail - t->entries);

		l->prev = ti;
		t->link[ti].next = fi;
	} else {
		l->prev = MOS_FLOW_NIL;
		t->idle_head = &t->entries[fi];
	}
	t->idle_tail = &t->entries[fi];
}

void mos_flow_touch(struct mos_flow_table *t, struct mos_flow *f,
		    uint64_t now_us)
{
	f->last_us = now_us;
	if (t->idle_tail == f)
		return;
	idle_unlink(t, (uint32_t)(f - t->entries));
	idle_append(t, (uint32_t)(f - t->entries));
}

static bool bucket_add(struct mos_flow_table *t, uint32_t h, uint32_t fi)
{
	struct mos_flow_bucket *b = &t->buckets[h & t->mask], *n;
	uint32_t si;

	while (b->n == MOS_FLOW_BUCKET_SLOTS && b->next)
		b = &t->spare[b->next - 1];
	if (b->n == MOS_FLOW_BUCKET_SLOTS) {
		if (t->spare_free != MOS_FLOW_NIL) {
			si = t->spare_free;
			t->spare_free = t->spare[si].next;
		} else if (t->spare_high < t->nspare) {
			si = t->spare_high++;
		} else {
			return false;	/* cannot happen: chains are packed */
		}
		n = &t->spare[si];
		n->n = 0;
		n->next = 0;
		b->next = si + 1;
		b = n;
	}
	b->hash[b->n] = h;
	b->idx[b->n] = fi;
	b->n++;
	return true;
}

/* Take fi out of its chain and fill the hole with the chain's last entry,
 * so that every bucket but the last stays full. */
static void bucket_del(struct mos_flow_table *t, uint32_t h, uint32_t fi)
{
	struct mos_flow_bucket *head = &t->buckets[h & t->mask];
	struct mos_flow_bucket *b, *hole = NULL, *last = head, *before = NULL;
	uint32_t i, slot = 0;

	for (b = head; b; b = chain_next(t, b)) {
		for (i = 0; !hole && i < b->n; i++)
			if (b->idx[i] == fi) {
				hole = b;
				slot = i;
			}
		if (b != head)
			before = last;
		last = b;
	}
	if (!hole)
		return;
	last->n--;
	hole->hash[slot] = last->hash[last->n];
	hole->idx[slot] = last->idx[last->n];
	if (last->n == 0 && last != head) {
		uint32_t si = before->next - 1;

		before->next = 0;
		t->spare[si].next = t->spare_free;
		t->spare_free = si;
	}
}

struct mos_flow *mos_flow_insert(struct mos_flow_table *t,
				 const struct mos_pkt *p)
{
	struct mos_flow *f;
	uint32_t fi;

	if (t->free != MOS_FLOW_NIL) {
		fi = t->free;
		t->free = t->link[fi].next;
	} else if (t->high < t->cap) {
		fi = t->high++;
	} else {
		return NULL;
	}
	if (!bucket_add(t, p->hash, fi)) {
		t->link[fi].next = t->free;
		t->free = fi;
		return NULL;
	}
	f = &t->entries[fi];
	memset(f, 0, sizeof(*f));
	f->in_use = true;
	f->hash = p->hash;
	f->key.ipver = p->ipver;
	f->key.port[0] = p->sport;
	f->key.port[1] = p->dport;
	f->key.addr[0] = p->saddr;
	f->key.addr[1] = p->daddr;
	f->sock_first = f->sock_last = -1;
	t->link[fi].prev = t->link[fi].next = MOS_FLOW_NIL;
	t->used++;
	return f;
}

void mos_flow_remove(struct mos_flow_table *t, struct mos_flow *f)
{
	uint32_t fi = (uint32_t)(f - t->entries);
	struct mos_flow_link *l = &t->link[fi];

	bucket_del(t, f->hash, fi);
	idle_unlink(t, fi);
	f->in_use = false;
	l->next = t->free;
	t->free = fi;
	t->used--;
}
