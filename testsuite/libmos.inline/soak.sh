#!/bin/sh
# soak.sh -- midstat inline for a bounded time under continuous traffic:
# client namespace <-> veth <-> midstat on two DPDK net_af_packet ports
# (forwarding) <-> veth <-> server namespace, as in netns.sh but without
# the impairing relay, so that every transfer must succeed.
#
#   soak.sh TOP_BUILDDIR WORKDIR
#
# SOAK_SECONDS (default 20) is the length of the main run.  Traffic, the
# whole time: a loop of short downloads (curl), a loop of short uploads
# (socat to a server that answers with the SHA-256 of what it read), one
# long rate-limited download and one long paced upload; every transfer's
# SHA-256 is compared and counted.  midstat's VmRSS (proc(5)) is sampled
# once a second.  Then: SIGHUP, SIGINT and SIGTERM mid-traffic, and a
# shorter run under valgrind(1).
#
# Prints TAP-style "ok - / not ok - / skip -" lines; skips without root or
# when the kernel refuses namespaces or veth pairs.
top=$1
work=$2
T=${SOAK_SECONDS:-20}
P=mossk$$
C=10.9.1.1 S=10.9.1.2

skip() { echo "skip - soak: $*"; exit 0; }
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; }
check() { if [ "$1" = "$2" ]; then ok "$3"; else nok "$3 (got '$1', want '$2')"; fi; }

[ "$(id -u)" = 0 ] || skip "needs root"
for t in ip ethtool curl socat python3 sha256sum; do
	if ! command -v $t >/dev/null 2>&1; then
		nok "soak: $t is not installed (scripts/deps.sh)"
		exit 0
	fi
done
mkdir -p "$work" || exit 1
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	sleep 0.3
	for n in cli box srv; do ip netns del $P-$n 2>/dev/null; done
	rm -rf "/var/run/dpdk/$P"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add $P-cli 2>/dev/null || skip "cannot create network namespaces"
ip netns add $P-box && ip netns add $P-srv &&
ip link add $P-c0 type veth peer name $P-c1 &&
ip link add $P-s0 type veth peer name $P-s1 || skip "cannot add veth pairs"
ip link set $P-c0 netns $P-cli && ip link set $P-c1 netns $P-box &&
ip link set $P-s0 netns $P-srv && ip link set $P-s1 netns $P-box &&
ip -n $P-cli addr add $C/24 dev $P-c0 && ip -n $P-cli link set $P-c0 up &&
ip -n $P-srv addr add $S/24 dev $P-s0 && ip -n $P-srv link set $P-s0 up &&
ip -n $P-box link set $P-c1 up && ip -n $P-box link set $P-s1 up ||
	skip "cannot set up veth pairs"
