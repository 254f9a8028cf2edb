/*
 * ip_defrag.c -- see ip_defrag.h.
 *
 * A datagram being reassembled keeps its fragments as received, sorted by
 * offset, their bytes in chains of fixed chunks from one pool; the first
 * fragment's link and IP headers are copied into the datagram entry.
 * Completeness is the union of the fragments covering [0, end) once the
 * last one (MF clear) has given the end.  Overlapping IPv4 bytes are
 * resolved when the datagram is written out: fragments are copied in
 * arrival order when the last bytes win, in reverse when the first do.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "ip_defrag.h"
#include "pkt_parse.h"

#define DF_CHUNK 512		/* bytes of one pool chunk */
#define DF_MAX_FRAGS 128	/* fragments of one datagram at most */
#define DF_HDR_MAX 320		/* link + IP headers kept from fragment 0 */
#define DF_OUT_ROOM (DF_HDR_MAX + 65536)
#define DF_IP_MAX 65535		/* IPv4 total length, IPv6 payload length */
#define NH_FRAGMENT 44
#define NH_AH 51
#define PROTO_TCP 6
#define TCP_HLEN 20

struct df_frag {
	uint32_t off, len;	/* in the fragmentable part */
	uint32_t seq;		/* arrival order in its datagram */
	int32_t chunk;		/* first chunk of its bytes */
	int32_t next;		/* next fragment by offset; free list */
};

struct df_dgram {
	union mos_addr src, dst;
	uint32_t id;
	uint8_t ipver, proto;
	bool used, dead, have_first, have_last;
	uint32_t total;		/* fragmentable bytes, once have_last */
	uint32_t seq;
	uint64_t expires_us;
	int32_t frags;		/* by offset */
	int nfrags;
	uint16_t hdr_len;	/* bytes of hdr */
	uint16_t l3_off;	/* IP header in hdr */
	uint16_t nh_off;	/* IPv6: the Next Header byte naming the
				 * Fragment header */
	int32_t hnext;		/* hash chain; free list */
	int32_t older, newer;	/* age list */
	uint8_t hdr[DF_HDR_MAX];
};

struct mos_defrag {
	struct mos_defrag_conf conf;
	struct df_dgram *dg;
	int32_t dg_free;
	int live;
	int32_t *bucket;
	uint32_t bucket_mask;
	int32_t oldest, newest;
	struct df_frag *fr;
	int32_t fr_free;
	uint8_t *chunk;
	int32_t *chunk_next;
	int32_t chunk_free;
	int nchunks, chunks_free;
	uint8_t *out;
};

/* One fragment as the packet gives it. */
struct df_info {
	uint8_t ipver, proto;
	bool more;
	union mos_addr src, dst;
	uint32_t id, off, len;
	const uint8_t *frame;	/* the frame, its headers first */
	const uint8_t *data;	/* its fragmentable bytes */
	uint16_t hdr_len, l3_off, nh_off;
};

static const char *const count_names[MOS_DF_COUNT] = {
	[MOS_DF_FRAGMENTS] = "fragments",
	[MOS_DF_REASSEMBLED] = "reassembled",
	[MOS_DF_OVERLAP4] = "overlap4",
	[MOS_DF_DUPLICATE] = "duplicate",
	[MOS_DF_OVERLAP6] = "overlap6",
	[MOS_DF_ABANDONED] = "abandoned",
	[MOS_DF_TINY] = "tiny",
	[MOS_DF_BADLEN] = "badlen",
	[MOS_DF_TOOMANY] = "toomany",
	[MOS_DF_HEADER] = "header",
	[MOS_DF_MEMORY] = "memory",
	[MOS_DF_TABLE] = "table",
	[MOS_DF_TIMEOUT] = "timeout",
	[MOS_DF_PENDING] = "pending",
};

