/*
 * stats.h -- per-context counters, one per drop or event reason.
 */
#ifndef MOS_STATS_H
#define MOS_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "ip_defrag.h"
#include "pkt_parse.h"

struct mos_stats {
	uint64_t rx_frames, rx_bytes;
	uint64_t kind[MOS_PKT_KIND_COUNT];	/* by parse result */
	uint64_t fwd_frames, drop_frames, tx_frames;
	uint64_t flows_created, flows_refused, flows_ended;
	uint64_t flows_timeout, flows_stopped;
	uint64_t orphans;
	uint64_t rexmit_payload, rexmit_ctl;
	uint64_t ring_beyond, ring_outrun, ring_nomem;
	uint64_t gaps, gap_bytes;	/* holes given up (mtcp_peek(3)) */
	uint64_t ack_implausible;	/* ACKs beyond a window past data */
	uint64_t rst_ignored;
	uint64_t route_drops;		/* unpaired port, no route/ARP */
	uint64_t injected;		/* mtcp_sendpkt frames queued */
	uint64_t defrag[MOS_DF_COUNT];	/* ip_defrag.h, by reason */
	uint64_t peak_flows;
	uint64_t busy_from_us, busy_to_us;	/* monotonic: first frame, end */
};

void mos_stats_print(const struct mos_stats *s, FILE *f, int ctx);

#endif