ip -n $P-cli link set lo up; ip -n $P-srv link set lo up
# Checksum offload off: frames crossing the box through AF_PACKET must
# carry complete checksums, or the far kernel drops them.
for x in cli:c0 srv:s0 box:c1 box:s1; do
	ip netns exec $P-${x%:*} ethtool -K $P-${x#*:} tx off rx off gso off \
		tso off gro off >/dev/null 2>&1 ||
		skip "cannot switch offloads off on $P-${x#*:}"
done

cat > "$work/box.conf" <<EOF
mos = { io = "dpdk"; forward = true; tcp_timeout = 30;
  dpdk = { hugepages = false; memory_mb = 512; file_prefix = "$P"; };
  ports = (
    { name = "c"; vdev = "net_af_packet0,iface=$P-c1"; core_mask = 0x1; },
    { name = "s"; vdev = "net_af_packet1,iface=$P-s1"; core_mask = 0x1; } );
  nic_forward_table = ( [ "c", "s" ] ); };
EOF

# Files of known SHA-256.  The long download lasts about 3/4 of the run
# at 200 KB/s.
rm -rf "$work/www" "$work/out"
mkdir -p "$work/www" "$work/out"
head -c 100000 /dev/urandom > "$work/www/small.bin"
head -c 200000 /dev/urandom > "$work/up.bin"
head -c $((T * 150000)) /dev/urandom > "$work/www/long.bin"
small_sum=$(sha256sum < "$work/www/small.bin" | cut -d' ' -f1)
up_sum=$(sha256sum < "$work/up.bin" | cut -d' ' -f1)
long_sum=$(sha256sum < "$work/www/long.bin" | cut -d' ' -f1)

(cd "$work/www" && exec ip netns exec $P-srv python3 -u -m http.server 8080 \
	--bind $S) > "$work/http.log" 2>&1 &
pids="$pids $!"
# the upload server: one process per connection, answers the SHA-256 of
# everything it read once the client half-closes
ip netns exec $P-srv socat TCP-LISTEN:9000,bind=$S,fork,reuseaddr \
	SYSTEM:'sha256sum' > "$work/socat.log" 2>&1 &
pids="$pids $!"
for i in 1 2 3 4 5 6 7 8 9 10; do
	grep -q Serving "$work/http.log" 2>/dev/null && break
	sleep 0.5
done

# start PROGRAM ARGS... in the box namespace (ip netns exec execs it, so
# $box_pid is the program's own pid); wait WAIT s for it to forward
box_pid=
box_start() {
	log=$1 wait=$2; shift 2
	ip netns exec $P-box "$@" > "$log" 2>&1 &
	box_pid=$!
	pids="$pids $box_pid"
	sleep "$wait"
	kill -0 $box_pid 2>/dev/null
}
box_status=
box_signal() {	# SIG: send it, wait up to 10 s, set box_status
	kill -$1 $box_pid 2>/dev/null
	for i in $(seq 20); do
		kill -0 $box_pid 2>/dev/null || break
		sleep 0.5
	done
	if kill -0 $box_pid 2>/dev/null; then
		box_status=running
		return
	fi
	wait $box_pid 2>/dev/null
	box_status=$?
}

# --- the traffic loops; each writes one line per transfer: ok or bad
stopfile="$work/stop"
short_down() {
	n=0
	while [ ! -e "$stopfile" ]; do
		n=$((n + 1))
		f="$work/out/d.bin"
		rm -f "$f"
		ip netns exec $P-cli curl -s -m 10 -o "$f" \
			http://$S:8080/small.bin
		s=$(sha256sum < "$f" 2>/dev/null | cut -d' ' -f1)
		if [ "$s" = "$small_sum" ]; then echo ok; else echo "bad $n"; fi
	done
}
short_up() {
	while [ ! -e "$stopfile" ]; do
		s=$(ip netns exec $P-cli timeout 15 socat -t 10 -T 10 - \
			TCP:$S:9000,connect-timeout=5 < "$work/up.bin" 2>/dev/null | cut -d' ' -f1)
		if [ "$s" = "$up_sum" ]; then echo ok; else echo bad; fi
	done
}
long_down() {
	rm -f "$work/out/long.bin"
	ip netns exec $P-cli curl -s -m $((T * 2 + 30)) --limit-rate 200k \
		-o "$work/out/long.bin" http://$S:8080/long.bin
	s=$(sha256sum < "$work/out/long.bin" 2>/dev/null | cut -d' ' -f1)
	if [ "$s" = "$long_sum" ]; then echo ok; else echo bad; fi
}
long_up() {	# SECONDS: a paced upload of random bytes, checked by hash
	ip netns exec $P-cli python3 - $S "$1" <<'PY'
import hashlib, os, socket, sys, time
s = socket.create_connection((sys.argv[1], 9000), timeout=20)
h = hashlib.sha256()
end = time.time() + float(sys.argv[2])
while time.time() < end:
    b = os.urandom(4096)
    h.update(b)
    s.sendall(b)
    time.sleep(0.02)
s.shutdown(socket.SHUT_WR)
r = b""
while True:
    d = s.recv(4096)
    if not d:
        break
    r += d
print("ok" if r.split()[:1] == [h.hexdigest().encode()] else "bad")
PY
}
traffic_start() {	# TAG LONGSECONDS
	rm -f "$stopfile"
	short_down > "$work/$1.down" 2>/dev/null &
	tp="$!"
	short_up > "$work/$1.up" 2>/dev/null &
	tp="$tp $!"
	if [ "$2" -gt 0 ]; then
		long_down > "$work/$1.ldown" 2>/dev/null &
		tp="$tp $!"
		long_up "$2" > "$work/$1.lup" 2>/dev/null &
		tp="$tp $!"
	fi
	pids="$pids $tp"
}
traffic_stop() {
	touch "$stopfile"
	wait $tp
}
count() { grep -c "^$1" "$2" 2>/dev/null; }

rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' /proc/$1/status 2>/dev/null; }

# --- 1: the soak: T seconds of traffic, RSS once a second, SIGINT at the end
if ! box_start "$work/midstat.log" 4 "$top/utils/midstat" -f "$work/box.conf"
then
	nok "soak: midstat started on two af_packet ports"
	sed 's/^/# /' "$work/midstat.log"
	exit 0
fi
rss0=$(rss $box_pid)
traffic_start soak $((T * 3 / 4))
: > "$work/rss"
for i in $(seq $T); do
	sleep 1
	rss $box_pid >> "$work/rss"
done
traffic_stop
alive=no
kill -0 $box_pid 2>/dev/null && alive=yes
check $alive yes "soak: midstat ran ${T} s under traffic"
box_signal INT
check "$box_status" 0 "soak: SIGINT after the run: midstat exits 0"

sd_ok=$(count ok "$work/soak.down") sd_bad=$(count bad "$work/soak.down")
su_ok=$(count ok "$work/soak.up") su_bad=$(count bad "$work/soak.up")
echo "# short downloads: $sd_ok ok, $sd_bad bad; short uploads: $su_ok ok, $su_bad bad"
check "$sd_bad/$su_bad" 0/0 "soak: no short transfer lost or corrupted (SHA-256)"
r=no
[ "$sd_ok" -ge "$T" ] && [ "$su_ok" -ge "$T" ] && r=yes
check $r yes "soak: at least one short transfer a second each way"
check "$(cat "$work/soak.ldown")" ok "soak: long rate-limited download, SHA-256"
check "$(cat "$work/soak.lup")" ok "soak: long paced upload, SHA-256"
made=$((sd_ok + sd_bad + su_ok + su_bad + 2))
seen=$(sed -n 's/^Connections seen: //p' "$work/midstat.log")
check "$seen" $made "soak: midstat's final table: connections seen = connections made"

# RSS: the sample at the end of warm-up (a quarter of the run) against
# the largest over the second half; the margin is 10 % or 2 MiB.
nrss=$(wc -l < "$work/rss")
warm=$(sed -n "$((T / 4))p" "$work/rss")
end=$(tail -1 "$work/rss")
max2=$(tail -n $((nrss / 2)) "$work/rss" | sort -n | tail -1)
echo "# RSS at start $rss0 KiB, after warm-up $warm KiB, at end $end KiB (max over the second half $max2 KiB, $nrss samples)"
echo "# RSS growth after warm-up: $((end - warm)) KiB for $made connections"
echo "# RSS samples: $(tr '\n' ' ' < "$work/rss")"
lim=$((warm + warm / 10))
[ $lim -lt $((warm + 2048)) ] && lim=$((warm + 2048))
r=no
[ "$nrss" -ge $((T - 1)) ] && [ -n "$max2" ] && [ "$max2" -le "$lim" ] && r=yes
check $r yes "soak: midstat's RSS flat after warm-up (second-half max $max2 <= $lim KiB)"

# --- 2: SIGHUP mid-traffic.  midstat(1) documents no SIGHUP handling
# (nothing to reload: midstat reads no file after start), so what is
# tested is that it either keeps forwarding or is gone; the report says
# which.
if box_start "$work/hup.log" 4 "$top/utils/midstat" -f "$work/box.conf"; then
	traffic_start hup 0
	sleep 2
	kill -HUP $box_pid
	sleep 3
	if kill -0 $box_pid 2>/dev/null; then
		n0=$(( $(count ok "$work/hup.down") + $(count ok "$work/hup.up") ))
		sleep 3
		n1=$(( $(count ok "$work/hup.down") + $(count ok "$work/hup.up") ))
		traffic_stop
		r=no
		[ $n1 -gt $n0 ] && r=yes
		check $r yes "soak: SIGHUP mid-traffic: midstat keeps forwarding"
		box_signal INT
		check "$box_status" 0 "soak: SIGINT after SIGHUP: midstat exits 0"
	else
		wait $box_pid
		st=$?
		traffic_stop
		echo "# SIGHUP: midstat ended with status $st (default action; midstat(1) documents no SIGHUP)"
		check "$st" 129 "soak: SIGHUP mid-traffic: midstat, undocumented there, ends by the default action (status 129), as a process that installs no SIGHUP handler"
	fi
else
	nok "soak: midstat restarted for SIGHUP"
fi

# --- 3: SIGINT mid-traffic (the documented stop, systemd's KillSignal):
# exit 0 and the final table printed
if box_start "$work/int.log" 4 "$top/utils/midstat" -f "$work/box.conf"; then
	traffic_start int 0
	sleep 3
	box_signal INT
	traffic_stop
	check "$box_status" 0 "soak: SIGINT mid-traffic: midstat exits 0"
	grep -q '^Connections seen: [1-9]' "$work/int.log"
	check $? 0 "soak: SIGINT mid-traffic: final table printed"
else
	nok "soak: midstat restarted for SIGINT"
fi

# --- 4: SIGTERM mid-traffic.  midstat installs no SIGTERM handler;
# mos@.service says SIGTERM kills the programs on the spot, which is why
# its KillSignal is SIGINT.  Tested: it ends at once, by that signal.
if box_start "$work/term.log" 4 "$top/utils/midstat" -f "$work/box.conf"; then
	traffic_start term 0
	sleep 3
	box_signal TERM
	traffic_stop
	echo "# SIGTERM: midstat ended with status $box_status"
	check "$box_status" 143 "soak: SIGTERM mid-traffic: midstat ends at once by the signal (status 143), as mos@.service documents"
else
	nok "soak: midstat restarted for SIGTERM"
fi

# --- 5: a shorter run under valgrind: no definite leak, no error.
# Suppressed: blocks the constructors of DPDK's drivers allocate when the
# EAL dlopen(3)s them (mlx5_common_init and the like) and never free;
# they are DPDK's, allocated before main, and not libmos's.  Only definite
# leaks are errors: the EAL's control and telemetry threads run until exit
# and their thread-local blocks show as "possibly lost".
VT=10
cat > "$work/dpdk.supp" <<'EOF'
{
   dpdk-driver-constructors
   Memcheck:Leak
   match-leak-kinds: definite,indirect,possible
   fun:malloc
   ...
   fun:_dl_init
}
EOF
if ! command -v valgrind >/dev/null 2>&1; then
	echo "skip - soak: valgrind is not installed"
elif box_start "$work/vg.log" 20 "$top/libtool" --mode=execute \
	valgrind --leak-check=full --error-exitcode=9 \
	--errors-for-leak-kinds=definite --suppressions="$work/dpdk.supp" \
	--log-file="$work/vg.out" "$top/utils/midstat" -f "$work/box.conf"
then
	traffic_start vg 0
	sleep $VT
	traffic_stop
	vd=$(count ok "$work/vg.down") vu=$(count ok "$work/vg.up")
	echo "# under valgrind: $vd downloads, $vu uploads in ${VT} s"
	r=no
	[ "$vd" -ge 1 ] && [ "$vu" -ge 1 ] && r=yes
	check $r yes "soak: under valgrind: transfers through midstat"
	box_signal INT
	check "$box_status" 0 "soak: under valgrind: midstat exits 0 after SIGINT (no valgrind error)"
	dl=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$work/vg.out")
	grep -q 'All heap blocks were freed' "$work/vg.out" && dl=0
	sed -n 's/^==[0-9]*== *\(.*lost:.*\)/# valgrind: \1/p' "$work/vg.out"
	check "${dl:-none}" 0 "soak: under valgrind: no definite leak"
else
	nok "soak: midstat started under valgrind"
	sed 's/^/# /' "$work/vg.log" "$work/vg.out" | tail -20
fi

# --- nothing left behind
cleanup
trap - EXIT
left=
for p in $pids; do kill -0 $p 2>/dev/null && left="$left $p"; done
check "${left:-none}" none "soak: no process left behind"
check "$(ip netns list | grep -c "^$P-")" 0 "soak: no namespace left behind"
exit 0
