/* inode.c - the inode table: one fs_inode per backing object, found by (st_dev, st_ino), counted
 * by the kernel's lookups and freed by its forgets; and how an inode that holds no fd is reached.
 *
 * Why most inodes hold no fd: the kernel may remember any number of inodes (an `ls -l` of a million
 * segments makes it remember a million), and a daemon that kept one fd per inode would run out of
 * fds for everyone, and would keep every segment unlinked since alive (its memory not given back).
 * So an inode keeps only how to reach its object again:
 *   - a file handle (name_to_handle_at), opened again with open_by_handle_at, which needs
 *     CAP_DAC_READ_SEARCH (a root daemon) and a backing file system that exports handles (tmpfs
 *     does). A handle names the object itself, like the fd did: renames, hard links and symlinks
 *     planted at its name change nothing, and it pins nothing.
 *   - otherwise (a user's own mount) its name in its parent directory, opened with O_NOFOLLOW and
 *     checked to be the same (st_dev, st_ino): if the name now leads elsewhere the answer is
 *     ESTALE, on which the kernel looks the name up again.
 * The root and, within a budget of fds, directories keep an O_PATH fd as well: every lookup starts
 * from its directory's fd, and directories are few. */
#include "inode.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "knobs.h"
#include "listing.h"
#include "watch.h"

static guint inode_hash(gconstpointer p)
{
	const struct fs_inode *in = p;
	return (guint)(in->ino ^ (in->ino >> 32) ^ in->dev ^ !in->kind->object);
}

static gboolean inode_equal(gconstpointer a, gconstpointer b)
{
	const struct fs_inode *x = a, *y = b;
	return x->ino == y->ino && x->dev == y->dev && x->kind == y->kind;
}

/* SHMFS_FORCE_NO_HANDLES=1 reaches objects by name even as root (tests of a user's mount's path). */
static bool handles_work(struct fs *fs)
{
	if (fs_knobs()->no_handles)
		return false;
	struct file_handle *fh = fs_handle_of(fs->root.fd);
	int fd = fh ? open_by_handle_at(fs->mount_fd, fh, O_PATH | O_CLOEXEC) : -1;
	g_free(fh);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

void fs_inodes_init(struct fs *fs)
{
	fs->inodes = g_hash_table_new(inode_hash, inode_equal);
	pthread_mutex_init(&fs->lock, NULL);
	fs->mount_fd = seg_reopen(fs->root.fd, O_RDONLY | O_DIRECTORY);
	fs->handles = fs->mount_fd >= 0 && handles_work(fs);
}

struct file_handle *fs_handle_of(int fd)
{
	struct file_handle *fh = g_malloc(sizeof(*fh) + MAX_HANDLE_SZ);
	int mount_id;
	fh->handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(fd, "", fh, &mount_id, AT_EMPTY_PATH) < 0) {
		g_free(fh);
		return NULL;
	}
	return g_realloc(fh, sizeof(*fh) + fh->handle_bytes);
}

static void inode_free(struct fs *fs, struct fs_inode *in)
{
	if (in->fd >= 0) {
		close(in->fd);
		fs->kept_fds--;
	}
	g_free(in->handle);
	g_free(in->name);
	free(in);
}

void fs_inodes_free(struct fs *fs)
{
	GHashTableIter it;
	gpointer in;
	g_hash_table_iter_init(&it, fs->inodes);
	while (g_hash_table_iter_next(&it, &in, NULL))
		inode_free(fs, in);
	g_hash_table_destroy(fs->inodes);
	if (fs->mount_fd >= 0)
		close(fs->mount_fd);
	pthread_mutex_destroy(&fs->lock);
}

/* Under fs.lock: IN is no longer used by the kernel nor by a child; it goes, and with it its hold
 * on its parent, which may then go too. */
