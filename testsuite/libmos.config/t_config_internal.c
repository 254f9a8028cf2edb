/*
 * t_config_internal: the parts of struct mos_config that the API does not
 * show (ports, tables, DPDK and setup settings), mos_config_print and the
 * lookup helpers.  Usage: t_config_internal SAMPLE DIR (as t_config).
 */
#include "config.h"
#include "io_dpdk.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tap.h"

static const char *dir;

static bool addr_is(struct in_addr a, int prefix, const char *ip, int want)
{
	struct in_addr w;

	inet_pton(AF_INET, ip, &w);
	return a.s_addr == w.s_addr && prefix == want;
}

static bool mac_is(const uint8_t m[6], const char *text)
{
	char buf[18];

	snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x",
		 m[0], m[1], m[2], m[3], m[4], m[5]);
	return strcmp(buf, text) == 0;
}

static bool str_is(const char *s, const char *want)
{
	return s && strcmp(s, want) == 0;
}

/*
 * The defaults mos.conf(5) gives, on C (as loaded from SAMPLE,
 * which differs only in mos.dpdk.hugepages and memory_mb, checked apart).
 */
static void test_defaults(const struct mos_config *c, const char *what)
{
	ok(c->io == MOS_IO_DPDK && c->forward && c->max_concurrency == 100000 &&
	   c->rmem_size == 8192 && c->wmem_size == 8192 &&
	   !c->no_ring_buffers && c->tcp_tw_interval == 0 &&
	   c->tcp_timeout == 30 && c->verify_checksums &&
	   c->malformed == MOS_MALFORMED_FORWARD && c->burst == 32 &&
	   str_is(c->mos_log, "/var/log/mos") && c->n_stat_print == 0 &&
	   c->stat_interval == 1, "%s: behaviour defaults", what);
	ok(!c->defrag.enabled && !c->defrag.last_wins &&
	   c->defrag.timeout == 30 && c->defrag.memory_kb == 4096 &&
	   c->defrag.datagrams == 1024, "%s: ip_defrag defaults", what);
	ok(c->dpdk.mem_channels == 4 && str_is(c->dpdk.socket_mem, "") &&
	   str_is(c->dpdk.hugepage_dir, "") &&
	   str_is(c->dpdk.file_prefix, "mos") &&
	   str_is(c->dpdk.proc_type, "auto") && c->dpdk.mbufs == 8192 &&
	   c->dpdk.mbuf_cache == 256 && c->dpdk.rx_desc == 128 &&
	   c->dpdk.tx_desc == 512 && c->dpdk.n_eal_args == 0,
	   "%s: dpdk defaults", what);
	ok(c->narp == 0 && c->nroutes == 0 && !c->import_kernel_tables &&
	   !c->multiprocess.enabled && c->multiprocess.core == 0 &&
	   c->multiprocess.master && c->setup.n_hugepages == 0 &&
	   str_is(c->setup.hugetlbfs_mount, "") &&
	   str_is(c->setup.driver, "vfio-pci") && c->napps == 0,
	   "%s: table, multiprocess and setup defaults", what);
}

static void test_sample(const char *sample)
{
	struct mos_config c;

	mos_config_init(&c);
	test_defaults(&c, "mos_config_init");
	ok(c.dpdk.hugepages && c.dpdk.memory_mb == 0,
	   "mos_config_init: hugepages, memory_mb 0");
	ok(c.nports == 0 && c.path == NULL, "mos_config_init: no ports");
	mos_config_free(&c);

	ok(mos_config_load(&c, sample) == 0, "sample loads");
	test_defaults(&c, "sample");
	ok(!c.dpdk.hugepages && c.dpdk.memory_mb == 64,
	   "sample: runs without hugepages, 64 MB");
	ok(c.nports == 1 && str_is(c.ports[0].name, "null") &&
	   str_is(c.ports[0].vdev, "net_null0") && !c.ports[0].pci &&
	   c.ports[0].core_mask == 1 && !c.ports[0].has_addr &&
	   !c.ports[0].has_mac && c.ports[0].fwd_peer == -1,
	   "sample: one null port on core 0");
	ok(str_is(c.path, sample), "path remembered");
	mos_config_free(&c);
	mos_config_free(&c);
	ok(c.path == NULL && c.nports == 0,
	   "mos_config_free twice is harmless");
}

