// SPDX-License-Identifier: MIT
/*
 * smp suite: our second vCPU, from vcpu_op's refusals to running code on
 * it.  The cases run in order and build on each other: everything that
 * must leave vCPU 1 without a context runs before smp_bring_up, which is
 * the one VCPUOP_initialise that succeeds (a vCPU takes one context in its
 * life); later cases give vCPU 1 jobs (guest/smp.c).  vCPU 1 ends blocked.
 * Expected values are Xen 4.17's, seen with dom0_max_vcpus=2 under
 * QEMU -smp 2 (tests/system/test_smp_xen.py).
 */
#include <xen/errno.h>

#include <guest/cpu.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/smp.h>
#include <guest/test.h>

#define MSR_FS_BASE 0xc0000100u
#define MSR_GS_BASE 0xc0000101u
#define CTX_FS_BASE 0x00001234567f0000UL
#define CTX_GS_BASE 0xffff888000123000UL
#define NONCANONICAL 0x8000000000000000UL
#define UNMAPPED ((void *)0x10000UL)

static struct vcpu_guest_context ctx;
static unsigned int nr_vcpus;
static volatile unsigned long dr0_target;

static long vcpu_op(unsigned long cmd, unsigned long id, void *arg)
{
	return HYPERVISOR_vcpu_op(cmd, id, arg);
}

static long is_up(unsigned long id)
{
	return vcpu_op(VCPUOP_is_up, id, NULL);
}

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static unsigned long kernel_mfn(const volatile void *va)
{
	return pfn_mfn(guest_va_to_pfn(va));
}

void case_smp_setup(void)
{
	unsigned long want = guest_cmdline_ulong("expect-vcpus", 0);

	if (!cpu_init())
		return;
	nr_vcpus = smp_nr_vcpus();
	TEST_NOTE("smp: %u vCPUs\n", nr_vcpus);
	EXPECT(nr_vcpus >= 2, "%u vCPU(s): the smp suite needs 2 (vcpus=2, "
	       "dom0_max_vcpus=2)", nr_vcpus);
	if (want)
		test_check(nr_vcpus, (long)want, "vCPUs (expect-vcpus)");
	test_check(is_up(0), 1, "is_up(0): we run on it");
	for (unsigned int i = 1; i < nr_vcpus; i++)
		test_check(is_up(i), 0, "is_up of a vCPU not brought up");
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

	EXPECT(nr_vcpus >= 2, "smp_setup found no second vCPU");
	for (unsigned int o = 0; o < sizeof(ops) / sizeof(ops[0]); o++)
		for (unsigned int i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
			unsigned long id = i ? ids[i] : nr_vcpus;

			snprintf(what, sizeof(what), "op %lu, vCPU %lu", ops[o], id);
			test_check(vcpu_op(ops[o], id, NULL), -XEN_ENOENT, what);
		}
	/* The id is 32 bits wide, the op a 32-bit int: the rest is ignored. */
	test_check(is_up(1UL << 32), 1, "vCPU 2^32 is vCPU 0");
	test_check(is_up((1UL << 32) | 1), 0, "vCPU 2^32 + 1 is vCPU 1");
	test_check(vcpu_op((1UL << 32) | VCPUOP_is_up, 0, NULL), 1,
		   "op 2^32 + is_up is is_up");
	test_check(vcpu_op(99, 0, NULL), -XEN_ENOSYS, "unknown op 99, vCPU 0");
	test_check(vcpu_op(-1UL, 1, NULL), -XEN_ENOSYS, "unknown op -1, vCPU 1");
	test_check(vcpu_op(VCPUOP_get_physid, 0, UNMAPPED), -XEN_EINVAL,
		   "get_physid: no vCPU is pinned to a CPU");
}

static void spin_tsc(uint64_t cycles)
{
	uint64_t end = tsc_read() + cycles;

	while (tsc_read() < end)
		;
}

static bool runstate_grew(const struct vcpu_runstate_info *a,
			  const struct vcpu_runstate_info *b, const char *who)
{
	bool ok = true;
	char what[64];

	for (unsigned int i = 0; i < 4; i++) {
		snprintf(what, sizeof(what), "%s: time[%u] never goes back", who, i);
		ok &= test_check(b->time[i] >= a->time[i], 1, what);
	}
	snprintf(what, sizeof(what), "%s: state_entry_time never goes back", who);
	ok &= test_check(b->state_entry_time >= a->state_entry_time, 1, what);
	return ok;
}

