/*
 * midstat -- the connections passing by, like netstat for a middlebox
 * (midstat(1)).
 *
 *   midstat [-f mos.conf | -r capture.pcap] [-c cores] [-b bytes]
 *
 * Once a second (context 0's timer, on the capture's clock when reading
 * a file) it prints the connections being tracked with both endpoints'
 * emulated TCP states; at the end it prints every connection seen, with
 * the state each end was left in and the bytes each end sent that the
 * monitor missed (a capture or mirror port dropped them): mtcp_peek()
 * reports those as negative counts, so both streams are read and thrown
 * away as they arrive, which keeps the rings empty.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mos_api.h>

#include "app.h"
#include "capture_conf.h"
#include "mos_notify.h"

#define ADDR_LEN 64
#define SCRATCH 16384		/* peeked bytes are only counted */
/* As mos-flowdump's: a ring as small as mos.conf's default would count
 * bytes as missed that were in the capture but arrived too far past a
 * hole to be kept.  Rings are drained as data arrives, so only bytes
 * held behind a hole take memory. */
#define DEFAULT_RING (1 << 20)

struct conn {
	int sock;
	uint64_t seq;			/* order of appearance */
	char addr[2][ADDR_LEN];		/* client, server */
	int state[2];
	uint64_t missed[2];		/* by sending end: [0] client */
	struct conn *prev, *next;
};

struct core_list {
	pthread_mutex_t lock;		/* the printer reads other contexts */
	struct conn *head;
	uint64_t seq;
	uint64_t total;
};

static struct mos_app app;
static struct core_list lists[MOS_APP_CORES];
static struct conn *finished;
static pthread_mutex_t finished_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile sig_atomic_t fatal;
static int ring_bytes = DEFAULT_RING;

static const char *state_name(int st)
{
	static const char *const names[] = {
		"CLOSED", "LISTEN", "SYN_SENT", "SYN_RCVD", "ESTABLISHED",
		"FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING",
		"LAST_ACK", "TIME_WAIT",
	};

	return st >= 0 && st <= TCP_TIME_WAIT ? names[st] : "-";
}

