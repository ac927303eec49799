/* creds.c - lets a root daemon create files as the calling user: uid, gid and groups of the
 * request are set on the calling thread only (fsuid, fsgid, raw setgroups) around the creation,
 * and the caller's umask too, where the kernel leaves it to the daemon (with POSIX ACLs). */
#include "creds.h"

#include <errno.h>
#include <sched.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Why not create as root and chown afterwards: the backing directory itself then checks the
 * caller's right to create there, set-group-ID directories hand down their group, and the new
 * object never exists with the wrong owner, not even for a moment. glibc's setgroups(2) changes
 * every thread of the process; the raw system call changes only the calling one, which is what a
 * multithreaded daemon needs. */
static int set_thread_groups(int n, const gid_t *groups)
{
	return syscall(SYS_setgroups, n, groups) < 0 ? -errno : 0;
}

/* fuse_req_getgroups says how many there are when they do not fit: then it is asked again. */
gid_t *fs_req_groups(fuse_req_t req, int *n)
{
	int size = 64;
	gid_t *groups = g_new(gid_t, size);
	*n = fuse_req_getgroups(req, size, groups);
	if (*n > size) {
		size = *n;
		groups = g_renew(gid_t, groups, size);
		*n = MIN(fuse_req_getgroups(req, size, groups), size); /* more since? these */
	}
	if (*n <= 0) {
		*n = 0;
		g_clear_pointer(&groups, g_free);
	}
	return groups;
}

/* What fs_creds_enter changed on this thread. */
static __thread bool ids_entered, umask_entered;

/* With POSIX ACLs the kernel leaves the umask to the file system (FUSE_CAP_DONT_MASK): tmpfs
 * applies a creator's umask only where the directory has no default ACL, so the creating thread
 * takes the caller's umask. The umask belongs to the fs_struct that threads share: each worker
 * thread takes its own first (unshare CLONE_FS), so that one caller's umask never leaks into
 * another's creation. */
static int enter_umask(struct fs *fs, fuse_req_t req)
{
	static __thread bool own_fs_struct;
	if (!fs->plan.dont_mask)
		return 0;
	if (!own_fs_struct && unshare(CLONE_FS) < 0)
		return -errno;
	own_fs_struct = true;
	umask(fuse_req_ctx(req)->umask);
	umask_entered = true;
	return 0;
}

int fs_creds_enter(struct fs *fs, fuse_req_t req, bool *entered)
{
	int err = enter_umask(fs, req);
	*entered = umask_entered;
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	if (err || !fs->daemon_is_root || (ctx->uid == 0 && ctx->gid == 0))
		return err;

	int n; /* 0 when the caller is gone: no supplementary groups rather than root's */
	g_autofree gid_t *groups = fs_req_groups(req, &n);
	if ((err = set_thread_groups(n, groups)) != 0) {
		fs_creds_leave(fs, *entered);
		return err;
	}
	ids_entered = *entered = true;
	setfsgid(ctx->gid);
	setfsuid(ctx->uid);
	if ((uid_t)setfsuid(-1) != ctx->uid || (gid_t)setfsgid(-1) != ctx->gid) {
		fs_creds_leave(fs, true);
		return -EPERM;
	}
	return 0;
}

void fs_creds_leave(struct fs *fs, bool entered)
{
	if (!entered)
		return;
	if (umask_entered)
		umask(0);
	if (ids_entered) {
		setfsuid(0);
		setfsgid(0);
		set_thread_groups(fs->ngroups, fs->groups);
	}
	umask_entered = ids_entered = false;
}
