/* dir_ops.c - directory operations: listing (readdir, readdirplus) and changing entries (mkdir,
 * mknod, symlink, link, unlink, rmdir, rename). New objects are made as the caller (creds.c).
 * Listings add the views of typed segments (unless -o views=hidden or off); a view itself cannot
 * be linked, removed or renamed, and a file renamed over one is applied to its segment as an edit
 * (view_ops.c). */
#include "ops.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "creds.h"
#include "entry.h"
#include "inode.h"
#include "listing.h"
#include "view_ops.h"
#include "watch.h"

/* A listing is read from the backing directory at each READDIR, from the offset the kernel gives,
 * and nothing of it is kept between requests: an open directory costs the daemon no memory and no
 * fd, however many a user opens, and a listing of a million names is read a reply at a time.
 *
 * It comes in two passes over the backing directory: every name as it is there, then the views
 * NAME.txt of its typed segments. Offsets are the backing directory's own (d_off, which lseek
 * takes back; tmpfs's stay valid while names come and go), with the top bit set in the second
 * pass (a position is never negative). So a name added or removed meanwhile never makes another
 * one be skipped or sent twice, on any file system. */
#define VIEWS_PASS ((uint64_t)1 << 63)

/* Opens directory DIR for reading at position POS. */
static DIR *open_at(struct fs *fs, struct fs_inode *dir, off_t pos)
{
	int pathfd = fs_inode_fd(fs, dir);
	if (pathfd < 0) {
		errno = -pathfd;
		return NULL;
	}
	DIR *dp = seg_opendir(pathfd);
	fs_inode_put_fd(dir, pathfd);
	if (dp && pos)
		seekdir(dp, pos); /* glibc: an lseek to the kernel's d_off */
	return dp;
}

/* The view NAME.txt of entry D (or NULL: none), listed for a typed regular segment whose view
 * would be a name, unless a real NAME.txt is there: a real file always wins. */
static char *view_of(struct fs *fs, int dirfd, const struct dirent *d)
{
	if (d->d_type != DT_REG || !typesrc_has_type(fs->types, dirfd, d->d_name))
		return NULL;
	return viewfile_name_at(dirfd, d->d_name);
}

static bool is_dot_or_dotdot(const char *name)
{
	return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

/* Adds entry NAME (inode number INO, type DT_*) of DIR, read through DIRFD, whose offset is NEXT,
 * to the reply buffer; returns its size (more than ROOM: it did not fit, nothing was added), 0 to
 * skip an entry that vanished since it was read, or -errno. In plus mode the entry is looked up
 * (fs_listing_entry), which the kernel counts as a reference, so one that does not fit is undone. */
static ssize_t add_entry(fuse_req_t req, struct fs_inode *dir, int dirfd, const char *name,
			 ino_t ino, unsigned char type, uint64_t next, bool plus, char *buf,
			 size_t room)
{
	struct fuse_entry_param e = { .attr = { .st_ino = ino, .st_mode = type << 12 } };
	if (!plus)
		return fuse_add_direntry(req, buf, room, name, &e.attr, next);
	if (!is_dot_or_dotdot(name)) {
		int err = fs_listing_entry(fs_of(req), dir, dirfd, name, &e);
		if (err)
			return err == -ENOENT ? 0 : err;
	}
	size_t size = fuse_add_direntry_plus(req, buf, room, name, &e, next);
	if (size > room && e.ino)
		fs_inode_unref(fs_of(req), (struct fs_inode *)(uintptr_t)e.ino, 1);
	return size;
}

/* A reply filled from the backing directory: where the next entry goes. */
struct reply {
	fuse_req_t req;
	struct fs_inode *dir;
	int dirfd;
	bool plus;
	char *buf;
	size_t size, used;
	int err; /* 0 or -errno */
};

/* Adds one entry: false when the reply is full (or an error ended it). */
static bool reply_add(struct reply *r, const char *name, ino_t ino, unsigned char type,
		      uint64_t next)
{
	size_t room = r->size - r->used;
	ssize_t n = add_entry(r->req, r->dir, r->dirfd, name, ino, type, next, r->plus,
			      r->buf + r->used, room);
	if (n < 0)
		r->err = (int)n;
	else if ((size_t)n <= room)
		r->used += n;
	return n >= 0 && (size_t)n <= room;
}

/* Fills R from DP, from the offset it was opened at; VIEWS: in the second pass. Returns true when
 * the names are all sent and the views' pass is to start in this reply (from a directory opened
 * anew: after its end, ext4 reads nothing more from a rewound htree directory). With -o views=hidden
 * or off there is no views' pass: the listing ends with the names. */
static bool fill_reply(struct fs *fs, struct reply *r, DIR *dp, bool views)
{
	bool list_views = fs->views == FS_VIEWS_SHOWN;
	if (views && !list_views)
		return false;
	for (;;) {
		errno = 0;
		struct dirent *d = readdir(dp);
		if (!d && errno) {
			r->err = -errno;
			return false;
		}
		/* Every name was sent: the views follow, from the start, in the next reply, which
		 * comes (at the offset of the last name) whenever this one holds names: so the pass
		 * over the whole directory that finds the views is made once per listing. */
		if (!d)
			return !views && r->used == 0 && list_views;
		if (!views) {
			if (!reply_add(r, d->d_name, d->d_ino, d->d_type, d->d_off))
				return false;
			continue;
		}
		g_autofree char *view = view_of(fs, r->dirfd, d);
		if (view)
			fs_listing_viewed(fs, r->dir, d->d_name);
		if (view && !reply_add(r, view, d->d_ino | VIEWFILE_INO_BIT, DT_REG,
				       (uint64_t)d->d_off | VIEWS_PASS))
			return false;
	}
}

static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, bool plus)
{
	struct fs *fs = fs_of(req);
	uint64_t cookie = (uint64_t)off;
	struct fs_inode *dir = fs_inode(req, ino);
	DIR *dp = open_at(fs, dir, (off_t)(cookie & ~VIEWS_PASS));
	if (!dp) {
		fuse_reply_err(req, errno);
		return;
	}
	struct reply r = { req, dir, dirfd(dp), plus, g_malloc(size), size, 0, 0 };
	if (fill_reply(fs, &r, dp, cookie & VIEWS_PASS)) {
		closedir(dp);
		if ((dp = open_at(fs, dir, 0))) {
			r.dirfd = dirfd(dp);
			fill_reply(fs, &r, dp, true);
		} else {
			r.err = -errno;
		}
	}
	if (dp)
		closedir(dp);
	/* An error after some entries were added is reported on the next call, not this one. */
	if (r.err && r.used == 0)
		fuse_reply_err(req, -r.err);
	else
		fuse_reply_buf(req, r.buf, r.used);
	g_free(r.buf);
}

