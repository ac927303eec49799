/* mount_data_test.c - the data path of a real shmfs mount: reads and writes, mmap through the mount,
 * growth past EOF, holes, a full tmpfs, segments changed or truncated by another process meanwhile,
 * set-ID bits on a write; in the suite's data mode and in each daemon-served path. */
#include "mount_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define M (&g_mnt)
#define KiB 1024L
#define MiB (1024L * 1024L)

/* Where the data tests run: the suite's own data mode (passthrough as root, unless the test setup
 * forces the daemon-served one), and each daemon-served path, forced with passthrough=off and a
 * knob of the daemon's: direct I/O with READ replies spliced (the default on Linux 6.6+), direct
 * I/O with READs copied from the daemon's mapping (no pipe can hold them), and the page cache (a
 * kernel that cannot map direct I/O files shared). */
enum mode { MODE_SUITE, MODE_SERVED, MODE_NO_SPLICE, MODE_NO_DIRECT, MODE_N };
static const struct {
	const char *tcase; /* the Check case */
	const char *force; /* the SHMFS_FORCE_* knob the daemon gets as 1, or NULL */
	const char *opts;  /* extra mount options */
} modes[MODE_N] = {
	[MODE_SUITE] = { "data", NULL, NULL },
	[MODE_SERVED] = { "served", NULL, "passthrough=off" },
	[MODE_NO_SPLICE] = { "served-no-splice", "SHMFS_FORCE_NO_SPLICE", "passthrough=off" },
	[MODE_NO_DIRECT] = { "served-no-direct", "SHMFS_FORCE_NO_DIRECT_IO", "passthrough=off" },
};
/* The mode of the case whose tests run: its fixture sets it before they are forked. */
static enum mode g_mode;

/* The daemon reads its knob when it starts; the tests do not need it. */
static void mode_env(enum mode mode, bool on)
{
	if (modes[mode].force && on)
		setenv(modes[mode].force, "1", 1);
	else if (modes[mode].force)
		unsetenv(modes[mode].force);
}

/* The case's mount: g_mnt over a private tmpfs of 128 MiB, in MODE. */
static void mode_fixture(enum mode mode)
{
	g_mode = mode;
	mode_env(mode, true);
	mnt_fixture_start(NULL, "128m", modes[mode].opts);
	mode_env(mode, false);
}

/* A mount of a test's own (M, over a private tmpfs of TMPFS_SIZE) in the mode of its case. */
static void mode_mount(struct mnt *m, const char *tmpfs_size)
{
	mode_env(g_mode, true);
	int rc = mnt_start_sized(m, tmpfs_size, modes[g_mode].opts);
	mode_env(g_mode, false);
	ck_assert_msg(rc == 0, "shmfs could not be mounted in mode %s", modes[g_mode].tcase);
}

/* How long a change another program makes to a segment may take to show at the next read of an
 * fd held open through M: none when the kernel asks the daemon (direct I/O) or reads the segment
 * itself (passthrough); through the page cache, until the watch has told the kernel. */
static double change_window(const struct mnt *m)
{
	g_autofree char *log = mnt_log_tail(m, 64 * KiB);
	return strstr(log, "segment I/O goes through the page cache") ? MNT_WATCH_WINDOW : 0;
}

/* Reads FD to its end with read(2)s of CHUNK bytes into a new buffer (g_free it), asserting that
 * each read fills its chunk (or what is left of LEN) and that the file ends at LEN; closes FD. */
static char *read_chunked(int fd, size_t len, size_t chunk)
{
	char *buf = g_malloc(len + chunk);
	size_t off = 0;
	ssize_t r;
	while ((r = read(fd, buf + off, chunk)) > 0) {
		ck_assert_msg((size_t)r == MIN(chunk, len - off), "read(2) of %zu bytes at %zu of %zu returned %zd",
			      chunk, off, len, r);
		off += r;
	}
	ck_assert_msg(r == 0, "read(2) at %zu: %s", off, g_strerror(errno));
	ck_assert_int_eq(off, len);
	close(fd);
	return buf;
}

/* Writes the LEN bytes of fill_pattern(SEED) to FROM, and asserts that read(2)s of CHUNK bytes
 * read them back from TO. */
static void write_read_back(const char *from, const char *to, size_t len, size_t chunk, uint64_t seed)
{
	g_autofree char *want = g_malloc(len);
	fill_pattern(want, len, seed);
	put_pattern(from, len, seed);
	int fd = open(to, O_RDONLY);
	ck_assert_sys(fd);
	g_autofree char *got = read_chunked(fd, len, chunk);
	ssize_t d = first_diff(got, want, len);
	ck_assert_msg(d < 0, "%zu-byte reads of %s: byte %zd differs from what was written to %s", chunk, to, d,
		      from);
}

/* Waits for PID and asserts it exited 0; WHAT names it in the message. */
static void reap_ok(pid_t pid, const char *what)
{
	int ws;
	ck_assert_int_eq(waitpid(pid, &ws, 0), pid);
	ck_assert_msg(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "%s: %s %d", what,
		      WIFEXITED(ws) ? "exit status" : "killed by signal", WIFEXITED(ws) ? WEXITSTATUS(ws) : WTERMSIG(ws));
}

/* Reaps the process that truncated a segment in the backing dir (killed first when it is still
 * running, REAPED false) and asserts that it ran to its end. */
static void reap_truncator(pid_t pid, bool reaped, int ws)
{
	if (!reaped) {
		kill(pid, SIGKILL);
		waitpid(pid, &ws, 0);
	}
	ck_assert_msg(reaped && WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "backing truncator: status 0x%x", ws);
}

/* The size of M's backing tmpfs. */
static size_t tmpfs_bytes(const struct mnt *m)
{
	struct statvfs sv;
	ck_assert_sys(statvfs(m->backing, &sv));
	return (size_t)sv.f_blocks * sv.f_frsize;
}

/* Waits up to 5 s until M's backing tmpfs has at least BYTES free. The kernel sends RELEASE for a
 * closed file after close(2) has returned, so the daemon lets go of an unlinked segment (and its
 * space) a moment later. */
static void wait_free_space(const struct mnt *m, size_t bytes)
{
	struct statvfs sv;
	double deadline = now_s() + 5;
	for (;;) {
		ck_assert_sys(statvfs(m->backing, &sv));
		if ((size_t)sv.f_bavail * sv.f_frsize >= bytes)
			return;
		ck_assert_msg(now_s() < deadline, "only %llu bytes free 5 s after the segments were removed",
			      (unsigned long long)sv.f_bavail * sv.f_frsize);
		usleep(10000);
	}
}

