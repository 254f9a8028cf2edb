/*
 * ep_http.h -- the bits of HTTP/1.1 message syntax (RFC 9112) that
 * mos-epserver and mos-epwget both parse: where a header section ends,
 * a field's value, a token in a comma-separated list, a decimal length.
 * Nothing here allocates; values point into the caller's buffer.
 */
#ifndef EP_HTTP_H
#define EP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ep_str {
	const char *p;
	size_t n;
};

/* Bytes up to and including the empty line ending the header section
 * (CRLF CRLF, or LF LF as RFC 9112 2.2 lets a recipient accept); 0 when
 * it has not all arrived. */
size_t ep_http_head_end(const char *buf, size_t len);
/* The first line of head (without its CR LF). */
struct ep_str ep_http_first_line(const char *head, size_t len);
/* The value of field `name` (case-insensitive, RFC 9110 5.1), leading and
 * trailing whitespace removed; false when absent.  Only the first field
 * of that name counts. */
bool ep_http_field(const char *head, size_t len, const char *name,
		   struct ep_str *value);
/* Does the comma-separated list v hold token (case-insensitive)? */
bool ep_http_has_token(struct ep_str v, const char *token);
/* A decimal number of 1 to 18 digits and nothing else (Content-Length,
 * RFC 9110 8.6); false otherwise. */
bool ep_http_uint(struct ep_str v, uint64_t *out);
/* Split "A SP B SP C" into three words; false unless exactly three
 * non-empty words separated by single spaces (C may contain spaces when
 * allow_rest, as a status line's reason phrase does). */
bool ep_http_words(struct ep_str line, struct ep_str w[3], bool allow_rest);
/* s equals the NUL-terminated word exactly */
bool ep_str_is(struct ep_str s, const char *word);

#endif
