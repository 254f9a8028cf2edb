/*
 * t_hash.c -- the hashes of mos-flowlog(1): SHA-1 against the FIPS 180
 * examples, base64 against RFC 4648 section 10, and Community IDs against
 * the ones tshark 4.0's communityid dissector computes for the same
 * endpoints (its seed preference 0 and 1), in both directions.
 *
 *   t_hash
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "community_id.h"
#include "sha1.h"
#include "tap.h"

static void hex(const uint8_t *d, char *out)
{
	for (int i = 0; i < SHA1_LEN; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void sha1_of(const void *p, size_t n, size_t chunk, char *out)
{
	uint8_t d[SHA1_LEN];
	struct sha1 s;
	size_t i;

	sha1_init(&s);
	for (i = 0; i < n; i += chunk)
		sha1_update(&s, (const uint8_t *)p + i,
			    n - i < chunk ? n - i : chunk);
	sha1_final(&s, d);
	hex(d, out);
}

static void check_sha1(void)
{
	static const struct {
		const char *msg, *digest;
	} v[] = {
		{ "abc", "a9993e364706816aba3e25717850c26c9cd0d89d" },
		{ "", "da39a3ee5e6b4b0d3255bfef95601890afd80709" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "84983e441c3bd26ebaae4aa1f95129e5e54670f1" },
	};
	char got[2 * SHA1_LEN + 1], whole[2 * SHA1_LEN + 1];
	char *a = malloc(1000000);
	size_t n;
	int bad = 0;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		sha1_of(v[i].msg, strlen(v[i].msg), 64, got);
		ok(strcmp(got, v[i].digest) == 0, "SHA-1(\"%.10s...\") = %s",
		   v[i].msg, got);
	}
	if (!a) {
		ok(0, "malloc");
		return;
	}
	memset(a, 'a', 1000000);
	sha1_of(a, 1000000, 4093, got);
	ok(strcmp(got, "34aa973cd4c4daa4f61eeb2bdbad27316534016f") == 0,
	   "SHA-1 of a million 'a', fed 4093 bytes at a time = %s", got);
	/* the padding's edge cases (55, 56, 63, 64 bytes...): any split of
	 * the input gives the digest of the whole */
	for (n = 0; n < 200; n++) {
		sha1_of(a, n, n ? n : 1, whole);
		for (size_t chunk = 1; chunk < 70; chunk += 7) {
			sha1_of(a, n, chunk, got);
			bad += strcmp(got, whole) != 0;
		}
	}
	ok(bad == 0, "SHA-1 of 0 to 199 bytes: every split gives the same "
	   "digest (%d differ)", bad);
	free(a);
}

static void check_base64(void)
{
	static const char *const want[] = {
		"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy",
	};
	char out[16];

	for (size_t n = 0; n <= 6; n++) {
		base64_encode((const uint8_t *)"foobar", n, out);
		ok(strcmp(out, want[n]) == 0, "base64(\"%.*s\") = \"%s\"",
		   (int)n, "foobar", out);
	}
}

/* tshark 4.0 (--enable-protocol communityid -o communityid.seed:S) on
 * frames with these endpoints */
static const struct {
	int family;
	const char *src, *dst;
	uint16_t sport, dport;
	uint8_t proto;
	const char *cid[2];		/* seed 0, seed 1 */
} cases[] = {
	{ AF_INET, "128.232.110.120", "66.35.250.204", 34855, 80, 6,
	  { "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc=" } },
	{ AF_INET, "192.168.1.42", "8.8.8.8", 4242, 53, 17,
	  { "1:vTdrngJjlP5eZ9mw9JtnKyn99KM=", "1:xb9qFh7zzGgwRZ7SzararEnse3o=" } },
	/* equal addresses: the ports order the endpoints */
	{ AF_INET6, "2001:db8::1", "2001:db8::1", 80, 79, 6,
	  { "1:f31jW1jvZQR4iU5fOfBDQwQSovo=", "1:69H32KEb2LUCG20f4GupWso9t40=" } },
	{ AF_INET, "10.0.0.2", "10.0.0.1", 1, 65535, 6,
	  { "1:IcU9FwX3lUaIjU8MQ4Gvlaqzj6Q=", "1:e/1pQCKEGMKA+2UV4UZXw98sr5c=" } },
};

static void check_community_id(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t a[16], b[16];
		size_t alen = cases[i].family == AF_INET6 ? 16 : 4;
		struct cid_endpoint s = { a, cases[i].sport };
		struct cid_endpoint d = { b, cases[i].dport };
		char fwd[COMMUNITY_ID_LEN], back[COMMUNITY_ID_LEN];

		inet_pton(cases[i].family, cases[i].src, a);
		inet_pton(cases[i].family, cases[i].dst, b);
		for (uint16_t seed = 0; seed < 2; seed++) {
			community_id_v1(&s, &d, alen, cases[i].proto, seed, fwd);
			community_id_v1(&d, &s, alen, cases[i].proto, seed, back);
			ok(strcmp(fwd, cases[i].cid[seed]) == 0 &&
			   strcmp(back, fwd) == 0,
			   "Community ID %s:%u -> %s:%u proto %u seed %u = %s "
			   "both ways (tshark %s)", cases[i].src, cases[i].sport,
			   cases[i].dst, cases[i].dport, cases[i].proto, seed,
			   fwd, cases[i].cid[seed]);
		}
	}
}

int main(void)
{
	check_sha1();
	check_base64();
	check_community_id();
	return tap_done();
}
