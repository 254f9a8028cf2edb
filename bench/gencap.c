/*
 * gencap -- the benchmark's capture: many TCP flows open at once.
 *
 *   gencap [-n FLOWS] [-s SCALE] [-S SEED] [-6 PERCENT] -o CAPTURE -t TRUTH
 *
 * Every flow opens before any carries data and closes after all have
 * carried theirs, so the whole set is tracked at the same time, which is
 * what a middlebox with a big flow table sees.  In between, flights of
 * segments from random flows are interleaved, with the faults a monitor
 * must absorb: segments swapped inside a flight, duplicates right behind
 * the original, and late retransmissions of bytes acknowledged long ago,
 * always with the original bytes so every reassembler agrees on the
 * streams.  The receivers acknowledge each flight, so the ACK stream is
 * what a real TCP would send.  Checksums are correct, so a program that
 * verifies them must keep every frame.
 *
 * The mix: 70% web flows (a request, a response of 0.5-40 KB), 25%
 * interactive ones (15-90 small alternating messages), 5% bulk ones
 * (100-900 KB one way).  At the defaults (20,000 flows, SCALE 1) that is
 * about a million frames and 590 MB, the size of the capture issue 10
 * was measured on.  SCALE multiplies the bytes of web and bulk
 * flows and the turns of interactive ones.  PERCENT of the flows are IPv6.
 * 10% of the flows end with a RST, the others with FINs.
 *
 * TRUTH gets "key value" lines: the flow counts, the frames, and the
 * stream lengths each way (every stream byte counted once, whatever was
 * retransmitted), in total and for IPv4 flows alone.  The same arguments
 * always give the same files.
 */
#include <pcap/pcap.h>

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ETH_LEN 14
#define IP4_LEN 20
#define IP6_LEN 40
#define TCP_LEN 20
#define WINDOW 65535
#define FLIGHT_MAX 16		/* 16 * 1448 stays well inside WINDOW */
#define LATE_MIN 2000		/* flights before a late retransmission */
#define LATE_SPREAD 20000

enum { C2S = 0, S2C = 1 };
enum { K_WEB, K_INTERACTIVE, K_BULK };

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

struct flow {
	uint32_t id;
	uint8_t v6, kind, rst, closer;
	uint16_t mss, cport, sport;
	uint8_t cip[16], sip[16];
	uint32_t isn[2];
	uint64_t len[2];	/* stream length each way */
	uint64_t sent[2];	/* next new offset each way */
	uint32_t turns_left;	/* interactive: messages still to come */
	uint32_t turn_bytes;	/* bytes of the current turn still to send */
	uint8_t turn_dir;
	uint32_t flights;	/* for slow start */
};

struct late {
	uint64_t due;
	uint32_t flow;
	uint8_t dir;
	uint64_t off;
	uint32_t len;
};

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* splitmix64: tiny, seedable and the same on every host */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

