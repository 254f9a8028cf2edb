/* t_ring: the receive ring (lib/ring_buf.c): contract cases and a model. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ring_buf.h"
#include "tap.h"

#define C ((size_t)MOS_RING_CHUNK_SIZE)
#define NODE sizeof(struct mos_ring_frag)
#define FIRST MOS_OVERLAP_POLICY_FIRST
#define LAST MOS_OVERLAP_POLICY_LAST

/* Content of stream byte `off` as written with `tag`. */
static uint8_t pat(uint64_t off, uint8_t tag)
{
	return (uint8_t)((off * 131u) ^ (off >> 9) ^ (off >> 33) ^ tag);
}

static ssize_t put(struct mos_ring *r, uint64_t off, uint32_t len, uint8_t tag)
{
	uint8_t *buf = malloc(len ? len : 1);
	uint32_t i;
	ssize_t n;

	for (i = 0; i < len; i++)
		buf[i] = pat(off + i, tag);
	n = mos_ring_write(r, off, buf, len);
	free(buf);
	return n;
}

/* Are [off, off+len) stored (readable in one piece or more) with tag? */
static int has(const struct mos_ring *r, uint64_t off, uint32_t len,
	       uint8_t tag)
{
	uint8_t buf[4096];

	while (len) {
		size_t want = len < sizeof(buf) ? len : sizeof(buf);
		size_t n = mos_ring_read(r, off, buf, want), i;

		if (n == 0)
			return 0;
		for (i = 0; i < n; i++)
			if (buf[i] != pat(off + i, tag))
				return 0;
		off += n;
		len -= (uint32_t)n;
	}
	return 1;
}

/* Fragment list equals the n pairs {offset, len} given. */
static int frags_are(const struct mos_ring *r, int n, const uint64_t *want)
{
	struct tcp_ring_fragment f[16];
	int total = -1, got, i;

	got = mos_ring_fragments(r, f, 16, &total);
	if (got != n || total != n)
		return 0;
	for (i = 0; i < n; i++)
		if (f[i].offset != want[2 * i] || f[i].len != want[2 * i + 1])
			return 0;
	return 1;
}

#define FRAGS_ARE(r, ...) \
	frags_are((r), (int)(sizeof((uint64_t[]){ __VA_ARGS__ }) / \
			    sizeof(uint64_t) / 2), (uint64_t[]){ __VA_ARGS__ })

static void test_empty_and_in_order(void)
{
	struct mos_ring_pool *p = mos_ring_pool_create(0);
	struct mos_ring z, r;
	struct tcp_ring_fragment f[2];
	uint8_t buf[16];
	int total = -1;

	ok(p && mos_ring_pool_bytes(p) == 0, "new pool hands out nothing");
	memset(&z, 0, sizeof(z));
	errno = 0;
	ok(mos_ring_write(&z, 0, (const uint8_t *)"x", 1) == -1 &&
	   errno == EINVAL, "all-zero ring: write fails with EINVAL");
	ok(mos_ring_read(&z, 0, buf, sizeof(buf)) == 0 &&
	   mos_ring_fragments(&z, f, 2, &total) == 0 && total == 0 &&
	   mos_ring_head(&z) == 0 && mos_ring_high_end(&z) == 0,
	   "all-zero ring is empty");
	mos_ring_release(&z);

	mos_ring_init(&r, p, 8192, FIRST);
	ok(mos_ring_capacity(&r) == 8192 && mos_ring_pool_bytes(p) == 0,
	   "initialised ring holds no storage");
	ok(put(&r, 0, 100, 0) == 100, "in-order write of 100 returns 100");
	ok(mos_ring_head(&r) == 0 && mos_ring_contig_end(&r) == 100 &&
	   mos_ring_high_end(&r) == 100,
	   "head 0, contig_end 100, high_end 100");
	ok(mos_ring_pool_bytes(p) == C,
	   "a ring with 100 bytes holds one chunk");
	ok(put(&r, 100, 5000, 0) == 5000 && mos_ring_contig_end(&r) == 5100,
	   "second in-order write crosses a chunk boundary");
	ok(mos_ring_pool_bytes(p) == 2 * C, "5100 bytes hold two chunks");
	ok(has(&r, 0, 5100, 0), "in-order bytes read back exactly");
	ok(mos_ring_read(&r, 50, buf, 10) == 10 && buf[0] == pat(50, 0) &&
	   buf[9] == pat(59, 0), "read in the middle stops at len");
	ok(mos_ring_read(&r, 5100, buf, 10) == 0, "read at contig_end gives 0");
	ok(FRAGS_ARE(&r, 0, 5100), "fragment list is the in-order region");
	ok(mos_ring_plan(&r, 5100, 0, NULL) == MOS_RING_OLD &&
	   put(&r, 5100, 0, 0) == 0, "zero-length write stores nothing");
	mos_ring_release(&r);
	ok(mos_ring_pool_bytes(p) == 0, "release returns every chunk");
	ok(mos_ring_head(&r) == 5100 && mos_ring_contig_end(&r) == 5100 &&
	   mos_ring_high_end(&r) == 5100 &&
	   mos_ring_fragments(&r, f, 2, &total) == 0 && total == 0,
	   "released ring is empty with its offsets kept");
	ok(put(&r, 5100, 10, 0) == 10 && has(&r, 5100, 10, 0) &&
	   mos_ring_read(&r, 5099, buf, 1) == 0,
	   "a released ring takes new data from where it stopped");
	mos_ring_release(&r);
	mos_ring_pool_destroy(p);
}

