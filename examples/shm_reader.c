/* shm_reader.c - the seed reader: maps a shared-memory segment read-only, by shm_open(NAME) or
 * through a file PATH, and prints the first record's three int64 fields. */
#include <inttypes.h>
#include <sys/stat.h>

#include "seed.h"

int main(int argc, char **argv)
{
	char where[4096];
	struct stat st;

	if (argc > 2) {
		fprintf(stderr, "usage: shm_reader [NAME|PATH]\n");
		return 1;
	}
	int fd = seed_open("shm_reader", argv[1], O_RDONLY, where,
			   sizeof(where));
	if (fstat(fd, &st) < 0)
		seed_die("shm_reader", "fstat", where);
	if (st.st_size < (off_t)sizeof(struct my_data)) {
		fprintf(stderr, "shm_reader: %s: segment is %lld bytes, smaller than one %zu-byte record\n",
			where, (long long)st.st_size, sizeof(struct my_data));
		return 1;
	}
	void *p = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		seed_die("shm_reader", "mmap", where);

	struct my_data rec;
	memcpy(&rec, p, sizeof rec);
	printf("Col1=%" PRId64 " Col2=%" PRId64 " Col3=%" PRId64 "\n", rec.Col1, rec.Col2, rec.Col3);

	if (munmap(p, st.st_size) < 0)
		seed_die("shm_reader", "munmap", where);
	if (close(fd) < 0)
		seed_die("shm_reader", "close", where);
	return 0;
}
