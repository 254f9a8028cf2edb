/*
 * pkt_parse.c -- frame parsing and Internet checksums (see pkt_parse.h).
 *
 * Every read is preceded by a length check against what is left of the
 * frame (or of the IP packet, which is itself checked to fit the frame), so
 * a truncated or lying frame ends in a counted kind, never an overread.
 */
#include <stddef.h>
#include <string.h>

#include "internal.h"
#include "pkt_parse.h"

#define ETH_HLEN	14
#define VLAN_HLEN	4
#define VLAN_MAX	2
#define ETH_P_IPV4	0x0800
#define ETH_P_IPV6	0x86dd
#define ETH_P_8021Q	0x8100
#define ETH_P_8021AD	0x88a8

#define IP4_HLEN	20
#define IP6_HLEN	40
#define TCP_HLEN	20
#define TCP_CSUM_OFF	16
#define IPPROTO_TCP_	6

/* IPv6 extension headers (RFC 8200 4, RFC 7045) */
#define NH_HOPOPTS	0
#define NH_ROUTING	43
#define NH_FRAGMENT	44
#define NH_AH		51
#define NH_DSTOPTS	60
#define NH_MOBILITY	135
#define NH_HIP		139
#define NH_SHIM6	140
#define NH_EXP1		253
#define NH_EXP2		254

/* IPv4 options carrying a source route (RFC 791 3.1) */
#define IPOPT_EOL	0
#define IPOPT_NOP	1
#define IPOPT_LSRR	131
#define IPOPT_SSRR	137

/* TCP options (RFC 9293 3.2, RFC 7323, RFC 2018) */
#define TCPOPT_EOL	0
#define TCPOPT_NOP	1
#define TCPOPT_MSS	2
#define TCPOPT_WS	3
#define TCPOPT_SACKOK	4
#define TCPOPT_TS	8
#define TCP_MAX_WS	14

/* Internal "keep going" result of a layer; never returned to the caller. */
#define PARSE_NEXT	(-1)

static const char *const kind_names[MOS_PKT_KIND_COUNT] = {
	[MOS_PKT_TCP] = "tcp",
	[MOS_PKT_OTHER] = "other",
	[MOS_PKT_FRAGMENT] = "fragment",
	[MOS_MAL_ETH_SHORT] = "eth_short",
	[MOS_MAL_VLAN_SHORT] = "vlan_short",
	[MOS_MAL_IP_SHORT] = "ip_short",
	[MOS_MAL_IP_VERSION] = "ip_version",
	[MOS_MAL_IP_IHL] = "ip_ihl",
	[MOS_MAL_IP_TOTLEN] = "ip_totlen",
	[MOS_MAL_IP_CSUM] = "ip_csum",
	[MOS_MAL_IP6_SHORT] = "ip6_short",
	[MOS_MAL_IP6_EXT] = "ip6_ext",
	[MOS_MAL_IP6_PAYLEN] = "ip6_paylen",
	[MOS_MAL_TCP_SHORT] = "tcp_short",
	[MOS_MAL_TCP_DOFF] = "tcp_doff",
	[MOS_MAL_TCP_CSUM] = "tcp_csum",
};

const char *mos_pkt_kind_name(int kind)
{
	if (kind < 0 || kind >= MOS_PKT_KIND_COUNT)
		return "invalid";
	return kind_names[kind];
}

bool mos_pkt_is_malformed(int kind)
{
	return kind >= MOS_MAL_ETH_SHORT && kind < MOS_PKT_KIND_COUNT;
}

static inline uint16_t rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t rd32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

static inline uint64_t add_carry(uint64_t acc, uint64_t v)
{
	acc += v;
	return acc + (acc < v);	/* end-around carry */
}

/*
 * One's complement sum (RFC 1071) of big-endian 16-bit words, added to
 * sum, not yet folded.  Callers only split a region at even offsets, so
 * an odd length can only be the last piece: its final byte is the high
 * half of a word.
 *
 * The region is summed 64 bits at a time in host order and folded to 16
 * bits; RFC 1071 2(B): the sum of byte-swapped words is the byte-swapped
 * sum, so one swap at the end gives the big-endian value.  The folded
 * piece is zero only when every byte is, so the caller's final fold is
 * bit-exact with a word-by-word sum (0x0000 and 0xffff stay apart).
 */
