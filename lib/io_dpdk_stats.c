/*
 * io_dpdk_stats.c -- print_stats: each listed port's rates and drops
 * since the last print.
 */
#include "io_dpdk_impl.h"

#include <inttypes.h>

static double rate(uint64_t now, uint64_t then, double dt)
{
	return dt > 0 ? (double)(now - then) / dt : 0;
}

static void port_stats(struct dpdk_port *pp, const char *name, uint64_t now)
{
	struct rte_eth_stats s;
	double dt = (double)(now - pp->last_us) / 1e6;

	if (rte_eth_stats_get(pp->id, &s))
		return;
	fprintf(stderr, "[%s] RX: %.3f Gbps %.0f pps (drops %" PRIu64 ")  "
		"TX: %.3f Gbps %.0f pps (drops %" PRIu64 ")\n", name,
		rate(s.ibytes, pp->last.ibytes, dt) * 8 / 1e9,
		rate(s.ipackets, pp->last.ipackets, dt),
		s.imissed + s.rx_nombuf + s.ierrors +
		__atomic_load_n(&pp->rx_multiseg, __ATOMIC_RELAXED),
		rate(s.obytes, pp->last.obytes, dt) * 8 / 1e9,
		rate(s.opackets, pp->last.opackets, dt),
		s.oerrors + __atomic_load_n(&pp->tx_unsent, __ATOMIC_RELAXED));
	pp->last = s;
	pp->last_us = now;
}

void mos_dpdk_stats(struct mos_io *io, int ctx)
{
	const struct mos_config *cfg = io->cfg;
	struct dpdk_priv *pv = io->priv;
	uint64_t now = mos_dpdk_mono_us();
	int i;

	(void)ctx;
	pthread_mutex_lock(&pv->stat_lock);
	for (i = 0; i < cfg->n_stat_print; i++) {
		int p = cfg->stat_print[i];

		if (p >= 0 && p < cfg->nports)
			port_stats(&pv->ports[p], cfg->ports[p].name, now);
	}
	pthread_mutex_unlock(&pv->stat_lock);
}
