/* mount_hostile_test.c - hostile names and sizes through a real mount: the longest names and one
 * byte more, names with newlines, spaces, UTF-8 and invalid UTF-8; sizes of 0, 1 and 8 EiB, negative
 * offsets, zero-length I/O. Each answer must be the one the backing tmpfs gives to the same call. */
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
#include <unistd.h>

#define M (&g_mnt)

static gint cmp_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names of directory PATH, one per string (g_strfreev). */
static char **list_dir(const char *path)
{
	DIR *d = opendir(path);
	ck_assert_msg(d != NULL, "opendir %s: %s", path, g_strerror(errno));
	GPtrArray *names = g_ptr_array_new();
	for (struct dirent *e; (e = readdir(d));)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			g_ptr_array_add(names, g_strdup(e->d_name));
	closedir(d);
	g_ptr_array_sort(names, cmp_names);
	g_ptr_array_add(names, NULL);
	return (char **)g_ptr_array_free(names, FALSE);
}

static bool listed(char **names, const char *name)
{
	for (size_t i = 0; names[i]; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

static const char *const odd_names[] = {
	"with\nnewline",
	"\n",
	"trailing newline\n",
	" leading space",
	"trailing space ",
	"in between spaces",
	"tab\there",
	"-dash-first",
	"caf\xc3\xa9-\xe6\x97\xa5\xe6\x9c\xac-\xf0\x9f\x98\x80",   /* UTF-8: é, 日本, an emoji */
	"bad-\xff\xfe-utf8",                                       /* invalid UTF-8 */
	"overlong-\xc0\xaf",                                       /* overlong '/' */
	"lone-\x80-continuation",
	"\x1b[31mred\x1b[0m",                                      /* escape sequences */
	"*?[glob]",
	"back\\slash",
	"quote'\"",
	"...",
	".hidden",
	"a.txt.txt",
};

START_TEST(test_odd_names_through_mount)
{
	for (size_t i = 0; i < G_N_ELEMENTS(odd_names); i++) {
		const char *n = odd_names[i];
		g_autofree char *mp = mnt_path(M, "%s", n), *bp = back_path(M, "%s", n);
		char data[64];
		int len = snprintf(data, sizeof data, "name %zu", i);
		ck_assert_msg(write_file(mp, data, (size_t)len) == 0, "create %zu through the mount", i);
		struct stat sm, sb;
		ck_assert_sys(stat(mp, &sm));
		ck_assert_sys(stat(bp, &sb));
		ck_assert_uint_eq(sm.st_ino, sb.st_ino);
		ck_assert_int_eq(sm.st_size, len);
		ck_assert(file_equals(bp, data, (size_t)len));
	}
	char **m = list_dir(g_mnt.mountpoint), **b = list_dir(g_mnt.backing);
	for (size_t i = 0; i < G_N_ELEMENTS(odd_names); i++) {
		ck_assert_msg(listed(m, odd_names[i]), "name %zu is not listed through the mount", i);
		ck_assert_msg(listed(b, odd_names[i]), "name %zu is not in the backing dir", i);
	}
	ck_assert_uint_eq(g_strv_length(m), g_strv_length(b));
	for (size_t i = 0; m[i]; i++)
		ck_assert_msg(strcmp(m[i], b[i]) == 0, "listing %zu differs", i);
	g_strfreev(m);
	g_strfreev(b);
	/* what ls prints, with its escaping, is the same on both sides */
	g_autofree char *qm = q(g_mnt.mountpoint), *qb = q(g_mnt.backing);
	g_autofree char *lm = capture("cd %s && LC_ALL=C ls -1ab", qm);
	g_autofree char *lb = capture("cd %s && LC_ALL=C ls -1ab", qb);
	ck_assert_msg(strstr(lm, "with\\nnewline"), "ls -b through the mount: %s", lm);
	ck_assert_str_eq(lm, lb);
	g_autofree char *um = capture("cd %s && LC_ALL=C.UTF-8 ls -1a --quoting-style=c", qm);
	g_autofree char *ub = capture("cd %s && LC_ALL=C.UTF-8 ls -1a --quoting-style=c", qb);
	ck_assert_str_eq(um, ub);
	/* rename between odd names, then unlink them all */
	for (size_t i = 0; i < G_N_ELEMENTS(odd_names); i++) {
		g_autofree char *mp = mnt_path(M, "%s", odd_names[i]);
		g_autofree char *mp2 = mnt_path(M, "%s\xff%zu", odd_names[i], i);
		ck_assert_sys(rename(mp, mp2));
		ck_assert_sys(unlink(mp2));
		g_autofree char *bp = back_path(M, "%s", odd_names[i]), *bp2 = back_path(M, "%s\xff%zu", odd_names[i], i);
		ck_assert_errno(access(bp, F_OK), ENOENT);
		ck_assert_errno(access(bp2, F_OK), ENOENT);
	}
	ck_assert(mnt_alive(M));
}
END_TEST

START_TEST(test_odd_names_from_backing)
{
	/* made behind the daemon's back, then stat, read and unlink through the mount */
	for (size_t i = 0; i < G_N_ELEMENTS(odd_names); i++) {
		g_autofree char *bp = back_path(M, "b.%s", odd_names[i]);
		ck_assert_int_eq(write_file(bp, odd_names[i], strlen(odd_names[i])), 0);
	}
	char **m = list_dir(g_mnt.mountpoint);
	for (size_t i = 0; i < G_N_ELEMENTS(odd_names); i++) {
		g_autofree char *name = g_strdup_printf("b.%s", odd_names[i]);
		g_autofree char *mp = mnt_path(M, "%s", name);
		ck_assert_msg(listed(m, name), "name %zu made in backing is not listed", i);
		ck_assert(file_equals(mp, odd_names[i], strlen(odd_names[i])));
		ck_assert_sys(unlink(mp));
	}
	g_strfreev(m);
}
END_TEST

START_TEST(test_name_lengths)
{
	char n255[256], n256[257], u255[256];
	memset(n255, 'a', 255);
	n255[255] = 0;
	memset(n256, 'b', 256);
	n256[256] = 0;
	/* 255 bytes of UTF-8: 85 three-byte characters */
	for (int i = 0; i < 85; i++)
		memcpy(u255 + 3 * i, "\xe6\x97\xa5", 3);
	u255[255] = 0;

	const char *ok[] = { n255, u255 };
	for (size_t k = 0; k < G_N_ELEMENTS(ok); k++) {
		g_autofree char *mp = mnt_path(M, "%s", ok[k]), *bp = back_path(M, "%s", ok[k]);
		ck_assert_int_eq(write_file(mp, "x", 1), 0);
		ck_assert(file_equals(bp, "x", 1));
		char **m = list_dir(g_mnt.mountpoint);
		ck_assert(listed(m, ok[k]));
		g_strfreev(m);
		g_autofree char *mp2 = mnt_path(M, "%.*s", 254, ok[k] + 1);
		ck_assert_sys(rename(mp, mp2));
		ck_assert_sys(rename(mp2, mp));
		ck_assert_sys(mkdir(mp2, 0755) == 0 ? rmdir(mp2) : -1);
		ck_assert_sys(unlink(mp));
	}
	/* one byte more: ENAMETOOLONG from every call, the same as on the backing dir */
	g_autofree char *mp = mnt_path(M, "%s", n256), *bp = back_path(M, "%s", n256);
	g_autofree char *m255 = mnt_path(M, "%s", n255);
	ck_assert_errno(open(bp, O_CREAT | O_WRONLY, 0644), ENAMETOOLONG);
	ck_assert_errno(open(mp, O_CREAT | O_WRONLY, 0644), ENAMETOOLONG);
	ck_assert_errno(open(mp, O_RDONLY), ENAMETOOLONG);
	ck_assert_errno(stat(mp, &(struct stat){ 0 }), ENAMETOOLONG);
	ck_assert_errno(mkdir(mp, 0755), ENAMETOOLONG);
	ck_assert_errno(mkfifo(mp, 0644), ENAMETOOLONG);
	ck_assert_errno(symlink("x", mp), ENAMETOOLONG);
	ck_assert_errno(unlink(mp), ENAMETOOLONG);
	ck_assert_int_eq(write_file(m255, "y", 1), 0);
	ck_assert_errno(rename(m255, mp), ENAMETOOLONG);
	ck_assert_errno(link(m255, mp), ENAMETOOLONG);
	ck_assert_sys(unlink(m255));
	/* a 4096-byte symlink target (PATH_MAX - 1) and one longer */
	char target[4097];
	memset(target, 'x', sizeof target);
	target[4095] = 0;
	g_autofree char *ml = mnt_path(M, "longlink"), *bl = back_path(M, "longlink2");
	ck_assert_sys(symlink(target, ml));
	char got[4200];
	ck_assert_int_eq(readlink(ml, got, sizeof got), 4095);
	ck_assert_int_eq(memcmp(got, target, 4095), 0);
	target[4096] = 0;
	int rb = symlink(target, bl), eb = errno;
	g_autofree char *ml2 = mnt_path(M, "longlink2x");
	int rm = symlink(target, ml2), em = errno;
	ck_assert_msg(rb == rm && (rb == 0 || eb == em), "symlink of 4096 bytes: backing %d %s, mount %d %s", rb,
		      strerrorname_np(eb), rm, strerrorname_np(em));
	ck_assert(mnt_alive(M));
}
END_TEST

/* truncate(2) to SIZE on a file of the backing dir and on one through the mount: the same result
 * and the same size after. */
static void same_truncate(off_t size)
{
	g_autofree char *bp = back_path(M, "trunc.back"), *mp = mnt_path(M, "trunc.mnt");
	g_autofree char *bm = back_path(M, "trunc.mnt");
	ck_assert_int_eq(write_file(bp, "0123456789", 10), 0);
	ck_assert_int_eq(write_file(mp, "0123456789", 10), 0);
	errno = 0;
	int rb = truncate(bp, size), eb = rb ? errno : 0;
	errno = 0;
	int rm = truncate(mp, size), em = rm ? errno : 0;
	ck_assert_msg(rb == rm && eb == em, "truncate(%lld): backing %d %s, mount %d %s", (long long)size, rb,
		      strerrorname_np(eb), rm, strerrorname_np(em));
	/* ftruncate too */
	int fdb = open(bp, O_RDWR), fdm = open(mp, O_RDWR);
	ck_assert_sys(fdb);
	ck_assert_sys(fdm);
	errno = 0;
	rb = ftruncate(fdb, size), eb = rb ? errno : 0;
	errno = 0;
	rm = ftruncate(fdm, size), em = rm ? errno : 0;
	ck_assert_msg(rb == rm && eb == em, "ftruncate(%lld): backing %d %s, mount %d %s", (long long)size, rb,
		      strerrorname_np(eb), rm, strerrorname_np(em));
	struct stat sb, sm, smb;
	ck_assert_sys(fstat(fdb, &sb));
	ck_assert_sys(fstat(fdm, &sm));
	ck_assert_sys(stat(bm, &smb));
	ck_assert_int_eq(sm.st_size, sb.st_size);
	ck_assert_int_eq(smb.st_size, sb.st_size);
	if (sb.st_size > 0) {
		/* the last byte reads the same on both sides, and a read past the end gives 0 */
		char cb = 'B', cm = 'M';
		ck_assert_int_eq(pread(fdb, &cb, 1, sb.st_size - 1), 1);
		ck_assert_int_eq(pread(fdm, &cm, 1, sb.st_size - 1), 1);
		ck_assert_int_eq(cb, cm);
		if (sb.st_size < INT64_MAX)
			ck_assert_int_eq(pread(fdm, &cm, 1, sb.st_size), 0);
		/* a write at the very end: same answer on both sides */
		errno = 0;
		ssize_t wb = pwrite(fdb, "Z", 1, sb.st_size - 1);
		eb = wb < 0 ? errno : 0;
		errno = 0;
		ssize_t wm = pwrite(fdm, "Z", 1, sb.st_size - 1);
		em = wm < 0 ? errno : 0;
		ck_assert_msg(wb == wm && eb == em, "pwrite at %lld: backing %zd %s, mount %zd %s",
			      (long long)sb.st_size - 1, wb, strerrorname_np(eb), wm, strerrorname_np(em));
		if (wm == 1) {
			ck_assert_int_eq(pread(fdm, &cm, 1, sb.st_size - 1), 1);
			ck_assert_int_eq(cm, 'Z');
		}
	}
	close(fdb);
	close(fdm);
	ck_assert_sys(unlink(bp));
	ck_assert_sys(unlink(mp));
	ck_assert(mnt_alive(M));
}

static const off_t sizes[] = {
	0, 1, 4096, (off_t)1 << 40, INT64_MAX - 4095, INT64_MAX - 1, INT64_MAX, -1, INT64_MIN,
};

START_TEST(test_truncate_sizes)
{
	same_truncate(sizes[_i]);
}
END_TEST

START_TEST(test_truncate_cmd)
{
	/* truncate(1) as a user types it: -s 0, 1, 8E (one past the largest off_t) and 8E-1 */
	static const char *const args[] = { "0", "1", "8E", "8EiB", "9223372036854775807", "-5", "+1", "%4096" };
	for (size_t i = 0; i < G_N_ELEMENTS(args); i++) {
		g_autofree char *bp = back_path(M, "t.back"), *mp = mnt_path(M, "t.mnt");
		ck_assert_int_eq(write_file(bp, "0123456789", 10), 0);
		ck_assert_int_eq(write_file(mp, "0123456789", 10), 0);
		g_autofree char *qb = q(bp), *qm = q(mp);
		int sb, sm;
		g_autofree char *ob = capture_status(&sb, "LC_ALL=C truncate -s %s %s 2>&1; stat -c %%s %s", args[i], qb, qb);
		g_autofree char *om = capture_status(&sm, "LC_ALL=C truncate -s %s %s 2>&1; stat -c %%s %s", args[i], qm, qm);
		/* the messages name the file; compare what follows the name */
		char *pb = strstr(ob, "t.back"), *pm = strstr(om, "t.mnt");
		if (pb && pm)
			ck_assert_msg(strcmp(pb + 6, pm + 5) == 0, "truncate -s %s: backing says\n%s\nmount says\n%s", args[i],
				      ob, om);
		else
			ck_assert_msg(strcmp(ob, om) == 0, "truncate -s %s: backing says\n%s\nmount says\n%s", args[i], ob, om);
		ck_assert_int_eq(sb, sm);
		ck_assert_sys(unlink(bp));
		ck_assert_sys(unlink(mp));
	}
	ck_assert(mnt_alive(M));
}
END_TEST

START_TEST(test_offsets_and_zero_length)
{
	g_autofree char *bp = back_path(M, "io.back"), *mp = mnt_path(M, "io.mnt");
	ck_assert_int_eq(write_file(bp, "abcdef", 6), 0);
	ck_assert_int_eq(write_file(mp, "abcdef", 6), 0);
	int fdb = open(bp, O_RDWR), fdm = open(mp, O_RDWR);
	ck_assert_sys(fdb);
	ck_assert_sys(fdm);
	char buf[8];
	ck_assert_errno(pread(fdm, buf, 1, -1), EINVAL);
	ck_assert_errno(pwrite(fdm, "x", 1, -1), EINVAL);
	ck_assert_errno(pread(fdm, buf, 1, INT64_MIN), EINVAL);
	ck_assert_errno(lseek(fdm, -1, SEEK_SET), EINVAL);
	ck_assert_errno(lseek(fdm, -7, SEEK_END), EINVAL);
	ck_assert_errno(fallocate(fdm, 0, -1, 10), EINVAL);
	ck_assert_errno(fallocate(fdm, 0, 0, 0), EINVAL);
	ck_assert_errno(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fdb, -4096) == MAP_FAILED ? -1 : 0, EOVERFLOW);
	ck_assert_errno(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fdm, -4096) == MAP_FAILED ? -1 : 0, EOVERFLOW);
	/* offsets at the top of the range: the same answers as tmpfs */
	static const off_t offs[] = { INT64_MAX, INT64_MAX - 1, (off_t)1 << 62, (off_t)1 << 50 };
	for (size_t i = 0; i < G_N_ELEMENTS(offs); i++) {
		errno = 0;
		ssize_t rb = pread(fdb, buf, sizeof buf, offs[i]);
		int eb = rb < 0 ? errno : 0;
		errno = 0;
		ssize_t rm = pread(fdm, buf, sizeof buf, offs[i]);
		int em = rm < 0 ? errno : 0;
		ck_assert_msg(rb == rm && eb == em, "pread at %lld: backing %zd %s, mount %zd %s", (long long)offs[i], rb,
			      strerrorname_np(eb), rm, strerrorname_np(em));
		errno = 0;
		rb = pwrite(fdb, "xy", 2, offs[i]);
		eb = rb < 0 ? errno : 0;
		errno = 0;
		rm = pwrite(fdm, "xy", 2, offs[i]);
		em = rm < 0 ? errno : 0;
		ck_assert_msg(rb == rm && eb == em, "pwrite at %lld: backing %zd %s, mount %zd %s", (long long)offs[i], rb,
			      strerrorname_np(eb), rm, strerrorname_np(em));
		struct stat sb, sm;
		ck_assert_sys(fstat(fdb, &sb));
		ck_assert_sys(fstat(fdm, &sm));
		ck_assert_int_eq(sb.st_size, sm.st_size);
		ck_assert_sys(ftruncate(fdb, 6));
		ck_assert_sys(ftruncate(fdm, 6));
	}
	/* zero-length reads and writes: 0, no change, even past the end */
	ck_assert_int_eq(read(fdm, buf, 0), 0);
	ck_assert_int_eq(pread(fdm, buf, 0, 3), 0);
	ck_assert_int_eq(pread(fdm, buf, 0, 1000), 0);
	ck_assert_int_eq(write(fdm, buf, 0), 0);
	ck_assert_int_eq(pwrite(fdm, buf, 0, 1 << 20), 0);
	ck_assert_int_eq(pwrite(fdb, buf, 0, 1 << 20), 0);
	struct stat st;
	ck_assert_sys(fstat(fdm, &st));
	ck_assert_int_eq(st.st_size, 6);
	ck_assert(file_equals(mp, "abcdef", 6));
	/* a read of a huge count on a small file */
	char *big = g_malloc(1 << 24);
	ck_assert_int_eq(pread(fdm, big, 1 << 24, 0), 6);
	ck_assert_int_eq(pread(fdm, big, 1 << 24, 5), 1);
	g_free(big);
	close(fdb);
	close(fdm);
	/* an empty segment: mmap refused the same way, read gives 0 */
	g_autofree char *me = mnt_path(M, "empty"), *be = back_path(M, "empty.b");
	ck_assert_int_eq(write_file(me, "", 0), 0);
	ck_assert_int_eq(write_file(be, "", 0), 0);
	fdm = open(me, O_RDWR);
	fdb = open(be, O_RDWR);
	ck_assert_int_eq(read(fdm, buf, sizeof buf), 0);
	void *pm = mmap(NULL, 0, PROT_READ, MAP_SHARED, fdm, 0);
	int em = errno;
	void *pb = mmap(NULL, 0, PROT_READ, MAP_SHARED, fdb, 0);
	int eb = errno;
	ck_assert(pm == MAP_FAILED && pb == MAP_FAILED && em == eb);
	close(fdm);
	close(fdb);
	ck_assert(mnt_alive(M));
}
END_TEST

