/*
 * arp.h -- ARP for the ports' own addresses (RFC 826): requests for our
 * addresses answered, next hops resolved with requests of our own, and a
 * cache with timeouts beside the static arp_table of mos.conf.
 *
 * Look-up order for a next hop: the static arp_table (longest prefix),
 * then the cache.  A miss sends a request and holds the frame (a few per
 * next hop) until the reply; after MOS_ARP_TRIES unanswered requests the
 * held frames are dropped and one line says which address, on which port,
 * and that neither the arp_table nor ARP knew it.
 *
 * Each context has its own cache and its own held frames; what any
 * context learns from ARP goes to a process-wide table too, because a
 * reply reaches the context that reads the port, not necessarily the one
 * that asked.
 */
#ifndef MOS_HOST_ARP_H
#define MOS_HOST_ARP_H

#include <stdbool.h>
#include <stdint.h>

struct mos_ctx;
struct mos_frame;

#define MOS_ARP_HOLD 8			/* frames held per next hop */
#define MOS_ARP_TRIES 3			/* requests before giving up */
#define MOS_ARP_RETRY_US 1000000u	/* between requests */
#define MOS_ARP_TTL_US 60000000u	/* a learned entry's life */

enum { MOS_ARP_FREE = 0, MOS_ARP_PENDING, MOS_ARP_OK };

struct mos_arp_ent {
	uint32_t ip;			/* network order */
	int port;
	int state;
	uint8_t mac[6];
	uint64_t expires_us;		/* OK: learned until */
	uint64_t next_try_us;		/* PENDING: next request */
	int tries;
	int nheld;
	struct mos_frame *held[MOS_ARP_HOLD];
};

struct mos_arp {
	struct mos_arp_ent *e;
	int n, cap;
	int npending;
};

int mos_arp_init(struct mos_arp *a);
void mos_arp_fini(struct mos_ctx *c, struct mos_arp *a);

/* The MAC for next hop ip out of port: 0 with mac filled; 1 when f is
 * held until ARP answers (a request went out); -1 when f was dropped
 * (errno EHOSTUNREACH after one log line, or ENOBUFS).  f may be NULL
 * (only asks). */
int mos_arp_resolve(struct mos_ctx *c, int port, uint32_t ip, uint8_t *mac,
		    struct mos_frame *f);
/* An ARP frame received on f->port: learn the sender, answer requests
 * for our addresses (the frame is reused for the reply).  Consumes f. */
void mos_arp_input(struct mos_ctx *c, struct mos_frame *f);
/* Retries, answers other contexts learned, give-ups (after_burst). */
void mos_arp_tick(struct mos_ctx *c);

#endif
