/* SPDX-License-Identifier: MIT */
/*
 * The frame table on several CPUs: host threads stand for CPUs and run the
 * real hyp/mm code on the fake arch (hyp/arch/fake) against the same
 * frames at once -- references and type references with type conflicts,
 * pins of overlapping hierarchies sharing their L1s, validation and
 * devalidation stopped by tiny work budgets, writes to one entry from two
 * CPUs, linear mappings both ways and many into one table, the frame
 * allocator, frames changing hands between domains while others hold them,
 * frames taken and swapped by XENMEM_exchange while others hold them,
 * and a domain torn down while a privileged domain works on its memory.  Threads check what
 * must hold at every instant (a frame we hold a type reference of has that
 * type; a table and a writable mapping of what it maps never coexist); the
 * invariant checker (fake_check: mm_check_frames and more) runs after every
 * round, on a quiet machine, and must find nothing.
 *
 * KOAN_STRESS=n multiplies the rounds (1 by default: a second or two, for
 * `make unit-test`; 50 or more to hunt for races).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <hyp/errno.h>
#include <hyp/frame_alloc.h>
#include <hyp/mm_check.h>
#include <hyp/spinlock.h>
#include <hyp/work_budget.h>

#define FAKE_HARNESS_PAGES 120
#include "fake_harness.h"

#define MAX_WORKERS 6

/* ---- threads ---- */

static unsigned stress = 1;
static unsigned long violations;   /* broken in-flight invariants, counted by every thread */

static void violation(const char *fmt, ...)
{
    va_list ap;

    __atomic_fetch_add(&violations, 1, __ATOMIC_SEQ_CST);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

struct worker {
    pthread_t thread;
    unsigned id;
    uint64_t rng;
    unsigned iterations;
    void (*body)(struct worker *);
    unsigned long done[8];   /* what succeeded, per kind of operation (for the test's own asserts) */
};

static uint64_t rnd(struct worker *w)
{
    w->rng ^= w->rng << 13;
    w->rng ^= w->rng >> 7;
    w->rng ^= w->rng << 17;
    return w->rng;
}

static unsigned rnd_below(struct worker *w, unsigned n) { return (unsigned)(rnd(w) % n); }

static pthread_barrier_t start_line;

static void *worker_main(void *arg)
{
    struct worker *w = arg;

    pthread_barrier_wait(&start_line);   /* all at once: a thread must not be done before the next starts */
    w->body(w);
    return NULL;
}

/* Run bodies[i] on n threads at once, iterations times each, and wait for all of them. */
static void run_workers(struct worker *ws, unsigned n, void (*const *bodies)(struct worker *),
                        unsigned iterations)
{
    assert_int_equal(pthread_barrier_init(&start_line, NULL, n), 0);
    for (unsigned i = 0; i < n; i++) {
        memset(ws[i].done, 0, sizeof(ws[i].done));
        ws[i].id = i;
        ws[i].rng = 0x9e3779b97f4a7c15ULL * (i + 1) + iterations;
        ws[i].iterations = iterations;
        ws[i].body = bodies[i];
        assert_int_equal(pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]), 0);
    }
    for (unsigned i = 0; i < n; i++)
        pthread_join(ws[i].thread, NULL);
    pthread_barrier_destroy(&start_line);
}

/* ---- in-flight checks, on frames the caller holds references to ---- */

static void expect_typed(mfn_t m, unsigned type, const char *who)
{
    uint64_t ti = page_type_info(pg(m));
    bool checked = page_type_is_table(type) || type == PGT_seg_desc;

    if (pgi_type(ti) != type || pgi_count(ti) == 0 ||
        (checked && !(pgi_flags(ti) & PGF_validated)))
        violation("%s: frame %#lx held as type %u reads type %u count %u flags %#x\n", who,
                  m, type, pgi_type(ti), pgi_count(ti), pgi_flags(ti));
}

/* As mmu_update writes a table entry (hyp/mm/mmu_update.c): under a type reference of its level. */
static int mmu_write(mfn_t table, unsigned index, uint64_t val, struct domain *d,
                     struct domain *pg_owner)
{
    struct page_info *t = pg(table);
    int rc = -EINVAL;

    if (!get_page(t, d))
        return rc;
    unsigned level = pgi_type(page_type_info(t));
    if (page_type_is_table(level) && get_page_type_in_use(t, level)) {
        rc = pt_update_entry(t, index, val, false, d, pg_owner);
        put_page_type(t);
    } else if (get_page_type(t, PGT_writable, d) == 0) {   /* a plain write */
        __atomic_store_n(&fake_pt(table)[index], val, __ATOMIC_SEQ_CST);
        put_page_type(t);
        rc = 0;
    }
    put_page(t);
    return rc;
}

