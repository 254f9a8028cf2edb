/*
 * flowlog_conf.c -- see flowlog_conf.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowlog_conf.h"

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* One "key = value" line; "" when it is well formed, else what is wrong. */
static const char *parse_line(char *line, struct flowlog_conf *c)
{
	char *eq, *key, *val, **slot;

	line[strcspn(line, "#\n")] = '\0';
	key = trim(line);
	if (!*key)
		return "";
	eq = strchr(key, '=');
	if (!eq)
		return "expected key = value";
	*eq = '\0';
	key = trim(key);
	val = trim(eq + 1);
	if (strcmp(key, "format") == 0)
		slot = &c->format;
	else if (strcmp(key, "output") == 0)
		slot = &c->output;
	else
		return "unknown key (format, output)";
	if (!*val)
		return "empty value";
	if (strcmp(key, "format") == 0 && strcmp(val, "zeek") != 0 &&
	    strcmp(val, "eve") != 0)
		return "format must be zeek or eve";
	free(*slot);
	*slot = strdup(val);
	return *slot ? "" : "out of memory";
}

int flowlog_conf_read(const char *path, bool optional, struct flowlog_conf *c)
{
	char line[4096];
	const char *err;
	int n = 0;
	FILE *f = fopen(path, "r");

	c->format = c->output = NULL;
	if (!f) {
		if (optional && errno == ENOENT)
			return 0;
		fprintf(stderr, "mos-flowlog: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		n++;
		err = parse_line(line, c);
		if (*err) {
			fprintf(stderr, "mos-flowlog: %s:%d: %s\n", path, n,
				err);
			fclose(f);
			flowlog_conf_free(c);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

void flowlog_conf_free(struct flowlog_conf *c)
{
	free(c->format);
	free(c->output);
	c->format = c->output = NULL;
}
