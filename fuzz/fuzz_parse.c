/*
 * fuzz_parse.c -- frame parsing (lib/pkt_parse.h) on arbitrary bytes.
 *
 * Input: one byte of options (bit 0: verify the TCP checksum; bits 1-4:
 * the NIC's checksum verdicts, MOS_CSUM_HW_*), then the frame.  The frame
 * is given to the parser in a heap block of exactly its size, so that
 * AddressSanitizer reports any read past its end.  Then every region the
 * parse describes is read (and checksummed as the library would), which
 * must stay inside the frame too.
 */
#include <stdbool.h>
#include <string.h>

#include "pkt_parse.h"
#include "fuzz.h"

static volatile uint32_t sink;

/* Touch every byte of [off, off + len) of the frame. */
static void touch(const struct mos_pkt *p, uint32_t off, uint32_t len)
{
	uint32_t i, s = 0;

	FUZZ_CHECK((uint64_t)off + len <= p->frame_len,
		   "region %u+%u past a %u-byte frame", off, len, p->frame_len);
	for (i = 0; i < len; i++)
		s += p->frame[off + i];
	sink += s;
}

static void check(const struct mos_pkt *p, int kind, uint32_t len)
{
	FUZZ_CHECK(kind >= 0 && kind < MOS_PKT_KIND_COUNT, "kind %d", kind);
	FUZZ_CHECK(strcmp(mos_pkt_kind_name(kind), "invalid") != 0,
		   "kind %d has no name", kind);
	FUZZ_CHECK(p->frame_len == len, "frame_len %u of %u", p->frame_len,
		   len);
	if (p->ipver) {
		FUZZ_CHECK(p->ipver == 4 || p->ipver == 6, "ipver %u",
			   p->ipver);
		touch(p, p->l3_off, p->ipver == 4 ? 20 : 40);
	}
	if (p->ipver == 4 && kind != MOS_MAL_IP_SHORT &&
	    kind != MOS_MAL_IP_VERSION && kind != MOS_MAL_IP_IHL &&
	    kind != MOS_MAL_IP_TOTLEN && p->ip_len) {
		unsigned ihl = (p->frame[p->l3_off] & 0x0fu) * 4u;

		touch(p, p->l3_off, ihl);
		sink += mos_csum_ipv4_hdr(p->frame + p->l3_off, ihl);
	}
	if (kind != MOS_PKT_TCP && kind != MOS_MAL_TCP_CSUM)
		return;
	/* a TCP segment: the whole of it lies in the frame, its parts in
	 * order */
	FUZZ_CHECK(p->l3_off < p->l4_off && p->l4_off + 20u <= p->payload_off,
		   "offsets l3 %u l4 %u payload %u", p->l3_off, p->l4_off,
		   p->payload_off);
	FUZZ_CHECK((uint64_t)p->l3_off + p->ip_len <= len,
		   "ip_len %u at %u past %u", p->ip_len, p->l3_off, len);
	FUZZ_CHECK(p->payload_off + (uint64_t)p->payload_len ==
			   (uint64_t)p->l3_off + p->ip_len,
		   "payload %u+%u, packet ends at %u", p->payload_off,
		   p->payload_len, p->l3_off + p->ip_len);
	FUZZ_CHECK(p->wscale <= 14, "wscale %d", p->wscale);
	FUZZ_CHECK(p->ph_daddr_off == 0 ||
			   p->ph_daddr_off + 4u + 12u * (p->ipver == 6) <= len,
		   "pseudo-header address at %u", p->ph_daddr_off);
	touch(p, p->l4_off, p->payload_off - p->l4_off);
	touch(p, p->payload_off, p->payload_len);
	sink += mos_csum_tcp(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mos_pkt p;
	uint8_t *frame;
	uint32_t len;
	unsigned hw;
	int kind;

	if (size < 1 || size > 262144 + 1)
		return 0;
	len = (uint32_t)(size - 1);
	frame = malloc(len ? len : 1);
	if (!frame)
		return 0;
	memcpy(frame, data + 1, len);
	hw = (data[0] >> 1) & 0x0fu;

	kind = mos_pkt_parse(&p, len ? frame : NULL, len, data[0] & 1);
	check(&p, kind, len);
	kind = mos_pkt_parse_hw(&p, len ? frame : NULL, len, data[0] & 1, hw);
	check(&p, kind, len);
	free(frame);
	return 0;
}
