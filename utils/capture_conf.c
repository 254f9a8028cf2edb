/*
 * capture_conf.c -- see capture_conf.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture_conf.h"

/* a libconfig string literal */
static void put_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

const char *mos_capture_config(const char *prog, const char *capture)
{
	static char path[PATH_MAX];
	const char *tmp = getenv("TMPDIR");
	char abs[PATH_MAX];
	FILE *f;
	int fd;

	if (!realpath(capture, abs)) {
		fprintf(stderr, "%s: %s: %s\n", prog, capture, strerror(errno));
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/mos-capture-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	fd = mkstemp(path);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	fprintf(f, "# written by %s -r\nmos = {\n  io = \"pcap\";\n"
		   "  forward = false;\n  mos_log = \"\";\n"
		   "  ports = ( { name = \"capture\"; core_mask = 0x1;\n"
		   "              pcap_file = ", prog);
	put_quoted(f, abs);
	fprintf(f, "; } );\n};\n");
	if (fclose(f) != 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		unlink(path);
		return NULL;
	}
	return path;
}
