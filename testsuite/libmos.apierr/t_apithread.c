/*
 * t_apithread.c -- calls of the "context control" group (libmos(3), Contexts) from
 * another thread while the context runs: they must be thread-safe and
 * take effect before the next packet burst is processed.
 *
 * The capture (argv[1], basic_fin.pcap: one flow, 20 packets) is read
 * with a burst of 1 frame, so every packet is its own burst.
 *
 *   t_apithread CAPTURE effect  -- a second thread calls while packet k
 *       is being processed (the callback holds the packet thread until
 *       the call is under way): a timer armed during packet 3 fires after
 *       packet 4, a listener opened during packet 4 is there at packet 5;
 *       register_callback (packet 6) and setsockopt (packet 7) on the
 *       live per-flow socket give EPERM.
 *   t_apithread CAPTURE hammer  -- a second thread creates sockets,
 *       registers callbacks, binds filters and arms timers in a loop for
 *       the whole run: no crash, every result valid, ids never shared.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* strerrorname_np */
#endif
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <mos_api.h>

#include "apierr.h"

#define NPKTS 20
#define MAX_NEW 64
#define MAX_TIMERS 4096

static mctx_t ctx;
static int L1;
static int pkt_n;		/* packets seen by L1 at MOS_HK_SND */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void nop_cb(mctx_t m, int s, int side, event_t e, filter_arg_t *a)
{
	(void)m; (void)s; (void)side; (void)e; (void)a;
}

/* ------------------------------------------------------------ effect */

static int armed_pkt;		/* packet during which the helper calls */
static int helper_ready;	/* the helper is about to call */
static int pf_sock = -1;	/* a per-flow socket, published at packet 6 */
static int timer_fired_at = -1;
static int new_listener = -1, new_listener_seen_at = -1;
static int pf_rc_reg, pf_err_reg, pf_rc_opt, pf_err_opt;
static int settimer_rc = -2, socket_rc = -2;

static void effect_timer(mctx_t m, int id, int side, event_t e,
			 filter_arg_t *a)
{
	(void)side; (void)e; (void)a;
	if (m == ctx && id == 7)
		timer_fired_at = __atomic_load_n(&pkt_n, __ATOMIC_ACQUIRE);
}

/* Hold the packet thread inside the callback until the helper is about
 * to call (it then blocks on the context), plus a little more. */
static pid_t helper_tid;

/* The helper thread is asleep (blocked on the context). */
static bool helper_blocked(void)
{
	char path[64], buf[256], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat",
		 (int)__atomic_load_n(&helper_tid, __ATOMIC_ACQUIRE));
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'S';
}

static void wait_for_helper(int k)
{
	uint64_t end = now_ns() + 2000000000u;
	struct timespec ms1 = { 0, 1000000 };

	while (__atomic_load_n(&helper_ready, __ATOMIC_ACQUIRE) != k &&
	       now_ns() < end)
		sched_yield();
	/* ready is set just before the call: wait till it blocks */
	while (!helper_blocked() && now_ns() < end)
		sched_yield();
	nanosleep(&ms1, NULL);
}

/* Listeners and raw sockets in the context's table (the only kinds that
 * take a filter); ids are small in this test. */
static int listeners_now(void)
{
	union monitor_filter mf = { .stream_syn_filter = NULL };
	int id, n = 0;

	for (id = 0; id < 64; id++)
		if (mtcp_bind_monitor_filter(ctx, id, &mf) == 0)
			n++;
	return n;
}

static void effect_pkt(mctx_t m, int sock, int side, event_t e,
		       filter_arg_t *a)
{
	int n = __atomic_add_fetch(&pkt_n, 1, __ATOMIC_ACQ_REL);

	(void)m; (void)side; (void)e; (void)a;
	if (new_listener_seen_at < 0 && listeners_now() >= 2) {
		/* counted in the table, not through the helper's variable:
		 * the helper may not have stored the id yet */
		new_listener_seen_at = n;
	}
	if (n == 3 || n == 4 || n == 6 || n == 7) {
		__atomic_store_n(&pf_sock, sock, __ATOMIC_RELEASE);
		__atomic_store_n(&armed_pkt, n, __ATOMIC_RELEASE);
		wait_for_helper(n);
	}
}

