/* file_ops.c - open segments: create, open, read, write, fsync, fallocate, lseek, release.
 * Reads are spliced from the segment (splice.c) or served from its MAP_SHARED mapping (lib/map.c),
 * writes are pwrite(2)s of the request's bytes; an open view (view_ops.c) shares the open and
 * release, and has its own read and write. */
#include "fs_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

/* The flags the daemon opens a segment with: the caller's access mode (the kernel has checked it),
 * write-only widened to read-write so the segment can be mapped (mmap needs a readable fd), and
 * O_TRUNC. The kernel itself handles O_APPEND offsets; other flags mean nothing for tmpfs. */
static int open_flags(int flags, bool widen)
{
	int acc = flags & O_ACCMODE;
	if (widen && acc == O_WRONLY)
		acc = O_RDWR;
	return acc | (flags & O_TRUNC);
}

static bool widened(int flags)
{
	return (flags & O_ACCMODE) == O_WRONLY;
}

/* Wraps FD in an fs_file; takes FD over in every case. */
static int file_new(struct fs *fs, int fd, struct fs_file **out)
{
	struct fs_file *f = calloc(1, sizeof(*f));
	int err = f ? map_open(fd, &f->map) : -ENOMEM;
	if (err) {
		free(f);
		close(fd);
		return err;
	}
	f->fd = fd;
	fs_handle_add(fs, fs->files, f);
	*out = f;
	return 0;
}

/* An open that truncates is made with the caller's credentials (creds.c), so that tmpfs clears
 * set-ID bits exactly as for that caller: a root daemon keeps them (CAP_FSETID), and the kernel,
 * which leaves O_TRUNC to the OPEN (atomic_o_trunc), sends no SETATTR that would clear them. */
int fs_file_open(struct fs *fs, fuse_req_t req, struct fs_inode *in, int flags,
		 struct fs_file **out)
{
	bool as_caller = false;
	int fd = (flags & O_TRUNC) ? fs_creds_enter(fs, req, &as_caller) : 0;
	if (fd == 0) {
		fd = seg_reopen(in->fd, open_flags(flags, true));
		/* A file the caller may write but not read: open it as asked. */
		if (fd == -EACCES && widened(flags))
			fd = seg_reopen(in->fd, open_flags(flags, false));
		fs_creds_leave(fs, as_caller);
	}
	return fd < 0 ? fd : file_new(fs, fd, out);
}

void fs_file_free(struct fs *fs, fuse_req_t req, struct fs_file *f)
{
	fs_handle_remove(fs, fs->files, f);
	if (f->backing)
		fs_backing_put(fs, req, f->backing);
	if (f->view)
		fs_view_file_free(f->view);
	map_close(f->map);
	close(f->fd);
	free(f);
}

/* In passthrough mode a segment's open is handed to the kernel, which then serves it from the
 * inode's backing file; the id goes into the reply (fs_passthrough_arm). */
static int hand_to_kernel(fuse_req_t req, struct fs_inode *in, struct fs_file *f, int32_t *id)
{
	struct fs *fs = fs_of(req);
	*id = 0;
	if (!fs->passthrough)
		return 0;
	*id = fs_backing_get(fs, req, in);
	if (*id < 0) {
		fuse_log(FUSE_LOG_ERR, "shmfs: registering a backing file: %s\n", strerror(-*id));
		return -EIO;
	}
	f->backing = in;
	return 0;
}

/* keep_cache off: each open drops the kernel's cached pages of the file, so data another program
 * wrote into the backing object shows on the next open. Direct I/O where negotiated (direct.c):
 * then each read(2) and write(2) is a request, and sees what the segment holds at that moment. */
static void file_attach(struct fs *fs, struct fuse_file_info *fi, struct fs_file *f)
{
	fi->fh = (uintptr_t)f;
	fi->keep_cache = 0;
	fi->direct_io = fs->direct_io;
}

