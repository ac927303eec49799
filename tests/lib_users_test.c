/* lib_users_test.c - Check unit tests of lib/users.h and lib/sysvshm.h: children that map a segment
 * shared or private, hold an fd on it or attach a SysV segment, counted exactly by one scan, and
 * gone at the next scan once they exit; shmfs daemons left out; what another uid may see. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib_fixture.h"
#include "sysvshm.h"
#include "users.h"

#define NOBODY 65534

/* A child that did its part (mapped, opened, attached) and waits to be killed. */
struct kid {
	pid_t pid;
};

/* What a child does before it waits: returns 0, or the step that failed. */
typedef int (*kid_fn)(const void *arg);

/* Forks a child named COMM (uid UID unless it is -1) that runs FN(ARG), says it is ready, then
 * waits for kid_end. Asserts that it got ready. */
static struct kid kid_start(const char *comm, uid_t uid, kid_fn fn, const void *arg)
{
	int ready[2];
	ck_assert_int_eq(pipe2(ready, O_CLOEXEC), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(ready[0]);
		prctl(PR_SET_NAME, comm);
		if (uid != (uid_t)-1 && (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 ||
					 setresuid(uid, uid, uid) < 0))
			_exit(100);
		/* setresuid clears the dumpable flag of no process that keeps its uids; /proc shows
		 * the child to its own uid */
		prctl(PR_SET_DUMPABLE, 1);
		int r = fn(arg);
		if (r)
			_exit(r);
		if (write(ready[1], "r", 1) != 1)
			_exit(101);
		for (;;)
			pause();
	}
	close(ready[1]);
	char c;
	ssize_t n = read(ready[0], &c, 1);
	close(ready[0]);
	if (n != 1) {
		int st;
		waitpid(pid, &st, 0);
		ck_abort_msg("child %s failed at step %d", comm, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	}
	return (struct kid){ pid };
}

/* Kills the child and reaps it: once this returns, the process is gone from /proc. Asserts that
 * it was still waiting (killed, not failed). */
static void kid_end(struct kid *k)
{
	int st;
	ck_assert_int_eq(kill(k->pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(k->pid, &st, 0), k->pid);
	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "child %d status %#x", (int)k->pid, st);
}

static const char *seg_path(const char *name)
{
	static char p[256];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	return p;
}

static struct stat make_seg(const char *name, off_t size, mode_t mode)
{
	int fd = openat(dfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	ck_assert_msg(fd >= 0, "create %s: %s", name, strerror(errno));
	ck_assert_int_eq(fchmod(fd, mode), 0);
	ck_assert_int_eq(ftruncate(fd, size), 0);
	struct stat st;
	ck_assert_int_eq(fstat(fd, &st), 0);
	close(fd);
	return st;
}

/* Lets other users into the test directory (its parent, made by mkdtemp, is 0700). */
static void open_to_others(void)
{
	ck_assert_int_eq(chmod(base, 0755), 0);
	ck_assert_int_eq(chmod(dir, 0755), 0);
}

/* False, after a loud SKIP line, when TEST cannot run here (COND false: WHY); in CI it fails. */
static bool can_run(bool cond, const char *test, const char *why)
{
	if (cond)
		return true;
	ck_assert_msg(g_strcmp0(getenv("CI"), "true") != 0, "%s cannot run in CI: %s", test, why);
	fprintf(stderr, "SKIP %s: %s\n", test, why);
	return false;
}

struct mapping {
	const char *path;
	size_t len;
	int flags; /* MAP_SHARED or MAP_PRIVATE */
};

/* For TEST, which needs root to act as another uid: a page "seg" everyone may map, in a directory
 * everyone may enter, its stat in *ST and *M to map it shared. False when not root (see can_run). */
static bool seg_for_all(const char *test, struct mapping *m, struct stat *st)
{
	if (!can_run(geteuid() == 0, test, "needs root (a process as uid nobody)"))
		return false;
	open_to_others();
	*m = (struct mapping){ seg_path("seg"), 4096, MAP_SHARED };
	*st = make_seg("seg", 4096, 0666);
	return true;
}

/* --- what the children do --- */

static int do_map(const void *arg)
{
	const struct mapping *m = arg;
	int fd = open(m->path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fd = open(m->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	void *p = mmap(NULL, m->len, PROT_READ, m->flags, fd, 0);
	if (p == MAP_FAILED)
		return 2;
	close(fd); /* the mapping alone keeps it */
	return 0;
}

static int do_hold(const void *arg)
{
	return open(arg, O_RDONLY | O_CLOEXEC) < 0 ? 1 : 0; /* the fd stays open */
}

/* A process that looks like a shmfs daemon as far as the rule goes: /dev/fuse and the backing
 * directory open, and a mapping of the segment (arg). */
static int do_daemonish(const void *arg)
{
	if (open("/dev/fuse", O_RDWR | O_CLOEXEC) < 0)
		return 1;
	if (open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC) < 0)
		return 2;
	struct mapping m = { arg, 4096, MAP_SHARED };
	return do_map(&m) ? 3 : 0;
}

static int do_dir_and_map(const void *arg)
{
	if (open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC) < 0)
		return 2;
	struct mapping m = { arg, 4096, MAP_SHARED };
	return do_map(&m) ? 3 : 0;
}

static int do_shmat(const void *arg)
{
	int id = *(const int *)arg;
	return shmat(id, NULL, SHM_RDONLY) == (void *)-1 ? 1 : 0;
}

/* --- helpers on results --- */

static struct users_scan *scan(bool sysv)
{
	struct users_opts o = { .sysv = sysv };
	struct users_scan *s = NULL;
	int r = users_scan(dfd, &o, &s);
	ck_assert_msg(r == 0, "users_scan: %s", strerror(-r));
	return s;
}

static const struct users_use *use_of(const GPtrArray *uses, pid_t pid)
{
	for (guint i = 0; i < uses->len; i++) {
		const struct users_use *u = uses->pdata[i];
		if (u->proc->pid == pid)
			return u;
	}
	return NULL;
}

/* --- tests --- */

START_TEST(test_map_fd_private)
{
	struct stat st = make_seg("seg", 1 << 20, 0644);
	struct mapping shared = { seg_path("seg"), 65536, MAP_SHARED };
	struct mapping priv = { seg_path("seg"), 8192, MAP_PRIVATE };
	struct kid a = kid_start("mapper", -1, do_map, &shared);
	struct kid b = kid_start("holder", -1, do_hold, seg_path("seg"));
	struct kid c = kid_start("private", -1, do_map, &priv);
	/* the scanning process holds it too, and leaves itself out */
	int own = openat(dfd, "seg", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(own, 0);

	struct users_scan *s = scan(false);
	g_autoptr(GPtrArray) uses = g_ptr_array_new();
	struct users_count n = users_of(s, st.st_dev, st.st_ino, NULL, uses);
	ck_assert_uint_eq(n.nattch, 2);
	ck_assert_uint_eq(n.nusers, 3);
	ck_assert_uint_eq(uses->len, 3);
	const struct users_use *ua = use_of(uses, a.pid), *ub = use_of(uses, b.pid), *uc = use_of(uses, c.pid);
	ck_assert_ptr_nonnull(ua);
	ck_assert_ptr_nonnull(ub);
	ck_assert_ptr_nonnull(uc);
	ck_assert_uint_eq(ua->how, USERS_MAP_SHARED);
	ck_assert_uint_eq(ua->mapped, 65536);
	ck_assert_uint_eq(ua->fds, 0);
	ck_assert_uint_eq(ub->how, USERS_FD);
	ck_assert_uint_eq(ub->mapped, 0);
	ck_assert_uint_eq(ub->fds, 1);
	ck_assert_uint_eq(uc->how, USERS_MAP_PRIVATE);
	ck_assert_uint_eq(uc->mapped, 8192);
	ck_assert_str_eq(ua->proc->comm, "mapper");
	ck_assert_uint_eq(ua->proc->uid, getuid());
	/* by pid, each as pid:comm with how it uses the segment */
	g_autofree char *want = g_strdup_printf("%d:mapper,%d:holder(fd),%d:private(private)",
						(int)a.pid, (int)b.pid, (int)c.pid);
	g_autofree char *got = users_format(uses);
	ck_assert_str_eq(got, want);
	/* an object nobody uses, and one of another file system, have none */
	struct stat other = make_seg("other", 4096, 0644);
	ck_assert_uint_eq(users_of(s, other.st_dev, other.st_ino, NULL, NULL).nusers, 0);
	ck_assert_uint_eq(users_of(s, makedev(0, 1), st.st_ino, NULL, NULL).nusers, 0);
	ck_assert_int_eq(users_pid(s, getpid()), -ESRCH);
	users_scan_free(s);
	close(own);

	/* the children gone: the next scan says so at once */
	kid_end(&a);
	kid_end(&b);
	kid_end(&c);
	s = scan(false);
	n = users_of(s, st.st_dev, st.st_ino, NULL, NULL);
	ck_assert_uint_eq(n.nattch, 0);
	ck_assert_uint_eq(n.nusers, 0);
	users_scan_free(s);
}
END_TEST

/* Many segments, some mapped: each one's count from the same single scan. */
START_TEST(test_many_segments_one_scan)
{
	enum { N = 2000 };
	static ino_t ino[N];
	dev_t dev = 0;
	for (int i = 0; i < N; i++) {
		char name[32];
		snprintf(name, sizeof name, "s%d", i);
		struct stat st = make_seg(name, 4096, 0644);
		ino[i] = st.st_ino, dev = st.st_dev;
	}
	/* one child maps every third segment, another every fifth */
	pid_t kids[2];
	for (int j = 0; j < 2; j++) {
		int step = j ? 5 : 3;
		pid_t pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			for (int i = 0; i < N; i += step) {
				char name[sizeof dir + 16];
				snprintf(name, sizeof name, "%s/s%d", dir, i);
				int fd = open(name, O_RDONLY | O_CLOEXEC);
				if (fd < 0 || mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED)
					_exit(1);
				close(fd);
			}
			raise(SIGSTOP);
			_exit(0);
		}
		int st;
		ck_assert_int_eq(waitpid(pid, &st, WUNTRACED), pid);
		ck_assert(WIFSTOPPED(st));
		kids[j] = pid;
	}
	struct users_scan *s = scan(false);
	for (int i = 0; i < N; i++) {
		unsigned want = (i % 3 == 0) + (i % 5 == 0);
		struct users_count n = users_of(s, dev, ino[i], NULL, NULL);
		ck_assert_msg(n.nattch == want && n.nusers == want, "s%d: nattch %u nusers %u, want %u", i,
			      n.nattch, n.nusers, want);
	}
	users_scan_free(s);
	for (int j = 0; j < 2; j++) {
		int st;
		kill(kids[j], SIGKILL);
		ck_assert_int_eq(waitpid(kids[j], &st, 0), kids[j]);
	}
}
END_TEST

/* The rule: named shmfs, /dev/fuse open, a directory of the file system open. All three, or it
 * counts as a user. */
START_TEST(test_daemon_left_out)
{
	if (!can_run(access("/dev/fuse", R_OK | W_OK) == 0, __func__, "/dev/fuse cannot be opened"))
		return;
	struct stat st = make_seg("seg", 4096, 0644);
	const char *p = seg_path("seg");
	struct kid d = kid_start("shmfs", -1, do_daemonish, p);
	struct kid named = kid_start("shmfs", -1, do_dir_and_map, p); /* no /dev/fuse */
	struct kid other = kid_start("notshmfs", -1, do_daemonish, p);
	struct users_scan *s = scan(false);
	g_autoptr(GPtrArray) uses = g_ptr_array_new();
	struct users_count n = users_of(s, st.st_dev, st.st_ino, NULL, uses);
	ck_assert_uint_eq(n.nattch, 2);
	ck_assert_ptr_null(use_of(uses, d.pid));
	ck_assert_ptr_nonnull(use_of(uses, named.pid));
	ck_assert_ptr_nonnull(use_of(uses, other.pid));
	/* the daemon-like child is a daemon, the two look-alikes are not (other shmfs daemons of
	 * /dev/shm may run beside the test: a mount made by the README's first command, say) */
	const GPtrArray *ds = users_daemons(s);
	bool d_in = false;
	for (guint i = 0; i < ds->len; i++) {
		pid_t pid = ((const struct users_proc *)ds->pdata[i])->pid;
		d_in |= pid == d.pid;
		ck_assert_int_ne(pid, named.pid);
		ck_assert_int_ne(pid, other.pid);
	}
	ck_assert_msg(d_in, "the daemon-like child %d is not among the %u daemons", (int)d.pid, ds->len);
	ck_assert_int_eq(users_pid(s, d.pid), 0);
	users_scan_free(s);
	kid_end(&d);
	kid_end(&named);
	kid_end(&other);
}
END_TEST

/* What a uid may learn: its own processes, not root's; root and CAP_SYS_PTRACE all. */
START_TEST(test_viewer)
{
	struct mapping m;
	struct stat st;
	if (!seg_for_all(__func__, &m, &st))
		return;
	struct kid mine = kid_start("nobodys", NOBODY, do_map, &m);
	struct kid roots = kid_start("roots", -1, do_map, &m);
	struct users_scan *s = scan(false);
	struct users_viewer nobody = { NOBODY, NOBODY, false }, root = { 0, 0, true };
	struct users_viewer root_noptrace = { 0, 0, false };
	g_autoptr(GPtrArray) uses = g_ptr_array_new();
	ck_assert_uint_eq(users_of(s, st.st_dev, st.st_ino, &nobody, uses).nattch, 1);
	ck_assert_int_eq(((const struct users_use *)uses->pdata[0])->proc->pid, mine.pid);
	ck_assert_uint_eq(((const struct users_use *)uses->pdata[0])->proc->uid, NOBODY);
	ck_assert_uint_eq(users_of(s, st.st_dev, st.st_ino, &root, NULL).nattch, 2);
	ck_assert_uint_eq(users_of(s, st.st_dev, st.st_ino, NULL, NULL).nattch, 2);
	/* uid 0 without CAP_SYS_PTRACE: its own uid's processes, not nobody's */
	g_ptr_array_set_size(uses, 0);
	ck_assert_uint_eq(users_of(s, st.st_dev, st.st_ino, &root_noptrace, uses).nattch, 1);
	ck_assert_int_eq(((const struct users_use *)uses->pdata[0])->proc->pid, roots.pid);
	/* a server's view of its callers: root's CAP_SYS_PTRACE, nobody's none, and no capability
	 * lent to a uid the process does not run as */
	ck_assert(users_viewer_of(getpid(), 0, 0).all);
	struct users_viewer of_mine = users_viewer_of(mine.pid, NOBODY, NOBODY);
	ck_assert(!of_mine.all && of_mine.uid == NOBODY && of_mine.gid == NOBODY);
	ck_assert(!users_viewer_of(getpid(), NOBODY, NOBODY).all);
	ck_assert_uint_eq(users_of(s, st.st_dev, st.st_ino, &of_mine, NULL).nattch, 1);
	/* nobody may not see everything: for it, no users would not mean unused */
	ck_assert(!users_complete(s, &nobody));
	ck_assert(users_uid_running(s, NOBODY));
	ck_assert(!users_uid_running(s, 4242));
	users_scan_free(s);
	kid_end(&mine);
	kid_end(&roots);
}
END_TEST

/* The scan made by a process that may not read all of /proc counts what it missed. */
START_TEST(test_unseen_as_nobody)
{
	struct mapping m;
	struct stat st;
	if (!seg_for_all(__func__, &m, &st))
		return;
	struct kid roots = kid_start("roots", -1, do_map, &m);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
		    setresuid(NOBODY, NOBODY, NOBODY) < 0)
			_exit(1);
		struct users_scan *s = NULL;
		if (users_scan(dfd, NULL, &s) < 0)
			_exit(2);
		struct users_viewer self = users_viewer_self();
		if (self.uid != NOBODY || self.all)
			_exit(3);
		if (users_of(s, st.st_dev, st.st_ino, NULL, NULL).nusers != 0) /* root's child unseen */
			_exit(4);
		if (users_unseen(s, NULL) == 0 || users_complete(s, NULL))
			_exit(5);
		if (users_pid(s, roots.pid) != -EACCES || users_pid(s, getppid()) != -EACCES ||
		    users_pid(s, getpid()) != -ESRCH) /* not itself */
			_exit(6);
		users_scan_free(s);
		_exit(0);
	}
	int wst;
	ck_assert_int_eq(waitpid(pid, &wst, 0), pid);
	ck_assert_msg(WIFEXITED(wst) && WEXITSTATUS(wst) == 0, "nobody's scan: step %d", WEXITSTATUS(wst));
	kid_end(&roots);
}
END_TEST

