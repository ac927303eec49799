/* mount_lsshm_test.c - lsshm beside a real shmfs mount, in both data modes: a segment only the daemon
 * has looked up (ls -l, a read of its view, its view held open) is unused, the daemon named as left
 * out; one mapped or held open through the mount is in use by that process; and the same facts as
 * the segment's read-only attributes through the mount (user.shmfs.nattch, .users, .rss), for
 * root and for nobody. */
#include "mount_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <limits.h>
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

/* A copy of bench_mapper that any user can run (the build may sit where another user cannot
 * reach, such as a clone in mktemp -d), made once. */
static const char *runnable_mapper(void)
{
	static char path[PATH_MAX];
	if (path[0])
		return path;
	g_autofree char *dir = g_dir_make_tmp("lsshm-test-XXXXXX", NULL), *data = NULL;
	gsize len;
	ck_assert_ptr_nonnull(dir);
	ck_assert_sys(chmod(dir, 0755));
	ck_assert(g_file_get_contents(prog("BENCH_MAPPER"), &data, &len, NULL));
	snprintf(path, sizeof path, "%s/bench_mapper", dir);
	ck_assert(g_file_set_contents(path, data, (gssize)len, NULL));
	ck_assert_sys(chmod(path, 0755));
	return path;
}

/* Removes the copy runnable_mapper made, if it made one. */
static void drop_runnable_mapper(void)
{
	const char *path = runnable_mapper();
	g_autofree char *dir = g_path_get_dirname(path);
	ck_assert_sys(unlink(path));
	ck_assert_sys(rmdir(dir));
}

/* A bench_mapper in the background doing MODE to PATH, as UID (-1: as this test); its pid, once
 * ready. */
