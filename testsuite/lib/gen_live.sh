#!/bin/sh
# gen_live.sh -- real Linux TCP between network namespaces, captured on
# the monitor's leg, with the streams the two ends exchanged.
#
#   gen_live.sh --out FILE.pcap [--seed N] [--conns N] [--parallel N]
#       [--up MIN[:MAX]] [--down MIN[:MAX]] [--modes LIST] [--ports LIST]
#       [--impair none|light|lossy|heavy|LOSS,REORDER,DUP,DELAY[,HOLD]]
#       [--ipv6] [--mtu N] [--timeout S]
#
#   [cli] c0 ---- m0 [mid: bridge, or impair_relay.py] m1 ---- s0 [srv]
#                                       tcpdump on m1 ^
#
# The client opens --conns connections, --parallel at a time, to the
# server (live_traffic.py: half close, both ways at once, rounds, RST,
# server closes first).  Both ends check every byte; only a transfer that
# happened as planned gives output:
#
#   FILE.pcap        the capture on m1, the mid namespace's server-facing
#                    port (Ethernet, snap length 262144, filter "tcp")
#   FILE.expected/   what each connection carried, written by the client
#                    from what it sent, in the layout of mos-flowdump(1)
#   FILE.relay.json  the relay's counters, when impaired
#
# --impair puts impair_relay.py in the middle instead of a bridge, with
# loss, reordering, duplication (percent) and delay (ms): light is
# 1,2,1,1; lossy 5,10,2,1; heavy 8,15,4,2 with reordered frames held 5 ms.
# Frames toward the server are impaired before the capture point and
# frames toward the client after it, so the capture holds holes that a
# retransmission fills as well as copies of bytes it already has, and
# every byte a receiver read went past the capture point.
# Offloads are off on every veth (ethtool(8) -K), so captured segments
# are wire-sized with valid checksums.
#
# Exit status: 0 done; 1 failed (the reason on standard error); 77 this
# host cannot run it (not root, no network namespaces or veth), reason on
# standard error.  Every namespace and process it makes is gone at exit.
set -u
here=$(cd "$(dirname "$0")" && pwd)
out='' seed=1 conns=8 parallel=4 up=1000:20000 down=1000:60000
modes=reqresp,duplex,pingpong,rst,srvclose ports=8080
impair=none ipv6=0 mtu=1500 timeout=60

die() { echo "gen_live.sh: $*" >&2; exit 1; }
cannot() { echo "gen_live.sh: $*" >&2; exit 77; }

while [ $# -gt 0 ]; do
	case $1 in
	--ipv6) ipv6=1; shift; continue ;;
	--*) [ $# -ge 2 ] || die "$1 needs a value" ;;
	esac
	case $1 in
	--out) out=$2 ;;
	--seed) seed=$2 ;;
	--conns) conns=$2 ;;
	--parallel) parallel=$2 ;;
	--up) up=$2 ;;
	--down) down=$2 ;;
	--modes) modes=$2 ;;
	--ports) ports=$2 ;;
	--impair) impair=$2 ;;
	--mtu) mtu=$2 ;;
	--timeout) timeout=$2 ;;
	*) die "unknown argument $1" ;;
	esac
	shift 2
done
case $out in
*.pcap) ;;
*) die "--out FILE.pcap is required" ;;
esac
case $impair in
none) spec= ;;
light) spec=1,2,1,1,3 ;;
lossy) spec=5,10,2,1,3 ;;
heavy) spec=8,15,4,2,5 ;;
*,*,*,*,*) spec=$impair ;;
*,*,*,*) spec=$impair,3 ;;
*) die "bad --impair $impair" ;;
esac

[ "$(id -u)" = 0 ] || cannot "needs root (network namespaces)"
for t in ip ethtool tcpdump python3; do
	command -v $t >/dev/null 2>&1 ||
		die "$t is not installed (scripts/deps.sh installs it)"
done
py=$(command -v python3)

if [ $ipv6 = 1 ]; then
	cip=2001:db8:77::1 sip=2001:db8:77::2 plen=64 nodad=nodad
else
	# RFC 2544 benchmarking addresses, only ever inside our namespaces
	cip=198.18.0.1 sip=198.18.0.2 plen=24 nodad=
fi
P=mgl$$
C=$P-cli M=$P-mid S=$P-srv
base=${out%.pcap}
work=$(mktemp -d "${TMPDIR:-/tmp}/gen_live.XXXXXX") || die "mktemp failed"
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	for n in $C $M $S; do ip netns del $n 2>/dev/null; done
	# veth pairs not yet moved into a namespace (deleting one end
	# deletes both)
	ip link del $P-c0 2>/dev/null
	ip link del $P-s0 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add $C 2>"$work/err" ||
	cannot "cannot create network namespaces: $(cat "$work/err")"
ip netns add $M && ip netns add $S || die "ip netns add failed"
ip link add $P-c0 type veth peer name $P-m0 2>"$work/err" ||
	cannot "cannot create veth pairs: $(cat "$work/err")"
ip link add $P-s0 type veth peer name $P-m1 || die "ip link add failed"
ip link set $P-c0 netns $C && ip link set $P-m0 netns $M &&
ip link set $P-m1 netns $M && ip link set $P-s0 netns $S ||
	die "cannot move the veth ends"
