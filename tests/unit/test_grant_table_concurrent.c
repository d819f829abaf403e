/* SPDX-License-Identifier: MIT */
/*
 * Grant tables on several CPUs: host threads stand for CPUs and run the
 * real grant code (hyp/common/grant_table*.c) on the fake arch against one
 * grant at once.  What must hold at every instant is checked by the
 * threads: a granter that ends its grant (the guest's cmpxchg of the flags
 * to 0, refused while GTF_reading/GTF_writing are set) never finds it still
 * pinned; a handle is unmapped by one CPU only.  After each round, on a
 * quiet machine, every pin is gone and the invariant checker finds nothing
 * -- also when the granter is torn down, under tiny work budgets, while
 * another domain's CPUs map and unmap its grants.
 *
 * KOAN_STRESS=n multiplies the rounds (1 by default).
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <hyp/errno.h>
#include <hyp/work_budget.h>

#include "grant_fake.h"

#define THREADS 3

static unsigned stress = 1;
static unsigned long violations;
static pthread_barrier_t start_line;

static void violation(const char *what)
{
    __atomic_fetch_add(&violations, 1, __ATOMIC_SEQ_CST);
    fprintf(stderr, "violation: %s\n", what);
}

struct worker {
    pthread_t thread;
    unsigned id;
    mfn_t l1;                 /* its own L1 to map into */
    unsigned long ok, refused;
    uint32_t held[8];         /* handles it maps now */
    unsigned nheld;
    void (*body)(struct worker *);
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;

    pthread_barrier_wait(&start_line);
    w->body(w);
    return NULL;
}

static void run(struct worker *ws, unsigned n)
{
    assert_int_equal(pthread_barrier_init(&start_line, NULL, n), 0);
    for (unsigned i = 0; i < n; i++) {
        ws[i].id = i;
        assert_int_equal(pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]), 0);
    }
    for (unsigned i = 0; i < n; i++)
        pthread_join(ws[i].thread, NULL);
    pthread_barrier_destroy(&start_line);
}

static unsigned rounds(unsigned base)
{
    return base * stress;
}

/* ---- a granter ending its grant while others map it ---- */

static mfn_t shared_frame;
#define REF 7

/* The guest's way to end a grant: only if nobody has it pinned. */
static bool end_grant(void)
{
    uint16_t *flags = &gt_shared(dom0.grant_table, REF)->flags;
    uint16_t x = __atomic_load_n(flags, __ATOMIC_SEQ_CST);

    while (!(x & (GTF_reading | GTF_writing)))
        if (__atomic_compare_exchange_n(flags, &x, 0, false, __ATOMIC_SEQ_CST,
                                        __ATOMIC_SEQ_CST))
            return true;
    return false;
}

static unsigned mappers_done;
static unsigned long grants_ended;

static void granter(struct worker *w)
{
    while (__atomic_load_n(&mappers_done, __ATOMIC_SEQ_CST) < THREADS - 1) {
        grant(&dom0, REF, domu.id, shared_frame, GTF_permit_access);
        sched_yield();   /* leave it offered a moment */
        while (!end_grant())
            sched_yield();   /* mapped: let the mapper go on to unmap it */
        /* Ended: no pin may exist, nor appear (no permit_access any more). */
        if (pin_of(&dom0, REF))
            violation("a grant ended while pinned");
        w->ok++;
        __atomic_fetch_add(&grants_ended, 1, __ATOMIC_SEQ_CST);
    }
}

static void mapper(struct worker *w)
{
    /* Enough tries, some of them mapped, some grants ended (the granter may start late). */
    for (unsigned i = 0; i < 100 * rounds(5000) &&
                         (i < rounds(5000) || w->ok < 100 ||
                          __atomic_load_n(&grants_ended, __ATOMIC_SEQ_CST) < 100 * stress);
         i++) {
        uint32_t h;
        bool host = i & 1;
        uint32_t flags = host ? GNTMAP_host_map | GNTMAP_contains_pte : GNTMAP_device_map;
        uint64_t at = host ? pte_ma(w->l1, i % 512) : 0;
        int16_t st = map(&domu, &dom0, REF, flags, at, &h);

        if (st == GNTST_okay) {
            w->ok++;
            if (flags_of(&dom0, REF) != (GTF_permit_access | GTF_reading | GTF_writing))
                violation("mapped, but the flags do not say so");
            if (unmap(&domu, h, at, host ? 0 : shared_frame << PAGE_SHIFT) != GNTST_okay)
                violation("unmapping a mapping of ours");
        } else if (st == GNTST_general_error) {
            w->refused++;
        } else {
            violation("a map status other than okay or general_error");
        }
    }
    __atomic_fetch_add(&mappers_done, 1, __ATOMIC_SEQ_CST);
}

static void test_end_while_mapping(void **state)
{
    (void)state;
    tables(1, 4);
    shared_frame = fake_give(&dom0);
    mappers_done = 0;
    grants_ended = 0;
    struct worker ws[THREADS] = { { .body = granter } };
    for (unsigned i = 1; i < THREADS; i++)
        ws[i] = (struct worker){ .body = mapper, .l1 = pinned_l1(&domu) };
    uint32_t count = pg(shared_frame)->count;
    run(ws, THREADS);
    assert_int_equal(violations, 0);
    assert_int_equal(pin_of(&dom0, REF), 0);
    assert_int_equal(pg(shared_frame)->count, count);
    assert_int_equal(pg(shared_frame)->type_count, 0);
    fprintf(stderr, "ended %lu grants; mapped %lu, refused %lu\n", ws[0].ok,
            ws[1].ok + ws[2].ok, ws[1].refused + ws[2].refused);
    assert_true(ws[1].ok + ws[2].ok > 0 && ws[0].ok > 0);
    assert_int_equal(check_all(), 0);
}

