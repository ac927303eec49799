/* bench_killwait.c - kill -9 of PID, then a statfs and a stat of PATH every millisecond, for at
 * most MS ms: how fast a mount whose daemon was killed fails with ENOTCONN, asked both ways. */
#include <signal.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>

#include "bench_clock.h"

/* One way of asking: when it first failed with ENOTCONN (ms after the kill), else what it last
 * gave. statfs always reaches the daemon; stat of the mount point may be answered by the kernel
 * from the attributes it keeps, which outlive the daemon. */
struct probe {
	double ms;
	int last; /* errno of the last answer, 0: it succeeded */
};

static void probe_note(struct probe *p, int failed, double t0)
{
	p->last = failed ? errno : 0;
	if (p->ms < 0 && p->last == ENOTCONN)
		p->ms = bench_now_ms() - t0;
}

static void probe_print(const char *name, const struct probe *p)
{
	if (p->ms >= 0)
		printf("%s=%.3f", name, p->ms);
	else
		printf("%s=never(%s)", name, p->last ? strerror(p->last) : "success");
}

/* Prints "statfs=MS stat=MS", "never(LAST)" for one that gave no ENOTCONN in time (exit status 3
 * when stat did not). A call that blocks in the dead mount blocks this program too: the caller
 * times it out and aborts the connection. */
int main(int argc, char **argv)
{
	long pid = argc == 4 ? strtol(argv[1], NULL, 10) : 0;
	if (pid <= 0) {
		fprintf(stderr, "usage: bench_killwait PID PATH MS\n");
		return 2;
	}
	double limit = strtod(argv[3], NULL), t0 = bench_now_ms();
	const struct timespec ms = { .tv_nsec = 1000000 };
	struct probe fs = { .ms = -1 }, st = { .ms = -1 };
	if (kill((pid_t)pid, SIGKILL) != 0)
		bench_fail("kill", argv[1], errno);
	while (st.ms < 0 && bench_now_ms() - t0 <= limit) {
		struct statfs sf;
		struct stat sb;
		probe_note(&fs, statfs(argv[2], &sf) != 0, t0);
		probe_note(&st, stat(argv[2], &sb) != 0, t0);
		if (st.ms < 0)
			nanosleep(&ms, NULL);
	}
	probe_print("statfs", &fs);
	putchar(' ');
	probe_print("stat", &st);
	putchar('\n');
	return st.ms >= 0 ? 0 : 3;
}