static void addr_text(const struct sockaddr *sa, char *out, size_t n)
{
	char a[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(out, n, "[%s]:%u", a, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(out, n, "%s:%u", a, ntohs(s4->sin_port));
	}
}

static void die_in_callback(const char *what)
{
	/* a callback cannot unwind main(); stop everything instead */
	fprintf(stderr, "midstat: %s: %s\n", what, strerror(errno));
	fatal = 1;
	mos_app_stop(&app);
}

static void on_start(mctx_t mctx, int sock, int side, event_t ev,
		     filter_arg_t *arg)
{
	struct core_list *l = &lists[mctx->cpu];
	struct sockaddr_in6 sa[2];
	socklen_t len = sizeof(sa);
	struct conn *c;

	(void)side, (void)ev, (void)arg;
	if (mtcp_getpeername(mctx, sock, (struct sockaddr *)sa, &len,
			     MOS_SIDE_BOTH) < 0) {
		die_in_callback("mtcp_getpeername");
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		die_in_callback("calloc");
		return;
	}
	c->sock = sock;
	c->state[0] = c->state[1] = -1;
	addr_text((struct sockaddr *)sa, c->addr[0], ADDR_LEN);
	addr_text((struct sockaddr *)((char *)sa + len / 2), c->addr[1],
		  ADDR_LEN);
	pthread_mutex_lock(&l->lock);
	c->seq = l->seq++;
	l->total++;
	c->next = l->head;
	if (l->head)
		l->head->prev = c;
	l->head = c;
	pthread_mutex_unlock(&l->lock);
	mtcp_set_uctx(mctx, sock, c);
}

static void on_state(mctx_t mctx, int sock, int side, event_t ev,
		     filter_arg_t *arg)
{
	struct conn *c = mtcp_get_uctx(mctx, sock);
	socklen_t len = sizeof(int);
	int st;

	(void)ev, (void)arg;
	if (!c || (side != MOS_SIDE_CLI && side != MOS_SIDE_SVR))
		return;
	if (mtcp_getsockopt(mctx, sock, SOL_MONSOCKET,
			    side == MOS_SIDE_CLI ? MOS_TCP_STATE_CLI
						 : MOS_TCP_STATE_SVR,
			    &st, &len) < 0) {
		die_in_callback("mtcp_getsockopt");
		return;
	}
	pthread_mutex_lock(&lists[mctx->cpu].lock);
	c->state[side] = st;
	pthread_mutex_unlock(&lists[mctx->cpu].lock);
}

/* Read `side`'s ring to its end; ring MOS_SIDE_SVR holds what the client
 * sent.  Only the losses matter, but reading is what reveals them. */
static void drain(mctx_t mctx, int sock, int side, struct conn *c)
{
	char buf[SCRATCH];
	ssize_t n;

	while ((n = mtcp_peek(mctx, sock, side, buf, sizeof(buf))) != 0) {
		if (n > 0)
			continue;
		if (errno != ENODATA)
			return;	/* not a loss: nothing more to count */
		c->missed[!side] += (uint64_t)-n;
	}
}

static void on_data(mctx_t mctx, int sock, int side, event_t ev,
		    filter_arg_t *arg)
{
	struct conn *c = mtcp_get_uctx(mctx, sock);

	(void)ev, (void)arg;
	if (c && (side == MOS_SIDE_CLI || side == MOS_SIDE_SVR))
		drain(mctx, sock, side, c);
}

static void on_end(mctx_t mctx, int sock, int side, event_t ev,
		   filter_arg_t *arg)
{
	struct core_list *l = &lists[mctx->cpu];
	struct conn *c = mtcp_get_uctx(mctx, sock);

	(void)side, (void)ev, (void)arg;
	if (!c)
		return;		/* the second delivery finds nothing */
	/* holes left at the end are given up now: count them */
	drain(mctx, sock, MOS_SIDE_CLI, c);
	drain(mctx, sock, MOS_SIDE_SVR, c);
	mtcp_set_uctx(mctx, sock, NULL);
	pthread_mutex_lock(&l->lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		l->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&l->lock);
	pthread_mutex_lock(&finished_lock);
	c->prev = NULL;
	c->next = finished;
	finished = c;
	pthread_mutex_unlock(&finished_lock);
}

/* The final table adds the bytes each end sent that were missed. */
static void print_header(bool missed)
{
	printf("%-5s %-3s %-21s %-12s %-21s %-12s", "Proto", "CPU",
	       "Client Address", "Client State", "Server Address",
	       "Server State");
	if (missed)
		printf(" %10s %10s", "Cli Missed", "Svr Missed");
	putchar('\n');
}

static void print_conn(const struct conn *c, int cpu, bool missed)
{
	printf("%-5s %-3d %-21s %-12s %-21s %-12s", "tcp", cpu, c->addr[0],
	       state_name(c->state[0]), c->addr[1], state_name(c->state[1]));
	if (missed)
		printf(" %10llu %10llu", (unsigned long long)c->missed[0],
		       (unsigned long long)c->missed[1]);
	putchar('\n');
}

static void on_timer(mctx_t mctx, int id, int side, event_t ev,
		     filter_arg_t *arg)
{
	struct timeval tv = { 1, 0 };
	unsigned tracked = 0;
	int i;

	(void)side, (void)ev, (void)arg;
	print_header(false);
	for (i = 0; i < app.ncores; i++) {
		struct conn *c;

		pthread_mutex_lock(&lists[i].lock);
		for (c = lists[i].head; c; c = c->next, tracked++)
			print_conn(c, i, false);
		pthread_mutex_unlock(&lists[i].lock);
	}
	printf("\n");
	fflush(stdout);
	mos_notify_status("%u connections tracked", tracked);
	mos_notify_watchdog_maybe();
	mtcp_settimer(mctx, id, &tv, on_timer);
}

static int setup(mctx_t mctx, void *arg)
{
	int sock = mtcp_socket(mctx, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);

	(void)arg;
	if (sock < 0) {
		perror("midstat: mtcp_socket");
		return -1;
	}
	if (mtcp_setsockopt(mctx, sock, SOL_MONSOCKET, MOS_CLIBUF, &ring_bytes,
			    sizeof(ring_bytes)) < 0 ||
	    mtcp_setsockopt(mctx, sock, SOL_MONSOCKET, MOS_SVRBUF, &ring_bytes,
			    sizeof(ring_bytes)) < 0) {
		perror("midstat: MOS_CLIBUF");
		return -1;
	}
	if (mtcp_register_callback(mctx, sock, MOS_ON_CONN_START, MOS_HK_SND,
				   on_start) < 0 ||
	    mtcp_register_callback(mctx, sock, MOS_ON_CONN_NEW_DATA, MOS_NULL,
				   on_data) < 0 ||
	    mtcp_register_callback(mctx, sock, MOS_ON_ERROR, MOS_NULL,
				   on_data) < 0 ||
	    mtcp_register_callback(mctx, sock, MOS_ON_CONN_END, MOS_HK_SND,
				   on_end) < 0 ||
	    mtcp_register_callback(mctx, sock, MOS_ON_TCP_STATE_CHANGE,
				   MOS_HK_SND, on_state) < 0 ||
	    mtcp_register_callback(mctx, sock, MOS_ON_TCP_STATE_CHANGE,
				   MOS_HK_RCV, on_state) < 0) {
		perror("midstat: mtcp_register_callback");
		return -1;
	}
	if (mctx->cpu == 0) {
		struct timeval tv = { 1, 0 };

		if (mtcp_settimer(mctx, 0, &tv, on_timer) < 0) {
			perror("midstat: mtcp_settimer");
			return -1;
		}
	}
	return 0;
}

static int cmp_conn(const void *a, const void *b)
{
	const struct conn *x = *(struct conn *const *)a;
	const struct conn *y = *(struct conn *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Every connection seen, in order of appearance, with final states and
 * missed bytes. */
static void print_final(void)
{
	struct conn *c, **v;
	size_t n = 0, i;

	for (c = finished; c; c = c->next)
		n++;
	printf("Connections seen: %zu\n", n);
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return;
	for (i = 0, c = finished; c; c = c->next)
		v[i++] = c;
	qsort(v, n, sizeof(*v), cmp_conn);
	print_header(true);
	for (i = 0; i < n; i++)
		print_conn(v[i], 0, true);
	free(v);
	while (finished) {
		c = finished;
		finished = c->next;
		free(c);
	}
}

static void usage(FILE *f)
{
	fprintf(f, "usage: midstat [-f mos.conf | -r capture.pcap] [-c cores] "
		   "[-b bytes]\n");
}

int main(int argc, char **argv)
{
	const char *conf = SYSCONFDIR "/mos/mos.conf", *capture = NULL;
	const char *tmpconf = NULL;
	int opt, i, want = 0, rc;

	while ((opt = getopt(argc, argv, "f:r:c:b:h")) != -1) {
		switch (opt) {
		case 'f': conf = optarg; break;
		case 'r': capture = optarg; break;
		case 'c': want = atoi(optarg); break;
		case 'b': ring_bytes = atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stdout); return 0;	/* as mOS did */
		}
	}
	if (ring_bytes <= 0) {
		usage(stderr);
		return 2;
	}
	if (capture && !(tmpconf = mos_capture_config("midstat", capture)))
		return 1;
	rc = mtcp_init(tmpconf ? tmpconf : conf);
	if (tmpconf)
		unlink(tmpconf);
	if (rc < 0)
		return 1;	/* mtcp_init printed the reason */
	for (i = 0; i < MOS_APP_CORES; i++)
		pthread_mutex_init(&lists[i].lock, NULL);
	if (mos_app_cores(&app, "midstat", "-c", want) < 0)
		return 1;
	mos_app_stop_on_sigint(&app);
	if (mos_app_contexts(&app, setup, NULL) < 0)
		return 1;
	mos_app_wait(&app, "monitoring");
	mos_app_end(&app);
	print_final();
	return fatal ? 1 : 0;
}
