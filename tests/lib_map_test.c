/* lib_map_test.c - Check unit tests of lib/map.h: mapping modes, copies in and out, growth, holes that
 * must stay holes, faults from truncation by another fd, and (as root) a full tmpfs. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib_fixture.h"
#include "map.h"

#define KiB (1024LL)
#define MiB (1024LL * 1024)
#define GiB (1024LL * 1024 * 1024)


/* ---- helpers ---- */

/* Fills BUF with LEN pseudo-random bytes (xorshift64*, so a failure is reproducible). */
static void fill_random(void *buf, size_t len, uint64_t seed)
{
	uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 1;
	unsigned char *p = buf;
	for (size_t i = 0; i < len; i++) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		p[i] = (unsigned char)((x * 0x2545F4914F6CDD1DULL) >> 56);
	}
}

static void *random_buf(size_t len, uint64_t seed)
{
	void *p = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(p);
	fill_random(p, len, seed);
	return p;
}

static bool all_zero(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

static int new_file(int at, const char *name, int flags)
{
	int fd = openat(at, name, flags | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_msg(fd >= 0, "create %s: %s", name, strerror(errno));
	return fd;
}

static int reopen(int at, const char *name, int flags)
{
	int fd = openat(at, name, flags | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "open %s: %s", name, strerror(errno));
	return fd;
}

static off_t fsize(int fd)
{
	struct stat st;
	ck_assert_int_eq(fstat(fd, &st), 0);
	return st.st_size;
}

static blkcnt_t fblocks(int fd)
{
	struct stat st;
	ck_assert_int_eq(fstat(fd, &st), 0);
	return st.st_blocks;
}

static void pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	ck_assert_int_eq(pwrite(fd, buf, len, off), (ssize_t)len);
}

/* Asserts that the file behind FD holds exactly LEN bytes of WANT at OFF (read with pread). */
static void assert_file_bytes(int fd, const void *want, size_t len, off_t off)
{
	void *got = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(got);
	ck_assert_int_eq(pread(fd, got, len, off), (ssize_t)len);
	ck_assert_msg(memcmp(got, want, len) == 0, "file bytes differ in [%lld, +%zu)", (long long)off, len);
	free(got);
}

static struct seg_map *open_map(int fd)
{
	struct seg_map *m = NULL;
	ck_assert_int_eq(map_open(fd, &m), 0);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(map_fd(m), fd);
	return m;
}

/* ---- map_open ---- */

START_TEST(open_modes)
{
	static const int modes[] = { O_RDWR, O_RDONLY, O_WRONLY };
	char name[16];

	for (size_t i = 0; i < G_N_ELEMENTS(modes); i++) {
		snprintf(name, sizeof name, "f%zu", i);
		close(new_file(dfd, name, O_RDWR));
		int fd = reopen(dfd, name, modes[i]);
		struct seg_map *m = open_map(fd);
		map_close(m);
		/* The map does not own FD. */
		ck_assert_int_eq(fcntl(fd, F_GETFD), FD_CLOEXEC);
		close(fd);
	}

	/* A segment with data, mapped read-only, reads back. */
	int fd = new_file(dfd, "data", O_RDWR);
	pwrite_all(fd, "hello", 5, 0);
	int ro = reopen(dfd, "data", O_RDONLY);
	struct seg_map *m = open_map(ro);
	char buf[8] = { 0 };
	ck_assert_int_eq(map_read(m, buf, sizeof buf, 0), 5);
	ck_assert_str_eq(buf, "hello");
	map_close(m);
	close(ro);
	close(fd);

	m = NULL;
	ck_assert_int_eq(map_open(-1, &m), -EBADF);
}
END_TEST

/* ---- map_write / map_read round trips ---- */

START_TEST(roundtrip_odd_offsets)
{
	const size_t span = 9 * MiB;
	unsigned char *shadow = calloc(1, span), *out = malloc(span);
	ck_assert(shadow && out);
	int fd = new_file(dfd, "seg", O_RDWR);
	struct seg_map *m = open_map(fd);

	/* Overlapping writes at odd offsets and lengths, some growing the file; SHADOW is the truth. */
	static const struct { off_t off; size_t len; } w[] = {
		{ 12345, 5 * MiB + 333 }, { 1, 4097 }, { 3 * MiB + 7, 2 * MiB + 1 },
		{ 5 * MiB + 12345, 3 * MiB + 99 }, { 4095, 1 }, { 8 * MiB - 17, 17 + 4093 },
	};
	off_t end = 0;
	for (size_t i = 0; i < G_N_ELEMENTS(w); i++) {
		unsigned char *buf = random_buf(w[i].len, i + 1);
		ck_assert_int_eq(map_write(m, buf, w[i].len, w[i].off), (ssize_t)w[i].len);
		memcpy(shadow + w[i].off, buf, w[i].len);
		if (w[i].off + (off_t)w[i].len > end)
			end = w[i].off + (off_t)w[i].len;
		ck_assert_int_eq(fsize(fd), end);
		/* Read straight back, at the same odd offset. */
		ck_assert_int_eq(map_read(m, out, w[i].len, w[i].off), (ssize_t)w[i].len);
		ck_assert(memcmp(out, buf, w[i].len) == 0);
		free(buf);
	}

	/* The whole file, through map_read in odd-sized pieces, and through pread. */
	memset(out, 0xAA, span);
	for (off_t off = 0; off < end;) {
		size_t piece = 65537;
		ssize_t n = map_read(m, out + off, piece, off);
		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(n, (ssize_t)MIN((off_t)piece, end - off));
		off += n;
	}
	ck_assert(memcmp(out, shadow, end) == 0);
	assert_file_bytes(fd, shadow, end, 0);
	ck_assert(all_zero(shadow, 1)); /* byte 0 was never written: reads as zero */

	map_close(m);
	close(fd);
	free(shadow);
	free(out);
}
END_TEST

START_TEST(grow_past_mapping)
{
	int fd = new_file(dfd, "seg", O_RDWR);
	struct seg_map *m = open_map(fd);
	unsigned char *a = random_buf(4096, 11), *b = random_buf(3 * MiB, 12), *c = random_buf(1000, 13);
	unsigned char *out = malloc(3 * MiB);
	const off_t boff = 64 * MiB - 1234567, coff = 200 * MiB + 7;

	ck_assert_int_eq(map_write(m, a, 4096, 0), 4096);
	ck_assert_int_eq(fsize(fd), 4096);
	/* Across the 64 MiB line. */
	ck_assert_int_eq(map_write(m, b, 3 * MiB, boff), 3 * MiB);
	ck_assert_int_eq(fsize(fd), boff + 3 * MiB);
	/* Far beyond it. */
	ck_assert_int_eq(map_write(m, c, 1000, coff), 1000);
	ck_assert_int_eq(fsize(fd), coff + 1000);

	ck_assert_int_eq(map_read(m, out, 4096, 0), 4096);
	ck_assert(memcmp(out, a, 4096) == 0);
	ck_assert_int_eq(map_read(m, out, 3 * MiB, boff), 3 * MiB);
	ck_assert(memcmp(out, b, 3 * MiB) == 0);
	ck_assert_int_eq(map_read(m, out, 4096, coff), 1000); /* short at the end */
	ck_assert(memcmp(out, c, 1000) == 0);
	ck_assert_int_eq(map_read(m, out, 4096, 150 * MiB), 4096);
	ck_assert(all_zero(out, 4096));
	assert_file_bytes(fd, b, 3 * MiB, boff);
	assert_file_bytes(fd, c, 1000, coff);

	/* Growing left holes: only what was written takes memory. */
	ck_assert_int_lt(fblocks(fd) * 512, 8 * MiB);

	const void *p = NULL;
	ck_assert_int_eq(map_peek(m, 1000, coff, &p), 1000);
	ck_assert(memcmp(p, c, 1000) == 0);

	map_close(m);
	close(fd);
	free(a), free(b), free(c), free(out);
}
END_TEST

START_TEST(sees_external_changes)
{
	/* Another process grows the segment behind the map's back: the map must see the new end. */
	int fd = new_file(dfd, "seg", O_RDWR);
	pwrite_all(fd, "0123456789", 10, 0);
	struct seg_map *m = open_map(fd);
	char buf[32] = { 0 };
	ck_assert_int_eq(map_read(m, buf, sizeof buf, 0), 10);

	int other = reopen(dfd, "seg", O_RDWR);
	unsigned char *d = random_buf(8192, 21);
	pwrite_all(other, d, 8192, 100 * MiB);
	unsigned char out[8192];
	ck_assert_int_eq(map_read(m, out, sizeof out, 100 * MiB), 8192);
	ck_assert(memcmp(out, d, 8192) == 0);
	const void *p = NULL;
	ck_assert_int_eq(map_peek(m, 8192, 100 * MiB, &p), 8192);
	ck_assert(memcmp(p, d, 8192) == 0);
	/* A write now lands at the new end, not the old one. */
	ck_assert_int_eq(map_write(m, "tail", 4, 100 * MiB + 8192), 4);
	ck_assert_int_eq(fsize(fd), 100 * MiB + 8196);
	assert_file_bytes(other, "tail", 4, 100 * MiB + 8192);

	/* And shrinks it: reads stop at the new end. */
	ck_assert_int_eq(ftruncate(other, 5), 0);
	memset(buf, 0, sizeof buf);
	ck_assert_int_eq(map_read(m, buf, sizeof buf, 0), 5);
	ck_assert_str_eq(buf, "01234");
	ck_assert_int_eq(map_read(m, out, sizeof out, 100 * MiB), 0);
	ck_assert_int_eq(map_peek(m, 10, 100, &p), 0);

	map_close(m);
	close(other);
	close(fd);
	free(d);
}
END_TEST

/* ---- map_peek ---- */

START_TEST(peek_data)
{
	const size_t len = 1 * MiB;
	unsigned char *d = random_buf(len, 31), *copy = malloc(len);
	int fd = new_file(dfd, "seg", O_RDWR);
	pwrite_all(fd, d, len, 0);
	struct seg_map *m = open_map(fd);
	const void *p = NULL;

	ck_assert_int_eq(map_peek(m, len, 0, &p), (ssize_t)len);
	ck_assert_int_eq(pread(fd, copy, len, 0), (ssize_t)len);
	ck_assert(memcmp(p, copy, len) == 0);

	p = NULL;
	ck_assert_int_eq(map_peek(m, 1000, 4097, &p), 1000);
	ck_assert(memcmp(p, d + 4097, 1000) == 0);

	/* Up to the end exactly is fine. */
	ck_assert_int_eq(map_peek(m, 10, len - 10, &p), 10);
	ck_assert(memcmp(p, d + len - 10, 10) == 0);

	/* At or past the end: 0. */
	ck_assert_int_eq(map_peek(m, 10, len, &p), 0);
	ck_assert_int_eq(map_peek(m, 10, len + 5000, &p), 0);
	ck_assert_int_eq(map_peek(m, 10, 10 * GiB, &p), 0);

	/* Crossing the end: cut at the end of file, still straight from the mapping. */
	ck_assert_int_eq(map_peek(m, 100, len - 10, &p), 10);
	ck_assert(memcmp(p, d + len - 10, 10) == 0);

	map_close(m);
	close(fd);
	free(d), free(copy);
}
END_TEST

START_TEST(peek_holes)
{
	unsigned char *d = random_buf(64 * KiB, 41);
	int fd = new_file(dfd, "seg", O_RDWR);
	ck_assert_int_eq(ftruncate(fd, 4 * MiB), 0);
	pwrite_all(fd, d, 64 * KiB, 0);
	pwrite_all(fd, d, 64 * KiB, 2 * MiB);
	blkcnt_t blocks = fblocks(fd);
	struct seg_map *m = open_map(fd);
	const void *p = NULL;

	ck_assert_int_eq(map_peek(m, 8192, 0, &p), 8192);
	ck_assert(memcmp(p, d, 8192) == 0);
	ck_assert_int_eq(map_peek(m, 64 * KiB, 2 * MiB, &p), 64 * KiB);
	ck_assert(memcmp(p, d, 64 * KiB) == 0);

	ck_assert_int_eq(map_peek(m, 8192, 64 * KiB - 4096, &p), -ENODATA); /* data then hole */
	ck_assert_int_eq(map_peek(m, 4096, 1 * MiB, &p), -ENODATA);         /* all hole */
	ck_assert_int_eq(map_peek(m, 8192, 2 * MiB - 4096, &p), -ENODATA);  /* hole then data */
	ck_assert_int_eq(map_peek(m, 4 * MiB, 0, &p), -ENODATA);            /* the whole file */
	ck_assert_int_eq(map_peek(m, 4096, 4 * MiB - 4096, &p), -ENODATA);  /* hole at the end */

	/* Looking did not fill any hole. */
	ck_assert_int_eq(fblocks(fd), blocks);

	map_close(m);
	close(fd);
	free(d);
}
END_TEST

START_TEST(peek_pointer_lifetime)
{
	/* A pointer from map_peek lives until map_close, even when the mapping is regrown. */
	unsigned char *d = random_buf(64 * KiB, 51);
	int fd = new_file(dfd, "seg", O_RDWR);
	struct seg_map *m = open_map(fd);
	ck_assert_int_eq(map_write(m, d, 64 * KiB, 0), 64 * KiB);
	const unsigned char *p = NULL;
	ck_assert_int_eq(map_peek(m, 4096, 0, (const void **)&p), 4096);

	ck_assert_int_eq(map_write(m, "x", 1, 300 * MiB), 1);
	ck_assert_int_eq(map_write(m, "y", 1, 1 * GiB), 1);
	ck_assert(memcmp(p, d, 4096) == 0);
	/* It points into the shared object, not a copy. */
	pwrite_all(fd, "Q", 1, 0);
	ck_assert_int_eq(p[0], 'Q');

	map_close(m);
	close(fd);
	free(d);
}
END_TEST

/* ---- map_read ---- */

START_TEST(read_holes_no_alloc)
{
	/* Holes read as zeros without allocating memory for them: st_blocks must not move. */
	const size_t chunk = 8 * MiB;
	const off_t doff = 512 * MiB + 8192;
	unsigned char *d = random_buf(4096, 61), *buf = malloc(chunk);
	ck_assert_ptr_nonnull(buf);
	int fd = new_file(dfd, "seg", O_RDWR);
	ck_assert_int_eq(ftruncate(fd, 1 * GiB), 0);
	pwrite_all(fd, d, 4096, doff);
	blkcnt_t blocks = fblocks(fd);
	struct seg_map *m = open_map(fd);

	for (off_t off = 0; off < 1 * GiB; off += chunk) {
		ck_assert_int_eq(map_read(m, buf, chunk, off), (ssize_t)chunk);
		if (off <= doff && doff < off + (off_t)chunk) {
			size_t at = doff - off;
			ck_assert(all_zero(buf, at));
			ck_assert(memcmp(buf + at, d, 4096) == 0);
			ck_assert(all_zero(buf + at + 4096, chunk - at - 4096));
		} else {
			ck_assert_msg(all_zero(buf, chunk), "hole at %lld not zero", (long long)off);
		}
	}
	/* Odd offset across hole, data, hole. */
	ck_assert_int_eq(map_read(m, buf, 12289, doff - 4097), 12289);
	ck_assert(all_zero(buf, 4097));
	ck_assert(memcmp(buf + 4097, d, 4096) == 0);
	ck_assert(all_zero(buf + 8193, 4096));

	ck_assert_int_eq(fblocks(fd), blocks);
	ck_assert_int_eq(fsize(fd), 1 * GiB);

	map_close(m);
	close(fd);
	free(d), free(buf);
}
END_TEST

START_TEST(read_short_at_eof)
{
	unsigned char *d = random_buf(1000, 71);
	unsigned char buf[4096];
	int fd = new_file(dfd, "seg", O_RDWR);
	pwrite_all(fd, d, 1000, 0);
	int ro = reopen(dfd, "seg", O_RDONLY);
	int fds[] = { fd, ro };

	for (int i = 0; i < 2; i++) {
		struct seg_map *m = open_map(fds[i]);
		ck_assert_int_eq(map_read(m, buf, sizeof buf, 900), 100);
		ck_assert(memcmp(buf, d + 900, 100) == 0);
		ck_assert_int_eq(map_read(m, buf, sizeof buf, 0), 1000);
		ck_assert(memcmp(buf, d, 1000) == 0);
		ck_assert_int_eq(map_read(m, buf, sizeof buf, 999), 1);
		ck_assert_int_eq(map_read(m, buf, sizeof buf, 1000), 0);
		ck_assert_int_eq(map_read(m, buf, sizeof buf, 5000), 0);
		ck_assert_int_eq(map_read(m, buf, sizeof buf, 10 * GiB), 0);
		ck_assert_int_eq(map_read(m, buf, 0, 0), 0);
		map_close(m);
	}
	ck_assert_int_eq(fsize(fd), 1000);
	close(ro);
	close(fd);
	free(d);
}
END_TEST

/* ---- map_write by access mode ---- */

START_TEST(write_readonly)
{
	int fd = new_file(dfd, "seg", O_RDWR);
	pwrite_all(fd, "data", 4, 0);
	int ro = reopen(dfd, "seg", O_RDONLY);
	struct seg_map *m = open_map(ro);

	ck_assert_int_eq(map_write(m, "X", 1, 0), -EBADF);
	ck_assert_int_eq(map_write(m, "X", 1, 2), -EBADF);
	ck_assert_int_eq(map_write(m, "X", 1, 1 * MiB), -EBADF); /* no grow either */
	ck_assert_int_eq(fsize(fd), 4);
	assert_file_bytes(fd, "data", 4, 0);

	char buf[8] = { 0 };
	ck_assert_int_eq(map_read(m, buf, sizeof buf, 0), 4);
	ck_assert_str_eq(buf, "data");
	map_close(m);
	close(ro);
	close(fd);
}
END_TEST

START_TEST(write_wronly)
{
	const size_t len = 1 * MiB + 3;
	unsigned char *d = random_buf(len, 81);
	int wo = new_file(dfd, "seg", O_WRONLY);
	struct seg_map *m = open_map(wo);

	ck_assert_int_eq(map_write(m, d, len, 777), (ssize_t)len);
	ck_assert_int_eq(fsize(wo), 777 + (off_t)len);
	int rd = reopen(dfd, "seg", O_RDONLY);
	assert_file_bytes(rd, d, len, 777);
	unsigned char head[777];
	ck_assert_int_eq(pread(rd, head, sizeof head, 0), 777);
	ck_assert(all_zero(head, sizeof head));

	/* Overwrite in the middle, then grow far. */
	ck_assert_int_eq(map_write(m, "mid", 3, 1000), 3);
	assert_file_bytes(rd, "mid", 3, 1000);
	ck_assert_int_eq(fsize(wo), 777 + (off_t)len);
	ck_assert_int_eq(map_write(m, d, 4096, 100 * MiB), 4096);
	ck_assert_int_eq(fsize(wo), 100 * MiB + 4096);
	assert_file_bytes(rd, d, 4096, 100 * MiB);
	ck_assert_int_lt(fblocks(wo) * 512, 8 * MiB);

	/* Nothing can be read through a write-only fd. */
	unsigned char buf[16];
	const void *p = NULL;
	ck_assert_int_eq(map_read(m, buf, sizeof buf, 0), -EBADF);
	ck_assert_int_lt(map_peek(m, 16, 777, &p), 0);

	map_close(m);
	close(rd);
	close(wo);
	free(d);
}
END_TEST

START_TEST(write_efbig)
{
	/* A grow that the file size limit refuses fails as ftruncate says, and grows nothing. */
	struct rlimit old, lim;
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 1 * MiB;
	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);

	int fd = new_file(dfd, "seg", O_RDWR);
	struct seg_map *m = open_map(fd);
	ck_assert_int_eq(map_write(m, "abc", 3, 2 * MiB), -EFBIG);
	ck_assert_int_eq(fsize(fd), 0);
	ck_assert_int_eq(map_write(m, "abc", 3, 0), 3);
	ck_assert_int_eq(fsize(fd), 3);
	map_close(m);
	close(fd);

	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
}
END_TEST

