/*
 * t_tcp.c -- the end-host TCP engine against scripted peers: every
 * segment it sends is checked (flags, seq, ack, window, options).
 */
#include <errno.h>

#include "tcp_harness.h"

#define LPORT 80
#define PPORT 40000
#define PISS 1000u

/* The scripted peer's view of one connection. */
struct peer {
	uint16_t port;
	uint32_t seq, ack;	/* next to send; what we acknowledge */
	int ts;
	uint32_t tsval, tsecr;
	uint16_t win;
};

static uint32_t iss;

static bool payload_is(const struct h_seg *s, const void *want, uint32_t len)
{
	return s->kind == MOS_PKT_TCP && s->p.payload_len == len &&
	       !memcmp(s->p.frame + s->p.payload_off, want, len);
}		/* the engine's ISS of the last handshake */
static uint8_t pattern[1 << 20];

static void fill_pattern(void)
{
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 7 + (i >> 11));
}

/* A segment from the peer with its current numbers; advances seq. */
static void psend(struct harness *h, struct peer *pr, uint8_t flags,
		  const void *data, uint32_t len)
{
	struct h_out o = h_seg(pr->port, LPORT, pr->seq, pr->ack, flags,
			       pr->win);

	o.data = data;
	o.len = len;
	if (pr->ts) {
		o.ts = 1;
		o.tsval = ++pr->tsval;
		o.tsecr = pr->tsecr;
	}
	h_send(h, &o);
	pr->seq += len + ((flags & MOS_TH_SYN) ? 1 : 0) +
		   ((flags & MOS_TH_FIN) ? 1 : 0);
}

/* The peer takes in one engine segment (its timestamp). */
static void seen(struct peer *pr, const struct h_seg *s)
{
	if (s->kind == MOS_PKT_TCP && s->p.has_ts)
		pr->tsecr = s->p.tsval;
}

/* Handshake from the peer to a listener on LPORT; returns the accepted
 * connection (NULL on failure, already reported). */
static struct mos_tcb *open_passive(struct harness *h, struct peer *pr,
				    bool opts, struct mos_tcb **lp)
{
	struct mos_tcb *l = mos_tcp_listen(h->eng, 0, htons(LPORT), 8, h);
	struct h_out o;
	struct h_seg s;
	struct mos_tcb *t;

	if (lp)
		*lp = l;
	memset(pr, 0, sizeof(*pr));
	pr->port = PPORT;
	pr->seq = PISS;
	pr->win = opts ? 1024 : 65535;	/* opts: scaled by 7 = 128 KiB */
	pr->ts = opts;
	pr->tsval = 500;
	o = h_seg(PPORT, LPORT, PISS, 0, MOS_TH_SYN, 65535);
	if (opts) {
		o.mss = 1460;
		o.ws = 7;
		o.sackok = 1;
		o.ts = 1;
		o.tsval = pr->tsval;
	}
	h_send(h, &o);
	pr->seq++;
	s = h_pop(h);
	if (!ok(s.kind == MOS_PKT_TCP &&
		s.p.flags == (MOS_TH_SYN | MOS_TH_ACK) &&
		s.p.ack == PISS + 1, "passive: SYN-ACK acks the SYN")) {
		h_show("got", &s);
		return NULL;
	}
	iss = s.p.seq;
	seen(pr, &s);
	pr->ack = iss + 1;
	psend(h, pr, MOS_TH_ACK, NULL, 0);
	t = mos_tcp_accept(l, h);
	ok(t != NULL, "passive: accepted");
	return t;
}

static void t_passive_handshake(void)
{
	struct harness h;
	struct mos_tcb *l, *t;
	struct mos_tcp_info in;
	struct h_out o;
	struct h_seg s;

	/* with every option */
	h_init(&h);
	l = mos_tcp_listen(h.eng, 0, htons(LPORT), 8, &h);
	ok(l != NULL && mos_tcp_state(l) == MOS_TCPS_LISTEN, "listen");
	ok(mos_tcp_listen(h.eng, 0, htons(LPORT), 8, &h) == NULL &&
	   errno == EADDRINUSE, "listen twice: EADDRINUSE");
	o = h_seg(PPORT, LPORT, PISS, 0, MOS_TH_SYN, 65535);
	o.mss = 1400;
	o.ws = 7;
	o.sackok = 1;
	o.ts = 1;
	o.tsval = 777;
	h_send(&h, &o);
	s = h_pop(&h);
	ok(s.kind == MOS_PKT_TCP && s.p.flags == (MOS_TH_SYN | MOS_TH_ACK) &&
	   s.p.ack == PISS + 1, "SYN-ACK flags and ack");
	ok(s.p.mss == 1460 && s.p.wscale == 1 && s.p.sack_perm &&
	   s.p.has_ts && s.p.tsecr == 777,
	   "SYN-ACK options: mss 1460, wscale 1, SACK-permitted, ts echo");
	ok(s.p.win == 65535, "SYN-ACK window unscaled (65535 of 64 KiB)");
	h_show("synack", &s);
	iss = s.p.seq;
	ok(mos_tcp_accept(l, &h) == NULL && errno == EAGAIN,
	   "accept before the ACK: EAGAIN");
	o = h_seg(PPORT, LPORT, PISS + 1, iss + 1, MOS_TH_ACK, 1024);
	o.ts = 1;
	o.tsval = 778;
	o.tsecr = s.p.tsval;
	h_send(&h, &o);
	ok(h.ev_all & MOS_TCP_EV_ACCEPT, "EV_ACCEPT raised");
	ok(mos_tcp_accept_queued(l) == 1, "one queued");
	t = mos_tcp_accept(l, &h);
	ok(t && mos_tcp_state(t) == MOS_TCPS_ESTABLISHED, "accepted, ESTABLISHED");
	mos_tcp_get_info(t, &in);
	ok(in.snd_wscale == 7 && in.rcv_wscale == 1 && in.ts_ok && in.sack_ok,
	   "negotiated wscale 7/1, timestamps, SACK");
	ok(in.mss == 1400 - 12, "send MSS 1400 - 12 bytes of timestamps");
	ok(in.snd_wnd == 1024u << 7, "send window scaled: %u", in.snd_wnd);
	h_expect_none(&h, "handshake done");
	h_fini(&h);

	/* without options */
	h_init(&h);
	l = mos_tcp_listen(h.eng, 0, htons(LPORT), 8, &h);
	o = h_seg(PPORT, LPORT, PISS, 0, MOS_TH_SYN, 8192);
	h_send(&h, &o);
	s = h_pop(&h);
	ok(s.kind == MOS_PKT_TCP && s.p.flags == (MOS_TH_SYN | MOS_TH_ACK) &&
	   s.p.mss == 1460 && s.p.wscale == -1 && !s.p.sack_perm &&
	   !s.p.has_ts && s.nopt == 1,
	   "no options offered: SYN-ACK carries only MSS");
	iss = s.p.seq;
	o = h_seg(PPORT, LPORT, PISS + 1, iss + 1, MOS_TH_ACK, 8192);
	h_send(&h, &o);
	t = mos_tcp_accept(l, &h);
	ok(t != NULL, "accepted");
	mos_tcp_get_info(t, &in);
	ok(t && in.snd_wscale == -1 && !in.ts_ok && !in.sack_ok && in.mss == 536,
	   "no scaling, no ts, no SACK, MSS 536 (RFC 9293 default)");
	/* its window field is taken unscaled */
	ok(in.snd_wnd == 8192, "window 8192 unscaled");
	mos_tcp_send(t, pattern, 100, h.now);
	s = h_expect(&h, "data without options", MOS_TH_ACK | MOS_TH_PSH,
		     iss + 1, PISS + 1, -1, 100);
	ok(s.nopt == 0, "no options on data");
	ok(s.p.win == 65535, "our window capped at 65535 unscaled");
	h_fini(&h);
}

