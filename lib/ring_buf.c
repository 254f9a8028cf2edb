/*
 * ring_buf.c -- per-half receive ring with out-of-order fragments, storage
 * in chunks from a per-context pool (picture and invariants: ring_buf.h).
 *
 * A write is done in two phases: first everything it will need (chunks,
 * at most one fragment node, a slot array) is counted against the pool's
 * limit and reserved; only then is the ring changed.  So a write either
 * happens completely or, with ENOMEM, not at all.
 *
 * Gaps are bytes of the in-order region that were given up: a write never
 * stores into one (a late retransmission of given-up bytes changes
 * nothing, under either policy), and reads stop at one.
 */
#include "ring_pool.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static void advance_head(struct mos_ring *r, uint64_t h, uint64_t lo,
			 uint64_t e);

/* ---- taking back read bytes ------------------------------------------ */

/* Drop what every reader of q has read (never past its in-order end). */
static void reclaim_ring(struct mos_ring *q)
{
	uint64_t h = q->read_end < q->contig_end ? q->read_end : q->contig_end;

	if (h > q->head)
		advance_head(q, h, h, h);
}

/*
 * Take back storage of read bytes, from the rings drained longest ago,
 * until `need_free` chunks are free and, under a limit, `grow` more bytes
 * (less `drop` that the write gives back itself) fit.  The ring being
 * written (`self`) is not touched: its write was planned on its head.
 */
static void pool_reclaim(struct mos_ring_pool *p, struct mos_ring *self,
			 size_t need_free, size_t grow, size_t drop)
{
	bool self_out = false;

	while (p->drained_head &&
	       (p->nfree_chunks < need_free ||
		(p->max_bytes && p->used + grow - drop > p->max_bytes))) {
		struct mos_ring *q = p->drained_head;

		mos_pool_drained_remove(p, q);
		if (q == self) {
			self_out = true;
			continue;
		}
		reclaim_ring(q);
		if (q->on_empty && !q->nchunks && !q->frags && !q->gaps &&
		    q->head == q->contig_end)
			q->on_empty(q->owner, q);
	}
	if (self_out)
		mos_pool_drained_push(p, self);
}

void mos_ring_set_owner(struct mos_ring *r,
			void (*on_empty)(void *owner, struct mos_ring *r),
			void *owner)
{
	r->on_empty = on_empty;
	r->owner = owner;
}

void mos_ring_set_read_end(struct mos_ring *r, uint64_t off)
{
	r->read_end = off;
	if (r->pool && !r->drained && r->nchunks && off > r->head)
		mos_pool_drained_push(r->pool, r);
}

/* ---- slots ----------------------------------------------------------- */

/* The most slots a ring of that capacity can need: its held chunks span
 * at most this many chunk numbers. */
static uint32_t slots_for(uint32_t capacity)
{
	return capacity ? (uint32_t)((capacity + CHUNK - 1) / CHUNK + 1) : 0;
}

/* A ring starts with its inline slots and grows them as the span of its
 * held chunks grows: most rings hold a few chunks at a time, and a slot
 * array for a whole 256 KiB window would cost them 520 bytes each. */
static uint32_t first_slots(uint32_t capacity)
{
	uint32_t max = slots_for(capacity);

	return max < MOS_RING_INLINE_SLOTS ? max : MOS_RING_INLINE_SLOTS;
}

/* Slots for a span of `need` chunks: doubling, up to the capacity's. */
static uint32_t slots_to_hold(uint32_t capacity, uint64_t need)
{
	uint32_t max = slots_for(capacity), n = MOS_RING_INLINE_SLOTS;

	while (n < need && n < max)
		n *= 2;
	return n < max ? n : max;
}

static uint8_t **slot_array(const struct mos_ring *r)
{
	if (r->nslots <= MOS_RING_INLINE_SLOTS)
		return (uint8_t **)r->inline_slots;
	return r->slots;
}

/*
 * Every held chunk meets [head, head + capacity), a run of at most nslots
 * chunk numbers starting at head / CHUNK; slot i holds the one of them
 * that is congruent to i.
 */
static uint64_t slot_chunk_no(const struct mos_ring *r, uint32_t i)
{
	uint64_t base = r->head / CHUNK;

	return i >= r->base_slot ? base + i - r->base_slot
				 : base + r->nslots - r->base_slot + i;
}

