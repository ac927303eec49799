/* ops.h - the FUSE operations, by what they act on (node_ops.c, dir_ops.c, file_ops.c, xattr_ops.c), and the object kind's operations and the view's xattrs they hold, for fs.c's tables. */
#ifndef SHMFS_OPS_H
#define SHMFS_OPS_H

#include "fs_state.h"

/* The backing object's operations (fs_object_kind): its attributes (inode.c, node_ops.c), its
 * extended attributes (xattr_ops.c), and a segment's open file (file_ops.c). */
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
#ifdef SHMFS_LIBFUSE_NO_HOOK
void fs_op_tmpfile(fuse_req_t req, fuse_ino_t parent, mode_t mode, struct fuse_file_info *fi);
#endif
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

void fs_op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
		    size_t size, int flags);
void fs_op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size);
void fs_op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size);
void fs_op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name);

#endif
