/*
 * mos_notify.h -- systemd readiness for the libmos programs (Type=notify).
 *
 * Outside systemd (no NOTIFY_SOCKET) every call does nothing, so programs
 * call these unconditionally.  Not thread-safe: call from the main loop.
 */
#ifndef MOS_NOTIFY_H
#define MOS_NOTIFY_H

/* READY=1, with STATUS=status unless status is NULL. */
void mos_notify_ready(const char *status);
/* STATUS=<formatted text>, shown by systemctl status. */
void mos_notify_status(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* STOPPING=1: the program has begun to shut down. */
void mos_notify_stopping(void);
/* WATCHDOG=1 if the unit has WatchdogSec= set, at most once per half
 * interval; cheap enough to call on every pass of a main loop. */
void mos_notify_watchdog_maybe(void);

#endif
