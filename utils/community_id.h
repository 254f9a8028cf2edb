/*
 * community_id.h -- Community ID v1 flow hashes, the flow identifier Zeek,
 * Suricata and Wireshark share (corelight/community-id-spec, version 1).
 */
#ifndef MOS_COMMUNITY_ID_H
#define MOS_COMMUNITY_ID_H

#include <stddef.h>
#include <stdint.h>

/* "1:" + base64 of 20 bytes + NUL */
#define COMMUNITY_ID_LEN 32

/* One endpoint: an address in network byte order (4 or 16 bytes) and a
 * port in host order. */
struct cid_endpoint {
	const uint8_t *addr;
	uint16_t port;
};

/* The Community ID of a flow between a and b (either order gives the same
 * id) for IP protocol proto, with the spec's seed (0 by default); alen is
 * 4 or 16.  Writes COMMUNITY_ID_LEN bytes at most into out. */
void community_id_v1(const struct cid_endpoint *a, const struct cid_endpoint *b,
		     size_t alen, uint8_t proto, uint16_t seed, char *out);

/* RFC 4648 section 4 base64 of n bytes, with padding, NUL-terminated;
 * out holds 4 * ((n + 2) / 3) + 1 bytes. */
void base64_encode(const uint8_t *in, size_t n, char *out);

#endif