/* A huge sparse segment read and mapped through the mount near its end (the daemon-served path maps
 * segments: a size near 8 EiB must not take it down). */
START_TEST(test_huge_sparse_segment)
{
	g_autofree char *mp = mnt_path(M, "huge"), *bp = back_path(M, "huge");
	ck_assert_int_eq(write_file(bp, "", 0), 0);
	off_t size = INT64_MAX - 4095;
	ck_assert_sys(truncate(bp, size));
	int fd = open(mp, O_RDWR);
	ck_assert_sys(fd);
	char buf[16] = { 1 };
	ck_assert_int_eq(pread(fd, buf, sizeof buf, size - 8), 8);
	ck_assert_int_eq(buf[0], 0);
	ck_assert_int_eq(pread(fd, buf, sizeof buf, 1 << 20), (ssize_t)sizeof buf);
	ck_assert_int_eq(pwrite(fd, "end", 3, size - 3), 3);
	ck_assert_int_eq(pread(fd, buf, 3, size - 3), 3);
	ck_assert_int_eq(memcmp(buf, "end", 3), 0);
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, size - 4096);
	ck_assert_msg(p != MAP_FAILED, "mmap the last page: %s", g_strerror(errno));
	ck_assert_int_eq(memcmp((char *)p + 4093, "end", 3), 0);
	memcpy(p, "top", 3);
	ck_assert_sys(msync(p, 4096, MS_SYNC));
	munmap(p, 4096);
	int bfd = open(bp, O_RDONLY);
	ck_assert_int_eq(pread(bfd, buf, 3, size - 4096), 3);
	ck_assert_int_eq(memcmp(buf, "top", 3), 0);
	close(bfd);
	close(fd);
	ck_assert_sys(unlink(mp));
	ck_assert(mnt_alive(M));
}
END_TEST


