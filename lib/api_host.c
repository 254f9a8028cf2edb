/*
 * api_host.c -- end-host sockets (libmos(3)): mtcp_bind, mtcp_listen,
 * mtcp_accept, mtcp_connect, mtcp_abort, mtcp_getsockname, mtcp_recv,
 * mtcp_read, mtcp_readv, mtcp_write, mtcp_writev, mtcp_setsock_nonblock,
 * mtcp_ioctl, mtcp_init_rss, mtcp_pipe; and the end-host parts of
 * mtcp_socket, mtcp_close, mtcp_getpeername and mtcp_getsockopt
 * (SOL_SOCKET), which those calls hand over to.
 *
 * Checks run in a fixed order: context, socket id,
 * socket kind, then the other arguments.  Reads and writes never block
 * (0.3); accept, connect and pipe ends do unless non-blocking.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <mos_api.h>

#include "context.h"
#include "host/epoll.h"
#include "host/host.h"
#include "host/hsock.h"
#include "host/pipe.h"
#include "host/rss.h"
#include "host/tcp.h"

/* A call in progress: the context entered, the socket found. */
struct call {
	struct mos_ctx *c;
	struct mos_sock *s;
	struct mos_hsock *hs;	/* NULL: not an end-host socket */
	int saved_errno;	/* a success leaves errno as it found it */
};

/* Context, then socket id: 0 with the context entered, or -1 with errno
 * EACCES / EBADF and nothing held. */
static int begin(mctx_t mctx, int sock, struct call *k)
{
	k->saved_errno = errno;
	k->c = mos_ctx_check(mctx);
	if (!k->c)
		return -1;
	mos_ctx_enter(k->c);
	k->s = mos_sock_get(&k->c->socks, sock);
	if (!k->s) {
		mos_host_leave(k->c);
		errno = EBADF;
		return -1;
	}
	k->hs = mos_sock_is_host(k->s->type) ? k->s->host : NULL;
	return 0;
}

/* Leave the context; rc < 0 sets errno to err afterwards (leaving may
 * log a line, which may touch errno). */
static long end(struct call *k, long rc, int err)
{
	mos_host_leave(k->c);
	errno = rc < 0 ? err : k->saved_errno;
	return rc;
}

static bool is_stream(const struct mos_hsock *hs)
{
	return hs && (hs->type == MOS_SOCK_STREAM ||
		      hs->type == MOS_SOCK_STREAM_LISTEN);
}

static void put_sin(struct sockaddr *addr, socklen_t *addrlen, uint32_t a,
		    uint16_t port)
{
	struct sockaddr_in in;

	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	in.sin_addr.s_addr = a;
	in.sin_port = port;
	/* truncated to the caller's room [ours] */
	memcpy(addr, &in, *addrlen < sizeof(in) ? *addrlen : sizeof(in));
	*addrlen = sizeof(in);
}

/* What is true of a socket now, as epoll bits (for ADD/MOD and the
 * level-triggered re-arming). */
uint32_t mos_host_ready(struct mos_ctx *c, struct mos_hsock *hs)
{
	uint32_t b = 0;

	(void)c;
	if (hs->pipe) {
		struct mos_pipe *p = hs->pipe;

		if (hs->pipe_end == 0 && (p->len || !p->open[1]))
			b |= MOS_EPOLLIN;
		if (hs->pipe_end == 1 && !p->open[0])
			b |= MOS_EPOLLERR;
		else if (hs->pipe_end == 1 && mos_pipe_space(p))
			b |= MOS_EPOLLOUT;
		return b;
	}
	if (!hs->tcb)
		return 0;
	if (hs->type == MOS_SOCK_STREAM_LISTEN)
		return mos_tcp_accept_queued(hs->tcb) > 0 ? MOS_EPOLLIN : 0;
	if (mos_tcp_readable(hs->tcb) || mos_tcp_eof(hs->tcb))
		b |= MOS_EPOLLIN;
	if (hs->conn == MOS_HS_CONNECTED && mos_tcp_writable(hs->tcb))
		b |= MOS_EPOLLOUT;
	if (hs->so_error) {
		b |= MOS_EPOLLERR;
		if (hs->so_error == ECONNRESET)
			b |= MOS_EPOLLRDHUP;
	}
	return b;
}

