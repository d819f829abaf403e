/* SPDX-License-Identifier: MIT */
/*
 * Borrowed Virtual Time, the policy (include/hyp/bvt.h): the arithmetic of
 * actual, effective and scheduler virtual time, a run queue ordered by
 * effective virtual time, the slice a dispatched vCPU may run, the
 * preemption rule for a vCPU that wakes, warp with its limit and unwarp
 * requirement, and the move of a vCPU from one CPU's queue to another's.
 * Nothing here takes a lock or reads a clock: the caller holds the queue's
 * lock and passes the time.  docs/scheduler.md explains the choices.
 */
#include <hyp/bvt.h>
#include <hyp/errno.h>

/* a + b, no more than max (a may already be at max). */
static uint64_t add_capped(uint64_t a, uint64_t b, uint64_t max)
{
    return (a >= max || b >= max - a) ? max : a + b;
}

/* ---- Parameters ---- */

void bvt_params_default(struct bvt_params *p)
{
    p->mcu_advance = BVT_MCU_ADVANCE_DEFAULT;
    p->warp = 0;
    p->warp_limit_ns = 0;
    p->unwarp_ns = 0;
}

int bvt_params_check(const struct bvt_params *p, const char **why)
{
    const char *bad = NULL;

    if (p->mcu_advance < 1 || p->mcu_advance > BVT_MCU_ADVANCE_MAX)
        bad = "mcu_advance must be 1 to 1000";
    else if (p->warp > BVT_WARP_MAX)
        bad = "warp must be at most 36000000000 (an hour of run at mcu_advance 1000)";
    else if (p->warp_limit_ns &&
             (p->warp_limit_ns < BVT_MCU_NS || p->warp_limit_ns > BVT_TIME_PARAM_MAX_NS))
        bad = "warp limit must be 0 (none) or 100 us to 1 hour";
    else if (p->unwarp_ns > BVT_TIME_PARAM_MAX_NS)
        bad = "unwarp requirement must be at most 1 hour";
    if (why)
        *why = bad;
    return bad ? -EINVAL : 0;
}

int bvt_ctx_allow_check(uint64_t ctx_allow_ns, const char **why)
{
    const char *bad = NULL;

    if (ctx_allow_ns < BVT_CTX_ALLOW_MIN_NS || ctx_allow_ns > BVT_CTX_ALLOW_MAX_NS)
        bad = "context-switch allowance must be 100 us to 1 s";
    if (why)
        *why = bad;
    return bad ? -EINVAL : 0;
}

/* ---- One vCPU ---- */

void bvt_vcpu_init(struct bvt_vcpu *v, const struct bvt_params *p)
{
    *v = (struct bvt_vcpu){ .params = *p };
}

/*
 * The parameters as the arithmetic uses them, within bvt_params_check's
 * bounds even if nobody checked them: the bounds are what keeps every
 * product below from overflowing (and mcu_advance divides).
 */
static uint32_t advance(const struct bvt_vcpu *v)
{
    return MAX(1u, MIN(v->params.mcu_advance, BVT_MCU_ADVANCE_MAX));
}

static int64_t warp(const struct bvt_vcpu *v)
{
    return (int64_t)MIN(v->params.warp, BVT_WARP_MAX);
}

int64_t bvt_evt(const struct bvt_vcpu *v)
{
    /* avt <= 2^62 and warp < 2^36: the difference fits either way. */
    return (int64_t)v->avt - (v->warped ? warp(v) : 0);
}

static void warp_stop(struct bvt_vcpu *v, uint64_t now_ns)
{
    if (!v->warped)
        return;
    v->warped = false;
    v->warp_end_ns = now_ns;
}

/*
 * v wakes: it warps if its domain warps and L allows.  The budget L is
 * whole again after a break of U since its last warp ended, so a vCPU can
 * neither stay warped past L by running nor by blocking for a moment and
 * waking again; one that wakes now and then gets the full L each time.
 */
static void warp_begin(struct bvt_vcpu *v, uint64_t now_ns)
{
    const struct bvt_params *p = &v->params;

    if (!p->warp || v->warped)
        return;
    if (now_ns >= v->warp_end_ns && now_ns - v->warp_end_ns >= p->unwarp_ns)
        v->warp_used_ns = 0;
    if (!p->warp_limit_ns || v->warp_used_ns < p->warp_limit_ns)
        v->warped = true;
}

