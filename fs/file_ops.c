/* file_ops.c - open segments: create, open, read, write, fsync, fallocate, lseek, release.
 * Reads are spliced from the segment (splice.c) or served from its MAP_SHARED mapping (lib/map.c),
 * writes are pwrite(2)s of the request's bytes. The operations on an open file go where its inode's
 * kind says: here for a segment, to view_ops.c for a view (whose file is its segment's, opened by
 * fs_file_open in file.c, and its text). */
#include "ops.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "creds.h"
#include "entry.h"
#include "file.h"
#include "inode.h"
#include "privs.h"
#include "requests.h"
#include "session.h"
#include "splice.h"
#include "watch.h"

#include "kernel_abi.h"

/* Creates NAME in DIR (open as DIRFD) as the caller, or opens the regular file there without
 * O_EXCL; *MADE says whether this call created it (so that a failure later can undo just that).
 * Returns the open fd or -errno. */
static int create_file(fuse_req_t req, struct fs_inode *dir, int dirfd, const char *name,
		       int flags, mode_t mode, bool *made)
{
	struct fs *fs = fs_of(req);
	bool entered;
	int fd = fs_creds_enter(fs, req, &entered);
	for (int tries = 0; fd == 0 && tries < 3; tries++) {
		fs_watch_expect(fs, dir, name, IN_CREATE);
		fd = seg_create(dirfd, name, fs_file_flags(flags, true) | O_EXCL, mode);
		/* A file the caller may write but not read: open it as asked. */
		if (fd == -EACCES && fs_file_widened(flags))
			fd = seg_create(dirfd, name, fs_file_flags(flags, false) | O_EXCL, mode);
		*made = fd >= 0;
		if (fd >= 0 || fd != -EEXIST || (flags & O_EXCL))
			break;
		fs_watch_unexpect(fs, dir, name, IN_CREATE);
		fd = seg_open(dirfd, name, fs_file_flags(flags, true));
		if (fd == -EACCES && fs_file_widened(flags))
			fd = seg_open(dirfd, name, fs_file_flags(flags, false));
		if (fd != -ENOENT) /* (gone again since: create it after all) */
			break;
		fd = 0;
	}
	fs_creds_leave(fs, entered);
	if (!*made)
		fs_watch_unexpect(fs, dir, name, IN_CREATE);
	return fd;
}

/* O_TMPFILE: a file with no name in DIR (open as DIRFD), made as the caller, that a later link(2)
 * may name. libfuse 3.14 has no operation for it: the raw layer turns the kernel's TMPFILE
 * request into a CREATE of FS_TMPFILE_NAME (requests.c). */
static int create_tmpfile(fuse_req_t req, int dirfd, int flags, mode_t mode)
{
	struct fs *fs = fs_of(req);
	bool entered;
	int fd = fs_creds_enter(fs, req, &entered);
	if (fd == 0) {
		int how = O_TMPFILE | O_CLOEXEC | (flags & O_EXCL);
		fd = openat(dirfd, ".", how | fs_file_flags(flags, true), mode);
		if (fd < 0 && errno == EACCES && fs_file_widened(flags))
			fd = openat(dirfd, ".", how | fs_file_flags(flags, false), mode);
		if (fd < 0)
			fd = -errno;
		fs_creds_leave(fs, entered);
	}
	return fd;
}

/* Removes NAME from DIRFD if it still is the file open as FD. */
static void undo_create(int dirfd, const char *name, int fd)
{
	struct stat made, now;
	if (fstat(fd, &made) == 0 && seg_stat(dirfd, name, &now) == 0 && made.st_dev == now.st_dev &&
	    made.st_ino == now.st_ino)
		seg_unlink(dirfd, name);
}

/* The reply to an OPEN, or with E to a CREATE, of F: handed to the kernel with BACKING_ID in
 * passthrough mode. 0, or -ENOENT when the caller was interrupted meanwhile: F is freed then. */
static int reply_opened(fuse_req_t req, struct fuse_file_info *fi, struct fs_file *f,
			int32_t backing_id, const struct fuse_entry_param *e)
{
	fs_file_attach(fs_of(req), fi, f);
	fs_passthrough_arm(fi, backing_id, e != NULL);
	int res = e ? fuse_reply_create(req, e, fi) : fuse_reply_open(req, fi);
	fs_passthrough_disarm(fi);
	if (res == -ENOENT)
		fs_file_free(fs_of(req), req, f);
	return res == -ENOENT ? res : 0;
}