/* Level-triggered re-arming after a read, write or accept
 * (mtcp_epoll_ctl(3)). */
static void rearm(struct mos_ctx *c, struct mos_hsock *hs, uint32_t bit)
{
	if (hs->ep_reg && !(hs->ep_mask & MOS_EPOLLET))
		mos_epoll_raise(c, hs, mos_host_ready(c, hs) & bit);
}

/* ------------------------------------------------------------- socket */

int mos_host_socket(struct mos_ctx *c)
{
	struct mos_hsock *hs;

	return mos_hsock_new(c, MOS_SOCK_STREAM, &hs);
}

/* -------------------------------------------------------------- bind */

MOS_EXPORT int mtcp_bind(mctx_t mctx, int sock, const struct sockaddr *addr,
			 socklen_t addrlen)
{
	const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
	struct call k;

	if (begin(mctx, sock, &k) < 0)
		return -1;
	if (!is_stream(k.hs))
		return (int)end(&k, -1, ENOTSOCK);
	if (!addr || addrlen < sizeof(*in) || in->sin_family != AF_INET ||
	    k.hs->bound || k.hs->tcb)
		return (int)end(&k, -1, EINVAL);
	k.hs->bound = true;
	k.hs->laddr = in->sin_addr.s_addr;
	k.hs->lport = in->sin_port;
	return (int)end(&k, 0, 0);
}

/* ------------------------------------------------------------- listen */

MOS_EXPORT int mtcp_listen(mctx_t mctx, int sock, int backlog)
{
	struct call k;
	struct mos_tcb *t;
	int e;

	if (begin(mctx, sock, &k) < 0)
		return -1;
	if (!is_stream(k.hs))
		return (int)end(&k, -1, ENOTSOCK);
	if (backlog <= 0 || backlog > k.c->cfg->max_concurrency)
		return (int)end(&k, -1, EINVAL);
	if (k.hs->type == MOS_SOCK_STREAM_LISTEN)
		return (int)end(&k, 0, 0);	/* listening already */
	/* a bound port is needed; a connection is not turned into one */
	if (!k.hs->bound || !k.hs->lport || k.hs->tcb)
		return (int)end(&k, -1, EINVAL);
	t = mos_tcp_listen(k.c->host->tcp, k.hs->laddr, k.hs->lport, backlog,
			   k.hs);
	if (!t) {
		e = errno;
		return (int)end(&k, -1, e == EADDRINUSE ? EADDRINUSE
				 : e == EINVAL ? EINVAL : ENOMEM);
	}
	k.hs->tcb = t;
	k.hs->type = MOS_SOCK_STREAM_LISTEN;
	k.s->type = MOS_SOCK_STREAM_LISTEN;
	return (int)end(&k, 0, 0);
}

/* ------------------------------------------------------------- accept */

MOS_EXPORT int mtcp_accept(mctx_t mctx, int sock, struct sockaddr *addr,
			   socklen_t *addrlen)
{
	struct mos_hsock *n;
	struct mos_tcb *t;
	struct call k;
	uint32_t da;
	uint16_t dp;
	int id;

	if (begin(mctx, sock, &k) < 0)
		return -1;
	if (!k.hs || k.hs->type != MOS_SOCK_STREAM_LISTEN)
		return (int)end(&k, -1, EINVAL);
	while (mos_tcp_accept_queued(k.hs->tcb) <= 0) {
		if (k.hs->nonblock)
			return (int)end(&k, -1, EAGAIN);
		if (mos_host_sleep(k.c, NULL) < 0)
			return (int)end(&k, -1, errno == ETIMEDOUT ? EINTR
							       : errno);
		/* the listener may have been closed meanwhile */
		if (mos_hsock_get(k.c, sock) != k.hs)
			return (int)end(&k, -1, EINTR);
	}
	id = mos_hsock_new(k.c, MOS_SOCK_STREAM, &n);
	if (id < 0)
		return (int)end(&k, -1, errno == ENOMEM ? ENOMEM : ENFILE);
	t = mos_tcp_accept(k.hs->tcb, n);
	if (!t) {
		mos_hsock_release(k.c, n);
		return (int)end(&k, -1, EAGAIN);
	}
	n->tcb = t;
	n->conn = MOS_HS_CONNECTED;
	n->bound = true;
	mos_tcp_addrs(t, &n->laddr, &n->lport, &da, &dp);
	if (addr && addrlen)
		put_sin(addr, addrlen, da, dp);
	rearm(k.c, k.hs, MOS_EPOLLIN);
	return (int)end(&k, id, 0);
}

