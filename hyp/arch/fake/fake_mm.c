/* SPDX-License-Identifier: MIT */
/*
 * Fake arch for host unit tests of the frame table and page-table
 * validation: the hooks of include/hyp/frame_table.h, include/hyp/pt.h and
 * include/hyp/domain.h over a simulated machine, and the consistency checks
 * the tests run after every operation (see fake_mm.h).
 *
 * Tests may run operations from several threads at once (standing for
 * CPUs): the hooks count atomically, each thread has its own work budget
 * (work_budget.h), and the machine, its domains and `fake`'s settings are
 * set up before the threads start.  The checks need a quiet machine.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hyp/errno.h>
#include <hyp/mm_check.h>
#include <hyp/work_budget.h>

#include "fake_mm.h"

#define MAX_FAKE_DOMAINS 8

struct fake_machine fake;
#define FAKE_VCPUS 2   /* per domain: enough to check that every vCPU is looked at */

static struct domain *domains[MAX_FAKE_DOMAINS];
static struct vcpu vcpus[MAX_FAKE_DOMAINS][FAKE_VCPUS];

/* ---- the hooks ---- */

void frame_table_on_free(mfn_t mfn)
{
    if (mfn >= FAKE_FRAMES) {
        fprintf(stderr, "fake: frame_table_on_free(%#lx) outside the machine\n", mfn);
        abort();
    }
    __atomic_fetch_add(&fake.frees, 1, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&fake.free_count[mfn], 1, __ATOMIC_SEQ_CST);
    /* the TLB's part of on_free (a flush before the frame is reused) */
    __atomic_fetch_add(&fake.flushes, 1, __ATOMIC_SEQ_CST);
}

void frame_table_flush_tlb(void)
{
    __atomic_fetch_add(&fake.flushes, 1, __ATOMIC_SEQ_CST);
}

struct domain *domain_from_id(domid_t id)
{
    for (unsigned i = 0; i < MAX_FAKE_DOMAINS; i++)
        if (domains[i] && __atomic_load_n(&domains[i]->state, __ATOMIC_SEQ_CST) != DOMAIN_FREE &&
            domains[i]->id == id)
            return domains[i];
    return NULL;
}

/* As hyp/common/domain.c: a torn-down dying domain with no frames left is gone. */
void domain_check_gone(struct domain *d)
{
    __atomic_fetch_add(&fake.check_gone, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&d->state, __ATOMIC_SEQ_CST) == DOMAIN_DYING &&
        __atomic_load_n(&d->relinquish_phase, __ATOMIC_SEQ_CST) == RELINQUISH_DONE &&
        __atomic_load_n(&d->tot_pages, __ATOMIC_SEQ_CST) == 0 &&
        __atomic_load_n(&d->xen_pages, __ATOMIC_SEQ_CST) == 0)
        __atomic_store_n(&d->state, DOMAIN_FREE, __ATOMIC_SEQ_CST);
}

/* Recorded only: tests look at what would have crashed the domain. */
void domain_crash(struct domain *d, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(fake.crash_reason, sizeof(fake.crash_reason), fmt, ap);
    va_end(ap);
    __atomic_fetch_add(&fake.crashes, 1, __ATOMIC_SEQ_CST);
}

uint64_t pt_hypervisor_l4_entry(unsigned slot)
{
    return FAKE_HYP_L4E(slot);
}

bool pt_io_access_permitted(const struct domain *d, mfn_t mfn)
{
    bool io_ram = mfn >= FAKE_IO_FIRST && mfn < FAKE_IO_FIRST + FAKE_IO_COUNT;
    bool hole = mfn >= FAKE_MMIO_FIRST && mfn < FAKE_MMIO_FIRST + FAKE_MMIO_COUNT;

    return d->privileged && (io_ram || hole);
}

void *pt_map_frame(mfn_t mfn)
{
    /* The hypervisor only maps frames it validated as mfn_valid(). */
    if (mfn >= FAKE_FRAMES) {
        fprintf(stderr, "fake: pt_map_frame(%#lx) outside the machine\n", mfn);
        abort();
    }
    return fake.mem + mfn * PAGE_SIZE;
}

/* ---- machine and domains ---- */

void fake_machine_init(void)
{
    memset(&fake, 0, sizeof(fake));
    memset(domains, 0, sizeof(domains));
    fake.mem = aligned_alloc(PAGE_SIZE, FAKE_FRAMES * PAGE_SIZE);
    fake.table = calloc(FAKE_FRAMES, sizeof(struct page_info));
    fake.scratch = calloc(2 * FAKE_FRAMES, sizeof(uint32_t));
    if (!fake.mem || !fake.table || !fake.scratch)
        abort();
    memset(fake.mem, 0, FAKE_FRAMES * PAGE_SIZE);
    frame_table_setup(fake.table, FAKE_FRAMES);
    frame_table_set_io(FAKE_IO_FIRST, FAKE_IO_COUNT);
}

