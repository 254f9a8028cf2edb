/*
 * t_dpdk.c -- the DPDK backend: EAL command line, a net_pcap round trip,
 * end of input, capture stamps and one-line setup failures.
 *
 * The EAL starts once per process, so each case that starts it is its own
 * run:  t_dpdk args | loop CAPTURE | badpci | badarg | queues CAPTURE
 * Runs as root without hugepages (--no-huge).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pcap/pcap.h>
#include <dirent.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "config.h"
#include "io.h"
#include "io_dpdk.h"

#define MAXF 4096

/* ------------------------------------------------------------ helpers */

/* The lowest N CPUs this process may run on, as a mask (0 if fewer). */
static uint64_t usable_cores(int n)
{
	cpu_set_t set;
	uint64_t mask = 0;
	int cpu, got = 0;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return 0;
	for (cpu = 0; cpu < 64 && got < n; cpu++)
		if (CPU_ISSET(cpu, &set)) {
			mask |= UINT64_C(1) << cpu;
			got++;
		}
	return got == n ? mask : 0;
}

static char prefix[64];

/*
 * The EAL leaves its runtime directory (a few MB on tmpfs) behind; with a
 * file prefix per test process they would pile up, so remove ours.
 */
static void remove_runtime_dir(void)
{
	const char *base = getenv("XDG_RUNTIME_DIR");
	char dir[512], path[1024];
	struct dirent *d;
	DIR *dp;

	if (getuid() == 0)
		snprintf(dir, sizeof(dir), "/var/run/dpdk/%s", prefix);
	else
		snprintf(dir, sizeof(dir), "%s/dpdk/%s", base ? base : "/tmp",
			 prefix);
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

static void test_config(struct mos_config *c, uint64_t cores)
{
	mos_config_init(c);
	c->io = MOS_IO_DPDK;
	c->dpdk.hugepages = false;
	c->dpdk.memory_mb = 256;
	snprintf(prefix, sizeof(prefix), "mos-t-dpdk-%d", (int)getpid());
	free(c->dpdk.file_prefix);
	c->dpdk.file_prefix = strdup(prefix);
	c->cpu_mask = cores;
	c->num_cores = __builtin_popcountll(cores);
}

static void add_port(struct mos_config *c, const char *name, const char *pci,
		     const char *vdev, uint64_t mask)
{
	struct mos_port_conf *p = &c->ports[c->nports++];

	snprintf(p->name, sizeof(p->name), "%s", name);
	p->pci = pci ? strdup(pci) : NULL;
	p->vdev = vdev ? strdup(vdev) : NULL;
	p->core_mask = mask;
	p->fwd_peer = -1;
}

/* stderr (and stdout) of a call, caught in temporary files. */
struct errcap {
	FILE *f, *o;
	int saved, saved_out;
	char text[4096];
	int lines;
	long out_bytes;
};

static void errcap_start(struct errcap *e)
{
	fflush(stdout);
	fflush(stderr);
	e->f = tmpfile();
	e->o = tmpfile();
	e->saved = dup(2);
	e->saved_out = dup(1);
	dup2(fileno(e->f), 2);
	dup2(fileno(e->o), 1);
}

static void errcap_stop(struct errcap *e)
{
	size_t n;
	char *p;

	fflush(stdout);
	fflush(stderr);
	dup2(e->saved, 2);
	dup2(e->saved_out, 1);
	close(e->saved);
	close(e->saved_out);
	fseek(e->o, 0, SEEK_END);
	e->out_bytes = ftell(e->o);
	fclose(e->o);
	rewind(e->f);
	n = fread(e->text, 1, sizeof(e->text) - 1, e->f);
	e->text[n] = '\0';
	fclose(e->f);
	e->lines = 0;
	for (p = e->text; *p; p++)
		if (*p == '\n')
			e->lines++;
	/* show it in the test log */
	fputs(e->text, stderr);
}

static bool one_mos_line(const struct errcap *e)
{
	return e->lines == 1 && !strncmp(e->text, "mos: ", 5);
}

struct capture {
	int n;
	uint32_t len[MAXF];
	uint64_t ts[MAXF];
	uint8_t *data[MAXF];
};

static int read_capture(const char *path, struct capture *c)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p = pcap_open_offline(path, err);

	c->n = 0;
	if (!p)
		return -1;
	while (c->n < MAXF && pcap_next_ex(p, &h, &d) == 1) {
		c->len[c->n] = h->caplen;
		c->ts[c->n] = (uint64_t)h->ts.tv_sec * 1000000u +
			      (uint64_t)h->ts.tv_usec;
		c->data[c->n] = malloc(h->caplen);
		memcpy(c->data[c->n], d, h->caplen);
		c->n++;
	}
	pcap_close(p);
	return 0;
}

