/* SPDX-License-Identifier: MIT */
/*
 * The memory invariant checker (rules and cost in include/hyp/mm_check.h):
 * the frame-by-frame part.  One pass over the frame table counts what every
 * frame's references should be -- from its owner, its pins and flags, and
 * every entry of every validated table, whose flags, targets and owners
 * are checked on the way -- and a second pass compares.  The domain part
 * (roots, page lists, allocator, CR3) is in mm_check_domains.c.
 */
#include <asm/page.h>
#include <hyp/domain.h>
#include <hyp/grant_table.h>
#include <hyp/pt.h>
#include <hyp/string.h>

#include "mm_check_internal.h"

/* The entry flags pt.c's rules allow (restated, not shared; the bits are asm/page.h's). */
#define UPPER_ALLOWED (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY | \
                      _PAGE_AVAIL | _PAGE_AVAIL_HIGH | _PAGE_NX)
#define L1_ALLOWED    (UPPER_ALLOWED | _PAGE_GLOBAL)
#define CACHE_ATTRS   (_PAGE_PWT | _PAGE_PCD | _PAGE_PAT)

void mm_check_problem(struct checker *c, mfn_t mfn, const char *what, uint64_t want,
                      uint64_t got)
{
    c->problems++;
    if (c->report)
        c->report(mfn, what, want, got);
}

static bool is_domain_owner(domid_t owner)
{
    return owner < DOMID_FIRST_RESERVED;
}

const struct domain *mm_check_domain(struct checker *c, domid_t id)
{
    if (!c->env)
        return NULL;
    if (c->last_domain && c->last_domain->id == id)
        return c->last_domain;
    for (unsigned i = 0; i < c->env->nr_domains; i++)
        if (c->env->domains[i]->id == id)
            return c->last_domain = c->env->domains[i];
    return NULL;
}

/*
 * A dying domain's teardown devalidates tables that others (or its own
 * tables not yet reached) still reference.
 */
static bool owner_dying(struct checker *c, domid_t owner)
{
    const struct domain *d = c->env ? mm_check_domain(c, owner) : domain_from_id(owner);

    return d && d->state != DOMAIN_RUNNING;
}

static bool owner_privileged(struct checker *c, domid_t owner)
{
    const struct domain *d = mm_check_domain(c, owner);

    return d && d->privileged;
}

/* May an unprivileged towner's table map frame t of another?  A grant it mapped. */
static bool owner_has_grant(struct checker *c, domid_t towner, mfn_t t)
{
    const struct domain *d = mm_check_domain(c, towner);

    return d && grant_table_maps_frame(d, t);
}

/* Full checks only: flags, owners and privilege of an L1 entry's target. */
static void check_l1_target(struct checker *c, mfn_t table, domid_t towner, uint64_t e)
{
    mfn_t t = pte_mfn(e);
    bool priv = owner_privileged(c, towner);
    uint64_t allowed = priv ? L1_ALLOWED | CACHE_ATTRS : L1_ALLOWED;

    if (e & ~PTE_ADDR_MASK & ~allowed)
        mm_check_problem(c, table, "L1 entry with flags its owner may not use", allowed,
                         e & ~PTE_ADDR_MASK);
    if (!(e & _PAGE_USER))
        mm_check_problem(c, table, "L1 entry stored without the user bit", _PAGE_USER, e);
    if (!mfn_valid(t) || mfn_to_page(t)->owner == DOMID_IO) {
        if (!priv)
            mm_check_problem(c, table, "I/O memory mapped by an unprivileged domain", 0, t);
        return;
    }
    domid_t o = mfn_to_page(t)->owner;
    if (o == DOMID_INVALID)
        mm_check_problem(c, table, "L1 entry to a free frame", 0, t);
    else if (o == DOMID_XEN && (!priv || (e & _PAGE_RW)))
        mm_check_problem(c, table, "hypervisor frame mapped writable or unprivileged", 0, t);
    else if (is_domain_owner(o) && o != towner && !priv && !owner_has_grant(c, towner, t))
        mm_check_problem(c, table, "another domain's frame in an unprivileged table", towner, o);
    else if (is_domain_owner(o) && !mm_check_domain(c, o))
        mm_check_problem(c, table, "L1 entry to a frame of no domain", 0, o);
}

