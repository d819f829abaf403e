/* SPDX-License-Identifier: MIT */
/* Frame-table invariant checker (see include/hyp/mm_check.h). */
#include <hyp/domain.h>
#include <hyp/mm_check.h>
#include <hyp/pt.h>
#include <hyp/string.h>

#define PTE_P    1UL
#define PTE_RW   2UL
#define PTE_ADDR 0x000ffffffffff000UL

struct expect {
    uint32_t *count, *type;
    unsigned problems;
    mm_report_fn report;
};

static void problem(struct expect *x, mfn_t mfn, const char *what, uint64_t want, uint64_t got)
{
    x->problems++;
    if (x->report)
        x->report(mfn, what, want, got);
}

static bool is_domain_owner(domid_t owner)
{
    return owner < DOMID_FIRST_RESERVED;
}

static void count_l1_entry(struct expect *x, mfn_t table, uint64_t e)
{
    mfn_t t = (e & PTE_ADDR) >> 12;

    if (!mfn_valid(t) || mfn_to_page(t)->owner == DOMID_IO)
        return;
    x->count[t]++;
    if (e & PTE_RW) {
        x->type[t]++;
        if (mfn_to_page(t)->type != PGT_writable)
            problem(x, table, "writable L1 entry to a frame not typed writable", t, mfn_to_page(t)->type);
    }
}

/* A dying domain's teardown devalidates tables that others still reference. */
static bool owner_dying(const struct page_info *pg)
{
    const struct domain *d = domain_from_id(pg->owner);

    return d && d->state != DOMAIN_RUNNING;
}

static void count_upper_entry(struct expect *x, mfn_t table, unsigned level, uint64_t e)
{
    mfn_t t = (e & PTE_ADDR) >> 12;

    if (t == table)
        return;   /* linear self-map: no reference */
    if (!mfn_valid(t)) {
        problem(x, table, "entry to an invalid frame", 0, t);
        return;
    }
    struct page_info *pg = mfn_to_page(t);
    x->count[t]++;
    x->type[t]++;
    bool ok = (pg->type == level - 1 || (pg->type == level && !(e & PTE_RW))) &&
              ((pg->flags & PGF_validated) || owner_dying(pg));
    if (!ok)
        problem(x, table, "entry to a frame of the wrong or unvalidated type", level - 1, pg->type);
}

/* The first nr entries of a table hold references (all 512 once validated). */
static void count_table(struct expect *x, mfn_t mfn, unsigned level, unsigned nr)
{
    const uint64_t *t = pt_map_frame(mfn);

    for (unsigned i = 0; i < nr; i++) {
        if ((level == 4 && !pt_is_guest_l4_slot(i)) || !(t[i] & PTE_P))
            continue;
        if (level == 1)
            count_l1_entry(x, mfn, t[i]);
        else
            count_upper_entry(x, mfn, level, t[i]);
    }
}

static void count_frame(struct expect *x, mfn_t m)
{
    const struct page_info *pg = mfn_to_page(m);

    if (pg->owner == DOMID_XEN)
        return;   /* hypervisor pages shared read-only (the M2P): not the guests' */
    if (!is_domain_owner(pg->owner)) {
        if (pg->count || pg->type_count)
            problem(x, m, "unowned frame with references", 0, pg->count);
        return;
    }
    x->count[m] += !!(pg->flags & PGF_allocated);
    x->count[m] += !!(pg->flags & PGF_pinned);
    x->count[m] += !!(pg->flags & PGF_partial);   /* a half-done table holds itself */
    x->count[m] += !!(pg->flags & PGF_queued);    /* so does the devalidation queue */
    x->type[m] += !!(pg->flags & PGF_pinned);
    x->type[m] += !!(pg->flags & PGF_xen_shared);
    if (page_type_is_table(pg->type) && (pg->flags & PGF_validated))
        count_table(x, m, pg->type, 512);
    else if (page_type_is_table(pg->type) && (pg->flags & PGF_partial))
        count_table(x, m, pg->type, pg->nr_valid);
    if (page_type_is_table(pg->type) && pg->type_count &&
        !(pg->flags & (PGF_validated | PGF_partial)) && !owner_dying(pg))
        problem(x, m, "table in use but not validated", 1, 0);
    if ((pg->flags & PGF_partial) && !page_type_is_table(pg->type))
        problem(x, m, "partial frame that is not a table", 1, pg->type);
}

unsigned mm_check_frames(const mfn_t *roots, unsigned nr_roots, uint32_t *scratch,
                         mm_report_fn report)
{
    struct expect x = { scratch, scratch + frame_table_frames, 0, report };

    memset(scratch, 0, 2 * frame_table_frames * sizeof(uint32_t));
    for (mfn_t m = 0; m < frame_table_frames; m++)
        count_frame(&x, m);
    for (unsigned i = 0; i < nr_roots; i++) {
        if (!mfn_valid(roots[i])) {
            problem(&x, roots[i], "base pointer to an invalid frame", 0, 0);
            continue;
        }
        x.count[roots[i]]++;
        x.type[roots[i]]++;
    }
    for (mfn_t m = 0; m < frame_table_frames; m++) {
        const struct page_info *pg = mfn_to_page(m);
        if (!is_domain_owner(pg->owner))
            continue;
        if (x.count[m] != pg->count)
            problem(&x, m, "reference count", x.count[m], pg->count);
        if (x.type[m] != pg->type_count)
            problem(&x, m, "type count", x.type[m], pg->type_count);
    }
    return x.problems;
}
