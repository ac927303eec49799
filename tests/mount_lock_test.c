/* mount_lock_test.c - file locks through the mount are the segment's own (fs/lock_ops.c): a wait
 * through the mount ends when the other side lets go, a signal interrupts it, an owner never
 * conflicts with itself, F_GETLK names the other side's lock, a close lets go, and one user cannot
 * queue waits without bound. The plain conflicts are in mount_attack_test.c. */
#include "mount_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#define M (&g_mnt)

enum kind { FCNTL, FLOCK };
static const char *const kind_name[] = { "fcntl(F_SETLKW)", "flock(LOCK_EX)" };

static int lock_fd(int fd, enum kind kind, bool wait)
{
	if (kind == FLOCK)
		return flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB));
	struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	return fcntl(fd, wait ? F_SETLKW : F_SETLK, &lk);
}

/* A child that locks PATH with KIND and holds it until it is killed (let_go): a pipe would not
 * do, as every child forked later holds its end too. */
static pid_t hold(const char *path, enum kind kind)
{
	int ready[2];
	ck_assert_sys(pipe(ready));
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_sys(pid);
	if (pid == 0) {
		close(ready[0]);
		int fd = open(path, O_RDWR);
		char c = fd >= 0 && lock_fd(fd, kind, false) == 0 ? 'L' : 'E';
		if (write(ready[1], &c, 1) != 1)
			_exit(2);
		for (;;)
			pause();
	}
	close(ready[1]);
	char c = 0;
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	ck_assert_msg(c == 'L', "the holder could not lock %s", path);
	return pid;
}

static void reap(pid_t pid, int want_status)
{
	int ws = wait_pid(pid, 10);
	ck_assert_msg(ws != -1 && WIFEXITED(ws) && WEXITSTATUS(ws) == want_status,
		      "child %d: wait status %d, want exit %d", (int)pid, ws, want_status);
}

