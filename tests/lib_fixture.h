/* lib_fixture.h - the private directory the lib unit tests work in: BASE under /dev/shm made once
 * by the parent (so it is removed even when a test crashes), DIR a fresh subdirectory per test. */
#ifndef SHMFS_LIB_FIXTURE_H
#define SHMFS_LIB_FIXTURE_H

#include <check.h>
#include <stddef.h>

extern char base[64];
extern char dir[128];
extern int dfd; /* DIR's O_PATH handle, as seg_dir_open gives it */

/* Unchecked fixture (runs in the parent): make and remove BASE. */
void base_setup(void);
void base_teardown(void);
/* Checked fixture (runs in each test's child): make DIR and DFD, umask 022. */
void dir_setup(void);
void dir_teardown(void);

/* A group of tests that share a TCase: its name and its tests (fewer than 12: the rest NULL). */
struct lib_case {
	const char *name;
	const TTest *tests[12];
};

/* Adds a lib_tcase to S for each of the N CASES, with its tests. */
void lib_add_cases(Suite *s, const struct lib_case *cases, size_t n);

/* A TCase with both fixtures above and a 60 s timeout. */
TCase *lib_tcase(const char *name);
/* Runs S (forking each test); returns the exit code: 0 when every test passed. */
int lib_run_suite(Suite *s);

#endif
