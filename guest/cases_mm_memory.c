// SPDX-License-Identifier: MIT
/*
 * mm suite, memory_op: the queries (maximum_ram_page, reservations,
 * memory_map, machphys_mapping, machphys_mfn_list), ballooning out and
 * back in, and the closing check that the M2P agrees with our p2m for
 * every frame we own.
 */
#include <xen/errno.h>

#include <guest/cpu.h>
#include <guest/lib.h>
#include <guest/mm.h>
#include <guest/test.h>
#include <xen/physdev.h>

struct e820_entry {
	uint64_t addr, size;
	uint32_t type;
} __attribute__((packed));

void case_mm_memory_queries(void)
{
	struct xen_machphys_mapping map;
	unsigned long pfn, top = 0;
	long cur, max;

	MM_BEGIN();
	for (pfn = 0; pfn < mm.nr_pages; pfn++)
		if (pfn_mfn(pfn) > top)
			top = pfn_mfn(pfn);
	EXPECT(mm.max_ram_page > top, "maximum_ram_page 0x%lx <= our mfn 0x%lx",
	       mm.max_ram_page, top);
	cur = mm_reservation(XENMEM_current_reservation);
	max = mm_reservation(XENMEM_maximum_reservation);
	TEST_NOTE("maximum_ram_page 0x%lx, current_reservation %ld, "
		  "maximum_reservation %ld\n", mm.max_ram_page, cur, max);
	EXPECT_EQ(cur, (long)mm.nr_pages, "current_reservation");
	/* Xen's dom0 has no maximum unless dom0_mem=max: says so. */
	if (guest_privileged())
		EXPECT_EQ(max, 0xffffffffL, "maximum_reservation of dom0");
	else
		EXPECT(max >= cur, "maximum_reservation %ld < current %ld", max,
		       cur);
	memset(&map, 0xff, sizeof(map));
	EXPECT_EQ(HYPERVISOR_memory_op(XENMEM_machphys_mapping, &map), 0,
		  "machphys_mapping");
	TEST_NOTE("machphys_mapping v_start 0x%lx v_end 0x%lx max_mfn 0x%lx\n",
		  (unsigned long)map.v_start, (unsigned long)map.v_end,
		  (unsigned long)map.max_mfn);
	EXPECT_EQ(map.v_start, MACH2PHYS_VIRT_START, "machphys v_start");
	EXPECT(map.v_end > map.v_start && map.v_end <= MACH2PHYS_VIRT_END,
	       "machphys v_end 0x%lx", (unsigned long)map.v_end);
	EXPECT(map.max_mfn + 1 >= mm.max_ram_page &&
		       map.max_mfn < (map.v_end - map.v_start) / 8,
	       "machphys max_mfn 0x%lx", (unsigned long)map.max_mfn);
}

void case_mm_memory_map(void)
{
	static struct e820_entry e[16];
	struct xen_memory_map map = { .nr_entries = 16 };
	unsigned int i;
	long rc;

	MM_BEGIN();
	set_xen_guest_handle(map.buffer, e);
	rc = HYPERVISOR_memory_op(XENMEM_memory_map, &map);
	TEST_NOTE("memory_map: rc %ld, %u entries\n", rc, map.nr_entries);
	for (i = 0; !rc && i < map.nr_entries && i < 16; i++)
		TEST_NOTE("  [0x%lx +0x%lx] type %u\n", (unsigned long)e[i].addr,
			  (unsigned long)e[i].size, e[i].type);
	/*
	 * Xen answers -ENOSYS while no map was set for the domain
	 * (XENMEM_set_memory_map): so for its dom0.  A domU gets the map its
	 * toolstack set: libxl gives a PV guest one RAM entry from 0.
	 */
	if (guest_privileged()) {
		EXPECT_EQ(rc, -XEN_ENOSYS, "XENMEM_memory_map (dom0)");
		return;
	}
	EXPECT_EQ(rc, 0, "XENMEM_memory_map (domU)");
	EXPECT(map.nr_entries >= 1, "no entries");
	EXPECT(e[0].type == 1 && e[0].addr == 0 &&
		       e[0].size >= mm.nr_pages * GUEST_PAGE_SIZE,
	       "entry 0 does not cover our RAM");
}

