/*
 * api_epoll.c -- epoll over end-host sockets (mtcp_epoll_create(3)):
 * mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, EventToString.
 */
#include "internal.h"

#include <errno.h>
#include <time.h>

#include <mtcp_epoll.h>

#include "context.h"
#include "host/epoll.h"
#include "host/host.h"
#include "host/hsock.h"

MOS_EXPORT int mtcp_epoll_create(mctx_t mctx, int size)
{
	struct mos_ctx *c = mos_ctx_check(mctx);
	struct mos_hsock *hs;
	int id, err = 0;

	if (!c)
		return -1;
	if (size <= 0) {
		errno = EINVAL;
		return -1;
	}
	mos_ctx_enter(c);
	if (c->host->ep) {
		err = EEXIST;	/* [ours]: 0.3 replaced the first silently */
		id = -1;
		goto out;
	}
	id = mos_hsock_new(c, MOS_SOCK_EPOLL, &hs);
	if (id < 0) {
		err = errno;
		goto out;
	}
	hs->ep = mos_epoll_new(id, size);
	if (!hs->ep) {
		mos_hsock_release(c, hs);
		err = ENOMEM;
		id = -1;
		goto out;
	}
	c->host->ep = hs->ep;
out:
	mos_host_leave(c);
	if (err)
		errno = err;
	return id;
}

static bool watchable(const struct mos_hsock *hs)
{
	return hs && (hs->type == MOS_SOCK_STREAM ||
		      hs->type == MOS_SOCK_STREAM_LISTEN ||
		      hs->type == MOS_SOCK_PIPE);
}

static int ctl(struct mos_ctx *c, int epid, int op, int sock,
	       const struct mtcp_epoll_event *event)
{
	struct mos_hsock *ep, *hs;

	if (!mos_sock_get(&c->socks, epid) || !mos_sock_get(&c->socks, sock))
		return EBADF;
	ep = mos_hsock_get(c, epid);
	hs = mos_hsock_get(c, sock);
	if (!ep || !ep->ep)
		return EINVAL;
	if (op != MOS_EPOLL_CTL_ADD && op != MOS_EPOLL_CTL_MOD &&
	    op != MOS_EPOLL_CTL_DEL)
		return EINVAL;
	if (!watchable(hs))
		return EINVAL;
	if (op != MOS_EPOLL_CTL_DEL && !event)
		return EINVAL;
	if (op == MOS_EPOLL_CTL_ADD && hs->ep_reg)
		return EEXIST;
	if (op != MOS_EPOLL_CTL_ADD && !hs->ep_reg)
		return ENOENT;
	mos_epoll_forget(c, hs);
	if (op == MOS_EPOLL_CTL_DEL) {
		hs->ep_reg = false;
		return 0;
	}
	/* only the low 32 bits: MOS_EPOLLET sign-extends (mtcp_epoll_ctl(3)) */
	hs->ep_mask = (uint32_t)event->events | MOS_EPOLLERR | MOS_EPOLLHUP;
	hs->ep_data = event->data;
	hs->ep_reg = true;
	hs->ep_off = false;
	mos_epoll_raise(c, hs, mos_host_ready(c, hs));
	return 0;
}

MOS_EXPORT int mtcp_epoll_ctl(mctx_t mctx, int epid, int op, int sock,
			      struct mtcp_epoll_event *event)
{
	struct mos_ctx *c = mos_ctx_check(mctx);
	int err;

	if (!c)
		return -1;
	mos_ctx_enter(c);
	err = ctl(c, epid, op, sock, event);
	mos_host_leave(c);
	if (err)
		errno = err;
	return err ? -1 : 0;
}

static struct timespec deadline_in(int ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

MOS_EXPORT int mtcp_epoll_wait(mctx_t mctx, int epid,
			       struct mtcp_epoll_event *events, int maxevents,
			       int timeout)
{
	struct mos_ctx *c = mos_ctx_check(mctx);
	struct timespec dl;
	struct mos_hsock *hs;
	struct mos_epoll *ep;
	uint64_t gen;
	int n = 0, err = 0, saved = errno;

	if (!c)
		return -1;
	if (timeout > 0)
		dl = deadline_in(timeout);
	mos_ctx_enter(c);
	hs = mos_hsock_get(c, epid);
	if (!mos_sock_get(&c->socks, epid)) {
		err = EBADF;
		goto out;
	}
	if (!hs || !hs->ep || !events || maxevents <= 0) {
		err = EINVAL;
		goto out;
	}
	ep = hs->ep;
	gen = c->host->ep_gen;
	for (;;) {
		n = mos_epoll_take(c, ep, events, maxevents);
		if (n || timeout == 0)
			break;
		if (mos_host_sleep(c, timeout > 0 ? &dl : NULL) < 0) {
			err = errno == ETIMEDOUT ? 0 : errno;
			break;
		}
		/* closed meanwhile (by another thread): [ours] EINTR */
		if (c->host->ep_gen != gen) {
			err = EINTR;
			break;
		}
	}
out:
	mos_host_leave(c);
	if (err) {
		errno = err;
		return -1;
	}
	errno = saved;	/* a timeout is not an error */
	return n;
}

MOS_EXPORT char *EventToString(uint32_t event)
{
	switch (event) {
	case MOS_EPOLLNONE:
		return "NONE";
	case MOS_EPOLLIN:
		return "IN";
	case MOS_EPOLLPRI:
		return "PRI";
	case MOS_EPOLLOUT:
		return "OUT";
	case MOS_EPOLLERR:
		return "ERR";
	case MOS_EPOLLHUP:
		return "HUP";
	case MOS_EPOLLRDHUP:
		return "RDHUP";
	default:
		return "UNKNOWN";	/* [ours]: 0.3 aborted */
	}
}