/* ---------------- a types file against hostile names ---------------- */

static char types_path[PATH_MAX];

/* Patterns that make GLib match a name from its end (a '?' after a '*'), and a group whose pattern
 * is itself invalid UTF-8: the names of segments anyone can create must not matter. */
static void setup_types(void)
{
	snprintf(types_path, sizeof types_path, "/tmp/shmfs-types-%d.conf", (int)getpid());
	const char *text = "[*.d?t]\ntype = int64 a\n"
			   "[??*]\ntype = int8 b\n"
			   "[bad*\xf6\xf6\xf6\xf6\xf6]\ntype = int16 c\n"
			   "[my_shm]\ntype = int64 Col1; int64 Col2\n";
	if (write_file(types_path, text, strlen(text)) != 0)
		fprintf(stderr, "cannot write %s\n", types_path);
	g_autofree char *opt = g_strdup_printf("types=%s", types_path);
	mnt_fixture_start(NULL, NULL, opt);
}

static void teardown_types(void)
{
	mnt_fixture_teardown();
	unlink(types_path);
}

START_TEST(test_types_file_invalid_utf8_names)
{
	static const char *const names[] = { "z\xf6", "\xf6", "x.d\xf6t", "ab\xe6", "bad\xf6\xf6\xf6", "\xc3" };
	g_autofree char *mys = back_path(M, "my_shm");
	ck_assert_int_eq(write_file(mys, "0123456789abcdef", 16), 0);
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree char *bp = back_path(M, "%s", names[i]);
		ck_assert_int_eq(write_file(bp, "12345678", 8), 0);
	}
	/* list, stat, open the view name: what the daemon does for any `ls -l` */
	char **m = list_dir(g_mnt.mountpoint);
	ck_assert_msg(mnt_alive(M), "the daemon died listing names that are not UTF-8 with a types file");
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		ck_assert_msg(listed(m, names[i]), "name %zu not listed", i);
		g_autofree char *mp = mnt_path(M, "%s", names[i]), *mv = mnt_path(M, "%s.txt", names[i]);
		struct stat st;
		ck_assert_sys(stat(mp, &st));
		int fd = open(mv, O_RDONLY);
		if (fd >= 0)
			close(fd);
		ck_assert_msg(mnt_alive(M), "the daemon died on name %zu", i);
	}
	g_strfreev(m);
	/* the good pattern still works */
	g_autofree char *view = mnt_path(M, "my_shm.txt");
	size_t len;
	g_autofree char *text = read_file(view, &len);
	ck_assert_msg(text != NULL, "my_shm.txt: %s", g_strerror(errno));
	ck_assert(mnt_alive(M));
}
END_TEST

int main(void)
{
	mnt_require_fuse();
	Suite *s = suite_create("mount_hostile");
	TCase *tc = mnt_tcase("hostile", mnt_fixture_setup);
	tcase_add_test(tc, test_odd_names_through_mount);
	tcase_add_test(tc, test_odd_names_from_backing);
	tcase_add_test(tc, test_name_lengths);
	tcase_add_loop_test(tc, test_truncate_sizes, 0, G_N_ELEMENTS(sizes));
	tcase_add_test(tc, test_truncate_cmd);
	tcase_add_test(tc, test_offsets_and_zero_length);
	tcase_add_test(tc, test_huge_sparse_segment);
	suite_add_tcase(s, tc);
	TCase *types = mnt_tcase_with("types", setup_types, teardown_types);
	tcase_add_test(types, test_types_file_invalid_utf8_names);
	suite_add_tcase(s, types);
	return mnt_run_suite(s);
}
