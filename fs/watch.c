/* watch.c - lets the kernel keep names and attributes for long (-o cache=watch) and keeps them true:
 * an inotify watch on each directory the kernel knows turns every change made there behind the
 * kernel's back (a name added, removed or renamed; a chmod, a truncation, a write) into an
 * invalidation of that inode's attributes, and of the names the kernel holds, well under a
 * millisecond later on an idle machine.
 *
 * Why not short timeouts: with timeouts of 0 every stat is a round trip to the daemon (LOOKUP, then
 * GETATTR), and `ls -l` of 10,000 segments took 30 times as long as on tmpfs. With long timeouts and
 * this thread, a listing costs one READDIRPLUS per few dozen names and the stats cost nothing.
 *
 * What inotify cannot report, and so what the kernel may keep until the timeout: a change made
 * through a hard link that sits in a directory the kernel never looked into; stores through a
 * mapping (they change no attribute on tmpfs; data freshness is the job of open, see file_ops.c).
 *
 * Nothing this thread sends may wait for a lock that a client holds while it waits for the daemon:
 * killed then (SIGKILL), the daemon could never exit, since the connection ends only when its last
 * thread has, and the mount would hang for good. Two notifications can wait so:
 *   - FUSE_NOTIFY_INVAL_ENTRY (and its expire-only form) takes the directory's lock, which a
 *     client holds for the whole of a create or unlink there. So names are never invalidated one
 *     by one: a change of names anywhere expires every name the kernel holds at once, with
 *     FUSE_NOTIFY_INC_EPOCH (Linux 6.16), which only bumps a counter. Each name is looked up again
 *     at its next use (one LOOKUP, which finds the inode in the table with a stat). Race-free: the
 *     kernel tags a LOOKUP's reply with the epoch read before it was sent. A kernel without it
 *     gets names that are never kept (an entry timeout of 0), attributes still kept.
 *   - FUSE_NOTIFY_INVAL_INODE with a page range waits for page locks, which a writer holds while
 *     its WRITE waits for the daemon: so attributes only, never cached pages. A held fd still sees
 *     another program's write(2) at its next read: the attributes come back with a new mtime, and
 *     the kernel drops the pages itself (AUTO_INVAL_DATA, in the reader's own call). */
#include "watch.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <unistd.h>

#include "listing.h"

#include "kernel_abi.h"

/* Long, since every change is reported; not forever, so that what inotify cannot see (above)
 * still shows within a minute. */
#define WATCH_TIMEOUT 60.0

/* IN_EXCL_UNLINK: writes to segments already unlinked (but still open) are no one's business. */
#define WATCH_MASK                                                                          \
	(IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB | IN_MODIFY |      \
	 IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK)

/* The name index: every inode (not a view) under the name it was last looked up by, in its
 * parent directory, so that an event, which carries only a name, finds it. */
static guint name_hash(gconstpointer p)
{
	const struct fs_inode *in = p;
	return g_str_hash(in->name) ^ (guint)(uintptr_t)in->parent;
}

static gboolean name_equal(gconstpointer a, gconstpointer b)
{
	const struct fs_inode *x = a, *y = b;
	return x->parent == y->parent && strcmp(x->name, y->name) == 0;
}

/* A name the daemon changes itself in a directory (its nodeid), with the kind of event that change
 * makes: what the set of expected events holds. */
struct entry {
	fuse_ino_t parent;
	uint32_t mask;
	char name[];
};

static guint entry_hash(gconstpointer p)
{
	const struct entry *e = p;
	return g_str_hash(e->name) ^ (guint)e->parent ^ e->mask;
}

static gboolean entry_equal(gconstpointer a, gconstpointer b)
{
	const struct entry *x = a, *y = b;
	return x->parent == y->parent && x->mask == y->mask && strcmp(x->name, y->name) == 0;
}

static struct entry *entry_new(fuse_ino_t parent, uint32_t mask, const char *name)
{
	size_t len = strlen(name) + 1;
	struct entry *e = g_malloc(sizeof(*e) + len);
	e->parent = parent;
	e->mask = mask;
	memcpy(e->name, name, len);
	return e;
}

void fs_watch_dir(struct fs *fs, struct fs_inode *dir, int fd)
{
	fs_assert_locked(&fs->lock);
	dir->wd = -1;
	if (!fs->watching || !S_ISDIR(dir->type))
		return;
	char proc[SEG_FD_PATH_MAX];
	seg_fd_path(fd, proc);
	dir->wd = inotify_add_watch(fs->inotify_fd, proc, WATCH_MASK);
	if (dir->wd < 0) {
		static bool told;
		if (!told)
			fuse_log(FUSE_LOG_WARNING,
				 "shmfs: cannot watch a directory (%s): its names are looked up "
				 "at every access (see fs.inotify.max_user_watches)\n",
				 strerror(errno));
		told = true;
		return;
	}
	g_hash_table_insert(fs->watches, GINT_TO_POINTER(dir->wd), dir);
}

