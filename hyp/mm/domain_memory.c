/* SPDX-License-Identifier: MIT */
/*
 * Giving a domain fresh memory: frames from the allocator, zeroed (no frame
 * reaches a guest with someone else's contents) and assigned to the domain.
 * The domain builder and the balloon (memory_op) both come through here.
 */
#include <asm/page.h>
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/frame.h>
#include <hyp/frame_table.h>
#include <hyp/string.h>

int domain_give_frames(struct domain *d, unsigned order, bool counted, mfn_t *first)
{
    uint64_t n = 1UL << order;
    int rc;

    if (counted && d->tot_pages + n > d->max_pages)
        return -ENOMEM;
    /* Single frames by next fit (fast); extents contiguous and aligned. */
    rc = order ? machine_frames_alloc_contig(n, n, first) : machine_frame_alloc(first);
    if (rc < 0)
        return -ENOMEM;
    for (uint64_t i = 0; i < n; i++) {
        memset(mfn_to_virt(*first + i), 0, PAGE_SIZE);
        if (domain_assign_page(d, *first + i, counted) < 0) {
            for (uint64_t j = i; j < n; j++)
                machine_frame_free(*first + j);
            for (uint64_t j = 0; j < i; j++)
                domain_release_page(d, *first + j);
            return -ENOMEM;
        }
    }
    return 0;
}
