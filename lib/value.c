/* value.c - one field value as text and back, shared by the view (records -> text) and edits
 * (text -> records). Integers go through a hand-written digit loop: a view renders millions of them. */
#include "value.h"

#include <errno.h>
#include <float.h>
#include <glib.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ---- loads and stores of one element of 1, 2, 4 or 8 bytes (records need not be aligned) ---- */

static bool kind_is_signed(enum rtype_kind k)
{
	return k <= RT_INT64;
}

static uint64_t load_u(const void *src, size_t size)
{
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	switch (size) {
	case 1: memcpy(&u8, src, 1); return u8;
	case 2: memcpy(&u16, src, 2); return u16;
	case 4: memcpy(&u32, src, 4); return u32;
	default: memcpy(&u64, src, 8); return u64;
	}
}

static int64_t load_s(const void *src, size_t size)
{
	int8_t s8;
	int16_t s16;
	int32_t s32;
	int64_t s64;

	switch (size) {
	case 1: memcpy(&s8, src, 1); return s8;
	case 2: memcpy(&s16, src, 2); return s16;
	case 4: memcpy(&s32, src, 4); return s32;
	default: memcpy(&s64, src, 8); return s64;
	}
}

/* Stores the low SIZE bytes of V (two's complement for negative values). */
static void store_u(void *dst, size_t size, uint64_t v)
{
	uint8_t u8 = (uint8_t)v;
	uint16_t u16 = (uint16_t)v;
	uint32_t u32 = (uint32_t)v;

	switch (size) {
	case 1: memcpy(dst, &u8, 1); break;
	case 2: memcpy(dst, &u16, 2); break;
	case 4: memcpy(dst, &u32, 4); break;
	default: memcpy(dst, &v, 8); break;
	}
}

/* ---- widths ---- */

size_t value_elem_width(const struct rfield *f)
{
	if (f->hex && rtype_kind_is_int(f->kind))
		return 2 + 2 * f->elem_size;
	switch (f->kind) {
	case RT_INT8: return 4;
	case RT_UINT8: return 3;
	case RT_INT16: return 6;
	case RT_UINT16: return 5;
	case RT_INT32: return 11;
	case RT_UINT32: return 10;
	case RT_INT64: return 20;
	case RT_UINT64: return 20;
	case RT_FLOAT32: return 15;
	case RT_FLOAT64: return 24;
	case RT_BOOL: return 5;
	case RT_CHAR: return 6;
	}
	return VALUE_SCALAR_MAX;
}

size_t value_field_width(const struct rfield *f)
{
	if (f->is_string)
		return 2 + 4 * f->count;
	if (f->count > 1)
		return 2 + f->count * value_elem_width(f) + (f->count - 1);
	return value_elem_width(f);
}

/* ---- formatting ---- */

static const char digits2[] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

char *value_format_u64_back(uint64_t v, char *end)
{
	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);
		v /= 100;
		end -= 2;
		memcpy(end, digits2 + 2 * r, 2);
	}
	if (v >= 10) {
		end -= 2;
		memcpy(end, digits2 + 2 * v, 2);
	} else {
		*--end = (char)('0' + v);
	}
	return end;
}

char *value_format_int_back(const struct rfield *f, const void *src, char *end)
{
	if (!kind_is_signed(f->kind))
		return value_format_u64_back(load_u(src, f->elem_size), end);

	int64_t v = load_s(src, f->elem_size);
	if (v >= 0)
		return value_format_u64_back((uint64_t)v, end);
	/* 0 - v in unsigned arithmetic: INT64_MIN's magnitude does not fit an int64. */
	char *p = value_format_u64_back(0 - (uint64_t)v, end);
	*--p = '-';
	return p;
}

static const char xdigits[] = "0123456789abcdef";

/* The bit pattern of an integer as 0x and 2 * SIZE hex digits, so that a column of flags lines up. */
static size_t format_hex(uint64_t v, size_t size, char *out)
{
	size_t n = 2 + 2 * size;

	out[0] = '0';
	out[1] = 'x';
	for (size_t i = n; i > 2; i--) {
		out[i - 1] = xdigits[v & 15];
		v >>= 4;
	}
	return n;
}

