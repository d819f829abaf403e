/* SPDX-License-Identifier: MIT */
/*
 * Koan's debug hypercall (number KOAN_HYPERCALL_debug, Xen's unused
 * arch-specific slot 7; Xen answers -ENOSYS there).
 *   KOAN_DEBUG_check_frames: run the memory invariant checker
 *   (include/hyp/mm_check.h) over the whole machine; returns 0 if
 *   consistent, else the number of problems (the first few are logged).
 * The check walks every frame and every validated table in one go, with
 * the other CPUs parked (smp_park_others), interrupts off and no
 * preemption point -- about 10 ms under TCG for a
 * 512 MiB machine with two 32 MiB domains -- so only dom0 may ask: any
 * other domain gets -EPERM (not -ENOSYS: the number is Koan's, and a guest
 * may still tell Koan from Xen by it).
 */
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/smp.h>
#include <asm/x86.h>
#include <hyp/console.h>
#include <hyp/domain.h>
#include <hyp/domain_table.h>
#include <hyp/errno.h>
#include <hyp/frame.h>
#include <hyp/mm_check.h>
#include <hyp/pv.h>

#define REPORTS_LOGGED 16

static unsigned reports;

static void report_problem(mfn_t mfn, const char *what, uint64_t expected, uint64_t actual)
{
    if (reports++ < REPORTS_LOGGED)
        log_error("frame check: mfn %#lx: %s: expected %#lx, found %#lx\n", mfn, what,
                  expected, actual);
}

/* The domains to check: every record in use, at most `room` (the others are parked). */
static unsigned domains_in_use(struct domain **out, unsigned room)
{
    struct domain *d;
    unsigned n = 0;

    for_each_domain_record(d)
        if (n < room && d->state != DOMAIN_FREE)
            out[n++] = d;
    return n;
}

static long check_frames(void)
{
    /* Room for every record: none is made while dom0 runs (domains are made at boot). */
    unsigned room = domain_table_records();
    uint64_t bytes = room * sizeof(struct domain *) +
                     MM_CHECK_SCRATCH_WORDS(frame_table_frames, room) * sizeof(uint32_t);
    uint64_t pages = ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE;
    struct mm_check_env env = {
        .alloc = machine_frame_allocator(), .running = current_vcpu(), .cr3 = read_cr3(),
        .report = report_problem,
    };
    mfn_t first;

    /* Scratch from the allocator and back (a kept buffer would count as a
     * leak), not zeroed here: the checker clears what it uses. */
    if (machine_frames_alloc_contig(pages, 1, &first) < 0)
        return -ENOMEM;
    struct domain **domains = mfn_to_virt(first);
    env.domains = domains;
    env.scratch = (uint32_t *)(domains + room);
    smp_park_others();   /* the other CPUs would change what is counted */
    env.nr_domains = domains_in_use(domains, room);
    reports = 0;
    unsigned problems = mm_check_machine(&env);
    smp_unpark_others();
    machine_frames_free(first, pages);
    if (reports > REPORTS_LOGGED)
        log_error("frame check: %u more problems not shown\n", reports - REPORTS_LOGGED);
    return problems;
}

long do_koan_debug_op(uint64_t cmd, uint64_t arg)
{
    if (!current_domain()->is_dom0)
        return -EPERM;
    switch (cmd) {
    case KOAN_DEBUG_check_frames:
        return check_frames();
    default:
        return -ENOSYS;
    }
}