START_TEST(test_write_visible_at_once)
{
	g_autofree char *mp = mnt_path(M, "wt"), *bp = back_path(M, "wt");
	int mfd = open(mp, O_RDWR | O_CREAT | O_EXCL, 0644);
	ck_assert_sys(mfd);
	int bfd = open(bp, O_RDONLY);
	ck_assert_sys(bfd);
	char buf[300], got[300];
	for (int i = 0; i < 100; i++) {
		off_t off = (off_t)i * 4093;
		fill_pattern(buf, sizeof buf, i);
		ck_assert_int_eq(pwrite(mfd, buf, sizeof buf, off), sizeof buf);
		/* no write-back cache: the bytes are in the segment when write returns */
		ck_assert_int_eq(pread(bfd, got, sizeof got, off), sizeof got);
		ck_assert_msg(memcmp(got, buf, sizeof buf) == 0, "write %d at %lld not in the backing file", i,
			      (long long)off);
		ck_assert_int_eq(pread(mfd, got, sizeof got, off), sizeof got);
		ck_assert(memcmp(got, buf, sizeof buf) == 0);
	}
	struct stat st;
	ck_assert_sys(fstat(bfd, &st));
	ck_assert_int_eq(st.st_size, 99 * 4093 + 300);
	close(bfd);
	close(mfd);
	unlink(bp);
}
END_TEST

START_TEST(test_open_unlink_write_read)
{
	g_autofree char *mp = mnt_path(M, "ul"), *bp = back_path(M, "ul");
	const size_t n = 256 * KiB;
	g_autofree char *buf = g_malloc(n), *got = g_malloc0(n);
	fill_pattern(buf, n, 5);

	int fd = open(mp, O_RDWR | O_CREAT | O_EXCL, 0600);
	ck_assert_sys(fd);
	ck_assert_sys(unlink(mp));
	ck_assert_errno(lstat(bp, &(struct stat){ 0 }), ENOENT);
	ck_assert_errno(lstat(mp, &(struct stat){ 0 }), ENOENT);

	ck_assert_int_eq(write(fd, buf, n), (ssize_t)n);
	ck_assert_int_eq(pread(fd, got, n, 0), (ssize_t)n);
	ck_assert(first_diff(got, buf, n) < 0);
	struct stat st;
	ck_assert_sys(fstat(fd, &st));
	ck_assert_int_eq(st.st_size, (off_t)n);
	ck_assert_int_eq(st.st_nlink, 0);

	ck_assert_sys(ftruncate(fd, 1000));
	ck_assert_sys(fstat(fd, &st));
	ck_assert_int_eq(st.st_size, 1000);
	ck_assert_int_eq(pread(fd, got, n, 0), 1000);
	ck_assert(memcmp(got, buf, 1000) == 0);
	ck_assert_int_eq(pwrite(fd, "end", 3, 1 * MiB), 3);
	ck_assert_sys(fstat(fd, &st));
	ck_assert_int_eq(st.st_size, 1 * MiB + 3);

	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert_msg(p != MAP_FAILED, "mmap of an unlinked file: %s", g_strerror(errno));
	ck_assert(memcmp(p, buf, 1000) == 0);
	memcpy(p + 1000, "mapped", 6);
	ck_assert_sys(msync(p, 4096, MS_SYNC));
	munmap(p, 4096);
	ck_assert_int_eq(pread(fd, got, 6, 1000), 6);
	ck_assert(memcmp(got, "mapped", 6) == 0);
	ck_assert_sys(close(fd));
	ck_assert_errno(lstat(bp, &(struct stat){ 0 }), ENOENT);
}
END_TEST

START_TEST(test_mmap_child_store)
{
	g_autofree char *mp = mnt_path(M, "mm1"), *bp = back_path(M, "mm1");
	const size_t n = 1 * MiB;
	int fd = open(mp, O_RDWR | O_CREAT | O_EXCL, 0644);
	ck_assert_sys(fd);
	ck_assert_sys(ftruncate(fd, n));
	close(fd);

	pid_t pid = fork();
	ck_assert_sys(pid);
	if (pid == 0) {
		int cfd = open(mp, O_RDWR);
		if (cfd < 0)
			_exit(2);
		char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
		if (p == MAP_FAILED)
			_exit(3);
		fill_pattern(p, n, 77);
		if (msync(p, n, MS_SYNC) < 0)
			_exit(4);
		if (munmap(p, n) < 0 || close(cfd) < 0)
			_exit(5);
		_exit(0);
	}
	reap_ok(pid, "child storing through a MAP_SHARED mapping of the mount");
	g_autofree char *want = g_malloc(n);
	fill_pattern(want, n, 77);
	ck_assert(file_equals(bp, want, n));
	ck_assert(file_equals(mp, want, n));

	/* and the other way: bytes stored into the segment by another program's mapping (size and
	 * mtime unchanged) are what a new mapping through the mount shows */
	int bfd = open(bp, O_RDWR);
	ck_assert_sys(bfd);
	char *bmap = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, bfd, 0);
	ck_assert(bmap != MAP_FAILED);
	fill_pattern(want, n, 78);
	memcpy(bmap, want, n);
	munmap(bmap, n);
	close(bfd);
	pid = fork();
	ck_assert_sys(pid);
	if (pid == 0) {
		int cfd = open(mp, O_RDONLY);
		if (cfd < 0)
			_exit(2);
		char *p = mmap(NULL, n, PROT_READ, MAP_SHARED, cfd, 0);
		if (p == MAP_FAILED)
			_exit(3);
		_exit(memcmp(p, want, n) == 0 ? 0 : 6);
	}
	reap_ok(pid, "child reading through a MAP_SHARED mapping of the mount");
	unlink(bp);
}
END_TEST

static void pipe_put(int fd, char c)
{
	if (write(fd, &c, 1) != 1)
		_exit(20);
}

static char pipe_get(int fd)
{
	char c = 0;
	if (read(fd, &c, 1) != 1)
		return 0;
	return c;
}

