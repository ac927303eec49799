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
 * wide as the widest value the field's kind can show (value_field_width) or its name, if longer. */
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

static size_t decimal_digits(uint64_t v)
{
	size_t n = 1;
	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

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

/* The column names, padded to exactly line_len - 1 bytes like a record line. */
static void append_names(GString *s, const struct view_layout *vl)
{
	const struct rtype *t = vl->type;

	g_string_append_c(s, '#');
	for (size_t i = 1; i < vl->index_width; i++)
		g_string_append_c(s, ' ');
	for (size_t i = 0; i < t->nfields; i++) {
		const struct rfield *f = &t->fields[i];
		int w = (int)vl->col_width[i];
		g_string_append_printf(s, f->is_string ? " %-*s" : " %*s", w, f->name);
	}
	g_string_append_c(s, '\n');
}

static char *build_header(const struct view_layout *vl, size_t *len)
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
	append_names(s, vl);
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
	vl->index_width = decimal_digits(vl->nrecords ? vl->nrecords - 1 : 0);
	vl->col_width = calloc(t->nfields, sizeof *vl->col_width);
	if (!vl->col_width)
		return -ENOMEM;

	vl->line_len = vl->index_width + 1;
	for (size_t i = 0; i < t->nfields; i++) {
		size_t w = value_field_width(&t->fields[i]);
		size_t name = strlen(t->fields[i].name);
		vl->col_width[i] = w > name ? w : name;
		vl->line_len += 1 + vl->col_width[i];
	}
	vl->header = build_header(vl, &vl->header_len);
	return 0;
}

void view_layout_free(struct view_layout *vl)
{
	free(vl->col_width);
	g_free(vl->header);
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
	if (f->kind <= RT_UINT64 && !f->hex && f->count == 1 && !f->is_string) {
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

/* Where record lines go: whole lines straight into the caller's buffer, a cut first or last line
 * through SCRATCH. */
struct sink {
	char *out;
	size_t room;    /* bytes still wanted */
	size_t skip;    /* bytes to drop from the front of the next line */
	char *scratch;  /* line_len bytes */
};

static void sink_record(const struct view_layout *vl, struct sink *k, uint64_t index, const void *rec)
{
	if (k->skip == 0 && k->room >= vl->line_len) {
		view_render_record(vl, index, rec, k->out);
		k->out += vl->line_len;
		k->room -= vl->line_len;
		return;
	}
	view_render_record(vl, index, rec, k->scratch);
	size_t n = vl->line_len - k->skip;
	if (n > k->room)
		n = k->room;
	memcpy(k->out, k->scratch + k->skip, n);
	k->out += n;
	k->room -= n;
	k->skip = 0;
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

	char *chunk = malloc(per_chunk * rec_size + vl->line_len);
	if (!chunk)
		return -ENOMEM;
	k->scratch = chunk + per_chunk * rec_size;

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
	if ((uint64_t)off < vl->header_len) {
		done = vl->header_len - (size_t)off < len ? vl->header_len - (size_t)off : len;
		memcpy(buf, vl->header + off, done);
		if (done == len)
			return (ssize_t)done;
	}

	uint64_t pos = (uint64_t)off + done - vl->header_len; /* into the record lines */
	uint64_t first = pos / vl->line_len;
	uint64_t last = (pos + (len - done) - 1) / vl->line_len;
	struct sink k = { .out = buf + done, .room = len - done, .skip = (size_t)(pos % vl->line_len) };
	int err = render_records(vl, m, first, last + 1, &k);

	size_t produced = (size_t)(k.out - buf);
	if (err && produced == 0)
		return err;
	return (ssize_t)produced;
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
