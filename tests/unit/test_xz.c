/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the xz decoder (hyp/lib/xz_*.c), with Debian's liblzma as
 * the oracle: inputs of many shapes are compressed by liblzma in every way
 * an encoder may (presets, lc/lp/pb, small dictionaries, x86 BCJ with and
 * without a start offset, CRC32/CRC64/no check, sizes in the block headers
 * or not, one block or many) and must decode to exactly the same bytes.
 * Then hostile streams: random byte flips (our decoder may only accept what
 * liblzma accepts, with the same bytes), every truncation, an output buffer
 * one byte short, trailing data, and headers broken field by field with
 * their CRCs fixed up so the field itself is what is refused.  Buffers are
 * malloc'd at their exact sizes so ASan sees any access outside them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <lzma.h>

#include <hyp/xz.h>

#include "xz_oracle.h"

#define FLIP_ROUNDS 2000

/* ---- inputs ---- */

enum shape { RANDOM, TEXT, X86_CODE, BCJ_TORTURE, ZEROS, MIXED, NR_SHAPES };

static void fill_text(uint8_t *p, size_t n)
{
    static const char *words[] = { "domain ", "frame ", "event ", "grant ", "page ",
                                   "table\n", "the ", "of ", "hypervisor ", "{\n\t", "}\n" };
    size_t i = 0;

    while (i < n) {
        const char *w = words[oracle_rand() % (sizeof(words) / sizeof(words[0]))];
        for (; *w && i < n; w++)
            p[i++] = (uint8_t)*w;
    }
}

/* Instruction-like bytes: many calls and jumps with near operands. */
static void fill_x86(uint8_t *p, size_t n)
{
    size_t i = 0;

    while (i < n) {
        uint64_t r = oracle_rand();
        if (r % 4 == 0 && n - i >= 5) {
            int32_t rel = (int32_t)(r >> 8) % 0x100000;
            p[i] = (r & 16) ? 0xe8 : 0xe9;
            memcpy(p + i + 1, &rel, 4);
            i += 5;
        } else {
            p[i++] = (uint8_t)(r >> 16) % 8 == 0 ? 0x48 : (uint8_t)(r >> 24);
        }
    }
}

/* Opcode bytes, near top bytes and noise close together: the BCJ heuristic's corners. */
static void fill_bcj_torture(uint8_t *p, size_t n)
{
    static const uint8_t pick[] = { 0xe8, 0xe9, 0x00, 0xff, 0xe8, 0x00, 0xff, 0x12 };

    for (size_t i = 0; i < n; i++) {
        uint64_t r = oracle_rand();
        p[i] = r % 3 ? pick[(r >> 8) % sizeof(pick)] : (uint8_t)(r >> 16);
    }
}

static uint8_t *make_input(enum shape shape, size_t n)
{
    uint8_t *p = malloc(n ? n : 1);

    assert_non_null(p);
    switch (shape) {
    case RANDOM:      for (size_t i = 0; i < n; i++) p[i] = (uint8_t)oracle_rand(); break;
    case TEXT:        fill_text(p, n); break;
    case X86_CODE:    fill_x86(p, n); break;
    case BCJ_TORTURE: fill_bcj_torture(p, n); break;
    case ZEROS:       memset(p, 0, n); break;
    case MIXED:
        /* Text, noise, code: LZMA chunks, uncompressed chunks, state resets. */
        fill_text(p, n / 3);
        for (size_t i = n / 3; i < n / 2; i++)
            p[i] = (uint8_t)oracle_rand();
        fill_x86(p + n / 2, n - n / 2);
        break;
    default: fail();
    }
    return p;
}

/* ---- our decoder, on exactly-sized heap buffers ---- */

static enum xz_result ours(const uint8_t *stream, size_t n, size_t out_cap, uint8_t **out,
                           size_t *out_len)
{
    uint8_t *in = malloc(n ? n : 1), *o = malloc(out_cap ? out_cap : 1);
    void *work = malloc(XZ_WORK_SIZE);
    enum xz_result r;

    assert_non_null(in);
    assert_non_null(o);
    assert_non_null(work);
    memcpy(in, stream, n);
    *out_len = 0;
    r = xz_decode(in, n, o, out_cap, work, XZ_WORK_SIZE, out_len);
    free(in);
    free(work);
    if (out)
        *out = o;
    else
        free(o);
    return r;
}

static enum xz_result ours_size(const uint8_t *stream, size_t n, uint64_t *size)
{
    uint8_t *in = malloc(n ? n : 1);
    enum xz_result r;

