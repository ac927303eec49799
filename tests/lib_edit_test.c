/* lib_edit_test.c - Check unit tests of lib/edit.h: every refusal with its exact message and no byte
 * changed, good batches changing exactly the bytes they name, and view text written back. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "edit.h"
#include "lib_fixture.h"
#include "map.h"
#include "rtype.h"
#include "seg.h"
#include "view.h"

/* The type under test, with the same layout as the compiler gives this struct. */
static const char all_decl[] =
	"int8 i8; uint8 u8; int16 i16; uint16 u16; int32 i32; uint32 u32; int64 i64; uint64 u64; "
	"float32 f; float64 d; bool b; char c; char name[8]; int32 q[3]; uint16 flags : hex";

struct all {
	int8_t i8;
	uint8_t u8;
	int16_t i16;
	uint16_t u16;
	int32_t i32;
	uint32_t u32;
	int64_t i64;
	uint64_t u64;
	float f;
	double d;
	bool b;
	char c;
	char name[8];
	int32_t q[3];
	uint16_t flags;
};
_Static_assert(sizeof(struct all) == 80, "struct all is laid out as the declaration");

#define NREC 4

/* A segment of NREC records of the type, filled with a known pattern. */
struct et {
	struct rtype *t;
	int fd;
	struct seg_map *m;
	struct all before[NREC]; /* the segment's bytes when it was made */
};

static void et_open(struct et *e)
{
	struct rtype_error err;
	e->t = rtype_parse(all_decl, &err);
	ck_assert_msg(e->t != NULL, "%s", err.msg);
	ck_assert_uint_eq(e->t->size, sizeof(struct all));
	ck_assert_uint_eq(rtype_field(e->t, "flags")->offset, offsetof(struct all, flags));
	ck_assert_uint_eq(rtype_field(e->t, "q")->offset, offsetof(struct all, q));

	unsigned char *p = (unsigned char *)e->before;
	for (size_t i = 0; i < sizeof e->before; i++)
		p[i] = (unsigned char)(i * 7 + 1);
	e->fd = seg_create(dfd, "seg", O_RDWR | O_EXCL, 0600);
	ck_assert_int_ge(e->fd, 0);
	ck_assert_int_eq(pwrite(e->fd, e->before, sizeof e->before, 0), (ssize_t)sizeof e->before);
	ck_assert_int_eq(map_open(e->fd, &e->m), 0);
}

static void et_close(struct et *e)
{
	map_close(e->m);
	close(e->fd);
	rtype_free(e->t);
}

/* Asserts the segment holds exactly WANT. */
static void assert_segment(struct et *e, const struct all *want)
{
	struct all got[NREC];
	struct stat st;
	ck_assert_int_eq(fstat(e->fd, &st), 0);
	ck_assert_int_eq(st.st_size, (off_t)sizeof got);
	ck_assert_int_eq(pread(e->fd, got, sizeof got, 0), (ssize_t)sizeof got);
	for (size_t i = 0; i < sizeof got; i++)
		ck_assert_msg(((unsigned char *)got)[i] == ((const unsigned char *)want)[i],
			      "segment byte %zu (record %zu, offset %zu) differs", i, i / sizeof(struct all),
			      i % sizeof(struct all));
}

/* Parses and applies TEXT; asserts it gives COUNT stores (runs of adjacent bytes: stores into
 * fields with no padding between them are one). */
static void apply(struct et *e, const char *text, size_t count)
{
	struct rtype_error err = { 0 };
	struct edit_list *l = edit_parse(e->t, NREC, text, strlen(text), &err);
	ck_assert_msg(l != NULL, "edit_parse(%s): %s", text, err.msg);
	if (count != SIZE_MAX)
		ck_assert_uint_eq(edit_count(l), count);
	ck_assert_int_eq(edit_apply(l, e->m), 0);
	edit_free(l);
}

/* ---- refusals ---- */

