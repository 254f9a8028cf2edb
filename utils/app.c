/*
 * app.c -- see app.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "mos_notify.h"

int mos_app_cores(struct mos_app *a, const char *prog, const char *opt,
		  int want)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	struct mtcp_conf mc;

	a->prog = prog;
	a->ncores = 0;
	if (want < 0 || (online > 0 && want > online)) {
		fprintf(stderr, "%s: %s %d: only %ld cores online\n", prog, opt,
			want, online);
		mtcp_destroy();
		return -1;
	}
	mtcp_getconf(&mc);
	if (want) {
		mc.num_cores = want;
		if (mtcp_setconf(&mc) < 0) {
			fprintf(stderr, "%s: %s %d: %s\n", prog, opt, want,
				strerror(errno));
			mtcp_destroy();
			return -1;
		}
	}
	a->ncores = mc.num_cores < MOS_APP_CORES ? mc.num_cores : MOS_APP_CORES;
	return 0;
}

int mos_app_contexts(struct mos_app *a, int (*setup)(mctx_t, void *),
		     void *arg)
{
	int i, n = a->ncores;

	a->ncores = 0;	/* a SIGINT meanwhile sees only what exists */
	for (i = 0; i < n; i++) {
		a->ctx[i] = mtcp_create_context(i);
		if (!a->ctx[i]) {
			fprintf(stderr, "%s: mtcp_create_context(%d): %s\n",
				a->prog, i, strerror(errno));
			mos_app_end(a);
			return -1;
		}
		a->ncores = i + 1;
		if (setup(a->ctx[i], arg) < 0) {
			mos_app_end(a);
			return -1;
		}
	}
	return 0;
}

void mos_app_wait(struct mos_app *a, const char *status)
{
	int i;

	mos_notify_ready(status);
	for (i = 0; i < a->ncores; i++)
		mtcp_app_join(a->ctx[i]);
	mos_notify_stopping();
}

void mos_app_stop(struct mos_app *a)
{
	int i;

	for (i = 0; i < a->ncores; i++)
		mtcp_destroy_context(a->ctx[i]);
}

static struct mos_app *sigint_app;

static void on_sigint(int sig)
{
	(void)sig;
	if (sigint_app)
		mos_app_stop(sigint_app);
}

void mos_app_stop_on_sigint(struct mos_app *a)
{
	sigint_app = a;
	mtcp_register_signal(SIGINT, on_sigint);
}

void mos_app_end(struct mos_app *a)
{
	mos_app_stop(a);
	a->ncores = 0;
	mtcp_destroy();
}
