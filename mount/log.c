/* log.c - routes fuse_log to syslog when shmfs runs as a daemon (journalctl -t shmfs), with one
 * "shmfs" prefix per line; until the mount is up, warnings and errors reach the caller's stderr too. */
#define FUSE_USE_VERSION 312
#include <fuse_log.h>

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

static atomic_bool starting; /* the caller waits for the mount and reads stderr */

static int syslog_priority(enum fuse_log_level level)
{
	switch (level) {
	case FUSE_LOG_EMERG:
		return LOG_EMERG;
	case FUSE_LOG_ALERT:
		return LOG_ALERT;
	case FUSE_LOG_CRIT:
		return LOG_CRIT;
	case FUSE_LOG_ERR:
		return LOG_ERR;
	case FUSE_LOG_WARNING:
		return LOG_WARNING;
	case FUSE_LOG_NOTICE:
		return LOG_NOTICE;
	case FUSE_LOG_INFO:
		return LOG_INFO;
	case FUSE_LOG_DEBUG:
		return LOG_DEBUG;
	}
	return LOG_NOTICE;
}

/* shmfs's messages start "shmfs: " for stderr; syslog's ident ("shmfs[PID]: ") says it already. */
static void log_to_syslog(enum fuse_log_level level, const char *fmt, va_list ap)
{
	static const char prefix[] = "shmfs: ";
	if (!fmt)
		return; /* never so; said for GCC, which under -fsanitize warns of a null format */
	if (starting && level <= FUSE_LOG_WARNING) {
		va_list copy;
		va_copy(copy, ap);
		vfprintf(stderr, fmt, copy);
		va_end(copy);
	}
	if (strncmp(fmt, prefix, sizeof(prefix) - 1) == 0)
		fmt += sizeof(prefix) - 1;
	vsyslog(syslog_priority(level), fmt, ap);
}

void log_setup(bool foreground)
{
	if (foreground)
		return; /* libfuse's default handler writes to stderr */
	openlog("shmfs", LOG_PID, LOG_DAEMON);
	starting = true;
	fuse_set_log_func(log_to_syslog);
}

void log_detach(void)
{
	starting = false;
}