/* ------------------------------------------------------------ connect */

/* The source for a connection to daddr:dport (mtcp_connect(3)):
 * 0, or an errno. */
static int pick_source(struct mos_ctx *c, struct mos_hsock *hs,
		       uint32_t daddr, uint16_t dport, int port,
		       uint32_t *sa, uint16_t *sp)
{
	struct mos_rss_pool *pool = &c->host->rss;

	if (hs->bound && hs->laddr && hs->lport) {
		*sa = hs->laddr;
		*sp = hs->lport;
		return mos_rss_mine(c, port, *sa, *sp, daddr, dport) ? 0
								      : EINVAL;
	}
	if (hs->bound && hs->laddr)
		*sa = hs->laddr;
	if (hs->bound && hs->lport) {
		*sp = hs->lport;
		return mos_rss_mine(c, port, *sa, *sp, daddr, dport) ? 0
								      : EINVAL;
	}
	if (pool->set && pool->daddr == daddr &&
	    (!pool->dport || pool->dport == dport) &&
	    !(hs->bound && hs->laddr)) {
		int i;

		for (i = 0; i < pool->num_addr; i++) {
			uint32_t a = htonl(pool->saddr_base +
					   (pool->cursor + (uint32_t)i) %
						   (uint32_t)pool->num_addr);

			*sp = mos_rss_pick_port(c, port, a, daddr, dport);
			if (*sp) {
				*sa = a;
				pool->cursor += (uint32_t)i;
				return 0;
			}
		}
		return EAGAIN;
	}
	*sp = mos_rss_pick_port(c, port, *sa, daddr, dport);
	return *sp ? 0 : EAGAIN;
}

/* The socket layer's error for an engine so_error (mtcp_getsockopt(3) SO_ERROR:
 * ETIMEDOUT for every failed open, ECONNRESET for a reset). */
static int sock_error(const struct mos_hsock *hs)
{
	return hs->so_error == ECONNREFUSED ? ETIMEDOUT : hs->so_error;
}

static int connect_wait(struct call *k, int sock)
{
	while (k->hs->conn == MOS_HS_CONNECTING) {
		if (mos_host_sleep(k->c, NULL) < 0)
			return (int)end(k, -1, errno == ETIMEDOUT ? EINTR
								: errno);
		if (mos_hsock_get(k->c, sock) != k->hs)
			return (int)end(k, -1, EINTR);
	}
	if (k->hs->conn == MOS_HS_CONNECTED)
		return (int)end(k, 0, 0);
	return (int)end(k, -1, ETIMEDOUT);
}

