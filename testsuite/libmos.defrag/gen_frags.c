/*
 * gen_frags: write a capture of two TCP connections (IPv4, IPv6) whose
 * data segments travel as IP fragments in every way reassembly must
 * handle, and what a monitor reassembling them must find.
 *
 * Usage: gen_frags OUT.pcap EXPECT_DIR
 *
 * EXPECT_DIR receives the client streams as mos-flowdump names them, for
 * each overlap policy (first/NAME, last/NAME), counters.txt: the "defrag"
 * statistics line and the numbers of frames a forwarding run must forward
 * and drop, forwarded.pcap (the frames a forwarding run must pass on:
 * all but the refused fragments, unchanged) and empty.pcap (no frames).
 *
 * IPv4 client segments: 3 fragments in order; reversed; an overlap whose
 * later bytes differ (the policy decides; the differing bytes are the
 * overlap's 16-bit words swapped, so the TCP checksum holds either way);
 * a duplicated fragment; a tiny fragment at offset 8 rewriting the TCP
 * header (RFC 1858), dropped; a train missing its middle, then the
 * segment resent whole, the train timing out 31 s later on the capture's
 * clock.  IPv6 client segments: in order; reversed; overlapping fragments,
 * abandoned (RFC 5722), then the segment resent whole.  Frames are 1 ms
 * apart; server segments are whole ACKs.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pkt_parse.h"

#define ETH 14
#define MAXF 9000
#define SEGLEN 1000

struct side {
	int ipver;
	uint8_t addr[16];
	uint16_t port;
	uint32_t seq;		/* next sequence number */
};

struct dgram {
	uint8_t b[MAXF];
	uint32_t hlen, len;	/* link + IP header; all */
	int ipver;
};

static FILE *out, *fwd;
static bool next_dropped;	/* the next frame is one a monitor drops */
static uint64_t now_us = 1700000000ull * 1000000u;
static unsigned frames, dropped;
static uint32_t ip_id = 100;

static void wr16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, v >> 16);
	wr16(p + 2, v);
}

static void put32(FILE *f, uint32_t v)
{
	fwrite(&v, 4, 1, f);
}

static void record(FILE *f, const uint8_t *b, uint32_t len)
{
	put32(f, (uint32_t)(now_us / 1000000u));
	put32(f, (uint32_t)(now_us % 1000000u));
	put32(f, len);
	put32(f, len);
	fwrite(b, 1, len, f);
}

/* A frame into the capture, and into the forwarded one unless a
 * monitor reassembling fragments must drop it. */
static void emit(const uint8_t *b, uint32_t len)
{
	record(out, b, len);
	if (!next_dropped)
		record(fwd, b, len);
	else
		dropped++;
	next_dropped = false;
	now_us += 1000;
	frames++;
}

static void drop_next(void)
{
	next_dropped = true;
}

/* A TCP segment from S to R with FLAGS and N bytes of DATA as one
 * datagram in D (checksums set). */
static void segment(struct dgram *d, const struct side *s,
		    const struct side *r, uint8_t flags, const uint8_t *data,
		    uint32_t n)
{
	uint8_t *ip = d->b + ETH, *t;
	struct mos_pkt p;
	uint16_t sum;
	int alen = s->ipver == 4 ? 4 : 16;

	memset(d, 0, sizeof(*d));
	d->ipver = s->ipver;
	d->b[0] = 0x02, d->b[5] = r->addr[alen - 1];
	d->b[6] = 0x02, d->b[11] = s->addr[alen - 1];
	if (s->ipver == 4) {
		d->b[12] = 0x08;
		ip[0] = 0x45;
		wr16(ip + 2, 40 + n);
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, s->addr, 4);
		memcpy(ip + 16, r->addr, 4);
		sum = mos_csum_ipv4_hdr(ip, 20);
		memcpy(ip + 10, &sum, 2);
		d->hlen = ETH + 20;
	} else {
		d->b[12] = 0x86, d->b[13] = 0xdd;
		ip[0] = 0x60;
		wr16(ip + 4, 20 + n);
		ip[6] = 6;
		ip[7] = 64;
		memcpy(ip + 8, s->addr, 16);
		memcpy(ip + 24, r->addr, 16);
		d->hlen = ETH + 40;
	}
	t = d->b + d->hlen;
	wr16(t, s->port);
	wr16(t + 2, r->port);
	wr32(t + 4, s->seq);
	wr32(t + 8, flags & MOS_TH_ACK ? r->seq : 0);
	t[12] = 5 << 4;
	t[13] = flags;
	wr16(t + 14, 65535);
	if (n)
		memcpy(t + 20, data, n);
	d->len = d->hlen + 20 + n;
	mos_pkt_parse(&p, d->b, d->len, false);
	sum = mos_csum_tcp(&p);
	memcpy(t + 16, &sum, 2);
}

