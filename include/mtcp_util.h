/*
 * mtcp_util.h -- helpers mOS 0.3 installed beside its API: GetRSSCPUCore(3)
 * and StrToArgs(3).
 *
 * GetRSSCPUCore tells which context receives the packets of a 4-tuple,
 * so that a program choosing its own source ports (a NAT, a load
 * generator) picks ones whose replies come back to the context that
 * sends: libmos spreads flows by the Toeplitz hash with a 40-byte key of
 * repeated 0x05 (the same for both directions), then the hash's low 7
 * bits modulo the number of contexts polling the port.
 */
#ifndef MTCP_UTIL_H
#define MTCP_UTIL_H

#include <netinet/in.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The context index (0 .. num_queues-1) receiving sip:sp -> dip:dp,
 * every argument in network order; -1 with errno EINVAL when
 * num_queues < 1. */
int GetRSSCPUCore(in_addr_t sip, in_addr_t dip, in_port_t sp, in_port_t dp,
		  int num_queues);

/* Split str in place at blanks into at most max_argc words: 0 with *argc
 * set; -1 with errno EINVAL (NULL pointers, max_argc < 1) or E2BIG (more
 * words than max_argc: argv holds the first max_argc). */
int StrToArgs(char *str, int *argc, char **argv, int max_argc);

#ifdef __cplusplus
}
#endif

#endif
