/*
 * config_ports.c -- mos.ports: one source per port (pci or vdev with
 * io = "dpdk", pcap_file or interface with io = "pcap"), its core mask,
 * address and MAC.
 */
#include "internal.h"
#include "config_impl.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ mos.ports */

static const struct key port_keys[] = {
	{ "name", K_STRING }, { "pci", K_STRING }, { "vdev", K_STRING },
	{ "pcap_file", K_STRING }, { "pcap_out", K_STRING },
	{ "interface", K_STRING }, { "core_mask", K_MASK },
	{ "address", K_STRING }, { "mac", K_STRING },
};

/* Setting names a port source may use under each io kind. */
static const char *const dpdk_sources[] = { "pci", "vdev", NULL };
static const char *const pcap_sources[] = {
	"pcap_file", "interface", "pcap_out", NULL
};

/* A source setting of the other io kind is an error. */
static int check_foreign_sources(const struct loader *l,
				 const config_setting_t *g)
{
	bool dpdk = l->c->io == MOS_IO_DPDK;
	const char *const *other = dpdk ? pcap_sources : dpdk_sources;

	for (int i = 0; other[i]; i++) {
		const config_setting_t *s =
			config_setting_get_member(g, other[i]);

		if (s)
			return cfg_bad(l, s, "only allowed with io = \"%s\"",
				       dpdk ? "pcap" : "dpdk");
	}
	return 0;
}

static int check_source_text(const struct loader *l, const config_setting_t *g)
{
	const char *names[] = { "pci", "vdev", "pcap_file", "pcap_out",
				"interface" };

	for (size_t i = 0; i < MOS_ARRAY_SIZE(names); i++) {
		const config_setting_t *s =
			config_setting_get_member(g, names[i]);
		const char *v = s ? config_setting_get_string(s) : NULL;

		if (!v)
			continue;
		if (!v[0])
			return cfg_bad(l, s, "must not be empty");
		if (i == 0 && !cfg_matches(v, "hhhh:hh:hh.h") &&
		    !cfg_matches(v, "hh:hh.h"))
			return cfg_bad(l, s, "must be a PCI address "
				       "\"DDDD:BB:DD.F\"");
		if (i == 4 && strlen(v) > IFNAME_MAX)
			return cfg_bad(l, s, "interface names have at most %d "
				       "characters", IFNAME_MAX);
	}
	return 0;
}

/* Exactly one source per port, of the configured io kind. */
static int check_sources(const struct loader *l, const config_setting_t *g)
{
	bool dpdk = l->c->io == MOS_IO_DPDK;
	const char *a = dpdk ? "pci" : "pcap_file";
	const char *b = dpdk ? "vdev" : "interface";
	const config_setting_t *sa = config_setting_get_member(g, a);
	const config_setting_t *sb = config_setting_get_member(g, b);
	const config_setting_t *out;

	if (check_foreign_sources(l, g) || check_source_text(l, g))
		return -1;
	if (sa && sb)
		return cfg_bad(l, sb, "a port takes only one of %s or %s",
			       a, b);
	if (!sa && !sb)
		return cfg_bad(l, g, "needs one of %s or %s (io = \"%s\")",
			       a, b, dpdk ? "dpdk" : "pcap");
	out = config_setting_get_member(g, "pcap_out");
	if (out && !sa)
		return cfg_bad(l, out, "only allowed with pcap_file");
	return 0;
}

static int load_port_name(const struct loader *l, const config_setting_t *g,
			  struct mos_port_conf *p)
{
	const config_setting_t *s = cfg_need(l, g, "name");
	const char *name;
	int other;

	if (!s)
		return -1;
	name = config_setting_get_string(s);
	if (!name[0])
		return cfg_bad(l, s, "must not be empty");
	if (strlen(name) >= MOS_NAME_LEN)
		return cfg_bad(l, s, "must be shorter than %d characters",
			       MOS_NAME_LEN);
	other = mos_config_port_index(l->c, name);
	if (other >= 0)
		return cfg_bad(l, s, "port \"%s\" is already defined "
			       "(mos.ports[%d])", name, other);
	strcpy(p->name, name);
	return 0;
}

static int load_port_addr(const struct loader *l, const config_setting_t *g,
			  struct mos_port_conf *p)
{
	const config_setting_t *s;

	s = config_setting_get_member(g, "address");
	if (s && config_setting_get_string(s)[0]) {
		if (cfg_address(l, s, &p->addr, &p->prefix))
			return -1;
		p->has_addr = true;
	}
	s = config_setting_get_member(g, "mac");
	if (s && config_setting_get_string(s)[0]) {
		if (cfg_mac(l, s, p->mac))
			return -1;
		p->has_mac = true;
	}
	return 0;
}

static int load_port(const struct loader *l, const config_setting_t *g,
		     struct mos_port_conf *p)
{
	const config_setting_t *s;

	if (cfg_check_group(l, g, port_keys, MOS_ARRAY_SIZE(port_keys)) ||
	    load_port_name(l, g, p) || check_sources(l, g))
		return -1;
	s = cfg_need(l, g, "core_mask");
	if (!s || cfg_mask(l, s, &p->core_mask))
		return -1;
	if (load_port_addr(l, g, p))
		return -1;
	if (cfg_get_string(l, g, "pci", &p->pci) ||
	    cfg_get_string(l, g, "vdev", &p->vdev) ||
	    cfg_get_string(l, g, "pcap_file", &p->pcap_file) ||
	    cfg_get_string(l, g, "pcap_out", &p->pcap_out) ||
	    cfg_get_string(l, g, "interface", &p->interface))
		return -1;
	return 0;
}

int cfg_load_ports(const struct loader *l, const config_setting_t *mos)
{
	struct mos_config *c = l->c;
	const config_setting_t *s = cfg_need(l, mos, "ports");
	int n;

	if (!s)
		return -1;
	n = config_setting_length(s);
	if (n == 0)
		return cfg_bad(l, s, "must define at least one port");
	if (n > MOS_MAX_PORTS)
		return cfg_bad(l, config_setting_get_elem(s, MOS_MAX_PORTS),
			       "at most %d ports", MOS_MAX_PORTS);
	for (int i = 0; i < n; i++) {
		struct mos_port_conf *p = &c->ports[i];

		/* counted first so that mos_config_free sees its strings */
		c->nports = i + 1;
		p->fwd_peer = -1;
		if (load_port(l, config_setting_get_elem(s, i), p))
			return -1;
		c->cpu_mask |= p->core_mask;
	}
	return 0;
}
