/* locks.h - flock and fcntl locks through the mount, taken on the segment (lock_ops.c). */
#ifndef SHMFS_LOCKS_H
#define SHMFS_LOCKS_H

#include "fs_state.h"

void fs_locks_init(struct fs *fs);
/* Drops the fcntl locks taken through F (it is being released). */
void fs_locks_release(struct fs *fs, struct fs_file *f);
/* At the session's end: answers the requests still waiting for a lock. */
void fs_locks_stop(struct fs *fs);
void fs_locks_free(struct fs *fs);


/* The operations. */
void fs_op_flock(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, int op);
void fs_op_setlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lock,
		 int sleep);
void fs_op_getlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lock);

#endif
