/* plan.c - the INIT plan: what the kernel's INIT offers and the command's options settle, once,
 * into how each kind of request is served (struct fs_plan), logged here and written into the INIT
 * reply by the layer under the session, which only says how (passthrough_api.c, passthrough_raw.c).
 *
 * A READ of a segment, by the plan (file_ops.c, splice.c follow it):
 *   passthrough                 -> the kernel reads the tmpfs file itself; the daemon sees nothing
 *   else size <= splice_max     -> spliced from the segment's fd into /dev/fuse (splice.c)
 *   else                        -> copied from the daemon's mapping (pread where it has holes)
 *   and the page cache is in front of the last two unless direct_io: then READs are the kernel's
 *   readahead (readahead_kb) and mappings' page faults, not each read(2).
 * Writes follow the same split: passthrough, else pwritev2 of each WRITE (direct, or written
 * through the page cache). Set-ID bits are the daemon's to clear under killpriv_v2 (privs.c), in
 * both modes. */
#include "plan.h"

#include <pthread.h>
#include <stdio.h>

#include "knobs.h"
#include "passthrough.h"
#include "session.h"
#include "splice.h"

/* libfuse's io_uring entries per CPU when neither -o io_uring_q_depth= nor its
 * FUSE_URING_QUEUE_DEPTH says (SESSION_DEF_URING_Q_DEPTH, lib/fuse_uring_i.h in 3.18). */
#define FS_RING_DEPTH_DEFAULT 8

/* In this order, each step reading only what the ones above it settled:
 * 1. READ sizes: a READ is at most max_read, or max_write where there is none (libfuse asks for
 *    max_pages = max_write / page size, and readahead and direct reads stop there); libfuse wants
 *    max_read at INIT to be what the mount was made with (a user's own -o max_read= when shmfs
 *    set none). A READ reply is spliced when a pipe this process can have holds it (splice.c),
 *    and the readahead is raised to the largest READ (readahead.c).
 * 2. Passthrough, where the kernel offers it and the daemon may register backing files
 *    (passthrough.c): passthrough=on refuses the mount without it.
 * 3. Set-ID clearing (privs.c): the daemon's wherever the kernel offers HANDLE_KILLPRIV_V2, in
 *    either mode (a passthrough write still asks, by an empty SETATTR).
 * 4. Direct I/O, for daemon-served opens only (a passthrough open is the kernel's, a refused mount
 *    serves none). Through the page cache every byte is copied twice (segment -> FUSE page ->
 *    reader), each read(2) first asks for the attributes (AUTO_INVAL_DATA) and each write(2) for
 *    security.capability; a direct read or write is one request, copied straight from or into
 *    the caller's buffer, and sees what the segment holds now. DIRECT_IO_ALLOW_MMAP keeps
 *    MAP_SHARED mappings of the mount working: they go through the page cache, which the kernel
 *    writes back before a direct read of the same range and drops before a direct write. Without
 *    it the page cache stays, as before Linux 6.6.
 * 5. POSIX ACLs, checked by the kernel as tmpfs checks them: it asks for system.posix_acl_access
 *    (and _default) through GETXATTR, caches them with the attributes (the watcher's invalidations
 *    drop both), and with them leaves the umask to the daemon (DONT_MASK: creds.c applies it), so
 *    that a directory's default ACL replaces it as on tmpfs. Both or neither.
 * 6. io_uring, where -o io_uring (or libfuse's FUSE_URING_ENABLE) asks for it and the kernel offers
 *    it (the fuse module's enable_uring): libfuse then serves the requests from a ring per CPU
 *    instead of read(2) and writev(2) of /dev/fuse. Only a build without the raw hook can have it
 *    (libfuse >= 3.18.3, session.h): libfuse does not serve a ring to a custom I/O layer. Replies
 *    are copied into the ring, not spliced: every READ is then libfuse's pread of the segment's
 *    fd into the ring (splice_max unbounded), never a copy from the daemon's mapping. */
