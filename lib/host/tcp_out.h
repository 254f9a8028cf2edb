/*
 * tcp_out.h -- building and sending segments: SYN and SYN-ACK with their
 * options, data cut to the MSS and the windows, pure ACKs, RSTs.
 */
#ifndef MOS_HOST_TCP_OUT_H
#define MOS_HOST_TCP_OUT_H

#include <stdbool.h>
#include <stdint.h>

struct mos_tcp;
struct mos_tcb;
struct mos_pkt;

/* Send what the windows allow (data, FIN), then an ACK if one is owed and
 * nothing carried it.  force: the persist timer's override of the sender
 * silly-window rule (RFC 9293 3.8.6.2.1). */
void mos_tcp_output(struct mos_tcb *t, bool force);
/* A pure ACK now. */
void mos_tcp_send_ack(struct mos_tcb *t);
/* SYN (SYN_SENT) or SYN-ACK (SYN_RECEIVED), sequence ISS. */
void mos_tcp_send_syn(struct mos_tcb *t);
/* One segment from SND.UNA (fast retransmit, NewReno partial ACK);
 * returns the sequence space it covered, 0 when nothing went. */
uint32_t mos_tcp_retransmit_first(struct mos_tcb *t);
/* One segment of at most max bytes from seq (a SACK hole). */
uint32_t mos_tcp_retransmit_at(struct mos_tcb *t, uint32_t seq,
			       uint32_t max);
/* The tail loss probe: one new segment if the windows allow it, else
 * the last segment sent again (RFC 8985 7.3). */
void mos_tcp_send_tlp(struct mos_tcb *t);
/* A zero-window probe: one byte of new data at SND.UNA (RFC 9293
 * 3.8.6.1), or the FIN when no data is left. */
void mos_tcp_send_probe(struct mos_tcb *t);
/* <SEQ=SND.NXT><CTL=RST> for an abort (RFC 9293 3.10.5). */
void mos_tcp_send_rst(struct mos_tcb *t);
/* The reply to a segment for no connection (RFC 9293 3.10.7.1): with an
 * ACK, <SEQ=SEG.ACK><CTL=RST>; without, <SEQ=0><ACK=SEG.SEQ+SEG.LEN>
 * <CTL=RST,ACK>. */
void mos_tcp_reply_rst(struct mos_tcp *s, const struct mos_pkt *p);
/* Our receive window, in bytes, as the next segment will advertise it
 * (before scaling) -- never shrinking the right edge (RFC 9293 3.8.6). */
uint32_t mos_tcp_rcv_window(struct mos_tcb *t);
/* Our window-scale shift for a buffer of rmem bytes (RFC 7323 2.3). */
uint8_t mos_tcp_wscale_for(uint32_t rmem);

#endif
