/* SPDX-License-Identifier: MIT */
/*
 * Koan's debug hypercall (number KOAN_HYPERCALL_debug, Xen's unused
 * arch-specific slot 7; Xen answers -ENOSYS there).
 *   KOAN_DEBUG_check_frames: run the frame-table invariant checker over the
 *   whole machine; returns 0 if consistent, else the number of problems
 *   (each is logged).  Any domain may ask: it reveals nothing but a count.
 */
#include <hyp/console.h>
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/frame.h>
#include <hyp/mm_check.h>
#include <hyp/pv.h>

static void report_problem(mfn_t mfn, const char *what, uint64_t expected, uint64_t actual)
{
    log_error("frame check: mfn %#lx: %s: expected %lu, found %lu\n", mfn, what, expected, actual);
}

static long check_frames(void)
{
    mfn_t roots[(2 + 14 + 16) * MAX_DOMAINS];
    unsigned nr = 0;
    uint64_t pages = ALIGN_UP(2 * frame_table_frames * sizeof(uint32_t), PAGE_SIZE) / PAGE_SIZE;
    uint32_t *scratch = hyp_alloc_pages(pages);

    if (!scratch)
        return -ENOMEM;
    for (unsigned i = 0; i < MAX_DOMAINS; i++) {
        struct domain *d = domain_by_index(i);
        if (d->state == DOMAIN_FREE)
            continue;
        if (d->vcpu0.kernel_l4)
            roots[nr++] = d->vcpu0.kernel_l4;
        if (d->vcpu0.user_l4)
            roots[nr++] = d->vcpu0.user_l4;
        /* Each GDT frame also holds a reference and a (descriptor) type reference. */
        for (unsigned f = 0; f < (d->vcpu0.pv.gdt_ents + 511) / 512; f++)
            roots[nr++] = d->vcpu0.pv.gdt_frames[f];
        for (unsigned f = 0; f < 16; f++)
            if (d->vcpu0.pv.ldt_frames[f])
                roots[nr++] = d->vcpu0.pv.ldt_frames[f];
    }
    unsigned problems = mm_check_frames(roots, nr, scratch, report_problem);
    hyp_free_pages(scratch, pages);
    return problems;
}

long do_koan_debug_op(uint64_t cmd, uint64_t arg)
{
    switch (cmd) {
    case KOAN_DEBUG_check_frames:
        return check_frames();
    default:
        return -ENOSYS;
    }
}