void bvt_charge(struct bvt_vcpu *v, uint64_t ran_ns, uint64_t now_ns)
{
    /* Whole MCUs, the rest carried: part < 2 MCU, mcus < 2^64 / 10^5. */
    uint64_t part = v->charge_ns + ran_ns % BVT_MCU_NS;
    uint64_t mcus = ran_ns / BVT_MCU_NS + part / BVT_MCU_NS;

    v->charge_ns = part % BVT_MCU_NS;
    /* mcus * 1000 < 2^64: the product is formed whole, then the sum capped. */
    v->avt = add_capped(v->avt, mcus * advance(v), BVT_VT_MAX);
    if (!v->warped)
        return;
    v->warp_used_ns = add_capped(v->warp_used_ns, ran_ns, UINT64_MAX);
    if (v->params.warp_limit_ns && v->warp_used_ns >= v->params.warp_limit_ns)
        warp_stop(v, now_ns);
}

/* vt of v's virtual time as ns of its run; beyond 2^61 ns (73 years) it is as good as forever. */
static uint64_t vt_to_ns(uint64_t vt, uint32_t mcu_advance)
{
    uint64_t mcus = vt / mcu_advance;

    if (mcus >= (1ull << 61) / BVT_MCU_NS)
        return 1ull << 61;
    return mcus * BVT_MCU_NS + (vt % mcu_advance) * BVT_MCU_NS / mcu_advance;
}

/*
 * The paper's context-switch allowance: `run` keeps the CPU until its evt
 * passes the rival's by C of its own run time, i.e. for the time its evt
 * takes to reach the rival's, plus C.  A warp that L will end cuts it
 * short, since run's claim then drops.
 */
uint64_t bvt_slice_ns(const struct bvt_vcpu *run, const struct bvt_vcpu *rival,
                      uint64_t ctx_allow_ns)
{
    if (!rival)
        return BVT_NO_DEADLINE;   /* nobody to give way to */
    int64_t lead = bvt_evt(rival) - bvt_evt(run);
    uint64_t slice = add_capped(ctx_allow_ns, lead > 0 ? vt_to_ns((uint64_t)lead, advance(run)) : 0,
                                BVT_NO_DEADLINE);
    uint64_t limit = run->params.warp_limit_ns;

    if (run->warped && limit)
        slice = MIN(slice, limit > run->warp_used_ns ? limit - run->warp_used_ns : 0);
    return slice;
}

/* ---- The queue ---- */

void bvt_queue_init(struct bvt_queue *q)
{
    *q = (struct bvt_queue){ .slice_end_ns = BVT_NO_DEADLINE };
}

/*
 * After every vCPU of the same evt: equal claims take turns.  A vCPU that
 * yields or ran its slice usually has the highest evt, so the tail is
 * tried first: the walk would pass every waiting vCPU (9 instructions
 * each, 1 100 per switch with 128 domains).
 */
static void insert(struct bvt_queue *q, struct bvt_vcpu *v)
{
    int64_t evt = bvt_evt(v);
    struct bvt_vcpu **link = &q->head;
    struct bvt_vcpu *prev = NULL;

    if (q->tail && bvt_evt(q->tail) <= evt) {
        prev = q->tail;
        link = &prev->next;
    }
    while (*link && bvt_evt(*link) <= evt) {
        prev = *link;
        link = &prev->next;
    }
    v->next = *link;
    *link = v;
    if (!v->next)
        q->tail = v;
    q->nr++;
    v->on_queue = true;
}

static void unlink(struct bvt_queue *q, struct bvt_vcpu *v)
{
    struct bvt_vcpu *prev = NULL;

    for (struct bvt_vcpu **link = &q->head; *link; prev = *link, link = &(*link)->next) {
        if (*link != v)
            continue;
        *link = v->next;
        if (q->tail == v)
            q->tail = prev;
        v->next = NULL;
        q->nr--;
        v->on_queue = false;
        return;
    }
}

/*
 * The lowest avt runnable here, without a full walk: in evt order, every
 * vCPU behind an unwarped one U has evt >= U's evt = U's avt, and avt >=
 * evt, so the walk stops at the first unwarped vCPU.
 */
uint64_t bvt_queue_svt(struct bvt_queue *q)
{
    uint64_t low = q->running ? q->running->avt : UINT64_MAX;

    for (const struct bvt_vcpu *v = q->head; v; v = v->next) {
        low = MIN(low, v->avt);
        if (!v->warped)
            break;
    }
    if (low != UINT64_MAX && low > q->svt)
        q->svt = low;
    return q->svt;
}

