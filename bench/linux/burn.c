// SPDX-License-Identifier: MIT
/*
 * burn: the native-Linux side of the SMP scaling benchmark
 * (bench/smp_scaling.py, docs/performance.md "SMP").  Built static and put
 * in the initramfs by scripts/build-linux-images.sh, run by its /init as
 * `koan.run="burn P M"`.
 *
 * It forks P processes that each run M million iterations of the same
 * fixed loop as the test guest's `cpu-burn=M` (guest/smp_words.c, burn():
 * a volatile counter, so every iteration loads and stores it, at -O2 like
 * the guest), waits for all, and prints two parseable lines:
 *   burn: start, P processes, M M each, C CPUs
 *   burn: P processes, M M each, C CPUs, S.SSSSSS s
 * S is CLOCK_MONOTONIC from before the first fork to after the last wait
 * (C: the CPUs online).  Exit status 0 only if every process finished.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BURN_UNIT 1000000UL	/* as in guest/smp_words.c */

static void burn(unsigned long millions)
{
	for (volatile unsigned long i = 0; i < millions * BURN_UNIT; i++)
		;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned long positive_arg(const char *text)
{
	char *end;
	unsigned long v = strtoul(text, &end, 10);

	return *text && !*end ? v : 0;
}

/* Fork `procs` burners; the number that finished with status 0. */
static unsigned long run_burners(unsigned long procs, unsigned long millions)
{
	unsigned long started = 0, finished = 0;
	int status;

	for (; started < procs; started++) {
		pid_t pid = fork();

		if (pid == 0) {
			burn(millions);
			_exit(0);
		}
		if (pid < 0) {
			perror("burn: fork");
			break;
		}
	}
	while (wait(&status) > 0)
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			finished++;
	return finished;
}

int main(int argc, char **argv)
{
	unsigned long procs = argc == 3 ? positive_arg(argv[1]) : 0;
	unsigned long millions = argc == 3 ? positive_arg(argv[2]) : 0;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned long finished;
	double t0;

	if (!procs || !millions) {
		fprintf(stderr, "usage: burn PROCESSES MILLIONS\n");
		return 2;
	}
	printf("burn: start, %lu processes, %lu M each, %ld CPUs\n", procs, millions, cpus);
	fflush(stdout);	/* before fork: the children must not print it again */
	t0 = now_seconds();
	finished = run_burners(procs, millions);
	printf("burn: %lu processes, %lu M each, %ld CPUs, %.6f s\n", finished, millions,
	       cpus, now_seconds() - t0);
	return finished == procs ? 0 : 1;
}
