/* view_ops.c - the sidecar view NAME.txt of a typed segment NAME through FUSE: found by lookup,
 * opened, read and edited through its lib object (lib/viewfile.c); and what only the daemon knows
 * of: its users' shares of memory, the refusal each user met, the store as that user's write.
 *
 * An edit is all or nothing however it comes: the kernel cuts one write(2) into WRITE requests of
 * at most 1 MiB (and smaller ones where the writer's buffer is not page-aligned), which say
 * nothing of where the write(2) ends. So each WRITE is a piece of the edit (viewfile_write), and
 * the edit is stored when the file is closed (FLUSH: close(2) returns the error of a store that
 * failed), fsynced, or released (viewfile_commit). Until then every reader, the writer's own fd
 * included, reads the segment as it was. A file renamed over a view (sed -i, an editor's save) is
 * one edit the same way (fs_view_replace). */
#include "view_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "creds.h"
#include "file.h"
#include "inode.h"
#include "privs.h"
#include "share.h"
#include "watch.h"

#include "viewfile.h"

/* "X" for a view name "X.txt", or NULL (always with -o views=off: no name is a view). */
static char *segment_name(const struct fs *fs, const char *name)
{
	return fs->views == FS_VIEWS_OFF ? NULL : viewfile_segment(name);
}

/* The name IN's segment had at its last lookup (g_free it; NULL for none), read under fs.lock:
 * a rename changes it. */
static char *segment_of(struct fs *fs, const struct fs_inode *in)
{
	pthread_mutex_lock(&fs->lock);
	char *name = in ? g_strdup(in->name) : NULL;
	pthread_mutex_unlock(&fs->lock);
	return name;
}

/* The declaration of the view's segment (open as FD), looked up again now: its xattr, or the
 * types file by the name the segment had at the last lookup. */
static char *decl_of(struct fs *fs, struct fs_inode *in, int fd)
{
	g_autofree char *name = segment_of(fs, in);
	return typesrc_lookup(fs->types, fd, name);
}

bool fs_view_named(struct fs *fs, int dirfd, const char *name)
{
	g_autofree char *seg = segment_name(fs, name);
	g_autofree char *decl = NULL;
	int handle;
	struct stat st;
	g_autofree char *view = seg ? viewfile_name_at(dirfd, seg) : NULL;
	if (!view)
		return false; /* no view name, or a real file of that name, which wins */
	if (viewfile_segment_at(fs->types, dirfd, seg, &handle, &st, &decl) != 0)
		return false;
	close(handle);
	return true;
}

int fs_view_lookup(struct fs *fs, struct fs_inode *parent, int dirfd, const char *name,
		   struct fuse_entry_param *e)
{
	g_autofree char *seg = segment_name(fs, name);
	g_autofree char *decl = NULL;
	int handle;
	struct stat st;
	if (!seg)
		return -ENOENT;
	int err = viewfile_segment_at(fs->types, dirfd, seg, &handle, &st, &decl);
	if (err)
		return err;

	*e = (struct fuse_entry_param){ .attr = st };
	viewfile_stat(&e->attr, decl);
	double timeout;
	struct fs_inode *in = fs_inode_get(fs, handle, &st, fs->kinds.view, parent, seg, &timeout);
	close(handle);
	if (!in)
		return -ENOMEM;
	e->ino = (uintptr_t)in;
	e->attr_timeout = e->entry_timeout = timeout; /* (0: see fs_watch_name) */
	return 0;
}

/* The view's attributes: the segment's owner, times and read/write bits, the text's size. */
int fs_view_stat(struct fs *fs, struct fs_inode *in, struct stat *st)
{
	int fd = fs_inode_fd(fs, in);
	if (fd < 0)
		return fd;
	int err = seg_stat(fd, "", st);
	g_autofree char *decl = err ? NULL : decl_of(fs, in, fd);
	fs_inode_put_fd(in, fd);
	if (err)
		return err;
	if (!decl)
		return -ENOENT; /* the segment lost its type: its view is gone */
	viewfile_stat(st, decl); /* all data: du counts the text too; -o views=hidden keeps it out */
	return 0;
}

/* The budget of a user's edits not yet stored: their share of the daemon's memory. */
static int edit_charge(void *fs, uid_t uid, ssize_t delta)
{
	return fs_edit_memory(fs, uid, delta);
}

/* The text of a view of type DECL, whose edits count in WRITER's share. */
static struct viewfile *text_open(struct fs *fs, const char *decl, uid_t writer)
{
	return viewfile_open(decl, &(struct viewfile_budget){ edit_charge, fs, writer });
}

/* A view is read and written by the daemon every time (direct_io): its text is made from the
 * segment at the moment of the read, so no page cache could stay true for long. */
