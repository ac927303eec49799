/* users.c - one pass over /proc: each process's maps and fds, matched by device and inode against
 * the backing file system in one hash, so a scan costs the same for one segment as for a million. */
#include "users.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define CAP_SYS_PTRACE_BIT 19
#define PROC_PID_INIT_INO 0xEFFFFFFCu /* the host's pid namespace, as /proc/self/ns/pid names it */

/* A process with what users_proc does not say. */
struct proc {
	struct users_proc pub;
	bool has_mm;   /* neither a kernel thread nor a zombie: it could map or hold something */
	bool unseen;   /* its maps or fds could not be read */
};

struct devino {
	dev_t dev;
	ino_t ino;
};

/* The uses of one object, by pid (processes are scanned in pid order). */
struct entry {
	struct devino key;
	GArray *uses; /* struct users_use */
};

/* A mount of /proc/self/mountinfo, as far as the scan needs it. */
struct mount {
	int id;
	dev_t dev;
	char *point, *fstype, *source, *superopts;
};

struct users_scan {
	GArray *devs;          /* dev_t: the backing file system first, then the aliases */
	GPtrArray *mounts;     /* struct mount * of /proc/self/mountinfo */
	GPtrArray *procs;      /* struct proc *, by pid; owns them */
	GPtrArray *daemons;    /* const struct users_proc * */
	GHashTable *table;     /* struct devino * -> struct entry * (owned) */
	unsigned unseen;
	bool hidepid;          /* /proc hides processes from who is not root */
	bool scanner_all;      /* the scan ran with CAP_SYS_PTRACE */
	bool sysv;
	bool child_pidns;      /* the scan saw a pid namespace other than the host's */
	bool pidns_is_all;
	bool have_sysv_dev;
	dev_t sysv_dev;        /* the kernel's internal mount of SysV segments, once a mapping shows it */
	char ipcns[64];        /* this process's IPC namespace, "ipc:[N]" */
	/* per scan, reused for every process */
	GString *buf;
	GArray *fd_uses;       /* struct devino of the current process's fds */
};

/* --- reading --- */

/* Reads all of NAME in DIRFD into BUF (NUL-terminated). 0 or -errno. */
static int slurp(int dirfd, const char *name, GString *buf)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	g_string_truncate(buf, 0);
	for (;;) {
		size_t len = buf->len;
		g_string_set_size(buf, len + 65536); /* no realloc once the buffer has grown */
		ssize_t n = read(fd, buf->str + len, 65536);
		g_string_set_size(buf, len + (n > 0 ? (size_t)n : 0));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			return -e;
		}
		if (n == 0)
			break;
	}
	close(fd);
	return 0;
}

static uint64_t hex(const char **p)
{
	uint64_t v = 0;
	for (;; (*p)++) {
		int c = **p, d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			return v;
		v = v << 4 | (uint64_t)d;
	}
}

static uint64_t dec(const char **p)
{
	uint64_t v = 0;
	for (; **p >= '0' && **p <= '9'; (*p)++)
		v = v * 10 + (uint64_t)(**p - '0');
	return v;
}

/* mountinfo's octal escapes (\040 for a space) undone in place. */
static char *unescape(char *s)
{
	char *r = s, *w = s;
	while (*r) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') << 6 | (r[2] - '0') << 3 | (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return s;
}

static void mount_free(gpointer p)
{
	struct mount *m = p;
	g_free(m->point);
	g_free(m->fstype);
	g_free(m->source);
	g_free(m->superopts);
	g_free(m);
}

