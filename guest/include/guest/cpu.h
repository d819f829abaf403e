/* SPDX-License-Identifier: MIT */
/*
 * CPU virtualisation infrastructure of the test guest's cpu suite
 * (docs/test-guest.md, "The cpu suite"): the hypercalls of trap and
 * callback registration, the trap entry stubs of guest/traps.S and the C
 * dispatcher that records every bounce frame exactly, kernel-mode fault
 * recovery, and user mode (guest/user.c, guest/user.S): address spaces of
 * their own, syscalls, demand paging and a context switch.
 */
#ifndef GUEST_CPU_H
#define GUEST_CPU_H

#include <stdbool.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/callback.h>
#include <xen/physdev.h>

#include <guest/hypercall.h>

/* ---- hypercalls -------------------------------------------------------- */

static inline long HYPERVISOR_set_trap_table(const void *table)
{
	return guest_hypercall3(__HYPERVISOR_set_trap_table,
				(unsigned long)table, 0, 0);
}

static inline long HYPERVISOR_callback_op(unsigned long cmd, const void *arg)
{
	return guest_hypercall3(__HYPERVISOR_callback_op, cmd,
				(unsigned long)arg, 0);
}

static inline long HYPERVISOR_set_callbacks(unsigned long event,
					    unsigned long failsafe,
					    unsigned long syscall)
{
	return guest_hypercall3(__HYPERVISOR_set_callbacks, event, failsafe,
				syscall);
}

static inline long HYPERVISOR_stack_switch(unsigned long ss, unsigned long sp)
{
	return guest_hypercall3(__HYPERVISOR_stack_switch, ss, sp, 0);
}

static inline long HYPERVISOR_fpu_taskswitch(unsigned long set)
{
	return guest_hypercall3(__HYPERVISOR_fpu_taskswitch, set, 0, 0);
}

static inline long HYPERVISOR_set_segment_base(unsigned long which,
					       unsigned long base)
{
	return guest_hypercall3(__HYPERVISOR_set_segment_base, which, base, 0);
}

static inline long HYPERVISOR_set_debugreg(unsigned long reg,
					   unsigned long value)
{
	return guest_hypercall3(__HYPERVISOR_set_debugreg, reg, value, 0);
}

static inline long HYPERVISOR_get_debugreg(unsigned long reg)
{
	return guest_hypercall3(__HYPERVISOR_get_debugreg, reg, 0, 0);
}

static inline long HYPERVISOR_physdev_op(unsigned long cmd, void *arg)
{
	return guest_hypercall3(__HYPERVISOR_physdev_op, cmd,
				(unsigned long)arg, 0);
}

static inline long cpu_set_iopl(unsigned int iopl)
{
	struct physdev_set_iopl a = { .iopl = iopl };

	return HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &a);
}

/* ---- traps ------------------------------------------------------------- */

/* Pseudo vectors of the callbacks (recorded like the exceptions). */
#define CPU_VEC_SYSCALL 0x100
#define CPU_VEC_EVENT 0x101
#define CPU_VEC_FAILSAFE 0x102

/* Software-interrupt vectors in our trap table, and their DPL/flags. */
#define CPU_VEC_SOFT_DPL3 0x80	/* anyone may `int` */
#define CPU_VEC_SOFT_DPL1 0x81	/* guest kernel only */
#define CPU_VEC_SOFT_DPL0 0x82	/* nobody */
#define CPU_VEC_SOFT_IGATE 0x83	/* DPL 3, interrupt gate (masks events) */

#define CPU_TI_IGATE 4		/* trap_info.flags bit 2 */

#define FLAT_USER_CS_ 0xe033
#define FLAT_USER_SS_ 0xe02b
#define RFLAGS_TF 0x100UL
#define RFLAGS_IF 0x200UL
#define RFLAGS_DF 0x400UL
#define RFLAGS_IOPL 0x3000UL
#define RFLAGS_RF 0x10000UL

/*
 * What traps.S saves below the bounce frame, lowest address first.  The
 * last nine words are a hardware frame with vector and error code (0 when
 * the vector has none); rax, r11, rcx sit right below so the exit path can
 * turn the lot into an iret_context in place.  A handler may change any
 * field: the exit path returns to what it finds (HYPERVISOR_iret).
 */