/* vCPU 1 has been offline since it was made; vCPU 0 is running. */
void case_smp_runstate_offline(void)
{
	struct vcpu_runstate_info a, b, v1, v1b;

	EXPECT(nr_vcpus >= 2, "smp_setup found no second vCPU");
	EXPECT_EQ(smp_runstate(1, &v1), 0, "get_runstate_info(1)");
	test_check(v1.state, RUNSTATE_offline, "vCPU 1 offline");
	test_check((long)v1.time[RUNSTATE_running], 0, "vCPU 1 never ran");
	test_check((long)v1.time[RUNSTATE_runnable], 0, "vCPU 1 never waited to run");
	test_check(v1.time[RUNSTATE_offline] > 0, 1, "vCPU 1 offline for some time");
	EXPECT_EQ(smp_runstate(0, &a), 0, "get_runstate_info(0)");
	test_check(a.state, RUNSTATE_running, "vCPU 0 running (asking)");
	test_check(a.time[RUNSTATE_running] > 0, 1, "vCPU 0 has run");
	spin_tsc(20000000);
	EXPECT_EQ(smp_runstate(0, &b), 0, "get_runstate_info(0) again");
	test_check(b.state, RUNSTATE_running, "vCPU 0 still running");
	test_check(b.time[RUNSTATE_running] > a.time[RUNSTATE_running], 1,
		   "vCPU 0's running time grows while it spins");
	runstate_grew(&a, &b, "vCPU 0");
	EXPECT_EQ(smp_runstate(1, &v1b), 0, "get_runstate_info(1) again");
	test_check(v1b.time[RUNSTATE_offline] > v1.time[RUNSTATE_offline], 1,
		   "vCPU 1's offline time grows");
	runstate_grew(&v1, &v1b, "vCPU 1");
	test_check(vcpu_op(VCPUOP_get_runstate_info, 0, UNMAPPED), -XEN_EFAULT,
		   "get_runstate_info to an unmapped address");
	test_check(vcpu_op(VCPUOP_get_runstate_info, 0,
			   (void *)0xffff830000000000UL), -XEN_EFAULT,
		   "get_runstate_info into the hypervisor");
}

/* Up needs a context; down of a vCPU already down is nothing. */
void case_smp_up_uninitialised(void)
{
	EXPECT(nr_vcpus >= 2, "smp_setup found no second vCPU");
	test_check(vcpu_op(VCPUOP_up, 1, NULL), -XEN_EINVAL, "up without a context");
	test_check(is_up(1), 0, "still down");
	test_check(vcpu_op(VCPUOP_down, 1, NULL), 0, "down while down");
	test_check(is_up(1), 0, "still down after down");
}

/* ---- contexts Xen refuses ---------------------------------------------- */

struct bad_ctx {
	const char *what;
	long expect;
	void (*spoil)(struct vcpu_guest_context *c, unsigned long arg);
	unsigned long arg;
};

static void set_rip(struct vcpu_guest_context *c, unsigned long a) { c->user_regs.rip = a; }
static void set_rsp(struct vcpu_guest_context *c, unsigned long a) { c->user_regs.rsp = a; }
static void set_ksp(struct vcpu_guest_context *c, unsigned long a) { c->kernel_sp = a; }
static void set_fs(struct vcpu_guest_context *c, unsigned long a) { c->fs_base = a; }
static void set_gsk(struct vcpu_guest_context *c, unsigned long a) { c->gs_base_kernel = a; }
static void set_gsu(struct vcpu_guest_context *c, unsigned long a) { c->gs_base_user = a; }
static void set_ev(struct vcpu_guest_context *c, unsigned long a) { c->event_callback_eip = a; }
static void set_fsafe(struct vcpu_guest_context *c, unsigned long a) { c->failsafe_callback_eip = a; }
static void set_sysc(struct vcpu_guest_context *c, unsigned long a) { c->syscall_callback_eip = a; }
static void set_trap14(struct vcpu_guest_context *c, unsigned long a) { c->trap_ctxt[14].address = a; }
static void set_trap200(struct vcpu_guest_context *c, unsigned long a) { c->trap_ctxt[200].address = a; }
static void set_ldt(struct vcpu_guest_context *c, unsigned long a)
{
	c->ldt_base = a;
	c->ldt_ents = 1;
}
static void set_ldt_ents(struct vcpu_guest_context *c, unsigned long a) { c->ldt_ents = a; }
static void set_ldt_base0(struct vcpu_guest_context *c, unsigned long a) { c->ldt_base = a; }
static void set_gdt_ents(struct vcpu_guest_context *c, unsigned long a) { c->gdt_ents = a; }
static void set_gdt_frame(struct vcpu_guest_context *c, unsigned long a)
{
	c->gdt_frames[0] = a;
	c->gdt_ents = 1;
}
static void set_cr3(struct vcpu_guest_context *c, unsigned long a) { c->ctrlreg[3] = a << 12; }
static void user_no_l4(struct vcpu_guest_context *c, unsigned long a)
{
	c->flags &= ~VGCF_in_kernel;
	c->ctrlreg[1] = 0;
}
static void set_cr1(struct vcpu_guest_context *c, unsigned long a) { c->ctrlreg[1] = a << 12; }

