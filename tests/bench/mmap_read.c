/* mmap_read.c - reads a whole file through a MAP_SHARED mapping (one 8-byte load per 64 bytes,
 * so every page and cache line is touched) and prints a checksum; the benchmark times it. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct stat st;
	int fd = argc == 2 ? open(argv[1], O_RDONLY) : -1;
	if (fd < 0 || fstat(fd, &st) < 0) {
		perror(argc == 2 ? argv[1] : "usage: mmap_read FILE");
		return 1;
	}
	const uint64_t *p = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	uint64_t sum = 0;
	for (size_t i = 0; i < (size_t)st.st_size / 8; i += 8)
		sum += p[i];
	printf("%llu\n", (unsigned long long)sum);
	return 0;
}
