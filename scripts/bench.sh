#!/bin/sh
# bench.sh BUILDDIR -- the benchmark behind `make bench` (README,
# Benchmarks).  Run it through `make bench`, which installs the peers
# (scripts/bench-deps.sh) and builds bench/ first.
#
# Generates (once) a capture of BENCH_FLOWS flows open at once with
# bench/gencap, then prints one table: median wall time over BENCH_RUNS
# runs, packets/s, peak RSS, and ratios against libnids and against the
# read+copy floor, for the libpcap floor, libnids, tcpflow, libmos through
# its public API (bench/mosbench), mos-flowdump, a plain DPDK loop against
# libmos inline, and one context against two.  Every libmos row holds
# bytes delivered plus bytes reported lost against the generator's truth
# and prints FAIL when they differ; then the script exits 1.
#
# Environment (all optional):
#   BENCH_FLOWS=20000   flows in the capture
#   BENCH_SCALE=1       bytes per flow (1: ~1M frames, ~590 MB)
#   BENCH_SEED=1        generator seed
#   BENCH_V6=5          percent of IPv6 flows
#   BENCH_RUNS=5        runs per row (the median is shown)
#   BENCH_DIR=...       capture and scratch, default /dev/shm/libmos-bench
#   BENCH_RMEM="262144 8192"   rmem_size values for the libmos rows
#   BENCH_SKIP=""       rows to leave out: any of tcpflow flowdump dpdk
#                       cores csum slope drained host
#   BENCH_DRAINED="100000 1000000"  flow counts of the drained-flow slope
#   BENCH_HOST_SECS=5, BENCH_HOST_REQS=20000   the end host rows (host_rows)
#   BENCH_PERF=0        1: perf record the first libmos row into
#                       BENCH_DIR/perf.txt
# A quick run: make bench BENCH_FLOWS=2000 BENCH_SCALE=0.1
set -eu
build=$(cd "${1:?usage: bench.sh BUILDDIR}" && pwd)
flows=${BENCH_FLOWS:-20000}
scale=${BENCH_SCALE:-1}
seed=${BENCH_SEED:-1}
v6=${BENCH_V6:-5}
runs=${BENCH_RUNS:-5}
rmems=${BENCH_RMEM:-"262144 8192"}
skip=" ${BENCH_SKIP:-} "
if [ -z "${BENCH_DIR:-}" ]; then
	BENCH_DIR=/dev/shm/libmos-bench
	mkdir -p "$BENCH_DIR" 2>/dev/null || BENCH_DIR="$build/bench/data"
fi
dir=$BENCH_DIR
mkdir -p "$dir"
bin="$build/bench"
time_bin=/usr/bin/time
tag=$$
fail=0

skipped() { case $skip in *" $1 "*) return 0 ;; esac; return 1; }

# --- the capture: made once per set of generator arguments
capture() {	# capture FLOWS -> sets cap and truth
	cap="$dir/cap-n$1-s$scale-S$seed-v$v6.pcap"
	truth="${cap%.pcap}.truth"
	if [ ! -f "$cap" ] || [ ! -f "$truth" ]; then
		echo "generating $cap ..." >&2
		"$bin/gencap" -n "$1" -s "$scale" -S "$seed" -6 "$v6" \
			-o "$cap" -t "$truth"
	fi
}
tv() { awk -v k="$1" '$1 == k { print $2 }' "$truth"; }
capture "$flows"
T_FLOWS=$(tv flows); T_FRAMES=$(tv frames)
T_C2S=$(tv c2s_bytes); T_S2C=$(tv s2c_bytes)
T_C2S4=$(tv c2s_bytes_v4); T_S2C4=$(tv s2c_bytes_v4); T_FLOWS4=$(tv flows_v4)
size=$(stat -c %s "$cap")

