/* rtype.c - parses a record type declaration (C-like fields, or a struct pasted from a header) into
 * the layout the C compiler would give it, or into a message that says where and why it cannot. */
#include "rtype.h"

#include <glib.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* How it works: a tokenizer (lex) turns the text into words, numbers and punctuation one token at
 * a time, skipping white space and comments; a recursive-descent parser asks for one token of
 * look-ahead and lays each field out as soon as its declarator is complete. The first problem met,
 * in reading order, ends the parse with a message naming its line and column. */


/* ---- the C types we know ---- */

/* Every accepted spelling of a type, words in the canonical order (see canonical_rank). A type
 * written as several words is looked up after sorting its words into that order, so `int unsigned`
 * and `long unsigned int` are found as C allows. Every word of a multi-word spelling is also a
 * spelling of its own, so "is this word part of a type" is a lookup in the same table. */
static const struct type_name {
	const char *name;
	enum rtype_kind kind;
} type_names[] = {
	{ "int8", RT_INT8 },       { "int8_t", RT_INT8 },
	{ "int16", RT_INT16 },     { "int16_t", RT_INT16 },
	{ "int32", RT_INT32 },     { "int32_t", RT_INT32 },
	{ "int64", RT_INT64 },     { "int64_t", RT_INT64 },
	{ "uint8", RT_UINT8 },     { "uint8_t", RT_UINT8 },
	{ "uint16", RT_UINT16 },   { "uint16_t", RT_UINT16 },
	{ "uint32", RT_UINT32 },   { "uint32_t", RT_UINT32 },
	{ "uint64", RT_UINT64 },   { "uint64_t", RT_UINT64 },
	{ "float", RT_FLOAT32 },   { "float32", RT_FLOAT32 },
	{ "double", RT_FLOAT64 },  { "float64", RT_FLOAT64 },
	{ "bool", RT_BOOL },       { "_Bool", RT_BOOL },
	{ "char", RT_CHAR },
	{ "signed char", RT_INT8 },
	{ "unsigned char", RT_UINT8 },
	{ "short", RT_INT16 },     { "short int", RT_INT16 },
	{ "signed short", RT_INT16 }, { "signed short int", RT_INT16 },
	{ "unsigned short", RT_UINT16 }, { "unsigned short int", RT_UINT16 },
	{ "int", RT_INT32 },       { "signed", RT_INT32 },    { "signed int", RT_INT32 },
	{ "unsigned", RT_UINT32 }, { "unsigned int", RT_UINT32 },
	/* x86-64 (LP64): long is 8 bytes, like long long. */
	{ "long", RT_INT64 },      { "long int", RT_INT64 },
	{ "signed long", RT_INT64 }, { "signed long int", RT_INT64 },
	{ "unsigned long", RT_UINT64 }, { "unsigned long int", RT_UINT64 },
	{ "long long", RT_INT64 }, { "long long int", RT_INT64 },
	{ "signed long long", RT_INT64 }, { "signed long long int", RT_INT64 },
	{ "unsigned long long", RT_UINT64 }, { "unsigned long long int", RT_UINT64 },
};

/* Words that may not name a field: C's keywords (the type words among them never get here, the
 * type swallows them). */
static const char *const c_keywords[] = {
	"auto", "break", "case", "continue", "default", "do", "else", "enum", "extern", "for",
	"goto", "if", "inline", "register", "restrict", "return", "sizeof", "static", "struct",
	"switch", "typedef", "union", "void", "while", "_Alignof", "_Atomic", "_Complex",
	"_Generic", "_Imaginary", "_Noreturn", "_Static_assert", "_Thread_local",
};

static size_t kind_size(enum rtype_kind kind)
{
	switch (kind) {
	case RT_INT8: case RT_UINT8: case RT_BOOL: case RT_CHAR:
		return 1;
	case RT_INT16: case RT_UINT16:
		return 2;
	case RT_INT32: case RT_UINT32: case RT_FLOAT32:
		return 4;
	case RT_INT64: case RT_UINT64: case RT_FLOAT64:
		return 8;
	}
	return 1;
}

