#!/usr/bin/env bash
# lsshm_test.sh - the built lsshm against processes of its own over a private tmpfs: NATTCH, USERS
# and STATUS of segments mapped shared, private and held by fd, at once after they exit; --json
# against the table; -o, --noheadings, --sort; --unused, --older-than, --pid, NAME...; SysV with
# ipcmk; uid nobody; RSS of a sparse segment; bad input.
# Usage: lsshm_test.sh BUILD_DIR. Needs root (a pid namespace of its own, where every process is
# this test's, so that "unused" can be known; uid nobody): exit 77 without, 1 when CI=true.
set -euo pipefail

skip() {
	if [ "${CI:-}" = true ]; then
		printf '\n**********\nERROR: CI=true but lsshm_test cannot run: %s\n**********\n' "$1" >&2
		exit 1
	fi
	printf '\n**********\nSKIP: lsshm_test: %s\n**********\n' "$1" >&2
	exit 77
}
if [ -z "${LSSHM_TEST_NS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || skip "needs root (a pid namespace, a private tmpfs, uid nobody)"
	for c in unshare setpriv ipcmk ipcrm python3; do
		command -v "$c" >/dev/null || skip "$c is missing (scripts/install-deps)"
	done
	LSSHM_TEST_NS=1 exec unshare --pid --fork --mount-proc --propagation private "$0" "$@"
fi

build=$(realpath "$1")
failures=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}
eq() { # GOT WANT WHAT
	if [ "$1" = "$2" ]; then echo "ok: $3"; else fail "$3: got '$1', want '$2'"; fi
}

