/* SPDX-License-Identifier: MIT */
/*
 * Page-table validation: what a present entry at each level may contain and
 * which references it holds (rules in include/hyp/pt.h).  Every entry of a
 * validated table holds exactly the references pt_get_entry_refs took for
 * it; pt_put_entry_refs gives back the same ones.
 */
#include <asm/atomic.h>
#include <asm/layout.h>
#include <asm/page.h>
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/pt.h>
#include <hyp/pte_l1tf.h>
#include <hyp/work_budget.h>

#define PTE_CACHE_ATTRS (_PAGE_PWT | _PAGE_PCD | _PAGE_PAT)

/* Flags a guest may use at every level (Xen's base set). */
#define BASE_ALLOWED (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY | \
                      _PAGE_AVAIL | _PAGE_AVAIL_HIGH | _PAGE_NX)
#define INVALID_IO_MFN (PTE_ADDR_MASK >> 12)

static uint64_t pte_flags(uint64_t e) { return e & ~PTE_ADDR_MASK; }

static uint64_t l1_allowed_flags(const struct domain *d)
{
    /* Xen 4.17 accepts bit 62 (its grant-mapping marker) from guests too. */
    uint64_t allowed = BASE_ALLOWED | _PAGE_GLOBAL;

    /* Cache attributes only for domains that may drive devices. */
    return d->privileged ? allowed | PTE_CACHE_ATTRS : allowed;
}

/*
 * The adjustments Xen makes to stored entries, so guests read back what they
 * would on Xen: the ring-3 guest kernel needs the user bit everywhere; L1
 * entries written without it are marked as guest-kernel entries, those with
 * it as global (CR4.PGE stays off, so the CPU ignores that bit here).
 */
static uint64_t adjust_entry(unsigned level, uint64_t e)
{
    if (!(e & _PAGE_PRESENT))
        return e;
    if (level == 1) {
        if (!(e & _PAGE_USER))
            e |= _PAGE_USER | _PAGE_GUEST_KERNEL;
        if (!(e & _PAGE_GUEST_KERNEL))
            e |= _PAGE_GLOBAL | _PAGE_USER;
        return e;
    }
    return e | _PAGE_USER | (level == 4 ? _PAGE_ACCESSED : 0);
}

static int get_l1_refs(uint64_t e, struct domain *d, struct domain *pg_owner)
{
    mfn_t mfn = pte_mfn(e);

    struct page_info *pg = mfn_to_page(mfn);   /* clamped: harmless before mfn_valid */

    if (pte_flags(e) & ~l1_allowed_flags(d))
        return -EINVAL;
    if (!mfn_valid(mfn) || page_owner(pg) == DOMID_IO) {
        if (pt_io_access_permitted(pg_owner, mfn) && pt_io_access_permitted(d, mfn))
            return 0;   /* I/O memory: no reference counting */
        return mfn == INVALID_IO_MFN ? -EINVAL : -EPERM;
    }
    if (!get_page(pg, pg_owner))
        return -EBUSY;
    if ((e & _PAGE_RW) && get_page_type(pg, PGT_writable, pg_owner)) {
        put_page(pg);
        return -EBUSY;
    }
    return 0;
}

static void put_l1_refs(uint64_t e)
{
    mfn_t mfn = pte_mfn(e);
    struct page_info *pg = mfn_to_page(mfn);   /* clamped: harmless before mfn_valid */

    if (!mfn_valid(mfn) || page_owner(pg) == DOMID_IO)
        return;
    if (e & _PAGE_RW)
        put_page_type(pg);
    put_page(pg);
}

/* Linear counters (frame_table.h): +1 per linear entry a table holds, -1 per use as a target. */
static uint16_t *linear_word(struct page_info *pg) { return (uint16_t *)&pg->linear; }

/* table gains a linear entry: refused if it is a linear target itself. */
static bool linear_entries_inc(struct page_info *table)
{
    uint16_t x = atomic_load16(linear_word(table)), y;

    for (;; x = y) {
        if ((int16_t)x < 0 || (int16_t)x == INT16_MAX)
            return false;
        if ((y = atomic_cmpxchg16(linear_word(table), x, (uint16_t)(x + 1))) == x)
            return true;
    }
}

/* pg becomes a linear target: refused if it holds linear entries itself. */
static bool linear_uses_inc(struct page_info *pg)
{
    uint16_t x = atomic_load16(linear_word(pg)), y;

    for (;; x = y) {
        /* (A use count at INT16_MIN would wrap to "has linear entries".) */
        if ((int16_t)x > 0 || (int16_t)x == INT16_MIN)
            return false;
        if ((y = atomic_cmpxchg16(linear_word(pg), x, (uint16_t)(x - 1))) == x)
            return true;
    }
}

/*
 * A read-only entry of a table at `level` that maps another table of the
 * same level ("linear page table"), as Xen allows: the mapped table must be
 * validated and hold no linear entries itself, and the mapping table must
 * not itself be mapped linearly.  A table mapping itself takes no reference.
 * Each counter refuses on its own (atomically), so two CPUs cannot make one
 * table both a linear target and a holder of linear entries.
 */
