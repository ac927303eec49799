/* dir_ops.c - directory operations: listing (readdir, readdirplus) and changing entries (mkdir,
 * mknod, symlink, link, unlink, rmdir, rename). New objects are made as the caller (creds.c).
 * Listings add the views of typed segments; a view itself cannot be linked, removed or renamed. */
#include "fs_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void dirent_clear(gpointer p)
{
	g_free(((struct fs_dirent *)p)->name);
}

static void add_dirent(GArray *entries, const char *name, ino_t ino, unsigned char type)
{
	struct fs_dirent de = { .name = g_strdup(name), .ino = ino, .type = type };
	g_array_append_val(entries, de);
}

/* Reads the whole directory, then adds NAME.txt for each typed regular segment NAME that has no
 * real NAME.txt beside it (a real file always wins over a view). */
static int read_entries(struct fs *fs, struct fs_inode *dir, GArray *entries)
{
	g_array_set_size(entries, 0);
	DIR *dp = seg_opendir(dir->fd);
	if (!dp)
		return -errno;

	g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
	struct dirent *d;
	errno = 0;
	while ((d = readdir(dp))) {
		add_dirent(entries, d->d_name, d->d_ino, d->d_type);
		errno = 0;
	}
	int err = -errno;
	closedir(dp);
	if (err)
		return err;

	guint real = entries->len;
	for (guint i = 0; i < real; i++) {
		struct fs_dirent *de = &g_array_index(entries, struct fs_dirent, i);
		g_hash_table_add(names, de->name);
	}
	for (guint i = 0; i < real; i++) {
		struct fs_dirent de = g_array_index(entries, struct fs_dirent, i);
		if (de.type != DT_REG || !typesrc_has_type(fs->types, dir->fd, de.name))
			continue;
		g_autofree char *view = g_strconcat(de.name, ".txt", NULL);
		if (!g_hash_table_contains(names, view))
			add_dirent(entries, view, de.ino | FS_VIEW_INO_BIT, DT_REG);
	}
	return 0;
}

void fs_dir_free(struct fs *fs, struct fs_dir *d)
{
	fs_handle_remove(fs, fs->dirs, d);
	g_array_free(d->entries, TRUE);
	g_free(d);
}

void fs_op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs_dir *d = g_new0(struct fs_dir, 1);
	d->entries = g_array_new(FALSE, FALSE, sizeof(struct fs_dirent));
	g_array_set_clear_func(d->entries, dirent_clear);
	fs_handle_add(fs_of(req), fs_of(req)->dirs, d);
	int err = read_entries(fs_of(req), fs_inode(req, ino), d->entries);
	if (err) {
		fs_dir_free(fs_of(req), d);
		fuse_reply_err(req, -err);
		return;
	}
	fi->fh = (uintptr_t)d;
	if (fuse_reply_open(req, fi) == -ENOENT) /* the opener was interrupted */
		fs_dir_free(fs_of(req), d);
}

void fs_op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	fs_dir_free(fs_of(req), fs_dir(fi));
	fuse_reply_err(req, 0);
}

void fs_op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	(void)fi;
	int fd = seg_reopen(fs_inode(req, ino)->fd, O_RDONLY | O_DIRECTORY);
	int res = fd < 0 ? fd : (datasync ? fdatasync(fd) : fsync(fd)) < 0 ? -errno : 0;
	if (fd >= 0)
		close(fd);
	fuse_reply_err(req, -res);
}

