/*
 * t_apierr.c -- every error path of every exported call returns the
 * failure value with the errno its man page names (libmos(3), RETURN
 * VALUE; checks in the order context, calling thread, socket id, socket
 * kind, other arguments), plus the cheap success values, over a real
 * context reading a capture (argv[1], normally crafted/basic_fin.pcap).
 *
 * basic_fin: client 192.0.2.10:40001 -> server 198.51.100.20:80, 20
 * packets, 1500 bytes client->server, 6617 bytes server->client, the
 * client's FIN is packet 17.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* strerrorname_np */
#endif
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <mos_api.h>

#include "apierr.h"

#define CLI_BYTES 1500
#define SVR_BYTES 6617
#define NPKTS 20
#define HOUR_TIMER 999

static mctx_t ctx;
static int L1, L2, L3, RAW, CLOSED_ID;
static event_t ev_ude, ev_alloc;

/* filled by callbacks, checked by main after the run */
static int pkt_n;		/* L1 PKT_IN at MOS_HK_SND */
static int raw_n, l2a_n, l2b_n, l2_at_close = -1, l3_n, pf_rcv_n;
static int alloc_n, alloc_pkt, newdata_n, end_n, timer_n, hour_n;
static int ts_bad, ts_backwards, stamp_bad, cnt_bad;
static uint32_t cli_isn, svr_isn, last_ts;
static bool fin_seen;

static bool yes_filter(mctx_t m, int s, int side, event_t e, filter_arg_t *a)
{
	(void)m; (void)s; (void)side; (void)e; (void)a;
	return true;
}

static bool other_filter(mctx_t m, int s, int side, event_t e,
			 filter_arg_t *a)
{
	(void)m; (void)s; (void)side; (void)e; (void)a;
	return false;
}

static void nop_cb(mctx_t m, int s, int side, event_t e, filter_arg_t *a)
{
	(void)m; (void)s; (void)side; (void)e; (void)a;
}

static void nop_sig(int sig)
{
	(void)sig;
}

/* ------------------------------------------------- checks in callbacks */

/* Every callback-only call with a valid per-flow socket, from a thread
 * that is not the context's: EPERM (these calls take no lock). */
static void *wrong_thread(void *arg)
{
	int sock = *(int *)arg;
	char buf[8];
	struct pkt_info pi;
	struct sockaddr sa[2];
	socklen_t len = sizeof(sa);
	int v;
	socklen_t vlen = sizeof(v);

	EXPECT(mtcp_peek(ctx, sock, MOS_SIDE_SVR, buf, sizeof(buf)), -1,
	       EPERM, "other thread: mtcp_peek(per-flow)");
	EXPECT(mtcp_ppeek(ctx, sock, MOS_SIDE_SVR, buf, sizeof(buf), 0), -1,
	       EPERM, "other thread: mtcp_ppeek(per-flow)");
	EXPECT(mtcp_getlastpkt(ctx, sock, MOS_SIDE_CLI, &pi), -1, EPERM,
	       "other thread: mtcp_getlastpkt(per-flow)");
	EXPECT_NULL(mtcp_get_uctx(ctx, sock), EPERM,
		    "other thread: mtcp_get_uctx(per-flow)");
	errno = 0;
	mtcp_set_uctx(ctx, sock, &v);
	ok(errno == EPERM, "other thread: mtcp_set_uctx(per-flow) -> EPERM "
	   "(got %s)", apierr_ename(errno));
	EXPECT(mtcp_getpeername(ctx, sock, sa, &len, MOS_SIDE_CLI), -1,
	       EPERM, "other thread: mtcp_getpeername(per-flow)");
	EXPECT(mtcp_getsockopt(ctx, sock, SOL_MONSOCKET, MOS_TCP_STATE_CLI,
			       &v, &vlen), -1, EPERM,
	       "other thread: mtcp_getsockopt(per-flow, MOS_TCP_STATE_CLI)");
	EXPECT(mtcp_cb_get_ts(ctx), 0, EPERM, "other thread: mtcp_cb_get_ts");
	EXPECT(mtcp_raise_event(ctx, ev_alloc), -1, EPERM,
	       "other thread: mtcp_raise_event");
	return NULL;
}

static void check_peername(int sock)
{
	struct sockaddr_in sin[4];
	struct sockaddr *sa = (struct sockaddr *)sin;
	socklen_t len;
	bool good;

	memset(sin, 0xa5, sizeof(sin));
	len = sizeof(struct sockaddr);
	EXPECT(mtcp_getpeername(ctx, sock, sa, &len, MOS_SIDE_CLI), 0, 0,
	       "mtcp_getpeername(CLI)");
	ok(sin[0].sin_family == AF_INET &&
	   sin[0].sin_addr.s_addr == inet_addr("192.0.2.10") &&
	   sin[0].sin_port == htons(40001) && len == sizeof(struct sockaddr),
	   "mtcp_getpeername(CLI) is 192.0.2.10:40001, addrlen %u", len);
	len = sizeof(struct sockaddr);
	EXPECT(mtcp_getpeername(ctx, sock, sa, &len, MOS_SIDE_SVR), 0, 0,
	       "mtcp_getpeername(SVR)");
	ok(sin[0].sin_addr.s_addr == inet_addr("198.51.100.20") &&
	   sin[0].sin_port == htons(80),
	   "mtcp_getpeername(SVR) is 198.51.100.20:80");
	memset(sin, 0xa5, sizeof(sin));
	len = sizeof(sin);	/* larger than needed: accepted */
	EXPECT(mtcp_getpeername(ctx, sock, sa, &len, MOS_SIDE_BOTH), 0, 0,
	       "mtcp_getpeername(BOTH, addrlen 64)");
	good = sin[MOS_SIDE_CLI].sin_family == AF_INET &&
	       sin[MOS_SIDE_CLI].sin_addr.s_addr == inet_addr("192.0.2.10") &&
	       sin[MOS_SIDE_CLI].sin_port == htons(40001) &&
	       sin[MOS_SIDE_SVR].sin_family == AF_INET &&
	       sin[MOS_SIDE_SVR].sin_addr.s_addr ==
		       inet_addr("198.51.100.20") &&
	       sin[MOS_SIDE_SVR].sin_port == htons(80);
	ok(good, "mtcp_getpeername(BOTH): [CLI] client, [SVR] server");
	ok(len == 2 * sizeof(struct sockaddr),
	   "mtcp_getpeername(BOTH) writes back *addrlen 32 (got %u)", len);
	ok(sin[2].sin_family != AF_INET,
	   "mtcp_getpeername(BOTH) writes nothing past 32 bytes");

	len = sizeof(struct sockaddr) - 1;
	EXPECT(mtcp_getpeername(ctx, sock, sa, &len, MOS_SIDE_CLI), -1,
	       EINVAL, "mtcp_getpeername(CLI, addrlen 15)");
	len = sizeof(struct sockaddr);
	EXPECT(mtcp_getpeername(ctx, sock, sa, &len, MOS_SIDE_BOTH), -1,
	       EINVAL, "mtcp_getpeername(BOTH, addrlen 16)");
	len = sizeof(sin);
	EXPECT(mtcp_getpeername(ctx, sock, sa, &len, 3), -1, EINVAL,
	       "mtcp_getpeername(side 3)");
	EXPECT(mtcp_getpeername(ctx, sock, sa, &len, -1), -1, EINVAL,
	       "mtcp_getpeername(side -1)");
	EXPECT(mtcp_getpeername(ctx, sock, NULL, &len, MOS_SIDE_CLI), -1,
	       EINVAL, "mtcp_getpeername(saddr NULL)");
	EXPECT(mtcp_getpeername(ctx, sock, sa, NULL, MOS_SIDE_CLI), -1,
	       EINVAL, "mtcp_getpeername(addrlen NULL)");
	EXPECT(mtcp_getpeername(ctx, L1, sa, &len, MOS_SIDE_CLI), -1,
	       ENOTCONN, "mtcp_getpeername(listener)");
	EXPECT(mtcp_getpeername(ctx, RAW, sa, &len, MOS_SIDE_CLI), -1,
	       ENOTCONN, "mtcp_getpeername(raw)");
	/* kind before arguments */
	EXPECT(mtcp_getpeername(ctx, L1, NULL, NULL, 7), -1, ENOTCONN,
	       "mtcp_getpeername(listener, bad arguments): kind first");
	EXPECT(mtcp_getpeername(ctx, -1, sa, &len, MOS_SIDE_CLI), -1, EBADF,
	       "mtcp_getpeername(sock -1)");
	EXPECT(mtcp_getpeername(ctx, CLOSED_ID, sa, &len, MOS_SIDE_CLI), -1,
	       EBADF, "mtcp_getpeername(closed socket)");
}

