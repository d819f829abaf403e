/* SPDX-License-Identifier: MIT */
/*
 * PV guest kernel parser: validates the ELF64 header and program headers,
 * reads the Xen ELF notes, and computes each PT_LOAD's guest virtual load
 * address from p_paddr (ABI doc §1.5).  The image is hostile input: all reads
 * go through in_image() bounds checks and copy into aligned local structs.
 */
#include <hyp/elf.h>
#include <hyp/errno.h>
#include <hyp/guest_range.h>
#include <hyp/string.h>
#include <hyp/xen_public.h>

/* ELF64 on-disk structures (little-endian, as on x86-64). */
struct elf64_ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

struct elf64_shdr {
    uint32_t name, type;
    uint64_t flags, addr, offset, size;
    uint32_t link, info;
    uint64_t addralign, entsize;
};

struct elf64_nhdr {
    uint32_t namesz, descsz, type;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header");
_Static_assert(sizeof(struct elf64_shdr) == 64, "ELF64 section header");
_Static_assert(sizeof(struct elf64_nhdr) == 12, "ELF note header");

#define ELFCLASS64   2
#define ELFDATA2LSB  1
#define EV_CURRENT   1
#define ET_EXEC      2
#define EM_X86_64    62
#define PT_LOAD      1
#define PT_NOTE      4
#define SHT_NOTE     7

static const char ERR_NOT_ELF[]   = "not an ELF file";
static const char ERR_NOT_X64[]   = "not a 64-bit x86-64 ELF executable";
static const char ERR_TRUNC[]     = "truncated image";
static const char ERR_NO_NOTES[]  = "no Xen ELF notes";
static const char ERR_LOADER[]    = "unsupported loader";
static const char ERR_VERSION[]   = "unsupported Xen version note";
static const char ERR_OUTSIDE[]   = "segment outside the guest virtual range";
static const char ERR_HYP[]       = "segment overlaps the hypervisor";
static const char ERR_ENTRY[]     = "entry point outside the image";
static const char ERR_TOO_MANY[]  = "too many segments";

/* The image being parsed. */
struct image {
    const uint8_t *base;
    size_t size;
};

/* Parse progress that is not part of the result. */
struct parse_state {
    bool has_entry;
    bool has_xen_note;
};

static int fail(const char **why, const char *msg)
{
    if (why)
        *why = msg;
    return -EINVAL;
}

/* True if [off, off+len) lies within the image; overflow-safe. */
static bool in_image(const struct image *im, uint64_t off, uint64_t len)
{
    return off <= im->size && len <= im->size - off;
}

static int check_ehdr(const struct image *im, struct elf64_ehdr *eh, const char **why)
{
    if (im->size < 4 || memcmp(im->base, "\x7f" "ELF", 4))
        return fail(why, ERR_NOT_ELF);
    if (im->size < sizeof(*eh))
        return fail(why, ERR_TRUNC);
    memcpy(eh, im->base, sizeof(*eh));
    if (eh->ident[4] != ELFCLASS64 || eh->ident[5] != ELFDATA2LSB ||
        eh->ident[6] != EV_CURRENT || eh->type != ET_EXEC ||
        eh->machine != EM_X86_64 || eh->phentsize != sizeof(struct elf64_phdr))
        return fail(why, ERR_NOT_X64);
    if (!in_image(im, eh->phoff, (uint64_t)eh->phnum * sizeof(struct elf64_phdr)))
        return fail(why, ERR_TRUNC);
    return 0;
}

static void read_phdr(const struct image *im, const struct elf64_ehdr *eh, unsigned i,
                      struct elf64_phdr *ph)
{
    /* check_ehdr() bounded the whole table. */
    memcpy(ph, im->base + eh->phoff + (uint64_t)i * sizeof(*ph), sizeof(*ph));
}

/* Value of a numeric note; false if its size is neither 4 nor 8 bytes. */
static bool note_number(const uint8_t *desc, uint32_t descsz, uint64_t *val)
{
    uint32_t v32;

    if (descsz == 8) {
        memcpy(val, desc, 8);
        return true;
    }
    if (descsz == 4) {
        memcpy(&v32, desc, 4);
        *val = v32;
        return true;
    }
    return false;
}

/* Copy a string note into dst[PV_IMAGE_STR_LEN], stopping at a NUL or descsz. */
static void note_string(char *dst, const uint8_t *desc, uint32_t descsz)
{
    size_t n = MIN((size_t)descsz, PV_IMAGE_STR_LEN - 1);

    n = strnlen((const char *)desc, n);
    memcpy(dst, desc, n);
    dst[n] = '\0';
}

static const struct {
    const char *name;
    unsigned bit;
} feature_names[] = {
    { "writable_page_tables",       XENFEAT_writable_page_tables },
    { "writable_descriptor_tables", XENFEAT_writable_descriptor_tables },
    { "auto_translated_physmap",    XENFEAT_auto_translated_physmap },
    { "supervisor_mode_kernel",     XENFEAT_supervisor_mode_kernel },
    { "pae_pgdir_above_4gb",        XENFEAT_pae_pgdir_above_4gb },
    { "mmu_pt_update_preserve_ad",  XENFEAT_mmu_pt_update_preserve_ad },
    { "highmem_assist",             XENFEAT_highmem_assist },
    { "gnttab_map_avail_bits",      XENFEAT_gnttab_map_avail_bits },
    { "hvm_callback_vector",        XENFEAT_hvm_callback_vector },
    { "hvm_safe_pvclock",           XENFEAT_hvm_safe_pvclock },
    { "hvm_pirqs",                  XENFEAT_hvm_pirqs },
    { "dom0",                       XENFEAT_dom0 },
    { "grant_map_identity",         12 },  /* commented out in features.h */
    { "memory_op_vnode_supported",  XENFEAT_memory_op_vnode_supported },
    { "linux_rsdp_unrestricted",    XENFEAT_linux_rsdp_unrestricted },
};

/* Apply one FEATURES token s[0, len): "name" or "!name". */
static void apply_feature(struct pv_image *out, const char *s, size_t len)
{
    bool required = len && s[0] == '!';

    if (required) {
        s++;
        len--;
    }
    for (size_t i = 0; i < ARRAY_SIZE(feature_names); i++) {
        const char *name = feature_names[i].name;

        if (strlen(name) != len || memcmp(name, s, len))
            continue;
        out->features_supported |= 1U << feature_names[i].bit;
        if (required)
            out->features_required |= 1U << feature_names[i].bit;
    }
}

/* Parse the '|'-separated FEATURES string desc[0, descsz), NUL optional. */
static void parse_features(struct pv_image *out, const uint8_t *desc, uint32_t descsz)
{
    const char *s = (const char *)desc;
    size_t len = strnlen(s, descsz), start = 0;

    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '|') {
            apply_feature(out, s + start, i - start);
            start = i + 1;
        }
    }
}

