/*
 * t_inline.c -- inline mode through the pcap backend: forwarding,
 * mtcp_setlastpkt (drop, overwrite, chomp, insert, checksums),
 * mtcp_sendpkt, and every errno of the two calls.
 *
 *   t_inline SCENARIO CAPTURE TMPDIR
 *   t_inline fwcheck IN OUT PORT NDROP | natcap IN OUT NATIP PORT |
 *            natcheck ORIG OUT NATIP PORT     (checkers for inline.exp)
 *
 * One scenario per process: the capture is read by a single pcap port with
 * forward = true and pcap_out, so the output file holds exactly what an
 * inline box would have sent; the frames are then compared with the input
 * using libpcap and the library's own parser (checksums verified).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mos_api.h>

#include "pkt_parse.h"
#include "tap.h"

#define MAXF 256

struct cap {
	int n;
	uint8_t *data[MAXF];
	uint32_t len[MAXF];
};

static const char *scenario;
static char outpath[4096];
static mctx_t ctx;
static int lsock, rawsock;

/* what the callbacks saw */
static int rcv_synack, snd_synack;
static int seen_pkts;
static int win_before, win_after = -1, win_cached = -1;
static int chomp_rc = -1, insert_rc = -1, chomp_plen = -1, insert_plen = -1;
static int chomp_elen = -1;
static int send_rc[2] = { -1, -1 }, send_errno[2];
static int overwrite_rc = 0, overwrites;
static int nodata_errno, nodata_rc;

struct expect {
	const char *what;
	int rc, err;
};
static struct expect errs[64];
static int nerrs;

static void record(const char *what, int rc, int err)
{
	if (nerrs < 64)
		errs[nerrs++] = (struct expect){ what, rc, err };
}

static int load(const char *path, struct cap *c)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, eb);
	struct pcap_pkthdr *h;
	const u_char *d;

	if (!p) {
		fprintf(stderr, "%s: %s\n", path, eb);
		return -1;
	}
	c->n = 0;
	while (pcap_next_ex(p, &h, &d) == 1 && c->n < MAXF) {
		c->data[c->n] = malloc(h->caplen);
		memcpy(c->data[c->n], d, h->caplen);
		c->len[c->n++] = h->caplen;
	}
	pcap_close(p);
	return 0;
}

static void unload(struct cap *c)
{
	for (int i = 0; i < c->n; i++)
		free(c->data[i]);
	c->n = 0;
}

static uint8_t flags_of(const struct pkt_info *pi)
{
	return pi->tcph ? ((const uint8_t *)pi->tcph)[13] : 0;
}

/* ------------------------------------------------------------ callbacks */

static void cb_drop_synack(mctx_t m, int s, int side, event_t ev,
			   filter_arg_t *a)
{
	struct pkt_info pi;

	(void)side, (void)ev, (void)a;
	if (mtcp_getlastpkt(m, s, side, &pi) == 0 &&
	    (flags_of(&pi) & (MOS_TH_SYN | MOS_TH_ACK)) ==
		    (MOS_TH_SYN | MOS_TH_ACK)) {
		snd_synack++;
		if (mtcp_setlastpkt(m, s, side, 0, NULL, 0, MOS_DROP) < 0)
			snd_synack = -1000;
	}
}

static void cb_rcv_count(mctx_t m, int s, int side, event_t ev,
			 filter_arg_t *a)
{
	struct pkt_info pi;

	(void)ev, (void)a;
	seen_pkts++;
	if (mtcp_getlastpkt(m, s, side, &pi) == 0 &&
	    (flags_of(&pi) & (MOS_TH_SYN | MOS_TH_ACK)) ==
		    (MOS_TH_SYN | MOS_TH_ACK))
		rcv_synack++;
}

static const uint8_t new_src[4] = { 203, 0, 113, 77 };
static const uint16_t new_port = 5555;

static void cb_rewrite(mctx_t m, int s, int side, event_t ev,
		       filter_arg_t *a)
{
	uint16_t port = htons(new_port);
	int ip = MOS_IP_HDR | MOS_OVERWRITE;
	int tcp = MOS_TCP_HDR | MOS_OVERWRITE | MOS_UPDATE_IP_CHKSUM |
		  MOS_UPDATE_TCP_CHKSUM;
	struct pkt_info pi;

	(void)ev, (void)a;
	if (side != MOS_SIDE_CLI)
		return;
	if (mtcp_setlastpkt(m, s, 0, 12, (byte *)new_src, 4, ip) < 0 ||
	    mtcp_setlastpkt(m, s, 0, 0, (byte *)&port, 2, tcp) < 0) {
		overwrite_rc = -1;
		return;
	}
	overwrites++;
	/* the window of the 3rd client packet: cached value must follow */
	if (overwrites == 3 && mtcp_getlastpkt(m, s, side, &pi) == 0) {
		uint16_t w = htons(1234);

		win_before = pi.window;
		if (mtcp_setlastpkt(m, s, 0, 14, (byte *)&w, 2, tcp) == 0 &&
		    mtcp_getlastpkt(m, s, side, &pi) == 0) {
			win_cached = pi.window;
			win_after = ((uint8_t *)pi.tcph)[14] << 8 |
				    ((uint8_t *)pi.tcph)[15];
		}
	}
}

