/* rows.c - the segments lsshm lists: the regular files of the POSIX directory and the SysV segments
 * of /proc/sysvipc/shm, each with its users from one /proc scan, its STATUS, and the filters. */
#include "lsshm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "seg.h"
#include "sysvshm.h"

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

static void types_log(const char *msg)
{
	fprintf(stderr, "lsshm: %s\n", msg);
}

static void row_free(gpointer p)
{
	struct row *r = p;
	if (!r)
		return; /* moved to the rows shown */
	g_free(r->name);
	g_free(r->type);
	if (r->uses)
		g_ptr_array_free(r->uses, TRUE);
	g_free(r);
}

struct listing {
	const struct ctl *ctl;
	struct typesrc *types;
	GPtrArray *rows;
};

static int add_posix(const char *name, const struct stat *st, void *ctx)
{
	struct listing *l = ctx;
	if (!S_ISREG(st->st_mode))
		return 0; /* directories, links, fifos: not segments */
	struct row *r = g_new0(struct row, 1);
	r->kind = KIND_POSIX;
	r->name = g_strdup(name);
	r->dev = st->st_dev;
	r->ino = st->st_ino;
	r->size = (uint64_t)st->st_size;
	r->rss = users_resident(st);
	r->uid = st->st_uid;
	r->gid = st->st_gid;
	r->mode = st->st_mode & 07777;
	r->mtime = st->st_mtime;
	/* by name from the working directory, which rows_collect made the directory itself: a third
	 * of the cost of a path through /proc/self/fd */
	if (l->ctl->need_type)
		r->type = typesrc_lookup_at(l->types, AT_FDCWD, name);
	g_ptr_array_add(l->rows, r);
	return 0;
}

static void add_sysv(GPtrArray *rows, const struct sysvshm *s)
{
	struct row *r = g_new0(struct row, 1);
	r->kind = KIND_SYSV;
	r->name = g_strdup_printf("0x%08x", (unsigned)s->key);
	r->shmid = s->shmid;
	r->key = s->key;
	r->size = s->size;
	r->rss = s->rss;
	r->uid = s->uid;
	r->gid = s->gid;
	r->mode = s->mode;
	r->mtime = MAX(s->ctime, MAX(s->atime, s->dtime));
	r->nattch = (unsigned)s->nattch;
	r->cpid = s->cpid;
	r->lpid = s->lpid;
	r->creator_gone = sysvshm_creator_gone(s);
	g_ptr_array_add(rows, r);
}

/* Its users and STATUS. What "unused" claims (see lsshm(1), STATUS): no process maps it or holds
 * an fd on it, and every process could be looked at; "owner gone" adds that no process runs as its
 * owner (POSIX shm records no creator); for SysV the kernel counts attaches and records the
 * creator's pid, and "creator gone" means no such process, or one started after the segment's last
 * change (the pid used again). */
static void judge(const struct rows *rs, struct row *r, bool complete)
{
	r->uses = g_ptr_array_new();
	if (r->kind == KIND_POSIX) {
		struct users_count c = users_of(rs->scan, r->dev, r->ino, NULL, r->uses);
		r->nattch = c.nattch;
		r->unused = c.nusers == 0;
		if (c.nusers)
			r->status = "in use";
		else if (!complete)
			r->status = "no users seen";
		else if (!users_uid_running(rs->scan, r->uid))
			r->status = "unused, owner gone";
		else
			r->status = "unused";
		return;
	}
	users_of_sysv(rs->scan, r->shmid, NULL, r->uses);
	r->unused = r->nattch == 0;
	if (r->nattch)
		r->status = (r->mode & SHM_DEST) ? "in use, removed" : "in use";
	else if (r->creator_gone)
		r->status = "unused, creator gone";
	else
		r->status = "unused";
}

static bool uses_pid(const struct row *r, pid_t pid)
{
	for (guint i = 0; i < r->uses->len; i++)
		if (((const struct users_use *)r->uses->pdata[i])->proc->pid == pid)
			return true;
	return false;
}

