/* file.h - a segment open through the mount: struct fs_file made, linked and freed (file.c). */
#ifndef SHMFS_FILE_H
#define SHMFS_FILE_H

#include "fs_state.h"

/* Opens the segment behind IN for the FLAGS of REQ's caller (widened to read-write where it may
 * be, so that it can be mapped; with O_TRUNC, as that caller) into a new fs_file.
 * Returns 0 or -errno. */
int fs_file_open(struct fs *fs, fuse_req_t req, struct fs_inode *in, int flags,
		 struct fs_file **out);
/* REQ: the request that frees it (passthrough closes the backing id through it), NULL when the
 * session is over. */
void fs_file_free(struct fs *fs, fuse_req_t req, struct fs_file *f);
/* Puts F on IN's list of open files, whose fds reach IN's object when its name no longer does. */
void fs_file_link(struct fs *fs, struct fs_file *f, struct fs_inode *in);

/* The flags the daemon opens a segment with for the caller's open FLAGS: its access mode (the
 * kernel has checked it), write-only widened to read-write when WIDEN (mmap needs a readable fd),
 * and O_TRUNC. fs_file_widened: whether FLAGS are widened so (a caller who may write but not read
 * is then let open as asked). */
int fs_file_flags(int flags, bool widen);
bool fs_file_widened(int flags);
/* A new fs_file for REQ's caller, counted in its share of fds (share.c): 0 or -errno. */
int fs_file_new(struct fs *fs, fuse_req_t req, struct fs_file **out);
/* F takes FD over, also when this fails (fs_file_free closes it), and maps it: 0 or -errno. */
int fs_file_set_fd(struct fs_file *f, int fd);
/* In passthrough mode, the backing id (*ID) with which F's open of IN is handed to the kernel;
 * 0 otherwise. Returns 0 or -errno. */
int fs_file_hand_to_kernel(fuse_req_t req, struct fs_inode *in, struct fs_file *f, int32_t *id);
/* Puts F in FI as the plan says (direct I/O, no page cache kept, no FLUSH at close). */
void fs_file_attach(struct fs *fs, struct fuse_file_info *fi, struct fs_file *f);
/* A RELEASE: frees the open file of FI and replies. */
void fs_file_release(fuse_req_t req, struct fuse_file_info *fi);

#endif
