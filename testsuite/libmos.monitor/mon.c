/*
 * mon.c -- see mon.h.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mon.h"

struct mon_ev *mon_log;
int mon_nlog;
static int mon_caplog;
struct mon_flow mon_flows[MON_MAX_FLOWS];
int mon_nflows;
bool mon_drain = true;
void (*mon_after)(mctx_t mctx, struct mon_ev *e);

static void endpoint(const struct sockaddr *sa, char *out, size_t n)
{
	char addr[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	char *p;

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof(addr));
		port = ntohs(s6->sin6_port);
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof(addr));
		port = ntohs(s4->sin_port);
	}
	for (p = addr; *p; p++)
		if (*p == ':')
			*p = '_';
	snprintf(out, n, "%s.%u", addr, port);
}

/* The flow a per-flow socket belongs to, created at its first callback;
 * -1 for listeners and raw sockets. */
static int flow_of(mctx_t mctx, int sock, int tag)
{
	struct sockaddr_in6 sa[2];
	socklen_t len = sizeof(sa);
	char cli[MON_EP_LEN], svr[MON_EP_LEN];
	void *u;
	int i, t;

	if (mtcp_getpeername(mctx, sock, (struct sockaddr *)sa, &len,
			     MOS_SIDE_BOTH) < 0)
		return -1;
	u = mtcp_get_uctx(mctx, sock);
	if (u)
		return (int)(intptr_t)u - 1;
	endpoint((const struct sockaddr *)sa, cli, sizeof(cli));
	endpoint((const struct sockaddr *)((char *)sa + len / 2), svr,
		 sizeof(svr));
	for (i = 0; i < mon_nflows; i++)
		if (mon_flows[i].sock[tag] < 0 &&
		    strcmp(mon_flows[i].cli, cli) == 0 &&
		    strcmp(mon_flows[i].svr, svr) == 0)
			break;
	if (i == mon_nflows) {
		if (mon_nflows == MON_MAX_FLOWS)
			return -1;
		mon_nflows++;
		memset(&mon_flows[i], 0, sizeof(mon_flows[i]));
		for (t = 0; t < MON_TAGS; t++)
			mon_flows[i].sock[t] = -1;
		snprintf(mon_flows[i].cli, MON_EP_LEN, "%s", cli);
		snprintf(mon_flows[i].svr, MON_EP_LEN, "%s", svr);
	}
	mon_flows[i].sock[tag] = sock;
	mtcp_set_uctx(mctx, sock, (void *)(intptr_t)(i + 1));
	return i;
}

static int read_state(mctx_t mctx, int sock, int opt)
{
	int st = -1;
	socklen_t len = sizeof(st);

	if (mtcp_getsockopt(mctx, sock, SOL_MONSOCKET, opt, &st, &len) < 0)
		return -1;
	return st;
}

static void append(struct mon_flow *f, int side, const char *buf, size_t n)
{
	if (f->len[side] + n > f->cap[side]) {
		size_t ncap = (f->len[side] + n) * 2;
		uint8_t *p = realloc(f->data[side], ncap);

		if (!p) {
			perror("realloc");
			exit(99);
		}
		f->data[side] = p;
		f->cap[side] = ncap;
	}
	memcpy(f->data[side] + f->len[side], buf, n);
	f->len[side] += n;
}

void mon_drain_side(mctx_t mctx, int sock, int side, int flow)
{
	char buf[4096];
	ssize_t n;

	if (flow < 0)
		return;
	while ((n = mtcp_peek(mctx, sock, side, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno != ENODATA)
				break;
			mon_flows[flow].lost[side] += (uint64_t)-n;
			continue;
		}
		append(&mon_flows[flow], side, buf, (size_t)n);
	}
}

struct mon_ev *mon_record(mctx_t mctx, int hook, int sock, int side,
			  event_t ev, int tag)
{
	struct pkt_info pi;
	struct mon_ev *e;

	if (mon_nlog == mon_caplog) {
		int ncap = mon_caplog ? mon_caplog * 2 : 1024;
		struct mon_ev *n = realloc(mon_log, sizeof(*n) * (size_t)ncap);

		if (!n) {
			perror("realloc");
			exit(99);
		}
		mon_log = n;
		mon_caplog = ncap;
	}
	e = &mon_log[mon_nlog];
	memset(e, 0, sizeof(*e));
	e->seqno = mon_nlog++;
	e->hook = hook;
	e->ev = ev;
	e->side = side;
	e->sock = sock;
	e->tag = tag;
	e->flow = flow_of(mctx, sock, tag);
	e->st[0] = read_state(mctx, sock, MOS_TCP_STATE_CLI);
	e->st[1] = read_state(mctx, sock, MOS_TCP_STATE_SVR);
	errno = 0;
	e->pkt_rc = mtcp_getlastpkt(mctx, sock, side, &pi);
	e->pkt_errno = e->pkt_rc < 0 ? errno : 0;
	if (e->pkt_rc == 0 && pi.tcph) {
		e->seq = pi.seq;
		e->offset = pi.offset;
		e->payloadlen = pi.payloadlen;
		e->flags = ((const uint8_t *)pi.tcph)[13];
	}
	return e;
}

