/*
 * t_hostapi.c -- the end-host calls of libmos(3): every errno path,
 * epoll semantics, pipes, blocking calls.
 *
 *   t_hostapi offline CAPTURE
 *       A pcap-backend context whose port has an address (10.0.0.1/24)
 *       and reads CAPTURE (input starts at the first blocking call, libmos(3)
 *       NOTES): the errno of every call that needs no peer, epoll over
 *       pipes (level, edge, one-shot, events dropped after close or DEL),
 *       pipes (EOF, EPIPE, 10240 bytes), and a blocking accept ended by
 *       the end of input (EINTR).
 *   t_hostapi live IFACE PEER_NETNS
 *       A live pcap port on IFACE (address 10.9.0.1/24, the Linux peer
 *       10.9.0.2 on the other end of a veth pair; hostapi.exp sets it up):
 *       blocking pipe read and epoll_wait woken by another thread, a
 *       blocking accept woken by a connection from Linux, then EINTR for
 *       calls blocked when the context is destroyed; none of the sleepers
 *       may burn CPU.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* strerrorname_np, RUSAGE_THREAD */
#endif
#include <arpa/inet.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <time.h>

#include <mos_api.h>
#include <mtcp_util.h>

#include "../libmos.apierr/apierr.h"

#define MAXC 16		/* max_concurrency: small, to reach ENFILE */

static mctx_t ctx;

static const char *write_conf(const char *port_line, int cores)
{
	static char path[PATH_MAX];
	const char *tmp = getenv("TMPDIR");
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "%s/hostapi-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	fd = mkstemp(path);
	if (fd < 0 || !(f = fdopen(fd, "w")))
		return NULL;
	fprintf(f, "mos = {\n  io = \"pcap\";\n  forward = false;\n"
		   "  mos_log = \"\";\n  max_concurrency = %d;\n"
		   "  ports = ( { name = \"p0\"; core_mask = 0x%x; %s } );\n};\n",
		MAXC, cores, port_line);
	if (fclose(f) != 0)
		return NULL;
	return path;
}

static struct sockaddr_in sin4(const char *ip, int port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

#define SA(a) ((struct sockaddr *)&(a))

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t thread_cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

/* ---------------------------------------------------------- socket etc. */

static void t_socket(void)
{
	EXPECT(mtcp_socket(NULL, AF_INET, SOCK_STREAM, 0), -1, EACCES,
	       "mtcp_socket(NULL ctx)");
	EXPECT(mtcp_socket(ctx, AF_INET6, SOCK_STREAM, 0), -1, EAFNOSUPPORT,
	       "mtcp_socket(AF_INET6)");
	EXPECT(mtcp_socket(ctx, AF_INET, 99, 0), -1, EINVAL,
	       "mtcp_socket(type 99)");
}

/* One id space (libmos(3)): monitor and end-host ids never collide,
 * and each kind has a pool of max_concurrency. */
static void t_ids(void)
{
	int mon = mtcp_socket(ctx, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);
	int ids[MAXC + 1], n = 0, i, clash = 0, extra;

	while (n < MAXC && (ids[n] = mtcp_socket(ctx, AF_INET,
						 n % 2 ? MOS_SOCK_STREAM
						       : SOCK_STREAM, 0)) >= 0)
		n++;
	ok(n == MAXC, "max_concurrency (%d) stream sockets created (%d)",
	   MAXC, n);
	for (i = 0; i < n; i++)
		clash |= ids[i] == mon;
	ok(mon >= 0 && !clash, "stream ids differ from the monitor socket's");
	EXPECT(mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0), -1, ENFILE,
	       "mtcp_socket beyond the end-host pool");
	{
		int p[2];

		EXPECT(mtcp_pipe(ctx, p), -1, ENFILE,
		       "mtcp_pipe beyond the end-host pool");
		EXPECT(mtcp_epoll_create(ctx, 8), -1, ENFILE,
		       "mtcp_epoll_create beyond the end-host pool");
	}
	extra = mtcp_socket(ctx, AF_INET, MOS_SOCK_MONITOR_RAW, 0);
	ok(extra >= 0, "the monitor pool is separate (raw socket %d)", extra);
	for (i = 0; i < n; i++)
		EXPECT(mtcp_close(ctx, ids[i]), -1, ENOTCONN,
		       "mtcp_close(never connected %d) releases it", ids[i]);
	EXPECT(mtcp_close(ctx, ids[0]), -1, EBADF,
	       "mtcp_close(%d) again", ids[0]);
	EXPECT(mtcp_close(ctx, mon), 0, 0, "mtcp_close(monitor listener)");
	EXPECT(mtcp_close(ctx, extra), 0, 0, "mtcp_close(raw)");
}

static void t_bind_listen(int mon)
{
	struct sockaddr_in a = sin4("10.0.0.1", 8080), b6 = a;
	int s = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
	int s2 = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
	int s3 = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);

	b6.sin_family = AF_INET6;
	EXPECT(mtcp_bind(NULL, s, SA(a), sizeof(a)), -1, EACCES,
	       "mtcp_bind(NULL ctx)");
	EXPECT(mtcp_bind(ctx, -1, SA(a), sizeof(a)), -1, EBADF,
	       "mtcp_bind(sock -1)");
	EXPECT(mtcp_bind(ctx, 100000, SA(a), sizeof(a)), -1, EBADF,
	       "mtcp_bind(sock 100000)");
	EXPECT(mtcp_bind(ctx, mon, SA(a), sizeof(a)), -1, ENOTSOCK,
	       "mtcp_bind(monitor socket)");
	EXPECT(mtcp_bind(ctx, s, NULL, sizeof(a)), -1, EINVAL,
	       "mtcp_bind(addr NULL)");
	EXPECT(mtcp_bind(ctx, s, SA(a), sizeof(a) - 1), -1, EINVAL,
	       "mtcp_bind(addrlen short)");
	EXPECT(mtcp_bind(ctx, s, SA(b6), sizeof(b6)), -1, EINVAL,
	       "mtcp_bind(family AF_INET6)");
	EXPECT(mtcp_bind(ctx, s, SA(a), sizeof(a)), 0, 0, "mtcp_bind");
	EXPECT(mtcp_bind(ctx, s, SA(a), sizeof(a)), -1, EINVAL,
	       "mtcp_bind(already bound)");

	EXPECT(mtcp_listen(NULL, s, 8), -1, EACCES, "mtcp_listen(NULL ctx)");
	EXPECT(mtcp_listen(ctx, -1, 8), -1, EBADF, "mtcp_listen(sock -1)");
	EXPECT(mtcp_listen(ctx, mon, 8), -1, ENOTSOCK,
	       "mtcp_listen(monitor socket)");
	EXPECT(mtcp_listen(ctx, s, 0), -1, EINVAL, "mtcp_listen(backlog 0)");
	EXPECT(mtcp_listen(ctx, s, MAXC + 1), -1, EINVAL,
	       "mtcp_listen(backlog > max_concurrency)");
	EXPECT(mtcp_listen(ctx, s2, 8), -1, EINVAL, "mtcp_listen(unbound)");
	EXPECT(mtcp_listen(ctx, s, 8), 0, 0, "mtcp_listen");
	EXPECT(mtcp_bind(ctx, s2, SA(a), sizeof(a)), 0, 0,
	       "mtcp_bind(same address, second socket)");
	EXPECT(mtcp_listen(ctx, s2, 8), -1, EADDRINUSE,
	       "mtcp_listen(address and port of another listener)");
	{
		struct sockaddr_in o = sin4("10.0.0.1", 8081);

		EXPECT(mtcp_bind(ctx, s3, SA(o), sizeof(o)), 0, 0,
		       "mtcp_bind(another port)");
		EXPECT(mtcp_listen(ctx, s3, 8), 0, 0,
		       "mtcp_listen(a second listener, another port) [ours]");
	}
	/* accept */
	EXPECT(mtcp_accept(NULL, s, NULL, NULL), -1, EACCES,
	       "mtcp_accept(NULL ctx)");
	EXPECT(mtcp_accept(ctx, -1, NULL, NULL), -1, EBADF,
	       "mtcp_accept(sock -1)");
	EXPECT(mtcp_accept(ctx, s2, NULL, NULL), -1, EINVAL,
	       "mtcp_accept(not a listener)");
	EXPECT(mtcp_accept(ctx, mon, NULL, NULL), -1, EINVAL,
	       "mtcp_accept(monitor socket)");
	EXPECT(mtcp_setsock_nonblock(ctx, s), 0, 0,
	       "mtcp_setsock_nonblock(listener)");
	EXPECT(mtcp_accept(ctx, s, NULL, NULL), -1, EAGAIN,
	       "mtcp_accept(non-blocking, queue empty)");
	/* names */
	{
		struct sockaddr_in got;
		socklen_t len = sizeof(got);
		unsigned char small[4];

		EXPECT(mtcp_getsockname(ctx, s, SA(got), &len), 0, 0,
		       "mtcp_getsockname(listener)");
		ok(len == sizeof(got) && got.sin_addr.s_addr ==
		   a.sin_addr.s_addr && got.sin_port == a.sin_port,
		   "mtcp_getsockname: 10.0.0.1:8080");
		len = 4;
		memset(small, 0, sizeof(small));
		EXPECT(mtcp_getsockname(ctx, s, (struct sockaddr *)small,
					&len), 0, 0,
		       "mtcp_getsockname(*addrlen 4) truncates");
		ok(len == sizeof(struct sockaddr_in) && small[0] == AF_INET,
		   "mtcp_getsockname: 4 bytes written, *addrlen set to 16");
		len = 0;
		EXPECT(mtcp_getsockname(ctx, s, SA(got), &len), -1, EINVAL,
		       "mtcp_getsockname(*addrlen 0)");
		EXPECT(mtcp_getsockname(ctx, s, NULL, &len), -1, EINVAL,
		       "mtcp_getsockname(addr NULL)");
		len = sizeof(got);
		EXPECT(mtcp_getsockname(ctx, mon, SA(got), &len), -1, ENOTSOCK,
		       "mtcp_getsockname(monitor socket)");
		EXPECT(mtcp_getsockname(ctx, -1, SA(got), &len), -1, EBADF,
		       "mtcp_getsockname(sock -1)");
		EXPECT(mtcp_getsockname(NULL, s, SA(got), &len), -1, EACCES,
		       "mtcp_getsockname(NULL ctx)");
		EXPECT(mtcp_getpeername(ctx, s, SA(got), &len, MOS_SIDE_CLI),
		       -1, ENOTCONN, "mtcp_getpeername(listener)");
		EXPECT(mtcp_getpeername(ctx, s2, SA(got), &len, MOS_SIDE_CLI),
		       -1, ENOTCONN, "mtcp_getpeername(unconnected stream)");
	}
	EXPECT(mtcp_recv(ctx, s, (char *)&a, 1, 0), -1, ENOTCONN,
	       "mtcp_recv(listener)");
	EXPECT(mtcp_write(ctx, s, "x", 1), -1, ENOTCONN,
	       "mtcp_write(listener)");
	EXPECT(mtcp_abort(ctx, s), -1, ENOTSOCK, "mtcp_abort(listener)");
	EXPECT(mtcp_close(ctx, s), 0, 0, "mtcp_close(listener)");
	EXPECT(mtcp_close(ctx, s3), 0, 0, "mtcp_close(second listener)");
	EXPECT(mtcp_close(ctx, s2), -1, ENOTCONN,
	       "mtcp_close(bound, never connected)");
}