START_TEST(test_sysv)
{
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	ck_assert_int_ge(id, 0);
	struct kid k = kid_start("attacher", -1, do_shmat, &id);
	struct users_scan *s = scan(true);
	g_autoptr(GPtrArray) uses = g_ptr_array_new();
	struct users_count n = users_of_sysv(s, id, NULL, uses);
	ck_assert_uint_eq(n.nattch, 1);
	ck_assert_int_eq(((const struct users_use *)uses->pdata[0])->proc->pid, k.pid);
	ck_assert_uint_eq(((const struct users_use *)uses->pdata[0])->how, USERS_MAP_SHARED);
	ck_assert_uint_eq(((const struct users_use *)uses->pdata[0])->mapped, 4096);
	users_scan_free(s);

	g_autoptr(GArray) list = g_array_new(FALSE, FALSE, sizeof(struct sysvshm));
	ck_assert_int_ge(sysvshm_list(NULL, list), 1);
	const struct sysvshm *seg = NULL;
	for (guint i = 0; i < list->len; i++)
		if (g_array_index(list, struct sysvshm, i).shmid == id)
			seg = &g_array_index(list, struct sysvshm, i);
	ck_assert_ptr_nonnull(seg);
	ck_assert_uint_eq(seg->nattch, 1);
	ck_assert_uint_eq(seg->size, 4096);
	ck_assert_int_eq(seg->cpid, getpid());
	ck_assert_int_eq(seg->lpid, k.pid);
	ck_assert_uint_eq(seg->mode & 0777, 0600);
	ck_assert(!sysvshm_creator_gone(seg)); /* this process made it */

	kid_end(&k);
	s = scan(true);
	ck_assert_uint_eq(users_of_sysv(s, id, NULL, NULL).nusers, 0);
	users_scan_free(s);
	ck_assert_int_eq(shmctl(id, IPC_RMID, NULL), 0);
}
END_TEST

