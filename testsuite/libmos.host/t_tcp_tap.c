/*
 * t_tcp_tap.c -- the TCP engine against Linux TCP through a TAP device in
 * a network namespace of its own (no DPDK): Linux clients (curl, socat,
 * python3) talk to small servers on the engine, the engine connects to
 * Linux listeners (socat); files of 1 KB, 1 MB and 20 MB are compared by
 * SHA-256; closed ports must be refused with RST both ways; the lossy
 * cases drop a seeded share of the frames in both directions here.
 *
 * Usage: t_tcp_tap [probe|clean|quick]: probe only checks that it can run
 * (root, /dev/net/tun, the tools; else "skip - why"), clean leaves out
 * the lossy runs, quick leaves out the lossy 20 MB ones.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "pkt_parse.h"
#include "host/tcp.h"
#include "tap.h"

#define TAPNAME "mostap0"
#define LINUX_IP "10.9.0.1"
#define ENGINE_IP "10.9.0.2"
#define NFRAMES 1024
#define FROOM 2048
#define MAXAPPS 64

struct tapenv {
	int fd;
	uint8_t mac[6], peer_mac[6];
	uint32_t ip, peer_ip;
	double loss;		/* share of frames dropped each way */
	double dup, reorder;	/* shares duplicated / held back one frame */
	uint64_t rng;
	uint64_t rx, tx, rx_drop, tx_drop, rx_bad;
	struct mos_frame *free[NFRAMES];
	int nfree;
};

static struct tapenv E;

/* A frame held back to be delivered after the next one (reordering). */
struct held {
	uint8_t b[FROOM];
	uint32_t len;
	uint64_t since;
};
static struct held hold_tx, hold_rx;
static struct mos_tcp *eng;
static char tmpdir[64];

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* xorshift64*: the impairment's seeded randomness */
static bool chance(double p)
{
	uint64_t x;

	if (p <= 0)
		return false;
	x = E.rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	E.rng = x;
	return (double)((x * 0x2545f4914f6cdd1dull) >> 11) / 9007199254740992.0 <
	       p;
}

static bool lose(void)
{
	return chance(E.loss);
}

static uint64_t now_us(void);

static void tap_write(const uint8_t *b, uint32_t len)
{
	if (write(E.fd, b, len) == (ssize_t)len)
		E.tx++;
}

static struct mos_frame *env_alloc(void *arg)
{
	(void)arg;
	return E.nfree ? E.free[--E.nfree] : NULL;
}

static void env_xmit(void *arg, struct mos_frame *f, uint32_t saddr,
		     uint32_t daddr)
{
	(void)arg;
	(void)saddr;
	(void)daddr;
	memcpy(f->data, E.peer_mac, 6);
	memcpy(f->data + 6, E.mac, 6);
	f->data[12] = 0x08;
	f->data[13] = 0x00;
	if (f->len && lose()) {
		E.tx_drop++;
	} else if (f->len) {
		if (!hold_tx.len && chance(E.reorder)) {
			memcpy(hold_tx.b, f->data, f->len);
			hold_tx.len = f->len;
			hold_tx.since = now_us();
		} else {
			tap_write(f->data, f->len);
			if (chance(E.dup))
				tap_write(f->data, f->len);
			if (hold_tx.len) {	/* the held one, after this */
				tap_write(hold_tx.b, hold_tx.len);
				hold_tx.len = 0;
			}
		}
	}
	E.free[E.nfree++] = f;
}

static int tap_open(void)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK);

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	strcpy(ifr.ifr_name, TAPNAME);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int get_mac(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM, 0), r;

	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, ifname);
	r = ioctl(s, SIOCGIFHWADDR, &ifr);
	close(s);
	if (r == 0)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return r;
}

