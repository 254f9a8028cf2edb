/*
 * event.h -- user-defined events (a process-wide tree under the built-in
 * events) and callback dispatch on a context.
 */
#ifndef MOS_EVENT_H
#define MOS_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include <mos_api.h>

#define MOS_UDE_FIRST ((event_t)1 << NUM_BEV)	/* 4096 */

struct mos_ude {
	event_t id;
	event_t parent;
	event_t root;		/* the built-in event at the top */
	filter_t filter;	/* NULL: floating, raised by mtcp_raise_event */
	filter_arg_t arg;	/* copied bytes */
};

event_t mos_ude_define(event_t base, filter_t filter, const filter_arg_t *arg);
event_t mos_ude_alloc(event_t parent);
const struct mos_ude *mos_ude_get(event_t id);
int mos_ude_count(void);
const struct mos_ude *mos_ude_at(int i);	/* definition order */
void mos_ude_reset(void);
/* The built-in bit itself for a built-in event; 0 if unknown. */
event_t mos_ude_root(event_t ev);
/* ev is anc or lies below anc. */
bool mos_ude_is_descendant(event_t ev, event_t anc);
/* One built-in bit or a known user-defined event. */
bool mos_event_valid(event_t ev);

struct mos_ctx;

/* Run the callbacks of socket `sock` for the built-in events in `mask`
 * at hook index `hook`, in ascending bit order, each followed by its
 * user-defined descendants. */
void mos_dispatch(struct mos_ctx *c, int sock, int hook, int side,
		  uint32_t mask);
/* Remember ev (from mtcp_alloc_event) for the dispatch in progress. */
int mos_dispatch_raise(struct mos_ctx *c, event_t ev);

#endif
