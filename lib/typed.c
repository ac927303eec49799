/* typed.c - seg_create_typed: the create, ftruncate, fsetxattr sequence a writer of typed segments
 * does after shm_open, checked as a whole, leaving nothing half made behind. */
#include "typed.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "rtype.h"
#include "seg.h"
#include "typesrc.h"

static bool decl_ok(const char *decl)
{
	struct rtype *t = decl ? rtype_parse(decl, NULL) : NULL;
	rtype_free(t);
	return t != NULL;
}

/* Opens NAME, creating it when it is not there. *CREATED says whether this call made it: only
 * then may a later failure remove it. */
static int open_or_create(int dirfd, const char *name, int flags, mode_t mode, bool *created)
{
	*created = false;
	/* Create exclusively first, so that "created" is known, not guessed; a segment removed
	 * between the two tries is tried again, a few times. */
	for (int tries = 0; tries < 3; tries++) {
		int fd = seg_create(dirfd, name, flags | O_EXCL, mode);
		if (fd >= 0)
			*created = true;
		if (fd != -EEXIST || (flags & O_EXCL))
			return fd;
		fd = seg_open(dirfd, name, flags);
		if (fd != -ENOENT)
			return fd;
	}
	return -EAGAIN;
}

/* Removes NAME only if it is still the object open as FD: it may have been replaced meanwhile. */
static void remove_created(int dirfd, const char *name, int fd)
{
	struct stat mine, now;
	if (fstat(fd, &mine) == 0 && seg_stat(dirfd, name, &now) == 0 && mine.st_dev == now.st_dev &&
	    mine.st_ino == now.st_ino)
		seg_unlink(dirfd, name);
}

int seg_create_typed(int dirfd, const char *name, off_t size, const char *decl, int flags,
		     mode_t mode)
{
	if (!decl_ok(decl) || size < 0)
		return -EINVAL;
	flags = (flags & ~(O_ACCMODE | O_CREAT)) | O_RDWR;

	bool created;
	int fd = open_or_create(dirfd, name, flags, mode, &created);
	if (fd < 0)
		return fd;
	int ret = seg_truncate(fd, size);
	if (ret == 0 && fsetxattr(fd, TYPESRC_XATTR, decl, strlen(decl), 0) < 0)
		ret = -errno;
	if (ret == 0)
		return fd;
	if (created)
		remove_created(dirfd, name, fd);
	close(fd);
	return ret;
}
