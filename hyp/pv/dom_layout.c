/* SPDX-License-Identifier: MIT */
/*
 * Domain builder layout arithmetic (ABI doc §1.3), modelled on libxenguest's
 * xc_dom_build_image(): pack the boot items after the kernel, then find the
 * smallest set of bootstrap page tables that maps everything including
 * itself, the stack and 512 KiB of slack, rounded up to 4 MiB; then the
 * items the kernel asked to have unmapped or mapped elsewhere.
 */
#include <hyp/dom_layout.h>
#include <hyp/errno.h>
#include <hyp/guest_range.h>
#include <hyp/string.h>

static const char ERR_ALIGN[]   = "virtual base not page aligned";
static const char ERR_OVERFLOW[] = "domain layout overflows the address space";
static const char ERR_NOMEM[]   = "image too large for the domain's memory";

static int fail(const char **why, const char *msg, int rc)
{
    if (why)
        *why = msg;
    return rc;
}

/* Pages needed for bytes; false on overflow. */
static bool bytes_to_pages(uint64_t bytes, uint64_t *pages)
{
    if (bytes > UINT64_MAX - (PAGE_SIZE - 1))
        return false;
    *pages = ALIGN_UP(bytes, PAGE_SIZE) >> PAGE_SHIFT;
    return true;
}

/* Virtual address of pfn; false if it does not fit in 64 bits. */
static bool pfn_to_va(uint64_t virt_base, uint64_t pfn, uint64_t *va)
{
    if (pfn > (UINT64_MAX >> PAGE_SHIFT))
        return false;
    return !__builtin_add_overflow(virt_base, pfn << PAGE_SHIFT, va);
}

/* Number of 2^shift-byte regions that [start, end) touches; end > start. */
static uint64_t regions(uint64_t start, uint64_t end, unsigned shift)
{
    return ((end - 1) >> shift) - (start >> shift) + 1;
}

/* Fill the table counts for mapping [virt_base, end); returns their total. */
static uint64_t count_tables(uint64_t virt_base, uint64_t end, struct dom_layout *out)
{
    out->nr_l3 = regions(virt_base, end, 39);
    out->nr_l2 = regions(virt_base, end, 30);
    out->nr_l1 = regions(virt_base, end, 21);
    return 1 + out->nr_l3 + out->nr_l2 + out->nr_l1;
}

/* Mapped end if nr_pt page tables start at pt_pfn; false on overflow. */
static bool mapped_end_for(uint64_t virt_base, uint64_t pt_pfn, uint64_t nr_pt, uint64_t *end)
{
    uint64_t va;

    /* Tables, one stack page, then the slack: all below the rounded end. */
    if (!pfn_to_va(virt_base, pt_pfn + nr_pt + 1 + DOM_LAYOUT_SLACK_PAGES, &va) ||
        va > UINT64_MAX - (DOM_LAYOUT_MAP_ALIGN - 1))
        return false;
    *end = ALIGN_UP(va, DOM_LAYOUT_MAP_ALIGN);
    return true;
}

/*
 * Least page-table count t with tables(mapped_end_for(t)) <= t.  Iterating
 * t <- tables(end(t)) from 0 is monotone, so it stops at that fixed point
 * (where the two are equal) after a few rounds.
 */
static int size_page_tables(uint64_t virt_base, struct dom_layout *out, const char **why)
{
    uint64_t t = 0, need, end;

    for (;;) {
        if (!mapped_end_for(virt_base, out->pt_pfn, t, &end))
            return fail(why, ERR_OVERFLOW, -EINVAL);
        need = count_tables(virt_base, end, out);
        if (need <= t)
            break;
        t = need;
    }
    out->pt_pages = t;
    out->mapped_end_va = end;
    return 0;
}

/*
 * Honour INIT_P2M?  As Xen: a page-aligned address below the kernel; and,
 * so that the two areas share no table, the list wholly in lower L4 slots.
 */