/* Record a numeric note of the given type. */
static void apply_number(struct pv_image *out, struct parse_state *st, uint32_t type, uint64_t v)
{
    switch (type) {
    case XEN_ELFNOTE_ENTRY:
        out->entry = v;
        st->has_entry = true;
        break;
    case XEN_ELFNOTE_HYPERCALL_PAGE:
        out->hypercall_page = v;
        out->has_hypercall_page = true;
        break;
    case XEN_ELFNOTE_VIRT_BASE:     out->virt_base = v; break;
    case XEN_ELFNOTE_PADDR_OFFSET:  out->paddr_offset = v; break;
    case XEN_ELFNOTE_HV_START_LOW:  out->hv_start_low = v; break;
    case XEN_ELFNOTE_SUSPEND_CANCEL: out->suspend_cancel = v != 0; break;
    case XEN_ELFNOTE_MOD_START_PFN: out->mod_start_pfn = v != 0; break;
    case XEN_ELFNOTE_SUPPORTED_FEATURES: out->features_supported |= (uint32_t)v; break;
    case XEN_ELFNOTE_INIT_P2M:
        out->init_p2m = v;
        out->has_init_p2m = true;
        break;
    }
}

/* Record one Xen note; desc[0, descsz) is within the image. */
static void apply_note(struct pv_image *out, struct parse_state *st, uint32_t type,
                       const uint8_t *desc, uint32_t descsz)
{
    uint64_t v;

    switch (type) {
    case XEN_ELFNOTE_XEN_VERSION:   note_string(out->xen_version, desc, descsz); return;
    case XEN_ELFNOTE_GUEST_OS:      note_string(out->guest_os, desc, descsz); return;
    case XEN_ELFNOTE_GUEST_VERSION: note_string(out->guest_version, desc, descsz); return;
    case XEN_ELFNOTE_LOADER:        note_string(out->loader, desc, descsz); return;
    case XEN_ELFNOTE_FEATURES:      parse_features(out, desc, descsz); return;
    }
    if (note_number(desc, descsz, &v))
        apply_number(out, st, type, v);
}

