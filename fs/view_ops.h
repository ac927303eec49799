/* view_ops.h - the sidecar views NAME.txt of typed segments through FUSE (view_ops.c; the view itself is lib/viewfile.c). */
#ifndef SHMFS_VIEW_OPS_H
#define SHMFS_VIEW_OPS_H

#include "fs_state.h"

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


/* The operations of fs_view_kind (fs.c's table), as struct fs_kind has them. */
int fs_view_stat(struct fs *fs, struct fs_inode *in, struct stat *st);
void fs_view_getattr(fuse_req_t req, struct fs_inode *in, struct fuse_file_info *fi);
void fs_view_setattr(fuse_req_t req, struct fs_inode *in, struct stat *attr, int valid,
		     struct fuse_file_info *fi);
void fs_view_open(fuse_req_t req, struct fs_inode *in, struct fuse_file_info *fi);
void fs_view_read(fuse_req_t req, struct fs_inode *in, size_t size, off_t off,
		  struct fuse_file_info *fi);
void fs_view_write(fuse_req_t req, struct fs_inode *in, const char *buf, size_t size, off_t off,
		   struct fuse_file_info *fi);
void fs_view_flush(fuse_req_t req, struct fs_inode *in, struct fuse_file_info *fi);
void fs_view_fsync(fuse_req_t req, struct fs_inode *in, int datasync, struct fuse_file_info *fi);
void fs_view_release(fuse_req_t req, struct fs_inode *in, struct fuse_file_info *fi);
void fs_view_fallocate(fuse_req_t req, struct fs_inode *in, int mode, off_t offset, off_t length,
		       struct fuse_file_info *fi);
void fs_view_lseek(fuse_req_t req, struct fs_inode *in, off_t off, int whence,
		   struct fuse_file_info *fi);

#endif