void fs_watch_unname(struct fs *fs, struct fs_inode *in)
{
	fs_assert_locked(&fs->lock);
	if (in->name && in->kind->object && g_hash_table_lookup(fs->names, in) == in)
		g_hash_table_remove(fs->names, in);
}

double fs_watch_name(struct fs *fs, struct fs_inode *in)
{
	fs_assert_locked(&fs->lock);
	if (in->kind->object && in->name[0]) /* (an O_TMPFILE file has no name until it is linked) */
		g_hash_table_replace(fs->names, in, in);
	/* A view's size follows its segment's size and type, which come with no event of its own. */
	if (!in->kind->object || in->parent->wd < 0)
		return 0;
	in->cached = true;
	return fs->timeout;
}

double fs_entry_timeout(const struct fs *fs, double attr_timeout)
{
	return fs->names_expire ? attr_timeout : 0;
}

double fs_attr_timeout(struct fs *fs, const struct fs_inode *in)
{
	return in->cached ? fs->timeout : 0;
}

void fs_watch_forget(struct fs *fs, struct fs_inode *in)
{
	fs_assert_locked(&fs->lock);
	fs_watch_unname(fs, in);
	if (in->wd >= 0) {
		g_hash_table_remove(fs->watches, GINT_TO_POINTER(in->wd));
		inotify_rm_watch(fs->inotify_fd, in->wd);
	}
}

/* Names the daemon itself is about to add, remove or move, on a caller's behalf: the kernel learns
 * of those changes from the replies and updates its entries itself, so their events need no
 * invalidation (which would make the next access to every name look it up again). Each is expected
 * for a second at most: an open(O_CREAT) of an existing file, for one, makes no event. Swallowing
 * an outside event by mistake does no harm either: it would be an event of the same kind on the
 * same name, just before the daemon's own change, whose reply the kernel takes as the truth. */
#define EXPECT_USEC (1000 * 1000)
#define NAME_EVENTS (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO)

void fs_watch_expect(struct fs *fs, const struct fs_inode *dir, const char *name, uint32_t mask)
{
	if (!fs->watching)
		return;
	gint64 now = g_get_monotonic_time();
	pthread_mutex_lock(&fs->lock);
	if (g_hash_table_size(fs->expected) > 1024) { /* expectations no event came for */
		GHashTableIter it;
		gpointer due;
		g_hash_table_iter_init(&it, fs->expected);
		while (g_hash_table_iter_next(&it, NULL, &due))
			if ((gint64)(intptr_t)due < now)
				g_hash_table_iter_remove(&it);
	}
	g_hash_table_insert(fs->expected, entry_new(fs_nodeid(fs, dir), mask & NAME_EVENTS, name),
			    (gpointer)(intptr_t)(now + EXPECT_USEC));
	pthread_mutex_unlock(&fs->lock);
}

void fs_watch_unexpect(struct fs *fs, const struct fs_inode *dir, const char *name, uint32_t mask)
{
	if (!fs->watching)
		return;
	g_autofree struct entry *key = entry_new(fs_nodeid(fs, dir), mask & NAME_EVENTS, name);
	pthread_mutex_lock(&fs->lock);
	g_hash_table_remove(fs->expected, key);
	pthread_mutex_unlock(&fs->lock);
}

int fs_watch_done(struct fs *fs, const struct fs_inode *dir, const char *name, uint32_t mask,
		  int err)
{
	if (err)
		fs_watch_unexpect(fs, dir, name, mask);
	return err;
}

/* Under fs.lock: true (and forgotten) when the daemon made this name event itself. */
static bool expected(struct fs *fs, fuse_ino_t parent, const struct inotify_event *ev)
{
	fs_assert_locked(&fs->lock);
	g_autofree struct entry *key = entry_new(parent, ev->mask & NAME_EVENTS, ev->name);
	gpointer due;
	if (!g_hash_table_lookup_extended(fs->expected, key, NULL, &due))
		return false;
	g_hash_table_remove(fs->expected, key);
	return (gint64)(intptr_t)due >= g_get_monotonic_time();
}

/* What one batch of events asks of the kernel: drop these inodes' attributes (a set, so that a
 * burst of events on one segment costs one invalidation), and maybe every name it holds. */
struct todo {
	bool names;
	GHashTable *inodes; /* nodeid */
	GArray *checks;     /* struct fs_listing_check: IN_ATTRIBs that may have changed a listing */
};

/* The checks of one batch that hold a dup of their directory's fd: no more fds than that. */
#define TODO_CHECK_FDS 64

