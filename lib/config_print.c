/*
 * config_print.c -- the effective settings in libconfig syntax
 * (MOS_VERBOSE); the text loads back with mos_config_load().
 */
#include "internal.h"
#include "config.h"

#include <arpa/inet.h>
#include <inttypes.h>

/* ------------------------------------------------------------ printing */

static void print_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(f, "\\x%02x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void print_kv_string(FILE *f, int indent, const char *key,
			    const char *v)
{
	fprintf(f, "%*s%s = ", indent, "", key);
	print_string(f, v);
	fputs(";\n", f);
}

static const char *bool_text(bool b)
{
	return b ? "true" : "false";
}

static void print_addr(FILE *f, const char *key, struct in_addr a, int prefix)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	fprintf(f, " %s = \"%s/%d\";", key, ip, prefix);
}

static void print_mac(FILE *f, const uint8_t m[6])
{
	fprintf(f, " mac = \"%02x:%02x:%02x:%02x:%02x:%02x\";",
		m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void print_opt(FILE *f, const char *key, const char *v)
{
	if (!v)
		return;
	fprintf(f, " %s = ", key);
	print_string(f, v);
	fputc(';', f);
}

static void print_behaviour(const struct mos_config *c, FILE *f)
{
	fprintf(f, "  io = \"%s\";\n", c->io == MOS_IO_PCAP ? "pcap" : "dpdk");
	fprintf(f, "  forward = %s;\n", bool_text(c->forward));
	fprintf(f, "  max_concurrency = %d;\n", c->max_concurrency);
	fprintf(f, "  rmem_size = %d;\n", c->rmem_size);
	fprintf(f, "  wmem_size = %d;\n", c->wmem_size);
	fprintf(f, "  no_ring_buffers = %s;\n", bool_text(c->no_ring_buffers));
	fprintf(f, "  tcp_tw_interval = %d;\n", c->tcp_tw_interval);
	fprintf(f, "  tcp_timeout = %d;\n", c->tcp_timeout);
	fprintf(f, "  verify_checksums = %s;\n",
		bool_text(c->verify_checksums));
	fprintf(f, "  malformed = \"%s\";\n",
		c->malformed == MOS_MALFORMED_DROP ? "drop" : "forward");
	fprintf(f, "  burst = %d;\n", c->burst);
	fprintf(f, "  ip_defrag = %s;\n", bool_text(c->defrag.enabled));
	fprintf(f, "  ip_defrag_policy = \"%s\";\n",
		c->defrag.last_wins ? "last" : "first");
	fprintf(f, "  ip_defrag_timeout = %d;\n", c->defrag.timeout);
	fprintf(f, "  ip_defrag_memory_kb = %d;\n", c->defrag.memory_kb);
	fprintf(f, "  ip_defrag_datagrams = %d;\n", c->defrag.datagrams);
	print_kv_string(f, 2, "mos_log", c->mos_log);
	fputs("  stat_print = [", f);
	for (int i = 0; i < c->n_stat_print; i++) {
		fputs(i ? ", " : " ", f);
		print_string(f, c->ports[c->stat_print[i]].name);
	}
	fputs(" ];\n", f);
	fprintf(f, "  stat_interval = %d;\n", c->stat_interval);
}

static void print_dpdk(const struct mos_config *c, FILE *f)
{
	fputs("  dpdk =\n  {\n", f);
	fprintf(f, "    mem_channels = %d;\n", c->dpdk.mem_channels);
	fprintf(f, "    hugepages = %s;\n", bool_text(c->dpdk.hugepages));
	fprintf(f, "    memory_mb = %d;\n", c->dpdk.memory_mb);
	print_kv_string(f, 4, "socket_mem", c->dpdk.socket_mem);
	print_kv_string(f, 4, "hugepage_dir", c->dpdk.hugepage_dir);
	print_kv_string(f, 4, "file_prefix", c->dpdk.file_prefix);
	print_kv_string(f, 4, "proc_type", c->dpdk.proc_type);
	fprintf(f, "    mbufs = %d;\n", c->dpdk.mbufs);
	fprintf(f, "    mbuf_cache = %d;\n", c->dpdk.mbuf_cache);
	fprintf(f, "    rx_desc = %d;\n", c->dpdk.rx_desc);
	fprintf(f, "    tx_desc = %d;\n", c->dpdk.tx_desc);
	fputs("    eal_args = [", f);
	for (int i = 0; i < c->dpdk.n_eal_args; i++) {
		fputs(i ? ", " : " ", f);
		print_string(f, c->dpdk.eal_args[i]);
	}
	fputs(" ];\n  };\n", f);
}

static void print_ports(const struct mos_config *c, FILE *f)
{
	fputs("  ports =\n  (\n", f);
	for (int i = 0; i < c->nports; i++) {
		const struct mos_port_conf *p = &c->ports[i];

		fputs("    {", f);
		print_opt(f, "name", p->name);
		print_opt(f, "pci", p->pci);
		print_opt(f, "vdev", p->vdev);
		print_opt(f, "pcap_file", p->pcap_file);
		print_opt(f, "pcap_out", p->pcap_out);
		print_opt(f, "interface", p->interface);
		fprintf(f, " core_mask = 0x%" PRIx64 "L;", p->core_mask);
		if (p->has_addr)
			print_addr(f, "address", p->addr, p->prefix);
		if (p->has_mac)
			print_mac(f, p->mac);
		fprintf(f, " }%s\n", i + 1 < c->nports ? "," : "");
	}
	fputs("  );\n", f);
}

static void print_tables(const struct mos_config *c, FILE *f)
{
	bool first = true;

	fputs("  arp_table =\n  (\n", f);
	for (int i = 0; i < c->narp; i++) {
		fputs("    {", f);
		print_addr(f, "address", c->arp[i].addr, c->arp[i].prefix);
		print_mac(f, c->arp[i].mac);
		fprintf(f, " }%s\n", i + 1 < c->narp ? "," : "");
	}
	fputs("  );\n  route_table =\n  (\n", f);
	for (int i = 0; i < c->nroutes; i++) {
		fputs("    {", f);
		print_addr(f, "address", c->routes[i].addr,
			   c->routes[i].prefix);
		print_opt(f, "port", c->ports[c->routes[i].port].name);
		fprintf(f, " }%s\n", i + 1 < c->nroutes ? "," : "");
	}
	fputs("  );\n  nic_forward_table =\n  (", f);
	for (int i = 0; i < c->nports; i++) {
		int peer = c->ports[i].fwd_peer;

		if (peer <= i)
			continue;
		fprintf(f, "%s\n    [ ", first ? "" : ",");
		print_string(f, c->ports[i].name);
		fputs(", ", f);
		print_string(f, c->ports[peer].name);
		fputs(" ]", f);
		first = false;
	}
	fputs("\n  );\n", f);
	fprintf(f, "  import_kernel_tables = %s;\n",
		bool_text(c->import_kernel_tables));
}

static void print_misc(const struct mos_config *c, FILE *f)
{
	fputs("  multiprocess =\n  {\n", f);
	fprintf(f, "    enabled = %s;\n", bool_text(c->multiprocess.enabled));
	fprintf(f, "    core = %d;\n", c->multiprocess.core);
	fprintf(f, "    master = %s;\n", bool_text(c->multiprocess.master));
	fputs("  };\n  setup =\n  {\n    hugepages = (", f);
	for (int i = 0; i < c->setup.n_hugepages; i++) {
		const struct mos_hugepage_req *h = &c->setup.hugepages[i];

		fprintf(f, "%s\n      { node = %d; size_kb = %d; pages = %d; }",
			i ? "," : "", h->node, h->size_kb, h->pages);
	}
	fputs(" );\n", f);
	print_kv_string(f, 4, "hugetlbfs_mount", c->setup.hugetlbfs_mount);
	print_kv_string(f, 4, "driver", c->setup.driver);
	fputs("  };\n", f);
}

static void print_apps(const struct mos_config *c, FILE *f)
{
	fputs("applications =\n(", f);
	for (int i = 0; i < c->napps; i++) {
		const struct mos_app_conf *a = &c->apps[i];

		fprintf(f, "%s\n  {", i ? "," : "");
		print_opt(f, "type", a->type);
		print_opt(f, "run", a->run);
		fprintf(f, " core_mask = 0x%" PRIx64 "L; ip_forward = %s; }",
			a->core_mask, bool_text(a->ip_forward));
	}
	fputs("\n);\n", f);
}

void mos_config_print(const struct mos_config *c, FILE *f)
{
	fputs("# libmos effective configuration, loaded from ", f);
	fputs(c->path ? c->path : "(defaults)", f);
	fprintf(f, "\n# cpu_mask = 0x%" PRIx64 "; num_cores = %d; "
		"max_num_buffers = %d\n", c->cpu_mask, c->num_cores,
		c->max_num_buffers);
	fputs("mos =\n{\n", f);
	print_behaviour(c, f);
	print_dpdk(c, f);
	print_ports(c, f);
	print_tables(c, f);
	print_misc(c, f);
	fputs("};\n", f);
	print_apps(c, f);
}
