/* main.c - the shmfs command: parses `shmfs [SOURCE] MOUNTPOINT [-f] [-d] [-s] [-o OPT,...]`,
 * opens the backing directory, mounts, runs the FUSE session loop and unmounts. */
#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "daemon.h"
#include "fs.h"
#include "log.h"
#include "mountinfo.h"
#include "options.h"
#include "preflight.h"
#include "seg.h"

#define DEFAULT_SHM_DIR "/dev/shm"

static void usage(const char *prog)
{
	printf("usage: %s [SOURCE] MOUNTPOINT [options]\n\n"
	       "Shows the POSIX shared-memory objects of a tmpfs directory (default %s)\n"
	       "as files under MOUNTPOINT.\n\n"
	       "shmfs options:\n"
	       "    SOURCE                 the backing directory (as mount(8) passes it)\n"
	       "    -o shm_dir=DIR         the backing directory; wins over SOURCE\n"
	       "    -o types=FILE          record types by segment name (GLib key file)\n"
	       "    -o passthrough=MODE    auto (default), on, off: kernel serves segment I/O\n"
	       "    -o cache=MODE          watch (default): the kernel keeps names and attributes,\n"
	       "                           inotify drops them on outside changes; off: never kept\n"
	       "    -o views=MODE          shown (default): NAME.txt views listed; hidden: not\n"
	       "                           listed, still there by name (for du, cp -a, tar); off: none\n"
	       "    -o fsname=NAME         the source the mount table shows (default: the directory)\n"
	       "    -o subtype=TYPE        the type it shows: fuse.TYPE (default: fuse.shmfs)\n"
	       "    -o max_read=BYTES      the largest READ the kernel sends (default: what a\n"
	       "                           splice pipe holds)\n"
	       "    -o io_uring            requests over io_uring where the kernel offers it (built\n"
	       "                           with libfuse >= 3.18.3 only; see shmfs(8) for what it\n"
	       "                           changes); -o io_uring_q_depth=N: entries per CPU\n"
	       "    (default_permissions is always on: the kernel checks permissions)\n\n"
	       "mount options (the kernel's and libfuse's):\n"
	       "    -o ro, rw              read-only, or read-write (default)\n"
	       "    -o nosuid, nodev       the default; -o suid, -o dev undo them\n"
	       "    -o noexec, exec        no programs run from the mount, or (default) they may\n"
	       "    -o sync, dirsync       synchronous writes, directory changes\n"
	       "    -o noatime, atime      access times not updated, or (default: relatime) updated\n"
	       "    (allow_other, allow_root, auto_unmount: libfuse's, below)\n"
	       "    refused, with the reason: writeback_cache, kernel_cache, auto_cache, direct_io,\n"
	       "    blksize=, max_write=, max_readahead=, big_writes, nonempty\n\n",
	       prog, DEFAULT_SHM_DIR);
	fuse_cmdline_help();
	fuse_lowlevel_help();
}

/* One O_PATH fd per inode the kernel remembers: `ls -l` of 10,000 segments holds 10,000. Root
 * may go past the hard limit, up to the kernel's fs.nr_open. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	FILE *f = fopen("/proc/sys/fs/nr_open", "r");
	unsigned long nr_open = 0;
	if (f) {
		if (fscanf(f, "%lu", &nr_open) != 1)
			nr_open = 0;
		fclose(f);
	}
	struct rlimit want = { .rlim_cur = nr_open, .rlim_max = nr_open };
	if (nr_open > rl.rlim_max && setrlimit(RLIMIT_NOFILE, &want) == 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void *wait_to_be_cancelled(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/* glibc loads libgcc_s at the first pthread_cancel, which libfuse's thread pool calls when the
 * session ends. A daemon that has used up its fds by then (one per inode the kernel remembers)
 * could not load it and would abort at unmount; so one thread is cancelled now, while fds are
 * free. */
static void load_cancel_support(void)
{
	pthread_t t;
	if (pthread_create(&t, NULL, wait_to_be_cancelled, NULL) == 0) {
		pthread_cancel(t);
		pthread_join(t, NULL);
	}
}

/* Hands libfuse the mount point back, with the options shmfs always mounts with: the kernel
 * checks permissions, and the mount shows as "FSNAME on MOUNTPOINT type fuse.SUBTYPE" (the
 * backing directory and shmfs, unless told); and MAX_READ unless 0 (by default the largest READ
 * whose reply a pipe can splice: fs_splice_max_read). */
