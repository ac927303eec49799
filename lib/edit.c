/* edit.c - edits written into a view ("INDEX FIELD=VALUE ..." or a record line as the view prints
 * it), parsed whole into a list of stores before any byte is written, so one bad line leaves the
 * segment as it was; the text may come in pieces (an edit batch), lines cut anywhere. */
#include "edit.h"

#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "value.h"

/* One FIELD=VALUE: LEN bytes at OFF in the segment, kept at DATA in the list's byte array (an
 * offset, not a pointer: the array moves as it grows). */
struct edit_store {
	uint64_t off;
	size_t len;
	size_t data;
};

struct edit_list {
	GArray *stores;     /* struct edit_store */
	GByteArray *bytes;  /* the values, as they go into the records */
};

/* Records read ahead from the segment, to compare lines with: a table written back comes in
 * order, so one read serves many lines. Read again for each piece of text, so never older than the
 * request that brings the lines. */
struct rec_window {
	GByteArray *bytes;
	uint64_t first, count; /* records [first, first + count) */
};

#define WINDOW_BYTES (64u * 1024)

/* What parsing one line needs to know and fill in. */
struct line_ctx {
	const struct rtype *type;
	uint64_t nrecords;
	struct edit_list *list;
	struct rtype_error *err;
	int line;
	const char *s;      /* the line, without its '\n' */
	size_t n;
	struct seg_map *m;  /* the segment, to leave out stores that change nothing; or NULL */
	struct rec_window *win; /* with M: records read ahead from it */
	const char *rec;    /* the record the line is for, as the segment holds it now (with M) */
	bool *stands;       /* set on a refusal no text after the line's end could mend (see
			     * edit_batch_check_last): an unknown field whose name has ended, an
			     * integer too large, more values than fields */
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static size_t skip_blanks(const struct line_ctx *c, size_t i)
{
	while (i < c->n && is_blank(c->s[i]))
		i++;
	return i;
}

/* Fills the error for byte I of the line (I == SIZE_MAX: the line as a whole). Returns false, so
 * a parser can say `return fail(...)`. */
static bool G_GNUC_PRINTF(3, 4) fail(const struct line_ctx *c, size_t i, const char *fmt, ...)
{
	va_list ap;

	if (!c->err)
		return false;
	va_start(ap, fmt);
	rtype_error_vset(c->err, c->line, i == SIZE_MAX ? 0 : (int)(i + 1 > INT32_MAX ? INT32_MAX : i + 1),
			 fmt, ap);
	va_end(ap);
	return false;
}

/* Up to 32 bytes of the word at byte I, for a message: stops at a blank, and in an array also at
 * ',' or ']' (the end of an element); control bytes shown as '?'. */
static const char *word_at(const struct line_ctx *c, size_t i, bool in_array, char out[36])
{
	size_t k = 0;
	while (i < c->n && !is_blank(c->s[i]) && !(in_array && (c->s[i] == ',' || c->s[i] == ']'))) {
		if (k == 32) {
			memcpy(out + k, "...", 3);
			k += 3;
			break;
		}
		unsigned char ch = (unsigned char)c->s[i++];
		out[k++] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	out[k] = '\0';
	return out;
}

/* Decimal digits at *I into *V; false when there are none. Sets *OVERFLOW past UINT64_MAX. */
static bool scan_decimal(const struct line_ctx *c, size_t *i, uint64_t *v, bool *overflow)
{
	size_t start = *i;

	*v = 0;
	*overflow = false;
	for (; *i < c->n && c->s[*i] >= '0' && c->s[*i] <= '9'; (*i)++) {
		unsigned d = (unsigned)(c->s[*i] - '0');
		if (*v > (UINT64_MAX - d) / 10)
			*overflow = true;
		*v = *v * 10 + d;
	}
	return *i > start;
}

/* "NAME" or "NAME[I]" at *I, up to the '='. Sets *F, and *ELEM to I or -1 for the whole field. */
static bool parse_target(const struct line_ctx *c, size_t *i, const struct rfield **f, int64_t *elem)
{
	char name[RTYPE_MAX_NAME + 1], word[36];
	size_t start = *i;

	while (*i < c->n && c->s[*i] != '=' && c->s[*i] != '[' && !is_blank(c->s[*i]))
		(*i)++;
	size_t len = *i - start;
	if (len == 0)
		return fail(c, start, "expected FIELD=VALUE");
	if (len <= RTYPE_MAX_NAME) {
		memcpy(name, c->s + start, len);
		name[len] = '\0';
		*f = memchr(name, '\0', len) ? NULL : rtype_field(c->type, name);
	} else {
		*f = NULL;
	}
	if (!*f) {
		if (c->stands && *i < c->n)
			*c->stands = true;
		word_at(c, start, false, word);
		char *cut = strpbrk(word, "=[");
		if (cut)
			*cut = '\0';
		return fail(c, start, "unknown field '%s'", word);
	}

	*elem = -1;
	if (*i < c->n && c->s[*i] == '[') {
		size_t at = ++*i;
		uint64_t v;
		bool overflow;
		if (!scan_decimal(c, i, &v, &overflow) || *i >= c->n || c->s[*i] != ']')
			return fail(c, at, "expected an element index and ']' after '%s['", (*f)->name);
		(*i)++;
		if (overflow || v >= (*f)->count)
			return fail(c, at, "element %s of '%s' is out of range (it has %zu)",
				    word_at(c, at, true, word), (*f)->name, (*f)->count);
		*elem = (int64_t)v;
	}
	if (*i >= c->n || c->s[*i] != '=')
		return fail(c, *i, "expected '=' after '%.*s'", (int)(*i - start), c->s + start);
	(*i)++;
	return true;
}

/* "int64", "char[16]", "int32[3]": the kind of what is being set, for a message. */
static const char *kind_text(const struct rfield *f, bool whole, char out[48])
{
	if (whole && (f->is_string || f->count > 1))
		snprintf(out, 48, "%s[%zu]", rtype_kind_name(f->kind), f->count);
	else
		snprintf(out, 48, "%s", rtype_kind_name(f->kind));
	return out;
}

/* Whether the word at S (up to a blank or N) could still become an integer as edits write them,
 * were more text to follow: [+-], then 0x and hex digits, or decimal digits. */
static bool int_prefix(const char *s, size_t n)
{
	size_t i = 0;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	bool hex = i + 1 < n && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X');
	if (hex)
		i += 2;
	while (i < n && (hex ? g_ascii_isxdigit(s[i]) : g_ascii_isdigit(s[i])))
		i++;
	return i == n || is_blank(s[i]);
}

/* The message for a value of F (the whole field or one element) that did not parse: ST at byte AT
 * of the line, in the value that starts at byte START. A bad number is named by its own kind. */
static bool value_failed(const struct line_ctx *c, const struct rfield *f, bool whole, size_t start,
			 size_t at, enum value_status st)
{
	char word[36], kind[48];
	bool in_array = whole && start < c->n && c->s[start] == '[';

	kind_text(f, whole, kind);
	if (c->stands && rtype_kind_is_int(f->kind) && !f->is_string && f->count == 1 &&
	    (st == VALUE_RANGE || (st == VALUE_MALFORMED && !int_prefix(c->s + start, c->n - start))))
		*c->stands = true; /* more digits only take it further out, or cannot mend it */
	switch (st) {
	case VALUE_RANGE:
		return fail(c, at, "%s is out of range for %s field '%s'",
			    word_at(c, at, in_array, word), rtype_kind_name(f->kind), f->name);
	case VALUE_MALFORMED:
	case VALUE_BAD_BOOL:
		return fail(c, at, "'%s' is not a valid %s for field '%s'",
			    word_at(c, at, in_array, word), rtype_kind_name(f->kind), f->name);
	case VALUE_TOO_LONG:
		return fail(c, at, "string too long for %s field '%s' (at most %zu byte%s)", kind,
			    f->name, whole ? f->count : 1, whole && f->count > 1 ? "s" : "");
	case VALUE_COUNT:
		return fail(c, at, "field '%s' needs exactly %zu elements", f->name, f->count);
	default:
		return fail(c, at, "%s for %s field '%s'", value_status_text(st), kind, f->name);
	}
}

/* True when NEW (LEN bytes of field F, the whole field when WHOLE, else one element) shows as CUR
 * does: the same bytes, a string equal up to its first NUL (the view shows no more), or floats
 * that print alike (NaNs of one sign). Such a store would change nothing the view shows. */
static bool shows_alike(const struct rfield *f, bool whole, const char *cur, const char *new,
			size_t len)
{
	if (memcmp(cur, new, len) == 0)
		return true;
	if (f->is_string && whole)
		return strnlen(cur, len) == strnlen(new, len) && memcmp(cur, new, strnlen(new, len)) == 0;
	if (f->kind != RT_FLOAT32 && f->kind != RT_FLOAT64)
		return false;
	for (size_t i = 0; i < len; i += f->elem_size) {
		char a[VALUE_SCALAR_MAX], b[VALUE_SCALAR_MAX];
		size_t na = value_format_elem(f, cur + i, a), nb = value_format_elem(f, new + i, b);
		if (na != nb || memcmp(a, b, na) != 0)
			return false;
	}
	return true;
}

/* Keeps the value just parsed into the list's bytes at DATA (LEN bytes, for field F of record
 * INDEX, element ELEM or the whole field when -1) as a store, unless it changes nothing the
 * segment shows now; a store that continues the last one is merged into it, so a whole table
 * written back costs a few bytes per changed run, not per field. */
static void add_store(const struct line_ctx *c, const struct rfield *f, int64_t elem,
		      uint64_t index, size_t data, size_t len)
{
	GByteArray *bytes = c->list->bytes;
	size_t in_rec = f->offset + (elem < 0 ? 0 : (uint64_t)elem * f->elem_size);
	if (c->m && shows_alike(f, elem < 0, c->rec + in_rec,
				(const char *)bytes->data + data, len)) {
		g_byte_array_set_size(bytes, data);
		return;
	}
	struct edit_store store = { .off = index * c->type->size + in_rec, .len = len, .data = data };
	GArray *stores = c->list->stores;
	if (stores->len) {
		struct edit_store *last = &g_array_index(stores, struct edit_store, stores->len - 1);
		if (last->off + last->len == store.off && last->data + last->len == data) {
			last->len += len;
			return;
		}
	}
	g_array_append_val(stores, store);
}

/* The value of F (the whole field, or element ELEM) at *I, parsed into the list's bytes and kept
 * as a store of record INDEX; it must end at a blank or the end of the line. */
static bool parse_value(const struct line_ctx *c, size_t *i, const struct rfield *f, int64_t elem,
			uint64_t index)
{
	bool whole = elem < 0;
	size_t len = whole ? f->elem_size * f->count : f->elem_size;
	GByteArray *bytes = c->list->bytes;
	size_t data = bytes->len;
	g_byte_array_set_size(bytes, data + len);

	size_t used;
	enum value_status st = whole ? value_parse_field(f, c->s + *i, c->n - *i, bytes->data + data, &used)
				     : value_parse_elem(f, c->s + *i, c->n - *i, bytes->data + data, &used);
	if (st != VALUE_OK)
		return value_failed(c, f, whole, *i, *i + used, st);
	*i += used;
	if (*i < c->n && !is_blank(c->s[*i]))
		return fail(c, *i, "unexpected '%c' after the value of '%s'",
			    (unsigned char)c->s[*i] < 0x20 ? '?' : c->s[*i], f->name);
	add_store(c, f, elem, index, data, len);
	return true;
}

/* One FIELD=VALUE at *I of a line for record INDEX: checked and added to the list. */
static bool parse_assignment(const struct line_ctx *c, size_t *i, uint64_t index)
{
	const struct rfield *f = NULL;
	int64_t elem = -1;

	return parse_target(c, i, &f, &elem) && parse_value(c, i, f, elem, index);
}

/* True when the word at I is a field's name, alone or with an element index: no value is. */
static bool starts_with_field(const struct line_ctx *c, size_t i)
{
	char name[RTYPE_MAX_NAME + 1];
	size_t n = 0;
	while (i + n < c->n && !is_blank(c->s[i + n]) && c->s[i + n] != '[' && n < RTYPE_MAX_NAME) {
		name[n] = c->s[i + n];
		n++;
	}
	name[n] = '\0';
	return n && (i + n == c->n || is_blank(c->s[i + n]) || c->s[i + n] == '[') &&
	       !memchr(name, '\0', n) && rtype_field(c->type, name);
}

/* True when the word at I reaches the end of the line and could be the start of a field name. */
static bool may_become_name(const struct line_ctx *c, size_t i)
{
	if (i >= c->n || !(g_ascii_isalpha(c->s[i]) || c->s[i] == '_'))
		return false;
	while (i < c->n && (g_ascii_isalnum(c->s[i]) || c->s[i] == '_'))
		i++;
	return i == c->n;
}

/* A record line as the view prints it, from *I (past the index): every field's value in order,
 * separated by blanks. */
static bool parse_record_line(const struct line_ctx *c, size_t i, uint64_t index)
{
	const struct rtype *t = c->type;
	const struct rfield *f;
	int64_t elem;
	if (starts_with_field(c, i))
		return parse_target(c, &i, &f, &elem); /* "0 Col2 5": a FIELD=VALUE that lost its '=' */
	for (size_t k = 0; k < t->nfields; k++) {
		i = skip_blanks(c, i);
		if (i == c->n)
			return fail(c, i, "the record line ends after %zu of its %zu values (next: '%s')",
				    k, t->nfields, t->fields[k].name);
		if (!parse_value(c, &i, &t->fields[k], -1, index)) {
			if (k == 0 && c->stands && may_become_name(c, i))
				*c->stands = false; /* "0 Co" may go on "l2=5" */
			return false;
		}
	}
	i = skip_blanks(c, i);
	if (i < c->n && c->stands)
		*c->stands = true;
	if (i < c->n)
		return fail(c, i, "more values than the %zu fields of the record", t->nfields);
	return true;
}

/* True when the word at I is a FIELD=... (or FIELD[I]=...) assignment: it has a '=' before its
 * first blank, and does not start as a quoted string does. */
static bool is_assignment(const struct line_ctx *c, size_t i)
{
	if (i < c->n && c->s[i] == '"')
		return false;
	for (; i < c->n && !is_blank(c->s[i]); i++)
		if (c->s[i] == '=')
			return true;
	return false;
}

/* Points C->rec at record INDEX as the segment holds it now (holes read as zeros), reading it
 * and the records after it into the window unless it is there already. */
static bool load_record(struct line_ctx *c, uint64_t index)
{
	struct rec_window *w = c->win;
	size_t size = c->type->size;
	if (!c->m)
		return true;
	if (index < w->first || index - w->first >= w->count) {
		uint64_t n = MIN(MAX(WINDOW_BYTES / size, 1), c->nrecords - index);
		g_byte_array_set_size(w->bytes, (guint)(n * size));
		ssize_t got = map_read(c->m, w->bytes->data, n * size, (off_t)(index * size));
		w->first = index;
		w->count = got < 0 ? 0 : (uint64_t)got / size;
	}
	if (index - w->first < w->count) {
		c->rec = (const char *)w->bytes->data + (index - w->first) * size;
		return true;
	}
	return fail(c, SIZE_MAX, "record %" G_GUINT64_FORMAT " is no longer in the segment (it shrank)",
		    index);
}

/* One line: blank, a '#' comment, INDEX and at least one FIELD=VALUE, or a whole record line. */
static bool parse_line(struct line_ctx *c)
{
	if (c->n && c->s[c->n - 1] == '\r')
		c->n--; /* a line from an editor that ends lines with CR LF */

	size_t i = skip_blanks(c, 0);
	if (i == c->n || c->s[i] == '#')
		return true;

	size_t at = i;
	uint64_t index;
	bool overflow;
	char word[36];
	if (!scan_decimal(c, &i, &index, &overflow) || (i < c->n && !is_blank(c->s[i])))
		return fail(c, at, "expected a record index, not '%s'", word_at(c, at, false, word));
	if (overflow || index >= c->nrecords)
		return fail(c, SIZE_MAX, "index %s is past the last record (%" G_GUINT64_FORMAT " records)",
			    word_at(c, at, false, word), c->nrecords);

	i = skip_blanks(c, i);
	if (i == c->n)
		return fail(c, i, "expected FIELD=VALUE or the record's values after the index");
	if (!load_record(c, index))
		return false;
	if (!is_assignment(c, i))
		return parse_record_line(c, i, index);
	while (i < c->n) {
		if (!parse_assignment(c, &i, index))
			return false;
		i = skip_blanks(c, i);
	}
	return true;
}

static struct edit_list *edit_new(void)
{
	struct edit_list *e = g_new(struct edit_list, 1);
	e->stores = g_array_new(FALSE, FALSE, sizeof(struct edit_store));
	e->bytes = g_byte_array_new();
	return e;
}

/* ---- batches: text that comes in pieces ---- */

struct edit_batch {
	const struct rtype *type;
	struct edit_list *list;
	struct rec_window win; /* line_ctx.win */
	GString *carry;     /* the start of a line whose '\n' has not come yet */
	int line;           /* lines parsed so far */
	bool refused;       /* a line was bad: the batch can only be dropped */
	struct rtype_error refusal;
};

struct edit_batch *edit_batch_new(const struct rtype *t)
{
	struct edit_batch *b = g_new0(struct edit_batch, 1);
	b->type = t;
	b->list = edit_new();
	b->win.bytes = g_byte_array_new();
	b->carry = g_string_new(NULL);
	return b;
}

void edit_batch_free(struct edit_batch *b)
{
	if (!b)
		return;
	edit_free(b->list);
	g_byte_array_free(b->win.bytes, TRUE);
	g_string_free(b->carry, TRUE);
	g_free(b);
}

/* A line was bad: the batch holds nothing from now on, and can only be dropped. */
static void batch_refuse(struct edit_batch *b)
{
	b->refused = true;
	g_array_set_size(b->list->stores, 0);
	g_byte_array_set_size(b->list->bytes, 0);
	g_string_truncate(b->carry, 0);
}

/* Parses the line of LEN bytes at S; on a refusal, keeps the reason and frees what was parsed. */
static bool batch_line(struct edit_batch *b, uint64_t nrecords, struct seg_map *m, const char *s,
		       size_t len)
{
	struct line_ctx c = { .type = b->type, .nrecords = nrecords, .list = b->list,
			      .err = &b->refusal, .line = ++b->line, .s = s, .n = len, .m = m,
			      .win = &b->win };
	if (parse_line(&c))
		return true;
	batch_refuse(b);
	return false;
}

static int batch_refusal(const struct edit_batch *b, struct rtype_error *err)
{
	if (err)
		*err = b->refusal;
	return -EINVAL;
}

int edit_batch_feed(struct edit_batch *b, uint64_t nrecords, struct seg_map *m, const char *text,
		    size_t len, struct rtype_error *err)
{
	size_t pos = 0;
	b->win.count = 0; /* the segment may have changed since the last piece */
	while (!b->refused && pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		if (!nl) {
			g_string_append_len(b->carry, text + pos, (gssize)(len - pos));
			break;
		}
		size_t end = (size_t)(nl - text);
		if (b->carry->len) {
			g_string_append_len(b->carry, text + pos, (gssize)(end - pos));
			batch_line(b, nrecords, m, b->carry->str, b->carry->len);
			g_string_truncate(b->carry, 0);
		} else {
			batch_line(b, nrecords, m, text + pos, end - pos);
		}
		pos = end + 1;
	}
	return b->refused ? batch_refusal(b, err) : 0;
}

int edit_batch_end(struct edit_batch *b, uint64_t nrecords, struct seg_map *m,
		   struct rtype_error *err)
{
	b->win.count = 0;
	if (!b->refused && b->carry->len) {
		g_autofree char *last = g_strndup(b->carry->str, b->carry->len);
		size_t n = b->carry->len;
		g_string_truncate(b->carry, 0);
		batch_line(b, nrecords, m, last, n);
	}
	return b->refused ? batch_refusal(b, err) : 0;
}

/* Whether the refusal ERR of line S (N bytes, perhaps cut short) stands whatever text might
 * follow: the parser said so (STANDS), or it is about a word that has ended (a blank follows it;
 * no string or array is open that a blank could be inside of), or about the index, which a blank
 * has ended. Appending text only ever changes the last word, or adds words. */
static bool refusal_stands(const char *s, size_t n, const struct rtype_error *err, bool stands)
{
	if (stands)
		return true;
	size_t i = 0;
	while (i < n && is_blank(s[i]))
		i++;
	while (i < n && !is_blank(s[i]))
		i++;
	if (err->col == 0)
		return i < n; /* the index (a whole-line refusal is about it) and a blank after it */
	if (memchr(s, '"', n) || memchr(s, '[', n))
		return false;
	for (size_t k = (size_t)err->col - 1; k < n; k++)
		if (is_blank(s[k]))
			return true;
	return false;
}

int edit_batch_check_last(struct edit_batch *b, uint64_t nrecords, struct rtype_error *err)
{
	if (b->refused || !b->carry->len)
		return b->refused ? batch_refusal(b, err) : 0;
	struct edit_list *scratch = edit_new();
	bool stands = false;
	struct line_ctx c = { .type = b->type, .nrecords = nrecords, .list = scratch,
			      .err = &b->refusal, .line = b->line + 1, .s = b->carry->str,
			      .n = b->carry->len, .stands = &stands };
	if (!parse_line(&c) && refusal_stands(c.s, c.n, &b->refusal, stands))
		batch_refuse(b);
	edit_free(scratch);
	return b->refused ? batch_refusal(b, err) : 0;
}

const struct edit_list *edit_batch_list(const struct edit_batch *b)
{
	return b->list;
}

size_t edit_batch_memory(const struct edit_batch *b)
{
	return b->list->stores->len * sizeof(struct edit_store) + b->list->bytes->len + b->carry->len +
	       b->win.bytes->len;
}

struct edit_list *edit_parse(const struct rtype *t, uint64_t nrecords, const char *text, size_t len,
			     struct rtype_error *err)
{
	struct edit_batch *b = edit_batch_new(t);
	struct edit_list *e = NULL;
	if (edit_batch_feed(b, nrecords, NULL, text, len, err) == 0 &&
	    edit_batch_end(b, nrecords, NULL, err) == 0) {
		e = b->list;
		b->list = edit_new();
	}
	edit_batch_free(b);
	return e;
}

/* The end of the last byte any store touches. */
static uint64_t edit_end(const struct edit_list *e)
{
	uint64_t end = 0;
	for (size_t i = 0; i < e->stores->len; i++) {
		const struct edit_store *s = &g_array_index(e->stores, struct edit_store, i);
		if (s->off + s->len > end)
			end = s->off + s->len;
	}
	return end;
}

#define PAGE 4096u

/* Calls FN(LO, HI, CTX) for the byte ranges the stores from MARK on touch, in list order; runs of
 * stores less than a page apart are one range (so a table's worth of stores costs a few calls).
 * Moves MARK past them. Returns 0 or the first error FN returns. */
static int for_each_range(const struct edit_list *e, struct edit_mark *mark,
			  int (*fn)(uint64_t lo, uint64_t hi, void *ctx), void *ctx)
{
	uint64_t lo = 0, hi = 0;
	for (size_t i = mark->index; i < e->stores->len; i++) {
		const struct edit_store *s = &g_array_index(e->stores, struct edit_store, i);
		uint64_t from = s->off + (i == mark->index ? mark->bytes : 0), to = s->off + s->len;
		if (from >= to)
			continue;
		if (hi > lo && from >= lo && from <= hi + PAGE) {
			hi = MAX(hi, to);
			continue;
		}
		int err = hi > lo ? fn(lo, hi, ctx) : 0;
		if (err)
			return err;
		lo = from, hi = to;
	}
	int err = hi > lo ? fn(lo, hi, ctx) : 0;
	if (!err && e->stores->len) {
		mark->index = e->stores->len - 1;
		mark->bytes = g_array_index(e->stores, struct edit_store, mark->index).len;
	}
	return err;
}

/* fallocate of [LO, HI) of the fd at CTX: tmpfs gives back what one call allocated when it fails.
 * A file system without fallocate has nothing to allocate ahead. */
static int allocate_range(uint64_t lo, uint64_t hi, void *ctx)
{
	int fd = *(int *)ctx;
	if (fallocate(fd, FALLOC_FL_KEEP_SIZE, (off_t)lo, (off_t)(hi - lo)) < 0 && errno != EOPNOTSUPP)
		return -errno;
	return 0;
}

struct hole_count {
	int fd;
	uint64_t bytes;
};

/* Adds the bytes of holes in the pages of [LO, HI) to the count at CTX (SEEK_HOLE, SEEK_DATA). */
static int count_holes(uint64_t lo, uint64_t hi, void *ctx)
{
	struct hole_count *hc = ctx;
	lo = lo / PAGE * PAGE;
	hi = (hi + PAGE - 1) / PAGE * PAGE;
	for (off_t pos = (off_t)lo; (uint64_t)pos < hi;) {
		off_t hole = lseek(hc->fd, pos, SEEK_HOLE);
		if (hole < 0)
			return errno == ENXIO ? 0 : -errno; /* past the end: nothing to allocate */
		if ((uint64_t)hole >= hi)
			break;
		off_t data = lseek(hc->fd, hole, SEEK_DATA);
		uint64_t end = data < 0 ? hi : MIN((uint64_t)data, hi);
		if (data < 0 && errno != ENXIO)
			return -errno;
		hc->bytes += end - (uint64_t)hole;
		pos = (off_t)end;
	}
	return 0;
}

int64_t edit_hole_bytes(const struct edit_list *e, int fd, struct edit_mark *mark)
{
	struct hole_count hc = { .fd = fd };
	int err = for_each_range(e, mark, count_holes, &hc);
	return err ? err : (int64_t)hc.bytes;
}

/* Allocates the pages of the segment that the stores touch, so that no store can meet a hole a
 * full tmpfs cannot fill: -ENOSPC then, before any byte changes, instead of part way. */
static int allocate(const struct edit_list *e, int fd)
{
	struct edit_mark all = { 0 };
	return for_each_range(e, &all, allocate_range, &fd);
}

/* A segment that shrank since the edit was parsed is not grown back by it (map_write would):
 * the edit fails whole with -EIO instead. */
int edit_apply(const struct edit_list *e, struct seg_map *m)
{
	struct stat st;

	if (e->stores->len == 0)
		return 0;
	if (fstat(map_fd(m), &st) < 0)
		return -errno;
	if (edit_end(e) > (uint64_t)st.st_size)
		return -EIO;
	int err = allocate(e, map_fd(m));
	if (err)
		return err;
	for (size_t i = 0; i < e->stores->len; i++) {
		const struct edit_store *s = &g_array_index(e->stores, struct edit_store, i);
		ssize_t n = map_store(m, e->bytes->data + s->data, s->len, (off_t)s->off);
		if (n < 0)
			return (int)n;
		if ((size_t)n < s->len)
			return -ENOSPC;
	}
	return 0;
}

size_t edit_count(const struct edit_list *e)
{
	return e->stores->len;
}

void edit_free(struct edit_list *e)
{
	if (!e)
		return;
	g_array_free(e->stores, TRUE);
	g_byte_array_free(e->bytes, TRUE);
	g_free(e);
}
