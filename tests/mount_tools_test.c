/* mount_tools_test.c - the ordinary tools on a real shmfs mount (ls, cat, cp, dd, truncate, rm, mv,
 * chmod, chown, touch, ln, mkdir, mkfifo, setfattr) and their syscalls; each outcome checked in the backing dir. */
#include "mount_harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#define M (&g_mnt)
#define MiB (1024L * 1024L)
#define GiB (1024L * MiB)

static void put(const char *path, const char *text)
{
	int rc = write_file(path, text, strlen(text));
	ck_assert_msg(rc == 0, "write %s: %s", path, g_strerror(-rc));
}

static bool has_content(const char *path, const char *text)
{
	return file_equals(path, text, strlen(text));
}

static mode_t current_umask(void)
{
	mode_t u = umask(0);
	umask(u);
	return u;
}

static gint cmp_strp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "name ino type" of each entry of DIR but . and .., sorted, one a line. */
static char *dirents(const char *dir)
{
	DIR *d = opendir(dir);
	ck_assert_msg(d, "opendir %s: %s", dir, g_strerror(errno));
	g_autoptr(GPtrArray) v = g_ptr_array_new_with_free_func(g_free);
	struct dirent *e;
	while ((errno = 0, e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			g_ptr_array_add(v, g_strdup_printf("%s %llu %d", e->d_name,
							   (unsigned long long)e->d_ino, e->d_type));
	ck_assert_msg(errno == 0, "readdir %s: %s", dir, g_strerror(errno));
	closedir(d);
	g_ptr_array_sort(v, cmp_strp);
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < v->len; i++)
		g_string_append_printf(s, "%s\n", (char *)v->pdata[i]);
	return g_string_free(s, FALSE);
}

/* Asserts that two listings are equal, naming the first line that differs (whole listings can be
 * too big for a Check message). */
static void same_text(const char *got, const char *want, const char *what)
{
	if (strcmp(got, want) == 0)
		return;
	g_auto(GStrv) g = g_strsplit(got, "\n", -1);
	g_auto(GStrv) w = g_strsplit(want, "\n", -1);
	guint i;
	for (i = 0; g[i] && w[i] && strcmp(g[i], w[i]) == 0; i++)
		;
	ck_abort_msg("%s differs at line %u: mount '%.200s', backing '%.200s'", what, i + 1, g[i] ? g[i] : "(end)",
		     w[i] ? w[i] : "(end)");
}

/* Runs CMD (with %s = the directory) on the backing and the mounted DIR, asserts both succeed
 * with the same output of more than MIN_LINES lines (so an empty listing cannot pass). */
static void same_output(const char *cmd, const char *sub, int min_lines)
{
	g_autofree char *bd = back_path(M, "%s", sub);
	g_autofree char *md = mnt_path(M, "%s", sub);
	g_autofree char *qb = q(bd), *qm = q(md);
	g_autofree char *cb = g_strdup_printf(cmd, qb);
	g_autofree char *cm = g_strdup_printf(cmd, qm);
	int sb, sm;
	g_autofree char *ob = capture_status(&sb, "%s", cb);
	g_autofree char *om = capture_status(&sm, "%s", cm);

	ck_assert_msg(sb == 0, "%s: status %d", cb, sb);
	ck_assert_msg(sm == 0, "%s: status %d", cm, sm);
	g_auto(GStrv) lines = g_strsplit(ob, "\n", -1);
	ck_assert_msg((int)g_strv_length(lines) > min_lines, "%s: only %u lines:\n%s", cb, g_strv_length(lines), ob);
	same_text(om, ob, cmd);
}

START_TEST(test_ls_mirror)
{
	const char *d = "ls";
	g_autofree char *bd = back_path(M, "%s", d);
	ck_assert_sys(mkdir(bd, 0755));

#define B(name) g_autofree char *b_##name = back_path(M, "%s/" #name, d)
	B(empty); B(small); B(large); B(odd); B(suid); B(hard); B(dir); B(sticky); B(link); B(dangling);
	B(fifo); B(null);
#undef B
	put_pattern(b_empty, 0, 1);
	put_pattern(b_small, 1000, 2);
	put_pattern(b_large, 70000, 3);
	put_pattern(b_odd, 4097, 4);
	put_pattern(b_suid, 12, 5);
	ck_assert_sys(chmod(b_small, 0600));
	ck_assert_sys(chmod(b_large, 0755));
	ck_assert_sys(chmod(b_odd, 0444));
	ck_assert_sys(link(b_small, b_hard));
	ck_assert_sys(mkdir(b_dir, 0750));
	ck_assert_sys(mkdir(b_sticky, 0777));
	ck_assert_sys(symlink("small", b_link));
	ck_assert_sys(symlink("/nonexistent/shmfs-target", b_dangling));
	ck_assert_sys(mkfifo(b_fifo, 0620));
	if (mnt_is_root()) {
		ck_assert_sys(chown(b_small, 1234, 5678));
		ck_assert_sys(chown(b_large, 0, 5678));
		ck_assert_sys(chown(b_dir, 1234, 1234));
		ck_assert_sys(lchown(b_link, 1234, 5678));
		ck_assert_sys(chown(b_fifo, 4321, 8765));
		ck_assert_sys(mknod(b_null, S_IFCHR | 0644, makedev(1, 3)));
	}
	ck_assert_sys(chmod(b_suid, 04755));
	ck_assert_sys(chmod(b_sticky, 01777));

	/* Known times with nanoseconds; atime ahead of now so that relatime leaves it alone when
	 * ls reads the links. */
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	const char *names[] = { "empty", "small", "large", "odd", "suid", "dir", "sticky", "link",
				"dangling", "fifo", "null" };
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree char *p = back_path(M, "%s/%s", d, names[i]);
		struct timespec ts[2] = { { now.tv_sec + 30, 123456789 }, { 981173106 + (long)i * 1000, 987654321 - (long)i } };
		if (utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW) < 0)
			ck_assert_msg(errno == ENOENT && strcmp(names[i], "null") == 0, "utimensat %s: %s", p,
				      g_strerror(errno));
	}

	same_output("LC_ALL=C ls -ln --time-style=full-iso %s", d, 10);
	same_output("LC_ALL=C ls -lni --time-style=full-iso %s", d, 10);
	same_output("LC_ALL=C ls -lnU --time-style=+%%s.%%N -c %s | sort", d, 10);
	same_output("LC_ALL=C ls -lnU --time-style=+%%s.%%N -u %s | sort", d, 10);
	same_output("cd %s && LC_ALL=C stat -c '%%n %%i %%h %%s %%b %%B %%f %%u %%g %%t %%T %%x %%y %%z' -- *", d, 10);

	/* Hard links show one inode; the listing's inode numbers are the backing ones. */
	g_autofree char *m_small = mnt_path(M, "%s/small", d);
	g_autofree char *m_hard = mnt_path(M, "%s/hard", d);
	struct stat a = xlstat(m_small), b = xlstat(m_hard), c = xlstat(b_small);
	ck_assert_uint_eq(a.st_ino, b.st_ino);
	ck_assert_uint_eq(a.st_ino, c.st_ino);
	ck_assert_uint_eq(a.st_nlink, 2);

	/* readdir's d_ino and d_type are the backing's too. */
	g_autofree char *md = mnt_path(M, "%s", d);
	g_autofree char *eb = dirents(bd), *em = dirents(md);
	same_text(em, eb, "readdir (name d_ino d_type)");
}
END_TEST

