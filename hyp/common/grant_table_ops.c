/* SPDX-License-Identifier: MIT */
/*
 * grant_table_op (hypercall 20): the guest's side of the grant table
 * (docs/grants.md).  Command and count are 32-bit, as Xen's; the bits of
 * the command above 12 carry a continuation's state (none of the v1
 * operations has any, so they must be zero).  Batches read and write each
 * operation through the guest-access helpers, check only where the array
 * starts (as Xen: an array running into unmapped memory is done up to
 * there, then -EFAULT), and continue themselves when the work budget runs
 * out.  Unmaps go by groups of 32: their PTEs go, the mapper's TLBs are
 * flushed, and only then are the granters' pins released.
 */
#include <asm/percpu.h>
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/grant_table.h>
#include <hyp/guest_access.h>
#include <hyp/guest_range.h>
#include <hyp/hypercall.h>
#include <hyp/pv.h>
#include <hyp/work_budget.h>

#include "grant_table_internal.h"

#define CMD_BITS        12   /* Xen's GNTTABOP_CONTINUATION_ARG_SHIFT */
#define UNMAP_GROUP     32   /* unmaps between two flushes (Xen's) */

#define COPY_FIELD_OUT(uop, type, op, field)                                  \
    copy_to_guest((uop) + offsetof(type, field), &(op).field, sizeof((op).field))

static long continue_batch(unsigned cmd, uint64_t uop, uint32_t left)
{
    return hypercall_create_continuation(__HYPERVISOR_grant_table_op, 3, (uint64_t)cmd, uop,
                                         (uint64_t)left);
}

static long map_batch(struct domain *d, uint64_t uop, uint32_t count)
{
    struct gnttab_map_grant_ref op;

    for (uint32_t i = 0; i < count; i++, uop += sizeof(op)) {
        if (i && hypercall_preempt_check())
            return continue_batch(GNTTABOP_map_grant_ref, uop, count - i);
        if (copy_from_guest(&op, uop, sizeof(op)))
            return -EFAULT;
        op.status = grant_map_one(d, &op);
        if (copy_to_guest(uop, &op, sizeof(op)))
            return -EFAULT;
    }
    return 0;
}

/* One group of unmaps (at most UNMAP_GROUP): -EFAULT, or how many were read. */
static long unmap_group(struct domain *d, unsigned cmd, uint64_t uop, uint32_t n)
{
    struct grant_unmap_done done[UNMAP_GROUP];
    uint32_t i;
    long rc = 0;
    bool flush = false;

    for (i = 0; i < n; i++) {
        if (cmd == GNTTABOP_unmap_grant_ref) {
            struct gnttab_unmap_grant_ref op;
            uint64_t at = uop + i * sizeof(op);
            if ((rc = copy_from_guest(&op, at, sizeof(op))))
                break;
            op.status = grant_unmap_begin(d, op.handle, op.host_addr, op.dev_bus_addr, 0,
                                          &done[i]);
            rc = COPY_FIELD_OUT(at, struct gnttab_unmap_grant_ref, op, status);
        } else {
            struct gnttab_unmap_and_replace op;
            uint64_t at = uop + i * sizeof(op);
            if ((rc = copy_from_guest(&op, at, sizeof(op))))
                break;
            op.status = grant_unmap_begin(d, op.handle, op.host_addr, 0, op.new_addr,
                                          &done[i]);
            rc = COPY_FIELD_OUT(at, struct gnttab_unmap_and_replace, op, status);
        }
        flush |= done[i].flags & GNTMAP_host_map;
        if (rc) {
            i++;
            break;
        }
    }
    /* No stale translation may reach a frame whose granter sees it unpinned. */
    if (flush)
        grant_flush_domain_tlb(d);
    for (uint32_t j = 0; j < i; j++)
        grant_unmap_finish(d, &done[j]);
    return rc ? -EFAULT : (long)i;
}

static long unmap_batch(struct domain *d, unsigned cmd, uint64_t uop, uint32_t count)
{
    size_t size = cmd == GNTTABOP_unmap_grant_ref ? sizeof(struct gnttab_unmap_grant_ref)
                                                  : sizeof(struct gnttab_unmap_and_replace);

    while (count) {
        uint32_t n = count < UNMAP_GROUP ? count : UNMAP_GROUP;
        long rc = unmap_group(d, cmd, uop, n);
        if (rc < 0)
            return rc;
        count -= n;
        uop += n * size;
        /* The group's entries cost as many batch entries (the check charges one). */
        (void)work_budget_charge((n - 1) * WORK_UNITS_PER_OP);
        if (count && hypercall_preempt_check())
            return continue_batch(cmd, uop, count);
    }
    return 0;
}

