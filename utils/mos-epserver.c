/*
 * mos-epserver -- a static file server over HTTP/1.1 on libmos end-host
 * sockets (rewritten from mOS 0.3's epserver, see mos-epserver(1)).
 *
 *   mos-epserver -p DOCROOT [-f mos.conf] [-N cores] [-P port] [-a addr]
 *                [-b backlog] [-v]
 *
 * One application thread per context: it pins itself to the context's
 * core, creates the context, an epoll instance and a non-blocking
 * listener, and then serves every connection of that context from one
 * level-triggered epoll loop that never blocks.  GET and HEAD of regular
 * files below DOCROOT (RFC 9110 9.3.1, 9.3.2); keep-alive by default in
 * HTTP/1.1, on request in HTTP/1.0, "Connection: close" honoured (RFC
 * 9112 9.3, 9.6); pipelined requests are answered in order.  A body is
 * read from the file with pread(2) as send-buffer space appears, so a
 * file of any size needs no more memory than one send buffer per thread;
 * the writing resumes on MOS_EPOLLOUT.  SIGINT or SIGTERM stops every
 * thread: connections are closed (FIN), the contexts destroyed, and the
 * counts printed on stderr.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mos_api.h>

#include "ep_http.h"
#include "ep_serve.h"
#include "mos_notify.h"

#define MAX_CORES 64
#define MAX_EVENTS 256
#define IN_MAX 8192		/* a request's header section must fit */

struct conn {
	int sock;
	bool dead;		/* closed; freed after this batch of events */
	bool out;		/* interest is MOS_EPOLLOUT (a reply is pending) */
	struct conn *prev, *next;
	char in[IN_MAX];	/* request bytes not yet handled */
	size_t in_len;
	uint64_t discard;	/* request body bytes still to skip */
	struct ep_reply r;	/* the reply being sent */
};

struct worker {
	int idx, core;
	pthread_t th;
	mctx_t mctx;
	int ep, lsock;
	int ok;			/* setup result: 1 ready, -1 failed */
	struct conn *conns, *dead;
	char *scratch;		/* body bytes on their way to mtcp_writev */
	size_t scratch_len;
	struct ep_serve_stats st;
	unsigned long accepted, resets, errors;
};

static struct {
	const char *conf, *root, *addr;
	int port, backlog, want, verbose;
	int rootfd;
	int ncores;
	int sndbuf;
} opt = { .port = 80, .backlog = 4096 };

static struct worker workers[MAX_CORES];
static volatile sig_atomic_t stopping;
static pthread_mutex_t ready_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready_cond = PTHREAD_COND_INITIALIZER;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void warn_conn(struct worker *w, int sock, const char *what, int err)
{
	if (opt.verbose)
		fprintf(stderr, "mos-epserver: context %d: socket %d: %s: %s\n",
			w->idx, sock, what, strerror(err));
}

/* --- connections */

static void conn_free(struct conn *c)
{
	ep_reply_end(&c->r);
	free(c);
}

/* Close (FIN) or abort (RST) and unlink; the memory waits for the end
 * of the event batch, which may still name it. */
static void conn_close(struct worker *w, struct conn *c, bool reset)
{
	if (c->dead)
		return;
	/* an abort that finds no connection left (already reset) does
	 * not release the id (mtcp_abort(3)): close it then */
	if ((!reset || mtcp_abort(w->mctx, c->sock) < 0) &&
	    mtcp_close(w->mctx, c->sock) < 0 && errno != ENOTCONN)
		warn_conn(w, c->sock, "mtcp_close", errno);
	c->dead = true;
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->next = w->dead;
	w->dead = c;
}

static int set_interest(struct worker *w, struct conn *c, bool out)
{
	struct mtcp_epoll_event ev = {
		.events = out ? MOS_EPOLLOUT : MOS_EPOLLIN,
		.data.ptr = c,
	};

	if (c->out == out)
		return 0;
	if (mtcp_epoll_ctl(w->mctx, w->ep, MOS_EPOLL_CTL_MOD, c->sock,
			   &ev) < 0) {
		warn_conn(w, c->sock, "mtcp_epoll_ctl", errno);
		return -1;
	}
	c->out = out;
	return 0;
}

