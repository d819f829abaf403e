/* SPDX-License-Identifier: MIT */
/*
 * Multiboot v1 information: the command line and memory map copied into a
 * struct boot_info while the boot tables still map the first GiB; the
 * modules read where the loader left them (include/hyp/boot_info.h).
 */
#include <asm/multiboot.h>
#include <asm/page.h>
#include <hyp/boot_info.h>
#include <hyp/console.h>
#include <hyp/machine.h>
#include <hyp/string.h>

#define BOOT_MAPPED_LIMIT (1UL << 30)

/* Loader data lies in the first GiB, which the boot tables map. */
static const void *loader_ptr(paddr_t pa, size_t len)
{
    if (pa + len < pa || pa + len > BOOT_MAPPED_LIMIT)
        panic("multiboot data at %#lx is outside the first GiB\n", pa);
    return phys_to_virt(pa);
}

static void copy_loader_string(char *dst, size_t size, paddr_t pa)
{
    dst[0] = '\0';
    if (pa)
        strlcpy(dst, loader_ptr(pa, 1), size);
}

static void parse_mmap(struct boot_info *bi, const struct multiboot_info *mbi)
{
    paddr_t pa = mbi->mmap_addr, end = pa + mbi->mmap_length;

    while (pa + sizeof(struct multiboot_mmap_entry) <= end &&
           bi->nr_regions < BOOT_MAX_REGIONS) {
        const struct multiboot_mmap_entry *e = loader_ptr(pa, sizeof(*e));
        struct mem_region *r = &bi->regions[bi->nr_regions++];
        r->start = e->addr;
        r->end = e->addr + e->len;
        r->type = e->type;
        pa += e->size + sizeof(e->size);
    }
}

static void parse_modules(struct boot_info *bi, const struct multiboot_info *mbi)
{
    /* Only checked here: the table is read once the direct map covers all RAM. */
    (void)loader_ptr(mbi->mods_addr, (paddr_t)mbi->mods_count * sizeof(struct multiboot_module));
    bi->loader_modules = mbi->mods_addr;
    bi->nr_modules = mbi->mods_count;
}

static const struct multiboot_module *loader_module(const struct boot_info *bi, unsigned i)
{
    return (const struct multiboot_module *)phys_to_virt(bi->loader_modules) + i;
}

struct boot_module boot_info_module(const struct boot_info *bi, unsigned i)
{
    const struct multiboot_module *m = loader_module(bi, i);

    return (struct boot_module){
        .start = m->mod_start, .end = m->mod_end,
        .cmdline = m->cmdline ? (const char *)phys_to_virt(m->cmdline) : "",
    };
}

void boot_info_loader_ranges(const struct boot_info *bi,
                             void (*fn)(void *ctx, paddr_t start, paddr_t end), void *ctx)
{
    if (!bi->nr_modules)
        return;
    fn(ctx, bi->loader_modules,
       bi->loader_modules + (paddr_t)bi->nr_modules * sizeof(struct multiboot_module));
    for (unsigned i = 0; i < bi->nr_modules; i++) {
        const struct multiboot_module *m = loader_module(bi, i);
        fn(ctx, m->mod_start, m->mod_end);
        if (m->cmdline)
            fn(ctx, m->cmdline, m->cmdline + strlen(phys_to_virt(m->cmdline)) + 1);
    }
}

void boot_info_parse(struct boot_info *bi, uint32_t magic, paddr_t info_pa)
{
    if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
        panic("not started by a multiboot loader (magic %#x)\n", magic);
    const struct multiboot_info *mbi = loader_ptr(info_pa, sizeof(*mbi));

    memset(bi, 0, sizeof(*bi));
    if (mbi->flags & MBI_FLAG_CMDLINE)
        copy_loader_string(bi->cmdline, sizeof(bi->cmdline), mbi->cmdline);
    if (mbi->flags & MBI_FLAG_MMAP)
        parse_mmap(bi, mbi);
    else if (mbi->flags & MBI_FLAG_MEM) {
        bi->regions[0] = (struct mem_region){ 0, (paddr_t)mbi->mem_lower << 10, 1 };
        bi->regions[1] = (struct mem_region){ 1UL << 20, (1UL << 20) + ((paddr_t)mbi->mem_upper << 10), 1 };
        bi->nr_regions = 2;
    }
    if (mbi->flags & MBI_FLAG_MODS)
        parse_modules(bi, mbi);
}

paddr_t boot_info_report_memory(const struct boot_info *bi)
{
    paddr_t ram_end = 0;
    uint64_t usable = 0;

    log_info("memory map:\n");
    for (unsigned i = 0; i < bi->nr_regions; i++) {
        const struct mem_region *r = &bi->regions[i];
        bool ram = r->type == MULTIBOOT_MEMORY_AVAILABLE;
        log_info("  [0x%012lx-0x%012lx] %s\n", r->start, r->end - 1, ram ? "usable" : "reserved");
        if (ram) {
            usable += r->end - r->start;
            ram_end = MAX(ram_end, r->end);
        }
    }
    log_info("%lu MiB usable\n", usable >> 20);
    if (!usable)
        panic("no usable memory in the memory map\n");
    return ram_end;
}
