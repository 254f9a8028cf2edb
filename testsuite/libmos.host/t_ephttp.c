/*
 * t_ephttp.c -- the pieces of mos-epserver and mos-epwget that need no
 * network: SHA-256 against the FIPS 180-4 examples (and split updates),
 * HTTP field parsing, and mos-epserver's answers to requests for files
 * in a temporary document root (status, framing, keep-alive, HEAD,
 * paths that must not leave the root).
 *
 *   t_ephttp TMPDIR
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "ep_http.h"
#include "ep_serve.h"
#include "ep_sha256.h"

static void hash_hex(const void *p, size_t n, size_t step, char *hex)
{
	struct ep_sha256 s;
	uint8_t d[EP_SHA256_LEN];
	size_t i;

	ep_sha256_init(&s);
	for (i = 0; i < n; i += step)
		ep_sha256_update(&s, (const char *)p + i,
				 n - i < step ? n - i : step);
	ep_sha256_final(&s, d);
	ep_sha256_hex(d, hex);
}

static void test_sha256(void)
{
	static const struct { const char *msg, *hex; } v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	char hex[EP_SHA256_HEX], *a;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		hash_hex(v[i].msg, strlen(v[i].msg), 64, hex);
		ok(!strcmp(hex, v[i].hex), "sha256(\"%.10s...\") = %.16s...",
		   v[i].msg, v[i].hex);
		hash_hex(v[i].msg, strlen(v[i].msg), 1, hex);
		ok(!strcmp(hex, v[i].hex), "sha256(\"%.10s...\") one byte at a time",
		   v[i].msg);
	}
	a = malloc(1000000);
	if (!a)
		return;
	memset(a, 'a', 1000000);
	hash_hex(a, 1000000, 4093, hex);
	ok(!strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
	   "sha256 of a million 'a' in pieces of 4093 bytes");
	free(a);
}

static void test_fields(void)
{
	const char *h = "HTTP/1.1 200 OK\r\nContent-Length:  1024 \r\n"
			"connection: Keep-Alive, Upgrade\r\n\r\nbody";
	struct ep_str v, w[3];
	uint64_t n = 0;

	ok(ep_http_head_end(h, strlen(h)) == strlen(h) - 4,
	   "head ends after the empty line");
	ok(ep_http_head_end(h, 20) == 0, "a partial head has no end yet");
	ok(ep_http_head_end("GET / HTTP/1.0\n\n", 16) == 16,
	   "bare LF LF ends a head too");
	ok(ep_http_field(h, strlen(h), "CONTENT-LENGTH", &v) &&
	   ep_http_uint(v, &n) && n == 1024,
	   "Content-Length found case-insensitively, whitespace trimmed");
	ok(ep_http_field(h, strlen(h), "Connection", &v) &&
	   ep_http_has_token(v, "keep-alive") && !ep_http_has_token(v, "close"),
	   "Connection tokens");
	ok(!ep_http_field(h, strlen(h), "Host", &v), "absent field");
	v = (struct ep_str){ "12a", 3 };
	ok(!ep_http_uint(v, &n), "a length with a letter is refused");
	v = (struct ep_str){ "1234567890123456789", 19 };
	ok(!ep_http_uint(v, &n), "a 19-digit length is refused");
	ok(ep_http_words(ep_http_first_line(h, strlen(h)), w, true) &&
	   ep_str_is(w[1], "200") && ep_str_is(w[2], "OK"), "status line");
	v = (struct ep_str){ "GET  / HTTP/1.1", 15 };
	ok(!ep_http_words(v, w, false), "two spaces in a request line: refused");
}

static struct ep_serve_stats st;
static int root;

/* Serve req; returns the status code, sets *body to the body length. */
static int serve(const char *req, struct ep_reply *r, uint64_t *discard)
{
	struct ep_str w[3];

	memset(r, 0, sizeof(*r));
	ep_serve_request(r, req, ep_http_head_end(req, strlen(req)), root,
			 discard, &st);
	if (!ep_http_words(ep_http_first_line(r->head, r->head_len), w, true))
		return -1;
	return atoi(w[1].p);
}

static bool has(const struct ep_reply *r, const char *text)
{
	return memmem(r->head, r->head_len, text, strlen(text)) != NULL;
}

/* The whole reply as ep_reply_iov hands it out, body pieces of at most
 * 100 bytes; the body bytes go to out, their count is returned. */
static size_t drain(struct ep_reply *r, char *out, size_t room)
{
	char scratch[100];
	struct iovec iov[2];
	size_t got = 0;
	int n, k;

	while ((n = ep_reply_iov(r, iov, scratch, sizeof(scratch))) > 0) {
		size_t all = 0;

		for (k = 0; k < n; k++) {
			if (iov[k].iov_base == scratch) {
				if (got + iov[k].iov_len <= room)
					memcpy(out + got, scratch, iov[k].iov_len);
				got += iov[k].iov_len;
			}
			all += iov[k].iov_len;
		}
		ep_reply_sent(r, all, &st);
	}
	return got;
}