static int get_linear_refs(unsigned level, uint64_t e, mfn_t table_mfn, struct domain *d)
{
    mfn_t mfn = pte_mfn(e);

    if (e & _PAGE_RW)
        return -EINVAL;
    if (mfn == table_mfn)
        return 0;
    if (!mfn_valid(mfn))
        return -EINVAL;
    struct page_info *table = mfn_to_page(table_mfn), *pg = mfn_to_page(mfn);
    if (page_owner(table) != d->id || !get_page(pg, d))
        return -EINVAL;
    if (!get_page_type_in_use(pg, level)) {
        put_page(pg);
        return -EINVAL;
    }
    if (!linear_entries_inc(table)) {
        put_page_and_type(pg);
        return -EINVAL;
    }
    if (!linear_uses_inc(pg)) {
        atomic_fetch_add16(linear_word(table), (uint16_t)-1);
        put_page_and_type(pg);
        return -EINVAL;
    }
    return 0;
}

static int get_upper_refs(unsigned level, uint64_t e, mfn_t table_mfn, struct domain *d)
{
    if (pte_flags(e) & ~BASE_ALLOWED)
        return -EINVAL;
    mfn_t mfn = pte_mfn(e);
    if (!mfn_valid(mfn))
        return -EINVAL;
    int rc = get_page_and_type(mfn_to_page(mfn), d, level - 1);
    if (rc == -EINVAL && get_linear_refs(level, e, table_mfn, d) == 0)
        rc = 0;
    return rc;
}

static void put_upper_refs(unsigned level, uint64_t e, mfn_t table_mfn)
{
    mfn_t mfn = pte_mfn(e);
    struct page_info *pg = mfn_to_page(mfn);

    if (mfn == table_mfn)
        return;   /* linear self-map: nothing was taken */
    if (pgi_type(page_type_info(pg)) == level) {   /* a linear entry (its type ref keeps the type) */
        atomic_fetch_add16(linear_word(mfn_to_page(table_mfn)), (uint16_t)-1);
        atomic_fetch_add16(linear_word(pg), 1);
    }
    put_page_and_type(pg);
}

static int get_entry_refs(unsigned level, uint64_t e, mfn_t table_mfn, struct domain *d,
                          struct domain *pg_owner)
{
    return level == 1 ? get_l1_refs(e, d, pg_owner) : get_upper_refs(level, e, table_mfn, d);
}

static void put_entry_refs(unsigned level, uint64_t e, mfn_t table_mfn)
{
    if (level == 1)
        put_l1_refs(e);
    else
        put_upper_refs(level, e, table_mfn);
}

static bool slot_is_guest(unsigned level, unsigned i)
{
    return level != 4 || pt_is_guest_l4_slot(i);
}

/*
 * The first index from `from` on (below `end`) whose entry is not empty.
 * Eight entries per test where whole aligned groups fit: an empty table is
 * scanned in a few instructions per entry, not the twenty-odd of the
 * checks each entry would otherwise go through.
 */
static unsigned empty_run_end(const uint64_t *t, unsigned from, unsigned end)
{
    for (; from < end && (from & 7); from++)
        if (t[from])
            return from;
    for (; from + 8 <= end; from += 8)
        if (t[from] | t[from + 1] | t[from + 2] | t[from + 3] |
            t[from + 4] | t[from + 5] | t[from + 6] | t[from + 7])
            break;
    while (from < end && !t[from])
        from++;
    return from;
}

/* The lowest index of the run of empty entries that ends at `last` (itself empty). */
static unsigned empty_run_start(const uint64_t *t, unsigned last)
{
    for (; last > 0 && (last & 7); last--)
        if (t[last - 1])
            return last;
    for (; last >= 8; last -= 8)
        if (t[last - 8] | t[last - 7] | t[last - 6] | t[last - 5] |
            t[last - 4] | t[last - 3] | t[last - 2] | t[last - 1])
            break;
    while (last > 0 && !t[last - 1])
        last--;
    return last;
}

