// SPDX-License-Identifier: MIT
/*
 * Command-line words of the smp suite that end the domain, so they run
 * instead of the suite (docs/test-guest.md):
 *   smp-down-last   VCPUOP_down of vCPU 0 while no other vCPU is up: the
 *                   domain's last vCPU going down powers it off (Xen's
 *                   rule); the call must not return.
 *   smp-crash-busy  start vCPU 1 spinning without ever yielding, then
 *                   crash the domain from vCPU 0: the hypervisor must
 *                   stop both and give every frame back.
 *   block-forever   SCHEDOP_block with nothing pending and no event
 *                   source: the vCPU never runs again (nor does it on
 *                   Xen); a hypervisor with nothing else to run idles.
 *   cpu-burn=N      N million iterations of a fixed loop on every vCPU at
 *                   once (workers started as the smp suite does), never
 *                   yielding; prints "cpu-burn: V vCPUs, N M each, T ticks"
 *                   (TSC from start to the last one done), then powers
 *                   off.  make bench times it at -smp 1 and -smp 2.
 */
#include <guest/cpu.h>
#include <guest/guest.h>
#include <guest/lib.h>
#include <guest/smp.h>
#include <guest/test.h>

static volatile unsigned long spinning;

static void spin_forever_job(void *arg)
{
	__atomic_store_n(&spinning, 1, __ATOMIC_RELEASE);
	for (;;)
		__asm__ volatile("pause");
}

static void down_last(void)
{
	long rc;

	guest_printf("smp-down-last: vCPU 1 up: %ld; taking vCPU 0 down\n",
		     HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL));
	rc = HYPERVISOR_vcpu_op(VCPUOP_down, 0, NULL);
	/* Still running: the domain was not powered off. */
	guest_printf("smp-down-last: down returned %ld, which it must not\n", rc);
	guest_shutdown(SHUTDOWN_crash);
}

static void crash_busy(void)
{
	if (!smp_start_worker(1)) {
		guest_printf("smp-crash-busy: vCPU 1 did not start\n");
		guest_shutdown(SHUTDOWN_poweroff);	/* not the crash asked for */
	}
	smp_post(1, spin_forever_job, NULL);
	if (!smp_wait_flag(&spinning, SMP_WAIT_YIELDS)) {
		guest_printf("smp-crash-busy: vCPU 1 did not spin\n");
		guest_shutdown(SHUTDOWN_poweroff);
	}
	guest_printf("smp-crash-busy: vCPU 1 spinning; crashing\n");
	guest_shutdown(SHUTDOWN_crash);
}

static void block_forever(void)
{
	struct vcpu_info *vi = &cpu_shared_info()->vcpu_info[0];
	long rc;

	if (!cpu_init()) {
		guest_printf("block-forever: setup failed\n");
		guest_shutdown(SHUTDOWN_crash);
	}
	vi->evtchn_upcall_pending = 0;
	guest_printf("block-forever: blocking vCPU 0\n");
	rc = HYPERVISOR_sched_op(SCHEDOP_block, NULL);
	guest_printf("block-forever: block returned %ld, which it must not\n", rc);
	guest_shutdown(SHUTDOWN_crash);
}

#define BURN_UNIT 1000000UL

static volatile unsigned long burned[SMP_MAX_VCPUS];

static void burn(unsigned long millions)
{
	for (volatile unsigned long i = 0; i < millions * BURN_UNIT; i++)
		;
}

static void burn_job(void *arg)
{
	burn((unsigned long)arg);
	__atomic_store_n(&burned[smp_self()], 1, __ATOMIC_RELEASE);
}

static void cpu_burn(unsigned long millions)
{
	unsigned int n = smp_nr_vcpus(), started = 1, i;
	uint64_t t0 = tsc_read();

	if (n > SMP_MAX_VCPUS)
		n = SMP_MAX_VCPUS;
	for (i = 1; i < n && cpu_init() && smp_start_worker(i); i++, started++)
		smp_post(i, burn_job, (void *)millions);
	burn(millions);
	for (i = 1; i < started; i++)
		smp_wait_flag(&burned[i], ~0UL);
	guest_printf("cpu-burn: %u vCPUs, %lu M each, %lu ticks\n", started, millions,
		     (unsigned long)(tsc_read() - t0));
	guest_shutdown(SHUTDOWN_poweroff);
}

void smp_special_words(void);
void smp_special_words(void)
{
	if (guest_cmdline_has("smp-down-last"))
		down_last();
	if (guest_cmdline_has("smp-crash-busy"))
		crash_busy();
	if (guest_cmdline_has("block-forever"))
		block_forever();
	if (guest_cmdline_ulong("cpu-burn", 0))
		cpu_burn(guest_cmdline_ulong("cpu-burn", 0));
}
