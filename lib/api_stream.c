/*
 * api_stream.c -- reading a monitored flow: mtcp_peek, mtcp_ppeek,
 * mtcp_getlastpkt, and the SOL_MONSOCKET options of mtcp_getsockopt and
 * mtcp_setsockopt.
 */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mos_api.h>

#include "context.h"
#include "host/host.h"
#include "tcp_track.h"

static bool valid_side(int side)
{
	return side == MOS_SIDE_CLI || side == MOS_SIDE_SVR;
}

/* The ring of `side` for a peek-like call; errno set when NULL. */
static struct mos_half *flow_half(struct mos_sock *s, int side, int notsock)
{
	struct mos_half *h;

	if (s->type != MOS_SOCK_MONITOR_STREAM_ACTIVE) {
		errno = notsock;
		return NULL;
	}
	if (!valid_side(side)) {
		errno = EINVAL;
		return NULL;
	}
	h = &s->flow->half[side];
	if (h->buf_off) {
		errno = EINVAL;
		return NULL;
	}
	return h;
}

/* Tell the ring how far every socket still reading `side` has read, so
 * that storage of bytes all of them have read can be taken back (memory
 * follows unread data). */
static void note_read(struct mos_ctx *c, struct mos_flow *f, int side)
{
	uint64_t least = UINT64_MAX;
	int id;

	for (id = f->sock_first; id >= 0; id = c->socks.s[id].fnext) {
		const struct mos_sock *s = &c->socks.s[id];

		if (!(s->stopped & (1u << side)) && s->peek_off[side] < least)
			least = s->peek_off[side];
	}
	if (least != UINT64_MAX)
		mos_ring_set_read_end(f->half[side].ring, least);
}

MOS_EXPORT ssize_t mtcp_peek(mctx_t mctx, int sock, int side, char *buf,
			     size_t len)
{
	struct mos_ctx *c;
	struct mos_sock *s = mos_cb_sock(mctx, sock, &c);
	struct mos_half *h = s ? flow_half(s, side, ENOTSOCK) : NULL;
	uint64_t lost_end, end, *off;
	size_t n;

	if (!h)
		return -1;
	if (!buf && len) {
		errno = EINVAL;
		return -1;
	}
	off = &s->peek_off[side];
	/* no ring: none made yet, or the side's buffer was switched off and
	 * on again and no byte came since.  The bytes that went by without a
	 * ring (up to rcv_end, where the next ring starts) are lost to this
	 * reader and reported as such, else they were never accounted for:
	 * delivered + lost fell short of the stream at the flow's end */
	lost_end = h->ring ? mos_ring_lost_end(h->ring, *off)
			   : h->rcv_end > *off ? h->rcv_end : *off;
	if (lost_end > *off) {
		/* outrun (1.12 step 4) or a gap, reported alike: minus the
		 * bytes lost, then the bytes after them */
		uint64_t lost = lost_end - *off;

		if (lost > SSIZE_MAX)
			lost = SSIZE_MAX;
		*off += lost;
		if (h->ring)
			note_read(c, s->flow, side);
		errno = ENODATA;
		return -(ssize_t)lost;
	}
	if (!h->ring)
		return 0;
	end = mos_ring_contig_end(h->ring);
	n = end - *off < len ? (size_t)(end - *off) : len;
	if (n)
		n = mos_ring_read(h->ring, *off, (uint8_t *)buf, n);
	*off += n;
	if (n)
		note_read(c, s->flow, side);
	return (ssize_t)n;
}

MOS_EXPORT ssize_t mtcp_ppeek(mctx_t mctx, int sock, int side, char *buf,
			      size_t count, uint64_t off)
{
	struct mos_ctx *c;
	struct mos_sock *s = mos_cb_sock(mctx, sock, &c);
	struct mos_half *h = s ? flow_half(s, side, ESOCKTNOSUPPORT) : NULL;
	size_t n;

	if (!h)
		return -1;
	if (!count)
		return 0;
	if (!buf) {
		errno = EINVAL;
		return -1;
	}
	n = h->ring ? mos_ring_read(h->ring, off, (uint8_t *)buf, count) : 0;
	if (!n) {
		errno = ENODATA;
		return -1;
	}
	return (ssize_t)n;
}