/* A pool frame that is no L4: its entry 0 names a frame mapped writable. */
static unsigned long make_bad_l4(unsigned long writable_mfn)
{
	unsigned long pfn = pool_alloc(true);
	uint64_t *p;

	if (!pfn || !(p = win_map(2, pfn_mfn(pfn), DATA_RW)))
		return 0;
	p[0] = pte_make(writable_mfn, PT_FLAGS);
	win_unmap(2);
	return pfn;
}

void case_smp_initialise_bad_contexts(void)
{
	unsigned long data_mfn = kernel_mfn(&ctx);
	unsigned long l1_pfn, bad_l4_pfn, beyond;
	long rc;

	EXPECT(nr_vcpus >= 2, "smp_setup found no second vCPU");
	EXPECT(mm_init(), "mm_init");
	beyond = mm.max_ram_page + 16;
	l1_pfn = pool_alloc(true);
	EXPECT(l1_pfn, "a pool frame");
	EXPECT_EQ(pin_table(1, pfn_mfn(l1_pfn)), 0, "pin an L1");
	bad_l4_pfn = make_bad_l4(data_mfn);
	EXPECT(bad_l4_pfn, "a frame that is no L4");
	{
		const struct bad_ctx cases[] = {
			{ "rip non-canonical", -XEN_EINVAL, set_rip, NONCANONICAL },
			{ "rsp non-canonical", -XEN_EINVAL, set_rsp, NONCANONICAL },
			{ "kernel_sp non-canonical", -XEN_EINVAL, set_ksp, NONCANONICAL },
			{ "fs_base non-canonical", -XEN_EINVAL, set_fs, NONCANONICAL },
			{ "gs_base_kernel non-canonical", -XEN_EINVAL, set_gsk, NONCANONICAL },
			{ "gs_base_user non-canonical", -XEN_EINVAL, set_gsu, NONCANONICAL },
			{ "event callback non-canonical", -XEN_EINVAL, set_ev, NONCANONICAL },
			{ "failsafe callback non-canonical", -XEN_EINVAL, set_fsafe, NONCANONICAL },
			{ "syscall callback non-canonical", -XEN_EINVAL, set_sysc, NONCANONICAL },
			{ "trap 14 non-canonical", -XEN_EINVAL, set_trap14, NONCANONICAL },
			{ "trap 200 non-canonical", -XEN_EINVAL, set_trap200, 0x0000800000000000UL },
			{ "LDT base not page-aligned", -XEN_EINVAL, set_ldt, 0x10008 },
			{ "LDT base non-canonical", -XEN_EINVAL, set_ldt, NONCANONICAL },
			{ "LDT of 8193 entries", -XEN_EINVAL, set_ldt_ents, 8193 },
			{ "no LDT, base in the hypervisor", -XEN_EINVAL, set_ldt_base0, 0xffff800000000000UL },
			{ "GDT of 7169 entries", -XEN_EINVAL, set_gdt_ents, 7169 },
			{ "GDT frame beyond RAM", -XEN_EINVAL, set_gdt_frame, beyond },
			{ "GDT frame mapped writable", -XEN_EINVAL, set_gdt_frame, data_mfn },
			{ "CR3 frame 0", -XEN_EINVAL, set_cr3, 0 },
			{ "CR3 beyond RAM", -XEN_EINVAL, set_cr3, beyond },
			{ "CR3 a frame mapped writable", -XEN_EINVAL, set_cr3, data_mfn },
			{ "CR3 a pinned L1", -XEN_EINVAL, set_cr3, pfn_mfn(l1_pfn) },
			{ "CR3 no valid L4", -XEN_EINVAL, set_cr3, pfn_mfn(bad_l4_pfn) },
			{ "user mode without a user L4", -XEN_EINVAL, user_no_l4, 0 },
			/* Last: Xen keeps a reference to the kernel L4 after this one. */
			{ "user L4 a pinned L1", -XEN_EINVAL, set_cr1, pfn_mfn(l1_pfn) },
		};

		for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			smp_context(&ctx, 1);
			cases[i].spoil(&ctx, cases[i].arg);
			rc = vcpu_op(VCPUOP_initialise, 1, &ctx);
			test_check(rc, cases[i].expect, cases[i].what);
		}
	}
	test_check(vcpu_op(VCPUOP_initialise, 1, UNMAPPED), -XEN_EFAULT,
		   "context at an unmapped address");
	test_check(vcpu_op(VCPUOP_initialise, 1, (void *)0xffff830000000000UL),
		   -XEN_EFAULT, "context in the hypervisor");
	memset(&ctx, 0xff, sizeof(ctx));
	test_check(vcpu_op(VCPUOP_initialise, 0, &ctx), -XEN_EEXIST,
		   "vCPU 0 has a context (before any check of the new one)");
	test_check(vcpu_op(VCPUOP_up, 1, NULL), -XEN_EINVAL, "still no context");
	test_check(is_up(1), 0, "vCPU 1 still down");
	test_check(unpin_table(pfn_mfn(l1_pfn)), 0, "unpin the L1");
	test_check(mm_check_frames(), 0, "Koan's frame check");
}

