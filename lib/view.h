/* view.h - a typed segment as text: '#' header lines, then one line per record, every record line
 * the same length, so any byte range of the text maps straight to the records it covers. */
#ifndef SHMFS_VIEW_H
#define SHMFS_VIEW_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "map.h"
#include "rtype.h"

/* How the text of one segment of one type is laid out. Everything here follows from the type and
 * the segment's size alone, never from the bytes in it: the size of the text is known at once. */
struct view_layout {
	const struct rtype *type; /* not owned */
	uint64_t seg_size;
	uint64_t nrecords;        /* whole records in the segment */
	uint64_t leftover;        /* bytes after the last whole record */
	size_t index_width;       /* columns of the index: digits of the largest index, at least 1 */
	size_t *col_width;        /* columns of each field's value */
	size_t *col_start;        /* where each field's column starts in a line (after its space) */
	size_t line_len;          /* bytes of every record line, '\n' included */
	char *head;               /* the '#' lines before the column names, each ending in '\n' */
	size_t head_len;
	size_t header_len;        /* all '#' lines: HEAD and the names line, line_len bytes like a
				   * record line, which view_read renders as it goes (it is 4 MiB
				   * long for a char blob[1048576]: a lookup need not make it) */
};

/* Lays out the view of a SEG_SIZE-byte segment of type T. Returns 0 or -ENOMEM. */
int view_layout_init(struct view_layout *vl, const struct rtype *t, uint64_t seg_size);
void view_layout_free(struct view_layout *vl);

/* Bytes in the whole text: header_len + nrecords * line_len. */
uint64_t view_size(const struct view_layout *vl);

/* Writes record INDEX, whose bytes are REC (type->size of them), as exactly line_len bytes to OUT:
 * the index right-aligned, then each field right-aligned in its column (strings left-aligned),
 * one space before each column, padding with spaces, then '\n'. */
void view_render_record(const struct view_layout *vl, uint64_t index, const void *rec, char *out);

/* Copies the text at [OFF, OFF+LEN) into BUF, reading only the records it covers from the segment
 * through M (map_read: holes read as zeros without allocating; a segment that shrank gives -EIO).
 * Of a line it cuts (its first or last), only the fields it meets are rendered, and of a long
 * string or array only the part it wants: the same bytes as the whole line would give.
 * Returns the byte count (short at the end of the text, 0 past it) or -errno. */
ssize_t view_read(const struct view_layout *vl, struct seg_map *m, char *buf, size_t len, off_t off);

/* The whole text of a view whose declaration DECL did not parse: '#' lines that give the
 * declaration and ERR's message. Returns a g_malloc'ed string and sets *LEN. */
char *view_error_text(const char *decl, const struct rtype_error *err, size_t *len);

#endif
