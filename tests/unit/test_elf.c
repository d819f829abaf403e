/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for hyp/lib/elf.c: tiny PV kernel images are built in memory
 * (one valid Linux-like image, variants for each refusal reason), parsed from
 * exactly-sized heap buffers so ASan catches any out-of-bounds read, and
 * fuzzed with random byte flips and truncations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <hyp/elf.h>
#include <hyp/errno.h>
#include <hyp/string.h>
#include <hyp/xen_public.h>

#define VB    0xffffffff80000000UL    /* Linux VIRT_BASE */
#define KOFF  0x1000000UL             /* kernel at +16 MiB */

struct tnote {
    const char *name;       /* "Xen" unless set */
    uint32_t type;
    uint8_t desc[64];
    uint32_t descsz;
};

struct tseg {
    uint32_t type;          /* PT_LOAD (1) unless set */
    uint64_t paddr, vaddr, filesz, memsz, offset;   /* offset 0 = auto */
};

struct tspec {
    uint8_t ident_class, ident_data;
    uint16_t type, machine, phentsize;
    uint64_t entry;
    bool notes_in_section;  /* no PT_NOTE; an SHT_NOTE section instead */
    unsigned nr_notes, nr_segs;
    struct tnote notes[24];
    struct tseg segs[24];
};

static void put(uint8_t *b, size_t off, const void *v, size_t n)
{
    koan_memcpy(b + off, v, n);
}

static void add_str(struct tspec *s, uint32_t type, const char *str)
{
    struct tnote *n = &s->notes[s->nr_notes++];

    n->type = type;
    n->descsz = (uint32_t)strlen(str) + 1;
    memcpy(n->desc, str, n->descsz);
}

static void add_num(struct tspec *s, uint32_t type, uint64_t v, uint32_t size)
{
    struct tnote *n = &s->notes[s->nr_notes++];

    n->type = type;
    n->descsz = size;
    memcpy(n->desc, &v, size < 8 ? size : 8);
}

static void add_seg(struct tspec *s, uint64_t paddr, uint64_t filesz, uint64_t memsz)
{
    s->segs[s->nr_segs++] = (struct tseg){ 1, paddr, 0xdead000, filesz, memsz, 0 };
}

/* Note blob: returns its size, writing into b if non-NULL. */
static size_t build_notes(const struct tspec *s, uint8_t *b)
{
    size_t off = 0;

    for (unsigned i = 0; i < s->nr_notes; i++) {
        const struct tnote *n = &s->notes[i];
        const char *name = n->name ? n->name : "Xen";
        uint32_t nh[3] = { (uint32_t)strlen(name) + 1, n->descsz, n->type };

        if (b) {
            put(b, off, nh, 12);
            put(b, off + 12, name, nh[0]);
            put(b, off + 12 + ALIGN_UP(nh[0], 4), n->desc, n->descsz);
        }
        off += 12 + ALIGN_UP(nh[0], 4) + ALIGN_UP(n->descsz, 4);
    }
    return off;
}

static void put_phdr(uint8_t *b, size_t off, uint32_t type, uint64_t foff, uint64_t vaddr,
                     uint64_t paddr, uint64_t filesz, uint64_t memsz)
{
    uint32_t flags = 5;
    uint64_t align = 0x1000;

    put(b, off, &type, 4);
    put(b, off + 4, &flags, 4);
    put(b, off + 8, &foff, 8);
    put(b, off + 16, &vaddr, 8);
    put(b, off + 24, &paddr, 8);
    put(b, off + 32, &filesz, 8);
    put(b, off + 40, &memsz, 8);
    put(b, off + 48, &align, 8);
}

static void put_ehdr(uint8_t *b, const struct tspec *s, uint16_t phnum,
                     uint64_t shoff, uint16_t shnum)
{
    uint8_t ident[16] = { 0x7f, 'E', 'L', 'F', s->ident_class, s->ident_data, 1 };
    uint32_t version = 1;
    uint64_t phoff = 64;
    uint16_t ehsize = 64, shentsize = 64, zero = 0;

    put(b, 0, ident, 16);
    put(b, 16, &s->type, 2);
    put(b, 18, &s->machine, 2);
    put(b, 20, &version, 4);
    put(b, 24, &s->entry, 8);
    put(b, 32, &phoff, 8);
    put(b, 40, &shoff, 8);
    put(b, 52, &ehsize, 2);
    put(b, 54, &s->phentsize, 2);
    put(b, 56, &phnum, 2);
    put(b, 58, &shentsize, 2);
    put(b, 60, &shnum, 2);
    put(b, 62, &zero, 2);
}

