/* lib_view_test.c - Check unit tests of lib/view.h, lib/value.h and lib/viewfile.h: the exact text
 * of views of every kind of field, value round trips, reads at any offset, a 4 GB sparse segment,
 * shrunk segments; open views read, edited and refused, view names and attributes. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <glib.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "lib_fixture.h"
#include "map.h"
#include "rtype.h"
#include "seg.h"
#include "typesrc.h"
#include "value.h"
#include "view.h"
#include "viewfile.h"

/* ---- helpers ---- */

static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t x = rng_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static void fill_random(void *buf, size_t len)
{
	unsigned char *p = buf;
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)(rng() >> 56);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct rtype *parse_type(const char *decl)
{
	struct rtype_error err;
	struct rtype *t = rtype_parse(decl, &err);
	ck_assert_msg(t != NULL, "rtype_parse(%s): %s", decl, err.msg);
	return t;
}

/* A segment under test: its type, fd, map and view layout. */
struct vt {
	struct rtype *t;
	int fd;
	struct seg_map *m;
	struct view_layout vl;
};

/* Creates segment NAME holding LEN bytes of DATA (NULL: a hole of LEN bytes) and lays out its view. */
static void vt_open(struct vt *v, const char *decl, const char *name, const void *data, uint64_t len)
{
	v->t = parse_type(decl);
	v->fd = seg_create(dfd, name, O_RDWR | O_EXCL, 0600);
	ck_assert_int_ge(v->fd, 0);
	if (data)
		ck_assert_int_eq(pwrite(v->fd, data, len, 0), (ssize_t)len);
	else
		ck_assert_int_eq(ftruncate(v->fd, (off_t)len), 0);
	ck_assert_int_eq(map_open(v->fd, &v->m), 0);
	ck_assert_int_eq(view_layout_init(&v->vl, v->t, len), 0);
}

static void vt_close(struct vt *v)
{
	view_layout_free(&v->vl);
	map_close(v->m);
	close(v->fd);
	rtype_free(v->t);
}

