# common.sh - what the benchmark scripts share: a private tmpfs with shmfs mounted over it, cleaned
# up on exit, and a median-of-runs timer. Sourced; needs root (it mounts a tmpfs).
# After bench_mount: $back (the tmpfs), $mnt (the mount point), $daemon (the shmfs pid).

bench_mount() { # BUILD_DIR TMPFS_SIZE [SHMFS OPTIONS...]
	local build=$1 size=$2
	shift 2
	shmfs="$build/mount/shmfs"
	[ -x "$shmfs" ] || { echo "bench: no $shmfs; build first (meson compile -C $build)" >&2; exit 1; }
	[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (it mounts a private tmpfs)" >&2; exit 1; }
	work=$(mktemp -d /tmp/shmfs-bench.XXXXXX)
	back="$work/backing" mnt="$work/mnt"
	mkdir "$back" "$mnt"
	trap bench_cleanup EXIT
	mount -t tmpfs -o "size=$size,mode=1777" tmpfs "$back"
	"$shmfs" "$back" "$mnt" -f "$@" &
	daemon=$!
	for _ in $(seq 100); do
		mountpoint -q "$mnt" && return 0
		sleep 0.05
	done
	echo "bench: shmfs did not mount" >&2
	exit 1
}

# A second shmfs over the same tmpfs at $work/NAME, with other options; its pid in ${extra_pids[@]}.
extra_pids=()
bench_mount_extra() { # NAME [SHMFS OPTIONS...]
	local dir="$work/$1"
	shift
	mkdir "$dir"
	"$shmfs" "$back" "$dir" -f "$@" &
	extra_pids+=($!)
	for _ in $(seq 100); do
		mountpoint -q "$dir" && return 0
		sleep 0.05
	done
	echo "bench: shmfs did not mount at $dir" >&2
	exit 1
}

bench_cleanup() {
	local m
	for m in "$work"/*; do
		[ "$m" = "$back" ] || fusermount3 -u "$m" 2>/dev/null || true
	done
	for m in ${daemon:-} "${extra_pids[@]}"; do
		wait "$m" 2>/dev/null || true
	done
	umount "$back" 2>/dev/null || true
	rm -rf "$work"
}

# Median wall time in milliseconds of $reps runs of a command (its output thrown away).
median_ms() {
	local times=() t0 t1
	for ((r = 0; r < reps; r++)); do
		t0=$(date +%s%N)
		"$@" > /dev/null
		t1=$(date +%s%N)
		times+=($(( (t1 - t0) / 1000 )))
	done
	printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]/1000}'
}

# Resident memory of the daemon in KiB.
daemon_rss_kib() {
	awk '/^VmRSS:/ {print $2}' "/proc/$daemon/status"
}