static size_t put(char *out, const char *s)
{
	size_t n = strlen(s);
	memcpy(out, s, n);
	return n;
}

static bool double_reads_back(const char *text, double d)
{
	double back = g_ascii_strtod(text, NULL);
	return memcmp(&back, &d, sizeof d) == 0;
}

/* A float32 reads back through a double, as value_parse_field reads it. */
static bool float_reads_back(const char *text, float f)
{
	float back = (float)g_ascii_strtod(text, NULL);
	return memcmp(&back, &f, sizeof f) == 0;
}

/* The "%.Ng" formats, by N. */
static const char *const gfmt[] = {
	NULL, "%.1g", "%.2g", "%.3g", "%.4g", "%.5g", "%.6g", "%.7g", "%.8g", "%.9g",
	"%.10g", "%.11g", "%.12g", "%.13g", "%.14g", "%.15g", "%.16g", "%.17g",
};

/* The shortest "%.Ng" text of D that reads back to the same bits (as a float when IS_FLOAT).
 * Checking precisions 1, 2, ... costs a format and a parse each, so a first try at GUESS (15 for
 * double, 6 for float: every decimal of that many digits survives) settles most values read from
 * random bits in a few steps; only when GUESS reads back is the short end searched up to it. */
static size_t format_shortest(double d, bool is_float, char *out)
{
	int max = is_float ? 9 : 17, guess = is_float ? 6 : 15;
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	int p;

	if (isnan(d))
		return put(out, "nan");
	if (isinf(d))
		return put(out, d < 0 ? "-inf" : "inf");

	g_ascii_formatd(buf, sizeof buf, gfmt[guess], d);
	bool guess_ok = is_float ? float_reads_back(buf, (float)d) : double_reads_back(buf, d);
	for (p = guess_ok ? 1 : guess + 1; p < max; p++) {
		g_ascii_formatd(buf, sizeof buf, gfmt[p], d);
		if (is_float ? float_reads_back(buf, (float)d) : double_reads_back(buf, d))
			break;
	}
	if (p == max)
		g_ascii_formatd(buf, sizeof buf, gfmt[max], d);

	/* %g writes a whole number with more digits than the precision as "1e+02"; a table of
	 * numbers reads better with "100", so that is shown up to 9 digits for float32 and 15 for
	 * float64 (which keeps it within the kind's width), when it reads back. */
	const char *e = strchr(buf, 'e');
	int x = e ? atoi(e + 1) : -1;
	if (x >= p && x < (is_float ? 9 : 15)) {
		char plain[G_ASCII_DTOSTR_BUF_SIZE];
		g_ascii_formatd(plain, sizeof plain, gfmt[x + 1], d);
		if (is_float ? float_reads_back(plain, (float)d) : double_reads_back(plain, d))
			return put(out, plain);
	}
	return put(out, buf);
}

/* Writes byte C of a string's text (never NUL) to OUT, up to 4 bytes; returns how many. */
static size_t escape_byte(unsigned char c, char *out)
{
	char esc = c == '"' ? '"' : c == '\\' ? '\\' : c == '\n' ? 'n' : c == '\t' ? 't'
		 : c == '\r' ? 'r' : 0;
	if (esc) {
		out[0] = '\\';
		out[1] = esc;
		return 2;
	}
	if (c < 0x20 || c >= 0x7f) {
		out[0] = '\\';
		out[1] = 'x';
		out[2] = xdigits[c >> 4];
		out[3] = xdigits[c & 15];
		return 4;
	}
	out[0] = (char)c;
	return 1;
}

size_t value_format_string(const void *src, size_t n, char *out)
{
	const unsigned char *s = src;
	size_t k = 0;

	out[k++] = '"';
	for (size_t i = 0; i < n && s[i]; i++)
		k += escape_byte(s[i], out + k);
	out[k++] = '"';
	return k;
}

