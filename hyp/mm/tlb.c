/* SPDX-License-Identifier: MIT */
/*
 * TLB shootdown (include/hyp/tlb.h, docs/memory.md "TLB shootdown"):
 * flushes of a set of CPUs -- this one directly, the others by an IPI of
 * their own (IPI_TLB_VECTOR) and a wait until each has flushed -- for what
 * guests ask (mmuext_op, update_va_mapping) and for what the hypervisor
 * needs before a frame is retyped or, once freed, reused.  Full flushes
 * are CR3 reloads (no global pages, no PCIDs) recorded on the TLB-flush
 * clock, which is also how a shootdown knows it is done.  A flush is safe anywhere, so
 * every CPU that waits with interrupts off answers shootdowns
 * (tlb_flush_serve: spin waits, call-function waits); shootdowns do not go
 * through smp_call_function, whose requests are not safe everywhere.
 * Each kind of flush is counted: how many, how many needed no IPI (the
 * mask was empty, or only this CPU), and how many IPIs went out.
 */
#include <asm/delay.h>
#include <asm/percpu.h>
#include <asm/smp.h>
#include <asm/traps.h>
#include <asm/x86.h>
#include <hyp/console.h>
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/guest_access.h>
#include <hyp/machine.h>
#include <hyp/options.h>
#include <hyp/run_queue.h>
#include <hyp/sched.h>
#include <hyp/tlb.h>
#include <hyp/tlbflush.h>
#include <hyp/work_budget.h>
#include <hyp/xen_public.h>

static struct tlb_stats stats[TLB_SOURCES];

/* ---- the flushes ---- */

#define SHOOTDOWN_ANSWER_US 1000000   /* a CPU that takes longer is stuck: panic */
/*
 * What a shootdown charges the work budget: waiting for an IPI's answer
 * costs at least as much as looking at 64 entries, so work that shoots
 * (retypes while another CPU runs a guest, a batch of *_MULTI flushes)
 * stops for a continuation sooner, and interrupts stay off no longer.
 */
#define WORK_UNITS_PER_SHOOTDOWN 64u

/* CPUs asked for a full flush that have not started it (requesters set, each CPU clears its bit). */
static cpumask_t flush_asked;

static void flush_all_here(void)
{
    tlb_time_t began = tlbflush_begin();

    write_cr3(read_cr3());
    tlbflush_end(smp_processor_id(), began);
}

static void flush_here(enum tlb_flush_kind kind, uint64_t va)
{
    if (kind == TLB_FLUSH_ONE_PAGE)
        invlpg(va);
    else
        flush_all_here();
}

void tlb_flush_serve(void)
{
    cpumask_t me = cpumask_of(smp_processor_id());

    if (!(__atomic_load_n(&flush_asked, __ATOMIC_ACQUIRE) & me))
        return;
    /* Cleared first: a request made from here on is met by the flush below. */
    __atomic_and_fetch(&flush_asked, ~me, __ATOMIC_SEQ_CST);
    flush_all_here();
}

/*
 * Flush the other CPUs of `others` and wait until each has flushed since
 * now, by the clock: its own flush of our request, or any other full flush
 * that began later (a CR3 load of the scheduler).  While waiting, answer
 * theirs: two CPUs may shoot at each other.
 */
static void shootdown(cpumask_t others)
{
    tlb_time_t stamp = tlbflush_now();
    struct time_limit limit = time_limit_us(SHOOTDOWN_ANSWER_US);
    cpumask_t left;
    unsigned cpu;

    __atomic_or_fetch(&flush_asked, others, __ATOMIC_SEQ_CST);
    for_each_cpu(cpu, others)
        ipi_send(cpu, IPI_TLB_VECTOR);
    while ((left = tlbflush_not_since(others, stamp)) != 0) {
        if (time_limit_passed(&limit))
            panic("tlb: CPU%u did not answer a shootdown in %u ms\n", cpumask_first(left),
                  SHOOTDOWN_ANSWER_US / 1000);
        tlb_flush_serve();
        cpu_relax();
    }
}

