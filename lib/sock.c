/*
 * sock.c -- socket ids and callback templates (see sock.h).
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "sock.h"

int mos_sock_table_init(struct mos_sock_table *t, int cap, int host_cap)
{
	memset(t, 0, sizeof(*t));
	/* calloc'd and handed out from a high-water mark, so that the
	 * memory of ids never used is never touched */
	t->s = calloc((size_t)cap, sizeof(*t->s));
	if (!t->s) {
		errno = ENOMEM;
		return -1;
	}
	t->cap = cap;
	t->host_cap = host_cap;
	t->free_head = t->free_tail = -1;
	return 0;
}

static void filter_clear(struct mos_filter *f)
{
	if (f->set)
		pcap_freecode(&f->prog);
	f->set = false;
}

static bool has_lsock(int type)
{
	return type == MOS_SOCK_MONITOR_STREAM || type == MOS_SOCK_MONITOR_RAW;
}

static void sock_clear(struct mos_sock *s)
{
	if (has_lsock(s->type) && s->lis) {
		filter_clear(&s->lis->syn_filter);
		filter_clear(&s->lis->orphan_filter);
		filter_clear(&s->lis->raw_filter);
		free(s->lis);
		s->lis = NULL;
	}
	mos_cbtab_put(s->cbs);
	s->cbs = NULL;
}

void mos_sock_table_fini(struct mos_sock_table *t)
{
	int i;

	for (i = 0; t->s && i < t->high; i++)
		if (t->s[i].type != MOS_SOCK_UNUSED)
			sock_clear(&t->s[i]);
	free(t->s);
	memset(t, 0, sizeof(*t));
}

int mos_sock_alloc(struct mos_sock_table *t, int type)
{
	struct mos_sock *s;
	struct mos_lsock *lis = NULL;
	int id;

	/* end-host sockets have a pool of their own (libmos(3)) */
	if (mos_sock_is_host(type) && t->n_host >= t->host_cap) {
		errno = ENFILE;
		return -1;
	}
	if (has_lsock(type) && !(lis = calloc(1, sizeof(*lis)))) {
		errno = ENOMEM;
		return -1;
	}
	/* ids never used come first, then freed ones in the order they were
	 * freed: a just-freed id is not handed out again at once */
	if (t->high < t->cap) {
		id = t->high++;
		s = &t->s[id];
	} else if (t->free_head >= 0) {
		id = t->free_head;
		s = &t->s[id];
		t->free_head = s->next_free;
		if (t->free_head < 0)
			t->free_tail = -1;
	} else {
		free(lis);
		errno = ENFILE;
		return -1;
	}
	memset(s, 0, sizeof(*s));
	s->type = (uint8_t)type;
	if (lis)
		s->lis = lis;
	s->next_free = -1;
	s->listener = -1;
	s->fprev = s->fnext = -1;
	s->policy_req[0] = s->policy_req[1] = -1;
	if (type == MOS_SOCK_MONITOR_STREAM_ACTIVE)
		t->n_flow++;
	else if (mos_sock_is_host(type))
		t->n_host++;
	else
		t->n_monitor++;
	return id;
}

void mos_sock_free(struct mos_sock_table *t, int id)
{
	struct mos_sock *s = &t->s[id];

	if (s->type == MOS_SOCK_MONITOR_STREAM_ACTIVE)
		t->n_flow--;
	else if (mos_sock_is_host(s->type))
		t->n_host--;
	else
		t->n_monitor--;
	sock_clear(s);
	s->type = MOS_SOCK_UNUSED;
	s->next_free = -1;
	if (t->free_tail >= 0)
		t->s[t->free_tail].next_free = id;
	else
		t->free_head = id;
	t->free_tail = id;
}

int mos_hook_index(int hook)
{
	switch (hook) {
	case MOS_HK_SND:
		return 0;
	case MOS_HK_RCV:
		return 1;
	case MOS_NULL:
		return 2;
	default:
		return -1;
	}
}

struct mos_cbtab *mos_cbtab_get(struct mos_cbtab *tab)
{
	if (tab)
		tab->refs++;
	return tab;
}

