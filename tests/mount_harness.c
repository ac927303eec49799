/* mount_harness.c - runs a real shmfs for the integration tests: a private backing directory, a
 * mount point, the daemon in the foreground with its output in a log; and the small helpers the suites share. */
#include "mount_harness.h"

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct mnt g_mnt;
int mnt_fixture_failures;

void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

double stolen_s(void)
{
	FILE *f = fopen("/proc/stat", "r");
	unsigned long long user, nice, sys, idle, iowait, irq, softirq, steal = 0;
	if (f && fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &sys, &idle, &iowait,
			&irq, &softirq, &steal) != 8)
		steal = 0;
	if (f)
		fclose(f);
	return (double)steal / (double)sysconf(_SC_CLK_TCK);
}

bool mnt_is_root(void)
{
	return geteuid() == 0;
}

/* Exits 77 (meson's skip) with a loud SKIP line, or 1 when CI=true. */
static _Noreturn void cannot_run(const char *why)
{
	if (g_strcmp0(getenv("CI"), "true") == 0) {
		fprintf(stderr, "\n**********\nERROR: CI=true but %s cannot run: %s\n**********\n",
			program_invocation_short_name, why);
		exit(1);
	}
	fprintf(stderr, "\n**********\nSKIP: %s: %s\n**********\n", program_invocation_short_name, why);
	exit(77);
}

void mnt_require_fuse(void)
{
	const char *bin = getenv("SHMFS_BIN");
	const char *why = NULL;
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		why = "/dev/fuse cannot be opened read-write";
	else
		close(fd);
	if (!why && (!bin || !*bin))
		why = "SHMFS_BIN is not set (run through meson test)";
	else if (!why && access(bin, X_OK) < 0)
		why = "SHMFS_BIN is not an executable";
	if (why)
		cannot_run(g_strdup_printf("mount tests need FUSE: %s (%s)", why, bin ? bin : ""));
}

void mnt_require_root(const char *why)
{
	if (!mnt_is_root())
		cannot_run(g_strdup_printf("needs root (%s)", why));
}

bool mnt_have_tool(const char *tool, const char *package)
{
	g_autofree char *path = g_find_program_in_path(tool);
	if (path)
		return true;
	ck_assert_msg(g_strcmp0(getenv("CI"), "true") != 0,
		      "CI=true but %s is not installed (Debian package %s): scripts/install-deps has it",
		      tool, package);
	fprintf(stderr, "\n**********\nSKIP: %s: %s is not installed (Debian package %s)\n**********\n",
		program_invocation_short_name, tool, package);
	return false;
}

/* --- mount table --- */

/* Calls FN(mountpoint, fstype) for each line of /proc/self/mountinfo; stops when it returns true. */
static bool each_mount(bool (*fn)(const char *mp, const char *type, void *ctx), void *ctx)
{
	g_autofree char *text = NULL;
	bool hit = false;

	if (!g_file_get_contents("/proc/self/mountinfo", &text, NULL, NULL))
		return false;
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l && !hit; l++) {
		g_auto(GStrv) f = g_strsplit(*l, " ", -1);
		guint n = g_strv_length(f);
		guint sep;
		for (sep = 6; sep < n && strcmp(f[sep], "-") != 0; sep++)
			;
		if (n < 5 || sep + 1 >= n)
			continue;
		g_autofree char *mp = g_strcompress(f[4]); /* mountinfo writes ' ' as \040, '\\' as \134 */
		hit = fn(mp, f[sep + 1], ctx);
	}
	return hit;
}

static bool match_fuse_at(const char *mp, const char *type, void *ctx)
{
	return strcmp(mp, ctx) == 0 && g_str_has_prefix(type, "fuse");
}

static bool match_any_at(const char *mp, const char *type, void *ctx)
{
	(void)type;
	return strcmp(mp, ctx) == 0;
}

static bool fuse_mounted_at(const char *path)
{
	return each_mount(match_fuse_at, (void *)path);
}

bool mounted_at(const char *path)
{
	return each_mount(match_any_at, (void *)path);
}

/* --- spawning --- */

static int wait_status_code(int ws)
{
	if (WIFEXITED(ws))
		return WEXITSTATUS(ws);
	if (WIFSIGNALED(ws))
		return 128 + WTERMSIG(ws);
	return -1;
}

