/*
 * ring_buf.h -- per-half receive ring addressed by 64-bit stream offsets.
 *
 * A ring keeps a window of `capacity` bytes of one direction's byte stream
 * (mtcp_peek(3)).  Offset 0 is the first payload
 * byte; offsets are 64-bit and never wrap.
 *
 *   stream offset ->
 *
 *      head           contig_end       fragment        fragment   high_end
 *        |                 |          |<----->|       |<------>|      |
 *   .....[#################]..........[#######].......[########]......
 *        |<------------------------ capacity -------------------------->|
 *        | in-order data   |   hole   |   out-of-order fragments |
 *        | (peek reads it) |          |   (sorted, merged list)  |
 *
 *   storage: [ chunk 7 ][ chunk 8 ][ chunk 9 ]  [ chunk 11 ][ chunk 12 ]
 *
 *   Chunk n holds offsets [n * CHUNK, (n + 1) * CHUNK) and sits in slot
 *   n % nslots.  A chunk is taken from the pool when its first byte is
 *   stored and given back when none of its bytes is stored any more: a
 *   chunk lying wholly in a hole (chunk 10 above) has no storage.
 *
 * Gaps (mtcp_peek(3)): a hole that will never fill is given up with
 * mos_ring_give_up(): contig_end moves past it and it is kept as a gap,
 * a run of the in-order region with no storage, until the head passes it:
 *
 *      head     gap      contig_end
 *        |    |<--->|        |
 *   .....[####].....[########]......
 *
 * Invariants: head <= contig_end <= high_end; every byte of [head,
 * contig_end) outside a gap is stored; gaps are sorted, lie inside
 * [head, contig_end) and never touch each other; every fragment starts
 * above contig_end and fragments never touch each other (they are
 * merged); stored bytes lie inside [head, head + capacity).  Giving up a
 * long gap may leave contig_end beyond head + capacity: the next write
 * then moves the head (outrun) as any write past the window does.
 *
 * Writes: bytes below head are ignored; bytes already stored are kept
 * (MOS_OVERLAP_POLICY_FIRST) or replaced (MOS_OVERLAP_POLICY_LAST).  A write
 * ending past head + capacity first moves the head to end - capacity,
 * dropping the oldest bytes; one ending past contig_end + capacity is not
 * stored at all.  Since the new head is then never above contig_end, the
 * head only ever drops in-order bytes, never a fragment.
 *
 * Memory: chunks, fragment and gap nodes, ring descriptors and slot
 * arrays come from a per-context pool (ring_pool.h) that grows by slabs
 * and never shrinks until destroyed, so a warm context does no malloc per
 * packet.  Memory follows unread data: the owner tells a
 * ring how far every reader has read (mos_ring_set_read_end); bytes below
 * that are a cache, and a pool out of free chunks first takes back the
 * storage of such bytes, from the rings drained longest ago, before it
 * grows.  The slot array of a ring lives inside struct mos_ring for
 * capacities up to (MOS_RING_INLINE_SLOTS - 1) chunks (the default
 * rmem_size of 8192 included); larger rings take one from the pool at
 * their first stored byte.  Not thread-safe: one pool per context.
 */
#ifndef MOS_RING_BUF_H
#define MOS_RING_BUF_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <mos_api.h>    /* struct tcp_ring_fragment, MOS_OVERLAP_* */

#define MOS_RING_CHUNK_SIZE 4096u       /* bytes per storage chunk, 2^n */
#define MOS_RING_INLINE_SLOTS 4

struct mos_ring_pool;   /* opaque, one per context, single-threaded */

/* One out-of-order interval [start, end); a node of the pool. */
struct mos_ring_frag {
	uint64_t start, end;
	struct mos_ring_frag *next;
};

/* All-zero = empty, no storage, no pool (writes fail with EINVAL). */
struct mos_ring {
	struct mos_ring_pool *pool;
	uint64_t head;                  /* lowest offset still kept */
	uint64_t contig_end;            /* end of the in-order data */
	uint64_t high_end;              /* max(contig_end, highest stored) */
	struct mos_ring_frag *frags;    /* ascending, all above contig_end */
	struct mos_ring_frag *gaps;     /* ascending, inside the in-order */
	struct mos_ring_frag *gaps_tail;
	uint8_t **slots;                /* malloc'd when nslots > INLINE */
	uint8_t *inline_slots[MOS_RING_INLINE_SLOTS];
	struct mos_ring *dprev, *dnext; /* the pool's drained list */
	uint64_t read_end;              /* every reader has read below it */
	uint32_t capacity;
	uint32_t nslots;                /* grows with the held chunks' span,
					 * up to ceil(capacity / CHUNK) + 1 */
	uint32_t nchunks;               /* chunks held now */
	uint32_t base_slot;             /* slot of the head's chunk */
	uint8_t policy;
	bool drained;                   /* on the pool's drained list */
	/* told when the pool took back the last of its storage (see
	 * mos_ring_set_owner) */
	void (*on_empty)(void *owner, struct mos_ring *r);
	void *owner;
};

/* max_bytes 0 = no limit; NULL with errno ENOMEM */
struct mos_ring_pool *mos_ring_pool_create(size_t max_bytes);
void   mos_ring_pool_destroy(struct mos_ring_pool *p);
/* Bytes handed out now: chunks and fragment nodes held by rings. */
size_t mos_ring_pool_bytes(const struct mos_ring_pool *p);
/* Bytes of chunks the pool has made (held or free): what it grew to. */
size_t mos_ring_pool_size(const struct mos_ring_pool *p);

