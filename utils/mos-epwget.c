/*
 * mos-epwget -- fetch one URL many times over libmos end-host sockets
 * (rewritten from mOS 0.3's epwget, see mos-epwget(1)): an HTTP load
 * generator that checks what it gets.
 *
 *   mos-epwget URL REQUESTS [-f mos.conf] [-N cores] [-c concurrency]
 *              [-k] [-o FILE] [-s] [-e SHA256] [-t seconds] [-v]
 *
 * The requests are split over the contexts (the remainder one each to
 * the lowest), the concurrency likewise.  Each context runs in a thread
 * of its own: it pins itself, creates its context, builds its source
 * port pool with mtcp_init_rss (so replies come back to it) and keeps
 * its share of non-blocking connections going from one epoll loop.
 * Every response must be "200" with a Content-Length that the body meets
 * (or, without one, a body ended by the server's close); -s/-e hash each
 * body (SHA-256, FIPS 180-4) and compare.  Anything else -- a refused or
 * reset connection, a timeout, another status, a short or long body, a
 * different hash -- is a failed request, named on stderr; the exit
 * status is 1 if any request failed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <mos_api.h>

#include "ep_http.h"
#include "ep_sha256.h"

#define MAX_CORES 64
#define MAX_EVENTS 256
#define HEAD_MAX 8192		/* a response's header section must fit */
#define READ_CHUNK 65536
#define MAX_REPORTS 20		/* failure messages printed, per thread */

enum conn_state { C_CONNECTING, C_SENDING, C_HEAD, C_BODY };

struct conn {
	int sock;
	enum conn_state st;
	bool dead;
	bool out;		/* interest is MOS_EPOLLOUT */
	bool to_file;		/* this response goes to -o */
	bool has_len, keep;	/* Content-Length seen; server keeps alive */
	int served;		/* responses completed on this connection */
	struct conn *prev, *next;
	size_t req_off;		/* request bytes written */
	uint64_t len, got;	/* body length announced, bytes received */
	uint64_t t_req, t_act;	/* request start, last progress (µs) */
	struct ep_sha256 sha;
	size_t head_len;
	char head[HEAD_MAX];
};

struct worker {
	int idx, core;
	pthread_t th;
	mctx_t mctx;
	int ep;
	int ok;			/* setup result: 1 ready, -1 failed */
	long flows, conc;	/* this thread's share */
	long started, done, failed, timeouts, retried, reports;
	long completed;		/* responses received whole */
	int nconns;
	uint64_t stall;		/* since when no source port was free */
	struct conn *conns, *dead;
	uint64_t bytes, lat_sum, lat_max;
	char hash[EP_SHA256_HEX];	/* of the first body (-s) */
	char *buf;
};

static struct {
	const char *conf, *out, *expect;
	long requests, conc;
	int want, keep, hash, verbose, timeout;
	struct sockaddr_in dst;
	char host[64], path[1024];
	char *req;
	size_t req_len;
	int ncores;
	int outfd;
} opt = { .conc = 1, .timeout = 30, .outfd = -1 };

