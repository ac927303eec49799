/* bench_clock.h - what the benchmark's timing programs share: a monotonic clock in milliseconds
 * and the one way they fail (a message naming what failed, exit status 1). */
#ifndef BENCH_CLOCK_H
#define BENCH_CLOCK_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A benchmark that hits an error has no figure to give: it says what failed and stops. */
static inline _Noreturn void bench_fail(const char *what, const char *name, int err)
{
	fprintf(stderr, "%s %s: %s\n", what, name, err ? strerror(err) : "unexpected result");
	exit(1);
}

static inline double bench_now_ms(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		bench_fail("clock_gettime", "CLOCK_MONOTONIC", errno);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Every program prints its elapsed time alone on stdout; the script turns it into MB/s or ops/s. */
static inline void bench_report(double t0)
{
	printf("%.3f\n", bench_now_ms() - t0);
}

/* The pattern of a benchmark segment: each 8-byte word holds its own offset, so a read anywhere
 * can be checked without a second copy. */
static inline unsigned long long bench_pattern_sum(unsigned long long words)
{
	return words * (words - 1) / 2 * 8;
}

#endif