#define PKT_HEADROOM 2

/* struct pkt_info's lengths are 16 bits (0.3's layout).  A frame may be
 * longer: a capture of offloaded traffic, or an IPv4 packet of 65535
 * bytes behind its Ethernet header; an IPv6 packet's 40 + payload length
 * reaches 65575.  Such a length is reported as 65535, never cut to its
 * low 16 bits (65549 became 13: a caller walking ethh .. ethh + eth_len
 * saw a different, short frame).  The copy itself is whole. */
static uint16_t len16(uint32_t v)
{
	return v > UINT16_MAX ? UINT16_MAX : (uint16_t)v;
}

static int copy_packet(struct mos_ctx *c, struct pkt_info *pi)
{
	const struct mos_frame *fr = c->cur.frame;
	const struct mos_pkt *p = c->cur.pkt;
	uint8_t *copy;

	/* PKT_HEADROOM bytes before the frame put the IP header that
	 * follows the 14-byte Ethernet header on a 4-byte boundary, so
	 * that pi->iph and pi->tcph are aligned for their types */
	if (c->pktcopy_room < fr->len + PKT_HEADROOM) {
		uint8_t *n = realloc(c->pktcopy, fr->len + PKT_HEADROOM);

		if (!n) {
			errno = ENOMEM;
			return -1;
		}
		c->pktcopy = n;
		c->pktcopy_room = fr->len + PKT_HEADROOM;
	}
	copy = c->pktcopy + PKT_HEADROOM;
	memcpy(copy, fr->data, fr->len);
	memset(pi, 0, sizeof(*pi));
	pi->cur_ts = (uint32_t)(c->now_us / 1000u);
	pi->in_ifidx = (int8_t)fr->port;
	pi->eth_len = len16(fr->len);
	pi->ethh = (struct ethhdr *)copy;
	if (p->ipver == 4 && c->cur.kind != MOS_MAL_IP_SHORT) {
		pi->iph = (struct iphdr *)(copy + p->l3_off);
		pi->ip_len = len16(p->ip_len);
	} else if (p->ipver == 6) {
		pi->ip_len = len16(p->ip_len);
	}
	if (c->cur.kind == MOS_PKT_TCP || c->cur.kind == MOS_MAL_TCP_CSUM) {
		pi->tcph = (struct tcphdr *)(copy + p->l4_off);
		pi->payload = copy + p->payload_off;
		pi->payloadlen = len16(p->payload_len);
		pi->seq = p->seq;
		pi->ack_seq = p->ack;
		pi->window = p->win;
		pi->offset = c->cur.flow ? c->cur.offset : 0;
	}
	return 0;
}

MOS_EXPORT int mtcp_getlastpkt(mctx_t mctx, int sock, int side,
			       struct pkt_info *pinfo)
{
	struct mos_ctx *c;
	struct mos_sock *s = mos_cb_sock(mctx, sock, &c);

	if (!s)
		return -1;
	if (!pinfo || side < MOS_SIDE_CLI || side > MOS_SIDE_BOTH) {
		errno = EINVAL;
		return -1;
	}
	if (!c->cur.frame) {
		errno = ENODATA;
		return -1;
	}
	return copy_packet(c, pinfo);
}

/* ------------------------------------------------------------- getsockopt */

static int get_state(struct mos_sock *s, int side, void *optval,
		     socklen_t *optlen)
{
	int st;

	if (*optlen < (socklen_t)sizeof(int)) {
		errno = EINVAL;
		return -1;
	}
	st = s->flow->half[side].state;
	memcpy(optval, &st, sizeof(st));
	*optlen = sizeof(int);
	return 0;
}

