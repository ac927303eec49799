/* table.c - lsshm's columns and output, through libsmartcols as lsblk, lsipc and lsfd print theirs:
 * -o, --json, --raw, --noheadings, --sort; and a block per segment with its users for NAME... */
#include "lsshm.h"

#include <errno.h>
#include <grp.h>
#include <libsmartcols.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>

enum col {
	COL_KIND, COL_NAME, COL_KEY, COL_ID, COL_SIZE, COL_RSS, COL_OWNER, COL_PERMS, COL_MTIME,
	COL_NATTCH, COL_STATUS, COL_TYPE, COL_USERS, COL_CPID, COL_LPID, NCOLS
};

enum sortas { BY_TEXT, BY_NUMBER };

struct coldesc {
	const char *name, *pretty, *help;
	double whint;
	int flags;
	enum sortas sort;
	bool number; /* a JSON number (SIZE and RSS with --bytes only) */
};

static const struct coldesc cols[NCOLS] = {
	[COL_KIND] = { "KIND", "Kind", "posix (a file of the directory) or sysv", 4, 0, BY_TEXT, false },
	[COL_NAME] = { "NAME", "Name", "segment name (SysV: its key)", 0.2, SCOLS_FL_NOEXTREMES, BY_TEXT, false },
	[COL_KEY] = { "KEY", "Key", "SysV key", 10, SCOLS_FL_RIGHT, BY_NUMBER, false },
	[COL_ID] = { "ID", "ID", "SysV shmid", 4, SCOLS_FL_RIGHT, BY_NUMBER, true },
	[COL_SIZE] = { "SIZE", "Size", "size", 5, SCOLS_FL_RIGHT, BY_NUMBER, false },
	[COL_RSS] = { "RSS", "Resident", "memory it holds (tmpfs blocks; SysV: resident)", 5, SCOLS_FL_RIGHT, BY_NUMBER, false },
	[COL_OWNER] = { "OWNER", "Owner", "owner's user name or uid", 5, 0, BY_TEXT, false },
	[COL_PERMS] = { "PERMS", "Permissions", "permissions", 9, 0, BY_NUMBER, false },
	[COL_MTIME] = { "MTIME", "Modified", "last change (SysV: last attach, detach or change)", 24, 0, BY_NUMBER, false },
	[COL_NATTCH] = { "NATTCH", "Attached", "processes that map it (SysV: the kernel's count)", 6, SCOLS_FL_RIGHT, BY_NUMBER, true },
	[COL_STATUS] = { "STATUS", "Status", "in use; unused (owner gone, creator gone); no users seen", 6, 0, BY_TEXT, false },
	[COL_TYPE] = { "TYPE", "Type", "record type (xattr user.shmfs.type, or the types file)", 0.2, SCOLS_FL_TRUNC, BY_TEXT, false },
	[COL_USERS] = { "USERS", "Users", "PID:COMMAND of the processes that use it", 0.3, SCOLS_FL_TRUNC, BY_TEXT, false },
	[COL_CPID] = { "CPID", "Creator PID", "SysV creator's pid", 5, SCOLS_FL_RIGHT, BY_NUMBER, true },
	[COL_LPID] = { "LPID", "Last PID", "SysV last attach or detach pid", 5, SCOLS_FL_RIGHT, BY_NUMBER, true },
};

static const enum col default_cols[] = { COL_KIND, COL_NAME, COL_ID, COL_SIZE, COL_RSS, COL_OWNER,
					 COL_PERMS, COL_NATTCH, COL_STATUS, COL_TYPE, COL_USERS };

static enum col shown[NCOLS * 2];
static size_t nshown;

void table_columns_help(void (*fn)(const char *name, const char *help))
{
	for (int i = 0; i < NCOLS; i++)
		fn(cols[i].name, cols[i].help);
}

static int col_by_name(const char *name, size_t len)
{
	for (int i = 0; i < NCOLS; i++)
		if (strlen(cols[i].name) == len && g_ascii_strncasecmp(cols[i].name, name, len) == 0)
			return i;
	return -1;
}

static void set_defaults(void)
{
	nshown = G_N_ELEMENTS(default_cols);
	memcpy(shown, default_cols, sizeof default_cols);
}

