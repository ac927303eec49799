/* mount_attack_test.c - what any local user can do to a root shmfs with allow_other over a
 * world-writable dir: slip past ACLs, hang or exhaust the daemon, keep set-ID bits, break listings. */
#include "mount_harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#define M (&g_mnt)
#define OTHER 4242 /* a user with no business on the files below, named in ACLs */

/* ---------------- small helpers ---------------- */

static gint cmp_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names of directory PATH but . and .. (g_strfreev), or NULL with errno set when
 * opendir or readdir failed: a listing that breaks half-way is a failure, not a short list. */
static char **list_names(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return NULL;
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	struct dirent *e;
	for (errno = 0; (e = readdir(d)); errno = 0)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			g_ptr_array_add(names, g_strdup(e->d_name));
	int err = errno;
	closedir(d);
	if (err) {
		g_ptr_array_free(names, TRUE);
		errno = err;
		return NULL;
	}
	g_ptr_array_sort(names, cmp_names);
	g_ptr_array_set_free_func(names, NULL);
	g_ptr_array_add(names, NULL);
	return (char **)g_ptr_array_free(names, FALSE);
}

static bool has_name(char *const *names, const char *name)
{
	for (size_t i = 0; names[i]; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

static void set_type(const char *path, const char *decl)
{
	ck_assert_msg(setxattr(path, "user.shmfs.type", decl, strlen(decl), 0) == 0, "setxattr %s: %s", path,
		      g_strerror(errno));
}

/* How many fds PID has open; -1 when its /proc entry cannot be read. */
static int count_fds(pid_t pid)
{
	return proc_fds(pid, NULL, NULL);
}

struct deleted {
	const char *needle;
	GString *out;
};

static void note_deleted(int fd, const char *target, void *ctx)
{
	struct deleted *d = ctx;
	if (strstr(target, d->needle) && g_str_has_suffix(target, " (deleted)"))
		g_string_append_printf(d->out, "fd %d -> %s\n", fd, target);
}

/* The targets of PID's fds that are deleted files whose path contains NEEDLE, one per line (g_free). */
static char *deleted_fds(pid_t pid, const char *needle)
{
	struct deleted d = { needle, g_string_new("") };
	proc_fds(pid, note_deleted, &d);
	return g_string_free(d.out, FALSE);
}

static long rss_kib(pid_t pid)
{
	g_autofree char *v = proc_status(pid, "VmRSS");
	return atol(v);
}

/* Waits up to SECONDS for the child PID to end and reaps it: true (its status in *WS), or false
 * when it still runs (or hangs in the kernel: it is left as it is, for the caller to unwedge). */
static bool reap_within(pid_t pid, double seconds, int *ws)
{
	double end = now_s() + seconds;
	int st = 0;
	for (;;) {
		pid_t got = waitpid(pid, &st, WNOHANG);
		if (got == pid || (got < 0 && errno == ECHILD)) {
			if (ws)
				*ws = st;
			return true;
		}
		if (now_s() >= end)
			return false;
		sleep_ms(2);
	}
}

/* The state letter of each thread of PID and where it sleeps ("123 D fuse_dev_do_write ..."). */
static char *thread_states(pid_t pid)
{
	g_autofree char *dir = g_strdup_printf("/proc/%d/task", (int)pid);
	GString *out = g_string_new("");
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *tid;
	while (d && (tid = g_dir_read_name(d))) {
		g_autofree char *statp = g_strdup_printf("%s/%s/stat", dir, tid);
		g_autofree char *wchanp = g_strdup_printf("%s/%s/wchan", dir, tid);
		g_autofree char *stat = NULL, *wchan = NULL;
		if (!g_file_get_contents(statp, &stat, NULL, NULL))
			continue;
		g_file_get_contents(wchanp, &wchan, NULL, NULL);
		const char *paren = strrchr(stat, ')');
		g_string_append_printf(out, "%s%s %c %s", out->len ? ", " : "", tid, paren ? paren[2] : '?',
				       wchan && *wchan ? wchan : "-");
	}
	if (!out->len)
		g_string_append(out, "gone");
	return g_string_free(out, FALSE);
}

/* ---------------- 1. POSIX ACLs ---------------- */

/* Two ways to the same thing: the backing file itself and its twin through the mount. */
struct both {
	char *back;
	char *mnt;
};

static struct both both_paths(const char *name)
{
	return (struct both){ back_path(M, "%s", name), mnt_path(M, "%s", name) };
}

static void both_free(struct both *b)
{
	g_free(b->back);
	g_free(b->mnt);
}

/* All of PATH, read as the caller: the bytes (g_free), or NULL with the errno in *ERR. */
static char *try_read(const char *path, int *err)
{
	size_t len;
	char *data = read_file(path, &len);
	*err = data ? 0 : errno;
	return data;
}

static int nobody_denied(const void *arg)
{
	const struct both *p = arg;
	int eb, em;
	g_autofree char *b = try_read(p->back, &eb);
	g_autofree char *m = try_read(p->mnt, &em);
	errno = 0;
	STEP(1, eb == EACCES, "tmpfs: nobody reads %s although u:nobody:--- denies it: %s", p->back,
	     b ? b : strerrorname_np(eb));
	STEP(2, em == EACCES, "mount: nobody read %s although its ACL u:nobody:--- denies it: got %s", p->mnt,
	     m ? g_strescape(m, NULL) : strerrorname_np(em));
	return 0;
}

START_TEST(test_acl_denies_read)
{
	struct both p = both_paths("acl_deny");
	ck_assert_int_eq(write_file(p.back, "secret\n", 7), 0);
	ck_assert_sys(chmod(p.back, 0644));
	g_autofree char *qb = q(p.back);
	ck_assert_int_eq(run("setfacl -m u:nobody:--- %s", qb), 0);
	as_nobody(022, nobody_denied, &p);
	both_free(&p);
}
END_TEST

static int nobody_reads(const void *arg)
{
	const struct both *p = arg;
	int eb, em;
	g_autofree char *b = try_read(p->back, &eb);
	g_autofree char *m = try_read(p->mnt, &em);
	errno = 0;
	STEP(1, b && strcmp(b, "granted\n") == 0, "tmpfs: nobody cannot read %s despite u:nobody:r: %s", p->back,
	     strerrorname_np(eb));
	STEP(2, m && strcmp(m, "granted\n") == 0, "mount: nobody cannot read %s despite its ACL u:nobody:r: %s",
	     p->mnt, m ? g_strescape(m, NULL) : strerrorname_np(em));
	return 0;
}

/* A 0600 root file with one named-user entry that grants nobody read. */
static struct both granted_file(const char *name)
{
	struct both p = both_paths(name);
	ck_assert_int_eq(write_file(p.back, "granted\n", 8), 0);
	ck_assert_sys(chmod(p.back, 0600));
	g_autofree char *qb = q(p.back);
	ck_assert_int_eq(run("setfacl -m u:nobody:r %s", qb), 0);
	return p;
}

START_TEST(test_acl_grants_read)
{
	struct both p = granted_file("acl_grant");
	as_nobody(022, nobody_reads, &p);
	both_free(&p);
}
END_TEST

static char *getfacl(const char *path)
{
	g_autofree char *qp = q(path);
	int st;
	char *out = capture_status(&st, "getfacl --omit-header --absolute-names %s", qp);
	ck_assert_msg(st == 0, "getfacl %s: status %d: %s", path, st, out);
	return out;
}

START_TEST(test_acl_getfacl_through_mount)
{
	struct both p = granted_file("acl_show");
	g_autofree char *want = getfacl(p.back), *got = getfacl(p.mnt);
	ck_assert_msg(strstr(want, "user:nobody:r--"), "tmpfs: getfacl shows no nobody entry:\n%s", want);
	ck_assert_msg(strcmp(want, got) == 0, "getfacl through the mount differs from the backing file's:\n"
		      "--- backing ---\n%s--- mount ---\n%s", want, got);
	both_free(&p);
}
END_TEST

static int owner_sets_acl(const void *arg)
{
	const struct both *p = arg;
	g_autofree char *qm = q(p->mnt);
	g_autofree char *cmd = g_strdup_printf("setfacl -m u:%d:rw %s", OTHER, qm);
	int st = system(cmd);
	STEP(1, st == 0, "mount: the owner's `%s` failed, status %d", cmd, st);
	return 0;
}

static int stranger_sets_acl(const void *arg)
{
	const struct both *p = arg;
	errno = 0;
	int rb = setxattr(p->back, "system.posix_acl_access", "", 0, 0), eb = errno;
	errno = 0;
	int rm = setxattr(p->mnt, "system.posix_acl_access", "", 0, 0), em = errno;
	STEP(1, rb < 0, "tmpfs: a stranger changed the ACL of %s", p->back);
	STEP(2, rm < 0 && em == eb, "mount: a stranger's ACL change of %s gave %d %s, tmpfs %s", p->mnt, rm,
	     strerrorname_np(em), strerrorname_np(eb));
	return 0;
}

START_TEST(test_acl_setfacl_by_owner)
{
	struct both p = both_paths("acl_owned");
	ck_assert_int_eq(write_file(p.back, "mine\n", 5), 0);
	ck_assert_sys(chown(p.back, NOBODY, NOBODY));
	ck_assert_sys(chmod(p.back, 0640));
	as_nobody(022, owner_sets_acl, &p);
	g_autofree char *want = getfacl(p.back), *got = getfacl(p.mnt);
	g_autofree char *entry = g_strdup_printf("user:%d:rw-", OTHER);
	ck_assert_msg(strstr(want, entry), "the ACL set through the mount is not on the backing file:\n%s", want);
	ck_assert_msg(strcmp(want, got) == 0, "getfacl after setfacl differs:\n--- backing ---\n%s--- mount ---\n%s",
		      want, got);
	/* the mask entry is the group bits: the mode shows what the ACL allows at most */
	struct stat sb = xlstat(p.back), sm = xlstat(p.mnt);
	ck_assert_int_eq(sb.st_mode & 07777, 0660);
	ck_assert_int_eq(sm.st_mode & 07777, sb.st_mode & 07777);
	/* and one who owns nothing here may not */
	as_user(OTHER + 1, 022, stranger_sets_acl, &p);
	both_free(&p);
}
END_TEST

static int nobody_shut_out(const void *arg)
{
	const struct both *p = arg;
	g_autofree char *fb = g_strdup_printf("%s/f", p->back), *fm = g_strdup_printf("%s/f", p->mnt);
	struct stat st;
	DIR *d = opendir(p->back);
	STEP(1, !d && errno == EACCES, "tmpfs: nobody lists %s despite u:nobody:---", p->back);
	STEP(2, stat(fb, &st) < 0 && errno == EACCES, "tmpfs: nobody looks up %s despite u:nobody:---", fb);
	d = opendir(p->mnt);
	STEP(3, !d && errno == EACCES, "mount: nobody opened the directory %s, whose ACL gives it ---", p->mnt);
	errno = 0;
	int rs = stat(fm, &st);
	STEP(4, rs < 0 && errno == EACCES, "mount: nobody looked up %s in a directory whose ACL gives it ---", fm);
	int fd = open(fm, O_RDONLY);
	STEP(5, fd < 0 && errno == EACCES, "mount: nobody opened %s in a directory whose ACL gives it ---", fm);
	return 0;
}

START_TEST(test_acl_denies_directory)
{
	struct both p = both_paths("acl_dir");
	ck_assert_sys(mkdir(p.back, 0755));
	ck_assert_sys(chmod(p.back, 0755));
	g_autofree char *f = g_strdup_printf("%s/f", p.back), *fm = g_strdup_printf("%s/f", p.mnt);
	ck_assert_int_eq(write_file(f, "inside\n", 7), 0);
	ck_assert_sys(chmod(f, 0644));
	g_autofree char *qb = q(p.back);
	ck_assert_int_eq(run("setfacl -m u:nobody:--- %s", qb), 0);
	/* root has looked in first: the kernel holds the entries, and must still ask the ACL */
	xlstat(fm);
	as_nobody(022, nobody_shut_out, &p);
	both_free(&p);
}
END_TEST

static int nobody_creates_in(const void *arg)
{
	const struct both *p = arg;
	g_autofree char *fb = g_strdup_printf("%s/native", p->back);
	g_autofree char *fm = g_strdup_printf("%s/mounted", p->mnt);
	g_autofree char *db = g_strdup_printf("%s/native.d", p->back);
	g_autofree char *dm = g_strdup_printf("%s/mounted.d", p->mnt);
	int fd = open(fb, O_WRONLY | O_CREAT | O_EXCL, 0666);
	STEP(1, fd >= 0, "tmpfs: create %s", fb);
	close(fd);
	fd = open(fm, O_WRONLY | O_CREAT | O_EXCL, 0666);
	STEP(2, fd >= 0, "mount: create %s", fm);
	close(fd);
	STEP(3, mkdir(db, 0777) == 0, "tmpfs: mkdir %s", db);
	STEP(4, mkdir(dm, 0777) == 0, "mount: mkdir %s", dm);
	return 0;
}

/* Asserts that NATIVE and MOUNTED (both in the backing dir) have one mode and one ACL. */
static void same_mode_and_acl(const char *native, const char *mounted)
{
	mode_t want = xlstat(native).st_mode & 07777, got = xlstat(mounted).st_mode & 07777;
	g_autofree char *aw = getfacl(native), *ag = getfacl(mounted);
	ck_assert_msg(want == got && strcmp(aw, ag) == 0,
		      "made through the mount under a default ACL: mode %04o, made on tmpfs: %04o\n"
		      "--- ACL on tmpfs ---\n%s--- ACL through the mount ---\n%s",
		      (unsigned)got, (unsigned)want, aw, ag);
}

START_TEST(test_acl_default_inherited)
{
	struct both p = both_paths("acl_inherit");
	ck_assert_sys(mkdir(p.back, 0777));
	ck_assert_sys(chmod(p.back, 0777));
	g_autofree char *qb = q(p.back);
	ck_assert_int_eq(run("setfacl -d -m u:%d:rwx,o::r-x %s", OTHER, qb), 0);
	/* umask 022: on tmpfs a default ACL takes the umask's place, so a file asked for 0666 comes
	 * out 0664 (the ACL's other::r-x takes other's write), not the umask's 0644 */
	as_nobody(022, nobody_creates_in, &p);
	g_autofree char *nb = g_strdup_printf("%s/native", p.back), *mb = g_strdup_printf("%s/mounted", p.back);
	g_autofree char *ndb = g_strdup_printf("%s/native.d", p.back);
	g_autofree char *mdb = g_strdup_printf("%s/mounted.d", p.back);
	ck_assert_int_eq(xlstat(nb).st_mode & 07777, 0664);
	same_mode_and_acl(nb, mb);
	same_mode_and_acl(ndb, mdb);
	ck_assert_int_eq(xlstat(mb).st_uid, NOBODY);
	both_free(&p);
}
END_TEST

/* ---------------- 2. kill -9 under churn ---------------- */

#define KILL_ROUNDS 20
#define MOUNT_CHURNERS 3
#define CHURNERS (MOUNT_CHURNERS + 1)

/* The FUSE connection id of the FUSE mount at MP (what /sys/fs/fuse/connections names it: the
 * minor of its st_dev), from mountinfo, which answers even when the mount itself would hang. */
static long fuse_conn_id(const char *mp)
{
	g_autofree char *text = NULL;
	long id = -1;
	if (!g_file_get_contents("/proc/self/mountinfo", &text, NULL, NULL))
		return -1;
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++) {
		g_auto(GStrv) f = g_strsplit(*l, " ", -1);
		if (g_strv_length(f) < 5)
			continue;
		g_autofree char *at = g_strcompress(f[4]);
		unsigned maj, min;
		if (strcmp(at, mp) == 0 && strstr(*l, " - fuse") && sscanf(f[2], "%u:%u", &maj, &min) == 2)
			id = min; /* the last one: the mount on top */
	}
	return id;
}

/* Aborts FUSE connection ID through fusectl (mounted first when it is not): every request
 * waiting on it fails, so whatever waits for a dead daemon is let go. */
static bool fuse_abort(long id)
{
	const char *ctl = "/sys/fs/fuse/connections";
	g_autofree char *path = g_strdup_printf("%s/%ld/abort", ctl, id);
	if (access(path, F_OK) < 0 && mount("fusectl", ctl, "fusectl", 0, NULL) < 0 && errno != EBUSY)
		fprintf(stderr, "mount -t fusectl %s: %s\n", ctl, g_strerror(errno));
	int fd = open(path, O_WRONLY);
	if (fd < 0) {
		fprintf(stderr, "open %s: %s\n", path, g_strerror(errno));
		return false;
	}
	bool ok = write(fd, "1", 1) == 1;
	close(fd);
	return ok;
}

/* Creates and unlinks names through the mount until killed. */
static _Noreturn void churn_mount(const char *mp, int id)
{
	int dir = open(mp, O_RDONLY | O_DIRECTORY);
	char name[32];
	for (unsigned i = 0;; i++) {
		snprintf(name, sizeof name, "c%d-%u", id, i % 8);
		int fd = openat(dir, name, O_WRONLY | O_CREAT, 0644);
		if (fd >= 0)
			close(fd);
		unlinkat(dir, name, 0);
	}
}

/* Changes names in the backing dir behind the kernel's back until killed: its own names, created,
 * renamed and unlinked, and those the mount's churners use, so that the daemon's watcher has to
 * invalidate entries of the very directory the kernel is busy creating in. */
static _Noreturn void churn_backing(const char *path)
{
	int dir = open(path, O_RDONLY | O_DIRECTORY);
	char a[32], b[32], c[32];
	for (unsigned i = 0;; i++) {
		snprintf(a, sizeof a, "b%u", i % 16);
		snprintf(b, sizeof b, "b%u.r", i % 16);
		snprintf(c, sizeof c, "c%u-%u", i % MOUNT_CHURNERS, i % 8);
		int fd = openat(dir, a, O_WRONLY | O_CREAT, 0644);
		if (fd >= 0)
			close(fd);
		renameat(dir, a, dir, b);
		unlinkat(dir, b, 0);
		fd = openat(dir, c, O_WRONLY | O_CREAT, 0644);
		if (fd >= 0)
			close(fd);
		unlinkat(dir, c, 0);
	}
}

static pid_t spawn_churn(const struct mnt *m, int id)
{
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_sys(pid);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (id < MOUNT_CHURNERS)
			churn_mount(m->mountpoint, id);
		churn_backing(m->backing);
	}
	return pid;
}

