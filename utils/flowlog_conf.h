/*
 * flowlog_conf.h -- mos-flowlog.conf, the program's own settings (see
 * mos-flowlog(1)): "key = value" lines, '#' starts a comment.
 */
#ifndef MOS_FLOWLOG_CONF_H
#define MOS_FLOWLOG_CONF_H

#include <stdbool.h>

struct flowlog_conf {
	char *format;		/* "zeek" or "eve"; NULL when not set */
	char *output;		/* a path, or "-" for stdout */
};

/* Read path into c.  A missing file is no error when `optional`.  -1
 * after printing the file, the line and what is wrong. */
int flowlog_conf_read(const char *path, bool optional, struct flowlog_conf *c);
void flowlog_conf_free(struct flowlog_conf *c);

#endif
