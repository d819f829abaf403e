/* SPDX-License-Identifier: MIT */
/*
 * Spectre v1: an array index that stays in bounds even while the CPU
 * speculates past the bounds check guarding it.  The mask comes from a
 * compare and a subtract-with-borrow, never from a branch that could be
 * mispredicted.
 */
#ifndef KOAN_ASM_NOSPEC_H
#define KOAN_ASM_NOSPEC_H

#include <hyp/types.h>

/* idx if idx < size, else 0, without a branch. */
static inline uint64_t array_index_nospec(uint64_t idx, uint64_t size)
{
    uint64_t mask;

    asm("cmp %2, %1\n\tsbb %0, %0" : "=r"(mask) : "r"(idx), "r"(size) : "cc");
    return idx & mask;
}

#endif