static void count_l1_entry(struct checker *c, mfn_t table, domid_t towner, uint64_t e)
{
    mfn_t t = pte_mfn(e);

    if (c->env)
        check_l1_target(c, table, towner, e);
    if (!mfn_valid(t) || mfn_to_page(t)->owner == DOMID_IO)
        return;
    c->count[t]++;
    if (e & _PAGE_RW) {
        c->type[t]++;
        if (mfn_to_page(t)->type != PGT_writable)
            mm_check_problem(c, table, "writable L1 entry to a frame not typed writable", t,
                             mfn_to_page(t)->type);
    }
}

/* Full checks only: an L2-L4 entry's stored flags. */
static void check_upper_flags(struct checker *c, mfn_t table, unsigned level, uint64_t e)
{
    if (e & ~PTE_ADDR_MASK & ~UPPER_ALLOWED)
        mm_check_problem(c, table, "L2-L4 entry with flags no guest may use", level,
                         e & ~PTE_ADDR_MASK);
    if (!(e & _PAGE_USER))
        mm_check_problem(c, table, "L2-L4 entry stored without the user bit", level, e);
    if (level == 4 && !(e & _PAGE_ACCESSED))
        mm_check_problem(c, table, "L4 entry stored without the accessed bit", level, e);
}

static void note_linear(struct checker *c, mfn_t table, mfn_t target, uint64_t e)
{
    if (e & _PAGE_RW)
        mm_check_problem(c, table, "writable linear page-table entry", 0, target);
    if ((c->linear[table] & 0xffff) != 0xffff)
        c->linear[table]++;          /* low half: linear entries this table holds */
    if ((c->linear[target] >> 16) != 0xffff)
        c->linear[target] += 1u << 16;   /* high half: uses as a linear target */
}

static void count_upper_entry(struct checker *c, mfn_t table, domid_t towner, unsigned level,
                              uint64_t e)
{
    mfn_t t = pte_mfn(e);

    if (c->env)
        check_upper_flags(c, table, level, e);
    if (t == table) {
        if (c->env && (e & _PAGE_RW))
            mm_check_problem(c, table, "writable linear self-map", level, e);
        return;   /* linear self-map: no reference */
    }
    if (!mfn_valid(t)) {
        mm_check_problem(c, table, "entry to an invalid frame", 0, t);
        return;
    }
    struct page_info *pg = mfn_to_page(t);
    c->count[t]++;
    c->type[t]++;
    bool ok = (pg->type == level - 1 || (pg->type == level && !(e & _PAGE_RW))) &&
              ((pg->flags & PGF_validated) || owner_dying(c, pg->owner));
    if (!ok)
        mm_check_problem(c, table, "entry to a frame of the wrong or unvalidated type",
                         level - 1, pg->type);
    if (!c->env)
        return;
    if (pg->owner != towner)
        mm_check_problem(c, table, "L2-L4 entry to another owner's table", towner, pg->owner);
    if (pg->type == level)
        note_linear(c, table, t, e);
}

/*
 * The entries that hold references: all 512 of a validated table, the
 * first nr_valid of a partial one (half validated, or half devalidated).
 */
static void count_table(struct checker *c, mfn_t mfn, const struct page_info *pg,
                        unsigned nr)
{
    const uint64_t *t = pt_map_frame(mfn);
    unsigned level = pg->type;
    bool validated = pg->flags & PGF_validated;

    for (unsigned i = 0; i < nr; i++) {
        if (level == 4 && !pt_is_guest_l4_slot(i)) {
            if (c->env && validated && t[i] != pt_hypervisor_l4_entry(i))
                mm_check_problem(c, mfn, "validated L4 with a wrong hypervisor slot", i, t[i]);
            continue;
        }
        if (!(t[i] & _PAGE_PRESENT))
            continue;
        if (level == 1)
            count_l1_entry(c, mfn, pg->owner, t[i]);
        else
            count_upper_entry(c, mfn, pg->owner, level, t[i]);
    }
}

/* Frames nobody owns: no references, no state, on no list. */
static void check_unowned(struct checker *c, mfn_t m, const struct page_info *pg)
{
    if (pg->count || pg->type_count) {
        mm_check_problem(c, m, "unowned frame with references", 0, pg->count);
        return;
    }
    if (c->env && pg->owner == DOMID_INVALID &&
        (pg->flags || pg->linear || pg->next != FT_NIL || pg->prev != FT_NIL ||
         pg->queue_next != FT_NIL))
        mm_check_problem(c, m, "free frame with flags, linear uses or list links left", 0,
                         pg->flags);
}

static bool allocator_says_free(const struct checker *c, mfn_t m)
{
    const struct frame_allocator *a = c->env ? c->env->alloc : NULL;

    return a && m < a->max_mfn && ((a->bitmap[m / 64] >> (m % 64)) & 1);
}

