// SPDX-License-Identifier: MIT
/*
 * Test cases on what the domain builder handed us: the start_info page,
 * the role flags, the command line, the loaded image and the module.
 */
#include <stdbool.h>
#include <stdint.h>

#include <guest/guest.h>
#include <guest/lib.h>
#include <guest/ramdisk.h>
#include <guest/test.h>

void case_start_info_magic(void)
{
	static const char magic[] = "xen-3.0-x86_64";
	const start_info_t *si = guest_start_info;

	EXPECT(!memcmp(si->magic, magic, sizeof(magic) - 1),
	       "magic is \"%.32s\"", si->magic);
	EXPECT(((unsigned long)si & (GUEST_PAGE_SIZE - 1)) == 0,
	       "start_info %p is not page aligned", (void *)si);
	EXPECT((unsigned long)si > GUEST_VIRT_BASE,
	       "start_info %p is below VIRT_BASE", (void *)si);
}

/*
 * dom0 (privileged) must see SIF_PRIVILEGED and SIF_INITDOMAIN; a domU
 * neither.  `expect-role=dom0|domU` on the command line pins the role the
 * harness asked for.
 */
void case_start_info_flags(void)
{
	uint32_t flags = guest_start_info->flags;
	uint32_t role = flags & (SIF_PRIVILEGED | SIF_INITDOMAIN);
	char want[16];

	if (guest_privileged())
		EXPECT_EQ(role, SIF_PRIVILEGED | SIF_INITDOMAIN,
			  "dom0 role flags");
	else
		EXPECT_EQ(role, 0, "domU role flags");
	if (guest_cmdline_value("expect-role", want, sizeof(want))) {
		const char *got = guest_privileged() ? "dom0" : "domU";

		EXPECT(!strncmp(want, got, sizeof(want)),
		       "role is %s, harness expected %s", got, want);
	}
}

void case_start_info_nr_pages(void)
{
	const start_info_t *si = guest_start_info;
	unsigned long si_pfn = guest_va_to_pfn(si);

	EXPECT(si->nr_pages > 0, "nr_pages is 0");
	EXPECT(si->nr_pages <= (1UL << 22), "nr_pages %lu above 16 GiB",
	       (unsigned long)si->nr_pages);
	EXPECT(si_pfn < si->nr_pages,
	       "start_info pfn %lu outside nr_pages %lu", si_pfn,
	       (unsigned long)si->nr_pages);
	EXPECT(guest_va_to_pfn((void *)si->pt_base) < si->nr_pages,
	       "pt_base 0x%lx outside the domain", (unsigned long)si->pt_base);
	EXPECT(si->nr_pt_frames > 0, "nr_pt_frames is 0");
}

void case_cmdline_marker(void)
{
	EXPECT(guest_cmdline_has("koan-test"),
	       "command line \"%s\" lacks the koan-test marker",
	       (const char *)guest_start_info->cmd_line);
}

static volatile uint64_t data_probe = 0x6b6f616e2d646174UL; /* "koan-dat" */
static volatile uint8_t bss_probe[8192];

void case_image_loaded(void)
{
	unsigned int i;

	EXPECT(data_probe == 0x6b6f616e2d646174UL,
	       "initialised data reads 0x%lx", (unsigned long)data_probe);
	for (i = 0; i < sizeof(bss_probe); i++)
		EXPECT(bss_probe[i] == 0, "bss byte %u is 0x%x, not zeroed", i,
		       bss_probe[i]);
}

static void check_ramdisk(const unsigned char *p, unsigned long len)
{
	char header[RAMDISK_HEADER_LEN + 1];
	unsigned long i;

	snprintf(header, sizeof(header), "%s%08lx\n", RAMDISK_MAGIC, len);
	EXPECT(len >= RAMDISK_HEADER_LEN, "mod_len %lu too short", len);
	EXPECT(!memcmp(p, header, RAMDISK_HEADER_LEN),
	       "module header \"%.31s\" does not match mod_len %lu", p, len);
	for (i = RAMDISK_HEADER_LEN; i < len; i++)
		EXPECT(p[i] == RAMDISK_BYTE(i), "module byte %lu is 0x%x", i,
		       p[i]);
}

/*
 * With `expect-module`, a module must be present and mapped (we have no
 * MOD_START_PFN note, so mod_start is a virtual address); without it there
 * must be none.
 */
void case_module(void)
{
	const start_info_t *si = guest_start_info;

	if (!guest_cmdline_has("expect-module")) {
		EXPECT(si->mod_start == 0 && si->mod_len == 0,
		       "unexpected module at 0x%lx, %lu bytes",
		       (unsigned long)si->mod_start, (unsigned long)si->mod_len);
		return;
	}
	EXPECT(!(si->flags & SIF_MOD_START_PFN),
	       "SIF_MOD_START_PFN set without the MOD_START_PFN note");
	EXPECT(si->mod_start != 0 && si->mod_len != 0, "no module given");
	EXPECT(si->mod_start >= GUEST_VIRT_BASE,
	       "mod_start 0x%lx is not in the initial mapping",
	       (unsigned long)si->mod_start);
	check_ramdisk((const unsigned char *)si->mod_start, si->mod_len);
}
