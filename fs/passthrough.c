/* passthrough.c - kernel FUSE passthrough, the part that does not depend on libfuse's version: may
 * this process have it (before mounting, and for the INIT plan), and one backing id per inode
 * shared by all its opens.
 *
 * With passthrough, each open of a segment is handed to the kernel with the segment's own tmpfs
 * file as backing (registered once per inode: the kernel refuses two backing files for one inode,
 * and every open of the inode must be a passthrough open), so the kernel reads, writes and maps the
 * very pages every shm_open user sees. How the protocol's fields reach the kernel depends on
 * libfuse, and meson builds one of: passthrough_api.c (libfuse >= 3.17: its passthrough API) or
 * passthrough_raw.c (libfuse 3.14, which has none: raw INIT and OPEN reply hooks). */
#include "passthrough.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "inode.h"
#include "knobs.h"
#include "session.h"

#include "kernel_abi.h"

/* The kernel asks for CAP_SYS_ADMIN, which a daemon started by a user other than root (through
 * fusermount3) lacks. The phrase names the uid, so that a user's mount log says plainly why it is
 * daemon-served. */
const char *fs_passthrough_denied(void)
{
	static char why[128];
	if (fs_knobs()->no_passthrough)
		return "FUSE passthrough needs CAP_SYS_ADMIN, which SHMFS_FORCE_NO_PASSTHROUGH=1 withholds";
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	if (syscall(SYS_capget, &hdr, data) == 0 &&
	    (data[CAP_SYS_ADMIN / 32].effective & (1u << (CAP_SYS_ADMIN % 32))))
		return NULL;
	snprintf(why, sizeof(why), "FUSE passthrough needs CAP_SYS_ADMIN, which shmfs running as uid %u lacks",
		 (unsigned)geteuid());
	return why;
}

/* Whether this kernel knows the passthrough ioctls at all (Linux 6.9+): a /dev/fuse fd that is
 * not mounted answers them EPERM, an older kernel ENOTTY. */
static bool kernel_knows_passthrough(void)
{
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return false;
	struct kabi_backing_map map = { .fd = -1 };
	bool known = ioctl(fd, KABI_DEV_IOC_BACKING_OPEN, &map) < 0 && errno != ENOTTY &&
		     errno != EOPNOTSUPP;
	close(fd);
	return known;
}

const char *fs_passthrough_outlook(void)
{
	static char outlook[192];
	const char *denied;
	if (!kernel_knows_passthrough())
		return "daemon-served only (this kernel has no FUSE passthrough)";
	if ((denied = fs_passthrough_denied())) {
		snprintf(outlook, sizeof(outlook), "daemon-served (%s: run it as root)", denied);
		return outlook;
	}
	return "passthrough (the kernel offers it and the daemon may use it)";
}

int fs_passthrough_precheck(const struct fs *fs, const char **why)
{
	if (fs->opts.passthrough != FS_PASSTHROUGH_ON)
		return 0;
	static char denied_why[192];
	const char *denied;
	if (!kernel_knows_passthrough()) {
		*why = "this kernel has no FUSE passthrough (Linux 6.9 or newer has it)";
	} else if ((denied = fs_passthrough_denied())) {
		snprintf(denied_why, sizeof(denied_why), "%s: run shmfs as root", denied);
		*why = denied_why;
	} else {
		return 0;
	}
	return -1;
}

/* A new backing id for segment IN (opened by the caller as FALLBACK_FD): the backing file is
 * opened read-write whatever this open asked, since every later open of the inode shares it. An
 * append-only segment (chattr +a) opens for writing only with O_APPEND, and its writes are all
 * appends anyway; an immutable one (+i) not at all, and its opens only read: then this open's own
 * file (as the caller asked) is the backing. The kernel keeps its own reference, so the fd is
 * closed at once. Returns the id (> 0) or -errno. */
static int32_t backing_register(struct fs *fs, fuse_req_t req, struct fs_inode *in, int fallback_fd)
{
	int fd = fs_inode_open(fs, in, O_RDWR);
	if (fd == -EPERM)
		fd = fs_inode_open(fs, in, O_RDWR | O_APPEND);
	if (fd == -EPERM)
		return fs_backing_register(fs, req, fallback_fd);
	if (fd < 0)
		return fd;
	int32_t id = fs_backing_register(fs, req, fd);
	close(fd);
	return id;
}

/* backing_lock is a leaf held for a few loads and stores, never across a syscall: the open (which
 * can wait on the backing file system, and by name takes fs.lock) and the ioctl are made outside
 * it. So two first opens of an inode may both register an id: the first to come back adopts its
 * own, the other unregisters its own and shares that one. The kernel asks only that every open of
 * the inode carry the same backing file at its OPEN reply; an id registered for a moment and closed
 * unused is nothing to it. */
int32_t fs_backing_get(struct fs *fs, fuse_req_t req, struct fs_inode *in, int fallback_fd)
{
	int32_t id = 0;
	pthread_mutex_lock(&fs->backing_lock);
	if (in->backing_users > 0) {
		assert(in->backing_id > 0);
		in->backing_users++;
		id = in->backing_id;
	}
	pthread_mutex_unlock(&fs->backing_lock);
	if (id > 0)
		return id;

	int32_t mine = backing_register(fs, req, in, fallback_fd);
	if (mine <= 0)
		return mine < 0 ? mine : -EIO;
	pthread_mutex_lock(&fs->backing_lock);
	if (in->backing_users > 0) { /* another open registered first meanwhile */
		assert(in->backing_id > 0);
		id = in->backing_id;
	} else {
		assert(in->backing_id == 0);
		in->backing_id = id = mine;
	}
	in->backing_users++;
	pthread_mutex_unlock(&fs->backing_lock);
	if (id != mine)
		fs_backing_unregister(fs, req, mine);
	return id;
}

/* The last open's id is closed outside the lock too: a first open meanwhile registers an id of its
 * own. Once the session is over the connection is gone, and its backing ids with it. */
void fs_backing_put(struct fs *fs, fuse_req_t req, struct fs_inode *in)
{
	int32_t last = 0;
	pthread_mutex_lock(&fs->backing_lock);
	assert(in->backing_users > 0 && in->backing_id > 0);
	if (--in->backing_users == 0) {
		last = in->backing_id;
		in->backing_id = 0;
	}
	pthread_mutex_unlock(&fs->backing_lock);
	if (last > 0 && !fs->closing && req)
		fs_backing_unregister(fs, req, last);
}
