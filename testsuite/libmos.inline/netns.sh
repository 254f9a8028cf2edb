#!/bin/sh
# netns.sh -- the real inline test: client namespace <-> veth <-> a libmos
# program on two DPDK net_af_packet ports (forwarding) <-> veth <-> server
# namespace.  Files of known SHA-256 cross the box both ways.
#
#   netns.sh TOP_BUILDDIR WORKDIR RELAY
#
# The client's leg runs through RELAY (testsuite/lib/impair_relay.py), a
# user-space impairing bridge in a namespace of its own: loss, reordering,
# duplication and delay of TCP frames, where a kernel may lack sch_netem
# (tc-netem(8)).
#
# Prints TAP-style "ok - / not ok - / skip -" lines.  Skips without root
# or when the kernel refuses namespaces, veth pairs or offload settings; a
# missing program (scripts/deps.sh installs them all) is a failure.  Every
# address used lives in the namespaces this script creates, and they are
# removed at exit.
top=$1
work=$2
relay=$3
P=mosinl$$
C=10.9.0.1 S=10.9.0.2 N=10.9.0.100

skip() { echo "skip - inline netns: $*"; exit 0; }
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; }
check() { if [ "$1" = "$2" ]; then ok "$3"; else nok "$3 (got '$1', want '$2')"; fi; }

[ "$(id -u)" = 0 ] || skip "needs root"
for t in ip ethtool curl socat python3 sha256sum; do
	if ! command -v $t >/dev/null 2>&1; then
		nok "inline netns: $t is not installed (scripts/deps.sh)"
		exit 0
	fi
done
if [ ! -f "$relay" ]; then
	nok "inline netns: no impairing relay at $relay"
	exit 0
fi
mkdir -p "$work" || exit 1
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	sleep 0.3
	for n in cli imp box srv; do ip netns del $P-$n 2>/dev/null; done
	rm -rf "/var/run/dpdk/$P"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add $P-cli 2>/dev/null || skip "cannot create network namespaces"
ip netns add $P-box && ip netns add $P-srv &&
ip link add $P-s0 type veth peer name $P-s1 || skip "cannot add veth pairs"
# client leg: c0 (cli) -- i0 [relay in imp] i1 -- c1 (box)
ip netns add $P-imp &&
ip link add $P-c0 type veth peer name $P-i0 &&
ip link add $P-i1 type veth peer name $P-c1 &&
ip link set $P-i0 netns $P-imp && ip link set $P-i1 netns $P-imp &&
ip -n $P-imp link set $P-i0 up && ip -n $P-imp link set $P-i1 up ||
	skip "cannot set up the impaired leg"
ip link set $P-c0 netns $P-cli && ip link set $P-c1 netns $P-box &&
ip link set $P-s0 netns $P-srv && ip link set $P-s1 netns $P-box &&
ip -n $P-cli addr add $C/24 dev $P-c0 && ip -n $P-cli link set $P-c0 up &&
ip -n $P-srv addr add $S/24 dev $P-s0 && ip -n $P-srv link set $P-s0 up &&
ip -n $P-box link set $P-c1 up && ip -n $P-box link set $P-s1 up ||
	skip "cannot set up veth pairs"
ip -n $P-cli link set lo up; ip -n $P-srv link set lo up
# Checksum offload off: frames crossing the box through AF_PACKET must
# carry complete checksums, or the far kernel drops them.
legs="cli:c0 srv:s0 box:c1 box:s1 imp:i0 imp:i1"
for x in $legs; do
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
rm -f "$work/relay.json"
ip netns exec $P-imp python3 "$relay" $P-i0 $P-i1 --seed 5 \
	--loss 2 --reorder 5 --dup 1 --delay 1 \
	--stats "$work/relay.json" > "$work/relay.log" 2>&1 &
relay_pid=$!
pids="$pids $relay_pid"
sleep 0.5
if ! kill -0 $relay_pid 2>/dev/null; then
	nok "inline netns: the impairing relay started"
	sed 's/^/# /' "$work/relay.log"
	exit 0
fi
mkdir -p "$work/www"
head -c 3000000 /dev/urandom > "$work/www/down.bin"
head -c 300000 /dev/urandom > "$work/www/small.bin"
small_sum=$(sha256sum < "$work/www/small.bin")
head -c 2000000 /dev/urandom > "$work/up.bin"
down_sum=$(sha256sum < "$work/www/down.bin")
up_sum=$(sha256sum < "$work/up.bin")

# start PROGRAM ARGS... in the box namespace; wait until it forwards
box_pid=
box_start() {
	log=$1; shift
	ip netns exec $P-box "$@" > "$log" 2>&1 &
	box_pid=$!
	pids="$pids $box_pid"
	sleep 4
	kill -0 $box_pid 2>/dev/null
}
box_stop() {
	kill -INT $box_pid 2>/dev/null
	for i in 1 2 3 4 5 6 7 8 9 10; do
		kill -0 $box_pid 2>/dev/null || break
		sleep 0.5
	done
	wait $box_pid 2>/dev/null
}

# the HTTP server, started once; wait for its banner (no probing
# connection, which the monitor would count)
(cd "$work/www" && exec ip netns exec $P-srv python3 -u -m http.server 8080 \
	--bind $S) > "$work/http.log" 2>&1 &
