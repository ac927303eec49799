# rows_meta.sh - the metadata rows of tests/bench/run: `ls -l` of a directory of N segments, lstat
# of each of them, and create + write 4 KiB + close + unlink of N segments; on every target. Sourced.

meta_setup() { # DIR
	local i
	mkdir "$1/many" "$1/churn"
	for ((i = 0; i < nfiles; i++)); do
		printf 'segment %d\n' "$i" > "$1/many/seg$i"
	done
}

ls_l() { bench_time ls -l "${dir[$1]}/many"; }
lstat_each() { bench_prog bench_lstat "${dir[$1]}/many" seg "$nfiles"; }
churn() { bench_per_s "$nfiles" "$(bench_prog bench_churn "${dir[$1]}/churn" "$nfiles")"; }

# cold: no run may find names or attributes cached by the one before. bindfs keeps them 1 s
# (libfuse's default), so its runs wait that out; both native targets are tmpfs directories. shmfs
# (-o cache=watch) keeps them until inotify reports a change, and none comes: its runs find them
# cached, as its users' do (README). (One directory for all runs: a shmfs daemon holds an fd per
# inode the kernel remembers, and the kernel forgets none without memory pressure.)
meta_rows() {
	local t
	cache_s[bindfs]=1.1
	for t in "${targets[@]}"; do
		[ "$(ls "${dir[$t]}/many" | wc -l)" -eq "$nfiles" ] || bench_die "$t lists a wrong count"
		last[$t]=$EPOCHREALTIME
	done
	bench_row "ls -l of the directory" cold ls_l "${targets[@]}"
	bench_row "lstat of each segment" cold lstat_each "${targets[@]}"
	bench_row "create+write 4 KiB+close+unlink" warm churn "${targets[@]}"
	for t in "${setup_dirs[@]}"; do
		[ -z "$(ls -A "$t/churn")" ] || bench_die "churn left segments behind in $t"
	done
}

meta_table_rows="ls -l of the directory|ms
lstat of each segment|ms
create+write 4 KiB+close+unlink|segments/s"