struct cpu_regs {
	uint64_t r15, r14, r13, r12, rbp, rbx, r10, r9, r8, rdi, rsi, rdx;
	uint64_t rax, r11, rcx;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* Everything known about the last bounce. */
struct cpu_trap {
	unsigned long count;		/* bounces since cpu_trap_reset() */
	struct cpu_regs regs;		/* as delivered (before any fixup) */
	unsigned long frame;		/* guest rsp at the handler: &rcx slot */
	bool has_error;			/* the frame held an error code */
	uint64_t failsafe_seg[4];	/* failsafe: ds, es, fs, gs */
	uint64_t cr2;			/* vcpu_info.arch.cr2 at entry */
	uint8_t mask_at_entry;		/* evtchn_upcall_mask in the handler */
};

extern struct cpu_trap cpu_last;

/*
 * Kernel-mode recovery: a trap from guest kernel mode resumes at
 * cpu_resume_rip (which is then cleared).  CPU_FAULT(insn) in an asm
 * statement sets it to just after insn, so `"r11"` need not be clobbered:
 * the store is an immediate.  Use with "memory" in the clobbers.
 */
extern volatile unsigned long cpu_resume_rip;
#define CPU_FAULT(insn)                                                      \
	"movq $8881f, cpu_resume_rip(%%rip)\n\t"                            \
	"movq $8880f, cpu_fault_rip(%%rip)\n"                               \
	"8880:\t" insn "\n8881:\n\t"
extern volatile unsigned long cpu_fault_rip;	/* where insn started */

/*
 * CPU_PROBE(insn): record rflags and rsp just before insn (cpu_probe_*),
 * put known values in rcx and r11 (CPU_RCX, CPU_R11), then CPU_FAULT(insn).
 * Clobbers "rcx", "r11", "memory".
 */
#define CPU_RCX 0x1111111111111111UL
#define CPU_R11 0x2222222222222222UL
#define CPU_PROBE(insn)                                                      \
	"pushfq\n\tpopq cpu_probe_rflags(%%rip)\n\t"                        \
	"movq %%rsp, cpu_probe_rsp(%%rip)\n\t"                              \
	"movabs $0x1111111111111111, %%rcx\n\t"                             \
	"movabs $0x2222222222222222, %%r11\n\t"                             \
	CPU_FAULT(insn)
extern volatile unsigned long cpu_probe_rflags, cpu_probe_rsp;

/*
 * A per-case hook called first for every bounce; returns true if it dealt
 * with it (regs may be changed: the exit path returns to them).
 */
typedef bool (*cpu_hook_t)(struct cpu_regs *r);
extern cpu_hook_t cpu_hook;

/* What a case expects of the last bounce (cpu_check_last). */
struct frame_expect {
	unsigned long count;		/* bounces expected (1 usually) */
	unsigned long vector;
	bool has_error;
	uint64_t error_code;
	uint64_t rip, cs, rflags, rsp, ss;
	unsigned long frame;		/* where the frame starts; 0: unchecked */
	bool marked;			/* rcx/r11 slots hold CPU_RCX/CPU_R11 */
};

/*
 * The frame of a bounce from guest kernel mode of a CPU_PROBE: rip as
 * given, cs 0xe030 (RPL cleared) with the event mask in bits 32-39,
 * rflags as probed with IF = !mask, rsp as probed, ss 0xe02b, the frame
 * just below rsp rounded down to 16.
 */
struct frame_expect cpu_kexpect(unsigned long vector, bool has_error,
				uint64_t error_code, uint64_t rip,
				unsigned int mask);
/* test_check every field of cpu_last against e; false on a mismatch. */
bool cpu_check_last(const struct frame_expect *e);
/* One line describing cpu_last (for notes). */
void cpu_note_last(const char *what);

/* Set up once: trap table, callbacks, shared_info mapping, mm. */
bool cpu_init(void);
/* Has cpu_init() installed our trap table and callbacks? */
bool cpu_initialised(void);
/* Forget the last trap (count 0). */
void cpu_trap_reset(void);
/* Our standard trap table (vector 0..31 and the soft vectors). */
long cpu_load_trap_table(void);
long cpu_register_callbacks(void);
/* Entry stub address of a vector (0..255) / of the callbacks. */
unsigned long cpu_stub(unsigned int vector);
extern char cpu_entry_syscall[], cpu_entry_event[], cpu_entry_failsafe[];

/* vcpu_info of vCPU 0 (shared_info mapped by cpu_init). */
struct vcpu_info *cpu_vcpu(void);
/* vCPU 0's vcpu_info was moved (VCPUOP_register_vcpu_info): cpu_vcpu() follows. */
void cpu_vcpu_moved(struct vcpu_info *vi);
/* Our mapping of shared_info (cpu_init maps it). */
struct shared_info *cpu_shared_info(void);

/* Are we on Koan (its debug hypercall exists)? */
bool cpu_on_koan(void);

/* Forced-emulation CPUID. */
struct cpuid_res {
	uint32_t eax, ebx, ecx, edx;
};
struct cpuid_res cpu_cpuid(uint32_t leaf, uint32_t subleaf);

/* ---- user mode (guest/user.c) ----------------------------------------- */

/* Layout of every user address space (L4 slot 0, one L1). */
#define USER_CODE_VA 0x400000UL		/* the .text.user pages, read-only */
#define USER_DATA_VA 0x500000UL		/* private data page */
#define USER_SHARED_VA 0x501000UL	/* page shared copy-on-write */
#define USER_DZ_VA 0x510000UL		/* demand-zero range (16 pages) */
#define USER_DZ_PAGES 16
#define USER_STACK_TOP 0x600000UL	/* stack page 0x5ff000 */
#define USER_NR_PROCS 2
#define USER_REPORTS 32

/* The syscalls of user programs (rax; arguments rdi, rsi). */
#define SYS_EXIT 0		/* rdi = exit value: the process ends */
#define SYS_YIELD 1		/* switch to the other process */
#define SYS_REPORT 2		/* record rdi in the process's report log */
#define SYS_GETPID 3		/* rax = process number */
#define SYS_HYP_YIELD 4		/* the kernel does SCHEDOP_yield, returns 0 */

struct user_proc {
	bool used, runnable;
	unsigned int pid;
	unsigned long l4_mfn, l3_mfn, l2_mfn, l1_mfn;
	unsigned long data_pfn, stack_pfn;
	unsigned long dz_pfn[USER_DZ_PAGES];	/* demand-zero frames (0 = none) */
	unsigned long cow_pfn;		/* private copy of the shared page */
	unsigned long kstack_top;
	struct cpu_regs ctx;		/* user context while switched out */
	long exit_value;
	unsigned int nr_reports;
	uint64_t reports[USER_REPORTS];
	unsigned int faults, cow_faults, dz_faults;
};

extern struct user_proc user_procs[USER_NR_PROCS];
extern unsigned long user_shared_pfn;	/* the page both start with */
extern bool user_cow_enabled;		/* handle write faults on it */
extern bool user_dz_enabled;		/* map zero pages on demand */

/* User-mode address of a symbol of guest/user.S. */
extern char user_text_start[], user_text_end[];
static inline unsigned long user_va(const void *sym)
{
	return USER_CODE_VA + ((unsigned long)sym -
			       (unsigned long)user_text_start);
}

/* Build the address space of process i (fresh tables, pinned L4). */
bool user_proc_create(unsigned int i);
/* Tear it down: unpin, free frames. */
void user_procs_destroy(void);
/*
 * Start the given processes at their entry points and run them until every
 * one has exited (or was killed by an unhandled fault: exit value
 * -1000 - vector).  Returns false (reason recorded) on an infrastructure
 * failure.
 */
bool user_run(unsigned int nr, const unsigned long *entry,
	      const uint64_t *arg);

/*
 * Low level (traps.S): save the kernel context and return (iret) to *regs;
 * comes back with the value a handler passes to cpu_kernel_resume().
 */
long cpu_enter_user(const struct cpu_regs *regs);
void cpu_kernel_resume(long value) __attribute__((noreturn));

/* The user-mode trap handler (user.c), called by the dispatcher. */
void user_trap(struct cpu_regs *r);

#endif /* GUEST_CPU_H */
