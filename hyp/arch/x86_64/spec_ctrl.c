/* SPDX-License-Identifier: MIT */
/*
 * Speculative-execution controls on this CPU (docs/security.md): read what
 * it enumerates once at boot, let spec_ctrl_policy.c decide, apply the
 * one-time settings (eIBRS, the L1TF check, the flags entry.S tests), log
 * one line, and act on every switch of domain: IBPB, so that one domain's
 * branch-predictor training cannot steer the next one, and an overwritten
 * return stack buffer, so that the next domain cannot speculatively return
 * to addresses the previous one left there.
 */
#include <asm/layout.h>
#include <asm/percpu.h>
#include <asm/spec_ctrl.h>
#include <asm/x86.h>
#include <hyp/console.h>
#include <hyp/cpumask.h>
#include <hyp/domain.h>
#include <hyp/pte_l1tf.h>

uint8_t spec_ctrl_entry_flags;
/* VERW's memory operand: a writable data selector, so it completes quickly. */
const uint16_t spec_ctrl_verw_sel = HYP_DS;

static struct spec_ctrl_opts opts = SPEC_CTRL_OPTS_DEFAULT;
static struct spec_ctrl_policy policy;
/* Per CPU: the domain whose vCPU this CPU ran last (IBPB/RSB between domains). */
static const struct domain *last_domain[NR_CPUS_MAX];
static domid_t last_domid[NR_CPUS_MAX];

bool spec_ctrl_option(const char *word)
{
    int rc = spec_ctrl_parse_option(word, &opts);

    if (rc < 0)
        log_warn("bad option '%s' ignored (spec-ctrl=verw,xpti-probe; "
                 "pv-l1tf=dom0=<bool>,domu=<bool>)\n", word);
    return rc != 0;
}

static enum cpu_vendor cpu_vendor(void)
{
    uint32_t a, b, c, d;

    cpuid_count(0, 0, &a, &b, &c, &d);
    if (b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e)   /* GenuineIntel */
        return CPU_VENDOR_INTEL;
    if (b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163)   /* AuthenticAMD */
        return CPU_VENDOR_AMD;
    if (b == 0x6f677948 && d == 0x6e65476e && c == 0x656e6975)   /* HygonGenuine */
        return CPU_VENDOR_HYGON;
    return CPU_VENDOR_OTHER;
}

static void cpu_read(struct spec_ctrl_cpu *c)
{
    uint32_t a, b, cx, d, max_ext;

    c->vendor = cpu_vendor();
    cpuid_count(0, 0, &a, &b, &cx, &d);
    if (a >= 7)
        cpuid_count(7, 0, &a, &c->cpuid7_ebx, &cx, &c->cpuid7_edx);
    cpuid_count(0x80000000, 0, &max_ext, &b, &cx, &d);
    c->maxphysaddr = 36;   /* the architectural default without the leaf */
    if (max_ext >= 0x80000008) {
        cpuid_count(0x80000008, 0, &a, &c->e8_ebx, &cx, &d);
        c->maxphysaddr = a & 0xff;
    }
    /* The MSR exists only if CPUID says so; reading it otherwise is a #GP. */
    if (c->cpuid7_edx & CPUID7_EDX_ARCH_CAPS)
        c->arch_caps = rdmsr(MSR_ARCH_CAPABILITIES);
    c->smep = read_cr4() & X86_CR4_SMEP;
}

static void l1tf_apply(paddr_t ram_end)
{
    pte_l1tf_enable(&policy.l1tf_params, policy.l1tf_check_dom0, policy.l1tf_check_domu);
    if (policy.l1tf && ram_end > policy.l1tf_params.safe_maddr)
        log_warn("spec-ctrl: RAM ends at %#lx, above the L1TF safe address %#lx: "
                 "not-present entries cannot be made safe\n",
                 (unsigned long)ram_end, (unsigned long)policy.l1tf_params.safe_maddr);
}

void spec_ctrl_cpu_init(void)
{
    /* eIBRS: set once per CPU, never cleared; guests cannot write SPEC_CTRL. */
    if (policy.eibrs)
        wrmsr(MSR_SPEC_CTRL, SPEC_CTRL_IBRS);
}

void spec_ctrl_init(paddr_t ram_end)
{
    struct spec_ctrl_cpu cpu = { 0 };
    char line[400];

    cpu_read(&cpu);
    spec_ctrl_decide(&cpu, &opts, &policy);
#ifdef KOAN_RETPOLINE
    policy.retpoline = true;
#endif
    spec_ctrl_cpu_init();
    l1tf_apply(ram_end);
    spec_ctrl_entry_flags = (policy.xpti_probe ? SPEC_FLAG_XPTI_PROBE : 0) |
                            (policy.verw_on_exit ? SPEC_FLAG_VERW : 0);
    if (spec_ctrl_describe(&cpu, &policy, line, sizeof(line)))
        log_warn("spec-ctrl: %s\n", line);
    else
        log_info("spec-ctrl: %s\n", line);
}

/*
 * Overwrite all 32 entries of the return stack buffer with returns to a
 * speculation trap (int3), then drop the 32 return addresses the calls
 * pushed.  Straight-line code: no loop whose exit could be mispredicted.
 */
static void rsb_stuff(void)
{
    asm volatile(".rept 16\n\t"
                 "call 1f\n\t"
                 "int3\n"
                 "1:\tcall 2f\n\t"
                 "int3\n"
                 "2:\n\t"
                 ".endr\n\t"
                 "add $(32 * 8), %%rsp"
                 ::: "memory");
}

/*
 * Keyed on the domain's identity (pointer and id), not on the vCPU: a
 * switch between two vCPUs of one domain needs neither barrier, and a new
 * domain in a reused slot gets a new id.
 */
void spec_ctrl_enter_domain(const struct domain *d)
{
    unsigned cpu = smp_processor_id();

    if (d == last_domain[cpu] && d->id == last_domid[cpu])
        return;
    last_domain[cpu] = d;
    last_domid[cpu] = d->id;
    if (policy.ibpb_on_switch)
        wrmsr(MSR_PRED_CMD, PRED_CMD_IBPB);
    if (policy.rsb_on_switch)
        rsb_stuff();
}
