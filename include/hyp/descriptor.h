/* SPDX-License-Identifier: MIT */
/*
 * Guest segment descriptors (GDT/LDT entries), checked as Xen 4.17 checks
 * them for a 64-bit PV guest: not-present descriptors are harmless; a
 * present one has its DPL raised to 3 (the guest kernel runs in ring 3);
 * code and data segments are otherwise accepted as they are; a zero system
 * type (the upper half of a 16-byte gate) is accepted; a call gate is
 * accepted only with a target selector the guest may use and no parameter
 * count, and is stored with DPL 0 (so that using it traps to the
 * hypervisor) and the target selector's RPL 3; every other system
 * descriptor (TSS, LDT, interrupt and trap gates) is refused.
 */
#ifndef KOAN_HYP_DESCRIPTOR_H
#define KOAN_HYP_DESCRIPTOR_H

#include <hyp/types.h>
#include <hyp/xen_public.h>   /* FIRST_RESERVED_GDT_ENTRY */

/* The base of a code or data descriptor (32 bits; 64-bit code ignores it). */
static inline uint32_t descriptor_base(uint64_t d)
{
    return (uint32_t)(((d >> 16) & 0xffffff) | ((d >> 56) << 24));
}

/* Its limit in bytes: the last valid offset, the G bit applied. */
static inline uint32_t descriptor_limit(uint64_t d)
{
    uint32_t limit = (uint32_t)((d & 0xffff) | ((d >> 32) & 0xf0000));

    return d & (1UL << 55) ? limit << 12 | 0xfff : limit;
}

/* Check *desc and fix it up in place; false if it must be refused. */
bool descriptor_check(uint64_t *desc);
/* Check (and fix up) all 512 descriptors of a page; false if any is refused. */
bool descriptor_check_page(uint64_t *page);

#endif