/* /proc/self/mountinfo: "ID PARENT MAJ:MIN ROOT POINT OPTS [TAGS...] - FSTYPE SOURCE SUPEROPTS". */
static int mounts_read(GPtrArray **out)
{
	g_autoptr(GString) buf = g_string_sized_new(16384);
	int r = slurp(AT_FDCWD, "/proc/self/mountinfo", buf);
	if (r < 0)
		return r;
	GPtrArray *mounts = g_ptr_array_new_with_free_func(mount_free);
	g_auto(GStrv) lines = g_strsplit(buf->str, "\n", -1);
	for (char **l = lines; *l; l++) {
		g_auto(GStrv) f = g_strsplit(*l, " ", -1);
		guint n = g_strv_length(f), sep = 6;
		while (sep < n && strcmp(f[sep], "-") != 0)
			sep++;
		if (n < 5 || sep + 3 > n)
			continue;
		unsigned maj, min;
		if (sscanf(f[2], "%u:%u", &maj, &min) != 2)
			continue;
		struct mount *m = g_new0(struct mount, 1);
		m->id = atoi(f[0]);
		m->dev = makedev(maj, min);
		m->point = g_strdup(unescape(f[4]));
		m->fstype = g_strdup(unescape(f[sep + 1]));
		m->source = g_strdup(unescape(f[sep + 2]));
		m->superopts = g_strdup(sep + 3 < n ? f[sep + 3] : "");
		g_ptr_array_add(mounts, m);
	}
	*out = mounts;
	return 0;
}

/* True when the proc mount at /proc hides other users' processes (hidepid=1, 2, noaccess,
 * invisible, ptraceable). */
static bool proc_hides(const GPtrArray *mounts)
{
	bool hides = false;
	for (guint i = 0; i < mounts->len; i++) {
		const struct mount *m = mounts->pdata[i];
		if (strcmp(m->point, "/proc") != 0 || strcmp(m->fstype, "proc") != 0)
			continue;
		const char *h = strstr(m->superopts, "hidepid=");
		hides = h && strncmp(h + 8, "0", 1) != 0 && strncmp(h + 8, "off", 3) != 0; /* the last one wins */
	}
	return hides;
}

/* --- viewers --- */

struct users_viewer users_viewer_of(pid_t pid, uid_t uid, gid_t gid)
{
	struct users_viewer v = { .uid = uid, .gid = gid, .all = false };
	g_autoptr(GString) buf = g_string_sized_new(4096);
	char path[32];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	unsigned id[4];
	const char *p;
	/* its capability counts only while it still has the fs creds it was asked for (the pid of a
	 * caller that has gone may be another process's by now) */
	if (slurp(AT_FDCWD, path, buf) == 0 && (p = strstr(buf->str, "\nUid:\t")) &&
	    sscanf(p + 6, "%u %u %u %u", &id[0], &id[1], &id[2], &id[3]) == 4 && id[3] == uid &&
	    (p = strstr(buf->str, "\nCapEff:\t"))) {
		p += strlen("\nCapEff:\t");
		v.all = (hex(&p) >> CAP_SYS_PTRACE_BIT) & 1;
	}
	return v;
}

struct users_viewer users_viewer_self(void)
{
	/* the fs creds are what /proc checks */
	return users_viewer_of(getpid(), setfsuid(-1), setfsgid(-1));
}

bool users_visible(const struct users_proc *p, const struct users_viewer *v)
{
	if (!v || v->all)
		return true;
	return p->uid == v->uid && p->euid == v->uid && p->suid == v->uid && p->gid == v->gid &&
	       p->egid == v->gid && p->sgid == v->gid && p->dumpable;
}

/* --- the table --- */

static guint devino_hash(gconstpointer p)
{
	const struct devino *k = p;
	uint64_t h = ((uint64_t)k->ino * 0x9E3779B97F4A7C15ull) ^ (uint64_t)k->dev;
	return (guint)(h ^ (h >> 29));
}

static gboolean devino_equal(gconstpointer a, gconstpointer b)
{
	const struct devino *x = a, *y = b;
	return x->dev == y->dev && x->ino == y->ino;
}

static void entry_free(gpointer p)
{
	struct entry *e = p;
	g_array_free(e->uses, TRUE);
	g_free(e);
}