static pid_t mapper_as(int uid, const char *mode, const char *path)
{
	const char *exe = uid >= 0 ? runnable_mapper() : prog("BENCH_MAPPER");
	int p[2];
	ck_assert_sys(pipe(p));
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		if (uid >= 0 && become_user(uid, 022) != 0)
			_exit(126);
		execl(exe, "bench_mapper", mode, path, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	char ready[8] = "";
	ck_assert_int_eq(read(p[0], ready, sizeof ready), 6);
	ck_assert_str_eq(ready, "ready\n");
	close(p[0]);
	return pid;
}

static pid_t mapper(const char *mode, const char *path)
{
	return mapper_as(-1, mode, path);
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

/* The value of the virtual attribute NAME of PATH (g_free it), or NULL with errno. */
static char *xattr_of(const char *path, const char *name)
{
	char buf[4096];
	ssize_t n = getxattr(path, name, buf, sizeof buf - 1);
	if (n < 0)
		return NULL;
	buf[n] = 0;
	return g_strdup(buf);
}

struct nobody_reads {
	const char *path;
	const char *want_nattch, *want_users;
};

/* As nobody: the attributes say only what nobody's /proc would. */
static int nobody_reads(const void *arg)
{
	const struct nobody_reads *r = arg;
	g_autofree char *nattch = xattr_of(r->path, "user.shmfs.nattch");
	g_autofree char *users = xattr_of(r->path, "user.shmfs.users");
	if (!nattch || strcmp(nattch, r->want_nattch) != 0)
		return fprintf(stderr, "nobody: nattch %s, want %s\n", nattch, r->want_nattch), 1;
	if (!users || strcmp(users, r->want_users) != 0)
		return fprintf(stderr, "nobody: users %s, want %s\n", users, r->want_users), 2;
	if (setxattr(r->path, "user.shmfs.users", "", 0, 0) == 0 || errno != EPERM)
		return 3;
	return 0;
}

/* How many usage attributes (user.shmfs.*, the type aside) listxattr of MP lists. */
static int usage_names_listed(const char *mp)
{
	char names[4096];
	ssize_t len = listxattr(mp, names, sizeof names);
	ck_assert_int_gt(len, 0);
	int listed = 0;
	for (ssize_t i = 0; i < len; i += strlen(names + i) + 1)
		listed += g_str_has_prefix(names + i, "user.shmfs.") && strcmp(names + i, "user.shmfs.type") != 0;
	return listed;
}

/* Over io_uring a read waiting for its scan would hold up its CPU's requests: nattch and users
 * are not offered (at once), nor listed; rss, which needs no scan, is (fs/usage.c). */
static void usage_over_ring(const char *mp)
{
	double t0 = now_s();
	ck_assert_errno(getxattr(mp, "user.shmfs.nattch", NULL, 0), EOPNOTSUPP);
	ck_assert_errno(getxattr(mp, "user.shmfs.users", NULL, 0), EOPNOTSUPP);
	ck_assert_msg(now_s() - t0 < 0.5, "refused after %.2f s", now_s() - t0);
	g_autofree char *rss = xattr_of(mp, "user.shmfs.rss");
	ck_assert_str_eq(rss, "1048576");
	ck_assert_int_eq(usage_names_listed(mp), 1);
}

/* user.shmfs.nattch, .users and .rss through the mount say what lsshm says, for the caller: root
 * sees every user, nobody only its own; they are listed, never stored, and cannot be set. */
START_TEST(test_usage_xattrs)
{
	g_autofree char *bp = back_path(M, "used"), *mp = mnt_path(M, "used");
	int fd = open(bp, O_RDWR | O_CREAT | O_EXCL, 0666);
	ck_assert_sys(fd);
	ck_assert_sys(fchmod(fd, 0666));
	ck_assert_sys(ftruncate(fd, 16 << 20)); /* sparse: 1 MiB written of 16 */
	g_autofree char *mib = g_malloc(1 << 20);
	memset(mib, 7, 1 << 20);
	ck_assert_int_eq(pwrite(fd, mib, 1 << 20, 4 << 20), 1 << 20);
	close(fd);

	pid_t m = mapper("map", bp), f = mapper("fd", mp), p = mapper("private", mp);
	pid_t n = mapper_as(NOBODY, "map", mp);
	if (mnt_ring(M)) {
		usage_over_ring(mp);
		end(m);
		end(f);
		end(p);
		end(n);
		return;
	}
	g_autofree char *nattch = xattr_of(mp, "user.shmfs.nattch");
	g_autofree char *users = xattr_of(mp, "user.shmfs.users");
	g_autofree char *rss = xattr_of(mp, "user.shmfs.rss");
	g_autofree char *want = g_strdup_printf("%d:bench_mapper,%d:bench_mapper(fd),%d:bench_mapper(private),"
						"%d:bench_mapper", (int)m, (int)f, (int)p, (int)n);
	ck_assert_str_eq(nattch, "3");
	ck_assert_str_eq(users, want);
	ck_assert_str_eq(rss, "1048576");
	/* listed (getfattr -d shows them) */
	ck_assert_int_eq(usage_names_listed(mp), 3);
	/* refused, and nothing stored in tmpfs */
	ck_assert_errno(setxattr(mp, "user.shmfs.nattch", "9", 1, 0), EPERM);
	ck_assert_errno(removexattr(mp, "user.shmfs.users"), EPERM);
	ck_assert_errno(getxattr(bp, "user.shmfs.nattch", NULL, 0), ENODATA);
	ck_assert_errno(getxattr(bp, "user.shmfs.users", NULL, 0), ENODATA);
	/* nobody sees its own process, not root's */
	g_autofree char *nobody_users = g_strdup_printf("%d:bench_mapper", (int)n);
	struct nobody_reads r = { mp, "1", nobody_users };
	as_nobody(022, nobody_reads, &r);

	end(m);
	end(f);
	end(p);
	end(n);
	drop_runnable_mapper();
	/* at once: no scan older than the request answers it */
	g_free(nattch);
	g_free(users);
	nattch = xattr_of(mp, "user.shmfs.nattch");
	users = xattr_of(mp, "user.shmfs.users");
	ck_assert_str_eq(nattch, "0");
	ck_assert_str_eq(users, "");
	/* a directory has none */
	ck_assert_errno(getxattr(M->mountpoint, "user.shmfs.nattch", NULL, 0), ENODATA);
}
END_TEST

/* NOBODY_READERS of nobody's at once, each reading user.shmfs.users of PATH. */
#define NOBODY_READERS 8

struct reader {
	const char *path;
	pthread_t t;
	int err; /* 0, or the errno of its getxattr */
};

static void *read_users(void *arg)
{
	struct reader *r = arg;
	char buf[4096];
	r->err = getxattr(r->path, "user.shmfs.users", buf, sizeof buf) < 0 ? errno : 0;
	return NULL;
}

/* As nobody: its readers at once, while every scan takes 800 ms; step 1 when fewer than
 * NOBODY_READERS - 4 were refused EAGAIN (4 of one user's may wait), 2 when none was answered or
 * one failed otherwise. */
static int nobody_floods(const void *arg)
{
	struct reader r[NOBODY_READERS];
	for (int i = 0; i < NOBODY_READERS; i++) {
		r[i] = (struct reader){ .path = arg };
		if (pthread_create(&r[i].t, NULL, read_users, &r[i]) != 0)
			return 3;
	}
	int answered = 0, refused = 0;
	for (int i = 0; i < NOBODY_READERS; i++) {
		pthread_join(r[i].t, NULL);
		answered += r[i].err == 0;
		refused += r[i].err == EAGAIN;
	}
	fprintf(stderr, "nobody's %d readers at once: %d answered, %d refused EAGAIN\n", NOBODY_READERS,
		answered, refused);
	if (refused < NOBODY_READERS - 4)
		return 1;
	return answered >= 1 && answered + refused == NOBODY_READERS ? 0 : 2;
}

/* A user who floods the usage attributes holds at most 4 of the daemon's request threads (the rest
 * are refused at once), and another user is answered meanwhile; a scan that has run longer than a
 * request may wait refuses every new request at once. Scans are made slow (the daemon's
 * SHMFS_TEST_USAGE_SCAN_MS) so that the requests overlap. */
START_TEST(test_usage_flood_is_bounded)
{
	struct mnt m;
	g_setenv("SHMFS_TEST_USAGE_SCAN_MS", "800", TRUE);
	ck_assert_int_eq(mnt_start(&m, NULL, NULL), 0);
	g_unsetenv("SHMFS_TEST_USAGE_SCAN_MS");
	g_autofree char *bp = back_path(&m, "seg"), *mp = mnt_path(&m, "seg");
	ck_assert_int_eq(write_file(bp, "x", 1), 0);
	ck_assert_sys(chmod(bp, 0644));
	if (mnt_ring(&m)) { /* no scans to flood: refused at once */
		double t0 = now_s();
		ck_assert_errno(getxattr(mp, "user.shmfs.nattch", NULL, 0), EOPNOTSUPP);
		ck_assert_msg(now_s() - t0 < 0.5, "refused after %.2f s", now_s() - t0);
		ck_assert_int_eq(mnt_stop(&m), 0);
		return;
	}

	pid_t kid = fork();
	ck_assert_int_ge(kid, 0);
	if (kid == 0) {
		usleep(100 * 1000); /* while nobody's readers wait */
		char buf[256];
		_exit(getxattr(mp, "user.shmfs.nattch", buf, sizeof buf) > 0 ? 0 : 1);
	}
	as_nobody(022, nobody_floods, mp);
	int ws;
	ck_assert_int_eq(waitpid(kid, &ws, 0), kid);
	ck_assert_msg(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "root was not answered during the flood");
	ck_assert_int_eq(mnt_stop(&m), 0);

	/* a scan longer than a request may wait: the first request gives up after 2 s, and one
	 * made while that scan still runs is refused at once, not after another 2 s */
	g_setenv("SHMFS_TEST_USAGE_SCAN_MS", "5000", TRUE);
	ck_assert_int_eq(mnt_start(&m, NULL, NULL), 0);
	g_unsetenv("SHMFS_TEST_USAGE_SCAN_MS");
	g_free(bp);
	g_free(mp);
	bp = back_path(&m, "seg");
	mp = mnt_path(&m, "seg");
	ck_assert_int_eq(write_file(bp, "x", 1), 0);
	char buf[256];
	ck_assert_errno(getxattr(mp, "user.shmfs.users", buf, sizeof buf), EAGAIN);
	double t0 = now_s();
	ck_assert_errno(getxattr(mp, "user.shmfs.users", buf, sizeof buf), EAGAIN);
	double waited = now_s() - t0;
	ck_assert_msg(waited < 1.0, "refused after %.2f s while the scan was stuck (a request waits 2 s)",
		      waited);
	ck_assert_int_eq(mnt_stop(&m), 0);
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
	/* every test in both data modes */
	TCase *modes[] = { mnt_tcase("default", setup_pt), mnt_tcase("daemon_served", setup_served) };
	for (size_t i = 0; i < G_N_ELEMENTS(modes); i++) {
		tcase_add_test(modes[i], test_looked_up_by_daemon_only_is_unused);
		tcase_add_test(modes[i], test_used_through_the_mount);
		tcase_add_test(modes[i], test_usage_xattrs);
		suite_add_tcase(s, modes[i]);
	}
	TCase *flood = tcase_create("flood");
	tcase_set_timeout(flood, 60);
	tcase_add_test(flood, test_usage_flood_is_bounded);
	suite_add_tcase(s, flood);
	return mnt_run_suite(s);
}