/* register_vcpu_info refusals while vCPU 1 is down; nothing moves. */
void case_smp_register_vcpu_info_bad(void)
{
	static const uint32_t bad_offsets[] = { 4, 4033, 4040, 4096, 0xffffffc0 };
	struct vcpu_register_vcpu_info info = { 0 };
	unsigned long l1_pfn, plain_pfn;
	char what[64];

	EXPECT(nr_vcpus >= 2, "smp_setup found no second vCPU");
	EXPECT(mm_init(), "mm_init");
	plain_pfn = pool_alloc(true);
	l1_pfn = pool_alloc(true);
	EXPECT(plain_pfn && l1_pfn, "pool frames");
	EXPECT_EQ(pin_table(1, pfn_mfn(l1_pfn)), 0, "pin an L1");
	for (unsigned int i = 0; i < sizeof(bad_offsets) / sizeof(bad_offsets[0]); i++) {
		info.mfn = pfn_mfn(plain_pfn);
		info.offset = bad_offsets[i];
		snprintf(what, sizeof(what), "offset %u", bad_offsets[i]);
		test_check(vcpu_op(VCPUOP_register_vcpu_info, 1, &info), -XEN_ENXIO, what);
	}
	info.offset = 4;
	test_check(vcpu_op(VCPUOP_register_vcpu_info, 0, &info), -XEN_ENXIO,
		   "vCPU 0 (ourselves), offset 4");
	info.offset = 0;
	info.mfn = mm.max_ram_page + 16;
	test_check(vcpu_op(VCPUOP_register_vcpu_info, 1, &info), -XEN_EINVAL,
		   "frame beyond RAM");
	info.mfn = 0;
	test_check(vcpu_op(VCPUOP_register_vcpu_info, 1, &info), -XEN_EINVAL,
		   "frame 0 (not ours)");
	info.mfn = pfn_mfn(l1_pfn);
	test_check(vcpu_op(VCPUOP_register_vcpu_info, 1, &info), -XEN_EINVAL,
		   "a pinned L1");
	test_check(vcpu_op(VCPUOP_register_vcpu_info, 1, UNMAPPED), -XEN_EFAULT,
		   "argument unmapped");
	test_check(unpin_table(pfn_mfn(l1_pfn)), 0, "unpin the L1");
	pool_free(l1_pfn);
	pool_free(plain_pfn);
	test_check(mm_check_frames(), 0, "Koan's frame check");
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

	s->fs_base = rdmsr(MSR_FS_BASE);
	s->gs_base = rdmsr(MSR_GS_BASE);
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

	EXPECT(nr_vcpus >= 2, "smp_setup found no second vCPU");
	smp_context(&ctx, 1);
	ctx.user_regs.cs = FLAT_KERNEL_CS & ~3;
	ctx.user_regs.ss = FLAT_KERNEL_SS & ~3;
	ctx.user_regs.rflags |= RFLAGS_IOPL1;
	ctx.kernel_ss = FLAT_KERNEL_SS & ~3;
	ctx.fs_base = CTX_FS_BASE;
	ctx.gs_base_kernel = CTX_GS_BASE;
	ctx.debugreg[0] = (unsigned long)&dr0_target;
	ctx.debugreg[1] = NONCANONICAL;		/* refused: stays 0 */
	ctx.debugreg[7] = 0x400 | 0x3 | (2UL << 16);	/* an I/O breakpoint: refused */
	ctx.flags |= VGCF_i387_valid;
	*(uint16_t *)&ctx.fpu_ctxt.x[0] = CTX_FCW;
	*(uint32_t *)&ctx.fpu_ctxt.x[24] = 0x1f80;	/* MXCSR: its reset value */
	EXPECT_EQ(vcpu_op(VCPUOP_initialise, 1, &ctx), 0, "initialise vCPU 1");
	test_check(is_up(1), 0, "initialised, not up yet");
	EXPECT_EQ(smp_runstate(1, &r), 0, "get_runstate_info(1)");
	test_check(r.state, RUNSTATE_offline, "offline until up");
	EXPECT_EQ(vcpu_op(VCPUOP_up, 1, NULL), 0, "up vCPU 1");
	test_check(is_up(1), 1, "is_up(1)");
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
	test_check((long)rdmsr(MSR_FS_BASE) != (long)CTX_FS_BASE, 1,
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
	test_check(is_up(1), 1, "still up");
}

/* ---- per-vCPU handlers and state ------------------------------------------ */

static void int3_job(void *arg)
{
	__asm__ volatile("int3" ::: "memory");
}

static void own_trap_table_job(void *arg)
{
	static struct trap_info list[SMP_NR_TRAP_VECTORS + 1];
	long *rc = arg;

	smp_trap_list(list, 2);
	*rc = HYPERVISOR_set_trap_table(list);
}

static void ud2_job(void *arg)
{
	__asm__ volatile(SMP_FAULT("ud2") : SMP_FAULT_OUT(1) :: "rax", "memory");
}

static bool last_trap(unsigned int vcpu, unsigned long count, unsigned long owner,
		      unsigned long vector, const char *what)
{
	volatile struct smp_trap *t = &smp_traps[vcpu];
	char w[96];
	bool ok;

	snprintf(w, sizeof(w), "%s: traps on vCPU %u", what, vcpu);
	ok = test_check((long)t->count, (long)count, w);
	snprintf(w, sizeof(w), "%s: whose table", what);
	ok &= test_check((long)t->owner, (long)owner, w);
	snprintf(w, sizeof(w), "%s: vector", what);
	return ok & test_check((long)t->vector, (long)vector, w);
}

/*
 * vCPU 1's traps go to its own trap table -- the one from its context,
 * then the one it sets itself -- and vCPU 0's to vCPU 0's.
 */
void case_smp_per_vcpu_traps(void)
{
	struct trap_info list[SMP_NR_TRAP_VECTORS + 1];
	unsigned long n0 = smp_traps[0].count, n1 = smp_traps[1].count;
	long rc = -1;

	EXPECT(smp_worker_alive(1), "vCPU 1 is not running");
	smp_trap_list(list, 0);
	EXPECT_EQ(HYPERVISOR_set_trap_table(list), 0, "vCPU 0's table");
	if (!smp_run(1, int3_job, NULL))
		goto out;
	last_trap(1, n1 + 1, 1, 3, "int3 on vCPU 1 (its context's table)");
	__asm__ volatile("int3" ::: "memory");
	last_trap(0, n0 + 1, 0, 3, "int3 on vCPU 0");
	if (!smp_run(1, own_trap_table_job, &rc))
		goto out;
	test_check(rc, 0, "set_trap_table on vCPU 1");
	if (!smp_run(1, int3_job, NULL) || !smp_run(1, ud2_job, NULL))
		goto out;
	last_trap(1, n1 + 3, 2, 6, "ud2 on vCPU 1 (the table it set)");
	__asm__ volatile("int3" ::: "memory");
	last_trap(0, n0 + 2, 0, 3, "int3 on vCPU 0 again (its table unchanged)");
out:
	test_check(cpu_load_trap_table(), 0, "vCPU 0's cpu-suite table back");
}

struct state_seen {
	long rc_ts, rc_dr, rc_fs;
	unsigned long nm_traps, traps_after;
	uint64_t fs_base, dr0;
};

static void own_state_job(void *arg)
{
	struct state_seen *s = arg;
	unsigned long before = smp_traps[1].count;

	s->rc_ts = HYPERVISOR_fpu_taskswitch(1);
	__asm__ volatile("fnop" ::: "memory");	/* #NM, which clears TS */
	s->nm_traps = smp_traps[1].count - before;
	__asm__ volatile("fnop" ::: "memory");	/* no trap now */
	s->traps_after = smp_traps[1].count - before;
	s->rc_dr = HYPERVISOR_set_debugreg(0, (unsigned long)&s->dr0);
	s->rc_fs = HYPERVISOR_set_segment_base(SEGBASE_FS, 0x2000);
}

static void read_state_job(void *arg)
{
	struct state_seen *s = arg;

	s->fs_base = rdmsr(MSR_FS_BASE);
	s->dr0 = (uint64_t)HYPERVISOR_get_debugreg(0);
}

/* fpu_taskswitch, set_debugreg and set_segment_base act on the calling vCPU only. */
void case_smp_per_vcpu_state(void)
{
	struct state_seen s = { 0 };
	unsigned long n0 = smp_traps[0].count, c0 = cpu_last.count;
	uint64_t fs0 = rdmsr(MSR_FS_BASE);
	long dr0 = HYPERVISOR_get_debugreg(0);

	EXPECT(smp_worker_alive(1), "vCPU 1 is not running");
	if (!smp_run(1, own_state_job, &s))
		return;
	test_check(s.rc_ts, 0, "fpu_taskswitch(1) on vCPU 1");
	test_check((long)s.nm_traps, 1, "#NM on vCPU 1");
	test_check((long)smp_traps[1].vector, 7, "its vector");
	test_check((long)smp_traps[1].owner, 2, "its handler: vCPU 1's (the table it set)");
	test_check((long)s.traps_after, 1, "no second #NM (delivery cleared TS)");
	__asm__ volatile("fnop" ::: "memory");
	test_check((long)(smp_traps[0].count - n0 + cpu_last.count - c0), 0,
		   "fnop on vCPU 0: no #NM (its TS is its own)");
	test_check(s.rc_dr, 0, "set_debugreg(0) on vCPU 1");
	test_check(s.rc_fs, 0, "set_segment_base(FS) on vCPU 1");
	test_check(HYPERVISOR_get_debugreg(0), dr0, "vCPU 0's DR0 unchanged");
	test_check((long)rdmsr(MSR_FS_BASE), (long)fs0, "vCPU 0's FS base unchanged");
	/* After some switches, vCPU 1 still has its own. */
	for (int i = 0; i < 10; i++)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	if (!smp_run(1, read_state_job, &s))
		return;
	test_check((long)s.fs_base, 0x2000, "vCPU 1's FS base kept");
	test_check((long)s.dr0, (long)&s.dr0, "vCPU 1's DR0 kept");
}

/* ---- runstate, down and up --------------------------------------------- */

static void spin_job(void *arg)
{
	spin_tsc(*(uint64_t *)arg);
}

void case_smp_runstate_running(void)
{
	struct vcpu_runstate_info a, b;
	uint64_t cycles = 20000000;

	EXPECT(smp_worker_alive(1), "vCPU 1 is not running");
	EXPECT_EQ(smp_runstate(1, &a), 0, "get_runstate_info(1)");
	test_check(a.state == RUNSTATE_running || a.state == RUNSTATE_runnable, 1,
		   "vCPU 1 running or waiting to run");
	if (!smp_run(1, spin_job, &cycles))
		return;
	EXPECT_EQ(smp_runstate(1, &b), 0, "get_runstate_info(1) again");
	test_check(b.time[RUNSTATE_running] > a.time[RUNSTATE_running], 1,
		   "vCPU 1's running time grew while it spun");
	runstate_grew(&a, &b, "vCPU 1");
}

static void wake_vcpu0_job(void *arg)
{
	long *rc = arg;
	unsigned long i;

	for (i = 0; i < SMP_WAIT_YIELDS && is_up(0); i++)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	rc[0] = (long)i;
	rc[1] = vcpu_op(VCPUOP_up, 0, NULL);
}

/* vCPU 0 takes itself down; vCPU 1 sees it down and brings it back. */
void case_smp_down_self(void)
{
	struct vcpu_runstate_info a, b;
	long rc[2] = { -1, -1 };

	EXPECT(smp_worker_alive(1), "vCPU 1 is not running");
	EXPECT_EQ(smp_runstate(0, &a), 0, "get_runstate_info(0)");
	smp_post(1, wake_vcpu0_job, rc);
	EXPECT_EQ(vcpu_op(VCPUOP_down, 0, NULL), 0, "down ourselves (returns once up)");
	if (!smp_wait_job(1))
		return;
	test_check(rc[0] < (long)SMP_WAIT_YIELDS, 1, "vCPU 1 saw vCPU 0 down");
	test_check(rc[1], 0, "vCPU 1 brought vCPU 0 up");
	test_check(is_up(0), 1, "is_up(0)");
	EXPECT_EQ(smp_runstate(0, &b), 0, "get_runstate_info(0) again");
	/*
	 * Whether vCPU 0 really left its CPU is a race on two CPUs: vCPU 1
	 * may bring it up before its CPU gets to stop it (Xen stops it
	 * asynchronously).  Only the order of the times is certain.
	 */
	TEST_NOTE("vCPU 0 offline for %lu ns\n",
		  (unsigned long)(b.time[RUNSTATE_offline] - a.time[RUNSTATE_offline]));
	runstate_grew(&a, &b, "vCPU 0");
}

static volatile unsigned long jobs_run;

static void count_job(void *arg)
{
	__atomic_add_fetch(&jobs_run, 1, __ATOMIC_RELEASE);
}

/*
 * vCPU 1 down: it runs nothing and is offline; up: it goes on where it
 * was.  Meanwhile its vcpu_info moves: only while it is down may another
 * vCPU move it, and only once.
 */
void case_smp_down_up(void)
{
	struct vcpu_register_vcpu_info info = { 0 };
	struct vcpu_runstate_info r;
	struct vcpu_info *old = smp_vcpu_info(1), *moved;
	unsigned long pfn, idx, before;
	uint8_t *page;

	EXPECT(smp_worker_alive(1), "vCPU 1 is not running");
	pfn = pool_alloc(true);
	idx = scratch_take(1);
	EXPECT(pfn && idx, "a pool frame and a scratch page");
	EXPECT_EQ(scratch_map(&mm_scratch, idx, pfn_mfn(pfn), DATA_RW), 0,
		  "map the future vcpu_info page");
	page = (uint8_t *)scratch_va(&mm_scratch, idx);
	info.mfn = pfn_mfn(pfn);
	info.offset = 128;
	test_check(vcpu_op(VCPUOP_register_vcpu_info, 1, &info), -XEN_EINVAL,
		   "register_vcpu_info for vCPU 1 while it is up");
	EXPECT_EQ(vcpu_op(VCPUOP_down, 1, NULL), 0, "down vCPU 1");
	test_check(is_up(1), 0, "is_up(1) after down");
	/* Another CPU may take a moment to stop it (Xen does it asynchronously). */
	for (unsigned long i = 0; i < SMP_WAIT_YIELDS; i++) {
		EXPECT_EQ(smp_runstate(1, &r), 0, "get_runstate_info(1)");
		if (r.state == RUNSTATE_offline)
			break;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	test_check(r.state, RUNSTATE_offline, "vCPU 1 offline");
	before = jobs_run;
	smp_post(1, count_job, NULL);
	for (int i = 0; i < 1000; i++)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	test_check((long)(jobs_run - before), 0, "vCPU 1 runs nothing while down");
	old->evtchn_upcall_mask = 1;
	EXPECT_EQ(vcpu_op(VCPUOP_register_vcpu_info, 1, &info), 0,
		  "register_vcpu_info for vCPU 1 while it is down");
	moved = (struct vcpu_info *)(page + 128);
	smp_vcpu_info_moved(1, moved);
	test_check(moved->evtchn_upcall_mask, 1, "the mask carried over");
	test_check(moved->evtchn_upcall_pending, 1, "upcall_pending set");
	test_check((long)moved->evtchn_pending_sel, -1L, "pending_sel all ones");
	test_check(vcpu_op(VCPUOP_register_vcpu_info, 1, &info), -XEN_EINVAL,
		   "register_vcpu_info a second time");
	test_check(mm_check_frames(), 0, "Koan's frame check (the vcpu_info frame)");
	EXPECT_EQ(vcpu_op(VCPUOP_up, 1, NULL), 0, "up vCPU 1 again");
	test_check(is_up(1), 1, "is_up(1) after up");
	if (!smp_wait_job(1))
		return;
	test_check((long)(jobs_run - before), 1, "the job waiting for it ran");
}

static void fault_job(void *arg)
{
	__asm__ volatile(SMP_FAULT("movq 0x10008, %%rax")
			 : SMP_FAULT_OUT(1) :: "rax", "memory");
}

/* vCPU 1's #PF address goes to its vcpu_info where it now lives. */
void case_smp_moved_vcpu_info(void)
{
	unsigned long n1 = smp_traps[1].count;

	EXPECT(smp_worker_alive(1), "vCPU 1 is not running");
	EXPECT(smp_vcpu_info(1) != &cpu_shared_info()->vcpu_info[1],
	       "smp_down_up did not move vCPU 1's vcpu_info");
	if (!smp_run(1, fault_job, NULL))
		return;
	test_check((long)smp_traps[1].count, (long)n1 + 1, "one trap on vCPU 1");
	test_check((long)smp_traps[1].vector, 14, "#PF");
	test_check((long)smp_traps[1].cr2, 0x10008, "cr2 in the moved vcpu_info");
}

static void block_job(void *arg)
{
	struct vcpu_info *vi = smp_vcpu_info(1);

	/* Nothing pending (registration marked everything), or block returns at once. */
	vi->evtchn_pending_sel = 0;
	vi->evtchn_upcall_pending = 0;
	HYPERVISOR_sched_op(SCHEDOP_block, NULL);
	/* Nothing wakes it in this suite. */
}

/* Last: vCPU 1 blocks for good (no event source), still up, events unmasked. */
void case_smp_block(void)
{
	struct vcpu_runstate_info r, b;
	unsigned long i;

	EXPECT(smp_worker_alive(1), "vCPU 1 is not running");
	smp_vcpu_info(1)->evtchn_upcall_mask = 1;
	smp_post(1, block_job, NULL);
	for (i = 0; i < SMP_WAIT_YIELDS; i++) {
		EXPECT_EQ(smp_runstate(1, &r), 0, "get_runstate_info(1)");
		if (r.state == RUNSTATE_blocked)
			break;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	test_check(r.state, RUNSTATE_blocked, "vCPU 1 blocked");
	test_check(smp_job_done(1), 0, "block did not return");
	test_check(is_up(1), 1, "a blocked vCPU is up");
	test_check(smp_vcpu_info(1)->evtchn_upcall_mask, 0, "block unmasked its events");
	spin_tsc(10000000);
	EXPECT_EQ(smp_runstate(1, &b), 0, "get_runstate_info(1) again");
	test_check(b.state, RUNSTATE_blocked, "vCPU 1 still blocked");
	test_check(b.time[RUNSTATE_blocked] > r.time[RUNSTATE_blocked], 1,
		   "vCPU 1's blocked time grows");
	runstate_grew(&r, &b, "vCPU 1");
}

/* vCPU 0 moves its own vcpu_info (the way Linux does on every CPU). */
void case_smp_register_vcpu_info_self(void)
{
	struct vcpu_register_vcpu_info info = { 0 };
	struct vcpu_info *old = cpu_vcpu(), *moved;
	unsigned long pfn, idx;
	uint8_t *page;

	pfn = pool_alloc(true);
	idx = scratch_take(1);
	EXPECT(pfn && idx, "a pool frame and a scratch page");
	EXPECT_EQ(scratch_map(&mm_scratch, idx, pfn_mfn(pfn), DATA_RW), 0,
		  "map the new vcpu_info page");
	page = (uint8_t *)scratch_va(&mm_scratch, idx);
	info.mfn = pfn_mfn(pfn);
	info.offset = 4032;		/* the last place that fits */
	old->evtchn_upcall_mask = 1;
	old->arch.cr2 = 0x1234000;
	EXPECT_EQ(vcpu_op(VCPUOP_register_vcpu_info, 0, &info), 0,
		  "register_vcpu_info for ourselves");
	moved = (struct vcpu_info *)(page + 4032);
	smp_vcpu_info_moved(0, moved);
	test_check(moved->evtchn_upcall_mask, 1, "the mask carried over");
	test_check((long)moved->arch.cr2, 0x1234000, "cr2 carried over");
	test_check(moved->evtchn_upcall_pending, 1, "upcall_pending set");
	test_check(vcpu_op(VCPUOP_register_vcpu_info, 0, &info), -XEN_EINVAL,
		   "a second time");
	test_check(mm_check_frames(), 0, "Koan's frame check");
}
