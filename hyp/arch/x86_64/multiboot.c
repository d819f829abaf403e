/* SPDX-License-Identifier: MIT */
/*
 * Multiboot v1 information: command line, memory map and modules, copied
 * into a struct boot_info while the boot tables still map the first GiB.
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
    const struct multiboot_module *mods =
        loader_ptr(mbi->mods_addr, mbi->mods_count * sizeof(*mods));

    for (uint32_t i = 0; i < mbi->mods_count; i++) {
        if (bi->nr_modules == BOOT_MAX_MODULES) {
            log_warn("more than %d modules, ignoring the rest\n", BOOT_MAX_MODULES);
            break;
        }
        struct boot_module *m = &bi->modules[bi->nr_modules++];
        m->start = mods[i].mod_start;
        m->end = mods[i].mod_end;
        copy_loader_string(m->cmdline, sizeof(m->cmdline), mods[i].cmdline);
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
