#!/bin/sh
# fuzz.sh -- build the libFuzzer targets of fuzz/ with clang and run each
# for a bounded time (README, Fuzzing).
#
#   FUZZ_SECONDS  seconds per target (default 60)
#   FUZZ_TARGETS  which ones (default: every fuzz/fuzz_*.c)
#   FUZZ_BUILD    build directory (default build-fuzz in the source tree)
#   FUZZ_SEED     libFuzzer's -seed (default 0: a new one each run; CI
#                 fixes it so that a red smoke run can be repeated)
#
# The library's sources are compiled with -fsanitize=fuzzer-no-link,
# address,undefined into FUZZ_BUILD (its own configure, so the normal
# build is untouched); each target links with -fsanitize=fuzzer.  New
# inputs go to FUZZ_BUILD/corpus/TARGET (the seeds in fuzz/corpus/TARGET
# are only read); a crash leaves FUZZ_BUILD/crash/TARGET-* and makes the
# script exit 1.  One line per target: "fuzz: TARGET: N executions in S s".
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD:-"$top/build-fuzz"}
secs=${FUZZ_SECONDS:-60}
cc=${FUZZ_CC:-clang}

if ! command -v "$cc" >/dev/null 2>&1; then
	echo "fuzz.sh: $cc not found (Debian: apt-get install clang libclang-rt-14-dev)" >&2
	exit 1
fi
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cflags="-O1 -g -fno-omit-frame-pointer $san -fsanitize=fuzzer-no-link"

if [ ! -x "$top/configure" ]; then
	(cd "$top" && autoreconf -fi) >"$top/autoreconf.log" 2>&1 || {
		cat "$top/autoreconf.log"; exit 1; }
fi
mkdir -p "$build"
cd "$build"
if [ ! -f Makefile ]; then
	"$top/configure" -q CC="$cc" CFLAGS="$cflags" LDFLAGS="$san" \
		>configure.log 2>&1 || { cat configure.log; exit 1; }
fi
make -s -j2 -C lib libmos-core.la >make.log 2>&1 || { cat make.log; exit 1; }

targets=${FUZZ_TARGETS:-$(cd "$top/fuzz" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')}
mkdir -p bin corpus crash
for t in $targets; do
	src="$top/fuzz/fuzz_$t.c"
	[ -f "$src" ] || { echo "fuzz.sh: no target $t ($src)" >&2; exit 1; }
	"$cc" $cflags -std=gnu11 -Wall -Wextra -Werror -I"$top/include" \
		-I"$top/lib" -I"$top/fuzz" -I"$build" -c "$src" -o "bin/$t.o"
	./libtool --quiet --tag=CC --mode=link "$cc" $san -fsanitize=fuzzer \
		-o "bin/fuzz_$t" "bin/$t.o" lib/libmos-core.la >>make.log 2>&1 ||
		{ cat make.log; exit 1; }
done

rc=0
for t in $targets; do
	mkdir -p "corpus/$t"
	seeds="$top/fuzz/corpus/$t"
	[ -d "$seeds" ] || seeds=
	log="$build/fuzz_$t.log"
	rm -f crash/"$t"-*
	# inputs long enough for a whole conversation (12 bytes a segment)
	case $t in
	stack) opts="-max_len=3089 -len_control=20" ;;
	ring) opts="-max_len=2048 -len_control=20" ;;
	*) opts= ;;
	esac
	if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	   LSAN_OPTIONS=suppressions="$top/fuzz/lsan.supp" \
	   UBSAN_OPTIONS=print_stacktrace=1 \
	   "bin/fuzz_$t" $opts -max_total_time="$secs" -timeout=20 \
		-rss_limit_mb=4096 -print_final_stats=1 -seed="${FUZZ_SEED:-0}" \
		-artifact_prefix="crash/$t-" "corpus/$t" $seeds \
		>"$log" 2>&1; then
		st=ok
	else
		st=FAILED
		rc=1
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	took=$(sed -n 's/^stat::.*time.*: *//p' "$log" | head -n 1)
	echo "fuzz: $t: ${execs:-?} executions in ${secs} s ($st)"
	if [ "$st" = FAILED ]; then
		grep -E 'ERROR|invariant|SUMMARY|runtime error' "$log" | head -n 20
		ls crash/"$t"-* 2>/dev/null | head -n 3
	fi
done
exit "$rc"