void fs_view_open(fuse_req_t req, struct fs_inode *in, struct fuse_file_info *fi)
{
	int fd = fs_inode_fd(fs_of(req), in);
	g_autofree char *decl = fd < 0 ? NULL : decl_of(fs_of(req), in, fd);
	fs_inode_put_fd(in, fd);
	if (!decl) {
		fuse_reply_err(req, fd < 0 ? -fd : ENOENT);
		return;
	}
	struct fs_file *f;
	int err = fs_file_open(fs_of(req), req, in, fi->flags & ~O_TRUNC, &f);
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	f->text = text_open(fs_of(req), decl, f->uid);
	fi->fh = (uintptr_t)f;
	fi->direct_io = 1;
	if (fuse_reply_open(req, fi) == -ENOENT)
		fs_file_free(fs_of(req), req, f);
}

void fs_view_read(fuse_req_t req, struct fs_inode *in, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	(void)in;
	struct fs_file *f = fs_file(fi);
	assert(f->text); /* a view's open file */
	char *buf = g_malloc(size);
	ssize_t n = viewfile_read(f->text, f->map, buf, size, off);
	if (n < 0)
		fuse_reply_err(req, -n);
	else
		fuse_reply_buf(req, buf, n);
	g_free(buf);
}

/* ---- the last refusal, for the user who met it ---- */

/* Refusals kept at most: a user gets at most this many entries' worth of daemon memory. */
#define VIEW_ERRORS_MAX 4096

void fs_view_errors_init(struct fs *fs)
{
	fs->view_errors = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	fs->view_error_keys = g_queue_new();
}

void fs_view_errors_free(struct fs *fs)
{
	g_hash_table_destroy(fs->view_errors);
	g_queue_free_full(fs->view_error_keys, g_free);
}

static char *error_key(dev_t dev, ino_t ino, uid_t uid)
{
	return g_strdup_printf("%llx:%llx:%u", (unsigned long long)dev, (unsigned long long)ino,
			       (unsigned)uid);
}

/* Keeps MSG (NULL: none) as UID's last refusal on segment DEV:INO. */
static void error_set(struct fs *fs, dev_t dev, ino_t ino, uid_t uid, const char *msg)
{
	char *key = error_key(dev, ino, uid);
	pthread_mutex_lock(&fs->lock);
	/* (the queue is searched only for a key the table has: a stored edit clears one that is
	 * mostly not there, and the queue may hold VIEW_ERRORS_MAX keys) */
	GList *old = g_hash_table_contains(fs->view_errors, key)
			     ? g_queue_find_custom(fs->view_error_keys, key, (GCompareFunc)strcmp)
			     : NULL;
	if (old) {
		g_hash_table_remove(fs->view_errors, old->data);
		g_free(old->data);
		g_queue_delete_link(fs->view_error_keys, old);
	}
	if (msg) {
		if (g_queue_get_length(fs->view_error_keys) >= VIEW_ERRORS_MAX) {
			char *oldest = g_queue_pop_head(fs->view_error_keys);
			g_hash_table_remove(fs->view_errors, oldest);
			g_free(oldest);
		}
		g_queue_push_tail(fs->view_error_keys, key);
		g_hash_table_insert(fs->view_errors, key, g_strdup(msg));
		key = NULL;
	}
	pthread_mutex_unlock(&fs->lock);
	g_free(key);
}

char *fs_view_error(struct fs *fs, const struct fs_inode *in, uid_t uid)
{
	g_autofree char *key = error_key(in->dev, in->ino, uid);
	pthread_mutex_lock(&fs->lock);
	char *msg = g_strdup(g_hash_table_lookup(fs->view_errors, key));
	pthread_mutex_unlock(&fs->lock);
	return msg;
}

/* Why an edit failed with ERR, in words, when the parser gave none. */
static const char *reason_of(int err)
{
	switch (err) {
	case -ENOSPC: return "the tmpfs has no room for the pages the edit writes into";
	case -EIO: return "the segment shrank under the edit";
	case -EFBIG: return "the edit holds more than the 256 MiB of daemon memory one user's "
			    "pending edits may";
	default: return strerror(-err);
	}
}

/* Tells of edit refusal ERR (REASON, or NULL for reason_of's) by REQ's caller on the segment ST,
 * named SEG: in the log, and as that user's user.shmfs.error on the view. Returns ERR. */
static int refuse(fuse_req_t req, const struct stat *st, const char *seg, int err,
		  const char *reason)
{
	uid_t uid = fuse_req_ctx(req)->uid;
	g_autofree char *msg = g_strdup_printf("%s (%s); nothing was stored",
					       reason ? reason : reason_of(err), strerror(-err));
	fuse_log(FUSE_LOG_NOTICE, "shmfs: edit of %s.txt by uid %u refused: %s\n", seg, (unsigned)uid,
		 msg);
	error_set(fs_of(req), st->st_dev, st->st_ino, uid, msg);
	return err;
}