void bvt_account(struct bvt_queue *q, uint64_t now_ns)
{
    /* A clock that seems to go back charges nothing. */
    if (!q->running || now_ns <= q->since_ns)
        return;
    bvt_charge(q->running, now_ns - q->since_ns, now_ns);
    q->since_ns = now_ns;
}

/* A migrating vCPU's lead over its old queue's svt becomes one over this queue's. */
static void attach(struct bvt_queue *q, struct bvt_vcpu *v)
{
    if (!v->detached)
        return;
    v->avt = add_capped(bvt_queue_svt(q), v->avt, BVT_VT_MAX);
    v->detached = false;
}

/*
 * v was just queued: does it take the CPU?  At once if its evt is below
 * the running vCPU's (charged to now): that is the low-latency dispatch a
 * warp buys.  Otherwise the running vCPU keeps the CPU until its evt
 * passes v's by C, which may be sooner than its deadline so far.
 */
static enum bvt_wake_result judge(struct bvt_queue *q, const struct bvt_vcpu *v,
                                  uint64_t now_ns, uint64_t ctx_allow_ns)
{
    if (!q->running || bvt_evt(v) < bvt_evt(q->running))
        return BVT_WAKE_PREEMPT;
    uint64_t end = add_capped(now_ns, bvt_slice_ns(q->running, v, ctx_allow_ns), BVT_NO_DEADLINE);
    if (end >= q->slice_end_ns)
        return BVT_WAKE_WAIT;
    q->slice_end_ns = end;
    return BVT_WAKE_SHORTEN;
}

enum bvt_wake_result bvt_wake(struct bvt_queue *q, struct bvt_vcpu *v, uint64_t now_ns,
                              uint64_t ctx_allow_ns)
{
    bvt_account(q, now_ns);
    attach(q, v);
    /* The paper's rule for sleepers: no credit for the time away. */
    uint64_t svt = bvt_queue_svt(q);
    if (v->avt < svt)
        v->avt = svt;
    warp_begin(v, now_ns);
    insert(q, v);
    return judge(q, v, now_ns, ctx_allow_ns);
}

void bvt_deschedule(struct bvt_queue *q, uint64_t now_ns, bool runnable)
{
    struct bvt_vcpu *v = q->running;

    if (!v)
        return;
    bvt_account(q, now_ns);
    q->running = NULL;
    q->slice_end_ns = BVT_NO_DEADLINE;
    if (runnable)
        insert(q, v);
    else
        warp_stop(v, now_ns);   /* a warp lasts until the vCPU blocks */
}

struct bvt_vcpu *bvt_pick(struct bvt_queue *q, const struct bvt_vcpu *yielded,
                          uint64_t now_ns, uint64_t ctx_allow_ns)
{
    struct bvt_vcpu *next = q->head;

    if (next && next == yielded && next->next)
        next = next->next;
    q->running = next;
    q->since_ns = now_ns;
    q->slice_end_ns = BVT_NO_DEADLINE;
    if (!next)
        return NULL;
    unlink(q, next);
    /* The rival is the best of those left waiting. */
    q->slice_end_ns = add_capped(now_ns, bvt_slice_ns(next, q->head, ctx_allow_ns),
                                 BVT_NO_DEADLINE);
    return next;
}

void bvt_remove(struct bvt_queue *q, struct bvt_vcpu *v, uint64_t now_ns)
{
    unlink(q, v);
    warp_stop(v, now_ns);
}

bool bvt_set_params(struct bvt_queue *q, struct bvt_vcpu *v, const struct bvt_params *p)
{
    bool queued = v->on_queue;

    if (queued)
        unlink(q, v);   /* its evt may change: it goes back in its new place */
    v->params = *p;
    if (!p->warp)
        v->warped = false;
    if (queued)
        insert(q, v);
    return q->running == v;
}

/* ---- Moving between CPUs ---- */

struct bvt_vcpu *bvt_migrate_out(struct bvt_queue *q)
{
    struct bvt_vcpu *v = q->head;

    if (!v)
        return NULL;
    uint64_t svt = bvt_queue_svt(q);   /* <= v's avt: v is runnable here */
    unlink(q, v);
    v->avt = v->avt > svt ? v->avt - svt : 0;
    v->detached = true;
    return v;
}

enum bvt_wake_result bvt_migrate_in(struct bvt_queue *q, struct bvt_vcpu *v, uint64_t now_ns,
                                    uint64_t ctx_allow_ns)
{
    bvt_account(q, now_ns);
    attach(q, v);
    insert(q, v);
    return judge(q, v, now_ns, ctx_allow_ns);
}
