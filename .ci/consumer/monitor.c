/*
 * monitor.c -- a small monitor, built outside the source tree against the
 * installed packages with only `pkg-config --cflags --libs libmos`.
 *
 * Usage: monitor MOS_CONF [FLOWS BYTES_C2S BYTES_S2C]
 * Counts the flows and the bytes read with mtcp_peek() each way; with the
 * three numbers, exits 1 unless they match.
 */
#include <mos_api.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long flows, bytes[2];

static void on_data(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	char buf[8192];
	ssize_t n;

	(void)ev, (void)a;
	/* the MOS_SIDE_SVR ring holds what the client sent */
	while ((n = mtcp_peek(m, sock, side, buf, sizeof(buf))) > 0)
		bytes[side == MOS_SIDE_SVR ? 0 : 1] += (unsigned long)n;
}

static void on_end(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	if (mtcp_get_uctx(m, sock))
		return;		/* second delivery */
	on_data(m, sock, MOS_SIDE_CLI, ev, a);
	on_data(m, sock, MOS_SIDE_SVR, ev, a);
	mtcp_set_uctx(m, sock, &flows);
	flows++;
	(void)side;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/etc/mos/mos.conf";
	int big = 1 << 20, s;
	mctx_t m;

	if (mtcp_init(path) != 0) {
		fprintf(stderr, "monitor: mtcp_init(%s): %s\n", path,
			strerror(errno));
		return 1;
	}
	m = mtcp_create_context(0);
	s = m ? mtcp_socket(m, AF_INET, MOS_SOCK_MONITOR_STREAM, 0) : -1;
	if (s < 0 ||
	    mtcp_setsockopt(m, s, SOL_MONSOCKET, MOS_CLIBUF, &big, sizeof(big)) ||
	    mtcp_setsockopt(m, s, SOL_MONSOCKET, MOS_SVRBUF, &big, sizeof(big)) ||
	    mtcp_register_callback(m, s, MOS_ON_CONN_NEW_DATA, MOS_NULL, on_data) ||
	    mtcp_register_callback(m, s, MOS_ON_CONN_END, MOS_HK_SND, on_end)) {
		fprintf(stderr, "monitor: setup: %s\n", strerror(errno));
		return 1;
	}
	mtcp_app_join(m);
	mtcp_destroy_context(m);
	mtcp_destroy();
	printf("monitor: %lu flows, %lu bytes client to server, %lu back\n",
	       flows, bytes[0], bytes[1]);
	if (argc > 4 && (flows != strtoul(argv[2], NULL, 10) ||
			 bytes[0] != strtoul(argv[3], NULL, 10) ||
			 bytes[1] != strtoul(argv[4], NULL, 10))) {
		fprintf(stderr, "monitor: expected %s flows, %s and %s bytes\n",
			argv[2], argv[3], argv[4]);
		return 1;
	}
	return 0;
}
