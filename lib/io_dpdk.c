/*
 * io_dpdk.c -- the DPDK backend: NICs by PCI address and DPDK virtual
 * devices (net_pcap, net_af_packet, ...).
 *
 * Layout:
 *   - open() starts the EAL in the calling thread with a command line built
 *     from the config (mos_dpdk_eal_argv), creates one mbuf pool per
 *     context and sets up every port with one RX and one TX queue per
 *     context that polls it.  Context c's queue on port p is c's rank among
 *     the contexts whose core is in p's core_mask.  libmos runs contexts on
 *     its own pthreads, so the EAL's worker lcores stay idle.
 *   - A frame is the struct mos_frame kept in the mbuf's private area, so
 *     the packet path allocates nothing.
 *   - Frames that arrive in several segments (bigger than an mbuf) are
 *     dropped and counted: the core wants contiguous frames.  With MTU 1500
 *     and the default mbuf size this never happens on a NIC; for captures,
 *     pools are sized to the largest frame in the file (up to 16 KiB).
 *   - A net_pcap port reading files (rx_pcap=, no infinite_rx) is offline
 *     input.  DPDK's pcap driver returns 0 forever at end of file, so each
 *     file's frames are counted with libpcap at open and rx_burst reports
 *     the end once that many came in.  Capture stamps come from the mbuf
 *     Rx timestamp field, which the driver fills when it is registered.
 *
 * Only stable DPDK calls are used; every setup failure prints one line
 * "mos: FILE:LINE: SETTING: ..." naming the setting it is about
 * (mos_config_fail) and fails with errno.  DPDK's own log goes to stderr, and
 * while the setup runs it is held back so that a failure reads as one line.
 */
#include "io_dpdk_impl.h"

#include <errno.h>
#include <stdlib.h>

#include <rte_eal.h>
#include <rte_log.h>
#include <rte_mbuf_dyn.h>

static void dpdk_close(struct mos_io *io);

static int dpdk_setup(struct mos_io *io, struct logcap *lc)
{
	const struct mos_config *cfg = io->cfg;
	struct dpdk_priv *pv = io->priv;
	int p;

	io->offline = cfg->nports > 0;
	for (p = 0; p < cfg->nports; p++) {
		if (mos_dpdk_scan_port(&pv->ports[p], cfg, p) < 0)
			return -1;
		if (!pv->ports[p].offline)
			io->offline = false;
	}
	if (mos_dpdk_eal_start(pv, cfg, lc) < 0)
		return -1;
	if (io->offline &&
	    rte_mbuf_dyn_rx_timestamp_register(&pv->ts_off, &pv->ts_flag))
		pv->ts_off = -1;
	for (p = 0; p < cfg->nports; p++)
		if (mos_dpdk_find_port(pv, cfg, p) < 0)
			return -1;
	for (p = 0; p < cfg->nports; p++) {
		struct rte_eth_dev_info di;
		int rc = rte_eth_dev_info_get(pv->ports[p].id, &di);

		if (rc)
			return mos_config_port_fail(cfg, ENODEV, p, "source",
						    "%s", rte_strerror(-rc));
		if (mos_dpdk_plan_queues(pv, cfg, p, &di) < 0)
			return -1;
	}
	if (mos_dpdk_create_pools(pv, cfg) < 0)
		return -1;
	for (p = 0; p < cfg->nports; p++)
		if (mos_dpdk_setup_port(pv, cfg, p) < 0)
			return -1;
	/* A port is offline only if every queue reads a file. */
	for (p = 0; p < cfg->nports; p++)
		if (!pv->ports[p].offline)
			io->offline = false;
	return 0;
}

static int dpdk_open(struct mos_io *io)
{
	const struct mos_config *cfg = io->cfg;
	struct logcap lc = { 0 };
	struct dpdk_priv *pv;
	int rc, err;

	if (mos_dpdk_eal_started)
		return mos_config_fail(cfg, EALREADY, "mos.dpdk", "DPDK: the "
				       "EAL was already started in this "
				       "process (it can start only once)");
	if (io->nctx < 1 || io->nctx > DPDK_MAX_CTX)
		return mos_config_fail(cfg, EINVAL, "mos.ports", "DPDK: %d "
				       "contexts (1..%d)", io->nctx,
				       DPDK_MAX_CTX);
	pv = calloc(1, sizeof(*pv));
	if (!pv)
		return mos_config_fail(cfg, ENOMEM, "mos.dpdk",
				       "DPDK: out of memory");
	pv->nctx = io->nctx;
	pv->ts_off = -1;
	pthread_mutex_init(&pv->stat_lock, NULL);
	io->priv = pv;
	/* DPDK logs to stdout by default; libmos keeps stdout clean. */
	lc.f = open_memstream(&lc.buf, &lc.len);
	rte_openlog_stream(lc.f ? lc.f : stderr);
	rc = dpdk_setup(io, &lc);
	err = errno;
	rte_openlog_stream(stderr);
	if (lc.f) {
		fclose(lc.f);
		/* On success pass on what DPDK said (warnings, or what a
		 * user's --log-level asked for). */
		if (rc == 0 && lc.buf && *lc.buf)
			fputs(lc.buf, stderr);
		free(lc.buf);
	}
	if (rc < 0) {
		dpdk_close(io);
		errno = err;
		return -1;
	}
	pv->open_us = mos_dpdk_mono_us();
	for (int p = 0; p < cfg->nports; p++)
		pv->ports[p].last_us = pv->open_us;
	return 0;
}


static void dpdk_close(struct mos_io *io)
{
	struct dpdk_priv *pv = io->priv;
	int p, c;

	if (!pv)
		return;
	for (p = 0; p < MOS_MAX_PORTS; p++) {
		struct dpdk_port *pp = &pv->ports[p];

		if (pp->started)
			rte_eth_dev_stop(pp->id);
		if (pp->configured)
			rte_eth_dev_close(pp->id);
		if (pp->txq)
			for (c = 0; c < pp->ntxq; c++)
				pthread_spin_destroy(&pp->txq[c].lock);
		free(pp->txq);
		free(pp->files);
	}
	for (c = 0; c < DPDK_MAX_CTX; c++)
		mos_dpdk_freeq_flush(&pv->freeq[c]);
	for (c = 0; c < DPDK_MAX_CTX; c++)
		rte_mempool_free(pv->pools[c]);
	if (pv->eal_up)
		rte_eal_cleanup();
	mos_dpdk_argv_free(pv->eal_argv);
	free(pv->eal_argv_copy);
	pthread_mutex_destroy(&pv->stat_lock);
	free(pv);
	io->priv = NULL;
}

static int dpdk_rx_queues(struct mos_io *io, int port)
{
	struct dpdk_priv *pv = io->priv;

	return pv->ports[port].nrxq;
}

static uint64_t dpdk_now(struct mos_io *io)
{
	(void)io;
	return mos_dpdk_mono_us();
}

const struct mos_io_ops mos_io_dpdk_ops = {
	.name = "dpdk",
	.open = dpdk_open,
	.rx_burst = mos_dpdk_rx,
	.tx_burst = mos_dpdk_tx,
	.free_frames = mos_dpdk_free_frames,
	.alloc_frame = mos_dpdk_alloc,
	.now_us = dpdk_now,
	.rx_queues = dpdk_rx_queues,
	.port_mac = mos_dpdk_port_mac,
	.print_stats = mos_dpdk_stats,
	.close = dpdk_close,
};