static void free_capture(struct capture *c)
{
	for (int i = 0; i < c->n; i++)
		free(c->data[i]);
	c->n = 0;
}

/* ------------------------------------------------------------ args */

static bool has_pair(char **v, const char *a, const char *b)
{
	for (; *v; v++)
		if (!strcmp(*v, a) && (!b || (v[1] && !strcmp(v[1], b))))
			return true;
	return false;
}

static int test_args(void)
{
	struct mos_config c;
	char **v;
	int n;

	test_config(&c, 0x2D);	/* cores 0,2,3,5 */
	add_port(&c, "wan", "0000:03:00.0", NULL, 0x0D);
	add_port(&c, "lan", NULL, "net_pcap0,rx_pcap=a.pcap", 0x20);
	n = mos_dpdk_eal_argv(&c, &v);
	ok(n > 0 && v[n] == NULL, "argv built (%d words)", n);
	if (n > 0) {
		ok(!strcmp(v[0], "mos"), "program name mos");
		ok(has_pair(v, "-l", "0,2,3,5"), "-l lists the cores of cpu_mask");
		ok(has_pair(v, "-n", "4"), "-n mem_channels");
		ok(has_pair(v, "--no-huge", NULL) && has_pair(v, "-m", "256"),
		   "hugepages=false gives --no-huge -m memory_mb");
		ok(has_pair(v, "-a", "0000:03:00.0"), "-a for the PCI port");
		ok(!has_pair(v, "--no-pci", NULL), "no --no-pci with a PCI port");
		ok(has_pair(v, "--vdev=net_pcap0,rx_pcap=a.pcap", NULL),
		   "--vdev for the vdev port");
		ok(has_pair(v, "--proc-type=auto", NULL), "--proc-type");
		ok(has_pair(v, "--log-level=error", NULL), "quiet by default");
		mos_dpdk_argv_free(v);
	}
	mos_config_free(&c);

	test_config(&c, 0x1);
	c.dpdk.hugepages = true;
	c.dpdk.memory_mb = 512;
	free(c.dpdk.hugepage_dir);
	c.dpdk.hugepage_dir = strdup("/mnt/huge");
	free(c.dpdk.file_prefix);
	c.dpdk.file_prefix = strdup("inst2");
	c.dpdk.eal_args = calloc(2, sizeof(char *));
	c.dpdk.eal_args[0] = strdup("--log-level=lib.eal:debug");
	c.dpdk.eal_args[1] = strdup("--no-telemetry");
	c.dpdk.n_eal_args = 2;
	add_port(&c, "lan", NULL, "net_null0", 0x1);
	n = mos_dpdk_eal_argv(&c, &v);
	ok(n > 0, "argv built with hugepages");
	if (n > 0) {
		ok(!has_pair(v, "--no-huge", NULL) && has_pair(v, "-m", "512"),
		   "hugepages: -m memory_mb, no --no-huge");
		ok(has_pair(v, "--huge-dir=/mnt/huge", NULL), "--huge-dir");
		ok(has_pair(v, "--file-prefix=inst2", NULL), "--file-prefix");
		ok(has_pair(v, "--no-pci", NULL), "--no-pci without PCI ports");
		ok(!has_pair(v, "--log-level=error", NULL) &&
		   !strcmp(v[n - 2], "--log-level=lib.eal:debug") &&
		   !strcmp(v[n - 1], "--no-telemetry"),
		   "eal_args come last and replace the default log level");
		mos_dpdk_argv_free(v);
	}
	free(c.dpdk.socket_mem);
	c.dpdk.socket_mem = strdup("1024,1024");
	n = mos_dpdk_eal_argv(&c, &v);
	if (n > 0) {
		ok(has_pair(v, "--socket-mem=1024,1024", NULL) &&
		   !has_pair(v, "-m", NULL), "socket_mem replaces -m");
		mos_dpdk_argv_free(v);
	}
	c.cpu_mask = 0;
	errno = 0;
	ok(mos_dpdk_eal_argv(&c, &v) == -1 && errno == EINVAL && !v,
	   "empty cpu_mask: -1 EINVAL");
	mos_config_free(&c);
	return tap_done();
}

/* ------------------------------------------------------------ loop */

static int drain(struct mos_io *io, struct mos_frame **got, int max,
		 int *end)
{
	int n = 0, polls = 0, r;

	*end = 0;
	while (polls++ < 2000000) {
		r = io->ops->rx_burst(io, 0, 0, got + n, max - n < 32 ?
				      max - n : 32);
		if (r < 0) {
			*end = 1;
			break;
		}
		n += r;
		if (n == max)
			break;
	}
	return n;
}

