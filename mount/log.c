/* log.c - routes fuse_log to syslog when shmfs runs as a daemon: after fuse_daemonize its stderr is
 * /dev/null, and an admin looks for a daemon's messages in the journal (journalctl -t shmfs). */
#define FUSE_USE_VERSION 312
#include <fuse_log.h>

#include <stdarg.h>
#include <syslog.h>

#include "log.h"

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

static void log_to_syslog(enum fuse_log_level level, const char *fmt, va_list ap)
{
	vsyslog(syslog_priority(level), fmt, ap);
}

void log_setup(bool foreground)
{
	if (foreground)
		return; /* libfuse's default handler writes to stderr */
	openlog("shmfs", LOG_PID, LOG_DAEMON);
	fuse_set_log_func(log_to_syslog);
}
