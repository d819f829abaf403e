/* SPDX-License-Identifier: MIT */
/*
 * The scheduler's mechanism (include/hyp/sched.h) on every CPU, one run
 * queue each, with Borrowed Virtual Time as its policy: which vCPU runs
 * next, for how long, and whether a vCPU that wakes preempts the running
 * one are hyp/common/bvt.c's answers (docs/scheduler.md); the runstate
 * accounts are hyp/common/run_queue.c.  Each CPU arms its slice timer for
 * the running vCPU's deadline after every pick.  The running vCPU's
 * registers live in its CPU's cpu_info.guest_regs; a switch saves them
 * (and its segments and FPU state) into the old vCPU before anyone else
 * may take it, loads the new one's, and changes CR3.  A CPU with an empty
 * queue takes a waiting vCPU from another CPU's queue, keeping its lead
 * over that queue's svt, or halts on the idle page tables with interrupts
 * on until an interrupt says there is work.  Dying domains are torn down
 * between vCPUs, by one CPU at a time, once no CPU holds their page
 * tables: a slice of the work budget after each switch, on the idle page
 * tables.  When no domain is left the machine finishes every teardown and
 * stops, with a status that says whether any domain crashed.
 *
 * Locks: a queue's lock covers the queue (its bvt_queue, yielded, idle)
 * and, for the vCPUs on it or running from it, their bvt, running and
 * processor fields and runstates.  At most one queue lock is held at a
 * time (a CPU taking work from another queue releases that lock before it
 * takes its own), and no timer lock with it (timers are set after the
 * queue's lock is let go).  params_lock (new parameters for a domain) is
 * taken before a queue lock.  teardown_lock is only ever tried, never
 * waited for, and no queue lock is held with it.  Only a CPU itself arms
 * its slice timer: a waker that moves another CPU's deadline sets that
 * queue's deadline_moved and interrupts it.
 */
#include <asm/apic.h>
#include <asm/paging.h>
#include <asm/percpu.h>
#include <asm/smp.h>
#include <asm/spec_ctrl.h>
#include <asm/traps.h>
#include <asm/x86.h>
#include <hyp/bounce.h>
#include <hyp/clock.h>
#include <hyp/console.h>
#include <hyp/domain_table.h>
#include <hyp/emul.h>
#include <hyp/fpu.h>
#include <hyp/gdt.h>
#include <hyp/ldt.h>
#include <hyp/segments.h>
#include <hyp/frame.h>
#include <hyp/machine.h>
#include <hyp/options.h>
#include <hyp/sched.h>
#include <hyp/spinlock.h>
#include <hyp/string.h>
#include <hyp/time.h>
#include <hyp/timer.h>
#include <hyp/vcpu_timer.h>
#include <hyp/tlbflush.h>
#include <hyp/work_budget.h>

/* bvt_queue_init's state from the start: the boot CPU queues vCPU 0s before sched_start. */
struct run_queue sched_run_queues[NR_CPUS_MAX] = {
    [0 ... NR_CPUS_MAX - 1] = { .bvt = { .slice_end_ns = BVT_NO_DEADLINE } },
};
static uint64_t free_frames_baseline;
static spinlock_t teardown_lock;
static spinlock_t params_lock;  /* one setter of a domain's parameters at a time */
static bool sched_started;      /* CPU 0 has begun: the other CPUs may too */
static uint64_t nr_migrations, nr_switches, nr_event_ipis;
/* The context-switch allowance C (docs/scheduler.md): ctx_allow= at boot, dom0 later. */
static uint64_t ctx_allow_ns = BVT_CTX_ALLOW_DEFAULT_NS;
/* Each CPU's slice timer, and the deadline (ns) it is set for (BVT_NO_DEADLINE: not set). */
static struct timer slice_timers[NR_CPUS_MAX];
static uint64_t slice_armed_ns[NR_CPUS_MAX];

static struct run_queue *cpu_rq(unsigned cpu) { return &sched_run_queues[cpu]; }

/* The policy's clock: ns since boot, from the TSC the runstates are stamped with. */
static uint64_t ns_of(uint64_t tsc) { return clock_ticks_to_ns(tsc); }
static uint64_t ctx_allow(void) { return __atomic_load_n(&ctx_allow_ns, __ATOMIC_RELAXED); }

void sched_set_memory_baseline(uint64_t free_frames)
{
    free_frames_baseline = free_frames;
}