pids="$pids $!"
for i in 1 2 3 4 5 6 7 8 9 10; do
	grep -q Serving "$work/http.log" 2>/dev/null && break
	sleep 0.5
done

download() {	# NAME: curl the file through the box, print its sum
	rm -f "$work/$1"
	ip netns exec $P-cli curl -s -m 20 -o "$work/$1" \
		http://$S:8080/down.bin
	sha256sum < "$work/$1" 2>/dev/null
}

upload() {	# PORT: socat the file to the server, print the received sum
	rm -f "$work/recv.bin"
	ip netns exec $P-srv timeout 25 socat -u \
		TCP-LISTEN:$1,reuseaddr CREATE:"$work/recv.bin" &
	l=$!
	sleep 0.5
	ip netns exec $P-cli timeout 20 socat -u FILE:"$work/up.bin" \
		TCP:$S:$1
	wait $l
	sha256sum < "$work/recv.bin" 2>/dev/null
}

many=16
parallel() {	# N concurrent downloads of small.bin; print how many match
	for i in $(seq "$1"); do
		ip netns exec $P-cli curl -s -m 40 -o "$work/p$i.bin" \
			http://$S:8080/small.bin &
	done
	wait
	for i in $(seq "$1"); do sha256sum < "$work/p$i.bin"; done |
		grep -c "^${small_sum%% *} "
}

# --- 1: midstat forwarding: 3 downloads, 1 upload, 16 at once
if box_start "$work/midstat.log" "$top/utils/midstat" -f "$work/box.conf"
then
	for i in 1 2 3; do
		check "$(download d$i.bin)" "$down_sum" \
			"midstat inline: download $i through the box, SHA-256"
	done
	check "$(upload 9000)" "$up_sum" \
		"midstat inline: upload through the box, SHA-256"
	t0=$(date +%s.%N)
	check "$(parallel $many)" $many \
		"midstat inline: $many concurrent downloads, every SHA-256"
	t1=$(date +%s.%N)
	echo "# $many x 300000 bytes concurrently in $(echo "$t1 - $t0" | bc 2>/dev/null || echo "?") s"
	box_stop
	check "$(sed -n 's/^Connections seen: //p' "$work/midstat.log")" \
		$((4 + many)) "midstat inline: connections seen = connections made"
else
	nok "midstat inline: midstat started on two af_packet ports"
	sed 's/^/# /' "$work/midstat.log"
fi

# --- 2: simple_firewall: port 8080 blocked, port 9000 passes
printf 'DROP %s %s dport:8080\n' $C $S > "$work/fw.rules"
if box_start "$work/fw.log" "$top/utils/simple_firewall" \
	-c "$work/box.conf" -f "$work/fw.rules"
then
	ip netns exec $P-cli curl -s -m 3 -o /dev/null http://$S:8080/down.bin
	check $? 28 "simple_firewall inline: blocked port 8080 times out at the client (SYN dropped)"
	check "$(upload 9001)" "$up_sum" \
		"simple_firewall inline: port 9001 passes, SHA-256"
	box_stop
	# the final table: the SYN and its retransmissions hit the rule
	hits=$(grep '^1 .*DROP .*dport:8080' "$work/fw.log" | tail -1 |
		awk '{ print ($2 >= 1) }')
	check "$hits" 1 "simple_firewall inline: the DROP rule counted its hits"
else
	nok "simple_firewall inline: started"
	sed 's/^/# /' "$work/fw.log"
fi

# --- 3: nat: the server sees the public address; replies come back
# The server reaches the public address through the client's MAC (the
# box is transparent at layer 2).
cmac=$(ip -n $P-cli -o link show $P-c0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
ip -n $P-srv neigh replace $N lladdr "$cmac" dev $P-s0
if box_start "$work/nat.log" "$top/utils/mos-nat" -f "$work/box.conf" -i $N
then
	check "$(download n1.bin)" "$down_sum" \
		"nat inline: download through the NAT, SHA-256"
	check "$(upload 9002)" "$up_sum" \
		"nat inline: upload through the NAT, SHA-256"
	box_stop
	grep -q "^$N - - .*GET /down.bin" "$work/http.log"
	check $? 0 "nat inline: the server saw the public address"
else
	nok "nat inline: started"
	sed 's/^/# /' "$work/nat.log"
fi
# the impairment really happened: the relay's counters, both ways
kill -TERM $relay_pid
wait $relay_pid
impaired=$(python3 - "$work/relay.json" <<'PY' 2>&1
import json, sys
s = json.load(open(sys.argv[1]))
print(" ".join("%s:%d/%d/%d" % (d, s[d]["dropped"], s[d]["reordered"],
                                s[d]["duplicated"]) for d in ("a_to_b", "b_to_a")))
PY
)
echo "# relay dropped/reordered/duplicated: $impaired"
case $impaired in
*a_to_b:[1-9]*/[1-9]*/*b_to_a:[1-9]*/[1-9]*/*) r=yes ;;
*) r=no ;;
esac
check $r yes "client leg impaired: the relay dropped and reordered frames both ways"
exit 0
