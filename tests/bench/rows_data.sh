# rows_data.sh - the data rows of tests/bench/run: dd writes and reads of the one segment at 1 MiB
# and 128 KiB, mmap writes and reads of it, random 4 KiB preads; on every target. Sourced.
# The segment's pages exist from the start, so writes time copies, not tmpfs allocation.

data_setup() { # DIR
	seg_bytes=$((size_mib * 1048576))
	truncate -s "$seg_bytes" "$1/seg"
	bench_prog bench_mmap write "$1/seg" > /dev/null
}

# A read must come from the backing tmpfs, as on native. Through a daemon-served mount every byte
# then passes the daemon: shmfs opens direct or with keep_cache off, bindfs with keep_cache off, so
# each open (each run is a new process) drops the mount's page cache. bindfs writes the bytes to
# /dev/fuse; shmfs splices them, which its write count does not show, so for it each READ request
# shows instead: REQUESTS, the fewest that can carry the bytes, must have come (one read(2) of
# /dev/fuse each). Through the passthrough mount the daemon sends none of the bytes. Over io_uring
# (shmfs-ring) the daemon takes requests and replies through the ring, not with read(2) and write(2)
# of /dev/fuse, so these counts do not show them: that target goes unchecked.
data_served() { # TARGET MARK_BEFORE BYTES REQUESTS
	local sent calls
	[ -n "${pid[$1]:-}" ] || return 0
	sent=$(($(bench_daemon "$1" wchar) - ${2% *}))
	calls=$(($(bench_daemon "$1" syscr) - ${2#* }))
	case $1 in
	shmfs-pt)
		((sent < $3 / 2)) || bench_die "$1: a $3-byte read sent $sent bytes through the daemon" ;;
	shmfs-served)
		((calls >= $4)) ||
			bench_die "$1: a $3-byte read took $calls read(2)s of the daemon, not $4 (cache)" ;;
	shmfs-ring) ;; # unchecked (above)
	*)
		((sent >= $3)) || bench_die "$1: a $3-byte read got only $sent bytes from the daemon (cache)" ;;
	esac
}

data_mark() { # TARGET: "WCHAR SYSCR" of its daemon now
	[ -z "${pid[$1]:-}" ] && echo "0 0" || echo "$(bench_daemon "$1" wchar) $(bench_daemon "$1" syscr)"
}

data_dd_write() { # TARGET BS_KIB
	local ms
	ms=$(bench_time dd if=/dev/zero of="${dir[$1]}/seg" bs="$2k" count=$((seg_bytes / 1024 / $2)) \
		conv=notrunc status=none)
	bench_rate "$seg_bytes" "$ms"
}

data_dd_read() { # TARGET BS_KIB
	local w0 ms
	w0=$(data_mark "$1")
	ms=$(bench_time dd if="${dir[$1]}/seg" of=/dev/null bs="$2k" status=none)
	data_served "$1" "$w0" "$seg_bytes" $((seg_bytes / 1048576))
	bench_rate "$seg_bytes" "$ms"
}

data_mmap() { # TARGET read|write
	local w0 ms
	w0=$(data_mark "$1")
	ms=$(bench_prog bench_mmap "$2" "${dir[$1]}/seg")
	[ "$2" = write ] || data_served "$1" "$w0" "$seg_bytes" $((seg_bytes / 1048576))
	bench_rate "$seg_bytes" "$ms"
}

data_random() { # TARGET
	local w0 ms
	w0=$(data_mark "$1")
	ms=$(bench_prog bench_pread -p "${dir[$1]}/seg" 4096 "$nreads" random)
	data_served "$1" "$w0" $((nreads * 4096)) $((nreads / 32))
	bench_per_s "$nreads" "$ms"
}

write_1m() { data_dd_write "$1" 1024; }
write_128k() { data_dd_write "$1" 128; }
read_1m() { data_dd_read "$1" 1024; }
read_128k() { data_dd_read "$1" 128; }
mmap_write() { data_mmap "$1" write; }
mmap_read() { data_mmap "$1" read; }

# Writes first: the mmap writes leave the pattern that the reads then check. When dd wrote zeros
# and the mmap writes did not run (--rows), the pattern is written again.
data_rows() {
	local d again=""
	bench_row "sequential write, bs=1M" warm write_1m "${targets[@]}"
	bench_row "sequential write, bs=128k" warm write_128k "${targets[@]}"
	bench_row "mmap sequential write" warm mmap_write "${targets[@]}"
	if ! bench_chosen "mmap sequential write" &&
		bench_any "sequential write, bs=1M"$'\n'"sequential write, bs=128k"; then
		again=1
	fi
	for d in "${setup_dirs[@]}"; do # every target's mmap writes landed
		[ -z "$again" ] || bench_prog bench_mmap write "$d/seg" > /dev/null
		bench_prog bench_mmap read "$d/seg" > /dev/null
	done
	bench_row "sequential read, bs=1M" warm read_1m "${targets[@]}"
	bench_row "sequential read, bs=128k" warm read_128k "${targets[@]}"
	bench_row "mmap sequential read" warm mmap_read "${targets[@]}"
	bench_row "random 4 KiB pread" warm data_random "${targets[@]}"
}

data_table_rows="sequential read, bs=1M|MB/s
sequential read, bs=128k|MB/s
sequential write, bs=1M|MB/s
sequential write, bs=128k|MB/s
random 4 KiB pread|reads/s
mmap sequential read|MB/s
mmap sequential write|MB/s"
