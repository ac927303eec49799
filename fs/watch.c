/* watch.c - lets the kernel keep names and attributes for long (-o cache=watch) and keeps them true:
 * an inotify watch on each directory the kernel knows turns every change made there behind the
 * kernel's back (a name added, removed or renamed; a chmod, a truncation, a write) into an
 * invalidation of that name and that inode, well under a millisecond later on an idle machine.
 *
 * Why not short timeouts: with timeouts of 0 every stat is a round trip to the daemon (LOOKUP, then
 * GETATTR), and `ls -l` of 10,000 segments took 30 times as long as on tmpfs. With long timeouts and
 * this thread, a listing costs one READDIRPLUS per few dozen names and the stats cost nothing.
 *
 * What inotify cannot report, and so what the kernel may keep until the timeout: a change made
 * through a hard link that sits in a directory the kernel never looked into; stores through a
 * mapping (they change no attribute on tmpfs; data freshness is the job of open, see file_ops.c).
 *
 * Attributes only, never cached pages: dropping pages waits for their locks, which a writer holds
 * while its WRITE waits for the daemon. Killed then (SIGKILL), the daemon could not exit: this
 * thread would wait for the writer, and the writer for a reply no one sends, since the connection
 * ends only when the last thread has. A held fd still sees another program's write(2) at its next
 * read: the attributes come back with a new mtime, and the kernel drops the pages itself
 * (AUTO_INVAL_DATA, in the reader's own call). */
#include "fs_internal.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <unistd.h>

/* Long, since every change is reported; not forever, so that what inotify cannot see (above)
 * still shows within a minute. */
#define WATCH_TIMEOUT 60.0

/* IN_EXCL_UNLINK: writes to segments already unlinked (but still open) are no one's business. */
#define WATCH_MASK                                                                          \
	(IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB | IN_MODIFY |      \
	 IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK)

/* The name index: every inode (not a view) under the name it was last looked up by, in the
 * directory (parent_dev, parent_ino), so that an event, which carries only a name, finds it. */
static guint name_hash(gconstpointer p)
{
	const struct fs_inode *in = p;
	return g_str_hash(in->name) ^ (guint)in->parent_ino ^ (guint)in->parent_dev;
}

static gboolean name_equal(gconstpointer a, gconstpointer b)
{
	const struct fs_inode *x = a, *y = b;
	return x->parent_ino == y->parent_ino && x->parent_dev == y->parent_dev &&
	       strcmp(x->name, y->name) == 0;
}

static fuse_ino_t nodeid(struct fs *fs, const struct fs_inode *in)
{
	return in == &fs->root ? FUSE_ROOT_ID : (fuse_ino_t)(uintptr_t)in;
}

/* A name in a directory (its nodeid), and for an expected event its kind: what the watcher's sets
 * hold. MASK is 0 in the sets of names to invalidate. */
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

static GHashTable *entry_set(void)
{
	return g_hash_table_new_full(entry_hash, entry_equal, g_free, NULL);
}

