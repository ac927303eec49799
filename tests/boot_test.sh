#!/bin/sh
# boot_test.sh - the README's fstab lines and the built mnt-shm.mount as systemd reads them at boot: the
# real systemd-fstab-generator, then systemd-analyze verify; no device dependency, ordered after /dev/shm.
# Usage: boot_test.sh SOURCE_DIR BUILD_DIR. Without systemd: exit 77 (1 when CI=true).
set -eu
src=$1 build=$2
generator=/usr/lib/systemd/system-generators/systemd-fstab-generator
if [ ! -x "$generator" ] || ! command -v systemd-analyze >/dev/null; then
	echo "SKIP: boot_test: no $generator or systemd-analyze (Debian package systemd)" >&2
	[ "${CI:-}" = true ] && exit 1
	exit 77
fi
scratch=$(mktemp -d /tmp/shmfs-boot-XXXXXX)
trap 'rm -rf "$scratch"' EXIT
failures=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# A mount unit that a boot can start: systemd waits for the device of a What= under /dev or /sys
# (an implicit Requires= and After= on NAME.device and blockdev@NAME.target) that a directory never
# has, and the backing directory must be mounted first.
check_unit() { # UNIT WHAT_IT_IS
	what=$(sed -n 's/^What=//p' "$1")
	case $what in /dev/* | /sys/*) fail "$2: What=$what makes systemd wait for a device" ;; esac
	! grep -v '^#' "$1" | grep -E '\.device|blockdev@' >&2 || fail "$2: a device dependency"
	grep -qx -e 'RequiresMountsFor=/dev/shm' -e 'After=dev-shm.mount' "$1" ||
		fail "$2: not ordered after dev-shm.mount (RequiresMountsFor=/dev/shm)"
	out=$(systemd-analyze verify --man=no "$1" 2>&1) || fail "$2: systemd-analyze verify: $out"
}

# The README's fstab lines: indented, six fields, of type shmfs or fuse.shmfs.
awk 'NF == 6 && /^    / && ($3 == "shmfs" || $3 == "fuse.shmfs") { $1 = $1; print }' "$src/README.md" >"$scratch/fstab"
n=$(wc -l <"$scratch/fstab")
[ "$n" -ge 1 ] || fail "no fstab line of type shmfs in README.md"
i=0
while [ "$i" -lt "$n" ]; do
	i=$((i + 1))
	line=$(sed -n "${i}p" "$scratch/fstab")
	gen=$scratch/gen$i
	mkdir -p "$gen/normal" "$gen/early" "$gen/late"
	printf '%s\n' "$line" >"$gen/fstab"
	SYSTEMD_FSTAB=$gen/fstab "$generator" "$gen/normal" "$gen/early" "$gen/late" 2>"$gen/log" ||
		fail "systemd-fstab-generator on '$line': $(cat "$gen/log")"
	where=$(printf '%s\n' "$line" | awk '{print $2}')
	unit=$gen/normal/$(systemd-escape --path --suffix=mount "$where")
	if [ ! -f "$unit" ]; then
		fail "systemd-fstab-generator made no $(basename "$unit") of '$line'"
		continue
	fi
	echo "README: $line"
	sed 's/^/    /' "$unit"
	check_unit "$unit" "the README's fstab line '$line'"
	# nofail: local-fs.target only wants it, a failed mount is no emergency mode
	[ -e "$gen/normal/local-fs.target.wants/$(basename "$unit")" ] ||
		fail "'$line': local-fs.target requires the mount (no nofail): a failure stops the boot"
done

unit=$build/systemd/mnt-shm.mount
if [ -f "$unit" ]; then
	check_unit "$unit" "the built mnt-shm.mount"
	grep -qx 'WantedBy=multi-user.target' "$unit" || fail "$unit: not WantedBy=multi-user.target"
else
	fail "no $unit in the build"
fi

[ "$failures" -eq 0 ] || { echo "boot_test: $failures failures" >&2; exit 1; }
echo "PASS: the README's $n fstab line(s) and mnt-shm.mount: no device dependency, after dev-shm.mount, verified"