MOS_EXPORT int mtcp_connect(mctx_t mctx, int sock, const struct sockaddr *addr,
			    socklen_t addrlen)
{
	const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
	struct mos_tcb *t;
	struct call k;
	uint32_t sa = 0;
	uint16_t sp = 0;
	int port, e;

	if (begin(mctx, sock, &k) < 0)
		return -1;
	if (!k.hs || k.hs->type != MOS_SOCK_STREAM)
		return (int)end(&k, -1, ENOTSOCK);
	if (!addr)
		return (int)end(&k, -1, EFAULT);
	if (addrlen < sizeof(*in) || in->sin_family != AF_INET)
		return (int)end(&k, -1, EAFNOSUPPORT);
	if (k.hs->conn == MOS_HS_CONNECTED)
		return (int)end(&k, -1, EISCONN);
	if (k.hs->conn == MOS_HS_CONNECTING)
		return (int)end(&k, -1, EALREADY);
	if (!in->sin_addr.s_addr || !in->sin_port)
		return (int)end(&k, -1, EINVAL);
	port = mos_host_route(k.c, in->sin_addr.s_addr, &sa, true);
	if (port < 0)
		return (int)end(&k, -1, EINVAL);
	e = pick_source(k.c, k.hs, in->sin_addr.s_addr, in->sin_port, port,
			&sa, &sp);
	if (e)
		return (int)end(&k, -1, e);
	if (k.hs->tcb) {
		/* a failed attempt before: its remains go */
		mos_tcp_close(k.hs->tcb, mos_host_now(k.c));
		k.hs->tcb = NULL;
	}
	t = mos_tcp_connect(k.c->host->tcp, sa, sp, in->sin_addr.s_addr,
			    in->sin_port, k.hs, mos_host_now(k.c));
	if (!t) {
		e = errno;
		return (int)end(&k, -1, e == EADDRINUSE ? EAGAIN
				 : e == EINVAL ? EINVAL : ENOMEM);
	}
	k.hs->tcb = t;
	k.hs->conn = MOS_HS_CONNECTING;
	k.hs->so_error = 0;
	k.hs->laddr = sa;
	k.hs->lport = sp;
	if (k.hs->nonblock)
		return (int)end(&k, -1, EINPROGRESS);
	return connect_wait(&k, sock);
}

/* -------------------------------------------------------------- close */

/* Wake a pipe's other end: EOF for a reader, EPIPE for a writer. */
static void pipe_hangup(struct mos_ctx *c, struct mos_pipe *p, int end)
{
	struct mos_hsock *o = mos_hsock_get(c, p->id[!end]);

	if (o && o->pipe == p)
		mos_epoll_raise(c, o, end == 1 ? MOS_EPOLLIN : MOS_EPOLLERR);
	mos_host_kick(c->host);
}

/* mtcp_close of an end-host socket (mtcp_close(3)); the id goes in
 * every case. */
int mos_host_close(struct mos_ctx *c, struct mos_sock *s)
{
	struct mos_hsock *hs = s->host;
	int rc = 0, err = 0;

	mos_epoll_forget(c, hs);
	hs->ep_reg = false;
	if (hs->tcb) {
		mos_tcp_close(hs->tcb, mos_host_now(c));
		hs->tcb = NULL;
	} else if (hs->type == MOS_SOCK_STREAM) {
		rc = -1;
		err = ENOTCONN;		/* never connected */
	}
	if (hs->pipe) {
		struct mos_pipe *p = hs->pipe;
		int e = hs->pipe_end;

		if (!mos_pipe_close(p, e))
			pipe_hangup(c, p, e);
	}
	if (hs->ep) {
		/* blocked waiters see the instance gone: EINTR */
		c->host->ep = NULL;
		c->host->ep_gen++;
		mos_epoll_free(hs->ep);
		mos_host_kick(c->host);
	}
	mos_hsock_release(c, hs);
	if (rc < 0)
		errno = err;
	return rc;
}

/* -------------------------------------------------------------- abort */

MOS_EXPORT int mtcp_abort(mctx_t mctx, int sock)
{
	struct call k;

	if (begin(mctx, sock, &k) < 0)
		return -1;
	if (!k.hs || k.hs->type != MOS_SOCK_STREAM)
		return (int)end(&k, -1, ENOTSOCK);
	if (!k.hs->tcb || k.hs->conn == MOS_HS_FAILED)
		return (int)end(&k, -1, ENOTCONN);
	mos_epoll_forget(k.c, k.hs);
	mos_tcp_abort(k.hs->tcb, mos_host_now(k.c));
	k.hs->tcb = NULL;
	mos_hsock_release(k.c, k.hs);
	return (int)end(&k, 0, 0);
}

