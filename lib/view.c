/* view.c - a typed segment as a text table: '#' header lines, then one fixed-length line per record,
 * so a read at any offset renders only the records it covers, straight from the segment's pages.
 *
 * The text, for `int64 Col1; int64 Col2; int64 Col3` over a 24-byte segment (a contract: scripts
 * read it; the header lines are always these seven, in this order):
 *
 *   # shmfs view: int64 Col1; int64 Col2; int64 Col3
 *   # type: int64 Col1 @0 +8; int64 Col2 @8 +8; int64 Col3 @16 +8
 *   # record: 24 bytes, align 8
 *   # records: 1
 *   # leftover: 0 bytes
 *   # edit: echo 'INDEX FIELD=VALUE ...' > THIS_FILE
 *   #                   Col1                 Col2                 Col3
 *   0                  100                  876                 8021
 *
 * Line 1 is the type as a declaration that parses back to the same layout (arrays `int32 q[3]`,
 * strings `char name[16]`, the hint `uint32 flags : hex`); line 2 adds each field's offset (@) and
 * size (+). The leftover line says "K bytes (size is not a multiple of the record: wrong type?)"
 * when K > 0. The last header line names the columns, right-aligned over them (left-aligned over
 * strings), and is exactly as long as a record line.
 *
 * A record line: the index right-aligned in index_width columns, then for each field a space and
 * its value right-aligned in the field's column (strings left-aligned), then '\n'. A column is as
 * wide as the widest value the field's kind can show (value_field_width) or its name, if longer.
 *
 * So every column starts at the same byte of every line (col_start), and a read that cuts a line
 * renders only the fields it meets, and of a long string or array only the part it wants: a 4 KiB
 * read of a 4 MiB line costs about 4 KiB of text, plus a count of the field's bytes before it. */
#include "view.h"

#include <errno.h>
#include <glib.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "value.h"

/* Records read from the segment per map_read: large enough that the calls cost little, small
 * enough to stay in cache while they are rendered. */
#define VIEW_CHUNK (64u * 1024)

/* ---- the header ---- */

/* "int32 qty[3]", "char name[16]", "uint32 flags : hex": the field as a declaration says it. */
static void append_decl(GString *s, const struct rfield *f)
{
	g_string_append_printf(s, "%s %s", rtype_kind_name(f->kind), f->name);
	if (f->is_string || f->count > 1)
		g_string_append_printf(s, "[%zu]", f->count);
	if (f->hex)
		g_string_append(s, " : hex");
}

/* The '#' lines before the column names. */
static char *build_head(const struct view_layout *vl, size_t *len)
{
	const struct rtype *t = vl->type;
	GString *s = g_string_new("# shmfs view: ");

	for (size_t i = 0; i < t->nfields; i++) {
		if (i)
			g_string_append(s, "; ");
		append_decl(s, &t->fields[i]);
	}
	g_string_append(s, "\n# type: ");
	for (size_t i = 0; i < t->nfields; i++) {
		const struct rfield *f = &t->fields[i];
		if (i)
			g_string_append(s, "; ");
		append_decl(s, f);
		g_string_append_printf(s, " @%zu +%zu", f->offset, f->elem_size * f->count);
	}
	g_string_append_printf(s, "\n# record: %zu bytes, align %zu\n", t->size, t->align);
	g_string_append_printf(s, "# records: %" G_GUINT64_FORMAT "\n", vl->nrecords);
	g_string_append_printf(s, "# leftover: %" G_GUINT64_FORMAT " bytes%s\n", vl->leftover,
			       vl->leftover ? " (size is not a multiple of the record: wrong type?)" : "");
	g_string_append(s, "# edit: echo 'INDEX FIELD=VALUE ...' > THIS_FILE\n");
	*len = s->len;
	return g_string_free(s, FALSE);
}

/* ---- layout ---- */

int view_layout_init(struct view_layout *vl, const struct rtype *t, uint64_t seg_size)
{
	memset(vl, 0, sizeof *vl);
	vl->type = t;
	vl->seg_size = seg_size;
	vl->nrecords = seg_size / t->size;
	vl->leftover = seg_size % t->size;
	vl->index_width = value_u64_len(vl->nrecords ? vl->nrecords - 1 : 0);
	vl->col_width = calloc(t->nfields, sizeof *vl->col_width);
	vl->col_start = calloc(t->nfields, sizeof *vl->col_start);
	if (!vl->col_width || !vl->col_start) {
		view_layout_free(vl);
		return -ENOMEM;
	}

	size_t at = vl->index_width;
	for (size_t i = 0; i < t->nfields; i++) {
		size_t w = value_field_width(&t->fields[i]);
		size_t name = strlen(t->fields[i].name);
		vl->col_width[i] = w > name ? w : name;
		vl->col_start[i] = at + 1;
		at += 1 + vl->col_width[i];
	}
	vl->line_len = at + 1;
	vl->head = build_head(vl, &vl->head_len);
	vl->header_len = vl->head_len + vl->line_len;
	return 0;
}