static int set_totlen(mctx_t m, int s, struct pkt_info *pi, int delta)
{
	uint16_t tl = htons((uint16_t)(pi->ip_len + delta));

	return mtcp_setlastpkt(m, s, 0, 2, (byte *)&tl, 2,
			       MOS_IP_HDR | MOS_OVERWRITE);
}

static const uint8_t ins[16] = "INSERTED-BYTES!!";

static void cb_resize(mctx_t m, int s, int side, event_t ev,
		      filter_arg_t *a)
{
	int cs = MOS_UPDATE_IP_CHKSUM | MOS_UPDATE_TCP_CHKSUM;
	struct pkt_info pi;

	(void)ev, (void)a;
	if (side != MOS_SIDE_CLI || mtcp_getlastpkt(m, s, side, &pi) < 0)
		return;
	if (pi.payloadlen == 300) {
		chomp_rc = set_totlen(m, s, &pi, -10) ||
			   mtcp_setlastpkt(m, s, 0, 5, NULL, 10,
					   MOS_TCP_PAYLOAD | MOS_CHOMP | cs);
		if (mtcp_getlastpkt(m, s, side, &pi) == 0) {
			chomp_plen = pi.payloadlen;
			chomp_elen = pi.eth_len;
		}
	} else if (pi.payloadlen == 1000) {
		insert_rc = set_totlen(m, s, &pi, 16) ||
			    mtcp_setlastpkt(m, s, 0, 0, (byte *)ins, 16,
					    MOS_TCP_PAYLOAD | MOS_INSERT | cs);
		if (mtcp_getlastpkt(m, s, side, &pi) == 0)
			insert_plen = pi.payloadlen;
	}
}

static void put32(uint8_t *b, uint32_t v)
{
	v = htonl(v);
	memcpy(b, &v, 4);
}

static void cb_send(mctx_t m, int s, int side, event_t ev, filter_arg_t *a)
{
	struct pkt_info pi;
	uint8_t *ip, *th, t[4];

	(void)ev, (void)a;
	if (side != MOS_SIDE_CLI || mtcp_getlastpkt(m, s, side, &pi) < 0 ||
	    pi.payloadlen != 300)
		return;
	ip = (uint8_t *)pi.iph;
	th = (uint8_t *)pi.tcph;
	/* towards the server: next sequence number of the client */
	th[13] = MOS_TH_RST | MOS_TH_ACK;
	put32(th + 4, pi.seq + pi.payloadlen);
	pi.payloadlen = 0;
	send_rc[0] = mtcp_sendpkt(m, s, &pi);
	send_errno[0] = errno;
	/* towards the client: addresses and ports swapped */
	memcpy(t, ip + 12, 4);
	memcpy(ip + 12, ip + 16, 4);
	memcpy(ip + 16, t, 4);
	memcpy(t, th, 2);
	memcpy(th, th + 2, 2);
	memcpy(th + 2, t, 2);
	put32(th + 4, pi.ack_seq);
	put32(th + 8, pi.seq + 300);
	th[13] = MOS_TH_RST;
	send_rc[1] = mtcp_sendpkt(m, s, &pi);
	send_errno[1] = errno;
}

#define TRY(what, call, want_err)                                         \
	do {                                                              \
		errno = 0;                                                \
		int rc_ = (call);                                         \
		record(what, rc_, errno);                                 \
		(void)(want_err);                                         \
	} while (0)

static int errs_done;

