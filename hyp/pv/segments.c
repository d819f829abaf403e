/* SPDX-License-Identifier: MIT */
/*
 * set_segment_base, the per-vCPU segment state, and the guest's segments as
 * the instruction emulator needs them (include/hyp/segments.h).  Koan never
 * uses DS, ES, FS or GS itself, so the guest's values stay live in the CPU
 * while it runs and while Koan handles its traps.
 */
#include <asm/traps.h>
#include <asm/x86.h>
#include <hyp/descriptor.h>
#include <hyp/domain.h>
#include <hyp/guest_range.h>
#include <hyp/errno.h>
#include <hyp/ldt.h>
#include <hyp/pv.h>
#include <hyp/segments.h>
#include <hyp/x86_emulate.h>

/* The MSR holding the user's GS base depends on the mode the guest is in. */
static uint32_t user_gs_msr(const struct vcpu *v)
{
    return v->pv.kernel_mode ? MSR_SHADOW_GS_BASE : MSR_GS_BASE;
}

static uint32_t kernel_gs_msr(const struct vcpu *v)
{
    return v->pv.kernel_mode ? MSR_GS_BASE : MSR_SHADOW_GS_BASE;
}

long pv_set_segment_base(struct vcpu *v, unsigned which, uint64_t base)
{
    switch (which) {
    case SEGBASE_FS:
        if (!is_canonical_address(base))
            return -EINVAL;
        wrmsr(MSR_FS_BASE, base);
        v->pv.fs_base = base;
        return 0;
    case SEGBASE_GS_USER:
        if (!is_canonical_address(base))
            return -EINVAL;
        wrmsr(user_gs_msr(v), base);
        v->pv.gs_base_user = base;
        return 0;
    case SEGBASE_GS_KERNEL:
        if (!is_canonical_address(base))
            return -EINVAL;
        wrmsr(kernel_gs_msr(v), base);
        v->pv.gs_base_kernel = base;
        return 0;
    case SEGBASE_GS_USER_SEL: {
        /* RPL 3 for non-null selectors; a selector that faults loads null.
         * Either way the call succeeds, as on Xen (Linux BUG()s otherwise). */
        uint16_t sel = (uint16_t)base > 3 ? (uint16_t)base | 3 : 0;
        v->pv.gs = load_user_gs_selector(sel) ? 0 : sel;
        v->pv.gs_base_user = rdmsr(user_gs_msr(v));
        return 0;
    }
    default:
        return -EINVAL;
    }
}

long do_set_segment_base(uint64_t which, uint64_t base)
{
    return pv_set_segment_base(current_vcpu(), (uint32_t)which, base);
}

static uint16_t read_sel(int which)
{
    uint16_t s = 0;

    switch (which) {
    case 0: asm volatile("mov %%ds, %0" : "=r"(s)); break;
    case 1: asm volatile("mov %%es, %0" : "=r"(s)); break;
    case 2: asm volatile("mov %%fs, %0" : "=r"(s)); break;
    default: asm volatile("mov %%gs, %0" : "=r"(s)); break;
    }
    return s;
}

void segments_save(struct vcpu *v)
{
    v->pv.ds = read_sel(0);
    v->pv.es = read_sel(1);
    v->pv.fs = read_sel(2);
    v->pv.gs = read_sel(3);
    v->pv.fs_base = rdmsr(MSR_FS_BASE);
    v->pv.gs_base_kernel = rdmsr(kernel_gs_msr(v));
    v->pv.gs_base_user = rdmsr(user_gs_msr(v));
}

bool segments_load(struct vcpu *v)
{
    bool ok = true;

    /* Selectors first (loading one resets its base), then the bases. */
    if (load_data_selectors(v->pv.ds, v->pv.es, v->pv.fs, v->pv.gs))
        ok = false;   /* null loaded instead; the caller tells the guest */
    wrmsr(MSR_FS_BASE, v->pv.fs_base);
    wrmsr(kernel_gs_msr(v), v->pv.gs_base_kernel);
    wrmsr(user_gs_msr(v), v->pv.gs_base_user);
    return ok;
}

/* ---- The guest's segments, for the emulator ---- */

#define DESC_CODE (1UL << 43)
#define DESC_S    (1UL << 44)
#define DESC_P    (1UL << 47)
#define DESC_L    (1UL << 53)
#define DESC_D    (1UL << 54)

/*
 * The descriptor sel names, read where the CPU reads it: the GDT window
 * (the guest's frames and Xen's reserved entries) or the LDT (its page
 * mapped now if need be).  0 for a null selector or one beyond the LDT.
 * Like Xen, this is the table's current entry, not the CPU's cached copy.
 */
static uint64_t descriptor_of(struct vcpu *v, uint16_t sel)
{
    uint64_t d = 0;

    if (sel < 4)
        return 0;
    if (sel & 4)
        return ldt_read_descriptor(v, sel, &d) ? d : 0;
    return *cpu_gdt_entry(sel);
}

bool pv_emul_segments(struct vcpu *v, const struct cpu_user_regs *regs,
                      struct x86_emulate_ctxt *c)
{
    uint64_t cs = descriptor_of(v, (uint16_t)regs->cs);

    if ((cs & (DESC_P | DESC_S | DESC_CODE)) != (DESC_P | DESC_S | DESC_CODE))
        return false;
    /* The live bases: a selector load may have changed them since a save. */
    c->seg_base[X86_SEG_FS] = rdmsr(MSR_FS_BASE);
    c->seg_base[X86_SEG_GS] = rdmsr(MSR_GS_BASE);
    /* L = 1 is 64-bit code whatever D says, as the CPU ran it (and Xen). */
    if (cs & DESC_L) {
        c->mode = X86_MODE_64;
        return true;
    }
    c->mode = cs & DESC_D ? X86_MODE_32 : X86_MODE_16;
    c->cs_limit = descriptor_limit(cs);
    c->seg_base[X86_SEG_CS] = descriptor_base(cs);
    c->seg_base[X86_SEG_SS] = descriptor_base(descriptor_of(v, (uint16_t)regs->ss));
    c->seg_base[X86_SEG_DS] = descriptor_base(descriptor_of(v, read_sel(0)));
    c->seg_base[X86_SEG_ES] = descriptor_base(descriptor_of(v, read_sel(1)));
    return true;
}
