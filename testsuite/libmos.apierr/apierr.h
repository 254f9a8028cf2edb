/*
 * apierr.h -- helpers shared by the libmos.apierr programs: a pcap
 * configuration for one capture, and a check that a call failed with the
 * errno the call's man page names.
 */
#ifndef APIERR_H
#define APIERR_H

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

/* Write a pcap configuration for `capture` (as utils/mos-flowdump does);
 * burst > 0 sets the receive burst.  Returns the path or NULL. */
static inline const char *apierr_write_conf(const char *capture, int burst)
{
	static char path[PATH_MAX];
	const char *tmp = getenv("TMPDIR");
	char abs[PATH_MAX];
	FILE *f;
	int fd;

	if (!realpath(capture, abs)) {
		fprintf(stderr, "%s: %s\n", capture, strerror(errno));
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/apierr-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(path);
		return NULL;
	}
	fprintf(f, "mos = {\n  io = \"pcap\";\n  forward = false;\n"
		   "  mos_log = \"\";\n");
	if (burst > 0)
		fprintf(f, "  burst = %d;\n", burst);
	fprintf(f, "  ports = ( { name = \"capture\"; core_mask = 0x1;\n"
		   "              pcap_file = \"%s\"; } );\n};\n", abs);
	if (fclose(f) != 0) {
		unlink(path);
		return NULL;
	}
	return path;
}

static inline const char *apierr_ename(int e)
{
	const char *n = e ? strerrorname_np(e) : "0";

	return n ? n : "?";
}

__attribute__((format(printf, 5, 6), unused))
static int apierr_expect(long got, long want, int err, int werr,
			 const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (got == want && err == werr)
		return ok(1, "%s -> %ld %s", what, want, apierr_ename(werr));
	return ok(0, "%s -> %ld %s (got %ld %s)", what, want,
		  apierr_ename(werr), got, apierr_ename(err));
}

/* EXPECT(call, return value wanted, errno wanted, description...):
 * errno is cleared before the call, so werr 0 also checks that a success
 * leaves errno alone. */
#define EXPECT(call, want, werr, ...)                                        \
	do {                                                                 \
		long r_;                                                     \
		int e_;                                                      \
		errno = 0;                                                   \
		r_ = (long)(call);                                           \
		e_ = errno;                                                  \
		apierr_expect(r_, (long)(want), e_, (werr), __VA_ARGS__);    \
	} while (0)

/* For calls returning a pointer: NULL wanted with errno werr. */
#define EXPECT_NULL(call, werr, ...)                                         \
	do {                                                                 \
		const void *p_;                                              \
		int e_;                                                      \
		errno = 0;                                                   \
		p_ = (const void *)(call);                                   \
		e_ = errno;                                                  \
		apierr_expect(p_ != NULL, 0, e_, (werr), __VA_ARGS__);       \
	} while (0)

#endif
