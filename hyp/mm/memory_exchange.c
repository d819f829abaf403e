/* SPDX-License-Identifier: MIT */
/*
 * XENMEM_exchange: a domain's frames (the `in` list of machine frame
 * numbers, extents of 2^in.extent_order) for fresh ones (extents of
 * 2^out.extent_order, below 2^address_bits if the `out` flags ask; their
 * numbers are written over the `out` list, whose entries said which
 * pseudo-physical frames they become in the M2P).  Xen 4.17's rules and
 * answers throughout:
 *  - the work goes in chunks of the larger extent: a chunk's input frames
 *    are all taken (each must be the domain's and referenced by nobody
 *    else: no mapping, pin or type use -- else -EINVAL), then its output
 *    frames all allocated (-ENOMEM), and only then swapped, so a chunk
 *    happens entirely or not at all;
 *  - `nr_exchanged` counts the input extents done; it is written back at
 *    the end, on a failure (the failing chunk not counted) and at a
 *    preemption, whose continuation starts again from the value in the guest;
 *  - the argument checks, in Xen's order: the orders (-EPERM beyond 9, or
 *    18 for a privileged caller), the sizes (-EINVAL), nothing left to do
 *    (0), the lists' start addresses (-EFAULT), the NUMA node (-EINVAL),
 *    the domain (-ESRCH, -EPERM).
 * New frames are zeroed (Koan's rule for every frame a guest receives; Xen
 * does not promise it).  The domain's tot_pages never moves.  Frames held
 * in the middle of a chunk are chained through their frame-table entry
 * (queue_next: a frame with a reference held by the devalidation queue is
 * never stolen, and a free one is on no queue), so no chunk size needs
 * memory of its own; a chunk is never preempted.  SMP: the frames a chunk
 * holds are its alone (count 0, or fresh from the allocator), and the
 * domain's teardown cannot start meanwhile: the caller is one of its vCPUs,
 * or, for another domain, inside domain_mm_enter.
 */
#include <asm/page.h>
#include <hyp/domain.h>
#include <hyp/errno.h>
#include <hyp/frame.h>
#include <hyp/frame_table.h>
#include <hyp/guest_access.h>
#include <hyp/guest_range.h>
#include <hyp/hypercall.h>
#include <hyp/m2p.h>
#include <hyp/pv.h>
#include <hyp/string.h>

#define MAX_ORDER_DOMU       9    /* Xen's CONFIG_DOMU_MAX_ORDER */
#define MAX_ORDER_CONTROL    18   /* Xen's ctldom_max_order (2 * PAGETABLE_ORDER) */
#define MAX_NUMA_NODES       64   /* Xen's MAX_NUMNODES on x86 */
#define NO_NODE              0xffu
#define NO_ADDRESS_LIMIT     (64 + PAGE_SHIFT)

struct exchange {
    struct xen_memory_exchange x;
    struct domain *d;           /* whose frames */
    unsigned in_chunk;          /* a chunk is 2^in_chunk input extents ... */
    unsigned out_chunk;         /* ... and 2^out_chunk output extents */
    uint64_t mfn_limit;         /* fresh frames below this frame number; 0: anywhere */
    uint32_t stolen, fresh;     /* this chunk's frames (fresh: extents), FT_NIL-terminated */
};

/* ---- the chain of a chunk's frames ---- */

static void chain_push(uint32_t *head, mfn_t mfn)
{
    frame_table[mfn].queue_next = *head;
    *head = (uint32_t)mfn;
}

static mfn_t chain_pop(uint32_t *head)
{
    mfn_t mfn = *head;

    *head = frame_table[mfn].queue_next;
    frame_table[mfn].queue_next = FT_NIL;
    return mfn;
}

/* ---- the argument checks ---- */

static unsigned max_order(const struct domain *d)
{
    return d->privileged ? MAX_ORDER_CONTROL : MAX_ORDER_DOMU;
}

static bool sizes_ok(const struct xen_memory_exchange *x)
{
    return x->nr_exchanged <= x->in.nr_extents && x->in.domid == x->out.domid &&
           (~0UL >> x->in.extent_order) >= x->in.nr_extents &&
           (~0UL >> x->out.extent_order) >= x->out.nr_extents &&
           (x->in.nr_extents << x->in.extent_order) == (x->out.nr_extents << x->out.extent_order);
}

/*
 * Entries [first, last] of a guest list: Xen checks only that the count
 * does not overflow and that the first one's address is a guest's.  The
 * copies check the rest as they go.
 */
