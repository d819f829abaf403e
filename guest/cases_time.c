// SPDX-License-Identifier: MIT
/*
 * time suite: guest time as a PV kernel finds it -- vCPU 0's pvclock in
 * its vcpu_info, system time read from it, the wallclock in shared_info,
 * and the time and runstate areas a vCPU may register
 * (VCPUOP_register_vcpu_time_memory_area, _runstate_memory_area), with
 * the addresses Xen refuses.  Expected values are Xen 4.17's
 * (tests/system/test_time.py).  Whether the pvclock says the TSC is
 * stable differs on purpose (docs/time.md): it is only noted.
 */
#include <xen/errno.h>

#include <guest/cpu.h>
#include <guest/hypercall.h>
#include <guest/lib.h>
#include <guest/smp.h>
#include <guest/test.h>
#include <guest/time.h>

#define HYP_ADDR 0xffff830000000000UL      /* inside the hypervisor's slots */
#define NONCANONICAL 0x0000800000000000UL
#define UNMAPPED_USER 0x10000UL            /* canonical, guest, mapped by nothing */

static struct vcpu_time_info time_area __attribute__((aligned(64)));
static struct vcpu_runstate_info runstate_area __attribute__((aligned(64)));

static void spin_ticks(uint64_t ticks)
{
	uint64_t end = tsc_read() + ticks;

	while (tsc_read() < end)
		;
}

void case_time_vcpu_info(void)
{
	struct vcpu_time_info t;

	EXPECT(cpu_init(), "cpu_init failed");
	time_info_read(&cpu_vcpu()->time, &t);
	uint64_t hz = time_info_hz(&t);
	TEST_NOTE("pvclock: version %u, mul %u, shift %d, flags %#x, %lu.%03lu MHz\n", t.version,
		  t.tsc_to_system_mul, t.tsc_shift, t.flags, (unsigned long)(hz / 1000000),
		  (unsigned long)(hz / 1000 % 1000));
	test_check(t.version % 2, 0, "version even once read");
	test_check(t.tsc_to_system_mul >= 1u << 31, 1, "mul normalised into [2^31, 2^32)");
	test_check(hz >= 10000000 && hz <= 100000000000ull, 1, "a TSC between 10 MHz and 100 GHz");
	test_check(t.system_time + 1 > 0, 1, "system time read");
}

void case_time_system_time_advances(void)
{
	struct vcpu_time_info t;
	uint64_t prev, now, t0, t1, ticks;

	time_info_read(&cpu_vcpu()->time, &t);
	prev = time_info_now(&t);
	for (int i = 0; i < 100000; i++) {
		time_info_read(&cpu_vcpu()->time, &t);
		now = time_info_now(&t);
		if (now < prev) {
			test_fail("system time went back %lu ns at read %d", (unsigned long)(prev - now), i);
			return;
		}
		prev = now;
	}
	ticks = time_info_hz(&t) / 100;		/* 10 ms */
	time_info_read(&cpu_vcpu()->time, &t);
	t0 = time_info_now(&t);
	spin_ticks(ticks);
	time_info_read(&cpu_vcpu()->time, &t);
	t1 = time_info_now(&t);
	TEST_NOTE("10 ms of TSC ticks read as %lu ns of system time\n", (unsigned long)(t1 - t0));
	/* At least 10 ms; more only if the spin was held up (a preempted QEMU thread). */
	test_check(t1 - t0 >= 9900000 && t1 - t0 <= 1000000000, 1, "10 ms of ticks read as 10 ms or more");
}

void case_time_wallclock(void)
{
	const volatile struct shared_info *si = cpu_shared_info();
	struct vcpu_time_info t;

	test_check(si->wc_version % 2, 0, "wc_version even");
	uint64_t base = time_wallclock_base(si);
	time_info_read(&cpu_vcpu()->time, &t);
	uint64_t now = base + time_info_now(&t);
	/* The system test compares this line with the host's clock. */
	guest_printf("time: wallclock now %lu s\n", (unsigned long)(now / 1000000000ull));
	test_check(now / 1000000000ull > 1577836800ull, 1, "the wallclock is past 2020");
}

static long register_area(unsigned int op, unsigned int vcpu, unsigned long addr)
{
	struct vcpu_register_time_memory_area a = { .addr.p = addr };

	return HYPERVISOR_vcpu_op(op, vcpu, &a);
}

