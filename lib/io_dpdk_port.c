/*
 * io_dpdk_port.c -- setting up the ports: queues per context, mbuf
 * pools, RSS and the redirection table, start; and a port's MAC.
 */
#include "io_dpdk_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_lcore.h>

/* ------------------------------------------------------------ queues */

/*
 * RX queue of context c on port p: c's rank among the contexts polling p.
 * TX: each context gets a queue of its own when the device has enough
 * (forwarding sends out of ports a context does not poll); otherwise the
 * contexts outside the mask share the pollers' queues under a lock.
 */
int mos_dpdk_plan_queues(struct dpdk_priv *pv, const struct mos_config *cfg,
		       int p, const struct rte_eth_dev_info *di)
{
	const struct mos_port_conf *pc = &cfg->ports[p];
	struct dpdk_port *pp = &pv->ports[p];
	int users[DPDK_MAX_CTX] = { 0 };
	int c, n = 0;

	for (c = 0; c < pv->nctx; c++) {
		int core = mos_config_core_of_context(cfg, c);

		pv->rxq[p][c] = -1;
		if (core >= 0 && (pc->core_mask & (UINT64_C(1) << core)))
			pv->rxq[p][c] = (int16_t)n++;
	}
	pp->nrxq = n ? n : 1;
	if (pp->nrxq > di->max_rx_queues) {
		/* fewer queues than contexts: the first context reads the
		 * one queue and the core spreads frames in software */
		for (c = 0; c < pv->nctx; c++)
			if (pv->rxq[p][c] > 0)
				pv->rxq[p][c] = -1;
		pp->nrxq = 1;
	}
	if (pp->offline && pp->nrxq > pp->nfiles)
		pp->offline = false;
	pp->ntxq = pv->nctx <= di->max_tx_queues ? pv->nctx : pp->nrxq;
	if (pp->ntxq > di->max_tx_queues)
		return mos_config_port_fail(cfg, EINVAL, p, "core_mask",
					    "%d contexts poll port %s but the "
					    "device has %u TX queues; narrow "
					    "the mask", pp->ntxq, pc->name,
					    di->max_tx_queues);
	pp->txq = calloc((size_t)pp->ntxq, sizeof(*pp->txq));
	if (!pp->txq)
		return mos_config_port_fail(cfg, ENOMEM, p, NULL,
					    "out of memory");
	for (c = 0; c < pv->nctx; c++) {
		if (pp->ntxq == pv->nctx)
			pv->txq[p][c] = (int16_t)c;
		else if (pv->rxq[p][c] >= 0)
			pv->txq[p][c] = pv->rxq[p][c];
		else
			pv->txq[p][c] = (int16_t)(c % pp->ntxq);
		users[pv->txq[p][c]]++;
	}
	for (c = 0; c < pp->ntxq; c++) {
		pp->txq[c].shared = users[c] > 1;
		pthread_spin_init(&pp->txq[c].lock, PTHREAD_PROCESS_PRIVATE);
	}
	return 0;
}

/* ------------------------------------------------------------ pools */

/* A context's pool, on its core's NUMA node if that node has memory. */
static struct rte_mempool *pool_create(const char *name,
				       const struct mos_config *cfg,
				       uint16_t room, int socket)
{
	unsigned priv = RTE_ALIGN(sizeof(struct mos_frame),
				  RTE_MBUF_PRIV_ALIGN);
	struct rte_mempool *mp;

	mp = rte_pktmbuf_pool_create(name, (unsigned)cfg->dpdk.mbufs,
				     (unsigned)cfg->dpdk.mbuf_cache,
				     (uint16_t)priv,
				     (uint16_t)(room + RTE_PKTMBUF_HEADROOM),
				     socket);
	if (!mp && rte_errno == ENOMEM && socket != SOCKET_ID_ANY)
		mp = pool_create(name, cfg, room, SOCKET_ID_ANY);
	return mp;
}

int mos_dpdk_create_pools(struct dpdk_priv *pv, const struct mos_config *cfg)
{
	int c, p;

	for (c = 0; c < pv->nctx; c++) {
		uint16_t room = RTE_MBUF_DEFAULT_DATAROOM;
		int core = mos_config_core_of_context(cfg, c);
		int socket = core >= 0 ? (int)rte_lcore_to_socket_id(
						(unsigned)core) : SOCKET_ID_ANY;
		char name[RTE_MEMPOOL_NAMESIZE];

		for (p = 0; p < cfg->nports; p++)
			if (pv->rxq[p][c] >= 0 && pv->ports[p].room > room)
				room = pv->ports[p].room;
		snprintf(name, sizeof(name), "mos_ctx%d", c);
		pv->pools[c] = pool_create(name, cfg, room, socket);
		if (pv->pools[c])
			continue;
		if (rte_errno == ENOMEM || rte_errno == ENOSPC)
			return mos_config_fail(cfg, ENOMEM, "mos.dpdk.mbufs",
				"DPDK: mbuf pool of context %d (%d mbufs): "
				"too little memory: reserve hugepages "
				"(mos-setup), raise memory_mb or lower mbufs",
				c, cfg->dpdk.mbufs);
		return mos_config_fail(cfg, EINVAL, "mos.dpdk.mbufs", "DPDK: "
			"mbuf pool of context %d: mbufs %d / mbuf_cache %d "
			"refused: %s", c, cfg->dpdk.mbufs,
			cfg->dpdk.mbuf_cache, rte_strerror(rte_errno));
	}
	return 0;
}

