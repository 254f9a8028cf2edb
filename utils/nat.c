/*
 * nat -- source NAT for the connections crossing an inline box
 * (mos-nat(1)).
 *
 *   nat -i PUBLIC_ADDR [-f mos.conf] [-c cores]
 *
 * The first packet of a flow takes a port from a process-wide pool
 * (1025..65534); client packets leave with PUBLIC_ADDR:port as source.
 * Replies addressed to PUBLIC_ADDR:port belong to no tracked flow, so
 * they arrive as MOS_ON_ORPHAN on the listener; a reverse table (port ->
 * client address and port, server address and port) translates them back.
 * The port returns to the pool at MOS_ON_CONN_END.  With no free port the
 * packet is dropped (counted, reported at exit) and the next one retries.
 *
 * The reverse table is shared by all contexts, so a reply is translated
 * whichever context receives it; no RSS-aware port choice is needed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mos_api.h>

#include "app.h"
#include "mos_notify.h"

#define PORT_MIN 1025
#define PORT_MAX 65534

struct binding {
	bool used;
	uint32_t cli_addr, svr_addr;	/* network order */
	uint16_t cli_port, svr_port;	/* network order */
};

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct binding table[PORT_MAX + 1];	/* by public port */
static int next_hint = PORT_MIN;
static unsigned long exhausted, failed, translated[2];

static uint32_t nat_addr;		/* network order */
static struct mos_app app;

static int port_take(uint32_t ca, uint16_t cp, uint32_t sa, uint16_t sp)
{
	int i, port = -1;

	pthread_mutex_lock(&pool_lock);
	for (i = 0; i <= PORT_MAX - PORT_MIN; i++) {
		int p = next_hint + i;

		if (p > PORT_MAX)
			p -= PORT_MAX - PORT_MIN + 1;
		if (!table[p].used) {
			table[p] = (struct binding){ true, ca, sa, cp, sp };
			port = p;
			break;
		}
	}
	if (port < 0)
		exhausted++;
	else
		next_hint = port == PORT_MAX ? PORT_MIN : port + 1;
	pthread_mutex_unlock(&pool_lock);
	return port;
}

static void port_give(int port)
{
	pthread_mutex_lock(&pool_lock);
	table[port].used = false;
	pthread_mutex_unlock(&pool_lock);
}

static bool port_lookup(uint16_t port, uint32_t sa, uint16_t sp,
			struct binding *out)
{
	bool found;

	pthread_mutex_lock(&pool_lock);
	found = table[port].used && table[port].svr_addr == sa &&
		table[port].svr_port == sp;
	if (found)
		*out = table[port];
	pthread_mutex_unlock(&pool_lock);
	return found;
}

/* Rewrite one address (IP offset ip_off) and one port (TCP offset
 * tcp_off), both checksums updated; on failure the packet is dropped. */
static void rewrite(mctx_t mctx, int sock, int ip_off, uint32_t addr,
		    int tcp_off, uint16_t port)
{
	int tcp = MOS_TCP_HDR | MOS_OVERWRITE | MOS_UPDATE_IP_CHKSUM |
		  MOS_UPDATE_TCP_CHKSUM;

	if (mtcp_setlastpkt(mctx, sock, 0, ip_off, (byte *)&addr, 4,
			    MOS_IP_HDR | MOS_OVERWRITE) < 0 ||
	    mtcp_setlastpkt(mctx, sock, 0, tcp_off, (byte *)&port, 2,
			    tcp) < 0) {
		__atomic_fetch_add(&failed, 1, __ATOMIC_RELAXED);
		mtcp_setlastpkt(mctx, sock, 0, 0, NULL, 0, MOS_DROP);
	}
}

static void on_pkt(mctx_t mctx, int sock, int side, event_t ev,
		   filter_arg_t *arg)
{
	uintptr_t port = (uintptr_t)mtcp_get_uctx(mctx, sock);
	struct pkt_info pi;
	const uint8_t *ip, *th;
	uint32_t src, dst;
	uint16_t sp, dp;

	(void)ev, (void)arg;
	if (mtcp_getlastpkt(mctx, sock, side, &pi) < 0 || !pi.iph ||
	    !pi.tcph)
		return;
	ip = (const uint8_t *)pi.iph;
	th = (const uint8_t *)pi.tcph;
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	memcpy(&sp, th, 2);
	memcpy(&dp, th + 2, 2);
	if (!port) {
		int p;

		if (side != MOS_SIDE_CLI)
			return;
		p = port_take(src, sp, dst, dp);
		if (p < 0) {
			mtcp_setlastpkt(mctx, sock, 0, 0, NULL, 0, MOS_DROP);
			return;
		}
		port = (uintptr_t)p;
		mtcp_set_uctx(mctx, sock, (void *)port);
	}
	if (side == MOS_SIDE_CLI) {
		rewrite(mctx, sock, 12, nat_addr, 0, htons((uint16_t)port));
		__atomic_fetch_add(&translated[0], 1, __ATOMIC_RELAXED);
	} else {
		struct binding b;

		/* a reply seen with the client's own address: keep it so */
		pthread_mutex_lock(&pool_lock);
		b = table[port];
		pthread_mutex_unlock(&pool_lock);
		rewrite(mctx, sock, 16, b.cli_addr, 2, b.cli_port);
		__atomic_fetch_add(&translated[1], 1, __ATOMIC_RELAXED);
	}
}

