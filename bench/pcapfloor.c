/*
 * pcapfloor -- the floor under every other row of the benchmark: what
 * reading the capture costs, and reading it plus copying each TCP payload
 * once, with nothing tracked.
 *
 *   pcapfloor read|copy CAPTURE
 *
 * Prints "frames N payload_bytes B" (copy: every payload, retransmitted
 * copies included, so B is at least the streams' total).
 */
#include <pcap/pcap.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Larger than the caches, so the copy pays for memory as a reassembler
 * writing into per-flow buffers would. */
#define SINK (8u << 20)
static unsigned char sink[SINK];

/* Offset and length of the TCP payload of an Ethernet frame, or 0. */
static uint32_t tcp_payload(const u_char *p, uint32_t n, uint32_t *off)
{
	uint32_t l3 = 14, l4, iplen, thl;
	uint16_t type;

	if (n < 14)
		return 0;
	type = (uint16_t)(p[12] << 8 | p[13]);
	while ((type == 0x8100 || type == 0x88a8) && n >= l3 + 4) {
		type = (uint16_t)(p[l3 + 2] << 8 | p[l3 + 3]);
		l3 += 4;
	}
	if (type == 0x0800 && n >= l3 + 20 && p[l3 + 9] == 6) {
		iplen = (uint32_t)(p[l3 + 2] << 8 | p[l3 + 3]);
		l4 = l3 + (p[l3] & 15u) * 4;
		iplen += l3;
	} else if (type == 0x86dd && n >= l3 + 40 && p[l3 + 6] == 6) {
		iplen = l3 + 40 + (uint32_t)(p[l3 + 4] << 8 | p[l3 + 5]);
		l4 = l3 + 40;
	} else {
		return 0;
	}
	if (iplen > n || l4 + 20 > iplen)
		return 0;
	thl = (p[l4 + 12] >> 4) * 4u;
	if (l4 + thl > iplen)
		return 0;
	*off = l4 + thl;
	return iplen - l4 - thl;
}

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *p;
	uint64_t frames = 0, bytes = 0, at = 0;
	int copy, r;
	pcap_t *pc;

	if (argc != 3 || (strcmp(argv[1], "read") && strcmp(argv[1], "copy"))) {
		fprintf(stderr, "usage: pcapfloor read|copy CAPTURE\n");
		return 2;
	}
	copy = !strcmp(argv[1], "copy");
	pc = pcap_open_offline(argv[2], err);
	if (!pc) {
		fprintf(stderr, "pcapfloor: %s\n", err);
		return 1;
	}
	while ((r = pcap_next_ex(pc, &h, &p)) == 1) {
		uint32_t off = 0, n;

		frames++;
		if (!copy)
			continue;
		n = tcp_payload(p, h->caplen, &off);
		if (!n)
			continue;
		if (at + n > SINK)
			at = 0;
		memcpy(sink + at, p + off, n);
		at += n;
		bytes += n;
	}
	if (r == -1) {
		fprintf(stderr, "pcapfloor: %s\n", pcap_geterr(pc));
		return 1;
	}
	pcap_close(pc);
	/* the sink is read back so the copies cannot be optimised away */
	printf("frames %llu payload_bytes %llu sink %u\n",
	       (unsigned long long)frames, (unsigned long long)bytes,
	       (unsigned)sink[at / 2]);
	return 0;
}
