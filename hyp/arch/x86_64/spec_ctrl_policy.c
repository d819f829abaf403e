/* SPDX-License-Identifier: MIT */
/*
 * What Koan does about speculative execution on a given CPU, as pure
 * functions of what the CPU enumerates and of the command line, so that
 * host unit tests can try any CPU (tests/unit/test_spec_ctrl.c).  The
 * reasons for each rule are in docs/security.md; spec_ctrl.c applies them.
 *
 * Believed affected: Meltdown and L1TF on Intel CPUs without RDCL_NO, MDS
 * on Intel CPUs without MDS_NO, TAA on Intel CPUs with TSX and without
 * TAA_NO.  AMD and Hygon CPUs are affected by none of these.  Koan keeps
 * no model lists: a few old Intel Atoms are counted as affected though
 * they are not, which only costs them checks.
 */
#include <asm/spec_ctrl.h>
#include <hyp/format.h>
#include <hyp/string.h>

static int parse_bool(const char *s, size_t len)
{
    static const char *const yes[] = { "1", "yes", "true", "on", "enable" };
    static const char *const no[] = { "0", "no", "false", "off", "disable" };

    for (unsigned i = 0; i < ARRAY_SIZE(yes); i++) {
        if (strlen(yes[i]) == len && !strncmp(s, yes[i], len))
            return 1;
        if (strlen(no[i]) == len && !strncmp(s, no[i], len))
            return 0;
    }
    return -1;
}

/* One element of spec-ctrl=a,b: verw | xpti-probe. */
static bool spec_ctrl_element(const char *s, size_t len, struct spec_ctrl_opts *o)
{
    if (len == 4 && !strncmp(s, "verw", 4))
        o->force_verw = true;
    else if (len == 10 && !strncmp(s, "xpti-probe", 10))
        o->xpti_probe = true;
    else
        return false;
    return true;
}

/* One element of Xen's pv-l1tf=: dom0=<bool>, domu=<bool>, or <bool> for both. */
static bool pv_l1tf_element(const char *s, size_t len, struct spec_ctrl_opts *o)
{
    int v;

    if (len > 5 && (!strncmp(s, "dom0=", 5) || !strncmp(s, "domu=", 5))) {
        if ((v = parse_bool(s + 5, len - 5)) < 0)
            return false;
        if (s[3] == '0')
            o->l1tf_dom0 = (int8_t)v;
        else
            o->l1tf_domu = (int8_t)v;
        return true;
    }
    if ((v = parse_bool(s, len)) < 0)
        return false;
    o->l1tf_dom0 = o->l1tf_domu = (int8_t)v;
    return true;
}

int spec_ctrl_parse_option(const char *word, struct spec_ctrl_opts *o)
{
    bool (*element)(const char *, size_t, struct spec_ctrl_opts *);
    const char *s;

    if (!strncmp(word, "spec-ctrl=", 10))
        element = spec_ctrl_element, s = word + 10;
    else if (!strncmp(word, "pv-l1tf=", 8))
        element = pv_l1tf_element, s = word + 8;
    else
        return 0;
    struct spec_ctrl_opts parsed = *o;
    for (;;) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        if (!element(s, len, &parsed))
            return -1;   /* nothing of a malformed word is applied */
        if (!comma)
            break;
        s = comma + 1;
    }
    *o = parsed;
    return 1;
}

static bool has_ibpb(const struct spec_ctrl_cpu *c)
{
    return (c->cpuid7_edx & CPUID7_EDX_IBRSB) || (c->e8_ebx & CPUIDE8_EBX_IBPB);
}

/* Does VERW clear anything that needs clearing on this CPU? */
static bool verw_needed(const struct spec_ctrl_cpu *c, bool mds)
{
    bool intel = c->vendor == CPU_VENDOR_INTEL;
    bool taa = intel && (c->cpuid7_ebx & CPUID7_EBX_RTM) && !(c->arch_caps & ARCH_CAPS_TAA_NO);

    return mds || taa || (c->arch_caps & (ARCH_CAPS_FB_CLEAR | ARCH_CAPS_RFDS_CLEAR));
}

void spec_ctrl_decide(const struct spec_ctrl_cpu *c, const struct spec_ctrl_opts *o,
                      struct spec_ctrl_policy *p)
{
    bool intel = c->vendor == CPU_VENDOR_INTEL;
    bool md_clear = c->cpuid7_edx & CPUID7_EDX_MD_CLEAR;

    memset(p, 0, sizeof(*p));
    p->meltdown = intel && !(c->arch_caps & ARCH_CAPS_RDCL_NO);
    p->l1tf = p->meltdown;   /* every CPU safe from Meltdown is safe from L1TF */
    p->mds = intel && !(c->arch_caps & ARCH_CAPS_MDS_NO);
    p->ibpb_on_switch = has_ibpb(c);
    p->rsb_on_switch = true;
    p->verw_on_exit = o->force_verw || (md_clear && verw_needed(c, p->mds));
    p->verw_forced = p->verw_on_exit && !md_clear;
    p->eibrs = intel && (c->arch_caps & ARCH_CAPS_IBRS_ALL);
    /* Xen's defaults: domUs checked, the hardware domain trusted. */
    p->l1tf_check_dom0 = p->l1tf && o->l1tf_dom0 == 1;
    p->l1tf_check_domu = p->l1tf && o->l1tf_domu != 0;
    p->l1tf_params = l1tf_params_for(c->maxphysaddr);
    p->xpti_probe = o->xpti_probe;
}