void fake_machine_fini(void)
{
    free(fake.mem);
    free(fake.table);
    free(fake.scratch);
    memset(&fake, 0, sizeof(fake));
    memset(domains, 0, sizeof(domains));
    frame_table = NULL;
    frame_table_frames = 0;
}

void fake_domain_init(struct domain *d, domid_t id, bool privileged, uint64_t max_pages)
{
    memset(d, 0, sizeof(*d));
    d->id = id;
    d->privileged = d->is_dom0 = privileged;
    d->max_pages = max_pages;
    d->page_list_head = d->page_list_tail = FT_NIL;
    d->devalidate_head = d->relinquish_next = FT_NIL;
    d->state = DOMAIN_RUNNING;
    snprintf(d->name, sizeof(d->name), "d%u", id);
    for (unsigned i = 0; i < MAX_FAKE_DOMAINS; i++)
        if (!domains[i]) {
            domains[i] = d;
            d->max_vcpus = FAKE_VCPUS;
            for (unsigned v = 0; v < FAKE_VCPUS; v++) {
                memset(&vcpus[i][v], 0, sizeof(vcpus[i][v]));
                vcpus[i][v].domain = d;
                vcpus[i][v].id = v;
                d->vcpu[v] = &vcpus[i][v];
            }
            return;
        }
    abort();
}

void fake_domain_forget(struct domain *d)
{
    for (unsigned i = 0; i < MAX_FAKE_DOMAINS; i++)
        if (domains[i] == d)
            domains[i] = NULL;
}

int fake_assign(struct domain *d, mfn_t mfn)
{
    int rc = domain_assign_page(d, mfn, true);

    if (rc == 0)
        __atomic_fetch_add(&fake.assign_count[mfn], 1, __ATOMIC_SEQ_CST);
    return rc;
}

mfn_t fake_give(struct domain *d)
{
    for (mfn_t m = 0; m < FAKE_FRAMES; m++)
        if (frame_table[m].owner == DOMID_INVALID) {
            memset(fake_pt(m), 0, PAGE_SIZE);
            if (fake_assign(d, m))
                break;
            return m;
        }
    fprintf(stderr, "fake: no frame for d%u\n", d->id);
    abort();
}

uint64_t *fake_pt(mfn_t mfn)
{
    return pt_map_frame(mfn);
}

/* ---- pin/unpin: the frame table's own, as mmuext_op uses them ---- */

static int pin_op(struct domain *d, mfn_t mfn, unsigned type)
{
    return page_pin(d, mfn, type);
}

static int unpin_op(struct domain *d, mfn_t mfn, unsigned type)
{
    return page_unpin(d, mfn);
}

/* Stopped half-way: count it, and check the frame table is consistent right there. */
static void restarted(void)
{
    __atomic_fetch_add(&fake.restarts, 1, __ATOMIC_SEQ_CST);
    if (fake.check_restarts && fake_check(fake.roots, fake.nr_roots)) {
        fprintf(stderr, "fake: inconsistent after restart %lu\n", fake.restarts);
        abort();
    }
}

void fake_drain(struct domain *d)
{
    for (;;) {
        work_budget_begin(fake.budget);
        if (frame_table_drain(d) == 0)
            break;
        restarted();
    }
    work_budget_begin(0);
}

static int run_op(int (*op)(struct domain *, mfn_t, unsigned), struct domain *d, mfn_t mfn,
                  unsigned type)
{
    int rc;

    do {   /* the queue, then the operation, continued as a re-issued hypercall is */
        work_budget_begin(fake.budget);
        rc = frame_table_drain(d);
        if (rc == 0)
            rc = op(d, mfn, type);
        if (rc == -ERESTART)
            restarted();
    } while (rc == -ERESTART);
    fake_drain(d);   /* then what it left to devalidate */
    return rc;
}

int fake_pin(struct domain *d, mfn_t mfn, unsigned type)
{
    return run_op(pin_op, d, mfn, type);
}

int fake_unpin(struct domain *d, mfn_t mfn)
{
    return run_op(unpin_op, d, mfn, 0);
}

/* ---- consistency checks ---- */

static unsigned problems;

static void report(mfn_t mfn, const char *what, uint64_t expected, uint64_t actual)
{
    problems++;
    if (!fake.quiet)
        fprintf(stderr, "check: mfn %#lx: %s: expected %lu, found %lu\n", mfn, what,
                (unsigned long)expected, (unsigned long)actual);
}

static bool owned_by_domain(const struct page_info *pg)
{
    return pg->owner < DOMID_FIRST_RESERVED;
}

