/*
 * io.h -- the packet I/O backend interface.
 *
 * One small ops table per backend (io_pcap.c, io_dpdk.c), picked by the
 * config's `io` setting.  The core only knows this struct: it asks each
 * port it polls for a burst of frames, processes them, and hands the
 * frames to forward back to the backend, which frees what it does not send.
 *
 * A frame belongs to the backend that produced it; the core may rewrite its
 * bytes in place and change `len` up to `room` (MOS_INSERT).
 */
#ifndef MOS_IO_H
#define MOS_IO_H

#include <stdbool.h>
#include <stdint.h>

#include "pkt_parse.h"

struct mos_config;

/* The parse travels with the frame, so that a frame handed to another
 * context (dispatch.h) is not parsed or hashed again there. */
#define MOS_FRAME_UNPARSED (-1)

struct mos_frame {
	uint8_t *data;
	uint32_t len;
	uint32_t room;		/* bytes writable from data */
	uint64_t ts_us;		/* arrival time (capture time offline) */
	int port;		/* port index it arrived on */
	int kind;		/* enum mos_pkt_kind, or MOS_FRAME_UNPARSED:
				 * every backend sets it on receive */
	unsigned csum_hw;	/* MOS_CSUM_HW_* the NIC reported, or 0 */
	void *handle;		/* backend's own buffer (an mbuf for DPDK) */
	struct mos_pkt pkt;	/* valid once kind is set; pkt.hash too
				 * for MOS_PKT_TCP */
};

struct mos_io;

struct mos_io_ops {
	const char *name;
	/* Open every port of the config: 0, or -1 with errno and one line
	 * on stderr naming the port and the problem. */
	int (*open)(struct mos_io *io);
	/* Up to max frames from `port` for context `ctx`: the count, or -1
	 * once the port's input has ended for good (end of a capture). */
	int (*rx_burst)(struct mos_io *io, int ctx, int port,
			struct mos_frame **frames, int max);
	/* Send n frames out of `port`; the backend owns them afterwards,
	 * sent or not.  Returns the number sent. */
	int (*tx_burst)(struct mos_io *io, int ctx, int port,
			struct mos_frame **frames, int n);
	/* Give back frames that will not be sent. */
	void (*free_frames)(struct mos_io *io, int ctx,
			    struct mos_frame **frames, int n);
	/* A blank frame for injection (mtcp_sendpkt), NULL + ENOBUFS. */
	struct mos_frame *(*alloc_frame)(struct mos_io *io, int ctx);
	/* Monotonic microseconds, for live input. */
	uint64_t (*now_us)(struct mos_io *io);
	/* Receive queues of a port; NULL = one for each context polling it.
	 * With fewer queues than contexts, the lowest context reads the port
	 * and hands frames to the others by a symmetric flow hash. */
	int (*rx_queues)(struct mos_io *io, int port);
	/* The port's own MAC address (the end host's source address when
	 * mos.conf sets no `mac`): 0, or -1 when it has none.  May be NULL. */
	int (*port_mac)(struct mos_io *io, int port, uint8_t mac[6]);
	/* Print per-port statistics for the ports in stat_print. */
	void (*print_stats)(struct mos_io *io, int ctx);
	void (*close)(struct mos_io *io);
};

struct mos_io {
	const struct mos_io_ops *ops;
	const struct mos_config *cfg;
	bool offline;		/* input is a capture: timed by its stamps */
	int nctx;		/* contexts that will poll */
	void *priv;
};

extern const struct mos_io_ops mos_io_pcap_ops;
extern const struct mos_io_ops mos_io_dpdk_ops;

/* Pick and open the backend named by cfg->io. */
int mos_io_open(struct mos_io *io, const struct mos_config *cfg, int nctx);
void mos_io_close(struct mos_io *io);

#endif
