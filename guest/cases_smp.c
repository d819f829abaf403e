// SPDX-License-Identifier: MIT
/*
 * smp suite: our second vCPU's life cycle up to running code on it --
 * counting the vCPUs, vcpu_op's id checks, up without a context, and the
 * one VCPUOP_initialise that succeeds (smp_bring_up; a vCPU takes one
 * context in its life).  The smp cases run in order and build on each
 * other (guest/tests.c); the refusals that must leave vCPU 1 without a
 * context are in cases_smp_hostile.c and run before smp_bring_up.
 * Expected values are Xen 4.17's, seen with dom0_max_vcpus=2 under
 * QEMU -smp 2 (tests/system/test_smp_xen.py).
 */
#include <xen/errno.h>

#include <guest/cpu.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/smp.h>
#include <guest/test.h>

#define CTX_FS_BASE 0x00001234567f0000UL
#define CTX_GS_BASE 0xffff888000123000UL

static struct vcpu_guest_context ctx;
static volatile unsigned long dr0_target;

void case_smp_setup(void)
{
	unsigned long want = guest_cmdline_ulong("expect-vcpus", 0);

	if (!cpu_init())
		return;
	smp_vcpus_found = smp_nr_vcpus();
	TEST_NOTE("smp: %u vCPUs\n", smp_vcpus_found);
	EXPECT(smp_vcpus_found >= 2, "%u vCPU(s): the smp suite needs 2 (vcpus=2, "
	       "dom0_max_vcpus=2)", smp_vcpus_found);
	if (want)
		test_check(smp_vcpus_found, (long)want, "vCPUs (expect-vcpus)");
	test_check(smp_is_up(0), 1, "is_up(0): we run on it");
	for (unsigned int i = 1; i < smp_vcpus_found; i++)
		test_check(smp_is_up(i), 0, "is_up of a vCPU not brought up");
}

/* Every op answers -ENOENT for a vCPU the domain does not have. */
void case_smp_bad_vcpu_ids(void)
{
	static const unsigned long ops[] = {
		VCPUOP_initialise, VCPUOP_up, VCPUOP_down, VCPUOP_is_up,
		VCPUOP_get_runstate_info, VCPUOP_register_runstate_memory_area,
		VCPUOP_set_periodic_timer, VCPUOP_stop_periodic_timer,
		VCPUOP_set_singleshot_timer, VCPUOP_stop_singleshot_timer,
		VCPUOP_register_vcpu_info, VCPUOP_send_nmi, VCPUOP_get_physid,
		VCPUOP_register_vcpu_time_memory_area, 99, 0xffffffffUL,
	};
	static const unsigned long ids[] = { 0, 64, 0xffffffffUL, 0x80000000UL };
	char what[64];

	EXPECT(smp_vcpus_found >= 2, "smp_setup found no second vCPU");
	for (unsigned int o = 0; o < sizeof(ops) / sizeof(ops[0]); o++)
		for (unsigned int i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
			unsigned long id = i ? ids[i] : smp_vcpus_found;

			snprintf(what, sizeof(what), "op %lu, vCPU %lu", ops[o], id);
			test_check(vcpu_op(ops[o], id, NULL), -XEN_ENOENT, what);
		}
	/* The id is 32 bits wide, the op a 32-bit int: the rest is ignored. */
	test_check(smp_is_up(1UL << 32), 1, "vCPU 2^32 is vCPU 0");
	test_check(smp_is_up((1UL << 32) | 1), 0, "vCPU 2^32 + 1 is vCPU 1");
	test_check(vcpu_op((1UL << 32) | VCPUOP_is_up, 0, NULL), 1,
		   "op 2^32 + is_up is is_up");
	test_check(vcpu_op(99, 0, NULL), -XEN_ENOSYS, "unknown op 99, vCPU 0");
	test_check(vcpu_op(-1UL, 1, NULL), -XEN_ENOSYS, "unknown op -1, vCPU 1");
	test_check(vcpu_op(VCPUOP_get_physid, 0, SMP_UNMAPPED), -XEN_EINVAL,
		   "get_physid: no vCPU is pinned to a CPU");
}


/* Up needs a context; down of a vCPU already down is nothing. */
void case_smp_up_uninitialised(void)
{
	EXPECT(smp_vcpus_found >= 2, "smp_setup found no second vCPU");
	test_check(vcpu_op(VCPUOP_up, 1, NULL), -XEN_EINVAL, "up without a context");
	test_check(smp_is_up(1), 0, "still down");
	test_check(vcpu_op(VCPUOP_down, 1, NULL), 0, "down while down");
	test_check(smp_is_up(1), 0, "still down after down");
}


/* ---- vCPU 1 runs ---------------------------------------------------------- */

struct bring_up_seen {
	uint64_t fs_base, gs_base, dr0, dr1, dr7;
	uint16_t fcw;
	unsigned long io_traps;
};
static struct bring_up_seen seen;

