/* lib_fixture.c - the private directory the lib unit tests work in (see lib_fixture.h): made with
 * mkdtemp under /dev/shm, removed with everything in it at the end of the run. */
#include "lib_fixture.h"

#include <check.h>
#include <glib.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char base[64];
char dir[128];
int dfd = -1;

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)type, (void)ftw;
	if (remove(path) < 0)
		fprintf(stderr, "%s: remove %s: %s\n", program_invocation_short_name, path,
			strerror(errno));
	return 0;
}

void base_setup(void)
{
	snprintf(base, sizeof base, "/dev/shm/shmfs-%s-XXXXXX", program_invocation_short_name);
	if (!mkdtemp(base)) {
		fprintf(stderr, "%s: mkdtemp %s: %s\n", program_invocation_short_name, base,
			strerror(errno));
		exit(1);
	}
}

void base_teardown(void)
{
	nftw(base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void dir_setup(void)
{
	snprintf(dir, sizeof dir, "%s/t-XXXXXX", base);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(dfd, 0);
	umask(022);
}

void dir_teardown(void)
{
	close(dfd);
	dfd = -1;
}

TCase *lib_tcase(const char *name)
{
	TCase *tc = tcase_create(name);
	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
	tcase_add_checked_fixture(tc, dir_setup, dir_teardown);
	tcase_set_timeout(tc, 60);
	return tc;
}

void lib_add_cases(Suite *s, const struct lib_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		TCase *tc = lib_tcase(cases[i].name);
		for (size_t j = 0; j < G_N_ELEMENTS(cases[i].tests) && cases[i].tests[j]; j++)
			tcase_add_test(tc, cases[i].tests[j]);
		suite_add_tcase(s, tc);
	}
}

int lib_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