void fs_plan_settle(const struct fs_options *opts, const struct fs_offer *offer,
		    struct fs_plan *plan)
{
	const struct fs_knobs *k = fs_knobs();
	*plan = (struct fs_plan){ 0 };

	plan->max_read = opts->max_read ? opts->max_read : offer->max_read;
	plan->readahead_kb = (plan->max_read ? plan->max_read : FS_MAX_REQUEST) / 1024;
	if (k->no_splice)
		plan->why_copied = "SHMFS_FORCE_NO_SPLICE=1";
	else if (!offer->splice_write)
		plan->why_copied = "libfuse may not splice here";
	else if (!(plan->splice_max = fs_splice_limit(plan->max_read ? plan->max_read
								      : offer->max_write)))
		plan->why_copied = "no pipe can hold them";

	if (opts->passthrough == FS_PASSTHROUGH_OFF)
		plan->why_not = "passthrough=off";
	else if (!offer->passthrough || k->kernel_no_passthrough)
		plan->why_not = "the kernel offers no FUSE passthrough";
	else
		plan->why_not = fs_passthrough_denied();
	plan->passthrough = !plan->why_not;
	plan->refused = plan->why_not && opts->passthrough == FS_PASSTHROUGH_ON;

	if (k->no_killpriv_v2)
		plan->why_kernel_clears = "SHMFS_FORCE_NO_KILLPRIV_V2=1";
	else if (!offer->handle_killpriv_v2)
		plan->why_kernel_clears = "this kernel has no HANDLE_KILLPRIV_V2; Linux 5.11 or newer has it";
	plan->killpriv_v2 = !plan->why_kernel_clears;

	if (plan->passthrough || plan->refused)
		plan->direct_io = false;
	else if (k->no_direct_io)
		plan->why_cached = "SHMFS_FORCE_NO_DIRECT_IO=1";
	else if (!offer->direct_io_allow_mmap)
		plan->why_cached = "this kernel cannot map direct I/O files shared; Linux 6.6 or newer can";
	else
		plan->direct_io = true;

	plan->dont_mask = offer->posix_acl && offer->dont_mask;

	if (!opts->io_uring && !k->uring_enable)
		plan->why_no_ring = NULL; /* not asked */
	else if (!fs_session_rings)
		plan->why_no_ring = "this shmfs is built with libfuse older than 3.18.3, whose raw "
				    "request hook a ring would bypass";
	else if (!offer->io_uring)
		plan->why_no_ring = "the kernel offers none (as root: echo Y > "
				    "/sys/module/fuse/parameters/enable_uring, Linux 6.14 or newer)";
	else
		plan->io_uring = true;
	/* Over the ring every READ reply is libfuse's pread of the segment's fd into the ring, none
	 * a copy from the daemon's mapping: that copy would be the daemon's own memcpy (no kernel
	 * there to fail it with EFAULT), and a segment truncated meanwhile would kill the daemon with
	 * SIGBUS; a pread reads short instead. */
	if (plan->io_uring) {
		plan->splice_max = SIZE_MAX;
		plan->why_copied = NULL;
	}
	/* A request left unanswered (a lock wait) holds its ring entry, and the kernel queues the
	 * other requests of that CPU until one is free: half of them stay free. */
	unsigned depth = opts->ring_depth ? opts->ring_depth
			 : k->uring_depth  ? k->uring_depth
					   : FS_RING_DEPTH_DEFAULT;
	plan->ring_held_max = plan->io_uring ? depth / 2 : 0;
}

/* What every libfuse writes into the INIT reply itself. Writeback caching stays off: other
 * programs change /dev/shm behind the kernel's back, and a write must reach the segment when
 * write(2) returns (and it conflicts with passthrough). HANDLE_KILLPRIV (v1) stays off: it would
 * leave every write's clearing to the daemon without saying which caller lacks CAP_FSETID. With
 * AUTO_INVAL_DATA the kernel drops cached pages of a file whose size or mtime changed behind it. */
