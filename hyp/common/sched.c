/* SPDX-License-Identifier: MIT */
/*
 * Round-robin scheduling of vCPUs on the one CPU.  The running vCPU's
 * registers live in cpu_info.guest_regs; a switch saves them into the old
 * vCPU, loads the new one's, and changes CR3.  When nothing is left to run
 * the machine stops, with a status that says whether any domain crashed.
 */
#include <asm/apic.h>
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

static struct vcpu *run_queue[MAX_DOMAINS];
static unsigned nr_queued;
static bool switch_requested;
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
    if (current_vcpu() == v)
        get_cpu_info()->current = NULL;
    switch_requested = true;
}

void sched_request(void)
{
    switch_requested = true;
}

void sched_tick(void)
{
    /* The running vCPU's slice is over: round-robin on the way back. */
    if (nr_queued > 1)
        switch_requested = true;
}

__attribute__((noreturn)) static void stop_when_idle(void)
{
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

static void context_switch(struct vcpu *prev, struct vcpu *next)
{
    struct cpu_info *ci = get_cpu_info();

    if (prev == next)
        return;
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
}

void sched_maybe_switch(void)
{
    /* Loading the next vCPU may itself end it (a failsafe it cannot take): go on. */
    while (switch_requested || !current_vcpu()) {
        struct vcpu *prev = current_vcpu();
        switch_requested = false;
        struct vcpu *next = pick_next(prev);
        if (!next)
            stop_when_idle();
        context_switch(prev, next);
    }
}

void sched_start(void)
{
    if (nr_queued == 0) {
        log_info("no domain to run\n");
        machine_stop(KOAN_EXIT_NOTHING_TO_RUN);
    }
    get_cpu_info()->current = NULL;
    switch_requested = true;
    apic_timer_start_periodic(SCHED_SLICE_TICKS);
    return_to_guest();
}
