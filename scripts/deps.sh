#!/bin/sh
# deps.sh -- install what building and testing libmos needs (Debian 12, root).
set -eu
PKGS="build-essential autoconf automake libtool pkg-config dejagnu
      libdpdk-dev libconfig-dev libpcap-dev libsystemd-dev
      systemd groff-base man-db valgrind
      tshark tcpdump tcpflow python3 python3-scapy iproute2 ethtool
      curl socat bc jq iputils-ping nginx
      debhelper dpkg-dev lintian
      systemd-container debootstrap
      clang libclang-rt-14-dev"
if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: run as root (apt-get install)" >&2
	exit 1
fi
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi
