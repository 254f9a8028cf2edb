#!/bin/sh
# totals.sh SUMFILE [STATUS] -- DejaGnu's summary as one line
# "N passed, N failed"; exits non-zero on any failure, a missing summary,
# no test at all, or a non-zero STATUS from make.
sum=$1
status=${2:-0}
if [ ! -f "$sum" ]; then
	echo "0 passed, 1 failed"
	exit 1
fi
count() { awk -v k="$1" 'index($0, k) == 1 { n += $NF } END { print n + 0 }' "$sum"; }
pass=$(( $(count '# of expected passes') + $(count '# of expected failures') ))
fail=$(( $(count '# of unexpected failures') + $(count '# of unexpected successes') + \
	 $(count '# of unresolved testcases') ))
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ] && [ "$status" -eq 0 ]