static void check_getsockopt_args(int sock)
{
	struct tcp_buf_info bi;
	struct tcp_ring_fragment fr[4];
	struct mos_flow_info fi;
	socklen_t len;
	int v;
	uint32_t ts;

	len = sizeof(v);
	EXPECT(mtcp_getsockopt(ctx, sock, SOL_MONSOCKET, MOS_TCP_STATE_CLI,
			       &v, &len), 0, 0,
	       "mtcp_getsockopt(MOS_TCP_STATE_CLI) at the SYN");
	ok(v == TCP_SYN_SENT && len == sizeof(int),
	   "MOS_TCP_STATE_CLI is TCP_SYN_SENT at the first SYN (got %d)", v);
	len = sizeof(v) - 1;
	EXPECT(mtcp_getsockopt(ctx, sock, SOL_MONSOCKET, MOS_TCP_STATE_SVR,
			       &v, &len), -1, EINVAL,
	       "mtcp_getsockopt(MOS_TCP_STATE_SVR, optlen 3)");
	len = sizeof(bi);
	EXPECT(mtcp_getsockopt(ctx, sock, SOL_MONSOCKET, MOS_INFO_SVRBUF,
			       NULL, &len), -1, EINVAL,
	       "mtcp_getsockopt(optval NULL)");
	EXPECT(mtcp_getsockopt(ctx, sock, SOL_MONSOCKET, MOS_INFO_SVRBUF,
			       &bi, NULL), -1, EINVAL,
	       "mtcp_getsockopt(optlen NULL)");
	len = sizeof(bi) - 1;
	EXPECT(mtcp_getsockopt(ctx, sock, SOL_MONSOCKET, MOS_INFO_SVRBUF,
			       &bi, &len), -1, EINVAL,
	       "mtcp_getsockopt(MOS_INFO_SVRBUF, optlen 15)");
	len = sizeof(bi) + 1;
	EXPECT(mtcp_getsockopt(ctx, sock, SOL_MONSOCKET, MOS_INFO_SVRBUF,
			       &bi, &len), -1, EINVAL,
	       "mtcp_getsockopt(MOS_INFO_SVRBUF, optlen 17)");
	/* no payload yet: no buffer */
	len = sizeof(bi);
	EXPECT(mtcp_getsockopt(ctx, sock, SOL_MONSOCKET, MOS_INFO_SVRBUF,
			       &bi, &len), -1, ENODATA,
	       "mtcp_getsockopt(MOS_INFO_SVRBUF) before any payload");
	ok(len == 0, "ENODATA sets *optlen to 0 (MOS_INFO_SVRBUF)");
	len = 4;
	EXPECT(mtcp_getsockopt(ctx, sock, SOL_MONSOCKET, MOS_FRAGINFO_CLIBUF,
			       fr, &len), -1, ENODATA,
	       "mtcp_getsockopt(MOS_FRAGINFO_CLIBUF) before any payload");
	ok(len == 0, "ENODATA sets *optlen to 0 (MOS_FRAGINFO_CLIBUF)");
	len = 3;
	EXPECT(mtcp_getsockopt(ctx, sock, SOL_MONSOCKET, MOS_TIMESTAMP,
			       &ts, &len), -1, EINVAL,
	       "mtcp_getsockopt(MOS_TIMESTAMP, optlen 3)");
	len = sizeof(v);
	EXPECT(mtcp_getsockopt(ctx, sock, SOL_MONSOCKET, 0x7f, &v, &len), -1,
	       ENOSYS, "mtcp_getsockopt(unknown optname 0x7f)");
	EXPECT(mtcp_getsockopt(ctx, sock, SOL_MONSOCKET, MOS_SEQ_REMAP, &v,
			       &len), -1, ENOSYS,
	       "mtcp_getsockopt(MOS_SEQ_REMAP)");
	EXPECT(mtcp_getsockopt(ctx, sock, SOL_MONSOCKET, MOS_CLIBUF, &v,
			       &len), -1, ENOSYS,
	       "mtcp_getsockopt(MOS_CLIBUF, a set-only name)");
	EXPECT(mtcp_getsockopt(ctx, L1, SOL_MONSOCKET, MOS_TCP_STATE_CLI, &v,
			       &len), -1, ENOTSOCK,
	       "mtcp_getsockopt(listener)");
	len = sizeof(fi) - 1;
	EXPECT(mtcp_getsockopt(ctx, sock, SOL_MONSOCKET, MOS_INFO_FLOW, &fi,
			       &len), -1, EINVAL,
	       "mtcp_getsockopt(MOS_INFO_FLOW, optlen one short)");
	len = sizeof(fi) + 8;
	memset(&fi, 0xff, sizeof(fi));
	EXPECT(mtcp_getsockopt(ctx, sock, SOL_MONSOCKET, MOS_INFO_FLOW, &fi,
			       &len), 0, 0, "mtcp_getsockopt(MOS_INFO_FLOW) at the SYN");
	ok(len == sizeof(fi) && fi.mfi_pkts[0] == 1 && fi.mfi_pkts[1] == 0 &&
	   fi.mfi_tcp_flags[0] == 0x02 && fi.mfi_tcp_flags[1] == 0 &&
	   fi.mfi_state[0] == TCP_SYN_SENT && fi.mfi_start_us &&
	   fi.mfi_start_us == fi.mfi_last_us && fi.mfi_ip_bytes[0] >= 40 &&
	   !fi.mfi_stream_bytes[0] && !fi.mfi_gap_bytes[0] &&
	   !fi.mfi_reserved[0] && !fi.mfi_reserved[3],
	   "MOS_INFO_FLOW at the first SYN: one SYN from the client, optlen "
	   "set to its size (got %u, %llu pkts, flags %#x)", (unsigned)len,
	   (unsigned long long)fi.mfi_pkts[0], fi.mfi_tcp_flags[0]);
	len = sizeof(fi);
	EXPECT(mtcp_getsockopt(ctx, L1, SOL_MONSOCKET, MOS_INFO_FLOW, &fi,
			       &len), -1, ENOTSOCK,
	       "mtcp_getsockopt(listener, MOS_INFO_FLOW)");
	len = sizeof(v);
	EXPECT(mtcp_getsockopt(ctx, RAW, SOL_MONSOCKET, MOS_TCP_STATE_CLI,
			       &v, &len), -1, ENOTSOCK,
	       "mtcp_getsockopt(raw)");
	EXPECT(mtcp_getsockopt(ctx, L1, SOL_MONSOCKET, 0x7f, NULL, NULL), -1,
	       ENOTSOCK, "mtcp_getsockopt(listener, bad arguments): kind "
	       "first");
	EXPECT(mtcp_getsockopt(ctx, 1 << 24, SOL_MONSOCKET, MOS_TCP_STATE_CLI,
			       &v, &len), -1, EBADF,
	       "mtcp_getsockopt(sock 1<<24)");
}

static void check_setsockopt_flow(int sock)
{
	int v;

	v = 5;
	EXPECT(mtcp_setsockopt(ctx, sock, SOL_MONSOCKET, MOS_STOP_MON, &v,
			       sizeof(v)), -1, EINVAL,
	       "mtcp_setsockopt(per-flow, MOS_STOP_MON, 5)");
	v = -1;
	EXPECT(mtcp_setsockopt(ctx, sock, SOL_MONSOCKET, MOS_STOP_MON, &v,
			       sizeof(v)), -1, EINVAL,
	       "mtcp_setsockopt(per-flow, MOS_STOP_MON, -1)");
	v = 7;
	EXPECT(mtcp_setsockopt(ctx, sock, SOL_MONSOCKET, MOS_CLIOVERLAP, &v,
			       sizeof(v)), -1, EINVAL,
	       "mtcp_setsockopt(per-flow, MOS_CLIOVERLAP, 7)");
	v = -5;
	EXPECT(mtcp_setsockopt(ctx, sock, SOL_MONSOCKET, MOS_SVRBUF, &v,
			       sizeof(v)), -1, EINVAL,
	       "mtcp_setsockopt(per-flow, MOS_SVRBUF, -5)");
	/* rounded up to a multiple of 1024, INT_MAX would pass it */
	v = INT_MAX;
	EXPECT(mtcp_setsockopt(ctx, sock, SOL_MONSOCKET, MOS_SVRBUF, &v,
			       sizeof(v)), -1, EINVAL,
	       "mtcp_setsockopt(per-flow, MOS_SVRBUF, INT_MAX)");
	v = MOS_OVERLAP_POLICY_FIRST;
	EXPECT(mtcp_setsockopt(ctx, sock, SOL_MONSOCKET, MOS_SVROVERLAP, &v,
			       2), -1, EINVAL,
	       "mtcp_setsockopt(per-flow, MOS_SVROVERLAP, optlen 2)");
	EXPECT(mtcp_setsockopt(ctx, sock, SOL_MONSOCKET, MOS_SVROVERLAP,
			       NULL, sizeof(v)), -1, EINVAL,
	       "mtcp_setsockopt(per-flow, optval NULL)");
	EXPECT(mtcp_setsockopt(ctx, sock, SOL_MONSOCKET, MOS_SVROVERLAP, &v,
			       sizeof(v)), 0, 0,
	       "mtcp_setsockopt(per-flow, MOS_SVROVERLAP, FIRST)");
	EXPECT(mtcp_setsockopt(ctx, sock, SOL_MONSOCKET, MOS_SEQ_REMAP, &v,
			       sizeof(v)), -1, ENOSYS,
	       "mtcp_setsockopt(per-flow, MOS_SEQ_REMAP)");
	EXPECT(mtcp_setsockopt(ctx, sock, SOL_MONSOCKET, MOS_FRAG_SVRBUF, &v,
			       sizeof(v)), -1, ENOSYS,
	       "mtcp_setsockopt(per-flow, MOS_FRAG_SVRBUF)");
	EXPECT(mtcp_setsockopt(ctx, sock, SOL_MONSOCKET, 0x55, &v,
			       sizeof(v)), -1, ENOSYS,
	       "mtcp_setsockopt(per-flow, unknown optname 0x55)");
}