START_TEST(test_mmap_two_processes)
{
	g_autofree char *mp = mnt_path(M, "mm2"), *bp = back_path(M, "mm2");
	const size_t n = 64 * KiB;
	char a[4096], b[4096];
	fill_pattern(a, sizeof a, 1001);
	fill_pattern(b, sizeof b, 1002);
	int fd = open(mp, O_RDWR | O_CREAT | O_EXCL, 0644);
	ck_assert_sys(fd);
	ck_assert_sys(ftruncate(fd, n));
	close(fd);

	int to_child[2], to_parent[2];
	ck_assert_sys(pipe(to_child));
	ck_assert_sys(pipe(to_parent));
	pid_t pid = fork();
	ck_assert_sys(pid);
	if (pid == 0) {
		close(to_child[1]);
		close(to_parent[0]);
		int cfd = open(mp, O_RDWR);
		if (cfd < 0)
			_exit(2);
		char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
		if (p == MAP_FAILED)
			_exit(3);
		pipe_put(to_parent[1], 'r');
		if (pipe_get(to_child[0]) != 'a')
			_exit(4);
		if (memcmp(p, a, sizeof a) != 0)
			_exit(10); /* the parent's store is not visible here */
		memcpy(p + 8192, b, sizeof b);
		pipe_put(to_parent[1], 'b');
		if (pipe_get(to_child[0]) != 'x')
			_exit(5);
		if (munmap(p, n) < 0 || close(cfd) < 0)
			_exit(6);
		_exit(0);
	}
	close(to_child[0]);
	close(to_parent[1]);
	fd = open(mp, O_RDWR);
	ck_assert_sys(fd);
	char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert(p != MAP_FAILED);
	ck_assert_msg(pipe_get(to_parent[0]) == 'r', "child could not open and map the file");
	memcpy(p, a, sizeof a);
	pipe_put(to_child[1], 'a');
	char c = pipe_get(to_parent[0]);
	if (c != 'b') {
		int ws;
		waitpid(pid, &ws, 0);
		ck_abort_msg("child did not see the parent's store (child exit %d)", WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
	}
	ck_assert_msg(memcmp(p + 8192, b, sizeof b) == 0, "the child's store is not visible to the parent");
	pipe_put(to_child[1], 'x');
	reap_ok(pid, "second process mapping the same file");
	ck_assert_sys(msync(p, n, MS_SYNC));
	munmap(p, n);
	close(fd);

	g_autofree char *want = g_malloc0(n);
	memcpy(want, a, sizeof a);
	memcpy(want + 8192, b, sizeof b);
	ck_assert(file_equals(bp, want, n));
	unlink(bp);
}
END_TEST

START_TEST(test_mmap_coherent_with_io)
{
	/* a MAP_SHARED mapping of the mount and read(2)/write(2) through it agree: a store through
	 * the mapping is read back by read(2) at once (the kernel writes the range back before a
	 * direct read) and, after msync, is in the backing object; a write(2) shows in the mapping
	 * (on a direct write the kernel drops the mapping's cached pages) */
	const size_t n = 64 * KiB;
	g_autofree char *bp = back_path(M, "coherent"), *mp = mnt_path(M, "coherent");
	char stored[4096], written[4096], got[4096];
	put_pattern(bp, n, 140);
	int fd = open(mp, O_RDWR);
	ck_assert_sys(fd);
	char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert_msg(p != MAP_FAILED, "mmap: %s", g_strerror(errno));
	int rfd = open(mp, O_RDONLY), bfd = open(bp, O_RDONLY);
	ck_assert_sys(rfd);
	ck_assert_sys(bfd);

	fill_pattern(stored, sizeof stored, 141);
	memcpy(p + 8192, stored, sizeof stored);
	ck_assert_int_eq(pread(rfd, got, sizeof got, 8192), sizeof got);
	ck_assert_msg(memcmp(got, stored, sizeof got) == 0, "read(2) through the mount misses a store through its "
		      "mapping");
	ck_assert_sys(msync(p, n, MS_SYNC));
	ck_assert_int_eq(pread(bfd, got, sizeof got, 8192), sizeof got);
	ck_assert_msg(memcmp(got, stored, sizeof got) == 0, "the backing object misses a store through a mapping "
		      "of the mount after msync");

	fill_pattern(written, sizeof written, 142);
	ck_assert_int_eq(pwrite(fd, written, sizeof written, 16384), sizeof written);
	ck_assert_msg(memcmp(p + 16384, written, sizeof written) == 0, "the mapping of the mount misses a write(2) "
		      "through the mount");
	ck_assert_int_eq(pread(bfd, got, sizeof got, 16384), sizeof got);
	ck_assert(memcmp(got, written, sizeof got) == 0);
	munmap(p, n);
	close(bfd);
	close(rfd);
	close(fd);
	unlink(bp);
}
END_TEST

START_TEST(test_write_past_eof)
{
	g_autofree char *mp = mnt_path(M, "grow"), *bp = back_path(M, "grow");
	char head[100], tail[4096];
	fill_pattern(head, sizeof head, 11);
	fill_pattern(tail, sizeof tail, 12);
	int fd = open(mp, O_RDWR | O_CREAT | O_EXCL, 0644);
	ck_assert_sys(fd);
	ck_assert_int_eq(write(fd, head, sizeof head), sizeof head);
	ck_assert_int_eq(pwrite(fd, tail, sizeof tail, 10 * MiB), sizeof tail);

	struct stat st = xlstat(bp);
	ck_assert_int_eq(st.st_size, 10 * MiB + 4096);
	ck_assert_msg(st.st_blocks * 512 < 1 * MiB, "the hole got allocated: st_blocks %lld", (long long)st.st_blocks);
	ck_assert_sys(fstat(fd, &st));
	ck_assert_int_eq(st.st_size, 10 * MiB + 4096);

	/* the hole reads as zeros through the mount, and stays a hole */
	g_autofree char *buf = g_malloc(MiB);
	g_autofree char *zero = g_malloc0(MiB);
	for (off_t off = 0; off < 10 * MiB; off += MiB) {
		ck_assert_int_eq(pread(fd, buf, MiB, off), MiB);
		size_t skip = off == 0 ? sizeof head : 0;
		if (skip)
			ck_assert(memcmp(buf, head, skip) == 0);
		ck_assert_msg(memcmp(buf + skip, zero, MiB - skip) == 0, "hole at %lld does not read as zeros",
			      (long long)off);
	}
	ck_assert_int_eq(pread(fd, buf, MiB, 10 * MiB), 4096);
	ck_assert(memcmp(buf, tail, 4096) == 0);
	st = xlstat(bp);
	ck_assert_msg(st.st_blocks * 512 < 1 * MiB, "reading the hole allocated it: st_blocks %lld",
		      (long long)st.st_blocks);
	close(fd);

	int bfd = open(bp, O_RDONLY);
	ck_assert_sys(bfd);
	ck_assert_int_eq(pread(bfd, buf, 4096, 10 * MiB), 4096);
	ck_assert(memcmp(buf, tail, 4096) == 0);
	ck_assert_int_eq(pread(bfd, buf, MiB, 5 * MiB), MiB);
	ck_assert(memcmp(buf, zero, MiB) == 0);

	/* O_APPEND appends at the real end */
	fd = open(mp, O_WRONLY | O_APPEND);
	ck_assert_sys(fd);
	ck_assert_int_eq(write(fd, "tail", 4), 4);
	close(fd);
	ck_assert_int_eq(xlstat(bp).st_size, 10 * MiB + 4100);
	ck_assert_int_eq(pread(bfd, buf, 4, 10 * MiB + 4096), 4);
	ck_assert(memcmp(buf, "tail", 4) == 0);
	close(bfd);
	unlink(bp);
}
END_TEST

/* Index of the first byte of BUF, LEN bytes read at OFF, that is neither zero nor the byte CHUNK (one
 * MiB) has at that offset within its MiB; -1 when there is none. */
static ssize_t first_foreign(const char *buf, size_t len, off_t off, const char *chunk)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] && buf[i] != chunk[(off + i) % MiB])
			return (ssize_t)i;
	return -1;
}

