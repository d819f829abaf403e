/* SPDX-License-Identifier: MIT */
/*
 * What the boot loader told us, copied out of its structures early so that
 * nothing later depends on where the loader left them.
 */
#ifndef KOAN_HYP_BOOT_INFO_H
#define KOAN_HYP_BOOT_INFO_H

#include <hyp/types.h>

#define BOOT_MAX_REGIONS  64
#define BOOT_MAX_MODULES  16
#define BOOT_CMDLINE_MAX  1024

struct mem_region {
    paddr_t start, end;   /* [start, end) */
    uint32_t type;        /* multiboot type: 1 = usable RAM */
};

struct boot_module {
    paddr_t start, end;
    char cmdline[BOOT_CMDLINE_MAX];
};

struct boot_info {
    char cmdline[BOOT_CMDLINE_MAX];
    unsigned nr_regions;
    struct mem_region regions[BOOT_MAX_REGIONS];
    unsigned nr_modules;
    struct boot_module modules[BOOT_MAX_MODULES];
};

/* Parse the loader's information (multiboot v1); panics on a bad magic. */
void boot_info_parse(struct boot_info *bi, uint32_t magic, paddr_t info_pa);
/* Print the memory map and return the end of the highest usable region. */
paddr_t boot_info_report_memory(const struct boot_info *bi);

#endif
