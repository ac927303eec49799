/* bench_statfs_wait.c - unlinks FILE, then polls the file system of DIR every millisecond until its
 * used bytes are at most USED, for at most MS ms: how long a tmpfs takes to give an unlink back. */
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "bench_clock.h"

static unsigned long long used_bytes(const char *dir)
{
	struct statfs sf;
	if (statfs(dir, &sf) != 0)
		bench_fail("statfs", dir, errno);
	return (unsigned long long)(sf.f_blocks - sf.f_bfree) * sf.f_bsize;
}

/* Prints the milliseconds from the unlink on, or "timeout BYTES" with the bytes still used past
 * USED (exit status 3). */
int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: bench_statfs_wait DIR USED_BYTES MS FILE\n");
		return 2;
	}
	unsigned long long want = strtoull(argv[2], NULL, 10), used;
	double limit = strtod(argv[3], NULL), t0 = bench_now_ms();
	const struct timespec ms = { .tv_nsec = 1000000 };
	if (unlink(argv[4]) != 0)
		bench_fail("unlink", argv[4], errno);
	while ((used = used_bytes(argv[1])) > want) {
		if (bench_now_ms() - t0 > limit) {
			printf("timeout %llu\n", used - want);
			return 3;
		}
		nanosleep(&ms, NULL);
	}
	bench_report(t0);
	return 0;
}
