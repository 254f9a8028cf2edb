/*
 * epoll.c -- the epoll instance's event queue (see epoll.h).
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>

#include "context.h"
#include "host/epoll.h"
#include "host/host.h"
#include "host/hsock.h"

struct mos_epoll *mos_epoll_new(int id, int size)
{
	struct mos_epoll *ep = calloc(1, sizeof(*ep));
	int cap = size < 16 ? 16 : size;

	if (!ep || !(ep->q = malloc(sizeof(*ep->q) * (size_t)cap))) {
		free(ep);
		errno = ENOMEM;
		return NULL;
	}
	ep->id = id;
	ep->cap = cap;
	return ep;
}

void mos_epoll_free(struct mos_epoll *ep)
{
	if (!ep)
		return;
	free(ep->q);
	free(ep);
}

/* Room for one more: `size` was a hint (0.3); the ring doubles rather
 * than lose an event. */
static bool grow(struct mos_epoll *ep)
{
	struct mos_ep_item *n;
	int i, ncap = ep->cap * 2;

	if (ep->n < ep->cap)
		return true;
	n = malloc(sizeof(*n) * (size_t)ncap);
	if (!n)
		return false;
	for (i = 0; i < ep->n; i++)
		n[i] = ep->q[(ep->head + i) % ep->cap];
	free(ep->q);
	ep->q = n;
	ep->cap = ncap;
	ep->head = 0;
	return true;
}

void mos_epoll_raise(struct mos_ctx *c, struct mos_hsock *hs, uint32_t bits)
{
	struct mos_epoll *ep = c->host->ep;
	uint32_t b;

	if (!ep || !hs->ep_reg || hs->ep_off)
		return;
	bits &= hs->ep_mask & ~hs->ep_queued & MOS_EP_RAISED;
	while (bits) {
		b = bits & -bits;
		bits &= ~b;
		if (!grow(ep)) {
			ep->lost++;
			continue;
		}
		ep->q[(ep->head + ep->n) % ep->cap] =
			(struct mos_ep_item){ hs->id, b, hs->ep_token };
		ep->n++;
		hs->ep_queued |= b;
		mos_host_kick(c->host);
	}
}

void mos_epoll_forget(struct mos_ctx *c, struct mos_hsock *hs)
{
	hs->ep_token = ++c->host->ep_tokens;
	hs->ep_queued = 0;
}

int mos_epoll_take(struct mos_ctx *c, struct mos_epoll *ep,
		   struct mtcp_epoll_event *out, int max)
{
	int got = 0;

	while (ep->n && got < max) {
		struct mos_ep_item it = ep->q[ep->head];
		struct mos_hsock *hs;

		ep->head = (ep->head + 1) % ep->cap;
		ep->n--;
		hs = mos_hsock_get(c, it.sock);
		/* closed, removed or re-registered since: dropped */
		if (!hs || hs->ep_token != it.token || !hs->ep_reg)
			continue;
		hs->ep_queued &= ~it.ev;
		if (hs->ep_off || !(hs->ep_mask & it.ev))
			continue;
		out[got].events = it.ev;
		out[got].data = hs->ep_data;
		got++;
		if (hs->ep_mask & MOS_EPOLLONESHOT) {
			/* the rest of what is queued goes too */
			hs->ep_off = true;
			mos_epoll_forget(c, hs);
		}
	}
	return got;
}
