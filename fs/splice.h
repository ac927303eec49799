/* splice.h - READ replies spliced from the segment (splice.c). */
#ifndef SHMFS_SPLICE_H
#define SHMFS_SPLICE_H

#include "fs_state.h"

/* The largest reply (at most LARGEST bytes) whose pipe this process can have now, or 0 (the plan's
 * splice_max). */
size_t fs_splice_limit(size_t largest);
/* Replies to REQ with SIZE bytes at OFF of the segment open as FD, spliced, when a pipe can hold
 * them: true. False when it cannot (nothing was sent: serve the read another way). */
bool fs_splice_reply(fuse_req_t req, int fd, size_t size, off_t off);
/* The custom I/O layer's splice to /dev/fuse (libfuse splices under one only through it). */
ssize_t fs_splice_send(int fdin, off_t *offin, int fdout, off_t *offout, size_t len,
		       unsigned int flags, void *userdata);

#endif