static const struct {
	const char *text;
	const char *msg;
} bad[] = {
	{ "4 i8=1", "line 1: index 4 is past the last record (4 records)" },
	{ "99999999999999999999999 i8=1",
	  "line 1: index 99999999999999999999999 is past the last record (4 records)" },
	{ "x i8=1", "line 1, col 1: expected a record index, not 'x'" },
	{ "-1 i8=1", "line 1, col 1: expected a record index, not '-1'" },
	{ "1x i8=1", "line 1, col 1: expected a record index, not '1x'" },
	{ "0", "line 1, col 2: expected FIELD=VALUE or the record's values after the index" },
	{ "0 nope=1", "line 1, col 3: unknown field 'nope'" },
	{ "0 i8=1 junk", "line 1, col 8: unknown field 'junk'" },
	{ "0 Q=1", "line 1, col 3: unknown field 'Q'" },
	{ "0 i8", "line 1, col 5: expected '=' after 'i8'" },
	{ "0 =5", "line 1, col 3: expected FIELD=VALUE" },
	{ "0 q[3]=1", "line 1, col 5: element 3 of 'q' is out of range (it has 3)" },
	{ "0 name[8]=\"a\"", "line 1, col 8: element 8 of 'name' is out of range (it has 8)" },
	{ "0 q[x]=1", "line 1, col 5: expected an element index and ']' after 'q['" },
	{ "0 q[1=1", "line 1, col 5: expected an element index and ']' after 'q['" },
	{ "0 u8=300", "line 1, col 6: 300 is out of range for uint8 field 'u8'" },
	{ "0 u8=0x100", "line 1, col 6: 0x100 is out of range for uint8 field 'u8'" },
	{ "0 i8=128", "line 1, col 6: 128 is out of range for int8 field 'i8'" },
	{ "0 i8=-129", "line 1, col 6: -129 is out of range for int8 field 'i8'" },
	{ "0 u32=-1", "line 1, col 7: -1 is out of range for uint32 field 'u32'" },
	{ "0 i64=9223372036854775808",
	  "line 1, col 7: 9223372036854775808 is out of range for int64 field 'i64'" },
	{ "0 i64=-9223372036854775809",
	  "line 1, col 7: -9223372036854775809 is out of range for int64 field 'i64'" },
	{ "0 u64=18446744073709551616",
	  "line 1, col 7: 18446744073709551616 is out of range for uint64 field 'u64'" },
	{ "0 flags=0x10000", "line 1, col 9: 0x10000 is out of range for uint16 field 'flags'" },
	{ "0 q[0]=2147483648", "line 1, col 8: 2147483648 is out of range for int32 field 'q'" },
	{ "0 i32=12x", "line 1, col 7: '12x' is not a valid int32 for field 'i32'" },
	{ "0 i32=0x", "line 1, col 7: '0x' is not a valid int32 for field 'i32'" },
	{ "0 i32=--1", "line 1, col 7: '--1' is not a valid int32 for field 'i32'" },
	{ "0 i32=1.5", "line 1, col 7: '1.5' is not a valid int32 for field 'i32'" },
	{ "0 i8=", "line 1, col 6: missing value for int8 field 'i8'" },
	{ "0 i8= 1", "line 1, col 6: missing value for int8 field 'i8'" },
	{ "0 f=1e39", "line 1, col 5: 1e39 is out of range for float32 field 'f'" },
	{ "0 d=1e400", "line 1, col 5: 1e400 is out of range for float64 field 'd'" },
	{ "0 d=1.2.3", "line 1, col 5: '1.2.3' is not a valid float64 for field 'd'" },
	{ "0 d=0x", "line 1, col 5: '0x' is not a valid float64 for field 'd'" },
	{ "0 b=yes", "line 1, col 5: 'yes' is not a valid bool for field 'b'" },
	{ "0 b=2", "line 1, col 5: '2' is not a valid bool for field 'b'" },
	{ "0 name=abc", "line 1, col 8: expected a quoted string for char[8] field 'name'" },
	{ "0 name=\"abc", "line 1, col 8: unterminated string for char[8] field 'name'" },
	{ "0 name=\"abc\\\"", "line 1, col 8: unterminated string for char[8] field 'name'" },
	{ "0 name=\"123456789\"",
	  "line 1, col 17: string too long for char[8] field 'name' (at most 8 bytes)" },
	{ "0 name=\"a\\qb\"",
	  "line 1, col 10: bad escape (use \\\" \\\\ \\n \\t \\r or \\xNN) for char[8] field 'name'" },
	{ "0 name=\"\\x4\"",
	  "line 1, col 9: bad escape (use \\\" \\\\ \\n \\t \\r or \\xNN) for char[8] field 'name'" },
	{ "0 name=\"ab\"x", "line 1, col 12: unexpected 'x' after the value of 'name'" },
	{ "0 c=\"ab\"", "line 1, col 7: string too long for char field 'c' (at most 1 byte)" },
	{ "0 c=x", "line 1, col 5: expected a quoted string for char field 'c'" },
	{ "0 name[0]=\"ab\"", "line 1, col 13: string too long for char field 'name' (at most 1 byte)" },
	{ "0 q=5", "line 1, col 5: expected [ ... ] for an array for int32[3] field 'q'" },
	{ "0 q=[1,2]", "line 1, col 9: field 'q' needs exactly 3 elements" },
	{ "0 q=[]", "line 1, col 6: field 'q' needs exactly 3 elements" },
	{ "0 q=[1,2,3,4]", "line 1, col 12: field 'q' needs exactly 3 elements" },
	{ "0 q=[1 2 3]", "line 1, col 8: expected ',' or ']' in the array for int32[3] field 'q'" },
	{ "0 q=[1,2,3", "line 1, col 11: expected ',' or ']' in the array for int32[3] field 'q'" },
	{ "0 q=", "line 1, col 5: missing value for int32[3] field 'q'" },
	{ "0 q=[1,,3]", "line 1, col 8: missing value for int32[3] field 'q'" },
	{ "0 q=[1,x,3]", "line 1, col 8: 'x' is not a valid int32 for field 'q'" },
	{ "0 q=[1,2,3]]", "line 1, col 12: unexpected ']' after the value of 'q'" },
	{ "0 q[1]=[1]", "line 1, col 8: '[1]' is not a valid int32 for field 'q'" },
	/* The bad line is the last of several good ones, blank lines and comments counted. */
	{ "0 i8=1\n\n# a comment\n1 u8=2 i16=3\n3 u8=256",
	  "line 5, col 6: 256 is out of range for uint8 field 'u8'" },
	{ "0 i8=1\r\n1 i8=1x\r\n", "line 2, col 6: '1x' is not a valid int8 for field 'i8'" },
	/* A NUL byte in the text is no way out of a check. */
	{ "0 i8=1\0", "line 1, col 6: '1?' is not a valid int8 for field 'i8'" },
};

