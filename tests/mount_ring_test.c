/* mount_ring_test.c - FUSE over io_uring (builds with libfuse >= 3.18.3 only; meson registers this
 * test there): with -o io_uring the daemon says so and its requests really come over the ring
 * (it makes far fewer read(2) calls than the same work costs without the ring, where each request
 * is one read(2) of /dev/fuse), and the bytes are the segment's both ways. Lock waits, which hold
 * their ring entries, are bounded so that the mount keeps serving, and a waiter can be killed
 * (libfuse delivers no INTERRUPT over the ring: the daemon looks for the caller's signals).
 *
 * The kernel must offer the ring (the fuse module's enable_uring, which root sets: .ci/run does).
 * Without it the test skips loudly, and fails when CI=true. */
#include "mount_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROUNDS 300

/* The read(2) calls (any fd) process PID has made: /proc/PID/io's syscr. */
static long long read_calls(pid_t pid)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/io", (int)pid);
	g_autofree char *io = NULL;
	ck_assert_msg(g_file_get_contents(path, &io, NULL, NULL), "cannot read %s", path);
	const char *at = strstr(io, "syscr:");
	ck_assert_ptr_nonnull(at);
	return strtoll(at + 6, NULL, 10);
}

/* ROUNDS creates and unlinks through M (each one LOOKUP, CREATE, RELEASE, UNLINK and more): the
 * read(2) calls its daemon made meanwhile. */
static long long churn_reads(const struct mnt *m)
{
	long long before = read_calls(m->daemon);
	for (int i = 0; i < ROUNDS; i++) {
		g_autofree char *p = mnt_path(m, "churn%d", i);
		int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
		ck_assert_sys(fd);
		ck_assert_int_eq(write(fd, "x", 1), 1);
		close(fd);
		ck_assert_sys(unlink(p));
	}
	return read_calls(m->daemon) - before;
}

START_TEST(test_requests_come_over_the_ring)
{
	struct mnt ring, plain;
	ck_assert_int_eq(mnt_start(&ring, NULL, "io_uring"), 0);
	ck_assert_int_eq(mnt_start(&plain, NULL, NULL), 0);
	long long over_ring = churn_reads(&ring), over_dev = churn_reads(&plain);
	int status;
	g_autofree char *ring_log = mnt_stop_log(&ring, &status);
	ck_assert_int_eq(status, 0);
	g_autofree char *plain_log = mnt_stop_log(&plain, &status);
	ck_assert_int_eq(status, 0);

	ck_assert_msg(strstr(ring_log, "shmfs: requests come over io_uring"), "log:\n%s", ring_log);
	ck_assert_msg(!strstr(plain_log, "io_uring"), "log:\n%s", plain_log);
	/* Without the ring each request is a read(2) of /dev/fuse: at least four a round. */
	ck_assert_msg(over_dev >= 4 * ROUNDS, "%lld read(2)s without the ring", over_dev);
	ck_assert_msg(over_ring * 2 < over_dev, "%lld read(2)s over the ring, %lld without: the "
		      "requests did not come over it", over_ring, over_dev);
}
END_TEST

/* Daemon-served over the ring: a write of 3 MiB (three WRITEs at least) reads back through the
 * mount and in the backing segment; a hole reads as zeros. */
