/* mount_data_test.c - the data path of a real shmfs mount: reads and writes, mmap through the mount,
 * growth past EOF, holes, a full tmpfs, and a segment truncated under a reader by another process. */
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

/* Waits up to 5 s until the backing tmpfs has at least BYTES free. The kernel sends RELEASE for a
 * closed file after close(2) has returned, so the daemon lets go of an unlinked segment (and its
 * space) a moment later. */
static void wait_free_space(size_t bytes)
{
	struct statvfs sv;
	double deadline = now_s() + 5;
	for (;;) {
		ck_assert_sys(statvfs(g_mnt.backing, &sv));
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

START_TEST(test_truncation_race)
{
	const size_t size = 32 * MiB;
	g_autofree char *bp = back_path(M, "race"), *mp = mnt_path(M, "race");
	g_autofree char *bo = back_path(M, "race.other"), *mo = mnt_path(M, "race.other");
	put_pattern(bp, size, 21);
	put_pattern(bo, MiB, 22);

	/* the child keeps the segment mostly full of data, and every round truncates it to nothing
	 * for a moment: a read served from the mapping then faults in the daemon */
	pid_t pid = fork();
	ck_assert_sys(pid);
	if (pid == 0) {
		int bfd = open(bp, O_RDWR);
		char *chunk = malloc(MiB);
		if (bfd < 0 || !chunk)
			_exit(2);
		fill_pattern(chunk, MiB, 23);
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

	g_autofree char *buf = g_malloc(MiB);
	long full = 0, shorts = 0, zeros = 0, eio = 0, other = 0, k = 0;
	int other_errno = 0, ws = 0;
	bool reaped = false;
	int fd = open(mp, O_RDONLY);
	ck_assert_sys(fd);
	double deadline = now_s() + 10;
	while (!(reaped = waitpid(pid, &ws, WNOHANG) == pid) && now_s() < deadline) {
		off_t off = (k % 32) * MiB;
		/* drop the kernel's cached pages, so that each read is a request the daemon serves */
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		errno = 0;
		ssize_t r = pread(fd, buf, MiB, off);
		if (r == MiB)
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
		if (++k % 64 == 0) {
			close(fd);
			fd = open(mp, O_RDONLY);
			ck_assert_sys(fd);
		}
	}
	close(fd);
	fprintf(stderr, "truncation race: %ld reads: %ld full, %ld short, %ld at EOF, %ld EIO, %ld other\n", k,
		full, shorts, zeros, eio, other);
	reap_truncator(pid, reaped, ws);
	ck_assert_msg(other == 0, "%ld reads failed with %s (only EIO is acceptable)", other,
		      strerrorname_np(other_errno));
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

START_TEST(test_full_tmpfs)
{
	const size_t want_total = 16 * MiB;
	g_autofree char *mp = mnt_path(M, "fill"), *bp = back_path(M, "fill");
	g_autofree char *bo = back_path(M, "other"), *mo = mnt_path(M, "other");
	g_autofree char *buf = g_malloc(want_total);
	fill_pattern(buf, want_total, 31);
	put_pattern(bo, 64 * KiB, 32);

	int fd = open(mp, O_WRONLY | O_CREAT | O_EXCL, 0644);
	ck_assert_sys(fd);
	size_t total = 0;
	long writes = 0, shorts = 0;
	int err = 0;
	while (total < want_total) {
		size_t req = want_total - total < (size_t)MiB ? want_total - total : (size_t)MiB;
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
	ck_assert_msg(total < want_total, "16 MiB fitted into an 8 MiB tmpfs");
	ck_assert_msg(err == ENOSPC, "the write into a full tmpfs failed with %s, expected ENOSPC",
		      err ? strerrorname_np(err) : "nothing");
	ck_assert_msg(total >= 4 * MiB, "only %zu bytes fitted", total);
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

	/* the daemon still serves, and space freed through the mount is usable again */
	ck_assert_int_eq(xlstat(mo).st_size, 64 * KiB);
	ck_assert(has_pattern(mo, 64 * KiB, 32));
	ck_assert_sys(unlink(mp));
	ck_assert_errno(lstat(bp, &(struct stat){ 0 }), ENOENT);
	wait_free_space(4 * MiB);
	g_autofree char *ma = mnt_path(M, "after"), *ba = back_path(M, "after");
	ck_assert_int_eq(write_file(ma, buf, 2 * MiB), 0);
	ck_assert(file_equals(ba, buf, 2 * MiB));
	unlink(ba);
	unlink(bo);
}
END_TEST

START_TEST(test_full_tmpfs_mmap_store)
{
	/* a store into a hole through a mapping of the mount when tmpfs is full: msync reports it,
	 * nobody dies */
	g_autofree char *bfill = back_path(M, "filler"), *mp = mnt_path(M, "holes");
	int ffd = open(bfill, O_WRONLY | O_CREAT | O_EXCL, 0644);
	ck_assert_sys(ffd);
	g_autofree char *buf = g_malloc0(MiB);
	while (write(ffd, buf, MiB) > 0)
		;
	close(ffd);
	int fd = open(mp, O_RDWR | O_CREAT | O_EXCL, 0644);
	ck_assert_sys(fd);
	ck_assert_sys(ftruncate(fd, 4 * MiB));
	pid_t pid = fork();
	ck_assert_sys(pid);
	if (pid == 0) {
		char *p = mmap(NULL, 4 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			_exit(2);
		for (size_t off = 0; off < 4 * (size_t)MiB; off += 4096)
			p[off] = 1;
		int r = msync(p, 4 * MiB, MS_SYNC);
		_exit(r == 0 ? 10 : 0);
	}
	int ws;
	ck_assert_int_eq(waitpid(pid, &ws, 0), pid);
	fprintf(stderr, "mmap store into a full tmpfs: child %s %d\n", WIFEXITED(ws) ? "exit" : "signal",
		WIFEXITED(ws) ? WEXITSTATUS(ws) : WTERMSIG(ws));
	/* msync must not claim success for pages that could not be stored; SIGBUS in the child is
	 * the other acceptable outcome */
	ck_assert_msg((WIFEXITED(ws) && WEXITSTATUS(ws) == 0) || (WIFSIGNALED(ws) && WTERMSIG(ws) == SIGBUS),
		      "child: %s %d (10 = msync reported success for 4 MiB stored into a full 8 MiB tmpfs)",
		      WIFEXITED(ws) ? "exit" : "signal", WIFEXITED(ws) ? WEXITSTATUS(ws) : WTERMSIG(ws));
	close(fd);
	ck_assert_sys(unlink(mp));
	ck_assert_sys(unlink(bfill));
	wait_free_space(4 * MiB);
	g_autofree char *ma = mnt_path(M, "after2"), *ba = back_path(M, "after2");
	fill_pattern(buf, MiB, 9);
	ck_assert_int_eq(write_file(ma, buf, MiB), 0);
	ck_assert(file_equals(ba, buf, MiB));
	unlink(ba);
}
END_TEST

static void setup_data(void)
{
	mnt_fixture_start(NULL, "128m", NULL);
}

static void setup_full(void)
{
	mnt_fixture_start(NULL, "8m", NULL);
}

int main(void)
{
	mnt_require_fuse();
	Suite *s = suite_create("mount_data");
	TCase *tc = mnt_tcase("data", setup_data);
	tcase_add_test(tc, test_write_visible_at_once);
	tcase_add_test(tc, test_open_unlink_write_read);
	tcase_add_test(tc, test_mmap_child_store);
	tcase_add_test(tc, test_mmap_two_processes);
	tcase_add_test(tc, test_write_past_eof);
	tcase_add_test(tc, test_truncation_race);
	tcase_add_test(tc, test_truncation_race_writes);
	suite_add_tcase(s, tc);
	if (mnt_is_root()) {
		TCase *full = mnt_tcase("full", setup_full);
		tcase_add_test(full, test_full_tmpfs);
		tcase_add_test(full, test_full_tmpfs_mmap_store);
		suite_add_tcase(s, full);
	} else {
		fprintf(stderr, "\n**********\nSKIP: full-tmpfs tests need root (a private small tmpfs)\n**********\n");
	}
	return mnt_run_suite(s);
}