/* ---------------------------------------------------- names of the ends */

MOS_EXPORT int mtcp_getsockname(mctx_t mctx, int sock, struct sockaddr *addr,
				socklen_t *addrlen)
{
	struct call k;
	uint32_t a, da;
	uint16_t p, dp;

	if (begin(mctx, sock, &k) < 0)
		return -1;
	if (!is_stream(k.hs))
		return (int)end(&k, -1, ENOTSOCK);
	if (!addr || !addrlen || (int)*addrlen <= 0)
		return (int)end(&k, -1, EINVAL);
	a = k.hs->laddr;
	p = k.hs->lport;
	if (k.hs->tcb && k.hs->type == MOS_SOCK_STREAM)
		mos_tcp_addrs(k.hs->tcb, &a, &p, &da, &dp);
	put_sin(addr, addrlen, a, p);
	return (int)end(&k, 0, 0);
}

/* mtcp_getpeername on an end-host socket: true when sock is one (the
 * call is then done, *rc its result). */
bool mos_host_getpeername(struct mos_ctx *c, int sock, struct sockaddr *addr,
			  socklen_t *addrlen, int *rc)
{
	struct mos_hsock *hs;
	uint32_t sa, da;
	uint16_t sp, dp;
	int err = 0;

	mos_ctx_enter(c);
	hs = mos_hsock_get(c, sock);
	if (!hs) {
		mos_ctx_leave(c);
		return false;
	}
	if (hs->type != MOS_SOCK_STREAM || !hs->tcb ||
	    hs->conn == MOS_HS_FAILED)
		err = hs->pipe || hs->ep ? ENOTSOCK : ENOTCONN;
	else if (!addr || !addrlen || (int)*addrlen <= 0)
		err = EINVAL;
	if (!err) {
		mos_tcp_addrs(hs->tcb, &sa, &sp, &da, &dp);
		put_sin(addr, addrlen, da, dp);
	}
	mos_host_leave(c);
	*rc = err ? -1 : 0;
	if (err)
		errno = err;
	return true;
}

/* --------------------------------------------------------------- read */

/* The bytes of a pipe's read end, blocking on an empty pipe unless the
 * end is non-blocking (mtcp_pipe(3)). */
static ssize_t pipe_read(struct call *k, int sock, const struct iovec *iov,
			 int n)
{
	struct mos_pipe *p;
	size_t got = 0;
	int i;

	for (;;) {
		p = k->hs->pipe;
		if (k->hs->pipe_end != 0)
			return end(k, -1, EBADF);	/* the write end */
		if (p->len || !p->open[1])
			break;
		if (k->hs->nonblock)
			return end(k, -1, EAGAIN);
		if (mos_host_sleep(k->c, NULL) < 0)
			return end(k, -1, errno == ETIMEDOUT ? EINTR : errno);
		if (mos_hsock_get(k->c, sock) != k->hs)
			return end(k, -1, EBADF);
	}
	for (i = 0; i < n && p->len; i++)
		got += mos_pipe_read(p, iov[i].iov_base, iov[i].iov_len);
	if (got) {
		struct mos_hsock *w = mos_hsock_get(k->c, p->id[1]);

		if (w && w->pipe == p)
			mos_epoll_raise(k->c, w, MOS_EPOLLOUT);
		mos_host_kick(k->c->host);
		rearm(k->c, k->hs, MOS_EPOLLIN);
	}
	return end(k, (ssize_t)got, 0);
}

