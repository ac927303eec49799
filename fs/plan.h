/* plan.h - the INIT plan: from what the kernel's INIT offers and the command's options, how each
 * kind of request is served, settled once (plan.c) and only read afterwards. */
#ifndef SHMFS_PLAN_H
#define SHMFS_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs.h"

struct fuse_conn_info;

/* What the kernel's INIT offers, as the layer under the session reads it: libfuse >= 3.17 from its
 * conn (passthrough_api.c); 3.14 from its conn and, for what that cannot carry (passthrough,
 * DIRECT_IO_ALLOW_MMAP, HANDLE_KILLPRIV_V2), from the raw INIT request (passthrough_raw.c). */
struct fs_offer {
	bool passthrough;          /* FUSE_PASSTHROUGH (Linux 6.9+) */
	bool direct_io_allow_mmap; /* direct I/O files may be mapped shared (6.6+) */
	bool handle_killpriv_v2;   /* the daemon may clear set-ID bits (5.11+) */
	bool splice_write;         /* libfuse may splice replies into /dev/fuse */
	bool posix_acl, dont_mask;
	size_t max_read;           /* libfuse's conn->max_read: what it took from -o max_read=, or 0 */
	size_t max_write;          /* libfuse's: the largest READ too, where there is no max_read */
};

/* The command's options that INIT settles against (fs_set_passthrough, fs_set_max_read); the
 * others (cache=, views=) are read where they act. */
struct fs_options {
	enum fs_passthrough passthrough;
	size_t max_read;           /* -o max_read= the mount was made with: the user's, or
				    * fs_splice_max_read's; 0: none */
};

/* The plan: how each kind of request is served, fixed at INIT. INIT is the first request and is
 * answered before any other is read, so its readers need no lock. Each why_* is a phrase for the
 * log, set where its bool is false and the question arises at all. */
struct fs_plan {
	bool passthrough;          /* segment opens are handed to the kernel (passthrough.c) */
	const char *why_not;       /* else why not: "passthrough=off", "the kernel offers no ..." */
	bool refused;              /* passthrough=on could not be had: the session ends, exit 1 */
	bool direct_io;            /* daemon-served segment opens bypass the page cache (file_ops.c) */
	const char *why_cached;    /* else, daemon-served, why the page cache stays */
	size_t max_read;           /* the largest READ, as the INIT reply says; 0: max_write */
	size_t splice_max;         /* the largest READ reply spliced from a segment (splice.c); 0: none */
	const char *why_copied;    /* splice_max 0: why READs are copied from the mapping */
	size_t readahead_kb;       /* the mount's readahead, raised to the largest READ (readahead.c) */
	bool killpriv_v2;          /* set-ID bits are the daemon's to clear (privs.c) */
	const char *why_kernel_clears; /* else why the kernel clears them */
	bool dont_mask;            /* POSIX ACLs checked by the kernel, the umask left to the daemon
				    * (creds.c): both or neither */
};

/* The test knobs: SHMFS_FORCE_X=1 in the daemon's environment makes it take a path it would not
 * take on this machine, so that the tests reach it. Read once, in plan.c, for INIT and for what
 * the command asks before mounting (fs_passthrough_outlook, _precheck, fs_splice_max_read).
 * (SHMFS_FORCE_NO_HANDLES, which is no INIT matter, is inode.c's.) */
struct fs_knobs {
	bool no_passthrough;        /* as if the daemon lacked CAP_SYS_ADMIN */
	bool kernel_no_passthrough; /* as if the kernel's INIT offered no passthrough */
	bool no_direct_io;          /* the page cache, as on a kernel before 6.6 */
	bool no_splice;             /* every READ copied from the mapping */
	bool no_killpriv_v2;        /* the kernel clears set-ID bits, as before 5.11 */
};
const struct fs_knobs *fs_knobs(void);

/* Settles PLAN from OPTS and OFFER, the knobs, and what this process may do (CAP_SYS_ADMIN, the
 * pipe size it can have): no other input, no side effect. */
void fs_plan_settle(const struct fs_options *opts, const struct fs_offer *offer,
		    struct fs_plan *plan);
/* Logs PLAN, the data mode through SETTLED(ARG, ...) (the mount's first line; NULL: none), and the
 * rest where the mount is not refused. */
void fs_plan_log(const struct fs_plan *plan, fs_settled_fn *settled, void *arg);
/* The init operation (fs.c): settles fs->plan from what CONN's INIT offers, asks libfuse for it,
 * has the layer under the session write the rest, logs it; ends the session when refused. */
void fs_plan_init(struct fs *fs, struct fuse_conn_info *conn);

/* The layer under the session (passthrough_api.c or passthrough_raw.c: meson builds one) says how
 * INIT's offer is read and how the plan's flags are written. */
/* What the kernel's INIT offers (called from the init operation). */
void fs_session_offer(struct fs *fs, struct fuse_conn_info *conn, struct fs_offer *offer);
/* Writes what fs->plan asks beyond the flags every libfuse knows: passthrough,
 * DIRECT_IO_ALLOW_MMAP, HANDLE_KILLPRIV_V2, and the readahead (in CONN, or in the INIT reply). */
void fs_session_write(struct fs *fs, struct fuse_conn_info *conn);
/* Asks for capability CAP if the kernel offers it (true then); drops CAP from what is asked. */
bool fs_conn_want(struct fuse_conn_info *conn, uint64_t cap);
void fs_conn_unwant(struct fuse_conn_info *conn, uint64_t cap);

#endif
