#!/bin/sh
# build.sh [BUILDDIR] -- configure and build libmos out of tree, warnings
# as errors.  Extra configure arguments may follow after BUILDDIR.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-"$top/build"}
[ $# -gt 0 ] && shift
if [ ! -x "$top/configure" ]; then
	(cd "$top" && autoreconf -fi) >"$top/autoreconf.log" 2>&1 || {
		cat "$top/autoreconf.log"; exit 1; }
fi
mkdir -p "$build"
cd "$build"
[ -f Makefile ] || "$top/configure" --enable-werror -q "$@"
make -j"$(nproc)" -s
