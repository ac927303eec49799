/* log.h - where the daemon's messages go: stderr in the foreground, syslog (the journal) once it
 * runs as a daemon, whose stderr is /dev/null once the mount is up. */
#ifndef SHMFS_LOG_H
#define SHMFS_LOG_H

#include <stdbool.h>

/* Call once, before daemon_start. FOREGROUND: keep libfuse's default (stderr). Otherwise every
 * fuse_log message (libfuse's and shmfs's own) goes to syslog as "shmfs[PID]: ...", facility
 * daemon, without its own "shmfs: "; warnings and errors also to stderr until log_detach. */
void log_setup(bool foreground);
/* The mount is up and stderr goes away: syslog alone from now on. */
void log_detach(void);

#endif
