/*
 * pcap_scan.h -- how many frames a capture file holds, read before the
 * file is replayed (DPDK's pcap driver never says that a file has ended).
 */
#ifndef MOS_PCAP_SCAN_H
#define MOS_PCAP_SCAN_H

#include <pcap/pcap.h>
#include <stdint.h>

struct mos_pcap_scan {
	uint64_t frames;	/* what pcap_next_ex(3PCAP) would return */
	uint64_t first_us;	/* stamp of the first frame */
	uint32_t maxcap;	/* largest captured length */
	int dlt;		/* link type */
	char err[PCAP_ERRBUF_SIZE];	/* why it stopped early, or "" */
};

/* 0, or -1 with s->err set when the file cannot be read at all.  A file
 * cut short counts the frames before the cut and says so in s->err. */
int mos_pcap_scan(const char *path, struct mos_pcap_scan *s);

#endif