static void todo_inode(struct todo *t, fuse_ino_t ino)
{
	g_hash_table_add(t->inodes, (gpointer)(uintptr_t)ino);
}

/* inotify said events were lost: everything the kernel may keep is dropped. */
static void todo_everything(struct fs *fs, struct todo *t)
{
	GHashTableIter it;
	gpointer p;
	t->names = true;
	todo_inode(t, FUSE_ROOT_ID);
	g_hash_table_iter_init(&it, fs->inodes);
	while (g_hash_table_iter_next(&it, &p, NULL))
		todo_inode(t, fs_nodeid(fs, p));
}

/* Turns one event into invalidations; under fs.lock. */
static void todo_event(struct fs *fs, struct todo *t, const struct inotify_event *ev)
{
	struct fs_inode *dir = g_hash_table_lookup(fs->watches, GINT_TO_POINTER(ev->wd));
	if (!dir)
		return; /* a watch just removed */
	if (ev->mask & IN_IGNORED) {
		/* the directory is gone: what is looked up in it from now on is not kept */
		g_hash_table_remove(fs->watches, GINT_TO_POINTER(ev->wd));
		dir->wd = -1;
		return;
	}
	fuse_ino_t parent = fs_nodeid(fs, dir);
	if (ev->len == 0 || ev->name[0] == '\0') { /* the directory itself changed */
		todo_inode(t, parent);
		return;
	}
	if (ev->mask & NAME_EVENTS) {
		if (expected(fs, parent, ev))
			return;
		t->names = true;
		todo_inode(t, parent); /* its times and size changed too */
	}
	struct fs_inode key = { .parent = dir, .name = (char *)ev->name };
	struct fs_inode *child = g_hash_table_lookup(fs->names, &key);
	if (child)
		todo_inode(t, fs_nodeid(fs, child));
	struct fs_listing_check c;
	if ((ev->mask & IN_ATTRIB) &&
	    fs_listing_attrib(fs, dir, ev->name, t->checks->len < TODO_CHECK_FDS, &c))
		g_array_append_val(t->checks, c);
	if (ev->mask & (IN_DELETE | IN_MOVED_FROM))
		fs_listing_forget(fs, dir, ev->name);
}

/* Outside fs.lock: the listings the batch's IN_ATTRIBs changed (a view came or went). */
static void todo_check_listings(struct fs *fs, struct todo *t)
{
	for (guint i = 0; i < t->checks->len; i++) {
		fuse_ino_t dir = fs_listing_check(fs, &g_array_index(t->checks, struct fs_listing_check, i));
		if (dir)
			todo_inode(t, dir);
	}
	g_array_set_size(t->checks, 0);
}

/* FUSE_NOTIFY_INC_EPOCH: a header alone, which libfuse 3.14 has no call for. The kernel answers
 * EINVAL only when it does not know it (fs_watch_start checked that it does). */
static void expire_names(struct fs *fs)
{
	struct kabi_out_header h = { .len = sizeof(h), .error = KABI_NOTIFY_INC_EPOCH };
	if (write(fuse_session_fd(fs->se), &h, sizeof(h)) != sizeof(h)) {
		static bool told;
		if (!told)
			fuse_log(FUSE_LOG_ERR, "shmfs: expiring names: %s\n", strerror(errno));
		told = true;
	}
}

void fs_watch_expire_names(struct fs *fs)
{
	if (fs->watching && fs->names_expire)
		expire_names(fs);
}

/* An answer of ENOENT (the kernel holds no such inode) is the common case and means nothing was
 * cached. */
static void todo_send(struct fs *fs, struct todo *t)
{
	GHashTableIter it;
	gpointer p;
	if (t->names && fs->names_expire)
		expire_names(fs); /* first: a name gone is what a reader must not see one moment more */
	t->names = false;
	g_hash_table_iter_init(&it, t->inodes);
	while (g_hash_table_iter_next(&it, &p, NULL))
		fuse_lowlevel_notify_inval_inode(fs->se, (fuse_ino_t)(uintptr_t)p, -1, 0);
	g_hash_table_remove_all(t->inodes);
}

#define WATCHER_NICE -10

/* The pause after a batch of writes' events is sent, before the next batch is read. A program
 * writing a segment makes one IN_MODIFY per write(2) (inotify merges only identical events still
 * queued), and without a pause this thread would wake, and invalidate the inode, once per write:
 * with passthrough that halved the writer's speed. After a pause the writes made meanwhile come as
 * one batch, one invalidation. Only a batch of nothing but IN_MODIFY is followed by a pause: a lone
 * change is sent at once, and a change after a write waits at most this long (well inside the
 * freshness window the tests hold the mount to, MNT_WATCH_WINDOW). */
