/* typed.h - one call for a program that makes a typed segment: create it, size it and tag it with its
 * record type (the xattr user.shmfs.type), so that a shmfs mount shows it as a table at once. */
#ifndef SHMFS_TYPED_H
#define SHMFS_TYPED_H

#include <sys/types.h>

/* Creates segment NAME in DIRFD (seg_dir_open("/dev/shm"), or any directory fd) with MODE (the
 * umask applies), or opens it when it exists and FLAGS lacks O_EXCL; sets its size to SIZE
 * (growing leaves a hole: no memory used) and its xattr user.shmfs.type to DECL.
 * FLAGS are extra open(2) flags (O_EXCL, O_TRUNC, ...); the fd is always O_RDWR and close-on-exec,
 * and a symlink NAME is never followed. DECL must parse as a record type (rtype.h).
 * Returns the fd, or -errno: -EINVAL for a DECL that does not parse or a negative SIZE. When a
 * step fails after this call created the segment, the segment is removed again. */
int seg_create_typed(int dirfd, const char *name, off_t size, const char *decl, int flags,
		     mode_t mode);

#endif
