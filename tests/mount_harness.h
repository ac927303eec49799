/* mount_harness.h - helpers for the integration tests that mount a real shmfs: start and stop the
 * daemon over a private backing directory, build paths on both sides, run commands, compare bytes. */
#ifndef SHMFS_MOUNT_HARNESS_H
#define SHMFS_MOUNT_HARNESS_H

#include <check.h>
#include <glib.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/* One running shmfs: its backing directory, where it is mounted, the daemon and its log.
 * Paths carry the harness's pid (shmfs-mnt-PID-XXXXXX), so that a later run can tell the leftovers
 * of a dead run (pid gone) from those of a live one and clean only the former. */
struct mnt {
	char backing[PATH_MAX];
	char mountpoint[PATH_MAX];
	char log[PATH_MAX];
	pid_t daemon;
	bool private_tmpfs; /* we mounted a tmpfs on backing (root only) */
	bool own_backing;   /* we created backing and remove it at stop */
	bool mounted;
	bool keep_log;      /* mnt_stop leaves the log file (mnt_stop_log reads it) */
};

/* Exits the test program unless a FUSE mount can be tried: /dev/fuse must open O_RDWR and
 * SHMFS_BIN must name an executable. Exits 77 (meson's skip) with a loud SKIP line, or 1 when
 * CI=true, where a skipped integration suite would hide a broken setup. */
void mnt_require_fuse(void);
/* The same for a suite that needs root: exits 77, or 1 when CI=true, saying WHY it does. */
void mnt_require_root(const char *why);
/* In a test: true when the command TOOL (of Debian package PACKAGE) is on PATH. Otherwise false
 * after a loud SKIP line, or, when CI=true (where scripts/install-deps installs it), fails the test. */
bool mnt_have_tool(const char *tool, const char *package);

bool mnt_is_root(void);

/* Mounts shmfs over BACKING (NULL: a fresh private directory; as root a tmpfs of 64m, mode 1777,
 * mounted on a mkdtemp dir; otherwise a mkdtemp dir under /dev/shm) at a fresh mount point,
 * with -o shm_dir=BACKING[,allow_other as root][,EXTRA]. Waits up to 10 s for the mount.
 * Returns 0, or -1 after printing why (with the daemon's log) and undoing what it did. */
int mnt_start(struct mnt *m, const char *backing_or_null, const char *extra_opts);

/* As mnt_start with a private tmpfs of TMPFS_SIZE (e.g. "8m"; root only, else the size is ignored). */
int mnt_start_sized(struct mnt *m, const char *tmpfs_size, const char *extra_opts);

/* Mounts a new shmfs over M's backing directory at M's mount point (the last daemon gone and
 * unmounted), its output appended to M's log, as mnt_start does; M then stops it. 0 or -1 (M undone). */
int mnt_restart(struct mnt *m, const char *extra_opts);

/* Unmounts (fusermount3 -u, retried while busy), waits for the daemon (10 s), removes what
 * mnt_start made. Returns the daemon's exit status (0 for a clean exit), 128+SIG when it died by a
 * signal, -1 when it had to be killed or could not be unmounted. The log is kept when not 0. */
int mnt_stop(struct mnt *m);

/* As mnt_stop, and returns the daemon's whole log, its last lines included (g_free it). */
char *mnt_stop_log(struct mnt *m, int *status);

/* True when M's daemon takes its requests over io_uring (its log says so: -o io_uring, or the ring
 * setups' FUSE_URING_ENABLE=1, where the kernel offers it). */
bool mnt_ring(const struct mnt *m);
/* Whether ERR is what a request to a mount whose daemon is dead fails with: ENOTCONN, or where the
 * daemon took its requests over io_uring (RING: mnt_ring, asked before it died) also ECONNABORTED,
 * which the first requests after the ring's end get. */
bool mnt_dead_errno(bool ring, int err);

/* True while the daemon process runs (not a zombie) and its mount point answers stat. */
bool mnt_alive(const struct mnt *m);

