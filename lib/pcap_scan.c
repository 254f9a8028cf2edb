/*
 * pcap_scan.c -- count a capture file's frames without reading them.
 *
 * A classic savefile (pcap-savefile(5)) is a 24-byte header, then per
 * frame a 16-byte record header (seconds, micro- or nanoseconds, captured
 * and original length) and the captured bytes.  Walking the record
 * headers of the mapped file touches one line per frame instead of
 * copying the whole file through stdio, which for a replayed capture
 * cost as much as the replay's own read.  Any other format (pcapng) is
 * counted through libpcap.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcap_scan.h"

#define FILE_HDR 24
#define REC_HDR 16
#define MAGIC_US 0xa1b2c3d4u
#define MAGIC_NS 0xa1b23c4du
/* libpcap refuses records longer than this as bogus */
#define MAX_CAPLEN 262144u

static uint32_t get32(const uint8_t *p, bool swap)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return swap ? __builtin_bswap32(v) : v;
}

/* The byte order and time unit of a classic savefile; false otherwise. */
static bool classic(const uint8_t *m, size_t n, bool *swap, uint32_t *div)
{
	uint32_t magic;

	if (n < FILE_HDR)
		return false;
	memcpy(&magic, m, sizeof(magic));
	*swap = magic == __builtin_bswap32(MAGIC_US) ||
		magic == __builtin_bswap32(MAGIC_NS);
	if (*swap)
		magic = __builtin_bswap32(magic);
	if (magic != MAGIC_US && magic != MAGIC_NS)
		return false;
	*div = magic == MAGIC_NS ? 1000u : 1u;
	return true;
}

/*
 * The file is mapped a window at a time, so that a big capture does not
 * show up whole in the process's resident size.  A window starts at the
 * page holding the next record and ends past it by WINDOW bytes (records
 * are at most MAX_CAPLEN long, far less).
 */
#define WINDOW ((size_t)16 << 20)

static void walk(int fd, size_t n, bool swap, uint32_t div,
		 struct mos_pcap_scan *s)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), at = FILE_HDR;
	size_t base = 0, len = 0;
	uint8_t *m = NULL;

	while (n - at >= REC_HDR) {
		uint32_t cap;

		if (!m || at + REC_HDR + MAX_CAPLEN > base + len) {
			if (m)
				munmap(m, len);
			base = at / page * page;
			len = n - base < WINDOW ? n - base : WINDOW;
			m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd,
				 (off_t)base);
			if (m == MAP_FAILED) {
				snprintf(s->err, sizeof(s->err), "mmap: %s",
					 strerror(errno));
				return;
			}
			madvise(m, len, MADV_SEQUENTIAL);
		}
		cap = get32(m + at - base + 8, swap);
		if (cap > MAX_CAPLEN || cap > n - at - REC_HDR) {
			snprintf(s->err, sizeof(s->err), "%s record at byte %zu",
				 cap > MAX_CAPLEN ? "bogus" : "truncated", at);
			break;
		}
		if (!s->frames)
			s->first_us = (uint64_t)get32(m + at - base, swap) *
				      1000000u +
				      get32(m + at - base + 4, swap) / div;
		if (cap > s->maxcap)
			s->maxcap = cap;
		s->frames++;
		at += REC_HDR + cap;
	}
	if (m)
		munmap(m, len);
	if (!s->err[0] && at != n)
		snprintf(s->err, sizeof(s->err),
			 "truncated record header at byte %zu", at);
}

/* Any format libpcap reads: every frame through pcap_next_ex. */
static int scan_libpcap(const char *path, struct mos_pcap_scan *s)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p = pcap_open_offline(path, s->err);
	int rc;

	if (!p)
		return -1;
	s->dlt = pcap_datalink(p);
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		if (!s->frames)
			s->first_us = (uint64_t)h->ts.tv_sec * 1000000u +
				      (uint64_t)h->ts.tv_usec;
		if (h->caplen > s->maxcap)
			s->maxcap = h->caplen;
		s->frames++;
	}
	if (rc == PCAP_ERROR)
		snprintf(s->err, sizeof(s->err), "%s", pcap_geterr(p));
	pcap_close(p);
	return 0;
}

int mos_pcap_scan(const char *path, struct mos_pcap_scan *s)
{
	uint8_t hdr[FILE_HDR];
	struct stat st;
	uint32_t div;
	bool swap;
	int fd;

	memset(s, 0, sizeof(*s));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(s->err, sizeof(s->err), "%s: %s", path,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (S_ISREG(st.st_mode) &&
	    pread(fd, hdr, sizeof(hdr), 0) == (ssize_t)sizeof(hdr) &&
	    classic(hdr, sizeof(hdr), &swap, &div)) {
		/* the upper bits of the link type carry FCS information */
		s->dlt = (int)(get32(hdr + 20, swap) & 0x0fffffffu);
		walk(fd, (size_t)st.st_size, swap, div, s);
		close(fd);
		return 0;
	}
	close(fd);
	return scan_libpcap(path, s);
}