static void drop_unused(struct fs *fs, struct fs_inode *in)
{
	fs_assert_locked(&fs->lock);
	while (in && in != &fs->root && in->nlookup == 0 && in->holds == 0) {
		struct fs_inode *parent = in->parent;
		g_hash_table_remove(fs->inodes, in);
		fs_watch_forget(fs, in);
		inode_free(fs, in);
		if (parent && parent != &fs->root)
			parent->holds--;
		in = parent;
	}
}

void fs_inode_release(struct fs *fs, struct fs_inode *in)
{
	pthread_mutex_lock(&fs->lock);
	if (in != &fs->root) {
		g_assert(in->holds > 0);
		in->holds--;
		drop_unused(fs, in);
	}
	pthread_mutex_unlock(&fs->lock);
}

void fs_inode_unref(struct fs *fs, struct fs_inode *in, uint64_t n)
{
	if (in == &fs->root)
		return;
	pthread_mutex_lock(&fs->lock);
	g_assert(in->nlookup >= n);
	in->nlookup -= n;
	drop_unused(fs, in);
	pthread_mutex_unlock(&fs->lock);
}

/* The fds the daemon may keep open on directories: a quarter of its fd limit, read again each time
 * (an administrator may lower it while the daemon runs, with prlimit). The rest is for open files,
 * the fds each request opens for a moment, and libfuse's own. */
static bool may_keep_fd(struct fs *fs)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return false;
	return (rlim_t)fs->kept_fds < rl.rlim_cur / 4;
}

/* Under fs.lock: (re)points IN at NAME in PARENT, holding PARENT for it. */
static void set_name(struct fs *fs, struct fs_inode *in, struct fs_inode *parent, const char *name)
{
	fs_assert_locked(&fs->lock);
	if (in->parent != parent) {
		if (parent != &fs->root)
			parent->holds++;
		struct fs_inode *old = in->parent;
		in->parent = parent;
		if (old && old != &fs->root) {
			old->holds--;
			drop_unused(fs, old);
		}
	}
	g_free(in->name);
	in->name = g_strdup(name);
}

/* A new inode for the object open as FD (any fd, O_PATH included; not taken over). NULL when out
 * of memory or when no handle can be had where handles are used. */
static struct fs_inode *inode_new(struct fs *fs, int fd, const struct stat *st,
				  const struct fs_kind *kind)
{
	struct fs_inode *in = calloc(1, sizeof(*in));
	if (!in)
		return NULL;
	*in = (struct fs_inode){ .fd = -1, .dev = st->st_dev, .ino = st->st_ino,
				 .type = st->st_mode & S_IFMT, .kind = kind, .wd = -1 };
	if (fs->handles && !(in->handle = fs_handle_of(fd))) {
		free(in);
		return NULL;
	}
	return in;
}

struct fs_inode *fs_inode_get(struct fs *fs, int fd, const struct stat *st,
			      const struct fs_kind *kind, struct fs_inode *parent, const char *name,
			      double *timeout)
{
	struct fs_inode key = { .dev = st->st_dev, .ino = st->st_ino, .kind = kind };
	struct fs_inode *fresh = NULL;

	if (fd >= 0 && !(fresh = inode_new(fs, fd, st, kind)))
		return NULL;
	pthread_mutex_lock(&fs->lock);
	struct fs_inode *in = g_hash_table_lookup(fs->inodes, &key);
	if (!in && fresh) { /* (else another thread made it meanwhile: this one is not needed) */
		in = fresh;
		fresh = NULL;
		if (S_ISDIR(in->type) && may_keep_fd(fs) &&
		    (in->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) >= 0)
			fs->kept_fds++;
		g_hash_table_add(fs->inodes, in);
		fs_watch_dir(fs, in, fd);
	}
	if (in) {
		in->nlookup++;
		if (in->parent != parent || !in->name || strcmp(in->name, name) != 0) {
			fs_watch_unname(fs, in);
			set_name(fs, in, parent, name);
		}
		*timeout = fs_watch_name(fs, in);
	}
	pthread_mutex_unlock(&fs->lock);
	if (fresh)
		inode_free(fs, fresh);
	return in;
}

