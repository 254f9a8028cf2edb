/*
 * io.c -- the table of I/O backends, picked by the config's `io` setting.
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "io.h"

static const struct mos_io_ops *const backends[] = {
	[MOS_IO_DPDK] = &mos_io_dpdk_ops,
	[MOS_IO_PCAP] = &mos_io_pcap_ops,
};

int mos_io_open(struct mos_io *io, const struct mos_config *cfg, int nctx)
{
	memset(io, 0, sizeof(*io));
	if ((unsigned)cfg->io >= MOS_ARRAY_SIZE(backends) || !backends[cfg->io]) {
		fprintf(stderr, "mos: %s: io backend %d is not available\n",
			cfg->path ? cfg->path : "(config)", (int)cfg->io);
		errno = ENODEV;
		return -1;
	}
	io->ops = backends[cfg->io];
	io->cfg = cfg;
	io->nctx = nctx;
	if (io->ops->open(io) < 0) {
		io->ops = NULL;
		return -1;
	}
	return 0;
}

void mos_io_close(struct mos_io *io)
{
	if (io->ops)
		io->ops->close(io);
	io->ops = NULL;
}
