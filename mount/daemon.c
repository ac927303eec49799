/* daemon.c - the fork to the background, with a pipe on which the child says that the mount is
 * up: until then the parent waits, and a failure at INIT reaches the caller as an exit status. */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

static int ready_fd = -1; /* the child's end of the pipe, until daemon_ready */

/* The parent: exits 0 once the child writes its byte, else with the child's own status. */
static _Noreturn void wait_for_child(pid_t child, int fd)
{
	char byte;
	ssize_t n;
	while ((n = read(fd, &byte, 1)) < 0 && errno == EINTR)
		;
	if (n == 1)
		_exit(0);
	int status;
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			_exit(1);
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

int daemon_start(bool foreground)
{
	int pipefd[2];
	if (foreground)
		return chdir("/") == 0 ? 0 : -1;
	if (pipe2(pipefd, O_CLOEXEC) != 0) {
		perror("shmfs: pipe");
		return -1;
	}
	pid_t child = fork();
	if (child < 0) {
		perror("shmfs: fork");
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (child > 0) {
		close(pipefd[1]);
		wait_for_child(child, pipefd[0]);
	}
	close(pipefd[0]);
	ready_fd = pipefd[1];
	if (setsid() < 0 || chdir("/") != 0) {
		perror("shmfs: detaching");
		return -1;
	}
	return 0;
}

void daemon_ready(void)
{
	if (ready_fd < 0)
		return;
	log_detach();
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		close(null);
	}
	while (write(ready_fd, "", 1) < 0 && errno == EINTR)
		;
	close(ready_fd);
	ready_fd = -1;
}