static void record(mctx_t mctx, int hook, int sock, int side, event_t ev,
		   int tag)
{
	struct mon_ev *e = mon_record(mctx, hook, sock, side, ev, tag);
	int flow = e->flow;
	size_t before;

	if (mon_drain && flow >= 0) {
		before = mon_flows[flow].len[0] + mon_flows[flow].len[1];
		if (ev == MOS_ON_CONN_NEW_DATA || ev == MOS_ON_ERROR)
			mon_drain_side(mctx, sock, side, flow);
		if (ev == MOS_ON_CONN_END) {
			mon_drain_side(mctx, sock, MOS_SIDE_CLI, flow);
			mon_drain_side(mctx, sock, MOS_SIDE_SVR, flow);
		}
		mon_log[mon_nlog - 1].drained = mon_flows[flow].len[0] +
						mon_flows[flow].len[1] - before;
	}
	if (mon_after)
		mon_after(mctx, &mon_log[mon_nlog - 1]);
}

#define MON_CB(name, hook, tag)                                            \
	void name(mctx_t mctx, int sock, int side, event_t ev,             \
		  filter_arg_t *arg)                                       \
	{                                                                  \
		(void)arg;                                                 \
		record(mctx, hook, sock, side, ev, tag);                   \
	}
MON_CB(mon_cb_snd, MOS_HK_SND, 0)
MON_CB(mon_cb_rcv, MOS_HK_RCV, 0)
MON_CB(mon_cb_null, MOS_NULL, 0)
MON_CB(mon_cb_snd1, MOS_HK_SND, 1)
MON_CB(mon_cb_rcv1, MOS_HK_RCV, 1)
MON_CB(mon_cb_null1, MOS_NULL, 1)

int mon_register_all(mctx_t mctx, int sock, int tag)
{
	static const event_t pkt_evs[] = {
		MOS_ON_PKT_IN, MOS_ON_CONN_START, MOS_ON_TCP_STATE_CHANGE,
		MOS_ON_REXMIT, MOS_ON_CONN_END,
	};
	static const event_t null_evs[] = {
		MOS_ON_CONN_NEW_DATA, MOS_ON_ERROR, MOS_ON_ORPHAN,
		MOS_ON_TIMEOUT,
	};
	callback_t snd = tag ? mon_cb_snd1 : mon_cb_snd;
	callback_t rcv = tag ? mon_cb_rcv1 : mon_cb_rcv;
	callback_t nul = tag ? mon_cb_null1 : mon_cb_null;
	size_t i;

	for (i = 0; i < sizeof(pkt_evs) / sizeof(pkt_evs[0]); i++)
		if (mtcp_register_callback(mctx, sock, pkt_evs[i], MOS_HK_SND,
					   snd) < 0 ||
		    mtcp_register_callback(mctx, sock, pkt_evs[i], MOS_HK_RCV,
					   rcv) < 0)
			return -1;
	for (i = 0; i < sizeof(null_evs) / sizeof(null_evs[0]); i++)
		if (mtcp_register_callback(mctx, sock, null_evs[i], MOS_NULL,
					   nul) < 0)
			return -1;
	return 0;
}

/* a libconfig string literal */
static void put_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

char *mon_conf(const char *capture, const char *extra)
{
	const char *tmp = getenv("TMPDIR");
	char abs[PATH_MAX], *path;
	FILE *f;
	int fd;

	if (!realpath(capture, abs)) {
		perror(capture);
		return NULL;
	}
	if (asprintf(&path, "%s/mon-XXXXXX.conf",
		     tmp && *tmp ? tmp : "/tmp") < 0)
		return NULL;
	fd = mkstemps(path, 5);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		perror(path);
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		free(path);
		return NULL;
	}
	fprintf(f, "mos = {\n  io = \"pcap\";\n  forward = false;\n"
		   "  mos_log = \"\";\n  %s\n"
		   "  ports = ( { name = \"capture\"; core_mask = 0x1;\n"
		   "              pcap_file = ", extra);
	put_quoted(f, abs);
	fprintf(f, "; } );\n};\n");
	if (fclose(f) != 0) {
		perror(path);
		unlink(path);
		free(path);
		return NULL;
	}
	return path;
}

