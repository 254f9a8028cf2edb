/*
 * api_packet.c -- mtcp_setlastpkt(3) and mtcp_sendpkt(3): rewriting
 * the packet being dispatched before it is forwarded, and injecting new
 * TCP/IPv4 packets.
 *
 * Checks run in a fixed order: context, calling thread,
 * socket id, socket kind, then the other arguments.  Nothing is changed
 * unless every check passed.
 */
#include "internal.h"

#include <errno.h>
#include <string.h>

#include <mos_api.h>

#include "context.h"
#include "route.h"

#define ACTIONS (MOS_DROP | MOS_OVERWRITE | MOS_CHOMP | MOS_INSERT)
#define REGIONS (MOS_ETH_HDR | MOS_IP_HDR | MOS_TCP_HDR | MOS_TCP_PAYLOAD)
#define CSUMS (MOS_UPDATE_IP_CHKSUM | MOS_UPDATE_TCP_CHKSUM)

#define ETH_LEN 14
#define IP4_LEN 20
#define TCP_LEN 20
#define SEND_MAX_PAYLOAD 1460

static bool one_bit(int v)
{
	return v && !(v & (v - 1));
}

static uint16_t rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t rd32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

static void wr16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static bool has_ip4(const struct mos_ctx *c)
{
	return c->cur.pkt->ipver == 4;
}

static bool has_tcp(const struct mos_ctx *c)
{
	return c->cur.pkt->ipver &&
	       (c->cur.kind == MOS_PKT_TCP || c->cur.kind == MOS_MAL_TCP_CSUM);
}

/* Start and size of a region of the current frame; false if the packet
 * has no such header. */
static bool region_of(const struct mos_ctx *c, int region, uint32_t *start,
		      uint32_t *size)
{
	const struct mos_pkt *p = c->cur.pkt;

	switch (region) {
	case MOS_ETH_HDR:
		*start = 0;
		*size = c->cur.frame->len < ETH_LEN ? c->cur.frame->len
						    : ETH_LEN;
		return true;
	case MOS_IP_HDR:
		if (!has_ip4(c))
			return false;
		*start = p->l3_off;
		*size = (uint32_t)(p->frame[p->l3_off] & 0x0f) * 4u;
		return true;
	case MOS_TCP_HDR:
		if (!has_tcp(c))
			return false;
		*start = p->l4_off;
		*size = (uint32_t)p->payload_off - p->l4_off;
		return true;
	default:	/* MOS_TCP_PAYLOAD */
		if (!has_tcp(c))
			return false;
		*start = p->payload_off;
		*size = p->payload_len;
		return true;
	}
}

/* After a header overwrite: what mtcp_getlastpkt reports and what the
 * receiving half and the checksum code read comes from the new bytes. */
static void refresh(struct mos_pkt *p, int kind)
{
	const uint8_t *ip = p->frame + p->l3_off, *th;

	if (p->ipver == 4) {
		memcpy(&p->saddr.v4, ip + 12, 4);
		memcpy(&p->daddr.v4, ip + 16, 4);
	}
	if (kind != MOS_PKT_TCP && kind != MOS_MAL_TCP_CSUM)
		return;
	th = p->frame + p->l4_off;
	p->sport = rd16(th);
	p->dport = rd16(th + 2);
	p->seq = rd32(th + 4);
	p->ack = rd32(th + 8);
	p->flags = th[13];
	p->win = rd16(th + 14);
}

/* CHOMP/INSERT: the caller has already written the new IPv4 total length;
 * it must account for exactly the bytes removed or added. */
static bool length_agrees(const struct mos_ctx *c, int action,
			  uint16_t datalen)
{
	const struct mos_pkt *p = c->cur.pkt;
	uint32_t now = rd16(p->frame + p->l3_off + 2);

	if (action == MOS_CHOMP)
		return p->ip_len >= datalen && now == p->ip_len - datalen;
	return now == p->ip_len + datalen;
}

/*
 * A CHOMP/INSERT moves the bytes behind it, so it must leave in place what
 * the packet's lengths are read from: in the IPv4 header the version/IHL
 * byte and the total length (bytes 0-3, RFC 791 3.1), which an edit at
 * offset 0-3 would shift or cut (the payload length was then taken from
 * whatever bytes came to lie there, unbounded by the frame: a heap
 * over-read found by fuzz/fuzz_stack.c); and a CHOMP may take options but
 * not the fixed 20 bytes of the IPv4 or TCP header, which are read after
 * it (addresses, ports, the checksum field).
 */
static bool resize_keeps_headers(int region, off_t offset, uint16_t len,
				 uint32_t size, bool chomp)
{
	if (region == MOS_IP_HDR && offset < 4)
		return false;
	if (chomp && region != MOS_TCP_PAYLOAD && size - len < 20)
		return false;
	return true;
}

static void shift(uint16_t *off, uint32_t at, long delta)
{
	if (*off && *off >= at)
		*off = (uint16_t)((long)*off + delta);
}

