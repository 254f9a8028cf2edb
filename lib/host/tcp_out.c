/*
 * tcp_out.c -- segments leaving the engine (tcp_out.h).
 *
 * Every segment is one frame from env->alloc: IPv4 header without options
 * (DF set, TTL 64), TCP header with its options, payload copied from the
 * send buffer; both checksums computed here.
 */
#include <arpa/inet.h>
#include <string.h>

#include "../io.h"
#include "../pkt_parse.h"
#include "../tcp_seq.h"
#include "tcb.h"
#include "tcp_out.h"
#include "tcp_sack.h"
#include "tcp_timer.h"

#define ETH_HLEN 14u
#define IP_HLEN 20u
#define TCP_HLEN 20u

#define OPT_NOP 1
#define OPT_MSS 2
#define OPT_WS 3
#define OPT_SACK_PERM 4
#define OPT_SACK 5
#define OPT_TS 8

/* What one segment carries besides its payload. */
struct seg_out {
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;		/* the field, already scaled */
	uint8_t opt[40];
	unsigned optlen;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

uint8_t mos_tcp_wscale_for(uint32_t rmem)
{
	uint8_t ws = 0;

	while (ws < 14 && (rmem >> ws) > 65535u)
		ws++;
	return ws;
}

/* Fill the headers and the payload, checksum, hand to the env.  false
 * when no frame was available (counted; the caller retries). */
static bool emit(struct mos_tcp *s, const struct seg_out *o,
		 const struct mos_tcb *t, uint32_t off, uint32_t len)
{
	struct mos_frame *f = s->env.alloc(s->env.arg);
	unsigned thl = TCP_HLEN + o->optlen;
	uint32_t iplen = IP_HLEN + thl + len;
	uint8_t *ip, *th;
	struct mos_pkt p;
	uint16_t c;

	if (!f) {
		s->st.alloc_fail++;
		return false;
	}
	if (f->room < ETH_HLEN + iplen) {
		/* the env broke its promise: count it as no frame */
		s->st.alloc_fail++;
		f->len = 0;
		s->env.xmit(s->env.arg, f, o->laddr, o->raddr);
		return false;
	}
	ip = f->data + ETH_HLEN;
	th = ip + IP_HLEN;
	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (uint16_t)iplen);
	put16(ip + 4, 0);		/* DF set: RFC 6864 4.1 allows id 0 */
	put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, &o->laddr, 4);
	memcpy(ip + 16, &o->raddr, 4);
	c = mos_csum_ipv4_hdr(ip, IP_HLEN);
	memcpy(ip + 10, &c, 2);

	put16(th, o->lport);
	put16(th + 2, o->rport);
	put32(th + 4, o->seq);
	put32(th + 8, (o->flags & MOS_TH_ACK) ? o->ack : 0);
	th[12] = (uint8_t)((thl / 4) << 4);
	th[13] = o->flags;
	put16(th + 14, o->win);
	put16(th + 16, 0);
	put16(th + 18, 0);
	memcpy(th + TCP_HLEN, o->opt, o->optlen);
	if (len)
		mos_sndbuf_copy(&t->sb, off, th + thl, len);

	memset(&p, 0, sizeof(p));
	p.frame = f->data;
	p.l3_off = ETH_HLEN;
	p.l4_off = ETH_HLEN + IP_HLEN;
	p.ip_len = iplen;
	p.ipver = 4;
	p.saddr.v4 = o->laddr;
	p.daddr.v4 = o->raddr;
	c = mos_csum_tcp(&p);
	memcpy(th + 16, &c, 2);

	f->len = ETH_HLEN + iplen;
	s->st.seg_out++;
	s->st.bytes_out += len;
	s->env.xmit(s->env.arg, f, o->laddr, o->raddr);
	return true;
}

