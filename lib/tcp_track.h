/*
 * tcp_track.h -- emulation of the two TCP endpoints of a flow.
 *
 * The monitor sits between the hosts, so each segment is applied twice:
 * to the half that sent it (what it now believes it has sent) and, unless
 * a callback dropped it, to the half that receives it.
 */
#ifndef MOS_TCP_TRACK_H
#define MOS_TCP_TRACK_H

#include <stdbool.h>
#include <stdint.h>

#include "flow.h"
#include "pkt_parse.h"

void mos_tcp_half_init(struct mos_half *h);
/* Would the receiver of p accept its RST (sequence inside its window)? */
bool mos_tcp_rst_acceptable(const struct mos_flow *f, int sender,
			    const struct mos_pkt *p);
/* Apply p to the sending half; true if it retransmits a SYN/ACK or FIN. */
bool mos_tcp_sender_update(struct mos_flow *f, int sender,
			   const struct mos_pkt *p, bool rst_ok);
/* Apply p's control flags and ACK to the receiving half. */
void mos_tcp_receiver_update(struct mos_flow *f, int receiver,
			     const struct mos_pkt *p, bool rst_ok);
/* Stream offset, in the receiver's ring, of p's first payload byte that
 * lies at or after offset 0; *skip = leading bytes before offset 0.
 * false when the sender's ISN is unknown. */
bool mos_tcp_payload_offset(const struct mos_flow *f, int receiver,
			    const struct mos_pkt *p, uint64_t *off,
			    uint32_t *skip);
/* Stream offset, in half r's ring, past the last byte its peer has been
 * seen to send (its FIN excluded): the stream's length as seen. */
uint64_t mos_tcp_sent_end(const struct mos_flow *f, int r);
/* The offset in the ring of half s (the sender of p) up to which p
 * acknowledges (an ACK of the peer's FIN counts up to the FIN); false
 * unless that is past the in-order end. */
bool mos_tcp_ack_offset(const struct mos_flow *f, int s,
			const struct mos_pkt *p, uint64_t *off);
/* In-order end of what the half has received. */
uint64_t mos_tcp_rcv_end(const struct mos_half *h);
/* h owns r, its new ring: when the pool takes back the last of r's
 * storage (every reader read every byte, nothing out of order), r is
 * freed and its in-order end kept in h->rcv_end, with h->ring_gone set;
 * the next byte makes a new ring there.  So a flow whose rings hold
 * nothing costs no ring memory (memory follows unread data). */
void mos_tcp_ring_adopt(struct mos_half *h, struct mos_ring *r);
/* Was a byte of [off, off + len) already received by h?  Also after its
 * ring went back to the pool. */
bool mos_tcp_received(const struct mos_half *h, uint64_t off, uint32_t len);
/* Both halves are done (1.10). */
bool mos_tcp_finished(const struct mos_flow *f, int tw_interval);

#endif