/* Read sizes for the truncation race: whole MiBs at MiB offsets, and an odd size at odd offsets
 * (a reply that starts and ends inside pages). */
static const size_t race_read_size[] = { MiB, 100000 };
static const off_t race_read_skew[] = { 0, 12345 };

START_TEST(test_truncation_race)
{
	const size_t size = 32 * MiB, rsize = race_read_size[_i];
	g_autofree char *bp = back_path(M, "race"), *mp = mnt_path(M, "race");
	g_autofree char *bo = back_path(M, "race.other"), *mo = mnt_path(M, "race.other");
	g_autofree char *buf = g_malloc(MiB), *chunk = g_malloc(MiB);
	put_pattern(bp, size, 21);
	put_pattern(bo, MiB, 22);
	fill_pattern(chunk, MiB, 23);
	int fd = open(mp, O_RDONLY);
	ck_assert_sys(fd);
	ck_assert_int_eq(pread(fd, buf, MiB, 0), MiB);

	/* From the cut on, each MiB of the segment holds zeros or CHUNK: any other byte a read
	 * returns is stale. The child keeps the segment mostly full of data, and every round
	 * truncates it to nothing for a moment: a read served from the mapping then faults in the
	 * daemon, a spliced one comes up short. */
	ck_assert_sys(truncate(bp, 0));
	ck_assert_sys(truncate(bp, size));
	pid_t pid = fork();
	ck_assert_sys(pid);
	if (pid == 0) {
		int bfd = open(bp, O_RDWR);
		if (bfd < 0)
			_exit(2);
		double end = now_s() + 1.0;
		for (long i = 0; now_s() < end; i++) {
			if (ftruncate(bfd, 0) < 0 || ftruncate(bfd, size) < 0)
				_exit(3);
			for (int j = 0; j < 4; j++)
				if (pwrite(bfd, chunk, MiB, ((i * 4 + j) % 32) * MiB) != MiB)
					_exit(4);
		}
		_exit(0);
	}

	long full = 0, shorts = 0, zeros = 0, eio = 0, other = 0, stale = 0, k = 0;
	int other_errno = 0, ws = 0;
	off_t stale_at = -1;
	bool reaped = false;
	double deadline = now_s() + 10;
	while (!(reaped = waitpid(pid, &ws, WNOHANG) == pid) && now_s() < deadline) {
		off_t off = (k % 31) * MiB + race_read_skew[_i];
		/* drop the kernel's cached pages, so that each read is a request the daemon serves */
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		errno = 0;
		ssize_t r = pread(fd, buf, rsize, off), f;
		if (r == (ssize_t)rsize)
			full++;
		else if (r > 0)
			shorts++;
		else if (r == 0)
			zeros++;
		else if (errno == EIO)
			eio++;
		else {
			other++;
			other_errno = errno;
		}
		if (r > 0 && (f = first_foreign(buf, r, off, chunk)) >= 0 && stale++ == 0)
			stale_at = off + f;
		if (++k % 64 == 0) {
			close(fd);
			fd = open(mp, O_RDONLY);
			ck_assert_sys(fd);
		}
	}
	close(fd);
	fprintf(stderr, "truncation race, %zu-byte reads: %ld reads: %ld full, %ld short, %ld at EOF, %ld EIO, "
		"%ld other, %ld stale\n", rsize, k, full, shorts, zeros, eio, other, stale);
	reap_truncator(pid, reaped, ws);
	ck_assert_msg(other == 0, "%ld reads failed with %s (only EIO is acceptable)", other,
		      strerrorname_np(other_errno));
	ck_assert_msg(stale == 0, "%ld reads returned bytes the segment no longer holds, the first at %lld", stale,
		      (long long)stale_at);
	ck_assert_int_gt(k, 10);

	/* the daemon lives on and serves the right bytes */
	ck_assert_int_eq(xlstat(mo).st_size, MiB);
	ck_assert(has_pattern(mo, MiB, 22));
	size_t blen = 0;
	g_autofree char *final = read_file(bp, &blen);
	ck_assert_int_eq(blen, size);
	ck_assert(file_equals(mp, final, blen));
	unlink(bp);
	unlink(bo);
}
END_TEST

