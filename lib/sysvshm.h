/* sysvshm.h - the SysV shared-memory segments of this IPC namespace, as /proc/sysvipc/shm lists
 * them, and whether a segment's creator is gone. */
#ifndef SHMFS_SYSVSHM_H
#define SHMFS_SYSVSHM_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct sysvshm {
	int key;                 /* 0: IPC_PRIVATE */
	int shmid;
	unsigned mode;           /* perms, with SHM_DEST (01000) and SHM_LOCKED (02000) */
	uint64_t size;
	pid_t cpid, lpid;        /* creator, last shmat/shmdt; 0 when outside this pid namespace */
	unsigned long nattch;    /* the kernel's count of attaches */
	uid_t uid, cuid;
	gid_t gid, cgid;
	time_t atime, dtime, ctime;
	uint64_t rss, swap;      /* bytes resident and swapped out */
};

/* The segments listed in PATH (NULL: /proc/sysvipc/shm), appended to OUT (struct sysvshm).
 * Returns how many, or -errno (-ENOENT: a kernel without SysV IPC). */
int sysvshm_list(const char *path, GArray *out);

/* True when SEG's creator can be known to be gone: no process CPID, or one that started after the
 * segment's last change (ctime), which cannot have made it (a pid used again). False when it may
 * still run, or CPID is 0 (unknown). */
bool sysvshm_creator_gone(const struct sysvshm *seg);

#endif