static void test_full_ports(const struct mos_config *c)
{
	const struct mos_port_conf *p = c->ports;

	ok(c->nports == 3 && str_is(p[0].name, "wan") &&
	   str_is(p[0].pci, "0000:03:00.0") && !p[0].vdev &&
	   p[0].core_mask == 0x6 && p[0].has_addr &&
	   addr_is(p[0].addr, p[0].prefix, "10.0.0.1", 24) &&
	   p[0].has_mac && mac_is(p[0].mac, "02:00:00:aa:bb:cc"),
	   "full: port wan");
	ok(str_is(p[1].vdev, "net_null0") && p[1].core_mask == 1ULL << 32 &&
	   !p[1].has_addr && !p[2].has_addr && !p[2].has_mac,
	   "full: ports lan and tap (empty address and mac = unset)");
	ok(p[0].fwd_peer == 1 && p[1].fwd_peer == 0 && p[2].fwd_peer == -1,
	   "full: nic_forward_table pairs wan and lan");
	ok(mos_config_port_index(c, "tap") == 2 &&
	   mos_config_port_index(c, "nope") == -1, "mos_config_port_index");
	ok(c->cpu_mask == 0x100000006ULL && c->num_cores == 3,
	   "full: cpu_mask and num_cores");
	ok(mos_config_core_of_context(c, 0) == 1 &&
	   mos_config_core_of_context(c, 1) == 2 &&
	   mos_config_core_of_context(c, 2) == 32 &&
	   mos_config_core_of_context(c, 3) == -1 &&
	   mos_config_core_of_context(c, -1) == -1,
	   "mos_config_core_of_context: i-th lowest core of the union");
}

static void test_full_tables(const struct mos_config *c)
{
	ok(c->n_stat_print == 2 && c->stat_print[0] == 1 &&
	   c->stat_print[1] == 0, "full: stat_print as port indices");
	ok(c->narp == 2 && addr_is(c->arp[0].addr, c->arp[0].prefix,
				   "10.0.0.0", 24) &&
	   mac_is(c->arp[1].mac, "00:11:22:33:44:66") &&
	   addr_is(c->arp[1].addr, c->arp[1].prefix, "10.0.2.9", 32),
	   "full: arp_table");
	ok(c->nroutes == 1 && c->routes[0].port == 1 &&
	   addr_is(c->routes[0].addr, c->routes[0].prefix, "10.0.1.0", 24),
	   "full: route_table");
	ok(c->import_kernel_tables && !c->multiprocess.enabled &&
	   c->multiprocess.core == 1 && !c->multiprocess.master,
	   "full: import_kernel_tables, multiprocess");
	ok(c->setup.n_hugepages == 2 && c->setup.hugepages[0].pages == 512 &&
	   c->setup.hugepages[1].node == 1 &&
	   c->setup.hugepages[1].size_kb == 2048 &&
	   c->setup.hugepages[1].pages == 64 &&
	   str_is(c->setup.hugetlbfs_mount, "/mnt/huge") &&
	   str_is(c->setup.driver, "uio_pci_generic"), "full: setup");
}

static void test_full_rest(const struct mos_config *c)
{
	ok(!c->forward && c->no_ring_buffers && !c->verify_checksums &&
	   c->malformed == MOS_MALFORMED_DROP && c->burst == 64 &&
	   c->tcp_timeout == -1 && c->stat_interval == 5 &&
	   str_is(c->mos_log, "/tmp/mos \"logs\""),
	   "full: behaviour (forward off through ip_forward = false)");
	ok(!c->defrag.enabled && c->defrag.last_wins &&
	   c->defrag.timeout == 60 && c->defrag.memory_kb == 8192 &&
	   c->defrag.datagrams == 64, "full: ip_defrag settings");
	ok(!c->dpdk.hugepages && c->dpdk.memory_mb == 256 &&
	   c->dpdk.mem_channels == 2 && str_is(c->dpdk.socket_mem, "512,512") &&
	   str_is(c->dpdk.hugepage_dir, "/dev/hugepages") &&
	   str_is(c->dpdk.file_prefix, "t_config") &&
	   str_is(c->dpdk.proc_type, "primary") && c->dpdk.mbufs == 4096 &&
	   c->dpdk.mbuf_cache == 128 && c->dpdk.rx_desc == 256 &&
	   c->dpdk.tx_desc == 1024 && c->dpdk.n_eal_args == 2 &&
	   str_is(c->dpdk.eal_args[1], "--no-pci"), "full: dpdk");
	ok(c->napps == 2 && str_is(c->apps[0].type, "monitor") &&
	   str_is(c->apps[1].type, "end") && c->apps[0].ip_forward &&
	   !c->apps[1].ip_forward && c->apps[0].argc == 5 &&
	   str_is(c->apps[0].argv[4], "conf/mos.conf") &&
	   str_is(c->apps[0].run, "midstat  -c 1\t-f conf/mos.conf"),
	   "full: applications");
}

