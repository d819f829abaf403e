// SPDX-License-Identifier: MIT
/*
 * cpu suite: the hypervisor's instruction decoder in the guest's code mode
 * and with its segment bases.  Port reads from user code in 32-bit and
 * 16-bit code segments of our GDT (with bases, so rip is an offset; the
 * operand size by mode; eip wrapping at 4 GiB; a CS limit that cuts the
 * instruction), and writes to a page table through segment-prefixed
 * addresses (ptwr).  Expected values are Xen 4.17's (docs/test-guest.md,
 * "The cpu suite"), except where Koan deliberately differs: Xen's ptwr
 * ignores FS/GS bases (docs/memory.md).
 */
#include <xen/errno.h>

#include <guest/cpu.h>
#include <guest/desc.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

extern char user_compat32_io[], user_compat32_io_end[], user_compat16_io[],
	user_compat16_io_end[], user_compat_wrap[],
	user_compat_limit[];
extern unsigned long user_cs_override;

#define PRESET 0x11223344UL

/* The exception frame that ended the last user program. */
static struct cpu_regs last_user;
static unsigned long user_bounces;

static bool record_hook(struct cpu_regs *r)
{
	if (r->vector < 32) {
		last_user = *r;
		user_bounces++;
	}
	return false;	/* user_trap ends the process */
}

/* Run the user program at eip with CS = sel; false if it could not run. */
static bool run_compat(unsigned long sel, unsigned long eip)
{
	bool ok;

	memset(&last_user, 0, sizeof(last_user));
	user_bounces = 0;
	cpu_hook = record_hook;
	user_cs_override = sel;
	ok = user_run(1, &eip, NULL);
	user_cs_override = 0;
	cpu_hook = NULL;
	cpu_vcpu()->evtchn_upcall_mask = 1;
	return ok;
}

static bool check_end(unsigned long vector, unsigned long eip, const char *what)
{
	bool ok = test_check((long)user_bounces, 1, what);

	ok &= test_check((long)last_user.vector, (long)vector, "its vector");
	ok &= test_check((long)last_user.rip, (long)eip, "its eip");
	if (!ok)
		TEST_NOTE("%s: vector %lu error 0x%lx rip 0x%lx cs 0x%lx\n", what,
			  (unsigned long)last_user.vector,
			  (unsigned long)last_user.error_code,
			  (unsigned long)last_user.rip, (unsigned long)last_user.cs);
	return ok;
}

/*
 * The four reads of the io programs, each into 0x11223344: a byte keeps
 * the upper 24 bits, a word the upper 16; the port answers the same value
 * at every width (the low byte of each agrees).
 */
static void check_reads(const char *mode)
{
	uint32_t b = (uint32_t)last_user.rbx, w = (uint32_t)last_user.rcx;
	uint32_t l = (uint32_t)last_user.rdi, b80 = (uint32_t)last_user.rsi;

	TEST_NOTE("%s: inb 0x%x inw 0x%x inl 0x%x inb $0x80 0x%x\n", mode, b, w, l, b80);
	test_check(b & 0xffffff00, PRESET & 0xffffff00, "inb keeps the upper 24 bits");
	test_check(w & 0xffff0000, PRESET & 0xffff0000, "inw keeps the upper 16 bits");
	test_check(b & 0xff, w & 0xff, "inb and inw read the same port");
	test_check(w & 0xffff, l & 0xffff, "inw and inl read the same port");
	test_check(b80 & 0xffffff00, PRESET & 0xffffff00, "inb $0x80 keeps the upper bits");
}

static unsigned long compat_gdt(void)
{
	unsigned long w32 = user_va(user_compat_wrap) + 2, lim = user_va(user_compat_limit);
	uint64_t d[5] = {
		0,
		/* 0x0b: 32-bit, base 1 MiB, 4 GiB */
		desc_make(0x100000, 0xfffff, DESC_ACC_CODE3, DESC_FLAG_G | DESC_FLAG_D),
		/* 0x13: 16-bit, based at its program, 64 KiB */
		desc_make((uint32_t)user_va(user_compat16_io), 0xffff, DESC_ACC_CODE3, 0),
		/* 0x1b: 32-bit, based 2 bytes past its program, 4 GiB */
		desc_make((uint32_t)w32, 0xfffff, DESC_ACC_CODE3, DESC_FLAG_G | DESC_FLAG_D),
		/* 0x23: 32-bit, limit at the first byte of its program */
		desc_make((uint32_t)(lim & ~0xfffUL), lim & 0xfff, DESC_ACC_CODE3, DESC_FLAG_D),
	};
	xen_pfn_t frames[1];
	unsigned long g = frame_new();

	if (!g || !frame_write(g, 0, d, 5)) {
		frame_put(g);
		return 0;
	}
	frames[0] = g;
	if (!test_check(HYPERVISOR_set_gdt(frames, 16), 0, "set_gdt of the code segments")) {
		frame_put(g);
		return 0;
	}
	return g;
}

