/*
 * t_config: mtcp_init, mtcp_getconf, mtcp_setconf and mtcp_destroy on the
 * installed sample, on complete files and on one bad file per error class.
 *
 * Usage: t_config SAMPLE DIR  (SAMPLE = etc/mos.conf, DIR = this folder).
 * It works in a temporary directory holding the empty in.pcap that the
 * ports of pcap.conf read.
 * Each DIR/bad-*.conf says what it expects: its line "# expect: TEXT" gives
 * the message after "mos: FILE:LINE: ", and the line carrying the marker
 * "<-- error" is LINE.
 */
#include <mos_api.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tap.h"

#define TEXT_MAX 8192

static const char *dir;

/* What one mtcp_init call did, with everything it wrote on stderr. */
struct run {
	int ret;
	int err;
	char text[TEXT_MAX];
};

static void init_captured(const char *path, struct run *r)
{
	FILE *tmp = tmpfile();
	int saved = dup(2);
	size_t n;

	if (!tmp || saved < 0) {
		perror("t_config: tmpfile/dup");
		exit(1);
	}
	fflush(stderr);
	dup2(fileno(tmp), 2);
	errno = 0;
	r->ret = mtcp_init(path);
	r->err = errno;
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(r->text, 1, sizeof(r->text) - 1, tmp);
	r->text[n] = '\0';
	fclose(tmp);
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		if (*s == '\n')
			n++;
	return n;
}

/* ------------------------------------------------------------ bad files */

/* One class of error each; all must exist in DIR. */
static const char *const bad_files[] = {
	"bad-syntax.conf", "bad-dupsetting.conf", "bad-type.conf",
	"bad-bool.conf", "bad-range.conf", "bad-maxconc.conf",
	"bad-timeout.conf", "bad-rmem.conf", "bad-unknown.conf",
	"bad-unknown-port.conf", "bad-toplevel.conf", "bad-nomos.conf",
	"bad-noports.conf", "bad-emptyports.conf", "bad-dupport.conf",
	"bad-noname.conf", "bad-twosources.conf", "bad-nosource.conf",
	"bad-pci.conf", "bad-pcap-pci.conf", "bad-pcapout.conf",
	"bad-mask.conf", "bad-address.conf", "bad-mac.conf",
	"bad-statprint.conf", "bad-route.conf", "bad-fwdpair.conf",
	"bad-fwdself.conf", "bad-fwdshape.conf", "bad-nohuge.conf",
	"bad-memch.conf", "bad-proctype.conf", "bad-io.conf",
	"bad-malformed.conf", "bad-multiprocess.conf", "bad-setup.conf",
	"bad-apptype.conf", "bad-apprun.conf", "bad-appgroup.conf",
	"bad-defrag.conf", "bad-defragpolicy.conf",
};

/* The expected message of PATH from its "# expect:" and marker lines. */
static int expected_message(const char *path, char *out, size_t len)
{
	FILE *f = fopen(path, "r");
	char line[512], expect[512] = "";
	int lineno = 0, marked = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (strncmp(line, "# expect: ", 10) == 0) {
			snprintf(expect, sizeof(expect), "%s", line + 10);
			expect[strcspn(expect, "\n")] = '\0';
		}
		if (strstr(line, "<-- error") && !marked)
			marked = lineno;
	}
	fclose(f);
	if (!expect[0] || !marked)
		return -1;
	snprintf(out, len, "mos: %s:%d: %s\n", path, marked, expect);
	return 0;
}

static void test_bad_file(const char *name)
{
	char path[1024], want[1600];
	struct mtcp_conf conf;
	struct run r;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!ok(expected_message(path, want, sizeof(want)) == 0,
		"%s: has an expect line and an error marker", name))
		return;
	init_captured(path, &r);
	ok(r.ret == -1 && r.err == EINVAL, "%s: mtcp_init fails with EINVAL "
	   "(ret %d, errno %d)", name, r.ret, r.err);
	if (r.ret == 0)
		mtcp_destroy();
	ok(count_lines(r.text) == 1, "%s: exactly one line on stderr", name);
	if (!ok(strcmp(r.text, want) == 0, "%s: message names file, line "
		"and setting", name))
		printf("# got:  %s# want: %s", r.text, want);
	errno = 0;
	ok(mtcp_getconf(&conf) == -1 && errno == EINVAL,
	   "%s: nothing stays loaded", name);
}