/* Reaches IN's object by its name (no handles): its parent's fd, then the name without following
 * a symlink, and only if it still is the same object. */
static int reopen_by_name(struct fs *fs, struct fs_inode *in)
{
	pthread_mutex_lock(&fs->lock);
	struct fs_inode *parent = in->parent;
	g_autofree char *name = g_strdup(in->name);
	if (parent && parent != &fs->root)
		parent->holds++; /* its fd is used below, without the lock */
	pthread_mutex_unlock(&fs->lock);
	if (!parent)
		return -ESTALE;

	int fd = -ESTALE, dirfd = fs_inode_fd(fs, parent);
	if (dirfd >= 0) {
		fd = seg_handle(dirfd, name);
		fs_inode_put_fd(parent, dirfd);
	}
	struct stat st;
	if (fd >= 0 && (fstat(fd, &st) != 0 || st.st_dev != in->dev || st.st_ino != in->ino)) {
		close(fd);
		fd = -ESTALE;
	}
	fs_inode_release(fs, parent);
	return fd == -ENOENT ? -ESTALE : fd;
}

/* An fd of one of IN's open files, which reaches its object also when no name does any more (a
 * segment unlinked while open); -1 when it has none. */
static int dup_open_file(struct fs *fs, struct fs_inode *in)
{
	pthread_mutex_lock(&fs->lock);
	int fd = in->opens ? fcntl(in->opens->fd, F_DUPFD_CLOEXEC, 0) : -1;
	pthread_mutex_unlock(&fs->lock);
	return fd;
}

int fs_inode_fd(struct fs *fs, struct fs_inode *in)
{
	if (in->fd >= 0)
		return in->fd;
	if (!in->handle) {
		int fd = dup_open_file(fs, in);
		return fd >= 0 ? fd : reopen_by_name(fs, in);
	}
	int fd = open_by_handle_at(fs->mount_fd, in->handle, O_PATH | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

void fs_inode_put_fd(const struct fs_inode *in, int fd)
{
	if (fd >= 0 && fd != in->fd)
		close(fd);
}

int fs_inode_open(struct fs *fs, struct fs_inode *in, int flags)
{
	if (!S_ISREG(in->type) && !S_ISDIR(in->type))
		return -EINVAL;
	flags = (flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW | O_PATH)) | O_CLOEXEC;
	if (in->handle && in->fd < 0) {
		int fd = open_by_handle_at(fs->mount_fd, in->handle, flags);
		return fd < 0 ? -errno : fd;
	}
	/* /proc/self/fd/N names the inode behind N, not a path (as seg_reopen, but O_APPEND is kept:
	 * an append-only file opens for writing only with it). */
	int pathfd = fs_inode_fd(fs, in);
	if (pathfd < 0)
		return pathfd;
	char proc[SEG_FD_PATH_MAX];
	seg_fd_path(pathfd, proc);
	int fd = open(proc, flags);
	int err = fd < 0 ? -errno : 0;
	fs_inode_put_fd(in, pathfd);
	return fd < 0 ? err : fd;
}

int fs_inode_stat(struct fs *fs, struct fs_inode *in, struct stat *st)
{
	return in->kind->stat(fs, in, st);
}

int fs_object_stat(struct fs *fs, struct fs_inode *in, struct stat *st)
{
	int fd = fs_inode_fd(fs, in);
	if (fd < 0)
		return fd;
	int err = seg_stat(fd, "", st);
	fs_inode_put_fd(in, fd);
	if (!err)
		fs_listing_times(in, st);
	return err;
}

void fs_reply_attr(fuse_req_t req, struct fs_inode *in)
{
	struct stat st;
	int err = fs_inode_stat(fs_of(req), in, &st);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_attr(req, &st, fs_attr_timeout(fs_of(req), in));
}