/* ---- one handle, unmapped by two CPUs at once ---- */

static volatile uint32_t contested = GNTTAB_HANDLE_NIL;
static volatile unsigned long unmapped_once, unmapped_twice;

static void unmapper(struct worker *w)
{
    for (unsigned i = 0; i < rounds(300); i++) {
        if (w->id == 0) {
            uint32_t h;
            if (map(&domu, &dom0, REF, GNTMAP_device_map | GNTMAP_readonly, 0, &h))
                violation("map");
            __atomic_store_n(&contested, h, __ATOMIC_SEQ_CST);
        }
        uint32_t h;
        while ((h = __atomic_load_n(&contested, __ATOMIC_SEQ_CST)) == GNTTAB_HANDLE_NIL)
            ;
        int16_t st = unmap(&domu, h, 0, shared_frame << PAGE_SHIFT);
        if (st == GNTST_okay)
            __atomic_fetch_add(&unmapped_once, 1, __ATOMIC_SEQ_CST);
        else if (st != GNTST_bad_handle)
            violation("unmap status");
        /* Both wait until the round is over, then thread 0 maps anew. */
        pthread_barrier_wait(&start_line);
        if (w->id == 0)
            __atomic_store_n(&contested, GNTTAB_HANDLE_NIL, __ATOMIC_SEQ_CST);
        pthread_barrier_wait(&start_line);
    }
}

static void test_one_unmap_wins(void **state)
{
    (void)state;
    tables(1, 1);
    shared_frame = fake_give(&dom0);
    grant(&dom0, REF, domu.id, shared_frame, GTF_permit_access);
    uint32_t count = pg(shared_frame)->count;
    struct worker ws[2] = { { .body = unmapper }, { .body = unmapper } };
    unmapped_once = 0;
    run(ws, 2);
    assert_int_equal(violations, 0);
    assert_int_equal(unmapped_once, rounds(300));
    assert_int_equal(pin_of(&dom0, REF), 0);
    assert_int_equal(pg(shared_frame)->count, count);
    assert_int_equal(flags_of(&dom0, REF), GTF_permit_access);
    assert_int_equal(check_all(), 0);
}

/* ---- the granter torn down while another domain's CPUs map its grants ---- */

/*
 * dom0's CPU maps grant 1 + id of domu into its own L1, eight at a time,
 * and unmaps them; once domu is dying a map is refused, and what is mapped
 * then stays mapped until the test unmaps it, after domu's teardown.
 */
static void foreign_mapper(struct worker *w)
{
    unsigned base = w->id * 64;

    for (unsigned i = 0; i < rounds(20000); i++) {
        uint32_t h;
        int16_t st = map(&dom0, &domu, 1 + w->id, GNTMAP_host_map | GNTMAP_contains_pte,
                         pte_ma(w->l1, base + w->nheld), &h);
        /* domu is going: refused as dying, or its frame no longer takes references. */
        if (st == GNTST_bad_domain || st == GNTST_bad_page || st == GNTST_general_error)
            return;
        if (st != GNTST_okay) {
            violation("a map status other than okay, bad_domain, bad_page, general_error");
            return;
        }
        w->held[w->nheld++] = h;
        if (w->nheld < 8)
            continue;
        for (unsigned k = 0; k < 8; k++)
            if (unmap(&dom0, w->held[k], pte_ma(w->l1, base + k), 0) != GNTST_okay)
                violation("unmapping a mapping of ours");
        w->nheld = 0;
    }
}

static void test_granter_torn_down_while_mapped(void **state)
{
    (void)state;
    tables(1, 2);
    struct worker ws[THREADS];
    for (unsigned i = 0; i < THREADS; i++) {
        ws[i] = (struct worker){ .body = foreign_mapper, .l1 = pinned_l1(&dom0) };
        grant(&domu, 1 + i, dom0.id, fake_give(&domu), GTF_permit_access);
    }
    /* The threads map; this one ends domu in the middle of it, budget by budget. */
    assert_int_equal(pthread_barrier_init(&start_line, NULL, THREADS + 1), 0);
    for (unsigned i = 0; i < THREADS; i++) {
        ws[i].id = i;
        assert_int_equal(pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]), 0);
    }
    pthread_barrier_wait(&start_line);
    for (volatile unsigned spin = 0; spin < 200000; spin++)
        ;
    kill_domain(&domu, 7);
    for (unsigned i = 0; i < THREADS; i++)
        pthread_join(ws[i].thread, NULL);
    pthread_barrier_destroy(&start_line);
    assert_int_equal(violations, 0);
    assert_null(domu.grant_table);
    assert_int_equal(check_all(), 0);
    /* What dom0 still maps keeps domu's frames; unmapping them frees them, and domu. */
    for (unsigned i = 0; i < THREADS; i++)
        for (unsigned k = 0; k < ws[i].nheld; k++)
            assert_int_equal(unmap(&dom0, ws[i].held[k], pte_ma(ws[i].l1, i * 64 + k), 0),
                             GNTST_okay);
    assert_int_equal(domu.state, DOMAIN_FREE);
    assert_int_equal(check_all(), 0);
}

int main(void)
{
    const char *s = getenv("KOAN_STRESS");
    if (s && atoi(s) > 0)
        stress = (unsigned)atoi(s);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_end_while_mapping, setup, grant_fake_cleanup),
        cmocka_unit_test_setup_teardown(test_one_unmap_wins, setup, grant_fake_cleanup),
        cmocka_unit_test_setup_teardown(test_granter_torn_down_while_mapped, setup,
                                        grant_fake_cleanup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
