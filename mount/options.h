/* options.h - the shmfs command's own arguments: SOURCE and MOUNTPOINT, -o shm_dir/types/passthrough/
 * cache/views, the mount options shmfs sets itself unless told (fsname, subtype, max_read), the ones it
 * refuses with a reason, --help and --version, taken out of argv with fuse_opt; the rest is libfuse's. */
#ifndef SHMFS_OPTIONS_H
#define SHMFS_OPTIONS_H

#define FUSE_USE_VERSION 312
#include <fuse_opt.h>
#include <stdbool.h>

#include "fs.h"

struct options {
	char *shm_dir;         /* -o shm_dir=DIR */
	char *types;           /* -o types=FILE */
	char *passthrough;     /* -o passthrough=auto|on|off */
	char *cache;           /* -o cache=watch|off */
	char *views;           /* -o views=shown|hidden|off */
	char *fsname;          /* -o fsname=NAME (default: the backing directory) */
	char *subtype;         /* -o subtype=NAME (default: shmfs) */
	char *max_read;        /* -o max_read=BYTES (default: what a splice pipe holds) */
	bool io_uring;         /* -o io_uring: libfuse's, kept for it (builds with libfuse >= 3.18.3) */
	char *ring_depth;      /* -o io_uring_q_depth=N: libfuse's too, kept for it */
	char *refused;         /* the first option shmfs refuses ("writeback_cache") ... */
	const char *refused_why; /* ... and why, a phrase */
	char *positional[2];   /* SOURCE and MOUNTPOINT, or just MOUNTPOINT */
	int npositional;
	bool help, version, too_many;
};

/* Takes shmfs's options out of ARGS into O (zeroed by the caller); what stays in ARGS is
 * libfuse's. Returns 0, or -1 when fuse_opt refused the arguments (it said why). */
int options_parse(struct fuse_args *args, struct options *o);

/* -o max_read=VALUE as a byte count (VALUE NULL: DEFAULT). Returns 0, or -1 when it is not a
 * number from 1 to 2^32 - 1. */
int options_max_read(const char *value, size_t dflt, size_t *max_read);

/* The data mode named by VALUE (NULL: auto). Returns 0, or -1 for anything but auto, on, off. */
int options_passthrough(const char *value, enum fs_passthrough *mode);

/* The cache mode named by VALUE (NULL: watch). Returns 0, or -1 for anything but watch, off. */
int options_cache(const char *value, enum fs_cache *mode);

/* The views mode named by VALUE (NULL: shown). Returns 0, or -1 for anything but shown, hidden, off. */
int options_views(const char *value, enum fs_views *mode);

/* -o io_uring_q_depth=VALUE (NULL: 0, libfuse's default). Returns 0, or -1 when it is not a
 * number from 1 to 65535. */
int options_ring_depth(const char *value, unsigned *depth);

void options_free(struct options *o);

#endif