static void test_out_of_order(void)
{
	struct mos_ring_pool *p = mos_ring_pool_create(0);
	struct tcp_ring_fragment f[2];
	struct mos_ring r;
	uint8_t buf[8];
	int total = 0;

	mos_ring_init(&r, p, 16384, FIRST);
	ok(put(&r, 1000, 500, 0) == 0 && mos_ring_contig_end(&r) == 0 &&
	   mos_ring_high_end(&r) == 1500,
	   "out-of-order write: contig_end stays 0, high_end 1500");
	ok(FRAGS_ARE(&r, 1000, 500), "empty in-order region is not listed");
	ok(mos_ring_overlaps(&r, 1000, 1) && mos_ring_overlaps(&r, 1499, 2) &&
	   mos_ring_overlaps(&r, 900, 101) && !mos_ring_overlaps(&r, 999, 1) &&
	   !mos_ring_overlaps(&r, 1500, 10) &&
	   !mos_ring_overlaps(&r, 0, 1000) && !mos_ring_overlaps(&r, 1200, 0),
	   "overlap detection at fragment edges");
	ok(put(&r, 3000, 1000, 0) == 0 && mos_ring_high_end(&r) == 4000 &&
	   FRAGS_ARE(&r, 1000, 500, 3000, 1000), "two fragments, ascending");
	ok(mos_ring_pool_bytes(p) == C + 2 * NODE,
	   "two fragments in one chunk: one chunk and two nodes");
	ok(put(&r, 1500, 100, 0) == 0 && FRAGS_ARE(&r, 1000, 600, 3000, 1000),
	   "adjacent segment extends a fragment");
	ok(put(&r, 2500, 500, 0) == 0 && FRAGS_ARE(&r, 1000, 600, 2500, 1500),
	   "segment touching the next fragment merges into it");
	ok(put(&r, 1550, 1000, 0) == 0 && FRAGS_ARE(&r, 1000, 3000) &&
	   mos_ring_pool_bytes(p) == C + NODE,
	   "segment bridging two fragments merges them and frees a node");
	ok(mos_ring_read(&r, 1200, buf, 8) == 8 && buf[0] == pat(1200, 0),
	   "read inside a fragment");
	ok(has(&r, 1000, 3000, 0), "fragment bytes read back exactly");
	ok(mos_ring_read(&r, 999, buf, 8) == 0 &&
	   mos_ring_read(&r, 0, buf, 8) == 0,
	   "read in a hole gives 0");
	ok(put(&r, 0, 1000, 0) == 4000 && mos_ring_contig_end(&r) == 4000 &&
	   mos_ring_high_end(&r) == 4000 && FRAGS_ARE(&r, 0, 4000),
	   "filling the hole returns the whole contig_end growth (4000)");
	ok(mos_ring_pool_bytes(p) == C, "absorbed fragment node went back");
	ok(mos_ring_overlaps(&r, 3999, 1) && !mos_ring_overlaps(&r, 4000, 5),
	   "overlap below contig_end");
	ok(put(&r, 9000, 10, 0) == 0 && put(&r, 5000, 10, 0) == 0 &&
	   put(&r, 7000, 10, 0) == 0 &&
	   FRAGS_ARE(&r, 0, 4000, 5000, 10, 7000, 10, 9000, 10),
	   "in-order region first, then fragments ascending");
	ok(mos_ring_fragments(&r, f, 2, &total) == 2 && total == 4 &&
	   f[1].offset == 5000, "fragment list truncated to max, total exact");
	ok(mos_ring_fragments(&r, NULL, 0, &total) == 0 && total == 4,
	   "max 0 only counts");
	ok(mos_ring_pool_bytes(p) == 3 * C + 3 * NODE,
	   "chunks only where bytes are: 0, 1 and 2 (8192..) with 3 nodes");
	ok(put(&r, 4000, 1000, 0) == 1010 && mos_ring_contig_end(&r) == 5010,
	   "contig_end grows through the next fragment only");
	ok(has(&r, 0, 5010, 0) && has(&r, 7000, 10, 0) && has(&r, 9000, 10, 0),
	   "all bytes intact after merges");
	mos_ring_release(&r);
	ok(mos_ring_pool_bytes(p) == 0, "release returns chunks and nodes");
	mos_ring_pool_destroy(p);
}

static void test_policies(void)
{
	struct mos_ring_pool *p = mos_ring_pool_create(0);
	struct mos_ring r;

	mos_ring_init(&r, p, 8192, FIRST);
	ok(put(&r, 0, 100, 'A') == 100 && put(&r, 50, 100, 'B') == 50 &&
	   has(&r, 0, 100, 'A') && has(&r, 100, 50, 'B'),
	   "FIRST, in-order overlap: stored bytes win, new tail appended");
	put(&r, 300, 100, 'A');
	ok(put(&r, 250, 100, 'B') == 0 && has(&r, 250, 50, 'B') &&
	   has(&r, 300, 100, 'A'), "FIRST, fragment overlap from below");
	ok(put(&r, 350, 100, 'B') == 0 && has(&r, 300, 100, 'A') &&
	   has(&r, 400, 50, 'B'), "FIRST, fragment overlap from above");
	ok(put(&r, 320, 20, 'C') == 0 && has(&r, 300, 100, 'A'),
	   "FIRST, segment inside a fragment changes nothing");
	ok(mos_ring_plan(&r, 10, 20, NULL) == MOS_RING_OLD &&
	   put(&r, 10, 20, 'C') == 0 && has(&r, 0, 100, 'A'),
	   "FIRST, old segment is OLD and changes nothing");

	mos_ring_set_policy(&r, LAST);
	ok(mos_ring_plan(&r, 20, 10, NULL) == MOS_RING_FITS &&
	   put(&r, 20, 10, 'C') == 0 && has(&r, 0, 20, 'A') &&
	   has(&r, 20, 10, 'C') && has(&r, 30, 70, 'A'),
	   "LAST, in-order retransmission overwrites exactly its bytes");
	ok(put(&r, 280, 150, 'C') == 0 && has(&r, 250, 30, 'B') &&
	   has(&r, 280, 150, 'C') && has(&r, 430, 20, 'B'),
	   "LAST, segment over a fragment overwrites exactly its bytes");
	ok(put(&r, 140, 200, 'D') == 300 && mos_ring_contig_end(&r) == 450 &&
	   has(&r, 100, 40, 'B') && has(&r, 140, 200, 'D') &&
	   has(&r, 340, 90, 'C') && has(&r, 430, 20, 'B'),
	   "LAST, segment spanning in-order data, hole and fragment");

	mos_ring_set_policy(&r, FIRST);
	put(&r, 600, 100, 'A');
	ok(put(&r, 440, 300, 'E') == 290 && has(&r, 430, 20, 'B') &&
	   has(&r, 450, 150, 'E') && has(&r, 600, 100, 'A') &&
	   has(&r, 700, 40, 'E'),
	   "FIRST, segment spanning in-order data, hole and fragment");
	mos_ring_release(&r);
	ok(mos_ring_pool_bytes(p) == 0, "policy tests leave no storage");
	mos_ring_pool_destroy(p);
}

