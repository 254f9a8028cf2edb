#!/bin/sh
# bench-deps.sh -- install what `make bench` needs beyond scripts/deps.sh
# (Debian 12, root): the peers it compares libmos with, and GNU time for
# peak memory; nginx and wrk for the end host rows.
set -eu
PKGS="libnids-dev tcpflow time nginx wrk"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "bench-deps.sh: missing$missing; run as root (apt-get install)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