void mos_cbtab_put(struct mos_cbtab *tab)
{
	if (!tab || --tab->refs > 0)
		return;
	free(tab->ude);
	free(tab);
}

static struct mos_cbtab *cbtab_copy(const struct mos_cbtab *old)
{
	struct mos_cbtab *tab = calloc(1, sizeof(*tab));

	if (!tab)
		return NULL;
	if (old) {
		memcpy(tab->bev, old->bev, sizeof(tab->bev));
		if (old->nude) {
			tab->ude = malloc(sizeof(*tab->ude) * (size_t)old->nude);
			if (!tab->ude) {
				free(tab);
				return NULL;
			}
			memcpy(tab->ude, old->ude,
			       sizeof(*tab->ude) * (size_t)old->nude);
			tab->nude = tab->capude = old->nude;
		}
	}
	tab->refs = 1;
	return tab;
}

static void cbtab_recompute(struct mos_cbtab *tab)
{
	int h, b, i;

	for (h = 0; h < MOS_HOOKS; h++) {
		tab->want[h] = 0;
		for (b = 0; b < NUM_BEV; b++)
			if (tab->bev[b][h])
				tab->want[h] |= 1u << b;
	}
	for (i = 0; i < tab->nude; i++)
		tab->want[tab->ude[i].hook] |=
			(uint32_t)mos_ude_root(tab->ude[i].ev);
}

static int ude_find(const struct mos_cbtab *tab, event_t ev, int hook)
{
	int i;

	for (i = 0; tab && i < tab->nude; i++)
		if (tab->ude[i].ev == ev && tab->ude[i].hook == hook)
			return i;
	return -1;
}

static int set_ude(struct mos_cbtab *tab, event_t ev, int hook, callback_t cb)
{
	int i = ude_find(tab, ev, hook);

	if (i >= 0) {
		if (cb)
			tab->ude[i].cb = cb;
		else
			tab->ude[i] = tab->ude[--tab->nude];
		return 0;
	}
	if (tab->nude == tab->capude) {
		int ncap = tab->capude ? tab->capude * 2 : 4;
		struct mos_cbreg *n = realloc(tab->ude,
					      sizeof(*n) * (size_t)ncap);

		if (!n) {
			errno = ENOMEM;
			return -1;
		}
		tab->ude = n;
		tab->capude = ncap;
	}
	tab->ude[tab->nude++] = (struct mos_cbreg){ ev, hook, cb };
	return 0;
}

int mos_cbtab_set(struct mos_cbtab **tabp, event_t ev, int hook,
		  callback_t cb)
{
	struct mos_cbtab *tab = *tabp;
	bool builtin = ev < (1u << NUM_BEV);
	int b = builtin ? __builtin_ctzll(ev) : -1;

	if (!cb && !mos_cbtab_lookup(tab, ev, hook)) {
		errno = EINVAL;
		return -1;
	}
	if (!tab || tab->refs > 1) {
		tab = cbtab_copy(tab);
		if (!tab) {
			errno = ENOMEM;
			return -1;
		}
		mos_cbtab_put(*tabp);
		*tabp = tab;
	}
	if (builtin)
		tab->bev[b][hook] = cb;
	else if (set_ude(tab, ev, hook, cb) < 0)
		return -1;
	cbtab_recompute(tab);
	return 0;
}

callback_t mos_cbtab_lookup(const struct mos_cbtab *tab, event_t ev,
			    int hook)
{
	int i;

	if (!tab)
		return NULL;
	if (ev < (1u << NUM_BEV))
		return tab->bev[__builtin_ctzll(ev)][hook];
	i = ude_find(tab, ev, hook);
	return i >= 0 ? tab->ude[i].cb : NULL;
}

bool mos_cbtab_wants(const struct mos_cbtab *tab, event_t ev, int hook)
{
	int i;

	if (!tab)
		return false;
	if (mos_cbtab_lookup(tab, ev, hook))
		return true;
	for (i = 0; i < tab->nude; i++)
		if (tab->ude[i].hook == hook &&
		    mos_ude_is_descendant(tab->ude[i].ev, ev))
			return true;
	return false;
}
