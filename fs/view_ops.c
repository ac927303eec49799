/* view_ops.c - the sidecar view NAME.txt of a typed segment NAME: found by lookup, listed by
 * readdir, read as a text table rendered from the segment on demand, and written with edits.
 *
 * An edit is all or nothing however it comes: the kernel cuts one write(2) into WRITE requests of
 * at most 1 MiB (and smaller ones where the writer's buffer is not page-aligned), which say
 * nothing of where the write(2) ends. So each WRITE's lines are checked as they come (a bad line
 * fails that WRITE, and the write(2) with it), kept, and stored together when the file is closed
 * (FLUSH: close(2) returns the error of a store that failed), fsynced, or released. Until then
 * every reader, the writer's own fd included, reads the segment as it was. A file renamed over a
 * view (sed -i, an editor's save) is one edit the same way (fs_view_replace). */
#include "fs_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "edit.h"
#include "rtype.h"
#include "view.h"

/* An open view. Its type is fixed at open; its layout follows the segment's size, which another
 * program may change at any time, so it is checked (one fstat) at every read. */
struct fs_view_file {
	pthread_mutex_t lock;      /* one read or write at a time: the layout is rebuilt under it */
	struct rtype *type;        /* NULL when the declaration did not parse */
	char *error_text;          /* then the whole text of the view: why */
	size_t error_len;
	struct view_layout layout; /* for layout.seg_size */
	bool have_layout;
	/* Under lock: the edit being written (stored by fs_view_commit), the memory it holds (counted
	 * in its writer's share, fs_edit_memory), and the refusal it met, -errno or 0. */
	struct edit_batch *batch;
	size_t charged;
	uid_t writer;
	int refused;
	struct edit_mark holes_seen; /* how far the holes the batch stores into were counted */
	uint64_t hole_bytes;         /* what storing it will allocate */
};

/* "X" for a view name "X.txt", or NULL (always with -o views=off: no name is a view). */
static char *segment_name(const struct fs *fs, const char *name)
{
	size_t len = strlen(name);
	if (fs->views == FS_VIEWS_OFF || len <= 4 || strcmp(name + len - 4, ".txt") != 0)
		return NULL;
	return g_strndup(name, len - 4);
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

char *fs_view_name(const char *seg)
{
	return strlen(seg) + 4 <= NAME_MAX ? g_strconcat(seg, ".txt", NULL) : NULL;
}

static uint64_t text_size(const char *decl, uint64_t seg_size)
{
	struct rtype_error err;
	struct rtype *t = rtype_parse(decl, &err);
	uint64_t size;
	if (!t) {
		size_t len;
		g_free(view_error_text(decl, &err, &len));
		return len;
	}
	struct view_layout vl;
	if (view_layout_init(&vl, t, seg_size) == 0) {
		size = view_size(&vl);
		view_layout_free(&vl);
	} else {
		size = 0;
	}
	rtype_free(t);
	return size;
}

/* Turns the segment's attributes ST into the view's: same owner and times, the read and write
 * bits only (so whoever may read or write the segment may do the same to its view), one link, and
 * the blocks of its whole size: the text is all data (lseek says so too), and a file with fewer
 * blocks than its size looks sparse to backup tools (GNU tar --sparse stores a file of 0 blocks as
 * one hole, without reading it). So du counts the text too; -o views=hidden keeps it out. */
static void view_attr(struct stat *st, uint64_t size)
{
	st->st_ino |= FS_VIEW_INO_BIT;
	st->st_mode = S_IFREG | (st->st_mode & 0666);
	st->st_nlink = 1;
	st->st_size = size;
	st->st_blocks = (size + 511) / 512;
}

/* The typed regular segment SEG in DIRFD: its handle and stat, and its declaration; -ENOENT when
 * it is missing, not a regular file, or has no type; another -errno when it cannot be told (no
 * fd left: the caller hears that, not that there is no view). */
static int typed_segment(struct fs *fs, int dirfd, const char *seg, int *handle, struct stat *st,
			 char **decl)
{
	*handle = seg_handle(dirfd, seg);
	if (*handle < 0)
		return *handle == -ELOOP || *handle == -ENOTDIR ? -ENOENT : *handle;
	int err = seg_stat(*handle, "", st);
	if (!err && S_ISREG(st->st_mode) && (*decl = typesrc_lookup(fs->types, *handle, seg)))
		return 0;
	close(*handle);
	return err ? err : -ENOENT;
}

bool fs_view_named(struct fs *fs, int dirfd, const char *name)
{
	g_autofree char *seg = segment_name(fs, name);
	g_autofree char *decl = NULL;
	int handle;
	struct stat st;
	if (!seg || typed_segment(fs, dirfd, seg, &handle, &st, &decl) != 0)
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
	int err = typed_segment(fs, dirfd, seg, &handle, &st, &decl);
	if (err)
		return err;

	*e = (struct fuse_entry_param){ .attr = st };
	view_attr(&e->attr, text_size(decl, st.st_size));
	double timeout;
	struct fs_inode *in = fs_inode_get(fs, handle, &st, true, parent, seg, &timeout);
	close(handle);
	if (!in)
		return -ENOMEM;
	e->ino = (uintptr_t)in;
	e->attr_timeout = e->entry_timeout = timeout; /* (0: see fs_watch_name) */
	return 0;
}

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
	view_attr(st, text_size(decl, st->st_size));
	return 0;
}

