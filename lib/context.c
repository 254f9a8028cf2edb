/*
 * context.c -- a context's packet thread and its loop (DPDK's l2fwd shape):
 * a burst from every port it polls, then timers, flow expiry, NEW_DATA
 * notices and transmission, until it is asked to stop or its offline input
 * ends; at the end every remaining flow gets its MOS_ON_CONN_END.
 */
#include "internal.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "context.h"
#include "event.h"
#include "ip_defrag.h"
#include "host/host.h"

#define IDLE_SLEEP_NS 50000	/* live input with nothing to do ... */
#define IDLE_SPIN_POLLS 1024	/* ... after this many empty polls */

_Thread_local struct mos_ctx *mos_self;

static struct mos_ctx *registry[MOS_MAX_CONTEXTS];

void mos_ctx_register(int idx, struct mos_ctx *c)
{
	__atomic_store_n(&registry[idx], c, __ATOMIC_RELEASE);
}

struct mos_ctx *mos_ctx_registered(int idx)
{
	if (idx < 0 || idx >= MOS_MAX_CONTEXTS)
		return NULL;
	return __atomic_load_n(&registry[idx], __ATOMIC_ACQUIRE);
}

struct mos_ctx *mos_ctx_lookup(mctx_t mctx)
{
	int i;

	if (!mctx)
		return NULL;
	/* compare pointers only: mctx may point anywhere */
	for (i = 0; i < MOS_MAX_CONTEXTS; i++) {
		struct mos_ctx *c = mos_ctx_registered(i);

		if (c && &c->pub == mctx)
			return c;
	}
	return NULL;
}

struct mos_ctx *mos_ctx_check(mctx_t mctx)
{
	struct mos_ctx *c = mos_ctx_lookup(mctx);

	if (!c || (c->ended && mos_self != c)) {
		errno = EACCES;
		return NULL;
	}
	return c;
}