static void check_flow_calls(int sock)
{
	char buf[16];
	struct pkt_info pi;
	union monitor_filter mf = { .stream_syn_filter = "tcp" };

	/* peek: kind, side, buffer */
	EXPECT(mtcp_peek(ctx, L1, MOS_SIDE_SVR, buf, sizeof(buf)), -1,
	       ENOTSOCK, "mtcp_peek(listener)");
	EXPECT(mtcp_peek(ctx, RAW, MOS_SIDE_SVR, buf, sizeof(buf)), -1,
	       ENOTSOCK, "mtcp_peek(raw)");
	EXPECT(mtcp_peek(ctx, L1, 9, NULL, 1), -1, ENOTSOCK,
	       "mtcp_peek(listener, bad arguments): kind first");
	EXPECT(mtcp_peek(ctx, sock, MOS_SIDE_BOTH, buf, sizeof(buf)), -1,
	       EINVAL, "mtcp_peek(side BOTH)");
	EXPECT(mtcp_peek(ctx, sock, -1, buf, sizeof(buf)), -1, EINVAL,
	       "mtcp_peek(side -1)");
	EXPECT(mtcp_peek(ctx, sock, MOS_SIDE_SVR, NULL, 4), -1, EINVAL,
	       "mtcp_peek(buf NULL, len 4)");
	EXPECT(mtcp_peek(ctx, sock, MOS_SIDE_SVR, NULL, 0), 0, 0,
	       "mtcp_peek(buf NULL, len 0)");
	EXPECT(mtcp_peek(ctx, sock, MOS_SIDE_SVR, buf, sizeof(buf)), 0, 0,
	       "mtcp_peek before any payload (no buffer yet)");
	EXPECT(mtcp_peek(ctx, -1, MOS_SIDE_SVR, buf, sizeof(buf)), -1, EBADF,
	       "mtcp_peek(sock -1)");
	EXPECT(mtcp_peek(ctx, INT_MAX, MOS_SIDE_SVR, buf, sizeof(buf)), -1,
	       EBADF, "mtcp_peek(sock INT_MAX)");
	EXPECT(mtcp_peek(ctx, CLOSED_ID, MOS_SIDE_SVR, buf, sizeof(buf)), -1,
	       EBADF, "mtcp_peek(closed socket)");

	/* ppeek */
	EXPECT(mtcp_ppeek(ctx, L1, MOS_SIDE_SVR, buf, sizeof(buf), 0), -1,
	       ESOCKTNOSUPPORT, "mtcp_ppeek(listener)");
	EXPECT(mtcp_ppeek(ctx, RAW, MOS_SIDE_SVR, buf, sizeof(buf), 0), -1,
	       ESOCKTNOSUPPORT, "mtcp_ppeek(raw)");
	EXPECT(mtcp_ppeek(ctx, sock, MOS_SIDE_BOTH, buf, sizeof(buf), 0), -1,
	       EINVAL, "mtcp_ppeek(side BOTH)");
	EXPECT(mtcp_ppeek(ctx, sock, 5, buf, sizeof(buf), 0), -1, EINVAL,
	       "mtcp_ppeek(side 5)");
	EXPECT(mtcp_ppeek(ctx, sock, MOS_SIDE_SVR, buf, 0, 0), 0, 0,
	       "mtcp_ppeek(count 0)");
	EXPECT(mtcp_ppeek(ctx, sock, MOS_SIDE_SVR, buf, sizeof(buf), 0), -1,
	       ENODATA, "mtcp_ppeek(off 0) before any payload");
	EXPECT(mtcp_ppeek(ctx, -1, MOS_SIDE_SVR, buf, sizeof(buf), 0), -1,
	       EBADF, "mtcp_ppeek(sock -1)");

	/* getlastpkt */
	EXPECT(mtcp_getlastpkt(ctx, sock, MOS_SIDE_CLI, NULL), -1, EINVAL,
	       "mtcp_getlastpkt(pinfo NULL)");
	EXPECT(mtcp_getlastpkt(ctx, sock, 3, &pi), -1, EINVAL,
	       "mtcp_getlastpkt(side 3)");
	EXPECT(mtcp_getlastpkt(ctx, sock, -1, &pi), -1, EINVAL,
	       "mtcp_getlastpkt(side -1)");
	EXPECT(mtcp_getlastpkt(ctx, sock, MOS_SIDE_BOTH, &pi), 0, 0,
	       "mtcp_getlastpkt(side BOTH)");
	EXPECT(mtcp_getlastpkt(ctx, L1, MOS_SIDE_SVR, &pi), 0, 0,
	       "mtcp_getlastpkt(listener): any monitor socket");
	EXPECT(mtcp_getlastpkt(ctx, -1, MOS_SIDE_CLI, &pi), -1, EBADF,
	       "mtcp_getlastpkt(sock -1)");
	EXPECT(mtcp_getlastpkt(ctx, CLOSED_ID, MOS_SIDE_CLI, &pi), -1, EBADF,
	       "mtcp_getlastpkt(closed socket)");

	/* uctx */
	errno = 0;
	ok(mtcp_get_uctx(ctx, sock) == NULL && errno == 0,
	   "mtcp_get_uctx on a fresh per-flow socket: NULL, errno untouched");
	mtcp_set_uctx(ctx, sock, &pkt_n);
	ok(mtcp_get_uctx(ctx, sock) == &pkt_n,
	   "mtcp_set_uctx/mtcp_get_uctx round trip (per-flow)");
	mtcp_set_uctx(ctx, L1, &raw_n);
	ok(mtcp_get_uctx(ctx, L1) == &raw_n,
	   "mtcp_set_uctx/mtcp_get_uctx round trip (listener)");
	ok(mtcp_get_uctx(ctx, sock) == &pkt_n,
	   "the per-flow slot is separate from the listener's");
	errno = 0;
	mtcp_set_uctx(ctx, -1, &raw_n);
	ok(errno == EBADF, "mtcp_set_uctx(sock -1) -> EBADF (got %s)",
	   apierr_ename(errno));
	errno = 0;
	mtcp_set_uctx(ctx, CLOSED_ID, &raw_n);
	ok(errno == EBADF, "mtcp_set_uctx(closed socket) -> EBADF (got %s)",
	   apierr_ename(errno));
	EXPECT_NULL(mtcp_get_uctx(ctx, 1 << 20), EBADF,
		    "mtcp_get_uctx(sock 1<<20)");
	EXPECT_NULL(mtcp_get_uctx(NULL, sock), EACCES,
		    "mtcp_get_uctx(NULL context) in a callback");

	/* registration and setup calls on a per-flow socket */
	EXPECT(mtcp_register_callback(ctx, sock, MOS_ON_CONN_NEW_DATA,
				      MOS_HK_RCV, nop_cb), -1, EINVAL,
	       "mtcp_register_callback(per-flow, NEW_DATA at HK_RCV)");
	EXPECT(mtcp_register_callback(ctx, sock, MOS_ON_ORPHAN, MOS_NULL,
				      NULL), -1, EINVAL,
	       "mtcp_register_callback(per-flow, cb NULL, nothing "
	       "registered)");
	EXPECT(mtcp_bind_monitor_filter(ctx, sock, &mf), -1, ENOPROTOOPT,
	       "mtcp_bind_monitor_filter(per-flow)");
	EXPECT(mtcp_close(ctx, sock), -1, EINVAL, "mtcp_close(per-flow)");
	check_getsockopt_args(sock);
	check_setsockopt_flow(sock);
	check_peername(sock);
}

static void pf_rcv(mctx_t m, int s, int side, event_t e, filter_arg_t *a)
{
	(void)m; (void)s; (void)side; (void)e; (void)a;
	pf_rcv_n++;
}

/* The client's FIN (packet 17): both rings hold their whole stream. */
static void check_buffers(int sock)
{
	struct tcp_buf_info bi;
	struct tcp_ring_fragment fr[4];
	socklen_t len;
	char a[2048], b[2048];
	ssize_t n1, n2, n3;
	int v;

	len = sizeof(bi);
	EXPECT(mtcp_getsockopt(ctx, sock, SOL_MONSOCKET, MOS_INFO_SVRBUF, &bi,
			       &len), 0, 0, "mtcp_getsockopt(MOS_INFO_SVRBUF)");
	ok(len == sizeof(bi), "MOS_INFO_SVRBUF keeps *optlen 16");
	ok(bi.tcpbi_init_seq == cli_isn + 1,
	   "MOS_INFO_SVRBUF init_seq = client ISN + 1 (%u, want %u)",
	   bi.tcpbi_init_seq, cli_isn + 1);
	ok(bi.tcpbi_next_byte_expected == CLI_BYTES &&
	   bi.tcpbi_last_byte_read == CLI_BYTES &&
	   bi.tcpbi_last_byte_received == CLI_BYTES,
	   "MOS_INFO_SVRBUF read/expected/received = 1500 (%u %u %u)",
	   bi.tcpbi_last_byte_read, bi.tcpbi_next_byte_expected,
	   bi.tcpbi_last_byte_received);
	len = sizeof(bi);
	EXPECT(mtcp_getsockopt(ctx, sock, SOL_MONSOCKET, MOS_INFO_CLIBUF, &bi,
			       &len), 0, 0, "mtcp_getsockopt(MOS_INFO_CLIBUF)");
	ok(bi.tcpbi_init_seq == svr_isn + 1 &&
	   bi.tcpbi_next_byte_expected == SVR_BYTES &&
	   bi.tcpbi_last_byte_received == SVR_BYTES,
	   "MOS_INFO_CLIBUF init_seq = server ISN + 1, expected 6617 "
	   "(%u %u %u)", bi.tcpbi_init_seq, bi.tcpbi_next_byte_expected,
	   bi.tcpbi_last_byte_received);

	memset(fr, 0x5a, sizeof(fr));
	len = 4;
	EXPECT(mtcp_getsockopt(ctx, sock, SOL_MONSOCKET, MOS_FRAGINFO_SVRBUF,
			       fr, &len), 0, 0,
	       "mtcp_getsockopt(MOS_FRAGINFO_SVRBUF, capacity 4)");
	ok(len == 1 && fr[0].offset == 0 && fr[0].len == CLI_BYTES,
	   "MOS_FRAGINFO_SVRBUF: one fragment {0, 1500} (n %u)", len);
	ok(fr[1].offset == 0 && fr[1].len == 0,
	   "MOS_FRAGINFO_SVRBUF: a {0, 0} entry follows the last fragment");
	memset(fr, 0x5a, sizeof(fr));
	len = 1;
	EXPECT(mtcp_getsockopt(ctx, sock, SOL_MONSOCKET, MOS_FRAGINFO_SVRBUF,
			       fr, &len), 0, 0,
	       "mtcp_getsockopt(MOS_FRAGINFO_SVRBUF, capacity 1)");
	ok(len == 1 && fr[0].len == CLI_BYTES && fr[1].len == 0x5a5a5a5a,
	   "MOS_FRAGINFO_SVRBUF, capacity 1: one element, nothing written "
	   "past it");

	/* peek advances, ppeek does not */
	n1 = mtcp_ppeek(ctx, sock, MOS_SIDE_SVR, b, sizeof(b), 0);
	ok(n1 == CLI_BYTES, "mtcp_ppeek(SVR, off 0) copies 1500 (got %zd)",
	   n1);
	n2 = mtcp_peek(ctx, sock, MOS_SIDE_SVR, a, 1000);
	n3 = mtcp_peek(ctx, sock, MOS_SIDE_SVR, a + 1000, sizeof(a) - 1000);
	ok(n2 == 1000 && n3 == 500 && memcmp(a, b, CLI_BYTES) == 0,
	   "mtcp_peek(SVR) 1000 then 500, same bytes as ppeek (%zd %zd)",
	   n2, n3);
	EXPECT(mtcp_peek(ctx, sock, MOS_SIDE_SVR, a, sizeof(a)), 0, 0,
	       "mtcp_peek(SVR) at the end of the data");
	EXPECT(mtcp_ppeek(ctx, sock, MOS_SIDE_SVR, a, 10, 1499), 1, 0,
	       "mtcp_ppeek(SVR, off 1499) copies the last byte");
	EXPECT(mtcp_ppeek(ctx, sock, MOS_SIDE_SVR, a, 10, CLI_BYTES), -1,
	       ENODATA, "mtcp_ppeek(SVR, off 1500): no byte there");
	EXPECT(mtcp_ppeek(ctx, sock, MOS_SIDE_SVR, a, 10, 1ull << 40), -1,
	       ENODATA, "mtcp_ppeek(SVR, off 2^40)");
	n1 = mtcp_peek(ctx, sock, MOS_SIDE_CLI, a, sizeof(a));
	ok(n1 == (ssize_t)sizeof(a), "mtcp_peek(CLI) copies %zu (got %zd)",
	   sizeof(a), n1);

	/* a ring smaller than what it holds */
	v = 1024;
	EXPECT(mtcp_setsockopt(ctx, sock, SOL_MONSOCKET, MOS_SVRBUF, &v,
			       sizeof(v)), -1, EINVAL,
	       "mtcp_setsockopt(MOS_SVRBUF, 1024) with 1500 bytes held");

	/* switch the client's buffer off: its calls now fail */
	v = 0;
	EXPECT(mtcp_setsockopt(ctx, sock, SOL_MONSOCKET, MOS_CLIBUF, &v,
			       sizeof(v)), 0, 0,
	       "mtcp_setsockopt(MOS_CLIBUF, 0)");
	EXPECT(mtcp_peek(ctx, sock, MOS_SIDE_CLI, a, sizeof(a)), -1, EINVAL,
	       "mtcp_peek(CLI) with the CLI buffer off");
	EXPECT(mtcp_ppeek(ctx, sock, MOS_SIDE_CLI, a, sizeof(a), 0), -1,
	       EINVAL, "mtcp_ppeek(CLI) with the CLI buffer off");
	len = sizeof(bi);
	EXPECT(mtcp_getsockopt(ctx, sock, SOL_MONSOCKET, MOS_INFO_CLIBUF, &bi,
			       &len), -1, ENODATA,
	       "mtcp_getsockopt(MOS_INFO_CLIBUF) with the CLI buffer off");
	ok(len == 0, "... and *optlen set to 0");
	len = 4;
	EXPECT(mtcp_getsockopt(ctx, sock, SOL_MONSOCKET, MOS_FRAGINFO_CLIBUF,
			       fr, &len), -1, ENODATA,
	       "mtcp_getsockopt(MOS_FRAGINFO_CLIBUF) with the CLI buffer off");
	ok(len == 0, "... and *optlen set to 0");
	len = sizeof(v);
	EXPECT(mtcp_getsockopt(ctx, sock, SOL_MONSOCKET, MOS_TCP_STATE_CLI,
			       &v, &len), 0, 0,
	       "MOS_TCP_STATE_CLI still readable with the CLI buffer off");
	ok(v == TCP_FIN_WAIT_1, "client is FIN_WAIT_1 after its FIN (%d)", v);
}