# Copies nobody can run, whoever owns the build.
work=$(mktemp -d /tmp/lsshm-test-XXXXXX)
chmod 755 "$work"
cp "$build/lsshm/lsshm" "$build/tests/bench/bench_mapper" "$work/"
lsshm=$work/lsshm mapper=$work/bench_mapper
d=$work/shm
mkdir "$d"
mount -t tmpfs -o size=64m,mode=1777 tmpfs "$d"
sysv_ids=()
kids=()
cleanup() {
	for p in "${kids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	for id in "${sysv_ids[@]}"; do ipcrm -m "$id" 2>/dev/null || true; done
	umount "$d" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# start VAR [AS_UID] MODE TARGET...: a bench_mapper in the background, its pid in VAR, once ready.
start() {
	local var=$1 run=() out
	shift
	if [[ $1 =~ ^[0-9]+$ ]]; then
		run=(setpriv --reuid="$1" --regid="$1" --clear-groups)
		shift
	fi
	out=$(mktemp "$work/ready-XXXXXX")
	"${run[@]}" "$mapper" "$@" >"$out" &
	local pid=$!
	kids+=("$pid")
	for _ in $(seq 200); do
		[ -s "$out" ] && break
		sleep 0.02
	done
	[ "$(cat "$out")" = ready ] || { fail "bench_mapper $* did not get ready"; exit 1; }
	printf -v "$var" %s "$pid"
}
stop() { # PID...: killed and reaped, gone from /proc when this returns
	for p in "$@"; do
		kill -9 "$p"
		wait "$p" 2>/dev/null || true
	done
}

# ls NAME COLUMN [OPTIONS...]: the COLUMN of segment NAME in lsshm --json ("MISSING": no such row).
js() {
	local name=$1 col=$2
	shift 2
	"$lsshm" -d "$d" --pidns-is-all -J -o "NAME,$col" "$@" | python3 -c '
import json, sys
name, col = sys.argv[1], sys.argv[2].lower()
rows = [r for r in json.load(sys.stdin)["sharedmemory"] if r["name"] == name]
v = rows[0][col] if rows else "MISSING"
print("" if v is None else v)' "$name" "$col"
}

# --- map, fd, private: exactly that, and unused once they exit ---
truncate -s 1M "$d/seg"
start a map "$d/seg"
start b fd "$d/seg"
start c private "$d/seg"
eq "$(js seg NATTCH)" 2 "NATTCH: one shared mapping and one private, the fd holder not"
eq "$(js seg USERS)" "$a:bench_mapper,$b:bench_mapper(fd),$c:bench_mapper(private)" "USERS: each process, how"
eq "$(js seg STATUS)" "in use" "STATUS of a used segment"
details=$("$lsshm" -d "$d" --pidns-is-all seg)
grep -Eq "^ *$a +bench_mapper +root +map shared +1M +0\$" <<<"$details" || fail "details of seg: no line for $a: $details"
grep -Eq "^ *$b +bench_mapper +root +fd +0B +1\$" <<<"$details" || fail "details of seg: no line for $b: $details"
grep -Eq "^ *$c +bench_mapper +root +map private +1M +0\$" <<<"$details" || fail "details of seg: no line for $c: $details"
grep -q '^Attached: *2$' <<<"$details" || fail "details of seg: $details"
stop "$a" "$b" "$c"
eq "$(js seg NATTCH),$(js seg USERS),$(js seg STATUS)" "0,,unused" "gone at once: NATTCH, USERS, STATUS"
truncate -s 4k "$d/orphan"
chown 4242 "$d/orphan"
eq "$(js orphan STATUS)" "unused, owner gone" "a segment whose owner runs no process"
# without --pidns-is-all, a pid namespace of its own may not see who is outside it
eq "$("$lsshm" -d "$d" -M -r -n -o STATUS seg 2>/dev/null)" 'no\x20users\x20seen' "in a pid namespace, no claim of unused"
"$lsshm" -d "$d" -M -o NAME seg 2>&1 >/dev/null | grep -q 'pid namespace of its own' || fail "no word on the pid namespace"

# --- the table: --json parses and says what the table says; -o, --noheadings, --sort ---
truncate -s 10k "$d/b10k"
truncate -s 3M "$d/c3m"
setfattr -n user.shmfs.type -v 'int64 a; int64 b' "$d/b10k"
start m map "$d/seg" "$d/c3m"
"$lsshm" -d "$d" --pidns-is-all --json -O | python3 -m json.tool >/dev/null || fail "--json does not parse"
python3 - "$lsshm" "$d" <<'PY' && echo "ok: --json -O has the fields of the --raw -O table" || fail "--json and the table differ"
import json, re, subprocess, sys
lsshm, d = sys.argv[1], sys.argv[2]
run = lambda *a: subprocess.run([lsshm, "-d", d, "--pidns-is-all", "-O", *a], check=True,
                                capture_output=True, text=True).stdout
rows = json.loads(run("--json"))["sharedmemory"]
lines = run("--raw").splitlines()
heads = lines[0].split(" ")
unesc = lambda s: re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), s)
table = [dict(zip(heads, map(unesc, l.split(" ")))) for l in lines[1:]]
assert len(rows) == len(table) >= 4, (len(rows), len(table))
for j, t in zip(rows, table):
    assert sorted(j) == sorted(h.lower() for h in heads), (sorted(j), heads)
    for h in heads:
        v = j[h.lower()]
        v = "" if v is None else str(v)
        assert v == t[h], (h, v, t[h])
PY
eq "$("$lsshm" -d "$d" --pidns-is-all -M -o NAME,NATTCH --noheadings | awk '{print $1 "=" $2}' | tr '\n' ' ')" \
	"b10k=0 c3m=1 orphan=0 seg=1 " "-o NAME,NATTCH --noheadings"
"$lsshm" -d "$d" --pidns-is-all -M -o NAME,NATTCH | head -n 1 | grep -Eq '^NAME +NATTCH$' || fail "-o NAME,NATTCH: no header"
eq "$("$lsshm" -d "$d" --pidns-is-all -M -o NAME -n -x SIZE | tr '\n' ' ')" "orphan b10k seg c3m " "--sort SIZE: by number"
eq "$(js b10k TYPE)" "int64 a; int64 b" "TYPE from the xattr"
eq "$(js c3m SIZE -b)" 3145728 "SIZE with --bytes"
eq "$(js c3m SIZE)" 3M "SIZE"
eq "$("$lsshm" -d "$d" --pidns-is-all --pid "$m" -o NAME -n -r | tr '\n' ' ')" "c3m seg " "--pid: the segments it maps"

# --- --unused, --older-than ---
touch -d '3 days ago' "$d/orphan" "$d/c3m"
eq "$("$lsshm" -d "$d" --pidns-is-all -M --unused -o NAME -n -r | tr '\n' ' ')" "b10k orphan " "--unused"
eq "$("$lsshm" -d "$d" --pidns-is-all -M --unused --older-than 2d -o NAME -n -r | tr '\n' ' ')" "orphan " \
	"--unused --older-than 2d: not c3m, which is in use"