static void t_connect(int mon, int ep, int pipe0)
{
	struct sockaddr_in peer = sin4("10.0.0.2", 80), far = sin4("192.0.2.9", 80);
	struct sockaddr_in b6 = peer;
	int s = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
	int l = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in la = sin4("10.0.0.1", 9090);
	int v, e;
	socklen_t len;
	char buf[16];

	b6.sin_family = AF_INET6;
	mtcp_bind(ctx, l, SA(la), sizeof(la));
	mtcp_listen(ctx, l, 4);
	EXPECT(mtcp_connect(NULL, s, SA(peer), sizeof(peer)), -1, EACCES,
	       "mtcp_connect(NULL ctx)");
	EXPECT(mtcp_connect(ctx, -1, SA(peer), sizeof(peer)), -1, EBADF,
	       "mtcp_connect(sock -1)");
	EXPECT(mtcp_connect(ctx, l, SA(peer), sizeof(peer)), -1, ENOTSOCK,
	       "mtcp_connect(listener)");
	EXPECT(mtcp_connect(ctx, ep, SA(peer), sizeof(peer)), -1, ENOTSOCK,
	       "mtcp_connect(epoll)");
	EXPECT(mtcp_connect(ctx, pipe0, SA(peer), sizeof(peer)), -1, ENOTSOCK,
	       "mtcp_connect(pipe)");
	EXPECT(mtcp_connect(ctx, mon, SA(peer), sizeof(peer)), -1, ENOTSOCK,
	       "mtcp_connect(monitor socket)");
	EXPECT(mtcp_connect(ctx, s, NULL, sizeof(peer)), -1, EFAULT,
	       "mtcp_connect(addr NULL)");
	EXPECT(mtcp_connect(ctx, s, SA(b6), sizeof(b6)), -1, EAFNOSUPPORT,
	       "mtcp_connect(AF_INET6)");
	EXPECT(mtcp_connect(ctx, s, SA(peer), sizeof(peer) - 2), -1,
	       EAFNOSUPPORT, "mtcp_connect(addrlen short)");
	EXPECT(mtcp_connect(ctx, s, SA(far), sizeof(far)), -1, EINVAL,
	       "mtcp_connect(no route: no port subnet, no route_table)");
	EXPECT(mtcp_setsock_nonblock(ctx, s), 0, 0,
	       "mtcp_setsock_nonblock(stream)");
	EXPECT(mtcp_connect(ctx, s, SA(peer), sizeof(peer)), -1, EINPROGRESS,
	       "mtcp_connect(non-blocking)");
	EXPECT(mtcp_connect(ctx, s, SA(peer), sizeof(peer)), -1, EALREADY,
	       "mtcp_connect(in progress)");
	{
		struct sockaddr_in got;

		len = sizeof(got);
		EXPECT(mtcp_getsockname(ctx, s, SA(got), &len), 0, 0,
		       "mtcp_getsockname(connecting)");
		ok(got.sin_addr.s_addr == htonl(0x0a000001) && got.sin_port,
		   "connect took the port's address and a source port (%u)",
		   ntohs(got.sin_port));
		ok(GetRSSCPUCore(got.sin_addr.s_addr, peer.sin_addr.s_addr,
				 got.sin_port, peer.sin_port, 1) == 0,
		   "GetRSSCPUCore(one queue) is 0");
	}
	len = sizeof(v);
	EXPECT(mtcp_getsockopt(ctx, s, SOL_SOCKET, SO_ERROR, &v, &len), 0, 0,
	       "mtcp_getsockopt(SO_ERROR, connecting)");
	ok(v == EINPROGRESS && len == sizeof(int),
	   "SO_ERROR while connecting is EINPROGRESS (%d)", v);
	EXPECT(mtcp_recv(ctx, s, buf, sizeof(buf), 0), -1, ENOTCONN,
	       "mtcp_recv(connecting)");
	EXPECT(mtcp_write(ctx, s, "x", 1), -1, ENOTCONN,
	       "mtcp_write(connecting)");
	e = 0;
	len = sizeof(v);
	EXPECT(mtcp_getsockopt(ctx, s, SOL_SOCKET, SO_RCVBUF, &v, &len), -1,
	       ENOSYS, "mtcp_getsockopt(SO_RCVBUF)");
	len = 2;
	EXPECT(mtcp_getsockopt(ctx, s, SOL_SOCKET, SO_ERROR, &v, &len), -1,
	       EINVAL, "mtcp_getsockopt(SO_ERROR, *optlen 2)");
	len = sizeof(v);
	EXPECT(mtcp_getsockopt(ctx, mon, SOL_SOCKET, SO_ERROR, &v, &len), -1,
	       ENOTSOCK, "mtcp_getsockopt(monitor socket, SOL_SOCKET)");
	EXPECT(mtcp_getsockopt(ctx, pipe0, SOL_SOCKET, SO_ERROR, &v, &len), -1,
	       ENOTSOCK, "mtcp_getsockopt(pipe, SOL_SOCKET)");
	EXPECT(mtcp_getsockopt(ctx, -1, SOL_SOCKET, SO_ERROR, &v, &len), -1,
	       EBADF, "mtcp_getsockopt(sock -1, SOL_SOCKET)");
	EXPECT(mtcp_getsockopt(ctx, s, 12345, SO_ERROR, &v, &len), -1,
	       ENOSYS, "mtcp_getsockopt(level 12345)");
	EXPECT(mtcp_setsockopt(ctx, s, SOL_SOCKET, SO_ERROR, &e, sizeof(e)),
	       -1, ENOSYS, "mtcp_setsockopt(SOL_SOCKET)");
	len = sizeof(v);
	EXPECT(mtcp_getsockopt(ctx, l, SOL_SOCKET, SO_ERROR, &v, &len), 0, 0,
	       "mtcp_getsockopt(listener, SO_ERROR)");
	/* ioctl */
	EXPECT(mtcp_ioctl(NULL, s, FIONREAD, &v), -1, EACCES,
	       "mtcp_ioctl(NULL ctx)");
	EXPECT(mtcp_ioctl(ctx, -1, FIONREAD, &v), -1, EBADF,
	       "mtcp_ioctl(sock -1)");
	EXPECT(mtcp_ioctl(ctx, mon, FIONREAD, &v), -1, EBADF,
	       "mtcp_ioctl(monitor socket) [0.3]");
	EXPECT(mtcp_ioctl(ctx, ep, FIONBIO, &v), -1, EBADF,
	       "mtcp_ioctl(epoll) [0.3]");
	EXPECT(mtcp_ioctl(ctx, s, FIONREAD, NULL), -1, EFAULT,
	       "mtcp_ioctl(argp NULL)");
	EXPECT(mtcp_ioctl(ctx, s, 0x5401, &v), -1, EINVAL,
	       "mtcp_ioctl(request TCGETS)");
	EXPECT(mtcp_ioctl(ctx, l, FIONREAD, &v), -1, EBADF,
	       "mtcp_ioctl(FIONREAD, listener: no connection)");
	v = -1;
	EXPECT(mtcp_ioctl(ctx, s, FIONREAD, &v), 0, 0,
	       "mtcp_ioctl(FIONREAD, connecting)");
	ok(v == 0, "FIONREAD is 0 before any data (%d)", v);
	v = 0;
	EXPECT(mtcp_ioctl(ctx, s, FIONBIO, &v), 0, 0, "mtcp_ioctl(FIONBIO 0)");
	v = 1;
	EXPECT(mtcp_ioctl(ctx, s, FIONBIO, &v), 0, 0, "mtcp_ioctl(FIONBIO 1)");
	/* abort and close */
	{
		int f = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
		int c2 = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);

		EXPECT(mtcp_abort(NULL, f), -1, EACCES, "mtcp_abort(NULL ctx)");
		EXPECT(mtcp_abort(ctx, -1), -1, EBADF, "mtcp_abort(sock -1)");
		EXPECT(mtcp_abort(ctx, pipe0), -1, ENOTSOCK,
		       "mtcp_abort(pipe)");
		EXPECT(mtcp_abort(ctx, f), -1, ENOTCONN,
		       "mtcp_abort(no connection)");
		mtcp_setsock_nonblock(ctx, c2);
		mtcp_connect(ctx, c2, SA(peer), sizeof(peer));
		EXPECT(mtcp_abort(ctx, c2), 0, 0, "mtcp_abort(connecting)");
		EXPECT(mtcp_abort(ctx, c2), -1, EBADF,
		       "mtcp_abort released the socket");
		EXPECT(mtcp_close(ctx, f), -1, ENOTCONN,
		       "mtcp_close(no connection)");
	}
	EXPECT(mtcp_close(ctx, s), 0, 0, "mtcp_close(connecting) [ours]");
	EXPECT(mtcp_close(ctx, s), -1, EBADF, "mtcp_close released it");
	EXPECT(mtcp_close(ctx, l), 0, 0, "mtcp_close(listener)");
}

