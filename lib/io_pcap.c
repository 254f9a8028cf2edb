/*
 * io_pcap.c -- the libpcap backend: capture files and live interfaces.
 *
 * A port reads either a capture file (`pcap_file`, offline: time comes from
 * the capture's stamps and the input ends at end of file) or a live
 * interface (`interface`).  Frames sent out of a port go to its `pcap_out`
 * file, or are injected on its live interface.  A port has one queue: the
 * lowest context of its core mask reads it and the core hands frames to
 * the other contexts (software dispatch), so transmission on a port is
 * locked and a frame goes back to the pool of the context that read it.
 * Frame buffers come from per-context free lists so that the packet path
 * does not allocate once warm.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "io.h"

#define PCAP_FRAME_ROOM 16384	/* grown on demand for larger frames */
#define PCAP_SNAPLEN 262144
#define PCAP_LIVE_BUFFER (64 << 20)

struct pcap_port {
	pcap_t *in;
	char *filebuf;		/* stdio buffer of a capture file */
	pcap_t *dead;		/* for the dumper when reading a file */
	pcap_dumper_t *out;
	bool live;
	bool ended;
	pthread_mutex_t tx_lock;	/* several contexts may send */
	uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes, tx_fail;
};

struct pcap_ctx_pool;

struct pcap_frame {
	struct mos_frame f;
	struct pcap_frame *next;
	struct pcap_ctx_pool *owner;
};

#define PCAP_RETURN_BATCH 32

struct pcap_ctx_pool {
	struct pcap_frame *free;	/* the owner context's own */
	pthread_mutex_t lock;
	struct pcap_frame *remote;	/* given back by other contexts */
	size_t nalloc;
	/* another context's frames this one is done with, handed back in
	 * one locked splice per batch rather than one lock per frame */
	struct pcap_ctx_pool *ret_owner;
	struct pcap_frame *ret_head, *ret_tail;
	int ret_n;
};

struct pcap_priv {
	int nports;
	struct pcap_port ports[MOS_MAX_PORTS];
	struct pcap_ctx_pool *pools;
};

static struct pcap_frame *frame_get(struct pcap_ctx_pool *pool, uint32_t len)
{
	struct pcap_frame *pf;

	if (!pool->free && pool->remote) {
		pthread_mutex_lock(&pool->lock);
		pool->free = pool->remote;
		pool->remote = NULL;
		pthread_mutex_unlock(&pool->lock);
	}
	pf = pool->free;
	if (pf) {
		pool->free = pf->next;
	} else {
		pf = calloc(1, sizeof(*pf));
		if (!pf)
			return NULL;
		pf->owner = pool;
		pool->nalloc++;
	}
	if (pf->f.room < len || !pf->f.data) {
		uint32_t room = len > PCAP_FRAME_ROOM ? len : PCAP_FRAME_ROOM;
		uint8_t *d = realloc(pf->f.data, room);

		if (!d) {
			pf->next = pool->free;
			pool->free = pf;
			return NULL;
		}
		pf->f.data = d;
		pf->f.room = room;
	}
	pf->f.handle = pf;
	return pf;
}

static void return_flush(struct pcap_ctx_pool *pool)
{
	struct pcap_ctx_pool *o = pool->ret_owner;

	if (!pool->ret_n)
		return;
	pthread_mutex_lock(&o->lock);
	pool->ret_tail->next = o->remote;
	o->remote = pool->ret_head;
	pthread_mutex_unlock(&o->lock);
	pool->ret_head = pool->ret_tail = NULL;
	pool->ret_n = 0;
}

static void frame_put(struct pcap_ctx_pool *pool, struct mos_frame *f)
{
	struct pcap_frame *pf = f->handle;

	if (pf->owner == pool) {
		pf->next = pool->free;
		pool->free = pf;
		return;
	}
	if (pool->ret_owner != pf->owner) {
		return_flush(pool);
		pool->ret_owner = pf->owner;
	}
	pf->next = pool->ret_head;
	pool->ret_head = pf;
	if (!pool->ret_tail)
		pool->ret_tail = pf;
	if (++pool->ret_n == PCAP_RETURN_BATCH)
		return_flush(pool);
}

/*
 * libpcap reads a capture file through stdio, whose default buffer of a
 * few KiB costs a read(2) per few packets; a large one turns that into
 * one per PCAP_FILE_BUFFER bytes (pcap_fopen_offline(3PCAP), setvbuf(3)).
 */
