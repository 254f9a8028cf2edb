/*
 * api_monitor.c -- monitor sockets: mtcp_socket, mtcp_close,
 * mtcp_bind_monitor_filter, mtcp_register_callback, mtcp_set_uctx,
 * mtcp_get_uctx, mtcp_getpeername.
 *
 * Checks run in a fixed order: context, calling thread,
 * socket id, socket kind, then the other arguments.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <mos_api.h>

#include "context.h"
#include "event.h"
#include "filter.h"
#include "host/host.h"

static int list_add(int **list, int *n, int *cap, int id)
{
	if (*n == *cap) {
		int ncap = *cap ? *cap * 2 : 8;
		int *l = realloc(*list, sizeof(int) * (size_t)ncap);

		if (!l) {
			errno = ENOMEM;
			return -1;
		}
		*list = l;
		*cap = ncap;
	}
	(*list)[(*n)++] = id;
	return 0;
}

static void list_del(int *list, int *n, int id)
{
	int i;

	for (i = 0; i < *n; i++) {
		if (list[i] == id) {
			memmove(&list[i], &list[i + 1],
				sizeof(int) * (size_t)(*n - i - 1));
			(*n)--;
			return;
		}
	}
}

MOS_EXPORT int mtcp_socket(mctx_t mctx, int domain, int type, int protocol)
{
	struct mos_ctx *c = mos_ctx_check(mctx);
	int id, rc;

	(void)protocol;
	if (!c)
		return -1;
	if (domain != AF_INET) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (type == SOCK_STREAM || type == MOS_SOCK_STREAM) {
		/* end-host TCP (api_host.c) */
		mos_ctx_enter(c);
		id = mos_host_socket(c);
		rc = errno;
		mos_host_leave(c);
		if (id < 0)
			errno = rc;
		return id;
	}
	if (type != MOS_SOCK_MONITOR_STREAM && type != MOS_SOCK_MONITOR_RAW) {
		errno = EINVAL;
		return -1;
	}
	mos_ctx_enter(c);
	id = mos_sock_alloc(&c->socks, type);
	if (id >= 0) {
		rc = type == MOS_SOCK_MONITOR_STREAM
			     ? list_add(&c->listeners, &c->nlisteners,
					&c->caplisteners, id)
			     : list_add(&c->raws, &c->nraws, &c->capraws, id);
		if (rc < 0) {
			mos_sock_free(&c->socks, id);
			id = -1;
		}
	}
	mos_ctx_leave(c);
	return id;
}

static void close_listener(struct mos_ctx *c, int id)
{
	int i;

	list_del(c->listeners, &c->nlisteners, id);
	/* its flows' sockets stay until their flows end, silent */
	for (i = 0; i < c->socks.high; i++) {
		struct mos_sock *s = &c->socks.s[i];

		if (s->type == MOS_SOCK_MONITOR_STREAM_ACTIVE &&
		    s->listener == id) {
			s->closing = true;
			s->listener = -1;
		}
	}
}

MOS_EXPORT int mtcp_close(mctx_t mctx, int sock)
{
	struct mos_ctx *c = mos_ctx_check(mctx);
	struct mos_sock *s;
	int rc = 0, err;

	if (!c)
		return -1;
	mos_ctx_enter(c);
	s = mos_sock_get(&c->socks, sock);
	if (!s) {
		errno = EBADF;
		rc = -1;
	} else if (s->type == MOS_SOCK_MONITOR_STREAM_ACTIVE) {
		errno = EINVAL;		/* use MOS_STOP_MON */
		rc = -1;
	} else if (mos_sock_is_host(s->type)) {
		rc = mos_host_close(c, s);	/* api_host.c */
		err = errno;
		mos_host_leave(c);
		if (rc < 0)
			errno = err;
		return rc;
	} else {
		if (s->type == MOS_SOCK_MONITOR_STREAM)
			close_listener(c, sock);
		else
			list_del(c->raws, &c->nraws, sock);
		mos_sock_free(&c->socks, sock);
	}
	mos_ctx_leave(c);
	return rc;
}

static int bind_filters(struct mos_sock *s, monitor_filter_t ft)
{
	struct mos_filter a = { 0 }, b = { 0 };

	if (s->type == MOS_SOCK_MONITOR_RAW) {
		if (ft->raw_pkt_filter &&
		    mos_filter_compile(&a, ft->raw_pkt_filter, false) < 0)
			return -1;
		if (a.set) {
			if (s->lis->raw_filter.set)
				pcap_freecode(&s->lis->raw_filter.prog);
			s->lis->raw_filter = a;
		}
		return 0;
	}
	if (ft->stream_syn_filter &&
	    mos_filter_compile(&a, ft->stream_syn_filter, true) < 0)
		return -1;
	if (ft->stream_orphan_filter &&
	    mos_filter_compile(&b, ft->stream_orphan_filter, true) < 0) {
		if (a.set)
			pcap_freecode(&a.prog);
		return -1;
	}
	if (a.set) {
		if (s->lis->syn_filter.set)
			pcap_freecode(&s->lis->syn_filter.prog);
		s->lis->syn_filter = a;
	}
	if (b.set) {
		if (s->lis->orphan_filter.set)
			pcap_freecode(&s->lis->orphan_filter.prog);
		s->lis->orphan_filter = b;
	}
	return 0;
}

