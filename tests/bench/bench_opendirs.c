/* bench_opendirs.c - opens DIR N times and reads one batch of entries from each, so the daemon
 * serves every handle, then holds them all until killed: one user's handles against the daemon. */
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include "bench_clock.h"

/* Prints "HELD ERROR" (how many are held, and what stopped it or "ok") once they are all held. */
int main(int argc, char **argv)
{
	long n = argc == 3 ? strtol(argv[2], NULL, 10) : 0;
	if (n <= 0) {
		fprintf(stderr, "usage: bench_opendirs DIR N\n");
		return 2;
	}
	long held = 0;
	int err = 0;
	for (; held < n; held++) {
		int fd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			err = errno;
			break;
		}
		DIR *dp = fdopendir(fd);
		if (!dp) {
			err = errno;
			close(fd);
			break;
		}
		errno = 0;
		if (!readdir(dp)) { /* an empty directory still has "." */
			err = errno ? errno : ENOENT;
			closedir(dp);
			break;
		}
	}
	printf("%ld %s\n", held, err ? strerror(err) : "ok");
	if (fflush(stdout) != 0)
		bench_fail("write", "stdout", errno);
	for (;;) /* the DIR streams stay open: the caller kills this process to close them */
		pause();
}