static bool same_frames(const struct capture *a, const struct capture *b)
{
	if (a->n != b->n)
		return false;
	for (int i = 0; i < a->n; i++)
		if (a->len[i] != b->len[i] ||
		    memcmp(a->data[i], b->data[i], a->len[i]))
			return false;
	return true;
}

static void check_rx(struct mos_frame **got, int n, const struct capture *in)
{
	int bad_bytes = 0, bad_ts = 0, bad_room = 0, i;
	uint64_t bytes = 0, in_bytes = 0;

	ok(n == in->n, "received %d frames, the capture has %d", n, in->n);
	for (i = 0; i < n && i < in->n; i++) {
		bytes += got[i]->len;
		in_bytes += in->len[i];
		if (got[i]->len != in->len[i] ||
		    memcmp(got[i]->data, in->data[i], in->len[i]))
			bad_bytes++;
		if (got[i]->ts_us != in->ts[i])
			bad_ts++;
		if (got[i]->room < got[i]->len || got[i]->port != 0)
			bad_room++;
	}
	ok(!bad_bytes && bytes == in_bytes,
	   "every frame has the capture's bytes (%llu bytes, %d differ)",
	   (unsigned long long)bytes, bad_bytes);
	ok(!bad_ts, "ts_us are the capture's stamps (%d differ)", bad_ts);
	ok(!bad_room, "room >= len and port set on every frame");
}

static int test_loop(const char *capture)
{
	static struct mos_frame *got[MAXF];
	static struct capture in, out;
	char dir[] = "/tmp/mos-t-dpdk-XXXXXX", outpath[128], vdev[1024];
	uint64_t core = usable_cores(1);
	struct mos_config c;
	struct mos_io io;
	struct errcap e;
	struct mos_frame *f;
	int n, end, sent, rc;

	if (read_capture(capture, &in) < 0 || in.n == 0) {
		ok(0, "read capture %s", capture);
		return tap_done();
	}
	if (!core || !mkdtemp(dir)) {
		ok(0, "no usable core or temporary directory");
		return tap_done();
	}
	snprintf(outpath, sizeof(outpath), "%s/out.pcap", dir);

	/* A missing capture is refused before the EAL starts. */
	test_config(&c, core);
	add_port(&c, "lan", NULL,
		 "net_pcap0,rx_pcap=/nonexistent/x.pcap,tx_pcap=/dev/null",
		 core);
	errcap_start(&e);
	errno = 0;
	rc = mos_io_open(&io, &c, 1);
	errcap_stop(&e);
	ok(rc == -1 && errno == ENOENT, "missing rx_pcap file: -1 ENOENT");
	ok(one_mos_line(&e), "missing rx_pcap file: one line on stderr");
	mos_config_free(&c);

	test_config(&c, core);
	snprintf(vdev, sizeof(vdev), "net_pcap0,rx_pcap=%s,tx_pcap=%s",
		 capture, outpath);
	add_port(&c, "lan", NULL, vdev, core);
	c.n_stat_print = 1;
	c.stat_print[0] = 0;
	errcap_start(&e);
	rc = mos_io_open(&io, &c, 1);
	errcap_stop(&e);
	if (!ok(rc == 0, "open a net_pcap vdev without hugepages")) {
		remove_runtime_dir();
		mos_config_free(&c);
		return tap_done();
	}
	ok(e.lines == 0, "a successful open is silent");
	ok(io.offline, "an rx_pcap port is offline input");

	n = drain(&io, got, MAXF, &end);
	ok(end, "rx_burst returns -1 at the end of the capture");
	check_rx(got, n, &in);
	ok(io.ops->rx_burst(&io, 0, 0, got + n, 32) == -1,
	   "rx_burst keeps returning -1 after the end");

	f = io.ops->alloc_frame(&io, 0);
	ok(f && f->len == 0 && f->room >= 1500 && f->data,
	   "alloc_frame gives an empty frame with room");
	if (f) {
		memset(f->data, 0xab, 60);
		f->len = 60;
		io.ops->free_frames(&io, 0, &f, 1);
	}

	sent = io.ops->tx_burst(&io, 0, 0, got, n);
	ok(sent == n, "tx_burst sent %d of %d frames", sent, n);

	errcap_start(&e);
	io.ops->print_stats(&io, 0);
	errcap_stop(&e);
	ok(e.lines == 1 && !strncmp(e.text, "[lan] RX: ", 10) &&
	   strstr(e.text, "Gbps") && strstr(e.text, "TX: "),
	   "print_stats prints one line for the port");

	ok(io.ops->now_us(&io) > 0, "now_us runs");
	mos_io_close(&io);

	rc = read_capture(outpath, &out);
	ok(rc == 0 && same_frames(&in, &out),
	   "tx_pcap file has the same frames after close (%d)", out.n);

	/* The EAL cannot start twice in one process: a clear refusal. */
	errcap_start(&e);
	errno = 0;
	rc = mos_io_open(&io, &c, 1);
	errcap_stop(&e);
	ok(rc == -1 && errno == EALREADY && one_mos_line(&e),
	   "second open in one process: -1 EALREADY, one line");

	remove_runtime_dir();
	mos_config_free(&c);
	free_capture(&in);
	free_capture(&out);
	unlink(outpath);
	rmdir(dir);
	return tap_done();
}