static void wait_armed(int k)
{
	uint64_t end = now_ns() + 5000000000u;

	while (__atomic_load_n(&armed_pkt, __ATOMIC_ACQUIRE) < k &&
	       now_ns() < end)
		sched_yield();
}

static void *effect_helper(void *arg)
{
	struct timeval zero = { 0, 0 };
	int v = MOS_SIDE_BOTH;

	(void)arg;
	__atomic_store_n(&helper_tid, gettid(), __ATOMIC_RELEASE);
	/* each call is made while packet k is being processed: it waits
	 * for the context and must be done before packet k+1 */
	wait_armed(3);
	__atomic_store_n(&helper_ready, 3, __ATOMIC_RELEASE);
	settimer_rc = mtcp_settimer(ctx, 7, &zero, effect_timer);

	wait_armed(4);
	__atomic_store_n(&helper_ready, 4, __ATOMIC_RELEASE);
	socket_rc = mtcp_socket(ctx, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);
	__atomic_store_n(&new_listener, socket_rc, __ATOMIC_RELEASE);

	wait_armed(6);
	__atomic_store_n(&helper_ready, 6, __ATOMIC_RELEASE);
	errno = 0;
	pf_rc_reg = mtcp_register_callback(ctx, pf_sock, MOS_ON_PKT_IN,
					   MOS_HK_RCV, nop_cb);
	pf_err_reg = errno;

	wait_armed(7);
	__atomic_store_n(&helper_ready, 7, __ATOMIC_RELEASE);
	errno = 0;
	pf_rc_opt = mtcp_setsockopt(ctx, pf_sock, SOL_MONSOCKET, MOS_STOP_MON,
				    &v, sizeof(v));
	pf_err_opt = errno;
	return NULL;
}

static int run_effect(void)
{
	pthread_t t;

	L1 = mtcp_socket(ctx, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);
	ok(L1 >= 0, "listener L1");
	ok(mtcp_register_callback(ctx, L1, MOS_ON_PKT_IN, MOS_HK_SND,
				  effect_pkt) == 0,
	   "L1: PKT_IN at HK_SND");
	if (pthread_create(&t, NULL, effect_helper, NULL) != 0) {
		ok(0, "pthread_create");
		return -1;
	}
	mtcp_app_join(ctx);
	pthread_join(t, NULL);

	ok(pkt_n == NPKTS, "L1 saw %d packets (%d)", NPKTS, pkt_n);
	ok(settimer_rc == 0, "mtcp_settimer from another thread during the "
	   "run -> 0 (%d)", settimer_rc);
	ok(timer_fired_at == 4,
	   "a timer armed from another thread during packet 3 fires after "
	   "packet 4, the next burst (fired after packet %d)",
	   timer_fired_at);
	ok(socket_rc >= 0, "mtcp_socket from another thread during the run "
	   "(%d)", socket_rc);
	ok(new_listener_seen_at == 5,
	   "a listener opened from another thread during packet 4 exists "
	   "at packet 5 (seen at %d)",
	   new_listener_seen_at);
	ok(pf_rc_reg == -1 && pf_err_reg == EPERM,
	   "mtcp_register_callback on a live per-flow socket from another "
	   "thread -> -1 EPERM (got %d %s)", pf_rc_reg,
	   apierr_ename(pf_err_reg));
	ok(pf_rc_opt == -1 && pf_err_opt == EPERM,
	   "mtcp_setsockopt(MOS_STOP_MON) on a live per-flow socket from "
	   "another thread -> -1 EPERM (got %d %s)", pf_rc_opt,
	   apierr_ename(pf_err_opt));
	return 0;
}

/* ------------------------------------------------------------ hammer */