/* ---- map_copy and faults ---- */

/* Maps 16 MiB of random data in file NAME, truncates it from another fd to sizes from 0 up, and
 * checks that map_copy out of (and into) the dead range stops short and keeps the process alive;
 * then that a normal copy still returns LEN: the guard is re-armable. */
static void copy_fault_rounds(const char *name)
{
	const size_t len = 16 * MiB;
	const long page = sysconf(_SC_PAGESIZE);
	unsigned char *d = random_buf(len, 91), *dst = malloc(len);
	ck_assert_ptr_nonnull(dst);
	int fd = new_file(dfd, name, O_RDWR);
	pwrite_all(fd, d, len, 0);
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert_ptr_ne(p, MAP_FAILED);
	int other = reopen(dfd, name, O_RDWR);

	for (int round = 0; round < 5; round++) {
		off_t cut = round == 0 ? 0 : 5 * MiB + 100 * round;
		ck_assert_int_eq(ftruncate(other, len), 0);
		pwrite_all(other, d, len, 0);
		ck_assert_int_eq(ftruncate(other, cut), 0);

		memset(dst, 0xEE, len);
		size_t got = map_copy(dst, p, len);
		ck_assert_uint_lt(got, len);
		/* Only the page holding the new end can still be read. */
		ck_assert_uint_le(got, (size_t)((cut + page - 1) / page * page));
		if (cut == 0)
			ck_assert_uint_eq(got, 0);
		/* What it says it copied is what the segment holds: data, then zeros past the end. */
		size_t valid = MIN(got, (size_t)cut);
		ck_assert(memcmp(dst, d, valid) == 0);
		ck_assert(all_zero(dst + valid, got - valid));
	}

	/* Into the dead range: the store faults too. */
	ck_assert_int_eq(ftruncate(other, 0), 0);
	ck_assert_uint_eq(map_copy(p, d, len), 0);
	ck_assert_uint_lt(map_copy(p + 4 * MiB, d, 4096), 4096);
	ck_assert_int_eq(fsize(other), 0);

	/* Restored, the same mapping copies in full again, both ways. */
	ck_assert_int_eq(ftruncate(other, len), 0);
	ck_assert_uint_eq(map_copy(p, d, len), len);
	assert_file_bytes(other, d, len, 0);
	memset(dst, 0, len);
	ck_assert_uint_eq(map_copy(dst, p, len), len);
	ck_assert(memcmp(dst, d, len) == 0);
	/* Plain memory to plain memory. */
	memset(dst, 0, len);
	ck_assert_uint_eq(map_copy(dst, d, len), len);
	ck_assert(memcmp(dst, d, len) == 0);
	ck_assert_uint_eq(map_copy(dst, d, 0), 0);

	munmap(p, len);
	close(other);
	close(fd);
	free(d), free(dst);
}

