/*
 * config.c -- load, free and query the libmos configuration (mos.conf(5)).
 *
 * libconfig parses the file; the parts named in config_impl.h check it
 * against the schema.  This file reads the file, runs the parts, holds the
 * defaults and converts to and from the API view (struct mtcp_conf).
 */
#include "internal.h"
#include "config_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ------------------------------------------------------------ top level */

static const struct key root_keys[] = {
	{ "mos", K_GROUP }, { "applications", K_LIST },
};

static int popcount64(uint64_t v)
{
	return __builtin_popcountll(v);
}

static int load_all(struct loader *l)
{
	const config_setting_t *root = config_root_setting(&l->cfg);
	struct mos_config *c = l->c;

	if (cfg_check_members(l, root, root_keys, MOS_ARRAY_SIZE(root_keys)) ||
	    cfg_load_mos(l, root) ||
	    cfg_load_part(l, root, "applications", cfg_load_apps) ||
	    cfg_record_where(l))
		return -1;
	c->num_cores = popcount64(c->cpu_mask);
	c->max_num_buffers = c->max_concurrency;
	return 0;
}

/* Open failures keep their errno (ENOENT, EACCES, EISDIR, ...). */
static int check_readable(const char *path)
{
	struct stat st;
	FILE *f = fopen(path, "r");
	int err = 0;

	if (!f)
		err = errno;
	else if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode))
		err = EISDIR;
	if (f)
		fclose(f);
	if (err) {
		fprintf(stderr, "mos: %s: cannot open: %s\n", path,
			strerror(err));
		errno = err;
		return -1;
	}
	return 0;
}

static int read_file(struct loader *l)
{
	const char *file;

	if (check_readable(l->file))
		return -1;
	if (config_read_file(&l->cfg, l->file) == CONFIG_TRUE)
		return 0;
	file = config_error_file(&l->cfg);
	if (config_error_type(&l->cfg) == CONFIG_ERR_FILE_IO)
		fprintf(stderr, "mos: %s: cannot read: %s\n",
			file ? file : l->file, config_error_text(&l->cfg));
	else
		fprintf(stderr, "mos: %s:%d: %s\n", file ? file : l->file,
			config_error_line(&l->cfg),
			config_error_text(&l->cfg));
	errno = EINVAL;
	return -1;
}

static bool defaults_present(const struct mos_config *c)
{
	return c->mos_log && c->dpdk.socket_mem && c->dpdk.hugepage_dir &&
		c->dpdk.file_prefix && c->dpdk.proc_type &&
		c->setup.hugetlbfs_mount && c->setup.driver;
}

int mos_config_load(struct mos_config *c, const char *path)
{
	struct loader l = { .file = path, .c = c };
	int ret = -1;

	mos_config_init(c);
	if (!path) {
		fprintf(stderr, "mos: no configuration file given\n");
		errno = EINVAL;
		mos_config_free(c);
		return -1;
	}
	config_init(&l.cfg);
	if (!defaults_present(c) || cfg_set_string(&l, &c->path, path))
		cfg_no_memory(&l);
	else if (read_file(&l) == 0)
		ret = load_all(&l);
	config_destroy(&l.cfg);
	if (ret) {
		int err = errno;

		mos_config_free(c);
		errno = err;
	}
	return ret;
}

/* ------------------------------------------------------------ life cycle */

void mos_config_init(struct mos_config *c)
{
	memset(c, 0, sizeof(*c));
	c->io = MOS_IO_DPDK;
	c->forward = true;
	c->max_concurrency = 100000;
	c->rmem_size = 8192;
	c->wmem_size = 8192;
	c->max_num_buffers = c->max_concurrency;
	c->tcp_tw_interval = 0;
	c->tcp_timeout = 30;
	c->verify_checksums = true;
	c->malformed = MOS_MALFORMED_FORWARD;
	c->burst = 32;
	c->defrag.timeout = 30;
	c->defrag.memory_kb = 4096;
	c->defrag.datagrams = 1024;
	c->mos_log = strdup("/var/log/mos");
	c->stat_interval = 1;
	c->dpdk.mem_channels = 4;
	c->dpdk.hugepages = true;
	c->dpdk.socket_mem = strdup("");
	c->dpdk.hugepage_dir = strdup("");
	c->dpdk.file_prefix = strdup("mos");
	c->dpdk.proc_type = strdup("auto");
	c->dpdk.mbufs = 8192;
	c->dpdk.mbuf_cache = 256;
	c->dpdk.rx_desc = 128;
	c->dpdk.tx_desc = 512;
	c->multiprocess.master = true;
	c->setup.hugetlbfs_mount = strdup("");
	c->setup.driver = strdup("vfio-pci");
}