/* ARP requests for the engine's address are answered here. */
static void arp_input(const uint8_t *f, size_t len)
{
	uint8_t r[42];
	uint32_t tip;

	if (len < 42 || f[20] != 0 || f[21] != 1)
		return;
	memcpy(&tip, f + 38, 4);
	if (tip != E.ip)
		return;
	memcpy(r, f + 6, 6);
	memcpy(r + 6, E.mac, 6);
	r[12] = 0x08;
	r[13] = 0x06;
	memcpy(r + 14, f + 14, 6);	/* htype, ptype, hlen, plen */
	r[20] = 0;
	r[21] = 2;
	memcpy(r + 22, E.mac, 6);
	memcpy(r + 28, &E.ip, 4);
	memcpy(r + 32, f + 22, 10);	/* sender hw + ip become target */
	if (write(E.fd, r, sizeof(r)) != (ssize_t)sizeof(r))
		E.rx_bad++;
}

static void deliver(uint8_t *b, uint32_t len)
{
	struct mos_frame f;

	memset(&f, 0, sizeof(f));
	f.data = b;
	f.len = len;
	f.room = len;
	f.kind = mos_pkt_parse(&f.pkt, b, len, false);
	mos_tcp_input(eng, &f, now_us());
}

/* A frame held back too long goes out anyway. */
static void flush_held(void)
{
	uint64_t now = now_us();

	if (hold_tx.len && now - hold_tx.since > 2000) {
		tap_write(hold_tx.b, hold_tx.len);
		hold_tx.len = 0;
	}
	if (hold_rx.len && now - hold_rx.since > 2000) {
		deliver(hold_rx.b, hold_rx.len);
		hold_rx.len = 0;
	}
}

static void rx_all(void)
{
	static uint8_t buf[FROOM * 8];
	struct mos_pkt p;

	for (int i = 0; i < 512; i++) {
		ssize_t n = read(E.fd, buf, sizeof(buf));
		int kind;

		if (n <= 0)
			break;
		if (n >= 14 && buf[12] == 0x08 && buf[13] == 0x06) {
			arp_input(buf, (size_t)n);
			continue;
		}
		kind = mos_pkt_parse(&p, buf, (uint32_t)n, false);
		if ((kind != MOS_PKT_TCP && kind != MOS_MAL_TCP_CSUM) ||
		    p.ipver != 4 || p.daddr.v4 != E.ip)
			continue;
		E.rx++;
		if (lose()) {
			E.rx_drop++;
			continue;
		}
		if (!hold_rx.len && n <= FROOM && chance(E.reorder)) {
			memcpy(hold_rx.b, buf, (size_t)n);
			hold_rx.len = (uint32_t)n;
			hold_rx.since = now_us();
			continue;
		}
		deliver(buf, (uint32_t)n);
		if (chance(E.dup))
			deliver(buf, (uint32_t)n);
		if (hold_rx.len) {
			deliver(hold_rx.b, hold_rx.len);
			hold_rx.len = 0;
		}
	}
	flush_held();
}

/* --- what runs on the engine */

enum app_kind { APP_SINK, APP_HTTP, APP_SEND, APP_RECV, APP_ECHO };

struct app {
	enum app_kind kind;
	struct mos_tcb *t;
	int fd;			/* file sent or written */
	uint64_t off, size;
	char hdr[256];
	size_t hdr_len, hdr_off;
	char req[1024];
	size_t req_len;
	bool done, failed;
	bool ready;		/* set up: step it */
	int err;
	uint64_t bytes;
};

static struct app apps[MAXAPPS];
static int napps;
static struct mos_tcb *lsink, *lhttp, *lecho;
static const char *http_file;

static struct app *app_new(enum app_kind k, struct mos_tcb *t)
{
	struct app *a;

	if (napps == MAXAPPS)
		return NULL;
	a = &apps[napps++];
	memset(a, 0, sizeof(*a));
	a->kind = k;
	a->t = t;
	a->fd = -1;
	mos_tcp_set_owner(t, a);
	return a;
}

static void app_finish(struct app *a, bool failed)
{
	if (a->t) {
		if (mos_tcp_state(a->t) == MOS_TCPS_CLOSED && !a->err)
			a->err = mos_tcp_so_error(a->t);
		mos_tcp_close(a->t, now_us());
	}
	a->t = NULL;
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	a->done = true;
	a->failed = failed;
}

static bool app_error(struct app *a)
{
	if (mos_tcp_state(a->t) == MOS_TCPS_CLOSED) {
		a->err = mos_tcp_so_error(a->t);
		app_finish(a, a->err != 0);
		return true;
	}
	return false;
}

