/*
 * setup_sys.c -- messages and the small sysfs/procfs file operations of
 * mos-setup.  Every path goes through setup_path() so that --root can point
 * the whole program at a fake tree; every write goes through setup_write()
 * so that --dry-run can print it instead.
 */
#include "mos_build.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "setup.h"

struct setup_opts setup_opt = { .root = "" };

int setup_fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("mos-setup: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

void setup_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

int setup_path(char *buf, size_t len, const char *fmt, ...)
{
	size_t rl = strlen(setup_opt.root);
	va_list ap;
	int n;

	if (rl >= len)
		return setup_fail("path too long under %s", setup_opt.root);
	memcpy(buf, setup_opt.root, rl);
	va_start(ap, fmt);
	n = vsnprintf(buf + rl, len - rl, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - rl)
		return setup_fail("path too long under '%s'", setup_opt.root);
	return 0;
}

bool setup_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* First line of a small file, trailing white space removed. */
int setup_read_line(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\t' ||
			 buf[n - 1] == '\0'))
		buf[--n] = '\0';
	return 0;
}

int setup_read_long(const char *path, long *val)
{
	char line[64], *end;

	if (setup_read_line(path, line, sizeof(line)) < 0)
		return setup_fail("cannot read %s: %s", path, strerror(errno));
	errno = 0;
	*val = strtol(line, &end, 10);
	if (errno || end == line || *end != '\0' || *val < 0)
		return setup_fail("%s holds '%s', not a count", path, line);
	return 0;
}

/*
 * Write VAL and a newline, as echo(1) would.  No O_CREAT: a sysfs attribute
 * that is missing is an error on the live system, and must be one in a fake
 * root too.
 */
int setup_write(const char *path, const char *val)
{
	size_t len = strlen(val) + 1;
	char buf[SETUP_LINE];
	ssize_t n;
	int fd;

	if (setup_opt.dry_run) {
		setup_note("would write '%s' to %s", val, path);
		return 0;
	}
	if (len >= sizeof(buf))
		return setup_fail("value too long for %s", path);
	snprintf(buf, sizeof(buf), "%s\n", val);
	if (setup_opt.verbose)
		setup_note("write '%s' to %s", val, path);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	n = write(fd, buf, len);
	if (n != (ssize_t)len) {
		int e = n < 0 ? errno : EIO;

		close(fd);
		errno = e;
		goto fail;
	}
	if (close(fd) < 0)
		goto fail;
	return 0;
fail:
	return setup_fail("cannot write '%s' to %s: %s%s", val, path,
			  strerror(errno),
			  errno == EACCES || errno == EPERM ? " (run as root)" :
			  "");
}

/* Last component of the target of symlink PATH (a driver, an IOMMU group). */
int setup_link_name(const char *path, char *buf, size_t len)
{
	char target[PATH_MAX];
	const char *base;
	ssize_t n;

	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	while (n > 1 && target[n - 1] == '/')
		target[--n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(buf, base);
	return 0;
}

/* mkdir -p; an existing directory is fine. */
int setup_mkdir_p(const char *path)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return setup_fail("path too long: %s", path);
	for (char *p = buf + 1;; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return setup_fail("cannot create %s: %s", buf,
					  strerror(errno));
		*p = c;
		if (!c)
			return 0;
	}
}