    assert_non_null(in);
    memcpy(in, stream, n);
    r = xz_uncompressed_size(in, n, size);
    free(in);
    return r;
}

/* Compress data with o, decode with ours, compare with data and with liblzma. */
static void roundtrip(const uint8_t *data, size_t n, const struct oracle_opts *o)
{
    size_t xz_n, out_len, ref_n;
    uint8_t *xz = oracle_encode(data, n, o, &xz_n), *out;
    uint8_t *ref = oracle_decode(xz, xz_n, n, &ref_n);
    uint64_t size;

    assert_non_null(ref);
    assert_int_equal(ref_n, n);
    assert_int_equal(ours(xz, xz_n, n, &out, &out_len), XZ_OK);
    assert_int_equal(out_len, n);
    assert_memory_equal(out, data, n);
    free(out);
    assert_int_equal(ours(xz, xz_n, n + 17, NULL, &out_len), XZ_OK);   /* room to spare */
    assert_int_equal(out_len, n);
    assert_int_equal(ours_size(xz, xz_n, &size), XZ_OK);
    assert_int_equal(size, n);
    free(ref);
    free(xz);
}

static struct oracle_opts opts(enum oracle_mode mode, uint32_t preset, lzma_check check,
                               enum oracle_filter filter)
{
    return (struct oracle_opts){ .mode = mode, .preset = preset, .check = check,
                                 .filter = filter, .lc = -1, .lp = -1, .pb = -1,
                                 .block_size = 40000,
                                 /* keeps liblzma's encoders and decoders small */
                                 .dict_size = 128 * 1024 };
}

/* ---- round trips ---- */

static void test_shapes_presets_checks(void **state)
{
    static const size_t sizes[] = { 0, 1, 5, 4095, 40000 };
    static const uint32_t presets[] = { 0, 6, 9 | LZMA_PRESET_EXTREME };
    static const lzma_check checks[] = { LZMA_CHECK_CRC32, LZMA_CHECK_CRC64, LZMA_CHECK_NONE };
    unsigned runs = 0;

    oracle_seed(1);
    for (enum shape sh = 0; sh < NR_SHAPES; sh++)
        for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
            uint8_t *data = make_input(sh, sizes[si]);
            for (size_t pi = 0; pi < 3; pi++)
                for (enum oracle_mode m = ORACLE_BUFFER; m <= ORACLE_BLOCKS; m++) {
                    struct oracle_opts o = opts(m, presets[pi], checks[(si + pi + m) % 3],
                                                (sh + pi) % 2 ? ORACLE_X86 : ORACLE_NO_FILTER);
                    roundtrip(data, sizes[si], &o);
                    runs++;
                }
            free(data);
        }
    printf("xz: %u round trips\n", runs);
}

/* Over 2 MiB, an LZMA2 chunk's most: many chunks per block, and blocks of 1 MiB. */
static void test_large_input(void **state)
{
    size_t n = 2 * 1024 * 1024 + 300000;
    uint8_t *data = make_input(MIXED, n);
    struct oracle_opts o = opts(ORACLE_STREAMED, 6, LZMA_CHECK_CRC32, ORACLE_X86);

    o.dict_size = 4 << 20;
    roundtrip(data, n, &o);
    o = opts(ORACLE_BLOCKS, 1, LZMA_CHECK_CRC64, ORACLE_NO_FILTER);
    o.block_size = 1 << 20;
    roundtrip(data, n, &o);
    free(data);
}

/* Every lc/lp/pb the format allows (lc + lp <= 4), and dictionaries smaller than the data. */
static void test_lc_lp_pb_and_small_dictionaries(void **state)
{
    uint8_t *data = make_input(MIXED, 60000);

    for (int lc = 0; lc <= 4; lc++)
        for (int lp = 0; lc + lp <= 4; lp++)
            for (int pb = 0; pb <= 4; pb += 2) {
                struct oracle_opts o = opts(ORACLE_BUFFER, 6, LZMA_CHECK_CRC32, ORACLE_NO_FILTER);
                o.lc = lc, o.lp = lp, o.pb = pb;
                roundtrip(data, 60000, &o);
            }
    for (uint32_t dict = 4096; dict <= 65536; dict *= 4) {
        struct oracle_opts o = opts(ORACLE_STREAMED, 6, LZMA_CHECK_CRC64, ORACLE_NO_FILTER);
        o.dict_size = dict;
        roundtrip(data, 60000, &o);
    }
    free(data);
}

