// SPDX-License-Identifier: MIT
/*
 * The fuzz suite's CPU hypercalls (guest/fuzz.c picks them among the MM
 * ones): set_trap_table, callback_op and set_callbacks, stack_switch,
 * set_segment_base, fpu_taskswitch, set_debugreg/get_debugreg, set_gdt and
 * update_descriptor on the fuzzer's frames, physdev set_iopl and vm_assist,
 * with random but not suicidal arguments.  Each call is followed at once by
 * the calls that put back what the guest relies on (our trap table and
 * callbacks or harmless ones, our kernel stack, bases 0, TS clear, DR7 0,
 * IOPL 0, writable page tables on), and those must succeed.  Nothing it
 * installs is ever used: no trap, event or segment load happens in between.
 */
#include <xen/errno.h>

#include <guest/cpu.h>
#include <guest/desc.h>
#include <guest/fuzz.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

#include "fuzz_mm.h"	/* pool_mfn, garbage_mfn */

/* Everything we register points here; it must never run. */
void fuzz_cpu_stray(void);
void fuzz_cpu_stray_hit(void);
__asm__(".text\n\t.globl fuzz_cpu_stray\n"
	"fuzz_cpu_stray:\n\tand $-16, %rsp\n\tcall fuzz_cpu_stray_hit\n\tud2\n");
void fuzz_cpu_stray_hit(void)
{
	guest_printf("fuzz: a callback or trap handler the fuzzer registered "
		     "ran\n");
	guest_shutdown(SHUTDOWN_crash);
}

#define GDT_FRAMES 2

static struct {
	struct trap_info traps[8];
	struct callback_register cb;
	struct callback_unregister uncb;
	xen_pfn_t frames[16];
	unsigned long gdt_mfn[GDT_FRAMES];
	unsigned long gdt_pfn[GDT_FRAMES];
	unsigned long dr[8];		/* debug registers before fuzzing */
	unsigned long restore_failures;
	unsigned long stack[256] __attribute__((aligned(16)));
} fc;

#define below fuzz_below
#define chance fuzz_chance

static void restore_check(long rc, const char *what)
{
	if (rc) {
		if (!fc.restore_failures)
			guest_printf("# fuzz: restoring %s: %ld\n", what, rc);
		fc.restore_failures++;
	}
}

/* An address for a handler or a breakpoint: never one the guest uses. */
static unsigned long rand_addr(void)
{
	static const unsigned long odd[] = {
		0, 0x10000, 0x0000800000000000UL, 0x00007ffffffff000UL,
		0xffff800000000000UL, 0xffff830000000000UL,
		0xffff87ffffffffffUL, 0xffff880000000000UL,
		0x8000000000000000UL, ~0UL,
	};

	switch (below(4)) {
	case 0:
		return (unsigned long)fuzz_cpu_stray;
	case 1:
		return odd[below(sizeof(odd) / sizeof(odd[0]))];
	case 2:
		return fuzz_rnd();
	default:	/* the fuzzer's own scratch range (L4 slot 4) */
		return (4UL << 39) + below(1UL << 21);
	}
}

static unsigned long rand_ptr(const void *real)
{
	static const unsigned long bad[] = { 0, 0x10000, 0xffff830000000000UL,
					     0x0000800000000000UL };

	return chance(95) ? (unsigned long)real : bad[below(4)];
}

static uint64_t rand_desc(void)
{
	static const uint64_t kinds[] = {
		DESC_CODE64, DESC_DATA, DESC_CODE32, DESC_TSS64, DESC_LDT64,
		DESC_SYS(0), DESC_SYS(0xe), DESC_SYS(0xf), DESC_SYS(0x4),
		DESC_SYS(0xc), 0,
	};
	uint64_t d;

	switch (below(4)) {
	case 0:
		return fuzz_rnd();
	case 1:
		d = desc_call_gate((uint16_t)fuzz_rnd(), fuzz_rnd(), below(4));
		break;
	default:
		d = kinds[below(sizeof(kinds) / sizeof(kinds[0]))];
	}
	d |= DESC_DPL(below(4));
	if (chance(10))
		d &= ~DESC_P;
	if (chance(5))
		d |= 1UL << (32 + below(8));	/* reserved / parameter bits */
	return d;
}