void mos_ctx_enter(struct mos_ctx *c)
{
	if (mos_self == c)
		return;
	__atomic_add_fetch(&c->waiters, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_lock(&c->lock);
	__atomic_sub_fetch(&c->waiters, 1, __ATOMIC_ACQ_REL);
	c->served++;
	/* the packet thread may be waiting for exactly this (idle_wait) */
	pthread_cond_broadcast(&c->cond);
}

void mos_ctx_leave(struct mos_ctx *c)
{
	if (mos_self != c) {
		pthread_cond_broadcast(&c->cond);
		pthread_mutex_unlock(&c->lock);
	}
}

/* ------------------------------------------------------------------ timers */

static bool timer_before(const struct mos_timer *a, const struct mos_timer *b)
{
	return a->due_us < b->due_us ||
	       (a->due_us == b->due_us && a->seq < b->seq);
}

static void timer_swap(struct mos_timer *a, struct mos_timer *b)
{
	struct mos_timer t = *a;

	*a = *b;
	*b = t;
}

int mos_timer_add(struct mos_ctx *c, uint64_t due_us, int id, callback_t cb)
{
	int i;

	if (c->ntimers == c->captimers) {
		int ncap = c->captimers ? c->captimers * 2 : 16;
		struct mos_timer *n = realloc(c->timers,
					      sizeof(*n) * (size_t)ncap);

		if (!n) {
			errno = ENOMEM;
			return -1;
		}
		c->timers = n;
		c->captimers = ncap;
	}
	i = c->ntimers++;
	c->timers[i] = (struct mos_timer){ due_us, c->timer_seq++, id, cb };
	while (i > 0 && timer_before(&c->timers[i], &c->timers[(i - 1) / 2])) {
		timer_swap(&c->timers[i], &c->timers[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	return 0;
}

static struct mos_timer timer_pop(struct mos_ctx *c)
{
	struct mos_timer top = c->timers[0];
	int i = 0;

	c->timers[0] = c->timers[--c->ntimers];
	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i;

		if (l < c->ntimers && timer_before(&c->timers[l], &c->timers[m]))
			m = l;
		if (r < c->ntimers && timer_before(&c->timers[r], &c->timers[m]))
			m = r;
		if (m == i)
			break;
		timer_swap(&c->timers[i], &c->timers[m]);
		i = m;
	}
	return top;
}

/* Offline time starts at the capture's first stamp: timers armed before
 * it count from there. */
static void timers_rebase(struct mos_ctx *c, uint64_t base)
{
	int i;

	for (i = 0; i < c->ntimers; i++)
		c->timers[i].due_us += base;
}

static void timers_run(struct mos_ctx *c)
{
	while (c->ntimers && c->timers[0].due_us <= c->now_us) {
		struct mos_timer t = timer_pop(c);

		mos_cur_reset(&c->cur);
		t.cb(&c->pub, t.id, 0, 0, NULL);
	}
}

/* -------------------------------------------------------------------- loop */

void mos_ctx_flush_port(struct mos_ctx *c, int port)
{
	int n = c->ntx[port];

	if (!n)
		return;
	c->ntx[port] = 0;
	c->stats.tx_frames += (uint64_t)c->io->ops->tx_burst(
		c->io, c->pub.cpu, port, c->tx[port], n);
}

static void flush_all(struct mos_ctx *c)
{
	int p;

	for (p = 0; p < c->cfg->nports; p++)
		mos_ctx_flush_port(c, p);
}

static void input(struct mos_ctx *c, struct mos_frame *f)
{
	if (c->io->offline && !c->now_us)
		timers_rebase(c, f->ts_us);
	if (c->io->offline && f->ts_us > c->now_us)
		c->now_us = f->ts_us;
	mos_packet_input(c, f);
}

/*
 * A burst in stages (DPDK's l3fwd shape): parse and hash every frame and
 * ask for its bucket; then, while frame k is processed, ask for the flow
 * that frame k + AHEAD_FLOW's bucket names, for the first socket, rings
 * and idle-list neighbours of frame k + AHEAD_SOCK's flow, and for the
 * ring slot frame k + AHEAD_SLOT will write through, so that each miss
 * is waited for behind other frames' work without asking for more lines
 * at once than the core can have in flight.  Only hints: every frame
 * still gets a real lookup when its turn comes.
 */
#define AHEAD_FLOW 4
#define AHEAD_SOCK 2
#define AHEAD_SLOT 1

static const struct mos_flow *ahead_flow(struct mos_ctx *c,
					 const struct mos_frame *f)
{
	if (f->kind != MOS_PKT_TCP)
		return NULL;
	return mos_flow_prefetch_flow(&c->flows, f->pkt.hash);
}

static void ahead_sock(struct mos_ctx *c, const struct mos_flow *g)
{
	int id, side;

	if (!g)
		return;
	id = g->sock_first;
	if (id >= 0 && id < c->socks.high) {
		/* its hot first 64 bytes straddle two lines unless the
		 * socket happens to start one */
		const char *s = (const char *)&c->socks.s[id];

		__builtin_prefetch(s);
		__builtin_prefetch(s + 63);
	}
	mos_flow_prefetch_links(&c->flows, g);
	/* the rings live in the pool, a line or two away from the flow */
	for (side = 0; side < 2; side++) {
		const char *r = (const char *)g->half[side].ring;

		if (r) {
			__builtin_prefetch(r);
			__builtin_prefetch(r + 64);
		}
	}
}

/* The rings' lines asked for by ahead_sock have come: now the slot each
 * ring's next write reads. */
static void ahead_slot(const struct mos_flow *g)
{
	int side;

	for (side = 0; g && side < 2; side++)
		if (g->half[side].ring)
			mos_ring_prefetch(g->half[side].ring);
}

static void burst_input(struct mos_ctx *c, struct mos_frame **fr, int n)
{
	const struct mos_flow *guess[MOS_MAX_BURST];
	int k;

	for (k = 0; k < n; k++) {
		mos_frame_parse(c->cfg, fr[k]);
		if (fr[k]->kind == MOS_PKT_TCP)
			mos_flow_prefetch(&c->flows, fr[k]->pkt.hash);
	}
	for (k = 0; k < n && k < AHEAD_FLOW; k++)
		guess[k] = ahead_flow(c, fr[k]);
	for (k = 0; k < n && k < AHEAD_SOCK; k++)
		ahead_sock(c, guess[k]);
	for (k = 0; k < n && k < AHEAD_SLOT; k++)
		ahead_slot(guess[k]);
	for (k = 0; k < n; k++) {
		if (k + AHEAD_FLOW < n)
			guess[k + AHEAD_FLOW] = ahead_flow(c, fr[k + AHEAD_FLOW]);
		if (k + AHEAD_SOCK < n)
			ahead_sock(c, guess[k + AHEAD_SOCK]);
		if (k + AHEAD_SLOT < n)
			ahead_slot(guess[k + AHEAD_SLOT]);
		input(c, fr[k]);
	}
}

/* Push frames to context d, waiting while its ring is full: it never
 * waits for us.  Returns how many it took (fewer once it has ended). */
static int hand_over(struct mos_ctx *c, struct mos_ctx *d,
		     struct mos_frame **f, int n)
{
	int done = 0;

	for (;;) {
		done += mos_xq_push_bulk(&d->inq, c->pub.cpu, f + done,
					 n - done);
		if (done == n ||
		    __atomic_load_n(&d->ended, __ATOMIC_ACQUIRE))
			return done;
		sched_yield();
	}
}

/* A burst of a port this context spreads: each other context's frames go
 * to it in one bulk push; what stays here is compacted to the front of
 * fr, in arrival order, and counted in the return value. */
static int spread_burst(struct mos_ctx *c, int port, struct mos_frame **fr,
			int n)
{
	const struct mos_port_spread *sp = &c->spread[port];
	struct mos_frame *batch[MOS_MAX_BURST];
	int8_t to[MOS_MAX_BURST];
	int i, k, m, seen, nlocal = 0;

	for (k = 0; k < n; k++) {
		int t;

		mos_frame_parse(c->cfg, fr[k]);
		t = mos_dispatch_pick(sp, fr[k]);
		to[k] = (int8_t)(t == c->pub.cpu || !mos_ctx_registered(t)
					 ? -1 : t);
	}
	for (i = 0; i < sp->n; i++) {
		struct mos_ctx *d;
		int t = sp->ctx[i], took;

		if (t == c->pub.cpu)
			continue;
		if (!(d = mos_ctx_registered(t))) {
			/* destroyed since the frames were picked for it */
			for (k = 0; k < n; k++)
				if (to[k] == t)
					to[k] = -1;
			continue;
		}
		for (k = m = 0; k < n; k++)
			if (to[k] == t)
				batch[m++] = fr[k];
		if (!m)
			continue;
		took = hand_over(c, d, batch, m);
		/* an ended context's frames are processed here instead */
		for (k = 0, seen = 0; k < n && took < m; k++)
			if (to[k] == t && seen++ >= took)
				to[k] = -1;
	}
	for (k = 0; k < n; k++)
		if (to[k] < 0)
			fr[nlocal++] = fr[k];
	return nlocal;
}

static void port_done(struct mos_ctx *c, int port)
{
	int i;

	for (i = 0; c->spreads[port] && i < c->spread[port].n; i++) {
		struct mos_ctx *d = mos_ctx_registered(c->spread[port].ctx[i]);

		if (d && d != c)
			__atomic_add_fetch(&d->feeds_ended, 1, __ATOMIC_ACQ_REL);
	}
}

/* One burst from every port and from other contexts; -1 once all input
 * has ended. */
static int poll_once(struct mos_ctx *c)
{
	int i, total = 0, open_inputs = 0, n;

	if (!c->io->offline)
		c->now_us = c->io->ops->now_us(c->io);
	for (i = 0; i < c->nports; i++) {
		int port = c->ports[i];

		if (c->port_ended[i])
			continue;
		n = c->io->ops->rx_burst(c->io, c->pub.cpu, port, c->rx,
					 c->burst);
		if (n < 0) {
			c->port_ended[i] = true;
			port_done(c, port);
			continue;
		}
		open_inputs++;
		total += n;
		if (c->spreads[port])
			n = spread_burst(c, port, c->rx, n);
		burst_input(c, c->rx, n);
	}
	if (c->nfeed) {
		/* read the count first: frames pushed before it are queued */
		if (__atomic_load_n(&c->feeds_ended, __ATOMIC_ACQUIRE) <
		    c->nfeed)
			open_inputs++;
		n = mos_xq_pop(&c->inq, c->rx, c->burst);
		burst_input(c, c->rx, n);
		if (n)
			open_inputs++;
		total += n;
	}
	return open_inputs ? total : -1;
}

static void after_burst(struct mos_ctx *c)
{
	timers_run(c);
	mos_flows_expire(c);
	if (c->defrag)	/* the budget comes back without new fragments */
		mos_defrag_expire(c->defrag, c->now_us, c->stats.defrag);
	mos_newdata_deliver(c);
	/* end host: TCP timers, ARP, its frames (the monitor sees them) */
	mos_host_after_burst(c);
	flush_all(c);
	if (c->cfg->n_stat_print && c->io->ops->print_stats &&
	    c->now_us >= c->next_stats_us) {
		if (c->next_stats_us)
			c->io->ops->print_stats(c->io, c->pub.cpu);
		c->next_stats_us = c->now_us +
				   (uint64_t)c->cfg->stat_interval * 1000000u;
	}
}

/* Frames handed over but never processed (the context was stopped). */
static void drop_handed(struct mos_ctx *c)
{
	int n;

	while ((n = mos_xq_pop(&c->inq, c->rx, c->burst)) > 0) {
		c->stats.drop_frames += (uint64_t)n;
		c->io->ops->free_frames(c->io, c->pub.cpu, c->rx, n);
	}
}

static void pin(struct mos_ctx *c)
{
	cpu_set_t set;

	if (c->core < 0 || c->core >= CPU_SETSIZE)
		return;
	CPU_ZERO(&set);
	CPU_SET(c->core, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0 && c->log)
		fprintf(c->log, "context %d: cannot pin to core %d: %s\n",
			c->pub.cpu, c->core, strerror(errno));
}

static void idle_wait(struct mos_ctx *c, bool nothing)
{
	struct timespec ts = { 0, IDLE_SLEEP_NS };
	int n = __atomic_load_n(&c->waiters, __ATOMIC_ACQUIRE);

	if (n > 0) {
		/* libmos(3): the calls waiting now take effect before the
		 * next burst; a plain unlock/lock lets this thread win again */
		unsigned long target = c->served + (unsigned long)n;

		while ((long)(target - c->served) > 0)
			pthread_cond_wait(&c->cond, &c->lock);
		return;
	}
	/* live: keep polling as DPDK's examples do, and sleep only once
	 * the ports have been quiet for a while (and then at every empty
	 * poll, until a frame comes) */
	if (nothing && !c->io->offline &&
	    ++c->idle_polls <= IDLE_SPIN_POLLS)
		return;
	pthread_mutex_unlock(&c->lock);
	/* a sleep never runs past the end host's next TCP timer */
	if (nothing && !c->io->offline &&
	    mos_host_next_due(c) > c->now_us + IDLE_SLEEP_NS / 1000)
		nanosleep(&ts, NULL);
	else
		sched_yield();
	pthread_mutex_lock(&c->lock);
}

static void *ctx_main(void *arg)
{
	struct mos_ctx *c = arg;

	mos_self = c;
	pin(c);
	pthread_mutex_lock(&c->lock);
	c->ready = true;
	pthread_cond_broadcast(&c->cond);
	/* live input runs at once and keeps the lock: let the creator
	 * return first */
	while (!c->created)
		pthread_cond_wait(&c->cond, &c->lock);
	/* offline input waits for the application (1.9) */
	while (c->io->offline && !c->go && !c->stop)
		pthread_cond_wait(&c->cond, &c->lock);
	while (!c->stop) {
		int got = poll_once(c);

		if (got < 0)
			break;
		if (got && !c->stats.busy_from_us)
			c->stats.busy_from_us = c->io->ops->now_us(c->io);
		if (got)
			c->idle_polls = 0;
		after_burst(c);
		if (got == 0 || __atomic_load_n(&c->waiters, __ATOMIC_ACQUIRE))
			idle_wait(c, got == 0);
	}
	c->stats.busy_to_us = c->io->ops->now_us(c->io);
	mos_flows_end_all(c);
	if (c->defrag)
		mos_defrag_flush(c->defrag, c->stats.defrag);
	flush_all(c);
	drop_handed(c);
	if (c->log)
		mos_stats_print(&c->stats, c->log, c->pub.cpu);
	if (getenv("MOS_STATS"))
		mos_stats_print(&c->stats, stderr, c->pub.cpu);
	__atomic_store_n(&c->ended, true, __ATOMIC_RELEASE);
	mos_host_ended(c);	/* blocked end-host calls return EINTR */
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	mos_self = NULL;
	return NULL;
}

/* ---------------------------------------------------------------- lifetime */

static FILE *open_log(const struct mos_config *cfg, int idx)
{
	char path[4096];
	FILE *f;

	if (!cfg->mos_log || !*cfg->mos_log)
		return NULL;
	snprintf(path, sizeof(path), "%s/log_%d", cfg->mos_log, idx);
	f = fopen(path, "w");
	if (!f && getenv("MOS_VERBOSE"))
		fprintf(stderr, "mos: context %d: log %s: %s\n", idx, path,
			strerror(errno));
	return f;
}

/* Which contexts share port p, and whether this one reads it (its own
 * queue, or as the lowest of the port's contexts when the port has fewer
 * queues than contexts) or is fed frames by the reader. */
static int plan_port(struct mos_ctx *c, int p)
{
	const struct mos_config *cfg = c->cfg;
	struct mos_port_spread *s = &c->spread[p];
	int i, queues;

	s->n = 0;
	for (i = 0; i < cfg->num_cores && i < 64; i++)
		if (cfg->ports[p].core_mask &
		    (1ull << mos_config_core_of_context(cfg, i)))
			s->ctx[s->n++] = i;
	queues = c->io->ops->rx_queues ? c->io->ops->rx_queues(c->io, p)
				       : s->n;
	if (queues >= s->n || s->n < 2) {
		c->ports[c->nports++] = p;
		return 0;
	}
	if (s->ctx[0] == c->pub.cpu) {
		c->spreads[p] = true;
		c->ports[c->nports++] = p;
		return 0;
	}
	c->nfeed++;
	/* the ring exists before this context is registered, so the
	 * reader never pushes into a ring that is not there yet */
	return mos_xq_add_feeder(&c->inq, s->ctx[0]);
}

/* IP reassembly, its whole budget taken now (ip_defrag.h). */
static int defrag_create(struct mos_ctx *c)
{
	struct mos_defrag_conf dc = {
		.last_wins = c->cfg->defrag.last_wins,
		.timeout_us = (uint64_t)c->cfg->defrag.timeout * 1000000u,
		.memory = (size_t)c->cfg->defrag.memory_kb * 1024u,
		.max_datagrams = c->cfg->defrag.datagrams,
	};

	c->defrag = mos_defrag_create(&dc);
	return c->defrag ? 0 : -1;
}

static int ctx_alloc_tables(struct mos_ctx *c)
{
	const struct mos_config *cfg = c->cfg;
	int p, cap = cfg->max_concurrency;

	c->burst = cfg->burst > 0 && cfg->burst <= MOS_MAX_BURST ? cfg->burst
								  : 32;
	c->rx = calloc((size_t)c->burst, sizeof(*c->rx));
	if (!c->rx)
		return -1;
	for (p = 0; p < cfg->nports; p++) {
		c->tx[p] = calloc((size_t)c->burst, sizeof(*c->tx[p]));
		if (!c->tx[p])
			return -1;
		if ((cfg->ports[p].core_mask & (1ull << c->core)) &&
		    plan_port(c, p) < 0)
			return -1;
	}
	if (mos_flow_table_init(&c->flows, (uint32_t)cap) < 0)
		return -1;
	/* per-flow sockets need up to one id per listener and flow; end-host
	 * sockets have a pool of max_concurrency more (libmos(3)) */
	if (mos_sock_table_init(&c->socks, cap * 3 + 1024, cap) < 0)
		return -1;
	c->pool = mos_ring_pool_create(0);
	if (!c->pool)
		return -1;
	if (cfg->defrag.enabled && defrag_create(c) < 0)
		return -1;
	return mos_host_init(c);
}

void mos_ctx_free(struct mos_ctx *c)
{
	int p;

	if (!c)
		return;
	mos_host_free(c);	/* its sockets first */
	mos_defrag_destroy(c->defrag);
	mos_sock_table_fini(&c->socks);
	mos_flow_table_fini(&c->flows);
	if (c->pool)
		mos_ring_pool_destroy(c->pool);
	for (p = 0; p < MOS_MAX_PORTS; p++)
		free(c->tx[p]);
	free(c->rx);
	free(c->timers);
	free(c->listeners);
	free(c->raws);
	free(c->pktcopy);
	mos_xq_fini(&c->inq);
	if (c->log)
		fclose(c->log);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->cond);
	free(c);
}

struct mos_ctx *mos_ctx_create(int idx, const struct mos_config *cfg,
			       struct mos_io *io)
{
	struct mos_ctx *c = calloc(1, sizeof(*c));
	int rc;

	if (!c) {
		errno = ENOMEM;
		return NULL;
	}
	c->pub.cpu = idx;
	c->cfg = cfg;
	c->io = io;
	c->core = mos_config_core_of_context(cfg, idx);
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	if (ctx_alloc_tables(c) < 0) {
		mos_ctx_free(c);
		errno = ENOMEM;
		return NULL;
	}
	c->log = open_log(cfg, idx);
	rc = pthread_create(&c->thread, NULL, ctx_main, c);
	if (rc) {
		mos_ctx_free(c);
		errno = rc == EAGAIN ? ENOMEM : EIO;
		return NULL;
	}
	c->thread_running = true;
	pthread_mutex_lock(&c->lock);
	while (!c->ready)
		pthread_cond_wait(&c->cond, &c->lock);
	c->created = true;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	return c;
}

void mos_ctx_request_stop(struct mos_ctx *c)
{
	/* may run in a signal handler: only a store */
	__atomic_store_n(&c->stop, 1, __ATOMIC_RELEASE);
}

static void start_one(struct mos_ctx *c)
{
	if (mos_self == c)
		return;
	mos_ctx_enter(c);
	c->go = true;
	pthread_cond_broadcast(&c->cond);
	mos_ctx_leave(c);
}

/* Offline input starts for every context at the application's first wait:
 * contexts hand frames to each other, so none may wait for its own join. */
void mos_ctx_start_input(struct mos_ctx *c)
{
	int i;

	start_one(c);
	for (i = 0; i < MOS_MAX_CONTEXTS; i++) {
		struct mos_ctx *o = mos_ctx_registered(i);

		if (o && o != c)
			start_one(o);
	}
}

void mos_ctx_join(struct mos_ctx *c)
{
	bool do_join = false;

	if (mos_self == c)
		return;
	mos_ctx_start_input(c);
	/* through enter/leave: a live context's loop holds the lock and
	 * lets other threads in only when they say they are waiting */
	mos_ctx_enter(c);
	while (!c->ended)
		pthread_cond_wait(&c->cond, &c->lock);
	if (!c->joined) {
		c->joined = true;
		do_join = true;
	}
	mos_ctx_leave(c);
	if (do_join)
		pthread_join(c->thread, NULL);
}