/* The name of F's segment, as last looked up (g_free it). */
static char *name_of(struct fs *fs, const struct fs_file *f)
{
	char *name = segment_of(fs, f->inode);
	return name ? name : g_strdup("?");
}

/* ---- edits ---- */

/* A WRITE request shorter than this is the last of its write(2), or almost surely: the kernel
 * cuts a write(2) from one buffer into requests of FS_MAX_REQUEST bytes, or one page less where
 * the buffer starts inside a page. A last line without its '\n' there is checked at once for
 * what no later write(2) could mend (viewfile_write's LAST), so that printf '0 Col9=1' > view
 * fails in write(2), where the shell sees it (it ignores an error of close(2)). */
#define LAST_PIECE_MAX (FS_MAX_REQUEST - 4096)

/* An edit stored into the segment open as FD is a write by REQ's caller: set-ID bits go as for its
 * write(2), and the modification time moves (stores into a mapping change no time on tmpfs). */
static int stored_as_write(fuse_req_t req, int fd)
{
	int res = fs_privs_kill_write(req, fd);
	if (!res && futimens(fd, (const struct timespec[]){ { .tv_nsec = UTIME_OMIT },
							   { .tv_nsec = UTIME_NOW } }) < 0)
		res = -errno;
	return res;
}

/* The reason of a refusal for refuse(): the parser's words, or none. */
static const char *reason(const struct rtype_error *err)
{
	return err->msg[0] ? err->msg : NULL;
}

/* Tells refusal RES of an edit through F (see refuse), its reason in ERR or none. */
static void refuse_file(fuse_req_t req, struct fs_file *f, int res, const struct rtype_error *err)
{
	struct stat st;
	g_autofree char *seg = name_of(fs_of(req), f);
	if (fstat(f->fd, &st) == 0)
		refuse(req, &st, seg, res, reason(err));
}

/* A WRITE to an open view: a piece of the edit being written, checked line by line as it comes
 * and stored only when the file is closed (FLUSH), fsynced or released (commit). */
void fs_view_write(fuse_req_t req, struct fs_inode *in, const char *buf, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	(void)in;
	(void)off;
	struct fs_file *f = fs_file(fi);
	assert(f->text); /* a view's open file */
	struct viewfile_result r;
	int res = viewfile_write(f->text, f->map, buf, size, size < LAST_PIECE_MAX, &r);
	if (res && r.fresh)
		refuse_file(req, f, res, &r.why);
	if (res)
		fuse_reply_err(req, -res);
	else
		fuse_reply_write(req, size);
}

/* Stores the edit written through F so far, all of it or (with -errno) none: 0 when there was
 * none. A refusal met by an earlier WRITE is told again here, once. */
static int commit(fuse_req_t req, struct fs_file *f)
{
	struct viewfile_result r;
	int res = viewfile_commit(f->text, f->map, &r);
	if (!res && r.changed)
		res = stored_as_write(req, f->fd);

	struct stat st;
	if (res && r.fresh)
		refuse_file(req, f, res, &r.why);
	else if (!res && r.stored && fstat(f->fd, &st) == 0)
		error_set(fs_of(req), st.st_dev, st.st_ino, fuse_req_ctx(req)->uid, NULL);
	return res;
}

/* Only a view has something to flush: the edit written so far. */
void fs_view_flush(fuse_req_t req, struct fs_inode *in, struct fuse_file_info *fi)
{
	(void)in;
	fuse_reply_err(req, -commit(req, fs_file(fi)));
}

void fs_view_fsync(fuse_req_t req, struct fs_inode *in, int datasync, struct fuse_file_info *fi)
{
	(void)in;
	(void)datasync;
	fuse_reply_err(req, -commit(req, fs_file(fi)));
}

/* An edit no close(2) flushed (an fd passed on and lost) is stored too; then the file goes as a
 * segment's does. */
void fs_view_release(fuse_req_t req, struct fs_inode *in, struct fuse_file_info *fi)
{
	(void)in;
	commit(req, fs_file(fi));
	fs_file_release(req, fi);
}

void fs_view_fallocate(fuse_req_t req, struct fs_inode *in, int mode, off_t offset,
			   off_t length, struct fuse_file_info *fi)
{
	(void)in;
	(void)mode;
	(void)offset;
	(void)length;
	(void)fi;
	fuse_reply_err(req, EOPNOTSUPP);
}

