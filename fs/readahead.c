/* readahead.c - raises the mount's readahead to the largest READ request (the plan's readahead_kb:
 * 1 MiB, or the mount's max_read), so a daemon-served sequential read through the page cache (a
 * mapping of the mount, or any read where direct I/O was not negotiated) is a few large READ
 * requests instead of many 128 KiB ones. Root only; best effort. */
#include "readahead.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* The mount's backing device info is named after its device number (which mount/ reads from
 * /proc/self/mountinfo: a stat of the mount point would wait for a session not running yet). */
void fs_readahead_find(struct fs *fs, dev_t dev)
{
	if (dev)
		snprintf(fs->bdi_path, sizeof(fs->bdi_path), "/sys/class/bdi/%u:%u/read_ahead_kb",
			 major(dev), minor(dev));
}

/* The INIT reply can only lower the mount's readahead: the kernel keeps the smaller of the two. */
int fs_readahead_raise(struct fs *fs)
{
	if (!fs->bdi_path[0])
		return -1;
	int fd = open(fs->bdi_path, O_WRONLY | O_CLOEXEC);
	char kb[16];
	int len = snprintf(kb, sizeof(kb), "%zu", fs->plan.readahead_kb);
	int res = fd >= 0 && write(fd, kb, len) == len ? 0 : -1;
	/* A daemon run by a user other than root may not write sysfs: that costs speed, nothing else. */
	if (res < 0)
		fuse_log(FUSE_LOG_DEBUG, "shmfs: readahead stays at the kernel's default (%s: %s)\n",
			 fs->bdi_path, fd < 0 ? strerror(errno) : "write refused");
	if (fd >= 0)
		close(fd);
	return res;
}
