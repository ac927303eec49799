/* passthrough.c - kernel FUSE passthrough with libfuse 3.14, which has no API for it: a custom I/O
 * layer under the session that sees each raw request and reply and adds the protocol's fields
 * (and, once INIT is answered, raises the mount's readahead: readahead.c).
 *
 * How: the INIT reply gets FUSE_PASSTHROUGH and max_stack_depth when the kernel offers it and the
 * daemon has CAP_SYS_ADMIN; then the first open of a segment registers a read-write fd of it with
 * the kernel (FUSE_DEV_IOC_BACKING_OPEN), and each OPEN or CREATE reply carries FOPEN_PASSTHROUGH
 * and that backing id (one per inode: the kernel refuses two backing files for one inode). From there the kernel reads, writes and maps the tmpfs object itself: the same pages
 * as every shm_open user. libfuse sends a reply from the thread that made it, synchronously, so a
 * thread-local note made just before fuse_reply_open/create tells the writev hook what to add. */
#include "fs_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "kernel_abi.h"

/* The backing id the next OPEN or CREATE reply on this thread carries, if armed. */
static __thread struct {
	bool armed;
	bool create;
	int32_t backing_id;
} next_open;

/* Why this process may not register backing files, or NULL when it may: the kernel asks for
 * CAP_SYS_ADMIN, which a daemon started by a user other than root (through fusermount3) lacks.
 * SHMFS_FORCE_NO_PASSTHROUGH=1 makes the daemon behave as if it lacked it (tests of the fallback).
 * The phrase names the uid, so that a user's mount log says plainly why it is daemon-served. */
static const char *passthrough_denied(void)
{
	static char why[128];
	const char *force = getenv("SHMFS_FORCE_NO_PASSTHROUGH");
	if (force && strcmp(force, "1") == 0)
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
	if ((denied = passthrough_denied())) {
		snprintf(outlook, sizeof(outlook), "daemon-served (%s: run it as root)", denied);
		return outlook;
	}
	return "passthrough (the kernel offers it and the daemon may use it)";
}

int fs_passthrough_precheck(const struct fs *fs, const char **why)
{
	if (fs->passthrough_opt != FS_PASSTHROUGH_ON)
		return 0;
	static char denied_why[192];
	const char *denied;
	if (!kernel_knows_passthrough()) {
		*why = "this kernel has no FUSE passthrough (Linux 6.9 or newer has it)";
	} else if ((denied = passthrough_denied())) {
		snprintf(denied_why, sizeof(denied_why), "%s: run shmfs as root", denied);
		*why = denied_why;
	} else {
		return 0;
	}
	return -1;
}

/* The kernel's INIT request says whether it offers passthrough; remember which reply is INIT's. */
static ssize_t io_read(int fd, void *buf, size_t len, void *userdata)
{
	struct fs *fs = userdata;
	ssize_t n = read(fd, buf, len);
	const struct kabi_in_header *in = buf;
	if (n >= (ssize_t)(sizeof(*in) + 16) && in->opcode == KABI_OPCODE_INIT) {
		const struct kabi_init_in *init = (const void *)(in + 1);
		bool ext = init->flags & KABI_INIT_EXT;
		bool has_flags2 = n >= (ssize_t)(sizeof(*in) + offsetof(struct kabi_init_in, flags2) + 4);
		fs->init_unique = in->unique;
		fs->kernel_offers = ext && has_flags2 && (init->flags2 & KABI_INIT2_PASSTHROUGH);
	}
	return n;
}

static void log_mode(struct fs *fs, const char *why)
{
	if (fs->passthrough)
		fuse_log(FUSE_LOG_NOTICE, "shmfs: data mode: passthrough (the kernel reads, writes "
			 "and maps segments itself)\n");
	else
		fuse_log(fs->passthrough_opt == FS_PASSTHROUGH_ON ? FUSE_LOG_ERR : FUSE_LOG_NOTICE,
			 "shmfs: data mode: daemon-served (%s)\n", why);
}

