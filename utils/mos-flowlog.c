/*
 * mos-flowlog -- one record per TCP connection, as Zeek's conn.log or
 * as EVE JSON lines, with Community IDs.
 *
 *   mos-flowlog [-f mos.conf | -r capture.pcap] [-F zeek|eve] [-w FILE]
 *               [-c cores] [-b bytes] [-C mos-flowlog.conf]
 *
 * A record is written when the connection ends (MOS_ON_CONN_END), and for
 * every connection still open when the input ends or the program is
 * stopped.  What the stack knows of a flow (packets, IP bytes, stream
 * bytes, gap bytes, flags, states, times) comes from one getsockopt,
 * MOS_INFO_FLOW; the history string needs the order of events, so each
 * packet is looked at once (MOS_ON_PKT_IN at MOS_HK_SND) and
 * retransmissions and gaps are heard of (MOS_ON_REXMIT, MOS_ON_ERROR).
 * Both rings are read as data arrives and the bytes thrown away: that
 * keeps memory bounded by what is out of order, and lets the stack see
 * holes that never fill (the missed bytes).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mos_api.h>

#include "app.h"
#include "capture_conf.h"
#include "flowlog_conf.h"
#include "flowlog_hist.h"
#include "flowlog_out.h"
#include "flowlog_rec.h"
#include "mos_notify.h"

#define SCRATCH 16384		/* peeked bytes are only counted */
/* as midstat's: a ring this large keeps what arrives far past a hole */
#define DEFAULT_RING (1 << 20)

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

/* What the program keeps per connection besides what the stack keeps. */
struct conn {
	struct flowlog_rec rec;		/* addresses, ports, history so far */
	struct flowlog_hist hist;
	uint32_t isn;			/* the originator's, for the ids */
	uint64_t gaps[2];		/* gap bytes already in the history */
};

static struct mos_app app;
static int ring_bytes = DEFAULT_RING;
static int idle_timeout = -1;		/* tcp_timeout, seconds */
static volatile sig_atomic_t fatal;
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t logged, latest_us;

static void die_in_callback(const char *what)
{
	/* a callback cannot unwind main(); stop everything instead */
	fprintf(stderr, "mos-flowlog: %s: %s\n", what, strerror(errno));
	fatal = 1;
	mos_app_stop(&app);
}

static void note_time(uint64_t us)
{
	pthread_mutex_lock(&count_lock);
	if (us > latest_us)
		latest_us = us;
	pthread_mutex_unlock(&count_lock);
}

/* The time to stamp the log with: the newest packet seen (the capture's
 * clock offline), or the wall clock before any. */