void fs_watch_dir(struct fs *fs, struct fs_inode *dir)
{
	dir->wd = -1;
	if (!fs->watching || !S_ISDIR(dir->type))
		return;
	char proc[32];
	fs_inode_proc_path(dir, proc);
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

double fs_watch_name(struct fs *fs, struct fs_inode *in, const struct fs_inode *parent,
		     const char *name)
{
	bool same = in->name && in->parent_ino == parent->ino && in->parent_dev == parent->dev &&
		    strcmp(in->name, name) == 0;
	if (!same) {
		if (in->name && !in->view && g_hash_table_lookup(fs->names, in) == in)
			g_hash_table_remove(fs->names, in);
		g_free(in->name);
		in->name = g_strdup(name);
		in->parent_dev = parent->dev;
		in->parent_ino = parent->ino;
		if (!in->view)
			g_hash_table_replace(fs->names, in, in);
	}
	/* A view's size follows its segment's size and type, which come with no event of its own. */
	if (in->view || parent->wd < 0)
		return 0;
	in->cached = true;
	return fs->timeout;
}

double fs_attr_timeout(struct fs *fs, const struct fs_inode *in)
{
	return in->cached ? fs->timeout : 0;
}

void fs_watch_forget(struct fs *fs, struct fs_inode *in)
{
	if (in->name && !in->view && g_hash_table_lookup(fs->names, in) == in)
		g_hash_table_remove(fs->names, in);
	if (in->wd >= 0) {
		g_hash_table_remove(fs->watches, GINT_TO_POINTER(in->wd));
		inotify_rm_watch(fs->inotify_fd, in->wd);
	}
}

/* Names the daemon itself is about to add, remove or move, on a caller's behalf: the kernel learns
 * of those changes from the replies and updates its entries itself, so their events need no
 * invalidation (which would only make the next access look the name up again). Each is expected
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
	g_hash_table_insert(fs->expected, entry_new(nodeid(fs, dir), mask & NAME_EVENTS, name),
			    (gpointer)(intptr_t)(now + EXPECT_USEC));
	pthread_mutex_unlock(&fs->lock);
}

void fs_watch_unexpect(struct fs *fs, const struct fs_inode *dir, const char *name, uint32_t mask)
{
	if (!fs->watching)
		return;
	g_autofree struct entry *key = entry_new(nodeid(fs, dir), mask & NAME_EVENTS, name);
	pthread_mutex_lock(&fs->lock);
	g_hash_table_remove(fs->expected, key);
	pthread_mutex_unlock(&fs->lock);
}

/* Under fs.lock: true (and forgotten) when the daemon made this name event itself. */
static bool expected(struct fs *fs, fuse_ino_t parent, const struct inotify_event *ev)
{
	g_autofree struct entry *key = entry_new(parent, ev->mask & NAME_EVENTS, ev->name);
	gpointer due;
	if (!g_hash_table_lookup_extended(fs->expected, key, NULL, &due))
		return false;
	g_hash_table_remove(fs->expected, key);
	return (gint64)(intptr_t)due >= g_get_monotonic_time();
}

/* What one batch of events asks of the kernel: drop these names and these inodes' attributes.
 * Sets, so that a burst of events on one segment costs one invalidation. */
struct todo {
	GHashTable *entries; /* struct entry (mask 0) */
	GHashTable *inodes;  /* nodeid */
};

static void todo_entry(struct todo *t, fuse_ino_t parent, const char *name)
{
	g_hash_table_add(t->entries, entry_new(parent, 0, name));
}

static void todo_inode(struct todo *t, fuse_ino_t ino)
{
	g_hash_table_add(t->inodes, (gpointer)(uintptr_t)ino);
}

/* inotify said events were lost: everything the kernel may keep is dropped. */
static void todo_everything(struct fs *fs, struct todo *t)
{
	GHashTableIter it;
	gpointer p;
	todo_inode(t, FUSE_ROOT_ID);
	g_hash_table_iter_init(&it, fs->inodes);
	while (g_hash_table_iter_next(&it, &p, NULL)) {
		struct fs_inode *in = p, key = { .dev = in->parent_dev, .ino = in->parent_ino };
		todo_inode(t, nodeid(fs, in));
		if (!in->name)
			continue;
		struct fs_inode *parent = key.dev == fs->root.dev && key.ino == fs->root.ino
						  ? &fs->root
						  : g_hash_table_lookup(fs->inodes, &key);
		if (parent)
			todo_entry(t, nodeid(fs, parent), in->name);
	}
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
	fuse_ino_t parent = nodeid(fs, dir);
	if (ev->len == 0 || ev->name[0] == '\0') { /* the directory itself changed */
		todo_inode(t, parent);
		return;
	}
	/* (A view's name needs nothing: the kernel never keeps a view's entry.) */
	if (ev->mask & NAME_EVENTS) {
		if (expected(fs, parent, ev))
			return;
		todo_entry(t, parent, ev->name);
		todo_inode(t, parent); /* its times and size changed too */
	}
	struct fs_inode key = { .parent_dev = dir->dev, .parent_ino = dir->ino,
				.name = (char *)ev->name };
	struct fs_inode *child = g_hash_table_lookup(fs->names, &key);
	if (child)
		todo_inode(t, nodeid(fs, child));
}

static void send_entries(struct fs *fs, GHashTable *entries)
{
	GHashTableIter it;
	gpointer p;
	g_hash_table_iter_init(&it, entries);
	while (g_hash_table_iter_next(&it, &p, NULL)) {
		const struct entry *e = p;
		fuse_lowlevel_notify_inval_entry(fs->se, e->parent, e->name, strlen(e->name));
	}
}

/* The invalidations are sent with fs.lock released: the kernel may have to wait for a request in
 * flight on that directory, which another daemon thread is serving. An answer of ENOENT (the
 * kernel holds no such name or inode) is the common case and means nothing was cached. Inodes
 * go first: they are few, and a burst of thousands of names must not hold them back. */
static void todo_send(struct fs *fs, struct todo *t)
{
	GHashTableIter it;
	gpointer p;
	g_hash_table_iter_init(&it, t->inodes);
	while (g_hash_table_iter_next(&it, &p, NULL))
		fuse_lowlevel_notify_inval_inode(fs->se, (fuse_ino_t)(uintptr_t)p, -1, 0);
	send_entries(fs, t->entries);
}

/* A LOOKUP the daemon answered just before a change, but which the kernel had not yet turned into
 * an entry when the invalidation came, would leave that entry stale for the whole timeout: the
 * kernel drops only entries it holds. So every name invalidated is invalidated once more, a few
 * milliseconds later, when such a reply has long been applied. (Attributes need no second pass:
 * the kernel itself ignores a reply older than the last invalidation of its inode.) */
#define ECHO_DELAY_MS 3
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
	struct todo t = { entry_set(), g_hash_table_new(NULL, NULL) };
	GHashTable *echo = entry_set();
	/* On a busy machine the invalidations must not wait for a time slice behind the programs
	 * that make the changes: this thread sleeps nearly always, and runs first when it wakes.
	 * (Only root may raise it; otherwise it stays at the daemon's priority.) */
	setpriority(PRIO_PROCESS, (id_t)gettid(), WATCHER_NICE);
	gint64 echo_due = 0; /* when the names in ECHO are to be sent again (they are while events
			      * keep coming, too) */

	for (;;) {
		int wait = -1;
		if (g_hash_table_size(echo)) {
			gint64 left = echo_due - g_get_monotonic_time();
			if (left <= 0) {
				send_entries(fs, echo);
				g_hash_table_remove_all(echo);
				continue;
			}
			wait = (int)((left + 999) / 1000);
		}
		int ready = poll(pfd, 2, wait);
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
		todo_send(fs, &t);
		if (g_hash_table_size(echo) == 0)
			echo_due = g_get_monotonic_time() + ECHO_DELAY_MS * 1000;
		GHashTableIter it;
		gpointer key;
		g_hash_table_iter_init(&it, t.entries);
		while (g_hash_table_iter_next(&it, &key, NULL)) {
			g_hash_table_iter_steal(&it);
			g_hash_table_add(echo, key);
		}
		g_hash_table_remove_all(t.inodes);
		if (writes_only)
			usleep(BATCH_PAUSE_US);
	}
	g_hash_table_destroy(t.entries);
	g_hash_table_destroy(t.inodes);
	g_hash_table_destroy(echo);
	return NULL;
}

void fs_watch_init(struct fs *fs)
{
	fs->inotify_fd = fs->wake_fd = -1;
	fs->watches = g_hash_table_new(NULL, NULL);
	fs->names = g_hash_table_new(name_hash, name_equal);
	fs->expected = entry_set();
	fs->root.wd = -1;
}

/* At INIT, before any lookup, and so that fs_watch_stop (at the session's end, which follows
 * every INIT) always runs. The thread takes no signals: they are the session's. */
void fs_watch_start(struct fs *fs)
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
	fs_watch_dir(fs, &fs->root);
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
