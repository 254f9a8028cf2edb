/*
 * api_runtime.c -- mtcp_init, mtcp_destroy, mtcp_getconf, mtcp_setconf.
 */
#include "internal.h"

#include <errno.h>
#include <mtcp_api.h>

MOS_EXPORT int mtcp_init(const char *config_file)
{
	(void)config_file;
	errno = ENOENT;
	return -1;
}
