/* passthrough.h - may this process have FUSE passthrough, and one backing id per inode (passthrough.c). */
#ifndef SHMFS_PASSTHROUGH_H
#define SHMFS_PASSTHROUGH_H

#include "fs_state.h"

/* Why this process may not register backing files (a phrase for the log), or NULL when it may. */
const char *fs_passthrough_denied(void);
/* The backing id of segment IN for one more open (in request REQ), whose own fd is FALLBACK_FD:
 * registered with the kernel at the first. Returns the id (> 0) or -errno. Each successful call
 * is paired with fs_backing_put, whose REQ is NULL once the session is over (the kernel has
 * dropped every id then). */
int32_t fs_backing_get(struct fs *fs, fuse_req_t req, struct fs_inode *in, int fallback_fd);
void fs_backing_put(struct fs *fs, fuse_req_t req, struct fs_inode *in);

#endif