static unsigned long rand_desc_mfn(void)
{
	unsigned int r = below(100);

	if (r < 60)
		return fc.gdt_mfn[below(GDT_FRAMES)];
	if (r < 85)
		return pool_mfn();
	return garbage_mfn();
}

static void restore_traps_and_callbacks(void)
{
	static const unsigned int types[] = {
		CALLBACKTYPE_syscall32, CALLBACKTYPE_sysenter,
	};
	unsigned int i;

	if (cpu_initialised()) {
		restore_check(cpu_load_trap_table(), "our trap table");
		restore_check(cpu_register_callbacks(), "our callbacks");
	} else {
		restore_check(HYPERVISOR_set_trap_table(NULL), "a NULL trap table");
		restore_check(HYPERVISOR_set_callbacks(
				      (unsigned long)fuzz_cpu_stray,
				      (unsigned long)fuzz_cpu_stray,
				      (unsigned long)fuzz_cpu_stray),
			      "set_callbacks");
	}
	for (i = 0; i < 2; i++) {
		memset(&fc.cb, 0, sizeof(fc.cb));
		fc.cb.type = (uint16_t)types[i];
		fc.cb.address = (unsigned long)fuzz_cpu_stray;
		restore_check(HYPERVISOR_callback_op(CALLBACKOP_register, &fc.cb),
			      "syscall32/sysenter callbacks");
	}
	fc.uncb.type = CALLBACKTYPE_nmi;
	restore_check(HYPERVISOR_callback_op(CALLBACKOP_unregister, &fc.uncb),
		      "unregister nmi");
}

static long call_trap_table(void)
{
	unsigned int n = below(8), i;
	long rc;

	memset(fc.traps, 0, sizeof(fc.traps));
	for (i = 0; i < n; i++) {
		fc.traps[i].vector = (uint8_t)fuzz_rnd();
		fc.traps[i].flags = (uint8_t)fuzz_rnd();
		fc.traps[i].cs = (uint16_t)fuzz_rnd();
		fc.traps[i].address = rand_addr();
	}
	for (i = 0; fuzz_tracing() && i < n; i++)
		fuzz_trace("  trap %u: vector %u flags 0x%x cs 0x%x address 0x%lx", i,
			   fc.traps[i].vector, fc.traps[i].flags, fc.traps[i].cs,
			   (unsigned long)fc.traps[i].address);
	rc = HYPERVISOR_set_trap_table(chance(5) ? NULL :
				       (void *)rand_ptr(fc.traps));
	restore_traps_and_callbacks();
	return fuzz_done("set_trap_table", rc, NULL);
}

static long call_callbacks(void)
{
	long rc;

	if (chance(15)) {
		unsigned long a = rand_addr(), b = rand_addr(), c = rand_addr();

		fuzz_trace("set_callbacks(0x%lx, 0x%lx, 0x%lx)", a, b, c);
		rc = fuzz_done("set_callbacks", HYPERVISOR_set_callbacks(a, b, c),
			       NULL);
	} else if (chance(30)) {
		fc.uncb.type = (uint16_t)(chance(80) ? below(8) : fuzz_rnd());
		fuzz_trace("callback_op(unregister, type %u)", fc.uncb.type);
		rc = fuzz_done("callback_unregister", HYPERVISOR_callback_op(
				       CALLBACKOP_unregister,
				       (void *)rand_ptr(&fc.uncb)), NULL);
	} else {
		fc.cb.type = (uint16_t)(chance(80) ? below(8) : fuzz_rnd());
		fc.cb.flags = (uint16_t)(chance(80) ? below(2) : fuzz_rnd());
		fc.cb.address = rand_addr();
		fuzz_trace("callback_op(register, type %u flags 0x%x address 0x%lx)",
			   fc.cb.type, fc.cb.flags, (unsigned long)fc.cb.address);
		rc = fuzz_done("callback_register", HYPERVISOR_callback_op(
				       chance(95) ? CALLBACKOP_register :
				       below(2) ? 2 : ~0UL,
				       (void *)rand_ptr(&fc.cb)), NULL);
	}
	restore_traps_and_callbacks();
	return rc;
}

