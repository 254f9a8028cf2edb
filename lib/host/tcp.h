/*
 * tcp.h -- the end-host TCP engine: one single-threaded engine per
 * context, with no knowledge of sockets, threads, the I/O backends or the
 * context loop.  Everything it needs from outside comes through struct
 * mos_tcp_env; everything the socket layer reads goes through the calls
 * below.
 *
 * What it implements: the RFC 9293 state machine (simultaneous open and
 * close, half close, TIME_WAIT), RST generation (RFC 9293 3.10.7.1) and
 * validation (RFC 5961 3: exact-sequence RSTs only, challenge ACKs for
 * the others in the window, for SYNs and bad ACKs, 1000 a second at
 * most), MSS, window scaling and timestamps with PAWS (RFC 7323),
 * SACK-permitted and SACK blocks for out-of-order data (RFC 2018),
 * congestion control per RFC 5681, SACK-based loss recovery (RFC 6675)
 * or NewReno (RFC 6582) when the peer does not SACK, limited transmit
 * (RFC 3042), early retransmit (RFC 5827), tail loss probes (RFC 8985
 * 7), RTO per RFC 6298 with exponential backoff, delayed ACKs (RFC 9293
 * 3.8.6.3), silly window avoidance both ways, zero-window probes (RFC
 * 9293 3.8.6.1), SYN retransmission.  ISNs follow RFC 6528.  No Nagle:
 * data leaves as soon as the windows allow (as in mTCP).  Not there:
 * keepalive, urgent data (URG is ignored, its bytes are ordinary data),
 * ECN, D-SACK, SYN cookies, IPv6.
 *
 * Threading: every call must be made with the owning context's lock held;
 * the engine itself takes no lock.  Callbacks of struct mos_tcp_env run
 * inside the engine call that caused them (never later, never on another
 * thread); they must not call back into the same engine.
 *
 * Addresses and ports at this interface are in network order.
 *
 * Lifetime of a tcb:
 *   - a listener lives from mos_tcp_listen until mos_tcp_close/abort on it;
 *   - a connection from a listener is owned by nobody (owner NULL) until
 *     mos_tcp_accept hands it out; the engine frees such a connection by
 *     itself if it is reset or times out while queued (no notification);
 *   - an owned connection (owner != NULL) is never freed by the engine: when
 *     it fails (RST, timeout, refusal) it goes to MOS_TCPS_CLOSED, raises
 *     MOS_TCP_EV_ERROR | MOS_TCP_EV_CLOSED, and stays readable (so_error,
 *     data already received) until the owner calls mos_tcp_close or
 *     mos_tcp_abort, which free it at once;
 *   - after mos_tcp_close on a synchronized connection the owner is NULL
 *     and the engine finishes the close in the background (FIN_WAIT_*,
 *     CLOSING, LAST_ACK, TIME_WAIT) and frees the tcb itself: the caller
 *     must forget the pointer when mos_tcp_close returns.
 *   So the pointer an owner holds is valid until it calls mos_tcp_close or
 *   mos_tcp_abort, and invalid afterwards, always.
 */
#ifndef MOS_HOST_TCP_H
#define MOS_HOST_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mos_frame;		/* lib/io.h: data, len, room, pkt (parsed) */
struct mos_tcp;			/* one engine per context */
struct mos_tcb;			/* one connection, or a listener */

/* Bytes of room an output frame must have: Ethernet, IPv4 header without
 * options, TCP header with the largest options, one MSS of payload. */
#define MOS_TCP_FRAME_ROOM(mss) (14u + 20u + 60u + (unsigned)(mss))