void case_mm_machphys_mfn_list(void)
{
	static xen_pfn_t mfns[64];
	struct xen_machphys_mfn_list l = { .max_extents = 64 };
	const volatile uint64_t *m;
	unsigned int i;
	long rc;

	MM_BEGIN();
	set_xen_guest_handle(l.extent_start, mfns);
	rc = HYPERVISOR_memory_op(XENMEM_machphys_mfn_list, &l);
	EXPECT_EQ(rc, 0, "machphys_mfn_list");
	TEST_NOTE("machphys_mfn_list: %u extents, first 0x%lx\n", l.nr_extents,
		  (unsigned long)mfns[0]);
	EXPECT(l.nr_extents >= 1 && l.nr_extents <= 64, "nr_extents %u",
	       l.nr_extents);
	/* 2 MiB of M2P per extent: enough of them for every RAM frame. */
	EXPECT(l.nr_extents * 512UL * 512 >= mm.max_ram_page,
	       "%u extents cannot cover max_ram_page 0x%lx", l.nr_extents,
	       mm.max_ram_page);
	for (i = 0; i < l.nr_extents; i++)
		EXPECT(!mm_mfn_is_ours(mfns[i]), "extent %u is our frame", i);
	/*
	 * The first frame, mapped read-only, is the start of the M2P.  The
	 * frames belong to Xen: only a privileged domain may map them, and
	 * only naming DOMID_XEN as their owner (mm_map_m2p_frame has the
	 * refusals).
	 */
	rc = HYPERVISOR_update_va_mapping_otherdomain(
		win_va(2), pte_make(mfns[0], DATA_RO), UVMF_INVLPG | UVMF_LOCAL,
		DOMID_XEN);
	if (!guest_privileged()) {
		EXPECT_EQ(rc, -XEN_EPERM, "domU maps M2P frame 0 as DOMID_XEN");
		return;
	}
	EXPECT_EQ(rc, 0, "mapping M2P frame 0 r/o as DOMID_XEN");
	m = (const uint64_t *)win_va(2);
	for (i = 0; i < 512; i++)
		if (m[i] != m2p_read(i))
			break;
	win_unmap(2);
	EXPECT_EQ(i, 512, "M2P frame 0 differs from the M2P at entry");
}

#define BALLOON 4

void case_mm_balloon(void)
{
	xen_pfn_t list[BALLOON];
	unsigned long pfns[BALLOON], old[BALLOON];
	long cur0;
	unsigned int i, unzeroed = 0;

	MM_BEGIN();
	cur0 = mm_reservation(XENMEM_current_reservation);
	for (i = 0; i < BALLOON; i++) {
		pfns[i] = pool_alloc(false);
		old[i] = list[i] = pfn_mfn(pfns[i]);
		EXPECT(frame_fill(old[i], 0xba11), "fill");
	}
	EXPECT_EQ(mm_reservation_op(XENMEM_decrease_reservation, list, BALLOON, 0),
		  BALLOON, "decrease_reservation of 4 frames");
	EXPECT_EQ(mm_reservation(XENMEM_current_reservation), cur0 - BALLOON,
		  "current_reservation after giving 4 back");
	for (i = 0; i < BALLOON; i++) {
		test_check(m2p_read(old[i]), M2P_INVALID, "M2P of a given-back frame");
		mm_p2m()[pfns[i]] = P2M_INVALID;
		list[i] = pfns[i];
	}
	EXPECT_EQ(mm_reservation_op(XENMEM_populate_physmap, list, BALLOON, 0),
		  BALLOON, "populate_physmap of the 4 pfns");
	for (i = 0; i < BALLOON; i++) {
		EXPECT(list[i] != pfns[i] || m2p_read(list[i]) == pfns[i],
		       "populate_physmap did not write the mfn back");
		EXPECT_EQ(m2p_read(list[i]), pfns[i], "M2P of a new frame");
		mm_p2m()[pfns[i]] = list[i];
		EXPECT(mm_mfn_is_ours(list[i]), "new frame not ours");
		if (!frame_is_zero(list[i]))
			unzeroed++;
		EXPECT(!test_failed(), "mapping a new frame");
	}
	EXPECT_EQ(unzeroed, 0, "new frames not zeroed");
	EXPECT_EQ(mm_reservation(XENMEM_current_reservation), cur0,
		  "current_reservation after populating");
	for (i = 0; i < BALLOON; i++)
		pool_free(pfns[i]);
}

