/*
 * flowlog_eve.c -- see flowlog_eve.h.
 *
 * Every value written is a number, true/false or a string made of
 * characters JSON needs no escape for (addresses, fixed names, base64),
 * so no escaping is needed.  Times are ISO 8601 with microseconds in UTC
 * ("+0000"), as Suricata writes them with its zone's offset.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <mos_api.h>
#include <time.h>

#include "flowlog_eve.h"

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20
#define TH_ECE 0x40
#define TH_CWR 0x80

static void iso_time(char *out, size_t n, uint64_t us)
{
	time_t t = (time_t)(us / 1000000u);
	struct tm tm;
	size_t k;

	gmtime_r(&t, &tm);
	k = strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + k, n - k, ".%06u+0000", (unsigned)(us % 1000000u));
}

/* Suricata's names of TCP states */
static const char *tcp_state_name(int st)
{
	static const char *const names[] = {
		"closed", "listen", "syn_sent", "syn_recv", "established",
		"fin_wait1", "fin_wait2", "close_wait", "closing", "last_ack",
		"time_wait",
	};

	return st >= 0 && st <= TCP_TIME_WAIT ? names[st] : "none";
}

static bool done(int st)
{
	return st == TCP_CLOSED || st == TCP_TIME_WAIT;
}

/* The connection as a whole: closed once both ends are; otherwise what
 * the originator's end is in. */
static const char *conn_tcp_state(const struct flowlog_rec *r)
{
	if (done(r->state[0]) && done(r->state[1]))
		return "closed";
	return tcp_state_name(r->state[0]);
}

/* EVE's flow.state: new until the responder answered */
static const char *flow_state(const struct flowlog_rec *r)
{
	if (done(r->state[0]) && done(r->state[1]))
		return "closed";
	if (r->pkts[1] && (r->flags[1] & (TH_SYN | TH_ACK)))
		return "established";
	return "new";
}

static void put_flag(FILE *f, const char *name, bool on)
{
	if (on)
		fprintf(f, ",\"%s\":true", name);
}

int flowlog_eve_record(FILE *f, const struct flowlog_rec *r)
{
	char a[2][INET6_ADDRSTRLEN], start[40], end[40];
	uint8_t all = r->flags[0] | r->flags[1];

	for (int i = 0; i < 2; i++)
		inet_ntop(r->family, r->addr[i], a[i], sizeof(a[i]));
	iso_time(start, sizeof(start), r->start_us);
	iso_time(end, sizeof(end), r->last_us);
	fprintf(f, "{\"timestamp\":\"%s\",\"flow_id\":%" PRIu64
		   ",\"event_type\":\"flow\",\"src_ip\":\"%s\",\"src_port\":%u,"
		   "\"dest_ip\":\"%s\",\"dest_port\":%u,\"proto\":\"TCP\",",
		end, r->flow_id, a[0], r->port[0], a[1], r->port[1]);
	fprintf(f, "\"flow\":{\"pkts_toserver\":%" PRIu64 ",\"pkts_toclient\":%"
		   PRIu64 ",\"bytes_toserver\":%" PRIu64 ",\"bytes_toclient\":%"
		   PRIu64 ",\"start\":\"%s\",\"end\":\"%s\",\"age\":%" PRIu64
		   ",\"state\":\"%s\",\"reason\":\"%s\",\"alerted\":false},",
		r->pkts[0], r->pkts[1], r->ip_bytes[0], r->ip_bytes[1], start,
		end, (r->last_us - r->start_us) / 1000000u, flow_state(r),
		r->end == FLOWLOG_END_SHUTDOWN ? "shutdown" : "timeout");
	fprintf(f, "\"community_id\":\"%s\",\"tcp\":{\"tcp_flags\":\"%02x\","
		   "\"tcp_flags_ts\":\"%02x\",\"tcp_flags_tc\":\"%02x\"",
		r->community_id, all, r->flags[0], r->flags[1]);
	put_flag(f, "syn", all & TH_SYN);
	put_flag(f, "fin", all & TH_FIN);
	put_flag(f, "rst", all & TH_RST);
	put_flag(f, "psh", all & TH_PSH);
	put_flag(f, "ack", all & TH_ACK);
	put_flag(f, "urg", all & TH_URG);
	put_flag(f, "ecn", all & TH_ECE);
	put_flag(f, "cwr", all & TH_CWR);
	fprintf(f, ",\"state\":\"%s\"}}\n", conn_tcp_state(r));
	return ferror(f) ? -1 : 0;
}