/*
 * Fragment [off, off + n) of D's fragmentable part with identification
 * ID; SWAP exchanges the 16-bit words of [swap_at, swap_at + 8) in it.
 */
static void fragment(const struct dgram *d, uint32_t off, uint32_t n,
		     bool more, uint32_t id, int swap_at)
{
	uint8_t b[MAXF], *ip = b + ETH;
	uint32_t at;
	uint16_t sum;

	memcpy(b, d->b, d->hlen);
	if (d->ipver == 4) {
		wr16(ip + 2, 20 + n);
		wr16(ip + 4, id);
		wr16(ip + 6, (more ? 0x2000u : 0) | off / 8);
		ip[10] = ip[11] = 0;
		sum = mos_csum_ipv4_hdr(ip, 20);
		memcpy(ip + 10, &sum, 2);
		at = d->hlen;
	} else {
		ip[6] = 44;
		wr16(ip + 4, 8 + n);
		ip[40] = 6;
		wr16(ip + 42, off | (more ? 1u : 0));
		wr32(ip + 44, id);
		at = d->hlen + 8;
	}
	memcpy(b + at, d->b + d->hlen + off, n);
	if (swap_at >= 0) {
		uint8_t *w = b + at + ((uint32_t)swap_at - off), tmp[2];

		for (int i = 0; i < 8; i += 4) {
			memcpy(tmp, w + i, 2);
			memcpy(w + i, w + i + 2, 2);
			memcpy(w + i + 2, tmp, 2);
		}
	}
	emit(b, at + n);
}

static void send_whole(struct side *s, struct side *r, uint8_t flags,
		       const uint8_t *data, uint32_t n)
{
	struct dgram d;

	segment(&d, s, r, flags, data, n);
	emit(d.b, d.len);
	s->seq += n + ((flags & (MOS_TH_SYN | MOS_TH_FIN)) ? 1 : 0);
}

static void handshake(struct side *c, struct side *s)
{
	send_whole(c, s, MOS_TH_SYN, NULL, 0);
	send_whole(s, c, MOS_TH_SYN | MOS_TH_ACK, NULL, 0);
	send_whole(c, s, MOS_TH_ACK, NULL, 0);
}

static void closing(struct side *c, struct side *s)
{
	send_whole(c, s, MOS_TH_FIN | MOS_TH_ACK, NULL, 0);
	send_whole(s, c, MOS_TH_FIN | MOS_TH_ACK, NULL, 0);
	send_whole(c, s, MOS_TH_ACK, NULL, 0);
}

/* ------------------------------------------------------------ streams */

static uint8_t stream_first[16 * SEGLEN], stream_last[16 * SEGLEN];
static uint32_t stream_len;

static void data_for(uint8_t *p, uint32_t n, unsigned seg)
{
	for (uint32_t i = 0; i < n; i++)
		p[i] = (uint8_t)('A' + (seg * 7 + i * 13 + i / 97) % 58);
}

