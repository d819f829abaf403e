/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the ACPI reader (hyp/lib/acpi*.c): the tables QEMU really
 * gives (tests/unit/acpi_qemu_tables.h), synthetic ones of the same shape
 * through the RSDT and the XSDT with 1, 2 and more CPUs than the cap, and
 * every malformed case the reader must name: bad checksums at each level,
 * truncated and over-long tables, zero-length and overrunning entries,
 * pointers outside memory, loops and duplicates.  The random-corruption
 * campaign is in test_acpi_fuzz.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "acpi_fake.h"
#include "acpi_qemu_tables.h"

static struct fake_mem fm;
static struct acpi_machine mc;
static struct madt madt;

static int setup(void **state)
{
    fake_init(&fm);
    memset(&mc, 0x5a, sizeof(mc));   /* the parser must clear what it does not set */
    return 0;
}

static int teardown(void **state)
{
    fake_free(&fm);
    return 0;
}

static void load_blobs(const struct qemu_blob *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        memcpy(fake_at(&fm, b[i].pa, b[i].len), b[i].bytes, b[i].len);
}

static void assert_failed_with(int rc, int want)
{
    if (rc != want)
        fail_msg("got %d (%s), want %d (%s)", rc, acpi_strerror(rc), want, acpi_strerror(want));
    /* Nothing may be started from a table read halfway. */
    assert_int_equal(mc.nr_cpus, 0);
    assert_int_equal(mc.nr_cpus_enabled, 0);
    assert_int_equal(mc.nr_ioapics, 0);
    assert_int_equal(mc.nr_overrides, 0);
}

static void assert_cpu(unsigned i, uint32_t apic_id, uint32_t uid, bool enabled)
{
    assert_true(i < mc.nr_cpus);
    assert_int_equal(mc.cpus[i].apic_id, apic_id);
    assert_int_equal(mc.cpus[i].acpi_uid, uid);
    assert_int_equal(mc.cpus[i].enabled, enabled);
}

/* A QEMU-like machine whose MADT is `madt` as built by the test. */
static void qemu_machine_with_madt(void)
{
    build_qemu_like(&fm, 1);
    put_madt(&fm, QEMU_MADT, &madt);
}

/* ---- the real thing ---- */

static void assert_qemu_common(void)
{
    assert_int_equal(mc.rsdp_pa, 0xf5250);
    assert_int_equal(mc.rsdp_revision, 0);
    assert_false(mc.root_is_xsdt);
    assert_int_equal(mc.lapic_pa, 0xfee00000);
    assert_int_equal(mc.madt_flags, 1);
    assert_int_equal(mc.nr_ioapics, 1);
    assert_int_equal(mc.ioapics[0].id, 0);
    assert_int_equal(mc.ioapics[0].address, 0xfec00000);
    assert_int_equal(mc.ioapics[0].gsi_base, 0);
    assert_int_equal(mc.nr_overrides, 5);
    assert_int_equal(mc.overrides[0].source, 0);      /* the PIT's IRQ 0 is GSI 2 */
    assert_int_equal(mc.overrides[0].gsi, 2);
    assert_int_equal(mc.overrides[1].source, 5);
    assert_int_equal(mc.overrides[1].flags, 0xd);     /* level, active high */
    assert_int_equal(mc.nr_cpus_ignored + mc.nr_cpus_duplicate + mc.nr_cpus_unusable, 0);
}

static void test_qemu_smp2_tables(void **state)
{
    load_blobs(qemu_smp2, sizeof(qemu_smp2) / sizeof(qemu_smp2[0]));
    assert_int_equal(fake_parse(&fm, 0, &mc), 0);
    assert_qemu_common();
    assert_int_equal(mc.root_pa, 0x1ffe2390);
    assert_int_equal(mc.madt_pa, 0x1ffe22b0);
    assert_int_equal(mc.nr_cpus, 2);
    assert_int_equal(mc.nr_cpus_enabled, 2);
    assert_cpu(0, 0, 0, true);
    assert_cpu(1, 1, 1, true);
}

static void test_qemu_smp4_tables(void **state)
{
    load_blobs(qemu_smp4, sizeof(qemu_smp4) / sizeof(qemu_smp4[0]));
    assert_int_equal(fake_parse(&fm, 0, &mc), 0);
    assert_qemu_common();
    assert_int_equal(mc.nr_cpus, 4);
    for (unsigned i = 0; i < 4; i++)
        assert_cpu(i, i, i, true);
}