/* Adds to object KEY's uses of process P: its mapping of LEN bytes (HOW a USERS_MAP_* bit), or
 * one fd (HOW == USERS_FD). */
static void add_use(struct users_scan *s, struct proc *p, struct devino key, unsigned how, uint64_t len)
{
	struct entry *e = g_hash_table_lookup(s->table, &key);
	if (!e) {
		e = g_new(struct entry, 1);
		e->key = key;
		e->uses = g_array_sized_new(FALSE, TRUE, sizeof(struct users_use), 2);
		g_hash_table_insert(s->table, &e->key, e);
	}
	struct users_use *u = e->uses->len ? &g_array_index(e->uses, struct users_use, e->uses->len - 1) : NULL;
	if (!u || u->proc != &p->pub) {
		struct users_use nu = { .proc = &p->pub };
		g_array_append_val(e->uses, nu);
		u = &g_array_index(e->uses, struct users_use, e->uses->len - 1);
	}
	u->how |= how;
	if (how == USERS_FD)
		u->fds++;
	else
		u->mapped += len;
}

/* The backing file system's device for DEV when DEV is it or one of its aliases, else 0. */
static dev_t canonical_dev(const struct users_scan *s, dev_t dev)
{
	for (guint i = 0; i < s->devs->len; i++)
		if (g_array_index(s->devs, dev_t, i) == dev)
			return g_array_index(s->devs, dev_t, 0);
	return 0;
}

/* --- one process --- */

/* Name:, Uid:, Gid: and whether it has memory (a VmSize: line), from /proc/PID/status. */
static bool parse_status(const char *text, struct proc *p)
{
	bool got_uid = false, got_gid = false;
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		unsigned a, b, c;
		if (strncmp(l, "Name:\t", 6) == 0) {
			const char *end = strchr(l + 6, '\n');
			size_t n = end ? (size_t)(end - l - 6) : strlen(l + 6);
			n = MIN(n, sizeof p->pub.comm - 1);
			memcpy(p->pub.comm, l + 6, n);
			p->pub.comm[n] = '\0';
		} else if (strncmp(l, "Uid:\t", 5) == 0 && sscanf(l + 5, "%u %u %u", &a, &b, &c) == 3) {
			p->pub.uid = a, p->pub.euid = b, p->pub.suid = c, got_uid = true;
		} else if (strncmp(l, "Gid:\t", 5) == 0 && sscanf(l + 5, "%u %u %u", &a, &b, &c) == 3) {
			p->pub.gid = a, p->pub.egid = b, p->pub.sgid = c, got_gid = true;
		} else if (strncmp(l, "VmSize:", 7) == 0) {
			p->has_mm = true;
		}
	}
	return got_uid && got_gid;
}

/* The mount PATH (an fd's link, absolute) is on: the one with the longest mount point that is a
 * prefix of it, the last of equals (the one on top). */
static const struct mount *mount_of_path(const struct users_scan *s, const char *path)
{
	const struct mount *best = NULL;
	size_t best_len = 0;
	for (guint i = 0; i < s->mounts->len; i++) {
		const struct mount *m = s->mounts->pdata[i];
		size_t n = strlen(m->point);
		if (n >= best_len && strncmp(path, m->point, n) == 0 &&
		    (path[n] == '/' || path[n] == '\0' || n == 1))
			best = m, best_len = n;
	}
	return best;
}

/* The inode and mount id of fd NAME in FDINFO_DIR, from its fdinfo ("mnt_id:", "ino:"): no request
 * reaches the file system, so a FUSE mount that hangs cannot hang the scan. */
static bool fdinfo_ino(int pfd, const char *name, GString *buf, int *mnt_id, ino_t *ino)
{
	char path[16 + NAME_MAX];
	snprintf(path, sizeof path, "fdinfo/%s", name);
	if (slurp(pfd, path, buf) < 0)
		return false;
	const char *m = strstr(buf->str, "mnt_id:"), *i = strstr(buf->str, "\nino:");
	if (!m || !i)
		return false;
	m += 7, i += 5;
	while (*m == '\t' || *m == ' ')
		m++;
	while (*i == '\t' || *i == ' ')
		i++;
	*mnt_id = (int)dec(&m);
	*ino = (ino_t)dec(&i);
	return true;
}