static void patch_init(struct fs *fs, struct iovec *arg)
{
	const char *why = NULL;
	if (fs->passthrough_opt == FS_PASSTHROUGH_OFF)
		why = "passthrough=off";
	else if (!fs->kernel_offers)
		why = "the kernel offers no FUSE passthrough";
	else
		why = passthrough_denied();
	if (!why && arg->iov_len < sizeof(struct kabi_init_out))
		why = "libfuse sent a short INIT reply";

	if (!why) {
		struct kabi_init_out *out = arg->iov_base;
		out->flags |= KABI_INIT_EXT;
		out->flags2 |= KABI_INIT2_PASSTHROUGH;
		out->max_stack_depth = 1; /* segments live on tmpfs, which stacks on nothing */
		fs->passthrough = true;
	}
	log_mode(fs, why);
	if (why && fs->passthrough_opt == FS_PASSTHROUGH_ON) {
		fs->refused = true;
		fuse_session_exit(fs->se);
	}
}

static void patch_open(struct iovec *arg)
{
	size_t at = next_open.create ? KABI_ENTRY_OUT_SIZE : 0;
	if (arg->iov_len < at + sizeof(struct kabi_open_out)) {
		fuse_log(FUSE_LOG_ERR, "shmfs: open reply too short for passthrough\n");
		return;
	}
	struct kabi_open_out *out = (void *)((char *)arg->iov_base + at);
	out->open_flags |= KABI_FOPEN_PASSTHROUGH;
	out->backing_id = next_open.backing_id;
}

/* libfuse puts the reply header alone in iov[0] and the reply's argument in iov[1]. */
static ssize_t io_writev(int fd, struct iovec *iov, int count, void *userdata)
{
	struct fs *fs = userdata;
	const struct kabi_out_header *out = iov[0].iov_base;
	bool init = false;
	if (count >= 2 && iov[0].iov_len == sizeof(*out) && out->error == 0) {
		if (!fs->init_done && out->unique == fs->init_unique) {
			fs->init_done = init = true;
			patch_init(fs, &iov[1]);
		} else if (next_open.armed) {
			patch_open(&iov[1]);
		}
	}
	next_open.armed = false;
	ssize_t n = writev(fd, iov, count);
	if (init)
		fs_readahead_raise(fs); /* the kernel has applied the INIT reply by now */
	return n;
}

int fs_attach_session(struct fs *fs, struct fuse_session *se, const char *mountpoint)
{
	static const struct fuse_custom_io io = { .read = io_read, .writev = io_writev };
	fs_readahead_find(fs, mountpoint);
	fs->se = se;
	fs->session_fd = fuse_session_fd(se);
	return fuse_session_custom_io(se, &io, fs->session_fd);
}

/* The kernel keeps its own reference to the file it is given, so the fd is closed at once. It is
 * opened read-write whatever the first open asked: every later open shares it. */
int32_t fs_backing_get(struct fs *fs, struct fs_inode *in)
{
	int32_t id;
	pthread_mutex_lock(&fs->lock);
	if (in->backing_users > 0) {
		in->backing_users++;
		id = in->backing_id;
	} else {
		int fd = seg_reopen(in->fd, O_RDWR);
		struct kabi_backing_map map = { .fd = fd };
		id = fd < 0 ? fd : ioctl(fs->session_fd, KABI_DEV_IOC_BACKING_OPEN, &map);
		if (fd >= 0 && id < 0)
			id = -errno;
		if (fd >= 0)
			close(fd);
		if (id > 0) {
			in->backing_id = id;
			in->backing_users = 1;
		}
	}
	pthread_mutex_unlock(&fs->lock);
	return id;
}

void fs_backing_put(struct fs *fs, struct fs_inode *in)
{
	pthread_mutex_lock(&fs->lock);
	if (--in->backing_users == 0 && !fs->closing) {
		uint32_t id = in->backing_id;
		if (ioctl(fs->session_fd, KABI_DEV_IOC_BACKING_CLOSE, &id) < 0)
			fuse_log(FUSE_LOG_ERR, "shmfs: closing backing id %u: %s\n", id,
				 strerror(errno));
		in->backing_id = 0;
	}
	pthread_mutex_unlock(&fs->lock);
}

void fs_passthrough_arm(int32_t backing_id, bool create)
{
	next_open.armed = backing_id > 0;
	next_open.create = create;
	next_open.backing_id = backing_id;
}

void fs_passthrough_disarm(void)
{
	next_open.armed = false;
}