static void test_qemu_tables_through_a_given_rsdp(void **state)
{
    load_blobs(qemu_smp2, sizeof(qemu_smp2) / sizeof(qemu_smp2[0]));
    assert_int_equal(fake_parse(&fm, 0xf5250, &mc), 0);
    assert_int_equal(mc.nr_cpus, 2);
    /* A given address is the only one tried. */
    assert_failed_with(fake_parse(&fm, 0xf5240, &mc), ACPI_E_RSDP_SIGNATURE);
    assert_failed_with(fake_parse(&fm, 0x7fff0000, &mc), ACPI_E_RSDP_UNREADABLE);
}

/* ---- synthetic, good ---- */

static void test_rsdt_one_cpu(void **state)
{
    build_qemu_like(&fm, 1);
    assert_int_equal(fake_parse(&fm, 0, &mc), 0);
    assert_int_equal(mc.nr_cpus, 1);
    assert_int_equal(mc.nr_cpus_enabled, 1);
    assert_cpu(0, 0, 0, true);
    assert_int_equal(mc.madt_pa, QEMU_MADT);
    assert_int_equal(mc.nr_overrides, 5);
}

static void test_rsdt_two_cpus(void **state)
{
    build_qemu_like(&fm, 2);
    assert_int_equal(fake_parse(&fm, 0, &mc), 0);
    assert_int_equal(mc.nr_cpus, 2);
    assert_cpu(1, 1, 1, true);
}

static void test_more_cpus_than_the_cap_are_counted(void **state)
{
    build_qemu_like(&fm, 70);
    assert_int_equal(fake_parse(&fm, 0, &mc), 0);
    assert_int_equal(mc.nr_cpus, ACPI_MAX_CPUS);
    assert_int_equal(mc.nr_cpus_enabled, ACPI_MAX_CPUS);
    assert_int_equal(mc.nr_cpus_ignored, 6);
    assert_cpu(63, 63, 63, true);
}

static void test_x2apic_entries_beyond_apic_id_254(void **state)
{
    build_qemu_like(&fm, 300);   /* 255 xAPIC entries, then 45 x2APIC */
    assert_int_equal(fake_parse(&fm, 0, &mc), 0);
    assert_int_equal(mc.nr_cpus, ACPI_MAX_CPUS);
    assert_int_equal(mc.nr_cpus_ignored, 300 - ACPI_MAX_CPUS);

    madt_start(&madt, 0xfee00000, 0);
    madt_x2apic(&madt, 0x1000, 7, 1);
    madt_x2apic(&madt, 300, 8, 1);
    qemu_machine_with_madt();
    assert_int_equal(fake_parse(&fm, 0, &mc), 0);
    assert_int_equal(mc.nr_cpus, 2);
    assert_cpu(0, 0x1000, 7, true);
    assert_true(mc.cpus[0].x2apic);
    assert_cpu(1, 300, 8, true);
}

static void test_xsdt_is_preferred_over_rsdt(void **state)
{
    const uint64_t rsdt_tables[] = { 0x1ffe5000 }, xsdt_tables[] = { 0x100000800 };

    madt_start(&madt, 0xfee00000, 1);
    madt_lapic(&madt, 0, 0, 1);
    put_madt(&fm, 0x1ffe5000, &madt);       /* what the RSDT says: 1 CPU */
    madt_lapic(&madt, 1, 1, 1);
    put_madt(&fm, 0x100000800, &madt);      /* what the XSDT says: 2 CPUs */
    put_root(&fm, 0x1ffe4000, false, rsdt_tables, 1);
    put_root(&fm, 0x100000000, true, xsdt_tables, 1);
    put_rsdp_v2(&fm, 0xf0000, 0x1ffe4000, 0x100000000);

    assert_int_equal(fake_parse(&fm, 0, &mc), 0);
    assert_int_equal(mc.rsdp_revision, 2);
    assert_true(mc.root_is_xsdt);
    assert_int_equal(mc.root_pa, 0x100000000);
    assert_int_equal(mc.madt_pa, 0x100000800);
    assert_int_equal(mc.nr_cpus, 2);

    /* Revision 2 without an XSDT address: the RSDT. */
    put_rsdp_v2(&fm, 0xf0000, 0x1ffe4000, 0);
    assert_int_equal(fake_parse(&fm, 0, &mc), 0);
    assert_false(mc.root_is_xsdt);
    assert_int_equal(mc.nr_cpus, 1);
}