START_TEST(refusals)
{
	struct et e;
	et_open(&e);
	size_t i = (size_t)_i;
	/* The NUL case is one byte longer than strlen says. */
	size_t len = strlen(bad[i].text) + (strstr(bad[i].msg, "'1?' is not") ? 1 : 0);
	struct rtype_error err;
	memset(&err, 0x5a, sizeof err);
	struct edit_list *l = edit_parse(e.t, NREC, bad[i].text, len, &err);
	ck_assert_msg(l == NULL, "'%s' was accepted", bad[i].text);
	ck_assert_str_eq(err.msg, bad[i].msg);
	ck_assert_int_eq(err.line, atoi(err.msg + 5));
	/* NULL for ERR is allowed too. */
	ck_assert_ptr_null(edit_parse(e.t, NREC, bad[i].text, len, NULL));
	assert_segment(&e, e.before);
	et_close(&e);
}
END_TEST

/* ---- good batches ---- */

START_TEST(empty_texts)
{
	struct et e;
	et_open(&e);
	static const char *texts[] = { "", "\n", "\n\n  \t\n", "# 0 i8=5\n", "  # hello\r\n\n", " \r" };
	for (size_t i = 0; i < G_N_ELEMENTS(texts); i++)
		apply(&e, texts[i], 0);
	/* LEN counts, not the NUL: nothing past LEN is read. */
	struct edit_list *l = edit_parse(e.t, NREC, "0 i8=5", 0, NULL);
	ck_assert_ptr_nonnull(l);
	ck_assert_uint_eq(edit_count(l), 0);
	edit_free(l);
	edit_free(NULL);
	assert_segment(&e, e.before);
	et_close(&e);
}
END_TEST

