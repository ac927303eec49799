/* fs_internal.h - what the fs/ files share: the file system, its inodes, open files and directories.
 * Each FUSE operation lives in one of *_ops.c and reaches everything through the accessors below. */
#ifndef SHMFS_FS_INTERNAL_H
#define SHMFS_FS_INTERNAL_H

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <glib.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include "fs.h"
#include "map.h"
#include "plan.h"
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
	/* Passthrough: the kernel allows one backing file per inode, so every open shares this
	 * one (registered at the first open, closed after the last); under fs.backing_lock. */
	int32_t backing_id;
	unsigned backing_users;
};

struct fs {
	struct fs_inode root;
	GHashTable *inodes;  /* struct fs_inode * (as key and value), hashed by dev and ino */
	pthread_mutex_t lock;
	pthread_mutex_t backing_lock; /* the inodes' passthrough backing ids; a leaf (passthrough.c) */
	int mount_fd;        /* the backing directory opened for reading: open_by_handle_at's anchor */
	bool handles;        /* inodes are reached by file handle (inode.c), not by name */
	unsigned kept_fds;   /* directory inodes holding an fd; under lock */
	double timeout;      /* entry and attribute timeout in watched directories, seconds */
	bool names_expire;   /* the kernel can expire every name at once (watch.c): names are kept */
	struct typesrc *types; /* where segments' record types come from */
	enum fs_views views; /* -o views=: listed, found by name only, or none */
	bool as_caller;      /* the daemon is root: create objects with the caller's credentials */
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
	struct fs_inode *backing;  /* set: the kernel serves this open itself (passthrough) */
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

static inline struct fs_inode *fs_inode(fuse_req_t req, fuse_ino_t ino)
{
	return ino == FUSE_ROOT_ID ? &fs_of(req)->root : (struct fs_inode *)(uintptr_t)ino;
}

static inline struct fs_file *fs_file(struct fuse_file_info *fi)
{
	return (struct fs_file *)(uintptr_t)fi->fh;
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

extern const struct fs_kind fs_object_kind; /* inode.c */
extern const struct fs_kind fs_view_kind;   /* view_ops.c */

/* The backing object's operations (fs_object_kind): its attributes (inode.c, node_ops.c), its
 * extended attributes (xattr_ops.c), and a segment's open file (file_ops.c). */
int fs_object_stat(struct fs *fs, struct fs_inode *in, struct stat *st);
void fs_object_getattr(fuse_req_t req, struct fs_inode *in, struct fuse_file_info *fi);
void fs_object_setattr(fuse_req_t req, struct fs_inode *in, struct stat *attr, int valid,
		       struct fuse_file_info *fi);
void fs_object_getxattr(fuse_req_t req, struct fs_inode *in, const char *name, size_t size);
void fs_object_listxattr(fuse_req_t req, struct fs_inode *in, size_t size);
void fs_segment_open(fuse_req_t req, struct fs_inode *in, struct fuse_file_info *fi);
void fs_segment_read(fuse_req_t req, struct fs_inode *in, size_t size, off_t off,
		     struct fuse_file_info *fi);
void fs_segment_write(fuse_req_t req, struct fs_inode *in, const char *buf, size_t size, off_t off,
		      struct fuse_file_info *fi);
void fs_segment_flush(fuse_req_t req, struct fs_inode *in, struct fuse_file_info *fi);
void fs_segment_fsync(fuse_req_t req, struct fs_inode *in, int datasync, struct fuse_file_info *fi);
void fs_segment_release(fuse_req_t req, struct fs_inode *in, struct fuse_file_info *fi);
void fs_segment_fallocate(fuse_req_t req, struct fs_inode *in, int mode, off_t offset,
			  off_t length, struct fuse_file_info *fi);
void fs_segment_lseek(fuse_req_t req, struct fs_inode *in, off_t off, int whence,
		      struct fuse_file_info *fi);
/* A view's extended attributes (xattr_ops.c, for fs_view_kind): user.shmfs.error (fs_view_error),
 * and no other. */
void fs_view_getxattr(fuse_req_t req, struct fs_inode *in, const char *name, size_t size);
void fs_view_listxattr(fuse_req_t req, struct fs_inode *in, size_t size);

/* inode.c */
/* Looks NAME up in PARENT and fills E (attributes and timeouts) with a referenced inode.
 * Returns 0 or -errno. */
int fs_lookup_entry(struct fs *fs, struct fs_inode *parent, const char *name,
		    struct fuse_entry_param *e);
/* As fs_lookup_entry, for NAME in PARENT that FD (any fd, O_PATH included; not taken over) has
 * open: the object just made (a create), with no second lookup by name. */
int fs_entry_reply_of(struct fs *fs, struct fs_inode *parent, const char *name, int fd,
		      struct fuse_entry_param *e);
/* As fs_lookup_entry, for a READDIRPLUS entry of PARENT, open as DIRFD, but an entry the kernel
 * holds as it is (the name's inode, looked up by that name in a watched directory) comes with
 * nodeid 0 and takes no reference: the kernel then keeps its dentry, attributes and cached ACLs,
 * where a full entry makes it drop the ACLs (one GETXATTR per name at the next ls -l) and mark the
 * inode FUSE_I_INIT_RDPLUS (which takes the next path walk off the lockless RCU walk). */
int fs_listing_entry(struct fs *fs, struct fs_inode *parent, int dirfd, const char *name,
		     struct fuse_entry_param *e);
/* Drops N of the kernel's references to IN; the last one frees it (when nothing holds it). */
void fs_inode_unref(struct fs *fs, struct fs_inode *in, uint64_t n);
/* Gives back a hold taken (under fs.lock: IN->holds++) to use IN's fd without the lock. */
void fs_inode_release(struct fs *fs, struct fs_inode *in);
/* The inode's attributes, as the backing directory has them now (a view's are computed): its
 * kind's stat. */
int fs_inode_stat(struct fs *fs, struct fs_inode *in, struct stat *st);
/* Takes one reference on the inode of KIND (fs_view_kind: the view of it) of the object ST, looked
 * up as NAME in PARENT (a view: its segment's name). FD is an fd of the object (not taken over)
 * from which a new inode is made; -1: only an inode already in the table, else NULL. Sets *TIMEOUT
 * to how long the kernel may keep its attributes. NULL when out of memory. */
struct fs_inode *fs_inode_get(struct fs *fs, int fd, const struct stat *st,
			      const struct fs_kind *kind, struct fs_inode *parent, const char *name,
			      double *timeout);
/* An O_PATH fd on IN's object for one operation (the inode's own, or opened now: by its handle, or
 * by its name if that still leads to it, else -ESTALE); give it back with fs_inode_put_fd.
 * Returns the fd or -errno. */
int fs_inode_fd(struct fs *fs, struct fs_inode *in);
void fs_inode_put_fd(const struct fs_inode *in, int fd);
/* Opens IN's object (a regular file or directory) for I/O with open(2) FLAGS, as the daemon:
 * O_CREAT, O_EXCL and O_NOFOLLOW do not apply. Returns the new fd or -errno. */
int fs_inode_open(struct fs *fs, struct fs_inode *in, int flags);
/* The file handle of the object open as FD (g_free it), or NULL. */
struct file_handle *fs_handle_of(int fd);
/* Replies with the inode's attributes as they are now. */
void fs_reply_attr(fuse_req_t req, struct fs_inode *in);
void fs_inodes_init(struct fs *fs);
void fs_inodes_free(struct fs *fs);

/* view_ops.c: the sidecar views NAME.txt of typed segments. */
/* The view NAME in PARENT ("X.txt" for a typed regular segment X), as fs_lookup_entry would
 * give it; -ENOENT when there is none. */
int fs_view_lookup(struct fs *fs, struct fs_inode *parent, int dirfd, const char *name,
		   struct fuse_entry_param *e);
/* True when NAME in DIRFD is the view X.txt of a typed segment X. */
bool fs_view_named(struct fs *fs, int dirfd, const char *name);
/* A rename of the regular file NAME in DIRFD over the view NEWNAME in NEWDIR (open as NEWDIRFD,
 * where fs_view_named says it is one), as `sed -i` and editors save: the file's text is applied
 * to the segment as one edit, then the file is removed. Returns 0, or -errno with both as they
 * were. */
int fs_view_replace(fuse_req_t req, int dirfd, const char *name, int newdirfd, const char *newname);
/* The last refusal of an edit by UID through the view IN, for user.shmfs.error (g_free it), or
 * NULL: none since its last edit that was stored. */
#define FS_VIEW_ERROR_XATTR "user.shmfs.error"
char *fs_view_error(struct fs *fs, const struct fs_inode *in, uid_t uid);
void fs_view_errors_init(struct fs *fs);
void fs_view_errors_free(struct fs *fs);

/* file_ops.c */
/* Opens the segment behind IN for the FLAGS of REQ's caller (widened to read-write where it may
 * be, so that it can be mapped; with O_TRUNC, as that caller) into a new fs_file.
 * Returns 0 or -errno. */
int fs_file_open(struct fs *fs, fuse_req_t req, struct fs_inode *in, int flags,
		 struct fs_file **out);
/* REQ: the request that frees it (passthrough closes the backing id through it), NULL when the
 * session is over. */
void fs_file_free(struct fs *fs, fuse_req_t req, struct fs_file *f);
/* The raw layer's hook for every request read (BUF, LEN bytes or a read error): the kernel's
 * TMPFILE becomes a CREATE that fs_op_create knows for one (libfuse 3.14 has no tmpfile). */
void fs_tmpfile_request(void *buf, ssize_t len);
/* Puts F on IN's list of open files, whose fds reach IN's object when its name no longer does. */
void fs_file_link(struct fs *fs, struct fs_file *f, struct fs_inode *in);

/* fs.c: true when the environment variable KNOB is "1" (plan.c's fs_knobs reads the test knobs
 * with it). */
bool fs_forced(const char *knob);

/* fs.c: the share of the daemon's fds one user may hold through the mount. Takes one for UID:
 * -EMFILE when it holds as many as one user may (an eighth of the daemon's fd limit), else 0. */
int fs_fd_take(struct fs *fs, uid_t uid);
void fs_fd_give(struct fs *fs, uid_t uid);
/* fs.c: the share of the daemon's memory one user's edits not yet stored may hold
 * (FS_EDIT_MEMORY_PER_USER). Changes UID's by DELTA bytes: -EFBIG, and no change, when that would
 * take it over the share. */
#define FS_EDIT_MEMORY_PER_USER ((size_t)256 << 20)
int fs_edit_memory(struct fs *fs, uid_t uid, ssize_t delta);
/* fs.c: the registry of open files. Adds F, opened by REQ's caller, taking one of its fds
 * (fs_fd_take's error, or 0). */
int fs_file_register(struct fs *fs, fuse_req_t req, struct fs_file *f);
void fs_file_unregister(struct fs *fs, struct fs_file *f);

/* passthrough.c: whether this process may have passthrough, and the backing ids of inodes. */
/* Why this process may not register backing files (a phrase for the log), or NULL when it may. */
const char *fs_passthrough_denied(void);
/* The backing id of segment IN for one more open (in request REQ), whose own fd is FALLBACK_FD:
 * registered with the kernel at the first. Returns the id (> 0) or -errno. Each successful call
 * is paired with fs_backing_put, whose REQ is NULL once the session is over (the kernel has
 * dropped every id then). */
int32_t fs_backing_get(struct fs *fs, fuse_req_t req, struct fs_inode *in, int fallback_fd);
void fs_backing_put(struct fs *fs, fuse_req_t req, struct fs_inode *in);

/* passthrough_api.c (libfuse >= 3.17) or passthrough_raw.c (older): meson builds one of them.
 * What the rest of fs/ calls never depends on which (their INIT part: plan.h). */
/* Registers the open file FD as a backing file: its id (> 0), or -errno. The kernel takes its own
 * reference: FD may be closed right after. */
int32_t fs_backing_register(struct fs *fs, fuse_req_t req, int fd);
void fs_backing_unregister(struct fs *fs, fuse_req_t req, int32_t id);
/* Makes the OPEN (or CREATE) reply about to be sent for FI hand the open to the kernel with
 * BACKING_ID (none when <= 0); call right before fuse_reply_open/create, and
 * fs_passthrough_disarm right after. */
void fs_passthrough_arm(struct fuse_file_info *fi, int32_t backing_id, bool create);
void fs_passthrough_disarm(struct fuse_file_info *fi);

/* privs.c: the set-ID bits the kernel leaves to the daemon to clear (HANDLE_KILLPRIV_V2). */
/* Notes what the raw request in BUF (LEN bytes, or a read error) asks of the thread that read it:
 * the raw read hook calls it for every request. */
void fs_privs_note_request(const void *buf, ssize_t len);
/* Before the request REQ (which this thread read: a WRITE, SETATTR or OPEN) acts on the object
 * behind FD (an open file or an O_PATH handle): clears its set-user-ID and set-group-ID bits where
 * the request says the caller may not keep them, as tmpfs would. Returns 0 or -errno. */
int fs_privs_kill(fuse_req_t req, int fd);
/* The same for a change the kernel does not know is a write (an edit through a view, stored into
 * the segment open as FD by the daemon): the bits go as for a write(2) by REQ's caller, who counts
 * as lacking CAP_FSETID unless it is uid 0. */
int fs_privs_kill_write(fuse_req_t req, int fd);

/* splice.c: READ replies spliced from the segment. */
/* The largest reply (at most LARGEST bytes) whose pipe this process can have now, or 0 (the plan's
 * splice_max). */
size_t fs_splice_limit(size_t largest);
/* Replies to REQ with SIZE bytes at OFF of the segment open as FD, spliced, when a pipe can hold
 * them: true. False when it cannot (nothing was sent: serve the read another way). */
bool fs_splice_reply(fuse_req_t req, int fd, size_t size, off_t off);
/* The custom I/O layer's splice to /dev/fuse (libfuse splices under one only through it). */
ssize_t fs_splice_send(int fdin, off_t *offin, int fdout, off_t *offout, size_t len,
		       unsigned int flags, void *userdata);

/* watch.c: -o cache=watch. */
/* Sets up the tables (in fs_new); starts watching the root, and the thread that turns inotify
 * events into invalidations (at INIT, unless -o cache=off), given the protocol minor version the
 * kernel speaks; stops it (at the session's end). */
void fs_watch_init(struct fs *fs);
void fs_watch_start(struct fs *fs, unsigned proto_minor);
void fs_watch_stop(struct fs *fs);
void fs_watch_free(struct fs *fs);
/* Under fs.lock: watches a new directory inode, open as FD (sets DIR->wd, -1 for anything else) ... */
void fs_watch_dir(struct fs *fs, struct fs_inode *dir, int fd);
/* ... takes IN out of the name index before its name changes ... */
void fs_watch_unname(struct fs *fs, struct fs_inode *in);
/* ... puts it back under its (new) name, and returns how long the kernel may keep its attributes ... */
double fs_watch_name(struct fs *fs, struct fs_inode *in);
/* ... and forgets a freed inode. */
void fs_watch_forget(struct fs *fs, struct fs_inode *in);
/* Makes the kernel look every name up again at its next use (where it keeps names at all): after
 * a change it cannot know of from the reply, e.g. a rename over a view that leaves the view. */
void fs_watch_expire_names(struct fs *fs);
/* How long the kernel may keep a name whose attributes it may keep for ATTR_TIMEOUT: as long, where
 * the watcher can expire names (watch.c), else not at all. */
double fs_entry_timeout(const struct fs *fs, double attr_timeout);
/* Around a change of NAME in DIR made on a caller's behalf: its inotify event (IN_CREATE,
 * IN_DELETE, IN_MOVED_FROM or IN_MOVED_TO) is the daemon's own; unexpect when the change failed. */
void fs_watch_expect(struct fs *fs, const struct fs_inode *dir, const char *name, uint32_t mask);
void fs_watch_unexpect(struct fs *fs, const struct fs_inode *dir, const char *name, uint32_t mask);
/* After the change: ERR (0 or -errno, returned) says whether it was made; its event will not come
 * when it was not (fs_watch_unexpect then). */
int fs_watch_done(struct fs *fs, const struct fs_inode *dir, const char *name, uint32_t mask,
		  int err);
/* How long the kernel may keep IN's attributes. */
double fs_attr_timeout(struct fs *fs, const struct fs_inode *in);

/* readahead.c */
/* Finds the read_ahead_kb of the mount whose device is DEV (right after mounting; 0: none);
 * raises it to the plan's readahead_kb (around INIT): 0, or -1 when it stays as it was. */
void fs_readahead_find(struct fs *fs, dev_t dev);
int fs_readahead_raise(struct fs *fs);

/* lock_ops.c: flock and fcntl locks, taken on the segment (see there). */
void fs_locks_init(struct fs *fs);
/* Drops the fcntl locks taken through F (it is being released). */
void fs_locks_release(struct fs *fs, struct fs_file *f);
/* At the session's end: answers the requests still waiting for a lock. */
void fs_locks_stop(struct fs *fs);
void fs_locks_free(struct fs *fs);

/* creds.c */
/* Makes the calling thread create files as the request's caller: its uid, gid and groups when the
 * daemon is root, its umask where the kernel leaves that to the daemon; *ENTERED tells
 * fs_creds_leave whether there is anything to undo. Returns 0 or -errno (nothing entered then). */
int fs_creds_enter(struct fs *fs, fuse_req_t req, bool *entered);
void fs_creds_leave(struct fs *fs, bool entered);
/* The supplementary groups of REQ's caller (g_free them), *N of them; NULL and 0 when the caller
 * is gone. */
gid_t *fs_req_groups(fuse_req_t req, int *n);

/* The operations, grouped by what they act on; fs.c puts them in the table. */
void fs_op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name);
void fs_op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);
void fs_op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets);
void fs_op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fs_op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int valid,
		   struct fuse_file_info *fi);
void fs_op_readlink(fuse_req_t req, fuse_ino_t ino);
void fs_op_statfs(fuse_req_t req, fuse_ino_t ino);

void fs_op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fs_op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		   struct fuse_file_info *fi);
void fs_op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi);
void fs_op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fs_op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi);

void fs_op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode);
void fs_op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev);
void fs_op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name);
void fs_op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname);
void fs_op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name);
void fs_op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name);
void fs_op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		  const char *newname, unsigned int flags);

void fs_op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		  struct fuse_file_info *fi);
void fs_op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fs_op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi);
void fs_op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		 struct fuse_file_info *fi);
void fs_op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fs_op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fs_op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi);
void fs_op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length,
		     struct fuse_file_info *fi);
void fs_op_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence, struct fuse_file_info *fi);

void fs_op_flock(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, int op);
void fs_op_setlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lock,
		 int sleep);
void fs_op_getlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lock);

void fs_op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
		    size_t size, int flags);
void fs_op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size);
void fs_op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size);
void fs_op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name);

#endif