START_TEST(test_readdir_large)
{
	/* more entries than one readdir reply holds: the later replies come at non-zero offsets,
	 * where the kernel may ask for plain readdir instead of readdirplus */
	g_autofree char *bd = back_path(M, "big.dir"), *md = mnt_path(M, "big.dir");
	ck_assert_sys(mkdir(bd, 0755));
	for (int i = 0; i < 3000; i++) {
		g_autofree char *p = back_path(M, "big.dir/entry-with-a-longish-name-%05d", i);
		if (i % 3 == 0)
			ck_assert_sys(mkdir(p, 0700));
		else if (i % 3 == 1)
			ck_assert_sys(symlink("x", p));
		else
			ck_assert_int_eq(write_file(p, "", 0), 0);
	}
	g_autofree char *eb = dirents(bd), *em = dirents(md);
	g_auto(GStrv) lines = g_strsplit(em, "\n", -1);
	ck_assert_int_eq(g_strv_length(lines), 3001);
	same_text(em, eb, "readdir of 3000 entries (name d_ino d_type)");
	/* and once more, now that every entry has been looked up */
	same_output("LC_ALL=C ls -lni --time-style=full-iso %s", "big.dir", 3000);
	g_free(em);
	em = dirents(md);
	same_text(em, eb, "readdir of 3000 entries after lookups");
	ck_assert_int_eq(run("rm -r %s", bd), 0);
}
END_TEST

/* True when A and B agree on what stat -c '%i %h %s %f %u %g %y %z' prints. */
static bool same_attrs(const char *a, const char *b)
{
	struct stat x = xlstat(a), y = xlstat(b);
	return x.st_ino == y.st_ino && x.st_nlink == y.st_nlink && x.st_size == y.st_size && x.st_mode == y.st_mode &&
	       x.st_uid == y.st_uid && x.st_gid == y.st_gid && x.st_mtim.tv_sec == y.st_mtim.tv_sec &&
	       x.st_mtim.tv_nsec == y.st_mtim.tv_nsec && x.st_ctim.tv_sec == y.st_ctim.tv_sec &&
	       x.st_ctim.tv_nsec == y.st_ctim.tv_nsec;
}

START_TEST(test_root_attrs)
{
	/* The test before changed the backing dir behind the kernel's back: its invalidation may
	 * still be on the way (held to MNT_WATCH_WINDOW, as in mount_fresh_test). */
	ck_assert_msg(SEEN_WITHIN(MNT_WATCH_WINDOW, NULL, same_attrs(g_mnt.mountpoint, g_mnt.backing)),
		      "the root's attributes through the mount are stale");
	g_autofree char *qb = q(g_mnt.backing), *qm = q(g_mnt.mountpoint);
	const char *fmt = "LC_ALL=C stat -c '%%i %%h %%s %%f %%u %%g %%y %%z' %s";
	g_autofree char *ob = capture(fmt, qb), *om = capture(fmt, qm);
	ck_assert_msg(strlen(ob) > 10, "stat of the backing dir printed '%s'", ob);
	ck_assert_str_eq(om, ob);
}
END_TEST

START_TEST(test_bytes_cat_cp_dd)
{
	const size_t n = 8 * MiB;
	g_autofree char *buf = g_malloc(n);
	fill_pattern(buf, n, 0xc0ffee);
	g_autofree char *src = back_path(M, "rnd.src");
	g_autofree char *m_src = mnt_path(M, "rnd.src");
	ck_assert_int_eq(write_file(src, buf, n), 0);
	g_autofree char *qs = q(src), *qms = q(m_src);

	/* into the mount */
	g_autofree char *m_cp = mnt_path(M, "rnd.cp"), *b_cp = back_path(M, "rnd.cp");
	g_autofree char *qmcp = q(m_cp);
	ck_assert_int_eq(run("cp %s %s", qs, qmcp), 0);
	ck_assert(file_equals(b_cp, buf, n));
	g_autofree char *m_dd = mnt_path(M, "rnd.dd"), *b_dd = back_path(M, "rnd.dd");
	g_autofree char *qmdd = q(m_dd);
	ck_assert_int_eq(run("dd if=%s of=%s bs=64k status=none", qs, qmdd), 0);
	ck_assert(file_equals(b_dd, buf, n));
	ck_assert_int_eq(run("dd if=%s of=%s bs=4099 status=none", qs, qmdd), 0); /* unaligned */
	ck_assert(file_equals(b_dd, buf, n));
	ck_assert_int_eq(run("cat %s > %s", qs, qmdd), 0);
	ck_assert(file_equals(b_dd, buf, n));

	/* out of the mount */
	g_autofree char *b_out = back_path(M, "rnd.out");
	g_autofree char *qo = q(b_out);
	ck_assert_int_eq(run("cat %s > %s", qms, qo), 0);
	ck_assert(file_equals(b_out, buf, n));
	ck_assert_int_eq(run("dd if=%s of=%s bs=1000 status=none", qms, qo), 0);
	ck_assert(file_equals(b_out, buf, n));
	ck_assert_int_eq(run("cp %s %s", qmcp, qo), 0);
	ck_assert(file_equals(b_out, buf, n));

	/* mount to mount, and the checksums agree */
	g_autofree char *m_cp2 = mnt_path(M, "rnd.cp2"), *b_cp2 = back_path(M, "rnd.cp2");
	g_autofree char *qmcp2 = q(m_cp2);
	ck_assert_int_eq(run("cp %s %s", qmcp, qmcp2), 0);
	ck_assert(file_equals(b_cp2, buf, n));
	g_autofree char *h1 = capture("sha256sum < %s", qs);
	g_autofree char *h2 = capture("sha256sum < %s", qmcp2);
	ck_assert_uint_eq(strlen(h1), 68); /* 64 hex digits, "  -\n" */
	ck_assert_str_eq(h2, h1);

	/* a patch in the middle, not page aligned */
	g_autofree char *patch = back_path(M, "rnd.patch");
	g_autofree char *qp = q(patch);
	put_pattern(patch, 777, 99);
	ck_assert_int_eq(run("dd if=%s of=%s bs=1 seek=1000001 conv=notrunc status=none", qp, qmcp), 0);
	fill_pattern(buf + 1000001, 777, 99);
	ck_assert(file_equals(b_cp, buf, n));
	g_autofree char *qmcp_out = q(b_out);
	ck_assert_int_eq(run("cat %s > %s", qmcp, qmcp_out), 0);
	ck_assert(file_equals(b_out, buf, n));

	ck_assert_int_eq(run("rm -f %s/rnd.*", g_mnt.mountpoint), 0);
}
END_TEST