static struct worker workers[MAX_CORES];
static volatile sig_atomic_t stopping;
static int file_claimed;		/* -o: the first response takes it */
static pthread_mutex_t ready_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready_cond = PTHREAD_COND_INITIALIZER;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void report(struct worker *w, struct conn *c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(struct worker *w, struct conn *c, const char *fmt, ...)
{
	va_list ap;

	if (++w->reports > MAX_REPORTS && !opt.verbose) {
		if (w->reports == MAX_REPORTS + 1)
			fprintf(stderr, "mos-epwget: context %d: more failures "
				"not shown (-v shows them)\n", w->idx);
		return;
	}
	fprintf(stderr, "mos-epwget: context %d: ", w->idx);
	if (c)
		fprintf(stderr, "socket %d: ", c->sock);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* --- connections */

static void conn_close(struct worker *w, struct conn *c, bool reset)
{
	if (c->dead)
		return;
	/* an abort that finds no connection left (already reset) does
	 * not release the id (mtcp_abort(3)): close it then */
	if (!reset || mtcp_abort(w->mctx, c->sock) < 0)
		mtcp_close(w->mctx, c->sock);
	c->dead = true;
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->next = w->dead;
	w->dead = c;
	w->nconns--;
}

/* The request in progress on c failed. */
static void conn_fail(struct worker *w, struct conn *c)
{
	w->done++;
	w->failed++;
	conn_close(w, c, true);
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
		report(w, c, "mtcp_epoll_ctl: %s", strerror(errno));
		return -1;
	}
	c->out = out;
	return 0;
}

static void request_begin(struct conn *c)
{
	c->st = C_SENDING;
	c->req_off = 0;
	c->head_len = 0;
	c->len = c->got = 0;
	c->has_len = c->keep = false;
	c->to_file = false;
	c->t_req = c->t_act = now_us();
	if (opt.hash)
		ep_sha256_init(&c->sha);
}

static void send_request(struct worker *w, struct conn *c)
{
	while (c->req_off < opt.req_len) {
		ssize_t k = mtcp_write(w->mctx, c->sock, opt.req + c->req_off,
				       opt.req_len - c->req_off);

		if (k < 0 && errno == EAGAIN) {
			if (set_interest(w, c, true) < 0)
				conn_fail(w, c);
			return;
		}
		if (k < 0) {
			report(w, c, "mtcp_write: %s", strerror(errno));
			conn_fail(w, c);
			return;
		}
		c->req_off += (size_t)k;
		c->t_act = now_us();
	}
	c->st = C_HEAD;
	if (set_interest(w, c, false) < 0)
		conn_fail(w, c);
}

static int open_conn(struct worker *w)
{
	struct mtcp_epoll_event ev = { .events = MOS_EPOLLOUT };
	struct conn *c;
	int s = mtcp_socket(w->mctx, AF_INET, SOCK_STREAM, 0);

	if (s < 0) {
		report(w, NULL, "mtcp_socket: %s", strerror(errno));
		return -1;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		mtcp_close(w->mctx, s);
		return -1;
	}
	c->sock = s;
	c->out = true;
	ev.data.ptr = c;
	if (mtcp_setsock_nonblock(w->mctx, s) < 0 ||
	    mtcp_epoll_ctl(w->mctx, w->ep, MOS_EPOLL_CTL_ADD, s, &ev) < 0) {
		report(w, c, "setting the socket up: %s", strerror(errno));
		mtcp_close(w->mctx, s);
		free(c);
		return -1;
	}
	if (mtcp_connect(w->mctx, s, (struct sockaddr *)&opt.dst,
			 sizeof(opt.dst)) < 0 && errno != EINPROGRESS) {
		int err = errno;

		mtcp_close(w->mctx, s);
		free(c);
		errno = err;
		return -1;
	}
	c->next = w->conns;
	if (w->conns)
		w->conns->prev = c;
	w->conns = c;
	w->nconns++;
	w->started++;
	request_begin(c);
	c->st = C_CONNECTING;
	return 0;
}

/* Open connections up to this thread's concurrency. */
static void fill(struct worker *w)
{
	while (w->nconns < w->conc && w->started < w->flows) {
		int err;

		if (open_conn(w) == 0) {
			w->stall = 0;
			continue;
		}
		err = errno;
		if (err == EAGAIN) {
			/* no source port free (TIME_WAIT): wait for some,
			 * as long as the timeout allows */
			if (!w->stall)
				w->stall = now_us();
			if (w->nconns > 0 || now_us() - w->stall <
			    (uint64_t)opt.timeout * 1000000)
				return;
		}
		report(w, NULL, "mtcp_connect to %s: %s", opt.host,
		       strerror(err));
		w->started++;
		w->done++;
		w->failed++;
		if (err != EAGAIN)
			return;
	}
}

/* --- a response */

static void body_done(struct worker *w, struct conn *c)
{
	uint64_t lat = now_us() - c->t_req;
	bool good = true;

	if (opt.hash) {
		uint8_t d[EP_SHA256_LEN];
		char hex[EP_SHA256_HEX];

		ep_sha256_final(&c->sha, d);
		ep_sha256_hex(d, hex);
		if (opt.expect && strcasecmp(hex, opt.expect)) {
			report(w, c, "body SHA-256 %s, expected %s", hex,
			       opt.expect);
			good = false;
		} else if (!w->hash[0]) {
			memcpy(w->hash, hex, sizeof(hex));
		} else if (strcmp(hex, w->hash)) {
			report(w, c, "body SHA-256 %s differs from the first "
			       "body's %s", hex, w->hash);
			good = false;
		}
	}
	w->done++;
	w->completed++;
	w->failed += !good;
	w->bytes += c->got;
	w->lat_sum += lat;
	if (lat > w->lat_max)
		w->lat_max = lat;
	c->served++;
	if (opt.keep && c->keep && w->started < w->flows && good) {
		w->started++;
		request_begin(c);
		send_request(w, c);
	} else {
		conn_close(w, c, false);
	}
}

static int body_bytes(struct worker *w, struct conn *c, const char *p,
		      size_t n)
{
	if (c->has_len && c->got + n > c->len) {
		report(w, c, "%llu bytes past the announced Content-Length "
		       "%llu", (unsigned long long)(c->got + n - c->len),
		       (unsigned long long)c->len);
		conn_fail(w, c);
		return -1;
	}
	c->got += n;
	if (opt.hash)
		ep_sha256_update(&c->sha, p, n);
	if (c->to_file) {
		while (n) {
			ssize_t k = write(opt.outfd, p, n);

			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0) {
				report(w, c, "writing %s: %s", opt.out,
				       strerror(errno));
				conn_fail(w, c);
				return -1;
			}
			p += k, n -= (size_t)k;
		}
	}
	if (c->has_len && c->got == c->len)
		body_done(w, c);
	return 0;
}

