/* mount_stress_test.c - load: 8 processes create, write with checksums, read back, truncate, rename,
 * mmap and unlink their own segments through the mount while another does the same in the backing
 * dir; no mismatch, no unexpected error, the daemon alive, and no fd or memory growth in it.
 * SHMFS_STRESS_SECONDS sets the time (default 3). */
#include "mount_harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define M (&g_mnt)
#define WORKERS 8
#define MAX_SEG (256 * 1024)
#define FD_SLACK 4
#define RSS_SLACK_KB (16 * 1024)

struct counts {
	long ops, mismatches, errors;
	char first_error[512];
};

/* The daemon's open fds but pipes; *PIPES counts the pipe ends. A libfuse worker thread keeps one
 * pipe for splicing READ replies as long as it lives: those follow the threads, not the files. */
static int daemon_fds(pid_t pid, int *pipes)
{
	g_autofree char *dir = g_strdup_printf("/proc/%d/fd", (int)pid);
	DIR *d = opendir(dir);
	ck_assert_msg(d != NULL, "opendir %s: %s", dir, g_strerror(errno));
	int n = 0;
	*pipes = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char target[64] = "";
		g_autofree char *link = g_strdup_printf("%s/%s", dir, e->d_name);
		if (readlink(link, target, sizeof(target) - 1) > 0 && g_str_has_prefix(target, "pipe:"))
			(*pipes)++;
		else
			n++;
	}
	closedir(d);
	return n;
}

/* The number of line KEY of /proc/PID/status (kB for the memory lines). */
static long status_kb(pid_t pid, const char *key)
{
	g_autofree char *value = proc_status(pid, key);
	return strtol(value, NULL, 10);
}

/* SHMFS_STRESS_SECONDS, or 3. */
static double stress_seconds(void)
{
	const char *env = getenv("SHMFS_STRESS_SECONDS");
	return env && *env ? g_ascii_strtod(env, NULL) : 3.0;
}

static uint64_t fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

#define FAIL_IF(cond, what)                                                                      \
	do {                                                                                     \
		if (cond) {                                                                      \
			c->errors++;                                                             \
			if (!c->first_error[0])                                                  \
				snprintf(c->first_error, sizeof c->first_error, "%s: %.200s (%s)", what, \
					 name, g_strerror(errno));                               \
			goto next;                                                               \
		}                                                                                \
	} while (0)

#define CHECK_SUM(buf, n, want, what)                                                            \
	do {                                                                                     \
		c->ops++;                                                                        \
		if (fnv((buf), (n)) != (want)) {                                                 \
			c->mismatches++;                                                         \
			if (!c->first_error[0])                                                  \
				snprintf(c->first_error, sizeof c->first_error, "mismatch: %s %.200s", what, name); \
		}                                                                                \
	} while (0)