static long call_stack_switch(void)
{
	static const unsigned long ss[] = { FLAT_KERNEL_SS, 0, 0x1234, 0xe033,
					    0xffff };
	long rc = HYPERVISOR_stack_switch(chance(50) ? FLAT_KERNEL_SS :
					  ss[below(5)] | (below(2) ? fuzz_rnd() << 16 : 0),
					  rand_addr());

	restore_check(HYPERVISOR_stack_switch(FLAT_KERNEL_SS,
					      (unsigned long)&fc.stack[256]),
		      "stack_switch");
	return fuzz_done("stack_switch", rc, NULL);
}

static long call_segment_base(void)
{
	unsigned long which = chance(90) ? below(4) : fuzz_rnd() % 1000;
	unsigned long base;
	long rc;

	if (which == SEGBASE_GS_USER_SEL)
		base = chance(50) ? below(0x10000) :
		       chance(50) ? (0xe000UL | below(0x100)) : fuzz_rnd();
	else
		base = rand_addr();
	rc = HYPERVISOR_set_segment_base(which, base);
	restore_check(HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, 0),
		      "the user %gs");
	restore_check(HYPERVISOR_set_segment_base(SEGBASE_FS, 0), "FS base");
	restore_check(HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, 0),
		      "kernel GS base");
	restore_check(HYPERVISOR_set_segment_base(SEGBASE_GS_USER, 0),
		      "user GS base");
	return fuzz_done("set_segment_base", rc, NULL);
}

static long call_fpu_taskswitch(void)
{
	long rc = HYPERVISOR_fpu_taskswitch(chance(90) ? below(2) : fuzz_rnd());

	restore_check(HYPERVISOR_fpu_taskswitch(0), "fpu_taskswitch(0)");
	return fuzz_done("fpu_taskswitch", rc, NULL);
}

static long call_debugreg(void)
{
	unsigned long reg = chance(90) ? below(10) : fuzz_rnd();
	unsigned long v;
	long rc;

	if (chance(30)) {
		fuzz_trace("get_debugreg(%lu)", reg);
		return fuzz_done("get_debugreg", HYPERVISOR_get_debugreg(reg), NULL);
	}
	if (reg >= 4 && reg != 6 && chance(80)) {
		/* DR7 (and DR4/5): enables, lengths, types, GD, reserved. */
		v = fuzz_rnd() & (chance(50) ? 0xffff00ffUL : ~0UL);
		if (chance(50))
			v &= ~(1UL << 13);	/* GD */
	} else if (reg == 6) {
		v = chance(50) ? 0xffff0ff0UL | below(16) : fuzz_rnd();
	} else {
		v = rand_addr();
	}
	fuzz_trace("set_debugreg(%lu, 0x%lx)", reg, v);
	rc = HYPERVISOR_set_debugreg(reg, v);
	restore_check(HYPERVISOR_set_debugreg(7, 0), "DR7 = 0");
	return fuzz_done("set_debugreg", rc, NULL);
}

static long call_gdt(void)
{
	unsigned int n, i;
	unsigned long entries;

	if (chance(60)) {
		uint64_t ma = ((uint64_t)rand_desc_mfn() << 12) |
			      (below(512) * 8);

		if (chance(5))
			ma += 1 + below(7);
		return fuzz_done("update_descriptor",
				 HYPERVISOR_update_descriptor(ma, rand_desc()), NULL);
	}
	n = 1 + below(GDT_FRAMES);
	for (i = 0; i < 16; i++)
		fc.frames[i] = i < n ? rand_desc_mfn() : garbage_mfn();
	switch (below(6)) {
	case 0:
		entries = 0;
		break;
	case 1:
		entries = 7168 + below(2);
		break;
	case 2:
		entries = (1UL << 32) | (1 + below(512 * n));
		break;
	default:
		entries = 1 + below(512 * n);
	}
	{
		unsigned long list = rand_ptr(fc.frames);

		fuzz_trace("set_gdt(0x%lx, 0x%lx)", list, entries);
		return fuzz_done("set_gdt", HYPERVISOR_set_gdt((void *)list, entries),
				 NULL);
	}
}