START_TEST(copy_fault_after_map_open)
{
	/* The usual order: a map exists (map_open installed the guard). */
	int fd = new_file(dfd, "anchor", O_RDWR);
	struct seg_map *m = open_map(fd);
	copy_fault_rounds("seg");
	map_close(m);
	close(fd);
}
END_TEST

START_TEST(copy_fault_standalone)
{
	/* map_copy is exposed for callers with their own mappings, who may never call map_open. */
	copy_fault_rounds("seg");
}
END_TEST

START_TEST(read_after_external_truncate)
{
	const size_t len = 1 * MiB;
	unsigned char *d = random_buf(len, 101), *buf = malloc(len);
	int fd = new_file(dfd, "seg", O_RDWR);
	pwrite_all(fd, d, len, 0);
	struct seg_map *m = open_map(fd);
	const void *p = NULL;
	ck_assert_int_eq(map_read(m, buf, len, 0), (ssize_t)len);
	ck_assert_int_eq(map_peek(m, len, 0, &p), (ssize_t)len);

	int other = reopen(dfd, "seg", O_RDWR);
	for (int round = 0; round < 3; round++) {
		/* Truncated before the call: the map sees the new end, so this is end of file, not a
		 * fault; and a write there grows the segment again. */
		ck_assert_int_eq(ftruncate(other, 0), 0);
		ck_assert_int_eq(map_read(m, buf, len, 0), 0);
		ck_assert_int_eq(map_peek(m, len, 0, &p), 0);
		ck_assert_int_eq(map_write(m, d, 4096, 8192), 4096);
		ck_assert_int_eq(fsize(other), 8192 + 4096);
		assert_file_bytes(other, d, 4096, 8192);

		pwrite_all(other, d, len, 0);
		ck_assert_int_eq(map_read(m, buf, len, 0), (ssize_t)len);
		ck_assert(memcmp(buf, d, len) == 0);
	}

	map_close(m);
	close(other);
	close(fd);
	free(d), free(buf);
}
END_TEST

