/*
 * t_pcap_scan.c -- counting a capture file's frames (lib/pcap_scan.c)
 * agrees with libpcap's pcap_next_ex on every file it is given.
 *
 *   t_pcap_scan [CAPTURE...]
 *
 * Writes its own files with libpcap (micro- and nanosecond stamps, frames
 * of many sizes, one past the scanner's mapping window), then copies cut
 * short at every kind of place and one in the other byte order; each
 * CAPTURE named on the command line is checked too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcap_scan.h"
#include "tap.h"

struct count {
	uint64_t frames, first_us;
	uint32_t maxcap;
	int dlt;
};

static int by_libpcap(const char *path, struct count *c)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, err);
	struct pcap_pkthdr *h;
	const u_char *d;

	memset(c, 0, sizeof(*c));
	if (!p)
		return -1;
	c->dlt = pcap_datalink(p);
	while (pcap_next_ex(p, &h, &d) == 1) {
		if (!c->frames)
			c->first_us = (uint64_t)h->ts.tv_sec * 1000000u +
				      (uint64_t)h->ts.tv_usec;
		if (h->caplen > c->maxcap)
			c->maxcap = h->caplen;
		c->frames++;
	}
	pcap_close(p);
	return 0;
}

static void agree(const char *what, const char *path)
{
	struct mos_pcap_scan s;
	struct count c;
	int rc = mos_pcap_scan(path, &s);

	if (by_libpcap(path, &c) < 0) {
		ok(rc < 0 && s.err[0], "%s: unreadable for both", what);
		return;
	}
	ok(rc == 0 && s.frames == c.frames && s.first_us == c.first_us &&
	   s.maxcap == c.maxcap && s.dlt == c.dlt,
	   "%s: %llu frames, first at %llu us, largest %u (libpcap: %llu, "
	   "%llu, %u)%s%s", what, (unsigned long long)s.frames,
	   (unsigned long long)s.first_us, s.maxcap,
	   (unsigned long long)c.frames, (unsigned long long)c.first_us,
	   c.maxcap, s.err[0] ? "; " : "", s.err);
}

static char *tmp_path(const char *tag)
{
	const char *dir = getenv("TMPDIR");
	char *p = NULL;

	if (asprintf(&p, "%s/scan-%s-%ld.pcap", dir && *dir ? dir : "/tmp",
		     tag, (long)getpid()) < 0)
		return NULL;
	return p;
}

/* n frames of growing sizes; precision PCAP_TSTAMP_PRECISION_*. */
static int write_file(const char *path, int n, int precision)
{
	pcap_t *dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535,
							    precision);
	pcap_dumper_t *d = dead ? pcap_dump_open(dead, path) : NULL;
	static u_char frame[9000];
	int i;

	if (!d) {
		if (dead)
			pcap_close(dead);
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct pcap_pkthdr h = { 0 };

		h.ts.tv_sec = 1700000000 + i;
		h.ts.tv_usec = precision == PCAP_TSTAMP_PRECISION_NANO
				       ? 123456789 : 654321;
		h.caplen = h.len = (bpf_u_int32)(60 + (i * 37) % 8900);
		frame[i % sizeof(frame)] = (u_char)i;
		pcap_dump((u_char *)d, &h, frame);
	}
	pcap_dump_close(d);
	pcap_close(dead);
	return 0;
}

static long file_size(const char *path)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fclose(f);
	return n;
}

/* magic, two 2-byte versions, then four 4-byte fields */
static void swap_file_header(unsigned char *b)
{
	uint32_t w[6];
	uint16_t v[2];
	int k;

	memcpy(w, b, sizeof(w));
	memcpy(v, b + 4, sizeof(v));
	for (k = 0; k < 6; k++)
		w[k] = __builtin_bswap32(w[k]);
	v[0] = __builtin_bswap16(v[0]);
	v[1] = __builtin_bswap16(v[1]);
	memcpy(b, w, sizeof(w));
	memcpy(b + 4, v, sizeof(v));
}

/* A copy of the first `len` bytes of src, its words swapped if asked:
 * the 4-byte fields of the file header and of each record header. */
static int copy_file(const char *src, const char *dst, long len, bool swap)
{
	FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
	unsigned char *b = malloc(len > 0 ? (size_t)len : 1);
	long at;
	int rc = -1;

	if (in && out && b && fread(b, 1, (size_t)len, in) == (size_t)len) {
		if (swap && len >= 24)
			swap_file_header(b);
		for (at = 24; swap && at + 16 <= len;) {
			uint32_t w[4], cap;
			int k;

			memcpy(w, b + at, sizeof(w));
			cap = w[2];
			for (k = 0; k < 4; k++)
				w[k] = __builtin_bswap32(w[k]);
			memcpy(b + at, w, sizeof(w));
			at += 16 + cap;
		}
		rc = fwrite(b, 1, (size_t)len, out) == (size_t)len ? 0 : -1;
	}
	if (in)
		fclose(in);
	if (out && fclose(out) != 0)
		rc = -1;
	free(b);
	return rc;
}

int main(int argc, char **argv)
{
	char *us = tmp_path("us"), *ns = tmp_path("ns"), *cut = tmp_path("cut");
	char *big = tmp_path("big");
	long size, at;
	int i;

	if (!ok(us && ns && cut && big &&
		write_file(us, 500, PCAP_TSTAMP_PRECISION_MICRO) == 0 &&
		write_file(ns, 500, PCAP_TSTAMP_PRECISION_NANO) == 0 &&
		write_file(big, 5000, PCAP_TSTAMP_PRECISION_MICRO) == 0,
		"captures written"))
		return tap_done();
	agree("microseconds", us);
	agree("nanoseconds", ns);
	agree("22 MB, past one mapping window", big);
	size = file_size(us);
	/* cut inside the file header, at a record header's start, inside
	 * one, inside a frame, and one byte short of the end */
	{
		long cuts[] = { 10, 24, 24 + 16 + 60, 24 + 16 + 60 + 7,
				24 + 16 + 60 + 16 + 50, size - 1 };

		for (i = 0; i < (int)(sizeof(cuts) / sizeof(cuts[0])); i++) {
			char what[64];

			at = cuts[i];
			snprintf(what, sizeof(what), "cut at byte %ld", at);
			if (copy_file(us, cut, at, false) == 0)
				agree(what, cut);
			else
				ok(0, "%s: copy", what);
		}
	}
	if (copy_file(us, cut, size, true) == 0)
		agree("other byte order", cut);
	else
		ok(0, "other byte order: copy");
	{
		struct mos_pcap_scan s;

		ok(mos_pcap_scan("/nonexistent/x.pcap", &s) == -1 &&
		   strstr(s.err, "No such file"), "missing file: %s", s.err);
	}
	for (i = 1; i < argc; i++)
		agree(argv[i], argv[i]);
	unlink(us);
	unlink(ns);
	unlink(cut);
	unlink(big);
	free(us);
	free(ns);
	free(cut);
	free(big);
	return tap_done();
}
