/* seed.h - what the seed's writer and reader share: the record they exchange, and how a NAME
 * (a POSIX shm name, opened with shm_open) or a PATH (any file, e.g. under a shmfs mount) is opened. */
#ifndef SHMFS_SEED_H
#define SHMFS_SEED_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The seed article's MyData: three Go ints, 8 bytes each on amd64. */
struct my_data {
	int64_t Col1, Col2, Col3;
};

/* The same record as shmfs's record types declare it, for the user.shmfs.type xattr: with it,
 * a shmfs mount shows the segment's records as text in NAME.txt. */
#define MY_DATA_DECL "int64 Col1; int64 Col2; int64 Col3"
#define SHMFS_TYPE_XATTR "user.shmfs.type"

/* Reports the failed call WHAT on WHERE and exits 1. */
static inline void seed_die(const char *prog, const char *what, const char *where)
{
	fprintf(stderr, "%s: %s %s: %s\n", prog, what, where, strerror(errno));
	exit(1);
}

/* Opens ARG (NULL: the seed's "my_shm") with FLAGS: with a '/' in it as a file path, else as
 * shm_open("/ARG"). With O_EXCL an
 * old object of that name is removed first, as the seed's writer does. Sets *WHERE (a buffer of
 * WHERE_SIZE) to the file the object is, for messages; exits with a message on failure. */
static inline int seed_open(const char *prog, const char *arg, int flags, char *where,
			    size_t where_size)
{
	if (!arg)
		arg = "my_shm";
	bool by_path = strchr(arg, '/') != NULL;
	char shm_name[4096];
	int fd;

	snprintf(shm_name, sizeof(shm_name), "/%s", arg);
	snprintf(where, where_size, by_path ? "%s" : "/dev/shm/%s", arg);
	if ((flags & O_EXCL) && (by_path ? unlink(arg) : shm_unlink(shm_name)) < 0 && errno != ENOENT)
		seed_die(prog, by_path ? "unlink" : "shm_unlink", where);
	fd = by_path ? open(arg, flags, 0644) : shm_open(shm_name, flags, 0644);
	if (fd < 0)
		seed_die(prog, by_path ? "open" : "shm_open", where);
	return fd;
}

#endif
