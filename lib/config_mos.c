/*
 * config_mos.c -- the mos group: its plain settings (io, forward, sizes,
 * timers, logging, IP defragmentation) and the order in which its parts
 * are loaded.
 */
#include "internal.h"
#include "config_impl.h"

#include <limits.h>

/* ------------------------------------------------------------ mos */

static const struct key mos_keys[] = {
	{ "io", K_STRING }, { "forward", K_BOOL },
	{ "max_concurrency", K_INT }, { "rmem_size", K_INT },
	{ "wmem_size", K_INT }, { "no_ring_buffers", K_BOOL },
	{ "tcp_tw_interval", K_INT }, { "tcp_timeout", K_INT },
	{ "verify_checksums", K_BOOL }, { "malformed", K_STRING },
	{ "burst", K_INT }, { "mos_log", K_STRING },
	{ "stat_print", K_LIST }, { "stat_interval", K_INT },
	{ "dpdk", K_GROUP }, { "ports", K_LIST },
	{ "arp_table", K_LIST }, { "route_table", K_LIST },
	{ "nic_forward_table", K_LIST }, { "import_kernel_tables", K_BOOL },
	{ "multiprocess", K_GROUP }, { "setup", K_GROUP },
	{ "ip_defrag", K_BOOL }, { "ip_defrag_policy", K_STRING },
	{ "ip_defrag_timeout", K_INT }, { "ip_defrag_memory_kb", K_INT },
	{ "ip_defrag_datagrams", K_INT },
};

static const char *const io_kinds[] = { "dpdk", "pcap", NULL };
static const char *const malformed_actions[] = { "forward", "drop", NULL };
static const char *const defrag_policies[] = { "first", "last", NULL };

/*
 * IP defragmentation (ip_defrag.h).  The timeout follows RFC 791's advice
 * of tens of seconds (RFC 8200 4.5 allows 60 for IPv6); the budget bounds
 * what a fragment flood can hold.  Fragments of one flow may reach
 * different contexts (they carry no ports), so reassembly needs the ports
 * read by one context.
 */
static int load_defrag(const struct loader *l, const config_setting_t *g)
{
	struct mos_config *c = l->c;
	const config_setting_t *s = config_setting_get_member(g, "ip_defrag");
	int policy = 0;

	if (cfg_get_choice(l, g, "ip_defrag_policy", defrag_policies,
			   &policy) ||
	    cfg_get_int(l, g, "ip_defrag_timeout", 1, 3600,
			&c->defrag.timeout) ||
	    cfg_get_int(l, g, "ip_defrag_memory_kb", 64, 4194304,
			&c->defrag.memory_kb) ||
	    cfg_get_int(l, g, "ip_defrag_datagrams", 1, 1048576,
			&c->defrag.datagrams))
		return -1;
	c->defrag.last_wins = policy == 1;
	cfg_get_bool(g, "ip_defrag", &c->defrag.enabled);
	if (c->defrag.enabled && __builtin_popcountll(c->cpu_mask) > 1)
		return cfg_bad(l, s, "needs one context, but the ports' "
			       "core masks name %d cores",
			       __builtin_popcountll(c->cpu_mask));
	return 0;
}

static int load_behaviour(const struct loader *l, const config_setting_t *g)
{
	struct mos_config *c = l->c;
	const config_setting_t *s;
	int io = c->io, mal = c->malformed;

	if (cfg_get_choice(l, g, "io", io_kinds, &io) ||
	    cfg_get_choice(l, g, "malformed", malformed_actions, &mal) ||
	    cfg_get_int(l, g, "max_concurrency", 1, INT_MAX,
			&c->max_concurrency) ||
	    cfg_get_int(l, g, "wmem_size", 1, INT_MAX, &c->wmem_size) ||
	    cfg_get_int(l, g, "tcp_tw_interval", 0, INT_MAX,
			&c->tcp_tw_interval) ||
	    cfg_get_int(l, g, "tcp_timeout", -1, INT_MAX, &c->tcp_timeout) ||
	    cfg_get_int(l, g, "burst", 1, 1024, &c->burst) ||
	    cfg_get_int(l, g, "stat_interval", 1, INT_MAX, &c->stat_interval) ||
	    cfg_get_string(l, g, "mos_log", &c->mos_log))
		return -1;
	c->io = io;
	c->malformed = mal;
	if (c->tcp_timeout == 0)
		c->tcp_timeout = -1;
	s = config_setting_get_member(g, "rmem_size");
	if (s) {
		long long v = config_setting_get_int64(s);

		if (v <= 0 || v > INT_MAX || v % 1024)
			return cfg_bad(l, s, "must be a positive "
				       "multiple of 1024");
		c->rmem_size = (int)v;
	}
	cfg_get_bool(g, "forward", &c->forward);
	cfg_get_bool(g, "no_ring_buffers", &c->no_ring_buffers);
	cfg_get_bool(g, "verify_checksums", &c->verify_checksums);
	cfg_get_bool(g, "import_kernel_tables", &c->import_kernel_tables);
	return 0;
}

int cfg_load_mos(const struct loader *l, const config_setting_t *root)
{
	const config_setting_t *g = cfg_need(l, root, "mos");

	if (!g)
		return -1;
	if (cfg_check_members(l, g, mos_keys, MOS_ARRAY_SIZE(mos_keys)) ||
	    load_behaviour(l, g) ||
	    cfg_load_part(l, g, "dpdk", cfg_load_dpdk) ||
	    cfg_load_ports(l, g) ||
	    load_defrag(l, g) ||
	    cfg_load_part(l, g, "stat_print", cfg_load_stat_print) ||
	    cfg_load_part(l, g, "arp_table", cfg_load_arp) ||
	    cfg_load_part(l, g, "route_table", cfg_load_routes) ||
	    cfg_load_part(l, g, "nic_forward_table", cfg_load_fwd_table) ||
	    cfg_load_part(l, g, "multiprocess", cfg_load_multiprocess) ||
	    cfg_load_part(l, g, "setup", cfg_load_setup))
		return -1;
	return 0;
}
