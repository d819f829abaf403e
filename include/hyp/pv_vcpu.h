/* SPDX-License-Identifier: MIT */
/*
 * The PV CPU state of a vCPU: what the guest registered (trap table,
 * callbacks, kernel stack), which mode its kernel believes it is in, its
 * segment bases, and its virtual CR0.TS / CR4 / IOPL.  Everything here is written
 * only after validation (canonical addresses, fixed-up selectors).
 */
#ifndef KOAN_HYP_PV_VCPU_H
#define KOAN_HYP_PV_VCPU_H

#include <hyp/types.h>
#include <hyp/xen_public.h>

struct pv_callback {
    uint64_t address;     /* 0 = none */
    bool mask_events;     /* CALLBACKF_mask_events */
};

struct pv_vcpu {
    trap_info_t traps[256];          /* the virtual IDT; address 0 = no handler */
    struct pv_callback event, failsafe, syscall, syscall32, sysenter, nmi;
    uint64_t kernel_ss, kernel_sp;   /* stack_switch: stack for entries from user mode */
    bool kernel_mode;                /* guest kernel (true) or guest user mode */
    uint64_t fs_base;
    uint64_t gs_base_kernel, gs_base_user;
    uint16_t ds, es, fs, gs;         /* data selectors, restored on return */
    bool fpu_ts;                     /* virtual CR0.TS (fpu_taskswitch) */
    unsigned iopl;                   /* virtual IOPL (physdev_op set_iopl) */
    uint64_t dr[8];                  /* virtual debug registers */
    uint32_t dr7_emul;               /* enable bits of DR7's I/O breakpoints (emulated) */
    uint64_t cr4;                    /* virtual CR4: the bits the guest controls (hyp/pv/cr4.c) */
    void *fpu_area;                  /* XSAVE image, 64-byte aligned */
    mfn_t gdt_frames[14];            /* set_gdt: frames typed as descriptor pages */
    unsigned gdt_ents;               /* 0 = only Xen's reserved entries */
    mfn_t ldt_frames[16];            /* LDT pages mapped so far (0 = not yet) */
    uint16_t ldt_held;               /* bit i: ldt_frames[i] is held (hyp/pv/ldt.c) */
};

#endif