/* ------------------------------------------------------------ ports */

int mos_dpdk_find_port(struct dpdk_priv *pv, const struct mos_config *cfg,
		     int p)
{
	const struct mos_port_conf *pc = &cfg->ports[p];
	const char *spec = mos_dpdk_is_set(pc->pci) ? pc->pci : pc->vdev;
	char name[RTE_ETH_NAME_MAX_LEN];
	int q;

	if (!mos_dpdk_is_set(spec))
		return mos_config_port_fail(cfg, ENODEV, p, NULL, "neither "
					    "pci nor vdev is set (io = "
					    "\"dpdk\")");
	mos_dpdk_dev_name(spec, name, sizeof(name));
	if (rte_eth_dev_get_port_by_name(name, &pv->ports[p].id) != 0) {
		char why[256];

		if (!mos_dpdk_is_set(pc->pci))
			return mos_config_port_fail(cfg, ENODEV, p, "vdev",
				"DPDK could not create vdev %s (unknown "
				"driver or bad arguments)", name);
		mos_dpdk_pci_why("/sys", name, cfg->setup.driver, why,
				 sizeof(why));
		return mos_config_port_fail(cfg, ENODEV, p, "pci", "no DPDK "
					    "device at PCI %s: %s", name, why);
	}
	for (q = 0; q < p; q++)
		if (pv->ports[q].id == pv->ports[p].id)
			return mos_config_port_fail(cfg, EINVAL, p, "source",
				"the same device %s as mos.ports[%d] (%s)",
				name, q, cfg->ports[q].name);
	return 0;
}

/* RSS over the port's queues with a symmetric key of the device's size. */
static int rss_setup(struct dpdk_port *pp, const struct mos_config *cfg,
		     int p, const struct rte_eth_dev_info *di,
		     struct rte_eth_conf *conf)
{
	unsigned i;

	if (pp->nrxq <= 1)
		return 0;
	if (!(di->flow_type_rss_offloads & DPDK_RSS_HF))
		return mos_config_port_fail(cfg, EINVAL, p, "core_mask",
					    "%d contexts poll port %s but the "
					    "device cannot spread TCP/IP flows "
					    "(no RSS); narrow the mask",
					    pp->nrxq, cfg->ports[p].name);
	/* 0x05 repeated (GetRSSCPUCore(3)) hashes both directions of a flow
	 * alike, and is the key GetRSSCPUCore and the software spread use
	 * (lib/host/rss.h) */
	for (i = 0; i < di->hash_key_size && i < sizeof(pp->rss_key); i++)
		pp->rss_key[i] = 0x05;
	conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	conf->rx_adv_conf.rss_conf.rss_key = di->hash_key_size ? pp->rss_key
							       : NULL;
	conf->rx_adv_conf.rss_conf.rss_key_len = di->hash_key_size;
	conf->rx_adv_conf.rss_conf.rss_hf = di->flow_type_rss_offloads &
					    DPDK_RSS_HF;
	return 0;
}

/* The redirection table as lib/host/rss.h says: entry i to queue
 * (i mod 128) mod queues, so the hash's low 7 bits pick the queue, the
 * queue being the context's rank among the port's pollers.  Without it
 * the flows still spread, but GetRSSCPUCore may disagree: said once. */
static void reta_setup(struct dpdk_port *pp, const struct mos_config *cfg,
		       int p, const struct rte_eth_dev_info *di)
{
	struct rte_eth_rss_reta_entry64 reta[RTE_ETH_RSS_RETA_SIZE_512 /
					     RTE_ETH_RETA_GROUP_SIZE];
	unsigned i, n = di->reta_size;
	int rc;

	if (pp->nrxq <= 1)
		return;
	if (n == 0 || n > RTE_ETH_RSS_RETA_SIZE_512) {
		rc = -ENOTSUP;
	} else {
		memset(reta, 0, sizeof(reta));
		for (i = 0; i < n; i++) {
			reta[i / RTE_ETH_RETA_GROUP_SIZE].mask |=
				UINT64_C(1) << (i % RTE_ETH_RETA_GROUP_SIZE);
			reta[i / RTE_ETH_RETA_GROUP_SIZE]
				.reta[i % RTE_ETH_RETA_GROUP_SIZE] =
				(uint16_t)((i % 128u) % (unsigned)pp->nrxq);
		}
		rc = rte_eth_dev_rss_reta_update(pp->id, reta, (uint16_t)n);
	}
	if (rc)
		fprintf(stderr, "mos: port %s: RSS redirection table not set "
			"(%s): GetRSSCPUCore and end-host source ports may not "
			"match where this device sends flows\n",
			cfg->ports[p].name, rte_strerror(-rc));
}