static double unit(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

static uint64_t loguniform(double lo, double hi)
{
	return (uint64_t)exp(log(lo) + unit() * (log(hi) - log(lo)));
}

static pcap_dumper_t *dumper;
static uint64_t frames, clock_us;
static uint8_t frame[ETH_LEN + IP6_LEN + TCP_LEN + 4 + 2048];

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (; n > 1; p += 2, n -= 2)
		s += (uint32_t)p[0] << 8 | p[1];
	if (n)
		s += (uint32_t)p[0] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

/* The byte at a stream offset depends only on flow, direction and
 * offset, so a retransmission carries exactly the original bytes. */
static void fill(uint8_t *p, const struct flow *f, int dir, uint64_t off,
		 uint32_t n)
{
	uint32_t seed = f->id * 2654435761u + (uint32_t)dir * 40503u;
	uint32_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(((uint32_t)(off + i) * 131u + seed) >> 3);
}

/* One frame from direction dir of f.  seq and ack are absolute. */
static void emit(const struct flow *f, int dir, uint8_t flags, uint32_t seq,
		 uint32_t ack, uint64_t off, uint32_t plen)
{
	const uint8_t *src = dir == C2S ? f->cip : f->sip;
	const uint8_t *dst = dir == C2S ? f->sip : f->cip;
	uint16_t sp = dir == C2S ? f->cport : f->sport;
	uint16_t dp = dir == C2S ? f->sport : f->cport;
	uint32_t optlen = (flags & F_SYN) ? 4 : 0, tcplen = TCP_LEN + optlen;
	uint32_t l3 = f->v6 ? IP6_LEN : IP4_LEN, s;
	uint8_t *ip = frame + ETH_LEN, *tcp = ip + l3;
	struct pcap_pkthdr h;

	memset(frame, 0, ETH_LEN + l3 + tcplen);
	/* locally administered MACs, one per side */
	frame[0] = frame[6] = 0x02;
	frame[5] = (uint8_t)(dir == C2S ? 2 : 1);
	frame[11] = (uint8_t)(dir == C2S ? 1 : 2);
	put16(frame + 12, f->v6 ? 0x86dd : 0x0800);

	put16(tcp, sp);
	put16(tcp + 2, dp);
	put32(tcp + 4, seq);
	put32(tcp + 8, (flags & F_ACK) ? ack : 0);
	tcp[12] = (uint8_t)((tcplen / 4) << 4);
	tcp[13] = flags;
	put16(tcp + 14, WINDOW);
	if (optlen) {		/* MSS */
		tcp[20] = 2;
		tcp[21] = 4;
		put16(tcp + 22, f->mss);
	}
	if (plen)
		fill(tcp + tcplen, f, dir, off, plen);

	if (f->v6) {
		ip[0] = 0x60;
		put16(ip + 4, tcplen + plen);
		ip[6] = 6;
		ip[7] = 64;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
		s = sum16(ip + 8, 32, 0);
	} else {
		ip[0] = 0x45;
		put16(ip + 2, IP4_LEN + tcplen + plen);
		put16(ip + 4, (uint32_t)frames);
		ip[6] = 0x40;	/* DF */
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		put16(ip + 10, fold(sum16(ip, IP4_LEN, 0)));
		s = sum16(ip + 12, 8, 0);
	}
	s += 6 + tcplen + plen;
	put16(tcp + 16, fold(sum16(tcp, tcplen + plen, s)));

	/* ~5 us a frame: a million frames span seconds, far inside any
	 * idle timeout, so no flow is expired by the clock */
	clock_us += 3 + below(5);
	h.ts.tv_sec = (time_t)(1700000000 + clock_us / 1000000);
	h.ts.tv_usec = (suseconds_t)(clock_us % 1000000);
	h.caplen = h.len = ETH_LEN + l3 + tcplen + plen;
	pcap_dump((u_char *)dumper, &h, frame);
	frames++;
}

static uint32_t seq_of(const struct flow *f, int dir, uint64_t off)
{
	return f->isn[dir] + 1 + (uint32_t)off;
}

static void ack_from(const struct flow *f, int dir)
{
	emit(f, dir, F_ACK, seq_of(f, dir, f->sent[dir]),
	     seq_of(f, !dir, f->sent[!dir]), 0, 0);
}

static struct late *late_q;
static size_t late_head, late_tail, late_cap;
static uint64_t step;
static double p_swap = 0.05, p_dup = 0.01, p_late = 0.005;

static void late_push(uint32_t flow, int dir, uint64_t off, uint32_t len)
{
	struct late *l;

	if (late_tail == late_cap) {
		late_cap = late_cap ? late_cap * 2 : 4096;
		late_q = realloc(late_q, late_cap * sizeof(*late_q));
		if (!late_q) {
			perror("gencap");
			exit(1);
		}
	}
	l = &late_q[late_tail++];
	l->due = step + LATE_MIN + below(LATE_SPREAD);
	l->flow = flow;
	l->dir = (uint8_t)dir;
	l->off = off;
	l->len = len;
}

static struct flow *flows;

/* A late copy, answered by the duplicate ACK a receiver sends for bytes
 * it already has. */
static void late_emit(const struct late *l)
{
	const struct flow *f = &flows[l->flow];

	emit(f, l->dir, F_ACK | F_PSH, seq_of(f, l->dir, l->off),
	     seq_of(f, !l->dir, f->sent[!l->dir]), l->off, l->len);
	ack_from(f, !l->dir);
}

static void late_due(int all)
{
	/* due times grow with insertion up to LATE_SPREAD; taking them in
	 * queue order is close enough to time order */
	while (late_head < late_tail &&
	       (all || late_q[late_head].due <= step))
		late_emit(&late_q[late_head++]);
}

/* What the current turn of f sends next: a flight of up to FLIGHT_MAX
 * segments growing like slow start, then the receiver's ACKs, unless the
 * next turn is the receiver's own data, which carries the ACK. */
static int flight(struct flow *f)
{
	int dir = f->turn_dir, nseg, i, every, order[FLIGHT_MAX];
	uint64_t off[FLIGHT_MAX];
	uint32_t len[FLIGHT_MAX];

	nseg = f->flights < 4 ? 2 << f->flights : FLIGHT_MAX;
	if (nseg > FLIGHT_MAX)
		nseg = FLIGHT_MAX;
	for (i = 0; i < nseg && f->turn_bytes; i++) {
		len[i] = f->turn_bytes < f->mss ? f->turn_bytes : f->mss;
		off[i] = f->sent[dir];
		f->sent[dir] += len[i];
		f->turn_bytes -= len[i];
		order[i] = i;
	}
	nseg = i;
	f->flights++;
	if (nseg > 1 && unit() < p_swap) {
		int k = (int)below((uint32_t)nseg - 1), t = order[k];

		order[k] = order[k + 1];
		order[k + 1] = t;
	}
	for (i = 0; i < nseg; i++) {
		int k = order[i];
		uint8_t fl = F_ACK | (k == nseg - 1 ? F_PSH : 0);
		/* the ACK field is what this side had received when it sent */
		uint32_t ack = seq_of(f, !dir, f->sent[!dir]);

		emit(f, dir, fl, seq_of(f, dir, off[k]), ack, off[k], len[k]);
		if (unit() < p_dup)
			emit(f, dir, fl, seq_of(f, dir, off[k]), ack, off[k],
			     len[k]);
		if (unit() < p_late)
			late_push(f->id, dir, off[k], len[k]);
	}
	if (f->turn_bytes)
		goto acks;
	/* the turn is over: next one, or the flow has no more data */
	if (f->kind == K_INTERACTIVE && f->turns_left) {
		f->turns_left--;
		f->turn_dir = (uint8_t)!dir;
		f->turn_bytes = 1 + below(120);
		f->flights = 0;
		return 1;	/* the reply acknowledges */
	}
	if (f->kind != K_INTERACTIVE && f->turn_dir == C2S &&
	    f->sent[S2C] < f->len[S2C]) {
		f->turn_dir = S2C;
		f->turn_bytes = (uint32_t)(f->len[S2C] - f->sent[S2C]);
		f->flights = 0;
		ack_from(f, !dir);
		return 1;
	}
	ack_from(f, !dir);
	return 0;
acks:
	/* web receivers acknowledge every segment, bulk ones every second
	 * (delayed ACKs), as the two kinds of client stacks tend to */
	every = f->kind == K_WEB ? 1 : 2;
	for (i = every - 1; i < nseg; i += every)
		emit(f, !dir, F_ACK, seq_of(f, !dir, f->sent[!dir]),
		     seq_of(f, dir, off[i] + len[i]), 0, 0);
	if ((nseg & 1) && f->kind != K_WEB)
		ack_from(f, !dir);
	return 1;
}

static void setup(struct flow *f, uint32_t id, double scale, int v6pct)
{
	static const uint16_t ports[] = { 80, 443, 8080, 22, 25, 5001 };
	uint32_t r = below(100), srv = below(250);

	memset(f, 0, sizeof(*f));
	f->id = id;
	f->v6 = below(100) < (uint32_t)v6pct;
	f->mss = f->v6 ? 1428 : 1448;
	if (f->v6) {
		f->cip[0] = f->sip[0] = 0xfd;
		f->sip[1] = 1;
		put32(f->cip + 12, id + 1);
		put32(f->sip + 12, srv + 1);
	} else {
		f->cip[0] = 10;
		f->cip[1] = (uint8_t)((id + 1) >> 16);
		f->cip[2] = (uint8_t)((id + 1) >> 8);
		f->cip[3] = (uint8_t)(id + 1);
		f->sip[0] = 192;
		f->sip[1] = 168;
		f->sip[2] = (uint8_t)(srv / 200);
		f->sip[3] = (uint8_t)(srv % 200 + 1);
	}
	f->cport = (uint16_t)(1024 + below(60000));
	f->sport = ports[below(sizeof(ports) / sizeof(ports[0]))];
	f->isn[C2S] = (uint32_t)rnd();
	f->isn[S2C] = (uint32_t)rnd();
	f->rst = below(10) == 0;
	f->closer = (uint8_t)below(2);
	if (r < 70) {
		f->kind = K_WEB;
		f->len[C2S] = 80 + below(900);
		f->len[S2C] = (uint64_t)(loguniform(500, 40000) * scale) + 1;
	} else if (r < 95) {
		f->kind = K_INTERACTIVE;
		f->turns_left = (uint32_t)((15 + below(76)) * scale) + 1;
	} else {
		uint64_t big = (uint64_t)(loguniform(100e3, 9e5) * scale) + 1;

		f->kind = K_BULK;
		if (below(4) == 0) {	/* an upload */
			f->len[C2S] = big;
			f->len[S2C] = 20 + below(200);
		} else {
			f->len[C2S] = 60 + below(400);
			f->len[S2C] = big;
		}
	}
	f->turn_dir = C2S;
	f->turn_bytes = f->kind == K_INTERACTIVE ? 1 + below(120) :
		(uint32_t)f->len[C2S];
	if (f->kind == K_INTERACTIVE)
		f->turns_left--;
}

/* Handshakes and closes of all flows, pipelined: frame j of the i-th flow
 * goes out in slot i + j * LAG, so thousands are half-open at once. */
#define LAG 97

static void open_frame(struct flow *f, int j)
{
	switch (j) {
	case 0:
		emit(f, C2S, F_SYN, f->isn[C2S], 0, 0, 0);
		break;
	case 1:
		emit(f, S2C, F_SYN | F_ACK, f->isn[S2C], f->isn[C2S] + 1, 0, 0);
		break;
	default:
		ack_from(f, C2S);
	}
}

static int close_frame(struct flow *f, int j)
{
	int a = f->closer, b = !a;
	uint32_t sa = seq_of(f, a, f->sent[a]), sb = seq_of(f, b, f->sent[b]);

	if (f->rst) {
		if (j == 0)
			emit(f, a, F_RST | F_ACK, sa, sb, 0, 0);
		return j < 1;
	}
	switch (j) {
	case 0:
		emit(f, a, F_FIN | F_ACK, sa, sb, 0, 0);
		break;
	case 1:
		emit(f, b, F_ACK, sb, sa + 1, 0, 0);
		break;
	case 2:
		emit(f, b, F_FIN | F_ACK, sb, sa + 1, 0, 0);
		break;
	case 3:
		emit(f, a, F_ACK, sa + 1, sb + 1, 0, 0);
		break;
	}
	return j < 4;
}

static void pipelined(uint32_t *order, uint32_t n, int nframes, int closing)
{
	uint64_t slot, last = (uint64_t)n + (uint64_t)nframes * LAG;
	int j;

	for (slot = 0; slot < last; slot++)
		for (j = nframes - 1; j >= 0; j--) {
			uint64_t i = slot - (uint64_t)j * LAG;

			if (slot < (uint64_t)j * LAG || i >= n)
				continue;
			if (closing)
				close_frame(&flows[order[i]], j);
			else
				open_frame(&flows[order[i]], j);
		}
}

static void shuffle(uint32_t *a, uint32_t n)
{
	uint32_t i, j, t;

	for (i = n; i > 1; i--) {
		j = below(i);
		t = a[i - 1];
		a[i - 1] = a[j];
		a[j] = t;
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: gencap [-n FLOWS] [-s SCALE] [-S SEED] "
			"[-6 PERCENT] -o CAPTURE -t TRUTH\n");
	exit(2);
}

int main(int argc, char **argv)
{
	uint32_t n = 20000, i, nact, *order, *active;
	const char *out = NULL, *truth = NULL;
	uint64_t seed = 1, len[2][2] = { { 0 } }, nv6 = 0, nrst = 0;
	double scale = 1.0;
	int v6pct = 5, c;
	char tmp[4096];
	pcap_t *dead;
	FILE *t;

	while ((c = getopt(argc, argv, "n:s:S:6:o:t:")) != -1)
		switch (c) {
		case 'n': n = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 's': scale = atof(optarg); break;
		case 'S': seed = strtoull(optarg, NULL, 0); break;
		case '6': v6pct = atoi(optarg); break;
		case 'o': out = optarg; break;
		case 't': truth = optarg; break;
		default: usage();
		}
	if (!out || !truth || n == 0 || n > 16000000 || scale <= 0)
		usage();
	rng_state = seed;
	flows = calloc(n, sizeof(*flows));
	order = calloc(n, sizeof(*order));
	active = calloc(n, sizeof(*active));
	if (!flows || !order || !active) {
		perror("gencap");
		return 1;
	}
	for (i = 0; i < n; i++) {
		setup(&flows[i], i, scale, v6pct);
		order[i] = active[i] = i;
	}

	/* written under a temporary name: a capture that exists is whole */
	snprintf(tmp, sizeof(tmp), "%s.tmp", out);
	dead = pcap_open_dead(DLT_EN10MB, 65535);
	dumper = dead ? pcap_dump_open(dead, tmp) : NULL;
	if (!dumper) {
		fprintf(stderr, "gencap: %s: %s\n", tmp,
			dead ? pcap_geterr(dead) : "pcap_open_dead");
		return 1;
	}

	shuffle(order, n);
	pipelined(order, n, 3, 0);
	for (nact = n; nact; step++) {
		uint32_t k = below(nact);

		if (!flight(&flows[active[k]]))
			active[k] = active[--nact];
		late_due(0);
	}
	late_due(1);
	shuffle(order, n);
	pipelined(order, n, 4, 1);

	if (pcap_dump_flush(dumper) < 0) {
		fprintf(stderr, "gencap: %s: %s\n", tmp, strerror(errno));
		return 1;
	}
	pcap_dump_close(dumper);
	pcap_close(dead);

	for (i = 0; i < n; i++) {
		const struct flow *f = &flows[i];

		len[f->v6][C2S] += f->sent[C2S];
		len[f->v6][S2C] += f->sent[S2C];
		nv6 += f->v6;
		nrst += f->rst;
	}
	snprintf(tmp + strlen(tmp), sizeof(tmp) - strlen(tmp), "t");
	t = fopen(tmp, "w");
	if (!t) {
		fprintf(stderr, "gencap: %s: %s\n", tmp, strerror(errno));
		return 1;
	}
	fprintf(t, "flows %u\nflows_v4 %llu\nflows_v6 %llu\nflows_rst %llu\n"
		   "frames %llu\nc2s_bytes %llu\ns2c_bytes %llu\n"
		   "c2s_bytes_v4 %llu\ns2c_bytes_v4 %llu\n"
		   "seed %llu\nscale %g\n",
		n, (unsigned long long)(n - nv6), (unsigned long long)nv6,
		(unsigned long long)nrst, (unsigned long long)frames,
		(unsigned long long)(len[0][C2S] + len[1][C2S]),
		(unsigned long long)(len[0][S2C] + len[1][S2C]),
		(unsigned long long)len[0][C2S],
		(unsigned long long)len[0][S2C],
		(unsigned long long)seed, scale);
	if (fclose(t) != 0 || rename(tmp, truth) < 0) {
		fprintf(stderr, "gencap: %s: %s\n", truth, strerror(errno));
		return 1;
	}
	tmp[strlen(tmp) - 1] = 0;
	if (rename(tmp, out) < 0) {
		fprintf(stderr, "gencap: %s: %s\n", out, strerror(errno));
		return 1;
	}
	return 0;
}