const char *mos_defrag_count_name(int k)
{
	return k >= 0 && k < MOS_DF_COUNT ? count_names[k] : "invalid";
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void wr16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* ------------------------------------------------------------ life */

struct mos_defrag *mos_defrag_create(const struct mos_defrag_conf *conf)
{
	struct mos_defrag *d = calloc(1, sizeof(*d));
	uint32_t nb = 16;
	int i;

	if (!d)
		goto nomem;
	d->conf = *conf;
	if (d->conf.max_datagrams < 1)
		d->conf.max_datagrams = 1;
	d->nchunks = (int)(conf->memory / DF_CHUNK);
	if (d->nchunks < 1)
		d->nchunks = 1;
	while (nb < 2u * (uint32_t)d->conf.max_datagrams && nb < (1u << 30))
		nb <<= 1;
	d->bucket_mask = nb - 1;
	d->dg = calloc((size_t)d->conf.max_datagrams, sizeof(*d->dg));
	d->bucket = malloc(nb * sizeof(*d->bucket));
	/* a fragment holds at least one chunk: never more fragments */
	d->fr = calloc((size_t)d->nchunks, sizeof(*d->fr));
	d->chunk = malloc((size_t)d->nchunks * DF_CHUNK);
	d->chunk_next = malloc((size_t)d->nchunks * sizeof(*d->chunk_next));
	d->out = malloc(DF_OUT_ROOM);
	if (!d->dg || !d->bucket || !d->fr || !d->chunk || !d->chunk_next ||
	    !d->out)
		goto nomem;
	for (i = 0; i < (int)nb; i++)
		d->bucket[i] = -1;
	for (i = 0; i < d->conf.max_datagrams; i++)
		d->dg[i].hnext = i + 1 < d->conf.max_datagrams ? i + 1 : -1;
	for (i = 0; i < d->nchunks; i++) {
		d->fr[i].next = i + 1 < d->nchunks ? i + 1 : -1;
		d->chunk_next[i] = i + 1 < d->nchunks ? i + 1 : -1;
	}
	d->chunks_free = d->nchunks;
	d->oldest = d->newest = -1;
	return d;
nomem:
	mos_defrag_destroy(d);
	errno = ENOMEM;
	return NULL;
}

void mos_defrag_destroy(struct mos_defrag *d)
{
	if (!d)
		return;
	free(d->dg);
	free(d->bucket);
	free(d->fr);
	free(d->chunk);
	free(d->chunk_next);
	free(d->out);
	free(d);
}

void mos_defrag_usage(const struct mos_defrag *d, int *datagrams,
		      size_t *bytes)
{
	*datagrams = d->live;
	*bytes = (size_t)(d->nchunks - d->chunks_free) * DF_CHUNK;
}

/* ------------------------------------------------------------ fragments */

static bool info_v4(const struct mos_frame *fr, struct df_info *fi)
{
	const struct mos_pkt *p = &fr->pkt;
	const uint8_t *ip = fr->data + p->l3_off;
	uint16_t fo = rd16(ip + 6);

	fi->proto = ip[9];
	fi->id = rd16(ip + 4);
	fi->off = (fo & 0x1fffu) * 8u;
	fi->more = fo & 0x2000u;
	fi->hdr_len = p->l4_off;
	fi->data = fr->data + p->l4_off;
	fi->len = p->ip_len - (uint32_t)(p->l4_off - p->l3_off);
	return true;
}

/* The chain again, as far as the Fragment header (the parser has bounded
 * every header before it). */
static bool info_v6(const struct mos_frame *fr, struct df_info *fi)
{
	const struct mos_pkt *p = &fr->pkt;
	const uint8_t *f = fr->data;
	uint32_t end = p->l3_off + p->ip_len, at = p->l3_off + 40u;
	uint32_t nh_at = p->l3_off + 6u;
	uint8_t nh = f[nh_at];
	uint16_t offlg;

	while (nh != NH_FRAGMENT) {
		uint32_t hl;

		if (at + 8 > end)
			return false;
		hl = nh == NH_AH ? (f[at + 1] + 2u) * 4u
				 : (f[at + 1] + 1u) * 8u;
		if (hl > end - at)
			return false;
		nh_at = at;
		nh = f[at];
		at += hl;
	}
	if (at + 8 > end || at > UINT16_MAX)
		return false;
	fi->proto = f[at];
	offlg = rd16(f + at + 2);
	fi->off = offlg & 0xfff8u;
	fi->more = offlg & 1u;
	fi->id = rd32(f + at + 4);
	fi->hdr_len = (uint16_t)at;
	fi->nh_off = (uint16_t)nh_at;
	fi->data = f + at + 8;
	fi->len = end - (at + 8);
	return true;
}

static bool fragment_info(const struct mos_frame *fr, struct df_info *fi)
{
	const struct mos_pkt *p = &fr->pkt;

	memset(fi, 0, sizeof(*fi));
	fi->ipver = p->ipver;
	fi->frame = fr->data;
	fi->src = p->saddr;
	fi->dst = p->daddr;
	fi->l3_off = p->l3_off;
	if (p->ipver == 4)
		return info_v4(fr, fi);
	if (p->ipver == 6)
		return info_v6(fr, fi);
	return false;
}

/* Length rules, and RFC 1858 3.1 / RFC 7112 for TCP. */
static int check_fragment(const struct df_info *fi)
{
	uint32_t before = fi->hdr_len - fi->l3_off;	/* IP headers */

	if (fi->ipver == 6)
		before -= 40;	/* the payload length leaves the header out */
	if (fi->len == 0 || (fi->more && fi->len % 8) ||
	    before + fi->off + fi->len > DF_IP_MAX)
		return MOS_DF_BADLEN;
	if (fi->proto != PROTO_TCP)
		return -1;
	if (fi->ipver == 4 && fi->off == 8)
		return MOS_DF_TINY;
	if (fi->off == 0 && (fi->len < TCP_HLEN ||
			     (uint32_t)(fi->data[12] >> 4) * 4 > fi->len))
		return MOS_DF_TINY;
	return -1;
}

/* ------------------------------------------------------------ table */

static uint32_t key_hash(const struct df_info *fi)
{
	uint32_t h = fi->id * 0x9e3779b1u ^ fi->proto ^ fi->ipver;
	const uint8_t *a = fi->src.v6, *b = fi->dst.v6;
	int n = fi->ipver == 4 ? 4 : 16;

	for (int i = 0; i < n; i++)
		h = (h ^ a[i] ^ (uint32_t)b[i] << 8) * 0x01000193u;
	return h ^ h >> 15;
}

static bool key_equal(const struct df_dgram *g, const struct df_info *fi)
{
	size_t n = fi->ipver == 4 ? 4 : 16;

	return g->ipver == fi->ipver && g->id == fi->id &&
	       (fi->ipver == 6 || g->proto == fi->proto) &&
	       !memcmp(g->src.v6, fi->src.v6, n) &&
	       !memcmp(g->dst.v6, fi->dst.v6, n);
}

static int32_t find(const struct mos_defrag *d, const struct df_info *fi)
{
	int32_t i = d->bucket[key_hash(fi) & d->bucket_mask];

	while (i >= 0 && !key_equal(&d->dg[i], fi))
		i = d->dg[i].hnext;
	return i;
}

static int32_t create(struct mos_defrag *d, const struct df_info *fi,
		      uint64_t now_us)
{
	int32_t i = d->dg_free, *b;
	struct df_dgram *g;

	if (i < 0)
		return -1;
	g = &d->dg[i];
	d->dg_free = g->hnext;
	memset(g, 0, offsetof(struct df_dgram, hdr));
	g->used = true;
	g->ipver = fi->ipver;
	g->proto = fi->proto;
	g->id = fi->id;
	g->src = fi->src;
	g->dst = fi->dst;
	g->frags = -1;
	g->expires_us = now_us + d->conf.timeout_us;
	b = &d->bucket[key_hash(fi) & d->bucket_mask];
	g->hnext = *b;
	*b = i;
	g->older = d->newest;
	g->newer = -1;
	if (d->newest >= 0)
		d->dg[d->newest].newer = i;
	else
		d->oldest = i;
	d->newest = i;
	d->live++;
	return i;
}

static void free_frags(struct mos_defrag *d, struct df_dgram *g)
{
	int32_t k = g->frags;

	while (k >= 0) {
		struct df_frag *f = &d->fr[k];
		int32_t next = f->next, c = f->chunk;

		while (c >= 0) {
			int32_t cn = d->chunk_next[c];

			d->chunk_next[c] = d->chunk_free;
			d->chunk_free = c;
			d->chunks_free++;
			c = cn;
		}
		f->next = d->fr_free;
		d->fr_free = k;
		k = next;
	}
	g->frags = -1;
	g->nfrags = 0;
}

/* Its fragments go; the entry stays so that later ones are dropped too
 * (RFC 5722: the whole datagram is discarded). */
static void abandon(struct mos_defrag *d, struct df_dgram *g)
{
	free_frags(d, g);
	g->dead = true;
}

static void release(struct mos_defrag *d, int32_t i)
{
	struct df_dgram *g = &d->dg[i];
	struct df_info key = { .ipver = g->ipver, .proto = g->proto,
			       .id = g->id, .src = g->src, .dst = g->dst };
	int32_t *p = &d->bucket[key_hash(&key) & d->bucket_mask];

	free_frags(d, g);
	while (*p != i)
		p = &d->dg[*p].hnext;
	*p = g->hnext;
	if (g->older >= 0)
		d->dg[g->older].newer = g->newer;
	else
		d->oldest = g->newer;
	if (g->newer >= 0)
		d->dg[g->newer].older = g->older;
	else
		d->newest = g->older;
	g->used = false;
	g->hnext = d->dg_free;
	d->dg_free = i;
	d->live--;
}

void mos_defrag_expire(struct mos_defrag *d, uint64_t now_us,
		       uint64_t *counts)
{
	while (d->oldest >= 0 && d->dg[d->oldest].expires_us <= now_us) {
		if (!d->dg[d->oldest].dead)
			counts[MOS_DF_TIMEOUT]++;
		release(d, d->oldest);
	}
}

void mos_defrag_flush(struct mos_defrag *d, uint64_t *counts)
{
	while (d->oldest >= 0) {
		if (!d->dg[d->oldest].dead)
			counts[MOS_DF_PENDING]++;
		release(d, d->oldest);
	}
}

/* ------------------------------------------------------------ bytes */

/* Fragment F's bytes equal DATA. */
static bool same_bytes(const struct mos_defrag *d, const struct df_frag *f,
		       const uint8_t *data)
{
	uint32_t done = 0;

	for (int32_t c = f->chunk; c >= 0; c = d->chunk_next[c]) {
		uint32_t n = f->len - done < DF_CHUNK ? f->len - done
						       : DF_CHUNK;

		if (memcmp(d->chunk + (size_t)c * DF_CHUNK, data + done, n))
			return false;
		done += n;
	}
	return true;
}

static void copy_out(const struct mos_defrag *d, const struct df_frag *f,
		     uint8_t *to)
{
	uint32_t done = 0;

	for (int32_t c = f->chunk; c >= 0; c = d->chunk_next[c]) {
		uint32_t n = f->len - done < DF_CHUNK ? f->len - done
						       : DF_CHUNK;

		memcpy(to + done, d->chunk + (size_t)c * DF_CHUNK, n);
		done += n;
	}
}

/* A fragment record with FI's bytes in pool chunks, or -1. */
static int32_t store(struct mos_defrag *d, const struct df_info *fi,
		     uint32_t seq)
{
	uint32_t need = (fi->len + DF_CHUNK - 1) / DF_CHUNK, done = 0;
	int32_t k = d->fr_free, *link;
	struct df_frag *f;

	if (k < 0 || (uint32_t)d->chunks_free < need)
		return -1;
	f = &d->fr[k];
	d->fr_free = f->next;
	f->off = fi->off;
	f->len = fi->len;
	f->seq = seq;
	f->next = -1;
	link = &f->chunk;
	while (done < fi->len) {
		int32_t c = d->chunk_free;
		uint32_t n = fi->len - done < DF_CHUNK ? fi->len - done
						       : DF_CHUNK;

		d->chunk_free = d->chunk_next[c];
		d->chunks_free--;
		memcpy(d->chunk + (size_t)c * DF_CHUNK, fi->data + done, n);
		*link = c;
		link = &d->chunk_next[c];
		done += n;
	}
	*link = -1;
	return k;
}

static void insert_sorted(struct mos_defrag *d, struct df_dgram *g,
			  int32_t k)
{
	int32_t *p = &g->frags;

	while (*p >= 0 && d->fr[*p].off <= d->fr[k].off)
		p = &d->fr[*p].next;
	d->fr[k].next = *p;
	*p = k;
	g->nfrags++;
}

/* ------------------------------------------------------------ checks */

/* Overlap of FI with what G holds: 0 none, 1 overlap, 2 exact duplicate
 * (same place, same bytes). */
static int overlap(const struct mos_defrag *d, const struct df_dgram *g,
		   const struct df_info *fi)
{
	int found = 0;

	for (int32_t k = g->frags; k >= 0; k = d->fr[k].next) {
		const struct df_frag *f = &d->fr[k];

		if (f->off >= fi->off + fi->len || fi->off >= f->off + f->len)
			continue;
		if (f->off == fi->off && f->len == fi->len &&
		    same_bytes(d, f, fi->data))
			return 2;
		found = 1;
	}
	return found;
}

/* The end FI implies against the end G knows: true if they disagree. */
static bool bad_end(const struct mos_defrag *d, const struct df_dgram *g,
		    const struct df_info *fi)
{
	uint32_t end = fi->off + fi->len;

	if (fi->more)
		return g->have_last && end > g->total;
	if (g->have_last)
		return end != g->total;
	for (int32_t k = g->frags; k >= 0; k = d->fr[k].next)
		if (d->fr[k].off + d->fr[k].len > end)
			return true;
	return false;
}

static bool complete(const struct mos_defrag *d, const struct df_dgram *g)
{
	uint32_t reach = 0;

	if (!g->have_first || !g->have_last)
		return false;
	for (int32_t k = g->frags; k >= 0; k = d->fr[k].next) {
		if (d->fr[k].off > reach)
			return false;
		if (d->fr[k].off + d->fr[k].len > reach)
			reach = d->fr[k].off + d->fr[k].len;
	}
	return reach >= g->total;
}

/* ------------------------------------------------------------ output */

static void fix_headers(const struct df_dgram *g, uint8_t *out)
{
	uint8_t *ip = out + g->l3_off;
	uint32_t ihl = (uint32_t)(g->hdr_len - g->l3_off);
	uint16_t sum;

	if (g->ipver == 6) {
		/* RFC 8200 4.5: the unfragmentable part's last Next Header
		 * takes the Fragment header's; its payload length grows */
		out[g->nh_off] = g->proto;
		wr16(ip + 4, ihl - 40 + g->total);
		return;
	}
	wr16(ip + 2, ihl + g->total);
	ip[6] &= 0x40;		/* DF kept; MF and the offset cleared */
	ip[7] = 0;
	sum = mos_csum_ipv4_hdr(ip, ihl);
	memcpy(ip + 10, &sum, 2);
}

/* G written out as one frame in WHOLE; G is released. */
static void build(struct mos_defrag *d, int32_t gi,
		  const struct mos_frame *fr, struct mos_frame *whole)
{
	struct df_dgram *g = &d->dg[gi];
	int32_t order[DF_MAX_FRAGS];
	int n = 0;

	memcpy(d->out, g->hdr, g->hdr_len);
	for (int32_t k = g->frags; k >= 0 && n < DF_MAX_FRAGS;
	     k = d->fr[k].next) {
		int i = n++;

		/* by arrival: insertion sort of a few dozen at most */
		while (i > 0 && d->fr[order[i - 1]].seq > d->fr[k].seq) {
			order[i] = order[i - 1];
			i--;
		}
		order[i] = k;
	}
	/* copied last are the bytes that win */
	for (int i = 0; i < n; i++) {
		int32_t k = order[d->conf.last_wins ? i : n - 1 - i];

		copy_out(d, &d->fr[k], d->out + g->hdr_len + d->fr[k].off);
	}
	fix_headers(g, d->out);
	memset(whole, 0, sizeof(*whole));
	whole->data = d->out;
	whole->len = g->hdr_len + g->total;
	whole->room = DF_OUT_ROOM;
	whole->ts_us = fr->ts_us;
	whole->port = fr->port;
	whole->kind = MOS_FRAME_UNPARSED;
	release(d, gi);
}

/* ------------------------------------------------------------ input */

static int drop(uint64_t *counts, int why)
{
	counts[why]++;
	return MOS_DEFRAG_DROPPED;
}

/* FI into datagram G: a drop reason, or -1 when it was kept. */
static int add(struct mos_defrag *d, struct df_dgram *g,
	       const struct df_info *fi, uint64_t *counts)
{
	int32_t k;
	int ov;

	if (g->dead)
		return MOS_DF_ABANDONED;
	if (bad_end(d, g, fi))
		return MOS_DF_BADLEN;
	ov = overlap(d, g, fi);
	if (ov == 2)
		return MOS_DF_DUPLICATE;
	if (ov && g->ipver == 6) {
		abandon(d, g);
		return MOS_DF_OVERLAP6;
	}
	if (g->nfrags >= DF_MAX_FRAGS) {
		abandon(d, g);
		return MOS_DF_TOOMANY;
	}
	if (fi->off == 0 && fi->hdr_len > DF_HDR_MAX)
		return MOS_DF_HEADER;
	k = store(d, fi, g->seq);
	if (k < 0)
		return MOS_DF_MEMORY;
	if (ov)
		counts[MOS_DF_OVERLAP4]++;
	g->seq++;
	insert_sorted(d, g, k);
	if (fi->off == 0 && (!g->have_first || d->conf.last_wins)) {
		memcpy(g->hdr, fi->frame, fi->hdr_len);
		g->hdr_len = fi->hdr_len;
		g->l3_off = fi->l3_off;
		g->nh_off = fi->nh_off;
		g->have_first = true;
	}
	if (!fi->more) {
		g->have_last = true;
		g->total = fi->off + fi->len;
	}
	return -1;
}

int mos_defrag_input(struct mos_defrag *d, const struct mos_frame *fr,
		     uint64_t now_us, struct mos_frame *whole,
		     uint64_t *counts)
{
	struct df_info fi;
	int32_t gi;
	int why;

	counts[MOS_DF_FRAGMENTS]++;
	mos_defrag_expire(d, now_us, counts);
	if (!fragment_info(fr, &fi))
		return drop(counts, MOS_DF_BADLEN);
	why = check_fragment(&fi);
	if (why >= 0)
		return drop(counts, why);
	gi = find(d, &fi);
	if (gi < 0)
		gi = create(d, &fi, now_us);
	if (gi < 0)
		return drop(counts, MOS_DF_TABLE);
	why = add(d, &d->dg[gi], &fi, counts);
	if (why >= 0) {
		/* a datagram left with nothing is not worth its slot */
		if (!d->dg[gi].nfrags && !d->dg[gi].dead)
			release(d, gi);
		return drop(counts, why);
	}
	if (!complete(d, &d->dg[gi]))
		return MOS_DEFRAG_HELD;
	counts[MOS_DF_REASSEMBLED]++;
	build(d, gi, fr, whole);
	return MOS_DEFRAG_DONE;
}