/* Print C, load the text, print again: the same text (but the header). */
static void test_print(const struct mos_config *c)
{
	char path[] = "/tmp/t_config_internal_XXXXXX";
	char *first = NULL, *second = NULL;
	size_t n1 = 0, n2 = 0;
	struct mos_config again;
	FILE *f = NULL;
	int fd = mkstemp(path);

	if (!ok(fd >= 0 && (f = fdopen(fd, "w")) != NULL, "temporary file"))
		return;
	mos_config_print(c, f);
	fclose(f);
	ok(mos_config_load(&again, path) == 0, "printed configuration loads");
	f = open_memstream(&first, &n1);
	mos_config_print(c, f);
	fclose(f);
	f = open_memstream(&second, &n2);
	mos_config_print(&again, f);
	fclose(f);
	ok(strcmp(strchr(first, '\n'), strchr(second, '\n')) == 0,
	   "printing the reloaded configuration gives the same text");
	free(first);
	free(second);
	mos_config_free(&again);
	unlink(path);
}

static void test_from_mtcp(struct mos_config *c)
{
	struct mtcp_conf m;

	mos_config_to_mtcp(c, &m);
	m.num_cores = 4;
	errno = 0;
	ok(mos_config_from_mtcp(c, &m) == -1 && errno == EINVAL &&
	   c->num_cores == 3, "from_mtcp: num_cores above popcount refused");
	m.num_cores = 2;
	m.rcvbuf_size = 2048;
	m.tcp_timeout = 9;
	ok(mos_config_from_mtcp(c, &m) == 0 && c->num_cores == 2 &&
	   c->rmem_size == 2048 && c->tcp_timeout == 9,
	   "from_mtcp: applied");
	errno = 0;
	ok(mos_config_from_mtcp(c, NULL) == -1 && errno == EINVAL,
	   "from_mtcp: NULL");
}

/* Load TEXT through a temporary file; the result of mos_config_load. */
static int load_text(struct mos_config *c, const char *text)
{
	char path[] = "/tmp/t_config_text_XXXXXX";
	int fd = mkstemp(path);
	int ret = -1, err = EIO;
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (f) {
		fputs(text, f);
		fclose(f);
		ret = mos_config_load(c, path);
		err = errno;
		unlink(path);
	}
	errno = err;
	return ret;
}

#define ONE_PORT(mask) "mos = { ports = ( { name = \"p\"; " \
	"vdev = \"net_null0\"; core_mask = " mask "; } ); };\n"

static void test_masks(void)
{
	struct mos_config c;

	ok(load_text(&c, ONE_PORT("0xFFFFFFFF")) == 0 &&
	   c.cpu_mask == 0xffffffffULL && c.num_cores == 32 &&
	   mos_config_core_of_context(&c, 31) == 31,
	   "hexadecimal 0xFFFFFFFF is cores 0..31");
	mos_config_free(&c);
	ok(load_text(&c, ONE_PORT("0x8000000000000000L")) == 0 &&
	   c.cpu_mask == 1ULL << 63 &&
	   mos_config_core_of_context(&c, 0) == 63,
	   "int64 mask reaches core 63");
	mos_config_free(&c);
	ok(load_text(&c, ONE_PORT("-1")) == -1 && errno == EINVAL,
	   "a negative decimal mask is refused");
	ok(load_text(&c, ONE_PORT("5")) == 0 && c.num_cores == 2 &&
	   mos_config_core_of_context(&c, 1) == 2, "decimal mask 5");
	mos_config_free(&c);
}

/* Line of the first line of PATH containing TEXT, or 0. */
static int line_of(const char *path, const char *text)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int n = 0, found = 0;

	while (f && !found && fgets(line, sizeof(line), f)) {
		n++;
		if (strstr(line, text))
			found = n;
	}
	if (f)
		fclose(f);
	return found;
}

/* What mos_config_fail prints, caught. */
static void fail_text(const struct mos_config *c, const char *setting,
		      char *buf, size_t len)
{
	FILE *tmp = tmpfile();
	int saved = dup(2);
	size_t n = 0;

	fflush(stderr);
	dup2(fileno(tmp), 2);
	errno = 0;
	if (mos_config_fail(c, ENODEV, setting, "problem %d", 7) != -1 ||
	    errno != ENODEV)
		fputs("(wrong return or errno)", stderr);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, len - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
}

