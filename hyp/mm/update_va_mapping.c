/* SPDX-License-Identifier: MIT */
/*
 * update_va_mapping: write the L1 entry that maps a virtual address in the
 * caller's current (kernel) page tables, validated like an mmu_update, then
 * flush as the flags ask.  The flags' low bits pick the flush (none, whole
 * TLB, one page); the rest is UVMF_LOCAL, UVMF_ALL, or a guest pointer to a
 * vCPU bitmap.
 *
 * The L1 is written under a type reference (it stays validated meanwhile);
 * a foreign page owner is entered (domain_mm_enter) for the call.
 */
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/x86.h>
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/frame_table.h>
#include <hyp/guest_access.h>
#include <hyp/guest_range.h>
#include <hyp/guest_walk.h>
#include <hyp/pt.h>
#include <hyp/pv.h>
#include <hyp/tlb.h>

/* The L1 table that maps va in the tables rooted at l4 (the caller checks it is one), or NULL. */
static struct page_info *find_l1_table(mfn_t l4, uint64_t va)
{
    struct guest_walk w;

    guest_walk(l4, va, &w);
    return w.l1_table ? mfn_to_page(w.l1_table) : NULL;
}

static long flush_after_update(uint64_t va, uint64_t flags)
{
    uint64_t target = flags & ~(uint64_t)UVMF_FLUSHTYPE_MASK;

    switch (flags & UVMF_FLUSHTYPE_MASK) {
    case UVMF_TLB_FLUSH:
        return tlb_flush_vcpus(target, TLB_FLUSH_ALL_ENTRIES, 0);
    case UVMF_INVLPG:
        return tlb_flush_vcpus(target, TLB_FLUSH_ONE_PAGE, va);
    default:
        return 0;
    }
}

static long update_va_mapping(uint64_t va, uint64_t val, uint64_t flags, struct domain *pg_owner)
{
    struct domain *d = current_domain();
    struct page_info *l1;
    long rc;

    if (!guest_range_ok(va, 1))
        return -EINVAL;
    if (!(l1 = find_l1_table(current_vcpu()->kernel_l4, va)))
        return -EINVAL;
    if (!get_page(l1, d))
        return -EINVAL;
    if (!get_page_type_in_use(l1, PGT_l1)) {   /* no longer a validated L1 */
        put_page(l1);
        return -EINVAL;
    }
    rc = pt_update_entry(l1, pt_index(va, 1), val, false, d, pg_owner);
    put_page_and_type(l1);
    if (rc)
        return rc;
    return flush_after_update(va, flags);
}

long do_update_va_mapping(uint64_t va, uint64_t val, uint64_t flags)
{
    return update_va_mapping(va, val, flags, current_domain());
}

long do_update_va_mapping_otherdomain(uint64_t va, uint64_t val, uint64_t flags, uint64_t domid)
{
    struct domain *d = current_domain(), *pg_owner;
    long rc = domain_get_pg_owner(d, (domid_t)domid, &pg_owner);

    if (rc)
        return rc;
    if (!domain_may_use(d, pg_owner))
        return -EPERM;
    if (pg_owner == d)
        return update_va_mapping(va, val, flags, pg_owner);
    if (!domain_mm_enter(pg_owner))
        return -ESRCH;   /* it is dying */
    rc = update_va_mapping(va, val, flags, pg_owner);
    domain_mm_exit(pg_owner);
    return rc;
}
