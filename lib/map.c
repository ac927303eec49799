/* map.c - a segment's MAP_SHARED mapping, with reads and writes that turn SIGBUS into an error.
 * Holes are read with pread (a fault on a tmpfs hole would allocate it); data pages are used in place. */
#include "map.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* A mapping is never moved or shrunk while the map is open: when the segment outgrows it, a larger
 * window is mapped beside it and the old one is kept on the `older` list until map_close. So a
 * pointer handed out by map_peek stays valid without any lock held while the kernel copies from
 * it. Windows double in size (from MAP_MIN_WINDOW), so a segment grown by many appends keeps only
 * a few dozen windows, all of them address space only: a mapping past the end of file costs
 * nothing until touched, and touching it past the end faults, which the guard below catches. */
#define MAP_MIN_WINDOW (1u << 20)

struct map_window {
	char *addr;
	size_t len;
	struct map_window *older;
};

struct seg_map {
	int fd;
	int prot;                            /* 0: the fd cannot be mapped (opened O_WRONLY) */
	_Atomic(struct map_window *) window; /* the largest window; NULL until first needed */
	pthread_mutex_t lock;                /* serialises new windows and growing the file */
};

/* The fault guard. A SIGBUS while a thread is inside map_copy jumps back to map_copy, which
 * reports how far it got; a SIGBUS anywhere else goes to whatever handled it before us.
 * SA_NODEFER keeps SIGBUS unblocked after the jump, so no signal mask needs saving (which would
 * cost a system call per copy). */
static __thread sigjmp_buf guard_jmp __attribute__((tls_model("initial-exec")));
static __thread volatile sig_atomic_t guard_armed __attribute__((tls_model("initial-exec")));
static struct sigaction guard_previous;
static pthread_once_t guard_once = PTHREAD_ONCE_INIT;

static void guard_handler(int sig, siginfo_t *info, void *uctx)
{
	if (guard_armed) {
		guard_armed = 0;
		siglongjmp(guard_jmp, 1);
	}
	/* Not a fault of ours: hand it on, or fault again with the default action. */
	if (guard_previous.sa_flags & SA_SIGINFO)
		guard_previous.sa_sigaction(sig, info, uctx);
	else if (guard_previous.sa_handler != SIG_IGN && guard_previous.sa_handler != SIG_DFL)
		guard_previous.sa_handler(sig);
	else
		sigaction(SIGBUS, &guard_previous, NULL);
}

static void guard_install(void)
{
	struct sigaction sa = { .sa_sigaction = guard_handler, .sa_flags = SA_SIGINFO | SA_NODEFER };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &guard_previous);
}

/* Copies page by page, so that after a fault `done` counts only whole pages that were stored. */
size_t map_copy(void *dst, const void *src, size_t len)
{
	volatile size_t done = 0;

	pthread_once(&guard_once, guard_install);
	if (sigsetjmp(guard_jmp, 0))
		return done;
	guard_armed = 1;
	while (done < len) {
		size_t to_page = 4096 - (((uintptr_t)dst + done) & 4095);
		size_t n = len - done < to_page ? len - done : to_page;
		memcpy((char *)dst + done, (const char *)src + done, n);
		done += n;
	}
	guard_armed = 0;
	return done;
}

int map_open(int fd, struct seg_map **out)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -errno;

	struct seg_map *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->fd = fd;
	switch (fl & O_ACCMODE) {
	case O_RDWR:
		m->prot = PROT_READ | PROT_WRITE;
		break;
	case O_RDONLY:
		m->prot = PROT_READ;
		break;
	default:
		m->prot = 0;
	}
	atomic_init(&m->window, NULL);
	pthread_mutex_init(&m->lock, NULL);
	pthread_once(&guard_once, guard_install);
	*out = m;
	return 0;
}

void map_close(struct seg_map *m)
{
	if (!m)
		return;
	struct map_window *w = atomic_load(&m->window);
	while (w) {
		struct map_window *older = w->older;
		munmap(w->addr, w->len);
		free(w);
		w = older;
	}
	pthread_mutex_destroy(&m->lock);
	free(m);
}

int map_fd(const struct seg_map *m)
{
	return m->fd;
}

static size_t window_len_for(size_t need)
{
	size_t len = MAP_MIN_WINDOW;
	while (len < need && len <= SIZE_MAX / 2)
		len *= 2;
	return len < need ? need : len;
}

/* A window covering [0, NEED), or NULL (errno set) when none can be mapped. */
static struct map_window *window_covering(struct seg_map *m, size_t need)
{
	struct map_window *w = atomic_load_explicit(&m->window, memory_order_acquire);
	if (w && w->len >= need)
		return w;
	if (!m->prot) {
		errno = EBADF;
		return NULL;
	}

	pthread_mutex_lock(&m->lock);
	w = atomic_load_explicit(&m->window, memory_order_relaxed);
	if (!w || w->len < need) {
		struct map_window *nw = malloc(sizeof(*nw));
		size_t len = window_len_for(need);
		void *addr = nw ? mmap(NULL, len, m->prot, MAP_SHARED, m->fd, 0) : MAP_FAILED;
		if (addr == MAP_FAILED) {
			int err = nw ? errno : ENOMEM;
			free(nw);
			w = NULL;
			errno = err;
		} else {
			*nw = (struct map_window){ .addr = addr, .len = len, .older = w };
			atomic_store_explicit(&m->window, nw, memory_order_release);
			w = nw;
		}
	}
	pthread_mutex_unlock(&m->lock);
	return w;
}

