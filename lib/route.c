/*
 * route.c -- forwarding for frames whose port has no nic_forward_table
 * pair (mos.conf(5)), and the table look-ups mtcp_sendpkt shares.
 *
 * A capture port (io = "pcap") with no pair and no route_table writes what
 * passes to its own pcap_out: that keeps `forward = true` on a single
 * offline port useful as a recorder of what an inline box would emit.
 */
#include "internal.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>

#include "context.h"
#include "route.h"

#define ETH_HLEN_ 14
#define ETH_P_IPV4_ 0x0800
#define ETH_P_VLAN_ 0x8100
#define ETH_P_QINQ_ 0x88a8

/* Network-order mask of `prefix` leading ones. */
static uint32_t prefix_mask(int prefix)
{
	if (prefix <= 0)
		return 0;
	if (prefix >= 32)
		return 0xffffffffu;
	return htonl(0xffffffffu << (32 - prefix));
}

static bool covers(uint32_t net, int prefix, uint32_t addr)
{
	uint32_t m = prefix_mask(prefix);

	return ((net ^ addr) & m) == 0;
}

int mos_route_lookup(const struct mos_config *cfg, uint32_t daddr)
{
	int i, best = -1, best_len = -1;

	for (i = 0; i < cfg->nroutes; i++) {
		const struct mos_route_entry *e = &cfg->routes[i];

		if (e->prefix > best_len &&
		    covers(e->addr.s_addr, e->prefix, daddr)) {
			best = e->port;
			best_len = e->prefix;
		}
	}
	return best;
}

const uint8_t *mos_arp_lookup(const struct mos_config *cfg, uint32_t daddr)
{
	const uint8_t *best = NULL;
	int i, best_len = -1;

	for (i = 0; i < cfg->narp; i++) {
		const struct mos_arp_entry *e = &cfg->arp[i];

		if (e->prefix > best_len &&
		    covers(e->addr.s_addr, e->prefix, daddr)) {
			best = e->mac;
			best_len = e->prefix;
		}
	}
	return best;
}

int mos_route_set_macs(const struct mos_config *cfg, uint8_t *ethh,
		       int port, uint32_t daddr, int need_arp)
{
	const uint8_t *mac = mos_arp_lookup(cfg, daddr);
	const struct mos_port_conf *pc = &cfg->ports[port];

	if (!mac && need_arp)
		return -1;
	if (mac)
		memcpy(ethh, mac, 6);
	if (pc->has_mac)
		memcpy(ethh + 6, pc->mac, 6);
	return 0;
}

/* Destination of an IPv4 frame (VLAN tags skipped); false otherwise. */
static bool frame_daddr(const struct mos_frame *fr, uint32_t *daddr)
{
	uint32_t off = ETH_HLEN_;
	uint16_t type;

	if (fr->len < ETH_HLEN_)
		return false;
	type = (uint16_t)(fr->data[12] << 8 | fr->data[13]);
	while ((type == ETH_P_VLAN_ || type == ETH_P_QINQ_) &&
	       fr->len >= off + 4) {
		type = (uint16_t)(fr->data[off + 2] << 8 | fr->data[off + 3]);
		off += 4;
	}
	if (type != ETH_P_IPV4_ || fr->len < off + 20 ||
	    (fr->data[off] >> 4) != 4)
		return false;
	memcpy(daddr, fr->data + off + 16, 4);
	return true;
}

int mos_route_frame(struct mos_ctx *c, struct mos_frame *fr)
{
	const struct mos_config *cfg = c->cfg;
	bool recorder = cfg->io == MOS_IO_PCAP && !cfg->nroutes;
	uint32_t daddr;
	int port;

	if (!frame_daddr(fr, &daddr)) {
		if (recorder)
			return fr->port;
		c->stats.route_drops++;	/* non-IPv4 goes across pairs only */
		return -1;
	}
	port = mos_route_lookup(cfg, daddr);
	if (port < 0 && recorder)
		return fr->port;
	if (port < 0 || mos_route_set_macs(cfg, fr->data, port, daddr, 1)) {
		c->stats.route_drops++;
		return -1;
	}
	return port;
}