/* The holder's exit lets its lock go. */
static void let_go(pid_t holder)
{
	ck_assert_sys(kill(holder, SIGKILL));
	int ws = wait_pid(holder, 10);
	ck_assert(ws != -1 && WIFSIGNALED(ws));
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A child that waits for KIND's lock on PATH and reports through the pipe *REPORT when it has it:
 * 'G' and the time it waited, or 'E' and the errno. With INTERRUPT_AFTER_MS, a SIGALRM (its
 * handler without SA_RESTART) comes that long into the wait. */
static pid_t waiter(const char *path, enum kind kind, int interrupt_after_ms, int *report)
{
	int out[2];
	ck_assert_sys(pipe(out));
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_sys(pid);
	if (pid == 0) {
		close(out[0]);
		struct sigaction sa = { .sa_handler = on_alarm };
		sigaction(SIGALRM, &sa, NULL);
		int fd = open(path, O_RDWR);
		if (interrupt_after_ms)
			ualarm((useconds_t)interrupt_after_ms * 1000, 0);
		double t0 = now_s();
		int r = fd < 0 ? -1 : lock_fd(fd, kind, true);
		char msg[64];
		int n = snprintf(msg, sizeof(msg), "%c %d %.3f", r == 0 ? 'G' : 'E', r == 0 ? 0 : errno,
				 now_s() - t0);
		if (write(out[1], msg, n) != n)
			_exit(2);
		_exit(0);
	}
	close(out[1]);
	*report = out[0];
	return pid;
}

/* What waiter W reported through its pipe FD ('G' granted, or 'E' and the errno, and how long it
 * waited), once it has ended. */
struct outcome {
	char got;
	int err;
	double waited;
};

static struct outcome outcome_of(pid_t w, int fd)
{
	struct outcome o = { 0 };
	char buf[64] = "";
	ck_assert_int_gt(read(fd, buf, sizeof(buf) - 1), 0);
	close(fd);
	ck_assert_int_eq(sscanf(buf, "%c %d %lf", &o.got, &o.err, &o.waited), 3);
	reap(w, 0);
	return o;
}

static char *fresh_segment(const char *name)
{
	g_autofree char *b = back_path(M, "%s", name);
	ck_assert_int_eq(write_file(b, "locked bytes\n", 13), 0);
	ck_assert_sys(chmod(b, 0666));
	return mnt_path(M, "%s", name);
}

/* A wait through the mount for a lock held on the segment directly: it ends when the holder lets
 * go, not before, and soon after (the daemon tries again every few milliseconds). */
START_TEST(test_wait_until_released)
{
	enum kind kind = (enum kind)_i;
	g_autofree char *name = g_strdup_printf("wait%d", _i);
	g_autofree char *mnt = fresh_segment(name);
	g_autofree char *back = back_path(M, "%s", name);
	int report;
	pid_t holder = hold(back, kind);
	pid_t w = waiter(mnt, kind, 0, &report);
	sleep_ms(300);
	int status;
	ck_assert_msg(waitpid(w, &status, WNOHANG) == 0, "%s through the mount returned while the "
		      "lock was held", kind_name[kind]);
	let_go(holder);
	struct outcome o = outcome_of(w, report);
	ck_assert_msg(o.got == 'G', "%s: %s", kind_name[kind], strerrorname_np(o.err));
	ck_assert_msg(o.waited >= 0.29 && o.waited < 1.3, "%s waited %.3f s for a lock held 0.3 s",
		      kind_name[kind], o.waited);
}
END_TEST

/* A signal ends the wait with EINTR, and leaves no lock behind. */
START_TEST(test_wait_interrupted)
{
	enum kind kind = (enum kind)_i;
	g_autofree char *name = g_strdup_printf("intr%d", _i);
	g_autofree char *mnt = fresh_segment(name);
	g_autofree char *back = back_path(M, "%s", name);
	int report;
	pid_t holder = hold(back, kind);
	pid_t w = waiter(mnt, kind, 200, &report);
	struct outcome o = outcome_of(w, report);
	ck_assert_msg(o.got == 'E' && o.err == EINTR, "%s interrupted: %c %s", kind_name[kind],
		      o.got, strerrorname_np(o.err));
	ck_assert_msg(o.waited < 1.5, "the interrupt took %.3f s", o.waited);
	let_go(holder);
	int fd = open(back, O_RDWR);
	ck_assert_sys(fd);
	ck_assert_msg(SEEN_WITHIN(1.0, NULL, lock_fd(fd, kind, false) == 0),
		      "%s: locked after the holder left and the waiter was interrupted: %s",
		      kind_name[kind], g_strerror(errno));
	close(fd);
}
END_TEST

/* POSIX locks of one process through two opens of the segment never conflict with each other;
 * another process sees them, with F_GETLK naming their range. */
START_TEST(test_one_owner_two_opens)
{
	g_autofree char *mnt = fresh_segment("owner");
	g_autofree char *back = back_path(M, "owner");
	int a = open(mnt, O_RDWR), b = open(mnt, O_RDWR);
	ck_assert_sys(a);
	ck_assert_sys(b);
	struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };
	ck_assert_sys(fcntl(a, F_SETLK, &lk));
	lk.l_start = 5;
	ck_assert_sys(fcntl(b, F_SETLK, &lk)); /* same owner: merged, no conflict */

	fflush(NULL);
	pid_t pid = fork();
	ck_assert_sys(pid);
	if (pid == 0) {
		int fd = open(back, O_RDWR);
		struct flock probe = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 12, .l_len = 1 };
		if (fd < 0 || fcntl(fd, F_GETLK, &probe) < 0)
			_exit(1);
		if (probe.l_type != F_WRLCK || probe.l_start != 0 || probe.l_len != 15)
			_exit(2);
		probe = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 15, .l_len = 5 };
		_exit(fcntl(fd, F_SETLK, &probe) == 0 ? 0 : 3); /* past the range: free */
	}
	reap(pid, 0);
	close(a);
	close(b);
}
END_TEST

