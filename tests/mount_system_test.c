/* mount_system_test.c - shmfs run the way an admin runs it: mount -t and fstab lines through mount.shmfs
 * and mount.fuse3, umount stopping the daemon, the one-line errors of the checks before mounting,
 * --help and --version, and a daemon that mounts, logs to syslog and unmounts cleanly. */
#include "mount_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define TYPE_DECL "int64 Col1; int64 Col2; int64 Col3"

/* --- scratch directories and mounts, undone at exit even when an assertion ends the test --- */

static GPtrArray *undo_mounts, *undo_dirs, *undo_files;
static pid_t undo_daemon;

static void undo_all(void)
{
	if (undo_daemon > 0)
		kill(undo_daemon, SIGKILL);
	for (guint i = undo_mounts ? undo_mounts->len : 0; i-- > 0;)
		umount2(undo_mounts->pdata[i], MNT_DETACH);
	for (guint i = undo_files ? undo_files->len : 0; i-- > 0;)
		unlink(undo_files->pdata[i]);
	for (guint i = undo_dirs ? undo_dirs->len : 0; i-- > 0;)
		rmdir(undo_dirs->pdata[i]);
}

static void undo_init(void)
{
	undo_mounts = g_ptr_array_new_with_free_func(g_free);
	undo_dirs = g_ptr_array_new_with_free_func(g_free);
	undo_files = g_ptr_array_new_with_free_func(g_free);
	atexit(undo_all);
}

/* An empty directory /tmp/shmfs-KIND-PID-XXXXXX (KIND "mnt" or "back": the harness's names, so
 * that a later run cleans what a crashed one left), mode 0755. */
static const char *scratch_dir(const char *kind)
{
	char *d = g_strdup_printf("/tmp/shmfs-%s-%d-XXXXXX", kind, (int)getpid());
	ck_assert_msg(mkdtemp(d), "mkdtemp %s: %s", d, g_strerror(errno));
	chmod(d, 0755);
	g_ptr_array_add(undo_dirs, d);
	return d;
}

/* A private tmpfs (mode 1777) to back a mount. */
static const char *scratch_tmpfs(void)
{
	const char *d = scratch_dir("back");
	ck_assert_msg(mount("tmpfs", d, "tmpfs", 0, "size=16m,mode=1777") == 0, "mount tmpfs %s: %s", d,
		      g_strerror(errno));
	g_ptr_array_add(undo_mounts, g_strdup(d));
	return d;
}

/* --- the mount table and the daemon --- */

static bool wait_type(const char *mp, const char *want)
{
	for (int i = 0; i < 500; i++) {
		g_autofree char *type = findmnt_at(mp, "FSTYPE");
		if (strcmp(type, want) == 0)
			return true;
		sleep_ms(20);
	}
	return false;
}

/* A daemonized shmfs leaves its parent; as subreaper this test adopts it, so that it can find it
 * and collect its exit status. */
static void adopt_daemons(void)
{
	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
}

/* The adopted shmfs daemon, which undo_all kills should the test end before it. */
static pid_t adopted(void)
{
	return undo_daemon = adopted_daemon();
}

/* The wait status of daemon PID, which must end within 10 s; -1 when it did not (then killed). */
static int wait_exit(pid_t pid)
{
	undo_daemon = 0;
	return wait_pid(pid, 10);
}

/* A segment written into BACKING shows at MP, and a typed one gets its view. */
static void assert_mirrors(const char *backing, const char *mp)
{
	g_autofree char *seg = g_strdup_printf("%s/my_shm", backing);
	g_autofree char *seen = g_strdup_printf("%s/my_shm", mp);
	g_autofree char *view = g_strdup_printf("%s/my_shm.txt", mp);
	char rec[24] = "record";
	struct stat st;

	ck_assert_int_eq(write_file(seg, rec, sizeof rec), 0);
	ck_assert_msg(stat(seen, &st) == 0 && st.st_size == 24, "%s: %s", seen, g_strerror(errno));
	ck_assert_msg(stat(view, &st) == 0, "%s (types file): %s", view, g_strerror(errno));
}

/* A types file naming my_shm. */
static const char *types_file(void)
{
	static char path[64];
	static const char text[] = "[my_shm]\ntype = " TYPE_DECL "\n";
	snprintf(path, sizeof path, "/tmp/shmfs-types-%d.conf", (int)getpid());
	ck_assert_int_eq(write_file(path, text, sizeof text - 1), 0);
	g_ptr_array_add(undo_files, g_strdup(path));
	return path;
}

