/* share.c - what one user may hold of the daemon: fds (files open through the mount, lock
 * holders) and memory (view edits not yet stored), so that no user can exhaust the daemon for the
 * others; and the registry of open files, freed at the session's end if the kernel never released
 * them. All under fs.handles_lock, a leaf. */
#include "share.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "knobs.h"

void fs_shares_init(struct fs *fs)
{
	pthread_mutex_init(&fs->handles_lock, NULL);
	fs->files = g_hash_table_new(NULL, NULL);
	fs->fds_by_uid = g_hash_table_new(NULL, NULL);
	fs->edit_bytes_by_uid = g_hash_table_new_full(NULL, NULL, NULL, g_free);
}

void fs_shares_free(struct fs *fs)
{
	g_hash_table_destroy(fs->files);
	g_hash_table_destroy(fs->fds_by_uid);
	g_hash_table_destroy(fs->edit_bytes_by_uid);
	pthread_mutex_destroy(&fs->handles_lock);
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

/* FS_EDIT_MEMORY_PER_USER, or what SHMFS_TEST_EDIT_MEMORY says (knobs.c). */
static size_t edit_memory_per_user(void)
{
	uint64_t knob = fs_knobs()->edit_memory;
	return knob ? (size_t)knob : FS_EDIT_MEMORY_PER_USER;
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
