/* SPDX-License-Identifier: MIT */
/*
 * Start-of-day layout of a PV domain (ABI doc §1.3): where the domain builder
 * puts the kernel, module, p2m list, start_info, rings, bootstrap page tables
 * and stack in the guest's pseudo-physical memory, and how much of
 * [virt_base, ...) the bootstrap page tables map.  Pure arithmetic: no memory
 * is touched, so it runs unchanged in host unit tests.
 *
 * As Xen's builder does, a kernel that gives the INIT_P2M note gets its p2m
 * list at that virtual address, on frames after everything else, mapped by
 * page tables of its own that follow it (start_info's first_p2m_pfn and
 * nr_p2m_frames cover both); a kernel with the MOD_START_PFN note gets its
 * module unmapped, after the mapped region.  Linux (which gives both) then
 * finds nothing but itself, its tables and its stack in the kernel's range,
 * and clears that range of the rest.
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

/* All pfns are guest pseudo-physical: pfn = (va - virt_base) >> 12 in the mapped region. */
struct dom_layout {
    uint64_t kernel_pfn, kernel_pages;      /* [virt_kstart, virt_kend) */
    uint64_t module_pfn, module_pages;      /* both 0 when no module */
    bool module_unmapped;                   /* MOD_START_PFN: after the mapped region */
    uint64_t p2m_pfn, p2m_pages;            /* nr_pages * 8 bytes */
    uint64_t p2m_va;                        /* where the p2m list is mapped */
    bool p2m_separate;                      /* INIT_P2M honoured: p2m_va is its address */
    uint64_t p2m_pt_pfn, p2m_pt_pages;      /* separate: its L3s, L2s, L1s, after it */
    uint64_t end_pfn;                       /* the first pfn after every item */
    uint64_t start_info_pfn, xenstore_pfn, console_pfn; /* last two 0 for dom0 */
    uint64_t pt_pfn, pt_pages;              /* L4 first, then L3s, L2s, L1s */
    uint64_t stack_pfn;                     /* rsp = va of stack_pfn + 1 */
    uint64_t mapped_end_va;                 /* [virt_base, this) mapped; 4 MiB aligned */
    uint64_t nr_l3, nr_l2, nr_l1;           /* tables mapping it with 4 KiB pages */
};

/*
 * Compute the layout for req.  Items follow the kernel end page-aligned and
 * packed: module, p2m, start_info, xenstore, console, page tables, stack; then
 * at least 512 KiB of mapped slack up to a 4 MiB boundary.  An unmapped
 * module, then a separate p2m list and its tables, follow the mapped region.
 * INIT_P2M is honoured when it is page aligned and the whole list lies
 * below the kernel's L4 slot (elsewhere Xen ignores the note too).  The page-table
 * count is the least fixed point covering the tables themselves.  Returns 0;
 * -ENOMEM ("image too large for the domain's memory") if the items
 * need more than nr_pages; -EINVAL if virt_base is not page aligned, a size
 * overflows, or the mapped region leaves the guest's virtual range.
 */
int dom_layout_compute(const struct dom_layout_req *req, struct dom_layout *out,
                       const char **why);

#endif