/* A creator's pid that is gone, or taken again by a process younger than the segment. */
START_TEST(test_creator_gone)
{
	struct sysvshm seg = { .cpid = getpid(), .ctime = time(NULL) };
	ck_assert(!sysvshm_creator_gone(&seg));
	seg.ctime = 1000; /* made long before this process started: it cannot be its creator */
	ck_assert(sysvshm_creator_gone(&seg));
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	seg.cpid = pid, seg.ctime = time(NULL);
	ck_assert(sysvshm_creator_gone(&seg));
	seg.cpid = 0; /* outside this pid namespace: unknown */
	ck_assert(!sysvshm_creator_gone(&seg));
}
END_TEST

/* In a pid namespace of its own a scan is complete only when the caller says that is all. */
START_TEST(test_pidns)
{
	if (!can_run(geteuid() == 0, __func__, "needs root (a pid namespace)"))
		return;
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWPID | CLONE_NEWNS) < 0)
			_exit(1);
		pid_t init = fork();
		if (init < 0)
			_exit(2);
		if (init == 0) {
			if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 || /* names ignored */
			    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
				_exit(3);
			struct users_scan *s = NULL;
			struct users_opts all = { .pidns_is_all = true };
			if (users_scan(dfd, NULL, &s) < 0 || !users_in_child_pidns(s) || users_complete(s, NULL))
				_exit(4);
			users_scan_free(s);
			if (users_scan(dfd, &all, &s) < 0 || !users_complete(s, NULL) || users_nprocs(s) != 0)
				_exit(5);
			users_scan_free(s);
			_exit(0);
		}
		int st;
		if (waitpid(init, &st, 0) != init)
			_exit(6);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 7);
	}
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "in a pid namespace: step %d", WEXITSTATUS(st));
}
END_TEST