static int add_mount_options(struct fuse_args *args, const char *mountpoint, const char *name,
			     const char *subtype, size_t max_read)
{
	char *opts = NULL, *fsname = NULL, *type = NULL, max[40];
	int ret = -1;
	snprintf(max, sizeof(max), "max_read=%zu", max_read);
	if (asprintf(&fsname, "fsname=%s", name) >= 0 && asprintf(&type, "subtype=%s", subtype) >= 0 &&
	    fuse_opt_add_opt(&opts, "default_permissions") == 0 &&
	    fuse_opt_add_opt_escaped(&opts, type) == 0 &&
	    (!max_read || fuse_opt_add_opt(&opts, max) == 0) &&
	    fuse_opt_add_opt_escaped(&opts, fsname) == 0 &&
	    fuse_opt_add_arg(args, mountpoint) == 0 && fuse_opt_add_arg(args, "-o") == 0 &&
	    fuse_opt_add_arg(args, opts) == 0)
		ret = 0;
	free(fsname);
	free(type);
	free(opts);
	return ret;
}

/* What the options ask of the file system, checked before anything is done. */
struct modes {
	enum fs_passthrough passthrough;
	enum fs_cache cache;
	enum fs_views views;
	size_t max_read;
	unsigned ring_depth; /* 0: libfuse's default */
};

/* WHAT (an option that names something, "-o shm_dir=") given empty: says so. Returns -1 then,
 * else 0. */
static int empty(const char *what, const char *value, const char *wanted)
{
	if (!value || *value)
		return 0;
	fprintf(stderr, "shmfs: %s is empty: give %s\n", what, wanted);
	return -1;
}

/* Refuses, with a one-line reason, every option shmfs does not take or whose value is bad, before
 * anything is mounted; fills M from the rest. Returns 0 or -1. */
static int check_options(const struct options *o, const char *source, struct modes *m)
{
	if (o->refused) {
		fprintf(stderr, "shmfs: -o %s refused: %s\n", o->refused, o->refused_why);
		return -1;
	}
	if (empty("-o shm_dir=", o->shm_dir, "a directory") ||
	    empty("SOURCE", source, "a directory") || empty("-o types=", o->types, "a file") ||
	    empty("-o fsname=", o->fsname, "a name") || empty("-o subtype=", o->subtype, "a name"))
		return -1;
	if (options_max_read(o->max_read, fs_splice_max_read(), &m->max_read) != 0) {
		fprintf(stderr, "shmfs: bad option max_read=%s: give a byte count from 1 to 4294967295\n",
			o->max_read);
		return -1;
	}
	if (options_passthrough(o->passthrough, &m->passthrough) != 0) {
		fprintf(stderr, "shmfs: bad option passthrough=%s: use auto, on or off\n", o->passthrough);
		return -1;
	}
	if (options_cache(o->cache, &m->cache) != 0) {
		fprintf(stderr, "shmfs: bad option cache=%s: use watch or off\n", o->cache);
		return -1;
	}
	if (options_views(o->views, &m->views) != 0) {
		fprintf(stderr, "shmfs: bad option views=%s: use shown, hidden or off\n", o->views);
		return -1;
	}
	if (options_ring_depth(o->ring_depth, &m->ring_depth) != 0) {
		fprintf(stderr, "shmfs: bad option io_uring_q_depth=%s: give a count from 1 to 65535\n",
			o->ring_depth);
		return -1;
	}
	return 0;
}

static int open_backing(const char *dir)
{
	int fd = seg_dir_open(dir);
	if (fd < 0) {
		fprintf(stderr, "shmfs: backing directory %s: %s\n", dir, strerror(-fd));
		return -1;
	}
	return fd;
}

/* What the first line of the daemon's log names: the backing directory and the mount point. */
struct mount_names {
	const char *dir, *mountpoint;
};

/* At INIT (fs_set_settled): the mount is up, or passthrough=on refused; the caller then hears of it. */
static void mount_settled(void *arg, const char *mode, const char *refused)
{
	const struct mount_names *names = arg;
	if (refused) {
		fuse_log(FUSE_LOG_ERR, "shmfs: passthrough=on refused: %s\n", refused);
		return;
	}
	fuse_log(FUSE_LOG_NOTICE, "shmfs: %s mounted at %s, data mode: %s\n", names->dir, names->mountpoint,
		 mode);
	daemon_ready();
}

