/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for hyp/pv/dom_layout.c: exact layouts for a Linux-like and a
 * tiny image, dom0 vs domU, module present/absent, refusals, and a random
 * sweep checking the invariants (order, packing, slack, 4 MiB end, page
 * tables sufficient and minimal) against an independent table count.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <hyp/dom_layout.h>
#include <hyp/errno.h>

#define LINUX_VB 0xffffffff80000000UL
#define MIB      (1UL << 20)

static struct pv_image image(uint64_t vb, uint64_t kstart_off, uint64_t ksize)
{
    struct pv_image im = { 0 };

    im.virt_base = vb;
    im.virt_kstart = vb + kstart_off;
    im.virt_kend = vb + kstart_off + ksize;
    im.entry = im.virt_kstart;
    return im;
}

/* Distinct 2^shift regions in [start, end), counted by walking them. */
static uint64_t walk_regions(uint64_t start, uint64_t end, unsigned shift)
{
    uint64_t n = 0, step = 1UL << shift;

    for (uint64_t r = start & ~(step - 1); r < end && r >= (start & ~(step - 1)); r += step) {
        n++;
        if (r + step < r)
            break;                                  /* last region of the space */
    }
    return n;
}

static uint64_t walk_tables(uint64_t vb, uint64_t end)
{
    return 1 + walk_regions(vb, end, 39) + walk_regions(vb, end, 30) + walk_regions(vb, end, 21);
}

static uint64_t va(const struct pv_image *im, uint64_t pfn)
{
    return im->virt_base + (pfn << 12);
}

/* Every property the ABI promises about a successful layout. */
static void check_invariants(const struct dom_layout_req *req, const struct dom_layout *l)
{
    const struct pv_image *im = req->img;
    uint64_t pfn = l->kernel_pfn + l->kernel_pages;

    assert_true(va(im, l->kernel_pfn) == im->virt_kstart);
    assert_true(va(im, pfn) == im->virt_kend);
    assert_true(l->module_pages == (req->module_size + 4095) / 4096);
    assert_true(l->module_unmapped == (l->module_pages && im->mod_start_pfn));
    if (l->module_pages && !l->module_unmapped) {
        assert_true(l->module_pfn == pfn);
        pfn += l->module_pages;
    }
    assert_true(l->p2m_pages == (req->nr_pages * 8 + 4095) / 4096);
    if (!l->p2m_separate) {
        assert_true(l->p2m_pfn == pfn);
        assert_true(l->p2m_va == va(im, pfn));
        pfn += l->p2m_pages;
    }
    assert_true(l->start_info_pfn == pfn++);
    if (req->is_dom0) {
        assert_true(l->xenstore_pfn == 0 && l->console_pfn == 0);
    } else {
        assert_true(l->xenstore_pfn == pfn++);
        assert_true(l->console_pfn == pfn++);
    }
    assert_true(l->pt_pfn == pfn);
    assert_true(l->stack_pfn == l->pt_pfn + l->pt_pages);
    /* 512 KiB of mapped slack after the stack page, 4 MiB aligned end. */
    assert_true(va(im, l->stack_pfn + 1) + 512 * 1024 <= l->mapped_end_va);
    assert_true(l->mapped_end_va % (4 * MIB) == 0);
    /* After the mapped region: the unmapped module, the separate p2m and its tables. */
    uint64_t after = (l->mapped_end_va - im->virt_base) / 4096;
    if (l->module_unmapped) {
        assert_true(l->module_pfn == after);
        after += l->module_pages;
    }
    if (l->p2m_separate) {
        assert_true(im->has_init_p2m && l->p2m_va == im->init_p2m && l->p2m_va < im->virt_base);
        assert_true(l->p2m_pfn == after);
        after += l->p2m_pages;
        assert_true(l->p2m_pt_pfn == after);
        assert_true(l->p2m_pt_pages ==
                    walk_tables(l->p2m_va, l->p2m_va + l->p2m_pages * 4096) - 1);
        after += l->p2m_pt_pages;
    }
    assert_true(l->end_pfn == after);
    assert_true(l->end_pfn <= req->nr_pages);
    /* Tables suffice, are reported correctly, and are the fewest possible. */
    uint64_t need = walk_tables(im->virt_base, l->mapped_end_va);
    assert_true(need == 1 + l->nr_l3 + l->nr_l2 + l->nr_l1);
    assert_true(need == l->pt_pages);
    uint64_t fewer_end = va(im, l->pt_pfn + l->pt_pages - 1 + 1 + 128);
    fewer_end = (fewer_end + 4 * MIB - 1) & ~(4 * MIB - 1);
    assert_true(walk_tables(im->virt_base, fewer_end) > l->pt_pages - 1);
}