/* The header section is complete: status, framing, keep-alive. */
static int head_parse(struct worker *w, struct conn *c, size_t len)
{
	struct ep_str l = ep_http_first_line(c->head, len), f[3], v;
	bool v11;

	if (!ep_http_words(l, f, true) || f[0].n != 8 ||
	    memcmp(f[0].p, "HTTP/1.", 7)) {
		report(w, c, "not an HTTP/1.x status line: %.*s",
		       (int)(l.n > 60 ? 60 : l.n), l.p);
		return -1;
	}
	if (!ep_str_is(f[1], "200")) {
		report(w, c, "status %.*s", (int)l.n, l.p);
		return -1;
	}
	v11 = f[0].p[7] != '0';
	if (ep_http_field(c->head, len, "Transfer-Encoding", &v)) {
		report(w, c, "Transfer-Encoding %.*s: not supported",
		       (int)v.n, v.p);
		return -1;
	}
	if (ep_http_field(c->head, len, "Content-Length", &v)) {
		if (!ep_http_uint(v, &c->len)) {
			report(w, c, "bad Content-Length %.*s", (int)v.n, v.p);
			return -1;
		}
		c->has_len = true;
	}
	if (ep_http_field(c->head, len, "Connection", &v))
		c->keep = v11 ? !ep_http_has_token(v, "close") :
			ep_http_has_token(v, "keep-alive");
	else
		c->keep = v11;
	c->keep = c->keep && c->has_len;
	if (opt.outfd >= 0 &&
	    !__atomic_exchange_n(&file_claimed, 1, __ATOMIC_RELAXED))
		c->to_file = true;
	return 0;
}

