/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the domain table (hyp/common/domain_table.c): ids outside
 * Xen's id space are refused, a claimed id is found only once published,
 * an id in use cannot be claimed twice, thousands of domains over several
 * map pages each find their own record, a free record is reused by the
 * next domain without its old id finding it, running out of memory leaves
 * the table as it was (and its lock free), and readers on other threads
 * never see a record half made.  The table is one per process, so each
 * test uses its own range of ids and checks counts relative to its start.
 * The page allocator is this file's, able to fail on demand.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <hyp/domain.h>
#include <hyp/domain_table.h>
#include <hyp/frame.h>

#include "fake_pages.h"

/* A domain as domain_alloc makes one: claimed, named, published. */
static struct domain *make(domid_t id)
{
    struct domain *d = domain_table_claim(id);

    if (d) {
        snprintf(d->name, sizeof(d->name), "d%u", id);
        domain_table_publish(d);
    }
    return d;
}

/* The domain is gone (what domain_kill and domain_check_gone do to it). */
static void end(struct domain *d)
{
    __atomic_store_n(&d->state, DOMAIN_DYING, __ATOMIC_RELEASE);
    __atomic_store_n(&d->state, DOMAIN_FREE, __ATOMIC_RELEASE);
}

static unsigned records_listed(void)
{
    struct domain *d;
    unsigned n = 0;

    for_each_domain_record(d)
        n++;
    return n;
}

static void test_ids_outside_the_id_space_are_refused(void **state)
{
    assert_null(domain_table_claim(DOMID_FIRST_RESERVED));
    assert_null(domain_table_claim(DOMID_SELF));
    assert_null(domain_table_claim(0xffff));
    for (uint32_t id = DOMID_FIRST_RESERVED; id <= 0xffff; id++)
        assert_null(domain_table_lookup((domid_t)id));
    assert_null(domain_table_lookup(1));   /* in range, never used */
    assert_int_equal(domain_table_records(), 0);
    assert_int_equal(domain_table_pages(), 0);
}

static void test_a_claimed_id_is_found_once_published(void **state)
{
    unsigned records = domain_table_records();
    struct domain *d = domain_table_claim(7);

    assert_non_null(d);
    assert_int_equal(d->id, 7);
    assert_int_equal(d->state, DOMAIN_FREE);
    assert_null(domain_table_lookup(7));   /* not yet: it is still being made */
    strcpy(d->name, "d7");
    domain_table_publish(d);
    assert_ptr_equal(domain_table_lookup(7), d);
    assert_int_equal(d->state, DOMAIN_RUNNING);
    assert_int_equal(domain_table_records(), records + 1);
    assert_ptr_equal(domain_table_first(), d);
    assert_int_equal(records_listed(), domain_table_records());
    assert_true(domain_table_record_bytes() >= sizeof(struct domain));
    assert_true(domain_table_record_bytes() <= PAGE_SIZE);
}

static void test_an_id_in_use_is_not_claimed_twice(void **state)
{
    struct domain *d = make(20);

    assert_non_null(d);
    assert_null(domain_table_claim(20));
    /* The refusal let the lock go: the next claim goes through. */
    assert_non_null(make(21));
    assert_ptr_equal(domain_table_lookup(20), d);
    /* Still refused while dying: its frames may still be out. */
    __atomic_store_n(&d->state, DOMAIN_DYING, __ATOMIC_RELEASE);
    assert_null(domain_table_claim(20));
    assert_ptr_equal(domain_table_lookup(20), d);
    end(d);
}

static void test_thousands_of_domains_each_find_their_own(void **state)
{
    const domid_t first = 1000, n = 3000;   /* ids 1000..3999: map pages 1 to 7 */
    unsigned records = domain_table_records();
    struct domain **made = calloc(n, sizeof(*made));

    assert_non_null(made);
    for (domid_t i = 0; i < n; i++)
        assert_non_null(made[i] = make(first + i));
    for (domid_t i = 0; i < n; i++) {
        assert_ptr_equal(domain_table_lookup(first + i), made[i]);
        assert_int_equal(made[i]->id, first + i);
    }
    assert_null(domain_table_lookup(first + n));
    /* Some records may be reused ones freed by earlier tests, never more than n new. */
    assert_true(domain_table_records() <= records + n);
    assert_int_equal(records_listed(), domain_table_records());
    /* The last id of the id space has its map page too. */
    assert_non_null(make(DOMID_FIRST_RESERVED - 1));
    assert_int_equal(domain_table_lookup(DOMID_FIRST_RESERVED - 1)->id,
                     DOMID_FIRST_RESERVED - 1);
    for (domid_t i = 0; i < n; i++)
        end(made[i]);
    free(made);
}