/* Walk the notes in image bytes [off, off+len), which the caller bounds-checked. */
static int scan_notes(const struct image *im, uint64_t off, uint64_t len,
                      struct pv_image *out, struct parse_state *st, const char **why)
{
    uint64_t pos = 0;

    while (len - pos >= sizeof(struct elf64_nhdr)) {
        struct elf64_nhdr nh;
        const uint8_t *name = im->base + off + pos + sizeof(nh);
        uint64_t desc_pos;

        memcpy(&nh, im->base + off + pos, sizeof(nh));
        desc_pos = pos + sizeof(nh) + ALIGN_UP((uint64_t)nh.namesz, 4);
        /* 32-bit sizes on a 64-bit position: these sums cannot overflow. */
        if (desc_pos > len || nh.descsz > len - desc_pos)
            return fail(why, ERR_TRUNC);
        if (nh.namesz == 4 && !memcmp(name, "Xen", 4)) {
            st->has_xen_note = true;
            apply_note(out, st, nh.type, im->base + off + desc_pos, nh.descsz);
        }
        pos = desc_pos + ALIGN_UP((uint64_t)nh.descsz, 4);
        if (pos > len)
            break;
    }
    return 0;
}

static int scan_note_segments(const struct image *im, const struct elf64_ehdr *eh,
                              struct pv_image *out, struct parse_state *st, const char **why)
{
    for (unsigned i = 0; i < eh->phnum; i++) {
        struct elf64_phdr ph;
        int rc;

        read_phdr(im, eh, i, &ph);
        if (ph.type != PT_NOTE)
            continue;
        if (!in_image(im, ph.offset, ph.filesz))
            return fail(why, ERR_TRUNC);
        rc = scan_notes(im, ph.offset, ph.filesz, out, st, why);
        if (rc)
            return rc;
    }
    return 0;
}

/* Fallback for images whose linker script put the notes in no PT_NOTE. */
static int scan_note_sections(const struct image *im, const struct elf64_ehdr *eh,
                              struct pv_image *out, struct parse_state *st, const char **why)
{
    if (eh->shnum == 0 || eh->shentsize != sizeof(struct elf64_shdr))
        return 0;
    if (!in_image(im, eh->shoff, (uint64_t)eh->shnum * sizeof(struct elf64_shdr)))
        return fail(why, ERR_TRUNC);
    for (unsigned i = 0; i < eh->shnum; i++) {
        struct elf64_shdr sh;
        int rc;

        memcpy(&sh, im->base + eh->shoff + (uint64_t)i * sizeof(sh), sizeof(sh));
        if (sh.type != SHT_NOTE)
            continue;
        if (!in_image(im, sh.offset, sh.size))
            return fail(why, ERR_TRUNC);
        rc = scan_notes(im, sh.offset, sh.size, out, st, why);
        if (rc)
            return rc;
    }
    return 0;
}

static int parse_notes(const struct image *im, const struct elf64_ehdr *eh,
                       struct pv_image *out, struct parse_state *st, const char **why)
{
    int rc = scan_note_segments(im, eh, out, st, why);

    if (!rc && !st->has_xen_note)
        rc = scan_note_sections(im, eh, out, st, why);
    if (!rc && !st->has_xen_note)
        rc = fail(why, ERR_NO_NOTES);
    return rc;
}

/* libelf's acceptance rule (ABI doc §1.5). */
static int check_loader(const struct pv_image *out, const char **why)
{
    if (strncmp(out->loader, "generic", 7) && strncmp(out->guest_os, "linux", 5))
        return fail(why, ERR_LOADER);
    if (strncmp(out->xen_version, "xen-3.0", 7))
        return fail(why, ERR_VERSION);
    return 0;
}

