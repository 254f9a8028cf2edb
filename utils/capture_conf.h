/*
 * capture_conf.h -- a temporary mos.conf that reads one capture file, for
 * the programs' -r option.
 */
#ifndef MOS_CAPTURE_CONF_H
#define MOS_CAPTURE_CONF_H

/* Write the configuration to a new file under $TMPDIR (or /tmp) and return
 * its path in a static buffer; NULL after printing why.  The caller
 * unlinks it once mtcp_init has read it. */
const char *mos_capture_config(const char *prog, const char *capture);

#endif
