/* SPDX-License-Identifier: MIT */
/*
 * The CPUID a PV guest sees: the host's, minus what a deprivileged kernel
 * must not use or that Koan does not virtualise, plus Xen's hypervisor
 * leaves at 0x40000000 (docs/cpu.md lists every hidden bit).  The highest
 * hypervisor leaf reported is 0x40000002, below 0x40000005, so Linux keeps
 * grant tables v1.
 */
#include <asm/x86.h>
#include <hyp/domain.h>
#include <hyp/emul.h>
#include <hyp/string.h>

#define XEN_CPUID_BASE     0x40000000u
#define XEN_CPUID_LAST     0x40000002u

/* Leaf 1 ECX: VMX, SMX, EST, TM2, SDBG, PDCM, PCID, x2APIC, TSC-deadline, OSXSAVE (recomputed). */
#define HIDE_1_ECX ((1u << 5) | (1u << 6) | (1u << 7) | (1u << 8) | (1u << 11) | (1u << 15) | \
                    (1u << 17) | (1u << 21) | (1u << 24) | (1u << 27))
/* Leaf 1 EDX: VME, PSE, PGE, MCE, MCA, MTRR, PSE36, ACPI, TM, PBE, DS (DE stays: cr4.c). */
#define HIDE_1_EDX ((1u << 1) | (1u << 3) | (1u << 13) | (1u << 7) | (1u << 14) | \
                    (1u << 12) | (1u << 17) | (1u << 22) | (1u << 29) | (1u << 31) | (1u << 21))
/*
 * Leaf 7.0 EBX: TSC_ADJUST, HLE, INVPCID, RTM, PQM, MPX, PQE, SMAP, SMEP, PT.
 * FSGSBASE stays, as on Xen 4.17: the guest enables it in its CR4 (cr4.c).
 */
#define HIDE_7_EBX ((1u << 1) | (1u << 4) | (1u << 10) | (1u << 11) | (1u << 12) | \
                    (1u << 14) | (1u << 15) | (1u << 20) | (1u << 7) | (1u << 25))
/* Leaf 7.0 ECX: UMIP, PKU, OSPKE, WAITPKG, LA57, RDPID-via-TSC_AUX is kept, SGX_LC. */
#define HIDE_7_ECX ((1u << 2) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 16) | (1u << 30))
/*
 * Leaf 7.0 EDX: the speculation controls whose MSRs a guest cannot reach
 * (SPEC_CTRL, PRED_CMD, FLUSH_CMD, ARCH_CAPABILITIES, CORE_CAPABILITIES are
 * #GP for it): IBRS/IBPB, STIBP, L1D_FLUSH, ARCH_CAPS, CORE_CAPS, SSBD.
 * MD_CLEAR stays: VERW works in ring 3 (docs/security.md).
 */
#define HIDE_7_EDX ((1u << 26) | (1u << 27) | (1u << 28) | (1u << 29) | (1u << 30) | (1u << 31))
/* Leaf 0x80000008 EBX: AMD's IBPB, IBRS, STIBP, SSBD, VIRT_SSBD, PSFD (the same MSRs). */
#define HIDE_E8_EBX ((1u << 12) | (1u << 14) | (1u << 15) | (1u << 24) | (1u << 25) | (1u << 28))
/* Leaf 0xD.1 EAX: XSAVES/XRSTORS (supervisor states), XFD. */
#define HIDE_D1_EAX ((1u << 3) | (1u << 4))
/* Leaf 0x80000001 ECX: SVM, SKINIT, MWAITX. */
#define HIDE_E1_ECX ((1u << 2) | (1u << 12) | (1u << 29))

static void hypervisor_leaf(uint32_t leaf, uint32_t out[4])
{
    switch (leaf) {
    case XEN_CPUID_BASE:
        out[0] = XEN_CPUID_LAST;
        out[1] = 0x566e6558;   /* "XenV" */
        out[2] = 0x65584d4d;   /* "MMXe" */
        out[3] = 0x4d4d566e;   /* "nVMM" */
        break;
    case XEN_CPUID_BASE + 1:
        out[0] = (4u << 16) | 17u;   /* the interface version: 4.17 */
        break;
    case XEN_CPUID_BASE + 2:
        out[0] = 1;                  /* one hypercall page */
        out[1] = XEN_CPUID_BASE;     /* its MSR (used by HVM guests only) */
        out[2] = 1;                  /* MMU_PT_UPDATE_PRESERVE_AD supported */
        break;
    }
}

void pv_cpuid(const struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    memset(out, 0, 4 * sizeof(uint32_t));
    if (leaf >= XEN_CPUID_BASE && leaf < XEN_CPUID_BASE + 0x10000) {
        hypervisor_leaf(leaf, out);
        return;
    }
    cpuid_count(leaf, sub, &out[0], &out[1], &out[2], &out[3]);
    switch (leaf) {
    case 1:
        out[2] &= ~HIDE_1_ECX;
        out[2] |= 1u << 31;   /* "running on a hypervisor" */
        if (read_cr4() & (1UL << 18))
            out[2] |= 1u << 27;   /* OSXSAVE: Koan enabled XSAVE for guests */
        out[3] &= ~HIDE_1_EDX;
        break;
    case 7:
        if (sub == 0) {
            out[1] &= ~HIDE_7_EBX;
            out[2] &= ~HIDE_7_ECX;
            out[3] &= ~HIDE_7_EDX;
        }
        break;
    case 0xd:
        if (sub == 1)
            out[0] &= ~HIDE_D1_EAX;
        break;
    case 0x80000001:
        out[2] &= ~HIDE_E1_ECX;
        break;
    case 0x80000008:
        out[1] &= ~HIDE_E8_EBX;
        break;
    }
    (void)v;
}
