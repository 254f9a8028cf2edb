/*
 * host.c -- the end-host half of a context (see host.h): the engine's
 * environment, frames in and out, timers, and sleeping application
 * threads.
 */
#include "internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "context.h"
#include "host/arp.h"
#include "host/epoll.h"
#include "host/host.h"
#include "host/hsock.h"
#include "host/icmp.h"
#include "host/pipe.h"
#include "host/tcp.h"
#include "route.h"

#define HOST_MSS 1460		/* MTU 1500 less IPv4 and TCP headers */
#define SLEEP_SLICE_NS 100000000	/* recheck the stop flag this often */
#define LOG_GAP_US 1000000u	/* "no route" lines: one a second at most */

/* ------------------------------------------------------------ messages */

void mos_host_log(struct mos_ctx *c, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (c->log) {
		fprintf(c->log, "context %d: %s\n", c->pub.cpu, line);
		fflush(c->log);
	}
	fprintf(stderr, "mos: context %d: %s\n", c->pub.cpu, line);
}

/* ------------------------------------------------------- addresses, MACs */

int mos_host_addr_port(const struct mos_host *h, uint32_t a)
{
	int i;

	for (i = 0; i < h->naddrs; i++)
		if (h->addr[i] == a)
			return h->addr_port[i];
	return -1;
}

static uint32_t mask_of(int prefix)
{
	return prefix <= 0 ? 0 : prefix >= 32 ? 0xffffffffu
					      : htonl(~0u << (32 - prefix));
}

/* The first address configured on port (network order), 0 if none. */
static uint32_t port_addr(const struct mos_config *cfg, int port)
{
	return cfg->ports[port].has_addr ? cfg->ports[port].addr.s_addr : 0;
}

int mos_host_route(struct mos_ctx *c, uint32_t daddr, uint32_t *saddr,
		   bool say)
{
	const struct mos_config *cfg = c->cfg;
	int p, best = -1, best_len = -1;

	/* a port's own subnet first (its `address` with prefix), then the
	 * route_table: the longest prefix wins in each */
	for (p = 0; p < cfg->nports; p++) {
		const struct mos_port_conf *pc = &cfg->ports[p];

		if (pc->has_addr && pc->prefix > best_len &&
		    !((pc->addr.s_addr ^ daddr) & mask_of(pc->prefix))) {
			best = p;
			best_len = pc->prefix;
		}
	}
	if (best < 0)
		best = mos_route_lookup(cfg, daddr);
	if (best >= 0 && port_addr(cfg, best)) {
		if (saddr)
			*saddr = port_addr(cfg, best);
		return best;
	}
	if (say) {
		char ip[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &daddr, ip, sizeof(ip));
		if (best >= 0)
			mos_host_log(c, "no route to %s: route_table sends it "
				     "to port %s, which has no `address`", ip,
				     cfg->ports[best].name);
		else
			mos_host_log(c, "no route to %s: no port `address` "
				     "subnet and no route_table entry covers "
				     "it", ip);
	}
	return -1;
}

const uint8_t *mos_host_port_mac(struct mos_ctx *c, int port)
{
	struct mos_host *h = c->host;
	const struct mos_port_conf *pc = &c->cfg->ports[port];

	if (pc->has_mac)
		return pc->mac;
	if (!h->mac_known[port]) {
		h->mac_known[port] = true;
		if (!c->io->ops->port_mac ||
		    c->io->ops->port_mac(c->io, port, h->mac[port]) < 0)
			mos_host_log(c, "port %s: its MAC address is unknown; "
				     "set `mac` in mos.conf for end-host use",
				     pc->name);
	}
	return h->mac[port];
}

/* -------------------------------------------------------------- the wire */

void mos_host_wire(struct mos_ctx *c, int port, struct mos_frame *f)
{
	c->host->stats.tx_frames++;
	c->tx[port][c->ntx[port]++] = f;
	if (c->ntx[port] == c->burst)
		mos_ctx_flush_port(c, port);
}