/* pt.c keeps linear counters: +1 per linear entry in a table, -1 per use as a target. */
static void check_linear(void)
{
    int32_t want[FAKE_FRAMES] = { 0 };

    for (mfn_t m = 0; m < FAKE_FRAMES; m++) {
        const struct page_info *pg = &frame_table[m];
        if (!owned_by_domain(pg) || !(pg->flags & PGF_validated) || pg->type < PGT_l2 ||
            pg->type > PGT_l4)
            continue;
        const uint64_t *t = fake_pt(m);
        for (unsigned i = 0; i < 512; i++) {
            mfn_t target = (t[i] & 0x000ffffffffff000UL) >> 12;
            if ((pg->type == PGT_l4 && !pt_is_guest_l4_slot(i)) || !(t[i] & F_P) || target == m)
                continue;
            if (target < FAKE_FRAMES && frame_table[target].type == pg->type) {
                want[m]++;
                want[target]--;
            }
        }
    }
    for (mfn_t m = 0; m < FAKE_FRAMES; m++)
        if (want[m] != frame_table[m].linear)
            report(m, "linear counter", (uint64_t)(int64_t)want[m],
                   (uint64_t)(int64_t)frame_table[m].linear);
}

static void check_page_list(const struct domain *d)
{
    uint64_t tot = 0, xen = 0, steps = 0, owned = 0;
    uint32_t prev = FT_NIL;

    for (uint32_t m = d->page_list_head; m != FT_NIL; m = frame_table[m].next) {
        if (m >= FAKE_FRAMES || ++steps > FAKE_FRAMES) {
            report(m, "page list broken", d->id, steps);
            return;
        }
        const struct page_info *pg = &frame_table[m];
        if (pg->owner != d->id)
            report(m, "page on the list of another domain", d->id, pg->owner);
        if (pg->prev != prev)
            report(m, "page list back link", prev, pg->prev);
        if (pg->flags & PGF_xen_shared)
            xen++;
        else
            tot++;
        prev = m;
    }
    if (d->page_list_tail != prev)
        report(prev, "page list tail", prev, d->page_list_tail);
    for (mfn_t m = 0; m < FAKE_FRAMES; m++)
        owned += frame_table[m].owner == d->id;
    if (owned != steps)
        report(d->id, "frames owned vs on the page list", owned, steps);
    if (tot != d->tot_pages)
        report(d->id, "tot_pages", tot, d->tot_pages);
    if (xen != d->xen_pages)
        report(d->id, "xen_pages", xen, d->xen_pages);
}

/* Every assignment ends in exactly one free: none missed, none doubled. */
static void check_frees(void)
{
    for (mfn_t m = 0; m < FAKE_FRAMES; m++) {
        const struct page_info *pg = &frame_table[m];
        uint32_t want = fake.assign_count[m];
        if (owned_by_domain(pg))
            want = want ? want - 1 : 0;
        if (fake.free_count[m] != want)
            report(m, "frees of this frame", want, fake.free_count[m]);
        if (!owned_by_domain(pg) && (pg->flags || pg->type || pg->linear || pg->type_count))
            report(m, "free frame with state left (flags/type/linear/type_count)",
                   0, pg->flags | pg->type << 8 | (uint64_t)pg->type_count << 16);
    }
}

unsigned fake_check(const mfn_t *roots, unsigned nr_roots)
{
    problems = 0;
    mm_check_frames(roots, nr_roots, fake.scratch, report);
    check_linear();
    for (unsigned i = 0; i < MAX_FAKE_DOMAINS; i++)
        if (domains[i] && domains[i]->state != DOMAIN_FREE)
            check_page_list(domains[i]);
    check_frees();
    return problems;
}

void fake_snapshot(struct page_info *snap)
{
    memcpy(snap, frame_table, FAKE_FRAMES * sizeof(*snap));
}

static bool same_frames(const struct page_info *snap, bool ignore_idle_type)
{
    for (mfn_t m = 0; m < FAKE_FRAMES; m++) {
        struct page_info a = snap[m], b = frame_table[m];
        if (ignore_idle_type && a.type_count == 0 && b.type_count == 0)
            a.type = b.type = 0;
        if (memcmp(&a, &b, sizeof(a))) {
            if (!fake.quiet)
                fprintf(stderr, "fake: frame %#lx changed: owner %u->%u count %u->%u "
                        "type %u->%u type_count %u->%u flags %#x->%#x linear %d->%d\n",
                        m, a.owner, b.owner, a.count, b.count, a.type, b.type, a.type_count,
                        b.type_count, a.flags, b.flags, a.linear, b.linear);
            return false;
        }
    }
    return true;
}

bool fake_same_as(const struct page_info *snap)
{
    return same_frames(snap, false);
}

bool fake_same_counts(const struct page_info *snap)
{
    return same_frames(snap, true);
}
