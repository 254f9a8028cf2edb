/*
 * flowlog_zeek.h -- Zeek conn.log, tab-separated with its header (Zeek's
 * ASCII log format): what zeek-cut and Zeek's own readers take.
 */
#ifndef MOS_FLOWLOG_ZEEK_H
#define MOS_FLOWLOG_ZEEK_H

#include <stdint.h>
#include <stdio.h>

#include "flowlog_rec.h"

/* The header lines; open_us is the time the log is opened. */
int flowlog_zeek_header(FILE *f, uint64_t open_us);
int flowlog_zeek_record(FILE *f, const struct flowlog_rec *r);
int flowlog_zeek_footer(FILE *f, uint64_t close_us);

#endif
