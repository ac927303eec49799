#!/usr/bin/env bash
# view_bench.sh - the text view of a sparse 4 GiB segment of 24-byte records (int64 x3): time to
# read its first and last 4 KiB, text throughput for its first 256 MiB, and the daemon's RSS
# before and after. Needs root (private tmpfs). Usage: tests/bench/view_bench.sh [BUILD_DIR] [R]
set -euo pipefail
build=${1:-build}
reps=${2:-5}
. "$(dirname "$0")/common.sh"

bench_mount "$build" 64m
truncate -s 4G "$back/big"
printf '\x64\0\0\0\0\0\0\0' | dd of="$back/big" conv=notrunc status=none
setfattr -n user.shmfs.type -v "int64 Col1; int64 Col2; int64 Col3" "$back/big"
view="$mnt/big.txt"
rss_before=$(daemon_rss_kib)
size=$(stat -c %s "$view")

first=$(median_ms dd if="$view" of=/dev/null bs=4096 count=1 status=none)
last=$(median_ms dd if="$view" of=/dev/null bs=4096 count=1 iflag=skip_bytes skip=$((size - 4096)) status=none)
tail -c 4096 "$view" | tail -n 1 | grep -q '^ *178956969 ' || { echo "view_bench: wrong last record" >&2; exit 1; }
throughput() { # BS COUNT: MB/s of reading BS*COUNT bytes of the view
	dd if="$view" of=/dev/null bs="$1" count="$2" 2>&1 | awk -F, '/copied/ {print $NF}'
}
cat_rate=$(throughput 128k 2048)
big_rate=$(throughput 1M 256)
rss_after=$(daemon_rss_kib)
blocks=$(stat -c %b "$back/big")

echo "| view of a 4 GiB segment of 24-byte records | shmfs |"
echo "|---|---|"
echo "| text size | $size bytes |"
echo "| first 4 KiB (median of $reps) | $first ms |"
echo "| last 4 KiB (median of $reps) | $last ms |"
echo "| first 256 MiB, 128 KiB reads (as cat) | $cat_rate |"
echo "| first 256 MiB, 1 MiB reads | $big_rate |"
echo "| daemon RSS before / after | $rss_before KiB / $rss_after KiB |"
echo "| segment blocks allocated after all that | $blocks |"
