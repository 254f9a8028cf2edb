/*
 * tcb.c -- the engine, its pool of control blocks, the 4-tuple hash table,
 * listeners and accept queues, ISNs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tcb.h"
#include "tcp_timer.h"

#define MOS_TCB_FREE_KEEP 1024	/* recycled tcbs kept for reuse */
#define MOS_HASH_MAX (1u << 22)

static uint32_t pow2_at_least(uint32_t v, uint32_t lo, uint32_t hi)
{
	uint32_t p = lo;

	while (p < v && p < hi)
		p <<= 1;
	return p;
}

static uint32_t tuple_hash(uint32_t laddr, uint16_t lport, uint32_t raddr,
			   uint16_t rport)
{
	uint64_t h = ((uint64_t)laddr << 32 | raddr) * 0x9e3779b97f4a7c15ull;

	h ^= ((uint64_t)lport << 16 | rport) * 0xc2b2ae3d27d4eb4full;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return (uint32_t)(h ^ (h >> 32));
}

struct mos_tcp *mos_tcp_new(const struct mos_tcp_conf *conf,
			    const struct mos_tcp_env *env, uint64_t now_us)
{
	struct mos_tcp *s;
	uint32_t nb;

	if (!conf || !env || !env->alloc || !env->xmit || conf->mss < 64 ||
	    conf->mss > 9000 || conf->max_tcbs < 1 || conf->tw_sec < 0) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->conf = *conf;
	s->env = *env;
	/* RFC 6298 2.4 asks for a 1 s floor; 200 ms (Linux's) instead:
	 * the engine serves sub-millisecond LAN and data-centre paths where
	 * a second per tail loss would dominate transfers, and the tail loss
	 * probe (RFC 8985) answers most tail losses before either */
	if (!s->conf.rto_min_ms)
		s->conf.rto_min_ms = 200;
	if (!s->conf.rto_init_ms)
		s->conf.rto_init_ms = 1000;
	if (!s->conf.delack_ms)
		s->conf.delack_ms = 40;
	if (!s->conf.syn_retries)
		s->conf.syn_retries = 6;
	if (!s->conf.data_retries)
		s->conf.data_retries = 15;
	s->rmem = pow2_at_least(conf->rmem, 4096, 1u << 30);
	s->wmem = pow2_at_least(conf->wmem, 4096, 1u << 30);
	if (s->rmem < 4u * conf->mss)
		s->rmem = pow2_at_least(4u * conf->mss, 4096, 1u << 30);
	if (s->wmem < 4u * conf->mss)
		s->wmem = pow2_at_least(4u * conf->mss, 4096, 1u << 30);
	nb = pow2_at_least((uint32_t)conf->max_tcbs, 64, MOS_HASH_MAX);
	s->hash = calloc(nb, sizeof(*s->hash));
	if (!s->hash) {
		free(s);
		return NULL;
	}
	s->hmask = nb - 1;
	s->now_us = now_us;
	/* RFC 6528: F() keyed by a secret; the 32-bit seed is spread over
	 * SipHash's 128-bit key. */
	s->sip_k0 = (uint64_t)conf->iss_secret * 0x9e3779b97f4a7c15ull ^
		    0x736f6d6570736575ull;
	s->sip_k1 = ((uint64_t)conf->iss_secret << 32 | conf->iss_secret) ^
		    0x646f72616e646f6dull;
	s->ts_k0 = conf->ts_secret ^ 0x7465646279746573ull;
	s->ts_k1 = (conf->ts_secret >> 32 | conf->ts_secret << 32) ^
		   0x6c7967656e657261ull;
	mos_wheel_init(&s->wheel, now_us / 1000u);
	return s;
}

void mos_tcp_free(struct mos_tcp *s)
{
	struct mos_tcb *t, *n;

	if (!s)
		return;
	for (t = s->all; t; t = n) {
		n = t->anext;
		free(t);
	}
	for (t = s->free_list; t; t = n) {
		n = t->lnext;
		free(t);
	}
	free(s->hash);
	free(s);
}

struct mos_tcb *mos_tcb_alloc(struct mos_tcp *s, bool listener)
{
	struct mos_tcb *t;
	uint8_t *mem;