static void test_plan_and_advance(void)
{
	struct mos_ring_pool *p = mos_ring_pool_create(0);
	struct mos_ring r;
	uint64_t nh = 77;
	uint8_t buf[4];

	mos_ring_init(&r, p, 8192, FIRST);
	put(&r, 0, 1000, 0);
	ok(mos_ring_plan(&r, 0, 1000, &nh) == MOS_RING_OLD && nh == 0,
	   "plan: fully received segment is OLD");
	ok(mos_ring_plan(&r, 500, 400, NULL) == MOS_RING_OLD,
	   "plan: segment inside in-order data is OLD");
	ok(mos_ring_plan(&r, 900, 200, &nh) == MOS_RING_FITS && nh == 0,
	   "plan: partly new segment FITS");
	ok(mos_ring_plan(&r, 8000, 192, &nh) == MOS_RING_FITS && nh == 0,
	   "plan: segment ending at head + capacity FITS");
	ok(mos_ring_plan(&r, 8000, 193, &nh) == MOS_RING_ADVANCE && nh == 1,
	   "plan: one byte past head + capacity: ADVANCE to 1");
	ok(mos_ring_plan(&r, 9182, 10, &nh) == MOS_RING_ADVANCE && nh == 1000,
	   "plan: ending at contig_end + capacity: ADVANCE to contig_end");
	nh = 77;
	ok(mos_ring_plan(&r, 9183, 10, &nh) == MOS_RING_BEYOND && nh == 0,
	   "plan: one byte past contig_end + capacity is BEYOND");
	ok(mos_ring_plan(&r, UINT64_MAX - 5, 10, NULL) == MOS_RING_BEYOND,
	   "plan: segment overflowing 64 bits is BEYOND");
	ok(put(&r, 9183, 10, 0) == 0 && mos_ring_high_end(&r) == 1000 &&
	   mos_ring_head(&r) == 0, "BEYOND segment is not stored");
	mos_ring_set_policy(&r, LAST);
	ok(mos_ring_plan(&r, 0, 1000, &nh) == MOS_RING_FITS,
	   "plan under LAST: retransmission inside the ring FITS");
	mos_ring_set_policy(&r, FIRST);

	ok(put(&r, 9000, 100, 0) == 0 && mos_ring_head(&r) == 908 &&
	   mos_ring_contig_end(&r) == 1000 && mos_ring_high_end(&r) == 9100,
	   "ADVANCE write: head moves to end - capacity, fragment stored");
	ok(mos_ring_read(&r, 907, buf, 4) == 0 &&
	   mos_ring_read(&r, 908, buf, 4) == 4 && buf[0] == pat(908, 0),
	   "bytes below the new head are gone");
	ok(mos_ring_overlaps(&r, 0, 10),
	   "bytes below head still count as already received");
	mos_ring_set_policy(&r, LAST);
	ok(mos_ring_plan(&r, 0, 908, NULL) == MOS_RING_OLD,
	   "plan under LAST: segment wholly below head is OLD");
	ok(mos_ring_plan(&r, 0, 909, NULL) == MOS_RING_FITS &&
	   put(&r, 0, 909, 'Z') == 0 && has(&r, 908, 1, 'Z') &&
	   has(&r, 909, 91, 0) && mos_ring_head(&r) == 908,
	   "LAST: only the byte at head is overwritten, below head ignored");
	mos_ring_set_policy(&r, FIRST);
	ok(FRAGS_ARE(&r, 908, 92, 9000, 100), "fragments after the advance");
	ok(mos_ring_pool_bytes(p) == 2 * C + NODE,
	   "chunk 1 (4096..8191) holds no byte: no storage for it");
	mos_ring_release(&r);

	/* head passing chunk boundaries gives chunks back */
	mos_ring_init(&r, p, 8192, FIRST);
	put(&r, 0, 4000, 0);
	put(&r, 6000, 1000, 0);
	ok(put(&r, 9000, 192, 0) == 0 && mos_ring_head(&r) == 1000 &&
	   FRAGS_ARE(&r, 1000, 3000, 6000, 1000, 9000, 192),
	   "advance keeps fragments (they lie above contig_end)");
	ok(mos_ring_pool_bytes(p) == 3 * C + 2 * NODE,
	   "three chunks, two nodes");
	ok(put(&r, 4000, 5000, 0) == 5192 && mos_ring_contig_end(&r) == 9192 &&
	   mos_ring_pool_bytes(p) == 3 * C, "hole filled, nodes returned");
	ok(put(&r, 9192, 4000, 0) == 4000 && mos_ring_head(&r) == 5000 &&
	   mos_ring_pool_bytes(p) == 3 * C && has(&r, 5000, 8192, 0),
	   "head past 4096: chunk 0 returned, chunk 3 taken");
	mos_ring_release(&r);

	/* the head lands on contig_end and its chunk holds nothing more */
	mos_ring_init(&r, p, 8192, FIRST);
	put(&r, 0, 100, 0);
	ok(put(&r, 8242, 50, 0) == 0 && mos_ring_head(&r) == 100 &&
	   mos_ring_contig_end(&r) == 100 && FRAGS_ARE(&r, 8242, 50) &&
	   mos_ring_pool_bytes(p) == C + NODE,
	   "emptied head chunk is returned at once");
	ok(put(&r, 100, 100, 0) == 100 &&
	   mos_ring_pool_bytes(p) == 2 * C + NODE &&
	   has(&r, 100, 100, 0) && has(&r, 8242, 50, 0),
	   "writing there again takes a fresh chunk");
	mos_ring_release(&r);
	ok(mos_ring_pool_bytes(p) == 0, "advance tests leave no storage");
	mos_ring_pool_destroy(p);
}

