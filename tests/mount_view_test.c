/* mount_view_test.c - typed segments through a real mount: NAME.txt views come and go with the
 * xattr and the types file, read as the records' text, edit exactly the bytes meant, explain bad types. */
#include "mount_harness.h"
#include "mount_typed.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#define M (&g_mnt)
#define SEED_DECL "int64 Col1; int64 Col2; int64 Col3"
#define SEED_SIZE 4000000000LL

static char types_path[PATH_MAX];

static void write_types(const char *text)
{
	g_autoptr(GError) err = NULL;
	if (!g_file_set_contents(types_path, text, -1, &err)) {
		fprintf(stderr, "mount_view_test: %s\n", err->message);
		exit(1);
	}
}

static const char *const initial_types = "# segments named typed_* hold pairs of int32\n"
					 "[typed_*]\n"
					 "type = int32 a; int32 b\n";

static void setup_views(void)
{
	snprintf(types_path, sizeof(types_path), "/tmp/shmfs-types-%d.conf", (int)getpid());
	write_types(initial_types);
	g_autofree char *opt = g_strdup_printf("types=%s", types_path);
	mnt_fixture_start(NULL, "64m", opt);
}

static void teardown_views(void)
{
	mnt_fixture_teardown();
	unlink(types_path);
}

static bool view_exists(const char *name)
{
	g_autofree char *p = mnt_path(M, "%s.txt", name);
	struct stat st;
	return stat(p, &st) == 0;
}

static bool listed(const char *entry)
{
	g_autofree char *out = capture("ls -1 %s", g_mnt.mountpoint);
	g_auto(GStrv) names = g_strsplit(out, "\n", -1);
	int seen = 0;
	for (int i = 0; names[i]; i++)
		seen += strcmp(names[i], entry) == 0;
	ck_assert_int_le(seen, 1);
	return seen == 1;
}

START_TEST(test_view_follows_xattr)
{
	int64_t rec[6] = { 1, 2, 3, -4, 5, 6 };
	make_segment("plain", sizeof(rec), rec, sizeof(rec));
	ck_assert(!view_exists("plain"));
	ck_assert(!listed("plain.txt"));

	set_type("plain", SEED_DECL);
	ck_assert(view_exists("plain"));
	ck_assert(listed("plain.txt"));
	g_autofree char *text = read_view("plain");
	g_auto(GStrv) lines = record_lines(text);
	ck_assert_uint_eq(g_strv_length(lines), 2);
	long long i, a, b, c;
	ck_assert_int_eq(sscanf(lines[0], "%lld %lld %lld %lld", &i, &a, &b, &c), 4);
	ck_assert(i == 0 && a == 1 && b == 2 && c == 3);
	ck_assert_int_eq(sscanf(lines[1], "%lld %lld %lld %lld", &i, &a, &b, &c), 4);
	ck_assert(i == 1 && a == -4 && b == 5 && c == 6);
	ck_assert_uint_eq(strlen(lines[0]), strlen(lines[1]));

	/* the header names the type and the count */
	ck_assert_msg(strstr(text, "Col3") && strstr(text, "int64"), "header:\n%s", text);

	/* removing the type through the mount removes the view */
	g_autofree char *seg = mnt_path(M, "plain");
	ck_assert_int_eq(run("setfattr -x user.shmfs.type %s", seg), 0);
	ck_assert(!view_exists("plain"));
	ck_assert(!listed("plain.txt"));
}
END_TEST

