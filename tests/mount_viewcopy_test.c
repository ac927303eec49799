/* mount_viewcopy_test.c - a view is data to every tool: GNU tar --sparse, cp --sparse=always,
 * rsync -S and bsdtar copy exactly the bytes cat reads, for a view of some KB and of a sparse segment. */
#include "mount_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#define M (&g_mnt)
#define DECL "int64 Col1; int64 Col2; int64 Col3"
#define RECORD 24
#define SMALL_RECORDS 200            /* a view of about 14 KB */
#define BIG_SIZE (4 * 1024 * 1024L)  /* a sparse segment: a view of about 12 MB */

static const char *const views[] = { "small.txt", "big.txt" };

static void put_record(int fd, off_t index, int64_t a, int64_t b, int64_t c)
{
	int64_t rec[3] = { a, b, c };
	ck_assert_int_eq(pwrite(fd, rec, sizeof rec, index * RECORD), (ssize_t)sizeof rec);
}

/* Makes the typed segments small (every record set) and big (sparse: three records set). */
static void make_segments(void)
{
	g_autofree char *small = back_path(M, "small"), *big = back_path(M, "big");
	int fd = open(small, O_RDWR | O_CREAT | O_TRUNC, 0644);
	ck_assert_sys(fd);
	for (int i = 0; i < SMALL_RECORDS; i++)
		put_record(fd, i, i, -2 * i, 1000003 * i);
	close(fd);
	fd = open(big, O_RDWR | O_CREAT | O_TRUNC, 0644);
	ck_assert_sys(fd);
	ck_assert_sys(ftruncate(fd, BIG_SIZE));
	off_t last = BIG_SIZE / RECORD - 1;
	put_record(fd, 0, 100, 876, 8021);
	put_record(fd, last / 2, 7, 8, 9);
	put_record(fd, last, -1, INT64_MAX, INT64_MIN);
	close(fd);
	ck_assert_sys(setxattr(small, "user.shmfs.type", DECL, strlen(DECL), 0));
	ck_assert_sys(setxattr(big, "user.shmfs.type", DECL, strlen(DECL), 0));
}

/* A scratch directory off the mount, for archives and copies (rm -rf it with drop_scratch). */
static char *scratch(void)
{
	char *dir = g_strdup("/tmp/shmfs-viewcopy-XXXXXX");
	ck_assert_msg(mkdtemp(dir), "mkdtemp: %s", g_strerror(errno));
	return dir;
}

static void drop_scratch(const char *dir)
{
	g_autofree char *qd = q(dir);
	ck_assert_int_eq(run("rm -rf %s", qd), 0);
}

/* Asserts that COPY holds, byte for byte, what cat reads from the view VIEW through the mount. */
static void same_as_cat(const char *copy, const char *view)
{
	g_autofree char *p = mnt_path(M, "%s", view);
	size_t len;
	g_autofree char *text = read_file(p, &len);
	ck_assert_msg(text, "read %s: %s", p, g_strerror(errno));
	ck_assert_msg(g_str_has_prefix(text, "# shmfs view: " DECL "\n"), "%s is not a view:\n%.200s", p, text);
	if (strcmp(view, "big.txt") == 0)
		ck_assert_msg(g_regex_match_simple("^ *0 +100 +876 +8021$", text, G_REGEX_MULTILINE, 0),
			      "%s does not show record 0:\n%.600s", p, text);
	ck_assert_msg(file_equals(copy, text, len), "%s differs from cat %s (%zu bytes)", copy, p, len);
}

/* Runs the shell command CMD in the scratch directory DIR, with $M the mount point and $N the
 * name NAME, and asserts that it exits 0. */
static void run_ok(const char *cmd, const char *dir, const char *name)
{
	g_autofree char *qm = q(M->mountpoint), *qd = q(dir), *qn = q(name);
	int st;
	g_autofree char *out = capture_status(&st, "export M=%s N=%s; cd %s && %s 2>&1", qm, qn, qd, cmd);
	ck_assert_msg(st == 0, "`%s` exited %d:\n%s", cmd, st, out);
}