/* Move the frame's bytes for a CHOMP/INSERT at `at`, then recompute the
 * lengths and the offsets behind the change. */
static void resize(struct mos_ctx *c, int region, uint32_t at,
		   const uint8_t *data, uint16_t len, bool insert)
{
	struct mos_frame *fr = c->cur.frame;
	struct mos_pkt *p = c->cur.pkt;
	long delta = insert ? len : -(long)len;
	uint32_t from = insert ? at : at + len;

	if (insert) {
		memmove(fr->data + at + len, fr->data + at, fr->len - at);
		memcpy(fr->data + at, data, len);
	} else {
		memmove(fr->data + at, fr->data + at + len,
			fr->len - at - len);
	}
	fr->len = (uint32_t)((long)fr->len + delta);
	p->frame_len = fr->len;
	/* the new total length, as length_agrees checked it: the packet
	 * grew or shrank by exactly the bytes moved */
	p->ip_len = (uint32_t)((long)p->ip_len + delta);
	if (region == MOS_IP_HDR) {
		shift(&p->l4_off, from, delta);
		shift(&p->ph_daddr_off, from, delta);
	}
	if (region == MOS_IP_HDR || region == MOS_TCP_HDR)
		shift(&p->payload_off, from, delta);
	if (has_tcp(c))
		p->payload_len = p->l3_off + p->ip_len - p->payload_off;
}

static int edit_checks(struct mos_ctx *c, off_t offset, const byte *data,
		       uint16_t datalen, int option, uint32_t *start)
{
	int action = option & ACTIONS & ~MOS_DROP, region = option & REGIONS;
	uint32_t size;

	if (offset < 0 || !one_bit(region) ||
	    !region_of(c, region, start, &size))
		return -1;
	if (((option & MOS_UPDATE_IP_CHKSUM) && !has_ip4(c)) ||
	    ((option & MOS_UPDATE_TCP_CHKSUM) && !has_tcp(c)))
		return -1;
	if (!data && datalen && action != MOS_CHOMP)
		return -1;
	if (action == MOS_INSERT) {
		if ((uint64_t)offset > size)
			return -1;
		if ((uint64_t)c->cur.frame->len + datalen > c->cur.frame->room)
			return -1;
	} else if ((uint64_t)offset + datalen > size) {
		return -1;
	}
	if (action != MOS_OVERWRITE &&
	    (region == MOS_ETH_HDR || !has_ip4(c) ||
	     !length_agrees(c, action, datalen) ||
	     !resize_keeps_headers(region, offset, datalen, size,
				   action == MOS_CHOMP)))
		return -1;
	return 0;
}

MOS_EXPORT int mtcp_setlastpkt(mctx_t mctx, int sock, int side, off_t offset,
			       byte *data, uint16_t datalen, int option)
{
	struct mos_ctx *c;
	struct mos_sock *s = mos_cb_sock(mctx, sock, &c);
	int action = option & ACTIONS, region = option & REGIONS;
	struct mos_pkt *p;
	uint32_t start = 0;
	uint8_t *ip;

	(void)side;	/* ignored, as in 0.3 (the nat sample passes 0) */
	if (!s)
		return -1;
	if (!c->cur.frame) {
		errno = ENODATA;
		return -1;
	}
	if ((option & ~(ACTIONS | REGIONS | CSUMS)) || !one_bit(action)) {
		errno = EINVAL;
		return -1;
	}
	if (action == MOS_DROP) {
		c->cur.drop = true;
		return 0;
	}
	if (edit_checks(c, offset, data, datalen, option, &start) < 0) {
		errno = EINVAL;
		return -1;
	}
	p = c->cur.pkt;
	start += (uint32_t)offset;
	if (action == MOS_OVERWRITE)
		memcpy(c->cur.frame->data + start, data, datalen);
	else
		resize(c, region, start, data, datalen, action == MOS_INSERT);
	if (region == MOS_IP_HDR || region == MOS_TCP_HDR)
		refresh(p, c->cur.kind);
	ip = p->frame + p->l3_off;
	if (option & MOS_UPDATE_IP_CHKSUM) {
		uint16_t v = mos_csum_ipv4_hdr(ip, (ip[0] & 0x0fu) * 4u);

		memcpy(ip + 10, &v, 2);
	}
	if (option & MOS_UPDATE_TCP_CHKSUM) {
		uint16_t v = mos_csum_tcp(p);

		memcpy(p->frame + p->l4_off + 16, &v, 2);
	}
	return 0;
}

/* ------------------------------------------------------------- sendpkt */

/* Port for a packet "arriving" on in_port towards daddr, as forwarding
 * would pick it; -1 when there is no way out. */