static long call_iopl(void)
{
	long rc = cpu_set_iopl(chance(80) ? below(5) : (unsigned int)fuzz_rnd());

	restore_check(cpu_set_iopl(0), "IOPL 0");
	return fuzz_done("set_iopl", rc, NULL);
}

static void restore_vm_assists(void)
{
	restore_check(HYPERVISOR_vm_assist(VMASST_CMD_enable,
					   VMASST_TYPE_writable_pagetables),
		      "writable page tables");
	HYPERVISOR_vm_assist(VMASST_CMD_disable, VMASST_TYPE_architectural_iopl);
	HYPERVISOR_vm_assist(VMASST_CMD_disable, VMASST_TYPE_m2p_strict);
	HYPERVISOR_vm_assist(VMASST_CMD_disable, VMASST_TYPE_4gb_segments);
	HYPERVISOR_vm_assist(VMASST_CMD_disable,
			     VMASST_TYPE_4gb_segments_notify);
}

static long call_vm_assist(void)
{
	long rc = HYPERVISOR_vm_assist(chance(90) ? below(2) : fuzz_rnd(),
				       chance(90) ? below(34) : fuzz_rnd());

	restore_vm_assists();
	return fuzz_done("vm_assist", rc, NULL);
}

long fuzz_cpu_call(void)
{
	static long (*const calls[])(void) = {
		call_trap_table, call_callbacks, call_stack_switch,
		call_segment_base, call_fpu_taskswitch, call_debugreg,
		call_gdt, call_gdt, call_gdt, call_iopl, call_vm_assist,
	};

	return calls[below(sizeof(calls) / sizeof(calls[0]))]();
}

bool fuzz_cpu_setup(void)
{
	unsigned int i;

	memset(&fc, 0, sizeof(fc));
	for (i = 0; i < GDT_FRAMES; i++) {
		fc.gdt_pfn[i] = pool_alloc(true);
		if (!fc.gdt_pfn[i])
			return false;
		fc.gdt_mfn[i] = pfn_mfn(fc.gdt_pfn[i]);
	}
	for (i = 0; i < 8; i++)
		fc.dr[i] = (unsigned long)HYPERVISOR_get_debugreg(i);
	return true;
}

/* Undo what may outlive the fuzzer; the number of restore failures. */
unsigned long fuzz_cpu_cleanup(void)
{
	unsigned int i;

	restore_check(HYPERVISOR_set_gdt(NULL, 0), "set_gdt of 0 entries");
	restore_check(HYPERVISOR_set_debugreg(7, 0), "DR7 = 0");
	for (i = 0; i < 4; i++)
		restore_check(HYPERVISOR_set_debugreg(i, fc.dr[i]), "DR0-3");
	restore_check(HYPERVISOR_set_debugreg(6, fc.dr[6]), "DR6");
	restore_check(HYPERVISOR_set_debugreg(7, fc.dr[7]), "DR7");
	restore_traps_and_callbacks();
	restore_vm_assists();
	/* Our GDT frames are plain again (if the MM calls did not give
	 * them back: then they are not ours to return to the pool). */
	for (i = 0; i < GDT_FRAMES; i++)
		if (m2p_read(fc.gdt_mfn[i]) == fc.gdt_pfn[i] &&
		    pfn_mfn(fc.gdt_pfn[i]) == fc.gdt_mfn[i])
			pool_free(fc.gdt_pfn[i]);
	return fc.restore_failures;
}
