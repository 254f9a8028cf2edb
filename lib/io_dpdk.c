/*
 * io_dpdk.c -- the DPDK backend: NICs by PCI address and DPDK virtual
 * devices (net_pcap, net_af_packet, ...).
 *
 * Layout:
 *   - open() starts the EAL in the calling thread with a command line built
 *     from the config (mos_dpdk_eal_argv), creates one mbuf pool per
 *     context and sets up every port with one RX and one TX queue per
 *     context that polls it.  Context c's queue on port p is c's rank among
 *     the contexts whose core is in p's core_mask.  libmos runs contexts on
 *     its own pthreads, so the EAL's worker lcores stay idle.
 *   - A frame is the struct mos_frame kept in the mbuf's private area, so
 *     the packet path allocates nothing.
 *   - Frames that arrive in several segments (bigger than an mbuf) are
 *     dropped and counted: the core wants contiguous frames.  With MTU 1500
 *     and the default mbuf size this never happens on a NIC; for captures,
 *     pools are sized to the largest frame in the file (up to 16 KiB).
 *   - A net_pcap port reading files (rx_pcap=, no infinite_rx) is offline
 *     input.  DPDK's pcap driver returns 0 forever at end of file, so each
 *     file's frames are counted with libpcap at open and rx_burst reports
 *     the end once that many came in.  Capture stamps come from the mbuf
 *     Rx timestamp field, which the driver fills when it is registered.
 *
 * Only stable DPDK calls are used; every setup failure prints one line
 * "mos: FILE:LINE: SETTING: ..." naming the setting it is about
 * (mos_config_fail) and fails with errno.  DPDK's own log goes to stderr, and
 * while the setup runs it is held back so that a failure reads as one line.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>

#include "config.h"
#include "io.h"
#include "io_dpdk.h"
#include "pcap_scan.h"

#define DPDK_MAX_CTX 64		/* cpu_mask has 64 bits */
#define DPDK_CHUNK 64		/* mbufs per driver call */
#define DPDK_MAX_ROOM 16384u	/* largest pool data room for captures */
#define DPDK_IDLE_END_US 1000000 /* offline: give up after 1 s of nothing */
#define DPDK_RSS_HF (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP)

/* Offline input of one RX queue: a capture file read by net_pcap. */
struct dpdk_rxfile {
	uint64_t expected;	/* frames in the file (libpcap's count) */
	uint64_t seen;
	uint64_t first_us;	/* stamp of the first frame, for the unit */
	uint64_t last_us;
	uint32_t ts_div;	/* 1: field in us, 1000: in ns, 0: not known */
	uint64_t idle_since;
	bool ended;
};

struct dpdk_txq {
	bool shared;		/* used by more than one context */
	pthread_spinlock_t lock;
};

struct dpdk_port {
	uint16_t id;
	bool configured, started;
	bool offline;
	int nrxq, ntxq;
	int nfiles;
	struct dpdk_rxfile *files;	/* one per RX queue when offline */
	struct dpdk_txq *txq;
	uint16_t room;		/* data room its frames need */
	uint8_t rss_key[256];
	/* counted by whichever context sees them (atomics) */
	uint64_t rx_multiseg, tx_unsent;
	/* print_stats state */
	struct rte_eth_stats last;
	uint64_t last_us;
};

/* mbufs a context is done with, given back in bulk (one mempool put per
 * DPDK_CHUNK instead of one per frame).  Only the context's own thread,
 * or a thread holding its lock, frees frames of that context. */
struct dpdk_freeq {
	_Alignas(64) unsigned n;
	struct rte_mbuf *m[DPDK_CHUNK];
};

struct dpdk_priv {
	int nctx;
	struct dpdk_freeq freeq[DPDK_MAX_CTX];
	int16_t rxq[MOS_MAX_PORTS][DPDK_MAX_CTX];	/* -1: not polled */
	int16_t txq[MOS_MAX_PORTS][DPDK_MAX_CTX];
	struct dpdk_port ports[MOS_MAX_PORTS];
	struct rte_mempool *pools[DPDK_MAX_CTX];
	char **eal_argv;	/* owned strings; EAL may keep pointers */
	char **eal_argv_copy;	/* what rte_eal_init permuted */
	bool eal_up;
	int ts_off;		/* Rx timestamp dynamic field, -1 = none */
	uint64_t ts_flag;
	pthread_mutex_t stat_lock;
	uint64_t open_us;
};

/* The EAL can be started once per process (rte_eal_init refuses again). */
static bool eal_started;

/* ------------------------------------------------------------ helpers */

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static bool is_set(const char *s)
{
	return s && *s;
}

/* sysfs attribute DIR/NAME's link target's last part ("vfio-pci"). */
static bool link_name(const char *dir, const char *name, char *buf,
		      size_t size)
{
	char path[600], target[512];
	ssize_t n;
	const char *slash;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	slash = strrchr(target, '/');
	slash = slash ? slash + 1 : target;
	if (strlen(slash) >= size)
		return false;
	memcpy(buf, slash, strlen(slash) + 1);
	return true;
}

void mos_dpdk_pci_why(const char *sysfs, const char *pci, const char *driver,
		      char *buf, size_t size)
{
	char dir[512], drv[256];
	struct stat st;

	/* sysfs names devices with their domain: "0000:03:00.0" */
	snprintf(dir, sizeof(dir), "%s/bus/pci/devices/%s%s", sysfs,
		 strlen(pci) == 7 ? "0000:" : "", pci);
	if (stat(dir, &st) < 0) {
		snprintf(buf, size, "this machine has no such PCI device");
		return;
	}
	if (!link_name(dir, "driver", drv, sizeof(drv)))
		snprintf(buf, size, "the device is bound to no driver: bind "
			 "it to %s (mos-setup)", driver ? driver : "vfio-pci");
	else if (strcmp(drv, "vfio-pci") && strcmp(drv, "uio_pci_generic") &&
		 strcmp(drv, "igb_uio"))
		snprintf(buf, size, "the device is bound to the kernel driver "
			 "%s: bind it to %s (mos-setup)", drv,
			 driver ? driver : "vfio-pci");
	else
		snprintf(buf, size, "bound to %s, but no DPDK driver took it "
			 "(unsupported NIC, or vfio without an IOMMU)", drv);
}

/* Device name of a vdev or PCI string: the part before the first comma. */
static void dev_name(const char *spec, char *buf, size_t size)
{
	size_t n = strcspn(spec, ",");

	if (n >= size)
		n = size - 1;
	memcpy(buf, spec, n);
	buf[n] = '\0';
}