/* Section table: [0] null, [1] SHT_NOTE over the note blob. */
static void put_shdrs(uint8_t *b, size_t off, uint64_t notes_off, uint64_t notes_len)
{
    uint32_t type = 7;

    memset(b + off, 0, 128);
    put(b, off + 64 + 4, &type, 4);
    put(b, off + 64 + 24, &notes_off, 8);
    put(b, off + 64 + 32, &notes_len, 8);
}

/* Lay out: ehdr, phdrs (notes first), note blob, segment data, [shdrs]. */
static uint8_t *build(const struct tspec *s, size_t *size)
{
    unsigned nph = s->nr_segs + 1;
    size_t notes_off = 64 + nph * 56, notes_len = build_notes(s, NULL);
    size_t off = ALIGN_UP(notes_off + notes_len, 16), shoff;
    uint8_t *b = calloc(1, 1 << 20);

    for (unsigned i = 0; i < s->nr_segs; i++) {
        const struct tseg *g = &s->segs[i];
        uint64_t foff = g->offset ? g->offset : off;

        put_phdr(b, 64 + (i + 1) * 56, g->type, foff, g->vaddr, g->paddr, g->filesz, g->memsz);
        if (!g->offset && g->filesz < 0x10000) {
            memset(b + off, 0x90 + i, g->filesz);
            off += g->filesz;
        }
    }
    put_phdr(b, 64, s->notes_in_section ? 0 : 4, notes_off, 0, 0, notes_len, notes_len);
    build_notes(s, b + notes_off);
    shoff = ALIGN_UP(off, 8);
    if (s->notes_in_section) {
        put_shdrs(b, shoff, notes_off, notes_len);
        off = shoff + 128;
    }
    put_ehdr(b, s, (uint16_t)nph, s->notes_in_section ? shoff : 0,
             s->notes_in_section ? 2 : 0);
    *size = off;
    return b;
}

/* The Linux-like reference image. */
static void linux_spec(struct tspec *s)
{
    memset(s, 0, sizeof(*s));
    s->ident_class = 2;
    s->ident_data = 1;
    s->type = 2;
    s->machine = 62;
    s->phentsize = 56;
    s->entry = 0x1234;                               /* overridden by ENTRY note */
    add_str(s, XEN_ELFNOTE_GUEST_OS, "linux");
    add_str(s, XEN_ELFNOTE_GUEST_VERSION, "2.6");
    add_str(s, XEN_ELFNOTE_XEN_VERSION, "xen-3.0");
    add_num(s, XEN_ELFNOTE_VIRT_BASE, VB, 8);
    add_num(s, XEN_ELFNOTE_PADDR_OFFSET, 0, 8);
    add_num(s, XEN_ELFNOTE_ENTRY, VB + KOFF + 0x180, 8);
    add_num(s, XEN_ELFNOTE_HYPERCALL_PAGE, VB + KOFF + 0x1000, 8);
    add_str(s, XEN_ELFNOTE_FEATURES, "!writable_page_tables|pae_pgdir_above_4gb|no_such_thing");
    add_num(s, XEN_ELFNOTE_SUPPORTED_FEATURES, 0x8801, 4);
    add_str(s, XEN_ELFNOTE_LOADER, "generic");
    add_num(s, XEN_ELFNOTE_SUSPEND_CANCEL, 1, 4);
    add_num(s, XEN_ELFNOTE_MOD_START_PFN, 1, 4);
    add_num(s, XEN_ELFNOTE_HV_START_LOW, 0xffff800000000000UL, 8);
    add_num(s, XEN_ELFNOTE_INIT_P2M, 0x8000000000UL, 8);
    add_num(s, XEN_ELFNOTE_L1_MFN_VALID, 0x101, 16);  /* odd size: ignored */
    s->notes[s->nr_notes].name = "GNU";
    add_num(s, 3, 0xabcdef, 5);                       /* foreign note, odd size */
    add_seg(s, KOFF, 0x3000, 0x3000);                 /* text */
    add_seg(s, KOFF + 0x4000, 0x100, 0x5000);         /* data + bss */
    add_seg(s, KOFF + 0xa000, 0x80, 0x800);           /* percpu-like: vaddr is junk */
    add_seg(s, KOFF + 0x100000, 0, 0);                /* empty: skipped */
}