uint32_t mos_tcp_rcv_window(struct mos_tcb *t)
{
	uint32_t nxt = t->rb.nxt, space = mos_rcvbuf_space(&t->rb);
	uint32_t edge = nxt + space, mss = t->mss ? t->mss : 536;
	uint32_t step = t->rb.size / 2 < mss ? t->rb.size / 2 : mss;

	/* receiver SWS avoidance (RFC 9293 3.8.6.2.2): move the right edge
	 * only by a full MSS or half the buffer; never back (3.8.6) */
	if (SEQ_GT(edge, t->rcv_adv) && edge - t->rcv_adv < step)
		edge = t->rcv_adv;
	if (SEQ_LT(edge, t->rcv_adv))
		edge = t->rcv_adv;
	if (SEQ_LT(edge, nxt))
		return 0;
	return edge - nxt;
}

/* The window field of a non-SYN segment, and the new right edge. */
static uint16_t window_field(struct mos_tcb *t)
{
	uint32_t wnd = mos_tcp_rcv_window(t), f = wnd >> t->rcv_ws;

	/* rounding down must not pull the edge back */
	if (SEQ_LT(t->rb.nxt + (f << t->rcv_ws), t->rcv_adv))
		f++;
	if (f > 65535u)
		f = 65535u;
	if (SEQ_GT(t->rb.nxt + (f << t->rcv_ws), t->rcv_adv))
		t->rcv_adv = t->rb.nxt + (f << t->rcv_ws);
	return (uint16_t)f;
}

static void opt_ts(struct mos_tcb *t, struct seg_out *o)
{
	uint8_t *p = o->opt + o->optlen;

	p[0] = OPT_NOP;
	p[1] = OPT_NOP;
	p[2] = OPT_TS;
	p[3] = 10;
	put32(p + 4, mos_tcp_now_ms(t->eng) + t->ts_off);
	put32(p + 8, t->ts_recent);
	o->optlen += 12;
}

static void opt_sack(struct mos_tcb *t, struct seg_out *o)
{
	struct mos_rcv_range r[4];
	int max = (40 - (int)o->optlen - 4) / 8, n;
	uint8_t *p = o->opt + o->optlen;

	if (max > 4)
		max = 4;
	n = mos_rcvbuf_sack(&t->rb, r, max);
	if (n <= 0)
		return;
	p[0] = OPT_NOP;
	p[1] = OPT_NOP;
	p[2] = OPT_SACK;
	p[3] = (uint8_t)(2 + 8 * n);
	for (int i = 0; i < n; i++) {
		put32(p + 4 + 8 * i, r[i].start);
		put32(p + 8 + 8 * i, r[i].end);
	}
	o->optlen += 4 + 8u * (unsigned)n;
}

static void seg_init(struct mos_tcb *t, struct seg_out *o, uint32_t seq,
		     uint8_t flags)
{
	o->laddr = t->laddr;
	o->raddr = t->raddr;
	o->lport = t->lport;
	o->rport = t->rport;
	o->seq = seq;
	o->ack = t->rb.nxt;
	o->flags = flags;
	o->optlen = 0;
	o->win = 0;
}

/* Fill window and options of a non-SYN segment; note what it ACKs. */
static void seg_finish(struct mos_tcb *t, struct seg_out *o)
{
	if (t->flags & MOS_TF_TS)
		opt_ts(t, o);
	if ((t->flags & MOS_TF_SACK) && mos_rcvbuf_has_ooo(&t->rb))
		opt_sack(t, o);
	o->win = window_field(t);
	if (o->flags & MOS_TH_ACK) {
		t->last_ack_sent = o->ack;
		t->flags &= ~MOS_TF_ACKNOW;
		t->unacked_segs = 0;
		if (t->delack.kind == MOS_TMR_DELACK)
			mos_tcp_stop_delack(t->eng, t);
	}
}

static void want_retry(struct mos_tcb *t)
{
	t->flags |= MOS_TF_ACKNOW;
	mos_tcp_arm_delack(t->eng, t, MOS_TMR_RETRY, 1);
}

