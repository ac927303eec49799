/* readahead.c - raises the mount's readahead to the largest FUSE request (1 MiB), so a daemon-served
 * sequential read is a few large READ requests instead of many 128 KiB ones. Root only; best effort. */
#include "fs_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The mount's backing device info is named after its device number, which /proc/self/mountinfo
 * gives without touching the mount (a stat of it would wait for the session that is not running
 * yet). The last line for MOUNTPOINT is the newest mount there. */
void fs_readahead_find(struct fs *fs, const char *mountpoint)
{
	char real[PATH_MAX], line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f || !realpath(mountpoint, real)) {
		if (f)
			fclose(f);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned major, minor;
		char point[PATH_MAX];
		if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &major, &minor, point) == 3 &&
		    strcmp(point, real) == 0)
			snprintf(fs->bdi_path, sizeof(fs->bdi_path),
				 "/sys/class/bdi/%u:%u/read_ahead_kb", major, minor);
	}
	fclose(f);
}

/* The INIT reply can only lower the mount's readahead: the kernel keeps the smaller of the two. */
int fs_readahead_raise(struct fs *fs)
{
	if (!fs->bdi_path[0])
		return -1;
	int fd = open(fs->bdi_path, O_WRONLY | O_CLOEXEC);
	char kb[16];
	int len = snprintf(kb, sizeof(kb), "%d", FS_READAHEAD_KB);
	int res = fd >= 0 && write(fd, kb, len) == len ? 0 : -1;
	/* A daemon run by a user other than root may not write sysfs: that costs speed, nothing else. */
	if (res < 0)
		fuse_log(FUSE_LOG_DEBUG, "shmfs: readahead stays at the kernel's default (%s: %s)\n",
			 fs->bdi_path, fd < 0 ? strerror(errno) : "write refused");
	if (fd >= 0)
		close(fd);
	return res;
}
