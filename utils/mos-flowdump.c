/*
 * mos-flowdump -- write the reassembled bytes of every TCP flow, the
 * tcpflow of libmos.
 *
 *   mos-flowdump [-f mos.conf] [-r capture.pcap] [-p first|last]
 *                [-b bytes] -o OUTDIR
 *
 * OUTDIR/streams/SRC-DST holds what SRC sent to DST as DST's application
 * reads it, read with mtcp_peek() on MOS_ON_CONN_NEW_DATA (and on
 * MOS_ON_ERROR, before bytes would be overwritten); OUTDIR/flows.tsv and
 * OUTDIR/summary.txt index them.  The layout is the capture corpus's, so
 * `diff -r -x gaps.tsv EXPECTED OUTDIR` is the test.
 *
 * Each byte is written at its stream offset, so bytes mtcp_peek() reports
 * lost (a gap, or outrun) stay a sparse hole, as tcpflow leaves them, and
 * OUTDIR/gaps.tsv lists them: a user sees both where and how much is
 * missing without the stream files changing shape.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mos_api.h>

#include "app.h"
#include "capture_conf.h"

#define EP_LEN 64		/* "ADDR.PORT", IPv6 included */
#define NAME_MAX_LEN (2 * EP_LEN + 16)
#define DEFAULT_RING (1u << 20)
#define FLUSH_AT 65536		/* bytes kept per side before writing */

/* A run of bytes mtcp_peek() reported lost, at stream offsets. */
struct loss {
	uint64_t off, len;
};

struct flow_rec {
	char name[2][NAME_MAX_LEN];	/* [CLI]: client-to-server file */
	uint64_t bytes[2];		/* by sending side */
	uint64_t lost[2];
	struct loss *loss[2];		/* in stream order */
	size_t nloss[2], loss_cap[2];
	bool dirty[2];			/* last-wins rewrite pending */
	bool created[2];		/* its file exists */
	char *pend[2];			/* read, not yet written */
	size_t npend[2], cap[2];
	struct flow_rec *next;
};

struct pair_count {
	char key[2 * NAME_MAX_LEN];
	int n;
	struct pair_count *next;
};

static const char *outdir;
static int policy = MOS_OVERLAP_POLICY_FIRST;
static int ring_bytes = DEFAULT_RING;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct flow_rec *done_flows;
#define PAIR_BUCKETS 4096
static struct pair_count *pairs[PAIR_BUCKETS];
static int failures;

static void fail(const char *what)
{
	fprintf(stderr, "mos-flowdump: %s: %s\n", what, strerror(errno));
	pthread_mutex_lock(&lock);
	failures++;
	pthread_mutex_unlock(&lock);
}

static void endpoint(const struct sockaddr *sa, char *out, size_t n)
{
	char addr[INET6_ADDRSTRLEN];
	unsigned port;
	char *p;

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof(addr));
		port = ntohs(s6->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof(addr));
		port = ntohs(s4->sin_port);
	}
	for (p = addr; *p; p++)
		if (*p == ':')
			*p = '_';
	snprintf(out, n, "%s.%u", addr, port);
}

static uint32_t str_hash(const char *k)
{
	uint32_t h = 2166136261u;

	while (*k)
		h = (h ^ (uint8_t)*k++) * 16777619u;
	return h;
}

/* The k-th flow on a pair of endpoints gets "_k" (k >= 2). */
static int pair_index(const char *a, const char *b)
{
	char key[2 * NAME_MAX_LEN];
	struct pair_count **bucket, *pc;
	int k;

	if (strcmp(a, b) < 0)
		snprintf(key, sizeof(key), "%s %s", a, b);
	else
		snprintf(key, sizeof(key), "%s %s", b, a);
	pthread_mutex_lock(&lock);
	bucket = &pairs[str_hash(key) % PAIR_BUCKETS];
	for (pc = *bucket; pc; pc = pc->next)
		if (strcmp(pc->key, key) == 0)
			break;
	if (!pc) {
		pc = calloc(1, sizeof(*pc));
		if (pc) {
			snprintf(pc->key, sizeof(pc->key), "%s", key);
			pc->next = *bucket;
			*bucket = pc;
		}
	}
	k = pc ? ++pc->n : 1;
	pthread_mutex_unlock(&lock);
	return k;
}

