#!/usr/bin/env bash
# ls_bench.sh - times `ls -l` and `stat` of a directory of N segments through a shmfs mount against
# the backing tmpfs itself, in one run (median of R runs each). Needs root (private tmpfs).
# Usage: tests/bench/ls_bench.sh [BUILD_DIR] [N] [R]
set -euo pipefail
build=${1:-build}
n=${2:-10000}
reps=${3:-5}
shmfs="$build/mount/shmfs"
[ -x "$shmfs" ] || { echo "ls_bench: no $shmfs; build first (meson compile -C $build)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "ls_bench: needs root (it mounts a private tmpfs)" >&2; exit 1; }

work=$(mktemp -d /tmp/shmfs-bench.XXXXXX)
back="$work/backing" mnt="$work/mnt"
mkdir "$back" "$mnt"
cleanup() {
	fusermount3 -u "$mnt" 2>/dev/null || true
	umount "$back" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
mount -t tmpfs -o size=256m,mode=1777 tmpfs "$back"
for ((i = 0; i < n; i++)); do
	printf 'segment %d\n' "$i" > "$back/seg$i"
done
"$shmfs" "$back" "$mnt"

# Median wall time in milliseconds of R runs of a command (output thrown away).
median_ms() {
	local times=() t0 t1
	for ((r = 0; r < reps; r++)); do
		t0=$(date +%s%N)
		"$@" > /dev/null
		t1=$(date +%s%N)
		times+=($(( (t1 - t0) / 1000 )))
	done
	printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}'
}

ls_native=$(median_ms ls -l "$back")
ls_shmfs=$(median_ms ls -l "$mnt")
stat_native=$(median_ms stat "$back"/seg* )
stat_shmfs=$(median_ms stat "$mnt"/seg* )
[ "$(ls "$mnt" | wc -l)" -eq "$n" ] || { echo "ls_bench: mount lists a wrong count" >&2; exit 1; }

echo "| $n segments (median of $reps) | native tmpfs | shmfs | ratio |"
echo "|---|---|---|---|"
awk -v a="$ls_native" -v b="$ls_shmfs" 'BEGIN {printf "| ls -l | %.1f ms | %.1f ms | %.2fx |\n", a, b, b/a}'
awk -v a="$stat_native" -v b="$stat_shmfs" 'BEGIN {printf "| stat of each | %.1f ms | %.1f ms | %.2fx |\n", a, b, b/a}'
