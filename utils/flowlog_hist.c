/*
 * flowlog_hist.c -- see flowlog_hist.h.
 *
 * Zeek's documentation of the letters: s a SYN without ACK, h a SYN+ACK,
 * a a pure ACK, d a packet with payload, f a FIN, r a RST, c a bad
 * checksum, g a content gap, t retransmitted payload, w a zero window, i
 * an inconsistent packet (FIN and RST), q a multi-flag packet (SYN with
 * FIN or RST), ^ the direction was flipped.  a d i q appear at most once
 * per side; s h f r again only when the sequence number differs from the
 * last packet of that kind; c g t w at the 1st, 10th, 100th ... event.
 * A history longer than the buffer is cut (never split mid-letter).
 */
#include <string.h>

#include "flowlog_hist.h"

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

enum { ONCE_A = 1, ONCE_D = 2, ONCE_I = 4, ONCE_Q = 8 };

void flowlog_hist_init(struct flowlog_hist *h)
{
	memset(h, 0, sizeof(*h));
	for (int s = 0; s < 2; s++)
		for (int k = 0; k < HIST_LOG_N; k++)
			h->next[s][k] = 1;
}

static void put(struct flowlog_hist *h, int side, char lower)
{
	if (h->len + 1 >= sizeof(h->s))
		return;
	h->s[h->len++] = side == 0 && lower >= 'a' && lower <= 'z'
				 ? (char)(lower - 'a' + 'A') : lower;
	h->s[h->len] = '\0';
}

static void once(struct flowlog_hist *h, int side, uint8_t bit, char c)
{
	if (h->once[side] & bit)
		return;
	h->once[side] |= bit;
	put(h, side, c);
}

static void by_seq(struct flowlog_hist *h, int side, int k, uint32_t seq,
		   char c)
{
	if (h->seq_set[side][k] && h->seq[side][k] == seq)
		return;
	h->seq_set[side][k] = true;
	h->seq[side][k] = seq;
	put(h, side, c);
}

static void logarithmic(struct flowlog_hist *h, int side, int k, char c)
{
	if (++h->count[side][k] < h->next[side][k])
		return;
	h->next[side][k] *= 10;
	put(h, side, c);
}

void flowlog_hist_packet(struct flowlog_hist *h, int side, uint8_t flags,
			 uint32_t seq, uint32_t payload, uint16_t window)
{
	bool syn = flags & TH_SYN, fin = flags & TH_FIN, rst = flags & TH_RST;

	if (syn && (fin || rst))
		once(h, side, ONCE_Q, 'q');
	else if (fin && rst)
		once(h, side, ONCE_I, 'i');
	if (syn)
		by_seq(h, side, (flags & TH_ACK) ? HIST_SEQ_H : HIST_SEQ_S, seq,
		       (flags & TH_ACK) ? 'h' : 's');
	if (payload)
		once(h, side, ONCE_D, 'd');
	else if ((flags & TH_ACK) && !syn && !fin && !rst)
		once(h, side, ONCE_A, 'a');
	if (fin)
		by_seq(h, side, HIST_SEQ_F, seq, 'f');
	if (rst)
		by_seq(h, side, HIST_SEQ_R, seq, 'r');
	if (!window && !rst)
		logarithmic(h, side, HIST_LOG_W, 'w');
}

void flowlog_hist_rexmit(struct flowlog_hist *h, int side)
{
	logarithmic(h, side, HIST_LOG_T, 't');
}

void flowlog_hist_gap(struct flowlog_hist *h, int side)
{
	logarithmic(h, side, HIST_LOG_G, 'g');
}

void flowlog_hist_flip(struct flowlog_hist *h)
{
	if (h->len + 1 >= sizeof(h->s))
		return;
	memmove(h->s + 1, h->s, h->len + 1);
	h->s[0] = '^';
	h->len++;
}