static void count_frame(struct checker *c, mfn_t m)
{
    const struct page_info *pg = mfn_to_page(m);

    if (allocator_says_free(c, m)) {
        c->free_frames++;
        if (pg->owner != DOMID_INVALID || pg->count || pg->type_count)
            mm_check_problem(c, m, "frame free in the allocator but owned or referenced", 0,
                             pg->owner);
    }
    if (pg->owner == DOMID_XEN)
        return;   /* hypervisor pages shared read-only (the M2P): not the guests' */
    if (!is_domain_owner(pg->owner)) {
        check_unowned(c, m, pg);
        return;
    }
    if (c->env)
        mm_check_note_owned(c, m, pg);
    c->count[m] += !!(pg->flags & PGF_allocated);
    c->count[m] += !!(pg->flags & PGF_pinned);
    c->count[m] += !!(pg->flags & PGF_partial);   /* a half-done table holds itself */
    c->count[m] += !!(pg->flags & PGF_queued);    /* so does the devalidation queue */
    c->type[m] += !!(pg->flags & PGF_pinned);
    c->type[m] += !!(pg->flags & PGF_xen_shared);
    if (page_type_is_table(pg->type) && (pg->flags & PGF_validated))
        count_table(c, m, pg, 512);
    else if (page_type_is_table(pg->type) && (pg->flags & PGF_partial))
        count_table(c, m, pg, pg->nr_valid);
    if (page_type_is_table(pg->type) && pg->type_count &&
        !(pg->flags & (PGF_validated | PGF_partial)) && !owner_dying(c, pg->owner))
        mm_check_problem(c, m, "table in use but not validated", 1, 0);
    if ((pg->flags & PGF_partial) && !page_type_is_table(pg->type))
        mm_check_problem(c, m, "partial frame that is not a table", 1, pg->type);
}

static void compare_linear(struct checker *c, mfn_t m, const struct page_info *pg)
{
    uint32_t holds = c->linear[m] & 0xffff, uses = c->linear[m] >> 16;

    if (holds && uses)
        mm_check_problem(c, m, "table both holds linear entries and is mapped linearly",
                         0, uses);
    if ((int32_t)holds - (int32_t)uses != pg->linear)
        mm_check_problem(c, m, "linear counter", (uint64_t)((int64_t)holds - uses),
                         (uint64_t)(int64_t)pg->linear);
}

static void compare_frames(struct checker *c)
{
    for (mfn_t m = 0; m < frame_table_frames; m++) {
        const struct page_info *pg = mfn_to_page(m);
        if (!is_domain_owner(pg->owner))
            continue;
        if (c->count[m] != pg->count)
            mm_check_problem(c, m, "reference count", c->count[m], pg->count);
        if (c->type[m] != pg->type_count)
            mm_check_problem(c, m, "type count", c->type[m], pg->type_count);
        if (c->env)
            compare_linear(c, m, pg);
    }
}

void mm_check_count_root(struct checker *c, mfn_t mfn)
{
    c->count[mfn]++;
    c->type[mfn]++;
}

/* Most frames are free and clean: one look at each of those. */
static bool clean_free_frame(const struct page_info *pg)
{
    return pg->owner == DOMID_INVALID && !pg->count && !pg->type_count && !pg->flags &&
           !pg->linear && pg->next == FT_NIL && pg->prev == FT_NIL &&
           pg->queue_next == FT_NIL;
}

void mm_check_walk_frames(struct checker *c)
{
    for (mfn_t m = 0; m < frame_table_frames; m++) {
        if (c->env && clean_free_frame(mfn_to_page(m))) {
            c->free_frames += allocator_says_free(c, m);
            continue;
        }
        count_frame(c, m);
    }
}

void mm_check_compare(struct checker *c)
{
    compare_frames(c);
}

unsigned mm_check_frames(const mfn_t *roots, unsigned nr_roots, uint32_t *scratch,
                         mm_report_fn report)
{
    struct checker c = { .count = scratch, .type = scratch + frame_table_frames,
                         .report = report };

    memset(scratch, 0, 2 * frame_table_frames * sizeof(uint32_t));
    mm_check_walk_frames(&c);
    for (unsigned i = 0; i < nr_roots; i++) {
        if (!mfn_valid(roots[i])) {
            mm_check_problem(&c, roots[i], "base pointer to an invalid frame", 0, 0);
            continue;
        }
        mm_check_count_root(&c, roots[i]);
    }
    mm_check_compare(&c);
    return c.problems;
}
