/* SPDX-License-Identifier: MIT */
/*
 * memory_op: the domain's memory reservation (the balloon), the exchange
 * of its frames for others (memory_exchange.c), and facts about the
 * machine's memory.  Reservation operations work extent by extent and
 * return the number of extents done (not an errno) once they have started;
 * long ones continue with the start extent encoded in the command's upper
 * bits (MEMOP_EXTENT_SHIFT), as on Xen.
 */
#include <asm/layout.h>
#include <asm/page.h>
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/frame.h>
#include <hyp/frame_table.h>
#include <hyp/guest_access.h>
#include <hyp/hypercall.h>
#include <hyp/m2p.h>
#include <hyp/pv.h>

#define MAX_EXTENT_ORDER 9   /* 2 MiB */
/* Xen's encoding of a continued memory_op (internal to Xen, not in the public headers). */
#define MEMOP_EXTENT_SHIFT 6
#define MEMOP_CMD_MASK     ((1u << MEMOP_EXTENT_SHIFT) - 1)

enum reservation_op { RES_INCREASE, RES_DECREASE, RES_POPULATE };

static long take_extent(struct domain *d, mfn_t first, unsigned order)
{
    for (uint64_t i = 0; i < (1UL << order); i++)
        if (domain_release_page(d, first + i))
            return -EINVAL;
    return 0;
}

/* One extent; `slot` is the guest address of its extent_start entry (0 = none). */
static long reservation_one(struct domain *d, enum reservation_op op, unsigned order,
                            uint64_t slot)
{
    xen_pfn_t v = 0;
    mfn_t mfn;

    if ((op != RES_INCREASE || slot) && copy_from_guest(&v, slot, sizeof(v)))
        return -EFAULT;
    if (op == RES_DECREASE)
        return take_extent(d, v, order);
    if (domain_give_frames(d, order, true, &mfn))
        return -ENOMEM;
    for (uint64_t i = 0; op == RES_POPULATE && i < (1UL << order); i++)
        m2p_set(mfn + i, v + i);
    if (slot && copy_to_guest(slot, &mfn, sizeof(mfn))) {
        take_extent(d, mfn, order);
        return -EFAULT;
    }
    return 0;
}

static long reservation(uint32_t cmd, uint64_t start, uint64_t arg)
{
    struct xen_memory_reservation r;
    struct domain *d = current_domain(), *target;
    enum reservation_op op = cmd == XENMEM_increase_reservation ? RES_INCREASE :
                             cmd == XENMEM_decrease_reservation ? RES_DECREASE : RES_POPULATE;

    if (copy_from_guest(&r, arg, sizeof(r)))
        return start;
    if (start > r.nr_extents || r.extent_order > MAX_EXTENT_ORDER)
        return start;
    /* An unknown domain: no extent done (Xen's answer, not an errno). */
    if (!(target = domain_by_any_id(d, r.domid)))
        return start;
    if (!domain_may_use(d, target))
        return -EPERM;
    uint64_t handle = (uint64_t)(uintptr_t)r.extent_start.p;
    for (uint64_t i = start; i < r.nr_extents; i++) {
        if (i != start && hypercall_preempt_check())
            return hypercall_create_continuation(__HYPERVISOR_memory_op, 2,
                                                 (uint64_t)cmd | (i << MEMOP_EXTENT_SHIFT), arg);
        uint64_t slot = handle ? handle + i * sizeof(xen_pfn_t) : 0;
        if (!handle && op != RES_INCREASE)
            return i;
        if (reservation_one(target, op, r.extent_order, slot))
            return i;
    }
    return r.nr_extents;
}

static long domain_pages(uint32_t cmd, uint64_t arg)
{
    domid_t domid;
    struct domain *d = current_domain(), *target;

    if (copy_from_guest(&domid, arg, sizeof(domid)))
        return -EFAULT;
    if (!(target = domain_by_any_id(d, domid)))
        return -ESRCH;
    if (!domain_may_use(d, target))
        return -EPERM;
    return cmd == XENMEM_current_reservation ? (long)target->tot_pages : (long)target->max_pages;
}

/*
 * The guest's pseudo-physical memory map, as a toolstack would set it: one
 * RAM range over max_pages.  dom0 has none (as on Xen, where it reads the
 * machine's map instead): -ENOSYS, which tells Linux to make up its own.
 */
static long memory_map(uint64_t arg)
{
    struct xen_memory_map map;
    struct e820entry {
        uint64_t addr, size;
        uint32_t type;
    } __attribute__((packed)) ram = { 0, current_domain()->max_pages << PAGE_SHIFT, 1 };

    if (current_domain()->is_dom0)
        return -ENOSYS;
    if (copy_from_guest(&map, arg, sizeof(map)))
        return -EFAULT;
    if (map.nr_entries > 1)
        map.nr_entries = 1;
    if (map.nr_entries && copy_to_guest((uint64_t)(uintptr_t)map.buffer.p, &ram, sizeof(ram)))
        return -EFAULT;
    return copy_to_guest(arg, &map, sizeof(map)) ? -EFAULT : 0;
}

static long machphys_mapping(uint64_t arg)
{
    struct xen_machphys_mapping m = {
        .v_start = MACH2PHYS_VIRT_START,
        .v_end = MACH2PHYS_VIRT_END,
        .max_mfn = MACH2PHYS_NR_ENTRIES - 1,
    };

    return copy_to_guest(arg, &m, sizeof(m)) ? -EFAULT : 0;
}

long do_memory_op(uint64_t cmd, uint64_t arg)
{
    uint32_t op = (uint32_t)cmd & MEMOP_CMD_MASK;
    uint64_t start = (uint32_t)cmd >> MEMOP_EXTENT_SHIFT;

    switch (op) {
    case XENMEM_increase_reservation:
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap:
        return reservation(op, start, arg);
    }
    if (op == XENMEM_exchange)   /* its progress is in the argument, not the command */
        return start ? -EINVAL : memory_exchange(arg);
    if (start)
        return -ENOSYS;
    switch (op) {
    case XENMEM_maximum_ram_page:
        return (long)machine_max_mfn();
    case XENMEM_current_reservation:
    case XENMEM_maximum_reservation:
        return domain_pages(op, arg);
    case XENMEM_machphys_mfn_list:
        return m2p_mfn_list(arg);
    case XENMEM_memory_map:
        return memory_map(arg);
    case XENMEM_machphys_mapping:
        return machphys_mapping(arg);
    default:
        return hypercall_subop_missing(__HYPERVISOR_memory_op, op);
    }
}