/* ------------------------------------------------------------ failures */

static int expect_failure(struct mos_config *c, int err, const char *what)
{
	struct mos_io io;
	struct errcap e;
	int rc;

	errcap_start(&e);
	errno = 0;
	rc = mos_io_open(&io, c, c->num_cores);
	errcap_stop(&e);
	ok(rc == -1 && errno == err, "%s: -1 %s (errno %d)", what,
	   strerror(err), errno);
	ok(one_mos_line(&e), "%s: one line on stderr (%d)", what, e.lines);
	ok(e.out_bytes == 0, "%s: nothing on stdout (%ld bytes)", what,
	   e.out_bytes);
	if (rc == 0)
		mos_io_close(&io);
	remove_runtime_dir();
	mos_config_free(c);
	return tap_done();
}

static int test_badpci(void)
{
	struct mos_config c;
	uint64_t core = usable_cores(1);

	test_config(&c, core);
	add_port(&c, "wan", "0000:ff:1f.7", NULL, core);
	return expect_failure(&c, ENODEV, "nonexistent PCI address");
}

static int test_badarg(void)
{
	struct mos_config c;
	uint64_t core = usable_cores(1);
	struct errcap e;
	struct mos_io io;
	int rc;

	test_config(&c, core);
	add_port(&c, "lan", NULL, "net_null0", core);
	c.dpdk.eal_args = calloc(1, sizeof(char *));
	c.dpdk.eal_args[0] = strdup("--no-such-eal-option");
	c.dpdk.n_eal_args = 1;
	errcap_start(&e);
	errno = 0;
	rc = mos_io_open(&io, &c, 1);
	errcap_stop(&e);
	ok(rc == -1 && errno == EINVAL, "bad eal_args: -1 EINVAL");
	ok(one_mos_line(&e) && strstr(e.text, "--no-such-eal-option"),
	   "bad eal_args: one line naming the argument");
	ok(e.out_bytes == 0, "bad eal_args: EAL usage kept off stdout");
	remove_runtime_dir();
	mos_config_free(&c);
	return tap_done();
}

static int test_queues(const char *capture)
{
	struct mos_config c;
	uint64_t cores = usable_cores(2);
	char vdev[1024];

	if (!cores) {
		printf("skip - fewer than 2 usable CPUs\n");
		return 0;
	}
	test_config(&c, cores);
	snprintf(vdev, sizeof(vdev), "net_pcap0,rx_pcap=%s,tx_pcap=/dev/null",
		 capture);
	add_port(&c, "lan", NULL, vdev, cores);
	/* one queue for two contexts: it opens, and reports one queue so
	 * that the core spreads the frames in software */
	{
		struct mos_io io;
		int rc = mos_io_open(&io, &c, 2);

		ok(rc == 0, "one-queue device with two contexts opens");
		if (rc == 0) {
			ok(io.ops->rx_queues &&
			   io.ops->rx_queues(&io, 0) == 1,
			   "it reports one RX queue (software dispatch)");
			mos_io_close(&io);
		}
	}
	remove_runtime_dir();
	mos_config_free(&c);
	return tap_done();
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "args"))
		return test_args();
	if (argc >= 3 && !strcmp(argv[1], "loop"))
		return test_loop(argv[2]);
	if (argc >= 2 && !strcmp(argv[1], "badpci"))
		return test_badpci();
	if (argc >= 2 && !strcmp(argv[1], "badarg"))
		return test_badarg();
	if (argc >= 3 && !strcmp(argv[1], "queues"))
		return test_queues(argv[2]);
	fprintf(stderr, "usage: t_dpdk args | loop CAPTURE | badpci | badarg "
		"| queues CAPTURE\n");
	return 2;
}