START_TEST(test_served_bytes_over_the_ring)
{
	struct mnt m;
	ck_assert_int_eq(mnt_start(&m, NULL, "io_uring,passthrough=off"), 0);
	size_t len = 3 << 20;
	g_autofree char *data = g_malloc(len), *back = NULL, *through = g_malloc(len + 4096);
	for (size_t i = 0; i < len; i++)
		data[i] = (char)(i * 7 + i / 4096);
	g_autofree char *mp = mnt_path(&m, "big"), *bp = back_path(&m, "big");
	int fd = open(mp, O_RDWR | O_CREAT | O_EXCL, 0644);
	ck_assert_sys(fd);
	ck_assert_sys(ftruncate(fd, len + 4096)); /* the last 4 KiB: a hole */
	ck_assert_int_eq(pwrite(fd, data, len, 0), (ssize_t)len);
	ck_assert_int_eq(pread(fd, through, len + 4096, 0), (ssize_t)(len + 4096));
	close(fd);
	ck_assert(memcmp(through, data, len) == 0);
	for (size_t i = len; i < len + 4096; i++)
		ck_assert_int_eq(through[i], 0);
	gsize got;
	ck_assert(g_file_get_contents(bp, &back, &got, NULL));
	ck_assert_uint_eq(got, len + 4096);
	ck_assert(memcmp(back, data, len) == 0);
	int status;
	g_autofree char *log = mnt_stop_log(&m, &status);
	ck_assert_int_eq(status, 0);
	ck_assert_msg(strstr(log, "requests come over io_uring") && strstr(log, "daemon-served"),
		      "log:\n%s", log);
}
END_TEST

/* A child, as UID on CPU 0 (so that all its requests go to one ring queue), that takes an
 * exclusive flock of PATH through the mount, waiting, then reports 'G' (granted), 'N' (ENOLCK)
 * or 'E' on *REPORT's pipe and exits. It closes HOLDER, the parent's locked fd, whose lock it
 * would otherwise share. */
static pid_t flock_waiter(const char *path, uid_t uid, int holder, int *report)
{
	int out[2];
	ck_assert_sys(pipe(out));
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_sys(pid);
	if (pid == 0) {
		close(out[0]);
		close(holder);
		cpu_set_t one;
		CPU_ZERO(&one);
		CPU_SET(0, &one);
		if (sched_setaffinity(0, sizeof one, &one) < 0 || become_user(uid, 022) < 0)
			_exit(3);
		int fd = open(path, O_RDWR);
		char c = fd < 0 ? 'E' : flock(fd, LOCK_EX) == 0 ? 'G' : errno == ENOLCK ? 'N' : 'E';
		_exit(write(out[1], &c, 1) == 1 ? 0 : 2);
	}
	close(out[1]);
	*report = out[0];
	return pid;
}

/* Segment NAME, made in M's backing directory for anyone to open, and locked (flock, exclusive)
 * through the fd returned. */
static int locked_segment(const struct mnt *m, const char *name)
{
	g_autofree char *bp = back_path(m, "%s", name);
	int holder = open(bp, O_RDWR | O_CREAT | O_EXCL, 0666);
	ck_assert_sys(holder);
	ck_assert_sys(fchmod(holder, 0666));
	ck_assert_sys(flock(holder, LOCK_EX));
	return holder;
}

/* Whether a report came on FD within SECONDS; the report in *C. */
static bool report_within(int fd, double seconds, char *c)
{
	double end = now_s() + seconds;
	int flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	while (now_s() < end) {
		if (read(fd, c, 1) == 1)
			return true;
		sleep_ms(10);
	}
	return false;
}

/* Seven users' lock waits on one segment, all from CPU 0: with the default 8 entries a queue, the
 * daemon keeps at most 4 unanswered (ENOLCK beyond), so that root's own requests from that CPU
 * are still answered meanwhile; when the holder lets go, every queued wait is granted. */
