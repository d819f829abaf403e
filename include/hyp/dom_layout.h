/* SPDX-License-Identifier: MIT */
/*
 * Start-of-day layout of a PV domain (ABI doc §1.3): where the domain builder
 * puts the kernel, module, p2m list, start_info, rings, bootstrap page tables
 * and stack in the guest's pseudo-physical memory, and how much of
 * [virt_base, ...) the bootstrap page tables map.  Pure arithmetic: no memory
 * is touched, so it runs unchanged in host unit tests.
 *
 * Simplifications: the INIT_P2M note is not honoured (the p2m list is always
 * inside the mapped region), and the module is always mapped (MOD_START_PFN
 * is not used to leave it unmapped).
 */
#ifndef KOAN_HYP_DOM_LAYOUT_H
#define KOAN_HYP_DOM_LAYOUT_H

#include <hyp/elf.h>
#include <hyp/types.h>

#define DOM_LAYOUT_SLACK_PAGES  128                 /* 512 KiB mapped after the stack */
#define DOM_LAYOUT_MAP_ALIGN    (4UL << 20)         /* mapped end rounded to 4 MiB */

struct dom_layout_req {
    const struct pv_image *img;     /* parsed kernel (pv_image_parse() succeeded) */
    uint64_t nr_pages;              /* guest pseudo-physical pages */
    uint64_t module_size;           /* bytes; 0 = no module */
    bool is_dom0;                   /* dom0 has no console/xenstore pages */
};

/* All pfns are guest pseudo-physical: pfn = (va - virt_base) >> 12. */
struct dom_layout {
    uint64_t kernel_pfn, kernel_pages;      /* [virt_kstart, virt_kend) */
    uint64_t module_pfn, module_pages;      /* both 0 when no module */
    uint64_t p2m_pfn, p2m_pages;            /* nr_pages * 8 bytes */
    uint64_t start_info_pfn, xenstore_pfn, console_pfn; /* last two 0 for dom0 */
    uint64_t pt_pfn, pt_pages;              /* L4 first, then L3s, L2s, L1s */
    uint64_t stack_pfn;                     /* rsp = va of stack_pfn + 1 */
    uint64_t mapped_end_va;                 /* [virt_base, this) mapped; 4 MiB aligned */
    uint64_t nr_l3, nr_l2, nr_l1;           /* tables mapping it with 4 KiB pages */
};

/*
 * Compute the layout for req.  Items follow the kernel end page-aligned and
 * packed: module, p2m, start_info, xenstore, console, page tables, stack; then
 * at least 512 KiB of mapped slack up to a 4 MiB boundary.  The page-table
 * count is the least fixed point covering the tables themselves.  Returns 0;
 * -ENOMEM ("image too large for the domain's memory") if the mapped region
 * needs more than nr_pages; -EINVAL if virt_base is not page aligned, a size
 * overflows, or the mapped region leaves the guest's virtual range.
 */
int dom_layout_compute(const struct dom_layout_req *req, struct dom_layout *out,
                       const char **why);

#endif