static int get_bufinfo(struct mos_sock *s, int side, void *optval,
		       socklen_t *optlen)
{
	const struct mos_half *h = &s->flow->half[side];
	const struct mos_half *snd = &s->flow->half[!side];
	struct tcp_buf_info bi;

	if (*optlen != (socklen_t)sizeof(bi)) {
		errno = EINVAL;
		return -1;
	}
	if (h->buf_off || (!h->ring && !h->ring_gone)) {
		*optlen = 0;
		errno = ENODATA;
		return -1;
	}
	bi.tcpbi_init_seq = snd->isn + 1;
	if (!h->ring) {
		/* drained, its ring back in the pool: as an empty ring */
		bi.tcpbi_next_byte_expected = (uint32_t)h->rcv_end;
		bi.tcpbi_last_byte_read = bi.tcpbi_next_byte_expected;
		bi.tcpbi_last_byte_received = bi.tcpbi_next_byte_expected;
		memcpy(optval, &bi, sizeof(bi));
		return 0;
	}
	bi.tcpbi_next_byte_expected = (uint32_t)mos_ring_contig_end(h->ring);
	bi.tcpbi_last_byte_read = bi.tcpbi_next_byte_expected;
	bi.tcpbi_last_byte_received = (uint32_t)mos_ring_high_end(h->ring);
	memcpy(optval, &bi, sizeof(bi));
	return 0;
}

static int get_fraginfo(struct mos_sock *s, int side, void *optval,
			socklen_t *optlen)
{
	const struct mos_half *h = &s->flow->half[side];
	struct tcp_ring_fragment *out = optval;
	int cap = (int)*optlen, n, total;

	if (*optlen == 0 || *optlen > 1u << 20) {
		errno = EINVAL;
		return -1;
	}
	if (h->buf_off || (!h->ring && !h->ring_gone)) {
		*optlen = 0;
		errno = ENODATA;
		return -1;
	}
	/* a drained ring back in the pool holds no fragment */
	n = h->ring ? mos_ring_fragments(h->ring, out, cap, &total) : 0;
	if (n < cap)
		out[n] = (struct tcp_ring_fragment){ 0, 0 };
	*optlen = (socklen_t)n;
	return 0;
}

static int get_timestamp(struct mos_sock *s, void *optval, socklen_t *optlen)
{
	uint32_t ts;

	if (*optlen < (socklen_t)sizeof(ts)) {
		errno = EINVAL;
		return -1;
	}
	ts = (uint32_t)(s->flow->last_us / 1000u * 1000u);
	memcpy(optval, &ts, sizeof(ts));
	*optlen = sizeof(ts);
	return 0;
}

/* Add to a context clock reading to get the Unix time: 0 for a capture,
 * whose stamps are Unix times already; live clocks are monotonic. */