/*
 * Calls FN for the value of every KEY= argument of a vdev string, in
 * order.  Returns how many there were.
 */
static int vdev_args(const char *vdev, const char *key,
		     int (*fn)(void *arg, int i, const char *val), void *arg)
{
	size_t klen = strlen(key);
	const char *p = strchr(vdev, ',');
	char val[4096];
	int n = 0;

	while (p) {
		const char *s = p + 1;
		size_t len;

		p = strchr(s, ',');
		len = p ? (size_t)(p - s) : strlen(s);
		if (len <= klen || strncmp(s, key, klen) || s[klen] != '=')
			continue;
		len -= klen + 1;
		if (len >= sizeof(val))
			len = sizeof(val) - 1;
		memcpy(val, s + klen + 1, len);
		val[len] = '\0';
		if (fn && fn(arg, n, val) < 0)
			return -1;
		n++;
	}
	return n;
}

static int not_zero(void *arg, int i, const char *val)
{
	(void)i;
	if (strcmp(val, "0"))
		*(bool *)arg = true;
	return 0;
}

/* ------------------------------------------------------------ EAL argv */

struct argv_buf {
	char **v;
	int n, cap;
};

__attribute__((format(printf, 2, 3)))
static int argv_add(struct argv_buf *a, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int rc;

	if (a->n + 2 > a->cap) {
		int cap = a->cap ? a->cap * 2 : 32;
		char **v = realloc(a->v, (size_t)cap * sizeof(*v));

		if (!v)
			return -1;
		a->v = v;
		a->cap = cap;
	}
	va_start(ap, fmt);
	rc = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return -1;
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
	return 0;
}

static int add_cores(struct argv_buf *a, uint64_t mask)
{
	char list[64 * 3 + 1] = "";
	size_t len = 0;
	int core;

	for (core = 0; core < 64; core++)
		if (mask & (UINT64_C(1) << core))
			len += (size_t)snprintf(list + len, sizeof(list) - len,
						"%s%d", len ? "," : "", core);
	if (argv_add(a, "-l") < 0 || argv_add(a, "%s", list) < 0)
		return -1;
	return 0;
}

static int add_memory(struct argv_buf *a, const struct mos_config *cfg)
{
	if (!cfg->dpdk.hugepages)
		return argv_add(a, "--no-huge") < 0 || argv_add(a, "-m") < 0 ||
		       argv_add(a, "%d", cfg->dpdk.memory_mb) < 0 ? -1 : 0;
	/* The EAL takes either a per-node amount or a total, not both. */
	if (is_set(cfg->dpdk.socket_mem)) {
		if (argv_add(a, "--socket-mem=%s", cfg->dpdk.socket_mem) < 0)
			return -1;
	} else if (cfg->dpdk.memory_mb > 0) {
		if (argv_add(a, "-m") < 0 ||
		    argv_add(a, "%d", cfg->dpdk.memory_mb) < 0)
			return -1;
	}
	if (is_set(cfg->dpdk.hugepage_dir) &&
	    argv_add(a, "--huge-dir=%s", cfg->dpdk.hugepage_dir) < 0)
		return -1;
	return 0;
}

static int add_devices(struct argv_buf *a, const struct mos_config *cfg)
{
	int i, npci = 0;

	for (i = 0; i < cfg->nports; i++) {
		const struct mos_port_conf *pc = &cfg->ports[i];

		if (is_set(pc->vdev) && argv_add(a, "--vdev=%s", pc->vdev) < 0)
			return -1;
		if (is_set(pc->pci)) {
			if (argv_add(a, "-a") < 0 ||
			    argv_add(a, "%s", pc->pci) < 0)
				return -1;
			npci++;
		}
	}
	if (!npci && argv_add(a, "--no-pci") < 0)
		return -1;
	return 0;
}

int mos_dpdk_eal_argv(const struct mos_config *cfg, char ***argvp)
{
	struct argv_buf a = { 0 };
	bool own_log = false;
	int i;

	*argvp = NULL;
	if (!cfg->cpu_mask) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < cfg->dpdk.n_eal_args; i++)
		if (!strncmp(cfg->dpdk.eal_args[i], "--log-level", 11))
			own_log = true;
	if (argv_add(&a, "mos") < 0 || add_cores(&a, cfg->cpu_mask) < 0)
		goto nomem;
	if (cfg->dpdk.mem_channels > 0 &&
	    (argv_add(&a, "-n") < 0 ||
	     argv_add(&a, "%d", cfg->dpdk.mem_channels) < 0))
		goto nomem;
	if (is_set(cfg->dpdk.file_prefix) &&
	    argv_add(&a, "--file-prefix=%s", cfg->dpdk.file_prefix) < 0)
		goto nomem;
	if (is_set(cfg->dpdk.proc_type) &&
	    argv_add(&a, "--proc-type=%s", cfg->dpdk.proc_type) < 0)
		goto nomem;
	if (add_memory(&a, cfg) < 0 || add_devices(&a, cfg) < 0)
		goto nomem;
	if (!own_log && argv_add(&a, "--log-level=error") < 0)
		goto nomem;
	for (i = 0; i < cfg->dpdk.n_eal_args; i++)
		if (argv_add(&a, "%s", cfg->dpdk.eal_args[i]) < 0)
			goto nomem;
	*argvp = a.v;
	return a.n;
nomem:
	mos_dpdk_argv_free(a.v);
	errno = ENOMEM;
	return -1;
}

void mos_dpdk_argv_free(char **argv)
{
	char **p;

	if (!argv)
		return;
	for (p = argv; *p; p++)
		free(*p);
	free(argv);
}

/* ------------------------------------------------------------ EAL start */