static void t_active_handshake(void)
{
	struct harness h;
	struct mos_tcb *t;
	struct mos_tcp_info in;
	struct h_out o;
	struct h_seg s;

	h_init(&h);
	t = mos_tcp_connect(h.eng, h.ip_local, htons(5555), h.ip_peer,
			    htons(LPORT), &h, h.now);
	ok(t && mos_tcp_state(t) == MOS_TCPS_SYN_SENT, "connect: SYN_SENT");
	ok(mos_tcp_tuple_in_use(h.eng, h.ip_local, htons(5555), h.ip_peer,
				htons(LPORT)), "tuple in use");
	ok(mos_tcp_connect(h.eng, h.ip_local, htons(5555), h.ip_peer,
			   htons(LPORT), &h, h.now) == NULL &&
	   errno == EADDRINUSE, "same tuple: EADDRINUSE");
	s = h_pop(&h);
	ok(s.kind == MOS_PKT_TCP && s.p.flags == MOS_TH_SYN &&
	   s.p.mss == 1460 && s.p.wscale == 1 && s.p.sack_perm && s.p.has_ts &&
	   s.p.tsecr == 0 && s.p.sport == 5555 && s.p.dport == LPORT,
	   "SYN: mss, wscale 1, SACK-permitted, timestamps");
	ok(s.p.payload_len == 0 && s.p.win == 65535, "SYN window 65535");
	iss = s.p.seq;
	o = h_seg(LPORT, 5555, 9000, iss + 1, MOS_TH_SYN | MOS_TH_ACK, 2000);
	o.mss = 1200;
	o.ws = 3;
	o.sackok = 1;
	o.ts = 1;
	o.tsval = 42;
	o.tsecr = s.p.tsval;
	h.now += 3000;
	h_send(&h, &o);
	ok(mos_tcp_state(t) == MOS_TCPS_ESTABLISHED, "ESTABLISHED");
	ok(h.ev_all & MOS_TCP_EV_CONNECTED, "EV_CONNECTED");
	s = h_expect(&h, "third ACK", MOS_TH_ACK, iss + 1, 9001, -1, 0);
	ok(s.p.has_ts && s.p.tsecr == 42, "ACK echoes the timestamp");
	mos_tcp_get_info(t, &in);
	ok(in.snd_wscale == 3 && in.rcv_wscale == 1 && in.ts_ok && in.sack_ok &&
	   in.mss == 1188, "negotiated ws 3/1, ts, SACK, mss 1200 - 12");
	ok(in.snd_wnd == 2000, "SYN-ACK window taken unscaled: %u", in.snd_wnd);
	ok(in.srtt_us == 3000, "RTT from the SYN-ACK's echo: %u us", in.srtt_us);
	ok(s.p.win == (65536 - 0) >> 1 || s.p.win == 32768,
	   "ACK window scaled by 1: %u", s.p.win);
	h_fini(&h);

	/* the peer offers nothing */
	h_init(&h);
	t = mos_tcp_connect(h.eng, h.ip_local, htons(5556), h.ip_peer,
			    htons(LPORT), &h, h.now);
	s = h_pop(&h);
	iss = s.p.seq;
	o = h_seg(LPORT, 5556, 9000, iss + 1, MOS_TH_SYN | MOS_TH_ACK, 2000);
	h_send(&h, &o);
	s = h_expect(&h, "third ACK, no options", MOS_TH_ACK, iss + 1, 9001,
		     -1, 0);
	ok(s.nopt == 0 && s.p.win == 65535, "no ts, window unscaled 65535");
	mos_tcp_get_info(t, &in);
	ok(in.snd_wscale == -1 && !in.ts_ok && !in.sack_ok && in.mss == 536,
	   "no options: MSS 536, nothing else");
	h_fini(&h);
}

static void t_data(void)
{
	struct harness h;
	struct peer pr;
	struct mos_tcb *t;
	struct h_seg s;
	uint8_t buf[8000];
	uint32_t seq;
	size_t n;

	h_init(&h);
	t = open_passive(&h, &pr, true, NULL);
	if (!t)
		goto out;
	/* receive: one full segment waits for the delayed ACK */
	psend(&h, &pr, MOS_TH_ACK, pattern, 1448);
	h_expect_none(&h, "first full segment: ACK delayed");
	ok(mos_tcp_readable(t) == 1448 && (h.ev_all & MOS_TCP_EV_READABLE),
	   "1448 readable, EV_READABLE");
	psend(&h, &pr, MOS_TH_ACK, pattern + 1448, 1448);
	s = h_expect(&h, "second full segment: ACK now", MOS_TH_ACK, iss + 1,
		     PISS + 1 + 2896, -1, 0);
	seen(&pr, &s);
	ok(s.p.win == (65536 - 2896) >> 1, "window = free space >> 1: %u",
	   s.p.win);
	psend(&h, &pr, MOS_TH_ACK, pattern + 2896, 1448);
	h_expect_none(&h, "third: delayed");
	ok(h_wait_output(&h, 100) == 40, "delayed ACK after 40 ms");
	s = h_expect(&h, "delayed ACK", MOS_TH_ACK, iss + 1, PISS + 1 + 4344,
		     -1, 0);
	seen(&pr, &s);
	n = mos_tcp_recv(t, buf, sizeof(buf), true, h.now);
	ok(n == 4344 && mos_tcp_readable(t) == 4344, "peek leaves the data");
	n = mos_tcp_recv(t, buf, sizeof(buf), false, h.now);
	ok(n == 4344 && !memcmp(buf, pattern, 4344), "read 4344 intact");
	/* the window opened by more than two segments: a window update */
	s = h_expect(&h, "window update after the read", MOS_TH_ACK, iss + 1,
		     PISS + 1 + 4344, 32768, 0);
	seen(&pr, &s);

	/* a short segment is ACKed at once */
	psend(&h, &pr, MOS_TH_ACK | MOS_TH_PSH, "GET", 3);
	s = h_expect(&h, "short segment: ACK at once", MOS_TH_ACK, iss + 1,
		     pr.seq, -1, 0);
	seen(&pr, &s);
	ok(mos_tcp_recv(t, buf, sizeof(buf), false, h.now) == 3, "read it");

	/* send: 5000 bytes, cut at the MSS */
	n = mos_tcp_send(t, pattern, 5000, h.now);
	ok(n == 5000, "send took 5000");
	seq = iss + 1;
	for (int i = 0; i < 4; i++) {
		uint32_t len = i < 3 ? 1448 : 5000 - 3 * 1448;

		s = h_expect(&h, "data segment", MOS_TH_ACK |
			     (i == 3 ? MOS_TH_PSH : 0), seq, pr.seq, -1, len);
		ok(payload_is(&s, pattern + (seq - iss - 1), len), "payload %d intact", i);
		seq += len;
		seen(&pr, &s);
	}
	h_expect_none(&h, "all sent");
	h.ev_all = 0;
	pr.ack = seq;
	psend(&h, &pr, MOS_TH_ACK, NULL, 0);
	ok(h.ev_all & MOS_TCP_EV_WRITABLE, "ACK: EV_WRITABLE");
	ok(mos_tcp_writable(t) == 65536, "send buffer empty again");
	h_expect_none(&h, "pure ACK is not ACKed");
out:
	h_fini(&h);
}

static void t_ooo(void)
{
	struct harness h;
	struct peer pr;
	struct mos_tcb *t;
	struct h_seg s;
	uint8_t buf[5000];
	uint32_t base;

	h_init(&h);
	t = open_passive(&h, &pr, true, NULL);
	if (!t)
		goto out;
	base = pr.seq;
	/* segment 2 and 4 first */
	pr.seq = base + 1000;
	psend(&h, &pr, MOS_TH_ACK, pattern + 1000, 1000);
	s = h_expect(&h, "hole: immediate dup ACK", MOS_TH_ACK, iss + 1, base,
		     -1, 0);
	ok(s.nsack == 1 && s.sack[0][0] == base + 1000 &&
	   s.sack[0][1] == base + 2000, "SACK block [1000, 2000)");
	pr.seq = base + 3000;
	psend(&h, &pr, MOS_TH_ACK, pattern + 3000, 1000);
	s = h_expect(&h, "second hole", MOS_TH_ACK, iss + 1, base, -1, 0);
	ok(s.nsack == 2 && s.sack[0][0] == base + 3000 &&
	   s.sack[1][0] == base + 1000, "two SACK blocks, newest first");
	ok(mos_tcp_readable(t) == 0, "nothing readable yet");
	/* an overlapping duplicate of segment 2 */
	pr.seq = base + 1500;
	psend(&h, &pr, MOS_TH_ACK, pattern + 1500, 700);
	s = h_expect(&h, "overlap", MOS_TH_ACK, iss + 1, base, -1, 0);
	ok(s.nsack == 2 && s.sack[0][0] == base + 1000 &&
	   s.sack[0][1] == base + 2200, "merged block [1000, 2200)");
	/* the first hole filled */
	pr.seq = base;
	psend(&h, &pr, MOS_TH_ACK, pattern, 1000);
	s = h_expect(&h, "hole 1 filled: ACK at once", MOS_TH_ACK, iss + 1,
		     base + 2200, -1, 0);
	ok(s.nsack == 1 && s.sack[0][0] == base + 3000, "one block left");
	pr.seq = base + 2200;
	psend(&h, &pr, MOS_TH_ACK, pattern + 2200, 800);
	s = h_expect(&h, "all filled", MOS_TH_ACK, iss + 1, base + 4000, -1, 0);
	ok(s.nsack == 0, "no SACK block");
	ok(mos_tcp_recv(t, buf, sizeof(buf), false, h.now) == 4000 &&
	   !memcmp(buf, pattern, 4000), "4000 bytes reassembled in order");
	ok(mos_tcp_stats(h.eng)->ooo_segs == 3, "3 out-of-order segments counted");
out:
	h_fini(&h);
}

/* Grow cwnd and leave n segments in flight, all unACKed. */
static void send_n(struct harness *h, struct mos_tcb *t, int n,
		   uint32_t *first)
{
	struct mos_tcp_info in;

	mos_tcp_get_info(t, &in);
	*first = in.snd_nxt;
	mos_tcp_send(t, pattern, (size_t)n * in.mss, h->now);
}

/* SACK for the segments [a, b) of the flight (MSS units from first). */
static void sack_ack(struct harness *h, struct peer *pr, uint32_t first,
		     uint32_t mss, int nb, const int (*r)[2])
{
	struct h_out o = h_seg(pr->port, LPORT, pr->seq, pr->ack, MOS_TH_ACK,
			       pr->win);

	o.ts = 1;
	o.tsval = ++pr->tsval;
	o.tsecr = pr->tsecr;
	o.nsack = nb;
	for (int i = 0; i < nb; i++) {
		o.sack[i][0] = first + (uint32_t)r[i][0] * mss;
		o.sack[i][1] = first + (uint32_t)r[i][1] * mss;
	}
	h_send(h, &o);
}

