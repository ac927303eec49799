/* passthrough_raw.c - the layer under the session with libfuse 3.14, whose conn cannot carry
 * passthrough, DIRECT_IO_ALLOW_MMAP or HANDLE_KILLPRIV_V2 (meson builds this file below 3.17): a
 * custom I/O layer that sees each raw request and reply, reads those offers from the INIT request,
 * writes what the plan (plan.c) says of them into the INIT reply (and, once INIT is answered,
 * raises the mount's readahead), and does FUSE passthrough without libfuse. The same layer notes each
 * request's set-ID kill flags (privs.c) and lets libfuse splice replies (splice.c).
 *
 * Passthrough: a backing file is registered with FUSE_DEV_IOC_BACKING_OPEN on the session fd, and
 * each OPEN or CREATE reply carries FOPEN_PASSTHROUGH and that backing id. libfuse sends a reply
 * from the thread that made it, synchronously, so a thread-local note made just before
 * fuse_reply_open/create tells the writev hook what to add. */
#include "session.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "readahead.h"
#include "requests.h"
#include "splice.h"

#include "kernel_abi.h"

const char fs_passthrough_via[] = "raw INIT and OPEN reply hooks (built with libfuse < 3.17)";
const bool fs_session_rings = false;

/* The raw protocol's state, which nothing outside this file reads: one session per process. INIT is
 * the first request and is answered before any other is read, so the fields INIT sets need no lock;
 * init_done is atomic because every reply passes io_writev, the watcher's notifications too, from
 * its own thread and maybe before INIT's. */
static struct {
	bool offers_passthrough;      /* the INIT request offered FUSE_PASSTHROUGH */
	bool offers_dio_mmap;         /* ... and FUSE_DIRECT_IO_ALLOW_MMAP */
	bool offers_killpriv_v2;      /* ... and FUSE_HANDLE_KILLPRIV_V2 */
	uint64_t init_unique;         /* which reply is INIT's */
	_Atomic bool init_done;       /* the INIT reply went out */
	int session_fd;               /* where the backing ioctls go */
} raw = { .session_fd = -1 };

/* The backing id the next OPEN or CREATE reply on this thread carries, if armed. */
static __thread struct {
	bool armed;
	bool create;
	int32_t backing_id;
} next_open;

/* The kernel's INIT request says whether it offers passthrough, direct I/O files that can be mapped
 * and HANDLE_KILLPRIV_V2; remember which reply is INIT's. Every request passes here (libfuse reads
 * none by splicing: this layer has no splice_receive). */
static ssize_t io_read(int fd, void *buf, size_t len, void *userdata)
{
	(void)userdata;
	ssize_t n = read(fd, buf, len);
	const struct kabi_in_header *in = buf;
	if (n >= (ssize_t)(sizeof(*in) + 16) && in->opcode == KABI_OPCODE_INIT) {
		const struct kabi_init_in *init = (const void *)(in + 1);
		bool ext = init->flags & KABI_INIT_EXT;
		bool has_flags2 = n >= (ssize_t)(sizeof(*in) + offsetof(struct kabi_init_in, flags2) + 4);
		raw.init_unique = in->unique;
		raw.offers_passthrough = ext && has_flags2 && (init->flags2 & KABI_INIT2_PASSTHROUGH);
		raw.offers_dio_mmap = ext && has_flags2 && (init->flags2 & KABI_INIT2_DIRECT_IO_ALLOW_MMAP);
		raw.offers_killpriv_v2 = init->flags & KABI_INIT_HANDLE_KILLPRIV_V2;
	}
	fs_request_read(buf, n);
	return n;
}

/* libfuse 3.14 answers a kernel older than FUSE 7.23 with a reply that has no room for these
 * (flags2, max_stack_depth): fs_session_offer counts no offer from such a kernel (which makes
 * none anyway). */
