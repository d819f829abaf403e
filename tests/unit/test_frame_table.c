/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for hyp/mm/frame_table.c (with pt.c and mm_check.c) on the fake
 * arch (hyp/arch/fake/): general and type reference rules, type changes and
 * their TLB flushes, pinning as mmuext_op does it, releasing pages and
 * relinquishing a whole domain, and the invariant checker's own ability to
 * spot corrupted counts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <hyp/errno.h>
#include <hyp/mm_check.h>

#define FAKE_HARNESS_PAGES 128
#include "fake_harness.h"

static void test_setup_state(void **state)
{
    for (mfn_t m = 0; m < FAKE_FRAMES; m++) {
        bool io = m >= FAKE_IO_FIRST;
        assert_int_equal(pg(m)->owner, io ? DOMID_IO : DOMID_INVALID);
        assert_int_equal(pg(m)->count, 0);
        assert_int_equal(pg(m)->next, FT_NIL);
    }
    assert_true(mfn_valid(FAKE_FRAMES - 1));
    assert_false(mfn_valid(FAKE_FRAMES));
    /* I/O and free frames cannot be assigned twice or at all. */
    assert_int_equal(domain_assign_page(&domu, FAKE_IO_FIRST, true), -EBUSY);
    assert_int_equal(domain_assign_page(&domu, FAKE_FRAMES, true), -EINVAL);
    mfn_t m = fake_give(&domu);
    assert_int_equal(domain_assign_page(&dom0, m, true), -EBUSY);
    assert_int_equal(domu.tot_pages, 1);
    CHECK0();
}

static void test_assign_respects_max_pages(void **state)
{
    struct domain small;

    fake_domain_init(&small, 5, false, 2);
    fake_give(&small);
    fake_give(&small);
    assert_int_equal(domain_assign_page(&small, 100, true), -ENOMEM);
    /* Shared hypervisor pages do not count against max_pages. */
    assert_int_equal(domain_assign_page(&small, 100, false), 0);
    assert_int_equal(small.xen_pages, 1);
    assert_int_equal(get_page_type(pg(100), PGT_writable, &small), 0);   /* as dom_build */
    CHECK0();
}

static void test_get_put_page(void **state)
{
    mfn_t m = fake_give(&domu);

    assert_int_equal(pg(m)->count, 1);
    assert_true(get_page(pg(m), &domu));
    assert_int_equal(pg(m)->count, 2);
    assert_false(get_page(pg(m), &dom0));          /* not the owner, even privileged */
    assert_false(get_page(pg(m), NULL));
    assert_int_equal(pg(m)->count, 2);
    put_page(pg(m));
    assert_int_equal(pg(m)->count, 1);
    CHECK0();

    /* Free and I/O frames take no references. */
    assert_false(get_page(pg(200), &domu));
    assert_false(get_page(pg(FAKE_IO_FIRST), &dom0));
    assert_int_equal(pg(200)->count, 0);

    /* Saturation: no reference beyond PAGE_COUNT_MAX. */
    pg(m)->count = PAGE_COUNT_MAX - 1;
    assert_true(get_page(pg(m), &domu));
    assert_false(get_page(pg(m), &domu));
    assert_int_equal(pg(m)->count, PAGE_COUNT_MAX);
    pg(m)->count = 1;

    /* A stray put on a free frame is ignored (the checker would report the bug). */
    put_page(pg(200));
    assert_int_equal(pg(200)->count, 0);
    assert_int_equal(fake.frees, 0);
    CHECK0();
}

static void test_last_reference_frees(void **state)
{
    mfn_t m = fake_give(&domu);
    unsigned long flushes = fake.flushes;

    assert_true(get_page(pg(m), &domu));
    assert_int_equal(domain_release_page(&domu, m), 0);
    /* Our reference keeps it: still owned, on the list, counted, not freed. */
    assert_int_equal(pg(m)->owner, domu.id);
    assert_int_equal(pg(m)->count, 1);
    assert_false(pg(m)->flags & PGF_allocated);
    assert_int_equal(domu.tot_pages, 1);
    assert_int_equal(fake.frees, 0);
    /* (No checker run here: it cannot know about a transient reference like ours.) */
    put_page(pg(m));
    assert_int_equal(pg(m)->owner, DOMID_INVALID);
    assert_int_equal(fake.free_count[m], 1);
    assert_int_equal(fake.flushes, flushes + 1);   /* no stale translation to a freed frame */
    assert_int_equal(domu.tot_pages, 0);
    assert_int_equal(domu.page_list_head, FT_NIL);
    CHECK0();
    /* It can be given out again. */
    assert_int_equal(fake_assign(&dom0, m), 0);
    CHECK0();
}