#define PCAP_FILE_BUFFER (1u << 20)

static FILE *open_capture(struct pcap_port *pp, const char *path)
{
	FILE *f = fopen(path, "rb");

	if (!f)
		return NULL;
	pp->filebuf = malloc(PCAP_FILE_BUFFER);
	if (pp->filebuf)
		setvbuf(f, pp->filebuf, _IOFBF, PCAP_FILE_BUFFER);
	posix_fadvise(fileno(f), 0, 0, POSIX_FADV_SEQUENTIAL);
	return f;
}

/* Failures name the port's setting with its line (config.h). */
static int open_file_port(struct pcap_port *pp, const struct mos_config *cfg,
			  int port)
{
	const struct mos_port_conf *pc = &cfg->ports[port];
	char err[PCAP_ERRBUF_SIZE];
	FILE *f = open_capture(pp, pc->pcap_file);
	int dlt;

	if (!f)
		return mos_config_port_fail(cfg, ENOENT, port, "pcap_file",
					    "cannot open %s: %s",
					    pc->pcap_file, strerror(errno));
	/* on success the pcap_t owns f; on failure it is ours to close */
	pp->in = pcap_fopen_offline(f, err);
	if (!pp->in) {
		fclose(f);
		return mos_config_port_fail(cfg, ENOENT, port, "pcap_file",
					    "%s: not a capture file: %s",
					    pc->pcap_file, err);
	}
	dlt = pcap_datalink(pp->in);
	if (dlt != DLT_EN10MB)
		return mos_config_port_fail(cfg, ENODEV, port, "pcap_file",
					    "%s: link type %s, need Ethernet",
					    pc->pcap_file,
					    pcap_datalink_val_to_name(dlt));
	return 0;
}

static int open_live_port(struct pcap_port *pp, const struct mos_config *cfg,
			  int port)
{
	const struct mos_port_conf *pc = &cfg->ports[port];
	char err[PCAP_ERRBUF_SIZE];
	int rc;

	pp->in = pcap_create(pc->interface, err);
	if (!pp->in)
		return mos_config_port_fail(cfg, ENODEV, port, "interface",
					    "%s", err);
	pcap_set_snaplen(pp->in, PCAP_SNAPLEN);
	/* a monitor is slower than the kernel at times: a deep buffer
	 * instead of kernel drops (which print_stats reports) */
	pcap_set_buffer_size(pp->in, PCAP_LIVE_BUFFER);
	pcap_set_promisc(pp->in, 1);
	pcap_set_immediate_mode(pp->in, 1);
	rc = pcap_activate(pp->in);
	if (rc < 0)
		return mos_config_port_fail(cfg, rc == PCAP_ERROR_PERM_DENIED ?
					    EACCES : ENODEV, port, "interface",
					    "%s: %s", pc->interface,
					    pcap_geterr(pp->in));
	if (pcap_datalink(pp->in) != DLT_EN10MB)
		return mos_config_port_fail(cfg, ENODEV, port, "interface",
					    "%s is not Ethernet",
					    pc->interface);
	/* Only what arrives: our own injections must not loop back in. */
	pcap_setdirection(pp->in, PCAP_D_IN);
	if (pcap_setnonblock(pp->in, 1, err) < 0)
		return mos_config_port_fail(cfg, ENODEV, port, "interface",
					    "%s", err);
	pp->live = true;
	return 0;
}

static int open_out(struct pcap_port *pp, const struct mos_config *cfg,
		    int port)
{
	const struct mos_port_conf *pc = &cfg->ports[port];

	pp->dead = pcap_open_dead(DLT_EN10MB, PCAP_SNAPLEN);
	if (!pp->dead)
		return mos_config_port_fail(cfg, ENOMEM, port, "pcap_out",
					    "out of memory");
	pp->out = pcap_dump_open(pp->dead, pc->pcap_out);
	if (!pp->out)
		return mos_config_port_fail(cfg, EACCES, port, "pcap_out",
					    "%s", pcap_geterr(pp->dead));
	return 0;
}

static void pcap_close_all(struct mos_io *io);

