/* xattr_ops.c - extended attributes: user.* and the POSIX ACLs (system.posix_acl_access and
 * system.posix_acl_default). Other namespaces (trusted, security, other system ones) carry
 * privileges that a root daemon must not lend to its callers, so they are not supported. A
 * segment also has the read-only user.shmfs.nattch, .users and .rss, made at each read (usage.c).
 *
 * ACLs: the kernel checks them itself (FUSE_CAP_POSIX_ACL, fs.c), from what GETXATTR answers, and
 * sends a SETXATTR or REMOVEXATTR of one only when the caller may change it (the file's owner, or
 * CAP_FOWNER). The daemon makes that change with the caller's credentials (creds.c), so that tmpfs
 * updates the mode as for that caller (clearing set-group-ID where the caller may not keep it). */
#include "ops.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#include "creds.h"
#include "inode.h"
#include "listing.h"
#include "usage.h"
#include "view_ops.h"

static bool user_name(const char *name)
{
	return strncmp(name, "user.", 5) == 0;
}

static bool acl_name(const char *name)
{
	return strcmp(name, "system.posix_acl_access") == 0 ||
	       strcmp(name, "system.posix_acl_default") == 0;
}

/* The names listed and passed on. */
static bool passed_name(const char *name)
{
	return user_name(name) || acl_name(name);
}

/* The xattr calls take no O_PATH fd; /proc/self/fd/N reaches the inode itself. Symlinks cannot
 * hold user.* attributes on Linux, and their /proc name would be followed, so they are left out;
 * so are views, whose object is their segment. Returns IN's O_PATH fd (fs_inode_put_fd it) with
 * its /proc name in PROC, or -errno (-EPERM for those left out). */
static int reach(struct fs *fs, struct fs_inode *in, char proc[static SEG_FD_PATH_MAX])
{
	if (S_ISLNK(in->type) || !in->kind->object)
		return -EPERM;
	int fd = fs_inode_fd(fs, in);
	if (fd >= 0)
		seg_fd_path(fd, proc);
	return fd;
}

/* Sets (or, with REMOVE, removes) attribute NAME of INO: 0 or -errno. An ACL is changed with the
 * caller's credentials, so that tmpfs updates the mode as for that caller. */
static int change(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
		  size_t size, int flags, bool remove)
{
	struct fs *fs = fs_of(req);
	struct fs_inode *in = fs_inode(req, ino);
	if (fs_usage_name(name))
		return -EPERM; /* made at each read, never stored (usage.c) */
	if (!passed_name(name))
		return -EOPNOTSUPP;
	char proc[SEG_FD_PATH_MAX];
	int fd = reach(fs, in, proc);
	if (fd < 0)
		return fd;
	bool entered = false;
	int err = acl_name(name) ? fs_creds_enter(fs, req, &entered) : 0;
	if (!err) {
		int res = remove ? removexattr(proc, name) : setxattr(proc, name, value, size, flags);
		err = res < 0 ? -errno : 0;
		fs_creds_leave(fs, entered);
	}
	fs_inode_put_fd(in, fd);
	if (!err && strcmp(name, TYPESRC_XATTR) == 0)
		fs_listing_type_changed(fs, in); /* its view came, went, or changed */
	return err;
}

void fs_op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
		    size_t size, int flags)
{
	fuse_reply_err(req, -change(req, ino, name, value, size, flags, false));
}

void fs_op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	fuse_reply_err(req, -change(req, ino, name, NULL, 0, 0, true));
}

/* Replies to a get or list call of SIZE (0: the caller asks how large) with RES bytes in BUF, or
 * -errno. */
static void reply_value(fuse_req_t req, size_t size, const char *buf, ssize_t res)
{
	if (res < 0)
		fuse_reply_err(req, (int)-res);
	else if (size == 0)
		fuse_reply_xattr(req, res);
	else
		fuse_reply_buf(req, buf, res);
}

/* A view's one attribute, user.shmfs.error: the caller's last refused edit through it (the
 * names list holds it only while there is one), read-only. SIZE as for getxattr and listxattr. */
static void reply_view_error(fuse_req_t req, struct fs_inode *in, size_t size, bool as_name)
{
	g_autofree char *msg = fs_view_error(fs_of(req), in, fuse_req_ctx(req)->uid);
	const char *value = as_name ? FS_VIEW_ERROR_XATTR : msg;
	ssize_t len = !msg ? (as_name ? 0 : -ENODATA) : (ssize_t)strlen(value) + as_name;
	if (len > 0 && size && (size_t)len > size)
		len = -ERANGE;
	reply_value(req, size, value, len);
}

