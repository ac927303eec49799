/* knobs.h - the test knobs (knobs.c). */
#ifndef SHMFS_KNOBS_H
#define SHMFS_KNOBS_H

#include "fs_state.h"

/* The test knobs: SHMFS_FORCE_X=1 in the daemon's environment makes it take a path it would not
 * take on this machine, so that the tests reach it. Read once (knobs.c), for INIT, for what the
 * command asks before mounting, and for how inodes are reached (inode.c). */
struct fs_knobs {
	bool no_passthrough;        /* as if the daemon lacked CAP_SYS_ADMIN */
	bool kernel_no_passthrough; /* as if the kernel's INIT offered no passthrough */
	bool no_direct_io;          /* the page cache, as on a kernel before 6.6 */
	bool no_splice;             /* every READ copied from the mapping */
	bool no_killpriv_v2;        /* the kernel clears set-ID bits, as before 5.11 */
	bool no_handles;            /* objects reached by name even as root, as in a user's mount */
	bool uring_enable;          /* libfuse's own FUSE_URING_ENABLE=N (N != 0): libfuse then asks
				     * for an io_uring as for -o io_uring, so the plan counts it */
	unsigned uring_depth;       /* libfuse's FUSE_URING_QUEUE_DEPTH: as -o io_uring_q_depth= */
	/* Numbers (SHMFS_TEST_X=N), so that the tests reach a limit without its real size: */
	uint64_t edit_memory;       /* SHMFS_TEST_EDIT_MEMORY: bytes one user's pending view edits may
				     * hold (share.c); 0: FS_EDIT_MEMORY_PER_USER */
	unsigned usage_scan_ms;     /* SHMFS_TEST_USAGE_SCAN_MS: a scan of /proc takes at least this
				     * long (usage.c), as on a host of many processes */
};
const struct fs_knobs *fs_knobs(void);

#endif