unsigned tlb_flush_cpus(cpumask_t mask, enum tlb_flush_kind kind, uint64_t va)
{
    cpumask_t self = cpumask_of(smp_processor_id());
    cpumask_t others = mask & ~self & cpu_online_now();

    if (mask & self)
        flush_here(kind, va);
    if (!others)
        return 0;
    shootdown(others);   /* one page or all: the other CPUs flush all */
    (void)work_budget_charge(WORK_UNITS_PER_SHOOTDOWN);   /* the caller stops at its next check */
    return cpumask_weight(others);
}

/* Flush mask and count it under src. */
static void flush_counted(enum tlb_source src, cpumask_t mask, enum tlb_flush_kind kind,
                          uint64_t va)
{
    struct tlb_stats *s = &stats[src];
    cpumask_t self = cpumask_of(smp_processor_id());

    mask &= cpu_online_now() | self;
    __atomic_add_fetch(&s->flushes, 1, __ATOMIC_RELAXED);
    if (!mask)
        __atomic_add_fetch(&s->empty, 1, __ATOMIC_RELAXED);
    else if (mask == self)
        __atomic_add_fetch(&s->local_only, 1, __ATOMIC_RELAXED);
    unsigned sent = tlb_flush_cpus(mask, kind, va);
    __atomic_add_fetch(&s->ipis, sent, __ATOMIC_RELAXED);
}

/* ---- guests' flushes ---- */

/* The CPUs a guest's flush of `target` (not UVMF_LOCAL) must reach, or -EFAULT via *rc. */
static cpumask_t guest_target_cpus(const struct domain *d, uint64_t target, long *rc)
{
    cpumask_t self = cpumask_of(smp_processor_id());
    uint64_t vcpu_bits;

    *rc = 0;
    if (target == UVMF_ALL)
        return tlb_domain_cpus(d) | self;   /* self: the caller runs d here */
    /* A 64-bit guest's bitmap is unsigned longs; d has at most 64 vCPUs: one. */
    if (copy_from_guest(&vcpu_bits, target, sizeof(vcpu_bits))) {
        *rc = -EFAULT;
        return 0;
    }
    return tlb_vcpus_cpus(d, vcpu_bits);
}

long tlb_flush_vcpus(uint64_t target, enum tlb_flush_kind kind, uint64_t va)
{
    long rc;

    if (target == UVMF_LOCAL) {
        /* The common case, on every guest page-table change: no other CPU to look at. */
        __atomic_add_fetch(&stats[TLB_BY_GUEST].flushes, 1, __ATOMIC_RELAXED);
        __atomic_add_fetch(&stats[TLB_BY_GUEST].local_only, 1, __ATOMIC_RELAXED);
        flush_here(kind, va);
        return 0;
    }

    /* The entries the guest changed are visible to every CPU before we look who runs it. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    cpumask_t mask = guest_target_cpus(current_domain(), target, &rc);
    if (rc)
        return rc;
    /* selftest=tlb-local-only: the flush as it was on one CPU (a missing shootdown on purpose). */
    if (koan_options.selftest_tlb_local_only)
        mask &= cpumask_of(smp_processor_id());
    flush_counted(TLB_BY_GUEST, mask, kind, va);
    return 0;
}

/* ---- the hypervisor's flushes ---- */

/*
 * The CPUs whose TLB may hold a guest translation: those with some
 * domain's tables in CR3 (their run queue's cr3_domain), or with a vCPU
 * loaded (cpu_info.current).  A CPU on the idle tables since its last
 * flush holds none (the hypervisor's own mappings of guest frames, the
 * direct map, never change).  The scheduler sets `current` before it
 * loads a guest's CR3 and clears cr3_domain only after loading the idle
 * tables, so one of the two covers every moment a guest's tables are
 * loaded; each CR3 load is serialising, so a CPU that loads guest tables
 * after our fence (tlb_flush_for_frame) sees the caller's changes.  One
 * look per CPU, however many domains there are.
 */