static void test_rsdp_in_ebda_comes_first(void **state)
{
    const uint64_t other[] = { 0x1ffe5000 };

    build_qemu_like(&fm, 2);
    madt_start(&madt, 0xfee00000, 1);
    madt_lapic(&madt, 0, 0, 1);
    put_madt(&fm, 0x1ffe5000, &madt);
    put_root(&fm, 0x1ffe6000, false, other, 1);
    put_rsdp_v1(&fm, EBDA_BASE + 0x3f0, 0x1ffe6000);   /* the last 16 bytes of the KiB */
    assert_int_equal(fake_parse(&fm, 0, &mc), 0);
    assert_int_equal(mc.rsdp_pa, EBDA_BASE + 0x3f0);
    assert_int_equal(mc.nr_cpus, 1);

    /* Past the first KiB of the EBDA it is not looked for. */
    memset(fake_at(&fm, EBDA_BASE + 0x3f0, 20), 0, 20);
    put_rsdp_v1(&fm, EBDA_BASE + 0x400, 0x1ffe6000);
    assert_int_equal(fake_parse(&fm, 0, &mc), 0);
    assert_int_equal(mc.rsdp_pa, QEMU_RSDP);

    /* An EBDA segment that makes no sense is not followed. */
    put_ebda_segment(&fm, 0x0010);
    put_rsdp_v1(&fm, 0x100, 0x1ffe6000);
    assert_int_equal(fake_parse(&fm, 0, &mc), 0);
    assert_int_equal(mc.rsdp_pa, QEMU_RSDP);
}

static void test_rsdp_only_on_16_byte_boundaries(void **state)
{
    build_qemu_like(&fm, 1);
    memset(fake_at(&fm, QEMU_RSDP, 20), 0, 20);
    put_rsdp_v1(&fm, 0xf5258, QEMU_RSDT);
    assert_failed_with(fake_parse(&fm, 0, &mc), ACPI_E_NO_RSDP);
    /* The last boundary of the BIOS area that fits 20 bytes. */
    put_rsdp_v1(&fm, 0xfffe0, QEMU_RSDT);
    assert_int_equal(fake_parse(&fm, 0, &mc), 0);
    assert_int_equal(mc.rsdp_pa, 0xfffe0);
}

static void test_bad_rsdp_candidate_is_passed_over(void **state)
{
    build_qemu_like(&fm, 2);
    put_rsdp_v1(&fm, EBDA_BASE, QEMU_RSDT);
    fake_at(&fm, EBDA_BASE, 20)[8] ^= 1;        /* stray copy, bad checksum */
    assert_int_equal(fake_parse(&fm, 0, &mc), 0);
    assert_int_equal(mc.rsdp_pa, QEMU_RSDP);
}

static void test_cpu_flags_online_capable_and_disabled(void **state)
{
    madt_start(&madt, 0xfee00000, 1);
    madt_lapic(&madt, 0, 0, 1);
    madt_lapic(&madt, 1, 1, 0);        /* neither: not a CPU to use */
    madt_lapic(&madt, 2, 2, 2);        /* online-capable, not present */
    madt_lapic(&madt, 3, 3, 3);
    madt_lapic(&madt, 4, 0xff, 1);     /* the broadcast id is no CPU */
    madt_x2apic(&madt, 9, 9, 0);
    qemu_machine_with_madt();
    assert_int_equal(fake_parse(&fm, 0, &mc), 0);
    assert_int_equal(mc.nr_cpus, 3);
    assert_int_equal(mc.nr_cpus_enabled, 2);
    assert_int_equal(mc.nr_cpus_unusable, 3);
    assert_cpu(0, 0, 0, true);
    assert_cpu(1, 2, 2, false);
    assert_cpu(2, 3, 3, true);
}