static void test_capacity(void)
{
	struct mos_ring_pool *p = mos_ring_pool_create(0);
	struct mos_ring r;

	mos_ring_init(&r, p, 8192, FIRST);
	put(&r, 0, 8192, 0);
	errno = 0;
	ok(mos_ring_set_capacity(&r, 4096) == -1 && errno == EINVAL &&
	   mos_ring_capacity(&r) == 8192, "shrinking below held bytes: EINVAL");
	ok(mos_ring_set_capacity(&r, 16384) == 0 &&
	   mos_ring_capacity(&r) == 16384 && has(&r, 0, 8192, 0),
	   "growing keeps the data");
	errno = 0;
	ok(mos_ring_set_capacity(&r, 8191) == -1 && errno == EINVAL &&
	   mos_ring_capacity(&r) == 16384,
	   "shrinking one byte below held: EINVAL");
	ok(mos_ring_set_capacity(&r, 8192) == 0 && has(&r, 0, 8192, 0),
	   "shrinking to exactly the held bytes keeps them all");
	ok(put(&r, 8192, 1, 0) == 1 && mos_ring_head(&r) == 1,
	   "shrunk ring advances at its new capacity");
	ok(mos_ring_set_capacity(&r, 16384) == 0 &&
	   mos_ring_plan(&r, 8193, 8191, NULL) == MOS_RING_FITS &&
	   put(&r, 8193, 8191, 0) == 8191 && mos_ring_head(&r) == 1 &&
	   has(&r, 1, 16383, 0), "grown ring holds twice as much");
	ok(put(&r, 16384, 100, 0) == 100 && mos_ring_head(&r) == 100 &&
	   mos_ring_pool_bytes(p) == 5 * C,
	   "grown ring advances at its new capacity");
	errno = 0;
	ok(mos_ring_set_capacity(&r, 16383) == -1 && errno == EINVAL &&
	   has(&r, 100, 16384, 0), "full ring cannot shrink");
	mos_ring_release(&r);

	/* slot array moves between inline and malloc'd with fragments held */
	mos_ring_init(&r, p, 65536, FIRST);
	put(&r, 0, 3000, 0);
	put(&r, 5000, 100, 1);
	ok(mos_ring_set_capacity(&r, 8192) == 0 && has(&r, 0, 3000, 0) &&
	   has(&r, 5000, 100, 1) && FRAGS_ARE(&r, 0, 3000, 5000, 100),
	   "shrink 65536 -> 8192 keeps in-order data and fragment");
	ok(put(&r, 3000, 5000, 0) == 5000 && has(&r, 5000, 100, 1) &&
	   FRAGS_ARE(&r, 0, 8000), "ring works after the shrink");
	ok(mos_ring_set_capacity(&r, 40000) == 0 && has(&r, 0, 5000, 0) &&
	   has(&r, 5000, 100, 1) && has(&r, 5100, 2900, 0),
	   "grow 8192 -> 40000 keeps every byte");
	ok(put(&r, 30000, 10, 2) == 0 && put(&r, 8000, 30000, 3) == 30000 &&
	   mos_ring_head(&r) == 0 && has(&r, 30000, 10, 2) &&
	   has(&r, 8000, 22000, 3) && has(&r, 30010, 7990, 3),
	   "grown ring fills to 38000 without advancing");
	ok(mos_ring_set_capacity(&r, 0) == -1 && errno == EINVAL,
	   "capacity 0 with data held: EINVAL");
	mos_ring_release(&r);
	ok(mos_ring_set_capacity(&r, 0) == 0 &&
	   mos_ring_plan(&r, mos_ring_contig_end(&r), 1, NULL) ==
	   MOS_RING_BEYOND && put(&r, 38000, 1, 0) == 0,
	   "capacity 0 on an empty ring: nothing can be stored");
	ok(mos_ring_pool_bytes(p) == 0, "capacity tests leave no storage");
	mos_ring_pool_destroy(p);
}

static void test_pool_limit(void)
{
	struct mos_ring_pool *p = mos_ring_pool_create(2 * C);
	struct mos_ring r, s;
	uint64_t off;
	int failed = 0, bad = 0;

	mos_ring_init(&r, p, 16384, FIRST);
	ok(put(&r, 0, C, 0) == (ssize_t)C, "first chunk within the limit");
	errno = 0;
	ok(put(&r, C, 2 * C, 1) == -1 && errno == ENOMEM,
	   "write needing two more chunks: ENOMEM");
	ok(mos_ring_contig_end(&r) == C && mos_ring_high_end(&r) == C &&
	   mos_ring_pool_bytes(p) == C && FRAGS_ARE(&r, 0, C) &&
	   mos_ring_read(&r, C, (uint8_t[1]){ 0 }, 1) == 0,
	   "failed write left nothing behind");
	ok(put(&r, C, C - 200, 0) == (ssize_t)C - 200 &&
	   mos_ring_pool_bytes(p) == 2 * C, "second chunk fills the limit");
	errno = 0;
	ok(put(&r, 2 * C - 100, 50, 1) == -1 && errno == ENOMEM &&
	   FRAGS_ARE(&r, 0, 2 * C - 200) && mos_ring_pool_bytes(p) == 2 * C,
	   "fragment needing a node beyond the limit: ENOMEM, list unchanged");
	ok(put(&r, 2 * C - 200, 200, 0) == 200 && has(&r, 0, 2 * C, 0),
	   "in-order write needs no node and fits");

	mos_ring_init(&s, p, 8192, FIRST);
	errno = 0;
	ok(put(&s, 0, 1, 0) == -1 && errno == ENOMEM,
	   "limit is shared by the rings of a pool");
	mos_ring_release(&r);
	ok(put(&s, 0, 1, 0) == 1, "released chunks serve another ring");
	mos_ring_release(&s);

	/* an advancing write may reuse the chunk it frees */
	mos_ring_pool_destroy(p);
	p = mos_ring_pool_create(C + NODE);
	mos_ring_init(&r, p, 8192, FIRST);
	put(&r, 0, 100, 0);
	ok(put(&r, 8242, 50, 0) == 0 && mos_ring_pool_bytes(p) == C + NODE,
	   "limit counted after the advance frees the old chunk");
	errno = 0;
	ok(put(&r, 8000, 10, 0) == -1 && errno == ENOMEM &&
	   mos_ring_head(&r) == 100 && FRAGS_ARE(&r, 8242, 50),
	   "failed write does not move anything");
	mos_ring_release(&r);

	/* streaming: an 8192 ring never needs more than three chunks */
	mos_ring_pool_destroy(p);
	p = mos_ring_pool_create(3 * C);
	mos_ring_init(&r, p, 8192, FIRST);
	for (off = 0; off < (1 << 20); off += 1 + off % 1499) {
		uint32_t len = 1 + off % 1499;

		if (put(&r, off, len, 0) != (ssize_t)len)
			failed++;
	}
	ok(!failed && mos_ring_contig_end(&r) == off &&
	   mos_ring_head(&r) == off - 8192 && has(&r, off - 8192, 8192, 0),
	   "1 MiB streamed through an 8192 ring within three chunks");
	mos_ring_release(&r);

	mos_ring_pool_destroy(p);
	p = mos_ring_pool_create(2 * C);
	mos_ring_init(&r, p, 8192, FIRST);
	for (off = 0; off < (1 << 16); off += 1000) {
		uint64_t h = mos_ring_head(&r), ce = mos_ring_contig_end(&r);

		errno = 0;
		if (put(&r, off, 1000, 0) == -1) {
			failed++;
			if (errno != ENOMEM || mos_ring_head(&r) != h ||
			    mos_ring_contig_end(&r) != ce ||
			    !has(&r, h, (uint32_t)(ce - h), 0))
				bad++;
			break;
		}
	}
	ok(failed == 1 && !bad,
	   "two chunks are too few for an 8192 window; failure is clean");
	mos_ring_release(&r);
	ok(mos_ring_pool_bytes(p) == 0, "limit tests leave no storage");
	mos_ring_pool_destroy(p);
}

