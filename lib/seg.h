/* seg.h - segments: the named objects of a shared-memory directory (e.g. /dev/shm).
 * Every call works relative to a directory fd, never follows a symlink, and returns -errno on failure. */
#ifndef SHMFS_SEG_H
#define SHMFS_SEG_H

#include <dirent.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Opens the directory at PATH as an O_PATH handle for the other calls (the one place a path given
 * by the administrator is resolved, symlinks included). Returns the fd or -errno; -ENOTDIR if PATH
 * is not a directory. */
int seg_dir_open(const char *path);

/* True when NAME is one path component a segment may have: not empty, no '/', not "." or "..",
 * at most NAME_MAX bytes. */
bool seg_name_ok(const char *name);

/* Takes an O_PATH handle on NAME in DIRFD itself (a symlink is not followed, nothing is opened
 * for I/O): the handle other calls take as a dirfd, or seg_reopen turns into an open file.
 * NAME "" takes a new handle on DIRFD's own object (DIRFD may be any kind of fd).
 * Returns the fd or -errno. */
int seg_handle(int dirfd, const char *name);

/* The name /proc/self/fd/FD in BUF: it reaches the inode FD has open (an O_PATH handle too), not
 * a path, for the calls that take no fd (open of an O_PATH handle, chmod, the xattr calls). */
#define SEG_FD_PATH_MAX 32
void seg_fd_path(int fd, char buf[static SEG_FD_PATH_MAX]);

/* Creates (or, without O_EXCL in FLAGS, opens) segment NAME in DIRFD with MODE (the process umask
 * applies). FLAGS are open(2) flags; O_CREAT, O_NOFOLLOW and O_CLOEXEC are always added.
 * Returns the new fd or -errno (-ELOOP when NAME is a symlink). */
int seg_create(int dirfd, const char *name, int flags, mode_t mode);

/* Opens an existing regular segment NAME in DIRFD with FLAGS (O_CREAT is refused with -EINVAL).
 * A symlink, fifo, device or directory is never opened: -ELOOP, or -EINVAL when it is not a
 * regular file. Returns the fd or -errno. */
int seg_open(int dirfd, const char *name, int flags);

/* Reopens the object behind PATHFD (an O_PATH handle of a regular file or directory) with FLAGS,
 * through /proc/self/fd, so the very same inode is opened whatever its name is now.
 * O_CREAT, O_EXCL, O_NOFOLLOW and O_APPEND are dropped; O_CLOEXEC is added.
 * Returns the fd or -errno; -EINVAL for any other kind of file. */
int seg_reopen(int pathfd, int flags);

/* Sets the size of the segment open as FD, like ftruncate(2): growing leaves a hole (no memory used). */
int seg_truncate(int fd, off_t size);

/* Removes segment NAME from DIRFD, like shm_unlink(3): mappings and open fds stay valid. */
int seg_unlink(int dirfd, const char *name);

/* Renames OLDNAME in OLDDIR to NEWNAME in NEWDIR, with renameat2(2) FLAGS
 * (RENAME_NOREPLACE, RENAME_EXCHANGE). */
int seg_rename(int olddir, const char *oldname, int newdir, const char *newname, unsigned flags);

/* Stats NAME in DIRFD without following a symlink; NAME "" stats DIRFD itself. */
int seg_stat(int dirfd, const char *name, struct stat *st);

/* Opens DIRFD (which may be an O_PATH handle) for reading its entries. Returns NULL with errno set. */
DIR *seg_opendir(int dirfd);

/* Calls FN for each entry of DIRFD but "." and "..", with its lstat; entries that vanish while
 * listing are skipped. Stops early when FN returns non-zero and returns that value; 0 when done,
 * -errno on failure. */
typedef int (*seg_list_fn)(const char *name, const struct stat *st, void *ctx);
int seg_list(int dirfd, seg_list_fn fn, void *ctx);

#endif
