/*
 * pkt_parse.h -- Ethernet / VLAN / IPv4 / IPv6 / TCP frame parsing.
 *
 * mos_pkt_parse() classifies one received frame and, for a TCP segment,
 * fills struct mos_pkt.  It never reads a byte at or past frame + len: every
 * field is bounds-checked against the captured length first.  The IPv4
 * total length (or 40 + the IPv6 payload length) bounds the packet, so an
 * Ethernet trailer (padding to 60 bytes, FCS, junk) is never payload.
 *
 * Layers, in order:
 *   Ethernet II, then up to two VLAN tags (TPID 0x8100 or 0x88a8, any
 *   order).  A third tag is not parsed: the frame is MOS_PKT_OTHER with
 *   ethertype = that third TPID (legal on some provider links, but not
 *   traffic libmos monitors; it is forwarded untouched, not counted as bad).
 *   EtherType 0x0800 IPv4, 0x86DD IPv6, anything else MOS_PKT_OTHER.
 *
 *   IPv4, checked in this order: at least 20 bytes captured (IP_SHORT);
 *   version 4 (IP_VERSION); IHL >= 5 (IP_IHL); total length >= 20 else
 *   IP_TOTLEN; IHL*4 <= total length else IP_IHL (the header overreaches
 *   the packet); total length <= captured bytes (IP_TOTLEN); header
 *   checksum, always (IP_CSUM).  Options are skipped via the IHL (a source
 *   route option only changes the TCP pseudo-header destination, below).
 *   MF set or fragment offset != 0: MOS_PKT_FRAGMENT.  Protocol != 6:
 *   MOS_PKT_OTHER.
 *
 *   IPv6: at least 40 bytes (IP6_SHORT); version 6 (IP_VERSION);
 *   40 + payload length <= captured bytes (IP6_PAYLEN).  The extension
 *   header chain is walked, each header bounded by the payload (IP6_EXT):
 *   Hop-by-Hop (0), Routing (43), Destination Options (60), Mobility (135),
 *   HIP (139), Shim6 (140), experimental (253, 254): (len + 1) * 8 bytes;
 *   AH (51): (len + 2) * 4 bytes; Fragment (44): 8 bytes, and
 *   MOS_PKT_FRAGMENT unless it is an atomic fragment (offset 0, M clear,
 *   RFC 6946), which is parsed on as a whole packet.  No Next Header (59),
 *   ESP (50) and any other upper layer but TCP: MOS_PKT_OTHER.  A jumbogram
 *   (payload length 0) is not supported: it is bounded to 40 bytes.  A
 *   chain putting the TCP header more than 65475 bytes into the frame is
 *   IP6_EXT, so every offset of struct mos_pkt fits its 16 bits.
 *
 *   TCP: segment (IP-bounded) at least 20 bytes (TCP_SHORT); data offset
 *   >= 5 and data offset * 4 <= segment length (TCP_DOFF); checksum when
 *   asked (TCP_CSUM).  Options: EOL ends the list, NOP is one byte, every
 *   other kind is skipped by its length; MSS (2/4), window scale (3/3,
 *   clamped to 14 as RFC 7323 2.3 says), SACK-permitted (4/2) and
 *   timestamps (8/10) are recorded; a known kind with an unexpected length
 *   is skipped unrecorded.  A length < 2 or one running past the header
 *   stops option parsing and keeps what was found so far: option garbage
 *   never makes a segment malformed (the peer's stack decides what it
 *   accepts; a monitor must not drop what the endpoints would take).
 *
 * Checksums.  mos_csum_ipv4_hdr() and mos_csum_tcp() return the checksum
 * field exactly as it must appear in memory: a uint16_t whose two bytes, in
 * memory order, are the network-order checksum.  Store it with
 * memcpy(field, &v, 2) (or *(uint16_t *)field = v) -- no htons().  The
 * current content of the checksum field is ignored (treated as zero), so
 * verification is "computed == stored".  The TCP pseudo-header uses the
 * final destination: the last hop of an unexhausted IPv4 source route
 * (LSRR/SSRR) or IPv6 Routing header of type 0, 2 or 4 (RFC 8200 8.1).
 * When the final destination is unknown (another Routing type with
 * segments left), the parser skips TCP checksum verification.
 */
#ifndef MOS_PKT_PARSE_H
#define MOS_PKT_PARSE_H

#include <stdbool.h>
#include <stdint.h>

