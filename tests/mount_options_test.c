/* mount_options_test.c - every -o option is honoured or refused before mounting, with a one-line
 * reason: fsname, subtype, max_read and the usual mount options seen in the mount table and in what
 * the mount does; the options shmfs does not take, and empty values, refused with nothing mounted. */
#include "mount_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define M (&g_mnt)

/* Mounts with EXTRA; the mount's own column COLUMN of findmnt (g_free it). */
static char *mounted_with(const char *extra, const char *column)
{
	ck_assert_int_eq(mnt_start(M, NULL, extra), 0);
	char *got = findmnt_at(M->mountpoint, column);
	ck_assert_ptr_nonnull(got);
	return got;
}

/* True when the comma-separated OPTIONS hold OPT. */
static bool has_option(const char *options, const char *opt)
{
	g_auto(GStrv) all = g_strsplit(options, ",", -1);
	return g_strv_contains((const gchar *const *)all, opt);
}

START_TEST(test_fsname_and_subtype)
{
	g_autofree char *source = mounted_with("fsname=shm-of-tests", "SOURCE");
	ck_assert_str_eq(source, "shm-of-tests");
	ck_assert_int_eq(mnt_stop(M), 0);
	g_autofree char *type = mounted_with("subtype=shmtest", "FSTYPE");
	ck_assert_str_eq(type, "fuse.shmtest");
	ck_assert_int_eq(mnt_stop(M), 0);
	/* by default: the backing directory, fuse.shmfs */
	g_autofree char *dflt = mounted_with(NULL, "SOURCE");
	ck_assert_str_eq(dflt, M->backing);
	ck_assert_int_eq(mnt_stop(M), 0);
}
END_TEST

/* max_read=4096: the kernel asks for READs of 4 KiB at most, and a 3 MiB file still reads back. */
START_TEST(test_max_read)
{
	g_autofree char *opts = mounted_with("max_read=4096", "OPTIONS");
	ck_assert_msg(has_option(opts, "max_read=4096"), "options: %s", opts);
	g_autofree char *seg = back_path(M, "r");
	put_pattern(seg, 3 << 20, 7);
	g_autofree char *via = mnt_path(M, "r");
	ck_assert(has_pattern(via, 3 << 20, 7));
	ck_assert_int_eq(mnt_stop(M), 0);
}
END_TEST

/* The usual mount options: ro, suid, dev, noexec, sync, noatime, as the kernel shows them. */
START_TEST(test_mount_flags)
{
	g_autofree char *dflt = mounted_with(NULL, "OPTIONS");
	ck_assert_msg(has_option(dflt, "nosuid") && has_option(dflt, "nodev"), "options: %s", dflt);
	ck_assert_int_eq(mnt_stop(M), 0);

	g_autofree char *opts = mounted_with("ro,suid,dev,noexec,sync,noatime", "OPTIONS");
	const char *want[] = { "ro", "noexec", "sync", "noatime" };
	for (size_t i = 0; i < G_N_ELEMENTS(want); i++)
		ck_assert_msg(has_option(opts, want[i]), "%s missing: %s", want[i], opts);
	ck_assert_msg(!has_option(opts, "nosuid") && !has_option(opts, "nodev"), "options: %s", opts);
	g_autofree char *p = mnt_path(M, "new");
	ck_assert_errno(open(p, O_WRONLY | O_CREAT, 0600), EROFS);
	ck_assert_int_eq(mnt_stop(M), 0);
}
END_TEST

/* Runs shmfs over a fresh directory with OPTS; asserts it exits 1 with the one line WANT on
 * stderr (and nothing on stdout), and mounts nothing. A build that takes the option instead is
 * stopped after 2 s, and what it mounted taken down, so that the failure leaves nothing behind. */
static void assert_refused(const char *opts, const char *want)
{
	char backing[] = "/dev/shm/shmfs-options-XXXXXX", mp[] = "/tmp/shmfs-options-XXXXXX";
	ck_assert(mkdtemp(backing) && mkdtemp(mp));
	g_autofree char *bin = q(getenv("SHMFS_BIN"));
	g_autofree char *qopts = q(opts);
	int st;
	g_autofree char *out = capture_status(&st, "timeout 2 %s %s %s -f -o %s 2>&1", bin, backing, mp,
					      qopts);
	bool mounted = mounted_at(mp);
	if (mounted)
		run("umount -l %s", mp);
	rmdir(backing);
	rmdir(mp);
	ck_assert_msg(st == 1 && strcmp(out, want) == 0, "-o %s: status %d, said:\n%s", opts, st, out);
	ck_assert_msg(!mounted, "-o %s: something was mounted at %s", opts, mp);
}

