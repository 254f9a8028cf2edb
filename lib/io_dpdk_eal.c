/*
 * io_dpdk_eal.c -- starting the EAL, and telling its refusal in one line
 * naming the setting it is about.
 */
#include "io_dpdk_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>

bool mos_dpdk_eal_started;

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
		const char *spec = mos_dpdk_is_set(pc->vdev) ? pc->vdev : pc->pci;

		if (!mos_dpdk_is_set(spec))
			continue;
		mos_dpdk_dev_name(spec, name, sizeof(name));
		if (strstr(line, name)) {
			snprintf(setting, size, "mos.ports[%d].%s", i,
				 mos_dpdk_is_set(pc->vdev) ? "vdev" : "pci");
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
	const char *mem = mos_dpdk_is_set(cfg->dpdk.socket_mem) ?
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

int mos_dpdk_eal_start(struct dpdk_priv *pv, const struct mos_config *cfg,
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
	mos_dpdk_eal_started = true;
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