/* Parse a copy of img in an exactly-sized heap buffer. */
static int parse_exact(const uint8_t *img, size_t size, struct pv_image *out, const char **why)
{
    uint8_t *copy = malloc(size ? size : 1);
    int rc;

    memcpy(copy, img, size);
    rc = pv_image_parse(copy, size, out, why);
    free(copy);
    return rc;
}

static int parse_spec(const struct tspec *s, struct pv_image *out, const char **why)
{
    size_t size;
    uint8_t *img = build(s, &size);
    int rc = parse_exact(img, size, out, why);

    free(img);
    return rc;
}

/* Expect the spec to be refused with exactly msg. */
static void expect_refused(const struct tspec *s, const char *msg)
{
    struct pv_image im;
    const char *why = NULL;

    assert_int_equal(parse_spec(s, &im, &why), -EINVAL);
    assert_non_null(why);
    assert_string_equal(why, msg);
}

/* Build the spec, overwrite the 4 or 8 bytes at off with v, expect "truncated image". */
static void expect_patched_refused(const struct tspec *s, size_t off, uint64_t v)
{
    struct pv_image im;
    const char *why = NULL;
    size_t size;
    uint8_t *img = build(s, &size);

    put(img, off, &v, v > UINT32_MAX ? 8 : 4);
    assert_int_equal(parse_exact(img, size, &im, &why), -EINVAL);
    assert_string_equal(why, "truncated image");
    free(img);
}

static void test_valid_linux(void **state)
{
    struct tspec s;
    struct pv_image im;
    const char *why = NULL;

    linux_spec(&s);
    assert_int_equal(parse_spec(&s, &im, &why), 0);
    assert_true(im.entry == VB + KOFF + 0x180);
    assert_true(im.virt_base == VB);
    assert_true(im.paddr_offset == 0);
    assert_true(im.has_hypercall_page && im.hypercall_page == VB + KOFF + 0x1000);
    assert_true(im.has_init_p2m && im.init_p2m == 0x8000000000UL);
    assert_true(im.hv_start_low == 0xffff800000000000UL);
    assert_true(im.mod_start_pfn && im.suspend_cancel);
    assert_int_equal(im.features_required, 1u << XENFEAT_writable_page_tables);
    assert_int_equal(im.features_supported, 0x8801u | (1u << XENFEAT_pae_pgdir_above_4gb));
    assert_string_equal(im.guest_os, "linux");
    assert_string_equal(im.guest_version, "2.6");
    assert_string_equal(im.xen_version, "xen-3.0");
    assert_string_equal(im.loader, "generic");
    assert_int_equal(im.nr_segments, 3);
    assert_true(im.seg[0].load_va == VB + KOFF && im.seg[0].file_size == 0x3000);
    assert_true(im.seg[1].load_va == VB + KOFF + 0x4000 && im.seg[1].mem_size == 0x5000);
    assert_true(im.seg[2].load_va == VB + KOFF + 0xa000);   /* from p_paddr */
    assert_true(im.virt_kstart == VB + KOFF);
    assert_true(im.virt_kend == VB + KOFF + 0xb000);
}

/* Mini-OS style: no VIRT_BASE/ENTRY, linked at 0, 4-byte numbers, PADDR_OFFSET. */
static void test_valid_minios(void **state)
{
    struct tspec s = { 2, 1, 2, 62, 56, 0x2000, false, 0, 0, { { 0 } }, { { 0 } } };
    struct pv_image im;

    add_str(&s, XEN_ELFNOTE_GUEST_OS, "Mini-OS");
    add_str(&s, XEN_ELFNOTE_LOADER, "generic-and-more");
    add_str(&s, XEN_ELFNOTE_XEN_VERSION, "xen-3.0.4");
    add_str(&s, XEN_ELFNOTE_FEATURES, "writable_descriptor_tables|!dom0|");
    add_seg(&s, 0x1000, 0x2000, 0x4000);
    assert_int_equal(parse_spec(&s, &im, NULL), 0);
    assert_true(im.entry == 0x2000 && im.virt_base == 0);
    assert_true(im.virt_kstart == 0x1000 && im.virt_kend == 0x5000);
    assert_false(im.has_hypercall_page || im.has_init_p2m || im.mod_start_pfn);
    assert_int_equal(im.features_required, 1u << XENFEAT_dom0);
    assert_int_equal(im.features_supported, (1u << XENFEAT_dom0) | 2u);

    /* PADDR_OFFSET: load address = paddr - offset + virt_base. */
    add_num(&s, XEN_ELFNOTE_VIRT_BASE, 0x400000, 4);
    add_num(&s, XEN_ELFNOTE_PADDR_OFFSET, 0x1000, 4);
    add_num(&s, XEN_ELFNOTE_ENTRY, 0x400800, 4);
    assert_int_equal(parse_spec(&s, &im, NULL), 0);
    assert_true(im.seg[0].load_va == 0x400000 && im.entry == 0x400800);
}

