/* mount_setid_test.c - set-user-ID and set-group-ID bits through the mount go exactly as on tmpfs:
 * every action below, by nobody, by root, and by root without CAP_FSETID, is made once on a file in
 * the backing tmpfs directly and once on its twin through the mount, and both must end in one mode.
 *
 * Who clears the bits depends on the mount: with HANDLE_KILLPRIV_V2 (the default where the kernel
 * offers it) the daemon does, from the kernel's kill flags and a passthrough write's empty SETATTR
 * (fs/privs.c); with SHMFS_FORCE_NO_KILLPRIV_V2=1 the kernel does, except for open(O_TRUNC), which
 * the daemon makes as the caller (fs/file_ops.c). One TCase each; both data modes through the
 * daemonserved meson setup. */
#include "mount_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define M (&g_mnt)
#define OTHER_GID 4242 /* a group nobody is not in */

enum who { NOBODY_USER, ROOT, ROOT_NO_FSETID };
static const char *const who_name[] = { "nobody", "root", "root without CAP_FSETID" };

/* The starting points: owner nobody, who may write; set-group-ID with and without group execute,
 * in a group nobody is in and in one it is not (only then does a write clear it natively). */
static const struct start {
	mode_t mode;
	gid_t gid;
} starts[] = {
	{ 06755, NOBODY }, { 02775, NOBODY }, { 02765, NOBODY }, { 02766, OTHER_GID },
};

/* One action on PATH; 0 when its calls worked, else the step that failed (STEP). */
typedef int (*action_fn)(const char *path, mode_t start_mode);

static int act_write(const char *path, mode_t start_mode)
{
	(void)start_mode;
	int fd = open(path, O_WRONLY);
	STEP(1, fd >= 0, "open %s", path);
	STEP(2, pwrite(fd, "x", 1, 0) == 1, "write");
	close(fd);
	return 0;
}

/* A write, the bits set again through the same path, and a second write: the first one's check
 * must not be remembered past the chmod (S_NOSEC). */
static int act_second_write(const char *path, mode_t start_mode)
{
	int rc = act_write(path, start_mode);
	if (rc)
		return rc;
	STEP(3, chmod(path, start_mode) == 0, "chmod %s", path);
	return act_write(path, start_mode);
}

static int act_truncate(const char *path, mode_t start_mode)
{
	(void)start_mode;
	STEP(1, truncate(path, 3) == 0, "truncate %s", path);
	return 0;
}

static int act_ftruncate(const char *path, mode_t start_mode)
{
	(void)start_mode;
	int fd = open(path, O_WRONLY);
	STEP(1, fd >= 0, "open %s", path);
	STEP(2, ftruncate(fd, 3) == 0, "ftruncate");
	close(fd);
	return 0;
}

static int act_open_trunc(const char *path, mode_t start_mode)
{
	(void)start_mode;
	int fd = open(path, O_WRONLY | O_TRUNC);
	STEP(1, fd >= 0, "open(O_TRUNC) %s", path);
	close(fd);
	return 0;
}

/* An fd opened before the bits were set (through the same path), then written. */
static int act_held_fd_write(const char *path, mode_t start_mode)
{
	STEP(1, chmod(path, start_mode & 0777) == 0, "chmod -s %s", path);
	int fd = open(path, O_RDWR);
	STEP(2, fd >= 0, "open %s", path);
	STEP(3, chmod(path, start_mode) == 0, "chmod +s %s", path);
	STEP(4, pwrite(fd, "y", 1, 1) == 1, "write");
	close(fd);
	return 0;
}

static const struct action {
	const char *name;
	action_fn fn;
} actions[] = {
	{ "write", act_write },
	{ "second write", act_second_write },
	{ "truncate(2)", act_truncate },
	{ "ftruncate", act_ftruncate },
	{ "open(O_TRUNC)", act_open_trunc },
	{ "write by an fd held across chmod +s", act_held_fd_write },
};

/* Drops CAP_FSETID from this process's effective and permitted sets (uid stays 0). */
static int drop_fsetid(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	if (syscall(SYS_capget, &hdr, data) < 0)
		return -1;
	data[0].effective &= ~(1u << CAP_FSETID);
	data[0].permitted &= ~(1u << CAP_FSETID);
	data[0].inheritable &= ~(1u << CAP_FSETID);
	return (int)syscall(SYS_capset, &hdr, data);
}