static uint64_t csum_add(uint64_t sum, const uint8_t *b, size_t len)
{
	uint64_t acc = 0, v, w;

	while (len >= 32) {
		memcpy(&v, b, 8);
		acc = add_carry(acc, v);
		memcpy(&v, b + 8, 8);
		acc = add_carry(acc, v);
		memcpy(&v, b + 16, 8);
		acc = add_carry(acc, v);
		memcpy(&v, b + 24, 8);
		acc = add_carry(acc, v);
		b += 32;
		len -= 32;
	}
	while (len >= 8) {
		memcpy(&v, b, 8);
		acc = add_carry(acc, v);
		b += 8;
		len -= 8;
	}
	/* the tail in fixed-size pieces (no variable-length copy); each
	 * starts at an even offset, so its 16-bit words pair up as in the
	 * word-by-word sum */
	if (len & 4) {
		uint32_t w4;

		memcpy(&w4, b, 4);
		acc = add_carry(acc, w4);
		b += 4;
	}
	if (len & 2) {
		uint16_t w2;

		memcpy(&w2, b, 2);
		acc = add_carry(acc, w2);
		b += 2;
	}
	if (len & 1) {
		/* a lone last byte is the first byte of a word */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		acc = add_carry(acc, b[0]);
#else
		acc = add_carry(acc, (uint64_t)b[0] << 8);
#endif
	}
	w = (acc & 0xffffffffu) + (acc >> 32);
	while (w >> 16)
		w = (w & 0xffff) + (w >> 16);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	w = (uint16_t)(w << 8 | w >> 8);
#endif
	return sum + w;
}

static uint16_t csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The complement of a folded sum, as the two bytes stored on the wire. */
static uint16_t csum_to_field(uint64_t sum)
{
	uint16_t c = (uint16_t)~csum_fold(sum);
	uint8_t b[2] = { (uint8_t)(c >> 8), (uint8_t)c };
	uint16_t v;

	memcpy(&v, b, sizeof(v));
	return v;
}

uint16_t mos_csum_ipv4_hdr(const uint8_t *iph, unsigned len)
{
	uint64_t sum;

	if (len <= 10)
		return csum_to_field(csum_add(0, iph, len));
	sum = csum_add(0, iph, 10);
	return csum_to_field(csum_add(sum, iph + 12, len - 12));
}

/* Pseudo-header (RFC 9293 3.1, RFC 8200 8.1) plus the segment; the
 * checksum field is included only when verifying. */
static uint64_t tcp_sum(const struct mos_pkt *p, bool with_field)
{
	const uint8_t *th = p->frame + p->l4_off;
	uint32_t seglen = p->l3_off + p->ip_len - p->l4_off;
	const uint8_t *dst;
	uint64_t sum = IPPROTO_TCP_;

	if (p->ipver == 4) {
		dst = p->ph_daddr_off ? p->frame + p->ph_daddr_off :
		      (const uint8_t *)&p->daddr.v4;
		sum = csum_add(sum, (const uint8_t *)&p->saddr.v4, 4);
		sum = csum_add(sum, dst, 4);
	} else {
		dst = p->ph_daddr_off ? p->frame + p->ph_daddr_off :
		      p->daddr.v6;
		sum = csum_add(sum, p->saddr.v6, 16);
		sum = csum_add(sum, dst, 16);
		sum += seglen >> 16;
	}
	sum += seglen & 0xffff;
	if (with_field)
		return csum_add(sum, th, seglen);
	sum = csum_add(sum, th, TCP_CSUM_OFF);
	return csum_add(sum, th + TCP_CSUM_OFF + 2, seglen - TCP_CSUM_OFF - 2);
}

uint16_t mos_csum_tcp(const struct mos_pkt *p)
{
	return csum_to_field(tcp_sum(p, false));
}

static int parse_l2(struct mos_pkt *p)
{
	const uint8_t *f = p->frame;
	uint32_t off = ETH_HLEN;
	uint16_t type;

	if (p->frame_len < ETH_HLEN)
		return MOS_MAL_ETH_SHORT;
	type = rd16(f + 12);
	while (type == ETH_P_8021Q || type == ETH_P_8021AD) {
		if (p->nvlan == VLAN_MAX) {
			p->ethertype = type;
			return MOS_PKT_OTHER;
		}
		if (p->frame_len - off < VLAN_HLEN)
			return MOS_MAL_VLAN_SHORT;
		type = rd16(f + off + 2);
		off += VLAN_HLEN;
		p->nvlan++;
	}
	p->ethertype = type;
	p->l3_off = (uint16_t)off;
	if (type != ETH_P_IPV4 && type != ETH_P_IPV6)
		return MOS_PKT_OTHER;
	return PARSE_NEXT;
}