static void test_bad_files(void)
{
	char pattern[1024];
	glob_t g;

	for (size_t i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++)
		test_bad_file(bad_files[i]);
	/* a new bad-*.conf must be added to the list above */
	snprintf(pattern, sizeof(pattern), "%s/bad-*.conf", dir);
	if (glob(pattern, 0, NULL, &g) != 0)
		g.gl_pathc = 0;
	ok(g.gl_pathc == sizeof(bad_files) / sizeof(bad_files[0]),
	   "every bad-*.conf in the folder is checked (%zu files)",
	   (size_t)g.gl_pathc);
	globfree(&g);
}

static void test_unreadable(void)
{
	char path[] = "/tmp/t_config_XXXXXX";
	char want[256];
	struct run r;
	bool root;
	int fd;

	init_captured("/nonexistent/mos.conf", &r);
	ok(r.ret == -1 && r.err == ENOENT, "missing file: ENOENT");
	ok(strcmp(r.text, "mos: /nonexistent/mos.conf: cannot open: "
		  "No such file or directory\n") == 0,
	   "missing file: one line naming the file and the reason");
	init_captured(NULL, &r);
	ok(r.ret == -1 && r.err == EINVAL, "NULL path: EINVAL");
	ok(strcmp(r.text, "mos: no configuration file given\n") == 0,
	   "NULL path: message");

	fd = mkstemp(path);
	if (!ok(fd >= 0, "unreadable file: a temporary file"))
		return;
	close(fd);
	chmod(path, 0);
	/* root reads any file (capabilities(7), CAP_DAC_OVERRIDE): open it
	 * with the effective uid of nobody, then take uid 0 back
	 * (seteuid(2): the real and saved uids stay 0) */
	root = geteuid() == 0;
	if (root && !ok(seteuid(65534) == 0, "unreadable file: seteuid")) {
		unlink(path);
		return;
	}
	init_captured(path, &r);
	if (root && seteuid(0) != 0) {
		perror("t_config: seteuid(0)");
		exit(1);
	}
	snprintf(want, sizeof(want), "mos: %s: cannot open: %s\n", path,
		 strerror(EACCES));
	ok(r.ret == -1 && r.err == EACCES, "unreadable file: EACCES");
	ok(strcmp(r.text, want) == 0, "unreadable file: message");
	unlink(path);
}

/* ------------------------------------------------------------ round trips */

static bool same_conf(const struct mtcp_conf *a, const struct mtcp_conf *b)
{
	if (a->num_cores != b->num_cores ||
	    a->max_concurrency != b->max_concurrency ||
	    a->cpu_mask != b->cpu_mask ||
	    a->max_num_buffers != b->max_num_buffers ||
	    a->rcvbuf_size != b->rcvbuf_size ||
	    a->sndbuf_size != b->sndbuf_size ||
	    a->tcp_timewait != b->tcp_timewait ||
	    a->tcp_timeout != b->tcp_timeout || a->num_app != b->num_app)
		return false;
	for (int i = 0; i < a->num_app; i++) {
		if (a->app_cpu_mask[i] != b->app_cpu_mask[i] ||
		    a->app_argc[i] != b->app_argc[i])
			return false;
		for (int k = 0; k < a->app_argc[i]; k++)
			if (strcmp(a->app_argv[i][k], b->app_argv[i][k]))
				return false;
	}
	return true;
}

/* setconf with one field changed; getconf must show exactly that. */
#define APPLY(field, value) do {					\
	struct mtcp_conf t_in, t_out;					\
	mtcp_getconf(&t_in);						\
	t_in.field = (value);						\
	ok(mtcp_setconf(&t_in) == 0, "setconf " #field " = %d",	\
	   (int)(value));						\
	mtcp_getconf(&t_out);						\
	ok(same_conf(&t_out, &t_in), "getconf shows " #field " = %d",	\
	   (int)(value));						\
} while (0)

/* setconf with one bad field: EINVAL, nothing changes. */
#define REFUSE(field, value) do {					\
	struct mtcp_conf t_in, t_before, t_after;			\
	mtcp_getconf(&t_before);					\
	t_in = t_before;						\
	t_in.field = (value);						\
	errno = 0;							\
	ok(mtcp_setconf(&t_in) == -1 && errno == EINVAL,		\
	   "setconf " #field " = %d: EINVAL", (int)(value));		\
	mtcp_getconf(&t_after);						\
	ok(same_conf(&t_after, &t_before),				\
	   "setconf " #field " = %d changed nothing", (int)(value));	\
} while (0)

/* The empty capture the pcap ports of pcap.conf read ("in.pcap"). */
static char workdir[] = "/tmp/t_config_XXXXXX";

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
	return fclose(f);
}

