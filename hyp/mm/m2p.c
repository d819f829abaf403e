/* SPDX-License-Identifier: MIT */
/*
 * The M2P table, backed by contiguous 2 MiB chunks mapped twice: in slot 256
 * (read-only and user-readable: the ABI's MACH2PHYS_VIRT_START) and in slot
 * 257 (writable, supervisor only).  Both L4 entries share one L3, so the
 * permissions differ only at the top level, which is where x86 ANDs them.
 */
#include <asm/paging.h>
#include <hyp/console.h>
#include <hyp/errno.h>
#include <hyp/guest_access.h>
#include <hyp/frame.h>
#include <hyp/frame_table.h>
#include <hyp/m2p.h>
#include <hyp/machine.h>
#include <hyp/xen_public.h>

_Static_assert(M2P_RO_VIRT_START == MACH2PHYS_VIRT_START, "M2P at the ABI address");

static uint64_t *m2p_rw;
static mfn_t m2p_entries;
static mfn_t m2p_first_mfn;

void m2p_init(mfn_t max_mfn)
{
    uint64_t bytes = ALIGN_UP(max_mfn * sizeof(uint64_t), L2_PAGE_SIZE);
    uint64_t frames = bytes >> PAGE_SHIFT;
    mfn_t first;

    if (machine_frames_alloc_contig(frames, L2_PAGE_SIZE >> PAGE_SHIFT, &first) < 0)
        panic("no memory for the M2P table\n");
    paddr_t l3 = paging_alloc_table();
    paging_set_l4_entry(M2P_SLOT_RW, pte_make(l3, _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED));
    paging_map_2m(M2P_RW_VIRT_START, first << PAGE_SHIFT, bytes,
                  _PAGE_RW | _PAGE_USER | _PAGE_NX);
    /* The read-only view: same L3, user-accessible, no write at the top. */
    paging_set_l4_entry(M2P_SLOT_RO, pte_make(l3, _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED));
    /* Intermediate entries created by paging_map_2m need the user bit too. */
    pte_t *l3v = phys_to_virt(l3);
    for (unsigned i = 0; i < PT_ENTRIES; i++)
        if (pte_present(l3v[i]))
            l3v[i] |= _PAGE_USER;

    m2p_rw = (uint64_t *)M2P_RW_VIRT_START;
    m2p_first_mfn = first;
    m2p_entries = bytes / sizeof(uint64_t);
    for (mfn_t m = 0; m < m2p_entries; m++)
        m2p_rw[m] = M2P_INVALID;
    log_info("m2p: %lu entries at %#lx (read-only to guests)\n", m2p_entries, M2P_RO_VIRT_START);
}

void m2p_set(mfn_t mfn, pfn_t pfn)
{
    BUG_ON(mfn >= m2p_entries);
    m2p_rw[mfn] = pfn;
}

pfn_t m2p_get(mfn_t mfn)
{
    return mfn < m2p_entries ? m2p_rw[mfn] : M2P_INVALID;
}

void m2p_share_frames(void)
{
    uint64_t frames = m2p_entries * sizeof(uint64_t) >> PAGE_SHIFT;

    for (mfn_t m = m2p_first_mfn; m < m2p_first_mfn + frames; m++)
        frame_table_share_readonly(m);
}

long m2p_mfn_list(uint64_t arg)
{
    struct xen_machphys_mfn_list l;
    uint64_t chunks = m2p_entries * sizeof(uint64_t) / L2_PAGE_SIZE;
    uint64_t handle;

    if (copy_from_guest(&l, arg, sizeof(l)))
        return -EFAULT;
    handle = (uint64_t)(uintptr_t)l.extent_start.p;
    l.nr_extents = MIN(l.max_extents, chunks);
    for (unsigned i = 0; i < l.nr_extents; i++) {
        xen_pfn_t mfn = m2p_first_mfn + (uint64_t)i * (L2_PAGE_SIZE >> PAGE_SHIFT);
        if (copy_to_guest(handle + i * sizeof(mfn), &mfn, sizeof(mfn)))
            return -EFAULT;
    }
    return copy_to_guest(arg, &l, sizeof(l)) ? -EFAULT : 0;
}
