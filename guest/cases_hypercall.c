// SPDX-License-Identifier: MIT
/*
 * Test cases on hypercalls: console_io with good and hostile buffers,
 * unknown hypercall numbers and sub-commands, xen_version, the hypercall
 * page and sched_op yield.  Expected values are Xen 4.17's, checked by
 * tests/system/test_xen_reference.py on real Xen as dom0.
 *
 * Role note: real Xen refuses console_io from an unprivileged domain with
 * -EPERM before looking at the buffer; Koan lets every domain write to the
 * console (its test domUs print through it), so the console_io cases expect
 * the same results in both roles.
 */
#include <stdbool.h>
#include <stdint.h>

#include <xen/errno.h>
#include <xen/pmu.h>
#include <xen/features.h>

#include <guest/guest.h>
#include <guest/hypercall.h>
#include <guest/test.h>

void case_hello(void)
{
	static const char msg[] = "hello from the koan test guest\n";
	long rc = HYPERVISOR_console_io(CONSOLEIO_write, sizeof(msg) - 1, msg);

	/* Xen 4.17 returns 0 for a successful write, not the byte count. */
	EXPECT_EQ(rc, 0, "console_io(write)");
}

void case_console_io_unmapped(void)
{
	/* Nothing is mapped in the user half of our address space. */
	long rc = HYPERVISOR_console_io(CONSOLEIO_write, 16,
					(const char *)0x10000UL);

	EXPECT_EQ(rc, -XEN_EFAULT, "console_io(write, unmapped buffer)");
}

void case_console_io_hypervisor_range(void)
{
	/* Inside the hypervisor's private slots (257-271); mapped, not ours. */
	long rc = HYPERVISOR_console_io(CONSOLEIO_write, 16,
					(const char *)0xffff830000000000UL);

	EXPECT_EQ(rc, -XEN_EFAULT, "console_io(write, hypervisor address)");
}

void case_console_io_noncanonical(void)
{
	/* Starts in canonical user space, runs into the non-canonical hole. */
	long rc = HYPERVISOR_console_io(CONSOLEIO_write, 0x2000,
					(const char *)0x00007ffffffff000UL);

	EXPECT_EQ(rc, -XEN_EFAULT, "console_io(write, crosses 2^47)");
}

void case_console_io_bad_cmd(void)
{
	long rc = HYPERVISOR_console_io(99, 0, NULL);

	EXPECT_EQ(rc, -XEN_ENOSYS, "console_io(cmd 99)");
}

void case_hypercall_unknown(void)
{
	/* 11 is a hole in the table, 60 is past every defined hypercall. */
	EXPECT_EQ(HYPERVISOR_unassigned(11), -XEN_ENOSYS, "hypercall 11");
	EXPECT_EQ(HYPERVISOR_unassigned(60), -XEN_ENOSYS, "hypercall 60");
}

/* No virtual PMU (Xen's default, vpmu=off): Linux is told -EOPNOTSUPP. */
void case_xenpmu_off(void)
{
	struct xen_pmu_params p = { .version = { XENPMU_VER_MAJ, XENPMU_VER_MIN } };

	EXPECT_EQ(guest_hypercall3(__HYPERVISOR_xenpmu_op, XENPMU_init, (unsigned long)&p, 0),
		  -XEN_EOPNOTSUPP, "XENPMU_init");
	EXPECT_EQ(guest_hypercall3(__HYPERVISOR_xenpmu_op, XENPMU_mode_get, (unsigned long)&p, 0),
		  -XEN_EOPNOTSUPP, "XENPMU_mode_get");
}

void case_xen_version(void)
{
	long v = HYPERVISOR_xen_version(XENVER_version, NULL);

	EXPECT_EQ(v, GUEST_EXPECTED_VERSION, "xen_version(XENVER_version)");
}

void case_xen_version_features(void)
{
	xen_feature_info_t fi = { .submap_idx = 0, .submap = 0 };
	long rc = HYPERVISOR_xen_version(XENVER_get_features, &fi);
	uint32_t dom0_bit = 1u << XENFEAT_dom0;

	EXPECT_EQ(rc, 0, "xen_version(XENVER_get_features)");
	EXPECT(fi.submap & (1u << XENFEAT_mmu_pt_update_preserve_ad),
	       "submap 0x%x lacks mmu_pt_update_preserve_ad (5)", fi.submap);
	EXPECT(fi.submap & (1u << XENFEAT_gnttab_map_avail_bits),
	       "submap 0x%x lacks gnttab_map_avail_bits (7)", fi.submap);
	/* dom0: XENFEAT_dom0 is reported; domU: it must not be. */
	if (guest_privileged())
		EXPECT(fi.submap & dom0_bit, "dom0 but submap 0x%x lacks bit 11",
		       fi.submap);
	else
		EXPECT(!(fi.submap & dom0_bit), "domU but submap 0x%x has bit 11",
		       fi.submap);
	/* Never claim a translated (HVM-style) guest to a PV kernel. */
	EXPECT(!(fi.submap & ((1u << XENFEAT_writable_page_tables) |
			      (1u << XENFEAT_auto_translated_physmap))),
	       "submap 0x%x claims bit 0 or 2", fi.submap);
}

void case_xen_version_bad_submap(void)
{
	xen_feature_info_t fi = { .submap_idx = 99, .submap = 0 };

	EXPECT_EQ(HYPERVISOR_xen_version(XENVER_get_features, &fi), -XEN_EINVAL,
		  "xen_version(get_features, submap 99)");
}

void case_xen_version_unknown_cmd(void)
{
	EXPECT_EQ(HYPERVISOR_xen_version(1000, NULL), -XEN_ENOSYS,
		  "xen_version(cmd 1000)");
}

static bool stub_has_syscall(const unsigned char *stub)
{
	int i;

	for (i = 0; i + 1 < 32; i++)
		if (stub[i] == 0x0f && stub[i + 1] == 0x05)
			return true;
	return false;
}

void case_hypercall_page(void)
{
	const unsigned char *stub = (const unsigned char *)hypercall_page +
				    __HYPERVISOR_xen_version * 32;

	/* The page is zero in the image; a filled stub contains a syscall. */
	EXPECT(stub_has_syscall(stub),
	       "stub 17 has no syscall (first bytes %x %x %x)", stub[0],
	       stub[1], stub[2]);
	EXPECT_EQ(HYPERVISOR_xen_version_via_page(XENVER_version, NULL),
		  GUEST_EXPECTED_VERSION, "xen_version via the hypercall page");
}

void case_sched_yield(void)
{
	EXPECT_EQ(HYPERVISOR_sched_op(SCHEDOP_yield, NULL), 0,
		  "sched_op(SCHEDOP_yield)");
}
