// SPDX-License-Identifier: MIT
/*
 * lmb: our own lmbench-style microbenchmarks, run inside Linux natively, as
 * Xen 4.17's dom0 and as a Koan domU (bench/lmbench.py, docs/performance.md
 * "Linux: lmbench-style rows").  Built static and put in the initramfs by
 * scripts/build-linux-images.sh, run by its /init as `koan.run="lmb ..."`.
 *
 * Usage: lmb [-p PERCENT] [-r PASSES] [ROW ...]
 *   every row (or the named ones) with its base operation count scaled by
 *   PERCENT (default 100, at least one operation), all of them PASSES
 *   times over (default 1).  Rows marked "named only" below run only when
 *   named (they answer one question and are not in `make bench`'s table).
 *
 * Each row runs a short untimed warm-up (1/16 of its operations: code,
 * data and page tables are in place before the clock starts), then its
 * operations, and prints one line:
 *   lmb: row=NAME ops=N ns=T tsc=C
 * T is CLOCK_MONOTONIC across the timed part, C the TSC across it (under
 * QEMU's -icount shift=0 the TSC counts executed instructions: those of the
 * guest and of any hypervisor below it).  Before the rows comes
 *   lmb: start rows=R passes=K percent=P cpus=N clock=NS
 * and after them `lmb: done rows=R*K clock=NS` (NS: CLOCK_MONOTONIC, so the
 * bench can hold the guest's clock against the host's).  A row that fails
 * prints `lmb: row=NAME failed`; the exit status is 0 only if none did.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <asm/prctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#define MIB (1024UL * 1024UL)
#define PAGE 4096UL
#define FAULT_REGION (4 * MIB)	/* the page-fault row touches this much per map */
#define MAP_SIZE (4 * MIB)	/* the mmap row's file and mapping */
#define MAP_STRIDE (16 * 1024UL)	/* ... read every 16 KiB, as lat_mmap does */
#define MAP_PATH "/tmp/lmb-map"
#define STAT_PATH MAP_PATH	/* stat and open: the mmap row's file */
#define COPY_SIZE (16 * MIB)	/* the copy row's buffers (each op copies 1 MiB) */
#define BURN_UNIT 1000000UL	/* one CPU-loop op: as guest/smp_words.c burn() */
#define EXEC_FLAG "--exit-at-once"

/*
 * One row: its name, base op count, the function that runs n ops, and
 * optionally what it needs before (0 if ready) and gives back after, both
 * outside the time.
 */
struct row {
	const char *name;
	unsigned long ops;
	int (*run)(unsigned long n);
	int (*prepare)(void);
	void (*finish)(void);
	int named_only;		/* runs only when named on the command line */
};

static char self_path[256];
static int zero_fd = -1, map_fd = -1;
static char *copy_src, *copy_dst;
static volatile sig_atomic_t signals_seen;

static void die(const char *what)
{
	fprintf(stderr, "lmb: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int null_syscall(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		syscall(SYS_getppid);	/* glibc caches nothing here, but be explicit */
	return 0;
}

static int stat_file(unsigned long n)
{
	struct stat st;

	for (unsigned long i = 0; i < n; i++)
		if (stat(STAT_PATH, &st))
			return -1;
	return 0;
}

static int open_close(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		int fd = open(STAT_PATH, O_RDONLY);

		if (fd < 0 || close(fd))
			return -1;
	}
	return 0;
}

static int read_zero(unsigned long n)
{
	char c;

	for (unsigned long i = 0; i < n; i++)
		if (read(zero_fd, &c, 1) != 1)
			return -1;
	return 0;
}

/* Wait for child pid; 0 if it exited with status 0. */
static int reap(pid_t pid)
{
	int status;

	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int fork_exit(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		if (reap(pid))
			return -1;
	}
	return 0;
}

/* The child execs this very program, which exits at once (see main). */
static int fork_exec(unsigned long n)
{
	char *const argv[] = { "lmb", EXEC_FLAG, NULL };
	char *const envp[] = { NULL };

	for (unsigned long i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			execve(self_path, argv, envp);
			_exit(127);
		}
		if (reap(pid))
			return -1;
	}
	return 0;
}

