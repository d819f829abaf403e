/* SPDX-License-Identifier: MIT */
/*
 * set_segment_base and the per-vCPU segment state (include/hyp/segments.h).
 * Koan never uses FS or GS itself, so the guest's values stay live in the
 * CPU while it runs.
 */
#include <asm/x86.h>
#include <hyp/domain.h>
#include <hyp/guest_range.h>
#include <hyp/errno.h>
#include <hyp/pv.h>
#include <hyp/segments.h>

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