START_TEST(test_view_follows_types_file)
{
	int32_t pairs[4] = { 1, 2, 3, 4 };
	make_segment("typed_one", sizeof(pairs), pairs, sizeof(pairs));
	make_segment("untyped", sizeof(pairs), pairs, sizeof(pairs));
	ck_assert(!view_exists("untyped"));
	ck_assert(listed("typed_one.txt"));
	g_autofree char *text = read_view("typed_one");
	g_auto(GStrv) lines = record_lines(text);
	ck_assert_uint_eq(g_strv_length(lines), 2);
	long long i, a, b;
	ck_assert_int_eq(sscanf(lines[1], "%lld %lld %lld", &i, &a, &b), 3);
	ck_assert(i == 1 && a == 3 && b == 4);

	/* a changed types file is read again, no remount */
	write_types("[typed_*]\ntype = int64 v\n");
	g_autofree char *text2 = read_view("typed_one");
	g_auto(GStrv) lines2 = record_lines(text2);
	ck_assert_uint_eq(g_strv_length(lines2), 2);
	unsigned long long v;
	ck_assert_int_eq(sscanf(lines2[0], "%lld %llu", &i, &v), 2);
	ck_assert_uint_eq(v, 1ULL | (2ULL << 32));

	/* a malformed file is ignored (and logged): the view goes, the daemon stays; an xattr still
	 * gives a view */
	write_types("[typed_*]\nthis line is not a key file line\n");
	ck_assert(!view_exists("typed_one"));
	set_type("untyped", "int32 a; int32 b");
	ck_assert(view_exists("untyped"));
	ck_assert(mnt_alive(M));

	write_types(initial_types);
	ck_assert(view_exists("typed_one"));
	g_autofree char *log = mnt_log_tail(M, 4096);
	ck_assert_msg(strstr(log, "not a key file line"), "no log line for the bad types file:\n%s", log);
}
END_TEST