static void t_rw_errors(int mon, int ep)
{
	char buf[8];
	struct iovec v = { buf, sizeof(buf) };
	int s = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);

	EXPECT(mtcp_recv(NULL, s, buf, 1, 0), -1, EACCES, "mtcp_recv(NULL ctx)");
	EXPECT(mtcp_recv(ctx, -1, buf, 1, 0), -1, EBADF, "mtcp_recv(sock -1)");
	EXPECT(mtcp_recv(ctx, mon, buf, 1, 0), -1, ENOTSOCK,
	       "mtcp_recv(monitor socket)");
	EXPECT(mtcp_recv(ctx, ep, buf, 1, 0), -1, ENOTSOCK,
	       "mtcp_recv(epoll)");
	EXPECT(mtcp_recv(ctx, s, buf, 1, 0), -1, ENOTCONN,
	       "mtcp_recv(no connection)");
	EXPECT(mtcp_read(ctx, s, buf, 1), -1, ENOTCONN,
	       "mtcp_read(no connection)");
	EXPECT(mtcp_read(ctx, -1, buf, 1), -1, EBADF, "mtcp_read(sock -1)");
	EXPECT(mtcp_readv(ctx, s, &v, 1), -1, ENOTCONN,
	       "mtcp_readv(no connection)");
	EXPECT(mtcp_readv(ctx, mon, &v, 1), -1, ENOTSOCK,
	       "mtcp_readv(monitor socket)");
	EXPECT(mtcp_readv(NULL, s, &v, 1), -1, EACCES, "mtcp_readv(NULL ctx)");
	EXPECT(mtcp_write(NULL, s, buf, 1), -1, EACCES, "mtcp_write(NULL ctx)");
	EXPECT(mtcp_write(ctx, -1, buf, 1), -1, EBADF, "mtcp_write(sock -1)");
	EXPECT(mtcp_write(ctx, mon, buf, 1), -1, ENOTSOCK,
	       "mtcp_write(monitor socket)");
	EXPECT(mtcp_write(ctx, s, buf, 1), -1, ENOTCONN,
	       "mtcp_write(no connection)");
	EXPECT(mtcp_writev(ctx, s, &v, 1), -1, ENOTCONN,
	       "mtcp_writev(no connection)");
	EXPECT(mtcp_writev(ctx, ep, &v, 1), -1, ENOTSOCK, "mtcp_writev(epoll)");
	EXPECT(mtcp_writev(NULL, s, &v, 1), -1, EACCES,
	       "mtcp_writev(NULL ctx)");
	EXPECT(mtcp_setsock_nonblock(NULL, s), -1, EACCES,
	       "mtcp_setsock_nonblock(NULL ctx)");
	EXPECT(mtcp_setsock_nonblock(ctx, -1), -1, EBADF,
	       "mtcp_setsock_nonblock(sock -1)");
	EXPECT(mtcp_setsock_nonblock(ctx, mon), -1, EBADF,
	       "mtcp_setsock_nonblock(monitor socket)");
	mtcp_close(ctx, s);
}

static void t_rss(void)
{
	EXPECT(mtcp_init_rss(NULL, 0, 1, inet_addr("10.0.0.2"), htons(80)), -1,
	       EACCES, "mtcp_init_rss(NULL ctx)");
	EXPECT(mtcp_init_rss(ctx, 0, 0, inet_addr("10.0.0.2"), htons(80)), -1,
	       EINVAL, "mtcp_init_rss(num_addr 0)");
	EXPECT(mtcp_init_rss(ctx, INADDR_ANY, 1, inet_addr("192.0.2.9"),
			     htons(80)), -1, EINVAL,
	       "mtcp_init_rss(INADDR_ANY, no route to daddr)");
	EXPECT(mtcp_init_rss(ctx, INADDR_ANY, 1, inet_addr("10.0.0.2"),
			     htons(80)), 0, 0, "mtcp_init_rss(INADDR_ANY)");
	/* a two-queue spread: both directions land alike (GetRSSCPUCore(3)) */
	{
		int i, same = 0, spread[2] = { 0, 0 };

		for (i = 0; i < 1000; i++) {
			in_addr_t a = htonl(0x0a000001u), b = htonl(0x0a000002u);
			in_port_t p = htons((uint16_t)(1024 + i)), q = htons(80);
			int x = GetRSSCPUCore(a, b, p, q, 2);

			same += x == GetRSSCPUCore(b, a, q, p, 2);
			if (x == 0 || x == 1)
				spread[x]++;
		}
		ok(same == 1000, "GetRSSCPUCore symmetric for 1000 tuples");
		ok(spread[0] > 300 && spread[1] > 300,
		   "GetRSSCPUCore spreads source ports over 2 queues (%d/%d)",
		   spread[0], spread[1]);
		EXPECT(GetRSSCPUCore(0, 0, 0, 0, 0), -1, EINVAL,
		       "GetRSSCPUCore(num_queues 0)");
	}
	{
		char line[] = "  epwget -N 4\t-c 100 ", *argv[8], one[] = "a b";
		int argc = -1;

		EXPECT(StrToArgs(line, &argc, argv, 8), 0, 0, "StrToArgs");
		ok(argc == 5 && !strcmp(argv[0], "epwget") &&
		   !strcmp(argv[4], "100"), "StrToArgs: 5 words (%d)", argc);
		EXPECT(StrToArgs(one, &argc, argv, 1), -1, E2BIG,
		       "StrToArgs(more words than max_argc)");
		EXPECT(StrToArgs(NULL, &argc, argv, 1), -1, EINVAL,
		       "StrToArgs(NULL)");
	}
}

/* ------------------------------------------------------------------ epoll */

static int ev_wait(int ep, struct mtcp_epoll_event *evs, int max)
{
	return mtcp_epoll_wait(ctx, ep, evs, max, 0);
}