# --- configurations for bench/mosbench
maxc=$((flows > 100000 ? flows : 100000))
pcap_conf() {	# pcap_conf FILE CSUM RMEM MASK
	cat >"$1" <<CONF
mos = { io = "pcap"; forward = false; mos_log = ""; tcp_timeout = 0;
  verify_checksums = $2; rmem_size = $3; max_concurrency = $maxc;
  ports = ( { name = "cap"; core_mask = $4; pcap_file = "$cap"; } ); };
CONF
}
dpdk_conf() {	# dpdk_conf FILE
	cat >"$1" <<CONF
mos = { io = "dpdk"; forward = true; mos_log = ""; tcp_timeout = 0;
  verify_checksums = false; rmem_size = 262144; max_concurrency = $maxc;
  dpdk = { hugepages = false; memory_mb = 1024;
           file_prefix = "bench-mos-$tag"; };
  ports = ( { name = "cap"; core_mask = 0x1;
              vdev = "net_pcap0,rx_pcap=$cap"; },
            { name = "out"; core_mask = 0x1;
              vdev = "net_pcap1,tx_pcap=/dev/null"; } );
  nic_forward_table = ( [ "cap", "out" ] ); };
CONF
}

# --- checks: each prints "ok" or what differs, from one run's output
field() {	# field KEY FILE: the word after KEY
	awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' "$2"
}
check_mos() {	# check_mos OUT: delivered + lost == truth, every flow ended
	c=$(field c2s_bytes "$1"); s=$(field s2c_bytes "$1")
	lc=$(field c2s_lost "$1"); ls=$(field s2c_lost "$1")
	e=$(field errors "$1"); f=$(field flows "$1")
	if [ -z "$c" ]; then echo "no output"; return; fi
	if [ $((c + lc)) -ne "$T_C2S" ] || [ $((s + ls)) -ne "$T_S2C" ] ||
	   [ "$e" -ne 0 ] || [ "$f" -ne "$T_FLOWS" ]; then
		echo "got c2s $c+$lc s2c $s+$ls flows $f errors $e"
	elif [ $((lc + ls)) -ne 0 ]; then
		echo "ok, lost $((lc + ls))"
	else
		echo ok
	fi
}
check_nids() {	# libnids follows IPv4 flows only
	c=$(field c2s_bytes "$1"); s=$(field s2c_bytes "$1"); f=$(field flows "$1")
	if [ "$c" = "$T_C2S4" ] && [ "$s" = "$T_S2C4" ] && [ "$f" = "$T_FLOWS4" ]; then
		echo "ok (IPv4)"
	else
		echo "got c2s $c s2c $s flows $f"
	fi
}
check_frames() {	# check_frames KEY OUT
	n=$(field "$1" "$2")
	[ "$n" = "$T_FRAMES" ] && echo ok || echo "got $n frames"
}
check_copy() {
	n=$(field payload_bytes "$1")
	[ "$n" -ge $((T_C2S + T_S2C)) ] && echo ok || echo "only $n payload bytes"
}
check_flowdump() {	# summary.txt of mos-flowdump
	c=$(awk '$1 == "bytes_a_to_b" { print $2 }' "$1/summary.txt" 2>/dev/null)
	s=$(awk '$1 == "bytes_b_to_a" { print $2 }' "$1/summary.txt" 2>/dev/null)
	[ "$c" = "$T_C2S" ] && [ "$s" = "$T_S2C" ] && echo ok ||
		echo "got c2s ${c:-?} s2c ${s:-?}"
}
check_tcpflow() {	# bytes of all flow files
	n=$(find "$1" -type f ! -name report.xml ! -name alerts.txt -printf '%s\n' |
		awk '{ s += $1 } END { printf "%d", s }')
	[ "$n" = $((T_C2S + T_S2C)) ] && echo ok || echo "got $n bytes"
}

