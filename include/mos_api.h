/*
 * mos_api.h -- libmos monitoring API (mOS 0.3 compatible).
 *
 * Including this header gives the whole libmos API: it includes
 * <mtcp_epoll.h>, which includes <mtcp_api.h>.
 * Link with: pkg-config --cflags --libs libmos
 */
#ifndef MOS_API_H
#define MOS_API_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <linux/if_ether.h>
#include <linux/tcp.h>

#include "mtcp_epoll.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef __MTCP_MANAGER
#define __MTCP_MANAGER
typedef struct mtcp_manager *mtcp_manager_t;
#endif

#ifndef __SOCKET_MAP
#define __SOCKET_MAP
typedef struct socket_map *socket_map_t;
#endif

/* Hook points.  MOS_HK_SND is 1<<31 written so that it is well defined in
 * ISO C and still equals INT_MIN; the values never overlap event bits. */
enum mtcp_hook_point {
	MOS_NULL = (1 << 29),
	MOS_HK_RCV = (1 << 30),
	MOS_HK_SND = (-0x7fffffff - 1),
};

/* Built-in events: single bits 0..11. */
enum mos_event_type {
	MOS_NULL_EVENT = 0,
	MOS_ON_PKT_IN = (1 << 0),
	MOS_ON_PKT_OUT = (1 << 1),
	MOS_ON_CONN_START = (1 << 2),
	MOS_ON_CONN_SETUP = (1 << 3),
	MOS_ON_CONN_NEW_DATA = (1 << 4),
	MOS_ON_ERROR = (1 << 5),
	MOS_ON_TIMEOUT = (1 << 6),
	MOS_ON_TCP_STATE_CHANGE = (1 << 7),
	MOS_ON_ORPHAN = (1 << 8),
	MOS_ON_REXMIT = (1 << 9),
	MOS_ON_CONN_END = (1 << 10),
	MOS_ON_DEBUG_MESSAGE = (1 << 11),
};

#define NUM_BEV 12

typedef uint64_t event_t;

/* Packet modification options for mtcp_setlastpkt(). */
#define MOS_ETH_HDR (1 << 0)
#define MOS_IP_HDR (1 << 1)
#define MOS_TCP_HDR (1 << 2)
#define MOS_TCP_PAYLOAD (1 << 3)
#define MOS_UPDATE_IP_CHKSUM (1 << 4)
#define MOS_UPDATE_TCP_CHKSUM (1 << 5)
#define MOS_DROP (1 << 6)
#define MOS_OVERWRITE (1 << 7)
#define MOS_CHOMP (1 << 8)
#define MOS_INSERT (1 << 9)

struct pkt_info {
	uint32_t cur_ts;
	int8_t in_ifidx;
	uint16_t eth_len;
	uint16_t ip_len;
	uint64_t offset;
	uint16_t payloadlen;
	uint32_t seq;
	uint32_t ack_seq;
	uint16_t window;

	/* The four pointers must stay the last fields. */
	struct ethhdr *ethh;
	struct iphdr *iph;
	struct tcphdr *tcph;
	uint8_t *payload;
};

#define PKT_INFO_LEN offsetof(struct pkt_info, ethh)

struct pkt_ctx {
	struct pkt_info p;
	int8_t direction;
	uint8_t forward;
	int8_t out_ifidx;
	int8_t batch_index;
};

typedef struct {
	int64_t seq_off;
	int side;
	uint32_t base_seq;
} seq_remap_info;

typedef struct filter_arg {
	void *arg;
	size_t len;
} filter_arg_t;

#define SOL_MONSOCKET 0xfffe
#ifndef SOL_SOCKET
#define SOL_SOCKET 0xffff
#endif

enum mos_socket_opts {
	MOS_FRAGINFO_CLIBUF = 0x01,
	MOS_FRAGINFO_SVRBUF = 0x02,
	MOS_INFO_CLIBUF = 0x03,
	MOS_INFO_SVRBUF = 0x04,
	MOS_TCP_STATE_CLI = 0x05,
	MOS_TCP_STATE_SVR = 0x06,
	MOS_TIMESTAMP = 0x07,
	MOS_CLIBUF = 0x09,
	MOS_SVRBUF = 0x0a,
	MOS_SEQ_REMAP = 0x0b,
	MOS_STOP_MON = 0x0c,
	MOS_FRAG_CLIBUF = 0x0d,
	MOS_FRAG_SVRBUF = 0x0e,
	MOS_CLIOVERLAP = 0x0f,
	MOS_SVROVERLAP = 0x10,
	MOS_INFO_FLOW = 0x11,		/* [libmos] struct mos_flow_info */
};

