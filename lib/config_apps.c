/*
 * config_apps.c -- the applications list, informational only (mos.conf(5)):
 * reported through mtcp_getconf().
 */
#include "internal.h"
#include "config_impl.h"

#include <string.h>

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
			return cfg_bad(l, s, "more than %d words",
				       MOS_APP_ARGC);
		len = strcspn(p, " \t\r\n");
		a->argv[a->argc] = strndup(p, len);
		if (!a->argv[a->argc])
			return cfg_no_memory(l);
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
	if (cfg_check_group(l, g, app_keys, MOS_ARRAY_SIZE(app_keys)) ||
	    !cfg_need(l, g, "type") ||
	    cfg_get_choice(l, g, "type", app_types, &type) ||
	    cfg_get_string(l, g, "type", &a->type) ||
	    cfg_set_string(l, &a->run, "") ||
	    cfg_get_string(l, g, "run", &a->run))
		return -1;
	s = config_setting_get_member(g, "run");
	if (s && split_run(l, s, a))
		return -1;
	s = config_setting_get_member(g, "core_mask");
	if (s && cfg_mask(l, s, &a->core_mask))
		return -1;
	cfg_get_bool(g, "ip_forward", &a->ip_forward);
	return 0;
}

int cfg_load_apps(const struct loader *l, const config_setting_t *s)
{
	struct mos_config *c = l->c;
	int n = config_setting_length(s);

	if (config_setting_type(s) != CONFIG_TYPE_LIST &&
	    !(config_setting_type(s) == CONFIG_TYPE_ARRAY && n == 0))
		return cfg_bad(l, s, "must be a list ( { ... }, ... )");
	if (n > MOS_APP)
		return cfg_bad(l, config_setting_get_elem(s, MOS_APP),
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
