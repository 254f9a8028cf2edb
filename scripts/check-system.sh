#!/bin/bash
# check-system.sh -- the mos-utils units and programs under a real systemd.
#
# Usage: scripts/check-system.sh DIR | DEB...
#   DIR holds libmos0_*.deb, libmos-dev_*.deb and mos-utils_*.deb, as
#   .ci/build-debs.sh leaves them (BUILD_DEBS_DIR).
#
# Boots a Debian 12 container (systemd-nspawn -b) whose PID 1 is the
# distribution's systemd, installs the three packages inside with dpkg and
# checks what systemd/*.service.in, mos-setup(8) and midstat(1) promise:
# Type=notify readiness, STATUS=, STOPPING=1 and a clean stop, the journal,
# a WatchdogSec= drop-in restarting a hung program, mos-flowlog's log and
# its reopening on reload, mos-hugepages.service and mos-bind-ports.service,
# and the template's Requires=/After= on them.  The programs read a DPDK
# net_pcap port on the container's own loopback (a private network
# namespace), where the checks open TCP connections to an echo service.
#
# Prints TAP ("ok N - ...", "not ok N - ...", a plan) and a summary line.
# Exit status: 0 every check passed, 1 one failed, 77 this machine cannot
# run systemd-nspawn at all (one line says why).
#
# Needs root, systemd-nspawn (systemd-container), debootstrap, nsenter and
# a Debian mirror, read from the machine's apt sources (or MIRROR=URL).
# The mos-flowlog checks say "# SKIP" while the package has no
# /usr/bin/mos-flowlog.  About a minute on a warm cache.
# Cache: CHECK_SYSTEM_CACHE, default /var/cache/libmos-ci, holds
#   bookworm/   the debootstrapped root (minbase, systemd, dbus) with the
#               packages' dependencies installed; made on the first run
#               (about 2 minutes with the dependencies), brought up to
#               date when the packages need more; remove it to start cold
#   run.XXXXXX/ one run's copy of it, booted, then removed (KEEP=1 keeps it)
# The container has its own network namespace: only apt-get in the cached
# root (dependencies) uses the network.
set -u
export LC_ALL=C.UTF-8

prog=check-system
cache=${CHECK_SYSTEM_CACHE:-/var/cache/libmos-ci}
base="$cache/bookworm"
t_begin=$(date +%s)

skip_all() {
	echo "1..0 # SKIP $prog: $*"
	exit 77
}
die() {
	echo "Bail out! $prog: $*"
	exit 1
}

# ------------------------------------------------------------ preflight
# "Cannot run systemd-nspawn at all": not root, the tools missing, or no
# namespaces for a container.  Everything after this is a real failure.
[ "$(id -u)" = 0 ] || skip_all "needs root (debootstrap, systemd-nspawn)"
for t in systemd-nspawn debootstrap nsenter unshare pgrep flock; do
	command -v "$t" >/dev/null ||
		skip_all "no $t here (scripts/deps.sh installs systemd-container, debootstrap)"
done
unshare --mount --uts --ipc --net --pid --fork true 2>/dev/null ||
	skip_all "cannot create the namespaces a container needs (unshare -mui -n -p failed)"

debs=()
for a in "$@"; do
	if [ -d "$a" ]; then
		for p in libmos0 libmos-dev mos-utils; do
			d=
			for f in "$a/${p}"_*.deb; do
				[ -f "$f" ] && d=$f
			done
			[ -n "$d" ] || die "no ${p}_*.deb in $a"
			debs+=("$(cd "$(dirname "$d")" && pwd)/$(basename "$d")")
		done
	else
		[ -f "$a" ] || die "$a: no such .deb"
		debs+=("$(cd "$(dirname "$a")" && pwd)/$(basename "$a")")
	fi
done
[ "${#debs[@]}" -ge 3 ] || die "usage: $0 DIR | libmos0.deb libmos-dev.deb mos-utils.deb"