void fs_op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		  struct fuse_file_info *fi)
{
	struct fs_inode *dir = fs_inode(req, parent);
	bool as_caller;
	int fd = fs_creds_enter(fs_of(req), req, &as_caller);
	if (fd == 0) {
		fs_watch_expect(fs_of(req), dir, name, IN_CREATE);
		fd = seg_create(dir->fd, name, open_flags(fi->flags, true) | (fi->flags & O_EXCL),
				mode);
		/* An existing file the caller may write but not read: open it as asked. */
		if (fd == -EACCES && widened(fi->flags))
			fd = seg_create(dir->fd, name, open_flags(fi->flags, false) | (fi->flags & O_EXCL),
					mode);
		fs_creds_leave(fs_of(req), as_caller);
		if (fd < 0)
			fs_watch_unexpect(fs_of(req), dir, name, IN_CREATE);
	}

	struct fs_file *f;
	struct fuse_entry_param e;
	int32_t backing_id;
	int err = fd < 0 ? fd : file_new(fs_of(req), fd, &f);
	if (!err && (err = fs_lookup_entry(fs_of(req), dir, name, &e)) != 0)
		fs_file_free(fs_of(req), req, f);
	if (!err && (err = hand_to_kernel(req, (struct fs_inode *)(uintptr_t)e.ino, f,
					  &backing_id)) != 0) {
		fs_inode_unref(fs_of(req), (struct fs_inode *)(uintptr_t)e.ino, 1);
		fs_file_free(fs_of(req), req, f);
	}
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	file_attach(fs_of(req), fi, f);
	fs_passthrough_arm(fi, backing_id, true);
	int res = fuse_reply_create(req, &e, fi);
	fs_passthrough_disarm(fi);
	if (res == -ENOENT) { /* the creator was interrupted: the file first, it uses the inode */
		fs_file_free(fs_of(req), req, f);
		fs_inode_unref(fs_of(req), (struct fs_inode *)(uintptr_t)e.ino, 1);
	}
}

void fs_op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs_inode *in = fs_inode(req, ino);
	if (in->view) {
		fs_view_open(req, in, fi);
		return;
	}
	struct fs_file *f;
	int32_t backing_id;
	int err = fs_privs_kill(req, in->fd); /* an O_TRUNC by a caller without CAP_FSETID */
	if (!err)
		err = fs_file_open(fs_of(req), req, in, fi->flags, &f);
	if (!err && (err = hand_to_kernel(req, in, f, &backing_id)) != 0)
		fs_file_free(fs_of(req), req, f);
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	file_attach(fs_of(req), fi, f);
	fs_passthrough_arm(fi, backing_id, false);
	int res = fuse_reply_open(req, fi);
	fs_passthrough_disarm(fi);
	if (res == -ENOENT)
		fs_file_free(fs_of(req), req, f);
}

/* Spliced where a pipe can hold the reply (holes come as the zero page, nothing is allocated).
 * Otherwise data pages go to the kernel straight from the mapping (one copy, done by the kernel; if
 * the segment was truncated under it, the kernel fails this one read with EIO), and holes and the
 * end of file take the copying path, which reads holes as zeros without allocating them. */
void fs_op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)ino;
	if (fs_file(fi)->view) {
		fs_view_read(req, fs_file(fi), size, off);
		return;
	}
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
void fs_op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		 struct fuse_file_info *fi)
{
	(void)ino;
	struct fs_file *f = fs_file(fi);
	if (f->view) {
		fs_view_write(req, f, buf, size);
		return;
	}
	atomic_fetch_add_explicit(&fs_of(req)->writes, 1, memory_order_relaxed);
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = size };
	bool append = fs_of(req)->direct_io && (fi->flags & O_APPEND);
	ssize_t n = fs_privs_kill(req, f->fd);
	if (n == 0 && (n = pwritev2(f->fd, &iov, 1, append ? 0 : off, append ? RWF_APPEND : 0)) < 0)
		n = -errno;
	if (n < 0)
		fuse_reply_err(req, -n);
	else
		fuse_reply_write(req, n);
}

void fs_op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	fs_file_free(fs_of(req), req, fs_file(fi));
	fuse_reply_err(req, 0);
}

void fs_op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	(void)ino;
	int fd = fs_file(fi)->fd;
	int res = datasync ? fdatasync(fd) : fsync(fd);
	fuse_reply_err(req, res < 0 ? errno : 0);
}

void fs_op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length,
		     struct fuse_file_info *fi)
{
	(void)ino;
	if (fs_file(fi)->view) {
		fuse_reply_err(req, EOPNOTSUPP);
		return;
	}
	int res = fallocate(fs_file(fi)->fd, mode, offset, length);
	fuse_reply_err(req, res < 0 ? errno : 0);
}

/* A view has no holes: its data runs from 0 to its size. */
static void view_lseek(fuse_req_t req, struct fs_inode *in, off_t off, int whence)
{
	struct stat st;
	int err = fs_view_stat(fs_of(req), in, &st);
	if (err)
		fuse_reply_err(req, -err);
	else if (whence != SEEK_DATA && whence != SEEK_HOLE)
		fuse_reply_err(req, EINVAL);
	else if (off >= st.st_size)
		fuse_reply_err(req, ENXIO);
	else
		fuse_reply_lseek(req, whence == SEEK_DATA ? off : st.st_size);
}

void fs_op_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence, struct fuse_file_info *fi)
{
	if (fs_file(fi)->view) {
		view_lseek(req, fs_inode(req, ino), off, whence);
		return;
	}
	off_t res = lseek(fs_file(fi)->fd, off, whence);
	if (res < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_lseek(req, res);
}
