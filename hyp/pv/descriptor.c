/* SPDX-License-Identifier: MIT */
/* Segment-descriptor validation (rules in include/hyp/descriptor.h). */
#include <hyp/descriptor.h>
#include <hyp/xen_public.h>

#define SEG_TYPE_MASK   (0xfUL << 40)
#define SEG_S           (1UL << 44)     /* code/data (1) or system (0) */
#define SEG_DPL_SHIFT   45
#define SEG_DPL_MASK    (3UL << SEG_DPL_SHIFT)
#define SEG_P           (1UL << 47)
#define SYS_TYPE_CALL_GATE 0xcUL
#define GATE_RESERVED   (0xffUL << 32)   /* parameter count and reserved bits */

/* A call gate's target: a guest GDT entry, an LDT entry, or Xen's flat kernel CS. */
static bool gate_selector_ok(uint16_t sel)
{
    return (sel >> 3) < FIRST_RESERVED_GDT_ENTRY || sel == FLAT_KERNEL_CS || (sel & 4);
}

bool descriptor_check(uint64_t *desc)
{
    uint64_t d = *desc;

    if (!(d & SEG_P))
        return true;
    d |= SEG_DPL_MASK;   /* DPL below 3 becomes 3 */
    if (d & SEG_S) {
        *desc = d;
        return true;
    }
    uint64_t type = (d & SEG_TYPE_MASK) >> 40;
    if (type == 0)
        return true;   /* upper half of a 16-byte gate */
    uint16_t target = (uint16_t)(d >> 16);
    if (type != SYS_TYPE_CALL_GATE || (d & GATE_RESERVED) || !gate_selector_ok(target))
        return false;
    /*
     * DPL 0, so that using the gate traps to the hypervisor; the gate's own
     * DPL (3 by now) is kept in the target selector's RPL, as Xen does.
     */
    target = (target & ~3) | 3;
    *desc = (d & ~SEG_DPL_MASK & ~(0xffffUL << 16)) | ((uint64_t)target << 16);
    return true;
}

bool descriptor_check_page(uint64_t *page)
{
    for (unsigned i = 0; i < 512; i++)
        if (!descriptor_check(&page[i]))
            return false;
    return true;
}
