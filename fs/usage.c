/* usage.c - what lsshm says of a segment, as read-only extended attributes of it through the mount:
 * user.shmfs.nattch (how many processes map it), user.shmfs.users (which: "PID:COMM,..." as
 * lsshm's USERS column) and user.shmfs.rss (the bytes of memory it holds). They are made at each
 * request from a scan of /proc (lib/users.c), never stored in tmpfs, and refused to setxattr and
 * removexattr (EPERM).
 *
 * What a caller learns is what /proc would tell it: processes whose maps and fds it may read (its
 * own uid's), or every one for root or a caller with CAP_SYS_PTRACE (users_viewer_of). The shmfs
 * daemons themselves are no users (users_scan leaves them out), so a segment that only shmfs has
 * looked up has nattch 0.
 *
 * Cost and freshness: a scan reads every process's maps and fds (about 40 ms for 300 processes).
 * It runs in a thread of its own, one at a time; a request is answered from the first scan that
 * began after the request arrived (so a process that has exited is never counted: no cache that
 * lies), and many requests at once share one scan. Reading /proc/PID/maps can block on another
 * process's mmap lock for as long as that process wants (a page fault on a hung file system): a
 * request waits for its scan at most USAGE_WAIT_MS, then fails with EAGAIN, and while a scan has
 * run longer than that every request fails at once; no request thread is held longer, however
 * long the scan takes.
 *
 * No user can make these reads cost the others much: a scan starts no sooner after the last one
 * ended than that one took, up to USAGE_PAUSE_MAX_MS (the scanner is busy half the time at most
 * while scans are short, however many ask, and a request still gets one in time), and one
 * user may have USAGE_WAITERS_PER_USER requests waiting (EAGAIN beyond), so that a flood of them
 * holds few of the daemon's request threads.
 *
 * Over io_uring (-o io_uring) libfuse serves each CPU's requests on one thread, in turn: a request
 * waiting for its scan would hold up every other request from that CPU. There nattch and users
 * are not offered (EOPNOTSUPP, and listxattr leaves them out; lsshm tells the same); rss, which
 * needs no scan, is. */
#include "usage.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "knobs.h"
#include "users.h"

#define USAGE_WAIT_MS 2000
#define USAGE_WAITERS_PER_USER 4
#define USAGE_PAUSE_MAX_MS 250 /* so that a request waits for two slow scans at most */

static const char *const names[] = { FS_USAGE_NATTCH, FS_USAGE_USERS, FS_USAGE_RSS };

/* One finished scan, shared by the requests that read it. */
struct snapshot {
	struct users_scan *scan; /* NULL: it failed */
	int err;
	gint64 started;          /* g_get_monotonic_time() when it began */
	unsigned refs;           /* under usage.lock */
};

/* Under fs->usage_lock (a leaf: nothing else is taken with it). */
struct fs_usage {
	pthread_mutex_t lock;
	pthread_cond_t done;
	int backing_fd;          /* the backing directory: which file system to scan for */
	dev_t mount_dev;         /* the mount's own device: uses through it count too */
	bool running;            /* a scan thread runs, since running_since */
	gint64 running_since;
	gint64 next_start;       /* the next scan begins no sooner (the pacing above) */
	GHashTable *waiters;     /* uid -> requests waiting for a scan */
	bool closing;            /* the file system is freed: the running scan frees this */
	struct snapshot *last;
};

bool fs_usage_name(const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

static void snapshot_unref_locked(struct snapshot *s)
{
	if (s && --s->refs == 0) {
		if (s->scan)
			users_scan_free(s->scan);
		g_free(s);
	}
}

static void usage_free(struct fs_usage *u)
{
	snapshot_unref_locked(u->last);
	if (u->backing_fd >= 0)
		close(u->backing_fd);
	pthread_mutex_unlock(&u->lock);
	pthread_mutex_destroy(&u->lock);
	pthread_cond_destroy(&u->done);
	g_hash_table_destroy(u->waiters);
	g_free(u);
}

static void *scanner(void *arg)
{
	struct fs_usage *u = arg;
	pthread_mutex_lock(&u->lock);
	gint64 pause = u->next_start - g_get_monotonic_time();
	pthread_mutex_unlock(&u->lock);
	if (pause > 0)
		g_usleep(pause);
	struct snapshot *s = g_new0(struct snapshot, 1);
	s->started = g_get_monotonic_time();
	s->refs = 1;
	struct users_opts opts = { .alias_devs = &u->mount_dev, .n_alias_devs = u->mount_dev != 0 };
	s->err = users_scan(u->backing_fd, &opts, &s->scan);
	gint64 least = fs_knobs()->usage_scan_ms * (gint64)1000 - (g_get_monotonic_time() - s->started);
	if (least > 0)
		g_usleep(least);

	gint64 ended = g_get_monotonic_time();
	pthread_mutex_lock(&u->lock);
	snapshot_unref_locked(u->last);
	u->last = s;
	u->running = false;
	u->next_start = ended + MIN(ended - s->started, USAGE_PAUSE_MAX_MS * (gint64)1000);
	pthread_cond_broadcast(&u->done);
	if (u->closing) {
		usage_free(u); /* unlocks */
		return NULL;
	}
	pthread_mutex_unlock(&u->lock);
	return NULL;
}

/* Under u->lock: starts a scan unless one runs. 0 or -errno. */
static int start_scan(struct fs_usage *u)
{
	if (u->running)
		return 0;
	pthread_attr_t attr;
	pthread_t t;
	sigset_t all, old;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old); /* signals are the session's */
	int err = pthread_create(&t, &attr, scanner, u);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (err)
		return -err;
	u->running = true;
	u->running_since = g_get_monotonic_time();
	return 0;
}