static void test_serve(const char *tmp)
{
	char dir[512], path[600], body[2000], want[1500];
	struct ep_reply r;
	uint64_t discard = 0;
	int fd, i;

	snprintf(dir, sizeof(dir), "%s/ephttp-root", tmp);
	mkdir(tmp, 0755);
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/sub", dir);
	mkdir(path, 0755);
	for (i = 0; i < (int)sizeof(want); i++)
		want[i] = (char)(i * 7);
	snprintf(path, sizeof(path), "%s/f.bin", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ok(fd >= 0 && write(fd, want, sizeof(want)) == (ssize_t)sizeof(want),
	   "test file written");
	close(fd);
	snprintf(path, sizeof(path), "%s/sub/index.html", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ok(fd >= 0 && write(fd, "hi\n", 3) == 3, "index.html written");
	close(fd);
	root = open(dir, O_RDONLY | O_DIRECTORY);

	ok(serve("GET /f.bin HTTP/1.1\r\nHost: x\r\n\r\n", &r, &discard) == 200 &&
	   has(&r, "Content-Length: 1500\r\n") && !r.close_after,
	   "GET HTTP/1.1: 200, Content-Length, kept alive");
	ok(drain(&r, body, sizeof(body)) == sizeof(want) &&
	   !memcmp(body, want, sizeof(want)) && r.fd < 0,
	   "the body comes out whole in pieces, the file is closed");
	ep_reply_end(&r);
	ok(serve("HEAD /f.bin HTTP/1.1\r\nHost: x\r\n\r\n", &r, &discard) == 200 &&
	   has(&r, "Content-Length: 1500\r\n") && r.fd < 0 &&
	   drain(&r, body, sizeof(body)) == 0, "HEAD: the length, no body");
	ep_reply_end(&r);
	ok(serve("GET /f.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		 &r, &discard) == 200 && r.close_after &&
	   has(&r, "Connection: close"), "Connection: close is honoured");
	ep_reply_end(&r);
	ok(serve("GET /f.bin HTTP/1.0\r\n\r\n", &r, &discard) == 200 &&
	   r.close_after, "HTTP/1.0: closed after the reply");
	ep_reply_end(&r);
	ok(serve("GET /f.bin HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &r,
		 &discard) == 200 && !r.close_after &&
	   has(&r, "Connection: keep-alive"), "HTTP/1.0 keep-alive on request");
	ep_reply_end(&r);
	ok(serve("GET /sub/ HTTP/1.1\r\nHost: x\r\n\r\n", &r, &discard) == 200 &&
	   has(&r, "Content-Type: text/html") && has(&r, "Content-Length: 3\r\n"),
	   "a path ending in / serves index.html");
	ep_reply_end(&r);
	ok(serve("GET /s%75b/index.html?x=1 HTTP/1.1\r\nHost: x\r\n\r\n", &r,
		 &discard) == 200, "percent escapes decoded, query dropped");
	ep_reply_end(&r);
	ok(serve("GET http://x/f.bin HTTP/1.1\r\nHost: x\r\n\r\n", &r,
		 &discard) == 200, "absolute-form target");
	ep_reply_end(&r);
	ok(serve("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n", &r, &discard) == 404 &&
	   !r.close_after, "missing file: 404, kept alive");
	ep_reply_end(&r);
	ok(serve("GET /sub HTTP/1.1\r\nHost: x\r\n\r\n", &r, &discard) == 404,
	   "a directory: 404");
	ok(serve("GET /../ephttp-root/f.bin HTTP/1.1\r\nHost: x\r\n\r\n", &r,
		 &discard) == 404, "a .. segment: 404");
	ok(serve("GET /sub/%2e%2e/f.bin HTTP/1.1\r\nHost: x\r\n\r\n", &r,
		 &discard) == 404, "an escaped .. segment: 404");
	ok(serve("GET /f%00.bin HTTP/1.1\r\nHost: x\r\n\r\n", &r, &discard) == 400 &&
	   r.close_after, "an escaped NUL: 400, closed");
	ok(serve("POST /f.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n",
		 &r, &discard) == 405 && has(&r, "Allow: GET, HEAD") &&
	   discard == 5 && !r.close_after,
	   "POST: 405 with Allow, its body skipped, kept alive");
	ok(serve("GET /f.bin HTTP/1.1\r\n\r\n", &r, &discard) == 400 &&
	   r.close_after, "HTTP/1.1 without Host: 400, closed");
	ok(serve("GET /f.bin HTTP/2.0\r\nHost: x\r\n\r\n", &r, &discard) == 505,
	   "HTTP/2.0: 505");
	ok(serve("GET /f.bin\r\n\r\n", &r, &discard) == 400, "HTTP/0.9: 400");
	ok(serve("GET /f.bin HTTP/1.1\r\nHost: x\r\nContent-Length: x\r\n\r\n",
		 &r, &discard) == 400, "a bad Content-Length: 400");
	ok(serve("GET /f.bin HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked"
		 "\r\n\r\n", &r, &discard) == 501 && r.close_after,
	   "a chunked request body: 501, closed");
	ep_reply_error(&r, 400, &st);
	ok(r.close_after && has(&r, "400 Bad Request"),
	   "ep_reply_error: 400, closed");
	close(root);
	snprintf(path, sizeof(path), "%s/f.bin", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub/index.html", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	test_sha256();
	test_fields();
	test_serve(argc > 1 ? argv[1] : "/tmp");
	return tap_done();
}