/*
 * Offsets above 2^32.  An empty ring is described by its offsets alone
 * (that is what release leaves), so the test places one at `base` instead
 * of streaming 4 GiB through it.
 */
static void ring_at(struct mos_ring *r, struct mos_ring_pool *p,
		    uint32_t cap, uint64_t base)
{
	mos_ring_init_at(r, p, cap, FIRST, base);
}

/* Gaps (mtcp_peek(3)): holes given up, reads stopping at them, fragments
 * around them, and the head jump when no node can be had. */
static void test_gaps(void)
{
	struct mos_ring_pool *p = mos_ring_pool_create(0);
	struct mos_ring r;
	uint64_t lost = 0;
	uint8_t buf[64];
	bool jumped = true;

	mos_ring_init(&r, p, 8192, FIRST);
	put(&r, 0, 100, 1);
	put(&r, 300, 100, 1);           /* hole [100, 300) */
	put(&r, 600, 50, 1);            /* hole [400, 600) */
	ok(mos_ring_give_up(&r, 350, &lost, &jumped) == 100 && lost == 200 &&
	   !jumped && mos_ring_contig_end(&r) == 400,
	   "gaps: an ack inside a fragment gives up the hole below it and "
	   "takes the whole fragment in order");
	ok(mos_ring_lost_end(&r, 50) == 50 && mos_ring_lost_end(&r, 100) == 300 &&
	   mos_ring_lost_end(&r, 150) == 300 && mos_ring_lost_end(&r, 300) == 300,
	   "gaps: lost_end runs to the end of the gap, not past stored bytes");
	ok(mos_ring_read(&r, 50, buf, 64) == 50 &&
	   mos_ring_read(&r, 150, buf, 64) == 0 && has(&r, 300, 100, 1),
	   "gaps: a read stops at a gap and finds nothing inside it");
	ok(frags_are(&r, 3, (const uint64_t[]){ 0, 100, 300, 100, 600, 50 }),
	   "gaps: a gap is never a fragment");
	ok(mos_ring_give_up(&r, 500, &lost, NULL) == 0 && lost == 100 &&
	   mos_ring_contig_end(&r) == 500 &&
	   frags_are(&r, 3, (const uint64_t[]){ 0, 100, 300, 100, 600, 50 }),
	   "gaps: an ack inside a hole gives up only what it acknowledges");
	ok(mos_ring_give_up(&r, 480, &lost, NULL) == 0 && lost == 0,
	   "gaps: an old ack changes nothing");
	mos_ring_set_policy(&r, LAST);
	put(&r, 90, 410, 2);
	ok(has(&r, 90, 10, 2) && has(&r, 300, 100, 2) &&
	   mos_ring_read(&r, 100, buf, 64) == 0 &&
	   mos_ring_read(&r, 450, buf, 64) == 0,
	   "gaps: a late retransmission does not fill given-up bytes, even "
	   "under the last-wins policy");
	ok(mos_ring_give_up(&r, 600, &lost, NULL) == 50 && lost == 100 &&
	   mos_ring_contig_end(&r) == 650 && mos_ring_lost_end(&r, 400) == 600,
	   "gaps: a gap next to the previous one extends it");
	mos_ring_release(&r);
	ok(mos_ring_pool_bytes(p) == 0, "gaps: release frees gap nodes");
	mos_ring_pool_destroy(p);

	/* no room for a gap node: the head moves past the gap instead */
	p = mos_ring_pool_create(C + NODE);
	mos_ring_init(&r, p, 8192, FIRST);
	put(&r, 0, 100, 1);
	put(&r, 200, 100, 1);
	ok(mos_ring_pool_bytes(p) == C + NODE, "gaps: pool at its limit");
	ok(mos_ring_give_up(&r, 250, &lost, &jumped) == 100 && lost == 100 &&
	   jumped && mos_ring_head(&r) == 200 && mos_ring_contig_end(&r) == 300 &&
	   mos_ring_lost_end(&r, 0) == 200 && has(&r, 200, 100, 1),
	   "gaps: without a node the head jumps past the gap, bytes after it "
	   "kept");
	mos_ring_release(&r);
	mos_ring_pool_destroy(p);

	/* a gap longer than the ring: the next write moves the head over it */
	p = mos_ring_pool_create(0);
	mos_ring_init(&r, p, 4096, FIRST);
	put(&r, 0, 1000, 1);
	ok(mos_ring_give_up(&r, 100000, &lost, NULL) == 0 && lost == 99000 &&
	   has(&r, 0, 1000, 1), "gaps: a long gap keeps the bytes before it");
	ok(put(&r, 100000, 1000, 1) == 1000 &&
	   mos_ring_head(&r) == 101000 - 4096 &&
	   mos_ring_lost_end(&r, 0) == 100000 && has(&r, 100000, 1000, 1) &&
	   mos_ring_pool_bytes(p) == C + NODE,
	   "gaps: the write after a long gap moves the head past the old bytes "
	   "(the gap's rest is kept for peek)");
	mos_ring_release(&r);
	mos_ring_pool_destroy(p);
}

/* Memory follows unread data (libmos(3), Sides): a pool out of free chunks takes
 * back the storage of bytes every reader has read, oldest drained ring
 * first, before it grows; unread bytes are never taken. */
