/*
 * fuzz_ring.c -- the receive ring (lib/ring_buf.h) against a reference
 * model of the byte stream.
 *
 * Two rings share one pool (so that one ring's writes may take back the
 * read bytes of the other).  For each, the model keeps, per stream
 * offset, whether the byte is stored (and its value), given up (a gap),
 * dropped (below the head) or not received, and a reader that reads the
 * ring as mtcp_peek does.  The ring's own plan for a write (mos_ring_plan)
 * says where the head goes and whether anything is stored; everything
 * else is the model's: which bytes are kept under either overlap policy,
 * where the in-order end is, what a read returns, which pieces
 * mos_ring_fragments lists, and that a reader's delivered plus lost bytes
 * come to the stream length once every hole is given up.
 *
 * Input: a byte of set-up (pool limit, capacities, policies), then
 * operations of a few bytes each until the input ends.
 */
#include <errno.h>
#include <string.h>

#include "ring_buf.h"
#include "fuzz.h"

#define MAXOFF (1u << 18)	/* the model covers offsets [0, MAXOFF) */
#define NRING 2

enum { UNSET = 0, SET, GAP, DROPPED };

struct model {
	struct mos_ring *r;
	uint8_t *st, *val;
	uint8_t *ever;		/* a byte was ever stored at this offset */
	uint32_t hi;		/* offsets at or above are UNSET and not ever */
	uint64_t head, ce;	/* as the model expects */
	uint64_t rd, delivered, lost, distinct;
	int policy;
};

static uint8_t st_mem[NRING][MAXOFF], val_mem[NRING][MAXOFF],
	ever_mem[NRING][MAXOFF];

static const uint32_t caps[] = { 1, 1000, 1024, 4096, 4097, 8192, 12288,
				 16384, 65536, 100000 };

static uint8_t byte_at(uint64_t off, unsigned version)
{
	return (uint8_t)(off * 2654435761u >> 13) ^ (uint8_t)(version * 0x5b);
}

/* Offsets below the ring's head are gone: the head only moves up, never
 * past the in-order end, and only over bytes some write pushed out
 * (`allowed`) or that the reader has read. */
static void sync_head(struct model *m, uint64_t allowed)
{
	uint64_t h = mos_ring_head(m->r), o;
	uint64_t rd_end = m->rd < m->ce ? m->rd : m->ce;
	uint64_t limit = allowed > rd_end ? allowed : rd_end;

	FUZZ_CHECK(h >= m->head, "head went back %llu -> %llu",
		   (unsigned long long)m->head, (unsigned long long)h);
	FUZZ_CHECK(h <= m->ce, "head %llu past in-order end %llu",
		   (unsigned long long)h, (unsigned long long)m->ce);
	FUZZ_CHECK(h <= limit || h == m->head,
		   "head moved to %llu over unread bytes (allowed %llu)",
		   (unsigned long long)h, (unsigned long long)limit);
	for (o = m->head; o < h && o < MAXOFF; o++)
		m->st[o] = DROPPED;
	m->head = h;
}

static void advance_ce(struct model *m)
{
	while (m->ce < MAXOFF && (m->st[m->ce] == SET || m->st[m->ce] == GAP))
		m->ce++;
}

static void check_ends(struct model *m)
{
	FUZZ_CHECK(mos_ring_contig_end(m->r) == m->ce,
		   "contig_end %llu, model %llu",
		   (unsigned long long)mos_ring_contig_end(m->r),
		   (unsigned long long)m->ce);
	FUZZ_CHECK(mos_ring_high_end(m->r) >= m->ce, "high_end below ce");
}

static void sync_all(struct model *ms, uint64_t *allowed)
{
	for (int i = 0; i < NRING; i++)
		sync_head(&ms[i], allowed[i]);
}

