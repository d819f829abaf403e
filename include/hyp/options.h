/* SPDX-License-Identifier: MIT */
/* Hypervisor command-line options. */
#ifndef KOAN_HYP_OPTIONS_H
#define KOAN_HYP_OPTIONS_H

#include <hyp/types.h>

struct koan_options {
    uint64_t dom_mem;    /* default memory of a boot-time domain, bytes */
    uint32_t gnttab_max_frames;          /* grant-table frames a domain may have */
    uint32_t gnttab_max_maptrack_frames; /* pages of map handles a domain may have */
    uint64_t ctx_allow_ns; /* ctx_allow=: BVT's context-switch allowance at boot */
    bool selftest_fault; /* selftest=fault: fault on purpose after boot (tests the dump) */
    bool selftest_iret_unchecked; /* selftest=iret-unchecked: the CPU judges iret frames */
    bool selftest_ipi;            /* selftest=ipi: call-function round trips at boot */
    bool selftest_panic_smp;      /* selftest=panic-smp: CPU 1 panics at boot */
    bool selftest_phantom_cpu;    /* selftest=smp-phantom-cpu: a CPU that never answers */
    bool selftest_tlb_shootdown;  /* selftest=tlb-shootdown: remote flush round trips at boot */
    bool selftest_tlb_local_only; /* selftest=tlb-local-only: guests' flushes stay on their CPU */
    bool tsc_unstable;            /* tsc=unstable: no PVCLOCK_TSC_STABLE for guests */
};

extern struct koan_options koan_options;

/* Apply "key=value" options; unknown or bad ones are reported and ignored. */
void options_parse(const char *cmdline);

#endif