static void drop_frame(struct mos_ctx *c, struct mos_frame *f, uint64_t *ctr)
{
	(*ctr)++;
	c->io->ops->free_frames(c->io, c->pub.cpu, &f, 1);
}

/* Route, address and send one frame the engine made. */
static void send_out(struct mos_ctx *c, struct mos_frame *f, bool observe)
{
	struct mos_host *h = c->host;
	uint32_t daddr;
	uint8_t mac[6];
	int port, rc;

	memcpy(&daddr, f->data + 14 + 16, 4);
	port = mos_host_route(c, daddr, NULL, h->now_us >= h->noroute_said);
	if (port < 0) {
		h->noroute_said = h->now_us + LOG_GAP_US;
		drop_frame(c, f, &h->stats.drop_noroute);
		return;
	}
	memcpy(f->data + 6, mos_host_port_mac(c, port), 6);
	f->data[12] = 0x08;
	f->data[13] = 0x00;
	f->port = port;
	if (observe && mos_packet_observe(c, f)) {
		drop_frame(c, f, &h->stats.drop_monitor);
		return;
	}
	rc = mos_arp_resolve(c, port, daddr, mac, f);
	if (rc == 0) {
		memcpy(f->data, mac, 6);
		mos_host_wire(c, port, f);
	}
	/* 1: held until ARP answers; -1: dropped and said */
}

/* Queued output to the ports; the monitor sees it first when asked (on
 * the context thread, where its callbacks may run). */
static void drain(struct mos_ctx *c, bool observe)
{
	struct mos_host *h = c->host;
	int i;

	observe = observe && (c->nlisteners || c->nraws);
	h->now_us = mos_host_now(c);
	/* send_out may queue nothing new: the engine is not called here */
	for (i = 0; i < h->nout; i++)
		send_out(c, h->outq[i], observe);
	h->nout = 0;
}

/* ------------------------------------------------------ the engine's env */

static struct mos_frame *env_alloc(void *arg)
{
	struct mos_ctx *c = arg;
	struct mos_frame *f = c->io->ops->alloc_frame(c->io, c->pub.cpu);

	if (f && f->room < MOS_TCP_FRAME_ROOM(c->host->mss)) {
		c->io->ops->free_frames(c->io, c->pub.cpu, &f, 1);
		return NULL;
	}
	if (f)
		memset(f->data, 0, 14);
	return f;
}

static void env_xmit(void *arg, struct mos_frame *f, uint32_t saddr,
		     uint32_t daddr)
{
	struct mos_ctx *c = arg;
	struct mos_host *h = c->host;

	(void)saddr;
	(void)daddr;
	if (h->nout == h->capout) {
		int ncap = h->capout ? h->capout * 2 : 64;
		struct mos_frame **n = realloc(h->outq,
					       sizeof(*n) * (size_t)ncap);

		if (!n) {
			drop_frame(c, f, &h->stats.drop_nobuf);
			return;
		}
		h->outq = n;
		h->capout = ncap;
	}
	f->ts_us = c->now_us;
	f->kind = MOS_FRAME_UNPARSED;
	f->csum_hw = 0;
	h->outq[h->nout++] = f;
}

static void env_notify(void *arg, struct mos_tcb *t, unsigned ev)
{
	struct mos_ctx *c = arg;
	struct mos_hsock *hs = mos_tcp_owner(t);
	uint32_t bits = 0;

	if (!hs)
		return;
	if (ev & MOS_TCP_EV_CONNECTED) {
		hs->conn = MOS_HS_CONNECTED;
		bits |= MOS_EPOLLOUT;
	}
	if (ev & (MOS_TCP_EV_READABLE | MOS_TCP_EV_ACCEPT))
		bits |= MOS_EPOLLIN;
	if ((ev & MOS_TCP_EV_WRITABLE) && hs->conn == MOS_HS_CONNECTED)
		bits |= MOS_EPOLLOUT;
	if (ev & MOS_TCP_EV_ERROR) {
		hs->so_error = mos_tcp_so_error(t);
		hs->conn = MOS_HS_FAILED;
		bits |= MOS_EPOLLERR;
		if (hs->so_error == ECONNRESET)
			bits |= MOS_EPOLLRDHUP;
	}
	mos_epoll_raise(c, hs, bits);
	mos_host_kick(c->host);
}

