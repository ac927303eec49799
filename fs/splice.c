/* splice.c - READ replies spliced from the segment into /dev/fuse, and how large a READ may be so
 * that a pipe can hold its reply; a reply no pipe can hold is left to the caller (file_ops.c).
 *
 * The kernel passes references to the segment's tmpfs pages (the zero page for a hole) through a
 * pipe and copies once, into the reader's buffer or page; the daemon neither maps nor copies.
 * libfuse does the splicing (fuse_reply_data with the segment's fd as the buffer): per thread it
 * keeps a pipe that must hold the reply header's page, the data and two pages of slack. A pipe
 * grows to /proc/sys/fs/pipe-max-size (1 MiB by default) and no further without CAP_SYS_RESOURCE,
 * which a daemon run by a user, or root in many containers, lacks: then a 1 MiB READ cannot be
 * spliced, and the mount asks for READs of at most what a pipe holds (-o max_read). When libfuse
 * cannot splice a reply after all (its pipe would not grow, a splice failed) it reads the data with
 * pread(2) into a buffer of its own: slower, still right. */
#include "splice.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "knobs.h"

/* What libfuse's pipe holds besides the data: 3 pages, and the 16-byte fuse_out_header. */
#define SPLICE_OVERHEAD (3 * 4096 + 16)
/* The smallest reply libfuse splices. */
#define SPLICE_MIN (2 * 4096)

static long pipe_max_size(void)
{
	char buf[32];
	FILE *f = fopen("/proc/sys/fs/pipe-max-size", "re");
	long max = f && fgets(buf, sizeof(buf), f) ? strtol(buf, NULL, 10) : -1;
	if (f)
		fclose(f);
	return max;
}

size_t fs_splice_limit(size_t largest)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return 0;
	long got = fcntl(p[0], F_SETPIPE_SZ, (int)(largest + SPLICE_OVERHEAD));
	if (got < 0) {
		long max = pipe_max_size();
		got = max > 0 ? fcntl(p[0], F_SETPIPE_SZ, (int)max) : -1;
	}
	close(p[0]);
	close(p[1]);
	if (got <= SPLICE_OVERHEAD)
		return 0;
	return MIN((size_t)got - SPLICE_OVERHEAD, largest);
}

/* A READ reply that no pipe can hold is served from the mapping, at a higher cost in the daemon
 * (page faults, mincore): so when a pipe holds most of a largest request, requests are cut to what
 * it holds (whole pages: readahead asks for whole pages). A 1 MiB read(2) is then two requests,
 * 1008 KiB and 16 KiB. */
size_t fs_splice_max_read(void)
{
	if (fs_knobs()->no_splice)
		return 0;
	size_t fit = fs_splice_limit(FS_MAX_REQUEST) & ~(size_t)4095;
	return fit < FS_MAX_REQUEST && fit >= FS_MAX_REQUEST / 2 ? fit : 0;
}

/* The reply is cut at the end of the segment first: libfuse meets a short splice by reading the
 * rest into a buffer it allocates as large as the whole request. A reply of less than two pages
 * it would not splice but read into such a buffer: it is read here instead, on the stack. */
bool fs_splice_reply(fuse_req_t req, int fd, size_t size, off_t off)
{
	struct fs *fs = fs_of(req);
	struct stat st;
	if (size > fs->plan.splice_max)
		return false;
	if (fstat(fd, &st) < 0) {
		fuse_reply_err(req, errno);
		return true;
	}
	size = off >= st.st_size ? 0 : MIN((uint64_t)(st.st_size - off), size);
	if (size < SPLICE_MIN) {
		char buf[SPLICE_MIN];
		ssize_t n = size ? pread(fd, buf, size, off) : 0;
		if (n < 0)
			fuse_reply_err(req, errno);
		else
			fuse_reply_buf(req, buf, n);
		return true;
	}
	struct fuse_bufvec bv = FUSE_BUFVEC_INIT(size);
	bv.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	bv.buf[0].fd = fd;
	bv.buf[0].pos = off;
	atomic_fetch_add_explicit(&fs->spliced, 1, memory_order_relaxed);
	fuse_reply_data(req, &bv, 0);
	return true;
}

/* libfuse splices to /dev/fuse under a custom I/O layer only through this hook. */
ssize_t fs_splice_send(int fdin, off_t *offin, int fdout, off_t *offout, size_t len,
		       unsigned int flags, void *userdata)
{
	(void)userdata;
	return splice(fdin, offin, fdout, offout, len, flags);
}