static int open_stream(const char *name, int flags)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/streams/%s", outdir, name);
	return open(path, flags, 0644);
}

/* Where `sender`'s stream is up to: the next byte's stream offset. */
static uint64_t stream_end(const struct flow_rec *r, int sender)
{
	return r->bytes[sender] + r->lost[sender];
}

static int write_at(int fd, const char *p, size_t n, uint64_t off)
{
	while (n) {
		ssize_t w = pwrite(fd, p, n, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

/* Write what is pending for `sender`'s file at its stream offset (the
 * buffer never spans a loss: note_loss() flushes first); the first write
 * creates the file. */
static void flush_side(struct flow_rec *r, int sender)
{
	int fd, flags = O_WRONLY | O_CREAT;
	uint64_t at = stream_end(r, sender) - r->npend[sender];

	flags |= r->created[sender] ? 0 : O_TRUNC;
	if (r->created[sender] && !r->npend[sender])
		return;
	fd = open_stream(r->name[sender], flags);
	if (fd < 0 ||
	    write_at(fd, r->pend[sender], r->npend[sender], at) < 0)
		fail(r->name[sender]);
	if (fd >= 0)
		close(fd);
	r->created[sender] = true;
	r->npend[sender] = 0;
}

/* A stream that ends in a loss must still be as long as the stream was:
 * the hole at its end is part of it. */
static void finish_side(struct flow_rec *r, int sender)
{
	int fd;

	flush_side(r, sender);
	if (!r->lost[sender])
		return;
	fd = open_stream(r->name[sender], O_WRONLY);
	if (fd < 0 || ftruncate(fd, (off_t)stream_end(r, sender)) < 0)
		fail(r->name[sender]);
	if (fd >= 0)
		close(fd);
}

/* Record `n` bytes lost at the current end of `sender`'s stream; a loss
 * right after another (outrun then a gap, two gaps in a row) is one run. */
static void note_loss(struct flow_rec *r, int sender, uint64_t n)
{
	uint64_t at = stream_end(r, sender);
	size_t k = r->nloss[sender];
	struct loss *v = r->loss[sender];

	flush_side(r, sender);
	r->lost[sender] += n;
	if (k && v[k - 1].off + v[k - 1].len == at) {
		v[k - 1].len += n;
		return;
	}
	if (k == r->loss_cap[sender]) {
		size_t cap = k ? 2 * k : 4;

		v = realloc(v, cap * sizeof(*v));
		if (!v) {
			fail("realloc");
			return;
		}
		r->loss[sender] = v;
		r->loss_cap[sender] = cap;
	}
	v[k].off = at;
	v[k].len = n;
	r->nloss[sender] = k + 1;
}

/* Read what the flow's `side` ring holds past this socket's offset:
 * side MOS_SIDE_SVR holds what the client sent.  Bytes are gathered and
 * written FLUSH_AT at a time, so that a short flow costs one write. */
static void drain(mctx_t mctx, int sock, int side, struct flow_rec *r)
{
	int sender = !side;
	ssize_t n;

	for (;;) {
		if (r->npend[sender] == FLUSH_AT)
			flush_side(r, sender);
		if (r->npend[sender] == r->cap[sender]) {
			/* grow by doubling: most flows are short */
			size_t cap = r->cap[sender] ? 2 * r->cap[sender] : 4096;
			char *nb = realloc(r->pend[sender], cap);

			if (!nb) {
				fail("realloc");
				return;
			}
			r->pend[sender] = nb;
			r->cap[sender] = cap;
		}
		n = mtcp_peek(mctx, sock, side, r->pend[sender] + r->npend[sender],
			      r->cap[sender] - r->npend[sender]);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno != ENODATA) {
				fail("mtcp_peek");
				break;
			}
			note_loss(r, sender, (uint64_t)-n);
			continue;
		}
		r->npend[sender] += (size_t)n;
		r->bytes[sender] += (uint64_t)n;
	}
}

static void on_start(mctx_t mctx, int sock, int side, event_t ev,
		     filter_arg_t *arg)
{
	struct sockaddr_in6 sa[2];
	socklen_t len = sizeof(sa);
	char a[EP_LEN], b[EP_LEN], sfx[12] = "";
	struct flow_rec *r;
	char path[PATH_MAX];
	const struct sockaddr *svr;
	int k;

	(void)side, (void)ev, (void)arg;
	if (mtcp_getpeername(mctx, sock, (struct sockaddr *)sa, &len,
			     MOS_SIDE_BOTH) < 0) {
		fail("mtcp_getpeername");
		return;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		fail("calloc");
		return;
	}
	svr = (const struct sockaddr *)((const char *)sa + len / 2);
	endpoint((const struct sockaddr *)sa, a, sizeof(a));
	endpoint(svr, b, sizeof(b));
	snprintf(path, sizeof(path), "%s/streams", outdir);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		fail(path);
	k = pair_index(a, b);
	if (k > 1)
		snprintf(sfx, sizeof(sfx), "_%d", k);
	snprintf(r->name[MOS_SIDE_CLI], NAME_MAX_LEN, "%s-%s%s", a, b, sfx);
	snprintf(r->name[MOS_SIDE_SVR], NAME_MAX_LEN, "%s-%s%s", b, a, sfx);
	if (policy == MOS_OVERLAP_POLICY_LAST &&
	    (mtcp_setsockopt(mctx, sock, SOL_MONSOCKET, MOS_CLIOVERLAP,
			     &policy, sizeof(policy)) < 0 ||
	     mtcp_setsockopt(mctx, sock, SOL_MONSOCKET, MOS_SVROVERLAP,
			     &policy, sizeof(policy)) < 0))
		fail("MOS_CLIOVERLAP");
	mtcp_set_uctx(mctx, sock, r);
}

static void on_data(mctx_t mctx, int sock, int side, event_t ev,
		    filter_arg_t *arg)
{
	struct flow_rec *r = mtcp_get_uctx(mctx, sock);

	(void)ev, (void)arg;
	if (r)
		drain(mctx, sock, side, r);
}

/* Last-wins: bytes already written may have been replaced by a later copy;
 * write the new copy over them once the receiver has stored it. */
static void on_rexmit(mctx_t mctx, int sock, int side, event_t ev,
		      filter_arg_t *arg)
{
	struct flow_rec *r = mtcp_get_uctx(mctx, sock);

	(void)ev, (void)arg;
	if (r)
		r->dirty[side] = true;
}

static void on_pkt_rcv(mctx_t mctx, int sock, int side, event_t ev,
		       filter_arg_t *arg)
{
	struct flow_rec *r = mtcp_get_uctx(mctx, sock);
	struct pkt_info pi;
	uint64_t off, end, written;
	char buf[65536];
	int fd;

	(void)ev, (void)arg;
	if (!r || !r->dirty[side])
		return;
	r->dirty[side] = false;
	flush_side(r, !side);
	if (mtcp_getlastpkt(mctx, sock, side, &pi) < 0 || !pi.payloadlen)
		return;
	written = stream_end(r, !side);
	end = pi.offset + pi.payloadlen < written ? pi.offset + pi.payloadlen
						  : written;
	fd = open_stream(r->name[!side], O_WRONLY);
	for (off = pi.offset; fd >= 0 && off < end;) {
		size_t want = end - off < sizeof(buf) ? end - off : sizeof(buf);
		ssize_t n = mtcp_ppeek(mctx, sock, side, buf, want, off);

		if (n <= 0 || pwrite(fd, buf, (size_t)n, (off_t)off) != n)
			break;
		off += (uint64_t)n;
	}
	if (fd >= 0)
		close(fd);
}

static void on_end(mctx_t mctx, int sock, int side, event_t ev,
		   filter_arg_t *arg)
{
	struct flow_rec *r = mtcp_get_uctx(mctx, sock);

	(void)side, (void)ev, (void)arg;
	if (!r)
		return;		/* the second delivery */
	drain(mctx, sock, MOS_SIDE_CLI, r);
	drain(mctx, sock, MOS_SIDE_SVR, r);
	for (int i = 0; i < 2; i++) {
		finish_side(r, i);
		free(r->pend[i]);
		r->pend[i] = NULL;
		r->cap[i] = 0;
	}
	mtcp_set_uctx(mctx, sock, NULL);
	pthread_mutex_lock(&lock);
	r->next = done_flows;
	done_flows = r;
	pthread_mutex_unlock(&lock);
}

static int setup_context(mctx_t mctx, void *arg)
{
	int sock = mtcp_socket(mctx, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);

	(void)arg;
	if (sock < 0) {
		fail("mtcp_socket");
		return -1;
	}
	if (mtcp_setsockopt(mctx, sock, SOL_MONSOCKET, MOS_CLIBUF, &ring_bytes,
			    sizeof(ring_bytes)) < 0 ||
	    mtcp_setsockopt(mctx, sock, SOL_MONSOCKET, MOS_SVRBUF, &ring_bytes,
			    sizeof(ring_bytes)) < 0) {
		fail("MOS_CLIBUF");
		return -1;
	}
	if (mtcp_register_callback(mctx, sock, MOS_ON_CONN_START, MOS_HK_SND,
				   on_start) < 0 ||
	    mtcp_register_callback(mctx, sock, MOS_ON_CONN_NEW_DATA, MOS_NULL,
				   on_data) < 0 ||
	    mtcp_register_callback(mctx, sock, MOS_ON_ERROR, MOS_NULL,
				   on_data) < 0 ||
	    mtcp_register_callback(mctx, sock, MOS_ON_CONN_END, MOS_HK_SND,
				   on_end) < 0) {
		fail("mtcp_register_callback");
		return -1;
	}
	if (policy == MOS_OVERLAP_POLICY_LAST &&
	    (mtcp_register_callback(mctx, sock, MOS_ON_REXMIT, MOS_HK_RCV,
				    on_rexmit) < 0 ||
	     mtcp_register_callback(mctx, sock, MOS_ON_PKT_IN, MOS_HK_RCV,
				    on_pkt_rcv) < 0)) {
		fail("mtcp_register_callback");
		return -1;
	}
	return 0;
}

static int cmp_rec(const void *a, const void *b)
{
	const struct flow_rec *x = *(struct flow_rec *const *)a;
	const struct flow_rec *y = *(struct flow_rec *const *)b;

	return strcmp(x->name[0], y->name[0]);
}

/* gaps.tsv: one line per loss run, in flows.tsv's order; the flow is
 * named by its flows.tsv first column and the side by its stream file. */
static void print_gaps(FILE *f, const struct flow_rec *r)
{
	int first = strcmp(r->name[0], r->name[1]) < 0 ? 0 : 1;

	for (int k = 0; k < 2; k++) {
		int s = k ? !first : first;

		for (size_t j = 0; j < r->nloss[s]; j++)
			fprintf(f, "%s\t%s\t%llu\t%llu\n", r->name[0],
				r->name[s],
				(unsigned long long)r->loss[s][j].off,
				(unsigned long long)r->loss[s][j].len);
	}
}

static int write_gaps(struct flow_rec *const *v, size_t n)
{
	char path[PATH_MAX];
	uint64_t runs = 0, bytes = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/gaps.tsv", outdir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "#flow\tstream\toffset\tlength\n");
	for (size_t i = 0; i < n; i++) {
		print_gaps(f, v[i]);
		for (int s = 0; s < 2; s++) {
			runs += v[i]->nloss[s];
			bytes += v[i]->lost[s];
		}
	}
	if (runs)
		fprintf(stderr, "mos-flowdump: %llu bytes missed in %llu gaps "
				"(%s)\n", (unsigned long long)bytes,
			(unsigned long long)runs, path);
	return fclose(f);
}

/* flows.tsv, in the corpus's order; adds up the bytes for summary.txt */
static int write_flows(struct flow_rec *const *v, size_t n, uint64_t tot[2])
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/flows.tsv", outdir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "#a_to_b\tb_to_a\tbytes_a_to_b\tbytes_b_to_a\n");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s\t%s\t%llu\t%llu\n", v[i]->name[0], v[i]->name[1],
			(unsigned long long)v[i]->bytes[0],
			(unsigned long long)v[i]->bytes[1]);
		tot[0] += v[i]->bytes[0];
		tot[1] += v[i]->bytes[1];
	}
	return fclose(f);
}

