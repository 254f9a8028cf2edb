/*
 * t_ude.c -- user-defined events (libmos(3), mtcp_define_event(3),
 * mtcp_alloc_event(3), mtcp_raise_event(3)).
 *
 *   t_ude basic_fin.pcap
 *
 * Tree under MOS_ON_CONN_NEW_DATA, in definition order:
 *   u_svr   filter: side == SVR          (callback registered)
 *     u_svr_child  filter: true          (callback registered)
 *   u_lonely       filter counts calls   (nobody registered: never runs)
 *   u_mid   filter: side == CLI          (nobody registered on it ...)
 *     u_mid_child  filter: true          (... but on its child)
 *   u_raiser filter: raises u_float twice, true (callback registered)
 *     u_float      mtcp_alloc_event      (callback registered)
 * basic_fin has one NEW_DATA per side, so each filter that runs runs
 * twice (once per socket and dispatch).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mon.h"
#include "tap.h"

static event_t u_svr, u_svr_child, u_lonely, u_mid, u_mid_child, u_raiser;
static event_t u_float;
static int n_svr, n_lonely, n_mid, n_raiser, raise_rc[2], raise_bad_rc;
static int raise_bad_errno, arg_ok, arg_bad;

static bool f_svr(mctx_t m, int s, int side, event_t ev, filter_arg_t *a)
{
	(void)m, (void)s, (void)ev;
	n_svr++;
	if (a && a->len == 4 && memcmp(a->arg, "svr", 4) == 0 &&
	    ev == u_svr)
		arg_ok++;
	else
		arg_bad++;
	return side == MOS_SIDE_SVR;
}

static bool f_true(mctx_t m, int s, int side, event_t ev, filter_arg_t *a)
{
	(void)m, (void)s, (void)side, (void)ev, (void)a;
	return true;
}

static bool f_lonely(mctx_t m, int s, int side, event_t ev, filter_arg_t *a)
{
	(void)m, (void)s, (void)side, (void)ev, (void)a;
	n_lonely++;
	return true;
}

static bool f_mid(mctx_t m, int s, int side, event_t ev, filter_arg_t *a)
{
	(void)m, (void)s, (void)ev, (void)a;
	n_mid++;
	return side == MOS_SIDE_CLI;
}

static bool f_raiser(mctx_t m, int s, int side, event_t ev, filter_arg_t *a)
{
	(void)s, (void)side, (void)ev, (void)a;
	n_raiser++;
	raise_rc[0] += mtcp_raise_event(m, u_float);
	raise_rc[1] += mtcp_raise_event(m, u_float);
	/* only events from mtcp_alloc_event can be raised */
	if (mtcp_raise_event(m, u_svr) == -1 && errno == EINVAL)
		raise_bad_errno++;
	else
		raise_bad_rc++;
	return true;
}

/* The UDE callback sees its own event id and argument. */
static void cb_ude(mctx_t mctx, int sock, int side, event_t ev,
		   filter_arg_t *arg)
{
	if (ev == u_svr && !(arg && arg->len == 4 &&
			     memcmp(arg->arg, "svr", 4) == 0))
		arg_bad++;
	mon_cb_null(mctx, sock, side, ev, arg);
}