static bool wanted(const struct ctl *ctl, const struct row *r, time_t now)
{
	if (ctl->unused && !r->unused)
		return false;
	if (ctl->older_than >= 0 && (int64_t)(now - r->mtime) < ctl->older_than)
		return false;
	if (ctl->pid && !uses_pid(r, ctl->pid))
		return false;
	if (ctl->names) {
		bool named = false;
		for (char **n = ctl->names; *n && !named; n++)
			named = strcmp(*n, r->name) == 0;
		if (!named)
			return false;
	}
	return true;
}

static int cmp_rows(gconstpointer a, gconstpointer b)
{
	const struct row *x = *(const struct row *const *)a, *y = *(const struct row *const *)b;
	if (x->kind != y->kind)
		return x->kind == KIND_POSIX ? -1 : 1;
	if (x->kind == KIND_SYSV)
		return (x->shmid > y->shmid) - (x->shmid < y->shmid);
	return strcmp(x->name, y->name);
}

/* Says why --pid PID lists nothing it could have listed. 0 when it can be answered. */
static int check_pid(const struct rows *rs, pid_t pid)
{
	const GPtrArray *d = users_daemons(rs->scan);
	for (guint i = 0; i < d->len; i++)
		if (((const struct users_proc *)d->pdata[i])->pid == pid) {
			fprintf(stderr, "lsshm: process %d is a shmfs daemon: lsshm leaves shmfs out of the users\n",
				(int)pid);
			return 1;
		}
	int r = users_pid(rs->scan, pid);
	if (r == -ESRCH)
		fprintf(stderr, "lsshm: no process %d\n", (int)pid);
	else if (r == -EACCES)
		fprintf(stderr, "lsshm: cannot read the maps and fds of process %d (not root?)\n", (int)pid);
	return r ? 1 : 0;
}

struct scan_job {
	int dirfd;
	const struct users_opts *opts;
	struct users_scan *scan;
	int err;
};

static gpointer scan_thread(gpointer p)
{
	struct scan_job *j = p;
	j->err = users_scan(j->dirfd, j->opts, &j->scan);
	return NULL;
}

/* Says that the users shown are not all there are, and why. */
static void say_unseen(const struct ctl *ctl, const struct users_scan *scan)
{
	g_autoptr(GArray) pids = g_array_new(FALSE, FALSE, sizeof(pid_t));
	unsigned n = users_unseen(scan, pids);
	if (users_in_child_pidns(scan) && !ctl->pidns_is_all) {
		fprintf(stderr, "lsshm: lsshm runs in a pid namespace of its own (a container?): processes "
			"outside it are not seen, and \"no users seen\" is not \"unused\" (--pidns-is-all "
			"if none outside can reach %s)\n", ctl->dir);
		if (!n)
			return;
	}
	if (!n) {
		fprintf(stderr, "lsshm: /proc hides other users' processes (hidepid): the users shown are "
			"those this user may see, and \"no users seen\" is not \"unused\"\n");
		return;
	}
	GString *list = g_string_new("");
	for (guint i = 0; i < pids->len && i < 5; i++)
		g_string_append_printf(list, "%s%d", i ? "," : "", (int)g_array_index(pids, pid_t, i));
	if (pids->len > 5)
		g_string_append(list, ",...");
	fprintf(stderr, "lsshm: the maps and fds of %u of %u processes could not be read (pid %s; they "
		"need root, or CAP_SYS_PTRACE over them): the users shown are those this user may see, "
		"and \"no users seen\" is not \"unused\"\n", n, users_nprocs(scan), list->str);
	g_string_free(list, TRUE);
}