static void t_epoll_errors(int ep, int mon, int pr)
{
	struct mtcp_epoll_event ev = { .events = MOS_EPOLLIN }, out[4];
	int s = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);

	EXPECT(mtcp_epoll_create(NULL, 8), -1, EACCES,
	       "mtcp_epoll_create(NULL ctx)");
	EXPECT(mtcp_epoll_create(ctx, 0), -1, EINVAL,
	       "mtcp_epoll_create(size 0)");
	EXPECT(mtcp_epoll_create(ctx, 8), -1, EEXIST,
	       "mtcp_epoll_create(a second instance) [ours]");
	EXPECT(mtcp_epoll_ctl(NULL, ep, MOS_EPOLL_CTL_ADD, s, &ev), -1, EACCES,
	       "mtcp_epoll_ctl(NULL ctx)");
	EXPECT(mtcp_epoll_ctl(ctx, -1, MOS_EPOLL_CTL_ADD, s, &ev), -1, EBADF,
	       "mtcp_epoll_ctl(epid -1)");
	EXPECT(mtcp_epoll_ctl(ctx, ep, MOS_EPOLL_CTL_ADD, -1, &ev), -1, EBADF,
	       "mtcp_epoll_ctl(sock -1)");
	EXPECT(mtcp_epoll_ctl(ctx, s, MOS_EPOLL_CTL_ADD, pr, &ev), -1, EINVAL,
	       "mtcp_epoll_ctl(epid not an epoll socket)");
	EXPECT(mtcp_epoll_ctl(ctx, ep, 7, s, &ev), -1, EINVAL,
	       "mtcp_epoll_ctl(op 7) [ours]");
	EXPECT(mtcp_epoll_ctl(ctx, ep, MOS_EPOLL_CTL_ADD, mon, &ev), -1,
	       EINVAL, "mtcp_epoll_ctl(monitor socket)");
	EXPECT(mtcp_epoll_ctl(ctx, ep, MOS_EPOLL_CTL_ADD, ep, &ev), -1, EINVAL,
	       "mtcp_epoll_ctl(the epoll socket itself)");
	EXPECT(mtcp_epoll_ctl(ctx, ep, MOS_EPOLL_CTL_ADD, s, NULL), -1, EINVAL,
	       "mtcp_epoll_ctl(ADD, event NULL)");
	EXPECT(mtcp_epoll_ctl(ctx, ep, MOS_EPOLL_CTL_MOD, s, &ev), -1, ENOENT,
	       "mtcp_epoll_ctl(MOD, unregistered)");
	EXPECT(mtcp_epoll_ctl(ctx, ep, MOS_EPOLL_CTL_DEL, s, NULL), -1, ENOENT,
	       "mtcp_epoll_ctl(DEL, unregistered)");
	EXPECT(mtcp_epoll_ctl(ctx, ep, MOS_EPOLL_CTL_ADD, s, &ev), 0, 0,
	       "mtcp_epoll_ctl(ADD stream socket)");
	EXPECT(mtcp_epoll_ctl(ctx, ep, MOS_EPOLL_CTL_ADD, s, &ev), -1, EEXIST,
	       "mtcp_epoll_ctl(ADD twice)");
	EXPECT(mtcp_epoll_ctl(ctx, ep, MOS_EPOLL_CTL_MOD, s, NULL), -1, EINVAL,
	       "mtcp_epoll_ctl(MOD, event NULL)");
	EXPECT(mtcp_epoll_ctl(ctx, ep, MOS_EPOLL_CTL_DEL, s, NULL), 0, 0,
	       "mtcp_epoll_ctl(DEL, event NULL)");
	EXPECT(mtcp_epoll_wait(NULL, ep, out, 4, 0), -1, EACCES,
	       "mtcp_epoll_wait(NULL ctx)");
	EXPECT(mtcp_epoll_wait(ctx, -1, out, 4, 0), -1, EBADF,
	       "mtcp_epoll_wait(epid -1)");
	EXPECT(mtcp_epoll_wait(ctx, s, out, 4, 0), -1, EINVAL,
	       "mtcp_epoll_wait(not an epoll socket)");
	EXPECT(mtcp_epoll_wait(ctx, ep, NULL, 4, 0), -1, EINVAL,
	       "mtcp_epoll_wait(events NULL)");
	EXPECT(mtcp_epoll_wait(ctx, ep, out, 0, 0), -1, EINVAL,
	       "mtcp_epoll_wait(maxevents 0)");
	EXPECT(mtcp_epoll_wait(ctx, ep, out, 4, 0), 0, 0,
	       "mtcp_epoll_wait(timeout 0, nothing)");
	ok(!strcmp(EventToString(MOS_EPOLLIN), "IN") &&
	   !strcmp(EventToString(MOS_EPOLLOUT), "OUT") &&
	   !strcmp(EventToString(MOS_EPOLLERR), "ERR") &&
	   !strcmp(EventToString(MOS_EPOLLNONE), "NONE") &&
	   !strcmp(EventToString(MOS_EPOLLRDHUP), "RDHUP") &&
	   !strcmp(EventToString(MOS_EPOLLHUP), "HUP") &&
	   !strcmp(EventToString(MOS_EPOLLPRI), "PRI"),
	   "EventToString names the event bits");
	ok(!strcmp(EventToString(MOS_EPOLLIN | MOS_EPOLLOUT), "UNKNOWN") &&
	   !strcmp(EventToString(0), "UNKNOWN"),
	   "EventToString: UNKNOWN otherwise [ours]");
	mtcp_close(ctx, s);
}

/* Level-triggered, edge-triggered, one-shot, dropped events: on a pipe. */
static void t_epoll_pipe(int ep)
{
	struct mtcp_epoll_event ev, out[8];
	char buf[64];
	int p[2], n;

	EXPECT(mtcp_pipe(NULL, p), -1, EACCES, "mtcp_pipe(NULL ctx)");
	EXPECT(mtcp_pipe(ctx, p), 0, 0, "mtcp_pipe");
	mtcp_setsock_nonblock(ctx, p[0]);
	mtcp_setsock_nonblock(ctx, p[1]);
	ev.events = MOS_EPOLLIN;
	ev.data.u64 = 0x1122334455667788ull;
	EXPECT(mtcp_epoll_ctl(ctx, ep, MOS_EPOLL_CTL_ADD, p[0], &ev), 0, 0,
	       "epoll ADD read end, IN");
	ok(ev_wait(ep, out, 8) == 0, "empty pipe: no event");
	EXPECT(mtcp_write(ctx, p[1], "0123456789", 10), 10, 0,
	       "pipe write 10 bytes");
	n = ev_wait(ep, out, 8);
	ok(n == 1 && out[0].events == MOS_EPOLLIN &&
	   out[0].data.u64 == 0x1122334455667788ull,
	   "IN once, with the registered data (%d events)", n);
	ok(ev_wait(ep, out, 8) == 0, "LT: not again without a read");
	EXPECT(mtcp_read(ctx, p[0], buf, 4), 4, 0, "pipe read 4 of 10");
	n = ev_wait(ep, out, 8);
	ok(n == 1 && out[0].events == MOS_EPOLLIN,
	   "LT: IN again after a read that left data (%d)", n);
	EXPECT(mtcp_read(ctx, p[0], buf, sizeof(buf)), 6, 0,
	       "pipe read the other 6");
	ok(ev_wait(ep, out, 8) == 0, "LT: no IN once drained");
	EXPECT(mtcp_read(ctx, p[0], buf, sizeof(buf)), -1, EAGAIN,
	       "non-blocking read of an empty pipe");

	ev.events = MOS_EPOLLIN | MOS_EPOLLET;	/* sign-extends: low 32 bits */
	EXPECT(mtcp_epoll_ctl(ctx, ep, MOS_EPOLL_CTL_MOD, p[0], &ev), 0, 0,
	       "epoll MOD read end, IN|ET");
	mtcp_write(ctx, p[1], "abcdef", 6);
	n = ev_wait(ep, out, 8);
	ok(n == 1 && out[0].events == MOS_EPOLLIN, "ET: IN on new data");
	mtcp_read(ctx, p[0], buf, 2);
	ok(ev_wait(ep, out, 8) == 0, "ET: no IN after a partial read");
	mtcp_write(ctx, p[1], "g", 1);
	n = ev_wait(ep, out, 8);
	ok(n == 1 && out[0].events == MOS_EPOLLIN, "ET: IN on more data");
	mtcp_read(ctx, p[0], buf, sizeof(buf));

	/* one-shot on the write end */
	ev.events = MOS_EPOLLOUT | MOS_EPOLLONESHOT;
	ev.data.sock = p[1];
	EXPECT(mtcp_epoll_ctl(ctx, ep, MOS_EPOLL_CTL_ADD, p[1], &ev), 0, 0,
	       "epoll ADD write end, OUT|ONESHOT (space: queued at once)");
	n = ev_wait(ep, out, 8);
	ok(n == 1 && out[0].events == MOS_EPOLLOUT && out[0].data.sock == p[1],
	   "ONESHOT: OUT delivered (%d)", n);
	mtcp_write(ctx, p[1], "x", 1);
	mtcp_read(ctx, p[0], buf, 1);
	n = ev_wait(ep, out, 8);
	ok(n == 1 && out[0].events == MOS_EPOLLIN,
	   "ONESHOT: no OUT again (only the read end's IN: %d)", n);
	EXPECT(mtcp_epoll_ctl(ctx, ep, MOS_EPOLL_CTL_MOD, p[1], &ev), 0, 0,
	       "epoll MOD re-arms the one-shot");
	n = ev_wait(ep, out, 8);
	ok(n == 1 && out[0].events == MOS_EPOLLOUT, "ONESHOT: OUT after MOD");

	/* events dropped: after DEL, after close */
	ev.events = MOS_EPOLLIN;
	mtcp_epoll_ctl(ctx, ep, MOS_EPOLL_CTL_MOD, p[0], &ev);
	mtcp_write(ctx, p[1], "y", 1);
	EXPECT(mtcp_epoll_ctl(ctx, ep, MOS_EPOLL_CTL_DEL, p[0], NULL), 0, 0,
	       "epoll DEL with an IN queued");
	ok(ev_wait(ep, out, 8) == 0, "the queued IN is dropped after DEL");
	mtcp_epoll_ctl(ctx, ep, MOS_EPOLL_CTL_ADD, p[0], &ev);
	ok(ev_wait(ep, out, 8) == 1, "ADD queues what is already true");
	mtcp_epoll_ctl(ctx, ep, MOS_EPOLL_CTL_MOD, p[0], &ev);

	/* write end: reader gone -> ERR and EPIPE */
	ev.events = MOS_EPOLLOUT;
	mtcp_epoll_ctl(ctx, ep, MOS_EPOLL_CTL_MOD, p[1], &ev);
	ev_wait(ep, out, 8);
	EXPECT(mtcp_close(ctx, p[0]), 0, 0, "close the read end (IN queued)");
	n = ev_wait(ep, out, 8);
	ok(n == 1 && out[0].events == MOS_EPOLLERR,
	   "the closed end's IN is dropped; the write end gets ERR (%d: %s)",
	   n, n > 0 ? EventToString((uint32_t)out[0].events) : "-");
	EXPECT(mtcp_write(ctx, p[1], "z", 1), -1, EPIPE,
	       "write with the read end closed");
	EXPECT(mtcp_close(ctx, p[1]), 0, 0, "close the write end");
}

