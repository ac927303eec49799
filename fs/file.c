/* file.c - a segment open through the mount (struct fs_file): opened for the caller's access
 * (widened to read-write so that it can be mapped; with O_TRUNC as the caller), counted in the
 * caller's share of fds (share.c), linked to its inode, handed to the kernel in passthrough mode,
 * and freed. An open view is such a file too, plus its text (view_ops.c). */
#include "file.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "creds.h"
#include "inode.h"
#include "locks.h"
#include "passthrough.h"
#include "share.h"


/* The flags the daemon opens a segment with: the caller's access mode (the kernel has checked it),
 * write-only widened to read-write so the segment can be mapped (mmap needs a readable fd), and
 * O_TRUNC. The kernel itself handles O_APPEND offsets; other flags mean nothing for tmpfs. */
int fs_file_flags(int flags, bool widen)
{
	int acc = flags & O_ACCMODE;
	if (widen && acc == O_WRONLY)
		acc = O_RDWR;
	return acc | (flags & O_TRUNC);
}

bool fs_file_widened(int flags)
{
	return (flags & O_ACCMODE) == O_WRONLY;
}

/* A new fs_file for REQ's caller, counted against what one user may hold (fs_file_register), that
 * takes FD over once given (file_set_fd). */
int fs_file_new(struct fs *fs, fuse_req_t req, struct fs_file **out)
{
	struct fs_file *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->fd = -1;
	int err = fs_file_register(fs, req, f);
	if (err) {
		free(f);
		return err;
	}
	*out = f;
	return 0;
}

/* F takes FD over, also when this fails (fs_file_free closes it). */
int fs_file_set_fd(struct fs_file *f, int fd)
{
	f->fd = fd;
	return map_open(fd, &f->map);
}

/* The object behind IN opened with FLAGS (the caller's, see open_flags): as that caller when
 * WITH_CALLER (creds.c), through an O_PATH handle taken as the daemon; else as the daemon. */
static int open_object(struct fs *fs, fuse_req_t req, struct fs_inode *in, int flags,
		       bool with_caller)
{
	if (!with_caller)
		return fs_inode_open(fs, in, flags);
	int pathfd = fs_inode_fd(fs, in);
	bool entered = false;
	int fd = pathfd < 0 ? pathfd : fs_creds_enter(fs, req, &entered);
	if (fd == 0) {
		fd = seg_reopen(pathfd, flags);
		fs_creds_leave(fs, entered);
	}
	fs_inode_put_fd(in, pathfd);
	return fd;
}

/* An open that truncates is made with the caller's credentials (creds.c), so that tmpfs clears
 * set-ID bits exactly as for that caller: a root daemon keeps them (CAP_FSETID), and the kernel,
 * which leaves O_TRUNC to the OPEN (atomic_o_trunc), sends no SETATTR that would clear them. */
int fs_file_open(struct fs *fs, fuse_req_t req, struct fs_inode *in, int flags,
		 struct fs_file **out)
{
	struct fs_file *f;
	int err = fs_file_new(fs, req, &f);
	if (err)
		return err;
	bool trunc = flags & O_TRUNC;
	int fd = open_object(fs, req, in, fs_file_flags(flags, true), trunc);
	/* A file the caller may write but not read: open it as asked. */
	if (fd == -EACCES && fs_file_widened(flags))
		fd = open_object(fs, req, in, fs_file_flags(flags, false), trunc);
	/* An append-only file (chattr +a) opens for writing only with O_APPEND: then every write
	 * through this fd is an append, the only kind the file takes. */
	if (fd == -EPERM && (flags & O_APPEND) && !trunc)
		fd = fs_inode_open(fs, in, fs_file_flags(flags, false) | O_APPEND);
	err = fd < 0 ? fd : fs_file_set_fd(f, fd);
	if (err) {
		fs_file_free(fs, NULL, f);
		return err;
	}
	fs_file_link(fs, f, in);
	*out = f;
	return 0;
}

void fs_file_link(struct fs *fs, struct fs_file *f, struct fs_inode *in)
{
	pthread_mutex_lock(&fs->lock);
	f->inode = in;
	f->prev = NULL;
	f->next = in->opens;
	if (in->opens)
		in->opens->prev = f;
	in->opens = f;
	pthread_mutex_unlock(&fs->lock);
}

static void file_unlink(struct fs *fs, struct fs_file *f)
{
	if (!f->inode)
		return;
	pthread_mutex_lock(&fs->lock);
	if (f->prev)
		f->prev->next = f->next;
	else
		f->inode->opens = f->next;
	if (f->next)
		f->next->prev = f->prev;
	pthread_mutex_unlock(&fs->lock);
}

void fs_file_free(struct fs *fs, fuse_req_t req, struct fs_file *f)
{
	fs_locks_release(fs, f);
	file_unlink(fs, f);
	fs_file_unregister(fs, f);
	if (f->passthrough_of)
		fs_backing_put(fs, req, f->passthrough_of);
	viewfile_close(f->text);
	if (f->map)
		map_close(f->map);
	if (f->fd >= 0)
		close(f->fd);
	free(f);
}

/* In passthrough mode a segment's open is handed to the kernel, which then serves it from the
 * inode's backing file; the id goes into the reply (fs_passthrough_arm). */
int fs_file_hand_to_kernel(fuse_req_t req, struct fs_inode *in, struct fs_file *f, int32_t *id)
{
	struct fs *fs = fs_of(req);
	*id = 0;
	if (!fs->plan.passthrough)
		return 0;
	*id = fs_backing_get(fs, req, in, f->fd);
	if (*id < 0) {
		fuse_log(FUSE_LOG_ERR, "shmfs: registering a backing file: %s\n", strerror(-*id));
		return -EIO;
	}
	f->passthrough_of = in;
	return 0;
}

/* keep_cache off: each open drops the kernel's cached pages of the file, so data another program
 * wrote into the backing object shows on the next open. Direct I/O where negotiated (plan.c):
 * then each read(2) and write(2) is a request, and sees what the segment holds at that moment. */
void fs_file_attach(struct fs *fs, struct fuse_file_info *fi, struct fs_file *f)
{
	fi->fh = (uintptr_t)f;
	fi->keep_cache = 0;
	fi->direct_io = fs->plan.direct_io;
	fi->noflush = 1; /* every write is in the segment already: close(2) costs no FLUSH */
}

void fs_file_release(fuse_req_t req, struct fuse_file_info *fi)
{
	fs_file_free(fs_of(req), req, fs_file(fi));
	fuse_reply_err(req, 0);
}