int rows_collect(const struct ctl *ctl, struct rows *rs)
{
	memset(rs, 0, sizeof *rs);
	rs->rows = g_ptr_array_new_with_free_func(row_free);
	rs->dirfd = -1;
	rs->dir_path = g_strdup(ctl->dir);
	rs->types = typesrc_new(ctl->types, types_log);
	/* the scan needs the directory's file system even when only SysV is listed */
	rs->dirfd = seg_dir_open(ctl->dir);
	if (rs->dirfd < 0) {
		fprintf(stderr, "lsshm: cannot open %s: %s\n", ctl->dir, g_strerror(-rs->dirfd));
		return 1;
	}
	if (fchdir(rs->dirfd) < 0) {
		fprintf(stderr, "lsshm: cannot enter %s: %s\n", ctl->dir, g_strerror(errno));
		return 1;
	}
	struct statfs sfs;
	if (ctl->posix && fstatfs(rs->dirfd, &sfs) == 0 && sfs.f_type != TMPFS_MAGIC)
		fprintf(stderr, "lsshm: warning: %s is not on tmpfs: its files are not shared memory\n",
			ctl->dir);

	g_autoptr(GArray) aliases = g_array_new(FALSE, FALSE, sizeof(dev_t));
	users_shmfs_mounts(ctl->dir, aliases); /* none found is fine */
	struct users_opts opts = { .alias_devs = (const dev_t *)(void *)aliases->data,
				   .n_alias_devs = aliases->len, .sysv = ctl->sysv,
				   .pidns_is_all = ctl->pidns_is_all };
	/* the /proc scan in a thread of its own while the directory is listed (both take about as
	 * long, mostly in system calls) */
	struct scan_job job = { rs->dirfd, &opts, NULL, 0 };
	GThread *scanner = g_thread_new("scan", scan_thread, &job);
	GPtrArray *all = g_ptr_array_new_with_free_func(row_free);
	struct listing listing = { ctl, rs->types, all };
	int r = ctl->posix ? seg_list(rs->dirfd, add_posix, &listing) : 0;
	g_autoptr(GArray) sysv = g_array_new(FALSE, FALSE, sizeof(struct sysvshm));
	if (ctl->sysv) {
		r = sysvshm_list(NULL, sysv);
		if (r == -ENOENT)
			rs->sysv_missing = true;
		else if (r < 0)
			fprintf(stderr, "lsshm: cannot read /proc/sysvipc/shm: %s\n", g_strerror(-r));
		for (guint i = 0; i < sysv->len; i++)
			add_sysv(all, &g_array_index(sysv, struct sysvshm, i));
	}
	g_thread_join(scanner);
	rs->scan = job.scan;
	if (r < 0) {
		fprintf(stderr, "lsshm: cannot list %s: %s\n", ctl->dir, g_strerror(-r));
		g_ptr_array_free(all, TRUE);
		return 1;
	}
	if (job.err < 0) {
		fprintf(stderr, "lsshm: cannot scan /proc: %s\n", g_strerror(-job.err));
		g_ptr_array_free(all, TRUE);
		return 1;
	}
	if (ctl->pid && check_pid(rs, ctl->pid)) {
		g_ptr_array_free(all, TRUE);
		return 1;
	}

	bool complete = users_complete(rs->scan, NULL);
	time_t now = time(NULL);
	for (guint i = 0; i < all->len; i++) {
		struct row *row = all->pdata[i];
		judge(rs, row, complete);
		if (wanted(ctl, row, now)) {
			g_ptr_array_add(rs->rows, row);
			all->pdata[i] = NULL;
		}
	}
	g_ptr_array_free(all, TRUE);
	g_ptr_array_sort(rs->rows, cmp_rows);

	int status = 0;
	for (char **n = ctl->names; n && *n; n++) {
		bool found = false;
		for (guint i = 0; i < rs->rows->len && !found; i++)
			found = strcmp(((struct row *)rs->rows->pdata[i])->name, *n) == 0;
		if (!found && !ctl->unused && ctl->older_than < 0 && !ctl->pid) {
			fprintf(stderr, "lsshm: %s: no such segment in %s\n", *n, ctl->dir);
			status = 1;
		}
	}
	if (!complete)
		say_unseen(ctl, rs->scan);
	return status;
}

void rows_free(struct rows *rs)
{
	if (rs->rows)
		g_ptr_array_free(rs->rows, TRUE);
	users_scan_free(rs->scan);
	typesrc_free(rs->types);
	if (rs->dirfd >= 0)
		close(rs->dirfd);
	g_free(rs->dir_path);
	memset(rs, 0, sizeof *rs);
	rs->dirfd = -1;
}
