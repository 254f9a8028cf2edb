/*
 * fuzz_tcp.c -- the end-host TCP engine (lib/host/tcp.h) on segments a
 * peer chooses, with the socket layer's calls in between.
 *
 * The engine listens on 10.0.0.2:80 and opens one connection to
 * 10.0.0.1:8080.  Input: 12 bytes per operation:
 *   0     bits 0-2 operation: 0-3 a segment from the peer, 4 time
 *         passes (timers), 5 recv, 6 send, 7 close or abort;
 *         bit 3 which peer port (two connections to the listener), bit 4
 *         the active connection instead; bits 5-6 options (MSS, window
 *         scale, SACK-permitted, timestamps)
 *   1     TCP flags (segment) / which connection (recv, send, close)
 *   2-3   sequence number: signed offset from the peer's next one
 *   4-5   ack number: signed offset from the engine's next one (as its
 *         frames showed)
 *   6-7   window / byte count / milliseconds
 *   8-9   payload length (mod 1461)
 *   10    window scale / timestamp step
 *   11    bit 0: say the NIC checked the checksum
 * The payload byte at sequence number s is a function of s, so every byte
 * mos_tcp_recv returns can be checked against what the peer sent at that
 * sequence number (the first unread one is rcv_nxt minus the bytes
 * readable, minus the FIN if one came).  Every frame the engine sends
 * must parse as a TCP segment with valid checksums inside its room.
 */
#include <arpa/inet.h>
#include <string.h>

#include "io.h"
#include "pkt_parse.h"
#include "host/tcp.h"
#include "fuzz.h"

#define MSS 536
#define MAXCONN 8

static uint32_t eng_nxt[3];	/* engine's next seq, per peer port */
static uint32_t peer_nxt[3];
static uint8_t owner_tag;