/*
 * Check that [va, va+len) is a usable guest range whose page-aligned end is
 * representable; len > 0.
 */
static int check_va_range(uint64_t va, uint64_t len, const char **why)
{
    if (len > UINT64_MAX - va || va + len > UINT64_MAX - (PAGE_SIZE - 1))
        return fail(why, ERR_OUTSIDE);
    if (!guest_range_canonical(va, len))
        return fail(why, ERR_OUTSIDE);
    if (guest_range_overlaps_hyp(va, len))
        return fail(why, ERR_HYP);
    return 0;
}

/* Validate one non-empty PT_LOAD and append it to out->seg[]. */
static int add_segment(const struct image *im, const struct elf64_phdr *ph,
                       struct pv_image *out, const char **why)
{
    struct pv_segment *seg;
    uint64_t va;
    int rc;

    if (ph->filesz > ph->memsz)
        return fail(why, ERR_NOT_X64);
    if (!in_image(im, ph->offset, ph->filesz))
        return fail(why, ERR_TRUNC);
    if (out->nr_segments == PV_IMAGE_MAX_SEGMENTS)
        return fail(why, ERR_TOO_MANY);
    if (ph->paddr < out->paddr_offset ||
        __builtin_add_overflow(ph->paddr - out->paddr_offset, out->virt_base, &va))
        return fail(why, ERR_OUTSIDE);
    rc = check_va_range(va, ph->memsz, why);
    if (rc)
        return rc;
    seg = &out->seg[out->nr_segments++];
    *seg = (struct pv_segment){ ph->offset, ph->filesz, ph->memsz, va };
    return 0;
}

/* Set virt_kstart/virt_kend from the segments and check the whole span. */
static int compute_span(struct pv_image *out, const char **why)
{
    uint64_t lo = UINT64_MAX, hi = 0;

    if (out->nr_segments == 0)
        return fail(why, ERR_NOT_X64);
    for (unsigned i = 0; i < out->nr_segments; i++) {
        lo = MIN(lo, out->seg[i].load_va);
        hi = MAX(hi, out->seg[i].load_va + out->seg[i].mem_size);
    }
    out->virt_kstart = ALIGN_DOWN(lo, PAGE_SIZE);
    out->virt_kend = ALIGN_UP(hi, PAGE_SIZE);   /* add_segment() bounded hi */
    /* Segments in both halves would make the span cross the hole. */
    return check_va_range(out->virt_kstart, out->virt_kend - out->virt_kstart, why);
}

static int collect_segments(const struct image *im, const struct elf64_ehdr *eh,
                            struct pv_image *out, const char **why)
{
    for (unsigned i = 0; i < eh->phnum; i++) {
        struct elf64_phdr ph;
        int rc;

        read_phdr(im, eh, i, &ph);
        if (ph.type != PT_LOAD || ph.memsz == 0)
            continue;
        rc = add_segment(im, &ph, out, why);
        if (rc)
            return rc;
    }
    return compute_span(out, why);
}

static bool in_span(const struct pv_image *out, uint64_t va)
{
    return va >= out->virt_kstart && va < out->virt_kend;
}

static int check_entry(const struct pv_image *out, const char **why)
{
    if (!in_span(out, out->entry))
        return fail(why, ERR_ENTRY);
    if (out->has_hypercall_page &&
        (!in_span(out, out->hypercall_page) || out->hypercall_page % PAGE_SIZE))
        return fail(why, ERR_ENTRY);
    return 0;
}

int pv_image_parse(const void *img, size_t size, struct pv_image *out, const char **why)
{
    const struct image im = { img, size };
    struct parse_state st = { false, false };
    struct elf64_ehdr eh;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = check_ehdr(&im, &eh, why);
    if (!rc)
        rc = parse_notes(&im, &eh, out, &st, why);
    if (!rc)
        rc = check_loader(out, why);
    if (!rc)
        rc = collect_segments(&im, &eh, out, why);
    if (!rc && !st.has_entry)
        out->entry = eh.entry;
    if (!rc)
        rc = check_entry(out, why);
    return rc;
}
