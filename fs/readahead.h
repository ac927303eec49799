/* readahead.h - the mount's readahead raised to the largest READ (readahead.c). */
#ifndef SHMFS_READAHEAD_H
#define SHMFS_READAHEAD_H

#include "fs_state.h"

/* Finds the read_ahead_kb of the mount whose device is DEV (right after mounting; 0: none);
 * raises it to the plan's readahead_kb (around INIT): 0, or -1 when it stays as it was. */
void fs_readahead_find(struct fs *fs, dev_t dev);
int fs_readahead_raise(struct fs *fs);

#endif
