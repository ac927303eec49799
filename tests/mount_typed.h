/* mount_typed.h - typed segments for the integration tests: made in the backing directory of the
 * harness's mount (g_mnt), given a type, read back through their views or directly. */
#ifndef SHMFS_MOUNT_TYPED_H
#define SHMFS_MOUNT_TYPED_H

#include <stddef.h>
#include <sys/types.h>

/* Makes segment NAME in the backing directory: SIZE bytes, LEN bytes of DATA at offset 0. */
void make_segment(const char *name, off_t size, const void *data, size_t len);

/* Gives segment NAME the record type DECL (its user.shmfs.type, set in the backing directory). */
void set_type(const char *name, const char *decl);

/* Reads LEN bytes of segment NAME from offset 0 into BUF, straight from the backing directory. */
void segment_bytes(const char *name, void *buf, size_t len);

/* The whole view NAME.txt through the mount (g_free it); asserts its size is what stat says. */
char *read_view(const char *name);

/* The record lines of a view's TEXT, in order (g_strfreev). */
char **record_lines(const char *text);

#endif
