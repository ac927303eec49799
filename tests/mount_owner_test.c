/* mount_owner_test.c - what an unprivileged user makes through a shmfs mount run by root is that
 * user's, with the user's umask; and the kernel's permission checks hold (default_permissions). */
#include "mount_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#define M (&g_mnt)


struct names {
	char file[PATH_MAX], dir[PATH_MAX], inner[PATH_MAX], fifo[PATH_MAX], link[PATH_MAX], chm[PATH_MAX];
};

static int child_creates(const void *arg)
{
	const struct names *n = arg;
	int fd = open(n->file, O_WRONLY | O_CREAT | O_EXCL, 0666);
	STEP(1, fd >= 0, "open(%s, O_CREAT, 0666)", n->file);
	STEP(2, write(fd, "mine", 4) == 4, "write");
	STEP(3, close(fd) == 0, "close");
	STEP(4, mkdir(n->dir, 0777) == 0, "mkdir(%s, 0777)", n->dir);
	fd = open(n->inner, O_RDWR | O_CREAT | O_EXCL, 0666);
	STEP(5, fd >= 0, "open(%s, O_CREAT, 0666)", n->inner);
	close(fd);
	STEP(6, mkfifo(n->fifo, 0666) == 0, "mkfifo(%s, 0666)", n->fifo);
	STEP(7, symlink("target", n->link) == 0, "symlink(%s)", n->link);
	/* the owner may then do owner things through the mount */
	fd = open(n->chm, O_WRONLY | O_CREAT | O_EXCL, 0666);
	STEP(8, fd >= 0, "open(%s, O_CREAT, 0666)", n->chm);
	close(fd);
	STEP(9, chmod(n->chm, 0604) == 0, "chmod own file");
	STEP(10, truncate(n->file, 2) == 0, "truncate own file");
	return 0;
}

static void check_created(mode_t um, const char *tag)
{
	struct names n;
	g_autofree char *mf = mnt_path(M, "%s.file", tag), *md = mnt_path(M, "%s.dir", tag);
	g_autofree char *mi = mnt_path(M, "%s.dir/inner", tag), *mfi = mnt_path(M, "%s.fifo", tag);
	g_autofree char *ml = mnt_path(M, "%s.link", tag), *mc = mnt_path(M, "%s.chm", tag);
	g_strlcpy(n.file, mf, sizeof n.file);
	g_strlcpy(n.dir, md, sizeof n.dir);
	g_strlcpy(n.inner, mi, sizeof n.inner);
	g_strlcpy(n.fifo, mfi, sizeof n.fifo);
	g_strlcpy(n.link, ml, sizeof n.link);
	g_strlcpy(n.chm, mc, sizeof n.chm);
	as_nobody(um, child_creates, &n);

	const struct {
		const char *suffix;
		mode_t type, mode;
	} want[] = {
		{ "file", S_IFREG, 0666 & ~um },
		{ "chm", S_IFREG, 0604 }, /* the child chmod'ed it */
		{ "dir", S_IFDIR, 0777 & ~um },
		{ "dir/inner", S_IFREG, 0666 & ~um },
		{ "fifo", S_IFIFO, 0666 & ~um },
		{ "link", S_IFLNK, 0 },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
		g_autofree char *bp = back_path(M, "%s.%s", tag, want[i].suffix);
		g_autofree char *mp = mnt_path(M, "%s.%s", tag, want[i].suffix);
		struct stat st = xlstat(bp);
		ck_assert_msg((st.st_mode & S_IFMT) == want[i].type, "%s: wrong type %o", bp, st.st_mode & S_IFMT);
		ck_assert_msg(st.st_uid == NOBODY && st.st_gid == NOBODY, "%s is owned by %u:%u, expected %d:%d", bp,
			      st.st_uid, st.st_gid, NOBODY, NOBODY);
		if (want[i].type != S_IFLNK)
			ck_assert_msg((st.st_mode & 07777) == want[i].mode, "%s (umask %03o): mode %04o, expected %04o",
				      bp, um, st.st_mode & 07777, want[i].mode);
		struct stat sm = xlstat(mp);
		ck_assert_uint_eq(sm.st_uid, st.st_uid);
		ck_assert_uint_eq(sm.st_gid, st.st_gid);
		ck_assert_uint_eq(sm.st_mode, st.st_mode);
	}
	g_autofree char *bf = back_path(M, "%s.file", tag);
	ck_assert(file_equals(bf, "mi", 2));
}

static int child_plain(const void *arg)
{
	const struct names *n = arg;
	int fd = open(n->file, O_WRONLY | O_CREAT | O_EXCL, 0666);
	STEP(1, fd >= 0, "open(%s, O_CREAT, 0666)", n->file);
	close(fd);
	STEP(2, mkdir(n->dir, 0777) == 0, "mkdir(%s, 0777)", n->dir);
	return 0;
}

START_TEST(test_owner_umask_027)
{
	/* the contract's case: a create with 0666 gives 0640, mkdir 0777 gives 0750 */
	struct names n;
	g_autofree char *mf = mnt_path(M, "u027.plain"), *bf = back_path(M, "u027.plain");
	g_autofree char *md = mnt_path(M, "u027.pdir"), *bd = back_path(M, "u027.pdir");
	memset(&n, 0, sizeof n);
	g_strlcpy(n.file, mf, sizeof n.file);
	g_strlcpy(n.dir, md, sizeof n.dir);
	as_nobody(027, child_plain, &n);
	struct stat st = xlstat(bf);
	ck_assert_uint_eq(st.st_uid, NOBODY);
	ck_assert_uint_eq(st.st_gid, NOBODY);
	ck_assert_msg((st.st_mode & 07777) == 0640, "file mode %04o, expected 0640", st.st_mode & 07777);
	st = xlstat(bd);
	ck_assert_uint_eq(st.st_uid, NOBODY);
	ck_assert_uint_eq(st.st_gid, NOBODY);
	ck_assert_msg((st.st_mode & 07777) == 0750, "dir mode %04o, expected 0750", st.st_mode & 07777);
}
END_TEST

