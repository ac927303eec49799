/* mount_lsshm_test.c - lsshm beside a real shmfs mount, in both data modes: a segment only the daemon
 * has looked up (ls -l, a read of its view, its view held open) is unused, the daemon named as left
 * out; one mapped or held open through the mount is in use by that process. */
#include "mount_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#define M (&g_mnt)
#define DECL "int64 a; int64 b; int64 c"

static const char *prog(const char *env)
{
	const char *p = getenv(env);
	ck_assert_msg(p && *p, "%s is not set (run through meson test)", env);
	return p;
}

/* lsshm's column COL of segment NAME: `lsshm --dir BACKING -o COL NAME`, raw, no header. The test
 * runs in a pid namespace of its own where every process is its own: --pidns-is-all. */
static char *lsshm_col(const char *name, const char *col)
{
	g_autofree char *ql = q(prog("LSSHM_BIN")), *qd = q(M->backing), *qn = q(name);
	int st;
	char *out = capture_status(&st, "%s --dir %s --pidns-is-all --posix -r -n -o %s %s", ql, qd, col, qn);
	ck_assert_msg(st == 0, "lsshm %s %s: status %d", col, name, st);
	g_strchomp(out);
	return out;
}

/* A typed segment of 3 records, made in the backing directory behind the mount's back. */
static void make_typed(const char *name)
{
	g_autofree char *bp = back_path(M, "%s", name);
	int64_t rec[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	ck_assert_int_eq(write_file(bp, rec, sizeof rec), 0);
	ck_assert_sys(setxattr(bp, "user.shmfs.type", DECL, strlen(DECL), 0));
}

struct hit {
	const char *want;
	bool found;
};

static void note_fd(int fd, const char *target, void *ctx)
{
	(void)fd;
	struct hit *h = ctx;
	h->found |= strcmp(target, h->want) == 0;
}

/* True when the daemon has an fd open on the backing file NAME: what lsof reports it for. */
static bool daemon_holds(const char *name)
{
	g_autofree char *want = back_path(M, "%s", name);
	struct hit h = { want, false };
	ck_assert_int_ge(proc_fds(M->daemon, note_fd, &h), 0);
	return h.found;
}

START_TEST(test_looked_up_by_daemon_only_is_unused)
{
	make_typed("seg");
	g_autofree char *mp = q(M->mountpoint);
	ck_assert_int_eq(run("ls -l %s >/dev/null", mp), 0);
	g_autofree char *view = mnt_path(M, "seg.txt");
	size_t len;
	g_autofree char *text = read_file(view, &len);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "# shmfs view: " DECL));

	g_autofree char *cols = lsshm_col("seg", "NATTCH,USERS,STATUS");
	ck_assert_str_eq(cols, "0  unused");
	/* with the view held open the daemon holds the segment open too (lsof names it), and is
	 * still no user */
	int fd = open(view, O_RDONLY | O_CLOEXEC);
	ck_assert_sys(fd);
	char buf[16];
	ck_assert_int_eq(read(fd, buf, sizeof buf), sizeof buf);
	ck_assert_msg(daemon_holds("seg"), "the daemon holds no fd on seg: nothing left out");
	g_free(cols);
	cols = lsshm_col("seg", "NATTCH,USERS,STATUS");
	ck_assert_str_eq(cols, "0  unused");
	/* and lsshm says whom it left out */
	g_autofree char *ql = q(prog("LSSHM_BIN")), *qd = q(M->backing);
	g_autofree char *details = capture("%s --dir %s --pidns-is-all seg", ql, qd);
	g_autofree char *left = g_strdup_printf("shmfs daemons left out of the users: %d\n", (int)M->daemon);
	ck_assert_msg(strstr(details, left), "lsshm seg: %s", details);
	close(fd);
}
END_TEST

/* A bench_mapper in the background doing MODE to PATH; its pid, once ready. */
static pid_t mapper(const char *mode, const char *path)
{
	int p[2];
	ck_assert_sys(pipe(p));
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execl(prog("BENCH_MAPPER"), "bench_mapper", mode, path, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	char ready[8] = "";
	ck_assert_int_eq(read(p[0], ready, sizeof ready), 6);
	ck_assert_str_eq(ready, "ready\n");
	close(p[0]);
	return pid;
}

static void end(pid_t pid)
{
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
}

START_TEST(test_used_through_the_mount)
{
	make_typed("seg");
	g_autofree char *mp = mnt_path(M, "seg");
	pid_t m = mapper("map", mp), f = mapper("fd", mp);
	g_autofree char *cols = lsshm_col("seg", "NATTCH,USERS,STATUS");
	g_autofree char *want = g_strdup_printf("1 %d:bench_mapper,%d:bench_mapper(fd) in\\x20use", (int)m, (int)f);
	ck_assert_str_eq(cols, want);
	end(m);
	end(f);
	g_free(cols);
	cols = lsshm_col("seg", "NATTCH,USERS,STATUS");
	ck_assert_str_eq(cols, "0  unused");
}
END_TEST

static void setup_pt(void)
{
	mnt_fixture_start(NULL, "64m", NULL);
}

static void setup_served(void)
{
	mnt_fixture_start(NULL, "64m", "passthrough=off");
}

int main(int argc, char **argv)
{
	(void)argc;
	mnt_require_fuse();
	mnt_require_root("a pid namespace of its own, where lsshm may know a segment is unused");
	/* every process lsshm sees is this test's: a pid namespace and /proc of its own */
	if (!getenv("LSSHM_TEST_NS")) {
		setenv("LSSHM_TEST_NS", "1", 1);
		g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
		execlp("unshare", "unshare", "--pid", "--fork", "--mount-proc", "--propagation", "private",
		       self ? self : argv[0], (char *)NULL);
		fprintf(stderr, "mount_lsshm_test: unshare: %s\n", strerror(errno));
		return 1;
	}
	Suite *s = suite_create("mount_lsshm");
	TCase *pt = mnt_tcase("default", setup_pt);
	tcase_add_test(pt, test_looked_up_by_daemon_only_is_unused);
	tcase_add_test(pt, test_used_through_the_mount);
	suite_add_tcase(s, pt);
	TCase *served = mnt_tcase("daemon_served", setup_served);
	tcase_add_test(served, test_looked_up_by_daemon_only_is_unused);
	tcase_add_test(served, test_used_through_the_mount);
	suite_add_tcase(s, served);
	return mnt_run_suite(s);
}
