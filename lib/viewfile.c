/* viewfile.c - the view NAME.txt of a typed segment NAME as a file: its name and attributes, and an
 * open view that renders the text (view.c) and takes edits (edit.c), stored all or nothing.
 *
 * An edit is all or nothing however it comes: a daemon gets one write(2) in pieces that say
 * nothing of where the write(2) ends. So each piece's lines are checked as they come (a bad line
 * refuses that piece, and the rest of the edit with it), kept, and stored together at the commit
 * (a daemon's close, fsync or release). Until then every reader reads the segment as it was. */
#include "viewfile.h"

#include <errno.h>
#include <glib.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "edit.h"
#include "seg.h"
#include "view.h"

/* ---- names and attributes ---- */

#define VIEWFILE_SUFFIX ".txt"
#define SUFFIX_LEN (sizeof VIEWFILE_SUFFIX - 1)

char *viewfile_name(const char *seg)
{
	return strlen(seg) + SUFFIX_LEN <= NAME_MAX ? g_strconcat(seg, VIEWFILE_SUFFIX, NULL) : NULL;
}

char *viewfile_name_at(int dirfd, const char *seg)
{
	char *name = viewfile_name(seg);
	struct stat st;
	if (name && seg_stat(dirfd, name, &st) == 0)
		g_clear_pointer(&name, g_free);
	return name;
}

char *viewfile_segment(const char *name)
{
	size_t len = strlen(name);
	if (len <= SUFFIX_LEN || strcmp(name + len - SUFFIX_LEN, VIEWFILE_SUFFIX) != 0)
		return NULL;
	return g_strndup(name, len - SUFFIX_LEN);
}

int viewfile_segment_at(struct typesrc *types, int dirfd, const char *seg, int *handle,
			struct stat *st, char **decl)
{
	*handle = seg_handle(dirfd, seg);
	if (*handle < 0)
		return *handle == -ELOOP || *handle == -ENOTDIR ? -ENOENT : *handle;
	int err = seg_stat(*handle, "", st);
	if (!err && S_ISREG(st->st_mode) && (*decl = typesrc_lookup(types, *handle, seg)))
		return 0;
	close(*handle);
	return err ? err : -ENOENT;
}

/* The bytes of the text of a SEG_SIZE-byte segment of type DECL (or of the text that says why DECL
 * does not parse). */
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

/* The blocks of the whole size: a file with fewer blocks than its size looks sparse to backup
 * tools (GNU tar --sparse stores a file of 0 blocks as one hole, without reading it). So du counts
 * the text too. */
void viewfile_stat(struct stat *st, const char *decl)
{
	uint64_t size = text_size(decl, st->st_size);
	st->st_ino |= VIEWFILE_INO_BIT;
	st->st_mode = S_IFREG | (st->st_mode & 0666);
	st->st_nlink = 1;
	st->st_size = size;
	st->st_blocks = (size + 511) / 512;
}

/* ---- an open view ---- */

/* Its type is fixed at open; its layout follows the segment's size, which another program may
 * change at any time, so it is checked (one fstat) at every read and made again when it moved.
 * The edit being written holds what it parsed so far and the memory that counts against the
 * budget, never the text itself. */
struct viewfile {
	pthread_mutex_t lock;      /* one read or edit call at a time: the layout is rebuilt under it */
	struct rtype *type;        /* NULL when the declaration did not parse */
	char *error_text;          /* then the whole text of the view: why */
	size_t error_len;
	struct view_layout layout; /* for layout.seg_size */
	bool have_layout;
	struct viewfile_budget budget;
	/* Under lock: the edit being written, the memory counted for it, and the refusal it met,
	 * -errno or 0. */
	struct edit_batch *batch;
	size_t charged;
	int refused;
	struct edit_mark holes_seen; /* how far the holes the batch stores into were counted */
	uint64_t hole_bytes;         /* what storing it will allocate */
};

struct viewfile *viewfile_open(const char *decl, const struct viewfile_budget *budget)
{
	struct viewfile *v = g_new0(struct viewfile, 1);
	struct rtype_error err;
	pthread_mutex_init(&v->lock, NULL);
	v->type = rtype_parse(decl, &err);
	if (!v->type)
		v->error_text = view_error_text(decl, &err, &v->error_len);
	if (budget)
		v->budget = *budget;
	return v;
}

/* Under v->lock: forgets the edit being written, and gives its memory back. */
static void drop_batch(struct viewfile *v)
{
	edit_batch_free(v->batch);
	v->batch = NULL;
	v->holes_seen = (struct edit_mark){ 0 };
	v->hole_bytes = 0;
	if (v->charged)
		v->budget.charge(v->budget.arg, v->budget.owner, -(ssize_t)v->charged);
	v->charged = 0;
}

void viewfile_close(struct viewfile *v)
{
	if (!v)
		return;
	drop_batch(v);
	if (v->have_layout)
		view_layout_free(&v->layout);
	rtype_free(v->type);
	g_free(v->error_text);
	pthread_mutex_destroy(&v->lock);
	g_free(v);
}

