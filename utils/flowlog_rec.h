/*
 * flowlog_rec.h -- one connection as mos-flowlog(1) logs it, whatever the
 * output format.  Index 0 is the originator (Zeek's "orig", EVE's
 * "toserver" direction), 1 the responder.
 */
#ifndef MOS_FLOWLOG_REC_H
#define MOS_FLOWLOG_REC_H

#include <stdbool.h>
#include <stdint.h>

#include "community_id.h"

#define FLOWLOG_HISTORY_LEN 48
#define FLOWLOG_UID_LEN 20

/* Why the record was written (EVE's flow.reason). */
enum flowlog_end {
	FLOWLOG_END_TIMEOUT,	/* closed or idle: the flow timed out */
	FLOWLOG_END_SHUTDOWN,	/* still open when the input ended */
};

struct flowlog_rec {
	int family;			/* AF_INET or AF_INET6 */
	uint8_t addr[2][16];		/* network order */
	uint16_t port[2];		/* host order */
	uint64_t start_us;		/* first packet, Unix time */
	uint64_t last_us;		/* last packet */
	uint64_t dur_end_us;		/* last packet but a closing ACK */
	uint64_t pkts[2];
	uint64_t ip_bytes[2];		/* IP total lengths */
	uint64_t bytes[2];		/* stream bytes, by sequence numbers */
	uint64_t missed[2];		/* of those, lost in gaps */
	uint8_t flags[2];		/* OR of the TCP flags sent */
	uint8_t state[2];		/* enum tcpstate at the end */
	int first_rst;			/* side of the first RST taken, or -1 */
	bool partial;			/* no SYN seen: picked up mid-stream */
	enum flowlog_end end;
	char history[FLOWLOG_HISTORY_LEN];
	char uid[FLOWLOG_UID_LEN];	/* Zeek's uid */
	uint64_t flow_id;		/* EVE's flow_id, < 2^53 */
	char community_id[COMMUNITY_ID_LEN];
};

/* Fill uid, flow_id and community_id from the addresses, ports, start
 * time and the originator's initial sequence number: the same flow gets
 * the same ids however many contexts saw the traffic. */
void flowlog_rec_ids(struct flowlog_rec *r, uint32_t isn);
/* Zeek's conn_state of r ("S0" ... "OTH"). */
const char *flowlog_conn_state(const struct flowlog_rec *r);

#endif
