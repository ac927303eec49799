/* entry.c - the entries the kernel is given: a name looked up (a real object, or else the view of a
 * typed segment: view_ops.c), a listing's entry, the object a create or link has just made. Each
 * takes a reference on the inode (inode.c) and says how long the kernel may keep it (watch.c). */
#include "entry.h"

#include <string.h>
#include <unistd.h>

#include "inode.h"
#include "listing.h"
#include "view_ops.h"
#include "watch.h"


int fs_entry_reply_of(struct fs *fs, struct fs_inode *parent, const char *name, int fd,
		      struct fuse_entry_param *e)
{
	int err = seg_stat(fd, "", &e->attr);
	if (err)
		return err;
	double timeout;
	struct fs_inode *in = fs_inode_get(fs, fd, &e->attr, fs->kinds.object, parent, name, &timeout);
	if (!in)
		return -ENOMEM;
	fs_listing_times(in, &e->attr);
	e->ino = (uintptr_t)in;
	e->attr_timeout = timeout;
	e->entry_timeout = fs_entry_timeout(fs, timeout);
	return 0;
}

/* Under fs.lock: whether the kernel holds NAME in PARENT as IN, with attributes it may keep
 * (looked up by that name, in a watched directory). */
static bool kernel_holds(const struct fs_inode *in, const struct fs_inode *parent, const char *name)
{
	return in && in->nlookup > 0 && in->cached && in->parent == parent && in->name &&
	       strcmp(in->name, name) == 0;
}

/* Looks NAME up in PARENT, open as DIRFD. A name the kernel asks about again (every listing of
 * READDIRPLUS does) is mostly an inode already in the table: a stat finds it, and only a new one
 * costs more (open, stat, handle, close). With KEEP_HELD, an entry the kernel holds as it is gets
 * nodeid 0 and no reference (fs_listing_entry says why). */
static int lookup_at(struct fs *fs, struct fs_inode *parent, int dirfd, const char *name,
		     struct fuse_entry_param *e, bool keep_held)
{
	*e = (struct fuse_entry_param){ 0 };
	int err = seg_stat(dirfd, name, &e->attr);
	if (err == -ENOENT)
		return fs_view_lookup(fs, parent, dirfd, name, e);
	if (err)
		return err;
	if (keep_held) {
		struct fs_inode key = { .dev = e->attr.st_dev, .ino = e->attr.st_ino,
					.kind = fs->kinds.object };
		pthread_mutex_lock(&fs->lock);
		bool held = kernel_holds(g_hash_table_lookup(fs->inodes, &key), parent, name);
		pthread_mutex_unlock(&fs->lock);
		if (held)
			return 0;
	}
	double timeout;
	struct fs_inode *in = fs_inode_get(fs, -1, &e->attr, fs->kinds.object, parent, name, &timeout);
	if (in) {
		fs_listing_times(in, &e->attr);
		e->ino = (uintptr_t)in;
		e->attr_timeout = timeout;
		e->entry_timeout = fs_entry_timeout(fs, timeout);
		return 0;
	}
	int fd = seg_handle(dirfd, name); /* new to the table */
	if (fd < 0)
		return fd;
	err = fs_entry_reply_of(fs, parent, name, fd, e);
	close(fd);
	return err;
}

int fs_lookup_entry(struct fs *fs, struct fs_inode *parent, const char *name,
		    struct fuse_entry_param *e)
{
	int dirfd = fs_inode_fd(fs, parent);
	if (dirfd < 0)
		return dirfd;
	int err = lookup_at(fs, parent, dirfd, name, e, false);
	fs_inode_put_fd(parent, dirfd);
	return err;
}

int fs_listing_entry(struct fs *fs, struct fs_inode *parent, int dirfd, const char *name,
		     struct fuse_entry_param *e)
{
	return lookup_at(fs, parent, dirfd, name, e, true);
}
