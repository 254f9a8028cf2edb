/*
 * community_id.c -- see community_id.h.
 *
 * The hashed bytes (spec v1): seed (2 bytes, network order), the address
 * of the lesser endpoint, the other address, the protocol, one zero byte,
 * the lesser endpoint's port, the other port (network order).  Endpoints
 * are ordered by address, bytewise, then by port, so that both directions
 * of a flow hash alike.
 */
#include <string.h>

#include "community_id.h"
#include "sha1.h"

void base64_encode(const uint8_t *in, size_t n, char *out)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		"0123456789+/";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
			     in[i + 2];

		*out++ = alphabet[v >> 18];
		*out++ = alphabet[(v >> 12) & 63];
		*out++ = alphabet[(v >> 6) & 63];
		*out++ = alphabet[v & 63];
	}
	if (n - i == 1) {
		*out++ = alphabet[in[i] >> 2];
		*out++ = alphabet[(in[i] & 3) << 4];
		*out++ = '=';
		*out++ = '=';
	} else if (n - i == 2) {
		*out++ = alphabet[in[i] >> 2];
		*out++ = alphabet[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		*out++ = alphabet[(in[i + 1] & 15) << 2];
		*out++ = '=';
	}
	*out = '\0';
}

static void put16(struct sha1 *s, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	sha1_update(s, b, sizeof(b));
}

void community_id_v1(const struct cid_endpoint *a, const struct cid_endpoint *b,
		     size_t alen, uint8_t proto, uint16_t seed, char *out)
{
	int c = memcmp(a->addr, b->addr, alen);
	uint8_t digest[SHA1_LEN], pp[2] = { proto, 0 };
	struct sha1 s;

	if (c > 0 || (c == 0 && a->port > b->port)) {
		const struct cid_endpoint *t = a;

		a = b;
		b = t;
	}
	sha1_init(&s);
	put16(&s, seed);
	sha1_update(&s, a->addr, alen);
	sha1_update(&s, b->addr, alen);
	sha1_update(&s, pp, sizeof(pp));
	put16(&s, a->port);
	put16(&s, b->port);
	sha1_final(&s, digest);
	memcpy(out, "1:", 2);
	base64_encode(digest, sizeof(digest), out + 2);
}
