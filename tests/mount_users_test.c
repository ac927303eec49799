/* mount_users_test.c - a root daemon with allow_other over a sticky 1777 backing dir, seen by another
 * user (uid 65534): no way to another's segment, to a file outside the backing dir, or past a symlink
 * or FIFO planted in it; the daemon itself never opens what a symlink or FIFO points at. */
#include "mount_harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#define M (&g_mnt)
#define OTHER 4242 /* a third user, owner of a segment nobody must not touch */
#define MARKER "TOPSECRET-4f1c9a"

/* --- outside the backing dir: a root-only directory with a secret that has a marker in its bytes
 * and in a user xattr that declares a type (so a view of it would render the marker). --- */
static char outside[PATH_MAX], secret[PATH_MAX + 16];

static void make_outside(void)
{
	if (outside[0])
		return;
	snprintf(outside, sizeof outside, "/tmp/shmfs-outside-%d-XXXXXX", (int)getpid());
	ck_assert_ptr_nonnull(mkdtemp(outside));
	ck_assert_sys(chmod(outside, 0755)); /* nobody may pass, not read the 0600 file */
	snprintf(secret, sizeof secret, "%s/secret", outside);
	ck_assert_int_eq(write_file(secret, MARKER MARKER, 2 * strlen(MARKER)), 0);
	ck_assert_sys(chmod(secret, 0600));
	ck_assert_sys(setxattr(secret, "user.shmfs.type", "char s[16]", 10, 0));
	ck_assert_sys(setxattr(secret, "user.secret", MARKER, strlen(MARKER), 0));
}

static void remove_outside(void)
{
	if (!outside[0])
		return;
	unlink(secret);
	rmdir(outside);
	outside[0] = 0;
}

static void users_setup(void)
{
	mnt_fixture_setup();
	make_outside();
}

static void users_teardown(void)
{
	mnt_fixture_teardown();
	remove_outside();
}

struct fds_on {
	const char *path;
	int n;
	bool all_o_path;
};

static void note_fd_on(int fd, const char *target, void *ctx)
{
	struct fds_on *o = ctx;
	if (strcmp(target, o->path) != 0)
		return;
	o->n++;
	g_autofree char *info = g_strdup_printf("/proc/%d/fdinfo/%d", (int)g_mnt.daemon, fd);
	g_autofree char *text = NULL;
	if (!g_file_get_contents(info, &text, NULL, NULL))
		return;
	const char *f = strstr(text, "flags:");
	unsigned long flags = f ? strtoul(f + 6, NULL, 8) : 0;
	if (!(flags & O_PATH))
		o->all_o_path = false;
}

/* How many fds of the daemon are open on PATH; *ALL_O_PATH says whether all such are O_PATH. */
static int daemon_fds_on(const char *path, bool *all_o_path)
{
	struct fds_on o = { path, 0, true };
	ck_assert_msg(proc_fds(g_mnt.daemon, note_fd_on, &o) >= 0, "cannot read the daemon's fds");
	*all_o_path = o.all_o_path;
	return o.n;
}

/* ---------------- other users' segments ---------------- */

struct two {
	char a[PATH_MAX], b[PATH_MAX], c[PATH_MAX];
};

static int child_sticky(const void *arg)
{
	const struct two *t = arg; /* a: OTHER's 0666 segment, b: nobody's own name, c: root's 0666 */
	int r;
	errno = 0;
	r = unlink(t->a);
	STEP(1, r < 0 && errno == EPERM, "unlink another user's 0666 segment in the sticky dir: %d", r);
	errno = 0;
	r = rename(t->a, t->b);
	STEP(2, r < 0 && errno == EPERM, "rename another user's segment away: %d", r);
	int fd = open(t->b, O_WRONLY | O_CREAT | O_EXCL, 0600);
	STEP(3, fd >= 0, "create own segment %s", t->b);
	close(fd);
	errno = 0;
	r = rename(t->b, t->a);
	STEP(4, r < 0 && errno == EPERM, "rename own segment over another user's: %d", r);
	errno = 0;
	r = renameat2(AT_FDCWD, t->b, AT_FDCWD, t->a, RENAME_EXCHANGE);
	STEP(5, r < 0 && errno == EPERM, "exchange own segment with another user's: %d", r);
	errno = 0;
	r = unlink(t->c);
	STEP(6, r < 0 && errno == EPERM, "unlink root's 0666 segment in the sticky dir: %d", r);
	/* writable 0666: the bytes may change, the name may not */
	fd = open(t->a, O_WRONLY);
	STEP(7, fd >= 0, "open another user's 0666 segment for writing");
	STEP(8, write(fd, "W", 1) == 1, "write");
	close(fd);
	STEP(9, unlink(t->b) == 0, "unlink own segment");
	return 0;
}

