#!/usr/bin/env bash
# ls_bench.sh - times `ls -l` and `stat` of a directory of N segments through a shmfs mount against
# the backing tmpfs itself, in one run (median of R runs each). Needs root (private tmpfs).
# Usage: tests/bench/ls_bench.sh [BUILD_DIR] [N] [R]
set -euo pipefail
build=${1:-build}
n=${2:-10000}
reps=${3:-5}
. "$(dirname "$0")/common.sh"

bench_mount "$build" 256m
for ((i = 0; i < n; i++)); do
	printf 'segment %d\n' "$i" > "$back/seg$i"
done

ls_native=$(median_ms ls -l "$back")
ls_shmfs=$(median_ms ls -l "$mnt")
stat_native=$(median_ms stat "$back"/seg*)
stat_shmfs=$(median_ms stat "$mnt"/seg*)
[ "$(ls "$mnt" | wc -l)" -eq "$n" ] || { echo "ls_bench: mount lists a wrong count" >&2; exit 1; }

echo "| $n segments (median of $reps) | native tmpfs | shmfs | ratio |"
echo "|---|---|---|---|"
awk -v a="$ls_native" -v b="$ls_shmfs" 'BEGIN {printf "| ls -l | %.1f ms | %.1f ms | %.2fx |\n", a, b, b/a}'
awk -v a="$stat_native" -v b="$stat_shmfs" 'BEGIN {printf "| stat of each | %.1f ms | %.1f ms | %.2fx |\n", a, b, b/a}'
