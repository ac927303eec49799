/* sysvshm.c - /proc/sysvipc/shm read line by line, and a creator's pid checked against its start
 * time so that a pid used again is not taken for the creator. */
#include "sysvshm.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int sysvshm_list(const char *path, GArray *out)
{
	FILE *f = fopen(path ? path : "/proc/sysvipc/shm", "re");
	if (!f)
		return -errno;
	char line[512];
	int n = 0;
	if (!fgets(line, sizeof line, f)) { /* the header */
		fclose(f);
		return 0;
	}
	while (fgets(line, sizeof line, f)) {
		struct sysvshm s = { 0 };
		long long at, dt, ct;
		unsigned long long size, rss = 0, swap = 0;
		int cpid, lpid;
		int got = sscanf(line, "%d %d %o %llu %d %d %lu %u %u %u %u %lld %lld %lld %llu %llu",
				 &s.key, &s.shmid, &s.mode, &size, &cpid, &lpid, &s.nattch, &s.uid,
				 &s.gid, &s.cuid, &s.cgid, &at, &dt, &ct, &rss, &swap);
		if (got < 14)
			continue;
		s.size = size, s.cpid = cpid, s.lpid = lpid;
		s.atime = (time_t)at, s.dtime = (time_t)dt, s.ctime = (time_t)ct;
		s.rss = rss, s.swap = swap;
		g_array_append_val(out, s);
		n++;
	}
	fclose(f);
	return n;
}

/* The boot time (btime of /proc/stat), 0 when unknown. */
static time_t boot_time(void)
{
	FILE *f = fopen("/proc/stat", "re");
	char line[256];
	long long bt = 0;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "btime %lld", &bt) == 1)
			break;
	if (f)
		fclose(f);
	return (time_t)bt;
}

bool sysvshm_creator_gone(const struct sysvshm *seg)
{
	if (seg->cpid <= 0)
		return false;
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)seg->cpid);
	FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* field 22, starttime in clock ticks since boot, counted after the command's closing ')' */
	const char *p = strrchr(buf, ')');
	unsigned long long start;
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
			 &start) != 1)
		return false;
	time_t bt = boot_time();
	long hz = sysconf(_SC_CLK_TCK);
	if (!bt || hz <= 0)
		return false;
	/* btime is in whole seconds and starttime in ticks: 2 s of margin against rounding */
	return bt + (time_t)(start / (unsigned long long)hz) > seg->ctime + 2;
}