# ------------------------------------------------------------ TAP
n=0
failed=0
skipped=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
skip() { n=$((n + 1)); skipped=$((skipped + 1)); echo "ok $n - $1 # SKIP $2"; }
# check DESCRIPTION COMMAND...: ok when the command succeeds; its output
# (the reason) follows a failure as TAP diagnostics.
check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$desc"
	else
		notok "$desc"
		printf '%s\n' "$out" | sed 's/^/#   /' | tail -n 25
	fi
}
note() { echo "# $*"; }

# ------------------------------------------------------------ the mirror
# First bookworm source of the machine: one-line format or deb822.
mirror_from_apt() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) while ($i !~ /\]$/) i++;
			if ($2 ~ /^\[/) i++;
			if ($(i + 1) == "bookworm") { print $i; exit } }' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk 'BEGIN { RS = ""; FS = "\n" }
		{ uri = ""; suites = ""; types = ""
		  for (i = 1; i <= NF; i++) {
			if ($i ~ /^URIs:/) { uri = $i; sub(/^URIs:[ \t]*/, "", uri); sub(/[ \t].*/, "", uri) }
			if ($i ~ /^Suites:/) suites = " " substr($i, 8) " "
			if ($i ~ /^Types:/) types = " " substr($i, 7) " "
		  }
		  if (uri != "" && suites ~ /[ \t]bookworm[ \t]/ && types ~ /[ \t]deb[ \t]/) { print uri; exit } }' "$f"
	done
}
mirror=${MIRROR:-$(mirror_from_apt | head -n 1)}
[ -n "$mirror" ] || die "no bookworm mirror in /etc/apt/sources.list{,.d/*} (set MIRROR=)"
# A proxy apt uses reaches debootstrap and the container's apt-get too.
if [ -z "${http_proxy:-}" ] && command -v apt-config >/dev/null; then
	eval "$(apt-config shell http_proxy Acquire::http::Proxy)"
	[ -n "${http_proxy:-}" ] && export http_proxy
fi

# ------------------------------------------------------------ containers
# A container for one command, sharing the machine's network (apt-get).
in_root() {
	local root=$1
	shift
	systemd-nspawn -q --register=no --keep-unit --pipe -D "$root" \
		--setenv=DEBIAN_FRONTEND=noninteractive \
		${http_proxy:+--setenv=http_proxy="$http_proxy"} "$@"
}

# The packages' dependencies, installed in the cached root so that a run
# needs no network.  apt-get -s tells what installing the .debs would add;
# anything besides the three is installed for good.  librte-net-pcap23 (a
# Recommends of libmos0) is the DPDK driver of the checks' port.
prepare_deps() {
	local root=$1 rc
	deps_in "$root"
	rc=$?
	rm -rf "$root/var/lib/libmos-ci"
	return $rc
}
deps_in() {
	local root=$1 sim want
	mkdir -p "$root/var/lib/libmos-ci/debs" || return 1
	rm -f "$root"/var/lib/libmos-ci/debs/*.deb
	cp "${debs[@]}" "$root/var/lib/libmos-ci/debs/" || return 1
	want=$(printf '/var/lib/libmos-ci/debs/%s ' "${debs[@]##*/}")
	# shellcheck disable=SC2086
	sim=$(in_root "$root" apt-get install -s -q --no-install-recommends \
		$want librte-net-pcap23 2>&1)
	if printf '%s\n' "$sim" | grep -q '^Inst ' &&
	   ! printf '%s\n' "$sim" | awk '$1 == "Inst" && $2 !~ /^(libmos0|libmos-dev|mos-utils)$/ { x = 1 } END { exit x ? 0 : 1 }'
	then
		return 0
	fi
	note "installing the packages' dependencies into $root (network)"
	in_root "$root" apt-get update -q >"$cache/deps.log" 2>&1 || {
		tail -n 20 "$cache/deps.log"
		return 1
	}
	# shellcheck disable=SC2086
	sim=$(in_root "$root" apt-get install -s -q --no-install-recommends \
		$want librte-net-pcap23 2>&1)
	# shellcheck disable=SC2046
	in_root "$root" apt-get install -y -q --no-install-recommends \
		$(printf '%s\n' "$sim" | awk '$1 == "Inst" && $2 !~ /^(libmos0|libmos-dev|mos-utils)$/ { print $2 }') \
		>>"$cache/deps.log" 2>&1 || {
		tail -n 20 "$cache/deps.log"
		return 1
	}
	in_root "$root" apt-get clean >/dev/null 2>&1
	return 0
}

