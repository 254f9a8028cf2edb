/*
 * mos_notify.c -- sd_notify(3) messages for the libmos programs.
 */
#include "mos_build.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "mos_notify.h"

void mos_notify_ready(const char *status)
{
	if (status)
		sd_notifyf(0, "READY=1\nSTATUS=%s", status);
	else
		sd_notify(0, "READY=1");
}

void mos_notify_status(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sd_notifyf(0, "STATUS=%s", buf);
}

void mos_notify_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void mos_notify_watchdog_maybe(void)
{
	/* The interval is fixed for the life of the process: ask once. */
	static bool asked, sent;
	static uint64_t interval, last;
	uint64_t now;

	if (!asked) {
		asked = true;
		if (sd_watchdog_enabled(0, &interval) <= 0)
			interval = 0;
	}
	if (!interval)
		return;
	now = now_usec();
	if (sent && now - last < interval / 2)
		return;
	if (sd_notify(0, "WATCHDOG=1") > 0) {
		sent = true;
		last = now;
	}
}
