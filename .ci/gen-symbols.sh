#!/bin/sh
# gen-symbols.sh -- print debian/libmos0.symbols as lib/libmos.map implies it.
#
# Each symbol of version node LIBMOS_X.Y first appeared in release X.Y.0,
# so the map alone decides the file.  From the repository root:
#   .ci/gen-symbols.sh > debian/libmos0.symbols        regenerate
#   .ci/gen-symbols.sh | diff -u debian/libmos0.symbols -   check
set -eu
map=${1:-lib/libmos.map}
[ -r "$map" ] || { echo "gen-symbols: cannot read $map" >&2; exit 1; }

# Comments out (perl-base is essential), then one token per line.
body=$(perl -0777 -pe 's{/\*.*?\*/}{}gs; s/#[^\n]*//g; s/([{};])/ $1 /g' "$map" |
       tr -s ' \t' '\n\n')

syms=$(printf '%s\n' "$body" | awk '
	$0 == "" { next }
	state == "out" || state == "" {
		if ($0 !~ /^LIBMOS_[0-9]+\.[0-9]+$/) { err = err " " $0; next }
		node = $0; ver = substr(node, 8) ".0"; state = "open"; next }
	state == "open" {
		if ($0 != "{") { err = err " " $0; next }
		print node "@" node " " ver; state = "global"; next }
	$0 == "global:" { state = "global"; next }
	$0 == "local:" { state = "local"; next }
	$0 == "}" { state = "tail"; next }
	state == "tail" { if ($0 == ";") state = "out"; next }
	$0 == ";" || state == "local" { next }
	$0 ~ /^[A-Za-z_][A-Za-z0-9_]*$/ { print $0 "@" node " " ver; next }
	{ err = err " " $0 }
	END { if (err != "") { print "gen-symbols: cannot parse:" err > "/dev/stderr"; exit 1 } }
')

echo 'libmos.so.0 libmos0 #MINVER#'
echo '* Build-Depends-Package: libmos-dev'
printf '%s\n' "$syms" | LC_ALL=C sort | sed 's/^/ /'
