/* fs_state.h - the state every fs/ file shares: the file system (struct fs), its inodes and their
 * kinds, its open files, the INIT plan's types; the accessors from a request; and the rules all of
 * fs/ follows. What each file does is in its own header (inode.h, entry.h, ...): a file includes
 * the headers of the files it calls, and those calls go one way (tests/fs_layers_test.py checks
 * that no file reaches back to one that includes it; README's Layout gives the order).
 *
 * Errors: a function that can fail returns 0 (or an fd, a count) or a negative errno; the errno
 * is made positive only where it is handed to fuse_reply_err. A local that keeps an error keeps
 * it negative too.
 *
 * Syscalls: fs/ works on the backing directory with *at() calls (and /proc/self/fd names,
 * seg_fd_path) on an O_PATH handle of an inode (fs_inode_fd), never on a path built from names, as
 * libfuse's passthrough_ll does; lib/seg.c is used where it says more than the syscall (a segment's
 * name rules, its O_NOFOLLOW opens and checks, its listing, its mapping), not as a wrapper of each.
 *
 * Locks, in the order they may be taken (a lock is never taken while one further down the list
 * is held), each held only for a table's update, never across a request to the kernel's FUSE side
 * (a notification, a backing ioctl) or a wait for another process:
 *   1. a view's lock (lib/viewfile.c: one read or one edit of an open view at a time; held across
 *      the reading of the segment and the store of an edit, tmpfs I/O only);
 *   2. the lock table's (lock_ops.c), and fs.backing_lock (passthrough.c's backing ids): neither
 *      is held with the other;
 *   3. fs.lock: the inode table, names, watches, expected events, the views' refusals;
 *   4. fs.handles_lock (share.c): the users' shares and the open files; a leaf; and usage.c's
 *      lock (its scans of /proc, which run without it), a leaf too.
 * The watcher thread takes fs.lock alone and sends its notifications without it. */
#ifndef SHMFS_FS_STATE_H
#define SHMFS_FS_STATE_H

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>

#include <assert.h>
#include <errno.h>
#include <glib.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "fs.h"
#include "map.h"
#include "seg.h"
#include "typesrc.h"
#include "viewfile.h"

/* The largest FUSE request: libfuse takes 256 pages (its max_write), and the kernel asks for no
 * more in a READ unless the mount's max_read is smaller. */
#define FS_MAX_REQUEST ((size_t)1 << 20)

/* One inode per backing object, keyed by (st_dev, st_ino, kind), so hard links share it. Its nodeid is
 * its address. It holds no fd of its own but for the root and some directories (inode.c says why):
 * fs_inode_fd gives an O_PATH handle on the object for the length of one operation, which works on
 * it with *at() calls or /proc/self/fd, so a name swapped for a symlink after the lookup never
 * leads the daemon anywhere. The root inode is the backing directory and is never forgotten. */
struct fs_inode {
	dev_t dev;
	ino_t ino;
	mode_t type;      /* S_IFMT bits; an object never changes its type */
	const struct fs_kind *kind; /* what it is: chosen when it is made, and so are its operations */
	int fd;           /* an O_PATH fd kept open (the root; directories within a budget), or -1 */
	struct file_handle *handle; /* how to open the object again, or NULL: by its name */
	/* Under fs.lock: the kernel's references, and the inodes whose parent this one is (and
	 * operations using its fd for a moment): it is freed when both are 0. */
	uint64_t nlookup;
	unsigned holds;
	/* The directory and name it was last looked up by (a view: its segment's name), under
	 * fs.lock; the parent is held for it. NULL for the root. */
	struct fs_inode *parent;
	char *name;
	struct fs_file *opens; /* its open files (a list through fs_file.next), under fs.lock */
	int wd;           /* a directory's inotify watch, or -1; under fs.lock */
	_Atomic bool cached; /* looked up in a watched directory: the kernel may keep its attributes */
	_Atomic int64_t views_changed; /* a directory's: when a view in it last came or went
					* (CLOCK_REALTIME ns; listing.c), 0: never */
	/* Passthrough: the kernel allows one backing file per inode, so every open shares this
	 * one (registered at the first open, closed after the last); under fs.backing_lock. */
	int32_t backing_id;
	unsigned backing_users;
};