static int compute(const struct pv_image *im, uint64_t nr_pages, uint64_t module_size,
                   bool dom0, struct dom_layout *l, const char **why)
{
    struct dom_layout_req req = { im, nr_pages, module_size, dom0 };
    int rc = dom_layout_compute(&req, l, why);

    if (rc == 0)
        check_invariants(&req, l);
    return rc;
}

static void test_linux_like(void **state)
{
    struct pv_image im = image(LINUX_VB, 16 * MIB, 32 * MIB);
    struct dom_layout l;

    assert_int_equal(compute(&im, 0x40000, 0, false, &l, NULL), 0);   /* 1 GiB */
    assert_int_equal(l.kernel_pfn, 0x1000);
    assert_int_equal(l.kernel_pages, 0x2000);
    assert_int_equal(l.module_pages, 0);
    assert_int_equal(l.module_pfn, 0);
    assert_int_equal(l.p2m_pfn, 0x3000);
    assert_int_equal(l.p2m_pages, 512);
    assert_int_equal(l.start_info_pfn, 0x3200);
    assert_int_equal(l.xenstore_pfn, 0x3201);
    assert_int_equal(l.console_pfn, 0x3202);
    assert_int_equal(l.pt_pfn, 0x3203);
    assert_int_equal(l.nr_l3, 1);
    assert_int_equal(l.nr_l2, 1);
    assert_int_equal(l.nr_l1, 26);
    assert_int_equal(l.pt_pages, 29);
    assert_int_equal(l.stack_pfn, 0x3220);
    assert_true(l.mapped_end_va == LINUX_VB + 52 * MIB);
}

static void test_linux_with_module(void **state)
{
    struct pv_image im = image(LINUX_VB, 16 * MIB, 32 * MIB);
    struct dom_layout l;

    assert_int_equal(compute(&im, 0x40000, 10 * MIB + 1, false, &l, NULL), 0);
    assert_int_equal(l.module_pfn, 0x3000);
    assert_int_equal(l.module_pages, 0xa01);
    assert_int_equal(l.p2m_pfn, 0x3a01);
    assert_true(l.mapped_end_va == LINUX_VB + 64 * MIB);
}

/* Linux 6.1's notes: the p2m at 512 GiB with its own tables, the ramdisk unmapped. */
static void test_linux_init_p2m_and_unmapped_module(void **state)
{
    struct pv_image im = image(LINUX_VB, 16 * MIB, 32 * MIB);
    struct dom_layout l;

    im.has_init_p2m = true;
    im.init_p2m = 1UL << 39;
    im.mod_start_pfn = true;
    assert_int_equal(compute(&im, 0x10000, 10 * MIB + 1, false, &l, NULL), 0);   /* 256 MiB */
    assert_true(l.p2m_separate && l.module_unmapped);
    assert_int_equal(l.start_info_pfn, 0x3000);                 /* right after the kernel */
    assert_true(l.mapped_end_va == LINUX_VB + 52 * MIB);
    assert_int_equal(l.module_pfn, 52 * MIB / 4096);
    assert_int_equal(l.p2m_pfn, 52 * MIB / 4096 + 0xa01);
    assert_int_equal(l.p2m_pages, 128);
    assert_int_equal(l.p2m_pt_pages, 3);                        /* L3, L2, one L1 */
    assert_int_equal(l.end_pfn, l.p2m_pfn + 131);

    /* Ignored, as by Xen: unaligned, or not below the kernel. */
    im.init_p2m = (1UL << 39) + 8;
    assert_int_equal(compute(&im, 0x10000, 0, false, &l, NULL), 0);
    assert_false(l.p2m_separate);
    im.init_p2m = LINUX_VB + (1UL << 30);
    assert_int_equal(compute(&im, 0x10000, 0, false, &l, NULL), 0);
    assert_false(l.p2m_separate);
    /* The unmapped items count against the domain's memory too. */
    im.init_p2m = 1UL << 39;
    assert_int_equal(compute(&im, 52 * MIB / 4096 + 10, 0, false, &l, NULL), -ENOMEM);
}

static void test_tiny_domu_and_dom0(void **state)
{
    struct pv_image im = image(0, 0, 0x10000);
    struct dom_layout l;

    assert_int_equal(compute(&im, 4096, 0, false, &l, NULL), 0);
    assert_int_equal(l.p2m_pfn, 16);
    assert_int_equal(l.p2m_pages, 8);
    assert_int_equal(l.start_info_pfn, 24);
    assert_int_equal(l.xenstore_pfn, 25);
    assert_int_equal(l.console_pfn, 26);
    assert_int_equal(l.pt_pfn, 27);
    assert_int_equal(l.pt_pages, 5);        /* L4, L3, L2, 2 x L1 for 4 MiB */
    assert_int_equal(l.stack_pfn, 32);
    assert_true(l.mapped_end_va == 4 * MIB);

    assert_int_equal(compute(&im, 4096, 0, true, &l, NULL), 0);
    assert_int_equal(l.start_info_pfn, 24);
    assert_int_equal(l.xenstore_pfn, 0);
    assert_int_equal(l.console_pfn, 0);
    assert_int_equal(l.pt_pfn, 25);
    assert_int_equal(l.stack_pfn, 30);
}

