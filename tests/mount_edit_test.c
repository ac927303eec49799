/* mount_edit_test.c - editing views through a real mount as people do: sed -i, an editor's
 * save-by-rename, a table written back with cat, pasted record lines, edits of many megabytes in
 * one write(2); all or nothing, and the reason of a refusal readable by whoever made it. */
#include "mount_harness.h"
#include "mount_typed.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#define M (&g_mnt)
#define DECL "int64 Col1; int64 Col2; int64 Col3"

static void setup_edits(void)
{
	mnt_fixture_start(NULL, "64m", NULL);
	ck_assert_sys(chmod(M->backing, 01777)); /* as /dev/shm is */
}

/* Segment NAME of N records {i, 10 i, 100 i}, typed. */
static void make_table(const char *name, size_t n)
{
	int64_t *recs = g_new(int64_t, 3 * n);
	for (size_t i = 0; i < n; i++)
		recs[3 * i] = (int64_t)i, recs[3 * i + 1] = 10 * (int64_t)i, recs[3 * i + 2] = 100 * (int64_t)i;
	make_segment(name, (off_t)(n * 24), recs, n * 24);
	set_type(name, DECL);
	g_free(recs);
}

/* Asserts record I of segment NAME (of N records) is {A, B, C}, and every other one as
 * make_table made it (I == SIZE_MAX: every one). */
static void assert_table(const char *name, size_t n, size_t i, int64_t a, int64_t b, int64_t c)
{
	int64_t *got = g_new(int64_t, 3 * n);
	segment_bytes(name, got, n * 24);
	for (size_t k = 0; k < n; k++) {
		int64_t want[3] = { (int64_t)k, 10 * (int64_t)k, 100 * (int64_t)k };
		if (k == i)
			want[0] = a, want[1] = b, want[2] = c;
		ck_assert_msg(memcmp(got + 3 * k, want, sizeof want) == 0,
			      "%s record %zu: %lld %lld %lld, not %lld %lld %lld", name, k,
			      (long long)got[3 * k], (long long)got[3 * k + 1], (long long)got[3 * k + 2],
			      (long long)want[0], (long long)want[1], (long long)want[2]);
	}
	g_free(got);
}