START_TEST(test_owner_all_kinds)
{
	static const mode_t umasks[] = { 027, 0, 077, 022 };
	mode_t um = umasks[_i];
	g_autofree char *tag = g_strdup_printf("k%03o", um);
	check_created(um, tag);
}
END_TEST

static int child_denied(const void *arg)
{
	const char *root = arg;
	g_autofree char *secret = g_strdup_printf("%s/secret", root);
	g_autofree char *shared = g_strdup_printf("%s/shared", root);
	g_autofree char *locked = g_strdup_printf("%s/rootdir/x", root);
	g_autofree char *mine = g_strdup_printf("%s/nobody.own", root);
	int fd;

	errno = 0;
	fd = open(secret, O_RDONLY);
	STEP(1, fd < 0 && errno == EACCES, "open root's 0600 file for reading: fd %d, want EACCES", fd);
	fd = open(secret, O_WRONLY);
	STEP(2, fd < 0 && errno == EACCES, "open root's 0600 file for writing: fd %d, want EACCES", fd);
	errno = 0;
	int r = unlink(secret);
	STEP(3, r < 0 && (errno == EPERM || errno == EACCES), "unlink root's file in a sticky dir: %d", r);
	errno = 0;
	r = rename(secret, mine);
	STEP(4, r < 0 && (errno == EPERM || errno == EACCES), "rename root's file in a sticky dir: %d", r);
	errno = 0;
	r = chmod(secret, 0666);
	STEP(5, r < 0 && errno == EPERM, "chmod root's file: %d", r);
	errno = 0;
	r = truncate(secret, 0);
	STEP(6, r < 0 && errno == EACCES, "truncate root's file: %d", r);
	/* 0644: read yes, write no */
	fd = open(shared, O_RDONLY);
	STEP(7, fd >= 0, "open root's 0644 file for reading");
	char buf[16] = { 0 };
	STEP(8, read(fd, buf, sizeof buf) == 6 && memcmp(buf, "shared", 6) == 0, "read root's 0644 file");
	close(fd);
	errno = 0;
	fd = open(shared, O_RDWR);
	STEP(9, fd < 0 && errno == EACCES, "open root's 0644 file for writing: fd %d, want EACCES", fd);
	errno = 0;
	fd = open(locked, O_WRONLY | O_CREAT, 0666);
	STEP(10, fd < 0 && errno == EACCES, "create in root's 0755 dir: fd %d, want EACCES", fd);
	/* an own file cannot be given away */
	fd = open(mine, O_WRONLY | O_CREAT | O_EXCL, 0644);
	STEP(11, fd >= 0, "create own file");
	close(fd);
	errno = 0;
	r = chown(mine, 0, 0);
	STEP(12, r < 0 && errno == EPERM, "chown own file to root: %d", r);
	errno = 0;
	r = setxattr(secret, "user.x", "1", 1, 0);
	STEP(13, r < 0 && errno == EACCES, "setxattr on root's 0600 file: %d", r);
	return 0;
}

START_TEST(test_owner_denied)
{
	g_autofree char *secret = back_path(M, "secret"), *shared = back_path(M, "shared");
	g_autofree char *rootdir = back_path(M, "rootdir");
	ck_assert_int_eq(write_file(secret, "secret", 6), 0);
	ck_assert_sys(chmod(secret, 0600));
	ck_assert_int_eq(write_file(shared, "shared", 6), 0);
	ck_assert_sys(chmod(shared, 0644));
	ck_assert_sys(mkdir(rootdir, 0755));
	ck_assert_uint_eq(xlstat(g_mnt.backing).st_mode & 07777, 01777);
	g_autofree char *mroot = mnt_path(M, ".");
	ck_assert_uint_eq(xlstat(mroot).st_mode & 07777, 01777);

	as_nobody(022, child_denied, g_mnt.mountpoint);

	ck_assert(file_equals(secret, "secret", 6));
	struct stat st = xlstat(secret);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_uint_eq(st.st_uid, 0);
	ck_assert(file_equals(shared, "shared", 6));
	g_autofree char *bx = back_path(M, "rootdir/x"), *bown = back_path(M, "nobody.own");
	ck_assert_errno(lstat(bx, &(struct stat){ 0 }), ENOENT);
	ck_assert_uint_eq(xlstat(bown).st_uid, NOBODY);
	ck_assert_msg(mnt_alive(M), "the daemon died");
}
END_TEST

int main(void)
{
	mnt_require_root("the daemon must run as root and the test becomes uid 65534");
	mnt_require_fuse();
	Suite *s = suite_create("mount_owner");
	TCase *tc = mnt_tcase("owner", mnt_fixture_setup);
	tcase_add_test(tc, test_owner_umask_027);
	tcase_add_loop_test(tc, test_owner_all_kinds, 0, 4);
	tcase_add_test(tc, test_owner_denied);
	suite_add_tcase(s, tc);
	return mnt_run_suite(s);
}