static void test_type_changes_only_at_zero(void **state)
{
    mfn_t m = fake_give(&domu);
    unsigned long flushes = fake.flushes;

    assert_int_equal(get_page_type(pg(m), PGT_writable, &domu), 0);
    assert_int_equal(pg(m)->type, PGT_writable);
    assert_int_equal(fake.flushes, flushes + 1);
    assert_int_equal(get_page_type(pg(m), PGT_writable, &domu), 0);
    assert_int_equal(pg(m)->type_count, 2);
    assert_int_equal(fake.flushes, flushes + 1);   /* no change, no flush */
    for (unsigned t = PGT_l1; t <= PGT_seg_desc; t++)
        assert_int_equal(get_page_type(pg(m), t, &domu), -EINVAL);
    assert_int_equal(pg(m)->type_count, 2);
    assert_int_equal(pg(m)->type, PGT_writable);
    put_page_type(pg(m));
    put_page_type(pg(m));
    assert_int_equal(pg(m)->type_count, 0);
    assert_int_equal(pg(m)->type, PGT_writable);   /* the type is kept lazily */
    assert_int_equal(fake.flushes, flushes + 1);

    /* Same type again: no flush; another type: one flush per change. */
    assert_int_equal(get_page_type(pg(m), PGT_writable, &domu), 0);
    assert_int_equal(fake.flushes, flushes + 1);
    put_page_type(pg(m));
    assert_int_equal(get_page_type(pg(m), PGT_l1, &domu), 0);
    assert_int_equal(fake.flushes, flushes + 2);
    assert_true(pg(m)->flags & PGF_validated);
    assert_int_equal(get_page_type(pg(m), PGT_writable, &domu), -EINVAL);
    put_page_type(pg(m));
    assert_false(pg(m)->flags & PGF_validated);
    assert_int_equal(get_page_type(pg(m), PGT_seg_desc, &domu), 0);
    assert_int_equal(fake.flushes, flushes + 3);
    put_page_type(pg(m));
    assert_int_equal(get_page_type(pg(m), PGT_l4, &domu), 0);
    assert_int_equal(fake.flushes, flushes + 4);
    put_page_type(pg(m));

    /* A stray put_page_type at zero is ignored. */
    put_page_type(pg(m));
    assert_int_equal(pg(m)->type_count, 0);

    /* Type count saturation. */
    assert_int_equal(get_page_type(pg(m), PGT_l4, &domu), 0);
    pg(m)->type_count = PAGE_COUNT_MAX;
    assert_int_equal(get_page_type(pg(m), PGT_l4, &domu), -EBUSY);
    assert_int_equal(pg(m)->type_count, PAGE_COUNT_MAX);
    pg(m)->type_count = 1;
    put_page_type(pg(m));
    CHECK0();
}

static void test_get_page_and_type(void **state)
{
    mfn_t m = fake_give(&domu), w = fake_give(&domu);

    assert_int_equal(get_page_type(pg(w), PGT_writable, &domu), 0);
    /* Failure of either half leaves nothing behind. */
    assert_int_equal(get_page_and_type(pg(w), &domu, PGT_l1), -EINVAL);
    assert_int_equal(pg(w)->count, 1);
    assert_int_equal(get_page_and_type(pg(m), &dom0, PGT_l1), -EINVAL);
    assert_int_equal(pg(m)->count, 1);
    assert_int_equal(pg(m)->type_count, 0);
    put_page_type(pg(w));

    assert_int_equal(get_page_and_type(pg(m), &domu, PGT_l2), 0);
    assert_int_equal(pg(m)->count, 2);
    assert_int_equal(pg(m)->type_count, 1);
    put_page_and_type(pg(m));
    /* The last type reference queues the table: devalidated by the drain. */
    assert_true(pg(m)->flags & PGF_queued);
    assert_int_equal(pg(m)->count, 3);   /* ownership, partial, queue */
    assert_int_equal(pg(m)->type_count, 0);
    CHECK0();
    fake_drain(&domu);
    assert_int_equal(pg(m)->count, 1);
    assert_false(pg(m)->flags & (PGF_partial | PGF_queued | PGF_devalidating));
    CHECK0();
}

