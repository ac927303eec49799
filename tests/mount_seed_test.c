/* mount_seed_test.c - the seed demo end to end over the real /dev/shm: shm_writer by shm_open is read
 * through a shmfs mount (stat, pread, shm_reader's mmap), and shm_writer through the mount by shm_open. */
#include "mount_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define M (&g_mnt)
#define SEG_SIZE 4000000000LL
#define RECORD "Col1=100 Col2=876 Col3=8021\n"

static char name1[64], name2[64];

static void unlink_seeds(void)
{
	char shm[80];
	snprintf(shm, sizeof shm, "/%s", name1);
	shm_unlink(shm);
	snprintf(shm, sizeof shm, "/%s", name2);
	shm_unlink(shm);
}

static void setup_seed(void)
{
	snprintf(name1, sizeof name1, "shmfs-seed-%d", (int)getpid());
	snprintf(name2, sizeof name2, "shmfs-seed2-%d", (int)getpid());
	unlink_seeds();
	mnt_fixture_start("/dev/shm", NULL, NULL);
}

static void teardown_seed(void)
{
	unlink_seeds();
	mnt_fixture_teardown();
}

/* The seed's record {100, 876, 8021}, three int64 at offset 0 of the segment open as FD. */
static void assert_seed_record(int fd)
{
	int64_t rec[3] = { 0 };
	ck_assert_int_eq(pread(fd, rec, sizeof rec, 0), 24);
	ck_assert_int_eq(rec[0], 100);
	ck_assert_int_eq(rec[1], 876);
	ck_assert_int_eq(rec[2], 8021);
}

static const char *prog(const char *env)
{
	const char *p = getenv(env);
	ck_assert_msg(p && *p, "%s is not set (run through meson test)", env);
	return p;
}

START_TEST(test_writer_by_name_read_through_mount)
{
	g_autofree char *qw = q(prog("SHM_WRITER")), *qr = q(prog("SHM_READER"));
	int st;
	g_autofree char *out = capture_status(&st, "%s %s", qw, name1);
	ck_assert_int_eq(st, 0);
	g_autofree char *want = g_strdup_printf("wrote {Col1=100, Col2=876, Col3=8021} to /dev/shm/%s (4000000000 bytes)\n",
						name1);
	ck_assert_str_eq(out, want);

	g_autofree char *mp = mnt_path(M, "%s", name1);
	struct stat sm, sb;
	g_autofree char *bp = g_strdup_printf("/dev/shm/%s", name1);
	ck_assert_msg(stat(mp, &sm) == 0, "stat %s: %s", mp, g_strerror(errno));
	ck_assert_sys(stat(bp, &sb));
	ck_assert_int_eq(sm.st_size, SEG_SIZE);
	ck_assert_msg(sm.st_blocks < 64, "st_blocks %lld through the mount", (long long)sm.st_blocks);
	ck_assert_int_eq(sm.st_blocks, sb.st_blocks);
	ck_assert_uint_eq(sm.st_ino, sb.st_ino);

	int fd = open(mp, O_RDONLY);
	ck_assert_sys(fd);
	assert_seed_record(fd);
	close(fd);

	/* the writer tagged it with its type: the view shows record 0 */
	g_autofree char *view = mnt_path(M, "%s.txt", name1);
	g_autofree char *qview = q(view);
	g_autofree char *rec0 = capture("head -n 20 %s | awk '!/^#/ {print $1, $2, $3, $4; exit}'", qview);
	ck_assert_str_eq(rec0, "0 100 876 8021\n");

	/* shm_reader maps the file through the mount */
	g_autofree char *qm = q(mp);
	g_autofree char *rd = capture_status(&st, "%s %s", qr, qm);
	ck_assert_int_eq(st, 0);
	ck_assert_str_eq(rd, RECORD);

	/* nothing of the 4 GB got allocated by reading through the mount */
	ck_assert_sys(stat(bp, &sb));
	ck_assert_msg(sb.st_blocks < 64, "st_blocks %lld after reads through the mount", (long long)sb.st_blocks);

	g_autofree char *ls = capture("ls -l %s", g_mnt.mountpoint);
	ck_assert_msg(strstr(ls, name1) && strstr(ls, " 4000000000 "), "ls -l of the mount:\n%s", ls);

	/* rm through the mount is shm_unlink */
	ck_assert_int_eq(run("rm %s", qm), 0);
	char shm[80];
	snprintf(shm, sizeof shm, "/%s", name1);
	ck_assert_errno(shm_open(shm, O_RDONLY, 0), ENOENT);
}
END_TEST

START_TEST(test_writer_through_mount_read_by_name)
{
	g_autofree char *qw = q(prog("SHM_WRITER")), *qr = q(prog("SHM_READER"));
	g_autofree char *mp = mnt_path(M, "%s", name2);
	g_autofree char *qm = q(mp);
	int st;
	g_autofree char *out = capture_status(&st, "%s %s", qw, qm);
	ck_assert_int_eq(st, 0);
	g_autofree char *want = g_strdup_printf("wrote {Col1=100, Col2=876, Col3=8021} to %s (4000000000 bytes)\n", mp);
	ck_assert_str_eq(out, want);

	g_autofree char *rd = capture_status(&st, "%s %s", qr, name2);
	ck_assert_int_eq(st, 0);
	ck_assert_str_eq(rd, RECORD);

	g_autofree char *bp = g_strdup_printf("/dev/shm/%s", name2);
	struct stat sb;
	ck_assert_sys(stat(bp, &sb));
	ck_assert_int_eq(sb.st_size, SEG_SIZE);
	ck_assert_msg(sb.st_blocks < 64, "writer through the mount allocated %lld blocks", (long long)sb.st_blocks);
	ck_assert_uint_eq(sb.st_uid, geteuid());

	/* and by pread on the shm_open fd */
	char shm[80];
	snprintf(shm, sizeof shm, "/%s", name2);
	int fd = shm_open(shm, O_RDONLY, 0);
	ck_assert_sys(fd);
	assert_seed_record(fd);
	close(fd);
	ck_assert_sys(shm_unlink(shm));
	ck_assert_msg(SEEN_WITHIN(MNT_WATCH_WINDOW, NULL, stat(mp, &(struct stat){ 0 }) < 0 && errno == ENOENT),
		      "%s still there after shm_unlink", mp);
}
END_TEST

int main(void)
{
	mnt_require_fuse();
	if (access("/dev/shm", W_OK) < 0) {
		fprintf(stderr, "\n**********\nSKIP: /dev/shm is not writable\n**********\n");
		return 77;
	}
	Suite *s = suite_create("mount_seed");
	TCase *tc = mnt_tcase_with("seed", setup_seed, teardown_seed);
	tcase_add_test(tc, test_writer_by_name_read_through_mount);
	tcase_add_test(tc, test_writer_through_mount_read_by_name);
	suite_add_tcase(s, tc);
	return mnt_run_suite(s);
}
