// SPDX-License-Identifier: MIT
/*
 * Command-line words of the smp suite that end the domain, so they run
 * instead of the suite (docs/test-guest.md):
 *   smp-down-last  VCPUOP_down of vCPU 0 while no other vCPU is up: the
 *                  domain's last vCPU going down powers it off (Xen's
 *                  rule); the call must not return.
 */
#include <guest/guest.h>
#include <guest/lib.h>
#include <guest/smp.h>

void smp_special_words(void);
void smp_special_words(void)
{
	long rc;

	if (!guest_cmdline_has("smp-down-last"))
		return;
	guest_printf("smp-down-last: vCPU 1 up: %ld; taking vCPU 0 down\n",
		     HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL));
	rc = HYPERVISOR_vcpu_op(VCPUOP_down, 0, NULL);
	/* Still running: the domain was not powered off. */
	guest_printf("smp-down-last: down returned %ld, which it must not\n", rc);
	guest_shutdown(SHUTDOWN_crash);
}