int mon_run(const char *conf, int (*setup)(mctx_t mctx))
{
	mctx_t mctx;
	int rc = 0;

	if (mtcp_init(conf) < 0) {
		perror("mtcp_init");
		return -1;
	}
	mctx = mtcp_create_context(0);
	if (!mctx) {
		perror("mtcp_create_context");
		mtcp_destroy();
		return -1;
	}
	if (setup(mctx) < 0) {
		perror("setup");
		rc = -1;
	}
	mtcp_app_join(mctx);
	if (mtcp_destroy_context(mctx) < 0) {
		perror("mtcp_destroy_context");
		rc = -1;
	}
	if (mtcp_destroy() < 0) {
		perror("mtcp_destroy");
		rc = -1;
	}
	return rc;
}

void mon_reset(void)
{
	int i, s;

	for (i = 0; i < mon_nflows; i++)
		for (s = 0; s < 2; s++)
			free(mon_flows[i].data[s]);
	memset(mon_flows, 0, sizeof(mon_flows));
	mon_nflows = 0;
	mon_nlog = 0;
	mon_after = NULL;
	mon_drain = true;
}

void mon_free(void)
{
	mon_reset();
	free(mon_log);
	mon_log = NULL;
	mon_caplog = 0;
}

uint8_t *mon_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	do {
		if (n == cap) {
			uint8_t *p = realloc(buf, cap = cap * 2 + 4096);

			if (!p) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = p;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got);
	fclose(f);
	*len = n;
	return buf;
}

/* ------------------------------------------------------------ json facts */

/* The string value after `"key": "` at or after p, into out; the position
 * after it, or NULL. */
static const char *json_str(const char *p, const char *key, char *out,
			    size_t n)
{
	char pat[64];
	const char *q, *e;

	snprintf(pat, sizeof(pat), "\"%s\": \"", key);
	q = strstr(p, pat);
	if (!q)
		return NULL;
	q += strlen(pat);
	e = strchr(q, '"');
	if (!e || (size_t)(e - q) >= n)
		return NULL;
	memcpy(out, q, (size_t)(e - q));
	out[e - q] = '\0';
	return e + 1;
}

/* The raw value after `"key": ` (up to , or newline). */
static const char *json_raw(const char *p, const char *key, char *out,
			    size_t n)
{
	char pat[64];
	const char *q;
	size_t i = 0;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	q = strstr(p, pat);
	if (!q)
		return NULL;
	q += strlen(pat);
	while (q[i] && q[i] != ',' && q[i] != '\n' && i + 1 < n) {
		out[i] = q[i];
		i++;
	}
	out[i] = '\0';
	return q + i;
}

