/* typesrc.h - where a segment's record type comes from: its extended attribute user.shmfs.type,
 * else the first glob pattern of the types file that matches its name. First match wins. */
#ifndef SHMFS_TYPESRC_H
#define SHMFS_TYPESRC_H

#include <stdbool.h>

#define TYPESRC_XATTR "user.shmfs.type"

struct typesrc;

/* Reports one problem with the types file (e.g. "types.conf:3: ..."); the mount goes on. */
typedef void (*typesrc_log_fn)(const char *msg);

/* A source that reads the types file PATH (NULL: none; a relative PATH is taken from the working
 * directory of this call), a GLib key file, one group per glob
 * pattern of segment names, key `type`:
 *
 *     [my_shm]
 *     type = int64 Col1; int64 Col2; int64 Col3
 *
 * The file is read again whenever it changes (checked at each lookup: one stat). A file that cannot
 * be read or parsed is reported through LOG with its line, and counts as empty until it is fixed.
 * Returns NULL only when out of memory. */
struct typesrc *typesrc_new(const char *path, typesrc_log_fn log);
void typesrc_free(struct typesrc *ts);

/* The declaration for the segment NAME whose handle (any fd, O_PATH included) is FD: its xattr
 * first, then the types file. Returns a g_malloc'ed string, or NULL when it has no type. */
char *typesrc_lookup(struct typesrc *ts, int fd, const char *name);

/* The same for the segment NAME in directory DIRFD (AT_FDCWD: the working directory, the quickest),
 * without opening it: one lgetxattr of the name (a symlink is not followed), then the types file.
 * For listings of many segments. */
char *typesrc_lookup_at(struct typesrc *ts, int dirfd, const char *name);

/* True when the segment NAME in directory DIRFD has a type: the quick test for listings (one
 * lgetxattr of the name, which never follows a symlink, then the types file). */
bool typesrc_has_type(struct typesrc *ts, int dirfd, const char *name);

/* The xattr alone: the declaration stored on the object behind FD, or NULL. */
char *typesrc_xattr(int fd);

#endif