static long copy_batch(struct domain *d, uint64_t uop, uint32_t count)
{
    struct gnttab_copy op;

    for (uint32_t i = 0; i < count; i++, uop += sizeof(op)) {
        if (i && hypercall_preempt_check())
            return continue_batch(GNTTABOP_copy, uop, count - i);
        if (copy_from_guest(&op, uop, sizeof(op)))
            return -EFAULT;
        op.status = grant_copy_one(d, &op);
        if (COPY_FIELD_OUT(uop, struct gnttab_copy, op, status))
            return -EFAULT;
    }
    return 0;
}

static long transfer_batch(struct domain *d, uint64_t uop, uint32_t count)
{
    struct gnttab_transfer op;

    for (uint32_t i = 0; i < count; i++, uop += sizeof(op)) {
        if (i && hypercall_preempt_check())
            return continue_batch(GNTTABOP_transfer, uop, count - i);
        if (copy_from_guest(&op, uop, sizeof(op)))
            return -EFAULT;
        op.status = grant_transfer_one(d, &op);
        if (COPY_FIELD_OUT(uop, struct gnttab_transfer, op, status))
            return -EFAULT;
    }
    return 0;
}

/* ---- the single-structure operations ---- */

/*
 * The domain a table operation names (DOMID_SELF or any id, its own
 * included), entered: GNTST_okay, _bad_domain, or _permission_denied
 * for another's table without privilege.
 */
static int16_t table_of(struct domain *d, domid_t dom, struct domain **out)
{
    struct domain *t = domain_by_any_id(d, dom);

    if (!t || !t->grant_table)
        return GNTST_bad_domain;
    if (!domain_may_use(d, t))
        return GNTST_permission_denied;
    if (!grant_enter(d, t))
        return GNTST_bad_domain;
    *out = t;
    return GNTST_okay;
}

static long setup_table(struct domain *d, uint64_t uop, uint32_t count)
{
    struct gnttab_setup_table op;
    struct domain *t;

    if (count != 1)
        return -EINVAL;
    if (copy_from_guest(&op, uop, sizeof(op)))
        return -EFAULT;
    uint64_t list = (uint64_t)(uintptr_t)op.frame_list.p;
    if (!guest_range_ok(list, 1))
        return -EFAULT;
    if ((op.status = table_of(d, op.dom, &t)) == GNTST_okay) {
        struct grant_table *gt = t->grant_table;
        if (op.nr_frames > gt->max_frames || grant_table_grow(t, op.nr_frames))
            op.status = GNTST_general_error;
        for (uint32_t i = 0; op.status != GNTST_general_error && i < op.nr_frames; i++) {
            xen_pfn_t f = gt->frames[i];   /* below nr_frames: set for good */
            if (copy_to_guest(list + i * sizeof(f), &f, sizeof(f)))
                op.status = GNTST_bad_virt_addr;
        }
        grant_leave(d, t);
    }
    return COPY_FIELD_OUT(uop, struct gnttab_setup_table, op, status) ? -EFAULT : 0;
}

static long query_size(struct domain *d, uint64_t uop, uint32_t count)
{
    struct gnttab_query_size op;
    struct domain *t;

    if (count != 1)
        return -EINVAL;
    if (copy_from_guest(&op, uop, sizeof(op)))
        return -EFAULT;
    if ((op.status = table_of(d, op.dom, &t)) == GNTST_okay) {
        op.nr_frames = grant_table_visible_frames(t->grant_table);
        op.max_nr_frames = t->grant_table->max_frames;
        grant_leave(d, t);
    }
    return copy_to_guest(uop, &op, sizeof(op)) ? -EFAULT : 0;
}

/* Version 1 only: asked for 2, Xen's answer to a domain allowed only 1. */
static long set_version(uint64_t uop)
{
    struct gnttab_set_version op;
    long rc = 0;

    if (copy_from_guest(&op, uop, sizeof(op)))
        return -EFAULT;
    if (op.version != 1 && op.version != 2)
        rc = -EINVAL;
    else if (op.version == 2)
        rc = -ENOSYS;
    op.version = 1;
    return copy_to_guest(uop, &op, sizeof(op)) ? -EFAULT : rc;
}

static long get_version(struct domain *d, uint64_t uop)
{
    struct gnttab_get_version op;
    struct domain *t;

    if (copy_from_guest(&op, uop, sizeof(op)))
        return -EFAULT;
    if (!(t = domain_by_any_id(d, op.dom)))
        return -ESRCH;
    if (!domain_may_use(d, t))
        return -EPERM;
    op.version = 1;
    return COPY_FIELD_OUT(uop, struct gnttab_get_version, op, version) ? -EFAULT : 0;
}

