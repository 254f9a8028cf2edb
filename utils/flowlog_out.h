/*
 * flowlog_out.h -- where mos-flowlog's records go: stdout or a file that
 * SIGHUP reopens (logrotate's convention: rotate, then signal), in one
 * of the formats.  Safe to call from every context's thread.
 */
#ifndef MOS_FLOWLOG_OUT_H
#define MOS_FLOWLOG_OUT_H

#include <stdint.h>

#include "flowlog_rec.h"

enum flowlog_format { FLOWLOG_ZEEK, FLOWLOG_EVE };

/* path NULL or "-": stdout.  -1 after printing why. */
int flowlog_out_open(const char *path, enum flowlog_format fmt);
/* Ask for the file to be reopened before the next write; only sets a
 * flag, so a signal handler may call it. */
void flowlog_out_hup(void);
/* Reopen now if asked; now_us stamps the old file's footer and the new
 * one's header. */
int flowlog_out_poll(uint64_t now_us);
/* Write one record (the header first, if the file has none yet). */
int flowlog_out_write(const struct flowlog_rec *r, uint64_t now_us);
/* Footer, close.  -1 if any write failed. */
int flowlog_out_close(uint64_t now_us);

#endif