static void raise_checks(int sock)
{
	(void)sock;
	EXPECT(mtcp_raise_event(ctx, MOS_ON_PKT_IN), -1, EINVAL,
	       "mtcp_raise_event(built-in event)");
	EXPECT(mtcp_raise_event(ctx, ev_ude), -1, EINVAL,
	       "mtcp_raise_event(event from mtcp_define_event)");
	EXPECT(mtcp_raise_event(ctx, 1u << 20), -1, EINVAL,
	       "mtcp_raise_event(unknown event)");
	EXPECT(mtcp_raise_event(ctx, MOS_NULL_EVENT), -1, EINVAL,
	       "mtcp_raise_event(MOS_NULL_EVENT)");
	EXPECT(mtcp_raise_event(NULL, ev_alloc), -1, EACCES,
	       "mtcp_raise_event(NULL context) in a callback");
	EXPECT(mtcp_raise_event(ctx, ev_alloc), 0, 0,
	       "mtcp_raise_event(allocated event)");
	EXPECT(mtcp_raise_event(ctx, ev_alloc), 0, 0,
	       "mtcp_raise_event(allocated event) again");
}

static void l1_pkt_snd(mctx_t m, int sock, int side, event_t e,
		       filter_arg_t *a)
{
	struct pkt_info pi;
	uint32_t ts, stamp;
	socklen_t len = sizeof(stamp);

	(void)e; (void)a;
	pkt_n++;
	if (m != ctx || mtcp_getlastpkt(ctx, sock, side, &pi) < 0) {
		ts_bad++;
		return;
	}
	ts = mtcp_cb_get_ts(ctx);
	if (ts != (uint32_t)(pi.cur_ts * 1000u))
		ts_bad++;
	if (pkt_n > 1 && (int32_t)(ts - last_ts) < 0)
		ts_backwards++;
	last_ts = ts;
	if (mtcp_getsockopt(ctx, sock, SOL_MONSOCKET, MOS_TIMESTAMP, &stamp,
			    &len) < 0 || stamp != ts || len != 4)
		stamp_bad++;
	if (mtcp_get_connection_cnt(ctx) != 1)
		cnt_bad++;

	if (pkt_n == 1) {
		pthread_t t;

		cli_isn = pi.seq;
		ok(pi.iph && pi.tcph && (uintptr_t)pi.iph % 4 == 0 &&
		   (uintptr_t)pi.tcph % 4 == 0,
		   "mtcp_getlastpkt: iph and tcph aligned for their types");
		ok(side == MOS_SIDE_CLI && pi.tcph && pi.tcph->syn,
		   "first callback: the client's SYN at HK_SND, side CLI");
		check_flow_calls(sock);
		EXPECT(mtcp_register_callback(ctx, sock, MOS_ON_PKT_IN,
					      MOS_HK_RCV, pf_rcv), 0, 0,
		       "mtcp_register_callback(per-flow) in a callback");
		if (pthread_create(&t, NULL, wrong_thread, &sock) == 0)
			pthread_join(t, NULL);
		else
			ok(0, "pthread_create");
	} else if (pkt_n == 2) {
		svr_isn = pi.seq;
	} else if (pkt_n == 5) {
		raise_checks(sock);
		l2_at_close = l2b_n;
		EXPECT(mtcp_close(ctx, L2), 0, 0,
		       "mtcp_close(listener L2) from a callback");
		EXPECT(mtcp_close(ctx, L2), -1, EBADF,
		       "mtcp_close(L2) again");
	}
	if (side == MOS_SIDE_CLI && pi.tcph && pi.tcph->fin && !fin_seen) {
		fin_seen = true;
		ok(pkt_n == 17, "the client's FIN is packet 17 (%d)", pkt_n);
		check_buffers(sock);
	}
}

static void l1_alloc(mctx_t m, int sock, int side, event_t e,
		     filter_arg_t *a)
{
	(void)m; (void)sock; (void)side; (void)a;
	if (e == ev_alloc)
		alloc_n++;
	alloc_pkt = pkt_n;
}

static void l1_newdata(mctx_t m, int sock, int side, event_t e,
		       filter_arg_t *a)
{
	struct pkt_info pi;

	(void)m; (void)e; (void)a;
	if (newdata_n++ == 0)
		EXPECT(mtcp_getlastpkt(ctx, sock, side, &pi), -1, ENODATA,
		       "mtcp_getlastpkt in MOS_ON_CONN_NEW_DATA");
}

static void l1_end(mctx_t m, int sock, int side, event_t e, filter_arg_t *a)
{
	struct pkt_info pi;
	char buf[8];

	(void)m; (void)e; (void)a;
	if (end_n++ == 0) {
		EXPECT(mtcp_getlastpkt(ctx, sock, side, &pi), -1, ENODATA,
		       "mtcp_getlastpkt in MOS_ON_CONN_END");
		EXPECT(mtcp_ppeek(ctx, sock, MOS_SIDE_SVR, buf, sizeof(buf),
				  0), (long)sizeof(buf), 0,
		       "mtcp_ppeek during MOS_ON_CONN_END");
		ok(mtcp_get_uctx(ctx, sock) == &pkt_n,
		   "uctx still set at MOS_ON_CONN_END");
	}
}

static void l2_a(mctx_t m, int s, int side, event_t e, filter_arg_t *a)
{
	(void)m; (void)s; (void)side; (void)e; (void)a;
	l2a_n++;
}

static void l2_b(mctx_t m, int s, int side, event_t e, filter_arg_t *a)
{
	(void)m; (void)s; (void)side; (void)e; (void)a;
	l2b_n++;
}

static void l3_cb(mctx_t m, int s, int side, event_t e, filter_arg_t *a)
{
	(void)m; (void)s; (void)side; (void)e; (void)a;
	l3_n++;
}

static void raw_cb(mctx_t m, int sock, int side, event_t e, filter_arg_t *a)
{
	char buf[4];
	struct sockaddr_in sin[2];
	socklen_t len = sizeof(sin);
	struct pkt_info pi;

	(void)m; (void)e; (void)a;
	if (raw_n++)
		return;
	ok(sock == RAW && side == MOS_SIDE_BOTH,
	   "raw socket callback: its own id, side BOTH");
	EXPECT(mtcp_getlastpkt(ctx, sock, side, &pi), 0, 0,
	       "mtcp_getlastpkt(raw)");
	ok(pi.iph != NULL && pi.eth_len == 58,
	   "mtcp_getlastpkt(raw): IPv4 header, 58-byte frame");
	EXPECT(mtcp_peek(ctx, sock, MOS_SIDE_SVR, buf, sizeof(buf)), -1,
	       ENOTSOCK, "mtcp_peek(raw) in its callback");
	EXPECT(mtcp_getpeername(ctx, sock, (struct sockaddr *)sin, &len,
				MOS_SIDE_CLI), -1, ENOTCONN,
	       "mtcp_getpeername(raw) in its callback");
	mtcp_set_uctx(ctx, sock, &l3_n);
	ok(mtcp_get_uctx(ctx, sock) == &l3_n,
	   "mtcp_set_uctx/mtcp_get_uctx round trip (raw)");
	EXPECT(mtcp_raise_event(ctx, ev_alloc), 0, 0,
	       "mtcp_raise_event in a raw callback");
}

