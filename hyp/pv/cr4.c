/* SPDX-License-Identifier: MIT */
/*
 * The virtual CR4 of a vCPU, as Xen 4.17 keeps it for a PV guest.  A read
 * shows the host's PAE, MCE, OSFXSR and OSXMMEXCPT and the guest's own
 * choice of four bits; a write sets those four, within what the CPUID
 * policy offers, and silently ignores every other bit (no #GP: Xen's rule).
 *   TSD       loaded into the real CR4 while the vCPU runs: rdtsc/rdtscp
 *             fault in ring 3, and the kernel's are emulated (emul_priv.c);
 *   DE        emulated: DR4/DR5 become #UD, DR7 may hold I/O breakpoints
 *             (debugreg.c);
 *   FSGSBASE  loaded while the vCPU runs: {rd,wr}{fs,gs}base work in the
 *             guest, and Koan reads the bases back from the MSRs;
 *   OSXSAVE   emulated: xsetbv is #UD without it (Koan's own XSAVE stays on).
 * v->pv.cr4 holds only those four bits; it belongs to the vCPU and changes
 * only on that vCPU (a mov to CR4) or before it first runs (initialise).
 */
#include <asm/x86.h>
#include <hyp/domain.h>
#include <hyp/emul.h>

/* The guest-controlled bits that reach the real CR4 while the vCPU runs. */
#define CR4_LOADED (X86_CR4_TSD | X86_CR4_FSGSBASE)
/* What a PV guest sees of the host's own settings. */
#define CR4_HOST_VISIBLE (X86_CR4_PAE | X86_CR4_MCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT)

#define CPUID1_EDX_TSC   (1u << 4)
#define CPUID1_EDX_DE    (1u << 2)
#define CPUID1_ECX_XSAVE (1u << 26)
#define CPUID7_EBX_FSGSBASE (1u << 0)

/* The bits the CPUID policy offers (pv_cpuid shows them), so the guest may set. */
static uint64_t offered_bits(void)
{
    uint32_t max, a, b, c, d, a7, b7 = 0, c7, d7;
    uint64_t bits = 0;

    cpuid_count(0, 0, &max, &b, &c, &d);
    cpuid_count(1, 0, &a, &b, &c, &d);
    if (max >= 7)
        cpuid_count(7, 0, &a7, &b7, &c7, &d7);
    if (d & CPUID1_EDX_TSC)
        bits |= X86_CR4_TSD;
    if (d & CPUID1_EDX_DE)
        bits |= X86_CR4_DE;
    if (c & CPUID1_ECX_XSAVE)
        bits |= X86_CR4_OSXSAVE;
    if (b7 & CPUID7_EBX_FSGSBASE)
        bits |= X86_CR4_FSGSBASE;
    return bits;
}

/* Computed once (every CPU answers the same; a race stores the same value). */
static uint64_t guest_bits(void)
{
    static uint64_t bits;
    static bool known;

    if (!__atomic_load_n(&known, __ATOMIC_ACQUIRE)) {
        bits = offered_bits();
        __atomic_store_n(&known, true, __ATOMIC_RELEASE);
    }
    return bits;
}

uint64_t pv_cr4_read(const struct vcpu *v)
{
    return (read_cr4() & CR4_HOST_VISIBLE) | v->pv.cr4;
}

void pv_cr4_write(struct vcpu *v, uint64_t val)
{
    v->pv.cr4 = val & guest_bits();
    if (v == current_vcpu())
        pv_cr4_switch_to(v);
}

void pv_cr4_switch_to(const struct vcpu *v)
{
    uint64_t cur = read_cr4();
    uint64_t want = (cur & ~CR4_LOADED) | (v ? v->pv.cr4 & CR4_LOADED : 0);

    if (want != cur)   /* a CR4 write serialises: only when something changes */
        write_cr4(want);
}