/* Send what the buffer takes.  1: the reply is out; 0: more later;
 * -1: the connection is gone. */
static int conn_send(struct worker *w, struct conn *c)
{
	for (;;) {
		struct iovec iov[2];
		int n = ep_reply_iov(&c->r, iov, w->scratch, w->scratch_len);
		ssize_t k;

		if (n < 0) {
			/* the file shrank under us: the length we announced
			 * cannot be met, so the client must not wait for it */
			warn_conn(w, c->sock, "reading the file", errno);
			w->errors++;
			conn_close(w, c, true);
			return -1;
		}
		if (n == 0)
			return 1;
		k = mtcp_writev(w->mctx, c->sock, iov, n);
		if (k < 0 && errno == EAGAIN)
			return 0;
		if (k < 0) {
			warn_conn(w, c->sock, "mtcp_writev", errno);
			w->errors++;
			conn_close(w, c, false);
			return -1;
		}
		ep_reply_sent(&c->r, (size_t)k, &w->st);
	}
}

/* Answer the complete requests in c->in, in order, while their replies
 * go out at once.  0: waiting for bytes or buffer space; -1: closed. */
static int conn_serve(struct worker *w, struct conn *c)
{
	for (;;) {
		size_t head, skip;
		int r;

		if (c->discard) {
			skip = c->discard < c->in_len ? c->discard : c->in_len;
			memmove(c->in, c->in + skip, c->in_len - skip);
			c->in_len -= skip;
			c->discard -= skip;
			if (c->discard)
				return 0;
		}
		head = ep_http_head_end(c->in, c->in_len);
		if (!head && c->in_len < IN_MAX)
			return 0;
		if (!head)	/* header section too large */
			ep_reply_error(&c->r, 400, &w->st);
		else
			ep_serve_request(&c->r, c->in, head, opt.rootfd,
					 &c->discard, &w->st);
		if (!head)
			head = c->in_len;
		memmove(c->in, c->in + head, c->in_len - head);
		c->in_len -= head;
		r = conn_send(w, c);
		if (r < 0)
			return -1;
		if (r == 0) {
			if (set_interest(w, c, true) == 0)
				return 0;
			conn_close(w, c, false);
			return -1;
		}
		if (c->r.close_after) {
			conn_close(w, c, false);
			return -1;
		}
		ep_reply_end(&c->r);
	}
}

static void conn_readable(struct worker *w, struct conn *c)
{
	while (!c->dead && !c->out) {
		ssize_t n = mtcp_read(w->mctx, c->sock, c->in + c->in_len,
				      IN_MAX - c->in_len);

		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			/* peer closed (or the connection failed) */
			if (n < 0) {
				warn_conn(w, c->sock, "mtcp_read", errno);
				w->errors++;
			}
			conn_close(w, c, false);
			return;
		}
		c->in_len += (size_t)n;
		if (conn_serve(w, c) < 0)
			return;
	}
}

static void conn_writable(struct worker *w, struct conn *c)
{
	int r = conn_send(w, c);

	if (r <= 0)
		return;
	if (c->r.close_after) {
		conn_close(w, c, false);
		return;
	}
	ep_reply_end(&c->r);
	if (set_interest(w, c, false) < 0) {
		conn_close(w, c, false);
		return;
	}
	/* pipelined requests already here; more input raises MOS_EPOLLIN */
	if (conn_serve(w, c) == 0 && !c->out)
		conn_readable(w, c);
}

static void conn_error(struct worker *w, struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (mtcp_getsockopt(w->mctx, c->sock, SOL_SOCKET, SO_ERROR, &err,
			    &len) < 0)
		err = errno;
	if (err == ECONNRESET)
		w->resets++;
	else
		w->errors++;
	if (err != ETIMEDOUT && err != ECONNRESET)
		warn_conn(w, c->sock, EventToString(MOS_EPOLLERR), err);
	conn_close(w, c, false);
}