static uint8_t content(uint32_t seq)
{
	return (uint8_t)((seq * 2654435761u) >> 24);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t sum16(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static int port_idx(uint16_t port)
{
	return port == 40000 ? 0 : port == 40001 ? 1 : 2;
}

/* ---- the engine's environment ---- */

static struct mos_frame *env_alloc(void *arg)
{
	struct mos_frame *f = calloc(1, sizeof(*f));

	(void)arg;
	f->room = MOS_TCP_FRAME_ROOM(MSS);
	f->data = malloc(f->room);
	return f;
}

static void env_xmit(void *arg, struct mos_frame *f, uint32_t saddr,
		     uint32_t daddr)
{
	struct mos_pkt p;
	uint8_t *copy;
	int kind;

	(void)arg, (void)saddr, (void)daddr;
	FUZZ_CHECK(f->len <= f->room, "frame of %u bytes in %u", f->len,
		   f->room);
	if (f->len) {
		copy = malloc(f->len);
		memcpy(copy, f->data, f->len);
		memset(copy, 0, 12);	/* the env fills the MACs */
		put16(copy + 12, 0x0800);
		kind = mos_pkt_parse(&p, copy, f->len, true);
		FUZZ_CHECK(kind == MOS_PKT_TCP, "engine sent a %s frame",
			   mos_pkt_kind_name(kind));
		FUZZ_CHECK(p.payload_len <= MSS, "segment of %u bytes",
			   p.payload_len);
		{
			int i = port_idx(p.dport);
			uint32_t end = p.seq + p.payload_len +
				       ((p.flags & MOS_TH_SYN) ? 1 : 0) +
				       ((p.flags & MOS_TH_FIN) ? 1 : 0);

			if ((int32_t)(end - eng_nxt[i]) > 0 ||
			    (p.flags & MOS_TH_SYN))
				eng_nxt[i] = end;
		}
		free(copy);
	}
	free(f->data);
	free(f);
}

/* ---- a segment from the peer ---- */

static void segment(struct mos_tcp *s, const uint8_t *b, uint64_t now)
{
	static uint8_t fr[14 + 20 + 60 + 1460];
	bool active = b[0] & 16;
	uint16_t sport = active ? 8080 : (uint16_t)(40000 + ((b[0] >> 3) & 1));
	uint16_t dport = active ? 5555 : 80;
	int i = active ? 2 : port_idx(sport), opts = (b[0] >> 5) & 3;
	uint32_t seq = peer_nxt[i] + (uint32_t)(int16_t)(b[2] << 8 | b[3]);
	uint32_t ack = eng_nxt[i] + (uint32_t)(int16_t)(b[4] << 8 | b[5]);
	uint32_t plen = (uint32_t)(b[8] << 8 | b[9]) % 1461u, k, olen = 0;
	uint8_t *ip = fr + 14, *th = ip + 20, o[40];
	struct mos_frame f = { 0 };
	uint32_t start, end, tcplen;

	if (opts & 1) {
		o[olen++] = 2, o[olen++] = 4;
		put16(o + olen, (uint16_t)(64 + b[10] * 8));
		olen += 2;
		o[olen++] = 1, o[olen++] = 3, o[olen++] = 3;
		o[olen++] = b[10] % 16;
	}
	if (opts & 2) {
		/* SACK-permitted, timestamps: 16 bytes with the NOPs */
		o[olen++] = 4, o[olen++] = 2, o[olen++] = 1, o[olen++] = 1;
		o[olen++] = 1, o[olen++] = 1, o[olen++] = 8, o[olen++] = 10;
		put32(o + olen, 1000u + (uint32_t)(int8_t)b[10] * 100u);
		put32(o + olen + 4, 0);
		olen += 8;
	}
	tcplen = 20 + olen + plen;
	memset(fr, 0, 14 + 20 + 20);
	put16(fr + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + tcplen));
	ip[8] = 64;
	ip[9] = 6;
	ip[12] = 10, ip[15] = 1;
	ip[16] = 10, ip[19] = 2;
	put16(ip + 10, fold(sum16(0, ip, 20)));
	put16(th, sport);
	put16(th + 2, dport);
	put32(th + 4, seq);
	put32(th + 8, ack);
	th[12] = (uint8_t)((20 + olen) / 4 << 4);
	th[13] = b[1];
	put16(th + 14, (uint16_t)(b[6] << 8 | b[7]));
	memcpy(th + 20, o, olen);
	start = seq + ((b[1] & MOS_TH_SYN) ? 1u : 0u);
	for (k = 0; k < plen; k++)
		th[20 + olen + k] = content(start + k);
	put16(th + 16, fold(sum16(sum16(6 + tcplen, ip + 12, 8), th, tcplen)));
	end = start + plen + ((b[1] & MOS_TH_FIN) ? 1u : 0u);
	if ((int32_t)(end - peer_nxt[i]) > 0)
		peer_nxt[i] = end;

	f.len = f.room = 14 + 20 + tcplen;
	f.data = malloc(f.len);
	memcpy(f.data, fr, f.len);
	f.csum_hw = (b[11] & 1) ? MOS_CSUM_HW_L4_GOOD : 0;
	f.kind = mos_pkt_parse_hw(&f.pkt, f.data, f.len, false, f.csum_hw);
	if (f.kind == MOS_PKT_TCP)
		mos_tcp_input(s, &f, now);
	free(f.data);
}

/* ---- the socket layer's side ---- */

static bool fin_received(enum mos_tcp_state st)
{
	return st == MOS_TCPS_CLOSE_WAIT || st == MOS_TCPS_LAST_ACK ||
	       st == MOS_TCPS_CLOSING || st == MOS_TCPS_TIME_WAIT;
}

struct conn {
	struct mos_tcb *t;
	bool known;		/* next is the sequence number of the first
				 * unread byte */
	uint32_t next;
};

static bool matches(const uint8_t *buf, size_t n, uint32_t first)
{
	for (size_t k = 0; k < n; k++)
		if (buf[k] != content(first + (uint32_t)k))
			return false;
	return true;
}

/* Read and check: the bytes are those sent from the first unread sequence
 * number on.  That number is rcv_nxt - readable (- 1 once a FIN came);
 * whether a FIN was counted is not always plain from the state (a RST
 * may have followed it), so at the first read both are tried, and from
 * then on the reads are followed. */
static void do_recv(struct conn *c, size_t want, bool peek, uint64_t now)
{
	static uint8_t buf[65536];
	struct mos_tcp_info ti;
	size_t avail = mos_tcp_readable(c->t), n;
	uint32_t first;

	mos_tcp_get_info(c->t, &ti);
	first = ti.rcv_nxt - (uint32_t)avail;
	if (want > sizeof(buf))
		want = sizeof(buf);
	n = mos_tcp_recv(c->t, buf, want, peek, now);
	FUZZ_CHECK(n <= want && n <= avail, "recv %zu of %zu (%zu readable)",
		   n, want, avail);
	if (getenv("FUZZ_TRACE"))
		fprintf(stderr, "recv %zu%s: rcv_nxt %u readable %zu state %s "
			"got %zu, next %u\n", want, peek ? " peek" : "",
			ti.rcv_nxt, avail, mos_tcp_state_name(ti.state), n,
			c->next);
	if (!n)
		return;
	if (!c->known) {
		c->next = fin_received(ti.state) || !matches(buf, n, first)
				  ? first - 1 : first;
		c->known = true;
	}
	FUZZ_CHECK(matches(buf, n, c->next),
		   "%zu bytes from seq %u: %02x..., sent %02x...", n, c->next,
		   buf[0], content(c->next));
	if (!peek)
		c->next += (uint32_t)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t zeros[4096];
	struct mos_tcp_conf conf = { .rmem = 4096, .wmem = 4096,
				     .max_tcbs = 6, .tw_sec = 1, .mss = MSS,
				     .iss_secret = 1, .ts_secret = 2 };
	struct mos_tcp_env env = { .alloc = env_alloc, .xmit = env_xmit };
	struct fuzz_in in = { data, size };
	struct conn conn[MAXCONN];
	struct mos_tcb *l;
	uint64_t now = 1000000;
	struct mos_tcp *s;
	int n = 0, i;

	memset(eng_nxt, 0, sizeof(eng_nxt));
	for (i = 0; i < 3; i++)
		peer_nxt[i] = 1000u + (uint32_t)i * 100000u;
	s = mos_tcp_new(&conf, &env, now);
	FUZZ_CHECK(s, "mos_tcp_new");
	l = mos_tcp_listen(s, 0x0200000au, htons(80), 4, &owner_tag);
	FUZZ_CHECK(l, "mos_tcp_listen");
	conn[n] = (struct conn){ .t = mos_tcp_connect(s, 0x0200000au,
						      htons(5555), 0x0100000au,
						      htons(8080), &owner_tag,
						      now) };
	n += conn[n].t != NULL;
	while (in.n >= 12) {
		uint8_t b[12];
		struct conn *c;
		struct mos_tcb *t;

		for (i = 0; i < 12; i++)
			b[i] = fuzz_u8(&in);
		c = n ? &conn[b[1] % n] : NULL;
		t = c ? c->t : NULL;
		switch (b[0] & 7) {
		case 4:
			now += (uint64_t)(b[6] << 8 | b[7]) * 10000u;
			(void)mos_tcp_timers(s, now);
			break;
		case 5:
			if (t)
				do_recv(c, (size_t)(b[6] << 8 | b[7]),
					b[10] & 1, now);
			break;
		case 6:
			if (t) {
				size_t k = mos_tcp_send(t, zeros,
							(b[6] << 8 | b[7]) %
								sizeof(zeros),
							now);

				FUZZ_CHECK(k <= sizeof(zeros), "sent %zu", k);
			}
			break;
		case 7:
			if (!t)
				break;
			if (b[10] & 1)
				mos_tcp_abort(t, now);
			else
				mos_tcp_close(t, now);
			n--;
			conn[b[1] % (n + 1)] = conn[n];
			break;
		default:
			segment(s, b, now);
			break;
		}
		while (n < MAXCONN &&
		       (conn[n].t = mos_tcp_accept(l, &owner_tag)) != NULL)
			conn[n++].known = false;
		FUZZ_CHECK(mos_tcp_stats(s)->tcbs <= (uint32_t)conf.max_tcbs,
			   "%u tcbs", mos_tcp_stats(s)->tcbs);
	}
	mos_tcp_free(s);
	return 0;
}
