/* creds.h - files made as the request's caller: its uid, gid, groups and umask (creds.c). */
#ifndef SHMFS_CREDS_H
#define SHMFS_CREDS_H

#include "fs_state.h"

/* Makes the calling thread create files as the request's caller: its uid, gid and groups when the
 * daemon is root, its umask where the kernel leaves that to the daemon; *ENTERED tells
 * fs_creds_leave whether there is anything to undo. Returns 0 or -errno (nothing entered then). */
int fs_creds_enter(struct fs *fs, fuse_req_t req, bool *entered);
void fs_creds_leave(struct fs *fs, bool entered);
/* The supplementary groups of REQ's caller (g_free them), *N of them; NULL and 0 when the caller
 * is gone. */
gid_t *fs_req_groups(fuse_req_t req, int *n);

#endif