static void t_pipe(int ep)
{
	static char big[20000];
	struct mtcp_epoll_event ev = { .events = MOS_EPOLLIN }, out[4];
	char buf[16];
	struct iovec iov[2] = { { buf, 3 }, { buf + 3, 5 } };
	size_t left;
	int p[2], n = 0;

	mtcp_pipe(ctx, p);
	mtcp_setsock_nonblock(ctx, p[1]);
	EXPECT(mtcp_write(ctx, p[1], big, sizeof(big)), 10240, 0,
	       "a pipe holds 10240 bytes");
	EXPECT(mtcp_write(ctx, p[1], big, 1), -1, EAGAIN,
	       "non-blocking write to a full pipe");
	EXPECT(mtcp_write(ctx, p[1], big, 0), -1, EAGAIN,
	       "non-blocking write of 0 bytes [0.3]");
	EXPECT(mtcp_read(ctx, p[1], buf, 1), -1, EBADF,
	       "read from the write end [ours]");
	EXPECT(mtcp_write(ctx, p[0], big, 1), -1, EBADF,
	       "write to the read end [ours]");
	EXPECT(mtcp_readv(ctx, p[0], iov, 2), 8, 0, "readv from a pipe [ours]");
	/* drain exactly what is there: the read end blocks */
	for (left = 10240 - 8; left > 0; left -= (size_t)n)
		if ((n = (int)mtcp_read(ctx, p[0], big, left)) <= 0)
			break;
	ok(left == 0, "the rest of the 10240 bytes read back");
	EXPECT(mtcp_writev(ctx, p[1], iov, 2), 8, 0, "writev to a pipe");
	mtcp_epoll_ctl(ctx, ep, MOS_EPOLL_CTL_ADD, p[0], &ev);
	ev_wait(ep, out, 4);
	EXPECT(mtcp_close(ctx, p[1]), 0, 0, "close the write end");
	n = ev_wait(ep, out, 4);
	ok(n == 1 && out[0].events == MOS_EPOLLIN,
	   "the writer's close raises IN (EOF) (%d)", n);
	EXPECT(mtcp_read(ctx, p[0], buf, sizeof(buf)), 8, 0,
	       "data written before the close still reads");
	EXPECT(mtcp_read(ctx, p[0], buf, sizeof(buf)), 0, 0,
	       "then EOF (0), even blocking");
	EXPECT(mtcp_close(ctx, p[0]), 0, 0, "close the read end");
	EXPECT(mtcp_epoll_ctl(ctx, ep, MOS_EPOLL_CTL_DEL, p[0], NULL), -1,
	       EBADF, "epoll DEL of a closed socket");
}

/* ------------------------------------------------------------ blocking */

struct blocked {
	int sock, rc, err;
	uint64_t ms, cpu_us;
	int what;		/* 0 accept, 1 read, 2 epoll_wait */
};

static void *block_main(void *arg)
{
	struct blocked *b = arg;
	uint64_t t0 = now_ms(), c0 = thread_cpu_us();
	struct mtcp_epoll_event out[4];
	char buf[16];

	errno = 0;
	if (b->what == 0)
		b->rc = mtcp_accept(ctx, b->sock, NULL, NULL);
	else if (b->what == 1)
		b->rc = (int)mtcp_read(ctx, b->sock, buf, sizeof(buf));
	else
		b->rc = mtcp_epoll_wait(ctx, b->sock, out, 4, -1);
	b->err = errno;
	b->ms = now_ms() - t0;
	b->cpu_us = thread_cpu_us() - c0;
	return NULL;
}

/* The last call: a blocking accept starts the capture's input (libmos(3)
 * NOTES), which ends; the context ends and the sleeper returns EINTR.  (A
 * second sleeper could find the context ended before it sleeps: EACCES;
 * the live mode has several.) */
static void t_eintr_at_end(void)
{
	struct sockaddr_in a = sin4("10.0.0.1", 7070);
	int l = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
	struct blocked b = { .sock = l, .what = 0 };
	pthread_t th;

	mtcp_bind(ctx, l, SA(a), sizeof(a));
	mtcp_listen(ctx, l, 4);
	pthread_create(&th, NULL, block_main, &b);
	pthread_join(th, NULL);
	ok(b.rc == -1 && b.err == EINTR,
	   "blocking accept: EINTR when the context's input ends (%d %s)",
	   b.rc, apierr_ename(b.err));
	EXPECT(mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0), -1, EACCES,
	       "mtcp_socket on the ended context");
	EXPECT(mtcp_accept(ctx, l, NULL, NULL), -1, EACCES,
	       "mtcp_accept on the ended context");
}

static int offline(const char *capture)
{
	char line[PATH_MAX + 128], abs[PATH_MAX];
	const char *conf;
	int mon, ep, pp[2];

	if (!realpath(capture, abs)) {
		ok(0, "capture %s: %s", capture, strerror(errno));
		return tap_done();
	}
	snprintf(line, sizeof(line), "pcap_file = \"%s\"; address = "
		 "\"10.0.0.1/24\";", abs);
	conf = write_conf(line, 1);
	if (!ok(conf && mtcp_init(conf) == 0, "mtcp_init(pcap, address)"))
		return tap_done();
	unlink(conf);
	ctx = mtcp_create_context(0);
	if (!ok(ctx != NULL, "mtcp_create_context(0)"))
		return tap_done();
	t_socket();
	t_ids();
	mon = mtcp_socket(ctx, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);
	ep = mtcp_epoll_create(ctx, 16);
	ok(ep >= 0, "mtcp_epoll_create (%d)", ep);
	mtcp_pipe(ctx, pp);
	t_bind_listen(mon);
	t_connect(mon, ep, pp[0]);
	t_rw_errors(mon, ep);
	t_rss();
	t_epoll_errors(ep, mon, pp[0]);
	t_epoll_pipe(ep);
	t_pipe(ep);
	EXPECT(mtcp_close(ctx, ep), 0, 0, "mtcp_close(epoll)");
	EXPECT(mtcp_epoll_wait(ctx, ep, NULL, 1, 0), -1, EBADF,
	       "mtcp_epoll_wait after close");
	t_eintr_at_end();
	mtcp_destroy_context(ctx);
	mtcp_destroy();
	return tap_done();
}


