#!/bin/sh
# iface.sh TOOLS FLOWDUMP WORKDIR -- the pcap backend on a live interface:
# mos-flowdump captures the loopback of a network namespace of its own
# while real Linux TCP (TOOLS/live_traffic.py, testsuite/lib) runs over
# it, stops on SIGINT, and its tree must equal the streams the traffic
# carried, as the client wrote them from what it sent.
set -eu
tools=$1 flowdump=$2 work=$3
ns="mos-iface-$$"
plan="--seed 7 --conns 6 --up 1000:30000 --down 2000:60000 --ports 8080"
rm -rf "$work"
mkdir -p "$work"
cleanup() {
	[ -n "${dump:-}" ] && kill "$dump" 2>/dev/null || true
	[ -n "${srv:-}" ] && kill "$srv" 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up

# loopback hands TCP to the capture before the checksum is filled in
cat >"$work/lo.conf" <<CONF
mos = { io = "pcap"; forward = false; mos_log = ""; verify_checksums = false;
  ports = ( { name = "lo"; interface = "lo"; core_mask = 0x1; } ); };
CONF
ip netns exec "$ns" "$flowdump" -f "$work/lo.conf" -o "$work/out" \
	2>"$work/flowdump.err" &
dump=$!
sleep 1
# shellcheck disable=SC2086
ip netns exec "$ns" python3 "$tools/live_traffic.py" server \
	--ip 127.0.0.2 --ready "$work/ready" $plan &
srv=$!
for i in $(seq 50); do [ -e "$work/ready" ] && break; sleep 0.1; done
# shellcheck disable=SC2086
ip netns exec "$ns" python3 "$tools/live_traffic.py" client \
	--ip 127.0.0.1 --server 127.0.0.2 --parallel 3 \
	--expect "$work/expected" $plan
wait "$srv"
srv=
# SIGINT stops a live capture at once: give it time to read the backlog
# (longer under sanitizers or valgrind)
sleep 2
kill -INT "$dump"
wait "$dump"
dump=
diff -r -x gaps.tsv "$work/expected" "$work/out"
echo "iface: equal"
