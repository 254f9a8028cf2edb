#!/bin/sh
# e2e.sh ECHO WORKDIR -- the end host on a DPDK net_af_packet port against
# Linux in another namespace: ping of the port address, ARP both ways,
# files of known SHA-256 echoed (socat, python3) and uploaded by libmos
# to a Linux listener, a Linux client refused with RST on a closed port.
# ECHO is t_hostecho.  Prints TAP lines; skips without root/namespaces.
echo_prog=$1 work=$2
P=mose2e$$
B=10.9.0.1 L=10.9.0.2
skip() { echo "skip - host e2e: $*"; exit 0; }
ok() { echo "ok - host e2e: $*"; }
nok() { echo "not ok - host e2e: $*"; }
check() { if [ "$1" = "$2" ]; then ok "$3"; else nok "$3 (got '$1', want '$2')"; fi; }

[ "$(id -u)" = 0 ] || skip "needs root"
for t in ip ethtool curl socat python3 ping sha256sum; do
	command -v $t >/dev/null 2>&1 || {
		nok "$t is not installed (scripts/deps.sh)"; exit 0; }
done
mkdir -p "$work" || exit 1
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	sleep 0.3
	ip netns del $P-box 2>/dev/null
	ip netns del $P-peer 2>/dev/null
	rm -rf "/var/run/dpdk/$P"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ip netns add $P-box 2>/dev/null || skip "cannot create network namespaces"
ip netns add $P-peer || skip "cannot create network namespaces"
ip link add $P-b type veth peer name $P-p || skip "cannot add a veth pair"
ip link set $P-b netns $P-box && ip link set $P-p netns $P-peer ||
	skip "cannot move the veth ends"
ip netns exec $P-box sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip netns exec $P-peer sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip -n $P-box link set $P-b up && ip -n $P-peer link set $P-p up &&
ip -n $P-peer link set lo up && ip -n $P-peer addr add $L/24 dev $P-p ||
	skip "cannot set up the veth pair"
for x in box:b peer:p; do
	ip netns exec $P-${x%:*} ethtool -K $P-${x#*:} tx off rx off gso off \
		tso off gro off >/dev/null 2>&1 ||
		skip "cannot switch offloads off on $P-${x#*:}"
done
box_mac=$(ip netns exec $P-box cat /sys/class/net/$P-b/address)

# the end host's port: an address, no arp_table (ARP resolves the peer)
cat > "$work/host.conf" <<CONF
mos = { io = "dpdk"; forward = false; mos_log = "";
  dpdk = { hugepages = false; memory_mb = 512; file_prefix = "$P"; };
  ports = ( { name = "p0"; vdev = "net_af_packet0,iface=$P-b";
              core_mask = 0x1; address = "$B/24"; } ); };
CONF
head -c 2000000 /dev/urandom > "$work/up.bin"
head -c 1000000 /dev/urandom > "$work/echo.bin"
up_sum=$(sha256sum < "$work/up.bin")
echo_sum=$(sha256sum < "$work/echo.bin")
rm -f "$work/recv.bin" "$work/ready"
ip netns exec $P-peer timeout 30 socat -u TCP-LISTEN:9000,reuseaddr \
	CREATE:"$work/recv.bin" &
pids="$pids $!"
# listening before libmos connects (a loaded machine starts slowly)
for i in $(seq 100); do
	ip netns exec $P-peer ss -Hltn 'sport = :9000' | grep -q . && break
	sleep 0.1
done
ip netns exec $P-box env MOS_STATS=1 "$echo_prog" "$work/host.conf" "$work/ready" \
	$L 9000 "$work/up.bin" > "$work/echo.out" 2> "$work/echo.err" &
echo_pid=$!
pids="$pids $echo_pid"
for i in $(seq 100); do [ -e "$work/ready" ] && break; sleep 0.1; done
if [ ! -e "$work/ready" ]; then
	nok "t_hostecho started on net_af_packet"
	sed 's/^/# /' "$work/echo.out" "$work/echo.err"
	exit 0
fi

# 1: ping of the port address (ICMP echo answered).  Linux may have
# learned our MAC from our own ARP request (the upload below started at
# once): forget it, so that it has to ask and we have to answer.
sleep 0.5
ip -n $P-peer neigh flush dev $P-p
ip netns exec $P-peer ping -c 3 -i 0.2 -W 2 $B > "$work/ping.log" 2>&1
check $? 0 "ping $B from Linux answered"
lladdr=$(ip -n $P-peer neigh show $B | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }')
check "$lladdr" "$box_mac" "Linux's ARP request answered: its entry for $B is the port's MAC"

# 2: echo with socat, then four at once with python3
got=$(ip netns exec $P-peer timeout 20 socat -t 10 - TCP:$B:7 \
	< "$work/echo.bin" | sha256sum)
check "$got" "$echo_sum" "socat: 1 MB echoed, SHA-256"
cat > "$work/echo.py" <<'PY'
import hashlib, socket, sys, threading
data = open(sys.argv[2], "rb").read()
want = hashlib.sha256(data).hexdigest()
res = []
def one():
    s = socket.create_connection((sys.argv[1], 7), timeout=20)
    t = threading.Thread(target=lambda: (s.sendall(data), s.shutdown(socket.SHUT_WR)))
    t.start()
    got = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        got += d
    t.join()
    res.append(hashlib.sha256(got).hexdigest() == want)
th = [threading.Thread(target=one) for _ in range(4)]
[x.start() for x in th]
[x.join() for x in th]
print(sum(res))
PY
check "$(ip netns exec $P-peer timeout 40 python3 "$work/echo.py" $B "$work/echo.bin")" 4 \
	"python3: 4 concurrent 1 MB echoes, every SHA-256"

# 3: a closed port: the client is refused (RST), curl exit 7
ip netns exec $P-peer curl -s -m 5 -o /dev/null http://$B:81/
check $? 7 "curl to closed port 81 refused (RST)"

# 4: the upload libmos made to Linux (ARP from libmos)
for i in $(seq 50); do [ -s "$work/recv.bin" ] && \
	[ "$(stat -c %s "$work/recv.bin")" -ge 2000000 ] && break; sleep 0.2; done
sleep 0.5
check "$(sha256sum < "$work/recv.bin" 2>/dev/null)" "$up_sum" \
	"libmos client: 2 MB uploaded to socat on Linux, SHA-256"

kill -INT $echo_pid
wait $echo_pid
check $? 0 "t_hostecho ended cleanly on SIGINT"
# its counters (MOS_STATS): ARP answered and asked, pings answered
grep -q ' arp in [0-9]* replies [1-9][0-9]* requests [1-9]' "$work/echo.err"
check $? 0 "the end host answered an ARP request and sent its own"
grep -q ' icmp echo [3-9]' "$work/echo.err"
check $? 0 "the end host counted the 3 echo requests it answered"
cat "$work/echo.out"
sed 's/^/# stderr: /' "$work/echo.err"
exit 0