/* True when /proc/self/mountinfo has a mount (any type) at PATH. */
bool mounted_at(const char *path);
/* Column COLUMN (FSTYPE, SOURCE, OPTIONS, ...) of findmnt for the mount at MP, "" when none (g_free it). */
char *findmnt_at(const char *mp, const char *column);

/* The last MAX bytes of the daemon's log (g_free it); "" when there is none. */
char *mnt_log_tail(const struct mnt *m, size_t max);
/* How many requests of OPCODE ("GETXATTR", "LOOKUP", ...) the -d log LOG shows (a daemon started
 * with SHMFS_TEST_DEBUG=1 in the environment runs with -d). */
int log_requests(const char *log, const char *opcode);

/* Paths through the mount and in the backing directory: g_strdup_printf'ed, g_free them
 * (g_autofree char *p = mnt_path(&g_mnt, "x")). */
char *mnt_path(const struct mnt *m, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
char *back_path(const struct mnt *m, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Runs a shell command; returns its exit status (128+SIG when killed, -1 when it could not run). */
int run(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/* Runs a shell command and returns its stdout (g_free it); *STATUS as run() when not NULL. */
char *capture_status(int *status, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
char *capture(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/* A shell-quoted copy of S (g_free it). */
char *q(const char *s);

/* The unprivileged user the tests act as. */
#define NOBODY 65534

/* In a child: drops to uid and gid ID with no groups and umask UM. Returns 0, or -1 (said why). */
int become_user(uid_t id, mode_t um);
#define become_nobody(um) become_user(NOBODY, um)

/* Runs FN(ARG) as ID (no groups, umask UM) in a child process and asserts that it exits 0;
 * FN returns the number of the step that failed (see STEP), 0 when all went as expected. */
void as_user(uid_t id, mode_t um, int (*fn)(const void *arg), const void *arg);
#define as_nobody(um, fn, arg) as_user(NOBODY, um, fn, arg)
/* As as_user, with GROUP as the child's one supplementary group. */
void as_user_in_group(uid_t id, gid_t group, mode_t um, int (*fn)(const void *arg), const void *arg);

/* In such a child: unless COND, says which step failed and why, and returns N. */
#define STEP(n, cond, ...)                                                            \
	do {                                                                          \
		if (!(cond)) {                                                        \
			int _e = errno;                                               \
			fprintf(stderr, "child step %d: ", n);                        \
			fprintf(stderr, __VA_ARGS__);                                 \
			fprintf(stderr, " (errno %s)\n", strerrorname_np(_e));       \
			return n;                                                     \
		}                                                                     \
	} while (0)

/* Seconds on the monotonic clock. */
double now_s(void);
void sleep_ms(long ms);

/* Waits up to SECONDS for the child PID: its wait status, or -1 when it did not end (it is then
 * sent SIGKILL). */
int wait_pid(pid_t pid, double seconds);
/* The child of this process (a subreaper's adopted one) named shmfs; 0 when none. */
pid_t adopted_daemon(void);
/* PID's open fds: calls FN (unless NULL) with each one's number and link target; returns how many
 * there are, or -1 when its /proc entry cannot be read. */
int proc_fds(pid_t pid, void (*fn)(int fd, const char *target, void *ctx), void *ctx);
/* The value of line NAME: of /proc/PID/status, blanks skipped (g_free it); asserts it is there. */
char *proc_status(pid_t pid, const char *name);

/* How long a change made in the backing directory behind the kernel's back may take to show
 * through a mount with the default -o cache=watch (with cache=off: none, it shows at once). */
#define MNT_WATCH_WINDOW 0.010

/* The CPU time the hypervisor has taken from this machine's CPUs so far (the steal column of
 * /proc/stat, all CPUs), in seconds; 0 on bare metal. */
double stolen_s(void);

/* Evaluates COND until it holds or WINDOW seconds have passed and yields whether it held; it is
 * evaluated at least once, and with a window of 0 exactly once. *WAITED (a double *, or NULL) gets
 * the time from the first evaluation to the start of the one that held. Time the hypervisor stole
 * from the machine meanwhile does not count against the window: a virtual CPU taken away for
 * 10 ms or more (seen here, at about 10% steal) stops the daemon and the test alike. */
#define SEEN_WITHIN(window, waited, cond)                                                   \
	({                                                                                  \
		double s0_ = (window) > 0 ? stolen_s() : 0, t0_ = now_s(), start_ = t0_;      \
		bool ok_;                                                                   \
		while (!(ok_ = (cond)) && ((start_ = now_s()) - t0_ < (window) ||            \
					   ((window) > 0 &&                                  \
					    start_ - t0_ < (window) + stolen_s() - s0_)))    \
			usleep(50);                                                         \
		double *waited_ = (waited);                                                 \
		if (waited_)                                                                \
			*waited_ = start_ - t0_;                                            \
		ok_;                                                                        \
	})
/* lstat(PATH), asserting that it works. */
struct stat xlstat(const char *path);

/* Deterministic pseudo-random bytes: the same SEED gives the same bytes. */
void fill_pattern(void *buf, size_t len, uint64_t seed);
/* Writes LEN bytes to PATH (created 0644 or truncated). Returns 0 or -errno. */
int write_file(const char *path, const void *buf, size_t len);
/* Writes the LEN bytes of fill_pattern(SEED) to PATH, asserting that it works. */
void put_pattern(const char *path, size_t len, uint64_t seed);
/* True when PATH holds exactly the LEN bytes of fill_pattern(SEED) (file_equals). */
bool has_pattern(const char *path, size_t len, uint64_t seed);
/* Reads all of PATH (g_free it), with a NUL after the *LEN bytes so text can be used as a string;
 * NULL with errno set on failure. */
void *read_file(const char *path, size_t *len);
/* True when PATH holds exactly the LEN bytes of BUF; says where it differs on stderr otherwise. */
bool file_equals(const char *path, const void *buf, size_t len);
/* Index of the first differing byte, or -1 when equal. */
ssize_t first_diff(const void *a, const void *b, size_t len);

/* --- Check glue: one mount per TCase, kept in g_mnt so that the forked tests see it. --- */
extern struct mnt g_mnt;
/* Mount fixtures that failed to set up or whose daemon did not exit 0; mnt_run_suite fails then. */
extern int mnt_fixture_failures;

/* Unchecked-fixture bodies: start g_mnt (failures are counted, and every test of the case then
 * fails in mnt_checked_setup) and stop it (a non-zero daemon status is printed and counted). */
void mnt_fixture_start(const char *backing, const char *tmpfs_size, const char *extra);
void mnt_fixture_setup(void); /* private 64m tmpfs, no extra options */
void mnt_fixture_teardown(void);
/* Checked fixture run in each forked test: asserts the mount is up and the daemon alive. */
void mnt_checked_setup(void);
/* A TCase with SETUP/TEARDOWN as unchecked fixture (TEARDOWN must call mnt_fixture_teardown),
 * mnt_checked_setup as checked fixture and a 60 s timeout; mnt_tcase with mnt_fixture_teardown. */
TCase *mnt_tcase_with(const char *name, void (*setup)(void), void (*teardown)(void));
TCase *mnt_tcase(const char *name, void (*setup)(void));
/* Runs S with CK_FORK; returns the process exit code (failure when a test or a fixture failed). */
int mnt_run_suite(Suite *s);

/* ck_assert for a syscall result: prints errno's name when it fails. */
#define ck_assert_sys(expr)                                                                 \
	do {                                                                                \
		errno = 0;                                                                  \
		long _r = (long)(expr);                                                     \
		ck_assert_msg(_r >= 0, "%s failed: %s", #expr, g_strerror(errno));        \
	} while (0)

/* Asserts that EXPR (a syscall) fails with errno ERR. */
#define ck_assert_errno(expr, err)                                                          \
	do {                                                                                \
		errno = 0;                                                                  \
		long _r = (long)(expr);                                                     \
		int _e = errno;                                                             \
		ck_assert_msg(_r == -1 && _e == (err), "%s: expected -1 %s, got %ld (%s)", #expr, \
			      strerrorname_np(err), _r, _r == -1 ? strerrorname_np(_e) : "no error"); \
	} while (0)

#endif
