/*
 * tap.h -- assertion lines for libmos test programs.
 *
 * Each check prints "ok - WHAT" or "not ok - WHAT"; testsuite/lib/libmos.exp
 * turns them into DejaGnu PASS/FAIL lines.  tap_done() gives the exit status.
 */
#ifndef MOS_TAP_H
#define MOS_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_failures;
static int tap_count;

__attribute__((format(printf, 2, 3), unused))
static int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", cond ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	tap_count++;
	if (!cond)
		tap_failures++;
	return cond;
}

__attribute__((unused))
static int tap_done(void)
{
	if (tap_count == 0) {
		printf("not ok - no assertion was made\n");
		return 1;
	}
	return tap_failures ? 1 : 0;
}

#define ok(cond, ...) tap_ok(!!(cond), __VA_ARGS__)

#endif
