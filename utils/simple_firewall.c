/*
 * simple_firewall -- accept or drop each connection at its first SYN
 * (simple_firewall(1)).  Inline mode only: a dropped SYN is not forwarded, an
 * accepted connection stops being monitored and passes through.
 *
 *   simple_firewall [-c mos.conf] [-f rules] [-n cores]
 *
 * Rules: one per line, "ACTION SRC[/P] DST[/P] [sport:N] [dport:N]",
 * ACTION ACCEPT or DROP; 0.0.0.0 and port 0 mean any; '#' starts a
 * comment.  First match wins; no match accepts.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mos_api.h>

#include "app.h"
#include "mos_notify.h"

#define MAX_RULES 1024
#define TH_SYN_ 0x02
#define TH_ACK_ 0x10

enum { ACCEPT = 0, DROP = 1 };

struct rule {
	int action;
	uint32_t src, dst;		/* network order, masked */
	uint32_t smask, dmask;
	int sprefix, dprefix;
	uint16_t sport, dport;		/* host order, 0 = any */
	unsigned long hits;		/* atomic: several contexts */
};

static struct rule rules[MAX_RULES];
static int nrules;
static struct mos_app app;
static event_t syn_event;

/* ---------------------------------------------------------------- rules */

static uint32_t mask_of(int prefix)
{
	return prefix ? htonl(0xffffffffu << (32 - prefix)) : 0;
}

static int parse_addr(const char *w, uint32_t *addr, uint32_t *mask,
		      int *prefix)
{
	char buf[64], *slash, *end;
	struct in_addr a;
	long p = 32;

	if (strlen(w) >= sizeof(buf))
		return -1;
	strcpy(buf, w);
	slash = strchr(buf, '/');
	if (slash) {
		*slash++ = '\0';
		errno = 0;
		p = strtol(slash, &end, 10);
		if (errno || *end || end == slash || p < 0 || p > 32)
			return -1;
	}
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -1;
	if (a.s_addr == 0)
		p = 0;		/* 0.0.0.0 = any */
	*prefix = (int)p;
	*mask = mask_of((int)p);
	*addr = a.s_addr & *mask;
	return 0;
}

