/* SPDX-License-Identifier: MIT */
/*
 * GNTTABOP_map_grant_ref and unmap_grant_ref (and unmap_and_replace) for a
 * PV guest, as Xen 4.17 does them (docs/grants.md):
 *
 *  - a host mapping replaces the PTE that maps host_addr in the caller's
 *    current tables, or (GNTMAP_contains_pte) the PTE at machine address
 *    host_addr in one of its L1s, through pt_update_entry with the granter
 *    as page owner: the same checks and references as update_va_mapping.
 *    The PTE is Xen's: present, accessed, dirty, NX, writable unless
 *    read-only, user for an application mapping, the guest's three
 *    available bits from the flags' top bits;
 *  - a device mapping has no PTE: its handle holds a reference (and a
 *    writable type reference) and the caller gets the bus address;
 *  - unmapping names the handle and where the mapping is: the PTE must
 *    still map the frame, present and as writable as granted.
 *
 * Order in a map: handle, pin (grant_table_pin.c), references, PTE; each
 * failure undoes what came before.  The granter's table is entered for the
 * whole operation (grant_enter).
 */
#include <asm/atomic.h>
#include <asm/page.h>
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/frame_table.h>
#include <hyp/pt.h>

#include "grant_table_internal.h"

/* A PTE that keeps changing under us is given up on after this many tries. */
#define PTE_RETRIES 16

/* The PTE of a host mapping (pt.c adds the user and kernel/global bits, as Xen). */
static uint64_t grant_pte(mfn_t mfn, uint32_t flags)
{
    uint64_t pte = pte_make(mfn << PAGE_SHIFT,
                            _PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_NX);

    if (flags & GNTMAP_application_map)
        pte |= _PAGE_USER;
    if (!(flags & GNTMAP_readonly))
        pte |= _PAGE_RW;
    return pte | ((uint64_t)(flags >> _GNTMAP_guest_avail0) << 9 & _PAGE_AVAIL);
}

/* An L1 entry of the caller's, with a reference and an L1 type reference on its table. */
struct pte_slot {
    struct page_info *l1;
    unsigned index;
};

static bool pte_slot_get(struct domain *ld, uint64_t addr, bool by_pte, struct pte_slot *s)
{
    mfn_t l1;

    if (by_pte) {
        if (addr & 7)
            return false;   /* it would corrupt two entries */
        l1 = addr >> PAGE_SHIFT;
        s->index = (unsigned)(addr & (PAGE_SIZE - 1)) / 8;
    } else {
        if (!grant_find_l1(ld, addr, &l1))
            return false;
        s->index = pt_index(addr, 1);
    }
    if (!mfn_valid(l1))
        return false;
    s->l1 = mfn_to_page(l1);
    if (!get_page(s->l1, ld))
        return false;
    if (!get_page_type_in_use(s->l1, PGT_l1)) {   /* not a validated L1 now */
        put_page(s->l1);
        return false;
    }
    return true;
}

static void pte_slot_put(struct pte_slot *s)
{
    put_page_and_type(s->l1);
}

static int16_t map_host(struct domain *ld, struct domain *rd, const struct gnttab_map_grant_ref *op,
                        mfn_t mfn)
{
    struct pte_slot s;
    int rc;

    if (!pte_slot_get(ld, op->host_addr, op->flags & GNTMAP_contains_pte, &s))
        return GNTST_general_error;
    /* The entry's references to rd's frame are taken here, as for any mapping. */
    rc = pt_update_entry(s.l1, s.index, grant_pte(mfn, op->flags), false, ld, rd);
    pte_slot_put(&s);
    return rc ? GNTST_general_error : GNTST_okay;
}

static int16_t map_device(struct domain *rd, uint32_t flags, mfn_t mfn)
{
    struct page_info *pg = mfn_to_page(mfn);

    if (!get_page(pg, rd))
        return GNTST_general_error;
    if (!(flags & GNTMAP_readonly) && get_page_type(pg, PGT_writable, rd)) {
        put_page(pg);
        return GNTST_general_error;
    }
    return GNTST_okay;
}

static void unmap_device(uint32_t flags, mfn_t mfn)
{
    if (flags & GNTMAP_readonly)
        put_page(mfn_to_page(mfn));
    else
        put_page_and_type(mfn_to_page(mfn));
}

int16_t grant_map_one(struct domain *ld, struct gnttab_map_grant_ref *op)
{
    uint32_t incr = grant_pin_incr(op->flags), h;
    struct grant_table *lgt = ld->grant_table;
    struct domain *rd;
    int16_t rc;
    mfn_t mfn;

    if (!incr)
        return GNTST_bad_gntref;   /* neither host nor device: Xen's answer */
    if (!(rd = domain_from_id(op->dom)) || !grant_enter(ld, rd))
        return GNTST_bad_domain;   /* DOMID_SELF too: a mapping names a real id */
    rc = GNTST_bad_domain;
    if (!rd->grant_table || !lgt)
        goto leave;
    rc = GNTST_no_space;
    if ((h = maptrack_get(lgt)) == GNTTAB_HANDLE_NIL)
        goto leave;
    if ((rc = grant_pin(rd, op->ref, ld->id, incr, false, &mfn)))
        goto put_handle;
    if ((op->flags & GNTMAP_device_map) && (rc = map_device(rd, op->flags, mfn)))
        goto unpin;
    if ((op->flags & GNTMAP_host_map) && (rc = map_host(ld, rd, op, mfn))) {
        if (op->flags & GNTMAP_device_map)
            unmap_device(op->flags, mfn);
        goto unpin;
    }
    maptrack_install(lgt, h, &(struct grant_mapping){ .ref = op->ref, .domid = rd->id,
                                                     .flags = op->flags & GNTMAP_KEPT,
                                                     .mfn = mfn });
    op->handle = h;
    op->dev_bus_addr = mfn << PAGE_SHIFT;
    grant_leave(ld, rd);
    return GNTST_okay;
unpin:
    grant_unpin(rd, op->ref, incr);
put_handle:
    maptrack_put(lgt, h);
leave:
    grant_leave(ld, rd);
    return rc;
}