/* A queue refused: for want of mbufs or memory, or by the device. */
static int queue_fail(const struct mos_config *cfg, int p, int rc,
		      const char *dir, int q)
{
	if (rc == -ENOMEM)
		return mos_config_fail(cfg, ENOMEM, "mos.dpdk.mbufs", "port "
				       "%s: %s queue %d: %s",
				       cfg->ports[p].name, dir, q,
				       rte_strerror(-rc));
	return mos_config_port_fail(cfg, EINVAL, p, "source", "%s queue %d: "
				    "%s", dir, q, rte_strerror(-rc));
}

static int setup_queues(struct dpdk_priv *pv, const struct mos_config *cfg,
			int p)
{
	const struct mos_port_conf *pc = &cfg->ports[p];
	struct dpdk_port *pp = &pv->ports[p];
	uint16_t nrx = (uint16_t)cfg->dpdk.rx_desc;
	uint16_t ntx = (uint16_t)cfg->dpdk.tx_desc;
	int socket = rte_eth_dev_socket_id(pp->id);
	int q, c, rc;

	if (socket < 0)
		socket = SOCKET_ID_ANY;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(pp->id, &nrx, &ntx);
	if (rc)
		return mos_config_fail(cfg, EINVAL, "mos.dpdk.rx_desc", "port "
				       "%s: rx_desc %d / tx_desc %d refused: "
				       "%s", pc->name, cfg->dpdk.rx_desc,
				       cfg->dpdk.tx_desc, rte_strerror(-rc));
	for (q = 0; q < pp->nrxq; q++) {
		struct rte_mempool *mp = pv->pools[0];

		for (c = 0; c < pv->nctx; c++)
			if (pv->rxq[p][c] == q)
				mp = pv->pools[c];
		rc = rte_eth_rx_queue_setup(pp->id, (uint16_t)q, nrx,
					    (unsigned)socket, NULL, mp);
		if (rc)
			return queue_fail(cfg, p, rc, "RX", q);
	}
	for (q = 0; q < pp->ntxq; q++) {
		rc = rte_eth_tx_queue_setup(pp->id, (uint16_t)q, ntx,
					    (unsigned)socket, NULL);
		if (rc)
			return queue_fail(cfg, p, rc, "TX", q);
	}
	return 0;
}

int mos_dpdk_setup_port(struct dpdk_priv *pv, const struct mos_config *cfg,
		      int p)
{
	const struct mos_port_conf *pc = &cfg->ports[p];
	struct dpdk_port *pp = &pv->ports[p];
	struct rte_eth_conf conf;
	struct rte_eth_dev_info di;
	int rc;

	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_info_get(pp->id, &di);
	if (rc)
		return mos_config_port_fail(cfg, ENODEV, p, "source", "%s",
					    rte_strerror(-rc));
	if (rss_setup(pp, cfg, p, &di, &conf) < 0)
		return -1;
	/* the NIC's verdict spares summing every byte (pkt_parse.h) */
	conf.rxmode.offloads |= di.rx_offload_capa &
				(RTE_ETH_RX_OFFLOAD_IPV4_CKSUM |
				 RTE_ETH_RX_OFFLOAD_TCP_CKSUM);
	rc = rte_eth_dev_configure(pp->id, (uint16_t)pp->nrxq,
				   (uint16_t)pp->ntxq, &conf);
	if (rc)
		return mos_config_port_fail(cfg, EINVAL, p, "source",
					    "configuration refused: %s",
					    rte_strerror(-rc));
	pp->configured = true;
	if (setup_queues(pv, cfg, p) < 0)
		return -1;
	rc = rte_eth_dev_start(pp->id);
	if (rc == -ENOMEM)
		return mos_config_fail(cfg, ENOMEM, "mos.dpdk.mbufs", "port "
				       "%s: cannot start: %s (raise mbufs "
				       "above the RX descriptors)", pc->name,
				       rte_strerror(-rc));
	if (rc)
		return mos_config_port_fail(cfg, ENODEV, p, "source",
					    "cannot start: %s",
					    rte_strerror(-rc));
	pp->started = true;
	reta_setup(pp, cfg, p, &di);
	rc = rte_eth_promiscuous_enable(pp->id);
	if (rc && rc != -ENOTSUP)
		fprintf(stderr, "mos: port %s: promiscuous mode: %s\n",
			pc->name, rte_strerror(-rc));
	rte_eth_stats_get(pp->id, &pp->last);
	return 0;
}

int mos_dpdk_port_mac(struct mos_io *io, int port, uint8_t mac[6])
{
	struct dpdk_priv *pv = io->priv;
	struct rte_ether_addr a;

	if (!pv || port < 0 || port >= io->cfg->nports ||
	    !pv->ports[port].configured ||
	    rte_eth_macaddr_get(pv->ports[port].id, &a) != 0)
		return -1;
	memcpy(mac, a.addr_bytes, 6);
	return 0;
}
