/* lib_rtype_test.c - Check unit tests of lib/rtype.h: layouts checked against the C compiler's own
 * structs, the exact error messages, lookups, hex hints and the limits. */
#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "lib_fixture.h"
#include "rtype.h"

/* The declaration language's own type names, so that one text can be both a C struct here and a
 * declaration for rtype_parse. */
typedef int8_t int8;
typedef int16_t int16;
typedef int32_t int32;
typedef int64_t int64;
typedef uint8_t uint8;
typedef uint16_t uint16;
typedef uint32_t uint32;
typedef uint64_t uint64;
typedef float float32;
typedef double float64;


/* ---- layouts against the compiler ---- */

/* LAYOUT(s, fields) declares `struct s { fields }` and the string s_decl with the very same
 * text (the # operator does not expand macros, so `bool` stays `bool`). */
#define LAYOUT(s, ...)         \
	struct s { __VA_ARGS__ }; \
	static const char s##_decl[] = #__VA_ARGS__;

struct member {
	const char *name;
	size_t offset, size;
};

struct layout_case {
	const char *label;
	const char *decl;
	size_t size, align;
	const struct member *members; /* ends with a NULL name */
};

#define M(T, m) { #m, offsetof(T, m), sizeof(((T *)0)->m) }
#define CASE(T, decl, ...) \
	{ #T, decl, sizeof(T), _Alignof(T), (const struct member[]){ __VA_ARGS__, { NULL, 0, 0 } } }

LAYOUT(l_seed, int64 Col1; int64 Col2; int64 Col3;)
LAYOUT(l_char_double, char c; double d;)
LAYOUT(l_chararr_int, char name[5]; int n;)
LAYOUT(l_bools, bool flags[3]; int64 t; bool last;)
LAYOUT(l_u16_after_char, char c; uint16 u; uint32 w; char z;)
LAYOUT(l_trailing, int64 a; char b;)
LAYOUT(l_doubles, double v[4]; char tag; double w[2];)
LAYOUT(l_c_ints, short s; int i; long l; long long ll; unsigned short us; unsigned u;
       unsigned long ul; unsigned long long ull; signed char sc; char c2; unsigned char uc;)
LAYOUT(l_stdint, int8_t a; int16_t b; int32_t c; int64_t d; uint8_t e; uint16_t f; uint32_t g;
       uint64_t h; int8_t last;)
LAYOUT(l_float_after_chars, char s[3]; float f;)
LAYOUT(l_multi, int a, b[3], c; char x, y; double z;)
LAYOUT(l_floats, float32 a; float64 b; float c; uint8 d;)
LAYOUT(l_long_forms, unsigned char u[3]; short int si; long int li; signed short int ssi;
       unsigned long int uli; long long int lli; unsigned long long int ulli; signed s;
       signed int si2; unsigned int ui; unsigned short int usi;)
LAYOUT(l_qualifiers, const int a; volatile char b; const volatile uint64 c; int const d;)
LAYOUT(l_one_char, char one;)
LAYOUT(l_u16_array, uint16 a[3]; char b;)
LAYOUT(l_mixed, _Bool b; int32 i[5]; char c[7]; int16 s;)
LAYOUT(l_word_order, int unsigned a; long unsigned int b; char c; long long int d; short unsigned e;)
LAYOUT(l_int8_arrays, signed char sc[3]; unsigned char uc[2]; int8 i8[3]; uint8 u8; int16 after;)

/* The wrapper forms, and comments, which the preprocessor would strip from a LAYOUT. */
struct l_wrapped { int64_t Col1; char tag; int32_t n[2]; };
static const char l_wrapped_decl[] = "struct l_wrapped { int64_t Col1; char tag; int32_t n[2]; };";

typedef struct { uint8_t kind; double value; uint16_t flags[3]; } l_typedef_t;
static const char l_typedef_decl[] =
	"typedef struct { uint8_t kind; double value; uint16_t flags[3]; } l_typedef_t;";

typedef struct l_tagged { char a; long b; char c[9]; } l_tagged_t;
static const char l_tagged_decl[] =
	"typedef struct l_tagged {\n\tchar a;\n\tlong b;\n\tchar c[9];\n} l_tagged_t;\n";

struct l_commented {
	int64_t id; /* the key */
	// a line comment
	char name[13];
	double price; /* spans
	                 lines */
	bool sold;
};
static const char l_commented_decl[] =
	"struct l_commented {\n"
	"\tint64_t id; /* the key */\n"
	"\t// a line comment\n"
	"\tchar name[13];\n"
	"\tdouble price; /* spans\n"
	"\t                 lines */\n"
	"\tbool sold;\n"
	"};\n";

static const struct layout_case layout_cases[] = {
	CASE(struct l_seed, l_seed_decl, M(struct l_seed, Col1), M(struct l_seed, Col2),
	     M(struct l_seed, Col3)),
	CASE(struct l_char_double, l_char_double_decl, M(struct l_char_double, c),
	     M(struct l_char_double, d)),
	CASE(struct l_chararr_int, l_chararr_int_decl, M(struct l_chararr_int, name),
	     M(struct l_chararr_int, n)),
	CASE(struct l_bools, l_bools_decl, M(struct l_bools, flags), M(struct l_bools, t),
	     M(struct l_bools, last)),
	CASE(struct l_u16_after_char, l_u16_after_char_decl, M(struct l_u16_after_char, c),
	     M(struct l_u16_after_char, u), M(struct l_u16_after_char, w),
	     M(struct l_u16_after_char, z)),
	CASE(struct l_trailing, l_trailing_decl, M(struct l_trailing, a), M(struct l_trailing, b)),
	CASE(struct l_doubles, l_doubles_decl, M(struct l_doubles, v), M(struct l_doubles, tag),
	     M(struct l_doubles, w)),
	CASE(struct l_c_ints, l_c_ints_decl, M(struct l_c_ints, s), M(struct l_c_ints, i),
	     M(struct l_c_ints, l), M(struct l_c_ints, ll), M(struct l_c_ints, us),
	     M(struct l_c_ints, u), M(struct l_c_ints, ul), M(struct l_c_ints, ull),
	     M(struct l_c_ints, sc), M(struct l_c_ints, c2), M(struct l_c_ints, uc)),
	CASE(struct l_stdint, l_stdint_decl, M(struct l_stdint, a), M(struct l_stdint, b),
	     M(struct l_stdint, c), M(struct l_stdint, d), M(struct l_stdint, e),
	     M(struct l_stdint, f), M(struct l_stdint, g), M(struct l_stdint, h),
	     M(struct l_stdint, last)),
	CASE(struct l_float_after_chars, l_float_after_chars_decl,
	     M(struct l_float_after_chars, s), M(struct l_float_after_chars, f)),
	CASE(struct l_multi, l_multi_decl, M(struct l_multi, a), M(struct l_multi, b),
	     M(struct l_multi, c), M(struct l_multi, x), M(struct l_multi, y),
	     M(struct l_multi, z)),
	CASE(struct l_floats, l_floats_decl, M(struct l_floats, a), M(struct l_floats, b),
	     M(struct l_floats, c), M(struct l_floats, d)),
	CASE(struct l_long_forms, l_long_forms_decl, M(struct l_long_forms, u),
	     M(struct l_long_forms, si), M(struct l_long_forms, li), M(struct l_long_forms, ssi),
	     M(struct l_long_forms, uli), M(struct l_long_forms, lli),
	     M(struct l_long_forms, ulli), M(struct l_long_forms, s), M(struct l_long_forms, si2),
	     M(struct l_long_forms, ui), M(struct l_long_forms, usi)),
	CASE(struct l_qualifiers, l_qualifiers_decl, M(struct l_qualifiers, a),
	     M(struct l_qualifiers, b), M(struct l_qualifiers, c), M(struct l_qualifiers, d)),
	CASE(struct l_one_char, l_one_char_decl, M(struct l_one_char, one)),
	CASE(struct l_u16_array, l_u16_array_decl, M(struct l_u16_array, a),
	     M(struct l_u16_array, b)),
	CASE(struct l_mixed, l_mixed_decl, M(struct l_mixed, b), M(struct l_mixed, i),
	     M(struct l_mixed, c), M(struct l_mixed, s)),
	CASE(struct l_word_order, l_word_order_decl, M(struct l_word_order, a),
	     M(struct l_word_order, b), M(struct l_word_order, c), M(struct l_word_order, d),
	     M(struct l_word_order, e)),
	CASE(struct l_int8_arrays, l_int8_arrays_decl, M(struct l_int8_arrays, sc),
	     M(struct l_int8_arrays, uc), M(struct l_int8_arrays, i8), M(struct l_int8_arrays, u8),
	     M(struct l_int8_arrays, after)),
	CASE(struct l_wrapped, l_wrapped_decl, M(struct l_wrapped, Col1), M(struct l_wrapped, tag),
	     M(struct l_wrapped, n)),
	CASE(l_typedef_t, l_typedef_decl, M(l_typedef_t, kind), M(l_typedef_t, value),
	     M(l_typedef_t, flags)),
	CASE(l_tagged_t, l_tagged_decl, M(l_tagged_t, a), M(l_tagged_t, b), M(l_tagged_t, c)),
	CASE(struct l_commented, l_commented_decl, M(struct l_commented, id),
	     M(struct l_commented, name), M(struct l_commented, price),
	     M(struct l_commented, sold)),
};

static struct rtype *parse_ok(const char *decl)
{
	struct rtype_error err = { 0 };
	struct rtype *t = rtype_parse(decl, &err);
	ck_assert_msg(t != NULL, "%s: %s", decl, err.msg);
	return t;
}

START_TEST(test_layout_matches_compiler)
{
	const struct layout_case *c = &layout_cases[_i];
	struct rtype *t = parse_ok(c->decl);

	size_t n = 0;
	while (c->members[n].name)
		n++;
	ck_assert_msg(t->nfields == n, "%s: %zu fields, want %zu", c->label, t->nfields, n);
	for (size_t i = 0; i < n; i++) {
		const struct member *m = &c->members[i];
		const struct rfield *f = &t->fields[i];
		ck_assert_str_eq(f->name, m->name);
		ck_assert_msg(f->offset == m->offset, "%s.%s: offset %zu, compiler says %zu", c->label,
			      m->name, f->offset, m->offset);
		ck_assert_msg(f->elem_size * f->count == m->size, "%s.%s: %zu x %zu bytes, compiler "
			      "says %zu", c->label, m->name, f->elem_size, f->count, m->size);
		ck_assert_ptr_eq(rtype_field(t, m->name), f);
	}
	ck_assert_msg(t->size == c->size, "%s: size %zu, sizeof %zu", c->label, t->size, c->size);
	ck_assert_msg(t->align == c->align, "%s: align %zu, _Alignof %zu", c->label, t->align,
		      c->align);
	rtype_free(t);
}
END_TEST

/* The kinds the C names map to, and which char arrays are strings. */
START_TEST(test_kinds)
{
	static const struct {
		const char *decl;
		enum rtype_kind kind;
		size_t elem_size, count;
		bool is_string;
	} cases[] = {
		{ "int8 x", RT_INT8, 1, 1, false },
		{ "int16_t x", RT_INT16, 2, 1, false },
		{ "int32 x", RT_INT32, 4, 1, false },
		{ "int64_t x", RT_INT64, 8, 1, false },
		{ "uint8_t x", RT_UINT8, 1, 1, false },
		{ "uint16 x", RT_UINT16, 2, 1, false },
		{ "uint32_t x", RT_UINT32, 4, 1, false },
		{ "uint64 x", RT_UINT64, 8, 1, false },
		{ "float x", RT_FLOAT32, 4, 1, false },
		{ "float32 x", RT_FLOAT32, 4, 1, false },
		{ "double x", RT_FLOAT64, 8, 1, false },
		{ "float64 x[2]", RT_FLOAT64, 8, 2, false },
		{ "bool x", RT_BOOL, 1, 1, false },
		{ "_Bool x[4]", RT_BOOL, 1, 4, false },
		{ "char x", RT_CHAR, 1, 1, false },
		{ "char x[1]", RT_CHAR, 1, 1, true },
		{ "char x[16]", RT_CHAR, 1, 16, true },
		{ "const char x[16]", RT_CHAR, 1, 16, true },
		{ "signed char x[16]", RT_INT8, 1, 16, false },
		{ "unsigned char x[16]", RT_UINT8, 1, 16, false },
		{ "int8_t x[16]", RT_INT8, 1, 16, false },
		{ "uint8 x[16]", RT_UINT8, 1, 16, false },
		{ "short x", RT_INT16, 2, 1, false },
		{ "unsigned short x", RT_UINT16, 2, 1, false },
		{ "int x", RT_INT32, 4, 1, false },
		{ "signed x", RT_INT32, 4, 1, false },
		{ "unsigned x", RT_UINT32, 4, 1, false },
		{ "long x", RT_INT64, 8, 1, false },
		{ "unsigned long x", RT_UINT64, 8, 1, false },
		{ "long long x", RT_INT64, 8, 1, false },
		{ "unsigned long long int x", RT_UINT64, 8, 1, false },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct rtype *t = parse_ok(cases[i].decl);
		ck_assert_uint_eq(t->nfields, 1);
		const struct rfield *f = &t->fields[0];
		ck_assert_str_eq(f->name, "x");
		ck_assert_msg(f->kind == cases[i].kind, "%s: kind %s", cases[i].decl,
			      rtype_kind_name(f->kind));
		ck_assert_uint_eq(f->elem_size, cases[i].elem_size);
		ck_assert_uint_eq(f->count, cases[i].count);
		ck_assert_msg(f->is_string == cases[i].is_string, "%s: is_string %d", cases[i].decl,
			      f->is_string);
		ck_assert(!f->hex);
		ck_assert_uint_eq(t->size, cases[i].elem_size * cases[i].count);
		rtype_free(t);
	}
}
END_TEST

/* White space, separators and comments anywhere; the last ';' optional. */
START_TEST(test_syntax_variants)
{
	static const char *const same[] = {
		"int64 a; int32 b",
		"int64 a; int32 b;",
		"int64 a;;; int32 b;;",
		"  int64\ta ;\n\n int32   b  ;  \n",
		"int64 a,\n b_unused_never; ",
		"/* lead */ int64 /* mid */ a; // tail\nint32 b // no semicolon",
		"struct S { int64 a; int32 b; };",
		"struct { int64 a; int32 b };",
		"struct S { int64 a; int32 b; }",
		"typedef struct { int64 a; int32 b; } S;",
		"typedef struct S { int64 a; int32 b; } S",
		"\r\nint64 a;\r\nint32 b;\r\n",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(same); i++) {
		struct rtype *t = parse_ok(same[i]);
		ck_assert_str_eq(t->fields[0].name, "a");
		ck_assert_uint_eq(t->fields[0].offset, 0);
		ck_assert_uint_eq(t->fields[1].offset, 8);
		if (i != 4) {
			ck_assert_uint_eq(t->nfields, 2);
			ck_assert_str_eq(t->fields[1].name, "b");
			ck_assert_uint_eq(t->size, 16);
		}
		rtype_free(t);
	}
}
END_TEST


/* ---- errors ---- */

static void assert_error(const char *decl, const char *want)
{
	struct rtype_error err;
	memset(&err, 0x5a, sizeof err);
	struct rtype *t = rtype_parse(decl, &err);
	ck_assert_msg(t == NULL, "'%s' parsed, expected: %s", decl, want);
	ck_assert_msg(strcmp(err.msg, want) == 0, "'%s':\n  got  %s\n  want %s", decl, err.msg,
		      want);
	/* line and col agree with the text. */
	char prefix[64];
	snprintf(prefix, sizeof prefix, "line %d, col %d: ", err.line, err.col);
	ck_assert_msg(g_str_has_prefix(err.msg, prefix), "%s: line %d col %d", err.msg, err.line,
		      err.col);
	/* No ERR: still refused, and nothing touched. */
	ck_assert_ptr_null(rtype_parse(decl, NULL));
}

START_TEST(test_errors)
{
	static const char *const cases[][2] = {
		{ "int65 x", "line 1, col 1: unknown type 'int65'" },
		{ "int64 a;\nint64 b;\n  int65 c;", "line 3, col 3: unknown type 'int65'" },
		{ "int64 a;\n\tfoo b", "line 2, col 2: unknown type 'foo'" },
		{ "unsigned int64 x", "line 1, col 1: unknown type 'unsigned int64'" },
		{ "const short char x", "line 1, col 7: unknown type 'short char'" },
		{ "int64", "line 1, col 6: expected a field name after 'int64'" },
		{ "int64;", "line 1, col 6: expected a field name after 'int64'" },
		{ "unsigned long long ;", "line 1, col 20: expected a field name after 'unsigned long long'" },
		{ "int64 a, ;", "line 1, col 10: expected a field name after ','" },
		{ "int64 struct;", "line 1, col 7: expected a field name after 'int64'" },
		{ "int64 Col1; int64 Col1", "line 1, col 19: duplicate field 'Col1'" },
		{ "int64 Col1, Col2,\n Col1", "line 2, col 2: duplicate field 'Col1'" },
		{ "char s[0]", "line 1, col 8: array length must be between 1 and 1048576" },
		{ "int64 a[131073]", "line 1, col 9: array length must be between 1 and 131072" },
		{ "int a[]", "line 1, col 7: expected an array length, found ']'" },
		{ "int a[n]", "line 1, col 7: expected an array length, found 'n'" },
		{ "int a[12q]", "line 1, col 7: bad array length '12q'" },
		{ "int a[08]", "line 1, col 7: bad array length '08'" },
		{ "int a[3", "line 1, col 8: expected ']' after the array length, found the end" },
		{ "int a[2][3]", "line 1, col 9: multi-dimensional arrays are not supported" },
		{ "int *p", "line 1, col 5: pointers are not supported" },
		{ "int64 a; char *name;", "line 1, col 15: pointers are not supported" },
		{ "int (*f)(void);", "line 1, col 5: function pointers are not supported" },
		{ "", "line 1, col 1: no fields declared" },
		{ " ; ;\n// nothing\n", "line 3, col 1: no fields declared" },
		{ "struct S { };", "line 1, col 12: no fields declared" },
		{ "char a[1048576]; char b", "line 1, col 23: record larger than 1048576 bytes" },
		{ "char a[1048575]; int16 b", "line 1, col 24: record larger than 1048576 bytes" },
		{ "int64 a; /* oops", "line 1, col 10: unterminated comment" },
		{ "int64 a;\n/*\n*/ int b /* again\n", "line 3, col 10: unterminated comment" },
		{ "int64 Col1 int64 Col2", "line 1, col 12: expected ';' or ',' after 'Col1'" },
		{ "int64 Col1 = 3;", "line 1, col 12: expected ';' or ',' after 'Col1'" },
		{ "int x : 3", "line 1, col 7: bit-fields are not supported" },
		{ "unsigned flags : 1;", "line 1, col 16: bit-fields are not supported" },
		{ "int x : big", "line 1, col 9: expected 'hex' after ':', found 'big'" },
		{ "double d : hex", "line 1, col 12: hex is for integer fields, not 'double'" },
		{ "float f : hex", "line 1, col 11: hex is for integer fields, not 'float'" },
		{ "bool b : hex", "line 1, col 10: hex is for integer fields, not 'bool'" },
		{ "char s[8] : hex", "line 1, col 13: hex is for integer fields, not 'char'" },
		{ "long double x", "line 1, col 1: long double is not supported" },
		{ "double long x", "line 1, col 1: long double is not supported" },
		{ "struct inner x;", "line 1, col 1: nested structs are not supported" },
		{ "struct S { int a; struct T t; };", "line 1, col 19: nested structs are not supported" },
		{ "int a; union { int b; float c; } u;", "line 1, col 8: unions are not supported" },
		{ "typedef union { int b; } U;", "line 1, col 9: unions are not supported" },
		{ "enum color c;", "line 1, col 1: enums are not supported" },
		{ "struct S { int a; ", "line 1, col 19: missing '}' at the end of the struct" },
		{ "typedef struct { int a; };", "line 1, col 26: expected a type name after '}', found ';'" },
		{ "typedef int x;", "line 1, col 9: expected 'struct' after 'typedef', found 'int'" },
		{ "typedef struct X Y;", "line 1, col 18: expected '{' after 'struct', found 'Y'" },
		{ "struct S { int a; } s;", "line 1, col 21: unexpected 's' after the struct" },
		{ "struct S { int a; }; int b;", "line 1, col 22: unexpected 'int' after the struct" },
		{ "int a; }", "line 1, col 8: unexpected '}'" },
		{ "[3] x", "line 1, col 1: expected a field type, found '['" },
		{ "#include <x.h>", "line 1, col 1: expected a field type, found '#'" },
		{ "int a \xc3\xa9", "line 1, col 7: unexpected byte 0xc3" },
		{ "struct __attribute__((packed)) S { int a; };",
		  "line 1, col 8: '__attribute__' is not supported" },
		{ "_Alignas(16) int a;", "line 1, col 1: '_Alignas' is not supported" },
		{ "static int a;", "line 1, col 1: unknown type 'static'" },
		{ "\tint65 x", "line 1, col 2: unknown type 'int65'" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		assert_error(cases[i][0], cases[i][1]);
}
END_TEST

/* A 10 kB identifier is cut short in the message, which stays whole. */
START_TEST(test_error_long_token)
{
	GString *s = g_string_new("");
	for (int i = 0; i < 10000; i++)
		g_string_append_c(s, 'q');
	g_string_append(s, " x");
	struct rtype_error err;
	ck_assert_ptr_null(rtype_parse(s->str, &err));
	char want[100];
	snprintf(want, sizeof want, "line 1, col 1: unknown type '%.40s...'", s->str);
	ck_assert_str_eq(err.msg, want);
	g_string_free(s, TRUE);
}
END_TEST


/* ---- lookups and hints ---- */

START_TEST(test_field_lookup)
{
	struct rtype *t = parse_ok("int64 Col1; char name[8]; double Col3");
	const struct rfield *f = rtype_field(t, "name");
	ck_assert_ptr_eq(f, &t->fields[1]);
	ck_assert_uint_eq(f->offset, 8);
	ck_assert(f->is_string);
	ck_assert_ptr_eq(rtype_field(t, "Col1"), &t->fields[0]);
	ck_assert_ptr_eq(rtype_field(t, "Col3"), &t->fields[2]);
	ck_assert_ptr_null(rtype_field(t, "col1")); /* names are case-sensitive */
	ck_assert_ptr_null(rtype_field(t, "Col"));
	ck_assert_ptr_null(rtype_field(t, ""));
	rtype_free(t);
	rtype_free(NULL);
}
END_TEST

START_TEST(test_kind_names)
{
	static const char *const want[] = {
		[RT_INT8] = "int8",       [RT_INT16] = "int16",     [RT_INT32] = "int32",
		[RT_INT64] = "int64",     [RT_UINT8] = "uint8",     [RT_UINT16] = "uint16",
		[RT_UINT32] = "uint32",   [RT_UINT64] = "uint64",   [RT_FLOAT32] = "float32",
		[RT_FLOAT64] = "float64", [RT_BOOL] = "bool",       [RT_CHAR] = "char",
	};
	for (size_t k = 0; k < G_N_ELEMENTS(want); k++)
		ck_assert_str_eq(rtype_kind_name((enum rtype_kind)k), want[k]);
	/* Each name is a type the parser takes back, as the same kind. */
	for (size_t k = 0; k < G_N_ELEMENTS(want); k++) {
		char decl[64];
		snprintf(decl, sizeof decl, "%s x", want[k]);
		struct rtype *t = parse_ok(decl);
		ck_assert_int_eq(t->fields[0].kind, (int)k);
		rtype_free(t);
	}
}
END_TEST

START_TEST(test_hex_hint)
{
	struct rtype *t = parse_ok("uint32 a : hex; int8 b[4]:hex; int64 c; unsigned long d : hex, e;"
				   "short f : hex");
	ck_assert(rtype_field(t, "a")->hex);
	ck_assert(rtype_field(t, "b")->hex);
	ck_assert_uint_eq(rtype_field(t, "b")->count, 4);
	ck_assert(!rtype_field(t, "c")->hex);
	ck_assert(rtype_field(t, "d")->hex);
	ck_assert(!rtype_field(t, "e")->hex);
	ck_assert(rtype_field(t, "f")->hex);
	ck_assert_uint_eq(rtype_field(t, "f")->kind, RT_INT16);
	rtype_free(t);

	/* A field may be called hex. */
	t = parse_ok("int hex : hex");
	ck_assert(t->fields[0].hex);
	ck_assert_str_eq(t->fields[0].name, "hex");
	rtype_free(t);

	assert_error("char c : hex", "line 1, col 10: hex is for integer fields, not 'char'");
	assert_error("float64 d[2] : hex", "line 1, col 16: hex is for integer fields, not 'float64'");
	assert_error("int x : HEX", "line 1, col 9: expected 'hex' after ':', found 'HEX'");
	assert_error("int x :", "line 1, col 8: expected 'hex' after ':', found the end");
}
END_TEST

START_TEST(test_array_lengths)
{
	struct rtype *t = parse_ok("int a[0x10]; int b[010]; int c[4u]; char d[1UL]");
	ck_assert_uint_eq(rtype_field(t, "a")->count, 16);
	ck_assert_uint_eq(rtype_field(t, "b")->count, 8);
	ck_assert_uint_eq(rtype_field(t, "c")->count, 4);
	ck_assert_uint_eq(rtype_field(t, "d")->count, 1);
	rtype_free(t);
}
END_TEST


/* ---- limits ---- */

static char *many_fields(int n)
{
	GString *s = g_string_new("");
	for (int i = 0; i < n; i++)
		g_string_append_printf(s, "int8 f%d;", i);
	return g_string_free(s, FALSE);
}

START_TEST(test_max_fields)
{
	char *decl = many_fields(RTYPE_MAX_FIELDS);
	struct rtype *t = parse_ok(decl);
	ck_assert_uint_eq(t->nfields, RTYPE_MAX_FIELDS);
	ck_assert_uint_eq(t->size, RTYPE_MAX_FIELDS);
	ck_assert_str_eq(t->fields[RTYPE_MAX_FIELDS - 1].name, "f1023");
	ck_assert_ptr_eq(rtype_field(t, "f1000"), &t->fields[1000]);
	rtype_free(t);
	g_free(decl);

	decl = many_fields(RTYPE_MAX_FIELDS + 1);
	struct rtype_error err;
	ck_assert_ptr_null(rtype_parse(decl, &err));
	int col = (int)(strstr(decl, "f1024;") - decl) + 1;
	char want[100];
	snprintf(want, sizeof want, "line 1, col %d: more than 1024 fields", col);
	ck_assert_str_eq(err.msg, want);
	g_free(decl);

	/* One declaration line with many declarators counts the same. */
	GString *s = g_string_new("int8 a0");
	for (int i = 1; i <= RTYPE_MAX_FIELDS; i++)
		g_string_append_printf(s, ", a%d", i);
	ck_assert_ptr_null(rtype_parse(s->str, &err));
	ck_assert(g_str_has_suffix(err.msg, ": more than 1024 fields"));
	g_string_free(s, TRUE);
}
END_TEST

START_TEST(test_max_size)
{
	struct rtype *t = parse_ok("int64 a[131072]");
	ck_assert_uint_eq(t->size, RTYPE_MAX_SIZE);
	rtype_free(t);
	t = parse_ok("char a[1048574]; int16 b");
	ck_assert_uint_eq(t->size, RTYPE_MAX_SIZE);
	ck_assert_uint_eq(t->fields[1].offset, 1048574);
	rtype_free(t);

	/* Lengths whose product with the element size would wrap around must not slip through. */
	assert_error("int64 a[2305843009213693953]",  /* 2^61 + 1: x 8 wraps to 8 */
		     "line 1, col 9: array length must be between 1 and 131072");
	assert_error("int64 a[0x2000000000000001]",
		     "line 1, col 9: array length must be between 1 and 131072");
	assert_error("char a[18446744073709551617]",  /* 2^64 + 1 */
		     "line 1, col 8: array length must be between 1 and 1048576");
	assert_error("char a[99999999999999999999999999999999999999999999999999]",
		     "line 1, col 8: array length must be between 1 and 1048576");
	assert_error("int32 a[262144]; int32 b[262144]",
		     "line 1, col 24: record larger than 1048576 bytes");
	/* Many fields each under the limit, together over it. */
	GString *s = g_string_new("");
	for (int i = 0; i < 9; i++)
		g_string_append_printf(s, "double d%d[16384];", i);
	struct rtype_error err;
	ck_assert_ptr_null(rtype_parse(s->str, &err));
	ck_assert(g_str_has_suffix(err.msg, ": record larger than 1048576 bytes"));
	g_string_free(s, TRUE);
}
END_TEST

START_TEST(test_name_lengths)
{
	char name[RTYPE_MAX_NAME + 2];
	memset(name, 'n', sizeof name);
	name[0] = '_';
	name[RTYPE_MAX_NAME] = '\0';
	char decl[200];
	snprintf(decl, sizeof decl, "int64 %s; int64 x", name);
	struct rtype *t = parse_ok(decl);
	ck_assert_str_eq(t->fields[0].name, name);
	ck_assert_uint_eq(strlen(t->fields[0].name), RTYPE_MAX_NAME);
	ck_assert_ptr_eq(rtype_field(t, name), &t->fields[0]);
	rtype_free(t);

	name[RTYPE_MAX_NAME] = 'n';
	name[RTYPE_MAX_NAME + 1] = '\0';
	snprintf(decl, sizeof decl, "int64 x;\n  int64 %s;", name);
	char want[120];
	snprintf(want, sizeof want, "line 2, col 9: field name '%.40s...' is longer than 64 bytes",
		 name);
	assert_error(decl, want);

	/* Identifier rules: digits after the first character, underscores, case kept. */
	t = parse_ok("int _a; int a1_B2; int Z_");
	ck_assert_str_eq(t->fields[1].name, "a1_B2");
	rtype_free(t);
	assert_error("int 1a", "line 1, col 5: expected a field name after 'int'");
}
END_TEST

/* The parser keeps no state between calls: many threads at once get the same answers. */
static gpointer parse_many(gpointer data)
{
	(void)data;
	for (int i = 0; i < 2000; i++) {
		struct rtype_error err;
		struct rtype *t = rtype_parse("struct S { char c; double d[2]; int hex : hex; };", &err);
		if (!t || t->size != 32 || t->fields[2].offset != 24 || !t->fields[2].hex)
			return GINT_TO_POINTER(1);
		rtype_free(t);
		if (rtype_parse("int a; int65 b", &err) ||
		    strcmp(err.msg, "line 1, col 8: unknown type 'int65'") != 0)
			return GINT_TO_POINTER(1);
	}
	return NULL;
}

START_TEST(test_threads)
{
	GThread *th[8];
	for (int i = 0; i < 8; i++)
		th[i] = g_thread_new("parse", parse_many, NULL);
	for (int i = 0; i < 8; i++)
		ck_assert_ptr_null(g_thread_join(th[i]));
}
END_TEST


static Suite *rtype_suite(void)
{
	Suite *s = suite_create("rtype");
	TCase *tc = tcase_create("layout");
	tcase_add_loop_test(tc, test_layout_matches_compiler, 0, (int)G_N_ELEMENTS(layout_cases));
	tcase_add_test(tc, test_kinds);
	tcase_add_test(tc, test_syntax_variants);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_error_long_token);
	suite_add_tcase(s, tc);

	tc = tcase_create("fields");
	tcase_add_test(tc, test_field_lookup);
	tcase_add_test(tc, test_kind_names);
	tcase_add_test(tc, test_hex_hint);
	tcase_add_test(tc, test_array_lengths);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, test_max_fields);
	tcase_add_test(tc, test_max_size);
	tcase_add_test(tc, test_name_lengths);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return lib_run_suite(rtype_suite());
}
