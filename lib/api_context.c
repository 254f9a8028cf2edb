/*
 * api_context.c -- contexts, signals, timers and time:
 * mtcp_create_context, mtcp_destroy_context, mtcp_app_join,
 * mtcp_get_connection_cnt, mtcp_core_affinitize, mtcp_register_signal,
 * mtcp_settimer, mtcp_cb_get_ts.
 */
#include "internal.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mos_api.h>

#include "context.h"
#include "runtime.h"

static pthread_mutex_t ctx_lock = PTHREAD_MUTEX_INITIALIZER;
static int ncreated;

static volatile sig_atomic_t in_app_handler;
static mtcp_sighandler_t app_sigint;
static struct sigaction old_sigint;
static bool sigint_installed;
static time_t last_sigint;

bool mos_contexts_exist(void)
{
	return __atomic_load_n(&ncreated, __ATOMIC_ACQUIRE) > 0;
}

static void stop_all(void)
{
	int i;

	for (i = 0; i < MOS_MAX_CONTEXTS; i++) {
		struct mos_ctx *c = mos_ctx_registered(i);

		if (c)
			mos_ctx_request_stop(c);
	}
}

/* The library's SIGINT handler (mtcp_register_signal(3)). */
static void on_sigint(int sig)
{
	time_t now = time(NULL);
	bool again = now - last_sigint < 1;
	mtcp_sighandler_t h = app_sigint;

	last_sigint = now;
	if (!h || again) {
		stop_all();
		return;
	}
	in_app_handler = 1;
	h(sig);
	in_app_handler = 0;
}

void mos_signals_install(void)
{
	struct sigaction sa;

	if (sigint_installed)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, &old_sigint) == 0)
		sigint_installed = true;
}

void mos_signals_restore(void)
{
	if (sigint_installed)
		sigaction(SIGINT, &old_sigint, NULL);
	sigint_installed = false;
	app_sigint = NULL;
}

MOS_EXPORT mtcp_sighandler_t mtcp_register_signal(int signum,
						   mtcp_sighandler_t handler)
{
	mtcp_sighandler_t prev;

	if (signum == SIGINT) {
		prev = app_sigint;
		app_sigint = handler;
		return prev;
	}
	return signal(signum, handler);
}

MOS_EXPORT mctx_t mtcp_create_context(int cpu)
{
	const struct mos_config *cfg = mos_runtime_config();
	struct mos_ctx *c;

	if (!cfg || cpu < 0 || cpu >= cfg->num_cores ||
	    cpu >= MOS_MAX_CONTEXTS || !mos_runtime_io()) {
		errno = EINVAL;
		return NULL;
	}
	pthread_mutex_lock(&ctx_lock);
	if (mos_ctx_registered(cpu)) {
		pthread_mutex_unlock(&ctx_lock);
		errno = EEXIST;
		return NULL;
	}
	c = mos_ctx_create(cpu, cfg, mos_runtime_io());
	if (c) {
		mos_ctx_register(cpu, c);
		__atomic_add_fetch(&ncreated, 1, __ATOMIC_ACQ_REL);
	}
	pthread_mutex_unlock(&ctx_lock);
	return c ? &c->pub : NULL;
}

static void ctx_release(struct mos_ctx *c)
{
	pthread_mutex_lock(&ctx_lock);
	if (mos_ctx_registered(c->pub.cpu) == c) {
		mos_ctx_register(c->pub.cpu, NULL);
		__atomic_sub_fetch(&ncreated, 1, __ATOMIC_ACQ_REL);
		pthread_mutex_unlock(&ctx_lock);
		mos_ctx_free(c);
		return;
	}
	pthread_mutex_unlock(&ctx_lock);
}

MOS_EXPORT int mtcp_destroy_context(mctx_t mctx)
{
	struct mos_ctx *c = mos_ctx_lookup(mctx);

	if (!c) {
		errno = EACCES;
		return -1;
	}
	mos_ctx_request_stop(c);
	if (in_app_handler || mos_self == c) {
		/* a signal handler or the context itself: finish later */
		c->free_on_join = true;
		return 0;
	}
	mos_ctx_join(c);
	ctx_release(c);
	return 0;
}

MOS_EXPORT void mtcp_app_join(mctx_t mctx)
{
	struct mos_ctx *c = mos_ctx_lookup(mctx);

	if (!c || mos_self == c)
		return;
	mos_ctx_join(c);
	if (c->free_on_join)
		ctx_release(c);
}

/* mtcp_destroy: join and free every context still there. */
int mos_contexts_release_all(void)
{
	int i;

	for (i = 0; i < MOS_MAX_CONTEXTS; i++) {
		struct mos_ctx *c = mos_ctx_registered(i);

		if (!c)
			continue;
		if (!c->ended) {
			errno = EBUSY;
			return -1;
		}
	}
	for (i = 0; i < MOS_MAX_CONTEXTS; i++) {
		struct mos_ctx *c = mos_ctx_registered(i);

		if (c) {
			mos_ctx_join(c);
			ctx_release(c);
		}
	}
	return 0;
}

MOS_EXPORT uint32_t mtcp_get_connection_cnt(mctx_t mctx)
{
	struct mos_ctx *c = mos_ctx_check(mctx);

	if (!c)
		return (uint32_t)-1;
	return __atomic_load_n(&c->flows.used, __ATOMIC_RELAXED);
}

MOS_EXPORT int mtcp_core_affinitize(int cpu)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	if (n <= 0) {
		errno = EFAULT;
		return -1;
	}
	if (cpu < 0 || cpu >= n || cpu >= CPU_SETSIZE) {
		errno = EINVAL;
		return -1;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		return -1;
	return 0;
}

MOS_EXPORT int mtcp_settimer(mctx_t mctx, int id, struct timeval *timeout,
			     callback_t cb)
{
	struct mos_ctx *c = mos_ctx_check(mctx);
	uint64_t us;
	int rc;

	if (!c)
		return -1;
	if (!timeout || !cb || timeout->tv_sec < 0 || timeout->tv_usec < 0) {
		errno = EINVAL;
		return -1;
	}
	us = (uint64_t)timeout->tv_sec * 1000000u + (uint64_t)timeout->tv_usec;
	mos_ctx_enter(c);
	rc = mos_timer_add(c, c->now_us + us, id, cb);
	mos_ctx_leave(c);
	return rc;
}

MOS_EXPORT uint32_t mtcp_cb_get_ts(mctx_t mctx)
{
	struct mos_ctx *c = mos_ctx_check(mctx);

	if (!c)
		return 0;
	if (mos_self != c) {
		errno = EPERM;
		return 0;
	}
	return (uint32_t)(c->now_us / 1000u * 1000u);
}
