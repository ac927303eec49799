/* listing.c - the listings the kernel keeps (FOPEN_CACHE_DIR), and the one change they cannot see
 * by themselves: a view coming or going.
 *
 * Under -o cache=watch the kernel keeps a directory's listing, and takes it again at an opendir
 * once the directory changed: its own changes through the mount bump the directory's version, and
 * another program's change its mtime, which the watcher's invalidation makes it ask for. A listed
 * view NAME.txt is there while segment NAME has a type, an xattr, which changes no mtime of the
 * directory. So through the mount a directory's mtime is the later of its own and the last time a
 * view in it came or went (views_changed): that is when its listing changed. That moment is known
 *   - through the mount: a set or removal of user.shmfs.type (xattr_ops.c);
 *   - behind it: an IN_ATTRIB of the segment (watch.c), which also comes with a chmod or a touch:
 *     the segment's type then is compared with whether its view was listed (the names whose view
 *     a listing gave, here, up to LISTED_MAX; past that every IN_ATTRIB counts as a change).
 * The names of the types file (-o types=) can change any time, unseen: with such a file and views
 * listed the kernel keeps no listing. */
#include "listing.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LISTED_MAX 65536

bool fs_listings_kept(const struct fs *fs)
{
	return fs->watching && (fs->views != FS_VIEWS_SHOWN || !fs->types_file);
}

static bool views_tracked(const struct fs *fs)
{
	return fs_listings_kept(fs) && fs->views == FS_VIEWS_SHOWN;
}

/* The key of NAME in DIR in fs->listed (g_free it). */
static char *listed_key(const struct fs_inode *dir, const char *name)
{
	return g_strdup_printf("%p/%s", (const void *)dir, name);
}

void fs_listing_viewed(struct fs *fs, const struct fs_inode *dir, const char *name)
{
	if (!views_tracked(fs))
		return;
	char *key = listed_key(dir, name);
	pthread_mutex_lock(&fs->lock);
	if (g_hash_table_contains(fs->listed, key)) {
		g_free(key);
	} else if (g_hash_table_size(fs->listed) >= LISTED_MAX) {
		fs->listed_full = true;
		g_free(key);
	} else {
		g_hash_table_add(fs->listed, key);
	}
	pthread_mutex_unlock(&fs->lock);
}

static int64_t ns_of(struct timespec t)
{
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Under fs.lock: DIR's listing changed now (never moving back, and never twice at one moment). */
static void changed_locked(struct fs_inode *dir)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	int64_t ns = ns_of(now);
	int64_t last = atomic_load(&dir->views_changed);
	atomic_store(&dir->views_changed, ns > last ? ns : last + 1);
}

void fs_listing_type_changed(struct fs *fs, struct fs_inode *in)
{
	if (!views_tracked(fs) || !S_ISREG(in->type))
		return;
	pthread_mutex_lock(&fs->lock);
	struct fs_inode *dir = in->parent;
	fuse_ino_t parent = dir ? fs_nodeid(fs, dir) : 0;
	if (dir)
		changed_locked(dir);
	pthread_mutex_unlock(&fs->lock);
	/* attributes only: a page range could wait for a reader's page lock (watch.c) */
	if (parent)
		fuse_lowlevel_notify_inval_inode(fs->se, parent, -1, 0);
}

bool fs_listing_attrib(struct fs *fs, struct fs_inode *dir, const char *name, bool may_dup,
		       struct fs_listing_check *c)
{
	fs_assert_locked(&fs->lock);
	if (!views_tracked(fs))
		return false;
	g_autofree char *key = listed_key(dir, name);
	*c = (struct fs_listing_check){
		.wd = dir->wd,
		.dirfd = may_dup && dir->fd >= 0 ? fcntl(dir->fd, F_DUPFD_CLOEXEC, 0) : -1,
		.name = g_strdup(name),
		.listed = g_hash_table_contains(fs->listed, key),
		.unknown = fs->listed_full,
	};
	return true;
}

fuse_ino_t fs_listing_check(struct fs *fs, struct fs_listing_check *c)
{
	/* without a handle of the directory (past the daemon's budget of kept fds), a change */
	bool typed = c->dirfd >= 0 && typesrc_has_type(fs->types, c->dirfd, c->name);
	bool changed = c->unknown || c->dirfd < 0 || typed != c->listed;
	if (c->dirfd >= 0)
		close(c->dirfd);
	fuse_ino_t parent = 0;
	if (changed) {
		pthread_mutex_lock(&fs->lock);
		struct fs_inode *dir = g_hash_table_lookup(fs->watches, GINT_TO_POINTER(c->wd));
		if (dir) { /* still watched: still the same directory */
			changed_locked(dir);
			parent = fs_nodeid(fs, dir);
			g_autofree char *key = listed_key(dir, c->name);
			g_hash_table_remove(fs->listed, key); /* its next listing says again */
		}
		pthread_mutex_unlock(&fs->lock);
	}
	g_free(c->name);
	return parent;
}

void fs_listing_forget(struct fs *fs, const struct fs_inode *dir, const char *name)
{
	fs_assert_locked(&fs->lock);
	if (g_hash_table_size(fs->listed) == 0)
		return;
	g_autofree char *key = listed_key(dir, name);
	g_hash_table_remove(fs->listed, key);
}

void fs_listing_times(const struct fs_inode *in, struct stat *st)
{
	int64_t ns = atomic_load(&in->views_changed);
	if (!ns || !S_ISDIR(st->st_mode))
		return;
	struct timespec t = { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };
	if (ns > ns_of(st->st_mtim))
		st->st_mtim = t;
	if (ns > ns_of(st->st_ctim))
		st->st_ctim = t;
}

void fs_listings_init(struct fs *fs)
{
	fs->listed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

void fs_listings_free(struct fs *fs)
{
	g_hash_table_destroy(fs->listed);
}