static int write_index(void)
{
	struct flow_rec *r, **v;
	uint64_t tot[2] = { 0, 0 };
	char path[PATH_MAX];
	size_t n = 0, i;
	FILE *f;
	int rc;

	for (r = done_flows; r; r = r->next)
		n++;
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -1;
	for (i = 0, r = done_flows; r; r = r->next)
		v[i++] = r;
	qsort(v, n, sizeof(*v), cmp_rec);	/* bytewise, as LC_ALL=C */
	rc = write_flows(v, n, tot) < 0 || write_gaps(v, n) < 0 ? -1 : 0;
	free(v);
	if (rc < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/summary.txt", outdir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "flows %zu\nbytes_a_to_b %llu\nbytes_b_to_a %llu\n", n,
		(unsigned long long)tot[0], (unsigned long long)tot[1]);
	return fclose(f);
}

/* mkdir -p */
static int make_dirs(const char *dir)
{
	char path[PATH_MAX], *p;

	snprintf(path, sizeof(path), "%s", dir);
	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(path, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: mos-flowdump [-f mos.conf] [-r capture.pcap] "
		   "[-p first|last] [-b bytes] -o OUTDIR\n");
}

static void free_all(void)
{
	while (done_flows) {
		struct flow_rec *r = done_flows;

		done_flows = r->next;
		free(r->loss[0]);
		free(r->loss[1]);
		free(r);
	}
	for (int i = 0; i < PAIR_BUCKETS; i++) {
		while (pairs[i]) {
			struct pair_count *pc = pairs[i];

			pairs[i] = pc->next;
			free(pc);
		}
	}
}

