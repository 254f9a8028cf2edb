/*
 * tcb.h -- the engine and its transmission control blocks (RFC 9293 3.3.1):
 * the tcb itself, the pool it comes from, the 4-tuple hash table, the
 * listeners and their accept queues.
 *
 * A connection tcb is one allocation holding the struct, its send buffer
 * and its receive buffer; freed tcbs are kept on a free list for reuse, so
 * a busy engine does not go back to malloc per connection, and never per
 * segment.  Listener tcbs carry no buffers.
 *
 * Inside the engine addresses are kept in network order, ports in host
 * order.
 */
#ifndef MOS_HOST_TCB_H
#define MOS_HOST_TCB_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp.h"
#include "tcp_rcvbuf.h"
#include "tcp_sack.h"
#include "tcp_sndbuf.h"
#include "tcp_timer.h"

/* tcb flags */
#define MOS_TF_LISTENER	0x0001u
#define MOS_TF_ACKNOW	0x0002u	/* send an ACK before leaving the engine */
#define MOS_TF_FIN_Q	0x0004u	/* the user closed: FIN after the data */
#define MOS_TF_FIN_SENT	0x0008u	/* our FIN has a sequence number */
#define MOS_TF_FIN_RCVD	0x0010u	/* the peer's FIN was taken in order */
#define MOS_TF_TS	0x0020u	/* timestamps in use (RFC 7323 3) */
#define MOS_TF_SACK	0x0040u	/* SACK permitted both ways (RFC 2018) */
#define MOS_TF_WS	0x0080u	/* window scaling in use (RFC 7323 2) */
#define MOS_TF_RECOVERY	0x0100u	/* in NewReno fast recovery */
#define MOS_TF_QUEUED	0x0200u	/* on a listener's accept queue */
#define MOS_TF_HALF	0x0400u	/* on a listener's half-open list */
#define MOS_TF_ACTIVE	0x0800u	/* we sent the first SYN */
#define MOS_TF_PERSIST	0x1000u	/* probing a zero window */
#define MOS_TF_RTT	0x2000u	/* timing rtt_seq (no timestamps) */
#define MOS_TF_DEAD	0x4000u	/* on the free list */
#define MOS_TF_FIN_OOO	0x8000u	/* a FIN seen beyond a hole, at fin_seq */
#define MOS_TF_TLP	0x10000u /* a tail loss probe is out (RFC 8985) */

struct mos_tcb {
	/* lookup */
	struct mos_tcb *hnext;		/* hash chain */
	struct mos_tcb *lnext, *lprev;	/* listener child list / free list */
	struct mos_tcb *anext, *aprev;	/* every tcb in use */
	struct mos_tcp *eng;
	struct mos_tcb *parent;		/* listener, while unaccepted */
	uint32_t laddr, raddr;		/* network order */
	uint16_t lport, rport;		/* host order */
	uint32_t hash;

	enum mos_tcp_state state;
	unsigned flags;
	int so_error;
	void *owner;

	/* send sequence space (RFC 9293 3.3.1) */
	uint32_t iss, snd_una, snd_nxt, snd_max;
	uint32_t snd_wnd, max_sndwnd, snd_wl1, snd_wl2;
	uint8_t snd_ws, rcv_ws;		/* peer's shift, ours */
	uint16_t mss;			/* send MSS from the peer's option */
	uint16_t seg_max;		/* payload per segment: mss - options */

	/* receive sequence space */
	uint32_t irs, rcv_adv;		/* right edge advertised */
	uint32_t fin_seq;		/* the peer's FIN, when MOS_TF_FIN_RCVD */

	/* timestamps (RFC 7323 4.3) */
	uint32_t ts_recent, last_ack_sent, ts_off;

	/* congestion control (tcp_cc.c) */
	uint32_t cwnd, ssthresh, recover, bytes_acked;
	uint16_t dupacks;
	uint16_t lt_extra;		/* RFC 3042: segments beyond cwnd */

