/*
 * t_headers: every type, field, macro and constant of the three public
 * headers exists, has the type API.md section 2 gives it, and has its
 * value and LP64 layout.  Function prototypes are checked by t_protos.c
 * (compiled, never linked, so calls not yet implemented do not matter).
 */
#include <mos_api.h>

#include <limits.h>
#include <stddef.h>
#include <string.h>
#include "tap.h"

#if !defined(MOS_API_H) || !defined(MTCP_API_H) || !defined(MTCP_EPOLL_H)
#error "<mos_api.h> must pull in <mtcp_epoll.h> and <mtcp_api.h>"
#endif
#if !defined(__MTCP_MANAGER) || !defined(__SOCKET_MAP)
#error "guard macros __MTCP_MANAGER and __SOCKET_MAP must be defined"
#endif
#ifndef MTCP_CB_GETCURPKT_CREATE_COPY
#error "MTCP_CB_GETCURPKT_CREATE_COPY must be defined"
#endif

#define STR_(x) #x
#define STR(x) STR_(x)

/* 1 if EXPR has type T (no decay: callers pass addresses for arrays). */
#define IS_TYPE(expr, T) _Generic((expr), T: 1, default: 0)
/* 1 if field F of aggregate S has type T. */
#define FIELD_IS(S, F, T) IS_TYPE(&((S *)0)->F, T *)

