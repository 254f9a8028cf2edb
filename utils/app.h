/*
 * app.h -- the frame every libmos program shares: after
 * mtcp_init, apply the core count, create and set up one context per
 * core, report readiness to systemd, wait for the contexts, tear down.
 */
#ifndef MOS_APP_H
#define MOS_APP_H

#include <mos_api.h>

#define MOS_APP_CORES 64

struct mos_app {
	const char *prog;	/* for messages */
	int ncores;
	mctx_t ctx[MOS_APP_CORES];
};

/* After mtcp_init: use `want` contexts (0: as the configuration says;
 * `opt` names the option in messages).  -1 after printing why and
 * calling mtcp_destroy. */
int mos_app_cores(struct mos_app *a, const char *prog, const char *opt,
		  int want);
/* Create the contexts and run setup(ctx, arg) on each.  -1 after
 * printing why, destroying what was made and calling mtcp_destroy. */
int mos_app_contexts(struct mos_app *a, int (*setup)(mctx_t, void *),
		     void *arg);
/* READY=1 (with status), wait for every context, STOPPING=1. */
void mos_app_wait(struct mos_app *a, const char *status);
/* Stop every context; safe in a SIGINT handler. */
void mos_app_stop(struct mos_app *a);
/* SIGINT stops every context of a (mtcp_register_signal). */
void mos_app_stop_on_sigint(struct mos_app *a);
/* Destroy the contexts, then mtcp_destroy. */
void mos_app_end(struct mos_app *a);

#endif