START_TEST(test_sticky_other_users)
{
	g_autofree char *ba = back_path(M, "other.seg"), *bc = back_path(M, "root.seg");
	ck_assert_int_eq(write_file(ba, "other", 5), 0);
	ck_assert_sys(chown(ba, OTHER, OTHER));
	ck_assert_sys(chmod(ba, 0666));
	ck_assert_int_eq(write_file(bc, "root", 4), 0);
	ck_assert_sys(chmod(bc, 0666));
	struct two t;
	g_autofree char *ma = mnt_path(M, "other.seg"), *mb = mnt_path(M, "nobody.seg"), *mc = mnt_path(M, "root.seg");
	g_strlcpy(t.a, ma, sizeof t.a);
	g_strlcpy(t.b, mb, sizeof t.b);
	g_strlcpy(t.c, mc, sizeof t.c);
	as_nobody(022, child_sticky, &t);
	ck_assert(file_equals(ba, "Wther", 5));
	ck_assert(file_equals(bc, "root", 4));
	struct stat st = xlstat(ba);
	ck_assert_uint_eq(st.st_uid, OTHER);
	g_autofree char *bb = back_path(M, "nobody.seg");
	ck_assert_errno(lstat(bb, &st), ENOENT);
}
END_TEST

struct xa {
	char own[PATH_MAX], back_own[PATH_MAX];
};

static int child_xattrs(const void *arg)
{
	const struct xa *x = arg;
	int fd = open(x->own, O_RDWR | O_CREAT | O_EXCL, 0644);
	STEP(1, fd >= 0, "create own segment");
	close(fd);
	static const char *const names[] = { "trusted.shmfs", "security.shmfs", "trusted.overlay.opaque",
					     "security.capability" };
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		errno = 0;
		int r = setxattr(x->own, names[i], "y", 1, 0);
		int e = errno;
		/* the same call on the backing file directly: the mount must answer the same */
		errno = 0;
		int rb = setxattr(x->back_own, names[i], "y", 1, 0);
		int eb = errno;
		STEP(10 + (int)i, r < 0 && rb < 0 && e == eb && (e == EPERM || e == EACCES || e == EINVAL),
		     "setxattr %s on own segment: mount %d %s, backing %d %s", names[i], r, strerrorname_np(e),
		     rb, strerrorname_np(eb));
	}
	/* user.* on an own file is allowed */
	STEP(20, setxattr(x->own, "user.mine", "1", 1, 0) == 0, "setxattr user.mine");
	return 0;
}

START_TEST(test_privileged_xattrs_refused)
{
	struct xa x;
	g_autofree char *own = mnt_path(M, "nobody.xa"), *bown = back_path(M, "nobody.xa");
	g_strlcpy(x.own, own, sizeof x.own);
	g_strlcpy(x.back_own, bown, sizeof x.back_own);
	as_nobody(022, child_xattrs, &x);
	char buf[8];
	ck_assert_errno(getxattr(bown, "trusted.shmfs", buf, sizeof buf), ENODATA);
	ck_assert_errno(getxattr(bown, "security.shmfs", buf, sizeof buf), ENODATA);
	ck_assert_int_eq(getxattr(bown, "user.mine", buf, sizeof buf), 1);
	ck_assert_uint_eq(xlstat(bown).st_uid, NOBODY);
}
END_TEST

/* ---------------- outside the backing dir ---------------- */

struct out {
	char mnt[PATH_MAX], secret[PATH_MAX + 16];
};