/* The segment's bytes go to both expected streams. */
static void expect(const uint8_t *p, uint32_t n)
{
	memcpy(stream_first + stream_len, p, n);
	memcpy(stream_last + stream_len, p, n);
	stream_len += n;
}

static void write_file(const char *dir, const char *sub, const char *name,
		       const uint8_t *p, uint32_t n)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* ------------------------------------------------------------ cases */

/* Client segment SEG of SEGLEN bytes (1020 with its TCP header) sent as
 * case HOW says; the server acknowledges it. */
static void v4_client(struct side *c, struct side *s, unsigned seg,
		      int how)
{
	uint8_t data[SEGLEN];
	struct dgram d;
	uint32_t id = ip_id++;

	data_for(data, SEGLEN, seg);
	segment(&d, c, s, MOS_TH_ACK | MOS_TH_PSH, data, SEGLEN);
	switch (how) {
	case 0:		/* in order */
		fragment(&d, 0, 504, true, id, -1);
		fragment(&d, 504, 504, true, id, -1);
		fragment(&d, 1008, 12, false, id, -1);
		expect(data, SEGLEN);
		break;
	case 1:		/* reversed */
		fragment(&d, 1008, 12, false, id, -1);
		fragment(&d, 504, 504, true, id, -1);
		fragment(&d, 0, 504, true, id, -1);
		expect(data, SEGLEN);
		break;
	case 2:		/* [0,504) then [496,1008) whose [496,504) differs */
		fragment(&d, 0, 504, true, id, -1);
		fragment(&d, 496, 512, true, id, 496);
		fragment(&d, 1008, 12, false, id, -1);
		expect(data, SEGLEN);
		/* last wins: TCP bytes 496..503 = data 476..483 swapped */
		for (int i = 0; i < 8; i += 4) {
			uint8_t *w = stream_last + stream_len - SEGLEN +
				     476 + i;
			uint8_t tmp[2];

			memcpy(tmp, w, 2);
			memcpy(w, w + 2, 2);
			memcpy(w + 2, tmp, 2);
		}
		break;
	case 3:		/* a fragment twice */
		fragment(&d, 0, 504, true, id, -1);
		fragment(&d, 504, 504, true, id, -1);
		drop_next();
		fragment(&d, 504, 504, true, id, -1);
		fragment(&d, 1008, 12, false, id, -1);
		expect(data, SEGLEN);
		break;
	case 4:		/* a tiny fragment at offset 8 rewriting the header */
		fragment(&d, 0, 504, true, id, -1);
		drop_next();
		fragment(&d, 8, 16, true, id, 8);
		fragment(&d, 504, 516, false, id, -1);
		expect(data, SEGLEN);
		break;
	case 5:		/* the middle never comes; resent whole */
		fragment(&d, 0, 504, true, id, -1);
		fragment(&d, 1008, 12, false, id, -1);
		emit(d.b, d.len);
		expect(data, SEGLEN);
		break;
	}
	c->seq += SEGLEN;
	send_whole(s, c, MOS_TH_ACK, NULL, 0);
}

static void v6_client(struct side *c, struct side *s, unsigned seg,
		      int how)
{
	uint8_t data[SEGLEN];
	struct dgram d;
	uint32_t id = 0x10000 + ip_id++;

	data_for(data, SEGLEN, seg);
	segment(&d, c, s, MOS_TH_ACK | MOS_TH_PSH, data, SEGLEN);
	switch (how) {
	case 0:
		fragment(&d, 0, 512, true, id, -1);
		fragment(&d, 512, 508, false, id, -1);
		break;
	case 1:
		fragment(&d, 512, 508, false, id, -1);
		fragment(&d, 0, 512, true, id, -1);
		break;
	case 2:		/* overlapping: abandoned, all three dropped */
		fragment(&d, 0, 512, true, id, -1);
		drop_next();
		fragment(&d, 504, 512, true, id, -1);
		drop_next();
		fragment(&d, 1016, 4, false, id, -1);
		emit(d.b, d.len);
		break;
	}
	expect(data, SEGLEN);
	c->seq += SEGLEN;
	send_whole(s, c, MOS_TH_ACK, NULL, 0);
}