/* Under u->lock: UID waits for a scan (DELTA 1) or no longer (-1); false when it may not, having
 * USAGE_WAITERS_PER_USER waiting already. */
static bool count_waiter(struct fs_usage *u, uid_t uid, int delta)
{
	gpointer key = GUINT_TO_POINTER(uid);
	unsigned n = GPOINTER_TO_UINT(g_hash_table_lookup(u->waiters, key));
	if (delta > 0 && n >= USAGE_WAITERS_PER_USER)
		return false;
	n += delta;
	if (n)
		g_hash_table_insert(u->waiters, key, GUINT_TO_POINTER(n));
	else
		g_hash_table_remove(u->waiters, key);
	return true;
}

/* A scan that began after ARRIVED (held: give it back with give_back), or NULL with *ERR, for a
 * request of UID; uses through the mount of device MOUNT_DEV count too. */
static struct snapshot *fresh_scan(struct fs_usage *u, uid_t uid, dev_t mount_dev, gint64 arrived,
				   int *err)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += USAGE_WAIT_MS / 1000;
	until.tv_nsec += (USAGE_WAIT_MS % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	struct snapshot *s = NULL;
	*err = 0;
	pthread_mutex_lock(&u->lock);
	u->mount_dev = mount_dev;
	bool stuck = u->running && arrived - u->running_since > USAGE_WAIT_MS * (gint64)1000;
	if (stuck || !count_waiter(u, uid, 1)) {
		pthread_mutex_unlock(&u->lock);
		*err = -EAGAIN;
		return NULL;
	}
	while (!s && !*err) {
		if (u->last && u->last->started >= arrived)
			s = u->last;
		else if ((*err = start_scan(u)) == 0 &&
			 pthread_cond_timedwait(&u->done, &u->lock, &until) == ETIMEDOUT)
			*err = -EAGAIN;
	}
	count_waiter(u, uid, -1);
	if (s)
		s->refs++;
	pthread_mutex_unlock(&u->lock);
	if (s && !s->scan) {
		*err = s->err;
		pthread_mutex_lock(&u->lock);
		snapshot_unref_locked(s);
		pthread_mutex_unlock(&u->lock);
		s = NULL;
	}
	return s;
}

static void give_back(struct fs_usage *u, struct snapshot *s)
{
	pthread_mutex_lock(&u->lock);
	snapshot_unref_locked(s);
	pthread_mutex_unlock(&u->lock);
}

void fs_usage_init(struct fs *fs)
{
	struct fs_usage *u = g_new0(struct fs_usage, 1);
	pthread_mutex_init(&u->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&u->done, &ca);
	pthread_condattr_destroy(&ca);
	u->waiters = g_hash_table_new(NULL, NULL);
	u->backing_fd = fcntl(fs->root.fd, F_DUPFD_CLOEXEC, 0); /* (a scan may outlive fs_free) */
	fs->usage = u;
}

void fs_usage_free(struct fs *fs)
{
	struct fs_usage *u = fs->usage;
	if (!u)
		return;
	pthread_mutex_lock(&u->lock);
	u->closing = true;
	if (u->running)
		pthread_mutex_unlock(&u->lock); /* the scan frees it when it ends */
	else
		usage_free(u);
	fs->usage = NULL;
}

/* Whether NAME needs a scan of /proc. */
static bool scanned(const char *name)
{
	return strcmp(name, FS_USAGE_RSS) != 0;
}

size_t fs_usage_names(const struct fs *fs, mode_t type, char *buf, size_t size)
{
	if (!S_ISREG(type))
		return 0;
	size_t len = 0;
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		if (fs->plan.io_uring && scanned(names[i]))
			continue;
		size_t n = strlen(names[i]) + 1;
		if (buf && len + n <= size)
			memcpy(buf + len, names[i], n);
		len += n;
	}
	return len;
}

char *fs_usage_value(fuse_req_t req, const char *name, const struct stat *st, int *err)
{
	*err = 0;
	if (!S_ISREG(st->st_mode)) {
		*err = -ENODATA;
		return NULL;
	}
	if (!scanned(name))
		return g_strdup_printf("%llu", (unsigned long long)users_resident(st));
	if (fs_of(req)->plan.io_uring) {
		*err = -EOPNOTSUPP;
		return NULL;
	}
	gint64 arrived = g_get_monotonic_time();
	struct fs_usage *u = fs_of(req)->usage;
	struct snapshot *s = fresh_scan(u, fuse_req_ctx(req)->uid, fs_of(req)->mount_dev, arrived, err);
	if (!s)
		return NULL;
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct users_viewer viewer = users_viewer_of(ctx->pid, ctx->uid, ctx->gid);
	g_autoptr(GPtrArray) uses = g_ptr_array_new();
	struct users_count c = users_of(s->scan, st->st_dev, st->st_ino, &viewer, uses);
	char *value = strcmp(name, FS_USAGE_NATTCH) == 0 ? g_strdup_printf("%u", c.nattch)
							   : users_format(uses);
	give_back(u, s);
	return value;
}
