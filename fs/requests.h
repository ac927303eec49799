/* requests.h - what the layer under the session does with each raw request (requests.c). */
#ifndef SHMFS_REQUESTS_H
#define SHMFS_REQUESTS_H

#include "fs_state.h"

/* The name a CREATE has when it is the kernel's TMPFILE (fs_request_read made it so): "/", which
 * no other create can have. */
#define FS_TMPFILE_NAME "/"
/* Called by the raw read hook with every request read (BUF, LEN bytes, or a read error). */
void fs_request_read(void *buf, ssize_t len);

#endif
