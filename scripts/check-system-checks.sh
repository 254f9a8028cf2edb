# check-system-checks.sh -- the checks of scripts/check-system.sh, sourced
# by it once the container runs: ct CMD runs CMD inside, prop UNIT NAME
# reads a unit property, check/ok/notok/skip print TAP lines.
#
# What each check holds to is what the unit files (systemd/*.service.in),
# mos-setup(8), midstat(1), mos-flowlog(1) and debian/rules say.
# shellcheck shell=bash

conf=/etc/mos/mos.conf
unit=mos@midstat.service

# ------------------------------------------------------------ helpers
# Seconds since an arbitrary start, with microseconds, on the host (the
# container shares the kernel's clocks).
now_us() { echo $(( $(date +%s%N) / 1000 )); }

# The journal, inside, as "[monotonic] text" lines.
jr() { ct journalctl -q --no-pager -o short-monotonic "$@"; }

# What systemd's own messages about an invocation of a unit say.
sd_log() { jr _PID=1 INVOCATION_ID="$1"; }

# wait_for SECONDS COMMAND...: until the command succeeds.
wait_for() {
	local t=$1 i
	shift
	for i in $(seq $((t * 5))); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	"$@" >/dev/null 2>&1
}
is_state() { [ "$(prop "$1" ActiveState)" = "$2" ]; }
status_is() { prop "$unit" StatusText | grep -qx "$1"; }

# One TCP connection to the container's echo service: send, read it
# back, close (FIN both ways: the server's cat exits on EOF).
connect_echo() {
	ct bash -c 'exec 3<>/dev/tcp/127.0.0.1/7 || exit 1
		printf "libmos\n" >&3
		read -r -t 5 line <&3 && [ "$line" = libmos ]'
}

# mos.conf variants.  The port is a DPDK net_pcap device on the
# container's loopback, so the programs see the checks' connections;
# loopback frames carry no TCP checksum (the kernel leaves it to the
# "hardware"), hence verify_checksums = false; a monitor does not forward.
write_conf() {	# SETUP-GROUP [EXTRA-PORT]
	cat >"$root$conf" <<EOF
# check-system: the container's loopback through DPDK's pcap driver
mos = {
  io = "dpdk";
  forward = false;
  verify_checksums = false;
  mos_log = "";
  dpdk = { hugepages = false; memory_mb = 64; };
  ports = ( { name = "lo"; vdev = "net_pcap0,iface=lo"; core_mask = 0x1; }${2-} );
  setup = { $1 };
};
EOF
}

# The lines the last mos-setup run of a oneshot unit printed, as
# journalctl -u (and systemctl status) shows them.  Failing that, by PID
# alone, with a note: when journald reads a stream only after its process
# has exited, it can no longer tell the unit (seen here whenever the
# manager's debug logging keeps journald busy, hence info level for these
# checks).
setup_lines() {
	local pid out
	pid=$(prop "$1" ExecMainPID)
	[ -n "$pid" ] && [ "$pid" != 0 ] || return 1
	out=$(ct journalctl -q --no-pager -o cat -u "$1" _PID="$pid")
	if [ -z "$out" ]; then
		out=$(ct journalctl -q --no-pager -o cat _PID="$pid" SYSLOG_IDENTIFIER=mos-setup)
		[ -n "$out" ] && echo "# journalctl -u $1 lacks the output of PID $pid" >&2
	fi
	printf '%s\n' "$out"
}

# ------------------------------------------------------------ the packages
out=$(ct sh -c 'dpkg -i /var/lib/libmos-ci/debs/*.deb' 2>&1)
if [ $? = 0 ] && ct dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Version}\n' \
	libmos0 libmos-dev mos-utils | grep -c '^ii ' | grep -qx 3; then
	ok "dpkg -i libmos0 libmos-dev mos-utils under the running systemd (maintainer scripts ran)"
else
	notok "dpkg -i libmos0 libmos-dev mos-utils"
	printf '%s\n' "$out" | tail -n 20 | sed 's/^/#   /'
	die "packages not installed"
fi

both_disabled() {
	local st
	st=$(ct systemctl is-enabled mos-hugepages.service mos-bind-ports.service)
	echo "is-enabled:" $st
	[ "$(printf '%s\n' "$st" | sort -u)" = disabled ]
}
check "mos-hugepages and mos-bind-ports are installed disabled (debian/rules: the administrator enables them)" both_disabled

