/* fs.h - the shmfs file system as the mount command sees it: a FUSE low-level operations table
 * over a backing directory. Everything behind it is in fs_internal.h. */
#ifndef SHMFS_FS_H
#define SHMFS_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct fs;
struct fuse_lowlevel_ops;
struct fuse_session;

/* A file system mirroring the directory open as BACKING_FD (an O_PATH handle, e.g. from
 * seg_dir_open; the fs owns it from now on), with record types from TYPES_PATH (the types file;
 * NULL: xattrs only). Returns NULL with errno set. */
struct fs *fs_new(int backing_fd, const char *types_path);
void fs_free(struct fs *fs);

/* -o passthrough=: hand segment opens to the kernel when it can (auto), always (on: refuse
 * otherwise), never (off: the daemon serves reads and writes). */
enum fs_passthrough { FS_PASSTHROUGH_AUTO, FS_PASSTHROUGH_ON, FS_PASSTHROUGH_OFF };
void fs_set_passthrough(struct fs *fs, enum fs_passthrough mode);

/* Before mounting: the largest READ request the mount should ask for (-o max_read=), so that a
 * READ reply fits the pipe through which the daemon splices it (a pipe of 1 MiB, the most a
 * process without CAP_SYS_RESOURCE may have, holds 1008 KiB of it); 0 when no limit is needed.
 * Pass the same number to fs_set_max_read: libfuse wants it again at INIT. */
size_t fs_splice_max_read(void);
void fs_set_max_read(struct fs *fs, size_t max_read);

/* -o io_uring (libfuse >= 3.18.3 only; libfuse takes the option itself): requests come over an
 * io_uring where the kernel offers one, DEPTH entries per CPU (-o io_uring_q_depth=; 0:
 * libfuse's default). Said here so that the INIT plan knows, logs it, and keeps entries free. */
void fs_set_io_uring(struct fs *fs, bool asked, unsigned depth);

/* -o cache=: how long the kernel may keep names and attributes. watch (default): long, and an
 * inotify watch on each directory drops them when another program changes something there (seen
 * within a millisecond or so). off: not at all; every stat asks the daemon (seen at once, slow). */
enum fs_cache { FS_CACHE_WATCH, FS_CACHE_OFF };
void fs_set_cache(struct fs *fs, enum fs_cache mode);

/* -o views=: the views NAME.txt of typed segments are listed (shown, default); found by name
 * only (hidden: lookup, stat, open, read and edit work as with shown, but no listing has them, so
 * du, cp -a, tar and rsync of the mount see the segments alone); or not there at all (off). */
enum fs_views { FS_VIEWS_SHOWN, FS_VIEWS_HIDDEN, FS_VIEWS_OFF };
void fs_set_views(struct fs *fs, enum fs_views mode);

/* Before mounting: -1 with *WHY set when passthrough=on cannot be had here (old kernel, no
 * CAP_SYS_ADMIN); 0 otherwise. */
int fs_passthrough_precheck(const struct fs *fs, const char **why);

/* The data mode this kernel and these privileges allow, as a phrase for --version. */
const char *fs_passthrough_outlook(void);
/* How this build sets passthrough up, which depends on the libfuse it was built with. */
extern const char fs_passthrough_via[];

/* After fuse_session_mount: ties the file system to SE (with libfuse < 3.17, puts the raw I/O hooks
 * that negotiate passthrough and raise the readahead under it); DEV is the new mount's device
 * number (0: unknown, the readahead stays as it is). Returns 0 or -errno. */
int fs_attach_session(struct fs *fs, struct fuse_session *se, dev_t dev);

/* At INIT, once the data mode is settled (before any other request is served, after the kernel's
 * INIT has come): FN(ARG, MODE, REFUSED). MODE is the data mode as a phrase, "passthrough (...)"
 * or "daemon-served (WHY)"; REFUSED, when not NULL, says why passthrough=on cannot be had: the
 * session ends then, and fs_refused is true. */
typedef void fs_settled_fn(void *arg, const char *mode, const char *refused);
void fs_set_settled(struct fs *fs, fs_settled_fn *fn, void *arg);

/* True when the session ended because passthrough=on could not be had. */
bool fs_refused(const struct fs *fs);

/* The operations table to pass to fuse_session_new, with the struct fs as userdata. */
const struct fuse_lowlevel_ops *fs_ops(void);
size_t fs_ops_size(void);

#endif
