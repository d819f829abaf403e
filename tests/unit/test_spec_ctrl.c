/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for hyp/arch/x86_64/spec_ctrl_policy.c: the decisions Koan
 * takes for a range of CPUs (what QEMU's TCG CPU enumerates, as AMD and as
 * Intel; Intel parts before and after the hardware fixes; AMD with IBPB),
 * the command-line words, and the one boot line that reports them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <asm/spec_ctrl.h>

/* pte_l1tf.c's crash path is not exercised here. */
void domain_crash(struct domain *d, const char *fmt, ...)
{
    fail_msg("domain_crash called");
}

static const struct spec_ctrl_opts defaults = SPEC_CTRL_OPTS_DEFAULT;

/* QEMU 10 TCG -cpu max: nothing enumerated (Xen 4.17 agrees: empty feature lists). */
static const struct spec_ctrl_cpu tcg_amd = { .vendor = CPU_VENDOR_AMD, .maxphysaddr = 40,
                                              .smep = true };
static const struct spec_ctrl_cpu tcg_intel = { .vendor = CPU_VENDOR_INTEL, .maxphysaddr = 40,
                                                .smep = true };
/* A pre-2018-fix Intel part with the microcode updates: no ARCH_CAPABILITIES. */
static const struct spec_ctrl_cpu skylake = {
    .vendor = CPU_VENDOR_INTEL, .maxphysaddr = 39, .smep = true, .cpuid7_ebx = CPUID7_EBX_RTM,
    .cpuid7_edx = CPUID7_EDX_IBRSB | CPUID7_EDX_STIBP | CPUID7_EDX_L1D_FLUSH |
                  CPUID7_EDX_MD_CLEAR | CPUID7_EDX_SSBD,
};
/* Fixed for Meltdown, L1TF and MDS in silicon, but with TSX: TAA remains. */
static const struct spec_ctrl_cpu cascade_lake = {
    .vendor = CPU_VENDOR_INTEL, .maxphysaddr = 46, .smep = true, .cpuid7_ebx = CPUID7_EBX_RTM,
    .cpuid7_edx = CPUID7_EDX_IBRSB | CPUID7_EDX_STIBP | CPUID7_EDX_MD_CLEAR |
                  CPUID7_EDX_ARCH_CAPS | CPUID7_EDX_SSBD,
    .arch_caps = ARCH_CAPS_RDCL_NO | ARCH_CAPS_IBRS_ALL | ARCH_CAPS_MDS_NO,
};
static const struct spec_ctrl_cpu zen2 = { .vendor = CPU_VENDOR_AMD, .maxphysaddr = 48,
                                           .smep = true,
                                           .e8_ebx = CPUIDE8_EBX_IBPB | CPUIDE8_EBX_STIBP };

static bool describe(const struct spec_ctrl_cpu *c, const struct spec_ctrl_opts *o, char *line,
                     size_t size, struct spec_ctrl_policy *p)
{
    spec_ctrl_decide(c, o, p);
    return spec_ctrl_describe(c, p, line, size);
}

static void test_tcg_amd(void **state)
{
    struct spec_ctrl_policy p;
    char line[400];

    assert_false(describe(&tcg_amd, &defaults, line, sizeof(line), &p));
    assert_false(p.meltdown || p.l1tf || p.mds || p.ibpb_on_switch || p.verw_on_exit);
    assert_false(p.l1tf_check_dom0 || p.l1tf_check_domu || p.eibrs || p.xpti_probe);
    assert_true(p.rsb_on_switch);
    assert_string_equal(line, "RSB stuffing on domain switch; CPU AMD: none; affected: none known");
}

static void test_tcg_intel(void **state)
{
    struct spec_ctrl_policy p;
    char line[400];

    assert_true(describe(&tcg_intel, &defaults, line, sizeof(line), &p));
    assert_true(p.meltdown && p.l1tf && p.mds);
    assert_true(p.l1tf_check_domu);
    assert_false(p.l1tf_check_dom0 || p.verw_on_exit || p.ibpb_on_switch);
    assert_int_equal(p.l1tf_params.safe_maddr, 0xc000000000UL);
    assert_string_equal(line, "RSB stuffing on domain switch, L1TF PTE check (domU); CPU Intel: "
                              "none; affected: Meltdown (unmitigated: no XPTI), L1TF (safe "
                              "address 0xc000000000), MDS (unmitigated: no MD_CLEAR)");
}

static void test_intel_generations(void **state)
{
    struct spec_ctrl_policy p;
    char line[400];

    assert_true(describe(&skylake, &defaults, line, sizeof(line), &p));
    assert_true(p.ibpb_on_switch && p.verw_on_exit && !p.verw_forced && p.meltdown);
    assert_false(p.eibrs);
    assert_non_null(strstr(line, "CPU Intel: IBRS/IBPB, STIBP, L1D_FLUSH, MD_CLEAR, SSBD;"));
    assert_non_null(strstr(line, "), MDS"));   /* mitigated: no "(unmitigated" after it */
    assert_null(strstr(line, "no MD_CLEAR"));

    assert_false(describe(&cascade_lake, &defaults, line, sizeof(line), &p));
    assert_false(p.meltdown || p.l1tf || p.mds || p.l1tf_check_domu);
    assert_true(p.eibrs && p.ibpb_on_switch);
    assert_true(p.verw_on_exit);   /* TSX without TAA_NO */
    assert_string_equal(line, "IBPB on domain switch, RSB stuffing on domain switch, VERW on "
                              "exit, eIBRS; CPU Intel: IBRS/IBPB, STIBP, MD_CLEAR, SSBD, "
                              "ARCH_CAPS, RDCL_NO, IBRS_ALL, MDS_NO; affected: none known");

    struct spec_ctrl_cpu c = cascade_lake;
    c.arch_caps |= ARCH_CAPS_TAA_NO;
    spec_ctrl_decide(&c, &defaults, &p);
    assert_false(p.verw_on_exit);
    c.arch_caps |= ARCH_CAPS_FB_CLEAR;   /* MMIO stale data: VERW clears the fill buffers */
    spec_ctrl_decide(&c, &defaults, &p);
    assert_true(p.verw_on_exit);
    c.cpuid7_edx &= ~CPUID7_EDX_MD_CLEAR;   /* ... only where VERW is known to do it */
    spec_ctrl_decide(&c, &defaults, &p);
    assert_false(p.verw_on_exit);
}