/* What a prober saw after kill -9, in memory it shares with the test. */
struct probe {
	int root_err;   /* stat(2) of the mount point: 0 or errno (the kernel may answer from its cache) */
	int statfs_err; /* statfs(2) of it: always a request to the daemon */
	int lookup_err; /* stat(2) of a name never there: a LOOKUP, under the directory's lock */
};

/* A child that probes the mount point until the dead daemon shows (ENOTCONN from statfs and from a
 * lookup; or ECONNABORTED, where it took requests over io_uring: RING), for at most SECONDS, and
 * leaves what it saw last in *P. */
static pid_t spawn_probe(const char *mp, int round, double seconds, bool ring, struct probe *p)
{
	g_autofree char *fresh = g_strdup_printf("%s/never-there-%d", mp, round);
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_sys(pid);
	if (pid == 0) {
		double end = now_s() + seconds;
		struct stat st;
		struct statfs sf;
		p->root_err = stat(mp, &st) == 0 ? 0 : errno;
		do {
			p->statfs_err = statfs(mp, &sf) == 0 ? 0 : errno;
			p->lookup_err = stat(fresh, &st) == 0 ? 0 : errno;
			if (mnt_dead_errno(ring, p->statfs_err) && mnt_dead_errno(ring, p->lookup_err))
				_exit(0);
			usleep(1000);
		} while (now_s() < end);
		_exit(1);
	}
	return pid;
}

