/*
 * tcp_seq.h -- comparisons in TCP sequence space (RFC 9293 3.4):
 * a before b when the signed 32-bit difference is negative, which holds
 * across the 2^32 wrap as long as the two are within 2^31 of each other.
 */
#ifndef MOS_TCP_SEQ_H
#define MOS_TCP_SEQ_H

#include <stdint.h>

#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)

#endif