START_TEST(test_truncate_4g_sparse)
{
	g_autofree char *mp = mnt_path(M, "big"), *bp = back_path(M, "big");
	g_autofree char *qm = q(mp);
	struct stat st;

	ck_assert_int_eq(run("truncate -s 4G %s", qm), 0);
	st = xlstat(mp);
	ck_assert_int_eq(st.st_size, 4 * GiB);
	st = xlstat(bp);
	ck_assert_int_eq(st.st_size, 4 * GiB);
	ck_assert_msg(st.st_blocks < 64, "backing st_blocks %lld after truncate", (long long)st.st_blocks);

	ck_assert_int_eq(run("dd if=%s of=/dev/null bs=1M count=64 status=none", qm), 0);
	st = xlstat(bp);
	ck_assert_msg(st.st_blocks < 64, "reading 64 MiB of holes through the mount allocated %lld blocks",
		      (long long)st.st_blocks);

	/* holes far out read as zeros, EOF is EOF */
	int fd = open(mp, O_RDWR);
	ck_assert_sys(fd);
	char z[4096], zero[4096] = { 0 };
	memset(z, 0xaa, sizeof z);
	ck_assert_int_eq(pread(fd, z, sizeof z, 4 * GiB - 4096), 4096);
	ck_assert(memcmp(z, zero, sizeof z) == 0);
	ck_assert_int_eq(pread(fd, z, sizeof z, 4 * GiB), 0);
	ck_assert_int_eq(pread(fd, z, sizeof z, 3 * GiB + 8192), 4096);
	ck_assert(memcmp(z, zero, sizeof z) == 0);

	/* one small write far in: one page, at the right place */
	ck_assert_int_eq(pwrite(fd, "shmfs", 5, 3 * GiB + 1), 5);
	st = xlstat(bp);
	ck_assert_int_eq(st.st_size, 4 * GiB);
	ck_assert_msg(st.st_blocks > 0 && st.st_blocks < 64, "st_blocks %lld after a 5-byte write",
		      (long long)st.st_blocks);
	int bfd = open(bp, O_RDONLY);
	ck_assert_sys(bfd);
	char got[8] = { 0 };
	ck_assert_int_eq(pread(bfd, got, 7, 3 * GiB), 7);
	ck_assert(memcmp(got, "\0shmfs\0", 7) == 0);
	close(bfd);
	close(fd);

	ck_assert_int_eq(run("truncate -s 1000 %s", qm), 0);
	ck_assert_int_eq(xlstat(bp).st_size, 1000);
	ck_assert_int_eq(xlstat(mp).st_size, 1000);
	ck_assert_int_eq(xlstat(bp).st_blocks, 0);
	ck_assert_sys(unlink(mp));
}
END_TEST

START_TEST(test_rm)
{
	g_autofree char *b1 = back_path(M, "rm.one"), *b2 = back_path(M, "rm.two");
	g_autofree char *m1 = mnt_path(M, "rm.one"), *m2 = mnt_path(M, "rm.two");
	g_autofree char *q1 = q(m1);
	put(b1, "one");
	ck_assert_sys(link(b1, b2));
	ck_assert_int_eq(run("rm %s", q1), 0);
	ck_assert_errno(lstat(b1, &(struct stat){ 0 }), ENOENT);
	ck_assert_errno(lstat(m1, &(struct stat){ 0 }), ENOENT);
	ck_assert_int_eq(xlstat(b2).st_nlink, 1);
	ck_assert_int_eq(xlstat(m2).st_nlink, 1);
	ck_assert(has_content(m2, "one"));

	/* a tree made in the backing dir, removed through the mount */
	ck_assert_int_eq(run("mkdir -p %s/rm.tree/a/b && echo x > %s/rm.tree/a/b/f && ln -s f %s/rm.tree/a/l",
			     g_mnt.backing, g_mnt.backing, g_mnt.backing), 0);
	ck_assert_int_eq(run("rm -r %s/rm.tree", g_mnt.mountpoint), 0);
	g_autofree char *bt = back_path(M, "rm.tree");
	ck_assert_errno(lstat(bt, &(struct stat){ 0 }), ENOENT);
	ck_assert_sys(unlink(b2));
}
END_TEST

START_TEST(test_mv)
{
	g_autofree char *ba = back_path(M, "mv.a"), *bb = back_path(M, "mv.b");
	g_autofree char *ma = mnt_path(M, "mv.a"), *mb = mnt_path(M, "mv.b");
	g_autofree char *qa = q(ma), *qb = q(mb);
	put(ba, "AAA");
	ino_t ino = xlstat(ba).st_ino;
	ck_assert_int_eq(run("mv %s %s", qa, qb), 0);
	ck_assert_errno(lstat(ba, &(struct stat){ 0 }), ENOENT);
	ck_assert_uint_eq(xlstat(bb).st_ino, ino);
	ck_assert_uint_eq(xlstat(mb).st_ino, ino);
	ck_assert(has_content(bb, "AAA"));

	/* into a directory */
	g_autofree char *bdir = back_path(M, "mv.dir");
	ck_assert_sys(mkdir(bdir, 0755));
	ck_assert_int_eq(run("mv %s %s/mv.dir/", qb, g_mnt.mountpoint), 0);
	g_autofree char *bin = back_path(M, "mv.dir/mv.b");
	ck_assert_uint_eq(xlstat(bin).st_ino, ino);
	ck_assert_errno(lstat(bb, &(struct stat){ 0 }), ENOENT);

	/* over an existing file */
	g_autofree char *bc = back_path(M, "mv.c"), *bd = back_path(M, "mv.d");
	put(bc, "CCC");
	put(bd, "DDD");
	ck_assert_int_eq(run("mv -f %s/mv.c %s/mv.d", g_mnt.mountpoint, g_mnt.mountpoint), 0);
	ck_assert(has_content(bd, "CCC"));
	ck_assert_errno(lstat(bc, &(struct stat){ 0 }), ENOENT);

	/* a directory with its content */
	ck_assert_int_eq(run("mv %s/mv.dir %s/mv.dir2", g_mnt.mountpoint, g_mnt.mountpoint), 0);
	g_autofree char *bin2 = back_path(M, "mv.dir2/mv.b");
	ck_assert_uint_eq(xlstat(bin2).st_ino, ino);
	ck_assert_int_eq(run("rm -r %s/mv.dir2 %s/mv.d", g_mnt.mountpoint, g_mnt.mountpoint), 0);
}
END_TEST

