/* mountinfo.h - which mount the kernel resolves a path to (statx's mount id), looked up in this
 * process's mount table through libmount: before mounting (preflight) and after (main). */
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

/* The id of the mount PATH is on, as the kernel resolves PATH now (statx STATX_MNT_ID, the first
 * field of /proc/self/mountinfo); -1 when it cannot say. */
int mountinfo_id(const char *path);

/* Fills *M when PATH (absolute, resolved) is the mount point of the mount it is on: a mount at
 * that path that another one hides (one over a parent directory, say) is not PATH's. */
bool mountinfo_at(const char *path, struct mounted *m);

/* Fills *M for the mount at PATH (absolute, resolved) whose parent is mount PARENT_ID (what
 * mountinfo_id said of PATH before something was mounted on it); the latest one wins. */
bool mountinfo_child(int parent_id, const char *path, struct mounted *m);

#endif
