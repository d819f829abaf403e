/* SPDX-License-Identifier: MIT */
/*
 * The cmocka fixture shared by the frame-table and page-table tests: a fake
 * machine (hyp/arch/fake) with a privileged dom0 and an unprivileged domU
 * of FAKE_HARNESS_PAGES pages each, rebuilt for every test.
 */
#ifndef KOAN_TEST_FAKE_HARNESS_H
#define KOAN_TEST_FAKE_HARNESS_H

#include "../../hyp/arch/fake/fake_mm.h"

#ifndef FAKE_HARNESS_PAGES
#define FAKE_HARNESS_PAGES 128
#endif

static struct domain dom0, domu;

static int setup(void **state)
{
    fake_machine_init();
    fake_domain_init(&dom0, 0, true, FAKE_HARNESS_PAGES);
    fake_domain_init(&domu, 1, false, FAKE_HARNESS_PAGES);
    return 0;
}

static int teardown(void **state)
{
    fake_machine_fini();
    return 0;
}

/* The invariant checker (and the fake's own checks) find nothing. */
#define CHECK0() assert_int_equal(fake_check(NULL, 0), 0)

static inline struct page_info *pg(mfn_t m) { return mfn_to_page(m); }

#endif