static void op_write(struct model *ms, struct model *m, struct fuzz_in *in)
{
	int16_t delta = (int16_t)fuzz_u16(in);
	uint32_t len = fuzz_u16(in) % 9000u;
	unsigned version = fuzz_u8(in) & 3u;
	uint64_t off, new_head, o, allowed[NRING];
	uint8_t *buf;
	ssize_t grown;
	int plan, i;

	off = (int64_t)m->ce + delta < 0 ? 0 : (uint64_t)((int64_t)m->ce + delta);
	if (off + len > MAXOFF)
		return;
	buf = malloc(len ? len : 1);
	for (o = 0; o < len; o++)
		buf[o] = byte_at(off + o, version);
	plan = mos_ring_plan(m->r, off, len, &new_head);
	for (i = 0; i < NRING; i++)
		allowed[i] = ms[i].head;
	errno = 0;
	grown = mos_ring_write(m->r, off, buf, len);
	if (grown < 0) {
		FUZZ_CHECK(errno == ENOMEM, "write failed with errno %d", errno);
		free(buf);
		sync_all(ms, allowed);	/* nothing written, nothing lost */
		return;
	}
	if (plan == MOS_RING_ADVANCE)
		allowed[m - ms] = new_head;
	sync_all(ms, allowed);
	FUZZ_CHECK(plan == MOS_RING_ADVANCE || m->head <= new_head ||
			   m->head <= (m->rd < m->ce ? m->rd : m->ce),
		   "head %llu, planned %llu", (unsigned long long)m->head,
		   (unsigned long long)new_head);
	if (plan == MOS_RING_FITS || plan == MOS_RING_ADVANCE ||
	    (plan == MOS_RING_OLD && m->policy == MOS_OVERLAP_POLICY_LAST)) {
		uint64_t before = m->ce;

		for (o = off < m->head ? m->head : off; o < off + len; o++) {
			uint8_t *s = &m->st[o];

			if (*s == UNSET ||
			    (*s == SET && m->policy == MOS_OVERLAP_POLICY_LAST)) {
				*s = SET;
				m->val[o] = buf[o - off];
				if (!m->ever[o]) {
					m->ever[o] = 1;
					m->distinct++;
				}
			}
		}
		if (off + len > m->hi)
			m->hi = (uint32_t)(off + len);
		advance_ce(m);
		FUZZ_CHECK((uint64_t)grown == m->ce - before,
			   "write grew %zd, model %llu", grown,
			   (unsigned long long)(m->ce - before));
	} else {
		FUZZ_CHECK(grown == 0, "plan %d but grew %zd", plan, grown);
	}
	check_ends(m);
	free(buf);
}

/* The bytes of [off, off + n) were returned by a read: each one stored,
 * with the value the model kept. */
static void check_bytes(const struct model *m, uint64_t off,
			const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(off + i < MAXOFF && m->st[off + i] == SET,
			   "read byte at %llu not stored (state %d)",
			   (unsigned long long)(off + i),
			   off + i < MAXOFF ? m->st[off + i] : -1);
		FUZZ_CHECK(b[i] == m->val[off + i],
			   "byte at %llu is %02x, model %02x",
			   (unsigned long long)(off + i), b[i],
			   m->val[off + i]);
	}
}

static void op_read(struct model *m, struct fuzz_in *in)
{
	uint64_t off = m->head + fuzz_u16(in);
	size_t want = fuzz_u16(in) % 10000u + 1, n;
	uint8_t *b = malloc(want);

	n = mos_ring_read(m->r, off, b, want);
	check_bytes(m, off, b, n);
	if (off < MAXOFF && m->st[off] == SET && off >= m->head)
		FUZZ_CHECK(n > 0, "stored byte at %llu not readable",
			   (unsigned long long)off);
	free(b);
}