/* Read everything into a->fd until EOF, then close. */
static void step_sink(struct app *a)
{
	static uint8_t buf[65536];
	size_t n;

	while ((n = mos_tcp_recv(a->t, buf, sizeof(buf), false, now_us()))) {
		if (write(a->fd, buf, n) != (ssize_t)n) {
			app_finish(a, true);
			return;
		}
		a->bytes += n;
	}
	if (mos_tcp_eof(a->t)) {
		app_finish(a, false);
		return;
	}
	app_error(a);
}

/* Send a->hdr, then the file, then close. */
static void step_send(struct app *a)
{
	static uint8_t buf[65536];
	uint64_t t0 = now_us();

	if (app_error(a))
		return;
	while (a->hdr_off < a->hdr_len) {
		size_t n = mos_tcp_send(a->t, a->hdr + a->hdr_off,
					a->hdr_len - a->hdr_off, t0);
		if (!n)
			return;
		a->hdr_off += n;
	}
	while (a->off < a->size) {
		size_t want = mos_tcp_writable(a->t), n;
		ssize_t r;

		if (!want)
			return;
		if (want > sizeof(buf))
			want = sizeof(buf);
		if (want > a->size - a->off)
			want = (size_t)(a->size - a->off);
		r = pread(a->fd, buf, want, (off_t)a->off);
		if (r <= 0) {
			app_finish(a, true);
			return;
		}
		n = mos_tcp_send(a->t, buf, (size_t)r, t0);
		a->off += n;
		a->bytes += n;
		if (n < (size_t)r)
			return;
	}
	app_finish(a, false);
}

/* Everything read is written back; EOF once all is echoed: close. */
static void step_echo(struct app *a)
{
	static uint8_t buf[65536];
	size_t n, w;

	for (;;) {
		n = mos_tcp_readable(a->t);
		w = mos_tcp_writable(a->t);
		if (n > w)
			n = w;
		if (n > sizeof(buf))
			n = sizeof(buf);
		if (!n)
			break;
		n = mos_tcp_recv(a->t, buf, n, false, now_us());
		if (mos_tcp_send(a->t, buf, n, now_us()) != n) {
			app_finish(a, true);
			return;
		}
		a->bytes += n;
	}
	if (mos_tcp_eof(a->t)) {
		app_finish(a, false);
		return;
	}
	app_error(a);
}

/* HTTP/1.0 GET of one file: the request, then step_send. */
static void step_http(struct app *a)
{
	struct stat st;
	size_t n;

	if (a->hdr_len) {
		step_send(a);
		return;
	}
	n = mos_tcp_recv(a->t, a->req + a->req_len,
			 sizeof(a->req) - 1 - a->req_len, false, now_us());
	a->req_len += n;
	a->req[a->req_len] = 0;
	if (!strstr(a->req, "\r\n\r\n")) {
		if (mos_tcp_eof(a->t) || a->req_len == sizeof(a->req) - 1)
			app_finish(a, true);
		else
			app_error(a);
		return;
	}
	a->fd = open(http_file, O_RDONLY);
	if (a->fd < 0 || fstat(a->fd, &st) < 0) {
		app_finish(a, true);
		return;
	}
	a->size = (uint64_t)st.st_size;
	a->hdr_len = (size_t)snprintf(a->hdr, sizeof(a->hdr),
		"HTTP/1.0 200 OK\r\nContent-Length: %llu\r\n"
		"Content-Type: application/octet-stream\r\n"
		"Connection: close\r\n\r\n", (unsigned long long)a->size);
	step_send(a);
}

static const char *sink_path;