static void test_pin_like_mmuext(void **state)
{
    mfn_t t = fake_give(&domu);

    assert_int_equal(fake_pin(&domu, t, PGT_l1), 0);
    assert_int_equal(pg(t)->count, 2);
    assert_int_equal(pg(t)->type_count, 1);
    assert_true(pg(t)->flags & PGF_pinned);
    assert_true(pg(t)->flags & PGF_validated);
    CHECK0();

    struct page_info snap[FAKE_FRAMES];
    fake_snapshot(snap);
    assert_int_equal(fake_pin(&domu, t, PGT_l1), -EINVAL);     /* already pinned */
    assert_int_equal(fake_pin(&domu, t, PGT_l2), -EINVAL);     /* other type in use */
    assert_int_equal(fake_pin(&dom0, t, PGT_l1), -EINVAL);     /* not dom0's */
    assert_int_equal(fake_unpin(&dom0, t), -EINVAL);
    assert_int_equal(fake_pin(&domu, 200, PGT_l1), -EINVAL);   /* free frame */
    assert_int_equal(fake_pin(&dom0, FAKE_IO_FIRST, PGT_l1), -EINVAL);
    assert_int_equal(fake_pin(&domu, FAKE_FRAMES + 5, PGT_l1), -EINVAL);
    assert_true(fake_same_as(snap));
    CHECK0();

    assert_int_equal(fake_unpin(&domu, t), 0);
    assert_int_equal(pg(t)->count, 1);
    assert_int_equal(pg(t)->type_count, 0);
    assert_false(pg(t)->flags & (PGF_pinned | PGF_validated));
    assert_int_equal(fake_unpin(&domu, t), -EINVAL);
    assert_int_equal(pg(t)->count, 1);
    CHECK0();
}

static void test_pin_refuses_writable_frame(void **state)
{
    mfn_t l1 = fake_give(&domu), data = fake_give(&domu);

    fake_pt(l1)[3] = fake_pte(data, F_P | F_RW);
    assert_int_equal(fake_pin(&domu, l1, PGT_l1), 0);
    assert_int_equal(pg(data)->type, PGT_writable);
    CHECK0();
    struct page_info snap[FAKE_FRAMES];
    fake_snapshot(snap);
    for (unsigned level = PGT_l1; level <= PGT_l4; level++)
        assert_int_equal(fake_pin(&domu, data, level), -EINVAL);
    assert_true(fake_same_as(snap));
    CHECK0();
    assert_int_equal(fake_unpin(&domu, l1), 0);
    /* Mapping gone: now it may become a table. */
    assert_int_equal(fake_pin(&domu, data, PGT_l2), 0);
    CHECK0();
}

/*
 * A pinned L1 referenced by a pinned L2, given back: as on Xen it keeps its
 * pin and stays the domain's (counted in tot_pages) until the last
 * reference goes -- here the unpin, then the L2 entry.
 */
static void test_release_pinned_table(void **state)
{
    mfn_t l2 = fake_give(&domu), l1 = fake_give(&domu), data = fake_give(&domu);

    fake_pt(l2)[7] = fake_pte(l1, F_P | F_RW);
    fake_pt(l1)[0] = fake_pte(data, F_P | F_RW);
    assert_int_equal(fake_pin(&domu, l1, PGT_l1), 0);
    assert_int_equal(fake_pin(&domu, l2, PGT_l2), 0);
    assert_int_equal(pg(l1)->count, 3);
    assert_int_equal(pg(l1)->type_count, 2);
    CHECK0();

    assert_int_equal(domain_release_page(&domu, l1), 0);
    assert_false(pg(l1)->flags & PGF_allocated);
    assert_true(pg(l1)->flags & PGF_pinned);
    assert_true(pg(l1)->flags & PGF_validated);
    assert_int_equal(pg(l1)->count, 2);
    assert_int_equal(pg(l1)->type_count, 2);
    assert_int_equal(pg(l1)->owner, domu.id);
    assert_int_equal(domu.tot_pages, 3);
    assert_int_equal(fake.frees, 0);
    assert_int_equal(domain_release_page(&domu, l1), -EINVAL);   /* not allocated any more */
    CHECK0();

    assert_int_equal(fake_unpin(&domu, l1), 0);
    assert_int_equal(fake.free_count[l1], 0);
    assert_int_equal(pg(l1)->count, 1);
    CHECK0();

    /* The last reference goes with the L2 entry: devalidated and freed. */
    assert_int_equal(pt_update_entry(pg(l2), 7, 0, false, &domu, &domu), 0);
    fake_drain(&domu);
    assert_int_equal(fake.free_count[l1], 1);
    assert_int_equal(pg(l1)->owner, DOMID_INVALID);
    assert_int_equal(pg(data)->type_count, 0);
    assert_int_equal(pg(data)->count, 1);
    assert_int_equal(domu.tot_pages, 2);
    CHECK0();

    /* Releasing what one does not own fails. */
    assert_int_equal(domain_release_page(&domu, l1), -EINVAL);
    assert_int_equal(domain_release_page(&dom0, data), -EINVAL);
    assert_int_equal(domain_release_page(&domu, FAKE_FRAMES), -EINVAL);
    assert_int_equal(domain_release_page(&domu, FAKE_IO_FIRST), -EINVAL);
    CHECK0();
}

