/* bench_mmap.c - sequential read or write of a whole file through one MAP_SHARED mapping, timed
 * from open to close: `read` sums every word and checks the pattern, `write` stores it and msyncs. */
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_clock.h"

int main(int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[1], "read") != 0 && strcmp(argv[1], "write") != 0)) {
		fprintf(stderr, "usage: bench_mmap read|write FILE\n");
		return 2;
	}
	const char *name = argv[2];
	bool writing = argv[1][0] == 'w';
	double t0 = bench_now_ms();
	int fd = open(name, writing ? O_RDWR : O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0)
		bench_fail("open", name, errno);
	/* The pattern is made of whole words; an empty file would measure nothing. */
	if (st.st_size <= 0 || st.st_size % 8 != 0)
		bench_fail("size of", name, 0);
	size_t words = (size_t)st.st_size / 8;
	uint64_t *p = mmap(NULL, st.st_size, writing ? PROT_READ | PROT_WRITE : PROT_READ,
			   MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		bench_fail("mmap", name, errno);
	if (writing) {
		for (size_t k = 0; k < words; k++)
			p[k] = k * 8;
		/* Through FUSE the stores are only in the mount's page cache until written back. */
		if (msync(p, st.st_size, MS_SYNC) != 0)
			bench_fail("msync", name, errno);
	} else {
		uint64_t sum = 0;
		for (size_t k = 0; k < words; k++)
			sum += p[k];
		if (sum != bench_pattern_sum(words))
			bench_fail("pattern of", name, 0);
	}
	if (munmap(p, st.st_size) != 0)
		bench_fail("munmap", name, errno);
	if (close(fd) != 0)
		bench_fail("close", name, errno);
	bench_report(t0);
	return 0;
}
