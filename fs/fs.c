/* fs.c - the shmfs file system: its tables (libfuse's operations, and the two inode kinds whose
 * operations differ: the backing object, and the view of a typed segment), its INIT and DESTROY,
 * and its life (fs_new, fs_free). The top of fs/: it includes every module, none includes it. The
 * operations themselves are in *_ops.c, the INIT plan in plan.c. */
#include "fs_state.h"

#include <errno.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "inode.h"
#include "listing.h"
#include "locks.h"
#include "ops.h"
#include "plan.h"
#include "share.h"
#include "usage.h"
#include "view_ops.h"
#include "watch.h"

/* INIT: the watcher starts (it needs the protocol version), and the INIT plan is settled and
 * written into the reply (plan.c). */
static void fs_init(void *userdata, struct fuse_conn_info *conn)
{
	fs_watch_start(userdata, conn->proto_minor);
	fs_plan_init(userdata, conn);
}

/* At unmount: how many reads and writes of segments the daemon served itself, and how many of the
 * reads it spliced; in passthrough mode, where the kernel serves them, only when it served some. */
static void fs_destroy(void *userdata)
{
	struct fs *fs = userdata;
	fs->closing = true; /* the connection is gone, and its backing ids with it */
	fs_watch_stop(fs);
	fs_locks_stop(fs);
	if ((fs->plan.passthrough || fs->plan.refused) && !fs->reads && !fs->writes)
		return;
	fuse_log(FUSE_LOG_INFO, "shmfs: served %llu READ and %llu WRITE requests of segments\n",
		 (unsigned long long)fs->reads, (unsigned long long)fs->writes);
	fuse_log(FUSE_LOG_INFO, "shmfs: %llu READ replies were spliced\n",
		 (unsigned long long)fs->spliced);
}

/* FLUSH only for views, whose edits are stored at close(2) (view_ops.c): a segment's writes are
 * in the segment when write(2) returns, and its opens say FOPEN_NOFLUSH, so its close sends none. */
static const struct fuse_lowlevel_ops ops = {
	.init = fs_init,
	.destroy = fs_destroy,
	.lookup = fs_op_lookup,
	.forget = fs_op_forget,
	.forget_multi = fs_op_forget_multi,
	.getattr = fs_op_getattr,
	.setattr = fs_op_setattr,
	.readlink = fs_op_readlink,
	.statfs = fs_op_statfs,
	.opendir = fs_op_opendir,
	.readdir = fs_op_readdir,
	.readdirplus = fs_op_readdirplus,
	.releasedir = fs_op_releasedir,
	.fsyncdir = fs_op_fsyncdir,
	.mkdir = fs_op_mkdir,
	.mknod = fs_op_mknod,
	.symlink = fs_op_symlink,
	.link = fs_op_link,
	.unlink = fs_op_unlink,
	.rmdir = fs_op_rmdir,
	.rename = fs_op_rename,
	.create = fs_op_create,
#ifdef SHMFS_LIBFUSE_NO_HOOK
	.tmpfile = fs_op_tmpfile,
#endif
	.open = fs_op_open,
	.read = fs_op_read,
	.write = fs_op_write,
	.release = fs_op_release,
	.flush = fs_op_flush,
	.fsync = fs_op_fsync,
	.fallocate = fs_op_fallocate,
	.lseek = fs_op_lseek,
	.flock = fs_op_flock,
	.getlk = fs_op_getlk,
	.setlk = fs_op_setlk,
	.setxattr = fs_op_setxattr,
	.getxattr = fs_op_getxattr,
	.listxattr = fs_op_listxattr,
	.removexattr = fs_op_removexattr,
};

/* A segment's open files are served by file_ops.c; any object's attributes by node_ops.c and
 * xattr_ops.c. */
static const struct fs_kind object_kind = {
	.object = true,
	.stat = fs_object_stat,
	.getattr = fs_object_getattr,
	.setattr = fs_object_setattr,
	.getxattr = fs_object_getxattr,
	.listxattr = fs_object_listxattr,
	.open = fs_segment_open,
	.read = fs_segment_read,
	.write = fs_segment_write,
	.flush = fs_segment_flush,
	.fsync = fs_segment_fsync,
	.release = fs_segment_release,
	.fallocate = fs_segment_fallocate,
	.lseek = fs_segment_lseek,
};

