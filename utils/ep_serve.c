/*
 * ep_serve.c -- see ep_serve.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ep_http.h"
#include "ep_serve.h"

#define PATH_MAX_LEN 1024

const int ep_serve_codes[EP_NCODES] = { 200, 400, 403, 404, 405, 500, 501,
					505 };

static const char *reason(int code)
{
	switch (code) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 501: return "Not Implemented";
	case 505: return "HTTP Version Not Supported";
	default: return "Internal Server Error";
	}
}

static void count(struct ep_serve_stats *st, int code)
{
	int k;

	for (k = 0; k < EP_NCODES; k++)
		if (ep_serve_codes[k] == code)
			st->replies[k]++;
}

/* The Date field (RFC 9110 5.6.7, IMF-fixdate), made once a second per
 * thread. */
static const char *http_date(void)
{
	static __thread char buf[40];
	static __thread time_t made = -1;
	time_t now = time(NULL);
	struct tm tm;

	if (now != made) {
		gmtime_r(&now, &tm);
		strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		made = now;
	}
	return buf;
}

static const char *content_type(const char *path)
{
	static const char *const types[][2] = {
		{ "html", "text/html" }, { "htm", "text/html" },
		{ "txt", "text/plain" }, { "css", "text/css" },
		{ "js", "text/javascript" }, { "json", "application/json" },
		{ "png", "image/png" }, { "jpg", "image/jpeg" },
		{ "gif", "image/gif" }, { "svg", "image/svg+xml" },
	};
	const char *dot = strrchr(path, '.');
	size_t i;

	if (dot && !strchr(dot, '/'))
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (!strcasecmp(dot + 1, types[i][0]))
				return types[i][1];
	return "application/octet-stream";
}

static void put_head(struct ep_reply *r, int code, const char *type,
		     long long length, const char *extra)
{
	int n = snprintf(r->head, sizeof(r->head),
			 "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: mos-epserver\r\n"
			 "Content-Type: %s\r\nContent-Length: %lld\r\n%s"
			 "Connection: %s\r\n\r\n", code, reason(code),
			 http_date(), type, length, extra,
			 r->close_after ? "close" : "keep-alive");

	r->head_len = n > 0 && (size_t)n < sizeof(r->head) ? (size_t)n : 0;
	r->head_off = 0;
}

static void error_reply(struct ep_reply *r, int code, bool close_after,
			struct ep_serve_stats *st)
{
	char body[96];
	int n = snprintf(body, sizeof(body),
			 "<html><body><h1>%d %s</h1></body></html>\n", code,
			 reason(code));
	size_t room;

	r->close_after = close_after;
	r->fd = -1;
	r->off = r->end = 0;
	put_head(r, code, "text/html", n, code == 405 ?
		 "Allow: GET, HEAD\r\n" : "");
	room = sizeof(r->head) - r->head_len;
	if ((size_t)n < room) {
		memcpy(r->head + r->head_len, body, (size_t)n);
		r->head_len += (size_t)n;
	}
	count(st, code);
}

