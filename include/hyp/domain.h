/* SPDX-License-Identifier: MIT */
/*
 * Domains and their vCPUs.  A domain owns its memory (the frames on its page
 * list in the frame table: tot_pages of them, at most max_pages, plus
 * xen_pages shared by the hypervisor such as shared_info) and max_vcpus
 * vCPUs, each allocated on its own when the domain is built (the `vcpus=`
 * module option; vCPU 0 starts, the others wait for VCPUOP_initialise and
 * VCPUOP_up).  A vCPU is what the scheduler runs; everything a guest sets
 * up through hypercalls -- base pointers, trap table, callbacks, GDT, LDT,
 * debug registers, FPU -- belongs to the vCPU that asked.
 *
 * A domain that shuts down or crashes becomes DYING at once: its vCPUs
 * stop, and nothing may take new references to its frames.  Its teardown
 * runs later, in budgeted steps between vCPUs and on the idle page tables
 * (domain_teardown_run), once no CPU runs any of its vCPUs, never in the
 * middle of whatever the domain was doing; once torn down, its record is
 * FREE (for a later domain: include/hyp/domain_table.h) when the last
 * reference to its frames has gone.
 */
#ifndef KOAN_HYP_DOMAIN_H
#define KOAN_HYP_DOMAIN_H

#include <hyp/bvt.h>
#include <hyp/dom_console.h>
#include <hyp/cpumask.h>
#include <hyp/event.h>
#include <hyp/grant_table.h>
#include <hyp/vcpu_timer.h>
#include <hyp/pv_vcpu.h>
#include <hyp/spinlock.h>
#include <hyp/types.h>
#include <hyp/xen_public.h>

/* Domains have no compile-time limit: their records come from the page heap (domain_table.h). */

/*
 * vCPUs per domain.  Xen allows a 64-bit PV guest up to 8192 (its
 * MAX_VIRT_CPUS); a Koan domain takes at most 64, the physical-CPU cap
 * (NR_CPUS_MAX): more vCPUs than CPUs only ever time-share.  Each vCPU is
 * allocated (2 pages, its XSAVE area included), so only what a domain asks for
 * costs memory; the table of pointers is 512 bytes per domain.
 */
#define MAX_VCPUS_PER_DOMAIN 64
#define DOMAIN_NAME_MAX  32

enum domain_state { DOMAIN_FREE, DOMAIN_RUNNING, DOMAIN_DYING };

struct domain;
struct grant_table;

/* Time a vCPU spent in each RUNSTATE_*, in TSC ticks (ns only at the ABI). */
struct vcpu_runstate {
    unsigned state;              /* RUNSTATE_running, _runnable, _blocked, _offline */
    uint64_t entry_tsc;          /* when it entered that state */
    uint64_t ticks[4];           /* time in each state before entry_tsc */
};

struct vcpu {
    struct domain *domain;
    unsigned id;
    struct cpu_user_regs regs;   /* saved context while not on a CPU */
    mfn_t kernel_l4;             /* base pointer (holds a ref + L4 type ref), 0 = none */
    mfn_t user_l4;               /* user-mode base pointer, 0 = none */
    uint64_t ldt_base, ldt_ents; /* MMUEXT_SET_LDT (used by the CPU work) */

    /* Life cycle (VCPUOP_*): runnable = initialised, up, not blocked, domain alive. */
    bool initialised;            /* has a context: the builder's (vCPU 0) or VCPUOP_initialise */
    bool down;                   /* not brought up yet, or VCPUOP_down */
    bool blocked;                /* SCHEDOP_block/poll, until an event (atomic: events wake it) */

    /* The scheduler's (hyp/common/sched.c). */
    bool running;                /* loaded on a CPU: its registers are that CPU's guest_regs */
    unsigned processor;          /* the CPU whose run queue it waits on, or runs on */
    struct bvt_vcpu bvt;         /* its virtual time; bvt.on_queue: waiting on a run queue */
    struct vcpu_runstate runstate;

    /*
     * Where its vcpu_info lives: VCPUOP_register_vcpu_info's frame (which
     * holds a reference and a writable type reference) at an offset, else
     * the shared_info slot of its id, and for ids beyond the 32 legacy
     * slots a private dummy until it registers one (as on Xen).
     */
    mfn_t vcpu_info_mfn;         /* 0 = not registered */
    unsigned vcpu_info_offset;
    struct vcpu_info dummy_vcpu_info;
    struct vcpu_info *vcpu_info; /* where it is now (pv_vcpu_info's cache; NULL: not yet known) */

    /* Guest addresses (0 = none) kept up to date as it is switched (hyp/common/time.c). */
    uint64_t time_area;          /* VCPUOP_register_vcpu_time_memory_area */
    uint64_t runstate_area;      /* VCPUOP_register_runstate_memory_area */

    struct pv_vcpu pv;
    struct evtchn_vcpu evtchn;   /* its VIRQ bindings, SCHEDOP_poll (include/hyp/event.h) */
    struct vcpu_timers timers;   /* singleshot, periodic, poll (include/hyp/vcpu_timer.h) */
};

