/*
 * io_dpdk_argv.c -- the EAL command line built from the configuration,
 * the vdev strings it is made of, and why a PCI device was not found.
 */
#include "io_dpdk_impl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
void mos_dpdk_dev_name(const char *spec, char *buf, size_t size)
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
int mos_dpdk_vdev_args(const char *vdev, const char *key,
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

int mos_dpdk_not_zero(void *arg, int i, const char *val)
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
	if (mos_dpdk_is_set(cfg->dpdk.socket_mem)) {
		if (argv_add(a, "--socket-mem=%s", cfg->dpdk.socket_mem) < 0)
			return -1;
	} else if (cfg->dpdk.memory_mb > 0) {
		if (argv_add(a, "-m") < 0 ||
		    argv_add(a, "%d", cfg->dpdk.memory_mb) < 0)
			return -1;
	}
	if (mos_dpdk_is_set(cfg->dpdk.hugepage_dir) &&
	    argv_add(a, "--huge-dir=%s", cfg->dpdk.hugepage_dir) < 0)
		return -1;
	return 0;
}

static int add_devices(struct argv_buf *a, const struct mos_config *cfg)
{
	int i, npci = 0;

	for (i = 0; i < cfg->nports; i++) {
		const struct mos_port_conf *pc = &cfg->ports[i];

		if (mos_dpdk_is_set(pc->vdev) && argv_add(a, "--vdev=%s", pc->vdev) < 0)
			return -1;
		if (mos_dpdk_is_set(pc->pci)) {
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
	if (mos_dpdk_is_set(cfg->dpdk.file_prefix) &&
	    argv_add(&a, "--file-prefix=%s", cfg->dpdk.file_prefix) < 0)
		goto nomem;
	if (mos_dpdk_is_set(cfg->dpdk.proc_type) &&
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