static int spawn_quiet(const char *const argv[], char **err_out)
{
	int ws = 0;
	GError *err = NULL;

	if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
			  NULL, NULL, NULL, err_out, &ws, &err)) {
		fprintf(stderr, "harness: cannot run %s: %s\n", argv[0], err->message);
		g_error_free(err);
		return -1;
	}
	return wait_status_code(ws);
}

static int fuse_unmount(const char *mp, bool lazy)
{
	const char *argv[] = { "fusermount3", lazy ? "-uz" : "-u", mp, NULL };
	g_autofree char *err = NULL;
	int rc = spawn_quiet(argv, &err);

	if (rc != 0 && mnt_is_root() && umount2(mp, lazy ? MNT_DETACH : 0) == 0)
		return 0;
	return rc;
}

/* True while PID exists and is not a zombie (a container's init may reap none). */
static bool pid_running(pid_t pid)
{
	g_autofree char *statpath = g_strdup_printf("/proc/%d/stat", (int)pid);
	g_autofree char *text = NULL;
	if (pid <= 0 || !g_file_get_contents(statpath, &text, NULL, NULL))
		return false;
	const char *paren = strrchr(text, ')');
	return paren && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
}

/* --- leftovers of dead runs --- */

/* PATH is PREFIX-PID-XXXXXX: true when that pid no longer exists. */
static bool owner_dead(const char *path, const char *prefix)
{
	if (!g_str_has_prefix(path, prefix))
		return false;
	char *end;
	long pid = strtol(path + strlen(prefix), &end, 10);
	if (end == path + strlen(prefix) || *end != '-' || pid <= 0)
		return false;
	return pid != getpid() && !pid_running((pid_t)pid);
}

static bool dead_owner(const char *path)
{
	return owner_dead(path, "/tmp/shmfs-mnt-") || owner_dead(path, "/tmp/shmfs-back-") ||
	       owner_dead(path, "/dev/shm/shmfs-back-");
}

