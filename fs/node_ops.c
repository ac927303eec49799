/* node_ops.c - operations on one inode whatever it is: lookup, forget, getattr, setattr,
 * readlink, statfs. Attributes are always the backing object's, read at the time of the call. */
#include "ops.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "entry.h"
#include "inode.h"
#include "listing.h"
#include "privs.h"
#include "watch.h"

void fs_op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	int err = fs_lookup_entry(fs_of(req), fs_inode(req, parent), name, &e);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_entry(req, &e);
}

void fs_op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	fs_inode_unref(fs_of(req), fs_inode(req, ino), nlookup);
	fuse_reply_none(req);
}

void fs_op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	for (size_t i = 0; i < count; i++)
		fs_inode_unref(fs_of(req), fs_inode(req, forgets[i].ino), forgets[i].nlookup);
	fuse_reply_none(req);
}

void fs_op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs_inode *in = fs_inode(req, ino);
	in->kind->getattr(req, in, fi);
}

/* fstat(2) of a file open through the mount comes with its handle: its own fd answers, which
 * also holds for a segment unlinked since it was opened. */
void fs_object_getattr(fuse_req_t req, struct fs_inode *in, struct fuse_file_info *fi)
{
	struct stat st;
	if (!fi) {
		fs_reply_attr(req, in);
		return;
	}
	int err = seg_stat(fs_file(fi)->fd, "", &st);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_attr(req, &st, fs_attr_timeout(fs_of(req), in));
}

/* chmod has no form that takes an O_PATH fd; the /proc/self/fd name reaches the inode itself. A
 * symlink's mode cannot change on Linux (and the kernel never asks). */
static int set_mode(struct fs_inode *in, int fd, int pathfd, mode_t mode)
{
	if (fd >= 0)
		return fchmod(fd, mode) < 0 ? -errno : 0;
	if (S_ISLNK(in->type))
		return -EOPNOTSUPP;
	char proc[SEG_FD_PATH_MAX];
	seg_fd_path(pathfd, proc);
	return chmod(proc, mode) < 0 ? -errno : 0;
}

static int set_owner(int pathfd, const struct stat *attr, int valid)
{
	uid_t uid = (valid & FUSE_SET_ATTR_UID) ? attr->st_uid : (uid_t)-1;
	gid_t gid = (valid & FUSE_SET_ATTR_GID) ? attr->st_gid : (gid_t)-1;
	return fchownat(pathfd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

static int set_size(struct fs *fs, struct fs_inode *in, int fd, off_t size)
{
	if (fd >= 0)
		return seg_truncate(fd, size);
	if (!S_ISREG(in->type))
		return S_ISDIR(in->type) ? -EISDIR : -EINVAL;
	fd = fs_inode_open(fs, in, O_WRONLY);
	if (fd < 0)
		return fd;
	int err = seg_truncate(fd, size);
	close(fd);
	return err;
}

static int set_times(int fd, int pathfd, const struct stat *attr, int valid)
{
	struct timespec tv[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT } };
	if (valid & FUSE_SET_ATTR_ATIME_NOW)
		tv[0].tv_nsec = UTIME_NOW;
	else if (valid & FUSE_SET_ATTR_ATIME)
		tv[0] = attr->st_atim;
	if (valid & FUSE_SET_ATTR_MTIME_NOW)
		tv[1].tv_nsec = UTIME_NOW;
	else if (valid & FUSE_SET_ATTR_MTIME)
		tv[1] = attr->st_mtim;

	if (fd >= 0)
		return futimens(fd, tv) < 0 ? -errno : 0;
	return utimensat(pathfd, "", tv, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

/* The attribute changes SETATTR asks for (VALID), made on IN through its open file FD (or -1)
 * or its O_PATH handle PATHFD. */
static int set_attrs(struct fs *fs, fuse_req_t req, struct fs_inode *in, int fd, int pathfd,
		     const struct stat *attr, int valid)
{
	/* First, as the VFS does: a truncate or chown that must clear set-ID bits, or the empty
	 * SETATTR of a passthrough write that must (privs.c). */
	int err = fs_privs_kill(req, fd >= 0 ? fd : pathfd);
	if (!err && (valid & FUSE_SET_ATTR_MODE))
		err = set_mode(in, fd, pathfd, attr->st_mode);
	if (!err && (valid & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)))
		err = set_owner(pathfd, attr, valid);
	if (!err && (valid & FUSE_SET_ATTR_SIZE))
		err = set_size(fs, in, fd, attr->st_size);
	if (!err && (valid & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME)))
		err = set_times(fd, pathfd, attr, valid);
	return err;
}

void fs_op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int valid,
		   struct fuse_file_info *fi)
{
	struct fs_inode *in = fs_inode(req, ino);
	fs_privs_note_setattr(valid);
	in->kind->setattr(req, in, attr, valid, fi);
}

void fs_object_setattr(fuse_req_t req, struct fs_inode *in, struct stat *attr, int valid,
		       struct fuse_file_info *fi)
{
	struct fs *fs = fs_of(req);
	/* An open file's own fd does what an O_PATH handle would (ftruncate, fchmod, utimens...). */
	int fd = fi ? fs_file(fi)->fd : -1;
	int pathfd = fd >= 0 ? fd : fs_inode_fd(fs, in);
	int err = pathfd < 0 ? pathfd : set_attrs(fs, req, in, fd, pathfd, attr, valid);
	struct stat st;
	if (!err && (err = seg_stat(pathfd, "", &st)) == 0)
		fs_listing_times(in, &st);
	if (pathfd != fd)
		fs_inode_put_fd(in, pathfd);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_attr(req, &st, fs_attr_timeout(fs, in));
}

void fs_op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct fs_inode *in = fs_inode(req, ino);
	char buf[PATH_MAX + 1];
	int fd = fs_inode_fd(fs_of(req), in);
	ssize_t n = fd;
	if (fd >= 0 && (n = readlinkat(fd, "", buf, sizeof(buf))) < 0)
		n = -errno;
	fs_inode_put_fd(in, fd);
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else if (n == sizeof(buf))
		fuse_reply_err(req, ENAMETOOLONG);
	else {
		buf[n] = '\0';
		fuse_reply_readlink(req, buf);
	}
}

void fs_op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct fs_inode *in = fs_inode(req, ino);
	struct statvfs sv;
	int fd = fs_inode_fd(fs_of(req), in);
	int err = fd < 0 ? fd : fstatvfs(fd, &sv) < 0 ? -errno : 0;
	fs_inode_put_fd(in, fd);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_statfs(req, &sv);
}
