/* options.c - the shmfs command's own arguments, taken out of argv with fuse_opt: the two
 * positional ones (libfuse's parser knows only the mount point), -o shm_dir/types/passthrough/cache/views. */
#include "options.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum { KEY_HELP, KEY_VERSION };

static const struct fuse_opt option_spec[] = {
	{ "shm_dir=%s", offsetof(struct options, shm_dir), 0 },
	{ "types=%s", offsetof(struct options, types), 0 },
	{ "passthrough=%s", offsetof(struct options, passthrough), 0 },
	{ "cache=%s", offsetof(struct options, cache), 0 },
	{ "views=%s", offsetof(struct options, views), 0 },
	FUSE_OPT_KEY("-h", KEY_HELP),
	FUSE_OPT_KEY("--help", KEY_HELP),
	FUSE_OPT_KEY("-V", KEY_VERSION),
	FUSE_OPT_KEY("--version", KEY_VERSION),
	FUSE_OPT_END
};

/* Takes the positional arguments and --help/--version out; everything else stays for libfuse. */
static int take_option(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	(void)outargs;
	struct options *o = data;
	switch (key) {
	case KEY_HELP:
		o->help = true;
		return 0;
	case KEY_VERSION:
		o->version = true;
		return 0;
	case FUSE_OPT_KEY_NONOPT:
		if (o->npositional == 2) {
			o->too_many = true;
			return 0;
		}
		o->positional[o->npositional++] = strdup(arg);
		return 0;
	default:
		return 1;
	}
}

int options_parse(struct fuse_args *args, struct options *o)
{
	return fuse_opt_parse(args, o, option_spec, take_option) == 0 ? 0 : -1;
}

/* The index of VALUE among the N NAMES (NULL: the first, the default), or -1. */
static int choose(const char *value, const char *const *names, size_t n)
{
	if (!value)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(value, names[i]) == 0)
			return (int)i;
	return -1;
}

int options_passthrough(const char *value, enum fs_passthrough *mode)
{
	static const char *const names[] = { [FS_PASSTHROUGH_AUTO] = "auto",
					     [FS_PASSTHROUGH_ON] = "on",
					     [FS_PASSTHROUGH_OFF] = "off" };
	int i = choose(value, names, sizeof(names) / sizeof(names[0]));
	*mode = (enum fs_passthrough)i;
	return i < 0 ? -1 : 0;
}

int options_cache(const char *value, enum fs_cache *mode)
{
	static const char *const names[] = { [FS_CACHE_WATCH] = "watch", [FS_CACHE_OFF] = "off" };
	int i = choose(value, names, sizeof(names) / sizeof(names[0]));
	*mode = (enum fs_cache)i;
	return i < 0 ? -1 : 0;
}

int options_views(const char *value, enum fs_views *mode)
{
	static const char *const names[] = { [FS_VIEWS_SHOWN] = "shown", [FS_VIEWS_HIDDEN] = "hidden",
					     [FS_VIEWS_OFF] = "off" };
	int i = choose(value, names, sizeof(names) / sizeof(names[0]));
	*mode = (enum fs_views)i;
	return i < 0 ? -1 : 0;
}

void options_free(struct options *o)
{
	free(o->shm_dir);
	free(o->types);
	free(o->passthrough);
	free(o->cache);
	free(o->views);
	free(o->positional[0]);
	free(o->positional[1]);
}