static void t_fast_retransmit(void)
{
	static const int b1[][2] = { { 2, 3 } }, b2[][2] = { { 2, 4 } };
	static const int b3[][2] = { { 5, 6 }, { 2, 4 } };
	static const int b4[][2] = { { 5, 7 }, { 2, 4 } };
	struct harness h;
	struct peer pr;
	struct mos_tcb *t;
	struct mos_tcp_info in;
	struct h_seg s;
	uint32_t first, mss = 1448;

	/* with SACK: RFC 6675 recovery; segments 1 and 4 are lost */
	h_init(&h);
	t = open_passive(&h, &pr, true, NULL);
	if (!t)
		goto out;
	send_n(&h, t, 8, &first);
	for (int i = 0; i < 8; i++) {
		s = h_expect(&h, "flight", MOS_TH_ACK | (i == 7 ? MOS_TH_PSH : 0),
			     first + (uint32_t)i * mss, pr.seq, -1, mss);
		seen(&pr, &s);
	}
	pr.ack = first + mss;
	psend(&h, &pr, MOS_TH_ACK, NULL, 0);
	h_expect_none(&h, "ACK of segment 0");
	sack_ack(&h, &pr, first, mss, 1, b1);
	h_expect_none(&h, "dup ACK 1 (SACK 2): nothing new to send");
	sack_ack(&h, &pr, first, mss, 1, b2);
	h_expect_none(&h, "dup ACK 2 (SACK 2-3)");
	sack_ack(&h, &pr, first, mss, 2, b3);
	s = h_expect(&h, "dup ACK 3: segment 1 resent", MOS_TH_ACK,
		     first + mss, pr.seq, -1, mss);
	ok(payload_is(&s, pattern + mss, mss), "the retransmitted bytes");
	h_expect_none(&h, "pipe full: only one");
	ok(mos_tcp_stats(h.eng)->fast_retrans == 1 &&
	   mos_tcp_stats(h.eng)->dup_acks == 3, "fast_retrans 1, dup_acks 3");
	mos_tcp_get_info(t, &in);
	ok(in.ssthresh == 7 * mss / 2 && in.cwnd == in.ssthresh,
	   "ssthresh = flight/2 (%u), cwnd = ssthresh (RFC 6675: %u)",
	   in.ssthresh, in.cwnd);
	sack_ack(&h, &pr, first, mss, 2, b4);
	s = h_expect(&h, "next dup ACK: hole at segment 4 resent in the same "
		     "round trip", MOS_TH_ACK, first + 4 * mss, pr.seq, -1, mss);
	h_expect_none(&h, "no more holes");
	pr.ack = first + 4 * mss;
	sack_ack(&h, &pr, first, mss, 1, b4);
	h_expect_none(&h, "partial ACK: segment 4 was already resent");
	pr.ack = first + 8 * mss;
	psend(&h, &pr, MOS_TH_ACK, NULL, 0);
	mos_tcp_get_info(t, &in);
	ok(in.cwnd == in.ssthresh, "full ACK: recovery over, cwnd %u = ssthresh",
	   in.cwnd);
	ok(mos_tcp_stats(h.eng)->retrans_segs == 2, "two segments resent");
	h_fini(&h);

	/* without SACK: NewReno (RFC 6582) */
	mss = 536;
	h_init(&h);
	t = open_passive(&h, &pr, false, NULL);
	if (!t)
		goto out;
	send_n(&h, t, 8, &first);
	for (int i = 0; i < 8; i++)
		h_expect(&h, "flight", MOS_TH_ACK | (i == 7 ? MOS_TH_PSH : 0),
			 first + (uint32_t)i * mss, pr.seq, -1, mss);
	pr.ack = first + mss;
	psend(&h, &pr, MOS_TH_ACK, NULL, 0);
	for (int i = 0; i < 2; i++) {
		psend(&h, &pr, MOS_TH_ACK, NULL, 0);
		h_expect_none(&h, "dup ACK 1-2: nothing");
	}
	psend(&h, &pr, MOS_TH_ACK, NULL, 0);
	s = h_expect(&h, "third dup ACK: fast retransmit", MOS_TH_ACK,
		     first + mss, pr.seq, -1, mss);
	ok(payload_is(&s, pattern + mss, mss), "the retransmitted bytes");
	mos_tcp_get_info(t, &in);
	ok(in.ssthresh == 7 * mss / 2 && in.cwnd == in.ssthresh + 3 * mss,
	   "NewReno: ssthresh = flight/2 (%u), cwnd = ssthresh + 3 MSS (%u)",
	   in.ssthresh, in.cwnd);
	/* partial ACK: up to segment 4 -> segment 4 resent */
	pr.ack = first + 4 * mss;
	psend(&h, &pr, MOS_TH_ACK, NULL, 0);
	h_expect(&h, "partial ACK: next hole resent (RFC 6582)", MOS_TH_ACK,
		 first + 4 * mss, pr.seq, -1, mss);
	pr.ack = first + 8 * mss;
	psend(&h, &pr, MOS_TH_ACK, NULL, 0);
	mos_tcp_get_info(t, &in);
	ok(in.cwnd <= in.ssthresh && in.cwnd >= mss,
	   "full ACK: cwnd %u deflated to <= ssthresh %u", in.cwnd,
	   in.ssthresh);
	h_drain(&h);
out:
	h_fini(&h);
}

static void t_limited_early(void)
{
	struct harness h;
	struct peer pr;
	struct mos_tcb *t;
	struct mos_tcp_info in;
	uint32_t first, mss = 536;

	/* limited transmit (RFC 3042): a new segment per dup ACK 1 and 2 */
	h_init(&h);
	t = open_passive(&h, &pr, false, NULL);
	if (!t)
		goto out;
	mos_tcp_get_info(t, &in);
	first = in.snd_nxt;
	mos_tcp_send(t, pattern, 14 * mss, h.now);
	for (int i = 0; i < 10; i++)
		h_expect(&h, "initial window: 10 segments", MOS_TH_ACK,
			 first + (uint32_t)i * mss, pr.seq, -1, mss);
	h_expect_none(&h, "cwnd full");
	pr.ack = first;
	psend(&h, &pr, MOS_TH_ACK, NULL, 0);
	h_expect(&h, "dup ACK 1: one new segment", MOS_TH_ACK, first + 10 * mss,
		 pr.seq, -1, mss);
	h_expect_none(&h, "only one");
	psend(&h, &pr, MOS_TH_ACK, NULL, 0);
	h_expect(&h, "dup ACK 2: one more", MOS_TH_ACK, first + 11 * mss,
		 pr.seq, -1, mss);
	h_expect_none(&h, "only one");
	psend(&h, &pr, MOS_TH_ACK, NULL, 0);
	h_expect(&h, "dup ACK 3: fast retransmit of segment 0", MOS_TH_ACK,
		 first, pr.seq, -1, mss);
	mos_tcp_get_info(t, &in);
	ok(in.ssthresh == 12 * mss / 2, "ssthresh from a flight of 12: %u",
	   in.ssthresh);
	h_fini(&h);

	/* early retransmit (RFC 5827): 3 segments out, nothing more to send,
	 * 2 dup ACKs suffice */
	h_init(&h);
	t = open_passive(&h, &pr, false, NULL);
	if (!t)
		goto out;
	mos_tcp_get_info(t, &in);
	first = in.snd_nxt;
	mos_tcp_send(t, pattern, 3 * mss, h.now);
	h_drain(&h);
	pr.ack = first;
	psend(&h, &pr, MOS_TH_ACK, NULL, 0);
	h_expect_none(&h, "one dup ACK: not yet");
	psend(&h, &pr, MOS_TH_ACK, NULL, 0);
	h_expect(&h, "second dup ACK: early retransmit", MOS_TH_ACK, first,
		 pr.seq, -1, mss);
	ok(mos_tcp_stats(h.eng)->fast_retrans == 1, "fast_retrans 1");
out:
	h_fini(&h);
}

static void t_tlp(void)
{
	struct harness h;
	struct peer pr;
	struct mos_tcb *t;
	struct mos_tcp_info in;
	uint32_t first, mss = 1448;
	uint64_t w;

	h_init(&h);
	t = open_passive(&h, &pr, true, NULL);
	if (!t)
		goto out;
	mos_tcp_get_info(t, &in);
	first = in.snd_nxt;
	mos_tcp_send(t, pattern, 3000, h.now);
	h_drain(&h);
	w = h_wait_output(&h, 1000);
	ok(w == 10, "tail loss probe after 10 ms (PTO floor): %llu",
	   (unsigned long long)w);
	h_expect(&h, "TLP: the last MSS of data again", MOS_TH_ACK | MOS_TH_PSH,
		 first + 3000 - mss, pr.seq, -1, mss);
	ok(mos_tcp_stats(h.eng)->tlp_probes == 1, "tlp_probes 1");
	w = h_wait_output(&h, 1000);
	ok(w == 200, "then the RTO (200 ms floor) after the probe: %llu",
	   (unsigned long long)w);
	h_expect(&h, "RTO from SND.UNA", MOS_TH_ACK, first, pr.seq, -1, mss);
	h_fini(&h);

	/* with new data held back by cwnd: the probe is a new segment */
	h_init(&h);
	t = open_passive(&h, &pr, true, NULL);
	if (!t)
		goto out;
	mos_tcp_get_info(t, &in);
	first = in.snd_nxt;
	mos_tcp_send(t, pattern, 20 * mss, h.now);
	for (int i = 0; i < 10; i++)
		h_expect(&h, "initial window: 10 segments", MOS_TH_ACK, first +
			 (uint32_t)i * mss, pr.seq, -1, mss);
	h_expect_none(&h, "cwnd full");
	w = h_wait_output(&h, 1000);
	h_expect(&h, "TLP: segment 11, new data", MOS_TH_ACK, first + 10 * mss,
		 pr.seq, -1, mss);
out:
	h_fini(&h);
}