static void drop_batch(struct fs *fs, struct fs_view_file *vf);

void fs_view_file_free(struct fs *fs, struct fs_view_file *vf)
{
	drop_batch(fs, vf);
	if (vf->have_layout)
		view_layout_free(&vf->layout);
	rtype_free(vf->type);
	g_free(vf->error_text);
	pthread_mutex_destroy(&vf->lock);
	g_free(vf);
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

	struct fs_view_file *vf = g_new0(struct fs_view_file, 1);
	struct rtype_error perr;
	pthread_mutex_init(&vf->lock, NULL);
	vf->type = rtype_parse(decl, &perr);
	if (!vf->type)
		vf->error_text = view_error_text(decl, &perr, &vf->error_len);
	f->view = vf;
	fi->fh = (uintptr_t)f;
	fi->direct_io = 1;
	if (fuse_reply_open(req, fi) == -ENOENT)
		fs_file_free(fs_of(req), req, f);
}

static void reply_slice(fuse_req_t req, const char *text, size_t len, size_t size, off_t off)
{
	if ((uint64_t)off >= len)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_buf(req, text + off, MIN(size, len - off));
}

/* The layout for the segment's size now; under vf->lock. */
static int current_layout(struct fs_view_file *vf, int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (vf->have_layout && vf->layout.seg_size == (uint64_t)st.st_size)
		return 0;
	if (vf->have_layout)
		view_layout_free(&vf->layout);
	vf->have_layout = view_layout_init(&vf->layout, vf->type, st.st_size) == 0;
	return vf->have_layout ? 0 : -ENOMEM;
}

