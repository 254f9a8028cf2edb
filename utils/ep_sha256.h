/*
 * ep_sha256.h -- SHA-256 (FIPS 180-4, section 6.2) for mos-epwget, which
 * hashes the bodies it downloads so a test can compare them with
 * sha256sum(1) without writing them out.
 */
#ifndef EP_SHA256_H
#define EP_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define EP_SHA256_LEN 32
#define EP_SHA256_HEX (2 * EP_SHA256_LEN + 1)

struct ep_sha256 {
	uint32_t h[8];
	uint64_t bytes;		/* message length so far */
	uint8_t block[64];	/* the partial block */
	size_t fill;
};

void ep_sha256_init(struct ep_sha256 *s);
void ep_sha256_update(struct ep_sha256 *s, const void *data, size_t len);
void ep_sha256_final(struct ep_sha256 *s, uint8_t out[EP_SHA256_LEN]);
/* out: lower-case hex, NUL-terminated */
void ep_sha256_hex(const uint8_t d[EP_SHA256_LEN], char out[EP_SHA256_HEX]);

#endif
