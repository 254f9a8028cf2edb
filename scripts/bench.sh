#!/bin/sh
# bench.sh [BUILDDIR] [FLOWS] -- midstat and mos-flowdump against tshark and
# tcpflow on one capture, in one run: packets per second and peak memory,
# as ratios; then memory per tracked flow from two capture sizes.
#
# The capture is the corpus's many_flows case (FLOWS short connections, all
# open at once), made by ../shared/corpus/gen-crafted.py.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-"$top/build"}
flows=${2:-10000}
corpus=${MOS_CORPUS:-"$top/../shared/corpus"}
work="$build/bench"
mkdir -p "$work"

gen() {	# gen N -> path of a many_flows capture with N flows
	d="$work/n$1"
	[ -f "$d/many_flows.pcap" ] ||
		/usr/bin/python3 "$corpus/gen-crafted.py" --outdir "$d" \
			--cases many_flows --many-flows "$1" >/dev/null
	echo "$d/many_flows.pcap"
}

measure() {	# measure NAME CMD... -> "NAME seconds peak_kB"
	name=$1; shift
	best=""
	for i in 1 2 3; do
		/usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>&1
		read -r s kb <"$work/time"
		if [ -z "$best" ] || awk "BEGIN{exit !($s < $best)}"; then
			best=$s; peak=$kb
		fi
	done
	echo "$name $best $peak"
}

pcap=$(gen "$flows")
pkts=$(tshark -r "$pcap" -T fields -e frame.number 2>/dev/null | wc -l)
echo "capture: $pcap ($pkts packets, $flows flows)"
{
	measure midstat "$build/utils/midstat" -r "$pcap"
	measure mos-flowdump "$build/utils/mos-flowdump" -r "$pcap" -o "$work/fd"
	measure tshark-conv tshark -q -z conv,tcp -r "$pcap"
	rm -rf "$work/tcpflow"; mkdir -p "$work/tcpflow"
	measure tcpflow tcpflow -r "$pcap" -o "$work/tcpflow"
} >"$work/results"
awk -v p="$pkts" '
	{ name[NR] = $1; s[NR] = $2; kb[NR] = $3 }
	END {
		for (i = 1; i <= NR; i++) if (name[i] == "tshark-conv") t = i
		printf "%-13s %10s %12s %10s %12s\n", "program", "seconds", "packets/s", "peak MB", "pps vs tshark"
		for (i = 1; i <= NR; i++) {
			pps = s[i] > 0 ? p / s[i] : 0
			tp = s[t] > 0 ? p / s[t] : 0
			printf "%-13s %10.3f %12.0f %10.1f %12.2f\n", name[i], s[i], pps, kb[i] / 1024, tp ? pps / tp : 0
		}
	}' "$work/results"

# memory per tracked flow: the slope of peak memory between two sizes
small=$((flows / 4))
pcap_s=$(gen "$small")
for prog in midstat mos-flowdump; do
	case $prog in
	midstat) a=$(measure x "$build/utils/midstat" -r "$pcap_s"); b=$(measure x "$build/utils/midstat" -r "$pcap") ;;
	*) a=$(measure x "$build/utils/mos-flowdump" -r "$pcap_s" -o "$work/fd1"); b=$(measure x "$build/utils/mos-flowdump" -r "$pcap" -o "$work/fd2") ;;
	esac
	echo "$a $b" | awk -v n1="$small" -v n2="$flows" -v prog="$prog" \
		'{ printf "%s: %.0f bytes of peak memory per tracked flow (%d -> %d flows)\n", prog, ($6 - $3) * 1024 / (n2 - n1), n1, n2 }'
done
