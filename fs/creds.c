/* creds.c - lets a root daemon create files as the calling user: uid, gid and groups of the
 * request are set on the calling thread only (fsuid, fsgid, raw setgroups) around the creation. */
#include "fs_internal.h"

#include <errno.h>
#include <sys/fsuid.h>
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

int fs_creds_enter(struct fs *fs, fuse_req_t req, bool *entered)
{
	*entered = false;
	if (!fs->as_caller)
		return 0;
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	if (ctx->uid == 0 && ctx->gid == 0)
		return 0;

	int n; /* 0 when the caller is gone: no supplementary groups rather than root's */
	g_autofree gid_t *groups = fs_req_groups(req, &n);
	int err = set_thread_groups(n, groups);
	if (err)
		return err;
	setfsgid(ctx->gid);
	setfsuid(ctx->uid);
	if ((uid_t)setfsuid(-1) != ctx->uid || (gid_t)setfsgid(-1) != ctx->gid) {
		fs_creds_leave(fs, true);
		return -EPERM;
	}
	*entered = true;
	return 0;
}

void fs_creds_leave(struct fs *fs, bool entered)
{
	if (!entered)
		return;
	setfsuid(0);
	setfsgid(0);
	set_thread_groups(fs->ngroups, fs->groups);
}
