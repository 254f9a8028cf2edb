/*
 * t_startup: failures of mtcp_init found only while starting: I/O that
 * cannot open (capture files, interfaces, DPDK devices the EAL refuses,
 * PCI addresses with nothing behind them, too little memory) and core
 * masks naming cores this process cannot run on.  Each must be one line
 * "mos: FILE:LINE: SETTING: PROBLEM", as the configuration errors are.
 *
 * Usage: t_startup DIR [PROGRAM]
 *
 * Each DIR/start-*.conf says what it expects, as the bad-*.conf files do:
 * "# expect: TEXT" is the message after "mos: FILE:LINE: " ('*' in TEXT
 * stands for any text: DPDK's and libpcap's own words), the line with the
 * marker "<-- error" is LINE, "# errno: NAME" the errno of mtcp_init.
 * "# requires: root|two-cores|cores-below-64|no-hugepages" (one or more
 * such lines) skips a case the machine cannot run; "# affinity: N" runs
 * it bound to CPU N.  "@PREFIX@" in a file becomes a DPDK file prefix of
 * this process, so that runs side by side do not meet.  Every case runs in a child process (the EAL starts once per
 * process), in a temporary directory holding an empty in.pcap and a file
 * notcap.txt.  With PROGRAM (mos-flowdump), one case is also run through
 * it: exit status non-zero, the same single line.
 */
#define _GNU_SOURCE
#include <mos_api.h>
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tap.h"

#define TEXT_MAX 8192

struct expect {
	char text[512];		/* after "mos: FILE:LINE: " */
	int line;
	int err;
	int affinity;		/* -1: as inherited */
	char requires[64];
};

static char workdir[] = "/tmp/t_startup_XXXXXX";
static char prefix[64];

static const struct { const char *name; int err; } errnames[] = {
	{ "EINVAL", EINVAL }, { "ENOENT", ENOENT }, { "ENODEV", ENODEV },
	{ "ENOMEM", ENOMEM }, { "EACCES", EACCES }, { "ENOTSUP", ENOTSUP },
};

static int errno_of(const char *name)
{
	for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (strcmp(errnames[i].name, name) == 0)
			return errnames[i].err;
	return -1;
}

/* TEXT matches PAT, where '*' stands for any run of characters. */
static bool glob_match(const char *text, const char *pat)
{
	if (*pat == '\0')
		return *text == '\0';
	if (*pat == '*') {
		for (const char *t = text;; t++) {
			if (glob_match(t, pat + 1))
				return true;
			if (!*t)
				return false;
		}
	}
	return *text == *pat && glob_match(text + 1, pat + 1);
}

static void chomp(char *s)
{
	s[strcspn(s, "\n")] = '\0';
}

static int read_expect(const char *path, struct expect *e)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int n = 0;

	memset(e, 0, sizeof(*e));
	e->err = -1;
	e->affinity = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		n++;
		chomp(line);
		if (!strncmp(line, "# expect: ", 10))
			snprintf(e->text, sizeof(e->text), "%s", line + 10);
		else if (!strncmp(line, "# errno: ", 9))
			e->err = errno_of(line + 9);
		else if (!strncmp(line, "# requires: ", 12))
			snprintf(e->requires + strlen(e->requires),
				 sizeof(e->requires) - strlen(e->requires),
				 "%.30s ", line + 12);
		else if (!strncmp(line, "# affinity: ", 12))
			e->affinity = atoi(line + 12);
		if (strstr(line, "<-- error") && !e->line)
			e->line = n;
	}
	fclose(f);
	return e->text[0] && e->line && e->err > 0 ? 0 : -1;
}

/* Hugepages reserved on this machine (HugePages_Total of meminfo). */
static long hugepages(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	long n = 0;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "HugePages_Total: %ld", &n) == 1)
			break;
	if (f)
		fclose(f);
	return n;
}

/* Why this machine cannot run a case needing REQ (one word), or NULL. */
static const char *unmet_one(const char *req)
{
	cpu_set_t set;

	if (!strcmp(req, "root") && geteuid() != 0)
		return "DPDK without hugepages needs root";
	if (!strcmp(req, "two-cores") &&
	    (sched_getaffinity(0, sizeof(set), &set) < 0 ||
	     !CPU_ISSET(0, &set) || !CPU_ISSET(1, &set)))
		return "needs CPUs 0 and 1";
	if (!strcmp(req, "cores-below-64") &&
	    sysconf(_SC_NPROCESSORS_CONF) > 63)
		return "this machine has a core 63";
	if (!strcmp(req, "no-hugepages") && hugepages() > 0)
		return "this machine has hugepages reserved";
	return NULL;
}

/* The same for every word of REQS. */
static const char *unmet(const char *reqs)
{
	char copy[sizeof(((struct expect *)0)->requires)], *save, *w;

	snprintf(copy, sizeof(copy), "%s", reqs);
	for (w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
		if (unmet_one(w))
			return unmet_one(w);
	return NULL;
}

/* SRC with @PREFIX@ replaced, written to DST (same lines). */
static int copy_conf(const char *src, const char *dst)
{
	FILE *in = fopen(src, "r"), *out = fopen(dst, "w");
	char line[1024];

	if (!in || !out) {
		if (in)
			fclose(in);
		if (out)
			fclose(out);
		return -1;
	}
	while (fgets(line, sizeof(line), in)) {
		char *at = strstr(line, "@PREFIX@");

		if (at) {
			*at = '\0';
			fprintf(out, "%s%s%s", line, prefix, at + 8);
		} else {
			fputs(line, out);
		}
	}
	fclose(in);
	return fclose(out);
}

/* DPDK's runtime directory of PREFIX, left behind by each child. */
static void remove_runtime_dir(void)
{
	char dir[512], path[1024];
	struct dirent *d;
	DIR *dp;

	snprintf(dir, sizeof(dir), "/var/run/dpdk/%s", prefix);
	dp = opendir(dir);
	if (!dp)
		return;
	while ((d = readdir(dp)))
		if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..")) {
			snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
			unlink(path);
		}
	closedir(dp);
	rmdir(dir);
}

