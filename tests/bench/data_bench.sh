#!/usr/bin/env bash
# data_bench.sh - sequential read and write of a 1 GiB segment (dd at bs=1M and bs=128k) and a mmap
# read of it (writes into pages the segment already has), on the native tmpfs, through shmfs in passthrough mode and in daemon-served mode, in
# one run: median of R runs each, with ratios to native. Needs root.
# Usage: tests/bench/data_bench.sh [BUILD_DIR] [R]
set -euo pipefail
build=${1:-build}
reps=${2:-3}
. "$(dirname "$0")/common.sh"

bench_mount "$build" 3g -o passthrough=on
bench_mount_extra served -o passthrough=off
dd if=/dev/urandom of="$back/data" bs=1M count=1024 status=none
# Writes go into the existing pages of W (no tmpfs allocation in the timing). W is never removed
# during the run: a daemon may still hold it open for a moment after close.
dd if=/dev/zero of="$back/w" bs=1M count=1024 status=none

declare -A where=([native]="$back" [passthrough]="$mnt" [daemon-served]="$work/served")
modes=(native passthrough daemon-served)

# MB/s of one operation on TARGET (a directory), median of $reps runs.
rate() { # OP DIR
	local op=$1 dir=$2 ms
	case $op in
	write-1M) ms=$(median_ms dd if=/dev/zero of="$dir/w" bs=1M count=1024 conv=notrunc status=none) ;;
	write-128k) ms=$(median_ms dd if=/dev/zero of="$dir/w" bs=128k count=8192 conv=notrunc status=none) ;;
	read-1M) ms=$(median_ms dd if="$dir/data" of=/dev/null bs=1M status=none) ;;
	read-128k) ms=$(median_ms dd if="$dir/data" of=/dev/null bs=128k status=none) ;;
	mmap-read) ms=$(median_ms "$build/tests/bench/mmap_read" "$dir/data") ;;
	esac
	awk -v ms="$ms" 'BEGIN {printf "%.0f", 1024 * 1048.576 / ms}'
}

echo "| 1 GiB, MB/s (median of $reps) | native | passthrough | ratio | daemon-served | ratio |"
echo "|---|---|---|---|---|---|"
for op in read-1M read-128k write-1M write-128k mmap-read; do
	declare -A r=()
	for mode in "${modes[@]}"; do
		rate "$op" "${where[$mode]}" > /dev/null # warm-up run, not counted
		r[$mode]=$(rate "$op" "${where[$mode]}")
	done
	awk -v op="$op" -v n="${r[native]}" -v p="${r[passthrough]}" -v d="${r[daemon-served]}" \
		'BEGIN {printf "| %s | %d | %d | %.2f | %d | %.2f |\n", op, n, p, p / n, d, d / n}'
done