/* All the EINVAL paths, once, on the client's first payload packet. */
static void cb_errors(mctx_t m, int s, int side, event_t ev, filter_arg_t *a)
{
	int o = MOS_OVERWRITE;
	uint8_t b[8] = { 0 };
	struct pkt_info pi, bad;

	(void)ev, (void)a;
	if (errs_done || side != MOS_SIDE_CLI ||
	    mtcp_getlastpkt(m, s, side, &pi) < 0 || pi.payloadlen != 300)
		return;
	errs_done = 1;
	TRY("set: NULL context", mtcp_setlastpkt(NULL, s, 0, 0, b, 1,
						 o | MOS_TCP_PAYLOAD), EACCES);
	TRY("set: bogus context", mtcp_setlastpkt((mctx_t)b, s, 0, 0, b, 1,
						  o | MOS_TCP_PAYLOAD), EACCES);
	TRY("set: socket -1", mtcp_setlastpkt(m, -1, 0, 0, b, 1,
					      o | MOS_TCP_PAYLOAD), EBADF);
	TRY("set: socket unused", mtcp_setlastpkt(m, 4000, 0, 0, b, 1,
						  o | MOS_TCP_PAYLOAD), EBADF);
	TRY("set: negative offset", mtcp_setlastpkt(m, s, 0, -1, b, 1,
						    o | MOS_TCP_PAYLOAD), EINVAL);
	TRY("set: no action", mtcp_setlastpkt(m, s, 0, 0, b, 1,
					      MOS_TCP_PAYLOAD), EINVAL);
	TRY("set: two actions", mtcp_setlastpkt(m, s, 0, 0, b, 1,
						o | MOS_CHOMP | MOS_TCP_PAYLOAD),
	    EINVAL);
	TRY("set: DROP with another action",
	    mtcp_setlastpkt(m, s, 0, 0, b, 1, MOS_DROP | o), EINVAL);
	TRY("set: no region", mtcp_setlastpkt(m, s, 0, 0, b, 1, o), EINVAL);
	TRY("set: two regions", mtcp_setlastpkt(m, s, 0, 0, b, 1,
						o | MOS_IP_HDR | MOS_TCP_HDR),
	    EINVAL);
	TRY("set: unknown option bit",
	    mtcp_setlastpkt(m, s, 0, 0, b, 1, o | MOS_TCP_PAYLOAD | 1 << 12),
	    EINVAL);
	TRY("set: ETH overwrite past 14 bytes",
	    mtcp_setlastpkt(m, s, 0, 10, b, 5, o | MOS_ETH_HDR), EINVAL);
	TRY("set: IP overwrite past ihl*4",
	    mtcp_setlastpkt(m, s, 0, 18, b, 4, o | MOS_IP_HDR), EINVAL);
	TRY("set: TCP overwrite past doff*4",
	    mtcp_setlastpkt(m, s, 0, 19, b, 2, o | MOS_TCP_HDR), EINVAL);
	TRY("set: payload overwrite past its end",
	    mtcp_setlastpkt(m, s, 0, 299, b, 2, o | MOS_TCP_PAYLOAD), EINVAL);
	TRY("set: overwrite with NULL data",
	    mtcp_setlastpkt(m, s, 0, 0, NULL, 2, o | MOS_TCP_PAYLOAD), EINVAL);
	TRY("set: CHOMP on the Ethernet header",
	    mtcp_setlastpkt(m, s, 0, 0, NULL, 2, MOS_CHOMP | MOS_ETH_HDR),
	    EINVAL);
	TRY("set: INSERT on the Ethernet header",
	    mtcp_setlastpkt(m, s, 0, 0, b, 2, MOS_INSERT | MOS_ETH_HDR),
	    EINVAL);
	TRY("set: CHOMP without the total length rewritten",
	    mtcp_setlastpkt(m, s, 0, 0, NULL, 2, MOS_CHOMP | MOS_TCP_PAYLOAD),
	    EINVAL);
	TRY("set: CHOMP past the payload end",
	    mtcp_setlastpkt(m, s, 0, 295, NULL, 10,
			    MOS_CHOMP | MOS_TCP_PAYLOAD), EINVAL);
	TRY("set: INSERT offset past the region",
	    mtcp_setlastpkt(m, s, 0, 301, b, 1, MOS_INSERT | MOS_TCP_PAYLOAD),
	    EINVAL);
	{
		static uint8_t big[20000];

		/* total length agrees, but the frame has no room for it */
		set_totlen(m, s, &pi, (int)sizeof(big));
		TRY("set: INSERT beyond the frame's room",
		    mtcp_setlastpkt(m, s, 0, 0, big, sizeof(big),
				    MOS_INSERT | MOS_TCP_PAYLOAD), EINVAL);
		set_totlen(m, s, &pi, 0);
	}
	TRY("set: overwrite at the region's exact end",
	    mtcp_setlastpkt(m, s, 0, 20, b, 0, o | MOS_IP_HDR), 0);

	bad = pi;
	TRY("send: NULL context", mtcp_sendpkt(NULL, s, &pi), EACCES);
	TRY("send: NULL pkt", mtcp_sendpkt(m, s, NULL), EACCES);
	TRY("send: socket -1", mtcp_sendpkt(m, -1, &pi), EBADF);
	TRY("send: socket unused", mtcp_sendpkt(m, 4000, &pi), EBADF);
	TRY("send: listener socket", mtcp_sendpkt(m, lsock, &pi), ENOTSOCK);
	bad.iph = NULL;
	TRY("send: iph NULL", mtcp_sendpkt(m, s, &bad), ENODATA);
	bad = pi;
	bad.tcph = NULL;
	TRY("send: tcph NULL", mtcp_sendpkt(m, s, &bad), ENODATA);
	bad = pi;
	bad.payloadlen = 1461;
	TRY("send: payload 1461 bytes", mtcp_sendpkt(m, s, &bad), EINVAL);
	bad = pi;
	bad.in_ifidx = 9;
	TRY("send: in_ifidx not a port", mtcp_sendpkt(m, s, &bad), EINVAL);
}

