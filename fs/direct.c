/* direct.c - daemon-served segment opens without the kernel's page cache (FOPEN_DIRECT_IO, where
 * such files can still be mapped shared), and the set-user-ID clearing the kernel then leaves to us.
 *
 * Why: through the page cache every byte is copied twice (segment -> FUSE page -> reader), each
 * read(2) first asks for the attributes (AUTO_INVAL_DATA with short timeouts) and each write(2)
 * for the security.capability xattr. A direct read or write is one request, which the kernel
 * copies straight from or into the caller's buffer, and it always sees what the segment holds
 * now. FUSE_DIRECT_IO_ALLOW_MMAP (Linux 6.6+) keeps MAP_SHARED mappings of the mount working:
 * they go through the page cache, which the kernel writes back before a direct read of the same
 * range and drops before a direct write. Without it the page cache stays, as before.
 *
 * The kernel says in each direct WRITE whether the writer lacks CAP_FSETID (write_flags), which
 * libfuse does not pass on: the raw read hook under the session notes it for the thread that
 * serves the request (libfuse serves a request on the thread that read it, right after). */
#include "fs_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kernel_abi.h"

static __thread bool write_kills_suidgid;

void fs_direct_note_request(const void *buf, ssize_t len)
{
	const struct kabi_in_header *in = buf;
	write_kills_suidgid = false;
	if (len >= (ssize_t)(sizeof(*in) + sizeof(struct kabi_write_in)) &&
	    in->opcode == KABI_OPCODE_WRITE) {
		const struct kabi_write_in *w = (const void *)(in + 1);
		write_kills_suidgid = w->write_flags & KABI_WRITE_KILL_SUIDGID;
	}
}

/* SHMFS_FORCE_NO_DIRECT_IO=1 keeps the page cache, as on a kernel older than 6.6 (tests of that
 * path). */
bool fs_direct_settle(struct fs *fs, bool kernel_offers)
{
	const char *force = getenv("SHMFS_FORCE_NO_DIRECT_IO");
	fs->direct_io = false;
	if (fs->passthrough)
		return false;
	if (force && strcmp(force, "1") == 0)
		fuse_log(FUSE_LOG_NOTICE, "shmfs: segment I/O goes through the page cache "
			 "(SHMFS_FORCE_NO_DIRECT_IO=1)\n");
	else if (!kernel_offers)
		fuse_log(FUSE_LOG_NOTICE, "shmfs: segment I/O goes through the page cache (this "
			 "kernel cannot map direct I/O files shared; Linux 6.6 or newer can)\n");
	else
		fs->direct_io = true;
	if (fs->direct_io)
		fuse_log(FUSE_LOG_NOTICE, "shmfs: segment I/O is direct (the page cache only for "
			 "mappings of the mount)\n");
	if (fs->splice_max)
		fuse_log(FUSE_LOG_INFO, "shmfs: READ replies of up to %zu bytes are spliced\n",
			 fs->splice_max);
	else
		fuse_log(FUSE_LOG_INFO, "shmfs: READ replies are copied from a mapping (no pipe "
			 "can hold them)\n");
	return fs->direct_io;
}

/* Whether the writer of REQ is in group GID (its own or a supplementary one). */
static bool writer_in_group(fuse_req_t req, gid_t gid)
{
	if (fuse_req_ctx(req)->gid == gid)
		return true;
	gid_t stack_groups[64], *groups = stack_groups;
	int n = fuse_req_getgroups(req, G_N_ELEMENTS(stack_groups), stack_groups);
	if (n > (int)G_N_ELEMENTS(stack_groups)) {
		groups = g_new(gid_t, n);
		n = fuse_req_getgroups(req, n, groups);
	}
	bool in = false;
	for (int i = 0; i < n && !in; i++)
		in = groups[i] == gid;
	if (groups != stack_groups)
		g_free(groups);
	return in;
}

/* As the kernel does before a cached write (setattr_should_drop_suidgid): set-user-ID always goes;
 * set-group-ID goes when group execute is set, or when the writer is not in the file's group. */
int fs_direct_kill_suidgid(fuse_req_t req, int fd)
{
	if (!write_kills_suidgid)
		return 0;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	mode_t kill = st.st_mode & S_ISUID;
	if ((st.st_mode & S_ISGID) && ((st.st_mode & S_IXGRP) || !writer_in_group(req, st.st_gid)))
		kill |= S_ISGID;
	/* A daemon that may not clear them (not root, not the owner) refuses the write. */
	if (kill && fchmod(fd, st.st_mode & 07777 & ~kill) < 0)
		return -errno;
	return 0;
}