/* What mtcp_peek does: report lost bytes first, then read in order. */
static void op_drain(struct model *m, size_t want)
{
	uint64_t lost_end = mos_ring_lost_end(m->r, m->rd), o;
	uint8_t *b;
	size_t n;

	if (lost_end > m->rd) {
		for (o = m->rd; o < lost_end && o < MAXOFF; o++)
			FUZZ_CHECK(m->st[o] == GAP || m->st[o] == DROPPED,
				   "byte %llu reported lost in state %d",
				   (unsigned long long)o, m->st[o]);
		m->lost += lost_end - m->rd;
		m->rd = lost_end;
		mos_ring_set_read_end(m->r, m->rd);
		return;
	}
	if (m->rd >= m->ce)
		return;
	if (want > m->ce - m->rd)
		want = (size_t)(m->ce - m->rd);
	b = malloc(want);
	n = mos_ring_read(m->r, m->rd, b, want);
	FUZZ_CHECK(n > 0, "in-order byte %llu unreadable",
		   (unsigned long long)m->rd);
	check_bytes(m, m->rd, b, n);
	m->delivered += n;
	m->rd += n;
	mos_ring_set_read_end(m->r, m->rd);
	free(b);
}

static void op_give_up(struct model *ms, struct model *m, uint64_t upto)
{
	uint64_t gap = 0, o, before_ce = m->ce, allowed[NRING], lostm = 0;
	bool jumped = false;

	if (upto > MAXOFF)
		upto = MAXOFF;
	(void)mos_ring_give_up(m->r, upto, &gap, &jumped);
	for (o = m->ce; o < upto; o++)
		if (m->st[o] == UNSET) {
			m->st[o] = GAP;
			lostm++;
		}
	if (upto > m->hi)
		m->hi = (uint32_t)upto;
	advance_ce(m);
	for (int i = 0; i < NRING; i++)
		allowed[i] = ms[i].head;
	if (jumped)
		allowed[m - ms] = m->ce;
	sync_all(ms, allowed);
	FUZZ_CHECK(gap == lostm || before_ce >= upto,
		   "gave up %llu bytes, model %llu", (unsigned long long)gap,
		   (unsigned long long)lostm);
}

static void op_fragments(const struct model *m)
{
	struct tcp_ring_fragment fr[64];
	int total = 0, n = mos_ring_fragments(m->r, fr, 64, &total), k = 0;
	uint64_t o = m->head;

	FUZZ_CHECK(n == (total < 64 ? total : 64), "%d of %d", n, total);
	/* the model's runs of stored bytes, in order */
	while (o < m->hi && k < n) {
		uint64_t s;

		while (o < m->hi && m->st[o] != SET)
			o++;
		if (o >= m->hi)
			break;
		s = o;
		/* a piece ends at a gap, at the in-order end, or at a hole */
		while (o < m->hi && m->st[o] == SET && (o != m->ce || o == s))
			o++;
		FUZZ_CHECK(fr[k].offset == s && fr[k].len == o - s,
			   "piece %d is %llu+%u, model %llu+%llu", k,
			   (unsigned long long)fr[k].offset, fr[k].len,
			   (unsigned long long)s, (unsigned long long)(o - s));
		k++;
	}
	if (n < 64) {
		while (o < m->hi && m->st[o] != SET)
			o++;
		FUZZ_CHECK(k == n && o >= m->hi, "%d pieces, model more", n);
	}
}

static void op_release(struct model *ms, struct model *m)
{
	uint64_t o, allowed[NRING];

	mos_ring_release(m->r);
	for (o = m->ce; o < m->hi; o++)
		if (m->st[o] == SET)
			m->st[o] = UNSET;
	for (int i = 0; i < NRING; i++)
		allowed[i] = ms[i].head;
	allowed[m - ms] = m->ce;
	sync_all(ms, allowed);
	FUZZ_CHECK(m->head == m->ce, "release left head %llu below %llu",
		   (unsigned long long)m->head, (unsigned long long)m->ce);
	FUZZ_CHECK(mos_ring_high_end(m->r) == m->ce, "release kept fragments");
}

