#!/usr/bin/env bash
# smoke.sh - the bench_smoke test: `tests/bench/run --quick` against BUILD_DIR must give every row a
# figure for every target, so the benchmark cannot rot; and --rows must run and print only its row,
# and refuse a pattern that matches none. Without root, /dev/fuse or bindfs it skips (exit 77)
# loudly, but fails when CI=true. Usage: tests/bench/smoke.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
missing=""
[ "$(id -u)" -eq 0 ] || missing+=" root"
[ -c /dev/fuse ] || missing+=" /dev/fuse"
command -v bindfs > /dev/null || missing+=" bindfs (scripts/install-deps --bench)"
if [ -n "$missing" ]; then
	echo "!!! bench_smoke SKIPPED, missing:$missing !!!" >&2
	[ "${CI:-}" = true ] && { echo "CI=true: a skip is a failure" >&2; exit 1; }
	exit 77
fi

out=$(mktemp)
trap 'rm -f "$out" "$out.err"' EXIT
"$here/run" --quick --out "$out" "$1"

# ROW N KIND: the row is there with N figures, each "median (min–max)" (range) or a number (plain).
fail=0
expect() {
	local cell='[0-9]+(\.[0-9]+)?'
	[ "$3" = range ] && cell="$cell \\($cell–$cell\\)"
	if ! grep -F "| $1 |" "$out" | tr '|' '\n' | sed 's/^ *//; s/ *$//' |
		grep -Ecx "$cell" | grep -qx "$2"; then
		echo "bench_smoke: row '$1' lacks $2 figures" >&2
		fail=1
	fi
}
for row in "sequential read, bs=1M" "sequential read, bs=128k" "sequential write, bs=1M" \
	"sequential write, bs=128k" "random 4 KiB pread" "mmap sequential read" \
	"mmap sequential write" "ls -l of the directory" "lstat of each segment" \
	"create+write 4 KiB+close+unlink"; do
	expect "$row" 5 range # native, native watched, passthrough, daemon-served, bindfs
done
for row in "view: first 4 KiB" "view: last 4 KiB" "view: text, 128 KiB reads" \
	"view: text, 1 MiB reads" "view: table rewrite (cat > view)" \
	"view: 4 KiB pread, int64 x3 lines" "view: 4 KiB pread, char blob[1048576] lines" \
	"view: 4 KiB pread, int64 v[131072] lines" "view: char blob[1048576] over int64 x3" \
	"view: int64 v[131072] over int64 x3"; do
	expect "$row" 2 range # passthrough, daemon-served
done
expect "peak RSS (VmHWM)" 3 plain
expect "RssAnon at the end" 3 plain
expect "CPU time (utime+stime)" 3 plain

# One row on two targets: its table is its head, rule and row; the daemon table has 3 rows.
"$here/run" --quick --rows 'lstat' --targets native,shmfs-served --out "$out" "$1"
expect "lstat of each segment" 2 range
[ "$(grep -c '^|' "$out")" -eq 8 ] || {
	echo "bench_smoke: --rows 'lstat' printed other rows:" >&2
	cat "$out" >&2
	fail=1
}
if "$here/run" --rows 'no such row' "$1" 2> "$out.err"; then
	echo "bench_smoke: --rows with a pattern that matches no row did not fail" >&2
	fail=1
elif ! grep -qx '  lstat of each segment' "$out.err"; then
	echo "bench_smoke: --rows with a pattern that matches no row did not list the rows" >&2
	fail=1
fi
exit $fail
