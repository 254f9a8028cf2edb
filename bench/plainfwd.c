/*
 * plainfwd -- the peer of the DPDK benchmark: a plain DPDK rx -> tx loop
 * (DPDK's examples/skeleton shape) over port 0 -> port 1, with no stack.
 *
 *   plainfwd IDLE-SECONDS FRAMES EAL-ARGS...
 *
 * Forwards until FRAMES frames have gone through (0: no count), or no
 * frame came for IDLE-SECONDS (the capture behind port 0 has ended), and
 * prints "plainfwd: N frames in S s: P pps", S being the time from the
 * first frame to the last.  Knowing the count lets the process end with
 * the last frame, as libmos does on a capture, so that whole-process times
 * compare.
 */
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BURST 32

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int port_init(uint16_t port, struct rte_mempool *pool)
{
	struct rte_eth_conf conf = { 0 };

	if (rte_eth_dev_configure(port, 1, 1, &conf) < 0 ||
	    rte_eth_rx_queue_setup(port, 0, 128, rte_eth_dev_socket_id(port),
				   NULL, pool) < 0 ||
	    rte_eth_tx_queue_setup(port, 0, 512, rte_eth_dev_socket_id(port),
				   NULL) < 0 ||
	    rte_eth_dev_start(port) < 0)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct rte_mempool *pool;
	struct rte_mbuf *m[BURST];
	double secs, t0 = 0, t1 = 0, t;
	uint64_t frames = 0, want;
	int n;

	if (argc < 4) {
		fprintf(stderr, "usage: plainfwd SECONDS FRAMES EAL-ARGS...\n");
		return 2;
	}
	secs = atof(argv[1]);
	want = strtoull(argv[2], NULL, 0);
	argv[2] = argv[0];
	if (rte_eal_init(argc - 2, argv + 2) < 0 ||
	    rte_eth_dev_count_avail() < 2) {
		fprintf(stderr, "plainfwd: EAL or ports (need two)\n");
		return 1;
	}
	pool = rte_pktmbuf_pool_create("plain", 8191, 256, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	if (!pool || port_init(0, pool) < 0 || port_init(1, pool) < 0) {
		fprintf(stderr, "plainfwd: port setup failed\n");
		return 1;
	}
	for (;;) {
		uint16_t got = rte_eth_rx_burst(0, 0, m, BURST), sent;

		if (!got) {
			if (t0 && now() - t1 >= secs)
				break;
			continue;
		}
		t1 = now();
		if (!t0)
			t0 = t1;
		frames += got;
		sent = rte_eth_tx_burst(1, 0, m, got);
		for (n = sent; n < got; n++)
			rte_pktmbuf_free(m[n]);
		if (want && frames >= want)
			break;
	}
	t = t1 - t0;
	printf("plainfwd: %llu frames in %.3f s: %.0f pps\n",
	       (unsigned long long)frames, t, (double)frames / t);
	rte_eal_cleanup();
	return 0;
}
