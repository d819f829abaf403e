/* SPDX-License-Identifier: MIT */
/*
 * What the two halves of the invariant checker (mm_check.c: frames and
 * tables; mm_check_domains.c: domains, allocator, CR3) share.  Not for
 * anyone else: include/hyp/mm_check.h is the interface.
 */
#ifndef KOAN_HYP_MM_CHECK_INTERNAL_H
#define KOAN_HYP_MM_CHECK_INTERNAL_H

#include <hyp/domain.h>
#include <hyp/mm_check.h>

struct checker {
    uint32_t *count, *type;   /* expected references per frame */
    uint32_t *linear;         /* per frame: linear entries held (low 16), uses (high 16) */
    unsigned problems;
    mm_report_fn report;
    const struct mm_check_env *env;   /* NULL: counts and targets only */
    const struct domain *last_domain; /* mm_check_domain's one-entry cache */
    unsigned last_index;              /* domain_index's one-entry cache */
    uint32_t *owned;                  /* [nr_domains] frames seen owned, by env->domains index */
    uint32_t *queued;                 /* [nr_domains] of which PGF_queued (devalidation queue) */
    uint64_t free_frames;             /* frames the allocator calls free */
};

void mm_check_problem(struct checker *c, mfn_t mfn, const char *what, uint64_t want,
                      uint64_t got);
/* The env domain with this id, or NULL. */
const struct domain *mm_check_domain(struct checker *c, domid_t id);
/* A frame the first pass found owned by a domain (mm_check_domains.c). */
void mm_check_note_owned(struct checker *c, mfn_t mfn, const struct page_info *pg);
/* A base pointer or descriptor frame: one reference and one type reference. */
void mm_check_count_root(struct checker *c, mfn_t mfn);
/* First pass: expected counts from every frame and table. */
void mm_check_walk_frames(struct checker *c);
/* Second pass: expected against the frame table. */
void mm_check_compare(struct checker *c);

#endif
