/* mount_viewopt_test.c - -o views= through a real mount: shown lists the views; hidden lists none (in
 * READDIR and READDIRPLUS) but reads, stats and edits them by name, so du is the backing directory's;
 * off has no views at all; a bad value refuses to mount. */
#include "mount_harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#define M (&g_mnt)
#define DECL "int64 Col1; int64 Col2; int64 Col3"
#define RECORD 24
#define NAMES 300                       /* segments in the listing: many replies */
#define SPARSE_SIZE (4 * 1024 * 1024L)  /* a sparse typed segment: its view is about 12 MB */

/* With -d, as hidden: the log says which listing requests the kernel sent. */
static void setup_shown(void)
{
	setenv("SHMFS_TEST_DEBUG", "1", 1);
	mnt_fixture_start(NULL, "64m", NULL);
	unsetenv("SHMFS_TEST_DEBUG");
}

/* With -d: the log says which listing requests the kernel sent. */
static void setup_hidden(void)
{
	setenv("SHMFS_TEST_DEBUG", "1", 1);
	mnt_fixture_start(NULL, "64m", "views=hidden");
	unsetenv("SHMFS_TEST_DEBUG");
}

static void setup_off(void)
{
	mnt_fixture_start(NULL, "64m", "views=off");
}

/* Makes segment NAME in the backing directory, SIZE bytes, record I being {I, 10 I, 100 I} for
 * each of the first RECORDS, typed DECL by its xattr when TYPED. */
static void make_segment(const char *name, off_t size, int records, bool typed)
{
	g_autofree char *p = back_path(M, "%s", name);
	int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
	ck_assert_sys(fd);
	ck_assert_sys(ftruncate(fd, size));
	for (int64_t i = 0; i < records; i++) {
		int64_t rec[3] = { i, 10 * i, 100 * i };
		ck_assert_int_eq(pwrite(fd, rec, sizeof rec, i * RECORD), (ssize_t)sizeof rec);
	}
	close(fd);
	if (typed)
		ck_assert_sys(setxattr(p, "user.shmfs.type", DECL, strlen(DECL), 0));
}

/* NAMES segments seg000.., every third typed, the typed segment rec and the sparse typed big. */
static void make_segments(void)
{
	for (int i = 0; i < NAMES; i++) {
		g_autofree char *name = g_strdup_printf("seg%03d", i);
		make_segment(name, RECORD, 1, i % 3 == 0);
	}
	make_segment("rec", 100 * RECORD, 100, true);
	make_segment("big", SPARSE_SIZE, 3, true);
}

/* How many of the names that the shell command CMD prints, one a line, end in .txt; asserts that
 * it exits 0 and lists every segment. */
static int views_listed(const char *cmd)
{
	int st;
	g_autofree char *out = capture_status(&st, "%s", cmd);
	ck_assert_msg(st == 0, "`%s` exited %d", cmd, st);
	g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
	int segments = 0, views = 0;
	for (char **l = lines; *l; l++) {
		const char *base = strrchr(*l, '/') ? strrchr(*l, '/') + 1 : *l;
		views += g_str_has_suffix(base, ".txt");
		segments += g_str_has_prefix(base, "seg") && !g_str_has_suffix(base, ".txt");
	}
	ck_assert_msg(segments == NAMES, "`%s` lists %d segments seg*, not %d", cmd, segments, NAMES);
	return views;
}

/* The listings: readdir alone (ls -1f), with a stat of each name (ls -l, which the kernel answers
 * with READDIRPLUS), and a walk (find). Returns how many views they list in all. */
static int views_in_listings(const char *dir)
{
	g_autofree char *qd = q(dir);
	g_autofree char *plain = g_strdup_printf("ls -1af %s", qd);
	g_autofree char *longer = g_strdup_printf("ls -la %s | awk '{print $NF}'", qd);
	g_autofree char *walk = g_strdup_printf("find %s", qd);
	return views_listed(plain) + views_listed(longer) + views_listed(walk);
}