/* Walks /proc/PID/fd: notes /dev/fuse and directories of the backing file system, and appends to
 * s->fd_uses every fd open on an object of it or an alias. 0, or -errno of the fd directory. */
static int scan_fds(struct users_scan *s, int pfd, bool *has_fuse, bool *has_dir)
{
	int dfd = openat(pfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	DIR *d = fdopendir(dfd);
	if (!d) {
		int e = errno;
		close(dfd);
		return -e;
	}
	g_array_set_size(s->fd_uses, 0);
	char link[PATH_MAX + 16];
	struct dirent *de;
	g_autoptr(GString) info = NULL;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		ssize_t n = readlinkat(dfd, de->d_name, link, sizeof link - 1);
		if (n <= 0 || link[0] != '/')
			continue; /* gone, or a pipe, socket, anon inode */
		link[n] = '\0';
		if (strcmp(link, "/dev/fuse") == 0) {
			*has_fuse = true;
			continue;
		}
		const struct mount *m = mount_of_path(s, link);
		if (!m || !canonical_dev(s, m->dev))
			continue;
		struct devino k = { 0 };
		if (m->dev == g_array_index(s->devs, dev_t, 0)) {
			struct stat st;
			if (fstatat(dfd, de->d_name, &st, 0) < 0)
				continue;
			if (S_ISDIR(st.st_mode) && st.st_dev == m->dev)
				*has_dir = true;
			if (!S_ISREG(st.st_mode) || !(k.dev = canonical_dev(s, st.st_dev)))
				continue;
			k.ino = st.st_ino;
		} else {
			/* an alias (a FUSE mount): never stat'ed, see fdinfo_ino */
			int mnt_id;
			if (!info)
				info = g_string_sized_new(256);
			if (!fdinfo_ino(pfd, de->d_name, info, &mnt_id, &k.ino))
				continue;
			for (guint i = 0; i < s->mounts->len && !k.dev; i++) {
				const struct mount *mm = s->mounts->pdata[i];
				if (mm->id == mnt_id)
					k.dev = canonical_dev(s, mm->dev);
			}
			if (!k.dev)
				continue;
		}
		g_array_append_val(s->fd_uses, k);
	}
	closedir(d);
	return 0;
}

/* True when a maps line's PATH (up to END) is the kernel's name of a SysV segment, "/SYSV%08x
 * (deleted)" (its key in hex; its inode number is its shmid). */
static bool sysv_path(const char *path, const char *end)
{
	static const char tail[] = " (deleted)";
	if ((size_t)(end - path) != 13 + strlen(tail) || memcmp(path, "/SYSV", 5) != 0 ||
	    memcmp(path + 13, tail, strlen(tail)) != 0)
		return false;
	for (const char *p = path + 5; p < path + 13; p++)
		if (!isxdigit((unsigned char)*p))
			return false;
	return true;
}

