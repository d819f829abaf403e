// SPDX-License-Identifier: MIT
/*
 * Machinery shared by the fuzz modes (guest/include/guest/fuzz.h): the
 * splitmix64 PRNG (a stream per vCPU), numeric command-line words, the coverage table, Koan's
 * frame check and the oracle log.
 */
#include <xen/errno.h>

#include <guest/fuzz.h>
#include <guest/guest.h>
#include <guest/hypercall.h>
#include <guest/lib.h>
#include <guest/smp.h>

/*
 * One splitmix64 state per vCPU (smp_self() says whose; each on its own
 * cache line), so that vCPUs fuzzing at once never share a stream.  The
 * single-vCPU modes run on vCPU 0 and seed it with fuzz_seed() as ever:
 * their sequences, and so the oracle's logs, are unchanged.
 */
static struct {
	uint64_t state;
} __attribute__((aligned(64))) rng[SMP_MAX_VCPUS];

void fuzz_seed(uint64_t seed)
{
	rng[smp_self()].state = seed;
}

/*
 * Stream `stream` of a seed: the state is the seed and the stream number
 * put through the splitmix64 finaliser, so that streams are far apart in
 * the sequence (seeds that differ by a multiple of the increment would
 * give one stream shifted).
 */
void fuzz_seed_stream(uint64_t seed, unsigned int stream)
{
	uint64_t z = seed ^ (0xd1b54a32d192ed03UL * (stream + 1UL));

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
	rng[smp_self()].state = z ^ (z >> 31);
}