static void free_port(struct mos_port_conf *p)
{
	free(p->pci);
	free(p->vdev);
	free(p->pcap_file);
	free(p->pcap_out);
	free(p->interface);
}

static void free_app(struct mos_app_conf *a)
{
	free(a->type);
	free(a->run);
	for (int i = 0; i < a->argc; i++)
		free(a->argv[i]);
}

void mos_config_free(struct mos_config *c)
{
	free(c->path);
	free(c->mos_log);
	free(c->dpdk.socket_mem);
	free(c->dpdk.hugepage_dir);
	free(c->dpdk.file_prefix);
	free(c->dpdk.proc_type);
	for (int i = 0; i < c->dpdk.n_eal_args; i++)
		free(c->dpdk.eal_args[i]);
	free(c->dpdk.eal_args);
	for (int i = 0; i < c->nports; i++)
		free_port(&c->ports[i]);
	free(c->arp);
	free(c->routes);
	free(c->setup.hugepages);
	free(c->setup.hugetlbfs_mount);
	free(c->setup.driver);
	for (int i = 0; i < c->napps; i++)
		free_app(&c->apps[i]);
	cfg_free_where(c);
	memset(c, 0, sizeof(*c));
}

/* ------------------------------------------------------------ queries */

int mos_config_port_index(const struct mos_config *c, const char *name)
{
	for (int i = 0; i < c->nports; i++)
		if (strcmp(c->ports[i].name, name) == 0)
			return i;
	return -1;
}

int mos_config_core_of_context(const struct mos_config *c, int ctx)
{
	int seen = 0;

	if (ctx < 0)
		return -1;
	for (int core = 0; core < 64; core++) {
		if (!(c->cpu_mask & (UINT64_C(1) << core)))
			continue;
		if (seen++ == ctx)
			return core;
	}
	return -1;
}

/* ------------------------------------------------------------ API view */

void mos_config_to_mtcp(const struct mos_config *c, struct mtcp_conf *out)
{
	memset(out, 0, sizeof(*out));
	out->num_cores = c->num_cores;
	out->max_concurrency = c->max_concurrency;
	out->cpu_mask = c->cpu_mask;
	out->max_num_buffers = c->max_num_buffers;
	out->rcvbuf_size = c->rmem_size;
	out->sndbuf_size = c->wmem_size;
	out->tcp_timewait = c->tcp_tw_interval;
	out->tcp_timeout = c->tcp_timeout;
	out->num_app = c->napps;
	for (int i = 0; i < c->napps; i++) {
		const struct mos_app_conf *a = &c->apps[i];

		out->app_cpu_mask[i] = a->core_mask;
		out->app_argc[i] = a->argc;
		for (int k = 0; k < a->argc; k++)
			out->app_argv[i][k] = a->argv[k];
	}
}

static bool mtcp_conf_valid(const struct mos_config *c,
			    const struct mtcp_conf *in)
{
	return in->num_cores >= 1 &&
		in->num_cores <= popcount64(c->cpu_mask) &&
		in->max_concurrency >= 1 &&
		in->rcvbuf_size > 0 && in->rcvbuf_size % 1024 == 0 &&
		in->sndbuf_size >= 1 &&
		in->tcp_timewait >= 0 &&
		in->tcp_timeout >= -1 &&
		in->max_num_buffers >= 0;
}

int mos_config_from_mtcp(struct mos_config *c, const struct mtcp_conf *in)
{
	bool follows;

	if (!in || !mtcp_conf_valid(c, in)) {
		errno = EINVAL;
		return -1;
	}
	/* max_num_buffers tracks max_concurrency until set on its own */
	follows = in->max_num_buffers == 0 ||
		(in->max_num_buffers == c->max_num_buffers &&
		 c->max_num_buffers == c->max_concurrency);
	c->num_cores = in->num_cores;
	c->max_concurrency = in->max_concurrency;
	c->max_num_buffers = follows ? in->max_concurrency :
		in->max_num_buffers;
	c->rmem_size = in->rcvbuf_size;
	c->wmem_size = in->sndbuf_size;
	c->tcp_tw_interval = in->tcp_timewait;
	c->tcp_timeout = in->tcp_timeout == 0 ? -1 : in->tcp_timeout;
	return 0;
}
