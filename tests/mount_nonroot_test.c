/* mount_nonroot_test.c - shmfs mounted by a user other than root through the setuid fusermount3 (as on
 * Debian, /dev/fuse 0666): daemon-served and saying why, the user's files, the user's unmount, refusals. */
#include "mount_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OTHER 4242             /* a third user, who may come in only with allow_other */
/* The test's private scratch tmpfs: not /tmp, which may hold the build (a clone in mktemp -d). */
#define ROOT "/run/shmfs-nonroot-test"
#define MP ROOT "/mnt"         /* the user's mount point */
#define LOG ROOT "/shmfs.log"  /* the daemon's stderr */
#define SETPRIV_NOBODY "setpriv --reuid=65534 --regid=65534 --clear-groups"
#define WHY_DAEMON_SERVED "FUSE passthrough needs CAP_SYS_ADMIN, which shmfs running as uid 65534 lacks"

/* --- a user's machine, in a mount namespace of the test's own (gone with the test process) --- */

/* The libfuse BIN runs with, copied beside the copy of the binary when it lies outside the system's
 * library directories (a libfuse 3.17 built into the clone, as .ci/run does), and found there
 * through LD_LIBRARY_PATH by nobody's processes. */
static void copy_libfuse(const char *bin)
{
	g_autofree char *qbin = q(bin);
	g_autofree char *lib = capture("ldd %s | awk '$1 == \"libfuse3.so.4\" {print $3}'", qbin);
	g_strstrip(lib);
	if (!*lib || g_str_has_prefix(lib, "/lib/") || g_str_has_prefix(lib, "/usr/lib/"))
		return;
	g_autofree char *bytes = NULL;
	gsize len;
	ck_assert(g_file_get_contents(lib, &bytes, &len, NULL));
	ck_assert(mkdir(ROOT "/lib", 0755) == 0 || errno == EEXIST);
	ck_assert_int_eq(write_file(ROOT "/lib/libfuse3.so.4", bytes, len), 0);
	ck_assert_sys(chmod(ROOT "/lib/libfuse3.so.4", 0755));
	setenv("LD_LIBRARY_PATH", ROOT "/lib", 1);
}

/* A private ROOT, /dev/fuse read-write for everyone (a 0666 node bound over this container's 0600
 * one), /dev/shm a tmpfs owned by nobody, /etc/fuse.conf with or without user_allow_other, the
 * mount point MP, nobody's, and a copy of the shmfs binary nobody may run (SHMFS_BIN points at it
 * from then on: the build may sit where nobody cannot reach, such as a clone in mktemp -d). */
