/* lsshm.h - the pieces of the lsshm command: the rows (one per segment, POSIX or SysV, with its
 * users from one /proc scan) and the table they are printed as. */
#ifndef SHMFS_LSSHM_H
#define SHMFS_LSSHM_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "typesrc.h"
#include "users.h"

enum kind { KIND_POSIX, KIND_SYSV };

/* One segment. */
struct row {
	enum kind kind;
	char *name;          /* POSIX: its file name; SysV: its key, 0x%08x */
	int shmid, key;      /* SysV */
	dev_t dev;           /* POSIX */
	ino_t ino;
	uint64_t size, rss;
	uid_t uid;
	gid_t gid;
	mode_t mode;         /* permission bits (SysV: with SHM_DEST, SHM_LOCKED) */
	time_t mtime;        /* POSIX: st_mtime; SysV: the last of attach, detach, change */
	unsigned nattch;     /* POSIX: processes seen mapping it; SysV: the kernel's count */
	pid_t cpid, lpid;    /* SysV */
	GPtrArray *uses;     /* const struct users_use *, by pid */
	char *type;          /* POSIX: its record type (xattr, else the types file), when asked for */
	bool creator_gone;   /* SysV: sysvshm_creator_gone */
	const char *status;
	bool unused;         /* no users (seen): what --unused selects */
};

/* What to list and how. */
struct ctl {
	const char *dir;            /* the POSIX directory (default /dev/shm) */
	const char *types;          /* a types file, or NULL */
	bool posix, sysv;           /* which kinds */
	bool unused;                /* --unused */
	int64_t older_than;         /* seconds, -1: none */
	pid_t pid;                  /* --pid, 0: none */
	char **names;               /* NAME... (NULL-terminated), or NULL */
	bool json, raw, noheadings, bytes, numeric_perms, notruncate;
	const char *sort;           /* column name, or NULL */
	bool pidns_is_all;          /* --pidns-is-all */
	bool details;               /* NAME... given, neither --json nor --raw */
	bool need_type;             /* the TYPE of each segment is shown */
};

/* What was found: the rows and the scan they were judged by. */
struct rows {
	GPtrArray *rows;            /* struct row * */
	struct users_scan *scan;
	char *dir_path;             /* the POSIX directory, as given */
	int dirfd;
	struct typesrc *types;
	bool sysv_missing;          /* no /proc/sysvipc/shm */
};

/* Lists the segments CTL asks for, with their users. 0, or 1 after saying why on stderr (an
 * unreadable directory, a --pid or NAME that matches nothing). */
int rows_collect(const struct ctl *ctl, struct rows *out);
void rows_free(struct rows *r);

/* The column names lsshm knows, for --help: calls FN for each (name, help). */
void table_columns_help(void (*fn)(const char *name, const char *help));
/* Parses -o's LIST (names, case-insensitive, comma-separated; "+LIST" adds to the default).
 * Returns 0, or -1 after saying which name is unknown. */
int table_set_columns(const char *list);
void table_set_all_columns(void);
/* True when the columns to print (or the details) show TYPE. */
bool table_shows_type(const struct ctl *ctl);
/* Checks that COL is a column name. 0, or -1 after saying so. */
int table_check_sort(const char *col);
/* Prints ROWS as CTL says: a libsmartcols table, or with CTL->details one block per segment with
 * its users. 0, or 1 after saying why. */
int table_print(const struct ctl *ctl, const struct rows *rows);

/* A size as util-linux prints it: "4K", "3.7G", "512B". g_free it. */
char *human_size(uint64_t bytes);

#endif