static bool list_ok(XEN_GUEST_HANDLE(xen_pfn_t) list, uint64_t first, uint64_t last)
{
    uint64_t count = last - first + 1;
    uint64_t start = (uint64_t)(uintptr_t)list.p + first * sizeof(xen_pfn_t);

    return count < ~0UL / sizeof(xen_pfn_t) &&
           (start < CANONICAL_LOW_END || start >= HYP_RANGE_END);
}

/* Both lists, from where the exchange stands; sets the chunk shape. */
static bool lists_ok(struct exchange *e)
{
    const struct xen_memory_exchange *x = &e->x;
    uint64_t out_first;

    if (!list_ok(x->in.extent_start, x->nr_exchanged, x->in.nr_extents - 1))
        return false;
    if (x->in.extent_order <= x->out.extent_order) {
        e->in_chunk = x->out.extent_order - x->in.extent_order;
        e->out_chunk = 0;
        out_first = x->nr_exchanged >> e->in_chunk;
    } else {
        e->in_chunk = 0;
        e->out_chunk = x->in.extent_order - x->out.extent_order;
        out_first = x->nr_exchanged << e->out_chunk;
    }
    return list_ok(x->out.extent_start, out_first, x->out.nr_extents - 1);
}

/* A NUMA node: a privileged caller may name one that could exist; others may not insist. */
static bool node_ok(const struct domain *caller, unsigned flags)
{
    unsigned node = XENMEMF_get_node(flags);

    if (node == NO_NODE)
        return true;
    if (caller->privileged)
        return node < MAX_NUMA_NODES;
    return !(flags & XENMEMF_exact_node_request);
}

/* Fresh frames must end below 2^bits bytes (Xen's zones: bits < 13 leaves nothing). */
static uint64_t mfn_limit(unsigned flags)
{
    unsigned bits = XENMEMF_get_address_bits(flags);

    if (!bits || bits >= NO_ADDRESS_LIMIT)
        return 0;
    return bits <= PAGE_SHIFT ? 2 : 1UL << (bits - PAGE_SHIFT);
}

/* Everything before the domain: 0 to go on, 1 if nothing is left to do, or an error. */
static long check_args(const struct domain *caller, struct exchange *e)
{
    const struct xen_memory_exchange *x = &e->x;

    if (MAX(x->in.extent_order, x->out.extent_order) > max_order(caller))
        return -EPERM;
    if (!sizes_ok(x))
        return -EINVAL;
    if (x->nr_exchanged == x->in.nr_extents)
        return 1;
    if (!lists_ok(e))
        return -EFAULT;
    if (!node_ok(caller, x->out.mem_flags))
        return -EINVAL;
    /* An exact node other than Koan's one: nothing can be allocated there. */
    if ((x->out.mem_flags & XENMEMF_exact_node_request) &&
        XENMEMF_get_node(x->out.mem_flags) != 0)
        e->mfn_limit = 1;
    else
        e->mfn_limit = mfn_limit(x->out.mem_flags);
    return 0;
}

/* ---- one chunk ---- */

static void chunk_undo(struct exchange *e)
{
    uint64_t n = 1UL << e->x.out.extent_order;

    while (e->stolen != FT_NIL)
        domain_unsteal_page(chain_pop(&e->stolen));
    while (e->fresh != FT_NIL)
        machine_frames_free(chain_pop(&e->fresh), n);
}

/* Take the chunk's input frames from the domain. */
static long chunk_steal(struct exchange *e, uint64_t chunk)
{
    uint64_t list = (uint64_t)(uintptr_t)e->x.in.extent_start.p;
    uint64_t first = chunk << e->in_chunk, pages = 1UL << e->x.in.extent_order;
    xen_pfn_t gmfn;
    long rc;

    for (uint64_t j = 0; j < (1UL << e->in_chunk); j++) {
        if (copy_from_guest(&gmfn, list + (first + j) * sizeof(gmfn), sizeof(gmfn)))
            return -EFAULT;
        for (uint64_t k = 0; k < pages; k++) {
            if ((rc = domain_steal_page(e->d, gmfn + k)))
                return rc;
            chain_push(&e->stolen, gmfn + k);
        }
    }
    return 0;
}

/* One output extent: aligned and contiguous, below the limit if there is one. */
static int alloc_extent(uint64_t n, uint64_t limit, mfn_t *first)
{
    int rc = n == 1 && !limit ? machine_frame_alloc(first) :
             machine_frames_alloc_contig(n, n, first);   /* lowest first */

    if (rc < 0)
        return -ENOMEM;
    if (limit && *first + n > limit) {
        machine_frames_free(*first, n);
        return -ENOMEM;
    }
    return 0;
}

