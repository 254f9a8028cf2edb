#!/bin/sh
# interop.sh -- libmos's end host against Linux TCP, in network namespaces
# this script makes:
#
#   lin namespace: 10.9.1.1/24 on veth l0 (curl, python3 http.server)
#        |  (impaired runs: l0 -- i0 [impair_relay.py in imp] i1 -- m0)
#   mos namespace: veth m0 with no kernel address; mos-epserver or
#        mos-epwget on a DPDK net_af_packet port on it, libmos's own
#        address 10.9.1.2/24 (ARP, ping and TCP answered by libmos)
#
#   interop.sh TOP_BUILDDIR WORKDIR [RELAY]
#
# Linux curl downloads files of known SHA-256 (1 KB, 1 MB, 20 MB, and 100
# at once) from mos-epserver; mos-epwget downloads them from python3's
# http.server and from nginx (keep-alive, 100 at once); closed ports are
# refused with a RST both ways.  With RELAY (impair_relay.py) the whole
# matrix runs a second time with 2% loss, 2% reordering and 2%
# duplication on the leg.  Then mos-epwget fetches from mos-epserver over
# a veth pair with libmos on both ends, once with generated
# configurations and once with etc/mos-epserver.conf and
# etc/mos-epwget.conf as shipped.  Prints "ok - / not ok - / skip -"
# lines.  Needs root, ip netns and veth; otherwise it skips.  Every
# address used lives in the namespaces made here, removed at exit.
top=$1
work=$2
relay=$3
P=moshost$$
L=10.9.1.1 M=10.9.1.2
srv="$top/utils/mos-epserver"
wget="$top/utils/mos-epwget"

skip() { echo "skip - interop: $*"; exit 0; }
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; }
check() { if [ "$1" = "$2" ]; then ok "$3"; else nok "$3 (got '$1', want '$2')"; fi; }
note() { sed 's/^/# /' "$@"; }

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
for t in ip ethtool curl python3 sha256sum timeout xargs; do
	command -v $t >/dev/null 2>&1 || skip "$t not installed"
done
mkdir -p "$work" || exit 1
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	sleep 0.3
	for n in lin mos imp; do ip netns del $P-$n 2>/dev/null; done
	rm -rf "/var/run/dpdk/$P" "/var/run/dpdk/$P-s" "/var/run/dpdk/$P-c"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add $P-lin 2>/dev/null || skip "cannot create network namespaces"
ip netns add $P-mos || skip "cannot create network namespaces"
ip link add $P-v type veth peer name $P-w 2>/dev/null ||
	skip "cannot add veth pairs"
ip link del $P-v
# the programs and files must be there: a missing one fails, never skips
for f in "$srv" "$wget"; do
	[ -x "$f" ] || { nok "interop: $f is built"; exit 0; }
done

# --- the files, made once
www="$work/www"
mkdir -p "$www"
head -c 1024 /dev/urandom > "$www/1k.bin"
head -c 1048576 /dev/urandom > "$www/1m.bin"
head -c 20971520 /dev/urandom > "$www/20m.bin"
sum() { sha256sum < "$1" 2>/dev/null | cut -c1-64; }
for f in 1k 1m 20m; do eval "sum_$f=$(sum "$www/$f.bin")"; done

