/*
 * dropseg -- remove a seeded share of TCP data segments from a capture,
 * as a busy mirror port or capture host would miss them.
 *
 *   dropseg [-s SEED] [-p PERCENT] [-l] IN.pcap OUT.pcap
 *
 * A data segment is a whole (unfragmented) TCP segment with payload and
 * none of SYN, FIN, RST: those three are kept so that the monitor still
 * sees every connection open and close, and only bytes go missing.  Every
 * other frame is copied unchanged.  The choice depends on SEED and the
 * order of the data segments only, so a run can be repeated exactly.
 *
 * -l lists each removed segment on standard output:
 *   FRAME<TAB>SRC.PORT<TAB>DST.PORT<TAB>SEQ<TAB>LEN<TAB>OFFSET
 * FRAME counts input frames from 1; OFFSET is the segment's stream offset
 * (0 = the byte after the SYN of that direction's latest connection), or
 * "-" when no SYN of that direction came first: a test can then tell
 * whether a byte reported missing was one that was removed.  A summary
 * line goes to standard error:
 *   "dropseg: removed R of D data segments, F frames in".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ETH_HLEN 14
#define IPPROTO_TCP_NUM 6
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04

/* What a frame carries, as far as the choice needs it. */
struct seg {
	int family;
	const uint8_t *src, *dst;	/* addresses inside the frame */
	const uint8_t *tcp;
	uint32_t payload;
};

static uint64_t rng_state;

/* The initial sequence number of each direction that sent a SYN. */
struct isn {
	uint8_t key[36];		/* src, dst addresses, ports */
	uint32_t isn;
	struct isn *next;
};

#define ISN_BUCKETS 4096
static struct isn *isns[ISN_BUCKETS];

/* splitmix64: tiny, and the same sequence on every platform */
static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* The TCP header at `l4` with `len` bytes of IP payload behind it. */
static bool parse_tcp(const uint8_t *l4, const uint8_t *end, uint32_t len,
		      struct seg *s)
{
	uint32_t doff;

	if (len < 20 || l4 + 20 > end)
		return false;
	doff = (uint32_t)(l4[12] >> 4) * 4;
	if (doff < 20 || doff > len)
		return false;
	s->tcp = l4;
	s->payload = len - doff;
	return true;
}

static bool parse_ipv4(const uint8_t *ip, const uint8_t *end, struct seg *s)
{
	uint32_t ihl, tot;

	if (ip + 20 > end || ip[0] >> 4 != 4)
		return false;
	ihl = (uint32_t)(ip[0] & 0x0f) * 4;
	tot = be16(ip + 2);
	/* a fragment is not a whole segment: its bytes are not ours to drop */
	if (ihl < 20 || tot < ihl || ip[9] != IPPROTO_TCP_NUM ||
	    (be16(ip + 6) & 0x3fff) != 0)
		return false;
	s->family = AF_INET;
	s->src = ip + 12;
	s->dst = ip + 16;
	return parse_tcp(ip + ihl, end, tot - ihl, s);
}

/* Walk the extension headers a TCP segment may sit behind. */
static bool parse_ipv6(const uint8_t *ip, const uint8_t *end, struct seg *s)
{
	const uint8_t *p = ip + 40;
	uint32_t left;
	uint8_t nh;

	if (ip + 40 > end || ip[0] >> 4 != 6)
		return false;
	nh = ip[6];
	left = be16(ip + 4);
	while (nh == 0 || nh == 43 || nh == 60 || nh == 51) {
		uint32_t hl;

		if (p + 8 > end)
			return false;
		hl = nh == 51 ? ((uint32_t)p[1] + 2) * 4
			      : ((uint32_t)p[1] + 1) * 8;
		if (hl > left)
			return false;
		nh = p[0];
		p += hl;
		left -= hl;
	}
	if (nh != IPPROTO_TCP_NUM)
		return false;	/* fragments (44) included */
	s->family = AF_INET6;
	s->src = ip + 8;
	s->dst = ip + 24;
	return parse_tcp(p, end, left, s);
}

