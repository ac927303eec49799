/* fuzz_main.c - runs a libFuzzer target without libFuzzer (any compiler, the regular suite): every
 * file of a seed corpus, then a fixed number of deterministic mutations of them. */
#include <fcntl.h>
#include <glib.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Usage: fuzz_TARGET CORPUS_DIR_OR_FILE...
 * Environment: FUZZ_MAIN_MUTATIONS (default 20000), FUZZ_MAIN_SEED (default 1).
 * There is no coverage feedback here, so mutants stay close to the seeds: a few edits each, drawn
 * from bit flips, byte inserts and deletes, repeats, splices of two seeds, and tokens cut from the
 * seeds themselves (which suits any target's input language without a dictionary per target).
 * An input that crashes is printed to stderr and saved as ./fuzz_main-crash. */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional in a target, as in libFuzzer. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
/* Present under ASan/UBSan: lets us show the input on which a sanitizer ends the process. */
void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

#define DEFAULT_MUTATIONS 20000
#define MAX_MUTANT (64 * 1024)               /* mutants stop growing here */
#define TIME_BUDGET_US (8 * G_USEC_PER_SEC) /* a slow target stops early rather than time out */
#define MAX_TOKENS 2000


/* ---- the input being run, shown if the process dies on it ---- */

static const uint8_t *current;
static size_t current_len;

/* Writes the input to stderr as a C string literal and whole to ./fuzz_main-crash, with write(2)
 * only: this runs from a signal handler or a sanitizer's death callback. */
static void show_current(void)
{
	static const char hex[] = "0123456789abcdef";
	static const char head[] = "fuzz_main: crashing input (saved as ./fuzz_main-crash): \"";
	static char buf[4096 + 64];
	size_t n = sizeof head - 1;
	memcpy(buf, head, n);
	for (size_t i = 0; i < current_len && n < sizeof buf - 16; i++) {
		uint8_t c = current[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			buf[n++] = (char)c;
		} else {
			/* "\xNN" then "" so that a hex digit after it is not read as part of it. */
			memcpy(buf + n, "\\x", 2);
			buf[n + 2] = hex[c >> 4];
			buf[n + 3] = hex[c & 15];
			memcpy(buf + n + 4, "\"\"", 2);
			n += 6;
		}
	}
	memcpy(buf + n, "\"\n", 2);
	n += 2;
	ssize_t ignored = write(STDERR_FILENO, buf, n);
	int fd = open("fuzz_main-crash", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		ignored = write(fd, current, current_len);
		close(fd);
	}
	(void)ignored;
}

static void on_fatal_signal(int sig)
{
	show_current();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void catch_crashes(void)
{
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(show_current);
	/* Under ASan these are the sanitizer's (it reports, then calls the callback above). */
	int sigs[] = { SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL };
	for (size_t i = 0; i < G_N_ELEMENTS(sigs); i++) {
		struct sigaction old;
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL)
			signal(sigs[i], on_fatal_signal);
	}
}

static void run_one(const uint8_t *data, size_t len)
{
	current = data;
	current_len = len;
	LLVMFuzzerTestOneInput(data, len);
	current = NULL;
	current_len = 0;
}


/* ---- the seed corpus ---- */

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void load_file(GPtrArray *seeds, const char *path)
{
	char *data;
	gsize len;
	GError *error = NULL;
	if (!g_file_get_contents(path, &data, &len, &error)) {
		fprintf(stderr, "fuzz_main: %s\n", error->message);
		exit(1);
	}
	g_ptr_array_add(seeds, g_bytes_new_take(data, len));
}

/* Adds every regular file of PATH (or PATH itself) to SEEDS, in name order so runs repeat exactly
 * whatever order the directory lists them in. Hidden files (.keep) are left out. */
static void load_corpus(GPtrArray *seeds, const char *path)
{
	if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
		load_file(seeds, path);
		return;
	}
	GError *error = NULL;
	GDir *dir = g_dir_open(path, 0, &error);
	if (!dir) {
		fprintf(stderr, "fuzz_main: %s\n", error->message);
		exit(1);
	}
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	for (const char *name; (name = g_dir_read_name(dir));) {
		char *full = g_build_filename(path, name, NULL);
		if (name[0] != '.' && g_file_test(full, G_FILE_TEST_IS_REGULAR))
			g_ptr_array_add(names, g_strdup(name));
		g_free(full);
	}
	g_dir_close(dir);
	qsort(names->pdata, names->len, sizeof(char *), compare_names);
	for (guint i = 0; i < names->len; i++) {
		char *full = g_build_filename(path, names->pdata[i], NULL);
		load_file(seeds, full);
		g_free(full);
	}
	g_ptr_array_free(names, TRUE);
}

