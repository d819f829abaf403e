/* SPDX-License-Identifier: MIT */
/*
 * The L1TF check of not-present page-table entries (include/hyp/pte_l1tf.h,
 * docs/security.md): a pure test of one entry, and the policy that decides
 * which domains are checked.  Off until spec_ctrl_init turns it on, which it
 * does only on CPUs believed affected; pt.c calls pte_l1tf_check before it
 * stores a not-present entry, on validation and on every update.
 */
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/pte_l1tf.h>

#define PTE_PRESENT (1UL << 0)
#define PTE_PSE     (1UL << 7)
#define MAXPHYSADDR_MIN 32
#define MAXPHYSADDR_MAX 52

static struct {
    bool dom0, domu;
    struct l1tf_params params;
} l1tf;

struct l1tf_params l1tf_params_for(unsigned maxphysaddr)
{
    unsigned bits = MIN(MAX(maxphysaddr, MAXPHYSADDR_MIN), MAXPHYSADDR_MAX);

    return (struct l1tf_params){
        .addr_mask = ((1UL << bits) - 1) & PAGE_MASK,
        .safe_maddr = 3UL << (bits - 2),
    };
}

/*
 * Bits beyond addr_mask are left out: the cache lookup ignores them, and an
 * address that is safe without them is safe with them.  Address 0 is safe:
 * frame 0 holds the real-mode vectors and BIOS data, never a secret, and
 * every cleared entry points there.
 */
bool pte_l1tf_safe(uint64_t pte, unsigned level, const struct l1tf_params *p)
{
    uint64_t maddr = pte & p->addr_mask;

    if (level > 1 && (pte & PTE_PSE))
        return false;
    return maddr == 0 || maddr >= p->safe_maddr;
}

void pte_l1tf_enable(const struct l1tf_params *p, bool dom0, bool domu)
{
    l1tf.params = *p;
    l1tf.dom0 = dom0;
    l1tf.domu = domu;
}

int pte_l1tf_check_not_present(struct domain *d, unsigned level, uint64_t pte)
{
    bool checked = d->is_dom0 ? l1tf.dom0 : l1tf.domu;

    if (!checked || (pte & PTE_PRESENT) || pte_l1tf_safe(pte, level, &l1tf.params))
        return 0;
    domain_crash(d, "L1TF-vulnerable L%ue %016lx", level, pte);
    return -EINVAL;
}
