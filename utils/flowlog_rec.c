/*
 * flowlog_rec.c -- see flowlog_rec.h.
 */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "flowlog_rec.h"
#include "sha1.h"

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04

static const char base62[] =
	"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* n base62 digits of v, most significant first */
static void put_base62(char *out, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		out[i] = base62[v % 62];
		v /= 62;
	}
}

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

void flowlog_rec_ids(struct flowlog_rec *r, uint32_t isn)
{
	size_t alen = r->family == AF_INET6 ? 16 : 4;
	struct cid_endpoint a = { r->addr[0], r->port[0] };
	struct cid_endpoint b = { r->addr[1], r->port[1] };
	uint8_t d[SHA1_LEN], buf[8];
	struct sha1 s;
	int i;

	community_id_v1(&a, &b, alen, IPPROTO_TCP, 0, r->community_id);
	sha1_init(&s);
	for (i = 0; i < 8; i++)
		buf[i] = (uint8_t)(r->start_us >> (56 - 8 * i));
	sha1_update(&s, buf, 8);
	for (i = 0; i < 2; i++) {
		uint8_t port[2] = { (uint8_t)(r->port[i] >> 8),
				    (uint8_t)r->port[i] };

		sha1_update(&s, r->addr[i], alen);
		sha1_update(&s, port, 2);
	}
	for (i = 0; i < 4; i++)
		buf[i] = (uint8_t)(isn >> (24 - 8 * i));
	sha1_update(&s, buf, 4);
	sha1_final(&s, d);
	/* "C" and 17 base62 digits of 96 bits, as long as Zeek's uids */
	r->uid[0] = 'C';
	put_base62(r->uid + 1, be64(d), 11);
	put_base62(r->uid + 12, be64(d + 8) >> 32, 6);
	r->uid[18] = '\0';
	/* jq and JavaScript read integers exactly up to 2^53 */
	r->flow_id = be64(d + 12) & ((UINT64_C(1) << 53) - 1);
	if (!r->flow_id)
		r->flow_id = 1;
}

/* Zeek's conn.log documentation defines the states by what each side was
 * seen to send; a RST counts only when the monitor took it (in window). */
static const char *partial_state(const struct flowlog_rec *r)
{
	/* no SYN from the originator: a SYN/ACK from the responder is the
	 * only handshake seen (RSTRH, SHR), or nothing is (OTH) */
	if (r->flags[1] & TH_SYN) {
		if (r->flags[1] & TH_RST)
			return "RSTRH";
		if (r->flags[1] & TH_FIN)
			return "SHR";
	}
	return "OTH";
}

const char *flowlog_conn_state(const struct flowlog_rec *r)
{
	bool fin0 = r->flags[0] & TH_FIN, fin1 = r->flags[1] & TH_FIN;

	if (r->partial)
		return partial_state(r);
	if (!(r->flags[1] & TH_SYN)) {
		/* the responder never answered the SYN with its own */
		if (r->first_rst == 1)
			return "REJ";
		if (r->first_rst == 0)
			return "RSTOS0";
		if (fin0)
			return "SH";
		return "S0";
	}
	if (r->first_rst == 0)
		return "RSTO";
	if (r->first_rst == 1)
		return "RSTR";
	if (fin0 && fin1)
		return "SF";
	if (fin0)
		return "S2";
	if (fin1)
		return "S3";
	return "S1";
}
