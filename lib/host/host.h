/*
 * host.h -- the end-host half of a context (libmos(3)): its TCP engine,
 * ARP, the local addresses, the frames it
 * sends, the epoll instance, and how application threads sleep in
 * blocking calls.
 *
 * Threads.  Every call here is made with the context's lock held (the
 * context thread holds it while it runs its loop; application threads
 * take it with mos_ctx_enter).  A blocking call does not sleep on that
 * lock: it notes `seq`, leaves the context and sleeps on `wlock`/`wcond`
 * until `seq` moves.  Whoever makes news a sleeper may be waiting for
 * (engine events, pipe traffic, the context's end) bumps `seq` once
 * the news is visible: the context thread after the burst that made it
 * (mos_host_after_burst), an application thread when it leaves the
 * context (mos_host_leave).  `seq` is read under the context lock and
 * written under both, so a sleeper that saw nothing cannot miss the bump.
 *
 * Frames.  What the engine sends is queued (`outq`) and leaves in the
 * context thread's after_burst, after the embedded monitor has seen it
 * (monitor callbacks run on the context thread only).  Without monitor
 * sockets an application thread sends its frames itself when it leaves.
 */
#ifndef MOS_HOST_HOST_H
#define MOS_HOST_HOST_H

#include <pthread.h>
#include <sys/socket.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "host/arp.h"
#include "host/rss.h"

struct mos_ctx;
struct mos_frame;
struct mos_tcp;
struct mos_epoll;

#define MOS_HOST_MAX_ADDRS 32	/* one per port */

struct mos_host_stats {
	uint64_t rx_frames;	/* frames taken for our addresses */
	uint64_t arp_in, arp_replies, arp_requests;
	uint64_t icmp_echo;	/* echo requests answered */
	uint64_t drop_proto;	/* for us, but neither ARP, ICMP echo nor TCP */
	uint64_t drop_noroute;	/* no port address nor route_table entry */
	uint64_t drop_noarp;	/* ARP gave up / held queue overflowed */
	uint64_t drop_nobuf;	/* no frame to send with */
	uint64_t drop_monitor;	/* a monitor callback dropped our output */
	uint64_t tx_frames;
};

struct mos_host {
	struct mos_ctx *ctx;
	struct mos_tcp *tcp;
	uint16_t mss;

	/* our addresses: the ports' `address` settings */
	int naddrs;
	uint32_t addr[MOS_HOST_MAX_ADDRS];	/* network order */
	int addr_port[MOS_HOST_MAX_ADDRS];

	struct mos_arp arp;
	struct mos_rss_pool rss;	/* mtcp_init_rss */
	uint16_t next_port;		/* where the source-port search resumes */

	/* frames the engine sent, waiting for the monitor and the wire */
	struct mos_frame **outq;
	int nout, capout;

	struct mos_epoll *ep;		/* the context's one instance */
	uint64_t ep_tokens;		/* hsock ep_token source */
	uint64_t ep_gen;		/* epoll instances closed so far */

	/* blocking calls */
	pthread_mutex_t wlock;
	pthread_cond_t wcond;		/* CLOCK_MONOTONIC */
	pthread_cond_t gone;		/* a sleeper left (freeing waits) */
	uint64_t seq;
	bool news;			/* something to bump seq for */
	int nblocked;			/* under the context lock */

	uint64_t next_due;		/* engine's next timer */
	uint64_t now_us;		/* engine time of the current drain */
	uint64_t noroute_said;		/* next "no route" line not before */
	bool mac_known[MOS_MAX_PORTS];
	uint8_t mac[MOS_MAX_PORTS][6];	/* the devices' own addresses */
	struct mos_host_stats stats;
};

/* Set up / tear down c->host (context.c).  Init fails with errno. */
int mos_host_init(struct mos_ctx *c);
void mos_host_free(struct mos_ctx *c);

/* The cheap per-frame test (one compare per port address): is this
 * parsed frame ARP, or IPv4 to one of our addresses? */
static inline bool mos_host_wants(const struct mos_host *h,
				  const struct mos_frame *f);
