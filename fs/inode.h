/* inode.h - the inode table, and how an inode that holds no fd is reached (inode.c). */
#ifndef SHMFS_INODE_H
#define SHMFS_INODE_H

#include "fs_state.h"

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

/* The object's own attributes (fs_object_kind's stat). */
int fs_object_stat(struct fs *fs, struct fs_inode *in, struct stat *st);

#endif
