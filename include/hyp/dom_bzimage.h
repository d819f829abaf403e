/* SPDX-License-Identifier: MIT */
/* The domain builder's bzImage step (hyp/pv/dom_bzimage.c). */
#ifndef KOAN_HYP_DOM_BZIMAGE_H
#define KOAN_HYP_DOM_BZIMAGE_H

#include <hyp/types.h>

/* The kernel the builder parses: the module itself, or the ELF from its bzImage payload. */
struct dom_kernel {
    const void *image;
    size_t size;
    void *elf_pages;       /* hypervisor pages holding a decompressed ELF, or NULL */
    uint64_t nr_pages;
};

/*
 * If img[0, size) is a bzImage, decompress its payload into fresh
 * hypervisor pages and point k at the ELF (logged, with its size and the
 * time taken); otherwise point k at img.  0, or a negative errno with *why
 * (include/hyp/bzimage.h lists the reasons, plus "not enough free memory
 * to decompress the bzImage").  Call dom_kernel_release() either way.
 */
int dom_kernel_unpack(const char *name, const void *img, size_t size, struct dom_kernel *k,
                      const char **why);
void dom_kernel_release(struct dom_kernel *k);

#endif
