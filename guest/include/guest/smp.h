/* SPDX-License-Identifier: MIT */
/*
 * The smp suite's infrastructure (docs/test-guest.md, "The smp suite"):
 * vcpu_op, our other vCPUs as workers that run jobs vCPU 0 posts them, and
 * trap handlers that say which table they came from and which vCPU ran
 * them.  vCPU 0 only ever waits with SCHEDOP_yield, never a delay, so the
 * cases are correct under any interleaving: two CPUs at once (Xen with
 * dom0_max_vcpus=2) or one CPU taking turns (Koan with -smp 1).
 */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

#include <stdbool.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/vcpu.h>

#include <guest/cpu.h>
#include <guest/hypercall.h>

#define SMP_MAX_VCPUS 4			/* vCPUs the suite drives */
#define SMP_STACK_SIZE 16384		/* each worker's stack, aligned to it */
#define SMP_WAIT_YIELDS 2000000UL	/* a wait gives up after so many yields */

static inline long HYPERVISOR_vcpu_op(unsigned long cmd, unsigned long vcpu,
				      void *arg)
{
	return guest_hypercall3(__HYPERVISOR_vcpu_op, cmd, vcpu,
				(unsigned long)arg);
}

/* Addresses hostile cases pass: non-canonical, and unmapped in every case. */
#define SMP_NONCANONICAL 0x8000000000000000UL
#define SMP_UNMAPPED ((void *)0x10000UL)

static inline long vcpu_op(unsigned long cmd, unsigned long vcpu, void *arg)
{
	return HYPERVISOR_vcpu_op(cmd, vcpu, arg);
}

static inline long smp_is_up(unsigned long id)
{
	return HYPERVISOR_vcpu_op(VCPUOP_is_up, id, NULL);
}

/* rdmsr, which Xen and Koan emulate for the guest kernel (FS_BASE, GS_BASE). */
#define MSR_FS_BASE 0xc0000100u
#define MSR_GS_BASE 0xc0000101u
static inline uint64_t smp_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* ---- vCPUs and workers --------------------------------------------------- */

/* What smp_setup found (0 before it ran); the other cases need 2. */
extern unsigned int smp_vcpus_found;

/* How many vCPUs the domain has: is_up answers until -ENOENT. */
unsigned int smp_nr_vcpus(void);
/* The vCPU running this code (its stack says). */
unsigned int smp_self(void);
/* Top of worker id's stack (16-byte aligned). */
unsigned long smp_stack_top(unsigned int id);

/*
 * A context that starts vCPU id in guest kernel mode at smp_worker_entry on
 * its own stack, on our page tables (ctrlreg[3] = our L4), with trap-table
 * entries for the vectors smp_traps.S handles, owned by `id`.
 */
void smp_context(struct vcpu_guest_context *c, unsigned int id);

/* What a worker saw of itself on entry (smp_worker_entry). */
struct smp_entry_regs {
	uint64_t cs, ss, rsp, rflags, rdi;
};
extern volatile struct smp_entry_regs smp_entry[SMP_MAX_VCPUS];

/* initialise (smp_context) and up vCPU id, wait until it runs; false (test_fail) if not. */
bool smp_start_worker(unsigned int id);
/* Is worker id running jobs (it wrote its alive flag)? */
bool smp_worker_alive(unsigned int id);
/* Wait (yielding) until worker id is alive; false after SMP_WAIT_YIELDS. */
bool smp_wait_alive(unsigned int id);

typedef void (*smp_job_t)(void *arg);
/* Give worker id a job; it runs it between its yields. */
void smp_post(unsigned int id, smp_job_t fn, void *arg);
/* Has worker id finished the last job posted? */
bool smp_job_done(unsigned int id);
/* Wait (yielding) for it; false (test_fail) after SMP_WAIT_YIELDS. */
bool smp_wait_job(unsigned int id);
/* Post and wait: false if the worker is not alive or the job never ends. */
bool smp_run(unsigned int id, smp_job_t fn, void *arg);
/* Yield until *flag != 0; false after `yields` yields. */
bool smp_wait_flag(volatile unsigned long *flag, unsigned long yields);

/* ---- traps --------------------------------------------------------------- */

/* The vectors smp_traps.S has stubs for, per owner 0..SMP_MAX_VCPUS-1. */
#define SMP_NR_TRAP_VECTORS 5
extern const uint8_t smp_trap_vectors[SMP_NR_TRAP_VECTORS];	/* 3 6 7 13 14 */
/* The stub for (owner, vector), 0 if there is none. */
unsigned long smp_stub(unsigned int owner, unsigned int vector);
/* A trap table in set_trap_table's form (zero-terminated) of owner's stubs. */
void smp_trap_list(struct trap_info *t, unsigned int owner);

/* The last trap each vCPU took (by the vCPU that ran the handler). */
struct smp_trap {
	unsigned long count;
	unsigned long owner;		/* whose table the stub belongs to */
	unsigned long vector, error_code, rip, cr2;
};
extern volatile struct smp_trap smp_traps[SMP_MAX_VCPUS];
/* Where a trap on vCPU i resumes (then cleared); 0: a trap returns as is. */
extern volatile unsigned long smp_resume[SMP_MAX_VCPUS];

/*
 * SMP_FAULT(insn) in an asm statement: a trap on vCPU `id` at insn resumes
 * just after it.  Outputs: SMP_FAULT_OUT(id); clobbers "rax", "memory".
 */
#define SMP_FAULT(insn)                                                      \
	"leaq 7771f(%%rip), %%rax\n\t"                                        \
	"movq %%rax, %[smp_resume]\n\t" insn "\n7771:\n\t"
#define SMP_FAULT_OUT(id) [smp_resume] "=m"(smp_resume[id])

/* vCPU id's vcpu_info: its shared_info slot, or where it was moved to. */
struct vcpu_info *smp_vcpu_info(unsigned int id);
void smp_vcpu_info_moved(unsigned int id, struct vcpu_info *vi);

/* VCPUOP_get_runstate_info into *r; its result. */
long smp_runstate(unsigned int id, struct vcpu_runstate_info *r);

#endif /* GUEST_SMP_H */
