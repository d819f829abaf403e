/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the memory invariant checker (hyp/mm/mm_check.c and
 * mm_check_domains.c) on the fake arch: a machine built with the real
 * frame-table and page-table code passes; then each invariant is broken
 * behind the code's back, one at a time, and the checker must name it.
 * A checker that only ever says 0 would pass the first test and nothing
 * else here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <hyp/errno.h>
#include <hyp/frame_alloc.h>
#include <hyp/mm_check.h>

#define FAKE_HARNESS_PAGES 128
#include "fake_harness.h"

static uint32_t scratch[MM_CHECK_SCRATCH_WORDS(FAKE_FRAMES, 2)];
static uint64_t bitmap[FRAME_ALLOC_BITMAP_WORDS(FAKE_FRAMES)];
static struct frame_allocator alloc;
static struct domain *doms[2] = { &dom0, &domu };
static uint64_t cr3;

/* What the last check reported. */
static const char *seen[64];
static unsigned nr_seen;

static bool verbose;   /* print every problem (for check0) */

static void record(mfn_t mfn, const char *what, uint64_t expected, uint64_t actual)
{
    if (verbose)
        fprintf(stderr, "  problem: mfn %#lx: %s: expected %#lx, found %#lx\n", mfn, what,
                (unsigned long)expected, (unsigned long)actual);
    if (nr_seen < ARRAY_SIZE(seen))
        seen[nr_seen++] = what;
}

static unsigned check(void)
{
    struct mm_check_env env = {
        .domains = doms, .nr_domains = 2, .alloc = &alloc, .running = domu.vcpu[0],
        .cr3 = cr3, .scratch = scratch, .report = record,
    };

    nr_seen = 0;
    return mm_check_machine(&env);
}

/* The check finds nothing (and says what it found if it does). */
static void check0(void)
{
    verbose = true;
    assert_int_equal(check(), 0);
    verbose = false;
}

static bool reported(const char *what)
{
    for (unsigned i = 0; i < nr_seen; i++)
        if (!strcmp(seen[i], what))
            return true;
    for (unsigned i = 0; i < nr_seen; i++)
        fprintf(stderr, "  reported instead: %s\n", seen[i]);
    return false;
}

/* The check finds problems, and `what` among them. */
#define EXPECT_PROBLEM(what)                                                   \
    do {                                                                       \
        assert_int_not_equal(check(), 0);                                      \
        assert_true(reported(what));                                           \
    } while (0)

/* The allocator as the hypervisor's would be: every unowned RAM frame free. */
static void sync_allocator(void)
{
    frame_alloc_init(&alloc, bitmap, FAKE_FRAMES);
    for (mfn_t m = 0; m < FAKE_FRAMES; m++)
        if (pg(m)->owner == DOMID_INVALID)
            frame_alloc_add_free(&alloc, m, 1);
}

/*
 * domU: L4 -> L3 -> L2 -> L1 -> {rw, ro}, the L4 its kernel base pointer
 * and CR3, a second pinned L4 mapped linearly from the first (and the first
 * mapped by itself), a GDT and an LDT frame.  dom0: an L1 mapping one of
 * domU's frames and an I/O frame.
 */
struct machine { mfn_t l4, l3, l2, l1, rw, ro, l4b, gdt, ldt, d0l1, d0data; };

static struct machine build(void)
{
    verbose = false;
    /* Frame 0 means "no base pointer" to a vCPU: keep it out of the way. */
    fake_give(&dom0);
    struct machine m = { fake_give(&domu), fake_give(&domu), fake_give(&domu),
                         fake_give(&domu), fake_give(&domu), fake_give(&domu),
                         fake_give(&domu), fake_give(&domu), fake_give(&domu),
                         fake_give(&dom0), fake_give(&dom0) };