static void test_duplicate_apic_ids_are_skipped(void **state)
{
    madt_start(&madt, 0xfee00000, 1);
    madt_lapic(&madt, 0, 0, 1);
    madt_lapic(&madt, 1, 1, 1);
    madt_x2apic(&madt, 1, 1, 1);       /* the same CPU again, as x2APIC */
    madt_lapic(&madt, 5, 0, 1);
    qemu_machine_with_madt();
    assert_int_equal(fake_parse(&fm, 0, &mc), 0);
    assert_int_equal(mc.nr_cpus, 2);
    assert_int_equal(mc.nr_cpus_duplicate, 2);
    assert_false(mc.cpus[1].x2apic);
}

static void test_lapic_address_override_and_long_entries(void **state)
{
    const uint8_t long_lapic[12] = { 0, 12, 3, 3, 1, 0, 0, 0, 0xaa, 0xbb, 0xcc, 0xdd };
    const uint8_t unknown[7] = { 0x7f, 7, 1, 2, 3, 4, 5 };

    madt_start(&madt, 0xfee00000, 0);
    madt_raw(&madt, unknown, sizeof(unknown));
    madt_lapic_address(&madt, 0x123456789000);
    madt_raw(&madt, long_lapic, sizeof(long_lapic));   /* a later spec's longer entry */
    qemu_machine_with_madt();
    assert_int_equal(fake_parse(&fm, 0, &mc), 0);
    assert_int_equal(mc.lapic_pa, 0x123456789000);
    assert_int_equal(mc.madt_flags, 0);
    assert_int_equal(mc.nr_cpus, 1);
    assert_cpu(0, 3, 3, true);
}

static void test_ioapic_and_override_caps(void **state)
{
    madt_start(&madt, 0xfee00000, 1);
    madt_lapic(&madt, 0, 0, 1);
    for (unsigned i = 0; i < ACPI_MAX_IOAPICS + 1; i++)
        madt_ioapic(&madt, (uint8_t)i, 0xfec00000 + 0x1000 * i, 24 * i);
    for (unsigned i = 0; i < ACPI_MAX_OVERRIDES + 2; i++)
        madt_override(&madt, (uint8_t)i, 100 + i, 5);
    qemu_machine_with_madt();
    assert_int_equal(fake_parse(&fm, 0, &mc), 0);
    assert_int_equal(mc.nr_ioapics, ACPI_MAX_IOAPICS);
    assert_int_equal(mc.nr_ioapics_ignored, 1);
    assert_int_equal(mc.ioapics[7].id, 7);
    assert_int_equal(mc.ioapics[7].address, 0xfec07000);
    assert_int_equal(mc.ioapics[7].gsi_base, 168);
    assert_int_equal(mc.nr_overrides, ACPI_MAX_OVERRIDES);
    assert_int_equal(mc.nr_overrides_ignored, 2);
    assert_int_equal(mc.overrides[15].gsi, 115);
}

static void test_loops_duplicates_and_empty_slots_in_the_root(void **state)
{
    /* Empty slot, the RSDT itself, the RSDP, a FACP, the MADT twice. */
    const uint64_t tables[] = { 0, QEMU_RSDT, QEMU_RSDP, QEMU_FACP, QEMU_MADT, QEMU_MADT };

    build_qemu_like(&fm, 2);
    put_root(&fm, QEMU_RSDT, false, tables, 6);
    assert_int_equal(fake_parse(&fm, 0, &mc), 0);
    assert_int_equal(mc.nr_cpus, 2);

    /* Two different MADTs: the first listed wins. */
    const uint64_t two[] = { 0x1ffe5000, QEMU_MADT };
    madt_start(&madt, 0xfee00000, 1);
    madt_lapic(&madt, 0, 7, 1);
    put_madt(&fm, 0x1ffe5000, &madt);
    put_root(&fm, QEMU_RSDT, false, two, 2);
    assert_int_equal(fake_parse(&fm, 0, &mc), 0);
    assert_int_equal(mc.nr_cpus, 1);
    assert_cpu(0, 7, 0, true);

    /* An XSDT that lists only itself and the RSDP: no MADT, and it ends. */
    const uint64_t self[] = { 0x100000000, QEMU_RSDP };
    put_root(&fm, 0x100000000, true, self, 2);
    put_rsdp_v2(&fm, QEMU_RSDP, QEMU_RSDT, 0x100000000);
    assert_failed_with(fake_parse(&fm, 0, &mc), ACPI_E_NO_MADT);
}

/* ---- malformed: RSDP ---- */

