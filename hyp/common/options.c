/* SPDX-License-Identifier: MIT */
/*
 * Hypervisor command line:
 *   loglvl=debug|info|warn|error   console verbosity (default info)
 *   dom_mem=SIZE                   default memory per boot-time domain (32M)
 *   gnttab_max_frames=N            grant-table frames per domain (64, as Xen)
 *   gnttab_max_maptrack_frames=N   pages of map handles per domain (1024, as Xen)
 *   ctx_allow=TIME                 BVT's context-switch allowance C, N[ns|us|ms|s]
 *                                  (ms without a unit), 100us to 1s (default
 *                                  5ms; docs/scheduler.md)
 *   selftest=fault                 take a page fault in the hypervisor once
 *                                  booted, to show (and test) the fatal path
 *   selftest=iret-unchecked        let the iret hypercall pass every frame to
 *                                  the CPU unchecked, to test the fix-up that
 *                                  turns a refused iretq into the guest's fault
 *   selftest=ipi                   call-function round trips between the CPUs
 *                                  once they are up, with their average cost
 *   selftest=panic-smp             panic on CPU 1 once the CPUs are up, to show
 *                                  (and test) how the others are stopped
 *   selftest=smp-phantom-cpu       one more CPU in the list, with an APIC id
 *                                  no processor has, to test the start-up's
 *                                  time-out
 *   selftest=tlb-shootdown         remote TLB flush round trips once the CPUs
 *                                  are up, with their average cost
 *   selftest=tlb-local-only        guests' TLB flushes reach their own CPU
 *                                  only (the shootdown left out on purpose,
 *                                  to show the smp suite catches it)
 *   tsc=stable|unstable            whether guests' pvclocks say the TSC is
 *                                  stable (default stable; docs/time.md)
 *   spec-ctrl=, pv-l1tf=           speculation controls (docs/security.md)
 * Xen's console options (console=, com1=) are accepted and ignored, so one
 * QEMU command line can boot either hypervisor.
 */
#include <asm/spec_ctrl.h>
#include <hyp/bvt.h>
#include <hyp/console.h>
#include <hyp/grant_table.h>
#include <hyp/modspec.h>
#include <hyp/options.h>
#include <hyp/string.h>

struct koan_options koan_options = {
    .dom_mem = 32UL << 20,
    .gnttab_max_frames = GNTTAB_DEFAULT_MAX_FRAMES,
    .gnttab_max_maptrack_frames = GNTTAB_DEFAULT_MAX_MAPTRACK_FRAMES,
    .ctx_allow_ns = BVT_CTX_ALLOW_DEFAULT_NS,
};

/* A grant-table limit: 1 .. 65536 (frames), or 0 .. 65536 (handle pages). */
static void grant_limit(const char *name, const char *val, uint32_t min, uint32_t *out)
{
    uint64_t v;

    if (parse_u64(val, 10, &v) || v < min || v > 65536)
        log_warn("bad %s '%s' (%u to 65536)\n", name, val, min);
    else
        *out = (uint32_t)v;
}

static void set_ctx_allow(const char *value)
{
    const char *why = "not a time (N[ns|us|ms|s], ms without a unit)";
    uint64_t ns;

    if (parse_duration_ns(value, &ns) || bvt_ctx_allow_check(ns, &why))
        log_warn("bad ctx_allow '%s' ignored: %s\n", value, why);
    else
        koan_options.ctx_allow_ns = ns;
}

static void apply_option(const char *tok)
{
    if (strncmp(tok, "loglvl=", 7) == 0) {
        if (console_set_level_name(tok + 7))
            log_warn("bad loglvl '%s' (debug|info|warn|error)\n", tok + 7);
    } else if (strncmp(tok, "dom_mem=", 8) == 0) {
        uint64_t v;
        if (parse_size(tok + 8, &v) || v < PAGE_SIZE)
            log_warn("bad dom_mem '%s'\n", tok + 8);
        else
            koan_options.dom_mem = v;
    } else if (strncmp(tok, "gnttab_max_frames=", 18) == 0) {
        grant_limit("gnttab_max_frames", tok + 18, 1, &koan_options.gnttab_max_frames);
    } else if (strncmp(tok, "gnttab_max_maptrack_frames=", 27) == 0) {
        grant_limit("gnttab_max_maptrack_frames", tok + 27, 0,
                    &koan_options.gnttab_max_maptrack_frames);
    } else if (strncmp(tok, "ctx_allow=", 10) == 0) {
        set_ctx_allow(tok + 10);
    } else if (strcmp(tok, "selftest=fault") == 0) {
        koan_options.selftest_fault = true;
    } else if (strcmp(tok, "selftest=iret-unchecked") == 0) {
        koan_options.selftest_iret_unchecked = true;
    } else if (strcmp(tok, "selftest=ipi") == 0) {
        koan_options.selftest_ipi = true;
    } else if (strcmp(tok, "selftest=panic-smp") == 0) {
        koan_options.selftest_panic_smp = true;
    } else if (strcmp(tok, "selftest=smp-phantom-cpu") == 0) {
        koan_options.selftest_phantom_cpu = true;
    } else if (strcmp(tok, "selftest=tlb-shootdown") == 0) {
        koan_options.selftest_tlb_shootdown = true;
    } else if (strcmp(tok, "selftest=tlb-local-only") == 0) {
        koan_options.selftest_tlb_local_only = true;
    } else if (strcmp(tok, "tsc=stable") == 0 || strcmp(tok, "tsc=unstable") == 0) {
        koan_options.tsc_unstable = tok[4] == 'u';
    } else if (spec_ctrl_option(tok)) {
        /* spec-ctrl=, pv-l1tf= (hyp/arch/x86_64/spec_ctrl_policy.c) */
    } else if (strncmp(tok, "console=", 8) && strncmp(tok, "com1=", 5)) {
        log_warn("unknown option '%s' ignored\n", tok);
    }
}

void options_parse(const char *cmdline)
{
    char tok[128];
    const char *p = cmdline;

    /* Loaders put the image's path first (QEMU, GRUB); it is no option. */
    for (bool first = true; cmdline_next_token(&p, tok, sizeof(tok)); first = false)
        if (!first || strchr(tok, '='))
            apply_option(tok);
}
