/* mount_passthrough_test.c - the data modes through a real mount: passthrough shares pages with the
 * backing object at once (both ways, mmap included) and the daemon serves no read or write; the
 * daemon-served fallback keeps the documented subset; passthrough=on|off|bad are honoured. */
#include "mount_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define M (&g_mnt)
#define KiB 1024
#define MiB (1024 * 1024)

/* Passthrough is expected where the daemon runs as root and nothing forces the fallback. */
static bool expect_passthrough(void)
{
	const char *force = getenv("SHMFS_FORCE_NO_PASSTHROUGH");
	return mnt_is_root() && !(force && strcmp(force, "1") == 0);
}

START_TEST(test_mode_is_logged)
{
	g_autofree char *log = mnt_log_tail(M, 8192);
	if (expect_passthrough())
		ck_assert_msg(strstr(log, "data mode: passthrough"), "log:\n%s", log);
	else
		ck_assert_msg(strstr(log, "data mode: daemon-served ("), "log:\n%s", log);
}
END_TEST

/* Two views of one segment: MFD/MMAP through the mount, BFD/BMAP on the backing object. */
struct both {
	int mfd, bfd;
	char *mmap, *bmap;
	size_t len;
};

static void open_both(struct both *b, const char *name, size_t len)
{
	g_autofree char *mp = mnt_path(M, "%s", name), *bp = back_path(M, "%s", name);
	b->len = len;
	b->mfd = open(mp, O_RDWR | O_CREAT | O_EXCL, 0644);
	ck_assert_sys(b->mfd);
	ck_assert_sys(ftruncate(b->mfd, len));
	b->bfd = open(bp, O_RDWR);
	ck_assert_sys(b->bfd);
	b->mmap = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, b->mfd, 0);
	b->bmap = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, b->bfd, 0);
	ck_assert(b->mmap != MAP_FAILED && b->bmap != MAP_FAILED);
}

static void close_both(struct both *b)
{
	munmap(b->mmap, b->len);
	munmap(b->bmap, b->len);
	close(b->mfd);
	close(b->bfd);
}

static off_t size_of(int fd)
{
	struct stat st;
	ck_assert_sys(fstat(fd, &st));
	return st.st_size;
}

START_TEST(test_coherence)
{
	struct both b;
	char buf[16];
	open_both(&b, "coherent", 64 * KiB);
	bool pt = expect_passthrough();

	/* write(2) through the mount reaches the segment before it returns: every mode */
	ck_assert_int_eq(pwrite(b.mfd, "through-mount", 13, 100), 13);
	ck_assert_int_eq(pread(b.bfd, buf, 13, 100), 13);
	ck_assert(memcmp(buf, "through-mount", 13) == 0);
	ck_assert(memcmp(b.bmap + 100, "through-mount", 13) == 0);

	/* a store through a mapping of the mount, seen at once by a mapping of the segment */
	memcpy(b.mmap + 4096, "mount-store", 11);
	if (pt)
		ck_assert_msg(memcmp(b.bmap + 4096, "mount-store", 11) == 0,
			      "passthrough: a store through the mount's mapping is not in the segment");
	else
		ck_assert_sys(msync(b.mmap, b.len, MS_SYNC)); /* daemon-served: after msync */
	ck_assert(memcmp(b.bmap + 4096, "mount-store", 11) == 0);

	/* and the other way round, and pwrite/pread from the other side */
	memcpy(b.bmap + 8192, "shm-store", 9);
	ck_assert_int_eq(pwrite(b.bfd, "shm-pwrite", 10, 12288), 10);
	if (pt) {
		ck_assert_msg(memcmp(b.mmap + 8192, "shm-store", 9) == 0,
			      "passthrough: a store into the segment is not seen through the mount");
		ck_assert_int_eq(pread(b.mfd, buf, 10, 12288), 10);
		ck_assert(memcmp(buf, "shm-pwrite", 10) == 0);
	} else {
		/* daemon-served: an outside change shows on the next open */
		g_autofree char *mp = mnt_path(M, "coherent");
		int fd = open(mp, O_RDONLY);
		ck_assert_sys(fd);
		ck_assert_int_eq(pread(fd, buf, 10, 12288), 10);
		ck_assert(memcmp(buf, "shm-pwrite", 10) == 0);
		close(fd);
	}

	/* truncation from either side is seen by the other at once */
	ck_assert_sys(ftruncate(b.bfd, 32 * KiB));
	ck_assert_int_eq(size_of(b.mfd), 32 * KiB);
	ck_assert_sys(ftruncate(b.mfd, 48 * KiB));
	ck_assert_int_eq(size_of(b.bfd), 48 * KiB);
	close_both(&b);
}
END_TEST