int table_set_columns(const char *list)
{
	if (*list == '+') {
		if (!nshown)
			set_defaults();
		list++;
	} else {
		nshown = 0;
	}
	for (const char *p = list; *p;) {
		const char *comma = strchrnul(p, ',');
		int c = col_by_name(p, (size_t)(comma - p));
		if (c < 0) {
			fprintf(stderr, "lsshm: unknown column: %.*s\n", (int)(comma - p), p);
			return -1;
		}
		if (nshown == G_N_ELEMENTS(shown)) {
			fprintf(stderr, "lsshm: too many columns: %s\n", list);
			return -1;
		}
		shown[nshown++] = (enum col)c;
		p = *comma ? comma + 1 : comma;
	}
	if (!nshown) {
		fprintf(stderr, "lsshm: no columns in -o %s\n", list);
		return -1;
	}
	return 0;
}

void table_set_all_columns(void)
{
	for (nshown = 0; nshown < NCOLS; nshown++)
		shown[nshown] = (enum col)nshown;
}

bool table_shows_type(const struct ctl *ctl)
{
	if (!nshown)
		set_defaults();
	for (size_t i = 0; i < nshown; i++)
		if (shown[i] == COL_TYPE)
			return true;
	return ctl->details || (ctl->sort && g_ascii_strcasecmp(ctl->sort, "TYPE") == 0);
}

int table_check_sort(const char *col)
{
	if (col_by_name(col, strlen(col)) >= 0)
		return 0;
	fprintf(stderr, "lsshm: unknown column: %s\n", col);
	return -1;
}

/* --- cells --- */

char *human_size(uint64_t bytes)
{
	static const char units[] = "BKMGTPE";
	int exp = 0;
	while (exp < 6 && bytes >= (1ull << (10 * (exp + 1))))
		exp++;
	if (!exp)
		return g_strdup_printf("%lluB", (unsigned long long)bytes);
	uint64_t unit = 1ull << (10 * exp), whole = bytes / unit;
	uint64_t tenth = ((bytes % unit) * 10 + unit / 2) / unit; /* rounded to a tenth */
	if (tenth == 10)
		whole++, tenth = 0;
	if (tenth)
		return g_strdup_printf("%llu.%llu%c", (unsigned long long)whole, (unsigned long long)tenth, units[exp]);
	return g_strdup_printf("%llu%c", (unsigned long long)whole, units[exp]);
}

static char *size_text(const struct ctl *ctl, uint64_t n)
{
	return ctl->bytes ? g_strdup_printf("%llu", (unsigned long long)n) : human_size(n);
}

/* User names by uid, looked up once each. */
static GHashTable *names;

static const char *user_name(uid_t uid)
{
	if (!names)
		names = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	char *n = g_hash_table_lookup(names, GUINT_TO_POINTER(uid));
	if (!n) {
		struct passwd *pw = getpwuid(uid);
		n = pw ? g_strdup(pw->pw_name) : g_strdup_printf("%u", (unsigned)uid);
		g_hash_table_insert(names, GUINT_TO_POINTER(uid), n);
	}
	return n;
}

static char *perms_text(const struct ctl *ctl, mode_t mode)
{
	if (ctl->numeric_perms)
		return g_strdup_printf("%#o", (unsigned)(mode & 0777));
	char s[10];
	const char *rwx = "rwxrwxrwx";
	for (int i = 0; i < 9; i++)
		s[i] = (mode & (0400 >> i)) ? rwx[i] : '-';
	s[9] = '\0';
	return g_strdup(s);
}

