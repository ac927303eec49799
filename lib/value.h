/* value.h - one field value of a record as a view shows it, and back: integers in decimal (or
 * fixed-width 0x hex with the hint), floats in the shortest text that reads back exactly, strings quoted. */
#ifndef SHMFS_VALUE_H
#define SHMFS_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include "rtype.h"

/* Bytes enough for any one scalar element as text (the widest, float64, takes 24). */
#define VALUE_SCALAR_MAX 32

/* The most bytes one element of F can take as text: int8 4, uint8 3, int16 6, uint16 5, int32 11,
 * uint32 10, int64 and uint64 20, float32 15, float64 24, bool 5, char 6 ("\xNN" quoted), and
 * 2 + 2 * size for an integer with the hex hint. */
size_t value_elem_width(const struct rfield *f);

/* The most bytes the whole of F can take: a string char[N] 2 + 4 * N, an array of N elements
 * 2 + N * w + (N - 1) for "[a,b,c]", a scalar its element width. */
size_t value_field_width(const struct rfield *f);

/* Writes V in decimal so that its last digit lands just before END; returns where it starts.
 * The hot path of a view: no snprintf, two digits per division. */
char *value_format_u64_back(uint64_t v, char *end);

/* Writes the integer scalar at SRC (F's kind and size, F without the hex hint) in decimal, ending
 * just before END; returns where it starts. */
char *value_format_int_back(const struct rfield *f, const void *src, char *end);

/* Writes one element of F (its kind, size and hint; a char as a one-byte string) from SRC to OUT,
 * which has room for value_elem_width(F) bytes. Returns the byte count; no NUL is added.
 * Floats: the shortest "%.Ng" that reads back to the same bits (float32 checked as float),
 * "nan", "inf", "-inf", "-0". Bools: "true" for any byte but 0, "false". */
size_t value_format_elem(const struct rfield *f, const void *src, char *out);

/* Writes the N bytes at SRC as a quoted string, cut at the first NUL: \" \\ \n \t \r, and \xNN
 * for the other bytes below 0x20 or from 0x7f up. OUT has room for 2 + 4 * N bytes. */
size_t value_format_string(const void *src, size_t n, char *out);

/* Writes the whole of F (string, array "[a,b,c]" or scalar) from SRC, the record bytes at F's
 * offset, to OUT (room for value_field_width(F) bytes). Returns the byte count. */
size_t value_format_field(const struct rfield *f, const void *src, char *out);

/* Digits of V in decimal, without writing them. */
size_t value_u64_len(uint64_t v);

/* The byte count value_format_elem would give for SRC, cheaply for all but floats (whose shortest
 * text is only known by making it). */
size_t value_elem_len(const struct rfield *f, const void *src);

/* Parts of long values, for a read of a few bytes of a long line. Both write only the bytes of
 * [FROM, TO) of the field's column that hold text, to OUT (which stands for position FROM and
 * holds spaces), exactly as the whole value would have put them there. */

/* The quoted string of the N bytes at SRC, as value_format_string writes it from position 0.
 * Reads only the first min(N, TO) bytes of SRC: no byte after them lands before TO. */
void value_format_string_part(const void *src, size_t n, size_t from, size_t to, char *out);

/* The array F at SRC as "[a,b,c]" ending at position W (right-aligned in a W-byte column).
 * Counts the lengths of the elements after FROM (cheap but for floats) and formats only those
 * that land in [FROM, TO). */
void value_format_array_part(const struct rfield *f, const void *src, size_t w, size_t from,
			     size_t to, char *out);

/* Why a value did not parse. */
enum value_status {
	VALUE_OK,
	VALUE_EMPTY,         /* nothing where a value should be */
	VALUE_MALFORMED,     /* not a number of the field's kind */
	VALUE_RANGE,         /* a number, but not one the kind can hold */
	VALUE_BAD_BOOL,      /* neither true, false, 1 nor 0 */
	VALUE_NOT_STRING,    /* a string or char field without the opening quote */
	VALUE_UNTERMINATED,  /* no closing quote */
	VALUE_BAD_ESCAPE,    /* a backslash not followed by one of " \ n t r xNN */
	VALUE_TOO_LONG,      /* more bytes than the string field holds */
	VALUE_NOT_ARRAY,     /* an array field without the opening '[' */
	VALUE_BAD_ARRAY,     /* no ',' or ']' after an element */
	VALUE_COUNT,         /* an array with more or fewer elements than the field */
};

/* A short phrase for ST, e.g. "out of range for the field's kind". */
const char *value_status_text(enum value_status st);

/* Parses the value of the whole of F at the start of S (LEN bytes): a quoted string for a string
 * or char field, "[a,b,...]" for an array (spaces allowed around elements), otherwise one token
 * ending at a space, a tab or LEN. Integers: decimal or 0x hex with an optional sign, range-checked
 * for the kind; an unsigned 0x value of a signed field is taken as its bit pattern, so the hex a
 * view shows reads back (0xff into int8 is -1). Floats as g_ascii_strtod reads them, overflow
 * refused (float32 too). Bools: true, false, 1, 0. Stores F's count * elem_size bytes into DST
 * (strings zero-filled past their end). Sets *END to the bytes consumed, or on an error to the
 * offset of the trouble in S. */
enum value_status value_parse_field(const struct rfield *f, const char *s, size_t len, void *dst,
				    size_t *end);

/* Same, for one element of F (NAME[I]): a char of a string field, a scalar of an array.
 * Stores F's elem_size bytes. */
enum value_status value_parse_elem(const struct rfield *f, const char *s, size_t len, void *dst,
				   size_t *end);

#endif