/* One worker's loop over DIR (the mount or the backing dir), until END; its own names only. */
static void work(const char *dir, const char *backing, int id, double end, struct counts *c)
{
	uint8_t *buf = g_malloc(MAX_SEG), *rd = g_malloc(MAX_SEG);
	char name[PATH_MAX + 64], name2[PATH_MAX + 64], bname[PATH_MAX + 64];
	uint64_t seed = (uint64_t)id * 1000003u;
	for (long round = 0; now_s() < end; round++) {
		int fd = -1;
		uint8_t *map = MAP_FAILED;
		size_t n = 1 + (size_t)((seed * 2654435761u + (uint64_t)round * 40503u) % MAX_SEG);
		seed++;
		snprintf(name, sizeof name, "%s/w%d-%ld", dir, id, round);
		snprintf(name2, sizeof name2, "%s/w%d-%ld.renamed", dir, id, round);
		snprintf(bname, sizeof bname, "%s/w%d-%ld", backing, id, round);
		fill_pattern(buf, n, seed);
		uint64_t sum = fnv(buf, n);

		/* create + write */
		fd = open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
		FAIL_IF(fd < 0, "create");
		for (size_t done = 0; done < n;) {
			ssize_t w = write(fd, buf + done, n - done);
			FAIL_IF(w <= 0, "write");
			done += (size_t)w;
		}
		c->ops += 2;
		/* read back through the same fd, and from the backing name */
		ssize_t r = pread(fd, rd, n, 0);
		FAIL_IF(r != (ssize_t)n, "read back");
		CHECK_SUM(rd, n, sum, "read back");
		if (backing != dir) {
			int bfd = open(bname, O_RDONLY);
			FAIL_IF(bfd < 0, "open in backing");
			r = pread(bfd, rd, n, 0);
			close(bfd);
			FAIL_IF(r != (ssize_t)n, "read in backing");
			CHECK_SUM(rd, n, sum, "backing copy");
		}
		/* truncate to half: the prefix stays */
		size_t half = n / 2;
		FAIL_IF(ftruncate(fd, (off_t)half) < 0, "truncate");
		c->ops++;
		struct stat st;
		FAIL_IF(fstat(fd, &st) < 0 || (size_t)st.st_size != half, "size after truncate");
		r = pread(fd, rd, MAX_SEG, 0);
		FAIL_IF(r != (ssize_t)half, "read after truncate");
		CHECK_SUM(rd, half, fnv(buf, half), "after truncate");
		/* mmap: store the other half back, read it with read(2) */
		FAIL_IF(ftruncate(fd, (off_t)n) < 0, "grow");
		map = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		FAIL_IF(map == MAP_FAILED, "mmap");
		c->ops++;
		CHECK_SUM(map, half, fnv(buf, half), "mapped prefix");
		memcpy(map + half, buf + half, n - half);
		FAIL_IF(msync(map, n, MS_SYNC) < 0, "msync");
		munmap(map, n);
		map = MAP_FAILED;
		r = pread(fd, rd, n, 0);
		FAIL_IF(r != (ssize_t)n, "read after mmap store");
		CHECK_SUM(rd, n, sum, "after mmap store");
		close(fd);
		fd = -1;
		/* rename, stat, unlink */
		FAIL_IF(rename(name, name2) < 0, "rename");
		c->ops++;
		FAIL_IF(stat(name2, &st) < 0 || (size_t)st.st_size != n, "stat after rename");
		FAIL_IF(access(name, F_OK) == 0 || errno != ENOENT, "old name still there");
		fd = open(name2, O_RDONLY);
		FAIL_IF(fd < 0, "open renamed");
		r = pread(fd, rd, n, 0);
		FAIL_IF(r != (ssize_t)n, "read renamed");
		CHECK_SUM(rd, n, sum, "renamed");
		close(fd);
		fd = -1;
		FAIL_IF(unlink(name2) < 0, "unlink");
		c->ops++;
	next:
		if (map != MAP_FAILED)
			munmap(map, n);
		if (fd >= 0)
			close(fd);
		unlink(name);
		unlink(name2);
	}
	g_free(buf);
	g_free(rd);
}

