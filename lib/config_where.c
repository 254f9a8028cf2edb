/*
 * config_where.c -- where each setting was in the file, kept after
 * loading, so that problems found later (starting I/O, checking the
 * machine) are reported as the loader reports its own:
 *
 *	mos: FILE:LINE: SETTING: PROBLEM
 *
 * libconfig's tree dies with the load; its setting paths and source lines
 * (config_setting_source_line(3)) are copied into mos_config.where.
 */
#include "internal.h"
#include "config_impl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Settings in the tree under S, S included. */
static int count_settings(const config_setting_t *s)
{
	int n = 1, len;

	if (!config_setting_is_aggregate(s))
		return 1;
	len = config_setting_length(s);
	for (int i = 0; i < len; i++)
		n += count_settings(config_setting_get_elem(s, i));
	return n;
}

static int record(const struct loader *l, const config_setting_t *s)
{
	struct mos_config *c = l->c;
	struct mos_config_where *w = &c->where[c->nwhere];
	const char *file = config_setting_source_file(s);
	char path[PATH_TEXT];
	int len;

	cfg_setting_path(s, path, sizeof(path));
	if (path[0]) {		/* the root has no name and no line */
		w->setting = strdup(path);
		w->file = file && strcmp(file, l->file) ? strdup(file) : NULL;
		w->line = config_setting_source_line(s);
		if (!w->setting ||
		    (file && strcmp(file, l->file) && !w->file)) {
			free(w->setting);
			free(w->file);
			return cfg_no_memory(l);
		}
		c->nwhere++;
	}
	if (!config_setting_is_aggregate(s))
		return 0;
	len = config_setting_length(s);
	for (int i = 0; i < len; i++)
		if (record(l, config_setting_get_elem(s, i)))
			return -1;
	return 0;
}

int cfg_record_where(const struct loader *l)
{
	const config_setting_t *root = config_root_setting(&l->cfg);
	struct mos_config *c = l->c;

	c->where = calloc((size_t)count_settings(root), sizeof(*c->where));
	if (!c->where)
		return cfg_no_memory(l);
	return record(l, root);
}

static const struct mos_config_where *find(const struct mos_config *c,
					   const char *setting, size_t len)
{
	for (int i = 0; i < c->nwhere; i++)
		if (strlen(c->where[i].setting) == len &&
		    strncmp(c->where[i].setting, setting, len) == 0)
			return &c->where[i];
	return NULL;
}

/* SETTING, or the nearest enclosing setting the file has ("a.b[2].c",
 * then "a.b[2]", "a.b", "a"), or NULL. */
static const struct mos_config_where *nearest(const struct mos_config *c,
					      const char *setting)
{
	size_t len = strlen(setting);

	while (len > 0) {
		const struct mos_config_where *w = find(c, setting, len);

		if (w)
			return w;
		while (len > 0 && setting[len - 1] != '.' &&
		       setting[len - 1] != '[')
			len--;
		if (len > 0)
			len--;	/* the '.' or '[' */
	}
	return NULL;
}

int mos_config_line(const struct mos_config *c, const char *setting)
{
	const struct mos_config_where *w = find(c, setting, strlen(setting));

	return w ? w->line : 0;
}

__attribute__((format(printf, 4, 0)))
static int vfail(const struct mos_config *c, int err, const char *setting,
		 const char *fmt, va_list ap)
{
	const struct mos_config_where *w = nearest(c, setting);
	const char *file = w && w->file ? w->file : c->path;

	if (file && w)
		fprintf(stderr, "mos: %s:%d: %s: ", file, w->line, setting);
	else if (file)
		fprintf(stderr, "mos: %s: %s: ", file, setting);
	else
		fprintf(stderr, "mos: %s: ", setting);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	errno = err;
	return -1;
}

int mos_config_fail(const struct mos_config *c, int err, const char *setting,
		    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(c, err, setting, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *port_source(const struct mos_port_conf *p)
{
	if (p->pci)
		return "pci";
	if (p->vdev)
		return "vdev";
	if (p->pcap_file)
		return "pcap_file";
	if (p->interface)
		return "interface";
	return NULL;
}

int mos_config_port_fail(const struct mos_config *c, int err, int port,
			 const char *key, const char *fmt, ...)
{
	char setting[PATH_TEXT];
	va_list ap;

	if (key && strcmp(key, "source") == 0)
		key = port_source(&c->ports[port]);
	if (key)
		snprintf(setting, sizeof(setting), "mos.ports[%d].%s", port,
			 key);
	else
		snprintf(setting, sizeof(setting), "mos.ports[%d]", port);
	va_start(ap, fmt);
	vfail(c, err, setting, fmt, ap);
	va_end(ap);
	return -1;
}

void cfg_free_where(struct mos_config *c)
{
	for (int i = 0; i < c->nwhere; i++) {
		free(c->where[i].setting);
		free(c->where[i].file);
	}
	free(c->where);
	c->where = NULL;
	c->nwhere = 0;
}