static const char *err_name(int err)
{
	return err ? strerrorname_np(err) : "success";
}

/* After a hang: lets everything go (fusectl abort), reaps every process of the round, unmounts,
 * and fails the test with WHAT. Never returns. */
static _Noreturn void unwedge_and_fail(struct mnt *m, long conn, pid_t *pids, int npids, const char *what)
{
	GString *msg = g_string_new(what);
	g_autofree char *daemon = m->daemon > 0 ? thread_states(m->daemon) : g_strdup("reaped");
	g_string_append_printf(msg, "; daemon threads: %s", daemon);
	for (int i = 0; i < npids; i++) {
		if (pids[i] <= 0)
			continue;
		g_autofree char *states = thread_states(pids[i]);
		g_string_append_printf(msg, "; %s %d: %s", i < CHURNERS ? "churner" : "prober", (int)pids[i], states);
	}
	bool aborted = fuse_abort(conn);
	g_string_append_printf(msg, "; fusectl abort of connection %ld: %s", conn, aborted ? "done" : "FAILED");
	for (int i = 0; i < npids; i++) {
		if (pids[i] <= 0)
			continue;
		kill(pids[i], SIGKILL);
		if (!reap_within(pids[i], 5, NULL))
			g_string_append_printf(msg, "; pid %d still not reaped after the abort", (int)pids[i]);
	}
	if (m->daemon > 0) {
		if (!reap_within(m->daemon, 5, NULL))
			g_string_append_printf(msg, "; daemon %d still not reaped after the abort", (int)m->daemon);
		else
			m->daemon = 0;
	}
	g_autofree char *qmp = q(m->mountpoint);
	run("fusermount3 -uz %s 2>/dev/null || umount -l %s", qmp, qmp);
	mnt_stop(m);
	ck_abort_msg("%s", msg->str);
}

/* The hang this guards against: a client creating in a directory holds its lock while it waits for
 * the daemon; the daemon's watcher, told by inotify of a change there, asks the kernel to drop an
 * entry of that directory and waits for the same lock. kill -9 then ends every thread but that one,
 * which keeps /dev/fuse open, so the connection never ends and nothing that waits on it returns.
 * stat(2) of the mount point alone cannot tell: the kernel answers it from its attribute cache
 * even from a dead connection; statfs(2) and a fresh lookup always ask the daemon. */
