/* edit.c - edits written into a view ("INDEX FIELD=VALUE ..."), parsed whole into a list of stores
 * before any byte is written, so one bad line leaves the segment as it was. */
#include "edit.h"

#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
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

/* What parsing one line needs to know and fill in. */
struct line_ctx {
	const struct rtype *type;
	uint64_t nrecords;
	struct edit_list *list;
	struct rtype_error *err;
	int line;
	const char *s;      /* the line, without its '\n' */
	size_t n;
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
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (!c->err)
		return false;
	c->err->line = c->line;
	c->err->col = i == SIZE_MAX ? 0 : (int)(i + 1 > INT32_MAX ? INT32_MAX : i + 1);
	if (i == SIZE_MAX)
		snprintf(c->err->msg, sizeof c->err->msg, "line %d: %s", c->line, what);
	else
		snprintf(c->err->msg, sizeof c->err->msg, "line %d, col %d: %s", c->line, c->err->col, what);
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

/* The message for a value of F (the whole field or one element) that did not parse: ST at byte AT
 * of the line, in the value that starts at byte START. A bad number is named by its own kind. */
static bool value_failed(const struct line_ctx *c, const struct rfield *f, bool whole, size_t start,
			 size_t at, enum value_status st)
{
	char word[36], kind[48];
	bool in_array = whole && start < c->n && c->s[start] == '[';

	kind_text(f, whole, kind);
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

/* One FIELD=VALUE at *I of a line for record INDEX: checked and added to the list. */
static bool parse_assignment(const struct line_ctx *c, size_t *i, uint64_t index)
{
	const struct rfield *f = NULL;
	int64_t elem = -1;

	if (!parse_target(c, i, &f, &elem))
		return false;

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

	struct edit_store store = {
		.off = index * c->type->size + f->offset + (whole ? 0 : (uint64_t)elem * f->elem_size),
		.len = len,
		.data = data,
	};
	g_array_append_val(c->list->stores, store);
	return true;
}

/* One line: blank, a '#' comment, or INDEX and at least one FIELD=VALUE. */
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
		return fail(c, i, "expected FIELD=VALUE after the index");
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

struct edit_list *edit_parse(const struct rtype *t, uint64_t nrecords, const char *text, size_t len,
			     struct rtype_error *err)
{
	struct edit_list *e = edit_new();
	struct line_ctx c = { .type = t, .nrecords = nrecords, .list = e, .err = err };
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		c.line++;
		c.s = text + pos;
		c.n = end - pos;
		if (!parse_line(&c)) {
			edit_free(e);
			return NULL;
		}
		pos = end + 1;
	}
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
	for (size_t i = 0; i < e->stores->len; i++) {
		const struct edit_store *s = &g_array_index(e->stores, struct edit_store, i);
		ssize_t n = map_write(m, e->bytes->data + s->data, s->len, (off_t)s->off);
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