static void patch_init(struct fs *fs, struct iovec *arg)
{
	const struct fs_plan *plan = &fs->plan;
	if (!plan->passthrough && !plan->killpriv_v2 && !plan->direct_io)
		return;
	if (arg->iov_len < sizeof(struct kabi_init_out)) {
		fuse_log(FUSE_LOG_ERR, "shmfs: libfuse sent a short INIT reply: the plan cannot be "
			 "written into it\n");
		fuse_session_exit(fs->se);
		return;
	}
	struct kabi_init_out *out = arg->iov_base;
	if (plan->passthrough) {
		out->flags |= KABI_INIT_EXT;
		out->flags2 |= KABI_INIT2_PASSTHROUGH;
		out->max_stack_depth = 1; /* segments live on tmpfs, which stacks on nothing */
	}
	if (plan->killpriv_v2)
		out->flags |= KABI_INIT_HANDLE_KILLPRIV_V2;
	if (plan->direct_io) {
		out->flags |= KABI_INIT_EXT;
		out->flags2 |= KABI_INIT2_DIRECT_IO_ALLOW_MMAP;
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
		if (!raw.init_done && out->unique == raw.init_unique) {
			raw.init_done = init = true;
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

int fs_attach_session(struct fs *fs, struct fuse_session *se, dev_t dev)
{
	static const struct fuse_custom_io io = { .read = io_read, .writev = io_writev,
						  .splice_send = fs_splice_send };
	fs_readahead_find(fs, dev);
	fs->mount_dev = dev;
	fs->se = se;
	raw.session_fd = fuse_session_fd(se);
	return fuse_session_custom_io(se, &io, raw.session_fd);
}

/* io_read has seen the INIT request by now: libfuse calls the init operation on the thread that
 * read it, right after. */
void fs_session_offer(struct fs *fs, struct fuse_conn_info *conn, struct fs_offer *offer)
{
	(void)fs;
	bool room = conn->proto_minor >= 23; /* patch_init */
	*offer = (struct fs_offer){
		.passthrough = room && raw.offers_passthrough,
		.direct_io_allow_mmap = room && raw.offers_dio_mmap,
		.handle_killpriv_v2 = room && raw.offers_killpriv_v2,
		.splice_write = conn->capable & FUSE_CAP_SPLICE_WRITE,
		.posix_acl = conn->capable & FUSE_CAP_POSIX_ACL,
		.dont_mask = conn->capable & FUSE_CAP_DONT_MASK,
		.max_read = conn->max_read,
		.max_write = conn->max_write,
	};
}

/* All of it goes into the INIT reply (io_writev), and the readahead is raised after it. */
void fs_session_write(struct fs *fs, struct fuse_conn_info *conn)
{
	(void)fs;
	(void)conn;
}

bool fs_conn_want(struct fuse_conn_info *conn, uint64_t cap)
{
	if (!(conn->capable & cap))
		return false;
	conn->want |= cap;
	return true;
}

void fs_conn_unwant(struct fuse_conn_info *conn, uint64_t cap)
{
	conn->want &= ~cap;
}

int32_t fs_backing_register(struct fs *fs, fuse_req_t req, int fd)
{
	(void)fs;
	(void)req;
	struct kabi_backing_map map = { .fd = fd };
	int id = ioctl(raw.session_fd, KABI_DEV_IOC_BACKING_OPEN, &map);
	return id < 0 ? -errno : id;
}

void fs_backing_unregister(struct fs *fs, fuse_req_t req, int32_t id)
{
	(void)fs;
	(void)req;
	uint32_t uid = id;
	if (ioctl(raw.session_fd, KABI_DEV_IOC_BACKING_CLOSE, &uid) < 0)
		fuse_log(FUSE_LOG_ERR, "shmfs: closing backing id %u: %s\n", uid, strerror(errno));
}

void fs_passthrough_arm(struct fuse_file_info *fi, int32_t backing_id, bool create)
{
	(void)fi;
	next_open.armed = backing_id > 0;
	next_open.create = create;
	next_open.backing_id = backing_id;
}

void fs_passthrough_disarm(struct fuse_file_info *fi)
{
	(void)fi;
	next_open.armed = false;
}