static void accept_all(struct worker *w)
{
	for (;;) {
		struct mtcp_epoll_event ev = { .events = MOS_EPOLLIN };
		int s = mtcp_accept(w->mctx, w->lsock, NULL, NULL);
		struct conn *c;

		if (s < 0) {
			if (errno != EAGAIN && errno != EINTR) {
				warn_conn(w, w->lsock, "mtcp_accept", errno);
				w->errors++;
			}
			return;
		}
		c = calloc(1, sizeof(*c));
		if (!c || mtcp_setsock_nonblock(w->mctx, s) < 0) {
			warn_conn(w, s, c ? "mtcp_setsock_nonblock" :
				  "out of memory", c ? errno : ENOMEM);
			free(c);
			w->errors++;
			if (mtcp_abort(w->mctx, s) < 0)
				mtcp_close(w->mctx, s);
			continue;
		}
		c->sock = s;
		c->r.fd = -1;
		ev.data.ptr = c;
		if (mtcp_epoll_ctl(w->mctx, w->ep, MOS_EPOLL_CTL_ADD, s,
				   &ev) < 0) {
			warn_conn(w, s, "mtcp_epoll_ctl", errno);
			free(c);
			w->errors++;
			if (mtcp_abort(w->mctx, s) < 0)
				mtcp_close(w->mctx, s);
			continue;
		}
		c->next = w->conns;
		if (w->conns)
			w->conns->prev = c;
		w->conns = c;
		w->accepted++;
	}
}

static void dispatch(struct worker *w, struct mtcp_epoll_event *e)
{
	struct conn *c = e->data.ptr;
	uint32_t ev = (uint32_t)e->events;

	if (!c) {
		if (ev & MOS_EPOLLIN)
			accept_all(w);
		else
			fprintf(stderr, "mos-epserver: context %d: listener: "
				"event %s\n", w->idx, EventToString(ev));
		return;
	}
	if (c->dead)
		return;
	if (ev & MOS_EPOLLERR)
		conn_error(w, c);
	else if (ev & MOS_EPOLLIN)
		conn_readable(w, c);
	else if (ev & MOS_EPOLLOUT)
		conn_writable(w, c);
	else if (ev & MOS_EPOLLRDHUP)
		conn_close(w, c, false);
}

static void reap(struct worker *w)
{
	while (w->dead) {
		struct conn *c = w->dead;

		w->dead = c->next;
		conn_free(c);
	}
}

/* --- a worker thread */

static int worker_setup(struct worker *w)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)opt.port) };
	struct mtcp_epoll_event ev = { .events = MOS_EPOLLIN, .data.ptr = NULL };

	if (opt.addr)
		inet_pton(AF_INET, opt.addr, &sa.sin_addr);
	if (mtcp_core_affinitize(w->core) < 0)
		fprintf(stderr, "mos-epserver: mtcp_core_affinitize(%d): %s "
			"(going on unpinned)\n", w->core, strerror(errno));
	w->mctx = mtcp_create_context(w->idx);
	if (!w->mctx) {
		fprintf(stderr, "mos-epserver: mtcp_create_context(%d): %s\n",
			w->idx, strerror(errno));
		return -1;
	}
	w->ep = mtcp_epoll_create(w->mctx, MAX_EVENTS * 4);
	if (w->ep < 0) {
		perror("mos-epserver: mtcp_epoll_create");
		return -1;
	}
	w->lsock = mtcp_socket(w->mctx, AF_INET, SOCK_STREAM, 0);
	if (w->lsock < 0) {
		perror("mos-epserver: mtcp_socket");
		return -1;
	}
	if (mtcp_setsock_nonblock(w->mctx, w->lsock) < 0 ||
	    mtcp_bind(w->mctx, w->lsock, (struct sockaddr *)&sa,
		      sizeof(sa)) < 0 ||
	    mtcp_listen(w->mctx, w->lsock, opt.backlog) < 0) {
		fprintf(stderr, "mos-epserver: context %d: listening on "
			"%s:%d: %s\n", w->idx, opt.addr ? opt.addr : "0.0.0.0",
			opt.port, strerror(errno));
		return -1;
	}
	if (mtcp_epoll_ctl(w->mctx, w->ep, MOS_EPOLL_CTL_ADD, w->lsock,
			   &ev) < 0) {
		perror("mos-epserver: mtcp_epoll_ctl");
		return -1;
	}
	w->scratch_len = (size_t)opt.sndbuf;
	w->scratch = malloc(w->scratch_len);
	if (!w->scratch) {
		perror("mos-epserver: malloc");
		return -1;
	}
	return 0;
}