/* A round ends on a quiet machine: nothing queued, every invariant holds. */
static void round_end(struct domain *d, const mfn_t *roots, unsigned nr_roots)
{
    fake.budget = 0;
    fake_drain(d);
    assert_int_equal(violations, 0);
    assert_int_equal(fake_check(roots, nr_roots), 0);
}

/* ---- 1. general references ---- */

#define HAMMER_FRAMES 6
static mfn_t hammer_frames[HAMMER_FRAMES];

static void body_get_put(struct worker *w)
{
    for (unsigned i = 0; i < w->iterations; i++) {
        struct page_info *p = pg(hammer_frames[rnd_below(w, HAMMER_FRAMES)]);
        unsigned depth = 1 + rnd_below(w, 3);
        for (unsigned k = 0; k < depth; k++)
            if (!get_page(p, &domu))
                violation("get_page refused a live frame of its owner\n");
        if (get_page(p, &dom0))
            violation("get_page took a reference for another domain\n");
        if (__atomic_load_n(&pg(hammer_frames[0])->count, __ATOMIC_SEQ_CST) < 1)
            violation("count of a frame we know is owned fell to 0\n");
        for (unsigned k = 0; k < depth; k++)
            put_page(p);
    }
}

static void test_get_put_hammer(void **state)
{
    static void (*const bodies[])(struct worker *) = { body_get_put, body_get_put,
                                                       body_get_put, body_get_put };
    struct worker ws[4];

    for (unsigned i = 0; i < HAMMER_FRAMES; i++)
        hammer_frames[i] = fake_give(&domu);
    for (unsigned round = 0; round < 4 * stress; round++) {
        run_workers(ws, 4, bodies, 20000);
        for (unsigned i = 0; i < HAMMER_FRAMES; i++)
            assert_int_equal(pg(hammer_frames[i])->count, 1);
        round_end(&domu, NULL, 0);
    }
    assert_int_equal(fake.frees, 0);
}

/* ---- 2. type references of the same frames, with type conflicts ---- */

#define TYPED_FRAMES 3
static mfn_t typed_frames[TYPED_FRAMES];
static const unsigned typed_kinds[] = { PGT_writable, PGT_seg_desc, PGT_l1, PGT_l2, PGT_l4,
                                        PGT_none };

static void body_types(struct worker *w)
{
    for (unsigned i = 0; i < w->iterations; i++) {
        mfn_t m = typed_frames[rnd_below(w, TYPED_FRAMES)];
        unsigned kind = rnd_below(w, ARRAY_SIZE(typed_kinds)), type = typed_kinds[kind];
        int rc = get_page_and_type(pg(m), &domu, type);
        if (rc == 0) {
            w->done[kind]++;
            expect_typed(m, type, "types");
            if (rnd_below(w, 2) && get_page_type(pg(m), type, &domu) == 0) {   /* nested */
                expect_typed(m, type, "types (nested)");
                put_page_type(pg(m));
            }
            expect_typed(m, type, "types (after)");
            put_page_and_type(pg(m));
        } else if (rc != -EINVAL) {
            violation("get_page_and_type(%#lx, %u): %d\n", m, type, rc);
        }
        if (rnd_below(w, 8) == 0 && frame_table_drain(&domu))
            violation("unbudgeted drain restarted\n");
    }
}

static void test_type_conflicts(void **state)
{
    static void (*const bodies[])(struct worker *) = { body_types, body_types, body_types,
                                                       body_types };
    struct worker ws[4];
    unsigned long done[ARRAY_SIZE(typed_kinds)] = { 0 };

    for (unsigned i = 0; i < TYPED_FRAMES; i++)
        typed_frames[i] = fake_give(&domu);   /* zeroed: valid as every kind */
    for (unsigned round = 0; round < 4 * stress; round++) {
        run_workers(ws, 4, bodies, 6000);
        round_end(&domu, NULL, 0);
        for (unsigned i = 0; i < TYPED_FRAMES; i++)
            assert_int_equal(pg(typed_frames[i])->type_count, 0);
        for (unsigned k = 0; k < ARRAY_SIZE(typed_kinds); k++)
            for (unsigned i = 0; i < 4; i++)
                done[k] += ws[i].done[k];
    }
    for (unsigned k = 0; k < ARRAY_SIZE(typed_kinds); k++)
        assert_true(done[k] > 0);   /* every kind won sometimes: there was a contest */
}

/* ---- 3 and 4. pins of overlapping hierarchies, validation against devalidation ---- */

#define SHARED_L1S 4
/* Two L2s over the same L1s, an L3 over one L2, two L4s over that L3; data frames below. */
static struct {
    mfn_t l1[SHARED_L1S], l2a, l2b, l3, l4a, l4b, data[4];
} h;

