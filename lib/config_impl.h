/*
 * config_impl.h -- what the parts of the configuration loader share.
 *
 * The loader is split by concern: config.c (load, free, queries, the API
 * view), config_check.c (messages, schema and value checks used by all),
 * config_mos.c (the mos group and its plain settings), config_dpdk.c
 * (mos.dpdk, mos.multiprocess, mos.setup), config_ports.c (mos.ports),
 * config_tables.c (arp, route, forward tables, stat_print), config_apps.c
 * (applications), config_print.c (mos_config_print), config_where.c
 * (where each setting was, for messages after loading) and config_host.c
 * (the configuration against this machine).  Not for users of config.h.
 */
#ifndef MOS_CONFIG_IMPL_H
#define MOS_CONFIG_IMPL_H

#include "config.h"

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IFNAME_MAX 15		/* kernel interface names (IFNAMSIZ - 1) */
#define PATH_TEXT 256		/* longest setting path printed */

struct loader {
	const char *file;	/* the file named by the caller */
	struct mos_config *c;
	config_t cfg;
};

/* Setting types as the schema sees them. */
enum kind {
	K_BOOL,
	K_INT,			/* int or int64, range checked on use */
	K_MASK,			/* int or int64, hexadecimal usual */
	K_STRING,
	K_GROUP,
	K_LIST,			/* list ( ) or array [ ] */
};

struct key {
	const char *name;
	enum kind kind;
};

/* A loader of one group or list setting; 0 or -1 after one message. */
typedef int cfg_part_fn(const struct loader *l, const config_setting_t *s);

/* ------------------------------------------------ messages (config_check.c) */

/* "mos: FILE:LINE: SETTING: PROBLEM" about S; errno EINVAL, returns -1. */
__attribute__((format(printf, 3, 4)))
int cfg_bad(const struct loader *l, const config_setting_t *s,
	    const char *fmt, ...);

/* The same about CHILD of group G, which is not there. */
__attribute__((format(printf, 4, 5)))
int cfg_bad_child(const struct loader *l, const config_setting_t *g,
		  const char *child, const char *fmt, ...);

/* "mos: FILE: out of memory"; errno ENOMEM, returns -1. */
int cfg_no_memory(const struct loader *l);

/* "mos.ports[1].name" for a setting, "" for the root. */
void cfg_setting_path(const config_setting_t *s, char *buf, size_t len);

/* Remember where every setting of the file is (mos_config_fail). */
int cfg_record_where(const struct loader *l);
/* Release what cfg_record_where kept. */
void cfg_free_where(struct mos_config *c);

/* ------------------------------------------------ schema and values */

/* Every member of G must be one of KEYS, with the type the key says. */
int cfg_check_members(const struct loader *l, const config_setting_t *g,
		      const struct key *keys, size_t nkeys);
/* An element of a list that must be a group with members KEYS. */
int cfg_check_group(const struct loader *l, const config_setting_t *s,
		    const struct key *keys, size_t nkeys);
/* Each element of sequence S must be a string. */
int cfg_check_strings(const struct loader *l, const config_setting_t *s);

/* Member NAME of G into *OUT; an absent member leaves *OUT unchanged. */
int cfg_get_int(const struct loader *l, const config_setting_t *g,
		const char *name, long long min, long long max, int *out);
void cfg_get_bool(const config_setting_t *g, const char *name, bool *out);
int cfg_get_string(const struct loader *l, const config_setting_t *g,
		   const char *name, char **dst);
/* String member NAME of G that must be one of CHOICES (NULL ended). */
int cfg_get_choice(const struct loader *l, const config_setting_t *g,
		   const char *name, const char *const *choices, int *out);
/* A required member: its absence is reported at the group (NULL). */
const config_setting_t *cfg_need(const struct loader *l,
				 const config_setting_t *g, const char *name);
/* Replace *DST by a heap copy of V. */
int cfg_set_string(const struct loader *l, char **dst, const char *v);

/* Value checks of one setting S. */
int cfg_mask(const struct loader *l, const config_setting_t *s,
	     uint64_t *out);
int cfg_address(const struct loader *l, const config_setting_t *s,
		struct in_addr *addr, int *prefix);
int cfg_mac(const struct loader *l, const config_setting_t *s,
	    uint8_t mac[6]);
/* The port named by string setting S, or -1 after a message. */
int cfg_port_ref(const struct loader *l, const config_setting_t *s);

/* S matches PAT, where 'h' stands for a hex digit, 'd' a decimal one. */
bool cfg_matches(const char *s, const char *pat);

/* Group or list member NAME of G handed to LOAD when present. */
int cfg_load_part(const struct loader *l, const config_setting_t *g,
		  const char *name, cfg_part_fn *load);

/* ------------------------------------------------ the parts */

cfg_part_fn cfg_load_mos;		/* config_mos.c, given the root */
cfg_part_fn cfg_load_dpdk;		/* config_dpdk.c */
cfg_part_fn cfg_load_multiprocess;
cfg_part_fn cfg_load_setup;
cfg_part_fn cfg_load_ports;		/* config_ports.c, given mos */
cfg_part_fn cfg_load_arp;		/* config_tables.c */
cfg_part_fn cfg_load_routes;
cfg_part_fn cfg_load_fwd_table;
cfg_part_fn cfg_load_stat_print;
cfg_part_fn cfg_load_apps;		/* config_apps.c */

#endif
