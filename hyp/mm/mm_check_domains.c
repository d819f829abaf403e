/* SPDX-License-Identifier: MIT */
/*
 * The memory invariant checker (include/hyp/mm_check.h): the domain part.
 * The base pointers, GDT/LDT frames and registered vcpu_info frame of
 * every vCPU of every domain are roots -- a reference and a type reference
 * each, to a frame of the domain and of the right type; the device
 * mappings of its grant map handles hold a reference (and a writable type
 * reference) each, to another's frame or its own; its page list must hold exactly the frames it owns, as many as
 * tot_pages and xen_pages say, and its devalidation queue exactly those
 * marked queued; the allocator's free count must be its
 * bitmap's (mm_check.c checks each free frame is unowned); and the running
 * vCPU's CR3 must be the base pointer of the mode it is in.
 */
#include <hyp/domain.h>
#include <hyp/grant_table.h>
#include <hyp/string.h>

#include "mm_check_internal.h"

/* A domain's frames mostly lie together: the last answer is tried first. */
static int domain_index(struct checker *c, domid_t id)
{
    unsigned n = c->env->nr_domains;

    if (c->last_index < n && c->env->domains[c->last_index]->id == id)
        return (int)c->last_index;
    for (unsigned i = 0; i < n; i++)
        if (c->env->domains[i]->id == id)
            return (int)(c->last_index = i);
    return -1;
}

void mm_check_note_owned(struct checker *c, mfn_t mfn, const struct page_info *pg)
{
    int i = domain_index(c, pg->owner);

    if (i < 0) {
        mm_check_problem(c, mfn, "frame owned by no domain", 0, pg->owner);
        return;
    }
    c->owned[i]++;
    c->queued[i] += !!(pg->flags & PGF_queued);
}

/*
 * A frame a vCPU holds: the domain's own, of `type`, validated (a dying
 * domain's teardown may already have devalidated it).
 */
static void check_root(struct checker *c, const struct domain *d, mfn_t mfn, unsigned type,
                       const char *what)
{
    if (!mfn_valid(mfn)) {
        mm_check_problem(c, mfn, what, type, 0);
        return;
    }
    const struct page_info *pg = mfn_to_page(mfn);
    /* A writable frame (a vcpu_info) has nothing to validate. */
    bool validated = (pg->flags & PGF_validated) || type == PGT_writable ||
                     d->state != DOMAIN_RUNNING;

    if (pg->owner != d->id || pg->type != type || !validated)
        mm_check_problem(c, mfn, what, type, pg->type | (uint64_t)pg->owner << 16);
    mm_check_count_root(c, mfn);
}

static void check_vcpu_roots(struct checker *c, const struct domain *d, const struct vcpu *v)
{
    unsigned gdt_frames = (v->pv.gdt_ents + 511) / 512;

    if (v->domain != d)
        mm_check_problem(c, 0, "vCPU of another domain in the vCPU table", d->id, v->id);
    if (v->vcpu_info_mfn)
        check_root(c, d, v->vcpu_info_mfn, PGT_writable,
                   "vcpu_info frame not a writable frame of its domain");

    if (v->kernel_l4)
        check_root(c, d, v->kernel_l4, PGT_l4, "kernel base pointer not a validated L4 of its domain");
    if (v->user_l4)
        check_root(c, d, v->user_l4, PGT_l4, "user base pointer not a validated L4 of its domain");
    if (gdt_frames > ARRAY_SIZE(v->pv.gdt_frames)) {
        mm_check_problem(c, 0, "GDT of too many frames", ARRAY_SIZE(v->pv.gdt_frames),
                         gdt_frames);
        gdt_frames = ARRAY_SIZE(v->pv.gdt_frames);
    }
    for (unsigned f = 0; f < gdt_frames; f++)
        check_root(c, d, v->pv.gdt_frames[f], PGT_seg_desc,
                   "GDT frame not a descriptor page of its domain");
    for (unsigned f = 0; f < ARRAY_SIZE(v->pv.ldt_frames); f++)
        if (v->pv.ldt_frames[f])
            check_root(c, d, v->pv.ldt_frames[f], PGT_seg_desc,
                       "LDT frame not a descriptor page of its domain");
}

/* A device mapping of a grant: a reference, and a type reference if writable. */
static void count_grant_ref(void *ctx, mfn_t mfn, bool writable)
{
    struct checker *c = ctx;

    if (!mfn_valid(mfn)) {
        mm_check_problem(c, mfn, "grant device mapping of no frame", 0, mfn);
        return;
    }
    c->count[mfn]++;
    c->type[mfn] += writable;
}

/* The hypervisor serves the domain's console ring: a plain reference on its own frame. */
static void count_console_ref(struct checker *c, const struct domain *d)
{
    mfn_t mfn = d->console.ring_mfn;

    if (!mfn)
        return;
    if (!mfn_valid(mfn) || mfn_to_page(mfn)->owner != d->id) {
        mm_check_problem(c, mfn, "console ring not a frame of its domain", d->id, 0);
        return;
    }
    c->count[mfn]++;
}

