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

#endif /* GUEST_BENCH_H */
