/* SPDX-License-Identifier: MIT */
/*
 * Validation of guest-supplied virtual address ranges.  A PV guest shares its
 * address space with the hypervisor, and at CPL0 neither the non-canonical
 * hole nor the hypervisor's own L4 slots fault, so copy helpers (and the
 * domain builder) must reject such ranges before touching any memory.
 */
#ifndef KOAN_HYP_GUEST_RANGE_H
#define KOAN_HYP_GUEST_RANGE_H

#include <hyp/types.h>

#define CANONICAL_LOW_END   0x0000800000000000UL  /* lower half: [0, this) */
#define CANONICAL_HIGH_START 0xffff800000000000UL /* upper half: [this, 2^64) */
#define HYP_RANGE_START     0xffff800000000000UL  /* L4 slots 256..271, see <asm/layout.h> */
#define HYP_RANGE_END       0xffff880000000000UL

/* True if [addr, addr+len) does not wrap and lies within one canonical half (len 0: addr canonical). */
bool guest_range_canonical(uint64_t addr, uint64_t len);

/* Is addr canonical (bits 63..47 all equal)? */
static inline bool is_canonical_address(uint64_t addr)
{
    return (uint64_t)((int64_t)(addr << 16) >> 16) == addr;
}

/* True if the non-empty range [addr, addr+len) intersects [HYP_RANGE_START, HYP_RANGE_END). */
bool guest_range_overlaps_hyp(uint64_t addr, uint64_t len);

/*
 * True if a guest may name [addr, addr+len): canonical, not wrapping, and not
 * touching the hypervisor's slots.  len 0 is accepted at any canonical addr.
 * A range ending exactly at 2^64 does not wrap.
 *
 * Inline, as every guest copy asks (twice per system call or trap bounced
 * from user mode).  The same answer as guest_range_canonical && !overlaps
 * (tests/unit/test_guest_range.c checks it), shorter because the
 * hypervisor's slots open the upper half: past the hole, a guest range can
 * only start above them.  So a range that does not wrap is good if it ends
 * in the lower half or starts above the slots; the hole lies between.
 */
_Static_assert(HYP_RANGE_START == CANONICAL_HIGH_START,
               "guest_range_ok: the hypervisor's slots open the upper half");
static inline bool guest_range_ok(uint64_t addr, uint64_t len)
{
    uint64_t last = addr + (len - 1);

    if (unlikely(len == 0))
        return is_canonical_address(addr);
    return last >= addr && (last < CANONICAL_LOW_END || addr >= HYP_RANGE_END);
}

#endif
