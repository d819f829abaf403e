/* SPDX-License-Identifier: MIT */
/*
 * Virtual debug registers (set_debugreg / get_debugreg).  Breakpoint
 * addresses must be guest addresses: a breakpoint on the hypervisor's own
 * memory could make Koan trap itself.  DR7 may not enable I/O breakpoints
 * (CR4.DE is off) or the general-detect bit, nor set reserved bits.  The
 * values reach the CPU while the vCPU runs; a #DB that the hypervisor takes
 * itself while copying guest memory is only recorded in the virtual DR6.
 */
#include <asm/percpu.h>
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/guest_range.h>
#include <hyp/pv.h>

#define DR6_RESERVED_ONE  0xffff0ff0UL
#define DR6_WRITABLE      0x0000e00fUL
#define DR7_RESERVED_ONE  0x400UL
#define DR7_GD            (1UL << 13)
#define DR7_RESERVED_MASK (0xffffffff0000d800UL)   /* bits 11, 12, 14, 15, 32-63 */

static bool dr7_ok(uint64_t v)
{
    if ((v & DR7_RESERVED_MASK) || (v & DR7_GD))
        return false;
    for (unsigned i = 0; i < 4; i++)
        if (((v >> (16 + 4 * i)) & 3) == 2)   /* I/O breakpoint */
            return false;
    return true;
}

static void load_hw(unsigned reg, uint64_t v)
{
    switch (reg) {
    case 0: asm volatile("mov %0, %%db0" :: "r"(v)); break;
    case 1: asm volatile("mov %0, %%db1" :: "r"(v)); break;
    case 2: asm volatile("mov %0, %%db2" :: "r"(v)); break;
    case 3: asm volatile("mov %0, %%db3" :: "r"(v)); break;
    case 6: asm volatile("mov %0, %%db6" :: "r"(v)); break;
    case 7: asm volatile("mov %0, %%db7" :: "r"(v)); break;
    }
}

long pv_set_debugreg(struct vcpu *v, unsigned reg, uint64_t value)
{
    switch (reg) {
    case 0: case 1: case 2: case 3:
        if (!guest_range_ok(value, 8))
            return -EPERM;
        break;
    case 6:
        value = (value & DR6_WRITABLE) | DR6_RESERVED_ONE;
        break;
    case 7:
        if (!dr7_ok(value))
            return -EPERM;
        value |= DR7_RESERVED_ONE;
        break;
    default:
        return -EINVAL;
    }
    v->pv.dr[reg] = value;
    if (v == current_vcpu())
        load_hw(reg, value);
    return 0;
}

void debugreg_switch_to(struct vcpu *v)
{
    /* Breakpoints off while the others change, then the new vCPU's set. */
    load_hw(7, DR7_RESERVED_ONE);
    if (!v)
        return;
    for (unsigned r = 0; r < 4; r++)
        load_hw(r, v->pv.dr[r]);
    load_hw(6, v->pv.dr[6] ? v->pv.dr[6] : DR6_RESERVED_ONE);
    load_hw(7, v->pv.dr[7] ? v->pv.dr[7] : DR7_RESERVED_ONE);
}

void debugreg_reset(struct vcpu *v)
{
    for (unsigned r = 0; r < 4; r++)
        v->pv.dr[r] = 0;
    v->pv.dr[6] = DR6_RESERVED_ONE;
    v->pv.dr[7] = DR7_RESERVED_ONE;
}

long do_set_debugreg(uint64_t reg, uint64_t value)
{
    return pv_set_debugreg(current_vcpu(), (unsigned)reg, value);
}

long do_get_debugreg(uint64_t reg)
{
    struct vcpu *v = current_vcpu();

    switch (reg) {
    case 0: case 1: case 2: case 3: case 6: case 7:
        return (long)v->pv.dr[reg];
    default:
        return -EINVAL;
    }
}