/* Under v->lock: the layout for the segment's size now. */
static int current_layout(struct viewfile *v, int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (v->have_layout && v->layout.seg_size == (uint64_t)st.st_size)
		return 0;
	if (v->have_layout)
		view_layout_free(&v->layout);
	v->have_layout = view_layout_init(&v->layout, v->type, st.st_size) == 0;
	return v->have_layout ? 0 : -ENOMEM;
}

ssize_t viewfile_read(struct viewfile *v, struct seg_map *m, char *buf, size_t len, off_t off)
{
	if (!v->type) {
		if (off < 0)
			return -EINVAL;
		if ((uint64_t)off >= v->error_len)
			return 0;
		len = MIN(len, v->error_len - (size_t)off);
		memcpy(buf, v->error_text + off, len);
		return (ssize_t)len;
	}
	pthread_mutex_lock(&v->lock);
	ssize_t n = current_layout(v, map_fd(m));
	if (n == 0)
		n = view_read(&v->layout, m, buf, len, off);
	pthread_mutex_unlock(&v->lock);
	return n;
}

/* ---- edits ---- */

int viewfile_editable(const struct viewfile *v, struct rtype_error *why)
{
	if (v->type)
		return 0;
	g_strlcpy(why->msg, "the segment's type does not parse (the view says why)", sizeof why->msg);
	return -EINVAL;
}

/* Under v->lock: counts what the batch holds now against the budget: 0 or its -errno. */
static int charge(struct viewfile *v)
{
	size_t now = edit_batch_memory(v->batch);
	int err = v->budget.charge ? v->budget.charge(v->budget.arg, v->budget.owner,
						      (ssize_t)now - (ssize_t)v->charged)
				   : 0;
	if (!err && v->budget.charge)
		v->charged = now;
	return err;
}

/* Under v->lock: -ENOSPC when the holes the batch stores into so far need more than the tmpfs has
 * free: the writer hears it from write(2), and nothing was allocated. (edit_apply allocates them
 * at the end, and fails whole should another program take the room meanwhile.) */
static int room_for(struct viewfile *v, struct seg_map *m)
{
	int64_t more = edit_hole_bytes(edit_batch_list(v->batch), map_fd(m), &v->holes_seen);
	if (more < 0)
		return (int)more;
	v->hole_bytes += (uint64_t)more;
	struct statvfs vfs;
	if (v->hole_bytes == 0 || fstatvfs(map_fd(m), &vfs) < 0)
		return 0;
	return v->hole_bytes > (uint64_t)vfs.f_bavail * vfs.f_frsize ? -ENOSPC : 0;
}

/* Under v->lock: the records the segment of M holds whole now, in *N. */
static int records_now(const struct viewfile *v, struct seg_map *m, uint64_t *n)
{
	struct stat st;
	if (fstat(map_fd(m), &st) < 0)
		return -errno;
	*n = st.st_size / v->type->size;
	return 0;
}

/* Under v->lock: feeds the piece to the batch: parsed, counted, and checked for room. */
static int feed(struct viewfile *v, struct seg_map *m, const char *text, size_t len, bool last,
		struct rtype_error *why)
{
	uint64_t nrecords;
	int res = records_now(v, m, &nrecords);
	if (!res)
		res = edit_batch_feed(v->batch, nrecords, m, text, len, why);
	if (!res && last)
		res = edit_batch_check_last(v->batch, nrecords, why);
	if (!res)
		res = charge(v);
	if (!res)
		res = room_for(v, m);
	return res;
}

int viewfile_write(struct viewfile *v, struct seg_map *m, const char *text, size_t len, bool last,
		   struct viewfile_result *r)
{
	*r = (struct viewfile_result){ .fresh = true };
	int res = viewfile_editable(v, &r->why);
	if (res)
		return res;
	pthread_mutex_lock(&v->lock);
	if (v->refused) {
		res = v->refused; /* the rest of an edit whose earlier piece was refused */
		r->fresh = false;
	} else {
		if (!v->batch)
			v->batch = edit_batch_new(v->type);
		res = feed(v, m, text, len, last, &r->why);
		if (res) {
			drop_batch(v);
			v->refused = res;
		}
	}
	pthread_mutex_unlock(&v->lock);
	return res;
}

/* Under v->lock: ends the batch and stores it: 0 or -errno (WHY as for feed). */
static int store(struct viewfile *v, struct seg_map *m, struct viewfile_result *r)
{
	uint64_t nrecords;
	int res = records_now(v, m, &nrecords);
	if (!res)
		res = edit_batch_end(v->batch, nrecords, m, &r->why);
	bool any = !res && edit_count(edit_batch_list(v->batch)) > 0;
	if (any)
		res = edit_apply(edit_batch_list(v->batch), m);
	r->stored = !res;
	r->changed = !res && any;
	return res;
}

int viewfile_commit(struct viewfile *v, struct seg_map *m, struct viewfile_result *r)
{
	*r = (struct viewfile_result){ .fresh = true };
	int res = 0;
	pthread_mutex_lock(&v->lock);
	if (v->refused) {
		res = v->refused; /* returned already, by the write that met it */
		v->refused = 0;
		r->fresh = false;
	} else if (v->batch) {
		res = store(v, m, r);
		drop_batch(v);
	}
	pthread_mutex_unlock(&v->lock);
	return res;
}
