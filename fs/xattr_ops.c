/* xattr_ops.c - extended attributes, user.* only: other namespaces (trusted, security, system)
 * carry privileges that a root daemon must not lend to its callers, so they are not supported. */
#include "fs_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

static bool user_name(const char *name)
{
	return strncmp(name, "user.", 5) == 0;
}

/* The xattr calls take no O_PATH fd; /proc/self/fd/N reaches the inode itself. Symlinks cannot
 * hold user.* attributes on Linux, and their /proc name would be followed, so they are left out;
 * so are views, whose handle is their segment's. */
static bool reachable(const struct fs_inode *in, char proc[static 32])
{
	if (S_ISLNK(in->type) || in->view)
		return false;
	fs_inode_proc_path(in, proc);
	return true;
}

void fs_op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
		    size_t size, int flags)
{
	char proc[32];
	if (!user_name(name))
		fuse_reply_err(req, EOPNOTSUPP);
	else if (!reachable(fs_inode(req, ino), proc))
		fuse_reply_err(req, EPERM);
	else
		fuse_reply_err(req, setxattr(proc, name, value, size, flags) < 0 ? errno : 0);
}

void fs_op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	char proc[32];
	if (!user_name(name))
		fuse_reply_err(req, EOPNOTSUPP);
	else if (!reachable(fs_inode(req, ino), proc))
		fuse_reply_err(req, EPERM);
	else
		fuse_reply_err(req, removexattr(proc, name) < 0 ? errno : 0);
}

/* Replies to a get or list call of SIZE (0: the caller asks how large) with RES bytes in BUF. */
static void reply_value(fuse_req_t req, size_t size, const char *buf, ssize_t res)
{
	if (res < 0)
		fuse_reply_err(req, errno);
	else if (size == 0)
		fuse_reply_xattr(req, res);
	else
		fuse_reply_buf(req, buf, res);
}

void fs_op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	/* EOPNOTSUPP, not ENODATA, for the other namespaces: ls -l asks for security.selinux and
	 * system.posix_acl_access of every file, and stops asking on a file system that answers
	 * "not supported" once, which saves two round trips per file. */
	char proc[32];
	if (!user_name(name)) {
		fuse_reply_err(req, EOPNOTSUPP);
		return;
	}
	if (!reachable(fs_inode(req, ino), proc)) {
		fuse_reply_err(req, ENODATA);
		return;
	}
	char *buf = size ? malloc(size) : NULL;
	if (size && !buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	reply_value(req, size, buf, getxattr(proc, name, buf, size));
	free(buf);
}

/* Lists only the user.* names; the size asked for is that of the filtered list. */
void fs_op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	char proc[32];
	if (!reachable(fs_inode(req, ino), proc)) {
		reply_value(req, size, NULL, 0);
		return;
	}
	ssize_t all = listxattr(proc, NULL, 0);
	char *names = all > 0 ? malloc(all) : NULL;
	if (all > 0 && (!names || (all = listxattr(proc, names, all)) < 0)) {
		int err = names ? errno : ENOMEM;
		free(names);
		fuse_reply_err(req, err == ERANGE ? EAGAIN : err);
		return;
	}
	if (all < 0) {
		fuse_reply_err(req, errno);
		return;
	}

	ssize_t kept = 0;
	for (ssize_t i = 0; i < all; i += strlen(names + i) + 1) {
		size_t len = strlen(names + i) + 1;
		if (user_name(names + i)) {
			memmove(names + kept, names + i, len);
			kept += len;
		}
	}
	if (size && (size_t)kept > size) {
		free(names);
		fuse_reply_err(req, ERANGE);
		return;
	}
	reply_value(req, size, names, kept);
	free(names);
}