static void read_own_state(void *arg)
{
	struct bring_up_seen *s = arg;
	unsigned long traps = smp_traps[1].count;

	s->fs_base = smp_rdmsr(MSR_FS_BASE);
	s->gs_base = smp_rdmsr(MSR_GS_BASE);
	s->dr0 = (uint64_t)HYPERVISOR_get_debugreg(0);
	s->dr1 = (uint64_t)HYPERVISOR_get_debugreg(1);
	s->dr7 = (uint64_t)HYPERVISOR_get_debugreg(7);
	__asm__ volatile("fnstcw %0" : "=m"(s->fcw));
	/* With the virtual IOPL of its context (1), the kernel may use ports. */
	__asm__ volatile(SMP_FAULT("inb $0x80, %%al")
			 : SMP_FAULT_OUT(1) :: "rax", "memory");
	smp_resume[1] = 0;
	s->io_traps = smp_traps[1].count - traps;
}

#define CTX_FCW 0x027f		/* x87 control word: 53-bit precision, not the default */
#define RFLAGS_IOPL1 0x1000UL

/*
 * A context with RPL-0 selectors (Xen gives them RPL 3), segment bases, an
 * FPU image, IOPL 1 and debug registers -- one refused: Xen leaves it at
 * its reset value: initialise leaves vCPU 1 down, up starts it, and it sees
 * what the context said.
 */
void case_smp_bring_up(void)
{
	struct vcpu_runstate_info r;
	volatile struct smp_entry_regs *e = &smp_entry[1];

	EXPECT(smp_vcpus_found >= 2, "smp_setup found no second vCPU");
	smp_context(&ctx, 1);
	ctx.user_regs.cs = FLAT_KERNEL_CS & ~3;
	ctx.user_regs.ss = FLAT_KERNEL_SS & ~3;
	ctx.user_regs.rflags |= RFLAGS_IOPL1;
	ctx.kernel_ss = FLAT_KERNEL_SS & ~3;
	ctx.fs_base = CTX_FS_BASE;
	ctx.gs_base_kernel = CTX_GS_BASE;
	ctx.debugreg[0] = (unsigned long)&dr0_target;
	ctx.debugreg[1] = SMP_NONCANONICAL;		/* refused: stays 0 */
	ctx.debugreg[7] = 0x400 | 0x3 | (2UL << 16);	/* an I/O breakpoint: refused */
	ctx.flags |= VGCF_i387_valid;
	*(uint16_t *)&ctx.fpu_ctxt.x[0] = CTX_FCW;
	*(uint32_t *)&ctx.fpu_ctxt.x[24] = 0x1f80;	/* MXCSR: its reset value */
	EXPECT_EQ(vcpu_op(VCPUOP_initialise, 1, &ctx), 0, "initialise vCPU 1");
	test_check(smp_is_up(1), 0, "initialised, not up yet");
	EXPECT_EQ(smp_runstate(1, &r), 0, "get_runstate_info(1)");
	test_check(r.state, RUNSTATE_offline, "offline until up");
	EXPECT_EQ(vcpu_op(VCPUOP_up, 1, NULL), 0, "up vCPU 1");
	test_check(smp_is_up(1), 1, "is_up(1)");
	if (!smp_wait_alive(1))
		return;
	test_check((long)e->cs, FLAT_KERNEL_CS, "cs at entry (RPL made 3)");
	test_check((long)e->ss, FLAT_KERNEL_SS, "ss at entry (RPL made 3)");
	test_check((long)e->rsp, (long)smp_stack_top(1), "rsp at entry");
	test_check((long)e->rdi, 1, "rdi at entry");
	test_check((long)(e->rflags & RFLAGS_IF), RFLAGS_IF, "IF at entry");
	test_check((long)(e->rflags & RFLAGS_IOPL), 0, "IOPL at entry: virtual only");
	if (!smp_run(1, read_own_state, &seen))
		return;
	test_check((long)seen.fs_base, (long)CTX_FS_BASE, "vCPU 1's FS base");
	test_check((long)seen.gs_base, (long)CTX_GS_BASE, "vCPU 1's kernel GS base");
	test_check((long)seen.dr0, (long)&dr0_target, "vCPU 1's DR0");
	test_check((long)seen.dr1, 0, "vCPU 1's DR1 (refused value)");
	test_check((long)seen.dr7, 0x400, "vCPU 1's DR7 (refused value)");
	test_check(seen.fcw, CTX_FCW, "vCPU 1's x87 control word");
	test_check((long)seen.io_traps, 0, "port I/O with the context's IOPL");
	test_check((long)smp_rdmsr(MSR_FS_BASE) != (long)CTX_FS_BASE, 1,
		   "vCPU 0's FS base is its own");
	test_check(mm_check_frames(), 0, "Koan's frame check (vCPU 1 holds our L4)");
}

/* A vCPU takes one context in its life. */
void case_smp_initialise_twice(void)
{
	EXPECT(smp_worker_alive(1), "vCPU 1 is not running");
	smp_context(&ctx, 1);
	test_check(vcpu_op(VCPUOP_initialise, 1, &ctx), -XEN_EEXIST, "vCPU 1 running");
	test_check(vcpu_op(VCPUOP_initialise, 0, &ctx), -XEN_EEXIST, "vCPU 0 (ourselves)");
	test_check(vcpu_op(VCPUOP_up, 1, NULL), 0, "up while up");
	test_check(smp_is_up(1), 1, "still up");
}