/* ------------------------------------------------------------ lifetime */

static void init_addrs(struct mos_host *h, const struct mos_config *cfg)
{
	int p;

	for (p = 0; p < cfg->nports && h->naddrs < MOS_HOST_MAX_ADDRS; p++) {
		if (!cfg->ports[p].has_addr)
			continue;
		h->addr[h->naddrs] = cfg->ports[p].addr.s_addr;
		h->addr_port[h->naddrs++] = p;
	}
}

/* The timestamp key: the same for every process of this boot.  boot_id
 * is a random string the kernel makes once per boot (random(4)); without
 * it, a key of this process only (restarts may then meet a peer's
 * TIME_WAIT with an older TSval and wait one SYN retransmission). */
static uint64_t boot_ts_secret(void)
{
	char id[64];
	uint64_t h = 0xcbf29ce484222325ull;	/* FNV-1a */
	size_t i, n = 0;
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	if (f) {
		n = fread(id, 1, sizeof(id), f);
		fclose(f);
	}
	if (n < 16 && getrandom(id, sizeof(id), 0) == (ssize_t)sizeof(id))
		n = sizeof(id);
	for (i = 0; i < n; i++)
		h = (h ^ (uint8_t)id[i]) * 0x100000001b3ull;
	return h;
}

static int init_engine(struct mos_ctx *c)
{
	struct mos_host *h = c->host;
	struct mos_tcp_conf conf = { 0 };
	struct mos_tcp_env env = {
		.arg = c,
		.alloc = env_alloc,
		.xmit = env_xmit,
		.notify = env_notify,
	};

	conf.rmem = (uint32_t)c->cfg->rmem_size;
	conf.wmem = (uint32_t)c->cfg->wmem_size;
	conf.max_tcbs = c->cfg->max_concurrency;
	conf.tw_sec = c->cfg->tcp_tw_interval;
	conf.mss = h->mss;
	/* RFC 6528: a secret per context, from the kernel's generator */
	if (getrandom(&conf.iss_secret, sizeof(conf.iss_secret), 0) !=
	    (ssize_t)sizeof(conf.iss_secret))
		conf.iss_secret = (uint32_t)(uintptr_t)h ^
				  (uint32_t)c->io->ops->now_us(c->io);
	conf.ts_secret = boot_ts_secret();
	h->tcp = mos_tcp_new(&conf, &env, c->now_us);
	return h->tcp ? 0 : -1;
}

int mos_host_init(struct mos_ctx *c)
{
	struct mos_host *h = calloc(1, sizeof(*h));
	pthread_condattr_t ca;

	if (!h) {
		errno = ENOMEM;
		return -1;
	}
	c->host = h;
	h->ctx = c;
	h->mss = HOST_MSS;
	h->next_port = (uint16_t)(1024 + (c->pub.cpu * 7919) % 60000);
	h->next_due = UINT64_MAX;
	init_addrs(h, c->cfg);
	mos_arp_init(&h->arp);
	pthread_mutex_init(&h->wlock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->wcond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&h->gone, NULL);
	if (init_engine(c) < 0) {
		int e = errno;

		mos_host_free(c);
		errno = e;
		return -1;
	}
	return 0;
}

/* Every end-host socket still open: tcbs go with the engine. */
static void free_sockets(struct mos_ctx *c)
{
	int i;

	for (i = 0; i < c->socks.high; i++) {
		struct mos_sock *s = &c->socks.s[i];
		struct mos_hsock *hs = s->host;

		if (!mos_sock_is_host(s->type) || !hs)
			continue;
		/* the pipe goes with its second end */
		if (hs->pipe)
			mos_pipe_close(hs->pipe, hs->pipe_end);
		if (hs->ep)
			mos_epoll_free(hs->ep);
		free(hs);
		s->host = NULL;
		mos_sock_free(&c->socks, i);
	}
}