/* How many names the backing directory holds. */
static int backing_names(void)
{
	DIR *d = opendir(M->backing);
	ck_assert_ptr_nonnull(d);
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

/* user.shmfs.error of view PATH for the calling user, or NULL (errno set). */
static char *view_error(const char *path)
{
	char buf[512];
	ssize_t n = getxattr(path, "user.shmfs.error", buf, sizeof buf - 1);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return g_strdup(buf);
}

START_TEST(test_sed_i_edits_the_segment)
{
	make_table("s", 10);
	g_autofree char *view = mnt_path(M, "s.txt");
	ck_assert_int_eq(run("sed -i 's/^ *5 .*/5 55 66 77/' %s", view), 0);
	assert_table("s", 10, 5, 55, 66, 77);

	/* nothing left behind that would hide the view: no s.txt, no temporary file */
	g_autofree char *real = back_path(M, "s.txt");
	struct stat st;
	ck_assert_errno(lstat(real, &st), ENOENT);
	ck_assert_int_eq(backing_names(), 1);
	g_autofree char *text = read_view("s");
	g_auto(GStrv) lines = record_lines(text);
	long long i, a, b, c;
	ck_assert_int_eq(sscanf(lines[5], "%lld %lld %lld %lld", &i, &a, &b, &c), 4);
	ck_assert(i == 5 && a == 55 && b == 66 && c == 77);

	/* a second sed -i on the same view, right after: the name leads to the view again */
	ck_assert_int_eq(run("sed -i 's/^ *5 .*/5 1 2 3/' %s", view), 0);
	assert_table("s", 10, 5, 1, 2, 3);

	/* a sed -i whose result does not parse fails, and changes nothing */
	make_table("t", 4);
	g_autofree char *tview = mnt_path(M, "t.txt");
	ck_assert_int_ne(run("sed -i 's/^ *2 .*/2 1 2 oops/' %s 2>/dev/null", tview), 0);
	assert_table("t", 4, SIZE_MAX, 0, 0, 0);
}
END_TEST

/* An editor's save: the new text goes to a temporary file beside the view, renamed over it. */
START_TEST(test_save_by_rename)
{
	make_table("e", 6);
	g_autofree char *view = mnt_path(M, "e.txt"), *swap = mnt_path(M, ".e.txt.swp");
	g_autofree char *text = read_view("e");
	GString *edited = g_string_new(text);
	char *line3 = strstr(edited->str, "\n3 ");
	ck_assert_ptr_nonnull(line3);
	/* the whole record line 3 as pasted over by the user, the rest as it was */
	size_t at = (size_t)(line3 - edited->str) + 1;
	size_t len = strcspn(edited->str + at, "\n");
	g_string_erase(edited, (gssize)at, (gssize)len);
	g_string_insert(edited, (gssize)at, "3   -1  -2    -3");
	ck_assert_int_eq(write_file(swap, edited->str, edited->len), 0);
	ck_assert_sys(rename(swap, view));
	assert_table("e", 6, 3, -1, -2, -3);
	struct stat st;
	ck_assert_errno(stat(swap, &st), ENOENT);
	ck_assert_int_eq(backing_names(), 1);
	ck_assert_sys(stat(view, &st));
	ck_assert_int_eq(st.st_size, (off_t)strlen(text));

	/* a bad file renamed over the view: EINVAL, the segment as it was, the file kept (the
	 * user's text is not lost), and the reason for whoever tried */
	g_string_append(edited, "7 Col1=1\n");
	ck_assert_int_eq(write_file(swap, edited->str, edited->len), 0);
	ck_assert_errno(rename(swap, view), EINVAL);
	assert_table("e", 6, 3, -1, -2, -3);
	ck_assert_sys(stat(swap, &st));
	g_autofree char *why = view_error(view);
	ck_assert_msg(why && strstr(why, "index 7 is past the last record (6 records)"), "error: %s",
		      why ? why : g_strerror(errno));
	ck_assert_sys(unlink(swap));

	/* RENAME_NOREPLACE over a view: it exists */
	ck_assert_int_eq(write_file(swap, "0 Col1=9\n", 9), 0);
	ck_assert_errno(renameat2(AT_FDCWD, swap, AT_FDCWD, view, RENAME_NOREPLACE), EEXIST);
	g_string_free(edited, TRUE);
}
END_TEST

/* A real file X.txt beside typed X wins: a file renamed over it (sed -i of the real file) replaces
 * that file, and X is not edited. */
START_TEST(test_rename_over_real_txt)
{
	make_table("r", 4);
	g_autofree char *real = back_path(M, "r.txt"), *mreal = mnt_path(M, "r.txt");
	g_autofree char *tmp = mnt_path(M, "r.txt.new");
	ck_assert_int_eq(write_file(real, "notes\n", 6), 0);
	ck_assert_int_eq(write_file(tmp, "0 Col1=77\n", 10), 0);
	ck_assert_sys(rename(tmp, mreal));
	assert_table("r", 4, SIZE_MAX, 0, 0, 0);
	size_t len;
	g_autofree char *now = read_file(real, &len);
	ck_assert_ptr_nonnull(now);
	ck_assert_str_eq(now, "0 Col1=77\n");
	struct stat st;
	ck_assert_errno(stat(tmp, &st), ENOENT);
}
END_TEST

/* `cat edited > view`: the whole table written back stores what changed, and only that: a
 * sparse segment stays sparse. */
START_TEST(test_table_written_back)
{
	const size_t n = 100000; /* 2.4 MB of holes */
	make_segment("h", (off_t)(n * 24), NULL, 0);
	set_type("h", DECL);
	g_autofree char *view = mnt_path(M, "h.txt");
	g_autofree char *copy = g_strdup_printf("%s/h-copy-%d.txt", g_get_tmp_dir(), (int)getpid());
	ck_assert_int_eq(run("cat %s > %s", view, copy), 0);
	ck_assert_int_eq(run("sed -i 's/^ *77777 .*/77777 1 2 3/' %s", copy), 0);
	ck_assert_int_eq(run("cat %s > %s", copy, view), 0);
	unlink(copy);

	g_autofree char *seg = back_path(M, "h");
	struct stat st;
	ck_assert_sys(stat(seg, &st));
	ck_assert_int_le(st.st_blocks, 8 * 2); /* a page or two, not 2.4 MB */
	int64_t rec[3], zero[3] = { 0 };
	int fd = open(seg, O_RDONLY);
	ck_assert_sys(fd);
	ck_assert_int_eq(pread(fd, rec, sizeof rec, 77777 * 24), 24);
	ck_assert(rec[0] == 1 && rec[1] == 2 && rec[2] == 3);
	ck_assert_int_eq(pread(fd, rec, sizeof rec, 77776 * 24), 24);
	ck_assert(memcmp(rec, zero, sizeof zero) == 0);
	close(fd);
}
END_TEST

/* A record line pasted as the view prints it, or with any blanks, edits that record. */
START_TEST(test_pasted_record_line)
{
	make_table("p", 8);
	g_autofree char *view = mnt_path(M, "p.txt");
	ck_assert_int_eq(run("echo '4 7 8 9' > %s", view), 0);
	assert_table("p", 8, 4, 7, 8, 9);
	g_autofree char *text = read_view("p");
	g_auto(GStrv) lines = record_lines(text);
	g_autofree char *line2 = g_strdup(lines[2]); /* "2    20   200" as printed */
	g_autofree char *quoted = q(line2);
	ck_assert_int_eq(run("printf '%%s\\n' %s > %s", quoted, view), 0);
	assert_table("p", 8, 4, 7, 8, 9); /* as it was: nothing changed */
	ck_assert_int_eq(run("printf '\\t4\\t-1 -2\\t-3  \\r\\n' > %s", view), 0);
	assert_table("p", 8, 4, -1, -2, -3);
}
END_TEST

static int bad_edit_as_user(const void *arg)
{
	const char *view = arg;
	int fd = open(view, O_WRONLY);
	if (fd < 0)
		return 10;
	errno = 0;
	if (write(fd, "0 Col9=1\n", 9) != -1 || errno != EINVAL)
		return 11;
	close(fd);
	g_autofree char *why = view_error(view);
	return why && strstr(why, "line 1, col 3: unknown field 'Col9'") ? 0 : 12;
}

/* A bad line anywhere in a 1000-line rewrite changes nothing; the writer's tool fails, and the
 * reason is there for that user alone. */
START_TEST(test_bad_line_changes_nothing)
{
	make_table("b", 1000);
	g_autofree char *view = mnt_path(M, "b.txt");
	g_autofree char *copy = g_strdup_printf("%s/b-copy-%d.txt", g_get_tmp_dir(), (int)getpid());
	ck_assert_int_eq(run("cat %s | sed 's/^ *\\([0-9]*\\) .*/\\1 5 5 5/; s/^900 5 5 5/900 5 5 x/' > %s",
			     view, copy), 0);
	ck_assert_int_ne(run("cat %s > %s 2>/dev/null", copy, view), 0);
	unlink(copy);
	assert_table("b", 1000, SIZE_MAX, 0, 0, 0);
	g_autofree char *why = view_error(view);
	ck_assert_msg(why && strstr(why, "line 908, col 9: 'x' is not a valid int64 for field 'Col3'"),
		      "error: %s", why ? why : g_strerror(errno));

	if (!mnt_is_root())
		return;
	make_table("pub", 2);
	g_autofree char *seg = back_path(M, "pub");
	ck_assert_sys(chmod(seg, 0666));
	g_autofree char *pview = mnt_path(M, "pub.txt");
	as_nobody(022, bad_edit_as_user, pview);
	char buf[64];
	ck_assert_errno(getxattr(pview, "user.shmfs.error", buf, sizeof buf), ENODATA);
	/* a good edit clears the writer's own */
	ck_assert_int_eq(run("echo '0 Col1=3' > %s", view), 0);
	ck_assert_errno(getxattr(view, "user.shmfs.error", buf, sizeof buf), ENODATA);
	ck_assert_errno(setxattr(view, "user.shmfs.error", "x", 1, 0), EPERM);
}
END_TEST

/* N assignment lines "I Col2=-I" for records [0, N), followed by TAIL. */
static GString *big_edit(size_t n, const char *tail)
{
	GString *s = g_string_sized_new(n * 16);
	for (size_t i = 0; i < n; i++)
		g_string_append_printf(s, "%zu Col2=-%zu\n", i, i);
	g_string_append(s, tail);
	return s;
}

/* Writes TEXT to VIEW in one write(2); returns what close(2) gave: 0 or -errno. Sets *WROTE. */
static int write_once(const char *view, const GString *text, ssize_t *wrote)
{
	int fd = open(view, O_WRONLY);
	ck_assert_sys(fd);
	*wrote = write(fd, text->str, text->len);
	int werr = errno;
	int res = close(fd) < 0 ? -errno : 0;
	errno = werr;
	return res;
}

/* Edits of 8 MiB in one write(2), which the kernel sends in 1 MiB requests: all or nothing. */
START_TEST(test_large_edit_all_or_nothing)
{
	const size_t n = 600000; /* 14.4 MB of records, 9 MB of edit text */
	make_segment("big", (off_t)(n * 24), NULL, 0);
	set_type("big", DECL);
	g_autofree char *view = mnt_path(M, "big.txt");

	/* a bad last line: nothing changes, write(2) or close(2) says why */
	g_autoptr(GString) bad = big_edit(n, "5 Col2=1 Col9=2\n");
	ck_assert_uint_gt(bad->len, 8u << 20);
	ssize_t wrote;
	int res = write_once(view, bad, &wrote);
	ck_assert_msg(wrote < (ssize_t)bad->len && res == -EINVAL, "wrote %zd of %zu, close %d", wrote,
		      bad->len, res);
	g_autofree char *seg = back_path(M, "big");
	struct stat st;
	ck_assert_sys(stat(seg, &st));
	ck_assert_int_eq(st.st_blocks, 0);

	/* the same without it: every line stored, and only once the file is closed */
	g_autoptr(GString) good = big_edit(n, "");
	int fd = open(view, O_WRONLY);
	ck_assert_sys(fd);
	ck_assert_int_eq(write(fd, good->str, good->len), (ssize_t)good->len);
	int64_t rec[6];
	segment_bytes("big", rec, sizeof rec);
	ck_assert_msg(rec[4] == 0, "record 1 stored before close: Col2 = %lld", (long long)rec[4]);
	ck_assert_sys(stat(seg, &st));
	ck_assert_int_eq(st.st_blocks, 0); /* nothing stored yet, nothing allocated */
	ck_assert_sys(close(fd));
	int64_t *all = g_new(int64_t, 3 * n);
	segment_bytes("big", all, n * 24);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(all[3 * i] == 0 && all[3 * i + 1] == -(int64_t)i && all[3 * i + 2] == 0,
			      "record %zu", i);
	g_free(all);
}
END_TEST

/* An edit into the holes of a nearly full tmpfs: ENOSPC, and not a byte changed or kept. */
START_TEST(test_edit_into_holes_of_full_tmpfs)
{
	const size_t n = 600000;
	make_segment("holes", (off_t)(n * 24), NULL, 0);
	set_type("holes", DECL);
	/* leave 4 MiB free: the edit needs 14 MB of pages */
	struct statvfs vfs;
	ck_assert_sys(statvfs(M->backing, &vfs));
	size_t fill = (size_t)vfs.f_bavail * vfs.f_frsize - (4u << 20);
	g_autofree char *filler = back_path(M, "filler");
	int ffd = open(filler, O_WRONLY | O_CREAT, 0600);
	ck_assert_sys(ffd);
	ck_assert_sys(fallocate(ffd, 0, 0, (off_t)fill));
	close(ffd);
	ck_assert_sys(statvfs(M->backing, &vfs));
	fsblkcnt_t free_before = vfs.f_bavail;

	g_autofree char *view = mnt_path(M, "holes.txt");
	g_autoptr(GString) edit = big_edit(n, "");
	ssize_t wrote;
	int res = write_once(view, edit, &wrote);
	ck_assert_msg(wrote < (ssize_t)edit->len && res == -ENOSPC, "wrote %zd (%s), close %d", wrote,
		      g_strerror(errno), res);
	int64_t *all = g_new0(int64_t, 3 * n), *zero = g_new0(int64_t, 3 * n);
	segment_bytes("holes", all, n * 24);
	ck_assert(memcmp(all, zero, n * 24) == 0);
	g_free(all);
	g_free(zero);
	ck_assert_sys(statvfs(M->backing, &vfs));
	ck_assert_int_ge(vfs.f_bavail + 16, free_before); /* what the edit had allocated, back */
	g_autofree char *why = view_error(view);
	ck_assert_msg(why && strstr(why, "no room"), "error: %s", why ? why : g_strerror(errno));
	ck_assert(mnt_alive(M));
}
END_TEST

/* Until the file is closed or fsynced, readers see the segment as it was. */
START_TEST(test_fsync_stores_the_edit)
{
	make_table("f", 3);
	g_autofree char *view = mnt_path(M, "f.txt");
	int fd = open(view, O_WRONLY | O_APPEND);
	ck_assert_sys(fd);
	ck_assert_int_eq(write(fd, "1 Col1=5\n", 9), 9);
	assert_table("f", 3, SIZE_MAX, 0, 0, 0);
	ck_assert_sys(fsync(fd));
	assert_table("f", 3, 1, 5, 10, 100);
	ck_assert_int_eq(write(fd, "1 Col3=", 7), 7);
	ck_assert_int_eq(write(fd, "6\n", 2), 2); /* a line cut between two write(2)s */
	ck_assert_sys(close(fd));
	assert_table("f", 3, 1, 5, 10, 6);
}
END_TEST

static int rename_over_as_user(const void *arg)
{
	const char *view = arg;
	g_autofree char *tmp = g_strdup_printf("%s.nobody", view);
	if (write_file(tmp, "0 Col1=1\n", 9) != 0)
		return 10;
	if (rename(tmp, view) == 0)
		return 11;
	int err = errno;
	struct stat st;
	if (stat(tmp, &st) != 0)
		return 12;
	unlink(tmp);
	return err == EPERM || err == EACCES ? 0 : 13;
}

/* Renaming over a view is a write to its segment: one the user may not write stays as it is. */
START_TEST(test_rename_over_needs_write)
{
	if (!mnt_is_root()) {
		fprintf(stderr, "\n***** SKIP test_rename_over_needs_write: needs root *****\n");
		return;
	}
	make_table("mine", 2);
	g_autofree char *view = mnt_path(M, "mine.txt");
	as_nobody(022, rename_over_as_user, view);
	assert_table("mine", 2, SIZE_MAX, 0, 0, 0);
}
END_TEST

static void setup_small_share(void)
{
	g_setenv("SHMFS_TEST_EDIT_MEMORY", "1048576", TRUE); /* the daemon's: 1 MiB a user */
	setup_edits();
	g_unsetenv("SHMFS_TEST_EDIT_MEMORY");
}

/* An edit larger than one user's share of the daemon's memory: EFBIG, nothing stored, the memory
 * given back (the next edit goes through). */
START_TEST(test_edit_past_memory_share)
{
	const size_t n = 100000; /* every record changed: 2.4 MB of values, more than the share */
	make_table("m", n);
	g_autofree char *view = mnt_path(M, "m.txt");
	g_autoptr(GString) edit = big_edit(n, "");
	ssize_t wrote;
	int res = write_once(view, edit, &wrote);
	ck_assert_msg(wrote == -1 && errno == EFBIG && res == -EFBIG, "wrote %zd (%s), close %d",
		      wrote, g_strerror(errno), res);
	assert_table("m", n, SIZE_MAX, 0, 0, 0);
	g_autofree char *why = view_error(view);
	ck_assert_msg(why && strstr(why, "daemon memory"), "error: %s", why ? why : g_strerror(errno));
	ck_assert_int_eq(run("echo '7 Col1=1 Col2=2 Col3=3' > %s", view), 0);
	assert_table("m", n, 7, 1, 2, 3);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mount_edit");
	TCase *tc = tcase_create("edits");
	tcase_add_checked_fixture(tc, setup_edits, mnt_fixture_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_sed_i_edits_the_segment);
	tcase_add_test(tc, test_save_by_rename);
	tcase_add_test(tc, test_rename_over_real_txt);
	tcase_add_test(tc, test_table_written_back);
	tcase_add_test(tc, test_pasted_record_line);
	tcase_add_test(tc, test_bad_line_changes_nothing);
	tcase_add_test(tc, test_large_edit_all_or_nothing);
	tcase_add_test(tc, test_edit_into_holes_of_full_tmpfs);
	tcase_add_test(tc, test_fsync_stores_the_edit);
	tcase_add_test(tc, test_rename_over_needs_write);
	suite_add_tcase(s, tc);
	TCase *share = tcase_create("share");
	tcase_add_checked_fixture(share, setup_small_share, mnt_fixture_teardown);
	tcase_add_test(share, test_edit_past_memory_share);
	suite_add_tcase(s, share);
	return mnt_run_suite(s);
}
