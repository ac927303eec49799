/* bench_pread.c - COUNT preads of BS bytes from FILE, timed from open to close: at distinct random
 * BS-aligned offsets (fixed seed), or the first or last COUNT*BS bytes; -p checks the pattern. */
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_clock.h"

/* splitmix64: a fixed seed gives every target the same offsets in the same order. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* Distinct blocks (a partial Fisher-Yates shuffle): a repeat could be answered by the mount's page
 * cache, which the native tmpfs does not have. */
static off_t *random_offsets(off_t blocks, size_t count, size_t bs)
{
	uint32_t *idx = malloc(blocks * sizeof(*idx));
	off_t *off = malloc(count * sizeof(*off));
	if (!idx || !off)
		bench_fail("malloc", "offsets", ENOMEM);
	for (off_t b = 0; b < blocks; b++)
		idx[b] = b;
	uint64_t state = 0x5eed;
	for (size_t i = 0; i < count; i++) {
		size_t j = i + next_random(&state) % (blocks - i);
		uint32_t t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
		off[i] = (off_t)idx[i] * bs;
	}
	free(idx);
	return off;
}

static void read_block(int fd, char *buf, size_t bs, off_t off, bool pattern, const char *name)
{
	size_t got = 0;
	while (got < bs) {
		ssize_t n = pread(fd, buf + got, bs - got, off + got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			bench_fail("pread", name, n < 0 ? errno : 0);
		got += n;
	}
	for (size_t w = 0; pattern && w < bs / 8; w++) {
		uint64_t v;
		memcpy(&v, buf + w * 8, 8);
		if (v != (uint64_t)off + w * 8)
			bench_fail("pattern of", name, 0);
	}
}

int main(int argc, char **argv)
{
	bool pattern = argc > 1 && strcmp(argv[1], "-p") == 0;
	argv += pattern;
	argc -= pattern;
	size_t bs = argc == 5 ? strtoul(argv[2], NULL, 10) : 0;
	size_t count = argc == 5 ? strtoul(argv[3], NULL, 10) : 0;
	const char *order = argc == 5 ? argv[4] : "";
	if (bs == 0 || count == 0 || (pattern && bs % 8 != 0) ||
	    (strcmp(order, "random") != 0 && strcmp(order, "first") != 0 && strcmp(order, "last") != 0)) {
		fprintf(stderr, "usage: bench_pread [-p] FILE BS COUNT random|first|last\n");
		return 2;
	}
	const char *name = argv[1];
	struct stat st;
	if (stat(name, &st) != 0)
		bench_fail("stat", name, errno);
	off_t blocks = st.st_size / (off_t)bs;
	if (blocks < (off_t)count || blocks > UINT32_MAX)
		bench_fail("size of", name, 0);
	off_t *off = order[0] == 'r' ? random_offsets(blocks, count, bs) : malloc(count * sizeof(*off));
	char *buf = malloc(bs);
	if (!off || !buf)
		bench_fail("malloc", name, ENOMEM);
	for (size_t i = 0; order[0] != 'r' && i < count; i++)
		off[i] = order[0] == 'f' ? (off_t)(i * bs) : st.st_size - (off_t)((count - i) * bs);

	double t0 = bench_now_ms();
	int fd = open(name, O_RDONLY);
	if (fd < 0)
		bench_fail("open", name, errno);
	for (size_t i = 0; i < count; i++)
		read_block(fd, buf, bs, off[i], pattern, name);
	if (close(fd) != 0)
		bench_fail("close", name, errno);
	bench_report(t0);
	free(buf);
	free(off);
	return 0;
}