make_base() {
	local t0 tmp="$base.new"
	t0=$(date +%s)
	rm -rf "$tmp"
	mkdir -p "$cache" || return 1
	note "debootstrap --variant=minbase --include=systemd,dbus bookworm $tmp $mirror"
	debootstrap --variant=minbase --include=systemd,dbus bookworm "$tmp" \
		"$mirror" >"$cache/debootstrap.log" 2>&1 || {
		tail -n 20 "$cache/debootstrap.log"
		return 1
	}
	mv "$tmp" "$base" || return 1
	note "debootstrap took $(( $(date +%s) - t0 )) s (log: $cache/debootstrap.log)"
}

# One run at a time changes the cached root (and copies it).
mkdir -p "$cache" || die "mkdir $cache"
exec 9>>"$cache/lock"
flock -w 900 9 || die "$cache/lock: another run holds it"
# Preparing the root is not a check: its lines are comments, a failure
# bails out.
if [ -f "$base/etc/os-release" ] && [ -x "$base/lib/systemd/systemd" ]; then
	note "Debian 12 root cached in $base"
else
	make_base || die "debootstrap of bookworm from $mirror failed"
	note "Debian 12 root made with debootstrap from $mirror in $base"
fi
# The one thing left that makes this machine unfit: nspawn itself.
if ! out=$(in_root "$base" /bin/true 2>&1); then
	flock -u 9
	skip_all "systemd-nspawn cannot run a container here: $(printf '%s\n' "$out" | grep -v '^$' | head -n 1)"
fi
t0=$(date +%s)
prepare_deps "$base" ||
	die "cannot install the packages' dependencies from $mirror (log: $cache/deps.log)"
note "the three packages' dependencies are in the root ($(( $(date +%s) - t0 )) s)"

# ------------------------------------------------------------ one run's copy
run=$(mktemp -d "$cache/run.XXXXXX") || die "mktemp in $cache"
root="$run/root"
nspawn_pid=
ctpid=