static void test_amd_ibpb(void **state)
{
    struct spec_ctrl_policy p;
    char line[400];

    assert_false(describe(&zen2, &defaults, line, sizeof(line), &p));
    assert_true(p.ibpb_on_switch);
    assert_false(p.meltdown || p.verw_on_exit || p.l1tf_check_domu);
    assert_string_equal(line, "IBPB on domain switch, RSB stuffing on domain switch; "
                              "CPU AMD: AMD IBPB; affected: none known");
}

static void test_options(void **state)
{
    struct spec_ctrl_opts o = defaults;

    assert_int_equal(spec_ctrl_parse_option("loglvl=info", &o), 0);
    assert_int_equal(spec_ctrl_parse_option("spec-ctrl=verw,xpti-probe", &o), 1);
    assert_true(o.force_verw && o.xpti_probe);
    o = defaults;
    assert_int_equal(spec_ctrl_parse_option("spec-ctrl=xpti-probe,bogus", &o), -1);
    assert_false(o.xpti_probe);   /* nothing of a malformed word */
    assert_int_equal(spec_ctrl_parse_option("spec-ctrl=", &o), -1);
    assert_int_equal(spec_ctrl_parse_option("pv-l1tf=dom0=1", &o), 1);
    assert_int_equal(o.l1tf_dom0, 1);
    assert_int_equal(o.l1tf_domu, -1);
    assert_int_equal(spec_ctrl_parse_option("pv-l1tf=domu=no,dom0=off", &o), 1);
    assert_int_equal(o.l1tf_dom0, 0);
    assert_int_equal(o.l1tf_domu, 0);
    assert_int_equal(spec_ctrl_parse_option("pv-l1tf=true", &o), 1);
    assert_int_equal(o.l1tf_dom0, 1);
    assert_int_equal(o.l1tf_domu, 1);
    assert_int_equal(spec_ctrl_parse_option("pv-l1tf=domu=maybe", &o), -1);
    assert_int_equal(spec_ctrl_parse_option("pv-l1tf=dom1=1", &o), -1);
    assert_int_equal(o.l1tf_domu, 1);
}

static void test_options_decide(void **state)
{
    struct spec_ctrl_opts o = defaults;
    struct spec_ctrl_policy p;
    char line[400];

    /* pv-l1tf only matters where L1TF does. */
    o.l1tf_dom0 = 1;
    spec_ctrl_decide(&tcg_amd, &o, &p);
    assert_false(p.l1tf_check_dom0 || p.l1tf_check_domu);
    spec_ctrl_decide(&tcg_intel, &o, &p);
    assert_true(p.l1tf_check_dom0 && p.l1tf_check_domu);
    o.l1tf_domu = 0;
    spec_ctrl_decide(&tcg_intel, &o, &p);
    assert_true(p.l1tf_check_dom0 && !p.l1tf_check_domu);

    o = defaults;
    o.force_verw = o.xpti_probe = true;
    assert_false(describe(&tcg_amd, &o, line, sizeof(line), &p));
    assert_true(p.verw_on_exit && p.verw_forced && p.xpti_probe);
    assert_string_equal(line, "RSB stuffing on domain switch, VERW on exit (forced), XPTI cost "
                              "probe (not a mitigation); CPU AMD: none; affected: none known");
    /* Forced VERW on a CPU that does not say MD_CLEAR is no claim of mitigation. */
    assert_true(describe(&tcg_intel, &o, line, sizeof(line), &p));
    assert_non_null(strstr(line, "MDS (VERW without MD_CLEAR: clears only if the microcode does)"));
}

static void test_describe_edges(void **state)
{
    struct spec_ctrl_cpu c = tcg_amd;
    struct spec_ctrl_policy p;
    char line[400], small[24];

    c.smep = false;
    assert_true(describe(&c, &defaults, line, sizeof(line), &p));
    assert_non_null(strstr(line, "affected: RSB from guests (unmitigated: no SMEP)"));
    spec_ctrl_decide(&tcg_intel, &defaults, &p);
    p.retpoline = true;
    spec_ctrl_describe(&tcg_intel, &p, line, sizeof(line));
    assert_non_null(strstr(line, "L1TF PTE check (domU), retpoline; CPU Intel"));
    /* A short buffer is cut, terminated, never overrun (ASan watches). */
    memset(small, 'x', sizeof(small));
    spec_ctrl_describe(&tcg_intel, &p, small, sizeof(small));
    assert_int_equal(strlen(small), sizeof(small) - 1);
    assert_false(spec_ctrl_describe(&tcg_intel, &p, small, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcg_amd),
        cmocka_unit_test(test_tcg_intel),
        cmocka_unit_test(test_intel_generations),
        cmocka_unit_test(test_amd_ibpb),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_options_decide),
        cmocka_unit_test(test_describe_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
