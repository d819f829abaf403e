/* SPDX-License-Identifier: MIT */
/*
 * What the boot loader told us.  The command line and memory map are
 * copied out of its structures early; the modules -- any number of them --
 * stay where the loader put them, with their table and command lines:
 * the frame allocator keeps every one of those ranges out of use
 * (boot_info_loader_ranges), so they stay valid for good.
 */
#ifndef KOAN_HYP_BOOT_INFO_H
#define KOAN_HYP_BOOT_INFO_H

#include <hyp/types.h>

#define BOOT_MAX_REGIONS  64
#define BOOT_CMDLINE_MAX  1024

struct mem_region {
    paddr_t start, end;   /* [start, end) */
    uint32_t type;        /* multiboot type: 1 = usable RAM */
};

struct boot_module {
    paddr_t start, end;
    const char *cmdline;  /* the loader's string, where it put it ("" if none) */
};

struct boot_info {
    char cmdline[BOOT_CMDLINE_MAX];
    unsigned nr_regions;
    struct mem_region regions[BOOT_MAX_REGIONS];
    unsigned nr_modules;
    paddr_t loader_modules;   /* the loader's table of nr_modules entries */
};

/* Parse the loader's information (multiboot v1); panics on a bad magic. */
void boot_info_parse(struct boot_info *bi, uint32_t magic, paddr_t info_pa);
/* Module i (< nr_modules), as the loader describes it. */
struct boot_module boot_info_module(const struct boot_info *bi, unsigned i);
/*
 * Every range of loader memory used after boot_info_parse -- each module,
 * the module table, each module's command line -- as fn(ctx, start, end).
 */
void boot_info_loader_ranges(const struct boot_info *bi,
                             void (*fn)(void *ctx, paddr_t start, paddr_t end), void *ctx);
/* Print the memory map and return the end of the highest usable region. */
paddr_t boot_info_report_memory(const struct boot_info *bi);

#endif