static void worker_loop(struct worker *w)
{
	struct mtcp_epoll_event evs[MAX_EVENTS];

	while (!stopping) {
		int i, n = mtcp_epoll_wait(w->mctx, w->ep, evs, MAX_EVENTS,
					   1000);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (!stopping)
				fprintf(stderr, "mos-epserver: context %d: "
					"mtcp_epoll_wait: %s\n", w->idx,
					strerror(errno));
			return;
		}
		for (i = 0; i < n; i++)
			dispatch(w, &evs[i]);
		reap(w);
	}
}

static void worker_teardown(struct worker *w)
{
	while (w->conns)
		conn_close(w, w->conns, false);
	reap(w);
	if (w->mctx && w->lsock >= 0)
		mtcp_close(w->mctx, w->lsock);
	if (w->mctx && w->ep >= 0)
		mtcp_close(w->mctx, w->ep);
	free(w->scratch);
	w->scratch = NULL;
}

static void worker_ready(struct worker *w, int ok)
{
	pthread_mutex_lock(&ready_lock);
	w->ok = ok;
	pthread_cond_broadcast(&ready_cond);
	pthread_mutex_unlock(&ready_lock);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	int ok = worker_setup(w) < 0 ? -1 : 1;

	worker_ready(w, ok);
	if (ok > 0)
		worker_loop(w);
	worker_teardown(w);
	return NULL;
}

/* --- the process */

static void usage(FILE *f)
{
	fprintf(f, "usage: mos-epserver -p DOCROOT [-f mos.conf] [-N cores] "
		"[-P port] [-a addr] [-b backlog] [-v]\n");
}