/* cn % nslots, without a division for the chunks of the window (every
 * held one and nearly every one a write touches): base_slot is the slot
 * of the head's chunk, kept as the head moves. */
static uint32_t slot_index(const struct mos_ring *r, uint64_t cn)
{
	uint64_t base = r->head / CHUNK;
	uint32_t i;

	if (cn < base || cn - base >= r->nslots)
		return (uint32_t)(cn % r->nslots);
	i = r->base_slot + (uint32_t)(cn - base);
	return i >= r->nslots ? i - r->nslots : i;
}

static void set_head(struct mos_ring *r, uint64_t h)
{
	r->head = h;
	r->base_slot = r->nslots ? (uint32_t)(h / CHUNK % r->nslots) : 0;
}

static uint8_t **slot_of(const struct mos_ring *r, uint64_t cn)
{
	return &slot_array(r)[slot_index(r, cn)];
}

static bool chunk_held(const struct mos_ring *r, uint64_t cn)
{
	uint8_t **a = slot_array(r);
	uint32_t i = slot_index(r, cn);

	return a && a[i] && slot_chunk_no(r, i) == cn;
}

void mos_ring_prefetch(const struct mos_ring *r)
{
	uint8_t **a = slot_array(r);

	if (a && r->nslots)
		__builtin_prefetch(&a[slot_index(r, r->contig_end / CHUNK)]);
}

/* ---- ring basics ----------------------------------------------------- */

void mos_ring_init(struct mos_ring *r, struct mos_ring_pool *p,
		   uint32_t capacity, int policy)
{
	memset(r, 0, sizeof(*r));
	r->pool = p;
	r->capacity = capacity;
	r->nslots = first_slots(capacity);
	r->policy = (uint8_t)policy;
}

void mos_ring_init_at(struct mos_ring *r, struct mos_ring_pool *p,
		      uint32_t capacity, int policy, uint64_t start)
{
	mos_ring_init(r, p, capacity, policy);
	set_head(r, start);
	r->contig_end = r->high_end = start;
}

struct mos_ring *mos_ring_new(struct mos_ring_pool *p, uint32_t capacity,
			      int policy, uint64_t start)
{
	struct mos_ring *r = mos_pool_take_ring(p);

	if (!r) {
		errno = ENOMEM;
		return NULL;
	}
	mos_ring_init_at(r, p, capacity, policy, start);
	return r;
}

void mos_ring_free(struct mos_ring *r)
{
	struct mos_ring_pool *p = r->pool;

	mos_ring_release(r);
	mos_pool_put_ring(p, r);
}

void mos_ring_release(struct mos_ring *r)
{
	struct mos_ring_frag *f, *next;
	uint8_t **a = slot_array(r);
	uint32_t i, left = r->nchunks;

	if (r->pool)
		mos_pool_drained_remove(r->pool, r);
	for (f = r->frags; f; f = next) {
		next = f->next;
		mos_pool_put_node(r->pool, f);
	}
	r->frags = NULL;
	for (f = r->gaps; f; f = next) {
		next = f->next;
		mos_pool_put_node(r->pool, f);
	}
	r->gaps = r->gaps_tail = NULL;
	/* a drained ring the pool took back holds none: no walk */
	for (i = 0; a && left && i < r->nslots; i++) {
		if (a[i]) {
			mos_pool_put_chunk(r->pool, a[i]);
			a[i] = NULL;
			left--;
		}
	}
	mos_pool_put_slots(r->pool, r->slots, r->nslots);
	r->slots = NULL;
	r->nchunks = 0;
	r->nslots = first_slots(r->capacity);
	set_head(r, r->contig_end);
	r->high_end = r->contig_end;
}

void mos_ring_set_policy(struct mos_ring *r, int policy)
{
	r->policy = (uint8_t)policy;
}

uint32_t mos_ring_capacity(const struct mos_ring *r)
{
	return r->capacity;
}

uint64_t mos_ring_head(const struct mos_ring *r)
{
	return r->head;
}

uint64_t mos_ring_contig_end(const struct mos_ring *r)
{
	return r->contig_end;
}

uint64_t mos_ring_high_end(const struct mos_ring *r)
{
	return r->high_end;
}

/* End of the highest stored byte (a trailing gap holds none). */
static uint64_t stored_end(const struct mos_ring *r)
{
	const struct mos_ring_frag *f;
	uint64_t e = r->contig_end;

	if (r->gaps_tail && r->gaps_tail->end == e)
		e = r->gaps_tail->start;
	for (f = r->frags; f; f = f->next)
		e = f->end;
	return e;
}