START_TEST(test_truncation_race_writes)
{
	/* writes through the mount while another process keeps cutting the segment to nothing: each
	 * write stores all, part (a short count) or fails with EIO (ENOSPC is tolerated: the daemon
	 * cannot always tell a cut from a full tmpfs); the daemon survives the faults */
	const size_t size = 32 * MiB;
	g_autofree char *bp = back_path(M, "wrace"), *mp = mnt_path(M, "wrace");
	g_autofree char *bo = back_path(M, "wrace.other"), *mo = mnt_path(M, "wrace.other");
	put_pattern(bp, size, 41);
	put_pattern(bo, MiB, 42);

	pid_t pid = fork();
	ck_assert_sys(pid);
	if (pid == 0) {
		int bfd = open(bp, O_RDWR);
		if (bfd < 0)
			_exit(2);
		double end = now_s() + 1.0;
		while (now_s() < end) {
			if (ftruncate(bfd, 0) < 0 || ftruncate(bfd, size) < 0)
				_exit(3);
			usleep(200);
		}
		_exit(0);
	}

	g_autofree char *buf = g_malloc(MiB);
	fill_pattern(buf, MiB, 43);
	long full = 0, shorts = 0, eio = 0, enospc = 0, other = 0, k = 0;
	int other_errno = 0, ws = 0;
	bool reaped = false;
	int fd = open(mp, O_WRONLY);
	ck_assert_sys(fd);
	double deadline = now_s() + 10;
	while (!(reaped = waitpid(pid, &ws, WNOHANG) == pid) && now_s() < deadline) {
		errno = 0;
		ssize_t r = pwrite(fd, buf, MiB, (k % 32) * MiB);
		if (r == MiB)
			full++;
		else if (r >= 0)
			shorts++;
		else if (errno == EIO)
			eio++;
		else if (errno == ENOSPC)
			enospc++;
		else {
			other++;
			other_errno = errno;
		}
		k++;
	}
	close(fd);
	fprintf(stderr, "truncation race, writes: %ld writes: %ld full, %ld short, %ld EIO, %ld ENOSPC, %ld other\n",
		k, full, shorts, eio, enospc, other);
	reap_truncator(pid, reaped, ws);
	ck_assert_msg(other == 0, "%ld writes failed with %s", other, strerrorname_np(other_errno));
	ck_assert_int_gt(k, 10);

	/* the daemon lives on: other bytes, and a clean write and read of this file */
	ck_assert(has_pattern(mo, MiB, 42));
	ck_assert_int_eq(write_file(mp, buf, MiB), 0);
	ck_assert(file_equals(bp, buf, MiB));
	ck_assert(file_equals(mp, buf, MiB));
	unlink(bp);
	unlink(bo);
}
END_TEST

/* A tmpfs of 1 MiB, full after a few writes, of the test's own. */
#define FULL_TMPFS "1m"

START_TEST(test_full_tmpfs)
{
	struct mnt m;
	mode_mount(&m, FULL_TMPFS);
	const size_t cap = tmpfs_bytes(&m), want_total = 2 * cap, wsize = cap / 4, other = cap / 16;
	g_autofree char *mp = mnt_path(&m, "fill"), *bp = back_path(&m, "fill");
	g_autofree char *bo = back_path(&m, "other"), *mo = mnt_path(&m, "other");
	g_autofree char *buf = g_malloc(want_total);
	fill_pattern(buf, want_total, 31);
	put_pattern(bo, other, 32);

	int fd = open(mp, O_WRONLY | O_CREAT | O_EXCL, 0644);
	ck_assert_sys(fd);
	size_t total = 0;
	long writes = 0, shorts = 0;
	int err = 0;
	while (total < want_total) {
		size_t req = MIN(want_total - total, wsize);
		errno = 0;
		ssize_t r = write(fd, buf + total, req);
		writes++;
		if (r < 0) {
			err = errno;
			break;
		}
		ck_assert_msg(r > 0, "write of %zu bytes returned 0 at offset %zu", req, total);
		if ((size_t)r < req)
			shorts++;
		total += r;
	}
	fprintf(stderr, "full tmpfs: %ld writes, %ld short, %zu bytes stored, then %s\n", writes, shorts, total,
		err ? strerrorname_np(err) : "no error");
	ck_assert_msg(total < want_total, "%zu bytes fitted into a tmpfs of %zu", want_total, cap);
	ck_assert_msg(err == ENOSPC, "the write into a full tmpfs failed with %s, expected ENOSPC",
		      err ? strerrorname_np(err) : "nothing");
	ck_assert_msg(total >= cap / 2, "only %zu bytes fitted into a tmpfs of %zu", total, cap);
	errno = 0;
	int rc = close(fd);
	ck_assert_msg(rc == 0 || errno == ENOSPC, "close: %s", g_strerror(errno));

	/* what write acknowledged is in the segment */
	int bfd = open(bp, O_RDONLY);
	ck_assert_sys(bfd);
	g_autofree char *got = g_malloc(total);
	ck_assert_int_eq(pread(bfd, got, total, 0), (ssize_t)total);
	ssize_t d = first_diff(got, buf, total);
	ck_assert_msg(d < 0, "acknowledged byte %zd differs in the backing file", d);
	close(bfd);
	fd = open(mp, O_RDONLY);
	ck_assert_sys(fd);
	ck_assert_int_eq(pread(fd, got, total, 0), (ssize_t)total);
	ck_assert(first_diff(got, buf, total) < 0);
	close(fd);

	/* the daemon still serves what was there before, and space freed through the mount is
	 * usable again */
	ck_assert_int_eq(xlstat(mo).st_size, other);
	ck_assert(has_pattern(mo, other, 32));
	ck_assert_sys(unlink(mp));
	ck_assert_errno(lstat(bp, &(struct stat){ 0 }), ENOENT);
	wait_free_space(&m, cap / 2);
	g_autofree char *ma = mnt_path(&m, "after"), *ba = back_path(&m, "after");
	ck_assert_int_eq(write_file(ma, buf, cap / 4), 0);
	ck_assert(file_equals(ba, buf, cap / 4));
	ck_assert_int_eq(mnt_stop(&m), 0);
}
END_TEST