START_TEST(test_renameat2)
{
	g_autofree char *bx = back_path(M, "rn.x"), *by = back_path(M, "rn.y"), *bz = back_path(M, "rn.z");
	g_autofree char *mx = mnt_path(M, "rn.x"), *my = mnt_path(M, "rn.y"), *mz = mnt_path(M, "rn.z");
	g_autofree char *mw = mnt_path(M, "rn.w");
	put(bx, "X");
	put(by, "Y");
	ino_t ix = xlstat(bx).st_ino, iy = xlstat(by).st_ino;

	ck_assert_errno(renameat2(AT_FDCWD, mx, AT_FDCWD, my, RENAME_NOREPLACE), EEXIST);
	ck_assert(has_content(bx, "X"));
	ck_assert(has_content(by, "Y"));
	ck_assert_sys(renameat2(AT_FDCWD, mx, AT_FDCWD, mz, RENAME_NOREPLACE));
	ck_assert_errno(lstat(bx, &(struct stat){ 0 }), ENOENT);
	ck_assert(has_content(bz, "X"));
	ck_assert_uint_eq(xlstat(bz).st_ino, ix);

	ck_assert_sys(renameat2(AT_FDCWD, mz, AT_FDCWD, my, RENAME_EXCHANGE));
	ck_assert(has_content(bz, "Y"));
	ck_assert(has_content(by, "X"));
	ck_assert_uint_eq(xlstat(bz).st_ino, iy);
	ck_assert_uint_eq(xlstat(by).st_ino, ix);
	ck_assert_uint_eq(xlstat(mz).st_ino, iy);
	ck_assert_uint_eq(xlstat(my).st_ino, ix);
	ck_assert(has_content(mz, "Y"));

	ck_assert_errno(renameat2(AT_FDCWD, mz, AT_FDCWD, mw, RENAME_EXCHANGE), ENOENT);
	ck_assert_errno(renameat2(AT_FDCWD, mz, AT_FDCWD, my, RENAME_EXCHANGE | RENAME_NOREPLACE), EINVAL);
	ck_assert(has_content(bz, "Y"));
	unlink(by);
	unlink(bz);
}
END_TEST

START_TEST(test_chmod_chown_touch)
{
	g_autofree char *bp = back_path(M, "attr"), *mp = mnt_path(M, "attr");
	g_autofree char *qm = q(mp);
	put(bp, "attributes");

	ck_assert_int_eq(run("chmod 0751 %s", qm), 0);
	ck_assert_uint_eq(xlstat(bp).st_mode & 07777, 0751);
	if (mnt_is_root()) {
		ck_assert_int_eq(run("chown 1234:5678 %s", qm), 0);
		struct stat st = xlstat(bp);
		ck_assert_uint_eq(st.st_uid, 1234);
		ck_assert_uint_eq(st.st_gid, 5678);
		ck_assert_int_eq(run("chown 4321 %s", qm), 0);
		st = xlstat(bp);
		ck_assert_uint_eq(st.st_uid, 4321);
		ck_assert_uint_eq(st.st_gid, 5678);
		ck_assert_int_eq(run("chgrp 99 %s", qm), 0);
		ck_assert_uint_eq(xlstat(bp).st_gid, 99);
		ck_assert_uint_eq(xlstat(mp).st_gid, 99);
	}
	ck_assert_int_eq(run("chmod 04750 %s", qm), 0);
	ck_assert_uint_eq(xlstat(bp).st_mode & 07777, 04750);
	ck_assert_sys(chmod(mp, 0640));
	ck_assert_uint_eq(xlstat(bp).st_mode & 07777, 0640);

	ck_assert_int_eq(run("touch -d '2001-02-03 04:05:06' %s", qm), 0);
	struct tm tm = { .tm_year = 101, .tm_mon = 1, .tm_mday = 3, .tm_hour = 4, .tm_min = 5, .tm_sec = 6,
			 .tm_isdst = -1 };
	time_t want = mktime(&tm);
	struct stat st = xlstat(bp);
	ck_assert_int_eq(st.st_mtim.tv_sec, want);
	ck_assert_int_eq(st.st_mtim.tv_nsec, 0);
	ck_assert_int_eq(st.st_atim.tv_sec, want);
	ck_assert_int_eq(xlstat(mp).st_mtim.tv_sec, want);
	ck_assert(has_content(bp, "attributes"));

	/* touch creates */
	g_autofree char *bn = back_path(M, "attr.new"), *mn = mnt_path(M, "attr.new");
	g_autofree char *qn = q(mn);
	ck_assert_int_eq(run("touch %s", qn), 0);
	st = xlstat(bn);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_size, 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0666 & ~current_umask());
	unlink(bn);
	unlink(bp);
}
END_TEST

static bool ts_within(struct timespec t, struct timespec lo, struct timespec hi)
{
	double v = t.tv_sec + t.tv_nsec / 1e9;
	return v >= lo.tv_sec + lo.tv_nsec / 1e9 - 0.1 && v <= hi.tv_sec + hi.tv_nsec / 1e9 + 0.1;
}

/* Sets MP's times to SET, then the time WHICH (0: atime, 1: mtime) to UTIME_NOW, the other OMIT,
 * through the mount: in BP the one is the clock's, the other still SET's. */
static void utime_now(const char *mp, const char *bp, const struct timespec set[2], int which)
{
	struct timespec lo, hi, ts[2] = { { 0, UTIME_OMIT }, { 0, UTIME_OMIT } };
	ts[which].tv_nsec = UTIME_NOW;
	ck_assert_sys(utimensat(AT_FDCWD, mp, set, 0));
	clock_gettime(CLOCK_REALTIME, &lo);
	ck_assert_sys(utimensat(AT_FDCWD, mp, ts, 0));
	clock_gettime(CLOCK_REALTIME, &hi);
	struct stat st = xlstat(bp);
	struct timespec now = which ? st.st_mtim : st.st_atim, kept = which ? st.st_atim : st.st_mtim;
	ck_assert_int_eq(kept.tv_sec, set[!which].tv_sec);
	ck_assert_int_eq(kept.tv_nsec, set[!which].tv_nsec);
	ck_assert_msg(ts_within(now, lo, hi), "UTIME_NOW %s %lld.%09ld not within [%lld, %lld]", which ? "mtime" : "atime",
		      (long long)now.tv_sec, now.tv_nsec, (long long)lo.tv_sec, (long long)hi.tv_sec);
}