# --- one row: ROW-ID LABEL STRICT PREP CHECK CMD...
# PREP runs untimed before each run (e.g. emptying an output directory);
# CHECK gets the run's stdout file (or the output dir) and prints "ok...".
# STRICT=1 makes a mismatch a FAIL (libmos rows).
results="$dir/results.$tag"
: >"$results"
row() {
	id=$1 label=$2 strict=$3 prep=$4 chk=$5
	shift 5
	i=0 verdict=ok
	: >"$dir/times.$tag"
	while [ "$i" -lt "$runs" ]; do
		$prep
		t0=$(date +%s%N)
		if ! "$time_bin" -f %M -o "$dir/rss.$tag" "$@" \
			>"$dir/out.$tag" 2>"$dir/err.$tag"; then
			verdict="exit status $(tail -n 1 "$dir/err.$tag")"
		fi
		t1=$(date +%s%N)
		rss=$(tail -n 1 "$dir/rss.$tag")
		# the DPDK rows also say their rate from first frame to last
		loop=$(sed -n -e 's/^plainfwd: .*: \([0-9]*\) pps$/\1/p' \
			-e 's/^context 0: .*, \([0-9]*\) frames\/s$/\1/p' \
			"$dir/out.$tag" "$dir/err.$tag" | tail -n 1)
		echo "$(((t1 - t0) / 1000)) $rss ${loop:-0}" >>"$dir/times.$tag"
		if [ "$verdict" = ok ] || [ "${verdict#ok}" != "$verdict" ]; then
			verdict=$($chk "$chkarg")
		fi
		i=$((i + 1))
	done
	case $verdict in
	ok*) ;;
	*) if [ "$strict" = 1 ]; then verdict="FAIL: $verdict"; fail=1
	   else verdict="differs: $verdict"; fi ;;
	esac
	# median wall (µs) and median peak RSS (KiB)
	w=$(median 1 "$dir/times.$tag")
	r=$(median 2 "$dir/times.$tag")
	lr=$(median 3 "$dir/times.$tag")
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$w" "$r" "$label" "$verdict" \
		"$lr" >>"$results"
	echo "  $label: $(awk -v w="$w" 'BEGIN { printf "%.3f s", w / 1e6 }')" \
		"$verdict" >&2
}
median() {	# median COLUMN FILE
	awk -v c="$1" '{ print $c }' "$2" | sort -n |
		awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
none() { :; }
chkarg=
out="$dir/out.$tag"

echo "capture: $cap" >&2
echo "truth: flows $T_FLOWS (IPv4 $T_FLOWS4), frames $T_FRAMES," \
	"c2s $T_C2S, s2c $T_S2C bytes" >&2

chkarg=$out
row read "(a) libpcap read loop" 0 none "check_frames frames" \
	"$bin/pcapfloor" read "$cap"
row floor "(b) read + copy payloads (floor)" 0 none check_copy \
	"$bin/pcapfloor" copy "$cap"
row nids "(c) libnids 1.26, csum off" 0 none check_nids \
	"$bin/nidsbench" "$cap" "$flows"
if ! skipped tcpflow; then
	tf="$dir/tcpflow.$tag"
	tf_prep() { rm -rf "$tf"; mkdir -p "$tf"; }
	chkarg=$tf
	row tcpflow "(d) tcpflow to tmpfs" 0 tf_prep check_tcpflow \
		tcpflow -r "$cap" -o "$tf"
	rm -rf "$tf"
fi
chkarg=$out
first=
for rmem in $rmems; do
	pcap_conf "$dir/off-$rmem.$tag.conf" false "$rmem" 0x1
	[ -n "$first" ] || first="$dir/off-$rmem.$tag.conf"
	row "mos-off-$rmem" "(e) libmos API, csum off, rmem $rmem" 1 none check_mos \
		"$bin/mosbench" "$dir/off-$rmem.$tag.conf"
	# checksums cost the same per byte whatever the ring size: once
	if ! skipped csum && [ "$rmem" = "${rmems%% *}" ]; then
		pcap_conf "$dir/on-$rmem.$tag.conf" true "$rmem" 0x1
		row "mos-on-$rmem" "(e) libmos API, csum on, rmem $rmem" 1 none check_mos \
			"$bin/mosbench" "$dir/on-$rmem.$tag.conf"
	fi
done
if ! skipped flowdump; then
	fd="$dir/flowdump.$tag"
	fd_prep() { rm -rf "$fd"; }
	chkarg=$fd
	row flowdump "(f) mos-flowdump to tmpfs" 1 fd_prep check_flowdump \
		"$build/utils/mos-flowdump" -r "$cap" -o "$fd"
	rm -rf "$fd"
	chkarg=$out
fi
if ! skipped dpdk; then
	dpdk_conf "$dir/dpdk.$tag.conf"
	dpdk_clean() {
		rm -rf "/var/run/dpdk/bench-plain-$tag" "/var/run/dpdk/bench-mos-$tag"
	}
	row plain "(g) plain DPDK rx->tx loop" 0 dpdk_clean "check_frames plainfwd:" \
		"$bin/plainfwd" 0.5 "$T_FRAMES" -l 0 --no-huge -m 1024 --no-pci \
		--file-prefix="bench-plain-$tag" --log-level=error \
		--vdev="net_pcap0,rx_pcap=$cap" --vdev=net_pcap1,tx_pcap=/dev/null
	row dpdk "(g) libmos inline on DPDK, csum off" 1 dpdk_clean check_mos \
		env MOS_STATS=1 "$bin/mosbench" "$dir/dpdk.$tag.conf"
	dpdk_clean
fi
cores=$(nproc)
if ! skipped cores && [ "$cores" -ge 2 ]; then
	rmem1=${rmems%% *}
	pcap_conf "$dir/two.$tag.conf" false "$rmem1" 0x3
	row two "(h) libmos API, 2 contexts (0x3)" 1 none check_mos \
		"$bin/mosbench" "$dir/two.$tag.conf"
fi

# --- the table
echo
mb=$(awk -v b="$size" 'BEGIN { printf "%.0f MB", b / 1e6 }')
echo "capture: $cap ($mb, seed $seed, scale $scale)"
echo "truth: flows $T_FLOWS (IPv4 $T_FLOWS4, IPv6 $((T_FLOWS - T_FLOWS4)))," \
	"frames $T_FRAMES, stream bytes c2s $T_C2S s2c $T_S2C" \
	"(IPv4: c2s $T_C2S4 s2c $T_S2C4)"
echo "median of $runs runs, whole process; x nids = packets/s over libnids's;" \
	"x floor = wall over the floor's; loop = first frame to last;" \
	"$cores cores, $(uname -r)"
awk -F '\t' -v frames="$T_FRAMES" '
	{ id[NR] = $1; w[NR] = $2; r[NR] = $3; label[NR] = $4; v[NR] = $5
	  lr[NR] = $6; at[$1] = NR }
	function ratio(x, y) { return y ? sprintf("%.2f", x / y) : "-" }
	END {
		hd = "%-40s %8s %10s %8s %8s %8s %8s  %-23s %s\n"
		fm = "%-40s %8.3f %10.0f %8.1f %8s %8s %8s  %-23s %s\n"
		printf hd, "row", "wall s", "pkts/s", "RSS MiB", "x nids",
			"RSS/nids", "x floor", "other", "check"
		n = at["nids"]; f = at["floor"]; p = at["plain"]; one = 0
		for (i = 1; i <= NR; i++)
			if (id[i] ~ /^mos-off-/) { one = i; break }
		for (i = 1; i <= NR; i++) {
			pps = w[i] > 0 ? frames / (w[i] / 1e6) : 0
			other = ""
			if (id[i] == "dpdk" && p)
				other = ratio(w[p], w[i]) "x plain (loop " \
					ratio(lr[i], lr[p]) "x)"
			if (id[i] == "two" && one)
				other = ratio(w[one], w[i]) "x 1 ctx"
			printf fm, label[i], w[i] / 1e6, pps, r[i] / 1024,
				n ? ratio(w[n], w[i]) : "-",
				n ? ratio(r[i], r[n]) : "-",
				f ? ratio(w[i], w[f]) : "-", other, v[i]
		}
	}' "$results"

# --- memory per tracked flow: peak RSS slope between two flow counts
if ! skipped slope && [ "$flows" -ge 2 ]; then
	half=$((flows / 2))
	big_cap=$cap
	capture "$half"
	pcap_conf "$dir/half.$tag.conf" false "${rmems%% *}" 0x1
	for prog in mos nids; do
		if [ $prog = mos ]; then
			"$time_bin" -f %M -o "$dir/rss.$tag" \
				"$bin/mosbench" "$dir/half.$tag.conf" >/dev/null
			a=$(tail -n 1 "$dir/rss.$tag")
			b=$(awk -F '\t' '$1 ~ /^mos-off-/ { print $3; exit }' "$results")
			name="libmos (rmem ${rmems%% *})"
		else
			"$time_bin" -f %M -o "$dir/rss.$tag" \
				"$bin/nidsbench" "$cap" "$flows" >/dev/null
			a=$(tail -n 1 "$dir/rss.$tag")
			b=$(awk -F '\t' '$1 == "nids" { print $3 }' "$results")
			name="libnids"
		fi
		awk -v a="$a" -v b="$b" -v n1="$half" -v n2="$flows" -v name="$name" 'BEGIN {
			printf "memory per tracked flow, %s: %.0f bytes (peak RSS %d -> %d flows)\n",
				name, (b - a) * 1024 / (n2 - n1), n1, n2 }'
	done
	cap=$big_cap