static void build_hierarchy(void)
{
    for (unsigned i = 0; i < 4; i++)
        h.data[i] = fake_give(&domu);
    for (unsigned i = 0; i < SHARED_L1S; i++) {
        h.l1[i] = fake_give(&domu);
        for (unsigned e = 0; e < 8; e++)   /* RW and RO mappings of the data frames */
            fake_pt(h.l1[i])[e * 61] = fake_pte(h.data[e % 4], F_P | (e & 1 ? F_RW : 0));
    }
    h.l2a = fake_give(&domu);
    h.l2b = fake_give(&domu);
    for (unsigned i = 0; i < SHARED_L1S; i++) {
        fake_pt(h.l2a)[i * 100] = fake_pte(h.l1[i], F_P | F_RW);
        fake_pt(h.l2b)[i * 100 + 7] = fake_pte(h.l1[i], F_P | F_RW);
    }
    h.l3 = fake_give(&domu);
    fake_pt(h.l3)[3] = fake_pte(h.l2a, F_P | F_RW);
    h.l4a = fake_give(&domu);
    h.l4b = fake_give(&domu);
    fake_pt(h.l4a)[0] = fake_pte(h.l3, F_P | F_RW);
    fake_pt(h.l4b)[511] = fake_pte(h.l3, F_P | F_RW);
}

/* Pin table m as `level`, check it and what it maps while pinned, unpin; as a guest's mmuext_op. */
static void pin_cycle(struct worker *w, mfn_t m, unsigned level, const char *who)
{
    int rc = fake_pin(&domu, m, level);

    if (rc == 0) {
        w->done[0]++;
        expect_typed(m, level, who);
        if (level == PGT_l2)
            for (unsigned i = 0; i < SHARED_L1S; i++)
                expect_typed(h.l1[i], PGT_l1, who);
        if (fake_unpin(&domu, m))
            violation("%s: unpin of a table we pinned failed\n", who);
    } else if (rc != -EINVAL && rc != -EBUSY) {
        violation("%s: pin %#lx as L%u: %d\n", who, m, level, rc);
    } else {
        w->done[1]++;
    }
}

static void body_pin_l2a(struct worker *w)
{
    for (unsigned i = 0; i < w->iterations; i++)
        pin_cycle(w, h.l2a, PGT_l2, "pin l2a");
}

static void body_pin_l2b(struct worker *w)
{
    for (unsigned i = 0; i < w->iterations; i++)
        pin_cycle(w, h.l2b, PGT_l2, "pin l2b");
}

static void body_pin_upper(struct worker *w)
{
    static const struct { mfn_t *m; unsigned level; } t[] = {
        { &h.l3, PGT_l3 }, { &h.l4a, PGT_l4 }, { &h.l4b, PGT_l4 },
    };
    for (unsigned i = 0; i < w->iterations; i++) {
        unsigned k = rnd_below(w, 3);
        pin_cycle(w, *t[k].m, t[k].level, "pin upper");
    }
}

/* Map a shared L1 writable: possible only while no validated L2 holds it. */
static void body_writable_l1(struct worker *w)
{
    for (unsigned i = 0; i < w->iterations; i++) {
        mfn_t m = h.l1[rnd_below(w, SHARED_L1S)];
        if (get_page_and_type(pg(m), &domu, PGT_writable))
            continue;
        w->done[0]++;
        expect_typed(m, PGT_writable, "writable l1");
        if ((page_flags(pg(h.l2a)) | page_flags(pg(h.l2b))) & PGF_validated)
            violation("an L2 is validated while one of its L1s is writable\n");
        put_page_and_type(pg(m));
        frame_table_drain(&domu);
    }
}

/* Entries of the shared L1s change as mmu_update changes them: validated, or plainly if allowed. */
static void update_l1s(struct worker *w, bool plain_too)
{
    for (unsigned i = 0; i < w->iterations; i++) {
        mfn_t m = h.l1[rnd_below(w, SHARED_L1S)];
        unsigned e = rnd_below(w, 8) * 61;
        uint64_t val = rnd_below(w, 3) ? fake_pte(h.data[rnd_below(w, 4)], F_P | (rnd(w) & F_RW)) : 0;
        int rc = plain_too || (page_flags(pg(m)) & PGF_validated) ? mmu_write(m, e, val, &domu, &domu)
                                                                  : -EINVAL;
        if (rc == 0)
            w->done[0]++;
        else if (rc != -EINVAL && rc != -EBUSY)
            violation("update l1: %d\n", rc);
        frame_table_drain(&domu);
    }
}

static void body_update_l1(struct worker *w)
{
    update_l1s(w, true);
}

