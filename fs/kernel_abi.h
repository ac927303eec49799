/* kernel_abi.h - the few pieces of the FUSE kernel protocol (uapi linux/fuse.h, 7.40) that the raw
 * request and reply hooks need (FUSE passthrough, direct I/O files that can still be mapped, the
 * set-ID kill flags of HANDLE_KILLPRIV_V2) and that libfuse 3.14 and Debian bookworm's kernel
 * headers (7.38) lack.
 *
 * The protocol is a stable ABI: these layouts and numbers never change once a kernel ships them.
 * They are declared here under names of our own, so that a newer system header (which names the
 * same fields differently, e.g. backing_id for 7.38's padding) can never clash with them. */
#ifndef SHMFS_KERNEL_ABI_H
#define SHMFS_KERNEL_ABI_H

#include <linux/ioctl.h>
#include <stdint.h>

enum {
	KABI_OPCODE_SETATTR = 4,
	KABI_OPCODE_OPEN = 14,
	KABI_OPCODE_WRITE = 16,
	KABI_OPCODE_INIT = 26,
	KABI_OPCODE_CREATE = 35,
	KABI_OPCODE_TMPFILE = 51, /* 7.37: open(O_TMPFILE), with CREATE's arguments */
};

struct kabi_in_header {
	uint32_t len;
	uint32_t opcode;
	uint64_t unique;
	uint64_t nodeid;
	uint32_t uid, gid, pid;
	uint16_t total_extlen, padding;
};

struct kabi_out_header {
	uint32_t len;
	int32_t error;   /* a reply: 0 or -errno; a notification (unique 0): its code */
	uint64_t unique;
};

/* A notification with no argument (7.44, Linux 6.16): every name the kernel holds is looked up
 * again at its next use. */
#define KABI_NOTIFY_INC_EPOCH 8

struct kabi_init_in {
	uint32_t major, minor, max_readahead, flags;
	uint32_t flags2; /* valid when flags has KABI_INIT_EXT */
	uint32_t unused[11];
};

struct kabi_init_out {
	uint32_t major, minor, max_readahead, flags;
	uint16_t max_background, congestion_threshold;
	uint32_t max_write, time_gran;
	uint16_t max_pages, map_alignment;
	uint32_t flags2;
	uint32_t max_stack_depth; /* 7.40; "unused[0]" before */
	uint32_t unused[6];
};

#define KABI_INIT_EXT (1u << 30)           /* in flags: flags2 is meaningful */
/* FUSE_HANDLE_KILLPRIV_V2 (Linux 5.11+): the daemon clears set-ID bits where the kill flags below
 * say so, and the kernel marks the mount SB_NOSEC (privs.c). */
#define KABI_INIT_HANDLE_KILLPRIV_V2 (1u << 28)
#define KABI_INIT2_PASSTHROUGH (1u << 5)   /* FUSE_PASSTHROUGH, bit 37 of the 64-bit flags */
/* FUSE_DIRECT_IO_ALLOW_MMAP, bit 36 (Linux 6.6+): a FOPEN_DIRECT_IO file can still be mapped
 * shared, through the page cache, which direct reads and writes of the same range keep coherent. */
#define KABI_INIT2_DIRECT_IO_ALLOW_MMAP (1u << 4)

/* The argument of a WRITE request, after its in_header. */
struct kabi_write_in {
	uint64_t fh, offset;
	uint32_t size, write_flags;
	uint64_t lock_owner;
	uint32_t flags, padding;
};

/* In write_flags: the writer lacks CAP_FSETID, so set-user-ID and set-group-ID bits must go. The
 * kernel clears them itself before a cached write, and leaves that to the daemon for a direct one
 * (and, under HANDLE_KILLPRIV_V2, for a cached one too). */
#define KABI_WRITE_KILL_SUIDGID (1u << 2)

/* A SETATTR's argument starts with its valid mask: */
#define KABI_FATTR_SIZE (1u << 3)
#define KABI_FATTR_FH (1u << 6)          /* says which open file, asks for nothing */
#define KABI_FATTR_LOCKOWNER (1u << 9)   /* idem */
/* HANDLE_KILLPRIV_V2: a truncate by a caller without CAP_FSETID, or a chown */
#define KABI_FATTR_KILL_SUIDGID (1u << 11)

/* The argument of an OPEN request. */
struct kabi_open_in {
	uint32_t flags, open_flags;
};

/* In open_flags, under HANDLE_KILLPRIV_V2: open(O_TRUNC) by a caller without CAP_FSETID. */
#define KABI_OPEN_KILL_SUIDGID (1u << 0)

/* The open part of an OPEN reply, and of a CREATE reply after its entry part. */
struct kabi_open_out {
	uint64_t fh;
	uint32_t open_flags;
	int32_t backing_id; /* 7.40; "padding" before */
};

#define KABI_FOPEN_PASSTHROUGH (1u << 7)
#define KABI_ENTRY_OUT_SIZE 128 /* struct fuse_entry_out: ids, timeouts and a fuse_attr */

/* ioctl on the /dev/fuse fd: register an open file as the backing of passthrough opens. */
struct kabi_backing_map {
	int32_t fd;
	uint32_t flags;
	uint64_t padding;
};

#define KABI_DEV_IOC_BACKING_OPEN _IOW(229, 1, struct kabi_backing_map)
#define KABI_DEV_IOC_BACKING_CLOSE _IOW(229, 2, uint32_t)

_Static_assert(sizeof(struct kabi_in_header) == 40, "fuse_in_header");
_Static_assert(sizeof(struct kabi_out_header) == 16, "fuse_out_header");
_Static_assert(sizeof(struct kabi_init_in) == 64, "fuse_init_in");
_Static_assert(sizeof(struct kabi_init_out) == 64, "fuse_init_out");
_Static_assert(sizeof(struct kabi_open_out) == 16, "fuse_open_out");
_Static_assert(sizeof(struct kabi_write_in) == 40, "fuse_write_in");
_Static_assert(sizeof(struct kabi_open_in) == 8, "fuse_open_in");
_Static_assert(sizeof(struct kabi_backing_map) == 16, "fuse_backing_map");

#endif