static void test_notes_in_sections(void **state)
{
    struct tspec s;
    struct pv_image im;

    linux_spec(&s);
    s.notes_in_section = true;
    assert_int_equal(parse_spec(&s, &im, NULL), 0);
    assert_string_equal(im.guest_os, "linux");
}

static void test_not_elf(void **state)
{
    struct pv_image im;
    const char *why;

    assert_int_equal(parse_exact((const uint8_t *)"", 0, &im, &why), -EINVAL);
    assert_string_equal(why, "not an ELF file");
    assert_int_equal(parse_exact((const uint8_t *)"\x7f" "EL", 3, &im, &why), -EINVAL);
    assert_string_equal(why, "not an ELF file");
    assert_int_equal(parse_exact((const uint8_t *)"#!/bin/sh\n", 10, &im, &why), -EINVAL);
    assert_string_equal(why, "not an ELF file");
    assert_int_equal(parse_exact((const uint8_t *)"\x7f" "ELF\2\1\1", 7, &im, &why), -EINVAL);
    assert_string_equal(why, "truncated image");
}

static void test_not_x86_64(void **state)
{
    static const char msg[] = "not a 64-bit x86-64 ELF executable";
    struct tspec s;

    linux_spec(&s); s.ident_class = 1; expect_refused(&s, msg);
    linux_spec(&s); s.ident_data = 2; expect_refused(&s, msg);
    linux_spec(&s); s.machine = 3; expect_refused(&s, msg);
    linux_spec(&s); s.type = 3; expect_refused(&s, msg);         /* ET_DYN */
    linux_spec(&s); s.phentsize = 32; expect_refused(&s, msg);
    linux_spec(&s); s.segs[0].filesz = 0x4000; s.segs[0].memsz = 0x3000;
    expect_refused(&s, msg);
    linux_spec(&s); s.nr_segs = 0; expect_refused(&s, msg);       /* nothing to load */
    linux_spec(&s); s.segs[0].memsz = s.segs[1].memsz = s.segs[2].memsz = 0;
    s.segs[0].filesz = s.segs[1].filesz = s.segs[2].filesz = 0;
    expect_refused(&s, msg);
}

static void test_truncated(void **state)
{
    struct tspec s;
    struct pv_image im;
    const char *why;
    size_t size;
    uint8_t *img;

    linux_spec(&s);
    img = build(&s, &size);
    /* Every strict prefix is refused cleanly (most as truncated). */
    for (size_t n = 0; n < size; n++) {
        why = NULL;
        assert_int_equal(parse_exact(img, n, &im, &why), -EINVAL);
        assert_non_null(why);
    }
    assert_int_equal(parse_exact(img, 64 + 56, &im, &why), -EINVAL);
    assert_string_equal(why, "truncated image");               /* phdr table */
    free(img);

    linux_spec(&s); s.segs[0].filesz = 0x3000000; s.segs[0].memsz = 0x3000000;
    expect_refused(&s, "truncated image");                    /* segment past EOF */
    linux_spec(&s); s.segs[0].offset = UINT64_MAX - 0x100;
    expect_refused(&s, "truncated image");                    /* offset+size wraps */
    linux_spec(&s);
    expect_patched_refused(&s, 64 + 5 * 56 + 4, 0xfffffff0);  /* first note's descsz */
    expect_patched_refused(&s, 64 + 32, 20);                   /* PT_NOTE cuts a note */
    expect_patched_refused(&s, 64 + 8, 0xfffffffffffff000UL);  /* PT_NOTE past EOF */
}