struct line {
    char *buf;
    size_t size, len;
    unsigned items;   /* in the current list */
};

/* Append text to the line, with ", " between the items of one list. */
static void add(struct line *l, bool item, const char *text)
{
    if (item && l->items++)
        add(l, false, ", ");
    size_t n = strlen(text);
    if (l->len + n >= l->size)
        n = l->size - 1 - l->len;
    memcpy(l->buf + l->len, text, n);
    l->len += n;
    l->buf[l->len] = '\0';
}

static void add_mitigations(struct line *l, const struct spec_ctrl_policy *p)
{
    static const char *const who[] = {
        "", "L1TF PTE check (domU)", "L1TF PTE check (dom0)", "L1TF PTE check (dom0, domU)",
    };

    if (p->ibpb_on_switch)
        add(l, true, "IBPB on domain switch");
    if (p->rsb_on_switch)
        add(l, true, "RSB stuffing on domain switch");
    if (p->verw_on_exit)
        add(l, true, p->verw_forced ? "VERW on exit (forced)" : "VERW on exit");
    if (p->eibrs)
        add(l, true, "eIBRS");
    if (p->l1tf_check_dom0 || p->l1tf_check_domu)
        add(l, true, who[p->l1tf_check_dom0 * 2 + p->l1tf_check_domu]);
    if (p->retpoline)
        add(l, true, "retpoline");
    if (p->xpti_probe)
        add(l, true, "XPTI cost probe (not a mitigation)");
    if (!l->items)
        add(l, true, "none");
}

static void add_features(struct line *l, const struct spec_ctrl_cpu *c)
{
    static const struct { bool arch; uint64_t bit; const char *name; } names[] = {
        { false, CPUID7_EDX_IBRSB, "IBRS/IBPB" }, { false, CPUID7_EDX_STIBP, "STIBP" },
        { false, CPUID7_EDX_L1D_FLUSH, "L1D_FLUSH" }, { false, CPUID7_EDX_MD_CLEAR, "MD_CLEAR" },
        { false, CPUID7_EDX_SSBD, "SSBD" }, { false, CPUID7_EDX_ARCH_CAPS, "ARCH_CAPS" },
        { true, ARCH_CAPS_RDCL_NO, "RDCL_NO" }, { true, ARCH_CAPS_IBRS_ALL, "IBRS_ALL" },
        { true, ARCH_CAPS_SSB_NO, "SSB_NO" }, { true, ARCH_CAPS_MDS_NO, "MDS_NO" },
        { true, ARCH_CAPS_TAA_NO, "TAA_NO" }, { true, ARCH_CAPS_FB_CLEAR, "FB_CLEAR" },
        { true, ARCH_CAPS_RFDS_CLEAR, "RFDS_CLEAR" },
    };

    for (unsigned i = 0; i < ARRAY_SIZE(names); i++)
        if ((names[i].arch ? c->arch_caps : c->cpuid7_edx) & names[i].bit)
            add(l, true, names[i].name);
    if (c->e8_ebx & CPUIDE8_EBX_IBPB)
        add(l, true, "AMD IBPB");
    if (!l->items)
        add(l, true, "none");
}

/* The affected list; returns true if one of them is left unmitigated. */
static bool add_affected(struct line *l, const struct spec_ctrl_cpu *c,
                         const struct spec_ctrl_policy *p)
{
    bool open = false;

    if (p->meltdown) {
        add(l, true, "Meltdown (unmitigated: no XPTI)");
        open = true;
    }
    if (p->l1tf) {
        char text[48];
        fmt_snprintf(text, sizeof(text), "L1TF (safe address %#lx)",
                     (unsigned long)p->l1tf_params.safe_maddr);
        add(l, true, text);
    }
    if (p->mds && p->verw_forced) {
        add(l, true, "MDS (VERW without MD_CLEAR: clears only if the microcode does)");
        open = true;
    } else if (p->mds && !p->verw_on_exit) {
        add(l, true, "MDS (unmitigated: no MD_CLEAR)");
        open = true;
    } else if (p->mds) {
        add(l, true, "MDS");
    }
    if (!c->smep) {
        add(l, true, "RSB from guests (unmitigated: no SMEP)");
        open = true;
    }
    if (!l->items)
        add(l, true, "none known");
    return open;
}

bool spec_ctrl_describe(const struct spec_ctrl_cpu *c, const struct spec_ctrl_policy *p,
                        char *buf, size_t size)
{
    static const char *const vendors[] = {
        [CPU_VENDOR_OTHER] = "other", [CPU_VENDOR_INTEL] = "Intel",
        [CPU_VENDOR_AMD] = "AMD", [CPU_VENDOR_HYGON] = "Hygon",
    };
    struct line l = { buf, size, 0, 0 };

    if (!size)
        return false;
    buf[0] = '\0';
    add_mitigations(&l, p);
    add(&l, false, "; CPU ");
    add(&l, false, vendors[c->vendor]);
    add(&l, false, ": ");
    l.items = 0;
    add_features(&l, c);
    add(&l, false, "; affected: ");
    l.items = 0;
    return add_affected(&l, c, p);
}
