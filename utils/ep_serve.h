/*
 * ep_serve.h -- mos-epserver's answers: one HTTP/1.1 request (RFC 9112)
 * turned into a reply, a header block plus an optional body read from a
 * file below the document root, handed out in pieces as the send buffer
 * takes them.
 */
#ifndef EP_SERVE_H
#define EP_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

/* the status codes mos-epserver sends, for counting */
#define EP_NCODES 8
extern const int ep_serve_codes[EP_NCODES];

struct ep_serve_stats {
	unsigned long replies[EP_NCODES];	/* by ep_serve_codes index */
	uint64_t body_bytes;			/* file bytes sent */
};

struct ep_reply {
	char head[512];		/* status line, fields, small error body */
	size_t head_len, head_off;
	int fd;			/* body source, -1 for none */
	off_t off, end;		/* body bytes still to send: [off, end) */
	bool close_after;	/* close the connection once it is out */
};

/* Answer the request whose header section is req[0..len).  Request body
 * bytes to skip (Content-Length) go to *discard.  Any failure becomes an
 * error reply; a malformed request also closes the connection. */
void ep_serve_request(struct ep_reply *r, const char *req, size_t len,
		      int rootfd, uint64_t *discard,
		      struct ep_serve_stats *st);
/* An error reply (400, 404, ...) that closes the connection. */
void ep_reply_error(struct ep_reply *r, int code, struct ep_serve_stats *st);
/* The next bytes to send: the rest of the header and up to scratch_len
 * body bytes read into scratch.  Returns the vectors used (0: the reply
 * is out), or -1 with errno when the file cannot be read to its end. */
int ep_reply_iov(struct ep_reply *r, struct iovec iov[2], char *scratch,
		 size_t scratch_len);
/* n bytes of what ep_reply_iov offered were taken. */
void ep_reply_sent(struct ep_reply *r, size_t n, struct ep_serve_stats *st);
/* Release the body file; the reply is empty again. */
void ep_reply_end(struct ep_reply *r);

#endif