cleanup() {
	local i
	if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
		# nspawn turns SIGTERM into an orderly poweroff (SIGRTMIN+3)
		kill -TERM "$nspawn_pid" 2>/dev/null
		for i in $(seq 60); do
			kill -0 "$nspawn_pid" 2>/dev/null || break
			sleep 0.5
		done
		kill -0 "$nspawn_pid" 2>/dev/null && kill -KILL "$nspawn_pid"
		wait "$nspawn_pid" 2>/dev/null
	fi
	rmdir "/run/systemd/nspawn/propagate/${run##*/}" 2>/dev/null
	if [ "${KEEP:-0}" = 1 ]; then
		echo "# kept $run"
	else
		rm -rf "$run"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

cp -a --reflink=auto "$base" "$root" || die "copy of $base"
flock -u 9
rm -rf "$root/var/lib/libmos-ci"
mkdir -p "$root/var/lib/libmos-ci/debs"
cp "${debs[@]}" "$root/var/lib/libmos-ci/debs/" || die "copy of the .debs"
echo libmos-ci >"$root/etc/hostname"
# An echo service on the container's loopback: the traffic the programs
# see.  cat(1) per connection: it echoes and closes when the client does.
cat >"$root/etc/systemd/system/ci-echo.socket" <<'EOF'
[Socket]
ListenStream=127.0.0.1:7
Accept=yes
EOF
cat >"$root/etc/systemd/system/ci-echo@.service" <<'EOF'
[Service]
ExecStart=/bin/cat
StandardInput=socket
EOF

# ------------------------------------------------------------ boot
# Run a command inside the container: all its namespaces, a clean env.
ct() {
	nsenter -t "$ctpid" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		LC_ALL=C.UTF-8 SYSTEMD_PAGER= SYSTEMD_COLORS=0 TERM=dumb "$@"
}
prop() { ct systemctl show -P "$2" "$1"; }

# boot: start the container and wait for its systemd to finish booting;
# prints the state (running, degraded) or why not, fails if it is not up.
# --private-network: the container's loopback is its own, so the capture
# sees only the checks' connections.  With it nspawn gives the container
# only parts of /sys, without /sys/module, which DPDK's EAL reads (no
# /sys/module: "EAL: Cannot init VFIO"); a host has it, so bind it.  The
# capabilities mos@.service hands its programs must be in the container's
# bounding set, as on a host: nspawn's default lacks CAP_IPC_LOCK and
# CAP_SYS_RAWIO.
boot() {
	local i state
	ctpid=
	systemd-nspawn -q -b --register=no --keep-unit --private-network \
		--bind-ro=/sys/module --capability=CAP_IPC_LOCK,CAP_SYS_RAWIO \
		-M "${run##*/}" -D "$root" </dev/null >>"$run/console.log" 2>&1 &
	nspawn_pid=$!
	for i in $(seq 100); do
		ctpid=$(pgrep -P "$nspawn_pid" -x systemd) && break
		kill -0 "$nspawn_pid" 2>/dev/null || break
		sleep 0.2
	done
	if [ -z "$ctpid" ]; then
		echo "systemd-nspawn started no systemd"
		return 1
	fi
	# systemctl needs the manager's socket, a moment after PID 1 starts.
	for i in $(seq 150); do
		ct test -S /run/systemd/private && break
		sleep 0.2
	done
	state=$(ct timeout 60 systemctl is-system-running --wait 2>&1)
	echo "$state"
	case $state in
	running|degraded) ;;
	*) return 1 ;;
	esac
	# Debug logging: the manager then journals every sd_notify message
	# it gets ("Got notification message from PID N (READY=1, ...)").
	ct systemd-analyze log-level debug
}

# poweroff: nspawn turns SIGTERM into the container's orderly poweroff;
# its mounts live in its own namespace and go with it.
poweroff() {
	local i
	kill -TERM "$nspawn_pid"
	for i in $(seq 120); do
		kill -0 "$nspawn_pid" 2>/dev/null || break
		sleep 0.25
	done
	kill -0 "$nspawn_pid" 2>/dev/null && return 1
	wait "$nspawn_pid"
	nspawn_pid=
}

# (not state=$(boot): nspawn_pid and ctpid must be set in this shell)
boot >"$run/state"
rc=$?
state=$(cat "$run/state")
if [ "$rc" = 0 ]; then
	ok "container booted: PID 1 is $(ct systemctl --version | head -n 1), state $state"
else
	notok "container booted: ${state:-no state}"
	tail -n 20 "$run/console.log" | sed 's/^/#   /'
	die "the container did not come up"
fi
[ "$state" = degraded ] &&
	ct systemctl --failed --no-legend --plain | sed 's/^/#   failed in the container: /'

. "$(dirname "$0")/check-system-checks.sh"

# ------------------------------------------------------------ shutdown
t0=$(date +%s)
if ! poweroff; then
	notok "the container powers off within 30 s"
else
	left=$(grep -cF " $root" /proc/self/mountinfo)
	if [ "$left" = 0 ]; then
		ok "container powered off in $(( $(date +%s) - t0 )) s, no mount left under $root"
	else
		notok "mounts left under $root after the container ended: $left"
	fi
fi

echo "1..$n"
echo "# $prog: $((n - failed)) passed ($skipped skipped), $failed failed, $(( $(date +%s) - t_begin )) s"
[ "$failed" = 0 ]
