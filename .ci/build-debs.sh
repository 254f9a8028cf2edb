#!/bin/sh
# build-debs.sh -- build the Debian packages from the committed tree, check
# them with lintian, install them and build a program against them.
#
# Run from anywhere inside a clone; needs root (or sudo) for apt-get.
# Every step prints "build-debs: PASS|FAIL ..."; the exit status is 0 only
# if all passed.  BUILD_DEBS_DIR names the work directory (default: a new
# temporary one, kept for inspection).  BUILD_DEBS_UNTRACKED=1 also copies
# untracked files that .gitignore does not exclude (to try work not yet
# committed; CI leaves it unset).
set -u

say() { printf 'build-debs: %s\n' "$*"; }
fail() { say "FAIL $*"; exit 1; }

top=$(git -C "$(dirname "$0")" rev-parse --show-toplevel) ||
	fail "not inside a git clone"
cd "$top" || fail "cd $top"
[ "$(id -u)" = 0 ] && SUDO= || SUDO=sudo

version=$(dpkg-parsechangelog -S Version) || fail "dpkg-parsechangelog"
work=${BUILD_DEBS_DIR:-$(mktemp -d /tmp/build-debs.XXXXXX)}
src="$work/libmos-$version"
rm -rf "$src" "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo
mkdir -p "$src" || fail "mkdir $src"
say "work directory $work"

# The symbols file must say what the version script says.
if .ci/gen-symbols.sh | diff -u debian/libmos0.symbols - >"$work/symbols.diff"
then
	say "PASS debian/libmos0.symbols matches lib/libmos.map"
else
	cat "$work/symbols.diff"
	fail "debian/libmos0.symbols differs from lib/libmos.map" \
	     "(regenerate: .ci/gen-symbols.sh > debian/libmos0.symbols)"
fi

# Only what git tracks: a clean clone's view, whatever lies around here.
files="--cached"
[ "${BUILD_DEBS_UNTRACKED:-0}" = 1 ] && files="--cached --others --exclude-standard"
# shellcheck disable=SC2086
git ls-files -z $files | tar --null -T - -cf - | tar -xf - -C "$src" ||
	fail "copy of the git-tracked tree"
say "PASS copied $(find "$src" -type f | wc -l) files ($files) to $src"

if (cd "$src" && DEB_BUILD_OPTIONS="nocheck ${DEB_BUILD_OPTIONS:-}" \
	dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
	say "PASS dpkg-buildpackage -us -uc -b (log: $work/build.log)"
else
	tail -n 60 "$work/build.log"
	fail "dpkg-buildpackage -us -uc -b (log: $work/build.log)"
fi
changes=$(ls "$work"/libmos_"$version"_*.changes) || fail "no .changes file"

lintian --fail-on error --info "$changes" >"$work/lintian.log" 2>&1
lrc=$?
cat "$work/lintian.log"
errors=$(grep -c '^E: ' "$work/lintian.log")
warnings=$(grep -c '^W: ' "$work/lintian.log")
if [ "$lrc" != 0 ] || [ "$errors" != 0 ]; then
	fail "lintian: $errors errors, $warnings warnings (exit $lrc)"
fi
say "PASS lintian: 0 errors, $warnings warnings"

debs=
for p in libmos0 libmos-dev mos-utils; do
	deb=$(ls "$work/${p}_$version"_*.deb 2>/dev/null) || fail "no $p .deb"
	debs="$debs $deb"
done
# --reinstall: a machine that installed this version before (CI runs on
# a session's machine) would otherwise keep the old files and test them
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --reinstall \
	$debs >"$work/install.log" 2>&1 || {
	cat "$work/install.log"
	fail "apt-get install of$debs"
}
say "PASS installed:$debs"

cflags_libs=$(pkg-config --cflags --libs libmos) ||
	fail "pkg-config --cflags --libs libmos"
say "PASS pkg-config --cflags --libs libmos: $cflags_libs"
# shellcheck disable=SC2086
cc -std=gnu11 -Wall -Werror -o "$work/monitor" .ci/consumer/monitor.c \
	$cflags_libs || fail "building .ci/consumer/monitor.c"
say "PASS built .ci/consumer/monitor.c against the installed packages"
# The installed sample capture, read with the pcap backend: the counts are
# those of its expected tree (testsuite/captures/live/live_clean.expected).
conf="$work/monitor.conf"
cat >"$conf" <<CONF
mos = { io = "pcap"; forward = false; mos_log = "";
  ports = ( { name = "sample"; core_mask = 0x1;
              pcap_file = "/usr/share/libmos/sample.pcap"; } ); };
CONF
"$work/monitor" "$conf" 8 44161 135500 || fail "monitor on the sample capture"
say "PASS monitor counted the sample capture's flows and bytes"

# Pages a user of libmos-dev looks up first.
pages="libmos mtcp_init mtcp_peek mtcp_register_callback"
for page in $pages; do
	path=$(man -w "$page" 2>&1) || fail "man -w $page: $path"
	say "PASS man -w $page: $path"
done
say "all passed"