/* What the kernel's INIT offers, as the layer under the session reads it: libfuse >= 3.17 from its
 * conn (passthrough_api.c); 3.14 from its conn and, for what that cannot carry (passthrough,
 * DIRECT_IO_ALLOW_MMAP, HANDLE_KILLPRIV_V2), from the raw INIT request (passthrough_raw.c). */
struct fs_offer {
	bool passthrough;          /* FUSE_PASSTHROUGH (Linux 6.9+) */
	bool direct_io_allow_mmap; /* direct I/O files may be mapped shared (6.6+) */
	bool handle_killpriv_v2;   /* the daemon may clear set-ID bits (5.11+) */
	bool splice_write;         /* libfuse may splice replies into /dev/fuse */
	bool posix_acl, dont_mask;
	size_t max_read;           /* libfuse's conn->max_read: what it took from -o max_read=, or 0 */
	size_t max_write;          /* libfuse's: the largest READ too, where there is no max_read */
	bool io_uring;             /* FUSE_OVER_IO_URING (6.14+, with the fuse module's enable_uring;
				    * seen only by libfuse >= 3.18.3 builds) */
};

/* The command's options that INIT settles against (fs_set_passthrough, fs_set_max_read); the
 * others (cache=, views=) are read where they act. */
struct fs_options {
	enum fs_passthrough passthrough;
	size_t max_read;           /* -o max_read= the mount was made with: the user's, or
				    * fs_splice_max_read's; 0: none */
	bool io_uring;             /* -o io_uring (fs_set_io_uring) */
	unsigned ring_depth;       /* -o io_uring_q_depth=; 0: none given */
};

/* The plan: how each kind of request is served, fixed at INIT. INIT is the first request and is
 * answered before any other is read, so its readers need no lock. Each why_* is a phrase for the
 * log, set where its bool is false and the question arises at all. */
struct fs_plan {
	bool passthrough;          /* segment opens are handed to the kernel (passthrough.c) */
	const char *why_not;       /* else why not: "passthrough=off", "the kernel offers no ..." */
	bool refused;              /* passthrough=on could not be had: the session ends, exit 1 */
	bool direct_io;            /* daemon-served segment opens bypass the page cache (file_ops.c) */
	const char *why_cached;    /* else, daemon-served, why the page cache stays */
	size_t max_read;           /* the largest READ, as the INIT reply says; 0: max_write */
	size_t splice_max;         /* the largest READ reply spliced from a segment (splice.c; over
				    * io_uring: read into the ring, SIZE_MAX); 0: none */
	const char *why_copied;    /* splice_max 0: why READs are copied from the mapping */
	size_t readahead_kb;       /* the mount's readahead, raised to the largest READ (readahead.c) */
	bool killpriv_v2;          /* set-ID bits are the daemon's to clear (privs.c) */
	const char *why_kernel_clears; /* else why the kernel clears them */
	bool dont_mask;            /* POSIX ACLs checked by the kernel, the umask left to the daemon
				    * (creds.c): both or neither */
	bool io_uring;             /* requests come over an io_uring, not read(2) of /dev/fuse */
	const char *why_no_ring;   /* else, where one was asked for, why not */
	unsigned ring_held_max;    /* over the ring: requests the daemon may leave unanswered at once
				    * (lock waits, lock_ops.c), half a CPU's entries; 0 elsewhere */
};

/* The two kinds (fs.c makes the tables: their operations are in node_ops.c, xattr_ops.c, file_ops.c
 * and view_ops.c, above the files that choose an inode's kind: entry.c, view_ops.c). */
struct fs_kind;
struct fs_kinds {
	const struct fs_kind *object, *view;
};

