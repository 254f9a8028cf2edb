/*
 * io_dpdk_capture.c -- net_pcap capture replay: a port reading rx_pcap
 * files is offline input, and the frames of its files are counted with
 * libpcap at open so that rx_burst can tell their end.
 */
#include "io_dpdk_impl.h"

#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "pcap_scan.h"

struct scan {
	struct dpdk_port *pp;
	const struct mos_config *cfg;
	int port;
	uint32_t maxcap;
};

/* Count the frames of one rx_pcap file, so that its end can be seen. */
static int scan_file(void *arg, int i, const char *path)
{
	struct scan *sc = arg;
	struct dpdk_rxfile *rf = &sc->pp->files[i];
	struct mos_pcap_scan s;

	if (mos_pcap_scan(path, &s) < 0)
		return mos_config_port_fail(sc->cfg, ENOENT, sc->port, "vdev",
					    "rx_pcap: %s", s.err);
	if (s.dlt != DLT_EN10MB)
		return mos_config_port_fail(sc->cfg, ENODEV, sc->port, "vdev",
					    "rx_pcap: %s: link type %s, need "
					    "Ethernet", path,
					    pcap_datalink_val_to_name(s.dlt));
	if (s.err[0])
		fprintf(stderr, "mos: port %s: %s: %s; reading %" PRIu64
			" frames\n", sc->cfg->ports[sc->port].name, path,
			s.err, s.frames);
	rf->expected = s.frames;
	rf->first_us = s.first_us;
	if (s.maxcap > sc->maxcap)
		sc->maxcap = s.maxcap;
	return 0;
}

/* A net_pcap device with no receive side (tx_pcap or tx_iface only). */
static bool send_only(const char *vdev)
{
	return strncmp(vdev, "net_pcap", 8) == 0 &&
	       mos_dpdk_vdev_args(vdev, "rx_iface", NULL, NULL) <= 0 &&
	       mos_dpdk_vdev_args(vdev, "rx_iface_in", NULL, NULL) <= 0 &&
	       mos_dpdk_vdev_args(vdev, "iface", NULL, NULL) <= 0;
}

/*
 * A net_pcap device with rx_pcap files (and no infinite_rx) is a capture
 * replay: count its files' frames and note the largest.  One with nothing
 * to receive has input that is over from the start.
 */
int mos_dpdk_scan_port(struct dpdk_port *pp, const struct mos_config *cfg,
		     int port)
{
	const struct mos_port_conf *pc = &cfg->ports[port];
	struct scan sc = { .pp = pp, .cfg = cfg, .port = port };
	bool infinite = false;
	int n;

	pp->room = RTE_MBUF_DEFAULT_DATAROOM;
	if (!mos_dpdk_is_set(pc->vdev))
		return 0;
	n = mos_dpdk_vdev_args(pc->vdev, "rx_pcap", NULL, NULL);
	mos_dpdk_vdev_args(pc->vdev, "infinite_rx", mos_dpdk_not_zero, &infinite);
	if (n == 0 && send_only(pc->vdev)) {
		/* nothing to receive: input that has already ended */
		pp->files = calloc(1, sizeof(*pp->files));
		if (!pp->files)
			return mos_config_port_fail(cfg, ENOMEM, port, NULL,
						    "out of memory");
		pp->nfiles = 1;
		pp->offline = true;
		return 0;
	}
	if (n <= 0 || infinite)
		return 0;
	pp->files = calloc((size_t)n, sizeof(*pp->files));
	if (!pp->files)
		return mos_config_port_fail(cfg, ENOMEM, port, NULL,
					    "out of memory");
	pp->nfiles = n;
	if (mos_dpdk_vdev_args(pc->vdev, "rx_pcap", scan_file, &sc) < 0)
		return -1;
	pp->offline = true;
	if (sc.maxcap > pp->room)
		pp->room = (uint16_t)RTE_MIN(RTE_ALIGN(sc.maxcap, 1024),
					     DPDK_MAX_ROOM);
	return 0;
}
