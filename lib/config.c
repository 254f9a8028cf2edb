/*
 * config.c -- load, check and print the libmos configuration (API.md 4.2).
 *
 * libconfig parses the file; this module checks it against the schema:
 * every group lists its known settings with their types (anything else is
 * an error, so typos do not pass silently), then each value is range
 * checked and cross references (port names) are resolved.  The first
 * problem ends the load with one line on stderr:
 *
 *	mos: FILE:LINE: SETTING: PROBLEM
 */
#include "internal.h"
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <libconfig.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PATH_TEXT 256		/* longest setting path printed */
#define IFNAME_MAX 15		/* kernel interface names (IFNAMSIZ - 1) */

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

/* ------------------------------------------------------------ messages */

/* "mos.ports[1].name" for a setting, "" for the root. */
static void setting_path(const config_setting_t *s, char *buf, size_t len)
{
	const config_setting_t *parent = config_setting_parent(s);
	const char *name = config_setting_name(s);
	size_t used;

	buf[0] = '\0';
	if (!parent)
		return;
	setting_path(parent, buf, len);
	used = strlen(buf);
	if (name)
		snprintf(buf + used, len - used, "%s%s", used ? "." : "", name);
	else
		snprintf(buf + used, len - used, "[%d]",
			 config_setting_index(s));
}

static const char *setting_file(const struct loader *l,
				const config_setting_t *s)
{
	const char *f = config_setting_source_file(s);

	return f ? f : l->file;
}

static int setting_line(const config_setting_t *s)
{
	int line = config_setting_source_line(s);

	return line > 0 ? line : 1;	/* the root has no line */
}

/* Report PROBLEM about setting S (or about S.CHILD when CHILD is given). */
__attribute__((format(printf, 4, 0)))
static int vbad(const struct loader *l, const config_setting_t *s,
		const char *child, const char *fmt, va_list ap)
{
	char path[PATH_TEXT];

	setting_path(s, path, sizeof(path));
	fprintf(stderr, "mos: %s:%d: %s%s%s: ", setting_file(l, s),
		setting_line(s), path, child && path[0] ? "." : "",
		child ? child : "");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	errno = EINVAL;
	return -1;
}

__attribute__((format(printf, 3, 4)))
static int bad(const struct loader *l, const config_setting_t *s,
	       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vbad(l, s, NULL, fmt, ap);
	va_end(ap);
	return -1;
}

/* A problem with CHILD of group G that is not there. */
__attribute__((format(printf, 4, 5)))
static int bad_child(const struct loader *l, const config_setting_t *g,
		     const char *child, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vbad(l, g, child, fmt, ap);
	va_end(ap);
	return -1;
}

static int no_memory(const struct loader *l)
{
	fprintf(stderr, "mos: %s: out of memory\n", l->file);
	errno = ENOMEM;
	return -1;
}

/* ------------------------------------------------------------ schema */

static const char *kind_text(enum kind k)
{
	switch (k) {
	case K_BOOL:
		return "a boolean (true or false)";
	case K_INT:
		return "an integer";
	case K_MASK:
		return "an integer mask";
	case K_STRING:
		return "a string";
	case K_GROUP:
		return "a group { ... }";
	case K_LIST:
		return "a list ( ... ) or array [ ... ]";
	}
	return "?";
}

static bool kind_matches(enum kind k, int type)
{
	switch (k) {
	case K_BOOL:
		return type == CONFIG_TYPE_BOOL;
	case K_INT:
	case K_MASK:
		return type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64;
	case K_STRING:
		return type == CONFIG_TYPE_STRING;
	case K_GROUP:
		return type == CONFIG_TYPE_GROUP;
	case K_LIST:
		return type == CONFIG_TYPE_LIST || type == CONFIG_TYPE_ARRAY;
	}
	return false;
}