static void t_rto(void)
{
	struct harness h;
	struct peer pr;
	struct mos_tcb *t;
	struct mos_tcp_info in;
	struct h_seg s;
	uint32_t first;
	uint64_t w, prev = 0;

	h_init(&h);
	t = open_passive(&h, &pr, false, NULL);
	if (!t)
		goto out;
	mos_tcp_send(t, pattern, 3000, h.now);
	first = iss + 1;
	h_expect(&h, "seg 1", MOS_TH_ACK, first, pr.seq, -1, 536);
	h_drain(&h);
	mos_tcp_get_info(t, &in);
	ok(in.rto_us == 1000000, "no RTT sample yet: RTO 1 s (RFC 6298 2.1)");
	for (int i = 0; i < 4; i++) {
		w = h_wait_output(&h, 20000);
		s = h_expect(&h, "RTO retransmits from SND.UNA", MOS_TH_ACK,
			     first, pr.seq, -1, 536);
		h_expect_none(&h, "only one segment (cwnd 1 MSS)");
		if (i == 0)
			ok(w == 1000, "first RTO after 1000 ms: %llu",
			   (unsigned long long)w);
		else
			ok(w == 2 * prev, "backoff doubles: %llu after %llu",
			   (unsigned long long)w, (unsigned long long)prev);
		prev = w;
	}
	ok(mos_tcp_stats(h.eng)->rto_fires == 4, "rto_fires 4");
	mos_tcp_get_info(t, &in);
	ok(in.cwnd == 536 && in.ssthresh == 1500,
	   "cwnd 1 MSS, ssthresh flight/2 = 1500 once (RFC 5681 3.1): %u %u",
	   in.cwnd, in.ssthresh);
	/* the ACK arrives: slow start resumes, backoff is reset */
	pr.ack = first + 536;
	psend(&h, &pr, MOS_TH_ACK, NULL, 0);
	s = h_expect(&h, "after the ACK: next", MOS_TH_ACK, first + 536, pr.seq,
		     -1, 536);
	(void)s;
	h_drain(&h);
	mos_tcp_get_info(t, &in);
	ok(in.rto_us == 16000000,
	   "RTO stays backed off (16 s) until a valid sample (Karn): %u",
	   in.rto_us);
	/* data retries exhausted: ETIMEDOUT */
	h_fini(&h);

	{
		struct mos_tcp_conf c = h_conf();

		c.data_retries = 2;
		h_init_conf(&h, &c);
	}
	t = open_passive(&h, &pr, false, NULL);
	if (!t)
		goto out;
	mos_tcp_send(t, pattern, 100, h.now);
	h_drain(&h);
	h.ev_all = 0;
	h_advance(&h, 1000 + 2000 + 4000 + 10);
	ok(mos_tcp_stats(h.eng)->rto_fires == 2, "two RTOs");
	ok(mos_tcp_state(t) == MOS_TCPS_CLOSED &&
	   mos_tcp_so_error(t) == ETIMEDOUT &&
	   (h.ev_all & (MOS_TCP_EV_ERROR | MOS_TCP_EV_CLOSED)) ==
	   (MOS_TCP_EV_ERROR | MOS_TCP_EV_CLOSED),
	   "third expiry: CLOSED, ETIMEDOUT, EV_ERROR|EV_CLOSED");
	mos_tcp_close(t, h.now);
	ok(mos_tcp_stats(h.eng)->tcbs == 1, "closed: only the listener left");
out:
	h_fini(&h);
}

static void t_syn_timeout(void)
{
	struct mos_tcp_conf c = h_conf();
	struct harness h;
	struct mos_tcb *t;
	struct h_seg s;
	uint64_t w;

	c.syn_retries = 3;
	h_init_conf(&h, &c);
	t = mos_tcp_connect(h.eng, h.ip_local, htons(5555), h.ip_peer,
			    htons(LPORT), &h, h.now);
	s = h_pop(&h);
	iss = s.p.seq;
	for (int i = 0; i < 3; i++) {
		w = h_wait_output(&h, 20000);
		s = h_expect(&h, "SYN again", MOS_TH_SYN, iss, 0, -1, 0);
		ok(w == (1000u << i), "SYN retransmission %d after %llu ms", i + 1,
		   (unsigned long long)w);
	}
	ok(mos_tcp_stats(h.eng)->syn_retrans == 3, "syn_retrans 3");
	w = h_wait_output(&h, 20000);
	ok(mos_tcp_state(t) == MOS_TCPS_CLOSED && mos_tcp_so_error(t) == ETIMEDOUT,
	   "after 8 s more: ETIMEDOUT");
	ok(h.ev_all & MOS_TCP_EV_ERROR, "EV_ERROR");
	h_expect_none(&h, "nothing sent on timeout");
	ok(!mos_tcp_tuple_in_use(h.eng, h.ip_local, htons(5555), h.ip_peer,
				 htons(LPORT)), "tuple free again");
	mos_tcp_close(t, h.now);
	ok(mos_tcp_stats(h.eng)->tcbs == 0 &&
	   mos_tcp_stats(h.eng)->conn_timeout == 1, "freed, conn_timeout 1");
	h_fini(&h);

	/* syn_timeout_ms (tcp_timeout) cuts the backoff short */
	c = h_conf();
	c.syn_timeout_ms = 2500;
	h_init_conf(&h, &c);
	t = mos_tcp_connect(h.eng, h.ip_local, htons(5555), h.ip_peer,
			    htons(LPORT), &h, h.now);
	h_drain(&h);
	ok(h_wait_output(&h, 5000) == 1000, "SYN again at 1 s");
	h_drain(&h);
	h_advance(&h, 1499);
	ok(mos_tcp_state(t) == MOS_TCPS_SYN_SENT, "still trying at 2.499 s");
	h_advance(&h, 1);
	ok(mos_tcp_state(t) == MOS_TCPS_CLOSED && mos_tcp_so_error(t) == ETIMEDOUT,
	   "ETIMEDOUT at the 2.5 s deadline, not at the next backoff (3 s)");
	h_expect_none(&h, "no SYN after the deadline");
	mos_tcp_close(t, h.now);
	h_fini(&h);
}

static void t_zero_window(void)
{
	struct harness h;
	struct peer pr;
	struct mos_tcb *t;
	struct h_seg s;
	uint32_t una;
	uint64_t w, prev = 0;

	h_init(&h);
	t = open_passive(&h, &pr, false, NULL);
	if (!t)
		goto out;
	/* the peer's window: 1100 bytes; two segments and 28 bytes that
	 * the sender's SWS avoidance keeps back */
	pr.win = 1100;
	psend(&h, &pr, MOS_TH_ACK, NULL, 0);
	mos_tcp_send(t, pattern, 3000, h.now);
	s = h_expect(&h, "fills the window", MOS_TH_ACK, iss + 1, pr.seq, -1,
		     536);
	s = h_expect(&h, "rest of the window", MOS_TH_ACK, iss + 537, pr.seq,
		     -1, 536);
	h_expect_none(&h, "window full but 28 bytes: SWS avoidance waits");
	/* ACK everything, window 0 */
	pr.ack = iss + 1073;
	pr.win = 0;
	psend(&h, &pr, MOS_TH_ACK, NULL, 0);
	h_expect_none(&h, "zero window: nothing");
	una = iss + 1073;
	for (int i = 0; i < 3; i++) {
		w = h_wait_output(&h, 30000);
		s = h_expect(&h, "zero-window probe: 1 byte at SND.UNA",
			     MOS_TH_ACK, una, pr.seq, -1, 1);
		if (i)
			ok(w == 2 * prev, "probe interval doubles: %llu",
			   (unsigned long long)w);
		prev = w;
		/* the peer refuses it: ACK with window 0 */
		psend(&h, &pr, MOS_TH_ACK, NULL, 0);
		h_expect_none(&h, "still zero");
	}
	ok(mos_tcp_stats(h.eng)->persist_probes == 3, "persist_probes 3");
	ok(mos_tcp_state(t) == MOS_TCPS_ESTABLISHED, "probing never gives up");
	/* the window opens */
	pr.win = 4000;
	psend(&h, &pr, MOS_TH_ACK, NULL, 0);
	for (uint32_t sent = 0; sent < 1928;) {
		uint32_t len = 1928 - sent < 536 ? 1928 - sent : 536;

		s = h_expect(&h, "resumes from SND.UNA", MOS_TH_ACK |
			     (sent + len == 1928 ? MOS_TH_PSH : 0), una + sent,
			     pr.seq, -1, len);
		ok(payload_is(&s, pattern + 1072 + sent, len),
		   "resumed bytes right");
		sent += len;
	}
	h_expect_none(&h, "done");
out:
	h_fini(&h);
}

