/* fuzz_edit.c - libFuzzer target for edit_parse: any text against a type with every kind of field,
 * over a 4-record segment; what parses is applied, and must neither fail nor resize the segment. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "edit.h"
#include "map.h"
#include "rtype.h"

#define NREC 4

static const char decl[] =
	"int8 i8; uint8 u8; int16 i16; uint16 u16; int32 i32; uint32 u32; int64 i64; uint64 u64; "
	"float32 f; float64 d; bool b; char c; char name[8]; int32 q[3]; double v[2]; "
	"uint16 flags : hex; int64 h : hex";

static struct rtype *type;
static struct seg_map *map;
static int seg_fd = -1;

static void die(const char *what)
{
	fprintf(stderr, "fuzz_edit: %s\n", what);
	abort();
}

/* Once per process: the type, and a small segment in memory to apply edits to. */
static void setup(void)
{
	struct rtype_error err;
	type = rtype_parse(decl, &err);
	if (!type)
		die(err.msg);
	seg_fd = memfd_create("fuzz_edit", MFD_CLOEXEC);
	if (seg_fd < 0 || ftruncate(seg_fd, (off_t)(NREC * type->size)) < 0)
		die("memfd");
	if (map_open(seg_fd, &map) < 0)
		die("map_open");
}

/* An upper bound on the stores a parse can give: one per assignment, and one per field of each
 * line (a record line as the view prints it sets every field). */
static size_t most_stores(const uint8_t *data, size_t size)
{
	size_t n = type->nfields;
	for (size_t i = 0; i < size; i++)
		n += data[i] == '=' ? 1 : data[i] == '\n' ? type->nfields : 0;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!type)
		setup();

	struct rtype_error err;
	memset(&err, 0, sizeof err);
	struct edit_list *e = edit_parse(type, NREC, (const char *)data, size, &err);
	if (!e) {
		/* A refusal always says where. */
		if (strncmp(err.msg, "line ", 5) != 0 || err.line < 1 || !memchr(err.msg, '\0', sizeof err.msg))
			die("refusal without a line number");
		return 0;
	}
	if (edit_count(e) > most_stores(data, size))
		die("more stores than assignments and record lines");
	if (edit_apply(e, map) != 0)
		die("edit_apply failed on a parsed edit");
	edit_free(e);

	struct stat st;
	if (fstat(seg_fd, &st) < 0 || st.st_size != (off_t)(NREC * type->size))
		die("the segment changed size");
	return 0;
}