static void test_no_rsdp(void **state)
{
    put_ebda_segment(&fm, EBDA_SEGMENT);
    assert_failed_with(fake_parse(&fm, 0, &mc), ACPI_E_NO_RSDP);
    assert_int_equal(mc.rsdp_pa, 0);
}

static void test_rsdp_checksum_bad(void **state)
{
    build_qemu_like(&fm, 1);
    fake_at(&fm, QEMU_RSDP, 20)[16] ^= 0x40;    /* the RSDT address */
    assert_failed_with(fake_parse(&fm, 0, &mc), ACPI_E_RSDP_CHECKSUM);
    assert_int_equal(mc.rsdp_pa, QEMU_RSDP);    /* says where it was */
    assert_string_equal(acpi_strerror(ACPI_E_RSDP_CHECKSUM), "RSDP checksum bad");
}

static void test_rsdp_v2_length_and_extended_checksum(void **state)
{
    build_qemu_like(&fm, 1);
    put_rsdp_v2(&fm, QEMU_RSDP, QEMU_RSDT, 0);
    uint8_t *p = fake_at(&fm, QEMU_RSDP, 36);

    p[33] ^= 1;                                 /* reserved byte, extended sum only */
    assert_failed_with(fake_parse(&fm, 0, &mc), ACPI_E_RSDP_EXT_CHECKSUM);

    const uint32_t lengths[] = { 0, 20, 35, ACPI_MAX_RSDP_LENGTH + 1, 0xffffffff };
    for (unsigned i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
        put_rsdp_v2(&fm, QEMU_RSDP, QEMU_RSDT, 0);
        memcpy(p + 20, &lengths[i], 4);
        fix_checksum(p, 20, 8);
        assert_failed_with(fake_parse(&fm, QEMU_RSDP, &mc), ACPI_E_RSDP_LENGTH);
    }
    /* A longer RSDP is fine when all of it sums to 0. */
    put_rsdp_v2(&fm, QEMU_RSDP, QEMU_RSDT, 0);
    p[20] = 40;
    fix_checksum(p, 20, 8);
    fix_checksum(p, 40, 32);
    assert_int_equal(fake_parse(&fm, QEMU_RSDP, &mc), 0);
}

static void test_rsdp_at_the_edge_of_memory(void **state)
{
    build_qemu_like(&fm, 1);
    uint64_t edge = LOW_BASE + LOW_SIZE - 20;   /* v1 fits, v2 does not */
    put_rsdp_v1(&fm, edge, QEMU_RSDT);
    assert_int_equal(fake_parse(&fm, edge, &mc), 0);
    fake_at(&fm, edge, 20)[15] = 2;
    fix_checksum(fake_at(&fm, edge, 20), 20, 8);
    assert_failed_with(fake_parse(&fm, edge, &mc), ACPI_E_RSDP_UNREADABLE);
    assert_failed_with(fake_parse(&fm, UINT64_MAX - 8, &mc), ACPI_E_RSDP_UNREADABLE);
}

/* ---- malformed: RSDT / XSDT ---- */

static void test_root_outside_memory(void **state)
{
    build_qemu_like(&fm, 1);
    put_rsdp_v1(&fm, QEMU_RSDP, 0x40000000);
    assert_failed_with(fake_parse(&fm, 0, &mc), ACPI_E_ROOT_UNREADABLE);
    assert_int_equal(mc.root_pa, 0x40000000);
    put_rsdp_v1(&fm, QEMU_RSDP, 0);
    assert_failed_with(fake_parse(&fm, 0, &mc), ACPI_E_ROOT_UNREADABLE);
    put_rsdp_v2(&fm, QEMU_RSDP, QEMU_RSDT, UINT64_MAX - 16);
    assert_failed_with(fake_parse(&fm, 0, &mc), ACPI_E_ROOT_UNREADABLE);
}