static void ask_libfuse(const struct fs_plan *plan, struct fuse_conn_info *conn)
{
	fs_conn_unwant(conn, FUSE_CAP_WRITEBACK_CACHE);
	fs_conn_unwant(conn, FUSE_CAP_HANDLE_KILLPRIV);
	fs_conn_want(conn, FUSE_CAP_AUTO_INVAL_DATA);
	fs_conn_want(conn, FUSE_CAP_READDIRPLUS);
	if (plan->dont_mask) {
		fs_conn_want(conn, FUSE_CAP_POSIX_ACL);
		fs_conn_want(conn, FUSE_CAP_DONT_MASK);
	}
	conn->max_read = plan->max_read;
	if (plan->splice_max)
		fs_conn_want(conn, FUSE_CAP_SPLICE_WRITE);
}

/* The mount command's first line (fs->settled) says the data mode; a warning that bears on all of
 * the mount comes before it, while the caller still reads stderr. */
void fs_plan_log(const struct fs_plan *plan, fs_settled_fn *settled, void *arg)
{
	if (!plan->dont_mask)
		fuse_log(FUSE_LOG_WARNING, "shmfs: this kernel offers no POSIX ACLs to FUSE: ACLs in "
			 "the backing directory are not checked through the mount\n");
	char mode[256];
	if (plan->why_not)
		snprintf(mode, sizeof(mode), "daemon-served (%s)", plan->why_not);
	else
		snprintf(mode, sizeof(mode), "passthrough (the kernel reads, writes and maps segments itself)");
	if (settled)
		settled(arg, mode, plan->refused ? plan->why_not : NULL);
	if (plan->refused)
		return;

	if (plan->io_uring)
		fuse_log(FUSE_LOG_NOTICE, "shmfs: requests come over io_uring\n");
	else if (plan->why_no_ring)
		fuse_log(FUSE_LOG_WARNING, "shmfs: io_uring asked for, but %s: requests come through "
			 "/dev/fuse\n", plan->why_no_ring);
	if (plan->killpriv_v2)
		fuse_log(FUSE_LOG_INFO, "shmfs: set-ID bits are cleared by the daemon "
			 "(HANDLE_KILLPRIV_V2)\n");
	else
		fuse_log(FUSE_LOG_NOTICE, "shmfs: the kernel clears set-ID bits itself (%s)\n",
			 plan->why_kernel_clears);
	if (plan->passthrough)
		return;
	if (plan->direct_io)
		fuse_log(FUSE_LOG_NOTICE, "shmfs: segment I/O is direct (the page cache only for "
			 "mappings of the mount)\n");
	else
		fuse_log(FUSE_LOG_NOTICE, "shmfs: segment I/O goes through the page cache (%s)\n",
			 plan->why_cached);
	if (plan->io_uring)
		fuse_log(FUSE_LOG_INFO, "shmfs: READ replies are read into the ring from the segment's "
			 "fd (libfuse's pread; a ring takes no splice)\n");
	else if (plan->splice_max)
		fuse_log(FUSE_LOG_INFO, "shmfs: READ replies of up to %zu bytes are spliced\n",
			 plan->splice_max);
	else
		fuse_log(FUSE_LOG_INFO, "shmfs: READ replies are copied from a mapping (%s)\n",
			 plan->why_copied);
}

void fs_plan_init(struct fs *fs, struct fuse_conn_info *conn)
{
	struct fs_offer offer;
	fs_session_offer(fs, conn, &offer);
	fs_plan_settle(&fs->opts, &offer, &fs->plan);
	ask_libfuse(&fs->plan, conn);
	fs_session_write(fs, conn);
	fs_plan_log(&fs->plan, fs->settled, fs->settled_arg);
	if (fs->plan.refused)
		fuse_session_exit(fs->se);
}

void fs_set_settled(struct fs *fs, fs_settled_fn *fn, void *arg)
{
	fs->settled = fn;
	fs->settled_arg = arg;
}