static void test_release_shared_page_refused(void **state)
{
    assert_int_equal(domain_assign_page(&domu, 50, false), 0);
    fake.assign_count[50]++;
    assert_int_equal(get_page_type(pg(50), PGT_writable, &domu), 0);
    CHECK0();
    assert_int_equal(domain_release_page(&domu, 50), -EINVAL);
    assert_int_equal(pg(50)->count, 1);
    CHECK0();
}

/*
 * Bug regression: a shared hypervisor page (shared_info) holds a writable
 * type reference by its PGF_xen_shared flag (dom_build takes it, mm_check
 * counts it).  When the domain goes, the frame must be freed without that
 * type reference left behind on a free frame.
 */
static void test_relinquish_shared_page(void **state)
{
    mfn_t data = fake_give(&domu);

    assert_int_equal(domain_assign_page(&domu, 50, false), 0);
    fake.assign_count[50]++;
    assert_int_equal(get_page_type(pg(50), PGT_writable, &domu), 0);
    CHECK0();
    domu.state = DOMAIN_DYING;
    domain_relinquish_memory(&domu);
    assert_int_equal(fake.free_count[50], 1);
    assert_int_equal(fake.free_count[data], 1);
    assert_int_equal(pg(50)->type_count, 0);
    assert_int_equal(domu.state, DOMAIN_FREE);
    CHECK0();
}

/* Build a domain with cross-referencing tables and linear maps; return its frames. */
static unsigned build_tangle(struct domain *d, mfn_t *f)
{
    unsigned n = 0;

    for (unsigned i = 0; i < 12; i++)
        f[n++] = fake_give(d);
    /* f0, f1: L4s sharing the L3 f2; f2 -> L2 f3 and linear to L3 f4 (f4 -> L2 f3 too);
     * f0 maps itself and f1 linearly. */
    fake_pt(f[0])[0] = fake_pte(f[2], F_P | F_RW);
    fake_pt(f[0])[1] = fake_pte(f[0], F_P);            /* linear self-map */
    fake_pt(f[0])[2] = fake_pte(f[1], F_P);            /* linear map of the other L4 */
    fake_pt(f[1])[0] = fake_pte(f[2], F_P | F_RW);
    fake_pt(f[1])[511] = fake_pte(f[4], F_P);
    fake_pt(f[4])[0] = fake_pte(f[3], F_P | F_RW);
    fake_pt(f[2])[0] = fake_pte(f[3], F_P | F_RW);
    /* L2 f3 -> L1s f5, f6; f5 maps data RW and the tables RO; f6 maps f5's data too. */
    fake_pt(f[3])[0] = fake_pte(f[5], F_P | F_RW);
    fake_pt(f[3])[1] = fake_pte(f[6], F_P | F_RW);
    fake_pt(f[3])[2] = fake_pte(f[6], F_P | F_RW);
    for (unsigned i = 0; i < 7; i++)
        fake_pt(f[5])[i] = fake_pte(f[i], F_P);
    fake_pt(f[5])[7] = fake_pte(f[7], F_P | F_RW);
    fake_pt(f[5])[8] = fake_pte(f[8], F_P | F_RW);
    fake_pt(f[6])[0] = fake_pte(f[7], F_P | F_RW);
    fake_pt(f[6])[1] = fake_pte(f[9], F_P);
    /* The L1 f10 is pinned on its own and maps f11 (released later). */
    fake_pt(f[10])[0] = fake_pte(f[11], F_P | F_RW);
    assert_int_equal(fake_pin(d, f[1], PGT_l4), 0);
    assert_int_equal(fake_pin(d, f[0], PGT_l4), 0);
    assert_int_equal(fake_pin(d, f[10], PGT_l1), 0);
    assert_int_equal(fake_pin(d, f[3], PGT_l2), 0);
    /* Once f4 is a validated L3: L3 -> L3, linear. */
    assert_int_equal(pt_update_entry(pg(f[2]), 1, fake_pte(f[4], F_P), false, d, d), 0);
    return n;
}

