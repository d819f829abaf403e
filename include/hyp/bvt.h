/* SPDX-License-Identifier: MIT */
/*
 * Borrowed Virtual Time (Duda and Cheriton, SOSP 1999), the scheduling
 * policy alone: which runnable vCPU of a CPU's run queue runs next and for
 * how long, whether a vCPU that wakes preempts the running one, and the
 * virtual-time arithmetic behind both.  Pure: no locks, no clock, no
 * hardware, nothing global; the context switch, the timers and the locking
 * are the scheduler's (hyp/common/sched.c), which passes the time in ns and
 * the context-switch allowance to every call.  docs/scheduler.md says how.
 *
 * Units.  Real time is in ns.  A vCPU is charged for its run time in whole
 * minimum charging units (MCU, 100 us, as in Xen 2.0), the part of an MCU
 * left over carried to its next charge, so nothing is lost or charged
 * twice.  Each MCU adds the domain's mcu_advance to the vCPU's
 * actual virtual time (avt), so mcu_advance is the inverse of a weight:
 * mcu_advance 10 against 20 gets twice the CPU.  Virtual time (vt) is
 * counted in those steps: 1 vt is one MCU of run at mcu_advance 1.
 *
 *   avt  actual virtual time: what the vCPU ran, weighted;
 *   evt  effective virtual time: avt - warp while warped, else avt;
 *        the queued vCPU with the lowest evt runs next;
 *   svt  scheduler virtual time, per queue: the lowest avt of the vCPUs
 *        runnable there (the running one included), never decreasing;
 *        a vCPU that wakes gets avt = max(avt, svt), so sleeping banks
 *        no credit.
 *
 * Each run queue keeps its own virtual clock: avt is only compared within
 * one queue.  A vCPU moving to another CPU's queue keeps its lead over the
 * old queue's svt (bvt_migrate_out/bvt_migrate_in).
 *
 * No overflow: charges are 64-bit, mcu_advance is at most 1000, and avt
 * saturates at BVT_VT_MAX (2^62 vt: 146 centuries of run at the heaviest
 * mcu_advance), where vCPUs merely tie.  Every product below is bounded
 * before it is formed (docs/scheduler.md, "Arithmetic").
 *
 * Locking (for the caller): a struct bvt_queue and the struct bvt_vcpu of
 * every vCPU queued on it or running from it are covered by that run
 * queue's lock; a vCPU on no queue (blocked, down, or between two queues
 * while it migrates) by the lock of the queue of its CPU.  These functions
 * take none.
 */
#ifndef KOAN_HYP_BVT_H
#define KOAN_HYP_BVT_H

#include <hyp/types.h>

#define BVT_MCU_NS              100000ull   /* the minimum charging unit: 100 us */
#define BVT_MCU_ADVANCE_DEFAULT 10u         /* Xen 2.0's default weight */
#define BVT_MCU_ADVANCE_MAX     1000u       /* weights from 1 to 1000 apart */
/* At most an hour of run at the heaviest mcu_advance (3.6 * 10^10 vt). */
#define BVT_WARP_MAX            (BVT_MCU_ADVANCE_MAX * 36000000ull)
#define BVT_TIME_PARAM_MAX_NS   3600000000000ull   /* L and U: at most an hour */
#define BVT_CTX_ALLOW_DEFAULT_NS 5000000ull        /* C: 5 ms, as Xen 2.0 */
#define BVT_CTX_ALLOW_MIN_NS    BVT_MCU_NS         /* below one MCU C means nothing */
#define BVT_CTX_ALLOW_MAX_NS    1000000000ull      /* 1 s */
#define BVT_VT_MAX              (1ull << 62)
#define BVT_NO_DEADLINE         UINT64_MAX          /* nobody waits: run on */

/* A domain's parameters; every vCPU of it holds a copy (bvt_set_params). */
struct bvt_params {
    uint32_t mcu_advance;     /* vt per MCU of run, 1..BVT_MCU_ADVANCE_MAX: 1/weight */
    uint64_t warp;            /* W, in vt: taken off avt while warped; 0 = never warps */
    uint64_t warp_limit_ns;   /* L: most warped run without a break of U; 0 = no limit */
    uint64_t unwarp_ns;       /* U: a break this long makes the warp budget L whole again */
};

struct bvt_vcpu {
    struct bvt_vcpu *next;    /* on a queue: the next one in evt order */
    struct bvt_params params;
    uint64_t avt;             /* detached: the lead over the old queue's svt instead */
    uint64_t charge_ns;       /* run time short of a whole MCU, charged with the next */
    uint64_t warp_used_ns;    /* warped run time counted against L */
    uint64_t warp_end_ns;     /* when it last stopped being warped */
    bool on_queue;            /* waiting on a queue */
    bool warped;              /* its warp is in effect */
    bool detached;            /* taken off a queue to migrate: avt is relative */
};

