# common.sh - what tests/bench/run and its row scripts share: failing with one line; the targets
# (private tmpfs, FUSE mounts over one) with their cleanup on any exit; timing; medians; tables.
# Sourced. A target is a name: ${dir[T]} is where it shows a tmpfs, ${pid[T]} its daemon if any.

declare -A dir=() pid=() label=() res=() last=() cache_s=() chosen=() needs=()
targets=() tmpfs_dirs=() work=""

bench_die() {
	echo "bench: $*" >&2
	exit 1
}

# The private tmpfs $back, which the FUSE targets show; the EXIT trap takes every mount down again.
bench_setup() { # TMPFS_SIZE
	work_t0=$EPOCHREALTIME
	work=$(mktemp -d /tmp/shmfs-bench.XXXXXX)
	trap bench_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	back=$work/back
	bench_tmpfs "$back" "$1"
}

bench_tmpfs() { # DIR SIZE: a private tmpfs at DIR, taken down at exit
	mkdir "$1"
	mount -t tmpfs -o "size=$2,mode=1777" tmpfs "$1" || bench_die "cannot mount a tmpfs at $1"
	tmpfs_dirs+=("$1")
}

# A target with no daemon: a directory measured directly.
bench_dir_target() { # TARGET DIR
	targets+=("$1")
	dir[$1]=$2
}

# Refuses a run that would not fit: with no swap the OOM killer would end it halfway, with swap
# it would measure the disk.
bench_memory() { # MIB: what the run holds in memory at most
	local avail
	avail=$(awk '/^MemAvailable:/ {print int($2 / 1024)}' /proc/meminfo)
	(($1 <= avail)) || bench_die "the run needs up to $1 MiB of memory, $avail MiB are available"
}

# A FUSE daemon in the foreground (so $! is the daemon) showing $back at $work/TARGET.
bench_mount() { # TARGET PROGRAM [OPTIONS...]
	local t=$1 prog=$2 i
	shift 2
	dir[$t]=$work/$t
	mkdir "${dir[$t]}"
	targets+=("$t")
	"$prog" "$back" "${dir[$t]}" -f "$@" 2> "$work/$t.log" &
	pid[$t]=$!
	for ((i = 0; i < 200; i++)); do
		mountpoint -q "${dir[$t]}" && return 0
		bench_alive "${pid[$t]}" || break
		sleep 0.05
	done
	bench_die "$t did not mount: $(tail -n 1 "$work/$t.log")"
}