void case_cpu_compat_port_io(void)
{
	unsigned long g, base16 = user_va(user_compat16_io);

	if (!cpu_init() || !(g = compat_gdt()))
		return;
	test_check(cpu_set_iopl(3), 0, "set_iopl(3)");
	/* 32-bit code at a base: the hypervisor fetches at base + eip. */
	if (run_compat(0x0b, user_va(user_compat32_io) - 0x100000) &&
	    check_end(3, user_va(user_compat32_io_end) + 1 - 0x100000,
		      "32-bit program ends after int3"))
		check_reads("32-bit");
	/* 16-bit code: `ed` reads a word, `66 ed` a long. */
	if (run_compat(0x13, 0) &&
	    check_end(3, user_va(user_compat16_io_end) + 1 - base16,
		      "16-bit program ends after int3"))
		check_reads("16-bit");
	/* `in` ending at offset 0xffffffff: eip wraps to 0, where int3 is. */
	if (run_compat(0x1b, 0xfffffffeUL) && check_end(3, 1, "wrapping program ends after int3"))
		test_check((long)(last_user.rax & 0xffffff00), 0,
			   "upper bits of eax (0) kept by inb");
	/* The second byte is past the limit: the CPU's #GP(0), nothing emulated. */
	if (run_compat(0x23, user_va(user_compat_limit) & 0xfff) &&
	    check_end(13, user_va(user_compat_limit) & 0xfff, "in across the CS limit"))
		test_check((long)last_user.error_code, 0, "its error code");
	test_check(cpu_set_iopl(0), 0, "set_iopl(0)");
	test_check(HYPERVISOR_set_gdt(NULL, 0), 0, "set_gdt of 0 entries");
	frame_put(g);
}

/* ---- ptwr through segment prefixes ----------------------------------- */

#define SEG_BASE 0x100000000UL		/* 4 GiB: any canonical base */

static long store_gs(volatile uint64_t *p, uint64_t v)
{
	cpu_trap_reset();
	__asm__ volatile(CPU_FAULT("movq %0, %%gs:(%1)")
			 :: "r"(v), "r"((unsigned long)p - SEG_BASE) : "memory");
	return cpu_last.count ? (long)cpu_last.regs.vector : 0;
}

static long store_fs0(volatile uint64_t *p, uint64_t v)
{
	cpu_trap_reset();
	__asm__ volatile(CPU_FAULT("movq %0, %%fs:(%1)") :: "r"(v), "r"(p) : "memory");
	return cpu_last.count ? (long)cpu_last.regs.vector : 0;
}

static long store_ss(volatile uint64_t *p, uint64_t v)
{
	cpu_trap_reset();
	__asm__ volatile(CPU_FAULT("movq %0, %%ss:(%1)") :: "r"(v), "r"(p) : "memory");
	return cpu_last.count ? (long)cpu_last.regs.vector : 0;
}

static long bts_gs(volatile uint64_t *p, unsigned int bit)
{
	cpu_trap_reset();
	__asm__ volatile(CPU_FAULT("lock btsq %0, %%gs:(%1)")
			 :: "r"((unsigned long)bit), "r"((unsigned long)p - SEG_BASE)
			 : "memory", "cc");
	return cpu_last.count ? (long)cpu_last.regs.vector : 0;
}

/* What the page at va shows now (0xd: frame d's pattern, 0: not mapped). */
static unsigned long seen(unsigned long va)
{
	uint64_t w = 0;

	mmuext1(MMUEXT_INVLPG_LOCAL, va, 0);
	cpu_trap_reset();
	__asm__ volatile(CPU_FAULT("mov (%1), %0") : "+r"(w) : "r"(va + 8) : "memory");
	if (cpu_last.count)
		return 0;
	return w == pattern_word(0xd, 1) ? 0xd : 0x5eed;
}

/*
 * Stores to a PTE of ours through its read-only mapping.  FS with a zero
 * base and the null SS prefix: both hypervisors emulate.  GS with a base:
 * the CPU wrote at base + offset, and Koan emulates that; Xen 4.17's ptwr
 * looks at the offset alone, so it refuses the store and the guest gets
 * the #PF of the original write.
 */
void case_cpu_ptwr_segment_prefixes(void)
{
	unsigned long idx, va, l1, d = 0;
	volatile uint64_t *e = NULL, *pte;
	uint64_t val;
	bool koan = cpu_on_koan();

	if (!cpu_init() || !(idx = scratch_take(1)) || !scratch_ensure(&mm_scratch, idx))
		return;
	va = scratch_va(&mm_scratch, idx);
	l1 = mm_scratch.l1_mfn[idx / 512];
	d = pfn_mfn(pool_alloc(false));
	if (!frame_fill(d, 0xd) || !(e = win_map(4, l1, DATA_RO)))
		goto out;
	pte = &e[idx % 512];
	val = pte_make(d, DATA_RO);
	test_check(store_fs0(pte, val), 0, "mov to %fs:(pte), FS base 0");
	test_check((long)seen(va), 0xd, "the page maps d");
	test_check(store_ss(pte, 0), 0, "mov to %ss:(pte): the null prefix");
	test_check((long)seen(va), 0, "the page is unmapped");
	test_check(HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, SEG_BASE), 0,
		   "kernel GS base 4 GiB");
	test_check(store_gs(pte, val), koan ? 0 : 14, "mov to %gs:(pte - base)");
	if (koan) {
		test_check((long)seen(va), 0xd, "the page maps d");
		test_check(bts_gs(pte, 63), 0, "lock bts $63, %gs:(pte - base)");
		test_check((long)(*pte >> 63), 1, "NX set");
	} else {
		test_check((long)cpu_last.regs.error_code, 3, "its error code");
		test_check((long)cpu_last.cr2, (long)pte, "its cr2");
		test_check((long)*pte, 0, "the entry unchanged");
	}
out:
	HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, 0);
	if (e) {
		mmu_update1(scratch_pte_ma(&mm_scratch, idx), 0);
		mmuext1(MMUEXT_INVLPG_LOCAL, va, 0);
		win_unmap(4);
	}
	if (d)
		pool_free(m2p_read(d));
}
