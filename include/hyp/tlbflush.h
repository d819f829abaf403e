/* SPDX-License-Identifier: MIT */
/*
 * The TLB-flush clock: which CPUs may still translate through an entry
 * that is gone.
 *
 * Every full flush of a CPU's TLB (a CR3 load: Koan uses no global pages)
 * takes a new time from one machine-wide counter before it starts and
 * records it as that CPU's flush time when it is done.  A frame that stops
 * being mapped (freed, or its writable or page-table type dropped) is
 * stamped with the counter's value at that moment.  Before the frame is
 * used in a way a stale entry could break (given to another owner, or
 * retyped), only the CPUs whose flush time is not later than the stamp
 * need a flush; the others flushed after the last mapping was removed.
 *
 * The counter has 64 bits, so it never wraps (Xen's has 32 and flushes
 * every CPU when it does).  Times are taken with a full barrier, so a CPU
 * whose flush started after a stamp was read never reads as older than it.
 * Races only ever cost an extra flush, never a missed one.
 */
#ifndef KOAN_HYP_TLBFLUSH_H
#define KOAN_HYP_TLBFLUSH_H

#include <hyp/cpumask.h>
#include <hyp/types.h>

typedef uint64_t tlb_time_t;

/* A stamp for a frame whose last mapping has just gone. */
tlb_time_t tlbflush_now(void);

/* Around a full flush of this CPU's TLB: begin before, end after. */
tlb_time_t tlbflush_begin(void);
void tlbflush_end(unsigned cpu, tlb_time_t began);

/* Of the CPUs in mask, those that have not flushed since stamp. */
cpumask_t tlbflush_filter(cpumask_t mask, tlb_time_t stamp);
/* The same, not counted in the statistics: for a loop that waits for flushes. */
cpumask_t tlbflush_not_since(cpumask_t mask, tlb_time_t stamp);

/* How often a flush was asked for and how often the filter spared it. */
struct tlbflush_stats {
    uint64_t requests;       /* tlbflush_filter calls */
    uint64_t avoided;        /* ... that left no CPU to flush */
    uint64_t cpus_spared;    /* CPUs removed from masks, summed */
};
void tlbflush_get_stats(struct tlbflush_stats *out);

#endif