static bool p2m_goes_apart(const struct pv_image *img, uint64_t p2m_pages)
{
    uint64_t end;

    if (!img->has_init_p2m || img->init_p2m % PAGE_SIZE || img->init_p2m >= img->virt_base ||
        __builtin_add_overflow(img->init_p2m, p2m_pages << PAGE_SHIFT, &end))
        return false;
    return (end - 1) >> 39 < img->virt_base >> 39 && guest_range_ok(img->init_p2m, end - img->init_p2m);
}

/* Place module, p2m, start_info and (domU) rings after the kernel. */
static int place_items(const struct dom_layout_req *req, struct dom_layout *out,
                       const char **why)
{
    uint64_t pfn = out->kernel_pfn + out->kernel_pages;

    if (!bytes_to_pages(req->module_size, &out->module_pages) ||
        req->nr_pages > UINT64_MAX / 8 ||
        !bytes_to_pages(req->nr_pages * 8, &out->p2m_pages))
        return fail(why, ERR_OVERFLOW, -EINVAL);
    out->module_unmapped = out->module_pages && req->img->mod_start_pfn;
    out->p2m_separate = p2m_goes_apart(req->img, out->p2m_pages);
    if (out->module_pages && !out->module_unmapped) {
        out->module_pfn = pfn;
        pfn += out->module_pages;       /* both < 2^52: no overflow */
    }
    if (!out->p2m_separate) {
        out->p2m_pfn = pfn;
        pfn += out->p2m_pages;
    }
    out->start_info_pfn = pfn++;
    if (!req->is_dom0) {
        out->xenstore_pfn = pfn++;
        out->console_pfn = pfn++;
    }
    out->pt_pfn = pfn;
    return 0;
}

/* The unmapped items, from the mapped region's end: module, then p2m and its tables. */
static void place_unmapped(const struct pv_image *img, struct dom_layout *out)
{
    uint64_t pfn = (out->mapped_end_va - img->virt_base) >> PAGE_SHIFT;

    if (out->module_unmapped) {
        out->module_pfn = pfn;
        pfn += out->module_pages;
    }
    if (out->p2m_separate) {
        struct dom_layout apart;   /* only its table counts */
        uint64_t va = img->init_p2m;
        out->p2m_pfn = pfn;
        pfn += out->p2m_pages;
        out->p2m_pt_pfn = pfn;
        /* No L4: the area hangs off the domain's one L4. */
        out->p2m_pt_pages = count_tables(va, va + (out->p2m_pages << PAGE_SHIFT), &apart) - 1;
        pfn += out->p2m_pt_pages;
        out->p2m_va = va;
    } else {
        out->p2m_va = img->virt_base + (out->p2m_pfn << PAGE_SHIFT);
    }
    out->end_pfn = pfn;
}

int dom_layout_compute(const struct dom_layout_req *req, struct dom_layout *out,
                       const char **why)
{
    const struct pv_image *img = req->img;
    uint64_t vb = img->virt_base;
    int rc;

    memset(out, 0, sizeof(*out));
    if (vb % PAGE_SIZE)
        return fail(why, ERR_ALIGN, -EINVAL);
    if (img->virt_kstart < vb || img->virt_kend < img->virt_kstart)
        return fail(why, ERR_OVERFLOW, -EINVAL);
    out->kernel_pfn = (img->virt_kstart - vb) >> PAGE_SHIFT;
    out->kernel_pages = (img->virt_kend - img->virt_kstart) >> PAGE_SHIFT;
    rc = place_items(req, out, why);
    if (!rc)
        rc = size_page_tables(vb, out, why);
    if (rc)
        return rc;
    out->stack_pfn = out->pt_pfn + out->pt_pages;
    if (!guest_range_ok(vb, out->mapped_end_va - vb))
        return fail(why, ERR_OVERFLOW, -EINVAL);
    place_unmapped(img, out);
    if (out->end_pfn > req->nr_pages)
        return fail(why, ERR_NOMEM, -ENOMEM);
    return 0;
}