static int head_bytes(struct worker *w, struct conn *c, const char *p,
		      size_t n)
{
	size_t room = HEAD_MAX - c->head_len, take = n < room ? n : room;
	size_t old = c->head_len, end;

	memcpy(c->head + c->head_len, p, take);
	c->head_len += take;
	end = ep_http_head_end(c->head, c->head_len);
	if (!end) {
		if (c->head_len < HEAD_MAX)
			return 0;
		report(w, c, "response header section over %d bytes",
		       HEAD_MAX);
		conn_fail(w, c);
		return -1;
	}
	if (head_parse(w, c, end) < 0) {
		conn_fail(w, c);
		return -1;
	}
	c->st = C_BODY;
	if (c->has_len && c->len == 0)
		body_done(w, c);
	else if (end - old < n)
		return body_bytes(w, c, p + (end - old), n - (end - old));
	return 0;
}

/* The server closed its end. */
static void conn_eof(struct worker *w, struct conn *c)
{
	if (c->st == C_BODY && !c->has_len) {
		body_done(w, c);	/* the close ends the body */
		conn_close(w, c, false);
		return;
	}
	if (c->served > 0 && c->head_len == 0) {
		/* a kept-alive connection closed before it answered the
		 * next request (RFC 9112 9.3.1): ask again elsewhere */
		w->started--;
		w->retried++;
		conn_close(w, c, false);
		return;
	}
	if (c->st == C_BODY)
		report(w, c, "closed after %llu of %llu body bytes",
		       (unsigned long long)c->got, (unsigned long long)c->len);
	else
		report(w, c, "closed before a complete response header");
	conn_fail(w, c);
}

static void conn_readable(struct worker *w, struct conn *c)
{
	while (!c->dead && (c->st == C_HEAD || c->st == C_BODY)) {
		ssize_t n = mtcp_read(w->mctx, c->sock, w->buf, READ_CHUNK);

		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			report(w, c, "mtcp_read: %s", strerror(errno));
			conn_fail(w, c);
			return;
		}
		if (n == 0) {
			conn_eof(w, c);
			return;
		}
		c->t_act = now_us();
		if (c->st == C_HEAD)
			head_bytes(w, c, w->buf, (size_t)n);
		else
			body_bytes(w, c, w->buf, (size_t)n);
	}
}

static void conn_writable(struct worker *w, struct conn *c)
{
	if (c->st == C_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (mtcp_getsockopt(w->mctx, c->sock, SOL_SOCKET, SO_ERROR,
				    &err, &len) < 0)
			err = errno;
		if (err) {
			report(w, c, "event %s: connect: %s",
			       EventToString(MOS_EPOLLOUT), strerror(err));
			conn_fail(w, c);
			return;
		}
		c->st = C_SENDING;
	}
	if (c->st == C_SENDING)
		send_request(w, c);
}

static void conn_error(struct worker *w, struct conn *c, uint32_t ev)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (mtcp_getsockopt(w->mctx, c->sock, SOL_SOCKET, SO_ERROR, &err,
			    &len) < 0)
		err = errno;
	if (err == ETIMEDOUT)
		w->timeouts++;
	report(w, c, "event %s while %s: %s", EventToString(ev),
	       c->st == C_CONNECTING ? "connecting" :
	       c->st == C_SENDING ? "sending the request" :
	       c->st == C_HEAD ? "waiting for the response" :
	       "reading the body", err ? strerror(err) : "no error given");
	conn_fail(w, c);
}

static void dispatch(struct worker *w, struct mtcp_epoll_event *e)
{
	struct conn *c = e->data.ptr;
	uint32_t ev = (uint32_t)e->events;

	if (c->dead)
		return;
	if (ev & (MOS_EPOLLERR | MOS_EPOLLRDHUP))
		conn_error(w, c, ev & MOS_EPOLLERR ? MOS_EPOLLERR :
			   MOS_EPOLLRDHUP);
	else if (ev & MOS_EPOLLIN)
		conn_readable(w, c);
	else if (ev & MOS_EPOLLOUT)
		conn_writable(w, c);
	else
		report(w, c, "unexpected event %s", EventToString(ev));
}