/* The addresses both areas refuse (-EFAULT), and the ones they take without looking. */
static void area_addresses(unsigned int op, const char *what)
{
	char msg[96];

	snprintf(msg, sizeof(msg), "%s: an area in the hypervisor", what);
	test_check(register_area(op, 0, HYP_ADDR), -XEN_EFAULT, msg);
	snprintf(msg, sizeof(msg), "%s: a non-canonical area", what);
	test_check(register_area(op, 0, NONCANONICAL), -XEN_EFAULT, msg);
	snprintf(msg, sizeof(msg), "%s: the argument unmapped", what);
	test_check(HYPERVISOR_vcpu_op(op, 0, SMP_UNMAPPED), -XEN_EFAULT, msg);
	snprintf(msg, sizeof(msg), "%s: the argument in the hypervisor", what);
	test_check(HYPERVISOR_vcpu_op(op, 0, (void *)HYP_ADDR), -XEN_EFAULT, msg);
	snprintf(msg, sizeof(msg), "%s: an unmapped guest area (written later, or never)", what);
	test_check(register_area(op, 0, UNMAPPED_USER), 0, msg);
	snprintf(msg, sizeof(msg), "%s: no area (0)", what);
	test_check(register_area(op, 0, 0), 0, msg);
	snprintf(msg, sizeof(msg), "%s: a vCPU the domain lacks", what);
	test_check(register_area(op, 4096, (unsigned long)&time_area), -XEN_ENOENT, msg);
}

void case_time_register_time_area(void)
{
	struct vcpu_time_info mine, area;

	area_addresses(VCPUOP_register_vcpu_time_memory_area, "time area");
	memset(&time_area, 0xa5, sizeof(time_area));
	EXPECT_EQ(register_area(VCPUOP_register_vcpu_time_memory_area, 0,
				(unsigned long)&time_area), 0, "register our time area");
	time_info_read(&time_area, &area);
	time_info_read(&cpu_vcpu()->time, &mine);
	test_check(area.version % 2, 0, "written at once, version even");
	test_check(area.tsc_to_system_mul, mine.tsc_to_system_mul, "the vcpu_info's mul");
	test_check(area.tsc_shift, mine.tsc_shift, "the vcpu_info's shift");
	HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	time_info_read(&time_area, &area);
	uint64_t a = time_info_now(&area), b = time_info_now(&mine);
	test_check((a > b ? a - b : b - a) < 1000000, 1, "it tells the vcpu_info's time (within 1 ms)");
}

void case_time_register_runstate_area(void)
{
	struct vcpu_time_info t;

	area_addresses(VCPUOP_register_runstate_memory_area, "runstate area");
	memset(&runstate_area, 0xa5, sizeof(runstate_area));
	EXPECT_EQ(register_area(VCPUOP_register_runstate_memory_area, 0,
				(unsigned long)&runstate_area), 0, "register our runstate area");
	test_check(runstate_area.state, RUNSTATE_running, "written at once: running");
	time_info_read(&cpu_vcpu()->time, &t);
	uint64_t now = time_info_now(&t), entered = runstate_area.state_entry_time, sum = 0;
	for (int i = 0; i < 4; i++)
		sum += runstate_area.time[i];
	/* Times as recorded at the last change of state (Xen's copy), so all in the past. */
	test_check(entered <= now, 1, "entered its state in the past (system time)");
	test_check(sum <= now, 1, "no more time in states than has passed");
	spin_ticks(time_info_hz(&t) / 100);
	HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	test_check(runstate_area.state, RUNSTATE_running, "running again after a yield");
	test_check(runstate_area.state_entry_time >= entered, 1, "state_entry_time never goes back");
	test_check(HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_runstate_update_flag), 0,
		   "enable the update flag");
	HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	test_check(!(runstate_area.state_entry_time & XEN_RUNSTATE_UPDATE), 1,
		   "the update flag is clear between updates");
	HYPERVISOR_vm_assist(VMASST_CMD_disable, VMASST_TYPE_runstate_update_flag);
	test_check(register_area(VCPUOP_register_runstate_memory_area, 0, 0), 0,
		   "unregister the runstate area");
}