/* Reads PATH; returns -errno, or the count of bytes read, and fails (returns -1000) if the bytes
 * hold the marker. */
static int read_for_marker(const char *path, int flags)
{
	int fd = open(path, O_RDONLY | flags);
	if (fd < 0)
		return -errno;
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof buf - 1);
	int e = errno;
	close(fd);
	if (n < 0)
		return -e;
	buf[n] = 0;
	if (memmem(buf, (size_t)n, MARKER, strlen(MARKER)))
		return -1000;
	return (int)n;
}

static int child_outside(const void *arg)
{
	const struct out *o = arg;
	char p[PATH_MAX + 64], buf[256];
	int r;

	/* sanity: nobody cannot read the secret directly */
	STEP(1, read_for_marker(o->secret, 0) == -EACCES, "the secret is readable by nobody directly");

	static const char *const links[] = { "abs", "rel", "dirlink/secret", "chain", "procself" };
	for (size_t i = 0; i < G_N_ELEMENTS(links); i++) {
		snprintf(p, sizeof p, "%s/%s", o->mnt, links[i]);
		r = read_for_marker(p, 0);
		STEP(10 + (int)i, r == -EACCES || r == -ENOENT || r == -ELOOP,
		     "open(%s) as nobody: got %d, want EACCES (the kernel follows the link in nobody's view)", p, r);
		if (!strchr(links[i], '/')) {
			r = read_for_marker(p, O_NOFOLLOW);
			STEP(20 + (int)i, r == -ELOOP, "open(%s, O_NOFOLLOW): got %d, want ELOOP", p, r);
			struct stat st;
			STEP(30 + (int)i, lstat(p, &st) == 0 && S_ISLNK(st.st_mode), "lstat(%s) is not a symlink", p);
			/* the xattrs of a link are the link's, never its target's */
			errno = 0;
			ssize_t n = lgetxattr(p, "user.secret", buf, sizeof buf);
			STEP(40 + (int)i, n < 0 && (errno == ENODATA || errno == EPERM || errno == EOPNOTSUPP),
			     "lgetxattr(%s, user.secret) gave %zd bytes", p, n);
			n = llistxattr(p, buf, sizeof buf);
			STEP(50 + (int)i, n <= 0 || !memmem(buf, (size_t)n, "user.secret", 11),
			     "llistxattr(%s) lists the target's xattr", p);
			/* no view of the target's type */
			snprintf(p, sizeof p, "%s/%s.txt", o->mnt, links[i]);
			r = read_for_marker(p, 0);
			STEP(60 + (int)i, r == -ENOENT, "open(%s): got %d, want ENOENT (no view of a link)", p, r);
		}
	}
	/* '..' at the root of the mount is the mount point's parent, never the backing dir's */
	snprintf(p, sizeof p, "%s/..", o->mnt);
	struct stat up, parent;
	g_autofree char *pdir = g_path_get_dirname(o->mnt);
	STEP(70, stat(p, &up) == 0 && stat(pdir, &parent) == 0, "stat %s", p);
	STEP(71, up.st_dev == parent.st_dev && up.st_ino == parent.st_ino, "%s is not the mount point's parent", p);
	snprintf(p, sizeof p, "%s/sub/../../%s", o->mnt, "shmfs-no-such-file");
	STEP(72, access(p, F_OK) < 0 && errno == ENOENT, "%s", p);
	return 0;
}

