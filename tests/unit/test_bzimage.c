/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for hyp/lib/bzimage.c: synthetic bzImages (a setup sector with
 * the boot protocol's header, then an xz payload made by liblzma and
 * Linux's 4-byte size trailer) parsed from exactly-sized heap buffers, then
 * broken field by field: each hostile header gets its exact reason.  Random
 * damage to the header and every truncation must end in a reason, never a
 * crash (ASan).  Last, Debian's packaged kernel (build/linux/vmlinuz, from
 * `make linux-images`; skipped when absent) is decompressed and compared
 * with liblzma's output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <lzma.h>

#include <hyp/bzimage.h>
#include <hyp/xz.h>

#include "xz_oracle.h"

#define SETUP_SECTS    0x1f1
#define VERSION        0x206
#define PAYLOAD_OFFSET 0x248
#define PAYLOAD_LENGTH 0x24c
#define VMLINUZ        "build/linux/vmlinuz"

struct image {
    uint8_t *b;
    size_t size;
    size_t payload;          /* where the payload starts */
    uint8_t *elf;            /* what it decompresses to */
    size_t elf_size;
};

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* The boot sector, setup_sects more, 100 bytes of slack, the payload, the trailer. */
static struct image make_image(unsigned setup_sects, const uint8_t *payload, size_t payload_n,
                               uint32_t trailer)
{
    size_t setup = ((setup_sects ? setup_sects : 4) + 1) * 512, offset = 100;
    struct image im = { .size = setup + offset + payload_n + 4, .payload = setup + offset };

    im.b = calloc(1, im.size);
    assert_non_null(im.b);
    im.b[SETUP_SECTS] = (uint8_t)setup_sects;
    im.b[0x1fe] = 0x55;
    im.b[0x1ff] = 0xaa;
    memcpy(im.b + 0x202, "HdrS", 4);
    put16(im.b + VERSION, 0x020f);
    put32(im.b + PAYLOAD_OFFSET, (uint32_t)offset);
    put32(im.b + PAYLOAD_LENGTH, (uint32_t)(payload_n + 4));
    memcpy(im.b + im.payload, payload, payload_n);
    put32(im.b + im.payload + payload_n, trailer);
    return im;
}

/* A kernel-like bzImage: an x86-flavoured "ELF" compressed as Linux's build does. */
static struct image make_kernel_image(size_t elf_size)
{
    struct oracle_opts o = { .mode = ORACLE_STREAMED, .preset = 6, .check = LZMA_CHECK_CRC32,
                             .filter = ORACLE_X86, .dict_size = 1 << 20,
                             .lc = -1, .lp = -1, .pb = -1 };
    uint8_t *elf = malloc(elf_size);
    size_t xz_n;

    assert_non_null(elf);
    memcpy(elf, "\x7f" "ELF", 4);
    for (size_t i = 4; i < elf_size; i++)
        elf[i] = oracle_rand() % 5 ? (uint8_t)(i / 64) : 0xe8;
    uint8_t *xz = oracle_encode(elf, elf_size, &o, &xz_n);
    struct image im = make_image(39, xz, xz_n, (uint32_t)elf_size);
    im.elf = elf;
    im.elf_size = elf_size;
    free(xz);
    return im;
}

static void free_image(struct image *im)
{
    free(im->b);
    free(im->elf);
}

/* Parse, size and decompress a copy of b[0, size) (exact buffers); the first reason or NULL. */
static const char *run(const uint8_t *b, size_t size, const struct image *expect)
{
    uint8_t *copy = malloc(size ? size : 1);
    struct bzimage bz;
    const char *why = NULL;
    uint64_t elf_size;

    memcpy(copy, b, size);
    if (!bzimage_parse(copy, size, &bz, &why) && !bzimage_elf_size(&bz, &elf_size, &why)) {
        uint8_t *out = malloc(elf_size ? elf_size : 1);
        void *work = malloc(XZ_WORK_SIZE);
        size_t out_len;

        if (!bzimage_decompress(&bz, out, elf_size, work, XZ_WORK_SIZE, &out_len, &why) &&
            expect) {
            assert_int_equal(out_len, expect->elf_size);
            assert_memory_equal(out, expect->elf, out_len);
        }
        free(work);
        free(out);
    }
    free(copy);
    return why;
}

