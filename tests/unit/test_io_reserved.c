/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for hyp/lib/io_reserved.c: every port and frame Koan keeps is
 * denied at its edges, by any access width that touches it; its neighbours
 * and PCI CONFIG_ADDRESS stay open.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <hyp/io_reserved.h>

static const struct { uint16_t first, last; } kept[] = {
    { 0x20, 0x21 }, { 0x40, 0x43 }, { 0x61, 0x61 }, { 0xa0, 0xa1 },
    { 0x3f8, 0x3ff }, { 0x501, 0x502 }, { 0xcf9, 0xcf9 },
};

static void test_kept_ports_and_edges(void **state)
{
    for (unsigned i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
        for (unsigned p = kept[i].first; p <= kept[i].last; p++)
            assert_true(io_port_reserved((uint16_t)p, 1));
        assert_false(io_port_reserved(kept[i].first - 1, 1));
        assert_false(io_port_reserved(kept[i].last + 1, 1));
    }
    assert_false(io_port_reserved(0x80, 1));     /* POST port */
    assert_false(io_port_reserved(0x2f8, 1));    /* COM2 */
    assert_false(io_port_reserved(0xcfc, 4));    /* PCI CONFIG_DATA */
}

static void test_wide_accesses_touching_kept_ports(void **state)
{
    assert_true(io_port_reserved(0x3f6, 4));     /* 0x3f6-0x3f9 reaches COM1 */
    assert_false(io_port_reserved(0x3f4, 4));    /* 0x3f4-0x3f7 does not */
    assert_true(io_port_reserved(0x500, 2));     /* 0x500-0x501: exit device */
    assert_false(io_port_reserved(0x4fe, 2));
    assert_true(io_port_reserved(0x1f, 2));      /* 0x1f-0x20: PIC */
    assert_true(io_port_reserved(0xcf8, 2));     /* word at 0xcf8 reaches 0xcf9 */
    assert_true(io_port_reserved(0xcf9, 1));
}

static void test_pci_config_address_stays_open(void **state)
{
    assert_false(io_port_reserved(0xcf8, 4));
    assert_false(io_port_reserved(0xcf8, 1));
}

static void test_kept_frames(void **state)
{
    assert_true(io_mfn_reserved(0xfec00));       /* IO-APIC */
    assert_false(io_mfn_reserved(0xfec01));
    assert_false(io_mfn_reserved(0xfebff));
    assert_true(io_mfn_reserved(0xfee00));       /* local APIC */
    assert_true(io_mfn_reserved(0xfee01));       /* MSI window */
    assert_true(io_mfn_reserved(0xfeeff));
    assert_false(io_mfn_reserved(0xfedff));
    assert_false(io_mfn_reserved(0xfef00));
    assert_false(io_mfn_reserved(0));
    assert_false(io_mfn_reserved(0xb8));         /* VGA text memory */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kept_ports_and_edges),
        cmocka_unit_test(test_wide_accesses_touching_kept_ports),
        cmocka_unit_test(test_pci_config_address_stays_open),
        cmocka_unit_test(test_kept_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