fi

# --- memory per tracked flow whose rings hold nothing: captures of tiny
# flows (SCALE 0.001: a few hundred bytes each, all open at once, every
# byte peeked at once), so the peak RSS slope is what a flow costs once
# its rings are drained (the flow, its socket, the table's links), not
# its unread bytes.  max_concurrency is the larger count in both runs.
drained_slope() {
	set -- ${BENCH_DRAINED:-100000 1000000}
	n1=$1 n2=$2 big_cap=$cap big_truth=$truth big_scale=$scale
	scale=0.001
	for n in "$n1" "$n2"; do
		capture "$n"
		cat >"$dir/drained.$tag.conf" <<CONF
mos = { io = "pcap"; forward = false; mos_log = ""; tcp_timeout = 0;
  verify_checksums = false; rmem_size = ${rmems%% *}; max_concurrency = $n2;
  ports = ( { name = "cap"; core_mask = 0x1; pcap_file = "$cap"; } ); };
CONF
		"$time_bin" -f %M -o "$dir/rss.$tag" \
			"$bin/mosbench" "$dir/drained.$tag.conf" >"$out"
		eval "rss_$n=\$(tail -n 1 \"\$dir/rss.\$tag\")"
		# the same check as the rows', against this capture's truth
		saved="$T_C2S $T_S2C $T_FLOWS"
		T_C2S=$(tv c2s_bytes) T_S2C=$(tv s2c_bytes) T_FLOWS=$(tv flows)
		v=$(check_mos "$out")
		set -- $saved
		T_C2S=$1 T_S2C=$2 T_FLOWS=$3
		case $v in
		ok*) ;;
		*) echo "memory per drained flow: FAIL: $n flows: $v"; fail=1 ;;
		esac
	done
	eval "a=\$rss_$n1 b=\$rss_$n2"
	awk -v a="$a" -v b="$b" -v n1="$n1" -v n2="$n2" 'BEGIN {
		printf "memory per tracked flow, rings drained: %.0f bytes (peak RSS %.0f -> %.0f MiB, %d -> %d flows)\n",
			(b - a) * 1024 / (n2 - n1), a / 1024, b / 1024, n1, n2 }'
	cap=$big_cap truth=$big_truth scale=$big_scale
}
if ! skipped drained; then
	drained_slope