void mos_tcp_send_ack(struct mos_tcb *t)
{
	struct seg_out o;

	seg_init(t, &o, t->snd_nxt, MOS_TH_ACK);
	seg_finish(t, &o);
	if (!emit(t->eng, &o, t, 0, 0))
		want_retry(t);
}

void mos_tcp_send_syn(struct mos_tcb *t)
{
	bool synack = t->state == MOS_TCPS_SYN_RECEIVED;
	struct seg_out o;
	uint8_t *p;
	uint32_t w;

	seg_init(t, &o, t->iss, MOS_TH_SYN | (synack ? MOS_TH_ACK : 0));
	p = o.opt;
	p[0] = OPT_MSS;
	p[1] = 4;
	put16(p + 2, t->eng->conf.mss);
	o.optlen = 4;
	/* on a SYN-ACK only what the peer offered (RFC 7323 2.2, 3.2;
	 * RFC 2018 2) */
	if (!synack || (t->flags & MOS_TF_SACK)) {
		p = o.opt + o.optlen;
		if (!synack || (t->flags & MOS_TF_TS)) {
			p[0] = OPT_SACK_PERM;
			p[1] = 2;
			o.optlen += 2;
		} else {
			p[0] = OPT_NOP;
			p[1] = OPT_NOP;
			p[2] = OPT_SACK_PERM;
			p[3] = 2;
			o.optlen += 4;
		}
	}
	if (!synack || (t->flags & MOS_TF_TS)) {
		p = o.opt + o.optlen;
		if (!synack || (t->flags & MOS_TF_SACK)) {
			/* SACK-permitted took the two bytes a NOP pair
			 * would: TS follows directly */
			p[0] = OPT_TS;
			p[1] = 10;
			put32(p + 2, mos_tcp_now_ms(t->eng) + t->ts_off);
			put32(p + 6, synack ? t->ts_recent : 0);
			o.optlen += 10;
		} else {
			opt_ts(t, &o);
		}
	}
	if (!synack || (t->flags & MOS_TF_WS)) {
		p = o.opt + o.optlen;
		p[0] = OPT_NOP;
		p[1] = OPT_WS;
		p[2] = 3;
		p[3] = t->rcv_ws;
		o.optlen += 4;
	}
	/* the window of a SYN is never scaled (RFC 7323 2.2) */
	w = mos_rcvbuf_space(&t->rb);
	o.win = (uint16_t)(w > 65535u ? 65535u : w);
	t->rcv_adv = t->rb.nxt + o.win;
	if (synack)
		t->last_ack_sent = o.ack;
	if (SEQ_LT(t->snd_nxt, t->iss + 1))
		t->snd_nxt = t->iss + 1;
	if (SEQ_LT(t->snd_max, t->snd_nxt))
		t->snd_max = t->snd_nxt;
	emit(t->eng, &o, t, 0, 0);	/* lost: the SYN timer resends */
}

/* Send [seq, seq+len) of data (and FIN after it); false: no frame. */
static bool send_data(struct mos_tcb *t, uint32_t seq, uint32_t len,
		      bool fin)
{
	struct seg_out o;
	uint8_t fl = MOS_TH_ACK;
	uint32_t end = t->snd_una + t->sb.len;

	if (len && seq + len == end)
		fl |= MOS_TH_PSH;
	if (fin)
		fl |= MOS_TH_FIN;
	seg_init(t, &o, seq, fl);
	seg_finish(t, &o);
	if (!emit(t->eng, &o, t, seq - t->snd_una, len))
		return false;
	if (SEQ_LT(seq, t->snd_max)) {
		t->eng->st.retrans_segs++;
		t->retransmits++;
	}
	return true;
}

