#!/bin/sh
# hup.sh FLOWLOG WORKDIR -- SIGHUP reopens mos-flowlog's log, as logrotate
# expects: mos-flowlog captures the loopback of a network namespace of its
# own; a connection; the log renamed and SIGHUP; a second connection;
# SIGTERM.  WORKDIR/conn.log.1 and WORKDIR/conn.log then hold one
# connection each (flowlog.exp reads them).  Exit 77 when namespaces
# cannot be made (not root).
set -eu
flowlog=$1 work=$2
ns="mos-flowlog-$$"
rm -rf "$work"
mkdir -p "$work"
cleanup() {
	[ -n "${log:-}" ] && kill "$log" 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT
if ! ip netns add "$ns" 2>"$work/netns.err"; then
	echo "hup.sh: no network namespace: $(cat "$work/netns.err")"
	exit 77
fi
ip -n "$ns" link set lo up

# loopback hands TCP to the capture before the checksum is filled in
cat >"$work/lo.conf" <<CONF
mos = { io = "pcap"; forward = false; mos_log = ""; verify_checksums = false;
  ports = ( { name = "lo"; interface = "lo"; core_mask = 0x1; } ); };
CONF
# one connection to PORT: the client sends 300 bytes, the server 100
connect() {
	ip netns exec "$ns" python3 -c '
import socket, sys
p = int(sys.argv[1])
s = socket.socket()
s.bind(("127.0.0.1", p)); s.listen(1)
c = socket.create_connection(("127.0.0.1", p)); a, _ = s.accept()
c.sendall(b"x" * 300); d = b""
while len(d) < 300: d += a.recv(4096)
a.sendall(d[:100]); c.recv(4096); c.close(); a.close(); s.close()
' "$1"
}
ip netns exec "$ns" "$flowlog" -f "$work/lo.conf" -C /dev/null \
	-w "$work/conn.log" 2>"$work/flowlog.err" &
log=$!
sleep 1
connect 47011
sleep 1.5
mv "$work/conn.log" "$work/conn.log.1"
kill -HUP "$log"
# the reopen is checked once a second
sleep 1.5
connect 47012
sleep 1.5
kill -TERM "$log"
wait "$log"
log=
echo "hup.sh: done"
