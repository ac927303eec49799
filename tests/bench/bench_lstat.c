/* bench_lstat.c - lstat of DIR/PREFIX0 .. DIR/PREFIX(N-1) in one process, timed; each must be a
 * regular file. The names are made, not listed, so no directory read primes a cache first. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_clock.h"

int main(int argc, char **argv)
{
	long n = argc == 4 ? strtol(argv[3], NULL, 10) : 0;
	if (n <= 0) {
		fprintf(stderr, "usage: bench_lstat DIR PREFIX N\n");
		return 2;
	}
	double t0 = bench_now_ms();
	int dfd = open(argv[1], O_RDONLY | O_DIRECTORY);
	if (dfd < 0)
		bench_fail("open", argv[1], errno);
	for (long i = 0; i < n; i++) {
		char name[256];
		struct stat st;
		snprintf(name, sizeof(name), "%s%ld", argv[2], i);
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			bench_fail("lstat", name, errno);
		if (!S_ISREG(st.st_mode))
			bench_fail("type of", name, 0);
	}
	if (close(dfd) != 0)
		bench_fail("close", argv[1], errno);
	bench_report(t0);
	return 0;
}