START_TEST(test_outside_unreachable)
{
	g_autofree char *abs = back_path(M, "abs"), *rel = back_path(M, "rel"), *dl = back_path(M, "dirlink");
	g_autofree char *chain = back_path(M, "chain"), *ps = back_path(M, "procself"), *sub = back_path(M, "sub");
	ck_assert_sys(symlink(secret, abs));
	/* relative to the backing dir (a tmpfs under /tmp), then climbing out */
	g_autofree char *relt = g_strdup_printf("../../../../../../..%s", secret);
	ck_assert_sys(symlink(relt, rel));
	ck_assert_sys(symlink(outside, dl));
	ck_assert_sys(symlink("abs", chain));
	/* resolved in the daemon's view this would be one of the daemon's own fds */
	ck_assert_sys(symlink("/proc/self/fd/3", ps));
	ck_assert_sys(mkdir(sub, 0777));

	/* root through the mount: the kernel follows links in root's view, as for any file system */
	g_autofree char *mabs = mnt_path(M, "abs");
	ck_assert_int_eq(read_for_marker(mabs, 0), -1000);

	struct out o;
	g_strlcpy(o.mnt, g_mnt.mountpoint, sizeof o.mnt);
	g_strlcpy(o.secret, secret, sizeof o.secret);
	as_nobody(022, child_outside, &o);

	bool all_path;
	ck_assert_msg(daemon_fds_on(secret, &all_path) == 0, "the daemon holds an fd on the outside secret");
	/* the listing shows the links as links, and no views for them */
	g_autofree char *ls = capture("ls -1 %s", g_mnt.mountpoint);
	ck_assert_msg(!strstr(ls, ".txt"), "a view appeared for a symlink: %s", ls);
	ck_assert(mnt_alive(M));
}
END_TEST

/* ---------------- FIFO ---------------- */

START_TEST(test_fifo_never_opened)
{
	g_autofree char *bf = back_path(M, "planted.fifo"), *mf = mnt_path(M, "planted.fifo");
	g_autofree char *bs = back_path(M, "plain"), *ms = mnt_path(M, "plain");
	ck_assert_sys(mkfifo(bf, 0666));
	ck_assert_int_eq(write_file(bs, "plain", 5), 0);

	/* stat and readdir answer at once: a daemon that opened the FIFO would block here */
	alarm(10);
	struct stat st;
	ck_assert_sys(stat(mf, &st));
	ck_assert_msg(S_ISFIFO(st.st_mode), "planted.fifo is not a FIFO through the mount: %o", st.st_mode);
	g_autofree char *ls = capture("ls -la %s", g_mnt.mountpoint);
	ck_assert_msg(strstr(ls, "planted.fifo"), "the FIFO is not listed: %s", ls);
	char buf[16];
	ssize_t xn = getxattr(mf, "user.shmfs.type", buf, sizeof buf);
	ck_assert_msg(xn < 0, "a type on the fifo?");

	/* a reader blocks like on any FIFO; meanwhile the daemon serves */
	fflush(NULL);
	pid_t reader = fork();
	ck_assert_sys(reader);
	if (reader == 0) {
		if (become_nobody(022) < 0)
			_exit(100);
		int fd = open(mf, O_RDONLY);
		if (fd < 0)
			_exit(101);
		char c[8];
		ssize_t n = read(fd, c, sizeof c);
		_exit(n == 3 && memcmp(c, "abc", 3) == 0 ? 0 : 102);
	}
	usleep(200 * 1000);
	int ws;
	ck_assert_int_eq(waitpid(reader, &ws, WNOHANG), 0); /* still blocked, as on a FIFO */
	for (int i = 0; i < 20; i++) {
		ck_assert_sys(stat(ms, &st));
		ck_assert_sys(stat(mf, &st));
		ck_assert(file_equals(ms, "plain", 5));
	}
	bool all_path = true;
	int n = daemon_fds_on(bf, &all_path);
	ck_assert_msg(all_path, "the daemon has the planted FIFO open for I/O (%d fds on it)", n);
	/* a writer through the mount meets the reader: the kernel's FIFO, not the daemon */
	int wfd = open(mf, O_WRONLY | O_NONBLOCK);
	ck_assert_sys(wfd);
	ck_assert_int_eq(write(wfd, "abc", 3), 3);
	close(wfd);
	ck_assert_int_eq(waitpid(reader, &ws, 0), reader);
	ck_assert_msg(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "FIFO reader status %d", ws);
	/* O_NONBLOCK readers never wait */
	int rfd = open(mf, O_RDONLY | O_NONBLOCK);
	ck_assert_sys(rfd);
	close(rfd);
	all_path = true;
	daemon_fds_on(bf, &all_path);
	ck_assert_msg(all_path, "the daemon has the planted FIFO open for I/O");
	alarm(0);
	ck_assert(mnt_alive(M));
}
END_TEST