/*
 * Only while validated: a plain write would type an L1 writable and so
 * throw away a partial validation -- under tiny budgets, again and again.
 */
static void body_update_validated_l1(struct worker *w)
{
    update_l1s(w, false);
}

static void unpin_all(struct domain *d)
{
    for (mfn_t m = 0; m < FAKE_FRAMES; m++)
        if (pg(m)->owner == d->id && (pg(m)->flags & PGF_pinned))
            assert_int_equal(fake_unpin(d, m), 0);
}

static void hierarchy_rounds(void (*const *bodies)(struct worker *), unsigned n,
                             const uint32_t *budgets, unsigned nr_budgets, unsigned iterations)
{
    struct worker ws[MAX_WORKERS];
    unsigned long pins = 0;

    build_hierarchy();
    for (unsigned round = 0; round < 6 * stress; round++) {
        fake.budget = budgets[round % nr_budgets];
        run_workers(ws, n, bodies, iterations);
        unpin_all(&domu);
        round_end(&domu, NULL, 0);
        for (unsigned i = 0; i < SHARED_L1S; i++)
            assert_int_equal(pg(h.l1[i])->type_count, 0);
        pins += ws[0].done[0] + ws[1].done[0];
    }
    assert_true(pins > 0);
    assert_int_equal(fake.frees, 0);
}

static void test_pin_overlapping_hierarchies(void **state)
{
    static void (*const bodies[])(struct worker *) = {
        body_pin_l2a, body_pin_l2b, body_pin_upper, body_writable_l1, body_update_l1,
    };
    static const uint32_t unlimited = 0;
    hierarchy_rounds(bodies, ARRAY_SIZE(bodies), &unlimited, 1, 300);
}

static void test_validation_under_tiny_budgets(void **state)
{
    /*
     * A step of a few entries: every level stops partial, and another CPU
     * may take it on, or devalidate below it.  (A budget must exceed the
     * depth of the tree: going down to its next entry costs a unit per level.)
     */
    static void (*const bodies[])(struct worker *) = {
        body_pin_l2a, body_pin_l2b, body_pin_upper, body_update_validated_l1,
    };
    static const uint32_t budgets[] = { 6, 7, 9, 12 };
    hierarchy_rounds(bodies, ARRAY_SIZE(bodies), budgets, ARRAY_SIZE(budgets), 8);
    assert_true(fake.restarts > 0);
}

/* ---- 5. one entry written by two CPUs (mmu_update and ptwr's compare-and-swap) ---- */

static mfn_t entry_l1, entry_data[3];

static void body_entry_writer(struct worker *w)
{
    for (unsigned i = 0; i < w->iterations; i++) {
        uint64_t val = rnd_below(w, 4) ? fake_pte(entry_data[rnd_below(w, 3)],
                                                  F_P | (rnd(w) & F_RW)) : 0;
        unsigned e = rnd_below(w, 2);
        if (rnd_below(w, 2)) {
            if (mmu_write(entry_l1, e, val, &domu, &domu))
                violation("entry writer: a valid update failed\n");
            continue;
        }
        /* ptwr: read the entry, write it back changed only if nobody else did meanwhile. */
        if (!get_page(pg(entry_l1), &domu) || !get_page_type_in_use(pg(entry_l1), PGT_l1)) {
            violation("entry writer: the pinned L1 is not in use\n");
            continue;
        }
        uint64_t seen = __atomic_load_n(&fake_pt(entry_l1)[e], __ATOMIC_SEQ_CST);
        int rc = pt_update_entry_if(pg(entry_l1), e, seen, val, &domu, &domu);
        if (rc == 0)
            w->done[0]++;
        else if (rc == -EAGAIN)
            w->done[1]++;
        else
            violation("entry writer: pt_update_entry_if: %d\n", rc);
        put_page_and_type(pg(entry_l1));
    }
}

static void test_one_entry_two_writers(void **state)
{
    static void (*const bodies[])(struct worker *) = { body_entry_writer, body_entry_writer,
                                                       body_entry_writer };
    struct worker ws[3];

    for (unsigned i = 0; i < 3; i++)
        entry_data[i] = fake_give(&domu);
    entry_l1 = fake_give(&domu);
    assert_int_equal(fake_pin(&domu, entry_l1, PGT_l1), 0);
    for (unsigned round = 0; round < 4 * stress; round++) {
        run_workers(ws, 3, bodies, 20000);
        /* The checker recounts every entry's references: a lost or doubled put shows here. */
        round_end(&domu, NULL, 0);
    }
    assert_int_equal(fake_unpin(&domu, entry_l1), 0);
    round_end(&domu, NULL, 0);
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(pg(entry_data[i])->count, 1);
}