/* The kernel keeps a directory's listing (FOPEN_CACHE_DIR) under -o cache=watch, and checks it at
 * each opendir against the directory's version and mtime (listing.c says how a view's coming and
 * going moves that mtime, and when listings are not kept). */
void fs_op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs *fs = fs_of(req);
	struct fs_inode *dir = fs_inode(req, ino);
	fi->fh = 0; /* nothing to keep: see do_readdir */
	/* a directory that inotify could not watch tells no view's coming or going */
	pthread_mutex_lock(&fs->lock);
	bool watched = dir->wd >= 0;
	pthread_mutex_unlock(&fs->lock);
	if (fs_listings_kept(fs) && watched) {
		fi->cache_readdir = 1;
		fi->keep_cache = 1;
	}
	fuse_reply_open(req, fi);
}

void fs_op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, 0);
}

void fs_op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	(void)fi;
	do_readdir(req, ino, size, off, false);
}

void fs_op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	(void)fi;
	do_readdir(req, ino, size, off, true);
}

void fs_op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	(void)fi;
	int fd = fs_inode_open(fs_of(req), fs_inode(req, ino), O_RDONLY | O_DIRECTORY);
	int res = fd < 0 ? fd : (datasync ? fdatasync(fd) : fsync(fd)) < 0 ? -errno : 0;
	if (fd >= 0)
		close(fd);
	fuse_reply_err(req, -res);
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

/* The entry E of NAME just made in DIR (open as DIRFD), after a creation that ended with ERR:
 * returns ERR, or the error of the lookup. A creation that cannot be replied to (no memory, no fd
 * left for its inode) is undone, so that a failed mkdir or link leaves nothing behind. */
static int entry_made(fuse_req_t req, struct fs_inode *dir, int dirfd, const char *name,
		      bool is_dir, int err, struct fuse_entry_param *e)
{
	if (!err && (err = fs_lookup_entry(fs_of(req), dir, name, e)) != 0)
		unlinkat(dirfd, name, is_dir ? AT_REMOVEDIR : 0);
	return err;
}

/* The fds of a request's inodes go back before the reply: once it is sent, the kernel may forget
 * them, and another thread free them. */
static void reply_entry_or_err(fuse_req_t req, int err, const struct fuse_entry_param *e)
{
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_entry(req, e);
}

