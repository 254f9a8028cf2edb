/*
 * sha1.c -- see sha1.h.  Written from FIPS 180-4: padding 5.1.1, initial
 * hash value 5.3.1, functions 4.1.1, constants 4.2.1, computation 6.1.2.
 */
#include <string.h>

#include "sha1.h"

static uint32_t rotl(uint32_t x, int n)
{
	return (x << n) | (x >> (32 - n));
}

/* f_t and K_t of FIPS 180-4 4.1.1 and 4.2.1, by round t */
static uint32_t round_f(int t, uint32_t b, uint32_t c, uint32_t d)
{
	if (t < 20)
		return (b & c) ^ (~b & d);		/* Ch */
	if (t < 40 || t >= 60)
		return b ^ c ^ d;			/* Parity */
	return (b & c) ^ (b & d) ^ (c & d);		/* Maj */
}

static const uint32_t round_k[4] = {
	0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xca62c1d6,
};

static void compress(struct sha1 *s, const uint8_t *m)
{
	uint32_t w[80], a, b, c, d, e, tmp;
	int t;

	for (t = 0; t < 16; t++)
		w[t] = (uint32_t)m[4 * t] << 24 | (uint32_t)m[4 * t + 1] << 16 |
		       (uint32_t)m[4 * t + 2] << 8 | m[4 * t + 3];
	for (; t < 80; t++)
		w[t] = rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
	a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];
	for (t = 0; t < 80; t++) {
		tmp = rotl(a, 5) + round_f(t, b, c, d) + e + round_k[t / 20] +
		      w[t];
		e = d;
		d = c;
		c = rotl(b, 30);
		b = a;
		a = tmp;
	}
	s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d, s->h[4] += e;
}

void sha1_init(struct sha1 *s)
{
	static const uint32_t h0[5] = {
		0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0,
	};

	memcpy(s->h, h0, sizeof(h0));
	s->total = 0;
	s->used = 0;
}

void sha1_update(struct sha1 *s, const void *data, size_t n)
{
	const uint8_t *p = data;

	s->total += n;
	while (n) {
		size_t k = sizeof(s->block) - s->used;

		if (k > n)
			k = n;
		memcpy(s->block + s->used, p, k);
		s->used += k;
		p += k;
		n -= k;
		if (s->used == sizeof(s->block)) {
			compress(s, s->block);
			s->used = 0;
		}
	}
}

void sha1_final(struct sha1 *s, uint8_t out[SHA1_LEN])
{
	uint64_t bits = s->total * 8;
	uint8_t pad = 0x80;
	int i;

	/* a 1 bit, zeros up to 56 mod 64, the length in bits (5.1.1) */
	sha1_update(s, &pad, 1);
	pad = 0;
	while (s->used != 56)
		sha1_update(s, &pad, 1);
	for (i = 7; i >= 0; i--) {
		uint8_t b = (uint8_t)(bits >> (8 * i));

		sha1_update(s, &b, 1);
	}
	for (i = 0; i < 5; i++) {
		out[4 * i] = (uint8_t)(s->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)s->h[i];
	}
}