/* A version-1 table has no status frames: only asking for none succeeds. */
static long get_status_frames(struct domain *d, uint64_t uop, uint32_t count)
{
    struct gnttab_get_status_frames op;
    struct domain *t;

    if (count != 1)
        return -EINVAL;
    if (copy_from_guest(&op, uop, sizeof(op)))
        return -EFAULT;
    if (!guest_range_ok((uint64_t)(uintptr_t)op.frame_list.p, 1))
        return -EFAULT;
    if ((op.status = table_of(d, op.dom, &t)) == GNTST_okay) {
        if (op.nr_frames)
            op.status = GNTST_general_error;
        grant_leave(d, t);
    }
    return COPY_FIELD_OUT(uop, struct gnttab_get_status_frames, op, status) ? -EFAULT : 0;
}

/*
 * Swap two entries of our own table that nobody has pinned.  Before the
 * first frame the entries query_size counts are empty: swapping two is a
 * no-op.
 */
static int16_t swap_one(struct domain *d, uint32_t a, uint32_t b)
{
    struct grant_table *gt = d->grant_table;
    uint32_t visible = grant_table_visible_frames(gt) * GNTTAB_ENTRIES_PER_FRAME;
    int16_t rc = GNTST_okay;

    spin_lock(&gt->lock);
    if (a >= visible || b >= visible)
        rc = GNTST_bad_gntref;
    else if (a != b && a < gt_nr_entries(gt)) {   /* else b is beyond too: no frame yet */
        if (gt_pinned(gt, a) || gt_pinned(gt, b)) {
            rc = GNTST_eagain;
        } else {
            grant_entry_v1_t ea = *gt_shared(gt, a);
            *gt_shared(gt, a) = *gt_shared(gt, b);
            *gt_shared(gt, b) = ea;
        }
    }
    spin_unlock(&gt->lock);
    return rc;
}

static long swap_batch(struct domain *d, uint64_t uop, uint32_t count)
{
    struct gnttab_swap_grant_ref op;

    for (uint32_t i = 0; i < count; i++, uop += sizeof(op)) {
        if (i && hypercall_preempt_check())
            return continue_batch(GNTTABOP_swap_grant_ref, uop, count - i);
        if (copy_from_guest(&op, uop, sizeof(op)))
            return -EFAULT;
        op.status = swap_one(d, op.ref_a, op.ref_b);
        if (COPY_FIELD_OUT(uop, struct gnttab_swap_grant_ref, op, status))
            return -EFAULT;
    }
    return 0;
}

/* Operations on an array: where it starts must be a guest address (Xen's guest_handle_okay). */
static long array_op(struct domain *d, unsigned cmd, uint64_t uop, uint32_t count)
{
    if (!guest_range_ok(uop, 1))
        return -EFAULT;
    switch (cmd) {
    case GNTTABOP_map_grant_ref:
        return map_batch(d, uop, count);
    case GNTTABOP_unmap_grant_ref:
    case GNTTABOP_unmap_and_replace:
        return unmap_batch(d, cmd, uop, count);
    case GNTTABOP_copy:
        return copy_batch(d, uop, count);
    case GNTTABOP_transfer:
        return transfer_batch(d, uop, count);
    default:
        return swap_batch(d, uop, count);
    }
}

long do_grant_table_op(uint64_t cmd64, uint64_t uop, uint64_t count64)
{
    unsigned cmd = (uint32_t)cmd64;
    uint32_t count = (uint32_t)count64;
    struct domain *d = current_domain();

    if ((int32_t)count < 0)
        return -EINVAL;
    /* Continuation bits: only cache_flush has any (and Koan has no cache_flush). */
    if (cmd >> CMD_BITS)
        return (cmd & ((1u << CMD_BITS) - 1)) == GNTTABOP_cache_flush ? -ENOSYS : -EINVAL;
    if (!d->grant_table)
        return -ENOSYS;   /* never for a built domain: each gets one */
    switch (cmd) {
    case GNTTABOP_map_grant_ref:
    case GNTTABOP_unmap_grant_ref:
    case GNTTABOP_unmap_and_replace:
    case GNTTABOP_copy:
    case GNTTABOP_transfer:
    case GNTTABOP_swap_grant_ref:
        return array_op(d, cmd, uop, count);
    case GNTTABOP_setup_table:
        return setup_table(d, uop, count);
    case GNTTABOP_query_size:
        return query_size(d, uop, count);
    case GNTTABOP_set_version:
        return set_version(uop);
    case GNTTABOP_get_version:
        return get_version(d, uop);
    case GNTTABOP_get_status_frames:
        return get_status_frames(d, uop, count);
    default:
        /* dump_table (gone from Xen), cache_flush, unknown */
        return hypercall_subop_missing(__HYPERVISOR_grant_table_op, (uint32_t)cmd);
    }
}