static void test_no_xen_notes(void **state)
{
    struct tspec s;

    linux_spec(&s);
    s.nr_notes = 0;
    s.notes[0].name = "GNU";
    add_str(&s, XEN_ELFNOTE_GUEST_OS, "linux");
    expect_refused(&s, "no Xen ELF notes");
    s.nr_notes = 0;
    expect_refused(&s, "no Xen ELF notes");
    s.notes[0].name = "Xenx";
    add_str(&s, XEN_ELFNOTE_GUEST_OS, "linux");
    expect_refused(&s, "no Xen ELF notes");
}

static void test_loader_and_version(void **state)
{
    struct tspec s;

    linux_spec(&s);
    strcpy((char *)s.notes[0].desc, "freebsd");       /* GUEST_OS */
    strcpy((char *)s.notes[9].desc, "special");       /* LOADER */
    expect_refused(&s, "unsupported loader");
    strcpy((char *)s.notes[0].desc, "linux-ish");     /* GUEST_OS "linux*" suffices */
    assert_int_equal(parse_spec(&s, &(struct pv_image){ 0 }, NULL), 0);
    strcpy((char *)s.notes[2].desc, "xen-2.0");
    expect_refused(&s, "unsupported Xen version note");
    s.notes[2].type = XEN_ELFNOTE_INFO;                /* no XEN_VERSION at all */
    expect_refused(&s, "unsupported Xen version note");
}

static void test_outside_range(void **state)
{
    static const char msg[] = "segment outside the guest virtual range";
    struct tspec s;

    linux_spec(&s); add_num(&s, XEN_ELFNOTE_PADDR_OFFSET, KOFF + 0x1000, 8);
    expect_refused(&s, msg);                                   /* below virt_base */
    linux_spec(&s); s.segs[1].memsz = 0x100000000UL;           /* wraps past 2^64 */
    expect_refused(&s, msg);
    linux_spec(&s); s.segs[1].memsz = 0x80000000UL - KOFF - 0x4000;   /* ends at 2^64 */
    expect_refused(&s, msg);
    linux_spec(&s); s.segs[0].paddr = 0xffffffffffffff00UL;    /* va overflows */
    expect_refused(&s, msg);
    linux_spec(&s); add_num(&s, XEN_ELFNOTE_VIRT_BASE, 0x00007fffff000000UL, 8);
    add_num(&s, XEN_ELFNOTE_ENTRY, 0x00007fffff000000UL + KOFF, 8);
    expect_refused(&s, msg);                                   /* into the hole */
    linux_spec(&s); add_num(&s, XEN_ELFNOTE_VIRT_BASE, 0x0000900000000000UL, 8);
    expect_refused(&s, msg);                                   /* non-canonical */
    /* Two segments, one per half: the span crosses the hole. */
    linux_spec(&s); add_num(&s, XEN_ELFNOTE_VIRT_BASE, 0, 8);
    s.segs[2].paddr = 0xffffffff80000000UL;
    expect_refused(&s, msg);
}

static void test_overlaps_hypervisor(void **state)
{
    static const char msg[] = "segment overlaps the hypervisor";
    struct tspec s;

    linux_spec(&s); add_num(&s, XEN_ELFNOTE_VIRT_BASE, 0xffff800000000000UL, 8);
    expect_refused(&s, msg);
    linux_spec(&s); add_num(&s, XEN_ELFNOTE_VIRT_BASE, 0xffff880000000000UL - KOFF - 0x1000, 8);
    expect_refused(&s, msg);                                   /* crosses the top edge */
    linux_spec(&s); add_num(&s, XEN_ELFNOTE_VIRT_BASE, 0xffff880000000000UL - KOFF, 8);
    add_num(&s, XEN_ELFNOTE_ENTRY, 0xffff880000000000UL, 8);
    add_num(&s, XEN_ELFNOTE_HYPERCALL_PAGE, 0xffff880000001000UL, 8);
    assert_int_equal(parse_spec(&s, &(struct pv_image){ 0 }, NULL), 0);   /* just above */
}