size_t value_format_elem(const struct rfield *f, const void *src, char *out)
{
	float f32;
	double f64;

	switch (f->kind) {
	case RT_FLOAT32:
		memcpy(&f32, src, sizeof f32);
		return format_shortest(f32, true, out);
	case RT_FLOAT64:
		memcpy(&f64, src, sizeof f64);
		return format_shortest(f64, false, out);
	case RT_BOOL:
		return put(out, *(const unsigned char *)src ? "true" : "false");
	case RT_CHAR:
		return value_format_string(src, 1, out);
	default:
		break;
	}
	if (f->hex)
		return format_hex(load_u(src, f->elem_size), f->elem_size, out);

	char tmp[VALUE_SCALAR_MAX];
	char *start = value_format_int_back(f, src, tmp + sizeof tmp);
	size_t n = (size_t)(tmp + sizeof tmp - start);
	memcpy(out, start, n);
	return n;
}

size_t value_format_field(const struct rfield *f, const void *src, char *out)
{
	if (f->is_string)
		return value_format_string(src, f->count, out);
	if (f->count <= 1)
		return value_format_elem(f, src, out);

	const char *p = src;
	size_t k = 0;
	out[k++] = '[';
	for (size_t i = 0; i < f->count; i++) {
		if (i)
			out[k++] = ',';
		k += value_format_elem(f, p + i * f->elem_size, out + k);
	}
	out[k++] = ']';
	return k;
}

/* ---- parts of long values: a read of a few bytes of a 4 MiB line renders about those ---- */

/* Digits of V: 1233 / 4096 is just above log10(2), so T is the count less one, or one too many.
 * V | 1 has the digits of V and makes 0 one digit. */
static inline size_t u64_len(uint64_t v)
{
	static const uint64_t pow10[20] = {
		1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
		100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
		10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
		100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull,
	};
	uint64_t u = v | 1;
	unsigned t = (unsigned)(64 - __builtin_clzll(u)) * 1233 >> 12;
	return t + (u >= pow10[t]);
}

size_t value_u64_len(uint64_t v)
{
	return u64_len(v);
}

/* The bytes escape_byte writes for C, without branches, so that the sum over a block below is a
 * loop the compiler vectorizes. */
static inline unsigned escaped_len(unsigned char c)
{
	unsigned hex = (c < 0x20) | (c >= 0x7f);
	unsigned named = (c == '\n') | (c == '\t') | (c == '\r');
	unsigned quoted = (c == '"') | (c == '\\');
	return 1 + 3 * hex - 2 * named + quoted;
}

/* value_elem_len, inlined into the walk over an array's elements. */
static inline size_t elem_len(const struct rfield *f, const void *src)
{
	if (rtype_kind_is_int(f->kind) && f->hex)
		return 2 + 2 * f->elem_size;
	if (rtype_kind_is_int(f->kind) && kind_is_signed(f->kind)) {
		/* The magnitude without a branch: signs of random data mispredict half the time. */
		int64_t v = load_s(src, f->elem_size);
		uint64_t neg = v < 0;
		return neg + u64_len(((uint64_t)v ^ (0 - neg)) + neg);
	}
	if (rtype_kind_is_int(f->kind))
		return u64_len(load_u(src, f->elem_size));
	unsigned char c = *(const unsigned char *)src;
	if (f->kind == RT_BOOL)
		return c ? 4 : 5;
	if (f->kind == RT_CHAR)
		return c ? 2 + escaped_len(c) : 2;
	/* A float's shortest text is only known by making it. */
	char tmp[VALUE_SCALAR_MAX];
	return value_format_elem(f, src, tmp);
}

size_t value_elem_len(const struct rfield *f, const void *src)
{
	return elem_len(f, src);
}

/* Copies the part of TEXT (N bytes, that belong at column position POS) that falls in [FROM, TO)
 * to OUT, which holds position FROM. */
static void put_part(const char *text, size_t n, size_t pos, size_t from, size_t to, char *out)
{
	size_t a = pos > from ? pos : from, b = pos + n < to ? pos + n : to;
	if (a < b)
		memcpy(out + (a - from), text + (a - pos), b - a);
}

#define SKIP_BLOCK 128

/* Skips the first bytes of S (LEN of them, no NUL) whose text ends at or before TARGET, the text
 * of S starting at *POS; returns how many, with *POS moved past their text. Where a byte lands
 * depends on every byte before it (escapes differ in length), so this counts them all: a block's
 * total at a time, from how many of its bytes are of each class (a loop the compiler vectorizes
 * in byte lanes), and byte by byte only in the block where TARGET falls. */
