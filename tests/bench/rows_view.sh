# rows_view.sh - the view rows of tests/bench/run, shmfs only: the text view of a sparse 4 GiB
# segment of 24-byte records (int64 x3): its first and last 4 KiB, and text throughput; 4 KiB
# preads at random offsets of views whose lines are 4 MiB, against one of narrow lines; and a
# whole table written back with cat, every record changed each time. Sourced.

# Segments of random records for the random preads: a 4 KiB read of a 4 MiB line should cost
# about what one of a 70-byte line does. The char blob holds no NUL (the string would end there).
declare -A wide_decl=([narrow]="int64 Col1; int64 Col2; int64 Col3" [blob]="char blob[1048576]"
	[array]="int64 v[131072]")
declare -A wide_label=([narrow]="int64 x3" [blob]="char blob[1048576]" [array]="int64 v[131072]")
wide_mib=16 wide_reads=200

# The random bytes differ from one DIR to the other; no row reads them but through shmfs.
view_setup() { # DIR
	truncate -s 4G "$1/big"
	printf '\x64\0\0\0\0\0\0\0' | dd of="$1/big" conv=notrunc status=none
	setfattr -n user.shmfs.type -v "int64 Col1; int64 Col2; int64 Col3" "$1/big"
	local w
	for w in narrow blob array; do
		head -c "${wide_mib}M" /dev/urandom | tr '\0' '\1' > "$1/wide_$w"
		setfattr -n user.shmfs.type -v "${wide_decl[$w]}" "$1/wide_$w"
	done
}

view_first() { bench_prog bench_pread "${dir[$1]}/big.txt" 4096 1 first; }
view_last() { bench_prog bench_pread "${dir[$1]}/big.txt" 4096 1 last; }
view_text() { # TARGET BS_KIB: MB/s of the first $view_mib MiB of text
	local ms
	ms=$(bench_time dd if="${dir[$1]}/big.txt" of=/dev/null bs="$2k" \
		count=$((view_mib * 1024 / $2)) status=none)
	bench_rate $((view_mib * 1048576)) "$ms"
}
view_text_128k() { view_text "$1" 128; }
view_text_1m() { view_text "$1" 1024; }

# The table rewritten: a segment whose view is about $rewrite_mib MiB of text, written back whole
# (cat TEXT > view) from two texts that differ in every record, in turn: every run stores them all.
rewrite_setup() { # TARGET (a shmfs one), after mounting: the texts are the view's own
	local recs=$((rewrite_mib * 1048576 / 70)) # 70 bytes a line at this size
	truncate -s $((recs * 24)) "$back/tab"
	setfattr -n user.shmfs.type -v "int64 Col1; int64 Col2; int64 Col3" "$back/tab"
	cat "${dir[$1]}/tab.txt" > "$work/tab-a.txt"
	sed -E 's/^( *[0-9]+ +)0 /\11 /' "$work/tab-a.txt" > "$work/tab-b.txt"
	cmp -s "$work/tab-a.txt" "$work/tab-b.txt" && bench_die "the rewrite texts do not differ"
	echo b > "$work/tab-next"
}
view_rewrite() { # TARGET: MB/s of text (in a subshell: which text is next is kept in a file)
	local next ms
	next=$(cat "$work/tab-next")
	ms=$(bench_time sh -c 'cat "$1" > "$2"' sh "$work/tab-$next.txt" "${dir[$1]}/tab.txt")
	[ "$next" = a ] && echo b > "$work/tab-next" || echo a > "$work/tab-next"
	bench_rate "$(stat -c %s "$work/tab-$next.txt")" "$ms"
}

view_wide() { # TARGET KIND: ms per 4 KiB pread at distinct random offsets of wide_KIND.txt
	local ms
	ms=$(bench_prog bench_pread "${dir[$1]}/wide_$2.txt" 4096 "$wide_reads" random)
	awk -v ms="$ms" -v n="$wide_reads" 'BEGIN {printf "%.4f", ms / n}'
}
view_wide_narrow() { view_wide "$1" narrow; }
view_wide_blob() { view_wide "$1" blob; }
view_wide_array() { view_wide "$1" array; }
wide_row() { echo "view: 4 KiB pread, ${wide_label[$1]} lines"; } # KIND
wide_ratio_row() { echo "view: ${wide_label[$1]} over ${wide_label[narrow]}"; } # KIND
needs[$(wide_ratio_row blob)]="$(wide_row blob)"$'\n'"$(wide_row narrow)"
needs[$(wide_ratio_row array)]="$(wide_row array)"$'\n'"$(wide_row narrow)"
rewrite_row="view: table rewrite (cat > view)"

# The ratio of KIND's figures to narrow's, run by run (their runs interleave, so each pair ran at
# about the same time): the row's median is the median of the ratios.
view_wide_ratio() { # KIND TARGETS...
	local k=$1 t
	shift
	bench_chosen "$(wide_ratio_row "$k")" || return 0
	for t; do
		res[$(wide_ratio_row "$k"),$t]=$(paste -d ' ' <(printf '%s\n' ${res[$(wide_row "$k"),$t]}) \
			<(printf '%s\n' ${res[$(wide_row narrow),$t]}) | awk '{printf "%.2f ", $1 / $2}')
	done
}

view_rows() {
	local t
	for t in "$@"; do # the last record is where it must be: 4 GiB / 24 bytes
		tail -c 4096 "${dir[$t]}/big.txt" | tail -n 1 | grep -q '^ *178956969 ' ||
			bench_die "$t: wrong last record in the view"
	done
	view_size=$(stat -c %s "${dir[$1]}/big.txt")
	bench_row "view: first 4 KiB" warm view_first "$@"
	bench_row "view: last 4 KiB" warm view_last "$@"
	bench_row "view: text, 128 KiB reads" warm view_text_128k "$@"
	bench_row "view: text, 1 MiB reads" warm view_text_1m "$@"
	local k
	for k in narrow blob array; do
		bench_row "$(wide_row $k)" warm "view_wide_$k" "$@"
	done
	view_wide_ratio blob "$@"
	view_wide_ratio array "$@"
	# rendering reads holes as zeros: the segment still has only the page written at setup
	(($(stat -c %b "$back/big") <= 8)) || bench_die "reading the view allocated holes of the segment"
	bench_chosen "$rewrite_row" || return 0
	rewrite_setup "$1"
	bench_row "$rewrite_row" warm view_rewrite "$@"
	tail -n 1 "${dir[$1]}/tab.txt" | grep -q '^ *[0-9]* *[01] ' || bench_die "the rewrite stored nothing"
}

view_table_rows="view: first 4 KiB|ms
view: last 4 KiB|ms
view: text, 128 KiB reads|MB/s
view: text, 1 MiB reads|MB/s
$rewrite_row|MB/s"
view_wide_table_rows="$(wide_row narrow)|ms
$(wide_row blob)|ms
$(wide_row array)|ms
$(wide_ratio_row blob)|ratio
$(wide_ratio_row array)|ratio"
