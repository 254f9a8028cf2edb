/*
 * arp.c -- ARP for the ports' addresses (see arp.h).  RFC 826 packet
 * layout: htype 1 (Ethernet), ptype 0x0800, hlen 6, plen 4, op 1 request
 * / 2 reply, sender MAC and IP, target MAC and IP.
 */
#include "internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "host/arp.h"
#include "host/host.h"
#include "route.h"

#define ARP_LEN 42		/* Ethernet + ARP for IPv4 */
#define ARP_FRAME 60		/* padded to the Ethernet minimum */
#define SHARED_SLOTS 1024

/* ------------------------------------------------- the process-wide table */

struct shared_ent {
	uint32_t ip;
	int port;
	uint8_t mac[6];
	uint64_t learned_us;	/* 0 = free */
};

static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static struct shared_ent shared[SHARED_SLOTS];

static unsigned shared_slot(uint32_t ip, int port)
{
	return (ntohl(ip) * 2654435761u + (unsigned)port) % SHARED_SLOTS;
}

/* One slot per (ip, port) hash: a collision just evicts, the next miss
 * asks ARP again. */
static void shared_learn(uint32_t ip, int port, const uint8_t *mac,
			 uint64_t now)
{
	struct shared_ent *s = &shared[shared_slot(ip, port)];

	pthread_mutex_lock(&shared_lock);
	s->ip = ip;
	s->port = port;
	memcpy(s->mac, mac, 6);
	s->learned_us = now ? now : 1;
	pthread_mutex_unlock(&shared_lock);
}

/* Learned within the TTL (clocks of contexts agree for live input;
 * offline, each context's own capture clock is close enough). */
static bool shared_find(uint32_t ip, int port, uint8_t *mac, uint64_t now)
{
	struct shared_ent *s = &shared[shared_slot(ip, port)];
	bool ok;

	pthread_mutex_lock(&shared_lock);
	ok = s->learned_us && s->ip == ip && s->port == port &&
	     now < s->learned_us + MOS_ARP_TTL_US;
	if (ok)
		memcpy(mac, s->mac, 6);
	pthread_mutex_unlock(&shared_lock);
	return ok;
}

/* ------------------------------------------------------ the context cache */

int mos_arp_init(struct mos_arp *a)
{
	memset(a, 0, sizeof(*a));
	return 0;
}

static void drop_held(struct mos_ctx *c, struct mos_arp_ent *e)
{
	if (e->nheld)
		c->io->ops->free_frames(c->io, c->pub.cpu, e->held, e->nheld);
	c->host->stats.drop_noarp += (uint64_t)e->nheld;
	e->nheld = 0;
}

void mos_arp_fini(struct mos_ctx *c, struct mos_arp *a)
{
	int i;

	for (i = 0; i < a->n; i++)
		drop_held(c, &a->e[i]);
	free(a->e);
	memset(a, 0, sizeof(*a));
}

static struct mos_arp_ent *find(struct mos_arp *a, uint32_t ip, int port)
{
	int i;

	for (i = 0; i < a->n; i++)
		if (a->e[i].state != MOS_ARP_FREE && a->e[i].ip == ip &&
		    a->e[i].port == port)
			return &a->e[i];
	return NULL;
}

static struct mos_arp_ent *add(struct mos_arp *a, uint32_t ip, int port)
{
	struct mos_arp_ent *e = NULL;
	int i;

	for (i = 0; i < a->n && !e; i++)
		if (a->e[i].state == MOS_ARP_FREE)
			e = &a->e[i];
	if (!e) {
		if (a->n == a->cap) {
			int ncap = a->cap ? a->cap * 2 : 16;
			struct mos_arp_ent *n = realloc(a->e,
							sizeof(*n) * (size_t)ncap);

			if (!n)
				return NULL;
			a->e = n;
			a->cap = ncap;
		}
		e = &a->e[a->n++];
	}
	memset(e, 0, sizeof(*e));
	e->ip = ip;
	e->port = port;
	return e;
}