static void test_relinquish_tangle(void **state)
{
    mfn_t f[16], root;
    unsigned n = build_tangle(&domu, f);

    /* A base pointer on f0, as a vCPU would hold. */
    assert_int_equal(get_page_and_type(pg(f[0]), &domu, PGT_l4), 0);
    root = f[0];
    assert_int_equal(fake_check(&root, 1), 0);
    assert_int_equal(pg(f[7])->type_count, 2);
    assert_int_equal(pg(f[4])->linear, -1);
    assert_int_equal(pg(f[2])->linear, 1);
    assert_int_equal(pg(f[1])->linear, -1);
    assert_int_equal(pg(f[0])->linear, 1);   /* the self-map is not counted */
    assert_int_equal(domain_release_page(&domu, f[11]), 0);   /* kept by f10's entry */
    assert_int_equal(domain_release_page(&domu, f[1]), 0);    /* pinned: unpinned, kept */
    assert_int_equal(fake_check(&root, 1), 0);

    /* dom0 maps one of domU's frames (foreign page owner): it outlives domU. */
    mfn_t d0l1 = fake_give(&dom0);
    assert_int_equal(fake_pin(&dom0, d0l1, PGT_l1), 0);
    assert_int_equal(pt_update_entry(pg(d0l1), 0, fake_pte(f[8], F_P | F_RW), false, &dom0, &domu), 0);
    assert_int_equal(fake_check(&root, 1), 0);

    put_page_and_type(pg(root));   /* the vCPU lets go, as domain_release_memory does */
    domu.state = DOMAIN_DYING;
    unsigned long frees = fake.frees;
    domain_relinquish_memory(&domu);
    assert_int_equal(fake.frees - frees, n - 1);
    for (unsigned i = 0; i < n; i++)
        assert_int_equal(fake.free_count[f[i]], f[i] == f[8] ? 0 : 1);
    assert_int_equal(domu.state, DOMAIN_DYING);
    assert_int_equal(domu.tot_pages, 1);
    CHECK0();

    assert_int_equal(pt_update_entry(pg(d0l1), 0, 0, false, &dom0, &dom0), 0);
    assert_int_equal(fake.free_count[f[8]], 1);
    assert_int_equal(domu.state, DOMAIN_FREE);
    CHECK0();
    for (unsigned i = 0; i < n; i++) {
        assert_int_equal(pg(f[i])->owner, DOMID_INVALID);
        assert_int_equal(pg(f[i])->count, 0);
        assert_int_equal(pg(f[i])->type_count, 0);
    }
}

/*
 * Bug regression: unpinning (or devalidating, or dropping) one page during
 * domain_relinquish_memory can free *another* page of the domain - one it
 * released earlier that only a table still kept alive.  If that page is the
 * next one on the page list the walk must not stop there.
 */
static void test_relinquish_frees_neighbour(void **state)
{
    mfn_t l1 = fake_give(&domu), data = fake_give(&domu), l2 = fake_give(&domu);
    mfn_t more[4];

    for (unsigned i = 0; i < 4; i++)
        more[i] = fake_give(&domu);
    fake_pt(l1)[0] = fake_pte(data, F_P | F_RW);
    assert_int_equal(fake_pin(&domu, l1, PGT_l1), 0);
    assert_int_equal(fake_pin(&domu, l2, PGT_l2), 0);
    assert_int_equal(fake_pin(&domu, more[2], PGT_l4), 0);
    assert_int_equal(domain_release_page(&domu, data), 0);   /* only l1 keeps it */
    CHECK0();
    assert_int_equal(domu.page_list_head, l1);
    assert_int_equal(pg(l1)->next, data);

    domu.state = DOMAIN_DYING;
    domain_relinquish_memory(&domu);
    assert_int_equal(fake.free_count[l1], 1);
    assert_int_equal(fake.free_count[data], 1);
    assert_int_equal(fake.free_count[l2], 1);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(fake.free_count[more[i]], 1);
    assert_int_equal(domu.tot_pages, 0);
    assert_int_equal(domu.state, DOMAIN_FREE);
    CHECK0();
}