/*
 * Every domain is gone: all of their frames must be back in the allocator
 * (the domain table keeps its records for reuse: include/hyp/domain_table.h).
 */
static void check_memory_returned(void)
{
    uint64_t now = machine_frames_free_count() + domain_table_pages();

    if (now == free_frames_baseline)
        log_info("memory: every domain frame returned\n");
    else
        log_error("memory: %ld frames not returned after all domains ended\n",
                  (long)(free_frames_baseline - now));
}

/* ---- Runstates ---- */

/* v's queue, locked: the one of the CPU it waits on or runs on (which may change until locked). */
static struct run_queue *lock_vcpu_rq(const struct vcpu *v)
{
    for (;;) {
        struct run_queue *rq = cpu_rq(__atomic_load_n(&v->processor, __ATOMIC_ACQUIRE));
        spin_lock(&rq->lock);
        if (rq == cpu_rq(v->processor))
            return rq;
        spin_unlock(&rq->lock);
    }
}


/* Where a vCPU off the CPU stands; blocked wins over down, as on Xen. */
static unsigned state_off_cpu(const struct vcpu *v)
{
    if (v->blocked)
        return RUNSTATE_blocked;
    return vcpu_runnable(v) ? RUNSTATE_runnable : RUNSTATE_offline;
}

void sched_vcpu_init(struct vcpu *v)
{
    v->processor = smp_processor_id();   /* idle CPUs take it from there */
    bvt_vcpu_init(&v->bvt, &v->domain->sched_params);   /* no lock: nobody sees it yet */
    runstate_init(&v->runstate, RUNSTATE_offline, clock_tsc());
}

void sched_runstate_get(const struct vcpu *v, struct vcpu_runstate_info *out, bool to_now)
{
    struct run_queue *rq = lock_vcpu_rq(v);
    struct vcpu_runstate rs = v->runstate;
    uint64_t ticks[4];

    spin_unlock(&rq->lock);
    runstate_ticks(&rs, to_now ? clock_tsc() : rs.entry_tsc, ticks);
    out->state = (int)rs.state;
    out->state_entry_time = time_system_ns(rs.entry_tsc);
    for (unsigned i = 0; i < 4; i++)
        out->time[i] = clock_ticks_to_ns(ticks[i]);
}

/* ---- Run queues ---- */

bool vcpu_runnable(const struct vcpu *v)
{
    return v->initialised && !v->down && !v->blocked && !domain_is_dying(v->domain);
}

/* Make a CPU look at its queue: it may be halted, or running a guest that must stop. */
static void kick_cpu(unsigned cpu)
{
    if (cpu != smp_processor_id() && cpu_online(cpu))
        ipi_send(cpu, IPI_WAKE_VECTOR);
}

/* A vCPU waits on a busy CPU's queue: an idle CPU may take it. */
static void kick_an_idle_cpu(void)
{
    unsigned cpu;

    for_each_cpu(cpu, cpu_online_now())
        if (cpu != smp_processor_id() && __atomic_load_n(&cpu_rq(cpu)->idle, __ATOMIC_RELAXED)) {
            kick_cpu(cpu);
            return;
        }
}

/*
 * What a wake-up (or a vCPU moved in) means for rq's CPU, under its lock:
 * true if that CPU must be interrupted.  A lower evt preempts at once (an
 * idle CPU just looks at its queue); an earlier deadline is re-armed by
 * the CPU itself on its way back to the guest.
 */
static bool wake_verdict(struct run_queue *rq, enum bvt_wake_result r)
{
    switch (r) {
    case BVT_WAKE_PREEMPT:
        if (!rq->idle)
            __atomic_store_n(&rq->switch_requested, true, __ATOMIC_RELEASE);
        return true;
    case BVT_WAKE_SHORTEN:
        __atomic_store_n(&rq->deadline_moved, true, __ATOMIC_RELEASE);
        return true;
    default:
        return false;
    }
}

void sched_vcpu_update(struct vcpu *v)
{
    struct run_queue *rq = lock_vcpu_rq(v);
    unsigned cpu = v->processor;
    bool kick = false, kick_idle = false;
    uint64_t tsc = clock_tsc();

    if (v->running) {
        /* Its runstate changes when the switch takes it off the CPU. */
        if (!vcpu_runnable(v)) {
            __atomic_store_n(&rq->switch_requested, true, __ATOMIC_RELEASE);
            kick = true;
        }
    } else {
        if (vcpu_runnable(v) && !v->bvt.on_queue) {
            kick = wake_verdict(rq, bvt_wake(&rq->bvt, &v->bvt, ns_of(tsc), ctx_allow()));
            kick_idle = !rq->idle;   /* an idle CPU may take it, or the one it preempts */
        } else if (!vcpu_runnable(v) && v->bvt.on_queue) {
            bvt_remove(&rq->bvt, &v->bvt, ns_of(tsc));
        }
        runstate_set(&v->runstate, state_off_cpu(v), tsc);
    }
    spin_unlock(&rq->lock);
    if (kick)
        kick_cpu(cpu);
    if (kick_idle)
        kick_an_idle_cpu();
}