/* Move the held chunks into n slots (n covers their span). */
static int resize_slots(struct mos_ring *r, uint32_t n)
{
	uint8_t *tmp[MOS_RING_INLINE_SLOTS] = { NULL };
	uint8_t **old = slot_array(r), **new = tmp;
	uint32_t i;

	if (n > MOS_RING_INLINE_SLOTS) {
		new = mos_pool_take_slots(r->pool, n);
		if (!new) {
			errno = ENOMEM;
			return -1;
		}
	}
	/* every held chunk lies in the new window: no collision */
	for (i = 0; old && r->nchunks && i < r->nslots; i++)
		if (old[i])
			new[slot_chunk_no(r, i) % n] = old[i];
	mos_pool_put_slots(r->pool, r->slots, r->nslots);
	r->slots = n > MOS_RING_INLINE_SLOTS ? new : NULL;
	memcpy(r->inline_slots, tmp, sizeof(tmp));
	r->nslots = n;
	set_head(r, r->head);
	return 0;
}

int mos_ring_set_capacity(struct mos_ring *r, uint32_t capacity)
{
	uint32_t n = r->nslots, max = slots_for(capacity);

	if (stored_end(r) - r->head > capacity) {
		errno = EINVAL;
		return -1;
	}
	/* the held chunks span no more than either bound */
	if (n > max)
		n = max;
	if (n < first_slots(capacity))
		n = first_slots(capacity);
	if (n != r->nslots && resize_slots(r, n) < 0)
		return -1;
	r->capacity = capacity;
	return 0;
}

/* ---- planning -------------------------------------------------------- */

int mos_ring_plan(const struct mos_ring *r, uint64_t off, uint32_t len,
		  uint64_t *new_head)
{
	uint64_t end = off + len;

	if (new_head)
		*new_head = r->head;
	if (len == 0)
		return MOS_RING_OLD;
	if (off > UINT64_MAX - len)
		return MOS_RING_BEYOND;
	if (end <= r->contig_end &&
	    (r->policy != MOS_OVERLAP_POLICY_LAST || end <= r->head))
		return MOS_RING_OLD;
	if (end > r->contig_end && end - r->contig_end > r->capacity)
		return MOS_RING_BEYOND;
	if (end - r->head > r->capacity) {
		if (new_head)
			*new_head = end - r->capacity;
		return MOS_RING_ADVANCE;
	}
	return MOS_RING_FITS;
}

bool mos_ring_overlaps(const struct mos_ring *r, uint64_t off, uint32_t len)
{
	uint64_t end = off > UINT64_MAX - len ? UINT64_MAX : off + len;
	const struct mos_ring_frag *f;

	if (len == 0)
		return false;
	if (off < r->contig_end)
		return true;
	for (f = r->frags; f && f->start < end; f = f->next)
		if (f->end > off)
			return true;
	return false;
}

/* ---- gaps ------------------------------------------------------------ */

/* The first gap ending above off, or NULL. */
static const struct mos_ring_frag *gap_after(const struct mos_ring *r,
					     uint64_t off)
{
	const struct mos_ring_frag *g;

	for (g = r->gaps; g && g->end <= off; g = g->next)
		;
	return g;
}

/* Does chunk cn hold a byte of [lo, e) that a write stores, i.e. one
 * outside the gaps?  (Gaps never touch, so a run wholly in gaps lies in
 * one gap.) */
static bool chunk_stores(const struct mos_ring *r, uint64_t cn, uint64_t lo,
			 uint64_t e)
{
	uint64_t a = cn * CHUNK > lo ? cn * CHUNK : lo;
	uint64_t b = (cn + 1) * CHUNK < e ? (cn + 1) * CHUNK : e;
	const struct mos_ring_frag *g = r->gaps ? gap_after(r, a) : NULL;

	return !(g && g->start <= a && g->end >= b);
}

/* Forget gaps the head has passed. */
static void prune_gaps(struct mos_ring *r)
{
	struct mos_ring_frag *g;

	while ((g = r->gaps) && g->end <= r->head) {
		r->gaps = g->next;
		mos_pool_put_node(r->pool, g);
	}
	if (!r->gaps)
		r->gaps_tail = NULL;
	else if (r->gaps->start < r->head)
		r->gaps->start = r->head;
}

