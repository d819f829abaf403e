/* SPDX-License-Identifier: MIT */
/* The guest page-table walk (include/hyp/guest_walk.h). */
#include <hyp/frame_table.h>
#include <hyp/guest_walk.h>

void guest_walk(mfn_t l4, uint64_t va, struct guest_walk *w)
{
    mfn_t mfn = l4;

    w->l1_table = 0;
    w->l1e = 0;
    w->eff = _PAGE_RW | _PAGE_USER;
    for (unsigned level = 4; level > 1; level--) {
        pte_t e = ((const pte_t *)mfn_to_virt(mfn))[pt_index(va, level)];
        if (!pte_present(e) || (e & _PAGE_PSE) || !mfn_valid(pte_mfn(e)))
            return;
        w->eff = (w->eff & e & (_PAGE_RW | _PAGE_USER)) | ((w->eff | e) & _PAGE_NX);
        mfn = pte_mfn(e);
    }
    w->l1_table = mfn;
    w->l1e = ((const pte_t *)mfn_to_virt(mfn))[pt_index(va, 1)];
    w->eff = (w->eff & w->l1e & (_PAGE_RW | _PAGE_USER)) | ((w->eff | w->l1e) & _PAGE_NX);
}
