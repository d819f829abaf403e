/* SPDX-License-Identifier: MIT */
/*
 * The references map handles hold (device mappings: a reference, and a
 * writable type reference unless read-only), for the memory invariant
 * checker (hyp/mm/mm_check_domains.c).  Reads without locks: the checker
 * runs on a quiet machine.  Host mappings' references are their PTEs',
 * which the checker counts with the tables; it asks here whether an
 * unprivileged domain's entry naming another's frame is a grant's.
 */
#include <hyp/domain.h>
#include <hyp/grant_table.h>

#include "grant_table_internal.h"

void grant_table_each_ref(const struct domain *d, void (*fn)(void *ctx, mfn_t mfn, bool writable),
                          void *ctx)
{
    const struct grant_table *gt = d->grant_table;

    if (!gt || !gt->maptrack)
        return;
    for (uint32_t h = 0; h < gt->maptrack_limit; h++) {
        const struct grant_mapping *m = maptrack_entry(gt, h);
        if ((m->flags & GNTMAP_device_map) && !(m->flags & GNTMAP_BUSY))
            fn(ctx, m->mfn, !(m->flags & GNTMAP_readonly));
    }
}

bool grant_table_maps_frame(const struct domain *d, mfn_t mfn)
{
    const struct grant_table *gt = d->grant_table;

    /* A dying domain's handles go before its tables: then nobody knows. */
    if (!gt)
        return d->state != DOMAIN_RUNNING;
    if (!gt->maptrack)
        return false;
    for (uint32_t h = 0; h < gt->maptrack_limit; h++) {
        const struct grant_mapping *m = maptrack_entry(gt, h);
        if ((m->flags & GNTMAP_host_map) && m->mfn == mfn)
            return true;
    }
    return false;
}
