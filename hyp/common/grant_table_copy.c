/* SPDX-License-Identifier: MIT */
/*
 * GNTTABOP_copy (docs/grants.md): copy bytes between two frames, each
 * named by a grant (a domain's ref, pinned for the copy as a host mapping:
 * read-only for the source, writable for the destination) or by frame
 * number (the caller's own frames, and only as DOMID_SELF).  Both frames
 * are held by a reference, the destination by a writable type reference,
 * while the bytes move; the granters' tables are entered meanwhile.
 * The checks come in Xen's order: domains, source, destination, bounds.
 */
#include <asm/page.h>
#include <hyp/domain.h>
#include <hyp/frame_table.h>
#include <hyp/pt.h>
#include <hyp/string.h>

#include "grant_table_internal.h"

struct copy_buf {
    struct domain *d;
    bool gref, readonly, entered, pinned, typed, held;
    uint32_t ref;
    mfn_t mfn;
};

/* Which domain a side names: frames only by DOMID_SELF, grants by any id. */
static int16_t side_domain(struct domain *ld, const struct gnttab_copy_ptr *p, bool gref,
                           struct copy_buf *b)
{
    b->gref = gref;
    if (p->domid != DOMID_SELF && !gref)
        return GNTST_permission_denied;
    if (!(b->d = domain_by_any_id(ld, p->domid)))
        return GNTST_bad_domain;
    if (!grant_enter(ld, b->d))
        return GNTST_bad_domain;   /* it is dying */
    b->entered = true;
    return GNTST_okay;
}

static int16_t claim(struct domain *ld, const struct gnttab_copy_ptr *p, struct copy_buf *b)
{
    struct page_info *pg;
    int16_t rc;

    if (b->gref) {
        if (!b->d->grant_table)
            return GNTST_bad_domain;
        b->ref = p->u.ref;
        rc = grant_pin(b->d, b->ref, ld->id, b->readonly ? GNTPIN_HSTR : GNTPIN_HSTW, true,
                       &b->mfn);
        if (rc)
            return rc;
        b->pinned = b->held = true;
    } else {
        b->mfn = p->u.gmfn;
        if (!mfn_valid(b->mfn) || !get_page(mfn_to_page(b->mfn), b->d))
            return GNTST_bad_page;
        b->held = true;
    }
    pg = mfn_to_page(b->mfn);
    if (!b->readonly) {
        if (get_page_type(pg, PGT_writable, b->d))
            return GNTST_general_error;
        b->typed = true;
    }
    return GNTST_okay;
}

static void release(struct domain *ld, struct copy_buf *b)
{
    if (b->typed)
        put_page_type(mfn_to_page(b->mfn));
    if (b->pinned)
        grant_unpin(b->d, b->ref, b->readonly ? GNTPIN_HSTR : GNTPIN_HSTW);
    if (b->held)
        put_page(mfn_to_page(b->mfn));
    if (b->entered)
        grant_leave(ld, b->d);
}

static int16_t copy_bytes(const struct gnttab_copy *op, const struct copy_buf *src,
                          const struct copy_buf *dst)
{
    if (op->source.offset + op->len > PAGE_SIZE || op->dest.offset + op->len > PAGE_SIZE)
        return GNTST_bad_copy_arg;
    /* The same frame on both sides may overlap. */
    memmove((uint8_t *)pt_map_frame(dst->mfn) + op->dest.offset,
            (const uint8_t *)pt_map_frame(src->mfn) + op->source.offset, op->len);
    return GNTST_okay;
}

int16_t grant_copy_one(struct domain *ld, const struct gnttab_copy *op)
{
    struct copy_buf src = { .readonly = true }, dst = { .readonly = false };
    int16_t rc;

    if (!(rc = side_domain(ld, &op->source, op->flags & GNTCOPY_source_gref, &src)) &&
        !(rc = side_domain(ld, &op->dest, op->flags & GNTCOPY_dest_gref, &dst)) &&
        !(rc = claim(ld, &op->source, &src)) && !(rc = claim(ld, &op->dest, &dst)))
        rc = copy_bytes(op, &src, &dst);
    release(ld, &dst);
    release(ld, &src);
    return rc;
}
