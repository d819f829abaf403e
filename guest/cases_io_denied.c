// SPDX-License-Identifier: MIT
/*
 * What the hypervisor keeps of the machine's I/O, seen by a kernel that
 * asked for I/O privilege.  Xen 4.17 denies even dom0 the PICs, the PIT,
 * its serial port, and the local APIC inside the MSI window; Koan keeps
 * the same.  A denied port is absent: reads give all ones and writes are
 * dropped, with no trap; a denied frame cannot be mapped: -EPERM.  A domU
 * has no I/O rights at all, so it sees the same answers.
 *
 * Not refereed here, because Koan differs on purpose (docs/cpu.md, "I/O
 * ports and device memory"): QEMU's exit port 0x501 and the reset register
 * 0xcf9, which Xen leaves to dom0 and Koan keeps (only a write to 0x501,
 * dropped by both, is checked), and the IO-APIC page, which Xen maps
 * read-only for dom0 (RW silently cleared) and Koan refuses.
 *
 * cpu suite: cpu_io_denied_ports.  mm suite: mm_map_apic_frames.
 */
#include <xen/errno.h>

#include <guest/cpu.h>
#include <guest/hypercall.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>

#define QEMU_EXIT_PORT 0x501	/* isa-debug-exit, where present */

/* in of `size` bytes at port (dx form) over a marker; -1, or the trap's vector. */
static long port_in(uint16_t port, unsigned int size, uint32_t *val)
{
	uint32_t v = 0x5a5a5a5a;

	cpu_trap_reset();
	if (size == 1)
		__asm__ volatile(CPU_FAULT("inb %%dx, %%al") : "+a"(v) : "d"(port) : "memory");
	else if (size == 2)
		__asm__ volatile(CPU_FAULT("inw %%dx, %%ax") : "+a"(v) : "d"(port) : "memory");
	else
		__asm__ volatile(CPU_FAULT("inl %%dx, %%eax") : "+a"(v) : "d"(port) : "memory");
	*val = v;
	return cpu_last.count ? (long)cpu_last.regs.vector : -1;
}

static long port_outw(uint16_t port, uint16_t val)
{
	cpu_trap_reset();
	__asm__ volatile(CPU_FAULT("outw %%ax, %%dx") :: "a"(val), "d"(port) : "memory");
	return cpu_last.count ? (long)cpu_last.regs.vector : -1;
}

/* Read port and expect all ones in its width (the rest of eax kept). */
static void expect_absent(uint16_t port, unsigned int size, const char *what)
{
	static const uint32_t ones[] = { 0, 0x5a5a5aff, 0x5a5affff, 0, 0xffffffff };
	char line[80];
	uint32_t v;

	snprintf(line, sizeof(line), "%s: in%c 0x%x", what, "?bw?l"[size], port);
	if (test_check(port_in(port, size, &v), -1, line))
		test_check(v, ones[size], line);
}

void case_cpu_io_denied_ports(void)
{
	if (!cpu_init())
		return;
	test_check(cpu_set_iopl(1), 0, "set_iopl(1)");
	expect_absent(0x3fd, 1, "COM1 line status");
	expect_absent(0x3f9, 1, "COM1 interrupt enable");
	expect_absent(0x3f8, 4, "COM1, 4 bytes");
	expect_absent(0x20, 1, "master PIC");
	expect_absent(0xa0, 1, "slave PIC");
	expect_absent(0x40, 1, "PIT counter 0");
	expect_absent(0x41, 1, "PIT counter 1");
	/*
	 * Xen leaves 0x501 to dom0 (nothing is there in its runs, reads give
	 * 0); Koan keeps it, and reaching QEMU's exit device would end the
	 * run here.  Writing is the check both referees agree on.
	 */
	test_check(port_outw(QEMU_EXIT_PORT, 0), -1, "outw 0x501 traps");
	test_check(cpu_set_iopl(0), 0, "set_iopl(0)");
}

/* Map mfn at scratch page idx with flags; on success take it out again. */
static long try_map(unsigned long idx, unsigned long mfn, uint64_t flags)
{
	long rc = scratch_map(&mm_scratch, idx, mfn, flags);

	if (rc == 0) {
		scratch_unmap(&mm_scratch, idx);
		mmuext1(MMUEXT_INVLPG_LOCAL, scratch_va(&mm_scratch, idx), 0);
	}
	return rc;
}

void case_mm_map_apic_frames(void)
{
	static const struct { unsigned long mfn; const char *what; } kept[] = {
		{ 0xfee00, "local APIC" }, { 0xfee01, "MSI window" },
		{ 0xfeeff, "MSI window top" },
	};
	bool priv = guest_privileged();
	unsigned long idx, va;
	unsigned int i;
	char what[80];

	if (!mm_init())
		return;
	EXPECT((idx = scratch_take(1)) && scratch_ensure(&mm_scratch, idx), "scratch page");
	va = scratch_va(&mm_scratch, idx);
	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		unsigned long mfn = kept[i].mfn;

		snprintf(what, sizeof(what), "%s 0x%lx writable", kept[i].what, mfn);
		test_check(try_map(idx, mfn, DATA_RW), -XEN_EPERM, what);
		snprintf(what, sizeof(what), "%s 0x%lx read-only", kept[i].what, mfn);
		test_check(try_map(idx, mfn, DATA_RO), -XEN_EPERM, what);
		snprintf(what, sizeof(what), "%s 0x%lx by update_va_mapping", kept[i].what, mfn);
		test_check(HYPERVISOR_update_va_mapping(va, pte_make(mfn, DATA_RO), UVMF_INVLPG),
			   -XEN_EPERM, what);
	}
	/* Their neighbours are ordinary device memory: dom0's, not a domU's. */
	test_check(try_map(idx, 0xfebff, DATA_RW), priv ? 0 : -XEN_EPERM,
		   "frame below the IO-APIC");
	test_check(try_map(idx, 0xfef00, DATA_RW), priv ? 0 : -XEN_EPERM,
		   "frame above the MSI window");
}
