#!/bin/sh
# install_test.sh - `meson install` into a scratch DESTDIR, then checks what landed there (lsshm and
# its manual too) and builds and runs a program against the installed header, library and shmfs.pc
# only, as a library user would.
# Usage: install_test.sh BUILD_DIR VERSION SANITIZE (SANITIZE: b_sanitize, "none" or e.g. "address")
set -eu
build=$1 version=$2 sanitize=$3
scratch=$(mktemp -d /tmp/shmfs-install-XXXXXX)
shm=$(mktemp -d /dev/shm/shmfs-install-XXXXXX)
trap 'rm -rf "$scratch" "$shm"' EXIT
root=$scratch/root
fail() { echo "FAIL: $*" >&2; exit 1; }

meson install -C "$build" --no-rebuild --destdir "$root" --quiet

# What an admin gets: the command, mount(8)'s helpers, its manual page, the example types file, the
# systemd unit.
bin=$(find "$root" -path '*/bin/shmfs' -type f)
[ -x "$bin" ] || fail "no bin/shmfs installed"
"$bin" --version | grep -q "^shmfs $version " || fail "installed shmfs --version: $("$bin" --version)"
helper=$(find "$root" -path '*/sbin/mount.shmfs' -type f)
[ -x "$helper" ] || fail "no sbin/mount.shmfs installed"
# it runs the installed shmfs by its path (mount(8) gives helpers no PATH)
grep -qx "shmfs='${bin#"$root"}'" "$helper" || fail "$helper does not run ${bin#"$root"}: $(grep '^shmfs=' "$helper")"
[ "$(readlink "$(dirname "$helper")/mount.fuse.shmfs")" = mount.shmfs ] || fail "no sbin/mount.fuse.shmfs -> mount.shmfs"
man=$(find "$root" -path '*/man8/shmfs.8')
[ -f "$man" ] || fail "no man8/shmfs.8 installed"
if command -v man >/dev/null; then
	warnings=$(MANWIDTH=80 man --warnings -l "$man" 2>&1 >/dev/null)
	[ -z "$warnings" ] || fail "man --warnings -l shmfs.8: $warnings"
fi
# The manual stands alone: its own coherence guarantees and caveats, and the pages around it.
for want in '^\.SH COHERENCE' '^\.SH CAVEATS' '^\.BR shm_overview (7),' '^\.BR tmpfs (5),' \
	'^\.BR lsipc (1),'; do
	grep -q "$want" "$man" || fail "shmfs.8 has no line matching $want"
done
! grep -qi 'readme' "$man" || fail "shmfs.8 sends the reader to the README, which is not installed"
# lsshm beside it, with its manual page
lsshm=$(find "$root" -path '*/bin/lsshm' -type f)
[ -x "$lsshm" ] || fail "no bin/lsshm installed"
"$lsshm" --version | grep -q "^lsshm from shmfs $version " || fail "installed lsshm --version: $("$lsshm" --version)"
man1=$(find "$root" -path '*/man1/lsshm.1')
[ -f "$man1" ] || fail "no man1/lsshm.1 installed"
if command -v man >/dev/null; then
	warnings=$(MANWIDTH=80 man --warnings -l "$man1" 2>&1 >/dev/null)
	[ -z "$warnings" ] || fail "man --warnings -l lsshm.1: $warnings"
fi
for want in '^\.SH "WHO COUNTS AS A USER"' '^\.SH STATUS' '^\.BR shmfs (8),' '^\.BR lsipc (1),'; do
	grep -q "$want" "$man1" || fail "lsshm.1 has no line matching $want"
done
! grep -qi 'readme' "$man1" || fail "lsshm.1 sends the reader to the README, which is not installed"
[ -n "$(find "$root" -path '*/etc/shmfs/types.conf.example')" ] || fail "no etc/shmfs/types.conf.example"
unit=$(find "$root" -path '*/systemd/system/mnt-shm.mount')
[ -f "$unit" ] || fail "no systemd/system/mnt-shm.mount"
grep -qx 'Type=shmfs' "$unit" || fail "$unit: no Type=shmfs"
grep -qx 'Where=/mnt/shm' "$unit" || fail "$unit: no Where=/mnt/shm"
grep -qx 'What=shmfs' "$unit" || fail "$unit: no What=shmfs"
grep -qx 'Options=shm_dir=/dev/shm,allow_other' "$unit" || fail "$unit: not the README's Options="
# systemd's own reading of the unit (its name must match Where=, ...), where systemd is installed
if command -v systemd-analyze >/dev/null; then
	out=$(systemd-analyze verify --man=no "$unit" 2>&1) || fail "systemd-analyze verify $unit: $out"
fi

# What a programmer gets: <shmfs/typed.h>, libshmfs and shmfs.pc, found by pkg-config alone.
pc=$(find "$root" -name shmfs.pc)
[ -f "$pc" ] || fail "no shmfs.pc installed"
export PKG_CONFIG_PATH="$(dirname "$pc")" PKG_CONFIG_SYSROOT_DIR="$root"
[ "$(pkg-config --modversion shmfs)" = "$version" ] || fail "pkg-config --modversion shmfs"
cat > "$scratch/prog.c" <<'PROG'
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <shmfs/seg.h>
#include <shmfs/typed.h>

int main(int argc, char **argv)
{
	const char *decl = "int64 Col1; int64 Col2; int64 Col3";
	char got[100] = "";
	struct stat st;
	int dir = seg_dir_open(argc > 1 ? argv[1] : "/dev/shm");
	int fd = seg_create_typed(dir, "my_shm", 24 * 1000, decl, 0, 0644);
	if (dir < 0 || fd < 0 || fstat(fd, &st) < 0 || st.st_size != 24 * 1000 ||
	    fgetxattr(fd, "user.shmfs.type", got, sizeof got - 1) < 0 || strcmp(got, decl) != 0) {
		fprintf(stderr, "prog: dir %d fd %d (%s), type '%s'\n", dir, fd, strerror(-fd), got);
		return 1;
	}
	if (seg_create_typed(dir, "bad", 24, "int65 x", 0, 0644) != -EINVAL) {
		fprintf(stderr, "prog: a bad type was not refused\n");
		return 1;
	}
	printf("created my_shm: %lld bytes, type %s\n", (long long)st.st_size, got);
	return 0;
}
PROG
san=""
[ "$sanitize" = none ] || san="-fsanitize=$sanitize"
# shellcheck disable=SC2046 # pkg-config's flags are words
${CC:-cc} $san -Wall -Wextra -Werror -o "$scratch/prog" "$scratch/prog.c" $(pkg-config --cflags --libs shmfs)
libdir=$(pkg-config --variable=libdir shmfs)
case $libdir in "$root"/*) ;; *) libdir=$root$libdir ;; esac # pkgconf adds the sysroot, pkg-config not
LD_LIBRARY_PATH=$libdir "$scratch/prog" "$shm"
# the installed lsshm lists what prog made, with its type
got=$("$lsshm" --dir "$shm" --posix -r -n -o NAME,SIZE,TYPE -b 2>/dev/null)
[ "$got" = 'my_shm 24000 int64\x20Col1;\x20int64\x20Col2;\x20int64\x20Col3' ] || fail "installed lsshm --dir: '$got'"
echo "PASS: meson install puts shmfs, mount.shmfs, mount.fuse.shmfs, shmfs.8, lsshm, lsshm.1, types.conf.example, mnt-shm.mount, the library and shmfs.pc in place"
