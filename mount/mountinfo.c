/* mountinfo.c - reads /proc/self/mountinfo for the mount at one path: its type, source and device.
 * Mount points and sources there have their spaces, tabs and backslashes escaped as octal. */
#include "mountinfo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

/* Undoes mountinfo's octal escapes (\040 for a space, ...) in place. */
static void unescape(char *s)
{
	char *out = s;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = 0;
}

bool mountinfo_find(const char *path, struct mounted *m)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	bool found = false;

	if (!f)
		return false;
	while (getline(&line, &cap, f) > 0) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPEROPTIONS */
		char *save = NULL, *field = strtok_r(line, " \n", &save);
		unsigned major = 0, minor = 0;
		for (int i = 0; field && i < 4; i++) {
			bool bad_dev = i == 2 && sscanf(field, "%u:%u", &major, &minor) != 2;
			field = bad_dev ? NULL : strtok_r(NULL, " \n", &save);
		}
		if (!field)
			continue;
		unescape(field);
		if (strcmp(field, path) != 0)
			continue;
		while ((field = strtok_r(NULL, " \n", &save)) && strcmp(field, "-") != 0)
			;
		char *type = strtok_r(NULL, " \n", &save), *source = strtok_r(NULL, " \n", &save);
		if (!type || !source)
			continue;
		unescape(source);
		snprintf(m->type, sizeof m->type, "%s", type);
		snprintf(m->source, sizeof m->source, "%s", source);
		m->dev = makedev(major, minor);
		found = true; /* keep reading: a later entry is mounted over this one */
	}
	free(line);
	fclose(f);
	return found;
}
