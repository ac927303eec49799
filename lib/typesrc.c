/* typesrc.c - a segment's type declaration: the user.shmfs.type xattr, else the types file (a GLib
 * key file of glob patterns), re-read when its stat changes. Problems go to the log, never fatal. */
#include "typesrc.h"
#include "seg.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

struct pattern {
	GPatternSpec *spec;
	char *decl;
};

struct typesrc {
	char *path;            /* NULL: no types file */
	typesrc_log_fn log;
	pthread_mutex_t lock;  /* guards everything below */
	bool seen_valid;       /* SEEN describes the file last read (or last failure to stat it) */
	struct stat seen;
	int seen_errno;
	GPtrArray *patterns;   /* struct pattern *, in file order */
};

static void pattern_free(gpointer p)
{
	struct pattern *pat = p;
	g_pattern_spec_free(pat->spec);
	g_free(pat->decl);
	g_free(pat);
}

static void refresh(struct typesrc *ts);

struct typesrc *typesrc_new(const char *path, typesrc_log_fn log)
{
	struct typesrc *ts = g_new0(struct typesrc, 1);
	/* Anchored now: the file is read again later, when the working directory may have changed
	 * (a daemon's is /). */
	ts->path = path ? g_canonicalize_filename(path, NULL) : NULL;
	ts->log = log;
	pthread_mutex_init(&ts->lock, NULL);
	ts->patterns = g_ptr_array_new_with_free_func(pattern_free);
	if (ts->path)
		refresh(ts); /* report a bad file now, at mount, not at the first lookup */
	return ts;
}

void typesrc_free(struct typesrc *ts)
{
	if (!ts)
		return;
	g_ptr_array_free(ts->patterns, TRUE);
	pthread_mutex_destroy(&ts->lock);
	g_free(ts->path);
	g_free(ts);
}

static void say(struct typesrc *ts, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void say(struct typesrc *ts, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (ts->log)
		ts->log(msg);
}

/* The 1-based number of the first line of TEXT that is NEEDLE once trimmed, or 0. GKeyFile's
 * messages quote the offending line but do not number it. */
static int line_of(const char *text, const char *needle)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	for (int i = 0; lines[i]; i++)
		if (strcmp(g_strstrip(lines[i]), needle) == 0)
			return i + 1;
	return 0;
}

/* The line GKeyFile's message MSG complains about: the text between its quotes. */
static int error_line(const char *text, const char *msg)
{
	const char *open = strstr(msg, "\xe2\x80\x9c"), *close; /* “ and ” */
	if (!open || !(close = strstr(open + 3, "\xe2\x80\x9d")))
		return 0;
	g_autofree char *quoted = g_strndup(open + 3, close - open - 3);
	return line_of(text, g_strstrip(quoted));
}