/* One CPU's runnable vCPUs: the ones waiting, and the one running. */
struct bvt_queue {
    struct bvt_vcpu *head;    /* waiting, lowest evt first, in arrival order among equals */
    struct bvt_vcpu *tail;    /* the last of them: a yielder usually goes there */
    unsigned nr;
    uint64_t svt;
    struct bvt_vcpu *running; /* NULL: the CPU idles */
    uint64_t since_ns;        /* the running one is charged up to here */
    uint64_t slice_end_ns;    /* when it should give way (BVT_NO_DEADLINE: never) */
};

/* What a wake-up means for the CPU of the queue. */
enum bvt_wake_result {
    BVT_WAKE_WAIT,      /* the woken vCPU waits; the running one's deadline is unchanged */
    BVT_WAKE_SHORTEN,   /* it waits, but the running one must give way sooner: re-arm */
    BVT_WAKE_PREEMPT,   /* reschedule now: its evt is lower, or the CPU idles */
};

/* ---- Parameters ---- */

void bvt_params_default(struct bvt_params *p);
/* 0, or -EINVAL with *why (a constant string) naming the bad value. */
int bvt_params_check(const struct bvt_params *p, const char **why);
int bvt_ctx_allow_check(uint64_t ctx_allow_ns, const char **why);

/* ---- Arithmetic on one vCPU ---- */

/* A new vCPU: no run time yet (it gets the svt of the queue it first wakes on). */
void bvt_vcpu_init(struct bvt_vcpu *v, const struct bvt_params *p);
int64_t bvt_evt(const struct bvt_vcpu *v);
/* Add ran_ns of run ending at now_ns to v's avt, and to its warp (which may end). */
void bvt_charge(struct bvt_vcpu *v, uint64_t ran_ns, uint64_t now_ns);
/* How long (ns) `run` may run before `rival` has the better claim, C included. */
uint64_t bvt_slice_ns(const struct bvt_vcpu *run, const struct bvt_vcpu *rival,
                      uint64_t ctx_allow_ns);

/* ---- A CPU's queue ---- */

void bvt_queue_init(struct bvt_queue *q);
/* The queue's svt, brought up to date with the vCPUs runnable there now. */
uint64_t bvt_queue_svt(struct bvt_queue *q);
/* Charge the running vCPU up to now_ns (before anything compares its evt). */
void bvt_account(struct bvt_queue *q, uint64_t now_ns);
/*
 * v (on no queue, not running) became runnable on q's CPU: the svt rule,
 * a new warp if its domain warps and its budget allows, then queued.
 */
enum bvt_wake_result bvt_wake(struct bvt_queue *q, struct bvt_vcpu *v, uint64_t now_ns,
                              uint64_t ctx_allow_ns);
/* The running vCPU leaves the CPU, charged to now_ns: queued again if still runnable. */
void bvt_deschedule(struct bvt_queue *q, uint64_t now_ns, bool runnable);
/*
 * With none running (after bvt_deschedule): the next vCPU to run (NULL:
 * none, the CPU idles), off the queue and running from now_ns, with its
 * deadline in q->slice_end_ns.  `yielded` (or NULL) gave up the CPU: it is
 * passed over once if another waits.
 */
struct bvt_vcpu *bvt_pick(struct bvt_queue *q, const struct bvt_vcpu *yielded,
                          uint64_t now_ns, uint64_t ctx_allow_ns);
/* A queued vCPU stopped being runnable (down, its domain dying). */
void bvt_remove(struct bvt_queue *q, struct bvt_vcpu *v, uint64_t now_ns);
/* The running vCPU's time is up (the scheduler's timer asks). */
static inline bool bvt_slice_over(const struct bvt_queue *q, uint64_t now_ns)
{
    return q->running && now_ns >= q->slice_end_ns;
}
/*
 * New parameters for v, on q or running from it or on neither (q is its
 * CPU's queue).  True if v runs now: its deadline is stale, reschedule.
 */
bool bvt_set_params(struct bvt_queue *q, struct bvt_vcpu *v, const struct bvt_params *p);

/* ---- Moving between CPUs ---- */

/* Take the first waiting vCPU off q for another CPU (NULL if none): detached. */
struct bvt_vcpu *bvt_migrate_out(struct bvt_queue *q);
/* Queue a detached, runnable v on q with its old lead over svt (a result as bvt_wake's). */
enum bvt_wake_result bvt_migrate_in(struct bvt_queue *q, struct bvt_vcpu *v, uint64_t now_ns,
                                    uint64_t ctx_allow_ns);

#endif