static void timer_cb(mctx_t m, int id, int side, event_t e, filter_arg_t *a)
{
	struct pkt_info pi;

	if (id == HOUR_TIMER) {
		hour_n++;
		return;
	}
	timer_n++;
	ok(m == ctx && id == L1 && side == 0 && e == 0 && a == NULL,
	   "timer callback: (ctx, id, 0, 0, NULL)");
	EXPECT(mtcp_getlastpkt(ctx, id, MOS_SIDE_CLI, &pi), -1, ENODATA,
	       "mtcp_getlastpkt in a timer callback");
	EXPECT(mtcp_raise_event(ctx, ev_alloc), -1, EPERM,
	       "mtcp_raise_event in a timer callback (no dispatch)");
	errno = 0;
	ok(mtcp_cb_get_ts(ctx) >= last_ts && errno == 0,
	   "mtcp_cb_get_ts in a timer callback");
}

/* ------------------------------------------------------- main thread */

static void bad_contexts(const char *why, mctx_t bad)
{
	union monitor_filter mf = { .stream_syn_filter = "tcp" };
	struct timeval tv = { 0, 0 };
	char buf[4];
	struct pkt_info pi;
	struct sockaddr sa[2];
	socklen_t len = sizeof(sa);
	int v = 0;

	EXPECT(mtcp_socket(bad, AF_INET, MOS_SOCK_MONITOR_STREAM, 0), -1,
	       EACCES, "mtcp_socket(%s)", why);
	EXPECT(mtcp_close(bad, 0), -1, EACCES, "mtcp_close(%s)", why);
	EXPECT(mtcp_bind_monitor_filter(bad, 0, &mf), -1, EACCES,
	       "mtcp_bind_monitor_filter(%s)", why);
	EXPECT(mtcp_register_callback(bad, 0, MOS_ON_PKT_IN, MOS_HK_SND,
				      nop_cb), -1, EACCES,
	       "mtcp_register_callback(%s)", why);
	EXPECT(mtcp_settimer(bad, 0, &tv, nop_cb), -1, EACCES,
	       "mtcp_settimer(%s)", why);
	EXPECT(mtcp_get_connection_cnt(bad), (uint32_t)-1, EACCES,
	       "mtcp_get_connection_cnt(%s)", why);
	EXPECT(mtcp_setsockopt(bad, 0, SOL_MONSOCKET, MOS_CLIBUF, &v,
			       sizeof(v)), -1, EACCES,
	       "mtcp_setsockopt(%s)", why);
	EXPECT(mtcp_getsockopt(bad, 0, SOL_MONSOCKET, MOS_TCP_STATE_CLI, &v,
			       &len), -1, EACCES,
	       "mtcp_getsockopt(%s)", why);
	EXPECT(mtcp_getsockopt(bad, 0, SOL_SOCKET, SO_ERROR, &v, &len), -1,
	       EACCES, "mtcp_getsockopt(%s, SOL_SOCKET)", why);
	EXPECT(mtcp_peek(bad, 0, MOS_SIDE_SVR, buf, sizeof(buf)), -1, EACCES,
	       "mtcp_peek(%s)", why);
	EXPECT(mtcp_ppeek(bad, 0, MOS_SIDE_SVR, buf, sizeof(buf), 0), -1,
	       EACCES, "mtcp_ppeek(%s)", why);
	EXPECT(mtcp_getlastpkt(bad, 0, MOS_SIDE_CLI, &pi), -1, EACCES,
	       "mtcp_getlastpkt(%s)", why);
	EXPECT_NULL(mtcp_get_uctx(bad, 0), EACCES, "mtcp_get_uctx(%s)", why);
	errno = 0;
	mtcp_set_uctx(bad, 0, &v);
	ok(errno == EACCES, "mtcp_set_uctx(%s) -> EACCES (got %s)", why,
	   apierr_ename(errno));
	EXPECT(mtcp_getpeername(bad, 0, sa, &len, MOS_SIDE_CLI), -1, EACCES,
	       "mtcp_getpeername(%s)", why);
	EXPECT(mtcp_cb_get_ts(bad), 0, EACCES, "mtcp_cb_get_ts(%s)", why);
	EXPECT(mtcp_raise_event(bad, ev_alloc), -1, EACCES,
	       "mtcp_raise_event(%s)", why);
	mtcp_app_join(bad);	/* returns at once, no crash */
}

static void before_init(const char *dir)
{
	char bad[PATH_MAX];
	FILE *f;

	EXPECT_NULL(mtcp_create_context(0), EINVAL,
		    "mtcp_create_context before mtcp_init");
	bad_contexts("NULL context, before mtcp_init", NULL);
	EXPECT(mtcp_init("/nonexistent/dir/mos.conf"), -1, ENOENT,
	       "mtcp_init(missing file)");
	snprintf(bad, sizeof(bad), "%s/apierr-bad.conf", dir);
	f = fopen(bad, "w");
	if (f) {
		fputs("mos = { io = \"pcap\"; this is not libconfig\n", f);
		fclose(f);
		EXPECT(mtcp_init(bad), -1, EINVAL, "mtcp_init(syntax error)");
		unlink(bad);
	}
}

static void conf_checks(void)
{
	struct mtcp_conf c0, c, after;

	EXPECT(mtcp_getconf(NULL), -1, EINVAL, "mtcp_getconf(NULL)");
	EXPECT(mtcp_setconf(NULL), -1, EINVAL, "mtcp_setconf(NULL)");
	EXPECT(mtcp_getconf(&c0), 0, 0, "mtcp_getconf");
	ok(c0.num_cores == 1 && c0.cpu_mask == 1,
	   "mtcp_getconf: one core, cpu_mask 0x1");
	c = c0; c.num_cores = 0;
	EXPECT(mtcp_setconf(&c), -1, EINVAL, "mtcp_setconf(num_cores 0)");
	c = c0; c.num_cores = 2;
	EXPECT(mtcp_setconf(&c), -1, EINVAL,
	       "mtcp_setconf(num_cores 2 with core_mask 0x1)");
	c = c0; c.max_concurrency = 0;
	EXPECT(mtcp_setconf(&c), -1, EINVAL,
	       "mtcp_setconf(max_concurrency 0)");
	c = c0; c.rcvbuf_size = 1000;
	EXPECT(mtcp_setconf(&c), -1, EINVAL, "mtcp_setconf(rcvbuf_size 1000)");
	c = c0; c.rcvbuf_size = 0;
	EXPECT(mtcp_setconf(&c), -1, EINVAL, "mtcp_setconf(rcvbuf_size 0)");
	c = c0; c.sndbuf_size = 0;
	EXPECT(mtcp_setconf(&c), -1, EINVAL, "mtcp_setconf(sndbuf_size 0)");
	c = c0; c.max_concurrency = 4096; c.rcvbuf_size = 3072;
	c.sndbuf_size = 2; c.num_cores = 0;
	EXPECT(mtcp_setconf(&c), -1, EINVAL,
	       "mtcp_setconf(good fields and one bad)");
	mtcp_getconf(&after);
	ok(after.max_concurrency == c0.max_concurrency &&
	   after.rcvbuf_size == c0.rcvbuf_size &&
	   after.sndbuf_size == c0.sndbuf_size &&
	   after.num_cores == c0.num_cores,
	   "a refused mtcp_setconf changes nothing");
	EXPECT(mtcp_setconf(&c0), 0, 0, "mtcp_setconf(unchanged settings)");
}

static void event_checks(void)
{
	char k1[] = "abc", k2[] = "abc", k3[] = "abd";
	filter_arg_t a1 = { k1, 3 }, a2 = { k2, 3 }, a3 = { k3, 3 };
	filter_arg_t nul = { NULL, 0 }, bad = { NULL, 4 };
	event_t e1, e2, e3, e4, child;

	EXPECT(mtcp_define_event(MOS_ON_PKT_IN, NULL, NULL), MOS_NULL_EVENT,
	       EINVAL, "mtcp_define_event(filter NULL)");
	EXPECT(mtcp_define_event(MOS_ON_PKT_IN, yes_filter, &bad),
	       MOS_NULL_EVENT, EINVAL,
	       "mtcp_define_event(arg len 4, arg NULL)");
	EXPECT(mtcp_define_event(MOS_NULL_EVENT, yes_filter, NULL),
	       MOS_NULL_EVENT, EINVAL, "mtcp_define_event(base 0)");
	EXPECT(mtcp_define_event(MOS_ON_PKT_IN | MOS_ON_CONN_START,
				 yes_filter, NULL), MOS_NULL_EVENT, EINVAL,
	       "mtcp_define_event(base with two built-in bits)");
	EXPECT(mtcp_define_event(4096, yes_filter, NULL), MOS_NULL_EVENT,
	       EINVAL, "mtcp_define_event(base 4096 not defined yet)");
	EXPECT(mtcp_define_event(1u << 13, yes_filter, NULL), MOS_NULL_EVENT,
	       EINVAL, "mtcp_define_event(base 1<<13)");
	EXPECT(mtcp_alloc_event(MOS_NULL_EVENT), MOS_NULL_EVENT, EINVAL,
	       "mtcp_alloc_event(0)");
	EXPECT(mtcp_alloc_event(4096), MOS_NULL_EVENT, EINVAL,
	       "mtcp_alloc_event(4096 not defined yet)");
	EXPECT(mtcp_alloc_event(0x3), MOS_NULL_EVENT, EINVAL,
	       "mtcp_alloc_event(two built-in bits)");

	e1 = mtcp_define_event(MOS_ON_PKT_IN, yes_filter, NULL);
	ok(e1 == 4096, "first mtcp_define_event returns 4096 (%llu)",
	   (unsigned long long)e1);
	e2 = mtcp_define_event(MOS_ON_PKT_IN, yes_filter, &nul);
	ok(e2 == e1, "same base, filter and (empty) argument: same id");
	e2 = mtcp_define_event(MOS_ON_PKT_IN, yes_filter, &a1);
	ok(e2 == 4097, "a new argument: id 4097 (%llu)",
	   (unsigned long long)e2);
	e3 = mtcp_define_event(MOS_ON_PKT_IN, yes_filter, &a2);
	ok(e3 == e2, "byte-identical argument at another address: same id");
	e3 = mtcp_define_event(MOS_ON_PKT_IN, yes_filter, &a3);
	ok(e3 == 4098, "different argument bytes: id 4098 (%llu)",
	   (unsigned long long)e3);
	e4 = mtcp_define_event(MOS_ON_PKT_IN, other_filter, &a1);
	ok(e4 == 4099, "different filter: id 4099 (%llu)",
	   (unsigned long long)e4);
	child = mtcp_define_event(e1, yes_filter, NULL);
	ok(child == 4100, "a UDE under a UDE: id 4100 (%llu)",
	   (unsigned long long)child);
	ev_alloc = mtcp_alloc_event(MOS_ON_PKT_IN);
	ok(ev_alloc == 4101, "mtcp_alloc_event: id 4101 (%llu)",
	   (unsigned long long)ev_alloc);
	ok(mtcp_alloc_event(MOS_ON_PKT_IN) == 4102,
	   "mtcp_alloc_event twice: a new id each time");
	ev_ude = e1;
	EXPECT(mtcp_define_event(MOS_ON_CONN_START, yes_filter, NULL), 4103, 0,
	       "mtcp_define_event(MOS_ON_CONN_START)");
	EXPECT(mtcp_raise_event(NULL, ev_alloc), -1, EACCES,
	       "mtcp_raise_event(NULL context) before any context");
}

