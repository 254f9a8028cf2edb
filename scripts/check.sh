#!/bin/sh
# check.sh -- set everything up and run the test suite (make check).
# The last line is DejaGnu's totals as "N passed, N failed".
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-"$top/build"}
"$top/scripts/deps.sh"
"$top/scripts/build.sh" "$build"
status=0
make -C "$build" -j"$(nproc)" check >"$build/check.out" 2>&1 || status=$?
grep -E '^(FAIL|XPASS|ERROR|UNRESOLVED|UNSUPPORTED):' "$build/testsuite/libmos.sum" || true
exec "$top/scripts/totals.sh" "$build/testsuite/libmos.sum" "$status"