static void test_valid_image(void **state)
{
    for (unsigned sects = 0; sects < 40; sects += 13) {   /* 0 means 4 */
        struct image im = make_kernel_image(50000);
        struct image again = make_image(sects, im.b + im.payload, im.size - im.payload - 4,
                                        (uint32_t)im.elf_size);

        again.elf = im.elf;
        again.elf_size = im.elf_size;
        assert_true(bzimage_detect(again.b, again.size));
        assert_null(run(again.b, again.size, &again));
        free(again.b);
        free_image(&im);
    }
}

static void test_not_a_bzimage(void **state)
{
    uint8_t elf[1024] = { 0x7f, 'E', 'L', 'F' };
    struct image im = make_kernel_image(1000);

    assert_false(bzimage_detect(elf, sizeof(elf)));
    assert_false(bzimage_detect(im.b, 0x205));       /* "HdrS" cut */
    im.b[0x1fe] = 0;
    assert_false(bzimage_detect(im.b, im.size));     /* no boot flag */
    im.b[0x1fe] = 0x55;
    im.b[0x203] = 'x';
    assert_false(bzimage_detect(im.b, im.size));
    free_image(&im);
}

static void test_hostile_headers(void **state)
{
    struct image im = make_kernel_image(4000);
    uint8_t *b = im.b;
    uint32_t len = (uint32_t)(im.size - im.payload);

    assert_string_equal(run(b, 0x24f, NULL), "bzImage: setup header truncated");
    put16(b + VERSION, 0x0207);
    assert_string_equal(run(b, im.size, NULL),
                        "bzImage: boot protocol before 2.08 (no payload fields)");
    put16(b + VERSION, 0x020f);
    put32(b + PAYLOAD_OFFSET, 0xffffffff);
    assert_string_equal(run(b, im.size, NULL), "bzImage: payload outside the image");
    put32(b + PAYLOAD_OFFSET, 101);                  /* one byte too far */
    assert_string_equal(run(b, im.size, NULL), "bzImage: payload outside the image");
    put32(b + PAYLOAD_OFFSET, 100);
    put32(b + PAYLOAD_LENGTH, 0xffffffff);
    assert_string_equal(run(b, im.size, NULL), "bzImage: payload outside the image");
    put32(b + PAYLOAD_LENGTH, 4);                    /* nothing but a trailer */
    assert_string_equal(run(b, im.size, NULL), "bzImage: payload outside the image");
    put32(b + PAYLOAD_LENGTH, len);
    b[SETUP_SECTS] = 255;                            /* setup longer than the image */
    assert_string_equal(run(b, im.size, NULL), "bzImage: payload outside the image");
    b[SETUP_SECTS] = 39;
    assert_null(run(b, im.size, &im));
    put32(b + im.size - 4, (uint32_t)im.elf_size + 1);
    assert_string_equal(run(b, im.size, NULL),
                        "bzImage: payload size trailer disagrees with the xz index");
    put32(b + im.size - 4, (uint32_t)im.elf_size);
    b[im.size - 5] ^= 1;                             /* the footer's magic */
    assert_string_equal(run(b, im.size, NULL), "bzImage payload: corrupt xz index or footer");
    b[im.size - 5] ^= 1;
    b[im.payload + 40] ^= 0x55;                      /* compressed data */
    assert_string_equal(run(b, im.size, NULL) ? "refused" : "accepted", "refused");
    free_image(&im);
}

static void test_other_compressions(void **state)
{
    static const struct { const char *magic; size_t len; const char *name; } kinds[] = {
        { "\x1f\x8b\x08", 3, "gzip" }, { "BZh9", 4, "bzip2" }, { "\x5d\x00\x00\x80", 4, "lzma" },
        { "\x89LZO", 4, "lzo" }, { "\x02\x21\x4c\x18", 4, "lz4" },
        { "\x28\xb5\x2f\xfd", 4, "zstd" }, { "\x7f" "ELF", 4, "unknown" },
    };
    char want[80];

    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        uint8_t payload[64] = { 0 };
        memcpy(payload, kinds[i].magic, kinds[i].len);
        struct image im = make_image(39, payload, sizeof(payload), 1000);
        snprintf(want, sizeof(want), "bzImage: unsupported compression (%s)", kinds[i].name);
        assert_string_equal(run(im.b, im.size, NULL), want);
        free(im.b);
    }
}

/*
 * An xz stream whose index claims 300 MiB: the header, a block area of
 * the right size (never decoded), an index with one record, the footer.
 */
