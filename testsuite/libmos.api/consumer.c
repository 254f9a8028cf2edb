/*
 * consumer: a program built outside the tree against an installed libmos,
 * with only what pkg-config gives.  Usage: consumer MOS_CONF
 */
#include <mos_api.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: consumer MOS_CONF\n");
		return 2;
	}
	errno = 0;
	rc = mtcp_init(argv[1]);
	if (rc != 0) {
		printf("not ok - mtcp_init(%s) returned %d: %s\n", argv[1], rc,
		       strerror(errno));
		return 1;
	}
	printf("ok - mtcp_init(%s) returned 0\n", argv[1]);
	rc = mtcp_destroy();
	printf("%s - mtcp_destroy() returned %d\n", rc == 0 ? "ok" : "not ok",
	       rc);
	return rc == 0 ? 0 : 1;
}
