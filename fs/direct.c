/* direct.c - daemon-served segment opens without the kernel's page cache (FOPEN_DIRECT_IO, where
 * such files can still be mapped shared).
 *
 * Why: through the page cache every byte is copied twice (segment -> FUSE page -> reader), each
 * read(2) first asks for the attributes (AUTO_INVAL_DATA with short timeouts) and each write(2)
 * for the security.capability xattr. A direct read or write is one request, which the kernel
 * copies straight from or into the caller's buffer, and it always sees what the segment holds
 * now. FUSE_DIRECT_IO_ALLOW_MMAP (Linux 6.6+) keeps MAP_SHARED mappings of the mount working:
 * they go through the page cache, which the kernel writes back before a direct read of the same
 * range and drops before a direct write. Without it the page cache stays, as before. The set-ID
 * bits a direct write must clear are privs.c's. */
#include "fs_internal.h"

#include <errno.h>

/* SHMFS_FORCE_NO_DIRECT_IO=1 keeps the page cache, as on a kernel older than 6.6 (tests of that
 * path). */
bool fs_direct_settle(struct fs *fs, bool kernel_offers)
{
	fs->direct_io = false;
	if (fs->passthrough)
		return false;
	if (fs_forced("SHMFS_FORCE_NO_DIRECT_IO"))
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
