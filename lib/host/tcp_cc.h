/*
 * tcp_cc.h -- congestion control: slow start and congestion avoidance
 * (RFC 5681), NewReno fast retransmit and fast recovery (RFC 6582), the
 * response to a retransmission timeout; and the RTT estimator (RFC 6298)
 * that tcp_timer.c implements.
 */
#ifndef MOS_HOST_TCP_CC_H
#define MOS_HOST_TCP_CC_H

#include <stdint.h>

struct mos_tcb;

/* Initial window (RFC 6928's 10 segments, within 14600 bytes). */
void mos_cc_init(struct mos_tcb *t);
/* acked bytes newly acknowledged; SND.UNA already moved to the ACK. */
void mos_cc_on_ack(struct mos_tcb *t, uint32_t acked);
/* A duplicate ACK (RFC 5681 2 definition). */
void mos_cc_on_dupack(struct mos_tcb *t);
/* The RTO fired (RFC 5681 3.1 (4), RFC 6582 4). */
void mos_cc_on_rto(struct mos_tcb *t);

/* tcp_timer.c: one RTT measurement, in microseconds. */
void mos_tcp_rtt_sample(struct mos_tcb *t, uint32_t r_us);

#endif