static void expire(struct worker *w)
{
	uint64_t now = now_us(), limit = (uint64_t)opt.timeout * 1000000;
	struct conn *c, *next;

	for (c = w->conns; c; c = next) {
		next = c->next;
		if (now - c->t_act < limit)
			continue;
		report(w, c, "no progress for %d s while %s (%llu body bytes)",
		       opt.timeout, c->st == C_CONNECTING ? "connecting" :
		       c->st == C_BODY ? "reading the body" :
		       "waiting for the response", (unsigned long long)c->got);
		w->timeouts++;
		conn_fail(w, c);
	}
}

static void reap(struct worker *w)
{
	while (w->dead) {
		struct conn *c = w->dead;

		w->dead = c->next;
		free(c);
	}
}

/* --- a worker thread */

static int worker_setup(struct worker *w)
{
	if (mtcp_core_affinitize(w->core) < 0)
		fprintf(stderr, "mos-epwget: mtcp_core_affinitize(%d): %s "
			"(going on unpinned)\n", w->core, strerror(errno));
	w->mctx = mtcp_create_context(w->idx);
	if (!w->mctx) {
		fprintf(stderr, "mos-epwget: mtcp_create_context(%d): %s\n",
			w->idx, strerror(errno));
		return -1;
	}
	if (mtcp_init_rss(w->mctx, INADDR_ANY, 1, opt.dst.sin_addr.s_addr,
			  opt.dst.sin_port) < 0) {
		fprintf(stderr, "mos-epwget: context %d: mtcp_init_rss for "
			"%s: %s\n", w->idx, opt.host, strerror(errno));
		return -1;
	}
	w->ep = mtcp_epoll_create(w->mctx, (int)(w->conc * 3 + 16));
	if (w->ep < 0) {
		perror("mos-epwget: mtcp_epoll_create");
		return -1;
	}
	w->buf = malloc(READ_CHUNK);
	if (!w->buf) {
		perror("mos-epwget: malloc");
		return -1;
	}
	return 0;
}

static void worker_loop(struct worker *w)
{
	struct mtcp_epoll_event evs[MAX_EVENTS];
	uint64_t last = now_us();

	while (w->done < w->flows && !stopping) {
		int i, n;

		fill(w);
		if (w->done >= w->flows)
			break;
		n = mtcp_epoll_wait(w->mctx, w->ep, evs, MAX_EVENTS, 100);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "mos-epwget: context %d: "
				"mtcp_epoll_wait: %s\n", w->idx,
				strerror(errno));
			return;
		}
		for (i = 0; i < n; i++)
			dispatch(w, &evs[i]);
		if (now_us() - last >= 100000) {
			expire(w);
			last = now_us();
		}
		reap(w);
	}
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
	if (ok > 0) {
		fprintf(stderr, "mos-epwget: context %d: %ld requests, %ld "
			"at once, to %s\n", w->idx, w->flows, w->conc,
			opt.host);
		worker_loop(w);
	}
	while (w->conns)
		conn_close(w, w->conns, true);
	reap(w);
	if (w->mctx && w->ep >= 0)
		mtcp_close(w->mctx, w->ep);
	free(w->buf);
	return NULL;
}

/* --- the process */

static void usage(FILE *f)
{
	fprintf(f, "usage: mos-epwget URL REQUESTS [-f mos.conf] [-N cores] "
		"[-c concurrency] [-k] [-o FILE] [-s] [-e SHA256] "
		"[-t seconds] [-v]\n");
}

