#!/usr/bin/env bash
# readme_test.sh - the README's commands as a new user types them, on a fresh real mount: its mount command,
# each `$ command` of its console blocks with the output it shows, both ways to unmount, its types examples.
# Usage: readme_test.sh SOURCE_DIR BUILD_DIR. Needs root and /dev/fuse (exit 77 without, 1 when CI=true).
#
# It runs in a mount namespace of its own with a fresh tmpfs on /dev/shm and on /mnt, so the README's
# paths (/dev/shm/my_shm, /mnt/shm) are used as written and nothing of the host is touched; that
# namespace sits inside another where the README's first command has mounted /mnt/shm already, as
# when its two commands are run in order. Outputs are
# compared after masking what differs from run to run: ls's dates and times; and bash's
# "bash: line N: " becomes the "bash: " of the interactive shell the README shows.
set -euo pipefail

stage=${SHMFS_README_NS:-}
if [ -z "$stage" ]; then
	src=$(realpath "$1") build=$(realpath "$2")
	skip() {
		if [ "${CI:-}" = true ]; then
			printf '\n**********\nERROR: CI=true but readme_test cannot run: %s\n**********\n' "$1" >&2
			exit 1
		fi
		printf '\n**********\nSKIP: readme_test: %s\n**********\n' "$1" >&2
		exit 77
	}
	[ "$(id -u)" -eq 0 ] || skip "needs root (a private mount namespace, the README's /mnt/shm)"
	{ exec 3<>/dev/fuse; } 2>/dev/null || skip "/dev/fuse cannot be opened read-write"
	exec 3>&-
	SHMFS_README_NS=first exec unshare -m --propagation private "$0" "$src" "$build"
fi
src=$1 build=$2
readme=$src/README.md