static void load(struct typesrc *ts)
{
	g_ptr_array_set_size(ts->patterns, 0);
	g_autofree char *text = NULL;
	g_autoptr(GError) error = NULL;
	if (!g_file_get_contents(ts->path, &text, NULL, &error)) {
		say(ts, "types file %s: %s (no types from it until it is fixed)", ts->path,
		    error->message);
		return;
	}

	g_autoptr(GKeyFile) kf = g_key_file_new();
	if (!g_key_file_load_from_data(kf, text, -1, G_KEY_FILE_NONE, &error)) {
		say(ts, "types file %s:%d: %s (no types from it until it is fixed)", ts->path,
		    error_line(text, error->message), error->message);
		return;
	}
	g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
	for (int i = 0; groups[i]; i++) {
		g_autoptr(GError) kerr = NULL;
		if (!g_utf8_validate(groups[i], -1, NULL)) {
			/* GPatternSpec takes UTF-8 only (it asserts otherwise) */
			say(ts, "types file %s: a group name is not UTF-8; it is ignored", ts->path);
			continue;
		}
		char *decl = g_key_file_get_string(kf, groups[i], "type", &kerr);
		if (!decl) {
			g_autofree char *head = g_strdup_printf("[%s]", groups[i]);
			say(ts, "types file %s:%d: group [%s] has no 'type' key; it is ignored",
			    ts->path, line_of(text, head), groups[i]);
			continue;
		}
		struct pattern *pat = g_new(struct pattern, 1);
		pat->spec = g_pattern_spec_new(groups[i]);
		pat->decl = decl;
		g_ptr_array_add(ts->patterns, pat);
	}
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Reads the file again if it changed since last time; reports a missing file once. */
static void refresh(struct typesrc *ts)
{
	struct stat st;
	if (stat(ts->path, &st) < 0) {
		if (!ts->seen_valid || ts->seen_errno != errno) {
			say(ts, "types file %s: %s", ts->path, strerror(errno));
			g_ptr_array_set_size(ts->patterns, 0);
		}
		ts->seen_valid = true;
		ts->seen_errno = errno;
		return;
	}
	if (ts->seen_valid && ts->seen_errno == 0 && same_file(&st, &ts->seen))
		return;
	ts->seen = st;
	ts->seen_errno = 0;
	ts->seen_valid = true;
	load(ts);
}

/* The xattr's value at PATH (through a symlink there only with FOLLOW), g_malloc'ed, or NULL. */
static char *xattr_of(const char *path, bool follow)
{
	ssize_t (*get)(const char *, const char *, void *, size_t) = follow ? getxattr : lgetxattr;
	char buf[4096];
	ssize_t n = get(path, TYPESRC_XATTR, buf, sizeof(buf));
	if (n < 0 && errno == ERANGE) {
		ssize_t size = get(path, TYPESRC_XATTR, NULL, 0);
		if (size <= 0)
			return NULL;
		char *big = g_malloc(size + 1);
		n = get(path, TYPESRC_XATTR, big, size);
		if (n <= 0) {
			g_free(big);
			return NULL;
		}
		big[n] = '\0';
		return big;
	}
	return n > 0 ? g_strndup(buf, n) : NULL;
}

char *typesrc_xattr(int fd)
{
	char proc[SEG_FD_PATH_MAX];
	seg_fd_path(fd, proc);
	return xattr_of(proc, true);
}

/* The types file's declaration for NAME (g_malloc'ed), or NULL. A segment name is any bytes, but
 * GPatternSpec matches UTF-8 only (and asserts on anything else): a name that is not UTF-8 takes
 * its type from its xattr alone. */
static char *file_lookup(struct typesrc *ts, const char *name)
{
	char *decl = NULL;
	if (!ts || !ts->path || !g_utf8_validate(name, -1, NULL))
		return NULL;
	pthread_mutex_lock(&ts->lock);
	refresh(ts);
	for (guint i = 0; i < ts->patterns->len && !decl; i++) {
		struct pattern *pat = g_ptr_array_index(ts->patterns, i);
		if (g_pattern_spec_match_string(pat->spec, name))
			decl = g_strdup(pat->decl);
	}
	pthread_mutex_unlock(&ts->lock);
	return decl;
}

char *typesrc_lookup(struct typesrc *ts, int fd, const char *name)
{
	char *decl = typesrc_xattr(fd);
	return decl ? decl : file_lookup(ts, name);
}

char *typesrc_lookup_at(struct typesrc *ts, int dirfd, const char *name)
{
	char dir[SEG_FD_PATH_MAX] = ".";
	if (dirfd != AT_FDCWD)
		seg_fd_path(dirfd, dir);
	g_autofree char *path = dirfd == AT_FDCWD ? g_strdup(name) : g_strconcat(dir, "/", name, NULL);
	char *decl = xattr_of(path, false);
	return decl ? decl : file_lookup(ts, name);
}

bool typesrc_has_type(struct typesrc *ts, int dirfd, const char *name)
{
	g_autofree char *path = g_strdup_printf("/proc/self/fd/%d/%s", dirfd, name);
	if (lgetxattr(path, TYPESRC_XATTR, NULL, 0) > 0)
		return true;
	g_autofree char *decl = file_lookup(ts, name);
	return decl != NULL;
}
