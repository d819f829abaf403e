/* SPDX-License-Identifier: MIT */
/*
 * Frame table: general references and type references of every machine
 * frame, the partial states of tables being (de)validated, the devalidation
 * queue, and pins (rules in include/hyp/frame_table.h).  Page-table
 * validation itself is in pt.c, a domain's page list and teardown in
 * domain_pages.c; this file decides *when* validation happens.
 *
 * Safe on several CPUs at once (docs/memory.md, "Concurrency"): counts and
 * the type word change by atomic read-modify-writes; whoever retypes,
 * validates or devalidates a frame holds it PGF_busy meanwhile, and who
 * needs the outcome waits for that to end.
 */
#include <hyp/descriptor.h>
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/frame_table.h>
#include <hyp/pt.h>
#include <hyp/spinlock.h>
#include <hyp/string.h>
#include <hyp/work_budget.h>

#include "frame_table_internal.h"

struct page_info *frame_table;
mfn_t frame_table_frames;

void frame_table_setup(struct page_info *table, mfn_t nr)
{
    frame_table = table;
    frame_table_frames = nr;
    for (mfn_t m = 0; m < nr; m++) {
        memset(&table[m], 0, sizeof(table[m]));
        table[m].owner = DOMID_INVALID;
        table[m].next = table[m].prev = table[m].queue_next = FT_NIL;
    }
}

void frame_table_set_io(mfn_t first, mfn_t count)
{
    for (mfn_t m = first; m < first + count && mfn_valid(m); m++)
        frame_table[m].owner = DOMID_IO;
}

/* ---- general references ---- */

bool page_get_ref_if_live(struct page_info *pg)
{
    uint32_t x = atomic_load32(&pg->count), y;

    for (;; x = y) {
        if (x == 0 || x >= PAGE_COUNT_MAX)
            return false;   /* free (or being freed), or saturated */
        if ((y = atomic_cmpxchg32(&pg->count, x, x + 1)) == x)
            return true;
    }
}

bool get_page(struct page_info *pg, const struct domain *d)
{
    if (unlikely(!d) || unlikely(!page_get_ref_if_live(pg)))
        return false;
    /*
     * Only now is the owner stable (nobody frees a referenced frame), so it
     * is checked after the increment: the frame may have been freed and
     * given to another domain just before.  So is the state: a domain
     * marked dying before our increment sees it in its teardown, one marked
     * after is seen here.  No new references to a dying domain's frames:
     * its teardown only goes down.
     */
    if (likely(page_owner(pg) == d->id && domain_running(d)))
        return true;
    put_page(pg);
    return false;
}

void put_page(struct page_info *pg)
{
    uint32_t x = atomic_fetch_add32(&pg->count, (uint32_t)-1);

    if (likely(x > 1))
        return;
    if (x == 1)
        free_domain_page(pg);
    else
        atomic_inc32(&pg->count);   /* 0: a hypervisor bug; the invariant checker reports it */
}

/* ---- the busy state: one CPU retyping or (de)validating a frame ---- */

/*
 * End our busy state: set and clear flags and drop `drop` type references
 * in the same atomic step.  A cmpxchg loop: other bits (a pin, the queue
 * flag, the ownership flag) may change meanwhile.
 */
static void busy_end(struct page_info *pg, unsigned set, unsigned clear, uint32_t drop)
{
    uint64_t x = page_type_info(pg), y;

    for (;; x = y) {
        uint64_t nx = ((x | PGI_FLAG(set)) & ~PGI_FLAG(clear | PGF_busy)) - drop;
        if ((y = atomic_cmpxchg64(&pg->type_info, x, nx)) == x)
            return;
    }
}

/* Make pg busy if it is waiting to be devalidated, once no other CPU has it busy. */
static bool busy_begin_devalidation(struct page_info *pg)
{
    uint64_t x = page_type_info(pg), y;

    for (;; x = y) {
        if (!(pgi_flags(x) & PGF_devalidating))
            return false;   /* taken up again, or finished off by whoever retyped it */
        if (pgi_flags(x) & PGF_busy) {
            spin_pause();
            y = page_type_info(pg);
            continue;
        }
        if ((y = atomic_cmpxchg64(&pg->type_info, x, x | PGI_FLAG(PGF_busy))) == x)
            return true;
    }
}

/* ---- partial tables and the devalidation queue ---- */

static void queue_push(struct domain *d, struct page_info *pg)
{
    spin_lock(&d->page_lock);
    if (!(page_flags_set(pg, PGF_queued) & PGF_queued)) {
        atomic_inc32(&pg->count);   /* the queue's reference: never freed while queued */
        pg->queue_next = d->devalidate_head;
        d->devalidate_head = (uint32_t)page_to_mfn(pg);
    }
    spin_unlock(&d->page_lock);
}

/* The next queued table with the queue's reference, now the caller's; NULL if none. */
static struct page_info *queue_pop(struct domain *d)
{
    struct page_info *pg = NULL;