fi

# --- the end host (issue 11): mos-epserver against nginx (one worker)
# serving the same files to the same wrk/curl over one veth pair between
# two namespaces; mos-epwget against wrk/curl fetching from the same
# nginx.  libmos runs on a DPDK net_af_packet port on the veth end that
# has no kernel address; the Linux peers get that address in its place.
# Every row checks body sizes (wrk through a Lua response() hook, curl's
# size_download, mos-epwget's own Content-Length check): a wrong answer
# is a FAIL.  Needs root, ip netns, nginx and wrk; BENCH_SKIP=host leaves
# it out.  BENCH_HOST_SECS=5 per wrk row, BENCH_HOST_REQS=20000 requests
# for mos-epwget.
host_rows() {
	hp=mosbh$tag hl=10.9.3.1 hm=10.9.3.2
	hd="$dir/host.$tag" hres="$dir/hostres.$tag"
	hsecs=${BENCH_HOST_SECS:-5} hreqs=${BENCH_HOST_REQS:-20000}
	big=104857600
	for t in ip ethtool nginx wrk curl; do
		command -v $t >/dev/null 2>&1 ||
			{ echo "end host rows skipped: $t not installed"; return 0; }
	done
	[ "$(id -u)" = 0 ] || { echo "end host rows skipped: not root"; return 0; }
	if [ ! -x "$build/utils/mos-epserver" ] || [ ! -x "$build/utils/mos-epwget" ]; then
		echo "end host rows: FAIL: mos-epserver/mos-epwget not built"
		fail=1
		return 0
	fi
	: >"$hres"
	if ! { ip netns add $hp-l && ip netns add $hp-m &&
	       ip link add $hp-l0 type veth peer name $hp-m0 &&
	       ip link set $hp-l0 netns $hp-l && ip link set $hp-m0 netns $hp-m &&
	       ip -n $hp-l link set $hp-l0 up && ip -n $hp-m link set $hp-m0 up &&
	       ip -n $hp-l link set lo up && ip -n $hp-m link set lo up &&
	       ip netns exec $hp-l ethtool -K $hp-l0 tx off rx off gso off \
			tso off gro off >/dev/null &&
	       ip netns exec $hp-m ethtool -K $hp-m0 tx off rx off gso off \
			tso off gro off >/dev/null; } 2>/dev/null; then
		echo "end host rows skipped: cannot set up namespaces and veth"
		host_clean
		return 0
	fi
	mkdir -p "$hd/www"
	head -c 1024 /dev/urandom >"$hd/www/1k.bin"
	head -c $big /dev/zero >"$hd/www/big.bin"
	cat >"$hd/mos.conf" <<CONF
mos = { io = "dpdk"; forward = false; mos_log = ""; tcp_tw_interval = 0;
  max_concurrency = 4096; rmem_size = 262144; wmem_size = 262144;
  dpdk = { hugepages = false; memory_mb = 512; file_prefix = "$hp"; };
  ports = ( { name = "m"; vdev = "net_af_packet0,iface=$hp-m0";
              core_mask = 0x1; address = "$hm/24"; } ); };
CONF
	cat >"$hd/check.lua" <<'LUA'
-- count responses whose status is not 200 or whose body has another size
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) want = tonumber(args[1]); n = 0; bad = 0 end
function response(status, headers, body)
	n = n + 1
	if status ~= 200 or #body ~= want then bad = bad + 1 end