static void test_entry_outside(void **state)
{
    static const char msg[] = "entry point outside the image";
    struct tspec s;

    linux_spec(&s); add_num(&s, XEN_ELFNOTE_ENTRY, VB + KOFF - 1, 8);
    expect_refused(&s, msg);
    linux_spec(&s); add_num(&s, XEN_ELFNOTE_ENTRY, VB + KOFF + 0xb000, 8);
    expect_refused(&s, msg);
    linux_spec(&s); add_num(&s, XEN_ELFNOTE_ENTRY, VB + KOFF + 0xafff, 4 + 4);
    assert_int_equal(parse_spec(&s, &(struct pv_image){ 0 }, NULL), 0);
    linux_spec(&s); s.notes[5].type = XEN_ELFNOTE_INFO;        /* no ENTRY: e_entry */
    expect_refused(&s, msg);
    linux_spec(&s); add_num(&s, XEN_ELFNOTE_HYPERCALL_PAGE, VB + KOFF + 0x1800, 8);
    expect_refused(&s, msg);                                   /* unaligned */
    linux_spec(&s); add_num(&s, XEN_ELFNOTE_HYPERCALL_PAGE, VB, 8);
    expect_refused(&s, msg);
}

static void test_too_many_segments(void **state)
{
    struct tspec s;
    struct pv_image im;

    linux_spec(&s);
    s.nr_segs = 0;
    for (unsigned i = 0; i < 16; i++)
        add_seg(&s, KOFF + i * 0x1000, 0x10, 0x1000);
    assert_int_equal(parse_spec(&s, &im, NULL), 0);
    assert_int_equal(im.nr_segments, 16);
    add_seg(&s, KOFF + 16 * 0x1000, 0x10, 0x1000);
    expect_refused(&s, "too many segments");
}

static void test_long_strings_truncated(void **state)
{
    struct tspec s;
    struct pv_image im;

    linux_spec(&s);
    add_str(&s, XEN_ELFNOTE_GUEST_VERSION, "0123456789012345678901234567890123456789");
    s.notes[s.nr_notes - 1].descsz = 40;                        /* no NUL inside */
    assert_int_equal(parse_spec(&s, &im, NULL), 0);
    assert_string_equal(im.guest_version, "0123456789012345678901234567890");
}

static bool known_reason(const char *why)
{
    static const char *const reasons[] = {
        "not an ELF file", "not a 64-bit x86-64 ELF executable", "truncated image",
        "no Xen ELF notes", "unsupported loader", "unsupported Xen version note",
        "segment outside the guest virtual range", "segment overlaps the hypervisor",
        "entry point outside the image", "too many segments",
    };

    for (size_t i = 0; i < ARRAY_SIZE(reasons); i++)
        if (why && !strcmp(why, reasons[i]))
            return true;
    return false;
}

/* Random byte flips (biased to the headers and notes) and truncations. */
static void test_fuzz(void **state)
{
    struct tspec s;
    size_t size;
    uint8_t *img, *copy;
    unsigned accepted = 0;

    linux_spec(&s);
    img = build(&s, &size);
    copy = malloc(size);
    srand(4242);
    for (int iter = 0; iter < 30000; iter++) {
        struct pv_image im;
        const char *why = NULL;
        size_t n = rand() % 4 ? size : (size_t)rand() % (size + 1);
        int flips = 1 + rand() % 6;

        memcpy(copy, img, size);
        for (int f = 0; f < flips; f++) {
            size_t span = rand() % 2 ? 64 + 5 * 56 + 400 : size;
            size_t at = (size_t)rand() % MIN(span, size);

            copy[at] = rand() % 3 ? (uint8_t)rand() : (uint8_t)(copy[at] ^ (1u << (rand() % 8)));
        }
        int rc = parse_exact(copy, n, &im, &why);
        if (rc == 0) {
            accepted++;
            assert_true(im.entry >= im.virt_kstart && im.entry < im.virt_kend);
            assert_true(im.nr_segments >= 1 && im.nr_segments <= 16);
        } else {
            assert_int_equal(rc, -EINVAL);
            assert_true(known_reason(why));
        }
    }
    print_message("fuzz: %u of 30000 mutated images accepted\n", accepted);
    free(copy);
    free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_linux),
        cmocka_unit_test(test_valid_minios),
        cmocka_unit_test(test_notes_in_sections),
        cmocka_unit_test(test_not_elf),
        cmocka_unit_test(test_not_x86_64),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_no_xen_notes),
        cmocka_unit_test(test_loader_and_version),
        cmocka_unit_test(test_outside_range),
        cmocka_unit_test(test_overlaps_hypervisor),
        cmocka_unit_test(test_entry_outside),
        cmocka_unit_test(test_too_many_segments),
        cmocka_unit_test(test_long_strings_truncated),
        cmocka_unit_test(test_fuzz),
    };

    return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
