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

void smp_special_words(void);
void smp_special_words(void)
{
	if (guest_cmdline_has("smp-down-last"))
		down_last();
	if (guest_cmdline_has("smp-crash-busy"))
		crash_busy();
	if (guest_cmdline_has("block-forever"))
		block_forever();
}
