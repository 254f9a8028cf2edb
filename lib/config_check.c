/*
 * config_check.c -- messages, schema and value checks for the loader.
 *
 * Every group lists its known settings with their types (anything else is
 * an error, so typos do not pass silently); the helpers here range check
 * values and resolve port names.  The first problem ends the load with one
 * line on stderr:
 *
 *	mos: FILE:LINE: SETTING: PROBLEM
 */
#include "internal.h"
#include "config_impl.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ messages */

/* "mos.ports[1].name" for a setting, "" for the root. */
void cfg_setting_path(const config_setting_t *s, char *buf, size_t len)
{
	const config_setting_t *parent = config_setting_parent(s);
	const char *name = config_setting_name(s);
	size_t used;

	buf[0] = '\0';
	if (!parent)
		return;
	cfg_setting_path(parent, buf, len);
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

	cfg_setting_path(s, path, sizeof(path));
	fprintf(stderr, "mos: %s:%d: %s%s%s: ", setting_file(l, s),
		setting_line(s), path, child && path[0] ? "." : "",
		child ? child : "");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	errno = EINVAL;
	return -1;
}

int cfg_bad(const struct loader *l, const config_setting_t *s,
	    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vbad(l, s, NULL, fmt, ap);
	va_end(ap);
	return -1;
}

/* A problem with CHILD of group G that is not there. */
int cfg_bad_child(const struct loader *l, const config_setting_t *g,
		  const char *child, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vbad(l, g, child, fmt, ap);
	va_end(ap);
	return -1;
}

int cfg_no_memory(const struct loader *l)
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
int cfg_check_members(const struct loader *l, const config_setting_t *g,
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
			return cfg_bad(l, m, "unknown setting");
		if (!kind_matches(keys[k].kind, config_setting_type(m)))
			return cfg_bad(l, m, "must be %s",
				       kind_text(keys[k].kind));
	}
	return 0;
}

/* An element of a list that must be a group with members KEYS. */
int cfg_check_group(const struct loader *l, const config_setting_t *s,
		    const struct key *keys, size_t nkeys)
{
	if (config_setting_type(s) != CONFIG_TYPE_GROUP)
		return cfg_bad(l, s, "must be %s", kind_text(K_GROUP));
	return cfg_check_members(l, s, keys, nkeys);
}

/* ------------------------------------------------------------ values */

static int range_error(const struct loader *l, const config_setting_t *s,
		       long long min, long long max)
{
	if (max == INT_MAX)
		return cfg_bad(l, s, "must be at least %lld", min);
	return cfg_bad(l, s, "must be between %lld and %lld", min, max);
}

/* Integer member NAME of G in MIN..MAX into *OUT; absent = unchanged. */
int cfg_get_int(const struct loader *l, const config_setting_t *g,
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

void cfg_get_bool(const config_setting_t *g, const char *name, bool *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);

	if (s)
		*out = config_setting_get_bool(s);
}

/*
 * A core mask.  A hexadecimal int is read as 32 unsigned bits so that
 * 0xFFFFFFFF means cores 0..31; masks above bit 31 use the int64 form.
 */
int cfg_mask(const struct loader *l, const config_setting_t *s,
	     uint64_t *out)
{
	bool hex = config_setting_get_format(s) == CONFIG_FORMAT_HEX;
	long long v = config_setting_get_int64(s);

	if (!hex && v < 0)
		return cfg_bad(l, s, "must not be negative");
	if (config_setting_type(s) == CONFIG_TYPE_INT)
		*out = (uint32_t)v;
	else
		*out = (uint64_t)v;
	if (*out == 0)
		return cfg_bad(l, s, "must name at least one core (non-zero)");
	return 0;
}

/* Replace *DST by a copy of V. */
int cfg_set_string(const struct loader *l, char **dst, const char *v)
{
	char *copy = strdup(v);

	if (!copy)
		return cfg_no_memory(l);
	free(*dst);
	*dst = copy;
	return 0;
}

/* String member NAME of G into *DST (a heap copy); absent = unchanged. */
int cfg_get_string(const struct loader *l, const config_setting_t *g,
		   const char *name, char **dst)
{
	const config_setting_t *s = config_setting_get_member(g, name);

	if (!s)
		return 0;
	return cfg_set_string(l, dst, config_setting_get_string(s));
}

/* String member NAME of G that must be one of CHOICES (NULL ended). */
int cfg_get_choice(const struct loader *l, const config_setting_t *g,
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
		return cfg_bad(l, s, "must be \"%s\", \"%s\" or \"%s\"",
			       choices[0], choices[1], choices[2]);
	return cfg_bad(l, s, "must be \"%s\" or \"%s\"", choices[0],
		       choices[1]);
}

/* A required member: report its absence at the group. */
const config_setting_t *cfg_need(const struct loader *l,
				 const config_setting_t *g,
				 const char *name)
{
	const config_setting_t *s = config_setting_get_member(g, name);

	if (!s)
		cfg_bad_child(l, g, name, "required setting missing");
	return s;
}

/* S matches PAT, where 'h' stands for a hex digit, 'd' a decimal one. */
bool cfg_matches(const char *s, const char *pat)
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
	if (!cfg_matches(slash + 1, "d") && !cfg_matches(slash + 1, "dd"))
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
	if (!cfg_matches(text, "hh:hh:hh:hh:hh:hh"))
		return false;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)strtoul(text + 3 * i, NULL, 16);
	return true;
}

int cfg_address(const struct loader *l, const config_setting_t *s,
		struct in_addr *addr, int *prefix)
{
	if (!parse_prefix(config_setting_get_string(s), addr, prefix))
		return cfg_bad(l, s, "must be an IPv4 address with prefix, "
			       "\"a.b.c.d/n\" (n 0..32)");
	return 0;
}

int cfg_mac(const struct loader *l, const config_setting_t *s,
	    uint8_t mac[6])
{
	if (!parse_mac(config_setting_get_string(s), mac))
		return cfg_bad(l, s, "must be a MAC address "
			       "\"xx:xx:xx:xx:xx:xx\"");
	return 0;
}

/* The port named by string setting S, or -1 after a message. */
int cfg_port_ref(const struct loader *l, const config_setting_t *s)
{
	const char *name = config_setting_get_string(s);
	int i = mos_config_port_index(l->c, name);

	if (i < 0)
		cfg_bad(l, s, "no port named \"%s\" in mos.ports", name);
	return i;
}

/* Each element of sequence S must be a string. */
int cfg_check_strings(const struct loader *l, const config_setting_t *s)
{
	int n = config_setting_length(s);

	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return cfg_bad(l, e, "must be a string");
	}
	return 0;
}

int cfg_load_part(const struct loader *l, const config_setting_t *g,
		  const char *name, cfg_part_fn *load)
{
	const config_setting_t *s = config_setting_get_member(g, name);

	return s ? load(l, s) : 0;
}