static void misc_process_checks(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	EXPECT(mtcp_core_affinitize(-1), -1, EINVAL,
	       "mtcp_core_affinitize(-1)");
	EXPECT(mtcp_core_affinitize((int)n), -1, EINVAL,
	       "mtcp_core_affinitize(online CPUs)");
	EXPECT(mtcp_core_affinitize(INT_MAX), -1, EINVAL,
	       "mtcp_core_affinitize(INT_MAX)");
	ok(mtcp_register_signal(SIGINT, nop_sig) == NULL,
	   "mtcp_register_signal(SIGINT) first returns NULL");
	ok(mtcp_register_signal(SIGINT, NULL) == nop_sig,
	   "mtcp_register_signal(SIGINT) returns the stored handler");
	EXPECT(mtcp_register_signal(SIGKILL, SIG_IGN), SIG_ERR, EINVAL,
	       "mtcp_register_signal(SIGKILL)");
	EXPECT(mtcp_register_signal(9999, SIG_IGN), SIG_ERR, EINVAL,
	       "mtcp_register_signal(9999)");
}

static void socket_checks(void)
{
	union monitor_filter mf;
	struct timeval tv;
	int v;

	EXPECT(mtcp_socket(ctx, AF_INET6, MOS_SOCK_MONITOR_STREAM, 0), -1,
	       EAFNOSUPPORT, "mtcp_socket(AF_INET6)");
	EXPECT(mtcp_socket(ctx, AF_UNIX, MOS_SOCK_MONITOR_RAW, 0), -1,
	       EAFNOSUPPORT, "mtcp_socket(AF_UNIX)");
	EXPECT(mtcp_socket(ctx, AF_INET, 0, 0), -1, EINVAL,
	       "mtcp_socket(type 0)");
	EXPECT(mtcp_socket(ctx, AF_INET, MOS_SOCK_MONITOR_STREAM_ACTIVE, 0),
	       -1, EINVAL, "mtcp_socket(MOS_SOCK_MONITOR_STREAM_ACTIVE)");
	EXPECT(mtcp_socket(ctx, AF_INET, MOS_SOCK_EPOLL, 0), -1, EINVAL,
	       "mtcp_socket(MOS_SOCK_EPOLL)");
	EXPECT(mtcp_socket(ctx, AF_INET, 999, 0), -1, EINVAL,
	       "mtcp_socket(type 999)");
	/* SOCK_STREAM / MOS_SOCK_STREAM: libmos.host/t_hostapi */

	L1 = mtcp_socket(ctx, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);
	ok(L1 == 0, "the first socket of a fresh context gets id 0 (%d)", L1);
	L2 = mtcp_socket(ctx, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);
	L3 = mtcp_socket(ctx, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);
	RAW = mtcp_socket(ctx, AF_INET, MOS_SOCK_MONITOR_RAW, 0);
	CLOSED_ID = mtcp_socket(ctx, AF_INET, MOS_SOCK_MONITOR_RAW, 0);
	ok(L2 > L1 && L3 > L2 && RAW > L3 && CLOSED_ID > RAW,
	   "five monitor sockets: distinct ids (%d %d %d %d %d)", L1, L2, L3,
	   RAW, CLOSED_ID);
	EXPECT(mtcp_close(ctx, CLOSED_ID), 0, 0, "mtcp_close(raw socket)");
	EXPECT(mtcp_close(ctx, CLOSED_ID), -1, EBADF,
	       "mtcp_close(closed socket)");
	EXPECT(mtcp_close(ctx, -1), -1, EBADF, "mtcp_close(-1)");
	EXPECT(mtcp_close(ctx, INT_MAX), -1, EBADF, "mtcp_close(INT_MAX)");

	/* EPERM: callback-only calls from the main thread, before EBADF */
	{
		char buf[4];
		struct pkt_info pi;
		struct sockaddr sa[2];
		socklen_t len = sizeof(sa);
		socklen_t vlen = sizeof(v);

		EXPECT(mtcp_peek(ctx, L1, MOS_SIDE_SVR, buf, 4), -1, EPERM,
		       "mtcp_peek from the main thread");
		EXPECT(mtcp_peek(ctx, -1, 7, NULL, 4), -1, EPERM,
		       "mtcp_peek(sock -1) from the main thread: thread "
		       "before socket");
		EXPECT(mtcp_ppeek(ctx, L1, MOS_SIDE_SVR, buf, 4, 0), -1,
		       EPERM, "mtcp_ppeek from the main thread");
		EXPECT(mtcp_getlastpkt(ctx, L1, MOS_SIDE_CLI, &pi), -1,
		       EPERM, "mtcp_getlastpkt from the main thread");
		EXPECT_NULL(mtcp_get_uctx(ctx, L1), EPERM,
			    "mtcp_get_uctx from the main thread");
		errno = 0;
		mtcp_set_uctx(ctx, L1, &v);
		ok(errno == EPERM,
		   "mtcp_set_uctx from the main thread -> EPERM (got %s)",
		   apierr_ename(errno));
		EXPECT(mtcp_getpeername(ctx, L1, sa, &len, MOS_SIDE_CLI), -1,
		       EPERM, "mtcp_getpeername from the main thread");
		EXPECT(mtcp_getsockopt(ctx, L1, SOL_MONSOCKET,
				       MOS_TCP_STATE_CLI, &v, &vlen), -1,
		       EPERM, "mtcp_getsockopt(SOL_MONSOCKET) from the main "
		       "thread");
		EXPECT(mtcp_getsockopt(ctx, -5, SOL_MONSOCKET,
				       MOS_TCP_STATE_CLI, &v, &vlen), -1,
		       EPERM, "mtcp_getsockopt(sock -5) from the main thread");
		EXPECT(mtcp_cb_get_ts(ctx), 0, EPERM,
		       "mtcp_cb_get_ts from the main thread");
		EXPECT(mtcp_raise_event(ctx, ev_alloc), -1, EPERM,
		       "mtcp_raise_event outside a dispatch");
		/* SOL_SOCKET: not callback-only; id, then kind */
		EXPECT(mtcp_getsockopt(ctx, -1, SOL_SOCKET, SO_ERROR, &v,
				       &vlen), -1, EBADF,
		       "mtcp_getsockopt(sock -1, SOL_SOCKET)");
		EXPECT(mtcp_getsockopt(ctx, L1, SOL_SOCKET, SO_ERROR, &v,
				       &vlen), -1, ENOTSOCK,
		       "mtcp_getsockopt(listener, SOL_SOCKET, SO_ERROR)");
		EXPECT(mtcp_getsockopt(ctx, L1, 12345, 1, &v, &vlen), -1,
		       ENOSYS, "mtcp_getsockopt(level 12345)");
	}

	/* bind_monitor_filter */
	memset(&mf, 0, sizeof(mf));
	EXPECT(mtcp_bind_monitor_filter(ctx, L1, NULL), 0, 0,
	       "mtcp_bind_monitor_filter(ft NULL)");
	EXPECT(mtcp_bind_monitor_filter(ctx, L1, &mf), 0, 0,
	       "mtcp_bind_monitor_filter(both members NULL)");
	mf.stream_syn_filter = "udp";
	EXPECT(mtcp_bind_monitor_filter(ctx, L1, &mf), -1, EINVAL,
	       "mtcp_bind_monitor_filter(stream filter 'udp')");
	mf.stream_syn_filter = "tcp and and";
	EXPECT(mtcp_bind_monitor_filter(ctx, L1, &mf), -1, EINVAL,
	       "mtcp_bind_monitor_filter(filter that does not compile)");
	mf.stream_syn_filter = "not tcp";
	EXPECT(mtcp_bind_monitor_filter(ctx, L1, &mf), -1, EINVAL,
	       "mtcp_bind_monitor_filter(stream filter 'not tcp')");
	mf.stream_syn_filter = NULL;
	mf.stream_orphan_filter = "icmp";
	EXPECT(mtcp_bind_monitor_filter(ctx, L1, &mf), -1, EINVAL,
	       "mtcp_bind_monitor_filter(orphan filter 'icmp')");
	mf.stream_syn_filter = "tcp port 80";
	mf.stream_orphan_filter = "tcp";
	EXPECT(mtcp_bind_monitor_filter(ctx, L1, &mf), 0, 0,
	       "mtcp_bind_monitor_filter(L1, 'tcp port 80')");
	memset(&mf, 0, sizeof(mf));
	mf.raw_pkt_filter = "ip and not udp";
	EXPECT(mtcp_bind_monitor_filter(ctx, RAW, &mf), 0, 0,
	       "mtcp_bind_monitor_filter(raw, any expression)");
	mf.raw_pkt_filter = "ip and (";
	EXPECT(mtcp_bind_monitor_filter(ctx, RAW, &mf), -1, EINVAL,
	       "mtcp_bind_monitor_filter(raw, does not compile)");
	EXPECT(mtcp_bind_monitor_filter(ctx, -1, &mf), -1, EBADF,
	       "mtcp_bind_monitor_filter(sock -1)");
	EXPECT(mtcp_bind_monitor_filter(ctx, CLOSED_ID, &mf), -1, EBADF,
	       "mtcp_bind_monitor_filter(closed socket)");
	EXPECT(mtcp_bind_monitor_filter(ctx, 1 << 30, NULL), -1, EBADF,
	       "mtcp_bind_monitor_filter(sock 1<<30, ft NULL): id first");

	/* settimer */
	tv.tv_sec = 0;
	tv.tv_usec = 0;
	EXPECT(mtcp_settimer(ctx, 1, NULL, timer_cb), -1, EINVAL,
	       "mtcp_settimer(timeout NULL)");
	EXPECT(mtcp_settimer(ctx, 1, &tv, NULL), -1, EINVAL,
	       "mtcp_settimer(cb NULL)");
	tv.tv_sec = -1;
	EXPECT(mtcp_settimer(ctx, 1, &tv, timer_cb), -1, EINVAL,
	       "mtcp_settimer(tv_sec -1)");
	tv.tv_sec = 0;
	tv.tv_usec = -1;
	EXPECT(mtcp_settimer(ctx, 1, &tv, timer_cb), -1, EINVAL,
	       "mtcp_settimer(tv_usec -1)");
	tv.tv_usec = 500;
	EXPECT(mtcp_settimer(ctx, L1, &tv, timer_cb), 0, 0,
	       "mtcp_settimer(500 us)");
	tv.tv_sec = 3600;
	EXPECT(mtcp_settimer(ctx, HOUR_TIMER, &tv, timer_cb), 0, 0,
	       "mtcp_settimer(1 hour, never due in the capture)");
	EXPECT(mtcp_get_connection_cnt(ctx), 0, 0,
	       "mtcp_get_connection_cnt before the run");
}

