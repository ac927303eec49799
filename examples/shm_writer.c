/* shm_writer.c - the seed writer: creates a sparse 4,000,000,000-byte shared-memory segment and
 * stores one record {100, 876, 8021} at its start, by shm_open(NAME) or through a file PATH. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEG_SIZE 4000000000LL

struct my_data {
	int64_t Col1, Col2, Col3;
};

/* Reports a failed call on WHERE (the segment) and exits 1. */
static void die(const char *what, const char *where)
{
	fprintf(stderr, "shm_writer: %s %s: %s\n", what, where, strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	const char *arg = argc > 1 ? argv[1] : "my_shm";
	char dev_path[4096], shm_name[4096];
	const char *where = arg;
	int fd;

	if (argc > 2) {
		fprintf(stderr, "usage: shm_writer [NAME|PATH]\n");
		return 1;
	}
	/* A '/' means a file path (e.g. a file under a shmfs mount); otherwise a POSIX shm name. */
	if (strchr(arg, '/')) {
		if (unlink(arg) < 0 && errno != ENOENT)
			die("unlink", where);
		fd = open(arg, O_RDWR | O_CREAT | O_EXCL, 0644);
		if (fd < 0)
			die("open", where);
	} else {
		snprintf(dev_path, sizeof dev_path, "/dev/shm/%s", arg);
		where = dev_path;
		snprintf(shm_name, sizeof shm_name, "/%s", arg);
		if (shm_unlink(shm_name) < 0 && errno != ENOENT)
			die("shm_unlink", where);
		fd = shm_open(shm_name, O_RDWR | O_CREAT | O_EXCL, 0644);
		if (fd < 0)
			die("shm_open", where);
	}

	if (ftruncate(fd, SEG_SIZE) < 0)
		die("ftruncate", where);
	void *p = mmap(NULL, SEG_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap", where);

	struct my_data rec = { .Col1 = 100, .Col2 = 876, .Col3 = 8021 };
	memcpy(p, &rec, sizeof rec);

	if (msync(p, SEG_SIZE, MS_SYNC) < 0)
		die("msync", where);
	if (munmap(p, SEG_SIZE) < 0)
		die("munmap", where);
	if (close(fd) < 0)
		die("close", where);

	printf("wrote {Col1=%" PRId64 ", Col2=%" PRId64 ", Col3=%" PRId64 "} to %s (%lld bytes)\n",
	       rec.Col1, rec.Col2, rec.Col3, where, SEG_SIZE);
	return 0;
}