START_TEST(test_full_tmpfs_mmap_store)
{
	/* a store into a hole through a mapping of the mount when tmpfs is full: msync reports it,
	 * nobody dies */
	struct mnt m;
	mode_mount(&m, FULL_TMPFS);
	const size_t cap = tmpfs_bytes(&m), holes = 4 * cap;
	g_autofree char *bfill = back_path(&m, "filler"), *mp = mnt_path(&m, "holes");
	int ffd = open(bfill, O_WRONLY | O_CREAT | O_EXCL, 0644);
	ck_assert_sys(ffd);
	g_autofree char *buf = g_malloc0(cap);
	while (write(ffd, buf, cap) > 0)
		;
	close(ffd);
	int fd = open(mp, O_RDWR | O_CREAT | O_EXCL, 0644);
	ck_assert_sys(fd);
	ck_assert_sys(ftruncate(fd, holes));
	pid_t pid = fork();
	ck_assert_sys(pid);
	if (pid == 0) {
		char *p = mmap(NULL, holes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			_exit(2);
		for (size_t off = 0; off < holes; off += 4096)
			p[off] = 1;
		int r = msync(p, holes, MS_SYNC);
		_exit(r == 0 ? 10 : 0);
	}
	int ws;
	ck_assert_int_eq(waitpid(pid, &ws, 0), pid);
	fprintf(stderr, "mmap store into a full tmpfs: child %s %d\n", WIFEXITED(ws) ? "exit" : "signal",
		WIFEXITED(ws) ? WEXITSTATUS(ws) : WTERMSIG(ws));
	/* msync must not claim success for pages that could not be stored; SIGBUS in the child is
	 * the other acceptable outcome */
	ck_assert_msg((WIFEXITED(ws) && WEXITSTATUS(ws) == 0) || (WIFSIGNALED(ws) && WTERMSIG(ws) == SIGBUS),
		      "child: %s %d (10 = msync reported success for %zu bytes stored into a full tmpfs of %zu)",
		      WIFEXITED(ws) ? "exit" : "signal", WIFEXITED(ws) ? WEXITSTATUS(ws) : WTERMSIG(ws), holes, cap);
	close(fd);
	ck_assert_sys(unlink(mp));
	ck_assert_sys(unlink(bfill));
	wait_free_space(&m, cap / 2);
	g_autofree char *ma = mnt_path(&m, "after2"), *ba = back_path(&m, "after2");
	fill_pattern(buf, cap / 4, 9);
	ck_assert_int_eq(write_file(ma, buf, cap / 4), 0);
	ck_assert(file_equals(ba, buf, cap / 4));
	ck_assert_int_eq(mnt_stop(&m), 0);
}
END_TEST

/* The read(2) sizes of the sequential and sparse reads: the largest request, and the usual one. */
static const size_t read_chunk[] = { MiB, 128 * KiB };

START_TEST(test_sequential_read)
{
	/* several MiB and a bit, read through the mount: the backing bytes, each read(2) full */
	g_autofree char *bp = back_path(M, "seq-%d", _i), *mp = mnt_path(M, "seq-%d", _i);
	write_read_back(bp, mp, 8 * MiB + 4097, read_chunk[_i], 100);
	unlink(bp);
}
END_TEST

START_TEST(test_sparse_read)
{
	/* a 256 MiB segment on a 128 MiB tmpfs, data only in one page: read through the mount, it
	 * is zeros but there, and reading allocates none of it (its name goes at once: a failed
	 * check leaves the tmpfs to the next test) */
	const size_t size = 256 * MiB, mark = 100 * MiB + 4000, chunk = read_chunk[_i];
	g_autofree char *mp = mnt_path(M, "sparse-%d", _i), *bp = back_path(M, "sparse-%d", _i);
	int bfd = open(bp, O_RDWR | O_CREAT | O_EXCL, 0644);
	ck_assert_sys(bfd);
	ck_assert_sys(ftruncate(bfd, size));
	ck_assert_int_eq(pwrite(bfd, "mark", 4, mark), 4);
	struct stat st;
	ck_assert_sys(fstat(bfd, &st));
	ck_assert_msg(st.st_blocks * 512 <= 8 * KiB, "the segment has %lld blocks before any read",
		      (long long)st.st_blocks);
	int fd = open(mp, O_RDONLY);
	ck_assert_sys(fd);
	ck_assert_sys(unlink(bp));

	g_autofree char *got = read_chunked(fd, size, chunk);
	g_autofree char *zero = g_malloc0(size);
	ck_assert_msg(memcmp(got + mark, "mark", 4) == 0, "%zu-byte reads: no mark at %zu", chunk, mark);
	memset(got + mark, 0, 4);
	ssize_t d = first_diff(got, zero, size);
	ck_assert_msg(d < 0, "%zu-byte reads: byte %zd of a hole is not zero", chunk, d);
	blkcnt_t blocks = st.st_blocks;
	ck_assert_sys(fstat(bfd, &st));
	ck_assert_msg(st.st_blocks == blocks, "%zu-byte reads allocated the holes: %lld blocks (%lld before)", chunk,
		      (long long)st.st_blocks, (long long)blocks);
	close(bfd);
}
END_TEST

START_TEST(test_read_across_eof)
{
	/* a read that runs past the end returns the bytes up to it; one at or past it, nothing */
	static const struct {
		off_t off;
		size_t len;
		ssize_t got;
	} reads[] = { { 0, 8192, 5000 }, { 4096, 8192, 904 }, { 4999, 2, 1 }, { 5000, 1, 0 },
		      { 0, MiB, 5000 }, { 3000, MiB, 2000 }, { MiB, MiB, 0 } };
	g_autofree char *bp = back_path(M, "eof"), *mp = mnt_path(M, "eof");
	char want[5000];
	fill_pattern(want, sizeof want, 110);
	ck_assert_int_eq(write_file(bp, want, sizeof want), 0);
	g_autofree char *got = g_malloc(MiB);
	int fd = open(mp, O_RDONLY);
	ck_assert_sys(fd);
	for (size_t i = 0; i < G_N_ELEMENTS(reads); i++) {
		ssize_t r = pread(fd, got, reads[i].len, reads[i].off);
		ck_assert_msg(r == reads[i].got, "pread of %zu at %lld of %zu: %zd, expected %zd", reads[i].len,
			      (long long)reads[i].off, sizeof want, r, reads[i].got);
		ck_assert(r <= 0 || memcmp(got, want + reads[i].off, r) == 0);
	}
	close(fd);
	unlink(bp);
}
END_TEST

START_TEST(test_truncated_meanwhile)
{
	/* another process cuts the segment under an fd held open through the mount: reads stop at
	 * the new end; cut to nothing and grown again to the size the reader knows (only mtime
	 * tells), it reads as the zeros it now holds, never as the bytes it held before */
	const size_t n = 4 * MiB, cut = MiB + 100;
	g_autofree char *bp = back_path(M, "cut"), *mp = mnt_path(M, "cut"), *qbp = q(bp);
	g_autofree char *want = g_malloc(n), *got = g_malloc(n), *zero = g_malloc0(n);
	fill_pattern(want, n, 120);
	ck_assert_int_eq(write_file(bp, want, n), 0);
	int fd = open(mp, O_RDONLY);
	ck_assert_sys(fd);
	ck_assert_int_eq(pread(fd, got, n, 0), (ssize_t)n);
	double window = change_window(M);

	ck_assert_int_eq(run("truncate -s %zu %s", cut, qbp), 0);
	ssize_t r = -1;
	ck_assert_msg(SEEN_WITHIN(window, NULL, (r = pread(fd, got, n, 0)) == (ssize_t)cut),
		      "a read of %zu bytes after a cut to %zu returned %zd", n, cut, r);
	ck_assert(first_diff(got, want, cut) < 0);
	ck_assert_int_eq(pread(fd, got, MiB, 2 * MiB), 0);

	ck_assert_int_eq(run("truncate -s 0 %s && truncate -s %zu %s", qbp, cut, qbp), 0);
	ssize_t d = -2;
	ck_assert_msg(SEEN_WITHIN(window, NULL,
				  (r = pread(fd, got, n, 0)) == (ssize_t)cut && (d = first_diff(got, zero, cut)) < 0),
		      "after a cut to nothing and a regrowth: read %zd, byte %zd not zero", r, d);
	close(fd);
	ck_assert(mnt_alive(M));
	unlink(bp);
}
END_TEST

START_TEST(test_backing_write_seen)
{
	/* another program's pwrite to the segment shows at the next read of an fd held open through
	 * the mount (at once unless the page cache is in the way) */
	const size_t n = 64 * KiB;
	g_autofree char *bp = back_path(M, "fresh"), *mp = mnt_path(M, "fresh");
	char new[8192], got[64 * KiB]; /* each read is of all of it: all of it cached, where it is */
	put_pattern(bp, n, 130);
	int bfd = open(bp, O_RDWR);
	ck_assert_sys(bfd);
	char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, bfd, 0);
	ck_assert(p != MAP_FAILED);
	memset(p + 16384, 0x55, sizeof new); /* the write faults, which touch mtime, come first */
	int fd = open(mp, O_RDONLY);
	ck_assert_sys(fd);
	ck_assert_int_eq(pread(fd, got, n, 0), n);
	double window = change_window(M);

	fill_pattern(new, sizeof new, 131);
	ck_assert_int_eq(pwrite(bfd, new, sizeof new, 4096), sizeof new);
	ck_assert_msg(SEEN_WITHIN(window, NULL,
				  pread(fd, got, n, 0) == n && memcmp(got + 4096, new, sizeof new) == 0),
		      "a held fd does not read another program's pwrite within %g s", window);

	/* a store through that program's mapping into pages it has written before changes neither
	 * size nor mtime: only a read that reaches the segment (direct I/O, passthrough) sees it
	 * before the next open */
	if (window == 0) {
		struct stat before = xlstat(bp);
		fill_pattern(new, sizeof new, 132);
		memcpy(p + 16384, new, sizeof new);
		struct stat after = xlstat(bp);
		ck_assert_msg(after.st_mtim.tv_sec == before.st_mtim.tv_sec &&
				      after.st_mtim.tv_nsec == before.st_mtim.tv_nsec && after.st_size == before.st_size,
			      "a store through a mapping changed mtime or size: this check proves nothing");
		ck_assert_int_eq(pread(fd, got, n, 0), n);
		ck_assert_msg(memcmp(got + 16384, new, sizeof new) == 0, "a held fd reads old bytes after a store through a "
			      "mapping of the backing object");
	}
	munmap(p, n);
	close(bfd);
	close(fd);
	unlink(bp);
}
END_TEST