/* The first number du prints for DIR with the options OPTS. */
static long long du(const char *opts, const char *dir)
{
	g_autofree char *qd = q(dir);
	int st;
	g_autofree char *out = capture_status(&st, "du %s %s", opts, qd);
	ck_assert_msg(st == 0, "du %s %s exited %d", opts, dir, st);
	return strtoll(out, NULL, 10);
}

/* The view NAME.txt as cat reads it through the mount at MOUNTPOINT (g_free it). */
static char *cat_view(const char *mountpoint, const char *name, size_t *len)
{
	g_autofree char *p = g_strdup_printf("%s/%s.txt", mountpoint, name);
	char *text = read_file(p, len);
	ck_assert_msg(text, "read %s: %s", p, g_strerror(errno));
	return text;
}

/* True when directory DIR lists NAME. */
static bool lists(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	ck_assert_msg(d, "opendir %s: %s", dir, g_strerror(errno));
	bool found = false;
	for (struct dirent *e; (e = readdir(d));)
		found |= strcmp(e->d_name, name) == 0;
	closedir(d);
	return found;
}

/* How many READDIR and READDIRPLUS requests a listing of the mount sends, now that NAME is in it. */
static int listing_requests(const char *name)
{
	g_autofree char *before = mnt_log_tail(M, 256 * 1024 * 1024);
	ck_assert(lists(M->mountpoint, name));
	sleep_ms(200);
	g_autofree char *after = mnt_log_tail(M, 256 * 1024 * 1024);
	ck_assert(g_str_has_prefix(after, before));
	const char *log = after + strlen(before);
	return log_requests(log, "READDIR") + log_requests(log, "READDIRPLUS");
}

/* --- shown (the default) --- */

START_TEST(test_shown_lists_views_and_du_counts_them)
{
	make_segments();
	/* NAMES / 3 views of seg*, and rec.txt and big.txt, in each of the three listings */
	ck_assert_int_eq(views_in_listings(M->mountpoint), 3 * (NAMES / 3 + 2));
	struct stat st;
	g_autofree char *rec = mnt_path(M, "rec.txt"), *big = mnt_path(M, "big.txt");
	long long texts = 0;
	ck_assert_sys(stat(rec, &st));
	texts += st.st_size;
	ck_assert_sys(stat(big, &st));
	texts += st.st_size;
	for (int i = 0; i < NAMES; i += 3) {
		g_autofree char *p = mnt_path(M, "seg%03d.txt", i);
		ck_assert_sys(stat(p, &st));
		texts += st.st_size;
	}
	ck_assert_int_eq(du("-sb", M->mountpoint), du("-sb", M->backing) + texts);
	ck_assert_int_gt(du("-s", M->mountpoint), du("-s", M->backing) + SPARSE_SIZE / 1024);
}
END_TEST

