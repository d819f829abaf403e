/* SPDX-License-Identifier: MIT */
/* Unit tests of segment-descriptor validation (hyp/pv/descriptor.c), Xen 4.17's rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <hyp/descriptor.h>

#define P    (1UL << 47)
#define S    (1UL << 44)
#define DPL(n) ((uint64_t)(n) << 45)
#define TYPE(t) ((uint64_t)(t) << 40)
#define CODE64_DPL0 0x00af9a000000ffffUL
#define DATA_DPL0   0x00cf92000000ffffUL

static void test_not_present_is_kept(void **state)
{
    uint64_t d = 0x1234567812345678UL & ~P;   /* garbage, but not present */
    uint64_t before = d;

    assert_true(descriptor_check(&d));
    assert_int_equal(d, before);
}

static void test_code_and_data_get_dpl3(void **state)
{
    uint64_t c = CODE64_DPL0, dd = DATA_DPL0, c3 = CODE64_DPL0 | DPL(3);

    assert_true(descriptor_check(&c));
    assert_int_equal(c, CODE64_DPL0 | DPL(3));
    assert_true(descriptor_check(&dd));
    assert_int_equal(dd, DATA_DPL0 | DPL(3));
    assert_true(descriptor_check(&c3));
    assert_int_equal(c3, CODE64_DPL0 | DPL(3));
}

static void test_system_descriptors(void **state)
{
    uint64_t tss = P | TYPE(0x9), ldt = P | TYPE(0x2), intr = P | TYPE(0xe), trap = P | TYPE(0xf);
    uint64_t zero_type = P;   /* upper half of a 16-byte gate */

    assert_false(descriptor_check(&tss));
    assert_false(descriptor_check(&ldt));
    assert_false(descriptor_check(&intr));
    assert_false(descriptor_check(&trap));
    assert_true(descriptor_check(&zero_type));
}

static uint64_t call_gate(uint16_t sel, unsigned dpl)
{
    return P | TYPE(0xc) | DPL(dpl) | ((uint64_t)sel << 16) | 0x1000;
}

static void test_call_gates(void **state)
{
    uint64_t guest = call_gate(0x33, 3), flat = call_gate(0xe033, 3), ldt = call_gate(0x0c, 3);
    uint64_t reserved = call_gate(0xe008, 3);   /* the hypervisor's own code segment */

    assert_true(descriptor_check(&guest));
    assert_int_equal((guest >> 45) & 3, 0);   /* stored with DPL 0: using it traps */
    assert_int_equal((guest >> 16) & 0xffff, 0x33);   /* target RPL 3 */
    uint64_t rpl0 = call_gate(0x08, 3), params = call_gate(0x33, 3) | (2UL << 32);
    assert_true(descriptor_check(&rpl0));
    assert_int_equal((rpl0 >> 16) & 0xffff, 0x0b);
    assert_false(descriptor_check(&params));
    assert_true(descriptor_check(&flat));
    assert_true(descriptor_check(&ldt));
    assert_false(descriptor_check(&reserved));
}

static void test_page(void **state)
{
    static uint64_t page[512];

    page[1] = CODE64_DPL0;
    page[2] = DATA_DPL0;
    assert_true(descriptor_check_page(page));
    assert_int_equal((page[1] >> 45) & 3, 3);
    page[300] = P | TYPE(0x9);
    assert_false(descriptor_check_page(page));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_present_is_kept),
        cmocka_unit_test(test_code_and_data_get_dpl3),
        cmocka_unit_test(test_system_descriptors),
        cmocka_unit_test(test_call_gates),
        cmocka_unit_test(test_page),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