eq "$("$lsshm" -d "$d" --pidns-is-all -M --older-than 71h -o NAME -n -r | tr '\n' ' ')" "c3m orphan " "--older-than 71h"
stop "$m"
[ -e "$d/orphan" ] && [ -e "$d/b10k" ] || fail "--unused removed something"

# --- SysV: ipcmk's segment with its key, attached by one process ---
out=$(ipcmk -M 4096)
id=${out##*: }
sysv_ids+=("$id")
key=$(awk -v id="$id" '$2 == id {print $1}' /proc/sysvipc/shm)
name=$(printf '0x%08x' $((key & 0xffffffff)))
sv() { "$lsshm" -d "$d" --pidns-is-all -m -J -o NAME,ID,KEY,NATTCH,STATUS,USERS | python3 -c '
import json, sys
r = [r for r in json.load(sys.stdin)["sharedmemory"] if r["id"] == int(sys.argv[1])]
print(",".join("" if v is None else str(v) for v in r[0].values()) if r else "MISSING")' "$id"; }
eq "$(sv)" "$name,$id,$name,0,unused, creator gone," "ipcmk -M 4096: its key, nattch 0, ipcmk gone"
start s shmat "$id"
eq "$(sv)" "$name,$id,$name,1,in use,$s:bench_mapper" "attached by one process"
stop "$s"
eq "$(sv)" "$name,$id,$name,0,unused, creator gone," "detached again"
ipcrm -m "$id"
eq "$(sv)" MISSING "removed with ipcrm"

# --- uid nobody: its own processes' pids, not root's, and says it could not see everything ---
setpriv --reuid=65534 --regid=65534 --clear-groups truncate -s 4k "$d/nobodys"
start n 65534 map "$d/nobodys"
start r map "$d/nobodys" "$d/seg"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$lsshm" -d "$d" --pidns-is-all -M "$@"; }
eq "$(as_nobody -J -o NAME,USERS nobodys 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["sharedmemory"][0]["users"])')" \
	"$n:bench_mapper" "nobody sees its own process, not root's"
eq "$(as_nobody -r -n -o NATTCH,STATUS seg 2>/dev/null)" '0 no\x20users\x20seen' "nobody: root's user unseen, no claim"
as_nobody -o NAME 2>&1 >/dev/null | grep -q 'could not be read' || fail "nobody is not told it could not see everything"
eq "$(js nobodys NATTCH)" 2 "root sees both"
stop "$n" "$r"

# --- RSS: 8 MiB written into a sparse 1 GiB segment ---
truncate -s 1G "$d/sparse"
dd if=/dev/urandom of="$d/sparse" bs=1M count=8 conv=notrunc status=none
eq "$(js sparse RSS -b),$(js sparse SIZE -b)" "8388608,1073741824" "RSS of 8 MiB in 1 GiB, in bytes"
eq "$(js sparse RSS)/$(js sparse SIZE)" "8M/1G" "RSS and SIZE"

# --- bad input: a clear error and status 1, never a crash ---
for args in "--older-than 5x" "--older-than ''" "--older-than 99999999999999999999d" "--pid 0" \
	"--pid abc" "-o NAME,BOGUS" "--sort BOGUS" "--bogus" "nosuchsegment" "-d /nonexistent"; do
	err=$(eval "\"$lsshm\" -d \"$d\" --pidns-is-all $args" 2>&1 >/dev/null) && st=0 || st=$?
	[ "$st" = 1 ] && [ -n "$err" ] && echo "ok: lsshm $args: status 1, '${err%%$'\n'*}'" ||
		fail "lsshm $args: status $st, stderr '$err'"
done
"$lsshm" --help | grep -q -- '--older-than' || fail "--help"
"$lsshm" --version | grep -Eq '^lsshm from shmfs [0-9.]+ ' || fail "--version: $("$lsshm" --version)"

if [ "$failures" -gt 0 ]; then
	echo "lsshm_test: $failures failures" >&2
	exit 1
fi
echo "PASS: lsshm_test"