static void cb_end(mctx_t m, int s, int side, event_t ev, filter_arg_t *a)
{
	uint8_t b = 0;
	struct pkt_info pi;

	(void)side, (void)ev, (void)a;
	if (nodata_rc)
		return;
	errno = 0;
	nodata_rc = mtcp_setlastpkt(m, s, 0, 0, &b, 1,
				    MOS_OVERWRITE | MOS_TCP_PAYLOAD);
	nodata_errno = errno;
	memset(&pi, 0, sizeof(pi));
	TRY("send: at CONN_END (no packet, iph NULL)",
	    mtcp_sendpkt(m, s, &pi), ENODATA);
}

/* Raw socket on a capture of IPv4 fragments: no TCP header there. */
static int raw_tcp_err = -1, raw_ip_rc = -1, raw_calls;

static void cb_raw(mctx_t m, int s, int side, event_t ev, filter_arg_t *a)
{
	uint8_t ttl = 9;
	struct pkt_info pi;

	(void)side, (void)ev, (void)a;
	if (mtcp_getlastpkt(m, s, MOS_SIDE_BOTH, &pi) < 0 || pi.tcph ||
	    raw_calls++)
		return;
	errno = 0;
	if (mtcp_setlastpkt(m, s, 0, 0, &ttl, 1,
			    MOS_OVERWRITE | MOS_TCP_HDR) < 0)
		raw_tcp_err = errno;
	if (mtcp_setlastpkt(m, s, 0, 0, &ttl, 1,
			    MOS_OVERWRITE | MOS_TCP_PAYLOAD) < 0 &&
	    errno != EINVAL)
		raw_tcp_err = -2;
	if (mtcp_setlastpkt(m, s, 0, 0, NULL, 0,
			    MOS_OVERWRITE | MOS_IP_HDR |
			    MOS_UPDATE_TCP_CHKSUM) == 0)
		raw_tcp_err = -3;
	raw_ip_rc = mtcp_setlastpkt(m, s, 0, 8, &ttl, 1,
				    MOS_OVERWRITE | MOS_IP_HDR |
				    MOS_UPDATE_IP_CHKSUM);
}

/* ------------------------------------------------------------- running */

static int write_conf(const char *path, const char *cap)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "mos = {\n  io = \"pcap\";\n  forward = true;\n"
		   "  max_concurrency = 64;\n  tcp_timeout = -1;\n"
		   "  ports = ( { name = \"cap\"; pcap_file = \"%s\";"
		   " pcap_out = \"%s\"; core_mask = 0x1; } );\n};\n",
		cap, outpath);
	return fclose(f);
}

static int reg(int sock, event_t ev, int hook, callback_t cb)
{
	if (mtcp_register_callback(ctx, sock, ev, hook, cb) < 0) {
		perror("mtcp_register_callback");
		return -1;
	}
	return 0;
}

static int setup(void)
{
	const char *sc = scenario;

	if (!strcmp(sc, "passthru-nosock"))
		return 0;
	lsock = mtcp_socket(ctx, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);
	if (lsock < 0)
		return -1;
	if (!strcmp(sc, "passthru"))
		return 0;
	if (!strcmp(sc, "drop"))
		return reg(lsock, MOS_ON_PKT_IN, MOS_HK_SND, cb_drop_synack) |
		       reg(lsock, MOS_ON_PKT_IN, MOS_HK_RCV, cb_rcv_count);
	if (!strcmp(sc, "rewrite"))
		return reg(lsock, MOS_ON_PKT_IN, MOS_HK_SND, cb_rewrite);
	if (!strcmp(sc, "resize"))
		return reg(lsock, MOS_ON_PKT_IN, MOS_HK_SND, cb_resize);
	if (!strcmp(sc, "send"))
		return reg(lsock, MOS_ON_PKT_IN, MOS_HK_SND, cb_send);
	if (!strcmp(sc, "errors"))
		return reg(lsock, MOS_ON_PKT_IN, MOS_HK_SND, cb_errors) |
		       reg(lsock, MOS_ON_CONN_END, MOS_HK_SND, cb_end);
	if (!strcmp(sc, "raw")) {
		rawsock = mtcp_socket(ctx, AF_INET, MOS_SOCK_MONITOR_RAW, 0);
		return rawsock < 0 ? -1 :
		       reg(rawsock, MOS_ON_PKT_IN, MOS_NULL, cb_raw);
	}
	fprintf(stderr, "unknown scenario %s\n", sc);
	return -1;
}

