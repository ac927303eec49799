/* mount_life_test.c - the daemon's life and death: kill -9 loses no segment and no byte (they live in
 * tmpfs), and a new shmfs mounts at the same place after fusermount3 -u (or by itself with
 * auto_unmount); SIGTERM, SIGINT and SIGHUP unmount cleanly and exit 0. */
#include "mount_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NSEGS 24

/* Sends SIG to M's daemon and waits up to 10 s for it to end: its wait status, or -1. */
static int signal_daemon(struct mnt *m, int sig)
{
	ck_assert_sys(kill(m->daemon, sig));
	int ws = wait_pid(m->daemon, 10);
	m->daemon = 0;
	return ws;
}

static size_t seg_size(int i)
{
	static const size_t sizes[] = { 0, 1, 4095, 4096, 4097, 65536, 300000, 1 << 20 };
	return sizes[i % G_N_ELEMENTS(sizes)];
}

/* Writes NSEGS segments through the mount: by write(2), by stores into a mapping, some sparse. */
static void make_segments(struct mnt *m)
{
	for (int i = 0; i < NSEGS; i++) {
		g_autofree char *p = mnt_path(m, "seg%02d", i);
		size_t n = seg_size(i);
		g_autofree uint8_t *buf = g_malloc(n + 1);
		fill_pattern(buf, n, (uint64_t)i + 1);
		if (i % 3 == 2 && n) {
			int fd = open(p, O_RDWR | O_CREAT | O_EXCL, 0640);
			ck_assert_sys(fd);
			ck_assert_sys(ftruncate(fd, (off_t)n));
			uint8_t *map = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
			ck_assert(map != MAP_FAILED);
			memcpy(map, buf, n);
			munmap(map, n); /* no msync: MAP_SHARED stores are in the tmpfs pages already */
			close(fd);
		} else {
			ck_assert_int_eq(write_file(p, buf, n), 0);
		}
	}
	/* and one with a hole: a byte at 64 MiB of a 1 GiB sparse segment (on a 64m tmpfs) */
	g_autofree char *sp = mnt_path(m, "sparse");
	int fd = open(sp, O_RDWR | O_CREAT, 0600);
	ck_assert_sys(fd);
	ck_assert_sys(ftruncate(fd, (off_t)1 << 30));
	ck_assert_int_eq(pwrite(fd, "Q", 1, 64 << 20), 1);
	close(fd);
}

static void check_segments(struct mnt *m, bool through_mount)
{
	for (int i = 0; i < NSEGS; i++) {
		g_autofree char *p = through_mount ? mnt_path(m, "seg%02d", i) : back_path(m, "seg%02d", i);
		ck_assert_msg(has_pattern(p, seg_size(i), (uint64_t)i + 1), "segment %d lost bytes (%s)", i, p);
	}
	g_autofree char *sp = through_mount ? mnt_path(m, "sparse") : back_path(m, "sparse");
	struct stat st;
	ck_assert_sys(stat(sp, &st));
	ck_assert_int_eq(st.st_size, (off_t)1 << 30);
	int fd = open(sp, O_RDONLY);
	char c = 0;
	ck_assert_int_eq(pread(fd, &c, 1, 64 << 20), 1);
	ck_assert_int_eq(c, 'Q');
	close(fd);
}

START_TEST(test_kill9_loses_nothing)
{
	struct mnt m;
	ck_assert_int_eq(mnt_start(&m, NULL, NULL), 0);
	make_segments(&m);
	/* a process keeps a mapping and an open fd across the daemon's death */
	g_autofree char *p0 = mnt_path(&m, "seg07");
	int held = open(p0, O_RDWR);
	ck_assert_sys(held);
	uint8_t *map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, held, 0);
	ck_assert(map != MAP_FAILED);

	bool ring = mnt_ring(&m);
	int ws = signal_daemon(&m, SIGKILL);
	ck_assert_msg(ws != -1 && WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL, "daemon status %d", ws);
	ck_assert(statfs(m.mountpoint, &(struct statfs){ 0 }) < 0 && mnt_dead_errno(ring, errno));

	/* everything is in the backing tmpfs, byte for byte */
	check_segments(&m, false);
	/* the mapping made through the mount still reaches the tmpfs pages in passthrough mode; in
	 * daemon-served mode it is a FUSE mapping whose pages may be gone: only read what is cached */
	munmap(map, 4096);
	close(held);

	/* fusermount3 -u, then a new shmfs at the same place sees it all */
	g_autofree char *qmp = q(m.mountpoint);
	ck_assert_int_eq(run("fusermount3 -u %s", qmp), 0);
	ck_assert(!mounted_at(m.mountpoint));
	ck_assert_int_eq(mnt_restart(&m, NULL), 0);
	check_segments(&m, true);
	/* and works: a new segment through the new daemon */
	g_autofree char *np = mnt_path(&m, "after"), *nb = back_path(&m, "after");
	ck_assert_int_eq(write_file(np, "after", 5), 0);
	ck_assert(file_equals(nb, "after", 5));
	ck_assert_int_eq(mnt_stop(&m), 0);
}
END_TEST