static void accept_all(void)
{
	struct mos_tcb *t;
	struct app *a;

	while (lsink && (t = mos_tcp_accept(lsink, NULL))) {
		a = app_new(APP_SINK, t);
		if (!a) {
			mos_tcp_abort(t, now_us());
			continue;
		}
		a->fd = open(sink_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		a->ready = true;
	}
	while (lecho && (t = mos_tcp_accept(lecho, NULL))) {
		a = app_new(APP_ECHO, t);
		if (!a)
			mos_tcp_abort(t, now_us());
		else
			a->ready = true;
	}
	while (lhttp && (t = mos_tcp_accept(lhttp, NULL))) {
		a = app_new(APP_HTTP, t);
		if (!a)
			mos_tcp_abort(t, now_us());
		else
			a->ready = true;
	}
}

static void step_apps(void)
{
	accept_all();
	for (int i = 0; i < napps; i++) {
		struct app *a = &apps[i];

		if (a->done || !a->t || !a->ready)
			continue;
		if (mos_tcp_state(a->t) == MOS_TCPS_SYN_SENT ||
		    mos_tcp_state(a->t) == MOS_TCPS_SYN_RECEIVED)
			continue;
		switch (a->kind) {
		case APP_SINK:
		case APP_RECV:
			step_sink(a);
			break;
		case APP_HTTP:
			step_http(a);
			break;
		case APP_SEND:
			step_send(a);
			break;
		case APP_ECHO:
			step_echo(a);
			break;
		}
	}
}

/* One turn of the loop: frames in, timers, the apps. */
static void turn(int wait_ms)
{
	struct pollfd p = { E.fd, POLLIN, 0 };
	uint64_t due = mos_tcp_next_due(eng), now = now_us();

	if (due != UINT64_MAX && due <= now)
		wait_ms = 0;
	else if (due != UINT64_MAX && (due - now) / 1000 < (uint64_t)wait_ms)
		wait_ms = (int)((due - now) / 1000);
	poll(&p, 1, wait_ms);
	rx_all();
	mos_tcp_timers(eng, now_us());
	step_apps();
}

/* --- Linux side */

static pid_t spawn(const char *cmd)
{
	pid_t pid = fork();

	if (pid == 0) {
		/* the Linux peers go with the test, however it ends */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Run the loop until the child exits and cond() holds, or timeout. */
static int run_until(pid_t pid, bool (*cond)(void), int timeout_s,
		     int *status)
{
	uint64_t end = now_us() + (uint64_t)timeout_s * 1000000u;
	bool exited = pid <= 0;

	*status = -1;
	while (now_us() < end) {
		turn(1);
		if (!exited && waitpid(pid, status, WNOHANG) == pid)
			exited = true;
		if (exited && (!cond || cond()))
			return 0;
	}
	if (!exited) {
		kill(pid, SIGKILL);
		waitpid(pid, status, 0);
	}
	return -1;
}

static int sha256(const char *path, char out[65])
{
	char cmd[256];
	FILE *p;
	int r = -1;

	snprintf(cmd, sizeof(cmd), "sha256sum '%s'", path);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (fscanf(p, "%64s", out) == 1)
		r = 0;
	pclose(p);
	return r;
}

static bool same_file(const char *a, const char *b)
{
	char ha[65], hb[65];

	return sha256(a, ha) == 0 && sha256(b, hb) == 0 && !strcmp(ha, hb);
}

static bool apps_done(void)
{
	for (int i = 0; i < napps; i++)
		if (!apps[i].done)
			return false;
	return napps > 0;
}

static bool any_failed(void)
{
	for (int i = 0; i < napps; i++)
		if (apps[i].failed)
			return true;
	return false;
}

static void reset_apps(void)
{
	for (int i = 0; i < napps; i++)
		if (!apps[i].done)
			app_finish(&apps[i], true);
	napps = 0;
}

/* Let the engine finish its closes (FIN, TIME_WAIT is 0 here). */
static void settle(int ms)
{
	uint64_t end = now_us() + (uint64_t)ms * 1000u;

	while (now_us() < end)
		turn(1);
}

static char *path(const char *name)
{
	static char b[8][160];
	static int i;

	i = (i + 1) % 8;
	snprintf(b[i], sizeof(b[i]), "%s/%s", tmpdir, name);
	return b[i];
}

static int make_file(const char *p, size_t size)
{
	static uint8_t buf[65536];
	int in = open("/dev/urandom", O_RDONLY), out;
	size_t done = 0;

	out = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (in < 0 || out < 0)
		return -1;
	while (done < size) {
		size_t n = size - done < sizeof(buf) ? size - done : sizeof(buf);

		if (read(in, buf, n) != (ssize_t)n ||
		    write(out, buf, n) != (ssize_t)n)
			return -1;
		done += n;
	}
	close(in);
	close(out);
	return 0;
}

static const char *impair_tag(void)
{
	if (E.loss > 0 && (E.dup > 0 || E.reorder > 0))
		return " 2% lost, 1% duplicated, 1% reordered";
	return E.loss > 0 ? " 2% lost" : "";
}

static const char *size_name(size_t size)
{
	return size == 1000 ? "1KB" : size == 1000000 ? "1MB" : "20MB";
}

static double secs(uint64_t t0)
{
	return (double)(now_us() - t0) / 1e6;
}

/* Linux curl downloads a file from the engine's HTTP server. */
static void case_curl(size_t size, const char *src)
{
	char cmd[512], tag[64];
	int st;
	uint64_t t0 = now_us();

	snprintf(tag, sizeof(tag), "%s%s", size_name(size),
		 impair_tag());
	http_file = src;
	snprintf(cmd, sizeof(cmd), "curl -s -S --max-time 100 -o '%s' "
		 "http://" ENGINE_IP ":8080/f", path("curl.out"));
	unlink(path("curl.out"));
	run_until(spawn(cmd), apps_done, 110, &st);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 && !any_failed() &&
	   same_file(src, path("curl.out")),
	   "curl GET from the engine, %s: intact (SHA-256)", tag);
	printf("# %.2f s\n", secs(t0));
	reset_apps();
	settle(50);
}

/* Linux socat sends a file to the engine's sink. */
static void case_socat_to_engine(size_t size, const char *src)
{
	char cmd[512], tag[64];
	int st;
	uint64_t t0 = now_us();

	snprintf(tag, sizeof(tag), "%s%s", size_name(size),
		 impair_tag());
	sink_path = path("sink.out");
	snprintf(cmd, sizeof(cmd), "socat -u OPEN:'%s' TCP:" ENGINE_IP ":7001",
		 src);
	run_until(spawn(cmd), apps_done, 110, &st);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 && !any_failed() &&
	   same_file(src, sink_path),
	   "socat sends to the engine, %s: intact (SHA-256)", tag);
	printf("# %.2f s\n", secs(t0));
	reset_apps();
	settle(50);
}

/* python3 sends a file and reads the echo at the same time. */
static void case_echo(size_t size, const char *src)
{
	char cmd[1024], tag[64];
	int st;
	uint64_t t0 = now_us();

	snprintf(tag, sizeof(tag), "%s%s", size_name(size), impair_tag());
	snprintf(cmd, sizeof(cmd), "exec python3 -c \"\n"
		 "import socket,sys,threading,hashlib\n"
		 "d=open('%s','rb').read()\n"
		 "s=socket.create_connection(('" ENGINE_IP "',7002),timeout=60)\n"
		 "def w():\n s.sendall(d)\n s.shutdown(socket.SHUT_WR)\n"
		 "th=threading.Thread(target=w)\nth.start()\n"
		 "h=hashlib.sha256()\nn=0\n"
		 "while True:\n b=s.recv(65536)\n if not b: break\n"
		 " h.update(b)\n n+=len(b)\n"
		 "th.join()\n"
		 "sys.exit(0 if n==len(d) and h.digest()==hashlib.sha256(d).digest()"
		 " else 4)\"", src);
	run_until(spawn(cmd), apps_done, 110, &st);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 && !any_failed(),
	   "python3 to the engine's echo, %s both ways at once: intact "
	   "(SHA-256)", tag);
	printf("# %.2f s\n", secs(t0));
	reset_apps();
	settle(50);
}

