/* SPDX-License-Identifier: MIT */
/*
 * Lazily mapped guest LDTs (include/hyp/ldt.h), as Xen 4.17 maps them.  A
 * page of the CPU's LDT window is mapped when the CPU first reads a
 * descriptor from it -- an implicit supervisor access that faults, from
 * guest or from hypervisor context (Koan reloading a guest selector) -- or
 * when Koan reads a descriptor itself.  The mapping holds a descriptor-page
 * type reference on the guest's frame until SET_LDT changes the LDT or a
 * new kernel base pointer is loaded; changing the guest's PTE alone does not
 * drop it (Xen removed that in 4.14 with CONFIG_PV_LDT_PAGING).
 *
 * Dropping and switching touch only the pages that are mapped: a bit per
 * page says which frames a vCPU holds (pv.ldt_held) and which pages of a
 * CPU's window are mapped (window_mapped).  Linux loads a new kernel base
 * pointer at every process switch, nearly always with no LDT at all; walking
 * all sixteen window entries there cost ~1 900 instructions per switch
 * (docs/performance.md, "Linux: lmbench-style rows").
 */
#include <asm/page.h>
#include <asm/paging.h>
#include <asm/percpu.h>
#include <asm/traps.h>
#include <asm/x86.h>
#include <hyp/bounce.h>
#include <hyp/cpumask.h>
#include <hyp/domain.h>
#include <hyp/frame_table.h>
#include <hyp/guest_range.h>
#include <hyp/guest_walk.h>
#include <hyp/ldt.h>

#define LDT_PAGES 16
_Static_assert(LDT_PAGES <= 8 * sizeof(((struct pv_vcpu *)0)->ldt_held), "ldt_held");
#define PFEC_PRESENT  (1u << 0)
#define PFEC_USER     (1u << 2)
#define PFEC_RESERVED (1u << 3)
/* #GP error-code bits: external event, IDT, and TI (the LDT). */
#define XEC_EXT 1u
#define XEC_IDT 2u
#define XEC_TI  4u

/* Bit i: page i of that CPU's window is mapped.  Only its own CPU reads or writes an entry. */
static uint16_t window_mapped[NR_CPUS_MAX];

static vaddr_t ldt_window(void)
{
    return ldt_window_va();
}

/* The lowest page in a non-empty set of page bits. */
static unsigned first_page(unsigned pages)
{
    return (unsigned)__builtin_ctz(pages);
}

static void map_window_page(unsigned i, mfn_t mfn)
{
    paging_map_fixmap_ram(fix_ldt_page(i), mfn << PAGE_SHIFT);
    window_mapped[smp_processor_id()] |= 1u << i;
}

static void unmap_window(void)
{
    uint16_t *mapped = &window_mapped[smp_processor_id()];

    while (*mapped) {
        unsigned i = first_page(*mapped);

        paging_unmap_fixmap(fix_ldt_page(i));
        *mapped &= ~(1u << i);
    }
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
    while (v->pv.ldt_held) {
        unsigned i = first_page(v->pv.ldt_held);

        put_page_and_type(mfn_to_page(v->pv.ldt_frames[i]));
        v->pv.ldt_frames[i] = 0;
        v->pv.ldt_held &= ~(1u << i);
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

void ldt_drop_mappings(struct vcpu *v)
{
    ldt_release(v);
    unmap_window();
}

void ldt_switch_to(struct vcpu *v)
{
    unmap_window();
    for (unsigned held = v ? v->pv.ldt_held : 0; held; held &= held - 1) {
        unsigned i = first_page(held);

        map_window_page(i, v->pv.ldt_frames[i]);
    }
    load_ldtr(v);
}

/* The frame behind guest address va in the guest kernel's tables, or 0. */
static mfn_t guest_frame(const struct vcpu *v, uint64_t va)
{
    struct guest_walk w;

    guest_walk(v->kernel_l4, va, &w);
    return guest_walk_mapped(&w) && mfn_valid(pte_mfn(w.l1e)) ? pte_mfn(w.l1e) : 0;
}

/*
 * Map page i of the running vCPU v's LDT (not mapped yet): the guest frame
 * its kernel tables show there, if it may become a descriptor page.
 */
static bool map_page(struct vcpu *v, unsigned i)
{
    uint64_t guest_va = v->ldt_base + ((uint64_t)i << PAGE_SHIFT);
    mfn_t mfn;

    if ((uint64_t)i * 512 >= v->ldt_ents || !guest_range_ok(guest_va, PAGE_SIZE))
        return false;
    mfn = guest_frame(v, guest_va);
    if (!mfn || get_page_and_type(mfn_to_page(mfn), v->domain, PGT_seg_desc))
        return false;
    v->pv.ldt_frames[i] = mfn;
    v->pv.ldt_held |= 1u << i;
    map_window_page(i, mfn);
    return true;
}

/*
 * The page of the window cr2 falls in, if the fault is the CPU reading a
 * descriptor there: an implicit supervisor access (U and RSVD clear; a
 * guest's own access to the window has U set) to a page not mapped yet.
 */
static bool lazy_fault(const struct vcpu *v, uint64_t cr2, unsigned ec, unsigned *page)
{
    if (cr2 < ldt_window() || cr2 >= ldt_window() + LDT_PAGES * PAGE_SIZE ||
        (ec & (PFEC_USER | PFEC_RESERVED)))
        return false;
    *page = (cr2 - ldt_window()) >> PAGE_SHIFT;
    return !v->pv.ldt_frames[*page];
}

bool ldt_page_fault(struct vcpu *v, struct cpu_user_regs *regs, uint64_t cr2)
{
    unsigned i, offset = cr2 - ldt_window();

    if (!lazy_fault(v, cr2, regs->error_code, &i))
        return false;   /* an ordinary #PF at a hypervisor address */
    if (map_page(v, i))
        return true;    /* retry the instruction */
    /* Not mappable: as Xen, #GP if the LDT ran out of canonical space... */
    if (!is_canonical_address(v->ldt_base + offset)) {
        pv_inject_exception(v, regs, X86_EXC_GP, true,
                            (offset & ~(XEC_EXT | XEC_IDT)) | XEC_TI);
        return true;
    }
    /* ...else a page fault on the guest's own LDT address. */
    pv_vcpu_info(v)->arch.cr2 = v->ldt_base + offset;
    pv_inject_exception(v, regs, X86_EXC_PF, true, regs->error_code);
    return true;
}

bool ldt_hypervisor_fault(struct cpu_user_regs *regs)
{
    struct vcpu *v = current_vcpu();
    uint64_t cr2 = read_cr2();
    unsigned i;

    /* Not mappable: the faulting load's fix-up (null selector) runs. */
    return v && lazy_fault(v, cr2, regs->error_code, &i) && map_page(v, i);
}

bool ldt_read_descriptor(struct vcpu *v, uint16_t sel, uint64_t *desc)
{
    unsigned index = sel >> 3, i = index / 512;

    if (index >= v->ldt_ents || (!v->pv.ldt_frames[i] && !map_page(v, i)))
        return false;
    *desc = ((const volatile uint64_t *)ldt_window())[index];
    return true;
}