/* Slack that does not fit below a 4 MiB boundary pushes the end to the next. */
static void test_slack_crosses_boundary(void **state)
{
    struct pv_image im = image(0, 0, 4 * MIB - 0x40000);   /* ends 256 KiB short of 4 MiB */
    struct dom_layout l;

    assert_int_equal(compute(&im, 4096, 0, false, &l, NULL), 0);
    assert_true(l.mapped_end_va == 8 * MIB);
    assert_int_equal(l.nr_l1, 4);
}

static void test_too_large(void **state)
{
    struct pv_image im = image(0, 0, 0x10000);
    struct dom_layout l;
    const char *why = NULL;

    assert_int_equal(compute(&im, 1023, 0, false, &l, &why), -ENOMEM);
    assert_string_equal(why, "image too large for the domain's memory");
    assert_int_equal(compute(&im, 1024, 0, false, &l, NULL), 0);   /* exactly 4 MiB */
    why = NULL;
    assert_int_equal(compute(&im, 4096, 64 * MIB, false, &l, &why), -ENOMEM);
    assert_string_equal(why, "image too large for the domain's memory");
}

static void test_refusals(void **state)
{
    struct pv_image im = image(0x1800, 0, 0x10000);
    struct dom_layout l;
    const char *why = NULL;

    assert_int_equal(compute(&im, 4096, 0, false, &l, &why), -EINVAL);   /* unaligned */
    assert_non_null(why);
    im = image(0, 0, 0x10000);
    assert_int_equal(compute(&im, UINT64_MAX / 4, 0, false, &l, NULL), -EINVAL);
    assert_int_equal(compute(&im, 4096, UINT64_MAX - 10, false, &l, NULL), -EINVAL);
    /* Linux's base leaves 2 GiB below 2^64: a 3 GiB module cannot be mapped. */
    im = image(LINUX_VB, 16 * MIB, 32 * MIB);
    assert_int_equal(compute(&im, 1UL << 21, 3UL << 30, false, &l, NULL), -EINVAL);
    /* Near the top of the lower half, the mapped region would run into the hole. */
    im = image(0x00007ffffff00000UL, 0, 0x10000);
    assert_int_equal(compute(&im, 1UL << 20, 0, false, &l, NULL), -EINVAL);
}

/* A region spanning several GiB needs many L1s, several L2s, and iteration. */
static void test_big_region(void **state)
{
    struct pv_image im = image(0x1ff000, 0, 5UL << 30);
    struct dom_layout l;

    assert_int_equal(compute(&im, 8UL << 20, 0, false, &l, NULL), 0);    /* 32 GiB */
    assert_true(l.nr_l2 >= 6 && l.nr_l1 >= 2560);
}

static void test_random_sweep(void **state)
{
    static const uint64_t bases[] = { 0, 0x400000, 0x1ff000, LINUX_VB,
                                      0xffff880000000000UL, 0x7fff00000000UL };
    unsigned ok = 0;

    srand(777);
    for (int i = 0; i < 3000; i++) {
        uint64_t vb = bases[rand() % 6];
        uint64_t koff = (uint64_t)(rand() % 8192) << 12;
        uint64_t ksize = (uint64_t)(1 + rand() % 65536) << 12;
        uint64_t nr = (uint64_t)(rand() % (1 << 20)) + 1;
        uint64_t mod = rand() % 3 ? 0 : (uint64_t)rand() % (64 * MIB);
        struct pv_image im = image(vb, koff, ksize);
        struct dom_layout l;

        im.mod_start_pfn = rand() % 2;
        im.has_init_p2m = rand() % 2;
        im.init_p2m = rand() % 4 ? 1UL << 39 : (uint64_t)rand() << 12;
        const char *why = NULL;
        int rc = compute(&im, nr, mod, rand() % 2, &l, &why);

        if (rc == 0)
            ok++;
        else
            assert_true((rc == -ENOMEM || rc == -EINVAL) && why != NULL);
    }
    print_message("sweep: %u of 3000 random layouts fit\n", ok);
    assert_true(ok > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linux_like),
        cmocka_unit_test(test_linux_with_module),
        cmocka_unit_test(test_linux_init_p2m_and_unmapped_module),
        cmocka_unit_test(test_tiny_domu_and_dom0),
        cmocka_unit_test(test_slack_crosses_boundary),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_big_region),
        cmocka_unit_test(test_random_sweep),
    };

    return cmocka_run_group_tests_name("dom_layout", tests, NULL, NULL);
}
