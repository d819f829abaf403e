/* SPDX-License-Identifier: MIT */
/*
 * Guest GDTs: set_gdt installs up to 14 frames (7168 entries) that become
 * descriptor pages (typed PGT_seg_desc, so validated and never writable);
 * update_descriptor changes one entry, validated.  The running vCPU's frames
 * are shown in the CPU's GDT window below Xen's reserved entries, which stay
 * valid in every GDT.
 */
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/traps.h>
#include <hyp/descriptor.h>
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/frame_table.h>
#include <hyp/gdt.h>
#include <hyp/guest_access.h>
#include <hyp/pv.h>

static void put_frames(const mfn_t *frames, unsigned nr)
{
    for (unsigned i = 0; i < nr; i++)
        put_page_and_type(mfn_to_page(frames[i]));
}

void gdt_release(struct vcpu *v)
{
    put_frames(v->pv.gdt_frames, (v->pv.gdt_ents + 511) / 512);
    v->pv.gdt_ents = 0;
}

long pv_set_gdt(struct vcpu *v, const unsigned long *frames, uint64_t entries)
{
    mfn_t mfns[14];
    unsigned nr = ((unsigned)entries + 511) / 512;

    if (entries > FIRST_RESERVED_GDT_ENTRY)
        return -EINVAL;
    for (unsigned i = 0; i < nr; i++) {
        mfns[i] = frames[i];
        if (!mfn_valid(mfns[i]) ||
            get_page_and_type(mfn_to_page(mfns[i]), v->domain, PGT_seg_desc)) {
            put_frames(mfns, i);
            return -EINVAL;
        }
    }
    gdt_release(v);
    for (unsigned i = 0; i < nr; i++)
        v->pv.gdt_frames[i] = mfns[i];
    v->pv.gdt_ents = (uint32_t)entries;
    if (v == current_vcpu())
        cpu_gdt_load_frames(v->pv.gdt_frames, nr);
    return 0;
}

long do_set_gdt(uint64_t frame_list, uint64_t entries)
{
    xen_pfn_t frames[14];
    unsigned nr = ((unsigned)entries + 511) / 512;

    if ((uint32_t)entries > FIRST_RESERVED_GDT_ENTRY)
        return -EINVAL;
    if (copy_from_guest(frames, frame_list, nr * sizeof(frames[0])))
        return -EFAULT;
    return pv_set_gdt(current_vcpu(), frames, (uint32_t)entries);
}

long do_update_descriptor(uint64_t maddr, uint64_t desc)
{
    struct domain *d = current_domain();
    mfn_t mfn = maddr >> PAGE_SHIFT;
    long rc = -EINVAL;

    if ((maddr & 7) || !descriptor_check(&desc) || !mfn_valid(mfn))
        return -EINVAL;
    struct page_info *pg = mfn_to_page(mfn);
    if (!get_page(pg, d))
        return -EINVAL;
    /* A descriptor page in use, or a page that may be written plainly: typed while we write. */
    if (get_page_type_in_use(pg, PGT_seg_desc) || get_page_type(pg, PGT_writable, d) == 0) {
        *(volatile uint64_t *)((uint8_t *)mfn_to_virt(mfn) + (maddr & (PAGE_SIZE - 1))) = desc;
        put_page_type(pg);
        rc = 0;
    }
    put_page(pg);
    return rc;
}

void gdt_switch_to(struct vcpu *v)
{
    if (!v) {
        cpu_gdt_load_frames(NULL, 0);   /* Koan's own entries only */
        return;
    }
    cpu_gdt_load_frames(v->pv.gdt_frames, (v->pv.gdt_ents + 511) / 512);
}

bool gdt_selector_ok(const struct vcpu *v, uint16_t sel, bool code)
{
    unsigned index = sel >> 3;

    if ((sel & 4) || (sel & 3) != 3)
        return false;   /* no LDT yet; ring-3 selectors only */
    if (index < FIRST_RESERVED_GDT_ENTRY && index >= v->pv.gdt_ents)
        return false;
    if (index == 0)
        return false;
    uint64_t d = *cpu_gdt_entry(sel);
    bool present = d & (1UL << 47), s = d & (1UL << 44), is_code = d & (1UL << 43);
    unsigned dpl = (d >> 45) & 3;
    return present && s && dpl == 3 && is_code == code && (code || (d & (1UL << 41)));
}