bench_alive() { # PID (a child that exited stays a zombie until waited for)
	local stat
	stat=$(cat "/proc/$1/stat" 2> /dev/null) || return 1
	[[ ${stat##*) } != Z* ]]
}

# Also a stale mount (its daemon died), which mountpoint(1) cannot stat.
bench_mounted() { awk -v m="$1" '$5 == m {found = 1} END {exit !found}' /proc/self/mountinfo; }

bench_cleanup() {
	local t i
	set +e # best effort: one mount that does not go must not keep the others
	for t in "${targets[@]}"; do
		[ -n "${pid[$t]:-}" ] || continue
		if bench_mounted "${dir[$t]}"; then umount "${dir[$t]}" || umount -l "${dir[$t]}"; fi
		for ((i = 0; i < 50; i++)); do
			bench_alive "${pid[$t]}" || break
			sleep 0.1
		done
		bench_alive "${pid[$t]}" && kill "${pid[$t]}"
		wait "${pid[$t]}" 2> /dev/null || true
	done
	for t in "${tmpfs_dirs[@]}"; do
		if bench_mounted "$t"; then umount "$t" || umount -l "$t"; fi
	done
	[ -z "$work" ] || rm -rf "$work"
}

# The rows to run (--rows): those whose name contains a PATTERN or matches it as an extended
# regular expression; names hold "+" and "[...]", and one copied from a table must find its row.
# A row computed from others (${needs[ROW]}, their names one a line) brings them along.
bench_choose() { # "ROW|UNIT" LINES (all rows) PATTERNS...
	local lines=$1 spec name p hit
	shift
	for p; do
		hit=""
		while IFS= read -r spec; do
			name=${spec%%|*}
			[ -n "$name" ] && { [[ $name == *"$p"* ]] || [[ $name =~ $p ]]; } || continue
			chosen[$name]=1 hit=1
		done <<< "$lines"
		[ -n "$hit" ] ||
			bench_die "--rows '$p' matches no row; the rows:"$'\n'"$(bench_names "$lines")"
	done
	for name in "${!chosen[@]}"; do
		while IFS= read -r p; do
			[ -z "$p" ] || chosen[$p]=1
		done <<< "${needs[$name]:-}"
	done
}

bench_names() { sed '/^$/d; s/|.*//; s/^/  /' <<< "$1"; } # "ROW|UNIT" LINES: the names, indented

bench_chosen() { ((${#chosen[@]} == 0)) || [ -n "${chosen[$1]:-}" ]; } # ROW; no --rows: all

bench_any() { # "ROW|UNIT" LINES: whether one of them is chosen
	local spec
	while IFS= read -r spec; do
		if [ -n "$spec" ] && bench_chosen "${spec%%|*}"; then return 0; fi
	done <<< "$1"
	return 1
}

# Milliseconds a command took, process start included; its output is thrown away.
bench_time() {
	local t0=$EPOCHREALTIME
	"$@" > /dev/null || bench_die "failed: $*"
	awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.3f", (b - a) * 1000}'
}

# One of the timing programs of tests/bench: it prints its own milliseconds, process start excluded.
bench_prog() { # NAME ARGS...
	local name=$1
	shift
	"$progs/$name" "$@" || bench_die "failed: $name $*"
}

bench_rate() { awk -v b="$1" -v ms="$2" 'BEGIN {printf "%.1f", b / 1000 / ms}'; } # BYTES MS: MB/s
bench_per_s() { awk -v n="$1" -v ms="$2" 'BEGIN {printf "%.1f", n * 1000 / ms}'; } # N MS: N/s

# A figure of a target's daemon: bytes it wrote (to /dev/fuse: replies it did not splice), read(2)
# calls it made (one per FUSE request, and shmfs reads no data with read(2)), peak RSS (with the
# pages of segments it maps, which are the tmpfs's), its own memory now, CPU seconds.
bench_daemon() { # TARGET wchar|syscr|hwm_mib|anon_mib|cpu_s
	local p=${pid[$1]}
	bench_alive "$p" || bench_die "the daemon of $1 is gone: $(tail -n 1 "$work/$1.log")"
	case $2 in
	wchar) awk '/^wchar:/ {print $2}' "/proc/$p/io" ;;
	syscr) awk '/^syscr:/ {print $2}' "/proc/$p/io" ;;
	hwm_mib) awk '/^VmHWM:/ {printf "%.1f", $2 / 1024}' "/proc/$p/status" ;;
	anon_mib) awk '/^RssAnon:/ {printf "%.1f", $2 / 1024}' "/proc/$p/status" ;;
	cpu_s) awk -v hz="$(getconf CLK_TCK)" '{sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz}' \
		"/proc/$p/stat" ;;
	esac
}

# Runs one row: FUNC TARGET prints one figure. Runs on the targets interleave, so the shared
# machine's noise spreads over all of them. warm: one uncounted run on each target first. cold: a
# run waits until the target's name and attribute cache (${cache_s[T]} s) has run out since its last.
bench_row() { # ROW warm|cold FUNC TARGETS... (a row not chosen does nothing)
	local row=$1 mode=$2 fn=$3 t r wait
	shift 3
	bench_chosen "$row" || return 0
	if [ "$mode" = warm ]; then
		for t; do
			"$fn" "$t" > /dev/null
		done
	fi
	for ((r = 0; r < reps; r++)); do
		for t; do
			if [ "$mode" = cold ] && [ -n "${cache_s[$t]:-}" ]; then
				wait=$(awk -v l="${last[$t]:-0}" -v c="${cache_s[$t]}" -v now="$EPOCHREALTIME" \
					'BEGIN {w = l + c - now; printf "%.3f", (w > 0 ? w : 0)}')
				sleep "$wait"
			fi
			res[$row,$t]+="$("$fn" "$t") "
			last[$t]=$EPOCHREALTIME
		done
	done
	echo "bench: $row: done at $((${EPOCHREALTIME%.*} - ${work_t0%.*})) s" >&2
}

bench_num() { # a figure with three significant digits or more, no exponent
	awk -v v="$1" 'BEGIN {printf(v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v)}'
}

# The median, least and greatest figure of a row on a target, into $med $lo $hi.
bench_stats() { # ROW TARGET
	read -r med lo hi < <(printf '%s\n' ${res[$1,$2]} | sort -g | awk '{a[NR] = $1}
		END {print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2), a[1], a[NR]}')
}

# A Markdown table: a line per chosen row, "median (min–max)" per target, and when the first target
# is native, each other target's median over native's. Nothing when no row is chosen.
bench_table() { # TITLE "ROW|UNIT" LINES TARGETS...
	local title=$1 rows=$2 t line spec base=""
	shift 2
	bench_any "$rows" || return 0
	line="| $title | unit |"
	for t; do
		line+=" ${label[$t]} |"
		if [ "$1" = native ] && [ "$t" != native ]; then line+=" ratio |"; fi
	done
	echo "$line"
	echo "$line" | sed 's/[^|]\+/---/g'
	while IFS= read -r spec; do
		[ -n "$spec" ] && bench_chosen "${spec%%|*}" || continue
		line="| ${spec%%|*} | ${spec#*|} |"
		for t; do
			bench_stats "${spec%%|*}" "$t"
			line+=" $(bench_num "$med") ($(bench_num "$lo")–$(bench_num "$hi")) |"
			if [ "$t" = native ]; then
				base=$med
			elif [ "$1" = native ]; then
				line+=" $(awk -v a="$med" -v b="$base" 'BEGIN {printf "%.2f", a / b}') |"
			fi
		done
		echo "$line"
	done <<< "$rows"
}