static uint64_t log_time(bool offline)
{
	struct timespec ts;
	uint64_t t;

	pthread_mutex_lock(&count_lock);
	t = latest_us;
	pthread_mutex_unlock(&count_lock);
	if (t || offline || clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return t;
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int flow_info(mctx_t mctx, int sock, struct mos_flow_info *fi)
{
	socklen_t len = sizeof(*fi);

	return mtcp_getsockopt(mctx, sock, SOL_MONSOCKET, MOS_INFO_FLOW, fi,
			       &len);
}

static void set_endpoints(struct conn *c, const struct sockaddr_in6 *sa,
			  socklen_t len)
{
	for (int i = 0; i < 2; i++) {
		const struct sockaddr *s =
			(const void *)((const char *)sa + i * (len / 2));

		if (s->sa_family == AF_INET6) {
			const struct sockaddr_in6 *s6 = (const void *)s;

			c->rec.family = AF_INET6;
			memcpy(c->rec.addr[i], &s6->sin6_addr, 16);
			c->rec.port[i] = ntohs(s6->sin6_port);
		} else {
			const struct sockaddr_in *s4 = (const void *)s;

			c->rec.family = AF_INET;
			memcpy(c->rec.addr[i], &s4->sin_addr, 4);
			c->rec.port[i] = ntohs(s4->sin_port);
		}
	}
}

/* The flow's first packet (its SYN) makes the record: PKT_IN comes before
 * CONN_START in a dispatch (libmos(3)), so whichever runs first does. */
static struct conn *conn_of(mctx_t mctx, int sock)
{
	struct sockaddr_in6 sa[2];
	socklen_t len = sizeof(sa);
	struct pkt_info pi;
	struct conn *c = mtcp_get_uctx(mctx, sock);

	if (c)
		return c;
	if (mtcp_getpeername(mctx, sock, (struct sockaddr *)sa, &len,
			     MOS_SIDE_BOTH) < 0) {
		die_in_callback("mtcp_getpeername");
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		die_in_callback("calloc");
		return NULL;
	}
	set_endpoints(c, sa, len);
	c->rec.first_rst = -1;
	flowlog_hist_init(&c->hist);
	if (mtcp_getlastpkt(mctx, sock, MOS_SIDE_CLI, &pi) == 0)
		c->isn = pi.seq;
	mtcp_set_uctx(mctx, sock, c);
	return c;
}

static void on_start(mctx_t mctx, int sock, int side, event_t ev,
		     filter_arg_t *arg)
{
	(void)side, (void)ev, (void)arg;
	(void)conn_of(mctx, sock);
}

/* Zeek's duration leaves out the ACK that ends a 3- or 4-way close: a
 * pure ACK once both FINs were sent does not move its end. */
static bool closing_ack(const struct conn *c, uint8_t flags, uint32_t len)
{
	return (flags & (TH_SYN | TH_FIN | TH_RST | TH_ACK)) == TH_ACK &&
	       !len && (c->rec.flags[0] & TH_FIN) && (c->rec.flags[1] & TH_FIN);
}

static void on_packet(mctx_t mctx, int sock, int side, event_t ev,
		      filter_arg_t *arg)
{
	struct conn *c = conn_of(mctx, sock);
	struct mos_flow_info fi;
	struct pkt_info pi;
	uint8_t flags;

	(void)ev, (void)arg;
	if (!c || (side != MOS_SIDE_CLI && side != MOS_SIDE_SVR))
		return;
	if (mtcp_getlastpkt(mctx, sock, side, &pi) < 0 || !pi.tcph ||
	    flow_info(mctx, sock, &fi) < 0) {
		die_in_callback("mtcp_getlastpkt");
		return;
	}
	flags = ((const uint8_t *)pi.tcph)[13];
	flowlog_hist_packet(&c->hist, side, flags, pi.seq, pi.payloadlen,
			    pi.window);
	if (!closing_ack(c, flags, pi.payloadlen))
		c->rec.dur_end_us = fi.mfi_last_us;
	c->rec.flags[side] |= flags;
	/* a RST the monitor took closes its sender's half at once */
	if ((flags & TH_RST) && c->rec.first_rst < 0 &&
	    fi.mfi_state[side] == TCP_CLOSED)
		c->rec.first_rst = side;
}

static void on_rexmit(mctx_t mctx, int sock, int side, event_t ev,
		      filter_arg_t *arg)
{
	struct conn *c = mtcp_get_uctx(mctx, sock);
	struct pkt_info pi;

	(void)ev, (void)arg;
	/* side is the receiver; only repeated payload is a 't' */
	if (c && (side == MOS_SIDE_CLI || side == MOS_SIDE_SVR) &&
	    mtcp_getlastpkt(mctx, sock, side, &pi) == 0 && pi.payloadlen)
		flowlog_hist_rexmit(&c->hist, !side);
}

/* A 'g' for each side whose gap bytes grew since last looked at. */
static void note_gaps(mctx_t mctx, int sock, struct conn *c)
{
	struct mos_flow_info fi;

	if (flow_info(mctx, sock, &fi) < 0)
		return;
	for (int s = 0; s < 2; s++) {
		if (fi.mfi_gap_bytes[s] > c->gaps[s])
			flowlog_hist_gap(&c->hist, s);
		c->gaps[s] = fi.mfi_gap_bytes[s];
	}
}

/* Read `side`'s ring to its end and forget the bytes. */
static void drain(mctx_t mctx, int sock, int side)
{
	char buf[SCRATCH];
	ssize_t n;

	/* a loss (n < 0, ENODATA) is counted by the stack as gap bytes */
	while ((n = mtcp_peek(mctx, sock, side, buf, sizeof(buf))) != 0)
		if (n < 0 && errno != ENODATA)
			break;
}

static void on_data(mctx_t mctx, int sock, int side, event_t ev,
		    filter_arg_t *arg)
{
	struct conn *c = mtcp_get_uctx(mctx, sock);

	(void)arg;
	if (!c || (side != MOS_SIDE_CLI && side != MOS_SIDE_SVR))
		return;
	if (ev == MOS_ON_ERROR)
		note_gaps(mctx, sock, c);
	drain(mctx, sock, side);
}

/* Closed (both ends done) or idle past tcp_timeout: EVE's "timeout";
 * anything else still open went with the input ("shutdown"). */
static enum flowlog_end end_reason(mctx_t mctx, int sock,
				   const struct mos_flow_info *fi)
{
	bool done0 = fi->mfi_state[0] == TCP_CLOSED ||
		     fi->mfi_state[0] == TCP_TIME_WAIT;
	bool done1 = fi->mfi_state[1] == TCP_CLOSED ||
		     fi->mfi_state[1] == TCP_TIME_WAIT;
	socklen_t len = sizeof(uint32_t);
	uint32_t last, idle;

	if (done0 && done1)
		return FLOWLOG_END_TIMEOUT;
	if (idle_timeout < 0 ||
	    mtcp_getsockopt(mctx, sock, SOL_MONSOCKET, MOS_TIMESTAMP, &last,
			    &len) < 0)
		return FLOWLOG_END_SHUTDOWN;
	/* both clocks wrap at 2^32 us; the difference does not */
	idle = mtcp_cb_get_ts(mctx) - last;
	return (uint64_t)idle + 1000u >= (uint64_t)idle_timeout * 1000000u
		       ? FLOWLOG_END_TIMEOUT : FLOWLOG_END_SHUTDOWN;
}

static void fill_record(struct conn *c, const struct mos_flow_info *fi)
{
	struct flowlog_rec *r = &c->rec;

	r->start_us = fi->mfi_start_us;
	r->last_us = fi->mfi_last_us;
	if (!r->dur_end_us)
		r->dur_end_us = r->start_us;
	for (int i = 0; i < 2; i++) {
		r->pkts[i] = fi->mfi_pkts[i];
		r->ip_bytes[i] = fi->mfi_ip_bytes[i];
		r->bytes[i] = fi->mfi_stream_bytes[i];
		r->missed[i] = fi->mfi_gap_bytes[i];
		r->flags[i] = fi->mfi_tcp_flags[i];
		r->state[i] = fi->mfi_state[i];
		if (fi->mfi_gap_bytes[i] > c->gaps[i])
			flowlog_hist_gap(&c->hist, i);
	}
	memcpy(r->history, c->hist.s, sizeof(r->history));
	flowlog_rec_ids(r, c->isn);
}

static void on_end(mctx_t mctx, int sock, int side, event_t ev,
		   filter_arg_t *arg)
{
	struct conn *c = mtcp_get_uctx(mctx, sock);
	struct mos_flow_info fi;

	(void)side, (void)ev, (void)arg;
	if (!c)
		return;		/* the second delivery finds nothing */
	/* holes given up at the end show in the gap bytes now */
	drain(mctx, sock, MOS_SIDE_CLI);
	drain(mctx, sock, MOS_SIDE_SVR);
	mtcp_set_uctx(mctx, sock, NULL);
	if (flow_info(mctx, sock, &fi) < 0) {
		free(c);
		die_in_callback("MOS_INFO_FLOW");
		return;
	}
	fill_record(c, &fi);
	c->rec.end = end_reason(mctx, sock, &fi);
	note_time(fi.mfi_last_us);
	if (flowlog_out_write(&c->rec, log_time(false)) < 0) {
		free(c);
		errno = EIO;
		die_in_callback("writing the log");
		return;
	}
	pthread_mutex_lock(&count_lock);
	logged++;
	pthread_mutex_unlock(&count_lock);
	free(c);
}

/* Once a second on each context: a reopen asked for by SIGHUP happens
 * even while no connection ends, and systemd hears how far we are. */
static void on_timer(mctx_t mctx, int id, int side, event_t ev,
		     filter_arg_t *arg)
{
	struct timeval tv = { 1, 0 };
	uint64_t n;

	(void)side, (void)ev, (void)arg;
	if (flowlog_out_poll(log_time(false)) < 0)
		fprintf(stderr, "mos-flowlog: reopening the log failed; "
				"still writing to the old file\n");
	if (mctx->cpu == 0) {
		pthread_mutex_lock(&count_lock);
		n = logged;
		pthread_mutex_unlock(&count_lock);
		mos_notify_status("%llu connections logged",
				  (unsigned long long)n);
		mos_notify_watchdog_maybe();
	}
	mtcp_settimer(mctx, id, &tv, on_timer);
}

static int register_all(mctx_t mctx, int sock)
{
	static const struct {
		event_t ev;
		int hook;
		callback_t cb;
	} cbs[] = {
		{ MOS_ON_PKT_IN, MOS_HK_SND, on_packet },
		{ MOS_ON_CONN_START, MOS_HK_SND, on_start },
		{ MOS_ON_REXMIT, MOS_HK_RCV, on_rexmit },
		{ MOS_ON_CONN_NEW_DATA, MOS_NULL, on_data },
		{ MOS_ON_ERROR, MOS_NULL, on_data },
		{ MOS_ON_CONN_END, MOS_HK_SND, on_end },
	};

	for (size_t i = 0; i < sizeof(cbs) / sizeof(cbs[0]); i++)
		if (mtcp_register_callback(mctx, sock, cbs[i].ev, cbs[i].hook,
					   cbs[i].cb) < 0)
			return -1;
	return 0;
}

static int setup(mctx_t mctx, void *arg)
{
	int sock = mtcp_socket(mctx, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);
	struct timeval tv = { 1, 0 };

	(void)arg;
	if (sock < 0) {
		perror("mos-flowlog: mtcp_socket");
		return -1;
	}
	if (mtcp_setsockopt(mctx, sock, SOL_MONSOCKET, MOS_CLIBUF, &ring_bytes,
			    sizeof(ring_bytes)) < 0 ||
	    mtcp_setsockopt(mctx, sock, SOL_MONSOCKET, MOS_SVRBUF, &ring_bytes,
			    sizeof(ring_bytes)) < 0) {
		perror("mos-flowlog: MOS_CLIBUF");
		return -1;
	}
	if (register_all(mctx, sock) < 0) {
		perror("mos-flowlog: mtcp_register_callback");
		return -1;
	}
	if (mtcp_settimer(mctx, 0, &tv, on_timer) < 0) {
		perror("mos-flowlog: mtcp_settimer");
		return -1;
	}
	return 0;
}

static void on_hup(int sig)
{
	(void)sig;
	flowlog_out_hup();
}

/* Stop as on SIGINT: the library's SIGINT handler is the one place
 * where destroying the contexts from a signal is safe (it defers the
 * join), and it calls ours (mos_app_stop_on_sigint). */
static void on_term(int sig)
{
	(void)sig;
	raise(SIGINT);
}

static int install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on_hup;
	if (sigaction(SIGHUP, &sa, NULL) < 0)
		return -1;
	sa.sa_handler = on_term;
	return sigaction(SIGTERM, &sa, NULL);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: mos-flowlog [-f mos.conf | -r capture.pcap] "
		   "[-F zeek|eve] [-w FILE]\n"
		   "                   [-c cores] [-b bytes] "
		   "[-C mos-flowlog.conf]\n");
}