static int setup(mctx_t mctx)
{
	int sock = mtcp_socket(mctx, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);
	event_t evs[] = { u_svr, u_svr_child, u_mid_child, u_raiser, u_float };
	size_t i;

	if (sock < 0 ||
	    mtcp_register_callback(mctx, sock, MOS_ON_CONN_NEW_DATA, MOS_NULL,
				   mon_cb_null) < 0)
		return -1;
	for (i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (mtcp_register_callback(mctx, sock, evs[i], MOS_NULL,
					   cb_ude) < 0)
			return -1;
	ok(mtcp_register_callback(mctx, sock, u_svr, MOS_HK_SND, cb_ude) ==
	   -1 && errno == EINVAL,
	   "a UDE under NEW_DATA refuses MOS_HK_SND (root's hook rules)");
	ok(mtcp_raise_event(mctx, u_float) == -1 && errno == EPERM,
	   "mtcp_raise_event outside a dispatch: EPERM");
	return 0;
}

/* The UDE ids recorded in one NULL dispatch for `side`, as text. */
static void seq_of(int side, char *out, size_t n)
{
	int k;

	out[0] = '\0';
	for (k = 0; k < mon_nlog; k++)
		if (mon_log[k].side == side)
			snprintf(out + strlen(out), n - strlen(out), "%s%s",
				 *out ? " " : "", mon_ev_name(mon_log[k].ev));
}

int main(int argc, char **argv)
{
	filter_arg_t a_svr = { "svr", 4 }, a_other = { "cli", 4 };
	char *conf, got[256], want[256];
	event_t again, other;

	if (argc != 2) {
		fprintf(stderr, "usage: t_ude basic_fin.pcap\n");
		return 2;
	}
	conf = mon_conf(argv[1], "");
	if (!ok(conf && mtcp_init(conf) == 0, "mtcp_init"))
		return tap_done();
	unlink(conf);
	free(conf);

	u_svr = mtcp_define_event(MOS_ON_CONN_NEW_DATA, f_svr, &a_svr);
	ok(u_svr == 4096, "first UDE id is 4096 (%llu)",
	   (unsigned long long)u_svr);
	u_svr_child = mtcp_define_event(u_svr, f_true, NULL);
	ok(u_svr_child == 4097, "next id +1 (%llu)",
	   (unsigned long long)u_svr_child);
	again = mtcp_define_event(MOS_ON_CONN_NEW_DATA, f_svr, &a_svr);
	ok(again == u_svr, "same base, filter and argument: same id");
	other = mtcp_define_event(MOS_ON_CONN_NEW_DATA, f_svr, &a_other);
	ok(other != u_svr && other != MOS_NULL_EVENT,
	   "another argument: another id");
	u_lonely = mtcp_define_event(MOS_ON_CONN_NEW_DATA, f_lonely, NULL);
	u_mid = mtcp_define_event(MOS_ON_CONN_NEW_DATA, f_mid, NULL);
	u_mid_child = mtcp_define_event(u_mid, f_true, NULL);
	u_raiser = mtcp_define_event(MOS_ON_CONN_NEW_DATA, f_raiser, NULL);
	u_float = mtcp_alloc_event(u_raiser);
	ok(u_lonely && u_mid && u_mid_child && u_raiser && u_float,
	   "the tree is defined");
	ok(mtcp_define_event(MOS_ON_CONN_NEW_DATA, NULL, NULL) ==
	   MOS_NULL_EVENT && errno == EINVAL, "define without filter: EINVAL");
	ok(mtcp_define_event(999999, f_true, NULL) == MOS_NULL_EVENT &&
	   errno == EINVAL, "define on an unknown base: EINVAL");
	ok(mtcp_alloc_event(999999) == MOS_NULL_EVENT && errno == EINVAL,
	   "alloc on an unknown parent: EINVAL");

	{
		mctx_t mctx = mtcp_create_context(0);

		ok(mctx && setup(mctx) == 0, "context set up");
		if (mctx) {
			mtcp_app_join(mctx);
			mtcp_destroy_context(mctx);
		}
		mtcp_destroy();
	}
	mon_dump();

	/* per dispatch: the built-in callback, then descendants depth
	 * first in definition order; the raised event runs when the
	 * filter that raised it returns, once */
	snprintf(want, sizeof(want), "NEW_DATA UDE%llu UDE%llu UDE%llu UDE%llu",
		 (unsigned long long)u_svr, (unsigned long long)u_svr_child,
		 (unsigned long long)u_float, (unsigned long long)u_raiser);
	seq_of(MOS_SIDE_SVR, got, sizeof(got));
	ok(strcmp(got, want) == 0, "side SVR: %s (expected %s)", got, want);
	snprintf(want, sizeof(want), "NEW_DATA UDE%llu UDE%llu UDE%llu",
		 (unsigned long long)u_mid_child, (unsigned long long)u_float,
		 (unsigned long long)u_raiser);
	seq_of(MOS_SIDE_CLI, got, sizeof(got));
	ok(strcmp(got, want) == 0, "side CLI: %s (expected %s)", got, want);
	ok(n_svr == 2 && n_mid == 2 && n_raiser == 2,
	   "filters with a registration below run once per dispatch "
	   "(%d %d %d)", n_svr, n_mid, n_raiser);
	ok(n_lonely == 0, "a filter with nothing registered below never runs "
	   "(%d)", n_lonely);
	ok(raise_rc[0] == 0 && raise_rc[1] == 0,
	   "mtcp_raise_event from a filter: 0, also the second time");
	ok(raise_bad_errno == 2 && !raise_bad_rc,
	   "raising a filtered UDE: EINVAL");
	ok(arg_ok == 2 && !arg_bad, "filter and callback get the copied "
	   "argument (%d, %d bad)", arg_ok, arg_bad);
	mon_free();
	return tap_done();
}
