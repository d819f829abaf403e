/* SPDX-License-Identifier: MIT */
/*
 * Exception dispatch.  Exceptions from the guest go to the PV layer
 * (pv_guest_exception).  In the hypervisor, a fault on a guest-access
 * instruction resumes at its fix-up; anything else is a hypervisor bug: print
 * the registers and a stack trace, then stop the machine with KOAN_EXIT_PANIC.
 */
#include <asm/apic.h>
#include <asm/percpu.h>
#include <asm/smp.h>
#include <asm/traps.h>
#include <asm/x86.h>
#include <hyp/console.h>
#include <hyp/timer.h>
#include <hyp/machine.h>
#include <hyp/emul.h>
#include <hyp/ldt.h>
#include <hyp/pv.h>
#include <hyp/sched.h>
#include <hyp/string.h>
#include <hyp/tlb.h>

struct ex_table_entry {
    uint64_t insn, fixup;
};
extern const struct ex_table_entry __ex_table_start[], __ex_table_end[];
extern const char __text_start[], __text_end[];

static const char *const exception_names[32] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
    "#BR bound range", "#UD invalid opcode", "#NM device not available",
    "#DF double fault", "coprocessor overrun", "#TS invalid TSS",
    "#NP segment not present", "#SS stack fault", "#GP general protection",
    "#PF page fault", "reserved 15", "#MF x87 error", "#AC alignment check",
    "#MC machine check", "#XM SIMD error", "#VE virtualisation", "#CP control protection",
};

const char *exception_name(unsigned vector)
{
    if (vector < 32 && exception_names[vector])
        return exception_names[vector];
    return vector == TRAP_SYSCALL ? "syscall" : "interrupt";
}

int exception_fixup(struct cpu_user_regs *regs)
{
    for (const struct ex_table_entry *e = __ex_table_start; e < __ex_table_end; e++) {
        if (e->insn == regs->rip) {
            regs->rip = e->fixup;
            return 1;
        }
    }
    return 0;
}

static void dump_registers(const struct cpu_user_regs *r)
{
    console_printf("  rip %016lx  cs %04x  rflags %016lx\n", r->rip, r->cs, r->rflags);
    console_printf("  rsp %016lx  ss %04x  error %08x\n", r->rsp, r->ss, r->error_code);
    console_printf("  rax %016lx  rbx %016lx  rcx %016lx\n", r->rax, r->rbx, r->rcx);
    console_printf("  rdx %016lx  rsi %016lx  rdi %016lx\n", r->rdx, r->rsi, r->rdi);
    console_printf("  rbp %016lx  r8  %016lx  r9  %016lx\n", r->rbp, r->r8, r->r9);
    console_printf("  r10 %016lx  r11 %016lx  r12 %016lx\n", r->r10, r->r11, r->r12);
    console_printf("  r13 %016lx  r14 %016lx  r15 %016lx\n", r->r13, r->r14, r->r15);
    console_printf("  cr0 %016lx  cr2 %016lx  cr3 %016lx  cr4 %016lx\n",
                   read_cr0(), read_cr2(), read_cr3(), read_cr4());
}

/* Walk the frame-pointer chain, trusting only frames inside our stack block. */
static void dump_stack_trace(uint64_t rip, uint64_t rbp)
{
    uint64_t lo = (uint64_t)get_cpu_info() & ~(STACK_SIZE - 1);
    uint64_t hi = lo + STACK_SIZE;

    console_printf("  stack trace:\n    [<%016lx>]\n", rip);
    for (int depth = 0; depth < 32; depth++) {
        if (rbp < lo || rbp + 16 > hi || (rbp & 7))
            break;
        uint64_t ret = ((const uint64_t *)rbp)[1];
        if (ret < (uint64_t)__text_start || ret >= (uint64_t)__text_end)
            break;
        console_printf("    [<%016lx>]\n", ret);
        rbp = ((const uint64_t *)rbp)[0];
    }
}

void fatal_exception(const struct cpu_user_regs *regs)
{
    smp_stop_others();
    console_take_over();
    console_printf("koan: FATAL: %s (vector %u) in the hypervisor\n",
                   exception_name(regs->entry_vector), regs->entry_vector);
    dump_registers(regs);
    dump_stack_trace(regs->rip, regs->rbp);
    smp_report_stopped_cpus();
    machine_stop(KOAN_EXIT_PANIC);
}

