/*
 * mon.h -- shared harness of the libmos.monitor tests: run one capture
 * through the public API and record every callback in order.
 *
 * Each test program registers the recording callbacks (one function per
 * hook point, because a callback is not told its hook), lets the context
 * read the whole capture, and then checks the recorded sequence.
 */
#ifndef MON_H
#define MON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mos_api.h>

#define MON_MAX_FLOWS 64
#define MON_EP_LEN 64
#define MON_TAGS 2

/* One recorded callback. */
struct mon_ev {
	int hook;		/* MOS_HK_SND, MOS_HK_RCV or MOS_NULL */
	event_t ev;
	int side, sock, tag;	/* tag: which listener's callbacks (0, 1) */
	int flow;		/* index into mon_flows, -1 for none */
	int st[2];		/* MOS_TCP_STATE_CLI/SVR read inside, -1 */
	int pkt_rc, pkt_errno;	/* mtcp_getlastpkt */
	uint32_t seq;		/* of that packet */
	uint64_t offset;
	uint16_t payloadlen;
	uint8_t flags;		/* TCP flags byte, 0 without TCP header */
	size_t drained;		/* bytes mon_drain read in this callback */
	long long aux[3];	/* free for the program's mon_after */
	int seqno;		/* position in the log */
};

/* What one monitored connection delivered, per side of the API: the
 * bytes read with mtcp_peek from ring `side`. */
struct mon_flow {
	char cli[MON_EP_LEN], svr[MON_EP_LEN];	/* ADDR.PORT, mos-flowdump(1) */
	int sock[MON_TAGS];
	uint8_t *data[2];
	size_t len[2], cap[2];
	uint64_t lost[2];	/* reported by mtcp_peek as -(lost) */
};

/* Per-flow facts from the capture's .json beside it (testsuite/captures). */
struct mon_fact {
	char a[MON_EP_LEN], b[MON_EP_LEN];
	char client;		/* 'a', 'b' or 0 (null) */
	bool syn_seen, established;
	uint64_t bytes_a_to_b, bytes_b_to_a;
	int final_a, final_b;	/* enum tcpstate, -1 unknown or null */
};

extern struct mon_ev *mon_log;
extern int mon_nlog;
extern struct mon_flow mon_flows[MON_MAX_FLOWS];
extern int mon_nflows;
/* Drain the ring with mtcp_peek on NEW_DATA (and CONN_END): default on. */
extern bool mon_drain;
/* Called after each recording, on the context thread. */
extern void (*mon_after)(mctx_t mctx, struct mon_ev *e);

/* Recording callbacks: per hook point, per listener tag. */
void mon_cb_snd(mctx_t, int, int, event_t, filter_arg_t *);
void mon_cb_rcv(mctx_t, int, int, event_t, filter_arg_t *);
void mon_cb_null(mctx_t, int, int, event_t, filter_arg_t *);
void mon_cb_snd1(mctx_t, int, int, event_t, filter_arg_t *);
void mon_cb_rcv1(mctx_t, int, int, event_t, filter_arg_t *);
void mon_cb_null1(mctx_t, int, int, event_t, filter_arg_t *);
/* Record one callback; usable from a program's own callbacks. */
struct mon_ev *mon_record(mctx_t mctx, int hook, int sock, int side,
			  event_t ev, int tag);
/* Read everything unread of `side` into the flow's buffer. */
void mon_drain_side(mctx_t mctx, int sock, int side, int flow);

/* Every built-in (event, hook) pair the API accepts on a listener,
 * registered with tag 0 or 1's callbacks; 0 or -1. */
int mon_register_all(mctx_t mctx, int sock, int tag);

/* Write a pcap configuration for `capture` plus `extra` settings inside
 * the mos group ("" for none); the path is malloc'd, NULL on failure. */
char *mon_conf(const char *capture, const char *extra);
/* mtcp_init, one context, setup(), mtcp_app_join, teardown.  0 if every
 * call succeeded. */
int mon_run(const char *conf, int (*setup)(mctx_t mctx));
/* Forget the previous run's log and flows. */
void mon_reset(void);
void mon_free(void);

/* Facts of CAPTURE.json next to CAPTURE.pcap; count or -1. */
int mon_facts(const char *capture, struct mon_fact *out, int max);
/* The flow whose client endpoint is ep (and server sv if not NULL). */
int mon_flow_find(const char *cli, const char *svr);
/* For the programs that write their own captures: big-endian stores and
 * the Internet checksum (RFC 1071) of n bytes added to a partial sum. */
void mon_put16(uint8_t *p, uint16_t v);
void mon_put32(uint8_t *p, uint32_t v);
uint16_t mon_csum(uint32_t sum, const uint8_t *p, size_t n);

/* Read FILE fully (malloc'd, *len); NULL if it cannot. */
uint8_t *mon_slurp(const char *path, size_t *len);

const char *mon_hook_name(int hook);
const char *mon_ev_name(event_t ev);
const char *mon_state_name(int st);
int mon_state_from_name(const char *name);
/* Print the log as comment lines ("# ..."). */
void mon_dump(void);

/* Count the log entries matching: flow (-1 any), hook (0 any), ev (0 any),
 * side (-1 any). */
int mon_count(int flow, int hook, event_t ev, int side);
/* The i-th such entry's index in mon_log, or -1. */
int mon_find(int flow, int hook, event_t ev, int side, int i);

#endif
