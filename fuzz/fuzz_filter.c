/*
 * fuzz_filter.c -- BPF filter strings (lib/filter.h), as
 * mtcp_bind_monitor_filter compiles them.
 *
 * Input: one byte (bit 0: a stream socket's SYN/orphan filter, which
 * accepts only the words of the API, else a raw socket's filter), the
 * expression up to the first NUL, then a frame.  A filter that compiles
 * is run on the frame, given in a heap block of exactly its size so that
 * AddressSanitizer sees a read past it; compiling twice into the same
 * filter must not leak the first program.
 */
#include <string.h>

#include "filter.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mos_filter flt = { 0 };
	struct mos_frame fr = { 0 };
	const uint8_t *nul;
	char *expr;
	size_t elen;
	bool stream;

	if (size < 1 || size > 65536)
		return 0;
	stream = data[0] & 1;
	nul = memchr(data + 1, 0, size - 1);
	elen = nul ? (size_t)(nul - (data + 1)) : size - 1;
	expr = malloc(elen + 1);
	memcpy(expr, data + 1, elen);
	expr[elen] = '\0';
	fr.len = nul ? (uint32_t)(size - 2 - elen) : 0;
	fr.data = malloc(fr.len ? fr.len : 1);
	if (fr.len)
		memcpy(fr.data, nul + 1, fr.len);
	fr.room = fr.len;

	if (mos_filter_compile(&flt, expr, stream) == 0) {
		FUZZ_CHECK(flt.set, "compiled filter not set");
		(void)mos_filter_match(&flt, &fr);
		/* compiling again replaces the program */
		FUZZ_CHECK(mos_filter_compile(&flt, expr, stream) == 0,
			   "\"%s\" compiled once, not twice", expr);
		(void)mos_filter_match(&flt, &fr);
		pcap_freecode(&flt.prog);
	}
	free(fr.data);
	free(expr);
	return 0;
}
