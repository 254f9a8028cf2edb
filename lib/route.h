/*
 * route.h -- where a frame leaves when its port has no nic_forward_table
 * pair (mos.conf(5)): IPv4 by route_table + arp_table, the rest dropped.
 */
#ifndef MOS_ROUTE_H
#define MOS_ROUTE_H

#include <stdint.h>

struct mos_ctx;
struct mos_frame;
struct mos_config;

/* Port whose route_table entry covers daddr (network order), longest
 * prefix first; -1 when none does. */
int mos_route_lookup(const struct mos_config *cfg, uint32_t daddr);
/* MAC of the arp_table entry covering daddr (longest prefix); NULL. */
const uint8_t *mos_arp_lookup(const struct mos_config *cfg, uint32_t daddr);
/* Output port of a forwarded frame that arrived on an unpaired port, its
 * Ethernet addresses rewritten for the next hop; -1 (counted in
 * stats.route_drops) when it cannot be routed. */
int mos_route_frame(struct mos_ctx *c, struct mos_frame *fr);
/* Ethernet addresses of a frame leaving by `port` towards daddr: the
 * arp_table entry if any (else dst is left alone), the port's `mac`
 * setting as source if set.  -1 when the port has no ARP entry and
 * need_arp is set. */
int mos_route_set_macs(const struct mos_config *cfg, uint8_t *ethh,
		       int port, uint32_t daddr, int need_arp);

#endif