/* Many curl downloads at once. */
static void case_parallel(int n, size_t size, const char *src)
{
	char cmd[8192], tag[64];
	size_t off;
	int st, good = 0;
	uint64_t t0 = now_us();

	snprintf(tag, sizeof(tag), "%s%s", size_name(size), impair_tag());
	http_file = src;
	off = (size_t)snprintf(cmd, sizeof(cmd), "curl -s -S --no-progress-meter --max-time 100 -Z "
			       "--parallel-max %d", n);
	for (int i = 0; i < n; i++) {
		char name[32];

		snprintf(name, sizeof(name), "par%d.out", i);
		unlink(path(name));
		off += (size_t)snprintf(cmd + off, sizeof(cmd) - off,
					" -o '%s' http://" ENGINE_IP ":8080/%d",
					path(name), i);
	}
	run_until(spawn(cmd), NULL, 110, &st);
	run_until(0, apps_done, 10, &st);
	for (int i = 0; i < n; i++) {
		char name[32];

		snprintf(name, sizeof(name), "par%d.out", i);
		good += same_file(src, path(name));
	}
	ok(good == n && napps == n && !any_failed(),
	   "%d curl downloads at once from the engine, %s each: all intact",
	   n, tag);
	if (good != n)
		printf("# %d of %d intact, %d connections\n", good, n, napps);
	printf("# %.2f s\n", secs(t0));
	reset_apps();
	settle(50);
}

