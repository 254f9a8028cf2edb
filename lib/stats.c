/*
 * stats.c -- the per-context counters, printed at the end of a context
 * (to its log file, and to stderr when MOS_STATS is set).
 */
#include "internal.h"

#include <inttypes.h>

#include "stats.h"

/* "context N: defrag fragments F reassembled R, tiny T, ..." (the
 * counters that are not zero after the first two). */
static void print_defrag(const struct mos_stats *s, FILE *f, int ctx)
{
	fprintf(f, "context %d: defrag %s %" PRIu64 " %s %" PRIu64, ctx,
		mos_defrag_count_name(MOS_DF_FRAGMENTS),
		s->defrag[MOS_DF_FRAGMENTS],
		mos_defrag_count_name(MOS_DF_REASSEMBLED),
		s->defrag[MOS_DF_REASSEMBLED]);
	for (int k = MOS_DF_REASSEMBLED + 1; k < MOS_DF_COUNT; k++)
		if (s->defrag[k])
			fprintf(f, ", %s %" PRIu64, mos_defrag_count_name(k),
				s->defrag[k]);
	fputc('\n', f);
}

void mos_stats_print(const struct mos_stats *s, FILE *f, int ctx)
{
	int k;

	fprintf(f, "context %d: rx %" PRIu64 " frames %" PRIu64
		   " bytes, forwarded %" PRIu64 ", dropped %" PRIu64
		   ", sent %" PRIu64 "\n",
		ctx, s->rx_frames, s->rx_bytes, s->fwd_frames, s->drop_frames,
		s->tx_frames);
	fprintf(f, "context %d: flows created %" PRIu64 " ended %" PRIu64
		   " (timeout %" PRIu64 ", stopped %" PRIu64 ") refused %" PRIu64
		   " peak %" PRIu64 ", orphans %" PRIu64 "\n",
		ctx, s->flows_created, s->flows_ended, s->flows_timeout,
		s->flows_stopped, s->flows_refused, s->peak_flows, s->orphans);
	fprintf(f, "context %d: rexmit payload %" PRIu64 " control %" PRIu64
		   ", ring beyond %" PRIu64 " outrun %" PRIu64 " nomem %" PRIu64
		   ", rst ignored %" PRIu64 "\n",
		ctx, s->rexmit_payload, s->rexmit_ctl, s->ring_beyond,
		s->ring_outrun, s->ring_nomem, s->rst_ignored);
	fprintf(f, "context %d: gaps %" PRIu64 ", gap bytes %" PRIu64
		   ", implausible acks %" PRIu64 "\n",
		ctx, s->gaps, s->gap_bytes, s->ack_implausible);
	if (s->route_drops || s->injected)
		fprintf(f, "context %d: no route %" PRIu64 ", injected %" PRIu64
			   "\n", ctx, s->route_drops, s->injected);
	if (s->defrag[MOS_DF_FRAGMENTS])
		print_defrag(s, f, ctx);
	if (s->busy_to_us > s->busy_from_us && s->busy_from_us) {
		double secs = (double)(s->busy_to_us - s->busy_from_us) / 1e6;

		fprintf(f, "context %d: %.3f s from the first frame, %.0f frames/s\n",
			ctx, secs, (double)s->rx_frames / secs);
	}
	for (k = 0; k < MOS_PKT_KIND_COUNT; k++)
		if (s->kind[k])
			fprintf(f, "context %d: frames %s %" PRIu64 "\n", ctx,
				mos_pkt_kind_name(k), s->kind[k]);
}