static bool same(const struct cap *in, int i, const struct cap *out, int j)
{
	return in->len[i] == out->len[j] &&
	       !memcmp(in->data[i], out->data[j], in->len[i]);
}

static bool all_same(const struct cap *in, const struct cap *out)
{
	if (in->n != out->n)
		return false;
	for (int i = 0; i < in->n; i++)
		if (!same(in, i, out, i))
			return false;
	return true;
}

/* Parsed with both checksums verified. */
static bool valid(const struct cap *c, int i, struct mos_pkt *p)
{
	return mos_pkt_parse(p, c->data[i], c->len[i], true) == MOS_PKT_TCP;
}

static void check_drop(const struct cap *in, const struct cap *out)
{
	int i, j = 0, missing = -1;
	bool order = true;

	ok(snd_synack == 1, "drop: the SYN/ACK reached MOS_HK_SND once (%d)",
	   snd_synack);
	ok(rcv_synack == 0, "drop: the receiving half never saw it (%d)",
	   rcv_synack);
	ok(out->n == in->n - 1, "drop: %d frames out of %d", out->n, in->n);
	for (i = 0; i < in->n; i++) {
		if (j < out->n && same(in, i, out, j)) {
			j++;
			continue;
		}
		if (missing >= 0)
			order = false;
		missing = i;
	}
	ok(order && missing == 1 && j == out->n,
	   "drop: exactly frame 2 (the SYN/ACK) missing, the rest unchanged");
}

static void check_rewrite(const struct cap *in, const struct cap *out)
{
	int i, bad = 0, rewritten = 0, untouched = 0;
	uint32_t cli;

	ok(overwrite_rc == 0, "rewrite: every mtcp_setlastpkt returned 0");
	ok(out->n == in->n, "rewrite: %d frames out of %d", out->n, in->n);
	ok(win_before == 64240 && win_cached == 1234 && win_after == 1234,
	   "rewrite: window overwrite refreshes getlastpkt (%d -> %d/%d)",
	   win_before, win_cached, win_after);
	if (out->n != in->n || in->n < 1)
		return;
	memcpy(&cli, in->data[0] + 26, 4);
	for (i = 0; i < out->n; i++) {
		struct mos_pkt p, q;

		if (!valid(out, i, &p) || !valid(in, i, &q)) {
			bad++;
			continue;
		}
		if (q.saddr.v4 == cli) {
			rewritten += !memcmp(&p.saddr.v4, new_src, 4) &&
				     p.sport == new_port &&
				     p.daddr.v4 == q.daddr.v4 &&
				     p.dport == q.dport &&
				     p.payload_len == q.payload_len &&
				     !memcmp(p.frame + p.payload_off,
					     q.frame + q.payload_off,
					     p.payload_len);
		} else {
			untouched += same(in, i, out, i);
		}
	}
	ok(bad == 0, "rewrite: every output frame parses with valid IP and "
		     "TCP checksums (%d bad)", bad);
	ok(rewritten == 10 && untouched == 10,
	   "rewrite: 10 client frames carry the new source, 10 server frames "
	   "unchanged (%d, %d)", rewritten, untouched);
}