enum mos_pkt_kind {
	MOS_PKT_TCP = 0,      /* a TCP segment, fully parsed */
	MOS_PKT_OTHER,        /* well-formed, not TCP (ARP, UDP, ICMP, non-IP ...) */
	MOS_PKT_FRAGMENT,     /* an IPv4/IPv6 fragment (not reassembled) */
	/* malformed reasons: */
	MOS_MAL_ETH_SHORT, MOS_MAL_VLAN_SHORT,
	MOS_MAL_IP_SHORT, MOS_MAL_IP_VERSION, MOS_MAL_IP_IHL, MOS_MAL_IP_TOTLEN, MOS_MAL_IP_CSUM,
	MOS_MAL_IP6_SHORT, MOS_MAL_IP6_EXT, MOS_MAL_IP6_PAYLEN,
	MOS_MAL_TCP_SHORT, MOS_MAL_TCP_DOFF, MOS_MAL_TCP_CSUM,
	MOS_PKT_KIND_COUNT
};

union mos_addr { uint32_t v4; uint8_t v6[16]; };   /* network order */

/*
 * Filled as far as parsing got, the rest zero (mss and wscale -1): the
 * Ethernet fields; addresses and l4proto once the IP header is in the frame
 * with the right version; ip_len, ipver and l4_off once the IP layer is
 * valid; ports, sequence numbers, window and flags once the fixed TCP
 * header is there (TCP_DOFF on); options and payload for MOS_PKT_TCP and
 * MOS_MAL_TCP_CSUM.  Offsets are from the frame start.
 */
struct mos_pkt {
	uint8_t *frame;
	uint32_t frame_len;          /* captured bytes */
	uint16_t ethertype;          /* innermost */
	uint8_t nvlan;
	uint16_t l3_off;             /* IP header */
	uint8_t ipver;               /* 4, 6 or 0 */
	uint32_t ip_len;             /* IPv4 total length / IPv6 40 + payload length */
	uint16_t l4_off;             /* TCP header */
	uint8_t l4proto;
	union mos_addr saddr, daddr;
	uint16_t sport, dport;       /* host order */
	uint32_t seq, ack;           /* host order */
	uint16_t win;                /* host order, unscaled */
	uint8_t flags;               /* TCP flags byte (FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 ...) */
	uint16_t payload_off;        /* from frame start */
	uint32_t payload_len;
	int32_t mss;                 /* -1 if absent */
	int8_t wscale;               /* -1 if absent */
	bool sack_perm;
	bool has_ts;
	uint32_t tsval, tsecr;
	/* additions to the contract: */
	uint16_t ph_daddr_off;       /* offset of the TCP pseudo-header
				      * destination address (final destination);
				      * 0 = unknown */
	uint32_t hash;               /* not set by the parser: the flow hash,
				      * computed once by the packet path */
};

#define MOS_TH_FIN 0x01
#define MOS_TH_SYN 0x02
#define MOS_TH_RST 0x04
#define MOS_TH_PSH 0x08
#define MOS_TH_ACK 0x10
#define MOS_TH_URG 0x20
#define MOS_TH_ECE 0x40
#define MOS_TH_CWR 0x80

/* Returns an enum mos_pkt_kind.  frame may be NULL when len is 0. */
int  mos_pkt_parse(struct mos_pkt *p, uint8_t *frame, uint32_t len, bool verify_tcp_csum);

/* What a NIC found checking the frame's checksums (DPDK's rx flags).  A
 * verdict replaces the computation, in the same place of the order of
 * checks above; the TCP one is taken only when the pseudo-header uses the
 * IP header's own destination (a NIC does not follow source routes). */
#define MOS_CSUM_HW_IP_GOOD	0x1u
#define MOS_CSUM_HW_IP_BAD	0x2u
#define MOS_CSUM_HW_L4_GOOD	0x4u
#define MOS_CSUM_HW_L4_BAD	0x8u
int  mos_pkt_parse_hw(struct mos_pkt *p, uint8_t *frame, uint32_t len,
		      bool verify_tcp_csum, unsigned csum_hw);
/* "tcp", "other", "fragment", "eth_short", ... ; "invalid" out of range */
const char *mos_pkt_kind_name(int kind);
bool mos_pkt_is_malformed(int kind);       /* kind >= MOS_MAL_ETH_SHORT */
/* Checksum of the IPv4 header iph[0..len), field bytes 10-11 taken as 0. */
uint16_t mos_csum_ipv4_hdr(const uint8_t *iph, unsigned len);
/* Checksum of the TCP segment p describes (l4_off .. l3_off + ip_len),
 * field taken as 0; p must come from a parse that reached the TCP header. */
uint16_t mos_csum_tcp(const struct mos_pkt *p);

#endif