static bool collect_stale(const char *mp, const char *type, void *ctx)
{
	if (dead_owner(mp))
		g_ptr_array_add(ctx, g_strdup_printf("%s %s", g_str_has_prefix(type, "fuse") ? "F" : "T", mp));
	return false;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* Removes the tree at PATH without crossing into other file systems. */
static void remove_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

static void cleanup_stale(void)
{
	g_autoptr(GPtrArray) stale = g_ptr_array_new_with_free_func(g_free);

	each_mount(collect_stale, stale);
	/* FUSE mounts first: a tmpfs backing cannot go while a daemon still uses it. */
	for (int pass = 0; pass < 2; pass++) {
		for (guint i = 0; i < stale->len; i++) {
			const char *e = stale->pdata[i];
			if ((e[0] == 'F') != (pass == 0))
				continue;
			fprintf(stderr, "harness: removing stale mount %s of a dead test run\n", e + 2);
			if (e[0] == 'F')
				fuse_unmount(e + 2, true);
			else if (umount2(e + 2, MNT_DETACH) < 0)
				fprintf(stderr, "harness: umount %s: %s\n", e + 2, g_strerror(errno));
		}
	}
	const char *patterns[] = { "/tmp/shmfs-mnt-*", "/tmp/shmfs-back-*", "/dev/shm/shmfs-back-*" };
	for (size_t p = 0; p < G_N_ELEMENTS(patterns); p++) {
		glob_t g;
		if (glob(patterns[p], GLOB_NOSORT, NULL, &g) != 0)
			continue;
		for (size_t i = 0; i < g.gl_pathc; i++) {
			const char *d = g.gl_pathv[i];
			if (!dead_owner(d) || mounted_at(d))
				continue;
			if (g_str_has_prefix(d, "/dev/shm/"))
				remove_tree(d);
			else
				rmdir(d); /* mount points and tmpfs backings: empty once unmounted */
		}
		globfree(&g);
	}
}

/* --- start and stop --- */

int log_requests(const char *log, const char *opcode)
{
	g_autofree char *needle = g_strdup_printf("opcode: %s ", opcode);
	int n = 0;
	for (const char *at = log; (at = strstr(at, needle)); at += strlen(needle))
		n++;
	return n;
}

char *mnt_log_tail(const struct mnt *m, size_t max)
{
	g_autofree char *text = NULL;
	gsize len = 0;

	if (!m->log[0] || !g_file_get_contents(m->log, &text, &len, NULL))
		return g_strdup("");
	if (len <= max)
		return g_steal_pointer(&text);
	return g_strdup_printf("[... %zu bytes cut ...]\n%s", (size_t)(len - max), text + len - max);
}

static void print_log(const struct mnt *m, const char *why)
{
	g_autofree char *tail = mnt_log_tail(m, 16384);
	fprintf(stderr, "\n========== shmfs: %s ==========\n--- daemon log %s ---\n%s%s--- end of log ---\n", why,
		m->log, tail, g_str_has_suffix(tail, "\n") || !*tail ? "" : "\n");
}

static void undo_dirs(struct mnt *m)
{
	if (m->mountpoint[0]) {
		if (mounted_at(m->mountpoint))
			fuse_unmount(m->mountpoint, true);
		if (rmdir(m->mountpoint) < 0 && errno != ENOENT)
			fprintf(stderr, "harness: rmdir %s: %s\n", m->mountpoint, g_strerror(errno));
		m->mountpoint[0] = 0;
	}
	if (m->private_tmpfs) {
		int i;
		for (i = 0; i < 50 && umount2(m->backing, 0) < 0 && errno == EBUSY; i++)
			sleep_ms(100);
		if (mounted_at(m->backing) && umount2(m->backing, MNT_DETACH) < 0)
			fprintf(stderr, "harness: umount %s: %s\n", m->backing, g_strerror(errno));
		m->private_tmpfs = false;
	}
	if (m->own_backing) {
		remove_tree(m->backing);
		if (access(m->backing, F_OK) == 0)
			fprintf(stderr, "harness: could not remove %s\n", m->backing);
		m->own_backing = false;
	}
}

/* Runs the daemon over M's backing directory at M's mount point, its output into LOGFD (closed
 * here), and waits up to 10 s for the mount. Returns 0, or -1 after printing why and undoing M. */
static int run_daemon(struct mnt *m, const char *extra, int logfd)
{
	const char *bin = getenv("SHMFS_BIN");
	pid_t self = getpid();
	g_autofree char *opts = g_strdup_printf("shm_dir=%s%s%s%s", m->backing,
						 mnt_is_root() ? ",allow_other" : "", extra && *extra ? "," : "",
						 extra && *extra ? extra : "");
	bool debug = getenv("SHMFS_TEST_DEBUG") && *getenv("SHMFS_TEST_DEBUG");
	const char *argv[8];
	int argc = 0;
	argv[argc++] = bin;
	argv[argc++] = "-f";
	if (debug)
		argv[argc++] = "-d";
	argv[argc++] = "-o";
	argv[argc++] = opts;
	argv[argc++] = m->mountpoint;
	argv[argc] = NULL;
	dprintf(logfd, "harness: %s -f%s -o %s %s\n", bin, debug ? " -d" : "", opts, m->mountpoint);

	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "harness: fork: %s\n", g_strerror(errno));
		close(logfd);
		undo_dirs(m);
		return -1;
	}
	if (pid == 0) {
		/* The daemon goes when the test program does, even when that one is killed. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != self)
			_exit(126);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(logfd, 1);
		dup2(logfd, 2);
		/* The stop signals as a shell gives them, whatever this run inherited (nohup ignores
		 * SIGHUP, and libfuse then leaves it ignored: the tests of each signal would wait). */
		signal(SIGHUP, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execv(bin, (char **)argv);
		dprintf(2, "harness: exec %s: %s\n", bin, strerror(errno));
		_exit(127);
	}
	close(logfd);
	m->daemon = pid;

	double deadline = now_s() + 10;
	for (;;) {
		int ws;
		if (waitpid(pid, &ws, WNOHANG) == pid) {
			m->daemon = 0;
			g_autofree char *why = g_strdup_printf("the daemon exited before mounting (status %d)",
							       wait_status_code(ws));
			print_log(m, why);
			undo_dirs(m);
			return -1;
		}
		if (fuse_mounted_at(m->mountpoint)) {
			struct stat a, b;
			g_autofree char *parent = g_path_get_dirname(m->mountpoint);
			if (stat(m->mountpoint, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev) {
				m->mounted = true;
				return 0;
			}
		}
		if (now_s() > deadline)
			break;
		sleep_ms(20);
	}
	print_log(m, "not mounted after 10 s");
	mnt_stop(m);
	return -1;
}

static int start_impl(struct mnt *m, const char *backing, const char *tmpfs_size, const char *extra)
{
	const char *bin = getenv("SHMFS_BIN");
	pid_t self = getpid();
	int logfd;

	memset(m, 0, sizeof *m);
	cleanup_stale();
	if (!bin || !*bin) {
		fprintf(stderr, "harness: SHMFS_BIN is not set\n");
		return -1;
	}

	if (backing) {
		g_strlcpy(m->backing, backing, sizeof m->backing);
	} else if (mnt_is_root()) {
		snprintf(m->backing, sizeof m->backing, "/tmp/shmfs-back-%d-XXXXXX", (int)self);
		if (!mkdtemp(m->backing)) {
			fprintf(stderr, "harness: mkdtemp %s: %s\n", m->backing, g_strerror(errno));
			return -1;
		}
		m->own_backing = true;
		g_autofree char *data = g_strdup_printf("size=%s,mode=1777", tmpfs_size ? tmpfs_size : "64m");
		if (mount("tmpfs", m->backing, "tmpfs", 0, data) < 0) {
			fprintf(stderr, "harness: mount -t tmpfs -o %s tmpfs %s: %s\n", data, m->backing,
				g_strerror(errno));
			undo_dirs(m);
			return -1;
		}
		m->private_tmpfs = true;
	} else {
		snprintf(m->backing, sizeof m->backing, "/dev/shm/shmfs-back-%d-XXXXXX", (int)self);
		if (!mkdtemp(m->backing)) {
			fprintf(stderr, "harness: mkdtemp %s: %s\n", m->backing, g_strerror(errno));
			return -1;
		}
		m->own_backing = true;
		chmod(m->backing, 01777);
		if (tmpfs_size)
			fprintf(stderr, "harness: not root: no private tmpfs, size %s ignored\n", tmpfs_size);
	}

	snprintf(m->mountpoint, sizeof m->mountpoint, "/tmp/shmfs-mnt-%d-XXXXXX", (int)self);
	if (!mkdtemp(m->mountpoint)) {
		fprintf(stderr, "harness: mkdtemp %s: %s\n", m->mountpoint, g_strerror(errno));
		m->mountpoint[0] = 0;
		undo_dirs(m);
		return -1;
	}
	snprintf(m->log, sizeof m->log, "/tmp/shmfs-log-%d-XXXXXX", (int)self);
	logfd = mkstemp(m->log);
	if (logfd < 0) {
		fprintf(stderr, "harness: mkstemp %s: %s\n", m->log, g_strerror(errno));
		m->log[0] = 0;
		undo_dirs(m);
		return -1;
	}
	return run_daemon(m, extra, logfd);
}

int mnt_start(struct mnt *m, const char *backing_or_null, const char *extra_opts)
{
	return start_impl(m, backing_or_null, NULL, extra_opts);
}

int mnt_start_sized(struct mnt *m, const char *tmpfs_size, const char *extra_opts)
{
	return start_impl(m, NULL, tmpfs_size, extra_opts);
}

int mnt_restart(struct mnt *m, const char *extra_opts)
{
	int logfd = open(m->log, O_WRONLY | O_APPEND);
	if (logfd < 0) {
		fprintf(stderr, "harness: open %s: %s\n", m->log, g_strerror(errno));
		return -1;
	}
	return run_daemon(m, extra_opts, logfd);
}

int mnt_stop(struct mnt *m)
{
	int rc = 0;

	if (m->mountpoint[0] && fuse_mounted_at(m->mountpoint)) {
		g_autofree char *err = NULL;
		int i, st = -1;
		for (i = 0; i < 50; i++) {
			const char *argv[] = { "fusermount3", "-u", m->mountpoint, NULL };
			g_clear_pointer(&err, g_free);
			st = spawn_quiet(argv, &err);
			if (st == 0 || !fuse_mounted_at(m->mountpoint))
				break;
			sleep_ms(100); /* busy: a test's process may still be closing its files */
		}
		if (fuse_mounted_at(m->mountpoint)) {
			fprintf(stderr, "harness: fusermount3 -u %s failed: %s", m->mountpoint, err ? err : "");
			fuse_unmount(m->mountpoint, true);
			rc = -1;
		}
	}
	m->mounted = false;

	if (m->daemon > 0) {
		int ws = 0;
		pid_t got = 0;
		double deadline = now_s() + 10;
		while ((got = waitpid(m->daemon, &ws, WNOHANG)) == 0 && now_s() < deadline)
			sleep_ms(20);
		if (got == m->daemon) {
			int code = wait_status_code(ws);
			if (code != 0) {
				g_autofree char *why = g_strdup_printf("daemon exit status %d%s", code,
					WIFSIGNALED(ws) ? " (killed by a signal)" : "");
				print_log(m, why);
				if (rc == 0)
					rc = code;
			}
		} else {
			print_log(m, "daemon still running 10 s after unmount; killing it");
			kill(m->daemon, SIGTERM);
			deadline = now_s() + 2;
			while (waitpid(m->daemon, &ws, WNOHANG) == 0 && now_s() < deadline)
				sleep_ms(20);
			if (kill(m->daemon, SIGKILL) == 0)
				waitpid(m->daemon, &ws, 0);
			rc = -1;
		}
		m->daemon = 0;
	}
	undo_dirs(m);
	if (m->log[0] && !m->keep_log) {
		if (rc == 0 && !getenv("SHMFS_TEST_KEEP_LOG"))
			unlink(m->log);
		else
			fprintf(stderr, "harness: daemon log kept in %s\n", m->log);
		m->log[0] = 0;
	}
	return rc;
}

char *mnt_stop_log(struct mnt *m, int *status)
{
	char path[PATH_MAX];
	g_strlcpy(path, m->log, sizeof(path));
	m->keep_log = true;
	*status = mnt_stop(m);
	char *text = NULL;
	if (!path[0] || !g_file_get_contents(path, &text, NULL, NULL))
		text = g_strdup("");
	if (path[0])
		unlink(path);
	m->log[0] = 0;
	return text;
}

bool mnt_alive(const struct mnt *m)
{
	return pid_running(m->daemon) && stat(m->mountpoint, &(struct stat){ 0 }) == 0;
}

/* --- paths and commands --- */

char *mnt_path(const struct mnt *m, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *name = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	return g_strdup_printf("%s/%s", m->mountpoint, name);
}

char *back_path(const struct mnt *m, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *name = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	return g_strdup_printf("%s/%s", m->backing, name);
}

char *q(const char *s)
{
	return g_shell_quote(s);
}

int run(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *cmd = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	fflush(NULL);
	int ws = system(cmd);
	if (ws == -1)
		return -1;
	return wait_status_code(ws);
}

static char *capture_v(int *status, const char *fmt, va_list ap)
{
	g_autofree char *cmd = g_strdup_vprintf(fmt, ap);
	const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	char *out = NULL;
	int ws = 0;
	GError *err = NULL;

	fflush(NULL);
	if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &ws, &err)) {
		fprintf(stderr, "harness: cannot run %s: %s\n", cmd, err->message);
		g_error_free(err);
		if (status)
			*status = -1;
		return g_strdup("");
	}
	if (status)
		*status = wait_status_code(ws);
	return out;
}