static void name_of(const struct side *a, const struct side *b, char *buf,
		    size_t len)
{
	if (a->ipver == 4)
		snprintf(buf, len, "%u.%u.%u.%u.%u-%u.%u.%u.%u.%u",
			 a->addr[0], a->addr[1], a->addr[2], a->addr[3],
			 a->port, b->addr[0], b->addr[1], b->addr[2],
			 b->addr[3], b->port);
	else	/* 2001:db8:1::10 as mos-flowdump writes it */
		snprintf(buf, len, "2001_db8_1__%x.%u-2001_db8_2__%x.%u",
			 a->addr[15], a->port, b->addr[15], b->port);
}

int main(int argc, char **argv)
{
	static const uint8_t hdr[24] = {
		0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff, 0, 0, 1, 0, 0, 0
	};
	struct side c4 = { 4, { 10, 0, 0, 1 }, 40001, 1000 };
	struct side s4 = { 4, { 10, 0, 0, 2 }, 80, 5000 };
	struct side c6 = { 6, { 0x20, 0x01, 0x0d, 0xb8, 0, 1 }, 40002, 7000 };
	struct side s6 = { 6, { 0x20, 0x01, 0x0d, 0xb8, 0, 2 }, 80, 9000 };
	char name[256], path[1024];
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: gen_frags OUT.pcap EXPECT_DIR\n");
		return 2;
	}
	c6.addr[15] = 0x10;
	s6.addr[15] = 0x20;
	out = fopen(argv[1], "wb");
	if (!out || mkdir(argv[2], 0755) < 0) {
		perror("gen_frags");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/forwarded.pcap", argv[2]);
	fwd = fopen(path, "wb");
	if (!fwd) {
		perror(path);
		return 1;
	}
	fwrite(hdr, 1, sizeof(hdr), out);
	fwrite(hdr, 1, sizeof(hdr), fwd);

	handshake(&c4, &s4);
	for (int how = 0; how <= 5; how++)
		v4_client(&c4, &s4, (unsigned)how, how);
	name_of(&c4, &s4, name, sizeof(name));
	write_file(argv[2], "first", name, stream_first, stream_len);
	write_file(argv[2], "last", name, stream_last, stream_len);

	stream_len = 0;
	handshake(&c6, &s6);
	for (int how = 0; how <= 2; how++)
		v6_client(&c6, &s6, 10u + (unsigned)how, how);
	name_of(&c6, &s6, name, sizeof(name));
	write_file(argv[2], "first", name, stream_first, stream_len);
	write_file(argv[2], "last", name, stream_last, stream_len);

	/* 31 s later: the train missing its middle has timed out */
	now_us += 31 * 1000000ull;
	closing(&c4, &s4);
	closing(&c6, &s6);
	if (fclose(out) || fclose(fwd))
		return 1;

	snprintf(path, sizeof(path), "%s/counters.txt", argv[2]);
	f = fopen(path, "w");
	if (!f)
		return 1;
	/* 18 IPv4 and 7 IPv6 fragments; 5 + 2 datagrams made whole */
	fprintf(f, "defrag fragments 25 reassembled 7, overlap4 1, "
		"duplicate 1, overlap6 1, abandoned 1, tiny 1, timeout 1\n");
	fprintf(f, "frames %u forwarded %u dropped %u\n", frames,
		frames - dropped, dropped);
	if (fclose(f))
		return 1;
	/* the capture the forwarding run's second port reads: none */
	snprintf(path, sizeof(path), "%s/empty.pcap", argv[2]);
	f = fopen(path, "wb");
	if (!f || fwrite(hdr, 1, sizeof(hdr), f) != sizeof(hdr))
		return 1;
	return fclose(f) ? 1 : 0;
}