static uint64_t wall_offset_us(struct mos_ctx *c)
{
	struct timespec ts;
	uint64_t now, mono;

	if (c->io->offline || clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return 0;
	now = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	mono = c->io->ops->now_us(c->io);
	return now > mono ? now - mono : 0;
}

/* The stream `sender` sent as far as it was seen: sent, acknowledged or
 * stored, whichever reaches furthest (as at the flow's end, 1.12). */
static uint64_t stream_seen(const struct mos_flow *f, int sender)
{
	const struct mos_half *r = &f->half[!sender];
	uint64_t e = mos_tcp_sent_end(f, !sender);

	if (r->ack_end > e)
		e = r->ack_end;
	if (r->ring && mos_ring_high_end(r->ring) > e)
		e = mos_ring_high_end(r->ring);
	return e;
}

static int get_flowinfo(struct mos_ctx *c, struct mos_sock *s, void *optval,
			socklen_t *optlen)
{
	const struct mos_flow *f = s->flow;
	struct mos_flow_info fi;
	uint64_t wall;
	int i;

	if (*optlen < (socklen_t)sizeof(fi)) {
		errno = EINVAL;
		return -1;
	}
	memset(&fi, 0, sizeof(fi));
	wall = wall_offset_us(c);
	fi.mfi_start_us = f->start_us + wall;
	fi.mfi_last_us = f->last_us + wall;
	for (i = 0; i < 2; i++) {
		const struct mos_half *h = &f->half[i];

		fi.mfi_pkts[i] = h->pkts;
		fi.mfi_ip_bytes[i] = h->ip_bytes;
		fi.mfi_stream_bytes[i] = stream_seen(f, i);
		fi.mfi_gap_bytes[i] = f->half[!i].gap_bytes;
		fi.mfi_tcp_flags[i] = h->tcp_flags;
		fi.mfi_state[i] = h->state;
	}
	memcpy(optval, &fi, sizeof(fi));
	*optlen = sizeof(fi);
	return 0;
}

MOS_EXPORT int mtcp_getsockopt(mctx_t mctx, int sock, int level, int optname,
			       void *optval, socklen_t *optlen)
{
	struct mos_ctx *c;
	struct mos_sock *s;

	if (level != SOL_MONSOCKET) {
		c = mos_ctx_check(mctx);
		if (!c)
			return -1;
		if (level != SOL_SOCKET) {
			errno = ENOSYS;
			return -1;
		}
		/* SOL_SOCKET options are for end-host sockets (api_host.c) */
		return mos_host_getsockopt(c, sock, optname, optval, optlen);
	}
	s = mos_cb_sock(mctx, sock, &c);
	if (!s)
		return -1;
	if (s->type != MOS_SOCK_MONITOR_STREAM_ACTIVE) {
		errno = ENOTSOCK;
		return -1;
	}
	if (!optval || !optlen) {
		errno = EINVAL;
		return -1;
	}
	switch (optname) {
	case MOS_TCP_STATE_CLI:
		return get_state(s, MOS_SIDE_CLI, optval, optlen);
	case MOS_TCP_STATE_SVR:
		return get_state(s, MOS_SIDE_SVR, optval, optlen);
	case MOS_INFO_CLIBUF:
		return get_bufinfo(s, MOS_SIDE_CLI, optval, optlen);
	case MOS_INFO_SVRBUF:
		return get_bufinfo(s, MOS_SIDE_SVR, optval, optlen);
	case MOS_FRAGINFO_CLIBUF:
		return get_fraginfo(s, MOS_SIDE_CLI, optval, optlen);
	case MOS_FRAGINFO_SVRBUF:
		return get_fraginfo(s, MOS_SIDE_SVR, optval, optlen);
	case MOS_TIMESTAMP:
		return get_timestamp(s, optval, optlen);
	case MOS_INFO_FLOW:
		return get_flowinfo(c, s, optval, optlen);
	default:
		errno = ENOSYS;
		return -1;
	}
}

/* ------------------------------------------------------------- setsockopt */

/* The largest ring: the largest multiple of 1024 an int holds, as for
 * rmem_size in mos.conf. */
#define MAX_RING (INT_MAX / 1024 * 1024)

static int set_buf(struct mos_ctx *c, struct mos_sock *s, int side, int v)
{
	uint32_t size;

	if (v < 0 || v > MAX_RING) {
		errno = EINVAL;
		return -1;
	}
	size = ((uint32_t)v + 1023u) / 1024u * 1024u;
	if (s->type == MOS_SOCK_MONITOR_STREAM) {
		s->buf_off[side] = v == 0;
		s->lis->buf_size[side] = size;
		return 0;
	}
	if (s->type != MOS_SOCK_MONITOR_STREAM_ACTIVE) {
		errno = ENOTSOCK;
		return -1;
	}
	if (mos_self != c) {
		errno = EPERM;
		return -1;
	}
	{
		struct mos_half *h = &s->flow->half[side];

		if (v == 0) {
			if (h->ring) {
				h->rcv_end = mos_ring_contig_end(h->ring);
				mos_ring_free(h->ring);
				h->ring = NULL;
			}
			/* off is off: no ring, not a drained one */
			h->ring_gone = false;
			h->buf_off = true;
			return 0;
		}
		if (h->ring && mos_ring_set_capacity(h->ring, size) < 0)
			return -1;
		h->ring_cap = size;
		h->buf_off = false;
	}
	return 0;
}

static int set_flow_opt(struct mos_ctx *c, struct mos_sock *s, int optname,
			int v)
{
	if (s->type == MOS_SOCK_MONITOR_STREAM && optname == MOS_STOP_MON) {
		errno = EPERM;
		return -1;
	}
	if (s->type != MOS_SOCK_MONITOR_STREAM_ACTIVE) {
		errno = ENOTSOCK;
		return -1;
	}
	if (mos_self != c) {
		errno = EPERM;
		return -1;
	}
	if (optname == MOS_STOP_MON) {
		if (v < MOS_SIDE_CLI || v > MOS_SIDE_BOTH) {
			errno = EINVAL;
			return -1;
		}
		s->stopped |= v == MOS_SIDE_BOTH ? 3u : 1u << v;
		return 0;
	}
	if (v != MOS_OVERLAP_POLICY_FIRST && v != MOS_OVERLAP_POLICY_LAST) {
		errno = EINVAL;
		return -1;
	}
	{
		int side = optname == MOS_CLIOVERLAP ? MOS_SIDE_CLI
						     : MOS_SIDE_SVR;
		struct mos_half *h = &s->flow->half[side];

		s->policy_req[side] = (int8_t)v;
		h->policy = (uint8_t)v;
		if (h->ring)
			mos_ring_set_policy(h->ring, v);
	}
	return 0;
}

MOS_EXPORT int mtcp_setsockopt(mctx_t mctx, int sock, int level, int optname,
			       const void *optval, socklen_t optlen)
{
	struct mos_ctx *c = mos_ctx_check(mctx);
	struct mos_sock *s;
	int v, rc = -1;

	if (!c)
		return -1;
	if (level != SOL_MONSOCKET) {
		errno = ENOSYS;
		return -1;
	}
	mos_ctx_enter(c);
	s = mos_sock_get(&c->socks, sock);
	if (s && s->type == MOS_SOCK_MONITOR_STREAM_ACTIVE && mos_self != c) {
		errno = EPERM;
		goto out;
	}
	if (!s) {
		errno = EBADF;
		goto out;
	}
	switch (optname) {
	case MOS_CLIBUF:
	case MOS_SVRBUF:
	case MOS_STOP_MON:
	case MOS_CLIOVERLAP:
	case MOS_SVROVERLAP:
		break;
	default:
		errno = ENOSYS;
		goto out;
	}
	if (s->type == MOS_SOCK_MONITOR_RAW) {
		errno = ENOTSOCK;
		goto out;
	}
	/* the socket kind is checked before optval/optlen */
	if (optname != MOS_CLIBUF && optname != MOS_SVRBUF &&
	    s->type != MOS_SOCK_MONITOR_STREAM_ACTIVE) {
		errno = optname == MOS_STOP_MON ? EPERM : ENOTSOCK;
		goto out;
	}
	if (!optval || optlen < (socklen_t)sizeof(int)) {
		errno = EINVAL;
		goto out;
	}
	memcpy(&v, optval, sizeof(v));
	if (optname == MOS_CLIBUF || optname == MOS_SVRBUF)
		rc = set_buf(c, s, optname == MOS_CLIBUF ? MOS_SIDE_CLI
							 : MOS_SIDE_SVR, v);
	else
		rc = set_flow_opt(c, s, optname, v);
out:
	mos_ctx_leave(c);
	return rc;
}