    fake_pt(m.l4)[0] = fake_pte(m.l3, F_P | F_RW);
    fake_pt(m.l3)[0] = fake_pte(m.l2, F_P | F_RW);
    fake_pt(m.l2)[0] = fake_pte(m.l1, F_P | F_RW);
    fake_pt(m.l1)[0] = fake_pte(m.rw, F_P | F_RW);
    fake_pt(m.l1)[1] = fake_pte(m.ro, F_P);
    fake_pt(m.l4)[1] = fake_pte(m.l4, F_P);        /* linear self-map */
    assert_int_equal(fake_pin(&domu, m.l4b, PGT_l4), 0);
    fake_pt(m.l4)[2] = fake_pte(m.l4b, F_P);       /* linear map of another L4 */
    assert_int_equal(fake_pin(&domu, m.l4, PGT_l4), 0);
    assert_int_equal(get_page_and_type(pg(m.l4), &domu, PGT_l4), 0);
    domu.vcpu[0]->kernel_l4 = m.l4;
    domu.vcpu[0]->pv.kernel_mode = true;
    cr3 = m.l4 << 12;
    assert_int_equal(get_page_and_type(pg(m.gdt), &domu, PGT_seg_desc), 0);
    domu.vcpu[0]->pv.gdt_frames[0] = m.gdt;
    domu.vcpu[0]->pv.gdt_ents = 16;
    assert_int_equal(get_page_and_type(pg(m.ldt), &domu, PGT_seg_desc), 0);
    domu.vcpu[0]->pv.ldt_frames[3] = m.ldt;
    assert_int_equal(fake_pin(&dom0, m.d0l1, PGT_l1), 0);
    assert_int_equal(pt_update_entry(pg(m.d0l1), 0, fake_pte(m.ro, F_P), false, &dom0, &domu), 0);
    assert_int_equal(pt_update_entry(pg(m.d0l1), 1, fake_pte(FAKE_IO_FIRST, F_P | F_RW), false,
                                     &dom0, &dom0), 0);
    assert_int_equal(pt_update_entry(pg(m.d0l1), 2, fake_pte(m.d0data, F_P | F_RW), false,
                                     &dom0, &dom0), 0);
    sync_allocator();
    return m;
}

static void test_consistent_machine_passes(void **state)
{
    struct machine m = build();

    check0();
    assert_int_equal(pg(m.l4)->linear, 1);
    assert_int_equal(pg(m.l4b)->linear, -1);
    /* The fake's own independent checks agree (roots: base pointer, GDT, LDT). */
    mfn_t roots[] = { m.l4, m.gdt, m.ldt };
    assert_int_equal(fake_check(roots, 3), 0);
    /* Unpinning and dropping everything leaves a consistent machine too. */
    assert_int_equal(fake_unpin(&dom0, m.d0l1), 0);
    check0();
}

static void test_table_targets_and_owners(void **state)
{
    struct machine m = build();
    uint64_t saved = fake_pt(m.l1)[5];

    fake_pt(m.l1)[5] = fake_pte(m.d0data, F_P | F_US);
    EXPECT_PROBLEM("another domain's frame in an unprivileged table");
    fake_pt(m.l1)[5] = fake_pte(200, F_P | F_US);
    EXPECT_PROBLEM("L1 entry to a free frame");
    fake_pt(m.l1)[5] = fake_pte(FAKE_IO_FIRST, F_P | F_US);
    EXPECT_PROBLEM("I/O memory mapped by an unprivileged domain");
    fake_pt(m.l1)[5] = saved;
    fake_pt(m.l2)[3] = fake_pte(m.d0l1, F_P | F_US);
    EXPECT_PROBLEM("L2-L4 entry to another owner's table");
    fake_pt(m.l2)[3] = 0;
    pg(m.rw)->owner = 7;
    EXPECT_PROBLEM("frame owned by no domain");
    pg(m.rw)->owner = domu.id;
    check0();
}