/* A create either replies with the new file open, or fails and leaves nothing behind: what it
 * made is removed again when a later step fails (no fd or memory left for its inode, the user's
 * share of open files used up, passthrough refused). */
void fs_op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		  struct fuse_file_info *fi)
{
	struct fs *fs = fs_of(req);
	struct fs_inode *dir = fs_inode(req, parent), *in = NULL;
	struct fs_file *f = NULL;
	struct fuse_entry_param e;
	int32_t backing_id = 0;
	bool made = false;
	int dirfd = fs_inode_fd(fs, dir);
	int err = dirfd < 0 ? dirfd : fs_file_new(fs, req, &f);
	if (err)
		goto out_err;
	bool tmpfile = strcmp(name, FS_TMPFILE_NAME) == 0;
	int fd = tmpfile ? create_tmpfile(req, dirfd, fi->flags, mode)
			 : create_file(req, dir, dirfd, name, fi->flags, mode, &made);
	if ((err = fd < 0 ? fd : fs_file_set_fd(f, fd)) != 0 ||
	    (err = fs_entry_reply_of(fs, dir, tmpfile ? "" : name, fd, &e)) != 0)
		goto out_err;
	in = (struct fs_inode *)(uintptr_t)e.ino;
	fs_file_link(fs, f, in);
	if ((err = fs_file_hand_to_kernel(req, in, f, &backing_id)) != 0)
		goto out_err;
	fs_inode_put_fd(dir, dirfd);

	if (reply_opened(req, fi, f, backing_id, &e) != 0)
		fs_inode_unref(fs, in, 1); /* (after the file, which may hold the inode's backing id) */
	return;

out_err:
	if (made)
		undo_create(dirfd, name, f->fd);
	if (f)
		fs_file_free(fs, req, f); /* (before the inode: it may hold the inode's backing id) */
	if (in)
		fs_inode_unref(fs, in, 1);
	fs_inode_put_fd(dir, dirfd);
	fuse_reply_err(req, -err);
}

#ifdef SHMFS_LIBFUSE_NO_HOOK
/* libfuse >= 3.18.3 has the operation; below, the raw hook turns TMPFILE into this CREATE. */
void fs_op_tmpfile(fuse_req_t req, fuse_ino_t parent, mode_t mode, struct fuse_file_info *fi)
{
	fs_op_create(req, parent, FS_TMPFILE_NAME, mode, fi);
}
#endif

void fs_segment_open(fuse_req_t req, struct fs_inode *in, struct fuse_file_info *fi)
{
	struct fs_file *f;
	int32_t backing_id;
	int pathfd = fs_inode_fd(fs_of(req), in);
	/* an O_TRUNC by a caller without CAP_FSETID */
	int err = pathfd < 0 ? pathfd : fs_privs_kill(req, pathfd);
	fs_inode_put_fd(in, pathfd);
	if (!err)
		err = fs_file_open(fs_of(req), req, in, fi->flags, &f);
	if (!err && (err = fs_file_hand_to_kernel(req, in, f, &backing_id)) != 0)
		fs_file_free(fs_of(req), req, f);
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	reply_opened(req, fi, f, backing_id, NULL);
}

/* Spliced where a pipe can hold the reply (holes come as the zero page, nothing is allocated).
 * Otherwise data pages go to the kernel straight from the mapping (one copy, done by the kernel; if
 * the segment was truncated under it, the kernel fails this one read with EIO), and holes and the
 * end of file take the copying path, which reads holes as zeros without allocating them. */
void fs_segment_read(fuse_req_t req, struct fs_inode *in, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	(void)in;
	atomic_fetch_add_explicit(&fs_of(req)->reads, 1, memory_order_relaxed);
	if (fs_splice_reply(req, fs_file(fi)->fd, size, off))
		return;
	const void *data;
	ssize_t n = map_peek(fs_file(fi)->map, size, off, &data);
	if (n >= 0) {
		fuse_reply_buf(req, data, n);
		return;
	}
	if (n != -ENODATA) {
		fuse_reply_err(req, -n);
		return;
	}

	/* The range has holes (or is not all there): pread reads them as zeros, allocating nothing. */
	char *buf = malloc(size);
	n = buf ? pread(fs_file(fi)->fd, buf, size, off) : -1;
	if (n < 0)
		fuse_reply_err(req, buf ? errno : ENOMEM);
	else
		fuse_reply_buf(req, buf, n);
	free(buf);
}

