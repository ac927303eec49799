/* usage.h - who maps and holds a segment, as read-only extended attributes of it (usage.c). */
#ifndef SHMFS_USAGE_H
#define SHMFS_USAGE_H

#include "fs_state.h"

#define FS_USAGE_NATTCH "user.shmfs.nattch" /* processes that map it, shared or private */
#define FS_USAGE_USERS "user.shmfs.users"   /* "PID:COMM,...": those and the holders of an fd */
#define FS_USAGE_RSS "user.shmfs.rss"       /* bytes of memory it holds (st_blocks) */

/* The scanner's state (fs_new), and its end (fs_free; a scan still running ends on its own). */
void fs_usage_init(struct fs *fs);
void fs_usage_free(struct fs *fs);
/* True when NAME is one of the attributes above: never stored, refused to set or remove. */
bool fs_usage_name(const char *name);
/* The names of the attributes an object of TYPE (S_IFMT bits) has on FS (a regular file: all, or
 * only user.shmfs.rss over io_uring; else none), as listxattr lists them, into BUF when they fit
 * in SIZE; returns their length. */
size_t fs_usage_names(const struct fs *fs, mode_t type, char *buf, size_t size);
/* The value of attribute NAME of the object of ST for REQ's caller (g_free it), who learns only
 * of the processes /proc would show it; NULL with *ERR (-ENODATA: not a regular file, -EAGAIN: no
 * scan of /proc could be made in time, -EOPNOTSUPP: nattch and users over io_uring). */
char *fs_usage_value(fuse_req_t req, const char *name, const struct stat *st, int *err);

#endif