static void t_wscale(void)
{
	struct mos_tcp_conf c = h_conf();
	struct harness h;
	struct peer pr;
	struct mos_tcb *t;
	struct mos_tcp_info in;
	struct h_seg s;
	uint32_t maxflight = 0, sent = 0, acked;
	static uint8_t buf[200000];

	/* receive side: 256 KiB buffer, shift 2, 150000 bytes unread */
	c.rmem = 262144;
	c.wmem = 262144;
	h_init_conf(&h, &c);
	t = open_passive(&h, &pr, true, NULL);
	if (!t)
		goto out;
	mos_tcp_get_info(t, &in);
	ok(in.rcv_wscale == 3, "rcv shift 3 for 256 KiB (2 would need 65536)");
	for (uint32_t off = 0; off < 150000; off += 1000)
		psend(&h, &pr, MOS_TH_ACK, pattern + off, 1000);
	ok(mos_tcp_readable(t) == 150000,
	   "150000 bytes taken beyond 64 KiB without a read: %zu",
	   mos_tcp_readable(t));
	h_drain(&h);
	h_advance(&h, 50);
	h_drain(&h);
	psend(&h, &pr, MOS_TH_ACK, pattern, 0);
	mos_tcp_get_info(t, &in);
	ok(in.rcv_nxt == pr.seq && in.rcv_wnd == 262144 - 150000,
	   "window left 112144: %u", in.rcv_wnd);
	ok(mos_tcp_recv(t, buf, sizeof(buf), false, h.now) == 150000 &&
	   !memcmp(buf, pattern, 150000), "150000 bytes intact");
	s = h_expect(&h, "update: field = 262144 >> 3", MOS_TH_ACK, iss + 1,
		     pr.seq, 32768, 0);
	h_fini(&h);

	/* send side: peer window 1024 << 7 = 128 KiB, flight past 64 KiB */
	h_init_conf(&h, &c);
	t = open_passive(&h, &pr, true, NULL);
	if (!t)
		goto out;
	mos_tcp_send(t, pattern, 200000, h.now);
	acked = iss + 1;
	for (int round = 0; round < 8 && h.qlen; round++) {
		uint32_t ends[200];
		int n = 0;

		while (h.qlen && n < 200) {
			s = h_pop(&h);
			seen(&pr, &s);
			sent = s.p.seq + s.p.payload_len;
			ends[n++] = sent;
		}
		if (sent - acked > maxflight)
			maxflight = sent - acked;
		/* one ACK per segment: slow start doubles cwnd per round */
		for (int i = 0; i < n; i++) {
			pr.ack = acked = ends[i];
			psend(&h, &pr, MOS_TH_ACK, NULL, 0);
		}
	}
	ok(maxflight > 65535 && maxflight <= 131072,
	   "flight %u: beyond 64 KiB, within the scaled 128 KiB window",
	   maxflight);
	h_drain(&h);
out:
	h_fini(&h);
}

static void t_simultaneous_open(void)
{
	struct harness h;
	struct mos_tcb *t;
	struct h_out o;
	struct h_seg s;

	h_init(&h);
	t = mos_tcp_connect(h.eng, h.ip_local, htons(LPORT), h.ip_peer,
			    htons(PPORT), &h, h.now);
	s = h_pop(&h);
	iss = s.p.seq;
	/* the peer's SYN crosses ours */
	o = h_seg(PPORT, LPORT, 7000, 0, MOS_TH_SYN, 30000);
	o.mss = 1000;
	h_send(&h, &o);
	ok(mos_tcp_state(t) == MOS_TCPS_SYN_RECEIVED, "SYN in SYN_SENT: SYN_RECEIVED");
	s = h_expect(&h, "SYN-ACK with our ISS", MOS_TH_SYN | MOS_TH_ACK, iss,
		     7001, -1, 0);
	ok(s.p.mss == 1460 && s.p.wscale == -1 && !s.p.has_ts,
	   "SYN-ACK: only MSS (the peer offered nothing else)");
	/* the peer's SYN-ACK */
	o = h_seg(PPORT, LPORT, 7000, iss + 1, MOS_TH_SYN | MOS_TH_ACK, 30000);
	o.mss = 1000;
	h_send(&h, &o);
	ok(mos_tcp_state(t) == MOS_TCPS_ESTABLISHED, "its SYN-ACK: ESTABLISHED");
	ok(h.ev_all & MOS_TCP_EV_CONNECTED, "EV_CONNECTED");
	h_drain(&h);
	mos_tcp_send(t, pattern, 10, h.now);
	h_expect(&h, "data flows", MOS_TH_ACK | MOS_TH_PSH, iss + 1, 7001, -1, 10);
	h_fini(&h);
}

static void t_simultaneous_close(void)
{
	struct harness h;
	struct peer pr;
	struct mos_tcb *t;
	struct h_seg s;

	h_init(&h);
	t = open_passive(&h, &pr, true, NULL);
	if (!t)
		goto out;
	mos_tcp_close(t, h.now);
	s = h_expect(&h, "our FIN", MOS_TH_ACK | MOS_TH_FIN, iss + 1, pr.seq,
		     -1, 0);
	seen(&pr, &s);
	/* the peer's FIN crosses ours (it has not seen ours) */
	psend(&h, &pr, MOS_TH_ACK | MOS_TH_FIN, NULL, 0);
	s = h_expect(&h, "CLOSING: ACK of its FIN", MOS_TH_ACK, iss + 2, pr.seq,
		     -1, 0);
	seen(&pr, &s);
	/* now it ACKs our FIN */
	pr.ack = iss + 2;
	psend(&h, &pr, MOS_TH_ACK, NULL, 0);
	ok(mos_tcp_stats(h.eng)->tcbs == 2, "TIME_WAIT: the tcb lives on");
	h_expect_none(&h, "TIME_WAIT quiet");
	/* a retransmitted FIN in TIME_WAIT is ACKed again, 2 MSL restart */
	h_advance(&h, 1500);
	pr.seq--;
	psend(&h, &pr, MOS_TH_ACK | MOS_TH_FIN, NULL, 0);
	h_expect(&h, "TIME_WAIT: FIN ACKed again", MOS_TH_ACK, iss + 2, pr.seq,
		 -1, 0);
	h_advance(&h, 1990);
	ok(mos_tcp_stats(h.eng)->tcbs == 2,
	   "TIME_WAIT restarted by the FIN (3.49 s in, 2 s wait)");
	h_advance(&h, 20);
	ok(mos_tcp_stats(h.eng)->tcbs == 1 &&
	   mos_tcp_stats(h.eng)->tw_expired == 1, "TIME_WAIT expired (2 s)");
	/* after it: a segment gets a RST */
	psend(&h, &pr, MOS_TH_ACK, NULL, 0);
	h_expect(&h, "after TIME_WAIT: RST", MOS_TH_RST, iss + 2, 0, -1, 0);
out:
	h_fini(&h);
}

static void t_half_close(void)
{
	struct harness h;
	struct peer pr;
	struct mos_tcb *t;
	struct h_seg s;
	uint8_t buf[100];

	h_init(&h);
	t = open_passive(&h, &pr, true, NULL);
	if (!t)
		goto out;
	psend(&h, &pr, MOS_TH_ACK | MOS_TH_FIN | MOS_TH_PSH, "hello", 5);
	s = h_expect(&h, "FIN ACKed at once", MOS_TH_ACK, iss + 1, pr.seq, -1, 0);
	seen(&pr, &s);
	ok(mos_tcp_state(t) == MOS_TCPS_CLOSE_WAIT, "CLOSE_WAIT");
	ok(!mos_tcp_eof(t) && mos_tcp_readable(t) == 5, "5 bytes before EOF");
	ok(mos_tcp_recv(t, buf, sizeof(buf), false, h.now) == 5 && mos_tcp_eof(t),
	   "read 5, then EOF");
	/* our half still sends */
	ok(mos_tcp_send(t, pattern, 3000, h.now) == 3000, "send in CLOSE_WAIT");
	for (int i = 0; i < 3; i++) {
		s = h_pop(&h);
		seen(&pr, &s);
	}
	ok(s.p.seq + s.p.payload_len == iss + 3001, "3000 bytes sent");
	mos_tcp_close(t, h.now);
	h_expect(&h, "LAST_ACK: FIN", MOS_TH_ACK | MOS_TH_FIN, iss + 3001, pr.seq,
		 -1, 0);
	pr.ack = iss + 3002;
	psend(&h, &pr, MOS_TH_ACK, NULL, 0);
	ok(mos_tcp_stats(h.eng)->tcbs == 1, "LAST_ACK acked: freed");
	h_expect_none(&h, "nothing after");
out:
	h_fini(&h);
}

/* A connection in `state`, the peer's numbers in pr.  NULL on failure. */
static struct mos_tcb *to_state(struct harness *h, struct peer *pr,
				enum mos_tcp_state st, struct mos_tcb **l)
{
	struct mos_tcb *t = open_passive(h, pr, true, l);
	struct h_seg s;

	if (!t)
		return NULL;
	switch (st) {
	case MOS_TCPS_ESTABLISHED:
		break;
	case MOS_TCPS_CLOSE_WAIT:
		psend(h, pr, MOS_TH_ACK | MOS_TH_FIN, NULL, 0);
		break;
	case MOS_TCPS_LAST_ACK:
		psend(h, pr, MOS_TH_ACK | MOS_TH_FIN, NULL, 0);
		mos_tcp_close(t, h->now);
		break;
	case MOS_TCPS_FIN_WAIT_1:
		mos_tcp_close(t, h->now);
		break;
	case MOS_TCPS_FIN_WAIT_2:
		mos_tcp_close(t, h->now);
		pr->ack = iss + 2;
		psend(h, pr, MOS_TH_ACK, NULL, 0);
		break;
	case MOS_TCPS_CLOSING:
		mos_tcp_close(t, h->now);
		psend(h, pr, MOS_TH_ACK | MOS_TH_FIN, NULL, 0);
		break;
	case MOS_TCPS_TIME_WAIT:
		mos_tcp_close(t, h->now);
		pr->ack = iss + 2;
		psend(h, pr, MOS_TH_ACK | MOS_TH_FIN, NULL, 0);
		break;
	default:
		return NULL;
	}
	while (h->qlen) {
		s = h_pop(h);
		seen(pr, &s);
	}
	if (!ok(mos_tcp_state(t) == st, "reached %s", mos_tcp_state_name(st)))
		return NULL;
	return t;
}