/*
 * unmap_and_replace: the PTE at new_addr moves to the grant's place.  It
 * is taken away first (its references go) and written there anew (they
 * are taken again); if the second step fails it is lost, as on Xen.
 */
static bool steal_pte(struct domain *ld, uint64_t va, uint64_t *val)
{
    struct pte_slot s;
    int rc = -EAGAIN;

    if (!pte_slot_get(ld, va, false, &s))
        return false;
    uint64_t *t = pt_map_frame(page_to_mfn(s.l1));
    for (unsigned tries = 0; tries < PTE_RETRIES && rc == -EAGAIN; tries++) {
        *val = atomic_load64(&t[s.index]);
        rc = pt_update_entry_if(s.l1, s.index, *val, 0, ld, ld);
    }
    pte_slot_put(&s);
    if (!(*val & _PAGE_PRESENT))
        *val = 0;
    return rc == 0;
}

/* Take the host mapping of mfn at host_addr away: 0, or -1 (nothing changed). */
static int unmap_host(struct domain *ld, uint64_t host_addr, uint64_t new_addr, uint16_t flags,
                      mfn_t mfn)
{
    uint64_t want = _PAGE_PRESENT | (flags & GNTMAP_readonly ? 0 : _PAGE_RW), repl = 0;
    bool by_pte = flags & GNTMAP_contains_pte;
    struct pte_slot s;
    int rc = -1;

    if (by_pte && new_addr)
        return -1;   /* no replacing in that addressing mode */
    if (new_addr && !steal_pte(ld, new_addr, &repl))
        return -1;
    if (!pte_slot_get(ld, host_addr, by_pte, &s))
        return -1;
    uint64_t *t = pt_map_frame(page_to_mfn(s.l1));
    for (unsigned tries = 0; tries < PTE_RETRIES; tries++) {
        uint64_t old = atomic_load64(&t[s.index]);
        /* Still the grant's frame, present and as writable as granted? */
        if (pte_mfn(old) != mfn || (old & (_PAGE_PRESENT | _PAGE_RW)) != want)
            break;
        rc = pt_update_entry_if(s.l1, s.index, old, repl, ld, ld);
        if (rc != -EAGAIN)
            break;
    }
    pte_slot_put(&s);
    return rc ? -1 : 0;
}

int16_t grant_unmap_begin(struct domain *ld, uint32_t handle, uint64_t host_addr,
                          uint64_t dev_bus_addr, uint64_t new_addr,
                          struct grant_unmap_done *done)
{
    struct grant_table *lgt = ld->grant_table;
    struct grant_mapping m;
    uint16_t left;

    done->flags = 0;
    if (!lgt || !maptrack_claim(lgt, handle, &m))
        return GNTST_bad_handle;
    left = m.flags;
    if (!domain_from_id(m.domid)) {
        /* Its frame is no longer referenced by the mapping: the guest removed it itself. */
        maptrack_release(lgt, handle, left);
        domain_crash(ld, "unmapping a grant of domain %u, which is gone", m.domid);
        return GNTST_general_error;
    }
    if (dev_bus_addr && (m.flags & GNTMAP_device_map) && dev_bus_addr != m.mfn << PAGE_SHIFT) {
        maptrack_release(lgt, handle, left);
        return GNTST_bad_dev_addr;
    }
    if (host_addr && (m.flags & GNTMAP_host_map)) {
        if (unmap_host(ld, host_addr, new_addr, m.flags, m.mfn)) {
            maptrack_release(lgt, handle, left);
            return GNTST_general_error;
        }
        left &= ~GNTMAP_host_map;
        done->flags |= GNTMAP_host_map;
    }
    if (dev_bus_addr && (m.flags & GNTMAP_device_map)) {
        left &= ~GNTMAP_device_map;
        done->flags |= GNTMAP_device_map;
    }
    if (done->flags)
        done->flags |= m.flags & GNTMAP_readonly;
    done->domid = m.domid;
    done->ref = m.ref;
    done->mfn = m.mfn;
    maptrack_release(lgt, handle, left);
    return GNTST_okay;
}

void grant_unmap_finish(struct domain *ld, const struct grant_unmap_done *done)
{
    struct domain *rd;

    if (!done->flags)
        return;
    if (done->flags & GNTMAP_device_map)
        unmap_device(done->flags, done->mfn);
    /* A granter that is dying has no table to tell any more. */
    if (!(rd = domain_from_id(done->domid)) || !grant_enter(ld, rd))
        return;
    if (rd->grant_table)
        grant_unpin(rd, done->ref, grant_pin_incr(done->flags));
    grant_leave(ld, rd);
}

void grant_release_mapping(struct domain *d, const struct grant_mapping *m)
{
    struct grant_unmap_done done = {
        .flags = m->flags & (GNTMAP_device_map | GNTMAP_host_map | GNTMAP_readonly),
        .domid = m->domid, .ref = m->ref, .mfn = m->mfn,
    };

    grant_unmap_finish(d, &done);
}
