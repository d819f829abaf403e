// SPDX-License-Identifier: MIT
/*
 * Command-line word for the many-domain system test
 * (tests/system/test_koan_scale.py), run before the suite:
 *   check-frames   run Koan's whole-machine frame check at once -- at a
 *                  dom0's first moments, with every boot-time domain
 *                  built and alive -- and print "check-frames: R", R being
 *                  Koan's answer: 0, the number of problems, or a
 *                  negative error (-EPERM for a domU, -ENOSYS on Xen).
 */
#include <guest/guest.h>
#include <guest/hypercall.h>
#include <guest/lib.h>

void scale_words(void)
{
	if (guest_cmdline_has("check-frames"))
		guest_printf("check-frames: %ld\n",
			     (long)HYPERVISOR_koan_debug(KOAN_DEBUG_CHECK_FRAMES));
}