/* Each view, copied into the scratch directory by the command COPY of TOOL (of Debian package
 * PACKAGE; run as run_ok runs it, $N the view's name), has the bytes cat reads. */
static void copies_each_view(const char *tool, const char *package, const char *copy)
{
	if (!mnt_have_tool(tool, package))
		return;
	make_segments();
	g_autofree char *dir = scratch();
	for (size_t i = 0; i < G_N_ELEMENTS(views); i++) {
		run_ok(copy, dir, views[i]);
		g_autofree char *copied = g_strdup_printf("%s/%s", dir, views[i]);
		same_as_cat(copied, views[i]);
	}
	drop_scratch(dir);
}

/* Both views archived by the command CREATE of TOOL (of Debian package PACKAGE) and unpacked by
 * EXTRACT into the directory x/ (both run as run_ok runs them) have the bytes cat reads. */
static void archives_views(const char *tool, const char *package, const char *create,
			   const char *extract)
{
	if (!mnt_have_tool(tool, package))
		return;
	make_segments();
	g_autofree char *dir = scratch();
	run_ok(create, dir, "");
	run_ok(extract, dir, "");
	for (size_t i = 0; i < G_N_ELEMENTS(views); i++) {
		g_autofree char *copied = g_strdup_printf("%s/x/%s", dir, views[i]);
		same_as_cat(copied, views[i]);
	}
	drop_scratch(dir);
}

/* What the tools go by: the blocks (a file with fewer than its size looks sparse) and the lseek
 * holes. A view is all data. */
START_TEST(test_view_is_all_data)
{
	make_segments();
	for (size_t i = 0; i < G_N_ELEMENTS(views); i++) {
		g_autofree char *p = mnt_path(M, "%s", views[i]);
		struct stat st;
		ck_assert_sys(stat(p, &st));
		ck_assert_msg(st.st_size > 4096, "%s: %lld bytes", p, (long long)st.st_size);
		ck_assert_int_eq(st.st_blocks, (st.st_size + 511) / 512);
		int fd = open(p, O_RDONLY);
		ck_assert_sys(fd);
		ck_assert_int_eq(lseek(fd, 0, SEEK_DATA), 0);
		ck_assert_int_eq(lseek(fd, 0, SEEK_HOLE), st.st_size);
		ck_assert_int_eq(lseek(fd, st.st_size / 2, SEEK_DATA), st.st_size / 2);
		ck_assert_int_eq(lseek(fd, st.st_size / 2, SEEK_HOLE), st.st_size);
		ck_assert_errno(lseek(fd, st.st_size, SEEK_DATA), ENXIO);
		close(fd);
	}
}
END_TEST

START_TEST(test_gnu_tar_sparse)
{
	archives_views("tar", "tar", "tar --sparse -cf a.tar -C \"$M\" small.txt big.txt",
		       "mkdir x && tar --sparse -xf a.tar -C x");
}
END_TEST

START_TEST(test_bsdtar)
{
	archives_views("bsdtar", "libarchive-tools", "bsdtar -cf a.tar -C \"$M\" small.txt big.txt",
		       "mkdir x && bsdtar -xf a.tar -C x");
}
END_TEST

START_TEST(test_cp_sparse_always)
{
	copies_each_view("cp", "coreutils", "cp --sparse=always \"$M/$N\" .");
}
END_TEST

START_TEST(test_rsync_sparse)
{
	copies_each_view("rsync", "rsync", "rsync -S \"$M/$N\" .");
}
END_TEST

int main(void)
{
	mnt_require_fuse();
	Suite *s = suite_create("mount_viewcopy");
	TCase *tc = mnt_tcase("viewcopy", mnt_fixture_setup);
	tcase_add_test(tc, test_view_is_all_data);
	tcase_add_test(tc, test_gnu_tar_sparse);
	tcase_add_test(tc, test_bsdtar);
	tcase_add_test(tc, test_cp_sparse_always);
	tcase_add_test(tc, test_rsync_sparse);
	suite_add_tcase(s, tc);
	return mnt_run_suite(s);
}