struct mos_tcp_conf {
	uint32_t rmem, wmem;	/* receive / send buffer bytes per connection
				 * (each rounded up to a power of two, at
				 * least 4 * mss and at most 1 GiB) */
	int max_tcbs;		/* connections + listeners (max_concurrency) */
	int tw_sec;		/* TIME_WAIT length (tcp_tw_interval), s;
				 * 0 = free at once on entering TIME_WAIT */
	uint16_t mss;		/* our MSS to announce (1460 for MTU 1500) */
	uint32_t iss_secret;	/* seeds ISNs (RFC 6528) */
	/* Seeds the per-connection timestamp offset (RFC 7323 5.4).  The
	 * same for every process of one boot, so TSval keeps growing for a
	 * 4-tuple whose last incarnation a peer still holds in TIME_WAIT
	 * (a peer accepts a new SYN there when its timestamp is newer). */
	uint64_t ts_secret;
	/* Tunables; 0 takes the default named. */
	uint32_t rto_min_ms;	/* lower bound of the RTO: 200 */
	uint32_t rto_init_ms;	/* RTO before any RTT sample: 1000 (RFC 6298) */
	uint32_t delack_ms;	/* delayed-ACK timer: 40 */
	int syn_retries;	/* SYN / SYN-ACK retransmissions before
				 * ETIMEDOUT: 6 */
	int data_retries;	/* RTO expirations in a row before ETIMEDOUT:
				 * 15 */
	uint32_t syn_timeout_ms; /* an open not ESTABLISHED after this long
				 * fails with ETIMEDOUT (tcp_timeout); 0: only
				 * syn_retries bound it */
};

/* What the engine needs from outside. */
struct mos_tcp_env {
	void *arg;
	/* A blank frame to fill, room >= MOS_TCP_FRAME_ROOM(conf.mss); NULL
	 * when none: the engine counts it (stats.alloc_fail) and retries from
	 * a timer (1 ms later) what it could not send. */
	struct mos_frame *(*alloc)(void *arg);
	/* Send f: an IPv4 packet starting at f->data + 14, f->len counting
	 * the 14 bytes of Ethernet header the env fills (next hop by
	 * route_table, MAC by ARP).  The IPv4 and TCP checksums are set.
	 * The env owns f afterwards, sent or not.  f->len 0 (a frame with
	 * less room than promised): nothing to send, only give it back. */
	void (*xmit)(void *arg, struct mos_frame *f, uint32_t saddr,
		     uint32_t daddr);
	/* Socket-layer news, a mask of MOS_TCP_EV_*, for a tcb with an owner
	 * (or a listener, for MOS_TCP_EV_ACCEPT).  Never called for
	 * unaccepted connections.  May be NULL. */
	void (*notify)(void *arg, struct mos_tcb *t, unsigned ev);
};

enum {
	MOS_TCP_EV_READABLE = 1,	/* in-order data or FIN arrived */
	MOS_TCP_EV_WRITABLE = 2,	/* send space grew (or connect done) */
	MOS_TCP_EV_CONNECTED = 4,	/* active open reached ESTABLISHED */
	MOS_TCP_EV_ACCEPT = 8,		/* listener: a connection is queued */
	MOS_TCP_EV_ERROR = 16,		/* reset / timed out / refused: see
					 * mos_tcp_so_error */
	MOS_TCP_EV_CLOSED = 32,		/* the connection is in CLOSED for good
					 * (raised with ERROR); the tcb stays
					 * until the owner closes/aborts it */
};

/* The RFC 9293 states, for getsockopt and tests. */
enum mos_tcp_state {
	MOS_TCPS_CLOSED, MOS_TCPS_LISTEN, MOS_TCPS_SYN_SENT,
	MOS_TCPS_SYN_RECEIVED, MOS_TCPS_ESTABLISHED, MOS_TCPS_FIN_WAIT_1,
	MOS_TCPS_FIN_WAIT_2, MOS_TCPS_CLOSE_WAIT, MOS_TCPS_CLOSING,
	MOS_TCPS_LAST_ACK, MOS_TCPS_TIME_WAIT
};

/* "CLOSED", "LISTEN", "SYN_SENT", ...; "?" out of range. */
const char *mos_tcp_state_name(enum mos_tcp_state st);

/* A new engine; NULL with errno EINVAL (bad conf: mss < 64 or > 9000,
 * max_tcbs < 1, NULL alloc/xmit) or ENOMEM.  The conf and env are copied. */
struct mos_tcp *mos_tcp_new(const struct mos_tcp_conf *conf,
			    const struct mos_tcp_env *env, uint64_t now_us);
/* Frees every tcb and the engine; sends nothing, notifies nobody. */
void mos_tcp_free(struct mos_tcp *s);

/*
 * A received IPv4 TCP segment for one of our addresses (f->pkt parsed,
 * f->kind MOS_PKT_TCP or MOS_MAL_TCP_CSUM).  The engine does everything:
 * checksum check (computed here unless f->csum_hw has MOS_CSUM_HW_L4_GOOD;
 * bad ones counted in stats.drop_csum), lookup, RFC 9293 processing, RST
 * for segments to no connection or listener.  Anything else (IPv6, other
 * kinds) is counted in stats.drop_other.  The frame stays the caller's.
 */