static uint16_t next_sport = 41000;

/* The engine connects to port, retrying while Linux's listener is not
 * up yet (refused); returns the app. */
static struct app *engine_connect(enum app_kind k, uint16_t port)
{
	uint64_t end = now_us() + 10000000u;

	while (now_us() < end) {
		struct mos_tcb *t = mos_tcp_connect(eng, E.ip, htons(next_sport++),
						    E.peer_ip, htons(port), &end,
						    now_us());
		struct app *a;

		if (!t)
			return NULL;
		a = app_new(k, t);
		while (mos_tcp_state(t) == MOS_TCPS_SYN_SENT ||
		       mos_tcp_state(t) == MOS_TCPS_SYN_RECEIVED)
			turn(1);
		if (mos_tcp_state(t) != MOS_TCPS_CLOSED)
			return a;
		mos_tcp_close(t, now_us());
		napps--;
		settle(50);
	}
	return NULL;
}

/* The engine sends a file to a Linux socat listener. */
static void case_engine_to_socat(size_t size, const char *src)
{
	char cmd[512], tag[64];
	struct app *a;
	int st = -1;
	pid_t pid;
	struct stat sb;
	uint64_t t0 = now_us();

	snprintf(tag, sizeof(tag), "%s%s", size_name(size),
		 impair_tag());
	unlink(path("socat.out"));
	snprintf(cmd, sizeof(cmd), "exec socat -u TCP-LISTEN:6001,reuseaddr "
		 "CREATE:'%s'", path("socat.out"));
	pid = spawn(cmd);
	a = engine_connect(APP_SEND, 6001);
	if (a) {
		a->fd = open(src, O_RDONLY);
		fstat(a->fd, &sb);
		a->size = (uint64_t)sb.st_size;
		a->ready = true;
		run_until(pid, apps_done, 110, &st);
	} else {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	ok(a && WIFEXITED(st) && WEXITSTATUS(st) == 0 && !any_failed() &&
	   same_file(src, path("socat.out")),
	   "engine connects and sends to socat, %s: intact (SHA-256)", tag);
	printf("# %.2f s\n", secs(t0));
	reset_apps();
	settle(50);
}

/* The engine connects to a Linux socat that sends a file. */
static void case_socat_to_engine_active(size_t size, const char *src)
{
	char cmd[512], tag[64];
	struct app *a;
	int st = -1;
	pid_t pid;
	uint64_t t0 = now_us();

	snprintf(tag, sizeof(tag), "%s%s", size_name(size),
		 impair_tag());
	snprintf(cmd, sizeof(cmd), "exec socat -u OPEN:'%s' "
		 "TCP-LISTEN:6002,reuseaddr", src);
	pid = spawn(cmd);
	a = engine_connect(APP_RECV, 6002);
	if (a) {
		a->fd = open(path("recv.out"), O_WRONLY | O_CREAT | O_TRUNC,
			     0600);
		a->ready = true;
		run_until(pid, apps_done, 110, &st);
	} else {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	ok(a && WIFEXITED(st) && WEXITSTATUS(st) == 0 && !any_failed() &&
	   same_file(src, path("recv.out")),
	   "engine connects and receives from socat, %s: intact (SHA-256)",
	   tag);
	printf("# %.2f s\n", secs(t0));
	reset_apps();
	settle(50);
}

static void case_refused(void)
{
	struct mos_tcb *t;
	int st;
	uint64_t rst0 = mos_tcp_stats(eng)->rst_out;

	/* Linux to a closed engine port */
	run_until(spawn("exec python3 -c \"import socket,sys\n"
			"s=socket.socket()\ns.settimeout(5)\n"
			"try:\n s.connect(('" ENGINE_IP "',7999))\n"
			"except ConnectionRefusedError:\n sys.exit(0)\n"
			"sys.exit(3)\""), NULL, 20, &st);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 &&
	   mos_tcp_stats(eng)->rst_out > rst0,
	   "Linux connect to a closed engine port: refused by RST");
	/* the engine to a closed Linux port */
	t = mos_tcp_connect(eng, E.ip, htons(next_sport++), E.peer_ip,
			    htons(6999), &st, now_us());
	for (int i = 0; i < 2000 && t && mos_tcp_state(t) == MOS_TCPS_SYN_SENT;
	     i++)
		turn(1);
	ok(t && mos_tcp_state(t) == MOS_TCPS_CLOSED &&
	   mos_tcp_so_error(t) == ECONNREFUSED,
	   "engine connect to a closed Linux port: ECONNREFUSED");
	if (t)
		mos_tcp_close(t, now_us());
}

static bool have(const char *tool)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

static int setup(void)
{
	char cmd[512];

	if (geteuid() != 0) {
		printf("skip - not root: no network namespace or TAP device\n");
		return -1;
	}
	if (access("/dev/net/tun", R_OK | W_OK) != 0) {
		printf("skip - no /dev/net/tun\n");
		return -1;
	}
	if (unshare(CLONE_NEWNET) != 0) {
		printf("skip - unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return -1;
	}
	E.fd = tap_open();
	if (E.fd < 0) {
		printf("skip - TAP device: %s\n", strerror(errno));
		return -1;
	}
	snprintf(cmd, sizeof(cmd),
		 "ip link set lo up && ip link set " TAPNAME " up && "
		 "ip addr add " LINUX_IP "/24 dev " TAPNAME " && "
		 "sysctl -q -w net.ipv6.conf." TAPNAME ".disable_ipv6=1");
	if (system(cmd) != 0) {
		printf("not ok - configuring " TAPNAME "\n");
		return -1;
	}
	if (get_mac(TAPNAME, E.peer_mac) != 0)
		return -1;
	memcpy(E.mac, "\x02\x00\x00\x00\x09\x02", 6);
	inet_pton(AF_INET, ENGINE_IP, &E.ip);
	inet_pton(AF_INET, LINUX_IP, &E.peer_ip);
	for (int i = 0; i < NFRAMES; i++) {
		struct mos_frame *f = calloc(1, sizeof(*f) + FROOM);

		f->data = (uint8_t *)(f + 1);
		f->room = FROOM;
		E.free[E.nfree++] = f;
	}
	return 0;
}

static void print_stats(void)
{
	const struct mos_tcp_stats *s = mos_tcp_stats(eng);

	printf("# tap: rx %llu tx %llu dropped rx %llu tx %llu\n",
	       (unsigned long long)E.rx, (unsigned long long)E.tx,
	       (unsigned long long)E.rx_drop, (unsigned long long)E.tx_drop);
	printf("# engine: seg_in %llu seg_out %llu bytes_in %llu bytes_out "
	       "%llu retrans %llu rto %llu tlp %llu fast_retrans %llu dup_acks %llu "
	       "ooo %llu delayed_acks %llu persist %llu rst_out %llu "
	       "drop_csum %llu drop_unacceptable %llu drop_no_tcb %llu "
	       "alloc_fail %llu tcbs %u\n",
	       (unsigned long long)s->seg_in, (unsigned long long)s->seg_out,
	       (unsigned long long)s->bytes_in, (unsigned long long)s->bytes_out,
	       (unsigned long long)s->retrans_segs,
	       (unsigned long long)s->rto_fires,
	       (unsigned long long)s->tlp_probes,
	       (unsigned long long)s->fast_retrans,
	       (unsigned long long)s->dup_acks, (unsigned long long)s->ooo_segs,
	       (unsigned long long)s->delayed_acks,
	       (unsigned long long)s->persist_probes,
	       (unsigned long long)s->rst_out, (unsigned long long)s->drop_csum,
	       (unsigned long long)s->drop_unacceptable,
	       (unsigned long long)s->drop_no_tcb,
	       (unsigned long long)s->alloc_fail, s->tcbs);
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 1000, 1000000, 20000000 };
	struct mos_tcp_conf c;
	struct mos_tcp_env env = { NULL, env_alloc, env_xmit, NULL };
	bool quick = argc > 1 && !strcmp(argv[1], "quick");
	bool lossy = !(argc > 1 && !strcmp(argv[1], "clean"));
	char src[3][160];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (setup() != 0)
		return 0;
	if (!have("curl") || !have("socat") || !have("python3") ||
	    !have("sha256sum")) {
		printf("skip - curl, socat, python3 and sha256sum are needed\n");
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "probe")) {
		printf("ok - can run\n");
		return 0;
	}
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/tcptap.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		printf("not ok - mkdtemp\n");
		return 1;
	}
	memset(&c, 0, sizeof(c));
	c.rmem = 262144;
	c.wmem = 262144;
	c.max_tcbs = 256;
	c.tw_sec = 0;
	c.mss = 1460;
	c.iss_secret = (uint32_t)now_us();
	eng = mos_tcp_new(&c, &env, now_us());
	lsink = mos_tcp_listen(eng, 0, htons(7001), 16, NULL);
	lhttp = mos_tcp_listen(eng, 0, htons(8080), 64, NULL);
	lecho = mos_tcp_listen(eng, 0, htons(7002), 16, NULL);
	ok(eng && lsink && lhttp && lecho,
	   "engine up, listening on 7001, 7002 and 8080");
	for (int i = 0; i < 3; i++) {
		snprintf(src[i], sizeof(src[i]), "%s", path(size_name(sizes[i])));
		if (make_file(src[i], sizes[i]) != 0) {
			printf("not ok - making %s\n", src[i]);
			return 1;
		}
	}
	case_refused();
	for (int i = 0; i < 3; i++) {
		case_curl(sizes[i], src[i]);
		case_socat_to_engine(sizes[i], src[i]);
		case_engine_to_socat(sizes[i], src[i]);
		case_socat_to_engine_active(sizes[i], src[i]);
		case_echo(sizes[i], src[i]);
	}
	case_parallel(50, sizes[1], src[1]);
	print_stats();
	if (lossy) {
		/* 2% of the frames lost each way, seeded; then also 1%
		 * duplicated and 1% delivered after the next one */
		for (int pass = 0; pass < 2; pass++) {
			E.loss = 0.02;
			E.dup = pass ? 0.01 : 0;
			E.reorder = pass ? 0.01 : 0;
			E.rng = 0x9e3779b97f4a7c15ull + (uint64_t)pass;
			for (int i = 0; i < (quick ? 2 : 3); i++) {
				case_curl(sizes[i], src[i]);
				case_socat_to_engine(sizes[i], src[i]);
				case_engine_to_socat(sizes[i], src[i]);
				case_socat_to_engine_active(sizes[i], src[i]);
				case_echo(sizes[i], src[i]);
			}
			case_parallel(20, sizes[1], src[1]);
			print_stats();
		}
		ok(mos_tcp_stats(eng)->retrans_segs > 0 &&
		   E.rx_drop > 0 && E.tx_drop > 0,
		   "impaired runs lost frames both ways and retransmitted");
		E.loss = E.dup = E.reorder = 0;
	}
	settle(300);
	if (!ok(mos_tcp_stats(eng)->tcbs == 3,
		"every connection freed, the three listeners left"))
		printf("# %u tcbs\n", mos_tcp_stats(eng)->tcbs);
	mos_tcp_free(eng);
	snprintf(src[0], sizeof(src[0]), "rm -rf '%s'", tmpdir);
	if (system(src[0]) != 0)
		printf("# could not remove %s\n", tmpdir);
	return tap_done();
}