void fs_view_read(fuse_req_t req, struct fs_file *f, size_t size, off_t off)
{
	struct fs_view_file *vf = f->view;
	if (!vf->type) {
		reply_slice(req, vf->error_text, vf->error_len, size, off);
		return;
	}
	char *buf = g_malloc(size);
	pthread_mutex_lock(&vf->lock);
	ssize_t n = current_layout(vf, f->fd);
	if (n == 0)
		n = view_read(&vf->layout, f->map, buf, size, off);
	pthread_mutex_unlock(&vf->lock);
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
	GList *old = g_queue_find_custom(fs->view_error_keys, key, (GCompareFunc)strcmp);
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

/* Under vf->lock: forgets the edit being written, and gives its memory back. */
static void drop_batch(struct fs *fs, struct fs_view_file *vf)
{
	edit_batch_free(vf->batch);
	vf->batch = NULL;
	vf->holes_seen = (struct edit_mark){ 0 };
	vf->hole_bytes = 0;
	if (vf->charged)
		fs_edit_memory(fs, vf->writer, -(ssize_t)vf->charged);
	vf->charged = 0;
}

/* Counts what B holds now against WRITER's share, in VF's charge: 0 or -EFBIG. */
static int charge(struct fs *fs, struct fs_view_file *vf, struct edit_batch *b)
{
	size_t now = edit_batch_memory(b);
	int err = fs_edit_memory(fs, vf->writer, (ssize_t)now - (ssize_t)vf->charged);
	if (!err)
		vf->charged = now;
	return err;
}

/* A WRITE request shorter than this is the last of its write(2), or almost surely: the kernel
 * cuts a write(2) from one buffer into requests of FS_MAX_REQUEST bytes, or one page less where
 * the buffer starts inside a page. A last line without its '\n' there is checked at once for
 * what no later write(2) could mend (edit_batch_check_last), so that printf '0 Col9=1' > view fails
 * in write(2), where the shell sees it (it ignores an error of close(2)). */
#define LAST_PIECE_MAX (FS_MAX_REQUEST - 4096)

/* -ENOSPC when the holes B stores into so far need more than the tmpfs has free: the writer hears
 * it from write(2), and nothing was allocated. (edit_apply allocates them at the end, and fails
 * whole should another program take the room meanwhile.) */
static int room_for(struct fs_view_file *vf, struct edit_batch *b, struct seg_map *map)
{
	int64_t more = edit_hole_bytes(edit_batch_list(b), map_fd(map), &vf->holes_seen);
	if (more < 0)
		return (int)more;
	vf->hole_bytes += (uint64_t)more;
	struct statvfs vfs;
	if (vf->hole_bytes == 0 || fstatvfs(map_fd(map), &vfs) < 0)
		return 0;
	return vf->hole_bytes > (uint64_t)vfs.f_bavail * vfs.f_frsize ? -ENOSPC : 0;
}

/* Feeds LEN bytes of edit text to B for the segment of MAP: parsed, counted against the writer's
 * share, and checked for room. Returns 0, or -errno with the reason in ERR->msg when the parser
 * has one ("" else). */
static int feed(struct fs *fs, struct fs_view_file *vf, struct edit_batch *b, struct seg_map *map,
		const char *text, size_t len, struct rtype_error *err)
{
	struct stat st;
	err->msg[0] = '\0';
	if (fstat(map_fd(map), &st) < 0)
		return -errno;
	uint64_t nrecords = st.st_size / vf->type->size;
	int res = edit_batch_feed(b, nrecords, map, text, len, err);
	if (!res && len < LAST_PIECE_MAX)
		res = edit_batch_check_last(b, nrecords, err);
	if (!res)
		res = charge(fs, vf, b);
	if (!res)
		res = room_for(vf, b, map);
	return res;
}

/* Ends B and stores it into the segment of F's fd and MAP: 0 or -errno (ERR as for feed). The
 * store is a write by REQ's caller: set-ID bits go as for its write(2), and the modification
 * time moves (stores into a mapping change no time on tmpfs). */
static int store(fuse_req_t req, const struct rtype *type, struct edit_batch *b, int fd,
		 struct seg_map *map, struct rtype_error *err)
{
	struct stat st;
	err->msg[0] = '\0';
	if (fstat(fd, &st) < 0)
		return -errno;
	int res = edit_batch_end(b, st.st_size / type->size, map, err);
	if (res || edit_count(edit_batch_list(b)) == 0)
		return res;
	res = edit_apply(edit_batch_list(b), map);
	if (!res)
		res = fs_privs_kill_write(req, fd);
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

void fs_view_write(fuse_req_t req, struct fs_file *f, const char *buf, size_t size)
{
	struct fs *fs = fs_of(req);
	struct fs_view_file *vf = f->view;
	struct rtype_error err = { 0 };
	bool fresh = true; /* a refusal not told yet */
	int res;

	pthread_mutex_lock(&vf->lock);
	if (!vf->type) {
		res = -EINVAL;
		g_strlcpy(err.msg, "the segment's type does not parse (the view says why)", sizeof err.msg);
	} else if (vf->refused) {
		res = vf->refused; /* the rest of a write(2) whose earlier part was refused */
		fresh = false;
	} else {
		if (!vf->batch) {
			vf->batch = edit_batch_new(vf->type);
			vf->writer = f->uid;
		}
		res = feed(fs, vf, vf->batch, f->map, buf, size, &err);
		if (res) {
			drop_batch(fs, vf);
			vf->refused = res;
		}
	}
	pthread_mutex_unlock(&vf->lock);
	if (res && fresh)
		refuse_file(req, f, res, &err);
	if (res)
		fuse_reply_err(req, -res);
	else
		fuse_reply_write(req, size);
}

int fs_view_commit(fuse_req_t req, struct fs_file *f)
{
	struct fs *fs = fs_of(req);
	struct fs_view_file *vf = f->view;
	struct rtype_error err = { 0 };
	int res = 0;

	pthread_mutex_lock(&vf->lock);
	if (vf->refused) {
		res = vf->refused;
		vf->refused = 0;
		pthread_mutex_unlock(&vf->lock);
		return res; /* told already, when the WRITE was refused */
	}
	if (vf->batch)
		res = store(req, vf->type, vf->batch, f->fd, f->map, &err);
	bool stored = vf->batch && !res;
	drop_batch(fs, vf);
	pthread_mutex_unlock(&vf->lock);

	struct stat st;
	if (res)
		refuse_file(req, f, res, &err);
	else if (stored && fstat(f->fd, &st) == 0)
		error_set(fs, st.st_dev, st.st_ino, fuse_req_ctx(req)->uid, NULL);
	return res;
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

/* Feeds the whole text of SRC to B, counting it in WRITER's share of memory: 0 or -errno. */
static int feed_file(struct fs *fs, struct fs_view_file *vf, struct edit_batch *b, int src,
		     struct seg_map *map, struct rtype_error *err)
{
	g_autofree char *piece = g_malloc(REPLACE_PIECE);
	for (off_t off = 0;;) {
		ssize_t n = pread(src, piece, REPLACE_PIECE, off);
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		int res = feed(fs, vf, b, map, piece, (size_t)n, err);
		if (res)
			return res;
		off += n;
	}
}

/* Applies the text of SRC to the segment open as DST, of type DECL: 0 or -errno (ERR says why). */
static int replace_with(fuse_req_t req, const char *decl, int src, int dst, struct rtype_error *err)
{
	struct fs *fs = fs_of(req);
	struct fs_view_file vf = { .writer = fuse_req_ctx(req)->uid };
	struct seg_map *map = NULL;
	vf.type = rtype_parse(decl, err);
	if (!vf.type) {
		g_strlcpy(err->msg, "the segment's type does not parse (the view says why)",
			  sizeof err->msg);
		return -EINVAL;
	}
	struct edit_batch *b = edit_batch_new(vf.type);
	vf.batch = b;
	int res = map_open(dst, &map);
	if (!res)
		res = feed_file(fs, &vf, b, src, map, err);
	if (!res)
		res = store(req, vf.type, b, dst, map, err);
	drop_batch(fs, &vf);
	if (map)
		map_close(map);
	rtype_free(vf.type);
	return res;
}

int fs_view_replace(fuse_req_t req, int dirfd, const char *name, int newdirfd, const char *newname)
{
	struct fs *fs = fs_of(req);
	g_autofree char *seg = segment_name(fs, newname);
	g_autofree char *decl = NULL;
	int handle, src, dst;
	struct stat st;
	int err = typed_segment(fs, newdirfd, seg, &handle, &st, &decl);
	if (err)
		return err;
	err = open_both(req, dirfd, name, handle, &src, &dst);
	close(handle);
	if (err)
		return err;

	struct rtype_error perr = { 0 };
	err = replace_with(req, decl, src, dst, &perr);
	close(src);
	close(dst);
	if (err)
		return refuse(req, &st, seg, err, reason(&perr));
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

/* A view's size and times follow its segment: truncating it (as `>` does before an edit) and
 * touching it change nothing. Its mode and owner are the segment's: chmod and chown the segment. */
void fs_view_setattr(fuse_req_t req, struct fs_inode *in, struct stat *attr, int valid)
{
	(void)attr;
	if (valid & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID))
		fuse_reply_err(req, EPERM);
	else
		fs_reply_attr(req, in);
}