static void check_resize(const struct cap *in, const struct cap *out)
{
	struct mos_pkt p, q;

	ok(chomp_rc == 0 && insert_rc == 0, "resize: CHOMP and INSERT "
	   "returned 0 (%d, %d)", chomp_rc, insert_rc);
	ok(chomp_plen == 290 && chomp_elen == 344,
	   "resize: getlastpkt after CHOMP: payload 290, frame 344 "
	   "(%d, %d)", chomp_plen, chomp_elen);
	ok(insert_plen == 1016, "resize: getlastpkt after INSERT: payload "
	   "1016 (%d)", insert_plen);
	ok(out->n == in->n, "resize: %d frames out of %d", out->n, in->n);
	if (out->n != in->n || in->n < 5)
		return;
	ok(valid(out, 3, &p) && valid(in, 3, &q) && out->len[3] == 344 &&
	   p.ip_len == 330 && p.payload_len == 290 &&
	   !memcmp(p.frame + p.payload_off, q.frame + q.payload_off, 5) &&
	   !memcmp(p.frame + p.payload_off + 5, q.frame + q.payload_off + 15,
		   285),
	   "resize: chomped frame: 344 bytes, total length 330, 10 bytes at "
	   "payload offset 5 gone, checksums valid");
	ok(valid(out, 4, &p) && valid(in, 4, &q) && out->len[4] == 1070 &&
	   p.ip_len == 1056 && p.payload_len == 1016 &&
	   !memcmp(p.frame + p.payload_off, ins, 16) &&
	   !memcmp(p.frame + p.payload_off + 16, q.frame + q.payload_off,
		   1000),
	   "resize: inserted frame: 1070 bytes, total length 1056, 16 bytes "
	   "first, checksums valid");
	for (int i = 0; i < in->n; i++)
		if (i != 3 && i != 4 && !same(in, i, out, i)) {
			ok(0, "resize: frame %d unchanged", i + 1);
			return;
		}
	ok(1, "resize: the other frames unchanged");
}

static void check_send(const struct cap *in, const struct cap *out)
{
	struct mos_pkt r[2], d;
	int i, j;

	ok(send_rc[0] == 0 && send_rc[1] == 0, "send: mtcp_sendpkt returned "
	   "0 twice (%d %s, %d %s)", send_rc[0], strerror(send_errno[0]),
	   send_rc[1], strerror(send_errno[1]));
	ok(out->n == in->n + 2, "send: %d frames out for %d in", out->n,
	   in->n);
	if (out->n != in->n + 2 || in->n < 4)
		return;
	/* injected frames leave before the packet whose callback sent them */
	for (i = 0, j = 0; i < out->n; i++) {
		if (i == 3 || i == 4)
			continue;
		if (!same(in, j++, out, i)) {
			ok(0, "send: forwarded frames unchanged (out %d)", i);
			return;
		}
	}
	ok(1, "send: forwarded frames unchanged, two extra frames");
	ok(valid(out, 3, &r[0]) && valid(out, 4, &r[1]) && valid(in, 3, &d),
	   "send: both injected frames parse with valid checksums");
	ok(r[0].flags == (MOS_TH_RST | MOS_TH_ACK) &&
	   r[0].saddr.v4 == d.saddr.v4 && r[0].daddr.v4 == d.daddr.v4 &&
	   r[0].sport == d.sport && r[0].dport == d.dport &&
	   r[0].seq == d.seq + 300 && r[0].payload_len == 0 &&
	   out->len[3] == 54,
	   "send: RST/ACK towards the server at the client's next sequence");
	ok(r[1].flags == MOS_TH_RST && r[1].saddr.v4 == d.daddr.v4 &&
	   r[1].daddr.v4 == d.saddr.v4 && r[1].sport == d.dport &&
	   r[1].dport == d.sport && r[1].seq == d.ack,
	   "send: RST towards the client at the server's next sequence");
	ok(!memcmp(out->data[3], in->data[3], 14),
	   "send: Ethernet header taken from the packet");
}

static void check_errors(const struct cap *in, const struct cap *out)
{
	static const int want[] = {
		EACCES, EACCES, EBADF, EBADF, EINVAL, EINVAL, EINVAL, EINVAL,
		EINVAL, EINVAL, EINVAL, EINVAL, EINVAL, EINVAL, EINVAL, EINVAL,
		EINVAL, EINVAL, EINVAL, EINVAL, EINVAL, EINVAL, 0,
		EACCES, EACCES, EBADF, EBADF, ENOTSOCK, ENODATA, ENODATA,
		EINVAL, EINVAL, ENODATA,
	};
	int i, n = (int)(sizeof(want) / sizeof(want[0]));

	ok(nerrs == n, "errors: %d calls checked (%d expected)", nerrs, n);
	for (i = 0; i < nerrs && i < n; i++) {
		if (want[i])
			ok(errs[i].rc == -1 && errs[i].err == want[i],
			   "%s: -1 %s (got %d %s)", errs[i].what,
			   strerror(want[i]), errs[i].rc,
			   strerror(errs[i].err));
		else
			ok(errs[i].rc == 0, "%s: 0 (got %d %s)", errs[i].what,
			   errs[i].rc, strerror(errs[i].err));
	}
	ok(nodata_rc == -1 && nodata_errno == ENODATA,
	   "set: at CONN_END (no packet): -1 ENODATA (%d %s)", nodata_rc,
	   strerror(nodata_errno));
	ok(all_same(in, out), "errors: failed calls changed no frame");
}