START_TEST(integer_limits)
{
	struct et e;
	et_open(&e);
	struct all want[NREC];
	memcpy(want, e.before, sizeof want);

	apply(&e, "0 i8=-128 u8=255 i16=-32768 u16=65535 i32=-2147483648 u32=4294967295 "
		  "i64=-9223372036854775808 u64=18446744073709551615\n"
		  "1 i8=127 u8=0 i16=32767 u16=0 i32=2147483647 u32=0 i64=9223372036854775807 u64=0\n",
	      4);
	want[0].i8 = INT8_MIN, want[0].u8 = UINT8_MAX, want[0].i16 = INT16_MIN, want[0].u16 = UINT16_MAX;
	want[0].i32 = INT32_MIN, want[0].u32 = UINT32_MAX, want[0].i64 = INT64_MIN, want[0].u64 = UINT64_MAX;
	want[1].i8 = INT8_MAX, want[1].u8 = 0, want[1].i16 = INT16_MAX, want[1].u16 = 0;
	want[1].i32 = INT32_MAX, want[1].u32 = 0, want[1].i64 = INT64_MAX, want[1].u64 = 0;
	assert_segment(&e, want);

	/* Hex, signs, and a signed field's bit pattern in hex (as the view shows it with the hint). */
	apply(&e, "2 flags=0xbeef i8=0x80 i16=0xFFFE u64=0xffffffffffffffff i32=+5 u8=-0 "
		  "i64=-0x10 u16=007",
	      8);
	want[2].flags = 0xbeef, want[2].i8 = -128, want[2].i16 = -2, want[2].u64 = UINT64_MAX;
	want[2].i32 = 5, want[2].u8 = 0, want[2].i64 = -16, want[2].u16 = 7;
	assert_segment(&e, want);
	et_close(&e);
}
END_TEST

static void set_double(double *d, double v)
{
	memcpy(d, &v, sizeof v);
}

START_TEST(floats)
{
	struct et e;
	et_open(&e);
	struct all want[NREC];
	memcpy(want, e.before, sizeof want);

	apply(&e, "0 f=nan d=-inf\n1 f=-0 d=inf\n2 d=-0 f=inf\n3 f=0.1 d=4.9e-324\n", 8);
	want[0].f = NAN;
	set_double(&want[0].d, -INFINITY);
	want[1].f = -0.0f;
	set_double(&want[1].d, INFINITY);
	set_double(&want[2].d, -0.0);
	want[2].f = INFINITY;
	want[3].f = 0.1f;
	set_double(&want[3].d, 4.9e-324);
	/* NaN's bits are whatever strtod gives; compare it apart, then the rest exactly. */
	struct all got;
	ck_assert_int_eq(pread(e.fd, &got, sizeof got, 0), (ssize_t)sizeof got);
	ck_assert(isnan(got.f));
	memcpy(&want[0].f, &got.f, sizeof got.f);
	assert_segment(&e, want);

	/* -0 really is negative zero; 1e-50 in a float32 underflows to 0 as in C; 3.4028235e38 fits. */
	ck_assert_int_eq(pread(e.fd, &got, sizeof got, 2 * sizeof got), (ssize_t)sizeof got);
	ck_assert(signbit(got.d) && got.d == 0);
	apply(&e, "3 f=1e-50\n2 f=3.4028235e38 d=0x1p-2", 3);
	want[3].f = 0;
	want[2].f = 3.4028235e38f;
	set_double(&want[2].d, 0.25);
	assert_segment(&e, want);
	et_close(&e);
}
END_TEST

START_TEST(strings_and_chars)
{
	struct et e;
	et_open(&e);
	struct all want[NREC];
	memcpy(want, e.before, sizeof want);

	apply(&e, "0 name=\"a b\\\"\\\\\\n\\t\" c=\"\\xff\"\n"
		  "1 name=\"\\r\\x01\\x7Fz\" c=\"\"\n"
		  "2 name=\"12345678\" c=\" \"\n"
		  "3 name=\"\" c=\"\\\"\"\n",
	      8);
	memcpy(want[0].name, "a b\"\\\n\t", 8); /* 7 bytes and a NUL fill */
	want[0].c = (char)0xff;
	memcpy(want[1].name, "\r\x01\x7fz\0\0\0", 8);
	want[1].c = 0;
	memcpy(want[2].name, "12345678", 8); /* all 8, no NUL */
	want[2].c = ' ';
	memset(want[3].name, 0, 8);
	want[3].c = '"';
	assert_segment(&e, want);

	/* One byte of a string; raw non-ASCII bytes and blanks inside the quotes are taken as they are. */
	apply(&e, "3 name[7]=\"Z\" name[0]=\"\\n\"\n2 name=\"\xc3\xa9\t x\"", 3);
	want[3].name[7] = 'Z';
	want[3].name[0] = '\n';
	memcpy(want[2].name, "\xc3\xa9\t x\0\0\0", 8);
	assert_segment(&e, want);
	et_close(&e);
}
END_TEST

