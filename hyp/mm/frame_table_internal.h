/* SPDX-License-Identifier: MIT */
/*
 * What hyp/mm/frame_table.c (references, types, validation states) and
 * hyp/mm/domain_pages.c (page lists, assignment, teardown) share, and
 * nobody else should use.
 */
#ifndef KOAN_HYP_MM_FRAME_TABLE_INTERNAL_H
#define KOAN_HYP_MM_FRAME_TABLE_INTERNAL_H

#include <hyp/domain.h>
#include <hyp/frame_table.h>

/* Set or clear flags of the type word atomically; the flags as they were. */
static inline unsigned page_flags_set(struct page_info *pg, unsigned f)
{
    return pgi_flags(atomic_fetch_or64(&pg->type_info, PGI_FLAG(f)));
}
static inline unsigned page_flags_clear(struct page_info *pg, unsigned f)
{
    return pgi_flags(atomic_fetch_and64(&pg->type_info, ~PGI_FLAG(f)));
}

/* Is d running (not dying, not free)?  An atomic read: other CPUs kill domains. */
static inline bool domain_running(const struct domain *d)
{
    return atomic_read(&d->state) == DOMAIN_RUNNING;
}

/*
 * One more general reference if the frame has any, whoever owns it (the
 * teardown's walk over a page list it holds the lock of).
 */
bool page_get_ref_if_live(struct page_info *pg);
/* The last reference went (frame_table.c): off the owner's list, to the allocator. */
void free_domain_page(struct page_info *pg);
/* The teardown: queue table pg of dying d for devalidation, whoever still uses it. */
void frame_table_force_devalidate(struct domain *d, struct page_info *pg);

#endif