/* Record [s, e) as a gap at the end of the in-order region; false when
 * no node can be had. */
static bool add_gap(struct mos_ring *r, uint64_t s, uint64_t e)
{
	struct mos_ring_pool *p = r->pool;
	struct mos_ring_frag *g = r->gaps_tail;

	if (g && g->end == s) {
		g->end = e;
		return true;
	}
	if ((p->max_bytes && p->used + NODE > p->max_bytes) ||
	    mos_pool_reserve_node(p) < 0)
		return false;
	g = mos_pool_take_node(p);
	g->start = s;
	g->end = e;
	g->next = NULL;
	if (r->gaps_tail)
		r->gaps_tail->next = g;
	else
		r->gaps = g;
	r->gaps_tail = g;
	return true;
}

uint64_t mos_ring_lost_end(const struct mos_ring *r, uint64_t off)
{
	const struct mos_ring_frag *g;
	uint64_t l = off > r->head ? off : r->head;

	for (g = r->gaps; g && g->start <= l; g = g->next)
		if (g->end > l)
			l = g->end;
	return l;
}

/*
 * Would the chunk containing h (h not on a chunk boundary) hold no stored
 * byte once the head is at h and [lo, e) is written?  The write must store
 * nothing in it, and its in-order bytes from h on must all lie in one gap,
 * or not exist.
 */
static bool head_chunk_idle(const struct mos_ring *r, uint64_t h, uint64_t lo,
			    uint64_t e)
{
	uint64_t cn = h / CHUNK, chunk_end = (cn + 1) * CHUNK;
	uint64_t in_end = r->contig_end < chunk_end ? r->contig_end : chunk_end;
	const struct mos_ring_frag *g;

	if (!(h % CHUNK) || (r->frags && r->frags->start < chunk_end) ||
	    (lo < e && lo < chunk_end && chunk_stores(r, cn, lo, e)))
		return false;
	if (h >= in_end)
		return true;
	g = gap_after(r, h);
	return g && g->start <= h && g->end >= in_end;
}

/* The lowest chunk number kept once the head is at h and [lo, e) is
 * written. */
static uint64_t head_keep(const struct mos_ring *r, uint64_t h, uint64_t lo,
			  uint64_t e)
{
	return h / CHUNK + (head_chunk_idle(r, h, lo, e) ? 1 : 0);
}

/*
 * Count (and with `release`, give back) the held chunks numbered below
 * `keep`.  Chunks [base, base + nslots) sit in distinct slots and every
 * held chunk is among them, so walking the slots from base's, slot k
 * steps on holds chunk base + k if any: a short advance visits just the
 * chunks it passes, one past a long gap each slot once.
 */
static uint64_t chunks_below(struct mos_ring *r, uint64_t keep, bool release)
{
	uint64_t base = r->head / CHUNK, n = 0, k, steps;
	uint8_t **a = slot_array(r);
	uint32_t i;

	if (keep <= base || !r->nchunks || !a)
		return 0;
	steps = keep - base < r->nslots ? keep - base : r->nslots;
	i = r->base_slot;
	for (k = 0; k < steps; k++) {
		if (a[i]) {
			n++;
			if (release) {
				mos_pool_put_chunk(r->pool, a[i]);
				a[i] = NULL;
				r->nchunks--;
			}
		}
		if (++i == r->nslots)
			i = 0;
	}
	return n;
}

/* Does [s, e) overlap or touch an existing fragment? */
static bool touches_frag(const struct mos_ring *r, uint64_t s, uint64_t e)
{
	const struct mos_ring_frag *f;

	for (f = r->frags; f && f->start <= e; f = f->next)
		if (f->end >= s)
			return true;
	return false;
}

/*
 * Count and reserve what storing [s, e) after moving the head to h takes;
 * fail with ENOMEM before anything changes.
 */
