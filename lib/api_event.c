/*
 * api_event.c -- user-defined events: mtcp_define_event,
 * mtcp_alloc_event, mtcp_raise_event.
 */
#include "internal.h"

#include <errno.h>

#include <mos_api.h>

#include "context.h"
#include "event.h"

MOS_EXPORT event_t mtcp_define_event(event_t event, filter_t filter,
				     struct filter_arg *arg)
{
	return mos_ude_define(event, filter, arg);
}

MOS_EXPORT event_t mtcp_alloc_event(event_t event)
{
	return mos_ude_alloc(event);
}

MOS_EXPORT int mtcp_raise_event(mctx_t mctx, event_t event)
{
	struct mos_ctx *c = mos_ctx_check(mctx);

	if (!c)
		return -1;
	if (mos_self != c) {
		errno = EPERM;
		return -1;
	}
	return mos_dispatch_raise(c, event);
}
