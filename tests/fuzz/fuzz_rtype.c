/* fuzz_rtype.c - libFuzzer target for rtype_parse: any text either parses into a layout that
 * keeps the header's promises, or is refused with a message; never a crash or a leak. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtype.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(cond)                                                              \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "fuzz_rtype: %s:%d: invariant broken: %s\n", \
				__FILE__, __LINE__, #cond);                      \
			abort();                                                 \
		}                                                                \
	} while (0)

static bool is_pow2(size_t n)
{
	return n && !(n & (n - 1));
}

/* Everything rtype.h says of a parsed type. */
static void check_type(const struct rtype *t)
{
	check(t->nfields >= 1 && t->nfields <= RTYPE_MAX_FIELDS);
	check(t->size >= 1 && t->size <= RTYPE_MAX_SIZE);
	check(is_pow2(t->align) && t->align <= 8);
	check(t->size % t->align == 0);
	size_t end = 0;
	for (size_t i = 0; i < t->nfields; i++) {
		const struct rfield *f = &t->fields[i];
		size_t len = strlen(f->name);
		check(len >= 1 && len <= RTYPE_MAX_NAME);
		check(is_pow2(f->elem_size) && f->elem_size <= t->align);
		check(f->count >= 1 && f->count <= RTYPE_MAX_SIZE / f->elem_size);
		check(f->offset % f->elem_size == 0);  /* aligned */
		check(f->offset >= end);                /* increasing, no overlap */
		end = f->offset + f->elem_size * f->count;
		check(end <= t->size);                  /* inside the record */
		check(!f->is_string || f->kind == RT_CHAR);
		check(!f->hex || f->kind <= RT_UINT64);
		check(rtype_field(t, f->name) == f);    /* names are unique */
		check(strcmp(rtype_kind_name(f->kind), "?") != 0);
	}
	check(end > t->size - t->align);                /* only trailing padding after */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *decl = malloc(size + 1);
	if (!decl)
		return 0;
	memcpy(decl, data, size);
	decl[size] = '\0';

	struct rtype_error err;
	memset(&err, 0, sizeof err);
	struct rtype *t = rtype_parse(decl, &err);
	if (t) {
		check_type(t);
		rtype_free(t);
	} else {
		check(err.line >= 1 && err.col >= 1);
		check(memchr(err.msg, '\0', sizeof err.msg) != NULL);
		check(strncmp(err.msg, "line ", 5) == 0);
	}
	free(decl);
	return 0;
}