START_TEST(test_kill9_under_churn_never_hangs)
{
	struct mnt m;
	ck_assert_int_eq(mnt_start(&m, NULL, NULL), 0);
	g_autofree char *qmp = q(m.mountpoint);
	struct probe *probe = mmap(NULL, sizeof *probe, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert(probe != MAP_FAILED);
	for (int round = 0; round < KILL_ROUNDS; round++) {
		long conn = fuse_conn_id(m.mountpoint);
		ck_assert_msg(conn > 0, "round %d: no FUSE connection id for %s in mountinfo", round, m.mountpoint);
		pid_t pids[CHURNERS + 1] = { 0 };
		for (int i = 0; i < CHURNERS; i++)
			pids[i] = spawn_churn(&m, i);
		sleep_ms(100 + (round * 71) % 200);

		bool ring = mnt_ring(&m);
		ck_assert_sys(kill(m.daemon, SIGKILL));
		double killed = now_s();
		pids[CHURNERS] = spawn_probe(m.mountpoint, round, 1.0, ring, probe);
		if (!reap_within(pids[CHURNERS], 1.5, NULL)) {
			g_autofree char *what = g_strdup_printf(
				"round %d of %d: the mount hung: stat(2), statfs(2) and a lookup of the mount point "
				"had not all returned 1.5 s after kill -9 of the daemon", round + 1, KILL_ROUNDS);
			unwedge_and_fail(&m, conn, pids, CHURNERS + 1, what);
		}
		pids[CHURNERS] = 0;
		if (!mnt_dead_errno(ring, probe->statfs_err) || !mnt_dead_errno(ring, probe->lookup_err)) {
			g_autofree char *what = g_strdup_printf(
				"round %d of %d: 1 s after kill -9 the mount still answers as if the daemon lived: "
				"statfs(2) gives %s, a lookup %s (stat of the mount point %s), expected ENOTCONN",
				round + 1, KILL_ROUNDS, err_name(probe->statfs_err), err_name(probe->lookup_err),
				err_name(probe->root_err));
			unwedge_and_fail(&m, conn, pids, CHURNERS, what);
		}
		if (!reap_within(m.daemon, 1.5 - (now_s() - killed), NULL)) {
			g_autofree char *what = g_strdup_printf(
				"round %d of %d: the daemon (pid %d) was not reaped 1.5 s after kill -9 (a zombie "
				"with a thread stuck in the kernel)", round + 1, KILL_ROUNDS, (int)m.daemon);
			unwedge_and_fail(&m, conn, pids, CHURNERS, what);
		}
		m.daemon = 0;
		for (int i = 0; i < CHURNERS; i++) {
			kill(pids[i], SIGKILL);
			if (!reap_within(pids[i], 5, NULL)) {
				g_autofree char *what = g_strdup_printf(
					"round %d of %d: churner %d (pid %d) did not die within 5 s of SIGKILL after "
					"the daemon was gone", round + 1, KILL_ROUNDS, i, (int)pids[i]);
				unwedge_and_fail(&m, conn, pids, CHURNERS, what);
			}
			pids[i] = 0;
		}
		ck_assert_msg(run("fusermount3 -u %s", qmp) == 0, "round %d: fusermount3 -u after kill -9 failed",
			      round + 1);
		ck_assert_msg(mnt_restart(&m, NULL) == 0, "round %d: no new shmfs at the same place", round + 1);
	}
	g_autofree char *p = mnt_path(&m, "after"), *b = back_path(&m, "after");
	ck_assert_int_eq(write_file(p, "after", 5), 0);
	ck_assert(file_equals(b, "after", 5));
	ck_assert_int_eq(mnt_stop(&m), 0);
}
END_TEST

/* ---------------- 3. a view edit and set-ID bits ---------------- */

struct setid_paths {
	char *view;   /* through the mount: the view of a 06777 segment */
	char *native; /* the backing dir: its 06777 twin, written directly */
	char *plain;  /* through the mount: a third 06777 segment, written with write(2) */
};

static int nobody_edits(const void *arg)
{
	const struct setid_paths *p = arg;
	int64_t five = 5;
	int fd = open(p->view, O_WRONLY);
	STEP(1, fd >= 0, "open the view %s", p->view);
	STEP(2, write(fd, "0 a=5\n", 6) == 6, "write the edit to the view");
	STEP(3, close(fd) == 0, "close the view");
	fd = open(p->native, O_WRONLY);
	STEP(4, fd >= 0, "open %s", p->native);
	STEP(5, pwrite(fd, &five, sizeof five, 0) == sizeof five, "write %s", p->native);
	close(fd);
	fd = open(p->plain, O_WRONLY);
	STEP(6, fd >= 0, "open %s", p->plain);
	STEP(7, pwrite(fd, &five, sizeof five, 0) == sizeof five, "write %s", p->plain);
	close(fd);
	return 0;
}

START_TEST(test_view_edit_clears_setid)
{
	const char *names[] = { "setid_view", "setid_native", "setid_plain" };
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree char *b = back_path(M, "%s", names[i]);
		ck_assert_int_eq(write_file(b, "\0\0\0\0\0\0\0\0\1\0\0\0\0\0\0\0", 16), 0);
		ck_assert_sys(chown(b, 0, 0));
		ck_assert_sys(chmod(b, 06777));
		set_type(b, "int64 a");
	}
	struct setid_paths p = { mnt_path(M, "setid_view.txt"), back_path(M, "setid_native"),
				 mnt_path(M, "setid_plain") };
	as_nobody(022, nobody_edits, &p);

	g_autofree char *vb = back_path(M, "setid_view"), *pb = back_path(M, "setid_plain");
	int64_t recs[2] = { 5, 1 };
	ck_assert_msg(file_equals(vb, recs, sizeof recs), "the view edit did not store a=5 in record 0");
	mode_t native = xlstat(p.native).st_mode & 07777;
	mode_t plain = xlstat(pb).st_mode & 07777;
	mode_t view = xlstat(vb).st_mode & 07777;
	ck_assert_msg(native == 0777, "tmpfs: nobody's write left mode %04o, expected 0777", (unsigned)native);
	ck_assert_msg(plain == native, "a write(2) through the mount left mode %04o, tmpfs %04o", (unsigned)plain,
		      (unsigned)native);
	ck_assert_msg(view == native, "nobody's edit through the view left the root segment at mode %04o; the "
		      "same write on tmpfs gives %04o", (unsigned)view, (unsigned)native);
	g_free(p.view);
	g_free(p.native);
	g_free(p.plain);
}
END_TEST

/* ---------------- 4. names too long for their view ---------------- */

/* In a directory of their own: a listing that breaks must not break the other tests' listings. */
START_TEST(test_long_typed_names_list)
{
	static const size_t lens[] = { 251, 252, 255 };
	char names[G_N_ELEMENTS(lens)][256];
	g_autofree char *dir_b = back_path(M, "long"), *dir_m = mnt_path(M, "long");
	ck_assert_sys(mkdir(dir_b, 0755));
	for (size_t i = 0; i < G_N_ELEMENTS(lens); i++) {
		memset(names[i], 'k' + (int)i, lens[i]);
		names[i][lens[i]] = 0;
		g_autofree char *b = back_path(M, "long/%s", names[i]);
		ck_assert_int_eq(write_file(b, "12345678", 8), 0);
		set_type(b, "int64 a");
	}
	g_autofree char *nb = back_path(M, "long/short_typed");
	ck_assert_int_eq(write_file(nb, "12345678", 8), 0);
	set_type(nb, "int64 a");

	g_autofree char *qm = q(dir_m);
	int st;
	g_autofree char *out = capture_status(&st, "LC_ALL=C ls -l %s 2>&1", qm);
	ck_assert_msg(st == 0, "ls -l of a directory with a typed segment of a 252-byte name: status %d:\n%s", st,
		      out);
	ck_assert_msg(!strstr(out, "too long"), "ls -l: %s", out);

	errno = 0;
	g_auto(GStrv) listed = list_names(dir_m);
	ck_assert_msg(listed, "readdir of %s failed: %s", dir_m, g_strerror(errno));
	for (size_t i = 0; i < G_N_ELEMENTS(lens); i++) {
		ck_assert_msg(has_name(listed, names[i]), "the typed segment of %zu bytes is not listed", lens[i]);
		ck_assert_msg(strstr(out, names[i]), "ls -l does not show the segment of %zu bytes", lens[i]);
	}
	ck_assert(has_name(listed, "short_typed"));
	ck_assert(has_name(listed, "short_typed.txt"));
	g_autofree char *v251 = g_strdup_printf("%s.txt", names[0]);
	ck_assert_msg(has_name(listed, v251), "the view of the 251-byte name (255 bytes) is not listed");
	for (size_t i = 0; listed[i]; i++)
		ck_assert_uint_le(strlen(listed[i]), NAME_MAX);
	/* exactly those: the three, the one view that fits, the short one and its view */
	ck_assert_uint_eq(g_strv_length(listed), 6);

	g_autofree char *mv251 = mnt_path(M, "long/%s.txt", names[0]);
	struct stat sv;
	ck_assert_msg(stat(mv251, &sv) == 0, "stat of the 255-byte view: %s", g_strerror(errno));
	for (size_t i = 1; i < G_N_ELEMENTS(lens); i++) {
		g_autofree char *mv = mnt_path(M, "long/%s.txt", names[i]);
		errno = 0;
		ck_assert_int_eq(stat(mv, &sv), -1);
		ck_assert_msg(errno == ENAMETOOLONG || errno == ENOENT, "stat of a %zu-byte view name: %s",
			      lens[i] + 4, strerrorname_np(errno));
	}
	ck_assert(mnt_alive(M));
}
END_TEST

/* ---------------- 5. the daemon's fd limit ---------------- */

#define MANY_SEGS 100000
#define FD_LIMIT 1024

/* Creates N empty segments PREFIX%06d in M's backing dir, straight into tmpfs. */
static void make_empty_segments(const struct mnt *m, const char *prefix, int n)
{
	int dir = open(m->backing, O_RDONLY | O_DIRECTORY);
	ck_assert_sys(dir);
	char name[64];
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof name, "%s%06d", prefix, i);
		int fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		ck_assert_msg(fd >= 0, "create %s: %s", name, g_strerror(errno));
		close(fd);
	}
	close(dir);
}

