/* seg.c - segments: create, open, reopen, truncate, unlink, rename, stat and list them in a directory.
 * Each call is one *at() system call on a directory fd with O_NOFOLLOW, so no name ever leads out. */
#include "seg.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* -errno of the last failed call, for the "return ret < 0 ? -errno : ret" idiom. */
static int neg_errno(void)
{
	return errno ? -errno : -EIO;
}

int seg_dir_open(const char *path)
{
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? neg_errno() : fd;
}

bool seg_name_ok(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > NAME_MAX || strchr(name, '/'))
		return false;
	return strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

int seg_create(int dirfd, const char *name, int flags, mode_t mode)
{
	int fd = openat(dirfd, name, flags | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode);
	return fd < 0 ? neg_errno() : fd;
}

void seg_fd_path(int fd, char buf[static SEG_FD_PATH_MAX])
{
	snprintf(buf, SEG_FD_PATH_MAX, "/proc/self/fd/%d", fd);
}

int seg_handle(int dirfd, const char *name)
{
	int fd;
	if (name[0]) {
		fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	} else {
		char proc[SEG_FD_PATH_MAX];
		seg_fd_path(dirfd, proc);
		fd = open(proc, O_PATH | O_CLOEXEC);
	}
	return fd < 0 ? neg_errno() : fd;
}

/* An O_PATH handle never opens the object itself (no fifo blocks, no device wakes up), so it is
 * safe to take one first, look at what it is, and only then open it for real. */
int seg_open(int dirfd, const char *name, int flags)
{
	if (flags & O_CREAT)
		return -EINVAL;

	int pathfd = seg_handle(dirfd, name);
	if (pathfd < 0)
		return pathfd;

	struct stat st;
	int fd;
	if (fstat(pathfd, &st) < 0)
		fd = neg_errno();
	else if (S_ISLNK(st.st_mode))
		fd = -ELOOP;
	else if (!S_ISREG(st.st_mode))
		fd = -EINVAL;
	else
		fd = seg_reopen(pathfd, flags);
	close(pathfd);
	return fd;
}

int seg_reopen(int pathfd, int flags)
{
	struct stat st;
	if (fstat(pathfd, &st) < 0)
		return neg_errno();
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return -EINVAL;

	/* /proc/self/fd/N names the inode behind N, not a path: a rename or a symlink planted at
	 * the old name since the O_PATH open changes nothing. */
	char proc[SEG_FD_PATH_MAX];
	seg_fd_path(pathfd, proc);
	flags &= ~(O_CREAT | O_EXCL | O_NOFOLLOW | O_APPEND | O_PATH);
	int fd = open(proc, flags | O_CLOEXEC);
	return fd < 0 ? neg_errno() : fd;
}

int seg_truncate(int fd, off_t size)
{
	if (size < 0)
		return -EINVAL;
	return ftruncate(fd, size) < 0 ? neg_errno() : 0;
}

int seg_unlink(int dirfd, const char *name)
{
	return unlinkat(dirfd, name, 0) < 0 ? neg_errno() : 0;
}

int seg_rename(int olddir, const char *oldname, int newdir, const char *newname, unsigned flags)
{
	return renameat2(olddir, oldname, newdir, newname, flags) < 0 ? neg_errno() : 0;
}

int seg_stat(int dirfd, const char *name, struct stat *st)
{
	int flags = AT_SYMLINK_NOFOLLOW | (name[0] ? 0 : AT_EMPTY_PATH);
	return fstatat(dirfd, name, st, flags) < 0 ? neg_errno() : 0;
}

DIR *seg_opendir(int dirfd)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	DIR *dir = fdopendir(fd);
	if (!dir) {
		int err = errno;
		close(fd);
		errno = err;
	}
	return dir;
}

int seg_list(int dirfd, seg_list_fn fn, void *ctx)
{
	DIR *dir = seg_opendir(dirfd);
	if (!dir)
		return neg_errno();

	int ret = 0;
	for (;;) {
		errno = 0;
		struct dirent *d = readdir(dir);
		if (!d) {
			if (errno)
				ret = -errno;
			break;
		}
		if (!seg_name_ok(d->d_name))
			continue;
		struct stat st;
		ret = seg_stat(dirfd, d->d_name, &st);
		if (ret == -ENOENT) {
			ret = 0; /* removed since readdir saw it */
			continue;
		}
		if (ret == 0)
			ret = fn(d->d_name, &st, ctx);
		if (ret)
			break;
	}
	closedir(dir);
	return ret;
}