static void test_root_signature_and_checksum(void **state)
{
    build_qemu_like(&fm, 1);
    uint8_t *root = fake_at(&fm, QEMU_RSDT, 48);

    root[40] ^= 1;                              /* an entry's address */
    assert_failed_with(fake_parse(&fm, 0, &mc), ACPI_E_ROOT_CHECKSUM);
    root[40] ^= 1;
    memcpy(root, "XSDT", 4);
    fix_checksum(root, 48, 9);
    assert_failed_with(fake_parse(&fm, 0, &mc), ACPI_E_ROOT_SIGNATURE);

    /* A bad XSDT is an error even when the RSDT is good. */
    const uint64_t tables[] = { QEMU_MADT };
    build_qemu_like(&fm, 1);
    put_root(&fm, 0x100000000, true, tables, 1);
    fake_at(&fm, 0x100000000, 44)[36] ^= 1;
    put_rsdp_v2(&fm, QEMU_RSDP, QEMU_RSDT, 0x100000000);
    assert_failed_with(fake_parse(&fm, 0, &mc), ACPI_E_ROOT_CHECKSUM);
    assert_true(mc.root_is_xsdt);
}

static void set_length(uint64_t pa, uint32_t len)
{
    memcpy(fake_at(&fm, pa, 8) + 4, &len, 4);
    refresh_table_checksum(&fm, pa);
}

static void test_root_lengths(void **state)
{
    build_qemu_like(&fm, 1);
    const uint32_t bad[] = { 0, 35, 36 + 3, 36 + 4 * ACPI_MAX_ROOT_ENTRIES + 4, 0xffffffff };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        set_length(QEMU_RSDT, bad[i]);
        assert_failed_with(fake_parse(&fm, 0, &mc), ACPI_E_ROOT_LENGTH);
    }
    set_length(QEMU_RSDT, 36);                  /* lists nothing */
    assert_failed_with(fake_parse(&fm, 0, &mc), ACPI_E_NO_MADT);

    /* Within the bound but past the end of memory. */
    const uint64_t tables[] = { QEMU_MADT };
    uint64_t near_end = HIGH_BASE + HIGH_SIZE - 40;
    put_root(&fm, near_end, false, tables, 1);
    set_length(near_end, 36 + 4 * 100);
    put_rsdp_v1(&fm, QEMU_RSDP, (uint32_t)near_end);
    assert_failed_with(fake_parse(&fm, 0, &mc), ACPI_E_ROOT_UNREADABLE);
}

static void test_listed_table_outside_memory(void **state)
{
    const uint64_t tables[] = { QEMU_FACP, 0x50000000, QEMU_MADT };

    build_qemu_like(&fm, 1);
    put_root(&fm, QEMU_RSDT, false, tables, 3);
    assert_failed_with(fake_parse(&fm, 0, &mc), ACPI_E_TABLE_UNREADABLE);

    const uint64_t x[] = { UINT64_MAX - 1 };
    put_root(&fm, 0x100000000, true, x, 1);
    put_rsdp_v2(&fm, QEMU_RSDP, QEMU_RSDT, 0x100000000);
    assert_failed_with(fake_parse(&fm, 0, &mc), ACPI_E_TABLE_UNREADABLE);
}

static void test_no_madt(void **state)
{
    const uint64_t tables[] = { QEMU_FACP, QEMU_HPET };

    build_qemu_like(&fm, 1);
    put_root(&fm, QEMU_RSDT, false, tables, 2);
    assert_failed_with(fake_parse(&fm, 0, &mc), ACPI_E_NO_MADT);
}

/* ---- malformed: MADT ---- */

static void test_madt_checksum_and_lengths(void **state)
{
    build_qemu_like(&fm, 2);
    fake_at(&fm, QEMU_MADT, 50)[47] ^= 1;       /* first CPU's APIC id */
    assert_failed_with(fake_parse(&fm, 0, &mc), ACPI_E_MADT_CHECKSUM);
    assert_int_equal(mc.madt_pa, QEMU_MADT);
    assert_string_equal(acpi_strerror(ACPI_E_MADT_CHECKSUM), "MADT checksum bad");

    build_qemu_like(&fm, 2);
    set_length(QEMU_MADT, 43);
    assert_failed_with(fake_parse(&fm, 0, &mc), ACPI_E_MADT_TRUNCATED);
    assert_string_equal(acpi_strerror(ACPI_E_MADT_TRUNCATED), "MADT truncated");
    set_length(QEMU_MADT, ACPI_MAX_MADT_LENGTH + 1);
    assert_failed_with(fake_parse(&fm, 0, &mc), ACPI_E_MADT_TOO_LONG);
    set_length(QEMU_MADT, 0xffffffff);
    assert_failed_with(fake_parse(&fm, 0, &mc), ACPI_E_MADT_TOO_LONG);
    set_length(QEMU_MADT, 44);                  /* no entries at all */
    assert_failed_with(fake_parse(&fm, 0, &mc), ACPI_E_MADT_NO_CPU);
}