static void remove_workdir(void)
{
	unlink("in.pcap");
	unlink("out.pcap");
	if (chdir("/") == 0)
		rmdir(workdir);
}

static void pcap_path(char *buf, size_t len)
{
	snprintf(buf, len, "%s/pcap.conf", dir);
}

static void test_init(void)
{
	static const char *const argv0[] = {
		"midstat", "-c", "1", "-f", "conf/mos.conf"
	};
	char path[1024];
	struct mtcp_conf c;
	bool argv_ok = true;
	struct run r;

	errno = 0;
	ok(mtcp_getconf(&c) == -1 && errno == EINVAL,
	   "getconf before mtcp_init: EINVAL");
	errno = 0;
	ok(mtcp_setconf(&c) == -1 && errno == EINVAL,
	   "setconf before mtcp_init: EINVAL");
	unsetenv("MOS_VERBOSE");
	pcap_path(path, sizeof(path));
	init_captured(path, &r);
	ok(r.ret == 0, "pcap.conf loads");
	ok(r.text[0] == '\0', "quiet without MOS_VERBOSE");
	if (r.ret)
		printf("# %s", r.text);
	ok(mtcp_getconf(&c) == 0, "getconf after mtcp_init");
	ok(c.cpu_mask == 0x3 && c.num_cores == 2,
	   "cpu_mask is the union of the port masks (hex, int64 and "
	   "decimal forms), num_cores its bit count");
	ok(c.max_concurrency == 5000 && c.max_num_buffers == 5000,
	   "max_concurrency, max_num_buffers defaults to it");
	ok(c.rcvbuf_size == 16384 && c.sndbuf_size == 4096,
	   "rcvbuf_size = rmem_size, sndbuf_size = wmem_size");
	ok(c.tcp_timewait == 2 && c.tcp_timeout == -1,
	   "timers in seconds, tcp_timeout 0 read back as -1");
	ok(c.num_app == 2 && c.app_argc[0] == 5 && c.app_argc[1] == 1,
	   "two applications, run split on white space");
	for (int i = 0; i < 5 && c.app_argc[0] == 5; i++)
		argv_ok = argv_ok && strcmp(c.app_argv[0][i], argv0[i]) == 0;
	ok(argv_ok && c.app_argc[1] == 1 &&
	   strcmp(c.app_argv[1][0], "epserver") == 0, "app_argv");
	ok(c.app_cpu_mask[0] == 0x2 && c.app_cpu_mask[1] == 0x3,
	   "app_cpu_mask, default = cpu_mask");
	errno = 0;
	ok(mtcp_init(path) == -1 && errno == EALREADY,
	   "second mtcp_init: EALREADY");
	errno = 0;
	ok(mtcp_getconf(NULL) == -1 && errno == EINVAL,
	   "getconf(NULL): EINVAL");
	errno = 0;
	ok(mtcp_setconf(NULL) == -1 && errno == EINVAL,
	   "setconf(NULL): EINVAL");
}

static void test_setconf(void)
{
	struct mtcp_conf in, out;

	mtcp_getconf(&in);
	in.max_concurrency = 500;
	ok(mtcp_setconf(&in) == 0, "setconf max_concurrency = 500");
	in.max_num_buffers = 500;
	ok(mtcp_getconf(&out) == 0 && same_conf(&out, &in),
	   "max_num_buffers follows max_concurrency until set");
	APPLY(max_num_buffers, 300);
	APPLY(max_concurrency, 800);
	ok(mtcp_getconf(&out) == 0 && out.max_num_buffers == 300,
	   "max_num_buffers set on its own stays");
	APPLY(rcvbuf_size, 4096);
	APPLY(sndbuf_size, 100);
	APPLY(tcp_timewait, 7);
	APPLY(tcp_timeout, 120);
	APPLY(tcp_timeout, -1);
	APPLY(num_cores, 1);
	APPLY(num_cores, 2);

	mtcp_getconf(&in);
	in.tcp_timeout = 0;
	ok(mtcp_setconf(&in) == 0 && mtcp_getconf(&out) == 0 &&
	   out.tcp_timeout == -1, "tcp_timeout 0 reads back as -1 (never)");

	mtcp_getconf(&in);
	in.cpu_mask = 0xff;
	in.num_app = 0;
	in.app_argc[0] = 0;
	in.app_cpu_mask[0] = 0x1;
	ok(mtcp_setconf(&in) == 0 && mtcp_getconf(&out) == 0 &&
	   out.cpu_mask == 0x3 && out.num_app == 2 &&
	   out.app_argc[0] == 5 && out.app_cpu_mask[0] == 0x2,
	   "cpu_mask and application fields are read-only");

	REFUSE(num_cores, 0);
	REFUSE(num_cores, 3);
	REFUSE(max_concurrency, 0);
	REFUSE(max_num_buffers, -1);
	REFUSE(rcvbuf_size, 0);
	REFUSE(rcvbuf_size, 1000);
	REFUSE(rcvbuf_size, -1024);
	REFUSE(sndbuf_size, 0);
	REFUSE(tcp_timewait, -1);
	REFUSE(tcp_timeout, -2);
}

