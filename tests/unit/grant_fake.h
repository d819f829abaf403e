/* SPDX-License-Identifier: MIT */
/*
 * What the grant-table unit tests share: the hooks the grant code needs
 * beyond the fake arch (hypervisor pages from the host heap, frames given
 * to domains, the M2P, the L1 a "current vCPU" maps addresses with, TLB
 * flush counters), and helpers that grant, map and unmap the way the
 * hypercall layer (hyp/common/grant_table_ops.c) calls the core.  The
 * fake machine of fake_harness.h: dom0 (privileged) and domu.
 */
#ifndef KOAN_TEST_GRANT_FAKE_H
#define KOAN_TEST_GRANT_FAKE_H

#include <hyp/frame.h>
#include <hyp/grant_table.h>
#include <hyp/m2p.h>
#include <hyp/mm_check.h>

#include "../../hyp/common/grant_table_internal.h"
#include "fake_harness.h"

/* ---- hooks ---- */

static uint64_t m2p[FAKE_FRAMES];
static mfn_t current_l1;   /* grant_find_l1's answer for lower-half addresses */
static unsigned long domain_flushes, transfer_flushes;
/* Hypervisor pages given out and not freed; allocations left before they fail (-1: never). */
static int64_t hyp_pages_out;
static int hyp_allocs_until_fail = -1;

void *hyp_alloc_pages(uint64_t count)
{
    if (hyp_allocs_until_fail == 0)
        return NULL;
    if (hyp_allocs_until_fail > 0)
        hyp_allocs_until_fail--;
    void *p = aligned_alloc(PAGE_SIZE, count * PAGE_SIZE);

    if (p) {
        memset(p, 0, count * PAGE_SIZE);
        __atomic_fetch_add(&hyp_pages_out, (int64_t)count, __ATOMIC_SEQ_CST);
    }
    return p;
}

void hyp_free_pages(void *p, uint64_t count)
{
    __atomic_fetch_sub(&hyp_pages_out, (int64_t)count, __ATOMIC_SEQ_CST);
    free(p);
}

int domain_give_frames(struct domain *d, unsigned order, bool counted, mfn_t *first)
{
    assert_int_equal(order, 0);
    for (mfn_t m = 0; m < FAKE_FRAMES; m++)
        if (frame_table[m].owner == DOMID_INVALID && !frame_table[m].count) {
            memset(fake_pt(m), 0, PAGE_SIZE);
            if (domain_assign_page(d, m, counted))
                return -ENOMEM;
            __atomic_fetch_add(&fake.assign_count[m], 1, __ATOMIC_SEQ_CST);
            *first = m;
            return 0;
        }
    return -ENOMEM;
}

void m2p_set(mfn_t mfn, pfn_t pfn)
{
    if (mfn < FAKE_FRAMES)
        m2p[mfn] = pfn;
}

struct domain *domain_by_any_id(struct domain *d, domid_t domid)
{
    return domid == DOMID_SELF ? d : domain_from_id(domid);
}

bool domain_may_use(const struct domain *d, const struct domain *other)
{
    return d == other || d->privileged;
}

bool grant_find_l1(struct domain *ld, uint64_t va, mfn_t *l1)
{
    (void)ld;
    if (va >= 0x800000000000UL || !current_l1)
        return false;
    *l1 = current_l1;
    return true;
}

void grant_flush_domain_tlb(struct domain *d)
{
    (void)d;
    __atomic_fetch_add(&domain_flushes, 1, __ATOMIC_SEQ_CST);
}

void grant_flush_for_transfer(void)
{
    __atomic_fetch_add(&transfer_flushes, 1, __ATOMIC_SEQ_CST);
}

/* ---- helpers ---- */

/* Both domains get a table (max_frames frames, max_handle_pages pages of handles), empty. */
static void bare_tables(unsigned max_frames, unsigned max_handle_pages)
{
    grant_table_create(&dom0, max_frames, max_handle_pages);
    grant_table_create(&domu, max_frames, max_handle_pages);
}

/* ... with the first frame each, as after a guest's setup_table. */
static void tables(unsigned max_frames, unsigned max_handle_pages)
{
    bare_tables(max_frames, max_handle_pages);
    assert_int_equal(grant_table_grow(&dom0, 1), 0);
    assert_int_equal(grant_table_grow(&domu, 1), 0);
}

/* A fresh L1 of d, pinned (so validated). */
static mfn_t pinned_l1(struct domain *d)
{
    mfn_t m = fake_give(d);

    assert_int_equal(fake_pin(d, m, PGT_l1), 0);
    return m;
}

