/*
 * config_dpdk.c -- mos.dpdk (EAL settings), mos.multiprocess and mos.setup
 * (what utils/mos-setup prepares: hugepages, hugetlbfs, the PCI driver).
 */
#include "internal.h"
#include "config_impl.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ mos.dpdk */

static const struct key dpdk_keys[] = {
	{ "mem_channels", K_INT }, { "hugepages", K_BOOL },
	{ "memory_mb", K_INT }, { "socket_mem", K_STRING },
	{ "hugepage_dir", K_STRING }, { "file_prefix", K_STRING },
	{ "proc_type", K_STRING }, { "mbufs", K_INT },
	{ "mbuf_cache", K_INT }, { "rx_desc", K_INT }, { "tx_desc", K_INT },
	{ "eal_args", K_LIST },
};

static const char *const proc_types[] = {
	"auto", "primary", "secondary", NULL
};

static int load_eal_args(const struct loader *l, const config_setting_t *s)
{
	struct mos_config *c = l->c;
	int n = config_setting_length(s);

	if (cfg_check_strings(l, s))
		return -1;
	if (n == 0)
		return 0;
	c->dpdk.eal_args = calloc((size_t)n, sizeof(char *));
	if (!c->dpdk.eal_args)
		return cfg_no_memory(l);
	for (int i = 0; i < n; i++) {
		const char *v = config_setting_get_string_elem(s, i);

		if (cfg_set_string(l, &c->dpdk.eal_args[i], v))
			return -1;
		c->dpdk.n_eal_args = i + 1;
	}
	return 0;
}

/* "" or "N[,N]..." */
static bool socket_mem_valid(const char *v)
{
	bool digit = false;

	if (!*v)
		return true;
	for (; *v; v++) {
		if (isdigit((unsigned char)*v))
			digit = true;
		else if (*v == ',' && digit)
			digit = false;
		else
			return false;
	}
	return digit;
}

static int load_dpdk_paths(const struct loader *l, const config_setting_t *g)
{
	struct mos_config *c = l->c;
	const config_setting_t *s;
	int pt = 0;

	s = config_setting_get_member(g, "socket_mem");
	if (s && !socket_mem_valid(config_setting_get_string(s)))
		return cfg_bad(l, s, "must be \"\" or megabytes per NUMA node, "
			       "example \"1024,1024\"");
	s = config_setting_get_member(g, "hugepage_dir");
	if (s && config_setting_get_string(s)[0] &&
	    config_setting_get_string(s)[0] != '/')
		return cfg_bad(l, s, "must be \"\" or an absolute path");
	s = config_setting_get_member(g, "file_prefix");
	if (s && !config_setting_get_string(s)[0])
		return cfg_bad(l, s, "must not be empty");
	if (cfg_get_choice(l, g, "proc_type", proc_types, &pt))
		return -1;
	if (cfg_get_string(l, g, "socket_mem", &c->dpdk.socket_mem) ||
	    cfg_get_string(l, g, "hugepage_dir", &c->dpdk.hugepage_dir) ||
	    cfg_get_string(l, g, "file_prefix", &c->dpdk.file_prefix) ||
	    cfg_get_string(l, g, "proc_type", &c->dpdk.proc_type))
		return -1;
	return 0;
}

int cfg_load_dpdk(const struct loader *l, const config_setting_t *g)
{
	struct mos_config *c = l->c;
	const config_setting_t *s;

	if (cfg_check_members(l, g, dpdk_keys, MOS_ARRAY_SIZE(dpdk_keys)))
		return -1;
	if (cfg_get_int(l, g, "mem_channels", 1, INT_MAX,
			&c->dpdk.mem_channels) ||
	    cfg_get_int(l, g, "memory_mb", 0, INT_MAX, &c->dpdk.memory_mb) ||
	    cfg_get_int(l, g, "mbufs", 1, INT_MAX, &c->dpdk.mbufs) ||
	    cfg_get_int(l, g, "mbuf_cache", 0, 512, &c->dpdk.mbuf_cache) ||
	    cfg_get_int(l, g, "rx_desc", 1, 32768, &c->dpdk.rx_desc) ||
	    cfg_get_int(l, g, "tx_desc", 1, 32768, &c->dpdk.tx_desc))
		return -1;
	cfg_get_bool(g, "hugepages", &c->dpdk.hugepages);
	s = config_setting_get_member(g, "hugepages");
	if (!c->dpdk.hugepages && c->dpdk.memory_mb <= 0)
		return cfg_bad(l, s ? s : g,
			       "false requires mos.dpdk.memory_mb > 0");
	if (load_dpdk_paths(l, g))
		return -1;
	s = config_setting_get_member(g, "eal_args");
	if (s && load_eal_args(l, s))
		return -1;
	return 0;
}