static void test_reclaim(void)
{
	struct mos_ring_pool *p = mos_ring_pool_create(0);
	struct mos_ring a, b, w;
	size_t size;
	uint8_t buf[8];

	mos_ring_init(&a, p, 65536, FIRST);
	mos_ring_init(&b, p, 65536, FIRST);
	mos_ring_init(&w, p, 65536, FIRST);
	/* fill the first slab: a and b take 8 chunks each */
	put(&a, 0, 8 * C, 1);
	put(&b, 0, 8 * C, 1);
	size = mos_ring_pool_size(p);
	ok(size == 16 * C && mos_ring_pool_bytes(p) == 16 * C,
	   "reclaim: two rings fill one slab");
	mos_ring_set_read_end(&b, 8 * C);       /* b drained first */
	mos_ring_set_read_end(&a, 3 * C + 5);   /* a read in part */
	ok(has(&a, 0, 8 * C, 1) && has(&b, 0, 8 * C, 1),
	   "reclaim: read bytes stay readable while nothing needs room");
	put(&w, 0, 2 * C, 1);
	ok(mos_ring_pool_size(p) == size && mos_ring_head(&b) == 8 * C &&
	   mos_ring_head(&a) == 0 && mos_ring_read(&b, 0, buf, 1) == 0 &&
	   has(&w, 0, 2 * C, 1),
	   "reclaim: a write takes back the oldest drained ring's storage "
	   "instead of growing the pool");
	put(&w, 2 * C, 10 * C, 1);
	ok(mos_ring_pool_size(p) > size && mos_ring_head(&a) == 3 * C + 5 &&
	   has(&a, 3 * C + 5, 5 * C - 5, 1),
	   "reclaim: then the partly read ring gives its read chunks, never "
	   "an unread byte, and the pool grows for the rest");
	mos_ring_release(&a);
	mos_ring_release(&b);
	mos_ring_set_read_end(&w, 12 * C);
	mos_ring_release(&w);
	ok(mos_ring_pool_bytes(p) == 0, "reclaim: release leaves nothing "
	   "held and unlinks drained rings");
	mos_ring_pool_destroy(p);
}

/* The owner of a ring is told when taking back read bytes left it holding
 * nothing, and may free it there: a drained flow then costs no ring. */
static struct mos_ring *emptied[4];
static int nemptied;

static void on_empty(void *owner, struct mos_ring *r)
{
	if (nemptied < 4 && owner == (void *)&emptied)
		emptied[nemptied++] = r;
	mos_ring_free(r);
}

static void test_reclaim_owner(void)
{
	struct mos_ring_pool *p = mos_ring_pool_create(0);
	struct mos_ring *a = mos_ring_new(p, 65536, FIRST, 100);
	struct mos_ring *b = mos_ring_new(p, 65536, FIRST, 0);
	struct mos_ring *o = mos_ring_new(p, 65536, FIRST, 0);
	struct mos_ring *w = mos_ring_new(p, 65536, FIRST, 0);

	nemptied = 0;
	mos_ring_set_owner(a, on_empty, &emptied);
	mos_ring_set_owner(b, on_empty, &emptied);
	mos_ring_set_owner(o, on_empty, &emptied);
	put(a, 100, 4 * C, 1);
	put(b, 0, 6 * C, 1);
	put(o, 0, 3 * C, 1);
	put(o, 5 * C, 100, 1);		/* a fragment: o never empties */
	mos_ring_set_read_end(a, 100 + 4 * C);	/* all read */
	mos_ring_set_read_end(b, 2 * C);	/* a third read */
	mos_ring_set_read_end(o, 3 * C);	/* in-order part read */
	ok(nemptied == 0 && has(a, 100, 4 * C, 1),
	   "reclaim owner: nothing is said while nothing needs room");
	put(w, 0, 3 * C, 1);
	put(w, 3 * C, 6 * C, 1);
	ok(nemptied == 1 && emptied[0] == a,
	   "reclaim owner: the drained ring is handed to its owner once its "
	   "last chunk went back, and only that one");
	ok(mos_ring_head(b) == 2 * C && has(b, 2 * C, 4 * C, 1) &&
	   mos_ring_contig_end(o) == 3 * C && has(o, 5 * C, 100, 1),
	   "reclaim owner: a ring with unread bytes or a fragment stays");
	mos_ring_free(b);
	mos_ring_free(o);
	mos_ring_set_read_end(w, 9 * C);
	mos_ring_free(w);
	ok(mos_ring_pool_bytes(p) == 0,
	   "reclaim owner: nothing left held after the rest are freed");
	mos_ring_pool_destroy(p);
}

static void test_large_offsets(void)
{
	struct mos_ring_pool *p = mos_ring_pool_create(0);
	const uint64_t base = 5000000000ull, t32 = 1ull << 32;
	struct mos_ring r;
	uint64_t nh;

	ring_at(&r, p, 8192, base);
	ok(put(&r, base, 100, 0) == 100 && has(&r, base, 100, 0) &&
	   mos_ring_pool_bytes(p) == C, "write at 5e9");
	ok(mos_ring_plan(&r, base + 100 + t32, 10, NULL) == MOS_RING_BEYOND &&
	   put(&r, base + 100 + t32, 10, 0) == 0 &&
	   mos_ring_high_end(&r) == base + 100,
	   "2^32 past contig_end is BEYOND, not a wrapped FITS");
	ok(mos_ring_plan(&r, base - t32, 10, NULL) == MOS_RING_OLD &&
	   mos_ring_overlaps(&r, base - t32, 10) &&
	   put(&r, base - t32, 10, 1) == 0 && has(&r, base, 100, 0),
	   "2^32 below head is OLD");
	ok(mos_ring_plan(&r, base + 7950, 300, &nh) == MOS_RING_ADVANCE &&
	   nh == base + 58, "ADVANCE new_head is a 64-bit offset");
	ok(put(&r, base + 7950, 300, 0) == 0 &&
	   mos_ring_head(&r) == base + 58 &&
	   FRAGS_ARE(&r, base + 58, 42, base + 7950, 300) &&
	   has(&r, base + 58, 42, 0) && has(&r, base + 7950, 300, 0),
	   "advance near 5e9");
	mos_ring_release(&r);

	ring_at(&r, p, 8192, t32 - 50);
	ok(put(&r, t32 - 50, 100, 0) == 100 && put(&r, t32 + 100, 10, 0) == 0 &&
	   FRAGS_ARE(&r, t32 - 50, 100, t32 + 100, 10) &&
	   has(&r, t32 - 50, 100, 0) && has(&r, t32 + 100, 10, 0),
	   "data and fragments across 2^32");
	ok(put(&r, t32 + 50, 50, 0) == 60 &&
	   mos_ring_contig_end(&r) == t32 + 110,
	   "hole across 2^32 fills");
	mos_ring_release(&r);
	ok(mos_ring_pool_bytes(p) == 0, "large offset tests leave no storage");
	mos_ring_pool_destroy(p);
}

/* ---- differential test against a byte-array model ---------------------- */

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

struct model {
	uint64_t base;          /* stream offset of index 0 */
	size_t size;
	uint8_t *data, *stored, *gap;
	uint64_t head, contig, high;
	uint32_t cap;
	int policy;
};

