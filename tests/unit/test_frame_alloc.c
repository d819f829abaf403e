/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for hyp/mm/frame_alloc.c: init/add/reserve accounting, single
 * and contiguous allocation, caller-bug detection in frame_free, and a random
 * model-checked sequence against a plain bool array.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <hyp/errno.h>
#include <hyp/frame_alloc.h>

#define NFRAMES 1000        /* deliberately not a multiple of 64 */

static uint64_t *new_bitmap(uint64_t max)
{
    /* Exactly sized, and poisoned, so ASan/asserts catch overruns and missed init. */
    uint64_t words = FRAME_ALLOC_BITMAP_WORDS(max);
    uint64_t *b = malloc(words ? words * 8 : 1);

    for (uint64_t i = 0; i < words; i++)
        b[i] = 0xa5a5a5a5a5a5a5a5ULL;
    return b;
}

static void test_init_all_reserved(void **state)
{
    struct frame_allocator a;
    uint64_t *bm = new_bitmap(NFRAMES);
    mfn_t m;

    frame_alloc_init(&a, bm, NFRAMES);
    assert_int_equal(frame_alloc_free_count(&a), 0);
    assert_int_equal(frame_alloc(&a, &m), -ENOMEM);
    assert_int_equal(frame_alloc_contig(&a, 1, 1, &m), -ENOMEM);
    for (mfn_t i = 0; i < NFRAMES; i++)
        assert_false(frame_alloc_is_free(&a, i));
    free(bm);
}

static void test_add_reserve_counts(void **state)
{
    struct frame_allocator a;
    uint64_t *bm = new_bitmap(NFRAMES);

    frame_alloc_init(&a, bm, NFRAMES);
    assert_int_equal(frame_alloc_add_free(&a, 10, 100), 0);
    assert_int_equal(frame_alloc_free_count(&a), 100);
    assert_int_equal(frame_alloc_add_free(&a, 50, 100), 0);     /* overlapping: idempotent */
    assert_int_equal(frame_alloc_free_count(&a), 140);
    assert_int_equal(frame_alloc_reserve(&a, 0, 20), 0);
    assert_int_equal(frame_alloc_free_count(&a), 130);
    assert_int_equal(frame_alloc_reserve(&a, 0, 20), 0);
    assert_int_equal(frame_alloc_free_count(&a), 130);
    assert_int_equal(frame_alloc_add_free(&a, 0, NFRAMES), 0);
    assert_int_equal(frame_alloc_free_count(&a), NFRAMES);
    assert_int_equal(frame_alloc_add_free(&a, NFRAMES, 0), 0);
    assert_int_equal(frame_alloc_add_free(&a, NFRAMES - 1, 2), -EINVAL);
    assert_int_equal(frame_alloc_reserve(&a, 1, UINT64_MAX), -EINVAL);
    assert_int_equal(frame_alloc_add_free(&a, UINT64_MAX, 2), -EINVAL);
    assert_int_equal(frame_alloc_free_count(&a), NFRAMES);
    assert_false(frame_alloc_is_free(&a, NFRAMES));
    free(bm);
}

static void test_single_alloc_and_free(void **state)
{
    struct frame_allocator a;
    uint64_t *bm = new_bitmap(NFRAMES);
    mfn_t m, seen[40];

    frame_alloc_init(&a, bm, NFRAMES);
    frame_alloc_add_free(&a, 100, 20);
    frame_alloc_add_free(&a, 900, 20);
    for (int i = 0; i < 40; i++) {
        assert_int_equal(frame_alloc(&a, &seen[i]), 0);
        assert_true((seen[i] >= 100 && seen[i] < 120) || (seen[i] >= 900 && seen[i] < 920));
        assert_false(frame_alloc_is_free(&a, seen[i]));
        for (int j = 0; j < i; j++)
            assert_true(seen[i] != seen[j]);
    }
    assert_int_equal(frame_alloc(&a, &m), -ENOMEM);
    assert_int_equal(frame_free(&a, seen[5]), 0);
    assert_int_equal(frame_alloc_free_count(&a), 1);
    assert_int_equal(frame_alloc(&a, &m), 0);               /* wraps around to find it */
    assert_int_equal(m, seen[5]);
    free(bm);
}

static void test_free_caller_bugs(void **state)
{
    struct frame_allocator a;
    uint64_t *bm = new_bitmap(NFRAMES);
    mfn_t m;

    frame_alloc_init(&a, bm, NFRAMES);
    frame_alloc_add_free(&a, 0, 10);
    assert_int_equal(frame_free(&a, 3), -EINVAL);           /* already free */
    assert_int_equal(frame_free(&a, NFRAMES), -EINVAL);         /* out of range */
    assert_int_equal(frame_free(&a, UINT64_MAX), -EINVAL);
    assert_int_equal(frame_alloc_free_count(&a), 10);
    assert_int_equal(frame_alloc(&a, &m), 0);
    assert_int_equal(frame_free(&a, m), 0);
    assert_int_equal(frame_free(&a, m), -EINVAL);           /* double free */
    assert_int_equal(frame_alloc_free_count(&a), 10);
    free(bm);
}

