/* SPDX-License-Identifier: MIT */
/*
 * Virtual debug registers: set_debugreg / get_debugreg and the guest
 * kernel's `mov` to and from %dr0-%dr7 (emul_priv.c) share these rules,
 * which are Xen 4.17's:
 *  - DR0-DR3 must be guest addresses (-EPERM): a breakpoint on the
 *    hypervisor's own memory could make Koan trap itself;
 *  - DR6 and DR7 take 32-bit values (-EINVAL); their reserved bits are
 *    forced to what the CPU wants, not refused;
 *  - DR7 may not set general detect (-EPERM), and may enable I/O
 *    breakpoints only with the virtual CR4.DE (-EPERM).  Their enable bits
 *    never reach the CPU (dr7_emul): Koan checks them on the port I/O it
 *    emulates (pv_io_breakpoints);
 *  - DR4 and DR5 are DR6 and DR7 while CR4.DE is clear, and do not exist
 *    with it set (-ENODEV, #UD for a mov), nor do DR8 and above.
 * The values reach the CPU while the vCPU runs; a #DB that the hypervisor
 * takes itself while copying guest memory is only recorded in the virtual
 * DR6.  A vCPU's registers change only on that vCPU, or before it first runs.
 */
#include <asm/percpu.h>
#include <asm/x86.h>
#include <hyp/domain.h>
#include <hyp/emul.h>
#include <hyp/errno.h>
#include <hyp/guest_range.h>
#include <hyp/pv.h>

#define DR6_RESERVED_ONE  0xffff0ff0UL
#define DR6_WRITABLE      0x0000e00fUL   /* B0-B3, BD, BS, BT */
#define DR7_RESERVED_ONE  0x400UL
#define DR7_KEPT          0xffff27ffUL   /* bits 11, 12, 14, 15 are forced to 0 */
#define DR7_GD            (1UL << 13)
#define DR7_ENABLES       0xffUL         /* L0 G0 ... L3 G3 */
#define DR7_TYPE_IO       2UL

static bool cr4_de(const struct vcpu *v)
{
    return v->pv.cr4 & X86_CR4_DE;
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

/*
 * DR7 as the CPU gets it, and the enable bits of its I/O breakpoints in
 * *io_enables; -EPERM for general detect or an enabled I/O breakpoint
 * without CR4.DE.  Types are only looked at when something is enabled.
 */
static long dr7_check(const struct vcpu *v, uint64_t *value, uint32_t *io_enables)
{
    uint64_t val = (*value & DR7_KEPT) | DR7_RESERVED_ONE;

    *io_enables = 0;
    if (val & DR7_GD)
        return -EPERM;
    if (!(val & DR7_ENABLES))
        return *value = val, 0;
    for (unsigned i = 0; i < 4; i++) {
        if (((val >> (16 + 4 * i)) & 3) != DR7_TYPE_IO)
            continue;
        if (!cr4_de(v))
            return -EPERM;
        *io_enables |= (uint32_t)(val & (3UL << (2 * i)));
    }
    *value = val & ~(uint64_t)*io_enables;
    return 0;
}

long pv_set_debugreg(struct vcpu *v, unsigned reg, uint64_t value)
{
    uint32_t io = 0;

    switch (reg) {
    case 0: case 1: case 2: case 3:
        if (!guest_range_ok(value, 1))
            return -EPERM;
        break;
    case 4: case 6:
        if (reg == 4 && cr4_de(v))
            return -ENODEV;
        if (value >> 32)
            return -EINVAL;
        value = (value & DR6_WRITABLE) | DR6_RESERVED_ONE;
        reg = 6;
        break;
    case 5: case 7: {
        if (reg == 5 && cr4_de(v))
            return -ENODEV;
        if (value >> 32)
            return -EINVAL;
        long rc = dr7_check(v, &value, &io);
        if (rc)
            return rc;
        v->pv.dr7_emul = io;
        reg = 7;
        break;
    }
    default:
        return -ENODEV;
    }
    v->pv.dr[reg] = value;
    if (v == current_vcpu())
        load_hw(reg, value);
    return 0;
}

long pv_get_debugreg(const struct vcpu *v, unsigned reg, uint64_t *value)
{
    switch (reg) {
    case 0: case 1: case 2: case 3:
        *value = v->pv.dr[reg];
        return 0;
    case 4: case 6:
        if (reg == 4 && cr4_de(v))
            return -ENODEV;
        *value = v->pv.dr[6];
        return 0;
    case 5: case 7:
        if (reg == 5 && cr4_de(v))
            return -ENODEV;
        *value = v->pv.dr[7] | v->pv.dr7_emul;
        return 0;
    default:
        return -ENODEV;
    }
}

/* DR6's B0-B3 for the I/O breakpoints that [port, port + len) hits. */
unsigned pv_io_breakpoints(const struct vcpu *v, unsigned port, unsigned len)
{
    unsigned hits = 0;

    if (!v->pv.dr7_emul || !cr4_de(v))
        return 0;
    for (unsigned i = 0; i < 4; i++) {
        if (!(v->pv.dr7_emul & (3u << (2 * i))))
            continue;
        /* LEN: 00 1 byte, 01 2, 11 4, 10 8; the address is aligned to it. */
        unsigned code = (v->pv.dr[7] >> (18 + 4 * i)) & 3;
        uint64_t width = code == 0 ? 1 : code == 1 ? 2 : code == 3 ? 4 : 8;
        uint64_t start = v->pv.dr[i] & ~(width - 1);
        if (start < port + len && start + width > port)
            hits |= 1u << i;
    }
    return hits;
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
    v->pv.dr7_emul = 0;
}

long do_set_debugreg(uint64_t reg, uint64_t value)
{
    /* Xen's prototype takes an int: only the low 32 bits name the register. */
    return pv_set_debugreg(current_vcpu(), (uint32_t)reg, value);
}

long do_get_debugreg(uint64_t reg)
{
    uint64_t value;
    long rc = pv_get_debugreg(current_vcpu(), (uint32_t)reg, &value);

    return rc ? rc : (long)value;
}