void mos_tcp_input(struct mos_tcp *s, const struct mos_frame *f,
		   uint64_t now_us);

/* Run due timers (RTO, delayed ACK, persist, TIME_WAIT, SYN
 * retransmission).  Returns the next due time in microseconds, UINT64_MAX
 * when nothing is armed.  Timers have millisecond granularity: calling
 * earlier than the returned time is harmless, later delays them. */
uint64_t mos_tcp_timers(struct mos_tcp *s, uint64_t now_us);
/* The next due time without running anything (it may move earlier after
 * any other call: input, send, connect, close). */
uint64_t mos_tcp_next_due(const struct mos_tcp *s);

/* Listen on addr:port (addr 0 = any of ours).  backlog >= 1 bounds the
 * connections queued or half-open; SYNs beyond it are dropped (counted in
 * stats.listen_overflow, the peer retransmits).  NULL with errno EINVAL
 * (backlog < 1, port 0), EADDRINUSE (same addr and port listened on),
 * ENFILE (max_tcbs reached) or ENOMEM. */
struct mos_tcb *mos_tcp_listen(struct mos_tcp *s, uint32_t addr,
			       uint16_t port, int backlog, void *owner);
/* The oldest established connection of a listener, now owned by owner;
 * NULL with errno EAGAIN (queue empty) or EINVAL (not a listener). */
struct mos_tcb *mos_tcp_accept(struct mos_tcb *listener, void *owner);
/* Active open from saddr:sport to daddr:dport (all non-zero), owner
 * non-NULL (an unowned tcb would be freed on failure).  The SYN leaves at
 * once.  NULL with errno EINVAL, EADDRINUSE (4-tuple taken),
 * ENFILE (max_tcbs reached) or ENOMEM. */
struct mos_tcb *mos_tcp_connect(struct mos_tcp *s, uint32_t saddr,
				uint16_t sport, uint32_t daddr,
				uint16_t dport, void *owner, uint64_t now_us);
/* Is there a connection (any state, TIME_WAIT included) on this 4-tuple?
 * For the socket layer's source-port choice. */
bool mos_tcp_tuple_in_use(struct mos_tcp *s, uint32_t saddr, uint16_t sport,
			  uint32_t daddr, uint16_t dport);

/* Copies up to len in-order bytes; peek leaves them.  0 = nothing now: the
 * caller checks mos_tcp_eof() to tell EOF from "no data".  Reading may send
 * a window update (when the window opens by an MSS or half the buffer,
 * RFC 9293 3.8.6.2.2).  buf may be NULL to discard. */
size_t mos_tcp_recv(struct mos_tcb *t, void *buf, size_t len, bool peek,
		    uint64_t now_us);
/* Queues up to len bytes for sending; returns the bytes taken (0 when the
 * buffer is full, or the state is not ESTABLISHED / CLOSE_WAIT, or the
 * connection is still being opened: SYN_SENT / SYN_RECEIVED accept data
 * into the buffer too, sent once established). */
size_t mos_tcp_send(struct mos_tcb *t, const void *buf, size_t len,
		    uint64_t now_us);
/*
 * Close by the owner; the pointer is invalid afterwards.
 *   listener: queued connections are reset, the listener freed;
 *   LISTEN-less CLOSED / SYN_SENT: freed at once, nothing sent;
 *   SYN_RECEIVED / ESTABLISHED / CLOSE_WAIT: FIN after the queued data,
 *     finished in the background (unread received data: RST instead, as
 *     RFC 2525 2.17 advises, and freed);
 *   already closing (FIN_WAIT_*, CLOSING, LAST_ACK, TIME_WAIT): unowned.
 */
void mos_tcp_close(struct mos_tcb *t, uint64_t now_us);
/* RST (in a synchronized state) and free; the pointer is invalid after. */
void mos_tcp_abort(struct mos_tcb *t, uint64_t now_us);

/* What the socket layer reads. */
enum mos_tcp_state mos_tcp_state(const struct mos_tcb *t);
bool mos_tcp_is_listener(const struct mos_tcb *t);
size_t mos_tcp_readable(const struct mos_tcb *t);  /* in-order bytes */
size_t mos_tcp_writable(const struct mos_tcb *t);  /* free send buffer; 0
					    * outside the states send takes */