static int pcap_open_all(struct mos_io *io)
{
	const struct mos_config *cfg = io->cfg;
	struct pcap_priv *pv = calloc(1, sizeof(*pv));
	int i;

	if (!pv)
		return mos_config_fail(cfg, ENOMEM, "mos.ports",
				       "out of memory");
	io->priv = pv;
	pv->pools = calloc(io->nctx > 0 ? io->nctx : 1, sizeof(*pv->pools));
	if (!pv->pools) {
		mos_config_fail(cfg, ENOMEM, "mos.ports", "out of memory");
		goto fail;
	}
	for (i = 0; i < (io->nctx > 0 ? io->nctx : 1); i++)
		pthread_mutex_init(&pv->pools[i].lock, NULL);
	for (i = 0; i < MOS_MAX_PORTS; i++)
		pthread_mutex_init(&pv->ports[i].tx_lock, NULL);
	pv->nports = cfg->nports;
	io->offline = true;
	for (i = 0; i < cfg->nports; i++) {
		const struct mos_port_conf *pc = &cfg->ports[i];
		struct pcap_port *pp = &pv->ports[i];
		int rc;

		rc = pc->pcap_file ? open_file_port(pp, cfg, i)
				   : open_live_port(pp, cfg, i);
		if (rc < 0)
			goto fail;
		if (pp->live)
			io->offline = false;
		if (pc->pcap_out && open_out(pp, cfg, i) < 0)
			goto fail;
	}
	return 0;
fail:
	{
		int e = errno;

		pcap_close_all(io);
		errno = e;
	}
	return -1;
}

static int pcap_rx(struct mos_io *io, int ctx, int port,
		   struct mos_frame **frames, int max)
{
	struct pcap_priv *pv = io->priv;
	struct pcap_port *pp = &pv->ports[port];
	int n = 0;

	if (pp->ended)
		return -1;
	while (n < max) {
		struct pcap_pkthdr *h;
		const u_char *data;
		struct pcap_frame *pf;
		int rc = pcap_next_ex(pp->in, &h, &data);

		if (rc == 0)
			break;			/* live: nothing now */
		if (rc < 0) {
			if (rc == PCAP_ERROR)
				fprintf(stderr, "mos: port %d: %s\n", port,
					pcap_geterr(pp->in));
			pp->ended = true;
			return n ? n : -1;
		}
		pf = frame_get(&pv->pools[ctx], h->caplen);
		if (!pf)
			break;			/* retried next burst */
		memcpy(pf->f.data, data, h->caplen);
		pf->f.len = h->caplen;
		pf->f.ts_us = (uint64_t)h->ts.tv_sec * 1000000u +
			      (uint64_t)h->ts.tv_usec;
		pf->f.port = port;
		pf->f.kind = MOS_FRAME_UNPARSED;
		pf->f.csum_hw = 0;
		pp->rx_pkts++;
		pp->rx_bytes += h->caplen;
		frames[n++] = &pf->f;
	}
	return n;
}

static void pcap_free_frames(struct mos_io *io, int ctx,
			     struct mos_frame **frames, int n)
{
	struct pcap_priv *pv = io->priv;
	int i;

	for (i = 0; i < n; i++)
		frame_put(&pv->pools[ctx], frames[i]);
}

static int pcap_tx(struct mos_io *io, int ctx, int port,
		   struct mos_frame **frames, int n)
{
	struct pcap_priv *pv = io->priv;
	struct pcap_port *pp = &pv->ports[port];
	int i, sent = 0;

	pthread_mutex_lock(&pp->tx_lock);
	for (i = 0; i < n; i++) {
		struct mos_frame *f = frames[i];

		if (pp->out) {
			struct pcap_pkthdr h = {
				.ts = { .tv_sec = (time_t)(f->ts_us / 1000000u),
					.tv_usec = (suseconds_t)(f->ts_us % 1000000u) },
				.caplen = f->len,
				.len = f->len,
			};

			pcap_dump((u_char *)pp->out, &h, f->data);
			sent++;
		} else if (pp->live && pcap_inject(pp->in, f->data, f->len) > 0) {
			sent++;
		} else if (pp->live) {
			pp->tx_fail++;
			continue;
		} else {
			continue;	/* nowhere to send: passive port */
		}
		pp->tx_pkts++;
		pp->tx_bytes += f->len;
	}
	pthread_mutex_unlock(&pp->tx_lock);
	pcap_free_frames(io, ctx, frames, n);
	return sent;
}