end
function done(summary, latency, requests)
	local c, b = 0, 0
	for _, t in ipairs(threads) do c = c + t:get("n"); b = b + t:get("bad") end
	local e = summary.errors
	io.write(string.format("checked %d bad %d errors %d\n", c, b,
		e.connect + e.read + e.write + e.status + e.timeout))
end
LUA
	# the servers, on the namespace side libmos uses, to a Linux client
	ip -n $hp-l addr add $hl/24 dev $hp-l0
	if h_epserver; then
		h_wrk srv-ka epserver $hp-l "http://$hm/1k.bin"
		h_wrk srv-close epserver $hp-l "http://$hm/1k.bin" "Connection: close"
		h_curl srv-big epserver $hp-l "http://$hm/big.bin"
		h_stop
	else
		printf 'srv-ka\tepserver\t0\tFAIL: mos-epserver did not start\n' >>"$hres"
		sed 's/^/  /' "$hd/srv.log" >&2
	fi
	ip -n $hp-m addr add $hm/24 dev $hp-m0
	if h_nginx $hp-m $hm; then
		h_wrk srv-ka nginx $hp-l "http://$hm/1k.bin"
		h_wrk srv-close nginx $hp-l "http://$hm/1k.bin" "Connection: close"
		h_curl srv-big nginx $hp-l "http://$hm/big.bin"
		h_stop
	fi
	# the clients, on the same side, from nginx in the other namespace
	if h_nginx $hp-l $hl; then
		h_wrk cli-ka wrk $hp-m "http://$hl/1k.bin"
		h_curl cli-big curl $hp-m "http://$hl/big.bin"
		ip -n $hp-m addr del $hm/24 dev $hp-m0
		h_epwget cli-ka "http://$hl/1k.bin" "$hreqs" -c 32 -k
		h_epwget cli-big "http://$hl/big.bin" 1
		h_stop
	fi
	host_table
	host_clean
}
host_clean() {
	ip netns del $hp-l 2>/dev/null || true
	ip netns del $hp-m 2>/dev/null || true
	rm -rf "/var/run/dpdk/$hp" "$hd" "$hres"
}
h_pid=
h_stop() {	# SIGINT stops mos-epserver; nginx takes it as a fast shutdown
	kill -INT $h_pid 2>/dev/null || true
	for i in 1 2 3 4 5 6 7 8 9 10; do
		kill -0 $h_pid 2>/dev/null || break
		sleep 0.5
	done
	kill -KILL $h_pid 2>/dev/null || true
	wait $h_pid 2>/dev/null || true
}
h_epserver() {	# started once its banner says every listener is up
	ip netns exec $hp-m "$build/utils/mos-epserver" -p "$hd/www" \
		-f "$hd/mos.conf" >"$hd/srv.log" 2>&1 &
	h_pid=$!
	for i in $(seq 40); do
		grep -q "mos-epserver: serving" "$hd/srv.log" && return 0
		kill -0 $h_pid 2>/dev/null || return 1
		sleep 0.5
	done
	return 1
}
h_nginx() {	# NETNS ADDR: one worker, sendfile, long keep-alive
	cat >"$hd/nginx.conf" <<CONF
worker_processes 1; daemon off; pid $hd/nginx.pid; user root;
events { worker_connections 4096; }
http { access_log off; sendfile on; tcp_nopush on;
  keepalive_requests 100000000; keepalive_timeout 65;
  server { listen $2:80; root $hd/www; } }
CONF
	ip netns exec "$1" nginx -e "$hd/nginx.err" -c "$hd/nginx.conf" &
	h_pid=$!
	sleep 1
	kill -0 $h_pid 2>/dev/null
}
h_wrk() {	# ID WHO NETNS URL [HEADER]: 1 KiB requests/s, sizes checked
	if [ -n "${5:-}" ]; then
		ip netns exec "$3" wrk -t1 -c32 -d"${hsecs}s" -s "$hd/check.lua" \
			-H "$5" "$4" -- 1024 >"$hd/wrk.out" 2>&1 || true
	else
		ip netns exec "$3" wrk -t1 -c32 -d"${hsecs}s" -s "$hd/check.lua" \
			"$4" -- 1024 >"$hd/wrk.out" 2>&1 || true
	fi
	v=$(sed -n 's/^Requests\/sec: *//p' "$hd/wrk.out")
	c=$(sed -n 's/^checked \([0-9]*\) bad \([0-9]*\) errors \([0-9]*\)$/\1 \2 \3/p' "$hd/wrk.out")
	n=${c%% *} e=${c##* } b=${c#* }; b=${b%% *}
	if [ -z "$v" ] || [ -z "$c" ] || [ "$n" = 0 ] || [ "$b" != 0 ]; then
		verdict="FAIL: wrk: ${c:-$(tail -n 1 "$hd/wrk.out")}"
	elif [ "$e" != 0 ]; then
		verdict="ok, $e socket errors"
	else
		verdict=ok
	fi
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "${v:-0}" "$verdict" >>"$hres"
}
h_curl() {	# ID WHO NETNS URL: one 100 MB download, MB/s, size checked
	r=$(ip netns exec "$3" curl -s -m 300 -o /dev/null \
		-w '%{size_download} %{speed_download}' "$4" || true)
	verdict=ok
	[ "${r%% *}" = "$big" ] || verdict="FAIL: got ${r%% *} bytes"
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" \
		"$(awk -v s="${r#* }" 'BEGIN { printf "%.1f", s / 1e6 }')" \
		"$verdict" >>"$hres"
}
h_epwget() {	# ID URL N ARGS...: mos-epwget on the libmos side
	id=$1
	shift
	if timeout 300 ip netns exec $hp-m "$build/utils/mos-epwget" \
		-f "$hd/mos.conf" "$@" >"$hd/wget.out" 2>&1; then
		verdict=ok
	else
		verdict="FAIL: $(grep -m1 'socket\|failed' "$hd/wget.out" || echo exit status)"
	fi
	line=$(grep 'requests/s' "$hd/wget.out" || true)
	if [ "$id" = cli-big ]; then
		b=$(echo "$line" | sed -n 's/.*; \([0-9]*\) body bytes.*/\1/p')
		[ "$b" = "$big" ] || verdict="FAIL: got ${b:-no} body bytes"
		v=$(echo "$line" | sed -n 's/.* \([0-9]*\) bytes\/s.*/\1/p')
		v=$(awk -v s="${v:-0}" 'BEGIN { printf "%.1f", s / 1e6 }')
	else
		v=$(echo "$line" | sed -n 's/.*: \([0-9.]*\) requests\/s.*/\1/p')
	fi
	printf '%s\t%s\t%s\t%s\n' "$id" epwget "${v:-0}" "$verdict" >>"$hres"
}
host_table() {
	echo
	echo "end host: one veth pair, libmos on DPDK net_af_packet, offloads" \
		"off; wrk -t1 -c32 for ${hsecs} s, mos-epwget -c 32 -k;" \
		"goal: epserver >= nginx on 1 KiB, bulk >= 0.8x"
	awk -F '\t' '
		{ v[$1 "/" $2] = $3; c[$1 "/" $2] = $4 }
		function show(label, id, a, b,   x, y) {
			x = v[id "/" a]; y = v[id "/" b]
			printf "%-38s %-9s %10s  %-9s %10s %6s  %s / %s\n", label,
				a, x == "" ? "-" : x, b, y == "" ? "-" : y,
				(x != "" && y > 0) ? sprintf("%.2f", x / y) : "-",
				c[id "/" a] == "" ? "-" : c[id "/" a],
				c[id "/" b] == "" ? "-" : c[id "/" b]
		}
		END {
			printf "%-38s %-20s  %-20s %6s  %s\n", "row", "libmos",
				"Linux", "ratio", "check"
			show("server 1 KiB keep-alive, requests/s", "srv-ka", "epserver", "nginx")
			show("server 1 KiB no keep-alive, requests/s", "srv-close", "epserver", "nginx")
			show("server 100 MB file, MB/s", "srv-big", "epserver", "nginx")
			show("client 1 KiB keep-alive, requests/s", "cli-ka", "epwget", "wrk")
			show("client 100 MB file, MB/s", "cli-big", "epwget", "curl")
		}' "$hres"
	if grep -q 'FAIL' "$hres"; then
		fail=1
		echo "end host rows: FAIL (see the check column)"
	fi
}
if ! skipped host; then
	host_rows
fi

if [ -n "${BENCH_PERF:-}" ] && [ "${BENCH_PERF:-0}" != 0 ]; then
	perf record -q -g -o "$dir/perf.data" "$bin/mosbench" "$first" >/dev/null 2>&1
	perf report -i "$dir/perf.data" --stdio --no-children --percent-limit 0.5 \
		--sort dso,symbol -g none 2>/dev/null >"$dir/perf.txt"
	echo "perf report of the first libmos row: $dir/perf.txt"
fi

rm -f "$dir"/*."$tag" "$dir"/*."$tag".conf
if [ "$fail" != 0 ]; then
	echo "bench: FAIL: a libmos row did not account for every byte" >&2
	exit 1
fi