void sched_vcpu_kick(struct vcpu *v)
{
    /* The caller made the event visible first (a locked operation): a vCPU
     * blocking now sees it, or its flag is seen here. */
    if (__atomic_exchange_n(&v->blocked, false, __ATOMIC_SEQ_CST)) {
        sched_vcpu_update(v);
        return;
    }
    if (v == current_vcpu())
        return;   /* this CPU's own way back to the guest looks */
    /* Under the queue's lock: a vCPU being switched in either is seen
     * running here, or sees the event after its switch. */
    struct run_queue *rq = lock_vcpu_rq(v);
    bool running = v->running;
    unsigned cpu = v->processor;
    spin_unlock(&rq->lock);
    if (running && cpu != smp_processor_id()) {
        __atomic_add_fetch(&nr_event_ipis, 1, __ATOMIC_RELAXED);
        kick_cpu(cpu);
    }
}

void sched_request(void)
{
    __atomic_store_n(&sched_this_rq()->switch_requested, true, __ATOMIC_RELAXED);
}

void sched_yield(void)
{
    sched_this_rq()->yielded = true;   /* read by this CPU's next pick only */
    sched_request();
}

void sched_get_stats(uint64_t *migrations, uint64_t *switches)
{
    *migrations = __atomic_load_n(&nr_migrations, __ATOMIC_RELAXED);
    *switches = __atomic_load_n(&nr_switches, __ATOMIC_RELAXED);
}

/* ---- Parameters (the dom0 operation: hyp/pv/koan_sched.c) ---- */

void sched_get_params(const struct domain *d, struct bvt_params *out)
{
    spin_lock(&params_lock);
    *out = d->sched_params;
    spin_unlock(&params_lock);
}

void sched_set_params(struct domain *d, const struct bvt_params *p)
{
    struct vcpu *v;

    spin_lock(&params_lock);   /* the domain's copy and its vCPUs' end up the same */
    d->sched_params = *p;
    for_each_vcpu(d, v) {
        struct run_queue *rq = lock_vcpu_rq(v);
        unsigned cpu = v->processor;
        /* Running: its deadline was computed with the old values; pick again. */
        bool stale = bvt_set_params(&rq->bvt, &v->bvt, p);
        if (stale)
            __atomic_store_n(&rq->switch_requested, true, __ATOMIC_RELEASE);
        spin_unlock(&rq->lock);
        if (stale)
            kick_cpu(cpu);
    }
    spin_unlock(&params_lock);
}

uint64_t sched_ctx_allow(void)
{
    return ctx_allow();
}

void sched_set_ctx_allow(uint64_t ns)
{
    __atomic_store_n(&ctx_allow_ns, ns, __ATOMIC_RELAXED);   /* from the next pick on */
}

/* ---- Switching ---- */

/* This CPU's CR3 now holds d's tables (NULL: the idle ones): keep the dirty masks true. */
static void note_cr3_domain(struct run_queue *rq, struct domain *d)
{
    unsigned cpu = smp_processor_id();

    if (rq->cr3_domain == d)
        return;
    if (d)
        __atomic_or_fetch(&d->dirty_cpus, cpumask_of(cpu), __ATOMIC_SEQ_CST);
    if (rq->cr3_domain)
        __atomic_and_fetch(&rq->cr3_domain->dirty_cpus, ~cpumask_of(cpu), __ATOMIC_SEQ_CST);
    rq->cr3_domain = d;
}

/* Load CR3: a full flush (no global pages), so a time on the TLB-flush clock. */
static void load_cr3(uint64_t cr3)
{
    tlb_time_t t = tlbflush_begin();

    write_cr3(cr3);
    tlbflush_end(smp_processor_id(), t);
}