/* ------------------------------------------------------------ live mode */

static const char *peer_ns;

/* Run python3 code in the peer's namespace; background: do not wait. */
static int peer(const char *code, bool background)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "ip netns exec %s python3 -c '%s' %s",
		 peer_ns, code, background ? "&" : "");
	return system(cmd);
}

/* A Linux server started in the background says it listens by creating
 * this file (python's start-up may take a while on a loaded machine). */
static char ready_path[64];

static const char *ready_file(void)
{
	snprintf(ready_path, sizeof(ready_path), "/tmp/hostapi-ready-%d",
		 (int)getpid());
	unlink(ready_path);
	return ready_path;
}

static bool wait_ready(int ms)
{
	uint64_t end = now_ms() + (uint64_t)ms;

	while (now_ms() < end) {
		if (access(ready_path, F_OK) == 0) {
			unlink(ready_path);
			return true;
		}
		usleep(20000);
	}
	return false;
}

static int wait_event(int ep, int sock, uint32_t bit, int ms)
{
	struct mtcp_epoll_event out[8];
	uint64_t end = now_ms() + (uint64_t)ms;
	int i, n;

	while (now_ms() < end) {
		n = mtcp_epoll_wait(ctx, ep, out, 8, 100);
		for (i = 0; i < n; i++)
			if (out[i].data.sock == sock && (out[i].events & bit))
				return 1;
	}
	return 0;
}

struct writer {
	int sock, delay_ms;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct timespec ts = { w->delay_ms / 1000,
			       (long)(w->delay_ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
	mtcp_write(ctx, w->sock, "wake", 4);
	return NULL;
}

/* A sleeper must not spin: a quarter of a second asleep may cost a few
 * milliseconds of CPU (under sanitizers, more), never the whole time. */
#define CPU_BUDGET_US 50000u

static void t_live_wakeups(int ep)
{
	struct mtcp_epoll_event ev = { .events = MOS_EPOLLIN };
	struct blocked b = { .what = 1 };
	struct writer w = { .delay_ms = 250 };
	pthread_t tb, tw;
	int p[2];

	mtcp_pipe(ctx, p);
	b.sock = p[0];
	w.sock = p[1];
	pthread_create(&tb, NULL, block_main, &b);
	pthread_create(&tw, NULL, writer_main, &w);
	pthread_join(tb, NULL);
	pthread_join(tw, NULL);
	ok(b.rc == 4 && b.ms >= 200,
	   "blocking pipe read woken by another thread's write (%d, %llu ms)",
	   b.rc, (unsigned long long)b.ms);
	ok(b.cpu_us < CPU_BUDGET_US, "the sleeping reader used %llu us CPU",
	   (unsigned long long)b.cpu_us);

	ev.data.sock = p[0];
	mtcp_epoll_ctl(ctx, ep, MOS_EPOLL_CTL_ADD, p[0], &ev);
	b = (struct blocked){ .what = 2, .sock = ep };
	pthread_create(&tb, NULL, block_main, &b);
	pthread_create(&tw, NULL, writer_main, &w);
	pthread_join(tb, NULL);
	pthread_join(tw, NULL);
	ok(b.rc == 1 && b.ms >= 200,
	   "blocking epoll_wait woken by another thread's pipe write (%d, "
	   "%llu ms)", b.rc, (unsigned long long)b.ms);
	ok(b.cpu_us < CPU_BUDGET_US, "the sleeping epoll_wait used %llu us CPU",
	   (unsigned long long)b.cpu_us);
	mtcp_close(ctx, p[0]);
	mtcp_close(ctx, p[1]);
	{
		struct mtcp_epoll_event out[4];
		uint64_t t0 = now_ms();

		EXPECT(mtcp_epoll_wait(ctx, ep, out, 4, 60), 0, 0,
		       "mtcp_epoll_wait(timeout 60 ms, nothing)");
		ok(now_ms() - t0 >= 55,
		   "epoll_wait waited its timeout (%llu ms)",
		   (unsigned long long)(now_ms() - t0));
	}
}

/* Linux connects to a blocking accept; echo; the errnos a connection
 * needs. */
static void t_live_accept(int ep)
{
	struct sockaddr_in a = sin4("10.9.0.1", 5000), got;
	int l = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0), s, v;
	struct blocked b = { .what = 0 };
	struct mtcp_epoll_event ev = { .events = MOS_EPOLLIN };
	socklen_t len;
	char buf[64];
	pthread_t tb;
	ssize_t n;

	mtcp_bind(ctx, l, SA(a), sizeof(a));
	EXPECT(mtcp_listen(ctx, l, 8), 0, 0, "listen on 10.9.0.1:5000");
	b.sock = l;
	pthread_create(&tb, NULL, block_main, &b);
	peer("import socket,time\n"
	     "time.sleep(0.5)\n"
	     "s=socket.create_connection((\"10.9.0.1\",5000),timeout=10)\n"
	     "s.sendall(b\"hello\")\n"
	     "d=b\"\"\n"
	     "while len(d)<5: d+=s.recv(100)\n"
	     "time.sleep(0.5)\n"
	     "s.close()\n", true);
	pthread_join(tb, NULL);
	s = b.rc;
	ok(s >= 0 && b.ms >= 300, "blocking accept woken by a Linux connect "
	   "(%d %s, %llu ms)", s, apierr_ename(b.err),
	   (unsigned long long)b.ms);
	ok(b.cpu_us < CPU_BUDGET_US, "the sleeping accept used %llu us CPU",
	   (unsigned long long)b.cpu_us);
	if (s < 0)
		return;
	len = sizeof(got);
	EXPECT(mtcp_getpeername(ctx, s, SA(got), &len, 0), 0, 0,
	       "mtcp_getpeername(accepted)");
	ok(got.sin_addr.s_addr == inet_addr("10.9.0.2"),
	   "the peer is 10.9.0.2:%u", ntohs(got.sin_port));
	len = sizeof(got);
	mtcp_getsockname(ctx, s, SA(got), &len);
	ok(got.sin_addr.s_addr == a.sin_addr.s_addr && got.sin_port ==
	   a.sin_port, "getsockname(accepted) is 10.9.0.1:5000");
	ev.data.sock = s;
	mtcp_epoll_ctl(ctx, ep, MOS_EPOLL_CTL_ADD, s, &ev);
	ok(wait_event(ep, s, MOS_EPOLLIN, 5000), "IN on the accepted socket");
	EXPECT(mtcp_recv(ctx, s, buf, sizeof(buf), MSG_DONTWAIT), -1, EINVAL,
	       "mtcp_recv(flags MSG_DONTWAIT)");
	v = -1;
	mtcp_ioctl(ctx, s, FIONREAD, &v);
	ok(v == 5, "FIONREAD 5 (%d)", v);
	EXPECT(mtcp_recv(ctx, s, buf, sizeof(buf), MSG_PEEK), 5, 0,
	       "mtcp_recv(MSG_PEEK)");
	EXPECT(mtcp_read(ctx, s, buf, sizeof(buf)), 5, 0, "mtcp_read");
	ok(!memcmp(buf, "hello", 5), "read what Linux sent");
	EXPECT(mtcp_read(ctx, s, buf, sizeof(buf)), -1, EAGAIN,
	       "mtcp_read(no data) never blocks");
	{
		struct sockaddr_in p2 = sin4("10.9.0.2", 1);

		EXPECT(mtcp_connect(ctx, s, SA(p2), sizeof(p2)), -1, EISCONN,
		       "mtcp_connect(established)");
	}
	EXPECT(mtcp_write(ctx, s, "hello", 5), 5, 0, "mtcp_write the echo");
	EXPECT(mtcp_write(ctx, s, "", 0), 0, 0, "mtcp_write(0 bytes) [0.3]");
	/* Linux reads the echo and closes: EOF */
	n = 1;
	{
		uint64_t end = now_ms() + 5000;

		while (now_ms() < end && n != 0) {
			wait_event(ep, s, MOS_EPOLLIN, 200);
			n = mtcp_read(ctx, s, buf, sizeof(buf));
		}
	}
	ok(n == 0, "mtcp_read 0 after the peer's FIN");
	EXPECT(mtcp_close(ctx, s), 0, 0, "mtcp_close(accepted, peer closed)");
	EXPECT(mtcp_close(ctx, l), 0, 0, "mtcp_close(listener)");
}

/* Active opens: to a Linux echo server, and to a closed port. */
static void t_live_connect(int ep)
{
	struct sockaddr_in srv = sin4("10.9.0.2", 5001), closed = sin4("10.9.0.2", 5999);
	int s = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0), v;
	struct mtcp_epoll_event ev = { .events = MOS_EPOLLOUT };
	socklen_t len = sizeof(v);
	char buf[64], code[1024];
	ssize_t n = -1;