/* kill -9 in the middle of writes: every write that returned is in the backing dir. */
START_TEST(test_kill9_during_writes)
{
	struct mnt m;
	ck_assert_int_eq(mnt_start(&m, NULL, NULL), 0);
	g_autofree char *p = mnt_path(&m, "log"), *b = back_path(&m, "log");
	/* the writer counts its completed writes here, where the parent can read them after a kill */
	volatile uint32_t *acks = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert(acks != MAP_FAILED);
	*acks = 0;
	fflush(NULL);
	pid_t writer = fork();
	ck_assert_sys(writer);
	if (writer == 0) {
		int fd = open(p, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd < 0)
			_exit(1);
		char rec[64];
		for (uint32_t i = 0; i < 200000; i++) {
			memset(rec, 'a' + (int)(i % 26), sizeof rec);
			memcpy(rec, &i, sizeof i);
			if (write(fd, rec, sizeof rec) != sizeof rec)
				_exit(0); /* the mount went away (daemon-served); passthrough writes go on */
			__atomic_store_n(acks, i + 1, __ATOMIC_SEQ_CST);
		}
		_exit(0);
	}
	usleep(300 * 1000);
	ck_assert(signal_daemon(&m, SIGKILL) != -1);
	usleep(100 * 1000);
	kill(writer, SIGKILL);
	ck_assert(wait_pid(writer, 10) != -1);
	long acked = __atomic_load_n(acks, __ATOMIC_SEQ_CST);
	uint32_t last = acked ? (uint32_t)acked - 1 : 0;
	ck_assert_msg(acked > 0, "the writer wrote nothing before the kill");
	size_t len;
	g_autofree uint8_t *data = read_file(b, &len);
	ck_assert_ptr_nonnull(data);
	ck_assert_msg(len >= (size_t)acked * 64, "%zu bytes in backing, %ld records acknowledged", len, acked);
	for (uint32_t i = 0; acked && i <= last; i++) {
		uint32_t got;
		memcpy(&got, data + (size_t)i * 64, sizeof got);
		ck_assert_msg(got == i && data[(size_t)i * 64 + 63] == 'a' + (int)(i % 26), "record %u damaged", i);
	}
	fprintf(stderr, "kill -9 during writes: %ld records acknowledged, all in backing\n", acked);
	g_autofree char *qmp = q(m.mountpoint);
	ck_assert_int_eq(run("fusermount3 -u %s", qmp), 0);
	ck_assert_int_eq(mnt_restart(&m, NULL), 0);
	ck_assert_sys(access(p, F_OK));
	ck_assert_int_eq(mnt_stop(&m), 0);
}
END_TEST

START_TEST(test_kill9_auto_unmount)
{
	struct mnt m;
	ck_assert_int_eq(mnt_start(&m, NULL, "auto_unmount"), 0);
	g_autofree char *p = mnt_path(&m, "x"), *b = back_path(&m, "x");
	ck_assert_int_eq(write_file(p, "kept", 4), 0);
	ck_assert(signal_daemon(&m, SIGKILL) != -1);
	/* no fusermount3 -u: auto_unmount's helper does it */
	double end = now_s() + 10;
	while (mounted_at(m.mountpoint) && now_s() < end)
		usleep(20000);
	ck_assert_msg(!mounted_at(m.mountpoint), "auto_unmount left %s mounted after kill -9", m.mountpoint);
	ck_assert(file_equals(b, "kept", 4));
	ck_assert_int_eq(mnt_restart(&m, "auto_unmount"), 0);
	ck_assert(file_equals(p, "kept", 4));
	ck_assert_int_eq(mnt_stop(&m), 0);
}
END_TEST

static const int stop_signals[] = { SIGTERM, SIGINT, SIGHUP };