int mon_state_from_name(const char *name)
{
	static const char *const names[] = {
		"CLOSED", "LISTEN", "SYN_SENT", "SYN_RCVD", "ESTABLISHED",
		"FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING",
		"LAST_ACK", "TIME_WAIT",
	};
	int i;

	/* RFC 793 spells SYN-RECEIVED; the captures' .json use SYN_RCVD style */
	if (strcmp(name, "SYN_RECEIVED") == 0)
		return TCP_SYN_RCVD;
	for (i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

/* One flow object starting at p (at its "a" key); end position or NULL. */
static const char *json_flow(const char *p, struct mon_fact *f)
{
	char v[64];

	memset(f, 0, sizeof(*f));
	if (!(p = json_str(p, "a", f->a, sizeof(f->a))) ||
	    !(p = json_str(p, "b", f->b, sizeof(f->b))) ||
	    !(p = json_raw(p, "client", v, sizeof(v))))
		return NULL;
	f->client = strcmp(v, "\"a\"") == 0 ? 'a' :
		    strcmp(v, "\"b\"") == 0 ? 'b' : 0;
	if (!(p = json_raw(p, "syn_seen", v, sizeof(v))))
		return NULL;
	f->syn_seen = strcmp(v, "true") == 0;
	if (!(p = json_raw(p, "established", v, sizeof(v))))
		return NULL;
	f->established = strcmp(v, "true") == 0;
	if (!(p = json_raw(p, "bytes_a_to_b", v, sizeof(v))))
		return NULL;
	f->bytes_a_to_b = strtoull(v, NULL, 10);
	if (!(p = json_raw(p, "bytes_b_to_a", v, sizeof(v))))
		return NULL;
	f->bytes_b_to_a = strtoull(v, NULL, 10);
	if (!(p = json_raw(p, "final_state", v, sizeof(v))))
		return NULL;
	f->final_a = f->final_b = -1;
	if (v[0] == '{') {
		if (!(p = json_str(p, "a", v, sizeof(v))))
			return NULL;
		f->final_a = mon_state_from_name(v);
		if (!(p = json_str(p, "b", v, sizeof(v))))
			return NULL;
		f->final_b = mon_state_from_name(v);
	}
	return p;
}

int mon_facts(const char *capture, struct mon_fact *out, int max)
{
	char path[PATH_MAX];
	const char *p, *end;
	size_t len, n;
	uint8_t *buf;
	int count = 0;

	n = strlen(capture);
	if (n < 5 || strcmp(capture + n - 5, ".pcap") != 0)
		return -1;
	snprintf(path, sizeof(path), "%.*s.json", (int)(n - 5), capture);
	buf = mon_slurp(path, &len);
	if (!buf)
		return -1;
	buf[len ? len - 1 : 0] = '\0';	/* the file ends with "}\n" */
	p = strstr((char *)buf, "\"flows\": [");
	end = p ? strstr(p, "\"notes\"") : NULL;
	while (p && count < max) {
		const char *q = strstr(p, "\"a\": \"");

		if (!q || (end && q > end))
			break;
		p = json_flow(q, &out[count]);
		if (p)
			count++;
	}
	free(buf);
	return p || count ? count : -1;
}

int mon_flow_find(const char *cli, const char *svr)
{
	int i;

	for (i = 0; i < mon_nflows; i++)
		if (strcmp(mon_flows[i].cli, cli) == 0 &&
		    (!svr || strcmp(mon_flows[i].svr, svr) == 0))
			return i;
	return -1;
}

/* ---------------------------------------------------------------- names */

const char *mon_hook_name(int hook)
{
	switch (hook) {
	case MOS_HK_SND: return "SND";
	case MOS_HK_RCV: return "RCV";
	case MOS_NULL: return "NULL";
	default: return "?";
	}
}

const char *mon_ev_name(event_t ev)
{
	static char buf[32];

	switch (ev) {
	case MOS_ON_PKT_IN: return "PKT_IN";
	case MOS_ON_CONN_START: return "CONN_START";
	case MOS_ON_CONN_NEW_DATA: return "NEW_DATA";
	case MOS_ON_ERROR: return "ERROR";
	case MOS_ON_TIMEOUT: return "TIMEOUT";
	case MOS_ON_TCP_STATE_CHANGE: return "STATE_CHANGE";
	case MOS_ON_ORPHAN: return "ORPHAN";
	case MOS_ON_REXMIT: return "REXMIT";
	case MOS_ON_CONN_END: return "CONN_END";
	default:
		snprintf(buf, sizeof(buf), "UDE%llu", (unsigned long long)ev);
		return buf;
	}
}

const char *mon_state_name(int st)
{
	static const char *const names[] = {
		"CLOSED", "LISTEN", "SYN_SENT", "SYN_RCVD", "ESTABLISHED",
		"FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING",
		"LAST_ACK", "TIME_WAIT",
	};

	return st >= 0 && st <= TCP_TIME_WAIT ? names[st] : "-";
}

void mon_dump(void)
{
	int i;

	for (i = 0; i < mon_nlog; i++) {
		const struct mon_ev *e = &mon_log[i];

		printf("# %4d f=%d t=%d %s %s side=%d sock=%d cli=%s svr=%s",
		       i, e->flow, e->tag, mon_hook_name(e->hook),
		       mon_ev_name(e->ev), e->side, e->sock,
		       mon_state_name(e->st[0]), mon_state_name(e->st[1]));
		if (e->pkt_rc == 0)
			printf(" seq=%u flags=0x%02x off=%llu len=%u\n", e->seq,
			       e->flags, (unsigned long long)e->offset,
			       e->payloadlen);
		else
			printf(" pkt=errno%d\n", e->pkt_errno);
	}
}

int mon_find(int flow, int hook, event_t ev, int side, int i)
{
	int k;

	for (k = 0; k < mon_nlog; k++) {
		const struct mon_ev *e = &mon_log[k];

		if ((flow < 0 || e->flow == flow) &&
		    (!hook || e->hook == hook) && (!ev || e->ev == ev) &&
		    (side < 0 || e->side == side) && i-- == 0)
			return k;
	}
	return -1;
}

int mon_count(int flow, int hook, event_t ev, int side)
{
	int k, n = 0;

	for (k = 0; k < mon_nlog; k++) {
		const struct mon_ev *e = &mon_log[k];

		if ((flow < 0 || e->flow == flow) &&
		    (!hook || e->hook == hook) && (!ev || e->ev == ev) &&
		    (side < 0 || e->side == side))
			n++;
	}
	return n;
}

void mon_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void mon_put32(uint8_t *p, uint32_t v)
{
	mon_put16(p, (uint16_t)(v >> 16));
	mon_put16(p + 2, (uint16_t)v);
}

uint16_t mon_csum(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}
