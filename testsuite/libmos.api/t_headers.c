/*
 * t_headers: every type, field, macro and constant of the three public
 * headers exists, has the type and value of the mOS 0.3 interface
 * (libmos(3) and the man3 pages), and its LP64 layout; all checked at
 * compile time where the compiler can.  Function prototypes are checked by t_protos.c
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

/* ---- constants: NAME, the value of the mOS 0.3 interface ---- */
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

/* Every enumerated type is usable under its tag, and holds its values. */
_Static_assert((enum socket_type)MOS_SOCK_MONITOR_STREAM == 3,
	       "enum socket_type");
_Static_assert((enum mtcp_epoll_op)MOS_EPOLL_CTL_ADD == 1,
	       "enum mtcp_epoll_op");
_Static_assert((int)(enum epoll_event_type)MOS_EPOLLET == INT_MIN,
	       "enum epoll_event_type holds INT_MIN");
_Static_assert((enum mtcp_action)MOS_ACT_CNT == 0x81, "enum mtcp_action");
_Static_assert((int)(enum mtcp_hook_point)MOS_HK_SND == INT_MIN,
	       "enum mtcp_hook_point holds INT_MIN");
_Static_assert((enum mos_event_type)MOS_ON_CONN_END == 0x400,
	       "enum mos_event_type");
_Static_assert((enum mos_socket_opts)MOS_SVROVERLAP == 0x10,
	       "enum mos_socket_opts");
_Static_assert((enum tcpstate)TCP_TIME_WAIT == 10, "enum tcpstate");
_Static_assert(MOS_HK_SND < 0 && MOS_EPOLLET < 0,
	       "MOS_HK_SND and MOS_EPOLLET are negative ints as in 0.3");
_Static_assert(!((MOS_NULL | MOS_HK_RCV | MOS_HK_SND) &
		 ((1u << NUM_BEV) - 1)),
	       "hook points do not overlap built-in event bits");
_Static_assert(IS_TYPE(APP_NAME_LEN, int), "APP_NAME_LEN is an int");
_Static_assert(sizeof(STR(MTCP_CB_GETCURPKT_CREATE_COPY)) == 1,
	       "MTCP_CB_GETCURPKT_CREATE_COPY is empty");
/* the events field is 64 bits wide: MOS_EPOLLET (INT_MIN) sign-extends */
_Static_assert((uint64_t)(MOS_EPOLLIN | MOS_EPOLLET) ==
	       UINT64_C(0xFFFFFFFF80000002),
	       "MOS_EPOLLIN | MOS_EPOLLET is 0xFFFFFFFF80000002 in events");
_Static_assert(IS_TYPE(((struct mtcp_epoll_event *)0)->events, uint64_t),
	       "mtcp_epoll_event.events is a uint64_t");

/* The Linux field names of the headers struct pkt_info points at
 * (linux/if_ether.h, netinet/ip.h, linux/tcp.h); compiled, never run. */
__attribute__((unused))
static void linux_field_names(struct pkt_info *pi)
{
	pi->ethh->h_proto = 0;
	pi->iph->version = 4;
	pi->iph->ihl = 5;
	pi->iph->protocol = 6;
	pi->tcph->source = pi->tcph->dest = 0;
	pi->tcph->seq = pi->tcph->ack_seq = 0;
	pi->tcph->window = 0;
	pi->tcph->fin = pi->tcph->rst = 0;
}

/*
 * What the compiler cannot check: the text a macro expands to, and the
 * memory layout of the bit-fields of struct tcphdr.
 */
static void check_macros(void)
{
	int unused_var = 1;

	UNUSED(unused_var);
	ok(strcmp(STR(UNUSED(v)), "(void)v") == 0, "UNUSED(x) is (void)x");
}

static void check_tcphdr(void)
{
	/* as in a NIC buffer: the TCP header 4-byte aligned */
	_Alignas(4) uint8_t buf[20];
	struct tcphdr *th = (struct tcphdr *)buf;

	memset(buf, 0, sizeof(buf));
	th->doff = 5;
	th->syn = 1;
	th->ack = 1;
	ok(buf[13] == 0x12 && buf[12] == 0x50,
	   "struct tcphdr has the Linux bit-fields doff, syn, ack "
	   "(bytes 12, 13: %#x %#x)", buf[12], buf[13]);
	memset(buf, 0, sizeof(buf));
	th->fin = 1;
	th->rst = 1;
	th->psh = 1;
	th->urg = 1;
	ok(buf[13] == 0x2d && buf[12] == 0,
	   "struct tcphdr bit-fields fin, rst, psh, urg (byte 13: %#x)",
	   buf[13]);
}

int main(void)
{
	check_macros();
	check_tcphdr();
	return tap_done();
}
