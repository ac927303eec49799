/* view_ops.c - the sidecar view NAME.txt of a typed segment NAME: found by lookup, listed by
 * readdir, read as a text table rendered from the segment on demand, and written with edits. */
#include "fs_internal.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
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
};

/* "X" for a view name "X.txt", or NULL (always with -o views=off: no name is a view). */
static char *segment_name(const struct fs *fs, const char *name)
{
	size_t len = strlen(name);
	if (fs->views == FS_VIEWS_OFF || len <= 4 || strcmp(name + len - 4, ".txt") != 0)
		return NULL;
	return g_strndup(name, len - 4);
}

/* The declaration of the view's segment (open as FD), looked up again now: its xattr, or the
 * types file by the name the segment had at the last lookup. */
static char *decl_of(struct fs *fs, struct fs_inode *in, int fd)
{
	pthread_mutex_lock(&fs->lock);
	g_autofree char *name = g_strdup(in->name);
	pthread_mutex_unlock(&fs->lock);
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

void fs_view_file_free(struct fs_view_file *vf)
{
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

/* Each write(2) is one batch of edit lines, checked as a whole before any byte is stored. */
void fs_view_write(fuse_req_t req, struct fs_file *f, const char *buf, size_t size)
{
	struct fs_view_file *vf = f->view;
	struct stat st;
	if (!vf->type) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if (fstat(f->fd, &st) < 0) {
		fuse_reply_err(req, errno);
		return;
	}

	struct rtype_error err;
	struct edit_list *edits = edit_parse(vf->type, st.st_size / vf->type->size, buf, size, &err);
	if (!edits) {
		fuse_log(FUSE_LOG_NOTICE, "shmfs: edit refused: %s\n", err.msg);
		fuse_reply_err(req, EINVAL);
		return;
	}
	pthread_mutex_lock(&vf->lock);
	int res = edit_apply(edits, f->map);
	pthread_mutex_unlock(&vf->lock);
	edit_free(edits);
	/* The edit is a write to the segment: its set-ID bits go as for a write(2) by this caller, and
	 * its modification time moves (stores into a mapping change no time on tmpfs). */
	if (res >= 0)
		res = fs_privs_kill_write(req, f->fd);
	if (res >= 0 && futimens(f->fd, (const struct timespec[]){ { .tv_nsec = UTIME_OMIT },
								   { .tv_nsec = UTIME_NOW } }) < 0)
		res = -errno;
	if (res < 0)
		fuse_reply_err(req, -res);
	else
		fuse_reply_write(req, size);
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