/* Walks /proc/PID/maps: "START-END PERMS OFFSET MAJ:MIN INODE PATH" per line. */
static int scan_maps(struct users_scan *s, int pfd, struct proc *p)
{
	int r = slurp(pfd, "maps", s->buf);
	if (r < 0)
		return r;
	bool ns_checked = false, ns_ours = false;
	for (const char *l = s->buf->str; *l;) {
		const char *eol = strchr(l, '\n');
		if (!eol)
			eol = l + strlen(l);
		const char *c = l;
		if (eol - l < 30) { /* shorter than any line with an inode */
			l = *eol ? eol + 1 : eol;
			continue;
		}
		uint64_t start = hex(&c);
		c++;
		uint64_t end = hex(&c);
		c++;
		char share = c[3];
		c += 5;
		hex(&c); /* offset */
		c++;
		unsigned maj = (unsigned)hex(&c);
		c++;
		unsigned min = (unsigned)hex(&c);
		c++;
		ino_t ino = (ino_t)dec(&c);
		if (ino) {
			dev_t dev = makedev(maj, min), cd = canonical_dev(s, dev);
			unsigned how = share == 's' ? USERS_MAP_SHARED : USERS_MAP_PRIVATE;
			if (cd) {
				add_use(s, p, (struct devino){ cd, ino }, how, end - start);
			} else if (s->sysv) {
				while (*c == ' ')
					c++;
				if (sysv_path(c, eol) && (!s->have_sysv_dev || s->sysv_dev == dev)) {
					if (!ns_checked) {
						char ns[64];
						ssize_t n = readlinkat(pfd, "ns/ipc", ns, sizeof ns - 1);
						ns[n > 0 ? n : 0] = '\0';
						ns_ours = n > 0 && strcmp(ns, s->ipcns) == 0;
						ns_checked = true;
					}
					if (ns_ours) {
						s->have_sysv_dev = true;
						s->sysv_dev = dev;
						add_use(s, p, (struct devino){ dev, ino }, how, end - start);
					}
				}
			}
		}
		l = *eol ? eol + 1 : eol;
	}
	return 0;
}

static bool is_pid(const char *name)
{
	if (!*name)
		return false;
	for (const char *c = name; *c; c++)
		if (!isdigit((unsigned char)*c))
			return false;
	return true;
}