/* RSS is what tmpfs holds: 8 MiB written into a sparse 1 GiB segment. */
START_TEST(test_resident)
{
	int fd = openat(dfd, "sparse", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 1 << 30), 0);
	static char chunk[1 << 20];
	memset(chunk, 'x', sizeof chunk);
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(pwrite(fd, chunk, sizeof chunk, (off_t)i * 64 * (1 << 20)), sizeof chunk);
	struct stat st;
	ck_assert_int_eq(fstat(fd, &st), 0);
	close(fd);
	ck_assert_uint_eq(st.st_size, 1 << 30);
	ck_assert_uint_eq(users_resident(&st), 8 << 20);
}
END_TEST

START_TEST(test_format)
{
	struct users_proc p1 = { .pid = 7, .comm = "a" }, p2 = { .pid = 9, .comm = "b c" };
	struct users_use u1 = { &p1, USERS_MAP_SHARED | USERS_MAP_PRIVATE | USERS_FD, 8192, 1 };
	struct users_use u2 = { &p2, USERS_MAP_PRIVATE | USERS_FD, 4096, 1 };
	g_autoptr(GPtrArray) a = g_ptr_array_new();
	g_autofree char *none = users_format(a);
	ck_assert_str_eq(none, "");
	g_ptr_array_add(a, &u1);
	g_ptr_array_add(a, &u2);
	g_autofree char *two = users_format(a);
	ck_assert_str_eq(two, "7:a,9:b c(private)");
	/* a process names itself (prctl PR_SET_NAME): a name that would read as more users, or as
	 * another way of use, is written so that it cannot */
	struct users_proc p3 = { .pid = 11, .comm = "x(fd),1:init" };
	struct users_use u3 = { &p3, USERS_MAP_SHARED, 4096, 0 };
	g_ptr_array_add(a, &u3);
	g_autofree char *three = users_format(a);
	ck_assert_str_eq(three, "7:a,9:b c(private),11:x\\x28fd\\x29\\x2c1\\x3ainit");
}
END_TEST

int main(void)
{
	const struct lib_case cases[] = {
		{ "scan", { test_map_fd_private, test_many_segments_one_scan, test_daemon_left_out,
			    test_resident, test_format } },
		{ "viewer", { test_viewer, test_unseen_as_nobody, test_pidns } },
		{ "sysv", { test_sysv, test_creator_gone } },
	};
	Suite *s = suite_create("users");
	lib_add_cases(s, cases, G_N_ELEMENTS(cases));
	return lib_run_suite(s);
}