/* No vCPU on this CPU: the idle tables, Koan's own GDT entries, no LDT, no breakpoints, no guest CR4 bits. */
static void load_idle_context(void)
{
    load_cr3(paging_idle_cr3());
    note_cr3_domain(sched_this_rq(), NULL);
    gdt_switch_to(NULL);
    ldt_switch_to(NULL);
    debugreg_switch_to(NULL);
    pv_cr4_switch_to(NULL);
}

/* One budget of teardown work on the idle tables, if no other CPU is at it; true if it ran. */
static bool teardown_try(void)
{
    if (!domain_teardown_pending() || !spin_trylock(&teardown_lock))
        return false;
    uint64_t cr3 = read_cr3();
    write_cr3(paging_idle_cr3());   /* and back: no flush the clock must know of */
    work_budget_begin(WORK_BUDGET_HYPERCALL);
    (void)domain_teardown_run();
    write_cr3(cr3);
    spin_unlock(&teardown_lock);
    return true;
}

/*
 * No domain is alive.  One may still be leaving another CPU (it switches
 * away at its next return to a guest), so its teardown is not yet due:
 * help with the teardowns until none is left, then one CPU stops the
 * machine.  Interrupts open between tries: the others' IPIs are served.
 */
__attribute__((noreturn)) static void stop_when_idle(void)
{
    static bool stopping;

    load_idle_context();
    while (domain_teardown_unfinished())
        if (!teardown_try())
            asm volatile("sti; pause; cli" ::: "memory");
    if (__atomic_exchange_n(&stopping, true, __ATOMIC_ACQ_REL))
        halt_forever();   /* another CPU reports and stops */
    log_info("all domains gone\n");
    log_info("sched: %lu vCPU switches, %lu moves to another CPU, %lu event kicks by IPI\n",
             (unsigned long)nr_switches, (unsigned long)nr_migrations,
             (unsigned long)nr_event_ipis);
    check_memory_returned();
    machine_stop(domain_any_crashed() ? KOAN_EXIT_DOMAIN_CRASHED : KOAN_EXIT_OK);
}

static bool vcpu_is_dying(const struct vcpu *v)
{
    return v && domain_is_dying(v->domain);
}

/*
 * prev leaves the CPU: its registers, segments and FPU state go back into
 * it first, as another CPU may take it once it waits on a queue.
 */
static void save_vcpu(struct vcpu *prev)
{
    if (vcpu_is_dying(prev))
        return;   /* nothing of it is kept: its teardown is on the way */
    memcpy(&prev->regs, &get_cpu_info()->guest_regs, sizeof(prev->regs));
    segments_save(prev);
    fpu_save_vcpu(prev);
}

/*
 * This CPU's slice timer, for deadline_ns if that is earlier than the one
 * it is set for; no lock held.  A later deadline (or none) leaves the
 * timer as it is: it fires early, finds the slice not over and sets itself
 * for the deadline then (slice_timer_fired).  So a switch that moves the
 * deadline on -- nearly every one -- costs no timer work, and a timer
 * fires at most about once per slice for nothing.
 */
static void arm_slice_timer(uint64_t deadline_ns)
{
    unsigned cpu = smp_processor_id();

    if (deadline_ns >= slice_armed_ns[cpu])
        return;
    slice_armed_ns[cpu] = deadline_ns;
    /* A tick late rather than early: the timer checks the deadline in ns. */
    timer_set(&slice_timers[cpu], cpu, clock_ns_to_ticks(deadline_ns) + 1);
}

/* The deadline of this CPU's running vCPU as it stands now, armed. */
static void rearm_slice_timer(struct run_queue *rq)
{
    spin_lock(&rq->lock);
    rq->deadline_moved = false;
    uint64_t deadline = rq->bvt.slice_end_ns;
    spin_unlock(&rq->lock);
    arm_slice_timer(deadline);
}

/*
 * The slice timer: the running vCPU's time is up, switch on the way back
 * to it.  A timer that fires before the deadline (moved meanwhile, or
 * rounding) waits for it again.  In idle context the idle loop looks
 * for itself.
 */
static void slice_timer_fired(struct timer *t, void *data)
{
    struct run_queue *rq = sched_this_rq();

    slice_armed_ns[smp_processor_id()] = BVT_NO_DEADLINE;   /* it fired: no longer set */
    spin_lock(&rq->lock);
    bool over = bvt_slice_over(&rq->bvt, ns_of(clock_tsc()));
    spin_unlock(&rq->lock);
    if (over && current_vcpu())
        sched_request();
    else if (!over)
        rearm_slice_timer(rq);
}