#define AT(m, o) ((o) - (m)->base)

static int model_plan(const struct model *m, uint64_t off, uint32_t len,
		      uint64_t *nh)
{
	uint64_t end = off + len;

	*nh = m->head;
	if (len == 0 ||
	    (end <= m->contig && (m->policy == FIRST || end <= m->head)))
		return MOS_RING_OLD;
	if (end > m->contig + m->cap)
		return MOS_RING_BEYOND;
	if (end > m->head + m->cap) {
		*nh = end - m->cap;
		return MOS_RING_ADVANCE;
	}
	return MOS_RING_FITS;
}

static uint64_t model_write(struct model *m, uint64_t off, const uint8_t *d,
			    uint32_t len)
{
	uint64_t nh, b, before = m->contig;
	int plan = model_plan(m, off, len, &nh);

	if (plan == MOS_RING_OLD || plan == MOS_RING_BEYOND)
		return 0;
	for (b = m->head; b < nh; b++)
		m->stored[AT(m, b)] = m->gap[AT(m, b)] = 0;
	m->head = nh;
	for (b = off; b < off + len; b++) {
		if (b < m->head || m->gap[AT(m, b)])
			continue;
		if (m->policy == LAST || !m->stored[AT(m, b)])
			m->data[AT(m, b)] = d[b - off];
		m->stored[AT(m, b)] = 1;
	}
	while (m->stored[AT(m, m->contig)])
		m->contig++;
	if (off + len > m->high)
		m->high = off + len;
	if (m->contig > m->high)
		m->high = m->contig;
	return m->contig - before;
}

/* Give up the holes below upto: each hole byte becomes a gap byte, and a
 * fragment reached joins the in-order data whole. */
static uint64_t model_give_up(struct model *m, uint64_t upto, uint64_t *lost)
{
	uint64_t grown = 0;

	*lost = 0;
	while (m->contig < upto || (*lost && m->stored[AT(m, m->contig)])) {
		if (m->stored[AT(m, m->contig)]) {
			grown++;
		} else {
			m->gap[AT(m, m->contig)] = 1;
			++*lost;
		}
		m->contig++;
	}
	if (m->contig > m->high)
		m->high = m->contig;
	return grown;
}

static uint64_t model_lost_end(const struct model *m, uint64_t off)
{
	uint64_t l = off > m->head ? off : m->head;

	while (l < m->contig && m->gap[AT(m, l)])
		l++;
	return l;
}

/* End of the highest stored byte, or the head. */
static uint64_t model_stored_end(const struct model *m)
{
	uint64_t b = m->high;

	while (b > m->head && !m->stored[AT(m, b - 1)])
		b--;
	return b;
}

static bool model_overlaps(const struct model *m, uint64_t off, uint32_t len)
{
	uint64_t b;

	for (b = off; b < off + len; b++)
		if (b < m->contig || (b >= m->head && m->stored[AT(m, b)]))
			return true;
	return false;
}

/* Pool bytes the model's state needs: chunks with a stored byte, nodes. */
static size_t model_bytes(const struct model *m, size_t *nodes)
{
	uint64_t b, last = UINT64_MAX;
	size_t chunks = 0;

	*nodes = 0;
	for (b = m->head; b < m->high; b++) {
		if (!m->stored[AT(m, b)])
			continue;
		if (b / C != last) {
			chunks++;
			last = b / C;
		}
		if (b > m->contig && !m->stored[AT(m, b - 1)])
			(*nodes)++;
	}
	for (b = m->head; b < m->contig; b++)	/* one node per gap */
		if (m->gap[AT(m, b)] && (b == m->head || !m->gap[AT(m, b - 1)]))
			(*nodes)++;
	return chunks * C + *nodes * NODE;
}

/* Compare everything observable; returns a description of the first
 * difference or NULL. */
static const char *compare(const struct mos_ring *r, const struct model *m,
			   struct mos_ring_pool *p, uint8_t *buf)
{
	struct tcp_ring_fragment f[64];
	uint64_t b, start;
	int total, n, i = 0;
	size_t nodes;

	if (mos_ring_head(r) != m->head)
		return "head";
	if (mos_ring_contig_end(r) != m->contig)
		return "contig_end";
	if (mos_ring_high_end(r) != m->high)
		return "high_end";
	if (mos_ring_capacity(r) != m->cap)
		return "capacity";
	if (mos_ring_pool_bytes(p) != model_bytes(m, &nodes))
		return "pool bytes";
	n = mos_ring_fragments(r, f, 64, &total);
	if (n != total)
		return "more than 64 fragments";
	for (b = m->head; b < m->high; ) {
		if (!m->stored[AT(m, b)]) {
			b++;
			continue;
		}
		start = b;
		while (b < m->high && m->stored[AT(m, b)])
			b++;
		if (i >= n || f[i].offset != start || f[i].len != b - start)
			return "fragment list";
		if (mos_ring_read(r, start, buf, b - start) != b - start ||
		    memcmp(buf, m->data + AT(m, start), b - start))
			return "stored bytes";
		i++;
	}
	if (i != n)
		return "fragment count";
	return NULL;
}

static const uint32_t caps[] = {
	1, 100, 1000, 4095, 4096, 4097, 8192, 12287, 12288, 12289, 16384, 20000
};

#define NCAPS (sizeof(caps) / sizeof(caps[0]))

static uint64_t pick_offset(const struct model *m, uint32_t len)
{
	uint64_t o;

	switch (rnd_below(10)) {
	case 0: case 1: case 2: case 3:         /* around the in-order edge */
		o = m->contig + rnd_below(1200);
		return o >= len ? o - len : 0;
	case 4: case 5:                         /* anywhere in the window */
		o = m->head + rnd_below(m->cap + 400ull);
		return o >= 200 ? o - 200 : 0;
	case 6: case 7:                         /* at the far edge */
		o = m->contig + m->cap + rnd_below(600);
		return o >= len + 300ull ? o - len - 300 : 0;
	case 8:                                 /* old data */
		o = rnd_below(3000);
		return m->head > o ? m->head - o : 0;
	default:                                /* around high_end */
		o = m->high + rnd_below(600);
		return o >= 300 ? o - 300 : 0;
	}
}

