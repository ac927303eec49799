/* edit.h - edits written into a view: lines "INDEX FIELD=VALUE [FIELD=VALUE ...]" or record lines
 * as the view prints them, all checked before any is stored, so a bad line changes nothing. */
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
 * array as the view shows it, [1,2,3]. A line may also be a record line as the view prints it:
 * INDEX, then every field's value in order, separated by blanks (told from the first form by the
 * '=' of its first word). Returns the list (free with edit_free), or NULL with *ERR
 * filled in, e.g. "line 2, col 3: unknown field 'Col9'" or "line 1: index 7 is past the last
 * record (4 records)". A text with no edit in it gives an empty list. */
struct edit_list *edit_parse(const struct rtype *t, uint64_t nrecords, const char *text, size_t len,
			     struct rtype_error *err);

/* Stores every edit into the segment through M, in order (map_store), having first allocated the
 * pages they touch: a full tmpfs fails it with -ENOSPC before any byte changes. Returns 0, or the
 * -errno of what failed (the segment shrank: -EIO, and nothing is stored). */
int edit_apply(const struct edit_list *e, struct seg_map *m);

/* How far edit_hole_bytes has looked: the stores before INDEX, and BYTES of store INDEX (a list
 * only grows at its end: stores are added, or the last one is extended). Start at { 0 }. */
struct edit_mark {
	size_t index;
	size_t bytes;
};

/* The bytes of holes in the pages of the segment open as FD that the stores after MARK touch
 * (what edit_apply will have to allocate for them), and moves MARK past them: so that a writer can
 * hear of a full tmpfs from write(2), before anything is allocated. Returns the count or -errno. */
int64_t edit_hole_bytes(const struct edit_list *e, int fd, struct edit_mark *mark);

/* How many stores the list holds: runs of adjacent bytes. */
size_t edit_count(const struct edit_list *e);

void edit_free(struct edit_list *e);

/* An edit batch: the text of one edit fed in pieces (one write(2) comes in several FUSE requests,
 * cut anywhere, even inside a line), each complete line parsed as it comes, so that a bad line is
 * told at once and the text itself is never all kept. */
struct edit_batch;

struct edit_batch *edit_batch_new(const struct rtype *t);
void edit_batch_free(struct edit_batch *b);

/* Parses the lines that TEXT (LEN bytes) completes, for a segment of NRECORDS records; keeps the
 * start of a last line without its '\n' for the next piece. With M (the segment), a store that
 * leaves a field as the view shows it now is left out: a whole table written back stores only
 * what changed, and allocates no hole. Returns 0, or -EINVAL with *ERR filled in (the line counts
 * from the batch's first): the batch is refused then, holds nothing, and says so to every call. */
int edit_batch_feed(struct edit_batch *b, uint64_t nrecords, struct seg_map *m, const char *text,
		    size_t len, struct rtype_error *err);

/* The text is over: parses a last line that had no '\n'. Returns 0 or -EINVAL as above. */
int edit_batch_end(struct edit_batch *b, uint64_t nrecords, struct seg_map *m,
		   struct rtype_error *err);

/* Checks the line kept without its '\n' so far: refuses the batch (-EINVAL as above) when that
 * line is bad whatever text may still come after it ("0 Col9=1": no field Col9), keeps it
 * otherwise ("0 Col2=1" may go on "23"). For a piece that is likely the last of a write(2), so
 * that its writer hears of a bad last line from write(2). Returns 0 or -EINVAL. */
int edit_batch_check_last(struct edit_batch *b, uint64_t nrecords, struct rtype_error *err);

/* The stores parsed so far (to edit_apply once the batch has ended). */
const struct edit_list *edit_batch_list(const struct edit_batch *b);

/* The bytes of memory the batch holds now: what one writer may make the daemon keep. */
size_t edit_batch_memory(const struct edit_batch *b);

#endif