static int run_session(struct fuse_args *args, struct fuse_cmdline_opts *cmd, struct fs *fs,
		       const char *dir)
{
	struct mount_names names = { dir, cmd->mountpoint };
	fs_set_settled(fs, mount_settled, &names);
	int under = mountinfo_id(cmd->mountpoint); /* the mount that the new one goes on */
	struct fuse_session *se = fuse_session_new(args, fs_ops(), fs_ops_size(), fs);
	if (!se) {
		/* libfuse has said which option it did not know */
		fprintf(stderr, "shmfs: see shmfs --help for the options\n");
		return 1;
	}

	int ret = 1;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_destroy;
	if (fuse_session_mount(se, cmd->mountpoint) != 0)
		goto out_signals;
	struct mounted m;
	if (fs_attach_session(fs, se, mountinfo_child(under, cmd->mountpoint, &m) ? m.dev : 0) != 0)
		goto out_unmount;
	log_setup(cmd->foreground);
	if (daemon_start(cmd->foreground) != 0)
		goto out_unmount;

	int res;
	if (cmd->singlethread) {
		res = fuse_session_loop(se);
	} else {
		struct fuse_loop_config *cfg = fuse_loop_cfg_create();
		fuse_loop_cfg_set_clone_fd(cfg, cmd->clone_fd);
		fuse_loop_cfg_set_max_threads(cfg, cmd->max_threads);
		res = fuse_session_loop_mt(se, cfg);
		fuse_loop_cfg_destroy(cfg);
	}
	/* The loop returns the signal number when SIGTERM/SIGINT/SIGHUP ended it: a clean stop. */
	ret = res < 0 || fs_refused(fs) ? 1 : 0;
out_unmount:
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_destroy:
	fuse_session_destroy(se);
	return ret;
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct options o = { 0 };
	struct fuse_cmdline_opts cmd = { 0 };
	int ret = 1;

	if (options_parse(&args, &o) != 0)
		goto out;
	if (o.help) {
		usage(argv[0]);
		ret = 0;
		goto out;
	}
	if (o.version) {
		printf("shmfs %s (libfuse %s)\ndata mode here: %s\npassthrough set up through: %s\n"
		       "requests: %s\n",
		       SHMFS_VERSION, fuse_pkgversion(), fs_passthrough_outlook(), fs_passthrough_via,
#ifdef SHMFS_LIBFUSE_NO_HOOK
		       "read by libfuse from /dev/fuse, or over io_uring with -o io_uring"
#else
		       "read from /dev/fuse through a raw hook (io_uring needs libfuse >= 3.18.3)"
#endif
		);
		ret = 0;
		goto out;
	}
	if (o.too_many || o.npositional == 0) {
		fprintf(stderr, "shmfs: %s\nusage: %s [SOURCE] MOUNTPOINT [options]; see %s --help\n",
			o.too_many ? "too many arguments" : "no mount point given", argv[0], argv[0]);
		goto out;
	}

	const char *mountpoint = o.positional[o.npositional - 1];
	const char *source = o.npositional == 2 ? o.positional[0] : NULL;
	const char *dir = o.shm_dir ? o.shm_dir : source ? source : DEFAULT_SHM_DIR;
	struct modes modes;
	if (check_options(&o, source, &modes) != 0)
		goto out;
	if (preflight(mountpoint, dir, false) != 0)
		goto out;
	if (add_mount_options(&args, mountpoint, o.fsname ? o.fsname : dir,
			      o.subtype ? o.subtype : "shmfs", modes.max_read) != 0)
		goto out;
	if (fuse_parse_cmdline(&args, &cmd) != 0)
		goto out;

	int backing = open_backing(dir);
	if (backing < 0)
		goto out;
	struct fs *fs = fs_new(backing, o.types);
	if (!fs) {
		perror("shmfs");
		close(backing);
		goto out;
	}
	const char *why;
	fs_set_passthrough(fs, modes.passthrough);
	fs_set_cache(fs, modes.cache);
	fs_set_views(fs, modes.views);
	fs_set_max_read(fs, modes.max_read);
	fs_set_io_uring(fs, o.io_uring, modes.ring_depth);
	if (fs_passthrough_precheck(fs, &why) != 0) {
		fprintf(stderr, "shmfs: passthrough=on refused: %s\n", why);
		fs_free(fs);
		goto out;
	}
	raise_fd_limit();
	load_cancel_support();
	ret = run_session(&args, &cmd, fs, dir);
	fs_free(fs);
out:
	free(cmd.mountpoint);
	options_free(&o);
	fuse_opt_free_args(&args);
	return ret;
}
