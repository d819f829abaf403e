/* SPDX-License-Identifier: MIT */
/*
 * Parser for Xen PV guest kernels: an ELF64 x86-64 executable with Xen ELF
 * notes (ABI doc §1.1-1.5).  The image is untrusted: every read is bounds
 * checked against its size.  Parsing only describes the image; loading it is
 * the domain builder's job.
 */
#ifndef KOAN_HYP_ELF_H
#define KOAN_HYP_ELF_H

#include <hyp/types.h>

#define PV_IMAGE_MAX_SEGMENTS 16
#define PV_IMAGE_STR_LEN      32

/* One PT_LOAD segment: file bytes [file_offset, +file_size) go to load_va, the rest up to mem_size is zero. */
struct pv_segment {
    uint64_t file_offset, file_size, mem_size, load_va;
};

struct pv_image {
    uint64_t entry;             /* ENTRY note, else e_entry */
    uint64_t virt_base;         /* VIRT_BASE note, else 0 */
    uint64_t paddr_offset;      /* PADDR_OFFSET note, else 0 */
    uint64_t hypercall_page;    /* valid if has_hypercall_page */
    uint64_t init_p2m;          /* valid if has_init_p2m (recorded, not honoured yet) */
    uint64_t hv_start_low;      /* HV_START_LOW note, else 0 */
    bool has_hypercall_page, has_init_p2m, mod_start_pfn, suspend_cancel;
    /*
     * XENFEAT submap 0.  FEATURES names with '!' set their bit in both
     * required and supported (required implies supported); names without '!'
     * and the SUPPORTED_FEATURES note set supported.  Unknown names are ignored.
     */
    uint32_t features_required, features_supported;
    /* String notes, NUL-terminated, truncated to 31 characters. */
    char guest_os[PV_IMAGE_STR_LEN], guest_version[PV_IMAGE_STR_LEN];
    char xen_version[PV_IMAGE_STR_LEN], loader[PV_IMAGE_STR_LEN];
    uint64_t virt_kstart, virt_kend;  /* page-aligned [lowest load_va, highest load_va+mem_size) */
    unsigned nr_segments;
    struct pv_segment seg[PV_IMAGE_MAX_SEGMENTS];
};

/*
 * Parse and validate the PV kernel img[0, size).  Returns 0 and fills *out, or
 * -EINVAL with *why (if why is non-NULL) set to one of these exact strings:
 *   "not an ELF file"                          no ELF magic
 *   "not a 64-bit x86-64 ELF executable"       wrong class/endianness/machine/type/
 *                                              phentsize, no non-empty PT_LOAD,
 *                                              or a PT_LOAD with filesz > memsz
 *   "truncated image"                          a header, table, note or segment
 *                                              runs past the end of the image
 *   "no Xen ELF notes"                         no note named "Xen"
 *   "unsupported loader"                       neither LOADER "generic*" nor
 *                                              GUEST_OS "linux*"
 *   "unsupported Xen version note"             XEN_VERSION not "xen-3.0*"
 *   "segment outside the guest virtual range"  wraps, ends at/above 2^64, non-canonical,
 *                                              or below virt_base
 *   "segment overlaps the hypervisor"          touches [0xffff800000000000, 0xffff880000000000)
 *   "entry point outside the image"            entry (or a HYPERCALL_PAGE that is not
 *                                              a page-aligned page of the image)
 *                                              outside [virt_kstart, virt_kend)
 *   "too many segments"                        more than 16 non-empty PT_LOADs
 * PT_LOADs with p_memsz 0 are skipped.  Load address = p_paddr - paddr_offset
 * + virt_base.  Numeric notes whose descsz is not 4 or 8 are ignored.  Notes
 * come from PT_NOTE segments, or, if those hold no Xen note, SHT_NOTE sections.
 */
int pv_image_parse(const void *img, size_t size, struct pv_image *out, const char **why);

#endif