struct fs {
	struct fs_inode root;
	struct fs_kinds kinds;
	GHashTable *inodes;  /* struct fs_inode * (as key and value), hashed by dev and ino */
	pthread_mutex_t lock;
	pthread_mutex_t backing_lock; /* the inodes' passthrough backing ids; a leaf (passthrough.c) */
	int mount_fd;        /* the backing directory opened for reading: open_by_handle_at's anchor */
	bool handles;        /* inodes are reached by file handle (inode.c), not by name */
	unsigned kept_fds;   /* directory inodes holding an fd; under lock */
	double timeout;      /* entry and attribute timeout in watched directories, seconds */
	bool names_expire;   /* the kernel can expire every name at once (watch.c): names are kept */
	struct typesrc *types; /* where segments' record types come from */
	bool types_file;       /* -o types= names a file (which can type segments unseen) */
	GHashTable *listed;    /* "DIR/NAME" whose view a listing gave (listing.c); under lock */
	bool listed_full;      /* too many to keep: every IN_ATTRIB may change a listing */
	enum fs_views views; /* -o views=: listed, found by name only, or none */
	bool daemon_is_root;  /* objects are made with the caller's uid, gid and groups (creds.c) */
	int ngroups;         /* the daemon's own supplementary groups, restored after a creation */
	gid_t *groups;

	/* How requests are served (plan.c): the options it is settled from, the plan settled at INIT
	 * (fixed from then on: read without a lock), and who is told of it. */
	struct fs_options opts;
	struct fs_plan plan;
	fs_settled_fn *settled; /* told the data mode at INIT (fs_set_settled) */
	void *settled_arg;
	struct fuse_session *se;
	_Atomic uint64_t reads, writes; /* READ and WRITE requests served for segments */
	_Atomic uint64_t spliced;       /* READ replies handed to libfuse to splice */
	char bdi_path[64];   /* the mount's read_ahead_kb in sysfs, or "" */

	/* Open files, so that those still open when the session ends (a daemon stopped by a signal)
	 * are freed too, and how many each user holds (each holds an fd of the daemon's); under
	 * handles_lock. */
	pthread_mutex_t handles_lock;
	GHashTable *files;   /* struct fs_file * */
	GHashTable *fds_by_uid; /* uid -> how many fds it holds (FILES it opened, lock holders) */
	GHashTable *edit_bytes_by_uid; /* uid -> bytes its pending view edits hold (view_ops.c) */
	struct fs_locks *locks;   /* lock_ops.c */
	bool closing;        /* the session is over: no more backing ids to close */

	/* -o cache=watch (watch.c): inotify on every directory the kernel knows */
	bool cache_off;      /* -o cache=off: timeouts of 0, no watching */
	bool watching;       /* the watcher thread runs */
	int inotify_fd, wake_fd;
	pthread_t watcher;
	GHashTable *watches; /* watch descriptor -> struct fs_inode * (a directory), under lock */
	GHashTable *names;   /* struct fs_inode *, by the name it was last looked up by, under lock */
	GHashTable *expected; /* name events the daemon makes itself -> until when, under lock */

	dev_t mount_dev;     /* the mount's device (fs_attach_session), or 0 */
	struct fs_usage *usage; /* the scans of /proc behind user.shmfs.nattch and .users (usage.c) */

	/* The last refusal of a view edit, by view and user (view_ops.c), under lock. */
	GHashTable *view_errors; /* "dev:ino:uid" -> message */
	GQueue *view_error_keys; /* the same keys, oldest first: a bounded table */
};

/* An open segment: its fd (opened for the caller's access, upgraded to read-write where it may be,
 * so that it can be mapped), which reads are spliced from and writes go to, and the mapping that
 * serves the reads no pipe can hold (splice.c). An open view is its segment open the same way (for
 * its fd count, locks, and the mapping its text is read from and stored into) and the text. */