static int parse_format(const char *s, enum flowlog_format *fmt)
{
	if (strcmp(s, "zeek") == 0)
		*fmt = FLOWLOG_ZEEK;
	else if (strcmp(s, "eve") == 0)
		*fmt = FLOWLOG_EVE;
	else
		return -1;
	return 0;
}

/* The settings: the command line over mos-flowlog.conf (read with -C, or
 * from its default place when the input is mos.conf, as under systemd). */
struct settings {
	const char *conf, *capture, *own, *format, *output;
	int cores;
	bool own_given;
};

static int parse_args(int argc, char **argv, struct settings *st)
{
	int opt;

	while ((opt = getopt(argc, argv, "f:r:F:w:c:b:C:h")) != -1) {
		switch (opt) {
		case 'f': st->conf = optarg; break;
		case 'r': st->capture = optarg; break;
		case 'F': st->format = optarg; break;
		case 'w': st->output = optarg; break;
		case 'c': st->cores = atoi(optarg); break;
		case 'b': ring_bytes = atoi(optarg); break;
		case 'C': st->own = optarg; st->own_given = true; break;
		case 'h': usage(stdout); exit(0);
		default: return -1;
		}
	}
	if (optind != argc || (st->conf && st->capture) || ring_bytes <= 0 ||
	    st->cores < 0)
		return -1;
	if (!st->conf && !st->capture)
		st->conf = SYSCONFDIR "/mos/mos.conf";
	return 0;
}