START_TEST(test_lock_waits_leave_entries_free)
{
	enum { USERS = 7, HELD = 4 };
	struct mnt m;
	ck_assert_int_eq(mnt_start(&m, NULL, "io_uring"), 0);
	g_autofree char *mp = mnt_path(&m, "locked");
	int holder = locked_segment(&m, "locked");

	pid_t pids[USERS];
	int reports[USERS];
	char got[USERS];
	int waiting = 0, refused = 0;
	for (int i = 0; i < USERS; i++) {
		pids[i] = flock_waiter(mp, 2000 + i, holder, &reports[i]);
		got[i] = 0;
		if (report_within(reports[i], 0.3, &got[i]))
			refused += got[i] == 'N';
		else
			waiting++;
	}
	ck_assert_msg(waiting == HELD && refused == USERS - HELD, "%d waiting, %d refused", waiting, refused);

	/* root's requests from the same CPU: a lookup of a fresh name, a create, a read */
	cpu_set_t one, all;
	sched_getaffinity(0, sizeof all, &all);
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	ck_assert_sys(sched_setaffinity(0, sizeof one, &one));
	double t0 = now_s();
	for (int i = 0; i < 20; i++) {
		g_autofree char *p = mnt_path(&m, "root%d", i);
		ck_assert_int_eq(write_file(p, "r", 1), 0);
		ck_assert_sys(unlink(p));
	}
	double took = now_s() - t0;
	sched_setaffinity(0, sizeof all, &all);
	ck_assert_msg(took < 2.0, "root's 20 creates took %.2f s while the waits were held", took);

	close(holder); /* lets go: the queued waits are granted one after another */
	for (int i = 0; i < USERS; i++) {
		if (!got[i]) {
			ck_assert_msg(report_within(reports[i], 5.0, &got[i]), "wait %d never ended", i);
			ck_assert_msg(got[i] == 'G', "wait %d: %c", i, got[i]);
		}
		int ws;
		ck_assert_int_eq(waitpid(pids[i], &ws, 0), pids[i]);
		close(reports[i]);
	}
	ck_assert_int_eq(mnt_stop(&m), 0);
}
END_TEST

/* A waiter killed with SIGKILL goes at once, though no INTERRUPT reaches the daemon over the
 * ring; the lock is free afterwards for the next. */
START_TEST(test_killed_waiter_goes)
{
	struct mnt m;
	ck_assert_int_eq(mnt_start(&m, NULL, "io_uring"), 0);
	g_autofree char *mp = mnt_path(&m, "locked");
	int holder = locked_segment(&m, "locked");
	int report;
	pid_t w = flock_waiter(mp, NOBODY, holder, &report);
	char c = 0;
	ck_assert_msg(!report_within(report, 0.3, &c), "the wait ended at once: %c", c);
	ck_assert_sys(kill(w, SIGKILL));
	double t0 = now_s();
	int ws = 0;
	pid_t got = 0;
	while ((got = waitpid(w, &ws, WNOHANG)) == 0 && now_s() - t0 < 2.0)
		sleep_ms(5);
	if (got != w) {
		close(holder); /* lets it go, so that the test ends */
		waitpid(w, &ws, 0);
	}
	ck_assert_msg(got == w && WIFSIGNALED(ws), "the killed waiter was still there after %.2f s",
		      now_s() - t0);
	close(report);
	close(holder);
	/* the next one is granted: the killed one's wait left nothing behind */
	w = flock_waiter(mp, NOBODY, -1, &report);
	ck_assert_msg(report_within(report, 2.0, &c) && c == 'G', "the next wait: %c", c);
	waitpid(w, &ws, 0);
	close(report);
	ck_assert_int_eq(mnt_stop(&m), 0);
}
END_TEST

/* Skips (77), or fails under CI=true, when the kernel offers no ring. */
static void require_ring(void)
{
	g_autofree char *on = NULL;
	if (g_file_get_contents("/sys/module/fuse/parameters/enable_uring", &on, NULL, NULL) &&
	    on[0] == 'Y')
		return;
	fprintf(stderr, "\n!!! mount_ring_test SKIPPED: the fuse module's enable_uring is not set "
			"(as root: echo Y > /sys/module/fuse/parameters/enable_uring) !!!\n\n");
	const char *ci = getenv("CI");
	exit(ci && strcmp(ci, "true") == 0 ? 1 : 77);
}

int main(void)
{
	mnt_require_fuse();
	require_ring();
	/* The mount without the ring must not have one: the ring setups ask for it for every mount. */
	unsetenv("FUSE_URING_ENABLE");
	Suite *s = suite_create("mount_ring");
	TCase *tc = tcase_create("ring");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_requests_come_over_the_ring);
	tcase_add_test(tc, test_served_bytes_over_the_ring);
	tcase_add_test(tc, test_lock_waits_leave_entries_free);
	tcase_add_test(tc, test_killed_waiter_goes);
	suite_add_tcase(s, tc);
	return mnt_run_suite(s);
}
