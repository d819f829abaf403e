/* SPDX-License-Identifier: MIT */
/* Building boot-time PV domains from ELF kernel images or Linux bzImages (the Xen PV ABI). */
#ifndef KOAN_HYP_DOM_BUILD_H
#define KOAN_HYP_DOM_BUILD_H

#include <hyp/domain.h>

struct dom_build_args {
    const void *kernel;          /* the image, direct-mapped */
    size_t kernel_size;
    const void *module;          /* start_info module (ramdisk) or NULL */
    size_t module_size;
    uint64_t nr_pages;           /* the domain's memory */
    const char *cmdline;         /* start_info.cmd_line */
};

/*
 * Build d from args: parse and check the image, lay out and fill its memory,
 * page tables and start_info, and prepare vCPU 0 to enter the kernel.
 * Returns 0, or a negative errno with *why saying what was wrong; on failure
 * everything allocated for d is released again.
 */
int dom_build(struct domain *d, const struct dom_build_args *args, const char **why);

#endif
