/* bench_churn.c - N times: create a new segment in DIR, write 4 KiB, close it, unlink it; timed in
 * one process, so only the file system's work is measured, not process starts. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_clock.h"

int main(int argc, char **argv)
{
	long n = argc == 3 ? strtol(argv[2], NULL, 10) : 0;
	if (n <= 0) {
		fprintf(stderr, "usage: bench_churn DIR N\n");
		return 2;
	}
	char data[4096];
	memset(data, 'x', sizeof(data));
	double t0 = bench_now_ms();
	int dfd = open(argv[1], O_RDONLY | O_DIRECTORY);
	if (dfd < 0)
		bench_fail("open", argv[1], errno);
	for (long i = 0; i < n; i++) {
		char name[64];
		snprintf(name, sizeof(name), "churn%ld", i);
		int fd = openat(dfd, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
		if (fd < 0)
			bench_fail("create", name, errno);
		ssize_t w = write(fd, data, sizeof(data));
		if (w != (ssize_t)sizeof(data))
			bench_fail("write", name, w < 0 ? errno : 0);
		if (close(fd) != 0)
			bench_fail("close", name, errno);
		if (unlinkat(dfd, name, 0) != 0)
			bench_fail("unlink", name, errno);
	}
	if (close(dfd) != 0)
		bench_fail("close", argv[1], errno);
	bench_report(t0);
	return 0;
}