const char *rtype_kind_name(enum rtype_kind kind)
{
	switch (kind) {
	case RT_INT8: return "int8";
	case RT_INT16: return "int16";
	case RT_INT32: return "int32";
	case RT_INT64: return "int64";
	case RT_UINT8: return "uint8";
	case RT_UINT16: return "uint16";
	case RT_UINT32: return "uint32";
	case RT_UINT64: return "uint64";
	case RT_FLOAT32: return "float32";
	case RT_FLOAT64: return "float64";
	case RT_BOOL: return "bool";
	case RT_CHAR: return "char";
	}
	return "?";
}


/* ---- tokens ---- */

enum tok_kind {
	TOK_END,    /* the end of the declaration */
	TOK_WORD,   /* identifier or keyword: [A-Za-z_][A-Za-z0-9_]* */
	TOK_NUMBER, /* [0-9][A-Za-z0-9_]*: checked only where a number is wanted */
	TOK_PUNCT,  /* one ASCII punctuation character */
};

struct token {
	enum tok_kind kind;
	const char *text; /* points into the declaration; LEN bytes, not NUL-terminated */
	size_t len;
	int line, col;
};

struct parser {
	const char *p;           /* the tokenizer's position */
	const char *line_start;  /* first byte of the line P is on */
	int line;
	struct token tok;        /* the look-ahead: next token, not yet consumed */
	struct rtype_error *err; /* may be NULL */
	GArray *fields;          /* of struct rfield; the names are owned */
	GHashTable *names;       /* the names in FIELDS (borrowed), to catch duplicates */
	size_t size;             /* end of the last field laid out */
	size_t align;            /* largest alignment so far */
};

static bool tok_is(const struct token *t, const char *text)
{
	return t->kind != TOK_END && t->len == strlen(text) && memcmp(t->text, text, t->len) == 0;
}

static bool tok_is_punct(const struct token *t, char c)
{
	return t->kind == TOK_PUNCT && t->text[0] == c;
}

/* TEXT between quotes for a message, cut short so that a 10 kB identifier cannot crowd out the
 * rest (the message has 200 bytes). Tokens are printable ASCII by construction. */
#define QUOTE_MAX 40
struct quoted {
	char s[QUOTE_MAX + 8];
};

static struct quoted quote_text(const char *text, size_t len)
{
	struct quoted q;
	if (len > QUOTE_MAX)
		snprintf(q.s, sizeof q.s, "'%.*s...'", QUOTE_MAX, text);
	else
		snprintf(q.s, sizeof q.s, "'%.*s'", (int)len, text);
	return q;
}

/* How a message names a token: quoted, or "the end". */
static struct quoted describe(const struct token *t)
{
	if (t->kind == TOK_END) {
		struct quoted q;
		snprintf(q.s, sizeof q.s, "the end");
		return q;
	}
	return quote_text(t->text, t->len);
}


/* ---- errors ---- */

void rtype_error_vset(struct rtype_error *err, int line, int col, const char *fmt, va_list ap)
{
	int n = col ? snprintf(err->msg, sizeof err->msg, "line %d, col %d: ", line, col)
		    : snprintf(err->msg, sizeof err->msg, "line %d: ", line);
	err->line = line;
	err->col = col;
	vsnprintf(err->msg + n, sizeof err->msg - (size_t)n, fmt, ap);
}

/* Records "line L, col C: WHAT" in ps->err and returns false, so callers can `return fail(...)`. */
G_GNUC_PRINTF(4, 5)
static bool fail_at(struct parser *ps, int line, int col, const char *fmt, ...)
{
	if (!ps->err)
		return false;
	va_list ap;
	va_start(ap, fmt);
	rtype_error_vset(ps->err, line, col, fmt, ap);
	va_end(ap);
	return false;
}

#define fail(ps, tok, ...) fail_at((ps), (tok)->line, (tok)->col, __VA_ARGS__)


/* ---- the tokenizer ---- */

/* The column of byte AT, 1-based, saturated (a line longer than INT_MAX is absurd, not UB). */
static int column_of(const struct parser *ps, const char *at)
{
	ptrdiff_t c = at - ps->line_start + 1;
	return c > INT_MAX ? INT_MAX : (int)c;
}

static void new_line(struct parser *ps, const char *after_newline)
{
	if (ps->line < INT_MAX)
		ps->line++;
	ps->line_start = after_newline;
}