/* An unexhausted LSRR/SSRR option names the final destination last. */
static void ipv4_source_route(struct mos_pkt *p, uint32_t ihl)
{
	const uint8_t *o = p->frame + p->l3_off + IP4_HLEN;
	uint32_t n = ihl - IP4_HLEN, i = 0, l, naddr;

	while (i < n && o[i] != IPOPT_EOL) {
		if (o[i] == IPOPT_NOP) {
			i++;
			continue;
		}
		if (n - i < 2 || o[i + 1] < 2 || o[i + 1] > n - i)
			return;
		l = o[i + 1];
		naddr = l >= 3 ? (l - 3) / 4 : 0;
		if ((o[i] == IPOPT_LSRR || o[i] == IPOPT_SSRR) && naddr &&
		    o[i + 2] <= l)
			p->ph_daddr_off = (uint16_t)(p->l3_off + IP4_HLEN + i +
						     3 + (naddr - 1) * 4);
		i += l;
	}
}

static int parse_ipv4(struct mos_pkt *p, unsigned hw)
{
	const uint8_t *ip = p->frame + p->l3_off;
	uint32_t cap = p->frame_len - p->l3_off, ihl, tot;
	uint16_t frag;

	if (cap < IP4_HLEN)
		return MOS_MAL_IP_SHORT;
	if (ip[0] >> 4 != 4)
		return MOS_MAL_IP_VERSION;
	memcpy(&p->saddr.v4, ip + 12, 4);
	memcpy(&p->daddr.v4, ip + 16, 4);
	p->l4proto = ip[9];
	ihl = (ip[0] & 0x0fu) * 4;
	tot = rd16(ip + 2);
	if (ihl < IP4_HLEN)
		return MOS_MAL_IP_IHL;
	if (tot < IP4_HLEN)
		return MOS_MAL_IP_TOTLEN;
	if (ihl > tot)
		return MOS_MAL_IP_IHL;
	if (tot > cap)
		return MOS_MAL_IP_TOTLEN;
	if (hw & MOS_CSUM_HW_IP_BAD)
		return MOS_MAL_IP_CSUM;
	if (!(hw & MOS_CSUM_HW_IP_GOOD) &&
	    csum_fold(csum_add(0, ip, ihl)) != 0xffff)
		return MOS_MAL_IP_CSUM;
	p->ipver = 4;
	p->ip_len = tot;
	p->l4_off = (uint16_t)(p->l3_off + ihl);
	p->ph_daddr_off = (uint16_t)(p->l3_off + 16);
	frag = rd16(ip + 6);
	if (frag & 0x3fff)		/* MF or a fragment offset */
		return MOS_PKT_FRAGMENT;
	if (p->l4proto != IPPROTO_TCP_)
		return MOS_PKT_OTHER;
	if (ihl > IP4_HLEN)
		ipv4_source_route(p, ihl);
	return PARSE_NEXT;
}

/*
 * The pseudo-header destination after an IPv6 Routing header at r (hl
 * bytes): unchanged when no segment is left; else the last address (type
 * 0, RFC 2460), the home address (type 2, RFC 6275) or Segment List[0]
 * (type 4, RFC 8754); unknown for any other type.
 */
static void ipv6_routing(struct mos_pkt *p, uint32_t r_off, uint32_t hl)
{
	const uint8_t *r = p->frame + r_off;
	uint32_t at = 0;

	if (r[3] == 0)
		return;
	if (r[2] == 0 && hl >= 24)
		at = r_off + 8 + ((hl - 8) / 16 - 1) * 16;
	else if ((r[2] == 2 || r[2] == 4) && hl >= 24)
		at = r_off + 8;
	p->ph_daddr_off = at <= UINT16_MAX ? (uint16_t)at : 0;
}

static int parse_ipv6(struct mos_pkt *p)
{
	const uint8_t *ip = p->frame + p->l3_off;
	uint32_t cap = p->frame_len - p->l3_off, end, off = IP6_HLEN, hl;
	uint8_t nh;

	if (cap < IP6_HLEN)
		return MOS_MAL_IP6_SHORT;
	if (ip[0] >> 4 != 6)
		return MOS_MAL_IP_VERSION;
	memcpy(p->saddr.v6, ip + 8, 16);
	memcpy(p->daddr.v6, ip + 24, 16);
	nh = ip[6];
	p->l4proto = nh;
	end = IP6_HLEN + rd16(ip + 4);
	if (end > cap)
		return MOS_MAL_IP6_PAYLEN;
	p->ipver = 6;
	p->ip_len = end;
	p->ph_daddr_off = (uint16_t)(p->l3_off + 24);
	for (;;) {
		switch (nh) {
		case NH_HOPOPTS: case NH_ROUTING: case NH_DSTOPTS:
		case NH_MOBILITY: case NH_HIP: case NH_SHIM6:
		case NH_EXP1: case NH_EXP2:
			if (end - off < 8)
				return MOS_MAL_IP6_EXT;
			hl = (ip[off + 1] + 1u) * 8;
			if (hl > end - off)
				return MOS_MAL_IP6_EXT;
			if (nh == NH_ROUTING)
				ipv6_routing(p, p->l3_off + off, hl);
			break;
		case NH_AH:
			if (end - off < 8)
				return MOS_MAL_IP6_EXT;
			hl = (ip[off + 1] + 2u) * 4;
			if (hl > end - off)
				return MOS_MAL_IP6_EXT;
			break;
		case NH_FRAGMENT:
			if (end - off < 8)
				return MOS_MAL_IP6_EXT;
			hl = 8;
			/* offset or M set; an atomic fragment is whole */
			if (rd16(ip + off + 2) & 0xfff9) {
				p->l4proto = ip[off];
				return MOS_PKT_FRAGMENT;
			}
			break;
		default:
			p->l4proto = nh;
			if (nh != IPPROTO_TCP_)
				return MOS_PKT_OTHER;
			/* keep every offset, up to the payload's, in 16 bits */
			if (p->l3_off + off > UINT16_MAX - 60)
				return MOS_MAL_IP6_EXT;
			p->l4_off = (uint16_t)(p->l3_off + off);
			return PARSE_NEXT;
		}
		nh = ip[off];
		off += hl;
	}
}