static ssize_t do_read(mctx_t mctx, int sock, const struct iovec *iov, int n,
		       int flags)
{
	struct mos_tcb *t;
	enum mos_tcp_state st;
	struct call k;
	size_t got = 0, want = 0;
	uint64_t now;
	int i;

	if (begin(mctx, sock, &k) < 0)
		return -1;
	if (k.hs && k.hs->pipe)
		return pipe_read(&k, sock, iov, n);
	if (!is_stream(k.hs))
		return end(&k, -1, ENOTSOCK);
	t = k.hs->tcb;
	st = t ? mos_tcp_state(t) : MOS_TCPS_CLOSED;
	if (k.hs->type != MOS_SOCK_STREAM || !t ||
	    ((st < MOS_TCPS_ESTABLISHED || st > MOS_TCPS_CLOSE_WAIT) &&
	     !mos_tcp_readable(t)))
		return end(&k, -1, ENOTCONN);
	if (flags != 0 && flags != MSG_PEEK)
		return end(&k, -1, EINVAL);
	for (i = 0; i < n; i++)
		want += iov[i].iov_len;
	if (!mos_tcp_readable(t)) {
		if (mos_tcp_eof(t) || !want)
			return end(&k, 0, 0);
		return end(&k, -1, EAGAIN);
	}
	now = mos_host_now(k.c);
	for (i = 0; i < n; i++) {
		size_t r;

		if (!iov[i].iov_len)
			continue;
		if (flags == MSG_PEEK) {
			/* the engine peeks from the front: one buffer */
			got = mos_tcp_recv(t, iov[i].iov_base, iov[i].iov_len,
					   true, now);
			break;
		}
		r = mos_tcp_recv(t, iov[i].iov_base, iov[i].iov_len, false,
				 now);
		got += r;
		if (r < iov[i].iov_len)
			break;
	}
	rearm(k.c, k.hs, MOS_EPOLLIN);
	return end(&k, (ssize_t)got, 0);
}

MOS_EXPORT ssize_t mtcp_recv(mctx_t mctx, int sock, char *buf, size_t len,
			     int flags)
{
	struct iovec v = { buf, len };

	return do_read(mctx, sock, &v, 1, flags);
}

MOS_EXPORT ssize_t mtcp_read(mctx_t mctx, int sock, char *buf, size_t len)
{
	struct iovec v = { buf, len };

	return do_read(mctx, sock, &v, 1, 0);
}

/* A vector count the calls accept: [0, IOV_MAX]. */
static bool iov_ok(const struct iovec *iov, int n)
{
	return n >= 0 && n <= 1024 && (iov || n == 0);
}

MOS_EXPORT ssize_t mtcp_readv(mctx_t mctx, int sock, const struct iovec *iov,
			      int numIOV)
{
	struct call k;

	if (!iov_ok(iov, numIOV)) {
		/* the id and kind still come first */
		if (begin(mctx, sock, &k) < 0)
			return -1;
		return end(&k, -1, is_stream(k.hs) || (k.hs && k.hs->pipe)
					   ? EINVAL : ENOTSOCK);
	}
	return do_read(mctx, sock, iov, numIOV, 0);
}

/* -------------------------------------------------------------- write */

static ssize_t pipe_write(struct call *k, int sock, const struct iovec *iov,
			  int n)
{
	struct mos_pipe *p;
	size_t put = 0, want = 0;
	int i;

	for (i = 0; i < n; i++)
		want += iov[i].iov_len;
	for (;;) {
		p = k->hs->pipe;
		if (k->hs->pipe_end != 1)
			return end(k, -1, EBADF);	/* the read end */
		if (!p->open[0])
			return end(k, -1, EPIPE);
		if (!want)
			return end(k, k->hs->nonblock ? -1 : 0, EAGAIN);
		if (mos_pipe_space(p))
			break;
		if (k->hs->nonblock)
			return end(k, -1, EAGAIN);
		if (mos_host_sleep(k->c, NULL) < 0)
			return end(k, -1, errno == ETIMEDOUT ? EINTR : errno);
		if (mos_hsock_get(k->c, sock) != k->hs)
			return end(k, -1, EBADF);
	}
	for (i = 0; i < n && mos_pipe_space(p); i++)
		put += mos_pipe_write(p, iov[i].iov_base, iov[i].iov_len);
	{
		struct mos_hsock *r = mos_hsock_get(k->c, p->id[0]);

		if (r && r->pipe == p)
			mos_epoll_raise(k->c, r, MOS_EPOLLIN);
	}
	mos_host_kick(k->c->host);
	rearm(k->c, k->hs, MOS_EPOLLOUT);
	return end(k, (ssize_t)put, 0);
}

