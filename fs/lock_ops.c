/* lock_ops.c - file locks through the mount, taken on the segment itself, so that they conflict
 * with those of programs that use the segment through shm_open: flock(2), and fcntl(2) byte-range
 * locks (classic POSIX and open file description ones).
 *
 * flock: each open through the mount is one open file of the daemon's (fs_file), as each open(2)
 * is one open file description in the kernel, so flock(2) on it means what it means natively and
 * goes when the last descriptor of that open file is closed (RELEASE closes the daemon's file).
 *
 * fcntl: the kernel names each lock's owner (the process for a POSIX lock, the open file for an
 * OFD lock). The daemon holds one open file per (inode, owner), the holder, and takes OFD locks on
 * it (F_OFD_SETLK): locks of one owner merge and split and never conflict with each other, those of
 * different owners conflict, and both conflict with POSIX locks taken on the segment directly.
 * What differs from POSIX, and why: a POSIX lock goes when its process closes any descriptor of
 * the file; the kernel would tell the daemon so with a FLUSH at every close(2), a round trip that
 * every close would pay. Instead the locks of an owner go when an open file through which it locked
 * is released (its last descriptor closed, e.g. at the process's exit) or by an unlock.
 *
 * A lock that must wait (F_SETLKW, flock without LOCK_NB) never holds a worker thread: the request
 * waits in a list, tried again every few milliseconds, until it is granted or the caller is
 * interrupted (EINTR). One user may have LOCK_WAITS_PER_USER such waits at once, and an open file
 * LOCK_OWNERS_PER_FILE owners; each holder is one of its user's share of fds (fs_fd_take); past
 * any of these, ENOLCK.
 *
 * Over io_uring (-o io_uring) a waiting request holds its ring entry, and the kernel queues the
 * other requests of that CPU once its entries are all held; libfuse 3.18 also delivers no
 * INTERRUPT for ring requests. So there one user may have LOCK_RING_WAITS_PER_USER waits, all
 * users together the plan's ring_held_max (half a CPU's entries: the rest keep serving), and the
 * waits' thread looks for the caller's signals itself at each try: a signal it has not blocked,
 * pending in /proc/PID/status, ends the wait with EINTR, as the kernel's INTERRUPT would (a
 * waiting caller is alive: blocked in the request, its pid cannot be another's). */
#include "locks.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

#include "inode.h"
#include "share.h"

#define LOCK_WAITS_PER_USER 64
#define LOCK_RING_WAITS_PER_USER 1
#define LOCK_OWNERS_PER_FILE 64
#define RETRY_MIN_US 500
#define RETRY_MAX_US 8000

struct holder_key {
	struct fs_inode *in;
	uint64_t owner;
};

struct holder {
	struct holder_key key;
	int fd;
	uid_t uid;       /* whose share of the daemon's fds it takes (fs_fd_take) */
	struct fs *fs;
};

static guint holder_hash(gconstpointer p)
{
	const struct holder_key *k = p;
	return g_direct_hash(k->in) ^ g_int64_hash(&k->owner);
}

static gboolean holder_equal(gconstpointer a, gconstpointer b)
{
	const struct holder_key *x = a, *y = b;
	return x->in == y->in && x->owner == y->owner;
}

static void holder_free(gpointer p)
{
	struct holder *h = p;
	close(h->fd); /* its locks go with it */
	fs_fd_give(h->fs, h->uid);
	g_free(h);
}

/* A lock request waiting for its lock. */
struct lock_wait {
	fuse_req_t req;
	uid_t uid;
	int fd;
	bool flock;
	int op;          /* flock: LOCK_SH or LOCK_EX */
	struct flock lk; /* fcntl */
	bool armed;      /* its interrupt function is set: the waits' thread may answer it */
	bool interrupted;
	pid_t polled;    /* over io_uring: the caller, whose signals the waits' thread looks for */
	unsigned retry_us;
	gint64 due;      /* next try, monotonic microseconds */
	int answer;      /* once it ends: 0 or -errno */
};

