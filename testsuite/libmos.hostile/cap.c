/*
 * cap.c -- crafted captures and one run through the API (cap.h).
 *
 * Frames are written with stdio in the classic pcap format (pcap-savefile
 * (5): a 24-byte file header, then per frame a 16-byte record header in
 * host byte order), so that a frame of any size or stamp can be made.
 */
#define _GNU_SOURCE
#include "cap.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void cap_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void cap_put32(uint8_t *p, uint32_t v)
{
	cap_put16(p, (uint16_t)(v >> 16));
	cap_put16(p + 2, (uint16_t)v);
}

uint8_t cap_pat(int dir, uint64_t off)
{
	return (uint8_t)((off * 131u + (off >> 9) * 7u) ^ (dir ? 0x3cu : 0u));
}

int cap_open(struct cap *c, const char *path, bool v6)
{
	/* magic, version 2.4, zone, sigfigs, snaplen, LINKTYPE_ETHERNET */
	uint32_t h[6] = { 0xa1b2c3d4u, 0x00040002u, 0, 0, 262144, 1 };

	memset(c, 0, sizeof(*c));
	c->f = fopen(path, "w");
	if (!c->f) {
		perror(path);
		return -1;
	}
	c->v6 = v6;
	c->t_us = 1700000000000000ull;
	fwrite(h, sizeof(h), 1, c->f);
	return 0;
}

int cap_close(struct cap *c)
{
	return fclose(c->f) == 0 ? 0 : -1;
}

void cap_raw(struct cap *c, const uint8_t *frame, uint32_t len)
{
	uint32_t h[4] = { (uint32_t)(c->t_us / 1000000u),
			  (uint32_t)(c->t_us % 1000000u), len, len };

	fwrite(h, sizeof(h), 1, c->f);
	fwrite(frame, 1, len, c->f);
}

