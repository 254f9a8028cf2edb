/* t_config: placeholder replaced by the configuration tests. */
#include <mos_api.h>
#include <errno.h>
#include "tap.h"

int main(void)
{
	errno = 0;
	ok(mtcp_init("/nonexistent/mos.conf") == -1 && errno == ENOENT,
	   "missing file gives ENOENT");
	return tap_done();
}