/* Tokens for insertion: runs of letters, digits and '_', and single other printable characters,
 * as found in the seeds; plus a few values that often sit at a parser's edges. */
static GPtrArray *collect_tokens(GPtrArray *seeds)
{
	static const char *const edges[] = {
		"0", "1", "-1", "255", "256", "65535", "65536", "2147483647", "-2147483648",
		"4294967296", "9223372036854775807", "-9223372036854775808",
		"18446744073709551615", "18446744073709551616", "99999999999999999999999999999",
		"0x", "0x7fffffffffffffff", "1e308", "1e-320", "nan", "inf", "-0", "\n", "\t", " ",
		"\r\n", "/*", "*/", "//", "\\", "\"", "'", "\xff", "\xc3\xa9",
	};
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < seeds->len; i++) {
		gsize len;
		const char *p = g_bytes_get_data(seeds->pdata[i], &len);
		for (gsize j = 0; j < len && g_hash_table_size(seen) < MAX_TOKENS;) {
			gsize k = j;
			while (k < len && k - j < 64 && (g_ascii_isalnum(p[k]) || p[k] == '_'))
				k++;
			if (k == j)
				k = j + 1;
			char *tok = g_strndup(p + j, k - j);
			if (g_ascii_isgraph(tok[0]) && !g_hash_table_contains(seen, tok))
				g_hash_table_add(seen, tok);
			else
				g_free(tok);
			j = k;
		}
	}

	GPtrArray *tokens = g_ptr_array_new_with_free_func(g_free);
	for (size_t i = 0; i < G_N_ELEMENTS(edges); i++)
		g_ptr_array_add(tokens, g_strdup(edges[i]));
	/* The seeds' tokens in sorted order: hash order would do, but determinism should be plain. */
	guint n;
	char **found = (char **)g_hash_table_get_keys_as_array(seen, &n);
	g_hash_table_steal_all(seen); /* the keys move to TOKENS */
	qsort(found, n, sizeof(char *), compare_names);
	for (guint i = 0; i < n; i++)
		g_ptr_array_add(tokens, found[i]);
	g_free(found);
	g_hash_table_destroy(seen);
	return tokens;
}


/* ---- mutations ---- */

static uint64_t rng_state;

/* splitmix64: small, fast, and the same sequence everywhere for a given seed. */
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static size_t below(size_t n)
{
	return n ? (size_t)(rnd() % n) : 0;
}

static void insert(GArray *b, size_t at, const void *data, size_t len)
{
	if (b->len + len <= MAX_MUTANT)
		g_array_insert_vals(b, (guint)at, data, (guint)len); /* at <= b->len always */
}