void mos_ring_init(struct mos_ring *r, struct mos_ring_pool *p,
		   uint32_t capacity, int policy);
/* A ring from the pool, as mos_ring_init_at makes it; NULL with ENOMEM. */
struct mos_ring *mos_ring_new(struct mos_ring_pool *p, uint32_t capacity,
			      int policy, uint64_t start);
/* Release a ring from mos_ring_new and give it back to its pool. */
void mos_ring_free(struct mos_ring *r);
/* As mos_ring_init, for a stream whose first `start` bytes went by. */
void mos_ring_init_at(struct mos_ring *r, struct mos_ring_pool *p,
		      uint32_t capacity, int policy, uint64_t start);
/* Return all storage; the ring is empty, offsets kept (head = contig_end). */
void mos_ring_release(struct mos_ring *r);
/* -1 EINVAL if the stored bytes span more than capacity from the head
 * (nothing is ever dropped here);
 * -1 ENOMEM if a larger slot array cannot be allocated. */
int  mos_ring_set_capacity(struct mos_ring *r, uint32_t capacity);
void mos_ring_set_policy(struct mos_ring *r, int policy);
uint32_t mos_ring_capacity(const struct mos_ring *r);

/* Every reader of the ring has read the bytes below off: their storage may
 * be taken back when the pool needs room (the head then moves up to off,
 * never past contig_end). */
/* When taking back read bytes (for another ring's write) leaves r holding
 * nothing (no chunk, fragment or gap: head = contig_end), call
 * on_empty(owner, r), which may free r (mos_ring_free): a drained ring
 * then costs no memory at all.  Never called for the ring being written. */
void mos_ring_set_owner(struct mos_ring *r,
			void (*on_empty)(void *owner, struct mos_ring *r),
			void *owner);
void mos_ring_set_read_end(struct mos_ring *r, uint64_t off);

/* A hint: ask for the slot the next in-order write will look up, so that
 * the miss is waited for behind another frame's work. */
void mos_ring_prefetch(const struct mos_ring *r);

/* Lowest offset still stored. */
uint64_t mos_ring_head(const struct mos_ring *r);
/* End of the in-order data (next expected offset). */
uint64_t mos_ring_contig_end(const struct mos_ring *r);
/* End of the highest stored byte; contig_end if there is no fragment. */
uint64_t mos_ring_high_end(const struct mos_ring *r);

/*
 * Give up every hole below `upto` (mtcp_peek(3) "Gaps"): each becomes a
 * gap, and the fragment above it, if any, joins the in-order data.
 * Returns the stored bytes that became in-order (>= 0); *gap_bytes = the
 * bytes given up.  When no node for a gap can be had, the head is moved
 * past the gap instead, so the bytes before it are lost as in outrun;
 * *head_jumped tells (both out pointers may be NULL).
 */
uint64_t mos_ring_give_up(struct mos_ring *r, uint64_t upto,
			  uint64_t *gap_bytes, bool *head_jumped);
/* End of the run of bytes, starting at off, that can never be read: below
 * the head or in gaps; off itself when the byte at off is readable or not
 * yet received. */
uint64_t mos_ring_lost_end(const struct mos_ring *r, uint64_t off);

enum mos_ring_plan {
	MOS_RING_FITS = 0,
	MOS_RING_ADVANCE = 1,
	MOS_RING_BEYOND = 2,
	MOS_RING_OLD = 3,
};
/* What storing [off, off+len) needs: FITS; ADVANCE (head must first move to
 * *new_head, dropping bytes [head, *new_head)); BEYOND (ends past
 * contig_end + capacity: cannot be stored at all); OLD (every byte is below
 * contig_end and, under policy FIRST, nothing would change; under LAST only
 * when every byte is below head; len 0 is OLD).  *new_head (may be NULL) is
 * the head the write leaves: the current one unless ADVANCE. */
int  mos_ring_plan(const struct mos_ring *r, uint64_t off, uint32_t len,
		   uint64_t *new_head);
/* True if any byte of [off, off+len) was already received: below
 * contig_end, or inside a stored fragment. */
bool mos_ring_overlaps(const struct mos_ring *r, uint64_t off, uint32_t len);
/* Store what fits (head advanced as planned; bytes below head ignored; overlap
 * resolved by the policy; BEYOND and OLD store nothing).  Returns the number
 * of bytes by which contig_end grew (>= 0), or -1 with errno ENOMEM (pool
 * exhausted; nothing half-written) or EINVAL (ring has no pool). */
ssize_t mos_ring_write(struct mos_ring *r, uint64_t off, const uint8_t *data,
		       uint32_t len);
/* Copy up to len bytes starting at off from the stored fragment (a piece of
 * the in-order region between gaps, or an out-of-order fragment)
 * containing off, stopping at its end.  Returns bytes copied, 0 if off is
 * not stored. */
size_t mos_ring_read(const struct mos_ring *r, uint64_t off, uint8_t *buf,
		     size_t len);
/* Stored fragments, ascending offset: the pieces of the in-order region
 * between its gaps first (a gap is never a fragment), then the
 * out-of-order ones.  Returns count written (<= max); *total (may be NULL)
 * = number that exist. */
int  mos_ring_fragments(const struct mos_ring *r, struct tcp_ring_fragment *out,
			int max, int *total);

#endif
