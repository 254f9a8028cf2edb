/*
 * flowlog_zeek.c -- see flowlog_zeek.h.
 *
 * The columns are those of Zeek's Conn::Info that the monitor can fill,
 * in Zeek's order, and community_id last as Zeek's community-id policy
 * script adds it.  Addresses print as inet_ntop(3) does (IPv6 compressed,
 * as Zeek prints them), times as seconds with six decimals.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <sys/socket.h>
#include <time.h>

#include "flowlog_zeek.h"

static const char *const fields[][2] = {
	{ "ts", "time" },
	{ "uid", "string" },
	{ "id.orig_h", "addr" },
	{ "id.orig_p", "port" },
	{ "id.resp_h", "addr" },
	{ "id.resp_p", "port" },
	{ "proto", "enum" },
	{ "duration", "interval" },
	{ "orig_bytes", "count" },
	{ "resp_bytes", "count" },
	{ "conn_state", "string" },
	{ "missed_bytes", "count" },
	{ "history", "string" },
	{ "orig_pkts", "count" },
	{ "orig_ip_bytes", "count" },
	{ "resp_pkts", "count" },
	{ "resp_ip_bytes", "count" },
	{ "community_id", "string" },
};

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

/* Zeek's #open / #close stamp: local time as YYYY-MM-DD-HH-MM-SS; UTC
 * here, so that a replay writes the same header anywhere. */
static void stamp(char *out, size_t n, uint64_t us)
{
	time_t t = (time_t)(us / 1000000u);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%d-%H-%M-%S", &tm);
}

int flowlog_zeek_header(FILE *f, uint64_t open_us)
{
	char when[32];
	size_t i;

	stamp(when, sizeof(when), open_us);
	fprintf(f, "#separator \\x09\n#set_separator\t,\n"
		   "#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n"
		   "#open\t%s\n#fields", when);
	for (i = 0; i < NFIELDS; i++)
		fprintf(f, "\t%s", fields[i][0]);
	fprintf(f, "\n#types");
	for (i = 0; i < NFIELDS; i++)
		fprintf(f, "\t%s", fields[i][1]);
	return fputc('\n', f) == EOF ? -1 : 0;
}

static void seconds(FILE *f, uint64_t us)
{
	fprintf(f, "%" PRIu64 ".%06" PRIu64, us / 1000000u, us % 1000000u);
}

int flowlog_zeek_record(FILE *f, const struct flowlog_rec *r)
{
	char a[2][INET6_ADDRSTRLEN];
	uint64_t dur = r->dur_end_us > r->start_us ? r->dur_end_us - r->start_us
						   : 0;

	for (int i = 0; i < 2; i++)
		inet_ntop(r->family, r->addr[i], a[i], sizeof(a[i]));
	seconds(f, r->start_us);
	fprintf(f, "\t%s\t%s\t%u\t%s\t%u\ttcp\t", r->uid, a[0], r->port[0],
		a[1], r->port[1]);
	seconds(f, dur);
	fprintf(f, "\t%" PRIu64 "\t%" PRIu64 "\t%s\t%" PRIu64 "\t%s",
		r->bytes[0], r->bytes[1], flowlog_conn_state(r),
		r->missed[0] + r->missed[1],
		r->history[0] ? r->history : "(empty)");
	fprintf(f, "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%s\n",
		r->pkts[0], r->ip_bytes[0], r->pkts[1], r->ip_bytes[1],
		r->community_id);
	return ferror(f) ? -1 : 0;
}

int flowlog_zeek_footer(FILE *f, uint64_t close_us)
{
	char when[32];

	stamp(when, sizeof(when), close_us);
	return fprintf(f, "#close\t%s\n", when) < 0 ? -1 : 0;
}