static const struct {
	const char *opts;
	const char *said;
} refused[] = {
	{ "writeback_cache", "shmfs: -o writeback_cache refused: the kernel would keep writes back "
			     "from the segment, where other programs must see them at once\n" },
	{ "kernel_cache", "shmfs: -o kernel_cache refused: the kernel would keep pages that other "
			  "programs change behind its back\n" },
	{ "allow_other,direct_io", "shmfs: -o direct_io refused: shmfs chooses how each open is served "
				   "(see -o passthrough=)\n" },
	{ "blksize=4096", "shmfs: -o blksize=4096 refused: it is for FUSE block devices (fuseblk), and "
			  "shmfs is not one\n" },
	{ "max_write=4096", "shmfs: -o max_write=4096 refused: libfuse 3 has no such option; the daemon "
			    "takes WRITEs of up to 1 MiB\n" },
	{ "max_readahead=65536", "shmfs: -o max_readahead=65536 refused: shmfs sets the readahead "
				 "itself, to its largest READ (see shmfs(8))\n" },
	{ "big_writes", "shmfs: -o big_writes refused: it was libfuse 2's; writes of up to 1 MiB are "
			"always on\n" },
	{ "nonempty", "shmfs: -o nonempty refused: it was libfuse 2's; libfuse 3 always mounts over a "
		      "directory that is not empty\n" },
	{ "shm_dir=", "shmfs: -o shm_dir= is empty: give a directory\n" },
	{ "types=", "shmfs: -o types= is empty: give a file\n" },
	{ "fsname=", "shmfs: -o fsname= is empty: give a name\n" },
	{ "subtype=", "shmfs: -o subtype= is empty: give a name\n" },
	{ "max_read=0", "shmfs: bad option max_read=0: give a byte count from 1 to 4294967295\n" },
	{ "max_read=4k", "shmfs: bad option max_read=4k: give a byte count from 1 to 4294967295\n" },
	{ "no_such_option", "fuse: unknown option(s): `-o no_such_option'\n"
			    "shmfs: see shmfs --help for the options\n" },
};

START_TEST(test_refused)
{
	assert_refused(refused[_i].opts, refused[_i].said);
}
END_TEST

/* -o io_uring: libfuse's own, in a build that can have a ring (libfuse >= 3.18.3: --version says
 * so), whose queue depth must be a count; refused, with why, in any other build. */
START_TEST(test_io_uring_option)
{
	g_autofree char *bin = q(getenv("SHMFS_BIN"));
	g_autofree char *version = capture("%s --version", bin);
	if (strstr(version, "over io_uring with -o io_uring")) {
		assert_refused("io_uring,io_uring_q_depth=0",
			       "shmfs: bad option io_uring_q_depth=0: give a count from 1 to 65535\n");
		assert_refused("io_uring_q_depth=8k",
			       "shmfs: bad option io_uring_q_depth=8k: give a count from 1 to 65535\n");
	} else {
		ck_assert_msg(strstr(version, "through a raw hook"), "--version:\n%s", version);
		assert_refused("io_uring", "shmfs: -o io_uring refused: this shmfs is built with libfuse "
					   "older than 3.18.3, which cannot serve it (see shmfs(8))\n");
		assert_refused("io_uring_q_depth=8", "shmfs: -o io_uring_q_depth=8 refused: this shmfs is "
						     "built with libfuse older than 3.18.3, which has no io_uring\n");
	}
}
END_TEST

/* SELinux contexts go to the kernel where SELinux is enabled; here it is not (the test says so
 * when it is). */
START_TEST(test_selinux_context)
{
	if (access("/sys/fs/selinux/enforce", F_OK) == 0) {
		fprintf(stderr, "\n***** SKIP test_selinux_context: SELinux is enabled here *****\n");
		return;
	}
	assert_refused("context=system_u:object_r:tmp_t:s0",
		       "shmfs: -o context=system_u:object_r:tmp_t:s0 refused: SELinux is not enabled here\n");
}
END_TEST

int main(void)
{
	mnt_require_fuse();
	Suite *s = suite_create("mount_options");
	TCase *honoured = tcase_create("honoured"); /* each test mounts its own */
	tcase_set_timeout(honoured, 60);
	tcase_add_test(honoured, test_fsname_and_subtype);
	tcase_add_test(honoured, test_max_read);
	tcase_add_test(honoured, test_mount_flags);
	suite_add_tcase(s, honoured);
	TCase *no = tcase_create("refused"); /* mounts nothing */
	tcase_set_timeout(no, 30);
	tcase_add_loop_test(no, test_refused, 0, G_N_ELEMENTS(refused));
	tcase_add_test(no, test_selinux_context);
	tcase_add_test(no, test_io_uring_option);
	suite_add_tcase(s, no);
	return mnt_run_suite(s);
}
