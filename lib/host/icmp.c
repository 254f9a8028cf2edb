/*
 * icmp.c -- echo replies (see icmp.h).  The request's frame becomes the
 * reply: addresses swapped, type 8 -> 0, both checksums recomputed
 * (RFC 792: the ICMP checksum covers the whole ICMP message).
 */
#include "internal.h"

#include <string.h>

#include "context.h"
#include "host/host.h"
#include "host/icmp.h"
#include "pkt_parse.h"
#include "route.h"

#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO 8

static uint16_t csum(const uint8_t *b, uint32_t len)
{
	uint32_t sum = 0, i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void mos_icmp_input(struct mos_ctx *c, struct mos_frame *f)
{
	struct mos_pkt *p = &f->pkt;
	uint8_t *ip = f->data + p->l3_off, *icmp;
	uint32_t ihl, len, saddr;
	uint16_t ck, ipck;
	uint8_t mac[6];
	int port;

	if (p->l4proto != 1 || p->ip_len < 20 ||
	    (uint32_t)p->l3_off + p->ip_len > f->len)
		goto drop;
	ihl = (uint32_t)(ip[0] & 0x0f) * 4u;
	if (ihl < 20 || ihl + 8 > p->ip_len)
		goto drop;
	icmp = ip + ihl;
	len = p->ip_len - ihl;
	if (icmp[0] != ICMP_ECHO || icmp[1] != 0 || csum(icmp, len) != 0)
		goto drop;
	icmp[0] = ICMP_ECHO_REPLY;
	icmp[2] = icmp[3] = 0;
	ck = csum(icmp, len);
	icmp[2] = (uint8_t)(ck >> 8);
	icmp[3] = (uint8_t)ck;
	memcpy(&saddr, ip + 12, 4);
	memcpy(ip + 12, ip + 16, 4);
	memcpy(ip + 16, &saddr, 4);
	ip[8] = 64;		/* a fresh TTL */
	ipck = mos_csum_ipv4_hdr(ip, ihl);
	memcpy(ip + 10, &ipck, 2);
	/* back where it came from: the requester is on that port's link
	 * (or behind the router whose MAC sent it) */
	port = f->port;
	if (port < 0)
		goto drop;
	memcpy(mac, f->data + 6, 6);
	memcpy(f->data, mac, 6);
	memcpy(f->data + 6, mos_host_port_mac(c, port), 6);
	f->len = (uint32_t)p->l3_off + p->ip_len;
	c->host->stats.icmp_echo++;
	mos_host_wire(c, port, f);
	return;
drop:
	c->host->stats.drop_proto++;
	c->io->ops->free_frames(c->io, c->pub.cpu, &f, 1);
}
