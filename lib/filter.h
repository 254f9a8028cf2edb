/*
 * filter.h -- BPF filters of monitor sockets, compiled by libpcap.
 */
#ifndef MOS_FILTER_H
#define MOS_FILTER_H

#include <stdbool.h>

#include "io.h"
#include "sock.h"

/* Compile expr for Ethernet frames into *f (replacing what it held).
 * Stream filters accept only the words of mtcp_bind_monitor_filter(3).
 * -1 EINVAL. */
int mos_filter_compile(struct mos_filter *f, const char *expr, bool stream);
bool mos_filter_match(const struct mos_filter *f, const struct mos_frame *fr);

#endif
