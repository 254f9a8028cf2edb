/*
 * event.c -- user-defined events and callback dispatch.
 *
 * A user-defined event (UDE) hangs below a built-in event or another UDE.
 * Its filter runs only when the parent fired for a socket that has a
 * callback on the UDE or below it at that hook; when the filter says yes,
 * the UDE's callback runs and then its own children, depth first, in
 * definition order.  Floating events (mtcp_alloc_event) have no filter and
 * fire only when raised during the dispatch.
 */
#include "internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "event.h"

static struct mos_ude *udes;
static int nudes, capudes;
static pthread_mutex_t ude_lock = PTHREAD_MUTEX_INITIALIZER;

const struct mos_ude *mos_ude_get(event_t id)
{
	if (id < MOS_UDE_FIRST || id - MOS_UDE_FIRST >= (event_t)nudes)
		return NULL;
	return &udes[id - MOS_UDE_FIRST];
}

int mos_ude_count(void)
{
	return nudes;
}

const struct mos_ude *mos_ude_at(int i)
{
	return &udes[i];
}

static bool is_builtin(event_t ev)
{
	return ev && ev < MOS_UDE_FIRST && !(ev & (ev - 1));
}

bool mos_event_valid(event_t ev)
{
	return is_builtin(ev) || mos_ude_get(ev);
}

event_t mos_ude_root(event_t ev)
{
	const struct mos_ude *u;

	if (is_builtin(ev))
		return ev;
	u = mos_ude_get(ev);
	return u ? u->root : 0;
}

bool mos_ude_is_descendant(event_t ev, event_t anc)
{
	while (ev) {
		const struct mos_ude *u;

		if (ev == anc)
			return true;
		u = mos_ude_get(ev);
		if (!u)
			return false;
		ev = u->parent;
	}
	return false;
}

static event_t ude_add(event_t base, filter_t filter, const filter_arg_t *arg)
{
	struct mos_ude *u;
	void *copy = NULL;
	size_t len = arg ? arg->len : 0;

	if (nudes == capudes) {
		int ncap = capudes ? capudes * 2 : 16;
		struct mos_ude *n = realloc(udes, sizeof(*n) * (size_t)ncap);

		if (!n)
			goto nomem;
		udes = n;
		capudes = ncap;
	}
	if (len) {
		copy = malloc(len);
		if (!copy)
			goto nomem;
		memcpy(copy, arg->arg, len);
	}
	u = &udes[nudes];
	u->id = MOS_UDE_FIRST + (event_t)nudes;
	u->parent = base;
	u->root = mos_ude_root(base);
	u->filter = filter;
	u->arg.arg = copy;
	u->arg.len = len;
	nudes++;
	return u->id;
nomem:
	errno = ENOMEM;
	return MOS_NULL_EVENT;
}

static event_t ude_same(event_t base, filter_t filter, const filter_arg_t *arg)
{
	size_t len = arg ? arg->len : 0;
	int i;

	for (i = 0; i < nudes; i++) {
		const struct mos_ude *u = &udes[i];

		if (u->parent == base && u->filter == filter &&
		    u->arg.len == len &&
		    (!len || memcmp(u->arg.arg, arg->arg, len) == 0))
			return u->id;
	}
	return MOS_NULL_EVENT;
}

event_t mos_ude_define(event_t base, filter_t filter, const filter_arg_t *arg)
{
	event_t id;

	if (!filter || !mos_event_valid(base) ||
	    (arg && arg->len && !arg->arg)) {
		errno = EINVAL;
		return MOS_NULL_EVENT;
	}
	pthread_mutex_lock(&ude_lock);
	id = ude_same(base, filter, arg);
	if (!id)
		id = ude_add(base, filter, arg);
	pthread_mutex_unlock(&ude_lock);
	return id;
}

event_t mos_ude_alloc(event_t parent)
{
	event_t id;

	if (!mos_event_valid(parent)) {
		errno = EINVAL;
		return MOS_NULL_EVENT;
	}
	pthread_mutex_lock(&ude_lock);
	id = ude_add(parent, NULL, NULL);
	pthread_mutex_unlock(&ude_lock);
	return id;
}

void mos_ude_reset(void)
{
	int i;

	pthread_mutex_lock(&ude_lock);
	for (i = 0; i < nudes; i++)
		free(udes[i].arg.arg);
	free(udes);
	udes = NULL;
	nudes = capudes = 0;
	pthread_mutex_unlock(&ude_lock);
}