static void test_destroy_reinit(void)
{
	char path[1024];
	struct mtcp_conf c;

	ok(mtcp_destroy() == 0, "mtcp_destroy");
	errno = 0;
	ok(mtcp_getconf(&c) == -1 && errno == EINVAL,
	   "getconf after mtcp_destroy: EINVAL");
	pcap_path(path, sizeof(path));
	ok(mtcp_init(path) == 0 && mtcp_getconf(&c) == 0 &&
	   c.max_concurrency == 5000 && c.num_cores == 2,
	   "mtcp_init again after destroy starts from the file");
	mtcp_destroy();
}

/*
 * The installed sample: its settings must be accepted.  It names a DPDK
 * null device, so mtcp_init also starts the EAL, which needs hugepages
 * and privileges this test may not have; only the configuration part is
 * judged then.  (t_config_internal checks every value of the sample.)
 * Run last: the EAL can be started once per process.
 */
static void test_sample(const char *sample)
{
	char prefix[1100];
	struct mtcp_conf c;
	struct run r;

	init_captured(sample, &r);
	snprintf(prefix, sizeof(prefix), "mos: %s:", sample);
	ok(r.ret == 0 || (r.err != EINVAL && !strstr(r.text, prefix)),
	   "installed sample %s: configuration accepted", sample);
	if (r.ret != 0) {
		printf("skip - installed sample: I/O could not start "
		       "(errno %d) - %s", r.err,
		       r.text[0] ? r.text : "\n");
		return;
	}
	ok(mtcp_getconf(&c) == 0 && c.num_cores == 1 && c.cpu_mask == 1 &&
	   c.max_concurrency == 100000 && c.rcvbuf_size == 8192 &&
	   c.tcp_timeout == 30 && c.num_app == 0,
	   "installed sample: the defaults of mos.conf(5)");
	mtcp_destroy();
}

/* Own copies of CONF's argv strings, which die with the configuration. */
static void copy_argv(struct mtcp_conf *conf)
{
	for (int i = 0; i < conf->num_app; i++)
		for (int k = 0; k < conf->app_argc[i]; k++)
			conf->app_argv[i][k] = strdup(conf->app_argv[i][k]);
}

static void free_argv(struct mtcp_conf *conf)
{
	for (int i = 0; i < conf->num_app; i++)
		for (int k = 0; k < conf->app_argc[i]; k++)
			free(conf->app_argv[i][k]);
}

/* MOS_VERBOSE prints the effective settings; the text loads back. */
static void test_print_reload(void)
{
	char path[1024], out[] = "/tmp/t_config_print_XXXXXX";
	struct mtcp_conf a, b;
	struct run r;
	FILE *f;
	int fd;

	pcap_path(path, sizeof(path));
	setenv("MOS_VERBOSE", "1", 1);
	init_captured(path, &r);
	unsetenv("MOS_VERBOSE");
	ok(r.ret == 0 && strncmp(r.text, "# libmos effective configuration",
				 32) == 0,
	   "MOS_VERBOSE: effective configuration on stderr");
	if (r.ret)
		return;
	mtcp_getconf(&a);
	copy_argv(&a);
	mtcp_destroy();
	fd = mkstemp(out);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f) {
		fputs(r.text, f);
		fclose(f);
		ok(mtcp_init(out) == 0 && mtcp_getconf(&b) == 0,
		   "printed configuration loads back");
		ok(same_conf(&a, &b), "reloaded configuration is the same");
		mtcp_destroy();
		unlink(out);
	}
	free_argv(&a);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: t_config SAMPLE DIR\n");
		return 2;
	}
	dir = argv[2];
	if (make_workdir() != 0) {
		perror("t_config: work directory");
		return 1;
	}
	test_init();
	test_setconf();
	test_destroy_reinit();
	test_print_reload();
	test_unreadable();
	test_bad_files();
	test_sample(argv[1]);
	remove_workdir();
	return tap_done();
}
