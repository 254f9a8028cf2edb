/*
 * config_host.c -- the loaded configuration against this machine.
 *
 * A core mask naming a core the machine does not have, or one this
 * process may not run on (taskset(1), a cgroup cpuset), would start a
 * context that cannot be pinned; mtcp_init refuses it instead, naming
 * the mask.  The allowed set is sched_getaffinity(2)'s; the machine's
 * cores are sysconf(_SC_NPROCESSORS_CONF)'s.
 */
#include "internal.h"
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* "0-3,6" for the cores of SET below 64. */
static void core_list(const cpu_set_t *set, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int a = 0; a < 64 && used < size; a++) {
		int b = a;

		if (!CPU_ISSET(a, set))
			continue;
		while (b + 1 < 64 && CPU_ISSET(b + 1, set))
			b++;
		used += (size_t)snprintf(buf + used, size - used, "%s%d",
					 used ? "," : "", a);
		if (b > a && used < size)
			used += (size_t)snprintf(buf + used, size - used,
						 "-%d", b);
		a = b;
	}
	if (!buf[0])
		snprintf(buf, size, "none");
}

static int check_mask(const struct mos_config *c, int port,
		      const cpu_set_t *allowed, long ncores)
{
	uint64_t mask = c->ports[port].core_mask;
	char list[200];

	for (int core = 0; core < 64; core++) {
		if (!(mask & (UINT64_C(1) << core)))
			continue;
		if (ncores > 0 && core >= ncores)
			return mos_config_port_fail(c, EINVAL, port,
				"core_mask", "core %d does not exist: this "
				"machine has %ld core%s (0-%ld)", core, ncores,
				ncores == 1 ? "" : "s", ncores - 1);
		if (!CPU_ISSET(core, allowed)) {
			core_list(allowed, list, sizeof(list));
			return mos_config_port_fail(c, EINVAL, port,
				"core_mask", "core %d is not allowed to this "
				"process (its CPU affinity is %s)", core, list);
		}
	}
	return 0;
}

int mos_config_check_host(const struct mos_config *c)
{
	long ncores = sysconf(_SC_NPROCESSORS_CONF);
	cpu_set_t allowed;

	/* EINVAL: more CPUs than a cpu_set_t holds; without the set
	 * nothing can be told, and pinning reports its own failures */
	if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
		return 0;
	for (int p = 0; p < c->nports; p++)
		if (check_mask(c, p, &allowed, ncores) < 0)
			return -1;
	return 0;
}
