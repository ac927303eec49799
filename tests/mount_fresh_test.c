/* mount_fresh_test.c - changes made directly in the backing directory (as shm_open users make them)
 * are seen through a real shmfs mount: at once with -o cache=off, within 10 ms with the default
 * cache=watch (inotify-driven invalidation). No stale attribute, entry, listing or page cache. */
#include "mount_harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define M (&g_mnt)
#define ROUNDS 200

/* How long an outside change may take to show through the mount: 0 with cache=off; with
 * cache=watch, the time for inotify to report it and the daemon to drop what the kernel kept. */
static double g_window;
static double g_worst; /* the longest wait this test saw */

static bool note_wait(bool seen, double waited)
{
	if (waited > g_worst)
		g_worst = waited;
	return seen;
}

#define SEEN(cond)                                                                          \
	({                                                                                  \
		double w_;                                                                  \
		bool s_ = SEEN_WITHIN(g_window, &w_, cond);                                 \
		note_wait(s_, w_);                                                          \
	})

static void report_worst(const char *test)
{
	fprintf(stderr, "%s: the longest wait for an outside change to show: %.3f ms (window %.0f ms)\n",
		test, g_worst * 1e3, g_window * 1e3);
}

static off_t size_of(const char *path)
{
	return xlstat(path).st_size;
}

static off_t fsize_of(int fd)
{
	struct stat st;
	ck_assert_sys(fstat(fd, &st));
	return st.st_size;
}

static bool gone(const char *path)
{
	return lstat(path, &(struct stat){ 0 }) < 0 && errno == ENOENT;
}

/* True when DIR lists NAME. */
static bool lists(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;

	ck_assert_msg(d, "opendir %s: %s", dir, g_strerror(errno));
	while ((e = readdir(d)))
		if (strcmp(e->d_name, name) == 0)
			found = true;
	closedir(d);
	return found;
}

START_TEST(test_fresh_size_and_unlink)
{
	/* the same name each round: a cached entry, attribute or negative entry would show */
	g_autofree char *bp = back_path(M, "seg"), *mp = mnt_path(M, "seg");
	for (int i = 0; i < ROUNDS; i++) {
		off_t s1 = 4096L * i + i + 1, s2 = 3 * s1 + 7 + (off_t)i * 1000000;
		int fd = open(bp, O_RDWR | O_CREAT | O_EXCL, 0600);
		ck_assert_sys(fd);
		ck_assert_sys(ftruncate(fd, s1));
		ck_assert_msg(SEEN(size_of(mp) == s1), "round %d: size %lld through the mount, %lld in the backing dir",
			      i, (long long)size_of(mp), (long long)s1);
		ck_assert_uint_eq(xlstat(mp).st_ino, xlstat(bp).st_ino);

		int mfd = open(mp, O_RDONLY);
		ck_assert_sys(mfd);
		ck_assert_sys(ftruncate(fd, s2));
		ck_assert_msg(SEEN(size_of(mp) == s2), "round %d: stat after the second ftruncate", i);
		ck_assert_msg(SEEN(fsize_of(mfd) == s2), "round %d: fstat of an open fd: %lld, want %lld", i,
			      (long long)fsize_of(mfd), (long long)s2);
		ck_assert_sys(ftruncate(fd, s1 / 2));
		ck_assert_msg(SEEN(fsize_of(mfd) == s1 / 2), "round %d: fstat after a third ftruncate", i);
		close(mfd);
		close(fd);

		ck_assert_sys(unlink(bp));
		ck_assert_msg(SEEN(gone(mp)), "round %d: unlinked segment still visible", i);
		ck_assert_errno(open(mp, O_RDONLY), ENOENT);
	}
	report_worst("size and unlink");
}
END_TEST

START_TEST(test_fresh_readdir)
{
	for (int i = 0; i < ROUNDS; i++) {
		g_autofree char *name = g_strdup_printf("r%d", i % 7);
		g_autofree char *bp = back_path(M, "%s", name);
		ck_assert_int_eq(write_file(bp, "x", 1), 0);
		ck_assert_msg(SEEN(lists(g_mnt.mountpoint, name)), "round %d: new %s not listed", i, name);
		ck_assert_sys(unlink(bp));
		ck_assert_msg(SEEN(!lists(g_mnt.mountpoint, name)), "round %d: removed %s still listed", i, name);
	}
	/* and in a subdirectory */
	g_autofree char *bd = back_path(M, "sub"), *md = mnt_path(M, "sub");
	ck_assert_sys(mkdir(bd, 0755));
	for (int i = 0; i < ROUNDS / 4; i++) {
		g_autofree char *bp = back_path(M, "sub/f");
		ck_assert_int_eq(write_file(bp, "x", 1), 0);
		ck_assert_msg(SEEN(lists(md, "f")), "round %d: sub/f not listed", i);
		ck_assert_sys(unlink(bp));
		ck_assert_msg(SEEN(!lists(md, "f")), "round %d: sub/f still listed", i);
	}
	ck_assert_sys(rmdir(bd));
	ck_assert_msg(SEEN(gone(md)), "a removed directory still visible");
	report_worst("readdir");
}
END_TEST

