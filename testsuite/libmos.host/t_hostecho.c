/*
 * t_hostecho.c -- a small end-host program for hostapi.exp's namespace
 * test: an echo server on every port address, port 7, and a client that
 * sends a file to a Linux listener, both on one context driven by epoll.
 *
 *   t_hostecho CONF READY [IP PORT FILE]
 *
 * READY is created once the listener is up.  Runs until SIGINT, then
 * prints TAP lines: the client's upload complete, the echo server's
 * connections all served, no error on any socket.  A monitor listener in
 * the same program (the embedded monitor, libmos(3)) must have seen
 * every one of those connections start and end, and both directions of
 * their bytes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mos_api.h>

#include "tap.h"

#define MAXCONN 64
#define BUF (64 * 1024)

struct conn {
	int sock;		/* -1 free */
	bool client;		/* the upload */
	char *buf;
	size_t off, len;	/* echo: bytes held not yet written back */
	bool eof;
};

static mctx_t ctx;
static int ep, lsock;
static struct conn conns[MAXCONN];
static const char *up_data;
static size_t up_len, up_off;
static int served, errors, uploads_done = -1;
static int mon_start, mon_end;
static uint64_t mon_bytes[2];	/* stream bytes seen, by sender side */

static void mon_cb(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)a;
	(void)side;
	if (ev == MOS_ON_CONN_START) {
		mon_start++;
	} else if (ev == MOS_ON_CONN_END) {
		struct mos_flow_info fi;
		socklen_t len = sizeof(fi);

		/* both halves end: count the flow once */
		if (side != MOS_SIDE_CLI)
			return;
		mon_end++;
		if (mtcp_getsockopt(m, sock, SOL_MONSOCKET, MOS_INFO_FLOW, &fi,
				    &len) == 0) {
			mon_bytes[0] += fi.mfi_stream_bytes[0];
			mon_bytes[1] += fi.mfi_stream_bytes[1];
		}
	}
}

static struct conn *conn_of(int sock)
{
	int i;

	for (i = 0; i < MAXCONN; i++)
		if (conns[i].sock == sock)
			return &conns[i];
	return NULL;
}

static struct conn *conn_new(int sock, bool client)
{
	struct conn *c = conn_of(-1);

	if (!c)
		return NULL;
	memset(c, 0, sizeof(*c));
	c->sock = sock;
	c->client = client;
	if (!client && !(c->buf = malloc(BUF)))
		return NULL;
	return c;
}

static void conn_close(struct conn *c, bool ok_end)
{
	if (!ok_end)
		errors++;
	else if (c->client)
		uploads_done = 1;
	else
		served++;
	mtcp_close(ctx, c->sock);
	free(c->buf);
	c->buf = NULL;
	c->sock = -1;
}

static void watch(int sock, uint32_t ev, int op)
{
	struct mtcp_epoll_event e = { .events = ev, .data.sock = sock };

	mtcp_epoll_ctl(ctx, ep, op, sock, &e);
}

/* Echo: read while nothing is held, write back what is held. */
static void echo(struct conn *c)
{
	ssize_t n;

	for (;;) {
		while (c->off < c->len) {
			n = mtcp_write(ctx, c->sock, c->buf + c->off,
				       c->len - c->off);
			if (n < 0 && errno == EAGAIN) {
				watch(c->sock, MOS_EPOLLIN | MOS_EPOLLOUT,
				      MOS_EPOLL_CTL_MOD);
				return;
			}
			if (n < 0) {
				fprintf(stderr, "echo write: %s\n",
					strerror(errno));
				conn_close(c, false);
				return;
			}
			c->off += (size_t)n;
		}
		c->off = c->len = 0;
		if (c->eof) {
			conn_close(c, true);
			return;
		}
		n = mtcp_read(ctx, c->sock, c->buf, BUF);
		if (n == 0) {
			c->eof = true;
			continue;
		}
		if (n < 0) {
			if (errno != EAGAIN) {
				fprintf(stderr, "echo read: %s\n",
					strerror(errno));
				conn_close(c, false);
			} else {
				watch(c->sock, MOS_EPOLLIN, MOS_EPOLL_CTL_MOD);
			}
			return;
		}
		c->len = (size_t)n;
	}
}

static void upload(struct conn *c)
{
	while (up_off < up_len) {
		ssize_t n = mtcp_write(ctx, c->sock, up_data + up_off,
				       up_len - up_off);

		if (n < 0) {
			if (errno != EAGAIN) {
				fprintf(stderr, "upload: %s\n", strerror(errno));
				conn_close(c, false);
			}
			return;
		}
		up_off += (size_t)n;
	}
	conn_close(c, true);
}

static void accept_all(void)
{
	int s;

	while ((s = mtcp_accept(ctx, lsock, NULL, NULL)) >= 0) {
		if (!conn_new(s, false)) {
			mtcp_close(ctx, s);
			errors++;
			continue;
		}
		mtcp_setsock_nonblock(ctx, s);
		watch(s, MOS_EPOLLIN, MOS_EPOLL_CTL_ADD);
	}
}