/* The mtime of PATH, in nanoseconds. */
static int64_t mtime_ns(const char *path)
{
	struct stat st;
	ck_assert_sys(stat(path, &st));
	return (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
}

/* Views listed, and the listing kept (fs/listing.c): a listing again sends no READDIR, a view
 * that comes or goes with its segment's type, behind the mount or through it, shows at the next
 * listing, and the directory's mtime through the mount moves then, and only then. */
START_TEST(test_shown_listing_follows_types)
{
	make_segment("vk", RECORD, 1, true); /* (its view comes: the mount's mtime moves) */
	make_segment("vu", RECORD, 1, false);
	sleep_ms(50);
	make_segment("settle", RECORD, 1, false); /* the backing directory's mtime after that */
	ck_assert_msg(SEEN_WITHIN(0.1, NULL, lists(M->mountpoint, "settle")), "a new name not listed");
	ck_assert(lists(M->mountpoint, "vk.txt") && !lists(M->mountpoint, "vu.txt"));
	ck_assert_int_eq(listing_requests("vk.txt"), 0);
	ck_assert(mtime_ns(M->mountpoint) == mtime_ns(M->backing));

	g_autofree char *bu = back_path(M, "vu"), *bk = back_path(M, "vk"), *mk = mnt_path(M, "vk");
	ck_assert_sys(chmod(bu, 0600)); /* no view comes or goes: the mtime stays */
	sleep_ms(50);
	ck_assert(lists(M->mountpoint, "vk.txt") && !lists(M->mountpoint, "vu.txt"));
	ck_assert(mtime_ns(M->mountpoint) == mtime_ns(M->backing));

	ck_assert_sys(setxattr(bu, "user.shmfs.type", DECL, strlen(DECL), 0)); /* behind the mount */
	ck_assert_msg(SEEN_WITHIN(0.1, NULL, lists(M->mountpoint, "vu.txt")), "a new view not listed");
	ck_assert(mtime_ns(M->mountpoint) > mtime_ns(M->backing));
	ck_assert_sys(removexattr(bk, "user.shmfs.type"));
	ck_assert_msg(SEEN_WITHIN(0.1, NULL, !lists(M->mountpoint, "vk.txt")), "a view gone still listed");
	ck_assert_sys(setxattr(mk, "user.shmfs.type", DECL, strlen(DECL), 0)); /* through it */
	ck_assert(lists(M->mountpoint, "vk.txt"));
	ck_assert_sys(removexattr(mk, "user.shmfs.type"));
	ck_assert(!lists(M->mountpoint, "vk.txt"));
}
END_TEST

/* --- hidden --- */

START_TEST(test_hidden_lists_no_view)
{
	make_segments();
	g_autofree char *before = mnt_log_tail(M, 256 * 1024 * 1024);
	ck_assert_int_eq(views_in_listings(M->mountpoint), 0);
	ck_assert_int_eq(views_in_listings(M->mountpoint), 0); /* and again, from what the kernel holds */
	sleep_ms(200); /* the listings' requests are all in the log */
	g_autofree char *after = mnt_log_tail(M, 256 * 1024 * 1024);
	ck_assert(g_str_has_prefix(after, before));
	const char *log = after + strlen(before);
	int plain = log_requests(log, "READDIR"), plus = log_requests(log, "READDIRPLUS");
	fprintf(stderr, "hidden views: listed by none of %d READDIR and %d READDIRPLUS\n", plain, plus);
	ck_assert_int_gt(plain, 0);
	ck_assert_int_gt(plus, 0);
}
END_TEST

/* With no views listed the kernel keeps a directory's listing (fs/dir_ops.c): a listing again
 * sends no READDIR, and a change, through the mount or behind it, still shows at the next one. */
START_TEST(test_hidden_listing_kept_and_fresh)
{
	make_segment("kept", RECORD, 1, true); /* behind the mount: seen once the watcher says so */
	ck_assert_msg(SEEN_WITHIN(0.1, NULL, lists(M->mountpoint, "kept")), "a new name not listed");
	ck_assert_int_eq(listing_requests("kept"), 0);

	g_autofree char *bnew = back_path(M, "behind"), *bren = back_path(M, "renamed");
	ck_assert_int_eq(write_file(bnew, "b", 1), 0); /* behind the mount's back */
	ck_assert_msg(SEEN_WITHIN(0.1, NULL, lists(M->mountpoint, "behind")), "a new name not listed");
	ck_assert_sys(rename(bnew, bren));
	ck_assert_msg(SEEN_WITHIN(0.1, NULL, lists(M->mountpoint, "renamed") && !lists(M->mountpoint, "behind")),
		      "a rename not listed");
	ck_assert_sys(unlink(bren));
	ck_assert_msg(SEEN_WITHIN(0.1, NULL, !lists(M->mountpoint, "renamed")), "a removed name still listed");
	g_autofree char *mnew = mnt_path(M, "through");
	ck_assert_int_eq(write_file(mnew, "t", 1), 0); /* through the mount: listed at once */
	ck_assert(lists(M->mountpoint, "through"));
	ck_assert_sys(unlink(mnew));
	ck_assert(!lists(M->mountpoint, "through"));
}
END_TEST

START_TEST(test_hidden_view_found_by_name)
{
	make_segments();
	g_autofree char *p = mnt_path(M, "rec.txt");
	struct stat st;
	ck_assert_sys(stat(p, &st));
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_blocks, (st.st_size + 511) / 512);
	size_t len;
	g_autofree char *hidden = cat_view(M->mountpoint, "rec", &len);
	ck_assert_int_eq(len, st.st_size);
	ck_assert_msg(g_regex_match_simple("^ *99 +99 +990 +9900$", hidden, G_REGEX_MULTILINE, 0),
		      "rec.txt does not show record 99:\n%.600s", hidden);

	struct mnt shown; /* the same backing directory, views shown */
	ck_assert_int_eq(mnt_start(&shown, M->backing, NULL), 0);
	size_t shown_len;
	g_autofree char *text = cat_view(shown.mountpoint, "rec", &shown_len);
	ck_assert_int_eq(mnt_stop(&shown), 0);
	ck_assert_int_eq(shown_len, len);
	ck_assert_msg(memcmp(text, hidden, len) == 0, "rec.txt differs at byte %zd between views=hidden "
		      "and views=shown", first_diff(text, hidden, len));
}
END_TEST