/* Every member of G must be one of KEYS, with the type the key says. */
static int check_members(const struct loader *l, const config_setting_t *g,
			 const struct key *keys, size_t nkeys)
{
	int n = config_setting_length(g);

	for (int i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(g, i);
		const char *name = config_setting_name(m);
		size_t k;

		for (k = 0; k < nkeys; k++)
			if (strcmp(keys[k].name, name) == 0)
				break;
		if (k == nkeys)
			return bad(l, m, "unknown setting");
		if (!kind_matches(keys[k].kind, config_setting_type(m)))
			return bad(l, m, "must be %s", kind_text(keys[k].kind));
	}
	return 0;
}

/* An element of a list that must be a group with members KEYS. */
static int check_group(const struct loader *l, const config_setting_t *s,
		       const struct key *keys, size_t nkeys)
{
	if (config_setting_type(s) != CONFIG_TYPE_GROUP)
		return bad(l, s, "must be %s", kind_text(K_GROUP));
	return check_members(l, s, keys, nkeys);
}

/* ------------------------------------------------------------ values */

static int range_error(const struct loader *l, const config_setting_t *s,
		       long long min, long long max)
{
	if (max == INT_MAX)
		return bad(l, s, "must be at least %lld", min);
	return bad(l, s, "must be between %lld and %lld", min, max);
}

/* Integer member NAME of G in MIN..MAX into *OUT; absent = unchanged. */
static int get_int(const struct loader *l, const config_setting_t *g,
		   const char *name, long long min, long long max, int *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	long long v;

	if (!s)
		return 0;
	v = config_setting_get_int64(s);
	if (v < min || v > max)
		return range_error(l, s, min, max);
	*out = (int)v;
	return 0;
}

static void get_bool(const config_setting_t *g, const char *name, bool *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);

	if (s)
		*out = config_setting_get_bool(s);
}

/*
 * A core mask.  A hexadecimal int is read as 32 unsigned bits so that
 * 0xFFFFFFFF means cores 0..31; masks above bit 31 use the int64 form.
 */
static int mask_value(const struct loader *l, const config_setting_t *s,
		      uint64_t *out)
{
	bool hex = config_setting_get_format(s) == CONFIG_FORMAT_HEX;
	long long v = config_setting_get_int64(s);

	if (!hex && v < 0)
		return bad(l, s, "must not be negative");
	if (config_setting_type(s) == CONFIG_TYPE_INT)
		*out = (uint32_t)v;
	else
		*out = (uint64_t)v;
	if (*out == 0)
		return bad(l, s, "must name at least one core (non-zero)");
	return 0;
}

/* Replace *DST by a copy of V. */
static int set_string(const struct loader *l, char **dst, const char *v)
{
	char *copy = strdup(v);

	if (!copy)
		return no_memory(l);
	free(*dst);
	*dst = copy;
	return 0;
}

/* String member NAME of G into *DST (a heap copy); absent = unchanged. */
static int get_string(const struct loader *l, const config_setting_t *g,
		      const char *name, char **dst)
{
	const config_setting_t *s = config_setting_get_member(g, name);

	if (!s)
		return 0;
	return set_string(l, dst, config_setting_get_string(s));
}