static int flow_socks[NPKTS + 1];	/* per-flow ids seen by callbacks */
static int nflow_socks;
static int timers_set, timer_hits[MAX_TIMERS], timer_bad;
static int new_cb_bad;

static void hammer_pkt(mctx_t m, int sock, int side, event_t e,
		       filter_arg_t *a)
{
	struct timespec ms1 = { 0, 1000000 };
	int i;

	(void)m; (void)side; (void)e; (void)a;
	__atomic_add_fetch(&pkt_n, 1, __ATOMIC_ACQ_REL);
	nanosleep(&ms1, NULL);	/* let the run last ~20 ms */
	for (i = 0; i < nflow_socks; i++)
		if (flow_socks[i] == sock)
			return;
	if (nflow_socks < NPKTS)
		flow_socks[nflow_socks++] = sock;
}

static void hammer_timer(mctx_t m, int id, int side, event_t e,
			 filter_arg_t *a)
{
	if (m != ctx || side || e || a || id < 0 || id >= MAX_TIMERS)
		timer_bad++;
	else
		timer_hits[id]++;
}

static void new_cb(mctx_t m, int sock, int side, event_t e, filter_arg_t *a)
{
	(void)sock; (void)a;
	if (m != ctx || side < MOS_SIDE_CLI || side > MOS_SIDE_BOTH ||
	    e != MOS_ON_PKT_IN)
		new_cb_bad++;
}

struct hammer_result {
	long calls, ok_calls, eacces, bad;
	long during;		/* successes while packets were pending */
	int ids[MAX_NEW], nids;
	int first_bad_errno;
	const char *first_bad_call;
	bool after_end_ok;	/* once EACCES, EACCES for good */
};

static void account(struct hammer_result *r, int rc, int err,
		    const char *call, bool *ended)
{
	r->calls++;
	if (rc >= 0 && !*ended) {
		r->ok_calls++;
		if (__atomic_load_n(&pkt_n, __ATOMIC_ACQUIRE) < NPKTS - 1)
			r->during++;
		return;
	}
	if (rc == -1 && err == EACCES) {
		r->eacces++;
		*ended = true;
		return;
	}
	if (rc >= 0 && *ended)
		r->after_end_ok = false;
	if (!r->bad++) {
		r->first_bad_errno = err;
		r->first_bad_call = call;
	}
}

static void *hammer(void *arg)
{
	struct hammer_result *r = arg;
	bool ended = false;
	uint64_t end = now_ns() + 20000000000ull;
	long i;

	r->after_end_ok = true;
	for (i = 0; now_ns() < end; i++) {
		struct timeval tv = { 0, (long)(i % 3) * 100 };
		union monitor_filter mf = { .stream_syn_filter =
						    "tcp port 80" };
		int id = -1, rc, v = 16384;

		if (r->nids < MAX_NEW) {
			errno = 0;
			id = mtcp_socket(ctx, AF_INET,
					 i % 2 ? MOS_SOCK_MONITOR_STREAM
					       : MOS_SOCK_MONITOR_RAW, 0);
			account(r, id, errno, "mtcp_socket", &ended);
			if (id >= 0)
				r->ids[r->nids++] = id;
		}
		if (id >= 0) {
			int hook = i % 2 ? MOS_HK_SND : MOS_NULL;

			errno = 0;
			rc = mtcp_register_callback(ctx, id, MOS_ON_PKT_IN,
						    hook, new_cb);
			account(r, rc, errno, "mtcp_register_callback",
				&ended);
			if (i % 2) {
				errno = 0;
				rc = mtcp_bind_monitor_filter(ctx, id, &mf);
				account(r, rc, errno,
					"mtcp_bind_monitor_filter", &ended);
				errno = 0;
				rc = mtcp_setsockopt(ctx, id, SOL_MONSOCKET,
						     MOS_CLIBUF, &v,
						     sizeof(v));
				account(r, rc, errno, "mtcp_setsockopt",
					&ended);
			}
		}
		if (timers_set < MAX_TIMERS) {
			errno = 0;
			rc = mtcp_settimer(ctx, timers_set, &tv, hammer_timer);
			account(r, rc, errno, "mtcp_settimer", &ended);
			if (rc == 0)
				timers_set++;
		}
		errno = 0;
		rc = (int)mtcp_get_connection_cnt(ctx);
		account(r, rc > 1 ? -2 : rc, errno,
			"mtcp_get_connection_cnt", &ended);
		if (ended)
			break;
	}
	return NULL;
}