START_TEST(test_stress)
{
	double seconds = stress_seconds();
	pid_t daemon = g_mnt.daemon;

	/* warm up: one round of every kind of request, so the daemon's lazily made state is counted */
	struct counts *shared = mmap(NULL, sizeof(struct counts) * (WORKERS + 1), PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert(shared != MAP_FAILED);
	memset(shared, 0, sizeof(struct counts) * (WORKERS + 1));
	struct counts warm = { 0 };
	work(g_mnt.mountpoint, g_mnt.backing, 99, now_s() + 0.2, &warm);
	ck_assert_msg(warm.errors == 0 && warm.mismatches == 0, "warm-up: %s", warm.first_error);
	usleep(300 * 1000);
	int pipes;
	int fds_before = daemon_fds(daemon, &pipes);
	long rss_before = status_kb(daemon, "VmRSS");

	double end = now_s() + seconds;
	pid_t pids[WORKERS + 1];
	for (int i = 0; i <= WORKERS; i++) {
		fflush(NULL);
		pids[i] = fork();
		ck_assert_sys(pids[i]);
		if (pids[i] == 0) {
			/* worker WORKERS works in the backing dir, behind the daemon's back */
			const char *dir = i == WORKERS ? g_mnt.backing : g_mnt.mountpoint;
			work(dir, g_mnt.backing, i, end, &shared[i]);
			_exit(0);
		}
	}
	/* the daemon keeps answering meanwhile */
	long stats = 0;
	while (now_s() < end) {
		struct stat st;
		ck_assert_sys(stat(g_mnt.mountpoint, &st));
		stats++;
		usleep(20000);
	}
	for (int i = 0; i <= WORKERS; i++) {
		int ws;
		ck_assert_int_eq(waitpid(pids[i], &ws, 0), pids[i]);
		ck_assert_msg(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "worker %d status %d", i, ws);
	}
	long ops = 0, mism = 0, errs = 0, backing_ops = shared[WORKERS].ops;
	for (int i = 0; i <= WORKERS; i++) {
		ops += shared[i].ops;
		mism += shared[i].mismatches;
		errs += shared[i].errors;
		if (shared[i].first_error[0])
			fprintf(stderr, "worker %d: first problem: %s\n", i, shared[i].first_error);
	}
	ck_assert_msg(mnt_alive(M), "the daemon died under load");

	/* settle: the kernel forgets the unlinked inodes, the daemon closes their fds */
	int fds_after = 0;
	long rss_after = 0;
	for (int i = 0; i < 50; i++) {
		usleep(100 * 1000);
		fds_after = daemon_fds(daemon, &pipes);
		rss_after = status_kb(daemon, "VmRSS");
		if (fds_after <= fds_before + FD_SLACK)
			break;
	}
	g_autofree char *left = capture("ls -A %s | wc -l", g_mnt.backing);
	fprintf(stderr, "stress: daemon after: RssAnon %ld kB, RssFile %ld kB, RssShmem %ld kB, threads %ld\n",
		status_kb(daemon, "RssAnon"), status_kb(daemon, "RssFile"), status_kb(daemon, "RssShmem"),
		status_kb(daemon, "Threads"));
	fprintf(stderr,
		"stress: %.1f s, %d workers through the mount + 1 in backing: %ld ops (%ld in backing), "
		"%ld mismatches, %ld errors, %ld stats; daemon fds %d -> %d (and %d pipe ends), "
		"VmRSS %ld kB -> %ld kB; %ld names left in backing\n",
		seconds, WORKERS, ops, backing_ops, mism, errs, stats, fds_before, fds_after, pipes,
		rss_before, rss_after,
		strtol(left, NULL, 10));
	ck_assert_msg(mism == 0, "%ld mismatches", mism);
	ck_assert_msg(errs == 0, "%ld unexpected errors", errs);
	ck_assert_msg(ops > WORKERS * 10, "too little done: %ld ops", ops);
	ck_assert_msg(fds_after <= fds_before + FD_SLACK, "the daemon's fds grew from %d to %d", fds_before,
		      fds_after);
	long threads = status_kb(daemon, "Threads");
	ck_assert_msg(pipes <= 2 * threads, "the daemon has %d pipe ends for %ld threads", pipes, threads);
#ifdef __SANITIZE_ADDRESS__
	/* Under ASan most of the daemon's RSS is freed memory that ASan holds back to catch a use after
	 * free (its quarantine, up to 256 MiB): it grows with the work done, 11 to 73 MB over 3 to 20 s
	 * here, against 1 to 3.5 MB without ASan. A leak is LeakSanitizer's to find in this build, when
	 * the daemon exits, and the fixture requires that exit to be 0. */
	(void)rss_after;
#else
	ck_assert_msg(rss_after <= rss_before + RSS_SLACK_KB, "the daemon's RSS grew from %ld kB to %ld kB",
		      rss_before, rss_after);
#endif
	munmap(shared, sizeof(struct counts) * (WORKERS + 1));
}
END_TEST

int main(void)
{
	mnt_require_fuse();
	Suite *s = suite_create("mount_stress");
	TCase *tc = mnt_tcase("stress", mnt_fixture_setup);
	tcase_set_timeout(tc, stress_seconds() + 60);
	tcase_add_test(tc, test_stress);
	suite_add_tcase(s, tc);
	return mnt_run_suite(s);
}