/* Moves this test into a mount namespace of its own, where what it mounts goes with it. */
static void private_mounts(void)
{
	ck_assert_sys(unshare(CLONE_NEWNS));
	ck_assert_sys(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
}

/* mount(8) runs its helpers without PATH, so mount.fuse3's shell finds shmfs on the default path
 * only (/usr/local/sbin:/usr/local/bin:...): this test's namespace gets a /usr/local/sbin holding
 * a link shmfs -> SHMFS_BIN, as an installed shmfs would be. */
static void shmfs_on_default_path(void)
{
	private_mounts();
	ck_assert_sys(mount("tmpfs", "/usr/local/sbin", "tmpfs", 0, "mode=0755"));
	ck_assert_sys(symlink(getenv("SHMFS_BIN"), "/usr/local/sbin/shmfs"));
}

/* mount(8) looks for its helpers in /sbin only: this test's namespace gets a read-only overlay there
 * adding the build's mount.shmfs (MOUNT_SHMFS, which runs the built shmfs) and mount.fuse.shmfs, a
 * link to it, as an install puts them. */
static void helpers_in_sbin(void)
{
	private_mounts();
	const char *dir = scratch_dir("back");
	g_autofree char *helper = g_strdup_printf("%s/mount.shmfs", dir);
	g_autofree char *link = g_strdup_printf("%s/mount.fuse.shmfs", dir);
	g_autofree char *from = q(getenv("MOUNT_SHMFS")), *to = q(helper);
	ck_assert_int_eq(run("cp %s %s", from, to), 0);
	g_ptr_array_add(undo_files, g_strdup(helper));
	ck_assert_sys(symlink("mount.shmfs", link));
	g_ptr_array_add(undo_files, g_strdup(link));
	char sbin[PATH_MAX];
	ck_assert_msg(realpath("/sbin", sbin), "realpath /sbin: %s", g_strerror(errno));
	g_autofree char *layers = g_strdup_printf("lowerdir=%s:%s", dir, sbin);
	ck_assert_msg(mount("overlay", sbin, "overlay", MS_RDONLY, layers) == 0, "overlay %s on %s: %s", layers,
		      sbin, g_strerror(errno));
	g_ptr_array_add(undo_mounts, g_strdup(sbin));
}

/* Runs shmfs with ARGS (shell words), its stderr with its stdout; *STATUS gets the exit status. */
G_GNUC_PRINTF(2, 3) static char *shmfs(int *status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *args = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_autofree char *bin = q(getenv("SHMFS_BIN"));
	return capture_status(status, "%s %s 2>&1", bin, args);
}

/* True when the mount at MP has the mount option OPT (nosuid, nodev, ...). */
static bool has_vfs_option(const char *mp, const char *opt)
{
	g_autofree char *opts = findmnt_at(mp, "VFS-OPTIONS");
	g_auto(GStrv) each = g_strsplit(opts, ",", -1);
	return g_strv_contains((const char *const *)each, opt);
}

/* Mounts through mount(8) with COMMAND, checks the mount (its source shows as SHOWN: the backing
 * directory, or the word an fstab line gives as source) and the mirror, then `umount MP` must end
 * the daemon with status 0. SAFE: the mount must be nosuid,nodev (not so through mount.fuse3). */
static void mount_umount_as(const char *backing, const char *shown, const char *mp, const char *command,
			    bool safe)
{
	adopt_daemons();
	g_autofree char *qmp = q(mp);
	int st = run("%s", command);
	ck_assert_msg(st == 0, "`%s` exited %d", command, st);
	ck_assert_msg(wait_type(mp, "fuse.shmfs"), "%s is not a fuse.shmfs mount", mp);
	g_autofree char *source = findmnt_at(mp, "SOURCE");
	ck_assert_str_eq(source, shown);
	if (safe) {
		g_autofree char *opts = findmnt_at(mp, "VFS-OPTIONS");
		ck_assert_msg(has_vfs_option(mp, "nosuid") && has_vfs_option(mp, "nodev"), "%s: %s", command, opts);
	}
	assert_mirrors(backing, mp);

	pid_t daemon = adopted();
	ck_assert_msg(daemon > 0, "no shmfs daemon left running in the background");
	ck_assert_int_eq(run("umount %s", qmp), 0);
	ck_assert_int_eq(wait_exit(daemon), 0);
	g_autofree char *type = findmnt_at(mp, "FSTYPE");
	ck_assert_str_eq(type, "");
}

static void mount_umount(const char *backing, const char *mp, const char *command)
{
	mount_umount_as(backing, backing, mp, command, false);
}

/* --- mount(8), fstab --- */

/* Options mount(8) or fstab mean for themselves, which the helper must not hand to shmfs. */
#define FSTAB_OPTS "nofail,noauto,_netdev,x-systemd.requires-mounts-for=/dev/shm,comment=x"

START_TEST(test_mount_t_shmfs)
{
	helpers_in_sbin();
	const char *backing = scratch_tmpfs(), *mp = scratch_dir("mnt");
	g_autofree char *cmd = g_strdup_printf("mount -t shmfs shmfs %s -o shm_dir=%s,allow_other,types=%s,"
					       FSTAB_OPTS, mp, backing, types_file());
	mount_umount_as(backing, "shmfs", mp, cmd, true);
}
END_TEST

START_TEST(test_mount_t_fuse_shmfs)
{
	helpers_in_sbin(); /* and no shmfs on PATH: mount.fuse3 could not run it */
	const char *backing = scratch_tmpfs(), *mp = scratch_dir("mnt");
	g_autofree char *cmd = g_strdup_printf("mount -t fuse.shmfs %s %s -o allow_other,types=%s,nofail", backing,
					       mp, types_file());
	mount_umount_as(backing, backing, mp, cmd, true);
}
END_TEST

/* An fstab line of each type, as the README writes them, mounted with mount MOUNTPOINT. */
START_TEST(test_fstab_helpers)
{
	helpers_in_sbin();
	const char *backing = scratch_tmpfs(), *mp = scratch_dir("mnt"), *mp2 = scratch_dir("mnt");
	const char *types = types_file();
	g_autofree char *fstab = g_strdup_printf("/tmp/shmfs-fstab-%d", (int)getpid());
	g_autofree char *lines = g_strdup_printf("shmfs %s shmfs shm_dir=%s,allow_other,types=%s," FSTAB_OPTS " 0 0\n"
						 "%s %s fuse.shmfs defaults,types=%s,nofail 0 0\n",
						 mp, backing, types, backing, mp2, types);
	ck_assert_int_eq(write_file(fstab, lines, strlen(lines)), 0);
	g_ptr_array_add(undo_files, g_strdup(fstab));
	g_autofree char *cmd = g_strdup_printf("mount -T %s %s", fstab, mp);
	mount_umount_as(backing, "shmfs", mp, cmd, true);
	g_autofree char *seg = g_strdup_printf("%s/my_shm", backing);
	ck_assert_sys(unlink(seg));
	g_autofree char *cmd2 = g_strdup_printf("mount -T %s %s", fstab, mp2);
	mount_umount_as(backing, backing, mp2, cmd2, true);
}
END_TEST

/* mount(8) hands a helper no dev or suid (its defaults), so a mount through it stays nosuid,nodev; a
 * direct shmfs run is the opt-out. The helper run as mount(8) runs it, with what mount(8) drops itself
 * before a helper sees it (defaults, user, ...) and no PATH: no error; -f (fake) mounts nothing. */
START_TEST(test_helper_options)
{
	helpers_in_sbin();
	const char *backing = scratch_tmpfs(), *mp = scratch_dir("mnt"), *types = types_file();
	g_autofree char *cmd = g_strdup_printf("mount -t shmfs shmfs %s -o shm_dir=%s,dev,suid,types=%s", mp, backing,
					       types);
	mount_umount_as(backing, "shmfs", mp, cmd, true);

	adopt_daemons();
	g_autofree char *qmp = q(mp);
	int st;
	g_autofree char *out = shmfs(&st, "%s %s -o dev,suid", backing, qmp);
	ck_assert_msg(st == 0, "shmfs -o dev,suid: %s", out);
	ck_assert(wait_type(mp, "fuse.shmfs"));
	ck_assert_msg(!has_vfs_option(mp, "nosuid") && !has_vfs_option(mp, "nodev"), "shmfs -o dev,suid: nosuid or nodev");
	pid_t daemon = adopted();
	ck_assert_int_eq(run("umount %s", qmp), 0);
	ck_assert_int_eq(wait_exit(daemon), 0);

	g_autofree char *helper = q(getenv("MOUNT_SHMFS"));
	g_autofree char *fake = g_strdup_printf("%s none %s -f -o shm_dir=%s", helper, qmp, backing);
	ck_assert_int_eq(run("%s", fake), 0);
	g_autofree char *type = findmnt_at(mp, "FSTYPE");
	ck_assert_str_eq(type, "");

	g_autofree char *direct = g_strdup_printf("env -i %s shmfs %s -n -s -v -o rw,defaults,auto,user,nouser,users,"
						  "owner,group,x-mount.mkdir -o shm_dir=%s,types=%s", helper, qmp, backing, types);
	mount_umount_as(backing, "shmfs", mp, direct, true);
}
END_TEST

START_TEST(test_mount_t)
{
	shmfs_on_default_path();
	const char *backing = scratch_tmpfs(), *mp = scratch_dir("mnt");
	g_autofree char *cmd = g_strdup_printf("mount -t fuse.shmfs %s %s -o allow_other,types=%s", backing, mp,
					       types_file());
	mount_umount(backing, mp, cmd);
}
END_TEST

START_TEST(test_fstab_line)
{
	shmfs_on_default_path();
	const char *backing = scratch_tmpfs(), *mp = scratch_dir("mnt");
	g_autofree char *fstab = g_strdup_printf("/tmp/shmfs-fstab-%d", (int)getpid());
	g_autofree char *line = g_strdup_printf("%s %s fuse.shmfs allow_other,types=%s 0 0\n", backing, mp,
						types_file());
	ck_assert_int_eq(write_file(fstab, line, strlen(line)), 0);
	g_ptr_array_add(undo_files, g_strdup(fstab));
	g_autofree char *cmd = g_strdup_printf("mount -T %s %s", fstab, mp);
	mount_umount(backing, mp, cmd);
}
END_TEST

/* --- the checks before mounting: one line each, exit status 1 --- */

/* Runs shmfs with ARGS and asserts exit status 1 and exactly the line WANT. */
static void assert_refused(const char *args, const char *want)
{
	int st;
	g_autofree char *out = shmfs(&st, "%s", args);
	g_autofree char *line = g_strdup_printf("%s\n", want);
	ck_assert_str_eq(out, line);
	ck_assert_int_eq(st, 1);
}

START_TEST(test_mountpoint_missing)
{
	const char *backing = scratch_tmpfs();
	g_autofree char *mp = g_strdup_printf("%s/no/such/dir", scratch_dir("mnt"));
	g_autofree char *args = g_strdup_printf("%s %s", backing, mp);
	g_autofree char *want = g_strdup_printf("shmfs: mount point %s does not exist: create it with mkdir -p %s",
						mp, mp);
	assert_refused(args, want);
}
END_TEST

START_TEST(test_mountpoint_not_dir)
{
	const char *backing = scratch_tmpfs();
	g_autofree char *mp = g_strdup_printf("%s/file", backing);
	ck_assert_int_eq(write_file(mp, "x", 1), 0);
	g_autofree char *args = g_strdup_printf("%s %s", backing, mp);
	g_autofree char *want = g_strdup_printf(
		"shmfs: mount point %s is not a directory: mount on a directory, e.g. mkdir -p /mnt/shm", mp);
	assert_refused(args, want);
}
END_TEST

START_TEST(test_mountpoint_is_backing)
{
	const char *backing = scratch_tmpfs();
	g_autofree char *args = g_strdup_printf("%s %s", backing, backing);
	g_autofree char *want = g_strdup_printf("shmfs: mount point %s is the backing directory: mount it "
						"elsewhere, e.g. mkdir -p /mnt/shm && shmfs %s /mnt/shm",
						backing, backing);
	assert_refused(args, want);
}
END_TEST

START_TEST(test_already_mounted)
{
	struct mnt m;
	ck_assert_int_eq(mnt_start(&m, NULL, NULL), 0);
	g_autofree char *args = g_strdup_printf("%s %s", m.backing, m.mountpoint);
	g_autofree char *want = g_strdup_printf("shmfs: %s is already mounted (fuse.shmfs from %s): unmount it "
						"first with fusermount3 -u %s",
						m.mountpoint, m.backing, m.mountpoint);
	assert_refused(args, want);
	ck_assert_msg(mnt_alive(&m), "the mounted shmfs suffered");
	ck_assert_int_eq(mnt_stop(&m), 0);

	/* another file system there: umount, not fusermount3 */
	const char *backing = scratch_tmpfs(), *other = scratch_tmpfs();
	g_autofree char *args2 = g_strdup_printf("%s %s", backing, other);
	g_autofree char *want2 = g_strdup_printf("shmfs: %s is already mounted (tmpfs from tmpfs): unmount it "
						 "first with umount %s, or choose another mount point", other, other);
	assert_refused(args2, want2);
}
END_TEST

/* The README's two commands in order: the first mounts /mnt/shm; readme_test (the second's) then
 * hides it under a tmpfs on /mnt in a mount namespace of its own and mounts a fresh /mnt/shm. A
 * mount there that is hidden is not the path's own: the check must let shmfs mount. */
START_TEST(test_shadowed_mount_not_taken)
{
	const char *backing = scratch_tmpfs(), *parent = scratch_dir("mnt");
	g_autofree char *mp = g_strdup_printf("%s/shm", parent);
	ck_assert_sys(mkdir(mp, 0755));
	g_ptr_array_add(undo_dirs, g_strdup(mp));
	adopt_daemons();
	int st;
	g_autofree char *out = shmfs(&st, "%s %s", backing, mp);
	ck_assert_msg(st == 0 && wait_type(mp, "fuse.shmfs"), "shmfs exited %d: %s", st, out);
	pid_t daemon = adopted();
	ck_assert_int_gt(daemon, 0);

	g_autofree char *script = g_strdup_printf(
		"mount -t tmpfs -o mode=0755 tmpfs %s && mkdir %s && \"$SHMFS_BIN\" %s %s 2>&1 && "
		"stat -c %%m %s && stat -f -c %%t %s && fusermount3 -u %s",
		parent, mp, backing, mp, mp, mp, mp);
	g_autofree char *qscript = q(script);
	g_free(out);
	out = capture_status(&st, "unshare -m --propagation private sh -c %s", qscript);
	g_autofree char *want = g_strdup_printf("%s\n%x\n", mp, FUSE_SUPER_MAGIC);
	ck_assert_msg(st == 0 && strcmp(out, want) == 0,
		      "a shmfs mount hidden under a tmpfs was taken for the fresh directory's: status %d, %s", st,
		      out);

	g_autofree char *qmp = q(mp);
	ck_assert_int_eq(run("fusermount3 -u %s", qmp), 0);
	ck_assert_int_eq(wait_exit(daemon), 0);
}
END_TEST

START_TEST(test_stale_mount)
{
	struct mnt m;
	ck_assert_int_eq(mnt_start(&m, NULL, NULL), 0);
	bool ring = mnt_ring(&m);
	ck_assert_int_eq(kill(m.daemon, SIGKILL), 0);
	ck_assert_int_eq(waitpid(m.daemon, NULL, 0), m.daemon);
	m.daemon = 0;
	/* stat may still answer from the attributes the kernel keeps; statfs and a listing ask */
	ck_assert(statfs(m.mountpoint, &(struct statfs){ 0 }) < 0 && mnt_dead_errno(ring, errno));
	ck_assert(opendir(m.mountpoint) == NULL && mnt_dead_errno(ring, errno));

	g_autofree char *args = g_strdup_printf("%s %s", m.backing, m.mountpoint);
	g_autofree char *want = g_strdup_printf("shmfs: %s is a stale mount (transport endpoint not connected): "
						"run fusermount3 -u %s (or umount -l %s as root)",
						m.mountpoint, m.mountpoint, m.mountpoint);
	assert_refused(args, want);
	/* the advice works */
	g_autofree char *qmp = q(m.mountpoint);
	ck_assert_int_eq(run("fusermount3 -u %s", qmp), 0);
	ck_assert_sys(stat(m.mountpoint, &(struct stat){ 0 }));
	ck_assert_int_eq(mnt_stop(&m), 0);
}
END_TEST

START_TEST(test_backing_missing)
{
	const char *mp = scratch_dir("mnt");
	g_autofree char *backing = g_strdup_printf("%s/no/such/dir", scratch_dir("back"));
	g_autofree char *args = g_strdup_printf("%s -o shm_dir=%s", mp, backing);
	g_autofree char *want = g_strdup_printf("shmfs: backing directory %s does not exist: create it with "
						"mkdir -p %s, or give another with -o shm_dir=DIR",
						backing, backing);
	assert_refused(args, want);
}
END_TEST

START_TEST(test_backing_not_dir)
{
	const char *mp = scratch_dir("mnt");
	g_autofree char *backing = g_strdup_printf("%s/file", scratch_tmpfs());
	ck_assert_int_eq(write_file(backing, "x", 1), 0);
	g_autofree char *args = g_strdup_printf("%s %s", backing, mp);
	g_autofree char *want = g_strdup_printf(
		"shmfs: backing directory %s is not a directory: give a directory, e.g. -o shm_dir=/dev/shm", backing);
	assert_refused(args, want);
}
END_TEST

/* A backing directory on the root file system (not tmpfs): a warning, and the mount works. */
START_TEST(test_not_tmpfs_warns)
{
	const char *backing = scratch_dir("back"), *mp = scratch_dir("mnt");
	g_autofree char *fstype = g_strstrip(capture("stat -f -c %%T %s", backing));
	if (strcmp(fstype, "tmpfs") == 0) {
		fprintf(stderr, "SKIP test_not_tmpfs_warns: /tmp is a tmpfs here\n");
		return;
	}
	adopt_daemons();
	int st;
	g_autofree char *out = shmfs(&st, "%s %s", backing, mp);
	g_autofree char *want = g_strdup_printf("shmfs: warning: backing directory %s is not on tmpfs: works, but "
						"its files are not shared memory\n", backing);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(st, 0);
	ck_assert(wait_type(mp, "fuse.shmfs"));
	g_autofree char *seg = g_strdup_printf("%s/seg", backing), *seen = g_strdup_printf("%s/seg", mp);
	ck_assert_int_eq(write_file(seg, "x", 1), 0);
	g_ptr_array_add(undo_files, g_strdup(seg));
	ck_assert_sys(access(seen, F_OK));

	pid_t daemon = adopted();
	ck_assert_int_gt(daemon, 0);
	g_autofree char *qmp = q(mp);
	ck_assert_int_eq(run("fusermount3 -u %s", qmp), 0);
	ck_assert_int_eq(wait_exit(daemon), 0);
}
END_TEST

/* The mount's readahead is raised to the largest READ request (a daemon-served sequential read
 * through the page cache is then a few large READs), also at a mount point whose name mountinfo
 * escapes: 1 MiB, or the max_read the mount was made with (what a pipe can splice, when the daemon
 * may not have a pipe as large as 1 MiB and a reply header). */
START_TEST(test_readahead_raised)
{
	const char *backing = scratch_tmpfs();
	g_autofree char *mp = g_strdup_printf("%s/a b\\c", scratch_dir("mnt"));
	ck_assert_sys(mkdir(mp, 0755));
	g_ptr_array_add(undo_dirs, g_strdup(mp));
	adopt_daemons();
	int st;
	g_autofree char *qmp = q(mp);
	g_autofree char *out = shmfs(&st, "%s %s", backing, qmp);
	ck_assert_msg(st == 0, "shmfs exited %d: %s", st, out);
	ck_assert(wait_type(mp, "fuse.shmfs"));

	struct stat sb;
	ck_assert_sys(stat(mp, &sb));
	g_autofree char *ra = g_strdup_printf("/sys/class/bdi/%u:%u/read_ahead_kb", major(sb.st_dev),
					      minor(sb.st_dev));
	g_autofree char *opts = findmnt_at(mp, "OPTIONS");
	const char *max_read = opts ? strstr(opts, "max_read=") : NULL;
	unsigned long want_kb = max_read ? strtoul(max_read + 9, NULL, 10) / 1024 : 1024;
	ck_assert_msg(want_kb >= 512 && want_kb <= 1024, "options %s", opts);
	g_autofree char *want = g_strdup_printf("%lu\n", want_kb);
	g_autofree char *kb = NULL;
	/* raised right after the INIT reply, which the stat above may have overtaken */
	ck_assert_msg(SEEN_WITHIN(1.0, NULL, (g_free(kb), kb = read_file(ra, NULL)) && strcmp(kb, want) == 0),
		      "%s: %s", ra, kb ? kb : g_strerror(errno));

	pid_t daemon = adopted_daemon();
	ck_assert_int_gt(daemon, 0);
	ck_assert_int_eq(run("fusermount3 -u %s", qmp), 0);
	ck_assert_int_eq(wait_exit(daemon), 0);
}
END_TEST

/* Runs shmfs in a private mount namespace whose /dev is a fresh tmpfs made by SETUP (shell). */
static char *shmfs_with_dev(int *status, const char *setup, const char *as, const char *args)
{
	g_autofree char *bin = q(getenv("SHMFS_BIN"));
	return capture_status(status, "unshare -m sh -c 'mount -t tmpfs none /dev && %s && exec %s %s %s' 2>&1",
			      setup, as, bin, args);
}

START_TEST(test_dev_fuse_missing)
{
	const char *backing = scratch_tmpfs(), *mp = scratch_dir("mnt");
	g_autofree char *args = g_strdup_printf("%s %s", backing, mp);
	int st;
	g_autofree char *out = shmfs_with_dev(&st, "true", "", args);
	ck_assert_str_eq(out, "shmfs: /dev/fuse is missing: load the FUSE module with modprobe fuse (as root; in "
			      "a container, pass the device: --device /dev/fuse)\n");
	ck_assert_int_eq(st, 1);
}
END_TEST

/* A caller without read-write access to /dev/fuse: root without its capabilities, and a device that
 * is another user's (a real other user could not always run this build: a libfuse 3.17 built into a
 * clone under a 0700 directory is out of its reach). */
START_TEST(test_dev_fuse_denied)
{
	const char *backing = scratch_tmpfs(), *mp = scratch_dir("mnt");
	g_autofree char *args = g_strdup_printf("%s %s", backing, mp);
	int st;
	g_autofree char *out = shmfs_with_dev(&st, "mknod -m 600 /dev/fuse c 10 229 && chown 65534:65534 /dev/fuse",
					      "setpriv --bounding-set=-all --inh-caps=-all", args);
	ck_assert_str_eq(out, "shmfs: cannot open /dev/fuse: Permission denied: the user needs read-write access to "
			      "it (chmod 0666 /dev/fuse as root), or run shmfs as root\n");
	ck_assert_int_eq(st, 1);
}
END_TEST

/* --- the command line --- */

START_TEST(test_bad_option)
{
	const char *backing = scratch_tmpfs(), *mp = scratch_dir("mnt");
	int st;
	g_autofree char *out = shmfs(&st, "%s %s -o bogus_option", backing, mp);
	ck_assert_str_eq(out, "fuse: unknown option(s): `-o bogus_option'\nshmfs: see shmfs --help for the options\n");
	ck_assert_int_eq(st, 1);
	g_autofree char *type = findmnt_at(mp, "FSTYPE");
	ck_assert_str_eq(type, "");

	g_free(out);
	out = shmfs(&st, "%s %s -o cache=sometimes", backing, mp);
	ck_assert_str_eq(out, "shmfs: bad option cache=sometimes: use watch or off\n");
	ck_assert_int_eq(st, 1);
	g_free(type);
	type = findmnt_at(mp, "FSTYPE");
	ck_assert_str_eq(type, "");
}
END_TEST

START_TEST(test_help)
{
	int st;
	g_autofree char *out = shmfs(&st, "--help");
	ck_assert_int_eq(st, 0);
	g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
	const char *options[] = { "-o shm_dir=", "-o types=", "-o passthrough=", "-o cache=", "-o views=",
				  "-o fsname=", "-o subtype=", "-o max_read=", "-o ro, rw ",
				  "-o nosuid, nodev ", "-o noexec, exec ", "-o sync, dirsync ",
				  "-o noatime, atime ", "-o allow_other ", "-o allow_root ",
				  "-o auto_unmount ", "-f ", "-d ", "-s " };
	for (size_t i = 0; i < G_N_ELEMENTS(options); i++) {
		int n = 0;
		for (char **l = lines; *l; l++) {
			const char *text = *l + strspn(*l, " ");
			n += g_str_has_prefix(text, options[i]);
		}
		ck_assert_msg(n == 1, "--help: %d lines start with '%s'\n%s", n, options[i], out);
	}
	const char *refused[] = { "writeback_cache", "kernel_cache", "auto_cache", "direct_io",
				  "blksize=", "max_write=", "max_readahead=", "big_writes", "nonempty" };
	for (size_t i = 0; i < G_N_ELEMENTS(refused); i++)
		ck_assert_msg(strstr(out, refused[i]), "--help does not name %s:\n%s", refused[i], out);
}
END_TEST

START_TEST(test_version)
{
	int st;
	g_autofree char *out = shmfs(&st, "--version");
	ck_assert_int_eq(st, 0);
	ck_assert_msg(g_str_has_prefix(out, "shmfs " SHMFS_VERSION " (libfuse 3."), "--version: %s", out);
	ck_assert_msg(strstr(out, "\ndata mode here: "), "--version: %s", out);
	/* the passthrough path meson chose fits the libfuse shmfs runs with (a soname of its own) */
	unsigned minor;
	ck_assert_int_eq(sscanf(out, "shmfs " SHMFS_VERSION " (libfuse 3.%u", &minor), 1);
	const char *via = minor >= 17 ? "\npassthrough set up through: libfuse's passthrough API"
				      : "\npassthrough set up through: raw INIT and OPEN reply hooks";
	ck_assert_msg(strstr(out, via), "libfuse 3.%u, --version: %s", minor, out);
}
END_TEST

/* --- a daemon: mounts, logs to syslog, unmounts --- */

/* A datagram socket at /dev/log, where syslog(3) writes, in this test's private mount namespace
 * (a tmpfs on /dev with the two devices shmfs needs), so no syslog daemon is needed. */
static int fake_syslog(void)
{
	private_mounts();
	ck_assert_sys(mount("tmpfs", "/dev", "tmpfs", 0, "mode=0755"));
	ck_assert_sys(mknod("/dev/fuse", S_IFCHR | 0666, makedev(10, 229)));
	ck_assert_sys(mknod("/dev/null", S_IFCHR | 0666, makedev(1, 3)));

	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };
	ck_assert_sys(fd);
	ck_assert_sys(bind(fd, (struct sockaddr *)&sa, sizeof sa));
	struct timeval tv = { 10, 0 };
	ck_assert_sys(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
	return fd;
}

START_TEST(test_daemon_syslog)
{
	/* all of it in this test's own mount namespace: gone with the test process */
	int log = fake_syslog();
	const char *backing = scratch_tmpfs(), *mp = scratch_dir("mnt");
	const char *types = types_file();
	adopt_daemons();

	int st;
	g_autofree char *out = shmfs(&st, "%s %s -o types=%s", backing, mp, types);
	ck_assert_msg(st == 0, "shmfs exited %d: %s", st, out);
	ck_assert_str_eq(out, ""); /* daemonized: nothing on the terminal */
	ck_assert(wait_type(mp, "fuse.shmfs"));
	pid_t daemon = adopted();
	ck_assert_int_gt(daemon, 0);

	/* the types file broken now: the next listing reads it again, and its error goes to syslog as
	 * shmfs[PID], daemon.warning */
	ck_assert_int_eq(write_file(types, "[my_shm\n", 8), 0);
	g_autofree char *seg = g_strdup_printf("%s/my_shm", backing);
	ck_assert_int_eq(write_file(seg, "x", 1), 0);
	g_autofree char *qmp = q(mp);
	g_autofree char *ls = capture("ls %s", qmp);
	ck_assert_str_eq(ls, "my_shm\n");
	g_autofree char *prefix = g_strdup_printf("<%d>", LOG_DAEMON | LOG_WARNING);
	g_autofree char *tag = g_strdup_printf(" shmfs[%d]: ", (int)daemon);
	g_autofree char *what = g_strdup_printf("types file %s:1: ", types);
	/* the first line says what is mounted where, and how; no line says "shmfs" twice */
	g_autofree char *first = g_strdup_printf("<%d>", LOG_DAEMON | LOG_NOTICE);
	g_autofree char *mounted = g_strdup_printf("%s%s mounted at %s, data mode: ", tag, backing, mp);
	g_autofree char *twice = g_strdup_printf("%sshmfs: ", tag);
	bool seen = false;
	char msg[2048];
	ssize_t n;
	for (int i = 0; !seen && (n = recv(log, msg, sizeof msg - 1, 0)) > 0; i++) {
		msg[n] = 0;
		ck_assert_msg(!strstr(msg, twice), "the prefix twice in syslog: %s", msg);
		ck_assert_msg(i > 0 || (g_str_has_prefix(msg, first) && strstr(msg, mounted)),
			      "the first message in syslog is not '%s...%s...': %s", first, mounted, msg);
		seen = g_str_has_prefix(msg, prefix) && strstr(msg, tag) && strstr(msg, what);
	}
	ck_assert_msg(seen, "no '%s...%s...%s' message in syslog", prefix, tag, what);

	ck_assert_int_eq(run("fusermount3 -u %s", qmp), 0);
	ck_assert_int_eq(wait_exit(daemon), 0);
}
END_TEST

/* A failure once shmfs is in the background, at the kernel's INIT (here passthrough=on on a kernel
 * whose INIT offers none, as one built without CONFIG_FUSE_PASSTHROUGH, which the checks before
 * mounting cannot tell): the command says why on stderr and exits 1, and nothing stays mounted. */
START_TEST(test_init_failure_reaches_caller)
{
	int st;
	g_autofree char *version = shmfs(&st, "--version");
	if (!strstr(version, "\ndata mode here: passthrough")) {
		fprintf(stderr, "SKIP test_init_failure_reaches_caller: no passthrough here: %s", version);
		return;
	}
	const char *backing = scratch_tmpfs(), *mp = scratch_dir("mnt");
	adopt_daemons();
	g_autofree char *bin = q(getenv("SHMFS_BIN"));
	g_autofree char *out = capture_status(&st, "SHMFS_FORCE_KERNEL_NO_PASSTHROUGH=1 %s %s %s -o passthrough=on "
					      "2>&1", bin, backing, mp);
	ck_assert_str_eq(out, "shmfs: passthrough=on refused: the kernel offers no FUSE passthrough\n");
	ck_assert_int_eq(st, 1);
	pid_t daemon = adopted();
	ck_assert_msg(daemon <= 0 || wait_exit(daemon) >= 0, "the daemon still runs");
	g_autofree char *type = findmnt_at(mp, "FSTYPE");
	ck_assert_str_eq(type, "");
}
END_TEST

int main(void)
{
	mnt_require_fuse();
	undo_init();
	Suite *s = suite_create("mount_system");
	TCase *tc = tcase_create("system");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_help);
	tcase_add_test(tc, test_version);
	if (!mnt_is_root()) {
		fprintf(stderr, "mount_system_test: not root: only --help and --version are tested\n");
	} else {
		tcase_add_test(tc, test_mount_t);
		tcase_add_test(tc, test_fstab_line);
		tcase_add_test(tc, test_mount_t_shmfs);
		tcase_add_test(tc, test_mount_t_fuse_shmfs);
		tcase_add_test(tc, test_fstab_helpers);
		tcase_add_test(tc, test_helper_options);
		tcase_add_test(tc, test_mountpoint_missing);
		tcase_add_test(tc, test_mountpoint_not_dir);
		tcase_add_test(tc, test_mountpoint_is_backing);
		tcase_add_test(tc, test_already_mounted);
		tcase_add_test(tc, test_shadowed_mount_not_taken);
		tcase_add_test(tc, test_stale_mount);
		tcase_add_test(tc, test_backing_missing);
		tcase_add_test(tc, test_backing_not_dir);
		tcase_add_test(tc, test_not_tmpfs_warns);
		tcase_add_test(tc, test_dev_fuse_missing);
		tcase_add_test(tc, test_dev_fuse_denied);
		tcase_add_test(tc, test_bad_option);
		tcase_add_test(tc, test_readahead_raised);
		tcase_add_test(tc, test_daemon_syslog);
		tcase_add_test(tc, test_init_failure_reaches_caller);
	}
	suite_add_tcase(s, tc);
	return mnt_run_suite(s);
}