static void make(fuse_req_t req, fuse_ino_t parent, const char *name, const struct new_object *o)
{
	struct fs_inode *dir = fs_inode(req, parent);
	int dirfd = fs_inode_fd(fs_of(req), dir);
	bool entered;
	int err = dirfd < 0 ? dirfd : fs_creds_enter(fs_of(req), req, &entered);
	if (!err) {
		fs_watch_expect(fs_of(req), dir, name, IN_CREATE);
		err = fs_watch_done(fs_of(req), dir, name, IN_CREATE, make_object(dirfd, name, o));
		fs_creds_leave(fs_of(req), entered);
	}
	struct fuse_entry_param e;
	err = entry_made(req, dir, dirfd, name, o->type == S_IFDIR, err, &e);
	fs_inode_put_fd(dir, dirfd);
	reply_entry_or_err(req, err, &e);
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
static int link_object(struct fs_inode *in, int fd, int dirfd, const char *newname)
{
	int res = linkat(fd, "", dirfd, newname, AT_EMPTY_PATH);
	if (res < 0 && errno == ENOENT && !S_ISLNK(in->type)) {
		char proc[SEG_FD_PATH_MAX];
		seg_fd_path(fd, proc);
		res = linkat(AT_FDCWD, proc, dirfd, newname, AT_SYMLINK_FOLLOW);
	}
	return res < 0 ? -errno : 0;
}

void fs_op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	struct fs *fs = fs_of(req);
	struct fs_inode *in = fs_inode(req, ino), *dir = fs_inode(req, newparent);
	if (!in->kind->object) { /* a view: its segment may be linked, not it */
		fuse_reply_err(req, EPERM);
		return;
	}
	int fd = fs_inode_fd(fs, in), dirfd = fs_inode_fd(fs, dir);
	int err = fd < 0 ? fd : dirfd;
	if (err >= 0) {
		fs_watch_expect(fs, dir, newname, IN_CREATE);
		err = fs_watch_done(fs, dir, newname, IN_CREATE, link_object(in, fd, dirfd, newname));
	}
	struct fuse_entry_param e;
	err = entry_made(req, dir, dirfd, newname, false, err, &e);
	fs_inode_put_fd(in, fd);
	fs_inode_put_fd(dir, dirfd);
	reply_entry_or_err(req, err, &e);
}

/* ERR of a removal or rename of NAME in DIR: a view is not in the backing directory (ENOENT
 * there), but it is there for the caller, who may not remove it: EPERM says so. */
static int view_guard(fuse_req_t req, int dirfd, const char *name, int err)
{
	return err == -ENOENT && fs_view_named(fs_of(req), dirfd, name) ? -EPERM : err;
}

/* Removes NAME from DIR with unlinkat FLAGS (0 or AT_REMOVEDIR). */
static void remove_name(fuse_req_t req, fuse_ino_t parent, const char *name, int flags)
{
	struct fs_inode *dir = fs_inode(req, parent);
	int dirfd = fs_inode_fd(fs_of(req), dir);
	int err = dirfd;
	if (dirfd >= 0) {
		fs_watch_expect(fs_of(req), dir, name, IN_DELETE);
		err = fs_watch_done(fs_of(req), dir, name, IN_DELETE,
				    unlinkat(dirfd, name, flags) < 0 ? -errno : 0);
		err = view_guard(req, dirfd, name, err);
	}
	fs_inode_put_fd(dir, dirfd);
	fuse_reply_err(req, -err);
}

void fs_op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	remove_name(req, parent, name, 0);
}

void fs_op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	remove_name(req, parent, name, AT_REMOVEDIR);
}

/* The events a rename makes: the name leaves one place and arrives at the other (both ways for
 * an exchange). */
static void rename_events(struct fs *fs, void (*note)(struct fs *, const struct fs_inode *,
						      const char *, uint32_t),
			  struct fs_inode *dir, const char *name, struct fs_inode *newdir,
			  const char *newname, unsigned int flags)
{
	note(fs, dir, name, IN_MOVED_FROM);
	note(fs, newdir, newname, IN_MOVED_TO);
	if (flags & RENAME_EXCHANGE) {
		note(fs, newdir, newname, IN_MOVED_FROM);
		note(fs, dir, name, IN_MOVED_TO);
	}
}

void fs_op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		  const char *newname, unsigned int flags)
{
	struct fs *fs = fs_of(req);
	struct fs_inode *dir = fs_inode(req, parent), *newdir = fs_inode(req, newparent);
	int dirfd = fs_inode_fd(fs, dir), newdirfd = fs_inode_fd(fs, newdir);
	int err = dirfd < 0 ? dirfd : newdirfd < 0 ? newdirfd : 0;
	if (!err && !(flags & RENAME_EXCHANGE) && fs_view_named(fs, newdirfd, newname)) {
		/* sed -i, an editor's save: the file is an edit of the view's segment */
		err = flags & RENAME_NOREPLACE ? -EEXIST
					       : fs_view_replace(req, dirfd, name, newdirfd, newname);
		err = view_guard(req, dirfd, name, err);
	} else if (!err) {
		rename_events(fs, fs_watch_expect, dir, name, newdir, newname, flags);
		err = seg_rename(dirfd, name, newdirfd, newname, flags);
		if (err)
			rename_events(fs, fs_watch_unexpect, dir, name, newdir, newname, flags);
		err = view_guard(req, dirfd, name, err);
	}
	fs_inode_put_fd(dir, dirfd);
	fs_inode_put_fd(newdir, newdirfd);
	fuse_reply_err(req, -err);
}