/* ---- 6. linear mappings both ways at once: never both ---- */

static mfn_t lin_a, lin_b;
static pthread_barrier_t lin_barrier;
static int lin_rc[2];

static void body_linear(struct worker *w)
{
    mfn_t from = w->id ? lin_b : lin_a, to = w->id ? lin_a : lin_b;

    for (unsigned i = 0; i < w->iterations; i++) {
        pthread_barrier_wait(&lin_barrier);
        lin_rc[w->id] = mmu_write(from, 5, fake_pte(to, F_P), &domu, &domu);
        pthread_barrier_wait(&lin_barrier);
        if (w->id == 0 && lin_rc[0] == 0 && lin_rc[1] == 0)
            violation("two tables map each other linearly\n");
        w->done[0] += lin_rc[w->id] == 0;
        pthread_barrier_wait(&lin_barrier);
        if (lin_rc[w->id] == 0 && mmu_write(from, 5, 0, &domu, &domu))
            violation("clearing a linear entry failed\n");
    }
}

static void test_linear_both_ways(void **state)
{
    static void (*const bodies[])(struct worker *) = { body_linear, body_linear };
    struct worker ws[2];

    lin_a = fake_give(&domu);
    lin_b = fake_give(&domu);
    assert_int_equal(fake_pin(&domu, lin_a, PGT_l2), 0);
    assert_int_equal(fake_pin(&domu, lin_b, PGT_l2), 0);
    assert_int_equal(pthread_barrier_init(&lin_barrier, NULL, 2), 0);
    run_workers(ws, 2, bodies, 3000 * stress);
    pthread_barrier_destroy(&lin_barrier);
    assert_true(ws[0].done[0] + ws[1].done[0] > 0);
    assert_int_equal(pg(lin_a)->linear, 0);
    assert_int_equal(pg(lin_b)->linear, 0);
    round_end(&domu, NULL, 0);
}

/* Many CPUs adding and removing linear entries of one table at once: the counters stay exact. */
static mfn_t lin_targets[3];

static void body_linear_many(struct worker *w)
{
    for (unsigned i = 0; i < w->iterations; i++) {
        unsigned slot = 100 + w->id * 8 + rnd_below(w, 8);
        mfn_t to = lin_targets[rnd_below(w, 3)];
        if (mmu_write(lin_a, slot, fake_pte(to, F_P), &domu, &domu) == 0)
            w->done[0]++;
        else
            violation("a linear entry to a plain validated L2 was refused\n");
        if (rnd_below(w, 2) && mmu_write(lin_a, slot, 0, &domu, &domu))
            violation("clearing a linear entry failed\n");
    }
}

static void test_linear_counters(void **state)
{
    static void (*const bodies[])(struct worker *) = { body_linear_many, body_linear_many,
                                                       body_linear_many, body_linear_many };
    struct worker ws[4];

    lin_a = fake_give(&domu);
    assert_int_equal(fake_pin(&domu, lin_a, PGT_l2), 0);
    for (unsigned i = 0; i < 3; i++) {
        lin_targets[i] = fake_give(&domu);
        assert_int_equal(fake_pin(&domu, lin_targets[i], PGT_l2), 0);
    }
    for (unsigned round = 0; round < 4 * stress; round++) {
        run_workers(ws, 4, bodies, 4000);
        round_end(&domu, NULL, 0);   /* the fake recounts every linear counter */
    }
}

/* ---- 7. the frame allocator ---- */

#define ALLOC_FRAMES 512   /* few words: the threads meet in them */
static struct frame_allocator alloc;
static uint64_t alloc_bitmap[FRAME_ALLOC_BITMAP_WORDS(ALLOC_FRAMES)];
static uint32_t alloc_holder[ALLOC_FRAMES];

static void body_alloc(struct worker *w)
{
    mfn_t mine[32];
    unsigned n = 0;

    for (unsigned i = 0; i < w->iterations; i++) {
        mfn_t m;
        if (n < 32 && rnd_below(w, 3) && frame_alloc(&alloc, &m) == 0) {
            if (__atomic_exchange_n(&alloc_holder[m], w->id + 1, __ATOMIC_SEQ_CST))
                violation("frame %#lx allocated twice\n", m);
            mine[n++] = m;
        } else if (n && rnd_below(w, 8) == 0 && frame_alloc_contig(&alloc, 4, 4, &m) == 0) {
            for (unsigned k = 0; k < 4; k++)
                if (__atomic_exchange_n(&alloc_holder[m + k], w->id + 1, __ATOMIC_SEQ_CST))
                    violation("frame %#lx allocated twice (run)\n", m + k);
            for (unsigned k = 0; k < 4; k++) {
                __atomic_store_n(&alloc_holder[m + k], 0, __ATOMIC_SEQ_CST);
                if (frame_free(&alloc, m + k))
                    violation("freeing our run failed\n");
            }
        } else if (n) {
            m = mine[--n];
            __atomic_store_n(&alloc_holder[m], 0, __ATOMIC_SEQ_CST);
            if (frame_free(&alloc, m))
                violation("freeing our frame failed\n");
        }
    }
    while (n) {
        mfn_t m = mine[--n];
        __atomic_store_n(&alloc_holder[m], 0, __ATOMIC_SEQ_CST);
        frame_free(&alloc, m);
    }
}

