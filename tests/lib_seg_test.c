/* lib_seg_test.c - Check unit tests of lib/seg.h: every call, on a private directory under /dev/shm
 * (one fresh subdirectory per test, the whole tree removed by the parent at the end). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib_fixture.h"
#include "seg.h"


/* Creates (or replaces) NAME in the test directory holding LEN bytes of DATA. */
static void put(const char *name, const void *data, size_t len)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	ck_assert_msg(fd >= 0, "create %s: %s", name, strerror(errno));
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	ck_assert_int_eq(close(fd), 0);
}

/* Reads NAME (not following a symlink) into a NUL-terminated static buffer. */
static const char *get(const char *name)
{
	static char buf[4096];
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "open %s: %s", name, strerror(errno));
	ssize_t n = read(fd, buf, sizeof buf - 1);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

/* 0 when NAME exists in the test directory (as itself, symlinks not followed), else errno. */
static int lookup(const char *name, struct stat *st)
{
	struct stat tmp;
	return fstatat(dfd, name, st ? st : &tmp, AT_SYMLINK_NOFOLLOW) < 0 ? errno : 0;
}

static ino_t ino_of_fd(int fd)
{
	struct stat st;
	ck_assert_int_eq(fstat(fd, &st), 0);
	return st.st_ino;
}

static ino_t ino_of(const char *name)
{
	struct stat st;
	ck_assert_int_eq(lookup(name, &st), 0);
	return st.st_ino;
}

/* ---- seg_dir_open ---- */