START_TEST(test_signal_unmounts)
{
	int sig = stop_signals[_i];
	struct mnt m;
	ck_assert_int_eq(mnt_start(&m, NULL, NULL), 0);
	g_autofree char *p = mnt_path(&m, "x"), *b = back_path(&m, "x");
	ck_assert_int_eq(write_file(p, "data", 4), 0);
	int ws = signal_daemon(&m, sig);
	ck_assert_msg(ws != -1, "the daemon did not exit within 10 s of %s", sigabbrev_np(sig));
	ck_assert_msg(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "%s: daemon status %s %d", sigabbrev_np(sig),
		      WIFEXITED(ws) ? "exit" : "signal", WIFEXITED(ws) ? WEXITSTATUS(ws) : WTERMSIG(ws));
	ck_assert_msg(!mounted_at(m.mountpoint), "%s left %s mounted", sigabbrev_np(sig), m.mountpoint);
	struct stat st, parent;
	ck_assert_sys(stat(m.mountpoint, &st)); /* the plain directory again, not ENOTCONN */
	g_autofree char *pd = g_path_get_dirname(m.mountpoint);
	ck_assert_sys(stat(pd, &parent));
	ck_assert_int_eq(st.st_dev, parent.st_dev);
	ck_assert(file_equals(b, "data", 4));
	/* and a new shmfs mounts there */
	ck_assert_int_eq(mnt_restart(&m, NULL), 0);
	ck_assert(file_equals(p, "data", 4));
	ck_assert_int_eq(mnt_stop(&m), 0);
}
END_TEST

/* SIGTERM while a process holds a file of the mount open: the daemon still exits 0 and the mount
 * point is given back (lazily: the holder's fd then fails, no hang). */
START_TEST(test_sigterm_while_busy)
{
	struct mnt m;
	ck_assert_int_eq(mnt_start(&m, NULL, NULL), 0);
	g_autofree char *p = mnt_path(&m, "busy"), *b = back_path(&m, "busy");
	ck_assert_int_eq(write_file(p, "busy", 4), 0);
	int fd = open(p, O_RDWR);
	ck_assert_sys(fd);
	int ws = signal_daemon(&m, SIGTERM);
	ck_assert_msg(ws != -1, "the daemon did not exit within 10 s of SIGTERM with a file open");
	ck_assert_msg(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "daemon status %d", ws);
	ck_assert_msg(!mounted_at(m.mountpoint), "SIGTERM left %s mounted while busy", m.mountpoint);
	close(fd);
	ck_assert(file_equals(b, "busy", 4));
	ck_assert_int_eq(mnt_stop(&m), 0);
}
END_TEST

/* A daemon whose fd limit is far below the number of inodes the kernel remembers keeps serving
 * (its inodes hold no fds: fs/inode.c), and still exits 0 at unmount (glibc's pthread_cancel, which
 * libfuse's thread pool calls at the end, needs an fd to load libgcc_s). */
START_TEST(test_out_of_fds)
{
	struct mnt m;
	ck_assert_int_eq(mnt_start(&m, NULL, NULL), 0);
	for (int i = 0; i < 400; i++) {
		g_autofree char *b = back_path(&m, "s%03d", i);
		ck_assert_int_eq(write_file(b, "x", 1), 0);
	}
	ck_assert_int_eq(run("prlimit --pid %d --nofile=200:200", (int)m.daemon), 0);
	g_autofree char *qm = q(m.mountpoint);
	g_autofree char *lines = capture("ls -l %s | wc -l", qm);
	ck_assert_msg(atoi(lines) == 401, "ls -l of 400 segments with 200 fds: %s lines", lines);
	ck_assert(mnt_alive(&m));
	int status;
	g_autofree char *log = mnt_stop_log(&m, &status);
	ck_assert_msg(status == 0, "daemon status %d after running out of fds; log:\n%s", status, log);
}
END_TEST

int main(void)
{
	mnt_require_root("private tmpfs, allow_other");
	mnt_require_fuse();
	Suite *s = suite_create("mount_life");
	/* each test mounts its own shmfs: no shared fixture */
	TCase *tc = tcase_create("life");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_kill9_loses_nothing);
	tcase_add_test(tc, test_kill9_during_writes);
	tcase_add_test(tc, test_kill9_auto_unmount);
	tcase_add_loop_test(tc, test_signal_unmounts, 0, G_N_ELEMENTS(stop_signals));
	tcase_add_test(tc, test_sigterm_while_busy);
	tcase_add_test(tc, test_out_of_fds);
	suite_add_tcase(s, tc);
	return mnt_run_suite(s);
}
