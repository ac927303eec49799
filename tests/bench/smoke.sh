#!/usr/bin/env bash
# smoke.sh - the bench_smoke test: `tests/bench/run --quick` against BUILD_DIR must give every row a
# figure for every target, so the benchmark cannot rot. Without root, /dev/fuse or bindfs it skips
# (exit 77) loudly, but fails when CI=true. Usage: tests/bench/smoke.sh BUILD_DIR
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
trap 'rm -f "$out"' EXIT
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
	expect "$row" 5 range
done
for row in "view: first 4 KiB" "view: last 4 KiB" "view: text, 128 KiB reads" \
	"view: text, 1 MiB reads"; do
	expect "$row" 2 range
done
expect "peak RSS (VmHWM)" 3 plain
expect "RssAnon at the end" 3 plain
expect "CPU time (utime+stime)" 3 plain
exit $fail
