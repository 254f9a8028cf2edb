/*
 * hsock.h -- the end-host half of a socket (stream, listener, epoll
 * instance, pipe end): what struct mos_sock points to through `host`.
 *
 * Kept out of struct mos_sock so that the monitor's first cache line does
 * not grow.  Allocated when the socket is created, freed when its id is
 * released (mos_hsock_release).
 */
#ifndef MOS_HOST_HSOCK_H
#define MOS_HOST_HSOCK_H

#include <stdbool.h>
#include <stdint.h>

#include <mtcp_epoll.h>

struct mos_ctx;
struct mos_tcb;
struct mos_pipe;
struct mos_epoll;

/* Where an active open stands. */
enum mos_hs_conn {
	MOS_HS_IDLE = 0,	/* never connected or listened */
	MOS_HS_CONNECTING,	/* SYN sent, not established yet */
	MOS_HS_CONNECTED,	/* established (accepted ones start here) */
	MOS_HS_FAILED,		/* reset, refused or timed out: see so_error */
};

struct mos_hsock {
	int id;
	int type;		/* the socket's enum socket_type */
	bool nonblock;

	/* stream and listener */
	struct mos_tcb *tcb;	/* NULL: no connection (yet, or any more) */
	enum mos_hs_conn conn;
	bool bound;
	uint32_t laddr;		/* bound / local address, network order */
	uint16_t lport;
	int so_error;		/* kept after the tcb's end */
	bool rst_sent;		/* mtcp_abort done */

	/* registration with the context's epoll instance (epoll.h) */
	bool ep_reg;		/* ADD done, no DEL since */
	bool ep_off;		/* ONESHOT delivered: silent until MOD */
	uint32_t ep_mask;	/* interest, ERR and HUP included */
	uint32_t ep_queued;	/* bits queued under ep_token */
	uint64_t ep_token;	/* changes at ADD, MOD, DEL and close */
	mtcp_epoll_data_t ep_data;

	/* pipe end */
	struct mos_pipe *pipe;
	int pipe_end;		/* 0 read, 1 write */

	/* epoll instance */
	struct mos_epoll *ep;
};

/* A new end-host socket of `type` with its id, or -1 (ENFILE, ENOMEM). */
int mos_hsock_new(struct mos_ctx *c, int type, struct mos_hsock **out);
/* The end-host socket behind id, or NULL (unused id or another kind). */
struct mos_hsock *mos_hsock_get(struct mos_ctx *c, int id);
/* Release the id and free the end-host part (the caller has dealt with
 * the tcb, pipe or epoll instance). */
void mos_hsock_release(struct mos_ctx *c, struct mos_hsock *hs);

#endif