struct fs_locks {
	pthread_mutex_t lock;   /* everything below */
	GHashTable *holders;    /* struct holder_key -> struct holder */
	GList *waits;           /* struct lock_wait */
	pthread_cond_t wake;
	pthread_t thread;
	bool started, stopping;
};

void fs_locks_init(struct fs *fs)
{
	struct fs_locks *l = g_new0(struct fs_locks, 1);
	pthread_mutex_init(&l->lock, NULL);
	pthread_condattr_t ca; /* the monotonic clock, as the waits' times */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->wake, &ca);
	pthread_condattr_destroy(&ca);
	l->holders = g_hash_table_new_full(holder_hash, holder_equal, NULL, holder_free);
	fs->locks = l;
}

/* Opens the holder's file: read-write where it can be (a write lock needs it; the kernel has
 * checked the caller's own file), else as the segment allows (chattr +a, +i). */
static int open_holder(struct fs *fs, struct fs_inode *in)
{
	int fd = fs_inode_open(fs, in, O_RDWR);
	if (fd == -EPERM)
		fd = fs_inode_open(fs, in, O_RDWR | O_APPEND);
	if (fd == -EPERM || fd == -EACCES)
		fd = fs_inode_open(fs, in, O_RDONLY);
	return fd;
}

/* A descriptor of the holder of OWNER's locks on F's inode (made at its first use, as one of
 * UID's fds, and noted on F, whose release drops it): a dup, the caller's to close, since another
 * release may close the holder's own meanwhile. Returns it or -errno. */
static int holder_fd(struct fs *fs, struct fs_file *f, uint64_t owner, uid_t uid)
{
	struct fs_locks *l = fs->locks;
	struct holder_key key = { f->inode, owner };
	int fresh = -1; /* a holder's file opened here, once none was found */
	for (;;) {
		pthread_mutex_lock(&l->lock);
		bool noted = false;
		for (guint i = 0; f->lock_owners && i < f->lock_owners->len && !noted; i++)
			noted = g_array_index(f->lock_owners, uint64_t, i) == owner;
		struct holder *h = g_hash_table_lookup(l->holders, &key);
		int res = !noted && f->lock_owners && f->lock_owners->len >= LOCK_OWNERS_PER_FILE
				  ? -ENOLCK
				  : 0;
		if (!res && !h && fresh >= 0) {
			h = g_new(struct holder, 1);
			*h = (struct holder){ key, fresh, uid, fs };
			g_hash_table_insert(l->holders, &h->key, h);
			fresh = -1;
		}
		if (!res && h && (res = fcntl(h->fd, F_DUPFD_CLOEXEC, 0)) < 0)
			res = -errno;
		if (res >= 0 && h && !noted) {
			if (!f->lock_owners)
				f->lock_owners = g_array_new(FALSE, FALSE, sizeof(uint64_t));
			g_array_append_val(f->lock_owners, owner);
		}
		pthread_mutex_unlock(&l->lock);
		if (res < 0 || h) {
			if (fresh >= 0) { /* another thread made one meanwhile, or refused */
				close(fresh);
				fs_fd_give(fs, uid);
			}
			return res;
		}
		if (fs_fd_take(fs, uid) != 0)
			return -ENOLCK; /* (its share of the daemon's fds is used up) */
		if ((fresh = open_holder(fs, f->inode)) < 0) {
			fs_fd_give(fs, uid);
			return fresh;
		}
	}
}

void fs_locks_release(struct fs *fs, struct fs_file *f)
{
	if (!f->lock_owners)
		return;
	struct fs_locks *l = fs->locks;
	pthread_mutex_lock(&l->lock);
	for (guint i = 0; i < f->lock_owners->len; i++) {
		struct holder_key key = { f->inode, g_array_index(f->lock_owners, uint64_t, i) };
		g_hash_table_remove(l->holders, &key);
	}
	pthread_mutex_unlock(&l->lock);
	g_array_free(f->lock_owners, TRUE);
	f->lock_owners = NULL;
}

