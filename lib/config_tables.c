/*
 * config_tables.c -- the L2/L3 tables (arp_table, route_table,
 * nic_forward_table) and stat_print, which all name ports.
 */
#include "internal.h"
#include "config_impl.h"

#include <stdlib.h>

/* ------------------------------------------------------------ tables */

static const struct key arp_keys[] = {
	{ "address", K_STRING }, { "mac", K_STRING },
};
static const struct key route_keys[] = {
	{ "address", K_STRING }, { "port", K_STRING },
};

int cfg_load_arp(const struct loader *l, const config_setting_t *s)
{
	struct mos_config *c = l->c;
	int n = config_setting_length(s);

	if (n == 0)
		return 0;
	c->arp = calloc((size_t)n, sizeof(*c->arp));
	if (!c->arp)
		return cfg_no_memory(l);
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(s, i);
		struct mos_arp_entry *e = &c->arp[i];
		const config_setting_t *a, *m;

		if (cfg_check_group(l, g, arp_keys, MOS_ARRAY_SIZE(arp_keys)))
			return -1;
		a = cfg_need(l, g, "address");
		if (!a || cfg_address(l, a, &e->addr, &e->prefix))
			return -1;
		m = cfg_need(l, g, "mac");
		if (!m || cfg_mac(l, m, e->mac))
			return -1;
		c->narp = i + 1;
	}
	return 0;
}

int cfg_load_routes(const struct loader *l, const config_setting_t *s)
{
	struct mos_config *c = l->c;
	int n = config_setting_length(s);

	if (n == 0)
		return 0;
	c->routes = calloc((size_t)n, sizeof(*c->routes));
	if (!c->routes)
		return cfg_no_memory(l);
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(s, i);
		struct mos_route_entry *e = &c->routes[i];
		const config_setting_t *a, *p;

		if (cfg_check_group(l, g, route_keys,
				    MOS_ARRAY_SIZE(route_keys)))
			return -1;
		a = cfg_need(l, g, "address");
		if (!a || cfg_address(l, a, &e->addr, &e->prefix))
			return -1;
		p = cfg_need(l, g, "port");
		if (!p)
			return -1;
		e->port = cfg_port_ref(l, p);
		if (e->port < 0)
			return -1;
		c->nroutes = i + 1;
	}
	return 0;
}

/* One nic_forward_table pair: two distinct ports, each in one pair only. */
static int load_fwd_pair(const struct loader *l, const config_setting_t *e)
{
	struct mos_port_conf *ports = l->c->ports;
	int idx[2];

	if (config_setting_type(e) != CONFIG_TYPE_ARRAY ||
	    config_setting_length(e) != 2 ||
	    config_setting_type(config_setting_get_elem(e, 0)) !=
	    CONFIG_TYPE_STRING)
		return cfg_bad(l, e, "must be an array of two port names "
			       "[ \"a\", \"b\" ]");
	for (int k = 0; k < 2; k++) {
		const config_setting_t *s = config_setting_get_elem(e, k);

		idx[k] = cfg_port_ref(l, s);
		if (idx[k] < 0)
			return -1;
		if (ports[idx[k]].fwd_peer >= 0)
			return cfg_bad(l, s, "port \"%s\" is already in a "
				       "forward pair", ports[idx[k]].name);
	}
	if (idx[0] == idx[1])
		return cfg_bad(l, e, "a port cannot be paired with itself");
	ports[idx[0]].fwd_peer = idx[1];
	ports[idx[1]].fwd_peer = idx[0];
	return 0;
}

int cfg_load_fwd_table(const struct loader *l, const config_setting_t *s)
{
	int n = config_setting_length(s);

	for (int i = 0; i < n; i++)
		if (load_fwd_pair(l, config_setting_get_elem(s, i)))
			return -1;
	return 0;
}

int cfg_load_stat_print(const struct loader *l, const config_setting_t *s)
{
	struct mos_config *c = l->c;
	int n = config_setting_length(s);

	if (cfg_check_strings(l, s))
		return -1;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);
		int port = cfg_port_ref(l, e);

		if (port < 0)
			return -1;
		for (int k = 0; k < c->n_stat_print; k++)
			if (c->stat_print[k] == port)
				return cfg_bad(l, e, "port \"%s\" named twice",
					       c->ports[port].name);
		c->stat_print[c->n_stat_print++] = port;
	}
	return 0;
}
