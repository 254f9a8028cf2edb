/*
 * sha1.h -- SHA-1 (FIPS 180-4, section 6.1), for Community ID flow hashes
 * and flow ids.  Not for anything that needs collision resistance.
 */
#ifndef MOS_SHA1_H
#define MOS_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define SHA1_LEN 20

struct sha1 {
	uint32_t h[5];
	uint64_t total;			/* bytes hashed so far */
	uint8_t block[64];
	size_t used;			/* bytes waiting in block */
};

void sha1_init(struct sha1 *s);
void sha1_update(struct sha1 *s, const void *data, size_t n);
void sha1_final(struct sha1 *s, uint8_t out[SHA1_LEN]);

#endif