START_TEST(test_fresh_mode_owner)
{
	static const mode_t modes[] = { 0600, 0640, 0644, 0400, 0755, 0000, 0666, 04711 };
	g_autofree char *bp = back_path(M, "perm"), *mp = mnt_path(M, "perm");
	ck_assert_int_eq(write_file(bp, "x", 1), 0);
	for (int i = 0; i < ROUNDS; i++) {
		mode_t m = modes[i % G_N_ELEMENTS(modes)];
		if (mnt_is_root())
			ck_assert_sys(chown(bp, 1000 + i, 2000 + i));
		ck_assert_sys(chmod(bp, m));
		ck_assert_msg(SEEN((xlstat(mp).st_mode & 07777) == m), "round %d: mode %o through the mount, %o set",
			      i, xlstat(mp).st_mode & 07777, m);
		if (mnt_is_root()) {
			struct stat st = xlstat(mp);
			ck_assert_uint_eq(st.st_uid, 1000 + i);
			ck_assert_uint_eq(st.st_gid, 2000 + i);
		}
	}
	unlink(bp);
	report_worst("mode and owner");
}
END_TEST

START_TEST(test_fresh_data)
{
	/* Same size every round. Rounds of three kinds: a store through a mapping (tmpfs does not touch
	 * mtime for those) and a pwrite whose old times are put back show on the next open, which
	 * drops the page cache (file_ops.c, every cache mode); a plain pwrite (a new mtime) shows with
	 * cache=watch also to an fd held open through the mount since before, within the window: the
	 * daemon drops the file's attributes, and the kernel its pages on the new mtime. (Passthrough
	 * reads never use the page cache; cache=off watches nothing.) */
	const size_t n = 64 * 1024;
	g_autofree char *bp = back_path(M, "data"), *mp = mnt_path(M, "data");
	g_autofree char *buf = g_malloc(n), *got = g_malloc(n);
	int bfd = open(bp, O_RDWR | O_CREAT | O_EXCL, 0644);
	ck_assert_sys(bfd);
	ck_assert_sys(ftruncate(bfd, n));
	char *map = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, bfd, 0);
	ck_assert(map != MAP_FAILED);
	struct stat st0;
	ck_assert_sys(fstat(bfd, &st0));
	int held = open(mp, O_RDONLY);
	ck_assert_sys(held);
	static const char *const kinds[] = { "mapping", "pwrite, old times", "pwrite" };
	for (int i = 0; i < 3 * ROUNDS / 2; i++) {
		int kind = i % 3;
		fill_pattern(buf, n, i);
		if (kind == 0) {
			memcpy(map, buf, n);
		} else {
			ck_assert_int_eq(pwrite(bfd, buf, n, 0), (ssize_t)n);
			if (kind == 1)
				ck_assert_sys(futimens(bfd, (struct timespec[2]){ st0.st_atim, st0.st_mtim }));
		}
		if (kind == 2)
			ck_assert_msg(g_window == 0 ||
					      SEEN(pread(held, got, n, 0) == (ssize_t)n && memcmp(got, buf, n) == 0),
				      "round %d: an fd held open through the mount reads stale bytes after a pwrite", i);
		int fd = open(mp, O_RDONLY);
		ck_assert_sys(fd);
		ck_assert_int_eq(read(fd, got, n), (ssize_t)n);
		ssize_t d = first_diff(got, buf, n);
		ck_assert_msg(d < 0, "round %d (%s): byte %zd read through the mount is stale", i, kinds[kind], d);
		close(fd);
	}
	report_worst("data");
	close(held);
	munmap(map, n);
	close(bfd);
	unlink(bp);
}
END_TEST

