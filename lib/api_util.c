/*
 * api_util.c -- the helpers of <mtcp_util.h>: GetRSSCPUCore(3)
 * and StrToArgs(3).
 */
#include "internal.h"

#include <errno.h>
#include <stddef.h>

#include <mtcp_util.h>

#include "host/rss.h"

MOS_EXPORT int GetRSSCPUCore(in_addr_t sip, in_addr_t dip, in_port_t sp,
			     in_port_t dp, int num_queues)
{
	if (num_queues < 1) {
		errno = EINVAL;
		return -1;
	}
	return mos_rss_index(mos_rss_hash4(sip, dip, sp, dp), num_queues);
}

static int blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
	       ch == '\v' || ch == '\f';
}

MOS_EXPORT int StrToArgs(char *str, int *argc, char **argv, int max_argc)
{
	int n = 0;

	if (!str || !argc || !argv || max_argc < 1) {
		errno = EINVAL;
		return -1;
	}
	while (*str) {
		while (blank(*str))
			*str++ = '\0';
		if (!*str)
			break;
		if (n == max_argc) {
			*argc = n;
			errno = E2BIG;
			return -1;
		}
		argv[n++] = str;
		while (*str && !blank(*str))
			str++;
	}
	*argc = n;
	return 0;
}