#define ASSERT_FIELD(S, F, T, OFF) \
	_Static_assert(FIELD_IS(S, F, T), #S "." #F " has type " #T); \
	_Static_assert(offsetof(S, F) == (OFF), #S "." #F " at " #OFF)

/* ---- typedefs ---- */
typedef uint64_t conf_mask_arr[MOS_APP];
typedef char *conf_argv_arr[MOS_APP][MOS_APP_ARGC];
typedef int conf_argc_arr[MOS_APP];
typedef void (*app_init_fn)(int, char **);
typedef void (*thread_fn)(mctx_t, void **);

_Static_assert(IS_TYPE((byte)0, unsigned char), "byte is unsigned char");
_Static_assert(IS_TYPE((mctx_t)0, struct mtcp_context *), "mctx_t");
_Static_assert(IS_TYPE((mtcp_sighandler_t)0, void (*)(int)),
	       "mtcp_sighandler_t");
_Static_assert(IS_TYPE((mtcp_manager_t)0, struct mtcp_manager *),
	       "mtcp_manager_t");
_Static_assert(IS_TYPE((socket_map_t)0, struct socket_map *), "socket_map_t");
_Static_assert(IS_TYPE((event_t)0, uint64_t), "event_t is uint64_t");
_Static_assert(IS_TYPE((monitor_filter_t)0, union monitor_filter *),
	       "monitor_filter_t");
_Static_assert(IS_TYPE((filter_arg_t *)0, struct filter_arg *),
	       "filter_arg_t is struct filter_arg");
_Static_assert(IS_TYPE((mtcp_epoll_data_t *)0, union mtcp_epoll_data *),
	       "mtcp_epoll_data_t is union mtcp_epoll_data");
_Static_assert(IS_TYPE((callback_t)0,
		       void (*)(mctx_t, int, int, event_t, filter_arg_t *)),
	       "callback_t");
_Static_assert(IS_TYPE((filter_t)0,
		       bool (*)(mctx_t, int, int, event_t, filter_arg_t *)),
	       "filter_t");
_Static_assert(IS_TYPE(INPORT_ANY, uint16_t), "INPORT_ANY is a uint16_t");

/* ---- struct mtcp_context, mtcp_conf, app_context, app_ops ---- */
ASSERT_FIELD(struct mtcp_context, cpu, int, 0);
_Static_assert(sizeof(struct mtcp_context) == 4, "sizeof mtcp_context");

ASSERT_FIELD(struct mtcp_conf, num_cores, int, 0);
ASSERT_FIELD(struct mtcp_conf, max_concurrency, int, 4);
ASSERT_FIELD(struct mtcp_conf, cpu_mask, uint64_t, 8);
ASSERT_FIELD(struct mtcp_conf, max_num_buffers, int, 16);
ASSERT_FIELD(struct mtcp_conf, rcvbuf_size, int, 20);
ASSERT_FIELD(struct mtcp_conf, sndbuf_size, int, 24);
ASSERT_FIELD(struct mtcp_conf, tcp_timewait, int, 28);
ASSERT_FIELD(struct mtcp_conf, tcp_timeout, int, 32);
ASSERT_FIELD(struct mtcp_conf, app_cpu_mask, conf_mask_arr, 40);
ASSERT_FIELD(struct mtcp_conf, app_argv, conf_argv_arr, 200);
ASSERT_FIELD(struct mtcp_conf, app_argc, conf_argc_arr, 3400);
ASSERT_FIELD(struct mtcp_conf, num_app, int, 3480);
_Static_assert(sizeof(struct mtcp_conf) == 3488, "sizeof mtcp_conf 3488");

ASSERT_FIELD(struct app_context, mctx, mctx_t, 0);
ASSERT_FIELD(struct app_context, socket_id, int, 8);
ASSERT_FIELD(struct app_context, cf, struct conn_filter *, 16);
ASSERT_FIELD(struct app_context, ep_id, int, 24);

ASSERT_FIELD(struct app_ops, app_init, app_init_fn, 0);
ASSERT_FIELD(struct app_ops, thread_init, thread_fn, 8);
ASSERT_FIELD(struct app_ops, run, thread_fn, 16);
ASSERT_FIELD(struct app_ops, enable, int, 24);

/* ---- epoll types ---- */
ASSERT_FIELD(union mtcp_epoll_data, ptr, void *, 0);
ASSERT_FIELD(union mtcp_epoll_data, sock, int, 0);
ASSERT_FIELD(union mtcp_epoll_data, u32, uint32_t, 0);
ASSERT_FIELD(union mtcp_epoll_data, u64, uint64_t, 0);
_Static_assert(sizeof(mtcp_epoll_data_t) == 8, "sizeof mtcp_epoll_data_t");
ASSERT_FIELD(struct mtcp_epoll_event, events, uint64_t, 0);
ASSERT_FIELD(struct mtcp_epoll_event, data, mtcp_epoll_data_t, 8);
_Static_assert(sizeof(struct mtcp_epoll_event) == 16,
	       "sizeof mtcp_epoll_event 16");

/* ---- mos_api.h structures ---- */
ASSERT_FIELD(struct pkt_info, cur_ts, uint32_t, 0);
ASSERT_FIELD(struct pkt_info, in_ifidx, int8_t, 4);
ASSERT_FIELD(struct pkt_info, eth_len, uint16_t, 6);
ASSERT_FIELD(struct pkt_info, ip_len, uint16_t, 8);
ASSERT_FIELD(struct pkt_info, offset, uint64_t, 16);
ASSERT_FIELD(struct pkt_info, payloadlen, uint16_t, 24);
ASSERT_FIELD(struct pkt_info, seq, uint32_t, 28);
ASSERT_FIELD(struct pkt_info, ack_seq, uint32_t, 32);
ASSERT_FIELD(struct pkt_info, window, uint16_t, 36);
ASSERT_FIELD(struct pkt_info, ethh, struct ethhdr *, 40);
ASSERT_FIELD(struct pkt_info, iph, struct iphdr *, 48);
ASSERT_FIELD(struct pkt_info, tcph, struct tcphdr *, 56);
ASSERT_FIELD(struct pkt_info, payload, uint8_t *, 64);
_Static_assert(sizeof(struct pkt_info) == 72, "sizeof pkt_info 72");
_Static_assert(PKT_INFO_LEN == 40, "PKT_INFO_LEN 40");
_Static_assert(PKT_INFO_LEN == offsetof(struct pkt_info, ethh),
	       "PKT_INFO_LEN is the offset of ethh");

ASSERT_FIELD(struct pkt_ctx, p, struct pkt_info, 0);
ASSERT_FIELD(struct pkt_ctx, direction, int8_t, 72);
ASSERT_FIELD(struct pkt_ctx, forward, uint8_t, 73);
ASSERT_FIELD(struct pkt_ctx, out_ifidx, int8_t, 74);
ASSERT_FIELD(struct pkt_ctx, batch_index, int8_t, 75);
_Static_assert(sizeof(struct pkt_ctx) == 80, "sizeof pkt_ctx 80");

ASSERT_FIELD(seq_remap_info, seq_off, int64_t, 0);
ASSERT_FIELD(seq_remap_info, side, int, 8);
ASSERT_FIELD(seq_remap_info, base_seq, uint32_t, 12);

ASSERT_FIELD(struct filter_arg, arg, void *, 0);
ASSERT_FIELD(struct filter_arg, len, size_t, 8);
_Static_assert(sizeof(filter_arg_t) == 16, "sizeof filter_arg_t");

ASSERT_FIELD(struct tcp_buf_info, tcpbi_init_seq, uint32_t, 0);
ASSERT_FIELD(struct tcp_buf_info, tcpbi_last_byte_read, uint32_t, 4);
ASSERT_FIELD(struct tcp_buf_info, tcpbi_next_byte_expected, uint32_t, 8);
ASSERT_FIELD(struct tcp_buf_info, tcpbi_last_byte_received, uint32_t, 12);
_Static_assert(sizeof(struct tcp_buf_info) == 16, "sizeof tcp_buf_info 16");

ASSERT_FIELD(struct tcp_ring_fragment, offset, uint64_t, 0);
ASSERT_FIELD(struct tcp_ring_fragment, len, uint32_t, 8);
_Static_assert(sizeof(struct tcp_ring_fragment) == 16,
	       "sizeof tcp_ring_fragment 16");

ASSERT_FIELD(union monitor_filter, raw_pkt_filter, char *, 0);
ASSERT_FIELD(union monitor_filter, stream_syn_filter, char *, 0);
ASSERT_FIELD(union monitor_filter, stream_orphan_filter, char *, 8);
_Static_assert(sizeof(union monitor_filter) == 16, "sizeof monitor_filter 16");

/* ---- constants: NAME, value API.md gives ---- */
#define CONSTANTS(X) \
	X(APP_NAME_LEN, 40) X(MOS_APP, 20) X(MOS_APP_ARGC, 20) \
	X(INPORT_ANY, 0) \
	X(MOS_SOCK_UNUSED, 0) X(MOS_SOCK_STREAM_LISTEN, 1) \
	X(MOS_SOCK_PROXY_LISTEN, 2) X(MOS_SOCK_MONITOR_STREAM, 3) \
	X(MOS_SOCK_STREAM, 4) X(MOS_SOCK_PROXY, 5) \
	X(MOS_SOCK_MONITOR_STREAM_ACTIVE, 6) X(MOS_SOCK_MONITOR_RAW, 7) \
	X(MOS_SOCK_EPOLL, 8) X(MOS_SOCK_PIPE, 9) \
	X(MOS_EPOLL_CTL_ADD, 1) X(MOS_EPOLL_CTL_DEL, 2) \
	X(MOS_EPOLL_CTL_MOD, 3) \
	X(MOS_EPOLLNONE, 0x001) X(MOS_EPOLLIN, 0x002) X(MOS_EPOLLPRI, 0x004) \
	X(MOS_EPOLLOUT, 0x008) X(MOS_EPOLLRDNORM, 0x010) \
	X(MOS_EPOLLRDBAND, 0x020) X(MOS_EPOLLWRNORM, 0x040) \
	X(MOS_EPOLLWRBAND, 0x080) X(MOS_EPOLLMSG, 0x100) \
	X(MOS_EPOLLERR, 0x200) X(MOS_EPOLLHUP, 0x400) \
	X(MOS_EPOLLRDHUP, 0x800) X(MOS_EPOLLONESHOT, 1 << 30) \
	X(MOS_EPOLLET, INT_MIN) \
	X(MOS_ACT_SEND_DATA, 0x02) X(MOS_ACT_SEND_ACK_NOW, 0x04) \
	X(MOS_ACT_SEND_ACK_AGG, 0x08) X(MOS_ACT_SEND_CONTROL, 0x10) \
	X(MOS_ACT_SEND_RST, 0x20) X(MOS_ACT_DESTROY, 0x40) \
	X(MOS_ACT_READ_DATA, 0x80) X(MOS_ACT_CNT, 0x81) \
	X(MOS_NULL, 1 << 29) X(MOS_HK_RCV, 1 << 30) X(MOS_HK_SND, INT_MIN) \
	X(MOS_NULL_EVENT, 0) X(MOS_ON_PKT_IN, 0x001) X(MOS_ON_PKT_OUT, 0x002) \
	X(MOS_ON_CONN_START, 0x004) X(MOS_ON_CONN_SETUP, 0x008) \
	X(MOS_ON_CONN_NEW_DATA, 0x010) X(MOS_ON_ERROR, 0x020) \
	X(MOS_ON_TIMEOUT, 0x040) X(MOS_ON_TCP_STATE_CHANGE, 0x080) \
	X(MOS_ON_ORPHAN, 0x100) X(MOS_ON_REXMIT, 0x200) \
	X(MOS_ON_CONN_END, 0x400) X(MOS_ON_DEBUG_MESSAGE, 0x800) \
	X(NUM_BEV, 12) \
	X(MOS_ETH_HDR, 1 << 0) X(MOS_IP_HDR, 1 << 1) X(MOS_TCP_HDR, 1 << 2) \
	X(MOS_TCP_PAYLOAD, 1 << 3) X(MOS_UPDATE_IP_CHKSUM, 1 << 4) \
	X(MOS_UPDATE_TCP_CHKSUM, 1 << 5) X(MOS_DROP, 1 << 6) \
	X(MOS_OVERWRITE, 1 << 7) X(MOS_CHOMP, 1 << 8) X(MOS_INSERT, 1 << 9) \
	X(PKT_INFO_LEN, 40) \
	X(SOL_MONSOCKET, 0xfffe) X(SOL_SOCKET, 1) \
	X(MOS_FRAGINFO_CLIBUF, 0x01) X(MOS_FRAGINFO_SVRBUF, 0x02) \
	X(MOS_INFO_CLIBUF, 0x03) X(MOS_INFO_SVRBUF, 0x04) \
	X(MOS_TCP_STATE_CLI, 0x05) X(MOS_TCP_STATE_SVR, 0x06) \
	X(MOS_TIMESTAMP, 0x07) X(MOS_CLIBUF, 0x09) X(MOS_SVRBUF, 0x0a) \
	X(MOS_SEQ_REMAP, 0x0b) X(MOS_STOP_MON, 0x0c) \
	X(MOS_FRAG_CLIBUF, 0x0d) X(MOS_FRAG_SVRBUF, 0x0e) \
	X(MOS_CLIOVERLAP, 0x0f) X(MOS_SVROVERLAP, 0x10) \
	X(TCP_CLOSED, 0) X(TCP_LISTEN, 1) X(TCP_SYN_SENT, 2) \
	X(TCP_SYN_RCVD, 3) X(TCP_ESTABLISHED, 4) X(TCP_FIN_WAIT_1, 5) \
	X(TCP_FIN_WAIT_2, 6) X(TCP_CLOSE_WAIT, 7) X(TCP_CLOSING, 8) \
	X(TCP_LAST_ACK, 9) X(TCP_TIME_WAIT, 10) \
	X(MOS_OVERLAP_POLICY_FIRST, 0) X(MOS_OVERLAP_POLICY_LAST, 1) \
	X(MOS_OVERLAP_CNT, 2) \
	X(MOS_SIDE_CLI, 0) X(MOS_SIDE_SVR, 1) X(MOS_SIDE_BOTH, 2)

#define STATIC_CHECK(name, want) \
	_Static_assert((long long)(name) == (long long)(want), \
		       #name " == " #want);
CONSTANTS(STATIC_CHECK)

struct constant {
	const char *name;
	long long value, want;
};

#define ROW(name, want) { #name, (long long)(name), (long long)(want) },
static const struct constant constants[] = { CONSTANTS(ROW) };

/* Every enumerated type is usable under its tag. */
static enum socket_type v_socket_type = MOS_SOCK_MONITOR_STREAM;
static enum mtcp_epoll_op v_epoll_op = MOS_EPOLL_CTL_ADD;
static enum epoll_event_type v_epoll_event_type = MOS_EPOLLET;
static enum mtcp_action v_action = MOS_ACT_CNT;
static enum mtcp_hook_point v_hook = MOS_HK_SND;
static enum mos_event_type v_event = MOS_ON_CONN_END;
static enum mos_socket_opts v_sockopt = MOS_SVROVERLAP;
static enum tcpstate v_state = TCP_TIME_WAIT;

static void check_constants(void)
{
	size_t i;

	for (i = 0; i < sizeof(constants) / sizeof(constants[0]); i++)
		ok(constants[i].value == constants[i].want,
		   "%s == %lld (is %lld)", constants[i].name,
		   constants[i].want, constants[i].value);

	ok(v_socket_type == 3 && v_epoll_op == 1 && v_action == 0x81 &&
	   v_event == 0x400 && v_sockopt == 0x10 && v_state == 10,
	   "enum tags socket_type, mtcp_epoll_op, mtcp_action, "
	   "mos_event_type, mos_socket_opts, tcpstate");
	ok((int)v_epoll_event_type == INT_MIN && (int)v_hook == INT_MIN,
	   "enum epoll_event_type and mtcp_hook_point hold INT_MIN");
	ok(MOS_HK_SND < 0 && MOS_EPOLLET < 0,
	   "MOS_HK_SND and MOS_EPOLLET are negative ints as in 0.3");
	ok(!((MOS_NULL | MOS_HK_RCV | MOS_HK_SND) &
	     ((1u << NUM_BEV) - 1)),
	   "hook points do not overlap built-in event bits");
}

static void check_macros(void)
{
	int unused_var = 1;
	const char *mac_copy = STR(MTCP_CB_GETCURPKT_CREATE_COPY);

	UNUSED(unused_var);
	ok(strcmp(STR(UNUSED(v)), "(void)v") == 0, "UNUSED(x) is (void)x");
	ok(mac_copy[0] == '\0', "MTCP_CB_GETCURPKT_CREATE_COPY is empty");
	ok(sizeof(INPORT_ANY) == 2 && INPORT_ANY == 0,
	   "INPORT_ANY is (uint16_t)0");
}

static int sample_cb_calls;

static void sample_cb(mctx_t mctx, int sock, int side, event_t event,
		      filter_arg_t *arg)
{
	(void)mctx; (void)sock; (void)side; (void)event; (void)arg;
	sample_cb_calls++;
}

static bool sample_filter(mctx_t mctx, int sock, int side, event_t event,
			  filter_arg_t *arg)
{
	(void)mctx; (void)sock; (void)side; (void)event;
	return arg != NULL && arg->len == 3;
}

static void sample_app_init(int argc, char **argv)
{
	(void)argc; (void)argv;
}

static void sample_thread(mctx_t mctx, void **app_ctx)
{
	(void)mctx; (void)app_ctx;
}

static void sample_sig(int signum)
{
	(void)signum;
}

static void check_objects(void)
{
	struct mtcp_context ctx = { .cpu = 3 };
	mctx_t mctx = &ctx;
	struct mtcp_conf conf;
	struct app_context actx = { mctx, 7, NULL, 9 };
	struct app_ops ops = { sample_app_init, sample_thread, sample_thread, 1 };
	mtcp_sighandler_t sig = sample_sig;
	struct mtcp_epoll_event ev;
	mtcp_epoll_data_t data;
	mtcp_manager_t mgr = NULL;
	socket_map_t smap = NULL;
	byte bytes[4] = { 0xff, 0, 0, 0 };
	/* as in a NIC buffer: the IP header 4-byte aligned after 14 bytes */
	_Alignas(4) uint8_t buf[64];
	uint8_t *frame = buf + 2;
	enum { FRAME_LEN = 60 };
	struct pkt_info pi;
	struct pkt_ctx pc;
	seq_remap_info remap = { -5, MOS_SIDE_SVR, 100 };
	char three[3] = "ab";
	filter_arg_t farg = { three, sizeof(three) };
	struct tcp_buf_info bi = { 1, 2, 3, 4 };
	struct tcp_ring_fragment frag = { UINT64_C(1) << 40, 5 };
	union monitor_filter mf;
	monitor_filter_t mft = &mf;
	callback_t cb = sample_cb;
	filter_t flt = sample_filter;
	event_t evt = MOS_ON_PKT_IN;

	memset(&conf, 0, sizeof(conf));
	conf.num_cores = 1;
	conf.max_concurrency = 2;
	conf.cpu_mask = UINT64_C(1) << 63;
	conf.max_num_buffers = 3;
	conf.rcvbuf_size = 4;
	conf.sndbuf_size = 5;
	conf.tcp_timewait = 6;
	conf.tcp_timeout = -1;
	conf.app_cpu_mask[MOS_APP - 1] = 7;
	conf.app_argv[MOS_APP - 1][MOS_APP_ARGC - 1] = three;
	conf.app_argc[MOS_APP - 1] = 8;
	conf.num_app = MOS_APP;
	ok(*(uint64_t *)((char *)&conf + 8) == conf.cpu_mask &&
	   *(int *)((char *)&conf + 32) == -1 &&
	   *(int *)((char *)&conf + 3480) == MOS_APP,
	   "mtcp_conf fields land at their 0.3 offsets");
	ok(conf.app_argv[MOS_APP - 1][MOS_APP_ARGC - 1] == three &&
	   conf.app_argc[MOS_APP - 1] == 8 &&
	   conf.app_cpu_mask[MOS_APP - 1] == 7 && conf.num_cores == 1 &&
	   conf.max_concurrency == 2 && conf.max_num_buffers == 3 &&
	   conf.rcvbuf_size == 4 && conf.sndbuf_size == 5 &&
	   conf.tcp_timewait == 6,
	   "mtcp_conf fields hold what is stored");
	ok(sizeof(APP_NAME_LEN) == sizeof(int), "APP_NAME_LEN is an int");

	ok(actx.mctx->cpu == 3 && actx.socket_id == 7 && actx.cf == NULL &&
	   actx.ep_id == 9, "struct app_context");
	ops.app_init(0, NULL);
	ops.thread_init(mctx, NULL);
	ops.run(mctx, NULL);
	ok(ops.enable == 1, "struct app_ops");
	sig(0);

	ev.events = MOS_EPOLLIN | MOS_EPOLLET;
	ok(ev.events == UINT64_C(0xFFFFFFFF80000002),
	   "MOS_EPOLLIN | MOS_EPOLLET stores 0xFFFFFFFF80000002 in events");
	ok((uint32_t)ev.events == 0x80000002u,
	   "low 32 bits of events are 0x80000002");
	data.u64 = 0;
	data.sock = 42;
	ev.data = data;
	ok(ev.data.sock == 42 && ev.data.u32 == 42 && ev.data.u64 == 42,
	   "mtcp_epoll_data_t members overlay");
	ev.data.ptr = &ev;
	ok(ev.data.ptr == &ev, "mtcp_epoll_data_t ptr");

	ok(mgr == NULL && smap == NULL && bytes[0] == 255,
	   "mtcp_manager_t, socket_map_t, byte");

	/* struct tcphdr must carry the Linux field names (linux/tcp.h). */
	memset(frame, 0, FRAME_LEN);
	memset(&pi, 0, sizeof(pi));
	pi.cur_ts = 1;
	pi.in_ifidx = -1;
	pi.eth_len = FRAME_LEN;
	pi.ip_len = 46;
	pi.offset = UINT64_C(1) << 33;
	pi.payloadlen = 6;
	pi.seq = 0xfffffff0u;
	pi.ack_seq = 2;
	pi.window = 65535;
	pi.ethh = (struct ethhdr *)frame;
	pi.iph = (struct iphdr *)(frame + ETH_HLEN);
	pi.tcph = (struct tcphdr *)(frame + ETH_HLEN + 20);
	pi.payload = frame + ETH_HLEN + 40;
	pi.ethh->h_proto = htons(ETH_P_IP);
	pi.iph->version = 4;
	pi.iph->ihl = 5;
	pi.iph->protocol = IPPROTO_TCP;
	pi.tcph->source = htons(1234);
	pi.tcph->dest = htons(80);
	pi.tcph->seq = htonl(pi.seq);
	pi.tcph->ack_seq = htonl(pi.ack_seq);
	pi.tcph->doff = 5;
	pi.tcph->syn = 1;
	pi.tcph->ack = 1;
	pi.tcph->fin = 0;
	pi.tcph->rst = 0;
	pi.tcph->window = htons(pi.window);
	ok(frame[ETH_HLEN + 20 + 13] == 0x12 && frame[ETH_HLEN + 20 + 12] == 0x50,
	   "struct tcphdr has the Linux bit-fields doff, syn, ack");
	ok(pi.in_ifidx == -1 && pi.offset == UINT64_C(1) << 33 &&
	   pi.payloadlen == 6 && pi.cur_ts == 1 && pi.eth_len == 60 &&
	   pi.ip_len == 46 && pi.payload[-20] == 0x04 &&
	   ntohs(pi.ethh->h_proto) == ETH_P_IP && pi.iph->protocol == 6,
	   "struct pkt_info fields");

	memset(&pc, 0, sizeof(pc));
	pc.p = pi;
	pc.direction = 1;
	pc.forward = 1;
	pc.out_ifidx = 2;
	pc.batch_index = 3;
	ok(memcmp(&pc.p, &pi, PKT_INFO_LEN) == 0 && pc.p.tcph == pi.tcph &&
	   pc.direction + pc.forward + pc.out_ifidx + pc.batch_index == 7,
	   "struct pkt_ctx");

	ok(remap.seq_off == -5 && remap.side == 1 && remap.base_seq == 100,
	   "seq_remap_info");
	ok(bi.tcpbi_init_seq == 1 && bi.tcpbi_last_byte_read == 2 &&
	   bi.tcpbi_next_byte_expected == 3 &&
	   bi.tcpbi_last_byte_received == 4, "struct tcp_buf_info");
	ok(frag.offset == UINT64_C(1) << 40 && frag.len == 5,
	   "struct tcp_ring_fragment");

	mf.stream_syn_filter = three;
	mf.stream_orphan_filter = NULL;
	ok(mft->raw_pkt_filter == three && mft->stream_orphan_filter == NULL,
	   "union monitor_filter overlays raw_pkt_filter and stream_syn_filter");

	cb(mctx, 1, MOS_SIDE_BOTH, evt, &farg);
	ok(sample_cb_calls == 1 && flt(mctx, 1, MOS_SIDE_CLI, evt, &farg) &&
	   farg.arg == three, "callback_t and filter_t");
}

int main(void)
{
	check_constants();
	check_macros();
	check_objects();
	return tap_done();
}