/*
 * Under one hold of the queue's lock: prev (if any) off the CPU and, still
 * runnable, back on the queue in its evt place; then BVT's choice marked
 * running (prev again if it is still the best claim, or alone; a yielding
 * prev is passed over once).  One hold, so a vCPU alone on its CPU goes
 * on there and is never seen waiting by an idle CPU.  The slice timer is
 * armed for the new deadline.  NULL if nothing is runnable here.
 */
static struct vcpu *requeue_and_pick(struct run_queue *rq, struct vcpu *prev)
{
    uint64_t tsc = clock_tsc(), now = ns_of(tsc);

    spin_lock(&rq->lock);
    if (prev) {
        prev->running = false;
        runstate_set(&prev->runstate, state_off_cpu(prev), tsc);
        bvt_deschedule(&rq->bvt, now, vcpu_runnable(prev));
    }
    const struct bvt_vcpu *yielder = prev && rq->yielded ? &prev->bvt : NULL;
    struct vcpu *next = rq_vcpu(bvt_pick(&rq->bvt, yielder, now, ctx_allow()));
    rq->yielded = false;
    if (next) {
        next->running = true;
        runstate_set(&next->runstate, RUNSTATE_running, tsc);
    }
    rq->idle = !next;
    rq->deadline_moved = false;
    uint64_t deadline = rq->bvt.slice_end_ns;
    spin_unlock(&rq->lock);
    arm_slice_timer(deadline);
    return next;
}

static void switch_in(struct run_queue *rq, struct vcpu *next)
{
    struct cpu_info *ci = get_cpu_info();

    fpu_switch(NULL, next);
    memcpy(&ci->guest_regs, &next->regs, sizeof(next->regs));
    ci->current = next;
    spec_ctrl_enter_domain(next->domain);   /* IBPB, RSB: docs/security.md */
    load_cr3((next->pv.kernel_mode ? next->kernel_l4 : next->user_l4) << PAGE_SHIFT);
    note_cr3_domain(rq, next->domain);
    gdt_switch_to(next);
    ldt_switch_to(next);
    debugreg_switch_to(next);
    pv_cr4_switch_to(next);
    if (!segments_load(next))
        pv_bounce_failsafe(next, &ci->guest_regs);
    time_vcpu_areas_update(next);
    vcpu_timers_switch_in(next);
    /* Crashed on the way in: nothing of it may stay loaded while it is torn down. */
    if (vcpu_is_dying(next))
        load_idle_context();
}

/*
 * Load balancing: move a vCPU waiting on a busy CPU's queue to ours.  It
 * is off every CPU and its state saved (save_vcpu), so it may run here.
 * True if one moved.
 */
static bool take_from_another_cpu(struct run_queue *rq)
{
    unsigned self = smp_processor_id(), cpu;

    for_each_cpu(cpu, cpu_online_now()) {
        struct run_queue *other = cpu_rq(cpu);
        /* Only from a busy CPU: an idle one runs its queue itself (it was kicked). */
        if (cpu == self || !__atomic_load_n(&other->bvt.nr, __ATOMIC_RELAXED) ||
            __atomic_load_n(&other->idle, __ATOMIC_RELAXED) || !spin_trylock(&other->lock))
            continue;
        /* The best waiting claim there, with its lead over that queue's svt. */
        struct vcpu *v = rq_vcpu(bvt_migrate_out(&other->bvt));
        if (v)
            __atomic_store_n(&v->processor, self, __ATOMIC_RELEASE);
        spin_unlock(&other->lock);
        if (!v)
            continue;
        __atomic_add_fetch(&nr_migrations, 1, __ATOMIC_RELAXED);
        spin_lock(&rq->lock);   /* an update may have queued it here meanwhile */
        if (!v->bvt.on_queue && vcpu_runnable(v))   /* else its next wake-up attaches it */
            (void)bvt_migrate_in(&rq->bvt, &v->bvt, ns_of(clock_tsc()), ctx_allow());
        spin_unlock(&rq->lock);
        return true;
    }
    return false;
}

/*
 * Nothing is runnable here: look for work elsewhere, else wait with
 * interrupts on, on the idle tables, tearing dying domains down meanwhile.
 */