static void scan_proc(struct users_scan *s, int procfd, pid_t pid)
{
	char name[16];
	snprintf(name, sizeof name, "%d", (int)pid);
	int pfd = openat(procfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return; /* gone */
	struct proc *p = g_new0(struct proc, 1);
	p->pub.pid = pid;
	struct stat st;
	if (slurp(pfd, "status", s->buf) < 0 || !parse_status(s->buf->str, p) || fstat(pfd, &st) < 0) {
		g_free(p);
		close(pfd);
		return;
	}
	p->pub.dumpable = st.st_uid == p->pub.euid;
	g_ptr_array_add(s->procs, p);
	bool has_fuse = false, has_dir = false;
	int r = scan_fds(s, pfd, &has_fuse, &has_dir);
	if (r == -EACCES || r == -EPERM) {
		p->unseen = p->has_mm;
	} else if (r == 0 && has_fuse && has_dir && strcmp(p->pub.comm, "shmfs") == 0) {
		g_ptr_array_add(s->daemons, &p->pub);
	} else if (r == 0) {
		r = scan_maps(s, pfd, p);
		if (r == -EACCES || r == -EPERM)
			p->unseen = p->has_mm;
		for (guint i = 0; i < s->fd_uses->len; i++)
			add_use(s, p, g_array_index(s->fd_uses, struct devino, i), USERS_FD, 0);
	}
	s->unseen += p->unseen;
	close(pfd);
}

static int cmp_pid(gconstpointer a, gconstpointer b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

int users_scan(int dirfd, const struct users_opts *opts, struct users_scan **out)
{
	struct stat st;
	if (fstat(dirfd, &st) < 0)
		return -errno;
	int procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return -errno;
	struct users_scan *s = g_new0(struct users_scan, 1);
	int r = mounts_read(&s->mounts);
	if (r < 0) {
		close(procfd);
		g_free(s);
		return r;
	}
	s->devs = g_array_new(FALSE, FALSE, sizeof(dev_t));
	g_array_append_val(s->devs, st.st_dev);
	for (size_t i = 0; opts && i < opts->n_alias_devs; i++)
		if (!canonical_dev(s, opts->alias_devs[i]))
			g_array_append_val(s->devs, opts->alias_devs[i]);
	s->procs = g_ptr_array_new_with_free_func(g_free);
	s->daemons = g_ptr_array_new();
	s->table = g_hash_table_new_full(devino_hash, devino_equal, NULL, entry_free);
	s->hidepid = proc_hides(s->mounts);
	s->scanner_all = users_viewer_self().all;
	s->sysv = opts && opts->sysv;
	ssize_t n = readlink("/proc/self/ns/ipc", s->ipcns, sizeof s->ipcns - 1);
	s->ipcns[n > 0 ? n : 0] = '\0';
	char pidns[64];
	n = readlink("/proc/self/ns/pid", pidns, sizeof pidns - 1);
	pidns[n > 0 ? n : 0] = '\0';
	unsigned ns_ino = 0;
	s->child_pidns = sscanf(pidns, "pid:[%u]", &ns_ino) != 1 || ns_ino != PROC_PID_INIT_INO;
	s->pidns_is_all = opts && opts->pidns_is_all;
	s->buf = g_string_sized_new(65536);
	s->fd_uses = g_array_new(FALSE, FALSE, sizeof(struct devino));

	/* pids first, in order, so that every object's uses come out by pid */
	GArray *pids = g_array_new(FALSE, FALSE, sizeof(pid_t));
	int dfd = dup(procfd);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		r = -errno;
		if (dfd >= 0)
			close(dfd);
		g_array_free(pids, TRUE);
		close(procfd);
		users_scan_free(s);
		return r;
	}
	struct dirent *de;
	while ((de = readdir(d)))
		if (is_pid(de->d_name)) {
			pid_t pid = (pid_t)atoi(de->d_name);
			g_array_append_val(pids, pid);
		}
	closedir(d);
	g_array_sort(pids, cmp_pid);
	/* not this process: what it holds it holds while it asks (an fd inherited from its shell) */
	pid_t self = getpid();
	for (guint i = 0; i < pids->len; i++)
		if (g_array_index(pids, pid_t, i) != self)
			scan_proc(s, procfd, g_array_index(pids, pid_t, i));
	g_array_free(pids, TRUE);
	close(procfd);
	g_string_free(s->buf, TRUE);
	s->buf = NULL;
	*out = s;
	return 0;
}

void users_scan_free(struct users_scan *s)
{
	if (!s)
		return;
	g_clear_pointer(&s->table, g_hash_table_destroy);
	g_clear_pointer(&s->daemons, g_ptr_array_unref); /* the arrays free their elements */
	g_clear_pointer(&s->procs, g_ptr_array_unref);
	g_clear_pointer(&s->mounts, g_ptr_array_unref);
	g_clear_pointer(&s->devs, g_array_unref);
	g_clear_pointer(&s->fd_uses, g_array_unref);
	if (s->buf)
		g_string_free(s->buf, TRUE);
	g_free(s);
}

/* --- results --- */

static struct users_count count_entry(const struct users_scan *s, struct devino key,
				      const struct users_viewer *v, GPtrArray *out)
{
	struct users_count c = { 0, 0 };
	const struct entry *e = key.dev ? g_hash_table_lookup(s->table, &key) : NULL;
	for (guint i = 0; e && i < e->uses->len; i++) {
		const struct users_use *u = &g_array_index(e->uses, struct users_use, i);
		if (!users_visible(u->proc, v))
			continue;
		c.nusers++;
		c.nattch += (u->how & (USERS_MAP_SHARED | USERS_MAP_PRIVATE)) != 0;
		if (out)
			g_ptr_array_add(out, (gpointer)u);
	}
	return c;
}

struct users_count users_of(const struct users_scan *s, dev_t dev, ino_t ino,
			    const struct users_viewer *v, GPtrArray *out)
{
	return count_entry(s, (struct devino){ canonical_dev(s, dev), ino }, v, out);
}

struct users_count users_of_sysv(const struct users_scan *s, int shmid, const struct users_viewer *v,
				 GPtrArray *out)
{
	if (!s->have_sysv_dev)
		return (struct users_count){ 0, 0 };
	return count_entry(s, (struct devino){ s->sysv_dev, (ino_t)shmid }, v, out);
}

bool users_complete(const struct users_scan *s, const struct users_viewer *v)
{
	if (s->unseen || (s->hidepid && !s->scanner_all) || (s->child_pidns && !s->pidns_is_all))
		return false;
	if (!v || v->all)
		return true;
	for (guint i = 0; i < s->procs->len; i++) {
		const struct proc *p = s->procs->pdata[i];
		if (p->has_mm && !users_visible(&p->pub, v))
			return false;
	}
	return true;
}

unsigned users_unseen(const struct users_scan *s, GArray *pids)
{
	for (guint i = 0; pids && i < s->procs->len; i++) {
		const struct proc *p = s->procs->pdata[i];
		if (p->unseen)
			g_array_append_val(pids, p->pub.pid);
	}
	return s->unseen;
}

static int cmp_proc_pid(const void *key, const void *elem)
{
	pid_t k = *(const pid_t *)key, p = (*(const struct proc *const *)elem)->pub.pid;
	return (k > p) - (k < p);
}

int users_pid(const struct users_scan *s, pid_t pid)
{
	struct proc **p = bsearch(&pid, s->procs->pdata, s->procs->len, sizeof(gpointer), cmp_proc_pid);
	if (!p)
		return -ESRCH;
	return (*p)->unseen ? -EACCES : 0;
}

bool users_in_child_pidns(const struct users_scan *s)
{
	return s->child_pidns;
}

unsigned users_nprocs(const struct users_scan *s)
{
	return s->procs->len;
}

bool users_uid_running(const struct users_scan *s, uid_t uid)
{
	for (guint i = 0; i < s->procs->len; i++) {
		const struct proc *p = s->procs->pdata[i];
		if (p->pub.uid == uid || p->pub.euid == uid)
			return true;
	}
	return false;
}

const GPtrArray *users_daemons(const struct users_scan *s)
{
	return s->daemons;
}

/* Appends COMM to T with the bytes that mean something in users_format's text (",", ":", "(",
 * ")", "\") and the unprintable ones as \xHH: a process chooses its own name, and must not make
 * itself read as two users or as another way of use. */
static void append_comm(GString *t, const char *comm)
{
	for (const unsigned char *c = (const unsigned char *)comm; *c; c++) {
		if (strchr(",:()\\", *c) || *c < 0x20 || *c >= 0x7f)
			g_string_append_printf(t, "\\x%02x", *c);
		else
			g_string_append_c(t, (char)*c);
	}
}

char *users_format(const GPtrArray *uses)
{
	GString *t = g_string_new("");
	for (guint i = 0; uses && i < uses->len; i++) {
		const struct users_use *u = uses->pdata[i];
		g_string_append_printf(t, "%s%d:", i ? "," : "", (int)u->proc->pid);
		append_comm(t, u->proc->comm);
		if (!(u->how & (USERS_MAP_SHARED | USERS_MAP_PRIVATE)))
			g_string_append(t, "(fd)");
		else if (!(u->how & USERS_MAP_SHARED))
			g_string_append(t, "(private)");
	}
	return g_string_free(t, FALSE);
}

int users_shmfs_mounts(const char *path, GArray *devs)
{
	g_autofree char *real = realpath(path, NULL);
	if (!real)
		return -errno;
	GPtrArray *mounts;
	int r = mounts_read(&mounts);
	if (r < 0)
		return r;
	int n = 0;
	for (guint i = 0; i < mounts->len; i++) {
		const struct mount *m = mounts->pdata[i];
		if (strcmp(m->fstype, "fuse.shmfs") == 0 && strcmp(m->source, real) == 0) {
			g_array_append_val(devs, m->dev);
			n++;
		}
	}
	g_ptr_array_free(mounts, TRUE);
	return n;
}