void view_layout_free(struct view_layout *vl)
{
	free(vl->col_width);
	free(vl->col_start);
	g_free(vl->head);
	memset(vl, 0, sizeof *vl);
}

/* Saturates at INT64_MAX: no offset can reach further (only a sparse segment of exabytes of tiny
 * records gets there). */
uint64_t view_size(const struct view_layout *vl)
{
	uint64_t room = (uint64_t)INT64_MAX - vl->header_len;
	if (vl->nrecords > room / vl->line_len)
		return INT64_MAX;
	return vl->header_len + vl->nrecords * vl->line_len;
}

/* ---- records ---- */

/* One field's value into its column [COL, COL + W), which holds spaces. */
static void render_field(const struct rfield *f, const char *src, char *col, size_t w)
{
	if (rtype_kind_is_int(f->kind) && !f->hex && f->count == 1 && !f->is_string) {
		/* The hot path: digits written backwards straight into place. */
		value_format_int_back(f, src, col + w);
		return;
	}
	size_t n = value_format_field(f, src, col);
	if (f->is_string)
		return;
	memmove(col + w - n, col, n);
	memset(col, ' ', w - n);
}

void view_render_record(const struct view_layout *vl, uint64_t index, const void *rec, char *out)
{
	const struct rtype *t = vl->type;
	char *col = out + vl->index_width;

	memset(out, ' ', vl->line_len - 1);
	out[vl->line_len - 1] = '\n';
	value_format_u64_back(index, col);
	for (size_t i = 0; i < t->nfields; i++) {
		col++;
		render_field(&t->fields[i], (const char *)rec + t->fields[i].offset, col, vl->col_width[i]);
		col += vl->col_width[i];
	}
}

/* ---- cut lines: a read that starts or ends inside a line renders only the part it wants ---- */

/* A field's column wider than this is rendered in part when a read cuts it; a narrower one (every
 * scalar: 24 bytes of value, a name of at most RTYPE_MAX_NAME) whole into a scratch column. */
#define VIEW_SHORT_COLUMN 128

static bool column_is_long(const struct view_layout *vl, size_t i)
{
	return vl->col_width[i] > VIEW_SHORT_COLUMN;
}

/* Bytes [FROM, TO) of one line, and what of the record they need: fields [FIRST, END), whose
 * columns meet them, and the record's bytes [LO, HI) that those fields are rendered from. */
struct cut {
	size_t from, to;
	size_t first, end;
	size_t lo, hi;
};

static struct cut cut_plan(const struct view_layout *vl, size_t from, size_t to)
{
	const struct rtype *t = vl->type;
	struct cut c = { .from = from, .to = to };
	size_t lo = 0, hi = t->nfields;

	while (lo < hi) { /* the first field whose column ends after FROM */
		size_t mid = lo + (hi - lo) / 2;
		if (vl->col_start[mid] + vl->col_width[mid] <= from)
			lo = mid + 1;
		else
			hi = mid;
	}
	c.first = c.end = lo;
	while (c.end < t->nfields && vl->col_start[c.end] < to)
		c.end++;
	if (c.first == c.end)
		return c;

	const struct rfield *last = &t->fields[c.end - 1];
	size_t need = last->elem_size * last->count;
	size_t upto = to - vl->col_start[c.end - 1];
	if (last->is_string && column_is_long(vl, c.end - 1) && upto < need)
		need = upto; /* value_format_string_part reads no further */
	c.lo = t->fields[c.first].offset;
	c.hi = last->offset + need;
	return c;
}

/* Bytes [FROM, TO) of field I's column (W bytes) into OUT (position FROM), which holds spaces. */
static void render_field_part(const struct view_layout *vl, size_t i, const char *src, size_t from,
			      size_t to, char *out)
{
	const struct rfield *f = &vl->type->fields[i];
	size_t w = vl->col_width[i];

	if (from == 0 && to == w) {
		render_field(f, src, out, w);
	} else if (!column_is_long(vl, i)) {
		char col[VIEW_SHORT_COLUMN];
		memset(col, ' ', w);
		render_field(f, src, col, w);
		memcpy(out, col + from, to - from);
	} else if (f->is_string) {
		value_format_string_part(src, f->count, from, to, out);
	} else {
		value_format_array_part(f, src, w, from, to, out);
	}
}