struct domain {
    struct domain *table_next;   /* the domain table's list of records (never changes once set) */
    domid_t id;
    char name[DOMAIN_NAME_MAX];
    enum domain_state state;
    bool privileged;             /* SIF_PRIVILEGED: control and I/O rights */
    bool is_dom0;                /* SIF_INITDOMAIN */
    uint64_t tot_pages, max_pages;
    uint64_t xen_pages;          /* hypervisor pages shared with the domain */
    uint32_t page_list_head, page_list_tail;   /* frame numbers, FT_NIL = none */
    mfn_t shared_info_mfn;
    unsigned long vm_assist;     /* VMASST_TYPE_* bits enabled */
    mfn_t pirq_eoi_mfn;          /* PHYSDEVOP_pirq_eoi_gmfn's page (writable type ref), 0 = none */
    uint32_t devalidate_head;    /* tables queued for devalidation (frame_table.h) */
    spinlock_t page_lock;        /* page list, tot/xen_pages, devalidation queue (docs/memory.md) */
    uint32_t mm_foreign;         /* foreign MMU operations in progress (domain_mm_enter) */
    bool vcpus_torn_down;        /* DYING: the vCPUs' state has been released */
    unsigned relinquish_phase;   /* DYING: how far domain_relinquish_memory got */
    uint32_t relinquish_next;    /* DYING: the page its current walk visits next */
    unsigned max_vcpus;          /* vcpu[0..max_vcpus) exist */
    /* BVT weight and warp (docs/scheduler.md); each vCPU holds a copy (sched_set_params). */
    struct bvt_params sched_params;
    /*
     * The CPUs whose CR3 holds this domain's page tables now, so whose TLB
     * may hold its translations (hyp/common/sched.c sets and clears a CPU's
     * bit as it loads and leaves the tables; atomic operations only).  Flushes
     * for the domain go to these CPUs; a dying domain is torn down only
     * once no CPU is left in it.
     */
    cpumask_t dirty_cpus;
    struct vcpu *vcpu[MAX_VCPUS_PER_DOMAIN];
    struct grant_table *grant_table;   /* &gnttab from creation to teardown, else NULL */
    struct grant_table gnttab;         /* include/hyp/grant_table.h (its own locks) */
    struct dom_console console;           /* its console line and ring (include/hyp/dom_console.h) */
    struct evtchn_domain evtchn;          /* event-channel ports (include/hyp/event.h) */
};

/* Every vCPU of d, in id order (the table may have holes while one is built or torn down). */
#define for_each_vcpu(d, v)                                                 \
    for (unsigned _i = 0; _i < (d)->max_vcpus; _i++)                        \
        if (((v) = (d)->vcpu[_i]) != NULL)

/* vCPU `id` of d, or NULL if it has none by that id (guest input: clamped against Spectre v1). */
struct vcpu *domain_vcpu(const struct domain *d, uint32_t id);

/*
 * A new domain (id 0 for dom0, else the next domU id), RUNNING, with no
 * vCPUs yet; NULL when out of memory or out of domain ids (domU ids are
 * not reused: DOMID_FIRST_RESERVED - 1 of them per boot).
 */
struct domain *domain_alloc(const char *name, bool is_dom0);
/*
 * Give d its n vCPUs (1..MAX_VCPUS_PER_DOMAIN), all down and without a
 * context: the builder sets vCPU 0 up.  0 or -ENOMEM (what was allocated
 * goes with the domain).
 */
int domain_vcpus_create(struct domain *d, unsigned n);
/* Pages of one vCPU's allocation: its structure and XSAVE area. */
uint64_t domain_vcpu_pages(void);
/* Release a domain that never ran (builder failure). */
void domain_free(struct domain *d);
/* A live or dying domain by id, or NULL. */
struct domain *domain_from_id(domid_t id);
/*
 * The domain named by a `foreigndom`-style argument, as Xen resolves it:
 * DOMID_SELF is d; d's own id is refused (-ESRCH, as on Xen); DOMID_IO and
 * DOMID_XEN are pseudo-domains owning device memory and hypervisor frames.
 * 0 or -ESRCH.  Rights are checked by the caller (domain_may_use).
 */
int domain_get_pg_owner(struct domain *d, domid_t domid, struct domain **out);
/* memory_op's lookup (Xen's "by any id"): DOMID_SELF or any live id, own included. */
struct domain *domain_by_any_id(struct domain *d, domid_t domid);
/* May d act on `other`'s memory? (itself always; others only if privileged) */
bool domain_may_use(const struct domain *d, const struct domain *other);
extern struct domain dom_io, dom_xen;
/* Called when a dying domain may have lost its last frame. */
void domain_check_gone(struct domain *d);
/* Record a clean shutdown (SHUTDOWN_* reason), print it, and kill the domain. */
void domain_shutdown(struct domain *d, unsigned reason);
/*
 * Crash the domain with a reason; the others go on.  Only marks it DYING and
 * stops its vCPUs: the caller may still be running on the domain's page
 * tables and vCPU, which stay intact until the teardown.
 */
void domain_crash(struct domain *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline bool domain_is_dying(const struct domain *d) { return d->state != DOMAIN_RUNNING; }
/* Is a dying domain still waiting for (part of) its teardown? */
bool domain_teardown_pending(void);
/* Some dying domain is not yet torn down (perhaps still on a CPU, so not pending). */
bool domain_teardown_unfinished(void);
/*
 * Tear dying domains down under the current work budget, from a context
 * that runs no vCPU of theirs, on page tables that are not theirs.
 * 0 when none is left, -ERESTART when the budget ran out first.
 */
int domain_teardown_run(void);
/* Number of domains still alive (a counter: O(1)). */
unsigned domain_count_alive(void);
bool domain_any_crashed(void);

static inline struct domain *current_domain(void);

#include <asm/percpu.h>
static inline struct domain *current_domain(void) { return current_vcpu()->domain; }

#endif