/* Runs `ls -l DIR` into OUT while sampling DAEMON's fd count: its exit status, the most fds seen. */
static int ls_watching_fds(const char *dir, const char *out, pid_t daemon, int *max_fds)
{
	g_autofree char *qd = q(dir), *qo = q(out);
	g_autofree char *cmd = g_strdup_printf("LC_ALL=C ls -l %s > %s 2>&1", qd, qo);
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_sys(pid);
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	int ws = 0;
	*max_fds = 0;
	double end = now_s() + 120;
	while (waitpid(pid, &ws, WNOHANG) == 0) {
		int n = count_fds(daemon);
		if (n > *max_fds)
			*max_fds = n;
		if (now_s() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &ws, 0);
			return -1;
		}
		sleep_ms(5);
	}
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

/* Lines of FILE that start with C ("-" for a regular file in ls -l). */
static long lines_starting(const char *file, char c)
{
	g_autofree char *text = NULL;
	ck_assert(g_file_get_contents(file, &text, NULL, NULL));
	long n = text[0] == c;
	for (const char *p = text; (p = strchr(p, '\n')); p++)
		n += p[1] == c;
	return n;
}

static int nobody_uses_big_dir(const void *arg)
{
	(void)arg;
	g_autofree char *seg = mnt_path(M, "seg000000"), *made = mnt_path(M, "made-by-nobody");
	g_autofree char *made_b = back_path(M, "made-by-nobody");
	size_t len;
	g_autofree char *data = read_file(seg, &len);
	STEP(1, data && len == 6 && memcmp(data, "hello\n", 6) == 0, "cat %s after ls -l of %d segments", seg,
	     MANY_SEGS);
	int fd = open(made, O_WRONLY | O_CREAT | O_EXCL, 0644);
	STEP(2, fd >= 0, "create %s after ls -l of %d segments", made, MANY_SEGS);
	STEP(3, write(fd, "new\n", 4) == 4, "write %s", made);
	close(fd);
	STEP(4, access(made_b, F_OK) == 0, "%s is not in the backing dir", made_b);
	errno = 0;
	char **names = list_names(M->mountpoint);
	STEP(5, names != NULL, "list %s", M->mountpoint);
	guint n = g_strv_length(names);
	g_strfreev(names);
	STEP(6, n == MANY_SEGS + 1, "listed %u names, expected %d", n, MANY_SEGS + 1);
	return 0;
}

static void many_segs_setup(void)
{
	/* empty files take no blocks, only inodes: room for them and a margin */
	mnt_fixture_start(NULL, "64m,nr_inodes=400k", NULL);
}

START_TEST(test_fd_limit_100k_segments)
{
	make_empty_segments(M, "seg", MANY_SEGS);
	g_autofree char *s0 = back_path(M, "seg000000");
	ck_assert_int_eq(write_file(s0, "hello\n", 6), 0);
	ck_assert_int_eq(run("prlimit --pid %d --nofile=%d:%d", (int)M->daemon, FD_LIMIT, FD_LIMIT), 0);

	g_autofree char *out = g_strdup_printf("%s.ls", M->log);
	int max_fds;
	double t0 = now_s();
	int st = ls_watching_fds(M->mountpoint, out, M->daemon, &max_fds);
	double took = now_s() - t0;
	g_autofree char *tail = capture("tail -n 3 %s", out);
	long files = lines_starting(out, '-');
	unlink(out);
	fprintf(stderr, "ls -l of %d segments: status %d in %.1f s, %ld listed, daemon fds up to %d\n", MANY_SEGS,
		st, took, files, max_fds);
	ck_assert_msg(st == 0, "ls -l of %d segments with the daemon at %d fds: status %d, %ld listed, the last "
		      "lines:\n%s", MANY_SEGS, FD_LIMIT, st, files, tail);
	ck_assert_msg(files == MANY_SEGS, "ls -l listed %ld of %d segments", files, MANY_SEGS);
	ck_assert_msg(max_fds < FD_LIMIT, "the daemon held %d fds during ls -l (limit %d)", max_fds, FD_LIMIT);
	as_nobody(022, nobody_uses_big_dir, NULL);
	int now = count_fds(M->daemon);
	ck_assert_msg(now < FD_LIMIT, "the daemon holds %d fds after nobody's turn (limit %d)", now, FD_LIMIT);
	ck_assert(mnt_alive(M));
}
END_TEST

#define CREATE_SEGS 3000
#define CREATE_LIMIT 256
#define CREATES 40

/* The next segment fNNNNNN from *CURSOR on that the kernel knows (stat works through the mount),
 * or NULL: one that holds a daemon fd, which an unlink through the mount gives back. */
static char *known_segment(int *cursor)
{
	for (; *cursor < CREATE_SEGS; (*cursor)++) {
		char *p = mnt_path(M, "f%06d", *cursor);
		if (stat(p, &(struct stat){ 0 }) == 0) {
			(*cursor)++;
			return p;
		}
		g_free(p);
	}
	return NULL;
}

/* The daemon at its fd limit with one fd free, CREATES times over: a create that needs more than
 * that one must fail cleanly, the name not made, so that a retry is not EEXIST. */
START_TEST(test_fd_limit_failed_create_leaves_nothing)
{
	make_empty_segments(M, "f", CREATE_SEGS);
	ck_assert_int_eq(run("prlimit --pid %d --nofile=%d:%d", (int)M->daemon, CREATE_LIMIT, CREATE_LIMIT), 0);
	g_autofree char *qm = q(M->mountpoint);
	/* the kernel remembers what ls -l looked up, as many inodes as the daemon can give it */
	int st = run("ls -l %s >/dev/null 2>&1", qm);
	fprintf(stderr, "ls -l of %d segments with %d fds: status %d, daemon fds %d\n", CREATE_SEGS, CREATE_LIMIT,
		st, count_fds(M->daemon));
	int cursor = 0, failed = 0, made = 0;
	for (int i = 0; i < CREATES; i++) {
		g_autofree char *victim = known_segment(&cursor);
		if (victim) {
			ck_assert_sys(unlink(victim));
			sleep_ms(20); /* the kernel's FORGET reaches the daemon */
		}
		g_autofree char *mp = mnt_path(M, "late%02d", i), *bp = back_path(M, "late%02d", i);
		errno = 0;
		int fd = open(mp, O_WRONLY | O_CREAT | O_EXCL, 0644), err = errno;
		if (fd >= 0) {
			close(fd);
			made++;
			ck_assert_msg(access(bp, F_OK) == 0, "create of %s worked but it is not in the backing dir", mp);
			continue;
		}
		failed++;
		bool left = access(bp, F_OK) == 0;
		errno = 0;
		int again = open(mp, O_WRONLY | O_CREAT | O_EXCL, 0644), err2 = errno;
		if (again >= 0)
			close(again);
		ck_assert_msg(!left, "create %d at the daemon's fd limit failed with %s, but %s was made in the "
			      "backing dir (a retry gives %s)", i, strerrorname_np(err), bp,
			      again >= 0 ? "success" : strerrorname_np(err2));
	}
	fprintf(stderr, "at the fd limit: %d creates worked, %d failed and left nothing\n", made, failed);
	ck_assert(mnt_alive(M));
}
END_TEST

/* Each file open through the mount holds a daemon fd: one user who opens as many as it can is held
 * to a share of the daemon's fds (an eighth), and the others' opens, creates and listings go on. */
#define SHARE_LIMIT 256
#define SHARE_OPENS 200

static int nobody_opens_all(const void *arg)
{
	const int *pipes = arg; /* [0]: we say how many opened, [1]: the parent says done */
	g_autofree char *p = mnt_path(M, "shared");
	int fds[SHARE_OPENS], n = 0, err = 0;
	for (; n < SHARE_OPENS; n++) {
		if ((fds[n] = open(p, O_RDONLY)) < 0) {
			err = errno;
			break;
		}
	}
	char msg[32];
	int len = snprintf(msg, sizeof msg, "%d %d", n, err);
	STEP(1, write(pipes[0], msg, len) == len, "tell the parent");
	char c;
	STEP(2, read(pipes[1], &c, 1) >= 0, "wait for the parent");
	while (n > 0)
		close(fds[--n]);
	return 0;
}

