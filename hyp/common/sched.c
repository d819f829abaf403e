/* SPDX-License-Identifier: MIT */
/*
 * Round-robin scheduling of vCPUs (include/hyp/sched.h) on every CPU, one
 * run queue each; the queues and the runstate accounts are
 * hyp/common/run_queue.c.  The running vCPU's registers live in its CPU's
 * cpu_info.guest_regs; a switch saves them (and its segments and FPU
 * state) into the old vCPU before anyone else may take it, loads the new
 * one's, and changes CR3.  A CPU with an empty queue takes a waiting vCPU
 * from another CPU's queue, or waits on the idle page tables with
 * interrupts on until an IPI says there is work.  Dying domains are torn
 * down between vCPUs, by one CPU at a time, once no CPU holds their page
 * tables: a slice of the work budget after each switch, on the idle page
 * tables.  When no domain is left the machine finishes every teardown and
 * stops, with a status that says whether any domain crashed.
 *
 * Locks: a queue's lock covers the queue and, for the vCPUs on it or
 * running from it, their queued/running/processor fields and runstates.
 * At most one queue lock is held at a time (a CPU taking work from another
 * queue releases that lock before it takes its own).  teardown_lock is
 * only ever tried, never waited for, and no queue lock is held with it.
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
#include <hyp/emul.h>
#include <hyp/fpu.h>
#include <hyp/gdt.h>
#include <hyp/ldt.h>
#include <hyp/segments.h>
#include <hyp/frame.h>
#include <hyp/machine.h>
#include <hyp/sched.h>
#include <hyp/spinlock.h>
#include <hyp/string.h>
#include <hyp/time.h>
#include <hyp/timer.h>
#include <hyp/vcpu_timer.h>
#include <hyp/tlbflush.h>
#include <hyp/work_budget.h>

struct run_queue sched_run_queues[NR_CPUS_MAX];
static uint64_t free_frames_baseline;
static spinlock_t teardown_lock;
static bool sched_started;      /* CPU 0 has begun: the other CPUs may too */
static uint64_t nr_migrations, nr_switches, nr_event_ipis;

static struct run_queue *cpu_rq(unsigned cpu) { return &sched_run_queues[cpu]; }

void sched_set_memory_baseline(uint64_t free_frames)
{
    free_frames_baseline = free_frames;
}

/* Every domain is gone: all of their frames must be back in the allocator. */
static void check_memory_returned(void)
{
    uint64_t now = machine_frames_free_count();

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

void sched_vcpu_update(struct vcpu *v)
{
    struct run_queue *rq = lock_vcpu_rq(v);
    unsigned cpu = v->processor;
    bool kick = false, kick_idle = false;

    if (v->running) {
        /* Its runstate changes when the switch takes it off the CPU. */
        if (!vcpu_runnable(v)) {
            __atomic_store_n(&rq->switch_requested, true, __ATOMIC_RELEASE);
            kick = true;
        }
    } else {
        if (vcpu_runnable(v) && !v->queued) {
            rq_enqueue(rq, v);
            kick = rq->idle;
            kick_idle = !rq->idle;
        } else if (!vcpu_runnable(v) && v->queued) {
            rq_remove(rq, v);
        }
        runstate_set(&v->runstate, state_off_cpu(v), clock_tsc());
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

void sched_tick(void)
{
    struct run_queue *rq = sched_this_rq();

    /* The running vCPU's slice is over: round-robin on the way back
     * (and another slice of teardown, if a domain is dying). */
    if (__atomic_load_n(&rq->nr, __ATOMIC_RELAXED) || domain_teardown_pending())
        sched_request();
}

void sched_get_stats(uint64_t *migrations, uint64_t *switches)
{
    *migrations = __atomic_load_n(&nr_migrations, __ATOMIC_RELAXED);
    *switches = __atomic_load_n(&nr_switches, __ATOMIC_RELAXED);
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
 * Under one hold of the queue's lock: prev (if any) off the CPU and, still
 * runnable, to the back of the queue; then the head marked running.  One
 * hold, so a vCPU alone on its CPU goes on there and is never seen waiting
 * by an idle CPU.  NULL if nothing is runnable here.
 */
static struct vcpu *requeue_and_pick(struct run_queue *rq, struct vcpu *prev)
{
    uint64_t now = clock_tsc();

    spin_lock(&rq->lock);
    if (prev) {
        prev->running = false;
        runstate_set(&prev->runstate, state_off_cpu(prev), now);
        if (!prev->queued && vcpu_runnable(prev))
            rq_enqueue(rq, prev);
    }
    struct vcpu *next = rq_dequeue(rq);
    if (next) {
        next->running = true;
        runstate_set(&next->runstate, RUNSTATE_running, now);
    }
    rq->idle = !next;
    spin_unlock(&rq->lock);
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
        if (cpu == self || !__atomic_load_n(&other->nr, __ATOMIC_RELAXED) ||
            __atomic_load_n(&other->idle, __ATOMIC_RELAXED) || !spin_trylock(&other->lock))
            continue;
        struct vcpu *v = rq_dequeue(other);
        if (v)
            __atomic_store_n(&v->processor, self, __ATOMIC_RELEASE);
        spin_unlock(&other->lock);
        if (!v)
            continue;
        __atomic_add_fetch(&nr_migrations, 1, __ATOMIC_RELAXED);
        spin_lock(&rq->lock);   /* an update may have queued it here meanwhile */
        if (!v->queued && vcpu_runnable(v))
            rq_enqueue(rq, v);
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

/* Enter the scheduler on this CPU: the first return to a guest picks a vCPU. */
/*
 * The preemption tick of each CPU: a timer every SCHED_SLICE_NS, re-armed
 * from its own deadline so ticks do not drift.  It also drives the console
 * quotas' clock, from CPU 0's ticks only.
 */
static struct timer sched_ticks[NR_CPUS_MAX];

static void sched_tick_fired(struct timer *t, void *data)
{
    uint64_t slice = clock_ns_to_ticks(SCHED_SLICE_NS), now = clock_tsc();
    uint64_t next = t->deadline + slice;

    timer_set(t, smp_processor_id(), next > now ? next : now + slice);
    if (smp_processor_id() == 0)
        console_tick();
    if (current_vcpu())   /* only a guest is preempted: the idle loop looks for itself */
        sched_tick();
}

__attribute__((noreturn)) static void sched_enter(void)
{
    struct timer *tick = &sched_ticks[smp_processor_id()];

    get_cpu_info()->current = NULL;
    sched_request();
    timer_init(tick, sched_tick_fired, NULL);
    timer_set(tick, smp_processor_id(), clock_tsc() + clock_ns_to_ticks(SCHED_SLICE_NS));
    return_to_guest();
}

void sched_start(void)
{
    if (cpu_rq(0)->nr == 0) {
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