START_TEST(arrays_and_bools)
{
	struct et e;
	et_open(&e);
	struct all want[NREC];
	memcpy(want, e.before, sizeof want);

	apply(&e, "0 q=[1,-2,2147483647] b=true\n1 q=[ 0x10 , -0x10,7 ]\tb=0\n2 q[2]=-5 q[0]=9 b=1\n"
		  "3 b=false q=[0,0,0] q[1]=3",
	      10);
	want[0].q[0] = 1, want[0].q[1] = -2, want[0].q[2] = INT32_MAX;
	want[0].b = true;
	want[1].q[0] = 16, want[1].q[1] = -16, want[1].q[2] = 7;
	want[1].b = false;
	want[2].q[2] = -5, want[2].q[0] = 9;
	want[2].b = true;
	want[3].b = false;
	want[3].q[0] = 0, want[3].q[1] = 3, want[3].q[2] = 0;
	assert_segment(&e, want);
	et_close(&e);
}
END_TEST

START_TEST(layout_of_lines)
{
	struct et e;
	et_open(&e);
	struct all want[NREC];
	memcpy(want, e.before, sizeof want);

	/* Leading blanks, tabs between assignments, CR LF ends, no final newline, a field set twice
	 * (the last store wins), and '#' lines between. */
	apply(&e, "  \t1\ti8=1\t\tu8=2  \r\n# 2 i8=9\n\n3 i8=4 i8=5\r\n0 u8=7", 4);
	want[1].i8 = 1, want[1].u8 = 2, want[3].i8 = 5, want[0].u8 = 7;
	assert_segment(&e, want);
	et_close(&e);
}
END_TEST

/* Records of every kind at its edges, strings that need escapes. */
static const struct all edge_recs[NREC] = {
	{ -1, 2, -3, 4, INT32_MIN, 6, INT64_MIN, UINT64_MAX, -0.0f, 0.1, true, 'q', "he\"llo\n",
	  { 1, 2, 3 }, 0xbeef },
	{ 0, 0, 0, 0, 0, 0, 0, 0, 1e-45f, 4.9e-324, false, 0, "12345678", { -1, 0, 1 }, 0 },
	{ 127, 255, 32767, 65535, INT32_MAX, UINT32_MAX, INT64_MAX, 0, 3.4028235e38f, 1e300, true,
	  '\\', "\xc3\xa9", { INT32_MIN, INT32_MAX, 0 }, 1 },
	{ 1, 1, 1, 1, 1, 1, 1, 1, INFINITY, -INFINITY, false, '\t', "", { 5, 5, 5 }, 0xffff },
};

/* The values a view shows, written back as an edit, give back the very same bytes. */
START_TEST(view_text_writes_back)
{
	struct et e;
	et_open(&e);
	const struct all *recs = edge_recs;
	ck_assert_int_eq(pwrite(e.fd, recs, sizeof edge_recs, 0), (ssize_t)sizeof edge_recs);
	/* Zero the segment, then write each record back from its view line. */
	struct view_layout vl;
	ck_assert_int_eq(view_layout_init(&vl, e.t, sizeof edge_recs), 0);
	char *line = malloc(vl.line_len + 1);
	GString *edit = g_string_new(NULL);
	for (size_t r = 0; r < NREC; r++) {
		view_render_record(&vl, r, &recs[r], line);
		g_string_append_printf(edit, "%zu", r);
		size_t col = vl.index_width;
		for (size_t i = 0; i < e.t->nfields; i++) {
			const char *v = line + col + 1;
			size_t w = vl.col_width[i];
			while (w && *v == ' ')
				v++, w--;
			while (w && v[w - 1] == ' ')
				w--;
			g_string_append_printf(edit, " %s=%.*s", e.t->fields[i].name, (int)w, v);
			col += 1 + vl.col_width[i];
		}
		g_string_append_c(edit, '\n');
	}
	struct all zero[NREC];
	memset(zero, 0, sizeof zero);
	ck_assert_int_eq(pwrite(e.fd, zero, sizeof zero, 0), (ssize_t)sizeof zero);
	apply(&e, edit->str, SIZE_MAX);
	/* Padding bytes were not written by the edit: zero in the struct as in the segment. */
	struct all want[NREC];
	memset(want, 0, sizeof want);
	for (size_t r = 0; r < NREC; r++)
		for (size_t i = 0; i < e.t->nfields; i++) {
			const struct rfield *f = &e.t->fields[i];
			memcpy((char *)&want[r] + f->offset, (char *)&recs[r] + f->offset,
			       f->elem_size * f->count);
		}
	assert_segment(&e, want);
	g_string_free(edit, TRUE);
	free(line);
	view_layout_free(&vl);
	et_close(&e);
}
END_TEST