/* [http://]A.B.C.D[:PORT][/PATH] */
static int parse_url(const char *url)
{
	const char *p = url, *slash, *colon;
	char addr[32];
	size_t n;
	long port = 80;

	if (!strncasecmp(p, "http://", 7))
		p += 7;
	slash = strchr(p, '/');
	n = slash ? (size_t)(slash - p) : strlen(p);
	colon = memchr(p, ':', n);
	if (colon) {
		char *end;

		port = strtol(colon + 1, &end, 10);
		if (end != p + n || port < 1 || port > 65535)
			goto bad;
		n = (size_t)(colon - p);
	}
	if (n == 0 || n >= sizeof(addr))
		goto bad;
	memcpy(addr, p, n);
	addr[n] = '\0';
	opt.dst.sin_family = AF_INET;
	opt.dst.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &opt.dst.sin_addr) != 1)
		goto bad;
	snprintf(opt.host, sizeof(opt.host), port == 80 ? "%s" : "%s:%ld",
		 addr, port);
	snprintf(opt.path, sizeof(opt.path), "%s", slash ? slash : "/");
	if (strpbrk(opt.path, " \r\n"))
		goto bad;
	return 0;
bad:
	fprintf(stderr, "mos-epwget: %s: not a URL of the form "
		"http://A.B.C.D[:PORT]/PATH\n", url);
	return -1;
}