/* The x86 filter on code-like and adversarial bytes, with start offsets. */
static void test_bcj_x86(void **state)
{
    static const uint32_t starts[] = { 0, 1, 0x1000, 0xfffffff0U, 0x7fffffffU };

    oracle_seed(7);
    for (size_t round = 0; round < 40; round++) {
        size_t n = 1 + oracle_rand() % 30000;
        uint8_t *data = make_input(round % 2 ? BCJ_TORTURE : X86_CODE, n);
        struct oracle_opts o = opts(round % 3 ? ORACLE_BUFFER : ORACLE_BLOCKS, round % 4,
                                    LZMA_CHECK_CRC32, ORACLE_X86);
        o.bcj_start = starts[round % 5];
        o.block_size = 7000;
        roundtrip(data, n, &o);
        free(data);
    }
}

/* ---- what is refused ---- */

static uint8_t *sample_stream(enum oracle_mode mode, lzma_check check, size_t n, size_t *xz_n,
                              uint8_t **data)
{
    struct oracle_opts o = opts(mode, 6, check, ORACLE_X86);

    o.block_size = n / 3 + 1;
    o.dict_size = 64 * 1024;   /* liblzma allocates the whole dictionary per decode */
    *data = make_input(MIXED, n);
    return oracle_encode(*data, n, &o, xz_n);
}

static void test_unsupported_check_and_filters(void **state)
{
    uint8_t *data = make_input(TEXT, 3000), *xz;
    size_t xz_n, out_len;
    uint64_t size;
    struct oracle_opts o = opts(ORACLE_BUFFER, 6, LZMA_CHECK_SHA256, ORACLE_NO_FILTER);

    xz = oracle_encode(data, 3000, &o, &xz_n);
    assert_int_equal(ours(xz, xz_n, 3000, NULL, &out_len), XZ_ERR_UNSUPPORTED_CHECK);
    assert_int_equal(ours_size(xz, xz_n, &size), XZ_ERR_UNSUPPORTED_CHECK);
    free(xz);
    for (enum oracle_filter f = ORACLE_DELTA; f <= ORACLE_ARM; f++) {
        o = opts(ORACLE_BUFFER, 6, LZMA_CHECK_CRC32, f);
        xz = oracle_encode(data, 3000, &o, &xz_n);
        assert_int_equal(ours(xz, xz_n, 3000, NULL, &out_len), XZ_ERR_UNSUPPORTED_FILTER);
        free(xz);
    }
    free(data);
}

static void test_output_too_small(void **state)
{
    uint8_t *data, *xz;
    size_t n = 20000, xz_n, out_len;

    for (enum oracle_mode m = ORACLE_BUFFER; m <= ORACLE_BLOCKS; m++) {
        xz = sample_stream(m, LZMA_CHECK_CRC32, n, &xz_n, &data);
        assert_int_equal(ours(xz, xz_n, n - 1, NULL, &out_len), XZ_ERR_OUTPUT_TOO_SMALL);
        assert_int_equal(ours(xz, xz_n, 0, NULL, &out_len), XZ_ERR_OUTPUT_TOO_SMALL);
        assert_int_equal(ours(xz, xz_n, n, NULL, &out_len), XZ_OK);
        free(xz);
        free(data);
    }
}

/* Every prefix of a stream is truncated, for the decoder and for the size reader. */
static void test_every_truncation(void **state)
{
    for (enum oracle_mode m = ORACLE_BUFFER; m <= ORACLE_BLOCKS; m++) {
        uint8_t *data, *xz;
        size_t xz_n, out_len;
        uint64_t size;

        xz = sample_stream(m, m == ORACLE_STREAMED ? LZMA_CHECK_CRC64 : LZMA_CHECK_CRC32,
                           6000, &xz_n, &data);
        for (size_t len = 0; len < xz_n; len++) {
            enum xz_result r = ours(xz, len, 6000, NULL, &out_len);
            if (r != XZ_ERR_TRUNCATED)
                fail_msg("prefix %zu of %zu: %s", len, xz_n, xz_strerror(r));
            assert_int_not_equal(ours_size(xz, len, &size), XZ_OK);
        }
        free(xz);
        free(data);
    }
}