static bool is_dot_or_dotdot(const char *name)
{
	return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

/* Adds entry DE, whose offset is NEXT, to the reply buffer; returns its size (more than ROOM: it
 * did not fit, nothing was added), 0 to skip an entry that vanished since it was read, or -errno.
 * In plus mode the entry is looked up, which the kernel counts as a reference, so one that does
 * not fit is undone. */
static ssize_t add_entry(fuse_req_t req, struct fs_inode *dir, const struct fs_dirent *de,
			 off_t next, bool plus, char *buf, size_t room)
{
	struct fuse_entry_param e = { .attr = { .st_ino = de->ino, .st_mode = de->type << 12 } };
	if (!plus)
		return fuse_add_direntry(req, buf, room, de->name, &e.attr, next);

	if (!is_dot_or_dotdot(de->name)) {
		int err = fs_lookup_entry(fs_of(req), dir, de->name, &e);
		if (err)
			return err == -ENOENT ? 0 : err;
	}
	size_t size = fuse_add_direntry_plus(req, buf, room, de->name, &e, next);
	if (size > room && e.ino)
		fs_inode_unref(fs_of(req), (struct fs_inode *)(uintptr_t)e.ino, 1);
	return size;
}

static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi, bool plus)
{
	struct fs_inode *dir = fs_inode(req, ino);
	struct fs_dir *d = fs_dir(fi);
	int err = 0;

	/* A rewind (offset 0 once more) reads the directory again, as rewinddir(3) would. */
	if (off == 0 && d->served && (err = read_entries(fs_of(req), dir, d->entries))) {
		fuse_reply_err(req, -err);
		return;
	}
	d->served = true;
	char *buf = g_malloc(size);
	size_t used = 0;
	for (guint i = off; i < d->entries->len; i++) {
		const struct fs_dirent *de = &g_array_index(d->entries, struct fs_dirent, i);
		ssize_t n = add_entry(req, dir, de, i + 1, plus, buf + used, size - used);
		if (n < 0) {
			err = -n;
			break;
		}
		if ((size_t)n > size - used)
			break;
		used += n;
	}
	/* An error after some entries were added is reported on the next call, not this one. */
	if (err && used == 0)
		fuse_reply_err(req, err);
	else
		fuse_reply_buf(req, buf, used);
	g_free(buf);
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
		fs_watch_expect(fs_of(req), dir, name, IN_CREATE);
		err = make_object(dir->fd, name, o);
		fs_creds_leave(fs_of(req), as_caller);
		if (err)
			fs_watch_unexpect(fs_of(req), dir, name, IN_CREATE);
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
	if (in->view) {
		fuse_reply_err(req, EPERM);
		return;
	}
	fs_watch_expect(fs_of(req), dir, newname, IN_CREATE);
	int res = linkat(in->fd, "", dir->fd, newname, AT_EMPTY_PATH);
	if (res < 0 && errno == ENOENT && !S_ISLNK(in->type)) {
		char proc[32];
		fs_inode_proc_path(in, proc);
		res = linkat(AT_FDCWD, proc, dir->fd, newname, AT_SYMLINK_FOLLOW);
	}
	int err = res < 0 ? -errno : 0;
	if (err)
		fs_watch_unexpect(fs_of(req), dir, newname, IN_CREATE);
	reply_made(req, dir, newname, err);
}

/* ERR of a removal or rename of NAME in DIR: a view is not in the backing directory (ENOENT
 * there), but it is there for the caller, who may not remove it: EPERM says so. */
static int view_guard(fuse_req_t req, struct fs_inode *dir, const char *name, int err)
{
	return err == -ENOENT && fs_view_named(fs_of(req), dir->fd, name) ? -EPERM : err;
}

void fs_op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fs_inode *dir = fs_inode(req, parent);
	fs_watch_expect(fs_of(req), dir, name, IN_DELETE);
	int err = seg_unlink(dir->fd, name);
	if (err)
		fs_watch_unexpect(fs_of(req), dir, name, IN_DELETE);
	fuse_reply_err(req, -view_guard(req, dir, name, err));
}

void fs_op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fs_inode *dir = fs_inode(req, parent);
	fs_watch_expect(fs_of(req), dir, name, IN_DELETE);
	int err = unlinkat(dir->fd, name, AT_REMOVEDIR) < 0 ? errno : 0;
	if (err)
		fs_watch_unexpect(fs_of(req), dir, name, IN_DELETE);
	fuse_reply_err(req, err);
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
	struct fs_inode *dir = fs_inode(req, parent), *newdir = fs_inode(req, newparent);
	rename_events(fs_of(req), fs_watch_expect, dir, name, newdir, newname, flags);
	int err = seg_rename(dir->fd, name, newdir->fd, newname, flags);
	if (err)
		rename_events(fs_of(req), fs_watch_unexpect, dir, name, newdir, newname, flags);
	fuse_reply_err(req, -view_guard(req, dir, name, err));
}
