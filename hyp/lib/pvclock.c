/* SPDX-License-Identifier: MIT */
/* The pvclock scale (include/hyp/pvclock.h). */
#include <hyp/pvclock.h>

struct pvclock_scale pvclock_scale_for(uint64_t tsc_hz)
{
    /* ns per tick = num / den, brought into [1/2, 1) by powers of two. */
    uint64_t num = 1000000000ull, den = tsc_hz;
    int shift = 0;

    if (den < PVCLOCK_MIN_HZ)
        den = PVCLOCK_MIN_HZ;
    if (den > PVCLOCK_MAX_HZ)
        den = PVCLOCK_MAX_HZ;
    while (num >= den) {        /* a slow TSC: ticks are shifted left */
        den <<= 1;
        shift++;
    }
    while (num * 2 < den) {     /* a fast one: shifted right */
        num <<= 1;
        shift--;
    }
    /* mul = num * 2^32 / den, one bit at a time (no 128-bit division in
     * the hypervisor): num < den <= 2^41, so rem never passes 2^42. */
    uint64_t rem = num;
    uint32_t mul = 0;
    for (int bit = 0; bit < 32; bit++) {
        rem <<= 1;
        mul <<= 1;
        if (rem >= den) {
            rem -= den;
            mul |= 1;
        }
    }
    return (struct pvclock_scale){ .mul = mul, .shift = (int8_t)shift };
}

uint64_t pvclock_scale_ticks(uint64_t ticks, struct pvclock_scale s)
{
    if (s.shift >= 0)
        ticks <<= s.shift;
    else
        ticks >>= -s.shift;
    return (uint64_t)(((unsigned __int128)ticks * s.mul) >> 32);
}
