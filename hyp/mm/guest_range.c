/* SPDX-License-Identifier: MIT */
/*
 * Guest virtual range checks: canonical form, wrap-around and the hypervisor's
 * reserved L4 slots.  Pure arithmetic, used before any guest memory access
 * (the combined check, guest_range_ok, is inline in the header).
 */
#include <asm/layout.h>
#include <hyp/guest_range.h>

_Static_assert(HYP_RANGE_START == M2P_RO_VIRT_START, "hypervisor range starts at slot 256");
_Static_assert(HYP_RANGE_END - HYP_RANGE_START ==
               (uint64_t)(HYP_SLOT_LAST - HYP_SLOT_FIRST + 1) << 39,
               "hypervisor range is L4 slots 256..271");

static bool addr_canonical(uint64_t addr)
{
    return addr < CANONICAL_LOW_END || addr >= CANONICAL_HIGH_START;
}

bool guest_range_canonical(uint64_t addr, uint64_t len)
{
    uint64_t last;

    if (!addr_canonical(addr))
        return false;
    if (len == 0)
        return true;
    if (len - 1 > UINT64_MAX - addr)
        return false;                   /* wraps past 2^64 */
    last = addr + (len - 1);
    /* Both ends in the same half; the halves are separated by the hole. */
    return addr < CANONICAL_LOW_END ? last < CANONICAL_LOW_END : true;
}

bool guest_range_overlaps_hyp(uint64_t addr, uint64_t len)
{
    uint64_t last;

    if (len == 0)
        return false;
    last = len - 1 > UINT64_MAX - addr ? UINT64_MAX : addr + (len - 1);
    return addr < HYP_RANGE_END && last >= HYP_RANGE_START;
}