/* Moves 64 MiB through a mount of its own, then reads the daemon's exit line. */
START_TEST(test_daemon_serves_no_io_in_passthrough)
{
	struct mnt m = { 0 };
	ck_assert_int_eq(mnt_start_sized(&m, "128m", NULL), 0);
	g_autofree char *p = mnt_path(&m, "moved");
	char *chunk = g_malloc(MiB);
	fill_pattern(chunk, MiB, 7);
	int fd = open(p, O_RDWR | O_CREAT, 0644);
	ck_assert_sys(fd);
	for (int i = 0; i < 64; i++)
		ck_assert_int_eq(write(fd, chunk, MiB), MiB);
	ck_assert_sys(lseek(fd, 0, SEEK_SET));
	for (int i = 0; i < 64; i++)
		ck_assert_int_eq(read(fd, chunk, MiB), MiB);
	char *map = mmap(NULL, 64 * MiB, PROT_READ, MAP_SHARED, fd, 0);
	ck_assert(map != MAP_FAILED);
	unsigned sum = 0;
	for (size_t i = 0; i < 64 * MiB; i += 4096)
		sum += (unsigned char)map[i];
	munmap(map, 64 * MiB);
	close(fd);
	g_free(chunk);

	int status;
	g_autofree char *log = mnt_stop_log(&m, &status);
	ck_assert_int_eq(status, 0);
	/* counters in the log only where the daemon serves data: a passthrough mount has none to give */
	unsigned long long reads = 0, writes = 0;
	const char *line = strstr(log, "shmfs: served ");
	if (expect_passthrough()) {
		ck_assert_msg(!line, "counters of a passthrough mount in the log:\n%s", log);
	} else {
		ck_assert_msg(line && sscanf(line, "shmfs: served %llu READ and %llu WRITE", &reads, &writes) == 2,
			      "no counters in the log:\n%s", log);
		ck_assert_uint_gt(reads, 0);
		ck_assert_uint_gt(writes, 0);
	}
	fprintf(stderr, "64 MiB written, read and mapped: the daemon served %llu READ and %llu WRITE "
		"requests (sum %u)\n", reads, writes, sum);
}
END_TEST

static unsigned long long used_bytes(const char *dir)
{
	struct statvfs sv;
	ck_assert_sys(statvfs(dir, &sv));
	return (unsigned long long)(sv.f_blocks - sv.f_bfree) * sv.f_frsize;
}

static void assert_reads(int fd, off_t off, const char *want)
{
	char buf[32] = { 0 };
	size_t len = strlen(want);
	ck_assert_int_eq(pread(fd, buf, len, off), (ssize_t)len);
	ck_assert_msg(memcmp(buf, want, len) == 0, "read %.*s at %lld, expected %s", (int)len, buf,
		      (long long)off, want);
}

/* One segment opened many times, in every access mode, opens and closes interleaved. Passthrough
 * gives the inode one backing file shared by all its opens and closes it after the last: an open
 * after the first close must still be served (a backing id closed too early makes the kernel
 * refuse it), one after the last close too (a new id), and once the segment is unlinked its pages
 * must come back (a backing id never closed keeps the file, and its pages, until unmount). */