static int write_prepare(struct mos_ring *r, uint64_t h, uint64_t s,
			 uint64_t lo, uint64_t e, bool *need_node)
{
	struct mos_ring_pool *p = r->pool;
	uint64_t freed = 0, fresh = 0, cn, span;
	size_t grow;

	if (h > r->head)
		freed = chunks_below(r, head_keep(r, h, lo, e), false);
	for (cn = lo / CHUNK; cn <= (e - 1) / CHUNK; cn++)
		if (chunk_stores(r, cn, lo, e) && !chunk_held(r, cn))
			fresh++;
	*need_node = s > r->contig_end && !touches_frag(r, s, e);
	grow = fresh * CHUNK + (*need_node ? NODE : 0);

	if (p->drained_head)
		pool_reclaim(p, r, fresh > freed ? fresh - freed : 0, grow,
			     freed * CHUNK);
	if (p->max_bytes && p->used - freed * CHUNK + grow > p->max_bytes)
		goto nomem;
	if (fresh > freed && mos_pool_reserve_chunks(p, fresh - freed) < 0)
		goto nomem;
	if (*need_node && mos_pool_reserve_node(p) < 0)
		goto nomem;
	/* the chunks held once the head is at h, and the write's, must fit
	 * in the slots */
	span = (e - 1) / CHUNK - (h > r->head ? h : r->head) / CHUNK + 1;
	if (span > r->nslots &&
	    resize_slots(r, slots_to_hold(r->capacity, span)) < 0)
		goto nomem;
	return 0;
nomem:
	errno = ENOMEM;
	return -1;
}

/* ---- storing --------------------------------------------------------- */

/* Drop [head, h) before [lo, e) is written; h <= contig_end, so only
 * in-order bytes go. */
static void advance_head(struct mos_ring *r, uint64_t h, uint64_t lo,
			 uint64_t e)
{
	chunks_below(r, head_keep(r, h, lo, e), true);
	set_head(r, h);
	prune_gaps(r);
}

/* Copy data (stream offset `off`) into the ring at [lo, hi). */
static void copy_in(struct mos_ring *r, uint64_t off, const uint8_t *data,
		    uint64_t lo, uint64_t hi)
{
	while (lo < hi) {
		uint64_t in = lo % CHUNK;
		uint64_t n = CHUNK - in < hi - lo ? CHUNK - in : hi - lo;

		memcpy(*slot_of(r, lo / CHUNK) + in, data + (lo - off), n);
		lo += n;
	}
}

static void copy_out(const struct mos_ring *r, uint64_t lo, uint64_t hi,
		     uint8_t *buf)
{
	while (lo < hi) {
		uint64_t in = lo % CHUNK;
		uint64_t n = CHUNK - in < hi - lo ? CHUNK - in : hi - lo;

		memcpy(buf, *slot_of(r, lo / CHUNK) + in, n);
		buf += n;
		lo += n;
	}
}

/* Write the bytes of [cur, e) that lie outside the intervals of `skip`:
 * under FIRST the fragments (bytes stored win), under LAST the gaps. */
static void copy_skipping(struct mos_ring *r, uint64_t off,
			  const uint8_t *data, uint64_t cur, uint64_t e,
			  const struct mos_ring_frag *skip)
{
	const struct mos_ring_frag *f;

	for (f = skip; f && f->start < e && cur < e; f = f->next) {
		if (f->end <= cur)
			continue;
		if (f->start > cur)
			copy_in(r, off, data, cur, f->start);
		cur = f->end;
	}
	if (cur < e)
		copy_in(r, off, data, cur, e);
}

/* Add [s, e) to the stored set, merging fragments it meets or touches. */
static void merge_interval(struct mos_ring *r, uint64_t s, uint64_t e,
			   bool need_node)
{
	struct mos_ring_frag **pp = &r->frags, *f, *g;

	if (s <= r->contig_end) {
		if (e > r->contig_end)
			r->contig_end = e;
		while ((f = r->frags) && f->start <= r->contig_end) {
			if (f->end > r->contig_end)
				r->contig_end = f->end;
			r->frags = f->next;
			mos_pool_put_node(r->pool, f);
		}
	} else if (need_node) {
		while (*pp && (*pp)->end < s)
			pp = &(*pp)->next;
		f = mos_pool_take_node(r->pool);
		f->start = s;
		f->end = e;
		f->next = *pp;
		*pp = f;
	} else {
		while ((*pp)->end < s)
			pp = &(*pp)->next;
		f = *pp;
		if (s < f->start)
			f->start = s;
		if (e > f->end)
			f->end = e;
		while ((g = f->next) && g->start <= f->end) {
			if (g->end > f->end)
				f->end = g->end;
			f->next = g->next;
			mos_pool_put_node(r->pool, g);
		}
	}
	if (e > r->high_end)
		r->high_end = e;
	if (r->contig_end > r->high_end)
		r->high_end = r->contig_end;
}