START_TEST(test_view_of_seed_segment)
{
	int64_t rec[3] = { 100, 876, 8021 };
	make_segment("my_shm", SEED_SIZE, rec, sizeof(rec));
	set_type("my_shm", SEED_DECL);

	g_autofree char *view = mnt_path(M, "my_shm.txt");
	g_autofree char *qv = q(view);
	g_autofree char *first = capture("head -n 20 %s | awk '!/^#/ {print $1, $2, $3, $4; exit}'", qv);
	ck_assert_str_eq(first, "0 100 876 8021\n");

	/* the last 4 KiB of the text: the last record, at once, and nothing of the segment allocated */
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	g_autofree char *tail = capture("tail -c 4096 %s", qv);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "tail -c 4096 of the view of a 4,000,000,000-byte segment: %.1f ms\n",
		(t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	ck_assert_uint_eq(strlen(tail), 4096);
	g_auto(GStrv) lines = g_strsplit(g_strchomp(tail), "\n", -1);
	guint n = g_strv_length(lines);
	long long i, a, b, c;
	ck_assert_int_eq(sscanf(lines[n - 1], "%lld %lld %lld %lld", &i, &a, &b, &c), 4);
	ck_assert_int_eq(i, 166666665);
	ck_assert(a == 0 && b == 0 && c == 0);

	g_autofree char *seg = back_path(M, "my_shm");
	struct stat st;
	ck_assert_sys(stat(seg, &st));
	ck_assert_msg(st.st_blocks < 64, "reading the view allocated %lld blocks", (long long)st.st_blocks);
	unlink(seg);
}
END_TEST

/* The bytes of segment NAME (LEN of them). */
START_TEST(test_view_edit_changes_exactly_the_field)
{
	int64_t before[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, after[9];
	make_segment("ed", sizeof(before), before, sizeof(before));
	set_type("ed", SEED_DECL);
	g_autofree char *view = mnt_path(M, "ed.txt");
	g_autofree char *qv = q(view);

	ck_assert_int_eq(run("echo '1 Col2=900' > %s", qv), 0);
	segment_bytes("ed", after, sizeof(after));
	before[4] = 900;
	ck_assert_int_eq(first_diff(before, after, sizeof(after)), -1);

	ck_assert_int_eq(run("printf '# a comment\\n2 Col1=-5 Col3=0x10\\n\\n0 Col1=42\\n' > %s", qv), 0);
	segment_bytes("ed", after, sizeof(after));
	before[6] = -5, before[8] = 16, before[0] = 42;
	ck_assert_int_eq(first_diff(before, after, sizeof(after)), -1);

	/* and the view shows it */
	g_autofree char *text = read_view("ed");
	g_auto(GStrv) lines = record_lines(text);
	long long i, a, b, c;
	ck_assert_int_eq(sscanf(lines[1], "%lld %lld %lld %lld", &i, &a, &b, &c), 4);
	ck_assert(i == 1 && a == 4 && b == 900 && c == 6);
}
END_TEST

START_TEST(test_view_bad_edit_changes_nothing)
{
	int64_t before[6] = { 1, 2, 3, 4, 5, 6 }, after[6];
	make_segment("bad", sizeof(before), before, sizeof(before));
	set_type("bad", SEED_DECL);
	g_autofree char *view = mnt_path(M, "bad.txt");
	const char *bad[] = {
		"0 Col9=1",                        /* unknown field */
		"0 Col1=1\\n2 Col1=1",             /* second line: index past the end */
		"1 Col2=99999999999999999999",     /* out of range for int64 */
		"1 Col2=12abc",                    /* not a number */
		"x Col1=1",                        /* not an index */
	};
	for (size_t k = 0; k < G_N_ELEMENTS(bad); k++) {
		int fd = open(view, O_WRONLY);
		ck_assert_sys(fd);
		g_autofree char *line = g_strcompress(bad[k]);
		errno = 0;
		ssize_t n = write(fd, line, strlen(line));
		ck_assert_msg(n == -1 && errno == EINVAL, "edit '%s': write gave %zd (%s)", bad[k], n,
			      g_strerror(errno));
		close(fd);
		segment_bytes("bad", after, sizeof(after));
		ck_assert_msg(first_diff(before, after, sizeof(after)) == -1, "edit '%s' changed bytes",
			      bad[k]);
	}
	ck_assert(mnt_alive(M));
}
END_TEST

START_TEST(test_view_explains_bad_type)
{
	make_segment("odd", 64, NULL, 0);
	set_type("odd", "int64 Col1;\nint65 x");
	g_autofree char *text = read_view("odd");
	ck_assert_msg(strstr(text, "line 2, col 1: unknown type 'int65'"), "view:\n%s", text);
	g_auto(GStrv) lines = record_lines(text);
	ck_assert_uint_eq(g_strv_length(lines), 0);

	/* edits of it are refused */
	g_autofree char *view = mnt_path(M, "odd.txt");
	int fd = open(view, O_WRONLY);
	ck_assert_sys(fd);
	ck_assert_errno(write(fd, "0 x=1\n", 6), EINVAL);
	close(fd);
}
END_TEST

START_TEST(test_real_file_wins_over_view)
{
	make_segment("w", 24, NULL, 0);
	set_type("w", SEED_DECL);
	make_segment("w.txt", 0, NULL, 0);
	g_autofree char *real = back_path(M, "w.txt");
	ck_assert_int_eq(write_file(real, "hello\n", 6), 0);
	g_autofree char *p = mnt_path(M, "w.txt");
	ck_assert(file_equals(p, "hello\n", 6));
	ck_assert(listed("w.txt"));
}
END_TEST

START_TEST(test_view_cannot_be_removed_or_renamed)
{
	make_segment("keep", 24, NULL, 0);
	set_type("keep", SEED_DECL);
	g_autofree char *view = mnt_path(M, "keep.txt");
	g_autofree char *other = mnt_path(M, "other.txt");
	ck_assert_errno(unlink(view), EPERM);
	ck_assert_errno(rename(view, other), EPERM);
	ck_assert_errno(chmod(view, 0600), EPERM);
	g_autofree char *seg = back_path(M, "keep");
	struct stat st;
	ck_assert_sys(stat(seg, &st));
	ck_assert(view_exists("keep"));
}
END_TEST

/* Another process keeps cutting the segment to nothing and growing it back while the view is read
 * through the mount: every read gives text, a short count, 0 or EIO, never anything else, and the
 * daemon goes on serving. */
START_TEST(test_view_read_races_truncation)
{
	const off_t size = 100000 * 24; /* 7 MB of text: light enough for the sanitizer build */
	make_segment("racing", size, NULL, 0);
	set_type("racing", SEED_DECL);
	g_autofree char *seg = back_path(M, "racing");
	pid_t pid = fork();
	ck_assert_sys(pid);
	if (pid == 0) {
		int fd = open(seg, O_RDWR);
		double end = now_s() + 1.0;
		while (fd >= 0 && now_s() < end)
			if (ftruncate(fd, 0) < 0 || ftruncate(fd, size) < 0)
				_exit(3);
		_exit(fd < 0 ? 2 : 0);
	}

	g_autofree char *view = mnt_path(M, "racing.txt");
	char *buf = g_malloc(1 << 20);
	long full = 0, partial = 0, eio = 0, other = 0, rounds = 0;
	int status = 0;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		int fd = open(view, O_RDONLY);
		if (fd < 0) {
			other += errno != ENOENT;
			continue;
		}
		for (off_t off = 0; off < 8 << 20; off += 1 << 20) {
			ssize_t n = pread(fd, buf, 1 << 20, off);
			if (n == 1 << 20)
				full++;
			else if (n >= 0)
				partial++;
			else if (errno == EIO)
				eio++;
			else
				other++;
			if (n <= 0)
				break;
		}
		close(fd);
		rounds++;
	}
	g_free(buf);
	fprintf(stderr, "view read vs truncation: %ld opens, %ld full reads, %ld short or 0, %ld EIO, "
		"%ld other\n", rounds, full, partial, eio, other);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(other, 0);
	ck_assert_int_gt(full + partial, 0);
	ck_assert(mnt_alive(M));
	/* the daemon still renders it whole (counted with a plain loop: g_strsplit on 7 MB is
	 * quadratic under ASan, whose strstr interceptor measures the rest of the string each call) */
	g_autofree char *text = read_view("racing");
	size_t records = 0;
	for (const char *line = text; *line; line = strchr(line, '\n') + 1)
		records += line[0] != '#';
	ck_assert_uint_eq(records, size / 24);
}
END_TEST

/* Regression (found by fuzz_types): GPatternSpec asserts on a pattern that is not UTF-8, so a
 * types file with such a group killed the daemon when it read the file. Now the group is skipped
 * with a log line and the rest of the file still counts. */
START_TEST(test_types_group_not_utf8)
{
	int32_t pair[2] = { 5, 6 };
	make_segment("typed_two", sizeof(pair), pair, sizeof(pair));
	write_types("[?\xe3\xb9\xde\xe1\x98]\ntype = int8 x\n[typed_*]\ntype = int32 a; int32 b\n");
	ck_assert(view_exists("typed_two"));
	ck_assert(mnt_alive(M));
	g_autofree char *log = mnt_log_tail(M, 4096);
	ck_assert_msg(strstr(log, "a group name is not UTF-8"), "log:\n%s", log);
	write_types(initial_types);
}
END_TEST

/* A segment name is any bytes; one that is not UTF-8 takes no type from the types file (its
 * patterns are UTF-8), and lists and stats like any other. */
START_TEST(test_name_not_utf8_with_types_file)
{
	const char *name = "typed_\xff\xfe";
	int32_t pair[2] = { 1, 2 };
	make_segment(name, sizeof(pair), pair, sizeof(pair));
	ck_assert(!view_exists(name));
	g_autofree char *p = mnt_path(M, "%s", name);
	struct stat st;
	ck_assert_sys(stat(p, &st));
	ck_assert_int_eq(st.st_size, sizeof(pair));
	ck_assert(mnt_alive(M));
	g_autofree char *bp = back_path(M, "%s", name);
	unlink(bp);
}
END_TEST

/* 0: reading works, writing EACCES; 1 reading failed, 2 writing did not fail with EACCES. */
static int read_but_not_write(const void *arg)
{
	const char *path = arg;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 1;
	close(fd);
	return open(path, O_WRONLY) < 0 && errno == EACCES ? 0 : 2;
}

static int cannot_read(const void *arg)
{
	const char *path = arg;
	return open(path, O_RDONLY) < 0 && errno == EACCES ? 0 : 1;
}

START_TEST(test_view_permissions_follow_segment)
{
	if (!mnt_is_root()) {
		fprintf(stderr, "\n***** SKIP test_view_permissions_follow_segment: needs root *****\n");
		return;
	}
	make_segment("pub", 24, NULL, 0);
	set_type("pub", SEED_DECL);
	make_segment("secret", 24, NULL, 0);
	set_type("secret", SEED_DECL);
	g_autofree char *secret = back_path(M, "secret");
	ck_assert_sys(chmod(secret, 0600));

	g_autofree char *pv = mnt_path(M, "pub.txt"), *sv = mnt_path(M, "secret.txt");
	struct stat st;
	ck_assert_sys(stat(sv, &st));
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_sys(stat(pv, &st));
	ck_assert_uint_eq(st.st_mode & 07777, 0644);

	as_nobody(022, read_but_not_write, pv);
	as_nobody(022, cannot_read, sv);
}
END_TEST

/* A listing comes in two passes (names, then views: fs/dir_ops.c), over the backing directory's own
 * offsets, on any file system: here one not on tmpfs (ext4's hashed offsets, and its htree
 * directories, which read nothing more once rewound after their end). 300 segments, every third
 * typed: each name and each view listed exactly once, across many replies. */
#define MANY 300

START_TEST(test_views_listed_on_any_backing)
{
	char backing[] = "/var/tmp/shmfs-views-XXXXXX";
	ck_assert(mkdtemp(backing) != NULL);
	ck_assert_sys(chmod(backing, 01777));
	struct statfs sf;
	ck_assert_sys(statfs(backing, &sf));
	fprintf(stderr, "views listed on a backing directory of file system type %#lx\n",
		(unsigned long)sf.f_type);
	for (int i = 0; i < MANY; i++) {
		g_autofree char *p = g_strdup_printf("%s/seg%03d", backing, i);
		ck_assert_int_eq(write_file(p, "12345678", 8), 0);
		if (i % 3 == 0)
			ck_assert_sys(setxattr(p, "user.shmfs.type", "int64 a", 7, 0));
	}
	struct mnt m;
	ck_assert_int_eq(mnt_start(&m, backing, NULL), 0);
	g_autofree char *out = capture("ls -1f %s", m.mountpoint);
	g_auto(GStrv) names = g_strsplit(out, "\n", -1);
	GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
	for (int i = 0; names[i]; i++) {
		if (!names[i][0] || !strcmp(names[i], ".") || !strcmp(names[i], ".."))
			continue;
		ck_assert_msg(!g_hash_table_contains(seen, names[i]), "%s listed twice", names[i]);
		g_hash_table_add(seen, names[i]);
	}
	for (int i = 0; i < MANY; i++) {
		g_autofree char *seg = g_strdup_printf("seg%03d", i), *view = g_strdup_printf("seg%03d.txt", i);
		ck_assert_msg(g_hash_table_contains(seen, seg), "%s not listed", seg);
		ck_assert_msg(g_hash_table_contains(seen, view) == (i % 3 == 0), "%s %slisted", view,
			      i % 3 == 0 ? "not " : "");
	}
	ck_assert_int_eq(g_hash_table_size(seen), MANY + (MANY + 2) / 3);
	g_hash_table_destroy(seen);
	ck_assert_int_eq(mnt_stop(&m), 0);
	g_autofree char *qb = q(backing);
	ck_assert_int_eq(run("rm -rf %s", qb), 0);
}
END_TEST

int main(void)
{
	mnt_require_fuse();
	Suite *s = suite_create("mount_view");
	TCase *tc = mnt_tcase_with("views", setup_views, teardown_views);
	tcase_add_test(tc, test_view_follows_xattr);
	tcase_add_test(tc, test_view_follows_types_file);
	tcase_add_test(tc, test_view_of_seed_segment);
	tcase_add_test(tc, test_view_edit_changes_exactly_the_field);
	tcase_add_test(tc, test_view_bad_edit_changes_nothing);
	tcase_add_test(tc, test_view_explains_bad_type);
	tcase_add_test(tc, test_real_file_wins_over_view);
	tcase_add_test(tc, test_view_cannot_be_removed_or_renamed);
	tcase_add_test(tc, test_view_permissions_follow_segment);
	tcase_add_test(tc, test_name_not_utf8_with_types_file);
	tcase_add_test(tc, test_types_group_not_utf8);
	tcase_add_test(tc, test_view_read_races_truncation);
	suite_add_tcase(s, tc);
	TCase *any = tcase_create("views_on_any_backing"); /* mounts its own shmfs */
	tcase_add_test(any, test_views_listed_on_any_backing);
	suite_add_tcase(s, any);
	return mnt_run_suite(s);
}
