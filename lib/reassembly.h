/*
 * reassembly.h -- a flow's payload into the receiving half's ring, and
 * the two ways bytes go missing (mtcp_peek(3)): outrun (bytes overwritten
 * before every socket read them) and gaps (holes given up because the
 * receiver acknowledged past them or the flow ended).  Both raise
 * MOS_ON_ERROR and are reported by mtcp_peek as minus the bytes lost.
 */
#ifndef MOS_REASSEMBLY_H
#define MOS_REASSEMBLY_H

#include <stdbool.h>

#include "flow.h"
#include "pkt_parse.h"

struct mos_ctx;

/* Does some per-flow socket still monitor this side? */
bool mos_side_watched(struct mos_ctx *c, struct mos_flow *f, int side);
/* The payload of p, sent by half !r, into half r's ring: retransmission
 * check, outrun, storage.  -1 when the pool is exhausted (the flow must
 * end), else 0. */
int mos_reasm_payload(struct mos_ctx *c, struct mos_flow *f, int r,
		      struct mos_pkt *p);
/* p, sent by half s, acknowledges bytes of half s's ring: give up the
 * holes below what it acknowledges.  -1 as mos_reasm_payload. */
int mos_reasm_ack(struct mos_ctx *c, struct mos_flow *f, int s,
		  const struct mos_pkt *p);
/* The flow ends: every hole below the highest byte seen or acknowledged
 * of each side becomes a gap. */
void mos_reasm_flow_end(struct mos_ctx *c, struct mos_flow *f);

#endif