char *capture_status(int *status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *out = capture_v(status, fmt, ap);
	va_end(ap);
	return out;
}

char *capture(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *out = capture_v(NULL, fmt, ap);
	va_end(ap);
	return out;
}

/* --- bytes --- */

void fill_pattern(void *buf, size_t len, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 0x2545f4914f6cdd1dULL;
	unsigned char *p = buf;

	for (size_t i = 0; i < len; i += 8) {
		x ^= x >> 12; /* xorshift64* */
		x ^= x << 25;
		x ^= x >> 27;
		uint64_t v = x * 0x2545f4914f6cdd1dULL;
		size_t n = len - i < 8 ? len - i : 8;
		memcpy(p + i, &v, n);
	}
}

int write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	const char *p = buf;

	if (fd < 0)
		return -errno;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			int e = errno;
			close(fd);
			return -e;
		}
		if (n == 0) {
			close(fd);
			return -EIO;
		}
		p += n;
		len -= n;
	}
	if (close(fd) < 0)
		return -errno;
	return 0;
}

void *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	GByteArray *a;
	char chunk[65536];
	ssize_t n;

	if (fd < 0)
		return NULL;
	a = g_byte_array_new();
	while ((n = read(fd, chunk, sizeof chunk)) > 0)
		g_byte_array_append(a, (guint8 *)chunk, n);
	if (n < 0) {
		int e = errno;
		close(fd);
		g_byte_array_free(a, TRUE);
		errno = e;
		return NULL;
	}
	close(fd);
	if (len)
		*len = a->len;
	g_byte_array_append(a, (const guint8 *)"", 1); /* a NUL after the data, not counted */
	return g_byte_array_free(a, FALSE);
}

