/* fuzz_options.c - fuzz target for the shmfs command's argument parsing (mount/options.c over
 * fuse_opt): the input is argv, one argument per line; whatever it holds, parsing must neither
 * crash nor leak, and the data and views modes it names are either known or refused. */
#include "options.h"

#include <fuse_log.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(enum fuse_log_level level, const char *fmt, va_list ap)
{
	(void)level, (void)fmt, (void)ap;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	char *argv[MAX_ARGS + 2] = { "shmfs" };
	int argc = 1;
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (char *line = text, *next; line && argc <= MAX_ARGS; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		argv[argc++] = line;
	}
	argv[argc] = NULL;

	fuse_set_log_func(quiet);
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct options o = { 0 };
	if (options_parse(&args, &o) == 0) {
		enum fs_passthrough mode;
		if (options_passthrough(o.passthrough, &mode) == 0 && mode > FS_PASSTHROUGH_OFF)
			abort();
		enum fs_views views;
		if (options_views(o.views, &views) == 0 && views > FS_VIEWS_OFF)
			abort();
		if (o.npositional > 2)
			abort();
	}
	options_free(&o);
	fuse_opt_free_args(&args);
	free(text);
	return 0;
}
