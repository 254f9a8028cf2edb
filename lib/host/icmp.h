/*
 * icmp.h -- ICMP echo replies for the ports' addresses (RFC 792), so that
 * ping(8) of a port address works.  Nothing else of ICMP is handled.
 */
#ifndef MOS_HOST_ICMP_H
#define MOS_HOST_ICMP_H

struct mos_ctx;
struct mos_frame;

/* An IPv4 ICMP packet to one of our addresses: an echo request is
 * answered in the same frame; anything else is counted and freed.
 * Consumes f. */
void mos_icmp_input(struct mos_ctx *c, struct mos_frame *f);

#endif