static struct vcpu *idle_until_runnable(struct run_queue *rq)
{
    get_cpu_info()->current = NULL;
    load_idle_context();
    for (;;) {
        if (domain_count_alive() == 0)
            stop_when_idle();
        struct vcpu *next = requeue_and_pick(rq, NULL);
        if (next)
            return next;
        if (take_from_another_cpu(rq))
            continue;
        if (teardown_try()) {
            /* An interrupt window between slices: IPIs (calls, shootdowns) wait for it. */
            asm volatile("sti; nop; cli" ::: "memory");
            continue;
        }
        /* sti's shadow covers hlt: a wake-up IPI sent since we looked is not lost. */
        asm volatile("sti; hlt; cli" ::: "memory");
    }
}

void sched_switch(void)
{
    struct run_queue *rq = sched_this_rq();
    bool switched = false;

    /* A wake-up brought the running vCPU's deadline forward. */
    if (__atomic_load_n(&rq->deadline_moved, __ATOMIC_ACQUIRE))
        rearm_slice_timer(rq);

    /*
     * Loading the next vCPU may itself end it (a failsafe it cannot take):
     * go on.  A vCPU that dies asks for a switch (sched_vcpu_update), so a
     * dying current one is always left here.
     */
    while (__atomic_exchange_n(&rq->switch_requested, false, __ATOMIC_ACQ_REL) ||
           !current_vcpu()) {
        struct vcpu *prev = current_vcpu();
        if (prev)
            save_vcpu(prev);
        struct vcpu *next = requeue_and_pick(rq, prev);
        switched = true;
        if (next && next == prev)
            continue;   /* alone: it goes on, its state still loaded */
        if (prev && !vcpu_is_dying(prev)) {
            time_vcpu_areas_update(prev);   /* its tables still loaded: its new runstate */
            vcpu_timers_switch_out(prev);
        }
        __atomic_add_fetch(&nr_switches, 1, __ATOMIC_RELAXED);
        if (!next)
            next = idle_until_runnable(rq);
        switch_in(rq, next);
    }
    /* Only now is the vCPU loaded sure to live on: its CR3 comes back after the slice. */
    if (switched)
        teardown_try();
}

/*
 * The housekeeping tick of each CPU, every SCHED_TICK_NS (slices end on
 * the slice timer instead): it drives the console quotas' clock and polls
 * the serial input (CPU 0's ticks only), gives a dying domain's teardown a slice while a guest
 * runs, and wakes an idle CPU to look for waiting vCPUs on busy CPUs.
 * Re-armed from its own deadline so ticks do not drift.
 */
static struct timer sched_ticks[NR_CPUS_MAX];

static void sched_tick_fired(struct timer *t, void *data)
{
    uint64_t period = clock_ns_to_ticks(SCHED_TICK_NS), now = clock_tsc();
    uint64_t next = t->deadline + period;

    timer_set(t, smp_processor_id(), next > now ? next : now + period);
    if (smp_processor_id() == 0) {
        console_tick();
        dom_console_poll_input();
    }
    /* Only a guest is interrupted: the idle loop tears down by itself. */
    if (current_vcpu() && domain_teardown_pending())
        sched_request();
}

/* Enter the scheduler on this CPU: the first return to a guest picks a vCPU. */
__attribute__((noreturn)) static void sched_enter(void)
{
    unsigned cpu = smp_processor_id();
    struct timer *tick = &sched_ticks[cpu];

    get_cpu_info()->current = NULL;
    sched_request();
    timer_init(&slice_timers[cpu], slice_timer_fired, NULL);
    slice_armed_ns[cpu] = BVT_NO_DEADLINE;
    timer_init(tick, sched_tick_fired, NULL);
    timer_set(tick, cpu, clock_tsc() + clock_ns_to_ticks(SCHED_TICK_NS));
    return_to_guest();
}

void sched_start(void)
{
    __atomic_store_n(&ctx_allow_ns, koan_options.ctx_allow_ns, __ATOMIC_RELAXED);
    if (cpu_rq(0)->bvt.nr == 0) {
        log_info("no domain to run\n");
        machine_stop(KOAN_EXIT_NOTHING_TO_RUN);
    }
    for (unsigned cpu = 0; cpu < NR_CPUS_MAX; cpu++)
        cpu_rq(cpu)->idle = true;   /* until each has picked: none takes from another yet */
    __atomic_store_n(&sched_started, true, __ATOMIC_RELEASE);
    ipi_send_all_but_self(IPI_WAKE_VECTOR);
    sched_enter();
}

void sched_start_cpu(void)
{
    /* Until the boot CPU has built the domains there is nothing to take. */
    while (!__atomic_load_n(&sched_started, __ATOMIC_ACQUIRE))
        asm volatile("sti; hlt; cli" ::: "memory");
    sched_enter();
}
