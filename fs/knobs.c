/* knobs.c - the test knobs: SHMFS_FORCE_X=1 in the daemon's environment makes it take a path it
 * would not take on this machine (no passthrough, no splice, objects by name...), and
 * SHMFS_TEST_X=N sets a limit or a cost, so that the tests reach it; and libfuse's own
 * FUSE_URING_ENABLE, which asks for an io_uring as -o io_uring does. Read once, here; every other file asks fs_knobs. */
#include "knobs.h"

#include <glib.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool fs_forced(const char *knob)
{
	const char *value = getenv(knob);
	return value && strcmp(value, "1") == 0;
}

/* The number KNOB says, or 0 when it is unset or no number from 1 to MAX. */
static uint64_t number(const char *knob, uint64_t max)
{
	const char *value = getenv(knob);
	guint64 v;
	return value && g_ascii_string_to_unsigned(value, 10, 1, max, &v, NULL) ? v : 0;
}

static struct fs_knobs knobs;
static pthread_once_t knobs_once = PTHREAD_ONCE_INIT;

static void knobs_read(void)
{
	knobs.no_passthrough = fs_forced("SHMFS_FORCE_NO_PASSTHROUGH");
	knobs.kernel_no_passthrough = fs_forced("SHMFS_FORCE_KERNEL_NO_PASSTHROUGH");
	knobs.no_direct_io = fs_forced("SHMFS_FORCE_NO_DIRECT_IO");
	knobs.no_splice = fs_forced("SHMFS_FORCE_NO_SPLICE");
	knobs.no_killpriv_v2 = fs_forced("SHMFS_FORCE_NO_KILLPRIV_V2");
	knobs.no_handles = fs_forced("SHMFS_FORCE_NO_HANDLES");
	const char *ring = getenv("FUSE_URING_ENABLE"); /* read by libfuse with atoi */
	knobs.uring_enable = ring && atoi(ring) != 0;
	const char *depth = getenv("FUSE_URING_QUEUE_DEPTH");
	knobs.uring_depth = depth && atoi(depth) > 0 ? (unsigned)atoi(depth) : 0;
	knobs.edit_memory = number("SHMFS_TEST_EDIT_MEMORY", SIZE_MAX);
	knobs.usage_scan_ms = (unsigned)number("SHMFS_TEST_USAGE_SCAN_MS", 60000);
}

const struct fs_knobs *fs_knobs(void)
{
	pthread_once(&knobs_once, knobs_read);
	return &knobs;
}