/* ---------------------------------------------------------------- dispatch */

static void fire(struct mos_ctx *c, int sock, int hook, int side, event_t ev);

static struct mos_sock *usable(struct mos_ctx *c, int sock, int side)
{
	struct mos_sock *s = mos_sock_get(&c->socks, sock);

	if (!s || s->closing)
		return NULL;
	if (side == MOS_SIDE_CLI || side == MOS_SIDE_SVR)
		if (s->stopped & (1u << side))
			return NULL;
	return s;
}

/* Events raised (mtcp_raise_event) while the last filter or callback ran. */
static void run_raised(struct mos_ctx *c, int sock, int hook, int side)
{
	struct mos_raise *r = c->cur.raise;

	while (r->nraised > 0) {
		event_t ev = r->raised[0];
		int i;

		r->nraised--;
		memmove(r->raised, r->raised + 1,
			sizeof(event_t) * (size_t)r->nraised);

		for (i = 0; i < r->ndone; i++)
			if (r->done[i] == ev)
				break;
		if (i < r->ndone)
			continue;
		if (r->ndone < MOS_RAISE_MAX)
			r->done[r->ndone++] = ev;
		fire(c, sock, hook, side, ev);
	}
}

static void children(struct mos_ctx *c, int sock, int hook, int side,
		     event_t ev)
{
	int i;

	for (i = 0; i < nudes; i++) {
		const struct mos_ude *u = &udes[i];
		struct mos_sock *s;
		filter_arg_t arg;
		bool yes;

		if (u->parent != ev || !u->filter)
			continue;
		s = usable(c, sock, side);
		if (!s || !mos_cbtab_wants(s->cbs, u->id, hook))
			continue;
		arg = u->arg;
		yes = u->filter(&c->pub, sock, side, u->id, &arg);
		run_raised(c, sock, hook, side);
		if (yes)
			fire(c, sock, hook, side, u->id);
	}
}

/* ev happened: its callback, then what hangs below it. */
static void fire(struct mos_ctx *c, int sock, int hook, int side, event_t ev)
{
	struct mos_sock *s = usable(c, sock, side);
	callback_t cb;

	if (!s)
		return;
	cb = mos_cbtab_lookup(s->cbs, ev, hook);
	if (cb) {
		const struct mos_ude *u = mos_ude_get(ev);
		filter_arg_t arg = u ? u->arg : (filter_arg_t){ NULL, 0 };

		cb(&c->pub, sock, side, ev, &arg);
		run_raised(c, sock, hook, side);
	}
	children(c, sock, hook, side, ev);
}

void mos_dispatch(struct mos_ctx *c, int sock, int hook, int side,
		  uint32_t mask)
{
	struct mos_sock *s = usable(c, sock, side);
	struct mos_raise raise, *outer_raise;
	int outer_sock;
	int8_t outer_hook, outer_side;
	uint32_t todo;

	if (!s || !s->cbs)
		return;
	todo = mask & s->cbs->want[hook];
	if (!todo)
		return;
	/* only what this dispatch changes is saved: the rest of mos_cur
	 * belongs to the frame and callbacks may change drop on purpose;
	 * the raise arrays are never initialised beyond their counts */
	outer_sock = c->cur.sock;
	outer_hook = c->cur.hook;
	outer_side = c->cur.side;
	outer_raise = c->cur.raise;
	raise.nraised = raise.ndone = 0;
	c->cur.sock = sock;
	c->cur.hook = (int8_t)hook;
	c->cur.side = (int8_t)side;
	c->cur.raise = &raise;
	c->cur.depth++;
	while (todo) {
		event_t ev = (event_t)1 << __builtin_ctz(todo);

		todo &= todo - 1;
		fire(c, sock, hook, side, ev);
	}
	c->cur.depth--;
	c->cur.raise = outer_raise;
	c->cur.side = outer_side;
	c->cur.hook = outer_hook;
	c->cur.sock = outer_sock;
}

int mos_dispatch_raise(struct mos_ctx *c, event_t ev)
{
	const struct mos_ude *u = mos_ude_get(ev);

	if (c->cur.depth == 0 || !c->cur.raise) {
		errno = EPERM;
		return -1;
	}
	if (!u || u->filter) {
		errno = EINVAL;
		return -1;
	}
	if (c->cur.raise->nraised < MOS_RAISE_MAX)
		c->cur.raise->raised[c->cur.raise->nraised++] = ev;
	return 0;
}

