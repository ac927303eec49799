/* viewfile.h - a typed segment's view NAME.txt as a file: which names are views, their attributes,
 * and an open view, read at any offset and edited all at once or not at all. */
#ifndef SHMFS_VIEWFILE_H
#define SHMFS_VIEWFILE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "map.h"
#include "rtype.h"
#include "typesrc.h"

/* ---- names ---- */

/* The view's name of segment SEG, "SEG.txt" (g_free it), or NULL when that would be no name
 * (longer than NAME_MAX): such a segment has no view. */
char *viewfile_name(const char *seg);

/* The view's name of segment SEG in DIRFD, as viewfile_name, but NULL too when a real file of
 * that name is there: a real file always wins over a view. */
char *viewfile_name_at(int dirfd, const char *seg);

/* The segment's name of the view name NAME ("X" for "X.txt", g_free it), or NULL when NAME is no
 * view name. Ask only of a name that no real file has (viewfile_name_at says why). */
char *viewfile_segment(const char *name);

/* The segment SEG in DIRFD, if it has a view (a regular file with a type in TYPES): its O_PATH
 * handle in *HANDLE (close it), its attributes in *ST and its declaration in *DECL (g_free it).
 * Returns 0; -ENOENT when it is missing, no regular file or has no type; another -errno when
 * that cannot be told (no fd left: not the same as no view). */
int viewfile_segment_at(struct typesrc *types, int dirfd, const char *seg, int *handle,
			struct stat *st, char **decl);

/* A view's inode number: its segment's with the top bit set, never a tmpfs inode's. */
#define VIEWFILE_INO_BIT ((ino_t)1 << 63)

/* Turns ST, the attributes of a segment whose type is declared DECL, into its view's: the same
 * owner and times, the read and write bits only (whoever may read or write the segment may do the
 * same to its view), one link, the inode number with VIEWFILE_INO_BIT, the text's size, and the
 * blocks of all of it (the text has no holes). */
void viewfile_stat(struct stat *st, const char *decl);

/* ---- an open view ---- */

struct viewfile;

/* What the memory of an edit being written is counted against: CHARGE(ARG, OWNER, DELTA) takes
 * DELTA bytes more for OWNER (gives them back when negative) and returns 0, or refuses them with
 * -errno and counts nothing. So a daemon can cap what its users' pending edits hold. */
struct viewfile_budget {
	int (*charge)(void *arg, uid_t owner, ssize_t delta);
	void *arg;
	uid_t owner;
};

/* Opens the view of a segment whose type is declared DECL, parsed here once: a type changed later
 * shows at the next open. A declaration that does not parse gives a view whose whole text says
 * why (view_error_text), and which takes no edit. The memory of its edits is counted through
 * BUDGET (copied; NULL: not counted). Returns the view, never NULL. */
struct viewfile *viewfile_open(const char *decl, const struct viewfile_budget *budget);

/* Drops an edit not committed (its memory given back) and frees V. NULL: nothing. */
void viewfile_close(struct viewfile *v);

/* Copies the text at [OFF, OFF+LEN) into BUF, as the segment mapped by M is now: the layout follows
 * its size, which another program may change at any time (one fstat per read; the layout is made
 * again only when the size changed). Returns the byte count (0 past the end) or -errno. */
ssize_t viewfile_read(struct viewfile *v, struct seg_map *m, char *buf, size_t len, off_t off);

/* What an edit call says besides its -errno. */
struct viewfile_result {
	bool fresh;   /* a refusal met by this call (else one that an earlier call returned) */
	bool stored;  /* viewfile_commit: an edit was being written, and is stored now ... */
	bool changed; /* ... and changed bytes of the segment (not just wrote back what it holds) */
	struct rtype_error why; /* a fresh refusal's reason in words, or msg "": the errno says it */
};

/* 0 when V takes edits, or -EINVAL with the reason in WHY: its type does not parse. */
int viewfile_editable(const struct viewfile *v, struct rtype_error *why);

/* Feeds LEN more bytes of the edit being written through V for the segment mapped by M: the lines
 * they complete are checked at once (edit_batch_feed), and with LAST (the piece is likely the last
 * of its write(2)) a last line without its '\n' is checked for what no later text could mend; the
 * memory held is counted against the budget, and the holes it will store into against the room
 * the tmpfs has left. Nothing is stored before viewfile_commit. Returns 0, or the -errno of a
 * refusal (R says more): the edit is dropped, and every later piece is refused the same way
 * (not fresh) until viewfile_commit. */
int viewfile_write(struct viewfile *v, struct seg_map *m, const char *text, size_t len, bool last,
		   struct viewfile_result *r);

/* Ends the edit written through V and stores it into the segment mapped by M, all of it or none.
 * Returns 0 (R->stored: there was an edit; none is no error), or the -errno of a refusal: a new
 * one, or once more the one viewfile_write returned, which is then forgotten. The edit is over
 * either way: the next viewfile_write starts another. */
int viewfile_commit(struct viewfile *v, struct seg_map *m, struct viewfile_result *r);

#endif
