// SPDX-License-Identifier: MIT
/*
 * The bench suite's segment-base benchmark (docs/cpu.md, "FSGSBASE"): what
 * a PV kernel pays to set and read its FS base -- the set_segment_base
 * hypercall, wrmsr/rdmsr (trapped and emulated), and, with CR4.FSGSBASE,
 * wrfsbase/rdfsbase, which run natively.  Linux's context switch does one
 * or the other for every task with a TLS; this is the cost of each in the
 * test guest, under the same -icount as the other benchmarks.
 */
#include <guest/bench.h>
#include <guest/cpu_priv.h>
#include <guest/guest.h>
#include <guest/lib.h>
#include <guest/test.h>

#define MSR_FS_BASE 0xc0000100u
#define FSBASE_DEFAULT_OPS 65536UL
#define FSBASE_A 0x7f0000001000UL
#define FSBASE_B 0x7f0000002000UL

enum fsbase_op { OP_HCALL, OP_WRMSR, OP_RDMSR, OP_WRFSBASE, OP_RDFSBASE };

static void fsbase_once(enum fsbase_op op, unsigned long v)
{
	uint32_t lo, hi;

	switch (op) {
	case OP_HCALL:
		HYPERVISOR_set_segment_base(SEGBASE_FS, v);
		break;
	case OP_WRMSR:
		__asm__ volatile("wrmsr" :: "c"(MSR_FS_BASE), "a"((uint32_t)v),
				 "d"((uint32_t)(v >> 32)) : "memory");
		break;
	case OP_RDMSR:
		__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_FS_BASE) : "memory");
		break;
	case OP_WRFSBASE:
		__asm__ volatile("wrfsbase %0" :: "r"(v) : "memory");
		break;
	case OP_RDFSBASE:
		__asm__ volatile("rdfsbase %0" : "=r"(v) :: "memory");
		break;
	}
}

/* n operations (two bases in turn), bracketed by the usual bench lines. */
static void fsbase_bench(const char *name, enum fsbase_op op, unsigned long n)
{
	uint64_t t0, t1;
	unsigned long i;

	for (i = 0; i < 1024; i++)
		fsbase_once(op, i & 1 ? FSBASE_A : FSBASE_B);
	guest_printf("bench-begin %s\n", name);
	t0 = tsc_read();
	for (i = 0; i < n; i++)
		fsbase_once(op, i & 1 ? FSBASE_A : FSBASE_B);
	t1 = tsc_read();
	guest_printf("bench-end %s unit=op ops=%lu tsc=%lu\n", name, n,
		     (unsigned long)(t1 - t0));
}

static unsigned long fsbase_ops(void)
{
	unsigned long n = guest_cmdline_ulong("bench-ops", FSBASE_DEFAULT_OPS);

	return n ? n : 1;
}

void case_bench_fsbase_hcall(void)
{
	if (cpu_init())
		fsbase_bench("fsbase_hcall", OP_HCALL, fsbase_ops());
	HYPERVISOR_set_segment_base(SEGBASE_FS, 0);
}

void case_bench_fsbase_wrmsr(void)
{
	if (cpu_init())
		fsbase_bench("fsbase_wrmsr", OP_WRMSR, fsbase_ops());
	HYPERVISOR_set_segment_base(SEGBASE_FS, 0);
}

void case_bench_fsbase_rdmsr(void)
{
	if (cpu_init())
		fsbase_bench("fsbase_rdmsr", OP_RDMSR, fsbase_ops());
}

/* The native instructions, with CR4.FSGSBASE set for the time of the loop. */
static void fsbase_native(const char *name, enum fsbase_op op)
{
	unsigned long cr4;

	if (!cpu_init())
		return;
	EXPECT(cpu_cpuid(7, 0).ebx & 1, "the CPU has no FSGSBASE to measure");
	EXPECT_EQ(cpu_read_cr4(&cr4), -1, "mov from %cr4");
	EXPECT_EQ(cpu_write_cr4(cr4 | CR4_FSGSBASE), -1, "mov to %cr4");
	fsbase_bench(name, op, fsbase_ops());
	cpu_write_cr4(cr4);
	HYPERVISOR_set_segment_base(SEGBASE_FS, 0);
}

void case_bench_fsbase_wrfsbase(void)
{
	fsbase_native("fsbase_wrfsbase", OP_WRFSBASE);
}

void case_bench_fsbase_rdfsbase(void)
{
	fsbase_native("fsbase_rdfsbase", OP_RDFSBASE);
}