static void differential(uint64_t seed, uint64_t base, size_t limit, int ops)
{
	struct mos_ring_pool *p = mos_ring_pool_create(limit);
	struct model m = { .base = base, .size = 8u << 20 };
	struct model save;
	uint8_t *d = malloc(65536), *buf = malloc(65536);
	uint8_t *sd = malloc(65536), *ss = malloc(65536);
	const char *why = NULL;
	struct mos_ring r;
	int i, writes = 0, nomem = 0, advances = 0, beyond = 0;
	int capchanges = 0, giveups = 0;

	rng = seed;
	m.data = malloc(m.size);
	m.stored = calloc(m.size, 1);
	m.gap = calloc(m.size, 1);
	m.cap = caps[rnd_below(NCAPS)];
	m.policy = FIRST;
	ring_at(&r, p, m.cap, base);
	m.head = m.contig = m.high = base;

	for (i = 0; i < ops && !why; i++) {
		uint64_t k = rnd_below(200), off, nh, ew;
		uint32_t len, maxlen, j;
		int plan, expect_fail;
		size_t before_nodes, need, after_nodes, span;
		ssize_t got;
		bool ov;

		if (m.contig - base + 3 * 65536 > m.size)
			break;
		if (k < 2) {                    /* capacity change */
			uint32_t c = caps[rnd_below(NCAPS)];
			bool inval = c < model_stored_end(&m) - m.head;

			errno = 0;
			if ((mos_ring_set_capacity(&r, c) == -1) != inval ||
			    (inval && errno != EINVAL))
				why = "set_capacity result";
			if (!inval) {
				m.cap = c;
				capchanges++;
			}
		} else if (k < 3) {             /* release */
			mos_ring_release(&r);
			memset(m.stored + AT(&m, m.head), 0, m.high - m.head);
			memset(m.gap + AT(&m, m.head), 0, m.high - m.head);
			m.head = m.high = m.contig;
		} else if (k < 12) {
			m.policy = rnd_below(2) ? LAST : FIRST;
			mos_ring_set_policy(&r, m.policy);
		} else if (k < 24 && !limit) {  /* give up holes */
			uint64_t upto = m.contig + rnd_below(k < 16 ? 3000
						: 3ull * m.cap + 3000);
			uint64_t lost, mlost, grown;

			grown = mos_ring_give_up(&r, upto, &lost, NULL);
			if (grown != model_give_up(&m, upto, &mlost) ||
			    lost != mlost)
				why = "give_up result";
			giveups++;
		} else {
			maxlen = m.cap < 3000 ? m.cap + 10 : 3000;
			len = 1 + (uint32_t)rnd_below(maxlen);
			off = pick_offset(&m, len);
			for (j = 0; j < len; j++)
				d[j] = (uint8_t)rnd();
			plan = mos_ring_plan(&r, off, len, &nh);
			if (plan != model_plan(&m, off, len, &ew) || nh != ew)
				why = "plan";
			ov = mos_ring_overlaps(&r, off, len);
			if (ov != model_overlaps(&m, off, len))
				why = "overlaps";
			advances += plan == MOS_RING_ADVANCE;
			beyond += plan == MOS_RING_BEYOND;

			/* apply to the model, keeping an undo copy */
			save = m;
			model_bytes(&m, &before_nodes);
			span = off + len > m.high ? off + len : m.high;
			span -= m.head;
			/* an undo copy is needed only where a write can fail;
			 * give-ups (unlimited pools only) make spans long */
			if (limit) {
				memcpy(sd, m.data + AT(&m, m.head), span);
				memcpy(ss, m.stored + AT(&m, m.head), span);
			}
			ew = model_write(&m, off, d, len);
			need = model_bytes(&m, &after_nodes);
			if (after_nodes < before_nodes)
				need += (before_nodes - after_nodes) * NODE;
			expect_fail = limit && need > limit;

			errno = 0;
			got = mos_ring_write(&r, off, d, len);
			writes++;
			if (expect_fail) {
				if (got != -1 || errno != ENOMEM)
					why = "write should fail with ENOMEM";
				nomem++;
				memcpy(save.data + AT(&save, save.head), sd,
				       span);
				memcpy(save.stored + AT(&save, save.head), ss,
				       span);
				m = save;
			} else if (got != (ssize_t)ew) {
				why = got < 0 ? "write failed" : "write result";
			}
		}
		if (!why)
			why = compare(&r, &m, p, buf);
		if (!why && m.high > m.head) {  /* a random read */
			uint64_t o = m.head + rnd_below(m.high - m.head);
			size_t want = 1 + rnd_below(5000), n, e = 0;

			n = mos_ring_read(&r, o, buf, want);
			while (e < want && m.stored[AT(&m, o + e)])
				e++;
			if (n != e || memcmp(buf, m.data + AT(&m, o), n))
				why = "random read";
			o = o > 500 ? o - 500 : 0;
			if (mos_ring_lost_end(&r, o) != model_lost_end(&m, o))
				why = "lost_end";
		}
	}
	mos_ring_release(&r);
	if (!why && mos_ring_pool_bytes(p) != 0)
		why = "release left pool bytes";
	ok(!why, "differential seed %llu base %llu limit %zu: %d ops, %d writes"
	   " (%d advance, %d beyond, %d enomem, %d resizes, %d give-ups),"
	   " contig_end +%llu%s%s",
	   (unsigned long long)seed, (unsigned long long)base, limit, i,
	   writes, advances, beyond, nomem, capchanges, giveups,
	   (unsigned long long)(m.contig - base), why ? ": mismatch in " : "",
	   why ? why : "");
	if (limit)
		ok(nomem > 0, "differential seed %llu hit the pool limit",
		   (unsigned long long)seed);
	free(m.data);
	free(m.stored);
	free(m.gap);
	free(d);
	free(buf);
	free(sd);
	free(ss);
	mos_ring_pool_destroy(p);
}

int main(void)
{
	const uint64_t t32 = 1ull << 32;

	test_empty_and_in_order();
	test_out_of_order();
	test_policies();
	test_plan_and_advance();
	test_capacity();
	test_pool_limit();
	test_large_offsets();
	test_gaps();
	test_reclaim();
	test_reclaim_owner();
	differential(1, 0, 0, 4000);
	differential(2, 0, 3 * C + 2 * NODE, 4000);
	differential(3, t32 - 30000, 0, 4000);
	differential(4, t32 - 20000, 4 * C + NODE, 4000);
	differential(5, 1ull << 40, 2 * C + 3 * NODE, 4000);
	differential(6, 123456789, 0, 4000);
	/* chunk numbers above 2^32 */
	differential(7, (1ull << 62) + 777, 0, 3000);
	return tap_done();
}