	/* retransmission (RFC 6298, tcp_timer.c) */
	uint32_t srtt_us, rttvar_us, rto_us;
	uint32_t rtt_seq;
	uint64_t rtt_start_us;
	uint64_t open_us;		/* SYN sent or received first */
	uint16_t backoff;		/* consecutive expirations */
	uint32_t retransmits;

	/* delayed ACK */
	uint16_t unacked_segs;		/* full segments not yet ACKed */

	/* listener */
	struct mos_tcb *half_head, *q_head, *q_tail;
	int backlog, nhalf, nqueued;

	struct mos_sack_sb sack;	/* what the peer SACKed (tcp_sack.c) */
	struct mos_tmr rexmt, delack;
	struct mos_sndbuf sb;
	struct mos_rcvbuf rb;
};

struct mos_tcp {
	struct mos_tcp_conf conf;
	struct mos_tcp_env env;
	struct mos_tcp_stats st;
	uint64_t now_us;
	uint32_t rmem, wmem;		/* rounded buffer sizes */

	struct mos_tcb **hash;		/* connections by 4-tuple */
	uint32_t hmask;
	struct mos_tcb *listeners;	/* few: a list */
	struct mos_tcb *all;		/* every tcb in use */
	struct mos_tcb *free_list;	/* recycled connection tcbs */
	int nfree;

	uint64_t sip_k0, sip_k1;	/* ISN key (RFC 6528) */
	uint64_t ts_k0, ts_k1;		/* timestamp offset key (RFC 7323) */
	uint64_t chal_sec;		/* RFC 5961 7: challenge ACKs in */
	uint32_t chal_count;		/* the current second */
	struct mos_wheel wheel;
};

static inline uint32_t mos_tcp_now_ms(const struct mos_tcp *s)
{
	return (uint32_t)(s->now_us / 1000u);
}

/* Pool and tables. */
struct mos_tcb *mos_tcb_alloc(struct mos_tcp *s, bool listener);
/* Unhash, stop timers, unlink from the listener, return to the pool. */
void mos_tcb_free(struct mos_tcb *t);
void mos_tcb_hash_insert(struct mos_tcp *s, struct mos_tcb *t);
void mos_tcb_unhash(struct mos_tcb *t);
struct mos_tcb *mos_tcb_lookup(struct mos_tcp *s, uint32_t laddr,
			       uint16_t lport, uint32_t raddr, uint16_t rport);
struct mos_tcb *mos_tcb_listener(struct mos_tcp *s, uint32_t laddr,
				 uint16_t lport);
/* Listener children: a SYN_RECEIVED child is half-open; once ESTABLISHED
 * it moves to the accept queue. */
void mos_tcb_child_add(struct mos_tcb *l, struct mos_tcb *c);
void mos_tcb_child_queue(struct mos_tcb *c);
void mos_tcb_child_unlink(struct mos_tcb *c);
/* RFC 6528 ISN for a 4-tuple at now. */
uint32_t mos_tcb_iss(struct mos_tcp *s, uint32_t laddr, uint16_t lport,
		     uint32_t raddr, uint16_t rport);
/* The 4-tuple's timestamp offset: a keyed hash with no clock in it, so
 * that TSval = clock + offset grows across incarnations of the tuple. */
uint32_t mos_tcb_ts_off(struct mos_tcp *s, uint32_t laddr, uint16_t lport,
			uint32_t raddr, uint16_t rport);

/* Tell the owner (or, for MOS_TCP_EV_ACCEPT, the listener's owner). */
void mos_tcb_event(struct mos_tcb *t, unsigned ev);

/* Enter CLOSED with an error: owned tcbs stay (EV_ERROR|EV_CLOSED),
 * unowned ones are freed.  Returns true when t was freed. */
bool mos_tcb_drop(struct mos_tcb *t, int err);
/* Enter TIME_WAIT (or free at once with tw_sec 0); true when freed. */
bool mos_tcb_time_wait(struct mos_tcb *t);
void mos_tcb_set_state(struct mos_tcb *t, enum mos_tcp_state st);

#endif