static void tcp_options(struct mos_pkt *p, const uint8_t *o, uint32_t n)
{
	uint32_t i = 0, l;

	while (i < n && o[i] != TCPOPT_EOL) {
		if (o[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (n - i < 2 || o[i + 1] < 2 || o[i + 1] > n - i)
			return;		/* bad length: keep what we have */
		l = o[i + 1];
		switch (o[i]) {
		case TCPOPT_MSS:
			if (l == 4)
				p->mss = rd16(o + i + 2);
			break;
		case TCPOPT_WS:
			if (l == 3)
				p->wscale = (int8_t)(o[i + 2] > TCP_MAX_WS ?
						     TCP_MAX_WS : o[i + 2]);
			break;
		case TCPOPT_SACKOK:
			if (l == 2)
				p->sack_perm = true;
			break;
		case TCPOPT_TS:
			if (l == 10) {
				p->has_ts = true;
				p->tsval = rd32(o + i + 2);
				p->tsecr = rd32(o + i + 6);
			}
			break;
		}
		i += l;
	}
}

/* The NIC's TCP verdict holds only for the pseudo-header it can know. */
static bool hw_l4_applies(const struct mos_pkt *p, unsigned hw)
{
	uint16_t own = (uint16_t)(p->l3_off + (p->ipver == 4 ? 16 : 24));

	return (hw & (MOS_CSUM_HW_L4_GOOD | MOS_CSUM_HW_L4_BAD)) &&
	       p->ph_daddr_off == own;
}

static int parse_tcp(struct mos_pkt *p, bool verify_csum, unsigned hw)
{
	const uint8_t *th = p->frame + p->l4_off;
	uint32_t seg = p->l3_off + p->ip_len - p->l4_off, doff;

	if (seg < TCP_HLEN)
		return MOS_MAL_TCP_SHORT;
	p->sport = rd16(th);
	p->dport = rd16(th + 2);
	p->seq = rd32(th + 4);
	p->ack = rd32(th + 8);
	p->flags = th[13];
	p->win = rd16(th + 14);
	doff = (th[12] >> 4) * 4u;
	if (doff < TCP_HLEN || doff > seg)
		return MOS_MAL_TCP_DOFF;
	p->payload_off = (uint16_t)(p->l4_off + doff);
	p->payload_len = seg - doff;
	tcp_options(p, th + TCP_HLEN, doff - TCP_HLEN);
	if (!verify_csum || !p->ph_daddr_off)
		return MOS_PKT_TCP;
	if (hw_l4_applies(p, hw))
		return hw & MOS_CSUM_HW_L4_BAD ? MOS_MAL_TCP_CSUM
					       : MOS_PKT_TCP;
	if (csum_fold(tcp_sum(p, true)) != 0xffff)
		return MOS_MAL_TCP_CSUM;
	return MOS_PKT_TCP;
}

int mos_pkt_parse(struct mos_pkt *p, uint8_t *frame, uint32_t len,
		  bool verify_tcp_csum)
{
	return mos_pkt_parse_hw(p, frame, len, verify_tcp_csum, 0);
}

int mos_pkt_parse_hw(struct mos_pkt *p, uint8_t *frame, uint32_t len,
		     bool verify_tcp_csum, unsigned csum_hw)
{
	int k;

	memset(p, 0, sizeof(*p));
	p->frame = frame;
	p->frame_len = len;
	p->mss = -1;
	p->wscale = -1;
	k = parse_l2(p);
	if (k != PARSE_NEXT)
		return k;
	k = p->ethertype == ETH_P_IPV4 ? parse_ipv4(p, csum_hw)
				       : parse_ipv6(p);
	if (k != PARSE_NEXT)
		return k;
	return parse_tcp(p, verify_tcp_csum, csum_hw);
}