START_TEST(test_append_after_backing_growth)
{
	/* O_APPEND through the mount after another process appended on the backing side lands after
	 * that process's bytes, not over them */
	g_autofree char *bp = back_path(M, "append"), *mp = mnt_path(M, "append"), *qbp = q(bp);
	int fd = open(mp, O_WRONLY | O_CREAT | O_EXCL | O_APPEND, 0644);
	ck_assert_sys(fd);
	ck_assert_int_eq(write(fd, "mount-1|", 8), 8);
	ck_assert_int_eq(run("printf 'other|' >> %s", qbp), 0);
	ck_assert_int_eq(write(fd, "mount-2|", 8), 8);
	close(fd);
	ck_assert_msg(file_equals(bp, "mount-1|other|mount-2|", 22), "an O_APPEND write through the mount did not "
		      "land at the end another process had moved");
	unlink(bp);
}
END_TEST

/* Set-user-ID and set-group-ID after a write: a writer without CAP_FSETID loses set-user-ID, and
 * set-group-ID where group execute is set or the writer is not in the file's group; root keeps
 * both. The reference is the same write on the backing tmpfs itself. */
static const struct setid_case {
	const char *what;
	mode_t mode;
	gid_t group;       /* the file's */
	uid_t writer;      /* NOBODY, or root (0) */
	gid_t extra_group; /* the writer's supplementary group, 0: none */
} setid_cases[] = {
	{ "set-user-ID", 04666, 0, NOBODY, 0 },
	{ "set-group-ID with group execute, the writer's group", 02676, NOBODY, NOBODY, 0 },
	{ "set-group-ID, the writer's own group", 02666, NOBODY, NOBODY, 0 },
	{ "set-group-ID, the writer's supplementary group", 02666, 4242, NOBODY, 4242 },
	{ "both, written by root", 06676, 0, 0, 0 },
	{ "set-group-ID, the writer not in the group", 02666, 0, NOBODY, 0 },
};

static int write_into(const void *arg)
{
	const char *path = arg;
	int fd = open(path, O_WRONLY);
	STEP(1, fd >= 0, "open %s for writing", path);
	STEP(2, pwrite(fd, "writer", 6, 2) == 6, "write into %s", path);
	STEP(3, close(fd) == 0, "close %s", path);
	return 0;
}

/* Makes PATH with C's group and mode, and has C's writer write into it. */
static void setid_write(const char *path, const struct setid_case *c)
{
	ck_assert_int_eq(write_file(path, "0123456789", 10), 0);
	ck_assert_sys(chown(path, 0, c->group));
	ck_assert_sys(chmod(path, c->mode));
	if (c->writer == 0)
		ck_assert_int_eq(write_into(path), 0);
	else if (c->extra_group)
		as_user_in_group(c->writer, c->extra_group, 022, write_into, path);
	else
		as_user(c->writer, 022, write_into, path);
	ck_assert(file_equals(path, "01writer89", 10));
}