ssize_t mos_ring_write(struct mos_ring *r, uint64_t off, const uint8_t *data,
		       uint32_t len)
{
	uint64_t h, s, lo, e, cn, before = r->contig_end;
	bool last = r->policy == MOS_OVERLAP_POLICY_LAST, need_node;
	int plan;

	if (!r->pool) {
		errno = EINVAL;
		return -1;
	}
	/* about to need more slots: first drop what every reader has read */
	if (len && r->read_end > r->head &&
	    (off + len - 1) / CHUNK - r->head / CHUNK + 1 > r->nslots)
		reclaim_ring(r);
	plan = mos_ring_plan(r, off, len, &h);
	if (plan == MOS_RING_OLD || plan == MOS_RING_BEYOND)
		return 0;
	e = off + len;
	s = off > h ? off : h;  /* OLD took every write ending at or below h */
	/* lo: the first byte that may be written; under FIRST nothing below
	 * contig_end is */
	lo = last || s > r->contig_end ? s : r->contig_end;
	if (write_prepare(r, h, s, lo, e, &need_node) < 0)
		return -1;

	if (h > r->head)
		advance_head(r, h, lo, e);
	for (cn = lo / CHUNK; cn <= (e - 1) / CHUNK; cn++) {
		uint8_t **slot = slot_of(r, cn);

		if (!*slot && chunk_stores(r, cn, lo, e)) {
			*slot = mos_pool_take_chunk(r->pool);
			r->nchunks++;
		}
	}
	copy_skipping(r, off, data, lo, e, last ? r->gaps : r->frags);
	merge_interval(r, s, e, need_node);
	return (ssize_t)(r->contig_end - before);
}

/* ---- giving up holes -------------------------------------------------- */

uint64_t mos_ring_give_up(struct mos_ring *r, uint64_t upto,
			  uint64_t *gap_bytes, bool *head_jumped)
{
	uint64_t grown = 0, lost = 0, e;
	struct mos_ring_frag *f;
	bool jumped = false;

	while (r->pool && r->contig_end < upto) {
		f = r->frags;
		e = f && f->start < upto ? f->start : upto;
		lost += e - r->contig_end;
		if (!add_gap(r, r->contig_end, e)) {
			/* no node: the head moves past the gap instead */
			r->contig_end = e;
			advance_head(r, e, e, e);
			jumped = true;
		}
		r->contig_end = e;
		if (f && f->start == e) {
			grown += f->end - f->start;
			r->contig_end = f->end;
			r->frags = f->next;
			mos_pool_put_node(r->pool, f);
		}
	}
	if (r->contig_end > r->high_end)
		r->high_end = r->contig_end;
	if (gap_bytes)
		*gap_bytes = lost;
	if (head_jumped)
		*head_jumped = jumped;
	return grown;
}

/* ---- reading --------------------------------------------------------- */

size_t mos_ring_read(const struct mos_ring *r, uint64_t off, uint8_t *buf,
		     size_t len)
{
	const struct mos_ring_frag *f;
	uint64_t end = 0;

	if (off >= r->head && off < r->contig_end) {
		const struct mos_ring_frag *g = gap_after(r, off);

		/* the piece between gaps holding off; nothing in a gap */
		end = !g ? r->contig_end : g->start > off ? g->start : off;
	} else {
		for (f = r->frags; f && f->start <= off; f = f->next)
			if (off < f->end)
				end = f->end;
	}
	if (end <= off)
		return 0;
	if (end - off > len)
		end = off + len;
	copy_out(r, off, end, buf);
	return (size_t)(end - off);
}

int mos_ring_fragments(const struct mos_ring *r, struct tcp_ring_fragment *out,
		       int max, int *total)
{
	const struct mos_ring_frag *f, *g = r->gaps;
	uint64_t cur = r->head, end;
	int n = 0, written = 0;

	for (;;) {
		end = g ? g->start : r->contig_end;
		if (end > cur) {
			if (n < max) {
				out[n].offset = cur;
				out[n].len = (uint32_t)(end - cur);
				written++;
			}
			n++;
		}
		if (!g)
			break;
		cur = g->end;
		g = g->next;
	}
	for (f = r->frags; f; f = f->next, n++) {
		if (n < max) {
			out[n].offset = f->start;
			out[n].len = (uint32_t)(f->end - f->start);
			written++;
		}
	}
	if (total)
		*total = n;
	return written;
}