void mos_host_free(struct mos_ctx *c)
{
	struct mos_host *h = c->host;

	if (!h)
		return;
	/* sleepers still inside a blocking call leave first (they hold no
	 * pointer into the context once nblocked drops) */
	pthread_mutex_lock(&c->lock);
	while (h->nblocked) {
		pthread_mutex_lock(&h->wlock);
		h->seq++;
		pthread_cond_broadcast(&h->wcond);
		pthread_mutex_unlock(&h->wlock);
		pthread_cond_wait(&h->gone, &c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	free_sockets(c);
	if (h->tcp)
		mos_tcp_free(h->tcp);
	if (h->nout)
		c->io->ops->free_frames(c->io, c->pub.cpu, h->outq, h->nout);
	free(h->outq);
	mos_arp_fini(c, &h->arp);
	pthread_cond_destroy(&h->gone);
	pthread_cond_destroy(&h->wcond);
	pthread_mutex_destroy(&h->wlock);
	free(h);
	c->host = NULL;
}

/* ------------------------------------------------------------- frames in */

void mos_host_input(struct mos_ctx *c, struct mos_frame *f)
{
	struct mos_host *h = c->host;

	h->stats.rx_frames++;
	if (f->pkt.ethertype == 0x0806) {
		mos_arp_input(c, f);
		return;
	}
	if (f->kind == MOS_PKT_TCP || f->kind == MOS_MAL_TCP_CSUM) {
		/* the burst's clock: a clock read per frame costs more
		 * than the RTT samples gain (RFC 6298 granularity) */
		mos_tcp_input(h->tcp, f, c->now_us);
		h->next_due = mos_tcp_next_due(h->tcp);
		c->io->ops->free_frames(c->io, c->pub.cpu, &f, 1);
		return;
	}
	if (f->kind == MOS_PKT_OTHER && f->pkt.ipver == 4 &&
	    f->pkt.l4proto == 1) {
		mos_icmp_input(c, f);
		return;
	}
	drop_frame(c, f, &h->stats.drop_proto);
}

/* ------------------------------------------------------------- the loop */

uint64_t mos_host_now(struct mos_ctx *c)
{
	if (!c->io->offline) {
		uint64_t t = c->io->ops->now_us(c->io);

		if (t > c->now_us)
			c->now_us = t;
	}
	return c->now_us;
}

uint64_t mos_host_next_due(const struct mos_ctx *c)
{
	return c->host ? c->host->next_due : UINT64_MAX;
}

static void wake(struct mos_host *h)
{
	if (!h->news)
		return;
	h->news = false;
	pthread_mutex_lock(&h->wlock);
	h->seq++;
	pthread_cond_broadcast(&h->wcond);
	pthread_mutex_unlock(&h->wlock);
}

void mos_host_after_burst(struct mos_ctx *c)
{
	struct mos_host *h = c->host;

	if (!h)
		return;
	if (h->next_due <= c->now_us)
		h->next_due = mos_tcp_timers(h->tcp, c->now_us);
	mos_arp_tick(c);
	if (h->nout) {
		drain(c, true);
		h->next_due = mos_tcp_next_due(h->tcp);
	}
	wake(h);
}

static void stats_print(const struct mos_ctx *c, FILE *f)
{
	const struct mos_host_stats *s = &c->host->stats;
	const struct mos_tcp_stats *t = mos_tcp_stats(c->host->tcp);

	fprintf(f, "context %d: host rx %" PRIu64 " tx %" PRIu64
		" arp in %" PRIu64 " replies %" PRIu64 " requests %" PRIu64
		" icmp echo %" PRIu64 "; dropped: proto %" PRIu64
		" no-route %" PRIu64 " no-arp %" PRIu64 " no-buf %" PRIu64
		" monitor %" PRIu64 "\n", c->pub.cpu, s->rx_frames,
		s->tx_frames, s->arp_in, s->arp_replies, s->arp_requests,
		s->icmp_echo, s->drop_proto, s->drop_noroute, s->drop_noarp,
		s->drop_nobuf, s->drop_monitor);
	fprintf(f, "context %d: tcp segments in %" PRIu64 " out %" PRIu64
		" retransmitted %" PRIu64 " rst in %" PRIu64 " out %" PRIu64
		"; dropped: checksum %" PRIu64 " no-tcb %" PRIu64 "\n",
		c->pub.cpu, t->seg_in, t->seg_out, t->retrans_segs, t->rst_in,
		t->rst_out, t->drop_csum, t->drop_no_tcb);
}

void mos_host_ended(struct mos_ctx *c)
{
	struct mos_host *h = c->host;
	int p;

	if (!h)
		return;
	/* what application threads queued since the last burst still
	 * leaves (a RST of mtcp_abort, say); the monitor has ended */
	if (h->nout) {
		drain(c, false);
		for (p = 0; p < c->cfg->nports; p++)
			mos_ctx_flush_port(c, p);
	}
	if (c->log && (h->stats.rx_frames || h->stats.tx_frames))
		stats_print(c, c->log);
	if (getenv("MOS_STATS"))
		stats_print(c, stderr);
	h->news = true;
	wake(h);
}

void mos_host_leave(struct mos_ctx *c)
{
	struct mos_host *h = c->host;

	if (mos_self != c && h->nout && !c->nlisteners && !c->nraws) {
		int p;

		drain(c, false);
		for (p = 0; p < c->cfg->nports; p++)
			mos_ctx_flush_port(c, p);
	}
	h->next_due = mos_tcp_next_due(h->tcp);
	wake(h);
	mos_ctx_leave(c);
}

static void deadline_min(struct timespec *t, const struct timespec *d)
{
	if (d && (d->tv_sec < t->tv_sec ||
		  (d->tv_sec == t->tv_sec && d->tv_nsec < t->tv_nsec)))
		*t = *d;
}

static bool past(const struct timespec *d)
{
	struct timespec now;

	if (!d)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > d->tv_sec ||
	       (now.tv_sec == d->tv_sec && now.tv_nsec >= d->tv_nsec);
}

int mos_host_sleep(struct mos_ctx *c, const struct timespec *deadline)
{
	struct mos_host *h = c->host;
	uint64_t seen;
	int rc = 0;

	if (c->ended || c->stop) {
		errno = EINTR;
		return -1;
	}
	if (mos_self == c) {
		/* a callback of this context cannot wait for its own loop */
		errno = EAGAIN;
		return -1;
	}
	if (past(deadline)) {
		errno = ETIMEDOUT;
		return -1;
	}
	seen = h->seq;
	h->nblocked++;
	mos_host_leave(c);
	mos_ctx_start_input(c);		/* libmos(3): offline input waits */
	pthread_mutex_lock(&h->wlock);
	while (h->seq == seen && !__atomic_load_n(&c->ended, __ATOMIC_ACQUIRE)
	       && !__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		struct timespec t;

		/* a slice at most: a stop set from a signal handler is a
		 * plain store that wakes nobody */
		clock_gettime(CLOCK_MONOTONIC, &t);
		t.tv_nsec += SLEEP_SLICE_NS;
		if (t.tv_nsec >= 1000000000) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000;
		}
		deadline_min(&t, deadline);
		if (pthread_cond_timedwait(&h->wcond, &h->wlock, &t) ==
			    ETIMEDOUT && past(deadline))
			break;
	}
	pthread_mutex_unlock(&h->wlock);
	mos_ctx_enter(c);
	if (--h->nblocked == 0)
		pthread_cond_broadcast(&h->gone);
	if (c->ended || c->stop) {
		errno = EINTR;
		rc = -1;
	}
	return rc;
}