static int run_hammer(void)
{
	struct hammer_result r;
	pthread_t t;
	int i, j, twice = 0, fired = 0;
	bool shared = false, dup = false;

	memset(&r, 0, sizeof(r));
	L1 = mtcp_socket(ctx, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);
	ok(L1 >= 0, "listener L1");
	ok(mtcp_register_callback(ctx, L1, MOS_ON_PKT_IN, MOS_HK_SND,
				  hammer_pkt) == 0,
	   "L1: PKT_IN at HK_SND");
	if (pthread_create(&t, NULL, hammer, &r) != 0) {
		ok(0, "pthread_create");
		return -1;
	}
	mtcp_app_join(ctx);
	pthread_join(t, NULL);

	ok(pkt_n == NPKTS, "L1 saw %d packets while another thread called "
	   "in (%d)", NPKTS, pkt_n);
	ok(r.bad == 0, "every call from the other thread returned success "
	   "or EACCES once the context ended (%ld bad; first %s: %s)",
	   r.bad, r.first_bad_call ? r.first_bad_call : "-",
	   apierr_ename(r.first_bad_errno));
	ok(r.eacces > 0 && r.after_end_ok,
	   "the other thread saw the context end (EACCES) and no success "
	   "after it");
	printf("# %ld calls from the other thread, %ld succeeded, %d sockets,"
	       " %d timers\n", r.calls, r.ok_calls, r.nids, timers_set);
	ok(r.during >= NPKTS / 2,
	   "calls from the other thread get through between bursts while "
	   "the capture is read (%ld before the last packets)", r.during);
	for (i = 0; i < r.nids; i++) {
		for (j = 0; j < nflow_socks; j++)
			if (r.ids[i] == flow_socks[j] || r.ids[i] == L1)
				shared = true;
		for (j = 0; j < i; j++)
			if (r.ids[i] == r.ids[j])
				dup = true;
	}
	ok(!dup, "socket ids from the other thread are distinct");
	ok(!shared, "no id shared with L1 or a per-flow socket");
	for (i = 0; i < timers_set; i++) {
		if (timer_hits[i] > 1)
			twice++;
		if (timer_hits[i])
			fired++;
	}
	ok(timer_bad == 0 && twice == 0,
	   "timers armed from the other thread: each fired at most once, "
	   "with (ctx, id, 0, 0, NULL) (%d fired, %d twice, %d bad)", fired,
	   twice, timer_bad);
	ok(new_cb_bad == 0, "callbacks registered from the other thread ran "
	   "with valid arguments");
	return 0;
}

int main(int argc, char **argv)
{
	const char *conf;
	int rc;

	if (argc != 3 || (strcmp(argv[2], "effect") && strcmp(argv[2],
							       "hammer"))) {
		fprintf(stderr, "usage: %s CAPTURE effect|hammer\n", argv[0]);
		return 2;
	}
	conf = apierr_write_conf(argv[1], 1);
	if (!conf) {
		ok(0, "write the capture configuration");
		return tap_done();
	}
	rc = mtcp_init(conf);
	unlink(conf);
	if (!ok(rc == 0, "mtcp_init"))
		return tap_done();
	ctx = mtcp_create_context(0);
	if (!ok(ctx != NULL, "mtcp_create_context(0)"))
		return tap_done();
	if (strcmp(argv[2], "effect") == 0)
		run_effect();
	else
		run_hammer();
	ok(mtcp_destroy_context(ctx) == 0, "mtcp_destroy_context");
	ok(mtcp_destroy() == 0, "mtcp_destroy");
	return tap_done();
}
