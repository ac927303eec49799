/* fuzz_types.c - libFuzzer target for the types file (typesrc): any bytes written as the types file
 * either load into glob patterns or are reported through the log; lookups never crash or leak. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "rtype.h"
#include "typesrc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir_path[64], path[96];
static size_t logged;

static void remove_temp(void)
{
	unlink(path);
	rmdir(dir_path);
}

static void on_log(const char *msg)
{
	/* every report names the file */
	if (!msg || !strstr(msg, "types file ")) {
		fprintf(stderr, "fuzz_types: log message without the file's name: %s\n", msg ? msg : "(null)");
		abort();
	}
	logged++;
}

static bool ensure_path(void)
{
	if (path[0])
		return true;
	snprintf(dir_path, sizeof dir_path, "/tmp/fuzz_types.XXXXXX");
	if (!mkdtemp(dir_path))
		return false;
	snprintf(path, sizeof path, "%s/types.conf", dir_path);
	atexit(remove_temp);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ensure_path())
		return 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return 0;
	for (size_t done = 0; done < size;) {
		ssize_t n = write(fd, data + done, size - done);
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	close(fd);

	static const char *const names[] = {
		"my_shm", "seg", "a.txt", "", "*", "?", "[x]", "\xff\xfe", "very_long_name_with_stars_**",
		"prices.eu", "x y", "\n", "x\xf6", "\xf6", "a.d\xe6t",
	};
	struct typesrc *ts = typesrc_new(path, on_log);
	if (!ts)
		return 0;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		/* fd -1: no xattr can be read, the types file alone answers */
		char *decl = typesrc_lookup(ts, -1, names[i]);
		if (decl) {
			struct rtype_error err;
			struct rtype *t = rtype_parse(decl, &err);
			rtype_free(t);
			g_free(decl);
		}
	}
	/* a second lookup with the file unchanged takes the cached path */
	g_free(typesrc_lookup(ts, -1, "my_shm"));
	typesrc_free(ts);
	return 0;
}