    spin_lock(&d->page_lock);
    if (d->devalidate_head != FT_NIL) {
        pg = mfn_to_page(d->devalidate_head);
        d->devalidate_head = pg->queue_next;
        pg->queue_next = FT_NIL;
        page_flags_clear(pg, PGF_queued);
    }
    spin_unlock(&d->page_lock);
    return pg;
}

/*
 * A table we hold busy, just marked partial and devalidating, gives its
 * entries back later, by the drain: it holds itself while partial.
 */
static void devalidate_later(struct page_info *pg, struct domain *owner)
{
    /* A former L4 must not show the hypervisor's entries once it is writable. */
    pt_clear_hypervisor_slots(pg);
    pg->nr_valid = 512;
    atomic_inc32(&pg->count);   /* the partial state's reference (the caller holds one) */
    if (owner)
        queue_push(owner, pg);
    busy_end(pg, 0, 0, 0);
}

/* Give back every reference of a partial table we hold busy: at most 512 entries. */
static void devalidate_now(struct page_info *pg, unsigned level)
{
    pt_devalidate(pg, level, false);
    page_flags_clear(pg, PGF_partial | PGF_devalidating);
    put_page(pg);   /* the partial state's; the caller holds another */
}

int frame_table_drain(struct domain *d)
{
    struct page_info *pg;

    while ((pg = queue_pop(d))) {
        if (busy_begin_devalidation(pg)) {
            if (pt_devalidate(pg, pgi_type(page_type_info(pg)), true)) {
                queue_push(d, pg);   /* before dropping the popped reference */
                busy_end(pg, 0, 0, 0);
                put_page(pg);
                return -ERESTART;
            }
            busy_end(pg, 0, PGF_partial | PGF_devalidating, 0);
            put_page(pg);   /* the partial state's */
        }
        put_page(pg);   /* the queue's reference: may free the frame now */
    }
    return 0;
}

void frame_table_force_devalidate(struct domain *d, struct page_info *pg)
{
    uint64_t x = page_type_info(pg), y;

    for (;; x = y) {
        if (!page_type_is_table(pgi_type(x)) || !(pgi_flags(x) & (PGF_validated | PGF_partial)))
            return;
        if (pgi_flags(x) & PGF_busy) {
            spin_pause();
            y = page_type_info(pg);
            continue;
        }
        uint64_t nx = (x & ~PGI_FLAG(PGF_validated)) |
                      PGI_FLAG(PGF_partial | PGF_devalidating | PGF_busy);
        if ((y = atomic_cmpxchg64(&pg->type_info, x, nx)) == x)
            break;
    }
    if (pgi_flags(x) & PGF_validated) {
        devalidate_later(pg, d);
    } else {   /* abandoned half-way up: down it goes */
        queue_push(d, pg);
        busy_end(pg, 0, 0, 0);
    }
}

/* ---- type references ---- */

/* Types whose contents are checked when first taken (PGF_validated). */
static bool type_is_checked(unsigned type)
{
    return page_type_is_table(type) || type == PGT_seg_desc;
}

/*
 * Validate (or go on validating) table pg, which we hold busy with our
 * type reference; the busy state ends here.  0, -ERESTART (stays partial)
 * or an error (pt_validate has given every entry back).
 */
static int validate_table(struct page_info *pg, unsigned level, struct domain *d, bool partial)
{
    if (!partial) {
        pg->nr_valid = 0;
        atomic_inc32(&pg->count);   /* the partial state's reference (the caller holds one) */
        page_flags_set(pg, PGF_partial);
    }
    /* Taken up again: the drain leaves it to us now. */
    page_flags_clear(pg, PGF_devalidating);
    int rc = pt_validate(pg, level, d);
    if (rc == -ERESTART) {
        busy_end(pg, 0, 0, 1);   /* partial, and without our type reference */
        return rc;
    }
    busy_end(pg, rc ? 0 : PGF_validated, PGF_partial | PGF_devalidating, rc ? 1 : 0);
    put_page(pg);   /* the partial state's; the caller holds another */
    return rc;
}

/*
 * We took pg busy with one type reference as `type`; its type word was
 * `old` before.  Finish what the old type left, flush, validate.
 */
static int get_page_type_slow(struct page_info *pg, unsigned type, struct domain *d, uint64_t old)
{
    unsigned flags = pgi_flags(old);

    if (pgi_type(old) != type) {
        /* A half-done table is finished off first: its entries still hold references. */
        if (flags & PGF_partial)
            devalidate_now(pg, pgi_type(old));
        flags &= ~(PGF_partial | PGF_devalidating);
        /*
         * A frame becoming a table or descriptor page may still be reachable
         * through stale writable TLB entries; one becoming writable may be
         * cached as a table by the walker.  Flush on every type change.
         */
        frame_table_flush_tlb();
    }
    if (page_type_is_table(type))
        return validate_table(pg, type, d, flags & PGF_partial);
    if (type == PGT_seg_desc && !descriptor_check_page(pt_map_frame(page_to_mfn(pg)))) {
        busy_end(pg, 0, 0, 1);
        return -EINVAL;
    }
    busy_end(pg, type == PGT_seg_desc ? PGF_validated : 0, 0, 0);
    return 0;
}