/* The whole view text of RECS (header included), as cat would read it. */
static GString *view_text(const struct rtype *t, const struct all *recs)
{
	struct view_layout vl;
	ck_assert_int_eq(view_layout_init(&vl, t, NREC * sizeof(struct all)), 0);
	GString *text = g_string_sized_new(vl.header_len);
	g_string_set_size(text, vl.header_len);
	ck_assert_int_eq(view_read(&vl, NULL, text->str, vl.header_len, 0), (ssize_t)vl.header_len);
	char *line = g_malloc(vl.line_len);
	for (size_t r = 0; r < NREC; r++) {
		view_render_record(&vl, r, &recs[r], line);
		g_string_append_len(text, line, (gssize)vl.line_len);
	}
	g_free(line);
	view_layout_free(&vl);
	return text;
}

/* The field bytes of RECS (padding zero), as an edit that sets every field stores them. */
static void fields_of(const struct rtype *t, const struct all *recs, struct all *out)
{
	memset(out, 0, NREC * sizeof *out);
	for (size_t r = 0; r < NREC; r++)
		for (size_t i = 0; i < t->nfields; i++) {
			const struct rfield *f = &t->fields[i];
			memcpy((char *)&out[r] + f->offset, (const char *)&recs[r] + f->offset,
			       f->elem_size * f->count);
		}
}

/* The view's own text, header and record lines as printed, written back over a zeroed segment,
 * gives back every field: a pasted record line is an edit. */
START_TEST(record_lines_write_back)
{
	struct et e;
	et_open(&e);
	g_autoptr(GString) text = view_text(e.t, edge_recs);
	struct all zero[NREC], want[NREC];
	memset(zero, 0, sizeof zero);
	ck_assert_int_eq(pwrite(e.fd, zero, sizeof zero, 0), (ssize_t)sizeof zero);
	apply(&e, text->str, SIZE_MAX);
	fields_of(e.t, edge_recs, want);
	assert_segment(&e, want);
	et_close(&e);
}
END_TEST

/* Fed in pieces of every size from 1 to 97 bytes (lines cut anywhere, "\r\n" split too), a batch
 * stores what the text parsed at once stores. */
START_TEST(batch_in_pieces)
{
	struct et e;
	et_open(&e);
	g_autoptr(GString) text = view_text(e.t, edge_recs);
	g_string_append(text, "1 i8=5 q[2]=7\r\n# a comment\n2 name=\"x y\"");
	struct all want[NREC];
	fields_of(e.t, edge_recs, want);
	want[1].i8 = 5, want[1].q[2] = 7;
	memset(want[2].name, 0, sizeof want[2].name);
	memcpy(want[2].name, "x y", 3);
	for (size_t piece = 1; piece <= 97; piece += piece < 8 ? 1 : 13) {
		struct all zero[NREC];
		memset(zero, 0, sizeof zero);
		ck_assert_int_eq(pwrite(e.fd, zero, sizeof zero, 0), (ssize_t)sizeof zero);
		struct edit_batch *b = edit_batch_new(e.t);
		struct rtype_error err = { 0 };
		for (size_t at = 0; at < text->len; at += piece)
			ck_assert_msg(edit_batch_feed(b, NREC, e.m, text->str + at,
						      MIN(piece, text->len - at), &err) == 0,
				      "piece %zu at %zu: %s", piece, at, err.msg);
		ck_assert_int_eq(edit_batch_end(b, NREC, e.m, &err), 0);
		ck_assert_int_eq(edit_apply(edit_batch_list(b), e.m), 0);
		edit_batch_free(b);
		assert_segment(&e, want);
	}
	et_close(&e);
}
END_TEST