static size_t skip_escaped(const unsigned char *s, size_t len, size_t target, size_t *pos)
{
	size_t i = 0, p = *pos;

	while (len - i >= SKIP_BLOCK) {
		uint8_t hex = 0, named = 0, quoted = 0; /* SKIP_BLOCK < 256 */
		for (size_t j = 0; j < SKIP_BLOCK; j++) {
			unsigned char c = s[i + j];
			hex += (c < 0x20) | (c >= 0x7f);
			named += (c == '\n') | (c == '\t') | (c == '\r');
			quoted += (c == '"') | (c == '\\');
		}
		size_t sum = SKIP_BLOCK + 3u * hex - 2u * named + quoted; /* as escaped_len adds up */
		if (p + sum > target)
			break;
		p += sum;
		i += SKIP_BLOCK;
	}
	for (; i < len && p + escaped_len(s[i]) <= target; i++)
		p += escaped_len(s[i]);
	*pos = p;
	return i;
}

void value_format_string_part(const void *src, size_t n, size_t from, size_t to, char *out)
{
	const unsigned char *s = src;
	if (n > to)
		n = to; /* byte I lands at 1 + I or later */
	const unsigned char *nul = memchr(s, 0, n);
	size_t len = nul ? (size_t)(nul - s) : n, pos = 1;

	put_part("\"", 1, 0, from, to, out);
	size_t i = skip_escaped(s, len, from, &pos);
	for (; i < len && pos < to; i++) {
		if (pos >= from && pos + 4 <= to) {
			pos += escape_byte(s[i], out + (pos - from));
			continue;
		}
		char e[4];
		size_t k = escape_byte(s[i], e);
		put_part(e, k, pos, from, to, out);
		pos += k;
	}
	/* When N was cut to TO without a NUL, POS is past TO by now: no quote is written. */
	if (i == len)
		put_part("\"", 1, pos, from, to, out);
}

void value_format_array_part(const struct rfield *f, const void *src, size_t w, size_t from,
			     size_t to, char *out)
{
	const char *p = src;
	size_t j = f->count, pos = w - 1; /* where unit J starts; unit COUNT is the ']' */

	/* Unit J is element J with the ',' (or for J = 0 the '[') before it. The text ends at W, so
	 * the units are measured from the last back to the first that reaches FROM. */
	while (j > 0 && pos > from) {
		j--;
		pos -= 1 + elem_len(f, p + j * f->elem_size);
	}
	size_t room = 1 + value_elem_width(f);
	for (; j < f->count && pos < to; j++) {
		if (pos >= from && pos + room <= to) {
			char *at = out + (pos - from);
			at[0] = j ? ',' : '[';
			pos += 1 + value_format_elem(f, p + j * f->elem_size, at + 1);
			continue;
		}
		char e[1 + VALUE_SCALAR_MAX];
		e[0] = j ? ',' : '[';
		size_t k = 1 + value_format_elem(f, p + j * f->elem_size, e + 1);
		put_part(e, k, pos, from, to, out);
		pos += k;
	}
	if (j == f->count)
		put_part("]", 1, pos, from, to, out);
}

/* ---- parsing ---- */

const char *value_status_text(enum value_status st)
{
	switch (st) {
	case VALUE_OK: return "ok";
	case VALUE_EMPTY: return "missing value";
	case VALUE_MALFORMED: return "malformed number";
	case VALUE_RANGE: return "out of range";
	case VALUE_BAD_BOOL: return "not a bool (true, false, 1 or 0)";
	case VALUE_NOT_STRING: return "expected a quoted string";
	case VALUE_UNTERMINATED: return "unterminated string";
	case VALUE_BAD_ESCAPE: return "bad escape (use \\\" \\\\ \\n \\t \\r or \\xNN)";
	case VALUE_TOO_LONG: return "string too long";
	case VALUE_NOT_ARRAY: return "expected [ ... ] for an array";
	case VALUE_BAD_ARRAY: return "expected ',' or ']' in the array";
	case VALUE_COUNT: return "wrong number of array elements";
	}
	return "bad value";
}