START_TEST(test_utimensat)
{
	g_autofree char *bp = back_path(M, "times"), *mp = mnt_path(M, "times");
	put(bp, "t");
	const struct timespec set[2] = { { 1000000000, 123456789 }, { 1100000000, 987654321 } };
	struct stat st;

	ck_assert_sys(utimensat(AT_FDCWD, mp, set, 0));
	st = xlstat(bp);
	ck_assert_int_eq(st.st_atim.tv_sec, set[0].tv_sec);
	ck_assert_int_eq(st.st_atim.tv_nsec, set[0].tv_nsec);
	ck_assert_int_eq(st.st_mtim.tv_sec, set[1].tv_sec);
	ck_assert_int_eq(st.st_mtim.tv_nsec, set[1].tv_nsec);
	utime_now(mp, bp, set, 1);
	utime_now(mp, bp, set, 0);

	/* both OMIT changes nothing; futimens on an fd opened through the mount */
	ck_assert_sys(utimensat(AT_FDCWD, mp, set, 0));
	ck_assert_sys(utimensat(AT_FDCWD, mp, (struct timespec[2]){ { 0, UTIME_OMIT }, { 0, UTIME_OMIT } }, 0));
	st = xlstat(bp);
	ck_assert_int_eq(st.st_mtim.tv_nsec, set[1].tv_nsec);
	ck_assert_int_eq(st.st_atim.tv_nsec, set[0].tv_nsec);
	int fd = open(mp, O_RDWR);
	ck_assert_sys(fd);
	const struct timespec set2[2] = { { 1200000000, 5 }, { 1300000000, 999999999 } };
	ck_assert_sys(futimens(fd, set2));
	close(fd);
	st = xlstat(bp);
	ck_assert_int_eq(st.st_atim.tv_sec, set2[0].tv_sec);
	ck_assert_int_eq(st.st_atim.tv_nsec, set2[0].tv_nsec);
	ck_assert_int_eq(st.st_mtim.tv_sec, set2[1].tv_sec);
	ck_assert_int_eq(st.st_mtim.tv_nsec, set2[1].tv_nsec);
	st = xlstat(mp);
	ck_assert_int_eq(st.st_mtim.tv_sec, set2[1].tv_sec);
	ck_assert_int_eq(st.st_mtim.tv_nsec, set2[1].tv_nsec);
	unlink(bp);
}
END_TEST

START_TEST(test_ln_hard)
{
	g_autofree char *b1 = back_path(M, "h1"), *b2 = back_path(M, "h2");
	g_autofree char *m1 = mnt_path(M, "h1"), *m2 = mnt_path(M, "h2");
	g_autofree char *q1 = q(m1), *q2 = q(m2);
	put(b1, "hard");
	ck_assert_int_eq(run("ln %s %s", q1, q2), 0);
	struct stat s1 = xlstat(b1), s2 = xlstat(b2);
	ck_assert_uint_eq(s1.st_ino, s2.st_ino);
	ck_assert_uint_eq(s1.st_nlink, 2);
	struct stat t1 = xlstat(m1), t2 = xlstat(m2);
	ck_assert_uint_eq(t1.st_ino, s1.st_ino);
	ck_assert_uint_eq(t2.st_ino, s1.st_ino);
	ck_assert_uint_eq(t1.st_nlink, 2);
	ck_assert_uint_eq(t2.st_nlink, 2);

	/* one object: a write through one name is read through the other */
	int fd = open(m2, O_WRONLY | O_APPEND);
	ck_assert_sys(fd);
	ck_assert_int_eq(write(fd, "link", 4), 4);
	close(fd);
	ck_assert(has_content(b1, "hardlink"));
	ck_assert(has_content(m1, "hardlink"));

	ck_assert_sys(unlink(m1));
	ck_assert_uint_eq(xlstat(b2).st_nlink, 1);
	ck_assert_uint_eq(xlstat(m2).st_nlink, 1);
	ck_assert_errno(link(m2, m2), EEXIST);
	unlink(b2);
}
END_TEST

START_TEST(test_ln_symlink)
{
	g_autofree char *b1 = back_path(M, "s1"), *m1 = mnt_path(M, "s1");
	g_autofree char *q1 = q(m1);
	char lb[256] = { 0 }, lm[256] = { 0 };

	ck_assert_int_eq(run("ln -s target-x %s", q1), 0);
	ck_assert_int_eq(readlink(b1, lb, sizeof lb - 1), 8);
	ck_assert_int_eq(readlink(m1, lm, sizeof lm - 1), 8);
	ck_assert_str_eq(lb, "target-x");
	ck_assert_str_eq(lm, lb);
	struct stat sb = xlstat(b1), sm = xlstat(m1);
	ck_assert(S_ISLNK(sb.st_mode));
	ck_assert(S_ISLNK(sm.st_mode));
	ck_assert_int_eq(sm.st_size, 8);
	ck_assert_uint_eq(sm.st_ino, sb.st_ino);

	/* the kernel follows links in the caller's view: to a file in the mount, dangling, looping */
	g_autofree char *bt = back_path(M, "s.tgt"), *m2 = mnt_path(M, "s2"), *b2 = back_path(M, "s2");
	g_autofree char *q2 = q(m2);
	put(bt, "followed");
	ck_assert_int_eq(run("ln -s s.tgt %s", q2), 0);
	ck_assert(has_content(m2, "followed"));
	ck_assert_errno(open(m1, O_RDONLY), ENOENT);
	g_autofree char *bl = back_path(M, "s.loop"), *ml = mnt_path(M, "s.loop");
	ck_assert_sys(symlink("s.loop", bl));
	ck_assert_errno(open(ml, O_RDONLY), ELOOP);
	ck_assert_errno(stat(ml, &(struct stat){ 0 }), ELOOP);

	/* a long target */
	char target[4000];
	memset(target, 'a', sizeof target - 1);
	target[sizeof target - 1] = 0;
	g_autofree char *m3 = mnt_path(M, "s3"), *b3 = back_path(M, "s3");
	ck_assert_sys(symlink(target, m3));
	char got[4096] = { 0 };
	ck_assert_int_eq(readlink(b3, got, sizeof got), (int)strlen(target));
	ck_assert_int_eq(readlink(m3, got, sizeof got), (int)strlen(target));
	ck_assert(memcmp(got, target, strlen(target)) == 0);

	unlink(b1);
	unlink(b2);
	unlink(b3);
	unlink(bt);
	unlink(bl);
}
END_TEST

START_TEST(test_mkdir_rmdir)
{
	g_autofree char *bd = back_path(M, "d1"), *md = mnt_path(M, "d1");
	g_autofree char *qd = q(md);
	ck_assert_int_eq(run("mkdir %s", qd), 0);
	struct stat st = xlstat(bd);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0777 & ~current_umask());
	ck_assert_int_eq(run("mkdir -p -m 0705 %s/d2/d3", qd), 0);
	g_autofree char *b3 = back_path(M, "d1/d2/d3");
	st = xlstat(b3);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0705);
	ck_assert_uint_eq(xlstat(bd).st_nlink, 3);
	g_autofree char *md1 = mnt_path(M, "d1");
	ck_assert_uint_eq(xlstat(md1).st_nlink, 3);

	g_autofree char *mf = mnt_path(M, "d1/d2/d3/f"), *bf = back_path(M, "d1/d2/d3/f");
	put(mf, "deep");
	ck_assert(has_content(bf, "deep"));
	ck_assert_int_ne(run("rmdir %s/d2/d3 2>/dev/null", qd), 0);
	ck_assert(S_ISDIR(xlstat(b3).st_mode));
	ck_assert_sys(unlink(mf));
	ck_assert_int_eq(run("rmdir %s/d2/d3 %s/d2 %s", qd, qd, qd), 0);
	ck_assert_errno(lstat(bd, &(struct stat){ 0 }), ENOENT);
	ck_assert_errno(lstat(md, &(struct stat){ 0 }), ENOENT);
}
END_TEST

