#!/bin/sh
# hostns.sh PROGRAM ARGS... -- run PROGRAM inside a namespace "box" whose
# veth end (no kernel address) libmos drives, with Linux in a namespace
# "peer" at 10.9.0.2/24 on the other end.  The words IFACE and PEERNS in
# ARGS become the box's interface and the peer's namespace.  Prints the
# program's TAP lines; "skip -" without root or namespaces.
P=moshost$$
skip() { echo "skip - host netns: $*"; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root"
for t in ip ethtool python3; do
	command -v $t >/dev/null 2>&1 || {
		echo "not ok - host netns: $t is not installed (scripts/deps.sh)"
		exit 0; }
done
cleanup() {
	ip netns del $P-box 2>/dev/null
	ip netns del $P-peer 2>/dev/null
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ip netns add $P-box 2>/dev/null || skip "cannot create network namespaces"
ip netns add $P-peer || skip "cannot create network namespaces"
ip link add $P-b type veth peer name $P-p || skip "cannot add a veth pair"
ip link set $P-b netns $P-box && ip link set $P-p netns $P-peer ||
	skip "cannot move the veth ends"
# no IPv6 chatter, no kernel address on the box's end: every frame there
# is libmos's business
ip netns exec $P-box sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip netns exec $P-peer sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip -n $P-box link set $P-b up && ip -n $P-peer link set $P-p up &&
ip -n $P-peer link set lo up &&
ip -n $P-peer addr add 10.9.0.2/24 dev $P-p || skip "cannot set up the veth"
# complete checksums on what Linux sends (no offload through AF_PACKET)
for x in box:b peer:p; do
	ip netns exec $P-${x%:*} ethtool -K $P-${x#*:} tx off rx off gso off \
		tso off gro off >/dev/null 2>&1 ||
		skip "cannot switch offloads off on $P-${x#*:}"
done
prog=$1; shift
args=
for a in "$@"; do
	case $a in
	IFACE) a=$P-b ;;
	PEERNS) a=$P-peer ;;
	esac
	args="$args $a"
done
# shellcheck disable=SC2086
ip netns exec $P-box "$prog" $args