check "systemd-analyze verify: the installed units load cleanly" \
	ct systemd-analyze verify --man=no "$unit" mos-hugepages.service mos-bind-ports.service

# ------------------------------------------------------------ as installed
# mos.conf says: as installed it loads without hardware and hugepages.
if ct systemctl start "$unit" && is_state "$unit" active &&
	wait_for 5 status_is '[0-9]* connections tracked'; then
	ok "systemctl start $unit with the mos.conf as installed (net_null0): $(prop "$unit" StatusText)"
else
	notok "systemctl start $unit with the mos.conf as installed"
	ct systemctl status --no-pager -n 15 "$unit" | sed 's/^/#   /'
fi

# The template Requires= and is After= both setup units, and
# mos-hugepages.service is Before= mos-bind-ports.service.
deps_order() {
	local h_up b_start b_up m_start
	h_up=$(prop mos-hugepages.service ActiveEnterTimestampMonotonic)
	b_start=$(prop mos-bind-ports.service ExecMainStartTimestampMonotonic)
	b_up=$(prop mos-bind-ports.service ActiveEnterTimestampMonotonic)
	m_start=$(prop "$unit" ExecMainStartTimestampMonotonic)
	echo "mos-hugepages up at $h_up, mos-bind-ports ran at $b_start, up at $b_up; midstat ran at $m_start"
	is_state mos-hugepages.service active && is_state mos-bind-ports.service active &&
	[ "$h_up" -gt 0 ] && [ "$h_up" -le "$b_start" ] && [ "$b_up" -le "$m_start" ]
}
check "starting $unit pulled in mos-hugepages then mos-bind-ports, each finished before the next began (Requires=, After=, Before=)" deps_order

# AmbientCapabilities= and CapabilityBoundingSet= of mos@.service:
# CAP_DAC_OVERRIDE(1) CAP_NET_ADMIN(12) CAP_NET_RAW(13) CAP_IPC_LOCK(14)
# CAP_SYS_RAWIO(17), nothing else, and no new privileges.
caps_are() {
	local pid st want
	want=$(printf '%016x' $(( (1 << 1) | (1 << 12) | (1 << 13) | (1 << 14) | (1 << 17) )))
	pid=$(prop "$unit" MainPID)
	st=$(ct cat "/proc/$pid/status") || return 1
	printf '%s\n' "$st" | grep -E '^(Cap(Eff|Bnd|Amb)|NoNewPrivs):'
	[ "$(printf '%s\n' "$st" | awk '/^CapEff:/ { print $2 }')" = "$want" ] &&
	[ "$(printf '%s\n' "$st" | awk '/^CapBnd:/ { print $2 }')" = "$want" ] &&
	[ "$(printf '%s\n' "$st" | awk '/^NoNewPrivs:/ { print $2 }')" = 1 ]
}
check "the program runs with exactly the unit's five capabilities and NoNewPrivileges" caps_are

ct systemctl stop "$unit" mos-bind-ports.service mos-hugepages.service

# ------------------------------------------------------------ readiness
write_conf ""
ct systemctl start ci-echo.socket || notok "the echo service of the checks"

