/* SPDX-License-Identifier: MIT */
/*
 * Round-robin scheduling of vCPUs (include/hyp/sched.h) on the one CPU;
 * the queue and the runstate accounts are hyp/common/run_queue.c.
 * The running vCPU's registers live in cpu_info.guest_regs; a switch saves
 * them into the old vCPU, loads the new one's, and changes CR3.  When no
 * vCPU is runnable but domains live (every vCPU blocked or down), the CPU
 * waits on the idle page tables with interrupts on.  Dying domains are torn
 * down here, between vCPUs: a slice of the work budget after each switch,
 * on the idle page tables.  When no domain is left the machine finishes
 * every teardown and stops, with a status that says whether any domain
 * crashed.
 */
#include <asm/apic.h>
#include <asm/paging.h>
#include <asm/percpu.h>
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
#include <hyp/string.h>
#include <hyp/work_budget.h>

struct run_queue sched_run_queues[1];
static uint64_t free_frames_baseline;

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

/* Where a vCPU off the CPU stands; blocked wins over down, as on Xen. */
static unsigned state_off_cpu(const struct vcpu *v)
{
    if (v->blocked)
        return RUNSTATE_blocked;
    return vcpu_runnable(v) ? RUNSTATE_runnable : RUNSTATE_offline;
}

void sched_vcpu_init(struct vcpu *v)
{
    runstate_init(&v->runstate, RUNSTATE_offline, clock_tsc());
}

void sched_runstate_get(const struct vcpu *v, struct vcpu_runstate_info *out)
{
    uint64_t ticks[4];

    runstate_ticks(&v->runstate, clock_tsc(), ticks);
    out->state = (int)v->runstate.state;
    out->state_entry_time = clock_stamp_to_ns(v->runstate.entry_tsc);
    for (unsigned i = 0; i < 4; i++)
        out->time[i] = clock_ticks_to_ns(ticks[i]);
}

/* ---- Run queues ---- */

bool vcpu_runnable(const struct vcpu *v)
{
    return v->initialised && !v->down && !v->blocked && !domain_is_dying(v->domain);
}

/*
 * The queue a vCPU waits on: its CPU's.  One CPU today; with several, a
 * vCPU is assigned a CPU and this is that CPU's queue (touched under its
 * lock), and a vCPU running on another CPU is stopped with an IPI there.
 */
static struct run_queue *vcpu_rq(const struct vcpu *v)
{
    (void)v;
    return &sched_run_queues[0];
}

void sched_vcpu_update(struct vcpu *v)
{
    struct run_queue *rq = vcpu_rq(v);

    if (v->running) {
        /* Its runstate changes when the switch takes it off the CPU. */
        if (!vcpu_runnable(v))
            rq->switch_requested = true;
        return;
    }
    if (vcpu_runnable(v) && !v->queued)
        rq_enqueue(rq, v);
    else if (!vcpu_runnable(v) && v->queued)
        rq_remove(rq, v);
    runstate_set(&v->runstate, state_off_cpu(v), clock_tsc());
}

void sched_request(void)
{
    sched_this_rq()->switch_requested = true;
}

void sched_tick(void)
{
    struct run_queue *rq = sched_this_rq();

    /* The running vCPU's slice is over: round-robin on the way back
     * (and another slice of teardown, if a domain is dying). */
    if (rq->nr || domain_teardown_pending())
        rq->switch_requested = true;
}

/* ---- Switching ---- */

/* No vCPU on this CPU: the idle tables, Koan's own GDT entries, no LDT, no breakpoints. */
static void load_idle_context(void)
{
    write_cr3(paging_idle_cr3());
    gdt_switch_to(NULL);
    ldt_switch_to(NULL);
    debugreg_switch_to(NULL);
}

/* One budget of teardown work, on the idle tables, then back to the loaded ones. */
static void teardown_slice(void)
{
    if (!domain_teardown_pending())
        return;
    uint64_t cr3 = read_cr3();
    write_cr3(paging_idle_cr3());
    work_budget_begin(WORK_BUDGET_HYPERCALL);
    (void)domain_teardown_run();
    write_cr3(cr3);
}