static void t_rst_states(void)
{
	static const enum mos_tcp_state sts[] = {
		MOS_TCPS_ESTABLISHED, MOS_TCPS_FIN_WAIT_1, MOS_TCPS_FIN_WAIT_2,
		MOS_TCPS_CLOSE_WAIT, MOS_TCPS_CLOSING, MOS_TCPS_LAST_ACK,
		MOS_TCPS_TIME_WAIT,
	};
	struct harness h;
	struct peer pr;
	struct mos_tcb *t, *l;
	struct h_out o;
	struct h_seg s;

	for (size_t i = 0; i < sizeof(sts) / sizeof(sts[0]); i++) {
		const char *nm = mos_tcp_state_name(sts[i]);
		bool owned = sts[i] == MOS_TCPS_ESTABLISHED ||
			     sts[i] == MOS_TCPS_CLOSE_WAIT;
		uint32_t nxt;

		h_init(&h);
		t = to_state(&h, &pr, sts[i], &l);
		if (!t) {
			h_fini(&h);
			continue;
		}
		nxt = pr.seq;
		/* out of the window: ignored, nothing sent */
		pr.seq = nxt + 10000000;
		psend(&h, &pr, MOS_TH_RST, NULL, 0);
		h_expect_none(&h, "RST out of window ignored");
		/* in the window, not exact: challenge ACK (RFC 5961 3.2) */
		pr.seq = nxt + 100;
		psend(&h, &pr, MOS_TH_RST, NULL, 0);
		s = h_pop(&h);
		ok(s.kind == MOS_PKT_TCP && s.p.flags == MOS_TH_ACK &&
		   s.p.ack == nxt, "%s: in-window RST: challenge ACK", nm);
		ok(mos_tcp_state(t) == sts[i], "%s: still there", nm);
		/* exact: reset */
		pr.seq = nxt;
		h.ev_all = 0;
		psend(&h, &pr, MOS_TH_RST, NULL, 0);
		h_expect_none(&h, "RST answered by nothing");
		if (owned) {
			ok(mos_tcp_state(t) == MOS_TCPS_CLOSED &&
			   mos_tcp_so_error(t) == ECONNRESET &&
			   (h.ev_all & MOS_TCP_EV_ERROR),
			   "%s: exact RST: CLOSED, ECONNRESET", nm);
			mos_tcp_close(t, h.now);
		}
		ok(mos_tcp_stats(h.eng)->tcbs == 1, "%s: connection freed", nm);
		ok(mos_tcp_stats(h.eng)->challenge_acks == 1 &&
		   mos_tcp_stats(h.eng)->rst_in == 1 &&
		   mos_tcp_stats(h.eng)->drop_rst == 2, "%s: counters", nm);
		h_fini(&h);
	}

	/* SYN_RECEIVED: back to the listener */
	h_init(&h);
	l = mos_tcp_listen(h.eng, 0, htons(LPORT), 8, &h);
	o = h_seg(PPORT, LPORT, PISS, 0, MOS_TH_SYN, 65535);
	h_send(&h, &o);
	s = h_pop(&h);
	o = h_seg(PPORT, LPORT, PISS + 50, 0, MOS_TH_RST, 0);
	h_send(&h, &o);
	ok(h.qlen == 1 && mos_tcp_stats(h.eng)->tcbs == 2,
	   "SYN_RECEIVED: inexact RST challenged");
	h_drain(&h);
	o = h_seg(PPORT, LPORT, PISS + 1, 0, MOS_TH_RST, 0);
	h_send(&h, &o);
	ok(mos_tcp_stats(h.eng)->tcbs == 1 && mos_tcp_accept(l, &h) == NULL,
	   "SYN_RECEIVED: exact RST frees the half-open connection");
	h_expect_none(&h, "silently");
	h_fini(&h);

	/* SYN_SENT */
	h_init(&h);
	t = mos_tcp_connect(h.eng, h.ip_local, htons(5555), h.ip_peer,
			    htons(LPORT), &h, h.now);
	s = h_pop(&h);
	iss = s.p.seq;
	o = h_seg(LPORT, 5555, 0, 0, MOS_TH_RST, 0);
	h_send(&h, &o);
	ok(mos_tcp_state(t) == MOS_TCPS_SYN_SENT, "SYN_SENT: RST without ACK ignored");
	o = h_seg(LPORT, 5555, 0, iss + 5, MOS_TH_RST | MOS_TH_ACK, 0);
	h_send(&h, &o);
	ok(mos_tcp_state(t) == MOS_TCPS_SYN_SENT, "SYN_SENT: RST with a wrong ACK ignored");
	h_expect_none(&h, "no answer to RSTs");
	o = h_seg(LPORT, 5555, 0, iss + 5, MOS_TH_ACK, 0);
	h_send(&h, &o);
	h_expect(&h, "SYN_SENT: bad ACK gets a RST", MOS_TH_RST, iss + 5, 0, -1, 0);
	o = h_seg(LPORT, 5555, 0, iss + 1, MOS_TH_RST | MOS_TH_ACK, 0);
	h_send(&h, &o);
	ok(mos_tcp_state(t) == MOS_TCPS_CLOSED &&
	   mos_tcp_so_error(t) == ECONNREFUSED, "SYN_SENT: RST,ACK: ECONNREFUSED");
	mos_tcp_close(t, h.now);
	h_fini(&h);
}

static void t_closed_port(void)
{
	struct harness h;
	struct h_out o;

	h_init(&h);
	o = h_seg(PPORT, 81, 5000, 0, MOS_TH_SYN, 65535);
	h_send(&h, &o);
	h_expect(&h, "SYN to a closed port: RST,ACK", MOS_TH_RST | MOS_TH_ACK, 0,
		 5001, 0, 0);
	o = h_seg(PPORT, 81, 5000, 777, MOS_TH_ACK, 65535);
	o.data = "abc";
	o.len = 3;
	h_send(&h, &o);
	h_expect(&h, "ACK to a closed port: RST seq=SEG.ACK", MOS_TH_RST, 777, 0,
		 0, 0);
	o = h_seg(PPORT, 81, 5000, 0, MOS_TH_FIN, 65535);
	o.data = "abc";
	o.len = 3;
	h_send(&h, &o);
	h_expect(&h, "FIN+data to a closed port: ack covers both",
		 MOS_TH_RST | MOS_TH_ACK, 0, 5004, 0, 0);
	o = h_seg(PPORT, 81, 5000, 0, MOS_TH_RST, 0);
	h_send(&h, &o);
	h_expect_none(&h, "RST to a closed port: nothing");
	ok(mos_tcp_stats(h.eng)->drop_no_tcb == 4 &&
	   mos_tcp_stats(h.eng)->rst_out == 3, "drop_no_tcb 4, rst_out 3");
	h_fini(&h);
}

static void t_backlog(void)
{
	struct harness h;
	struct mos_tcb *l;
	struct h_out o;
	struct h_seg s;

	h_init(&h);
	l = mos_tcp_listen(h.eng, 0, htons(LPORT), 1, &h);
	o = h_seg(PPORT, LPORT, PISS, 0, MOS_TH_SYN, 65535);
	h_send(&h, &o);
	s = h_pop(&h);
	ok(s.kind == MOS_PKT_TCP && s.p.flags == (MOS_TH_SYN | MOS_TH_ACK) &&
	   s.p.ack == PISS + 1, "first SYN answered");
	h_drain(&h);
	o = h_seg(PPORT + 1, LPORT, PISS, 0, MOS_TH_SYN, 65535);
	h_send(&h, &o);
	h_expect_none(&h, "backlog 1 full: SYN dropped");
	ok(mos_tcp_stats(h.eng)->listen_overflow == 1, "listen_overflow 1");
	o = h_seg(PPORT + 3, LPORT, 5, 0, MOS_TH_RST, 0);
	h_send(&h, &o);
	h_expect_none(&h, "LISTEN: a RST is ignored");
	o = h_seg(PPORT + 3, LPORT, 5, 4242, MOS_TH_ACK, 0);
	h_send(&h, &o);
	h_expect(&h, "LISTEN: an ACK gets <SEQ=SEG.ACK><CTL=RST>", MOS_TH_RST,
		 4242, 0, 0, 0);
	ok(mos_tcp_state(l) == MOS_TCPS_LISTEN, "still listening");
	ok(mos_tcp_accept(l, &h) == NULL, "nothing to accept yet");
	/* the listener closes: the half-open connection is reset */
	mos_tcp_close(l, h.now);
	s = h_pop(&h);
	ok(s.kind == MOS_PKT_TCP && s.p.flags == MOS_TH_RST && s.p.dport == PPORT,
	   "listener closed: RST to the queued peer");
	ok(mos_tcp_stats(h.eng)->tcbs == 0, "all freed");
	h_fini(&h);
}

static void t_bad_checksum(void)
{
	struct harness h;
	struct peer pr;
	struct mos_tcb *t;
	struct h_out o;

	h_init(&h);
	t = open_passive(&h, &pr, false, NULL);
	if (!t)
		goto out;
	o = h_seg(PPORT, LPORT, pr.seq, pr.ack, MOS_TH_ACK, 65535);
	o.data = "corrupt";
	o.len = 7;
	o.bad_csum = 1;
	h_send(&h, &o);
	h_expect_none(&h, "bad checksum: dropped");
	ok(mos_tcp_readable(t) == 0 && mos_tcp_stats(h.eng)->drop_csum == 1,
	   "not taken, drop_csum 1");
	o = h_seg(PPORT, 81, 1, 0, MOS_TH_SYN, 65535);
	o.bad_csum = 1;
	h_send(&h, &o);
	h_expect_none(&h, "bad checksum to a closed port: no RST");
	ok(mos_tcp_stats(h.eng)->drop_csum == 2, "drop_csum 2");
out:
	h_fini(&h);
}