static void test_allocator(void **state)
{
    static void (*const bodies[])(struct worker *) = { body_alloc, body_alloc, body_alloc,
                                                       body_alloc };
    struct worker ws[4];

    frame_alloc_init(&alloc, alloc_bitmap, ALLOC_FRAMES);
    assert_int_equal(frame_alloc_add_free(&alloc, 0, ALLOC_FRAMES), 0);
    run_workers(ws, 4, bodies, 40000 * stress);
    assert_int_equal(violations, 0);
    assert_int_equal(frame_alloc_free_count(&alloc), ALLOC_FRAMES);
    for (mfn_t m = 0; m < ALLOC_FRAMES; m++)
        assert_true(frame_alloc_is_free(&alloc, m));
}

/* ---- frames changing hands between two domains, while others take references ---- */

#define HANDS_FRAMES 12
static mfn_t hands[HANDS_FRAMES];

/* Release a frame from whoever owns it, and give a free one to a domain. */
static void body_mover(struct worker *w)
{
    for (unsigned i = 0; i < w->iterations; i++) {
        mfn_t m = hands[rnd_below(w, HANDS_FRAMES)];
        struct domain *to = rnd_below(w, 2) ? &dom0 : &domu;
        int rc = fake_assign(to, m);   /* only a free frame: -EBUSY otherwise */
        if (rc == 0)
            w->done[0]++;
        else if (rc != -EBUSY)
            violation("assign: %d\n", rc);
        if (domain_release_page(rnd_below(w, 2) ? &dom0 : &domu, m) == 0)
            w->done[1]++;
    }
}

/* A reference, once taken, keeps the frame its owner's. */
static void body_holder(struct worker *w)
{
    for (unsigned i = 0; i < w->iterations; i++) {
        mfn_t m = hands[rnd_below(w, HANDS_FRAMES)];
        struct domain *d = rnd_below(w, 2) ? &dom0 : &domu;
        if (!get_page(pg(m), d))
            continue;
        w->done[0]++;
        if (page_owner(pg(m)) != d->id)
            violation("frame %#lx held for d%u belongs to d%u\n", m, d->id, page_owner(pg(m)));
        if (rnd_below(w, 2) && get_page_type(pg(m), PGT_writable, d) == 0) {
            expect_typed(m, PGT_writable, "holder");
            put_page_type(pg(m));
        }
        put_page(pg(m));
    }
}

static void test_frames_change_hands(void **state)
{
    static void (*const bodies[])(struct worker *) = { body_mover, body_mover, body_holder,
                                                       body_holder };
    struct worker ws[4];
    unsigned long moves = 0;

    for (unsigned i = 0; i < HANDS_FRAMES; i++)
        hands[i] = fake_give(&domu);
    for (unsigned round = 0; round < 4 * stress; round++) {
        run_workers(ws, 4, bodies, 10000);
        /* Page lists, tot_pages, and every frame freed exactly once per assignment. */
        round_end(&domu, NULL, 0);
        moves += ws[0].done[1] + ws[1].done[1];
    }
    assert_true(moves > 0);
}

/* ---- XENMEM_exchange's steals and swaps, while others take references ---- */

#define EXCH_FRAMES 8
#define EXCH_SPARE_FIRST 200   /* free frames, one per exchanger, never given by fake_give here */
static mfn_t exch_slots[EXCH_FRAMES];   /* domU's frames, as they are swapped */
static mfn_t exch_spare[MAX_WORKERS];   /* each exchanger's free frame, kept across rounds */
#define EXCH_CANDIDATES (EXCH_FRAMES + 2)
static mfn_t exch_candidates[EXCH_CANDIDATES];   /* every frame that takes part */