static void grant(struct domain *granter, uint32_t ref, domid_t to, mfn_t frame, uint16_t flags)
{
    grant_entry_v1_t *e = gt_shared(granter->grant_table, ref);

    /* A guest's stores (atomic here only so that ThreadSanitizer sees them as such). */
    __atomic_store_n(&e->frame, (uint32_t)frame, __ATOMIC_RELAXED);
    __atomic_store_n(&e->domid, to, __ATOMIC_RELAXED);
    __atomic_store_n(&e->flags, flags, __ATOMIC_SEQ_CST);
}

static uint16_t flags_of(struct domain *granter, uint32_t ref)
{
    return __atomic_load_n(&gt_shared(granter->grant_table, ref)->flags, __ATOMIC_SEQ_CST);
}

static uint32_t pin_of(struct domain *granter, uint32_t ref)
{
    struct grant_table *gt = granter->grant_table;

    spin_lock(&gt->lock);
    struct active_grant *act = gt_active_or_null(gt, ref);
    uint32_t pin = act ? act->pin : 0;
    spin_unlock(&gt->lock);
    return pin;
}

/* The machine address of entry idx of table l1 (GNTMAP_contains_pte). */
static uint64_t pte_ma(mfn_t l1, unsigned idx)
{
    return (l1 << PAGE_SHIFT) + idx * 8;
}

/* ld maps rd's ref with flags at host_addr: the status, the handle in *h. */
static int16_t map(struct domain *ld, struct domain *rd, uint32_t ref, uint32_t flags,
                   uint64_t host_addr, uint32_t *h)
{
    struct gnttab_map_grant_ref op = { .host_addr = host_addr, .flags = flags, .ref = ref,
                                       .dom = rd->id };
    int16_t st = grant_map_one(ld, &op);

    if (st == GNTST_okay && h)
        *h = op.handle;
    return st;
}

/* As the hypercall: the first half, the flush, the second half. */
static int16_t unmap(struct domain *ld, uint32_t h, uint64_t host_addr, uint64_t bus)
{
    struct grant_unmap_done done;
    int16_t st = grant_unmap_begin(ld, h, host_addr, bus, 0, &done);

    if (done.flags & GNTMAP_host_map)
        grant_flush_domain_tlb(ld);
    grant_unmap_finish(ld, &done);
    return st;
}

static void report_problem(mfn_t mfn, const char *what, uint64_t want, uint64_t got)
{
    fprintf(stderr, "check: mfn %#lx: %s: expected %#lx, found %#lx\n", mfn, what, want, got);
}

/* Every invariant the hypervisor's checker knows, over both domains. */
static unsigned check_all(void)
{
    static uint32_t scratch[MM_CHECK_SCRATCH_WORDS(FAKE_FRAMES, 2)];
    struct domain *doms[2] = { &dom0, &domu };
    unsigned n = 0;

    for (unsigned i = 0; i < 2; i++)
        if (doms[i]->state != DOMAIN_FREE)
            doms[n++] = doms[i];
    struct mm_check_env env = { .domains = doms, .nr_domains = n, .scratch = scratch,
                                .report = report_problem };
    /* (fake_check's mm_check_frames knows no domains, so no grant references.) */
    return mm_check_machine(&env);
}

/* d is dying: tear down its table and memory, under budgets of `budget` units. */
static void kill_domain(struct domain *d, uint32_t budget)
{
    __atomic_store_n(&d->state, DOMAIN_DYING, __ATOMIC_SEQ_CST);
    for (int rc = -ERESTART; rc == -ERESTART;) {
        work_budget_begin(budget);
        rc = grant_table_teardown(d);
        if (rc == 0)
            rc = domain_relinquish_memory(d);
        assert_true(rc == 0 || rc == -ERESTART);
    }
    work_budget_begin(0);
}

/* After a test: free the tables left (the machine goes with them). */
static int grant_fake_cleanup(void **state)
{
    struct domain *doms[2] = { &dom0, &domu };

    for (unsigned i = 0; i < 2; i++)
        if (doms[i]->grant_table) {
            __atomic_store_n(&doms[i]->state, DOMAIN_DYING, __ATOMIC_SEQ_CST);
            work_budget_begin(0);
            assert_int_equal(grant_table_teardown(doms[i]), 0);
        }
    current_l1 = 0;
    memset(m2p, 0, sizeof(m2p));
    hyp_allocs_until_fail = -1;
    assert_int_equal(hyp_pages_out, 0);   /* every table's pages went with it */
    return teardown(state);
}

#endif
