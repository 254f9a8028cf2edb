/*
 * epoll.h -- the context's epoll instance (mtcp_epoll_create(3)).
 *
 * A FIFO of single-bit events, each tagged with the registration it was
 * raised under (hsock.h ep_token): an event whose socket was closed,
 * removed or re-registered since is dropped when it reaches the front.  A
 * bit is queued at most once per registration at a time (ep_queued), so
 * the queue never holds more than four entries per watched socket.
 *
 * Level-triggered re-arming is the socket layer's: after a read, write or
 * accept that leaves data, space or connections it raises the event again
 * (unless MOS_EPOLLET); MOS_EPOLLONESHOT turns the registration off after
 * one delivery until MOS_EPOLL_CTL_MOD.
 */
#ifndef MOS_HOST_EPOLL_H
#define MOS_HOST_EPOLL_H

#include <stdbool.h>
#include <stdint.h>

#include <mtcp_epoll.h>

struct mos_ctx;
struct mos_hsock;

struct mos_ep_item {
	int sock;
	uint32_t ev;		/* one MOS_EPOLL* bit */
	uint64_t token;
};

struct mos_epoll {
	int id;
	struct mos_ep_item *q;	/* ring of cap items */
	int cap, head, n;
	uint64_t lost;		/* raised while the ring could not grow */
};

/* The events an end-host socket can report at all. */
#define MOS_EP_RAISED (MOS_EPOLLIN | MOS_EPOLLOUT | MOS_EPOLLERR | \
		       MOS_EPOLLRDHUP)

struct mos_epoll *mos_epoll_new(int id, int size);	/* NULL: ENOMEM */
void mos_epoll_free(struct mos_epoll *ep);

/* Queue `bits` (a mask) for hs if it is registered, interested and not
 * switched off by ONESHOT; each bit not queued already. */
void mos_epoll_raise(struct mos_ctx *c, struct mos_hsock *hs, uint32_t bits);
/* Forget what is queued for hs (DEL, MOD, close): a new token. */
void mos_epoll_forget(struct mos_ctx *c, struct mos_hsock *hs);
/* Move up to max live events to out; returns how many. */
int mos_epoll_take(struct mos_ctx *c, struct mos_epoll *ep,
		   struct mtcp_epoll_event *out, int max);
/* Is any event queued (live or not)? */
static inline bool mos_epoll_pending(const struct mos_epoll *ep)
{
	return ep->n > 0;
}

#endif