/*
 * Run mtcp_init(PATH) in a child with stderr caught in TEXT; returns the
 * child's errno (0: mtcp_init succeeded), or -1 if the child died.
 */
static int run_child(const char *path, int affinity, char *text, size_t len)
{
	FILE *tmp = tmpfile();
	int status;
	pid_t pid;
	size_t n;

	if (!tmp)
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		int rc;

		dup2(fileno(tmp), 2);
		dup2(fileno(tmp), 1);
		if (affinity >= 0) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(affinity, &set);
			sched_setaffinity(0, sizeof(set), &set);
		}
		errno = 0;
		rc = mtcp_init(path);
		fflush(stderr);
		_exit(rc == 0 ? 0 : (errno > 0 && errno < 255 ? errno : 255));
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		fclose(tmp);
		return -1;
	}
	rewind(tmp);
	n = fread(text, 1, len - 1, tmp);
	text[n] = '\0';
	fclose(tmp);
	remove_runtime_dir();
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* "mos: PATH:LINE: TEXT\n" against the pattern of E. */
static bool message_ok(const char *got, const char *path,
		       const struct expect *e)
{
	char want[1600];

	snprintf(want, sizeof(want), "mos: %s:%d: %s\n", path, e->line,
		 e->text);
	return glob_match(got, want);
}

static void test_case(const char *src)
{
	const char *name = strrchr(src, '/') ? strrchr(src, '/') + 1 : src;
	char path[1024], text[TEXT_MAX];
	const char *why;
	struct expect e;
	int err;

	if (!ok(read_expect(src, &e) == 0, "%s: has expect, errno and an "
		"error marker", name))
		return;
	why = e.requires[0] ? unmet(e.requires) : NULL;
	if (why) {
		printf("skip - %s: %s\n", name, why);
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", workdir, name);
	if (!ok(copy_conf(src, path) == 0, "%s: copied", name))
		return;
	err = run_child(path, e.affinity, text, sizeof(text));
	ok(err == e.err, "%s: mtcp_init fails with %s (child said %d)", name,
	   strerror(e.err), err);
	ok(count_lines(text) == 1, "%s: exactly one line on stderr (%d)",
	   name, count_lines(text));
	if (!ok(message_ok(text, path, &e), "%s: message names file, line "
		"and setting", name))
		printf("# got:  %s# want: mos: %s:%d: %s\n", text, path,
		       e.line, e.text);
	unlink(path);
}

/* PROGRAM -f CASE: non-zero exit, the same one line, nothing else. */
static void test_program(const char *dir, const char *prog)
{
	char src[1024], path[1024], cmd[4096], text[TEXT_MAX];
	struct expect e;
	FILE *p;
	size_t n;
	int status;

	snprintf(src, sizeof(src), "%s/start-pcap-missing.conf", dir);
	snprintf(path, sizeof(path), "%s/start-pcap-missing.conf", workdir);
	if (read_expect(src, &e) || copy_conf(src, path))
		return;
	snprintf(cmd, sizeof(cmd), "'%s' -f '%s' -o '%s/out' 2>&1", prog,
		 path, workdir);
	p = popen(cmd, "r");
	if (!p)
		return;
	n = fread(text, 1, sizeof(text) - 1, p);
	text[n] = '\0';
	status = pclose(p);
	ok(WIFEXITED(status) && WEXITSTATUS(status) != 0,
	   "%s: exits non-zero on a start-up failure (status %d)", prog,
	   status);
	if (!ok(count_lines(text) == 1 && message_ok(text, path, &e),
		"%s: prints the one line, nothing twice", prog))
		printf("# got: %s", text);
	unlink(path);
}

static int make_workdir(void)
{
	static const unsigned char header[24] = {
		0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff, 0, 0, 1, 0, 0, 0	/* snaplen 65535, Ethernet */
	};
	FILE *f;

	if (!mkdtemp(workdir) || chdir(workdir) != 0)
		return -1;
	f = fopen("in.pcap", "wb");
	if (!f)
		return -1;
	fwrite(header, 1, sizeof(header), f);
	fclose(f);
	f = fopen("notcap.txt", "w");
	if (!f)
		return -1;
	fputs("this is not a capture file, it is text\n", f);
	return fclose(f);
}

static void remove_workdir(void)
{
	char out[sizeof(workdir) + 8];

	unlink("in.pcap");
	unlink("notcap.txt");
	snprintf(out, sizeof(out), "%s/out", workdir);
	rmdir(out);
	if (chdir("/") == 0)
		rmdir(workdir);
}

int main(int argc, char **argv)
{
	char pattern[1024];
	glob_t g;

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: t_startup DIR [PROGRAM]\n");
		return 2;
	}
	snprintf(prefix, sizeof(prefix), "mos-t-startup-%d", (int)getpid());
	snprintf(pattern, sizeof(pattern), "%s/start-*.conf", argv[1]);
	if (make_workdir() != 0) {
		perror("t_startup: work directory");
		return 1;
	}
	if (glob(pattern, 0, NULL, &g) != 0)
		g.gl_pathc = 0;
	ok(g.gl_pathc >= 10, "start-*.conf cases found (%zu)",
	   (size_t)g.gl_pathc);
	for (size_t i = 0; i < g.gl_pathc; i++)
		test_case(g.gl_pathv[i]);
	globfree(&g);
	if (argc == 3)
		test_program(argv[1], argv[2]);
	remove_workdir();
	return tap_done();
}