/* Bytes of the token at S: up to a space or tab, and in an array also up to ',' or ']'. */
static size_t token_len(const char *s, size_t len, bool in_array)
{
	size_t i = 0;
	while (i < len && s[i] != ' ' && s[i] != '\t' && !(in_array && (s[i] == ',' || s[i] == ']')))
		i++;
	return i;
}

/* Reads [+|-](decimal | 0x hex) from all of S into a sign and a magnitude. A malformed token wins
 * over an overflowing one, so "99999999999999999999x" is called malformed. */
static enum value_status parse_magnitude(const char *s, size_t len, bool *neg, bool *hex,
					 uint64_t *mag)
{
	size_t i = 0;
	bool overflow = false;
	uint64_t v = 0;

	*neg = len > 0 && s[0] == '-';
	if (len > 0 && (s[0] == '-' || s[0] == '+'))
		i++;
	*hex = len - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X');
	if (*hex)
		i += 2;
	if (i == len)
		return VALUE_MALFORMED;

	unsigned base = *hex ? 16 : 10;
	for (; i < len; i++) {
		int d = *hex ? g_ascii_xdigit_value(s[i]) : g_ascii_digit_value(s[i]);
		if (d < 0)
			return VALUE_MALFORMED;
		if (v > (UINT64_MAX - (unsigned)d) / base)
			overflow = true;
		v = v * base + (unsigned)d;
	}
	*mag = v;
	return overflow ? VALUE_RANGE : VALUE_OK;
}

static enum value_status parse_int(const struct rfield *f, const char *s, size_t len, void *dst)
{
	bool neg, hex;
	uint64_t mag;
	enum value_status st = parse_magnitude(s, len, &neg, &hex, &mag);
	if (st != VALUE_OK)
		return st;

	unsigned bits = 8 * (unsigned)f->elem_size;
	uint64_t umax = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
	uint64_t smax = umax >> 1; /* the largest positive value of the signed kind */

	if (!kind_is_signed(f->kind)) {
		if ((neg && mag) || mag > umax)
			return VALUE_RANGE;
	} else if (neg) {
		if (mag > smax + 1)
			return VALUE_RANGE;
		mag = 0 - mag;
	} else if (mag > (hex ? umax : smax)) {
		return VALUE_RANGE;
	}
	store_u(dst, f->elem_size, mag);
	return VALUE_OK;
}

/* Floats as g_ascii_strtod reads them, which wants a NUL-terminated copy. A value too large for
 * the kind is refused rather than stored as inf; one too small becomes a denormal or 0, as in C. */
static enum value_status parse_float(const struct rfield *f, const char *s, size_t len, void *dst)
{
	char buf[512];
	char *end;

	if (len >= sizeof buf)
		return VALUE_MALFORMED;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	double d = g_ascii_strtod(buf, &end);
	if (end != buf + len || len == 0 || g_ascii_isspace(buf[0]))
		return VALUE_MALFORMED;
	if (errno == ERANGE && isinf(d))
		return VALUE_RANGE;
	if (f->kind == RT_FLOAT64) {
		memcpy(dst, &d, sizeof d);
		return VALUE_OK;
	}
	float v = (float)d;
	if (isinf(v) && !isinf(d))
		return VALUE_RANGE;
	memcpy(dst, &v, sizeof v);
	return VALUE_OK;
}

static enum value_status parse_bool(const char *s, size_t len, void *dst)
{
	unsigned char v;

	if ((len == 4 && !memcmp(s, "true", 4)) || (len == 1 && s[0] == '1'))
		v = 1;
	else if ((len == 5 && !memcmp(s, "false", 5)) || (len == 1 && s[0] == '0'))
		v = 0;
	else
		return VALUE_BAD_BOOL;
	memcpy(dst, &v, 1);
	return VALUE_OK;
}

/* A quoted string at S into N bytes of DST, zero-filled past its end. */
static enum value_status parse_string(const char *s, size_t len, size_t n, void *dst, size_t *end)
{
	unsigned char *out = dst;
	size_t i = 1, k = 0;