/* A reader as nobody that sees the FIFO's kernel side block must not hold the daemon: the same as
 * above while the planted FIFO sits in the backing dir with no reader at all, and a second daemon
 * operation (truncate, chmod of the FIFO) goes through. */
START_TEST(test_fifo_ops_do_not_block)
{
	g_autofree char *bf = back_path(M, "f2"), *mf = mnt_path(M, "f2");
	ck_assert_sys(mkfifo(bf, 0644));
	alarm(10);
	ck_assert_sys(chmod(mf, 0600));
	ck_assert_uint_eq(xlstat(bf).st_mode & 07777, 0600);
	struct timespec ts[2] = { { .tv_sec = 1000000 }, { .tv_sec = 2000000 } };
	ck_assert_sys(utimensat(AT_FDCWD, mf, ts, 0));
	ck_assert_int_eq(xlstat(bf).st_mtim.tv_sec, 2000000);
	(void)setxattr(mf, "trusted.x", "1", 1, 0); /* any answer, but an answer */
	alarm(0);
	bool all_path = true;
	daemon_fds_on(bf, &all_path);
	ck_assert_msg(all_path, "the daemon opened the FIFO");
	ck_assert(mnt_alive(M));
}
END_TEST

/* ---------------- the swap race ---------------- */

/* Forks a process that for SECONDS keeps renaming over VICTIM, in turn, a symlink TMPL to the
 * secret and a regular file TMPF holding TEXT with mode MODE. */
static pid_t start_swapper(const char *victim, const char *tmpl, const char *tmpf, const char *text, mode_t mode,
			   double seconds)
{
	fflush(NULL);
	pid_t swapper = fork();
	ck_assert_sys(swapper);
	if (swapper == 0) {
		double end = now_s() + seconds;
		while (now_s() < end) {
			unlink(tmpl);
			if (symlink(secret, tmpl) == 0)
				rename(tmpl, victim);
			int fd = open(tmpf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd >= 0) {
				if (write(fd, text, strlen(text)) < 0)
					_exit(3);
				fchmod(fd, mode);
				close(fd);
				rename(tmpf, victim);
			}
		}
		_exit(0);
	}
	return swapper;
}

START_TEST(test_symlink_swap_race)
{
	g_autofree char *victim = back_path(M, "victim"), *tmpf = back_path(M, "victim.newfile");
	g_autofree char *tmpl = back_path(M, "victim.newlink"), *mv = mnt_path(M, "victim");
	const char *pub = "public public public";
	ck_assert_int_eq(write_file(victim, pub, strlen(pub)), 0);
	ck_assert_sys(chmod(victim, 0666));
	double seconds = 2.0;
	pid_t swapper = start_swapper(victim, tmpl, tmpf, pub, 0666, seconds + 0.5);

	/* two readers as nobody: read(2), and mmap (served by the daemon in daemon-served mode) */
	pid_t readers[3];
	for (int k = 0; k < 3; k++) {
		fflush(NULL);
		readers[k] = fork();
		ck_assert_sys(readers[k]);
		if (readers[k])
			continue;
		if (become_nobody(022) < 0)
			_exit(100);
		double end = now_s() + seconds;
		long opened = 0, leaks = 0;
		while (now_s() < end) {
			int fd = open(mv, k == 2 ? O_RDWR : O_RDONLY);
			if (fd < 0)
				continue;
			opened++;
			char buf[256];
			struct stat fst;
			if (k == 2 && fstat(fd, &fst) == 0 && fst.st_size > 0) {
				void *p = mmap(NULL, (size_t)fst.st_size, PROT_READ, MAP_SHARED, fd, 0);
				if (p != MAP_FAILED) {
					if (memmem(p, (size_t)fst.st_size, MARKER, strlen(MARKER)))
						leaks++;
					munmap(p, (size_t)fst.st_size);
				}
			}
			ssize_t n = pread(fd, buf, sizeof buf, 0);
			if (n > 0 && memmem(buf, (size_t)n, MARKER, strlen(MARKER)))
				leaks++;
			n = pread(fd, buf, sizeof buf, strlen(MARKER));
			if (n > 0 && memmem(buf, (size_t)n, MARKER, strlen(MARKER)))
				leaks++;
			close(fd);
		}
		fprintf(stderr, "swap race reader %d: %ld opens, %ld leaks\n", k, opened, leaks);
		_exit(leaks ? 1 : opened ? 0 : 2);
	}
	/* meanwhile the daemon must never hold the secret open */
	int seen = 0;
	double end = now_s() + seconds;
	while (now_s() < end) {
		bool all_path;
		seen += daemon_fds_on(secret, &all_path) > 0;
		usleep(2000);
	}
	for (int k = 0; k < 3; k++) {
		int ws;
		ck_assert_int_eq(waitpid(readers[k], &ws, 0), readers[k]);
		ck_assert_msg(WIFEXITED(ws) && WEXITSTATUS(ws) != 1,
			      "reader %d as nobody read the root-only secret's marker through the swapped name", k);
		ck_assert_msg(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "reader %d status %d", k, ws);
	}
	int ws;
	ck_assert_int_eq(waitpid(swapper, &ws, 0), swapper);
	ck_assert_msg(seen == 0, "the daemon had the outside secret open %d times", seen);
	g_autofree char *content = NULL;
	ck_assert(g_file_get_contents(secret, &content, NULL, NULL));
	ck_assert_str_eq(content, MARKER MARKER); /* the target was never written */
	ck_assert(mnt_alive(M));
}
END_TEST