	if ((int)s->st.tcbs >= s->conf.max_tcbs) {
		errno = ENFILE;
		return NULL;
	}
	if (listener) {
		t = calloc(1, sizeof(*t));
		if (!t)
			return NULL;
		t->flags = MOS_TF_LISTENER;
	} else {
		t = s->free_list;
		if (t) {
			s->free_list = t->lnext;
			s->nfree--;
			memset(t, 0, sizeof(*t));
		} else {
			t = malloc(sizeof(*t) + s->rmem + s->wmem);
			if (!t)
				return NULL;
			memset(t, 0, sizeof(*t));
		}
		mem = (uint8_t *)(t + 1);
		mos_sndbuf_init(&t->sb, mem, s->wmem);
		mos_rcvbuf_init(&t->rb, mem + s->wmem, s->rmem, 0);
	}
	t->eng = s;
	t->state = MOS_TCPS_CLOSED;
	t->anext = s->all;
	if (s->all)
		s->all->aprev = t;
	s->all = t;
	s->st.tcbs++;
	return t;
}

static struct mos_tcb **hash_slot(struct mos_tcp *s, struct mos_tcb *t)
{
	struct mos_tcb **pp = &s->hash[t->hash & s->hmask];

	while (*pp && *pp != t)
		pp = &(*pp)->hnext;
	return pp;
}

void mos_tcb_hash_insert(struct mos_tcp *s, struct mos_tcb *t)
{
	uint32_t b;

	t->hash = tuple_hash(t->laddr, t->lport, t->raddr, t->rport);
	b = t->hash & s->hmask;
	t->hnext = s->hash[b];
	s->hash[b] = t;
}

void mos_tcb_unhash(struct mos_tcb *t)
{
	struct mos_tcb **pp = hash_slot(t->eng, t);

	if (*pp)
		*pp = t->hnext;
	t->hnext = NULL;
}

struct mos_tcb *mos_tcb_lookup(struct mos_tcp *s, uint32_t laddr,
			       uint16_t lport, uint32_t raddr, uint16_t rport)
{
	uint32_t h = tuple_hash(laddr, lport, raddr, rport);
	struct mos_tcb *t;

	for (t = s->hash[h & s->hmask]; t; t = t->hnext)
		if (t->hash == h && t->lport == lport && t->rport == rport &&
		    t->laddr == laddr && t->raddr == raddr)
			return t;
	return NULL;
}

struct mos_tcb *mos_tcb_listener(struct mos_tcp *s, uint32_t laddr,
				 uint16_t lport)
{
	struct mos_tcb *t, *any = NULL;

	for (t = s->listeners; t; t = t->lnext) {
		if (t->lport != lport)
			continue;
		if (t->laddr == laddr)
			return t;
		if (t->laddr == 0)
			any = t;
	}
	return any;
}

void mos_tcb_child_add(struct mos_tcb *l, struct mos_tcb *c)
{
	c->parent = l;
	c->flags |= MOS_TF_HALF;
	c->lprev = NULL;
	c->lnext = l->half_head;
	if (l->half_head)
		l->half_head->lprev = c;
	l->half_head = c;
	l->nhalf++;
}

void mos_tcb_child_unlink(struct mos_tcb *c)
{
	struct mos_tcb *l = c->parent;

	if (!l)
		return;
	if (c->flags & MOS_TF_HALF) {
		if (c->lprev)
			c->lprev->lnext = c->lnext;
		else
			l->half_head = c->lnext;
		if (c->lnext)
			c->lnext->lprev = c->lprev;
		l->nhalf--;
	} else if (c->flags & MOS_TF_QUEUED) {
		if (c->lprev)
			c->lprev->lnext = c->lnext;
		else
			l->q_head = c->lnext;
		if (c->lnext)
			c->lnext->lprev = c->lprev;
		else
			l->q_tail = c->lprev;
		l->nqueued--;
	}
	c->flags &= ~(MOS_TF_HALF | MOS_TF_QUEUED);
	c->lnext = c->lprev = NULL;
	c->parent = NULL;
}

void mos_tcb_child_queue(struct mos_tcb *c)
{
	struct mos_tcb *l = c->parent;

	if (!l || !(c->flags & MOS_TF_HALF))
		return;
	mos_tcb_child_unlink(c);
	c->parent = l;
	c->flags |= MOS_TF_QUEUED;
	c->lnext = NULL;
	c->lprev = l->q_tail;
	if (l->q_tail)
		l->q_tail->lnext = c;
	else
		l->q_head = c;
	l->q_tail = c;
	l->nqueued++;
	mos_tcb_event(l, MOS_TCP_EV_ACCEPT);
}

