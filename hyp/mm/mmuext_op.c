/* SPDX-License-Identifier: MIT */
/*
 * mmuext_op: extended MMU operations in a batch of 24-byte entries
 * ({cmd, arg1, arg2}): pinning and unpinning page tables, new base pointers,
 * TLB maintenance, LDT base, page clearing and copying.  Stops at the first
 * failure; `done` counts entries completed across continuations.
 *
 * Locks (docs/memory.md, "Concurrency"): none of its own; pins and unpins
 * change the frame's type word atomically, and a privileged caller's
 * foreign page owner is entered (domain_mm_enter) for the whole call.
 */
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/x86.h>
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/frame_table.h>
#include <hyp/guest_access.h>
#include <hyp/guest_range.h>
#include <hyp/hypercall.h>
#include <hyp/ldt.h>
#include <hyp/pv.h>
#include <hyp/string.h>
#include <hyp/tlb.h>

#define LDT_MAX_ENTRIES 8192

static struct page_info *frame_of(mfn_t mfn)
{
    return mfn_valid(mfn) ? mfn_to_page(mfn) : NULL;
}

/* Point *slot at the L4 mfn (0 = none), taking its references, dropping the old ones. */
static long set_base_pointer(struct domain *d, mfn_t *slot, mfn_t mfn, bool load)
{
    struct page_info *pg = NULL;
    mfn_t old = *slot;
    long rc;

    if (mfn == old) {
        if (load)
            write_cr3(mfn << PAGE_SHIFT);
        return 0;
    }
    if (mfn) {
        if (!(pg = frame_of(mfn)))
            return -EINVAL;
        if ((rc = get_page_and_type(pg, d, PGT_l4)))
            return rc;
    }
    *slot = mfn;
    if (load) {
        ldt_drop_mappings(current_vcpu());   /* a new kernel L4 does, as on Xen */
        write_cr3(mfn << PAGE_SHIFT);
    }
    if (old)
        put_page_and_type(mfn_to_page(old));
    return 0;
}

static long set_ldt(struct vcpu *v, uint64_t base, uint64_t ents)
{
    /* Only the base is checked (as on Xen); each page is checked when mapped. */
    if (ents > LDT_MAX_ENTRIES ||
        (ents && ((base & (PAGE_SIZE - 1)) || !guest_range_ok(base, 1))))
        return -EINVAL;
    ldt_set(v, ents ? base : 0, ents);
    return 0;
}

static long clear_page(struct domain *pg_owner, mfn_t mfn)
{
    struct page_info *pg = frame_of(mfn);

    if (!pg || get_page_and_type(pg, pg_owner, PGT_writable))
        return -EINVAL;
    memset(mfn_to_virt(mfn), 0, PAGE_SIZE);
    put_page_and_type(pg);
    return 0;
}

static long copy_page(struct domain *pg_owner, mfn_t dst, mfn_t src)
{
    struct page_info *dpg = frame_of(dst), *spg = frame_of(src);

    if (!spg || !get_page(spg, pg_owner))
        return -EINVAL;
    if (!dpg || get_page_and_type(dpg, pg_owner, PGT_writable)) {
        put_page(spg);
        return -EINVAL;
    }
    memcpy(mfn_to_virt(dst), mfn_to_virt(src), PAGE_SIZE);
    put_page_and_type(dpg);
    put_page(spg);
    return 0;
}

static long flush_cache(struct domain *d, struct domain *pg_owner)
{
    if (pg_owner != d)
        return -EPERM;
    if (!d->privileged)
        return -EACCES;
    asm volatile("wbinvd" ::: "memory");
    return 0;
}

