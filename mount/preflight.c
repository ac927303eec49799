/* preflight.c - what shmfs checks before mounting: the mount point, /dev/fuse, the backing directory.
 * Each problem is one line on stderr naming the path and the command that fixes it. */
#include "preflight.h"

#include "mountinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

/* A directory mounted on by someone already: shmfs would hide it, or stack on a FUSE mount. Only
 * the mount the path resolves to counts: one hidden at the same path (under a tmpfs mounted over a
 * parent directory, as in a mount namespace of its own) is not in the way. */
static int check_not_mounted(const char *mountpoint, bool nonempty_ok)
{
	char real[PATH_MAX];
	struct mounted m;

	if (!realpath(mountpoint, real) || !mountinfo_at(real, &m))
		return 0;
	if (strncmp(m.type, "fuse", 4) == 0) {
		fprintf(stderr, "shmfs: %s is already mounted (%s from %s): unmount it first with "
			"fusermount3 -u %s\n", mountpoint, m.type, m.source, mountpoint);
		return -1;
	}
	if (nonempty_ok)
		return 0;
	fprintf(stderr, "shmfs: %s is already mounted (%s from %s): unmount it first with umount %s, "
		"or choose another mount point\n", mountpoint, m.type, m.source, mountpoint);
	return -1;
}

static int check_mountpoint(const char *mountpoint, bool nonempty_ok)
{
	struct stat st;
	struct statfs sfs;

	/* statfs first: a dead FUSE mount may still answer stat from the attributes the kernel
	 * kept, but statfs always asks the daemon, and fails with ENOTCONN (ECONNABORTED when the
	 * dead daemon took its requests over io_uring). */
	if (statfs(mountpoint, &sfs) < 0 || stat(mountpoint, &st) < 0) {
		if (errno == ENOENT)
			fprintf(stderr, "shmfs: mount point %s does not exist: create it with mkdir -p %s\n",
				mountpoint, mountpoint);
		else if (errno == ENOTCONN || errno == ECONNABORTED)
			fprintf(stderr, "shmfs: %s is a stale mount (transport endpoint not connected): run "
				"fusermount3 -u %s (or umount -l %s as root)\n", mountpoint, mountpoint, mountpoint);
		else
			fprintf(stderr, "shmfs: mount point %s: %s\n", mountpoint, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "shmfs: mount point %s is not a directory: mount on a directory, e.g. "
			"mkdir -p /mnt/shm\n", mountpoint);
		return -1;
	}
	return check_not_mounted(mountpoint, nonempty_ok);
}

static int check_fuse_device(void)
{
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (errno == ENOENT || errno == ENODEV) {
		fprintf(stderr, "shmfs: /dev/fuse is missing: load the FUSE module with modprobe fuse "
			"(as root; in a container, pass the device: --device /dev/fuse)\n");
		return -1;
	}
	/* Fatal for non-root users too: libfuse opens the device itself, fusermount3 cannot help. */
	fprintf(stderr, "shmfs: cannot open /dev/fuse: %s: the user needs read-write access to it "
		"(chmod 0666 /dev/fuse as root), or run shmfs as root\n", strerror(errno));
	return -1;
}

static int check_backing(const char *dir)
{
	struct stat st;
	struct statfs sfs;

	if (stat(dir, &st) < 0) {
		if (errno == ENOENT)
			fprintf(stderr, "shmfs: backing directory %s does not exist: create it with mkdir -p "
				"%s, or give another with -o shm_dir=DIR\n", dir, dir);
		else
			fprintf(stderr, "shmfs: backing directory %s: %s\n", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "shmfs: backing directory %s is not a directory: give a directory, e.g. "
			"-o shm_dir=/dev/shm\n", dir);
		return -1;
	}
	/* Only a warning: every operation works, but shm_open users on this host will not see it. */
	if (statfs(dir, &sfs) == 0 && sfs.f_type != TMPFS_MAGIC)
		fprintf(stderr, "shmfs: warning: backing directory %s is not on tmpfs%s: works, but its "
			"files are not shared memory\n", dir, sfs.f_type == FUSE_SUPER_MAGIC ? " (FUSE)" : "");
	return 0;
}

/* `shmfs /dev/shm` would mount over the very directory it shows: say so, not "unmount /dev/shm". */
static bool same_dir(const char *mountpoint, const char *dir)
{
	struct stat a, b;
	return stat(mountpoint, &a) == 0 && stat(dir, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* mount.fuse3 -o drop_privileges mounts itself and hands over the open device as /dev/fd/N. */
static bool premounted(const char *mountpoint)
{
	unsigned fd;
	char end;
	return sscanf(mountpoint, "/dev/fd/%u%c", &fd, &end) == 1;
}

int preflight(const char *mountpoint, const char *backing_dir, bool nonempty_ok)
{
	int ret = 0;

	if (!premounted(mountpoint)) {
		if (same_dir(mountpoint, backing_dir)) {
			fprintf(stderr, "shmfs: mount point %s is the backing directory: mount it elsewhere, "
				"e.g. mkdir -p /mnt/shm && shmfs %s /mnt/shm\n", mountpoint, backing_dir);
			ret = -1;
		} else if (check_mountpoint(mountpoint, nonempty_ok) < 0) {
			ret = -1;
		}
		if (check_fuse_device() < 0)
			ret = -1;
	}
	if (check_backing(backing_dir) < 0)
		ret = -1;
	return ret;
}
