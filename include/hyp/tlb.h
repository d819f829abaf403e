/* SPDX-License-Identifier: MIT */
/*
 * TLB shootdown: flushes that reach every CPU which may hold a translation
 * (docs/memory.md, "TLB shootdown").  This CPU is flushed directly, the
 * others by an IPI, and a flush is complete on every CPU of its mask when
 * these functions return.  Koan uses no global pages
 * and no PCIDs, so every CR3 load empties a CPU's TLB of guest entries, and
 * a CPU holds translations of a domain only while its CR3 holds the
 * domain's tables (the domain's dirty_cpus, include/hyp/domain.h).
 */
#ifndef KOAN_HYP_TLB_H
#define KOAN_HYP_TLB_H

#include <hyp/cpumask.h>
#include <hyp/types.h>

struct domain;

enum tlb_flush_kind { TLB_FLUSH_ALL_ENTRIES, TLB_FLUSH_ONE_PAGE };

/*
 * Flush the CPUs of mask (offline ones are left out): all entries, which
 * counts on the TLB-flush clock (include/hyp/tlbflush.h), or the one page
 * at va -- on this CPU; the others always flush all.  Returns the number
 * of other CPUs sent an IPI.  Uncounted: the callers below keep the
 * statistics.
 */
unsigned tlb_flush_cpus(cpumask_t mask, enum tlb_flush_kind kind, uint64_t va);

/*
 * Flush this CPU if another asked it to.  The IPI_TLB_VECTOR handler, and
 * every loop that waits with interrupts off (spin_pause, the call-function
 * waits): the CPU waited for may be waiting for this one's flush.
 */
void tlb_flush_serve(void);

/*
 * A guest's flush, for the vCPUs `target` names: UVMF_LOCAL (0) this CPU,
 * UVMF_ALL every CPU that may hold the current domain's translations, or
 * else the guest address of a vCPU bitmap (one unsigned long: bit n is
 * vCPU n; bits of vCPUs the domain does not have are ignored, as on Xen).
 * 0, or -EFAULT if the bitmap cannot be read (then nothing is flushed).
 */
long tlb_flush_vcpus(uint64_t target, enum tlb_flush_kind kind, uint64_t va);

/*
 * The hypervisor's flush before a frame whose mappings are gone is retyped:
 * this CPU, and every other that may hold a guest translation (a domain's
 * tables loaded or one of its vCPUs running) and has not flushed since.
 */
void tlb_flush_for_frame(void);
/*
 * A frame whose mappings are gone is freed (before it goes back to the
 * allocator); every allocation then calls tlb_flush_before_reuse, which
 * flushes the CPUs with guest tables that have not flushed since the
 * latest free.
 */
void tlb_frame_freed(void);
void tlb_flush_before_reuse(void);

/* ---- the masks (hyp/mm/tlb_mask.c: pure, unit-tested) ---- */

/*
 * The CPUs on which the vCPUs of d named by vcpu_bits (bit n = vCPU n) are
 * running.  A vCPU not running holds no TLB entries anywhere: every switch
 * reloads CR3.  Bits at or beyond d->max_vcpus are ignored.
 */
cpumask_t tlb_vcpus_cpus(const struct domain *d, uint64_t vcpu_bits);

/* Every CPU that may hold d's translations: its dirty_cpus and the CPUs its vCPUs run on. */
cpumask_t tlb_domain_cpus(const struct domain *d);

/* ---- statistics ---- */

struct tlb_stats {
    uint64_t flushes;       /* flushes asked for */
    uint64_t empty;         /* ... with no CPU to flush at all */
    uint64_t local_only;    /* ... with this CPU only: no IPI */
    uint64_t ipis;          /* IPIs sent: one per other CPU flushed */
};
enum tlb_source { TLB_BY_GUEST, TLB_BY_HYPERVISOR, TLB_SOURCES };
void tlb_get_stats(enum tlb_source src, struct tlb_stats *out);
/* The counters, one log line per source ("tlb: guest: ..."): at machine stop. */
void tlb_log_stats(void);

#endif