/* One try: 0, -EAGAIN when another holds a conflicting lock, or another -errno. */
static int try_lock(const struct lock_wait *w)
{
	int res = w->flock ? flock(w->fd, w->op | LOCK_NB)
			   : fcntl(w->fd, F_OFD_SETLK, &w->lk);
	if (res == 0)
		return 0;
	return errno == EWOULDBLOCK || errno == EACCES ? -EAGAIN : -errno;
}

static void wait_end(struct lock_wait *w, int err)
{
	fuse_reply_err(w->req, -err);
	close(w->fd);
	g_free(w);
}

/* Whether the thread TID has a signal pending that it does not block (or is gone): what makes
 * the kernel interrupt a request. */
static bool caller_signalled(pid_t tid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	FILE *f = fopen(path, "re");
	if (!f)
		return true;
	uint64_t pending = 0, blocked = 0, v;
	char line[256];
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "SigPnd: %" SCNx64, &v) == 1 || sscanf(line, "ShdPnd: %" SCNx64, &v) == 1)
			pending |= v;
		else if (sscanf(line, "SigBlk: %" SCNx64, &v) == 1)
			blocked = v;
	}
	fclose(f);
	uint64_t kill = UINT64_C(1) << (SIGKILL - 1); /* never blocked */
	return (pending & (~blocked | kill)) != 0;
}

/* The waits' thread: tries each wait when it is due, and answers it once granted, failed, or
 * interrupted (outside the lock: an interrupt function takes it while libfuse holds its own). */
