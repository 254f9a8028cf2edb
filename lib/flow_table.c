/*
 * flow_table.c -- flows keyed by their 5-tuple, found from either direction.
 *
 * Entries are preallocated for max_concurrency with calloc, so the memory
 * of entries never used stays untouched; entries are handed out from a
 * high-water mark first and then from the free list.  The hash is
 * symmetric (it combines the two endpoints order-independently) so that
 * both directions land in one bucket.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
	uint32_t h = 0x811c9dc5u ^ port;
	uint32_t w[4];
	int i, n = ipver == 6 ? 4 : 1;

	memcpy(w, a, (size_t)n * 4);
	for (i = 0; i < n; i++)
		h = mix(h, w[i]);
	return mix(h, port);
}

static uint32_t key_hash(uint8_t ipver, const union mos_addr *sa,
			 uint16_t sp, const union mos_addr *da, uint16_t dp)
{
	uint32_t a = endpoint_hash(ipver, sa, sp);
	uint32_t b = endpoint_hash(ipver, da, dp);

	/* symmetric: the same for both directions */
	return mix(a + b, a ^ b) ^ ipver;
}

static bool addr_eq(uint8_t ipver, const union mos_addr *a,
		    const union mos_addr *b)
{
	return ipver == 6 ? memcmp(a->v6, b->v6, 16) == 0 : a->v4 == b->v4;
}

uint32_t mos_flow_hash(const struct mos_pkt *p)
{
	return key_hash(p->ipver, &p->saddr, p->sport, &p->daddr, p->dport);
}

int mos_flow_table_init(struct mos_flow_table *t, uint32_t cap)
{
	uint32_t nb = 1;

	memset(t, 0, sizeof(*t));
	while (nb < cap && nb < (1u << 30))
		nb <<= 1;
	t->entries = calloc(cap, sizeof(*t->entries));
	t->buckets = calloc(nb, sizeof(*t->buckets));
	if (!t->entries || !t->buckets) {
		mos_flow_table_fini(t);
		errno = ENOMEM;
		return -1;
	}
	t->cap = cap;
	t->mask = nb - 1;
	return 0;
}

void mos_flow_table_fini(struct mos_flow_table *t)
{
	free(t->entries);
	free(t->buckets);
	memset(t, 0, sizeof(*t));
}

struct mos_flow *mos_flow_lookup(struct mos_flow_table *t,
				 const struct mos_pkt *p, int *side)
{
	uint32_t h = key_hash(p->ipver, &p->saddr, p->sport, &p->daddr,
			      p->dport);
	struct mos_flow *f;

	for (f = t->buckets[h & t->mask]; f; f = f->hnext) {
		const struct mos_flow_key *k = &f->key;

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
	return NULL;
}

static void idle_unlink(struct mos_flow_table *t, struct mos_flow *f)
{
	if (f->lprev)
		f->lprev->lnext = f->lnext;
	else if (t->idle_head == f)
		t->idle_head = f->lnext;
	if (f->lnext)
		f->lnext->lprev = f->lprev;
	else if (t->idle_tail == f)
		t->idle_tail = f->lprev;
	f->lprev = f->lnext = NULL;
}

void mos_flow_touch(struct mos_flow_table *t, struct mos_flow *f,
		    uint64_t now_us)
{
	f->last_us = now_us;
	if (t->idle_tail == f)
		return;
	idle_unlink(t, f);
	f->lprev = t->idle_tail;
	if (t->idle_tail)
		t->idle_tail->lnext = f;
	else
		t->idle_head = f;
	t->idle_tail = f;
}

struct mos_flow *mos_flow_insert(struct mos_flow_table *t,
				 const struct mos_pkt *p)
{
	struct mos_flow *f;
	uint32_t h;

	if (t->free) {
		f = t->free;
		t->free = f->hnext;
	} else if (t->high < t->cap) {
		f = &t->entries[t->high++];
	} else {
		return NULL;
	}
	memset(f, 0, sizeof(*f));
	f->in_use = true;
	f->id = t->next_id++;
	f->key.ipver = p->ipver;
	f->key.port[0] = p->sport;
	f->key.port[1] = p->dport;
	f->key.addr[0] = p->saddr;
	f->key.addr[1] = p->daddr;
	f->sock_first = f->sock_last = -1;
	h = key_hash(p->ipver, &p->saddr, p->sport, &p->daddr, p->dport);
	f->hnext = t->buckets[h & t->mask];
	t->buckets[h & t->mask] = f;
	t->used++;
	return f;
}

void mos_flow_remove(struct mos_flow_table *t, struct mos_flow *f)
{
	const struct mos_flow_key *k = &f->key;
	uint32_t h = key_hash(k->ipver, &k->addr[0], k->port[0], &k->addr[1],
			      k->port[1]);
	struct mos_flow **pp = &t->buckets[h & t->mask];

	while (*pp && *pp != f)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = f->hnext;
	idle_unlink(t, f);
	f->in_use = false;
	f->hnext = t->free;
	t->free = f;
	t->used--;
}