void fs_op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	struct fs_inode *in = fs_inode(req, ino);
	in->kind->getxattr(req, in, name, size);
}

/* Any other name of a view is answered as for an object that cannot hold it (reach). */
void fs_view_getxattr(fuse_req_t req, struct fs_inode *in, const char *name, size_t size)
{
	if (strcmp(name, FS_VIEW_ERROR_XATTR) == 0)
		reply_view_error(req, in, size, false);
	else
		fs_object_getxattr(req, in, name, size);
}

/* user.shmfs.nattch, .users and .rss of a segment: what lsshm says of it, for this caller. */
static void reply_usage(fuse_req_t req, struct fs_inode *in, const char *name, size_t size)
{
	struct stat st;
	int err = fs_inode_stat(fs_of(req), in, &st);
	g_autofree char *value = err ? NULL : fs_usage_value(req, name, &st, &err);
	ssize_t len = value ? (ssize_t)strlen(value) : err;
	if (len >= 0 && size && (size_t)len > size)
		len = -ERANGE;
	reply_value(req, size, value, len);
}

void fs_object_getxattr(fuse_req_t req, struct fs_inode *in, const char *name, size_t size)
{
	if (fs_usage_name(name) && in->kind->object) {
		reply_usage(req, in, name, size);
		return;
	}
	/* EOPNOTSUPP, not ENODATA, for the other namespaces: ls -l asks for security.selinux of
	 * every file, and stops asking on a file system that answers "not supported" once, which
	 * saves a round trip per file. */
	if (!passed_name(name)) {
		fuse_reply_err(req, EOPNOTSUPP);
		return;
	}
	char proc[SEG_FD_PATH_MAX];
	int fd = reach(fs_of(req), in, proc);
	if (fd < 0) {
		fuse_reply_err(req, fd == -EPERM ? ENODATA : -fd);
		return;
	}
	char *buf = size ? malloc(size) : NULL;
	ssize_t res = size && !buf ? -ENOMEM : getxattr(proc, name, buf, size);
	if (res == -1)
		res = -errno;
	fs_inode_put_fd(in, fd);
	reply_value(req, size, buf, res);
	free(buf);
}

/* The names of PROC's attributes that are passed on (g_free it), their total size in *LEN, or NULL
 * with -errno in *LEN. */
static char *passed_names(const char *proc, ssize_t *len)
{
	ssize_t all = listxattr(proc, NULL, 0);
	char *names = all > 0 ? g_malloc(all) : NULL;
	if (all > 0 && (all = listxattr(proc, names, all)) < 0 && errno == ERANGE)
		errno = EAGAIN; /* more names since the first call: the caller may ask again */
	if (all < 0) {
		*len = -errno;
		g_free(names);
		return NULL;
	}
	ssize_t kept = 0;
	for (ssize_t i = 0; i < all; i += strlen(names + i) + 1) {
		size_t n = strlen(names + i) + 1;
		if (passed_name(names + i)) {
			memmove(names + kept, names + i, n);
			kept += n;
		}
	}
	*len = kept;
	return names;
}

void fs_op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	struct fs_inode *in = fs_inode(req, ino);
	in->kind->listxattr(req, in, size);
}

void fs_view_listxattr(fuse_req_t req, struct fs_inode *in, size_t size)
{
	reply_view_error(req, in, size, true);
}

/* Lists only the names passed on, and a segment's usage names (usage.c) after them; the size asked
 * for is that of the whole list. */
void fs_object_listxattr(fuse_req_t req, struct fs_inode *in, size_t size)
{
	char proc[SEG_FD_PATH_MAX];
	int fd = reach(fs_of(req), in, proc);
	if (fd < 0) {
		reply_value(req, size, NULL, fd == -EPERM ? 0 : fd);
		return;
	}
	ssize_t len;
	g_autofree char *names = passed_names(proc, &len);
	fs_inode_put_fd(in, fd);
	if (len >= 0) {
		size_t extra = fs_usage_names(fs_of(req), in->type, NULL, 0);
		names = g_realloc(names, len + extra);
		fs_usage_names(fs_of(req), in->type, names + len, extra);
		len += extra;
	}
	if (len >= 0 && size && (size_t)len > size)
		len = -ERANGE;
	reply_value(req, size, names, len);
}