static void t_unacceptable(void)
{
	struct harness h;
	struct peer pr;
	struct mos_tcb *t;
	struct h_seg s;
	uint32_t nxt;

	h_init(&h);
	t = open_passive(&h, &pr, true, NULL);
	if (!t)
		goto out;
	nxt = pr.seq;
	/* old data: ACK of what we have, nothing taken */
	pr.seq = nxt - 100;
	psend(&h, &pr, MOS_TH_ACK, pattern, 50);
	s = h_expect(&h, "old segment: ACK", MOS_TH_ACK, iss + 1, nxt, -1, 0);
	seen(&pr, &s);
	ok(mos_tcp_readable(t) == 0, "nothing taken");
	/* a SYN in the window: challenge ACK (RFC 5961 4) */
	pr.seq = nxt + 10;
	psend(&h, &pr, MOS_TH_SYN, NULL, 0);
	h_expect(&h, "SYN in ESTABLISHED: challenge ACK", MOS_TH_ACK, iss + 1,
		 nxt, -1, 0);
	ok(mos_tcp_state(t) == MOS_TCPS_ESTABLISHED, "still ESTABLISHED");
	/* ACK of data never sent */
	pr.seq = nxt;
	pr.ack = iss + 5000;
	psend(&h, &pr, MOS_TH_ACK, NULL, 0);
	h_expect(&h, "ACK of unsent data: ACK, dropped", MOS_TH_ACK, iss + 1,
		 nxt, -1, 0);
	ok(mos_tcp_stats(h.eng)->drop_bad_ack == 1, "drop_bad_ack 1");
	/* PAWS: an old timestamp */
	pr.ack = iss + 1;
	pr.tsval -= 1000;
	psend(&h, &pr, MOS_TH_ACK, pattern, 10);
	h_expect(&h, "PAWS: old timestamp ACKed, dropped", MOS_TH_ACK, iss + 1,
		 nxt, -1, 0);
	ok(mos_tcp_readable(t) == 0, "PAWS: data not taken");
	/* no frame: retried 1 ms later */
	h.fail_alloc = 1;
	mos_tcp_send(t, pattern, 10, h.now);
	h_expect_none(&h, "no frame");
	ok(h_wait_output(&h, 10) == 1, "retried after 1 ms");
	h_expect(&h, "the data, on retry", MOS_TH_ACK | MOS_TH_PSH, iss + 1, nxt,
		 -1, 10);
	ok(mos_tcp_stats(h.eng)->alloc_fail == 1, "alloc_fail 1");
out:
	h_fini(&h);
}

static void t_close_unread(void)
{
	struct harness h;
	struct peer pr;
	struct mos_tcb *t;

	h_init(&h);
	t = open_passive(&h, &pr, false, NULL);
	if (!t)
		goto out;
	psend(&h, &pr, MOS_TH_ACK | MOS_TH_PSH, "unread", 6);
	h_drain(&h);
	mos_tcp_close(t, h.now);
	h_expect(&h, "close with unread data: RST (RFC 2525 2.17)",
		 MOS_TH_RST, iss + 1, 0, -1, 0);
	ok(mos_tcp_stats(h.eng)->tcbs == 1, "freed at once");
out:
	h_fini(&h);

	/* abort: RST at SND.NXT, freed */
	h_init(&h);
	t = open_passive(&h, &pr, false, NULL);
	if (!t)
		goto out2;
	mos_tcp_send(t, pattern, 100, h.now);
	h_drain(&h);
	mos_tcp_abort(t, h.now);
	h_expect(&h, "abort: RST at SND.NXT", MOS_TH_RST, iss + 101, 0, -1, 0);
	ok(mos_tcp_stats(h.eng)->tcbs == 1, "aborted: freed");
out2:
	h_fini(&h);
}

static void t_synack_retrans(void)
{
	struct harness h;
	struct mos_tcb *l, *t;
	struct h_out o;
	struct h_seg s;
	uint64_t w;

	h_init(&h);
	l = mos_tcp_listen(h.eng, 0, htons(LPORT), 8, &h);
	o = h_seg(PPORT, LPORT, PISS, 0, MOS_TH_SYN, 65535);
	h_send(&h, &o);
	s = h_pop(&h);
	iss = s.p.seq;
	w = h_wait_output(&h, 5000);
	s = h_expect(&h, "SYN-ACK retransmitted", MOS_TH_SYN | MOS_TH_ACK, iss,
		     PISS + 1, -1, 0);
	ok(w == 1000, "after 1 s: %llu", (unsigned long long)w);
	h_send(&h, &o);
	h_expect(&h, "the peer's SYN again: SYN-ACK at once",
		 MOS_TH_SYN | MOS_TH_ACK, iss, PISS + 1, -1, 0);
	o = h_seg(PPORT, LPORT, PISS + 1, iss + 1, MOS_TH_ACK, 65535);
	h_send(&h, &o);
	t = mos_tcp_accept(l, &h);
	ok(t && mos_tcp_state(t) == MOS_TCPS_ESTABLISHED &&
	   mos_tcp_stats(h.eng)->syn_retrans == 1, "established, syn_retrans 1");
	h_expect_none(&h, "quiet");
	h_fini(&h);
}

static void t_time_wait_reuse(void)
{
	struct harness h;
	struct peer pr;
	struct mos_tcb *t;
	struct h_out o;
	struct h_seg s;

	h_init(&h);
	t = to_state(&h, &pr, MOS_TCPS_TIME_WAIT, NULL);
	if (!t)
		goto out;
	/* an old SYN: not accepted, just ACKed */
	o = h_seg(PPORT, LPORT, PISS, 0, MOS_TH_SYN, 65535);
	h_send(&h, &o);
	s = h_pop(&h);
	ok(s.kind == MOS_PKT_TCP && s.p.flags == MOS_TH_ACK,
	   "TIME_WAIT: an old SYN gets an ACK");
	/* a new incarnation above the old sequence space (RFC 6191) */
	o = h_seg(PPORT, LPORT, pr.seq + 100000, 0, MOS_TH_SYN, 65535);
	h_send(&h, &o);
	s = h_pop(&h);
	ok(s.kind == MOS_PKT_TCP && s.p.flags == (MOS_TH_SYN | MOS_TH_ACK) &&
	   s.p.ack == pr.seq + 100001, "TIME_WAIT: a higher SYN opens anew");
	ok(mos_tcp_stats(h.eng)->tcbs == 2, "old tcb replaced");
out:
	h_fini(&h);
}

static void t_fin_ooo(void)
{
	struct harness h;
	struct peer pr;
	struct mos_tcb *t;
	uint8_t buf[64];
	uint32_t base;

	h_init(&h);
	t = open_passive(&h, &pr, false, NULL);
	if (!t)
		goto out;
	base = pr.seq;
	pr.seq = base + 10;
	psend(&h, &pr, MOS_TH_ACK | MOS_TH_FIN, pattern + 10, 10);
	h_expect(&h, "data+FIN past a hole: dup ACK", MOS_TH_ACK, iss + 1, base,
		 -1, 0);
	ok(mos_tcp_state(t) == MOS_TCPS_ESTABLISHED, "FIN not taken yet");
	pr.seq = base;
	psend(&h, &pr, MOS_TH_ACK, pattern, 10);
	h_expect(&h, "hole filled: ACK covers the FIN", MOS_TH_ACK, iss + 1,
		 base + 21, -1, 0);
	ok(mos_tcp_state(t) == MOS_TCPS_CLOSE_WAIT, "CLOSE_WAIT");
	ok(mos_tcp_recv(t, buf, sizeof(buf), false, h.now) == 20 &&
	   !memcmp(buf, pattern, 20) && mos_tcp_eof(t), "20 bytes, then EOF");
out:
	h_fini(&h);
}

static void t_wrap(void)
{
	struct harness h;
	struct mos_tcb *l, *t;
	struct h_out o;
	struct h_seg s;
	uint8_t buf[3000];
	uint32_t piss = 0xfffffc00u, seq;

	h_init(&h);
	l = mos_tcp_listen(h.eng, 0, htons(LPORT), 8, &h);
	o = h_seg(PPORT, LPORT, piss, 0, MOS_TH_SYN, 65535);
	h_send(&h, &o);
	s = h_pop(&h);
	iss = s.p.seq;
	o = h_seg(PPORT, LPORT, piss + 1, iss + 1, MOS_TH_ACK, 65535);
	h_send(&h, &o);
	t = mos_tcp_accept(l, &h);
	if (!ok(t != NULL, "wrap: accepted"))
		goto out;
	seq = piss + 1;
	for (int i = 0; i < 5; i++) {
		o = h_seg(PPORT, LPORT, seq, iss + 1, MOS_TH_ACK, 65535);
		o.data = pattern + i * 536;
		o.len = 536;
		h_send(&h, &o);
		seq += 536;
	}
	ok(mos_tcp_readable(t) == 5 * 536, "2680 bytes across 2^32");
	h_advance(&h, 50);
	s = h_pop(&h);
	while (h.qlen)
		s = h_pop(&h);	/* the last ACK */
	ok(s.kind == MOS_PKT_TCP && s.p.ack == (uint32_t)(piss + 1 + 5 * 536),
	   "ACK past the wrap: %u", s.p.ack);
	ok(mos_tcp_recv(t, buf, sizeof(buf), false, h.now) == 5 * 536 &&
	   !memcmp(buf, pattern, 5 * 536), "bytes in order across the wrap");
out:
	h_fini(&h);
}