/* The whole text in one view_read; checks that it is view_size bytes. */
static char *vt_text(struct vt *v, size_t *len)
{
	uint64_t size = view_size(&v->vl);
	char *buf = malloc(size + 1);
	ck_assert_ptr_nonnull(buf);
	ssize_t n = view_read(&v->vl, v->m, buf, size + 100, 0);
	ck_assert_int_eq(n, (ssize_t)size);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

/* Asserts every line after the header, and the header's last (column names) line, has line_len bytes. */
static void assert_line_lengths(struct vt *v, const char *text, size_t len)
{
	const struct view_layout *vl = &v->vl;
	ck_assert_uint_ge(vl->header_len, vl->line_len);
	const char *names = text + vl->header_len - vl->line_len;
	ck_assert_uint_eq(vl->head_len + vl->line_len, vl->header_len);
	ck_assert_msg(names == text || names[-1] == '\n', "names line is not line_len long");
	ck_assert_int_eq(names[vl->line_len - 1], '\n');
	ck_assert_int_eq(names[0], '#');
	ck_assert_uint_eq((len - vl->header_len) % vl->line_len, 0);
	for (size_t off = vl->header_len; off < len; off += vl->line_len) {
		const char *nl = memchr(text + off, '\n', len - off);
		ck_assert_ptr_nonnull(nl);
		ck_assert_uint_eq((size_t)(nl - text) - off + 1, vl->line_len);
	}
}

/* Renders DATA (LEN bytes) as type DECL and compares with WANT exactly. */
static void assert_view(const char *decl, const void *data, size_t len, const char *want)
{
	struct vt v;
	vt_open(&v, decl, "seg", data, len);
	size_t n;
	char *text = vt_text(&v, &n);
	ck_assert_str_eq(text, want);
	assert_line_lengths(&v, text, n);
	free(text);
	vt_close(&v);
}

/* ---- exact text ---- */

START_TEST(seed_exact)
{
	int64_t rec[3] = { 100, 876, 8021 };
	assert_view("int64 Col1; int64 Col2; int64 Col3", rec, sizeof rec,
		    "# shmfs view: int64 Col1; int64 Col2; int64 Col3\n"
		    "# type: int64 Col1 @0 +8; int64 Col2 @8 +8; int64 Col3 @16 +8\n"
		    "# record: 24 bytes, align 8\n"
		    "# records: 1\n"
		    "# leftover: 0 bytes\n"
		    "# edit: echo 'INDEX FIELD=VALUE ...' > THIS_FILE\n"
		    "#                 Col1                 Col2                 Col3\n"
		    "0                  100                  876                 8021\n");
}
END_TEST

struct ints {
	int8_t a;
	uint8_t b;
	int16_t c;
	uint16_t d;
	int32_t e;
	uint32_t f;
	int64_t g;
	uint64_t h;
};

START_TEST(ints_exact)
{
	/* static: padding bytes are zero, and the whole record is written out */
	static struct ints r[3] = {
		{ INT8_MIN, 0, INT16_MIN, 0, INT32_MIN, 0, INT64_MIN, 0 },
		{ INT8_MAX, UINT8_MAX, INT16_MAX, UINT16_MAX, INT32_MAX, UINT32_MAX, INT64_MAX, UINT64_MAX },
		{ 7, 42, -300, 1000, 123456, 99, -5, 10000000000ULL },
	};
	assert_view("int8 a; uint8 b; int16 c; uint16 d; int32 e; uint32 f; int64 g; uint64 h", r, sizeof r,
		    "# shmfs view: int8 a; uint8 b; int16 c; uint16 d; int32 e; uint32 f; int64 g; uint64 h\n"
		    "# type: int8 a @0 +1; uint8 b @1 +1; int16 c @2 +2; uint16 d @4 +2; int32 e @8 +4; "
		    "uint32 f @12 +4; int64 g @16 +8; uint64 h @24 +8\n"
		    "# record: 32 bytes, align 8\n"
		    "# records: 3\n"
		    "# leftover: 0 bytes\n"
		    "# edit: echo 'INDEX FIELD=VALUE ...' > THIS_FILE\n"
		    "#    a   b      c     d           e          f                    g                    h\n"
		    "0 -128   0 -32768     0 -2147483648          0 -9223372036854775808                    0\n"
		    "1  127 255  32767 65535  2147483647 4294967295  9223372036854775807 18446744073709551615\n"
		    "2    7  42   -300  1000      123456         99                   -5          10000000000\n");
}
END_TEST

struct hexes {
	uint32_t flags;
	int16_t s;
	uint8_t b;
	uint64_t w;
};

START_TEST(hex_exact)
{
	static struct hexes r[2] = {
		{ 0xdeadbeef, -2, 0x0a, 0x0123456789abcdefULL },
		{ 0, 0, 0, UINT64_MAX },
	};
	assert_view("uint32 flags : hex; int16 s : hex; uint8 b : hex; uint64 w : hex", r, sizeof r,
		    "# shmfs view: uint32 flags : hex; int16 s : hex; uint8 b : hex; uint64 w : hex\n"
		    "# type: uint32 flags : hex @0 +4; int16 s : hex @4 +2; uint8 b : hex @6 +1; "
		    "uint64 w : hex @8 +8\n"
		    "# record: 16 bytes, align 8\n"
		    "# records: 2\n"
		    "# leftover: 0 bytes\n"
		    "# edit: echo 'INDEX FIELD=VALUE ...' > THIS_FILE\n"
		    "#      flags      s    b                  w\n"
		    "0 0xdeadbeef 0xfffe 0x0a 0x0123456789abcdef\n"
		    "1 0x00000000 0x0000 0x00 0xffffffffffffffff\n");
}
END_TEST

struct floats {
	float f;
	double d;
};

START_TEST(floats_exact)
{
	static struct floats r[12] = {
		{ -0.0f, -0.0 },
		{ NAN, -INFINITY },
		{ INFINITY, 4.9e-324 },
		{ FLT_TRUE_MIN, 0.1 },
		{ 0.1f, 1e300 },
		{ FLT_MAX, DBL_MAX },
		{ FLT_MIN, DBL_MIN },
		{ 1.0f / 3, 123456789.0 },
		{ 16777216.0f, -1.5 },
		{ 1e-5f, 100.0 },
		{ 1e9f, 1e15 },
		{ 100000.0f, 1e14 },
	};
	assert_view("float f; double d", r, sizeof r,
		    "# shmfs view: float32 f; float64 d\n"
		    "# type: float32 f @0 +4; float64 d @8 +8\n"
		    "# record: 16 bytes, align 8\n"
		    "# records: 12\n"
		    "# leftover: 0 bytes\n"
		    "# edit: echo 'INDEX FIELD=VALUE ...' > THIS_FILE\n"
		    "#                f                        d\n"
		    " 0              -0                       -0\n"
		    " 1             nan                     -inf\n"
		    " 2             inf                   5e-324\n"
		    " 3           1e-45                      0.1\n"
		    " 4             0.1                   1e+300\n"
		    " 5   3.4028235e+38  1.7976931348623157e+308\n"
		    " 6   1.1754944e-38  2.2250738585072014e-308\n"
		    " 7      0.33333334                123456789\n"
		    " 8        16777216                     -1.5\n"
		    " 9           1e-05                      100\n"
		    "10           1e+09                    1e+15\n"
		    "11          100000          100000000000000\n");
}
END_TEST

struct strs {
	char name[8];
	bool ok;
	char c;
};

START_TEST(strings_exact)
{
	struct strs r[5] = {
		{ "a\"b\\c", 1, 'x' },
		{ "x\ny\tz\r", 0, '"' },
		{ "\xc3\xa9t\x01\x7f", 0, 0 },
		{ { 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H' }, 0, (char)0xff },
		{ "", 0, 0 },
	};
	r[2].ok = true;
	/* A bool byte that is neither 0 nor 1 still reads as true. */
	memset(&r[4].ok, 2, 1);
	assert_view("char name[8]; bool ok; char c", r, sizeof r,
		    "# shmfs view: char name[8]; bool ok; char c\n"
		    "# type: char name[8] @0 +8; bool ok @8 +1; char c @9 +1\n"
		    "# record: 10 bytes, align 1\n"
		    "# records: 5\n"
		    "# leftover: 0 bytes\n"
		    "# edit: echo 'INDEX FIELD=VALUE ...' > THIS_FILE\n"
		    "# name                                  ok      c\n"
		    "0 \"a\\\"b\\\\c\"                           true    \"x\"\n"
		    "1 \"x\\ny\\tz\\r\"                        false   \"\\\"\"\n"
		    "2 \"\\xc3\\xa9t\\x01\\x7f\"                 true     \"\"\n"
		    "3 \"ABCDEFGH\"                         false \"\\xff\"\n"
		    "4 \"\"                                  true     \"\"\n");
}
END_TEST

struct arrays {
	int32_t q[3];
	bool b[2];
	double d[2];
	uint8_t h[2];
};

START_TEST(arrays_exact)
{
	static struct arrays r[1] = { { { 1, -2, INT32_MAX }, { 1, 0 }, { 0.5, -0.0 }, { 0xab, 0x01 } } };
	assert_view("int32 q[3]; bool b[2]; double d[2]; uint8 h[2] : hex", r, sizeof r,
		    "# shmfs view: int32 q[3]; bool b[2]; float64 d[2]; uint8 h[2] : hex\n"
		    "# type: int32 q[3] @0 +12; bool b[2] @12 +2; float64 d[2] @16 +16; "
		    "uint8 h[2] : hex @32 +2\n"
		    "# record: 40 bytes, align 8\n"
		    "# records: 1\n"
		    "# leftover: 0 bytes\n"
		    "# edit: echo 'INDEX FIELD=VALUE ...' > THIS_FILE\n"
		    "#                                     q             b"
		    "                                                   d           h\n"
		    "0                     [1,-2,2147483647]  [true,false]"
		    "                                            [0.5,-0] [0xab,0x01]\n");
}
END_TEST

START_TEST(leftover_and_empty)
{
	int64_t rec[7] = { 1, 2, 3, 4, 5, 6, 0x7777777777777777 };
	/* 2 records of 24 bytes and 5 bytes over: only the hint tells of them. */
	assert_view("int64 a; int64 b; int64 c", rec, 53,
		    "# shmfs view: int64 a; int64 b; int64 c\n"
		    "# type: int64 a @0 +8; int64 b @8 +8; int64 c @16 +8\n"
		    "# record: 24 bytes, align 8\n"
		    "# records: 2\n"
		    "# leftover: 5 bytes (size is not a multiple of the record: wrong type?)\n"
		    "# edit: echo 'INDEX FIELD=VALUE ...' > THIS_FILE\n"
		    "#                    a                    b                    c\n"
		    "0                    1                    2                    3\n"
		    "1                    4                    5                    6\n");

	/* An empty segment: the header alone; nothing past it. */
	struct vt v;
	vt_open(&v, "int64 a; int64 b; int64 c", "empty", NULL, 0);
	ck_assert_uint_eq(v.vl.nrecords, 0);
	ck_assert_uint_eq(view_size(&v.vl), v.vl.header_len);
	char buf[64];
	ck_assert_int_eq(view_read(&v.vl, v.m, buf, sizeof buf, (off_t)v.vl.header_len), 0);
	ck_assert_int_eq(view_read(&v.vl, v.m, buf, sizeof buf, 1 << 30), 0);
	ck_assert_int_eq(view_read(&v.vl, v.m, buf, sizeof buf, -1), -EINVAL);
	ck_assert_int_eq(view_read(&v.vl, v.m, buf, 0, 0), 0);
	ck_assert_ptr_nonnull(strstr(v.vl.head, "# records: 0\n# leftover: 0 bytes\n"));
	vt_close(&v);
}
END_TEST

/* The names line is as long as a record line, 4 MiB here: made by each read, not by the layout,
 * which a lookup of the view makes. */
START_TEST(names_line_not_kept)
{
	struct rtype *t = parse_type("char blob[1048576]");
	struct view_layout vl;
	ck_assert_int_eq(view_layout_init(&vl, t, 3 << 20), 0);
	ck_assert_uint_eq(vl.header_len, vl.head_len + vl.line_len);
	ck_assert_uint_gt(vl.line_len, 4u << 20);
	ck_assert_uint_lt(vl.head_len, 400);
	view_layout_free(&vl);
	rtype_free(t);
}
END_TEST

/* Line 1 of the header is a declaration that parses back to the same layout. */
START_TEST(header_declaration_reparses)
{
	static const char *decls[] = {
		("struct S { char tag; double d; short s[3]; unsigned char u : hex; _Bool b; "
		 "char name[5]; long long l; float f[2]; int i : hex; };"),
		"int64 Col1; int64 Col2; int64 Col3",
		"char c; char s[1]; uint16 h[4] : hex",
	};
	for (size_t k = 0; k < G_N_ELEMENTS(decls); k++) {
		struct rtype *t = parse_type(decls[k]);
		struct view_layout vl;
		ck_assert_int_eq(view_layout_init(&vl, t, 1000), 0);
		const char *p = vl.head + strlen("# shmfs view: ");
		ck_assert(g_str_has_prefix(vl.head, "# shmfs view: "));
		char *decl = g_strndup(p, strcspn(p, "\n"));
		struct rtype *u = parse_type(decl);
		ck_assert_uint_eq(u->nfields, t->nfields);
		ck_assert_uint_eq(u->size, t->size);
		ck_assert_uint_eq(u->align, t->align);
		for (size_t i = 0; i < t->nfields; i++) {
			ck_assert_str_eq(u->fields[i].name, t->fields[i].name);
			ck_assert_int_eq(u->fields[i].kind, t->fields[i].kind);
			ck_assert_uint_eq(u->fields[i].offset, t->fields[i].offset);
			ck_assert_uint_eq(u->fields[i].count, t->fields[i].count);
			ck_assert_int_eq(u->fields[i].is_string, t->fields[i].is_string);
			ck_assert_int_eq(u->fields[i].hex, t->fields[i].hex);
		}
		rtype_free(u);
		g_free(decl);
		view_layout_free(&vl);
		rtype_free(t);
	}
}
END_TEST

/* ---- value round trips ---- */

static const struct rfield *field_of(const struct rtype *t, const char *name)
{
	const struct rfield *f = rtype_field(t, name);
	ck_assert_ptr_nonnull(f);
	return f;
}

/* True when the element at P is a float or double NaN (whose payload the text does not keep). */
static bool is_nan_elem(const struct rfield *f, const void *p)
{
	float x;
	double y;

	if (f->kind == RT_FLOAT32) {
		memcpy(&x, p, sizeof x);
		return isnan(x);
	}
	if (f->kind == RT_FLOAT64) {
		memcpy(&y, p, sizeof y);
		return isnan(y);
	}
	return false;
}

/* Formats the element at SRC and parses the text back; the bytes must come back the same. */
static void assert_elem_roundtrip(const struct rfield *f, const void *src)
{
	char text[VALUE_SCALAR_MAX + 1];
	unsigned char back[8] = { 0 };
	size_t n = value_format_elem(f, src, text), used;

	ck_assert_uint_le(n, value_elem_width(f));
	text[n] = '\0';
	ck_assert_msg(value_parse_elem(f, text, n, back, &used) == VALUE_OK, "%s: '%s' does not parse",
		      f->name, text);
	ck_assert_uint_eq(used, n);
	if (is_nan_elem(f, src)) {
		ck_assert_str_eq(text, "nan");
		ck_assert(is_nan_elem(f, back));
		return;
	}
	ck_assert_msg(memcmp(back, src, f->elem_size) == 0, "%s: '%s' reads back as other bits",
		      f->name, text);
}

START_TEST(float_roundtrip)
{
	struct rtype *t = parse_type("float f; double d");
	const struct rfield *ff = field_of(t, "f"), *fd = field_of(t, "d");

	rng_state = 0x1234567;
	for (int i = 0; i < 20000; i++) {
		uint32_t b32 = (uint32_t)rng();
		uint64_t b64 = rng();
		assert_elem_roundtrip(ff, &b32);
		assert_elem_roundtrip(fd, &b64);
	}
	static const double dv[] = { 0.0, -0.0, 0.1, 0.2, 0.3, 1e300, 4.9e-324, DBL_MIN, DBL_MAX,
				     DBL_EPSILON, 1.0 / 3, 123456789012345678.0, -2.5e-310, INFINITY,
				     -INFINITY, NAN };
	static const float fv[] = { 0.0f, -0.0f, 0.1f, FLT_TRUE_MIN, FLT_MIN, FLT_MAX, FLT_EPSILON,
				    1.0f / 3, 16777217.0f, -3e-40f, INFINITY, -INFINITY, NAN };
	for (size_t i = 0; i < G_N_ELEMENTS(dv); i++)
		assert_elem_roundtrip(fd, &dv[i]);
	for (size_t i = 0; i < G_N_ELEMENTS(fv); i++)
		assert_elem_roundtrip(ff, &fv[i]);

	/* Shortest: 0.1 is "0.1", not 0.10000000000000001. */
	char text[VALUE_SCALAR_MAX];
	double tenth = 0.1;
	ck_assert_uint_eq(value_format_elem(fd, &tenth, text), 3);
	ck_assert(memcmp(text, "0.1", 3) == 0);
	rtype_free(t);
}
END_TEST

START_TEST(int_roundtrip)
{
	struct rtype *t = parse_type("int8 a; uint8 b; int16 c; uint16 d; int32 e; uint32 f; int64 g; "
				     "uint64 h; int8 ha : hex; int64 hg : hex; uint16 hd : hex; bool z; char y");
	static const int64_t sv[] = { 0, 1, -1, 9, 10, -10, 99, 100, 127, -128, 255, 32767, -32768,
				      65535, INT32_MAX, INT32_MIN, UINT32_MAX, INT64_MAX, INT64_MIN };

	rng_state = 42;
	for (size_t i = 0; i < t->nfields; i++) {
		const struct rfield *f = &t->fields[i];
		for (size_t k = 0; k < G_N_ELEMENTS(sv); k++) {
			unsigned char b[8];
			memcpy(b, &sv[k], 8); /* the low bytes of each: x86-64 is little-endian */
			if (f->kind == RT_BOOL)
				b[0] &= 1;
			assert_elem_roundtrip(f, b);
		}
		for (int k = 0; k < 2000; k++) {
			uint64_t v = rng() >> (rng() % 64);
			if (f->kind == RT_BOOL)
				v &= 1;
			assert_elem_roundtrip(f, &v);
		}
	}
	rtype_free(t);
}
END_TEST

/* ---- reads at any offset ---- */

static const char mixed_decl[] =
	"int8 a; uint16 b; int32 c : hex; float f; double d; bool ok; char ch; char name[6]; "
	"int16 q[3]; uint64 big; float v[2]";

/* Random records, with the bytes that render lossily (strings after a NUL, bools) made regular. */
static void *random_records(const struct rtype *t, size_t n)
{
	unsigned char *buf = malloc(n * t->size);
	ck_assert_ptr_nonnull(buf);
	fill_random(buf, n * t->size);
	for (size_t r = 0; r < n; r++) {
		unsigned char *rec = buf + r * t->size;
		for (size_t i = 0; i < t->nfields; i++) {
			const struct rfield *f = &t->fields[i];
			if (f->kind == RT_BOOL)
				for (size_t k = 0; k < f->count; k++)
					rec[f->offset + k] &= 1;
			if (f->is_string) {
				/* The text stops at the first NUL: none before LEN, all zero after. */
				size_t len = rng() % (f->count + 1);
				for (size_t k = 0; k < len; k++)
					rec[f->offset + k] |= !rec[f->offset + k];
				memset(rec + f->offset + len, 0, f->count - len);
			}
		}
	}
	return buf;
}

START_TEST(random_slices)
{
	struct rtype *t = parse_type(mixed_decl);
	const size_t nrec = 200;
	rng_state = 7;
	void *data = random_records(t, nrec + 1); /* and 3 bytes over: leftover */
	struct vt v;
	vt_open(&v, mixed_decl, "seg", data, nrec * t->size + 3);

	size_t len;
	char *text = vt_text(&v, &len);
	ck_assert_uint_eq(len, v.vl.header_len + nrec * v.vl.line_len);
	assert_line_lengths(&v, text, len);

	/* Each record line is view_render_record's output, index first. */
	char *line = malloc(v.vl.line_len);
	for (size_t r = 0; r < nrec; r++) {
		view_render_record(&v.vl, r, (char *)data + r * t->size, line);
		ck_assert(memcmp(line, text + v.vl.header_len + r * v.vl.line_len, v.vl.line_len) == 0);
		ck_assert_uint_eq(strtoull(line, NULL, 10), r);
	}

	char *buf = malloc(len + 8192);
	for (int i = 0; i < 1000; i++) {
		size_t off = rng() % (len + 64);
		size_t want = i % 10 == 0 ? rng() % (len + 1) : rng() % (3 * v.vl.line_len + 2);
		memset(buf, 0x55, want + 1);
		ssize_t n = view_read(&v.vl, v.m, buf, want, (off_t)off);
		size_t expect = off >= len ? 0 : MIN(want, len - off);
		ck_assert_int_eq(n, (ssize_t)expect);
		ck_assert_msg(memcmp(buf, text + MIN(off, len), expect) == 0, "slice at %zu +%zu differs",
			      off, want);
		ck_assert_int_eq((unsigned char)buf[expect], 0x55); /* nothing written past it */
	}
	free(buf);
	free(line);
	free(text);
	free(data);
	vt_close(&v);
	rtype_free(t);
}
END_TEST

/* The text of a record line, split into its values, parses back into the record's bytes. */
START_TEST(rendered_values_parse_back)
{
	struct rtype *t = parse_type(mixed_decl);
	rng_state = 99;
	const size_t nrec = 300;
	unsigned char *data = random_records(t, nrec);
	struct view_layout vl;
	ck_assert_int_eq(view_layout_init(&vl, t, nrec * t->size), 0);
	char *line = malloc(vl.line_len);
	unsigned char *back = malloc(t->size);

	for (size_t r = 0; r < nrec; r++) {
		unsigned char *rec = data + r * t->size;
		view_render_record(&vl, r, rec, line);
		size_t col = vl.index_width;
		for (size_t i = 0; i < t->nfields; i++) {
			const struct rfield *f = &t->fields[i];
			const char *s = line + col + 1;
			size_t w = vl.col_width[i], skip = 0, used;
			while (skip < w && s[skip] == ' ')
				skip++;
			ck_assert_int_eq(value_parse_field(f, s + skip, w - skip, back, &used), VALUE_OK);
			for (size_t k = skip + used; k < w; k++)
				ck_assert_int_eq(s[k], ' ');
			for (size_t e = 0; e < f->count; e++) {
				const unsigned char *a = rec + f->offset + e * f->elem_size;
				const unsigned char *b = back + e * f->elem_size;
				if (is_nan_elem(f, a))
					ck_assert(is_nan_elem(f, b));
				else
					ck_assert_msg(memcmp(a, b, f->elem_size) == 0, "record %zu field %s",
						      r, f->name);
			}
			col += 1 + w;
		}
	}
	free(back);
	free(line);
	free(data);
	view_layout_free(&vl);
	rtype_free(t);
}
END_TEST

/* ---- cut lines: a read inside a long line renders its part, the same bytes as the whole ---- */

/* A window of the text to read: anywhere, of 1 byte to a few lines; or starting or ending at and
 * around a field's column edges, where a cut read switches between fields and paths. */
static void pick_window(const struct view_layout *vl, size_t len, int i, size_t *off, size_t *want)
{
	const struct rtype *t = vl->type;
	size_t r = rng() % (vl->nrecords + 1), k = rng() % t->nfields; /* line 0: the names */
	size_t edge = vl->head_len + r * vl->line_len + vl->col_start[k] +
		      (rng() % 2 ? vl->col_width[k] : 0) + rng() % 7 - 3;

	*off = rng() % len;
	switch (i % 6) {
	case 0: *want = 1; break;
	case 1: *want = 1 + rng() % 64; break;
	case 2: *want = 1 + rng() % (2 * vl->line_len + 2); break;
	case 3: *off = edge; *want = 1 + rng() % 16; break;
	case 4: *off = edge; *want = 1 + rng() % 5000; break;
	default: *want = 1 + rng() % 300; *off = edge > *want ? edge - *want : 0; break;
	}
}

/* Reads COUNT windows of V's view and compares each with the same bytes of TEXT, the whole text
 * (LEN bytes) read at once. */
static void assert_windows(struct vt *v, const char *text, size_t len, int count)
{
	char *buf = malloc(len + 1);
	ck_assert_ptr_nonnull(buf);
	for (int i = 0; i < count; i++) {
		size_t off, want;
		pick_window(&v->vl, len, i, &off, &want);
		memset(buf, 0x55, MIN(want, len) + 1);
		ssize_t n = view_read(&v->vl, v->m, buf, want, (off_t)off);
		size_t expect = off >= len ? 0 : MIN(want, len - off);
		ck_assert_int_eq(n, (ssize_t)expect);
		ck_assert_msg(memcmp(buf, text + MIN(off, len), expect) == 0,
			      "%s: window at %zu +%zu differs", v->t->fields[0].name, off, want);
		ck_assert_int_eq((unsigned char)buf[expect], 0x55); /* nothing written past it */
	}
	free(buf);
}

/* The names line of TEXT is '#', then each field's name right-aligned in its column (left-aligned
 * over strings), one space before each column: made here the plain way, with printf. */
static void assert_names_line(const struct view_layout *vl, const char *text)
{
	GString *want = g_string_new("#");
	for (size_t i = 1; i < vl->index_width; i++)
		g_string_append_c(want, ' ');
	for (size_t i = 0; i < vl->type->nfields; i++) {
		const struct rfield *f = &vl->type->fields[i];
		g_string_append_printf(want, f->is_string ? " %-*s" : " %*s", (int)vl->col_width[i], f->name);
	}
	g_string_append_c(want, '\n');
	ck_assert_uint_eq(want->len, vl->line_len);
	ck_assert(memcmp(text + vl->head_len, want->str, want->len) == 0);
	g_string_free(want, TRUE);
}

/* Bytes that all need escapes (and the plain ones around them), for string fields. */
static void fill_escapes(unsigned char *p, size_t n)
{
	static const unsigned char pick[] = { '"', '\\', '\n', '\t', '\r', 1, 0x1f, 0x7f, 0x80, 0xff,
					      'a', ' ' };
	for (size_t i = 0; i < n; i++)
		p[i] = pick[rng() % sizeof pick];
}

/* NREC random records of DECL (strings of random length, ESCAPES: mostly bytes that need escapes;
 * numbers of every magnitude), their view read in windows against the whole text. */
static void check_windows(const char *decl, size_t nrec, bool escapes, int count)
{
	struct rtype *t = parse_type(decl);
	unsigned char *data = random_records(t, nrec);
	for (size_t r = 0; r < nrec; r++) {
		unsigned char *rec = data + r * t->size;
		for (size_t i = 0; i < t->nfields; i++) {
			const struct rfield *f = &t->fields[i];
			unsigned char *p = rec + f->offset;
			if (f->is_string && r % 3 == 2) /* full: no NUL at all, the text ends at N */
				for (size_t k = 0; k < f->count; k++)
					p[k] = (unsigned char)('A' + k % 26);
			if (f->is_string && escapes)
				fill_escapes(p, strnlen((char *)p, f->count));
			/* small numbers too: short text, more padding */
			if (f->kind <= RT_UINT64 && r % 2)
				for (size_t e = 0; e < f->count; e++)
					p[e * f->elem_size + f->elem_size - 1] = 0;
		}
	}
	if (nrec > 2) /* and one record all zeros: empty strings, "0"s, the most padding */
		memset(data + t->size, 0, t->size);
	struct vt v;
	vt_open(&v, decl, "seg", data, nrec * t->size);
	size_t len;
	char *text = vt_text(&v, &len);
	assert_line_lengths(&v, text, len);
	assert_names_line(&v.vl, text);
	assert_windows(&v, text, len, count);
	free(text);
	free(data);
	vt_close(&v);
	ck_assert_int_eq(seg_unlink(dfd, "seg"), 0);
	rtype_free(t);
}

/* A view to read in windows: its type, how many records, whether its strings are mostly escapes,
 * how many windows. */
struct window_case {
	const char *decl;
	size_t nrec;
	bool escapes;
	int count;
};

static void check_window_cases(uint64_t seed, const struct window_case *c, size_t n)
{
	rng_state = seed;
	for (size_t i = 0; i < n; i++)
		check_windows(c[i].decl, c[i].nrec, c[i].escapes, c[i].count);
}

START_TEST(windows_narrow)
{
	static const struct window_case cases[] = {
		{ "int8 a; uint8 b; int16 c; uint16 d; int32 e; uint32 f; int64 g; uint64 h", 50, false,
		  3000 },
		{ "float f; double d; bool ok; uint32 flags : hex; int16 s : hex", 50, false, 3000 },
		{ mixed_decl, 50, true, 3000 },
	};
	check_window_cases(11, cases, G_N_ELEMENTS(cases));
}
END_TEST

START_TEST(windows_long_arrays)
{
	static const struct window_case cases[] = {
		{ "int8 a[300]; uint16 b[100]; int32 c[50]; uint64 h[40]", 6, false, 3000 },
		{ "float fa[40]; double da[30]; bool bs[100]", 6, false, 3000 },
		{ "uint32 flags[30] : hex; int8 b[70] : hex; int64 w[20] : hex", 6, false, 3000 },
		{ "int64 v[5000]", 4, false, 4000 },
		/* records larger than a read's chunk: a cut line reads its part of the record alone */
		{ "int64 v[9000]; uint8 b[200]", 4, false, 4000 },
	};
	check_window_cases(12, cases, G_N_ELEMENTS(cases));
}
END_TEST

START_TEST(windows_long_strings)
{
	static const struct window_case cases[] = {
		{ "char s[300]; int8 n; char t[40]; char u[33]", 20, true, 4000 },
		{ "char s[300]; int8 n; char t[40]; char u[33]", 20, false, 4000 },
		{ "char blob[65536]", 4, true, 3000 },
		{ "char blob[65536]", 4, false, 2000 },
		{ "int8 a; char blob[65536]; int64 z", 3, true, 2000 },
		{ "int8 a; char blob[65536]; int64 z", 3, false, 2000 },
	};
	check_window_cases(13, cases, G_N_ELEMENTS(cases));
}
END_TEST

/* As many fields as a declaration may have (RTYPE_MAX_FIELDS), of every kind: a cut read finds
 * its first field by the columns' starts. */
START_TEST(windows_many_fields)
{
	static const char *const kinds[] = { "int8", "uint16", "int32 : hex", "int64", "float",
					     "double", "bool", "char", "char [5]", "int16 [3]" };
	GString *decl = g_string_new("");
	for (int i = 0; i < RTYPE_MAX_FIELDS; i++) {
		const char *k = kinds[i % G_N_ELEMENTS(kinds)], *sp = strchr(k, ' ');
		size_t base = sp ? (size_t)(sp - k) : strlen(k);
		g_string_append_printf(decl, "%.*s f%d%s; ", (int)base, k, i, sp ? sp + 1 : "");
	}
	rng_state = 14;
	check_windows(decl->str, 5, true, 4000);
	/* and 72 KiB records of them, which a cut line reads only in part */
	g_string_truncate(decl, 0);
	for (int i = 0; i < RTYPE_MAX_FIELDS; i++)
		g_string_append_printf(decl, i % 2 ? "int64 a%d[17]; " : "char s%d[16]; ", i);
	check_windows(decl->str, 4, true, 4000);
	g_string_free(decl, TRUE);
}
END_TEST

/* The lengths a cut read counts with are those of the text. */
START_TEST(value_lengths)
{
	char text[VALUE_SCALAR_MAX];
	for (int k = 0; k < 64; k++) {
		uint64_t p = 1;
		for (int d = 0; d < k % 20; d++)
			p *= 10;
		uint64_t vals[] = { p - 1, p, p + 1, UINT64_MAX >> (k % 64), 0 };
		for (size_t i = 0; i < G_N_ELEMENTS(vals); i++) {
			char *end = text + sizeof text;
			size_t n = (size_t)(end - value_format_u64_back(vals[i], end));
			ck_assert_uint_eq(value_u64_len(vals[i]), n);
		}
	}
	struct rtype *t = parse_type("int8 a; uint8 b; int16 c; uint16 d; int32 e; uint32 f; int64 g; "
				     "uint64 h; int32 x : hex; float y; double z; bool o; char c1");
	rng_state = 15;
	for (size_t i = 0; i < t->nfields; i++)
		for (int k = 0; k < 3000; k++) {
			uint64_t v = rng() >> (rng() % 64);
			if (t->fields[i].kind == RT_BOOL)
				v &= 1;
			ck_assert_uint_eq(value_elem_len(&t->fields[i], &v),
					  value_format_elem(&t->fields[i], &v, text));
		}
	rtype_free(t);
}
END_TEST

/* ---- big sparse segments ---- */

START_TEST(big_sparse_tail)
{
	const uint64_t size = 4000000000ULL;
	struct vt v;
	vt_open(&v, "int64 Col1; int64 Col2; int64 Col3", "big", NULL, size);
	ck_assert_uint_eq(v.vl.nrecords, 166666666);
	ck_assert_uint_eq(v.vl.leftover, 16);
	ck_assert_uint_eq(v.vl.index_width, 9);
	ck_assert_uint_eq(v.vl.line_len, 9 + 3 * 21 + 1);
	ck_assert_uint_eq(view_size(&v.vl), v.vl.header_len + 166666666ULL * 73);

	struct stat before, after;
	ck_assert_int_eq(fstat(v.fd, &before), 0);

	char buf[4096];
	uint64_t total = view_size(&v.vl);
	double t0 = now();
	ssize_t n = view_read(&v.vl, v.m, buf, sizeof buf, (off_t)(total - sizeof buf));
	double dt = now() - t0;
	ck_assert_int_eq(n, (ssize_t)sizeof buf);
	ck_assert_msg(dt < 0.5, "reading the tail took %.3f s", dt);

	const char *last = "166666665                    0                    0                    0\n";
	ck_assert(memcmp(buf + sizeof buf - strlen(last), last, strlen(last)) == 0);
	ck_assert(memcmp(buf + sizeof buf - 2 * strlen(last), "166666664 ", 10) == 0);

	/* The head too, and nothing was allocated for either. */
	n = view_read(&v.vl, v.m, buf, sizeof buf, 0);
	ck_assert_int_eq(n, (ssize_t)sizeof buf);
	ck_assert(memcmp(buf + v.vl.header_len, "        0 ", 10) == 0);
	ck_assert_int_eq(fstat(v.fd, &after), 0);
	ck_assert_int_eq(after.st_blocks, before.st_blocks);
	ck_assert_int_eq(after.st_size, (off_t)size);
	vt_close(&v);
}
END_TEST

/* ---- a segment that shrank after its layout was made ---- */

START_TEST(shrunk_segment)
{
	int64_t rec[300];
	for (int i = 0; i < 300; i++)
		rec[i] = i;
	struct vt v;
	vt_open(&v, "int64 a; int64 b; int64 c", "seg", rec, sizeof rec);
	size_t len = view_size(&v.vl);
	char *buf = malloc(len);

	/* Half of it gone: a whole read stops short, after the 50 records still there. */
	ck_assert_int_eq(ftruncate(v.fd, sizeof rec / 2), 0);
	ssize_t n = view_read(&v.vl, v.m, buf, len, 0);
	ck_assert_int_eq(n, (ssize_t)(v.vl.header_len + 50 * v.vl.line_len));
	ck_assert(memcmp(buf + v.vl.header_len + 49 * v.vl.line_len, "49 ", 3) == 0);
	/* A read of records past the new end alone fails. */
	n = view_read(&v.vl, v.m, buf, 100, (off_t)(len - 100));
	ck_assert_int_eq(n, -EIO);

	/* All of it gone. */
	ck_assert_int_eq(ftruncate(v.fd, 0), 0);
	n = view_read(&v.vl, v.m, buf, len, 0);
	ck_assert_int_eq(n, (ssize_t)v.vl.header_len);
	for (int i = 0; i < 50; i++) {
		off_t off = (off_t)(v.vl.header_len + (size_t)i * 97);
		n = view_read(&v.vl, v.m, buf, 1000, off);
		ck_assert_int_eq(n, -EIO);
	}
	/* The header still reads. */
	ck_assert_int_eq(view_read(&v.vl, v.m, buf, 10, 0), 10);
	free(buf);
	vt_close(&v);
}
END_TEST

/* A record larger than a read's chunk, which a cut read reads only in part: still only whole. */
START_TEST(shrunk_wide_segment)
{
	const char *decl = "char a[40000]; char b[40000]";
	static char rec[3][80000];
	memset(rec, 'x', sizeof rec);
	struct vt v;
	vt_open(&v, decl, "seg", rec, sizeof rec);
	size_t line = v.vl.line_len, head = v.vl.header_len;
	char buf[100];

	ck_assert_int_eq(ftruncate(v.fd, 80000 + 50000), 0); /* record 1 cut in its b */
	ck_assert_int_eq(view_read(&v.vl, v.m, buf, 10, (off_t)(head + v.vl.col_start[0])), 10);
	ck_assert(memcmp(buf, "\"xxxxxxxxx", 10) == 0);
	ck_assert_int_eq(view_read(&v.vl, v.m, buf, 10, (off_t)(head + line + 5)), -EIO);
	ck_assert_int_eq(view_read(&v.vl, v.m, buf, 10, (off_t)(head + 2 * line - 20)), -EIO);
	/* a read from record 0 into record 1 stops at the end of record 0's line */
	ck_assert_int_eq(view_read(&v.vl, v.m, buf, 100, (off_t)(head + line - 50)), 50);
	vt_close(&v);
}
END_TEST

/* ---- view_error_text ---- */

START_TEST(error_text)
{
	struct rtype_error err = { .line = 2, .col = 3, .msg = "line 2, col 3: unknown type 'int65'" };
	size_t len;
	char *s = view_error_text("int64 a;\n\tint65 b;", &err, &len);
	ck_assert_uint_eq(len, strlen(s));
	ck_assert_str_eq(s, "# shmfs view: the type of this segment does not parse\n"
			    "# error: line 2, col 3: unknown type 'int65'\n"
			    "# type:\n"
			    "#   int64 a;\n"
			    "#   \tint65 b;\n"
			    "#   \t ^\n"
			    "# fix the type (xattr user.shmfs.type or the types file) to see the records\n");
	g_free(s);

	/* Control bytes of a hostile declaration do not break lines; no ERR at all still says something. */
	s = view_error_text("a\rb\x1b", NULL, &len);
	ck_assert_str_eq(s, "# shmfs view: the type of this segment does not parse\n"
			    "# error: unknown error\n"
			    "# type:\n"
			    "#   a?b?\n"
			    "# fix the type (xattr user.shmfs.type or the types file) to see the records\n");
	g_free(s);

	/* A real parse error, whole. */
	struct rtype_error real;
	ck_assert_ptr_null(rtype_parse("int64 a; int65 b", &real));
	s = view_error_text("int64 a; int65 b", &real, &len);
	ck_assert_ptr_nonnull(strstr(s, real.msg));
	ck_assert_ptr_nonnull(strstr(s, "#   int64 a; int65 b\n#            ^\n"));
	for (size_t i = 0; i < len; i++)
		ck_assert(i == 0 || s[i - 1] != '\n' || s[i] == '#');
	g_free(s);
}
END_TEST

/* ---- viewfile: names, attributes, an open view ---- */

START_TEST(viewfile_names)
{
	char *s = viewfile_name("my_shm");
	ck_assert_str_eq(s, "my_shm.txt");
	g_free(s);
	char seg[NAME_MAX + 1];
	memset(seg, 'a', sizeof seg);
	seg[NAME_MAX - 4] = '\0'; /* 251 bytes: the view's name is 255 */
	s = viewfile_name(seg);
	ck_assert_uint_eq(strlen(s), NAME_MAX);
	g_free(s);
	seg[NAME_MAX - 4] = 'a';
	seg[NAME_MAX - 3] = '\0'; /* 252: no name, no view */
	ck_assert_ptr_null(viewfile_name(seg));

	s = viewfile_segment("my_shm.txt");
	ck_assert_str_eq(s, "my_shm");
	g_free(s);
	s = viewfile_segment("a.txt.txt");
	ck_assert_str_eq(s, "a.txt");
	g_free(s);
	ck_assert_ptr_null(viewfile_segment(".txt"));
	ck_assert_ptr_null(viewfile_segment("a.tx"));
	ck_assert_ptr_null(viewfile_segment("atxt"));

	/* A real file of the view's name wins: the view has no name there. */
	int fd = seg_create(dfd, "real.txt", O_RDWR | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_ptr_null(viewfile_name_at(dfd, "real"));
	s = viewfile_name_at(dfd, "other");
	ck_assert_str_eq(s, "other.txt");
	g_free(s);
}
END_TEST

START_TEST(viewfile_typed_segments)
{
	struct typesrc *types = typesrc_new(NULL, NULL);
	const char *decl = "int64 Col1; int64 Col2; int64 Col3";
	int fd = seg_create(dfd, "typed", O_RDWR | O_EXCL, 0640);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fsetxattr(fd, TYPESRC_XATTR, decl, strlen(decl), 0), 0);
	ck_assert_int_eq(ftruncate(fd, 48), 0);
	ck_assert_int_eq(fchmod(fd, 0640), 0);
	close(fd);
	fd = seg_create(dfd, "plain", O_RDWR | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(mkdirat(dfd, "dir", 0700), 0);

	int handle;
	struct stat st;
	char *got = NULL;
	ck_assert_int_eq(viewfile_segment_at(types, dfd, "typed", &handle, &st, &got), 0);
	ck_assert_str_eq(got, decl);
	ck_assert_int_eq(st.st_size, 48);
	close(handle);
	struct stat seg_st = st, other;
	char *none = NULL;
	ck_assert_int_eq(viewfile_segment_at(types, dfd, "plain", &handle, &other, &none), -ENOENT);
	ck_assert_int_eq(viewfile_segment_at(types, dfd, "dir", &handle, &other, &none), -ENOENT);
	ck_assert_int_eq(viewfile_segment_at(types, dfd, "missing", &handle, &other, &none), -ENOENT);

	/* The view's attributes: the segment's owner and times, rw bits only, the text's size. */
	st.st_mode |= S_IXUSR;
	viewfile_stat(&st, got);
	ck_assert_uint_eq(st.st_ino, seg_st.st_ino | VIEWFILE_INO_BIT);
	ck_assert_uint_eq(st.st_mode, S_IFREG | 0640);
	ck_assert_uint_eq(st.st_nlink, 1);
	ck_assert_uint_eq(st.st_uid, seg_st.st_uid);
	ck_assert_int_eq(st.st_mtim.tv_sec, seg_st.st_mtim.tv_sec);
	struct rtype *t = parse_type(decl);
	struct view_layout vl;
	ck_assert_int_eq(view_layout_init(&vl, t, 48), 0);
	ck_assert_int_eq(st.st_size, (off_t)view_size(&vl));
	ck_assert_int_eq(st.st_blocks, (st.st_size + 511) / 512);
	view_layout_free(&vl);
	rtype_free(t);

	/* A type that does not parse: the size of the text that says why. */
	struct stat bad = seg_st;
	struct rtype_error err;
	size_t len;
	ck_assert_ptr_null(rtype_parse("int65 x", &err));
	g_free(view_error_text("int65 x", &err, &len));
	viewfile_stat(&bad, "int65 x");
	ck_assert_int_eq(bad.st_size, (off_t)len);
	g_free(got);
	typesrc_free(types);
}
END_TEST

/* A budget that counts in *ARG and refuses to go past LIMIT bytes. */
struct tally {
	ssize_t held;
	ssize_t limit;
	uid_t owner;
};

static int tally_charge(void *arg, uid_t owner, ssize_t delta)
{
	struct tally *t = arg;
	t->owner = owner;
	if (delta > 0 && t->held + delta > t->limit)
		return -EFBIG;
	t->held += delta;
	return 0;
}

static const int64_t seed[3] = { 100, 876, 8021 };

/* The whole text of V as viewfile_read gives it, read in pieces of PIECE bytes. */
static char *viewfile_text(struct viewfile *v, struct seg_map *m, size_t piece, size_t *len)
{
	GString *s = g_string_new(NULL);
	char *buf = g_malloc(piece);
	ssize_t n;
	while ((n = viewfile_read(v, m, buf, piece, (off_t)s->len)) > 0)
		g_string_append_len(s, buf, n);
	ck_assert_int_eq(n, 0);
	g_free(buf);
	*len = s->len;
	return g_string_free(s, FALSE);
}

START_TEST(viewfile_reads)
{
	struct vt v;
	vt_open(&v, "int64 Col1; int64 Col2; int64 Col3", "seg", seed, sizeof seed);
	struct viewfile *vf = viewfile_open("int64 Col1; int64 Col2; int64 Col3", NULL);
	size_t len, want_len;
	char *text = viewfile_text(vf, v.m, 7, &len);
	char *want = vt_text(&v, &want_len);
	ck_assert_uint_eq(len, want_len);
	ck_assert_mem_eq(text, want, len);
	ck_assert_ptr_nonnull(strstr(text, "\n0                  100                  876"
					   "                 8021\n"));
	g_free(text);
	free(want);

	/* The segment grows under the open view: the next read lays it out again. */
	int64_t more[3] = { 1, 2, 3 };
	ck_assert_int_eq(pwrite(v.fd, more, sizeof more, sizeof seed), (ssize_t)sizeof more);
	text = viewfile_text(vf, v.m, 4096, &len);
	ck_assert_ptr_nonnull(strstr(text, "# records: 2\n"));
	ck_assert_ptr_nonnull(strstr(text, "\n1                    1                    2"
					   "                    3\n"));
	ck_assert_uint_eq(len, want_len + v.vl.line_len);
	ck_assert_int_eq(viewfile_read(vf, v.m, text, 10, (off_t)len), 0);
	g_free(text);

	/* ...and shrinks. */
	ck_assert_int_eq(ftruncate(v.fd, 0), 0);
	text = viewfile_text(vf, v.m, 4096, &len);
	ck_assert_ptr_nonnull(strstr(text, "# records: 0\n"));
	ck_assert_uint_eq(len, v.vl.header_len);
	g_free(text);
	viewfile_close(vf);
	vt_close(&v);
}
END_TEST

/* Segment "seg" of LEN bytes of DATA, of the seed's type, and its open view, whose edits count in
 * TALLY for OWNER. */
static struct viewfile *seed_open(struct vt *v, const void *data, size_t len, struct tally *tally,
				  uid_t owner)
{
	const char *decl = "int64 Col1; int64 Col2; int64 Col3";
	vt_open(v, decl, "seg", data, len);
	return viewfile_open(decl, &(struct viewfile_budget){ tally_charge, tally, owner });
}

/* Record INDEX's field FIELD as the segment open as FD holds it. */
static int64_t field_at(int fd, uint64_t index, int field)
{
	int64_t x;
	ck_assert_int_eq(pread(fd, &x, sizeof x, (off_t)(index * 24 + (uint64_t)field * 8)), 8);
	return x;
}

START_TEST(viewfile_write_commit)
{
	struct vt v;
	int64_t recs[6] = { 100, 876, 8021, 1, 2, 3 };
	struct tally tally = { .limit = 1 << 20 };
	struct viewfile *vf = seed_open(&v, recs, sizeof recs, &tally, 1234);
	struct viewfile_result r;

	/* One edit in three pieces, a line cut in two: nothing is stored before the commit. */
	ck_assert_int_eq(viewfile_write(vf, v.m, "0 Col2=900\n1 Co", 15, false, &r), 0);
	ck_assert_int_eq(viewfile_write(vf, v.m, "l3=-7", 5, false, &r), 0);
	ck_assert_int_eq(viewfile_write(vf, v.m, "\n", 1, true, &r), 0);
	ck_assert_int_gt(tally.held, 0);
	ck_assert_uint_eq(tally.owner, 1234);
	ck_assert_int_eq(field_at(v.fd, 0, 1), 876);
	ck_assert_int_eq(field_at(v.fd, 1, 2), 3);
	size_t len;
	char *text = viewfile_text(vf, v.m, 4096, &len);
	ck_assert_ptr_nonnull(strstr(text, "\n0                  100                  876"));
	g_free(text);

	ck_assert_int_eq(viewfile_commit(vf, v.m, &r), 0);
	ck_assert(r.stored && r.changed);
	ck_assert_int_eq(field_at(v.fd, 0, 0), 100);
	ck_assert_int_eq(field_at(v.fd, 0, 1), 900);
	ck_assert_int_eq(field_at(v.fd, 0, 2), 8021);
	ck_assert_int_eq(field_at(v.fd, 1, 2), -7);
	ck_assert_int_eq(tally.held, 0);
	text = viewfile_text(vf, v.m, 4096, &len);
	ck_assert_ptr_nonnull(strstr(text, "\n0                  100                  900"
					   "                 8021\n1                    1"
					   "                    2                   -7\n"));

	/* The table written back as read: an edit, stored, that changes nothing. */
	ck_assert_int_eq(viewfile_write(vf, v.m, text, len, true, &r), 0);
	ck_assert_int_eq(viewfile_commit(vf, v.m, &r), 0);
	ck_assert(r.stored && !r.changed);
	g_free(text);

	/* No edit since: a commit stores nothing, and says so. */
	ck_assert_int_eq(viewfile_commit(vf, v.m, &r), 0);
	ck_assert(!r.stored && !r.changed);
	viewfile_close(vf);
	ck_assert_int_eq(tally.held, 0);
	vt_close(&v);
}
END_TEST

START_TEST(viewfile_refused_edit)
{
	struct vt v;
	struct tally tally = { .limit = 1 << 20 };
	struct viewfile *vf = seed_open(&v, seed, sizeof seed, &tally, 0);
	struct viewfile_result r;

	/* A good line, then a bad one: the whole edit is refused, the rest of it too, once told. */
	ck_assert_int_eq(viewfile_write(vf, v.m, "0 Col2=900\n", 11, false, &r), 0);
	ck_assert_int_eq(viewfile_write(vf, v.m, "0 Col9=1\n", 9, false, &r), -EINVAL);
	ck_assert(r.fresh);
	ck_assert_str_eq(r.why.msg, "line 2, col 3: unknown field 'Col9'");
	ck_assert_int_eq(tally.held, 0);
	ck_assert_int_eq(viewfile_write(vf, v.m, "0 Col1=5\n", 9, false, &r), -EINVAL);
	ck_assert(!r.fresh);
	ck_assert_int_eq(viewfile_commit(vf, v.m, &r), -EINVAL);
	ck_assert(!r.fresh && !r.stored);
	ck_assert_int_eq(field_at(v.fd, 0, 0), 100);
	ck_assert_int_eq(field_at(v.fd, 0, 1), 876);

	/* The refusal is over with its commit: the next edit is stored. */
	ck_assert_int_eq(viewfile_write(vf, v.m, "0 Col3=1", 8, true, &r), 0);
	ck_assert_int_eq(viewfile_commit(vf, v.m, &r), 0);
	ck_assert_int_eq(field_at(v.fd, 0, 2), 1);

	/* A bad last line without its '\n': refused by the write when it is the last piece, by the
	 * commit when more text might have mended it. */
	ck_assert_int_eq(viewfile_write(vf, v.m, "0 Col9=1", 8, true, &r), -EINVAL);
	ck_assert(r.fresh);
	ck_assert_int_eq(viewfile_commit(vf, v.m, &r), -EINVAL);
	ck_assert(!r.fresh);
	ck_assert_int_eq(viewfile_write(vf, v.m, "0 Col9=1", 8, false, &r), 0);
	ck_assert_int_eq(viewfile_commit(vf, v.m, &r), -EINVAL);
	ck_assert(r.fresh && !r.stored);
	ck_assert_str_eq(r.why.msg, "line 1, col 3: unknown field 'Col9'");

	/* An index past the last record: refused at once, in a message about the whole line. */
	ck_assert_int_eq(viewfile_write(vf, v.m, "1 Col1=1\n", 9, false, &r), -EINVAL);
	ck_assert_str_eq(r.why.msg, "line 1: index 1 is past the last record (1 records)");
	ck_assert_int_eq(viewfile_commit(vf, v.m, &r), -EINVAL);

	/* More than the budget: refused with its errno, nothing stored or held. */
	tally.limit = 10;
	ck_assert_int_eq(viewfile_write(vf, v.m, "0 Col1=7\n", 9, false, &r), -EFBIG);
	ck_assert(r.fresh);
	ck_assert_str_eq(r.why.msg, "");
	ck_assert_int_eq(viewfile_commit(vf, v.m, &r), -EFBIG);
	ck_assert_int_eq(field_at(v.fd, 0, 0), 100);
	ck_assert_int_eq(tally.held, 0);

	/* Closed with an edit pending: dropped, its memory given back. */
	tally.limit = 1 << 20;
	ck_assert_int_eq(viewfile_write(vf, v.m, "0 Col1=7\n", 9, false, &r), 0);
	ck_assert_int_gt(tally.held, 0);
	viewfile_close(vf);
	ck_assert_int_eq(tally.held, 0);
	ck_assert_int_eq(field_at(v.fd, 0, 0), 100);
	vt_close(&v);
}
END_TEST

START_TEST(viewfile_bad_type)
{
	struct vt v;
	vt_open(&v, "int64 x", "seg", seed, sizeof seed);
	struct viewfile *vf = viewfile_open("int65 x", NULL);
	struct rtype_error err;
	size_t want_len, len;
	ck_assert_ptr_null(rtype_parse("int65 x", &err));
	char *want = view_error_text("int65 x", &err, &want_len);
	char *text = viewfile_text(vf, v.m, 5, &len);
	ck_assert_uint_eq(len, want_len);
	ck_assert_mem_eq(text, want, len);
	g_free(text);
	g_free(want);

	struct viewfile_result r;
	ck_assert_int_eq(viewfile_editable(vf, &err), -EINVAL);
	ck_assert_int_eq(viewfile_write(vf, v.m, "0 x=1\n", 6, true, &r), -EINVAL);
	ck_assert(r.fresh);
	ck_assert_str_eq(r.why.msg, "the segment's type does not parse (the view says why)");
	ck_assert_int_eq(viewfile_write(vf, v.m, "0 x=1\n", 6, true, &r), -EINVAL);
	ck_assert(r.fresh);
	ck_assert_int_eq(viewfile_commit(vf, v.m, &r), 0);
	ck_assert(!r.stored);
	ck_assert_int_eq(field_at(v.fd, 0, 0), 100);
	viewfile_close(vf);
	vt_close(&v);
}
END_TEST

static Suite *view_suite(void)
{
	Suite *s = suite_create("view");
	const struct lib_case cases[] = {
		{ "exact", { seed_exact, ints_exact, hex_exact, floats_exact, strings_exact, arrays_exact,
			     leftover_and_empty, header_declaration_reparses, names_line_not_kept } },
		{ "values", { float_roundtrip, int_roundtrip, rendered_values_parse_back } },
		{ "reads", { random_slices, big_sparse_tail, shrunk_segment, shrunk_wide_segment } },
		{ "windows", { windows_narrow, windows_long_arrays, windows_long_strings,
			       windows_many_fields, value_lengths } },
		{ "errors", { error_text } },
		{ "viewfile", { viewfile_names, viewfile_typed_segments, viewfile_reads,
				viewfile_write_commit, viewfile_refused_edit, viewfile_bad_type } },
	};

	lib_add_cases(s, cases, G_N_ELEMENTS(cases));
	return s;
}

int main(void)
{
	return lib_run_suite(view_suite());
}