static int parse_port(const char *w, const char *key, uint16_t *port)
{
	size_t k = strlen(key);
	char *end;
	long v;

	if (strncmp(w, key, k))
		return 1;	/* not this key */
	errno = 0;
	v = strtol(w + k, &end, 10);
	if (errno || *end || end == w + k || v < 0 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

static int parse_rule(char *line, struct rule *r, const char **why)
{
	char *w[6], *save = NULL, *t;
	int n = 0, i;

	for (t = strtok_r(line, " \t\r\n", &save); t;
	     t = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == 5) {
			*why = "too many fields";
			return -1;
		}
		w[n++] = t;
	}
	if (n == 0)
		return 1;	/* blank */
	memset(r, 0, sizeof(*r));
	if (!strcmp(w[0], "ACCEPT")) {
		r->action = ACCEPT;
	} else if (!strcmp(w[0], "DROP")) {
		r->action = DROP;
	} else {
		*why = "action is not ACCEPT or DROP";
		return -1;
	}
	if (n < 3) {
		*why = "source and destination address needed";
		return -1;
	}
	if (parse_addr(w[1], &r->src, &r->smask, &r->sprefix)) {
		*why = "bad source address";
		return -1;
	}
	if (parse_addr(w[2], &r->dst, &r->dmask, &r->dprefix)) {
		*why = "bad destination address";
		return -1;
	}
	for (i = 3; i < n; i++) {
		int a = parse_port(w[i], "sport:", &r->sport);
		int b = a == 1 ? parse_port(w[i], "dport:", &r->dport) : 0;

		if (a < 0 || b != 0) {
			*why = "bad port (sport:N or dport:N, 0..65535)";
			return -1;
		}
	}
	return 0;
}

static int load_rules(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int lineno = 0;

	if (!f) {
		fprintf(stderr, "simple_firewall: %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *hash = strchr(line, '#');
		const char *why = NULL;
		struct rule r;
		int rc;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			why = "line too long";
			rc = -1;
		} else {
			if (hash)
				*hash = '\0';
			rc = parse_rule(line, &r, &why);
		}
		if (rc == 0 && nrules == MAX_RULES) {
			why = "more than 1024 rules";
			rc = -1;
		}
		if (rc < 0) {
			fprintf(stderr, "simple_firewall: %s:%d: %s\n", path,
				lineno, why);
			fclose(f);
			return -1;
		}
		if (rc == 0)
			rules[nrules++] = r;
	}
	fclose(f);
	return 0;
}

static struct rule *match(uint32_t s, uint32_t d, uint16_t sp, uint16_t dp)
{
	for (int i = 0; i < nrules; i++) {
		struct rule *r = &rules[i];

		if ((s & r->smask) == r->src && (d & r->dmask) == r->dst &&
		    (!r->sport || r->sport == sp) &&
		    (!r->dport || r->dport == dp))
			return r;
	}
	return NULL;
}

/* ---------------------------------------------------------------- output */

static void addr_col(char *out, size_t n, uint32_t a, int prefix)
{
	char s[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a, s, sizeof(s));
	if (prefix == 32)
		snprintf(out, n, "%s", s);
	else
		snprintf(out, n, "%s/%d", s, prefix);
}

static void print_rules(void)
{
	static const char dashes[] = "------------------------------------"
				     "-----------------------------------";
	char a[32], b[32];

	printf("%s\nFirewall rule table\n", dashes);
	printf("%-6s%-8s%-9s%-19s%-19s%s\n", "idx", "flows", "target",
	       "client", "server", "port");
	for (int i = 0; i < nrules; i++) {
		const struct rule *r = &rules[i];

		addr_col(a, sizeof(a), r->src, r->sprefix);
		addr_col(b, sizeof(b), r->dst, r->dprefix);
		printf("%-6d%-8lu%-9s%-19s%-19s", i + 1,
		       __atomic_load_n(&r->hits, __ATOMIC_RELAXED),
		       r->action == DROP ? "DROP" : "ACCEPT", a, b);
		if (r->sport)
			printf("sport:%-6u", r->sport);
		if (r->dport)
			printf("dport:%-6u", r->dport);
		printf("\n");
	}
	printf("%s\n", dashes);
	fflush(stdout);
}

/* ------------------------------------------------------------- callbacks */

static bool is_first_syn(mctx_t mctx, int sock, int side, event_t ev,
			 filter_arg_t *arg)
{
	struct pkt_info pi;
	uint8_t fl;

	(void)ev, (void)arg;
	if (mtcp_getlastpkt(mctx, sock, side, &pi) < 0 || !pi.tcph)
		return false;
	fl = ((const uint8_t *)pi.tcph)[13];
	return (fl & (TH_SYN_ | TH_ACK_)) == TH_SYN_;
}

static void on_syn(mctx_t mctx, int sock, int side, event_t ev,
		   filter_arg_t *arg)
{
	struct pkt_info pi;
	const uint8_t *th;
	struct rule *r;
	int both = MOS_SIDE_BOTH;

	(void)ev, (void)arg;
	if (mtcp_getlastpkt(mctx, sock, side, &pi) < 0 || !pi.iph)
		return;
	th = (const uint8_t *)pi.tcph;
	r = match(((const uint32_t *)pi.iph)[3], ((const uint32_t *)pi.iph)[4],
		  (uint16_t)(th[0] << 8 | th[1]),
		  (uint16_t)(th[2] << 8 | th[3]));
	if (r)
		__atomic_fetch_add(&r->hits, 1, __ATOMIC_RELAXED);
	if (r && r->action == DROP) {
		if (mtcp_setlastpkt(mctx, sock, side, 0, NULL, 0, MOS_DROP) < 0)
			perror("simple_firewall: mtcp_setlastpkt");
		return;
	}
	if (mtcp_setsockopt(mctx, sock, SOL_MONSOCKET, MOS_STOP_MON, &both,
			    sizeof(both)) < 0)
		perror("simple_firewall: MOS_STOP_MON");
}

static void on_timer(mctx_t mctx, int id, int side, event_t ev,
		     filter_arg_t *arg)
{
	struct timeval tv = { 1, 0 };

	(void)side, (void)ev, (void)arg;
	print_rules();
	mos_notify_watchdog_maybe();
	mtcp_settimer(mctx, id, &tv, on_timer);
}

/* arg: the listener of each context, by index */
static int setup(mctx_t mctx, void *arg)
{
	int sock = mtcp_socket(mctx, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);

	((int *)arg)[mctx->cpu] = sock;
	if (sock < 0) {
		perror("simple_firewall: mtcp_socket");
		return -1;
	}
	if (mtcp_register_callback(mctx, sock, syn_event, MOS_HK_SND,
				   on_syn) < 0) {
		perror("simple_firewall: mtcp_register_callback");
		return -1;
	}
	if (mctx->cpu == 0) {
		struct timeval tv = { 1, 0 };

		if (mtcp_settimer(mctx, 0, &tv, on_timer) < 0) {
			perror("simple_firewall: mtcp_settimer");
			return -1;
		}
	}
	return 0;
}

static void usage(void)
{
	printf("usage: simple_firewall [-c mos.conf] [-f rules] [-n cores]\n");
}

int main(int argc, char **argv)
{
	const char *conf = SYSCONFDIR "/mos/mos.conf";
	const char *rfile = SYSCONFDIR "/mos/simple_firewall.conf";
	int socks[MOS_APP_CORES];
	int opt, i, want = 0, rc = 0;

	while ((opt = getopt(argc, argv, "c:f:n:h")) != -1) {
		switch (opt) {
		case 'c': conf = optarg; break;
		case 'f': rfile = optarg; break;
		case 'n': want = atoi(optarg); break;
		default: usage(); return 0;	/* as 0.3 did */
		}
	}
	if (load_rules(rfile) < 0)
		return 1;
	if (mtcp_init(conf) < 0)
		return 1;	/* mtcp_init printed the reason */
	if (mos_app_cores(&app, "simple_firewall", "-n", want) < 0)
		return 1;
	syn_event = mtcp_define_event(MOS_ON_PKT_IN, is_first_syn, NULL);
	if (syn_event == MOS_NULL_EVENT) {
		perror("simple_firewall: mtcp_define_event");
		mtcp_destroy();
		return 1;
	}
	mos_app_stop_on_sigint(&app);
	if (mos_app_contexts(&app, setup, socks) < 0)
		return 1;
	mos_app_wait(&app, "filtering");
	for (i = 0; i < app.ncores; i++)
		mtcp_close(app.ctx[i], socks[i]);
	mos_app_end(&app);
	print_rules();
	return rc;
}