static off_t file_size(int fd)
{
	struct stat st;
	return fstat(fd, &st) < 0 ? -errno : st.st_size;
}

/* True when every page of [OFF, OFF+LEN) of window W is in the segment's page cache (or swap): data
 * a copy can read without allocating anything. mincore() reports the segment's own pages, not just
 * those this process has touched. lseek(SEEK_HOLE) would answer too, but tmpfs walks every page
 * from OFF up to the first hole, all the way to the end of a full segment, on every read. */
static bool all_data(const struct map_window *w, off_t off, size_t len)
{
	uintptr_t first = ((uintptr_t)w->addr + off) & ~(uintptr_t)4095;
	uintptr_t last = (uintptr_t)w->addr + off + len;
	unsigned char vec[256];

	while (first < last) {
		size_t pages = (last - first + 4095) / 4096;
		if (pages > sizeof(vec))
			pages = sizeof(vec);
		if (mincore((void *)first, pages * 4096, vec) < 0)
			return false;
		for (size_t i = 0; i < pages; i++)
			if (!(vec[i] & 1))
				return false;
		first += pages * 4096;
	}
	return true;
}

ssize_t map_peek(struct seg_map *m, size_t len, off_t off, const void **data)
{
	if (off < 0)
		return -EINVAL;
	off_t size = file_size(m->fd);
	if (size < 0)
		return size;
	if (len == 0 || off >= size)
		return 0;
	if ((uint64_t)(size - off) < len)
		len = size - off;

	struct map_window *w = window_covering(m, off + len);
	if (!w || !all_data(w, off, len))
		return -ENODATA;
	*data = w->addr + off;
	return len;
}

ssize_t map_read(struct seg_map *m, void *buf, size_t len, off_t off)
{
	const void *src;
	ssize_t n = map_peek(m, len, off, &src);

	if (n == -ENODATA) {
		n = pread(m->fd, buf, len, off);
		return n < 0 ? -errno : n;
	}
	if (n <= 0)
		return n;
	return map_copy(buf, src, n) == (size_t)n ? n : -EIO;
}

/* Grows the segment to END unless it is already that large; returns the old size when it grew,
 * -1 when it did not need to, or -errno. */
static off_t grow_to(struct seg_map *m, off_t end)
{
	off_t size = file_size(m->fd);
	if (size < 0 || size >= end)
		return size < 0 ? size : -1;

	pthread_mutex_lock(&m->lock);
	size = file_size(m->fd); /* again: another writer may have grown it meanwhile */
	if (size >= 0 && size < end && ftruncate(m->fd, end) < 0)
		size = -errno;
	else if (size >= end)
		size = -1;
	pthread_mutex_unlock(&m->lock);
	return size;
}

/* After a failed store into a grown segment: give back the part that holds nothing, unless some
 * other writer has moved the end since. */
static void ungrow(struct seg_map *m, off_t grown_to, off_t keep)
{
	pthread_mutex_lock(&m->lock);
	if (file_size(m->fd) == grown_to && ftruncate(m->fd, keep) < 0) {
		/* Nothing better to do: the segment keeps a hole at its end. */
	}
	pthread_mutex_unlock(&m->lock);
}

/* map_write, and map_store when not GROW. */
static ssize_t write_at(struct seg_map *m, const void *buf, size_t len, off_t off, bool grow)
{
	if (off < 0)
		return -EINVAL;
	if (len == 0)
		return 0;
	if (len > (size_t)INT64_MAX || (off_t)len > INT64_MAX - off)
		return -EFBIG;
	if (m->prot == PROT_READ)
		return -EBADF;

	off_t end = off + len;
	struct map_window *w = m->prot ? window_covering(m, end) : NULL;
	if (!w) {
		/* Write-only fd, or a range beyond what the address space can map. */
		ssize_t n = pwrite(m->fd, buf, len, off);
		return n < 0 ? -errno : n;
	}

	off_t old_size = grow ? grow_to(m, end) : -1;
	if (old_size < -1)
		return old_size;

	size_t done = map_copy(w->addr + off, buf, len);
	if (done == len)
		return len;

	/* The store faulted: past the end (someone truncated the segment) or out of tmpfs space. */
	off_t size = file_size(m->fd);
	int err = (size >= 0 && size <= off + (off_t)done) ? -EIO : -ENOSPC;
	if (old_size >= 0)
		ungrow(m, end, done && off + (off_t)done > old_size ? off + (off_t)done : old_size);
	return done ? (ssize_t)done : err;
}

ssize_t map_write(struct seg_map *m, const void *buf, size_t len, off_t off)
{
	return write_at(m, buf, len, off, true);
}

ssize_t map_store(struct seg_map *m, const void *buf, size_t len, off_t off)
{
	return write_at(m, buf, len, off, false);
}
