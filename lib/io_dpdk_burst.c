/*
 * io_dpdk_burst.c -- the packet path: rx and tx bursts, frames kept in
 * the mbufs' private area, frees given back in bulk, offline input's end.
 * Per-frame helpers stay here, beside the loops that call them.
 */
#include "io_dpdk_impl.h"

#include <errno.h>
#include <inttypes.h>

#include <rte_mbuf_dyn.h>

/* ------------------------------------------------------------ packet path */

static uint64_t capture_stamp(struct dpdk_priv *pv, struct dpdk_rxfile *rf,
			      struct rte_mbuf *m, uint64_t now)
{
	uint64_t raw;

	if (pv->ts_off < 0 || !(m->ol_flags & pv->ts_flag))
		return rf->last_us ? rf->last_us : now;
	raw = *RTE_MBUF_DYNFIELD(m, pv->ts_off, uint64_t *);
	/* The field's unit is the driver's; the first frame tells which. */
	if (!rf->ts_div)
		rf->ts_div = raw / 1000 == rf->first_us && raw != rf->first_us
			     ? 1000 : 1;
	rf->last_us = raw / rf->ts_div;
	return rf->last_us;
}

/* The rx checksum flags of ports that report them (mos_dpdk_setup_port
 * asks for them when the device can); UNKNOWN and NONE leave the work
 * to us. */