/* Renders C's bytes of record INDEX's line to OUT from REC, the record's bytes [C->lo, C->hi). */
static void render_cut(const struct view_layout *vl, const struct cut *c, uint64_t index,
		       const char *rec, char *out)
{
	const struct rtype *t = vl->type;

	memset(out, ' ', c->to - c->from);
	if (c->to == vl->line_len)
		out[c->to - 1 - c->from] = '\n';
	if (c->from < vl->index_width) {
		char col[24]; /* index_width is at most 20 */
		memset(col, ' ', vl->index_width);
		value_format_u64_back(index, col + vl->index_width);
		size_t to = c->to < vl->index_width ? c->to : vl->index_width;
		memcpy(out, col + c->from, to - c->from);
	}
	for (size_t i = c->first; i < c->end; i++) {
		size_t cs = vl->col_start[i], w = vl->col_width[i];
		size_t a = c->from > cs ? c->from - cs : 0;
		size_t b = c->to < cs + w ? c->to - cs : w;
		const char *src = rec + (t->fields[i].offset - c->lo);
		render_field_part(vl, i, src, a, b, out + (cs + a - c->from));
	}
}

/* Bytes [FROM, TO) of the column names line into OUT: '#', then each name right-aligned over its
 * column (left-aligned over strings), padded to line_len - 1 bytes like a record line. */
static void render_names(const struct view_layout *vl, size_t from, size_t to, char *out)
{
	const struct rtype *t = vl->type;
	struct cut c = cut_plan(vl, from, to);

	memset(out, ' ', to - from);
	if (from == 0)
		out[0] = '#';
	if (to == vl->line_len)
		out[to - 1 - from] = '\n';
	for (size_t i = c.first; i < c.end; i++) {
		const char *name = t->fields[i].name;
		size_t n = strlen(name);
		size_t at = vl->col_start[i] + (t->fields[i].is_string ? 0 : vl->col_width[i] - n);
		size_t a = at > from ? at : from, b = at + n < to ? at + n : to;
		if (a < b)
			memcpy(out + (a - from), name + (a - at), b - a);
	}
}

/* ---- reads ---- */

/* Where record lines go: whole lines straight into the caller's buffer, a cut first or last line
 * through render_cut. */
struct sink {
	char *out;
	size_t room;    /* bytes still wanted */
	size_t skip;    /* bytes to drop from the front of the next line */
};

/* The cut the sink wants of the next line, and moves the sink past it. */
static struct cut sink_cut(const struct view_layout *vl, struct sink *k, char **out)
{
	size_t to = k->room < vl->line_len - k->skip ? k->skip + k->room : vl->line_len;
	struct cut c = cut_plan(vl, k->skip, to);

	*out = k->out;
	k->out += to - k->skip;
	k->room -= to - k->skip;
	k->skip = 0;
	return c;
}

static void sink_record(const struct view_layout *vl, struct sink *k, uint64_t index, const char *rec)
{
	if (k->skip == 0 && k->room >= vl->line_len) {
		view_render_record(vl, index, rec, k->out);
		k->out += vl->line_len;
		k->room -= vl->line_len;
		return;
	}
	char *out;
	struct cut c = sink_cut(vl, k, &out);
	render_cut(vl, &c, index, rec + c.lo, out);
}

/* Renders records [FIRST, END) into the sink, reading them in chunks. Returns 0 or -errno
 * (-EIO when the segment no longer holds them). */
static int render_records(const struct view_layout *vl, struct seg_map *m, uint64_t first,
			  uint64_t end, struct sink *k)
{
	size_t rec_size = vl->type->size;
	uint64_t per_chunk = VIEW_CHUNK / rec_size ? VIEW_CHUNK / rec_size : 1;
	if (per_chunk > end - first)
		per_chunk = end - first;

	char *chunk = malloc(per_chunk * rec_size);
	if (!chunk)
		return -ENOMEM;

	int err = 0;
	for (uint64_t r = first; r < end && !err;) {
		uint64_t n = end - r < per_chunk ? end - r : per_chunk;
		ssize_t got = map_read(m, chunk, n * rec_size, (off_t)(r * rec_size));
		if (got < 0) {
			err = (int)got;
			break;
		}
		uint64_t whole = (uint64_t)got / rec_size;
		for (uint64_t i = 0; i < whole; i++)
			sink_record(vl, k, r + i, chunk + i * rec_size);
		if (whole < n)
			err = -EIO; /* the segment shrank since the layout was made */
		r += n;
	}
	free(chunk);
	return err;
}

/* The next line, which the sink wants only part of, read alone: only the record bytes that the
 * cut needs, and the record's last byte (it must still be there whole, as for a whole line).
 * Returns 0 or -errno. */
