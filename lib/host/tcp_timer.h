/*
 * tcp_timer.h -- the engine's timer wheel, and the per-connection timers
 * that hang on it.
 *
 * A hashed wheel of 1 ms ticks: a timer due at tick T sits in slot
 * T % MOS_TW_SLOTS, each slot a doubly linked list, so arming and
 * disarming are O(1).  Timers further away than one turn of the wheel
 * (4.096 s) are visited early and put back until they are due.  A bitmap
 * of non-empty slots finds the next due time without walking empty slots.
 *
 * Each tcb has two timer nodes: `rexmt` (one of RTO, tail loss probe, SYN
 * retransmission, persist, TIME_WAIT -- never two at once)
 * and `delack` (delayed ACK, or an output retry after a failed frame
 * allocation).
 */
#ifndef MOS_HOST_TCP_TIMER_H
#define MOS_HOST_TCP_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#define MOS_TW_SLOTS 4096u	/* power of two */

struct mos_tcp;
struct mos_tcb;

enum mos_tmr_kind {
	MOS_TMR_NONE = 0,
	MOS_TMR_RTO,		/* data / FIN retransmission */
	MOS_TMR_SYN,		/* SYN or SYN-ACK retransmission */
	MOS_TMR_PERSIST,	/* zero-window probe */
	MOS_TMR_TW,		/* TIME_WAIT (or FIN_WAIT_2 orphan) end */
	MOS_TMR_DELACK,		/* delayed ACK */
	MOS_TMR_RETRY,		/* output retry after alloc failure */
	MOS_TMR_TLP,		/* tail loss probe (RFC 8985 7) */
};

struct mos_tmr {
	struct mos_tmr *next, *prev;	/* in a slot; prev NULL: not armed */
	uint64_t due_ms;
	uint8_t kind;			/* enum mos_tmr_kind */
};

struct mos_wheel {
	struct mos_tmr slot[MOS_TW_SLOTS];	/* list heads */
	uint64_t bits[MOS_TW_SLOTS / 64];	/* non-empty slots */
	uint64_t cur_ms;			/* next tick to process */
	unsigned armed;
};

void mos_wheel_init(struct mos_wheel *w, uint64_t now_ms);
void mos_tmr_arm(struct mos_wheel *w, struct mos_tmr *t, int kind,
		 uint64_t due_ms);
void mos_tmr_stop(struct mos_wheel *w, struct mos_tmr *t);
static inline bool mos_tmr_armed(const struct mos_tmr *t)
{
	return t->prev != NULL;
}
/* Earliest tick with something armed (a lower bound of the true due
 * time for timers more than a turn away); UINT64_MAX when empty. */
uint64_t mos_wheel_next_ms(const struct mos_wheel *w);

/* Fire what is due up to now (the engine's tcp_timer.c handlers). */
void mos_tcp_run_timers(struct mos_tcp *s, uint64_t now_ms);

/* Arming helpers for the connection timers. */
void mos_tcp_arm_rexmt(struct mos_tcp *s, struct mos_tcb *t, int kind,
		       uint64_t after_ms);
void mos_tcp_stop_rexmt(struct mos_tcp *s, struct mos_tcb *t);
/* Data in flight: (re)arm the tail loss probe when one may go (RFC 8985
 * 7.2: PTO = 2 SRTT, at least 10 ms, + 200 ms for a lone segment, never
 * past the RTO), else the RTO.  Without restart a running RTO stays. */
void mos_tcp_arm_loss(struct mos_tcp *s, struct mos_tcb *t, bool restart);
void mos_tcp_arm_delack(struct mos_tcp *s, struct mos_tcb *t, int kind,
			uint64_t after_ms);
void mos_tcp_stop_delack(struct mos_tcp *s, struct mos_tcb *t);

#endif
