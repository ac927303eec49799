/* mountinfo.h - what /proc/self/mountinfo says is mounted at a path: the file system type, the
 * source and the device number, as preflight (before mounting) and main (after) need them. */
#ifndef SHMFS_MOUNTINFO_H
#define SHMFS_MOUNTINFO_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

struct mounted {
	char type[64];    /* e.g. "fuse.shmfs", "tmpfs" */
	char source[PATH_MAX];
	dev_t dev;        /* the superblock's device number (its bdi is /sys/class/bdi/MAJ:MIN) */
};

/* Fills *M for the mount whose mount point is PATH (absolute, resolved); the last entry wins, as
 * it is mounted over the others. True when there is one. */
bool mountinfo_find(const char *path, struct mounted *m);

#endif