/* The last non-empty line of TEXT, trailing "\n" cut, in BUF. */
static const char *last_line(const char *text, char *buf, size_t size)
{
	const char *end = text + strlen(text), *start;

	while (end > text && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	start = end;
	while (start > text && start[-1] != '\n')
		start--;
	snprintf(buf, size, "%.*s", (int)(end - start), start);
	return buf;
}

/* DPDK's log while the setup runs, so that a failure reads as one line. */
struct logcap {
	FILE *f;
	char *buf;
	size_t len;
};

static const char *logcap_text(struct logcap *lc)
{
	if (lc->f)
		fflush(lc->f);
	return lc->buf ? lc->buf : "";
}

/*
 * rte_eal_init writes its usage text to stdout and a few lines to stderr
 * directly (not through its log) when it refuses to start.  While it runs,
 * stdout goes to /dev/null and stderr to a file, so that a refusal can be
 * told in one line.  Without the files nothing is redirected.
 */
struct fdcap {
	int out, err;		/* saved descriptors, -1 = not redirected */
	FILE *f;
	char first[256];	/* first line worth quoting */
};

static void fdcap_start(struct fdcap *c)
{
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	c->out = c->err = -1;
	c->first[0] = '\0';
	c->f = null >= 0 ? tmpfile() : NULL;
	if (c->f) {
		fflush(stdout);
		fflush(stderr);
		c->out = fcntl(1, F_DUPFD_CLOEXEC, 3);
		c->err = fcntl(2, F_DUPFD_CLOEXEC, 3);
	}
	if (c->out < 0 || c->err < 0 || dup2(null, 1) < 0 ||
	    dup2(fileno(c->f), 2) < 0) {
		if (c->out >= 0)
			dup2(c->out, 1);
		if (c->err >= 0)
			dup2(c->err, 2);
		c->out = c->err = -1;
	}
	if (null >= 0)
		close(null);
}

/* Restore; on success pass stderr's text on, else keep its best line. */
static void fdcap_stop(struct fdcap *c, bool ok)
{
	char buf[512];

	if (c->out >= 0) {
		fflush(stdout);
		fflush(stderr);
		dup2(c->out, 1);
		dup2(c->err, 2);
		close(c->out);
		close(c->err);
	}
	if (!c->f)
		return;
	rewind(c->f);
	while (fgets(buf, sizeof(buf), c->f)) {
		if (ok) {
			fputs(buf, stderr);
			continue;
		}
		buf[strcspn(buf, "\n")] = '\0';
		/* "EAL: FATAL: ..." repeats the log; getopt's lines name
		 * the bad argument. */
		if (!c->first[0] && buf[0] && strncmp(buf, "EAL: FATAL", 10))
			snprintf(c->first, sizeof(c->first), "%.*s",
				 (int)sizeof(c->first) - 1,
				 strncmp(buf, "mos: ", 5) ? buf : buf + 5);
	}
	fclose(c->f);
}

/* The setting a refusal of the EAL is about: a port whose device LINE
 * names, an eal_args word it quotes, else the dpdk group. */
static void refused_setting(const struct mos_config *cfg, const char *line,
			    char *setting, size_t size)
{
	char name[RTE_DEV_NAME_MAX_LEN];
	int i;

	snprintf(setting, size, "mos.dpdk");
	for (i = 0; i < cfg->nports; i++) {
		const struct mos_port_conf *pc = &cfg->ports[i];
		const char *spec = is_set(pc->vdev) ? pc->vdev : pc->pci;

		if (!is_set(spec))
			continue;
		dev_name(spec, name, sizeof(name));
		if (strstr(line, name)) {
			snprintf(setting, size, "mos.ports[%d].%s", i,
				 is_set(pc->vdev) ? "vdev" : "pci");
			return;
		}
	}
	for (i = 0; i < cfg->dpdk.n_eal_args; i++)
		if (strstr(line, cfg->dpdk.eal_args[i])) {
			snprintf(setting, size, "mos.dpdk.eal_args[%d]", i);
			return;
		}
}

static int eal_refused(const struct mos_config *cfg, int err,
		       const char *line)
{
	const char *mem = is_set(cfg->dpdk.socket_mem) ?
		"mos.dpdk.socket_mem" : "mos.dpdk.memory_mb";
	char setting[64];

	/* The EAL says EACCES when it finds no hugepages at all. */
	if (strstr(line, "hugepage"))
		return mos_config_fail(cfg, ENOMEM, "mos.dpdk.hugepages",
			"DPDK: no usable hugepages (%s): reserve them "
			"(mos-setup) or set dpdk.hugepages = false", line);
	switch (err) {
	case EALREADY:
		return mos_config_fail(cfg, EALREADY, "mos.dpdk", "DPDK: the "
			"EAL was already started in this process (it can "
			"start only once)");
	case ENOMEM:
		return mos_config_fail(cfg, ENOMEM, mem, "DPDK: too little "
			"memory: reserve hugepages (mos-setup) or lower "
			"dpdk.memory_mb (%s)", line);
	case EACCES:
		return mos_config_fail(cfg, EACCES, "mos.dpdk", "DPDK: "
			"permission denied (run as root or with CAP_IPC_LOCK "
			"and access to /dev/vfio): %s", line);
	default:
		refused_setting(cfg, line, setting, sizeof(setting));
		return mos_config_fail(cfg, EINVAL, setting, "DPDK: EAL "
			"refused to start: %s", *line ? line :
			rte_strerror(err));
	}
}

static int eal_start(struct dpdk_priv *pv, const struct mos_config *cfg,
		     struct logcap *lc)
{
	struct fdcap fc;
	char line[256];
	int argc, rc, err;

	argc = mos_dpdk_eal_argv(cfg, &pv->eal_argv);
	if (argc < 0)
		return errno == ENOMEM ?
			mos_config_fail(cfg, ENOMEM, "mos.dpdk", "DPDK: out "
					"of memory") :
			mos_config_fail(cfg, EINVAL, "mos.ports", "DPDK: no "
					"core in any port's core_mask");
	pv->eal_argv_copy = calloc((size_t)argc + 1, sizeof(char *));
	if (!pv->eal_argv_copy)
		return mos_config_fail(cfg, ENOMEM, "mos.dpdk",
				       "DPDK: out of memory");
	memcpy(pv->eal_argv_copy, pv->eal_argv, (size_t)argc * sizeof(char *));
	eal_started = true;
	fdcap_start(&fc);
	rc = rte_eal_init(argc, pv->eal_argv_copy);
	err = rte_errno;
	fdcap_stop(&fc, rc >= 0);
	if (rc >= 0) {
		pv->eal_up = true;
		if (rte_eal_process_type() != RTE_PROC_PRIMARY)
			return mos_config_fail(cfg, ENOTSUP,
				"mos.dpdk.file_prefix", "DPDK: runs as a "
				"secondary process (another program uses "
				"file_prefix \"%s\"); multi-process mode is "
				"not supported", cfg->dpdk.file_prefix ?
				cfg->dpdk.file_prefix : "");
		return 0;
	}
	if (fc.first[0])
		snprintf(line, sizeof(line), "%s", fc.first);
	else
		last_line(logcap_text(lc), line, sizeof(line));
	return eal_refused(cfg, err, line);
}

/* ------------------------------------------------------------ captures */

struct scan {
	struct dpdk_port *pp;
	const struct mos_config *cfg;
	int port;
	uint32_t maxcap;
};

/* Count the frames of one rx_pcap file, so that its end can be seen. */
static int scan_file(void *arg, int i, const char *path)
{
	struct scan *sc = arg;
	struct dpdk_rxfile *rf = &sc->pp->files[i];
	struct mos_pcap_scan s;

	if (mos_pcap_scan(path, &s) < 0)
		return mos_config_port_fail(sc->cfg, ENOENT, sc->port, "vdev",
					    "rx_pcap: %s", s.err);
	if (s.dlt != DLT_EN10MB)
		return mos_config_port_fail(sc->cfg, ENODEV, sc->port, "vdev",
					    "rx_pcap: %s: link type %s, need "
					    "Ethernet", path,
					    pcap_datalink_val_to_name(s.dlt));
	if (s.err[0])
		fprintf(stderr, "mos: port %s: %s: %s; reading %" PRIu64
			" frames\n", sc->cfg->ports[sc->port].name, path,
			s.err, s.frames);
	rf->expected = s.frames;
	rf->first_us = s.first_us;
	if (s.maxcap > sc->maxcap)
		sc->maxcap = s.maxcap;
	return 0;
}

/* A net_pcap device with no receive side (tx_pcap or tx_iface only). */
static bool send_only(const char *vdev)
{
	return strncmp(vdev, "net_pcap", 8) == 0 &&
	       vdev_args(vdev, "rx_iface", NULL, NULL) <= 0 &&
	       vdev_args(vdev, "rx_iface_in", NULL, NULL) <= 0 &&
	       vdev_args(vdev, "iface", NULL, NULL) <= 0;
}

/*
 * A net_pcap device with rx_pcap files (and no infinite_rx) is a capture
 * replay: count its files' frames and note the largest.  One with nothing
 * to receive has input that is over from the start.
 */
static int scan_port(struct dpdk_port *pp, const struct mos_config *cfg,
		     int port)
{
	const struct mos_port_conf *pc = &cfg->ports[port];
	struct scan sc = { .pp = pp, .cfg = cfg, .port = port };
	bool infinite = false;
	int n;

	pp->room = RTE_MBUF_DEFAULT_DATAROOM;
	if (!is_set(pc->vdev))
		return 0;
	n = vdev_args(pc->vdev, "rx_pcap", NULL, NULL);
	vdev_args(pc->vdev, "infinite_rx", not_zero, &infinite);
	if (n == 0 && send_only(pc->vdev)) {
		/* nothing to receive: input that has already ended */
		pp->files = calloc(1, sizeof(*pp->files));
		if (!pp->files)
			return mos_config_port_fail(cfg, ENOMEM, port, NULL,
						    "out of memory");
		pp->nfiles = 1;
		pp->offline = true;
		return 0;
	}
	if (n <= 0 || infinite)
		return 0;
	pp->files = calloc((size_t)n, sizeof(*pp->files));
	if (!pp->files)
		return mos_config_port_fail(cfg, ENOMEM, port, NULL,
					    "out of memory");
	pp->nfiles = n;
	if (vdev_args(pc->vdev, "rx_pcap", scan_file, &sc) < 0)
		return -1;
	pp->offline = true;
	if (sc.maxcap > pp->room)
		pp->room = (uint16_t)RTE_MIN(RTE_ALIGN(sc.maxcap, 1024),
					     DPDK_MAX_ROOM);
	return 0;
}

/* ------------------------------------------------------------ queues */

/*
 * RX queue of context c on port p: c's rank among the contexts polling p.
 * TX: each context gets a queue of its own when the device has enough
 * (forwarding sends out of ports a context does not poll); otherwise the
 * contexts outside the mask share the pollers' queues under a lock.
 */
static int plan_queues(struct dpdk_priv *pv, const struct mos_config *cfg,
		       int p, const struct rte_eth_dev_info *di)
{
	const struct mos_port_conf *pc = &cfg->ports[p];
	struct dpdk_port *pp = &pv->ports[p];
	int users[DPDK_MAX_CTX] = { 0 };
	int c, n = 0;

	for (c = 0; c < pv->nctx; c++) {
		int core = mos_config_core_of_context(cfg, c);

		pv->rxq[p][c] = -1;
		if (core >= 0 && (pc->core_mask & (UINT64_C(1) << core)))
			pv->rxq[p][c] = (int16_t)n++;
	}
	pp->nrxq = n ? n : 1;
	if (pp->nrxq > di->max_rx_queues) {
		/* fewer queues than contexts: the first context reads the
		 * one queue and the core spreads frames in software */
		for (c = 0; c < pv->nctx; c++)
			if (pv->rxq[p][c] > 0)
				pv->rxq[p][c] = -1;
		pp->nrxq = 1;
	}
	if (pp->offline && pp->nrxq > pp->nfiles)
		pp->offline = false;
	pp->ntxq = pv->nctx <= di->max_tx_queues ? pv->nctx : pp->nrxq;
	if (pp->ntxq > di->max_tx_queues)
		return mos_config_port_fail(cfg, EINVAL, p, "core_mask",
					    "%d contexts poll port %s but the "
					    "device has %u TX queues; narrow "
					    "the mask", pp->ntxq, pc->name,
					    di->max_tx_queues);
	pp->txq = calloc((size_t)pp->ntxq, sizeof(*pp->txq));
	if (!pp->txq)
		return mos_config_port_fail(cfg, ENOMEM, p, NULL,
					    "out of memory");
	for (c = 0; c < pv->nctx; c++) {
		if (pp->ntxq == pv->nctx)
			pv->txq[p][c] = (int16_t)c;
		else if (pv->rxq[p][c] >= 0)
			pv->txq[p][c] = pv->rxq[p][c];
		else
			pv->txq[p][c] = (int16_t)(c % pp->ntxq);
		users[pv->txq[p][c]]++;
	}
	for (c = 0; c < pp->ntxq; c++) {
		pp->txq[c].shared = users[c] > 1;
		pthread_spin_init(&pp->txq[c].lock, PTHREAD_PROCESS_PRIVATE);
	}
	return 0;
}

/* ------------------------------------------------------------ pools */

/* A context's pool, on its core's NUMA node if that node has memory. */
static struct rte_mempool *pool_create(const char *name,
				       const struct mos_config *cfg,
				       uint16_t room, int socket)
{
	unsigned priv = RTE_ALIGN(sizeof(struct mos_frame),
				  RTE_MBUF_PRIV_ALIGN);
	struct rte_mempool *mp;

	mp = rte_pktmbuf_pool_create(name, (unsigned)cfg->dpdk.mbufs,
				     (unsigned)cfg->dpdk.mbuf_cache,
				     (uint16_t)priv,
				     (uint16_t)(room + RTE_PKTMBUF_HEADROOM),
				     socket);
	if (!mp && rte_errno == ENOMEM && socket != SOCKET_ID_ANY)
		mp = pool_create(name, cfg, room, SOCKET_ID_ANY);
	return mp;
}

static int create_pools(struct dpdk_priv *pv, const struct mos_config *cfg)
{
	int c, p;

	for (c = 0; c < pv->nctx; c++) {
		uint16_t room = RTE_MBUF_DEFAULT_DATAROOM;
		int core = mos_config_core_of_context(cfg, c);
		int socket = core >= 0 ? (int)rte_lcore_to_socket_id(
						(unsigned)core) : SOCKET_ID_ANY;
		char name[RTE_MEMPOOL_NAMESIZE];

		for (p = 0; p < cfg->nports; p++)
			if (pv->rxq[p][c] >= 0 && pv->ports[p].room > room)
				room = pv->ports[p].room;
		snprintf(name, sizeof(name), "mos_ctx%d", c);
		pv->pools[c] = pool_create(name, cfg, room, socket);
		if (pv->pools[c])
			continue;
		if (rte_errno == ENOMEM || rte_errno == ENOSPC)
			return mos_config_fail(cfg, ENOMEM, "mos.dpdk.mbufs",
				"DPDK: mbuf pool of context %d (%d mbufs): "
				"too little memory: reserve hugepages "
				"(mos-setup), raise memory_mb or lower mbufs",
				c, cfg->dpdk.mbufs);
		return mos_config_fail(cfg, EINVAL, "mos.dpdk.mbufs", "DPDK: "
			"mbuf pool of context %d: mbufs %d / mbuf_cache %d "
			"refused: %s", c, cfg->dpdk.mbufs,
			cfg->dpdk.mbuf_cache, rte_strerror(rte_errno));
	}
	return 0;
}

/* ------------------------------------------------------------ ports */

static int find_port(struct dpdk_priv *pv, const struct mos_config *cfg,
		     int p)
{
	const struct mos_port_conf *pc = &cfg->ports[p];
	const char *spec = is_set(pc->pci) ? pc->pci : pc->vdev;
	char name[RTE_ETH_NAME_MAX_LEN];
	int q;

	if (!is_set(spec))
		return mos_config_port_fail(cfg, ENODEV, p, NULL, "neither "
					    "pci nor vdev is set (io = "
					    "\"dpdk\")");
	dev_name(spec, name, sizeof(name));
	if (rte_eth_dev_get_port_by_name(name, &pv->ports[p].id) != 0) {
		char why[256];

		if (!is_set(pc->pci))
			return mos_config_port_fail(cfg, ENODEV, p, "vdev",
				"DPDK could not create vdev %s (unknown "
				"driver or bad arguments)", name);
		mos_dpdk_pci_why("/sys", name, cfg->setup.driver, why,
				 sizeof(why));
		return mos_config_port_fail(cfg, ENODEV, p, "pci", "no DPDK "
					    "device at PCI %s: %s", name, why);
	}
	for (q = 0; q < p; q++)
		if (pv->ports[q].id == pv->ports[p].id)
			return mos_config_port_fail(cfg, EINVAL, p, "source",
				"the same device %s as mos.ports[%d] (%s)",
				name, q, cfg->ports[q].name);
	return 0;
}

/* RSS over the port's queues with a symmetric key of the device's size. */
static int rss_setup(struct dpdk_port *pp, const struct mos_config *cfg,
		     int p, const struct rte_eth_dev_info *di,
		     struct rte_eth_conf *conf)
{
	unsigned i;

	if (pp->nrxq <= 1)
		return 0;
	if (!(di->flow_type_rss_offloads & DPDK_RSS_HF))
		return mos_config_port_fail(cfg, EINVAL, p, "core_mask",
					    "%d contexts poll port %s but the "
					    "device cannot spread TCP/IP flows "
					    "(no RSS); narrow the mask",
					    pp->nrxq, cfg->ports[p].name);
	/* 0x05 repeated (GetRSSCPUCore(3)) hashes both directions of a flow
	 * alike, and is the key GetRSSCPUCore and the software spread use
	 * (lib/host/rss.h) */
	for (i = 0; i < di->hash_key_size && i < sizeof(pp->rss_key); i++)
		pp->rss_key[i] = 0x05;
	conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	conf->rx_adv_conf.rss_conf.rss_key = di->hash_key_size ? pp->rss_key
							       : NULL;
	conf->rx_adv_conf.rss_conf.rss_key_len = di->hash_key_size;
	conf->rx_adv_conf.rss_conf.rss_hf = di->flow_type_rss_offloads &
					    DPDK_RSS_HF;
	return 0;
}

/* The redirection table as lib/host/rss.h says: entry i to queue
 * (i mod 128) mod queues, so the hash's low 7 bits pick the queue, the
 * queue being the context's rank among the port's pollers.  Without it
 * the flows still spread, but GetRSSCPUCore may disagree: said once. */
static void reta_setup(struct dpdk_port *pp, const struct mos_config *cfg,
		       int p, const struct rte_eth_dev_info *di)
{
	struct rte_eth_rss_reta_entry64 reta[RTE_ETH_RSS_RETA_SIZE_512 /
					     RTE_ETH_RETA_GROUP_SIZE];
	unsigned i, n = di->reta_size;
	int rc;

	if (pp->nrxq <= 1)
		return;
	if (n == 0 || n > RTE_ETH_RSS_RETA_SIZE_512) {
		rc = -ENOTSUP;
	} else {
		memset(reta, 0, sizeof(reta));
		for (i = 0; i < n; i++) {
			reta[i / RTE_ETH_RETA_GROUP_SIZE].mask |=
				UINT64_C(1) << (i % RTE_ETH_RETA_GROUP_SIZE);
			reta[i / RTE_ETH_RETA_GROUP_SIZE]
				.reta[i % RTE_ETH_RETA_GROUP_SIZE] =
				(uint16_t)((i % 128u) % (unsigned)pp->nrxq);
		}
		rc = rte_eth_dev_rss_reta_update(pp->id, reta, (uint16_t)n);
	}
	if (rc)
		fprintf(stderr, "mos: port %s: RSS redirection table not set "
			"(%s): GetRSSCPUCore and end-host source ports may not "
			"match where this device sends flows\n",
			cfg->ports[p].name, rte_strerror(-rc));
}

/* A queue refused: for want of mbufs or memory, or by the device. */
static int queue_fail(const struct mos_config *cfg, int p, int rc,
		      const char *dir, int q)
{
	if (rc == -ENOMEM)
		return mos_config_fail(cfg, ENOMEM, "mos.dpdk.mbufs", "port "
				       "%s: %s queue %d: %s",
				       cfg->ports[p].name, dir, q,
				       rte_strerror(-rc));
	return mos_config_port_fail(cfg, EINVAL, p, "source", "%s queue %d: "
				    "%s", dir, q, rte_strerror(-rc));
}

static int setup_queues(struct dpdk_priv *pv, const struct mos_config *cfg,
			int p)
{
	const struct mos_port_conf *pc = &cfg->ports[p];
	struct dpdk_port *pp = &pv->ports[p];
	uint16_t nrx = (uint16_t)cfg->dpdk.rx_desc;
	uint16_t ntx = (uint16_t)cfg->dpdk.tx_desc;
	int socket = rte_eth_dev_socket_id(pp->id);
	int q, c, rc;

	if (socket < 0)
		socket = SOCKET_ID_ANY;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(pp->id, &nrx, &ntx);
	if (rc)
		return mos_config_fail(cfg, EINVAL, "mos.dpdk.rx_desc", "port "
				       "%s: rx_desc %d / tx_desc %d refused: "
				       "%s", pc->name, cfg->dpdk.rx_desc,
				       cfg->dpdk.tx_desc, rte_strerror(-rc));
	for (q = 0; q < pp->nrxq; q++) {
		struct rte_mempool *mp = pv->pools[0];

		for (c = 0; c < pv->nctx; c++)
			if (pv->rxq[p][c] == q)
				mp = pv->pools[c];
		rc = rte_eth_rx_queue_setup(pp->id, (uint16_t)q, nrx,
					    (unsigned)socket, NULL, mp);
		if (rc)
			return queue_fail(cfg, p, rc, "RX", q);
	}
	for (q = 0; q < pp->ntxq; q++) {
		rc = rte_eth_tx_queue_setup(pp->id, (uint16_t)q, ntx,
					    (unsigned)socket, NULL);
		if (rc)
			return queue_fail(cfg, p, rc, "TX", q);
	}
	return 0;
}

static int setup_port(struct dpdk_priv *pv, const struct mos_config *cfg,
		      int p)
{
	const struct mos_port_conf *pc = &cfg->ports[p];
	struct dpdk_port *pp = &pv->ports[p];
	struct rte_eth_conf conf;
	struct rte_eth_dev_info di;
	int rc;

	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_info_get(pp->id, &di);
	if (rc)
		return mos_config_port_fail(cfg, ENODEV, p, "source", "%s",
					    rte_strerror(-rc));
	if (rss_setup(pp, cfg, p, &di, &conf) < 0)
		return -1;
	/* the NIC's verdict spares summing every byte (pkt_parse.h) */
	conf.rxmode.offloads |= di.rx_offload_capa &
				(RTE_ETH_RX_OFFLOAD_IPV4_CKSUM |
				 RTE_ETH_RX_OFFLOAD_TCP_CKSUM);
	rc = rte_eth_dev_configure(pp->id, (uint16_t)pp->nrxq,
				   (uint16_t)pp->ntxq, &conf);
	if (rc)
		return mos_config_port_fail(cfg, EINVAL, p, "source",
					    "configuration refused: %s",
					    rte_strerror(-rc));
	pp->configured = true;
	if (setup_queues(pv, cfg, p) < 0)
		return -1;
	rc = rte_eth_dev_start(pp->id);
	if (rc == -ENOMEM)
		return mos_config_fail(cfg, ENOMEM, "mos.dpdk.mbufs", "port "
				       "%s: cannot start: %s (raise mbufs "
				       "above the RX descriptors)", pc->name,
				       rte_strerror(-rc));
	if (rc)
		return mos_config_port_fail(cfg, ENODEV, p, "source",
					    "cannot start: %s",
					    rte_strerror(-rc));
	pp->started = true;
	reta_setup(pp, cfg, p, &di);
	rc = rte_eth_promiscuous_enable(pp->id);
	if (rc && rc != -ENOTSUP)
		fprintf(stderr, "mos: port %s: promiscuous mode: %s\n",
			pc->name, rte_strerror(-rc));
	rte_eth_stats_get(pp->id, &pp->last);
	return 0;
}

/* ------------------------------------------------------------ open/close */

static void dpdk_close(struct mos_io *io);

static int dpdk_setup(struct mos_io *io, struct logcap *lc)
{
	const struct mos_config *cfg = io->cfg;
	struct dpdk_priv *pv = io->priv;
	int p;

	io->offline = cfg->nports > 0;
	for (p = 0; p < cfg->nports; p++) {
		if (scan_port(&pv->ports[p], cfg, p) < 0)
			return -1;
		if (!pv->ports[p].offline)
			io->offline = false;
	}
	if (eal_start(pv, cfg, lc) < 0)
		return -1;
	if (io->offline &&
	    rte_mbuf_dyn_rx_timestamp_register(&pv->ts_off, &pv->ts_flag))
		pv->ts_off = -1;
	for (p = 0; p < cfg->nports; p++)
		if (find_port(pv, cfg, p) < 0)
			return -1;
	for (p = 0; p < cfg->nports; p++) {
		struct rte_eth_dev_info di;
		int rc = rte_eth_dev_info_get(pv->ports[p].id, &di);

		if (rc)
			return mos_config_port_fail(cfg, ENODEV, p, "source",
						    "%s", rte_strerror(-rc));
		if (plan_queues(pv, cfg, p, &di) < 0)
			return -1;
	}
	if (create_pools(pv, cfg) < 0)
		return -1;
	for (p = 0; p < cfg->nports; p++)
		if (setup_port(pv, cfg, p) < 0)
			return -1;
	/* A port is offline only if every queue reads a file. */
	for (p = 0; p < cfg->nports; p++)
		if (!pv->ports[p].offline)
			io->offline = false;
	return 0;
}

static int dpdk_open(struct mos_io *io)
{
	const struct mos_config *cfg = io->cfg;
	struct logcap lc = { 0 };
	struct dpdk_priv *pv;
	int rc, err;

	if (eal_started)
		return mos_config_fail(cfg, EALREADY, "mos.dpdk", "DPDK: the "
				       "EAL was already started in this "
				       "process (it can start only once)");
	if (io->nctx < 1 || io->nctx > DPDK_MAX_CTX)
		return mos_config_fail(cfg, EINVAL, "mos.ports", "DPDK: %d "
				       "contexts (1..%d)", io->nctx,
				       DPDK_MAX_CTX);
	pv = calloc(1, sizeof(*pv));
	if (!pv)
		return mos_config_fail(cfg, ENOMEM, "mos.dpdk",
				       "DPDK: out of memory");
	pv->nctx = io->nctx;
	pv->ts_off = -1;
	pthread_mutex_init(&pv->stat_lock, NULL);
	io->priv = pv;
	/* DPDK logs to stdout by default; libmos keeps stdout clean. */
	lc.f = open_memstream(&lc.buf, &lc.len);
	rte_openlog_stream(lc.f ? lc.f : stderr);
	rc = dpdk_setup(io, &lc);
	err = errno;
	rte_openlog_stream(stderr);
	if (lc.f) {
		fclose(lc.f);
		/* On success pass on what DPDK said (warnings, or what a
		 * user's --log-level asked for). */
		if (rc == 0 && lc.buf && *lc.buf)
			fputs(lc.buf, stderr);
		free(lc.buf);
	}
	if (rc < 0) {
		dpdk_close(io);
		errno = err;
		return -1;
	}
	pv->open_us = mono_us();
	for (int p = 0; p < cfg->nports; p++)
		pv->ports[p].last_us = pv->open_us;
	return 0;
}

static void freeq_flush(struct dpdk_freeq *fq);

static void dpdk_close(struct mos_io *io)
{
	struct dpdk_priv *pv = io->priv;
	int p, c;

	if (!pv)
		return;
	for (p = 0; p < MOS_MAX_PORTS; p++) {
		struct dpdk_port *pp = &pv->ports[p];

		if (pp->started)
			rte_eth_dev_stop(pp->id);
		if (pp->configured)
			rte_eth_dev_close(pp->id);
		if (pp->txq)
			for (c = 0; c < pp->ntxq; c++)
				pthread_spin_destroy(&pp->txq[c].lock);
		free(pp->txq);
		free(pp->files);
	}
	for (c = 0; c < DPDK_MAX_CTX; c++)
		freeq_flush(&pv->freeq[c]);
	for (c = 0; c < DPDK_MAX_CTX; c++)
		rte_mempool_free(pv->pools[c]);
	if (pv->eal_up)
		rte_eal_cleanup();
	mos_dpdk_argv_free(pv->eal_argv);
	free(pv->eal_argv_copy);
	pthread_mutex_destroy(&pv->stat_lock);
	free(pv);
	io->priv = NULL;
}

/* ------------------------------------------------------------ packet path */

static uint64_t capture_stamp(struct dpdk_priv *pv, struct dpdk_rxfile *rf,
			      struct rte_mbuf *m, uint64_t now)
{
	uint64_t raw;

	if (pv->ts_off < 0 || !(m->ol_flags & pv->ts_flag))
		return rf->last_us ? rf->last_us : now;
	raw = *RTE_MBUF_DYNFIELD(m, pv->ts_off, uint64_t *);
	/* The field's unit is the driver's; the first frame tells which. */
	if (!rf->ts_div)
		rf->ts_div = raw / 1000 == rf->first_us && raw != rf->first_us
			     ? 1000 : 1;
	rf->last_us = raw / rf->ts_div;
	return rf->last_us;
}

/* The rx checksum flags of ports that report them (setup_port asks for
 * them when the device can); UNKNOWN and NONE leave the work to us. */
static unsigned csum_verdict(uint64_t ol)
{
	unsigned v = 0;

	if ((ol & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
		v |= MOS_CSUM_HW_IP_GOOD;
	else if ((ol & RTE_MBUF_F_RX_IP_CKSUM_MASK) ==
		 RTE_MBUF_F_RX_IP_CKSUM_BAD)
		v |= MOS_CSUM_HW_IP_BAD;
	if ((ol & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		v |= MOS_CSUM_HW_L4_GOOD;
	else if ((ol & RTE_MBUF_F_RX_L4_CKSUM_MASK) ==
		 RTE_MBUF_F_RX_L4_CKSUM_BAD)
		v |= MOS_CSUM_HW_L4_BAD;
	return v;
}

static struct mos_frame *wrap(struct rte_mbuf *m, int port, uint64_t ts)
{
	struct mos_frame *f = rte_mbuf_to_priv(m);

	f->data = rte_pktmbuf_mtod(m, uint8_t *);
	f->len = m->data_len;
	f->room = (uint32_t)m->data_len + rte_pktmbuf_tailroom(m);
	f->ts_us = ts;
	f->port = port;
	f->kind = MOS_FRAME_UNPARSED;
	f->csum_hw = csum_verdict(m->ol_flags);
	f->handle = m;
	return f;
}

static void freeq_flush(struct dpdk_freeq *fq)
{
	if (fq->n)
		rte_pktmbuf_free_bulk(fq->m, fq->n);
	fq->n = 0;
}

static int dpdk_rx_queues(struct mos_io *io, int port)
{
	struct dpdk_priv *pv = io->priv;

	return pv->ports[port].nrxq;
}

/* Offline: has the queue's file been read to the end? */
static bool input_ended(struct dpdk_rxfile *rf, const char *name)
{
	uint64_t now;

	if (rf->seen >= rf->expected)
		return rf->ended = true;
	now = mono_us();
	if (!rf->idle_since) {
		rf->idle_since = now;
		return false;
	}
	if (now - rf->idle_since < DPDK_IDLE_END_US)
		return false;
	fprintf(stderr, "mos: port %s: capture stopped after %" PRIu64
		" of %" PRIu64 " frames\n", name, rf->seen, rf->expected);
	return rf->ended = true;
}

static int dpdk_rx(struct mos_io *io, int ctx, int port,
		   struct mos_frame **frames, int max)
{
	struct dpdk_priv *pv = io->priv;
	struct dpdk_port *pp = &pv->ports[port];
	int q = pv->rxq[port][ctx];
	struct dpdk_rxfile *rf;
	struct rte_mbuf *m[DPDK_CHUNK];
	uint64_t now, got_all = 0;
	int n = 0;

	if (ctx >= 0 && ctx < DPDK_MAX_CTX)
		freeq_flush(&pv->freeq[ctx]);
	if (q < 0)
		return 0;
	rf = pp->offline ? &pp->files[q] : NULL;
	if (rf && rf->ended)
		return -1;
	now = mono_us();
	while (n < max) {
		int want = RTE_MIN(max - n, DPDK_CHUNK);
		int got = rte_eth_rx_burst(pp->id, (uint16_t)q, m,
					   (uint16_t)want);
		int i;

		for (i = 0; i < got; i++) {
			uint64_t ts = rf ? capture_stamp(pv, rf, m[i], now)
					 : now;

			if (m[i]->nb_segs > 1) {
				__atomic_fetch_add(&pp->rx_multiseg, 1,
						   __ATOMIC_RELAXED);
				rte_pktmbuf_free(m[i]);
				continue;
			}
			frames[n++] = wrap(m[i], port, ts);
		}
		got_all += (uint64_t)got;
		if (got < want)
			break;
	}
	if (!rf)
		return n;
	rf->seen += got_all;
	if (got_all) {
		rf->idle_since = 0;
		return n;
	}
	return input_ended(rf, io->cfg->ports[port].name) ? -1 : 0;
}

/* The mbuf as the core left the frame: new length, maybe moved start. */
static bool frame_to_mbuf(struct mos_frame *f, struct rte_mbuf *m)
{
	uint8_t *buf = m->buf_addr;

	if (f->data < buf || f->len > m->buf_len ||
	    (size_t)(f->data - buf) > (size_t)(m->buf_len - f->len))
		return false;
	m->data_off = (uint16_t)(f->data - buf);
	m->data_len = (uint16_t)f->len;
	m->pkt_len = f->len;
	return true;
}

static int dpdk_tx(struct mos_io *io, int ctx, int port,
		   struct mos_frame **frames, int n)
{
	struct dpdk_priv *pv = io->priv;
	struct dpdk_port *pp = &pv->ports[port];
	struct dpdk_txq *tq = &pp->txq[pv->txq[port][ctx]];
	uint16_t q = (uint16_t)pv->txq[port][ctx];
	struct rte_mbuf *m[DPDK_CHUNK];
	int done = 0, sent = 0;

	while (done < n) {
		int chunk = RTE_MIN(n - done, DPDK_CHUNK);
		int k = 0, s, i;

		for (i = 0; i < chunk; i++) {
			struct mos_frame *f = frames[done + i];

			if (frame_to_mbuf(f, f->handle)) {
				m[k++] = f->handle;
			} else {
				__atomic_fetch_add(&pp->tx_unsent, 1,
						   __ATOMIC_RELAXED);
				rte_pktmbuf_free(f->handle);
			}
		}
		done += chunk;
		if (tq->shared)
			pthread_spin_lock(&tq->lock);
		s = rte_eth_tx_burst(pp->id, q, m, (uint16_t)k);
		if (tq->shared)
			pthread_spin_unlock(&tq->lock);
		if (s < k) {
			__atomic_fetch_add(&pp->tx_unsent, (uint64_t)(k - s),
					   __ATOMIC_RELAXED);
			rte_pktmbuf_free_bulk(m + s, (unsigned)(k - s));
		}
		sent += s;
	}
	return sent;
}

static void dpdk_free_frames(struct mos_io *io, int ctx,
			     struct mos_frame **frames, int n)
{
	struct dpdk_priv *pv = io->priv;
	struct dpdk_freeq *fq;
	int i;

	if (ctx < 0 || ctx >= DPDK_MAX_CTX) {
		for (i = 0; i < n; i++)
			rte_pktmbuf_free(frames[i]->handle);
		return;
	}
	fq = &pv->freeq[ctx];
	for (i = 0; i < n; i++) {
		if (fq->n == DPDK_CHUNK)
			freeq_flush(fq);
		fq->m[fq->n++] = frames[i]->handle;
	}
}

static struct mos_frame *dpdk_alloc(struct mos_io *io, int ctx)
{
	struct dpdk_priv *pv = io->priv;
	struct rte_mbuf *m = rte_pktmbuf_alloc(pv->pools[ctx]);

	if (!m) {
		errno = ENOBUFS;
		return NULL;
	}
	return wrap(m, -1, mono_us());
}

static uint64_t dpdk_now(struct mos_io *io)
{
	(void)io;
	return mono_us();
}

/* ------------------------------------------------------------ statistics */

static double rate(uint64_t now, uint64_t then, double dt)
{
	return dt > 0 ? (double)(now - then) / dt : 0;
}

static void port_stats(struct dpdk_port *pp, const char *name, uint64_t now)
{
	struct rte_eth_stats s;
	double dt = (double)(now - pp->last_us) / 1e6;

	if (rte_eth_stats_get(pp->id, &s))
		return;
	fprintf(stderr, "[%s] RX: %.3f Gbps %.0f pps (drops %" PRIu64 ")  "
		"TX: %.3f Gbps %.0f pps (drops %" PRIu64 ")\n", name,
		rate(s.ibytes, pp->last.ibytes, dt) * 8 / 1e9,
		rate(s.ipackets, pp->last.ipackets, dt),
		s.imissed + s.rx_nombuf + s.ierrors +
		__atomic_load_n(&pp->rx_multiseg, __ATOMIC_RELAXED),
		rate(s.obytes, pp->last.obytes, dt) * 8 / 1e9,
		rate(s.opackets, pp->last.opackets, dt),
		s.oerrors + __atomic_load_n(&pp->tx_unsent, __ATOMIC_RELAXED));
	pp->last = s;
	pp->last_us = now;
}

static void dpdk_stats(struct mos_io *io, int ctx)
{
	const struct mos_config *cfg = io->cfg;
	struct dpdk_priv *pv = io->priv;
	uint64_t now = mono_us();
	int i;

	(void)ctx;
	pthread_mutex_lock(&pv->stat_lock);
	for (i = 0; i < cfg->n_stat_print; i++) {
		int p = cfg->stat_print[i];

		if (p >= 0 && p < cfg->nports)
			port_stats(&pv->ports[p], cfg->ports[p].name, now);
	}
	pthread_mutex_unlock(&pv->stat_lock);
}

static int dpdk_port_mac(struct mos_io *io, int port, uint8_t mac[6])
{
	struct dpdk_priv *pv = io->priv;
	struct rte_ether_addr a;

	if (!pv || port < 0 || port >= io->cfg->nports ||
	    !pv->ports[port].configured ||
	    rte_eth_macaddr_get(pv->ports[port].id, &a) != 0)
		return -1;
	memcpy(mac, a.addr_bytes, 6);
	return 0;
}

const struct mos_io_ops mos_io_dpdk_ops = {
	.name = "dpdk",
	.open = dpdk_open,
	.rx_burst = dpdk_rx,
	.tx_burst = dpdk_tx,
	.free_frames = dpdk_free_frames,
	.alloc_frame = dpdk_alloc,
	.now_us = dpdk_now,
	.rx_queues = dpdk_rx_queues,
	.port_mac = dpdk_port_mac,
	.print_stats = dpdk_stats,
	.close = dpdk_close,
};