/* Applies one random edit to B. SEEDS and TOKENS feed splices and insertions. */
static void mutate_once(GArray *b, GPtrArray *seeds, GPtrArray *tokens)
{
	static const uint8_t interesting[] = { 0, 1, 0x7f, 0x80, 0xff, '\n', ' ', '0', '9', '-' };
	size_t at = below(b->len + 1);
	switch (rnd() % 9) {
	case 0: /* flip a bit */
		if (b->len)
			((uint8_t *)b->data)[below(b->len)] ^= (uint8_t)(1u << below(8));
		break;
	case 1: /* overwrite a byte with an interesting one */
		if (b->len)
			((uint8_t *)b->data)[below(b->len)] = interesting[below(sizeof interesting)];
		break;
	case 2: { /* insert 1-8 random bytes */
		uint8_t bytes[8];
		size_t n = 1 + below(8);
		for (size_t i = 0; i < n; i++)
			bytes[i] = (uint8_t)rnd();
		insert(b, at, bytes, n);
		break;
	}
	case 3: { /* delete 1-16 bytes */
		size_t n = 1 + below(16);
		if (at < b->len)
			g_array_remove_range(b, (guint)at, (guint)MIN(n, b->len - at));
		break;
	}
	case 4:
	case 5: { /* insert a token, perhaps with a space either side */
		const char *tok = tokens->pdata[below(tokens->len)];
		char buf[128];
		int n = snprintf(buf, sizeof buf, "%s%s%s", rnd() & 1 ? " " : "", tok,
				 rnd() & 1 ? " " : "");
		insert(b, at, buf, (size_t)MIN(n, (int)sizeof buf - 1));
		break;
	}
	case 6: { /* repeat a chunk up to 64 times: long inputs, many fields, deep nesting */
		if (!b->len)
			break;
		size_t start = below(b->len), n = 1 + below(MIN(b->len - start, 64));
		size_t times = 1 + below(64);
		uint8_t *chunk = g_memdup2(b->data + start, n);
		for (size_t i = 0; i < times; i++)
			insert(b, start, chunk, n);
		g_free(chunk);
		break;
	}
	case 7: { /* splice: keep a prefix, append the tail of another seed */
		gsize len;
		const uint8_t *other = g_bytes_get_data(seeds->pdata[below(seeds->len)], &len);
		g_array_set_size(b, (guint)at);
		size_t from = below(len + 1);
		insert(b, b->len, other + from, len - from);
		break;
	}
	case 8: /* cut the end off: truncated input */
		g_array_set_size(b, (guint)at);
		break;
	}
}

static uint64_t env_number(const char *name, uint64_t fallback)
{
	const char *s = getenv(name);
	return s && *s ? g_ascii_strtoull(s, NULL, 0) : fallback;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	catch_crashes();
	/* A GLib critical is a bug in the target (a misused API), so it counts as a crash. */
	g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);

	GPtrArray *seeds = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	for (int i = 1; i < argc; i++)
		load_corpus(seeds, argv[i]);
	size_t ninputs = seeds->len;
	if (!seeds->len) /* an empty corpus still gets mutations, from nothing */
		g_ptr_array_add(seeds, g_bytes_new_static("", 0));

	for (guint i = 0; i < ninputs; i++) {
		gsize len;
		const uint8_t *data = g_bytes_get_data(seeds->pdata[i], &len);
		run_one(data, len);
	}

	GPtrArray *tokens = collect_tokens(seeds);
	rng_state = env_number("FUZZ_MAIN_SEED", 1);
	uint64_t budget = env_number("FUZZ_MAIN_MUTATIONS", DEFAULT_MUTATIONS);
	gint64 deadline = g_get_monotonic_time() + TIME_BUDGET_US;
	GArray *b = g_array_new(FALSE, FALSE, 1);
	uint64_t done = 0;
	for (; done < budget; done++) {
		if (done % 256 == 0 && g_get_monotonic_time() > deadline) {
			fprintf(stderr, "fuzz_main: time budget spent, stopping early\n");
			break;
		}
		gsize len;
		const uint8_t *seed = g_bytes_get_data(seeds->pdata[below(seeds->len)], &len);
		g_array_set_size(b, 0);
		g_array_append_vals(b, seed, (guint)len);
		for (size_t n = 1 + below(4); n > 0; n--)
			mutate_once(b, seeds, tokens);
		static const uint8_t empty[1];
		run_one(b->len ? (const uint8_t *)b->data : empty, b->len); /* never NULL, as with libFuzzer */
	}

	printf("fuzz_main: %zu inputs, %llu mutations, 0 crashes\n", ninputs,
	       (unsigned long long)done);
	g_array_free(b, TRUE);
	g_ptr_array_free(tokens, TRUE);
	g_ptr_array_free(seeds, TRUE);
	return 0;
}