/* Checked against the segment, a table written back as it reads stores nothing, and one changed
 * value stores that value alone; string bytes past the NUL, which the view does not show, stay. */
START_TEST(batch_stores_only_changes)
{
	struct et e;
	et_open(&e);
	struct all recs[NREC];
	memcpy(recs, edge_recs, sizeof recs);
	memcpy(recs[2].name, "ab\0hidden", 8);
	ck_assert_int_eq(pwrite(e.fd, recs, sizeof recs, 0), (ssize_t)sizeof recs);
	g_autoptr(GString) text = view_text(e.t, recs);

	struct edit_batch *b = edit_batch_new(e.t);
	ck_assert_int_eq(edit_batch_feed(b, NREC, e.m, text->str, text->len, NULL), 0);
	ck_assert_int_eq(edit_batch_end(b, NREC, e.m, NULL), 0);
	ck_assert_uint_eq(edit_count(edit_batch_list(b)), 0);
	edit_batch_free(b);

	struct all changed[NREC];
	memcpy(changed, recs, sizeof changed);
	changed[3].i32 = 77;
	g_autoptr(GString) text2 = view_text(e.t, changed);
	b = edit_batch_new(e.t);
	ck_assert_int_eq(edit_batch_feed(b, NREC, e.m, text2->str, text2->len, NULL), 0);
	ck_assert_int_eq(edit_batch_end(b, NREC, e.m, NULL), 0);
	ck_assert_uint_eq(edit_count(edit_batch_list(b)), 1);
	ck_assert_int_eq(edit_apply(edit_batch_list(b), e.m), 0);
	edit_batch_free(b);
	struct all got[NREC];
	ck_assert_int_eq(pread(e.fd, got, sizeof got, 0), (ssize_t)sizeof got);
	ck_assert(memcmp(got, changed, sizeof got) == 0); /* "hidden" and the padding kept */
	et_close(&e);
}
END_TEST

/* A bad line anywhere refuses the batch: it holds nothing, and every later call says so, with
 * the first reason; its line number counts from the batch's start, across pieces. */