/* RFC 1071 sum of n bytes, added to s. */
static uint32_t sum16(uint32_t s, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void addrs(const struct cap *c, int dir, uint8_t *src, uint8_t *dst)
{
	int n = c->v6 ? 16 : 4, i;
	uint8_t a[2][16] = { { 0 } };

	for (i = 0; i < 2; i++) {
		if (c->v6) {
			a[i][0] = 0x20, a[i][1] = 0x01, a[i][2] = 0x0d;
			a[i][3] = 0xb8, a[i][15] = (uint8_t)(i + 1);
		} else {
			a[i][0] = 192, a[i][1] = 0, a[i][2] = 2;
			a[i][3] = (uint8_t)(10 + i);
		}
	}
	memcpy(src, a[dir], (size_t)n);
	memcpy(dst, a[!dir], (size_t)n);
}

uint32_t cap_frame(struct cap *c, const struct seg *s, uint8_t *f,
		   uint32_t room)
{
	size_t l3 = c->v6 ? 40 : 20, doff = 20 + (s->olen + 3) / 4 * 4;
	uint32_t tcplen = (uint32_t)doff + s->len, total = 14 + (uint32_t)l3 + tcplen;
	uint8_t *ip = f + 14, *th = ip + l3, src[16], dst[16];
	uint32_t ps;

	if (total > room || doff > 60 ||
	    (!c->v6 && 20 + tcplen > 65535) || (c->v6 && tcplen > 65535))
		return 0;
	memset(f, 0, 14 + l3 + doff);
	memcpy(f, s->dir ? "\x02\0\0\0\0\x01\x02\0\0\0\0\x02"
			 : "\x02\0\0\0\0\x02\x02\0\0\0\0\x01", 12);
	cap_put16(f + 12, c->v6 ? 0x86dd : 0x0800);
	addrs(c, s->dir, src, dst);
	if (c->v6) {
		ip[0] = 0x60;
		cap_put16(ip + 4, (uint16_t)tcplen);
		ip[6] = 6;
		ip[7] = 64;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
	} else {
		ip[0] = 0x45;
		cap_put16(ip + 2, (uint16_t)(20 + tcplen));
		cap_put16(ip + 4, c->ip_id++);
		ip[6] = 0x40;
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		cap_put16(ip + 10, fold(sum16(0, ip, 20)));
	}
	cap_put16(th, s->dir ? s->sport : s->cport);
	cap_put16(th + 2, s->dir ? s->cport : s->sport);
	cap_put32(th + 4, s->seq);
	cap_put32(th + 8, s->ack);
	th[12] = (uint8_t)(doff / 4 << 4);
	th[13] = s->flags;
	cap_put16(th + 14, s->win);
	if (s->olen)
		memcpy(th + 20, s->opts, s->olen);
	if (s->len)
		memcpy(th + doff, s->data, s->len);
	/* pseudo-header: RFC 793 3.1, RFC 8200 8.1 */
	ps = sum16(6 + tcplen, src, c->v6 ? 16 : 4);
	ps = sum16(ps, dst, c->v6 ? 16 : 4);
	cap_put16(th + 16, fold(sum16(ps, th, tcplen)));
	return total;
}

void cap_seg(struct cap *c, const struct seg *s)
{
	static uint8_t f[14 + 40 + 60 + 65536];
	uint32_t n = cap_frame(c, s, f, sizeof(f));

	if (n)
		cap_raw(c, f, n);
}

void cap_frags(struct cap *c, const struct seg *s, uint32_t step,
	       unsigned max)
{
	static uint8_t f[14 + 40 + 60 + 65536], g[14 + 20 + 65536];
	uint32_t n = cap_frame(c, s, f, sizeof(f)), off;
	uint8_t *ip = g + 14;
	unsigned k = 0;

	if (!n || c->v6)
		return;
	for (off = 0; off < n - 34 && (!max || k < max); off += step, k++) {
		uint32_t len = n - 34 - off < step ? n - 34 - off : step;
		bool more = off + len < n - 34;

		memcpy(g, f, 34);
		memcpy(g + 34, f + 34 + off, len);
		cap_put16(ip + 2, (uint16_t)(20 + len));
		cap_put16(ip + 6, (uint16_t)((more ? 0x2000 : 0) | off / 8));
		ip[10] = ip[11] = 0;
		cap_put16(ip + 10, fold(sum16(0, ip, 20)));
		cap_raw(c, g, 34 + len);
	}
}

const char *cap_tmp(const char *name)
{
	static char buf[PATH_MAX];
	const char *t = getenv("TMPDIR");

	snprintf(buf, sizeof(buf), "%s/%s", t && *t ? t : "/tmp", name);
	return buf;
}

char *cap_conf(const char *capture, const char *extra)
{
	char cappath[PATH_MAX], *path = NULL;
	FILE *f;

	/* capture may be cap_tmp's buffer, which cap_tmp("") reuses */
	snprintf(cappath, sizeof(cappath), "%s", capture);
	if (asprintf(&path, "%s.conf", cappath) < 0)
		return NULL;
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		free(path);
		return NULL;
	}
	/* the context's counters go to $TMPDIR/log_0 (cap_stat) */
	fprintf(f, "mos = {\n  io = \"pcap\";\n  forward = false;\n"
		   "  mos_log = \"%s\";\n  %s\n"
		   "  ports = ( { name = \"capture\"; core_mask = 0x1;\n"
		   "              pcap_file = \"%s\"; } );\n};\n",
		cap_tmp(""), extra ? extra : "", cappath);
	if (fclose(f) != 0) {
		free(path);
		return NULL;
	}
	return path;
}

int cap_run(const char *conf, int (*setup)(mctx_t mctx))
{
	mctx_t m;
	int rc = 0;

	if (mtcp_init(conf) < 0) {
		perror("mtcp_init");
		return -1;
	}
	m = mtcp_create_context(0);
	if (!m) {
		perror("mtcp_create_context");
		mtcp_destroy();
		return -1;
	}
	if (setup(m) < 0) {
		perror("setup");
		rc = -1;
	}
	mtcp_app_join(m);
	if (mtcp_destroy_context(m) < 0 || mtcp_destroy() < 0) {
		perror("teardown");
		rc = -1;
	}
	return rc;
}

long long cap_stat(const char *key)
{
	FILE *f = fopen(cap_tmp("log_0"), "r");
	char line[512], *at;
	long long v = -1;

	if (!f)
		return -1;
	while (v < 0 && fgets(line, sizeof(line), f))
		if ((at = strstr(line, key)) &&
		    (at == line || at[-1] == ' ' || at[-1] == '('))
			v = strtoll(at + strlen(key), NULL, 10);
	fclose(f);
	return v;
}
