/* SPDX-License-Identifier: MIT */
/*
 * Speculative-execution controls (docs/security.md).  At boot
 * spec_ctrl_init reads what the CPU enumerates, decides what to do
 * (spec_ctrl_decide, a pure function), applies the one-time settings and
 * logs one line.  After that two entry.S macros act on every entry from and
 * exit to a guest, and spec_ctrl_enter_domain on every switch of domain.
 * Usable from assembly (the macros) and C.
 */
#ifndef KOAN_ASM_SPEC_CTRL_H
#define KOAN_ASM_SPEC_CTRL_H

/* Bits of spec_ctrl_entry_flags, tested on every guest entry and exit. */
#define SPEC_FLAG_XPTI_PROBE 0x1
#define SPEC_FLAG_VERW       0x2

#ifdef __ASSEMBLY__

/*
 * On entry from a guest, after SAVE_ALL (%rax is free).  With the XPTI cost
 * probe (spec-ctrl=xpti-probe) it reloads CR3, the page-table switch XPTI
 * would make here; `cs` names the saved CS when the entry may also come
 * from the hypervisor.  Without the probe: one test and a branch.
 */
.macro SPEC_CTRL_ENTRY_FROM_GUEST cs=
    testb   $SPEC_FLAG_XPTI_PROBE, spec_ctrl_entry_flags(%rip)
    jz      .Lspec_entry_done\@
    .ifnb \cs
    testb   $3, \cs
    jz      .Lspec_entry_done\@
    .endif
    mov     %cr3, %rax
    mov     %rax, %cr3
.Lspec_entry_done\@:
.endm

/*
 * On every exit to a guest, before RESTORE_ALL (%rax is free; what follows
 * loads only the guest's own registers).  VERW with a memory operand naming
 * a writable data selector overwrites the CPU's store, fill and load-port
 * buffers on CPUs with MD_CLEAR, so nothing the hypervisor touched can be
 * sampled by the guest (MDS).  The probe's CR3 reload is XPTI's switch back.
 * With neither: one test and a branch.
 */
.macro SPEC_CTRL_EXIT_TO_GUEST
    testb   $(SPEC_FLAG_XPTI_PROBE | SPEC_FLAG_VERW), spec_ctrl_entry_flags(%rip)
    jz      .Lspec_exit_done\@
    testb   $SPEC_FLAG_XPTI_PROBE, spec_ctrl_entry_flags(%rip)
    jz      .Lspec_exit_verw\@
    mov     %cr3, %rax
    mov     %rax, %cr3
.Lspec_exit_verw\@:
    testb   $SPEC_FLAG_VERW, spec_ctrl_entry_flags(%rip)
    jz      .Lspec_exit_done\@
    verw    spec_ctrl_verw_sel(%rip)
.Lspec_exit_done\@:
.endm

#else

#include <hyp/pte_l1tf.h>
#include <hyp/types.h>

struct domain;

/* CPUID 7.0 EBX / EDX */
#define CPUID7_EBX_RTM         (1u << 11)
#define CPUID7_EDX_MD_CLEAR    (1u << 10)
#define CPUID7_EDX_IBRSB       (1u << 26)   /* IBRS and IBPB (Intel) */
#define CPUID7_EDX_STIBP       (1u << 27)
#define CPUID7_EDX_L1D_FLUSH   (1u << 28)
#define CPUID7_EDX_ARCH_CAPS   (1u << 29)
#define CPUID7_EDX_CORE_CAPS   (1u << 30)
#define CPUID7_EDX_SSBD        (1u << 31)
/* CPUID 0x80000008 EBX: AMD's enumeration of the same controls */
#define CPUIDE8_EBX_IBPB       (1u << 12)
#define CPUIDE8_EBX_IBRS       (1u << 14)
#define CPUIDE8_EBX_STIBP      (1u << 15)
#define CPUIDE8_EBX_SSBD       (1u << 24)
#define CPUIDE8_EBX_VIRT_SSBD  (1u << 25)
#define CPUIDE8_EBX_PSFD       (1u << 28)

