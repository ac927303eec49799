/* fs.c - the shmfs file system: what it asks of the kernel at mount time, its operations table,
 * and its life (fs_new, fs_free). The operations themselves are in *_ops.c. */
#include "fs_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

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
	fs->root = (struct fs_inode){ .fd = backing_fd, .dev = st.st_dev, .ino = st.st_ino,
				      .type = S_IFDIR, .nlookup = 1 };
	fs->types = typesrc_new(types_path, log_types_problem);
	fs->as_caller = geteuid() == 0;
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
	pthread_mutex_init(&fs->handles_lock, NULL);
	fs->files = g_hash_table_new(NULL, NULL);
	fs->fds_by_uid = g_hash_table_new(NULL, NULL);
	fs->edit_bytes_by_uid = g_hash_table_new_full(NULL, NULL, NULL, g_free);
	fs_view_errors_init(fs);
	fs_locks_init(fs);

	/* Modes arrive with the caller's umask already applied by the kernel; the daemon's own
	 * umask must not take anything more away. */
	umask(0);
	return fs;
}

/* Each file open through the mount holds an fd of the daemon's (and each fcntl lock owner's holder,
 * lock_ops.c): a user who holds an eighth of its fd limit so is refused more, so that what is left
 * always serves the others (lookups, which open an fd for a moment, and their own opens). */
static unsigned fds_per_user(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return UINT_MAX;
	return MAX(rl.rlim_cur / 8, 16);
}

/* Under handles_lock: UID holds one more (or, with DELTA -1, one less) of its share. */
static void count_fd(struct fs *fs, uid_t uid, int delta)
{
	gpointer key = GUINT_TO_POINTER(uid);
	unsigned held = GPOINTER_TO_UINT(g_hash_table_lookup(fs->fds_by_uid, key)) + delta;
	if (held)
		g_hash_table_insert(fs->fds_by_uid, key, GUINT_TO_POINTER(held));
	else
		g_hash_table_remove(fs->fds_by_uid, key);
}

int fs_fd_take(struct fs *fs, uid_t uid)
{
	unsigned max = fds_per_user();
	pthread_mutex_lock(&fs->handles_lock);
	unsigned held = GPOINTER_TO_UINT(g_hash_table_lookup(fs->fds_by_uid, GUINT_TO_POINTER(uid)));
	if (held < max)
		count_fd(fs, uid, 1);
	pthread_mutex_unlock(&fs->handles_lock);
	if (held < max)
		return 0;
	static bool told;
	if (!told)
		fuse_log(FUSE_LOG_WARNING, "shmfs: uid %u holds %u of the daemon's fds (files open "
			 "through the mount, lock holders), the most one user may: its next opens fail "
			 "with EMFILE, its next locks with ENOLCK\n", (unsigned)uid, held);
	told = true;
	return -EMFILE;
}

void fs_fd_give(struct fs *fs, uid_t uid)
{
	pthread_mutex_lock(&fs->handles_lock);
	count_fd(fs, uid, -1);
	pthread_mutex_unlock(&fs->handles_lock);
}

/* FS_EDIT_MEMORY_PER_USER, or the test knob SHMFS_TEST_EDIT_MEMORY (bytes), so that the tests
 * reach the limit without a segment of hundreds of megabytes. */
static size_t edit_memory_per_user(void)
{
	static size_t max;
	if (!max) {
		guint64 v;
		const char *knob = getenv("SHMFS_TEST_EDIT_MEMORY");
		max = knob && g_ascii_string_to_unsigned(knob, 10, 1, SIZE_MAX, &v, NULL) ? (size_t)v
										 : FS_EDIT_MEMORY_PER_USER;
	}
	return max;
}

int fs_edit_memory(struct fs *fs, uid_t uid, ssize_t delta)
{
	gpointer key = GUINT_TO_POINTER(uid);
	int err = 0;
	pthread_mutex_lock(&fs->handles_lock);
	size_t *held = g_hash_table_lookup(fs->edit_bytes_by_uid, key);
	if (!held) {
		held = g_new0(size_t, 1);
		g_hash_table_insert(fs->edit_bytes_by_uid, key, held);
	}
	if (delta > 0 && *held + (size_t)delta > edit_memory_per_user())
		err = -EFBIG;
	else
		*held += (size_t)delta;
	if (*held == 0)
		g_hash_table_remove(fs->edit_bytes_by_uid, key);
	pthread_mutex_unlock(&fs->handles_lock);
	return err;
}

int fs_file_register(struct fs *fs, fuse_req_t req, struct fs_file *f)
{
	f->uid = fuse_req_ctx(req)->uid;
	int err = fs_fd_take(fs, f->uid);
	if (err)
		return err;
	pthread_mutex_lock(&fs->handles_lock);
	g_hash_table_add(fs->files, f);
	pthread_mutex_unlock(&fs->handles_lock);
	return 0;
}

void fs_file_unregister(struct fs *fs, struct fs_file *f)
{
	pthread_mutex_lock(&fs->handles_lock);
	if (g_hash_table_remove(fs->files, f))
		count_fd(fs, f->uid, -1);
	pthread_mutex_unlock(&fs->handles_lock);
}

/* Frees what the kernel never released: the session ended (a signal) with these still open. */
static void free_open_handles(struct fs *fs)
{
	fs->closing = true;
	GList *files = g_hash_table_get_keys(fs->files);
	for (GList *l = files; l; l = l->next)
		fs_file_free(fs, NULL, l->data);
	g_list_free(files);
	g_hash_table_destroy(fs->files);
	g_hash_table_destroy(fs->fds_by_uid);
	g_hash_table_destroy(fs->edit_bytes_by_uid);
	fs_view_errors_free(fs);
	pthread_mutex_destroy(&fs->handles_lock);
}

void fs_set_passthrough(struct fs *fs, enum fs_passthrough mode)
{
	fs->opts.passthrough = mode;
}

void fs_set_cache(struct fs *fs, enum fs_cache mode)
{
	fs->cache_off = mode == FS_CACHE_OFF;
}

void fs_set_views(struct fs *fs, enum fs_views mode)
{
	fs->views = mode;
}

bool fs_forced(const char *knob)
{
	const char *value = getenv(knob);
	return value && strcmp(value, "1") == 0;
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
	fs_locks_free(fs);
	fs_watch_free(fs);
	fs_inodes_free(fs);
	pthread_mutex_destroy(&fs->backing_lock);
	typesrc_free(fs->types);
	close(fs->root.fd);
	g_free(fs->groups);
	free(fs);
}