static void test_payload_too_large(void **state)
{
    const uint64_t claimed = 300ULL << 20;
    uint8_t xz[12 + 16 + 12 + 12] = { 0xfd, '7', 'z', 'X', 'Z', 0, 0, 1 };
    uint8_t *index = xz + 28, *footer = xz + 40;

    put32(xz + 8, lzma_crc32(xz + 6, 2, 0));
    /* Index: indicator, 1 record, unpadded size 16, uncompressed 300 MiB, padding, CRC32. */
    index[0] = 0;
    index[1] = 1;
    index[2] = 16;
    index[3] = 0x80, index[4] = 0x80, index[5] = 0x80, index[6] = 0x96, index[7] = 0x01;
    put32(index + 8, lzma_crc32(index, 8, 0));
    put32(footer + 4, 12 / 4 - 1);
    footer[8] = 0, footer[9] = 1, footer[10] = 'Y', footer[11] = 'Z';
    put32(footer, lzma_crc32(footer + 4, 6, 0));
    uint64_t size;
    assert_int_equal(xz_uncompressed_size(xz, sizeof(xz), &size), XZ_OK);
    assert_int_equal(size, claimed);

    struct image im = make_image(39, xz, sizeof(xz), (uint32_t)claimed);
    assert_string_equal(run(im.b, im.size, NULL), "bzImage: kernel over 256 MiB uncompressed");
    free(im.b);
}

/* Random bytes in the setup header and payload, and every truncation: a reason or the right ELF. */
static void test_random_damage_and_truncation(void **state)
{
    struct image im = make_kernel_image(3000);
    uint8_t *copy = malloc(im.size);
    unsigned refused = 0;

    oracle_seed(99);
    for (unsigned round = 0; round < 4000; round++) {
        memcpy(copy, im.b, im.size);
        for (unsigned k = 1 + oracle_rand() % 3; k; k--) {
            size_t at = round % 2 ? 0x1f0 + oracle_rand() % 0x70 : oracle_rand() % im.size;
            copy[at] = (uint8_t)oracle_rand();
        }
        refused += run(copy, im.size, &im) != NULL;
    }
    for (size_t len = 0; len < im.size; len++)
        assert_non_null(run(im.b, len, NULL));
    printf("bzimage: %u of 4000 damaged images refused, every truncation refused\n", refused);
    free(copy);
    free_image(&im);
}

static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *b;

    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *size = (size_t)ftell(f);
    rewind(f);
    b = malloc(*size);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, *size, f), *size);
    fclose(f);
    return b;
}

static double seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Debian's linux-image-6.1 vmlinuz, decompressed by us and by liblzma. */
static void test_debian_vmlinuz(void **state)
{
    const char *path = getenv("KOAN_VMLINUZ") ? getenv("KOAN_VMLINUZ") : VMLINUZ;
    size_t size, out_len, ref_n;
    uint8_t *img = read_file(path, &size);
    struct bzimage bz;
    const char *why = NULL;
    uint64_t elf_size;

    if (!img) {
        printf("bzimage: %s not found (make linux-images): skipped\n", path);
        skip();
    }
    assert_true(bzimage_detect(img, size));
    assert_int_equal(bzimage_parse(img, size, &bz, &why), 0);
    assert_true(bz.version >= 0x0208);
    assert_int_equal(bzimage_elf_size(&bz, &elf_size, &why), 0);
    uint8_t *out = malloc(elf_size), *work = malloc(XZ_WORK_SIZE);
    double t = seconds();
    assert_int_equal(bzimage_decompress(&bz, out, elf_size, work, XZ_WORK_SIZE, &out_len, &why), 0);
    t = seconds() - t;
    assert_int_equal(out_len, elf_size);
    assert_memory_equal(out, "\x7f" "ELF\x02\x01\x01", 7);   /* ELF64, little-endian */
    uint8_t *ref = oracle_decode(bz.payload, bz.payload_size, elf_size, &ref_n);
    assert_non_null(ref);
    assert_int_equal(ref_n, out_len);
    assert_memory_equal(out, ref, out_len);
    printf("bzimage: %s: protocol %u.%02u, %zu bytes of xz -> %zu bytes of ELF, same as liblzma"
           " (%.2f s here, with the sanitizers)\n", path, bz.version >> 8, bz.version & 0xff,
           bz.payload_size, out_len, t);
    free(ref);
    free(work);
    free(out);
    free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_image),
        cmocka_unit_test(test_not_a_bzimage),
        cmocka_unit_test(test_hostile_headers),
        cmocka_unit_test(test_other_compressions),
        cmocka_unit_test(test_payload_too_large),
        cmocka_unit_test(test_random_damage_and_truncation),
        cmocka_unit_test(test_debian_vmlinuz),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