struct fs_file {
	int fd;
	uid_t uid;                 /* who opened it (fs_file_register counts it) */
	struct fs_inode *inode;    /* whose opens list it is on (fs_file_link), or NULL */
	struct fs_file *next, *prev;
	GArray *lock_owners;       /* the fcntl lock owners that locked through it (lock_ops.c) */
	struct fs_inode *passthrough_of; /* set: the kernel serves this open itself, with the backing
					  * id this inode holds for it (fs_backing_get) */
	struct seg_map *map;
	struct viewfile *text;     /* an open view's (lib/viewfile.c); NULL for a segment */
};

/* For the functions whose comment says "Under fs.lock" (or another lock): M is locked, by some
 * thread (a default mutex has no owner to check). Compiled out with NDEBUG. */
#define fs_assert_locked(m) assert(pthread_mutex_trylock(m) == EBUSY)

static inline struct fs *fs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* The inode a nodeid names: its address (the root's is FUSE_ROOT_ID). Every inode the kernel
 * names has a kind from the moment it was made. */
static inline struct fs_inode *fs_inode(fuse_req_t req, fuse_ino_t ino)
{
	struct fs_inode *in = ino == FUSE_ROOT_ID ? &fs_of(req)->root : (struct fs_inode *)(uintptr_t)ino;
	assert(in->kind);
	return in;
}

/* The nodeid the kernel knows IN by: fs_inode's inverse. */
static inline fuse_ino_t fs_nodeid(const struct fs *fs, const struct fs_inode *in)
{
	return in == &fs->root ? FUSE_ROOT_ID : (fuse_ino_t)(uintptr_t)in;
}

/* The open file of FI (set at OPEN or CREATE, fs_file_attach). */
static inline struct fs_file *fs_file(struct fuse_file_info *fi)
{
	struct fs_file *f = (struct fs_file *)(uintptr_t)fi->fh;
	assert(f && f->fd >= 0);
	return f;
}

/* What an inode is, chosen once when it is made (fs_inode_get), and with it where each operation
 * goes that is not the same for every inode: fs_object_kind, the backing object itself (a segment,
 * directory, symlink, fifo...; its open files are segments, file_ops.c), or fs_view_kind, the text
 * view NAME.txt of segment NAME (view_ops.c), whose object is that segment but whose attributes,
 * data and one extended attribute are the daemon's. The fs_op_* of these operations only look the
 * inode's kind up; each takes what its FUSE operation takes, with the inode for its number. */
struct fs_kind {
	/* The inode is its backing object: it has the object's names (link(2), the watcher's name
	 * index, attributes the kernel may keep until an event) and extended attributes. A view has
	 * none of these: they are its segment's. */
	bool object;
	int (*stat)(struct fs *fs, struct fs_inode *in, struct stat *st);
	void (*getattr)(fuse_req_t req, struct fs_inode *in, struct fuse_file_info *fi);
	void (*setattr)(fuse_req_t req, struct fs_inode *in, struct stat *attr, int valid,
			struct fuse_file_info *fi);
	void (*getxattr)(fuse_req_t req, struct fs_inode *in, const char *name, size_t size);
	void (*listxattr)(fuse_req_t req, struct fs_inode *in, size_t size);
	void (*open)(fuse_req_t req, struct fs_inode *in, struct fuse_file_info *fi);
	void (*read)(fuse_req_t req, struct fs_inode *in, size_t size, off_t off,
		     struct fuse_file_info *fi);
	void (*write)(fuse_req_t req, struct fs_inode *in, const char *buf, size_t size, off_t off,
		      struct fuse_file_info *fi);
	void (*flush)(fuse_req_t req, struct fs_inode *in, struct fuse_file_info *fi);
	void (*fsync)(fuse_req_t req, struct fs_inode *in, int datasync, struct fuse_file_info *fi);
	void (*release)(fuse_req_t req, struct fs_inode *in, struct fuse_file_info *fi);
	void (*fallocate)(fuse_req_t req, struct fs_inode *in, int mode, off_t offset, off_t length,
			  struct fuse_file_info *fi);
	void (*lseek)(fuse_req_t req, struct fs_inode *in, off_t off, int whence,
		      struct fuse_file_info *fi);
};

#endif