START_TEST(test_fresh_rename_and_dirs)
{
	g_autofree char *ba = back_path(M, "ren.a"), *bb = back_path(M, "ren.b");
	g_autofree char *ma = mnt_path(M, "ren.a"), *mb = mnt_path(M, "ren.b");
	g_autofree char *bd = back_path(M, "ren.d"), *md = mnt_path(M, "ren.d");
	struct stat st;
	umask(0); /* the modes below are the modes asked for */
	for (int i = 0; i < ROUNDS; i++) {
		char text[32];
		snprintf(text, sizeof text, "round %d", i);
		ck_assert_int_eq(write_file(ba, text, strlen(text)), 0);
		ck_assert(file_equals(ma, text, strlen(text)));
		ck_assert_sys(rename(ba, bb));
		ck_assert_msg(SEEN(gone(ma)), "round %d: old name still there", i);
		ck_assert(file_equals(mb, text, strlen(text)));
		ck_assert_sys(unlink(bb));

		/* a directory appears and goes; a file takes its name */
		ck_assert_sys(mkdir(bd, 0700 + (i % 8)));
		ck_assert_msg(SEEN(lstat(md, &st) == 0 && S_ISDIR(st.st_mode)), "round %d: new dir not seen", i);
		ck_assert_uint_eq(st.st_mode & 0777, 0700 + (i % 8));
		ck_assert_sys(rmdir(bd));
		ck_assert_int_eq(write_file(bd, text, strlen(text)), 0);
		ck_assert_msg(SEEN(lstat(md, &st) == 0 && S_ISREG(st.st_mode)),
			      "round %d: a dir replaced by a file still shows as a dir", i);
		ck_assert(file_equals(md, text, strlen(text)));
		ck_assert_sys(unlink(bd));
		ck_assert_msg(SEEN(gone(md)), "round %d: removed file still visible", i);
	}
	report_worst("rename and dirs");
}
END_TEST

static void setup_watch(void)
{
	g_window = MNT_WATCH_WINDOW;
	mnt_fixture_start(NULL, NULL, NULL);
}

static void setup_off(void)
{
	g_window = 0;
	mnt_fixture_start(NULL, NULL, "cache=off");
}

/* What the cache is for: a listing the kernel holds already (a second ls -l) asks the daemon
 * nothing: no READDIR (the kernel keeps the listing, fs/listing.c), and no LOOKUP, GETATTR or
 * GETXATTR of any name (its cached ACLs are kept too: a READDIRPLUS entry of an inode the kernel
 * holds comes without attributes, fs/dir_ops.c). Counted in the daemon's -d log, its own mount. */
#define HELD 300

START_TEST(test_held_listing_asks_nothing)
{
	struct mnt m;
	setenv("SHMFS_TEST_DEBUG", "1", 1);
	int rc = mnt_start(&m, NULL, NULL);
	unsetenv("SHMFS_TEST_DEBUG");
	ck_assert_int_eq(rc, 0);
	for (int i = 0; i < HELD; i++) {
		g_autofree char *b = back_path(&m, "held%03d", i);
		ck_assert_int_eq(write_file(b, "x", 1), 0);
	}
	g_autofree char *qm = q(m.mountpoint);
	g_autofree char *first = capture("ls -l %s | wc -l", qm);
	ck_assert_int_eq(atoi(first), HELD + 1);
	sleep_ms(200); /* the first listing's requests are all in the log */
	g_autofree char *before = mnt_log_tail(&m, 64 * 1024 * 1024);
	g_autofree char *second = capture("ls -l %s | wc -l", qm);
	ck_assert_int_eq(atoi(second), HELD + 1);
	sleep_ms(200);
	g_autofree char *after = mnt_log_tail(&m, 64 * 1024 * 1024);
	ck_assert(g_str_has_prefix(after, before));
	const char *log = after + strlen(before);
	int lookups = log_requests(log, "LOOKUP"), getattrs = log_requests(log, "GETATTR"),
	    xattrs = log_requests(log, "GETXATTR"), listings = log_requests(log, "READDIR") +
							     log_requests(log, "READDIRPLUS");
	fprintf(stderr, "a held listing of %d names: %d LOOKUP, %d GETATTR, %d GETXATTR, %d "
		"READDIR(PLUS)\n", HELD, lookups, getattrs, xattrs, listings);
	ck_assert_int_eq(listings, 0);
	/* a few for the directory itself (its ACLs, security.selinux once), none per name */
	ck_assert_int_lt(lookups + getattrs + xattrs, 10);
	ck_assert_int_eq(mnt_stop(&m), 0);
}
END_TEST

int main(void)
{
	mnt_require_fuse();
	Suite *s = suite_create("mount_fresh");
	/* Each test runs against both modes: the default, and cache=off, where "at once" is meant
	 * literally. */
	TCase *cases[] = { mnt_tcase("watch", setup_watch), mnt_tcase("at_once", setup_off) };
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		tcase_add_test(cases[i], test_fresh_size_and_unlink);
		tcase_add_test(cases[i], test_fresh_readdir);
		tcase_add_test(cases[i], test_fresh_mode_owner);
		tcase_add_test(cases[i], test_fresh_data);
		tcase_add_test(cases[i], test_fresh_rename_and_dirs);
		suite_add_tcase(s, cases[i]);
	}
	TCase *held = tcase_create("held_listing"); /* mounts its own shmfs, with -d */
	tcase_add_test(held, test_held_listing_asks_nothing);
	suite_add_tcase(s, held);
	return mnt_run_suite(s);
}