ssize_t first_diff(const void *a, const void *b, size_t len)
{
	const unsigned char *x = a, *y = b;
	if (memcmp(a, b, len) == 0)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (x[i] != y[i])
			return (ssize_t)i;
	return -1;
}

bool file_equals(const char *path, const void *buf, size_t len)
{
	size_t got = 0;
	g_autofree void *data = read_file(path, &got);

	if (!data) {
		fprintf(stderr, "file_equals: read %s: %s\n", path, g_strerror(errno));
		return false;
	}
	if (got != len) {
		fprintf(stderr, "file_equals: %s has %zu bytes, expected %zu\n", path, got, len);
		return false;
	}
	ssize_t d = first_diff(data, buf, len);
	if (d >= 0) {
		fprintf(stderr, "file_equals: %s differs at byte %zd: 0x%02x, expected 0x%02x\n", path, d,
			((unsigned char *)data)[d], ((const unsigned char *)buf)[d]);
		return false;
	}
	return true;
}

/* --- Check glue --- */

void mnt_fixture_start(const char *backing, const char *tmpfs_size, const char *extra)
{
	if (start_impl(&g_mnt, backing, tmpfs_size, extra) != 0) {
		fprintf(stderr, "\n*** FAIL: shmfs could not be mounted; every test of this case fails ***\n");
		mnt_fixture_failures++;
	}
}