/* F_GETLK through the mount names a lock held on the segment directly: its type and range. */
START_TEST(test_getlk_names_the_other_side)
{
	g_autofree char *mnt = fresh_segment("getlk");
	g_autofree char *back = back_path(M, "getlk");
	fflush(NULL);
	int ready[2], go[2];
	ck_assert_sys(pipe(ready));
	ck_assert_sys(pipe(go));
	pid_t pid = fork();
	ck_assert_sys(pid);
	if (pid == 0) {
		close(ready[0]);
		close(go[1]);
		int fd = open(back, O_RDONLY);
		struct flock lk = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 100, .l_len = 100 };
		char c = fd >= 0 && fcntl(fd, F_SETLK, &lk) == 0 ? 'L' : 'E';
		if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) < 0)
			_exit(2);
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	char c;
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	ck_assert_int_eq(c, 'L');
	int fd = open(mnt, O_RDWR);
	ck_assert_sys(fd);
	struct flock probe = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	ck_assert_sys(fcntl(fd, F_GETLK, &probe));
	ck_assert_int_eq(probe.l_type, F_RDLCK);
	ck_assert_int_eq(probe.l_start, 100);
	ck_assert_int_eq(probe.l_len, 100);
	probe = (struct flock){ .l_type = F_RDLCK, .l_whence = SEEK_SET };
	ck_assert_sys(fcntl(fd, F_GETLK, &probe));
	ck_assert_int_eq(probe.l_type, F_UNLCK); /* two read locks do not conflict */
	close(fd);
	close(go[1]);
	reap(pid, 0);
	close(ready[0]);
}
END_TEST

/* Closing the descriptor through which a process locked lets the lock go, the process alive. */
START_TEST(test_close_lets_go)
{
	enum kind kind = (enum kind)_i;
	g_autofree char *name = g_strdup_printf("close%d", _i);
	g_autofree char *mnt = fresh_segment(name);
	g_autofree char *back = back_path(M, "%s", name);
	int fd = open(mnt, O_RDWR);
	ck_assert_sys(fd);
	ck_assert_sys(lock_fd(fd, kind, false));
	int other = open(back, O_RDWR);
	ck_assert_sys(other);
	fflush(NULL);
	pid_t pid = fork(); /* fcntl locks are per process: the test of them needs another one */
	ck_assert_sys(pid);
	if (pid == 0)
		_exit(lock_fd(other, kind, false) == 0 ? 1 : 0);
	reap(pid, 0); /* still held */
	close(fd);
	pid = fork();
	ck_assert_sys(pid);
	if (pid == 0)
		_exit(SEEN_WITHIN(1.0, NULL, lock_fd(other, kind, false) == 0) ? 0 : 1);
	reap(pid, 0);
	close(other);
}
END_TEST

/* One user may keep 64 lock waits in the daemon (1 over io_uring, where each holds a ring entry:
 * fs/lock_ops.c); the next one is refused (ENOLCK), and another user's wait still goes through. */
#define MAX_WAITS 64

START_TEST(test_waits_are_bounded_per_user)
{
	g_autofree char *mnt = fresh_segment("many");
	g_autofree char *back = back_path(M, "many");
	pid_t holder = hold(back, FCNTL);
	const int allowed = mnt_ring(M) ? 1 : MAX_WAITS;
	pid_t waits[MAX_WAITS + 1];
	int reports[MAX_WAITS + 1];
	for (int i = 0; i < allowed + 1; i++) {
		int out[2];
		ck_assert_sys(pipe(out));
		fflush(NULL);
		waits[i] = fork();
		ck_assert_sys(waits[i]);
		if (waits[i] == 0) {
			close(out[0]);
			if (become_nobody(022) < 0)
				_exit(3);
			int fd = open(mnt, O_RDWR);
			int r = fd < 0 ? -1 : lock_fd(fd, FCNTL, true);
			char c = r == 0 ? 'G' : errno == ENOLCK ? 'N' : 'E';
			if (write(out[1], &c, 1) != 1)
				_exit(2);
			_exit(0);
		}
		close(out[1]);
		reports[i] = out[0];
		sleep_ms(i == allowed - 1 ? 200 : 5); /* the last comes once the others wait */
	}
	char c = 0;
	ck_assert_int_eq(read(reports[allowed], &c, 1), 1);
	ck_assert_msg(c == 'N', "the %dth wait of one user: %c, not ENOLCK", allowed + 1, c);
	reap(waits[allowed], 0);
	/* root's own wait is queued all the same: it ends when the holder lets go */
	int report;
	pid_t root_wait = waiter(mnt, FCNTL, 0, &report);
	sleep_ms(100);
	let_go(holder);
	struct outcome o = outcome_of(root_wait, report);
	ck_assert_msg(o.got == 'G', "root's wait: %s", strerrorname_np(o.err));
	for (int i = 0; i < allowed; i++) { /* and nobody's, one after the other */
		ck_assert_int_eq(read(reports[i], &c, 1), 1);
		ck_assert_msg(c == 'G', "nobody's wait %d: %c", i, c);
		reap(waits[i], 0);
		close(reports[i]);
	}
	close(reports[allowed]);
}
END_TEST