/* String member NAME of G that must be one of CHOICES (NULL ended). */
static int get_choice(const struct loader *l, const config_setting_t *g,
		      const char *name, const char *const *choices, int *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	const char *v;

	if (!s)
		return 0;
	v = config_setting_get_string(s);
	for (int i = 0; choices[i]; i++) {
		if (strcmp(v, choices[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	if (choices[2])
		return bad(l, s, "must be \"%s\", \"%s\" or \"%s\"",
			   choices[0], choices[1], choices[2]);
	return bad(l, s, "must be \"%s\" or \"%s\"", choices[0], choices[1]);
}

/* A required member: report its absence at the group. */
static const config_setting_t *need(const struct loader *l,
				    const config_setting_t *g,
				    const char *name)
{
	const config_setting_t *s = config_setting_get_member(g, name);

	if (!s)
		bad_child(l, g, name, "required setting missing");
	return s;
}

/* S matches PAT, where 'h' stands for a hex digit, 'd' a decimal one. */
static bool matches(const char *s, const char *pat)
{
	for (; *pat; pat++, s++) {
		if (*pat == 'h' && !isxdigit((unsigned char)*s))
			return false;
		if (*pat == 'd' && !isdigit((unsigned char)*s))
			return false;
		if (*pat != 'h' && *pat != 'd' && *pat != *s)
			return false;
	}
	return *s == '\0';
}

/* "a.b.c.d/prefix" */
static bool parse_prefix(const char *text, struct in_addr *addr, int *prefix)
{
	const char *slash = strchr(text, '/');
	char ip[INET_ADDRSTRLEN];
	size_t iplen;
	int p = 0;

	if (!slash)
		return false;
	iplen = (size_t)(slash - text);
	if (iplen == 0 || iplen >= sizeof(ip))
		return false;
	memcpy(ip, text, iplen);
	ip[iplen] = '\0';
	if (inet_pton(AF_INET, ip, addr) != 1)
		return false;
	if (!matches(slash + 1, "d") && !matches(slash + 1, "dd"))
		return false;
	for (const char *d = slash + 1; *d; d++)
		p = p * 10 + (*d - '0');
	if (p > 32)
		return false;
	*prefix = p;
	return true;
}

/* "xx:xx:xx:xx:xx:xx" */
static bool parse_mac(const char *text, uint8_t mac[6])
{
	if (!matches(text, "hh:hh:hh:hh:hh:hh"))
		return false;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)strtoul(text + 3 * i, NULL, 16);
	return true;
}

static int address_value(const struct loader *l, const config_setting_t *s,
			 struct in_addr *addr, int *prefix)
{
	if (!parse_prefix(config_setting_get_string(s), addr, prefix))
		return bad(l, s, "must be an IPv4 address with prefix, "
			   "\"a.b.c.d/n\" (n 0..32)");
	return 0;
}

static int mac_value(const struct loader *l, const config_setting_t *s,
		     uint8_t mac[6])
{
	if (!parse_mac(config_setting_get_string(s), mac))
		return bad(l, s, "must be a MAC address \"xx:xx:xx:xx:xx:xx\"");
	return 0;
}

/* The port named by string setting S, or -1 after a message. */
static int port_ref(const struct loader *l, const config_setting_t *s)
{
	const char *name = config_setting_get_string(s);
	int i = mos_config_port_index(l->c, name);

	if (i < 0)
		bad(l, s, "no port named \"%s\" in mos.ports", name);
	return i;
}

/* Each element of sequence S must be a string. */
static int check_strings(const struct loader *l, const config_setting_t *s)
{
	int n = config_setting_length(s);

	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return bad(l, e, "must be a string");
	}
	return 0;
}

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

	if (check_strings(l, s))
		return -1;
	if (n == 0)
		return 0;
	c->dpdk.eal_args = calloc((size_t)n, sizeof(char *));
	if (!c->dpdk.eal_args)
		return no_memory(l);
	for (int i = 0; i < n; i++) {
		const char *v = config_setting_get_string_elem(s, i);

		if (set_string(l, &c->dpdk.eal_args[i], v))
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
		return bad(l, s, "must be \"\" or megabytes per NUMA node, "
			   "example \"1024,1024\"");
	s = config_setting_get_member(g, "hugepage_dir");
	if (s && config_setting_get_string(s)[0] &&
	    config_setting_get_string(s)[0] != '/')
		return bad(l, s, "must be \"\" or an absolute path");
	s = config_setting_get_member(g, "file_prefix");
	if (s && !config_setting_get_string(s)[0])
		return bad(l, s, "must not be empty");
	if (get_choice(l, g, "proc_type", proc_types, &pt))
		return -1;
	if (get_string(l, g, "socket_mem", &c->dpdk.socket_mem) ||
	    get_string(l, g, "hugepage_dir", &c->dpdk.hugepage_dir) ||
	    get_string(l, g, "file_prefix", &c->dpdk.file_prefix) ||
	    get_string(l, g, "proc_type", &c->dpdk.proc_type))
		return -1;
	return 0;
}

static int load_dpdk(const struct loader *l, const config_setting_t *g)
{
	struct mos_config *c = l->c;
	const config_setting_t *s;

	if (check_members(l, g, dpdk_keys, MOS_ARRAY_SIZE(dpdk_keys)))
		return -1;
	if (get_int(l, g, "mem_channels", 1, INT_MAX, &c->dpdk.mem_channels) ||
	    get_int(l, g, "memory_mb", 0, INT_MAX, &c->dpdk.memory_mb) ||
	    get_int(l, g, "mbufs", 1, INT_MAX, &c->dpdk.mbufs) ||
	    get_int(l, g, "mbuf_cache", 0, 512, &c->dpdk.mbuf_cache) ||
	    get_int(l, g, "rx_desc", 1, 32768, &c->dpdk.rx_desc) ||
	    get_int(l, g, "tx_desc", 1, 32768, &c->dpdk.tx_desc))
		return -1;
	get_bool(g, "hugepages", &c->dpdk.hugepages);
	s = config_setting_get_member(g, "hugepages");
	if (!c->dpdk.hugepages && c->dpdk.memory_mb <= 0)
		return bad(l, s ? s : g,
			   "false requires mos.dpdk.memory_mb > 0");
	if (load_dpdk_paths(l, g))
		return -1;
	s = config_setting_get_member(g, "eal_args");
	if (s && load_eal_args(l, s))
		return -1;
	return 0;
}

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
			return bad(l, s, "only allowed with io = \"%s\"",
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
			return bad(l, s, "must not be empty");
		if (i == 0 && !matches(v, "hhhh:hh:hh.h") &&
		    !matches(v, "hh:hh.h"))
			return bad(l, s, "must be a PCI address "
				   "\"DDDD:BB:DD.F\"");
		if (i == 4 && strlen(v) > IFNAME_MAX)
			return bad(l, s, "interface names have at most %d "
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
		return bad(l, sb, "a port takes only one of %s or %s", a, b);
	if (!sa && !sb)
		return bad(l, g, "needs one of %s or %s (io = \"%s\")", a, b,
			   dpdk ? "dpdk" : "pcap");
	out = config_setting_get_member(g, "pcap_out");
	if (out && !sa)
		return bad(l, out, "only allowed with pcap_file");
	return 0;
}

static int load_port_name(const struct loader *l, const config_setting_t *g,
			  struct mos_port_conf *p)
{
	const config_setting_t *s = need(l, g, "name");
	const char *name;
	int other;

	if (!s)
		return -1;
	name = config_setting_get_string(s);
	if (!name[0])
		return bad(l, s, "must not be empty");
	if (strlen(name) >= MOS_NAME_LEN)
		return bad(l, s, "must be shorter than %d characters",
			   MOS_NAME_LEN);
	other = mos_config_port_index(l->c, name);
	if (other >= 0)
		return bad(l, s, "port \"%s\" is already defined "
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
		if (address_value(l, s, &p->addr, &p->prefix))
			return -1;
		p->has_addr = true;
	}
	s = config_setting_get_member(g, "mac");
	if (s && config_setting_get_string(s)[0]) {
		if (mac_value(l, s, p->mac))
			return -1;
		p->has_mac = true;
	}
	return 0;
}

static int load_port(const struct loader *l, const config_setting_t *g,
		     struct mos_port_conf *p)
{
	const config_setting_t *s;

	if (check_group(l, g, port_keys, MOS_ARRAY_SIZE(port_keys)) ||
	    load_port_name(l, g, p) || check_sources(l, g))
		return -1;
	s = need(l, g, "core_mask");
	if (!s || mask_value(l, s, &p->core_mask))
		return -1;
	if (load_port_addr(l, g, p))
		return -1;
	if (get_string(l, g, "pci", &p->pci) ||
	    get_string(l, g, "vdev", &p->vdev) ||
	    get_string(l, g, "pcap_file", &p->pcap_file) ||
	    get_string(l, g, "pcap_out", &p->pcap_out) ||
	    get_string(l, g, "interface", &p->interface))
		return -1;
	return 0;
}

static int load_ports(const struct loader *l, const config_setting_t *mos)
{
	struct mos_config *c = l->c;
	const config_setting_t *s = need(l, mos, "ports");
	int n;

	if (!s)
		return -1;
	n = config_setting_length(s);
	if (n == 0)
		return bad(l, s, "must define at least one port");
	if (n > MOS_MAX_PORTS)
		return bad(l, config_setting_get_elem(s, MOS_MAX_PORTS),
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

/* ------------------------------------------------------------ tables */

static const struct key arp_keys[] = {
	{ "address", K_STRING }, { "mac", K_STRING },
};
static const struct key route_keys[] = {
	{ "address", K_STRING }, { "port", K_STRING },
};

static int load_arp(const struct loader *l, const config_setting_t *s)
{
	struct mos_config *c = l->c;
	int n = config_setting_length(s);

	if (n == 0)
		return 0;
	c->arp = calloc((size_t)n, sizeof(*c->arp));
	if (!c->arp)
		return no_memory(l);
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(s, i);
		struct mos_arp_entry *e = &c->arp[i];
		const config_setting_t *a, *m;

		if (check_group(l, g, arp_keys, MOS_ARRAY_SIZE(arp_keys)))
			return -1;
		a = need(l, g, "address");
		if (!a || address_value(l, a, &e->addr, &e->prefix))
			return -1;
		m = need(l, g, "mac");
		if (!m || mac_value(l, m, e->mac))
			return -1;
		c->narp = i + 1;
	}
	return 0;
}

static int load_routes(const struct loader *l, const config_setting_t *s)
{
	struct mos_config *c = l->c;
	int n = config_setting_length(s);

	if (n == 0)
		return 0;
	c->routes = calloc((size_t)n, sizeof(*c->routes));
	if (!c->routes)
		return no_memory(l);
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(s, i);
		struct mos_route_entry *e = &c->routes[i];
		const config_setting_t *a, *p;

		if (check_group(l, g, route_keys, MOS_ARRAY_SIZE(route_keys)))
			return -1;
		a = need(l, g, "address");
		if (!a || address_value(l, a, &e->addr, &e->prefix))
			return -1;
		p = need(l, g, "port");
		if (!p)
			return -1;
		e->port = port_ref(l, p);
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
		return bad(l, e, "must be an array of two port names "
			   "[ \"a\", \"b\" ]");
	for (int k = 0; k < 2; k++) {
		const config_setting_t *s = config_setting_get_elem(e, k);

		idx[k] = port_ref(l, s);
		if (idx[k] < 0)
			return -1;
		if (ports[idx[k]].fwd_peer >= 0)
			return bad(l, s, "port \"%s\" is already in a "
				   "forward pair", ports[idx[k]].name);
	}
	if (idx[0] == idx[1])
		return bad(l, e, "a port cannot be paired with itself");
	ports[idx[0]].fwd_peer = idx[1];
	ports[idx[1]].fwd_peer = idx[0];
	return 0;
}

static int load_fwd_table(const struct loader *l, const config_setting_t *s)
{
	int n = config_setting_length(s);

	for (int i = 0; i < n; i++)
		if (load_fwd_pair(l, config_setting_get_elem(s, i)))
			return -1;
	return 0;
}

static int load_stat_print(const struct loader *l, const config_setting_t *s)
{
	struct mos_config *c = l->c;
	int n = config_setting_length(s);

	if (check_strings(l, s))
		return -1;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);
		int port = port_ref(l, e);

		if (port < 0)
			return -1;
		for (int k = 0; k < c->n_stat_print; k++)
			if (c->stat_print[k] == port)
				return bad(l, e, "port \"%s\" named twice",
					   c->ports[port].name);
		c->stat_print[c->n_stat_print++] = port;
	}
	return 0;
}

/* ------------------------------------------------ multiprocess, setup */

static const struct key mp_keys[] = {
	{ "enabled", K_BOOL }, { "core", K_INT }, { "master", K_BOOL },
};

static int load_multiprocess(const struct loader *l, const config_setting_t *g)
{
	struct mos_config *c = l->c;

	if (check_members(l, g, mp_keys, MOS_ARRAY_SIZE(mp_keys)) ||
	    get_int(l, g, "core", 0, 63, &c->multiprocess.core))
		return -1;
	get_bool(g, "enabled", &c->multiprocess.enabled);
	get_bool(g, "master", &c->multiprocess.master);
	if (c->multiprocess.enabled)
		return bad(l, config_setting_get_member(g, "enabled"),
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
	if (check_group(l, g, hugepage_keys, MOS_ARRAY_SIZE(hugepage_keys)) ||
	    !need(l, g, "pages") ||
	    get_int(l, g, "node", 0, 1023, &h->node) ||
	    get_int(l, g, "pages", 0, INT_MAX, &h->pages) ||
	    get_int(l, g, "size_kb", 4, INT_MAX, &h->size_kb))
		return -1;
	if (h->size_kb & (h->size_kb - 1))
		return bad(l, config_setting_get_member(g, "size_kb"),
			   "must be a power of two (2048, 1048576, ...)");
	for (int i = 0; i < c->setup.n_hugepages; i++) {
		struct mos_hugepage_req *o = &c->setup.hugepages[i];

		if (o->node == h->node && o->size_kb == h->size_kb)
			return bad(l, g, "node %d, size_kb %d given twice",
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
		return no_memory(l);
	for (int i = 0; i < n; i++) {
		if (load_hugepage(l, config_setting_get_elem(s, i),
				  &c->setup.hugepages[i]))
			return -1;
		c->setup.n_hugepages = i + 1;
	}
	return 0;
}

static int load_setup(const struct loader *l, const config_setting_t *g)
{
	struct mos_config *c = l->c;
	const config_setting_t *s;
	int drv = 0;

	if (check_members(l, g, setup_keys, MOS_ARRAY_SIZE(setup_keys)))
		return -1;
	s = config_setting_get_member(g, "hugepages");
	if (s && load_hugepages(l, s))
		return -1;
	s = config_setting_get_member(g, "hugetlbfs_mount");
	if (s && config_setting_get_string(s)[0] &&
	    config_setting_get_string(s)[0] != '/')
		return bad(l, s, "must be \"\" or an absolute path");
	if (get_choice(l, g, "driver", drivers, &drv) ||
	    get_string(l, g, "hugetlbfs_mount", &c->setup.hugetlbfs_mount) ||
	    get_string(l, g, "driver", &c->setup.driver))
		return -1;
	return 0;
}

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
};

static const char *const io_kinds[] = { "dpdk", "pcap", NULL };
static const char *const malformed_actions[] = { "forward", "drop", NULL };

static int load_behaviour(const struct loader *l, const config_setting_t *g)
{
	struct mos_config *c = l->c;
	const config_setting_t *s;
	int io = c->io, mal = c->malformed;

	if (get_choice(l, g, "io", io_kinds, &io) ||
	    get_choice(l, g, "malformed", malformed_actions, &mal) ||
	    get_int(l, g, "max_concurrency", 1, INT_MAX, &c->max_concurrency) ||
	    get_int(l, g, "wmem_size", 1, INT_MAX, &c->wmem_size) ||
	    get_int(l, g, "tcp_tw_interval", 0, INT_MAX, &c->tcp_tw_interval) ||
	    get_int(l, g, "tcp_timeout", -1, INT_MAX, &c->tcp_timeout) ||
	    get_int(l, g, "burst", 1, 1024, &c->burst) ||
	    get_int(l, g, "stat_interval", 1, INT_MAX, &c->stat_interval) ||
	    get_string(l, g, "mos_log", &c->mos_log))
		return -1;
	c->io = io;
	c->malformed = mal;
	if (c->tcp_timeout == 0)
		c->tcp_timeout = -1;
	s = config_setting_get_member(g, "rmem_size");
	if (s) {
		long long v = config_setting_get_int64(s);

		if (v <= 0 || v > INT_MAX || v % 1024)
			return bad(l, s, "must be a positive multiple of 1024");
		c->rmem_size = (int)v;
	}
	get_bool(g, "forward", &c->forward);
	get_bool(g, "no_ring_buffers", &c->no_ring_buffers);
	get_bool(g, "verify_checksums", &c->verify_checksums);
	get_bool(g, "import_kernel_tables", &c->import_kernel_tables);
	return 0;
}

/* Group or list member NAME of G handed to LOAD when present. */
static int load_part(const struct loader *l, const config_setting_t *g,
		     const char *name,
		     int (*load)(const struct loader *,
				 const config_setting_t *))
{
	const config_setting_t *s = config_setting_get_member(g, name);

	return s ? load(l, s) : 0;
}

static int load_mos(const struct loader *l, const config_setting_t *root)
{
	const config_setting_t *g = need(l, root, "mos");

	if (!g)
		return -1;
	if (check_members(l, g, mos_keys, MOS_ARRAY_SIZE(mos_keys)) ||
	    load_behaviour(l, g) ||
	    load_part(l, g, "dpdk", load_dpdk) ||
	    load_ports(l, g) ||
	    load_part(l, g, "stat_print", load_stat_print) ||
	    load_part(l, g, "arp_table", load_arp) ||
	    load_part(l, g, "route_table", load_routes) ||
	    load_part(l, g, "nic_forward_table", load_fwd_table) ||
	    load_part(l, g, "multiprocess", load_multiprocess) ||
	    load_part(l, g, "setup", load_setup))
		return -1;
	return 0;
}

/* ------------------------------------------------------------ applications */

static const struct key app_keys[] = {
	{ "type", K_STRING }, { "run", K_STRING },
	{ "core_mask", K_MASK }, { "ip_forward", K_BOOL },
};
static const char *const app_types[] = { "monitor", "end", NULL };

/* Split RUN on white space into a's argv. */
static int split_run(const struct loader *l, const config_setting_t *s,
		     struct mos_app_conf *a)
{
	const char *p = a->run;

	for (;;) {
		size_t len;

		p += strspn(p, " \t\r\n");
		if (!*p)
			return 0;
		if (a->argc == MOS_APP_ARGC)
			return bad(l, s, "more than %d words", MOS_APP_ARGC);
		len = strcspn(p, " \t\r\n");
		a->argv[a->argc] = strndup(p, len);
		if (!a->argv[a->argc])
			return no_memory(l);
		a->argc++;
		p += len;
	}
}

static int load_app(const struct loader *l, const config_setting_t *g,
		    struct mos_app_conf *a)
{
	const config_setting_t *s;
	int type = 0;

	a->core_mask = l->c->cpu_mask;
	a->ip_forward = true;
	if (check_group(l, g, app_keys, MOS_ARRAY_SIZE(app_keys)) ||
	    !need(l, g, "type") ||
	    get_choice(l, g, "type", app_types, &type) ||
	    get_string(l, g, "type", &a->type) ||
	    set_string(l, &a->run, "") ||
	    get_string(l, g, "run", &a->run))
		return -1;
	s = config_setting_get_member(g, "run");
	if (s && split_run(l, s, a))
		return -1;
	s = config_setting_get_member(g, "core_mask");
	if (s && mask_value(l, s, &a->core_mask))
		return -1;
	get_bool(g, "ip_forward", &a->ip_forward);
	return 0;
}

static int load_apps(const struct loader *l, const config_setting_t *s)
{
	struct mos_config *c = l->c;
	int n = config_setting_length(s);

	if (config_setting_type(s) != CONFIG_TYPE_LIST &&
	    !(config_setting_type(s) == CONFIG_TYPE_ARRAY && n == 0))
		return bad(l, s, "must be a list ( { ... }, ... )");
	if (n > MOS_APP)
		return bad(l, config_setting_get_elem(s, MOS_APP),
			   "at most %d applications", MOS_APP);
	for (int i = 0; i < n; i++) {
		c->napps = i + 1;
		if (load_app(l, config_setting_get_elem(s, i), &c->apps[i]))
			return -1;
		if (!c->apps[i].ip_forward)
			c->forward = false;
	}
	return 0;
}

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

	if (check_members(l, root, root_keys, MOS_ARRAY_SIZE(root_keys)) ||
	    load_mos(l, root) ||
	    load_part(l, root, "applications", load_apps))
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
	if (!defaults_present(c) || set_string(&l, &c->path, path))
		no_memory(&l);
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
