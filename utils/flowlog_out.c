/*
 * flowlog_out.c -- see flowlog_out.h.
 *
 * A Zeek log needs its header before the first record and "#close" at
 * its end, so a file gets its header with its first record (or at close
 * when it got none), and a reopen closes the old file properly first.
 * The file is opened for appending: a restarted program adds to the log
 * it finds (a second header starts a new block, as Zeek's readers allow).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "flowlog_eve.h"
#include "flowlog_out.h"
#include "flowlog_zeek.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *out;
static const char *out_path;		/* NULL: stdout */
static enum flowlog_format format;
static bool headed;
static bool failed;
static volatile sig_atomic_t hup;

static FILE *open_file(void)
{
	int fd = open(out_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		      0640);
	FILE *f;

	if (fd < 0 || !(f = fdopen(fd, "a"))) {
		fprintf(stderr, "mos-flowlog: %s: %s\n", out_path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	return f;
}

int flowlog_out_open(const char *path, enum flowlog_format fmt)
{
	format = fmt;
	headed = false;
	failed = false;
	if (!path || strcmp(path, "-") == 0) {
		out_path = NULL;
		out = stdout;
		return 0;
	}
	out_path = path;
	out = open_file();
	return out ? 0 : -1;
}

void flowlog_out_hup(void)
{
	hup = 1;
}

/* with the lock held */
static int finish(uint64_t now_us)
{
	int rc = 0;

	if (format == FLOWLOG_ZEEK) {
		if (!headed && flowlog_zeek_header(out, now_us) < 0)
			rc = -1;
		if (flowlog_zeek_footer(out, now_us) < 0)
			rc = -1;
	}
	headed = false;
	if (fflush(out) == EOF || ferror(out))
		rc = -1;
	return rc;
}

static int reopen_locked(uint64_t now_us)
{
	FILE *f;

	hup = 0;
	if (!out_path || !out)
		return 0;	/* stdout is not reopened */
	if (finish(now_us) < 0)
		failed = true;
	f = open_file();
	if (!f)
		return -1;	/* keep writing where we were */
	fclose(out);
	out = f;
	return 0;
}

int flowlog_out_poll(uint64_t now_us)
{
	int rc = 0;

	if (!hup)
		return 0;
	pthread_mutex_lock(&lock);
	if (hup)
		rc = reopen_locked(now_us);
	pthread_mutex_unlock(&lock);
	return rc;
}

int flowlog_out_write(const struct flowlog_rec *r, uint64_t now_us)
{
	int rc;

	pthread_mutex_lock(&lock);
	if (hup)
		(void)reopen_locked(now_us);
	if (!out) {
		pthread_mutex_unlock(&lock);
		return -1;
	}
	if (format == FLOWLOG_ZEEK && !headed) {
		if (flowlog_zeek_header(out, now_us) < 0)
			failed = true;
		headed = true;
	}
	rc = format == FLOWLOG_ZEEK ? flowlog_zeek_record(out, r)
				    : flowlog_eve_record(out, r);
	/* a log read while it grows (tail -f, Filebeat) sees whole lines */
	if (rc < 0 || fflush(out) == EOF)
		failed = true;
	pthread_mutex_unlock(&lock);
	return failed ? -1 : 0;
}

int flowlog_out_close(uint64_t now_us)
{
	int rc;

	pthread_mutex_lock(&lock);
	if (!out) {
		pthread_mutex_unlock(&lock);
		return -1;
	}
	rc = finish(now_us);
	if (out != stdout && fclose(out) == EOF)
		rc = -1;
	out = NULL;
	pthread_mutex_unlock(&lock);
	return rc < 0 || failed ? -1 : 0;
}