static int load_settings(struct settings *st, enum flowlog_format *fmt,
			 char **output)
{
	struct flowlog_conf fc = { NULL, NULL };

	if (st->own_given || !st->capture) {
		if (flowlog_conf_read(st->own, !st->own_given, &fc) < 0)
			return -1;
	}
	if (!st->format)
		st->format = fc.format ? fc.format : "zeek";
	if (parse_format(st->format, fmt) < 0) {
		fprintf(stderr, "mos-flowlog: format %s: use zeek or eve\n",
			st->format);
		flowlog_conf_free(&fc);
		return -1;
	}
	*output = strdup(st->output ? st->output
				    : fc.output ? fc.output : "-");
	flowlog_conf_free(&fc);
	return *output ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct settings st = { .own = SYSCONFDIR "/mos/mos-flowlog.conf" };
	const char *tmpconf = NULL;
	enum flowlog_format fmt;
	struct mtcp_conf mc;
	char *output;
	int rc;

	if (parse_args(argc, argv, &st) < 0) {
		usage(stderr);
		return 2;
	}
	if (load_settings(&st, &fmt, &output) < 0)
		return 2;
	if (flowlog_out_open(output, fmt) < 0) {
		free(output);
		return 1;
	}
	if (st.capture &&
	    !(tmpconf = mos_capture_config("mos-flowlog", st.capture))) {
		free(output);
		return 1;
	}
	rc = mtcp_init(tmpconf ? tmpconf : st.conf);
	if (tmpconf)
		unlink(tmpconf);
	if (rc < 0) {
		free(output);
		return 1;	/* mtcp_init printed the reason */
	}
	mtcp_getconf(&mc);
	idle_timeout = mc.tcp_timeout;
	if (install_signals() < 0 ||
	    mos_app_cores(&app, "mos-flowlog", "-c", st.cores) < 0) {
		free(output);
		return 1;
	}
	mos_app_stop_on_sigint(&app);
	if (mos_app_contexts(&app, setup, NULL) < 0) {
		free(output);
		return 1;
	}
	mos_app_wait(&app, "logging");
	mos_app_end(&app);
	if (flowlog_out_close(log_time(st.capture != NULL)) < 0) {
		fprintf(stderr, "mos-flowlog: %s: write error\n", output);
		fatal = 1;
	}
	fprintf(stderr, "mos-flowlog: %llu connections logged\n",
		(unsigned long long)logged);
	free(output);
	return fatal ? 1 : 0;
}