/* Where settings were, kept after loading, for start-up messages. */
static void test_where(const struct mos_config *c, const char *path)
{
	int vdev = line_of(path, "net_null0"), dpdk = line_of(path, "dpdk =");
	char want[1200], got[1200];

	ok(vdev > 0 && mos_config_line(c, "mos.ports[1].vdev") == vdev &&
	   mos_config_line(c, "mos.ports[1].core_mask") == vdev,
	   "where: a port setting keeps its line (%d)", vdev);
	ok(mos_config_line(c, "mos.dpdk") == dpdk &&
	   mos_config_line(c, "mos.nothing") == 0,
	   "where: groups have lines, absent settings none");
	fail_text(c, "mos.ports[1].vdev", got, sizeof(got));
	snprintf(want, sizeof(want), "mos: %s:%d: mos.ports[1].vdev: "
		 "problem 7\n", path, vdev);
	ok(strcmp(got, want) == 0, "where: mos_config_fail names file, "
	   "line and setting, errno set");
	fail_text(c, "mos.dpdk.no_such_default", got, sizeof(got));
	snprintf(want, sizeof(want), "mos: %s:%d: mos.dpdk.no_such_default: "
		 "problem 7\n", path, dpdk);
	ok(strcmp(got, want) == 0, "where: a setting the file does not "
	   "have is told at its group's line");
}

/* mos_dpdk_pci_why on a made-up sysfs tree. */
static void test_pci_why(void)
{
	char root[] = "/tmp/t_config_sysfs_XXXXXX", path[512], why[256];
	static const char *const devs[] = {
		"0000:03:00.0", "0000:04:00.0", "0000:05:00.0"
	};

	if (!mkdtemp(root))
		return;
	snprintf(path, sizeof(path), "%s/bus", root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/bus/pci", root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/bus/pci/devices", root);
	mkdir(path, 0700);
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/bus/pci/devices/%s", root,
			 devs[i]);
		mkdir(path, 0700);
	}
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/driver", root,
		 devs[0]);
	ok(symlink("../../../../bus/pci/drivers/e1000e", path) == 0,
	   "pci: made-up tree");
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/driver", root,
		 devs[2]);
	ok(symlink("../../../../bus/pci/drivers/vfio-pci", path) == 0,
	   "pci: made-up tree (vfio-pci)");

	mos_dpdk_pci_why(root, "03:00.0", "uio_pci_generic", why, sizeof(why));
	ok(strcmp(why, "the device is bound to the kernel driver e1000e: "
		  "bind it to uio_pci_generic (mos-setup)") == 0,
	   "pci: bound to a kernel driver (short address)");
	mos_dpdk_pci_why(root, "0000:04:00.0", "vfio-pci", why, sizeof(why));
	ok(strcmp(why, "the device is bound to no driver: bind it to "
		  "vfio-pci (mos-setup)") == 0, "pci: bound to no driver");
	mos_dpdk_pci_why(root, "0000:05:00.0", "vfio-pci", why, sizeof(why));
	ok(strncmp(why, "bound to vfio-pci, but", 22) == 0,
	   "pci: bound right, not taken");
	mos_dpdk_pci_why(root, "0000:06:00.0", "vfio-pci", why, sizeof(why));
	ok(strcmp(why, "this machine has no such PCI device") == 0,
	   "pci: absent");
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/driver",
			 root, devs[i]);
		unlink(path);
		snprintf(path, sizeof(path), "%s/bus/pci/devices/%s", root,
			 devs[i]);
		rmdir(path);
	}
	snprintf(path, sizeof(path), "%s/bus/pci/devices", root);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/bus/pci", root);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/bus", root);
	rmdir(path);
	rmdir(root);
}

int main(int argc, char **argv)
{
	struct mos_config c;
	char path[1024];

	if (argc != 3) {
		fprintf(stderr, "usage: t_config_internal SAMPLE DIR\n");
		return 2;
	}
	dir = argv[2];
	test_sample(argv[1]);
	test_masks();
	snprintf(path, sizeof(path), "%s/full.conf", dir);
	if (!ok(mos_config_load(&c, path) == 0, "full.conf loads"))
		return tap_done();
	test_full_ports(&c);
	test_full_tables(&c);
	test_full_rest(&c);
	test_print(&c);
	test_from_mtcp(&c);
	test_where(&c, path);
	mos_config_free(&c);
	test_pci_why();

	snprintf(path, sizeof(path), "%s/bad-rmem.conf", dir);
	memset(&c, 0xa5, sizeof(c));
	ok(mos_config_load(&c, path) == -1 && errno == EINVAL &&
	   c.nports == 0 && c.path == NULL,
	   "a failed load leaves the configuration empty");
	mos_config_free(&c);
	return tap_done();
}