void mnt_fixture_setup(void)
{
	mnt_fixture_start(NULL, NULL, NULL);
}

void mnt_fixture_teardown(void)
{
	bool was_up = g_mnt.daemon > 0;
	int rc = mnt_stop(&g_mnt);

	if (was_up && rc != 0) {
		fprintf(stderr, "\n*** FAIL: shmfs daemon did not stop cleanly: status %d (expected exit 0) ***\n", rc);
		mnt_fixture_failures++;
	}
}

void mnt_checked_setup(void)
{
	ck_assert_msg(g_mnt.mounted, "shmfs is not mounted (fixture setup failed, see stderr)");
	ck_assert_msg(mnt_alive(&g_mnt), "shmfs daemon pid %d is gone or its mount %s does not answer",
		      (int)g_mnt.daemon, g_mnt.mountpoint);
}

TCase *mnt_tcase_with(const char *name, void (*setup)(void), void (*teardown)(void))
{
	TCase *tc = tcase_create(name);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_checked_fixture(tc, mnt_checked_setup, NULL);
	tcase_set_timeout(tc, 60);
	return tc;
}

TCase *mnt_tcase(const char *name, void (*setup)(void))
{
	return mnt_tcase_with(name, setup, mnt_fixture_teardown);
}

int mnt_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (mnt_fixture_failures)
		fprintf(stderr, "*** %d mount fixture failure(s) (mount not set up, or daemon exit status not 0) ***\n",
			mnt_fixture_failures);
	return failed == 0 && mnt_fixture_failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

struct stat xlstat(const char *path)
{
	struct stat st;
	ck_assert_msg(lstat(path, &st) == 0, "lstat %s: %s", path, g_strerror(errno));
	return st;
}

/* In a child: drops to uid and gid ID with the NGROUPS supplementary GROUPS and umask UM. */
static int become(uid_t id, const gid_t *groups, size_t ngroups, mode_t um)
{
	if (setgroups(ngroups, groups) < 0 || setgid(id) < 0 || setuid(id) < 0) {
		fprintf(stderr, "becoming uid %d: %s\n", (int)id, g_strerror(errno));
		return -1;
	}
	umask(um);
	return 0;
}

int become_user(uid_t id, mode_t um)
{
	return become(id, NULL, 0, um);
}

