/* SPDX-License-Identifier: MIT */
/*
 * mmu_update: a batch of page-table writes and M2P updates, each validated
 * (hyp/mm/pt.c), stopping at the first failure.  Requests are 16 bytes:
 * `ptr` = machine address of the entry with the command in its low 3 bits,
 * `val` = the new entry (or the pfn for MMU_MACHPHYS_UPDATE).  `done`
 * counts requests completed, across continuations.
 *
 * Locks (docs/memory.md, "Concurrency"): a table is written under a type
 * reference of its level, so it stays validated meanwhile; each entry
 * changes by cmpxchg.  Foreign domains are entered (domain_mm_enter) for the
 * whole call.  No lock is held across requests.
 */
#include <asm/page.h>
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/frame_table.h>
#include <hyp/guest_access.h>
#include <hyp/guest_range.h>
#include <hyp/hypercall.h>
#include <hyp/m2p.h>
#include <hyp/pt.h>
#include <hyp/pv.h>

struct mmu_ctx {
    struct domain *d;         /* the caller */
    struct domain *pt_owner;  /* whose tables are written */
    struct domain *pg_owner;  /* whose frames new L1 entries may map */
    bool flush;               /* an upper-level entry changed */
};

/* A write to a frame that is not a validated table: plain, if it may be writable. */
static long write_plain_entry(struct page_info *pg, uint64_t ptr, uint64_t val,
                              struct domain *owner)
{
    if (get_page_type(pg, PGT_writable, owner))
        return -EINVAL;
    *(volatile uint64_t *)((uint8_t *)mfn_to_virt(page_to_mfn(pg)) + (ptr & (PAGE_SIZE - 1))) = val;
    put_page_type(pg);
    return 0;
}

static long normal_update(struct mmu_ctx *c, uint64_t ptr, uint64_t val, bool preserve_ad)
{
    mfn_t mfn = ptr >> PAGE_SHIFT;
    long rc;

    if (!mfn_valid(mfn))
        return -EINVAL;
    struct page_info *pg = mfn_to_page(mfn);
    if (!get_page(pg, c->pt_owner))
        return -EINVAL;
    unsigned level = pgi_type(page_type_info(pg));
    /* A validated table in use stays one while we hold a type reference. */
    if (page_type_is_table(level) && get_page_type_in_use(pg, level)) {
        rc = pt_update_entry(pg, (ptr & (PAGE_SIZE - 1)) / 8, val, preserve_ad,
                             c->pt_owner, c->pg_owner);
        if (!rc && level != PGT_l1)
            c->flush = true;
        put_page_type(pg);
    } else {
        rc = write_plain_entry(pg, ptr, val, c->pt_owner);
    }
    put_page(pg);
    return rc;
}

static long machphys_update(struct mmu_ctx *c, uint64_t ptr, uint64_t pfn)
{
    mfn_t mfn = ptr >> PAGE_SHIFT;

    if (c->d != c->pt_owner)
        return -EPERM;
    if (!mfn_valid(mfn) || !get_page(mfn_to_page(mfn), c->pg_owner))
        return -EINVAL;
    m2p_set(mfn, pfn);
    put_page(mfn_to_page(mfn));
    return 0;
}

static long one_update(struct mmu_ctx *c, const struct mmu_update *req)
{
    unsigned cmd = req->ptr & 7;

    /* Foreign frames or tables need privilege; DOMID_IO (device memory) does not. */
    if (((c->pg_owner != c->d && c->pg_owner != &dom_io) || c->pt_owner != c->d) &&
        !c->d->privileged)
        return -EPERM;
    switch (cmd) {
    case MMU_NORMAL_PT_UPDATE:
    case MMU_PT_UPDATE_NO_TRANSLATE:
        return normal_update(c, req->ptr - cmd, req->val, false);
    case MMU_PT_UPDATE_PRESERVE_AD:
        return normal_update(c, req->ptr - cmd, req->val, true);
    case MMU_MACHPHYS_UPDATE:
        return machphys_update(c, req->ptr - cmd, req->val);
    default:
        return -ENOSYS;
    }
}

/*
 * The foreign domains a privileged caller names are entered for the call,
 * so that their teardown waits for it: false (and nothing entered) if one
 * is dying.  Others' requests naming them are refused one by one (-EPERM).
 */
static bool mmu_ctx_enter(struct mmu_ctx *c)
{
    if (!c->d->privileged)
        return true;   /* it may not use them: each request naming them is refused */
    if (c->pt_owner != c->d && !domain_mm_enter(c->pt_owner))
        return false;
    if (c->pg_owner != c->d && c->pg_owner != c->pt_owner && !domain_mm_enter(c->pg_owner)) {
        if (c->pt_owner != c->d)
            domain_mm_exit(c->pt_owner);
        return false;
    }
    return true;
}

static void mmu_ctx_exit(struct mmu_ctx *c)
{
    if (!c->d->privileged)
        return;
    if (c->pt_owner != c->d)
        domain_mm_exit(c->pt_owner);
    if (c->pg_owner != c->d && c->pg_owner != c->pt_owner)
        domain_mm_exit(c->pg_owner);
}

/* Resolve the foreigndom argument: low 16 bits page owner, high 16 bits table owner + 1. */
static long mmu_ctx_init(struct mmu_ctx *c, uint64_t foreigndom)
{
    unsigned pt_dom = (uint32_t)foreigndom >> 16;

    c->d = current_domain();
    c->pt_owner = c->d;
    c->flush = false;
    if (pt_dom && !(c->pt_owner = domain_from_id(pt_dom - 1)))
        return -ESRCH;
    return domain_get_pg_owner(c->d, (domid_t)foreigndom, &c->pg_owner);
}

long do_mmu_update(uint64_t ureqs, uint64_t count, uint64_t pdone, uint64_t foreigndom)
{
    struct batch b = { __HYPERVISOR_mmu_update, ureqs, pdone, foreigndom,
                       sizeof(struct mmu_update), 0, 0 };
    uint32_t n = batch_begin(&b, count), i;
    struct mmu_ctx c;
    struct domain *other;
    long rc;

    if (!guest_range_ok(ureqs, (uint64_t)n * sizeof(struct mmu_update)))
        return -EFAULT;
    if ((rc = mmu_ctx_init(&c, foreigndom)))
        return rc;
    if (!mmu_ctx_enter(&c))
        return -ESRCH;   /* a foreign domain is dying */
    other = c.d->privileged ? c.pt_owner : c.d;   /* whose queue we may drain */
    for (i = 0; i < n; i++) {
        struct mmu_update req;
        if (i && hypercall_preempt_check()) {
            rc = -ERESTART;
            break;
        }
        /* What earlier updates left to devalidate is done before the next one. */
        if ((rc = batch_drain(c.d, other)))
            break;
        if (copy_from_guest(&req, ureqs + (uint64_t)i * sizeof(req), sizeof(req))) {
            rc = -EFAULT;
            break;
        }
        if ((rc = one_update(&c, &req)))
            break;
    }
    if (c.flush)
        frame_table_flush_tlb();
    rc = batch_end(&b, i, batch_finish(c.d, other, rc));
    mmu_ctx_exit(&c);
    return rc;
}