static void test_padding_and_trailing_data(void **state)
{
    uint8_t *data, *xz;
    size_t xz_n, out_len;
    uint64_t size;

    xz = sample_stream(ORACLE_BUFFER, LZMA_CHECK_CRC32, 5000, &xz_n, &data);
    uint8_t *longer = calloc(1, xz_n + 8);
    memcpy(longer, xz, xz_n);
    assert_int_equal(ours(longer, xz_n + 8, 5000, NULL, &out_len), XZ_OK);   /* padding */
    assert_int_equal(ours_size(longer, xz_n + 8, &size), XZ_OK);
    assert_int_equal(size, 5000);
    for (size_t extra = 1; extra < 4; extra++)
        assert_int_equal(ours(longer, xz_n + extra, 5000, NULL, &out_len), XZ_ERR_TRAILING_DATA);
    longer[xz_n + 5] = 1;
    assert_int_equal(ours(longer, xz_n + 8, 5000, NULL, &out_len), XZ_ERR_TRAILING_DATA);
    assert_null(oracle_decode(longer, xz_n + 8, 5000, &out_len));   /* liblzma agrees */
    free(longer);
    free(xz);
    free(data);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A copy with one byte changed and a CRC32 recomputed (crc_len 0: none). */
struct edit {
    size_t at;
    uint8_t value;
    size_t crc_from, crc_len, crc_pos;
};

static enum xz_result edited(const uint8_t *xz, size_t xz_n, struct edit e)
{
    uint8_t *copy = malloc(xz_n);
    size_t out_len;
    enum xz_result r;

    memcpy(copy, xz, xz_n);
    copy[e.at] = e.value;
    if (e.crc_len)
        put_le32(copy + e.crc_pos, lzma_crc32(copy + e.crc_from, e.crc_len, 0));
    r = ours(copy, xz_n, 1 << 20, NULL, &out_len);
    free(copy);
    return r;
}

/* Byte at = value; then the CRC32 of [from, to), stored at to (stream and block headers, index). */
#define EDIT(at_, value_) ((struct edit){ .at = (at_), .value = (value_) })
#define EDIT_CRC(at_, value_, from, to) ((struct edit){ .at = (at_), .value = (value_), \
    .crc_from = (from), .crc_len = (to) - (from), .crc_pos = (to) })

/*
 * A one-block CRC32 stream with sizes in its header: the stream header at
 * 0, the block header at 12 (size byte, flags, sizes, filters, padding,
 * CRC32), and the index and footer at the end.  Each field broken alone.
 */
static void test_broken_fields(void **state)
{
    uint8_t *data, *xz;
    size_t n, bh, bh_end, footer, index;

    xz = sample_stream(ORACLE_BUFFER, LZMA_CHECK_CRC32, 5000, &n, &data);
    bh = 12;
    bh_end = bh + (xz[bh] + 1) * 4 - 4;    /* where its CRC32 is */
    footer = n - 12;
    index = footer - (((size_t)xz[footer + 4] | (size_t)xz[footer + 5] << 8) + 1) * 4;

    assert_int_equal(edited(xz, n, EDIT(0, 0xfe)), XZ_ERR_FORMAT);
    assert_int_equal(edited(xz, n, EDIT_CRC(7, 0x11, 6, 8)), XZ_ERR_HEADER);
    assert_int_equal(edited(xz, n, EDIT_CRC(6, 0x01, 6, 8)), XZ_ERR_HEADER);
    assert_int_equal(edited(xz, n, EDIT_CRC(7, 0x0a, 6, 8)),
                     XZ_ERR_UNSUPPORTED_CHECK);                       /* SHA-256 */
    assert_int_equal(edited(xz, n, EDIT(8, xz[8] ^ 1)), XZ_ERR_HEADER);
    assert_int_equal(edited(xz, n, EDIT_CRC(bh + 1, xz[bh + 1] | 0x04, bh, bh_end)),
                     XZ_ERR_HEADER);                                  /* reserved block flag */
    assert_int_equal(edited(xz, n, EDIT_CRC(bh_end - 1, 0x01, bh, bh_end)),
                     XZ_ERR_HEADER);                                  /* header padding */
    assert_int_equal(edited(xz, n, EDIT_CRC(bh + 2, xz[bh + 2] + 1, bh, bh_end)),
                     XZ_ERR_DATA);                                    /* compressed size */
    assert_int_equal(edited(xz, n, EDIT(bh_end, xz[bh_end] ^ 0x80)), XZ_ERR_HEADER);
    assert_int_equal(edited(xz, n, EDIT(index - 1, xz[index - 1] ^ 0x01)), XZ_ERR_CHECK);
    assert_int_equal(edited(xz, n, EDIT_CRC(index + 1, 2, index, footer - 4)),
                     XZ_ERR_INDEX);                                   /* record count */
    assert_int_equal(edited(xz, n, EDIT(footer - 1, xz[footer - 1] ^ 1)), XZ_ERR_INDEX);
    /* The backward size; the footer's CRC32 comes before what it covers. */
    assert_int_equal(edited(xz, n, (struct edit){ .at = footer + 4, .value = xz[footer + 4] + 1,
                                                  .crc_from = footer + 4, .crc_len = 6,
                                                  .crc_pos = footer }), XZ_ERR_INDEX);
    assert_int_equal(edited(xz, n, EDIT(footer + 8, 1)), XZ_ERR_INDEX);  /* flags */
    assert_int_equal(edited(xz, n, EDIT(n - 1, 'Z' + 1)), XZ_ERR_INDEX); /* magic */
    free(xz);
    free(data);
}