/* pwrite, not a store into the mapping: tmpfs grows the segment past its end, stores what fits
 * into a full tmpfs (a short count, or ENOSPC when nothing did), and a segment truncated meanwhile
 * is simply written again, as by any writer; no page of the daemon's is faulted in.
 * A direct O_APPEND write goes to the segment's end as tmpfs has it: the kernel placed it at the
 * end it knew, which another program may have moved since. A cached one (no direct I/O: a kernel
 * before 6.6) stays where the kernel placed it, as its page cache holds it there: such a mount
 * can overwrite what another program appended meanwhile. */
void fs_segment_write(fuse_req_t req, struct fs_inode *in, const char *buf, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	(void)in;
	struct fs_file *f = fs_file(fi);
	atomic_fetch_add_explicit(&fs_of(req)->writes, 1, memory_order_relaxed);
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = size };
	bool append = fs_of(req)->plan.direct_io && (fi->flags & O_APPEND);
	ssize_t n = fs_privs_kill(req, f->fd);
	if (n == 0 && (n = pwritev2(f->fd, &iov, 1, append ? 0 : off, append ? RWF_APPEND : 0)) < 0)
		n = -errno;
	if (n < 0)
		fuse_reply_err(req, -n);
	else
		fuse_reply_write(req, n);
}

void fs_segment_release(fuse_req_t req, struct fs_inode *in, struct fuse_file_info *fi)
{
	(void)in;
	fs_file_release(req, fi);
}

/* Every write is in the segment when write(2) returns: nothing to flush (and its opens say
 * FOPEN_NOFLUSH, so a close sends none). */
void fs_segment_flush(fuse_req_t req, struct fs_inode *in, struct fuse_file_info *fi)
{
	(void)in;
	(void)fi;
	fuse_reply_err(req, 0);
}

void fs_segment_fsync(fuse_req_t req, struct fs_inode *in, int datasync, struct fuse_file_info *fi)
{
	(void)in;
	int fd = fs_file(fi)->fd;
	int res = datasync ? fdatasync(fd) : fsync(fd);
	fuse_reply_err(req, res < 0 ? errno : 0);
}

void fs_segment_fallocate(fuse_req_t req, struct fs_inode *in, int mode, off_t offset,
			  off_t length, struct fuse_file_info *fi)
{
	(void)in;
	int res = fallocate(fs_file(fi)->fd, mode, offset, length);
	fuse_reply_err(req, res < 0 ? errno : 0);
}

void fs_segment_lseek(fuse_req_t req, struct fs_inode *in, off_t off, int whence,
		      struct fuse_file_info *fi)
{
	(void)in;
	off_t res = lseek(fs_file(fi)->fd, off, whence);
	if (res < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_lseek(req, res);
}

/* ---- the operations on open files, by the inode's kind ---- */

void fs_op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs_inode *in = fs_inode(req, ino);
	fs_privs_note_open(fi);
	in->kind->open(req, in, fi);
}

void fs_op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct fs_inode *in = fs_inode(req, ino);
	in->kind->read(req, in, size, off, fi);
}

void fs_op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		 struct fuse_file_info *fi)
{
	struct fs_inode *in = fs_inode(req, ino);
	fs_privs_note_write(req, fi);
	in->kind->write(req, in, buf, size, off, fi);
}

void fs_op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs_inode *in = fs_inode(req, ino);
	in->kind->release(req, in, fi);
}

void fs_op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs_inode *in = fs_inode(req, ino);
	in->kind->flush(req, in, fi);
}

void fs_op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	struct fs_inode *in = fs_inode(req, ino);
	in->kind->fsync(req, in, datasync, fi);
}

void fs_op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length,
		     struct fuse_file_info *fi)
{
	struct fs_inode *in = fs_inode(req, ino);
	in->kind->fallocate(req, in, mode, offset, length, fi);
}

void fs_op_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence, struct fuse_file_info *fi)
{
	struct fs_inode *in = fs_inode(req, ino);
	in->kind->lseek(req, in, off, whence, fi);
}