START_TEST(test_open_files_shared_fairly)
{
	g_autofree char *bp = back_path(M, "shared");
	ck_assert_int_eq(write_file(bp, "open me\n", 8), 0);
	ck_assert_sys(chmod(bp, 0644));
	ck_assert_int_eq(run("prlimit --pid %d --nofile=%d:%d", (int)M->daemon, SHARE_LIMIT, SHARE_LIMIT), 0);
	int up[2], down[2];
	ck_assert_sys(pipe(up));
	ck_assert_sys(pipe(down));
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_sys(pid);
	if (pid == 0) {
		close(up[0]);
		close(down[1]);
		if (become_nobody(022) < 0)
			_exit(100);
		_exit(nobody_opens_all((int[]){ up[1], down[0] }));
	}
	close(up[1]);
	close(down[0]);
	char msg[32] = "";
	ck_assert_int_gt(read(up[0], msg, sizeof msg - 1), 0);
	int opened = 0, err = 0;
	ck_assert_int_eq(sscanf(msg, "%d %d", &opened, &err), 2);
	fprintf(stderr, "nobody opened %d files through the mount before %s (daemon fds: %d)\n", opened,
		strerrorname_np(err), count_fds(M->daemon));
	ck_assert_msg(opened < SHARE_OPENS && err == EMFILE, "nobody opened %d of %d, then %s: not held "
		      "to its share of the daemon's %d fds", opened, SHARE_OPENS, strerrorname_np(err),
		      SHARE_LIMIT);
	/* while nobody holds its share, root opens, creates and lists */
	int fds[20];
	for (int i = 0; i < 20; i++) {
		g_autofree char *mp = mnt_path(M, "root%02d", i);
		fds[i] = open(mp, O_RDWR | O_CREAT, 0600);
		ck_assert_msg(fds[i] >= 0, "root's create %d while nobody holds its share: %s", i,
			      g_strerror(errno));
	}
	for (int i = 0; i < 20; i++)
		close(fds[i]);
	g_autofree char *qm = q(M->mountpoint);
	int status;
	g_autofree char *lines = capture_status(&status, "ls -l %s | grep -c ' root[0-9][0-9]$'", qm);
	ck_assert_msg(status == 0 && atoi(lines) == 20, "root's ls -l while nobody holds its share: %s",
		      lines);
	close(down[1]);
	ck_assert_int_eq(wait_pid(pid, 10), 0);
	close(up[0]);
}
END_TEST

/* Directories keep an fd each only within a quarter of the daemon's limit: 3,000 of them, one
 * segment in each, list and read at 256 fds. */
#define DIRS 3000

START_TEST(test_many_directories_low_fd_limit)
{
	for (int i = 0; i < DIRS; i++) {
		g_autofree char *d = back_path(M, "d%04d", i), *f = back_path(M, "d%04d/seg", i);
		ck_assert_sys(mkdir(d, 0755));
		ck_assert_int_eq(write_file(f, "in a dir", 8), 0);
	}
	ck_assert_int_eq(run("prlimit --pid %d --nofile=256:256", (int)M->daemon), 0);
	g_autofree char *qm = q(M->mountpoint);
	g_autofree char *segs = capture("ls -lR %s 2>&1 | grep -c ' seg$'", qm);
	ck_assert_msg(atoi(segs) == DIRS, "ls -lR at 256 fds listed %s of %d segments", segs, DIRS);
	for (int i = 0; i < DIRS; i += 97) {
		g_autofree char *mp = mnt_path(M, "d%04d/seg", i);
		ck_assert(file_equals(mp, "in a dir", 8));
	}
	ck_assert_int_lt(count_fds(M->daemon), 256);
}
END_TEST

/* ---------------- 6. open directories and the daemon's memory ---------------- */

#define DIR_ENTRIES 10000
#define OPENS 300
#define OPENDIR_GROWTH_MIB 64 /* 300 open handles of one directory: far less than one copy each */

static int nobody_holds_dirs(const void *arg)
{
	const int *pipes = arg; /* [0]: we say ready, [1]: the parent says done */
	g_autofree char *dir = mnt_path(M, "bigdir");
	DIR *held[OPENS];
	for (int i = 0; i < OPENS; i++) {
		held[i] = opendir(dir);
		STEP(1, held[i] != NULL, "opendir %d of %s", i, dir);
		errno = 0;
		STEP(2, readdir(held[i]) != NULL, "readdir of handle %d", i);
	}
	char c = 'r';
	STEP(3, write(pipes[0], &c, 1) == 1, "tell the parent");
	STEP(4, read(pipes[1], &c, 1) >= 0, "wait for the parent");
	for (int i = 0; i < OPENS; i++)
		closedir(held[i]);
	return 0;
}