static __attribute__((noinline)) void do_interrupt(struct cpu_user_regs *regs)
{
    static uint8_t reported[256];
    unsigned vector = regs->entry_vector & 0xff;

    if (vector == SPURIOUS_VECTOR)
        return;
    if (vector == TIMER_VECTOR) {
        apic_eoi();
        timer_run_local();   /* the scheduler's tick is one of them (hyp/common/sched.c) */
        return;
    }
    if (vector == IPI_CALL_VECTOR) {
        apic_eoi();
        smp_call_function_run_pending();
        return;
    }
    if (vector == IPI_WAKE_VECTOR) {
        apic_eoi();   /* the halted CPU is awake, and may have a new earliest timer */
        timer_run_local();
        return;
    }
    if (vector == IPI_TLB_VECTOR) {
        apic_eoi();
        tlb_flush_serve();
        return;
    }
    if (!reported[vector]) {
        reported[vector] = 1;
        log_warn("unexpected interrupt, vector %u, ignored\n", vector);
    }
}

/*
 * A #DB in hypervisor context.  Guests can set breakpoints on their own
 * addresses only (set_debugreg), so this is one of theirs hit by Koan
 * touching guest memory (a copy, a bounce frame): it is noted in the guest's
 * virtual DR6, where its own #DB handler will find it, and is never fatal.
 * A single step of hypervisor code cannot come from a guest (every entry
 * clears TF), but is stopped rather than repeated.
 */
static void hypervisor_debug_trap(struct cpu_user_regs *regs)
{
    static bool reported;

    if (current_vcpu())
        pv_debug_trap(current_vcpu(), regs);
    else
        asm volatile("mov %0, %%db6" :: "r"(0xffff0ff0UL));
    regs->rflags &= ~X86_EFLAGS_TF;
    if (!reported) {
        reported = true;
        log_debug("#DB in hypervisor context at %#lx (a guest breakpoint), noted for the guest\n",
                  regs->rip);
    }
}

/* An exception in the hypervisor itself: a guest's breakpoint, a stray NMI, a fix-up, or a bug. */
static __attribute__((noinline)) void hypervisor_exception(struct cpu_user_regs *regs)
{
    unsigned vector = regs->entry_vector;

    if (vector == X86_EXC_DB) {
        hypervisor_debug_trap(regs);
        return;
    }
    if (vector == X86_EXC_NMI) {
        smp_stop_nmi(regs);   /* if another CPU panicked, this one halts here */
        /* Otherwise nobody asked for it; in the hypervisor it has nobody to go to. */
        log_debug("NMI in the hypervisor at %#lx, ignored\n", regs->rip);
        return;
    }
    /* Koan loading a guest selector whose LDT page is not mapped yet. */
    if (vector == X86_EXC_PF && ldt_hypervisor_fault(regs))
        return;
    /* The iretq to the guest refused its frame: the guest's fault (entry.S). */
    if (regs->rip == (uint64_t)iret_to_guest) {
        get_cpu_info()->iret_fault_vector = vector;
        get_cpu_info()->iret_fault_error = regs->error_code;
    }
    /* Faults on guest accesses and on loading guest selectors have fix-ups. */
    if ((vector == X86_EXC_PF || vector == X86_EXC_GP || vector == X86_EXC_NP ||
         vector == X86_EXC_SS) && exception_fixup(regs))
        return;
    fatal_exception(regs);
}

/*
 * IST entries (NMI, #DB, #MC) land on their own stacks.  Move the frame
 * home and go on on the main stack: delivering to the guest may raise the
 * same exception again in hypervisor context (a breakpoint on the guest's
 * kernel stack, hit by the bounce), and that one must not land on top of
 * this one.
 */
static __attribute__((noinline, noreturn)) void guest_exception_from_ist(
    struct cpu_user_regs *regs, struct cpu_user_regs *frame)
{
    if (regs->entry_vector == X86_EXC_NMI)
        smp_stop_nmi(regs);   /* if another CPU panicked, this one halts here */
    memcpy(frame, regs, sizeof(*frame));
    guest_exception_on_main_stack(frame);
}

/*
 * Every exception and interrupt (entry.S).  Only sorting here, so that a
 * guest's exception goes on to the PV layer without a stack frame of its
 * own (a trap bounced from guest user mode is one of the paths measured in
 * docs/performance.md); the other cases are out of line.
 */
void do_exception(struct cpu_user_regs *regs)
{
    unsigned vector = regs->entry_vector;

    if (vector >= 32 && !(vector == LEGACY_SYSCALL_VECTOR && guest_mode(regs))) {
        /*
         * An interrupt comes between two of the guest's instructions: the
         * RF that TCG may leave in its frame would otherwise reach the
         * guest's next trap frame (several CPUs send many IPIs).
         */
        if (guest_mode(regs))
            regs->rflags &= ~X86_EFLAGS_RF;
        do_interrupt(regs);
        return;
    }
    if (!guest_mode(regs)) {
        hypervisor_exception(regs);
        return;
    }
    struct cpu_user_regs *frame = guest_cpu_regs();
    if (regs != frame)
        guest_exception_from_ist(regs, frame);
    pv_guest_exception(frame);
}
