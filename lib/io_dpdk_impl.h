/*
 * io_dpdk_impl.h -- what the parts of the DPDK backend share.
 *
 * The backend is split by concern: io_dpdk.c (the ops table, open and
 * close), io_dpdk_argv.c (vdev strings, the EAL command line, why a PCI
 * device was not found), io_dpdk_eal.c (starting the EAL, its refusals in
 * one line), io_dpdk_capture.c (net_pcap capture replay: counting the
 * files' frames), io_dpdk_port.c (queues, pools, RSS and the redirection
 * table, port start, MAC), io_dpdk_burst.c (the packet path) and
 * io_dpdk_stats.c (print_stats).  Built with DPDK's compiler flags; not
 * for users of io_dpdk.h.
 */
#ifndef MOS_IO_DPDK_IMPL_H
#define MOS_IO_DPDK_IMPL_H

#include "internal.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "config.h"
#include "io.h"
#include "io_dpdk.h"

#define DPDK_MAX_CTX 64		/* cpu_mask has 64 bits */
#define DPDK_CHUNK 64		/* mbufs per driver call */
#define DPDK_MAX_ROOM 16384u	/* largest pool data room for captures */
#define DPDK_IDLE_END_US 1000000 /* offline: give up after 1 s of nothing */
#define DPDK_RSS_HF (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP)

/* Offline input of one RX queue: a capture file read by net_pcap. */
struct dpdk_rxfile {
	uint64_t expected;	/* frames in the file (libpcap's count) */
	uint64_t seen;
	uint64_t first_us;	/* stamp of the first frame, for the unit */
	uint64_t last_us;
	uint32_t ts_div;	/* 1: field in us, 1000: in ns, 0: not known */
	uint64_t idle_since;
	bool ended;
};

struct dpdk_txq {
	bool shared;		/* used by more than one context */
	pthread_spinlock_t lock;
};

struct dpdk_port {
	uint16_t id;
	bool configured, started;
	bool offline;
	int nrxq, ntxq;
	int nfiles;
	struct dpdk_rxfile *files;	/* one per RX queue when offline */
	struct dpdk_txq *txq;
	uint16_t room;		/* data room its frames need */
	uint8_t rss_key[256];
	/* counted by whichever context sees them (atomics) */
	uint64_t rx_multiseg, tx_unsent;
	/* print_stats state */
	struct rte_eth_stats last;
	uint64_t last_us;
};

/* mbufs a context is done with, given back in bulk (one mempool put per
 * DPDK_CHUNK instead of one per frame).  Only the context's own thread,
 * or a thread holding its lock, frees frames of that context. */
struct dpdk_freeq {
	_Alignas(64) unsigned n;
	struct rte_mbuf *m[DPDK_CHUNK];
};

struct dpdk_priv {
	int nctx;
	struct dpdk_freeq freeq[DPDK_MAX_CTX];
	int16_t rxq[MOS_MAX_PORTS][DPDK_MAX_CTX];	/* -1: not polled */
	int16_t txq[MOS_MAX_PORTS][DPDK_MAX_CTX];
	struct dpdk_port ports[MOS_MAX_PORTS];
	struct rte_mempool *pools[DPDK_MAX_CTX];
	char **eal_argv;	/* owned strings; EAL may keep pointers */
	char **eal_argv_copy;	/* what rte_eal_init permuted */
	bool eal_up;
	int ts_off;		/* Rx timestamp dynamic field, -1 = none */
	uint64_t ts_flag;
	pthread_mutex_t stat_lock;
	uint64_t open_us;
};

/* DPDK's log while the setup runs, so that a failure reads as one line. */
struct logcap {
	FILE *f;
	char *buf;
	size_t len;
};

/* The EAL can be started once per process (rte_eal_init refuses again). */
extern bool mos_dpdk_eal_started;

static inline uint64_t mos_dpdk_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static inline bool mos_dpdk_is_set(const char *s)
{
	return s && *s;
}

/* Give a context's finished mbufs back to their pools in one call. */
static inline void mos_dpdk_freeq_flush(struct dpdk_freeq *fq)
{
	if (fq->n)
		rte_pktmbuf_free_bulk(fq->m, fq->n);
	fq->n = 0;
}

/* io_dpdk_argv.c */
void mos_dpdk_dev_name(const char *spec, char *buf, size_t size);
int mos_dpdk_vdev_args(const char *vdev, const char *key,
		       int (*fn)(void *arg, int i, const char *val),
		       void *arg);
int mos_dpdk_not_zero(void *arg, int i, const char *val);

/* io_dpdk_eal.c */
int mos_dpdk_eal_start(struct dpdk_priv *pv, const struct mos_config *cfg,
		       struct logcap *lc);

/* io_dpdk_capture.c */
int mos_dpdk_scan_port(struct dpdk_port *pp, const struct mos_config *cfg,
		       int port);

/* io_dpdk_port.c */
int mos_dpdk_plan_queues(struct dpdk_priv *pv, const struct mos_config *cfg,
			 int p, const struct rte_eth_dev_info *di);
int mos_dpdk_create_pools(struct dpdk_priv *pv,
			  const struct mos_config *cfg);
int mos_dpdk_find_port(struct dpdk_priv *pv, const struct mos_config *cfg,
		       int p);
int mos_dpdk_setup_port(struct dpdk_priv *pv, const struct mos_config *cfg,
			int p);
int mos_dpdk_port_mac(struct mos_io *io, int port, uint8_t mac[6]);

/* io_dpdk_burst.c */
int mos_dpdk_rx(struct mos_io *io, int ctx, int port,
		struct mos_frame **frames, int max);
int mos_dpdk_tx(struct mos_io *io, int ctx, int port,
		struct mos_frame **frames, int n);
void mos_dpdk_free_frames(struct mos_io *io, int ctx,
			  struct mos_frame **frames, int n);
struct mos_frame *mos_dpdk_alloc(struct mos_io *io, int ctx);

/* io_dpdk_stats.c */
void mos_dpdk_stats(struct mos_io *io, int ctx);

#endif