/* ------------------------------------------------ multiprocess, setup */

static const struct key mp_keys[] = {
	{ "enabled", K_BOOL }, { "core", K_INT }, { "master", K_BOOL },
};

int cfg_load_multiprocess(const struct loader *l, const config_setting_t *g)
{
	struct mos_config *c = l->c;

	if (cfg_check_members(l, g, mp_keys, MOS_ARRAY_SIZE(mp_keys)) ||
	    cfg_get_int(l, g, "core", 0, 63, &c->multiprocess.core))
		return -1;
	cfg_get_bool(g, "enabled", &c->multiprocess.enabled);
	cfg_get_bool(g, "master", &c->multiprocess.master);
	if (c->multiprocess.enabled)
		return cfg_bad(l, config_setting_get_member(g, "enabled"),
			       "DPDK multi-process mode is not supported by "
			       "this version of libmos");
	return 0;
}

static const struct key setup_keys[] = {
	{ "hugepages", K_LIST }, { "hugetlbfs_mount", K_STRING },
	{ "driver", K_STRING },
};
static const struct key hugepage_keys[] = {
	{ "node", K_INT }, { "size_kb", K_INT }, { "pages", K_INT },
};
static const char *const drivers[] = { "vfio-pci", "uio_pci_generic", NULL };

static int load_hugepage(const struct loader *l, const config_setting_t *g,
			 struct mos_hugepage_req *h)
{
	struct mos_config *c = l->c;

	h->node = 0;
	h->size_kb = 2048;
	if (cfg_check_group(l, g, hugepage_keys,
			    MOS_ARRAY_SIZE(hugepage_keys)) ||
	    !cfg_need(l, g, "pages") ||
	    cfg_get_int(l, g, "node", 0, 1023, &h->node) ||
	    cfg_get_int(l, g, "pages", 0, INT_MAX, &h->pages) ||
	    cfg_get_int(l, g, "size_kb", 4, INT_MAX, &h->size_kb))
		return -1;
	if (h->size_kb & (h->size_kb - 1))
		return cfg_bad(l, config_setting_get_member(g, "size_kb"),
			       "must be a power of two (2048, 1048576, ...)");
	for (int i = 0; i < c->setup.n_hugepages; i++) {
		struct mos_hugepage_req *o = &c->setup.hugepages[i];

		if (o->node == h->node && o->size_kb == h->size_kb)
			return cfg_bad(l, g, "node %d, size_kb %d given twice",
				       h->node, h->size_kb);
	}
	return 0;
}

static int load_hugepages(const struct loader *l, const config_setting_t *s)
{
	struct mos_config *c = l->c;
	int n = config_setting_length(s);

	if (n == 0)
		return 0;
	c->setup.hugepages = calloc((size_t)n, sizeof(*c->setup.hugepages));
	if (!c->setup.hugepages)
		return cfg_no_memory(l);
	for (int i = 0; i < n; i++) {
		if (load_hugepage(l, config_setting_get_elem(s, i),
				  &c->setup.hugepages[i]))
			return -1;
		c->setup.n_hugepages = i + 1;
	}
	return 0;
}

int cfg_load_setup(const struct loader *l, const config_setting_t *g)
{
	struct mos_config *c = l->c;
	const config_setting_t *s;
	int drv = 0;

	if (cfg_check_members(l, g, setup_keys, MOS_ARRAY_SIZE(setup_keys)))
		return -1;
	s = config_setting_get_member(g, "hugepages");
	if (s && load_hugepages(l, s))
		return -1;
	s = config_setting_get_member(g, "hugetlbfs_mount");
	if (s && config_setting_get_string(s)[0] &&
	    config_setting_get_string(s)[0] != '/')
		return cfg_bad(l, s, "must be \"\" or an absolute path");
	if (cfg_get_choice(l, g, "driver", drivers, &drv) ||
	    cfg_get_string(l, g, "hugetlbfs_mount",
			   &c->setup.hugetlbfs_mount) ||
	    cfg_get_string(l, g, "driver", &c->setup.driver))
		return -1;
	return 0;
}