# --- the topology: MODE direct or impaired
topo_up() {
	if [ "$1" = impaired ]; then
		ip netns add $P-imp &&
		ip link add $P-l0 type veth peer name $P-i0 &&
		ip link add $P-i1 type veth peer name $P-m0 &&
		ip link set $P-i0 netns $P-imp &&
		ip link set $P-i1 netns $P-imp &&
		ip -n $P-imp link set $P-i0 up &&
		ip -n $P-imp link set $P-i1 up || return 1
	else
		ip link add $P-l0 type veth peer name $P-m0 || return 1
	fi
	ip link set $P-l0 netns $P-lin && ip link set $P-m0 netns $P-mos &&
	ip -n $P-lin addr add $L/24 dev $P-l0 &&
	ip -n $P-lin link set $P-l0 up && ip -n $P-lin link set lo up &&
	ip -n $P-mos link set $P-m0 up || return 1
	# Checksum offload off: frames read through AF_PACKET must carry
	# complete checksums, or libmos drops them (and the kernel ours).
	legs="lin:l0 mos:m0"
	[ "$1" = impaired ] && legs="$legs imp:i0 imp:i1"
	for x in $legs; do
		ip netns exec $P-${x%:*} ethtool -K $P-${x#*:} tx off rx off \
			gso off tso off gro off >/dev/null 2>&1 || return 1
	done
	cat > "$work/mos.conf" <<EOF
mos = { io = "dpdk"; forward = false; tcp_timeout = 30; tcp_tw_interval = 0;
  max_concurrency = 4096; rmem_size = 262144; wmem_size = 262144;
  mos_log = "";
  dpdk = { hugepages = false; memory_mb = 512; file_prefix = "$P"; };
  ports = ( { name = "m"; vdev = "net_af_packet0,iface=$P-m0";
              core_mask = 0x1; address = "$M/24"; } ); };
EOF
	relay_pid=
	if [ "$1" = impaired ]; then
		ip netns exec $P-imp /usr/bin/python3 "$relay" $P-i0 $P-i1 \
			--seed 11 --loss 2 --reorder 2 --dup 2 --delay 1 \
			--stats "$work/relay.json" > "$work/relay.log" 2>&1 &
		relay_pid=$!
		pids="$pids $relay_pid"
		sleep 1
		kill -0 $relay_pid 2>/dev/null || return 1
	fi
	return 0
}
topo_down() {
	if [ -n "$relay_pid" ]; then
		kill -TERM $relay_pid 2>/dev/null
		wait $relay_pid 2>/dev/null
		[ -f "$work/relay.json" ] &&
			echo "# relay: $(tr -d ' \n' < "$work/relay.json")"
		relay_pid=
	fi
	ip -n $P-lin link del $P-l0 2>/dev/null
	ip -n $P-mos link del $P-m0 2>/dev/null
	ip netns del $P-imp 2>/dev/null
	rm -rf "/var/run/dpdk/$P"
}

# --- mos-epserver, Linux clients
srv_pid=
srv_start() {	# wait for the banner (every listener up)
	ip netns exec $P-mos "$srv" -p "$www" -f "$work/mos.conf" -P 80 \
		> "$work/srv.log" 2>&1 &
	srv_pid=$!
	pids="$pids $srv_pid"
	for i in $(seq 40); do
		grep -q "mos-epserver: serving" "$work/srv.log" && return 0
		kill -0 $srv_pid 2>/dev/null || return 1
		sleep 0.5
	done
	return 1
}
srv_stop() {	# SIGINT; sets srv_rc to the exit status
	kill -INT $srv_pid 2>/dev/null
	( sleep 15; kill -KILL $srv_pid ) > /dev/null 2>&1 &
	k=$!
	wait $srv_pid
	srv_rc=$?
	kill $k 2>/dev/null
	wait $k 2>/dev/null
}
get() {		# get NAME OUT [curl args]: print the body's SHA-256
	n=$1 o=$2
	shift 2
	rm -f "$o"
	ip netns exec $P-lin curl -s -m 60 "$@" -o "$o" "http://$M/$n" &&
		sum "$o"
}

server_matrix() {	# MODE
	m=$1
	if ! srv_start; then
		nok "$m: mos-epserver started on a net_af_packet port"
		note "$work/srv.log"
		return
	fi
	ip netns exec $P-lin ping -c 3 -i 0.2 -W 2 $M > "$work/ping.log" 2>&1
	check $? 0 "$m: ping $M answered by libmos (ARP, ICMP echo)"
	for f in 1k 1m 20m; do
		eval "want=\$sum_$f"
		check "$(get $f.bin "$work/c-$f.bin")" "$want" \
			"$m: curl GET $f.bin from mos-epserver, SHA-256"
	done
	# 100 at once: 50 of 1k.bin, 50 of 1m.bin, each its own curl
	rm -rf "$work/par"; mkdir -p "$work/par"
	seq 100 | ip netns exec $P-lin xargs -P 100 -I N sh -c \
		'f=1k; [ $((N % 2)) = 0 ] && f=1m;
		 curl -s -m 120 -o "$1/par/N.$f" "http://$2/$f.bin"' \
		sh "$work" $M
	good=0
	for i in $(seq 100); do
		f=1k; [ $((i % 2)) = 0 ] && f=1m
		eval "want=\$sum_$f"
		[ "$(sum "$work/par/$i.$f")" = "$want" ] && good=$((good + 1))
	done
	check $good 100 "$m: 100 concurrent curl downloads, every SHA-256"
	# keep-alive: three requests, one connection
	ip netns exec $P-lin curl -s -m 60 -v -o "$work/k1" -o "$work/k2" \
		-o "$work/k3" "http://$M/1k.bin" "http://$M/1m.bin" \
		"http://$M/1k.bin" 2> "$work/keep.log"
	r=$(grep -c "Re-using existing connection" "$work/keep.log")
	[ "$(sum "$work/k1")$(sum "$work/k2")$(sum "$work/k3")" = \
	  "$sum_1k$sum_1m$sum_1k" ] || r="bodies differ"
	check "$r" 2 "$m: keep-alive: 3 requests on one connection, SHA-256"
	h=$(ip netns exec $P-lin curl -s -m 20 -I "http://$M/20m.bin" |
		tr -d '\r' | sed -n 's/^Content-Length: //p')
	check "$h" 20971520 "$m: HEAD 20m.bin: Content-Length, no body"
	c=$(ip netns exec $P-lin curl -s -m 20 -o /dev/null -w '%{http_code}' \
		"http://$M/missing.bin")
	check "$c" 404 "$m: GET of a missing file: 404"
	c=$(ip netns exec $P-lin curl -s -m 20 -o /dev/null -w '%{http_code}' \
		-X DELETE "http://$M/1k.bin")
	check "$c" 405 "$m: DELETE: 405"
	# a closed port: a RST at once (curl 7), not a timeout (curl 28)
	t0=$(date +%s)
	ip netns exec $P-lin curl -s -m 10 -o /dev/null "http://$M:81/"
	r=$?
	t1=$(date +%s)
	[ $((t1 - t0)) -le 3 ] || r="$r after $((t1 - t0)) s"
	check "$r" 7 "$m: curl to a closed port of libmos is refused (RST)"
	srv_stop
	check $srv_rc 0 "$m: mos-epserver stops on SIGINT, exit 0"
	grep "connections" "$work/srv.log" | sed 's/^/# /'
}

# --- mos-epwget, a Linux server
http_pid=
epwget() {	# epwget LOG ARGS...: run it in the mos namespace
	log=$1
	shift
	timeout 180 ip netns exec $P-mos "$wget" -f "$work/mos.conf" "$@" \
		> "$log" 2>&1
}
client_matrix() {	# MODE
	m=$1
	(cd "$www" && exec ip netns exec $P-lin python3 -u -m http.server \
		8080 --bind $L) > "$work/http.log" 2>&1 &
	http_pid=$!
	pids="$pids $http_pid"
	for i in $(seq 20); do
		grep -q Serving "$work/http.log" 2>/dev/null && break
		sleep 0.5
	done
	epwget "$work/w1k.log" "http://$L:8080/1k.bin" 200 -c 20 -e $sum_1k
	r=$?
	check "$r $(grep -c 'requests: 200 ok' "$work/w1k.log")" "0 1" \
		"$m: mos-epwget 200 x 1k.bin from python http.server, 20 at once, SHA-256"
	[ $r = 0 ] || note "$work/w1k.log"
	epwget "$work/w1m.log" "http://$L:8080/1m.bin" 20 -c 10 -e $sum_1m
	r=$?
	check "$r $(grep -c 'requests: 20 ok' "$work/w1m.log")" "0 1" \
		"$m: mos-epwget 20 x 1m.bin, 10 at once, SHA-256"
	[ $r = 0 ] || note "$work/w1m.log"
	rm -f "$work/w20m.bin"
	epwget "$work/w20m.log" "http://$L:8080/20m.bin" 2 -c 2 -s \
		-o "$work/w20m.bin"
	r=$?
	check "$r $(sed -n 's/^sha256 //p' "$work/w20m.log") $(sum "$work/w20m.bin")" \
		"0 $sum_20m $sum_20m" \
		"$m: mos-epwget 2 x 20m.bin: its SHA-256 and the -o file's"
	[ $r = 0 ] || note "$work/w20m.log"
	grep 'requests/s' "$work"/w1k.log "$work"/w20m.log | sed 's/^/# /'
	# Linux refuses a closed port: the request fails at once (a RST;
	# SO_ERROR says ETIMEDOUT for a failed connect, mtcp_getsockopt(3)), not
	# after the 10 s of the timeout
	t0=$(date +%s)
	epwget "$work/wrst.log" "http://$L:81/" 1 -t 10
	r=$?
	t1=$(date +%s)
	[ $((t1 - t0)) -le 3 ] || r="$r after $((t1 - t0)) s"
	check "$r $(grep -c 'event ERR while connecting' "$work/wrst.log")" \
		"1 1" "$m: mos-epwget to a closed Linux port: refused at once (RST), exit 1"
	# more refused connections than max_concurrency (4096): each
	# socket must be given back
	epwget "$work/wrst2.log" "http://$L:81/" 5000 -c 64 -t 10
	check "$? $(grep -c 'requests: 0 ok, 5000 failed' "$work/wrst2.log") $(grep -c 'Too many' "$work/wrst2.log")" \
		"1 1 0" "$m: mos-epwget: 5000 refused connections, no socket left behind"
	kill $http_pid 2>/dev/null
	wait $http_pid 2>/dev/null
	nginx_matrix $m
}

# --- mos-epwget, nginx: HTTP/1.1 keep-alive and a deep accept queue
nginx_matrix() {	# MODE
	m=$1
	if ! command -v nginx >/dev/null 2>&1; then
		echo "skip - interop: $m: nginx not installed (scripts/deps.sh)"
		return
	fi
	cat > "$work/nginx.conf" <<EOF
worker_processes 1; daemon off; pid $work/nginx.pid; user root;
events { worker_connections 1024; }
http { access_log off; sendfile on; keepalive_requests 100000;
  server { listen $L:8081 backlog=1024; root $www; } }
EOF
	ip netns exec $P-lin nginx -e "$work/nginx.err" -c "$work/nginx.conf" &
	ngx_pid=$!
	pids="$pids $ngx_pid"
	sleep 1
	epwget "$work/n1k.log" "http://$L:8081/1k.bin" 2000 -c 50 -k -e $sum_1k
	r=$?
	check "$r $(grep -c 'requests: 2000 ok' "$work/n1k.log")" "0 1" \
		"$m: mos-epwget -k 2000 x 1k.bin from nginx, 50 connections kept alive, SHA-256"
	[ $r = 0 ] || note "$work/n1k.log"
	epwget "$work/n1m.log" "http://$L:8081/1m.bin" 100 -c 100 -e $sum_1m
	r=$?
	check "$r $(grep -c 'requests: 100 ok' "$work/n1m.log")" "0 1" \
		"$m: mos-epwget 100 x 1m.bin from nginx, 100 at once, SHA-256"
	[ $r = 0 ] || note "$work/n1m.log"
	epwget "$work/n20m.log" "http://$L:8081/20m.bin" 3 -k -e $sum_20m
	r=$?
	check "$r $(grep -c 'requests: 3 ok' "$work/n20m.log")" "0 1" \
		"$m: mos-epwget -k 3 x 20m.bin from nginx on one connection, SHA-256"
	[ $r = 0 ] || note "$work/n20m.log"
	grep -h 'requests/s' "$work"/n1k.log "$work"/n20m.log | sed 's/^/# /'
	kill -QUIT $ngx_pid 2>/dev/null
	wait $ngx_pid 2>/dev/null
}

# --- libmos to libmos: mos-epwget and mos-epserver on the two ends of
# one more veth pair, neither with a kernel address
pair_matrix() {
	ip netns add $P-imp && ip link add $P-a0 type veth peer name $P-a1 &&
	ip link set $P-a0 netns $P-mos && ip link set $P-a1 netns $P-imp &&
	ip -n $P-mos link set $P-a0 up && ip -n $P-imp link set $P-a1 up &&
	ip netns exec $P-mos ethtool -K $P-a0 tx off rx off gso off tso off \
		gro off >/dev/null 2>&1 &&
	ip netns exec $P-imp ethtool -K $P-a1 tx off rx off gso off tso off \
		gro off >/dev/null 2>&1 || {
		nok "libmos pair: namespace and veth pair set up"
		return
	}
	for x in s:a0:10.9.2.2 c:a1:10.9.2.1; do
		cat > "$work/pair-${x%%:*}.conf" <<EOF
mos = { io = "dpdk"; forward = false; tcp_tw_interval = 0; mos_log = "";
  max_concurrency = 4096; rmem_size = 262144; wmem_size = 262144;
  dpdk = { hugepages = false; memory_mb = 512; file_prefix = "$P-${x%%:*}"; };
  ports = ( { name = "p"; vdev = "net_af_packet0,iface=$P-$(echo $x | cut -d: -f2)";
              core_mask = 0x1; address = "${x##*:}/24"; } ); };
EOF
	done
	ip netns exec $P-mos "$srv" -p "$www" -f "$work/pair-s.conf" -P 8000 \
		> "$work/srv.log" 2>&1 &
	srv_pid=$!
	pids="$pids $srv_pid"
	for i in $(seq 40); do
		grep -q "mos-epserver: serving" "$work/srv.log" && break
		sleep 0.5
	done
	for f in 1k 1m 20m; do
		eval "want=\$sum_$f"
		n=200; [ $f = 1m ] && n=50; [ $f = 20m ] && n=2
		timeout 180 ip netns exec $P-imp "$wget" -f "$work/pair-c.conf" \
			"http://10.9.2.2:8000/$f.bin" $n -c 20 -k -e $want \
			> "$work/pair-$f.log" 2>&1
		r=$?
		check "$r $(grep -c "requests: $n ok" "$work/pair-$f.log")" "0 1" \
			"libmos pair: mos-epwget -k $n x $f.bin from mos-epserver, SHA-256"
		[ $r = 0 ] || note "$work/pair-$f.log"
		grep -h 'requests/s' "$work/pair-$f.log" | sed 's/^/# /'
	done
	srv_stop
	check $srv_rc 0 "libmos pair: mos-epserver stops on SIGINT, exit 0"
	ip netns del $P-imp
	rm -rf "/var/run/dpdk/$P-s" "/var/run/dpdk/$P-c"
}

# CMD... in namespace NS with a /var/run/dpdk of its own: the sample
# configurations' fixed file_prefix must not meet another run's.  It
# execs, so call it in a subshell (or with &): its pid is the program's.
private_dpdk() {
	ns=$1
	shift
	exec ip netns exec "$ns" unshare -m --propagation private sh -c \
		'mkdir -p /var/run/dpdk && mount -t tmpfs none /var/run/dpdk &&
		 exec "$@"' sh "$@"
}

# --- the shipped sample configurations, unchanged: their interfaces
# (veth-srv, veth-cli) and the MACs of their arp_table examples are made
# to exist, in two namespaces of their own
samples() {
	conf=$(cd "$(dirname "$0")/../../etc" 2>/dev/null && pwd)
	for f in mos-epserver.conf mos-epwget.conf; do
		[ -f "$conf/$f" ] || { nok "samples: etc/$f exists"; return; }
	done
	# made under names of this run, renamed inside the namespaces, so
	# that runs at the same time do not collide
	ip netns add $P-imp && ip link add $P-vs type veth peer name $P-vc &&
	ip link set $P-vs netns $P-mos && ip link set $P-vc netns $P-imp &&
	ip -n $P-mos link set $P-vs name veth-srv &&
	ip -n $P-imp link set $P-vc name veth-cli &&
	ip -n $P-mos link set veth-srv address 02:00:00:00:00:02 &&
	ip -n $P-imp link set veth-cli address 02:00:00:00:00:01 &&
	ip -n $P-mos link set veth-srv up && ip -n $P-imp link set veth-cli up &&
	ip netns exec $P-mos ethtool -K veth-srv tx off rx off gso off tso off \
		gro off >/dev/null 2>&1 &&
	ip netns exec $P-imp ethtool -K veth-cli tx off rx off gso off tso off \
		gro off >/dev/null 2>&1 || {
		nok "samples: namespace and veth-srv/veth-cli set up"
		ip netns del $P-imp 2>/dev/null
		return
	}
	private_dpdk $P-mos "$srv" -p "$www" -f "$conf/mos-epserver.conf" \
		> "$work/srv.log" 2>&1 &
	srv_pid=$!
	pids="$pids $srv_pid"
	for i in $(seq 40); do
		grep -q "mos-epserver: serving" "$work/srv.log" && break
		sleep 0.5
	done
	(private_dpdk $P-imp timeout 120 "$wget" -f "$conf/mos-epwget.conf" \
		"http://10.0.0.2/1m.bin" 20 -c 4 -k -e $sum_1m \
		> "$work/samples.log" 2>&1)
	r=$?
	check "$r $(grep -c 'requests: 20 ok' "$work/samples.log")" "0 1" \
		"samples: mos-epwget (etc/mos-epwget.conf) 20 x 1m.bin from mos-epserver (etc/mos-epserver.conf), SHA-256"
	[ $r = 0 ] || note "$work/samples.log" "$work/srv.log"
	srv_stop
	check $srv_rc 0 "samples: mos-epserver stops on SIGINT, exit 0"
	ip netns del $P-imp
}

modes=direct
if [ -n "$relay" ] && [ -f "$relay" ]; then
	modes="direct impaired"
else
	echo "skip - interop: impaired runs: no impairing relay at '$relay'"
fi
for m in $modes; do
	if ! topo_up $m; then
		nok "$m: namespaces, veth pairs and offloads set up"
		topo_down
		continue
	fi
	[ $m = impaired ] && echo "# $m: 2% loss, 2% reordering, 2% duplication, 1 ms"
	server_matrix $m
	client_matrix $m
	topo_down
	if [ $m = direct ]; then
		pair_matrix
		samples
	fi
done
exit 0