static char *time_text(time_t t)
{
	struct tm tm;
	char buf[64];
	if (!t || !localtime_r(&t, &tm) || !strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S%z", &tm))
		return NULL;
	return g_strdup(buf);
}

/* The text of column C for ROW, NULL for an empty cell (g_free it). */
static char *cell_text(const struct ctl *ctl, const struct row *r, enum col c)
{
	bool sysv = r->kind == KIND_SYSV;
	switch (c) {
	case COL_KIND:
		return g_strdup(sysv ? "sysv" : "posix");
	case COL_NAME:
		return g_strdup(r->name);
	case COL_KEY:
		return sysv ? g_strdup_printf("0x%08x", (unsigned)r->key) : NULL;
	case COL_ID:
		return sysv ? g_strdup_printf("%d", r->shmid) : NULL;
	case COL_SIZE:
		return size_text(ctl, r->size);
	case COL_RSS:
		return size_text(ctl, r->rss);
	case COL_OWNER:
		return g_strdup(user_name(r->uid));
	case COL_PERMS:
		return perms_text(ctl, r->mode);
	case COL_MTIME:
		return time_text(r->mtime);
	case COL_NATTCH:
		return g_strdup_printf("%u", r->nattch);
	case COL_STATUS:
		return g_strdup(r->status);
	case COL_TYPE:
		return g_strdup(r->type);
	case COL_USERS:
		return users_format(r->uses);
	case COL_CPID:
		return sysv ? g_strdup_printf("%d", (int)r->cpid) : NULL;
	case COL_LPID:
		return sysv ? g_strdup_printf("%d", (int)r->lpid) : NULL;
	case NCOLS:
		break;
	}
	return NULL;
}

/* For --sort: a number to order column C by. */
static uint64_t sort_number(const struct row *r, enum col c)
{
	switch (c) {
	case COL_KEY: return (uint32_t)r->key;
	case COL_ID: return r->kind == KIND_SYSV ? (uint64_t)r->shmid : 0;
	case COL_SIZE: return r->size;
	case COL_RSS: return r->rss;
	case COL_PERMS: return r->mode & 0777;
	case COL_MTIME: return (uint64_t)r->mtime;
	case COL_NATTCH: return r->nattch;
	case COL_CPID: return (uint64_t)r->cpid;
	case COL_LPID: return (uint64_t)r->lpid;
	default: return 0;
	}
}

/* Cells of the sort column carry their row (userdata), so numbers sort as numbers. */
static int cmp_cells(struct libscols_cell *a, struct libscols_cell *b, void *data)
{
	enum col c = (enum col)GPOINTER_TO_INT(data);
	const struct row *x = scols_cell_get_userdata(a), *y = scols_cell_get_userdata(b);
	uint64_t m = sort_number(x, c), n = sort_number(y, c);
	return (m > n) - (m < n);
}

/* --- the table --- */

static struct libscols_table *new_table(const struct ctl *ctl, const char *name)
{
	struct libscols_table *tb = scols_new_table();
	if (!tb)
		return NULL;
	scols_table_set_name(tb, name);
	scols_table_enable_json(tb, ctl->json);
	scols_table_enable_raw(tb, ctl->raw);
	scols_table_enable_noheadings(tb, ctl->noheadings);
	return tb;
}

static int print_rows(const struct ctl *ctl, const struct rows *rs)
{
	struct libscols_table *tb = new_table(ctl, "sharedmemory");
	if (!tb)
		goto nomem;
	int sort = ctl->sort ? col_by_name(ctl->sort, strlen(ctl->sort)) : -1;
	size_t ncols = nshown, sort_at = 0;
	bool sort_hidden = sort >= 0;
	for (size_t i = 0; i < nshown; i++)
		if ((int)shown[i] == sort && sort_hidden)
			sort_at = i, sort_hidden = false;
	if (sort_hidden)
		sort_at = ncols++; /* sorted by a column not shown: add it, hidden, as lsblk does */
	for (size_t i = 0; i < ncols; i++) {
		enum col c = i < nshown ? shown[i] : (enum col)sort;
		const struct coldesc *d = &cols[c];
		int flags = d->flags;
		if (ctl->notruncate)
			flags &= ~SCOLS_FL_TRUNC;
		if (i >= nshown)
			flags |= SCOLS_FL_HIDDEN;
		struct libscols_column *cl = scols_table_new_column(tb, d->name, d->whint, flags);
		if (!cl)
			goto nomem;
		bool number = d->number || ((c == COL_SIZE || c == COL_RSS) && ctl->bytes);
		scols_column_set_json_type(cl, number ? SCOLS_JSON_NUMBER : SCOLS_JSON_STRING);
		if (sort >= 0 && i == sort_at)
			scols_column_set_cmpfunc(cl, cols[c].sort == BY_NUMBER ? cmp_cells : scols_cmpstr_cells,
						 GINT_TO_POINTER(c));
	}
	for (guint j = 0; j < rs->rows->len; j++) {
		const struct row *r = rs->rows->pdata[j];
		struct libscols_line *ln = scols_table_new_line(tb, NULL);
		if (!ln)
			goto nomem;
		for (size_t i = 0; i < ncols; i++) {
			enum col c = i < nshown ? shown[i] : (enum col)sort;
			char *text = cell_text(ctl, r, c);
			if (text && scols_line_refer_data(ln, i, text) != 0) {
				g_free(text); /* libsmartcols frees with free(), which g_malloc pairs with */
				goto nomem;
			}
			if (sort >= 0 && i == sort_at)
				scols_cell_set_userdata(scols_line_get_cell(ln, i), (void *)r);
		}
	}
	if (sort >= 0)
		scols_sort_table(tb, scols_table_get_column(tb, sort_at));
	scols_print_table(tb);
	scols_unref_table(tb);
	return 0;
nomem:
	scols_unref_table(tb);
	fprintf(stderr, "lsshm: out of memory\n");
	return 1;
}

static char *how_text(const struct users_use *u)
{
	GString *t = g_string_new("");
	if (u->how & USERS_MAP_SHARED)
		g_string_append(t, "map shared");
	if (u->how & USERS_MAP_PRIVATE)
		g_string_append_printf(t, "%smap private", t->len ? ", " : "");
	if (u->how & USERS_FD)
		g_string_append_printf(t, "%sfd", t->len ? ", " : "");
	return g_string_free(t, FALSE);
}

/* The users of one segment as a table of their own: PID, COMMAND, USER, ACCESS, MAPPED, FDS. */
static int print_users(const struct ctl *ctl, const struct row *r)
{
	struct libscols_table *tb = new_table(ctl, "users");
	if (!tb)
		return 1;
	static const char *const heads[] = { "PID", "COMMAND", "USER", "ACCESS", "MAPPED", "FDS" };
	for (size_t i = 0; i < G_N_ELEMENTS(heads); i++)
		if (!scols_table_new_column(tb, heads[i], 0, (i == 0 || i >= 4) ? SCOLS_FL_RIGHT : 0)) {
			scols_unref_table(tb);
			return 1;
		}
	for (guint j = 0; j < r->uses->len; j++) {
		const struct users_use *u = r->uses->pdata[j];
		struct libscols_line *ln = scols_table_new_line(tb, NULL);
		if (!ln)
			break;
		scols_line_refer_data(ln, 0, g_strdup_printf("%d", (int)u->proc->pid));
		scols_line_set_data(ln, 1, u->proc->comm);
		scols_line_set_data(ln, 2, user_name(u->proc->uid));
		scols_line_refer_data(ln, 3, how_text(u));
		scols_line_refer_data(ln, 4, size_text(ctl, u->mapped));
		scols_line_refer_data(ln, 5, g_strdup_printf("%u", u->fds));
	}
	scols_print_table(tb);
	scols_unref_table(tb);
	return 0;
}

/* lsshm NAME...: each segment as "Field: value" lines, then its users. */
static int print_details(const struct ctl *ctl, const struct rows *rs)
{
	for (guint j = 0; j < rs->rows->len; j++) {
		const struct row *r = rs->rows->pdata[j];
		if (j)
			putchar('\n');
		for (int c = 0; c < NCOLS; c++) {
			if (c == COL_USERS)
				continue;
			g_autofree char *text = cell_text(ctl, r, (enum col)c);
			g_autofree char *head = g_strconcat(cols[c].pretty, ":", NULL);
			if (text && *text)
				printf("%-12s %s\n", head, text);
		}
		if (r->kind == KIND_POSIX)
			printf("%-12s %s/%s\n", "Path:", rs->dir_path, r->name);
		if (r->uses->len) {
			printf("Users:\n");
			if (print_users(ctl, r))
				return 1;
		}
	}
	const GPtrArray *d = users_daemons(rs->scan);
	if (d->len && rs->rows->len) {
		GString *t = g_string_new("");
		for (guint i = 0; i < d->len; i++) {
			const struct users_proc *p = d->pdata[i];
			g_string_append_printf(t, "%s%d", i ? "," : "", (int)p->pid);
		}
		printf("\nshmfs daemons left out of the users: %s\n", t->str);
		g_string_free(t, TRUE);
	}
	return 0;
}

int table_print(const struct ctl *ctl, const struct rows *rs)
{
	if (!nshown)
		set_defaults();
	int r = ctl->details ? print_details(ctl, rs) : print_rows(ctl, rs);
	if (names)
		g_hash_table_destroy(names), names = NULL;
	return r;
}
