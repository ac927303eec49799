/* log.h - where the daemon's messages go: stderr in the foreground, syslog (the journal) once it
 * runs as a daemon, whose stderr is /dev/null. */
#ifndef SHMFS_LOG_H
#define SHMFS_LOG_H

#include <stdbool.h>

/* Call once, before fuse_daemonize. FOREGROUND: keep libfuse's default (stderr). Otherwise every
 * fuse_log message (libfuse's and shmfs's own) goes to syslog as "shmfs[PID]", facility daemon. */
void log_setup(bool foreground);

#endif