/* The same race against the setattr paths (truncate, chmod, utimens, setxattr as root through the
 * mount): the daemon must never apply them to the symlink's target. */
START_TEST(test_symlink_swap_race_setattr)
{
	struct stat before = xlstat(secret);
	g_autofree char *victim = back_path(M, "victim2"), *tmpf = back_path(M, "victim2.f");
	g_autofree char *tmpl = back_path(M, "victim2.l"), *mv = mnt_path(M, "victim2");
	ck_assert_int_eq(write_file(victim, "x", 1), 0);
	double seconds = 1.5;
	pid_t swapper = start_swapper(victim, tmpl, tmpf, "", 0644, seconds + 0.3);
	/* as root through the mount, but never following: lchown-like calls on the name only */
	double end = now_s() + seconds;
	long calls = 0;
	while (now_s() < end) {
		struct timespec ts[2] = { { .tv_sec = 7 }, { .tv_sec = 7 } };
		utimensat(AT_FDCWD, mv, ts, AT_SYMLINK_NOFOLLOW);
		lchown(mv, 1, 1);
		lsetxattr(mv, "user.shmfs.type", "int8 x", 6, 0);
		calls++;
	}
	int ws;
	ck_assert_int_eq(waitpid(swapper, &ws, 0), swapper);
	fprintf(stderr, "swap race setattr: %ld rounds\n", calls);
	struct stat after = xlstat(secret);
	ck_assert_int_eq(after.st_uid, before.st_uid);
	ck_assert_int_eq(after.st_gid, before.st_gid);
	ck_assert_int_eq(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
	ck_assert_uint_eq(after.st_mode, before.st_mode);
	char buf[64];
	ssize_t n = getxattr(secret, "user.shmfs.type", buf, sizeof buf);
	ck_assert_int_eq(n, 10);
	ck_assert_int_eq(memcmp(buf, "char s[16]", 10), 0);
	ck_assert(mnt_alive(M));
}
END_TEST

int main(void)
{
	mnt_require_root("a root daemon with allow_other, seen by uid 65534");
	mnt_require_fuse();
	Suite *s = suite_create("mount_users");
	TCase *tc = mnt_tcase_with("users", users_setup, users_teardown);
	tcase_add_test(tc, test_sticky_other_users);
	tcase_add_test(tc, test_privileged_xattrs_refused);
	tcase_add_test(tc, test_outside_unreachable);
	tcase_add_test(tc, test_fifo_never_opened);
	tcase_add_test(tc, test_fifo_ops_do_not_block);
	tcase_add_test(tc, test_symlink_swap_race);
	tcase_add_test(tc, test_symlink_swap_race_setattr);
	suite_add_tcase(s, tc);
	return mnt_run_suite(s);
}
