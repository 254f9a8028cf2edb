/*
 * tcp_in.h -- what the user calls (tcp_user.c) share with segment arrival
 * processing (tcp_in.c).
 */
#ifndef MOS_HOST_TCP_IN_H
#define MOS_HOST_TCP_IN_H

#include <stdint.h>

struct mos_tcb;

/* Fresh send/receive state for a connection whose ISS is set: SND.UNA,
 * SND.NXT, the RTO, congestion control, the timestamp offset. */
void mos_tcp_init_send(struct mos_tcb *t);

#endif