/* Each fcntl lock owner's holder is an fd of the daemon's, counted in its user's share: nobody's
 * forty owners on one open file, with the daemon at 256 fds (a share of 32), get ENOLCK past the
 * share, and root still opens and locks. */
#define OWNERS 40

START_TEST(test_lock_owners_count_in_the_share)
{
	g_autofree char *mnt = fresh_segment("owners");
	ck_assert_int_eq(run("prlimit --pid %d --nofile=256:256", (int)M->daemon), 0);
	int out[2];
	ck_assert_sys(pipe(out));
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_sys(pid);
	if (pid == 0) {
		close(out[0]);
		if (become_nobody(022) < 0)
			_exit(100);
		int fd = open(mnt, O_RDWR);
		if (fd < 0)
			_exit(101);
		int refused = 0;
		pid_t owners[OWNERS];
		for (int i = 0; i < OWNERS; i++) {
			pid_t c = owners[i] = fork(); /* another owner of the same open file */
			if (c == 0) {
				struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = i,
						    .l_len = 1 };
				if (fcntl(fd, F_SETLK, &lk) == 0)
					pause(); /* held until the parent ends it */
				_exit(errno == ENOLCK ? 1 : 2);
			}
			int ws;
			if (c > 0 && waitpid(c, &ws, WNOHANG) == 0)
				usleep(20000);
			if (c > 0 && waitpid(c, &ws, WNOHANG) == c)
				refused += WIFEXITED(ws) && WEXITSTATUS(ws) == 1;
		}
		char msg[16];
		int n = snprintf(msg, sizeof msg, "%d", refused);
		if (write(out[1], msg, n) != n)
			_exit(102);
		for (int i = 0; i < OWNERS; i++) {
			if (owners[i] > 0) {
				kill(owners[i], SIGKILL);
				waitpid(owners[i], NULL, 0);
			}
		}
		_exit(0);
	}
	close(out[1]);
	char msg[16] = "";
	ck_assert_int_gt(read(out[0], msg, sizeof msg - 1), 0);
	close(out[0]);
	wait_pid(pid, 10);
	int refused = atoi(msg);
	ck_assert_msg(refused > 0 && refused <= OWNERS - 16, "nobody's %d lock owners: %d refused",
		      OWNERS, refused);
	int fd = open(mnt, O_RDWR);
	ck_assert_sys(fd);
	ck_assert_sys(lock_fd(fd, FCNTL, false)); /* root's own, in its own share */
	close(fd);
}
END_TEST

int main(void)
{
	mnt_require_root("private tmpfs, allow_other, nobody");
	mnt_require_fuse();
	Suite *s = suite_create("mount_lock");
	TCase *tc = mnt_tcase("locks", mnt_fixture_setup);
	tcase_add_loop_test(tc, test_wait_until_released, FCNTL, FLOCK + 1);
	tcase_add_loop_test(tc, test_wait_interrupted, FCNTL, FLOCK + 1);
	tcase_add_test(tc, test_one_owner_two_opens);
	tcase_add_test(tc, test_getlk_names_the_other_side);
	tcase_add_loop_test(tc, test_close_lets_go, FCNTL, FLOCK + 1);
	tcase_add_test(tc, test_waits_are_bounded_per_user);
	tcase_add_test(tc, test_lock_owners_count_in_the_share);
	suite_add_tcase(s, tc);
	return mnt_run_suite(s);
}
