/* entry.h - the entries the kernel is given: lookups, listings, objects just made (entry.c). */
#ifndef SHMFS_ENTRY_H
#define SHMFS_ENTRY_H

#include "fs_state.h"

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

#endif