void ep_reply_error(struct ep_reply *r, int code, struct ep_serve_stats *st)
{
	error_reply(r, code, true, st);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The request target as a relative path below the root: origin form or
 * absolute form (RFC 9112 3.2.1, 3.2.2), query dropped, percent escapes
 * decoded.  Returns 0, 400 (malformed) or 404 (a ".." segment or too
 * long). */
static int target_path(struct ep_str t, char out[PATH_MAX_LEN])
{
	size_t i = 0, o = 0, seg;

	if (t.n > 7 && !strncasecmp(t.p, "http://", 7)) {
		const char *slash = memchr(t.p + 7, '/', t.n - 7);

		if (!slash)
			return 400;
		t.n -= (size_t)(slash - t.p);
		t.p = slash;
	}
	if (!t.n || t.p[0] != '/')
		return 400;
	for (i = 1; i < t.n && t.p[i] != '?' && t.p[i] != '#'; i++) {
		int c = (unsigned char)t.p[i];

		if (c == '%') {
			int hi = i + 2 < t.n ? hexval(t.p[i + 1]) : -1;
			int lo = hi >= 0 ? hexval(t.p[i + 2]) : -1;

			if (lo < 0 || (hi == 0 && lo == 0))
				return 400;
			c = hi * 16 + lo;
			i += 2;
		}
		if (o + 12 >= PATH_MAX_LEN)	/* room for "index.html" */
			return 404;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	/* no segment may be ".." (RFC 3986 3.3: dot-segments) */
	for (seg = 0; seg <= o; ) {
		char *end = strchr(out + seg, '/');
		size_t n = end ? (size_t)(end - out) - seg : o - seg;

		if (n == 2 && out[seg] == '.' && out[seg + 1] == '.')
			return 404;
		seg += n + 1;
	}
	if (o == 0 || out[o - 1] == '/')
		strcpy(out + o, "index.html");
	return 0;
}

/* Open the file; 0 with r->fd and r->end set, or the status code. */
static int open_file(struct ep_reply *r, int rootfd, const char *path)
{
	struct stat sb;
	int fd = openat(rootfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return errno == EACCES ? 403 :
		       errno == ENOENT || errno == ENOTDIR || errno == ELOOP ||
		       errno == ENAMETOOLONG || errno == EISDIR ? 404 : 500;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return 404;
	}
	r->fd = fd;
	r->off = 0;
	r->end = sb.st_size;
	return 0;
}

/* Version, keep-alive and body framing of the request; 0 or a status
 * code, which closes the connection. */
static int request_frame(const char *req, size_t len, struct ep_str ver,
			 bool *keep, uint64_t *discard)
{
	struct ep_str v;
	bool v11;

	if (ver.n != 8 || memcmp(ver.p, "HTTP/", 5) || ver.p[6] != '.' ||
	    ver.p[5] < '0' || ver.p[5] > '9' || ver.p[7] < '0' ||
	    ver.p[7] > '9')
		return 400;
	if (ver.p[5] != '1')
		return 505;
	v11 = ver.p[7] != '0';
	if (ep_http_field(req, len, "Connection", &v))
		*keep = v11 ? !ep_http_has_token(v, "close") :
			ep_http_has_token(v, "keep-alive");
	else
		*keep = v11;
	/* RFC 9112 3.2: an HTTP/1.1 request without Host is a 400 */
	if (v11 && !ep_http_field(req, len, "Host", &v))
		return 400;
	/* a body we cannot frame (chunked) cannot be skipped: 501 */
	if (ep_http_field(req, len, "Transfer-Encoding", &v))
		return 501;
	if (ep_http_field(req, len, "Content-Length", &v) &&
	    !ep_http_uint(v, discard))
		return 400;
	return 0;
}

void ep_serve_request(struct ep_reply *r, const char *req, size_t len,
		      int rootfd, uint64_t *discard,
		      struct ep_serve_stats *st)
{
	char path[PATH_MAX_LEN];
	struct ep_str w[3];
	bool keep = false, head;
	int code;

	r->fd = -1;
	r->close_after = true;
	*discard = 0;
	if (!ep_http_words(ep_http_first_line(req, len), w, false)) {
		error_reply(r, 400, true, st);
		return;
	}
	code = request_frame(req, len, w[2], &keep, discard);
	if (code) {
		error_reply(r, code, true, st);
		return;
	}
	head = ep_str_is(w[0], "HEAD");
	if (!head && !ep_str_is(w[0], "GET")) {
		error_reply(r, 405, !keep, st);
		return;
	}
	code = target_path(w[1], path);
	if (!code)
		code = open_file(r, rootfd, path);
	if (code) {
		error_reply(r, code, code == 400 || !keep, st);
		return;
	}
	r->close_after = !keep;
	put_head(r, 200, content_type(path), (long long)r->end, "");
	count(st, 200);
	if (head || r->end == 0) {
		close(r->fd);
		r->fd = -1;
		r->end = 0;
	}
}

int ep_reply_iov(struct ep_reply *r, struct iovec iov[2], char *scratch,
		 size_t scratch_len)
{
	int n = 0;

	if (r->head_off < r->head_len) {
		iov[n].iov_base = r->head + r->head_off;
		iov[n++].iov_len = r->head_len - r->head_off;
	}
	if (r->fd >= 0 && r->off < r->end) {
		size_t want = (size_t)(r->end - r->off);
		ssize_t k;

		if (want > scratch_len)
			want = scratch_len;
		k = pread(r->fd, scratch, want, r->off);
		if (k <= 0) {
			if (k == 0)
				errno = EIO;	/* truncated meanwhile */
			return -1;
		}
		iov[n].iov_base = scratch;
		iov[n++].iov_len = (size_t)k;
	}
	return n;
}

void ep_reply_sent(struct ep_reply *r, size_t n, struct ep_serve_stats *st)
{
	size_t h = r->head_len - r->head_off;

	if (h > n)
		h = n;
	r->head_off += h;
	n -= h;
	r->off += (off_t)n;
	st->body_bytes += n;
	if (r->fd >= 0 && r->off >= r->end) {
		close(r->fd);
		r->fd = -1;
	}
}

void ep_reply_end(struct ep_reply *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	r->head_len = r->head_off = 0;
	r->off = r->end = 0;
}