static int read_cut(const struct view_layout *vl, struct seg_map *m, uint64_t index, struct sink *k)
{
	struct sink after = *k;
	char *out;
	struct cut c = sink_cut(vl, &after, &out);
	off_t at = (off_t)(index * vl->type->size);
	ssize_t got;

	if (c.hi < vl->type->size) {
		char last;
		got = map_read(m, &last, 1, at + (off_t)vl->type->size - 1);
		if (got <= 0)
			return got < 0 ? (int)got : -EIO;
	}
	char *rec = malloc(c.hi - c.lo + 1);
	if (!rec)
		return -ENOMEM;
	got = map_read(m, rec, c.hi - c.lo, at + (off_t)c.lo);
	int err = got < 0 ? (int)got : got < (ssize_t)(c.hi - c.lo) ? -EIO : 0;
	if (!err) {
		render_cut(vl, &c, index, rec, out);
		*k = after;
	}
	free(rec);
	return err;
}

/* The record lines' part of a read: LEN bytes from POS into them (both within the lines).
 * Records up to VIEW_CHUNK bytes are read whole, a chunk of them at a time; a larger one whose
 * line the read cuts is read alone, only in the part the cut needs. Returns the bytes written, or
 * -errno when none were. */
static ssize_t read_lines(const struct view_layout *vl, struct seg_map *m, char *out, size_t len,
			  uint64_t pos)
{
	struct sink k = { .out = out, .room = len, .skip = (size_t)(pos % vl->line_len) };
	uint64_t r = pos / vl->line_len, last = (pos + len - 1) / vl->line_len;
	bool alone = vl->type->size > VIEW_CHUNK;
	int err = 0;

	if (alone && (k.skip || k.room < vl->line_len))
		err = read_cut(vl, m, r++, &k);
	uint64_t n = alone ? k.room / vl->line_len : last + 1 - r;
	if (!err && n) {
		err = render_records(vl, m, r, r + n, &k);
		r += n;
	}
	if (!err && k.room)
		err = read_cut(vl, m, r, &k);
	return err && k.out == out ? err : k.out - out;
}

ssize_t view_read(const struct view_layout *vl, struct seg_map *m, char *buf, size_t len, off_t off)
{
	uint64_t total = view_size(vl);

	if (off < 0)
		return -EINVAL;
	if ((uint64_t)off >= total || len == 0)
		return 0;
	if (len > total - (uint64_t)off)
		len = (size_t)(total - (uint64_t)off);
	if (len > SSIZE_MAX)
		len = SSIZE_MAX;

	size_t done = 0;
	if ((uint64_t)off < vl->head_len) {
		done = vl->head_len - (size_t)off < len ? vl->head_len - (size_t)off : len;
		memcpy(buf, vl->head + off, done);
	}
	if (done < len && (uint64_t)off + done < vl->header_len) {
		size_t from = (size_t)off + done - vl->head_len;
		size_t to = len - done < vl->line_len - from ? from + (len - done) : vl->line_len;
		render_names(vl, from, to, buf + done);
		done += to - from;
	}
	if (done == len)
		return (ssize_t)done;
	ssize_t n = read_lines(vl, m, buf + done, len - done, (uint64_t)off + done - vl->header_len);
	if (n < 0)
		return done ? (ssize_t)done : n;
	return (ssize_t)(done + (size_t)n);
}

/* ---- a type that does not parse ---- */

/* Appends one line of the declaration for a '#' line: control bytes (a hostile xattr may hold
 * any) shown as '?', so the text stays one line per line. */
static void append_decl_line(GString *s, const char *line, size_t n)
{
	g_string_append(s, "#   ");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)line[i];
		g_string_append_c(s, (c < 0x20 && c != '\t') || c == 0x7f ? '?' : (char)c);
	}
	g_string_append_c(s, '\n');
}

/* A caret under byte COL (from 1) of LINE, tabs copied so it lines up under them too. */
static void append_caret(GString *s, const char *line, size_t n, int col)
{
	g_string_append(s, "#   ");
	for (size_t i = 0; i + 1 < (size_t)col; i++)
		g_string_append_c(s, i < n && line[i] == '\t' ? '\t' : ' ');
	g_string_append(s, "^\n");
}

char *view_error_text(const char *decl, const struct rtype_error *err, size_t *len)
{
	GString *s = g_string_new("# shmfs view: the type of this segment does not parse\n");

	g_string_append_printf(s, "# error: %s\n", err && err->msg[0] ? err->msg : "unknown error");
	g_string_append(s, "# type:\n");
	const char *p = decl ? decl : "";
	for (int line = 1;; line++) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		append_decl_line(s, p, n);
		if (err && err->line == line && err->col > 0)
			append_caret(s, p, n, err->col);
		if (!nl)
			break;
		p = nl + 1;
	}
	g_string_append(s, "# fix the type (xattr user.shmfs.type or the types file) to see the records\n");
	*len = s->len;
	return g_string_free(s, FALSE);
}