#define BATCH_PAUSE_US 1000

static void *watcher(void *arg)
{
	struct fs *fs = arg;
	char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct pollfd pfd[2] = { { .fd = fs->inotify_fd, .events = POLLIN },
				 { .fd = fs->wake_fd, .events = POLLIN } };
	struct todo t = { false, g_hash_table_new(NULL, NULL),
			  g_array_new(FALSE, FALSE, sizeof(struct fs_listing_check)) };
	/* On a busy machine the invalidations must not wait for a time slice behind the programs
	 * that make the changes: this thread sleeps nearly always, and runs first when it wakes.
	 * (Only root may raise it; otherwise it stays at the daemon's priority.) */
	setpriority(PRIO_PROCESS, (id_t)gettid(), WATCHER_NICE);

	for (;;) {
		int ready = poll(pfd, 2, -1);
		if (ready < 0 && errno != EINTR)
			break;
		if (ready <= 0)
			continue;
		if (pfd[1].revents)
			break; /* fs_watch_stop */
		ssize_t n = read(fs->inotify_fd, buf, sizeof(buf));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			break;

		bool writes_only = true;
		pthread_mutex_lock(&fs->lock);
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;
			writes_only = writes_only && ev->mask == IN_MODIFY;
			if (ev->mask & IN_Q_OVERFLOW)
				todo_everything(fs, &t);
			else
				todo_event(fs, &t, ev);
			p += sizeof(*ev) + ev->len;
		}
		pthread_mutex_unlock(&fs->lock);
		todo_check_listings(fs, &t);
		todo_send(fs, &t);
		if (writes_only)
			usleep(BATCH_PAUSE_US);
	}
	g_hash_table_destroy(t.inodes);
	g_array_free(t.checks, TRUE);
	return NULL;
}

void fs_watch_init(struct fs *fs)
{
	fs->inotify_fd = fs->wake_fd = -1;
	fs->watches = g_hash_table_new(NULL, NULL);
	fs->names = g_hash_table_new(name_hash, name_equal);
	fs->expected = g_hash_table_new_full(entry_hash, entry_equal, g_free, NULL);
	fs->root.wd = -1;
}

/* FUSE_NOTIFY_INC_EPOCH came with protocol 7.44 (Linux 6.16). */
#define EPOCH_MINOR 44

/* At INIT, before any lookup, and so that fs_watch_stop (at the session's end, which follows
 * every INIT) always runs. The thread takes no signals: they are the session's. */
void fs_watch_start(struct fs *fs, unsigned proto_minor)
{
	if (fs->cache_off)
		return;
	int err = 0;
	fs->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	fs->wake_fd = eventfd(0, EFD_CLOEXEC);
	if (fs->inotify_fd < 0 || fs->wake_fd < 0) {
		err = errno;
	} else {
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		err = pthread_create(&fs->watcher, NULL, watcher, fs);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	if (err) {
		fuse_log(FUSE_LOG_WARNING, "shmfs: cannot watch the backing directory (%s): every "
			 "access asks it (as with -o cache=off)\n", strerror(err));
		return;
	}
	fs->watching = true;
	fs->timeout = WATCH_TIMEOUT;
	fs->names_expire = proto_minor >= EPOCH_MINOR;
	if (!fs->names_expire)
		fuse_log(FUSE_LOG_NOTICE, "shmfs: this kernel (FUSE 7.%u) cannot expire names without "
			 "waiting on directory locks: names are looked up at every access (Linux 6.16 "
			 "or newer keeps them)\n", proto_minor);
	pthread_mutex_lock(&fs->lock); /* (the watcher runs already) */
	fs_watch_dir(fs, &fs->root, fs->root.fd);
	pthread_mutex_unlock(&fs->lock);
	/* The root's attributes are kept too: with default_permissions the kernel needs them fresh
	 * for every path walk, and would otherwise ask for them at every open and unlink. */
	fs->root.cached = fs->root.wd >= 0;
}

void fs_watch_stop(struct fs *fs)
{
	if (!fs->watching)
		return;
	uint64_t one = 1;
	if (write(fs->wake_fd, &one, sizeof(one)) != sizeof(one))
		fuse_log(FUSE_LOG_ERR, "shmfs: waking the watcher: %s\n", strerror(errno));
	pthread_join(fs->watcher, NULL);
	fs->watching = false;
}

void fs_watch_free(struct fs *fs)
{
	fs_watch_stop(fs);
	if (fs->inotify_fd >= 0)
		close(fs->inotify_fd);
	if (fs->wake_fd >= 0)
		close(fs->wake_fd);
	g_hash_table_destroy(fs->watches);
	g_hash_table_destroy(fs->names);
	g_hash_table_destroy(fs->expected);
}