# Extra arguments come from /etc/default/mos-INSTANCE (mos@.service).
printf 'MOS_ARGS="-b 65536"\n' >"$root/etc/default/mos-midstat"
t0=$(now_us)
ct systemctl start "$unit"
rc=$?
t1=$(now_us)
st=$(ct systemctl show -p ActiveState -p SubState --value "$unit" | paste -sd/)
inv=$(prop "$unit" InvocationID)
pid=$(prop "$unit" MainPID)
t_exec=$(prop "$unit" ExecMainStartTimestampMonotonic)
t_active=$(prop "$unit" ActiveEnterTimestampMonotonic)
# In the manager's own journal order: the READY=1 it got, then the job's end.
order=$(sd_log "$inv" | awk -v p="Got notification message from PID $pid (READY=1" '
	index($0, p) && !r { r = NR }
	/\/start finished, result=done/ && !d { d = NR }
	END { print (r && d && r < d) ? "ready-then-done" : "r=" r " d=" d }')
if [ "$rc" = 0 ] && [ "$st" = active/running ] && [ "$order" = ready-then-done ] &&
	[ "$t_active" -gt "$t_exec" ] && [ $((t1 - t0)) -ge $((t_active - t_exec)) ]; then
	ok "systemctl start returned after READY=1: the program was ready $(( (t_active - t_exec) / 1000 )) ms after exec, the start took $(( (t1 - t0) / 1000 )) ms; the job ended after READY=1 came"
else
	notok "systemctl start returns only after READY=1 (rc $rc, $st, $order, start took $(( (t1 - t0) / 1000 )) ms, exec $t_exec active $t_active)"
	sd_log "$inv" | tail -n 15 | sed 's/^/#   /'
fi
args_given() {
	local c
	c=$(ct cat "/proc/$pid/cmdline" | tr '\0' ' ')
	echo "command line: $c"
	[ "$c" = "/usr/bin/midstat -f /etc/mos/mos.conf -b 65536 " ]
}
check "MOS_ARGS=\"-b 65536\" in /etc/default/mos-midstat reaches the program" args_given

# A connection held open: midstat's STATUS= counts it.
ct systemd-run -q --unit=ci-hold --service-type=exec bash -c \
	'exec 3<>/dev/tcp/127.0.0.1/7; printf "held\n" >&3; read -r l <&3; sleep 60'
if wait_for 6 status_is '1 connections tracked' &&
	ct systemctl status --no-pager -n 0 "$unit" | grep -q 'Status: "1 connections tracked"'; then
	ok "systemctl status shows the program's STATUS=: $(ct systemctl status --no-pager -n 0 "$unit" | grep -o 'Status: .*')"
else
	notok "systemctl status shows STATUS=\"1 connections tracked\" while one connection is open"
	ct systemctl status --no-pager -n 5 "$unit" | sed 's/^/#   /'
fi

row='^tcp +0 +127\.0\.0\.1:[0-9]+ +ESTABLISHED +127\.0\.0\.1:7 +ESTABLISHED'
table_row() { ct journalctl -q -u "$unit" -o cat _PID="$pid" | grep -Eq "$row"; }
check "journalctl -u $unit has the program's table with the open connection" \
	wait_for 5 table_row

# ------------------------------------------------------------ stop
# KillSignal=SIGINT: the programs stop on SIGINT (mtcp_register_signal),
# send STOPPING=1, end the contexts and print their final table.
ct systemctl stop ci-hold.service
connect_echo
ct systemctl stop "$unit"
rc=$?
log=$(sd_log "$inv")
out=$(ct journalctl -q --no-pager -o cat _PID="$pid")
if [ "$rc" = 0 ] &&
	printf '%s\n' "$log" | grep -qF "Got notification message from PID $pid (STOPPING=1)" &&
	printf '%s\n' "$log" | grep -qF "Main process exited, code=exited, status=0/SUCCESS" &&
	[ "$(prop "$unit" ActiveState)" = inactive ] &&
	printf '%s\n' "$out" | grep -Eq '^Connections seen: [1-9]'; then
	ok "systemctl stop: STOPPING=1, exit status 0, inactive (not failed), final table: $(printf '%s\n' "$out" | grep -E '^Connections seen')"
else
	notok "systemctl stop ends the program cleanly (STOPPING=1, status 0, inactive)"
	printf '%s\n' "$log" | grep -E 'STOPPING|exited|Stopp|signal|Killing' | tail -n 8 | sed 's/^/#   /'
fi

# Requires=: stopping a setup unit stops the programs that need it.
requires_stop() {
	ct systemctl start "$unit" || return 1
	ct systemctl stop mos-bind-ports.service || return 1
	echo "after stopping mos-bind-ports: $unit $(prop "$unit" ActiveState), mos-hugepages $(prop mos-hugepages.service ActiveState)"
	is_state "$unit" inactive && is_state mos-hugepages.service active
}
check "systemctl stop mos-bind-ports.service also stops $unit (Requires=)" requires_stop

# ------------------------------------------------------------ watchdog
# A drop-in as mos@.service suggests; the program pings at half the
# interval; a stopped (hung) program misses them and systemd restarts it
# (Restart=on-failure covers a watchdog timeout).  No core dump: the
# container's / would get it.
mkdir -p "$root/etc/systemd/system/$unit.d"
printf '[Service]\nWatchdogSec=3s\nLimitCORE=0\n' >"$root/etc/systemd/system/$unit.d/watchdog.conf"
ct systemctl daemon-reload
watchdog() {
	local pid1 pid2 inv1 n0 pings
	ct systemctl start "$unit" || return 1
	pid1=$(prop "$unit" MainPID)
	inv1=$(prop "$unit" InvocationID)
	n0=$(prop "$unit" NRestarts)
	sleep 7		# more than two intervals: it must survive them
	pings=$(sd_log "$inv1" | grep -cF "Got notification message from PID $pid1 (WATCHDOG=1)")
	echo "WatchdogSec=$(prop "$unit" WatchdogUSec), $pings WATCHDOG=1 in 7 s, NRestarts $n0, PID $pid1 $(prop "$unit" SubState)"
	[ "$pings" -ge 3 ] && [ "$(prop "$unit" MainPID)" = "$pid1" ] || return 1
	ct bash -c "kill -STOP $pid1" || return 1
	restarted() {
		[ "$(prop "$unit" NRestarts)" -gt "$n0" ] &&
		[ "$(prop "$unit" SubState)" = running ]
	}
	wait_for 15 restarted || {
		sd_log "$inv1" | tail -n 8
		return 1
	}
	pid2=$(prop "$unit" MainPID)
	echo "after SIGSTOP of $pid1: NRestarts $(prop "$unit" NRestarts), PID $pid2 $(prop "$unit" SubState)"
	sd_log "$inv1" | grep -F 'Watchdog timeout' || return 1
	[ "$pid2" != "$pid1" ]
}
out=$(watchdog 2>&1)
if [ $? = 0 ]; then
	ok "WatchdogSec=3s drop-in: $(printf '%s\n' "$out" | grep -o '[0-9]* WATCHDOG=1 in 7 s'), then a SIGSTOPped program was killed and restarted ($(printf '%s\n' "$out" | grep -o 'NRestarts [0-9]*' | tail -n 1))"
else
	notok "a WatchdogSec= drop-in restarts a hung program"
	printf '%s\n' "$out" | sed 's/^/#   /'
fi
ct systemctl stop "$unit"
rm -rf "$root/etc/systemd/system/$unit.d"
ct systemctl daemon-reload

# ------------------------------------------------------------ mos-hugepages
ct systemd-analyze log-level info
# Its work that a container allows: mount hugetlbfs (hugetlbfs_mount),
# in the root namespace, so that the programs see it -- the reason the
# unit has no ProtectSystem= of its own.
write_conf 'hugetlbfs_mount = "/run/mos/hugepages";'
huge_mount() {
	ct systemctl restart mos-hugepages.service || return 1
	setup_lines mos-hugepages.service
	ct systemctl start "$unit" || return 1
	ct nsenter -t "$(prop "$unit" MainPID)" -m findmnt -n -o FSTYPE /run/mos/hugepages | grep -qx hugetlbfs
}
out=$(huge_mount 2>&1)
if [ $? = 0 ]; then
	ok "mos-hugepages.service mounted hugetlbfs, which the program's namespace sees: $(printf '%s\n' "$out" | grep mounted)"
else
	notok "mos-hugepages.service mounts hugetlbfs_mount for the programs"
	printf '%s\n' "$out" | sed 's/^/#   /'
fi
ct systemctl stop "$unit" mos-bind-ports.service mos-hugepages.service
ct umount /run/mos/hugepages 2>/dev/null

# What it cannot do here: reserve pages (the container's /sys is
# read-only).  Where the pages exist already it has nothing to do.
write_conf 'hugepages = ( { node = 0; size_kb = 2048; pages = 64; } );'
inv_before=$(prop "$unit" InvocationID)
said=$(ct systemctl start "$unit" 2>&1)
rc=$?
lines=$(setup_lines mos-hugepages.service)
errs=$(printf '%s\n' "$lines" | grep -c '^mos-setup: ')
if is_state mos-hugepages.service active &&
	printf '%s\n' "$lines" | grep -q 'nothing to do\|reserved'; then
	ok "mos-hugepages.service reserved the pages: $(printf '%s\n' "$lines" | tail -n 1)"
	skip "a failing mos-hugepages.service keeps $unit from starting" "the pages could be reserved here"
elif is_state mos-hugepages.service failed && [ "$errs" = 1 ] &&
	printf '%s\n' "$lines" | grep -q '^mos-setup: .*2048kB' &&
	[ "$(prop mos-hugepages.service Result)" = exit-code ]; then
	ok "mos-hugepages.service failed where pages cannot be reserved, with one line: $(printf '%s\n' "$lines" | grep '^mos-setup: ')"
	if [ "$rc" != 0 ] && is_state "$unit" inactive &&
		[ "$(prop "$unit" InvocationID)" = "$inv_before" ] &&
		printf '%s\n' "$said" | grep -q 'A dependency job for .* failed'; then
		ok "$unit did not start without its hugepages (Requires=): \"$said\", the program never ran"
	else
		notok "$unit must not start when mos-hugepages.service fails (rc $rc, $(prop "$unit" ActiveState))"
	fi
else
	notok "mos-hugepages.service reserves the pages or fails with one line (state $(prop mos-hugepages.service ActiveState), $errs error lines)"
	printf '%s\n' "$lines" | sed 's/^/#   /'
	notok "$unit with a failing mos-hugepages.service (not reached)"
fi
ct systemctl stop "$unit" mos-bind-ports.service mos-hugepages.service
ct systemctl reset-failed mos-hugepages.service "$unit" 2>/dev/null

# ------------------------------------------------------------ mos-bind-ports
# Nothing to bind: success, and its ExecStop (mos-setup --undo) too.
write_conf ""
bind_none() {
	ct systemctl restart mos-bind-ports.service || return 1
	setup_lines mos-bind-ports.service
	setup_lines mos-bind-ports.service | grep -q 'nothing to bind' || return 1
	ct systemctl stop mos-bind-ports.service || return 1
	jr -o cat SYSLOG_IDENTIFIER=mos-setup | tail -n 1 | grep 'nothing to undo'
}
check "mos-bind-ports.service without PCI ports: nothing to bind; its stop runs mos-setup --undo" bind_none

# A port whose PCI device does not exist (no such device here; this
# address is checked to be absent, so no device of the machine is ever
# touched).
pci=ffff:ff:1f.7
if [ -e "/sys/bus/pci/devices/$pci" ] || ct test -e "/sys/bus/pci/devices/$pci"; then
	skip "mos-bind-ports.service fails with one line for a missing PCI device" "$pci exists here"
else
	write_conf "" ", { name = \"nic\"; pci = \"$pci\"; core_mask = 0x1; }"
	ct systemctl start mos-bind-ports.service >/dev/null 2>&1
	lines=$(setup_lines mos-bind-ports.service)
	if is_state mos-bind-ports.service failed &&
		[ "$(printf '%s\n' "$lines" | grep -c '^mos-setup: ')" = 1 ] &&
		printf '%s\n' "$lines" | grep -q "PCI device $pci not found"; then
		ok "mos-bind-ports.service failed for a PCI port the machine lacks, with one line: $(printf '%s\n' "$lines" | grep '^mos-setup: ')"
	else
		notok "mos-bind-ports.service fails with one line for a missing PCI device ($(prop mos-bind-ports.service ActiveState))"
		printf '%s\n' "$lines" | sed 's/^/#   /'
	fi
	ct systemctl reset-failed mos-bind-ports.service
fi
write_conf ""

# ------------------------------------------------------------ mos-flowlog
ct systemd-analyze log-level debug
flow=mos@mos-flowlog.service
flog=/var/log/mos/conn.log
if ! ct test -x /usr/bin/mos-flowlog; then
	skip "$flow writes its log and reopens it on reload" "mos-flowlog is not in this mos-utils package"
else
	# zeek conn.log: records are the lines not starting with '#';
	# field 5 id.resp_h, 6 id.resp_p.
	records() { ct awk -F'\t' '!/^#/ && $5 == "127.0.0.1" && $6 == "7"' "$1" 2>/dev/null | wc -l; }
	records_at_least() { [ "$(records "$1")" -ge "$2" ]; }
	logged_status() {
		[ "$(prop "$flow" StatusText | sed -n 's/^\([0-9]*\) connections logged$/\1/p')" -ge 2 ] 2>/dev/null
	}
	flowlog_write() {
		ct systemctl start "$flow" || return 1
		connect_echo && connect_echo || return 1
		wait_for 8 records_at_least "$flog" 2 || {
			ct ls -l /var/log/mos
			ct tail -n 5 "$flog"
			return 1
		}
		ct head -n 8 "$flog" | grep -q '^#fields' || return 1
		# mos-flowlog(1): STATUS= shows how many connections were logged
		wait_for 4 logged_status || {
			echo "STATUS=$(prop "$flow" StatusText) with $(records "$flog") records"
			return 1
		}
		echo "$(records "$flog") records in $flog; STATUS=$(prop "$flow" StatusText)"
	}
	out=$(flowlog_write 2>&1)
	if [ $? = 0 ]; then
		ok "$flow writes Zeek records to $flog: $out"
	else
		notok "$flow writes its log"
		printf '%s\n' "$out" | sed 's/^/#   /'
		ct systemctl status --no-pager -n 10 "$flow" | sed 's/^/#   /'
	fi
	# logrotate's way: rename, then signal; the old file is closed with
	# "#close", the new one gets a header and what follows.
	reopened() {	# OLD-NAME RECORDS-BEFORE
		connect_echo || return 1
		wait_for 8 records_at_least "$flog" 1 || {
			ct ls -l /var/log/mos
			return 1
		}
		echo "$1: $(records "$1") records, last line $(ct tail -n 1 "$1" | cut -f1); $flog: $(records "$flog") new"
		[ "$(records "$1")" = "$2" ] &&
		ct tail -n 1 "$1" | grep -q '^#close' &&
		ct head -n 8 "$flog" | grep -q '^#fields'
	}
	flowlog_reload() {
		local old
		ct mv "$flog" "$flog.1" || return 1
		old=$(records "$flog.1")
		ct systemctl reload "$flow" || return 1
		reopened "$flog.1" "$old"
	}
	out=$(flowlog_reload 2>&1)
	if [ $? = 0 ]; then
		ok "systemctl reload $flow reopens the log: $out"
	else
		notok "systemctl reload $flow reopens its log"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
	# The shipped logrotate rules' postrotate command, as logrotate runs it.
	flowlog_logrotate() {
		local old cmd
		cmd=$(ct sed -n '/^[[:space:]]*postrotate/,/^[[:space:]]*endscript/{//!p}' /etc/logrotate.d/mos-flowlog)
		[ -n "$cmd" ] || return 1
		echo "postrotate: $cmd"
		ct mv "$flog" "$flog.2" || return 1
		old=$(records "$flog.2")
		ct sh -c "$cmd" || return 1
		reopened "$flog.2" "$old"
	}
	out=$(flowlog_logrotate 2>&1)
	if [ $? = 0 ]; then
		ok "/etc/logrotate.d/mos-flowlog's postrotate reopens the log: $(printf '%s\n' "$out" | tail -n 1)"
	else
		notok "/etc/logrotate.d/mos-flowlog's postrotate makes $flow reopen its log"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
	finv=$(prop "$flow" InvocationID)
	ct systemctl stop "$flow"
	if ct tail -n 1 "$flog" | grep -q '^#close' &&
		sd_log "$finv" | grep -qF 'Main process exited, code=exited, status=0/SUCCESS'; then
		ok "systemctl stop $flow: exit status 0, the log ends with #close"
	else
		notok "systemctl stop $flow ends cleanly with the log's #close"
		sd_log "$finv" | grep -E 'exited|signal|Stopp' | tail -n 5 | sed 's/^/#   /'
	fi
fi

# ------------------------------------------------------------ at boot
# mos-setup(8): systemctl enable --now mos-bind-ports.service
# mos@midstat.service.  After a reboot the program runs again, its setup
# units before it (WantedBy=multi-user.target, Requires=, After=).
write_conf ""
at_boot() {
	ct systemctl enable --now mos-bind-ports.service "$unit" || return 1
	poweroff || { echo "the container did not power off"; return 1; }
	boot >"$run/state" || { echo "no boot: $(cat "$run/state")"; return 1; }
	wait_for 10 status_is '[0-9]* connections tracked' || {
		ct systemctl status --no-pager -n 10 "$unit"
		return 1
	}
	deps_order
}
boot_out=$(mktemp)
at_boot >"$boot_out" 2>&1
if [ $? = 0 ]; then
	ok "systemctl enable --now mos-bind-ports.service $unit (mos-setup(8)), reboot: it runs again after its setup units"
else
	notok "an enabled $unit starts at boot after its setup units"
	sed 's/^/#   /' "$boot_out"
fi
rm -f "$boot_out"