START_TEST(batch_refused_whole)
{
	struct et e;
	et_open(&e);
	struct edit_batch *b = edit_batch_new(e.t);
	struct rtype_error err = { 0 };
	ck_assert_int_eq(edit_batch_feed(b, NREC, e.m, "0 i8=9\n1 i8=", 12, &err), 0);
	ck_assert_int_eq(edit_batch_feed(b, NREC, e.m, "8\n2 i8 7\n3 i8=1\n", 16, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "line 3, col 5: expected '=' after 'i8'");
	ck_assert_uint_eq(edit_count(edit_batch_list(b)), 0);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(edit_batch_feed(b, NREC, e.m, "0 i8=1\n", 7, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "line 3, col 5: expected '=' after 'i8'");
	ck_assert_int_eq(edit_batch_end(b, NREC, e.m, &err), -EINVAL);
	edit_batch_free(b);

	/* A record line with a value missing, or one too many. */
	ck_assert_ptr_null(edit_parse(e.t, NREC, "2 1 2 3", 7, &err));
	g_autoptr(GString) text = view_text(e.t, edge_recs);
	g_autofree char *last = g_strdup(strrchr(g_strchomp(text->str), '\n') + 1);
	g_autofree char *more = g_strconcat(last, " 1", NULL);
	struct edit_list *whole = edit_parse(e.t, NREC, last, strlen(last), NULL);
	ck_assert_ptr_nonnull(whole);
	edit_free(whole);
	struct rtype_error err2;
	ck_assert_ptr_null(edit_parse(e.t, NREC, more, strlen(more), &err2));
	ck_assert_msg(strstr(err2.msg, "more values than the 15 fields of the record"), "%s", err2.msg);
	ck_assert_str_eq(err.msg, "line 1, col 8: the record line ends after 3 of its 15 values (next: 'u16')");
	et_close(&e);
}
END_TEST

/* A last line without its '\n' is refused early only where no text after it could mend it. */
static const struct {
	const char *text;
	bool refused;
} cut_lines[] = {
	{ "0 nope=1", true },    /* no such field, and its name has ended */
	{ "0 no", false },       /* "nope" or "now"... could follow */
	{ "0 i8=1x", true },     /* no integer goes on like that */
	{ "0 i8=-", false },     /* "-5" */
	{ "0 u8=0x", false },    /* "0x1f" */
	{ "0 i8=300", true },    /* more digits only make it larger */
	{ "0 i8=12", false },    /* good so far */
	{ "9 i8=1", true },      /* index 9 of 4 records, and the index has ended */
	{ "9", false },          /* not an index yet: "9" may be the start of anything */
	{ "0 name=\"a b", false }, /* an open string */
	{ "2 1 2 3", false },    /* a record line with more values to come */
	{ "0 f=1e", false },     /* "1e5" */
	{ "0 i8=1 zz=2", true }, /* a word before the last one */
};

START_TEST(check_last_line)
{
	struct et e;
	et_open(&e);
	struct edit_batch *b = edit_batch_new(e.t);
	struct rtype_error err = { 0 };
	const char *text = cut_lines[_i].text;
	ck_assert_int_eq(edit_batch_feed(b, NREC, e.m, text, strlen(text), &err), 0);
	int res = edit_batch_check_last(b, NREC, &err);
	ck_assert_msg(res == (cut_lines[_i].refused ? -EINVAL : 0), "'%s': %d (%s)", text, res, err.msg);
	if (!cut_lines[_i].refused) /* and the line is kept, to be judged at the end */
		ck_assert_int_eq(edit_batch_end(b, NREC, e.m, &err), strcmp(text, "0 i8=12") ? -EINVAL : 0);
	edit_batch_free(b);
	et_close(&e);
}
END_TEST

/* A segment that shrank between parse and apply is not grown back: -EIO, nothing stored. */
START_TEST(apply_to_shrunk_segment)
{
	struct et e;
	et_open(&e);
	const char *text = "0 i8=1\n3 i8=2";
	struct edit_list *l = edit_parse(e.t, NREC, text, strlen(text), NULL);
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(ftruncate(e.fd, 2 * sizeof(struct all)), 0);
	ck_assert_int_eq(edit_apply(l, e.m), -EIO);
	struct stat st;
	ck_assert_int_eq(fstat(e.fd, &st), 0);
	ck_assert_int_eq(st.st_size, 2 * (off_t)sizeof(struct all));
	struct all got[2];
	ck_assert_int_eq(pread(e.fd, got, sizeof got, 0), (ssize_t)sizeof got);
	ck_assert(memcmp(got, e.before, sizeof got) == 0);
	edit_free(l);

	/* A read-only map refuses the store. */
	int ro = seg_open(dfd, "seg", O_RDONLY);
	ck_assert_int_ge(ro, 0);
	struct seg_map *m;
	ck_assert_int_eq(map_open(ro, &m), 0);
	l = edit_parse(e.t, 2, "1 u8=3", 6, NULL);
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(edit_apply(l, m), -EBADF);
	edit_free(l);
	map_close(m);
	close(ro);
	et_close(&e);
}
END_TEST

/* No records: every index is past the end. */
START_TEST(no_records)
{
	struct et e;
	et_open(&e);
	struct rtype_error err;
	ck_assert_ptr_null(edit_parse(e.t, 0, "0 i8=1", 6, &err));
	ck_assert_str_eq(err.msg, "line 1: index 0 is past the last record (0 records)");
	struct edit_list *l = edit_parse(e.t, 0, "# nothing\n", 10, &err);
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(edit_apply(l, e.m), 0);
	edit_free(l);
	et_close(&e);
}
END_TEST

static Suite *edit_suite(void)
{
	Suite *s = suite_create("edit");
	const struct lib_case cases[] = {
		{ "good", { empty_texts, integer_limits, floats, strings_and_chars, arrays_and_bools,
			    layout_of_lines, view_text_writes_back, record_lines_write_back } },
		{ "batch", { batch_in_pieces, batch_stores_only_changes, batch_refused_whole } },
		{ "apply", { apply_to_shrunk_segment, no_records } },
	};

	lib_add_cases(s, cases, G_N_ELEMENTS(cases));

	TCase *tc = lib_tcase("refusals");
	tcase_add_loop_test(tc, refusals, 0, G_N_ELEMENTS(bad));
	suite_add_tcase(s, tc);
	tc = lib_tcase("cut_lines");
	tcase_add_loop_test(tc, check_last_line, 0, G_N_ELEMENTS(cut_lines));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return lib_run_suite(edit_suite());
}