/* Take a frame as an exchange does: give it back, or swap it for our spare (which the old one becomes). */
static void body_exchanger(struct worker *w)
{
    mfn_t spare = exch_spare[w->id];

    for (unsigned i = 0; i < w->iterations; i++) {
        unsigned slot = rnd_below(w, EXCH_FRAMES);
        /* A slot's frame, or any frame that ever took part: a guest may name any. */
        mfn_t m = rnd_below(w, 2) ? __atomic_load_n(&exch_slots[slot], __ATOMIC_SEQ_CST)
                                  : exch_candidates[rnd_below(w, EXCH_CANDIDATES)];
        if (domain_steal_page(&domu, m) != 0)
            continue;
        w->done[0]++;
        if (__atomic_load_n(&pg(m)->count, __ATOMIC_SEQ_CST) != 0)
            violation("stolen frame %#lx has count %u\n", m, pg(m)->count);
        if (rnd_below(w, 2)) {
            domain_unsteal_page(m);
            continue;
        }
        __atomic_fetch_add(&fake.assign_count[spare], 1, __ATOMIC_SEQ_CST);   /* the swap assigns it */
        domain_swap_page(&domu, m, spare);
        __atomic_store_n(&exch_slots[slot], spare, __ATOMIC_SEQ_CST);
        spare = m;   /* freed by the swap, and nobody else gives frames out: ours */
        w->done[1]++;
    }
    exch_spare[w->id] = spare;
}

/* A reference (and a type reference) keeps the frame allocated and domU's: no steal under it. */
static void body_exch_holder(struct worker *w)
{
    for (unsigned i = 0; i < w->iterations; i++) {
        mfn_t m = __atomic_load_n(&exch_slots[rnd_below(w, EXCH_FRAMES)], __ATOMIC_SEQ_CST);
        if (!get_page(pg(m), &domu))
            continue;
        w->done[0]++;
        bool typed = rnd_below(w, 2) && get_page_type(pg(m), PGT_writable, &domu) == 0;
        for (unsigned k = 0; k < 8; k++)
            if (!(page_flags(pg(m)) & PGF_allocated) || page_owner(pg(m)) != domu.id)
                violation("frame %#lx taken while held (flags %#x, owner %u)\n", m,
                          page_flags(pg(m)), page_owner(pg(m)));
        if (typed)
            put_page_type(pg(m));
        put_page(pg(m));
    }
}

static void test_exchange_against_holders(void **state)
{
    static void (*const bodies[])(struct worker *) = { body_exchanger, body_exchanger,
                                                       body_exch_holder, body_exch_holder };
    struct worker ws[4];
    unsigned long swaps = 0, steals = 0;

    for (unsigned i = 0; i < EXCH_FRAMES; i++)
        exch_candidates[i] = exch_slots[i] = fake_give(&domu);
    for (unsigned i = 0; i < MAX_WORKERS; i++)
        exch_spare[i] = EXCH_SPARE_FIRST + i;
    exch_candidates[EXCH_FRAMES] = EXCH_SPARE_FIRST;       /* the two exchangers' spares */
    exch_candidates[EXCH_FRAMES + 1] = EXCH_SPARE_FIRST + 1;
    for (unsigned round = 0; round < 4 * stress; round++) {
        violations = 0;
        run_workers(ws, 4, bodies, 10000);
        assert_int_equal(violations, 0);
        assert_int_equal(domu.tot_pages, EXCH_FRAMES);
        round_end(&domu, NULL, 0);
        steals += ws[0].done[0] + ws[1].done[0];
        swaps += ws[0].done[1] + ws[1].done[1];
    }
    assert_true(steals > 0 && swaps > 0);
}

/* ---- 8. a teardown while a privileged domain works on the dying domain's memory ---- */

static mfn_t d0_l1;
static unsigned long foreign_entries;   /* foreign operations that entered domU so far */

/* dom0's foreign work on domU, as mmuext_op and mmu_update with foreigndom = domU do it. */
static bool teardown_done;

static void body_foreign(struct worker *w)
{
    /* Until domU is dying: then nothing of it may be used. */
    while (domain_mm_enter(&domu)) {
        __atomic_fetch_add(&foreign_entries, 1, __ATOMIC_SEQ_CST);
        w->done[0]++;
        int rc = fake_pin(&domu, h.l2b, PGT_l2);   /* a foreign pin (validates domU's L1s) */
        /* Once domU is dying nothing of it may be used, not even to unpin: its teardown does. */
        if (rc == 0 && page_unpin(&domu, h.l2b) != 0 &&
            __atomic_load_n(&domu.state, __ATOMIC_SEQ_CST) == DOMAIN_RUNNING)
            violation("foreign unpin failed\n");
        fake_drain(&domu);
        /* Map one of domU's frames in dom0's own L1 (foreign page owner). */
        mmu_write(d0_l1, w->id, fake_pte(h.data[rnd_below(w, 4)], F_P), &dom0, &domu);
        domain_mm_exit(&domu);
    }
    /*
     * dom0 lets go of what it maps of domU (its own table: no need to enter
     * domU) during the teardown, and fails to map more: the teardown's walks
     * meet frames freed under them.
     */
    while (!__atomic_load_n(&teardown_done, __ATOMIC_SEQ_CST)) {
        unsigned slot = w->id;
        if (mmu_write(d0_l1, slot, 0, &dom0, &dom0))
            violation("dom0 could not clear its own entry\n");
        if (mmu_write(d0_l1, slot, fake_pte(h.data[rnd_below(w, 4)], F_P), &dom0, &domu) == 0)
            violation("dom0 mapped a frame of a dying domain\n");
        fake_drain(&dom0);
    }
}