static void check_raw(const struct cap *in, const struct cap *out)
{
	struct mos_pkt p;
	int i, changed = -1;

	ok(raw_tcp_err == EINVAL, "raw: TCP regions and TCP checksum on a "
	   "fragment: EINVAL (%d)", raw_tcp_err);
	ok(raw_ip_rc == 0, "raw: IP header overwrite on a fragment: 0");
	ok(out->n == in->n, "raw: %d frames out of %d", out->n, in->n);
	for (i = 0; i < in->n && i < out->n; i++)
		if (!same(in, i, out, i)) {
			if (changed >= 0)
				changed = -2;
			else
				changed = i;
		}
	ok(changed >= 0 && out->data[changed][22] == 9 &&
	   (mos_pkt_parse(&p, out->data[changed], out->len[changed], false),
	    p.ipver == 4) &&
	   mos_csum_ipv4_hdr(out->data[changed] + 14, 20) ==
		   *(uint16_t *)(out->data[changed] + 24),
	   "raw: exactly one frame changed: TTL 9, IP checksum valid");
}

static void check(void)
{
	struct cap in, out;

	if (load(getenv("T_INLINE_CAP"), &in) < 0 || load(outpath, &out) < 0) {
		ok(0, "%s: read the captures", scenario);
		return;
	}
	if (!strncmp(scenario, "passthru", 8))
		ok(all_same(&in, &out), "%s: all %d frames out unchanged "
		   "(%d out)", scenario, in.n, out.n);
	else if (!strcmp(scenario, "drop"))
		check_drop(&in, &out);
	else if (!strcmp(scenario, "rewrite"))
		check_rewrite(&in, &out);
	else if (!strcmp(scenario, "resize"))
		check_resize(&in, &out);
	else if (!strcmp(scenario, "send"))
		check_send(&in, &out);
	else if (!strcmp(scenario, "errors"))
		check_errors(&in, &out);
	else if (!strcmp(scenario, "raw"))
		check_raw(&in, &out);
	unload(&in);
	unload(&out);
}

/* ------------------------------------------- checkers for the programs */

/* fwcheck IN OUT PORT NDROP: OUT is IN minus its pure SYNs to PORT. */
static int fwcheck(char **argv)
{
	struct cap in, out;
	int port = atoi(argv[4]), want = atoi(argv[5]), i, j = 0, gone = 0;
	bool rest = true;

	if (load(argv[2], &in) < 0 || load(argv[3], &out) < 0) {
		ok(0, "fwcheck: read the captures");
		return tap_done();
	}
	for (i = 0; i < in.n; i++) {
		struct mos_pkt p;
		bool syn = valid(&in, i, &p) && p.dport == port &&
			   (p.flags & (MOS_TH_SYN | MOS_TH_ACK)) == MOS_TH_SYN;

		if (syn) {
			gone++;
			if (j < out.n && same(&in, i, &out, j))
				rest = false;	/* a SYN went through */
			continue;
		}
		if (j < out.n && same(&in, i, &out, j))
			j++;
		else
			rest = false;
	}
	ok(gone == want, "fwcheck: %d SYNs to port %d in the input", gone,
	   port);
	ok(rest && j == out.n && out.n == in.n - want,
	   "fwcheck: output = input without them (%d of %d frames)", out.n,
	   in.n);
	unload(&in);
	unload(&out);
	return tap_done();
}

/* q was parsed before the destination changed: its daddr is read from the
 * frame, its saddr is unchanged. */
static void fix_csums(uint8_t *f, const struct mos_pkt *q)
{
	uint16_t v = mos_csum_ipv4_hdr(f + q->l3_off, 20);

	memcpy(f + q->l3_off + 10, &v, 2);
	v = mos_csum_tcp(q);
	memcpy(f + q->l4_off + 16, &v, 2);
}

/* natcap IN OUT NATIP PORT: IN with the server's frames addressed to
 * NATIP:PORT, as they arrive at a NAT box. */
