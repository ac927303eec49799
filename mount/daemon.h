/* daemon.h - shmfs going to the background: the command returns only once the mount is up, with
 * the daemon's exit status if it ends before, its messages until then still on the user's stderr. */
#ifndef SHMFS_DAEMON_H
#define SHMFS_DAEMON_H

#include <stdbool.h>

/* After mounting, before the session loop. FOREGROUND: stays, and changes to / only. Otherwise
 * forks: the parent waits for daemon_ready, then exits 0, or exits with the status of the child
 * that ended before it (1 when a signal ended it); the child goes on in a session of its own, in /,
 * its stderr still the caller's. Returns 0 in the child (or in the foreground), -1 on failure. */
int daemon_start(bool foreground);

/* Once the mount is up: the child's stdin, stdout and stderr become /dev/null (its messages go to
 * syslog alone from now on, log_detach) and the waiting parent exits 0. Does nothing in the
 * foreground, or when called again. */
void daemon_ready(void);

#endif
