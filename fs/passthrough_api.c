/* passthrough_api.c - the layer under the session with libfuse 3.17 and later (meson builds this
 * file there): INIT's offer read from libfuse's conn and the plan's flags written into it (plan.c
 * settles them), FUSE passthrough through libfuse's API (fuse_passthrough_open/close, backing_id).
 *
 * libfuse then writes the protocol's fields itself (FUSE_PASSTHROUGH and max_stack_depth in the INIT
 * reply, FOPEN_PASSTHROUGH and the id in OPEN and CREATE replies, FUSE_DIRECT_IO_ALLOW_MMAP,
 * HANDLE_KILLPRIV_V2). Below 3.18.3 a thin custom I/O layer stays under the session all the same:
 * libfuse does not pass on the set-ID kill flags of WRITE and OPEN, which privs.c needs, and has
 * no TMPFILE for 3.14's operations table. From 3.18.3 it passes them (fuse_file_info's
 * kill_suidgid; the operations note them, privs.c) and there is no layer: libfuse reads the
 * requests itself, from /dev/fuse or from an io_uring (-o io_uring), which it serves only to a
 * session without custom I/O, and which 3.18.3 builds without by default.
 * Capabilities go through want_ext and its helpers only: 3.17 refuses an init that changed
 * both the 32-bit `want` and `want_ext` ("both 'want' and 'want_ext' are set", EPROTO). */
#include "session.h"

#include <errno.h>
#include <stdio.h>
#include <sys/uio.h>
#include <unistd.h>

#include "readahead.h"
#include "requests.h"
#include "splice.h"

const char fs_passthrough_via[] = "libfuse's passthrough API (built with libfuse >= 3.17)";

#ifdef SHMFS_LIBFUSE_NO_HOOK
const bool fs_session_rings = true;

/* Built against 3.18.3's headers but run with an older 3.18 library, kill_suidgid would always be
 * 0 (FUSE_VERSION has no patch level): set-ID bits would survive writes that must clear them. */
static int library_hands_kill_flags(void)
{
	unsigned major = 0, minor = 0, patch = 0;
	const char *v = fuse_pkgversion();
	sscanf(v, "%u.%u.%u", &major, &minor, &patch);
	if (major > 3 || (major == 3 && (minor > 18 || (minor == 18 && patch >= 3))))
		return 0;
	fuse_log(FUSE_LOG_ERR, "shmfs: built for libfuse 3.18.3 or newer, running with %s, which does "
		 "not say when set-ID bits must be cleared: refusing to serve\n", v);
	return -1;
}

int fs_attach_session(struct fs *fs, struct fuse_session *se, dev_t dev)
{
	fs_readahead_find(fs, dev);
	fs->mount_dev = dev;
	fs->se = se;
	return library_hands_kill_flags();
}
#else
const bool fs_session_rings = false;

static ssize_t io_read(int fd, void *buf, size_t len, void *userdata)
{
	(void)userdata;
	ssize_t n = read(fd, buf, len);
	fs_request_read(buf, n);
	return n;
}

static ssize_t io_writev(int fd, struct iovec *iov, int count, void *userdata)
{
	(void)userdata;
	return writev(fd, iov, count);
}

int fs_attach_session(struct fs *fs, struct fuse_session *se, dev_t dev)
{
	static const struct fuse_custom_io io = { .read = io_read, .writev = io_writev,
						  .splice_send = fs_splice_send };
	fs_readahead_find(fs, dev);
	fs->mount_dev = dev;
	fs->se = se;
	return fuse_session_custom_io(se, &io, fuse_session_fd(se));
}
#endif

/* The init operation runs inside the INIT request, before libfuse answers it, and its conn has
 * every flag of the protocol. */
void fs_session_offer(struct fs *fs, struct fuse_conn_info *conn, struct fs_offer *offer)
{
	(void)fs;
	*offer = (struct fs_offer){
		.passthrough = fuse_get_feature_flag(conn, FUSE_CAP_PASSTHROUGH),
		.direct_io_allow_mmap = fuse_get_feature_flag(conn, FUSE_CAP_DIRECT_IO_ALLOW_MMAP),
		.handle_killpriv_v2 = fuse_get_feature_flag(conn, FUSE_CAP_HANDLE_KILLPRIV_V2),
		.splice_write = fuse_get_feature_flag(conn, FUSE_CAP_SPLICE_WRITE),
		.posix_acl = fuse_get_feature_flag(conn, FUSE_CAP_POSIX_ACL),
		.dont_mask = fuse_get_feature_flag(conn, FUSE_CAP_DONT_MASK),
		.max_read = conn->max_read,
		.max_write = conn->max_write,
#ifdef SHMFS_LIBFUSE_NO_HOOK
		.io_uring = fuse_get_feature_flag(conn, FUSE_CAP_OVER_IO_URING),
#endif
	};
}

/* Segments live on tmpfs, which stacks on nothing: the default stacking depth (backing files not
 * on a stacked file system) is the right one, and lets overlayfs stack over the mount. The
 * readahead is raised before the reply rather than after it as passthrough_raw.c does: the kernel
 * keeps the smaller of the mount's readahead and the reply's, so both say readahead_kb. */
void fs_session_write(struct fs *fs, struct fuse_conn_info *conn)
{
	const struct fs_plan *plan = &fs->plan;
	if (plan->passthrough) {
		fuse_set_feature_flag(conn, FUSE_CAP_PASSTHROUGH);
		conn->max_backing_stack_depth = FUSE_BACKING_STACKED_UNDER;
	}
	if (plan->killpriv_v2)
		fuse_set_feature_flag(conn, FUSE_CAP_HANDLE_KILLPRIV_V2);
	if (plan->direct_io)
		fuse_set_feature_flag(conn, FUSE_CAP_DIRECT_IO_ALLOW_MMAP);
	if (fs_readahead_raise(fs) == 0)
		conn->max_readahead = plan->readahead_kb * 1024;
#ifdef FUSE_CAP_OVER_IO_URING
	/* libfuse asks for the ring wherever the kernel offers it and -o io_uring (or its
	 * FUSE_URING_ENABLE) was given: the plan decides, here for certain. Below 3.18.3 it never
	 * has one: a ring would bypass the raw hook, and the set-ID kill flags with it. */
	if (plan->io_uring)
		fuse_set_feature_flag(conn, FUSE_CAP_OVER_IO_URING);
	else
		fuse_unset_feature_flag(conn, FUSE_CAP_OVER_IO_URING);
#endif
}

bool fs_conn_want(struct fuse_conn_info *conn, uint64_t cap)
{
	return fuse_set_feature_flag(conn, cap);
}

void fs_conn_unwant(struct fuse_conn_info *conn, uint64_t cap)
{
	fuse_unset_feature_flag(conn, cap);
}

/* fuse_passthrough_open answers 0 on failure, having logged the ioctl's error itself. */
int32_t fs_backing_register(struct fs *fs, fuse_req_t req, int fd)
{
	(void)fs;
	int id = fuse_passthrough_open(req, fd);
	return id > 0 ? id : -EIO;
}

void fs_backing_unregister(struct fs *fs, fuse_req_t req, int32_t id)
{
	(void)fs;
	fuse_passthrough_close(req, id); /* logs its own failure */
}

void fs_passthrough_arm(struct fuse_file_info *fi, int32_t backing_id, bool create)
{
	(void)create;
	fi->backing_id = backing_id > 0 ? backing_id : 0;
}

void fs_passthrough_disarm(struct fuse_file_info *fi)
{
	(void)fi;
}