static int natcap(char **argv)
{
	char eb[PCAP_ERRBUF_SIZE];
	struct in_addr nat;
	uint16_t port = htons((uint16_t)atoi(argv[5]));
	pcap_t *p = pcap_open_offline(argv[2], eb), *dead;
	pcap_dumper_t *d;
	struct pcap_pkthdr *h;
	const u_char *data;
	uint32_t cli = 0;
	int n = 0;

	if (!p || inet_pton(AF_INET, argv[4], &nat) != 1) {
		fprintf(stderr, "natcap: %s\n", p ? "bad address" : eb);
		return 1;
	}
	dead = pcap_open_dead(DLT_EN10MB, 65535);
	d = pcap_dump_open(dead, argv[3]);
	if (!d) {
		fprintf(stderr, "natcap: %s\n", pcap_geterr(dead));
		return 1;
	}
	while (pcap_next_ex(p, &h, &data) == 1) {
		uint8_t f[65536];
		struct mos_pkt q;

		memcpy(f, data, h->caplen);
		if (mos_pkt_parse(&q, f, h->caplen, false) == MOS_PKT_TCP) {
			if (!n++)
				cli = q.saddr.v4;
			if (q.saddr.v4 != cli) {
				memcpy(f + q.l3_off + 16, &nat.s_addr, 4);
				memcpy(f + q.l4_off + 2, &port, 2);
				fix_csums(f, &q);
			}
		}
		pcap_dump((u_char *)d, h, f);
	}
	pcap_dump_close(d);
	pcap_close(dead);
	pcap_close(p);
	return 0;
}

/* natcheck ORIG OUT NATIP PORT: client frames leave as NATIP:PORT, server
 * frames leave addressed to the client, as in ORIG; checksums valid. */
static int natcheck(char **argv)
{
	struct cap in, out;
	struct in_addr nat;
	int i, cli_ok = 0, svr_ok = 0, ncli = 0, nsvr = 0;
	uint16_t port = (uint16_t)atoi(argv[5]);
	uint32_t cli = 0;

	if (load(argv[2], &in) < 0 || load(argv[3], &out) < 0 ||
	    inet_pton(AF_INET, argv[4], &nat) != 1) {
		ok(0, "natcheck: read the captures");
		return tap_done();
	}
	ok(in.n == out.n && in.n > 0, "natcheck: %d frames out of %d", out.n,
	   in.n);
	for (i = 0; i < in.n && i < out.n; i++) {
		struct mos_pkt p, q;

		if (!valid(&in, i, &q) || !valid(&out, i, &p))
			continue;
		if (!i)
			cli = q.saddr.v4;
		if (q.saddr.v4 == cli) {
			ncli++;
			cli_ok += p.saddr.v4 == nat.s_addr && p.sport == port &&
				  p.daddr.v4 == q.daddr.v4 &&
				  p.dport == q.dport && p.seq == q.seq &&
				  p.payload_len == q.payload_len &&
				  out.len[i] == in.len[i];
		} else {
			nsvr++;
			svr_ok += same(&in, i, &out, i);
		}
	}
	ok(ncli > 0 && cli_ok == ncli, "natcheck: %d of %d client frames "
	   "leave from %s:%u with valid checksums", cli_ok, ncli, argv[4],
	   port);
	ok(nsvr > 0 && svr_ok == nsvr, "natcheck: %d of %d server frames "
	   "reach the client's own address and port, valid checksums",
	   svr_ok, nsvr);
	unload(&in);
	unload(&out);
	return tap_done();
}

int main(int argc, char **argv)
{
	char conf[4096];
	uint8_t b = 0;
	struct pkt_info pi;

	if (argc == 6 && !strcmp(argv[1], "fwcheck"))
		return fwcheck(argv);
	if (argc == 6 && !strcmp(argv[1], "natcap"))
		return natcap(argv);
	if (argc == 6 && !strcmp(argv[1], "natcheck"))
		return natcheck(argv);
	if (argc != 4) {
		fprintf(stderr, "usage: t_inline SCENARIO CAPTURE TMPDIR\n");
		return 2;
	}
	scenario = argv[1];
	setenv("T_INLINE_CAP", argv[2], 1);
	snprintf(conf, sizeof(conf), "%s/%s.conf", argv[3], scenario);
	snprintf(outpath, sizeof(outpath), "%s/%s.out.pcap", argv[3],
		 scenario);
	if (write_conf(conf, argv[2]) < 0 || mtcp_init(conf) < 0) {
		ok(0, "%s: mtcp_init", scenario);
		return tap_done();
	}
	ctx = mtcp_create_context(0);
	if (!ctx || setup() < 0) {
		ok(0, "%s: set up the context", scenario);
		mtcp_destroy();
		return tap_done();
	}
	if (!strcmp(scenario, "errors")) {
		memset(&pi, 0, sizeof(pi));
		errno = 0;
		ok(mtcp_setlastpkt(ctx, lsock, 0, 0, &b, 1, MOS_DROP) == -1 &&
		   errno == EPERM, "set: outside a callback: -1 EPERM");
		errno = 0;
		ok(mtcp_sendpkt(ctx, lsock, &pi) == -1 && errno == EPERM,
		   "send: outside a callback: -1 EPERM");
	}
	mtcp_app_join(ctx);
	mtcp_destroy_context(ctx);
	mtcp_destroy();
	check();
	return tap_done();
}