uint64_t fuzz_rnd(void)
{
	uint64_t *rs = &rng[smp_self()].state;
	uint64_t z = (*rs += 0x9e3779b97f4a7c15UL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
	return z ^ (z >> 31);
}

unsigned long fuzz_arg(const char *key, unsigned long dflt)
{
	char value[24];
	unsigned long v = 0;
	const char *p;

	if (!guest_cmdline_value(key, value, sizeof(value)))
		return dflt;
	for (p = value; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (unsigned long)(*p - '0');
	return v;
}

/* ---- coverage ---- */

#define MAX_KINDS 96

static struct {
	const char *kind;
	unsigned long calls, refused;
} cov[MAX_KINDS];
static unsigned int nr_kinds;

void fuzz_count(const char *kind, long rc)
{
	unsigned int i;

	for (i = 0; i < nr_kinds && cov[i].kind != kind; i++)
		;
	if (i == nr_kinds) {
		if (nr_kinds == MAX_KINDS)
			i = MAX_KINDS - 1;	/* full: the last one takes the rest */
		else
			cov[nr_kinds++].kind = kind;
	}
	cov[i].calls++;
	cov[i].refused += rc < 0;
}

void fuzz_coverage_print(const char *mode)
{
	char line[200];
	unsigned int i, n = 0;

	line[0] = '\0';
	for (i = 0; i < nr_kinds; i++) {
		char item[48];

		snprintf(item, sizeof(item), " %s %lu/%lu", cov[i].kind,
			 cov[i].calls, cov[i].refused);
		if (n + strlen(item) >= sizeof(line) - 1) {
			guest_printf("fuzz-coverage %s:%s\n", mode, line);
			line[0] = '\0';
			n = 0;
		}
		strlcpy(line + n, item, sizeof(line) - n);
		n += strlen(item);
	}
	if (n)
		guest_printf("fuzz-coverage %s:%s\n", mode, line);
	memset(cov, 0, sizeof(cov));
	nr_kinds = 0;
}

/* ---- Koan's frame check ---- */

static unsigned long checks;

long fuzz_check(void)
{
	long rc = HYPERVISOR_koan_debug(KOAN_DEBUG_CHECK_FRAMES);

	if (rc == -XEN_ENOSYS || rc == -XEN_EPERM)
		return 0;
	checks++;
	return rc;
}

unsigned long fuzz_checks(void)
{
	return checks;
}

void fuzz_checks_reset(void)
{
	checks = 0;
}

/* ---- pacing ---- */

/*
 * Koan's console admits a domain's lines from a bucket of 16 KiB that
 * refills at 6.4 KB/s, and drops what does not fit.  Long logs therefore
 * keep their own, smaller bucket -- 12 KB refilling at 4 KB/s -- and wait
 * for it, if the system test said how fast the TSC runs
 * (`fuzz-tsc-mhz=N`; under TCG the host's rate).  Without it: no waiting.
 */
#define PACE_BYTES_PER_S 4000
#define PACE_CAP 12000

static struct {
	unsigned long mhz;
	uint64_t last;		/* TSC when the bucket was last topped up */
	uint64_t credit;	/* bytes */
	bool started;
} pace;

static void pace_refill(void)
{
	uint64_t now = tsc_read(), ticks_per_byte = pace.mhz * 1000000 / PACE_BYTES_PER_S;
	uint64_t earned = (now - pace.last) / ticks_per_byte;

	if (earned) {
		pace.credit = MIN(PACE_CAP, pace.credit + earned);
		pace.last += earned * ticks_per_byte;
	}
}

/* Wait until a line of `bytes` fits the bucket, then take them out. */
static void pace_line(size_t bytes)
{
	if (!pace.started) {
		pace.mhz = fuzz_arg("fuzz-tsc-mhz", 0);
		pace.last = tsc_read();
		pace.credit = PACE_CAP;
		pace.started = true;
	}
	if (!pace.mhz)
		return;
	for (pace_refill(); pace.credit < bytes; pace_refill())
		__asm__ volatile("pause");
	pace.credit -= bytes;
}

/* ---- the oracle log ---- */

/*
 * Compact, because Koan's console gives each domain a burst of 16 KiB and
 * 6.4 KB/s after it: a kind is one letter, announced once by
 *   fuzz-log-kind MODE SEED LETTER NAME
 * and lines stay short (Koan and Xen both split lines of 256 characters).
 */
#define TOKENS_PER_LINE 16
#define MAX_TRACED 8
#define KIND_LETTERS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
#define MAX_LOG_KINDS (sizeof(KIND_LETTERS) - 1)

static struct {
	bool on;
	const char *mode;
	unsigned long seed, next, first;
	unsigned long trace[MAX_TRACED];	/* calls to describe (0: none) */
	bool trace_all;
	unsigned int tokens;
	char line[200];
	const char *kinds[MAX_LOG_KINDS];	/* letter i names kinds[i] */
	unsigned int nr_kinds;
} lg;

/* The letter of a kind, announced the first time (0: out of letters). */
static char kind_letter(const char *kind)
{
	unsigned int i;

	for (i = 0; i < lg.nr_kinds; i++)
		if (lg.kinds[i] == kind || !strcmp(lg.kinds[i], kind))
			return KIND_LETTERS[i];
	if (lg.nr_kinds == MAX_LOG_KINDS)
		return 0;
	lg.kinds[lg.nr_kinds] = kind;
	guest_printf("fuzz-log-kind %s %lu %c %s\n", lg.mode, lg.seed,
		     KIND_LETTERS[lg.nr_kinds], kind);
	return KIND_LETTERS[lg.nr_kinds++];
}

/* `fuzz-trace=I,J,...`: the calls to describe. */
static void read_trace_list(void)
{
	char value[96];
	const char *p;
	unsigned int n = 0;

	if (!guest_cmdline_value("fuzz-trace", value, sizeof(value)))
		return;
	if (!strcmp(value, "all")) {
		lg.trace_all = true;
		return;
	}
	for (p = value; *p && n < MAX_TRACED; p += *p == ',') {
		unsigned long v = 0;

		for (; *p >= '0' && *p <= '9'; p++)
			v = v * 10 + (unsigned long)(*p - '0');
		lg.trace[n++] = v;
		if (*p && *p != ',')
			break;
	}
}

void fuzz_log_start(const char *mode, unsigned long seed)
{
	memset(&lg, 0, sizeof(lg));
	lg.on = true;
	lg.mode = mode;
	lg.seed = seed;
	lg.next = lg.first = 1;
	read_trace_list();
}

bool fuzz_tracing(void)
{
	unsigned int i;

	if (lg.on && lg.trace_all)
		return true;
	for (i = 0; lg.on && i < MAX_TRACED; i++)
		if (lg.trace[i] == lg.next)
			return true;
	return false;
}

void fuzz_trace(const char *fmt, ...)
{
	char text[160];
	va_list ap;

	if (!fuzz_tracing())
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	pace_line(strlen(text) + 32);
	guest_printf("fuzz-trace %s %lu: %s\n", lg.mode, lg.next, text);
}

bool fuzz_logging(void)
{
	return lg.on;
}

static void log_token(const char *token)
{
	size_t n = strlen(lg.line);

	if (n + strlen(token) + 2 > sizeof(lg.line)) {
		fuzz_log_end();	/* a token is never split across lines */
		n = 0;
	}
	if (!lg.tokens)
		lg.first = lg.next;
	snprintf(lg.line + n, sizeof(lg.line) - n, " %s", token);
	lg.next++;
	if (++lg.tokens == TOKENS_PER_LINE)
		fuzz_log_end();
}

void fuzz_log(const char *kind, long rc, const char *detail)
{
	char token[120];

	if (!lg.on)
		return;
	if (detail)
		snprintf(token, sizeof(token), "%c%ld/%s", kind_letter(kind), rc, detail);
	else if (rc >= 0 && rc <= 9)
		snprintf(token, sizeof(token), "%c%c", kind_letter(kind), (char)('0' + rc));
	else if (rc < 0 && rc >= -26)	/* the common errnos: one letter */
		snprintf(token, sizeof(token), "%c%c", kind_letter(kind),
			 (char)('a' - 1 - rc));
	else
		snprintf(token, sizeof(token), "%c%ld", kind_letter(kind), rc);
	log_token(token);
}

void fuzz_log_uncomparable(const char *kind)
{
	char token[4] = { kind_letter(kind), '~', 0 };

	if (lg.on)
		log_token(token);
}

void fuzz_log_end(void)
{
	if (lg.on && lg.tokens) {
		pace_line(strlen(lg.line) + 32);
		guest_printf("fuzz-log %s %lu %lu:%s\n", lg.mode, lg.seed, lg.first,
			     lg.line);
	}
	lg.tokens = 0;
	lg.line[0] = '\0';
}

void fuzz_log_stop(void)
{
	fuzz_log_end();
	lg.on = false;
}

long fuzz_done(const char *kind, long rc, const char *detail)
{
	fuzz_count(kind, rc);
	fuzz_log(kind, rc, detail);
	return rc;
}
