/* main.c - the lsshm command: the host's shared memory (POSIX segments of a directory, SysV
 * segments) with who uses each, as a table; parses the options and runs rows_collect, table_print. */
#include <errno.h>
#include <getopt.h>
#include <libsmartcols.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lsshm.h"

#define DEFAULT_DIR "/dev/shm"

enum { OPT_OLDER_THAN = 0x100, OPT_NOTRUNCATE, OPT_PIDNS_IS_ALL };

static void column_help(const char *name, const char *help)
{
	printf(" %8s  %s\n", name, help);
}

static void usage(void)
{
	printf("Usage:\n"
	       " lsshm [options] [NAME...]\n\n"
	       "List the host's shared memory: the POSIX segments of a directory and the SysV\n"
	       "segments, with the processes that map them or hold them open.\n\n"
	       "Options:\n"
	       " -d, --dir DIR            the POSIX directory (default %s)\n"
	       " -M, --posix              POSIX segments only\n"
	       " -m, --sysv               SysV segments only\n"
	       " -u, --unused             the segments no process uses (never removes any)\n"
	       "     --older-than TIME    changed more than TIME ago: 30s, 10m, 2h, 7d\n"
	       " -p, --pid PID            the segments process PID uses\n"
	       "     --pidns-is-all       no process outside lsshm's pid namespace can reach DIR\n"
	       " -T, --types FILE         record types by name (shmfs's types file), for TYPE\n"
	       " -o, --output LIST        the columns to print (+LIST: added to the default)\n"
	       " -O, --output-all         every column\n"
	       " -x, --sort COLUMN        sort by COLUMN\n"
	       " -J, --json               JSON output\n"
	       " -r, --raw                raw output\n"
	       " -n, --noheadings         no header line\n"
	       " -b, --bytes              sizes in bytes\n"
	       " -P, --numeric-perms      permissions as octal numbers\n"
	       "     --notruncate         no truncated columns\n"
	       " -h, --help               this help\n"
	       " -V, --version            the version\n\n"
	       "With NAME... each segment is shown in detail, with its users, unless --json or\n"
	       "--raw is given. shmfs daemons are not counted as users.\n\n"
	       "Columns:\n",
	       DEFAULT_DIR);
	table_columns_help(column_help);
	printf("\nFor more details see lsshm(1).\n");
}

static void try_help(void)
{
	fprintf(stderr, "Try 'lsshm --help' for more information.\n");
	exit(EXIT_FAILURE);
}

/* A duration: digits, then s (the default), m, h, d or w. -1 when it is not one. */
static int64_t parse_duration(const char *text)
{
	size_t digits = strspn(text, "0123456789");
	if (!digits || digits > 18)
		return -1;
	g_autofree char *num = g_strndup(text, digits);
	guint64 n;
	if (!g_ascii_string_to_unsigned(num, 10, 0, INT64_MAX, &n, NULL))
		return -1;
	static const struct { char unit; int64_t secs; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 7 * 86400 },
	};
	const char *unit = text + digits;
	if (!*unit)
		return (int64_t)n;
	for (size_t i = 0; i < G_N_ELEMENTS(units); i++)
		if (unit[0] == units[i].unit && !unit[1])
			return n > (guint64)(INT64_MAX / units[i].secs) ? -1 : (int64_t)n * units[i].secs;
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "posix", no_argument, NULL, 'M' },
		{ "sysv", no_argument, NULL, 'm' },
		{ "unused", no_argument, NULL, 'u' },
		{ "older-than", required_argument, NULL, OPT_OLDER_THAN },
		{ "pid", required_argument, NULL, 'p' },
		{ "types", required_argument, NULL, 'T' },
		{ "output", required_argument, NULL, 'o' },
		{ "output-all", no_argument, NULL, 'O' },
		{ "sort", required_argument, NULL, 'x' },
		{ "json", no_argument, NULL, 'J' },
		{ "raw", no_argument, NULL, 'r' },
		{ "noheadings", no_argument, NULL, 'n' },
		{ "bytes", no_argument, NULL, 'b' },
		{ "numeric-perms", no_argument, NULL, 'P' },
		{ "notruncate", no_argument, NULL, OPT_NOTRUNCATE },
		{ "pidns-is-all", no_argument, NULL, OPT_PIDNS_IS_ALL },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl ctl = { .dir = DEFAULT_DIR, .older_than = -1 };
	bool only_posix = false, only_sysv = false;
	guint64 pid;
	int c;
	argv[0] = "lsshm"; /* getopt's messages say "lsshm: ...", as util-linux's do */
	while ((c = getopt_long(argc, argv, "d:Mmup:T:o:Ox:JrnbPhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			ctl.dir = optarg;
			break;
		case 'M':
			only_posix = true;
			break;
		case 'm':
			only_sysv = true;
			break;
		case 'u':
			ctl.unused = true;
			break;
		case OPT_OLDER_THAN:
			if ((ctl.older_than = parse_duration(optarg)) < 0) {
				fprintf(stderr, "lsshm: --older-than: not a duration: '%s' (e.g. 30s, 10m, 2h, 7d)\n",
					optarg);
				try_help();
			}
			break;
		case 'p':
			if (!g_ascii_string_to_unsigned(optarg, 10, 1, INT32_MAX, &pid, NULL)) {
				fprintf(stderr, "lsshm: --pid: not a process id: '%s'\n", optarg);
				try_help();
			}
			ctl.pid = (pid_t)pid;
			break;
		case 'T':
			ctl.types = optarg;
			break;
		case 'o':
			if (table_set_columns(optarg) < 0)
				try_help();
			break;
		case 'O':
			table_set_all_columns();
			break;
		case 'x':
			if (table_check_sort(optarg) < 0)
				try_help();
			ctl.sort = optarg;
			break;
		case 'J':
			ctl.json = true;
			break;
		case 'r':
			ctl.raw = true;
			break;
		case 'n':
			ctl.noheadings = true;
			break;
		case 'b':
			ctl.bytes = true;
			break;
		case 'P':
			ctl.numeric_perms = true;
			break;
		case OPT_NOTRUNCATE:
			ctl.notruncate = true;
			break;
		case OPT_PIDNS_IS_ALL:
			ctl.pidns_is_all = true;
			break;
		case 'h':
			usage();
			return EXIT_SUCCESS;
		case 'V': {
			const char *v = NULL;
			scols_get_library_version(&v);
			printf("lsshm from shmfs %s (libsmartcols %s)\n", SHMFS_VERSION, v ? v : "?");
			return EXIT_SUCCESS;
		}
		default:
			try_help();
		}
	}
	ctl.posix = only_posix || !only_sysv;
	ctl.sysv = only_sysv || !only_posix;
	if (optind < argc)
		ctl.names = argv + optind;
	ctl.details = ctl.names && !ctl.json && !ctl.raw;
	ctl.need_type = table_shows_type(&ctl);

	struct rows rows;
	int status = rows_collect(&ctl, &rows);
	if (rows.scan && table_print(&ctl, &rows))
		status = EXIT_FAILURE;
	rows_free(&rows);
	return status;
}