START_TEST(test_opens_share_one_backing_file)
{
	struct mnt m = { 0 };
	ck_assert_int_eq(mnt_start_sized(&m, "64m", NULL), 0);
	g_autofree char *p = mnt_path(&m, "shared");
	unsigned long long before = used_bytes(m.backing);
	char *data = g_malloc(16 * MiB);
	fill_pattern(data, 16 * MiB, 11);

	int a, r, w, c, d;
	ck_assert_sys(a = open(p, O_RDWR | O_CREAT | O_EXCL, 0644));
	ck_assert_int_eq(write(a, data, 16 * MiB), 16 * MiB);
	ck_assert_sys(r = open(p, O_RDONLY));
	ck_assert_sys(w = open(p, O_WRONLY));
	ck_assert_sys(close(a));
	ck_assert_sys(c = open(p, O_RDWR)); /* after the first close */
	ck_assert_int_eq(pwrite(w, "from-w", 6, 4096), 6);
	assert_reads(c, 4096, "from-w");
	assert_reads(r, 4096, "from-w");
	ck_assert_int_eq(pwrite(c, "from-c", 6, 8 * MiB), 6);
	assert_reads(r, 8 * MiB, "from-c");
	ck_assert_sys(close(r));
	ck_assert_sys(close(w));
	ck_assert_sys(close(c));

	ck_assert_sys(d = open(p, O_RDONLY)); /* after the last close */
	assert_reads(d, 8 * MiB, "from-c");
	g_autofree char *got = g_malloc(MiB);
	ck_assert_int_eq(pread(d, got, MiB, 12 * MiB), MiB);
	ck_assert_int_eq(first_diff(got, data + 12 * MiB, MiB), -1);
	ck_assert_sys(close(d));
	g_free(data);

	ck_assert_uint_ge(used_bytes(m.backing), before + 16 * MiB);
	ck_assert_sys(unlink(p));
	double end = now_s() + 10; /* the kernel forgets the unlinked inode asynchronously */
	while (used_bytes(m.backing) > before + MiB && now_s() < end)
		usleep(20000);
	unsigned long long after = used_bytes(m.backing);
	int status;
	g_autofree char *log = mnt_stop_log(&m, &status);
	ck_assert_int_eq(status, 0);
	ck_assert_msg(after <= before + MiB, "16 MiB segment unlinked and closed, but %llu KiB of the "
		      "tmpfs stay used (%llu before): a backing file kept open?\nlog:\n%s",
		      after / KiB, before / KiB, log);
	/* shmfs's own and libfuse 3.17's messages for a backing file it could not register or close */
	ck_assert_msg(!strstr(log, "registering a backing file") && !strstr(log, "closing backing id") &&
		      !strstr(log, "passthrough_open") && !strstr(log, "passthrough_close"),
		      "backing file errors in the log:\n%s", log);
}
END_TEST

/* Runs shmfs -f with OPTS (and ENV) over fresh temporary directories; returns its exit status and
 * sets *OUT to what it printed. It is expected to refuse before mounting; if it mounted anyway,
 * timeout ends it and it is unmounted. */
static int run_shmfs(const char *env, const char *opts, char **out)
{
	g_autofree char *back = g_dir_make_tmp("shmfs-pt-back-XXXXXX", NULL);
	g_autofree char *mnt = g_dir_make_tmp("shmfs-pt-mnt-XXXXXX", NULL);
	ck_assert(back && mnt);
	g_autofree char *bin = q(getenv("SHMFS_BIN"));
	int status;
	*out = capture_status(&status, "%s timeout 10 %s -f %s %s -o %s 2>&1", env, bin, back, mnt, opts);
	run("fusermount3 -u %s 2>/dev/null", mnt);
	rmdir(mnt);
	rmdir(back);
	return status;
}

START_TEST(test_on_refused_without_privilege)
{
	g_autofree char *out = NULL;
	int status = run_shmfs("SHMFS_FORCE_NO_PASSTHROUGH=1", "passthrough=on", &out);
	ck_assert_int_eq(status, 1);
	ck_assert_msg(strstr(out, "passthrough=on refused: FUSE passthrough needs CAP_SYS_ADMIN"),
		      "output: %s", out);
}
END_TEST

START_TEST(test_bad_value_refused)
{
	g_autofree char *out = NULL;
	int status = run_shmfs("", "passthrough=maybe", &out);
	ck_assert_int_eq(status, 1);
	ck_assert_msg(strstr(out, "bad option passthrough=maybe: use auto, on or off"), "output: %s", out);
}
END_TEST

START_TEST(test_off_is_daemon_served)
{
	struct mnt m = { 0 };
	ck_assert_int_eq(mnt_start_sized(&m, "16m", "passthrough=off"), 0);
	g_autofree char *p = mnt_path(&m, "x"), *bp = back_path(&m, "x");
	ck_assert_int_eq(write_file(p, "off mode\n", 9), 0);
	ck_assert(file_equals(bp, "off mode\n", 9));
	int status;
	g_autofree char *log = mnt_stop_log(&m, &status);
	ck_assert_int_eq(status, 0);
	ck_assert_msg(strstr(log, "data mode: daemon-served (passthrough=off)"), "log:\n%s", log);
	ck_assert_msg(strstr(log, "served 0 READ and 1 WRITE"), "log:\n%s", log);
}
END_TEST

int main(void)
{
	mnt_require_fuse();
	Suite *s = suite_create("mount_passthrough");
	TCase *tc = mnt_tcase("auto", mnt_fixture_setup);
	tcase_add_test(tc, test_mode_is_logged);
	tcase_add_test(tc, test_coherence);
	tcase_add_test(tc, test_daemon_serves_no_io_in_passthrough);
	tcase_add_test(tc, test_opens_share_one_backing_file);
	tcase_add_test(tc, test_on_refused_without_privilege);
	tcase_add_test(tc, test_bad_value_refused);
	tcase_add_test(tc, test_off_is_daemon_served);
	suite_add_tcase(s, tc);
	return mnt_run_suite(s);
}
