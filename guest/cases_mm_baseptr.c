// SPDX-License-Identifier: MIT
/*
 * mm suite, base pointers: MMUEXT_NEW_BASEPTR must refuse frames that cannot
 * be an L4 -- frame 0 above all (a hypervisor loading it as CR3 would
 * die) -- while NEW_USER_BASEPTR takes 0 to mean "none".
 */
#include <xen/errno.h>

#include <guest/mm.h>
#include <guest/test.h>

void case_mm_new_baseptr_refusals(void)
{
	unsigned long pfn;

	if (!mm_init())
		return;
	test_check(mmuext1(MMUEXT_NEW_BASEPTR, 0, 0), -XEN_EINVAL, "NEW_BASEPTR of frame 0");
	test_check(mmuext1(MMUEXT_NEW_BASEPTR, mm.max_ram_page + 1, 0), -XEN_EINVAL,
		   "NEW_BASEPTR beyond RAM");
	pfn = pool_alloc(true);
	/* A zeroed frame of ours validates as an (empty) L4 ... but then this
	 * vCPU would run on tables without its kernel: only check it is
	 * accepted as the *user* base pointer, and go back to none. */
	test_check(mmuext1(MMUEXT_NEW_USER_BASEPTR, pfn_mfn(pfn), 0), 0,
		   "NEW_USER_BASEPTR of an empty L4");
	test_check(mmuext1(MMUEXT_NEW_USER_BASEPTR, 0, 0), 0, "NEW_USER_BASEPTR 0 (none)");
	pool_free(pfn);
	/* Still running on the boot L4. */
	test_check(mmuext1(MMUEXT_NEW_BASEPTR, mm.l4_mfn, 0), 0, "NEW_BASEPTR of the current L4");
}