/* A view has no holes: its data runs from 0 to its size. */
void fs_view_lseek(fuse_req_t req, struct fs_inode *in, off_t off, int whence,
		       struct fuse_file_info *fi)
{
	(void)fi;
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

/* ---- a file renamed over a view ---- */

/* The pieces a renamed file is read in: one FUSE request's worth. */
#define REPLACE_PIECE FS_MAX_REQUEST

/* Opens, as REQ's caller, the file NAME in DIRFD for reading (a regular file, never through a
 * symlink) into *SRC, and the segment behind handle SEG for writing into *DST: the caller must be
 * allowed both, as a write to the view would need. Returns 0 or -errno. */
static int open_both(fuse_req_t req, int dirfd, const char *name, int seg, int *src, int *dst)
{
	bool entered;
	int err = fs_creds_enter(fs_of(req), req, &entered);
	if (err)
		return err;
	*src = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	err = *src < 0 ? -errno : 0;
	*dst = err ? -1 : seg_reopen(seg, O_RDWR);
	fs_creds_leave(fs_of(req), entered);
	struct stat st;
	if (!err && *dst < 0)
		err = *dst;
	if (!err && (fstat(*src, &st) < 0 || !S_ISREG(st.st_mode)))
		err = -EINVAL;
	if (err) {
		if (*src >= 0)
			close(*src);
		if (*dst >= 0)
			close(*dst);
	}
	return err;
}

/* Feeds the whole text of SRC to the edit being written through V: 0 or -errno (R says why). */
static int feed_file(struct viewfile *v, int src, struct seg_map *map, struct viewfile_result *r)
{
	g_autofree char *piece = g_malloc(REPLACE_PIECE);
	for (off_t off = 0;;) {
		ssize_t n = pread(src, piece, REPLACE_PIECE, off);
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		int res = viewfile_write(v, map, piece, (size_t)n, (size_t)n < LAST_PIECE_MAX, r);
		if (res)
			return res;
		off += n;
	}
}

/* Applies the text of SRC to the segment open as DST, of type DECL, as one edit by REQ's caller:
 * 0 or -errno (R->why says why). */
static int replace_with(fuse_req_t req, const char *decl, int src, int dst,
			struct viewfile_result *r)
{
	struct viewfile *v = text_open(fs_of(req), decl, fuse_req_ctx(req)->uid);
	struct seg_map *map = NULL;
	int res = viewfile_editable(v, &r->why);
	if (!res)
		res = map_open(dst, &map);
	if (!res)
		res = feed_file(v, src, map, r);
	if (!res && (res = viewfile_commit(v, map, r)) == 0 && r->changed)
		res = stored_as_write(req, dst);
	viewfile_close(v);
	if (map)
		map_close(map);
	return res;
}

int fs_view_replace(fuse_req_t req, int dirfd, const char *name, int newdirfd, const char *newname)
{
	struct fs *fs = fs_of(req);
	g_autofree char *seg = segment_name(fs, newname);
	g_autofree char *decl = NULL;
	int handle, src, dst;
	struct stat st;
	int err = viewfile_segment_at(fs->types, newdirfd, seg, &handle, &st, &decl);
	if (err)
		return err;
	err = open_both(req, dirfd, name, handle, &src, &dst);
	close(handle);
	if (err)
		return err;

	struct viewfile_result r = { 0 };
	err = replace_with(req, decl, src, dst, &r);
	close(src);
	close(dst);
	if (err)
		return refuse(req, &st, seg, err, reason(&r.why));
	error_set(fs, st.st_dev, st.st_ino, fuse_req_ctx(req)->uid, NULL);

	/* The edit is stored: the file goes, as the rename would have taken its name. The kernel
	 * moves its dentry to the view's name on our reply, so every name is expired first: the
	 * next use of NEWNAME looks it up again, and finds the view. */
	bool entered;
	if (fs_creds_enter(fs, req, &entered) == 0) {
		if (unlinkat(dirfd, name, 0) < 0)
			fuse_log(FUSE_LOG_WARNING, "shmfs: %s, applied to %s as an edit, not removed: %s\n",
				 name, newname, strerror(errno));
		fs_creds_leave(fs, entered);
	}
	fs_watch_expire_names(fs);
	return 0;
}

/* ---- attributes ---- */

/* Computed, for an open view too (its fd is its segment's). */
void fs_view_getattr(fuse_req_t req, struct fs_inode *in, struct fuse_file_info *fi)
{
	(void)fi;
	fs_reply_attr(req, in);
}

/* A view's size and times follow its segment: truncating it (as `>` does before an edit) and
 * touching it change nothing. Its mode and owner are the segment's: chmod and chown the segment. */
void fs_view_setattr(fuse_req_t req, struct fs_inode *in, struct stat *attr, int valid,
			 struct fuse_file_info *fi)
{
	(void)attr;
	(void)fi;
	if (valid & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID))
		fuse_reply_err(req, EPERM);
	else
		fs_reply_attr(req, in);
}