static int start_client(const char *ip, const char *port, const char *file)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	static char *data;
	struct stat st;
	int fd, s;

	fd = open(file, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0 || !(data = malloc((size_t)st.st_size)) ||
	    read(fd, data, (size_t)st.st_size) != st.st_size)
		return -1;
	close(fd);
	up_data = data;
	up_len = (size_t)st.st_size;
	a.sin_port = htons((uint16_t)atoi(port));
	inet_pton(AF_INET, ip, &a.sin_addr);
	s = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
	mtcp_setsock_nonblock(ctx, s);
	if (mtcp_connect(ctx, s, (struct sockaddr *)&a, sizeof(a)) < 0 &&
	    errno != EINPROGRESS)
		return -1;
	conn_new(s, true);
	uploads_done = 0;
	watch(s, MOS_EPOLLOUT, MOS_EPOLL_CTL_ADD);
	return 0;
}

static volatile sig_atomic_t quit;

static void on_int(int sig)
{
	(void)sig;
	quit = 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in any = { .sin_family = AF_INET,
				   .sin_port = htons(7) };
	struct mtcp_epoll_event evs[64];
	int i, n, fd;

	if (argc != 3 && argc != 6) {
		fprintf(stderr, "usage: t_hostecho CONF READY [IP PORT FILE]\n");
		return 2;
	}
	for (i = 0; i < MAXCONN; i++)
		conns[i].sock = -1;
	if (!ok(mtcp_init(argv[1]) == 0, "echo: mtcp_init"))
		return tap_done();
	mtcp_register_signal(SIGINT, on_int);
	ctx = mtcp_create_context(0);
	ep = mtcp_epoll_create(ctx, 64);
	lsock = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
	if (!ok(ctx && ep >= 0 && lsock >= 0 &&
		mtcp_bind(ctx, lsock, (struct sockaddr *)&any,
			  sizeof(any)) == 0 &&
		mtcp_listen(ctx, lsock, 32) == 0 &&
		mtcp_setsock_nonblock(ctx, lsock) == 0,
		"echo: listening on INADDR_ANY:7"))
		return tap_done();
	watch(lsock, MOS_EPOLLIN, MOS_EPOLL_CTL_ADD);
	{
		int m = mtcp_socket(ctx, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);

		ok(m >= 0 &&
		   mtcp_register_callback(ctx, m, MOS_ON_CONN_START,
					  MOS_HK_SND, mon_cb) == 0 &&
		   mtcp_register_callback(ctx, m, MOS_ON_CONN_END, MOS_HK_SND,
					  mon_cb) == 0,
		   "monitor: a listener beside the end host");
	}
	if (argc == 6)
		ok(start_client(argv[3], argv[4], argv[5]) == 0,
		   "client: non-blocking connect to %s:%s started", argv[3],
		   argv[4]);
	fd = open(argv[2], O_WRONLY | O_CREAT, 0644);
	if (fd >= 0)
		close(fd);
	while (!quit) {
		n = mtcp_epoll_wait(ctx, ep, evs, 64, 200);
		if (n < 0)
			break;		/* EINTR: the context stops */
		for (i = 0; i < n; i++) {
			int s = evs[i].data.sock;
			struct conn *c;

			if (s == lsock) {
				accept_all();
				continue;
			}
			c = conn_of(s);
			if (!c)
				continue;
			if (evs[i].events == MOS_EPOLLERR) {
				int e = 0;
				socklen_t len = sizeof(e);

				mtcp_getsockopt(ctx, s, SOL_SOCKET, SO_ERROR,
						&e, &len);
				fprintf(stderr, "socket %d: %s\n", s,
					strerror(e));
				conn_close(c, false);
			} else if (c->client) {
				upload(c);
			} else {
				echo(c);
			}
		}
	}
	if (argc == 6)
		ok(uploads_done == 1 && up_off == up_len,
		   "client: %zu of %zu bytes sent to %s:%s, closed", up_off,
		   up_len, argv[3], argv[4]);
	printf("# echo connections served: %d\n", served);
	ok(served > 0, "echo: %d connections served to their end", served);
	ok(errors == 0, "echo: no socket failed (%d)", errors);
	/* at least: a refused attempt is a flow to the monitor too */
	ok(mon_start >= served + (argc == 6) && mon_end == mon_start,
	   "monitor: saw %d connections start and %d end (%d completed "
	   "here)", mon_start, mon_end, served + (argc == 6));
	ok(mon_bytes[0] >= up_len && mon_bytes[1] > 0,
	   "monitor: stream bytes seen client->server %llu, server->client "
	   "%llu", (unsigned long long)mon_bytes[0],
	   (unsigned long long)mon_bytes[1]);
	mtcp_destroy_context(ctx);
	mtcp_destroy();
	return tap_done();
}