# The README's mount command: the first line of its first sh block, without the steps that install
# and build (scripts/test in .ci/run does those, and this build is the one under test).
mount_line=$(awk '/^```sh$/ {inblock = 1; next} inblock && /^[^#]/ {print; exit}' "$readme")
mount_cmd=${mount_line##*meson compile -C build && }
[ "$mount_cmd" != "$mount_line" ] && [[ $mount_cmd == *"build/mount/shmfs /mnt/shm"* ]] ||
	{ echo "FAIL: README's first command is not '... meson compile -C build && ... build/mount/shmfs /mnt/shm ...': $mount_line" >&2; exit 1; }

# The README's two commands in order: the first has mounted /mnt/shm when the second (scripts/test)
# runs this test, whose own /mnt/shm is a fresh directory on a tmpfs over /mnt that hides that mount.
# So first that mount, on a tmpfs of its own over /mnt; then the rest in a namespace inside this one.
if [ "$stage" = first ]; then
	mount -t tmpfs -o size=1m,mode=1777 tmpfs /dev/shm
	mount -t tmpfs -o mode=0755 tmpfs /mnt
	first=$(mktemp -d /tmp/shmfs-readme-XXXXXX)
	ln -s "$build" "$first/build"
	echo "README, first command: $mount_cmd"
	(cd "$first" && bash -c "$mount_cmd") || { echo "FAIL: the README's first command exited $?" >&2; exit 1; }
	SHMFS_README_NS=1 unshare -m --propagation private "$0" "$src" "$build" && status=0 || status=$?
	fusermount3 -u /mnt/shm || { echo "FAIL: fusermount3 -u of the first command's /mnt/shm" >&2; status=1; }
	rm -rf "$first"
	exit $status
fi
failures=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

mount -t tmpfs -o size=64m,mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=0755 tmpfs /mnt
# The README's commands name build/..., doc/...: a directory where those are the build and source under test.
work=$(mktemp -d /tmp/shmfs-readme-XXXXXX)
# Whether /mnt/shm is a mount point here, by its device (stat's %m): mountpoint(1) and findmnt go by
# the name in the mount table, where the first command's /mnt/shm, hidden here, has the same name.
mnt_shm_mounted() {
	[ "$(stat -c %m /mnt/shm 2>/dev/null)" = /mnt/shm ]
}
trap '! mnt_shm_mounted || fusermount3 -uz /mnt/shm; rm -rf "$work"' EXIT
ln -s "$build" "$work/build"
for d in doc examples scripts tests; do ln -s "$src/$d" "$work/$d"; done
cd "$work"

mask() {
	sed -E -e 's/ [A-Z][a-z]{2} [ 0-9][0-9] ([0-9]{2}:[0-9]{2}| [0-9]{4}) / MMM DD HH:MM /' \
		-e 's/^bash: line [0-9]+: /bash: /'
}

# The daemon serving /mnt/shm: the shmfs of this mount namespace (other runs of this test have theirs).
daemon_pid() {
	local ns
	ns=$(readlink /proc/self/ns/mnt)
	for p in /proc/[0-9]*; do
		[ "$(cat "$p/comm" 2>/dev/null)" = shmfs ] && [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$ns" ] &&
			{ echo "${p#/proc/}"; return 0; }
	done
	return 0
}

# Unmounts with COMMAND; the daemon must be gone within 10 s and nothing left at /mnt/shm.
unmount_with() {
	local pid
	pid=$(daemon_pid)
	[ -n "$pid" ] || fail "no shmfs daemon serving /mnt/shm before '$*'"
	"$@" || fail "'$*' exited $?"
	for _ in $(seq 200); do
		[ -n "$pid" ] && [ -d "/proc/$pid" ] || break
		sleep 0.05
	done
	[ -z "$pid" ] || [ ! -d "/proc/$pid" ] || fail "the daemon $pid still runs 10 s after '$*'"
	! mnt_shm_mounted || fail "/mnt/shm is still mounted after '$*'"
}

echo "README: $mount_cmd"
bash -c "$mount_cmd" || { echo "FAIL: the README's mount command exited $?" >&2; exit 1; }
mnt_shm_mounted || { echo "FAIL: /mnt/shm is not mounted after the README's mount command" >&2; exit 1; }

# Each console block: "$ COMMAND   # comment" lines, each followed by the output the README shows.
ncommands=0
run_block() { # the block's lines on stdin
	local line cmd="" want="" have=0
	while IFS= read -r line || [ -n "$line" ]; do
		if [[ $line == '$ '* ]]; then
			[ $have = 0 ] || check "$cmd" "$want"
			cmd=${line#\$ }
			cmd=$(sed -E 's/[[:space:]]{2,}#.*$//' <<<"$cmd")
			want="" have=1
		else
			want+=$line$'\n'
		fi
	done
	[ $have = 0 ] || check "$cmd" "$want"
}
check() { # COMMAND WANT
	local got
	ncommands=$((ncommands + 1))
	got=$(bash -c "$1" 2>&1 | mask; echo x)
	got=${got%x}
	local want
	want=$(printf '%s' "$2" | mask; echo x)
	want=${want%x}
	if [ "$got" = "$want" ]; then
		echo "ok: \$ $1"
	else
		fail "\$ $1"
		diff -u <(printf '%s' "$want") <(printf '%s' "$got") | sed '1s/.*/--- README/; 2s/.*/+++ got/' >&2 || true
	fi
}
mkdir "$work/blocks"
awk -v dir="$work/blocks" '/^```console$/ {n++; inblock = 1; next} inblock && /^```$/ {inblock = 0; next}
	inblock {print > sprintf("%s/%03d", dir, n)}' "$readme"
nblocks=0
for block in "$work"/blocks/*; do
	[ -f "$block" ] || continue
	nblocks=$((nblocks + 1))
	run_block <"$block"
done
[ "$nblocks" -ge 2 ] && [ "$ncommands" -ge 13 ] ||
	fail "found $nblocks console blocks with $ncommands commands in the README, expected the tour's 2 and 13 or more"

# "Unmount with `fusermount3 -u /mnt/shm` (or `umount /mnt/shm` as root)."
grep -q 'Unmount with `fusermount3 -u /mnt/shm` (or `umount /mnt/shm` as root)' "$readme" ||
	fail "the README no longer says how to unmount as this test does"
echo "README: fusermount3 -u /mnt/shm"
unmount_with fusermount3 -u /mnt/shm
bash -c "$mount_cmd" || fail "the README's mount command exited $? the second time"
echo "README: umount /mnt/shm"
unmount_with umount /mnt/shm

# Typed records: the xattr with setfattr through the mount, and the example types file.
echo "README: setfattr -n user.shmfs.type -v 'int64 a; int64 b' /mnt/shm/X; -o types=examples/types.conf"
build/mount/shmfs /mnt/shm -o allow_other,types=examples/types.conf || fail "mount with examples/types.conf"
truncate -s 32 /mnt/shm/X
setfattr -n user.shmfs.type -v 'int64 a; int64 b' /mnt/shm/X || fail "setfattr through the mount"
[ "$(head -n 1 /mnt/shm/X.txt 2>&1)" = "# shmfs view: int64 a; int64 b" ] || fail "X.txt: $(head -n 1 /mnt/shm/X.txt 2>&1)"
# a relative types path works: the daemon changes its directory to / (so shmfs makes it absolute)
rm -f /mnt/shm/my_shm   # the tour's, typed by its xattr
truncate -s 24 /mnt/shm/my_shm /mnt/shm/sensor-1
for seg in my_shm sensor-1; do
	grep -qx '# records: 1' "/mnt/shm/$seg.txt" || fail "examples/types.conf gives no view of $seg: $(ls /mnt/shm)"
done
grep -qx '# shmfs view: uint32 id : hex; float32 celsius; float64 when; char unit\[4\]' /mnt/shm/sensor-1.txt ||
	fail "sensor-1.txt: $(head -n 1 /mnt/shm/sensor-1.txt)"
unmount_with fusermount3 -u /mnt/shm

# "man -l doc/shmfs.8 in the source tree"
echo "README: man -l doc/shmfs.8"
if command -v man >/dev/null; then
	MANWIDTH=80 man -l doc/shmfs.8 2>/dev/null | grep -q '^NAME' || fail "man -l doc/shmfs.8 shows no NAME section"
fi

if [ "$failures" -gt 0 ]; then
	echo "readme_test: $failures of the README's commands did not give what it shows" >&2
	exit 1
fi
echo "PASS: the README's mount command, its $ncommands console commands with their outputs, both unmounts"