static void as_user_with(uid_t id, const gid_t *groups, size_t ngroups, mode_t um,
			 int (*fn)(const void *arg), const void *arg)
{
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_sys(pid);
	if (pid == 0) {
		if (become(id, groups, ngroups, um) < 0)
			_exit(100);
		int rc = fn(arg);
		fflush(NULL);
		_exit(rc);
	}
	int ws;
	ck_assert_int_eq(waitpid(pid, &ws, 0), pid);
	ck_assert_msg(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "the child as uid %d failed at step %d (see stderr)",
		      (int)id, WIFEXITED(ws) ? WEXITSTATUS(ws) : 1000 + WTERMSIG(ws));
}

void as_user(uid_t id, mode_t um, int (*fn)(const void *arg), const void *arg)
{
	as_user_with(id, NULL, 0, um, fn, arg);
}

void as_user_in_group(uid_t id, gid_t group, mode_t um, int (*fn)(const void *arg), const void *arg)
{
	as_user_with(id, &group, 1, um, fn, arg);
}

void put_pattern(const char *path, size_t len, uint64_t seed)
{
	g_autofree char *buf = g_malloc(len ? len : 1);
	fill_pattern(buf, len, seed);
	int rc = write_file(path, buf, len);
	ck_assert_msg(rc == 0, "write %s: %s", path, g_strerror(-rc));
}

bool has_pattern(const char *path, size_t len, uint64_t seed)
{
	g_autofree char *buf = g_malloc(len ? len : 1);
	fill_pattern(buf, len, seed);
	return file_equals(path, buf, len);
}

int wait_pid(pid_t pid, double seconds)
{
	double end = now_s() + seconds;
	int ws;
	do {
		if (waitpid(pid, &ws, WNOHANG) == pid)
			return ws;
		sleep_ms(10);
	} while (now_s() < end);
	kill(pid, SIGKILL); /* not waited for: a process stuck in the kernel would hang the test */
	return -1;
}

pid_t adopted_daemon(void)
{
	g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
	const char *name;
	while (proc && (name = g_dir_read_name(proc))) {
		g_autofree char *path = g_strdup_printf("/proc/%s/stat", name);
		g_autofree char *stat = NULL;
		int ppid = 0;
		char state;
		const char *paren;
		if (g_file_get_contents(path, &stat, NULL, NULL) && g_str_has_prefix(strchr(stat, '('), "(shmfs)") &&
		    (paren = strrchr(stat, ')')) && sscanf(paren + 1, " %c %d", &state, &ppid) == 2 &&
		    ppid == getpid())
			return atoi(name);
	}
	return 0;
}

char *proc_status(pid_t pid, const char *name)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/status", (int)pid);
	g_autofree char *text = NULL;
	ck_assert_msg(g_file_get_contents(path, &text, NULL, NULL), "cannot read %s", path);
	g_autofree char *key = g_strdup_printf("\n%s:", name);
	const char *at = strstr(text, key);
	ck_assert_msg(at, "no %s in %s", name, path);
	at += strlen(key);
	at += strspn(at, " \t");
	return g_strndup(at, strcspn(at, "\n"));
}

int proc_fds(pid_t pid, void (*fn)(int fd, const char *target, void *ctx), void *ctx)
{
	g_autofree char *dir = g_strdup_printf("/proc/%d/fd", (int)pid);
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		n++;
		g_autofree char *link = g_strdup_printf("%s/%s", dir, e->d_name);
		char target[PATH_MAX + 1];
		ssize_t len = fn ? readlink(link, target, PATH_MAX) : -1;
		if (len < 0)
			continue;
		target[len] = '\0';
		fn(atoi(e->d_name), target, ctx);
	}
	closedir(d);
	return n;
}

char *findmnt_at(const char *mp, const char *column)
{
	g_autofree char *qmp = q(mp);
	return g_strstrip(capture("findmnt -n -o %s --mountpoint %s", column, qmp));
}

bool mnt_ring(const struct mnt *m)
{
	g_autofree char *log = mnt_log_tail(m, 16384);
	return strstr(log, "shmfs: requests come over io_uring") != NULL;
}

bool mnt_dead_errno(bool ring, int err)
{
	return err == ENOTCONN || (ring && err == ECONNABORTED);
}
