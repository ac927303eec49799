/* mountinfo.c - finds a mount by the id the kernel gives it (statx) in /proc/self/mountinfo, read
 * by libmount, so that a path's own mount is never confused with one that shares its name. */
#include "mountinfo.h"

#include <fcntl.h>
#include <libmount.h>
#include <stdio.h>
#include <sys/stat.h>

int mountinfo_id(const char *path)
{
	struct statx stx;
	if (statx(AT_FDCWD, path, 0, STATX_MNT_ID, &stx) != 0 || !(stx.stx_mask & STATX_MNT_ID))
		return -1;
	return (int)stx.stx_mnt_id;
}

/* The last entry at PATH whose id (or, with PARENT, whose parent's id) is ID. */
static bool find(const char *path, int id, bool parent, struct mounted *m)
{
	struct libmnt_table *tb = mnt_new_table_from_file("/proc/self/mountinfo");
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs, *found = NULL;

	while (tb && it && id >= 0 && mnt_table_next_fs(tb, it, &fs) == 0) {
		int fs_id = parent ? mnt_fs_get_parent_id(fs) : mnt_fs_get_id(fs);
		if (fs_id == id && mnt_fs_streq_target(fs, path))
			found = fs;
	}
	if (found) {
		const char *type = mnt_fs_get_fstype(found), *source = mnt_fs_get_source(found);
		snprintf(m->type, sizeof m->type, "%s", type ? type : "");
		snprintf(m->source, sizeof m->source, "%s", source ? source : "");
		m->dev = mnt_fs_get_devno(found);
	}
	mnt_free_iter(it);
	mnt_unref_table(tb);
	return found;
}

bool mountinfo_at(const char *path, struct mounted *m)
{
	return find(path, mountinfo_id(path), false, m);
}

bool mountinfo_child(int parent_id, const char *path, struct mounted *m)
{
	return find(path, parent_id, true, m);
}
