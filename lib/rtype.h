/* rtype.h - record types: a C-like declaration ("int64 Col1; int64 Col2" or a pasted struct)
 * parsed into a layout with the host C ABI (x86-64: natural alignment, trailing padding). */
#ifndef SHMFS_RTYPE_H
#define SHMFS_RTYPE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* The scalar kinds a field can have. C's names map onto them with x86-64 sizes: short = int16,
 * int = int32, long and long long = int64, signed/unsigned char = int8/uint8, _Bool = bool. */
enum rtype_kind {
	RT_INT8, RT_INT16, RT_INT32, RT_INT64,
	RT_UINT8, RT_UINT16, RT_UINT32, RT_UINT64,
	RT_FLOAT32, RT_FLOAT64,
	RT_BOOL,
	RT_CHAR,   /* plain `char`: one character; `char name[N]` is a string */
};

/* The integer kinds, int8 to uint64 (the first eight): those that take decimal and 0x hex, and
 * the hint `: hex`. Inline: a view asks it of every field of every record it renders. */
static inline bool rtype_kind_is_int(enum rtype_kind kind)
{
	return kind <= RT_UINT64;
}

struct rfield {
	char *name;
	enum rtype_kind kind;
	size_t elem_size;  /* bytes of one element */
	size_t count;      /* array length N of `T name[N]`; 1 for a scalar */
	size_t offset;     /* from the start of the record */
	bool is_string;    /* `char name[N]`: shown as one quoted string, cut at the first NUL */
	bool hex;          /* display hint `T name : hex` (integers only) */
};

struct rtype {
	struct rfield *fields;
	size_t nfields;
	size_t size;       /* sizeof the record, trailing padding included; never 0 */
	size_t align;      /* alignment of the record: that of its most aligned field */
};

/* Where and why a declaration did not parse. MSG is the whole message, ready to show, e.g.
 * "line 1, col 7: unknown type 'int65'" (lines and columns count from 1, columns in bytes). */
struct rtype_error {
	int line, col;
	char msg[200];
};

/* Fills ERR with LINE, COL and the message "line LINE, col COL: " followed by FMT's text, or
 * "line LINE: " when COL is 0 (the line as a whole): the one shape of the messages of both parsers,
 * of declarations here and of edits (edit.c). */
void rtype_error_vset(struct rtype_error *err, int line, int col, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

/* Limits that keep a hostile declaration from costing much. */
#define RTYPE_MAX_FIELDS 1024
#define RTYPE_MAX_SIZE (1u << 20) /* bytes in one record */
#define RTYPE_MAX_NAME 64         /* bytes in a field name */

/* Parses DECL: fields `TYPE NAME;`, `TYPE NAME[N];`, `TYPE NAME : hex;`, separated by ';' (the
 * last one optional), several declarators `TYPE a, b[2];`, an optional `struct X { ... };` or
 * `typedef struct [X] { ... } Y;` wrapper, `const`/`volatile` ignored, // and C comments,
 * any white space. Refused with a message: unknown types, pointers, bit-fields, nested structs,
 * duplicate or missing names, N of 0 or too large, no fields, and anything over the limits.
 * Returns the type (free with rtype_free), or NULL with *ERR filled in (ERR may be NULL). */
struct rtype *rtype_parse(const char *decl, struct rtype_error *err);
void rtype_free(struct rtype *t);

/* The field called NAME, or NULL. */
const struct rfield *rtype_field(const struct rtype *t, const char *name);

/* The C name of a kind as the header of a view shows it: "int64", "uint8", "float64", "bool",
 * "char". */
const char *rtype_kind_name(enum rtype_kind kind);

#endif
