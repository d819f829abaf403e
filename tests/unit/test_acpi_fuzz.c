/* SPDX-License-Identifier: MIT */
/*
 * Random corruption of good ACPI tables: the reader (hyp/lib/acpi*.c) must
 * never crash, hang or read outside the fake memory (acpi_fake.c asserts
 * every read's size and the number of reads; ASan watches the rest), and
 * whatever it returns must be consistent: a known error with empty lists,
 * or at least one enabled CPU, unique APIC ids and nothing beyond the caps.
 *
 * Two machines are corrupted: QEMU's real -smp 2 tables (RSDT path) and a
 * synthetic XSDT machine with 70 CPUs.  Each round restores the tables,
 * changes a few bytes (bit flips, random bytes, and 32-bit words chosen to
 * hurt: lengths at the limits, addresses of the other tables), and in most
 * rounds recomputes the checksums so the damage reaches the parsing behind
 * them.  The seed is fixed, so a failure repeats; the outcome counts are
 * printed, and the run must have reached success and many distinct errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "acpi_fake.h"
#include "acpi_qemu_tables.h"

#define ROUNDS     20000
#define MAX_AREAS  8

enum area_kind { AREA_RAW, AREA_RSDP, AREA_TABLE };

struct area {
    uint64_t pa;
    size_t len;
    enum area_kind kind;
    uint8_t saved[4096];
};

static struct fake_mem fm;
static struct area areas[MAX_AREAS];
static unsigned nr_areas;
static uint64_t rsdp_pa;
static uint64_t rng = 0x6b6f616e41435049ULL;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void keep_area(uint64_t pa, size_t len, enum area_kind kind)
{
    assert_true(nr_areas < MAX_AREAS && len <= sizeof(areas[0].saved));
    struct area *a = &areas[nr_areas++];
    *a = (struct area){ .pa = pa, .len = len, .kind = kind };
    memcpy(a->saved, fake_at(&fm, pa, len), len);
}

static void restore_areas(void)
{
    for (unsigned i = 0; i < nr_areas; i++)
        memcpy(fake_at(&fm, areas[i].pa, areas[i].len), areas[i].saved, areas[i].len);
}

static void fix_rsdp(uint64_t pa)
{
    uint8_t *p = fake_at(&fm, pa, 20);

    fix_checksum(p, 20, 8);
    if (p[15] < 2)
        return;
    uint32_t len;
    memcpy(&len, fake_at(&fm, pa, 24) + 20, 4);
    if (len >= 36 && len <= ACPI_MAX_RSDP_LENGTH)
        fix_checksum(fake_at(&fm, pa, len), len, 32);
}

static void fix_checksums(void)
{
    for (unsigned i = 0; i < nr_areas; i++) {
        if (areas[i].kind == AREA_RSDP)
            fix_rsdp(areas[i].pa);
        else if (areas[i].kind == AREA_TABLE)
            refresh_table_checksum(&fm, areas[i].pa);
    }
}

/* A 32-bit word likely to hurt: a length at a limit, or another table's address. */
static uint32_t nasty_word(void)
{
    static const uint32_t words[] = {
        0, 1, 2, 35, 36, 43, 44, 45, 0xff, 0x100, ACPI_MAX_MADT_LENGTH,
        ACPI_MAX_MADT_LENGTH + 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x40000000,
    };
    if (rnd() % 2)
        return words[rnd() % (sizeof(words) / sizeof(words[0]))];
    const struct area *a = &areas[rnd() % nr_areas];
    return (uint32_t)(a->pa + (rnd() % 3 == 0 ? rnd() % 64 : 0));
}

static void corrupt_once(void)
{
    struct area *a = &areas[rnd() % nr_areas];
    /* Headers and the first entries are where the structure is. */
    size_t off = rnd() % 2 ? rnd() % MIN(a->len, 64) : rnd() % a->len;
    uint8_t *p = fake_at(&fm, a->pa + off, 1);

    switch (rnd() % 4) {
    case 0:
        *p ^= (uint8_t)(1u << (rnd() % 8));
        break;
    case 1:
        *p = (uint8_t)rnd();
        break;
    case 2:
        *p = rnd() % 2 ? 0 : 0xff;
        break;
    default:
        if (off + 4 <= a->len) {
            uint32_t w = nasty_word();
            memcpy(p, &w, 4);
        }
        break;
    }
}