START_TEST(test_hidden_view_edit)
{
	make_segments();
	g_autofree char *p = mnt_path(M, "rec.txt"), *qp = q(p);
	ck_assert_int_eq(run("echo '0 Col2=5' > %s", qp), 0);
	ck_assert_int_eq(run("echo '7 Col1=-3 Col3=123456789' > %s", qp), 0);
	g_autofree char *b = back_path(M, "rec");
	int fd = open(b, O_RDONLY);
	ck_assert_sys(fd);
	int64_t rec[3];
	ck_assert_int_eq(pread(fd, rec, sizeof rec, 0), (ssize_t)sizeof rec);
	ck_assert_msg(rec[0] == 0 && rec[1] == 5 && rec[2] == 0, "record 0: {%lld, %lld, %lld}",
		      (long long)rec[0], (long long)rec[1], (long long)rec[2]);
	ck_assert_int_eq(pread(fd, rec, sizeof rec, 7 * RECORD), (ssize_t)sizeof rec);
	ck_assert_msg(rec[0] == -3 && rec[1] == 70 && rec[2] == 123456789, "record 7: {%lld, %lld, %lld}",
		      (long long)rec[0], (long long)rec[1], (long long)rec[2]);
	close(fd);
	size_t len;
	g_autofree char *text = cat_view(M->mountpoint, "rec", &len);
	ck_assert_msg(g_regex_match_simple("^ *0 +0 +5 +0$", text, G_REGEX_MULTILINE, 0), "%.600s", text);
}
END_TEST

/* What hidden is for: du, cp -a and tar of the mount see the segments alone. */
START_TEST(test_hidden_du_cp_tar_see_segments_alone)
{
	make_segments();
	ck_assert_int_eq(du("-sb", M->mountpoint), du("-sb", M->backing));
	ck_assert_int_eq(du("-s", M->mountpoint), du("-s", M->backing));

	char dir[] = "/tmp/shmfs-viewopt-XXXXXX";
	ck_assert(mkdtemp(dir));
	g_autofree char *qd = q(dir), *qm = q(M->mountpoint), *qb = q(M->backing);
	ck_assert_int_eq(run("cp -a %s/. %s/copy && tar -cf %s/a.tar -C %s .", qm, qd, qd, qm), 0);
	g_autofree char *want = capture("cd %s && find . | LC_ALL=C sort", qb);
	g_autofree char *copied = capture("cd %s/copy && find . | LC_ALL=C sort", qd);
	g_autofree char *archived = capture("tar -tf %s/a.tar | sed 's|/$||' | LC_ALL=C sort", qd);
	ck_assert_msg(strstr(want, "./rec\n") && !strstr(want, ".txt"), "backing: %.300s", want);
	ck_assert_msg(strcmp(copied, want) == 0, "cp -a of the mount copied other names than the "
		      "backing directory's");
	ck_assert_msg(strcmp(archived, want) == 0, "tar of the mount has other names than the backing "
		      "directory's");
	ck_assert_int_eq(run("rm -rf %s", qd), 0);
}
END_TEST