/* ---- a full tmpfs (root only) ---- */

/* The parent mounts a 1 MiB tmpfs once for this case and always detaches and removes it. */
static char mnt[64];
static bool mnt_made, mnt_mounted;
static int mnt_errno;

static void full_setup(void)
{
	if (geteuid() != 0)
		return;
	snprintf(mnt, sizeof mnt, "/tmp/shmfs-map-full-XXXXXX");
	if (!mkdtemp(mnt)) {
		mnt_errno = errno;
		return;
	}
	mnt_made = true;
	if (mount("tmpfs", mnt, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0700") < 0)
		mnt_errno = errno;
	else
		mnt_mounted = true;
}

static void full_teardown(void)
{
	if (mnt_mounted && umount2(mnt, MNT_DETACH) < 0)
		fprintf(stderr, "lib_map_test: umount %s: %s\n", mnt, strerror(errno));
	if (mnt_made && rmdir(mnt) < 0)
		fprintf(stderr, "lib_map_test: rmdir %s: %s\n", mnt, strerror(errno));
	mnt_made = mnt_mounted = false;
}

/* Opens the small tmpfs with no file left in it by an earlier test, or returns -1 after saying
 * loudly why this test is skipped. */
static int full_dir(const char *test)
{
	if (geteuid() != 0 || mnt_errno == EPERM) {
		printf("SKIP: lib_map_test %s: needs root with CAP_SYS_ADMIN to mount a small tmpfs (%s)\n",
		       test, geteuid() != 0 ? "not root" : strerror(mnt_errno));
		return -1;
	}
	ck_assert_msg(mnt_mounted, "mount tmpfs on %s: %s", mnt, strerror(mnt_errno));
	int fd = open(mnt, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	static const char *const names[] = { "filler", "big" };
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		unlinkat(fd, names[i], 0);
	return fd;
}

START_TEST(full_partial_write)
{
	int mfd = full_dir("full_partial_write");
	if (mfd < 0)
		return;
	const size_t len = 4 * MiB;
	unsigned char *d = random_buf(len, 111), *back = malloc(len);

	int filler = new_file(mfd, "filler", O_RDWR);
	pwrite_all(filler, d, 256 * KiB, 0);
	close(filler);

	int fd = new_file(mfd, "big", O_RDWR);
	struct seg_map *m = open_map(fd);
	ssize_t r = map_write(m, d, len, 0);
	ck_assert_msg(r == -ENOSPC || (r > 0 && r < (ssize_t)len), "map_write into a full tmpfs: %zd", r);
	off_t stored = r > 0 ? r : 0;
	printf("lib_map_test: full_partial_write: stored %lld of %zu bytes\n", (long long)stored, len);
	ck_assert_int_eq(fsize(fd), stored);
	assert_file_bytes(fd, d, stored, 0);
	ck_assert_int_eq(map_read(m, back, len, 0), (ssize_t)stored);
	ck_assert(memcmp(back, d, stored) == 0);

	/* Space freed, the next write at the end works and nothing before it moved. */
	ck_assert_int_eq(unlinkat(mfd, "filler", 0), 0);
	ck_assert_int_eq(map_write(m, d + stored, 4096, stored), 4096);
	ck_assert_int_eq(fsize(fd), stored + 4096);
	assert_file_bytes(fd, d, stored + 4096, 0);

	map_close(m);
	close(fd);
	unlinkat(mfd, "big", 0);
	close(mfd);
	free(d), free(back);
}
END_TEST

START_TEST(full_nothing_fits)
{
	int mfd = full_dir("full_nothing_fits");
	if (mfd < 0)
		return;
	unsigned char *d = random_buf(64 * KiB, 121);

	/* Fill the tmpfs to the last page. */
	int filler = new_file(mfd, "filler", O_RDWR);
	off_t at = 0;
	for (;;) {
		ssize_t n = pwrite(filler, d, 64 * KiB, at);
		if (n < 0) {
			ck_assert_int_eq(errno, ENOSPC);
			break;
		}
		ck_assert_int_gt(n, 0);
		at += n;
	}
	ck_assert_int_gt(at, 0);

	int fd = new_file(mfd, "big", O_RDWR);
	struct seg_map *m = open_map(fd);
	ck_assert_int_eq(map_write(m, d, 4096, 0), -ENOSPC);
	ck_assert_int_eq(fsize(fd), 0); /* the grow that stored nothing is undone */
	ck_assert_int_eq(map_write(m, d, 4096, 1 * MiB), -ENOSPC);
	ck_assert_int_eq(fsize(fd), 0);

	ck_assert_int_eq(ftruncate(filler, 0), 0);
	ck_assert_int_eq(map_write(m, d, 4096, 0), 4096);
	ck_assert_int_eq(fsize(fd), 4096);
	assert_file_bytes(fd, d, 4096, 0);

	map_close(m);
	close(fd);
	close(filler);
	unlinkat(mfd, "big", 0);
	unlinkat(mfd, "filler", 0);
	close(mfd);
	free(d);
}
END_TEST

START_TEST(full_hole_write)
{
	/* The segment is already large: the stores fill its holes until the tmpfs is full, and the
	 * size, which this write did not change, stays. */
	int mfd = full_dir("full_hole_write");
	if (mfd < 0)
		return;
	const size_t len = 4 * MiB;
	unsigned char *d = random_buf(len, 131), *back = malloc(len);

	int filler = new_file(mfd, "filler", O_RDWR);
	pwrite_all(filler, d, 256 * KiB, 0);
	int fd = new_file(mfd, "big", O_RDWR);
	ck_assert_int_eq(ftruncate(fd, len), 0);
	struct seg_map *m = open_map(fd);

	ssize_t r = map_write(m, d, len, 0);
	ck_assert_msg(r == -ENOSPC || (r > 0 && r < (ssize_t)len), "map_write into a full tmpfs: %zd", r);
	size_t stored = r > 0 ? (size_t)r : 0;
	ck_assert_int_eq(fsize(fd), len);
	ck_assert_int_eq(map_read(m, back, len, 0), (ssize_t)len);
	ck_assert(memcmp(back, d, stored) == 0);

	/* Space freed, the rest fits. */
	ck_assert_int_eq(ftruncate(filler, 0), 0);
	close(filler);
	ck_assert_int_eq(unlinkat(mfd, "filler", 0), 0);
	ck_assert_int_eq(map_write(m, d + stored, 64 * KiB, stored), 64 * KiB);
	assert_file_bytes(fd, d, stored + 64 * KiB, 0);
	ck_assert_int_eq(fsize(fd), len);

	map_close(m);
	close(fd);
	unlinkat(mfd, "big", 0);
	close(mfd);
	free(d), free(back);
}
END_TEST

static Suite *map_suite(void)
{
	Suite *s = suite_create("map");
	const struct lib_case cases[] = {
		{ "open", { open_modes } },
		{ "read_write", { roundtrip_odd_offsets, grow_past_mapping, sees_external_changes,
				  read_short_at_eof, write_readonly, write_wronly, write_efbig } },
		{ "peek", { peek_data, peek_holes, peek_pointer_lifetime } },
		{ "holes", { read_holes_no_alloc } },
		{ "faults", { copy_fault_after_map_open, copy_fault_standalone,
			      read_after_external_truncate } },
	};

	lib_add_cases(s, cases, G_N_ELEMENTS(cases));

	TCase *tc = lib_tcase("full_tmpfs");
	tcase_add_unchecked_fixture(tc, full_setup, full_teardown);
	tcase_add_test(tc, full_partial_write);
	tcase_add_test(tc, full_nothing_fits);
	tcase_add_test(tc, full_hole_write);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return lib_run_suite(map_suite());
}