/* Flushes, base pointers and the LDT are about the caller itself only. */
static long own_op(struct domain *d, struct vcpu *v, const struct mmuext_op *op)
{
    uint64_t mask = (uint64_t)(uintptr_t)op->arg2.vcpumask.p;

    switch (op->cmd) {
    case MMUEXT_NEW_BASEPTR:
        /* Unlike the user one, the kernel base pointer cannot be "none". */
        if (!op->arg1.mfn)
            return -EINVAL;
        return set_base_pointer(d, &v->kernel_l4, op->arg1.mfn, true);
    case MMUEXT_NEW_USER_BASEPTR:
        return set_base_pointer(d, &v->user_l4, op->arg1.mfn, false);
    case MMUEXT_TLB_FLUSH_LOCAL:
        return tlb_flush_vcpus(UVMF_LOCAL, TLB_FLUSH_ALL_ENTRIES, 0);
    case MMUEXT_INVLPG_LOCAL:
        return tlb_flush_vcpus(UVMF_LOCAL, TLB_FLUSH_ONE_PAGE, op->arg1.linear_addr);
    case MMUEXT_TLB_FLUSH_MULTI:
        /* An unreadable vCPU mask is -EINVAL here (-EFAULT for update_va_mapping). */
        return tlb_flush_vcpus(mask, TLB_FLUSH_ALL_ENTRIES, 0) ? -EINVAL : 0;
    case MMUEXT_INVLPG_MULTI:
        return tlb_flush_vcpus(mask, TLB_FLUSH_ONE_PAGE, op->arg1.linear_addr) ? -EINVAL : 0;
    case MMUEXT_TLB_FLUSH_ALL:
        return tlb_flush_vcpus(UVMF_ALL, TLB_FLUSH_ALL_ENTRIES, 0);
    case MMUEXT_INVLPG_ALL:
        return tlb_flush_vcpus(UVMF_ALL, TLB_FLUSH_ONE_PAGE, op->arg1.linear_addr);
    case MMUEXT_FLUSH_CACHE: case MMUEXT_FLUSH_CACHE_GLOBAL:
        return flush_cache(d, d);
    default:   /* MMUEXT_SET_LDT */
        return set_ldt(v, op->arg1.linear_addr, op->arg2.nr_ents);
    }
}

/* One operation. Foreign page owners are for privileged callers only. */
static long one_op(struct domain *d, struct domain *pg_owner, const struct mmuext_op *op)
{
    struct vcpu *v = current_vcpu();

    switch (op->cmd) {
    case MMUEXT_NEW_BASEPTR: case MMUEXT_NEW_USER_BASEPTR:
    case MMUEXT_TLB_FLUSH_LOCAL: case MMUEXT_INVLPG_LOCAL:
    case MMUEXT_TLB_FLUSH_MULTI: case MMUEXT_INVLPG_MULTI:
    case MMUEXT_TLB_FLUSH_ALL: case MMUEXT_INVLPG_ALL:
    case MMUEXT_FLUSH_CACHE: case MMUEXT_FLUSH_CACHE_GLOBAL:
    case MMUEXT_SET_LDT:
        return pg_owner == d ? own_op(d, v, op) : -EPERM;
    case MMUEXT_PIN_L1_TABLE: case MMUEXT_PIN_L2_TABLE:
    case MMUEXT_PIN_L3_TABLE: case MMUEXT_PIN_L4_TABLE:
        return page_pin(pg_owner, op->arg1.mfn, op->cmd - MMUEXT_PIN_L1_TABLE + PGT_l1);
    case MMUEXT_UNPIN_TABLE:
        return page_unpin(pg_owner, op->arg1.mfn);
    case MMUEXT_CLEAR_PAGE:
        return clear_page(pg_owner, op->arg1.mfn);
    case MMUEXT_COPY_PAGE:
        return copy_page(pg_owner, op->arg1.mfn, op->arg2.src_mfn);
    case MMUEXT_MARK_SUPER: case MMUEXT_UNMARK_SUPER:
        return -EOPNOTSUPP;
    default:
        return -ENOSYS;
    }
}

long do_mmuext_op(uint64_t uops, uint64_t count, uint64_t pdone, uint64_t foreigndom)
{
    struct batch b = { __HYPERVISOR_mmuext_op, uops, pdone, foreigndom,
                       sizeof(struct mmuext_op), 0, 0 };
    uint32_t n = batch_begin(&b, count), i;
    struct domain *d = current_domain(), *pg_owner, *other;
    long rc;

    if (!guest_range_ok(uops, (uint64_t)n * sizeof(struct mmuext_op)))
        return -EFAULT;
    if ((rc = domain_get_pg_owner(d, (domid_t)foreigndom, &pg_owner)))
        return rc;
    other = domain_may_use(d, pg_owner) ? pg_owner : d;   /* whose queue we may drain */
    if (other != d && !domain_mm_enter(other))
        return -ESRCH;   /* the foreign domain is dying */
    for (i = 0; i < n; i++) {
        struct mmuext_op op;
        if (i && hypercall_preempt_check()) {
            rc = -ERESTART;
            break;
        }
        /* What earlier operations left to devalidate is done before the next one. */
        if ((rc = batch_drain(d, other)))
            break;
        if (copy_from_guest(&op, uops + (uint64_t)i * sizeof(op), sizeof(op))) {
            rc = -EFAULT;
            break;
        }
        rc = domain_may_use(d, pg_owner) ? one_op(d, pg_owner, &op) : -EPERM;
        if (rc)
            break;
    }
    rc = batch_end(&b, i, batch_finish(d, other, rc));
    if (other != d)
        domain_mm_exit(other);
    return rc;
}