/*
 * Parts of a row that are set up for it but not what it measures (the page
 * fault row's mmap and munmap): their time and TSC are taken off the row's.
 */
static uint64_t untimed_ns, untimed_tsc, untimed_ns0, untimed_tsc0;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void untimed_begin(void)
{
	untimed_tsc0 = __rdtsc();
	untimed_ns0 = now_ns();
}

static void untimed_end(void)
{
	untimed_ns += now_ns() - untimed_ns0;
	untimed_tsc += __rdtsc() - untimed_tsc0;
}

/*
 * One op: the first write to a fresh anonymous 4 KiB page (the kernel
 * allocates and zeroes a page and maps it).  Each 4 MiB region's mmap and
 * munmap are left out of the time.
 */
static int page_fault(unsigned long n)
{
	unsigned long per_map = FAULT_REGION / PAGE;

	for (unsigned long done = 0; done < n; done += per_map) {
		unsigned long pages = n - done < per_map ? n - done : per_map;
		volatile char *p;

		untimed_begin();
		p = mmap(NULL, FAULT_REGION, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		/* Native Linux could fault in 2 MiB pages; a PV guest cannot. */
		if (p != MAP_FAILED)
			madvise((void *)p, FAULT_REGION, MADV_NOHUGEPAGE);
		untimed_end();
		if (p == MAP_FAILED)
			return -1;
		for (unsigned long i = 0; i < pages; i++)
			p[i * PAGE] = 1;
		untimed_begin();
		if (munmap((void *)p, FAULT_REGION))
			return -1;
		untimed_end();
	}
	return 0;
}

/*
 * One op, as lmbench's lat_mmap: map a 4 MiB file (in the page cache of
 * the initramfs's tmpfs), read one byte every 16 KiB of it, unmap.
 */
static int mmap_munmap(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		volatile char *p = mmap(NULL, MAP_SIZE, PROT_READ, MAP_SHARED, map_fd, 0);
		char sum = 0;

		if (p == MAP_FAILED)
			return -1;
		for (unsigned long off = 0; off < MAP_SIZE; off += MAP_STRIDE)
			sum += p[off];
		if (munmap((void *)p, MAP_SIZE) || sum != 0)
			return -1;
	}
	return 0;
}

/* The child's half of the ping-pong: echo each byte until EOF. */
static void pong(int in, int out)
{
	char c;

	while (read(in, &c, 1) == 1)
		if (write(out, &c, 1) != 1)
			_exit(1);
	_exit(0);
}

/* One op: a byte to a child through one pipe and back through another. */
static int pipe_pingpong(unsigned long n)
{
	int to_child[2], to_parent[2];
	pid_t pid;
	char c = 'x';
	int bad = 0;

	if (pipe(to_child) || pipe(to_parent))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(to_child[1]);
		close(to_parent[0]);
		pong(to_child[0], to_parent[1]);
	}
	close(to_child[0]);
	close(to_parent[1]);
	for (unsigned long i = 0; i < n && !bad; i++)
		bad = write(to_child[1], &c, 1) != 1 || read(to_parent[0], &c, 1) != 1;
	close(to_child[1]);
	close(to_parent[0]);
	return reap(pid) || bad ? -1 : 0;
}

static void on_signal(int sig)
{
	(void)sig;
	signals_seen++;
}

/* One op: install a handler with sigaction, then deliver a signal to it. */
static int signal_deliver(unsigned long n)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	signals_seen = 0;
	for (unsigned long i = 0; i < n; i++)
		if (sigaction(SIGUSR1, &sa, NULL) || kill(getpid(), SIGUSR1))
			return -1;
	return signals_seen == (sig_atomic_t)n ? 0 : -1;
}

static int clock_read(unsigned long n)
{
	struct timespec ts;

	for (unsigned long i = 0; i < n; i++)
		if (clock_gettime(CLOCK_MONOTONIC, &ts))
			return -1;
	return 0;
}