/* ------------------------------------------------------------- the wire */

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/* Fill an ARP packet (RFC 826) at f->data. */
static void arp_fill(uint8_t *d, const uint8_t *eth_dst, int op,
		     const uint8_t *sha, uint32_t spa, const uint8_t *tha,
		     uint32_t tpa)
{
	memset(d, 0, ARP_FRAME);
	memcpy(d, eth_dst, 6);
	memcpy(d + 6, sha, 6);
	put16(d + 12, 0x0806);
	put16(d + 14, 1);
	put16(d + 16, 0x0800);
	d[18] = 6;
	d[19] = 4;
	put16(d + 20, (uint16_t)op);
	memcpy(d + 22, sha, 6);
	memcpy(d + 28, &spa, 4);
	memcpy(d + 32, tha, 6);
	memcpy(d + 38, &tpa, 4);
}

static void send_request(struct mos_ctx *c, struct mos_arp_ent *e)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[6];
	struct mos_frame *f = c->io->ops->alloc_frame(c->io, c->pub.cpu);
	uint32_t spa = 0;

	if (!f || f->room < ARP_FRAME) {
		if (f)
			c->io->ops->free_frames(c->io, c->pub.cpu, &f, 1);
		c->host->stats.drop_nobuf++;
		return;
	}
	mos_host_route(c, e->ip, &spa, false);
	arp_fill(f->data, bcast, 1, mos_host_port_mac(c, e->port), spa, zero,
		 e->ip);
	f->len = ARP_FRAME;
	c->host->stats.arp_requests++;
	mos_host_wire(c, e->port, f);
}

static void release_held(struct mos_ctx *c, struct mos_arp_ent *e)
{
	int i;

	for (i = 0; i < e->nheld; i++) {
		memcpy(e->held[i]->data, e->mac, 6);
		mos_host_wire(c, e->port, e->held[i]);
	}
	e->nheld = 0;
}

static void give_up(struct mos_ctx *c, struct mos_arp_ent *e)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &e->ip, ip, sizeof(ip));
	mos_host_log(c, "no ARP entry for %s on port %s: not in arp_table "
		     "and %d ARP requests unanswered; %d frame(s) dropped",
		     ip, c->cfg->ports[e->port].name, MOS_ARP_TRIES, e->nheld);
	drop_held(c, e);
	e->state = MOS_ARP_FREE;
	c->host->arp.npending--;
}

int mos_arp_resolve(struct mos_ctx *c, int port, uint32_t ip, uint8_t *mac,
		    struct mos_frame *f)
{
	struct mos_arp *a = &c->host->arp;
	const uint8_t *st = mos_arp_lookup(c->cfg, ip);
	uint64_t now = mos_host_now(c);
	struct mos_arp_ent *e;

	if (st) {
		memcpy(mac, st, 6);
		return 0;
	}
	e = find(a, ip, port);
	if (e && e->state == MOS_ARP_OK && now < e->expires_us) {
		memcpy(mac, e->mac, 6);
		return 0;
	}
	if (!e || e->state == MOS_ARP_OK) {
		uint8_t m[6];

		if (shared_find(ip, port, m, now)) {
			if (!e)
				e = add(a, ip, port);
			if (e) {
				e->state = MOS_ARP_OK;
				memcpy(e->mac, m, 6);
				e->expires_us = now + MOS_ARP_TTL_US;
			}
			memcpy(mac, m, 6);
			return 0;
		}
		if (!e)
			e = add(a, ip, port);
		if (!e) {
			errno = ENOBUFS;
			goto drop;
		}
		e->state = MOS_ARP_PENDING;
		e->tries = 1;
		e->next_try_us = now + MOS_ARP_RETRY_US;
		a->npending++;
		send_request(c, e);
	}
	if (!f)
		return 1;
	if (e->nheld == MOS_ARP_HOLD) {
		/* the oldest goes: the engine retransmits what matters */
		c->io->ops->free_frames(c->io, c->pub.cpu, &e->held[0], 1);
		c->host->stats.drop_noarp++;
		memmove(&e->held[0], &e->held[1],
			sizeof(e->held[0]) * (MOS_ARP_HOLD - 1));
		e->nheld--;
	}
	e->held[e->nheld++] = f;
	return 1;
drop:
	if (f) {
		c->io->ops->free_frames(c->io, c->pub.cpu, &f, 1);
		c->host->stats.drop_noarp++;
	}
	return -1;
}