struct tcp_buf_info {
	uint32_t tcpbi_init_seq;
	uint32_t tcpbi_last_byte_read;
	uint32_t tcpbi_next_byte_expected;
	uint32_t tcpbi_last_byte_received;
};

struct tcp_ring_fragment {
	uint64_t offset;
	uint32_t len;
};

/* mtcp_getsockopt(SOL_MONSOCKET, MOS_INFO_FLOW) [libmos]: what the monitor
 * saw of a flow.  Arrays are indexed by the sending side: [MOS_SIDE_CLI]
 * is what the client sent.  Times are microseconds since the Unix epoch
 * (the capture's stamps for offline input). */
struct mos_flow_info {
	uint64_t mfi_start_us;		/* the flow's first packet (its SYN) */
	uint64_t mfi_last_us;		/* its latest packet */
	uint64_t mfi_pkts[2];		/* TCP segments sent */
	uint64_t mfi_ip_bytes[2];	/* their IP total lengths */
	uint64_t mfi_stream_bytes[2];	/* stream bytes sent, by sequence
					 * numbers (highest seen or acked) */
	uint64_t mfi_gap_bytes[2];	/* of those, given up as gaps */
	uint8_t mfi_tcp_flags[2];	/* OR of the TCP flags sent */
	uint8_t mfi_state[2];		/* enum tcpstate of each half */
	uint8_t mfi_reserved[4];	/* 0 */
};

enum tcpstate {
	TCP_CLOSED = 0,
	TCP_LISTEN = 1,
	TCP_SYN_SENT = 2,
	TCP_SYN_RCVD = 3,
	TCP_ESTABLISHED = 4,
	TCP_FIN_WAIT_1 = 5,
	TCP_FIN_WAIT_2 = 6,
	TCP_CLOSE_WAIT = 7,
	TCP_CLOSING = 8,
	TCP_LAST_ACK = 9,
	TCP_TIME_WAIT = 10,
};

enum {
	MOS_OVERLAP_POLICY_FIRST = 0,
	MOS_OVERLAP_POLICY_LAST = 1,
	MOS_OVERLAP_CNT = 2,
};

enum {
	MOS_SIDE_CLI = 0,
	MOS_SIDE_SVR = 1,
	MOS_SIDE_BOTH = 2,
};

typedef void (*callback_t)(mctx_t mctx, int sock, int side, event_t event,
			   filter_arg_t *arg);
typedef bool (*filter_t)(mctx_t mctx, int sock, int side, event_t event,
			 filter_arg_t *arg);

union monitor_filter {
	/* MOS_SOCK_MONITOR_RAW */
	char *raw_pkt_filter;
	/* MOS_SOCK_MONITOR_STREAM */
	struct {
		char *stream_syn_filter;
		char *stream_orphan_filter;
	};
};

typedef union monitor_filter *monitor_filter_t;

#define MTCP_CB_GETCURPKT_CREATE_COPY

/* Monitoring sockets, filters and callbacks */
int mtcp_bind_monitor_filter(mctx_t mctx, int sock, monitor_filter_t ft);
int mtcp_register_callback(mctx_t mctx, int sock, event_t event,
			   int hook_point, callback_t cb);

/* User-defined events */
event_t mtcp_define_event(event_t event, filter_t filter,
			  struct filter_arg *arg);
event_t mtcp_alloc_event(event_t event);
int mtcp_raise_event(mctx_t mctx, event_t event);

/* Per-socket user context */
void mtcp_set_uctx(mctx_t mctx, int sock, void *uctx);
void *mtcp_get_uctx(mctx_t mctx, int sock);

/* Byte streams */
ssize_t mtcp_peek(mctx_t mctx, int sock, int side, char *buf, size_t len);
ssize_t mtcp_ppeek(mctx_t mctx, int sock, int side, char *buf, size_t count,
		   uint64_t off);

/* Packets */
int mtcp_getlastpkt(mctx_t mctx, int sock, int side, struct pkt_info *pinfo);
int mtcp_setlastpkt(mctx_t mctx, int sock, int side, off_t offset,
		    byte *data, uint16_t datalen, int option);
int mtcp_sendpkt(mctx_t mctx, int sock, const struct pkt_info *pkt);

/* Time */
int mtcp_settimer(mctx_t mctx, int id, struct timeval *timeout,
		  callback_t cb);
uint32_t mtcp_cb_get_ts(mctx_t mctx);

/* Flow addresses */
int mtcp_getpeername(mctx_t mctx, int sock, struct sockaddr *saddr,
		     socklen_t *addrlen, int side);

/* Contexts */
void mtcp_app_join(mctx_t mctx);

#ifdef __cplusplus
}
#endif

#endif /* MOS_API_H */
