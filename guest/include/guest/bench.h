/* SPDX-License-Identifier: MIT */
/*
 * The bench suite (`suite=bench`, docs/performance.md): microbenchmarks of
 * the PV MMU hypercalls, run as cases that pass unless a hypercall fails.
 * Each prints its measurement for bench/run.py:
 *
 *   bench-begin NAME
 *   bench-end NAME unit=UNIT ops=N tsc=T
 *
 * bench/run.py timestamps those two lines as they arrive on the serial
 * line (wall clock) and reads T, the guest's TSC delta over the N
 * operations (instructions executed under QEMU's -icount shift=0).
 */
#ifndef GUEST_BENCH_H
#define GUEST_BENCH_H

#include <stdbool.h>
#include <stdint.h>

/* The scratch L4 slot of the bench suite (mm suite 1, mm_new_hierarchy 3,
 * fuzzer 4). */
#define BENCH_SLOT 6

/*
 * The pages whose L1 entries are updated: 4 L1 tables, so one mmu_update
 * batch of 2048 rewrites 8 MiB of address space (the paper's batch).
 */
#define BENCH_PAGES 2048

/* Default number of updates per benchmark (`bench-updates=N`). */
#define BENCH_DEFAULT_UPDATES 65536UL

/* The unmeasured updates before each timed loop: two passes. */
#define BENCH_WARMUP_UPDATES (2UL * BENCH_PAGES)

/*
 * Lanes (guest/bench.c): a scratch space of BENCH_PAGES pages with its own
 * L3, L2, four L1 tables and two frames, and the request array that updates
 * it.  Lane 0 (slot BENCH_SLOT) is the bench suite's; the bench-smp suite
 * gives its second vCPU lane 1, in slot BENCH_LANE1_SLOT, so two vCPUs
 * updating their lanes share no frame but the L4 neither of them writes.
 */
#define BENCH_LANES 2
#define BENCH_LANE1_SLOT 14	/* fuzz_smp uses 6 and 13, the mm suite 9 as "no L3" */

struct bench_lane;

/* Read bench-updates, set up lane 0, print bench-info (once); false on
 * failure (reason recorded). */
bool bench_ready(void);
/* Updates per benchmark (after bench_ready): whole pairs of passes, so
 * every entry ends where it started. */
unsigned long bench_updates(void);
/* Lane i, set up on first use (from vCPU 0: it takes pool frames); NULL on
 * failure (reason recorded). */
struct bench_lane *bench_lane(unsigned int i);
/* Updates first .. first+n-1 on lane l in mmu_update batches of `batch`
 * (n a multiple of it); false (test_fail) when a call fails. */
bool bench_mmu(struct bench_lane *l, unsigned long first, unsigned long n,
	       unsigned int batch);
/* Flush the local TLB and check through six pages that every entry of lane
 * l maps frame 0 again; false (test_fail naming `when`) if not. */
bool bench_lane_at_start(const struct bench_lane *l, const char *when);
/* The bench suite's mmu_<batch> case on lane 0, named `name`: warm-up,
 * bench-begin, the timed updates, bench-end, the check. */
void bench_mmu_case(const char *name, unsigned int batch);

#endif /* GUEST_BENCH_H */
