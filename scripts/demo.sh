#!/bin/sh
# demo.sh -- the main job: set everything up, then run midstat on the
# capture bundled with libmos and print its connection table.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh"
"$top/scripts/build.sh" "$top/build" >/dev/null
exec "$top/build/utils/midstat" -r "$top/etc/sample.pcap"
