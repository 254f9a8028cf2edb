#!/bin/sh
# bench-dpdk.sh [BUILDDIR] [FLOWS] -- frames per second through libmos on
# DPDK against a plain DPDK rx -> tx loop (testsuite/bench/plainfwd.c) over
# the same ports and traffic, in one run: a net_pcap port reading the
# corpus's many_flows capture, forwarded to a net_pcap port writing to /dev/null, one core, no
# hugepages.  Each figure runs from the first frame to the last.  Root.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-"$top/build"}
flows=${2:-50000}
corpus=${MOS_CORPUS:-"$top/../shared/corpus"}
work="$build/bench"
mkdir -p "$work"
make -C "$build/testsuite" bench/plainfwd >/dev/null
pcap="$work/n$flows/many_flows.pcap"
[ -f "$pcap" ] || /usr/bin/python3 "$corpus/gen-crafted.py" \
	--outdir "$work/n$flows" --cases many_flows --many-flows "$flows" >/dev/null

rx="net_pcap0,rx_pcap=$pcap"
"$build/testsuite/bench/plainfwd" 0.5 -l 0 --no-huge -m 1024 --no-pci \
	--file-prefix=bench-plain-$$ --log-level=error \
	--vdev="$rx" --vdev=net_pcap1,tx_pcap=/dev/null >"$work/plain.out" 2>&1 || {
	cat "$work/plain.out"; exit 1; }
rm -rf "/var/run/dpdk/bench-plain-$$"

cat >"$work/fwd.conf" <<CONF
mos = { io = "dpdk"; forward = true; mos_log = "";
  dpdk = { hugepages = false; memory_mb = 1024; file_prefix = "bench-mos-$$"; };
  ports = ( { name = "cap"; core_mask = 0x1; vdev = "$rx"; },
            { name = "out"; core_mask = 0x1; vdev = "net_pcap1,tx_pcap=/dev/null"; } );
  nic_forward_table = ( [ "cap", "out" ] ); };
CONF
MOS_STATS=1 "$build/utils/midstat" -f "$work/fwd.conf" >/dev/null 2>"$work/midstat.err"
MOS_STATS=1 "$build/utils/mos-flowdump" -f "$work/fwd.conf" -o "$work/fwd-dump" \
	2>"$work/flowdump.err"
rm -rf "/var/run/dpdk/bench-mos-$$"
plain=$(sed -n 's/.*: \([0-9]*\) pps$/\1/p' "$work/plain.out")
echo "capture: $pcap ($flows flows)"
cat "$work/plain.out"
for prog in midstat flowdump; do
	line=$(grep "frames/s" "$work/$prog.err")
	pps=$(echo "$line" | sed 's/.*, \([0-9]*\) frames\/s/\1/')
	echo "$prog: $line"
	awk -v a="$pps" -v b="$plain" -v p="$prog" \
		'BEGIN { printf "%s / plain DPDK loop: %.3f\n", p, a / b }'
done
