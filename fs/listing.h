/* listing.h - the listings the kernel keeps, and a directory's mtime through the mount, which moves
 * when a view in it comes or goes (listing.c). */
#ifndef SHMFS_LISTING_H
#define SHMFS_LISTING_H

#include "fs_state.h"

/* Whether the kernel may keep listings (FOPEN_CACHE_DIR): under -o cache=watch, unless views are
 * listed and a types file names segments' types. */
bool fs_listings_kept(const struct fs *fs);
/* A listing of DIR gave the view of NAME. */
void fs_listing_viewed(struct fs *fs, const struct fs_inode *dir, const char *name);
/* After user.shmfs.type of IN was set or removed through the mount: its directory's listing
 * changed (and the kernel is told to ask for the directory's attributes again). */
void fs_listing_type_changed(struct fs *fs, struct fs_inode *in);

/* What the watcher checks, outside fs.lock, of an IN_ATTRIB of NAME in a watched directory. */
struct fs_listing_check {
	int wd;        /* the directory's watch: finds it again */
	int dirfd;     /* a dup of its kept fd, or -1 */
	char *name;
	bool listed;   /* a listing gave its view */
	bool unknown;  /* too many names to tell */
};
/* Under fs.lock: fills C for an IN_ATTRIB of NAME in DIR; false when there is nothing to check.
 * Unless MAY_DUP (a batch has enough checks with a handle already), C counts as a change. */
bool fs_listing_attrib(struct fs *fs, struct fs_inode *dir, const char *name, bool may_dup,
		       struct fs_listing_check *c);
/* Without fs.lock: whether C's view came or went; if so, marks the directory's listing changed
 * and returns its nodeid (whose attributes are to be invalidated), else 0. Frees C's contents. */
fuse_ino_t fs_listing_check(struct fs *fs, struct fs_listing_check *c);
/* Under fs.lock: NAME left DIR. */
void fs_listing_forget(struct fs *fs, const struct fs_inode *dir, const char *name);
/* A directory's times as the mount shows them: ST (IN's, from the backing directory) moved up to
 * the last change of its views. */
void fs_listing_times(const struct fs_inode *in, struct stat *st);
void fs_listings_init(struct fs *fs);
void fs_listings_free(struct fs *fs);

#endif