bool mos_tcp_eof(const struct mos_tcb *t);   /* FIN received, all read */
int mos_tcp_so_error(const struct mos_tcb *t); /* 0, ECONNRESET, ETIMEDOUT,
					    * ECONNREFUSED */
void *mos_tcp_owner(const struct mos_tcb *t);
void mos_tcp_set_owner(struct mos_tcb *t, void *owner);
void mos_tcp_addrs(const struct mos_tcb *t, uint32_t *saddr, uint16_t *sport,
		   uint32_t *daddr, uint16_t *dport);
/* Queued (established, not accepted) connections of a listener. */
int mos_tcp_accept_queued(const struct mos_tcb *listener);

/* Per-connection figures, for tests and diagnostics. */
struct mos_tcp_info {
	enum mos_tcp_state state;
	uint32_t snd_una, snd_nxt, snd_wnd;	/* snd_wnd scaled, bytes */
	uint32_t rcv_nxt, rcv_wnd;		/* rcv_wnd as last advertised */
	uint32_t cwnd, ssthresh;
	uint32_t srtt_us, rttvar_us, rto_us;
	uint16_t mss;				/* effective send MSS */
	int8_t snd_wscale, rcv_wscale;		/* -1: not negotiated */
	bool ts_ok, sack_ok;
	uint32_t retransmits;			/* this connection's */
};
void mos_tcp_get_info(const struct mos_tcb *t, struct mos_tcp_info *info);

/* Engine counters (all since mos_tcp_new). */
struct mos_tcp_stats {
	uint64_t seg_in;		/* segments given to mos_tcp_input */
	uint64_t seg_out;		/* segments sent (xmit called) */
	uint64_t bytes_in;		/* payload bytes accepted in order */
	uint64_t bytes_out;		/* payload bytes sent, retransmits too */
	uint64_t retrans_segs;		/* data/FIN segments sent again */
	uint64_t rto_fires;		/* retransmission timeouts */
	uint64_t fast_retrans;		/* fast retransmits (3 dup ACKs) */
	uint64_t syn_retrans;		/* SYN / SYN-ACK retransmissions */
	uint64_t persist_probes;	/* zero-window probes */
	uint64_t tlp_probes;		/* tail loss probes (RFC 8985 7) */
	uint64_t dup_acks;		/* duplicate ACKs counted (RFC 5681) */
	uint64_t ooo_segs;		/* segments queued out of order */
	uint64_t delayed_acks;		/* ACKs sent by the delayed-ACK timer */
	uint64_t challenge_acks;	/* RFC 5961 challenge ACKs sent */
	uint64_t rst_in;		/* RSTs that reset a connection */
	uint64_t rst_out;		/* RSTs sent */
	uint64_t conn_active;		/* connects started */
	uint64_t conn_passive;		/* connections created by a SYN */
	uint64_t conn_established;	/* reached ESTABLISHED */
	uint64_t conn_timeout;		/* ended with ETIMEDOUT */
	uint64_t conn_reset;		/* ended by a received RST */
	uint64_t tw_expired;		/* TIME_WAITs run out */
	uint64_t drop_csum;		/* bad TCP checksum */
	uint64_t drop_no_tcb;		/* to no connection/listener (RST'd
					 * unless it was a RST) */
	uint64_t drop_unacceptable;	/* failed the acceptability test
					 * (ACKed, RFC 9293 3.10.7.4) */
	uint64_t drop_bad_ack;		/* ACK of unsent data, etc. */
	uint64_t drop_rst;		/* RSTs ignored (out of window) */
	uint64_t drop_ooo_full;		/* data with no room: out-of-order
					 * ranges full, or past the buffer */
	uint64_t drop_other;		/* not IPv4 TCP, bad header length */
	uint64_t listen_overflow;	/* SYNs dropped: backlog full */
	uint64_t tcb_full;		/* SYNs/connects refused: max_tcbs */
	uint64_t alloc_fail;		/* env->alloc returned NULL */
	uint32_t tcbs;			/* tcbs in use now (listeners too) */
};
const struct mos_tcp_stats *mos_tcp_stats(const struct mos_tcp *s);

#endif
