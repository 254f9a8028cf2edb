/*
 * cap.h -- what the libmos.hostile programs share: a writer of crafted
 * pcap captures (Ethernet, IPv4 or IPv6, TCP with options, IPv4
 * fragments, any timestamp) and a runner of one capture through the
 * public API (mtcp_init on a pcap configuration, one context, the
 * program's set-up, mtcp_app_join, teardown).
 */
#ifndef HOSTILE_CAP_H
#define HOSTILE_CAP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <mos_api.h>

struct cap {
	FILE *f;
	uint64_t t_us;		/* stamp of the next frame */
	bool v6;
	uint16_t ip_id;
};

/* One TCP segment's header fields; opts/olen are raw TCP options
 * (padded to 4 bytes by the writer). */
struct seg {
	int dir;			/* 0 client to server */
	uint16_t cport, sport;		/* client's and server's ports */
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	const uint8_t *opts;
	size_t olen;
	const uint8_t *data;
	uint32_t len;
};

int cap_open(struct cap *c, const char *path, bool v6);
int cap_close(struct cap *c);
/* Build the frame of s into buf (room bytes); its length, 0 if too big. */
uint32_t cap_frame(struct cap *c, const struct seg *s, uint8_t *buf,
		   uint32_t room);
/* Write a frame / a segment with the current stamp. */
void cap_raw(struct cap *c, const uint8_t *frame, uint32_t len);
void cap_seg(struct cap *c, const struct seg *s);
/* IPv4 fragments of s: the IP payload cut every `step` bytes (a multiple
 * of 8), in order; only the first `max` of them (0: all). */
void cap_frags(struct cap *c, const struct seg *s, uint32_t step,
	       unsigned max);

/* The byte at stream offset off of direction dir: what every program
 * sends, so that a delivered byte can be checked. */
uint8_t cap_pat(int dir, uint64_t off);

/* Write a pcap configuration for capture plus extra settings of the mos
 * group; a malloc'd path under $TMPDIR, NULL on failure. */
char *cap_conf(const char *capture, const char *extra);
/* mtcp_init(conf), a context, setup(mctx), join, teardown: 0 if every
 * call succeeded. */
int cap_run(const char *conf, int (*setup)(mctx_t mctx));
/* The counter after "KEY " in the last run's context log
 * ($TMPDIR/log_0, lib/stats.c), e.g. "refused"; -1 if absent. */
long long cap_stat(const char *key);
/* "$TMPDIR/name" (static buffer). */
const char *cap_tmp(const char *name);

/* Big-endian stores. */
void cap_put16(uint8_t *p, uint16_t v);
void cap_put32(uint8_t *p, uint32_t v);

#endif
