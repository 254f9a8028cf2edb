/*
 * t_notify.c -- the sd_notify helper of the programs (utils/mos_notify.c)
 * against a datagram socket standing in for systemd's NOTIFY_SOCKET.
 */
#include "mos_build.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "../../utils/mos_notify.h"

static int sock = -1;

/* Next message, "" when none is waiting. */
static const char *next_msg(void)
{
	static char buf[1024];
	ssize_t n = recv(sock, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static int open_socket(char *path, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(path, len, "/tmp/mos-t_notify.%ld", (long)getpid());
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || bind(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	return 0;
}

int main(void)
{
	char path[108], pid[32];
	pid_t child;
	int st;

	/* Outside systemd every call is a silent no-op. */
	unsetenv("NOTIFY_SOCKET");
	mos_notify_ready("idle");
	mos_notify_status("%d flows", 3);
	mos_notify_stopping();

	if (!ok(open_socket(path, sizeof(path)) == 0, "notify socket bound"))
		return tap_done();
	setenv("NOTIFY_SOCKET", path, 1);

	mos_notify_ready(NULL);
	ok(!strcmp(next_msg(), "READY=1"), "ready without status");
	mos_notify_ready("monitoring 2 ports");
	ok(!strcmp(next_msg(), "READY=1\nSTATUS=monitoring 2 ports"),
	   "ready with status");
	mos_notify_status("%d flows, %s", 42, "0 drops");
	ok(!strcmp(next_msg(), "STATUS=42 flows, 0 drops"), "formatted status");
	mos_notify_stopping();
	ok(!strcmp(next_msg(), "STOPPING=1"), "stopping");

	/* No WatchdogSec=: nothing is sent (in a child: the answer is kept). */
	unsetenv("WATCHDOG_USEC");
	child = fork();
	if (child == 0) {
		mos_notify_watchdog_maybe();
		_exit(0);
	}
	waitpid(child, &st, 0);
	ok(!strcmp(next_msg(), ""), "no watchdog message without WATCHDOG_USEC");

	/* WatchdogSec=0.4s: one message, none within half of it, then one. */
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	setenv("WATCHDOG_USEC", "400000", 1);
	mos_notify_watchdog_maybe();
	ok(!strcmp(next_msg(), "WATCHDOG=1"), "first watchdog ping sent");
	mos_notify_watchdog_maybe();
	mos_notify_watchdog_maybe();
	ok(!strcmp(next_msg(), ""), "pings rate-limited to half the interval");
	usleep(250000);
	mos_notify_watchdog_maybe();
	ok(!strcmp(next_msg(), "WATCHDOG=1"), "ping again after half the interval");

	close(sock);
	unlink(path);
	return tap_done();
}
