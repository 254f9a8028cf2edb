/*
 * nidsbench -- the peer the issue measures libmos against: libnids
 * reassembling both halves of every flow of a capture, checksums off,
 * counting the bytes it hands over.
 *
 *   nidsbench CAPTURE MAX-FLOWS
 *
 * Prints "flows N c2s_bytes B s2c_bytes B" (libnids follows IPv4 only).
 */
#include <nids.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t c2s, s2c, ended, live;

static void on_tcp(struct tcp_stream *t, void **user)
{
	(void)user;
	switch (t->nids_state) {
	case NIDS_JUST_EST:
		t->client.collect++;
		t->server.collect++;
		live++;
		break;
	case NIDS_DATA:
		/* the server half holds what the client sent */
		c2s += (uint64_t)t->server.count_new;
		s2c += (uint64_t)t->client.count_new;
		break;
	default:	/* close, reset, timeout, exiting */
		ended++;
		break;
	}
}

static void quiet(int type, int err, void *ip, void *data)
{
	(void)type;
	(void)err;
	(void)ip;
	(void)data;
}

int main(int argc, char **argv)
{
	static struct nids_chksum_ctl all = { 0, 0, NIDS_DONT_CHKSUM, 0 };
	long max;

	if (argc != 3 || (max = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: nidsbench CAPTURE MAX-FLOWS\n");
		return 2;
	}
	nids_params.filename = argv[1];
	nids_params.device = NULL;
	/* libnids follows at most 3/4 of its table's size */
	nids_params.n_tcp_streams = (int)(max * 4 / 3 + 1024);
	nids_params.scan_num_hosts = 0;
	nids_params.syslog = quiet;
	nids_params.pcap_filter = NULL;
	if (!nids_init()) {
		fprintf(stderr, "nidsbench: %s\n", nids_errbuf);
		return 1;
	}
	nids_register_chksum_ctl(&all, 1);
	nids_register_tcp(on_tcp);
	nids_run();
	printf("flows %llu ended %llu c2s_bytes %llu s2c_bytes %llu\n",
	       (unsigned long long)live, (unsigned long long)ended,
	       (unsigned long long)c2s, (unsigned long long)s2c);
	return 0;
}