START_TEST(dir_open_ok)
{
	int fd = seg_dir_open(dir);
	ck_assert_int_ge(fd, 0);
	ck_assert(fcntl(fd, F_GETFL) & O_PATH);
	struct stat st, want;
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(stat(dir, &want), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_uint_eq(st.st_ino, want.st_ino);
	/* The handle works for *at calls. */
	put("f", "x", 1);
	ck_assert_int_eq(faccessat(fd, "f", F_OK, AT_SYMLINK_NOFOLLOW), 0);
	close(fd);
}
END_TEST

START_TEST(dir_open_follows_symlink)
{
	/* The administrator's path is resolved, symlinks included. */
	ck_assert_int_eq(mkdirat(dfd, "real", 0755), 0);
	ck_assert_int_eq(symlinkat("real", dfd, "alias"), 0);
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/alias", dir);
	int fd = seg_dir_open(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_uint_eq(ino_of_fd(fd), ino_of("real"));
	close(fd);
}
END_TEST

START_TEST(dir_open_errors)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/missing", dir);
	ck_assert_int_eq(seg_dir_open(path), -ENOENT);
	put("file", "x", 1);
	snprintf(path, sizeof path, "%s/file", dir);
	ck_assert_int_eq(seg_dir_open(path), -ENOTDIR);
}
END_TEST

/* ---- seg_name_ok ---- */

START_TEST(name_ok)
{
	char name[NAME_MAX + 2];

	ck_assert(seg_name_ok("my_shm"));
	ck_assert(seg_name_ok("a"));
	ck_assert(seg_name_ok(".hidden"));
	ck_assert(seg_name_ok("..."));
	ck_assert(seg_name_ok("..a"));
	ck_assert(seg_name_ok("name with spaces.txt"));
	ck_assert(!seg_name_ok(""));
	ck_assert(!seg_name_ok("."));
	ck_assert(!seg_name_ok(".."));
	ck_assert(!seg_name_ok("a/b"));
	ck_assert(!seg_name_ok("/a"));
	ck_assert(!seg_name_ok("a/"));
	ck_assert(!seg_name_ok("/"));

	memset(name, 'n', NAME_MAX);
	name[NAME_MAX] = '\0';
	ck_assert_uint_eq(strlen(name), 255);
	ck_assert(seg_name_ok(name));
	name[NAME_MAX] = 'n';
	name[NAME_MAX + 1] = '\0';
	ck_assert_uint_eq(strlen(name), 256);
	ck_assert(!seg_name_ok(name));
}
END_TEST

/* ---- seg_handle ---- */

START_TEST(handle_kinds)
{
	struct stat st;

	/* A regular file: an O_PATH handle on it, which seg_reopen turns into an open file. */
	put("seg", "abc", 3);
	int h = seg_handle(dfd, "seg");
	ck_assert_int_ge(h, 0);
	ck_assert(fcntl(h, F_GETFL) & O_PATH);
	ck_assert_uint_eq(ino_of_fd(h), ino_of("seg"));
	char buf[4];
	ck_assert_int_eq(read(h, buf, 1), -1); /* nothing is opened for I/O */
	ck_assert_int_eq(errno, EBADF);
	int fd = seg_reopen(h, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, buf, 3, 0), 3);
	ck_assert_mem_eq(buf, "abc", 3);
	close(fd);
	close(h);

	/* A symlink is not followed: the handle is on the link. */
	ck_assert_int_eq(symlinkat("seg", dfd, "link"), 0);
	h = seg_handle(dfd, "link");
	ck_assert_int_ge(h, 0);
	ck_assert_int_eq(fstat(h, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	ck_assert_uint_eq(st.st_ino, ino_of("link"));
	close(h);

	/* A fifo: taking the handle does not block. */
	ck_assert_int_eq(mkfifoat(dfd, "fifo", 0600), 0);
	alarm(5);
	h = seg_handle(dfd, "fifo");
	alarm(0);
	ck_assert_int_ge(h, 0);
	ck_assert_int_eq(fstat(h, &st), 0);
	ck_assert(S_ISFIFO(st.st_mode));
	close(h);

	ck_assert_int_eq(seg_handle(dfd, "missing"), -ENOENT);
}
END_TEST

START_TEST(handle_dir)
{
	/* A subdirectory's handle works as a dirfd for the other calls. */
	ck_assert_int_eq(mkdirat(dfd, "sub", 0755), 0);
	put("sub/inner", "12345", 5);
	int h = seg_handle(dfd, "sub");
	ck_assert_int_ge(h, 0);
	ck_assert(fcntl(h, F_GETFL) & O_PATH);
	struct stat st;
	ck_assert_int_eq(seg_stat(h, "inner", &st), 0);
	ck_assert_int_eq(st.st_size, 5);

	/* "" is a new handle on DIRFD's own object, whatever kind of fd DIRFD is. */
	int self = seg_handle(h, "");
	ck_assert_int_ge(self, 0);
	ck_assert_int_ne(self, h);
	ck_assert(fcntl(self, F_GETFL) & O_PATH);
	ck_assert_uint_eq(ino_of_fd(self), ino_of("sub"));
	close(h);
	ck_assert_int_eq(seg_stat(self, "inner", &st), 0); /* independent of the closed H */
	close(self);

	int fd = openat(dfd, "sub/inner", O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	self = seg_handle(fd, "");
	ck_assert_int_ge(self, 0);
	ck_assert(fcntl(self, F_GETFL) & O_PATH);
	ck_assert_uint_eq(ino_of_fd(self), ino_of_fd(fd));
	close(fd);
	close(self);
}
END_TEST

/* ---- seg_create ---- */

START_TEST(create_mode)
{
	struct stat st;

	umask(0);
	int fd = seg_create(dfd, "a", O_RDWR | O_EXCL, 0640);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	ck_assert_int_eq(st.st_size, 0);
	ck_assert_uint_eq(st.st_ino, ino_of("a"));
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ck_assert_int_eq(write(fd, "hello", 5), 5);
	close(fd);
	ck_assert_str_eq(get("a"), "hello");

	/* The umask applies. */
	umask(027);
	fd = seg_create(dfd, "b", O_RDWR | O_EXCL, 0666);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	close(fd);
}
END_TEST

START_TEST(create_exists)
{
	put("a", "keep", 4);
	ino_t ino = ino_of("a");

	ck_assert_int_eq(seg_create(dfd, "a", O_RDWR | O_EXCL, 0600), -EEXIST);
	ck_assert_str_eq(get("a"), "keep");

	/* Without O_EXCL the existing segment is opened, not replaced nor truncated. */
	int fd = seg_create(dfd, "a", O_RDWR, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_uint_eq(ino_of_fd(fd), ino);
	char buf[8] = { 0 };
	ck_assert_int_eq(pread(fd, buf, sizeof buf, 0), 4);
	ck_assert_str_eq(buf, "keep");
	close(fd);
}
END_TEST

START_TEST(create_symlink)
{
	/* A dangling symlink must not lead to creating its target, here or elsewhere. */
	char outside[128];
	snprintf(outside, sizeof outside, "%s/outside-XXXXXX", base);
	ck_assert_ptr_nonnull(mkdtemp(outside));
	char target[PATH_MAX];
	snprintf(target, sizeof target, "%s/victim", outside);

	ck_assert_int_eq(symlinkat("target", dfd, "rel"), 0);
	ck_assert_int_eq(symlinkat(target, dfd, "abs"), 0);
	ck_assert_int_eq(seg_create(dfd, "rel", O_RDWR, 0644), -ELOOP);
	ck_assert_int_eq(seg_create(dfd, "abs", O_RDWR, 0644), -ELOOP);
	ck_assert_int_eq(lookup("target", NULL), ENOENT);
	ck_assert_int_eq(access(target, F_OK), -1);
	ck_assert_int_eq(errno, ENOENT);


	/* An existing target is neither truncated nor written. */
	put("target", "precious", 8);
	ck_assert_int_eq(seg_create(dfd, "rel", O_RDWR | O_TRUNC, 0644), -ELOOP);
	ck_assert_int_eq(seg_create(dfd, "rel", O_WRONLY | O_APPEND, 0644), -ELOOP);
	ck_assert_str_eq(get("target"), "precious");
	struct stat st;
	ck_assert_int_eq(lookup("rel", &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
}
END_TEST

/* ---- seg_open ---- */

START_TEST(open_regular)
{
	put("seg", "contents", 8);
	char buf[16] = { 0 };

	int fd = seg_open(dfd, "seg", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_uint_eq(ino_of_fd(fd), ino_of("seg"));
	ck_assert_int_eq(pread(fd, buf, sizeof buf, 0), 8);
	ck_assert_str_eq(buf, "contents");
	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	close(fd);

	fd = seg_open(dfd, "seg", O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
	ck_assert_int_eq(pwrite(fd, "CON", 3, 0), 3);
	close(fd);
	ck_assert_str_eq(get("seg"), "CONtents");

	/* O_TRUNC is an ordinary open flag here. */
	fd = seg_open(dfd, "seg", O_WRONLY | O_TRUNC);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_str_eq(get("seg"), "");
}
END_TEST

START_TEST(open_symlink)
{
	put("real", "data", 4);
	ck_assert_int_eq(symlinkat("real", dfd, "link"), 0);
	ck_assert_int_eq(seg_open(dfd, "link", O_RDONLY), -ELOOP);
	ck_assert_int_eq(seg_open(dfd, "link", O_RDWR | O_TRUNC), -ELOOP);
	ck_assert_str_eq(get("real"), "data");
	ck_assert_int_eq(symlinkat("nowhere", dfd, "dangling"), 0);
	ck_assert_int_eq(seg_open(dfd, "dangling", O_RDONLY), -ELOOP);
}
END_TEST

START_TEST(open_fifo)
{
	/* Opening a fifo with no writer blocks forever; seg_open must refuse it without blocking
	 * (the alarm kills the test if it does not). */
	ck_assert_int_eq(mkfifoat(dfd, "fifo", 0666), 0);
	alarm(5);
	ck_assert_int_eq(seg_open(dfd, "fifo", O_RDONLY), -EINVAL);
	ck_assert_int_eq(seg_open(dfd, "fifo", O_WRONLY), -EINVAL);
	ck_assert_int_eq(seg_open(dfd, "fifo", O_RDWR), -EINVAL);
	alarm(0);
}
END_TEST

START_TEST(open_dir)
{
	ck_assert_int_eq(mkdirat(dfd, "sub", 0755), 0);
	ck_assert_int_eq(seg_open(dfd, "sub", O_RDONLY), -EINVAL);
	ck_assert_int_eq(seg_open(dfd, "sub", O_RDWR), -EINVAL);
}
END_TEST

START_TEST(open_special)
{
	char path[PATH_MAX];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	/* A socket. */
	snprintf(path, sizeof path, "%s/sock", dir);
	ck_assert_uint_lt(strlen(path), sizeof sa.sun_path);
	strcpy(sa.sun_path, path);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(seg_open(dfd, "sock", O_RDONLY), -EINVAL);
	close(s);

	/* A device node (needs CAP_MKNOD): /dev/null's numbers. */
	if (mknodat(dfd, "null", S_IFCHR | 0666, makedev(1, 3)) == 0) {
		ck_assert_int_eq(seg_open(dfd, "null", O_RDONLY), -EINVAL);
		ck_assert_int_eq(seg_open(dfd, "null", O_RDWR), -EINVAL);
	} else {
		fprintf(stderr, "lib_seg_test: open_special: cannot mknod (%s), device case skipped\n",
			strerror(errno));
	}
}
END_TEST

START_TEST(open_creat_missing)
{
	put("seg", "x", 1);
	ck_assert_int_eq(seg_open(dfd, "seg", O_RDWR | O_CREAT), -EINVAL);
	ck_assert_int_eq(seg_open(dfd, "new", O_RDWR | O_CREAT), -EINVAL);
	ck_assert_int_eq(seg_open(dfd, "new", O_RDWR | O_CREAT | O_EXCL), -EINVAL);
	ck_assert_int_eq(lookup("new", NULL), ENOENT);
	ck_assert_int_eq(seg_open(dfd, "missing", O_RDONLY), -ENOENT);
	ck_assert_int_eq(seg_open(dfd, "missing", O_RDWR), -ENOENT);
}
END_TEST

/* ---- seg_reopen ---- */

START_TEST(reopen_same_inode)
{
	put("seg", "abc", 3);
	int pfd = openat(dfd, "seg", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	ck_assert_int_ge(pfd, 0);

	int fd = seg_reopen(pfd, O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_uint_eq(ino_of_fd(fd), ino_of_fd(pfd));
	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
	ck_assert_int_eq(pwrite(fd, "X", 1, 0), 1);
	ck_assert_str_eq(get("seg"), "Xbc");
	close(fd);

	/* The name changes; the inode is still found. */
	ck_assert_int_eq(renameat(dfd, "seg", dfd, "moved"), 0);
	put("seg", "impostor", 8);
	fd = seg_reopen(pfd, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_uint_eq(ino_of_fd(fd), ino_of("moved"));
	ck_assert_uint_ne(ino_of_fd(fd), ino_of("seg"));
	char buf[16] = { 0 };
	ck_assert_int_eq(pread(fd, buf, sizeof buf, 0), 3);
	ck_assert_str_eq(buf, "Xbc");
	close(fd);
	close(pfd);
}
END_TEST

START_TEST(reopen_flags)
{
	put("seg", "abc", 3);
	int pfd = openat(dfd, "seg", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	ck_assert_int_ge(pfd, 0);

	/* O_CREAT|O_EXCL are dropped, or this would be -EEXIST. */
	int fd = seg_reopen(pfd, O_RDWR | O_CREAT | O_EXCL | O_APPEND);
	ck_assert_int_ge(fd, 0);
	int fl = fcntl(fd, F_GETFL);
	ck_assert_int_eq(fl & O_ACCMODE, O_RDWR);
	ck_assert(!(fl & O_APPEND));
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ck_assert_uint_eq(ino_of_fd(fd), ino_of("seg"));
	/* Without O_APPEND a write at offset 0 lands at 0. */
	ck_assert_int_eq(write(fd, "Z", 1), 1);
	close(fd);
	ck_assert_str_eq(get("seg"), "Zbc");
	close(pfd);
}
END_TEST

START_TEST(reopen_dir)
{
	ck_assert_int_eq(mkdirat(dfd, "sub", 0755), 0);
	int pfd = openat(dfd, "sub", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	ck_assert_int_ge(pfd, 0);
	int fd = seg_reopen(pfd, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	ck_assert_uint_eq(ino_of_fd(fd), ino_of("sub"));
	close(fd);
	close(pfd);
}
END_TEST

START_TEST(reopen_other_kinds)
{
	ck_assert_int_eq(mkfifoat(dfd, "fifo", 0666), 0);
	int pfd = openat(dfd, "fifo", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	ck_assert_int_ge(pfd, 0);
	alarm(5);
	ck_assert_int_eq(seg_reopen(pfd, O_RDONLY), -EINVAL);
	ck_assert_int_eq(seg_reopen(pfd, O_WRONLY), -EINVAL);
	alarm(0);
	close(pfd);

	/* An O_PATH handle of a symlink itself. */
	put("real", "data", 4);
	ck_assert_int_eq(symlinkat("real", dfd, "link"), 0);
	pfd = openat(dfd, "link", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	ck_assert_int_ge(pfd, 0);
	ck_assert_int_eq(seg_reopen(pfd, O_RDWR | O_TRUNC), -EINVAL);
	ck_assert_str_eq(get("real"), "data");
	close(pfd);
}
END_TEST

/* ---- seg_truncate ---- */

START_TEST(truncate_sparse)
{
	const off_t four_gib = 4LL << 30;
	struct stat st;
	int fd = openat(dfd, "seg", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);

	ck_assert_int_eq(seg_truncate(fd, four_gib), 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_size, four_gib);
	ck_assert_int_le(st.st_blocks, 8); /* a hole: no memory */

	/* Data written at the far end survives; the rest reads as zeros. */
	ck_assert_int_eq(pwrite(fd, "end", 3, four_gib - 3), 3);
	char buf[4] = { 0 };
	ck_assert_int_eq(pread(fd, buf, 3, four_gib - 3), 3);
	ck_assert_str_eq(buf, "end");
	ck_assert_int_eq(pread(fd, buf, 3, 1LL << 30), 3);
	ck_assert_mem_eq(buf, "\0\0\0", 3);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_le(st.st_blocks, 16);

	/* Shrink: data below the new size stays, above is gone. */
	ck_assert_int_eq(pwrite(fd, "0123456789", 10, 0), 10);
	ck_assert_int_eq(seg_truncate(fd, 5), 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_size, 5);
	char small[16] = { 0 };
	ck_assert_int_eq(pread(fd, small, sizeof small, 0), 5);
	ck_assert_str_eq(small, "01234");

	ck_assert_int_eq(seg_truncate(fd, 0), 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	close(fd);
}
END_TEST

START_TEST(truncate_errors)
{
	int fd = openat(dfd, "seg", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(seg_truncate(fd, -1), -EINVAL);
	close(fd);
	ck_assert_int_eq(seg_truncate(-1, 10), -EBADF);
	fd = openat(dfd, "seg", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(seg_truncate(fd, 10), -EINVAL); /* not open for writing, as ftruncate says */
	close(fd);
}
END_TEST

/* ---- seg_unlink ---- */

START_TEST(unlink_keeps_open)
{
	put("seg", "still here", 10);
	int fd = openat(dfd, "seg", O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	char *p = mmap(NULL, 10, PROT_READ, MAP_SHARED, fd, 0);
	ck_assert_ptr_ne(p, MAP_FAILED);

	ck_assert_int_eq(seg_unlink(dfd, "seg"), 0);
	ck_assert_int_eq(lookup("seg", NULL), ENOENT);

	char buf[16] = { 0 };
	ck_assert_int_eq(pread(fd, buf, sizeof buf, 0), 10);
	ck_assert_str_eq(buf, "still here");
	ck_assert_mem_eq(p, "still here", 10);
	ck_assert_int_eq(pwrite(fd, "S", 1, 0), 1);
	ck_assert_int_eq(p[0], 'S');
	munmap(p, 10);
	close(fd);

	ck_assert_int_eq(seg_unlink(dfd, "seg"), -ENOENT);
}
END_TEST

START_TEST(unlink_symlink)
{
	/* The link goes, its target stays. */
	put("real", "data", 4);
	ck_assert_int_eq(symlinkat("real", dfd, "link"), 0);
	ck_assert_int_eq(seg_unlink(dfd, "link"), 0);
	ck_assert_int_eq(lookup("link", NULL), ENOENT);
	ck_assert_str_eq(get("real"), "data");
}
END_TEST

/* ---- seg_rename ---- */

START_TEST(rename_plain)
{
	put("a", "AAA", 3);
	ino_t ino = ino_of("a");
	ck_assert_int_eq(seg_rename(dfd, "a", dfd, "b", 0), 0);
	ck_assert_int_eq(lookup("a", NULL), ENOENT);
	ck_assert_uint_eq(ino_of("b"), ino);
	ck_assert_str_eq(get("b"), "AAA");

	/* Without flags an existing target is replaced. */
	put("c", "CCCC", 4);
	ck_assert_int_eq(seg_rename(dfd, "c", dfd, "b", 0), 0);
	ck_assert_str_eq(get("b"), "CCCC");
	ck_assert_int_eq(lookup("c", NULL), ENOENT);

	ck_assert_int_eq(seg_rename(dfd, "missing", dfd, "x", 0), -ENOENT);
}
END_TEST

START_TEST(rename_across_dirs)
{
	ck_assert_int_eq(mkdirat(dfd, "sub", 0755), 0);
	int sub = openat(dfd, "sub", O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(sub, 0);
	put("a", "AAA", 3);
	ino_t ino = ino_of("a");
	ck_assert_int_eq(seg_rename(dfd, "a", sub, "inside", 0), 0);
	ck_assert_int_eq(lookup("a", NULL), ENOENT);
	ck_assert_int_eq(lookup("sub/inside", NULL), 0);
	ck_assert_uint_eq(ino_of("sub/inside"), ino);
	ck_assert_int_eq(seg_rename(sub, "inside", dfd, "back", 0), 0);
	ck_assert_str_eq(get("back"), "AAA");
	close(sub);
}
END_TEST

START_TEST(rename_noreplace)
{
	put("a", "AAA", 3);
	put("b", "BBBB", 4);
	ck_assert_int_eq(seg_rename(dfd, "a", dfd, "b", RENAME_NOREPLACE), -EEXIST);
	ck_assert_str_eq(get("a"), "AAA");
	ck_assert_str_eq(get("b"), "BBBB");
	ck_assert_int_eq(seg_rename(dfd, "a", dfd, "c", RENAME_NOREPLACE), 0);
	ck_assert_int_eq(lookup("a", NULL), ENOENT);
	ck_assert_str_eq(get("c"), "AAA");
}
END_TEST

START_TEST(rename_exchange)
{
	put("a", "AAA", 3);
	put("b", "BBBB", 4);
	ino_t ia = ino_of("a"), ib = ino_of("b");
	ck_assert_int_eq(seg_rename(dfd, "a", dfd, "b", RENAME_EXCHANGE), 0);
	ck_assert_str_eq(get("a"), "BBBB");
	ck_assert_str_eq(get("b"), "AAA");
	ck_assert_uint_eq(ino_of("a"), ib);
	ck_assert_uint_eq(ino_of("b"), ia);

	/* Exchange needs both names. */
	ck_assert_int_eq(seg_rename(dfd, "a", dfd, "missing", RENAME_EXCHANGE), -ENOENT);
	ck_assert_str_eq(get("a"), "BBBB");
	ck_assert_int_eq(seg_rename(dfd, "a", dfd, "b", RENAME_EXCHANGE | RENAME_NOREPLACE), -EINVAL);
}
END_TEST

/* ---- seg_stat ---- */

START_TEST(stat_kinds)
{
	struct stat st, want;

	put("seg", "12345", 5);
	ck_assert_int_eq(seg_stat(dfd, "seg", &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_size, 5);
	ck_assert_uint_eq(st.st_ino, ino_of("seg"));

	/* A symlink is reported as itself, not followed. */
	ck_assert_int_eq(symlinkat("seg", dfd, "link"), 0);
	ck_assert_int_eq(seg_stat(dfd, "link", &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	ck_assert_int_eq(st.st_size, 3); /* strlen("seg") */
	ck_assert_uint_ne(st.st_ino, ino_of("seg"));
	ck_assert_int_eq(symlinkat("nowhere", dfd, "dangling"), 0);
	ck_assert_int_eq(seg_stat(dfd, "dangling", &st), 0);
	ck_assert(S_ISLNK(st.st_mode));

	/* "" is the directory itself. */
	ck_assert_int_eq(seg_stat(dfd, "", &st), 0);
	ck_assert_int_eq(stat(dir, &want), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_uint_eq(st.st_ino, want.st_ino);
	ck_assert_uint_eq(st.st_dev, want.st_dev);

	ck_assert_int_eq(mkfifoat(dfd, "fifo", 0600), 0);
	ck_assert_int_eq(seg_stat(dfd, "fifo", &st), 0);
	ck_assert(S_ISFIFO(st.st_mode));

	ck_assert_int_eq(seg_stat(dfd, "missing", &st), -ENOENT);
}
END_TEST

/* ---- seg_opendir ---- */

START_TEST(opendir_o_path)
{
	put("only", "x", 1);
	for (int round = 0; round < 2; round++) {
		DIR *d = seg_opendir(dfd);
		ck_assert_ptr_nonnull(d);
		int seen = 0;
		struct dirent *de;
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
				ck_assert_str_eq(de->d_name, "only");
				seen++;
			}
		ck_assert_int_eq(seen, 1);
		closedir(d);
		/* DFD is not consumed by the DIR. */
		ck_assert_int_eq(fcntl(dfd, F_GETFD), FD_CLOEXEC);
	}
}
END_TEST

/* ---- seg_list ---- */

struct listing {
	GHashTable *stats;  /* name -> a copy of the struct stat it was listed with */
	int calls;
	int stop_at;        /* return 42 on this call (1-based), 0 never */
};

static int collect(const char *name, const struct stat *st, void *ctx)
{
	struct listing *l = ctx;
	l->calls++;
	ck_assert_msg(!g_hash_table_contains(l->stats, name), "%s listed twice", name);
	g_hash_table_insert(l->stats, g_strdup(name), g_memdup2(st, sizeof *st));
	return l->calls == l->stop_at ? 42 : 0;
}

static void listing_init(struct listing *l, int stop_at)
{
	l->stats = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	l->calls = 0;
	l->stop_at = stop_at;
}

static void listing_free(struct listing *l)
{
	g_hash_table_destroy(l->stats);
}

static const struct stat *listed(struct listing *l, const char *name)
{
	const struct stat *st = g_hash_table_lookup(l->stats, name);
	ck_assert_msg(st != NULL, "%s not listed", name);
	return st;
}

START_TEST(list_entries)
{
	struct listing l;
	char data[10] = "0123456789";

	put("ten", data, 10);
	put("empty", "", 0);
	int fd = openat(dfd, "big", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 4LL << 30), 0);
	close(fd);
	ck_assert_int_eq(mkdirat(dfd, "sub", 0755), 0);
	ck_assert_int_eq(symlinkat("ten", dfd, "link"), 0);
	put("sub/hidden", "x", 1);

	listing_init(&l, 0);
	ck_assert_int_eq(seg_list(dfd, collect, &l), 0);
	ck_assert_int_eq(l.calls, 5);
	ck_assert_uint_eq(g_hash_table_size(l.stats), 5);
	ck_assert(!g_hash_table_contains(l.stats, "."));
	ck_assert(!g_hash_table_contains(l.stats, ".."));
	ck_assert(!g_hash_table_contains(l.stats, "hidden"));
	ck_assert_int_eq(listed(&l, "ten")->st_size, 10);
	ck_assert_int_eq(listed(&l, "empty")->st_size, 0);
	ck_assert_int_eq(listed(&l, "big")->st_size, 4LL << 30);
	ck_assert_int_eq(listed(&l, "link")->st_size, 3); /* lstat: the link itself */
	ck_assert(S_ISREG(listed(&l, "ten")->st_mode));
	ck_assert(S_ISDIR(listed(&l, "sub")->st_mode));
	ck_assert(S_ISLNK(listed(&l, "link")->st_mode));
	listing_free(&l);

	/* Listing again gives the same: DFD is left as it was. */
	listing_init(&l, 0);
	ck_assert_int_eq(seg_list(dfd, collect, &l), 0);
	ck_assert_int_eq(l.calls, 5);
	listing_free(&l);
}
END_TEST

START_TEST(list_empty)
{
	struct listing l;
	listing_init(&l, 0);
	ck_assert_int_eq(seg_list(dfd, collect, &l), 0);
	ck_assert_int_eq(l.calls, 0);
	listing_free(&l);
}
END_TEST

START_TEST(list_many)
{
	/* More entries than one getdents buffer holds. */
	enum { N = 1000 };
	char name[64] = { 0 }; /* put() writes up to 36 bytes of it, past the string's end */
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof name, "segment-with-a-longish-name-%04d", i);
		put(name, name, (size_t)(i % 37));
	}
	struct listing l;
	listing_init(&l, 0);
	ck_assert_int_eq(seg_list(dfd, collect, &l), 0);
	ck_assert_int_eq(l.calls, N);
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof name, "segment-with-a-longish-name-%04d", i);
		ck_assert_int_eq(listed(&l, name)->st_size, i % 37);
	}
	listing_free(&l);
}
END_TEST

START_TEST(list_stop_early)
{
	put("a", "", 0);
	put("b", "", 0);
	put("c", "", 0);
	put("d", "", 0);
	struct listing l;
	listing_init(&l, 2);
	ck_assert_int_eq(seg_list(dfd, collect, &l), 42);
	ck_assert_int_eq(l.calls, 2);
	listing_free(&l);

	listing_init(&l, 1);
	ck_assert_int_eq(seg_list(dfd, collect, &l), 42);
	ck_assert_int_eq(l.calls, 1);
	listing_free(&l);
}
END_TEST

static int count_entries(const char *name, const struct stat *st, void *ctx)
{
	(void)name, (void)st;
	++*(int *)ctx;
	return 0;
}

START_TEST(list_errors)
{
	int n = 0;
	int fd = openat(dfd, "file", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(seg_list(fd, count_entries, &n), -ENOTDIR);
	ck_assert_int_eq(n, 0);
	close(fd);
}
END_TEST

static Suite *seg_suite(void)
{
	Suite *s = suite_create("seg");
	const struct lib_case cases[] = {
		{ "dir_open", { dir_open_ok, dir_open_follows_symlink, dir_open_errors } },
		{ "name_ok", { name_ok } },
		{ "handle", { handle_kinds, handle_dir } },
		{ "create", { create_mode, create_exists, create_symlink } },
		{ "open", { open_regular, open_symlink, open_fifo, open_dir, open_special,
			    open_creat_missing } },
		{ "reopen", { reopen_same_inode, reopen_flags, reopen_dir, reopen_other_kinds } },
		{ "truncate", { truncate_sparse, truncate_errors } },
		{ "unlink", { unlink_keeps_open, unlink_symlink } },
		{ "rename", { rename_plain, rename_across_dirs, rename_noreplace, rename_exchange } },
		{ "stat", { stat_kinds } },
		{ "list", { opendir_o_path, list_entries, list_empty, list_many, list_stop_early,
			    list_errors } },
	};

	lib_add_cases(s, cases, G_N_ELEMENTS(cases));
	return s;
}

int main(void)
{
	return lib_run_suite(seg_suite());
}
