/* privs.c - the set-user-ID and set-group-ID clearing that the kernel leaves to the daemon: one
 * note per request, taken from the raw request, and one rule that clears the bits as tmpfs would.
 *
 * Why the daemon does it: under FUSE_HANDLE_KILLPRIV_V2 (the INIT plan asks for it, plan.c: the
 * kernel then marks the mount SB_NOSEC, and a write(2) through the mount stops asking the daemon
 * for security.capability each time) the kernel no longer clears those bits itself; it says when
 * they must go instead, in fields libfuse does not pass to the operations (3.14 nor 3.17):
 *   WRITE   write_flags FUSE_WRITE_KILL_SUIDGID   a writer without CAP_FSETID (a direct or
 *                                                 written-through cached write);
 *   SETATTR valid FATTR_KILL_SUIDGID              truncate(2) without CAP_FSETID; chown, always;
 *   OPEN    open_flags FUSE_OPEN_KILL_SUIDGID     open(O_TRUNC) without CAP_FSETID;
 *   SETATTR valid 0                               a passthrough write that must clear them: the
 *           kernel's file_remove_privs -> notify_change(ATTR_FORCE | ATTR_KILL_*) -> fuse_setattr,
 *           which under killpriv_v2 strips the ATTR_KILL_* (and the ATTR_MODE they became) and
 *           still sends what is left: a SETATTR that asks for nothing. chown(f, -1, -1) sends
 *           the same (its ATTR_CTIME has no field in the protocol); empty_setattr tells them
 *           apart by whether the caller may write the file.
 * The raw read hook under the session (passthrough_raw.c, passthrough_api.c below libfuse 3.18.3)
 * calls fs_privs_note_request for every request; libfuse serves a request on the thread that read
 * it, right after, so a thread-local note reaches the operation (write, setattr, open). From 3.18.3
 * libfuse hands the flags to the operations (fuse_file_info's kill_suidgid, SETATTR's valid), and
 * they make the same note themselves (fs_privs_note_open, _write, _setattr).
 *
 * The rule is the VFS's (setattr_should_drop_suidgid), for a caller without CAP_FSETID: set-user-ID
 * goes; set-group-ID goes when group execute is set, or when the caller is not in the file's group.
 * Regular files only; the bits are changed through the inode's handle (/proc/self/fd), never a
 * name, so a symlink planted meanwhile leads nowhere. */
#include "privs.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sys/xattr.h>

#include "creds.h"

#include "kernel_abi.h"

/* What the request this thread is serving asks (fs_privs_note_request). */
static __thread enum {
	NOTE_NONE,
	NOTE_KILL,        /* a kill flag: the caller lacks CAP_FSETID */
	NOTE_CHOWN_KILL,  /* FATTR_KILL_SUIDGID of a chown, which the kernel sets for any caller */
	NOTE_EMPTY_SETATTR, /* a SETATTR of nothing: file_remove_privs of a passthrough write */
	NOTE_UNFLAGGED_WRITE, /* a WRITE whose kill flag libfuse withholds (below) */
} note;

/* SETATTR's valid: the kernel's, or libfuse's to_set (the same bits where both have them). */
static void note_setattr(uint32_t valid)
{
	if (valid & KABI_FATTR_KILL_SUIDGID)
		note = (valid & KABI_FATTR_SIZE) ? NOTE_KILL : NOTE_CHOWN_KILL;
	else if ((valid & ~(KABI_FATTR_FH | KABI_FATTR_LOCKOWNER)) == 0)
		note = NOTE_EMPTY_SETATTR;
}

void fs_privs_note_request(const void *buf, ssize_t len)
{
	const struct kabi_in_header *in = buf;
	note = NOTE_NONE;
	if (len < (ssize_t)sizeof(*in))
		return;
	const void *arg = in + 1;
	size_t arg_len = (size_t)len - sizeof(*in);
	switch (in->opcode) {
	case KABI_OPCODE_WRITE:
		if (arg_len >= sizeof(struct kabi_write_in) &&
		    (((const struct kabi_write_in *)arg)->write_flags & KABI_WRITE_KILL_SUIDGID))
			note = NOTE_KILL;
		break;
	case KABI_OPCODE_SETATTR:
		if (arg_len >= sizeof(uint32_t))
			note_setattr(*(const uint32_t *)arg);
		break;
	case KABI_OPCODE_OPEN:
		if (arg_len >= sizeof(struct kabi_open_in) &&
		    (((const struct kabi_open_in *)arg)->open_flags & KABI_OPEN_KILL_SUIDGID))
			note = NOTE_KILL;
		break;
	}
}

#ifdef SHMFS_LIBFUSE_NO_HOOK
void fs_privs_note_open(const struct fuse_file_info *fi)
{
	note = fi->kill_suidgid ? NOTE_KILL : NOTE_NONE;
}

/* The kernel flags a direct WRITE by a caller without CAP_FSETID whether or not HANDLE_KILLPRIV_V2
 * was agreed, and clears nothing itself for such a write; libfuse 3.18.3 passes the flag on only
 * under HANDLE_KILLPRIV_V2. Without it (the kernel clearing the rest) the daemon cannot tell, and
 * takes uid 0 for capable, as for a view's edit. */
