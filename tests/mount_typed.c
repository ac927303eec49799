/* mount_typed.c - typed segments for the integration tests (mount_typed.h). */
#include "mount_typed.h"

#include "mount_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#define M (&g_mnt)

/* Makes segment NAME in the backing directory: SIZE bytes, LEN bytes of DATA at offset 0. */
void make_segment(const char *name, off_t size, const void *data, size_t len)
{
	g_autofree char *p = back_path(M, "%s", name);
	int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
	ck_assert_sys(fd);
	ck_assert_sys(ftruncate(fd, size));
	if (len)
		ck_assert_int_eq(pwrite(fd, data, len, 0), (ssize_t)len);
	close(fd);
}

void set_type(const char *name, const char *decl)
{
	g_autofree char *p = back_path(M, "%s", name);
	ck_assert_sys(setxattr(p, "user.shmfs.type", decl, strlen(decl), 0));
}

/* The whole view NAME.txt through the mount; asserts its size is what stat says. */
char *read_view(const char *name)
{
	g_autofree char *p = mnt_path(M, "%s.txt", name);
	struct stat st;
	ck_assert_msg(stat(p, &st) == 0, "stat %s: %s", p, g_strerror(errno));
	size_t len;
	char *text = read_file(p, &len);
	ck_assert_msg(text, "read %s: %s", p, g_strerror(errno));
	ck_assert_int_eq(len, st.st_size);
	ck_assert_uint_eq(strlen(text), len);
	return text;
}

/* The record lines of a view, in order (g_strfreev). */
char **record_lines(const char *text)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	GPtrArray *out = g_ptr_array_new();
	for (int i = 0; lines[i]; i++)
		if (lines[i][0] && lines[i][0] != '#')
			g_ptr_array_add(out, g_strdup(lines[i]));
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

void segment_bytes(const char *name, void *buf, size_t len)
{
	g_autofree char *p = back_path(M, "%s", name);
	int fd = open(p, O_RDONLY);
	ck_assert_sys(fd);
	ck_assert_int_eq(pread(fd, buf, len, 0), (ssize_t)len);
	close(fd);
}