static void t_rcv_zero_window(void)
{
	struct mos_tcp_conf c = h_conf();
	struct harness h;
	struct peer pr;
	struct mos_tcb *t;
	struct h_seg s;
	uint8_t buf[4096];

	c.rmem = 4096;
	c.mss = 536;
	h_init_conf(&h, &c);
	t = open_passive(&h, &pr, false, NULL);
	if (!t)
		goto out;
	for (int i = 0; i < 8; i++)
		psend(&h, &pr, MOS_TH_ACK, pattern + i * 512, 512);
	s = h_pop(&h);
	while (h.qlen)
		s = h_pop(&h);
	ok(s.kind == MOS_PKT_TCP && s.p.ack == pr.seq && s.p.win == 0,
	   "4096 bytes: the window is 0 (%u)", s.p.win);
	psend(&h, &pr, MOS_TH_ACK, pattern, 1);
	pr.seq--;
	h_expect(&h, "a probe into the zero window: ACK, window 0", MOS_TH_ACK,
		 iss + 1, pr.seq, 0, 0);
	ok(mos_tcp_readable(t) == 4096, "the probe byte not taken");
	ok(mos_tcp_recv(t, buf, 1000, false, h.now) == 1000, "read 1000");
	s = h_expect(&h, "window update once 1000 bytes are free",
		     MOS_TH_ACK, iss + 1, pr.seq, 1000, 0);
	ok(mos_tcp_recv(t, buf, 100, false, h.now) == 100, "read 100 more");
	h_expect_none(&h, "no update for 100 bytes (SWS avoidance)");
	ok(mos_tcp_recv(t, buf, sizeof(buf), false, h.now) == 2996, "read all");
	h_expect(&h, "window update: all 4096", MOS_TH_ACK, iss + 1, pr.seq,
		 4096, 0);
out:
	h_fini(&h);
}

static void t_limits(void)
{
	struct mos_tcp_conf c = h_conf();
	struct harness h;
	struct mos_tcb *l, *a, *b;
	struct h_out o;
	struct h_seg s;
	int nrst = 0;

	c.max_tcbs = 2;
	h_init_conf(&h, &c);
	l = mos_tcp_listen(h.eng, 0, htons(LPORT), 8, &h);
	o = h_seg(PPORT, LPORT, PISS, 0, MOS_TH_SYN, 65535);
	h_send(&h, &o);
	h_drain(&h);
	o = h_seg(PPORT + 1, LPORT, PISS, 0, MOS_TH_SYN, 65535);
	h_send(&h, &o);
	h_expect_none(&h, "max_tcbs 2: a third tcb refused");
	ok(mos_tcp_stats(h.eng)->tcb_full == 1, "tcb_full 1");
	ok(mos_tcp_connect(h.eng, h.ip_local, htons(1), h.ip_peer, htons(2), &h,
			   h.now) == NULL && errno == ENFILE,
	   "connect: ENFILE");
	h_fini(&h);

	/* accept order, and a listener closed with connections queued */
	h_init(&h);
	l = mos_tcp_listen(h.eng, 0, htons(LPORT), 8, &h);
	for (int i = 0; i < 2; i++) {
		o = h_seg(PPORT + i, LPORT, PISS, 0, MOS_TH_SYN, 65535);
		h_send(&h, &o);
		s = h_pop(&h);
		o = h_seg(PPORT + i, LPORT, PISS + 1, s.p.seq + 1, MOS_TH_ACK,
			  65535);
		h_send(&h, &o);
	}
	o = h_seg(PPORT + 2, LPORT, PISS, 0, MOS_TH_SYN, 65535);
	h_send(&h, &o);
	h_drain(&h);
	ok(mos_tcp_accept_queued(l) == 2, "two queued, one half-open");
	a = mos_tcp_accept(l, &h);
	ok(a != NULL, "accept 1");
	{
		uint16_t rp;

		mos_tcp_addrs(a, NULL, NULL, NULL, &rp);
		ok(ntohs(rp) == PPORT, "oldest first");
	}
	mos_tcp_close(l, h.now);
	while (h.qlen) {
		s = h_pop(&h);
		if (s.kind == MOS_PKT_TCP && (s.p.flags & MOS_TH_RST))
			nrst++;
	}
	ok(nrst == 2, "listener closed: the queued and the half-open reset");
	ok(mos_tcp_state(a) == MOS_TCPS_ESTABLISHED &&
	   mos_tcp_stats(h.eng)->tcbs == 1, "the accepted one lives on");
	b = a;
	mos_tcp_abort(b, h.now);
	h_fini(&h);
}

/* Random segments at an established connection and at closed ports: no
 * crash, no leak, the counters add up. */
static void t_random(void)
{
	struct harness h;
	struct peer pr;
	struct mos_tcb *t;
	uint64_t x = 88172645463325252ull;
	const struct mos_tcp_stats *st;

	h_init(&h);
	t = open_passive(&h, &pr, true, NULL);
	if (!t)
		goto out;
	mos_tcp_send(t, pattern, 30000, h.now);
	for (int i = 0; i < 20000; i++) {
		struct h_out o;
		uint32_t r;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		r = (uint32_t)x;
		o = h_seg(r & 1 ? PPORT : (uint16_t)(PPORT + (r >> 28)),
			  r & 2 ? LPORT : 81,
			  (r & 4) ? pr.seq + ((r >> 8) & 0xffff) - 0x8000 :
				    (uint32_t)(x >> 32),
			  (r & 8) ? iss + 1 + ((r >> 12) & 0x3fff) :
				    (uint32_t)(x >> 20),
			  (uint8_t)(x >> 40), (uint16_t)(x >> 44));
		o.data = pattern;
		o.len = (r >> 24) & 1 ? (uint32_t)(x >> 50) & 1023 : 0;
		o.ts = (r >> 25) & 1;
		o.tsval = pr.tsval + ((r >> 3) & 0xff);
		o.nsack = (int)((x >> 56) & 3);
		for (int k = 0; k < o.nsack; k++) {
			o.sack[k][0] = iss + (uint32_t)((x >> (k * 7)) & 0xffff);
			o.sack[k][1] = o.sack[k][0] + (uint32_t)((x >> 9) & 0xfff);
		}
		h_send(&h, &o);
		if ((i & 63) == 0)
			h_advance(&h, 7);
		if (mos_tcp_readable(t) > 1000)
			mos_tcp_recv(t, NULL, 0, false, h.now);
		h_drain(&h);
	}
	st = mos_tcp_stats(h.eng);
	ok(st->seg_in == 20000 + 2, "every segment counted in: %llu",
	   (unsigned long long)st->seg_in);
	ok(st->tcbs >= 1, "the listener is still there");
	printf("# random: state %s tcbs %u drop_unacceptable %llu "
	       "drop_rst %llu challenge %llu rst_out %llu\n",
	       mos_tcp_state_name(mos_tcp_state(t)), st->tcbs,
	       (unsigned long long)st->drop_unacceptable,
	       (unsigned long long)st->drop_rst,
	       (unsigned long long)st->challenge_acks,
	       (unsigned long long)st->rst_out);
	if (mos_tcp_state(t) != MOS_TCPS_CLOSED || mos_tcp_owner(t))
		mos_tcp_abort(t, h.now);
out:
	h_fini(&h);
}

/* Two engines as two processes of one boot make them: ISN secrets of
 * their own, one timestamp key.  A later SYN of the same 4-tuple carries
 * a newer TSval, which a peer holding the old incarnation in TIME_WAIT
 * needs to accept it (RFC 7323 5.4, 6191). */
static void t_ts_across_engines(void)
{
	struct mos_tcp_conf c = h_conf();
	uint32_t ts[2], isn[2];
	int k;

	c.ts_secret = 0x1122334455667788ull;
	for (k = 0; k < 2; k++) {
		struct harness h;
		struct h_seg sy;

		c.iss_secret = k ? 999u : 12345u;
		h_init_conf(&h, &c);
		h.now += (uint64_t)k * 5000000u;	/* 5 s later */
		if (!mos_tcp_connect(h.eng, h.ip_local, htons(6000), h.ip_peer,
				     htons(LPORT), &h, h.now)) {
			ok(0, "ts across engines: connect");
			h_fini(&h);
			return;
		}
		sy = h_pop(&h);
		ts[k] = sy.p.tsval;
		isn[k] = sy.p.seq;
		h_fini(&h);
	}
	ok((int32_t)(ts[1] - ts[0]) >= 4900 && (int32_t)(ts[1] - ts[0]) <= 5100,
	   "same 4-tuple 5 s later in another engine: TSval %u -> %u (+%d ms)",
	   ts[0], ts[1], (int32_t)(ts[1] - ts[0]));
	ok(isn[0] != isn[1],
	   "ISNs keyed per engine (%u, %u)", isn[0], isn[1]);
}

int main(void)
{
	fill_pattern();
	t_passive_handshake();
	t_active_handshake();
	t_data();
	t_ooo();
	t_fast_retransmit();
	t_limited_early();
	t_tlp();
	t_rto();
	t_syn_timeout();
	t_zero_window();
	t_wscale();
	t_simultaneous_open();
	t_simultaneous_close();
	t_half_close();
	t_rst_states();
	t_closed_port();
	t_backlog();
	t_bad_checksum();
	t_unacceptable();
	t_close_unread();
	t_synack_retrans();
	t_time_wait_reuse();
	t_ts_across_engines();
	t_fin_ooo();
	t_wrap();
	t_rcv_zero_window();
	t_limits();
	t_random();
	return tap_done();
}