	*end = 0;
	if (len == 0 || s[0] == ' ' || s[0] == '\t')
		return VALUE_EMPTY;
	if (s[0] != '"')
		return VALUE_NOT_STRING;
	while (i < len && s[i] != '"') {
		size_t at = i;
		unsigned char c = (unsigned char)s[i++];
		if (c == '\\') {
			if (i == len)
				break; /* unterminated */
			char e = s[i++];
			switch (e) {
			case '"': c = '"'; break;
			case '\\': c = '\\'; break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'x':
				if (len - i < 2 || g_ascii_xdigit_value(s[i]) < 0 ||
				    g_ascii_xdigit_value(s[i + 1]) < 0) {
					*end = at;
					return VALUE_BAD_ESCAPE;
				}
				c = (unsigned char)(g_ascii_xdigit_value(s[i]) * 16 +
						    g_ascii_xdigit_value(s[i + 1]));
				i += 2;
				break;
			default:
				*end = at;
				return VALUE_BAD_ESCAPE;
			}
		}
		if (k == n) {
			*end = at;
			return VALUE_TOO_LONG;
		}
		out[k++] = c;
	}
	if (i >= len)
		return VALUE_UNTERMINATED; /* *end stays at the opening quote */
	memset(out + k, 0, n - k);
	*end = i + 1;
	return VALUE_OK;
}

/* One scalar element of F's kind at S, its extent found by itself (a char is quoted). */
static enum value_status parse_scalar(const struct rfield *f, const char *s, size_t len,
				      bool in_array, void *dst, size_t *end)
{
	if (f->kind == RT_CHAR)
		return parse_string(s, len, 1, dst, end);

	size_t n = token_len(s, len, in_array);
	enum value_status st;

	*end = 0;
	if (n == 0)
		return VALUE_EMPTY;
	if (rtype_kind_is_int(f->kind))
		st = parse_int(f, s, n, dst);
	else if (f->kind == RT_BOOL)
		st = parse_bool(s, n, dst);
	else
		st = parse_float(f, s, n, dst);
	if (st == VALUE_OK)
		*end = n;
	return st;
}

static size_t skip_blanks(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

/* "[a, b, c]": exactly F's count elements. */
static enum value_status parse_array(const struct rfield *f, const char *s, size_t len, void *dst,
				     size_t *end)
{
	char *out = dst;
	size_t i, count = 0;

	*end = 0;
	if (len == 0 || s[0] == ' ' || s[0] == '\t')
		return VALUE_EMPTY;
	if (s[0] != '[')
		return VALUE_NOT_ARRAY;
	i = skip_blanks(s, len, 1);
	if (i < len && s[i] == ']') {
		*end = i;
		return VALUE_COUNT;
	}
	for (;;) {
		if (count == f->count) {
			*end = i;
			return VALUE_COUNT;
		}
		size_t used;
		enum value_status st = parse_scalar(f, s + i, len - i, true, out + count * f->elem_size, &used);
		if (st != VALUE_OK) {
			*end = i + used;
			return st;
		}
		count++;
		i = skip_blanks(s, len, i + used);
		if (i < len && s[i] == ',') {
			i = skip_blanks(s, len, i + 1);
			continue;
		}
		if (i < len && s[i] == ']')
			break;
		*end = i;
		return VALUE_BAD_ARRAY;
	}
	if (count != f->count) {
		*end = i;
		return VALUE_COUNT;
	}
	*end = i + 1;
	return VALUE_OK;
}

enum value_status value_parse_field(const struct rfield *f, const char *s, size_t len, void *dst,
				    size_t *end)
{
	if (f->is_string)
		return parse_string(s, len, f->count, dst, end);
	if (f->count > 1 || (len > 0 && s[0] == '['))
		return parse_array(f, s, len, dst, end);
	return parse_scalar(f, s, len, false, dst, end);
}

enum value_status value_parse_elem(const struct rfield *f, const char *s, size_t len, void *dst,
				   size_t *end)
{
	if (f->is_string)
		return parse_string(s, len, 1, dst, end);
	return parse_scalar(f, s, len, false, dst, end);
}
