/*
 * hsock.c -- end-host socket records (see hsock.h).
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>

#include "context.h"
#include "host/epoll.h"
#include "host/host.h"
#include "host/hsock.h"

int mos_hsock_new(struct mos_ctx *c, int type, struct mos_hsock **out)
{
	struct mos_hsock *hs = calloc(1, sizeof(*hs));
	int id;

	if (!hs) {
		errno = ENOMEM;
		return -1;
	}
	id = mos_sock_alloc(&c->socks, type);
	if (id < 0) {
		free(hs);
		return -1;
	}
	hs->id = id;
	hs->type = type;
	hs->pipe_end = -1;
	hs->ep_token = ++c->host->ep_tokens;
	c->socks.s[id].host = hs;
	*out = hs;
	return id;
}

struct mos_hsock *mos_hsock_get(struct mos_ctx *c, int id)
{
	struct mos_sock *s = mos_sock_get(&c->socks, id);

	return s && mos_sock_is_host(s->type) ? s->host : NULL;
}

void mos_hsock_release(struct mos_ctx *c, struct mos_hsock *hs)
{
	struct mos_sock *s = &c->socks.s[hs->id];

	s->host = NULL;
	mos_sock_free(&c->socks, hs->id);
	free(hs);
}