static void op_capacity(struct model *m, uint32_t cap)
{
	uint64_t stored_end = m->head, o;

	/* the end of the highest stored byte: a trailing gap holds none */
	for (o = m->head; o < m->hi; o++)
		if (m->st[o] == SET)
			stored_end = o + 1;
	if (mos_ring_set_capacity(m->r, cap) == 0)
		FUZZ_CHECK(stored_end - m->head <= cap,
			   "capacity %u taken under %llu stored bytes", cap,
			   (unsigned long long)(stored_end - m->head));
	else
		FUZZ_CHECK(errno == ENOMEM || stored_end - m->head > cap,
			   "capacity %u refused (errno %d)", cap, errno);
	FUZZ_CHECK(mos_ring_capacity(m->r) >= 1, "capacity 0");
}

/* At the end every hole is given up and everything read: each byte of
 * the stream was delivered or reported lost, exactly once. */
static void finish(struct model *ms, struct model *m)
{
	op_give_up(ms, m, mos_ring_high_end(m->r));
	for (int guard = 0; m->rd < m->ce && guard < 1000000; guard++)
		op_drain(m, 65536);
	FUZZ_CHECK(m->delivered + m->lost == m->ce,
		   "delivered %llu + lost %llu != stream length %llu",
		   (unsigned long long)m->delivered,
		   (unsigned long long)m->lost, (unsigned long long)m->ce);
	FUZZ_CHECK(m->delivered <= m->distinct,
		   "delivered %llu, only %llu distinct bytes written",
		   (unsigned long long)m->delivered,
		   (unsigned long long)m->distinct);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t limits[] = { 0, 16384, 65536, 1u << 20 };
	struct fuzz_in in = { data, size };
	struct model ms[NRING];
	struct mos_ring_pool *pool;
	uint8_t setup = fuzz_u8(&in);
	int i;

	pool = mos_ring_pool_create(limits[setup & 3]);
	if (!pool)
		return 0;
	for (i = 0; i < NRING; i++) {
		struct model *m = &ms[i];
		uint8_t b = fuzz_u8(&in);

		memset(m, 0, sizeof(*m));
		m->st = st_mem[i];
		m->val = val_mem[i];
		m->ever = ever_mem[i];
		m->policy = (b >> 4) & 1;
		m->r = mos_ring_new(pool, caps[(b & 15) % 10], m->policy, 0);
		FUZZ_CHECK(m->r, "mos_ring_new failed");
	}
	while (in.n) {
		uint8_t op = fuzz_u8(&in);
		struct model *m = &ms[op >> 7];

		switch (op & 7) {
		case 0:
		case 1:
			op_write(ms, m, &in);
			break;
		case 2:
			op_read(m, &in);
			break;
		case 3:
			op_drain(m, fuzz_u16(&in) % 9000u + 1);
			break;
		case 4:
			op_give_up(ms, m, m->ce + fuzz_u16(&in));
			break;
		case 5:
			op_capacity(m, caps[fuzz_u8(&in) % 10]);
			break;
		case 6:
			if (op & 8) {
				op_release(ms, m);
			} else {
				m->policy = (op >> 4) & 1;
				mos_ring_set_policy(m->r, m->policy);
			}
			break;
		default:
			op_fragments(m);
			break;
		}
		for (i = 0; i < NRING; i++)
			check_ends(&ms[i]);
	}
	for (i = 0; i < NRING; i++)
		finish(ms, &ms[i]);
	for (i = 0; i < NRING; i++) {
		mos_ring_free(ms[i].r);
		memset(ms[i].st, 0, ms[i].hi);
		memset(ms[i].val, 0, ms[i].hi);
		memset(ms[i].ever, 0, ms[i].hi);
	}
	FUZZ_CHECK(mos_ring_pool_bytes(pool) == 0,
		   "%zu bytes held after every ring was freed",
		   mos_ring_pool_bytes(pool));
	mos_ring_pool_destroy(pool);
	return 0;
}
