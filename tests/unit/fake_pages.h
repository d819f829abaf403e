/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's page allocator for host unit tests (tests/unit/fake_pages.c):
 * zeroed, page-aligned pages from libc, counted, and made to fail on demand.
 */
#ifndef KOAN_TESTS_FAKE_PAGES_H
#define KOAN_TESTS_FAKE_PAGES_H

#include <stdbool.h>

extern long fake_pages_out;          /* pages allocated and not yet freed */
extern int fake_pages_fail_after;    /* allocations left before one fails; -1 never */
extern bool fake_pages_free_forbidden;   /* a free fails the test (a table that never frees) */

#endif
