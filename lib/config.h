/*
 * config.h -- the libmos configuration file (mos.conf(5)) in memory.
 *
 * mos_config_load() reads a libconfig file, checks every setting (type,
 * range, cross references) and fills a struct mos_config.  On error it
 * prints one line "mos: FILE:LINE: SETTING: PROBLEM" on stderr and fails
 * with errno EINVAL (ENOENT/EACCES/... when the file cannot be opened).
 */
#ifndef MOS_CONFIG_H
#define MOS_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>
#include <mtcp_api.h>

enum mos_io_kind { MOS_IO_DPDK = 0, MOS_IO_PCAP = 1 };
enum mos_malformed_action { MOS_MALFORMED_FORWARD = 0, MOS_MALFORMED_DROP = 1 };
#define MOS_MAX_PORTS 32
#define MOS_NAME_LEN 32

struct mos_port_conf {
	char name[MOS_NAME_LEN];
	char *pci, *vdev, *pcap_file, *pcap_out, *interface; /* NULL = unset */
	uint64_t core_mask;
	bool has_addr;
	struct in_addr addr;      /* network order */
	int prefix;
	bool has_mac;
	uint8_t mac[6];
	int fwd_peer;             /* paired port index (nic_forward_table) or -1 */
};
struct mos_arp_entry { struct in_addr addr; int prefix; uint8_t mac[6]; };
struct mos_route_entry { struct in_addr addr; int prefix; int port; };
struct mos_hugepage_req { int node; int size_kb; int pages; };
struct mos_app_conf {
	char *type, *run;
	uint64_t core_mask;
	bool ip_forward;
	int argc;
	char *argv[MOS_APP_ARGC];   /* split of run, owned by the config */
};

struct mos_config {
	char *path;                 /* file it was loaded from */
	enum mos_io_kind io;
	bool forward;               /* effective: forward && every app ip_forward */
	int max_concurrency, rmem_size, wmem_size, max_num_buffers;
	bool no_ring_buffers;
	int tcp_tw_interval, tcp_timeout;    /* seconds; tcp_timeout -1 = never */
	bool verify_checksums;
	enum mos_malformed_action malformed;
	int burst;
	struct {                    /* mos.ip_defrag* (ip_defrag.h) */
		bool enabled;
		bool last_wins;          /* ip_defrag_policy = "last" */
		int timeout;             /* seconds */
		int memory_kb;
		int datagrams;
	} defrag;
	char *mos_log;
	int n_stat_print;
	int stat_print[MOS_MAX_PORTS];       /* port indices */
	int stat_interval;
	struct {
		int mem_channels;
		bool hugepages;
		int memory_mb;
		char *socket_mem, *hugepage_dir, *file_prefix, *proc_type;
		int mbufs, mbuf_cache, rx_desc, tx_desc;
		int n_eal_args;
		char **eal_args;
	} dpdk;
	int nports;
	struct mos_port_conf ports[MOS_MAX_PORTS];
	int narp;
	struct mos_arp_entry *arp;
	int nroutes;
	struct mos_route_entry *routes;
	bool import_kernel_tables;
	struct { bool enabled; int core; bool master; } multiprocess;
	struct {                    /* mos.setup, used by utils/mos-setup */
		int n_hugepages;
		struct mos_hugepage_req *hugepages;
		char *hugetlbfs_mount;   /* "" or NULL = do not mount */
		char *driver;            /* "vfio-pci" (default) or "uio_pci_generic" */
	} setup;
	int napps;
	struct mos_app_conf apps[MOS_APP];
	uint64_t cpu_mask;          /* union of the ports' core masks */
	int num_cores;              /* contexts the program uses (default popcount(cpu_mask)) */
	int nwhere;                 /* where each setting was in the file */
	struct mos_config_where *where;
};

/* One setting of the loaded file, so that later checks can name it. */
struct mos_config_where {
	char *setting;              /* "mos.ports[1].vdev" */
	char *file;                 /* NULL = mos_config.path (no @include) */
	int line;
};

/*
 * Defaults of mos.conf(5), no ports.  String settings are heap copies; only
 * when memory runs out are they left NULL (mos_config_load then fails with
 * ENOMEM).  The result must be released with mos_config_free().
 */
void mos_config_init(struct mos_config *c);

/*
 * Load and validate PATH into C.  C need not be initialised.  Returns 0, or
 * -1 with errno (ENOENT, EACCES, ... for an unreadable file, EINVAL for a
 * bad one, ENOMEM) after printing one line on stderr; C is then empty (all
 * zero) and mos_config_free() on it is harmless.  A tcp_timeout of 0 is
 * stored as -1: both mean "never".
 */
int  mos_config_load(struct mos_config *c, const char *path);

/* Release everything C owns and zero it.  Safe to call twice. */
void mos_config_free(struct mos_config *c);

/* The API view (mtcp_getconf(3)); app_argv points into strings C owns. */
void mos_config_to_mtcp(const struct mos_config *c, struct mtcp_conf *out);

/*
 * Apply the fields mtcp_setconf() changes: num_cores, max_concurrency,
 * rcvbuf_size, sndbuf_size, tcp_timewait, tcp_timeout, max_num_buffers.
 * All are checked first; -1 EINVAL changes nothing.  max_num_buffers 0, or
 * left at a value that followed max_concurrency, follows max_concurrency.
 */
int  mos_config_from_mtcp(struct mos_config *c, const struct mtcp_conf *in);

/* Effective settings in libconfig syntax; the text loads back. */
void mos_config_print(const struct mos_config *c, FILE *f);

/*
 * Report a problem found after loading (while starting I/O, say) as the
 * loader does: one line "mos: FILE:LINE: SETTING: PROBLEM" on stderr.
 * SETTING is a path such as "mos.ports[1].vdev"; when the file does not
 * have it (a default), LINE is that of the nearest enclosing setting the
 * file has.  Sets errno to ERR and returns -1.
 */
__attribute__((format(printf, 4, 5)))
int  mos_config_fail(const struct mos_config *c, int err, const char *setting,
		     const char *fmt, ...);

/* The same about setting KEY of port PORT ("mos.ports[PORT].KEY"); KEY
 * NULL names the port's group, "source" its pci/vdev/pcap_file/interface. */
__attribute__((format(printf, 5, 6)))
int  mos_config_port_fail(const struct mos_config *c, int err, int port,
			  const char *key, const char *fmt, ...);

/* Line of SETTING in the file, or 0 when the file does not have it. */
int  mos_config_line(const struct mos_config *c, const char *setting);

/*
 * Check the loaded configuration against this machine: every core of
 * every port's core_mask must be online and allowed to this process
 * (sched_getaffinity(2)).  0, or -1 EINVAL after one line naming the mask.
 */
int  mos_config_check_host(const struct mos_config *c);

/* Index of the port called NAME, or -1. */
int  mos_config_port_index(const struct mos_config *c, const char *name);

/* Core of context CTX: the CTX-th lowest set bit of cpu_mask, or -1. */
int  mos_config_core_of_context(const struct mos_config *c, int ctx);

#endif