static ssize_t do_write(mctx_t mctx, int sock, const struct iovec *iov, int n)
{
	enum mos_tcp_state st;
	struct call k;
	size_t put = 0, want = 0;
	uint64_t now;
	int i;

	if (begin(mctx, sock, &k) < 0)
		return -1;
	if (k.hs && k.hs->pipe)
		return pipe_write(&k, sock, iov, n);
	if (!is_stream(k.hs))
		return end(&k, -1, ENOTSOCK);
	st = k.hs->tcb ? mos_tcp_state(k.hs->tcb) : MOS_TCPS_CLOSED;
	if (k.hs->type != MOS_SOCK_STREAM || !k.hs->tcb ||
	    (st != MOS_TCPS_ESTABLISHED && st != MOS_TCPS_CLOSE_WAIT))
		return end(&k, -1, ENOTCONN);
	for (i = 0; i < n; i++)
		want += iov[i].iov_len;
	if (!want)
		return end(&k, k.hs->nonblock ? -1 : 0, EAGAIN);
	if (!mos_tcp_writable(k.hs->tcb))
		return end(&k, -1, EAGAIN);
	now = mos_host_now(k.c);
	for (i = 0; i < n; i++) {
		size_t w;

		if (!iov[i].iov_len)
			continue;
		w = mos_tcp_send(k.hs->tcb, iov[i].iov_base, iov[i].iov_len,
				 now);
		put += w;
		if (w < iov[i].iov_len)
			break;
	}
	rearm(k.c, k.hs, MOS_EPOLLOUT);
	return end(&k, (ssize_t)put, 0);
}

MOS_EXPORT ssize_t mtcp_write(mctx_t mctx, int sock, const char *buf,
			      size_t len)
{
	struct iovec v = { (void *)(uintptr_t)buf, len };

	return do_write(mctx, sock, &v, 1);
}

MOS_EXPORT ssize_t mtcp_writev(mctx_t mctx, int sock, const struct iovec *iov,
			       int numIOV)
{
	struct call k;

	if (!iov_ok(iov, numIOV)) {
		if (begin(mctx, sock, &k) < 0)
			return -1;
		return end(&k, -1, is_stream(k.hs) || (k.hs && k.hs->pipe)
					   ? EINVAL : ENOTSOCK);
	}
	return do_write(mctx, sock, iov, numIOV);
}

/* ------------------------------------------------- non-blocking, ioctl */

MOS_EXPORT int mtcp_setsock_nonblock(mctx_t mctx, int sock)
{
	struct call k;

	if (begin(mctx, sock, &k) < 0)
		return -1;
	if (!k.hs)
		return (int)end(&k, -1, EBADF);
	k.hs->nonblock = true;
	return (int)end(&k, 0, 0);
}

MOS_EXPORT int mtcp_ioctl(mctx_t mctx, int sock, int request, void *argp)
{
	struct call k;
	int v;

	if (begin(mctx, sock, &k) < 0)
		return -1;
	if (!is_stream(k.hs))
		return (int)end(&k, -1, EBADF);	/* [0.3] */
	if (request != FIONREAD && request != FIONBIO)
		return (int)end(&k, -1, EINVAL);
	if (!argp)
		return (int)end(&k, -1, EFAULT);
	if (request == FIONBIO) {
		memcpy(&v, argp, sizeof(v));
		k.hs->nonblock = v != 0;
		return (int)end(&k, 0, 0);
	}
	if (k.hs->type != MOS_SOCK_STREAM || !k.hs->tcb)
		return (int)end(&k, -1, EBADF);	/* no connection [0.3] */
	{
		size_t n = mos_tcp_readable(k.hs->tcb);

		v = n > INT32_MAX ? INT32_MAX : (int)n;
	}
	memcpy(argp, &v, sizeof(v));
	return (int)end(&k, 0, 0);
}

