/* bench_mapper.c - a process that uses segments and waits to be killed, for tests/bench/lsshm and
 * the lsshm tests: maps each file shared or private, holds an fd on it, or attaches a SysV shmid.
 * Usage: bench_mapper map|private|fd|shmat TARGET... ; prints "ready" once all are in place. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

static int die(const char *what, const char *target)
{
	fprintf(stderr, "bench_mapper: %s %s: %s\n", what, target, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench_mapper map|private|fd|shmat TARGET...\n");
		return 2;
	}
	const char *mode = argv[1];
	bool shmat_mode = strcmp(mode, "shmat") == 0, fd_mode = strcmp(mode, "fd") == 0;
	int flags = strcmp(mode, "private") == 0 ? MAP_PRIVATE : MAP_SHARED;
	if (!shmat_mode && !fd_mode && strcmp(mode, "map") != 0 && strcmp(mode, "private") != 0) {
		fprintf(stderr, "bench_mapper: unknown mode %s\n", mode);
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (shmat_mode) {
			if (shmat(atoi(argv[i]), NULL, SHM_RDONLY) == (void *)-1)
				return die("shmat", argv[i]);
			continue;
		}
		int fd = open(argv[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return die("open", argv[i]);
		if (fd_mode)
			continue; /* held until the end */
		struct stat st;
		if (fstat(fd, &st) < 0)
			return die("fstat", argv[i]);
		size_t len = st.st_size > 0 ? (size_t)st.st_size : 4096;
		if (mmap(NULL, len, PROT_READ, flags, fd, 0) == MAP_FAILED)
			return die("mmap", argv[i]);
		close(fd); /* the mapping alone keeps it */
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