static void callback_checks(void)
{
	int v;

	EXPECT(mtcp_register_callback(ctx, L1, MOS_NULL_EVENT, MOS_HK_SND,
				      nop_cb), -1, EINVAL,
	       "mtcp_register_callback(event 0)");
	EXPECT(mtcp_register_callback(ctx, L1,
				      MOS_ON_PKT_IN | MOS_ON_CONN_START,
				      MOS_HK_SND, nop_cb), -1, EINVAL,
	       "mtcp_register_callback(two built-in bits)");
	EXPECT(mtcp_register_callback(ctx, L1, 5000, MOS_HK_SND, nop_cb), -1,
	       EINVAL, "mtcp_register_callback(unknown UDE 5000)");
	EXPECT(mtcp_register_callback(ctx, L1, (1u << 13) | 1, MOS_HK_SND,
				      nop_cb), -1, EINVAL,
	       "mtcp_register_callback(unknown event 0x2001)");
	EXPECT(mtcp_register_callback(ctx, L1, MOS_ON_PKT_IN, 0, nop_cb), -1,
	       EINVAL, "mtcp_register_callback(hook 0)");
	EXPECT(mtcp_register_callback(ctx, L1, MOS_ON_PKT_IN,
				      MOS_HK_RCV | MOS_NULL, nop_cb), -1,
	       EINVAL, "mtcp_register_callback(hook RCV|NULL)");
	EXPECT(mtcp_register_callback(ctx, L1, MOS_ON_PKT_IN, 12345, nop_cb),
	       -1, EINVAL, "mtcp_register_callback(hook 12345)");
	{
		static const struct { event_t ev; int hook; const char *n; }
		bad[] = {
			{ MOS_ON_CONN_START, MOS_NULL, "CONN_START at NULL" },
			{ MOS_ON_REXMIT, MOS_NULL, "REXMIT at NULL" },
			{ MOS_ON_TCP_STATE_CHANGE, MOS_NULL,
			  "TCP_STATE_CHANGE at NULL" },
			{ MOS_ON_CONN_END, MOS_NULL, "CONN_END at NULL" },
			{ MOS_ON_CONN_NEW_DATA, MOS_HK_RCV,
			  "NEW_DATA at HK_RCV" },
			{ MOS_ON_CONN_NEW_DATA, MOS_HK_SND,
			  "NEW_DATA at HK_SND" },
			{ MOS_ON_ORPHAN, MOS_HK_RCV, "ORPHAN at HK_RCV" },
			{ MOS_ON_ORPHAN, MOS_HK_SND, "ORPHAN at HK_SND" },
			{ MOS_ON_ERROR, MOS_HK_RCV, "ERROR at HK_RCV" },
			{ MOS_ON_ERROR, MOS_HK_SND, "ERROR at HK_SND" },
		};
		static const struct { event_t ev; int hook; const char *n; }
		good[] = {
			{ MOS_ON_PKT_IN, MOS_NULL, "PKT_IN at NULL" },
			{ MOS_ON_PKT_OUT, MOS_HK_SND, "PKT_OUT at HK_SND" },
			{ MOS_ON_CONN_SETUP, MOS_HK_RCV,
			  "CONN_SETUP at HK_RCV" },
			{ MOS_ON_TIMEOUT, MOS_NULL, "TIMEOUT at NULL" },
			{ MOS_ON_REXMIT, MOS_HK_SND, "REXMIT at HK_SND" },
			{ MOS_ON_CONN_END, MOS_HK_SND, "CONN_END at HK_SND" },
			{ MOS_ON_DEBUG_MESSAGE, MOS_NULL,
			  "DEBUG_MESSAGE at NULL" },
		};
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			EXPECT(mtcp_register_callback(ctx, L3, bad[i].ev,
						      bad[i].hook, nop_cb),
			       -1, EINVAL, "mtcp_register_callback(%s)",
			       bad[i].n);
		for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
			EXPECT(mtcp_register_callback(ctx, L3, good[i].ev,
						      good[i].hook, nop_cb),
			       0, 0, "mtcp_register_callback(%s)",
			       good[i].n);
	}
	/* a UDE follows its root built-in event (CONN_START: not NULL) */
	EXPECT(mtcp_register_callback(ctx, L3, 4103, MOS_NULL, nop_cb), -1,
	       EINVAL, "mtcp_register_callback(UDE of CONN_START at NULL)");
	EXPECT(mtcp_register_callback(ctx, L3, 4100, MOS_NULL, nop_cb), 0, 0,
	       "mtcp_register_callback(UDE of a PKT_IN UDE at NULL)");
	EXPECT(mtcp_register_callback(ctx, L3, MOS_ON_PKT_IN, MOS_HK_SND,
				      l3_cb), 0, 0,
	       "mtcp_register_callback(L3, PKT_IN at HK_SND)");
	/* raw sockets accept MOS_NULL only */
	EXPECT(mtcp_register_callback(ctx, RAW, MOS_ON_PKT_IN, MOS_HK_SND,
				      raw_cb), -1, EINVAL,
	       "mtcp_register_callback(raw, PKT_IN at HK_SND)");
	EXPECT(mtcp_register_callback(ctx, RAW, MOS_ON_PKT_IN, MOS_HK_RCV,
				      raw_cb), -1, EINVAL,
	       "mtcp_register_callback(raw, PKT_IN at HK_RCV)");
	EXPECT(mtcp_register_callback(ctx, RAW, MOS_ON_PKT_IN, MOS_NULL,
				      raw_cb), 0, 0,
	       "mtcp_register_callback(raw, PKT_IN at NULL)");
	/* removal */
	EXPECT(mtcp_register_callback(ctx, L1, MOS_ON_ORPHAN, MOS_NULL, NULL),
	       -1, EINVAL, "mtcp_register_callback(cb NULL, nothing there)");
	EXPECT(mtcp_register_callback(ctx, L1, ev_alloc, MOS_HK_RCV, NULL),
	       -1, EINVAL,
	       "mtcp_register_callback(UDE, cb NULL, nothing there)");
	EXPECT(mtcp_register_callback(ctx, L3, MOS_ON_TIMEOUT, MOS_NULL,
				      NULL), 0, 0,
	       "mtcp_register_callback(cb NULL) removes a registration");
	EXPECT(mtcp_register_callback(ctx, L3, MOS_ON_TIMEOUT, MOS_NULL,
				      NULL), -1, EINVAL,
	       "mtcp_register_callback(cb NULL) after removal");
	/* id errors */
	EXPECT(mtcp_register_callback(ctx, -1, MOS_ON_PKT_IN, MOS_HK_SND,
				      nop_cb), -1, EBADF,
	       "mtcp_register_callback(sock -1)");
	EXPECT(mtcp_register_callback(ctx, CLOSED_ID, MOS_ON_PKT_IN,
				      MOS_HK_SND, nop_cb), -1, EBADF,
	       "mtcp_register_callback(closed socket)");
	EXPECT(mtcp_register_callback(ctx, INT_MAX, 0, 0, NULL), -1, EBADF,
	       "mtcp_register_callback(sock INT_MAX, bad arguments): id "
	       "first");

	/* the registrations the run uses */
	EXPECT(mtcp_register_callback(ctx, L1, MOS_ON_PKT_IN, MOS_HK_SND,
				      l1_pkt_snd), 0, 0,
	       "mtcp_register_callback(L1, PKT_IN at HK_SND)");
	EXPECT(mtcp_register_callback(ctx, L1, ev_alloc, MOS_HK_SND,
				      l1_alloc), 0, 0,
	       "mtcp_register_callback(L1, allocated event at HK_SND)");
	EXPECT(mtcp_register_callback(ctx, L1, MOS_ON_CONN_NEW_DATA, MOS_NULL,
				      l1_newdata), 0, 0,
	       "mtcp_register_callback(L1, NEW_DATA at NULL)");
	EXPECT(mtcp_register_callback(ctx, L1, MOS_ON_CONN_END, MOS_HK_RCV,
				      l1_end), 0, 0,
	       "mtcp_register_callback(L1, CONN_END at HK_RCV)");
	EXPECT(mtcp_register_callback(ctx, L2, MOS_ON_PKT_IN, MOS_HK_SND,
				      l2_a), 0, 0,
	       "mtcp_register_callback(L2, PKT_IN at HK_SND, cb a)");
	EXPECT(mtcp_register_callback(ctx, L2, MOS_ON_PKT_IN, MOS_HK_SND,
				      l2_b), 0, 0,
	       "mtcp_register_callback(L2, same pair, cb b) replaces");

	/* setsockopt on listeners and raw sockets */
	v = MOS_SIDE_BOTH;
	EXPECT(mtcp_setsockopt(ctx, L1, SOL_MONSOCKET, MOS_STOP_MON, &v,
			       sizeof(v)), -1, EPERM,
	       "mtcp_setsockopt(listener, MOS_STOP_MON)");
	EXPECT(mtcp_setsockopt(ctx, L1, SOL_MONSOCKET, MOS_STOP_MON, &v, 1),
	       -1, EPERM,
	       "mtcp_setsockopt(listener, MOS_STOP_MON, optlen 1): kind "
	       "first");
	v = MOS_OVERLAP_POLICY_LAST;
	EXPECT(mtcp_setsockopt(ctx, L1, SOL_MONSOCKET, MOS_CLIOVERLAP, &v,
			       sizeof(v)), -1, ENOTSOCK,
	       "mtcp_setsockopt(listener, MOS_CLIOVERLAP)");
	EXPECT(mtcp_setsockopt(ctx, L1, SOL_MONSOCKET, MOS_SVROVERLAP, NULL,
			       0), -1, ENOTSOCK,
	       "mtcp_setsockopt(listener, MOS_SVROVERLAP, optval NULL): "
	       "kind first");
	v = 0;
	EXPECT(mtcp_setsockopt(ctx, RAW, SOL_MONSOCKET, MOS_CLIBUF, &v,
			       sizeof(v)), -1, ENOTSOCK,
	       "mtcp_setsockopt(raw, MOS_CLIBUF)");
	EXPECT(mtcp_setsockopt(ctx, L1, SOL_MONSOCKET, MOS_CLIBUF, &v, 2), -1,
	       EINVAL, "mtcp_setsockopt(listener, MOS_CLIBUF, optlen 2)");
	EXPECT(mtcp_setsockopt(ctx, L1, SOL_MONSOCKET, MOS_CLIBUF, NULL,
			       sizeof(v)), -1, EINVAL,
	       "mtcp_setsockopt(listener, MOS_CLIBUF, optval NULL)");
	v = -1;
	EXPECT(mtcp_setsockopt(ctx, L1, SOL_MONSOCKET, MOS_SVRBUF, &v,
			       sizeof(v)), -1, EINVAL,
	       "mtcp_setsockopt(listener, MOS_SVRBUF, -1)");
	EXPECT(mtcp_setsockopt(ctx, L1, SOL_MONSOCKET, MOS_SEQ_REMAP, &v,
			       sizeof(v)), -1, ENOSYS,
	       "mtcp_setsockopt(listener, MOS_SEQ_REMAP)");
	EXPECT(mtcp_setsockopt(ctx, L1, SOL_MONSOCKET, MOS_FRAG_CLIBUF, &v,
			       sizeof(v)), -1, ENOSYS,
	       "mtcp_setsockopt(listener, MOS_FRAG_CLIBUF)");
	EXPECT(mtcp_setsockopt(ctx, L1, SOL_MONSOCKET, 0x7f, &v, sizeof(v)),
	       -1, ENOSYS, "mtcp_setsockopt(listener, unknown optname)");
	EXPECT(mtcp_setsockopt(ctx, L1, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)),
	       -1, ENOSYS, "mtcp_setsockopt(SOL_SOCKET)");
	EXPECT(mtcp_setsockopt(ctx, L1, 12345, MOS_CLIBUF, &v, sizeof(v)), -1,
	       ENOSYS, "mtcp_setsockopt(level 12345)");
	EXPECT(mtcp_setsockopt(ctx, -1, SOL_MONSOCKET, MOS_CLIBUF, &v,
			       sizeof(v)), -1, EBADF,
	       "mtcp_setsockopt(sock -1)");
	EXPECT(mtcp_setsockopt(ctx, CLOSED_ID, SOL_MONSOCKET, MOS_CLIBUF, &v,
			       sizeof(v)), -1, EBADF,
	       "mtcp_setsockopt(closed socket)");
	v = 16384;
	EXPECT(mtcp_setsockopt(ctx, L1, SOL_MONSOCKET, MOS_SVRBUF, &v,
			       sizeof(v)), 0, 0,
	       "mtcp_setsockopt(listener, MOS_SVRBUF, 16384)");

	/* L3 is closed before the run: its callbacks never run */
	EXPECT(mtcp_close(ctx, L3), 0, 0, "mtcp_close(listener L3)");
	EXPECT(mtcp_register_callback(ctx, L3, MOS_ON_PKT_IN, MOS_HK_SND,
				      l3_cb), -1, EBADF,
	       "mtcp_register_callback(closed listener)");
}