/* A chain of released frames freed by one unpin, including the walk's next page. */
static void test_relinquish_frees_chain(void **state)
{
    mfn_t l2 = fake_give(&domu), l1 = fake_give(&domu), data = fake_give(&domu);
    mfn_t tail = fake_give(&domu);

    /* l1 is referenced by l2 (not pinned); tail is an L1 referenced by l2 as well. */
    fake_pt(l2)[0] = fake_pte(l1, F_P);
    fake_pt(l2)[1] = fake_pte(tail, F_P);
    fake_pt(l1)[0] = fake_pte(data, F_P);
    fake_pt(tail)[0] = fake_pte(l2, F_P);   /* an L1 mapping its L2 read-only */
    assert_int_equal(fake_pin(&domu, l2, PGT_l2), 0);
    assert_int_equal(domain_release_page(&domu, l1), 0);
    assert_int_equal(domain_release_page(&domu, data), 0);
    CHECK0();
    domu.state = DOMAIN_DYING;
    domain_relinquish_memory(&domu);
    assert_int_equal(domu.state, DOMAIN_FREE);
    assert_int_equal(fake.frees, 4);
    CHECK0();
}

static unsigned reported;
static void count_report(mfn_t mfn, const char *what, uint64_t want, uint64_t got)
{
    reported++;
}

/* The checker is only worth running after every step if it catches corruption. */
static void test_checker_detects_corruption(void **state)
{
    mfn_t f[16], root;
    unsigned n = build_tangle(&domu, f);

    assert_true(n >= 12);
    assert_int_equal(get_page_and_type(pg(f[0]), &domu, PGT_l4), 0);
    root = f[0];
    assert_int_equal(mm_check_frames(&root, 1, fake.scratch, NULL), 0);
    /* The missing root is noticed. */
    assert_int_not_equal(mm_check_frames(NULL, 0, fake.scratch, NULL), 0);

    struct { uint32_t *field; } fields[] = {
        { &pg(f[7])->count }, { &pg(f[7])->type_count }, { &pg(f[3])->count },
        { &pg(f[3])->type_count }, { &pg(f[2])->type_count }, { &pg(f[9])->count },
        { &pg(f[0])->type_count },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(fields); i++) {
        for (int delta = -1; delta <= 1; delta += 2) {
            *fields[i].field += delta;
            reported = 0;
            assert_int_not_equal(mm_check_frames(&root, 1, fake.scratch, count_report), 0);
            assert_int_not_equal(reported, 0);
            *fields[i].field -= delta;
        }
    }
    /* A free frame with a reference, a table in use but not validated, a bad type. */
    pg(200)->count = 1;
    assert_int_equal(mm_check_frames(&root, 1, fake.scratch, NULL), 1);
    pg(200)->count = 0;
    pg(f[3])->flags &= ~PGF_validated;
    assert_int_not_equal(mm_check_frames(&root, 1, fake.scratch, NULL), 0);
    pg(f[3])->flags |= PGF_validated;
    pg(f[7])->type = PGT_seg_desc;
    assert_int_not_equal(mm_check_frames(&root, 1, fake.scratch, NULL), 0);
    pg(f[7])->type = PGT_writable;
    /* An entry written behind the validator's back. */
    fake_pt(f[5])[100] = fake_pte(f[9], F_P);
    assert_int_not_equal(mm_check_frames(&root, 1, fake.scratch, NULL), 0);
    fake_pt(f[5])[100] = 0;
    fake_pt(f[3])[5] = fake_pte(f[4], F_P);
    assert_int_not_equal(mm_check_frames(&root, 1, fake.scratch, NULL), 0);
    fake_pt(f[3])[5] = 0;
    assert_int_equal(mm_check_frames(&root, 1, fake.scratch, NULL), 0);
    /* The harness's extra checks catch what mm_check does not look at. */
    fake.quiet = true;
    pg(f[4])->linear++;
    assert_int_not_equal(fake_check(&root, 1), 0);
    pg(f[4])->linear--;
    domu.tot_pages++;
    assert_int_not_equal(fake_check(&root, 1), 0);
    domu.tot_pages--;
    fake.quiet = false;
    assert_int_equal(fake_check(&root, 1), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_setup_state),
        T(test_assign_respects_max_pages),
        T(test_get_put_page),
        T(test_last_reference_frees),
        T(test_type_changes_only_at_zero),
        T(test_get_page_and_type),
        T(test_pin_like_mmuext),
        T(test_pin_refuses_writable_frame),
        T(test_release_pinned_table),
        T(test_release_shared_page_refused),
        T(test_relinquish_shared_page),
        T(test_relinquish_tangle),
        T(test_relinquish_frees_neighbour),
        T(test_relinquish_frees_chain),
        T(test_checker_detects_corruption),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