static void test_contig(void **state)
{
    struct frame_allocator a;
    uint64_t *bm = new_bitmap(NFRAMES);
    mfn_t m;

    frame_alloc_init(&a, bm, NFRAMES);
    frame_alloc_add_free(&a, 1, 5);                         /* too short */
    frame_alloc_add_free(&a, 10, 70);                       /* crosses a word */
    frame_alloc_add_free(&a, 600, 400);                     /* up to the end */
    assert_int_equal(frame_alloc_contig(&a, 6, 1, &m), 0);
    assert_int_equal(m, 10);
    assert_int_equal(frame_alloc_contig(&a, 64, 0, &m), 0);
    assert_int_equal(m, 16);
    assert_int_equal(frame_alloc_free_count(&a), 5 + 400);
    assert_int_equal(frame_alloc_contig(&a, 16, 512, &m), -ENOMEM);  /* 512 reserved */
    assert_int_equal(frame_alloc_contig(&a, 8, 256, &m), 0);
    assert_int_equal(m, 768);
    assert_int_equal(frame_alloc_contig(&a, 400, 1, &m), -ENOMEM);
    assert_int_equal(frame_alloc_contig(&a, 224, 8, &m), 0);
    assert_int_equal(m, 776);
    assert_int_equal(frame_alloc_contig(&a, 168, 1, &m), 0);   /* the rest of 600..768 */
    assert_int_equal(m, 600);
    assert_int_equal(frame_alloc_contig(&a, 0, 1, &m), -EINVAL);
    assert_int_equal(frame_alloc_contig(&a, 1, 3, &m), -EINVAL);
    assert_int_equal(frame_alloc_contig(&a, UINT64_MAX, 1, &m), -ENOMEM);
    assert_int_equal(frame_alloc_contig(&a, 1, 1ULL << 63, &m), -ENOMEM);
    assert_int_equal(frame_alloc_free_count(&a), 5);
    free(bm);
}

/* Random operations checked against a bool-per-frame model. */
static void test_random_model(void **state)
{
    struct frame_allocator a;
    uint64_t *bm = new_bitmap(NFRAMES);
    bool model[NFRAMES] = { 0 };
    uint64_t nfree = 0;

    frame_alloc_init(&a, bm, NFRAMES);
    srand(99);
    for (int it = 0; it < 20000; it++) {
        uint64_t s = rand() % NFRAMES, c = rand() % 80;
        mfn_t m;
        int op = rand() % 5, rc;

        c = c > NFRAMES - s ? NFRAMES - s : c;
        switch (op) {
        case 0:
        case 1:
            frame_alloc_add_free(&a, s, c);
            for (uint64_t i = s; i < s + c; i++)
                nfree += !model[i], model[i] = true;
            break;
        case 2:
            frame_alloc_reserve(&a, s, c / 4);
            for (uint64_t i = s; i < s + c / 4; i++)
                nfree -= model[i], model[i] = false;
            break;
        case 3:
            rc = frame_alloc(&a, &m);
            assert_int_equal(rc, nfree ? 0 : -ENOMEM);
            if (!rc) {
                assert_true(model[m]);
                model[m] = false, nfree--;
            }
            break;
        default:
            rc = frame_alloc_contig(&a, 1 + c / 8, 1ULL << (rand() % 4), &m);
            if (!rc)
                for (uint64_t i = m; i < m + 1 + c / 8; i++)
                    assert_true(model[i]), model[i] = false, nfree--;
            break;
        }
        assert_int_equal(frame_alloc_free_count(&a), nfree);
    }
    for (mfn_t i = 0; i < NFRAMES; i++)
        assert_int_equal(frame_alloc_is_free(&a, i), model[i]);
    free(bm);
}

/* Next-fit: a long run of single allocations touches each word about once. */
static void test_next_fit_sequential(void **state)
{
    const uint64_t max = 1 << 20;
    struct frame_allocator a;
    uint64_t *bm = new_bitmap(max);
    mfn_t m;

    frame_alloc_init(&a, bm, max);
    frame_alloc_add_free(&a, 0, max);
    for (uint64_t i = 0; i < max; i++) {
        assert_int_equal(frame_alloc(&a, &m), 0);
        if (m != i)
            fail_msg("expected frame %lu, got %lu", (unsigned long)i, (unsigned long)m);
    }
    assert_int_equal(frame_alloc(&a, &m), -ENOMEM);
    free(bm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_all_reserved),
        cmocka_unit_test(test_add_reserve_counts),
        cmocka_unit_test(test_single_alloc_and_free),
        cmocka_unit_test(test_free_caller_bugs),
        cmocka_unit_test(test_contig),
        cmocka_unit_test(test_random_model),
        cmocka_unit_test(test_next_fit_sequential),
    };

    return cmocka_run_group_tests_name("frame_alloc", tests, NULL, NULL);
}
