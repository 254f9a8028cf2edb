/*
 * tcp_sack.h -- the sender's SACK scoreboard (RFC 2018, RFC 6675 3):
 * which ranges above SND.UNA the peer reported holding, so that recovery
 * resends the holes between them, one per duplicate ACK, instead of one
 * per round trip.
 */
#ifndef MOS_HOST_TCP_SACK_H
#define MOS_HOST_TCP_SACK_H

#include <stdbool.h>
#include <stdint.h>

#define MOS_SACK_SB 8		/* ranges remembered */

struct mos_tcb;
struct mos_pkt;

struct mos_sack_sb {
	int n;
	uint32_t s[MOS_SACK_SB], e[MOS_SACK_SB];	/* sorted, disjoint */
	uint32_t rxt_next;	/* recovery resent the holes below this */
};

/* Read the SACK blocks of an arriving segment into t's scoreboard;
 * true when one of them reported data above SND.UNA not known before. */
bool mos_sack_input(struct mos_tcb *t, const struct mos_pkt *p);
/* Forget what SND.UNA passed. */
void mos_sack_prune(struct mos_tcb *t);
/* Forget everything (RTO, RFC 6675 5.1; or no SACK in use). */
void mos_sack_clear(struct mos_tcb *t);
/* RFC 6675 2 "pipe", simplified: the bytes above the highest SACKed
 * one, plus the holes below it already resent in this recovery (holes
 * below the highest SACK count as lost, as SACKs arrive in order). */
uint32_t mos_sack_pipe(const struct mos_tcb *t);
/* Bytes SACKed above SND.UNA. */
uint32_t mos_sack_bytes(const struct mos_tcb *t);
/* The next hole at or after `from` below the highest SACKed byte:
 * its start and the bytes up to the next SACKed range.  false: none. */
bool mos_sack_next_hole(const struct mos_tcb *t, uint32_t from,
			uint32_t *start, uint32_t *len);

#endif