static void check_outcome(int rc, const struct acpi_machine *mc)
{
    assert_true(rc <= 0 && rc >= ACPI_E_LAST);
    assert_string_not_equal(acpi_strerror(rc), "unknown ACPI error");
    if (rc < 0) {
        assert_int_equal(mc->nr_cpus + mc->nr_ioapics + mc->nr_overrides, 0);
        return;
    }
    assert_true(mc->nr_cpus_enabled >= 1 && mc->nr_cpus_enabled <= mc->nr_cpus);
    assert_true(mc->nr_cpus <= ACPI_MAX_CPUS);
    assert_true(mc->nr_ioapics <= ACPI_MAX_IOAPICS);
    assert_true(mc->nr_overrides <= ACPI_MAX_OVERRIDES);
    for (unsigned i = 0; i < mc->nr_cpus; i++)
        for (unsigned j = i + 1; j < mc->nr_cpus; j++)
            assert_int_not_equal(mc->cpus[i].apic_id, mc->cpus[j].apic_id);
}

static void campaign(const char *name)
{
    static struct acpi_machine mc;
    unsigned outcomes[-ACPI_E_LAST + 1] = { 0 }, distinct = 0;

    for (unsigned round = 0; round < ROUNDS; round++) {
        restore_areas();
        for (unsigned n = 1 + rnd() % 4; n; n--)
            corrupt_once();
        if (rnd() % 4)
            fix_checksums();
        int rc = fake_parse(&fm, rnd() % 16 ? rsdp_pa : 0, &mc);
        check_outcome(rc, &mc);
        outcomes[-rc]++;
    }
    printf("%s: %u rounds:", name, ROUNDS);
    for (int i = 0; i <= -ACPI_E_LAST; i++) {
        if (outcomes[i])
            printf(" [%s] %u;", acpi_strerror(-i), outcomes[i]);
        distinct += outcomes[i] != 0;
    }
    printf("\n");
    assert_true(outcomes[0] > 0);       /* some damage was harmless */
    assert_true(distinct >= 10);        /* and the rest reached many checks */
}

static int setup(void **state)
{
    fake_init(&fm);
    nr_areas = 0;
    return 0;
}

static int teardown(void **state)
{
    fake_free(&fm);
    return 0;
}

static void test_corrupt_qemu_smp2_tables(void **state)
{
    for (size_t i = 0; i < sizeof(qemu_smp2) / sizeof(qemu_smp2[0]); i++) {
        const struct qemu_blob *b = &qemu_smp2[i];
        memcpy(fake_at(&fm, b->pa, b->len), b->bytes, b->len);
        bool rsdp = b->len >= 8 && memcmp(b->bytes, "RSD PTR ", 8) == 0;
        if (rsdp)
            rsdp_pa = b->pa;
        keep_area(b->pa, b->len, b->len < 20 ? AREA_RAW : rsdp ? AREA_RSDP : AREA_TABLE);
    }
    campaign("qemu -smp 2 (RSDT)");
}

static void test_corrupt_synthetic_xsdt_machine(void **state)
{
    static struct madt m;
    const uint64_t xsdt = ABOVE4G_BASE, madt = ABOVE4G_BASE + 0x100;
    const uint64_t tables[] = { QEMU_FACP, madt, QEMU_HPET };

    build_qemu_like(&fm, 1);
    madt_start(&m, 0xfee00000, 1);
    for (unsigned i = 0; i < 70; i++)
        madt_lapic(&m, (uint8_t)i, (uint8_t)i, i % 5 ? 1 : 2);
    madt_x2apic(&m, 0x300, 70, 1);
    madt_lapic_address(&m, 0xfee00000);
    for (unsigned i = 0; i < 3; i++)
        madt_ioapic(&m, (uint8_t)i, 0xfec00000 + 0x1000 * i, 24 * i);
    for (unsigned i = 0; i < 6; i++)
        madt_override(&m, (uint8_t)i, i + 1, 0xd);
    madt_lapic_nmi(&m);
    put_madt(&fm, madt, &m);
    put_root(&fm, xsdt, true, tables, 3);
    rsdp_pa = 0xe0040;
    put_rsdp_v2(&fm, rsdp_pa, QEMU_RSDT, xsdt);

    keep_area(0x40e, 2, AREA_RAW);
    keep_area(rsdp_pa, 36, AREA_RSDP);
    keep_area(xsdt, 36 + 3 * 8, AREA_TABLE);
    keep_area(QEMU_RSDT, 48, AREA_TABLE);
    keep_area(madt, 36 + m.len, AREA_TABLE);
    keep_area(QEMU_FACP, 40, AREA_TABLE);
    campaign("synthetic XSDT, 71 CPUs");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_corrupt_qemu_smp2_tables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_synthetic_xsdt_machine, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
