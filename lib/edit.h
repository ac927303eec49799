/* edit.h - edits written into a view: lines "INDEX FIELD=VALUE [FIELD=VALUE ...]", all checked
 * before any is stored, so a bad line changes nothing. */
#ifndef SHMFS_EDIT_H
#define SHMFS_EDIT_H

#include <stddef.h>
#include <stdint.h>

#include "map.h"
#include "rtype.h"

struct edit_list;

/* Parses TEXT (LEN bytes, not NUL-terminated; lines end in '\n', the last one may not; blank lines
 * and lines starting with '#' are skipped) against type T, for a segment of NRECORDS records.
 * FIELD is a field name, or NAME[I] for one element of an array. VALUE is written as the view
 * shows it: integers in decimal or 0x hex, range-checked for the field's kind; floats as strtod
 * reads them (nan, inf, -0 included); bool true/false/1/0; char and char[N] a quoted string with
 * the escapes the view uses (\" \\ \n \t \r \xNN), at most N bytes, the rest zero-filled; a whole
 * array as the view shows it, [1,2,3]. Returns the list (free with edit_free), or NULL with *ERR
 * filled in, e.g. "line 2, col 3: unknown field 'Col9'" or "line 1: index 7 is past the last
 * record (4 records)". A text with no edit in it gives an empty list. */
struct edit_list *edit_parse(const struct rtype *t, uint64_t nrecords, const char *text, size_t len,
			     struct rtype_error *err);

/* Stores every edit into the segment through M, in order (map_write). Returns 0, or the -errno of
 * the first store that failed (the segment shrank: -EIO). */
int edit_apply(const struct edit_list *e, struct seg_map *m);

/* How many field stores the list holds. */
size_t edit_count(const struct edit_list *e);

void edit_free(struct edit_list *e);

#endif
