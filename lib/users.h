/* users.h - who uses the segments of a shared-memory directory: one pass over /proc finds, for every
 * segment at once, the processes that map it or hold an fd on it, shmfs daemons left out. */
#ifndef SHMFS_USERS_H
#define SHMFS_USERS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Whom a result is for: a caller may learn only of the processes /proc would show it, those whose
 * real, effective and saved uids are all UID and gids all GID and that are dumpable (the owner of
 * /proc/PID is their uid), or every one when ALL (root, or a caller with CAP_SYS_PTRACE). This is
 * the kernel's rule for reading /proc/PID/maps and /proc/PID/fd (ptrace read access, fs creds). */
struct users_viewer {
	uid_t uid; /* the caller's fsuid */
	gid_t gid; /* the caller's fsgid */
	bool all;
};

/* The viewer a caller is, for a server that answers for it (a FUSE request's uid, gid and pid):
 * UID and GID as given, ALL when process PID still runs with fsuid UID and has CAP_SYS_PTRACE
 * (/proc/PID/status). */
struct users_viewer users_viewer_of(pid_t pid, uid_t uid, gid_t gid);
/* The viewer this process is: its fsuid and fsgid, ALL when it has CAP_SYS_PTRACE. */
struct users_viewer users_viewer_self(void);

/* One process as the scan saw it. */
struct users_proc {
	pid_t pid;
	char comm[64];      /* the Name: of /proc/PID/status, as the kernel escapes it */
	uid_t uid, euid, suid;
	gid_t gid, egid, sgid;
	bool dumpable;      /* /proc/PID belongs to its euid, not to root */
};

/* How a process uses a segment (bits of users_use.how). */
enum {
	USERS_MAP_SHARED = 1u << 0,  /* a MAP_SHARED mapping (or a SysV attach) */
	USERS_MAP_PRIVATE = 1u << 1, /* a MAP_PRIVATE mapping */
	USERS_FD = 1u << 2,          /* an open fd */
};

/* One process's use of one segment: all its mappings and fds of it together. */
struct users_use {
	const struct users_proc *proc;
	unsigned how;       /* USERS_* bits */
	uint64_t mapped;    /* bytes of its address space mapped from the segment */
	unsigned fds;       /* how many of its fds are open on the segment */
};

struct users_opts {
	/* Devices of file systems that show the backing directory's objects with the same inode
	 * numbers (the shmfs mounts of it): a mapping or fd of inode I there counts as one of the
	 * backing directory's inode I. users_shmfs_mounts finds them. */
	const dev_t *alias_devs;
	size_t n_alias_devs;
	/* Also the SysV attaches of this IPC namespace (see users_of_sysv). */
	bool sysv;
	/* The caller knows that no process outside this pid namespace can reach the file system
	 * (e.g. a container's own tmpfs): a scan from a pid namespace other than the host's may then
	 * be complete (see users_complete). */
	bool pidns_is_all;
};

struct users_scan;

/* Scans /proc once for the file system of the directory DIRFD (any fd on it, O_PATH included):
 * every process's /proc/PID/maps (device and inode of each mapping, its size, shared or private)
 * and /proc/PID/fd (each fd whose link names a path under a mount of that file system, or of an
 * alias, is stat'ed for its device and inode). A process is a shmfs daemon, and is left out of
 * every result, when its name is "shmfs", it holds /dev/fuse open and it holds a directory of that
 * file system open (a daemon keeps its backing directory open); users_daemons lists them.
 * The calling process itself is not scanned. Processes that end during the scan are skipped; those
 * whose maps or fds this process may not read are counted (users_unseen). The scan is a snapshot: nothing is cached across scans.
 * Returns 0 and *OUT (users_scan_free it), or -errno (fstat of DIRFD, /proc unreadable, ENOMEM). */
int users_scan(int dirfd, const struct users_opts *opts, struct users_scan **out);
void users_scan_free(struct users_scan *s);

/* What one viewer may see of one segment. */
struct users_count {
	unsigned nattch; /* processes that map it, shared or private */
	unsigned nusers; /* processes that map it or hold an fd on it */
};

/* The uses of the object DEV, INO (a segment's st_dev and st_ino, or an alias's) that VIEWER may
 * see (NULL: all the scan saw): appended to OUT (const struct users_use *, by pid; NULL: counts
 * only), valid until users_scan_free. */
struct users_count users_of(const struct users_scan *s, dev_t dev, ino_t ino,
			    const struct users_viewer *viewer, GPtrArray *out);

/* The same for the SysV segment SHMID: the attaches by processes of this IPC namespace (the scan
 * must have had opts.sysv). */
struct users_count users_of_sysv(const struct users_scan *s, int shmid,
				 const struct users_viewer *viewer, GPtrArray *out);

/* True when VIEWER (NULL: whoever ran the scan) may see every process there is: the scan ran in
 * the host's pid namespace (or opts.pidns_is_all), could read every process's maps and fds, /proc
 * hides none (hidepid), and VIEWER may see each of them. Only then does "no users" mean unused. */
bool users_complete(const struct users_scan *s, const struct users_viewer *viewer);
/* How many processes with memory had maps or fds the scan could not read (EACCES); their pids
 * appended to PIDS (pid_t) unless NULL. */
unsigned users_unseen(const struct users_scan *s, GArray *pids);
/* True when the scan ran in a pid namespace other than the host's (a container). */
bool users_in_child_pidns(const struct users_scan *s);
/* Processes the scan looked at (kernel threads and zombies included). */
unsigned users_nprocs(const struct users_scan *s);

/* What the scan knows of process PID: 0 when it read its maps and fds (or it is a shmfs daemon,
 * see users_daemons), -EACCES when it could not, -ESRCH when there was no such process. */
int users_pid(const struct users_scan *s, pid_t pid);

/* True when VIEWER (NULL: anyone) may see P. */
bool users_visible(const struct users_proc *p, const struct users_viewer *viewer);

/* True when some process runs with UID as its real or effective uid (/proc/PID/status, which
 * everyone may read; daemons included). */
bool users_uid_running(const struct users_scan *s, uid_t uid);

/* The shmfs daemons the scan recognised and left out (const struct users_proc *, by pid). */
const GPtrArray *users_daemons(const struct users_scan *s);

/* USES (const struct users_use *) as text, "PID:COMM" for each, joined by ',', with "(fd)" after
 * one that only holds an fd and "(private)" after one whose mappings are all private:
 * "812:writer,813:cat(fd),814:reader(private)"; in a COMM, each of ",:()\" and each unprintable
 * byte is written \xHH (a process names itself). g_free it; "" when there are none. */
char *users_format(const GPtrArray *uses);

/* Finds the shmfs mounts of the directory PATH in /proc/self/mountinfo (type fuse.shmfs, source
 * PATH as its canonical path: shmfs's default fsname) and appends their devices to DEVS (dev_t).
 * Returns how many, or -errno. */
int users_shmfs_mounts(const char *path, GArray *devs);

/* The bytes of memory the segment of ST holds: tmpfs's blocks (st_blocks), in RAM or swapped out;
 * holes take none. */
static inline uint64_t users_resident(const struct stat *st)
{
	return (uint64_t)st->st_blocks * 512;
}

#endif
