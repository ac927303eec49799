/* options.c - the shmfs command's own arguments, taken out of argv with fuse_opt: the two
 * positional ones (libfuse's parser knows only the mount point), -o shm_dir/types/passthrough/cache/views,
 * fsname/subtype/max_read, io_uring (noted, and left for libfuse), and the options shmfs refuses,
 * each with its reason. */
#include "options.h"

#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
enum { KEY_HELP, KEY_VERSION, KEY_REFUSED, KEY_IO_URING, KEY_RING_DEPTH };

/* Options libfuse or mount(8) know that shmfs does not take: refused before mounting, with why
 * (a template ending in '=' stands for the option with any value). Anything else libfuse does
 * not know it refuses itself ("fuse: unknown option(s)"). */
static const struct {
	const char *opt;
	const char *why;
} refusals[] = {
	{ "blksize=", "it is for FUSE block devices (fuseblk), and shmfs is not one" },
	{ "max_write=", "libfuse 3 has no such option; the daemon takes WRITEs of up to 1 MiB" },
	{ "max_readahead=", "shmfs sets the readahead itself, to its largest READ (see shmfs(8))" },
	{ "writeback_cache", "the kernel would keep writes back from the segment, where other programs "
			     "must see them at once" },
	{ "kernel_cache", "the kernel would keep pages that other programs change behind its back" },
	{ "auto_cache", "shmfs chooses how each open is served (see -o passthrough= and -o cache=)" },
	{ "direct_io", "shmfs chooses how each open is served (see -o passthrough=)" },
	{ "big_writes", "it was libfuse 2's; writes of up to 1 MiB are always on" },
	{ "nonempty", "it was libfuse 2's; libfuse 3 always mounts over a directory that is not empty" },
	{ "context=", "SELinux is not enabled here" },
	{ "fscontext=", "SELinux is not enabled here" },
	{ "defcontext=", "SELinux is not enabled here" },
	{ "rootcontext=", "SELinux is not enabled here" },
#ifndef SHMFS_LIBFUSE_NO_HOOK
	{ "io_uring", "this shmfs is built with libfuse older than 3.18.3, which cannot serve it "
		      "(see shmfs(8))" },
	{ "io_uring_q_depth=", "this shmfs is built with libfuse older than 3.18.3, which has no "
			       "io_uring" },
#endif
};

static const struct fuse_opt option_spec[] = {
	{ "shm_dir=%s", offsetof(struct options, shm_dir), 0 },
	{ "types=%s", offsetof(struct options, types), 0 },
	{ "passthrough=%s", offsetof(struct options, passthrough), 0 },
	{ "cache=%s", offsetof(struct options, cache), 0 },
	{ "views=%s", offsetof(struct options, views), 0 },
	{ "fsname=%s", offsetof(struct options, fsname), 0 },
	{ "subtype=%s", offsetof(struct options, subtype), 0 },
	{ "max_read=%s", offsetof(struct options, max_read), 0 },
	FUSE_OPT_KEY("blksize=", KEY_REFUSED),
	FUSE_OPT_KEY("max_write=", KEY_REFUSED),
	FUSE_OPT_KEY("max_readahead=", KEY_REFUSED),
	FUSE_OPT_KEY("writeback_cache", KEY_REFUSED),
	FUSE_OPT_KEY("kernel_cache", KEY_REFUSED),
	FUSE_OPT_KEY("auto_cache", KEY_REFUSED),
	FUSE_OPT_KEY("direct_io", KEY_REFUSED),
	FUSE_OPT_KEY("big_writes", KEY_REFUSED),
	FUSE_OPT_KEY("nonempty", KEY_REFUSED),
	FUSE_OPT_KEY("context=", KEY_REFUSED),
	FUSE_OPT_KEY("fscontext=", KEY_REFUSED),
	FUSE_OPT_KEY("defcontext=", KEY_REFUSED),
	FUSE_OPT_KEY("rootcontext=", KEY_REFUSED),
#ifdef SHMFS_LIBFUSE_NO_HOOK
	FUSE_OPT_KEY("io_uring", KEY_IO_URING),
	FUSE_OPT_KEY("io_uring_q_depth=", KEY_RING_DEPTH),
#else
	FUSE_OPT_KEY("io_uring", KEY_REFUSED),
	FUSE_OPT_KEY("io_uring_q_depth=", KEY_REFUSED),
#endif
	FUSE_OPT_KEY("-h", KEY_HELP),
	FUSE_OPT_KEY("--help", KEY_HELP),
	FUSE_OPT_KEY("-V", KEY_VERSION),
	FUSE_OPT_KEY("--version", KEY_VERSION),
	FUSE_OPT_END
};

/* Why ARG (an option of the refusals table) is refused; NULL when it is not after all (an SELinux
 * context where SELinux is enabled: the kernel takes it). */
static const char *refusal(const char *arg)
{
	for (size_t i = 0; i < G_N_ELEMENTS(refusals); i++) {
		const char *t = refusals[i].opt;
		size_t n = strlen(t);
		if (t[n - 1] == '=' ? strncmp(arg, t, n) != 0 : strcmp(arg, t) != 0)
			continue;
		if (strstr(t, "context=") && access("/sys/fs/selinux/enforce", F_OK) == 0)
			return NULL;
		return refusals[i].why;
	}
	return NULL;
}

/* Takes the positional arguments, --help/--version and the refused options out; everything else
 * stays for libfuse. */
static int take_option(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	(void)outargs;
	struct options *o = data;
	switch (key) {
	case KEY_REFUSED:
		if (!refusal(arg))
			return 1; /* for libfuse, and the kernel */
		if (!o->refused) {
			o->refused = strdup(arg);
			o->refused_why = refusal(arg);
		}
		return 0;
	case KEY_IO_URING:
		o->io_uring = true;
		return 1; /* libfuse's own option: it starts the ring */
	case KEY_RING_DEPTH:
		free(o->ring_depth);
		o->ring_depth = strdup(arg + strlen("io_uring_q_depth="));
		return 1; /* libfuse's too */
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

int options_max_read(const char *value, size_t dflt, size_t *max_read)
{
	guint64 v;
	*max_read = dflt;
	if (!value)
		return 0;
	if (!g_ascii_string_to_unsigned(value, 10, 1, UINT32_MAX, &v, NULL))
		return -1;
	*max_read = (size_t)v;
	return 0;
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

int options_ring_depth(const char *value, unsigned *depth)
{
	guint64 v;
	*depth = 0;
	if (!value)
		return 0;
	if (!g_ascii_string_to_unsigned(value, 10, 1, 65535, &v, NULL))
		return -1;
	*depth = (unsigned)v;
	return 0;
}

void options_free(struct options *o)
{
	free(o->ring_depth);
	free(o->shm_dir);
	free(o->types);
	free(o->passthrough);
	free(o->cache);
	free(o->views);
	free(o->fsname);
	free(o->subtype);
	free(o->max_read);
	free(o->refused);
	free(o->positional[0]);
	free(o->positional[1]);
}