#define MSR_SPEC_CTRL          0x48
#define MSR_PRED_CMD           0x49
#define MSR_ARCH_CAPABILITIES  0x10a
#define SPEC_CTRL_IBRS         (1UL << 0)
#define PRED_CMD_IBPB          (1UL << 0)
/* MSR_ARCH_CAPABILITIES */
#define ARCH_CAPS_RDCL_NO      (1UL << 0)
#define ARCH_CAPS_IBRS_ALL     (1UL << 1)
#define ARCH_CAPS_RSBA         (1UL << 2)
#define ARCH_CAPS_SSB_NO       (1UL << 4)
#define ARCH_CAPS_MDS_NO       (1UL << 5)
#define ARCH_CAPS_TAA_NO       (1UL << 8)
#define ARCH_CAPS_FB_CLEAR     (1UL << 17)
#define ARCH_CAPS_RFDS_CLEAR   (1UL << 28)

enum cpu_vendor { CPU_VENDOR_OTHER, CPU_VENDOR_INTEL, CPU_VENDOR_AMD, CPU_VENDOR_HYGON };

/* What the CPU enumerates: the input of every decision. */
struct spec_ctrl_cpu {
    enum cpu_vendor vendor;
    uint32_t cpuid7_ebx, cpuid7_edx;   /* leaf 7, subleaf 0 */
    uint32_t e8_ebx;                   /* leaf 0x80000008 EBX */
    uint64_t arch_caps;                /* MSR_ARCH_CAPABILITIES, 0 if not enumerated */
    unsigned maxphysaddr;              /* leaf 0x80000008 EAX[7:0] */
    bool smep;                         /* CR4.SMEP is on */
};

/* The command line (spec-ctrl=..., pv-l1tf=...). */
struct spec_ctrl_opts {
    bool force_verw;        /* spec-ctrl=verw: VERW on exit even without MD_CLEAR */
    bool xpti_probe;        /* spec-ctrl=xpti-probe: XPTI's CR3 reloads, as a cost probe */
    int8_t l1tf_dom0;       /* pv-l1tf=dom0=<bool>: -1 = default (off) */
    int8_t l1tf_domu;       /* pv-l1tf=domu=<bool>: -1 = default (on) */
};
#define SPEC_CTRL_OPTS_DEFAULT { .l1tf_dom0 = -1, .l1tf_domu = -1 }

/* What Koan does about it. */
struct spec_ctrl_policy {
    bool meltdown, l1tf, mds;       /* the CPU is believed affected */
    bool ibpb_on_switch;            /* IBPB when another domain is scheduled */
    bool rsb_on_switch;             /* RSB overwritten then, too */
    bool verw_on_exit;              /* MDS: VERW on every exit to a guest */
    bool verw_forced;               /* ... though the CPU does not say MD_CLEAR */
    bool eibrs;                     /* SPEC_CTRL.IBRS set once at boot */
    bool l1tf_check_dom0, l1tf_check_domu;
    struct l1tf_params l1tf_params;
    bool xpti_probe;
    bool retpoline;                 /* the image was built with retpolines */
};

/* Parse one command-line word: 1 applied, 0 not ours, -1 ours but malformed. */
int spec_ctrl_parse_option(const char *word, struct spec_ctrl_opts *o);
/* The decisions for this CPU and command line (pure; retpoline is left false). */
void spec_ctrl_decide(const struct spec_ctrl_cpu *c, const struct spec_ctrl_opts *o,
                      struct spec_ctrl_policy *p);
/* The boot line after "spec-ctrl: "; true if something is left unmitigated. */
bool spec_ctrl_describe(const struct spec_ctrl_cpu *c, const struct spec_ctrl_policy *p,
                        char *buf, size_t size);

/* hyp/common/options.c hands spec-ctrl= and pv-l1tf= words here. */
bool spec_ctrl_option(const char *word);
/* Boot: detect, decide, apply, log.  After cpu_features_init (SMEP), with the RAM's end. */
void spec_ctrl_init(paddr_t ram_end);
/* The per-CPU settings of that decision, on another CPU at its start. */
void spec_ctrl_cpu_init(void);
/* The scheduler is about to run a vCPU of d: IBPB and RSB when d differs from the last. */
void spec_ctrl_enter_domain(const struct domain *d);

/* Read by entry.S: SPEC_FLAG_* */
extern uint8_t spec_ctrl_entry_flags;
extern const uint16_t spec_ctrl_verw_sel;

#endif
#endif
