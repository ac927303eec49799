/* shm_reader.c - the seed reader: maps a shared-memory segment read-only, by shm_open(NAME) or
 * through a file PATH, and prints the first record's three int64 fields. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct my_data {
	int64_t Col1, Col2, Col3;
};

/* Reports a failed call on WHERE (the segment) and exits 1. */
static void die(const char *what, const char *where)
{
	fprintf(stderr, "shm_reader: %s %s: %s\n", what, where, strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	const char *arg = argc > 1 ? argv[1] : "my_shm";
	char dev_path[4096], shm_name[4096];
	const char *where = arg;
	struct stat st;
	int fd;

	if (argc > 2) {
		fprintf(stderr, "usage: shm_reader [NAME|PATH]\n");
		return 1;
	}
	/* A '/' means a file path (e.g. a file under a shmfs mount); otherwise a POSIX shm name. */
	if (strchr(arg, '/')) {
		fd = open(arg, O_RDONLY);
		if (fd < 0)
			die("open", where);
	} else {
		snprintf(dev_path, sizeof dev_path, "/dev/shm/%s", arg);
		where = dev_path;
		snprintf(shm_name, sizeof shm_name, "/%s", arg);
		fd = shm_open(shm_name, O_RDONLY, 0);
		if (fd < 0)
			die("shm_open", where);
	}

	if (fstat(fd, &st) < 0)
		die("fstat", where);
	if (st.st_size < (off_t)sizeof(struct my_data)) {
		fprintf(stderr, "shm_reader: %s: segment is %lld bytes, smaller than one %zu-byte record\n",
			where, (long long)st.st_size, sizeof(struct my_data));
		return 1;
	}
	void *p = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap", where);

	struct my_data rec;
	memcpy(&rec, p, sizeof rec);
	printf("Col1=%" PRId64 " Col2=%" PRId64 " Col3=%" PRId64 "\n", rec.Col1, rec.Col2, rec.Col3);

	if (munmap(p, st.st_size) < 0)
		die("munmap", where);
	if (close(fd) < 0)
		die("close", where);
	return 0;
}