/* Data bytes beyond SND.NXT not yet sent, and whether the FIN is due. */
static uint32_t unsent(const struct mos_tcb *t, bool *fin)
{
	uint32_t off = t->snd_nxt - t->snd_una;

	*fin = false;
	if (off > t->sb.len)		/* past the FIN already */
		return 0;
	*fin = (t->flags & MOS_TF_FIN_Q) != 0;
	return t->sb.len - off;
}

static bool can_send_data(const struct mos_tcb *t)
{
	switch (t->state) {
	case MOS_TCPS_ESTABLISHED:
	case MOS_TCPS_CLOSE_WAIT:
	case MOS_TCPS_FIN_WAIT_1:
	case MOS_TCPS_CLOSING:
	case MOS_TCPS_LAST_ACK:
		return true;
	default:
		return false;
	}
}

void mos_tcp_output(struct mos_tcb *t, bool force)
{
	struct mos_tcp *s = t->eng;
	bool fin, sent = false, failed = false;

	while (can_send_data(t)) {
		uint32_t avail = unsent(t, &fin), flight = t->snd_nxt -
				 t->snd_una;
		uint32_t cw = t->cwnd + (uint32_t)t->lt_extra * t->seg_max;
		uint32_t usable = t->snd_wnd > flight ? t->snd_wnd - flight : 0;
		uint32_t pipe = flight;

		/* RFC 6675: in SACK recovery cwnd limits the pipe */
		if ((t->flags & (MOS_TF_RECOVERY | MOS_TF_SACK)) ==
		    (MOS_TF_RECOVERY | MOS_TF_SACK))
			pipe = mos_sack_pipe(t);
		if (cw < pipe + usable)
			usable = cw > pipe ? cw - pipe : 0;
		uint32_t len = avail < t->seg_max ? avail : t->seg_max;

		if ((t->flags & MOS_TF_PERSIST) && !force)
			break;
		if (len > usable)
			len = usable;
		/* sender SWS avoidance (RFC 9293 3.8.6.2.1) */
		if (len < avail && len < t->seg_max && !force &&
		    len < t->max_sndwnd / 2)
			len = 0;
		fin = fin && len == avail;
		if (!len && !fin)
			break;
		if (!send_data(t, t->snd_nxt, len, fin)) {
			want_retry(t);
			failed = true;
			break;
		}
		sent = true;
		if (!(t->flags & (MOS_TF_TS | MOS_TF_RTT)) &&
		    SEQ_GEQ(t->snd_nxt, t->snd_max)) {
			/* time one segment (RFC 6298 3, Karn) */
			t->flags |= MOS_TF_RTT;
			t->rtt_seq = t->snd_nxt;
			t->rtt_start_us = s->now_us;
		}
		t->snd_nxt += len + (fin ? 1 : 0);
		if (fin)
			t->flags |= MOS_TF_FIN_SENT;
		if (SEQ_GT(t->snd_nxt, t->snd_max))
			t->snd_max = t->snd_nxt;
		force = false;
		if (fin)
			break;
	}
	/* the probe timer moves with new data (RFC 8985 7.2); a running
	 * RTO does not (RFC 6298 5.1) */
	if (sent && !(t->flags & MOS_TF_PERSIST))
		mos_tcp_arm_loss(s, t, false);
	if (!sent && !failed && (t->flags & MOS_TF_ACKNOW))
		mos_tcp_send_ack(t);
	/* something to send, nothing in flight, and the window keeps it
	 * back: the persist timer probes (RFC 9293 3.8.6.1) */
	if (can_send_data(t) && t->snd_nxt == t->snd_una &&
	    (unsent(t, &fin) || fin) && !mos_tmr_armed(&t->rexmt)) {
		uint64_t after = (uint64_t)(t->rto_us / 1000) << t->backoff;

		mos_tcp_arm_rexmt(s, t, MOS_TMR_PERSIST,
				  after > 60000 ? 60000 : after);
	}
}

