/* map.h - a segment's MAP_SHARED mapping, and copies in and out of it that survive faults.
 * A store into a segment that another process truncated, or into a hole of a full tmpfs, raises
 * SIGBUS; here it becomes -EIO or -ENOSPC for that one call, and the process lives on. */
#ifndef SHMFS_MAP_H
#define SHMFS_MAP_H

#include <stddef.h>
#include <sys/types.h>

struct seg_map;

/* Maps the segment open as FD (the map does not own FD; keep it open until map_close).
 * FD opened O_RDWR maps read-write, O_RDONLY read-only; an O_WRONLY fd cannot be mapped, and its
 * map writes with pwrite(2). Installs the process's SIGBUS guard on first use.
 * Returns 0 and sets *OUT, or -errno. */
int map_open(int fd, struct seg_map **out);

/* Unmaps. Pointers handed out by map_peek die here, not before. */
void map_close(struct seg_map *m);

/* Zero-copy read: when all of [OFF, OFF+LEN) (cut at end of file) lies inside the segment and
 * holds data (no holes), points *DATA into the mapping and returns the byte count; 0 at or past
 * the end of the segment; a range that runs past the end of file is cut there. Returns -ENODATA
 * when the range has a hole (pread(2) reads it then: tmpfs gives zeros for holes without
 * allocating them), or another -errno. The pointer stays valid until map_close; the bytes
 * behind it can vanish if another process truncates the segment (a copy from them then faults). */
ssize_t map_peek(struct seg_map *m, size_t len, off_t off, const void **data);

/* Copies up to LEN bytes at OFF into BUF, like pread(2): short at end of file, holes read as zeros
 * without allocating memory for them. Data pages are copied from the mapping under the fault guard.
 * Returns the byte count, or -EIO when the segment shrank under the copy. */
ssize_t map_read(struct seg_map *m, void *buf, size_t len, off_t off);

/* Stores LEN bytes of BUF at OFF, growing the segment first when OFF+LEN is past its end.
 * Returns the byte count (short when the tmpfs filled up part way), -ENOSPC when nothing fitted,
 * -EIO when the segment shrank under the copy, -EFBIG/-EINVAL as ftruncate says, or -EBADF for a
 * read-only map. A grow that stored nothing is undone. */
ssize_t map_write(struct seg_map *m, const void *buf, size_t len, off_t off);

/* As map_write, inside the segment as it is: never grows it (no fstat per call, for callers that
 * store many small pieces where they know the size). A store past the end gives -EIO. */
ssize_t map_store(struct seg_map *m, const void *buf, size_t len, off_t off);

/* Copies LEN bytes from SRC to DST, either of which may lie in a shared mapping, under the SIGBUS
 * guard: a fault stops the copy instead of killing the process. Returns the number of bytes
 * copied before the fault (LEN when there was none). Exposed for callers with their own mappings. */
size_t map_copy(void *dst, const void *src, size_t len);

/* The fd the map was opened on. */
int map_fd(const struct seg_map *m);

#endif
