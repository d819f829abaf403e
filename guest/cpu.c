// SPDX-License-Identifier: MIT
/*
 * Trap infrastructure of the cpu suite: our trap table and callbacks, the
 * C side of every bounce (record the frame exactly, then let the case's
 * hook, the user-mode handler or the kernel-mode recovery address decide
 * where to return), the shared_info mapping, forced-emulation CPUID.
 */
#include <xen/errno.h>

#include <guest/cpu.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

struct cpu_trap cpu_last;
volatile unsigned long cpu_resume_rip;
volatile unsigned long cpu_fault_rip;
volatile unsigned long cpu_probe_rflags, cpu_probe_rsp;
cpu_hook_t cpu_hook;

extern const unsigned long cpu_stub_table[36];
extern uint64_t cpu_failsafe_seg[4];

static bool cpu_ready;
static uint8_t shinfo_page[4096] __attribute__((aligned(4096)));

unsigned long cpu_stub(unsigned int vector)
{
	if (vector < 32)
		return cpu_stub_table[vector];
	if (vector >= 0x80 && vector <= 0x83)
		return cpu_stub_table[32 + vector - 0x80];
	return 0;
}

static struct vcpu_info *vcpu0_moved;

struct vcpu_info *cpu_vcpu(void)
{
	if (vcpu0_moved)
		return vcpu0_moved;
	return &((struct shared_info *)shinfo_page)->vcpu_info[0];
}

void cpu_vcpu_moved(struct vcpu_info *vi)
{
	vcpu0_moved = vi;
}

struct shared_info *cpu_shared_info(void)
{
	return (struct shared_info *)shinfo_page;
}

static bool vector_has_error(uint64_t v)
{
	return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21;
}

void cpu_trap_reset(void)
{
	memset(&cpu_last, 0, sizeof(cpu_last));
	cpu_resume_rip = 0;
}

/*
 * A failsafe callback no hook asked for: typically the hypervisor could
 * not reload a data selector when it switched this vCPU back in, wherever
 * the vCPU happened to be.  It is no fault of the instruction CPU_FAULT
 * armed -- cpu_resume_rip may be left over from an earlier probe that did
 * not fault, and resuming there would run a dead stack frame.  The
 * selectors are null now: fail the case and go on where the frame says,
 * as Linux's failsafe handler does.
 */
static void unexpected_failsafe(const struct cpu_regs *r)
{
	const uint64_t *s = cpu_last.failsafe_seg;

	guest_printf("# cpu: unexpected failsafe callback: rip 0x%lx, ds 0x%lx "
		     "es 0x%lx fs 0x%lx gs 0x%lx\n", (unsigned long)r->rip,
		     (unsigned long)s[0], (unsigned long)s[1],
		     (unsigned long)s[2], (unsigned long)s[3]);
	test_fail("unexpected failsafe callback at rip 0x%lx (gs 0x%lx)",
		  (unsigned long)r->rip, (unsigned long)s[3]);
}

