/* SPDX-License-Identifier: MIT */
/* Lazily mapped guest LDTs (include/hyp/ldt.h). */
#include <asm/page.h>
#include <asm/paging.h>
#include <asm/percpu.h>
#include <asm/traps.h>
#include <asm/x86.h>
#include <hyp/bounce.h>
#include <hyp/domain.h>
#include <hyp/frame_table.h>
#include <hyp/guest_range.h>
#include <hyp/guest_walk.h>
#include <hyp/ldt.h>

#define LDT_PAGES 16

static vaddr_t ldt_window(void)
{
    return fixmap_va(FIX_LDT_FIRST);
}

static void unmap_window(void)
{
    for (unsigned i = 0; i < LDT_PAGES; i++)
        paging_unmap_fixmap(FIX_LDT_FIRST + i);
}

static void load_ldtr(const struct vcpu *v)
{
    if (!v || !v->ldt_ents) {
        asm volatile("lldt %w0" :: "r"(0));
        return;
    }
    cpu_set_ldt_descriptor(ldt_window(), v->ldt_ents * 8 - 1);
    asm volatile("lldt %w0" :: "r"(HYP_LDT));
}

void ldt_release(struct vcpu *v)
{
    for (unsigned i = 0; i < LDT_PAGES; i++) {
        if (v->pv.ldt_frames[i])
            put_page_and_type(mfn_to_page(v->pv.ldt_frames[i]));
        v->pv.ldt_frames[i] = 0;
    }
}

void ldt_set(struct vcpu *v, uint64_t base, uint64_t ents)
{
    if (v->ldt_base == base && v->ldt_ents == ents)
        return;
    ldt_release(v);
    unmap_window();
    v->ldt_base = base;
    v->ldt_ents = ents;
    load_ldtr(v);
}

void ldt_switch_to(struct vcpu *v)
{
    unmap_window();
    for (unsigned i = 0; v && i < LDT_PAGES; i++)
        if (v->pv.ldt_frames[i])
            paging_map_fixmap_ram(FIX_LDT_FIRST + i, v->pv.ldt_frames[i] << PAGE_SHIFT);
    load_ldtr(v);
}

/* The frame behind guest address va in the guest kernel's tables, or 0. */
static mfn_t guest_frame(const struct vcpu *v, uint64_t va)
{
    struct guest_walk w;

    guest_walk(v->kernel_l4, va, &w);
    return guest_walk_mapped(&w) ? pte_mfn(w.l1e) : 0;
}

bool ldt_page_fault(struct vcpu *v, struct cpu_user_regs *regs, uint64_t cr2)
{
    if (cr2 < ldt_window() || cr2 >= ldt_window() + LDT_PAGES * PAGE_SIZE)
        return false;
    unsigned i = (cr2 - ldt_window()) >> PAGE_SHIFT;
    uint64_t guest_va = v->ldt_base + ((uint64_t)i << PAGE_SHIFT);
    mfn_t mfn = (uint64_t)i * 512 < v->ldt_ents && guest_range_ok(guest_va, PAGE_SIZE)
                    ? guest_frame(v, guest_va) : 0;

    if (mfn && !v->pv.ldt_frames[i] &&
        get_page_and_type(mfn_to_page(mfn), v->domain, PGT_seg_desc) == 0) {
        v->pv.ldt_frames[i] = mfn;
        paging_map_fixmap_ram(FIX_LDT_FIRST + i, mfn << PAGE_SHIFT);
        return true;   /* retry the instruction */
    }
    /* Not mappable: the guest sees a page fault on its own LDT address. */
    pv_vcpu_info(v)->arch.cr2 = v->ldt_base + (cr2 - ldt_window());
    pv_inject_exception(v, regs, X86_EXC_PF, true, regs->error_code);
    (void)regs;
    return true;
}
