/*
 * flowlog_hist.h -- Zeek's connection history string, built packet by
 * packet: one letter per event, upper case when the originator (side 0)
 * sent it, lower case for the responder (Zeek's conn.log documentation,
 * field "history").
 */
#ifndef MOS_FLOWLOG_HIST_H
#define MOS_FLOWLOG_HIST_H

#include <stdbool.h>
#include <stdint.h>

#include "flowlog_rec.h"

/* letters whose repeats depend on a sequence number: s h f r */
enum { HIST_SEQ_S, HIST_SEQ_H, HIST_SEQ_F, HIST_SEQ_R, HIST_SEQ_N };
/* letters logged at the 1st, 10th, 100th ... time: c g t w */
enum { HIST_LOG_C, HIST_LOG_G, HIST_LOG_T, HIST_LOG_W, HIST_LOG_N };

struct flowlog_hist {
	char s[FLOWLOG_HISTORY_LEN];
	unsigned len;
	uint8_t once[2];			/* a d i q seen, by side */
	bool seq_set[2][HIST_SEQ_N];
	uint32_t seq[2][HIST_SEQ_N];		/* of the last such packet */
	uint64_t count[2][HIST_LOG_N];
	uint64_t next[2][HIST_LOG_N];		/* count that adds a letter */
};

void flowlog_hist_init(struct flowlog_hist *h);
/* A TCP segment sent by `side` with these flags, sequence number, payload
 * length and (unscaled) window. */
void flowlog_hist_packet(struct flowlog_hist *h, int side, uint8_t flags,
			 uint32_t seq, uint32_t payload, uint16_t window);
/* A segment of `side` that carried payload already seen ('t'). */
void flowlog_hist_rexmit(struct flowlog_hist *h, int side);
/* Bytes `side` sent were given up as a content gap ('g'). */
void flowlog_hist_gap(struct flowlog_hist *h, int side);
/* The direction was flipped ('^'): the first packets came from the side
 * now called the responder. */
void flowlog_hist_flip(struct flowlog_hist *h);

#endif
