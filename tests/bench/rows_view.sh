# rows_view.sh - the view rows of tests/bench/run, shmfs only: the text view of a sparse 4 GiB
# segment of 24-byte records (int64 x3): its first and last 4 KiB, and text throughput; and a
# whole table written back with cat, every record changed each time. Sourced.

view_setup() {
	truncate -s 4G "$back/big"
	printf '\x64\0\0\0\0\0\0\0' | dd of="$back/big" conv=notrunc status=none
	setfattr -n user.shmfs.type -v "int64 Col1; int64 Col2; int64 Col3" "$back/big"
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

# The table rewritten: a segment whose view is about $rewrite_mib MiB of text, written back whole
# (cat TEXT > view) from two texts that differ in every record, in turn: every run stores them all.
rewrite_setup() { # after mounting: the texts are the view's own
	local recs=$((rewrite_mib * 1048576 / 70)) # 70 bytes a line at this size
	truncate -s $((recs * 24)) "$back/tab"
	setfattr -n user.shmfs.type -v "int64 Col1; int64 Col2; int64 Col3" "$back/tab"
	cat "${dir[shmfs-pt]}/tab.txt" > "$work/tab-a.txt"
	sed -E 's/^( *[0-9]+ +)0 /\11 /' "$work/tab-a.txt" > "$work/tab-b.txt"
	cmp -s "$work/tab-a.txt" "$work/tab-b.txt" && bench_die "the rewrite texts do not differ"
	rewrite_next=b
}
view_rewrite() { # TARGET: MB/s of text
	local text=$work/tab-$rewrite_next.txt ms
	ms=$(bench_time sh -c 'cat "$1" > "$2"' sh "$text" "${dir[$1]}/tab.txt")
	rewrite_next=$([ "$rewrite_next" = a ] && echo b || echo a)
	bench_rate "$(stat -c %s "$text")" "$ms"
}
view_text_1m() { view_text "$1" 1024; }

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
	# rendering reads holes as zeros: the segment still has only the page written at setup
	(($(stat -c %b "$back/big") <= 8)) || bench_die "reading the view allocated holes of the segment"
	rewrite_setup
	bench_row "view: table rewrite (cat > view)" warm view_rewrite "$@"
	tail -n 1 "${dir[$1]}/tab.txt" | grep -q '^ *[0-9]* *[01] ' || bench_die "the rewrite stored nothing"
}

view_table_rows="view: first 4 KiB|ms
view: last 4 KiB|ms
view: text, 128 KiB reads|MB/s
view: text, 1 MiB reads|MB/s
view: table rewrite (cat > view)|MB/s"