/*
 * Balloon out two frames to make room (a domU's maximum is usually its
 * size), take two new ones with increase_reservation, and put them at the
 * freed pfns as a balloon driver does: increase_reservation leaves their
 * M2P entries invalid, so MMU_MACHPHYS_UPDATE sets them.
 */
void case_mm_increase_reservation(void)
{
	xen_pfn_t list[2];
	unsigned long pfns[2];
	long cur0;
	unsigned int i;

	MM_BEGIN();
	cur0 = mm_reservation(XENMEM_current_reservation);
	for (i = 0; i < 2; i++) {
		pfns[i] = pool_alloc(false);
		list[i] = pfn_mfn(pfns[i]);
	}
	EXPECT_EQ(mm_reservation_op(XENMEM_decrease_reservation, list, 2, 0), 2,
		  "decrease_reservation by 2");
	for (i = 0; i < 2; i++)
		mm_p2m()[pfns[i]] = P2M_INVALID;
	list[0] = list[1] = 0;
	EXPECT_EQ(mm_reservation_op(XENMEM_increase_reservation, list, 2, 0), 2,
		  "increase_reservation by 2");
	EXPECT_EQ(mm_reservation(XENMEM_current_reservation), cur0,
		  "current_reservation after increasing");
	for (i = 0; i < 2; i++) {
		EXPECT(list[i] && list[i] < mm.max_ram_page, "mfn 0x%lx",
		       (unsigned long)list[i]);
		EXPECT_EQ(m2p_read(list[i]), M2P_INVALID,
			  "M2P of an increase_reservation frame");
		EXPECT_EQ(mmu_update1(((uint64_t)list[i] << 12) |
					      MMU_MACHPHYS_UPDATE, pfns[i]),
			  0, "MMU_MACHPHYS_UPDATE of a new frame");
		mm_p2m()[pfns[i]] = list[i];
		EXPECT(frame_is_zero(list[i]), "new frame 0x%lx not zeroed",
		       (unsigned long)list[i]);
		pool_free(pfns[i]);
	}
}

void case_mm_m2p_matches_p2m(void)
{
	unsigned long pfn, holes = 0;

	MM_BEGIN();
	for (pfn = 0; pfn < mm.nr_pages; pfn++) {
		unsigned long mfn = pfn_mfn(pfn);

		if (mfn == P2M_INVALID) {
			holes++;
			continue;
		}
		EXPECT(m2p_read(mfn) == pfn, "pfn 0x%lx -> mfn 0x%lx -> M2P 0x%lx",
		       pfn, mfn, m2p_read(mfn));
	}
	EXPECT_EQ(holes, 0, "p2m holes left by the suite");
	EXPECT_EQ(mm_check_frames(), 0, "Koan frame-table check");
}

/*
 * PHYSDEVOP_pirq_eoi_gmfn_v2, which Linux calls at boot: a page of ours is
 * taken (and keeps a writable type for good), once per domain.
 */
void case_mm_pirq_eoi_map(void)
{
	struct physdev_pirq_eoi_gmfn eoi = { .gmfn = 0 };
	unsigned long pfn;

	MM_BEGIN();
	EXPECT_EQ(HYPERVISOR_physdev_op(PHYSDEVOP_pirq_eoi_gmfn_v2, (void *)0x10000UL), -XEN_EFAULT,
		  "the argument unmapped");
	eoi.gmfn = 0;   /* the hypervisor's frame */
	EXPECT_EQ(HYPERVISOR_physdev_op(PHYSDEVOP_pirq_eoi_gmfn_v2, &eoi), -XEN_EINVAL,
		  "a frame that is not ours");
	EXPECT((pfn = pool_alloc(true)) != 0, "a free page");
	eoi.gmfn = pfn_mfn(pfn);
	EXPECT_EQ(HYPERVISOR_physdev_op(PHYSDEVOP_pirq_eoi_gmfn_v2, &eoi), 0, "our page");
	EXPECT_EQ(HYPERVISOR_physdev_op(PHYSDEVOP_pirq_eoi_gmfn_v1, &eoi), -XEN_EBUSY,
		  "a second registration");
	/* The page stays the hypervisor's to use: it is not given back to the pool. */
}