/* A reply to PUBLIC_ADDR:port: back to the client it belongs to. */
static void on_orphan(mctx_t mctx, int sock, int side, event_t ev,
		      filter_arg_t *arg)
{
	struct pkt_info pi;
	const uint8_t *ip, *th;
	struct binding b;
	uint32_t src, dst;
	uint16_t sp, dp;

	(void)side, (void)ev, (void)arg;
	if (mtcp_getlastpkt(mctx, sock, MOS_SIDE_BOTH, &pi) < 0 || !pi.iph ||
	    !pi.tcph)
		return;
	ip = (const uint8_t *)pi.iph;
	th = (const uint8_t *)pi.tcph;
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	memcpy(&sp, th, 2);
	memcpy(&dp, th + 2, 2);
	if (dst != nat_addr || ntohs(dp) < PORT_MIN || ntohs(dp) > PORT_MAX ||
	    !port_lookup(ntohs(dp), src, sp, &b))
		return;
	rewrite(mctx, sock, 16, b.cli_addr, 2, b.cli_port);
	__atomic_fetch_add(&translated[1], 1, __ATOMIC_RELAXED);
}

static void on_end(mctx_t mctx, int sock, int side, event_t ev,
		   filter_arg_t *arg)
{
	uintptr_t port = (uintptr_t)mtcp_get_uctx(mctx, sock);

	(void)side, (void)ev, (void)arg;
	if (!port)
		return;		/* the second delivery finds nothing */
	mtcp_set_uctx(mctx, sock, NULL);
	port_give((int)port);
}

/* arg: the listener of each context, by index */
static int setup(mctx_t mctx, void *arg)
{
	int sock = mtcp_socket(mctx, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);

	((int *)arg)[mctx->cpu] = sock;
	if (sock < 0) {
		perror("mos-nat: mtcp_socket");
		return -1;
	}
	if (mtcp_register_callback(mctx, sock, MOS_ON_PKT_IN, MOS_HK_SND,
				   on_pkt) < 0 ||
	    mtcp_register_callback(mctx, sock, MOS_ON_CONN_END, MOS_HK_SND,
				   on_end) < 0 ||
	    mtcp_register_callback(mctx, sock, MOS_ON_ORPHAN, MOS_NULL,
				   on_orphan) < 0) {
		perror("mos-nat: mtcp_register_callback");
		return -1;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: mos-nat -i PUBLIC_ADDR [-f mos.conf] [-c cores]\n");
}

int main(int argc, char **argv)
{
	const char *conf = SYSCONFDIR "/mos/mos.conf", *addr = NULL;
	int socks[MOS_APP_CORES];
	struct in_addr a;
	int opt, i, want = 0;

	while ((opt = getopt(argc, argv, "f:c:i:h")) != -1) {
		switch (opt) {
		case 'f': conf = optarg; break;
		case 'c': want = atoi(optarg); break;
		case 'i': addr = optarg; break;
		default: usage(stdout); return 0;
		}
	}
	if (!addr) {
		fprintf(stderr, "mos-nat: the public address (-i ADDR) is "
			"required\n");
		usage(stderr);
		return 1;
	}
	if (inet_pton(AF_INET, addr, &a) != 1) {
		fprintf(stderr, "mos-nat: -i %s: not an IPv4 address\n", addr);
		return 1;
	}
	nat_addr = a.s_addr;
	if (mtcp_init(conf) < 0)
		return 1;
	if (mos_app_cores(&app, "mos-nat", "-c", want) < 0)
		return 1;
	mos_app_stop_on_sigint(&app);
	if (mos_app_contexts(&app, setup, socks) < 0)
		return 1;
	mos_app_wait(&app, "translating");
	for (i = 0; i < app.ncores; i++)
		mtcp_close(app.ctx[i], socks[i]);
	mos_app_end(&app);
	fprintf(stderr, "mos-nat: translated %lu outbound, %lu inbound; "
		"%lu packets dropped (no free port), %lu rewrites failed\n",
		translated[0], translated[1], exhausted, failed);
	return 0;
}
