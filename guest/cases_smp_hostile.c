// SPDX-License-Identifier: MIT
/*
 * smp suite: what vcpu_op refuses, run while vCPU 1 is down and has no
 * context, so that nothing may change it -- contexts Xen 4.17 refuses
 * (VCPUOP_initialise) and hostile register_vcpu_info arguments.  Expected
 * values are Xen 4.17's (tests/system/test_smp_xen.py).
 */
#include <xen/errno.h>

#include <guest/cpu.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/smp.h>
#include <guest/test.h>

static struct vcpu_guest_context ctx;

static unsigned long kernel_mfn(const volatile void *va)
{
	return pfn_mfn(guest_va_to_pfn(va));
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

	EXPECT(smp_vcpus_found >= 2, "smp_setup found no second vCPU");
	EXPECT(mm_init(), "mm_init");
	beyond = mm.max_ram_page + 16;
	l1_pfn = pool_alloc(true);
	EXPECT(l1_pfn, "a pool frame");
	EXPECT_EQ(pin_table(1, pfn_mfn(l1_pfn)), 0, "pin an L1");
	bad_l4_pfn = make_bad_l4(data_mfn);
	EXPECT(bad_l4_pfn, "a frame that is no L4");
	{
		const struct bad_ctx cases[] = {
			{ "rip non-canonical", -XEN_EINVAL, set_rip, SMP_NONCANONICAL },
			{ "rsp non-canonical", -XEN_EINVAL, set_rsp, SMP_NONCANONICAL },
			{ "kernel_sp non-canonical", -XEN_EINVAL, set_ksp, SMP_NONCANONICAL },
			{ "fs_base non-canonical", -XEN_EINVAL, set_fs, SMP_NONCANONICAL },
			{ "gs_base_kernel non-canonical", -XEN_EINVAL, set_gsk, SMP_NONCANONICAL },
			{ "gs_base_user non-canonical", -XEN_EINVAL, set_gsu, SMP_NONCANONICAL },
			{ "event callback non-canonical", -XEN_EINVAL, set_ev, SMP_NONCANONICAL },
			{ "failsafe callback non-canonical", -XEN_EINVAL, set_fsafe, SMP_NONCANONICAL },
			{ "syscall callback non-canonical", -XEN_EINVAL, set_sysc, SMP_NONCANONICAL },
			{ "trap 14 non-canonical", -XEN_EINVAL, set_trap14, SMP_NONCANONICAL },
			{ "trap 200 non-canonical", -XEN_EINVAL, set_trap200, 0x0000800000000000UL },
			{ "LDT base not page-aligned", -XEN_EINVAL, set_ldt, 0x10008 },
			{ "LDT base non-canonical", -XEN_EINVAL, set_ldt, SMP_NONCANONICAL },
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
	test_check(vcpu_op(VCPUOP_initialise, 1, SMP_UNMAPPED), -XEN_EFAULT,
		   "context at an unmapped address");
	test_check(vcpu_op(VCPUOP_initialise, 1, (void *)0xffff830000000000UL),
		   -XEN_EFAULT, "context in the hypervisor");
	memset(&ctx, 0xff, sizeof(ctx));
	test_check(vcpu_op(VCPUOP_initialise, 0, &ctx), -XEN_EEXIST,
		   "vCPU 0 has a context (before any check of the new one)");
	test_check(vcpu_op(VCPUOP_up, 1, NULL), -XEN_EINVAL, "still no context");
	test_check(smp_is_up(1), 0, "vCPU 1 still down");
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

	EXPECT(smp_vcpus_found >= 2, "smp_setup found no second vCPU");
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
	test_check(vcpu_op(VCPUOP_register_vcpu_info, 1, SMP_UNMAPPED), -XEN_EFAULT,
		   "argument unmapped");
	test_check(unpin_table(pfn_mfn(l1_pfn)), 0, "unpin the L1");
	pool_free(l1_pfn);
	pool_free(plain_pfn);
	test_check(mm_check_frames(), 0, "Koan's frame check");
}