MOS_EXPORT int mtcp_bind_monitor_filter(mctx_t mctx, int sock,
					monitor_filter_t ft)
{
	struct mos_ctx *c = mos_ctx_check(mctx);
	struct mos_sock *s;
	int rc = -1;

	if (!c)
		return -1;
	mos_ctx_enter(c);
	s = mos_sock_get(&c->socks, sock);
	if (!s)
		errno = EBADF;
	else if (s->type != MOS_SOCK_MONITOR_STREAM &&
		 s->type != MOS_SOCK_MONITOR_RAW)
		errno = ENOPROTOOPT;
	else
		rc = ft ? bind_filters(s, ft) : 0;
	mos_ctx_leave(c);
	return rc;
}

/* mtcp_register_callback(3): which events each hook accepts (checked on
 * the root). */
static bool hook_allows(int hook, event_t root, bool raw)
{
	const event_t not_null = MOS_ON_CONN_START | MOS_ON_REXMIT |
				 MOS_ON_TCP_STATE_CHANGE | MOS_ON_CONN_END;
	const event_t null_only = MOS_ON_CONN_NEW_DATA | MOS_ON_ORPHAN |
				  MOS_ON_ERROR;

	if (hook == MOS_NULL)
		return !(root & not_null);
	if (raw)
		return false;
	return !(root & null_only);
}

MOS_EXPORT int mtcp_register_callback(mctx_t mctx, int sock, event_t event,
				      int hook_point, callback_t cb)
{
	struct mos_ctx *c = mos_ctx_check(mctx);
	struct mos_sock *s;
	int hook, rc = -1;

	if (!c)
		return -1;
	mos_ctx_enter(c);
	s = mos_sock_get(&c->socks, sock);
	hook = mos_hook_index(hook_point);
	if (s && s->type == MOS_SOCK_MONITOR_STREAM_ACTIVE && mos_self != c)
		errno = EPERM;
	else if (!s)
		errno = EBADF;
	else if (hook < 0 || !mos_event_valid(event) ||
		 !hook_allows(hook_point, mos_ude_root(event),
			      s->type == MOS_SOCK_MONITOR_RAW))
		errno = EINVAL;
	else
		rc = mos_cbtab_set(&s->cbs, event, hook, cb);
	mos_ctx_leave(c);
	return rc;
}

/* The socket for a callback-only call, or NULL with errno set. */
struct mos_sock *mos_cb_sock(mctx_t mctx, int sock, struct mos_ctx **cp)
{
	struct mos_ctx *c = mos_ctx_check(mctx);
	struct mos_sock *s;

	if (!c)
		return NULL;
	if (mos_self != c) {
		errno = EPERM;
		return NULL;
	}
	s = mos_sock_get(&c->socks, sock);
	if (!s) {
		errno = EBADF;
		return NULL;
	}
	*cp = c;
	return s;
}

MOS_EXPORT void mtcp_set_uctx(mctx_t mctx, int sock, void *uctx)
{
	struct mos_ctx *c;
	struct mos_sock *s = mos_cb_sock(mctx, sock, &c);

	if (s)
		s->uctx = uctx;
}

MOS_EXPORT void *mtcp_get_uctx(mctx_t mctx, int sock)
{
	struct mos_ctx *c;
	struct mos_sock *s = mos_cb_sock(mctx, sock, &c);

	return s ? s->uctx : NULL;
}

static socklen_t put_addr(struct sockaddr *sa, const struct mos_flow_key *k,
			  int side)
{
	if (k->ipver == 4) {
		struct sockaddr_in *in = (struct sockaddr_in *)sa;

		memset(in, 0, sizeof(*in));
		in->sin_family = AF_INET;
		in->sin_addr.s_addr = k->addr[side].v4;
		in->sin_port = htons(k->port[side]);
		return sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;

		memset(in6, 0, sizeof(*in6));
		in6->sin6_family = AF_INET6;
		memcpy(&in6->sin6_addr, k->addr[side].v6, 16);
		in6->sin6_port = htons(k->port[side]);
		return sizeof(*in6);
	}
}

MOS_EXPORT int mtcp_getpeername(mctx_t mctx, int sock, struct sockaddr *saddr,
				socklen_t *addrlen, int side)
{
	struct mos_ctx *c = mos_ctx_check(mctx);
	struct mos_sock *s;
	const struct mos_flow_key *k;
	socklen_t one, need;
	int rc;

	/* end-host stream sockets: any thread, `side` unused (api_host.c);
	 * the others are callback-only, refused without waiting for the
	 * context (its thread may be the one waiting for this caller) */
	if (c && mos_sock_is_host(mos_sock_type_hint(&c->socks, sock)) &&
	    mos_host_getpeername(c, sock, saddr, addrlen, &rc))
		return rc;
	s = mos_cb_sock(mctx, sock, &c);
	if (!s)
		return -1;
	if (s->type != MOS_SOCK_MONITOR_STREAM_ACTIVE) {
		errno = ENOTCONN;
		return -1;
	}
	if (!saddr || !addrlen || side < MOS_SIDE_CLI || side > MOS_SIDE_BOTH) {
		errno = EINVAL;
		return -1;
	}
	k = &s->flow->key;
	one = k->ipver == 4 ? sizeof(struct sockaddr)
			    : sizeof(struct sockaddr_in6);
	need = side == MOS_SIDE_BOTH ? 2 * one : one;
	if (*addrlen < need) {
		errno = k->ipver == 4 || *addrlen < (side == MOS_SIDE_BOTH ?
			2 * sizeof(struct sockaddr) : sizeof(struct sockaddr))
			? EINVAL : EAFNOSUPPORT;
		return -1;
	}
	if (side == MOS_SIDE_BOTH) {
		put_addr(saddr, k, MOS_SIDE_CLI);
		put_addr((struct sockaddr *)((char *)saddr + one), k,
			 MOS_SIDE_SVR);
	} else {
		put_addr(saddr, k, side);
	}
	*addrlen = need;
	return 0;
}