/* --- off --- */

START_TEST(test_off_has_no_views)
{
	make_segments();
	ck_assert_int_eq(views_in_listings(M->mountpoint), 0);
	g_autofree char *p = mnt_path(M, "rec.txt"), *seg = mnt_path(M, "rec");
	struct stat st;
	ck_assert_errno(stat(p, &st), ENOENT);
	ck_assert_errno(open(p, O_RDONLY), ENOENT);
	ck_assert_errno(open(p, O_WRONLY), ENOENT);
	ck_assert_errno(unlink(p), ENOENT); /* not EPERM: there is no view to protect */
	ck_assert_sys(stat(seg, &st));
	ck_assert_int_eq(st.st_size, 100 * RECORD);
	/* the segment itself is there as ever */
	ck_assert_int_eq(du("-sb", M->mountpoint), du("-sb", M->backing));
}
END_TEST

/* --- a bad value --- */

START_TEST(test_bad_value_refused)
{
	/* on tmpfs, or shmfs warns that it is not before it reads the option */
	char backing[] = "/dev/shm/shmfs-viewopt-XXXXXX", mp[] = "/tmp/shmfs-viewopt-XXXXXX";
	ck_assert(mkdtemp(backing) && mkdtemp(mp));
	g_autofree char *bin = q(getenv("SHMFS_BIN"));
	const char *bad[] = { "foo", "", "Hidden", "shown,views=bar" };
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		int st;
		g_autofree char *out = capture_status(&st, "%s %s %s -f -o views=%s 2>&1", bin, backing, mp,
						      bad[i]);
		const char *named = strrchr(bad[i], '=') ? strrchr(bad[i], '=') + 1 : bad[i];
		g_autofree char *want = g_strdup_printf("shmfs: bad option views=%s: use shown, hidden or "
							"off\n", named);
		ck_assert_str_eq(out, want);
		ck_assert_int_eq(st, 1);
		ck_assert_msg(!mounted_at(mp), "views=%s: something is mounted at %s", bad[i], mp);
	}
	ck_assert_sys(rmdir(backing));
	ck_assert_sys(rmdir(mp));
}
END_TEST

int main(void)
{
	mnt_require_fuse();
	Suite *s = suite_create("mount_viewopt");
	TCase *shown = mnt_tcase("shown", setup_shown);
	tcase_add_test(shown, test_shown_lists_views_and_du_counts_them);
	tcase_add_test(shown, test_shown_listing_follows_types);
	suite_add_tcase(s, shown);
	TCase *hidden = mnt_tcase("hidden", setup_hidden);
	tcase_add_test(hidden, test_hidden_lists_no_view);
	tcase_add_test(hidden, test_hidden_listing_kept_and_fresh);
	tcase_add_test(hidden, test_hidden_view_found_by_name);
	tcase_add_test(hidden, test_hidden_view_edit);
	tcase_add_test(hidden, test_hidden_du_cp_tar_see_segments_alone);
	suite_add_tcase(s, hidden);
	TCase *off = mnt_tcase("off", setup_off);
	tcase_add_test(off, test_off_has_no_views);
	suite_add_tcase(s, off);
	TCase *bad = tcase_create("bad_value"); /* mounts nothing */
	tcase_add_test(bad, test_bad_value_refused);
	suite_add_tcase(s, bad);
	return mnt_run_suite(s);
}