/* Skips white space and comments. False (with the error) on a comment that never ends. */
static bool skip_blanks(struct parser *ps)
{
	for (;;) {
		const char *p = ps->p;
		if (*p == '\n') {
			new_line(ps, p + 1);
			ps->p = p + 1;
		} else if (g_ascii_isspace(*p)) {
			ps->p = p + 1;
		} else if (p[0] == '/' && p[1] == '/') {
			/* Up to the newline, which the next round counts. */
			while (*p && *p != '\n')
				p++;
			ps->p = p;
		} else if (p[0] == '/' && p[1] == '*') {
			int line = ps->line, col = column_of(ps, p);
			for (p += 2; *p && !(p[0] == '*' && p[1] == '/'); p++)
				if (*p == '\n')
					new_line(ps, p + 1);
			if (!*p)
				return fail_at(ps, line, col, "unterminated comment");
			ps->p = p + 2;
		} else {
			return true;
		}
	}
}

static bool is_word_char(char c)
{
	return g_ascii_isalnum(c) || c == '_';
}

/* Attributes and alignment specifiers change the layout, so we refuse them by name rather than
 * let them be misread as field names (or silently give wrong offsets). */
static bool is_layout_changer(const struct token *t)
{
	return tok_is(t, "__attribute__") || tok_is(t, "__attribute") || tok_is(t, "_Alignas") ||
	       tok_is(t, "alignas") || tok_is(t, "__declspec");
}

/* Reads the next token into ps->tok. */
static bool advance(struct parser *ps)
{
	if (!skip_blanks(ps))
		return false;
	const char *p = ps->p;
	struct token *t = &ps->tok;
	t->text = p;
	t->line = ps->line;
	t->col = column_of(ps, p);
	if (!*p) {
		t->kind = TOK_END;
		t->len = 0;
		return true;
	}
	if (g_ascii_isalpha(*p) || *p == '_' || g_ascii_isdigit(*p)) {
		t->kind = g_ascii_isdigit(*p) ? TOK_NUMBER : TOK_WORD;
		while (is_word_char(*p))
			p++;
	} else if (g_ascii_ispunct(*p)) {
		t->kind = TOK_PUNCT;
		p++;
	} else {
		return fail(ps, t, "unexpected byte 0x%02x", (unsigned char)*p);
	}
	t->len = (size_t)(p - t->text);
	ps->p = p;
	if (is_layout_changer(t))
		return fail(ps, t, "%s is not supported", describe(t).s);
	return true;
}


/* ---- types ---- */

struct ctype {
	enum rtype_kind kind;
	size_t size;
	char spelling[64]; /* the type words as written, for messages: "unsigned long long" */
};

static const struct type_name *lookup_type(const char *text, size_t len)
{
	for (size_t i = 0; i < G_N_ELEMENTS(type_names); i++)
		if (strlen(type_names[i].name) == len && memcmp(type_names[i].name, text, len) == 0)
			return &type_names[i];
	return NULL;
}

/* A word that can be part of a type: `unsigned`, `long`, `int64_t`... */
static const struct type_name *type_word(const struct token *t)
{
	return t->kind == TOK_WORD ? lookup_type(t->text, t->len) : NULL;
}

static bool is_qualifier(const struct token *t)
{
	return tok_is(t, "const") || tok_is(t, "volatile");
}

static bool is_keyword(const struct token *t)
{
	for (size_t i = 0; i < G_N_ELEMENTS(c_keywords); i++)
		if (tok_is(t, c_keywords[i]))
			return true;
	return type_word(t) || is_qualifier(t);
}

/* Sign words first, then size words, then the rest: the order of type_names' spellings. */
static int canonical_rank(const char *word)
{
	if (!strcmp(word, "signed") || !strcmp(word, "unsigned"))
		return 0;
	if (!strcmp(word, "short") || !strcmp(word, "long"))
		return 1;
	return 2;
}