static bool parse_l3(const uint8_t *p, const uint8_t *end, uint16_t type,
		     struct seg *s)
{
	if (type == 0x0800)
		return parse_ipv4(p, end, s);
	if (type == 0x86dd)
		return parse_ipv6(p, end, s);
	return false;
}

static bool parse_ether(const uint8_t *p, const uint8_t *end, struct seg *s)
{
	uint16_t type;

	if (p + ETH_HLEN > end)
		return false;
	type = be16(p + 12);
	p += ETH_HLEN;
	/* 802.1Q, 802.1ad and the old QinQ tag, stacked */
	while (type == 0x8100 || type == 0x88a8 || type == 0x9100) {
		if (p + 4 > end)
			return false;
		type = be16(p + 2);
		p += 4;
	}
	return parse_l3(p, end, type, s);
}

static bool parse_frame(int dlt, const uint8_t *p, uint32_t caplen,
			struct seg *s)
{
	const uint8_t *end = p + caplen;

	switch (dlt) {
	case DLT_EN10MB:
		return parse_ether(p, end, s);
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		if (caplen < 1)
			return false;
		return parse_l3(p, end, p[0] >> 4 == 6 ? 0x86dd : 0x0800, s);
	case DLT_LINUX_SLL:
		if (caplen < 16)
			return false;
		return parse_l3(p + 16, end, be16(p + 14), s);
	default:
		return false;
	}
}

static bool is_data(const struct seg *s)
{
	return s->payload > 0 &&
	       !(s->tcp[13] & (TCP_FIN | TCP_SYN | TCP_RST));
}

static void isn_key(const struct seg *s, uint8_t key[36])
{
	size_t alen = s->family == AF_INET6 ? 16 : 4;

	memset(key, 0, 36);
	memcpy(key, s->src, alen);
	memcpy(key + 16, s->dst, alen);
	memcpy(key + 32, s->tcp, 4);	/* both ports */
}

static struct isn **isn_slot(const uint8_t key[36])
{
	uint32_t h = 2166136261u;
	struct isn **pp;

	for (int i = 0; i < 36; i++)
		h = (h ^ key[i]) * 16777619u;
	for (pp = &isns[h % ISN_BUCKETS]; *pp; pp = &(*pp)->next)
		if (memcmp((*pp)->key, key, 36) == 0)
			break;
	return pp;
}

/* A SYN starts the direction's stream anew (port reuse included). */
static void note_syn(const struct seg *s)
{
	uint8_t key[36];
	struct isn **pp;

	if (!(s->tcp[13] & TCP_SYN))
		return;
	isn_key(s, key);
	pp = isn_slot(key);
	if (!*pp) {
		*pp = calloc(1, sizeof(**pp));
		if (!*pp)
			return;	/* its offsets print as "-" */
		memcpy((*pp)->key, key, 36);
	}
	(*pp)->isn = be32(s->tcp + 4);
}

static void print_seg(uint64_t frame, const struct seg *s)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], off[16] = "-";
	uint8_t key[36];
	struct isn *e;

	isn_key(s, key);
	e = *isn_slot(key);
	if (e)	/* offsets past 4 GiB wrap: captures here are smaller */
		snprintf(off, sizeof(off), "%" PRIu32,
			 be32(s->tcp + 4) - e->isn - 1);
	inet_ntop(s->family, s->src, a, sizeof(a));
	inet_ntop(s->family, s->dst, b, sizeof(b));
	printf("%" PRIu64 "\t%s.%u\t%s.%u\t%" PRIu32 "\t%" PRIu32 "\t%s\n",
	       frame, a, be16(s->tcp), b, be16(s->tcp + 2), be32(s->tcp + 4),
	       s->payload, off);
}