/*
 * The copy row's buffers exist only while it runs: every forking row would
 * otherwise copy and tear down their page tables too.  Mapped afresh each
 * time and page-aligned, as lmbench's bw_mem has them (malloc would put
 * them at another offset in their pages, where glibc's memcpy takes
 * another path, and after the first free take them from the heap: the
 * first pass differed from the others by 2x), and touched here, so the row
 * measures copying, not page faults.
 */
static char *map_buffer(void)
{
	char *p = mmap(NULL, COPY_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void copy_finish(void)
{
	if (copy_src)
		munmap(copy_src, COPY_SIZE);
	if (copy_dst)
		munmap(copy_dst, COPY_SIZE);
	copy_src = copy_dst = NULL;
}

static int copy_prepare(void)
{
	copy_src = map_buffer();
	copy_dst = map_buffer();
	if (!copy_src || !copy_dst) {
		copy_finish();
		return -1;
	}
	memset(copy_src, 0x5a, COPY_SIZE);
	memset(copy_dst, 0xa5, COPY_SIZE);
	return 0;
}

/* One op: copy 1 MiB, walking the 16 MiB buffers (memcpy as glibc has it). */
static int memory_copy(unsigned long n)
{
	unsigned long chunks = COPY_SIZE / MIB;

	for (unsigned long i = 0; i < n; i++) {
		unsigned long off = (i % chunks) * MIB;

		memcpy(copy_dst + off, copy_src + off, MIB);
	}
	/* The copies are used, so the compiler cannot drop them. */
	return memcmp(copy_dst, copy_src, MIB) ? -1 : 0;
}

/*
 * One op: read this thread's FS base and write the same value back, each
 * with arch_prctl (docs/cpu.md "FSGSBASE": what the kernel's FSGSBASE
 * instructions save it against MSR accesses, which a PV kernel traps or
 * turns into hypercalls).  The value is unchanged: glibc's TLS lives there.
 */
static int fs_base(unsigned long n)
{
	unsigned long base;

	for (unsigned long i = 0; i < n; i++)
		if (syscall(SYS_arch_prctl, ARCH_GET_FS, &base) ||
		    syscall(SYS_arch_prctl, ARCH_SET_FS, base))
			return -1;
	return 0;
}

/* One op: a million iterations of the loop bench/linux/burn.c runs. */
static int cpu_loop(unsigned long n)
{
	for (volatile unsigned long i = 0; i < n * BURN_UNIT; i++)
		;
	return 0;
}

/*
 * Base counts: each row takes 0.1-1 s as a PV guest under QEMU's TCG on the
 * development machine (0.02-0.15 s natively: a system call costs 20-35
 * times native there, docs/performance.md "Linux: lmbench-style rows"),
 * short enough that a pass often escapes the host's other load, long
 * enough for a clock in ns.
 */
static const struct row rows[] = {
	{ .name = "null_syscall", .ops = 50000, .run = null_syscall },
	{ .name = "stat", .ops = 5000, .run = stat_file },
	{ .name = "open_close", .ops = 5000, .run = open_close },
	{ .name = "read_zero", .ops = 30000, .run = read_zero },
	{ .name = "fork_exit", .ops = 50, .run = fork_exit },
	{ .name = "fork_exec", .ops = 20, .run = fork_exec },
	{ .name = "page_fault", .ops = 8192, .run = page_fault },
	{ .name = "mmap_munmap", .ops = 16, .run = mmap_munmap },
	{ .name = "pipe_pingpong", .ops = 1000, .run = pipe_pingpong },
	{ .name = "signal", .ops = 2000, .run = signal_deliver },
	{ .name = "clock_gettime", .ops = 500000, .run = clock_read },
	{ .name = "memory_copy", .ops = 64, .run = memory_copy,
	  .prepare = copy_prepare, .finish = copy_finish },
	{ .name = "cpu_loop", .ops = 50, .run = cpu_loop },
	/* named only */
	{ .name = "arch_prctl", .ops = 20000, .run = fs_base, .named_only = 1 },
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

static void setup(void)
{
	ssize_t len = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);

	if (len <= 0)
		die("readlink /proc/self/exe");
	self_path[len] = '\0';
	zero_fd = open("/dev/zero", O_RDONLY);
	if (zero_fd < 0)
		die("open /dev/zero");
	map_fd = open(MAP_PATH, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (map_fd < 0 || ftruncate(map_fd, MAP_SIZE))
		die("create " MAP_PATH);
	/* Its pages exist in the page cache before the first mapping. */
	for (unsigned long off = 0; off < MAP_SIZE; off += PAGE)
		if (pwrite(map_fd, "", 1, (off_t)off) != 1)
			die("write " MAP_PATH);
}

/*
 * Flush what was printed (before the next row forks: children must not
 * repeat it) and wait until the console has sent it, so that the console's
 * interrupts do not fall into the next row's time.
 */
static void report_done(void)
{
	fflush(stdout);
	tcdrain(STDOUT_FILENO);	/* fails harmlessly when stdout is no terminal */
}

/* Warm up, run and report one row; 0 if it ran. */
static int run_row(const struct row *r, unsigned long percent)
{
	unsigned long n = r->ops * percent / 100;
	uint64_t t0, c0, t1, c1;
	int bad;

	n = n ? n : 1;
	if (r->prepare && r->prepare()) {
		printf("lmb: row=%s failed\n", r->name);
		return -1;
	}
	bad = r->run(n / 16 ? n / 16 : 1);
	untimed_ns = untimed_tsc = 0;
	t0 = now_ns();
	c0 = __rdtsc();
	bad |= r->run(n);
	c1 = __rdtsc();
	t1 = now_ns();
	t1 -= untimed_ns;
	c1 -= untimed_tsc;
	if (r->finish)
		r->finish();
	if (bad) {
		printf("lmb: row=%s failed\n", r->name);
		return -1;
	}
	printf("lmb: row=%s ops=%lu ns=%llu tsc=%llu\n", r->name, n,
	       (unsigned long long)(t1 - t0), (unsigned long long)(c1 - c0));
	report_done();
	return 0;
}

/* Whether row r is to run: every row but the named-only ones when none is named. */
static int selected(const struct row *r, int argc, char **argv, int first)
{
	if (first == argc)
		return !r->named_only;
	for (int i = first; i < argc; i++)
		if (!strcmp(argv[i], r->name))
			return 1;
	return 0;
}

/* A positive whole number, or 0 if text is not one. */
static unsigned long positive_arg(const char *text)
{
	char *end;
	unsigned long v = strtoul(text, &end, 10);

	return *text && !*end ? v : 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: lmb [-p PERCENT] [-r PASSES] [ROW ...]\n");
	return 2;
}

int main(int argc, char **argv)
{
	unsigned long percent = 100, passes = 1;
	int opt, chosen = 0, ran = 0, failed = 0;

	if (argc == 2 && !strcmp(argv[1], EXEC_FLAG))
		return 0;	/* the exec'd child of fork_exec */
	while ((opt = getopt(argc, argv, "p:r:")) != -1) {
		unsigned long v = optarg ? positive_arg(optarg) : 0;

		if (!v)
			return usage();
		if (opt == 'p')
			percent = v;
		else
			passes = v;
	}
	for (int i = optind; i < argc; i++) {
		size_t k = 0;

		while (k < NROWS && strcmp(argv[i], rows[k].name))
			k++;
		if (k == NROWS) {
			fprintf(stderr, "lmb: no row named '%s'\n", argv[i]);
			return usage();
		}
	}
	setup();
	for (size_t k = 0; k < NROWS; k++)
		chosen += selected(&rows[k], argc, argv, optind);
	printf("lmb: start rows=%d passes=%lu percent=%lu cpus=%ld clock=%llu\n",
	       chosen, passes, percent,
	       sysconf(_SC_NPROCESSORS_ONLN), (unsigned long long)now_ns());
	report_done();
	for (unsigned long pass = 0; pass < passes; pass++)
		for (size_t k = 0; k < NROWS; k++) {
			if (!selected(&rows[k], argc, argv, optind))
				continue;
			ran++;
			failed |= run_row(&rows[k], percent) != 0;
		}
	printf("lmb: done rows=%d clock=%llu\n", ran, (unsigned long long)now_ns());
	return failed;
}