	snprintf(code, sizeof(code), "import socket\n"
		 "l=socket.socket()\n"
		 "l.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
		 "l.bind((\"10.9.0.2\",5001)); l.listen(4); l.settimeout(30)\n"
		 "open(\"%s\",\"w\").close()\n"
		 "c,_=l.accept()\n"
		 "d=c.recv(100)\n"
		 "c.sendall(d.upper()); c.close()\n", ready_file());
	peer(code, true);
	ok(wait_ready(20000), "the Linux server on 10.9.0.2:5001 listens");
	EXPECT(mtcp_connect(ctx, s, SA(srv), sizeof(srv)), 0, 0,
	       "blocking mtcp_connect to Linux (ARP resolved both ways)");
	len = sizeof(v);
	mtcp_getsockopt(ctx, s, SOL_SOCKET, SO_ERROR, &v, &len);
	ok(v == 0, "SO_ERROR 0 once connected");
	EXPECT(mtcp_write(ctx, s, "ping", 4), 4, 0, "mtcp_write");
	ev.events = MOS_EPOLLIN;
	ev.data.sock = s;
	mtcp_epoll_ctl(ctx, ep, MOS_EPOLL_CTL_ADD, s, &ev);
	if (wait_event(ep, s, MOS_EPOLLIN, 5000))
		n = mtcp_read(ctx, s, buf, sizeof(buf));
	ok(n == 4 && !memcmp(buf, "PING", 4), "the Linux server's answer");
	mtcp_close(ctx, s);

	s = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
	EXPECT(mtcp_connect(ctx, s, SA(closed), sizeof(closed)), -1, ETIMEDOUT,
	       "blocking mtcp_connect to a closed port fails (refused)");
	len = sizeof(v);
	mtcp_getsockopt(ctx, s, SOL_SOCKET, SO_ERROR, &v, &len);
	ok(v == ETIMEDOUT, "SO_ERROR ETIMEDOUT after a failed open (%s)",
	   apierr_ename(v));
	EXPECT(mtcp_close(ctx, s), 0, 0, "mtcp_close(failed connect)");

	s = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
	mtcp_setsock_nonblock(ctx, s);
	ev.events = MOS_EPOLLOUT;
	ev.data.sock = s;
	mtcp_epoll_ctl(ctx, ep, MOS_EPOLL_CTL_ADD, s, &ev);
	EXPECT(mtcp_connect(ctx, s, SA(closed), sizeof(closed)), -1,
	       EINPROGRESS, "non-blocking connect to a closed port");
	ok(wait_event(ep, s, MOS_EPOLLERR, 5000),
	   "EPOLLERR (always in the interest set) when refused");
	EXPECT(mtcp_read(ctx, s, buf, 1), -1, ENOTCONN,
	       "mtcp_read after the failed open");
	EXPECT(mtcp_abort(ctx, s), -1, ENOTCONN,
	       "mtcp_abort after the failed open");
	EXPECT(mtcp_close(ctx, s), 0, 0, "mtcp_close after the failed open");
}

/* A reset by Linux: ERR and RDHUP, SO_ERROR ECONNRESET. */
static void t_live_reset(int ep)
{
	struct sockaddr_in a = sin4("10.9.0.1", 5002);
	int l = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0), s = -1, v, i;
	struct mtcp_epoll_event ev;
	socklen_t len = sizeof(v);
	char buf[8];

	mtcp_bind(ctx, l, SA(a), sizeof(a));
	mtcp_listen(ctx, l, 8);
	peer("import socket,struct,time\n"
	     "s=socket.create_connection((\"10.9.0.1\",5002),timeout=10)\n"
	     "time.sleep(0.5)\n"
	     "s.setsockopt(socket.SOL_SOCKET,socket.SO_LINGER,"
	     "struct.pack(\"ii\",1,0))\n"
	     "s.close()\n", true);
	s = mtcp_accept(ctx, l, NULL, NULL);
	ok(s >= 0, "accepted the connection Linux will reset");
	if (s < 0)
		return;
	ev.events = MOS_EPOLLIN | MOS_EPOLLRDHUP;
	ev.data.sock = s;
	mtcp_epoll_ctl(ctx, ep, MOS_EPOLL_CTL_ADD, s, &ev);
	ok(wait_event(ep, s, MOS_EPOLLRDHUP, 5000), "RDHUP on the peer's RST");
	mtcp_getsockopt(ctx, s, SOL_SOCKET, SO_ERROR, &v, &len);
	ok(v == ECONNRESET, "SO_ERROR ECONNRESET (%s)", apierr_ename(v));
	EXPECT(mtcp_recv(ctx, s, buf, 1, 0), -1, ENOTCONN,
	       "mtcp_recv after a reset");
	EXPECT(mtcp_write(ctx, s, "x", 1), -1, ENOTCONN,
	       "mtcp_write after a reset");
	EXPECT(mtcp_abort(ctx, s), -1, ENOTCONN, "mtcp_abort after a reset");
	EXPECT(mtcp_close(ctx, s), 0, 0,
	       "mtcp_close after a reset (shutting down) [ours]");

	/* accept with the end-host pool full: ENFILE */
	{
		int fill[MAXC], n = 0;

		peer("import socket,time\n"
		     "s=socket.create_connection((\"10.9.0.1\",5002),timeout=10)\n"
		     "time.sleep(3)\n", true);
		usleep(800000);
		while (n < MAXC && (fill[n] = mtcp_socket(ctx, AF_INET,
							  SOCK_STREAM, 0)) >= 0)
			n++;
		EXPECT(mtcp_accept(ctx, l, NULL, NULL), -1, ENFILE,
		       "mtcp_accept with the end-host pool full");
		for (i = 0; i < n; i++)
			mtcp_close(ctx, fill[i]);
		s = mtcp_accept(ctx, l, NULL, NULL);
		ok(s >= 0, "the connection stayed queued; accepted now");
		EXPECT(mtcp_abort(ctx, s), 0, 0, "mtcp_abort(established)");
	}
	mtcp_close(ctx, l);
}


/* Closing the epoll instance wakes its waiter with EINTR [ours]; a new
 * instance may be created then. */
static int t_live_epoll_close(int ep)
{
	struct blocked w = { .what = 2, .sock = ep };
	pthread_t tw;

	pthread_create(&tw, NULL, block_main, &w);
	usleep(250000);
	EXPECT(mtcp_close(ctx, ep), 0, 0, "mtcp_close(epoll) with a waiter");
	pthread_join(tw, NULL);
	ok(w.rc == -1 && w.err == EINTR && w.ms >= 200,
	   "the blocked epoll_wait returned EINTR (%d %s, %llu ms)", w.rc,
	   apierr_ename(w.err), (unsigned long long)w.ms);
	ep = mtcp_epoll_create(ctx, 16);
	ok(ep >= 0, "a new epoll instance after the close (%d)", ep);
	return ep;
}

/* A next hop that never answers ARP: the held SYN is dropped after three
 * requests, with one line naming the address, the port and the tables. */
static void t_live_noarp(void)
{
	struct sockaddr_in nobody = sin4("10.9.0.77", 80);
	int s = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
	char path[] = "/tmp/hostapi-err-XXXXXX", text[4096] = "";
	int fd = mkstemp(path), saved = dup(2);
	ssize_t n;

	fflush(stderr);
	dup2(fd, 2);
	mtcp_setsock_nonblock(ctx, s);
	EXPECT(mtcp_connect(ctx, s, SA(nobody), sizeof(nobody)), -1,
	       EINPROGRESS, "non-blocking connect to 10.9.0.77 (no such host)");
	usleep(3600000);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, text, sizeof(text) - 1, 0);
	close(fd);
	unlink(path);
	if (n > 0)
		text[n] = 0;
	ok(strstr(text, "no ARP entry for 10.9.0.77 on port p0") &&
	   strstr(text, "arp_table"),
	   "ARP gave up with a line naming 10.9.0.77, port p0 and arp_table");
	EXPECT(mtcp_close(ctx, s), 0, 0, "mtcp_close(the unresolved connect)");
}