/* Called by traps.S with the registers below the bounce frame. */
void cpu_trap_dispatch(struct cpu_regs *r);
void cpu_trap_dispatch(struct cpu_regs *r)
{
	unsigned long below = 16;

	cpu_last.count++;
	cpu_last.regs = *r;
	cpu_last.has_error = r->vector < 256 && vector_has_error(r->vector);
	if (cpu_last.has_error)
		below += 8;
	if (r->vector == CPU_VEC_FAILSAFE) {
		below += 32;
		memcpy(cpu_last.failsafe_seg, cpu_failsafe_seg,
		       sizeof(cpu_last.failsafe_seg));
	}
	cpu_last.frame = (unsigned long)&r->rip - below;
	cpu_last.cr2 = cpu_vcpu()->arch.cr2;
	cpu_last.mask_at_entry = cpu_vcpu()->evtchn_upcall_mask;

	/* Never return with TF still set: it would trap again at once. */
	if (r->vector == 1)
		r->rflags &= ~RFLAGS_TF;
	if (cpu_hook && cpu_hook(r))
		return;
	if (r->vector == CPU_VEC_EVENT) {
		cpu_vcpu()->evtchn_upcall_pending = 0;
		return;
	}
	if ((r->cs & 3) == 3) {
		user_trap(r);
		return;
	}
	if (r->vector == CPU_VEC_FAILSAFE) {
		unexpected_failsafe(r);
		return;
	}
	if (cpu_resume_rip) {
		r->rip = cpu_resume_rip;
		cpu_resume_rip = 0;
		return;
	}
	guest_printf("# cpu: unexpected trap: vector 0x%lx error 0x%lx rip 0x%lx "
		     "cs 0x%lx rflags 0x%lx rsp 0x%lx cr2 0x%lx\n",
		     (unsigned long)r->vector, (unsigned long)r->error_code,
		     (unsigned long)r->rip, (unsigned long)r->cs,
		     (unsigned long)r->rflags, (unsigned long)r->rsp,
		     (unsigned long)cpu_last.cr2);
	guest_printf("not ok: unexpected trap, crashing\n");
	guest_shutdown(SHUTDOWN_crash);
}

/*
 * Our trap table: every exception vector (DPL 0, but #BP, #OF and #BR
 * DPL 3 like Linux's int3/into gates), and the software-interrupt vectors
 * 0x80 (DPL 3), 0x81 (DPL 1), 0x82 (DPL 0), 0x83 (DPL 3, interrupt gate).
 */
static struct trap_info trap_table[40];

long cpu_load_trap_table(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < 32; i++) {
		trap_table[n].vector = (uint8_t)i;
		trap_table[n].flags = (i == 3 || i == 4 || i == 5) ? 3 : 0;
		trap_table[n].cs = FLAT_KERNEL_CS;
		trap_table[n].address = cpu_stub(i);
		n++;
	}
	for (i = 0x80; i <= 0x83; i++) {
		trap_table[n].vector = (uint8_t)i;
		trap_table[n].flags = i == CPU_VEC_SOFT_DPL3 ? 3 :
				      i == CPU_VEC_SOFT_DPL1 ? 1 :
				      i == CPU_VEC_SOFT_DPL0 ? 0 :
				      3 | CPU_TI_IGATE;
		trap_table[n].cs = FLAT_KERNEL_CS;
		trap_table[n].address = cpu_stub(i);
		n++;
	}
	memset(&trap_table[n], 0, sizeof(trap_table[n]));
	return HYPERVISOR_set_trap_table(trap_table);
}

long cpu_register_callbacks(void)
{
	struct callback_register cb[3] = {
		{ .type = CALLBACKTYPE_event,
		  .address = (unsigned long)cpu_entry_event },
		{ .type = CALLBACKTYPE_failsafe, .flags = CALLBACKF_mask_events,
		  .address = (unsigned long)cpu_entry_failsafe },
		{ .type = CALLBACKTYPE_syscall, .flags = CALLBACKF_mask_events,
		  .address = (unsigned long)cpu_entry_syscall },
	};
	unsigned int i;
	long rc;

	for (i = 0; i < 3; i++) {
		rc = HYPERVISOR_callback_op(CALLBACKOP_register, &cb[i]);
		if (rc)
			return rc;
	}
	return 0;
}

bool cpu_init(void)
{
	long rc;

	if (cpu_ready)
		return true;
	/* mm first: it measures the boot region, which we then change. */
	if (!mm_init())
		return false;
	rc = HYPERVISOR_update_va_mapping(
		(unsigned long)shinfo_page,
		pte_make(guest_start_info->shared_info >> 12, DATA_RW),
		UVMF_INVLPG | UVMF_LOCAL);
	if (rc) {
		test_fail("mapping shared_info: %ld", rc);
		return false;
	}
	rc = cpu_load_trap_table();
	if (rc) {
		test_fail("set_trap_table: %ld", rc);
		return false;
	}
	rc = cpu_register_callbacks();
	if (rc) {
		test_fail("callback_op(register): %ld", rc);
		return false;
	}
	cpu_ready = true;
	TEST_NOTE("cpu: trap table and callbacks registered, event mask %u\n",
		  cpu_vcpu()->evtchn_upcall_mask);
	return true;
}