static void user_world(bool user_allow_other)
{
	ck_assert_sys(unshare(CLONE_NEWNS));
	ck_assert_sys(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	ck_assert(mkdir(ROOT, 0755) == 0 || errno == EEXIST);
	ck_assert_sys(mount("tmpfs", ROOT, "tmpfs", 0, "size=16m,mode=1777"));
	ck_assert_sys(mknod(ROOT "/fuse", S_IFCHR | 0666, makedev(10, 229)));
	ck_assert_sys(chmod(ROOT "/fuse", 0666)); /* mknod took the umask off */
	ck_assert_sys(mount(ROOT "/fuse", "/dev/fuse", NULL, MS_BIND, NULL));
	ck_assert_sys(mount("tmpfs", "/dev/shm", "tmpfs", 0, "size=64m,mode=0700,uid=65534,gid=65534"));

	const char *conf = user_allow_other ? "user_allow_other\n" : "#user_allow_other\n";
	ck_assert_int_eq(write_file(ROOT "/fuse.conf", conf, strlen(conf)), 0);
	ck_assert_sys(mount(ROOT "/fuse.conf", "/etc/fuse.conf", NULL, MS_BIND, NULL));

	ck_assert_sys(mkdir(MP, 0755));
	ck_assert_sys(chown(MP, NOBODY, NOBODY));
	g_autofree char *bin = NULL;
	gsize len;
	ck_assert(g_file_get_contents(getenv("SHMFS_BIN"), &bin, &len, NULL));
	ck_assert_int_eq(write_file(ROOT "/shmfs", bin, len), 0);
	ck_assert_sys(chmod(ROOT "/shmfs", 0755));
	copy_libfuse(getenv("SHMFS_BIN"));
	setenv("SHMFS_BIN", ROOT "/shmfs", 1);
	struct stat st = xlstat("/dev/fuse");
	ck_assert_int_eq(st.st_mode & 0777, 0666);
}

/* --- the user's daemon --- */

/* Starts `shmfs -f ARGS...` as nobody (no groups, no capabilities: it cannot mount(2) itself), its
 * output in LOG, and waits until MP is a fuse.shmfs mount. Returns its pid. */
static pid_t start_as_nobody(const char *const *args)
{
	const char *argv[16] = { getenv("SHMFS_BIN"), "-f" };
	int argc = 2;
	for (; *args && argc < 15; args++)
		argv[argc++] = *args;
	argv[argc] = NULL;

	int log = open(LOG, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ck_assert_sys(log);
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_sys(pid);
	if (pid == 0) {
		dup2(log, 1);
		dup2(log, 2);
		if (become_nobody(022) < 0)
			_exit(126);
		/* after the change of uid, which clears it: the daemon goes when the test does */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	close(log);

	for (int i = 0; i < 500; i++) {
		g_autofree char *type = findmnt_at(MP, "FSTYPE");
		if (strcmp(type, "fuse.shmfs") == 0)
			return pid;
		int ws;
		if (waitpid(pid, &ws, WNOHANG) == pid) {
			g_autofree char *text = read_file(LOG, NULL);
			ck_abort_msg("shmfs as nobody exited (status %d) before mounting; its output:\n%s",
				     WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws), text);
		}
		sleep_ms(20);
	}
	kill(pid, SIGKILL);
	ck_abort_msg("shmfs as nobody did not mount %s within 10 s", MP);
	return -1;
}

/* A daemon in the background outlives a test that fails (Check ends it with _exit, past any atexit):
 * a root child of the test that detaches MP when the test process dies, which ends that daemon.
 * Returns its pid; the test kills it when all went well. */
static pid_t guard_mount(void)
{
	pid_t test = getpid(), pid = fork();
	ck_assert_sys(pid);
	if (pid == 0) {
		sigset_t term;
		sigemptyset(&term);
		sigaddset(&term, SIGTERM);
		sigprocmask(SIG_BLOCK, &term, NULL);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		int sig;
		if (getppid() == test)
			sigwait(&term, &sig);
		umount2(MP, MNT_DETACH);
		_exit(0);
	}
	return pid;
}

static void unguard(pid_t guard)
{
	ck_assert_sys(kill(guard, SIGKILL));
	ck_assert_int_eq(waitpid(guard, NULL, 0), guard);
}

static int child_unmount(const void *arg)
{
	(void)arg;
	STEP(1, run("fusermount3 -u " MP) == 0, "fusermount3 -u %s as nobody failed", MP);
	return 0;
}

/* The user unmounts with fusermount3 -u; the daemon must exit 0 and leave nothing mounted. Returns
 * the daemon's log (g_free it). */
static char *unmount_as_nobody(pid_t daemon)
{
	as_nobody(022, child_unmount, NULL);
	int status = wait_pid(daemon, 10);
	g_autofree char *type = findmnt_at(MP, "FSTYPE");
	ck_assert_str_eq(type, "");
	char *log = read_file(LOG, NULL);
	ck_assert_msg(status == 0, "daemon wait status %d after fusermount3 -u; its log:\n%s", status, log);
	return log;
}

/* --- what the user does through the mount --- */

#define SEG "mine"
#define SEG_LEN (1024 * 1024 + 123)

static int child_files(const void *arg)
{
	const unsigned char *want = arg;
	g_autofree unsigned char *got = g_malloc(SEG_LEN);

	/* create and write through the mount: the user's file, with the user's umask (027 here) */
	int fd = open(MP "/" SEG, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	STEP(1, fd >= 0, "create %s", MP "/" SEG);
	STEP(2, write(fd, want, SEG_LEN) == SEG_LEN, "write %d bytes", SEG_LEN);
	struct stat st;
	STEP(3, fstat(fd, &st) == 0 && st.st_uid == NOBODY && st.st_gid == NOBODY &&
		(st.st_mode & 07777) == 0640 && st.st_size == SEG_LEN,
	     "fstat through the mount: uid %u gid %u mode %o size %lld", st.st_uid, st.st_gid,
	     st.st_mode & 07777, (long long)st.st_size);
	STEP(4, close(fd) == 0, "close");
	STEP(5, file_equals(MP "/" SEG, want, SEG_LEN), "read back through the mount");

	/* shm_open on the backing directory (/dev/shm) sees the same bytes and the same owner */
	int sfd = shm_open("/" SEG, O_RDWR, 0);
	STEP(6, sfd >= 0, "shm_open /%s", SEG);
	STEP(7, fstat(sfd, &st) == 0 && st.st_uid == NOBODY && st.st_size == SEG_LEN, "fstat of the shm_open fd");
	unsigned char *map = mmap(NULL, SEG_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, sfd, 0);
	STEP(8, map != MAP_FAILED, "mmap of the shm_open fd");
	STEP(9, memcmp(map, want, SEG_LEN) == 0, "shm_open's mapping differs at byte %zd",
	     first_diff(map, want, SEG_LEN));

	/* a store by the shm_open user shows through the mount at the next open */
	memcpy(map + 4096, "stored by shm_open", 18);
	fd = open(MP "/" SEG, O_RDWR | O_CLOEXEC);
	STEP(10, fd >= 0, "reopen through the mount");
	STEP(11, pread(fd, got, 18, 4096) == 18 && memcmp(got, "stored by shm_open", 18) == 0,
	     "the mount does not show the shm_open user's store");

	/* and a store through a mapping of the mount reaches the shm_open user at msync */
	unsigned char *mmap_mnt = mmap(NULL, SEG_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	STEP(12, mmap_mnt != MAP_FAILED, "mmap through the mount");
	memcpy(mmap_mnt + SEG_LEN - 20, "stored through mount", 20);
	STEP(13, msync(mmap_mnt, SEG_LEN, MS_SYNC) == 0, "msync through the mount");
	STEP(14, memcmp(map + SEG_LEN - 20, "stored through mount", 20) == 0,
	     "the shm_open user does not see the store through the mount after msync");
	munmap(mmap_mnt, SEG_LEN);
	munmap(map, SEG_LEN);
	close(fd);
	close(sfd);

	/* rm through the mount is shm_unlink */
	STEP(15, write_file(MP "/tmp.seg", "t", 1) == 0 && unlink(MP "/tmp.seg") == 0, "create and rm");
	STEP(16, shm_open("/tmp.seg", O_RDONLY, 0) < 0 && errno == ENOENT, "tmp.seg is still there");
	return 0;
}

START_TEST(test_user_mounts_through_fusermount3)
{
	user_world(false);
	pid_t daemon = start_as_nobody((const char *[]){ "/dev/shm", MP, NULL });

	/* the daemon is nobody without any capability: the mount is fusermount3's, for nobody */
	g_autofree char *uid = proc_status(daemon, "Uid"), *capeff = proc_status(daemon, "CapEff");
	ck_assert_str_eq(uid, "65534\t65534\t65534\t65534");
	ck_assert_str_eq(capeff, "0000000000000000");
	g_autofree char *opts = findmnt_at(MP, "OPTIONS");
	ck_assert_msg(strstr(opts, "user_id=65534,group_id=65534,default_permissions"), "options %s", opts);
	ck_assert_msg(!strstr(opts, "allow_other"), "options %s", opts);

	/* nobody else comes in, not even root */
	ck_assert_errno(stat(MP, &(struct stat){ 0 }), EACCES);

	g_autofree unsigned char *want = g_malloc(SEG_LEN);
	fill_pattern(want, SEG_LEN, 7);
	as_nobody(027, child_files, want);
	struct stat st = xlstat("/dev/shm/" SEG);
	ck_assert_uint_eq(st.st_uid, NOBODY);
	ck_assert_uint_eq(st.st_gid, NOBODY);
	ck_assert_int_eq(st.st_size, SEG_LEN);

	g_autofree char *log = unmount_as_nobody(daemon);
	ck_assert_msg(g_str_has_prefix(log, "shmfs: /dev/shm mounted at " MP ", data mode: daemon-served ("
					    WHY_DAEMON_SERVED ")\n"),
		      "the log does not start with what is mounted where, the data mode and why:\n%s", log);
	/* the daemon served the data itself: the kernel did not (no passthrough) */
	unsigned long long reads = 0, writes = 0;
	const char *served = strstr(log, "shmfs: served ");
	ck_assert_msg(served && sscanf(served, "shmfs: served %llu READ and %llu WRITE", &reads, &writes) == 2,
		      "log:\n%s", log);
	ck_assert_msg(reads > 0 && writes > 0, "served %llu READ and %llu WRITE", reads, writes);
}
END_TEST

/* Without -f: shmfs mounts, goes to the background and returns 0; the default SOURCE is /dev/shm. */
START_TEST(test_user_daemon_in_background)
{
	user_world(false);
	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0); /* to collect the daemon's exit status */
	pid_t guard = guard_mount();
	g_autofree char *bin = q(getenv("SHMFS_BIN"));
	int st;
	g_autofree char *out = capture_status(&st, SETPRIV_NOBODY " %s " MP " 2>&1", bin);
	ck_assert_msg(st == 0, "shmfs " MP " as nobody exited %d: %s", st, out);
	ck_assert_str_eq(out, "");
	g_autofree char *type = findmnt_at(MP, "FSTYPE");
	ck_assert_str_eq(type, "fuse.shmfs");
	g_autofree char *source = findmnt_at(MP, "SOURCE");
	ck_assert_str_eq(source, "/dev/shm");

	ck_assert_int_eq(write_file("/dev/shm/seen", "x", 1), 0);
	g_autofree char *ls = capture(SETPRIV_NOBODY " ls " MP);
	ck_assert_str_eq(ls, "seen\n");

	pid_t daemon = adopted_daemon();
	ck_assert_msg(daemon > 0, "no shmfs daemon left running in the background");
	g_autofree char *uid = proc_status(daemon, "Uid");
	ck_assert_str_eq(uid, "65534\t65534\t65534\t65534");
	ck_assert_int_eq(run(SETPRIV_NOBODY " fusermount3 -u " MP), 0);
	ck_assert_int_eq(wait_pid(daemon, 10), 0);
	g_autofree char *after = findmnt_at(MP, "FSTYPE");
	ck_assert_str_eq(after, "");
	unguard(guard);
}
END_TEST

/* --- what such a user is refused: one line each, exit status 1, nothing mounted --- */

static void assert_refused_as_nobody(const char *args, const char *want)
{
	g_autofree char *bin = q(getenv("SHMFS_BIN"));
	int st;
	g_autofree char *out = capture_status(&st, SETPRIV_NOBODY " timeout 10 %s -f %s 2>&1", bin, args);
	g_autofree char *line = g_strdup_printf("%s\n", want);
	ck_assert_str_eq(out, line);
	ck_assert_int_eq(st, 1);
	g_autofree char *type = findmnt_at(MP, "FSTYPE");
	ck_assert_str_eq(type, "");
}

START_TEST(test_user_allow_other_needs_fuse_conf)
{
	user_world(false);
	assert_refused_as_nobody("/dev/shm " MP " -o allow_other",
				 "fusermount3: option allow_other only allowed if 'user_allow_other' is set in "
				 "/etc/fuse.conf");
}
END_TEST

START_TEST(test_user_passthrough_on_refused)
{
	user_world(false);
	assert_refused_as_nobody("/dev/shm " MP " -o passthrough=on",
				 "shmfs: passthrough=on refused: " WHY_DAEMON_SERVED ": run shmfs as root");
}
END_TEST

START_TEST(test_user_mountpoint_not_theirs)
{
	user_world(false);
	ck_assert_sys(mkdir(ROOT "/roots", 0755));
	assert_refused_as_nobody("/dev/shm " ROOT "/roots",
				 "fusermount3: user has no write access to mountpoint " ROOT "/roots");
	g_autofree char *type = findmnt_at(ROOT "/roots", "FSTYPE");
	ck_assert_str_eq(type, "");
}
END_TEST

START_TEST(test_user_version_says_daemon_served)
{
	user_world(false);
	g_autofree char *bin = q(getenv("SHMFS_BIN"));
	int st;
	g_autofree char *out = capture_status(&st, SETPRIV_NOBODY " %s --version", bin);
	ck_assert_int_eq(st, 0);
	ck_assert_msg(strstr(out, "\ndata mode here: daemon-served (" WHY_DAEMON_SERVED ": run it as root)\n"),
		      "--version as nobody:\n%s", out);
}
END_TEST

/* --- allow_other where /etc/fuse.conf has user_allow_other: others come in, the modes decide --- */

static int child_two_files(const void *arg)
{
	(void)arg;
	STEP(1, write_file(MP "/open", "for all\n", 8) == 0, "create %s", MP "/open");
	STEP(2, write_file(MP "/private", "mine\n", 5) == 0 && chmod(MP "/private", 0600) == 0, "create private");
	STEP(3, chmod(MP, 0755) == 0, "chmod the mount's root"); /* /dev/shm was 0700: let others look */
	return 0;
}

static int child_other(const void *arg)
{
	(void)arg;
	STEP(1, file_equals(MP "/open", "for all\n", 8), "read %s as uid %d", MP "/open", OTHER);
	STEP(2, open(MP "/private", O_RDONLY) < 0 && errno == EACCES, "open of nobody's 0600 file");
	STEP(3, open(MP "/new", O_WRONLY | O_CREAT, 0644) < 0 && errno == EACCES, "create in nobody's 0755 dir");
	STEP(4, open(MP "/open", O_WRONLY) < 0 && errno == EACCES, "write to nobody's 0644 file");
	return 0;
}

START_TEST(test_user_allow_other_with_fuse_conf)
{
	user_world(true);
	pid_t daemon = start_as_nobody((const char *[]){ "/dev/shm", MP, "-o", "allow_other", NULL });
	g_autofree char *opts = findmnt_at(MP, "OPTIONS");
	ck_assert_msg(strstr(opts, "allow_other"), "options %s", opts);

	as_nobody(022, child_two_files, NULL);
	as_user(OTHER, 022, child_other, NULL);
	struct stat st = xlstat(MP "/private"); /* root comes in too now */
	ck_assert_uint_eq(st.st_uid, NOBODY);
	ck_assert_int_eq(st.st_mode & 07777, 0600);

	g_autofree char *log = unmount_as_nobody(daemon);
	ck_assert_msg(strstr(log, ", data mode: daemon-served (" WHY_DAEMON_SERVED ")\n"), "log:\n%s", log);
}
END_TEST

int main(void)
{
	mnt_require_fuse();
	mnt_require_root("it builds a user's machine in a mount namespace");
	/* The reason a user's daemon is daemon-served is the real one, also under --setup daemonserved. */
	unsetenv("SHMFS_FORCE_NO_PASSTHROUGH");
	Suite *s = suite_create("mount_nonroot");
	TCase *tc = tcase_create("nonroot");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_user_mounts_through_fusermount3);
	tcase_add_test(tc, test_user_daemon_in_background);
	tcase_add_test(tc, test_user_allow_other_needs_fuse_conf);
	tcase_add_test(tc, test_user_passthrough_on_refused);
	tcase_add_test(tc, test_user_mountpoint_not_theirs);
	tcase_add_test(tc, test_user_version_says_daemon_served);
	tcase_add_test(tc, test_user_allow_other_with_fuse_conf);
	suite_add_tcase(s, tc);
	return mnt_run_suite(s);
}