/* ------------------------------------------------------------ SO_ERROR */

int mos_host_getsockopt(struct mos_ctx *c, int sock, int optname,
			void *optval, socklen_t *optlen)
{
	struct mos_hsock *hs;
	int v, err = 0;

	mos_ctx_enter(c);
	hs = mos_hsock_get(c, sock);
	if (!mos_sock_get(&c->socks, sock))
		err = EBADF;
	else if (!is_stream(hs))
		err = ENOTSOCK;
	else if (optname != SO_ERROR)
		err = ENOSYS;
	else if (!optval || !optlen || *optlen < (socklen_t)sizeof(int))
		err = EINVAL;
	if (!err) {
		v = hs->conn == MOS_HS_CONNECTING ? EINPROGRESS
						  : sock_error(hs);
		memcpy(optval, &v, sizeof(v));
		*optlen = sizeof(int);
	}
	mos_host_leave(c);
	if (err)
		errno = err;
	return err ? -1 : 0;
}

/* ------------------------------------------------------------ init_rss */

MOS_EXPORT int mtcp_init_rss(mctx_t mctx, in_addr_t saddr_base, int num_addr,
			     in_addr_t daddr, in_addr_t dport)
{
	struct mos_ctx *c = mos_ctx_check(mctx);
	struct mos_host *h;
	uint32_t sa = saddr_base;
	int port, i, err = 0;

	if (!c)
		return -1;
	if (num_addr < 1) {
		errno = EINVAL;
		return -1;
	}
	mos_ctx_enter(c);
	h = c->host;
	port = mos_host_route(c, daddr, saddr_base ? NULL : &sa, true);
	if (port < 0 && !saddr_base)
		err = EINVAL;
	/* the pool's addresses are ours from now on: replies to them are
	 * taken like those to the ports' addresses */
	for (i = 0; !err && i < num_addr; i++) {
		uint32_t a = htonl(ntohl(sa) + (uint32_t)i);

		if (mos_host_addr_port(h, a) >= 0)
			continue;
		if (h->naddrs == MOS_HOST_MAX_ADDRS || port < 0) {
			err = port < 0 ? EINVAL : ENOMEM;
			break;
		}
		h->addr[h->naddrs] = a;
		h->addr_port[h->naddrs++] = port;
	}
	if (!err)
		h->rss = (struct mos_rss_pool){
			.set = true,
			.saddr_base = ntohl(sa),
			.num_addr = num_addr,
			.daddr = daddr,
			.dport = (uint16_t)dport,
		};
	mos_host_leave(c);
	if (err)
		errno = err;
	return err ? -1 : 0;
}

/* --------------------------------------------------------------- pipe */

MOS_EXPORT int mtcp_pipe(mctx_t mctx, int pipeid[2])
{
	struct mos_ctx *c = mos_ctx_check(mctx);
	struct mos_hsock *r, *w;
	struct mos_pipe *p;
	int id0, id1, err = 0;

	if (!c)
		return -1;
	if (!pipeid) {
		errno = EFAULT;
		return -1;
	}
	mos_ctx_enter(c);
	p = mos_pipe_new();
	if (!p) {
		err = ENOMEM;
		goto out;
	}
	id0 = mos_hsock_new(c, MOS_SOCK_PIPE, &r);
	if (id0 < 0) {
		err = errno;
		free(p);
		goto out;
	}
	id1 = mos_hsock_new(c, MOS_SOCK_PIPE, &w);
	if (id1 < 0) {
		err = errno;
		mos_hsock_release(c, r);
		free(p);
		goto out;
	}
	r->pipe = w->pipe = p;
	r->pipe_end = 0;
	w->pipe_end = 1;
	p->id[0] = id0;
	p->id[1] = id1;
	pipeid[0] = id0;
	pipeid[1] = id1;
out:
	mos_host_leave(c);
	if (err)
		errno = err;
	return err ? -1 : 0;
}