/* Every vCPU the domain has: ids in range, in their slots, their roots. */
static void check_domain_vcpus(struct checker *c, const struct domain *d)
{
    const struct vcpu *v;

    if (d->max_vcpus > MAX_VCPUS_PER_DOMAIN) {
        mm_check_problem(c, 0, "more vCPUs than a domain may have", MAX_VCPUS_PER_DOMAIN,
                         d->max_vcpus);
        return;
    }
    for (unsigned i = 0; i < d->max_vcpus; i++) {
        if (!(v = d->vcpu[i]))
            continue;
        if (v->id != i)
            mm_check_problem(c, 0, "vCPU in the wrong slot", i, v->id);
        check_vcpu_roots(c, d, v);
    }
}

/* The page list: links, owners, the counts, and every owned frame on it. */
static void check_page_list(struct checker *c, const struct domain *d, unsigned index)
{
    uint64_t tot = 0, xen = 0, steps = 0;
    uint32_t prev = FT_NIL, m;

    for (m = d->page_list_head; m != FT_NIL; m = frame_table[m].next) {
        if (!mfn_valid(m) || ++steps > frame_table_frames) {
            mm_check_problem(c, m, "page list leaves the frame table or loops", d->id, steps);
            return;
        }
        const struct page_info *pg = mfn_to_page(m);
        if (pg->owner != d->id)
            mm_check_problem(c, m, "frame on another domain's page list", d->id, pg->owner);
        if (pg->prev != prev)
            mm_check_problem(c, m, "page list back link", prev, pg->prev);
        if (pg->flags & PGF_xen_shared)
            xen++;
        else
            tot++;
        prev = m;
    }
    if (d->page_list_tail != prev)
        mm_check_problem(c, prev, "page list tail", prev, d->page_list_tail);
    if (c->owned[index] != steps)
        mm_check_problem(c, d->id, "frames owned vs frames on the page list", c->owned[index],
                         steps);
    if (tot != d->tot_pages)
        mm_check_problem(c, d->id, "tot_pages vs the page list", tot, d->tot_pages);
    if (xen != d->xen_pages)
        mm_check_problem(c, d->id, "xen_pages vs the page list", xen, d->xen_pages);
}

/* The devalidation queue: owned frames marked queued, each once. */
static void check_queue(struct checker *c, const struct domain *d, unsigned index)
{
    uint64_t steps = 0;

    for (uint32_t m = d->devalidate_head; m != FT_NIL; m = frame_table[m].queue_next) {
        if (!mfn_valid(m) || ++steps > frame_table_frames) {
            mm_check_problem(c, m, "devalidation queue leaves the frame table or loops",
                             d->id, steps);
            return;
        }
        const struct page_info *pg = mfn_to_page(m);
        if (pg->owner != d->id || !(pg->flags & PGF_queued))
            mm_check_problem(c, m, "frame on a devalidation queue not queued by its owner",
                             d->id, pg->owner | (uint64_t)pg->flags << 16);
    }
    if (c->queued[index] != steps)
        mm_check_problem(c, d->id, "frames marked queued vs the devalidation queue",
                         c->queued[index], steps);
}

/* The walk counted the free frames it saw; any beyond the frame table count too. */
static void check_free_count(struct checker *c, const struct frame_allocator *a)
{
    uint64_t free = c->free_frames;

    for (mfn_t m = frame_table_frames; m < a->max_mfn; m++)
        free += frame_alloc_is_free(a, m);
    if (free != frame_alloc_free_count(a))
        mm_check_problem(c, 0, "allocator free count vs its bitmap", free,
                         frame_alloc_free_count(a));
}

static void check_cr3(struct checker *c, const struct vcpu *v, uint64_t cr3)
{
    mfn_t want = v->pv.kernel_mode ? v->kernel_l4 : v->user_l4;
    mfn_t loaded = (cr3 & 0x000ffffffffff000UL) >> 12;

    if (loaded != want)
        mm_check_problem(c, loaded, v->pv.kernel_mode ? "CR3 is not the kernel base pointer"
                                                      : "CR3 is not the user base pointer",
                         want, loaded);
}

unsigned mm_check_machine(const struct mm_check_env *env)
{
    uint64_t frames = frame_table_frames;
    struct checker c = { .count = env->scratch, .type = env->scratch + frames,
                         .linear = env->scratch + 2 * frames,
                         .owned = env->scratch + 3 * frames,
                         .queued = env->scratch + 3 * frames + env->nr_domains,
                         .report = env->report, .env = env };

    /* Word stores: the byte-wise memset costs more than the check under TCG. */
    for (uint64_t i = 0; i < MM_CHECK_SCRATCH_WORDS(frames, env->nr_domains); i++)
        env->scratch[i] = 0;
    mm_check_walk_frames(&c);
    for (unsigned i = 0; i < env->nr_domains; i++) {
        check_domain_vcpus(&c, env->domains[i]);
        grant_table_each_ref(env->domains[i], count_grant_ref, &c);
        count_console_ref(&c, env->domains[i]);
        if (env->domains[i]->pirq_eoi_mfn)
            check_root(&c, env->domains[i], env->domains[i]->pirq_eoi_mfn, PGT_writable,
                       "PIRQ EOI map not a writable frame of its domain");
    }
    mm_check_compare(&c);
    for (unsigned i = 0; i < env->nr_domains; i++) {
        check_page_list(&c, env->domains[i], i);
        check_queue(&c, env->domains[i], i);
    }
    if (env->alloc)
        check_free_count(&c, env->alloc);
    if (env->running)
        check_cr3(&c, env->running, env->cr3);
    return c.problems;
}