static cpumask_t cpus_with_guest_tables(cpumask_t cpus)
{
    cpumask_t out = 0;
    unsigned cpu;

    for_each_cpu(cpu, cpus)
        if (__atomic_load_n(&sched_run_queues[cpu].cr3_domain, __ATOMIC_SEQ_CST) ||
            __atomic_load_n(&cpu_info_of(cpu)->current, __ATOMIC_SEQ_CST))
            out |= cpumask_of(cpu);
    return out;
}

void tlb_flush_for_frame(void)
{
    cpumask_t self = cpumask_of(smp_processor_id());

    /*
     * The frame's last mapping is gone (the caller's stores are visible
     * from here on).  Any CPU that loads guest tables from now on sees
     * that; of the others, a CPU whose flush began after this stamp cannot
     * hold the frame either (without a stamp kept per frame, that is
     * rarely one).  This CPU is always flushed, as on one CPU.
     */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    tlb_time_t stamp = tlbflush_now();
    cpumask_t others = tlbflush_filter(cpus_with_guest_tables(cpu_online_now() & ~self),
                                       stamp);
    flush_counted(TLB_BY_HYPERVISOR, others | self, TLB_FLUSH_ALL_ENTRIES, 0);
}

/*
 * Frees wait for reuse, as on Xen: a freed frame is harmless until it is
 * given out again, so instead of a shootdown per free (a teardown frees
 * thousands) the clock's time of the latest free is kept, and every
 * allocation first flushes the CPUs with guest tables that have not
 * flushed since.  One time for all frames, not one per frame (Xen's
 * tlbflush_timestamp): an allocation after any free pays, but only once,
 * as the flush moves those CPUs past it.
 */
static tlb_time_t last_free;

void tlb_frame_freed(void)
{
    /* Its last mapping is gone: a CPU that flushes from now on cannot hold it. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    tlb_time_t now = tlbflush_now();
    tlb_time_t seen = __atomic_load_n(&last_free, __ATOMIC_RELAXED);

    /* Only ever forward, and before the frame is back in the allocator. */
    while (seen < now &&
           !__atomic_compare_exchange_n(&last_free, &seen, now, false, __ATOMIC_SEQ_CST,
                                        __ATOMIC_RELAXED))
        ;
}

void tlb_flush_before_reuse(void)
{
    cpumask_t self = cpumask_of(smp_processor_id());

    /* The frame just taken was freed no later than this (the allocator published it after). */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    tlb_time_t freed = __atomic_load_n(&last_free, __ATOMIC_SEQ_CST);
    cpumask_t need = tlbflush_filter(cpus_with_guest_tables(cpu_online_now() | self),
                                     freed);
    flush_counted(TLB_BY_HYPERVISOR, need, TLB_FLUSH_ALL_ENTRIES, 0);
}

/* ---- statistics ---- */

void tlb_get_stats(enum tlb_source src, struct tlb_stats *out)
{
    const struct tlb_stats *s = &stats[src];

    out->flushes = __atomic_load_n(&s->flushes, __ATOMIC_RELAXED);
    out->empty = __atomic_load_n(&s->empty, __ATOMIC_RELAXED);
    out->local_only = __atomic_load_n(&s->local_only, __ATOMIC_RELAXED);
    out->ipis = __atomic_load_n(&s->ipis, __ATOMIC_RELAXED);
}

void tlb_log_stats(void)
{
    static const char *const names[TLB_SOURCES] = { "guest", "hypervisor" };

    for (unsigned src = 0; src < TLB_SOURCES; src++) {
        struct tlb_stats s;
        tlb_get_stats(src, &s);
        log_info("tlb: %s: %lu flushes, %lu avoided (mask empty %lu, only this CPU %lu), "
                 "%lu IPIs\n", names[src], s.flushes, s.empty + s.local_only, s.empty,
                 s.local_only, s.ipis);
    }
}