/* Take a frame mos_host_wants: ARP / ICMP echo / TCP.  Consumes it. */
void mos_host_input(struct mos_ctx *c, struct mos_frame *f);
/* Context thread, after every burst: engine timers, ARP retries, queued
 * output through the monitor to the ports, wake sleepers. */
void mos_host_after_burst(struct mos_ctx *c);
/* The context's end: wake every sleeper (they return EINTR). */
void mos_host_ended(struct mos_ctx *c);
/* Microseconds until the next engine timer (UINT64_MAX: none). */
uint64_t mos_host_next_due(const struct mos_ctx *c);

/* Engine time: the context clock, or for live input the clock now. */
uint64_t mos_host_now(struct mos_ctx *c);
/* Note news for sleepers. */
static inline void mos_host_kick(struct mos_host *h)
{
	h->news = true;
}
/* Leave the context after an end-host call: output sent when no monitor
 * needs to see it first, sleepers woken. */
void mos_host_leave(struct mos_ctx *c);
/*
 * Sleep until news, the deadline (CLOCK_MONOTONIC, NULL = none) or the
 * context's end; entered and left with the context held.  Returns 0 to
 * look again, -1 with errno ETIMEDOUT or EINTR (context stopping).  Starts
 * offline input (libmos(3)) first.
 */
int mos_host_sleep(struct mos_ctx *c, const struct timespec *deadline);

/* Is a an address of ours?  Its port index, or -1. */
int mos_host_addr_port(const struct mos_host *h, uint32_t a);
/* Output port and source address for daddr (network order): the port
 * whose subnet holds daddr, else route_table.  -1 (and one log line
 * naming daddr and the tables) when neither covers it. */
int mos_host_route(struct mos_ctx *c, uint32_t daddr, uint32_t *saddr,
		   bool say);
/* Put a complete frame on port's transmit queue (context lock held). */
void mos_host_wire(struct mos_ctx *c, int port, struct mos_frame *f);
/* The source MAC of our frames on port: its `mac` setting, else the
 * device's own address. */
const uint8_t *mos_host_port_mac(struct mos_ctx *c, int port);
/* One line on the context log and on stderr. */
void mos_host_log(struct mos_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* api_host.c: the end-host parts of calls shared with the monitor. */
struct mos_sock;
struct mos_hsock;
struct sockaddr;
/* mtcp_socket(SOCK_STREAM): the id or -1 (ENFILE, ENOMEM). */
int mos_host_socket(struct mos_ctx *c);
/* mtcp_close of an end-host socket; the id is released in every case. */
int mos_host_close(struct mos_ctx *c, struct mos_sock *s);
/* mtcp_getpeername on an end-host socket: false when sock is not one
 * (nothing done); else *rc is the call's result.  Enters the context. */
bool mos_host_getpeername(struct mos_ctx *c, int sock, struct sockaddr *addr,
			  socklen_t *addrlen, int *rc);
/* mtcp_getsockopt(SOL_SOCKET): the call's result.  Enters the context. */
int mos_host_getsockopt(struct mos_ctx *c, int sock, int optname,
			void *optval, socklen_t *optlen);
/* The epoll bits true of hs now. */
uint32_t mos_host_ready(struct mos_ctx *c, struct mos_hsock *hs);

/* ------------------------------------------------------------ inline */

#include <string.h>

#include "io.h"

static inline bool mos_host_wants(const struct mos_host *h,
				  const struct mos_frame *f)
{
	uint32_t a;
	int i;

	if (!h->naddrs)
		return false;
	if (f->pkt.ethertype == 0x0800) {
		a = f->pkt.daddr.v4;	/* set even when the header is bad */
	} else if (f->pkt.ethertype == 0x0806 &&
		   f->len >= (uint32_t)f->pkt.l3_off + 28u) {
		/* ARP whose target is ours; other ARP passes on as before */
		const uint8_t *t = f->data + f->pkt.l3_off + 24;

		memcpy(&a, t, 4);
	} else {
		return false;
	}
	for (i = 0; i < h->naddrs; i++)
		if (a == h->addr[i])
			return true;
	return false;
}

#endif
