/* SPDX-License-Identifier: MIT */
/*
 * The domain builder's bzImage step: when a kernel module is a Linux
 * bzImage (the packaged vmlinuz), decompress its ELF payload into frames
 * of the hypervisor's own, which the builder then parses and loads as if
 * the ELF had been the module; the frames go back once the domain is built
 * (or refused).  The output is sized from the xz index and bounded by
 * BZIMAGE_ELF_MAX; a hostile image gets a refusal reason, never a fault.
 */
#include <hyp/bzimage.h>
#include <hyp/clock.h>
#include <hyp/console.h>
#include <hyp/dom_bzimage.h>
#include <hyp/errno.h>
#include <hyp/frame.h>
#include <hyp/xz.h>

#define WORK_PAGES (ALIGN_UP(XZ_WORK_SIZE, PAGE_SIZE) / PAGE_SIZE)

static int decompress(const char *name, const struct bzimage *bz, uint64_t elf_size,
                      struct dom_kernel *k, const char **why)
{
    void *work = hyp_alloc_pages(WORK_PAGES);
    uint64_t start = clock_tsc();
    size_t out_len;
    int rc;

    if (!work)
        return *why = "not enough free memory to decompress the bzImage", -ENOMEM;
    rc = bzimage_decompress(bz, k->elf_pages, elf_size, work, WORK_PAGES * PAGE_SIZE,
                            &out_len, why);
    hyp_free_pages(work, WORK_PAGES);
    if (rc)
        return rc;
    k->image = k->elf_pages;
    k->size = out_len;
    log_info("domain %s: bzImage (boot protocol %u.%02u): %zu bytes of xz decompressed to "
             "%zu bytes of ELF in %lu ms\n", name, bz->version >> 8, bz->version & 0xff,
             bz->payload_size, out_len, clock_ticks_to_ns(clock_tsc() - start) / 1000000);
    return 0;
}

int dom_kernel_unpack(const char *name, const void *img, size_t size, struct dom_kernel *k,
                      const char **why)
{
    struct bzimage bz;
    uint64_t elf_size;
    int rc;

    *k = (struct dom_kernel){ .image = img, .size = size };
    if (!bzimage_detect(img, size))
        return 0;   /* an ELF image, or something the ELF parser will refuse */
    if ((rc = bzimage_parse(img, size, &bz, why)) || (rc = bzimage_elf_size(&bz, &elf_size, why)))
        return rc;
    k->nr_pages = ALIGN_UP(elf_size, PAGE_SIZE) / PAGE_SIZE;
    if (!k->nr_pages)
        return *why = "bzImage: empty payload", -EINVAL;
    k->elf_pages = hyp_alloc_pages(k->nr_pages);
    if (!k->elf_pages)
        return *why = "not enough free memory to decompress the bzImage", -ENOMEM;
    return decompress(name, &bz, elf_size, k, why);
}

void dom_kernel_release(struct dom_kernel *k)
{
    hyp_free_pages(k->elf_pages, k->nr_pages);
    k->elf_pages = NULL;
    k->nr_pages = 0;
}