__attribute__((noreturn)) static void stop_when_idle(void)
{
    load_idle_context();
    work_budget_begin(0);
    (void)domain_teardown_run();
    log_info("all domains gone\n");
    check_memory_returned();
    machine_stop(domain_any_crashed() ? KOAN_EXIT_DOMAIN_CRASHED : KOAN_EXIT_OK);
}

static bool vcpu_is_dying(const struct vcpu *v)
{
    return v && domain_is_dying(v->domain);
}

/* Take prev off the CPU: its registers and segments back into it. */
static void switch_out(struct vcpu *prev)
{
    prev->running = false;
    runstate_set(&prev->runstate, state_off_cpu(prev), clock_tsc());
    if (vcpu_is_dying(prev))
        return;   /* nothing of it is kept: its teardown is on the way */
    memcpy(&prev->regs, &get_cpu_info()->guest_regs, sizeof(prev->regs));
    segments_save(prev);
    if (prev->queued || !vcpu_runnable(prev))
        return;
    rq_enqueue(vcpu_rq(prev), prev);   /* still runnable: to the back of the queue */
}

static void switch_in(struct vcpu *prev, struct vcpu *next)
{
    struct cpu_info *ci = get_cpu_info();

    if (vcpu_is_dying(prev))
        prev = NULL;   /* its FPU state is not worth saving */
    fpu_switch(prev, next);
    memcpy(&ci->guest_regs, &next->regs, sizeof(next->regs));
    ci->current = next;
    next->running = true;
    runstate_set(&next->runstate, RUNSTATE_running, clock_tsc());
    spec_ctrl_enter_domain(next->domain);   /* IBPB, RSB: docs/security.md */
    write_cr3((next->pv.kernel_mode ? next->kernel_l4 : next->user_l4) << PAGE_SHIFT);
    gdt_switch_to(next);
    ldt_switch_to(next);
    debugreg_switch_to(next);
    if (!segments_load(next))
        pv_bounce_failsafe(next, &ci->guest_regs);
    /* Crashed on the way in: nothing of it may stay loaded while it is torn down. */
    if (vcpu_is_dying(next))
        load_idle_context();
}

/*
 * Nothing is runnable: wait with interrupts on, on the idle tables, until
 * something is (an event will wake a blocked vCPU, once there are events),
 * tearing dying domains down meanwhile.  prev (NULL if none) is off the CPU
 * already but its FPU registers are still live; they are saved first.
 */
static struct vcpu *idle_until_runnable(struct run_queue *rq, struct vcpu *prev)
{
    struct cpu_info *ci = get_cpu_info();

    if (prev && !vcpu_is_dying(prev))
        fpu_switch(prev, prev);   /* saves it (the reload is harmless) */
    ci->current = NULL;
    load_idle_context();
    for (;;) {
        if (domain_count_alive() == 0)
            stop_when_idle();
        struct vcpu *next = rq_dequeue(rq);
        if (next)
            return next;
        if (domain_teardown_pending()) {
            work_budget_begin(WORK_BUDGET_HYPERCALL);
            (void)domain_teardown_run();
            continue;
        }
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
    while (rq->switch_requested || !current_vcpu()) {
        struct vcpu *prev = current_vcpu();
        rq->switch_requested = false;
        if (prev)
            switch_out(prev);
        struct vcpu *next = rq_dequeue(rq);
        switched = true;
        if (next && next == prev) {
            runstate_set(&prev->runstate, RUNSTATE_running, clock_tsc());   /* alone: it goes on */
            prev->running = true;
            continue;
        }
        if (!next) {
            next = idle_until_runnable(rq, prev);
            prev = NULL;
        }
        switch_in(prev, next);
    }
    /* Only now is the vCPU loaded sure to live on: its CR3 comes back after the slice. */
    if (switched)
        teardown_slice();
}

void sched_start(void)
{
    struct run_queue *rq = sched_this_rq();

    if (rq->nr == 0) {
        log_info("no domain to run\n");
        machine_stop(KOAN_EXIT_NOTHING_TO_RUN);
    }
    get_cpu_info()->current = NULL;
    rq->switch_requested = true;
    apic_timer_start_periodic(SCHED_SLICE_TICKS);
    return_to_guest();
}