static int parse_args(int argc, char **argv)
{
	int o;

	opt.conf = SYSCONFDIR "/mos/mos.conf";
	while ((o = getopt(argc, argv, "f:N:c:ko:se:t:vh")) != -1) {
		switch (o) {
		case 'f': opt.conf = optarg; break;
		case 'N': opt.want = atoi(optarg); break;
		case 'c': opt.conc = atol(optarg); break;
		case 'k': opt.keep = 1; break;
		case 'o': opt.out = optarg; break;
		case 's': opt.hash = 1; break;
		case 'e': opt.expect = optarg; opt.hash = 1; break;
		case 't': opt.timeout = atoi(optarg); break;
		case 'v': opt.verbose = 1; break;
		default: usage(stdout); exit(0);
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return -1;
	}
	if (parse_url(argv[optind]) < 0)
		return -1;
	opt.requests = atol(argv[optind + 1]);
	if (opt.requests < 1 || opt.conc < 1 || opt.timeout < 1 ||
	    opt.want < 0) {
		fprintf(stderr, "mos-epwget: REQUESTS, -c and -t must be "
			"positive, -N not negative\n");
		return -1;
	}
	if (opt.expect && (strlen(opt.expect) != 64 ||
			   strspn(opt.expect, "0123456789abcdefABCDEF") != 64)) {
		fprintf(stderr, "mos-epwget: -e %s: not a SHA-256 in hex\n",
			opt.expect);
		return -1;
	}
	if (asprintf(&opt.req, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: "
		     "mos-epwget\r\nAccept: */*\r\nConnection: %s\r\n\r\n",
		     opt.path, opt.host, opt.keep ? "keep-alive" : "close") < 0)
		return -1;
	opt.req_len = strlen(opt.req);
	if (opt.out) {
		opt.outfd = open(opt.out, O_WRONLY | O_CREAT | O_TRUNC |
				 O_CLOEXEC, 0644);
		if (opt.outfd < 0) {
			fprintf(stderr, "mos-epwget: -o %s: %s\n", opt.out,
				strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* After mtcp_init: cores, each thread's share, room for the sockets. */
static int apply_conf(void)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN), conc;
	struct mtcp_conf mc;
	int i, core, n;

	mtcp_getconf(&mc);
	n = opt.want ? opt.want : mc.num_cores;
	if (online > 0 && n > online) {
		fprintf(stderr, "mos-epwget: -N %d: only %ld cores online\n",
			n, online);
		return -1;
	}
	if (n > opt.requests)
		n = (int)opt.requests;
	if (n > MAX_CORES)
		n = MAX_CORES;
	conc = opt.conc / n > 0 ? opt.conc / n : 1;
	mc.num_cores = n;
	/* a connection in TIME_WAIT or closing still holds its slot */
	if (mc.max_concurrency < 3 * conc)
		mc.max_concurrency = (int)(3 * conc);
	if (mc.max_num_buffers < 3 * conc)
		mc.max_num_buffers = (int)(3 * conc);
	if (mtcp_setconf(&mc) < 0) {
		fprintf(stderr, "mos-epwget: %d contexts, %ld connections "
			"each: %s\n", n, conc, strerror(errno));
		return -1;
	}
	opt.ncores = n;
	for (i = 0, core = 0; i < n; i++, core++) {
		while (core < 64 && !(mc.cpu_mask >> core & 1))
			core++;
		workers[i].idx = i;
		workers[i].core = core < 64 ? core : i;
		workers[i].ep = -1;
		workers[i].conc = conc;
		workers[i].flows = opt.requests / n + (i < opt.requests % n);
	}
	return 0;
}

static int start_workers(void)
{
	int i, failed = 0;

	for (i = 0; i < opt.ncores; i++) {
		if (pthread_create(&workers[i].th, NULL, worker_main,
				   &workers[i]) != 0) {
			fprintf(stderr, "mos-epwget: cannot start thread %d\n",
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

/* The summary on stdout; returns the exit status. */
static int summary(double secs)
{
	long done = 0, failed = 0, tmo = 0, retried = 0, whole = 0;
	uint64_t bytes = 0, lat = 0, lat_max = 0;
	const char *hash = NULL;
	bool same = true;
	int i;

	for (i = 0; i < opt.ncores; i++) {
		struct worker *w = &workers[i];

		done += w->done;
		failed += w->failed;
		tmo += w->timeouts;
		retried += w->retried;
		whole += w->completed;
		bytes += w->bytes;
		lat += w->lat_sum;
		if (w->lat_max > lat_max)
			lat_max = w->lat_max;
		if (w->hash[0] && !hash)
			hash = w->hash;
		else if (w->hash[0] && strcmp(hash, w->hash))
			same = false;
	}
	if (secs <= 0)
		secs = 1e-6;
	printf("mos-epwget: %ld requests: %ld ok, %ld failed (%ld timed out), "
	       "%ld retried; %llu body bytes in %.3f s: %.1f requests/s, "
	       "%.0f bytes/s; response time avg %llu us, max %llu us\n",
	       opt.requests, done - failed, failed + (opt.requests - done),
	       tmo, retried, (unsigned long long)bytes, secs,
	       (double)(done - failed) / secs, (double)bytes / secs,
	       (unsigned long long)(whole > 0 ? lat / (uint64_t)whole : 0),
	       (unsigned long long)lat_max);
	if (opt.hash && hash && same)
		printf("sha256 %s\n", hash);
	else if (opt.hash && hash)
		printf("sha256 differs between contexts\n");
	return failed || done < opt.requests || !same ? 1 : 0;
}

int main(int argc, char **argv)
{
	uint64_t t0, t1;
	int i, rc;

	if (parse_args(argc, argv) < 0)
		return 2;
	if (mtcp_init(opt.conf) < 0) {
		fprintf(stderr, "mos-epwget: mtcp_init(%s): %s\n", opt.conf,
			strerror(errno));
		return 2;
	}
	if (apply_conf() < 0) {
		mtcp_destroy();
		return 2;
	}
	mtcp_register_signal(SIGINT, on_signal);
	mtcp_register_signal(SIGTERM, on_signal);
	t0 = now_us();
	rc = start_workers() < 0 ? 2 : 0;
	for (i = 0; i < opt.ncores; i++)
		pthread_join(workers[i].th, NULL);
	t1 = now_us();
	for (i = 0; i < opt.ncores; i++)
		if (workers[i].mctx)
			mtcp_destroy_context(workers[i].mctx);
	mtcp_destroy();
	if (opt.outfd >= 0 && close(opt.outfd) < 0) {
		fprintf(stderr, "mos-epwget: -o %s: %s\n", opt.out,
			strerror(errno));
		rc = rc ? rc : 1;
	}
	if (rc)
		return rc;
	return summary((double)(t1 - t0) / 1e6);
}
