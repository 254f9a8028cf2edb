/*
 * monitor.c -- smallest program a user of the installed libmos-dev writes:
 * built by .ci/build-debs.sh with only `pkg-config --cflags --libs libmos`,
 * outside the source tree.  Usage: monitor [MOS_CONF]
 */
#include <mos_api.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/etc/mos/mos.conf";
	struct mtcp_conf conf;

	if (mtcp_init(path) != 0) {
		fprintf(stderr, "monitor: mtcp_init(%s): %s\n", path,
			strerror(errno));
		return 1;
	}
	memset(&conf, 0, sizeof(conf));
	if (mtcp_getconf(&conf) != 0) {
		fprintf(stderr, "monitor: mtcp_getconf: %s\n", strerror(errno));
		mtcp_destroy();
		return 1;
	}
	printf("monitor: %s: num_cores=%d max_concurrency=%d\n", path,
	       conf.num_cores, conf.max_concurrency);
	if (mtcp_destroy() != 0) {
		fprintf(stderr, "monitor: mtcp_destroy: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