uint32_t mos_tcp_retransmit_at(struct mos_tcb *t, uint32_t seq,
			       uint32_t max)
{
	uint32_t off = seq - t->snd_una, inflight = t->snd_max - t->snd_una;
	uint32_t len;
	bool fin = false;

	if (off >= inflight)
		return 0;
	len = off < t->sb.len ? t->sb.len - off : 0;
	if (len > t->seg_max)
		len = t->seg_max;
	if (len > max)
		len = max;
	if (len > inflight - off)
		len = inflight - off;
	/* the FIN rides along when the data up to it is all here */
	if ((t->flags & MOS_TF_FIN_SENT) && off + len == t->sb.len &&
	    inflight == t->sb.len + 1)
		fin = true;
	if (!len && !fin)
		return 0;
	if (!send_data(t, seq, len, fin)) {
		want_retry(t);
		return 0;
	}
	return len + (fin ? 1 : 0);
}

uint32_t mos_tcp_retransmit_first(struct mos_tcb *t)
{
	return mos_tcp_retransmit_at(t, t->snd_una, UINT32_MAX);
}

void mos_tcp_send_tlp(struct mos_tcb *t)
{
	uint32_t inflight = t->snd_max - t->snd_una, data, last;
	bool fin;
	uint32_t avail = t->snd_nxt == t->snd_max ? unsent(t, &fin) : 0;

	if (avail && t->snd_wnd >= inflight + (avail < t->seg_max ?
					      avail : t->seg_max)) {
		uint32_t len = avail < t->seg_max ? avail : t->seg_max;
		bool f = fin && len == avail;

		if (!send_data(t, t->snd_nxt, len, f))
			return;
		t->snd_nxt += len + (f ? 1 : 0);
		if (f)
			t->flags |= MOS_TF_FIN_SENT;
		t->snd_max = t->snd_nxt;
		return;
	}
	/* the last segment: its data end, less one MSS */
	data = inflight < t->sb.len ? inflight : t->sb.len;
	last = data > t->seg_max ? data - t->seg_max : 0;
	if (!data)
		last = 0;	/* only the FIN is out */
	mos_tcp_retransmit_at(t, t->snd_una + last, t->seg_max);
}

void mos_tcp_send_probe(struct mos_tcb *t)
{
	bool fin;
	uint32_t avail;

	t->snd_nxt = t->snd_una;
	avail = unsent(t, &fin);
	if (avail) {
		if (!send_data(t, t->snd_una, 1, false))
			return;
		t->snd_nxt = t->snd_una + 1;
	} else if (fin) {
		if (!send_data(t, t->snd_una, 0, true))
			return;
		t->snd_nxt = t->snd_una + 1;
		t->flags |= MOS_TF_FIN_SENT;
	} else {
		return;
	}
	if (SEQ_GT(t->snd_nxt, t->snd_max))
		t->snd_max = t->snd_nxt;
	t->eng->st.persist_probes++;
}

void mos_tcp_send_rst(struct mos_tcb *t)
{
	struct seg_out o;

	seg_init(t, &o, t->snd_nxt, MOS_TH_RST);
	if (emit(t->eng, &o, t, 0, 0))
		t->eng->st.rst_out++;
}

void mos_tcp_reply_rst(struct mos_tcp *s, const struct mos_pkt *p)
{
	struct seg_out o;

	memset(&o, 0, sizeof(o));
	o.laddr = p->daddr.v4;
	o.raddr = p->saddr.v4;
	o.lport = p->dport;
	o.rport = p->sport;
	if (p->flags & MOS_TH_ACK) {
		o.seq = p->ack;
		o.flags = MOS_TH_RST;
	} else {
		o.seq = 0;
		o.ack = p->seq + p->payload_len +
			((p->flags & MOS_TH_SYN) ? 1 : 0) +
			((p->flags & MOS_TH_FIN) ? 1 : 0);
		o.flags = MOS_TH_RST | MOS_TH_ACK;
	}
	if (emit(s, &o, NULL, 0, 0))
		s->st.rst_out++;
}