/* Once the foreign work is under way, domU dies and is torn down, under tiny budgets. */
static void body_teardown(struct worker *w)
{
    while (__atomic_load_n(&foreign_entries, __ATOMIC_SEQ_CST) < w->iterations)
        spin_pause();
    __atomic_store_n(&domu.state, DOMAIN_DYING, __ATOMIC_SEQ_CST);   /* as domain_kill */
    for (;;) {
        work_budget_begin(fake.budget);
        if (domain_relinquish_memory(&domu) == 0)
            break;
        w->done[0]++;
    }
    work_budget_begin(0);
    __atomic_store_n(&teardown_done, true, __ATOMIC_SEQ_CST);
}

static void test_teardown_against_foreign_work(void **state)
{
    static void (*const bodies[])(struct worker *) = { body_teardown, body_foreign,
                                                       body_foreign };
    struct worker ws[3];

    for (unsigned round = 0; round < 3 * stress; round++) {
        if (round) {   /* a fresh machine with both domains alive */
            fake_machine_fini();
            setup(NULL);
        }
        foreign_entries = 0;
        teardown_done = false;
        build_hierarchy();
        d0_l1 = fake_give(&dom0);
        assert_int_equal(fake_pin(&dom0, d0_l1, PGT_l1), 0);
        assert_int_equal(fake_pin(&domu, h.l4a, PGT_l4), 0);   /* domU's own tree */
        fake.budget = 6 + round % 5;
        run_workers(ws, 3, bodies, 1 + 20 * (round % 4));
        assert_int_equal(violations, 0);
        /* dom0 has let go of domU's frames: domU is gone, every frame returned once. */
        fake.budget = 0;
        assert_int_equal(fake_check(NULL, 0), 0);
        assert_int_equal(domu.state, DOMAIN_FREE);
        assert_int_equal(fake_unpin(&dom0, d0_l1), 0);
        assert_int_equal(fake_check(NULL, 0), 0);
        for (mfn_t m = 0; m < FAKE_FRAMES; m++)
            assert_int_not_equal(pg(m)->owner, 1);
    }
}

/* ---- 9. two CPUs running one domain's teardown ---- */

static void body_relinquish(struct worker *w)
{
    for (;;) {
        work_budget_begin(fake.budget);
        int rc = domain_relinquish_memory(&domu);
        if (rc == 0)
            break;
        if (rc != -ERESTART)
            violation("relinquish: %d\n", rc);
        w->done[0]++;
    }
    work_budget_begin(0);
}

static void test_two_teardowns(void **state)
{
    static void (*const bodies[])(struct worker *) = { body_relinquish, body_relinquish };
    struct worker ws[2];

    build_hierarchy();
    assert_int_equal(fake_pin(&domu, h.l4a, PGT_l4), 0);
    assert_int_equal(fake_pin(&domu, h.l4b, PGT_l4), 0);
    assert_int_equal(fake_pin(&domu, h.l2b, PGT_l2), 0);
    domu.state = DOMAIN_DYING;
    fake.budget = 6;
    run_workers(ws, 2, bodies, 0);
    assert_int_equal(violations, 0);
    assert_int_equal(domu.state, DOMAIN_FREE);
    fake.budget = 0;
    assert_int_equal(fake_check(NULL, 0), 0);
    for (mfn_t m = 0; m < FAKE_FRAMES; m++)
        assert_int_not_equal(pg(m)->owner, 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const char *s = getenv("KOAN_STRESS");
    const struct CMUnitTest tests[] = {
        T(test_get_put_hammer),
        T(test_type_conflicts),
        T(test_pin_overlapping_hierarchies),
        T(test_validation_under_tiny_budgets),
        T(test_one_entry_two_writers),
        T(test_linear_both_ways),
        T(test_linear_counters),
        T(test_frames_change_hands),
        T(test_exchange_against_holders),
        cmocka_unit_test(test_allocator),
        T(test_teardown_against_foreign_work),
        T(test_two_teardowns),
    };

    if (s && atoi(s) > 0)
        stress = (unsigned)atoi(s);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
