/* session.h - the layer under the libfuse session: passthrough_api.c (libfuse >= 3.17) or passthrough_raw.c (older; meson builds one of them). What the rest of fs/ calls never depends on which. */
#ifndef SHMFS_SESSION_H
#define SHMFS_SESSION_H

#include "fs_state.h"

/* Registers the open file FD as a backing file: its id (> 0), or -errno. The kernel takes its own
 * reference: FD may be closed right after. */
int32_t fs_backing_register(struct fs *fs, fuse_req_t req, int fd);
void fs_backing_unregister(struct fs *fs, fuse_req_t req, int32_t id);
/* Makes the OPEN (or CREATE) reply about to be sent for FI hand the open to the kernel with
 * BACKING_ID (none when <= 0); call right before fuse_reply_open/create, and
 * fs_passthrough_disarm right after. */
void fs_passthrough_arm(struct fuse_file_info *fi, int32_t backing_id, bool create);
void fs_passthrough_disarm(struct fuse_file_info *fi);


/* Whether requests may come over an io_uring: only where no raw hook is under the session
 * (libfuse >= 3.18.3), which a ring would bypass. */
extern const bool fs_session_rings;

/* At INIT: how its offer is read and the plan's flags are written (plan.c calls these). */
/* What the kernel's INIT offers (called from the init operation). */
void fs_session_offer(struct fs *fs, struct fuse_conn_info *conn, struct fs_offer *offer);
/* Writes what fs->plan asks beyond the flags every libfuse knows: passthrough,
 * DIRECT_IO_ALLOW_MMAP, HANDLE_KILLPRIV_V2, and the readahead (in CONN, or in the INIT reply). */
void fs_session_write(struct fs *fs, struct fuse_conn_info *conn);
/* Asks for capability CAP if the kernel offers it (true then); drops CAP from what is asked. */
bool fs_conn_want(struct fuse_conn_info *conn, uint64_t cap);
void fs_conn_unwant(struct fuse_conn_info *conn, uint64_t cap);

#endif