static void test_a_free_record_is_reused_without_its_old_id(void **state)
{
    struct domain *d = make(30);
    unsigned records = domain_table_records();
    uint64_t pages = domain_table_pages();

    end(d);
    assert_null(domain_table_lookup(30));
    struct domain *e = make(31);   /* the newest free record is d: the walk finds some free one */
    assert_non_null(e);
    assert_int_equal(domain_table_records(), records);   /* nothing new made */
    assert_int_equal(domain_table_pages(), pages);
    assert_ptr_equal(domain_table_lookup(31), e);
    assert_string_equal(e->name, "d31");
    /* A stale map entry may still point at the record: the id check answers. */
    if (e == d)
        assert_null(domain_table_lookup(30));
    assert_null(domain_table_lookup(30));
    end(e);
}

static void test_out_of_memory_leaves_the_table_as_it_was(void **state)
{
    /* Every allocation fails: claims go on only while a record and map page are at hand. */
    domid_t id = 6000;
    struct domain *d;

    fake_pages_fail_after = 0;
    while ((d = make(id)) != NULL)
        id++;
    unsigned records = domain_table_records();
    uint64_t pages = domain_table_pages();
    assert_null(domain_table_lookup(id));
    assert_null(make(7700));   /* a map page not made yet (ids 7680..8191) */
    fake_pages_fail_after = -1;
    assert_int_equal(domain_table_records(), records);
    assert_int_equal(domain_table_pages(), pages);
    /* The lock is free and memory is back: the same ids now work. */
    assert_non_null(make(id));
    assert_non_null(make(7700));
    assert_string_equal(domain_table_lookup(7700)->name, "d7700");
}

/* ---- readers on other threads ---- */

#define RACE_FIRST 20000u
#define RACE_COUNT 2000u

static int all_made;   /* the writer is done (atomic) */

/* One pass: how many of the race's domains a lookup finds, or -1 if one is not whole. */
static long reader_pass(void)
{
    long found = 0;
    struct domain *d;

    for (domid_t id = RACE_FIRST; id < RACE_FIRST + RACE_COUNT; id++) {
        if (!(d = domain_table_lookup(id)))
            continue;
        char want[DOMAIN_NAME_MAX];
        snprintf(want, sizeof(want), "d%u", id);
        if (d->id != id || strcmp(d->name, want) != 0)
            return -1;
        found++;
    }
    for_each_domain_record(d)
        if (__atomic_load_n(&d->state, __ATOMIC_ACQUIRE) == DOMAIN_RUNNING && d->name[0] != 'd')
            return -1;
    return found;
}

/* Passes until one that began after the writer finished: that one must find all. */
static void *reader(void *arg)
{
    for (;;) {
        int done = __atomic_load_n(&all_made, __ATOMIC_ACQUIRE);
        long found = reader_pass();
        if (found < 0)
            return (void *)1;
        if (done)
            return (void *)(uintptr_t)(found == RACE_COUNT ? 0 : 2);
    }
}

static void test_readers_never_see_a_record_half_made(void **state)
{
    pthread_t readers[2];

    for (unsigned i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&readers[i], NULL, reader, NULL), 0);
    for (domid_t id = RACE_FIRST; id < RACE_FIRST + RACE_COUNT; id++)
        assert_non_null(make(id));
    __atomic_store_n(&all_made, 1, __ATOMIC_RELEASE);
    for (unsigned i = 0; i < 2; i++) {
        void *rc;
        assert_int_equal(pthread_join(readers[i], &rc), 0);
        assert_ptr_equal(rc, NULL);
    }
}

int main(void)
{
    fake_pages_free_forbidden = true;   /* records are never freed */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids_outside_the_id_space_are_refused),
        cmocka_unit_test(test_a_claimed_id_is_found_once_published),
        cmocka_unit_test(test_an_id_in_use_is_not_claimed_twice),
        cmocka_unit_test(test_thousands_of_domains_each_find_their_own),
        cmocka_unit_test(test_a_free_record_is_reused_without_its_old_id),
        cmocka_unit_test(test_out_of_memory_leaves_the_table_as_it_was),
        cmocka_unit_test(test_readers_never_see_a_record_half_made),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
