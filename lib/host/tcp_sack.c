/*
 * tcp_sack.c -- the sender's SACK scoreboard (tcp_sack.h).
 */
#include <string.h>

#include "../pkt_parse.h"
#include "../tcp_seq.h"
#include "tcb.h"
#include "tcp_sack.h"

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void sb_remove(struct mos_sack_sb *sb, int i)
{
	memmove(&sb->s[i], &sb->s[i + 1], (size_t)(sb->n - i - 1) * 4);
	memmove(&sb->e[i], &sb->e[i + 1], (size_t)(sb->n - i - 1) * 4);
	sb->n--;
}

/* Merge [s, e) into the sorted ranges; true when it added bytes. */
static bool sb_add(struct mos_sack_sb *sb, uint32_t s, uint32_t e)
{
	int i = 0;

	while (i < sb->n && SEQ_LT(sb->e[i], s))
		i++;
	if (i < sb->n && SEQ_LEQ(sb->s[i], e)) {
		bool grew = SEQ_LT(s, sb->s[i]) || SEQ_GT(e, sb->e[i]);

		if (SEQ_LT(s, sb->s[i]))
			sb->s[i] = s;
		if (SEQ_GT(e, sb->e[i]))
			sb->e[i] = e;
		while (i + 1 < sb->n && SEQ_LEQ(sb->s[i + 1], sb->e[i])) {
			if (SEQ_GT(sb->e[i + 1], sb->e[i]))
				sb->e[i] = sb->e[i + 1];
			sb_remove(sb, i + 1);
		}
		return grew;
	}
	if (sb->n == MOS_SACK_SB) {
		/* full: the highest range goes (the lowest matter most for
		 * the next retransmissions) */
		if (i == sb->n)
			return false;
		sb->n--;
	}
	memmove(&sb->s[i + 1], &sb->s[i], (size_t)(sb->n - i) * 4);
	memmove(&sb->e[i + 1], &sb->e[i], (size_t)(sb->n - i) * 4);
	sb->s[i] = s;
	sb->e[i] = e;
	sb->n++;
	return true;
}

bool mos_sack_input(struct mos_tcb *t, const struct mos_pkt *p)
{
	const uint8_t *o = p->frame + p->l4_off + 20;
	int n = ((p->frame[p->l4_off + 12] >> 4) * 4) - 20;
	struct mos_sack_sb *sb = &t->sack;
	bool news = false;

	for (int i = 0; i < n;) {
		if (o[i] == 0)
			break;
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= n || o[i + 1] < 2 || i + o[i + 1] > n)
			break;
		if (o[i] == 5) {
			for (int k = 2; k + 8 <= o[i + 1]; k += 8) {
				uint32_t s = get32(o + i + k);
				uint32_t e = get32(o + i + k + 4);

				/* RFC 2018 4: only blocks above SND.UNA
				 * and within what was sent; no D-SACK */
				if (!SEQ_LT(s, e) ||
				    SEQ_LEQ(e, t->snd_una) ||
				    SEQ_GT(e, t->snd_max))
					continue;
				if (SEQ_LT(s, t->snd_una))
					s = t->snd_una;
				if (sb_add(sb, s, e))
					news = true;
			}
		}
		i += o[i + 1];
	}
	return news;
}

void mos_sack_prune(struct mos_tcb *t)
{
	struct mos_sack_sb *sb = &t->sack;

	while (sb->n && SEQ_LEQ(sb->e[0], t->snd_una))
		sb_remove(sb, 0);
	if (sb->n && SEQ_LT(sb->s[0], t->snd_una))
		sb->s[0] = t->snd_una;
	if (SEQ_LT(sb->rxt_next, t->snd_una))
		sb->rxt_next = t->snd_una;
}

void mos_sack_clear(struct mos_tcb *t)
{
	t->sack.n = 0;
	t->sack.rxt_next = t->snd_una;
}

bool mos_sack_next_hole(const struct mos_tcb *t, uint32_t from,
			uint32_t *start, uint32_t *len)
{
	const struct mos_sack_sb *sb = &t->sack;
	uint32_t h = SEQ_LT(from, t->snd_una) ? t->snd_una : from;

	for (int i = 0; i < sb->n; i++) {
		if (SEQ_LEQ(sb->e[i], h))
			continue;
		if (SEQ_LEQ(sb->s[i], h)) {	/* inside: skip the range */
			h = sb->e[i];
			continue;
		}
		*start = h;
		*len = sb->s[i] - h;
		return true;
	}
	return false;
}

uint32_t mos_sack_bytes(const struct mos_tcb *t)
{
	uint32_t n = 0;

	for (int i = 0; i < t->sack.n; i++)
		n += t->sack.e[i] - t->sack.s[i];
	return n;
}

uint32_t mos_sack_pipe(const struct mos_tcb *t)
{
	const struct mos_sack_sb *sb = &t->sack;
	uint32_t high, lim, rexmit, pos;

	if (!sb->n)
		return t->snd_max - t->snd_una;
	high = sb->e[sb->n - 1];
	lim = SEQ_LT(sb->rxt_next, high) ? sb->rxt_next : high;
	/* the unSACKed bytes in [SND.UNA, lim) were resent */
	rexmit = SEQ_GT(lim, t->snd_una) ? lim - t->snd_una : 0;
	pos = t->snd_una;
	for (int i = 0; i < sb->n && SEQ_LT(sb->s[i], lim); i++) {
		uint32_t e = SEQ_LT(sb->e[i], lim) ? sb->e[i] : lim;

		if (SEQ_GT(e, sb->s[i]) && SEQ_GEQ(sb->s[i], pos))
			rexmit -= e - sb->s[i];
		pos = e;
	}
	return (SEQ_GT(t->snd_max, high) ? t->snd_max - high : 0) + rexmit;
}
