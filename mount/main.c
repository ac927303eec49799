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
	       "    (default_permissions is always on: the kernel checks permissions)\n\n",
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
 * checks permissions, and the mount shows as "DIR on MOUNTPOINT type fuse.shmfs"; and MAX_READ
 * unless 0 (the largest READ whose reply a pipe can splice: fs_splice_max_read). */
static int add_mount_options(struct fuse_args *args, const char *mountpoint, const char *dir,
			     size_t max_read)
{
	char *opts = NULL, *fsname = NULL, max[40];
	int ret = -1;
	snprintf(max, sizeof(max), "max_read=%zu", max_read);
	if (asprintf(&fsname, "fsname=%s", dir) >= 0 &&
	    fuse_opt_add_opt(&opts, "default_permissions,subtype=shmfs") == 0 &&
	    (!max_read || fuse_opt_add_opt(&opts, max) == 0) &&
	    fuse_opt_add_opt_escaped(&opts, fsname) == 0 &&
	    fuse_opt_add_arg(args, mountpoint) == 0 && fuse_opt_add_arg(args, "-o") == 0 &&
	    fuse_opt_add_arg(args, opts) == 0)
		ret = 0;
	free(fsname);
	free(opts);
	return ret;
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
		printf("shmfs %s (libfuse %s)\ndata mode here: %s\npassthrough set up through: %s\n",
		       SHMFS_VERSION, fuse_pkgversion(), fs_passthrough_outlook(), fs_passthrough_via);
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
	if (preflight(mountpoint, dir, false) != 0)
		goto out;
	size_t max_read = fs_splice_max_read();
	if (add_mount_options(&args, mountpoint, dir, max_read) != 0)
		goto out;
	if (fuse_parse_cmdline(&args, &cmd) != 0)
		goto out;

	enum fs_passthrough passthrough_mode;
	if (options_passthrough(o.passthrough, &passthrough_mode) != 0) {
		fprintf(stderr, "shmfs: bad option passthrough=%s: use auto, on or off\n", o.passthrough);
		goto out;
	}
	enum fs_cache cache_mode;
	if (options_cache(o.cache, &cache_mode) != 0) {
		fprintf(stderr, "shmfs: bad option cache=%s: use watch or off\n", o.cache);
		goto out;
	}
	enum fs_views views_mode;
	if (options_views(o.views, &views_mode) != 0) {
		fprintf(stderr, "shmfs: bad option views=%s: use shown, hidden or off\n", o.views);
		goto out;
	}
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
	fs_set_passthrough(fs, passthrough_mode);
	fs_set_cache(fs, cache_mode);
	fs_set_views(fs, views_mode);
	fs_set_max_read(fs, max_read);
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