static void test_work_area(void **state)
{
    uint8_t *data, *xz, out[64];
    size_t xz_n, out_len;
    static uint64_t work[XZ_WORK_SIZE / 8 + 1];

    xz = sample_stream(ORACLE_BUFFER, LZMA_CHECK_CRC32, 64, &xz_n, &data);
    assert_int_equal(xz_decode(xz, xz_n, out, 64, work, XZ_WORK_SIZE - 1, &out_len),
                     XZ_ERR_WORK_TOO_SMALL);
    assert_int_equal(xz_decode(xz, xz_n, out, 64, (uint8_t *)work + 4, XZ_WORK_SIZE, &out_len),
                     XZ_ERR_WORK_TOO_SMALL);
    assert_int_equal(xz_decode(xz, xz_n, out, 64, NULL, XZ_WORK_SIZE, &out_len),
                     XZ_ERR_WORK_TOO_SMALL);
    assert_int_equal(xz_decode(xz, xz_n, out, 64, work, XZ_WORK_SIZE, &out_len), XZ_OK);
    assert_memory_equal(out, data, 64);
    free(xz);
    free(data);
}

/*
 * Random damage: 1-4 bytes replaced anywhere.  Whatever we accept, liblzma
 * accepts too and decodes to the same bytes; liblzma may accept what we
 * refuse only where we are knowingly stricter (counted, printed).  With no
 * check, damaged data can still decode: then only the bounds matter (ASan).
 */
static void flip_rounds(lzma_check check, enum oracle_mode mode, unsigned rounds)
{
    uint8_t *data, *xz, *copy, *out;
    size_t xz_n, n = 8000, out_len, ref_n;
    unsigned accepted = 0, refused = 0, stricter = 0, by_result[XZ_ERR_WORK_TOO_SMALL + 1] = { 0 };

    xz = sample_stream(mode, check, n, &xz_n, &data);
    copy = malloc(xz_n);
    for (unsigned round = 0; round < rounds; round++) {
        memcpy(copy, xz, xz_n);
        for (unsigned k = 1 + oracle_rand() % 4; k; k--)
            copy[oracle_rand() % xz_n] = (uint8_t)oracle_rand();
        size_t cap = round % 5 ? n : n + 4096;
        enum xz_result r = ours(copy, xz_n, cap, &out, &out_len);
        uint8_t *ref = oracle_decode(copy, xz_n, cap, &ref_n);

        by_result[r]++;
        if (r == XZ_OK) {
            accepted++;
            if (!ref)
                fail_msg("round %u: we accept what liblzma refuses", round);
            assert_int_equal(out_len, ref_n);
            assert_memory_equal(out, ref, ref_n);
        } else {
            refused++;
            stricter += ref != NULL;
        }
        free(ref);
        free(out);
    }
    printf("xz flips (check %d, mode %d): %u accepted, %u refused (%u that liblzma accepts);"
           " by result:", check, mode, accepted, refused, stricter);
    for (int i = 0; i <= XZ_ERR_WORK_TOO_SMALL; i++)
        printf(" %d", by_result[i]);
    printf("\n");
    free(copy);
    free(xz);
    free(data);
}

static void test_random_damage(void **state)
{
    oracle_seed(42);
    flip_rounds(LZMA_CHECK_CRC32, ORACLE_BUFFER, FLIP_ROUNDS);
    flip_rounds(LZMA_CHECK_CRC64, ORACLE_BLOCKS, FLIP_ROUNDS);
    flip_rounds(LZMA_CHECK_NONE, ORACLE_STREAMED, FLIP_ROUNDS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes_presets_checks),
        cmocka_unit_test(test_large_input),
        cmocka_unit_test(test_lc_lp_pb_and_small_dictionaries),
        cmocka_unit_test(test_bcj_x86),
        cmocka_unit_test(test_unsupported_check_and_filters),
        cmocka_unit_test(test_output_too_small),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_padding_and_trailing_data),
        cmocka_unit_test(test_broken_fields),
        cmocka_unit_test(test_work_area),
        cmocka_unit_test(test_random_damage),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