static void *waiter(void *arg)
{
	struct fs_locks *l = arg;
	pthread_mutex_lock(&l->lock);
	while (!l->stopping) {
		gint64 now = g_get_monotonic_time(), next = now + RETRY_MAX_US;
		GList *done = NULL;
		for (GList *it = l->waits; it;) {
			struct lock_wait *w = it->data;
			GList *here = it;
			it = it->next;
			if (!w->armed)
				continue;
			if (w->polled && w->due <= now && caller_signalled(w->polled))
				w->interrupted = true;
			int err = w->interrupted ? -EINTR : w->due <= now ? try_lock(w) : -EAGAIN;
			if (err == -EAGAIN) {
				if (w->due <= now) {
					w->retry_us = MIN(w->retry_us * 2, RETRY_MAX_US);
					w->due = now + w->retry_us;
				}
				next = MIN(next, w->due);
				continue;
			}
			l->waits = g_list_remove_link(l->waits, here);
			w->answer = err;
			done = g_list_concat(here, done);
		}
		pthread_mutex_unlock(&l->lock);
		for (GList *it = done; it; it = it->next) {
			struct lock_wait *w = it->data;
			wait_end(w, w->answer);
		}
		g_list_free(done);
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		gint64 wait_us = MAX(next - g_get_monotonic_time(), 0);
		until.tv_sec += wait_us / 1000000;
		until.tv_nsec += (wait_us % 1000000) * 1000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		pthread_mutex_lock(&l->lock);
		if (!l->stopping)
			pthread_cond_timedwait(&l->wake, &l->lock, &until);
	}
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

/* The interrupt of a waiting request (its caller got a signal): called by libfuse with the
 * request's own lock held, so it only marks the wait, found by its request (the wait may be gone). */
static void interrupted(fuse_req_t req, void *data)
{
	struct fs_locks *l = data;
	pthread_mutex_lock(&l->lock);
	for (GList *it = l->waits; it; it = it->next) {
		struct lock_wait *w = it->data;
		if (w->req == req)
			w->interrupted = true;
	}
	pthread_cond_signal(&l->wake);
	pthread_mutex_unlock(&l->lock);
}

static void start_waiter(struct fs_locks *l)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	l->started = pthread_create(&l->thread, NULL, waiter, l) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Tries W's lock once; if it must wait, hands the request to the waits' thread (which answers it
 * later), else answers it now. Takes W over, with its descriptor: its own dup of the open file the
 * lock is taken on (a lock taken through it is the open file's), so that a release meanwhile,
 * which closes the daemon's own, leaves it valid. A wait is queued before its interrupt function
 * is set, and armed after: an interrupt that came before is then delivered at once, and finds it. */
static void lock_or_wait(struct fs *fs, struct lock_wait *w, bool sleep)
{
	struct fs_locks *l = fs->locks;
	int err = try_lock(w);
	if (err != -EAGAIN || !sleep) {
		wait_end(w, err);
		return;
	}
	unsigned held_max = fs->plan.ring_held_max;
	if (fs->plan.io_uring)
		w->polled = fuse_req_ctx(w->req)->pid;
	pthread_mutex_lock(&l->lock);
	unsigned mine = 0, all = 0;
	for (GList *it = l->waits; it; it = it->next, all++)
		mine += ((struct lock_wait *)it->data)->uid == w->uid;
	if (!l->started && !l->stopping)
		start_waiter(l);
	bool queued = l->started && !l->stopping &&
		      (fs->plan.io_uring ? mine < LOCK_RING_WAITS_PER_USER && all < held_max
					 : mine < LOCK_WAITS_PER_USER);
	if (queued) {
		w->retry_us = RETRY_MIN_US;
		w->due = g_get_monotonic_time() + w->retry_us;
		l->waits = g_list_prepend(l->waits, w);
	}
	pthread_mutex_unlock(&l->lock);
	if (!queued) {
		wait_end(w, -ENOLCK);
		return;
	}
	fuse_req_interrupt_func(w->req, interrupted, l);
	pthread_mutex_lock(&l->lock);
	w->armed = true;
	pthread_cond_signal(&l->wake);
	pthread_mutex_unlock(&l->lock);
}

void fs_op_flock(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, int op)
{
	(void)ino;
	int fd = fcntl(fs_file(fi)->fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	struct lock_wait *w = g_new0(struct lock_wait, 1);
	*w = (struct lock_wait){ .req = req, .uid = fuse_req_ctx(req)->uid, .fd = fd,
				 .flock = true, .op = op & ~LOCK_NB };
	lock_or_wait(fs_of(req), w, !(op & LOCK_NB) && !(op & LOCK_UN));
}

void fs_op_setlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lock,
		 int sleep)
{
	(void)ino;
	int fd = holder_fd(fs_of(req), fs_file(fi), fi->lock_owner, fuse_req_ctx(req)->uid);
	if (fd < 0) {
		fuse_reply_err(req, -fd);
		return;
	}
	struct lock_wait *w = g_new0(struct lock_wait, 1);
	*w = (struct lock_wait){ .req = req, .uid = fuse_req_ctx(req)->uid, .fd = fd, .lk = *lock };
	w->lk.l_pid = 0; /* an OFD lock's */
	lock_or_wait(fs_of(req), w, sleep && lock->l_type != F_UNLCK);
}

void fs_op_getlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lock)
{
	(void)ino;
	int fd = holder_fd(fs_of(req), fs_file(fi), fi->lock_owner, fuse_req_ctx(req)->uid);
	struct flock lk = *lock;
	lk.l_pid = 0;
	int err = fd < 0 ? fd : fcntl(fd, F_OFD_GETLK, &lk) < 0 ? -errno : 0;
	if (fd >= 0)
		close(fd);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_lock(req, &lk);
}

void fs_locks_stop(struct fs *fs)
{
	struct fs_locks *l = fs->locks;
	pthread_mutex_lock(&l->lock);
	l->stopping = true;
	pthread_cond_signal(&l->wake);
	pthread_mutex_unlock(&l->lock);
	if (l->started)
		pthread_join(l->thread, NULL);
	for (GList *it = l->waits; it; it = it->next)
		wait_end(it->data, -EINTR);
	g_list_free(l->waits);
	l->waits = NULL;
}

void fs_locks_free(struct fs *fs)
{
	struct fs_locks *l = fs->locks;
	/* every holder is noted on an open file, whose release (fs_free frees them first) drops it */
	g_assert(g_hash_table_size(l->holders) == 0);
	g_hash_table_destroy(l->holders);
	pthread_cond_destroy(&l->wake);
	pthread_mutex_destroy(&l->lock);
	g_free(l);
	fs->locks = NULL;
}
