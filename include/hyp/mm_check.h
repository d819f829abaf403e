/* SPDX-License-Identifier: MIT */
/*
 * The memory invariant checker.  It recomputes, from scratch and from the
 * tables themselves, what the frame table should say, and compares:
 *  - every frame's general and type reference counts (ownership, pins,
 *    base pointers, descriptor frames, shared hypervisor pages, and every
 *    entry of every validated page table);
 *  - who owns what a table entry points at (a table's own domain, or, for
 *    privileged owners only, another domain, I/O memory or a hypervisor
 *    frame shared read-only); never a free frame;
 *  - each level's entry flags as stored (allowed bits, Xen's adjustments)
 *    and the linear-page-table counters;
 *  - the hypervisor slots 256-271 of validated L4s: the hypervisor's own
 *    entries.  (Not of former L4s: devalidation clears them, but a guest
 *    may copy a validated L4 with MMUEXT_COPY_PAGE, slots and all, into a
 *    frame that then fails to validate as an L4.)
 *  - each domain's page list against its frames, tot_pages and xen_pages,
 *    and its devalidation queue against the frames marked queued;
 *  - the frame allocator's bitmap against the frame table (no frame both
 *    free and owned or referenced) and its free count;
 *  - the running vCPU's CR3 against its base pointers, and every base
 *    pointer and GDT/LDT frame against its owner and type.
 * The checker is deliberately written apart from hyp/mm/pt.c and
 * frame_table.c: it restates their rules instead of calling them, so a bug
 * there is not repeated here.
 *
 * Tables half validated or half devalidated (PGF_partial) count the
 * references of their first nr_valid entries; a dying domain's tables may
 * be devalidated under entries that still point at them.
 *
 * Cost: one pass over the frame table, 512 entries per validated table, and
 * each domain's page list and queue: O(F + 512 T) for F frames and T validated
 * tables, no allocation (the caller gives the scratch).  It cannot be
 * preempted, so only dom0 may run it (hyp/pv/koan_debug.c).
 */
#ifndef KOAN_HYP_MM_CHECK_H
#define KOAN_HYP_MM_CHECK_H

#include <hyp/frame_alloc.h>
#include <hyp/frame_table.h>

struct domain;
struct vcpu;

typedef void (*mm_report_fn)(mfn_t mfn, const char *what, uint64_t expected, uint64_t actual);

/* Words of scratch mm_check_machine needs for `frames` frames and `domains` domains. */
#define MM_CHECK_SCRATCH_WORDS(frames, domains) (3 * (uint64_t)(frames) + 2 * (uint64_t)(domains))

/* What the whole-machine check looks at besides the frame table. */
struct mm_check_env {
    struct domain *const *domains;   /* every live or dying domain */
    unsigned nr_domains;
    const struct frame_allocator *alloc;   /* NULL: the allocator is not checked */
    const struct vcpu *running;      /* vCPU whose tables CR3 holds; NULL: no CR3 check */
    uint64_t cr3;
    uint32_t *scratch;               /* MM_CHECK_SCRATCH_WORDS(frame_table_frames, nr_domains) */
    mm_report_fn report;             /* each problem, if not NULL */
};

/* Every invariant above.  Returns the number of problems found. */
unsigned mm_check_machine(const struct mm_check_env *env);

/*
 * Only the reference counts and table-entry targets, with the base
 * pointers and descriptor frames given as roots (each holds a reference
 * and a type reference).  scratch: 2 * frame_table_frames words.  For unit
 * tests that build frame tables without domains around them.
 */
unsigned mm_check_frames(const mfn_t *roots, unsigned nr_roots, uint32_t *scratch,
                         mm_report_fn report);

#endif