static void test_entry_flags_and_linear_counters(void **state)
{
    struct machine m = build();

    fake_pt(m.l2)[0] |= F_PSE;
    EXPECT_PROBLEM("L2-L4 entry with flags no guest may use");
    fake_pt(m.l2)[0] &= ~F_PSE;
    fake_pt(m.l1)[1] |= F_PCD;   /* cache attributes: privileged domains only */
    EXPECT_PROBLEM("L1 entry with flags its owner may not use");
    fake_pt(m.l1)[1] &= ~F_PCD;
    fake_pt(m.l1)[1] &= ~F_US;
    EXPECT_PROBLEM("L1 entry stored without the user bit");
    fake_pt(m.l1)[1] |= F_US;
    fake_pt(m.l4)[0] &= ~F_A;
    EXPECT_PROBLEM("L4 entry stored without the accessed bit");
    fake_pt(m.l4)[0] |= F_A;
    fake_pt(m.l4)[2] |= F_RW;
    EXPECT_PROBLEM("writable linear page-table entry");
    fake_pt(m.l4)[2] &= ~F_RW;
    fake_pt(m.l4)[1] |= F_RW;
    EXPECT_PROBLEM("writable linear self-map");
    fake_pt(m.l4)[1] &= ~F_RW;
    pg(m.l4b)->linear = 0;
    EXPECT_PROBLEM("linear counter");
    pg(m.l4b)->linear = -1;
    /* l4b mapping a third L4 linearly while itself mapped linearly. */
    mfn_t l4c = fake_give(&domu);
    sync_allocator();
    assert_int_equal(fake_pin(&domu, l4c, PGT_l4), 0);
    fake_pt(m.l4b)[7] = fake_pte(l4c, F_P | F_US | F_A);
    pg(l4c)->count++;
    pg(l4c)->type_count++;
    pg(l4c)->linear--;
    pg(m.l4b)->linear++;
    EXPECT_PROBLEM("table both holds linear entries and is mapped linearly");
}

static void test_l4_hypervisor_slots(void **state)
{
    struct machine m = build();
    mfn_t gone = fake_give(&domu);

    sync_allocator();
    fake_pt(m.l4)[260] = 0;
    EXPECT_PROBLEM("validated L4 with a wrong hypervisor slot");
    fake_pt(m.l4)[260] = FAKE_HYP_L4E(260);
    /* Validated then devalidated: its slots were cleared (pt.c's rule; a
     * guest may still copy them in itself, so the checker cannot ask). */
    assert_int_equal(fake_pin(&domu, gone, PGT_l4), 0);
    assert_int_equal(fake_pt(gone)[261], FAKE_HYP_L4E(261));
    assert_int_equal(fake_unpin(&domu, gone), 0);
    assert_int_equal(fake_pt(gone)[261], 0);
    fake_pt(gone)[261] = FAKE_HYP_L4E(261);
    check0();
}

static void test_page_lists(void **state)
{
    struct machine m = build();

    domu.tot_pages++;
    EXPECT_PROBLEM("tot_pages vs the page list");
    domu.tot_pages--;
    domu.xen_pages++;
    EXPECT_PROBLEM("xen_pages vs the page list");
    domu.xen_pages--;
    uint32_t prev = pg(m.l3)->prev;
    pg(m.l3)->prev = FT_NIL;
    EXPECT_PROBLEM("page list back link");
    pg(m.l3)->prev = prev;
    /* Unlink l3 (still owned) from the list. */
    pg(prev)->next = pg(m.l3)->next;
    pg(pg(m.l3)->next)->prev = prev;
    EXPECT_PROBLEM("frames owned vs frames on the page list");
    pg(prev)->next = (uint32_t)m.l3;
    pg(pg(m.l3)->next)->prev = (uint32_t)m.l3;
    check0();
    uint32_t tail = domu.page_list_tail;
    pg(tail)->next = domu.page_list_head;
    EXPECT_PROBLEM("page list leaves the frame table or loops");
    pg(tail)->next = FT_NIL;
    pg(m.d0data)->next = (uint32_t)m.rw;   /* dom0's list runs into domU's frames */
    EXPECT_PROBLEM("frame on another domain's page list");
}