void mos_tcb_free(struct mos_tcb *t)
{
	struct mos_tcp *s = t->eng;

	/* already on the free list (a caller's second close): leave the
	 * pool intact */
	if (t->flags & MOS_TF_DEAD)
		return;

	mos_tcp_stop_rexmt(s, t);
	mos_tcp_stop_delack(s, t);
	if (t->aprev)
		t->aprev->anext = t->anext;
	else
		s->all = t->anext;
	if (t->anext)
		t->anext->aprev = t->aprev;
	if (t->flags & MOS_TF_LISTENER) {
		struct mos_tcb **pp = &s->listeners;

		while (*pp && *pp != t)
			pp = &(*pp)->lnext;
		if (*pp)
			*pp = t->lnext;
		s->st.tcbs--;
		free(t);
		return;
	}
	mos_tcb_child_unlink(t);
	mos_tcb_unhash(t);
	s->st.tcbs--;
	t->flags = MOS_TF_DEAD;
	if (s->nfree < MOS_TCB_FREE_KEEP) {
		t->lnext = s->free_list;
		s->free_list = t;
		s->nfree++;
	} else {
		free(t);
	}
}

/* SipHash-2-4 of 12 bytes (the 4-tuple), for the RFC 6528 F(). */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do { \
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
} while (0)

static uint64_t siphash12(uint64_t k0, uint64_t k1, uint64_t m0, uint32_t m1)
{
	uint64_t v0 = k0 ^ 0x736f6d6570736575ull, v1 = k1 ^ 0x646f72616e646f6dull;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ull, v3 = k1 ^ 0x7465646279746573ull;
	uint64_t last = (uint64_t)12 << 56 | m1;

	v3 ^= m0; SIPROUND; SIPROUND; v0 ^= m0;
	v3 ^= last; SIPROUND; SIPROUND; v0 ^= last;
	v2 ^= 0xff;
	SIPROUND; SIPROUND; SIPROUND; SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

uint32_t mos_tcb_iss(struct mos_tcp *s, uint32_t laddr, uint16_t lport,
		     uint32_t raddr, uint16_t rport)
{
	uint64_t f = siphash12(s->sip_k0, s->sip_k1,
			       (uint64_t)laddr << 32 | raddr,
			       (uint32_t)lport << 16 | rport);

	/* RFC 6528 3: ISN = M + F(), M a 4 microsecond clock */
	return (uint32_t)(s->now_us / 4u) + (uint32_t)f;
}

uint32_t mos_tcb_ts_off(struct mos_tcp *s, uint32_t laddr, uint16_t lport,
			uint32_t raddr, uint16_t rport)
{
	return (uint32_t)siphash12(s->ts_k0, s->ts_k1,
				   (uint64_t)laddr << 32 | raddr,
				   (uint32_t)lport << 16 | rport);
}

void mos_tcb_event(struct mos_tcb *t, unsigned ev)
{
	struct mos_tcp *s = t->eng;

	if (!s->env.notify || !ev)
		return;
	if ((t->flags & MOS_TF_LISTENER) || t->owner)
		s->env.notify(s->env.arg, t, ev);
}

void mos_tcb_set_state(struct mos_tcb *t, enum mos_tcp_state st)
{
	if (st == MOS_TCPS_ESTABLISHED && t->state != MOS_TCPS_ESTABLISHED)
		t->eng->st.conn_established++;
	t->state = st;
}

bool mos_tcb_drop(struct mos_tcb *t, int err)
{
	struct mos_tcp *s = t->eng;

	if (err == ETIMEDOUT)
		s->st.conn_timeout++;
	else if (err == ECONNRESET || err == ECONNREFUSED)
		s->st.conn_reset++;
	mos_tcp_stop_rexmt(s, t);
	mos_tcp_stop_delack(s, t);
	t->state = MOS_TCPS_CLOSED;
	if (!t->owner) {
		mos_tcb_free(t);
		return true;
	}
	/* kept for its owner, but out of the table: the 4-tuple is free */
	mos_tcb_unhash(t);
	t->so_error = err;
	mos_tcb_event(t, (err ? MOS_TCP_EV_ERROR : 0) | MOS_TCP_EV_CLOSED);
	return false;
}

bool mos_tcb_time_wait(struct mos_tcb *t)
{
	struct mos_tcp *s = t->eng;

	mos_tcp_stop_rexmt(s, t);
	mos_tcp_stop_delack(s, t);
	t->state = MOS_TCPS_TIME_WAIT;
	if (s->conf.tw_sec == 0 && !t->owner) {
		s->st.tw_expired++;
		mos_tcb_free(t);
		return true;
	}
	mos_tcp_arm_rexmt(s, t, MOS_TMR_TW, (uint64_t)s->conf.tw_sec * 1000u);
	return false;
}
