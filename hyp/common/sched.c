/* SPDX-License-Identifier: MIT */
/*
 * Round-robin scheduling of vCPUs on the one CPU.  The running vCPU's
 * registers live in cpu_info.guest_regs; a switch saves them into the old
 * vCPU, loads the new one's, and changes CR3.  Dying domains are torn down
 * here, between vCPUs: a slice of the work budget after each switch, on the
 * idle page tables.  When nothing is left to run the machine finishes every
 * teardown and stops, with a status that says whether any domain crashed.
 */
#include <asm/apic.h>
#include <asm/paging.h>
#include <asm/percpu.h>
#include <asm/spec_ctrl.h>
#include <asm/traps.h>
#include <asm/x86.h>
#include <hyp/bounce.h>
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

static struct vcpu *run_queue[MAX_DOMAINS];
static unsigned nr_queued;
bool sched_switch_requested;
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

void sched_add(struct vcpu *v)
{
    BUG_ON(nr_queued == MAX_DOMAINS);
    run_queue[nr_queued++] = v;
}

void sched_remove(struct vcpu *v)
{
    for (unsigned i = 0; i < nr_queued; i++) {
        if (run_queue[i] != v)
            continue;
        memmove(&run_queue[i], &run_queue[i + 1], (nr_queued - i - 1) * sizeof(run_queue[0]));
        nr_queued--;
        break;
    }
    /* If v is running, it stays current until the way back to the guest switches. */
    sched_switch_requested = true;
}

void sched_request(void)
{
    sched_switch_requested = true;
}

void sched_tick(void)
{
    /* The running vCPU's slice is over: round-robin on the way back
     * (and another slice of teardown, if a domain is dying). */
    if (nr_queued > 1 || domain_teardown_pending())
        sched_switch_requested = true;
}

/* No vCPU on this CPU: the idle tables, Koan's own GDT entries, no LDT, no breakpoints. */
static void load_idle_context(void)
{
    write_cr3(paging_idle_cr3());
    gdt_switch_to(NULL);
    ldt_switch_to(NULL);
    debugreg_switch_to(NULL);
}

/* One budget of teardown work, on the idle tables, then back to next's. */
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

static struct vcpu *pick_next(struct vcpu *prev)
{
    if (nr_queued == 0)
        return NULL;
    for (unsigned i = 0; prev && i < nr_queued; i++)
        if (run_queue[i] == prev)
            return run_queue[(i + 1) % nr_queued];
    return run_queue[0];
}

static bool vcpu_is_dying(const struct vcpu *v)
{
    return v && domain_is_dying(v->domain);
}

static void context_switch(struct vcpu *prev, struct vcpu *next)
{
    struct cpu_info *ci = get_cpu_info();

    if (prev == next)
        return;
    if (vcpu_is_dying(prev))
        prev = NULL;   /* nothing of it is kept: its teardown is on the way */
    if (prev) {
        memcpy(&prev->regs, &ci->guest_regs, sizeof(prev->regs));
        segments_save(prev);
    }
    fpu_switch(prev, next);
    memcpy(&ci->guest_regs, &next->regs, sizeof(next->regs));
    ci->current = next;
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

void sched_switch(void)
{
    /*
     * Loading the next vCPU may itself end it (a failsafe it cannot take): go
     * on.  A vCPU that dies asks for a switch (sched_remove), so a dying
     * current one is always left here.
     */
    bool switched = false;

    while (sched_switch_requested || !current_vcpu()) {
        struct vcpu *prev = current_vcpu();
        sched_switch_requested = false;
        struct vcpu *next = pick_next(prev);
        if (!next)
            stop_when_idle();
        context_switch(prev, next);
        switched = true;
    }
    /* Only now is the vCPU loaded sure to live on: its CR3 comes back after the slice. */
    if (switched)
        teardown_slice();
}

void sched_start(void)
{
    if (nr_queued == 0) {
        log_info("no domain to run\n");
        machine_stop(KOAN_EXIT_NOTHING_TO_RUN);
    }
    get_cpu_info()->current = NULL;
    sched_switch_requested = true;
    apic_timer_start_periodic(SCHED_SLICE_TICKS);
    return_to_guest();
}