bool cpu_initialised(void)
{
	return cpu_ready;
}

bool cpu_on_koan(void)
{
	static int koan = -1;

	if (koan < 0)
		koan = HYPERVISOR_koan_debug(KOAN_DEBUG_CHECK_FRAMES) != -XEN_ENOSYS;
	return koan;
}

struct cpuid_res cpu_cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_res r;

	__asm__ volatile("ud2; .ascii \"xen\"; cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "0"(leaf), "2"(subleaf)
			 : "memory");
	return r;
}

struct frame_expect cpu_kexpect(unsigned long vector, bool has_error,
				uint64_t error_code, uint64_t rip,
				unsigned int mask)
{
	struct frame_expect e = {
		.count = 1, .vector = vector, .has_error = has_error,
		.error_code = error_code, .rip = rip,
		.cs = (FLAT_KERNEL_CS & ~3UL) | ((uint64_t)mask << 32),
		.rflags = (cpu_probe_rflags & ~RFLAGS_IF) |
			  (mask ? 0 : RFLAGS_IF),
		.rsp = cpu_probe_rsp, .ss = FLAT_KERNEL_SS,
		.frame = (cpu_probe_rsp & ~15UL) - 8 * (has_error ? 8 : 7),
		.marked = true,
	};

	return e;
}

bool cpu_check_last(const struct frame_expect *e)
{
	const struct cpu_regs *r = &cpu_last.regs;
	bool ok = true;

	ok &= test_check((long)cpu_last.count, (long)e->count, "bounces");
	if (!cpu_last.count)
		return false;
	ok &= test_check((long)r->vector, (long)e->vector, "vector");
	ok &= test_check(cpu_last.has_error, e->has_error, "has error code");
	if (e->has_error)
		ok &= test_check((long)r->error_code, (long)e->error_code,
				 "error code");
	ok &= test_check((long)r->rip, (long)e->rip, "frame rip");
	ok &= test_check((long)r->cs, (long)e->cs, "frame cs");
	ok &= test_check((long)r->rflags, (long)e->rflags, "frame rflags");
	ok &= test_check((long)r->rsp, (long)e->rsp, "frame rsp");
	ok &= test_check((long)r->ss, (long)e->ss, "frame ss");
	if (e->frame)
		ok &= test_check((long)cpu_last.frame, (long)e->frame,
				 "frame address");
	if (e->marked) {
		ok &= test_check((long)r->rcx, (long)CPU_RCX, "frame rcx");
		ok &= test_check((long)r->r11, (long)CPU_R11, "frame r11");
	}
	return ok;
}

void cpu_note_last(const char *what)
{
	const struct cpu_regs *r = &cpu_last.regs;

	TEST_NOTE("%s: %lu bounce(s), vector 0x%lx err 0x%lx (%s) rip 0x%lx "
		  "cs 0x%lx rflags 0x%lx rsp 0x%lx ss 0x%lx frame 0x%lx "
		  "rcx 0x%lx r11 0x%lx cr2 0x%lx mask %u\n", what,
		  cpu_last.count, (unsigned long)r->vector,
		  (unsigned long)r->error_code,
		  cpu_last.has_error ? "has" : "none", (unsigned long)r->rip,
		  (unsigned long)r->cs, (unsigned long)r->rflags,
		  (unsigned long)r->rsp, (unsigned long)r->ss, cpu_last.frame,
		  (unsigned long)r->rcx, (unsigned long)r->r11,
		  (unsigned long)cpu_last.cr2, cpu_last.mask_at_entry);
}