static void free_isns(void)
{
	for (int i = 0; i < ISN_BUCKETS; i++)
		while (isns[i]) {
			struct isn *e = isns[i];

			isns[i] = e->next;
			free(e);
		}
}

/* A nanosecond capture stays one: libpcap would round it otherwise. */
static pcap_t *open_in(const char *path, char *err)
{
	uint8_t m[4] = { 0 };
	FILE *f = fopen(path, "rb");
	u_int prec = PCAP_TSTAMP_PRECISION_MICRO;

	if (f) {
		if (fread(m, 1, 4, f) == 4 &&
		    ((m[0] == 0xa1 && m[1] == 0xb2 && m[2] == 0x3c) ||
		     (m[0] == 0x4d && m[1] == 0x3c && m[2] == 0xb2)))
			prec = PCAP_TSTAMP_PRECISION_NANO;
		fclose(f);
	}
	return pcap_open_offline_with_tstamp_precision(path, prec, err);
}

struct counts {
	uint64_t frames, data, removed;
};

/* Does the draw remove this frame?  Only data segments take a draw, so
 * the choice does not depend on the other frames. */
static bool removes(int dlt, const struct pcap_pkthdr *h, const u_char *p,
		    uint64_t threshold, bool list, struct counts *c)
{
	struct seg s;

	if (!parse_frame(dlt, p, h->caplen, &s))
		return false;
	note_syn(&s);
	if (!is_data(&s))
		return false;
	c->data++;
	if (rng_next() % 1000000 >= threshold)
		return false;
	c->removed++;
	if (list)
		print_seg(c->frames, &s);
	return true;
}

static int copy_frames(pcap_t *in, pcap_dumper_t *out, uint64_t threshold,
		       bool list, struct counts *c)
{
	struct pcap_pkthdr *h;
	const u_char *p;
	int dlt = pcap_datalink(in), rc;

	while ((rc = pcap_next_ex(in, &h, &p)) == 1) {
		c->frames++;
		if (!removes(dlt, h, p, threshold, list, c))
			pcap_dump((u_char *)out, h, p);
	}
	return rc == PCAP_ERROR ? -1 : 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: dropseg [-s SEED] [-p PERCENT] [-l] "
			"IN.pcap OUT.pcap\n");
}

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	double pct = 3.0;
	bool list = false;
	struct counts c = { 0, 0, 0 };
	pcap_t *in;
	pcap_dumper_t *out;
	char *end;
	int opt, rc;

	rng_state = 1;
	while ((opt = getopt(argc, argv, "s:p:l")) != -1) {
		switch (opt) {
		case 's': rng_state = strtoull(optarg, NULL, 0); break;
		case 'p':
			pct = strtod(optarg, &end);
			if (*end || pct < 0 || pct > 100) {
				usage();
				return 2;
			}
			break;
		case 'l': list = true; break;
		default: usage(); return 2;
		}
	}
	if (argc - optind != 2) {
		usage();
		return 2;
	}
	in = open_in(argv[optind], err);
	if (!in) {
		fprintf(stderr, "dropseg: %s\n", err);
		return 1;
	}
	out = pcap_dump_open(in, argv[optind + 1]);
	if (!out) {
		fprintf(stderr, "dropseg: %s\n", pcap_geterr(in));
		pcap_close(in);
		return 1;
	}
	rc = copy_frames(in, out, (uint64_t)(pct * 10000.0 + 0.5), list, &c);
	if (rc < 0)
		fprintf(stderr, "dropseg: %s\n", pcap_geterr(in));
	pcap_dump_close(out);
	pcap_close(in);
	free_isns();
	if (rc < 0)
		return 1;
	/* the list must not interleave with the summary on a shared pipe */
	fflush(stdout);
	fprintf(stderr, "dropseg: removed %" PRIu64 " of %" PRIu64
			" data segments, %" PRIu64 " frames in\n",
		c.removed, c.data, c.frames);
	return 0;
}