void fs_privs_note_write(fuse_req_t req, const struct fuse_file_info *fi)
{
	if (fi->kill_suidgid)
		note = NOTE_KILL;
	else if (!fs_of(req)->plan.killpriv_v2 && !fs_of(req)->plan.passthrough)
		note = NOTE_UNFLAGGED_WRITE;
	else
		note = NOTE_NONE;
}

/* libfuse passes FATTR_KILL_SUIDGID on as FUSE_SET_ATTR_KILL_SUID (the same bit) and takes
 * FATTR_FH and FATTR_LOCKOWNER out. */
void fs_privs_note_setattr(int valid)
{
	_Static_assert(FUSE_SET_ATTR_KILL_SUID == KABI_FATTR_KILL_SUIDGID, "one bit");
	note = NOTE_NONE;
	note_setattr((uint32_t)valid);
}
#else
void fs_privs_note_open(const struct fuse_file_info *fi)
{
	(void)fi;
}

void fs_privs_note_write(fuse_req_t req, const struct fuse_file_info *fi)
{
	(void)req;
	(void)fi;
}

void fs_privs_note_setattr(int valid)
{
	(void)valid;
}
#endif

/* Whether the caller of REQ is in group GID (its own or a supplementary one). */
static bool caller_in_group(fuse_req_t req, gid_t gid)
{
	if (fuse_req_ctx(req)->gid == gid)
		return true;
	int n;
	g_autofree gid_t *groups = fs_req_groups(req, &n);
	bool in = false;
	for (int i = 0; i < n && !in; i++)
		in = groups[i] == gid;
	return in;
}

/* Whether the noted request says that its caller lacks CAP_FSETID. A chown's flag and an empty
 * SETATTR do not say it outright: a chown by root keeps set-group-ID without group execute (the
 * daemon's own chown, as root, clears the rest), and an empty SETATTR also comes from a write by
 * a capable caller to a file with security.capability (ATTR_KILL_PRIV); without that xattr it
 * comes only when set-ID bits must go. Where the request cannot tell, uid 0 counts as capable. */
static bool caller_lacks_fsetid(fuse_req_t req, const char *proc)
{
	switch (note) {
	case NOTE_KILL:
		return true;
	case NOTE_CHOWN_KILL:
	case NOTE_UNFLAGGED_WRITE:
		return fuse_req_ctx(req)->uid != 0;
	case NOTE_EMPTY_SETATTR:
		if (getxattr(proc, "security.capability", NULL, 0) < 0 && errno == ENODATA)
			return true;
		return fuse_req_ctx(req)->uid != 0;
	default:
		return false;
	}
}

/* Clears FD's set-ID bits as a write, truncate or chown by REQ's caller would, where the caller
 * LACKS_FSETID (called with the /proc name of FD). */
static int kill_setid(fuse_req_t req, int fd, bool (*lacks_fsetid)(fuse_req_t, const char *))
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || !(st.st_mode & (S_ISUID | S_ISGID)))
		return 0;
	char proc[SEG_FD_PATH_MAX];
	seg_fd_path(fd, proc);
	if (!lacks_fsetid(req, proc))
		return 0;
	mode_t kill = st.st_mode & S_ISUID;
	if ((st.st_mode & S_ISGID) && ((st.st_mode & S_IXGRP) || !caller_in_group(req, st.st_gid)))
		kill |= S_ISGID;
	/* A daemon that may not clear them (not root, not the owner) refuses the request. */
	if (kill && chmod(proc, st.st_mode & 07777 & ~kill) < 0)
		return -errno;
	return 0;
}

/* An empty SETATTR: the set-ID clearing of a passthrough write, whose caller may write the file,
 * or a chown(FD, -1, -1), which changes the ctime, clears set-user-ID (and set-group-ID where group
 * execute is set) and is refused where that takes a mode change the caller may not make: so the
 * same chown, made as the caller, after what a write would clear. (A write by root to a set-ID
 * file that has security.capability loses its set-user-ID bit here too, as root's chown would.) */
static int empty_setattr(fuse_req_t req, int fd)
{
	struct fs *fs = fs_of(req);
	char proc[SEG_FD_PATH_MAX];
	seg_fd_path(fd, proc);
	bool entered;
	int err = fs_creds_enter(fs, req, &entered);
	if (err)
		return err;
	bool writer = faccessat(AT_FDCWD, proc, W_OK, AT_EACCESS) == 0;
	fs_creds_leave(fs, entered);
	if (writer && (err = kill_setid(req, fd, caller_lacks_fsetid)) != 0)
		return err;
	if ((err = fs_creds_enter(fs, req, &entered)) != 0)
		return err;
	if (fchownat(fd, "", (uid_t)-1, (gid_t)-1, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		err = -errno;
	fs_creds_leave(fs, entered);
	return err;
}

int fs_privs_kill(fuse_req_t req, int fd)
{
	if (note == NOTE_EMPTY_SETATTR)
		return empty_setattr(req, fd);
	return note == NOTE_NONE ? 0 : kill_setid(req, fd, caller_lacks_fsetid);
}

/* A store the kernel does not know is a write says nothing about the caller's capabilities. */
static bool caller_not_root(fuse_req_t req, const char *proc)
{
	(void)proc;
	return fuse_req_ctx(req)->uid != 0;
}

int fs_privs_kill_write(fuse_req_t req, int fd)
{
	return kill_setid(req, fd, caller_not_root);
}