/* Where each operation on a view goes; the others (lookup, locks, ...) are as for any inode. */
static const struct fs_kind view_kind = {
	.object = false,
	.stat = fs_view_stat,
	.getattr = fs_view_getattr,
	.setattr = fs_view_setattr,
	.getxattr = fs_view_getxattr,
	.listxattr = fs_view_listxattr,
	.open = fs_view_open,
	.read = fs_view_read,
	.write = fs_view_write,
	.flush = fs_view_flush,
	.fsync = fs_view_fsync,
	.release = fs_view_release,
	.fallocate = fs_view_fallocate,
	.lseek = fs_view_lseek,
};

const struct fuse_lowlevel_ops *fs_ops(void)
{
	return &ops;
}

size_t fs_ops_size(void)
{
	return sizeof(ops);
}

static void log_types_problem(const char *msg)
{
	fuse_log(FUSE_LOG_WARNING, "shmfs: %s\n", msg);
}

struct fs *fs_new(int backing_fd, const char *types_path)
{
	struct stat st;
	if (fstat(backing_fd, &st) < 0)
		return NULL;

	struct fs *fs = calloc(1, sizeof(*fs));
	if (!fs)
		return NULL;
	fs->kinds = (struct fs_kinds){ .object = &object_kind, .view = &view_kind };
	fs->root = (struct fs_inode){ .fd = backing_fd, .dev = st.st_dev, .ino = st.st_ino,
				      .type = S_IFDIR, .kind = &object_kind, .nlookup = 1 };
	fs->types = typesrc_new(types_path, log_types_problem);
	fs->types_file = types_path != NULL;
	fs->daemon_is_root = geteuid() == 0;
	fs->ngroups = getgroups(0, NULL);
	if (fs->ngroups > 0) {
		fs->groups = g_new(gid_t, fs->ngroups);
		fs->ngroups = getgroups(fs->ngroups, fs->groups);
	}
	if (fs->ngroups < 0)
		fs->ngroups = 0;
	fs_inodes_init(fs);
	pthread_mutex_init(&fs->backing_lock, NULL);
	fs_watch_init(fs);
	fs_listings_init(fs);
	fs_shares_init(fs);
	fs_usage_init(fs);
	fs_view_errors_init(fs);
	fs_locks_init(fs);

	/* Modes arrive with the caller's umask already applied by the kernel; the daemon's own
	 * umask must not take anything more away. */
	umask(0);
	return fs;
}

/* Frees what the kernel never released: the session ended (a signal) with these still open. */
static void free_open_handles(struct fs *fs)
{
	fs->closing = true;
	GList *files = g_hash_table_get_keys(fs->files);
	for (GList *l = files; l; l = l->next)
		fs_file_free(fs, NULL, l->data);
	g_list_free(files);
	fs_shares_free(fs);
	fs_view_errors_free(fs);
}

void fs_set_passthrough(struct fs *fs, enum fs_passthrough mode)
{
	fs->opts.passthrough = mode;
}

void fs_set_io_uring(struct fs *fs, bool asked, unsigned depth)
{
	fs->opts.io_uring = asked;
	fs->opts.ring_depth = depth;
}

void fs_set_cache(struct fs *fs, enum fs_cache mode)
{
	fs->cache_off = mode == FS_CACHE_OFF;
}

void fs_set_views(struct fs *fs, enum fs_views mode)
{
	fs->views = mode;
}

void fs_set_max_read(struct fs *fs, size_t max_read)
{
	fs->opts.max_read = max_read;
}

bool fs_refused(const struct fs *fs)
{
	return fs->plan.refused;
}

void fs_free(struct fs *fs)
{
	if (!fs)
		return;
	free_open_handles(fs);
	fs_usage_free(fs);
	fs_locks_free(fs);
	fs_watch_free(fs);
	fs_listings_free(fs);
	fs_inodes_free(fs);
	pthread_mutex_destroy(&fs->backing_lock);
	typesrc_free(fs->types);
	close(fs->root.fd);
	g_free(fs->groups);
	free(fs);
}
