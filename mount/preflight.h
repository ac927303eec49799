/* preflight.h - the checks the shmfs command makes before it mounts: each problem is one line on
 * stderr that says what to do, so an admin never has to decode a libfuse or kernel error. */
#ifndef SHMFS_PREFLIGHT_H
#define SHMFS_PREFLIGHT_H

#include <stdbool.h>

/* Checks MOUNTPOINT (exists, is a directory, is not a stale or live mount: a FUSE mount there is
 * always refused, another file system's only unless NONEMPTY_OK; not the backing directory itself),
 * /dev/fuse (exists and opens read-write) and BACKING_DIR (exists, is a directory; not on tmpfs
 * is only a warning). A MOUNTPOINT of the form /dev/fd/N (mount.fuse3 -o drop_privileges has
 * mounted already and passes the open /dev/fuse) skips the mount point and device checks.
 * Prints one line per problem to stderr. Returns 0 to go on, -1 to refuse. */
int preflight(const char *mountpoint, const char *backing_dir, bool nonempty_ok);

#endif