static unsigned csum_verdict(uint64_t ol)
{
	unsigned v = 0;

	if ((ol & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
		v |= MOS_CSUM_HW_IP_GOOD;
	else if ((ol & RTE_MBUF_F_RX_IP_CKSUM_MASK) ==
		 RTE_MBUF_F_RX_IP_CKSUM_BAD)
		v |= MOS_CSUM_HW_IP_BAD;
	if ((ol & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		v |= MOS_CSUM_HW_L4_GOOD;
	else if ((ol & RTE_MBUF_F_RX_L4_CKSUM_MASK) ==
		 RTE_MBUF_F_RX_L4_CKSUM_BAD)
		v |= MOS_CSUM_HW_L4_BAD;
	return v;
}

static struct mos_frame *wrap(struct rte_mbuf *m, int port, uint64_t ts)
{
	struct mos_frame *f = rte_mbuf_to_priv(m);

	f->data = rte_pktmbuf_mtod(m, uint8_t *);
	f->len = m->data_len;
	f->room = (uint32_t)m->data_len + rte_pktmbuf_tailroom(m);
	f->ts_us = ts;
	f->port = port;
	f->kind = MOS_FRAME_UNPARSED;
	f->csum_hw = csum_verdict(m->ol_flags);
	f->handle = m;
	return f;
}

/* Offline: has the queue's file been read to the end? */
static bool input_ended(struct dpdk_rxfile *rf, const char *name)
{
	uint64_t now;

	if (rf->seen >= rf->expected)
		return rf->ended = true;
	now = mos_dpdk_mono_us();
	if (!rf->idle_since) {
		rf->idle_since = now;
		return false;
	}
	if (now - rf->idle_since < DPDK_IDLE_END_US)
		return false;
	fprintf(stderr, "mos: port %s: capture stopped after %" PRIu64
		" of %" PRIu64 " frames\n", name, rf->seen, rf->expected);
	return rf->ended = true;
}

int mos_dpdk_rx(struct mos_io *io, int ctx, int port,
		   struct mos_frame **frames, int max)
{
	struct dpdk_priv *pv = io->priv;
	struct dpdk_port *pp = &pv->ports[port];
	int q = pv->rxq[port][ctx];
	struct dpdk_rxfile *rf;
	struct rte_mbuf *m[DPDK_CHUNK];
	uint64_t now, got_all = 0;
	int n = 0;

	if (ctx >= 0 && ctx < DPDK_MAX_CTX)
		mos_dpdk_freeq_flush(&pv->freeq[ctx]);
	if (q < 0)
		return 0;
	rf = pp->offline ? &pp->files[q] : NULL;
	if (rf && rf->ended)
		return -1;
	now = mos_dpdk_mono_us();
	while (n < max) {
		int want = RTE_MIN(max - n, DPDK_CHUNK);
		int got = rte_eth_rx_burst(pp->id, (uint16_t)q, m,
					   (uint16_t)want);
		int i;

		for (i = 0; i < got; i++) {
			uint64_t ts = rf ? capture_stamp(pv, rf, m[i], now)
					 : now;

			if (m[i]->nb_segs > 1) {
				__atomic_fetch_add(&pp->rx_multiseg, 1,
						   __ATOMIC_RELAXED);
				rte_pktmbuf_free(m[i]);
				continue;
			}
			frames[n++] = wrap(m[i], port, ts);
		}
		got_all += (uint64_t)got;
		if (got < want)
			break;
	}
	if (!rf)
		return n;
	rf->seen += got_all;
	if (got_all) {
		rf->idle_since = 0;
		return n;
	}
	return input_ended(rf, io->cfg->ports[port].name) ? -1 : 0;
}

/* The mbuf as the core left the frame: new length, maybe moved start. */
static bool frame_to_mbuf(struct mos_frame *f, struct rte_mbuf *m)
{
	uint8_t *buf = m->buf_addr;

	if (f->data < buf || f->len > m->buf_len ||
	    (size_t)(f->data - buf) > (size_t)(m->buf_len - f->len))
		return false;
	m->data_off = (uint16_t)(f->data - buf);
	m->data_len = (uint16_t)f->len;
	m->pkt_len = f->len;
	return true;
}

int mos_dpdk_tx(struct mos_io *io, int ctx, int port,
		   struct mos_frame **frames, int n)
{
	struct dpdk_priv *pv = io->priv;
	struct dpdk_port *pp = &pv->ports[port];
	struct dpdk_txq *tq = &pp->txq[pv->txq[port][ctx]];
	uint16_t q = (uint16_t)pv->txq[port][ctx];
	struct rte_mbuf *m[DPDK_CHUNK];
	int done = 0, sent = 0;

	while (done < n) {
		int chunk = RTE_MIN(n - done, DPDK_CHUNK);
		int k = 0, s, i;

		for (i = 0; i < chunk; i++) {
			struct mos_frame *f = frames[done + i];

			if (frame_to_mbuf(f, f->handle)) {
				m[k++] = f->handle;
			} else {
				__atomic_fetch_add(&pp->tx_unsent, 1,
						   __ATOMIC_RELAXED);
				rte_pktmbuf_free(f->handle);
			}
		}
		done += chunk;
		if (tq->shared)
			pthread_spin_lock(&tq->lock);
		s = rte_eth_tx_burst(pp->id, q, m, (uint16_t)k);
		if (tq->shared)
			pthread_spin_unlock(&tq->lock);
		if (s < k) {
			__atomic_fetch_add(&pp->tx_unsent, (uint64_t)(k - s),
					   __ATOMIC_RELAXED);
			rte_pktmbuf_free_bulk(m + s, (unsigned)(k - s));
		}
		sent += s;
	}
	return sent;
}

void mos_dpdk_free_frames(struct mos_io *io, int ctx,
			     struct mos_frame **frames, int n)
{
	struct dpdk_priv *pv = io->priv;
	struct dpdk_freeq *fq;
	int i;

	if (ctx < 0 || ctx >= DPDK_MAX_CTX) {
		for (i = 0; i < n; i++)
			rte_pktmbuf_free(frames[i]->handle);
		return;
	}
	fq = &pv->freeq[ctx];
	for (i = 0; i < n; i++) {
		if (fq->n == DPDK_CHUNK)
			mos_dpdk_freeq_flush(fq);
		fq->m[fq->n++] = frames[i]->handle;
	}
}

struct mos_frame *mos_dpdk_alloc(struct mos_io *io, int ctx)
{
	struct dpdk_priv *pv = io->priv;
	struct rte_mbuf *m = rte_pktmbuf_alloc(pv->pools[ctx]);

	if (!m) {
		errno = ENOBUFS;
		return NULL;
	}
	return wrap(m, -1, mos_dpdk_mono_us());
}

