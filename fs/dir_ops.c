/* dir_ops.c - directory operations: listing (readdir, readdirplus) and changing entries (mkdir,
 * mknod, symlink, link, unlink, rmdir, rename). New objects are made as the caller (creds.c). */
#include "fs_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void fs_op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs_dir *d = calloc(1, sizeof(*d));
	if (!d) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	d->dp = seg_opendir(fs_inode(req, ino)->fd);
	if (!d->dp) {
		int err = errno;
		free(d);
		fuse_reply_err(req, err);
		return;
	}
	fi->fh = (uintptr_t)d;
	if (fuse_reply_open(req, fi) == -ENOENT) { /* the opener was interrupted */
		closedir(d->dp);
		free(d);
	}
}

void fs_op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	struct fs_dir *d = fs_dir(fi);
	closedir(d->dp);
	free(d);
	fuse_reply_err(req, 0);
}

void fs_op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	(void)ino;
	int fd = dirfd(fs_dir(fi)->dp);
	int res = datasync ? fdatasync(fd) : fsync(fd);
	fuse_reply_err(req, res < 0 ? errno : 0);
}

static bool is_dot_or_dotdot(const char *name)
{
	return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

/* Adds one entry to the reply buffer; returns its size (more than ROOM: it did not fit, nothing
 * was added), 0 to skip an entry that vanished since readdir saw it, or -errno. In plus mode the
 * entry is looked up, which the kernel counts as a reference, so one that does not fit is undone. */
static ssize_t add_entry(fuse_req_t req, struct fs_inode *dir, struct dirent *de, bool plus,
			 char *buf, size_t room)
{
	struct fuse_entry_param e = { .attr = { .st_ino = de->d_ino, .st_mode = de->d_type << 12 } };
	if (!plus)
		return fuse_add_direntry(req, buf, room, de->d_name, &e.attr, de->d_off);

	if (!is_dot_or_dotdot(de->d_name)) {
		int err = fs_lookup_entry(fs_of(req), dir, de->d_name, &e);
		if (err)
			return err == -ENOENT ? 0 : err;
	}
	size_t size = fuse_add_direntry_plus(req, buf, room, de->d_name, &e, de->d_off);
	if (size > room && e.ino)
		fs_inode_unref(fs_of(req), (struct fs_inode *)(uintptr_t)e.ino, 1);
	return size;
}

static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi, bool plus)
{
	struct fs_inode *dir = fs_inode(req, ino);
	struct fs_dir *d = fs_dir(fi);
	char *buf = malloc(size);
	size_t used = 0;
	int err = 0;

	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (off != d->offset) {
		seekdir(d->dp, off);
		d->entry = NULL;
		d->offset = off;
	}
	for (;;) {
		if (!d->entry) {
			errno = 0;
			d->entry = readdir(d->dp);
			if (!d->entry) {
				err = errno;
				break;
			}
		}
		ssize_t n = add_entry(req, dir, d->entry, plus, buf + used, size - used);
		if (n < 0) {
			err = -n;
			break;
		}
		if ((size_t)n > size - used)
			break;
		used += n;
		d->offset = d->entry->d_off;
		d->entry = NULL;
	}
	/* An error after some entries were added is reported on the next call, not this one. */
	if (err && used == 0)
		fuse_reply_err(req, err);
	else
		fuse_reply_buf(req, buf, used);
	free(buf);
}

void fs_op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, false);
}

void fs_op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, true);
}

/* What mkdir, mknod and symlink make: an object of TYPE with MODE, RDEV or TARGET. */
struct new_object {
	mode_t type;
	mode_t mode;
	dev_t rdev;
	const char *target;
};

static int make_object(int dirfd, const char *name, const struct new_object *o)
{
	int res;
	if (o->type == S_IFDIR)
		res = mkdirat(dirfd, name, o->mode);
	else if (o->type == S_IFLNK)
		res = symlinkat(o->target, dirfd, name);
	else
		res = mknodat(dirfd, name, o->mode, o->rdev);
	return res < 0 ? -errno : 0;
}

/* Replies to a creation that ended with ERR (0 or -errno): on success with the new entry. */
static void reply_made(fuse_req_t req, struct fs_inode *dir, const char *name, int err)
{
	struct fuse_entry_param e;
	if (!err)
		err = fs_lookup_entry(fs_of(req), dir, name, &e);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_entry(req, &e);
}

static void make(fuse_req_t req, fuse_ino_t parent, const char *name, const struct new_object *o)
{
	struct fs_inode *dir = fs_inode(req, parent);
	bool as_caller;
	int err = fs_creds_enter(fs_of(req), req, &as_caller);
	if (!err) {
		err = make_object(dir->fd, name, o);
		fs_creds_leave(fs_of(req), as_caller);
	}
	reply_made(req, dir, name, err);
}

void fs_op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	make(req, parent, name, &(struct new_object){ .type = S_IFDIR, .mode = mode });
}

void fs_op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	make(req, parent, name,
	     &(struct new_object){ .type = mode & S_IFMT, .mode = mode, .rdev = rdev });
}

void fs_op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	make(req, parent, name, &(struct new_object){ .type = S_IFLNK, .target = link });
}

/* linkat(AT_EMPTY_PATH) links the very inode of the handle but needs CAP_DAC_READ_SEARCH; a daemon
 * without it links through /proc/self/fd, which resolves to the same inode (never for a symlink,
 * whose /proc name could be taken as the link to follow). */
void fs_op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	struct fs_inode *in = fs_inode(req, ino), *dir = fs_inode(req, newparent);
	int res = linkat(in->fd, "", dir->fd, newname, AT_EMPTY_PATH);
	if (res < 0 && errno == ENOENT && !S_ISLNK(in->type)) {
		char proc[32];
		fs_inode_proc_path(in, proc);
		res = linkat(AT_FDCWD, proc, dir->fd, newname, AT_SYMLINK_FOLLOW);
	}
	reply_made(req, dir, newname, res < 0 ? -errno : 0);
}

void fs_op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	fuse_reply_err(req, -seg_unlink(fs_inode(req, parent)->fd, name));
}

void fs_op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	int res = unlinkat(fs_inode(req, parent)->fd, name, AT_REMOVEDIR);
	fuse_reply_err(req, res < 0 ? errno : 0);
}

void fs_op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		  const char *newname, unsigned int flags)
{
	fuse_reply_err(req, -seg_rename(fs_inode(req, parent)->fd, name,
					fs_inode(req, newparent)->fd, newname, flags));
}