static void test_madt_running_off_memory(void **state)
{
    const uint64_t tables[] = { HIGH_BASE + HIGH_SIZE - 60 };

    build_qemu_like(&fm, 1);
    madt_start(&madt, 0xfee00000, 1);
    madt_lapic(&madt, 0, 0, 1);
    put_madt(&fm, tables[0], &madt);            /* 52 bytes: fits */
    put_root(&fm, QEMU_RSDT, false, tables, 1);
    assert_int_equal(fake_parse(&fm, 0, &mc), 0);
    set_length(tables[0], 44 + 8 * 4);          /* claims 76: memory ends first */
    assert_failed_with(fake_parse(&fm, 0, &mc), ACPI_E_MADT_TRUNCATED);
}

/* A MADT with two good CPUs, then `bad` (len bytes), then one more CPU. */
static int parse_with_entry(const uint8_t *bad, size_t len)
{
    madt_start(&madt, 0xfee00000, 1);
    madt_lapic(&madt, 0, 0, 1);
    madt_lapic(&madt, 1, 1, 1);
    madt_raw(&madt, bad, len);
    qemu_machine_with_madt();
    return fake_parse(&fm, 0, &mc);
}

static void test_zero_and_short_entries(void **state)
{
    const uint8_t zero[8] = { 0, 0 }, one[8] = { 0x80, 1 }, unknown0[4] = { 0x80, 0 };
    const uint8_t short_lapic[6] = { 0, 6, 2, 2, 1, 0 };
    const uint8_t short_x2apic[12] = { 9, 12 }, short_ioapic[8] = { 1, 8 };
    const uint8_t short_override[8] = { 2, 8 }, short_lapic_addr[8] = { 5, 8 };

    assert_failed_with(parse_with_entry(zero, sizeof(zero)), ACPI_E_MADT_ENTRY_LENGTH);
    assert_failed_with(parse_with_entry(one, sizeof(one)), ACPI_E_MADT_ENTRY_LENGTH);
    assert_failed_with(parse_with_entry(unknown0, sizeof(unknown0)), ACPI_E_MADT_ENTRY_LENGTH);
    assert_failed_with(parse_with_entry(short_lapic, sizeof(short_lapic)),
                       ACPI_E_MADT_ENTRY_LENGTH);
    assert_failed_with(parse_with_entry(short_x2apic, sizeof(short_x2apic)),
                       ACPI_E_MADT_ENTRY_LENGTH);
    assert_failed_with(parse_with_entry(short_ioapic, sizeof(short_ioapic)),
                       ACPI_E_MADT_ENTRY_LENGTH);
    assert_failed_with(parse_with_entry(short_override, sizeof(short_override)),
                       ACPI_E_MADT_ENTRY_LENGTH);
    assert_failed_with(parse_with_entry(short_lapic_addr, sizeof(short_lapic_addr)),
                       ACPI_E_MADT_ENTRY_LENGTH);
}

static void test_entries_running_past_the_end(void **state)
{
    const uint8_t lapic_cut[6] = { 0, 8, 2, 2, 1, 0 };   /* says 8, 6 remain */
    const uint8_t huge[4] = { 0x80, 255, 0, 0 };
    const uint8_t lone[1] = { 0 };                       /* half an entry header */

    assert_failed_with(parse_with_entry(lapic_cut, sizeof(lapic_cut)),
                       ACPI_E_MADT_ENTRY_OVERRUN);
    assert_failed_with(parse_with_entry(huge, sizeof(huge)), ACPI_E_MADT_ENTRY_OVERRUN);
    assert_failed_with(parse_with_entry(lone, sizeof(lone)), ACPI_E_MADT_ENTRY_OVERRUN);
    assert_string_equal(acpi_strerror(ACPI_E_MADT_ENTRY_OVERRUN),
                        "MADT entry runs past the end of the table");
}