int main(int argc, char **argv)
{
	const char *conf = NULL, *capture = NULL;
	const char *tmpconf = NULL;
	struct mos_app app;
	int opt, rc;

	while ((opt = getopt(argc, argv, "f:r:p:b:o:h")) != -1) {
		switch (opt) {
		case 'f': conf = optarg; break;
		case 'r': capture = optarg; break;
		case 'o': outdir = optarg; break;
		case 'b': ring_bytes = atoi(optarg); break;
		case 'p':
			if (strcmp(optarg, "last") == 0)
				policy = MOS_OVERLAP_POLICY_LAST;
			else if (strcmp(optarg, "first") != 0) {
				usage(stderr);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!outdir || (!conf && !capture) || (conf && capture) ||
	    ring_bytes <= 0 || optind != argc) {
		usage(stderr);
		return 2;
	}
	/* streams/ itself appears with the first flow, as in the corpus */
	if (make_dirs(outdir) < 0) {
		fail(outdir);
		return 1;
	}
	if (capture &&
	    !(tmpconf = mos_capture_config("mos-flowdump", capture)))
		return 1;
	rc = mtcp_init(tmpconf ? tmpconf : conf);
	if (tmpconf)
		unlink(tmpconf);
	if (rc < 0)
		return 1;	/* mtcp_init said why */
	if (mos_app_cores(&app, "mos-flowdump", "-c", 0) < 0 ||
	    mos_app_contexts(&app, setup_context, NULL) < 0) {
		free_all();
		return 1;
	}
	mos_app_wait(&app, "dumping");
	mos_app_end(&app);
	if (write_index() < 0)
		fail("index");
	free_all();
	return failures ? 1 : 0;
}
