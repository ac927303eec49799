/* fs.h - the shmfs file system as the mount command sees it: a FUSE low-level operations table
 * over a backing directory. Everything behind it is in fs_internal.h. */
#ifndef SHMFS_FS_H
#define SHMFS_FS_H

#include <stddef.h>

struct fs;
struct fuse_lowlevel_ops;

/* A file system mirroring the directory open as BACKING_FD (an O_PATH handle, e.g. from
 * seg_dir_open; the fs owns it from now on), with record types from TYPES_PATH (the types file;
 * NULL: xattrs only). Returns NULL with errno set. */
struct fs *fs_new(int backing_fd, const char *types_path);
void fs_free(struct fs *fs);

/* The operations table to pass to fuse_session_new, with the struct fs as userdata. */
const struct fuse_lowlevel_ops *fs_ops(void);
size_t fs_ops_size(void);

#endif