/* Reads the type words at ps->tok (with any const/volatile among them) and resolves them. */
#define MAX_TYPE_WORDS 6
static bool parse_type(struct parser *ps, struct ctype *type)
{
	const char *words[MAX_TYPE_WORDS];
	size_t n = 0;
	bool too_many = false;
	struct token first = ps->tok;

	type->spelling[0] = '\0';
	for (;;) {
		const struct type_name *w = type_word(&ps->tok);
		if (w) {
			if (n < MAX_TYPE_WORDS)
				words[n++] = w->name;
			else
				too_many = true;
			if (type->spelling[0])
				g_strlcat(type->spelling, " ", sizeof type->spelling);
			g_strlcat(type->spelling, w->name, sizeof type->spelling);
		} else if (!is_qualifier(&ps->tok)) {
			break;
		}
		if (!advance(ps))
			return false;
	}

	/* Stable insertion sort into canonical order, then one lookup of the joined words. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && canonical_rank(words[j - 1]) > canonical_rank(words[j]); j--) {
			const char *w = words[j];
			words[j] = words[j - 1];
			words[j - 1] = w;
		}
	char canonical[64] = "";
	for (size_t i = 0; i < n; i++) {
		if (i)
			g_strlcat(canonical, " ", sizeof canonical);
		g_strlcat(canonical, words[i], sizeof canonical);
	}
	const struct type_name *found = too_many ? NULL : lookup_type(canonical, strlen(canonical));
	if (!found) {
		if (!strcmp(canonical, "long double"))
			return fail(ps, &first, "long double is not supported");
		return fail(ps, &first, "unknown type '%s'", type->spelling);
	}
	type->kind = found->kind;
	type->size = kind_size(found->kind);
	return true;
}


/* ---- fields and their layout ---- */

static size_t round_up(size_t n, size_t align)
{
	return (n + align - 1) / align * align;
}

/* Lays out field NAME (the token) of TYPE, COUNT elements, at the next aligned offset. COUNT is
 * already at most RTYPE_MAX_SIZE / size and ps->size at most RTYPE_MAX_SIZE, so nothing here can
 * overflow. */
static bool add_field(struct parser *ps, const struct token *name, const struct ctype *type,
		      size_t count, bool is_array, bool hex)
{
	if (ps->fields->len >= RTYPE_MAX_FIELDS)
		return fail(ps, name, "more than %d fields", RTYPE_MAX_FIELDS);
	char *s = g_strndup(name->text, name->len);
	if (g_hash_table_contains(ps->names, s)) {
		g_free(s);
		return fail(ps, name, "duplicate field %s", describe(name).s);
	}
	size_t offset = round_up(ps->size, type->size);
	size_t end = offset + type->size * count;
	if (end > RTYPE_MAX_SIZE) {
		g_free(s);
		return fail(ps, name, "record larger than %u bytes", RTYPE_MAX_SIZE);
	}
	struct rfield f = {
		.name = s,
		.kind = type->kind,
		.elem_size = type->size,
		.count = count,
		.offset = offset,
		.is_string = type->kind == RT_CHAR && is_array,
		.hex = hex,
	};
	g_array_append_val(ps->fields, f);
	g_hash_table_add(ps->names, s);
	ps->size = end;
	ps->align = MAX(ps->align, type->size);
	return true;
}

/* The N of `[N]`, at ps->tok: a C integer constant (decimal, 0x hex or 0 octal, with an optional
 * u/l suffix), 1 <= N <= MAX. */
static bool parse_array_length(struct parser *ps, size_t max, size_t *count)
{
	const struct token *t = &ps->tok;
	if (t->kind != TOK_NUMBER)
		return fail(ps, t, "expected an array length, found %s", describe(t).s);

	size_t len = t->len, i = 0;
	while (len > 1 && strchr("uUlL", t->text[len - 1]))
		len--;
	unsigned base = 10;
	if (len > 2 && t->text[0] == '0' && (t->text[1] == 'x' || t->text[1] == 'X'))
		base = 16, i = 2;
	else if (len > 1 && t->text[0] == '0')
		base = 8, i = 1;

	/* Saturates just past any valid length, so a 100-digit N is "too large", not a wrap. */
	size_t n = 0;
	for (; i < len; i++) {
		int d = g_ascii_xdigit_value(t->text[i]);
		if (d < 0 || (unsigned)d >= base)
			return fail(ps, t, "bad array length %s", describe(t).s);
		n = n > RTYPE_MAX_SIZE ? n : n * base + (unsigned)d;
	}
	if (n < 1 || n > max)
		return fail(ps, t, "array length must be between 1 and %zu", max);
	*count = n;
	return true;
}

/* One declarator after the type: `NAME`, `NAME[N]`, either with `: hex`. AFTER is what came
 * before it (the type, or a ','), for the message when the name is missing. */
static bool parse_declarator(struct parser *ps, const struct ctype *type, const char *after,
			     struct token *name)
{
	if (tok_is_punct(&ps->tok, '*'))
		return fail(ps, &ps->tok, "pointers are not supported");
	if (tok_is_punct(&ps->tok, '('))
		return fail(ps, &ps->tok, "function pointers are not supported");
	if (ps->tok.kind != TOK_WORD || is_keyword(&ps->tok))
		return fail(ps, &ps->tok, "expected a field name after '%s'", after);
	*name = ps->tok;
	if (name->len > RTYPE_MAX_NAME)
		return fail(ps, name, "field name %s is longer than %d bytes", describe(name).s,
			    RTYPE_MAX_NAME);
	if (!advance(ps))
		return false;

	size_t count = 1;
	bool is_array = tok_is_punct(&ps->tok, '[');
	if (is_array) {
		if (!advance(ps) || !parse_array_length(ps, RTYPE_MAX_SIZE / type->size, &count) ||
		    !advance(ps))
			return false;
		if (!tok_is_punct(&ps->tok, ']'))
			return fail(ps, &ps->tok, "expected ']' after the array length, found %s",
				    describe(&ps->tok).s);
		if (!advance(ps))
			return false;
		if (tok_is_punct(&ps->tok, '['))
			return fail(ps, &ps->tok, "multi-dimensional arrays are not supported");
	}

	bool hex = false;
	if (tok_is_punct(&ps->tok, ':')) {
		struct token colon = ps->tok;
		if (!advance(ps))
			return false;
		if (ps->tok.kind == TOK_NUMBER)
			return fail(ps, &colon, "bit-fields are not supported");
		if (!tok_is(&ps->tok, "hex"))
			return fail(ps, &ps->tok, "expected 'hex' after ':', found %s",
				    describe(&ps->tok).s);
		/* `char s[8] : hex` is a string and `double d : hex` a float: hex shows integers. */
		if (!rtype_kind_is_int(type->kind))
			return fail(ps, &ps->tok, "hex is for integer fields, not '%s'", type->spelling);
		hex = true;
		if (!advance(ps))
			return false;
	}
	return add_field(ps, name, type, count, is_array, hex);
}

/* A field declaration: `[const] TYPE declarator [, declarator]... ;`. The ';' may be left out
 * before a '}' or the end. */
static bool parse_field_decl(struct parser *ps)
{
	while (is_qualifier(&ps->tok))
		if (!advance(ps))
			return false;
	const struct token *t = &ps->tok;
	if (tok_is(t, "struct"))
		return fail(ps, t, "nested structs are not supported");
	if (tok_is(t, "union"))
		return fail(ps, t, "unions are not supported");
	if (tok_is(t, "enum"))
		return fail(ps, t, "enums are not supported");
	if (t->kind == TOK_WORD && !type_word(t))
		return fail(ps, t, "unknown type %s", describe(t).s);
	if (t->kind != TOK_WORD)
		return fail(ps, t, "expected a field type, found %s", describe(t).s);

	struct ctype type;
	if (!parse_type(ps, &type))
		return false;
	const char *after = type.spelling;
	for (;;) {
		struct token name;
		if (!parse_declarator(ps, &type, after, &name))
			return false;
		if (tok_is_punct(&ps->tok, ','))
			after = ",";
		else if (tok_is_punct(&ps->tok, ';'))
			return advance(ps);
		else if (tok_is_punct(&ps->tok, '}') || ps->tok.kind == TOK_END)
			return true;
		else
			return fail(ps, &ps->tok, "expected ';' or ',' after %s", describe(&name).s);
		if (!advance(ps))
			return false;
	}
}

/* Field declarations up to a '}' or the end (stray ';' are let through, as compilers do). */
static bool parse_fields(struct parser *ps)
{
	while (ps->tok.kind != TOK_END && !tok_is_punct(&ps->tok, '}')) {
		if (tok_is_punct(&ps->tok, ';')) {
			if (!advance(ps))
				return false;
		} else if (!parse_field_decl(ps)) {
			return false;
		}
	}
	if (ps->fields->len == 0)
		return fail(ps, &ps->tok, "no fields declared");
	return true;
}

/* `struct [X] { fields };` or `typedef struct [X] { fields } Y;`, at ps->tok. */
static bool parse_wrapper(struct parser *ps)
{
	bool is_typedef = tok_is(&ps->tok, "typedef");
	if (is_typedef) {
		if (!advance(ps))
			return false;
		if (tok_is(&ps->tok, "union"))
			return fail(ps, &ps->tok, "unions are not supported");
		if (!tok_is(&ps->tok, "struct"))
			return fail(ps, &ps->tok, "expected 'struct' after 'typedef', found %s",
				    describe(&ps->tok).s);
	}
	struct token kw = ps->tok;
	if (!advance(ps))
		return false;
	if (ps->tok.kind == TOK_WORD && !is_keyword(&ps->tok) && !advance(ps))
		return false;
	if (!tok_is_punct(&ps->tok, '{')) {
		/* At the top, `struct X x;` is a field of another struct's type. */
		if (!is_typedef)
			return fail(ps, &kw, "nested structs are not supported");
		return fail(ps, &ps->tok, "expected '{' after 'struct', found %s",
			    describe(&ps->tok).s);
	}
	if (!advance(ps) || !parse_fields(ps))
		return false;
	if (!tok_is_punct(&ps->tok, '}'))
		return fail(ps, &ps->tok, "missing '}' at the end of the struct");
	if (!advance(ps))
		return false;
	if (is_typedef) {
		if (ps->tok.kind != TOK_WORD || is_keyword(&ps->tok))
			return fail(ps, &ps->tok, "expected a type name after '}', found %s",
				    describe(&ps->tok).s);
		if (!advance(ps))
			return false;
	}
	while (tok_is_punct(&ps->tok, ';'))
		if (!advance(ps))
			return false;
	if (ps->tok.kind != TOK_END)
		return fail(ps, &ps->tok, "unexpected %s after the struct", describe(&ps->tok).s);
	return true;
}

/* The whole declaration: a wrapped struct, or bare fields. */
static bool parse_decl(struct parser *ps)
{
	if (!advance(ps))
		return false;
	if (tok_is(&ps->tok, "typedef") || tok_is(&ps->tok, "struct"))
		return parse_wrapper(ps);
	if (!parse_fields(ps))
		return false;
	if (ps->tok.kind != TOK_END)
		return fail(ps, &ps->tok, "unexpected %s", describe(&ps->tok).s);
	return true;
}


/* ---- the interface ---- */

static void clear_field(void *p)
{
	g_free(((struct rfield *)p)->name);
}

struct rtype *rtype_parse(const char *decl, struct rtype_error *err)
{
	struct parser ps = {
		.p = decl ? decl : "",
		.line = 1,
		.err = err,
		.fields = g_array_new(FALSE, TRUE, sizeof(struct rfield)),
		.names = g_hash_table_new(g_str_hash, g_str_equal),
		.align = 1,
	};
	ps.line_start = ps.p;
	g_array_set_clear_func(ps.fields, clear_field);

	bool ok = parse_decl(&ps);
	g_hash_table_destroy(ps.names);
	if (!ok) {
		g_array_free(ps.fields, TRUE);
		return NULL;
	}
	struct rtype *t = g_new0(struct rtype, 1);
	t->nfields = ps.fields->len;
	g_array_set_clear_func(ps.fields, NULL);
	t->fields = (struct rfield *)(void *)g_array_free(ps.fields, FALSE);
	t->align = ps.align;
	t->size = round_up(ps.size, ps.align);
	return t;
}

void rtype_free(struct rtype *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nfields; i++)
		g_free(t->fields[i].name);
	g_free(t->fields);
	g_free(t);
}

const struct rfield *rtype_field(const struct rtype *t, const char *name)
{
	if (!t || !name)
		return NULL;
	for (size_t i = 0; i < t->nfields; i++)
		if (!strcmp(t->fields[i].name, name))
			return &t->fields[i];
	return NULL;
}