static long chunk_alloc(struct exchange *e)
{
    uint64_t n = 1UL << e->x.out.extent_order;
    mfn_t first;

    for (uint64_t j = 0; j < (1UL << e->out_chunk); j++) {
        if (alloc_extent(n, e->mfn_limit, &first))
            return -ENOMEM;
        chain_push(&e->fresh, first);
    }
    return 0;
}

/*
 * Swap the frames, then tell the guest: each output extent's pseudo-physical
 * frame is read from the out list (if that fails, the extent stays without
 * an M2P entry: -EFAULT, but the exchange is done), and its machine frame
 * written there.  Cannot undo: -EFAULT leaves the chunk uncounted, as on Xen.
 */
static long chunk_commit(struct exchange *e, uint64_t chunk)
{
    uint64_t list = (uint64_t)(uintptr_t)e->x.out.extent_start.p;
    uint64_t n = 1UL << e->x.out.extent_order, first = chunk << e->out_chunk;
    xen_pfn_t gpfn;
    long rc = 0;

    for (uint64_t j = 0; e->fresh != FT_NIL; j++) {
        mfn_t mfn = chain_pop(&e->fresh);
        uint64_t slot = list + (first + j) * sizeof(xen_pfn_t);

        for (uint64_t k = 0; k < n; k++) {
            memset(mfn_to_virt(mfn + k), 0, PAGE_SIZE);
            domain_swap_page(e->d, chain_pop(&e->stolen), mfn + k);
        }
        if (copy_from_guest(&gpfn, slot, sizeof(gpfn))) {
            rc = -EFAULT;
            continue;
        }
        for (uint64_t k = 0; k < n; k++)
            m2p_set(mfn + k, gpfn + k);
        if (copy_to_guest(slot, &mfn, sizeof(mfn)))
            rc = -EFAULT;
    }
    return rc;
}

static long exchange_chunk(struct exchange *e, uint64_t chunk)
{
    long rc = chunk_steal(e, chunk);

    if (rc == 0)
        rc = chunk_alloc(e);
    if (rc) {
        chunk_undo(e);
        return rc;
    }
    return chunk_commit(e, chunk);
}

/* ---- the hypercall ---- */

static long report_progress(uint64_t arg, const struct xen_memory_exchange *x, long rc)
{
    uint64_t field = arg + offsetof(struct xen_memory_exchange, nr_exchanged);

    return copy_to_guest(field, &x->nr_exchanged, sizeof(x->nr_exchanged)) ? -EFAULT : rc;
}

/* The chunks from the one nr_exchanged is in; preempted between chunks. */
static long exchange_chunks(struct exchange *e, uint64_t arg)
{
    uint64_t start = e->x.nr_exchanged >> e->in_chunk, end = e->x.in.nr_extents >> e->in_chunk;
    uint64_t i;
    long rc = 0;

    for (i = start; i < end; i++) {
        if (i != start && hypercall_preempt_check()) {
            e->x.nr_exchanged = i << e->in_chunk;
            if (report_progress(arg, &e->x, 0))
                return -EFAULT;
            return hypercall_create_continuation(__HYPERVISOR_memory_op, 2,
                                                 (uint64_t)XENMEM_exchange, arg);
        }
        if ((rc = exchange_chunk(e, i)))
            break;
    }
    e->x.nr_exchanged = rc ? i << e->in_chunk : e->x.in.nr_extents;
    return report_progress(arg, &e->x, rc);
}

long memory_exchange(uint64_t arg)
{
    struct exchange e = { .stolen = FT_NIL, .fresh = FT_NIL };
    struct domain *caller = current_domain();
    long rc;

    if (copy_from_guest(&e.x, arg, sizeof(e.x)))
        return -EFAULT;
    rc = check_args(caller, &e);
    if (rc == 1)
        return 0;
    if (rc == 0 && !(e.d = domain_by_any_id(caller, e.x.in.domid)))
        rc = -ESRCH;
    if (rc == 0 && !domain_may_use(caller, e.d))
        rc = -EPERM;
    if (rc)
        return report_progress(arg, &e.x, rc);
    if (e.d == caller)
        return exchange_chunks(&e, arg);
    /* Another domain's frames: its teardown waits for us.  Dying: nothing done, as on Xen. */
    if (!domain_mm_enter(e.d)) {
        e.x.nr_exchanged = (e.x.nr_exchanged >> e.in_chunk) << e.in_chunk;
        return report_progress(arg, &e.x, 0);
    }
    rc = exchange_chunks(&e, arg);
    domain_mm_exit(e.d);
    return rc;
}