/* Destroying the context wakes every sleeper with EINTR. */
static void t_live_destroy(int ep)
{
	struct sockaddr_in a = sin4("10.9.0.1", 5003);
	int l = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
	struct blocked b = { .what = 0 }, w = { .what = 2, .sock = ep };
	pthread_t tb, tw;

	mtcp_bind(ctx, l, SA(a), sizeof(a));
	mtcp_listen(ctx, l, 8);
	b.sock = l;
	pthread_create(&tb, NULL, block_main, &b);
	pthread_create(&tw, NULL, block_main, &w);
	usleep(300000);
	EXPECT(mtcp_destroy_context(ctx), 0, 0,
	       "mtcp_destroy_context with two sleepers");
	pthread_join(tb, NULL);
	pthread_join(tw, NULL);
	ok(b.rc == -1 && b.err == EINTR && b.ms >= 250,
	   "blocked accept: EINTR on destroy (%d %s)", b.rc,
	   apierr_ename(b.err));
	ok(w.rc == -1 && w.err == EINTR && w.ms >= 250,
	   "blocked epoll_wait: EINTR on destroy (%d %s)", w.rc,
	   apierr_ename(w.err));
	ok(b.cpu_us < CPU_BUDGET_US && w.cpu_us < CPU_BUDGET_US,
	   "the sleepers used %llu and %llu us CPU",
	   (unsigned long long)b.cpu_us, (unsigned long long)w.cpu_us);
}

static int live(const char *iface)
{
	char line[256];
	const char *conf;
	int ep;

	snprintf(line, sizeof(line), "interface = \"%s\"; address = "
		 "\"10.9.0.1/24\";", iface);
	conf = write_conf(line, 1);
	if (!ok(conf && mtcp_init(conf) == 0, "mtcp_init(live pcap, address)"))
		return tap_done();
	unlink(conf);
	ctx = mtcp_create_context(0);
	if (!ok(ctx != NULL, "mtcp_create_context(0)"))
		return tap_done();
	ep = mtcp_epoll_create(ctx, 16);
	t_live_wakeups(ep);
	t_live_accept(ep);
	t_live_connect(ep);
	t_live_reset(ep);
	t_live_noarp();
	ep = t_live_epoll_close(ep);
	t_live_destroy(ep);
	mtcp_destroy();
	return tap_done();
}

/* --------------------------------------------------- two contexts, spread */

static mctx_t sctx[2];
static int spread_total;	/* accepted by both contexts */
#define SPREAD_CONNS 40

struct spread_res {
	int accepted, wrong, connected, answered, pool, port_ok;
};

struct spread_arg {
	int idx;
	struct spread_res res;
};

/* One context: accept what the spread brings, check each connection is
 * the one GetRSSCPUCore names; then connect out and get an answer (the
 * source port choice must bring the replies back here). */
static void *spread_ctx(void *arg)
{
	struct spread_arg *a = arg;
	mctx_t m = sctx[a->idx];
	struct sockaddr_in la = sin4("10.9.0.1", 6000), srv = sin4("10.9.0.2", 6001);
	struct mtcp_epoll_event ev = { .events = MOS_EPOLLIN }, out[8];
	int l = mtcp_socket(m, AF_INET, SOCK_STREAM, 0);
	int ep = mtcp_epoll_create(m, 16), s, n, k;
	uint64_t until = now_ms() + 30000;
	char buf[8];

	mtcp_bind(m, l, SA(la), sizeof(la));
	mtcp_listen(m, l, 8);
	mtcp_setsock_nonblock(m, l);
	ev.data.sock = l;
	mtcp_epoll_ctl(m, ep, MOS_EPOLL_CTL_ADD, l, &ev);
	while (now_ms() < until &&
	       __atomic_load_n(&spread_total, __ATOMIC_ACQUIRE) < SPREAD_CONNS) {
		n = mtcp_epoll_wait(m, ep, out, 8, 100);
		for (k = 0; k < n; k++) {
			struct sockaddr_in pa, me;
			socklen_t len = sizeof(pa);

			while ((s = mtcp_accept(m, l, SA(pa), &len)) >= 0) {
				len = sizeof(me);
				mtcp_getsockname(m, s, SA(me), &len);
				a->res.accepted++;
				__atomic_add_fetch(&spread_total, 1,
						   __ATOMIC_ACQ_REL);
				if (GetRSSCPUCore(pa.sin_addr.s_addr,
						  me.sin_addr.s_addr,
						  pa.sin_port, me.sin_port, 2) !=
				    m->cpu)
					a->res.wrong++;
				mtcp_close(m, s);
				len = sizeof(pa);
			}
		}
	}
	mtcp_close(m, l);
	a->res.pool = mtcp_init_rss(m, INADDR_ANY, 1, srv.sin_addr.s_addr,
				    srv.sin_port) == 0;
	s = mtcp_socket(m, AF_INET, SOCK_STREAM, 0);
	if (mtcp_connect(m, s, SA(srv), sizeof(srv)) == 0) {
		struct sockaddr_in me;
		socklen_t len = sizeof(me);

		mtcp_getsockname(m, s, SA(me), &len);
		a->res.port_ok = GetRSSCPUCore(me.sin_addr.s_addr,
					       srv.sin_addr.s_addr, me.sin_port,
					       srv.sin_port, 2) == m->cpu;
		a->res.connected = 1;
		ev.data.sock = s;
		mtcp_epoll_ctl(m, ep, MOS_EPOLL_CTL_ADD, s, &ev);
		for (k = 0; k < 50 && !a->res.answered; k++)
			if (mtcp_epoll_wait(m, ep, out, 8, 100) > 0 &&
			    mtcp_read(m, s, buf, sizeof(buf)) == 2)
				a->res.answered = 1;
	}
	mtcp_close(m, s);
	return NULL;
}

static int spread(const char *iface)
{
	struct spread_arg a[2] = { { .idx = 0 }, { .idx = 1 } };
	char line[256];
	const char *conf;
	pthread_t th[2];
	int i;

	snprintf(line, sizeof(line), "interface = \"%s\"; address = "
		 "\"10.9.0.1/24\";", iface);
	conf = write_conf(line, 3);
	if (!ok(conf && mtcp_init(conf) == 0,
		"mtcp_init(live pcap, two contexts on one queue)"))
		return tap_done();
	unlink(conf);
	for (i = 0; i < 2; i++)
		sctx[i] = mtcp_create_context(i);
	if (!ok(sctx[0] && sctx[1], "two contexts"))
		return tap_done();
	{
		char code[1024];

		/* the server the contexts connect to at the end */
		snprintf(code, sizeof(code), "import socket\n"
			 "l=socket.socket()\n"
			 "l.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
			 "l.bind((\"10.9.0.2\",6001)); l.listen(4)\n"
			 "l.settimeout(40)\n"
			 "open(\"%s\",\"w\").close()\n"
			 "for i in range(2):\n"
			 "  c,_=l.accept(); c.sendall(b\"ok\"); c.close()\n",
			 ready_file());
		peer(code, true);
		ok(wait_ready(20000), "the Linux server on 10.9.0.2:6001 "
		   "listens");
	}
	for (i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, spread_ctx, &a[i]);
	usleep(300000);
	peer("import socket,time\n"
	     "for i in range(40):\n"
	     "  s=socket.create_connection((\"10.9.0.1\",6000),timeout=5)\n"
	     "  s.close()\n"
	     "  time.sleep(0.02)\n", false);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	ok(a[0].res.accepted + a[1].res.accepted == SPREAD_CONNS,
	   "%d connections from Linux accepted (%d on context 0, %d on 1)",
	   SPREAD_CONNS,
	   a[0].res.accepted, a[1].res.accepted);
	ok(a[0].res.accepted > 0 && a[1].res.accepted > 0,
	   "the software spread used both contexts");
	ok(a[0].res.wrong + a[1].res.wrong == 0,
	   "every connection reached the context GetRSSCPUCore names "
	   "(%d wrong)", a[0].res.wrong + a[1].res.wrong);
	for (i = 0; i < 2; i++) {
		ok(a[i].res.pool, "context %d: mtcp_init_rss(INADDR_ANY, 1, "
		   "10.9.0.2, 6001)", i);
		ok(a[i].res.connected && a[i].res.port_ok,
		   "context %d: connect chose a source port GetRSSCPUCore "
		   "maps to it", i);
		ok(a[i].res.connected && a[i].res.answered,
		   "context %d: connect to Linux and its answer (replies came "
		   "back to this context)", i);
	}
	for (i = 0; i < 2; i++)
		mtcp_destroy_context(sctx[i]);
	mtcp_destroy();
	return tap_done();
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "offline"))
		return offline(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "live")) {
		peer_ns = argv[3];
		return live(argv[2]);
	}
	if (argc == 4 && !strcmp(argv[1], "spread")) {
		peer_ns = argv[3];
		return spread(argv[2]);
	}
	fprintf(stderr, "usage: t_hostapi offline CAPTURE | "
		"live|spread IFACE PEER_NETNS\n");
	return 2;
}
