/*
 * sock.h -- the per-context socket table and callback templates.
 *
 * One id space for every socket kind of a context; freed ids go to the
 * back of a FIFO so a just-freed id is not reused at once.  A listener's
 * callback registrations live in a reference-counted template that each
 * new per-flow socket shares; registering on a per-flow socket copies it
 * first, registering on the listener replaces the listener's template, so
 * flows already running keep what they had.
 */
#ifndef MOS_SOCK_H
#define MOS_SOCK_H

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>

#include <mos_api.h>

#define MOS_HOOKS 3	/* index 0 MOS_HK_SND, 1 MOS_HK_RCV, 2 MOS_NULL */

struct mos_cbreg {
	event_t ev;		/* a user-defined event id */
	int hook;		/* hook index */
	callback_t cb;
};

struct mos_cbtab {
	int refs;
	callback_t bev[NUM_BEV][MOS_HOOKS];
	/* built-in events with a callback on them or on a descendant */
	uint32_t want[MOS_HOOKS];
	int nude, capude;
	struct mos_cbreg *ude;
};

struct mos_filter {
	bool set;
	struct bpf_program prog;
};

struct mos_flow;
struct mos_hsock;	/* end-host sockets: lib/host/hsock.h */

/* What only listeners and raw sockets have: allocated with the socket,
 * so that a per-flow socket (one per tracked flow) stays one cache line. */
struct mos_lsock {
	uint32_t buf_size[2];	/* > 0: ring capacity for future flows */
	struct mos_filter syn_filter, orphan_filter, raw_filter;
};

/* One cache line: what a packet of a monitored flow reads of its sockets
 * (the walk of the flow's list, the dispatch, the peek offsets).  The
 * state of the other kinds lives out of line, behind the one pointer of
 * their kind (the union is discriminated by `type`). */
struct mos_sock {
	uint8_t type;		/* enum socket_type; MOS_SOCK_UNUSED = free */
	bool closing;		/* listener closed: no more callbacks */
	uint8_t stopped;	/* per-flow: bit per side, MOS_STOP_MON */
	int8_t policy_req[2];	/* overlap policy asked for, -1 none */
	bool buf_off[2];	/* listeners: MOS_CLIBUF/MOS_SVRBUF = 0
				 * (here only because it fills a hole) */
	/* per-flow sockets */
	int fprev, fnext;	/* the flow's sockets, listener order */
	int listener;
	int next_free;
	struct mos_cbtab *cbs;	/* NULL = nothing registered */
	union {
		/* MOS_SOCK_MONITOR_STREAM_ACTIVE */
		struct mos_flow *flow;
		/* end-host sockets (stream, listen, epoll, pipe): their
		 * state lives in a table of its own */
		struct mos_hsock *host;
		/* MOS_SOCK_MONITOR_STREAM and MOS_SOCK_MONITOR_RAW */
		struct mos_lsock *lis;
	};
	uint64_t peek_off[2];
	void *uctx;
};

struct mos_sock_table {
	struct mos_sock *s;
	int cap;
	int high;		/* ids below it have been handed out */
	int free_head, free_tail;
	int n_monitor;		/* listeners + raw sockets in use */
	int n_flow;		/* per-flow sockets in use */
	int n_host;		/* end-host sockets in use ... */
	int host_cap;		/* ... at most this many (libmos(3)) */
};

/* cap ids in all; host_cap of them at most for end-host sockets. */
int mos_sock_table_init(struct mos_sock_table *t, int cap, int host_cap);
/* An end-host kind: stream, listener, epoll, pipe. */
static inline bool mos_sock_is_host(int type)
{
	return type == MOS_SOCK_STREAM || type == MOS_SOCK_STREAM_LISTEN ||
	       type == MOS_SOCK_EPOLL || type == MOS_SOCK_PIPE;
}
void mos_sock_table_fini(struct mos_sock_table *t);
/* A free id with the socket zeroed and typed (a listener or raw socket
 * with its struct mos_lsock), or -1 (ENFILE, ENOMEM). */
int mos_sock_alloc(struct mos_sock_table *t, int type);
void mos_sock_free(struct mos_sock_table *t, int id);
/* The socket in use with that id, or NULL.  Inline: every dispatch asks. */
static inline struct mos_sock *mos_sock_get(struct mos_sock_table *t, int id)
{
	if (id < 0 || id >= t->high || t->s[id].type == MOS_SOCK_UNUSED)
		return NULL;
	return &t->s[id];
}

/* The kind of socket id without the context's lock (another thread may
 * be changing it): only a hint for choosing a path that checks again
 * under the lock.  The array never moves, ids past `high` are zeroed. */
static inline int mos_sock_type_hint(const struct mos_sock_table *t, int id)
{
	if (id < 0 || id >= t->cap)
		return MOS_SOCK_UNUSED;
	return __atomic_load_n(&t->s[id].type, __ATOMIC_RELAXED);
}

int mos_hook_index(int hook);	/* -1 for an unknown hook */

void mos_cbtab_put(struct mos_cbtab *tab);
struct mos_cbtab *mos_cbtab_get(struct mos_cbtab *tab);
/* Set or clear (cb NULL) a registration on *tabp, copying a shared table
 * first.  -1 with EINVAL when clearing what is not there, ENOMEM. */
int mos_cbtab_set(struct mos_cbtab **tabp, event_t ev, int hook,
		  callback_t cb);
callback_t mos_cbtab_lookup(const struct mos_cbtab *tab, event_t ev,
			    int hook);
/* Is a callback registered at hook on ev itself or on a descendant of it? */
bool mos_cbtab_wants(const struct mos_cbtab *tab, event_t ev, int hook);

#endif