static void after_run(void)
{
	ok(pkt_n == NPKTS, "L1 saw %d of %d packets at HK_SND", pkt_n, NPKTS);
	ok(pf_rcv_n == NPKTS,
	   "a per-flow registration made at the SYN's HK_SND saw all %d "
	   "packets at HK_RCV (%d)", NPKTS, pf_rcv_n);
	ok(raw_n == NPKTS, "the raw socket saw %d frames (%d)", NPKTS, raw_n);
	ok(ts_bad == 0, "mtcp_cb_get_ts = pkt_info.cur_ts * 1000 in every "
	   "callback (%d bad)", ts_bad);
	ok(ts_backwards == 0, "mtcp_cb_get_ts never goes backwards (%d)",
	   ts_backwards);
	ok(stamp_bad == 0, "MOS_TIMESTAMP = mtcp_cb_get_ts at each packet "
	   "(%d bad)", stamp_bad);
	ok(last_ts == (uint32_t)(1700000000002ull * 1000u),
	   "mtcp_cb_get_ts at the last packet is the capture's time (%u)",
	   last_ts);
	ok(cnt_bad == 0, "mtcp_get_connection_cnt is 1 during the flow");
	ok(fin_seen, "the client's FIN was seen");
	ok(alloc_n == 1 && alloc_pkt == 5,
	   "allocated event raised twice at packet 5: delivered once "
	   "(%d, at packet %d)", alloc_n, alloc_pkt);
	ok(l2a_n == 0, "a replaced registration never runs (%d)", l2a_n);
	ok(l2_at_close == 4 && l2b_n == l2_at_close,
	   "mtcp_close on L2 at packet 5 stopped its callbacks (%d, %d)",
	   l2_at_close, l2b_n);
	ok(l3_n == 0, "a listener closed before the run got no callback");
	ok(newdata_n > 0, "NEW_DATA delivered (%d)", newdata_n);
	ok(end_n == 2, "CONN_END delivered for both sides (%d)", end_n);
	ok(timer_n == 1 && hour_n == 0,
	   "the 500 us timer fired once, the 1 h one not (%d, %d)",
	   timer_n, hour_n);
}

int main(int argc, char **argv)
{
	const char *conf;
	const char *tmp = getenv("TMPDIR");
	struct mtcp_conf mc;
	mctx_t dead;
	struct mtcp_context fake = { 0 };

	if (argc != 2) {
		fprintf(stderr, "usage: %s CAPTURE\n", argv[0]);
		return 2;
	}
	before_init(tmp && *tmp ? tmp : "/tmp");
	conf = apierr_write_conf(argv[1], 0);
	if (!conf) {
		ok(0, "write the capture configuration");
		return tap_done();
	}
	EXPECT(mtcp_init(conf), 0, 0, "mtcp_init(pcap configuration)");
	EXPECT(mtcp_init(conf), -1, EALREADY, "mtcp_init twice");
	unlink(conf);
	conf_checks();
	event_checks();
	misc_process_checks();

	EXPECT_NULL(mtcp_create_context(-1), EINVAL, "mtcp_create_context(-1)");
	EXPECT_NULL(mtcp_create_context(1), EINVAL,
		    "mtcp_create_context(1) with num_cores 1");
	EXPECT_NULL(mtcp_create_context(64), EINVAL,
		    "mtcp_create_context(64)");
	EXPECT_NULL(mtcp_create_context(INT_MAX), EINVAL,
		    "mtcp_create_context(INT_MAX)");
	bad_contexts("NULL context, no context yet", NULL);
	ctx = mtcp_create_context(0);
	ok(ctx && ctx->cpu == 0, "mtcp_create_context(0)");
	if (!ctx)
		return tap_done();
	EXPECT_NULL(mtcp_create_context(0), EEXIST, "mtcp_create_context(0) "
		    "twice");
	EXPECT(mtcp_setconf((mtcp_getconf(&mc), &mc)), -1, EBUSY,
	       "mtcp_setconf after a context exists");
	EXPECT(mtcp_getconf(&mc), 0, 0, "mtcp_getconf after a context exists");
	EXPECT(mtcp_destroy(), -1, EBUSY, "mtcp_destroy while a context runs");
	EXPECT(mtcp_define_event(MOS_ON_PKT_IN, yes_filter, NULL), 4096, 0,
	       "mtcp_define_event of an existing definition");

	bad_contexts("NULL context", NULL);
	bad_contexts("garbage pointer", (mctx_t)(uintptr_t)0xdeadbeef);
	bad_contexts("pointer into the context", (mctx_t)((char *)ctx + 1));
	bad_contexts("look-alike context {cpu 0}", &fake);

	socket_checks();
	callback_checks();

	mtcp_app_join(ctx);
	after_run();

	/* the context has stopped */
	bad_contexts("stopped context", ctx);
	EXPECT(mtcp_destroy_context(NULL), -1, EACCES,
	       "mtcp_destroy_context(NULL)");
	EXPECT(mtcp_destroy_context(&fake), -1, EACCES,
	       "mtcp_destroy_context(look-alike)");
	dead = ctx;
	mtcp_destroy_context(ctx);	/* frees it (return not asserted) */
	bad_contexts("destroyed context", dead);
	EXPECT(mtcp_destroy_context(dead), -1, EACCES,
	       "mtcp_destroy_context twice");
	EXPECT(mtcp_destroy(), 0, 0, "mtcp_destroy");
	EXPECT_NULL(mtcp_create_context(0), EINVAL,
		    "mtcp_create_context after mtcp_destroy");
	return tap_done();
}
