/* SPDX-License-Identifier: MIT */
/* hyp_alloc_pages / hyp_free_pages for host unit tests (tests/unit/fake_pages.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <hyp/frame.h>

#include "fake_pages.h"

long fake_pages_out;
int fake_pages_fail_after = -1;
bool fake_pages_free_forbidden;

void *hyp_alloc_pages(uint64_t count)
{
    if (fake_pages_fail_after == 0)
        return NULL;
    if (fake_pages_fail_after > 0)
        fake_pages_fail_after--;
    void *p = aligned_alloc(PAGE_SIZE, count * PAGE_SIZE);
    if (p) {
        memset(p, 0, count * PAGE_SIZE);
        fake_pages_out += (long)count;
    }
    return p;
}

void hyp_free_pages(void *p, uint64_t count)
{
    if (fake_pages_free_forbidden)
        fail_msg("a free from a table that never frees");
    free(p);
    fake_pages_out -= (long)count;
}
