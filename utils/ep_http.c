/*
 * ep_http.c -- see ep_http.h.
 */
#include <string.h>
#include <strings.h>

#include "ep_http.h"

size_t ep_http_head_end(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 2;
		if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static size_t line_len(const char *p, size_t len)
{
	const char *nl = memchr(p, '\n', len);
	size_t n = nl ? (size_t)(nl - p) : len;

	return n && p[n - 1] == '\r' ? n - 1 : n;
}

struct ep_str ep_http_first_line(const char *head, size_t len)
{
	return (struct ep_str){ head, line_len(head, len) };
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static struct ep_str trim(const char *p, size_t n)
{
	while (n && is_ws(*p))
		p++, n--;
	while (n && is_ws(p[n - 1]))
		n--;
	return (struct ep_str){ p, n };
}

bool ep_http_field(const char *head, size_t len, const char *name,
		   struct ep_str *value)
{
	size_t nlen = strlen(name);
	const char *p = head, *end = head + len;

	/* skip the start line, then one field per line */
	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n;

		if (!nl)
			return false;
		p = nl + 1;
		n = line_len(p, (size_t)(end - p));
		if (n == 0)
			return false;
		if (n > nlen && p[nlen] == ':' && !strncasecmp(p, name, nlen)) {
			*value = trim(p + nlen + 1, n - nlen - 1);
			return true;
		}
	}
}

bool ep_http_has_token(struct ep_str v, const char *token)
{
	size_t tlen = strlen(token);

	while (v.n) {
		const char *comma = memchr(v.p, ',', v.n);
		size_t n = comma ? (size_t)(comma - v.p) : v.n;
		struct ep_str t = trim(v.p, n);

		if (t.n == tlen && !strncasecmp(t.p, token, tlen))
			return true;
		if (!comma)
			break;
		v.p += n + 1;
		v.n -= n + 1;
	}
	return false;
}

bool ep_http_uint(struct ep_str v, uint64_t *out)
{
	uint64_t x = 0;
	size_t i;

	if (v.n == 0 || v.n > 18)
		return false;
	for (i = 0; i < v.n; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(v.p[i] - '0');
	}
	*out = x;
	return true;
}

bool ep_http_words(struct ep_str line, struct ep_str w[3], bool allow_rest)
{
	const char *p = line.p, *end = line.p + line.n;
	int i;

	for (i = 0; i < 2; i++) {
		const char *sp = memchr(p, ' ', (size_t)(end - p));

		if (!sp || sp == p)
			return false;
		w[i] = (struct ep_str){ p, (size_t)(sp - p) };
		p = sp + 1;
	}
	w[2] = (struct ep_str){ p, (size_t)(end - p) };
	if (w[2].n == 0 && !allow_rest)
		return false;
	return allow_rest || !memchr(w[2].p, ' ', w[2].n);
}

bool ep_str_is(struct ep_str s, const char *word)
{
	return s.n == strlen(word) && !memcmp(s.p, word, s.n);
}
