/* lib_typed_test.c - Check unit tests of lib/typed.h: seg_create_typed creates, sizes and tags a
 * segment, refuses a bad type before touching anything, and leaves nothing half made behind. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "lib_fixture.h"
#include "typed.h"

#define DECL "int64 Col1; int64 Col2; int64 Col3"

/* The type NAME's xattr holds, in a static buffer; "" when it has none. */
static const char *type_of(const char *name)
{
	static char buf[256];
	g_autofree char *path = g_strdup_printf("%s/%s", dir, name);
	ssize_t n = lgetxattr(path, "user.shmfs.type", buf, sizeof buf - 1);
	buf[n < 0 ? 0 : n] = 0;
	return buf;
}

/* 0 when NAME exists in the test directory, else errno. */
static int lookup(const char *name, struct stat *st)
{
	struct stat tmp;
	return fstatat(dfd, name, st ? st : &tmp, AT_SYMLINK_NOFOLLOW) < 0 ? errno : 0;
}

/* Makes every write past LIMIT bytes fail with EFBIG (instead of SIGXFSZ): a failing step after
 * the create. Each test runs in its own process, so the limit ends with it. */
static void limit_file_size(rlim_t limit)
{
	struct rlimit rl = { limit, limit };
	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

START_TEST(creates_sized_and_tagged)
{
	int fd = seg_create_typed(dfd, "my_shm", 4000000000, DECL, 0, 0666);
	ck_assert_int_ge(fd, 0);

	struct stat st;
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_size, 4000000000);
	ck_assert_int_eq(st.st_blocks, 0); /* sparse: no memory used */
	ck_assert_int_eq(st.st_mode & 07777, 0644); /* umask 022 */
	ck_assert_str_eq(type_of("my_shm"), DECL);
	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ck_assert_int_eq(pwrite(fd, "x", 1, 3999999999), 1);
	close(fd);
}
END_TEST

START_TEST(always_read_write)
{
	int fd = seg_create_typed(dfd, "wo", 24, DECL, O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
	close(fd);
}
END_TEST

START_TEST(bad_type_touches_nothing)
{
	ck_assert_int_eq(seg_create_typed(dfd, "bad", 24, "int65 x", 0, 0644), -EINVAL);
	ck_assert_int_eq(seg_create_typed(dfd, "bad", 24, "", 0, 0644), -EINVAL);
	ck_assert_int_eq(seg_create_typed(dfd, "bad", 24, NULL, 0, 0644), -EINVAL);
	ck_assert_int_eq(seg_create_typed(dfd, "bad", -1, DECL, 0, 0644), -EINVAL);
	ck_assert_int_eq(lookup("bad", NULL), ENOENT);
}
END_TEST

START_TEST(existing_is_resized_and_retagged)
{
	int fd = seg_create_typed(dfd, "seg", 48, "int8 a", 0, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, "keep", 4, 0), 4);
	close(fd);

	fd = seg_create_typed(dfd, "seg", 96, DECL, 0, 0600);
	ck_assert_int_ge(fd, 0);
	char buf[4];
	ck_assert_int_eq(pread(fd, buf, 4, 0), 4);
	ck_assert_int_eq(memcmp(buf, "keep", 4), 0);
	struct stat st;
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_size, 96);
	ck_assert_int_eq(st.st_mode & 07777, 0644); /* MODE applies only to a new segment */
	ck_assert_str_eq(type_of("seg"), DECL);
	close(fd);

	fd = seg_create_typed(dfd, "seg", 24, DECL, O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, buf, 4, 0), 4);
	ck_assert_int_eq(memcmp(buf, "\0\0\0\0", 4), 0);
	close(fd);
}
END_TEST

START_TEST(excl_refuses_existing)
{
	int fd = seg_create_typed(dfd, "seg", 24, "int8 a", 0, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(seg_create_typed(dfd, "seg", 48, DECL, O_EXCL, 0644), -EEXIST);
	struct stat st;
	ck_assert_int_eq(lookup("seg", &st), 0);
	ck_assert_int_eq(st.st_size, 24);
	ck_assert_str_eq(type_of("seg"), "int8 a");
}
END_TEST

START_TEST(symlink_not_followed)
{
	ck_assert_int_eq(symlinkat("target", dfd, "link"), 0);
	ck_assert_int_eq(seg_create_typed(dfd, "link", 24, DECL, 0, 0644), -ELOOP);
	ck_assert_int_eq(seg_create_typed(dfd, "link", 24, DECL, O_EXCL, 0644), -EEXIST);
	ck_assert_int_eq(lookup("target", NULL), ENOENT);
}
END_TEST

START_TEST(failure_removes_what_it_created)
{
	limit_file_size(4096);
	ck_assert_int_eq(seg_create_typed(dfd, "big", 1 << 20, DECL, 0, 0644), -EFBIG);
	ck_assert_int_eq(lookup("big", NULL), ENOENT);
	ck_assert_int_eq(seg_create_typed(dfd, "big", 1 << 20, DECL, O_EXCL, 0644), -EFBIG);
	ck_assert_int_eq(lookup("big", NULL), ENOENT);
}
END_TEST

START_TEST(failure_keeps_what_existed)
{
	int fd = seg_create_typed(dfd, "old", 24, "int8 a", 0, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	limit_file_size(4096);
	ck_assert_int_eq(seg_create_typed(dfd, "old", 1 << 20, DECL, 0, 0644), -EFBIG);
	struct stat st;
	ck_assert_int_eq(lookup("old", &st), 0);
	ck_assert_int_eq(st.st_size, 24);
	ck_assert_str_eq(type_of("old"), "int8 a");
}
END_TEST

static Suite *typed_suite(void)
{
	Suite *s = suite_create("typed");
	TCase *tc = lib_tcase("seg_create_typed");
	tcase_add_test(tc, creates_sized_and_tagged);
	tcase_add_test(tc, always_read_write);
	tcase_add_test(tc, bad_type_touches_nothing);
	tcase_add_test(tc, existing_is_resized_and_retagged);
	tcase_add_test(tc, excl_refuses_existing);
	tcase_add_test(tc, symlink_not_followed);
	tcase_add_test(tc, failure_removes_what_it_created);
	tcase_add_test(tc, failure_keeps_what_existed);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return lib_run_suite(typed_suite());
}