START_TEST(test_mkfifo_mknod)
{
	g_autofree char *bf = back_path(M, "ff"), *mf = mnt_path(M, "ff");
	g_autofree char *qf = q(mf);
	ck_assert_int_eq(run("mkfifo -m 0640 %s", qf), 0);
	struct stat st = xlstat(bf);
	ck_assert(S_ISFIFO(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	ck_assert(S_ISFIFO(xlstat(mf).st_mode));

	/* a fifo opened through the mount is a pipe */
	int fd = open(mf, O_RDWR | O_NONBLOCK);
	ck_assert_sys(fd);
	ck_assert_int_eq(write(fd, "ping", 4), 4);
	char buf[8] = { 0 };
	ck_assert_int_eq(read(fd, buf, sizeof buf), 4);
	ck_assert_str_eq(buf, "ping");
	close(fd);

	g_autofree char *bf2 = back_path(M, "ff2"), *mf2 = mnt_path(M, "ff2");
	ck_assert_sys(mknod(mf2, S_IFIFO | 0600, 0));
	ck_assert(S_ISFIFO(xlstat(bf2).st_mode));
	g_autofree char *bs = back_path(M, "sock"), *ms = mnt_path(M, "sock");
	ck_assert_sys(mknod(ms, S_IFSOCK | 0600, 0));
	ck_assert(S_ISSOCK(xlstat(bs).st_mode));
	if (mnt_is_root()) {
		g_autofree char *bc = back_path(M, "chr"), *mc = mnt_path(M, "chr");
		ck_assert_sys(mknod(mc, S_IFCHR | 0644, makedev(1, 3)));
		st = xlstat(bc);
		ck_assert(S_ISCHR(st.st_mode));
		ck_assert_uint_eq(st.st_rdev, makedev(1, 3));
		ck_assert_uint_eq(xlstat(mc).st_rdev, makedev(1, 3));
		unlink(bc);
	}
	unlink(bf);
	unlink(bf2);
	unlink(bs);
}
END_TEST

START_TEST(test_xattr)
{
	g_autofree char *bp = back_path(M, "xf"), *mp = mnt_path(M, "xf");
	g_autofree char *qm = q(mp);
	char buf[8192];
	put(bp, "xattrs");

	ck_assert_int_eq(run("setfattr -n user.x -v hello %s", qm), 0);
	g_autofree char *v = capture("getfattr --only-values -n user.x %s", qm);
	ck_assert_str_eq(v, "hello");
	ck_assert_int_eq(lgetxattr(bp, "user.x", buf, sizeof buf), 5);
	ck_assert(memcmp(buf, "hello", 5) == 0);

	/* set in the backing dir, read through the mount; lists agree */
	ck_assert_sys(lsetxattr(bp, "user.y", "world!", 6, 0));
	ck_assert_int_eq(getxattr(mp, "user.y", NULL, 0), 6);
	ck_assert_int_eq(getxattr(mp, "user.y", buf, sizeof buf), 6);
	ck_assert(memcmp(buf, "world!", 6) == 0);
	ck_assert_errno(getxattr(mp, "user.y", buf, 3), ERANGE);
	char lb[256], lm[256];
	ssize_t nb = llistxattr(bp, lb, sizeof lb), nm = listxattr(mp, lm, sizeof lm);
	/* the backing file's names, then a segment's usage names (fs/usage.c), which are not stored;
	 * over io_uring only the one that needs no scan of /proc */
	static const char all_usage[] = "user.shmfs.nattch\0user.shmfs.users\0user.shmfs.rss";
	static const char ring_usage[] = "user.shmfs.rss";
	const char *usage = mnt_ring(M) ? ring_usage : all_usage;
	ssize_t usage_len = mnt_ring(M) ? (ssize_t)sizeof ring_usage : (ssize_t)sizeof all_usage;
	ck_assert_int_eq(nm, nb + usage_len);
	ck_assert_int_ge(nb, 14);
	ck_assert(memcmp(lb, lm, nb) == 0);
	ck_assert(memcmp(lm + nb, usage, usage_len) == 0);
	ck_assert_int_eq(listxattr(mp, NULL, 0), nm);

	/* flags and removal */
	ck_assert_errno(setxattr(mp, "user.x", "a", 1, XATTR_CREATE), EEXIST);
	ck_assert_errno(setxattr(mp, "user.nope", "a", 1, XATTR_REPLACE), ENODATA);
	ck_assert_sys(setxattr(mp, "user.x", "bye", 3, XATTR_REPLACE));
	ck_assert_int_eq(lgetxattr(bp, "user.x", buf, sizeof buf), 3);
	ck_assert_sys(removexattr(mp, "user.x"));
	ck_assert_errno(lgetxattr(bp, "user.x", buf, sizeof buf), ENODATA);
	ck_assert_errno(getxattr(mp, "user.x", buf, sizeof buf), ENODATA);
	ck_assert_errno(removexattr(mp, "user.x"), ENODATA);

	/* a big value, and one on a directory */
	char big[4000];
	fill_pattern(big, sizeof big, 7);
	ck_assert_sys(setxattr(mp, "user.big", big, sizeof big, 0));
	ck_assert_int_eq(lgetxattr(bp, "user.big", buf, sizeof buf), (int)sizeof big);
	ck_assert(memcmp(buf, big, sizeof big) == 0);
	g_autofree char *bd = back_path(M, "xd"), *md = mnt_path(M, "xd");
	ck_assert_sys(mkdir(bd, 0755));
	ck_assert_sys(setxattr(md, "user.d", "dir", 3, 0));
	ck_assert_int_eq(lgetxattr(bd, "user.d", buf, sizeof buf), 3);

	/* other namespaces are refused through the mount and never reach the backing file */
	ck_assert_int_ne(run("setfattr -n trusted.x -v 1 %s 2>/dev/null", qm), 0);
	errno = 0;
	ck_assert_int_eq(setxattr(mp, "trusted.y", "1", 1, 0), -1);
	fprintf(stderr, "setxattr trusted.y through the mount: %s\n", strerrorname_np(errno));
	ck_assert_int_eq(setxattr(mp, "security.shmfs", "1", 1, 0), -1);
	ck_assert_errno(lgetxattr(bp, "trusted.x", buf, sizeof buf), ENODATA);
	ck_assert_errno(lgetxattr(bp, "trusted.y", buf, sizeof buf), ENODATA);
	ck_assert_errno(lgetxattr(bp, "security.shmfs", buf, sizeof buf), ENODATA);
	/* what ls -l asks of every file: "not supported", which ls remembers for the whole mount */
	ck_assert_errno(lgetxattr(mp, "security.selinux", buf, sizeof buf), EOPNOTSUPP);
	/* POSIX ACLs are passed on: a file without one says so, as on the tmpfs */
	ck_assert_errno(lgetxattr(bp, "system.posix_acl_access", buf, sizeof buf), ENODATA);
	ck_assert_errno(lgetxattr(mp, "system.posix_acl_access", buf, sizeof buf), ENODATA);
	ck_assert_errno(lgetxattr(mp, "trusted.x", buf, sizeof buf), EOPNOTSUPP);
	unlink(bp);
	rmdir(bd);
}
END_TEST

START_TEST(test_excl_create)
{
	g_autofree char *bp = back_path(M, "ex"), *mp = mnt_path(M, "ex");
	put(bp, "exists");
	ck_assert_errno(open(mp, O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
	ck_assert(has_content(bp, "exists"));
	g_autofree char *bl = back_path(M, "ex.link"), *ml = mnt_path(M, "ex.link");
	ck_assert_sys(symlink("ex.nowhere", bl));
	ck_assert_errno(open(ml, O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
	g_autofree char *bnw = back_path(M, "ex.nowhere");
	ck_assert_errno(lstat(bnw, &(struct stat){ 0 }), ENOENT);
	g_autofree char *bd = back_path(M, "ex.dir"), *md = mnt_path(M, "ex.dir");
	ck_assert_sys(mkdir(bd, 0755));
	ck_assert_errno(open(md, O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
	rmdir(bd);

	/* made in the backing dir just now: still EEXIST */
	for (int i = 0; i < 20; i++) {
		g_autofree char *b = back_path(M, "ex.%d", i), *m = mnt_path(M, "ex.%d", i);
		int fd = open(m, O_CREAT | O_EXCL | O_WRONLY, 0644);
		ck_assert_sys(fd);
		close(fd);
		ck_assert(S_ISREG(xlstat(b).st_mode));
		ck_assert_errno(open(m, O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
		unlink(b);
		put(b, "x");
		ck_assert_errno(open(m, O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
		unlink(b);
	}
	unlink(bp);
	unlink(bl);
}
END_TEST

static void compare_seeks(int mfd, int bfd, const off_t *offs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (int w = 0; w < 2; w++) {
			int whence = w ? SEEK_HOLE : SEEK_DATA;
			errno = 0;
			off_t rb = lseek(bfd, offs[i], whence);
			int eb = errno;
			errno = 0;
			off_t rm = lseek(mfd, offs[i], whence);
			int em = errno;
			ck_assert_msg(rm == rb && (rb >= 0 || em == eb),
				      "lseek(%lld, %s): backing %lld (%s), mount %lld (%s)", (long long)offs[i],
				      w ? "SEEK_HOLE" : "SEEK_DATA", (long long)rb, rb < 0 ? strerrorname_np(eb) : "ok",
				      (long long)rm, rm < 0 ? strerrorname_np(em) : "ok");
		}
	}
}

START_TEST(test_fallocate_seek)
{
	g_autofree char *bp = back_path(M, "fa"), *mp = mnt_path(M, "fa");
	int mfd = open(mp, O_RDWR | O_CREAT | O_EXCL, 0644);
	ck_assert_sys(mfd);
	ck_assert_sys(ftruncate(mfd, 16 * MiB));
	ck_assert_sys(fallocate(mfd, 0, 4 * MiB, 1 * MiB));
	ck_assert_int_eq(pwrite(mfd, "data", 4, 10 * MiB), 4);
	int bfd = open(bp, O_RDONLY);
	ck_assert_sys(bfd);
	struct stat st = xlstat(bp);
	ck_assert_int_eq(st.st_size, 16 * MiB);
	ck_assert_msg(st.st_blocks >= 1 * MiB / 512 && st.st_blocks < 2 * MiB / 512, "st_blocks %lld",
		      (long long)st.st_blocks);
	/* the backing file has holes, so equal answers mean real SEEK_DATA/SEEK_HOLE */
	ck_assert_int_eq(lseek(bfd, 0, SEEK_HOLE), 0);
	ck_assert_int_gt(lseek(bfd, 0, SEEK_DATA), 0);

	const off_t offs[] = { 0, 4096, 4 * MiB - 1, 4 * MiB, 4 * MiB + 123, 5 * MiB - 1, 5 * MiB, 8 * MiB,
			       10 * MiB, 10 * MiB + 3, 10 * MiB + 4096, 16 * MiB - 1, 16 * MiB, 20 * MiB };
	compare_seeks(mfd, bfd, offs, G_N_ELEMENTS(offs));

	ck_assert_sys(fallocate(mfd, FALLOC_FL_KEEP_SIZE, 16 * MiB, 1 * MiB));
	st = xlstat(bp);
	ck_assert_int_eq(st.st_size, 16 * MiB);
	ck_assert_int_ge(st.st_blocks, 2 * MiB / 512);
	ck_assert_sys(fallocate(mfd, 0, 20 * MiB, 4096));
	ck_assert_int_eq(xlstat(bp).st_size, 20 * MiB + 4096);
	ck_assert_int_eq(xlstat(mp).st_size, 20 * MiB + 4096);

	blkcnt_t before = xlstat(bp).st_blocks;
	ck_assert_sys(fallocate(mfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4 * MiB, 1 * MiB));
	st = xlstat(bp);
	ck_assert_int_eq(st.st_size, 20 * MiB + 4096);
	ck_assert_int_le(st.st_blocks, before - 1 * MiB / 512);
	compare_seeks(mfd, bfd, offs, G_N_ELEMENTS(offs));
	char got[4];
	ck_assert_int_eq(pread(bfd, got, 4, 10 * MiB), 4);
	ck_assert(memcmp(got, "data", 4) == 0);
	close(bfd);
	close(mfd);
	unlink(bp);
}
END_TEST

START_TEST(test_statvfs)
{
	struct statvfs vb, vm;
	ck_assert_sys(statvfs(g_mnt.backing, &vb));
	ck_assert_sys(statvfs(g_mnt.mountpoint, &vm));
	ck_assert_uint_gt(vb.f_blocks, 0);
	ck_assert_uint_eq(vm.f_blocks, vb.f_blocks);
	ck_assert_uint_eq(vm.f_bsize, vb.f_bsize);
	ck_assert_uint_eq(vm.f_frsize, vb.f_frsize);
	ck_assert_uint_eq(vm.f_files, vb.f_files);
	/* free space moves with what is written through the mount */
	g_autofree char *mp = mnt_path(M, "df");
	put_pattern(mp, 4 * MiB, 1);
	struct statvfs vb2, vm2;
	ck_assert_sys(statvfs(g_mnt.backing, &vb2));
	ck_assert_sys(statvfs(g_mnt.mountpoint, &vm2));
	ck_assert_uint_eq(vm2.f_bfree, vb2.f_bfree);
	ck_assert_uint_eq(vm2.f_ffree, vb2.f_ffree);
	ck_assert_uint_lt(vb2.f_bfree, vb.f_bfree);
	unlink(mp);
}
END_TEST

enum op { OPEN_R, OPEN_W, OPEN_CREAT, MKDIR, STAT, RMDIR, UNLINK, LINK, RENAME, TRUNCATE, SYMLINK, MKFIFO };

/* Does OP on ROOT/A (and ROOT/B); returns 0 or the errno. */
static int do_op(enum op op, const char *root, const char *a, const char *b)
{
	g_autofree char *pa = g_strdup_printf("%s/%s", root, a);
	g_autofree char *pb = b ? g_strdup_printf("%s/%s", root, b) : NULL;
	struct stat st;
	int r = -1;

	errno = 0;
	switch (op) {
	case OPEN_R: r = open(pa, O_RDONLY); break;
	case OPEN_W: r = open(pa, O_WRONLY); break;
	case OPEN_CREAT: r = open(pa, O_WRONLY | O_CREAT, 0644); break;
	case MKDIR: r = mkdir(pa, 0755); break;
	case STAT: r = stat(pa, &st); break;
	case RMDIR: r = rmdir(pa); break;
	case UNLINK: r = unlink(pa); break;
	case LINK: r = link(pa, pb); break;
	case RENAME: r = rename(pa, pb); break;
	case TRUNCATE: r = truncate(pa, 0); break;
	case SYMLINK: r = symlink("x", pa); break;
	case MKFIFO: r = mkfifo(pa, 0644); break;
	}
	if (r >= 0) {
		if (op == OPEN_R || op == OPEN_W || op == OPEN_CREAT)
			close(r);
		return 0;
	}
	return errno;
}

START_TEST(test_errors_match_backing)
{
	char n255[256], n256[257];
	memset(n255, 'n', 255);
	n255[255] = 0;
	memset(n256, 'n', 256);
	n256[256] = 0;
	ck_assert_int_eq(run("cd %s && mkdir e.dir e.empty && echo f > e.dir/f && echo f > e.file", g_mnt.backing), 0);

	const struct {
		enum op op;
		const char *a, *b;
		int err;
	} cases[] = {
		{ OPEN_R, "e.missing", NULL, ENOENT },
		{ OPEN_R, "e.missing/x", NULL, ENOENT },
		{ OPEN_R, "e.file/x", NULL, ENOTDIR },
		{ OPEN_W, "e.dir", NULL, EISDIR },
		{ STAT, "e.missing", NULL, ENOENT },
		{ OPEN_CREAT, n256, NULL, ENAMETOOLONG },
		{ OPEN_R, n256, NULL, ENAMETOOLONG },
		{ MKDIR, n256, NULL, ENAMETOOLONG },
		{ STAT, n256, NULL, ENAMETOOLONG },
		{ SYMLINK, n256, NULL, ENAMETOOLONG },
		{ RENAME, "e.file", n256, ENAMETOOLONG },
		{ RMDIR, "e.dir", NULL, ENOTEMPTY },
		{ RMDIR, "e.file", NULL, ENOTDIR },
		{ RMDIR, "e.missing", NULL, ENOENT },
		{ UNLINK, "e.dir", NULL, EISDIR },
		{ UNLINK, "e.missing", NULL, ENOENT },
		{ MKDIR, "e.dir", NULL, EEXIST },
		{ MKDIR, "e.file", NULL, EEXIST },
		{ SYMLINK, "e.file", NULL, EEXIST },
		{ MKFIFO, "e.file", NULL, EEXIST },
		{ LINK, "e.dir", "e.dirlink", EPERM },
		{ LINK, "e.file", "e.dir/f", EEXIST },
		{ LINK, "e.missing", "e.x", ENOENT },
		{ RENAME, "e.dir", "e.dir/sub", EINVAL },
		{ RENAME, "e.file", "e.dir", EISDIR },
		{ RENAME, "e.empty", "e.file", ENOTDIR },
		{ RENAME, "e.empty", "e.dir", ENOTEMPTY },
		{ RENAME, "e.missing", "e.x", ENOENT },
		{ TRUNCATE, "e.dir", NULL, EISDIR },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		int eb = do_op(cases[i].op, g_mnt.backing, cases[i].a, cases[i].b);
		int em = do_op(cases[i].op, g_mnt.mountpoint, cases[i].a, cases[i].b);
		ck_assert_msg(eb == cases[i].err, "case %zu (%s): backing gave %s, expected %s", i,
			      strlen(cases[i].a) > 40 ? "256-byte name" : cases[i].a, strerrorname_np(eb),
			      strerrorname_np(cases[i].err));
		ck_assert_msg(em == eb, "case %zu op %d on %s: mount gave %s, backing %s", i, cases[i].op,
			      strlen(cases[i].a) > 40 ? "256-byte name" : cases[i].a,
			      em ? strerrorname_np(em) : "success", strerrorname_np(eb));
	}

	/* 255 bytes is fine */
	g_autofree char *m255 = mnt_path(M, "%s", n255), *b255 = back_path(M, "%s", n255);
	put(m255, "max");
	ck_assert(has_content(b255, "max"));
	ck_assert_sys(unlink(m255));
	ck_assert_int_eq(run("cd %s && rm -r e.dir e.empty e.file", g_mnt.backing), 0);
}
END_TEST

static void setup_tools(void)
{
	/* room for the 4 GiB sparse file: a read that wrongly allocated its holes fails on st_blocks,
	 * not on a full tmpfs */
	mnt_fixture_start(NULL, "256m", NULL);
}

int main(void)
{
	mnt_require_fuse();
	Suite *s = suite_create("mount_tools");
	TCase *tc = mnt_tcase("tools", setup_tools);
	tcase_add_test(tc, test_ls_mirror);
	tcase_add_test(tc, test_readdir_large);
	tcase_add_test(tc, test_root_attrs);
	tcase_add_test(tc, test_bytes_cat_cp_dd);
	tcase_add_test(tc, test_truncate_4g_sparse);
	tcase_add_test(tc, test_rm);
	tcase_add_test(tc, test_mv);
	tcase_add_test(tc, test_renameat2);
	tcase_add_test(tc, test_chmod_chown_touch);
	tcase_add_test(tc, test_utimensat);
	tcase_add_test(tc, test_ln_hard);
	tcase_add_test(tc, test_ln_symlink);
	tcase_add_test(tc, test_mkdir_rmdir);
	tcase_add_test(tc, test_mkfifo_mknod);
	tcase_add_test(tc, test_xattr);
	tcase_add_test(tc, test_excl_create);
	tcase_add_test(tc, test_fallocate_seek);
	tcase_add_test(tc, test_statvfs);
	tcase_add_test(tc, test_errors_match_backing);
	suite_add_tcase(s, tc);
	return mnt_run_suite(s);
}
