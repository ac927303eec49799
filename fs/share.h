/* share.h - what one user may hold of the daemon (fds, memory), and the registry of open files (share.c). */
#ifndef SHMFS_SHARE_H
#define SHMFS_SHARE_H

#include "fs_state.h"

/* The tables, under fs.handles_lock (in fs_new; at the end). */
void fs_shares_init(struct fs *fs);
void fs_shares_free(struct fs *fs);
/* The share of the daemon's fds one user may hold through the mount. Takes one for UID:
 * -EMFILE when it holds as many as one user may (an eighth of the daemon's fd limit), else 0. */
int fs_fd_take(struct fs *fs, uid_t uid);
void fs_fd_give(struct fs *fs, uid_t uid);
/* The share of the daemon's memory one user's edits not yet stored may hold
 * (FS_EDIT_MEMORY_PER_USER). Changes UID's by DELTA bytes: -EFBIG, and no change, when that would
 * take it over the share. */
#define FS_EDIT_MEMORY_PER_USER ((size_t)256 << 20)
int fs_edit_memory(struct fs *fs, uid_t uid, ssize_t delta);
/* The registry of open files. Adds F, opened by REQ's caller, taking one of its fds
 * (fs_fd_take's error, or 0). */
int fs_file_register(struct fs *fs, fuse_req_t req, struct fs_file *f);
void fs_file_unregister(struct fs *fs, struct fs_file *f);

#endif
