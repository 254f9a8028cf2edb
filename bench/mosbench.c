/*
 * mosbench -- libmos as a new user would run it: a monitor written
 * against the public API alone, peeking both sides of every flow whenever
 * one of them has new data and once more when the flow ends, until the
 * peek returns 0.
 *
 *   mosbench MOS.CONF
 *
 * One context per core of the configuration.  Prints "flows N c2s_bytes B
 * s2c_bytes B c2s_lost L s2c_lost L errors E": bytes copied out, and
 * bytes the library reported as overwritten before they were read, so
 * that their sum can be held against the generator's stream lengths.
 */
#include <mos_api.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAX_CTX 64

/* one line of counters per context, so two contexts never share one */
struct count {
	uint64_t got[2], lost[2], flows, errors;
} __attribute__((aligned(64)));

static struct count counts[MAX_CTX];

static void drain(mctx_t m, int sock, int side)
{
	static _Thread_local char buf[65536];
	struct count *c = &counts[m->cpu];
	ssize_t n;

	for (;;) {
		errno = 0;
		n = mtcp_peek(m, sock, side, buf, sizeof(buf));
		if (n == 0)
			return;
		if (n > 0) {
			c->got[side] += (uint64_t)n;
		} else if (errno == ENODATA) {
			c->lost[side] += (uint64_t)-n;
		} else {
			c->errors++;
			return;
		}
	}
}

static void on_data(mctx_t m, int sock, int side, event_t ev,
		    filter_arg_t *arg)
{
	(void)side;
	(void)ev;
	(void)arg;
	drain(m, sock, MOS_SIDE_CLI);
	drain(m, sock, MOS_SIDE_SVR);
}

static void on_end(mctx_t m, int sock, int side, event_t ev,
		   filter_arg_t *arg)
{
	on_data(m, sock, side, ev, arg);
	/* raised once for each half: count a flow by its client half */
	if (side == MOS_SIDE_CLI)
		counts[m->cpu].flows++;
}

int main(int argc, char **argv)
{
	struct mtcp_conf conf;
	mctx_t ctx[MAX_CTX];
	struct count sum = { { 0 }, { 0 }, 0, 0 };
	int i, n, s;

	if (argc != 2) {
		fprintf(stderr, "usage: mosbench MOS.CONF\n");
		return 2;
	}
	if (mtcp_init(argv[1]) < 0) {
		fprintf(stderr, "mosbench: mtcp_init %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	mtcp_getconf(&conf);
	n = conf.num_cores < MAX_CTX ? conf.num_cores : MAX_CTX;
	for (i = 0; i < n; i++) {
		ctx[i] = mtcp_create_context(i);
		if (!ctx[i] || ctx[i]->cpu < 0 || ctx[i]->cpu >= MAX_CTX) {
			fprintf(stderr, "mosbench: context %d: %s\n", i,
				strerror(errno));
			return 1;
		}
		s = mtcp_socket(ctx[i], AF_INET, MOS_SOCK_MONITOR_STREAM, 0);
		if (s < 0 ||
		    mtcp_register_callback(ctx[i], s, MOS_ON_CONN_NEW_DATA,
					   MOS_NULL, on_data) < 0 ||
		    mtcp_register_callback(ctx[i], s, MOS_ON_CONN_END,
					   MOS_HK_SND, on_end) < 0) {
			fprintf(stderr, "mosbench: context %d: socket: %s\n",
				i, strerror(errno));
			return 1;
		}
	}
	for (i = 0; i < n; i++)
		mtcp_app_join(ctx[i]);
	for (i = 0; i < MAX_CTX; i++) {
		sum.got[0] += counts[i].got[0];
		sum.got[1] += counts[i].got[1];
		sum.lost[0] += counts[i].lost[0];
		sum.lost[1] += counts[i].lost[1];
		sum.flows += counts[i].flows;
		sum.errors += counts[i].errors;
	}
	mtcp_destroy();
	/* MOS_SIDE_SVR holds what the client sent */
	printf("flows %llu c2s_bytes %llu s2c_bytes %llu c2s_lost %llu "
	       "s2c_lost %llu errors %llu contexts %d\n",
	       (unsigned long long)sum.flows,
	       (unsigned long long)sum.got[MOS_SIDE_SVR],
	       (unsigned long long)sum.got[MOS_SIDE_CLI],
	       (unsigned long long)sum.lost[MOS_SIDE_SVR],
	       (unsigned long long)sum.lost[MOS_SIDE_CLI],
	       (unsigned long long)sum.errors, n);
	return 0;
}