static void test_allocator_against_ownership(void **state)
{
    struct machine m = build();

    frame_alloc_add_free(&alloc, m.rw, 1);
    EXPECT_PROBLEM("frame free in the allocator but owned or referenced");
    frame_alloc_reserve(&alloc, m.rw, 1);
    check0();
    alloc.nr_free++;
    EXPECT_PROBLEM("allocator free count vs its bitmap");
    alloc.nr_free--;
    /* A freed frame that kept state, and one that kept a reference. */
    pg(200)->flags = PGF_pinned;
    EXPECT_PROBLEM("free frame with flags, linear uses or list links left");
    pg(200)->flags = 0;
    pg(200)->count = 1;
    EXPECT_PROBLEM("frame free in the allocator but owned or referenced");
    EXPECT_PROBLEM("unowned frame with references");
}

static void test_cr3_and_roots(void **state)
{
    struct machine m = build();

    cr3 = m.l4b << 12;
    EXPECT_PROBLEM("CR3 is not the kernel base pointer");
    cr3 = m.l4 << 12;
    domu.vcpu[0]->pv.kernel_mode = false;   /* user mode, but no user base pointer */
    EXPECT_PROBLEM("CR3 is not the user base pointer");
    domu.vcpu[0]->pv.kernel_mode = true;
    check0();
    domu.vcpu[0]->kernel_l4 = m.l1;
    EXPECT_PROBLEM("kernel base pointer not a validated L4 of its domain");
    domu.vcpu[0]->kernel_l4 = m.l4;
    domu.vcpu[0]->user_l4 = m.d0l1;
    EXPECT_PROBLEM("user base pointer not a validated L4 of its domain");
    domu.vcpu[0]->user_l4 = 0;
    domu.vcpu[0]->pv.gdt_frames[0] = m.ro;
    EXPECT_PROBLEM("GDT frame not a descriptor page of its domain");
    domu.vcpu[0]->pv.gdt_frames[0] = m.gdt;
    pg(m.ldt)->owner = dom0.id;
    EXPECT_PROBLEM("LDT frame not a descriptor page of its domain");
    pg(m.ldt)->owner = domu.id;
    /* A descriptor frame the vCPU forgot: its references are now unexplained. */
    domu.vcpu[0]->pv.ldt_frames[3] = 0;
    EXPECT_PROBLEM("reference count");
    EXPECT_PROBLEM("type count");
}

/*
 * A second vCPU (VCPUOP_initialise) holds the same L4 as its base pointer,
 * and a registered vcpu_info frame a writable type reference: the check
 * counts both, and misses neither when they are wrong.
 */
static void test_every_vcpu_is_walked(void **state)
{
    struct machine m = build();
    struct vcpu *v1 = domu.vcpu[1];

    assert_int_equal(get_page_and_type(pg(m.l4), &domu, PGT_l4), 0);
    v1->kernel_l4 = m.l4;
    assert_int_equal(get_page_and_type(pg(m.ro), &domu, PGT_writable), 0);
    v1->vcpu_info_mfn = m.ro;
    check0();
    v1->vcpu_info_mfn = m.l1;
    EXPECT_PROBLEM("vcpu_info frame not a writable frame of its domain");
    v1->vcpu_info_mfn = m.ro;
    v1->kernel_l4 = m.l4b;
    EXPECT_PROBLEM("reference count");
    v1->kernel_l4 = m.l4;
    domu.vcpu[1] = domu.vcpu[0];
    EXPECT_PROBLEM("vCPU in the wrong slot");
    domu.vcpu[1] = v1;
    /* The vCPU forgets its vcpu_info: the references are unexplained. */
    v1->vcpu_info_mfn = 0;
    EXPECT_PROBLEM("type count");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_consistent_machine_passes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_targets_and_owners, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entry_flags_and_linear_counters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_l4_hypervisor_slots, setup, teardown),
        cmocka_unit_test_setup_teardown(test_page_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_allocator_against_ownership, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cr3_and_roots, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_vcpu_is_walked, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
