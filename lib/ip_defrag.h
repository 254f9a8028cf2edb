/*
 * ip_defrag.h -- IPv4 and IPv6 reassembly before TCP (mos.ip_defrag).
 *
 * One table per context.  Every byte it holds comes from pools made when
 * the context starts (a memory budget in bytes, a number of datagrams),
 * so a fragment costs no allocation and a flood cannot take more than the
 * budget.  A datagram is keyed by addresses, identification and (IPv4)
 * protocol (RFC 791 3.2; RFC 8200 4.5), and lives at most `timeout` from
 * its first fragment, by the context's clock (the capture's offline).
 *
 * Overlaps: an IPv6 datagram with overlapping fragments is abandoned and
 * its later fragments dropped (RFC 5722); an exact duplicate is dropped
 * alone (RFC 8200 4.5 allows it).  IPv4 overlaps are resolved at
 * reassembly by the policy: the bytes that came first win, or the last.
 * Tiny fragments (RFC 1858 3.1, RFC 7112): a TCP fragment at offset 8
 * (fragment offset 1), and a first fragment that does not hold the whole
 * TCP header, are dropped.  Every fragment dropped is counted by reason.
 */
#ifndef MOS_IP_DEFRAG_H
#define MOS_IP_DEFRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mos_frame;

/* Counters, by reason; the drops are fragments not reassembled. */
enum mos_defrag_count {
	MOS_DF_FRAGMENTS,	/* fragments taken in */
	MOS_DF_REASSEMBLED,	/* datagrams made whole */
	MOS_DF_OVERLAP4,	/* IPv4 fragments overlapping others (policy) */
	MOS_DF_DUPLICATE,	/* exact duplicates, dropped */
	MOS_DF_OVERLAP6,	/* IPv6 datagrams abandoned on overlap */
	MOS_DF_ABANDONED,	/* fragments of an abandoned datagram */
	MOS_DF_TINY,		/* RFC 1858 / RFC 7112 */
	MOS_DF_BADLEN,		/* length not a multiple of 8, past 64 KiB,
				 * or against the datagram's known end */
	MOS_DF_TOOMANY,		/* datagrams abandoned: too many fragments */
	MOS_DF_HEADER,		/* first fragment's headers too long to keep */
	MOS_DF_MEMORY,		/* fragments refused: byte budget full */
	MOS_DF_TABLE,		/* fragments refused: datagram table full */
	MOS_DF_TIMEOUT,		/* datagrams expired incomplete */
	MOS_DF_PENDING,		/* datagrams incomplete when input ended */
	MOS_DF_COUNT
};

/* "fragments", "reassembled", "overlap4", ... */
const char *mos_defrag_count_name(int k);

struct mos_defrag_conf {
	bool last_wins;		/* IPv4 overlaps: the later bytes win */
	uint64_t timeout_us;
	size_t memory;		/* fragment bytes held at most */
	int max_datagrams;	/* datagrams being reassembled at most */
};

struct mos_defrag;

/* NULL with errno ENOMEM. */
struct mos_defrag *mos_defrag_create(const struct mos_defrag_conf *conf);
void mos_defrag_destroy(struct mos_defrag *d);

enum mos_defrag_verdict {
	MOS_DEFRAG_HELD,	/* kept until the datagram is whole */
	MOS_DEFRAG_DONE,	/* *whole is the reassembled datagram */
	MOS_DEFRAG_DROPPED,	/* refused and counted in COUNTS */
};

/*
 * Take fragment FR (parsed: kind MOS_PKT_FRAGMENT) at time NOW_US.  On
 * MOS_DEFRAG_DONE, *WHOLE is an unparsed frame holding the datagram with
 * the first fragment's link and IP headers (IPv4: offset and MF cleared,
 * total length and checksum set; IPv6: the Fragment header removed), in a
 * buffer of the table valid until the next call.  COUNTS has
 * MOS_DF_COUNT entries.
 */
int mos_defrag_input(struct mos_defrag *d, const struct mos_frame *fr,
		     uint64_t now_us, struct mos_frame *whole,
		     uint64_t *counts);

/* Drop the datagrams older than the timeout at NOW_US (counted). */
void mos_defrag_expire(struct mos_defrag *d, uint64_t now_us,
		       uint64_t *counts);

/* Input has ended: count what is still incomplete (MOS_DF_PENDING). */
void mos_defrag_flush(struct mos_defrag *d, uint64_t *counts);

/* Datagrams and fragment bytes held now (tests). */
void mos_defrag_usage(const struct mos_defrag *d, int *datagrams,
		      size_t *bytes);

#endif