/* May a reference of `type` be taken on a frame whose type word is x by a mere increment? */
static bool type_ready(uint64_t x, unsigned type)
{
    return pgi_type(x) == type &&
           (!type_is_checked(type) || (pgi_flags(x) & PGF_validated)) &&
           !(pgi_flags(x) & PGF_busy) && pgi_count(x) < PAGE_COUNT_MAX;
}

/* get_page_type when the frame is not simply in use as `type`: wait, retype, validate. */
static __attribute__((noinline)) int get_page_type_loop(struct page_info *pg, unsigned type,
                                                       struct domain *d)
{
    uint64_t x = page_type_info(pg), nx, y;
    bool ready;

    for (;; x = y) {
        uint32_t count = pgi_count(x);
        unsigned flags = pgi_flags(x);
        if (count && pgi_type(x) != type)
            return -EINVAL;   /* in use as something else (even if being set up) */
        if (flags & PGF_busy) {
            /* Another CPU is retyping or (de)validating it: its outcome decides. */
            spin_pause();
            y = page_type_info(pg);
            continue;
        }
        if (count >= PAGE_COUNT_MAX)
            return -EBUSY;
        ready = type_ready(x, type);
        if (count && !ready)
            return -EINVAL;   /* a dying domain's table, devalidated by force */
        if (ready) {
            nx = x + 1;
        } else {
            /* Count 0: the frame is ours to retype or validate, busy meanwhile. */
            nx = (x & ~(PGI_TYPE(0xff) | PGI_FLAG(pgi_type(x) != type ? PGF_validated : 0))) |
                 PGI_TYPE(type) | PGI_FLAG(PGF_busy) | 1;
        }
        if ((y = atomic_cmpxchg64(&pg->type_info, x, nx)) == x)
            break;
    }
    return ready ? 0 : get_page_type_slow(pg, type, d, x);
}

int get_page_type(struct page_info *pg, unsigned type, struct domain *d)
{
    uint64_t x = page_type_info(pg);

    /* The common case, one cmpxchg: a frame in use as `type` (or with nothing to check). */
    if (likely(type_ready(x, type)) && likely(atomic_cmpxchg64(&pg->type_info, x, x + 1) == x))
        return 0;
    return get_page_type_loop(pg, type, d);
}

void put_page_type_slow(struct page_info *pg)
{
    uint64_t x = page_type_info(pg), nx, y;
    bool last;

    for (;; x = y) {
        if (pgi_count(x) == 0)
            return;   /* a hypervisor bug; the invariant checker reports it */
        /* The last reference of a validated table: it goes partial, busy until queued. */
        last = pgi_count(x) == 1 && page_type_is_table(pgi_type(x)) &&
               (pgi_flags(x) & PGF_validated);
        nx = x - 1;
        if (last)
            nx = (nx & ~PGI_FLAG(PGF_validated)) |
                 PGI_FLAG(PGF_partial | PGF_devalidating | PGF_busy);
        if ((y = atomic_cmpxchg64(&pg->type_info, x, nx)) == x)
            break;
    }
    if (last)
        devalidate_later(pg, domain_from_id(pgi_owner(x)));
}

int get_page_and_type(struct page_info *pg, struct domain *d, unsigned type)
{
    if (!get_page(pg, d))
        return -EINVAL;
    int rc = get_page_type(pg, type, d);
    if (rc)
        put_page(pg);
    return rc;
}

void put_page_and_type(struct page_info *pg)
{
    put_page_type(pg);
    put_page(pg);
}

/* ---- pins ---- */

int page_pin(struct domain *owner, mfn_t mfn, unsigned type)
{
    struct page_info *pg;
    int rc;

    if (!mfn_valid(mfn))
        return -EINVAL;
    pg = mfn_to_page(mfn);
    if ((rc = get_page_and_type(pg, owner, type)))
        return rc;
    if (page_flags_set(pg, PGF_pinned) & PGF_pinned) {
        put_page_and_type(pg);   /* pinned already (perhaps just now, by another CPU) */
        return -EINVAL;
    }
    return 0;
}

int page_unpin(struct domain *owner, mfn_t mfn)
{
    struct page_info *pg;

    if (!mfn_valid(mfn) || !get_page(pg = mfn_to_page(mfn), owner))
        return -EINVAL;
    if (!(page_flags_clear(pg, PGF_pinned) & PGF_pinned)) {
        put_page(pg);
        return -EINVAL;
    }
    put_page_and_type(pg);
    put_page(pg);
    return 0;
}
