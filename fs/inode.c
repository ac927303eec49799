/* inode.c - the inode table: one fs_inode per backing object, found by (st_dev, st_ino), counted
 * by the kernel's lookups and freed by its forgets. */
#include "fs_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static guint inode_hash(gconstpointer p)
{
	const struct fs_inode *in = p;
	return (guint)(in->ino ^ (in->ino >> 32) ^ in->dev ^ in->view);
}

static gboolean inode_equal(gconstpointer a, gconstpointer b)
{
	const struct fs_inode *x = a, *y = b;
	return x->ino == y->ino && x->dev == y->dev && x->view == y->view;
}

void fs_inodes_init(struct fs *fs)
{
	fs->inodes = g_hash_table_new(inode_hash, inode_equal);
	pthread_mutex_init(&fs->lock, NULL);
}

static void inode_free(gpointer p)
{
	struct fs_inode *in = p;
	close(in->fd);
	g_free(in->name);
	free(in);
}

void fs_inodes_free(struct fs *fs)
{
	GHashTableIter it;
	gpointer in;
	g_hash_table_iter_init(&it, fs->inodes);
	while (g_hash_table_iter_next(&it, &in, NULL))
		inode_free(in);
	g_hash_table_destroy(fs->inodes);
	pthread_mutex_destroy(&fs->lock);
}

int fs_inode_stat(struct fs *fs, struct fs_inode *in, struct stat *st)
{
	return in->view ? fs_view_stat(fs, in, st) : seg_stat(in->fd, "", st);
}

void fs_inode_proc_path(const struct fs_inode *in, char buf[static 32])
{
	snprintf(buf, 32, "/proc/self/fd/%d", in->fd);
}

struct fs_inode *fs_inode_ref(struct fs *fs, int handle, const struct stat *st, bool view,
			      const struct fs_inode *parent, const char *name, double *timeout)
{
	struct fs_inode key = { .dev = st->st_dev, .ino = st->st_ino, .view = view };

	pthread_mutex_lock(&fs->lock);
	struct fs_inode *in = g_hash_table_lookup(fs->inodes, &key);
	if (in) {
		if (handle >= 0)
			close(handle);
	} else if (handle < 0) {
		/* not known yet: the caller opens a handle */
	} else if ((in = malloc(sizeof(*in)))) {
		*in = (struct fs_inode){ .fd = handle, .dev = st->st_dev, .ino = st->st_ino,
					 .type = st->st_mode & S_IFMT, .view = view };
		g_hash_table_add(fs->inodes, in);
		fs_watch_dir(fs, in);
	} else {
		close(handle);
	}
	if (in) {
		in->nlookup++;
		*timeout = fs_watch_name(fs, in, parent, name);
	}
	pthread_mutex_unlock(&fs->lock);
	return in;
}

/* A name the kernel asks about again (every listing of READDIRPLUS does) is mostly an inode already
 * in the table: a stat finds it, and only a new one costs a handle (open, stat, and no close). */
int fs_lookup_entry(struct fs *fs, struct fs_inode *parent, const char *name,
		    struct fuse_entry_param *e)
{
	*e = (struct fuse_entry_param){ 0 };
	int err = seg_stat(parent->fd, name, &e->attr);
	if (err == -ENOENT)
		return fs_view_lookup(fs, parent, name, e);
	if (err)
		return err;
	double timeout;
	struct fs_inode *in = fs_inode_ref(fs, -1, &e->attr, false, parent, name, &timeout);
	if (!in) { /* new to the table: a handle, and the stat of what it holds */
		int handle = seg_handle(parent->fd, name);
		if (handle < 0)
			return handle;
		if ((err = seg_stat(handle, "", &e->attr)) != 0) {
			close(handle);
			return err;
		}
		if (!(in = fs_inode_ref(fs, handle, &e->attr, false, parent, name, &timeout)))
			return -ENOMEM;
	}
	e->ino = (uintptr_t)in;
	e->attr_timeout = e->entry_timeout = timeout;
	return 0;
}

void fs_inode_unref(struct fs *fs, struct fs_inode *in, uint64_t n)
{
	if (in == &fs->root)
		return;

	pthread_mutex_lock(&fs->lock);
	g_assert(in->nlookup >= n);
	in->nlookup -= n;
	bool last = in->nlookup == 0;
	if (last) {
		g_hash_table_remove(fs->inodes, in);
		fs_watch_forget(fs, in);
	}
	pthread_mutex_unlock(&fs->lock);
	if (last)
		inode_free(in);
}
