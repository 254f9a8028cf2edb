/*
 * filter.c -- monitor filters: tcpdump expressions compiled with libpcap
 * for Ethernet frames and run with its BPF interpreter.
 *
 * Stream filters (SYN and orphan filters of a monitor listener) are kept
 * to the words mOS allowed, so that a filter cannot depend on anything but
 * the TCP/IP 5-tuple; `not tcp` is refused because such a filter could
 * never match a stream.
 */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"

static const char *const plain_words[] = {
	"tcp", "src", "dst", "not", "and", "or", "!", "&&", "||", "(", ")",
};
static const char *const param_words[] = {
	"host", "net", "mask", "port", "portrange",
};

static bool in_list(const char *w, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(w, list[i]) == 0)
			return true;
	return false;
}

/* Next token of s at *pos into buf: a word, or one of ( ) ! && || */
static bool next_token(const char *s, size_t *pos, char *buf, size_t room)
{
	size_t i = *pos, n = 0;

	while (s[i] && isspace((unsigned char)s[i]))
		i++;
	if (!s[i])
		return false;
	if (s[i] == '(' || s[i] == ')' || (s[i] == '!' && s[i + 1] != '=')) {
		buf[n++] = s[i++];
	} else if ((s[i] == '&' && s[i + 1] == '&') ||
		   (s[i] == '|' && s[i + 1] == '|')) {
		buf[n++] = s[i++];
		buf[n++] = s[i++];
	} else {
		while (s[i] && !isspace((unsigned char)s[i]) && s[i] != '(' &&
		       s[i] != ')' && s[i] != '!' && s[i] != '&' &&
		       s[i] != '|' && n + 1 < room)
			buf[n++] = s[i++];
	}
	buf[n] = '\0';
	*pos = i;
	return true;
}

static bool stream_words_ok(const char *expr)
{
	char tok[256], prev[256] = "";
	size_t pos = 0;

	while (next_token(expr, &pos, tok, sizeof(tok))) {
		if (in_list(tok, param_words, MOS_ARRAY_SIZE(param_words))) {
			if (!next_token(expr, &pos, tok, sizeof(tok)))
				return false;
			strcpy(prev, "param");
			continue;
		}
		if (!in_list(tok, plain_words, MOS_ARRAY_SIZE(plain_words)))
			return false;
		if (strcmp(tok, "tcp") == 0 &&
		    (strcmp(prev, "not") == 0 || strcmp(prev, "!") == 0))
			return false;
		strcpy(prev, tok);
	}
	return true;
}

/* pcap_compile on a dead handle; libpcap documents compilation as not
 * thread-safe in older releases, so keep it to one thread at a time. */
static pthread_mutex_t compile_lock = PTHREAD_MUTEX_INITIALIZER;

int mos_filter_compile(struct mos_filter *f, const char *expr, bool stream)
{
	struct bpf_program prog;
	pcap_t *dead;
	int rc;

	if (!expr || (stream && !stream_words_ok(expr))) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&compile_lock);
	dead = pcap_open_dead(DLT_EN10MB, 262144);
	rc = dead ? pcap_compile(dead, &prog, expr, 1, PCAP_NETMASK_UNKNOWN)
		  : -1;
	if (dead)
		pcap_close(dead);
	pthread_mutex_unlock(&compile_lock);
	if (rc < 0) {
		errno = dead ? EINVAL : ENOMEM;
		return -1;
	}
	if (f->set)
		pcap_freecode(&f->prog);
	f->prog = prog;
	f->set = true;
	return 0;
}

bool mos_filter_match(const struct mos_filter *f, const struct mos_frame *fr)
{
	struct pcap_pkthdr h = { .caplen = fr->len, .len = fr->len };

	return !f->set || pcap_offline_filter(&f->prog, &h, fr->data) != 0;
}