static int send_port(struct mos_ctx *c, int in_port, uint32_t daddr,
		     uint8_t *ethh)
{
	const struct mos_config *cfg = c->cfg;
	int port = cfg->ports[in_port].fwd_peer;

	if (port >= 0) {
		mos_route_set_macs(cfg, ethh, port, daddr, 0);
		return port;
	}
	port = mos_route_lookup(cfg, daddr);
	if (port < 0 && cfg->io == MOS_IO_PCAP && !cfg->nroutes)
		return in_port;		/* capture recorder, see route.c */
	if (port < 0 || mos_route_set_macs(cfg, ethh, port, daddr, 1) < 0)
		return -1;
	return port;
}

static uint32_t build(uint8_t *f, const struct pkt_info *pkt)
{
	const uint8_t *iph = (const uint8_t *)pkt->iph;
	const uint8_t *th = (const uint8_t *)pkt->tcph;
	uint8_t *ip = f + ETH_LEN, *tcp = ip + IP4_LEN;
	uint16_t tot = (uint16_t)(IP4_LEN + TCP_LEN + pkt->payloadlen);
	uint16_t v;

	if (pkt->ethh)
		memcpy(f, pkt->ethh, 12);
	else
		memset(f, 0, 12);
	wr16(f + 12, 0x0800);

	memset(ip, 0, IP4_LEN);
	ip[0] = 0x45;
	ip[1] = iph[1];				/* TOS */
	wr16(ip + 2, tot);
	memcpy(ip + 4, iph + 4, 2);		/* id */
	ip[6] = iph[6] & 0x40;			/* keep DF only */
	ip[8] = iph[8] ? iph[8] : 64;		/* TTL */
	ip[9] = 6;
	memcpy(ip + 12, iph + 12, 8);		/* addresses */
	v = mos_csum_ipv4_hdr(ip, IP4_LEN);
	memcpy(ip + 10, &v, 2);

	memset(tcp, 0, TCP_LEN);
	memcpy(tcp, th, 12);			/* ports, seq, ack */
	tcp[12] = (TCP_LEN / 4) << 4;
	tcp[13] = th[13] & (MOS_TH_FIN | MOS_TH_SYN | MOS_TH_RST |
			    MOS_TH_PSH | MOS_TH_ACK);
	memcpy(tcp + 14, th + 14, 2);		/* window */
	if (pkt->payloadlen)
		memcpy(tcp + TCP_LEN, pkt->payload, pkt->payloadlen);
	return ETH_LEN + tot;
}

static int tcp_csum(uint8_t *f, uint32_t len)
{
	struct mos_pkt p;
	uint16_t v;

	if (mos_pkt_parse(&p, f, len, false) != MOS_PKT_TCP)
		return -1;
	v = mos_csum_tcp(&p);
	memcpy(f + p.l4_off + 16, &v, 2);
	return 0;
}

static int send_checks(struct mos_ctx *c, const struct pkt_info *pkt)
{
	if (!pkt->iph || !pkt->tcph) {
		errno = ENODATA;
		return -1;
	}
	if (pkt->payloadlen > SEND_MAX_PAYLOAD ||
	    (pkt->payloadlen && !pkt->payload) || pkt->in_ifidx < 0 ||
	    pkt->in_ifidx >= c->cfg->nports) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

MOS_EXPORT int mtcp_sendpkt(mctx_t mctx, int sock, const struct pkt_info *pkt)
{
	struct mos_ctx *c = mos_ctx_check(mctx);
	struct mos_sock *s;
	struct mos_frame *fr;
	uint32_t daddr;
	int port;

	if (!c)
		return -1;
	if (!pkt) {
		errno = EACCES;		/* as 0.3 */
		return -1;
	}
	s = mos_cb_sock(mctx, sock, &c);
	if (!s)
		return -1;
	if (s->type != MOS_SOCK_MONITOR_STREAM_ACTIVE) {
		errno = ENOTSOCK;
		return -1;
	}
	if (send_checks(c, pkt) < 0)
		return -1;
	fr = c->io->ops->alloc_frame(c->io, c->pub.cpu);
	if (!fr) {
		errno = ENOBUFS;
		return -1;
	}
	if (fr->room < ETH_LEN + IP4_LEN + TCP_LEN + SEND_MAX_PAYLOAD) {
		c->io->ops->free_frames(c->io, c->pub.cpu, &fr, 1);
		errno = ENOBUFS;
		return -1;
	}
	fr->len = build(fr->data, pkt);
	memcpy(&daddr, fr->data + ETH_LEN + 16, 4);
	port = send_port(c, pkt->in_ifidx, daddr, fr->data);
	if (port < 0 || tcp_csum(fr->data, fr->len) < 0) {
		c->io->ops->free_frames(c->io, c->pub.cpu, &fr, 1);
		c->stats.route_drops += port < 0;
		errno = port < 0 ? ENETUNREACH : EINVAL;
		return -1;
	}
	fr->port = pkt->in_ifidx;
	fr->ts_us = c->now_us;
	c->stats.injected++;
	c->tx[port][c->ntx[port]++] = fr;
	if (c->ntx[port] == c->burst)
		mos_ctx_flush_port(c, port);
	return 0;
}