static struct mos_frame *pcap_alloc(struct mos_io *io, int ctx)
{
	struct pcap_priv *pv = io->priv;
	struct pcap_frame *pf = frame_get(&pv->pools[ctx], PCAP_FRAME_ROOM);

	if (!pf) {
		errno = ENOBUFS;
		return NULL;
	}
	pf->f.len = 0;
	pf->f.port = -1;
	pf->f.kind = MOS_FRAME_UNPARSED;
	pf->f.csum_hw = 0;
	return &pf->f;
}

static uint64_t pcap_now(struct mos_io *io)
{
	struct timespec ts;

	(void)io;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void pcap_print_stats(struct mos_io *io, int ctx)
{
	const struct mos_config *cfg = io->cfg;
	struct pcap_priv *pv = io->priv;
	int i;

	(void)ctx;
	for (i = 0; i < cfg->n_stat_print; i++) {
		int p = cfg->stat_print[i];
		struct pcap_port *pp = &pv->ports[p];
		struct pcap_stat ps = { 0 };

		if (pp->live)
			pcap_stats(pp->in, &ps);
		fprintf(stderr,
			"[%s] RX: %llu pkts %llu bytes (kernel drops %u)  TX: %llu pkts %llu bytes  drops %llu\n",
			cfg->ports[p].name, (unsigned long long)pp->rx_pkts,
			(unsigned long long)pp->rx_bytes, ps.ps_drop,
			(unsigned long long)pp->tx_pkts,
			(unsigned long long)pp->tx_bytes,
			(unsigned long long)pp->tx_fail);
	}
}

static int pcap_rx_queues(struct mos_io *io, int port)
{
	(void)io, (void)port;
	return 1;
}

static void pool_free(struct pcap_ctx_pool *pool)
{
	/* frames of other pools waiting to go back: freed here */
	while (pool->ret_head) {
		struct pcap_frame *pf = pool->ret_head;

		pool->ret_head = pf->next;
		free(pf->f.data);
		free(pf);
	}
	pool->ret_tail = NULL;
	pool->ret_n = 0;
	while (pool->remote) {
		struct pcap_frame *pf = pool->remote;

		pool->remote = pf->next;
		pf->next = pool->free;
		pool->free = pf;
	}
	while (pool->free) {
		struct pcap_frame *pf = pool->free;

		pool->free = pf->next;
		free(pf->f.data);
		free(pf);
	}
}

static void pcap_close_all(struct mos_io *io)
{
	struct pcap_priv *pv = io->priv;
	int i;

	if (!pv)
		return;
	for (i = 0; i < MOS_MAX_PORTS; i++) {
		struct pcap_port *pp = &pv->ports[i];

		if (pp->out)
			pcap_dump_close(pp->out);
		if (pp->dead)
			pcap_close(pp->dead);
		if (pp->in)
			pcap_close(pp->in);
		free(pp->filebuf);	/* after the FILE using it is closed */
	}
	if (pv->pools) {
		for (i = 0; i < (io->nctx > 0 ? io->nctx : 1); i++)
			pool_free(&pv->pools[i]);
		free(pv->pools);
	}
	free(pv);
	io->priv = NULL;
}

/* A live interface's address, as the kernel shows it in sysfs; a
 * capture file has none. */
static int pcap_port_mac(struct mos_io *io, int port, uint8_t mac[6])
{
	const char *ifc = io->cfg->ports[port].interface;
	unsigned m[6];
	char path[256];
	FILE *f;
	int n, i;

	if (!ifc || strchr(ifc, '/'))
		return -1;
	snprintf(path, sizeof(path), "/sys/class/net/%s/address", ifc);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fscanf(f, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4],
		   &m[5]);
	fclose(f);
	if (n != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)m[i];
	return 0;
}

const struct mos_io_ops mos_io_pcap_ops = {
	.name = "pcap",
	.open = pcap_open_all,
	.rx_burst = pcap_rx,
	.tx_burst = pcap_tx,
	.free_frames = pcap_free_frames,
	.alloc_frame = pcap_alloc,
	.now_us = pcap_now,
	.rx_queues = pcap_rx_queues,
	.port_mac = pcap_port_mac,
	.print_stats = pcap_print_stats,
	.close = pcap_close_all,
};