START_TEST(test_opendir_memory_bounded)
{
	g_autofree char *dir = back_path(M, "bigdir");
	ck_assert_sys(mkdir(dir, 0755));
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	ck_assert_sys(dfd);
	char name[64];
	for (int i = 0; i < DIR_ENTRIES; i++) {
		snprintf(name, sizeof name, "entry-%05d-of-a-big-directory", i);
		int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		ck_assert_sys(fd);
		close(fd);
	}
	close(dfd);
	/* one listing first, so that what it costs once (inodes, the kernel's entries) is in the base */
	g_autofree char *mdir = mnt_path(M, "bigdir");
	g_auto(GStrv) names = list_names(mdir);
	ck_assert_msg(names && g_strv_length(names) == DIR_ENTRIES, "listing %s", mdir);
	long before = rss_kib(M->daemon);

	int ready[2], done[2];
	ck_assert_sys(pipe(ready));
	ck_assert_sys(pipe(done));
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_sys(pid);
	if (pid == 0) {
		close(ready[0]);
		close(done[1]);
		if (become_nobody(022) < 0)
			_exit(100);
		_exit(nobody_holds_dirs((int[]){ ready[1], done[0] }));
	}
	close(ready[1]);
	close(done[0]);
	/* watched while it opens: past the bound the test has failed, and need not wait for all 300
	 * (each opendir costs today's daemon a copy of the whole directory, some 80 ms) */
	long peak = before;
	bool all_open = false;
	double end = now_s() + 50;
	while (!all_open && peak - before < OPENDIR_GROWTH_MIB * 1024L && now_s() < end) {
		struct pollfd pfd = { .fd = ready[0], .events = POLLIN };
		all_open = poll(&pfd, 1, 20) == 1;
		long rss = rss_kib(M->daemon);
		if (rss > peak)
			peak = rss;
	}
	char c;
	bool told = all_open && read(ready[0], &c, 1) == 1;
	if (!told)
		kill(pid, SIGKILL);
	close(done[1]);
	close(ready[0]);
	int ws;
	ck_assert(reap_within(pid, 30, &ws));
	long growth = peak - before;
	fprintf(stderr, "%s %d open handles of a %d-entry directory: daemon VmRSS %ld -> %ld KiB\n",
		told ? "with" : "before", OPENS, DIR_ENTRIES, before, peak);
	ck_assert_msg(growth < OPENDIR_GROWTH_MIB * 1024L,
		      "opendirs by nobody of a %d-entry directory grew the daemon by %ld MiB (%ld -> %ld KiB) "
		      "%s all %d were open; bound %d MiB", DIR_ENTRIES, growth / 1024, before, peak,
		      told ? "when" : "before", OPENS, OPENDIR_GROWTH_MIB);
	ck_assert_msg(told && WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "nobody's %d opendirs failed (step %d)",
		      OPENS, WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
	ck_assert(mnt_alive(M));
}
END_TEST

/* ---------------- 7. memory given back after shm_unlink ---------------- */

#define BIG_SEG (100L << 20)
#define FREE_WINDOW 0.100
#define FREE_SLACK (1L << 20) /* what tmpfs itself may keep for a directory's entries */

enum unlink_way { RM_BACKING, RM_MOUNT, RM_LAST_LINK, RM_RENAMED };
static const char *const unlink_way_name[] = {
	"rm in the backing dir", "rm through the mount", "the last of two hard links removed",
	"renamed in the backing dir, then removed",
};

static unsigned long long free_bytes(const char *dir)
{
	struct statvfs sv;
	ck_assert_sys(statvfs(dir, &sv));
	return (unsigned long long)sv.f_bfree * sv.f_frsize;
}

START_TEST(test_unlink_gives_memory_back)
{
	enum unlink_way way = _i;
	g_autofree char *name = g_strdup_printf("bigv%d", way);
	g_autofree char *b = back_path(M, "%s", name), *mp = mnt_path(M, "%s", name);
	g_autofree char *view = mnt_path(M, "%s.txt", name);
	g_autofree char *b2 = back_path(M, "%s.link", name), *moved = back_path(M, "%s.moved", name);
	unsigned long long base = free_bytes(M->backing);

	g_autofree char *buf = g_malloc(BIG_SEG);
	memset(buf, 0x5a, BIG_SEG);
	ck_assert_int_eq(write_file(b, buf, BIG_SEG), 0);
	set_type(b, "int64 a");
	if (way == RM_LAST_LINK)
		ck_assert_sys(link(b, b2));
	ck_assert_msg(free_bytes(M->backing) + BIG_SEG / 2 < base, "the 100 MiB segment uses no tmpfs blocks");

	/* what a user does: the segment and its view read once through the mount, all closed again */
	char page[4096];
	int fd = open(mp, O_RDONLY);
	ck_assert_sys(fd);
	ck_assert_int_eq(read(fd, page, sizeof page), (ssize_t)sizeof page);
	close(fd);
	fd = open(view, O_RDONLY);
	ck_assert_sys(fd);
	ck_assert_int_eq(read(fd, page, sizeof page), (ssize_t)sizeof page);
	close(fd);

	switch (way) {
	case RM_BACKING:
		ck_assert_sys(unlink(b));
		break;
	case RM_MOUNT:
		ck_assert_sys(unlink(mp));
		break;
	case RM_LAST_LINK:
		ck_assert_sys(unlink(mp));
		ck_assert_sys(unlink(b2));
		break;
	case RM_RENAMED:
		ck_assert_sys(rename(b, moved));
		sleep_ms(20); /* the watcher sees the rename on its own first */
		ck_assert_sys(unlink(moved));
		break;
	}
	double waited;
	bool freed = SEEN_WITHIN(FREE_WINDOW, &waited, free_bytes(M->backing) + FREE_SLACK >= base);
	g_autofree char *held = deleted_fds(M->daemon, name);
	unsigned long long now = free_bytes(M->backing);
	ck_assert_msg(freed && !*held,
		      "%s: %lld KiB of tmpfs still in use %.0f ms after the last name went (free %llu KiB, %llu KiB "
		      "before the segment); the daemon's fds on deleted files:\n%s",
		      unlink_way_name[way], (long long)(base - now) / 1024, FREE_WINDOW * 1000, now / 1024,
		      base / 1024, *held ? held : "(none)\n");
	ck_assert(mnt_alive(M));
}
END_TEST

static void big_setup(void)
{
	mnt_fixture_start(NULL, "512m", NULL);
}

/* ---------------- 8. locks across the mount and shm_open users ---------------- */

enum lock_kind { LOCK_FCNTL, LOCK_FLOCK };
struct lock_case {
	enum lock_kind kind;
	bool holder_through_mount;
};
static const struct lock_case lock_cases[] = {
	{ LOCK_FCNTL, true }, { LOCK_FCNTL, false }, { LOCK_FLOCK, true }, { LOCK_FLOCK, false },
};

/* Takes an exclusive lock of KIND on FD without waiting: 0, or -1 with errno. */
static int lock_now(int fd, enum lock_kind kind)
{
	if (kind == LOCK_FLOCK)
		return flock(fd, LOCK_EX | LOCK_NB);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	return fcntl(fd, F_SETLK, &fl);
}

/* A child that holds a lock of KIND on PATH until *RELEASE (the write end it returns) is closed. */
static pid_t hold_lock(const char *path, enum lock_kind kind, int *release)
{
	int ready[2], go[2];
	ck_assert_sys(pipe(ready));
	ck_assert_sys(pipe(go));
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_sys(pid);
	if (pid == 0) {
		close(ready[0]);
		close(go[1]);
		int fd = open(path, O_RDWR);
		char c = fd >= 0 && lock_now(fd, kind) == 0 ? 'L' : 'F';
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		while (read(go[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	char c = 0;
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	ck_assert_msg(c == 'L', "the holder could not lock %s", path);
	*release = go[1];
	return pid;
}

START_TEST(test_locks_conflict_across_mount)
{
	const struct lock_case *lc = &lock_cases[_i];
	const char *kind = lc->kind == LOCK_FLOCK ? "flock(LOCK_EX)" : "fcntl(F_SETLK, F_WRLCK)";
	g_autofree char *name = g_strdup_printf("locked%d", _i);
	struct both p = both_paths(name);
	ck_assert_int_eq(write_file(p.back, "lock me\n", 8), 0);
	const char *holder_path = lc->holder_through_mount ? p.mnt : p.back;
	const char *other_path = lc->holder_through_mount ? p.back : p.mnt;

	int release;
	pid_t holder = hold_lock(holder_path, lc->kind, &release);
	int fd = open(other_path, O_RDWR);
	ck_assert_sys(fd);
	errno = 0;
	int r = lock_now(fd, lc->kind), e = errno;
	bool conflict = r < 0 && (e == EAGAIN || e == EACCES || e == EWOULDBLOCK);
	struct flock probe = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	if (lc->kind == LOCK_FCNTL && !conflict)
		fcntl(fd, F_GETLK, &probe);
	close(fd); /* drops whatever the second one got */
	close(release);
	int ws;
	ck_assert(reap_within(holder, 10, &ws));
	ck_assert_msg(conflict, "%s held by a process %s did not stop a second process %s: it got %s%s", kind,
		      lc->holder_through_mount ? "through the mount" : "on the backing file (shm_open's side)",
		      lc->holder_through_mount ? "on the backing file" : "through the mount",
		      r == 0 ? "the lock too" : strerrorname_np(e),
		      lc->kind == LOCK_FCNTL && probe.l_type == F_UNLCK ? " (and F_GETLK sees no lock)" : "");
	/* and once the holder is gone the lock is free again (its release may reach the daemon
	 * after its exit: FUSE's RELEASE is asynchronous) */
	fd = open(other_path, O_RDWR);
	ck_assert_sys(fd);
	ck_assert_msg(SEEN_WITHIN(1.0, NULL, lock_now(fd, lc->kind) == 0), "%s: still locked 1 s after the holder "
		      "exited: %s", kind, g_strerror(errno));
	close(fd);
	both_free(&p);
}
END_TEST

/* ---------------- 9. immutable and append-only segments ---------------- */

/* open(PATH, FLAGS) and a write of "x" when it opened: 0 or the errno of the first that failed. */
static int open_write(const char *path, int flags)
{
	int fd = open(path, flags);
	if (fd < 0)
		return errno;
	int err = write(fd, "x", 1) == 1 ? 0 : errno;
	close(fd);
	return err;
}

START_TEST(test_immutable_segment)
{
	struct both p = both_paths("immutable");
	ck_assert_int_eq(write_file(p.back, "frozen bytes\n", 13), 0);
	g_autofree char *qb = q(p.back);
	ck_assert_int_eq(run("chattr +i %s", qb), 0);
	int eb, em;
	g_autofree char *b = try_read(p.back, &eb), *m = try_read(p.mnt, &em);
	int wb = open_write(p.back, O_WRONLY), wm = open_write(p.mnt, O_WRONLY);
	int tb = truncate(p.back, 0) < 0 ? errno : 0, tm = truncate(p.mnt, 0) < 0 ? errno : 0;
	run("chattr -i %s", qb);
	ck_assert_msg(b && strcmp(b, "frozen bytes\n") == 0, "tmpfs: read of a +i file: %s", strerrorname_np(eb));
	ck_assert_msg(m && strcmp(m, "frozen bytes\n") == 0, "a plain read of a chattr +i segment through the "
		      "mount failed: %s", m ? "wrong bytes" : strerrorname_np(em));
	ck_assert_msg(wb == EPERM && wm == wb, "write to a +i file: tmpfs %s, mount %s", strerrorname_np(wb),
		      strerrorname_np(wm));
	ck_assert_msg(tm == tb, "truncate of a +i file: tmpfs %s, mount %s", strerrorname_np(tb),
		      strerrorname_np(tm));
	both_free(&p);
}
END_TEST

START_TEST(test_append_only_segment)
{
	struct both p = both_paths("appendonly");
	ck_assert_int_eq(write_file(p.back, "log\n", 4), 0);
	g_autofree char *qb = q(p.back), *qm = q(p.mnt);
	ck_assert_int_eq(run("chattr +a %s", qb), 0);
	int ab = run("echo native >> %s", qb);
	int am = run("echo mounted >> %s", qm);
	int wb = open_write(p.back, O_WRONLY), wm = open_write(p.mnt, O_WRONLY);
	size_t len;
	g_autofree char *text = read_file(p.back, &len);
	run("chattr -a %s", qb);
	ck_assert_msg(ab == 0, "tmpfs: >> to a +a file: status %d", ab);
	ck_assert_msg(am == 0, "`echo mounted >> %s` on a chattr +a segment failed: status %d", p.mnt, am);
	ck_assert_str_eq(text, "log\nnative\nmounted\n");
	ck_assert_msg(wb == EPERM && wm == wb, "a write without O_APPEND to a +a file: tmpfs %s, mount %s",
		      strerrorname_np(wb), strerrorname_np(wm));
	both_free(&p);
}
END_TEST

/* ---------------- 10. chown(-1, -1) and ctime ---------------- */

START_TEST(test_chown_noop_updates_ctime)
{
	struct both nat = both_paths("ctime_native"), mnt = both_paths("ctime_mounted");
	ck_assert_int_eq(write_file(nat.back, "c", 1), 0);
	ck_assert_int_eq(write_file(mnt.back, "c", 1), 0);
	xlstat(mnt.mnt);
	struct stat nb0 = xlstat(nat.back), mb0 = xlstat(mnt.back);
	sleep_ms(30); /* past the clock's granularity (a jiffy at least) */
	ck_assert_sys(chown(nat.back, (uid_t)-1, (gid_t)-1));
	ck_assert_sys(chown(mnt.mnt, (uid_t)-1, (gid_t)-1));
	struct stat nb1 = xlstat(nat.back), mb1 = xlstat(mnt.back), mm1 = xlstat(mnt.mnt);
	bool nat_moved = nb1.st_ctim.tv_sec != nb0.st_ctim.tv_sec || nb1.st_ctim.tv_nsec != nb0.st_ctim.tv_nsec;
	bool mnt_moved = mb1.st_ctim.tv_sec != mb0.st_ctim.tv_sec || mb1.st_ctim.tv_nsec != mb0.st_ctim.tv_nsec;
	ck_assert_msg(nat_moved, "tmpfs: chown(-1, -1) left ctime alone");
	ck_assert_msg(mnt_moved, "chown(f, -1, -1) through the mount left the segment's ctime at %lld.%09ld; "
		      "tmpfs updates it", (long long)mb1.st_ctim.tv_sec, mb1.st_ctim.tv_nsec);
	ck_assert_msg(mm1.st_ctim.tv_sec == mb1.st_ctim.tv_sec && mm1.st_ctim.tv_nsec == mb1.st_ctim.tv_nsec,
		      "the mount shows ctime %lld.%09ld, the backing file %lld.%09ld", (long long)mm1.st_ctim.tv_sec,
		      mm1.st_ctim.tv_nsec, (long long)mb1.st_ctim.tv_sec, mb1.st_ctim.tv_nsec);
	both_free(&nat);
	both_free(&mnt);
}
END_TEST

/* ---------------- 11. O_TMPFILE ---------------- */

/* O_TMPFILE through the mount, as nobody: a file with no name, nobody's, with its umask, which a
 * later linkat names (in the backing directory too); with O_EXCL it can never be named, as on
 * tmpfs. (libfuse 3.14 has no tmpfile operation: fs/file_ops.c, create_tmpfile.) */
static int tmpfile_as_nobody(const void *arg)
{
	const char *dir = arg;
	int fd = open(dir, O_TMPFILE | O_RDWR, 0666);
	STEP(1, fd >= 0, "open(%s, O_TMPFILE|O_RDWR)", dir);
	struct stat st;
	STEP(2, fstat(fd, &st) == 0 && st.st_uid == NOBODY && (st.st_mode & 07777) == 0644 &&
		st.st_nlink == 0, "fstat: uid %u mode %o nlink %u", (unsigned)st.st_uid,
	     (unsigned)(st.st_mode & 07777), (unsigned)st.st_nlink);
	STEP(3, write(fd, "tmp", 3) == 3, "write");
	g_autofree char *proc = g_strdup_printf("/proc/self/fd/%d", fd);
	g_autofree char *named = g_strdup_printf("%s/was_tmpfile", dir);
	STEP(4, linkat(AT_FDCWD, proc, AT_FDCWD, named, AT_SYMLINK_FOLLOW) == 0, "linkat %s", named);
	close(fd);
	fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL, 0600);
	STEP(5, fd >= 0, "open(O_TMPFILE|O_EXCL)");
	g_autofree char *proc2 = g_strdup_printf("/proc/self/fd/%d", fd);
	g_autofree char *never = g_strdup_printf("%s/never_named", dir);
	STEP(6, linkat(AT_FDCWD, proc2, AT_FDCWD, never, AT_SYMLINK_FOLLOW) < 0 && errno == ENOENT,
	     "linkat of an O_EXCL tmpfile");
	close(fd);
	return 0;
}

START_TEST(test_o_tmpfile)
{
	as_nobody(022, tmpfile_as_nobody, M->backing); /* what tmpfs does, the yardstick */
	g_autofree char *bn = back_path(M, "was_tmpfile");
	ck_assert(file_equals(bn, "tmp", 3));
	ck_assert_sys(unlink(bn));
	as_nobody(022, tmpfile_as_nobody, M->mountpoint);
	ck_assert(file_equals(bn, "tmp", 3));
	struct stat st = xlstat(bn);
	ck_assert_int_eq(st.st_uid, NOBODY);
	ck_assert_int_eq(st.st_mode & 07777, 0644);
	g_autofree char *never = back_path(M, "never_named");
	ck_assert_errno(access(never, F_OK), ENOENT);
}
END_TEST

int main(void)
{
	mnt_require_root("private tmpfs, allow_other, acting as nobody, ACLs, chattr, prlimit of the daemon");
	mnt_require_fuse();
	Suite *s = suite_create("mount_attack");

	TCase *acl = mnt_tcase("acl", mnt_fixture_setup);
	tcase_add_test(acl, test_acl_denies_read);
	tcase_add_test(acl, test_acl_grants_read);
	tcase_add_test(acl, test_acl_getfacl_through_mount);
	tcase_add_test(acl, test_acl_setfacl_by_owner);
	tcase_add_test(acl, test_acl_denies_directory);
	tcase_add_test(acl, test_acl_default_inherited);
	suite_add_tcase(s, acl);

	/* each round mounts its own shmfs: no shared fixture */
	TCase *kill9 = tcase_create("kill9");
	tcase_set_timeout(kill9, 90);
	tcase_add_test(kill9, test_kill9_under_churn_never_hangs);
	suite_add_tcase(s, kill9);

	TCase *misc = mnt_tcase("names_and_bits", mnt_fixture_setup);
	tcase_add_test(misc, test_view_edit_clears_setid);
	tcase_add_test(misc, test_long_typed_names_list);
	tcase_add_test(misc, test_opendir_memory_bounded);
	tcase_add_loop_test(misc, test_locks_conflict_across_mount, 0, G_N_ELEMENTS(lock_cases));
	tcase_add_test(misc, test_immutable_segment);
	tcase_add_test(misc, test_append_only_segment);
	tcase_add_test(misc, test_chown_noop_updates_ctime);
	tcase_add_test(misc, test_o_tmpfile);
	suite_add_tcase(s, misc);

	TCase *many = mnt_tcase("many_segments", many_segs_setup);
	tcase_set_timeout(many, 120);
	tcase_add_test(many, test_fd_limit_100k_segments);
	suite_add_tcase(s, many);

	TCase *create = mnt_tcase("create_at_fd_limit", mnt_fixture_setup);
	tcase_add_test(create, test_fd_limit_failed_create_leaves_nothing);
	tcase_add_test(create, test_open_files_shared_fairly);
	tcase_add_test(create, test_many_directories_low_fd_limit);
	suite_add_tcase(s, create);

	TCase *big = mnt_tcase("unlink_frees", big_setup);
	tcase_add_loop_test(big, test_unlink_gives_memory_back, 0, G_N_ELEMENTS(unlink_way_name));
	suite_add_tcase(s, big);

	return mnt_run_suite(s);
}
