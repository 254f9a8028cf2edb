/*
 * setup_conf.c -- read the parts of mos.conf that mos-setup needs: the
 * mos.setup group and the name and pci of each mos.ports entry.  The rest of
 * the file is the library's business and is not looked at here.
 */
#include "mos_build.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libconfig.h>

#include "setup.h"

static const char *conf_file;

static int conf_error(const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int conf_error(const config_setting_t *s, const char *fmt, ...)
{
	char msg[SETUP_LINE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return setup_fail("%s:%d: %s", conf_file,
			  s ? (int)config_setting_source_line(s) : 0, msg);
}

/* "0000:03:00.0" or the short "03:00.0"; hex digits, lower-cased. */
int setup_pci_normalize(const char *in, char *out, size_t len)
{
	unsigned int dom = 0, bus, dev, fn;
	char tail;
	int n;

	if (strchr(in, ' ') || strchr(in, '+') || strchr(in, '-'))
		return -1;
	n = sscanf(in, "%x:%x:%x.%x%c", &dom, &bus, &dev, &fn, &tail);
	if (n != 4) {
		dom = 0;
		n = sscanf(in, "%x:%x.%x%c", &bus, &dev, &fn, &tail);
		if (n != 3)
			return -1;
	}
	if (dom > 0xffff || bus > 0xff || dev > 0x1f || fn > 7)
		return -1;
	for (const char *p = in; *p; p++)
		if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
			return -1;
	snprintf(out, len, "%04x:%02x:%02x.%x", dom, bus, dev, fn);
	return 0;
}

static int conf_int(const config_setting_t *g, const char *key, long min,
		    long max, long *val)
{
	const config_setting_t *s = config_setting_get_member(g, key);

	if (!s)
		return conf_error(g, "hugepages entry lacks '%s'", key);
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		return conf_error(s, "'%s' must be an integer", key);
	*val = (long)config_setting_get_int64(s);
	if (*val < min || *val > max)
		return conf_error(s, "'%s' is out of range", key);
	return 0;
}

static int conf_huge(struct setup_conf *c, const config_setting_t *list)
{
	int n = config_setting_length(list);

	if (!config_setting_is_list(list) && n > 0)
		return conf_error(list, "%s must be a list of groups",
				  "mos.setup.hugepages");
	if (n > SETUP_MAX_HUGE)
		return conf_error(list, "%s has too many entries",
				  "mos.setup.hugepages");
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, i);
		struct setup_huge *h = &c->huge[i];
		long node;

		if (!config_setting_is_group(g))
			return conf_error(g, "%s entries must be groups",
					  "mos.setup.hugepages");
		for (int j = 0; j < config_setting_length(g); j++) {
			const char *k =
				config_setting_name(config_setting_get_elem(g, j));

			if (strcmp(k, "node") && strcmp(k, "size_kb") &&
			    strcmp(k, "pages"))
				return conf_error(config_setting_get_elem(g, j),
						  "unknown setting '%s' in a hugepages entry",
						  k);
		}
		if (conf_int(g, "node", 0, 1023, &node) < 0 ||
		    conf_int(g, "size_kb", 1, 1L << 30, &h->size_kb) < 0 ||
		    conf_int(g, "pages", 0, 1L << 30, &h->pages) < 0)
			return -1;
		h->node = (int)node;
		for (int j = 0; j < i; j++)
			if (c->huge[j].node == h->node &&
			    c->huge[j].size_kb == h->size_kb)
				return conf_error(g, "%s",
						  "hugepages entry repeats a node and size");
		c->nhuge++;
	}
	return 0;
}

static int conf_string(const config_setting_t *s, char *out, size_t len)
{
	const char *v = config_setting_get_string(s);

	if (!v)
		return conf_error(s, "'%s' must be a string",
				  config_setting_name(s));
	if (strlen(v) >= len)
		return conf_error(s, "'%s' is too long", config_setting_name(s));
	strcpy(out, v);
	return 0;
}

static int conf_setup(struct setup_conf *c, const config_setting_t *g)
{
	if (!config_setting_is_group(g))
		return conf_error(g, "%s must be a group", "mos.setup");
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *s = config_setting_get_elem(g, i);
		const char *k = config_setting_name(s);

		if (!strcmp(k, "hugepages")) {
			if (conf_huge(c, s) < 0)
				return -1;
		} else if (!strcmp(k, "hugetlbfs_mount")) {
			if (conf_string(s, c->mount, sizeof(c->mount)) < 0)
				return -1;
			if (c->mount[0] && c->mount[0] != '/')
				return conf_error(s, "%s must be an absolute path",
						  k);
		} else if (!strcmp(k, "driver")) {
			if (conf_string(s, c->driver, sizeof(c->driver)) < 0)
				return -1;
			if (strcmp(c->driver, "vfio-pci") &&
			    strcmp(c->driver, "uio_pci_generic"))
				return conf_error(s, "%s must be \"vfio-pci\" or \"uio_pci_generic\"",
						  k);
		} else {
			return conf_error(s, "unknown setting 'mos.setup.%s'", k);
		}
	}
	return 0;
}

static int conf_ports(struct setup_conf *c, const config_setting_t *list)
{
	int n = config_setting_length(list);

	if (!config_setting_is_list(list) && n > 0)
		return conf_error(list, "%s must be a list of groups",
				  "mos.ports");
	if (n > SETUP_MAX_PORTS)
		return conf_error(list, "%s has too many entries", "mos.ports");
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, i);
		struct setup_port *p = &c->ports[i];
		const config_setting_t *s;
		char pci[64];

		if (!config_setting_is_group(g))
			return conf_error(g, "%s entries must be groups",
					  "mos.ports");
		snprintf(p->name, sizeof(p->name), "%d", i);
		s = config_setting_get_member(g, "name");
		if (s && conf_string(s, p->name, sizeof(p->name)) < 0)
			return -1;
		s = config_setting_get_member(g, "pci");
		if (s) {
			if (conf_string(s, pci, sizeof(pci)) < 0)
				return -1;
			if (setup_pci_normalize(pci, p->pci, sizeof(p->pci)))
				return conf_error(s, "'%s' is not a PCI address (DDDD:BB:DD.F)",
						  pci);
			for (int j = 0; j < i; j++)
				if (!strcmp(c->ports[j].pci, p->pci))
					return conf_error(s, "PCI address %s is used by two ports",
							  p->pci);
		}
		c->nports++;
	}
	return 0;
}

int setup_conf_load(struct setup_conf *c, const char *file)
{
	const config_setting_t *mos, *s;
	config_t cf;
	int ret = -1;

	memset(c, 0, sizeof(*c));
	strcpy(c->driver, "vfio-pci");
	conf_file = file;
	config_init(&cf);
	errno = 0;
	if (!config_read_file(&cf, file)) {
		if (config_error_type(&cf) == CONFIG_ERR_FILE_IO)
			setup_fail("cannot read %s: %s", file,
				   errno ? strerror(errno) : "I/O error");
		else
			setup_fail("%s:%d: %s", file, config_error_line(&cf),
				   config_error_text(&cf));
		goto out;
	}
	mos = config_lookup(&cf, "mos");
	if (!mos || !config_setting_is_group(mos)) {
		setup_fail("%s: no 'mos' group", file);
		goto out;
	}
	s = config_setting_get_member(mos, "setup");
	if (s && conf_setup(c, s) < 0)
		goto out;
	s = config_setting_get_member(mos, "ports");
	if (s && conf_ports(c, s) < 0)
		goto out;
	ret = 0;
out:
	config_destroy(&cf);
	return ret;
}