START_TEST(test_setid_write)
{
	const struct setid_case *c = &setid_cases[_i];
	g_autofree char *native = back_path(M, "setid-native-%d", _i);
	g_autofree char *mp = mnt_path(M, "setid-%d", _i), *bp = back_path(M, "setid-%d", _i);
	setid_write(native, c);
	setid_write(mp, c);
	mode_t want = xlstat(native).st_mode & 07777, got = xlstat(bp).st_mode & 07777, shown = 0;
	ck_assert_msg(got == want, "%s: mode %o after a write through the mount, %o after the same write on tmpfs",
		      c->what, got, want);
	ck_assert_msg(SEEN_WITHIN(MNT_WATCH_WINDOW, NULL, (shown = xlstat(mp).st_mode & 07777) == want),
		      "%s: the mount shows mode %o, tmpfs has %o", c->what, shown, want);
	unlink(native);
	unlink(bp);
}
END_TEST

/* The counters the daemon logs at unmount. */
struct served_counts {
	unsigned long long reads, writes, spliced;
};

static struct served_counts log_counts(const char *log)
{
	struct served_counts c = { 0 };
	const char *served = strstr(log, "shmfs: served "), *spliced = strstr(log, " READ replies were spliced");
	while (spliced && spliced > log && spliced[-1] != '\n')
		spliced--;
	ck_assert_msg(served && sscanf(served, "shmfs: served %llu READ and %llu WRITE", &c.reads, &c.writes) == 2 &&
			      spliced && sscanf(spliced, "shmfs: %llu READ", &c.spliced) == 1,
		      "no counters in the log:\n%s", log);
	return c;
}

START_TEST(test_served_counters)
{
	/* the daemon took the path its mode asks for, served the reads and writes itself, and
	 * spliced READ replies unless splicing was forced off (and not over io_uring, where they are
	 * all read from the segment's fd) */
	struct mnt m;
	mode_mount(&m, "64m");
	g_autofree char *mp = mnt_path(&m, "counted");
	write_read_back(mp, mp, 4 * MiB + 1234, MiB, 150);
	bool ring = mnt_ring(&m); /* over io_uring every READ reply is read from the fd (fs/plan.c) */
	int status;
	g_autofree char *log = mnt_stop_log(&m, &status);
	ck_assert_int_eq(status, 0);

	struct served_counts c = log_counts(log);
	fprintf(stderr, "%s: %llu READ (%llu spliced), %llu WRITE\n", modes[g_mode].tcase, c.reads, c.spliced,
		c.writes);
	ck_assert_uint_gt(c.reads, 0);
	ck_assert_uint_gt(c.writes, 0);
	if (g_mode == MODE_NO_SPLICE && !ring)
		ck_assert_uint_eq(c.spliced, 0);
	else
		ck_assert_uint_gt(c.spliced, 0);
	bool cached = strstr(log, "segment I/O goes through the page cache");
	ck_assert_msg(cached != !!strstr(log, "segment I/O is direct"), "the log says neither or both:\n%s", log);
	ck_assert_msg(cached == (g_mode == MODE_NO_DIRECT) || strstr(log, "cannot map direct I/O files shared"),
		      "%s, yet the log says:\n%s", g_mode == MODE_NO_DIRECT ? "direct I/O forced off" : "direct I/O",
		      log);
}
END_TEST

static void setup_suite_mode(void)
{
	mode_fixture(MODE_SUITE);
}

static void setup_served(void)
{
	mode_fixture(MODE_SERVED);
}

static void setup_no_splice(void)
{
	mode_fixture(MODE_NO_SPLICE);
}

static void setup_no_direct(void)
{
	mode_fixture(MODE_NO_DIRECT);
}

static void (*const mode_setup[MODE_N])(void) = {
	[MODE_SUITE] = setup_suite_mode,
	[MODE_SERVED] = setup_served,
	[MODE_NO_SPLICE] = setup_no_splice,
	[MODE_NO_DIRECT] = setup_no_direct,
};

/* The data tests, in MODE. */
static void add_mode_case(Suite *s, enum mode mode)
{
	TCase *tc = mnt_tcase(modes[mode].tcase, mode_setup[mode]);
	tcase_add_test(tc, test_write_visible_at_once);
	tcase_add_test(tc, test_open_unlink_write_read);
	tcase_add_test(tc, test_mmap_child_store);
	tcase_add_test(tc, test_mmap_two_processes);
	tcase_add_test(tc, test_mmap_coherent_with_io);
	tcase_add_test(tc, test_write_past_eof);
	tcase_add_loop_test(tc, test_sequential_read, 0, G_N_ELEMENTS(read_chunk));
	tcase_add_loop_test(tc, test_sparse_read, 0, G_N_ELEMENTS(read_chunk));
	tcase_add_test(tc, test_read_across_eof);
	tcase_add_test(tc, test_backing_write_seen);
	tcase_add_test(tc, test_truncated_meanwhile);
	tcase_add_loop_test(tc, test_truncation_race, 0, G_N_ELEMENTS(race_read_size));
	tcase_add_test(tc, test_truncation_race_writes);
	if (mode != MODE_SUITE)
		tcase_add_test(tc, test_served_counters);
	/* Where the kernel rather than the daemon places O_APPEND writes (the page cache), it appends
	 * at the end it last knew, not at the one another program has just moved: that check is left
	 * out there. (Set-ID bits are the daemon's to clear in every mode, under HANDLE_KILLPRIV_V2:
	 * all set-ID cases run everywhere.) */
	if (mode != MODE_NO_DIRECT)
		tcase_add_test(tc, test_append_after_backing_growth);
	if (mnt_is_root()) {
		tcase_add_loop_test(tc, test_setid_write, 0, G_N_ELEMENTS(setid_cases));
		tcase_add_test(tc, test_full_tmpfs);
		tcase_add_test(tc, test_full_tmpfs_mmap_store);
	}
	suite_add_tcase(s, tc);
}

int main(void)
{
	mnt_require_fuse();
	Suite *s = suite_create("mount_data");
	for (enum mode mode = 0; mode < MODE_N; mode++)
		add_mode_case(s, mode);
	if (!mnt_is_root())
		fprintf(stderr, "\n**********\nSKIP: set-ID and full-tmpfs tests need root (other users, a private "
			"small tmpfs)\n**********\n");
	return mnt_run_suite(s);
}