/* Runs ACTION on PATH as WHO in a child; asserts its calls worked. */
static void run_as(enum who who, const struct action *action, const char *path, mode_t start_mode)
{
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_sys(pid);
	if (pid == 0) {
		if (who == NOBODY_USER && become_nobody(022) < 0)
			_exit(100);
		if (who == ROOT_NO_FSETID && drop_fsetid() < 0) {
			perror("capset");
			_exit(101);
		}
		_exit(action->fn(path, start_mode));
	}
	int ws;
	ck_assert_int_eq(waitpid(pid, &ws, 0), pid);
	ck_assert_msg(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "%s by %s on %s failed at step %d",
		      action->name, who_name[who], path, WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
}

/* A fresh file NAME in the backing directory: 11 bytes, owner nobody, group and mode as START. */
static void prepare(const char *name, const struct start *start)
{
	g_autofree char *b = back_path(M, "%s", name);
	unlink(b);
	put_pattern(b, 11, 1);
	ck_assert_sys(chown(b, NOBODY, start->gid));
	ck_assert_sys(chmod(b, start->mode));
}

static mode_t backing_mode(const char *name)
{
	g_autofree char *b = back_path(M, "%s", name);
	return xlstat(b).st_mode & 07777;
}

/* Without HANDLE_KILLPRIV_V2 the kernel's fuse_setattr (fs/fuse/dir.c) clears set-group-ID on a
 * truncate only where group execute is set: the newer VFS rule that also clears it for a caller
 * outside the file's group never reached that code, and the SETATTR carries the size, not a sign
 * the daemon could act on. The one difference from tmpfs such a mount has, expected here so that
 * the rest of that path stays tested. */
static bool kernel_truncate_keeps_sgid(bool kernel_clears, const struct action *action,
				       const struct start *start)
{
	return kernel_clears && (action->fn == act_truncate || action->fn == act_ftruncate) &&
	       (start->mode & (S_ISGID | S_IXGRP)) == S_ISGID;
}

/* Every action by WHO from every start: native result == result through the mount. Returns how
 * many differ (each printed), and counts in *CHANGED those where the bits changed natively (so
 * that a matrix where nothing ever changes cannot pass unnoticed). KERNEL_CLEARS: the mount runs
 * without HANDLE_KILLPRIV_V2. */
static int compare_all(enum who who, bool kernel_clears, int *changed)
{
	int differ = 0;
	for (size_t a = 0; a < G_N_ELEMENTS(actions); a++) {
		for (size_t s = 0; s < G_N_ELEMENTS(starts); s++) {
			/* New names each time: the kernel never holds an entry of an earlier file. */
			g_autofree char *nat_name = g_strdup_printf("native-%d-%zu-%zu", who, a, s);
			g_autofree char *mnt_name = g_strdup_printf("mounted-%d-%zu-%zu", who, a, s);
			prepare(nat_name, &starts[s]);
			prepare(mnt_name, &starts[s]);
			g_autofree char *nat = back_path(M, "%s", nat_name);
			g_autofree char *mnt = mnt_path(M, "%s", mnt_name);
			xlstat(mnt); /* the kernel looks the file up, as a user's ls -l would */
			run_as(who, &actions[a], nat, starts[s].mode);
			run_as(who, &actions[a], mnt, starts[s].mode);
			mode_t want = backing_mode(nat_name), got = backing_mode(mnt_name);
			if (want != starts[s].mode)
				(*changed)++;
			if (want != got && kernel_truncate_keeps_sgid(kernel_clears, &actions[a], &starts[s])) {
				ck_assert_int_eq(got, starts[s].mode);
			} else if (want != got) {
				fprintf(stderr, "%s by %s from %04o (group %d): tmpfs gives %04o, the mount %04o\n",
					actions[a].name, who_name[who], (unsigned)starts[s].mode,
					(int)starts[s].gid, (unsigned)want, (unsigned)got);
				differ++;
			}
		}
	}
	return differ;
}

/* The whole matrix by WHO: no difference from tmpfs, and bits changed somewhere natively exactly
 * when that caller lacks CAP_FSETID (so that a matrix where nothing changes cannot pass unnoticed). */
static void check_matrix(enum who who, bool kernel_clears)
{
	int changed = 0;
	ck_assert_int_eq(compare_all(who, kernel_clears, &changed), 0);
	if (who == ROOT)
		ck_assert_int_eq(changed, 0);
	else
		ck_assert_int_gt(changed, 0);
}

/* chown(f, -1, -1) changes no owner, yet tmpfs clears set-user-ID (set-group-ID with group execute)
 * and moves the ctime, or refuses where clearing takes a mode change the caller may not make: a
 * file of someone else's. Through the mount it comes as a SETATTR of nothing, like a passthrough
 * write's clearing (fs/privs.c). Every owner, mode and caller: the same errno and mode as tmpfs,
 * but for one case the daemon cannot tell from a write: a caller who may write someone else's file
 * gets the bits cleared, as its write would clear them, where tmpfs refuses the chown. */
static bool chown_taken_for_write(bool kernel_clears, enum who who, uid_t owner, mode_t mode)
{
	/* (nobody is in the group; and without HANDLE_KILLPRIV_V2 the kernel does it all itself) */
	return !kernel_clears && who == NOBODY_USER && owner != NOBODY && (mode & S_IWGRP);
}

static int chown_noop_errno(enum who who, const char *path)
{
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_sys(pid);
	if (pid == 0) {
		if (who == NOBODY_USER && become_nobody(022) < 0)
			_exit(100);
		_exit(chown(path, (uid_t)-1, (gid_t)-1) == 0 ? 0 : errno);
	}
	int ws;
	ck_assert_int_eq(waitpid(pid, &ws, 0), pid);
	ck_assert(WIFEXITED(ws) && WEXITSTATUS(ws) != 100);
	return WEXITSTATUS(ws);
}

static void chown_noop_matrix(bool kernel_clears)
{
	static const uid_t owners[] = { 0, NOBODY };
	static const mode_t modes[] = { 06755, 02775, 0644 };
	int changed = 0;
	for (size_t o = 0; o < G_N_ELEMENTS(owners); o++) {
		for (size_t m = 0; m < G_N_ELEMENTS(modes); m++) {
			for (enum who who = NOBODY_USER; who <= ROOT; who++) {
				struct start start = { modes[m], NOBODY };
				g_autofree char *nat_name = g_strdup_printf("cn-native-%zu-%zu-%d", o, m, who);
				g_autofree char *mnt_name = g_strdup_printf("cn-mounted-%zu-%zu-%d", o, m, who);
				prepare(nat_name, &start);
				prepare(mnt_name, &start);
				g_autofree char *nat = back_path(M, "%s", nat_name);
				g_autofree char *mnt = mnt_path(M, "%s", mnt_name);
				ck_assert_sys(chown(nat, owners[o], (gid_t)-1));
				ck_assert_sys(chown(mnt, owners[o], (gid_t)-1));
				ck_assert_sys(chmod(nat, modes[m]));
				ck_assert_sys(chmod(mnt, modes[m]));
				xlstat(mnt);
				int nat_err = chown_noop_errno(who, nat), mnt_err = chown_noop_errno(who, mnt);
				mode_t want = backing_mode(nat_name), got = backing_mode(mnt_name);
				if (chown_taken_for_write(kernel_clears, who, owners[o], modes[m]) &&
				    nat_err == EPERM) {
					ck_assert_int_eq(mnt_err, 0);
					ck_assert_int_eq(got, modes[m] & ~(S_ISUID | (modes[m] & S_IXGRP ? S_ISGID : 0)));
					continue;
				}
				ck_assert_msg(nat_err == mnt_err && want == got,
					      "chown -1 -1 by %s of %04o owned by %u: tmpfs %s, %04o; the "
					      "mount %s, %04o", who_name[who], (unsigned)modes[m],
					      (unsigned)owners[o], strerrorname_np(nat_err), (unsigned)want,
					      strerrorname_np(mnt_err), (unsigned)got);
				changed += want != modes[m] || nat_err != 0;
			}
		}
	}
	ck_assert_int_gt(changed, 0); /* the matrix holds cases where something happens */
}

START_TEST(test_chown_noop) { chown_noop_matrix(false); }
END_TEST

START_TEST(test_chown_noop_kernel_clears) { chown_noop_matrix(true); }
END_TEST

START_TEST(test_setid_as_nobody) { check_matrix(NOBODY_USER, false); }
END_TEST
START_TEST(test_setid_as_root) { check_matrix(ROOT, false); }
END_TEST
START_TEST(test_setid_as_root_without_fsetid) { check_matrix(ROOT_NO_FSETID, false); }
END_TEST
START_TEST(test_setid_as_nobody_kernel_clears) { check_matrix(NOBODY_USER, true); }
END_TEST
START_TEST(test_setid_as_root_kernel_clears) { check_matrix(ROOT, true); }
END_TEST

/* The default mount must really have negotiated HANDLE_KILLPRIV_V2, or its TCase tests nothing new. */
START_TEST(test_killpriv_v2_negotiated)
{
	g_autofree char *log = mnt_log_tail(M, 64 * 1024);
	ck_assert_msg(strstr(log, "HANDLE_KILLPRIV_V2"), "no HANDLE_KILLPRIV_V2 in the daemon's log:\n%s", log);
}
END_TEST

static void killpriv_v2_setup(void)
{
	unsetenv("SHMFS_FORCE_NO_KILLPRIV_V2");
	mnt_fixture_start(NULL, NULL, NULL);
}

static void kernel_clears_setup(void)
{
	setenv("SHMFS_FORCE_NO_KILLPRIV_V2", "1", 1);
	mnt_fixture_start(NULL, NULL, NULL);
	unsetenv("SHMFS_FORCE_NO_KILLPRIV_V2");
}

int main(void)
{
	mnt_require_root("files owned by uid 65534, acted on by it and by root");
	mnt_require_fuse();
	Suite *s = suite_create("mount_setid");
	TCase *v2 = mnt_tcase("killpriv_v2", killpriv_v2_setup);
	tcase_add_test(v2, test_killpriv_v2_negotiated);
	tcase_add_test(v2, test_setid_as_nobody);
	tcase_add_test(v2, test_setid_as_root);
	tcase_add_test(v2, test_setid_as_root_without_fsetid);
	tcase_add_test(v2, test_chown_noop);
	suite_add_tcase(s, v2);
	TCase *kernel = mnt_tcase("kernel_clears", kernel_clears_setup);
	tcase_add_test(kernel, test_setid_as_nobody_kernel_clears);
	tcase_add_test(kernel, test_setid_as_root_kernel_clears);
	tcase_add_test(kernel, test_chown_noop_kernel_clears);
	suite_add_tcase(s, kernel);
	return mnt_run_suite(s);
}