static void test_a_full_64k_madt_of_unknown_entries_ends(void **state)
{
    const uint8_t filler[2] = { 0x80, 2 };   /* the smallest entry that advances */

    madt_start(&madt, 0xfee00000, 1);
    madt_lapic(&madt, 0, 0, 1);
    while (madt.len + 36 + 2 <= ACPI_MAX_MADT_LENGTH)
        madt_raw(&madt, filler, sizeof(filler));
    qemu_machine_with_madt();
    assert_int_equal(fake_parse(&fm, 0, &mc), 0);
    assert_int_equal(mc.nr_cpus, 1);
    assert_true(fm.reads < FAKE_MAX_READS);
}

static void test_no_enabled_cpu(void **state)
{
    madt_start(&madt, 0xfee00000, 1);
    madt_lapic(&madt, 0, 0, 2);          /* online-capable only */
    madt_lapic(&madt, 1, 1, 0);
    madt_ioapic(&madt, 0, 0xfec00000, 0);
    qemu_machine_with_madt();
    assert_failed_with(fake_parse(&fm, 0, &mc), ACPI_E_MADT_NO_CPU);
}

/* A callback that trusts pa + len not to wrap, as a naive one would. */
static int naive_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
    assert_true(pa + len - 1 >= pa);
    return fm.mem.read(ctx, pa, buf, len);
}

static void test_no_read_wraps_around_the_address_space(void **state)
{
    const struct acpi_mem naive = { .read = naive_read, .ctx = &fm };
    const uint64_t tables[] = { UINT64_MAX - 2 };

    build_qemu_like(&fm, 1);
    put_root(&fm, 0x100000000, true, tables, 1);
    put_rsdp_v2(&fm, QEMU_RSDP, QEMU_RSDT, 0x100000000);
    assert_int_equal(acpi_parse_machine(&naive, 0, &mc), ACPI_E_TABLE_UNREADABLE);
    put_rsdp_v2(&fm, QEMU_RSDP, QEMU_RSDT, UINT64_MAX - 30);
    assert_int_equal(acpi_parse_machine(&naive, 0, &mc), ACPI_E_ROOT_UNREADABLE);
    assert_int_equal(acpi_parse_machine(&naive, UINT64_MAX - 15, &mc), ACPI_E_RSDP_UNREADABLE);
}

static void test_error_sentences_are_distinct(void **state)
{
    for (int a = 0; a >= ACPI_E_LAST; a--) {
        assert_string_not_equal(acpi_strerror(a), "unknown ACPI error");
        for (int b = a - 1; b >= ACPI_E_LAST; b--)
            assert_string_not_equal(acpi_strerror(a), acpi_strerror(b));
    }
    assert_string_equal(acpi_strerror(ACPI_E_LAST - 1), "unknown ACPI error");
    assert_string_equal(acpi_strerror(1), "unknown ACPI error");
    assert_string_equal(acpi_strerror(-1000), "unknown ACPI error");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_qemu_smp2_tables),
        T(test_qemu_smp4_tables),
        T(test_qemu_tables_through_a_given_rsdp),
        T(test_rsdt_one_cpu),
        T(test_rsdt_two_cpus),
        T(test_more_cpus_than_the_cap_are_counted),
        T(test_x2apic_entries_beyond_apic_id_254),
        T(test_xsdt_is_preferred_over_rsdt),
        T(test_rsdp_in_ebda_comes_first),
        T(test_rsdp_only_on_16_byte_boundaries),
        T(test_bad_rsdp_candidate_is_passed_over),
        T(test_cpu_flags_online_capable_and_disabled),
        T(test_duplicate_apic_ids_are_skipped),
        T(test_lapic_address_override_and_long_entries),
        T(test_ioapic_and_override_caps),
        T(test_loops_duplicates_and_empty_slots_in_the_root),
        T(test_no_rsdp),
        T(test_rsdp_checksum_bad),
        T(test_rsdp_v2_length_and_extended_checksum),
        T(test_rsdp_at_the_edge_of_memory),
        T(test_root_outside_memory),
        T(test_root_signature_and_checksum),
        T(test_root_lengths),
        T(test_listed_table_outside_memory),
        T(test_no_madt),
        T(test_madt_checksum_and_lengths),
        T(test_madt_running_off_memory),
        T(test_zero_and_short_entries),
        T(test_entries_running_past_the_end),
        T(test_a_full_64k_madt_of_unknown_entries_ends),
        T(test_no_enabled_cpu),
        T(test_no_read_wraps_around_the_address_space),
        T(test_error_sentences_are_distinct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