static int parse_args(int argc, char **argv)
{
	struct in_addr a;
	int o;

	opt.conf = SYSCONFDIR "/mos/mos.conf";
	while ((o = getopt(argc, argv, "p:f:N:P:a:b:vh")) != -1) {
		switch (o) {
		case 'p': opt.root = optarg; break;
		case 'f': opt.conf = optarg; break;
		case 'N': opt.want = atoi(optarg); break;
		case 'P': opt.port = atoi(optarg); break;
		case 'a': opt.addr = optarg; break;
		case 'b': opt.backlog = atoi(optarg); break;
		case 'v': opt.verbose = 1; break;
		default: usage(stdout); exit(0);
		}
	}
	if (!opt.root) {
		fprintf(stderr, "mos-epserver: the document root (-p DIR) is "
			"required\n");
		usage(stderr);
		return -1;
	}
	if (opt.port < 1 || opt.port > 65535 || opt.backlog < 1 ||
	    opt.want < 0) {
		fprintf(stderr, "mos-epserver: -P needs 1..65535, -b and -N "
			"positive numbers\n");
		return -1;
	}
	if (opt.addr && inet_pton(AF_INET, opt.addr, &a) != 1) {
		fprintf(stderr, "mos-epserver: -a %s: not an IPv4 address\n",
			opt.addr);
		return -1;
	}
	opt.rootfd = open(opt.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (opt.rootfd < 0) {
		fprintf(stderr, "mos-epserver: -p %s: %s\n", opt.root,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* After mtcp_init: the core count, the backlog within max_concurrency,
 * and where each context runs (the i-th lowest core of the mask). */
static int apply_conf(void)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	struct mtcp_conf mc;
	int i, core;

	mtcp_getconf(&mc);
	if (opt.want) {
		if (online > 0 && opt.want > online) {
			fprintf(stderr, "mos-epserver: -N %d: only %ld cores "
				"online\n", opt.want, online);
			return -1;
		}
		mc.num_cores = opt.want;
		if (mtcp_setconf(&mc) < 0) {
			fprintf(stderr, "mos-epserver: -N %d: %s\n", opt.want,
				strerror(errno));
			return -1;
		}
		mtcp_getconf(&mc);
	}
	opt.ncores = mc.num_cores < MAX_CORES ? mc.num_cores : MAX_CORES;
	if (opt.backlog > mc.max_concurrency)
		opt.backlog = mc.max_concurrency;
	opt.sndbuf = mc.sndbuf_size > 16384 ? mc.sndbuf_size : 16384;
	for (i = 0, core = 0; i < opt.ncores; i++, core++) {
		while (core < 64 && !(mc.cpu_mask >> core & 1))
			core++;
		workers[i].idx = i;
		workers[i].core = core < 64 ? core : i;
		workers[i].ep = workers[i].lsock = -1;
	}
	return 0;
}

static int start_workers(void)
{
	int i, failed = 0;

	for (i = 0; i < opt.ncores; i++) {
		if (pthread_create(&workers[i].th, NULL, worker_main,
				   &workers[i]) != 0) {
			fprintf(stderr, "mos-epserver: cannot start thread %d\n",
				i);
			opt.ncores = i;
			stopping = 1;
			return -1;
		}
	}
	pthread_mutex_lock(&ready_lock);
	for (i = 0; i < opt.ncores; i++) {
		while (!workers[i].ok)
			pthread_cond_wait(&ready_cond, &ready_lock);
		failed |= workers[i].ok < 0;
	}
	pthread_mutex_unlock(&ready_lock);
	if (failed)
		stopping = 1;
	return failed ? -1 : 0;
}

static void report(void)
{
	struct ep_serve_stats t = { 0 };
	unsigned long acc = 0, rst = 0, err = 0;
	int i, k;

	for (i = 0; i < opt.ncores; i++) {
		for (k = 0; k < EP_NCODES; k++)
			t.replies[k] += workers[i].st.replies[k];
		t.body_bytes += workers[i].st.body_bytes;
		acc += workers[i].accepted;
		rst += workers[i].resets;
		err += workers[i].errors;
	}
	fprintf(stderr, "mos-epserver: %lu connections, %lu reset by the "
		"peer, %lu errors; %llu body bytes;", acc, rst, err,
		(unsigned long long)t.body_bytes);
	for (k = 0; k < EP_NCODES; k++)
		if (t.replies[k])
			fprintf(stderr, " %d: %lu", ep_serve_codes[k],
				t.replies[k]);
	fprintf(stderr, "\n");
}

int main(int argc, char **argv)
{
	int i, rc = 0;

	if (parse_args(argc, argv) < 0)
		return 2;
	if (mtcp_init(opt.conf) < 0) {
		fprintf(stderr, "mos-epserver: mtcp_init(%s): %s\n", opt.conf,
			strerror(errno));
		return 1;
	}
	if (apply_conf() < 0) {
		mtcp_destroy();
		return 1;
	}
	/* the library keeps its own SIGINT handler; ours only asks the
	 * threads to finish, and their epoll_wait returns EINTR */
	mtcp_register_signal(SIGINT, on_signal);
	mtcp_register_signal(SIGTERM, on_signal);
	if (start_workers() < 0) {
		rc = 1;
	} else {
		fprintf(stderr, "mos-epserver: serving %s on %s:%d, %d "
			"context%s\n", opt.root, opt.addr ? opt.addr : "0.0.0.0",
			opt.port, opt.ncores, opt.ncores == 1 ? "" : "s");
		mos_notify_ready("serving");
	}
	for (i = 0; i < opt.ncores; i++)
		pthread_join(workers[i].th, NULL);
	mos_notify_stopping();
	for (i = 0; i < opt.ncores; i++)
		if (workers[i].mctx)
			mtcp_destroy_context(workers[i].mctx);
	mtcp_destroy();
	report();
	close(opt.rootfd);
	return rc;
}