/* A learned mapping: the cache, the shared table, and held frames out. */
static void learn(struct mos_ctx *c, int port, uint32_t ip,
		  const uint8_t *mac)
{
	struct mos_arp *a = &c->host->arp;
	struct mos_arp_ent *e = find(a, ip, port);
	uint64_t now = mos_host_now(c);

	shared_learn(ip, port, mac, now);
	if (!e)
		return;		/* RFC 826: merge only what we already hold */
	if (e->state == MOS_ARP_PENDING)
		a->npending--;
	e->state = MOS_ARP_OK;
	memcpy(e->mac, mac, 6);
	e->expires_us = now + MOS_ARP_TTL_US;
	release_held(c, e);
}

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

void mos_arp_input(struct mos_ctx *c, struct mos_frame *f)
{
	struct mos_host *h = c->host;
	uint8_t *d = f->data + f->pkt.l3_off;
	uint32_t spa, tpa;
	uint8_t sha[6];
	int op, mine;

	h->stats.arp_in++;
	if (f->len < (uint32_t)f->pkt.l3_off + 28u || get16(d) != 1 ||
	    get16(d + 2) != 0x0800 || d[4] != 6 || d[5] != 4)
		goto free;
	op = get16(d + 6);
	memcpy(sha, d + 8, 6);
	memcpy(&spa, d + 14, 4);
	memcpy(&tpa, d + 24, 4);
	mine = mos_host_addr_port(h, tpa);
	if (spa && !(sha[0] & 1))
		learn(c, f->port, spa, sha);
	if (op != 1 || mine < 0 || f->port < 0)
		goto free;
	/* a request for one of our addresses: answered in the same frame
	 * (VLAN tags, if any, stay as they came) */
	{
		const uint8_t *me = mos_host_port_mac(c, f->port);

		memcpy(f->data, sha, 6);
		memcpy(f->data + 6, me, 6);
		put16(d + 6, 2);
		memcpy(d + 8, me, 6);
		memcpy(d + 14, &tpa, 4);
		memcpy(d + 18, sha, 6);
		memcpy(d + 24, &spa, 4);
		if (f->len < ARP_FRAME && f->room >= ARP_FRAME) {
			memset(f->data + f->len, 0, ARP_FRAME - f->len);
			f->len = ARP_FRAME;
		}
		h->stats.arp_replies++;
		mos_host_wire(c, f->port, f);
		return;
	}
free:
	c->io->ops->free_frames(c->io, c->pub.cpu, &f, 1);
}

void mos_arp_tick(struct mos_ctx *c)
{
	struct mos_arp *a = &c->host->arp;
	uint64_t now;
	int i;

	if (!a->npending)
		return;
	now = mos_host_now(c);
	for (i = 0; i < a->n; i++) {
		struct mos_arp_ent *e = &a->e[i];
		uint8_t m[6];

		if (e->state != MOS_ARP_PENDING)
			continue;
		if (shared_find(e->ip, e->port, m, now)) {
			a->npending--;
			e->state = MOS_ARP_OK;
			memcpy(e->mac, m, 6);
			e->expires_us = now + MOS_ARP_TTL_US;
			release_held(c, e);
		} else if (now >= e->next_try_us) {
			if (e->tries >= MOS_ARP_TRIES) {
				give_up(c, e);
				continue;
			}
			e->tries++;
			e->next_try_us = now + MOS_ARP_RETRY_US;
			send_request(c, e);
		}
	}
}
