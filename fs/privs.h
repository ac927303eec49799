/* privs.h - the set-ID bits the kernel leaves to the daemon to clear under HANDLE_KILLPRIV_V2 (privs.c). */
#ifndef SHMFS_PRIVS_H
#define SHMFS_PRIVS_H

#include "fs_state.h"

/* Notes what the raw request in BUF (LEN bytes, or a read error) asks of the thread that read it:
 * the raw read hook calls it for every request. */
void fs_privs_note_request(const void *buf, ssize_t len);
/* Where there is no raw hook (libfuse >= 3.18.3, which hands the operations the kill flags), the
 * operations note them themselves: an OPEN or a WRITE (REQ) by FI (fuse_file_info's
 * kill_suidgid), a SETATTR by its VALID. Where the hook notes them, these do nothing. */
void fs_privs_note_open(const struct fuse_file_info *fi);
void fs_privs_note_write(fuse_req_t req, const struct fuse_file_info *fi);
void fs_privs_note_setattr(int valid);
/* Before the request REQ (which this thread read: a WRITE, SETATTR or OPEN) acts on the object
 * behind FD (an open file or an O_PATH handle): clears its set-user-ID and set-group-ID bits where
 * the request says the caller may not keep them, as tmpfs would. Returns 0 or -errno. */
int fs_privs_kill(fuse_req_t req, int fd);
/* The same for a change the kernel does not know is a write (an edit through a view, stored into
 * the segment open as FD by the daemon): the bits go as for a write(2) by REQ's caller, who counts
 * as lacking CAP_FSETID unless it is uid 0. */
int fs_privs_kill_write(fuse_req_t req, int fd);

#endif
