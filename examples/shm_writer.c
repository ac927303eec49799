/* shm_writer.c - the seed writer: creates a sparse 4,000,000,000-byte shared-memory segment and
 * stores one record {100, 876, 8021} at its start, by shm_open(NAME) or through a file PATH,
 * and tags it with its record type (xattr user.shmfs.type) so a shmfs mount shows NAME.txt. */
#include <inttypes.h>
#include <sys/xattr.h>

#include "seed.h"

#define SEG_SIZE 4000000000LL

int main(int argc, char **argv)
{
	char where[4096];

	if (argc > 2) {
		fprintf(stderr, "usage: shm_writer [NAME|PATH]\n");
		return 1;
	}
	int fd = seed_open("shm_writer", argv[1], O_RDWR | O_CREAT | O_EXCL,
			   where, sizeof(where));
	if (ftruncate(fd, SEG_SIZE) < 0)
		seed_die("shm_writer", "ftruncate", where);
	/* Right after creating it, say what its records are; a tmpfs without user xattrs only
	 * loses the text view, so that is a warning. */
	if (fsetxattr(fd, SHMFS_TYPE_XATTR, MY_DATA_DECL, strlen(MY_DATA_DECL), 0) < 0)
		fprintf(stderr, "shm_writer: warning: cannot set %s on %s: %s\n", SHMFS_TYPE_XATTR,
			where, strerror(errno));
	void *p = mmap(NULL, SEG_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		seed_die("shm_writer", "mmap", where);

	struct my_data rec = { .Col1 = 100, .Col2 = 876, .Col3 = 8021 };
	memcpy(p, &rec, sizeof rec);

	if (msync(p, SEG_SIZE, MS_SYNC) < 0)
		seed_die("shm_writer", "msync", where);
	if (munmap(p, SEG_SIZE) < 0)
		seed_die("shm_writer", "munmap", where);
	if (close(fd) < 0)
		seed_die("shm_writer", "close", where);

	printf("wrote {Col1=%" PRId64 ", Col2=%" PRId64 ", Col3=%" PRId64 "} to %s (%lld bytes)\n",
	       rec.Col1, rec.Col2, rec.Col3, where, SEG_SIZE);
	return 0;
}