int pt_validate(struct page_info *pg, unsigned level, struct domain *d)
{
    mfn_t mfn = page_to_mfn(pg);
    uint64_t *t = pt_map_frame(mfn);

    for (unsigned i = pg->nr_valid; i < 512; i++) {
        /* Nobody writes a table while it is typed and busy: the entry is read once. */
        uint64_t e = t[i];
        if (!e) {
            /*
             * A run of empty entries -- most of a new table -- takes no
             * reference, stays as it is and is L1TF-safe: only its units.
             */
            unsigned end = empty_run_end(t, i + 1, 512);
            unsigned done = work_budget_charge_items(end - i);
            if (done < end - i) {
                pg->nr_valid = (uint16_t)(i + done);
                return -ERESTART;
            }
            i = end - 1;
            continue;
        }
        int rc = work_budget_charge(1) ? -ERESTART : 0;
        if (rc == 0 && slot_is_guest(level, i) && (e & _PAGE_PRESENT))
            rc = get_entry_refs(level, e, mfn, d, d);
        else if (rc == 0 && slot_is_guest(level, i))
            rc = pte_l1tf_check(d, level, e);   /* not present: L1TF (docs/security.md) */
        if (rc) {
            pg->nr_valid = (uint16_t)i;
            /* Out of budget: keep what holds; refused: give it all back. */
            if (rc != -ERESTART)
                pt_devalidate(pg, level, false);
            return rc;
        }
        if (slot_is_guest(level, i) && (e & _PAGE_PRESENT))
            t[i] = adjust_entry(level, e);
    }
    pg->nr_valid = 512;
    if (level == 4)
        for (unsigned i = HYP_SLOT_FIRST; i <= HYP_SLOT_LAST; i++)
            t[i] = pt_hypervisor_l4_entry(i);
    return 0;
}

int pt_devalidate(struct page_info *pg, unsigned level, bool budgeted)
{
    mfn_t mfn = page_to_mfn(pg);
    uint64_t *t = pt_map_frame(mfn);

    for (unsigned i = pg->nr_valid; i-- > 0;) {
        if (!t[i]) {
            /* A run of empty entries holds nothing: only its units (see pt_validate). */
            unsigned low = empty_run_start(t, i);
            unsigned n = i - low + 1;
            if (!budgeted) {
                work_budget_charge(n);
            } else {
                unsigned done = work_budget_charge_items(n);
                if (done < n) {
                    pg->nr_valid = (uint16_t)(i - done + 1);
                    return -ERESTART;
                }
            }
            i = low;
            continue;
        }
        if (work_budget_charge(1) && budgeted) {
            pg->nr_valid = (uint16_t)(i + 1);
            return -ERESTART;
        }
        if (slot_is_guest(level, i) && (t[i] & _PAGE_PRESENT))
            put_entry_refs(level, t[i], mfn);
    }
    pg->nr_valid = 0;
    return 0;
}

void pt_clear_hypervisor_slots(struct page_info *pg)
{
    if (pgi_type(page_type_info(pg)) != PGT_l4)
        return;
    uint64_t *t = pt_map_frame(page_to_mfn(pg));
    for (unsigned i = HYP_SLOT_FIRST; i <= HYP_SLOT_LAST; i++)
        t[i] = 0;
}

/*
 * Entry `index` of validated table pg becomes val (if it still holds
 * *expect, when expect is given): the new entry's references are taken
 * first, the entry swapped by cmpxchg, and what it held before given back.
 * (Inlined in both callers: without `expect` the comparison folds away.)
 */
static inline __attribute__((always_inline)) int
update_entry(struct page_info *pg, unsigned index, uint64_t val, bool preserve_ad,
             const uint64_t *expect, struct domain *d, struct domain *pg_owner)
{
    uint64_t ti = page_type_info(pg);
    unsigned level = pgi_type(ti);
    mfn_t mfn = page_to_mfn(pg);
    uint64_t *t = pt_map_frame(mfn);

    if (!page_type_is_table(level) || !(pgi_flags(ti) & PGF_validated) || index >= 512)
        return -EINVAL;
    if (!slot_is_guest(level, index))
        return -EINVAL;
    if (level > 1 && pg_owner != d)
        return -EINVAL;
    if (pte_l1tf_check(d, level, val))   /* a not-present entry: L1TF */
        return -EINVAL;
    if (val & _PAGE_PRESENT) {
        int rc = get_entry_refs(level, val, mfn, d, pg_owner);
        if (rc)
            return rc;
        val = adjust_entry(level, val);
    }
    /* The guest's other vCPUs, and the MMU setting accessed/dirty bits, may write it too. */
    uint64_t old = atomic_load64(&t[index]), y;
    for (;; old = y) {
        if (expect && old != *expect) {
            if (val & _PAGE_PRESENT)
                put_entry_refs(level, val, mfn);
            return -EAGAIN;
        }
        uint64_t nv = preserve_ad ? val | (old & (_PAGE_ACCESSED | _PAGE_DIRTY)) : val;
        if ((y = atomic_cmpxchg64(&t[index], old, nv)) == old)
            break;
    }
    if (old & _PAGE_PRESENT)
        put_entry_refs(level, old, mfn);
    return 0;
}

int pt_update_entry(struct page_info *pg, unsigned index, uint64_t val, bool preserve_ad,
                    struct domain *d, struct domain *pg_owner)
{
    return update_entry(pg, index, val, preserve_ad, NULL, d, pg_owner);
}

int pt_update_entry_if(struct page_info *pg, unsigned index, uint64_t expect, uint64_t val,
                       struct domain *d, struct domain *pg_owner)
{
    return update_entry(pg, index, val, false, &expect, d, pg_owner);
}