# the middle is a wire, not a host: no addresses, no IPv6 of its own
ip netns exec $M sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	net.ipv6.conf.default.disable_ipv6=1
for x in $C:c0:$cip $S:s0:$sip $M:m0: $M:m1:; do
	ns=${x%%:*} rest=${x#*:}
	dev=$P-${rest%%:*} addr=${rest#*:}
	ip -n $ns link set lo up
	ip -n $ns link set $dev mtu "$mtu" || die "cannot set MTU $mtu"
	ip netns exec $ns ethtool -K $dev tx off tso off gso off gro off \
		>/dev/null 2>&1 || die "cannot switch offloads off on $dev"
	if [ -n "$addr" ]; then
		ip -n $ns addr add "$addr/$plen" dev $dev $nodad ||
			die "cannot add $addr"
	else
		ip -n $ns link set $dev promisc on
	fi
	ip -n $ns link set $dev up
done

if [ -n "$spec" ]; then
	IFS=, read -r loss reorder dup delay hold <<EOF
$spec
EOF
	ip netns exec $M "$py" "$here/impair_relay.py" $P-m0 $P-m1 \
		--seed "$seed" --loss "$loss" --reorder "$reorder" --dup "$dup" \
		--delay "$delay" --reorder-delay "$hold" \
		--stats "$work/relay.json" 2>"$work/relay.err" &
	relay=$!
	pids="$pids $relay"
	# ready once its two packet(7) sockets are bound (/proc/net/packet
	# lists those of the namespace): frames sent before would be lost
	for i in $(seq 100); do
		n=$(ip netns exec $M cat /proc/net/packet 2>/dev/null | wc -l)
		[ "$n" -ge 3 ] && break
		kill -0 "$relay" 2>/dev/null || break
		sleep 0.05
	done
	[ "$n" -ge 3 ] ||
		die "impair_relay.py did not start: $(cat "$work/relay.err")"
else
	ip -n $M link add $P-br type bridge &&
	ip -n $M link set $P-m0 master $P-br &&
	ip -n $M link set $P-m1 master $P-br &&
	ip -n $M link set $P-br up ||
		cannot "cannot create a bridge in a namespace"
fi

# -Z root: tcpdump(8) would otherwise write as user tcpdump
ip netns exec $M tcpdump -i $P-m1 -s 262144 -B 16384 --immediate-mode -U \
	-n -Z root -w "$work/cap.pcap" tcp 2>"$work/tcpdump.err" &
tcpdump=$!
pids="$pids $tcpdump"
for i in $(seq 100); do
	grep -q "listening on" "$work/tcpdump.err" && break
	sleep 0.05
done
grep -q "listening on" "$work/tcpdump.err" ||
	die "tcpdump did not start: $(cat "$work/tcpdump.err")"

plan="--seed $seed --conns $conns --up $up --down $down --modes $modes"
plan="$plan --ports $ports --timeout $timeout"
t0=$(date +%s%N)
# shellcheck disable=SC2086
ip netns exec $S "$py" "$here/live_traffic.py" server --ip $sip \
	--ready "$work/ready" $plan 2>"$work/server.err" &
server=$!
pids="$pids $server"
for i in $(seq 100); do
	[ -e "$work/ready" ] && break
	sleep 0.05
done
[ -e "$work/ready" ] || die "server did not start: $(cat "$work/server.err")"
rm -rf "$base.expected"
# shellcheck disable=SC2086
ip netns exec $C "$py" "$here/live_traffic.py" client --ip $cip \
	--server $sip --parallel "$parallel" --expect "$work/expected" \
	$plan >"$work/client.out" 2>"$work/client.err"
crc=$?
wait "$server"
src=$?
t1=$(date +%s%N)
# The programs are gone, but the kernels may still retransmit a lost FIN
# (RFC 9293 3.10.7): wait until no socket has a FIN unacknowledged, so
# that the capture holds the end of every connection, then let the last
# ACKs through and stop the relay (it flushes what it holds) before the
# capture.
for i in $(seq 100); do
	busy=
	for n in $C $S; do
		busy=$busy$(ip netns exec $n ss -Htn state fin-wait-1 \
			state closing state last-ack 2>/dev/null)
	done
	[ -z "$busy" ] && break
	sleep 0.1
done
sleep 0.3
if [ -n "$spec" ]; then
	kill -TERM "$relay"
	wait "$relay"
	sleep 0.2
fi
kill -TERM "$tcpdump"
wait "$tcpdump"
if [ $crc != 0 ] || [ $src != 0 ]; then
	cat "$work/client.err" "$work/server.err" >&2
	[ -z "$spec" ] || cat "$work/relay.err" >&2
	die "traffic failed (client $crc, server $src); nothing written"
fi
packets=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured.*/\1/p' "$work/tcpdump.err")
dropped=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$work/tcpdump.err")
[ "${dropped:-0}" = 0 ] || die "tcpdump lost $dropped frames in the kernel"

mkdir -p "$(dirname "$out")" || die "cannot create $(dirname "$out")"
mv "$work/cap.pcap" "$out" && mv "$work/expected" "$base.expected" ||
	die "cannot write $out"
relaytxt=
if [ -n "$spec" ]; then
	cp "$work/relay.json" "$base.relay.json" || die "no relay counters"
	relaytxt=$("$py" - "$base.relay.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
print(", relay " + "; ".join(
    "%s: %d dropped %d held %d doubled of %d" % (d, s[d]["dropped"],
    s[d]["reordered"], s[d]["duplicated"], s[d]["tcp"])
    for d in ("a_to_b", "b_to_a")))
EOF
)
fi
echo "gen_live.sh: $(basename "$out"): ${packets:-?} frames," \
	"$(cat "$work/client.out"), impair $impair," \
	"$(( (t1 - t0) / 1000000 )) ms$relaytxt"
