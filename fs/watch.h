/* watch.h - -o cache=watch: inotify on the directories the kernel knows, turned into invalidations (watch.c). */
#ifndef SHMFS_WATCH_H
#define SHMFS_WATCH_H

#include <sys/inotify.h>

#include "fs_state.h"

/* Sets up the tables (in fs_new); starts watching the root, and the thread that turns inotify
 * events into invalidations (at INIT, unless -o cache=off), given the protocol minor version the
 * kernel speaks; stops it (at the session's end). */
void fs_watch_init(struct fs *fs);
void fs_watch_start(struct fs *fs, unsigned proto_minor);
void fs_watch_stop(struct fs *fs);
void fs_watch_free(struct fs *fs);
/* Under fs.lock: watches a new directory inode, open as FD (sets DIR->wd, -1 for anything else) ... */
void fs_watch_dir(struct fs *fs, struct fs_inode *dir, int fd);
/* ... takes IN out of the name index before its name changes ... */
void fs_watch_unname(struct fs *fs, struct fs_inode *in);
/* ... puts it back under its (new) name, and returns how long the kernel may keep its attributes ... */
double fs_watch_name(struct fs *fs, struct fs_inode *in);
/* ... and forgets a freed inode. */
void fs_watch_forget(struct fs *fs, struct fs_inode *in);
/* Makes the kernel look every name up again at its next use (where it keeps names at all): after
 * a change it cannot know of from the reply, e.g. a rename over a view that leaves the view. */
void fs_watch_expire_names(struct fs *fs);
/* How long the kernel may keep a name whose attributes it may keep for ATTR_TIMEOUT: as long, where
 * the watcher can expire names (watch.c), else not at all. */
double fs_entry_timeout(const struct fs *fs, double attr_timeout);
/* Around a change of NAME in DIR made on a caller's behalf: its inotify event (IN_CREATE,
 * IN_DELETE, IN_MOVED_FROM or IN_MOVED_TO) is the daemon's own; unexpect when the change failed. */
void fs_watch_expect(struct fs *fs, const struct fs_inode *dir, const char *name, uint32_t mask);
void fs_watch_unexpect(struct fs *fs, const struct fs_inode *dir, const char *name, uint32_t mask);
/* After the change: ERR (0 or -errno, returned) says whether it was made; its event will not come
 * when it was not (fs_watch_unexpect then). */
int fs_watch_done(struct fs *fs, const struct fs_inode *dir, const char *name, uint32_t mask,
		  int err);
/* How long the kernel may keep IN's attributes. */
double fs_attr_timeout(struct fs *fs, const struct fs_inode *in);

#endif
