/*
 * t_outrun.c -- receive ring outrun (mtcp_peek(3), Buffer outrun).
 *
 *   t_outrun buffer_outrun.pcap
 *
 * The client sends 262144 bytes with no ACK into the default 8192-byte
 * ring.  The application does not read for its first READ_AFTER
 * MOS_ON_ERROR notices, then reads on every NEW_DATA and ERROR.  Checked:
 * ERROR at MOS_NULL, side SVR, with the segment, raised while the
 * endangered bytes are still there; after the overwrite the next
 * mtcp_peek returns -(new head - old offset) with errno ENODATA and the
 * call after it reads from the new head; bytes read + bytes lost = the
 * stream length, and every byte read is the expected one.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mon.h"
#include "tap.h"

#define READ_AFTER 3
#define STREAM_LEN 262144	/* json: bytes_a_to_b */

static int nerror, nerror_bad, still_there;
static uint64_t read_off;		/* our peek offset on side SVR */
static int nlost_calls, lost_ok, resume_ok, other_errno;
static uint64_t bytes_read, bytes_lost;
static uint8_t *expected;
static size_t expected_len;
static int content_bad;

/* The in-order region comes first in MOS_FRAGINFO: its offset is the
 * ring head. */
static int64_t ring_head(mctx_t mctx, int sock)
{
	struct tcp_ring_fragment fr[8];
	socklen_t n = 8;

	if (mtcp_getsockopt(mctx, sock, SOL_MONSOCKET, MOS_FRAGINFO_SVRBUF,
			    fr, &n) < 0 || n == 0)
		return -1;
	return (int64_t)fr[0].offset;
}

static void read_all(mctx_t mctx, int sock)
{
	char buf[4096];
	int64_t head = ring_head(mctx, sock);
	bool first = true;
	ssize_t n;

	while ((n = mtcp_peek(mctx, sock, MOS_SIDE_SVR, buf, sizeof(buf)))
	       != 0) {
		if (n < 0) {
			if (errno != ENODATA) {
				other_errno++;
				return;
			}
			nlost_calls++;
			if (first && head >= 0 &&
			    (uint64_t)-n == (uint64_t)head - read_off)
				lost_ok++;
			bytes_lost += (uint64_t)-n;
			read_off += (uint64_t)-n;
			first = false;
			continue;
		}
		if (!first && head >= 0 && read_off == (uint64_t)head)
			resume_ok++;	/* first read after a loss */
		if (read_off + (uint64_t)n > expected_len ||
		    memcmp(expected + read_off, buf, (size_t)n) != 0)
			content_bad++;
		read_off += (uint64_t)n;
		bytes_read += (uint64_t)n;
		first = true;
		head = -1;
	}
}

static void after(mctx_t mctx, struct mon_ev *e)
{
	uint64_t off;
	int64_t head;
	char c;

	if (e->flow < 0)
		return;
	if (e->ev == MOS_ON_ERROR) {
		nerror++;
		if (e->hook != MOS_NULL || e->side != MOS_SIDE_SVR ||
		    e->pkt_rc != 0 || !e->payloadlen)
			nerror_bad++;
		/* raised before the overwrite: the oldest byte we have not
		 * read that the ring still holds is there (the first time:
		 * our very next byte, nothing dropped yet) */
		head = ring_head(mctx, e->sock);
		off = head >= 0 && (uint64_t)head > read_off ? (uint64_t)head
							     : read_off;
		if (nerror == 1 && head != 0)
			nerror_bad++;
		if (off < expected_len &&
		    mtcp_ppeek(mctx, e->sock, MOS_SIDE_SVR, &c, 1, off) == 1 &&
		    (uint8_t)c == expected[off])
			still_there++;
	}
	if (nerror <= READ_AFTER)
		return;		/* not reading yet */
	if ((e->ev == MOS_ON_ERROR || e->ev == MOS_ON_CONN_NEW_DATA) &&
	    e->side == MOS_SIDE_SVR)
		read_all(mctx, e->sock);
	if (e->ev == MOS_ON_CONN_END && e->hook == MOS_HK_SND)
		read_all(mctx, e->sock);
}

static int setup(mctx_t mctx)
{
	int sock = mtcp_socket(mctx, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);

	if (sock < 0)
		return -1;
	return mon_register_all(mctx, sock, 0);
}

int main(int argc, char **argv)
{
	char path[PATH_MAX], *conf;
	int n;

	if (argc != 2) {
		fprintf(stderr, "usage: t_outrun buffer_outrun.pcap\n");
		return 2;
	}
	n = (int)strlen(argv[1]) - 5;
	snprintf(path, sizeof(path),
		 "%.*s.expected/streams/192.0.2.10.40101-198.51.100.20.80", n,
		 argv[1]);
	expected = mon_slurp(path, &expected_len);
	if (!ok(expected && expected_len == STREAM_LEN,
		"expected stream of %d bytes", STREAM_LEN))
		return tap_done();
	conf = mon_conf(argv[1], "");	/* rmem_size: default 8192 */
	mon_drain = false;
	mon_after = after;
	ok(conf && mon_run(conf, setup) == 0, "capture run");
	if (conf) {
		unlink(conf);
		free(conf);
	}
	ok(nerror > READ_AFTER, "MOS_ON_ERROR raised (%d times)", nerror);
	ok(!nerror_bad, "ERROR at MOS_NULL, side SVR, with the segment; "
	   "the first before any byte was dropped");
	ok(still_there == nerror,
	   "ERROR comes before the overwrite: the unread byte is still "
	   "there (%d/%d)", still_there, nerror);
	ok(nlost_calls >= 1 && lost_ok == nlost_calls,
	   "mtcp_peek after the overwrite: -(new head - offset), ENODATA "
	   "(%d/%d)", lost_ok, nlost_calls);
	ok(resume_ok == nlost_calls,
	   "the next mtcp_peek reads from the new head (%d/%d)", resume_ok,
	   nlost_calls);
	ok(!other_errno, "no other mtcp_peek error");
	ok(bytes_lost > 0 && bytes_read + bytes_lost == STREAM_LEN,
	   "read %llu + lost %llu = %d", (unsigned long long)bytes_read,
	   (unsigned long long)bytes_lost, STREAM_LEN);
	ok(!content_bad, "every byte read is the stream's byte at its offset");
	ok(mon_count(-1, 0, MOS_ON_CONN_END, -1) == 4,
	   "the flow ends normally");
	free(expected);
	mon_free();
	return tap_done();
}
